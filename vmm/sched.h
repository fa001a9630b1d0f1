/* SPDX-License-Identifier: MIT */
/*
 * The vCPU scheduler.  Each physical CPU has its own run queue of the vCPUs
 * assigned to it (pinned, or spread round-robin at creation); vCPUs never
 * migrate, so a VMCS is only ever current on one CPU.  Time slices are
 * enforced with the VMX-preemption timer; a halted vCPU gives its slice up.
 */
#ifndef VMM_SCHED_H
#define VMM_SCHED_H

#include "vmm/vm.h"

#define SCHED_SLICE_MS 10

/* Queue @v on its physical CPU (before the schedulers start). */
void sched_add(struct vcpu *v);
/*
 * Run the calling CPU's queue until every VM has ended.  Returns then on
 * the boot CPU; the others wait to be stopped.
 */
void sched_run(void);
/* Once, on the boot CPU before any CPU schedules: the VM-switch hygiene policy. */
void sched_prepare(void);

#endif
