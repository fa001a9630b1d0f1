/* SPDX-License-Identifier: MIT */
/*
 * Phase profile of the software Key Locker path, for `make bench` only: a
 * klvisor built with -DKLV_PROFILE=1 counts TSC ticks (instructions, under
 * Bochs) per phase of each emulated AES*KL and prints the averages in its
 * final report.  In a normal build every macro is empty.
 */
#ifndef VMM_PROF_H
#define VMM_PROF_H

#include "arch/x86/cpu.h"

#ifndef KLV_PROFILE
#define KLV_PROFILE 0
#endif

enum prof_phase {
	/* The exit path around an emulated instruction (exit.c) */
	PROF_EXIT_ENTRY, /* handler return to VMRESUME: timers, pending events, arming */
	PROF_EXIT_SWITCH, /* the register switch, the guest's own instructions, the exit */
	PROF_EXIT_DISPATCH, /* exit reason, counters, the call to the #UD handler */
	/* The software Key Locker's phases (kl/emulate.c, vcpu.c) */
	PROF_FETCH, /* the instruction's bytes fetched through the guest's paging */
	PROF_DECODE, /* ... and decoded */
	PROF_OPERAND, /* the handle read through the guest's page tables */
	PROF_XMM_SAVE, /* guest vector state spilled for access */
	PROF_UNWRAP, /* handle cache lookup, or the full unwrap on a miss */
	PROF_AES, /* the AES rounds on the XMM registers */
	PROF_XMM_RESTORE, /* vector state made live again */
	PROF_FINISH, /* flags, RIP, wipes */
	NR_PROF
};

#if KLV_PROFILE
extern u64 prof_ticks[NR_PROF], prof_calls[NR_PROF], prof_last;
#define PROF_START() (prof_last = rdtsc())
/* Only when the exit before was a #UD (the emulated instructions). */
#define PROF_EXIT_MARK(p, ud)         \
	do {                          \
		if (ud)               \
			PROF_MARK(p); \
		else                  \
			PROF_START(); \
	} while (0)
#define PROF_MARK(p)                             \
	do {                                     \
		u64 n_ = rdtsc();                \
		prof_ticks[p] += n_ - prof_last; \
		prof_calls[p]++;                 \
		prof_last = n_;                  \
	} while (0)
void prof_report(void);
#else
#define PROF_START()	      ((void)0)
#define PROF_MARK(p)	      ((void)0)
#define PROF_EXIT_MARK(p, ud) ((void)(ud))
static inline void prof_report(void)
{
}
#endif

#endif
