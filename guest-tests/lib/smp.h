/* SPDX-License-Identifier: MIT */
/*
 * Guest library: per-CPU data and the application processors.  Each CPU
 * runs on a STACK_SIZE-aligned stack whose bottom holds its struct cpu,
 * so this_cpu() is a mask of RSP (no MSR or segment base involved).
 * CPU numbers are APIC IDs; klvisor and QEMU number them 0..n-1.  The
 * APs start at AP_TRAMPOLINE_PA (0x8000), clear of QEMU's multiboot
 * information at 0x9000 and of klvisor's, which follows the image.
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include "idt.h"
#include "layout.h"
#include "types.h"

struct cpu {
	u32 id;
	volatile bool online;
	/* expect_exception() */
	bool recover_armed;
	u64 recover_rsp;
	struct exc_info recover_info;
	/* EXC_TRY */
	struct exc_info fixup_info;
	bool hc_faulted; /* the last VMCALL raised #UD */
	/* on_cpu() mailbox, polled by the idle application processor */
	void (*volatile work_fn)(void *);
	void *volatile work_arg;
};

static inline struct cpu *this_cpu(void)
{
	u64 rsp;

	asm("mov %%rsp, %0" : "=r"(rsp));
	return (struct cpu *)(rsp & ~(u64)(STACK_SIZE - 1));
}

static inline int smp_id(void)
{
	return this_cpu()->id;
}

void cpu_init_boot(void);
/* vCPU count from fw_cfg (key 5), or fallback if there is no fw_cfg. */
int smp_cpu_count(int fallback);
/* Start CPUs 1..n-1 (n <= 0: the fw_cfg count); returns how many are online. */
int smp_start(int n);
int smp_online(void);
/* INIT and SIPI an idle, online CPU again: it restarts from reset state. */
bool smp_restart(int cpu);
bool cpu_online(int cpu);
/* Run fn(arg) on cpu and wait for it to finish; false if cpu is not online. */
bool on_cpu(int cpu, void (*fn)(void *), void *arg);
/* Same, without waiting; on_cpu_wait() waits for the CPU to be idle again. */
bool on_cpu_async(int cpu, void (*fn)(void *), void *arg);
void on_cpu_wait(int cpu);
/* Run fn(arg) on every online CPU (this one last) and wait for all. */
void on_all_cpus(void (*fn)(void *), void *arg);

/* Busy-wait helpers on the TSC. */
u64 tsc_khz(void);
void delay_us(u64 us);

#endif
