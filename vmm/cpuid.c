// SPDX-License-Identifier: MIT
/*
 * The CPUID a guest sees: the host's, filtered.  VMX, SMX, MONITOR, PDCM,
 * the PMU, SGX, WAITPKG, PCONFIG, CET, PKS and UINTR are hidden, the hypervisor bit and klvisor's leaves are
 * added, APIC IDs are the vCPU's, and OSXSAVE follows the guest's CR4.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"
#include "arch/x86/vmcs.h"
#include "vmm/exit.h"
#include "vmm/fpu.h"
#include "vmm/vcpu.h"

#define KLV_CPUID_BASE	0x40000000
#define KLV_CPUID_MAX	0x40000001
#define KLV_ABI_VERSION 1

#define CPUID1_ECX_MONITOR    BIT(3)
#define CPUID1_ECX_VMX	      BIT(5)
#define CPUID1_ECX_SMX	      BIT(6)
#define CPUID1_ECX_PDCM	      BIT(15)
#define CPUID1_ECX_OSXSAVE    BIT(27)
#define CPUID1_ECX_HYPERVISOR BIT(31)
#define CPUID7_EBX_SGX	      BIT(2)
#define CPUID7_EBX_INVPCID    BIT(10)
#define CPUID7_ECX_WAITPKG    BIT(5)
#define CPUID7_ECX_CET_SS     BIT(7)
#define CPUID7_ECX_SGX_LC     BIT(30)
#define CPUID7_ECX_PKS	      BIT(31)
#define CPUID7_EDX_UINTR      BIT(5)
#define CPUID7_EDX_PCONFIG    BIT(18)
#define CPUID7_EDX_CET_IBT    BIT(20)
/* IBRS/IBPB, STIBP, L1D_FLUSH, ARCH_CAPABILITIES, CORE_CAPABILITIES, SSBD: their MSRs are #GP here. */
#define CPUID7_EDX_SPEC_MSRS 0xfc000000U
/*
 * Sub-leaf 1's EAX: instructions that need nothing of klvisor (SHA512, SM3,
 * SM4, RAO-INT, AVX-VNNI, AVX512-BF16, fast zero-length MOVSB, fast short
 * STOSB and CMPSB, AVX-IFMA).
 */
#define CPUID7_1_EAX_ALLOWED (0x3fU | BIT(10) | BIT(11) | BIT(12) | BIT(23))
#define CPUID7_ECX_PKU	     BIT(3)
#define CPUID7_ECX_OSPKE     BIT(4)
#define CPUID7_ECX_LA57	     BIT(16)
#define CPUIDD1_EAX_XSAVES   BIT(3)

#define CPUID1_ECX_TSC_DEADLINE BIT(24)
#define CPUID6_EAX_ARAT		BIT(2)
#define CPUID_TSC_LEAF		0x15
#define CPUID_FREQ_LEAF		0x16

static void klvisor_leaf(u32 leaf, struct cpuid_regs *r)
{
	*r = (struct cpuid_regs){ 0, 0, 0, 0 };
	if (leaf == KLV_CPUID_BASE) {
		r->eax = KLV_CPUID_MAX;
		r->ebx = 0x69564c4b; /* "KLVi" */
		r->ecx = 0x4b726f73; /* "sorK" */
		r->edx = 0x7369564c; /* "LVis" */
	} else if (leaf == KLV_CPUID_MAX) {
		r->eax = KLV_ABI_VERSION;
	}
}

/*
 * Leaves 0x15 and 0x16: the TSC's frequency, so a guest calibrates
 * without a PIT.  The virtual APIC timer counts at the TSC's rate (before
 * its divider), so the "core crystal clock" reported, which Linux and
 * others take for the APIC timer's input clock, is the TSC itself: ratio
 * 1/1.  A TSC of 2^32 Hz or more does not fit ECX's Hz: then the leaf
 * enumerates nothing (EBX 0), and guests calibrate another way (the PIT).
 * Leaf 0x16 is in MHz.
 */
static void frequency_leaf(u32 leaf, struct cpuid_regs *r)
{
	u32 mhz = (u32)(tsc_khz / 1000);

	if (leaf == CPUID_TSC_LEAF)
		*r = tsc_khz * 1000 > 0xffffffffULL ?
			     (struct cpuid_regs){ 0, 0, 0, 0 } :
			     (struct cpuid_regs){ 1, 1, (u32)(tsc_khz * 1000), 0 };
	else
		*r = (struct cpuid_regs){ mhz, mhz, mhz, 0 };
}

