// SPDX-License-Identifier: MIT
/*
 * Guest test: the local APIC timer (docs/guest-abi.md, "Timers"), one
 * vCPU.  One-shot and periodic counts with the divide configuration,
 * the current count, LVT masking, TSC-deadline mode (a deadline in the
 * future, in the past, and disarmed with 0), the x2APIC registers, HLT
 * woken by the timer without the vCPU spinning through exits, and a
 * timer that expires while the vCPU is descheduled (the manifest pins a
 * CPU hog to the same CPU).  CPUID leaves 0x15/0x16 must describe the
 * rate the timer counts at: a count of N at divide-by-1 lasts N TSC
 * cycles.
 */
#include "guest.h"

#define VEC	   0x50
#define LVT_TIMER  0x320
#define TIMER_ICR  0x380
#define TIMER_CCR  0x390
#define TIMER_DCR  0x3e0
#define LVT_MASKED BIT(16)
#define LVT_PERIOD (1 << 17)
#define LVT_TSCDL  (2 << 17)
#define DCR_BY_1   0xb
#define DCR_BY_16  0x3
#define MSR_TSC_DL 0x6e0
#define MSR_X2_LVT 0x832
#define MSR_X2_ICR 0x838
#define MSR_X2_CCR 0x839
#define MSR_X2_DCR 0x83e
#define MAX_TICKS  64
#define SLICE_MS   10 /* klvisor's time slice (vmm/sched.h) */

static volatile int ticks;
static volatile u64 tick_tsc[MAX_TICKS];

static void timer_handler(struct exc_frame *f)
{
	(void)f;
	if (ticks < MAX_TICKS)
		tick_tsc[ticks] = rdtsc();
	ticks++;
	apic_eoi();
}

static u64 ms(u64 n)
{
	return n * tsc_khz();
}

/* Spin with interrupts on until @count ticks or @limit TSC cycles. */
static bool wait_ticks(int count, u64 limit)
{
	u64 end = rdtsc() + limit;

	irq_enable();
	while (READ_ONCE(ticks) < count && rdtsc() < end)
		cpu_relax();
	irq_disable();
	return ticks >= count;
}

/* Take an interrupt already pending in IRR. */
static void drain(void)
{
	irq_enable();
	asm volatile("nop");
	irq_disable();
}

static void timer_reset(u32 lvt, u32 dcr)
{
	apic_write(TIMER_ICR, 0);
	apic_write(LVT_TIMER, LVT_MASKED);
	apic_write(TIMER_DCR, dcr);
	apic_write(LVT_TIMER, lvt);
	ticks = 0;
}

static void test_frequency_leaves(void)
{
	struct cpuid l15 = cpuid(0x15), l16 = cpuid(0x16);
	u64 hz = l15.a ? (u64)l15.c * l15.b / l15.a : 0;

	report(cpuid(0).a >= 0x16, "cpuid-max-leaf", "max basic leaf %#x", cpuid(0).a);
	report(l15.a && l15.b && l15.c, "cpuid-15-tsc-ratio", "leaf 0x15 %u/%u, crystal %u Hz",
	       l15.b, l15.a, l15.c);
	report(l16.a && hz / 1000000 == l16.a, "cpuid-16-matches-15",
	       "leaf 0x15 says %lu Hz, leaf 0x16 %u MHz", hz, l16.a);
	report(cpuid(1).c & BIT(24), "cpuid-tsc-deadline", "leaf 1 ECX %#x", cpuid(1).c);
	report(cpuid(6).a & BIT(2), "cpuid-arat", "leaf 6 EAX %#x", cpuid(6).a);
}

/*
 * One-shot at @dcr (dividing by @div): one interrupt, no sooner than the
 * count times the divider in TSC cycles (the rate leaf 0x15 claims), and
 * not much later; the current count goes down, then stays 0.
 */
