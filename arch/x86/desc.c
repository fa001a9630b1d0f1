// SPDX-License-Identifier: MIT
/* GDT, TSS and IDT set-up. */
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "arch/x86/percpu.h"
#include "lib/string.h"

struct __packed idt_entry {
	u16 off_lo, sel;
	u8 ist, type;
	u16 off_mid;
	u32 off_hi, zero;
};

static struct idt_entry idt[256] __aligned(16);
extern const u64 isr_stubs[256]; /* isr.S */

struct percpu *cpus[MAX_CPUS];
unsigned nr_cpus;

void gdt_load(struct gdt *gdt, struct tss *tss)
{
	u64 base = (u64)tss, limit = sizeof(*tss) - 1;
	struct desc_ptr p = { sizeof(gdt->entries) - 1, (u64)gdt->entries };

	gdt->entries[0] = 0;
	gdt->entries[1] = 0x00af9a000000ffffULL; /* 64-bit code, DPL 0 */
	gdt->entries[2] = 0x00cf92000000ffffULL; /* data */
	/* Available 64-bit TSS; each CPU has its own because LTR marks it busy. */
	gdt->entries[3] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ULL << 40 |
			  ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	gdt->entries[4] = base >> 32;

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ds\n\t"
			 "movw %w2, %%es\n\t"
			 "movw %w2, %%ss\n\t"
			 "ltr %w3"
			 :
			 : "m"(p), "i"(SEL_CODE), "r"(SEL_DATA), "r"(SEL_TSS)
			 : "rax", "memory");
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		u64 off = isr_stubs[v];
		u8 ist = 0;

		if (v == 8)
			ist = IST_DF + 1;
		else if (v == 2)
			ist = IST_NMI + 1;
		else if (v == 18)
			ist = IST_MC + 1;
		idt[v] = (struct idt_entry){ .off_lo = off & 0xffff,
					     .sel = SEL_CODE,
					     .ist = ist,
					     .type = 0x8e, /* present, interrupt gate */
					     .off_mid = (off >> 16) & 0xffff,
					     .off_hi = off >> 32 };
	}
}

u64 idt_base(void)
{
	return (u64)idt;
}

void idt_load(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (u64)idt };

	__asm__ volatile("lidt %0" ::"m"(p));
}

void percpu_init_local(struct percpu *pc, unsigned id, u64 stack_top)
{
	pc->self = pc;
	pc->id = id;
	pc->stack_top = stack_top;
	memset(&pc->tss, 0, sizeof(pc->tss));
	for (unsigned i = 0; i < IST_COUNT; i++)
		pc->tss.ist[i] = (u64)pc->ist_stacks[i] + IST_STACK_SIZE;
	pc->tss.iomap_base = sizeof(pc->tss); /* no I/O bitmap */
	gdt_load(&pc->gdt, &pc->tss);
	idt_load();
	/*
	 * klvisor itself never touches vector registers, but it saves and
	 * restores the guests' (FXSAVE/XSAVE), which needs these CR4 bits.
	 */
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT |
		  ((cpuid(1, 0).ecx & BIT(26)) ? CR4_OSXSAVE : 0));
	wrmsr(MSR_GS_BASE, (u64)pc);
	cpus[id] = pc;
}
