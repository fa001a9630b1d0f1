// SPDX-License-Identifier: MIT
/*
 * Guest test: interrupt delivery (docs/guest-abi.md, "Interrupts"), two
 * vCPUs.  Priority between vector classes and within one, nesting by
 * class, the TPR and PPR, EOI; NMIs (ignoring IF, and held while an NMI
 * handler runs, until its IRET); HLT woken by an IPI and, with IF clear,
 * by an NMI only; logical and lowest-priority destinations; and a vCPU
 * that sleeps in HLT while the other runs costs no exits.
 */
#include "guest.h"

#define NR_ORDER 16

static volatile int order[NR_ORDER], norder;
static volatile int hits[MAX_CPUS][256];

static void note(int vec)
{
	if (norder < NR_ORDER)
		order[norder] = vec;
	norder++;
}

static void eoi_handler(struct exc_frame *f)
{
	note((int)f->vector);
	hits[smp_id()][f->vector]++;
	apic_eoi();
}

static void self_ipi(int vec)
{
	apic_send_ipi(0, ICR_FIXED | ICR_ASSERT | ICR_DEST_SELF | (u32)vec);
}

static void reset_order(void)
{
	norder = 0;
	for (int i = 0; i < NR_ORDER; i++)
		order[i] = 0;
}

static bool order_is(const int *want, int n)
{
	if (norder != n)
		return false;
	for (int i = 0; i < n; i++)
		if (order[i] != want[i])
			return false;
	return true;
}

/* Posted with IF clear, taken on STI: highest class first, then highest vector in a class. */
static void test_priority_order(void)
{
	static const int sent[] = { 0x31, 0x81, 0x45, 0x61, 0x52, 0x55 };
	static const int want[] = { 0x81, 0x61, 0x55, 0x52, 0x45, 0x31 };

	reset_order();
	for (unsigned i = 0; i < ARRAY_SIZE(sent); i++) {
		set_irq_handler(sent[i], eoi_handler);
		self_ipi(sent[i]);
	}
	irq_enable();
	asm volatile("nop");
	irq_disable();
	report(order_is(want, ARRAY_SIZE(want)), "priority-order",
	       "taken %d: %#x %#x %#x %#x %#x %#x", norder, order[0], order[1], order[2], order[3],
	       order[4], order[5]);
}

/*
 * In the handler of 0x40 (class 4), with IF set again and no EOI yet: a
 * higher class (0x90) nests at once; a lower class (0x38) and a higher
 * vector of the same class (0x4f) wait for the EOI, since the PPR is
 * the in-service class.
 */
static volatile bool nest_done;

static void nest_outer(struct exc_frame *f)
{
	note((int)f->vector);
	self_ipi(0x38);
	self_ipi(0x4f);
	self_ipi(0x90);
	irq_enable();
	asm volatile("nop");
	irq_disable();
	note(-1); /* before the EOI */
	apic_eoi();
	nest_done = true;
}

static void test_nesting(void)
{
	static const int want[] = { 0x40, 0x90, -1, 0x4f, 0x38 };

	reset_order();
	set_irq_handler(0x40, nest_outer);
	set_irq_handler(0x38, eoi_handler);
	set_irq_handler(0x4f, eoi_handler);
	set_irq_handler(0x90, eoi_handler);
	self_ipi(0x40);
	irq_enable();
	asm volatile("nop");
	irq_disable();
	report(nest_done && order_is(want, ARRAY_SIZE(want)), "nesting-by-class",
	       "taken %d: %#x %#x %#x %#x %#x", norder, order[0], order[1], order[2], order[3],
	       order[4]);
}

static void ppr_handler(struct exc_frame *f)
{
	note((int)apic_read(0xa0)); /* PPR while 0x75 is in service */
	hits[0][f->vector]++;
	apic_eoi();
}