static void one_shot(u32 dcr, u64 div, const char *name)
{
	u32 count = (u32)(ms(30) / div), ccr1, ccr2;
	u32 slow = (u32)(ms(2000) / div);
	u64 t0, took;
	char n[48];

	/* A long count (descheduling must not end it) to watch the current count. */
	timer_reset(LVT_MASKED | VEC, dcr);
	apic_write(TIMER_ICR, slow);
	ccr1 = apic_read(TIMER_CCR);
	delay_us(200);
	ccr2 = apic_read(TIMER_CCR);
	snprintf(n, sizeof(n), "%s-current-count-falls", name);
	report(ccr1 <= slow && ccr2 < ccr1 && ccr2 > 0, n, "count %u, then %u, then %u", slow, ccr1,
	       ccr2);
	timer_reset(VEC, dcr);
	t0 = rdtsc();
	apic_write(TIMER_ICR, count);
	wait_ticks(1, ms(5000));
	took = ticks ? tick_tsc[0] - t0 : 0;
	snprintf(n, sizeof(n), "%s-fires-once-on-time", name);
	report(ticks == 1 && took >= count * div && took < count * div + ms(1000), n,
	       "%d interrupts, the first after %lu cycles for %u counts by %lu", ticks, took, count,
	       div);
	wait_ticks(2, ms(10));
	snprintf(n, sizeof(n), "%s-then-stops", name);
	report(ticks == 1 && apic_read(TIMER_CCR) == 0, n, "%d interrupts, current count %u", ticks,
	       apic_read(TIMER_CCR));
}

static void test_periodic(void)
{
	u32 count = (u32)ms(1), ccr;
	u64 t0;
	int seen;

	timer_reset(LVT_PERIOD | VEC, DCR_BY_1);
	t0 = rdtsc();
	apic_write(TIMER_ICR, count);
	wait_ticks(5, ms(5000));
	ccr = apic_read(TIMER_CCR);
	report(ticks >= 5 && tick_tsc[4] - t0 >= 5 * (u64)count, "periodic-five-periods",
	       "%d interrupts; the fifth after %lu cycles, period %u", ticks,
	       ticks >= 5 ? tick_tsc[4] - t0 : 0, count);
	report(ccr > 0 && ccr <= count, "periodic-count-reloads", "current count %u of %u", ccr,
	       count);
	/* Masked: the count goes on, no interrupts (one already in IRR is still taken). */
	apic_write(LVT_TIMER, LVT_MASKED | LVT_PERIOD | VEC);
	drain();
	seen = ticks;
	irq_enable();
	delay_us(5000);
	irq_disable();
	report(ticks == seen && apic_read(TIMER_CCR) > 0, "periodic-masked-silent",
	       "%d interrupts while masked, current count %u", ticks - seen, apic_read(TIMER_CCR));
	apic_write(LVT_TIMER, LVT_PERIOD | VEC);
	report(wait_ticks(seen + 2, ms(5000)), "periodic-unmasked-resumes", "%d more interrupts",
	       ticks - seen);
	apic_write(TIMER_ICR, 0);
	drain();
	seen = ticks;
	wait_ticks(seen + 1, ms(5));
	report(ticks == seen && apic_read(TIMER_CCR) == 0, "periodic-zero-count-stops",
	       "%d interrupts after writing 0", ticks - seen);
}

/* Stops the timer from its own handler after 20 interrupts, as a guest in an interrupt storm must. */
static void stopping_handler(struct exc_frame *f)
{
	(void)f;
	if (++ticks >= 20)
		apic_write(TIMER_ICR, 0);
	apic_eoi();
}

/*
 * A period of one cycle (divide by 1, count 1): interrupts come as fast
 * as they can be taken, as on a real CPU, where the next one arrives as
 * the handler returns; the handler still runs, and stops the timer.
 * klvisor used to fire the timer over and over without entering the guest
 * at all, until the VM's timeout.
 */
static void test_one_cycle_period(void)
{
	timer_reset(LVT_PERIOD | VEC, DCR_BY_1);
	set_irq_handler(VEC, stopping_handler);
	apic_write(TIMER_ICR, 1);
	wait_ticks(20, ms(2000));
	set_irq_handler(VEC, timer_handler);
	report(ticks >= 20 && apic_read(TIMER_CCR) == 0, "periodic-one-cycle-period-guest-runs",
	       "%d interrupts in 2 s with a period of one cycle, current count %u", ticks,
	       apic_read(TIMER_CCR));
}