/* What every vCPU of @vm sees for (@leaf, @sub); vcpu_part() adds each one's own. */
static void vm_part(const struct vm *vm, u32 leaf, u32 sub, struct cpuid_regs *r)
{
	if ((leaf & 0xffffff00) == KLV_CPUID_BASE) {
		klvisor_leaf(leaf, r);
		return;
	}
	if (leaf == CPUID_TSC_LEAF || leaf == CPUID_FREQ_LEAF) {
		frequency_leaf(leaf, r);
		return;
	}
	*r = cpuid(leaf, sub);
	switch (leaf) {
	case 0:
		r->eax = MAX(r->eax, CPUID_FREQ_LEAF);
		kl_cpuid(vm, leaf, sub, r);
		break;
	case 1:
		r->ecx &= ~(CPUID1_ECX_MONITOR | CPUID1_ECX_VMX | CPUID1_ECX_SMX | CPUID1_ECX_PDCM |
			    CPUID1_ECX_OSXSAVE);
		/* The virtual APIC timer has TSC-deadline mode, whatever the host's has. */
		r->ecx |= CPUID1_ECX_HYPERVISOR | CPUID1_ECX_TSC_DEADLINE;
		r->ebx = (r->ebx & 0x0000ffff) | (vm->nr_vcpus << 16);
		break;
	case 6:
		/* The virtual APIC timer never stops: there are no guest C-states. */
		r->eax |= CPUID6_EAX_ARAT;
		break;
	case 5: /* MONITOR/MWAIT: hidden */
	case 0xa: /* architectural PMU: hidden */
		*r = (struct cpuid_regs){ 0, 0, 0, 0 };
		break;
	case 7:
		if (sub == 0) {
			r->ecx &= ~CPUID7_ECX_LA57; /* 5-level paging is not offered */
			if (fpu_cr4_denied() & CR4_PKE)
				r->ecx &= ~CPUID7_ECX_PKU; /* PKRU would not be switched */
			/* OSPKE is the guest's CR4.PKE, not klvisor's (vcpu_part()). */
			r->ecx &= ~CPUID7_ECX_OSPKE;
			/* INVPCID runs natively only with its VMX control; without it, #UD. */
			if (!(vmx_base_controls.proc2 & CPU2_INVPCID))
				r->ebx &= ~CPUID7_EBX_INVPCID;
			/*
			 * Not offered (docs/security.md): SGX (ENCLS/ENCLV exit to #UD),
			 * UMWAIT/TPAUSE and PCONFIG (#UD: their VMX controls are off),
			 * and CET, PKS and user interrupts, whose state lives in MSRs
			 * no guest may reach (their CR4 bits are refused).
			 */
			r->ebx &= ~CPUID7_EBX_SGX;
			r->ecx &= ~(CPUID7_ECX_WAITPKG | CPUID7_ECX_CET_SS | CPUID7_ECX_SGX_LC |
				    CPUID7_ECX_PKS);
			r->edx &= ~(CPUID7_EDX_UINTR | CPUID7_EDX_PCONFIG | CPUID7_EDX_CET_IBT);
			/*
			 * Nor the speculation controls: klvisor does not switch
			 * IA32_SPEC_CTRL per vCPU or emulate the command and
			 * capability MSRs, so a guest must see it has none rather
			 * than take #GP from MSRs it was told exist
			 * (docs/security.md: its VM-switch barriers are klvisor's).
			 */
			r->edx &= ~CPUID7_EDX_SPEC_MSRS;
			/* Sub-leaf 1 at most: sub-leaf 2 is all speculation controls. */
			r->eax = MIN(r->eax, 1U);
			kl_cpuid(vm, leaf, sub, r);
		} else if (sub == 1) {
			/*
			 * An allow list: new bits here tend to be modes with state
			 * of their own (FRED, LAM, LASS, HRESET, MSRLIST) that
			 * klvisor would have to switch or check.
			 */
			*r = (struct cpuid_regs){ r->eax & CPUID7_1_EAX_ALLOWED, 0, 0, 0 };
		} else {
			*r = (struct cpuid_regs){ 0, 0, 0, 0 };
		}
		break;
	case 0x12: /* SGX: hidden */
		*r = (struct cpuid_regs){ 0, 0, 0, 0 };
		break;
	case 0xd:
		if (sub == 0) { /* only the state components klvisor switches */
			r->eax &= (u32)fpu_guest_xcr0_mask();
			r->edx &= (u32)(fpu_guest_xcr0_mask() >> 32);
		} else if (sub == 1) {
			/*
			 * XSAVES/XRSTORS are #UD (their VMX control is off) and no
			 * supervisor state (IA32_XSS) is offered.  XSAVEC, XSAVEOPT
			 * and XGETBV(1) run natively and stay.
			 */
			r->eax &= ~CPUIDD1_EAX_XSAVES;
			r->ecx = r->edx = 0;
		} else if (sub < 64 && !(fpu_guest_xcr0_mask() & BIT(sub))) {
			*r = (struct cpuid_regs){ 0, 0, 0,
						  0 }; /* a component guests cannot enable */
		}
		break;
	case 0x19:
		kl_cpuid(vm, leaf, sub, r); /* Key Locker's leaf (and its bits in leaves 0 and 7) */
		break;
	}
}

