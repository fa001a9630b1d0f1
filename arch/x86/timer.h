/* SPDX-License-Identifier: MIT */
/* TSC-based delays, calibrated once against the PIT. */
#ifndef ARCH_X86_TIMER_H
#define ARCH_X86_TIMER_H

#include "lib/types.h"

extern u64 tsc_khz;

void tsc_calibrate(void);
void udelay(u64 us);

#endif