static void test_masked_one_shot(void)
{
	timer_reset(LVT_MASKED | VEC, DCR_BY_1);
	apic_write(TIMER_ICR, (u32)ms(1));
	wait_ticks(1, ms(5));
	report(ticks == 0 && apic_read(TIMER_CCR) == 0, "one-shot-masked",
	       "%d interrupts, current count %u", ticks, apic_read(TIMER_CCR));
}

static void test_tsc_deadline(void)
{
	u64 dl, msr;
	int seen;

	timer_reset(LVT_TSCDL | VEC, DCR_BY_1);
	apic_write(TIMER_ICR, 12345);
	report(apic_read(TIMER_CCR) == 0, "tsc-deadline-ignores-count", "current count %u",
	       apic_read(TIMER_CCR));
	dl = rdtsc() + ms(2);
	wrmsr(MSR_TSC_DL, dl);
	msr = rdmsr(MSR_TSC_DL);
	wait_ticks(1, ms(5000));
	report(msr == dl && ticks == 1 && tick_tsc[0] >= dl && tick_tsc[0] < dl + ms(1000),
	       "tsc-deadline-fires", "MSR read %#lx for %#lx; %d interrupts, %ld cycles late", msr,
	       dl, ticks, ticks ? (long)(tick_tsc[0] - dl) : 0);
	report(rdmsr(MSR_TSC_DL) == 0, "tsc-deadline-cleared", "MSR reads %#lx after firing",
	       rdmsr(MSR_TSC_DL));
	/*
	 * A deadline already past fires at once: the interrupt is taken right
	 * after the WRMSR, before the next instruction.
	 */
	ticks = 0;
	dl = rdtsc() - ms(1);
	asm volatile("sti; wrmsr; movl %[t], %[seen]; cli"
		     : [seen] "=r"(seen)
		     : "c"(MSR_TSC_DL), "a"((u32)dl), "d"(dl >> 32), [t] "m"(ticks)
		     : "memory");
	report(seen == 1, "tsc-deadline-in-the-past", "%d interrupts right after the WRMSR", seen);
	/* 0 disarms. */
	ticks = 0;
	wrmsr(MSR_TSC_DL, rdtsc() + ms(1));
	wrmsr(MSR_TSC_DL, 0);
	wait_ticks(1, ms(5));
	report(ticks == 0, "tsc-deadline-zero-disarms", "%d interrupts", ticks);
	/* Leaving TSC-deadline mode disarms it, and the MSR then reads 0. */
	wrmsr(MSR_TSC_DL, rdtsc() + ms(1));
	apic_write(LVT_TIMER, VEC);
	wait_ticks(1, ms(5));
	report(ticks == 0 && rdmsr(MSR_TSC_DL) == 0, "tsc-deadline-mode-change-disarms",
	       "%d interrupts, MSR %#lx", ticks, rdmsr(MSR_TSC_DL));
}

/* HLT until the timer: woken on time, with a handful of exits, not a spin through them. */
static void test_hlt_wake(void)
{
	long exits0, exits1;
	u64 t0, took;

	timer_reset(VEC, DCR_BY_1);
	exits0 = hc_exit_count();
	t0 = rdtsc();
	apic_write(TIMER_ICR, (u32)ms(5));
	safe_halt();
	took = rdtsc() - t0;
	exits1 = hc_exit_count();
	report(ticks == 1 && took >= ms(5), "hlt-woken-by-timer",
	       "%d interrupts, HLT returned after %lu cycles (5 ms is %lu)", ticks, took, ms(5));
	/* The HLT, the timer's preemption exit, the APIC write, the EOI, the hypercalls... */
	report(exits1 - exits0 < 20, "hlt-sleeps-without-exits", "%ld exits during 5 ms of HLT",
	       exits1 - exits0);
}

