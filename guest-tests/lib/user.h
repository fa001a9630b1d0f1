/* SPDX-License-Identifier: MIT */
/*
 * Guest library: running code at CPL 3.
 *
 *	static long fn(void *arg) { ... runs in ring 3 ... }
 *	long r = run_in_ring3(fn, arg);
 *
 * The first call on a CPU sets that CPU up: a GDT with 64-bit user code
 * and data segments (USER_CS, USER_DS) and a TSS per CPU, an interrupt
 * gate with DPL 3 (USER_RET_VECTOR) that the ring-3 side uses to come
 * back, and the U bit on the guest image's pages (code, data, .bss with
 * the stacks and the page tables).
 *
 * fn runs with IOPL 3 (so printf and report work) on the same per-CPU
 * stack as its caller, below a reserve left for exception handlers, so
 * this_cpu(), EXC_TRY and expect_exception() work in ring 3 as in ring 0
 * (the handlers run at CPL 0 on the TSS's RSP0).  On the way back DS, ES,
 * FS and GS are reloaded with GDT_DATA: FS and GS bases become 0.
 */
#ifndef GUEST_USER_H
#define GUEST_USER_H

#include "types.h"

#define USER_DS		0x23 /* GDT index 4, RPL 3 */
#define USER_CS		0x2b /* GDT index 5, RPL 3 */
#define GDT_TSS		0x30 /* GDT index 6 + 2 * cpu: 16-byte TSS descriptors */
#define USER_RET_VECTOR 0x80

/* Set up ring 3 on this CPU (run_in_ring3 does it on first use). */
void user_init(void);
/* Run fn(arg) at CPL 3 on this CPU; returns fn's result. */
long run_in_ring3(long (*fn)(void *), void *arg);
/*
 * IRET to @rip at CPL 3 with RDI = @arg: code that must not touch the
 * library (it may live on the only user page while the rest of the image is
 * supervisor-only, as under SMEP), and ends with INT 0x80.  Returns RAX.
 */
long run_in_ring3_at(u64 rip, void *arg);
/* The current privilege level (CS.RPL). */
static inline unsigned current_cpl(void)
{
	u16 cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}

#endif
