/* SPDX-License-Identifier: MIT */
/* Ending a run: normal completion, a refusal to run, or a panic. */
#ifndef VMM_SHUTDOWN_H
#define VMM_SHUTDOWN_H

#include "lib/types.h"

enum stop_reason {
	STOP_PASSED, /* everything ran and passed */
	STOP_FAILED, /* everything ran; something failed */
	STOP_CANNOT_RUN, /* this machine cannot run klvisor (no VMX, ...) */
	STOP_PANIC,
};

/* Enter panic mode: lockless console, NMI every other CPU to a halt. */
void panic_begin(void);
__noreturn void panic(const char *fmt, ...) __printf(1, 2);
/* Power off, halt or reboot as the command line says; never returns. */
__noreturn void system_stop(enum stop_reason why);

bool stop_requested(void);
__noreturn void stop_this_cpu(void);

#endif