/*
 * A timer due while the vCPU is descheduled is delivered when it runs
 * again, before any of its instructions: the guest samples the TSC in a
 * loop, and the handler notes the last sample.  The case looked for: the
 * last sample is before the expiry and more than half a slice before the
 * interrupt (the vCPU was off the CPU over the expiry).  Had the
 * interrupt come late, the loop would have sampled after resuming and
 * the case would never be seen.
 */
static volatile u64 last_sample, sample_at_tick;

static void sampled_handler(struct exc_frame *f)
{
	sample_at_tick = last_sample;
	timer_handler(f);
}

static void test_across_preemption(void)
{
	u64 end = rdtsc() + ms(3000);

	set_irq_handler(VEC, sampled_handler);
	for (unsigned i = 0; rdtsc() < end; i++) {
		/*
		 * 3 to 4 ms, varied so that the slice ends fall at a different
		 * point of each try: a fixed period can lock in phase with the
		 * slices so that every descheduling lands between the reset and
		 * the count.
		 */
		u64 period = ms(3) + ms(1) * (i % 8) / 8, t0, due;

		timer_reset(VEC, DCR_BY_1);
		last_sample = sample_at_tick = 0;
		t0 = rdtsc();
		apic_write(TIMER_ICR, (u32)period);
		due = t0 + period; /* the count starts after t0: it expires no sooner */
		irq_enable();
		while (!READ_ONCE(ticks) && rdtsc() < t0 + ms(100))
			last_sample = rdtsc();
		irq_disable();
		if (ticks != 1 || !sample_at_tick || sample_at_tick >= due ||
		    tick_tsc[0] - sample_at_tick < ms(SLICE_MS / 2))
			continue; /* it ran over the expiry: try again */
		report(tick_tsc[0] >= due, "timer-across-preemption",
		       "off the CPU %lu cycles over the expiry; interrupt %ld cycles after it",
		       tick_tsc[0] - sample_at_tick, (long)(tick_tsc[0] - due));
		set_irq_handler(VEC, timer_handler);
		return;
	}
	set_irq_handler(VEC, timer_handler);
	fail("timer-across-preemption",
	     "never descheduled over an expiry in 3 s, or the interrupt came late");
}

static void x2apic_handler(struct exc_frame *f)
{
	(void)f;
	ticks++;
	wrmsr(0x80b, 0); /* EOI: the xAPIC page is gone in x2APIC mode */
}

/* Last: the x2APIC view of the same timer (switching back needs a disable). */
static void test_x2apic(void)
{
	u32 count = (u32)ms(50);
	u64 ccr;

	if (!(cpuid(1).c & BIT(21))) {
		skip("x2apic-one-shot", "no x2APIC");
		return;
	}
	timer_reset(LVT_MASKED, DCR_BY_1);
	set_irq_handler(VEC, x2apic_handler);
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EXTD);
	wrmsr(MSR_X2_DCR, DCR_BY_16);
	wrmsr(MSR_X2_LVT, VEC);
	wrmsr(MSR_X2_ICR, count / 16);
	ccr = rdmsr(MSR_X2_CCR);
	wait_ticks(1, ms(5000));
	report(ticks == 1 && ccr > 0 && ccr <= count / 16 && rdmsr(MSR_X2_CCR) == 0 &&
		       rdmsr(MSR_X2_DCR) == DCR_BY_16,
	       "x2apic-one-shot", "%d interrupts, current count %lu then %lu", ticks, ccr,
	       rdmsr(MSR_X2_CCR));
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	set_irq_handler(VEC, timer_handler);
	apic_enable();
	irq_disable();
	test_frequency_leaves();
	one_shot(DCR_BY_1, 1, "one-shot-by-1");
	one_shot(DCR_BY_16, 16, "one-shot-by-16");
	test_periodic();
	test_one_cycle_period();
	test_masked_one_shot();
	test_tsc_deadline();
	test_hlt_wake();
	test_across_preemption();
	test_x2apic();
	return 0;
}
