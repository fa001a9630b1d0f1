// SPDX-License-Identifier: MIT
/*
 * Guest test: scheduling.  "preempt spin" never ends: a CPU hog with no
 * VM exits, for running next to other guests.  Plain "preempt" does a
 * fixed amount of work (4M rounds of xorshift, or "iterations=N") and
 * passes if it gets to the end, reporting the longest stall it saw (time
 * its vCPU spent descheduled), then checks the yield hypercall.
 */
#include "guest.h"

#define ITERATIONS   (1 << 22) /* default; "iterations=N" for more */
#define SAMPLE_EVERY 1024

static __noreturn void spin(void)
{
	printf("preempt: spinning forever without VM exits\n");
	for (;;)
		asm volatile("");
}

int main(int argc, char **argv)
{
	u64 x = 0x9e3779b97f4a7c15ULL, t0, t1, prev, gap = 0;
	unsigned long n = ITERATIONS;
	const char *arg = arg_value(argc, argv, "iterations");
	long r;

	if (has_arg(argc, argv, "spin"))
		spin();
	if (arg && !parse_ulong(arg, &n))
		fail("arguments", "bad iterations=%s", arg);
	t0 = prev = rdtsc();
	for (unsigned long i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (i % SAMPLE_EVERY == 0) {
			u64 now = rdtsc();

			if (now - prev > gap)
				gap = now - prev;
			prev = now;
		}
	}
	t1 = rdtsc();
	printf("preempt: %lu iterations in %lu TSC ticks (%lu ms at %lu kHz)\n", n, t1 - t0,
	       (t1 - t0) / tsc_khz(), tsc_khz());
	printf("preempt: longest gap %lu ticks, result %#lx\n", gap, x);
	report(t1 > t0, "tsc-advances", "TSC went from %#lx to %#lx", t0, t1);
	report(x != 0, "work-done", "xorshift state became 0");
	r = hc_yield();
	report(r == 0, "yield", "the yield hypercall returned %ld%s", r,
	       hypercall_faulted() ? " (it raised #UD: not under klvisor)" : "");
	return 0;
}