static void test_tpr(void)
{
	u32 ppr;

	set_irq_handler(0x45, eoi_handler);
	set_irq_handler(0x65, eoi_handler);
	apic_write(APIC_TPR, 0x50);
	ppr = apic_read(0xa0);
	reset_order();
	self_ipi(0x45);
	irq_enable();
	asm volatile("nop");
	irq_disable();
	report(norder == 0 && apic_vector_bit(APIC_IRR, 0x45) && ppr == 0x50, "tpr-blocks-class",
	       "%d taken with TPR 0x50 (PPR %#x); IRR bit %d", norder, ppr,
	       apic_vector_bit(APIC_IRR, 0x45));
	self_ipi(0x65);
	irq_enable();
	asm volatile("nop");
	irq_disable();
	report(norder == 1 && order[0] == 0x65, "tpr-passes-higher-class", "taken %d, first %#x",
	       norder, order[0]);
	apic_write(APIC_TPR, 0);
	irq_enable();
	asm volatile("nop");
	irq_disable();
	report(norder == 2 && order[1] == 0x45, "tpr-lowered-delivers", "taken %d, second %#x",
	       norder, order[1]);
	/* PPR is the in-service class when that is above the TPR. */
	reset_order();
	set_irq_handler(0x75, ppr_handler);
	apic_write(APIC_TPR, 0x20);
	self_ipi(0x75);
	irq_enable();
	asm volatile("nop");
	irq_disable();
	apic_write(APIC_TPR, 0);
	report(norder == 1 && order[0] == 0x70, "ppr-is-isr-class", "PPR in the handler %#x",
	       order[0]);
}

/* NMIs: vector 2, taken with IF clear; a second one waits for the first handler's IRET. */
static volatile int nmis[MAX_CPUS], nmi_nested;
static volatile bool nmi_in_handler, nmi_resend;

static void nmi_handler(struct exc_frame *f)
{
	int cpu = smp_id();

	(void)f;
	if (nmi_in_handler)
		nmi_nested++;
	nmi_in_handler = true;
	nmis[cpu]++;
	if (nmi_resend) {
		nmi_resend = false;
		apic_send_ipi(0, 0x400 | ICR_ASSERT | ICR_DEST_SELF);
		/* Long enough for klvisor to have delivered it, if it wrongly would. */
		for (int i = 0; i < 100; i++)
			asm volatile("cpuid" : : "a"(0) : "rbx", "rcx", "rdx");
	}
	nmi_in_handler = false;
}

static void test_nmi(void)
{
	set_irq_handler(NMI_VECTOR, nmi_handler);
	irq_disable();
	apic_send_ipi(0, 0x400 | ICR_ASSERT | ICR_DEST_SELF);
	asm volatile("nop");
	report(nmis[0] == 1, "nmi-self-with-if-clear", "%d NMIs taken", nmis[0]);
	nmis[0] = 0;
	nmi_resend = true;
	apic_send_ipi(0, 0x400 | ICR_ASSERT | ICR_DEST_SELF);
	asm volatile("nop");
	report(nmis[0] == 2 && nmi_nested == 0, "nmi-held-until-iret",
	       "%d NMIs, %d taken inside the first handler", nmis[0], nmi_nested);
}

/* CPU 1 halts (IF per @arg) and counts its wake-ups and its exits while asleep. */
static volatile bool sleeper_ready, sleeper_woke;
static volatile long sleeper_exits;

static void sleeper(void *arg)
{
	bool with_if = arg != NULL;
	long e0;

	sleeper_woke = false;
	irq_disable();
	e0 = hc_exit_count();
	WRITE_ONCE(sleeper_ready, true);
	if (with_if)
		safe_halt();
	else
		asm volatile("hlt" ::: "memory");
	sleeper_exits = hc_exit_count() - e0;
	WRITE_ONCE(sleeper_woke, true);
}

static void start_sleeper(bool with_if)
{
	sleeper_ready = false;
	on_cpu_async(1, sleeper, with_if ? (void *)1 : NULL);
	while (!READ_ONCE(sleeper_ready))
		cpu_relax();
	delay_us(2000); /* into its HLT */
}

static bool wait_woke(u64 us)
{
	u64 end = rdtsc() + us * tsc_khz() / 1000;

	while (!READ_ONCE(sleeper_woke))
		if (rdtsc() > end)
			return false;
	return true;
}

static void take_pending(void *unused)
{
	(void)unused;
	irq_enable();
	asm volatile("nop");
	irq_disable();
}

