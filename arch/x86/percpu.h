/* SPDX-License-Identifier: MIT */
/*
 * One structure per physical CPU, reached through GS (its first word points
 * to itself).  Everything a CPU owns lives here so a later monitor can read
 * any CPU's state from one place.
 */
#ifndef ARCH_X86_PERCPU_H
#define ARCH_X86_PERCPU_H

#include "arch/x86/desc.h"
#include "lib/types.h"

struct vcpu;

#define MAX_CPUS       64
#define CPU_STACK_SIZE (16 * 1024)
#define IST_STACK_SIZE (4 * 1024)

enum cpu_state {
	CPU_OFFLINE,
	CPU_ONLINE, /* running klvisor code */
	CPU_VMX_ROOT, /* VMXON done */
	CPU_FAILED, /* could not enter VMX root; runs nothing */
	CPU_STOPPED, /* halted by a panic elsewhere */
};

struct percpu {
	struct percpu *self; /* must stay first: this_cpu() reads %gs:0 */
	unsigned id; /* dense index, 0 = the boot CPU */
	u32 apic_id;
	volatile enum cpu_state state;
	bool in_panic;

	u64 stack_top;
	u64 vmxon_pa;
	u64 current_vmcs; /* physical address of the current VMCS, 0 if none */
	void *msr_owner; /* vCPU whose lazily switched MSRs are loaded */
	void *fpu_owner; /* vCPU whose vector registers and XCR0 are loaded */
	struct vcpu *runq, *runq_next; /* this CPU's vCPUs; where to look next */
	struct vcpu *volatile current; /* the vCPU that ran last (the monitor shows it) */
	const void *last_vm; /* the VM whose vCPU entered last: a different one needs hygiene */
	u64 vm_switches; /* switches to a different VM, with the hygiene done */
	volatile bool retiring; /* in retire_all(): wiping, which takes as long as the RAM is big */
	volatile bool sched_done; /* every vCPU of this CPU retired: its VMs' state is wiped */

	/* VMX self-test result, read by the boot CPU. */
	volatile int selftest_done;
	bool selftest_ok;

	struct gdt gdt;
	struct tss tss;
	u8 ist_stacks[IST_COUNT][IST_STACK_SIZE] __aligned(16);
} __aligned(4096);

extern struct percpu *cpus[MAX_CPUS];
extern unsigned nr_cpus;

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/* Fill in @pc and load its GDT, TSS, IDT and GS base on the calling CPU. */
void percpu_init_local(struct percpu *pc, unsigned id, u64 stack_top);

#endif
