/* SPDX-License-Identifier: MIT */
#ifndef ARCH_X86_SMP_H
#define ARCH_X86_SMP_H

#include "arch/x86/percpu.h"
#include "drivers/acpi.h"

/*
 * Start every CPU in @madt other than the caller, one at a time, each
 * running @entry on its own stack with its per-CPU data set up.  Returns
 * the number of CPUs online, the caller included.
 */
unsigned smp_boot_aps(const struct madt_info *madt, void (*entry)(struct percpu *pc));

#endif
