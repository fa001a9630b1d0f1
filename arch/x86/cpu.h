/* SPDX-License-Identifier: MIT */
/* Thin wrappers for x86 instructions, control registers and MSRs. */
#ifndef ARCH_X86_CPU_H
#define ARCH_X86_CPU_H

#include "lib/types.h"

#define CR0_PE BIT(0)
#define CR0_MP BIT(1)
#define CR0_EM BIT(2)
#define CR0_TS BIT(3)
#define CR0_ET BIT(4)
#define CR0_NE BIT(5)
#define CR0_WP BIT(16)
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define CR0_PG BIT(31)

#define CR4_PAE	       BIT(5)
#define CR4_PGE	       BIT(7)
#define CR4_OSFXSR     BIT(9)
#define CR4_OSXMMEXCPT BIT(10)
#define CR4_LA57       BIT(12)
#define CR4_VMXE       BIT(13)
#define CR4_OSXSAVE    BIT(18)
#define CR4_KL	       BIT(19)
#define CR4_PKE	       BIT(22)
#define CR4_CET	       BIT(23)
#define CR4_PKS	       BIT(24)
#define CR4_UINTR      BIT(25)
/* Features whose state klvisor does not switch: a guest may not enable them. */
#define CR4_DENIED (CR4_VMXE | CR4_LA57 | CR4_CET | CR4_PKS | CR4_UINTR)

#define RFLAGS_CF BIT(0)
#define RFLAGS_ZF BIT(6)
#define RFLAGS_TF BIT(8)
#define RFLAGS_IF BIT(9)
#define RFLAGS_DF BIT(10)
#define RFLAGS_AC BIT(18)

#define MSR_IA32_TSC			 0x10
#define MSR_IA32_APIC_BASE		 0x1b
#define MSR_IA32_FEATURE_CONTROL	 0x3a
#define MSR_IA32_SYSENTER_CS		 0x174
#define MSR_IA32_SYSENTER_ESP		 0x175
#define MSR_IA32_SYSENTER_EIP		 0x176
#define MSR_IA32_PAT			 0x277
#define MSR_IA32_TSC_DEADLINE		 0x6e0
#define PAT_RESET			 0x0007040600070406ULL
#define MSR_IA32_VMX_BASIC		 0x480
#define MSR_IA32_VMX_PINBASED_CTLS	 0x481
#define MSR_IA32_VMX_PROCBASED_CTLS	 0x482
#define MSR_IA32_VMX_EXIT_CTLS		 0x483
#define MSR_IA32_VMX_ENTRY_CTLS		 0x484
#define MSR_IA32_VMX_MISC		 0x485
#define MSR_IA32_VMX_CR0_FIXED0		 0x486
#define MSR_IA32_VMX_CR0_FIXED1		 0x487
#define MSR_IA32_VMX_CR4_FIXED0		 0x488
#define MSR_IA32_VMX_CR4_FIXED1		 0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2	 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP	 0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS	 0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS	 0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS	 0x490
#define MSR_IA32_EFER			 0xc0000080
#define MSR_STAR			 0xc0000081
#define MSR_LSTAR			 0xc0000082
#define MSR_CSTAR			 0xc0000083
#define MSR_FMASK			 0xc0000084
#define MSR_FS_BASE			 0xc0000100
#define MSR_GS_BASE			 0xc0000101
#define MSR_KERNEL_GS_BASE		 0xc0000102

#define FEATURE_CONTROL_LOCKED		  BIT(0)
#define FEATURE_CONTROL_VMXON_OUTSIDE_SMX BIT(2)

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(u32 leaf, u32 sub)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(sub));
	return r;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (u64)hi << 32 | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

/* read_crN/write_crN and read_drN/write_drN (the assembler names DRn dbN). */
#define DEFINE_SYSREG(name, asmname)                                         \
	static inline u64 read_##name(void)                                  \
	{                                                                    \
		u64 v;                                                       \
		__asm__ volatile("mov %%" #asmname ", %0" : "=r"(v));        \
		return v;                                                    \
	}                                                                    \
	static inline void write_##name(u64 v)                               \
	{                                                                    \
		__asm__ volatile("mov %0, %%" #asmname ::"r"(v) : "memory"); \
	}
DEFINE_SYSREG(cr0, cr0)
DEFINE_SYSREG(cr2, cr2)
DEFINE_SYSREG(cr3, cr3)
DEFINE_SYSREG(cr4, cr4)
DEFINE_SYSREG(dr0, db0)
DEFINE_SYSREG(dr1, db1)
DEFINE_SYSREG(dr2, db2)
DEFINE_SYSREG(dr3, db3)
DEFINE_SYSREG(dr6, db6)
#undef DEFINE_SYSREG
#define DR6_RESET 0xffff0ff0ULL

/*
 * VERW with a valid writable data selector: on MD_CLEAR parts it also
 * overwrites the CPU's store, fill and load buffers (MDS, TAA, RFDS).
 */
static inline void verw_clear_buffers(void)
{
	u16 ds = 0x10;

	__asm__ volatile("verw %0" ::"m"(ds) : "cc");
}

/* A 48-bit linear address sign-extended to 64 bits (4-level paging). */
static inline bool is_canonical(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

static inline u64 read_rflags(void)
{
	u64 v;

	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline void xsetbv(u32 xcr, u64 v)
{
	__asm__ volatile("xsetbv" ::"c"(xcr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

static inline void xsave(void *area, u64 mask)
{
	__asm__ volatile("xsave64 %0"
			 : "+m"(*(u8 *)area)
			 : "a"((u32)mask), "d"((u32)(mask >> 32))
			 : "memory");
}

static inline void xrstor(const void *area, u64 mask)
{
	__asm__ volatile("xrstor64 %0" ::"m"(*(const u8 *)area), "a"((u32)mask),
			 "d"((u32)(mask >> 32))
			 : "memory");
}

static inline void fxsave(void *area)
{
	__asm__ volatile("fxsave64 %0" : "+m"(*(u8 *)area)::"memory");
}

static inline void fxrstor(const void *area)
{
	__asm__ volatile("fxrstor64 %0" ::"m"(*(const u8 *)area) : "memory");
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outw(u16 port, u16 v)
{
	__asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cpu_relax_io(void)
{
	__asm__ volatile("pause");
}

static inline void cli(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void hlt(void)
{
	__asm__ volatile("hlt" ::: "memory");
}

static inline __noreturn void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

static inline u16 read_seg_tr(void)
{
	u16 v;

	__asm__ volatile("str %0" : "=r"(v));
	return v;
}

struct __packed desc_ptr {
	u16 limit;
	u64 base;
};

static inline void sgdt(struct desc_ptr *d)
{
	__asm__ volatile("sgdt %0" : "=m"(*d));
}

static inline void sidt(struct desc_ptr *d)
{
	__asm__ volatile("sidt %0" : "=m"(*d));
}

/* Stack and cache-line hygiene when handing memory between CPUs. */
static inline void mb(void)
{
	__asm__ volatile("mfence" ::: "memory");
}

#endif