/* The leaves (below 32) that differ between vCPUs or follow the guest's state. */
#define VCPU_LEAVES (BIT(1) | BIT(7) | BIT(0xb) | BIT(0x19) | BIT(0x1f))

static void vcpu_part(struct vcpu *v, u32 leaf, u32 sub, struct cpuid_regs *r)
{
	switch (leaf) {
	case 1:
		if (vmcs_read(GUEST_CR4) & CR4_OSXSAVE)
			r->ecx |= CPUID1_ECX_OSXSAVE;
		r->ebx |= v->id << 24; /* initial APIC ID */
		break;
	case 7:
		if (sub == 0 && (vcpu_cr4() & CR4_PKE))
			r->ecx |= CPUID7_ECX_OSPKE;
		break;
	case 0xb:
	case 0x1f:
		r->edx = v->id; /* x2APIC ID */
		break;
	case 0x19:
		kl_cpuid_vcpu(v, leaf, r);
		break;
	}
}

/*
 * Leaves below 32 that take no sub-leaf and read the same on every CPU of
 * the host: their VM part is worked out once, when the VM is made, and
 * then read from the table on every CPUID exit (all but the vCPU's own
 * bits).  Leaf 0x1a stays out: on a hybrid CPU it names the core type of
 * the CPU that executes it.
 */
#define TABLE_LEAVES                                                                           \
	(BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(5) | BIT(6) | BIT(9) | BIT(0xa) | BIT(0x15) | \
	 BIT(0x16) | BIT(0x19) | BIT(0x1c))

void cpuid_vm_init(struct vm *vm)
{
	for (u32 leaf = 0; leaf < ARRAY_SIZE(vm->cpuid_table); leaf++)
		if (TABLE_LEAVES & BIT(leaf))
			vm_part(vm, leaf, 0, &vm->cpuid_table[leaf]);
}

static inline __attribute__((always_inline)) void set_result(struct vcpu *v,
							     const struct cpuid_regs *r)
{
	v->regs.rax = r->eax;
	v->regs.rbx = r->ebx;
	v->regs.rcx = r->ecx;
	v->regs.rdx = r->edx;
	vcpu_skip_instruction(v);
}

static __attribute__((noinline)) enum exit_action cpuid_slow(struct vcpu *v, u32 leaf)
{
	u32 sub = (u32)v->regs.rcx;
	struct cpuid_regs r;

	if (leaf < ARRAY_SIZE(v->vm->cpuid_table) && (TABLE_LEAVES & BIT(leaf)))
		r = v->vm->cpuid_table[leaf];
	else
		vm_part(v->vm, leaf, sub, &r);
	if (leaf < 32 && (VCPU_LEAVES & BIT(leaf)))
		vcpu_part(v, leaf, sub, &r);
	set_result(v, &r);
	return EXIT_RESUME;
}

/* A table leaf with nothing of the vCPU's own is only copied: no call, no stack frame. */
enum exit_action handle_cpuid(struct vcpu *v)
{
	u32 leaf = (u32)v->regs.rax;

	if (leaf >= ARRAY_SIZE(v->vm->cpuid_table) || !(TABLE_LEAVES & ~VCPU_LEAVES & BIT(leaf)))
		return cpuid_slow(v, leaf);
	set_result(v, &v->vm->cpuid_table[leaf]);
	return EXIT_RESUME;
}
