/* SPDX-License-Identifier: MIT */
#ifndef VMM_SELFTEST_H
#define VMM_SELFTEST_H

#include "arch/x86/percpu.h"
#include "vmm/config.h"

/*
 * Run a minimal built-in VM on the calling CPU: a real-mode guest that
 * executes CPUID and then VMCALL.  Proves VMCS set-up, EPT, entry, exit and
 * register round trips.  @brk deliberately breaks the VMCS (tests only).
 */
bool vmx_selftest(struct percpu *pc, enum vmcs_break brk);

#endif
