/* SPDX-License-Identifier: MIT */
/*
 * The VMX MSR bitmap (Intel SDM Vol. 3, 25.6.9): which RDMSR/WRMSR exit.
 * One page, shared by every vCPU since the policy is the same for all:
 * read bitmaps for MSRs 0-0x1fff and 0xc0000000-0xc0001fff, then the two
 * write bitmaps; a set bit makes the access exit.  Pure, so the policy
 * is unit-tested on the host.
 */
#ifndef VMM_MSRMAP_H
#define VMM_MSRMAP_H

#include "lib/types.h"

#define MSR_BITMAP_SIZE 4096

/*
 * Everything exits except the MSRs that are safe to pass through: those
 * the VMCS switches (FS/GS base, SYSENTER_*) or klvisor switches lazily
 * and reads back when their owner leaves the CPU (KERNEL_GS_BASE, STAR,
 * LSTAR, CSTAR, FMASK), and reads of the TSC, which TSC offsetting
 * adjusts.  The CPU itself checks a pass-through write (a non-canonical
 * address raises #GP in the guest).  TSC_AUX stays intercepted: its
 * reserved bits 63:32 are checked here, because Bochs does not check
 * them and a guest write is rare (RDTSCP itself reads it without an exit).
 */
void msr_bitmap_build(u8 *bitmap);

/* Whether an access to @msr exits under @bitmap (MSRs outside both ranges always do). */
bool msr_bitmap_exits(const u8 *bitmap, u32 msr, bool write);

#endif