static void test_hlt(void)
{
	u64 x = 1;

	set_irq_handler(0x60, eoi_handler);
	/* IPI wakes STI+HLT; the sleeper costs no exits while CPU 0 works. */
	start_sleeper(true);
	for (int i = 0; i < 2000000; i++)
		x = x * 6364136223846793005ULL + 1;
	report(!sleeper_woke, "hlt-sleeps-while-other-runs", "CPU 1 left HLT on its own (x %lu)",
	       x & 1);
	apic_send_ipi(1, ICR_FIXED | ICR_ASSERT | 0x60);
	report(wait_woke(1000000) && hits[1][0x60] == 1, "hlt-woken-by-ipi",
	       "woke %d, %d interrupts", sleeper_woke, hits[1][0x60]);
	/* The HLT exit, the wake-up's entry, the EOI, the hypercall: a handful. */
	report(sleeper_exits < 10, "hlt-sleeper-no-exits", "%ld exits while asleep", sleeper_exits);

	/* IF clear: an interrupt does not end HLT, an NMI does. */
	start_sleeper(false);
	apic_send_ipi(1, ICR_FIXED | ICR_ASSERT | 0x60);
	report(!wait_woke(20000), "hlt-if-clear-ignores-interrupt", "CPU 1 woke with IF clear");
	apic_send_ipi(1, 0x400 | ICR_ASSERT);
	report(wait_woke(1000000) && nmis[1] == 1 && hits[1][0x60] == 1,
	       "hlt-if-clear-woken-by-nmi", "woke %d, %d NMIs, interrupt taken %d times",
	       sleeper_woke, nmis[1], hits[1][0x60] - 1);
	on_cpu(1, take_pending, NULL);
	report(hits[1][0x60] == 2, "hlt-if-clear-interrupt-kept",
	       "the interrupt posted during HLT taken %d times after STI", hits[1][0x60] - 1);
}

static void enable_with_ldr(void *arg)
{
	apic_write(APIC_DFR, 0xffffffff); /* flat */
	apic_write(APIC_LDR, (u32)(uintptr_t)arg << 24);
}

static void test_destinations(void)
{
	set_irq_handler(0x66, eoi_handler);
	set_irq_handler(0x67, eoi_handler);
	on_cpu(0, enable_with_ldr, (void *)1);
	on_cpu(1, enable_with_ldr, (void *)2);
	/* Logical, flat: bit 1 is CPU 1 only. */
	apic_write(APIC_ICR_HI, 0x02u << 24);
	apic_write(APIC_ICR_LO, ICR_FIXED | ICR_ASSERT | BIT(11) | 0x66);
	/*
	 * CPU 1 runs its mailbox loop without exits and takes the interrupt
	 * in a one-instruction window: this also checks that klvisor makes a
	 * running vCPU on another CPU see an IPI at once.
	 */
	on_cpu(1, take_pending, NULL);
	take_pending(NULL);
	report(hits[1][0x66] == 1 && hits[0][0x66] == 0, "ipi-logical-flat",
	       "CPU 0 took %d, CPU 1 %d", hits[0][0x66], hits[1][0x66]);
	/* Lowest priority to both: exactly one takes it. */
	apic_write(APIC_ICR_HI, 0x03u << 24);
	apic_write(APIC_ICR_LO, 0x100 | ICR_ASSERT | BIT(11) | 0x67);
	on_cpu(1, take_pending, NULL);
	take_pending(NULL);
	report(hits[0][0x67] + hits[1][0x67] == 1, "ipi-lowest-priority-one-target",
	       "CPU 0 took %d, CPU 1 %d", hits[0][0x67], hits[1][0x67]);
}

int main(int argc, char **argv)
{
	int n;

	(void)argc;
	(void)argv;
	n = smp_start(2);
	apic_enable();
	irq_disable();
	test_priority_order();
	test_nesting();
	test_tpr();
	test_nmi();
	if (n < 2) {
		fail("smp-start", "%d CPUs online, 2 needed", n);
		return 0;
	}
	test_hlt();
	test_destinations();
	return 0;
}
