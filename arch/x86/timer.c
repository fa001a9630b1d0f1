// SPDX-License-Identifier: MIT
/*
 * TSC calibration with PIT channel 2 (the speaker gate), which works the
 * same on hardware, QEMU and Bochs.  Under Bochs the TSC counts emulated
 * instructions, so "microseconds" are emulated time there.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"

#define PIT_HZ	     1193182
#define CALIBRATE_MS 10

u64 tsc_khz = 1000000; /* a safe guess (1 GHz) until calibrated */

void tsc_calibrate(void)
{
	u16 count = PIT_HZ * CALIBRATE_MS / 1000;
	u64 start, end;
	u32 spins = 0;

	/* Gate on, speaker off; channel 2, lobyte/hibyte, mode 0. */
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0);
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	start = rdtsc();
	while (!(inb(0x61) & 0x20) && ++spins < 100000000)
		;
	end = rdtsc();
	if (end > start && spins < 100000000)
		tsc_khz = (end - start) / CALIBRATE_MS;
}

void udelay(u64 us)
{
	u64 end = rdtsc() + us * tsc_khz / 1000;

	while (rdtsc() < end)
		cpu_relax_io();
}
