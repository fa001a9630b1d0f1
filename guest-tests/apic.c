// SPDX-License-Identifier: MIT
/*
 * Guest test: the virtual local APIC (docs/guest-abi.md, "Local APIC"),
 * meant for 2 vCPUs: xAPIC registers per CPU, IA32_APIC_BASE, SMP
 * start-up with INIT-SIPI-SIPI, and IPIs: fixed to a physical destination
 * and with the self, all-excluding-self and all-including-self shorthands.
 * The target waits in STI+HLT and its handler checks ISR and sends EOI.
 */
#include "guest.h"

#define VEC_FIXED   0x40
#define VEC_SELF    0x41
#define VEC_OTHERS  0x42
#define VEC_ALL	    0x43
#define NR_VECS	    4
#define IPI_WAIT_US 1000000

static volatile int hits[MAX_CPUS][NR_VECS];
static volatile bool isr_missing[MAX_CPUS];
static volatile bool sink_ready, sink_stop, sink_done;

static void ipi_handler(struct exc_frame *f)
{
	int cpu = smp_id(), v = (int)f->vector;

	if (!apic_vector_bit(APIC_ISR, v))
		isr_missing[cpu] = true;
	hits[cpu][v - VEC_FIXED]++;
	apic_eoi();
}

static int hit(int cpu, int vec)
{
	return hits[cpu][vec - VEC_FIXED];
}

static bool wait_hit(int cpu, int vec, int count)
{
	u64 end = rdtsc() + IPI_WAIT_US * tsc_khz() / 1000;

	while (hit(cpu, vec) < count)
		if (rdtsc() > end)
			return false;
	return true;
}

/* Per-CPU register checks, run on every CPU. */
static void check_this_cpu(void *unused)
{
	int cpu = smp_id();
	u32 id = apic_read(APIC_ID) >> 24, version = apic_read(APIC_VERSION);
	u64 base = rdmsr(MSR_APIC_BASE), want_base = cpu ? 0xfee00800 : 0xfee00900;
	long vcpu = hc_vcpu_id();
	char name[32];

	(void)unused;
	snprintf(name, sizeof(name), "apic-id-cpu%d", cpu);
	report(id == (u32)cpu, name, "xAPIC ID %u on CPU %d", id, cpu);
	snprintf(name, sizeof(name), "apic-id-vcpu-id-cpu%d", cpu);
	if (hypercall_faulted())
		fail(name, "the vcpu_id hypercall raised #UD (not under klvisor)");
	else
		report(vcpu == (long)id, name, "xAPIC ID %u, vcpu_id %ld", id, vcpu);
	snprintf(name, sizeof(name), "apic-version-cpu%d", cpu);
	report(version == 0x50014, name, "version register %#x, expected 0x50014", version);
	snprintf(name, sizeof(name), "apic-base-cpu%d", cpu);
	report(base == want_base, name, "IA32_APIC_BASE %#lx, expected %#lx", base, want_base);
	snprintf(name, sizeof(name), "spiv-enabled-cpu%d", cpu);
	apic_write(APIC_SPIV, SPIV_ENABLE | 0xff);
	report((apic_read(APIC_SPIV) & 0x1ff) == (SPIV_ENABLE | 0xff), name, "SPIV reads %#x",
	       apic_read(APIC_SPIV));
}

static void test_registers(void)
{
	u32 v;
	u64 x;
	int vec;

	apic_write(APIC_TPR, 0x20);
	v = apic_read(APIC_TPR);
	apic_write(APIC_TPR, 0);
	report(v == 0x20, "tpr", "wrote 0x20, read %#x", v);
	apic_write(APIC_LDR, 0x01000000);
	v = apic_read(APIC_LDR);
	report(v == 0x01000000, "ldr", "wrote 0x01000000, read %#x", v);
	apic_write(APIC_DFR, 0xffffffff);
	v = apic_read(APIC_DFR);
	report(v == 0xffffffff, "dfr", "wrote 0xffffffff (flat), read %#x", v);
	vec = rdmsr_safe(0x802, &x);
	report(vec == GP_VECTOR, "x2apic-msr-gp", "rdmsr 0x802 (x2APIC ID) in xAPIC mode: %s",
	       vec < 0 ? "no exception" : exc_name(vec));
}

static void test_disable_enable(void)
{
	u64 base = rdmsr(MSR_APIC_BASE), off, on;
	u32 id, spiv;

	wrmsr(MSR_APIC_BASE, base & ~APIC_BASE_ENABLE);
	off = rdmsr(MSR_APIC_BASE);
	wrmsr(MSR_APIC_BASE, base);
	on = rdmsr(MSR_APIC_BASE);
	report(off == (base & ~APIC_BASE_ENABLE) && on == base, "apic-base-disable-enable",
	       "disabled reads %#lx, re-enabled reads %#lx", off, on);
	apic_enable();
	id = apic_read(APIC_ID) >> 24;
	spiv = apic_read(APIC_SPIV) & 0x1ff;
	report(id == (u32)smp_id() && spiv == (SPIV_ENABLE | 0xff), "apic-after-reenable",
	       "ID %u, SPIV %#x after re-enabling", id, spiv);
}

/* CPU 1: take interrupts in STI+HLT until told to stop. */
static void ipi_sink(void *unused)
{
	(void)unused;
	irq_disable();
	WRITE_ONCE(sink_ready, true);
	while (!READ_ONCE(sink_stop))
		safe_halt();
	WRITE_ONCE(sink_done, true);
}

static void test_ipis(int target)
{
	bool sent, ok;
	char name[32];

	for (int v = VEC_FIXED; v < VEC_FIXED + NR_VECS; v++)
		set_irq_handler(v, ipi_handler);
	on_cpu_async(target, ipi_sink, NULL);
	while (!READ_ONCE(sink_ready))
		cpu_relax();
	irq_disable();

	/* Fixed, physical destination. */
	sent = apic_send_ipi(target, ICR_FIXED | ICR_ASSERT | VEC_FIXED);
	ok = wait_hit(target, VEC_FIXED, 1);
	snprintf(name, sizeof(name), "ipi-fixed-cpu0-to-cpu%d", target);
	report(sent && ok && hit(0, VEC_FIXED) == 0, name,
	       "sent %d (delivery status cleared), target hits %d, sender hits %d", sent,
	       hit(target, VEC_FIXED), hit(0, VEC_FIXED));
	report(!isr_missing[target], "isr-set-in-handler", "ISR bit clear in the target's handler");

	/* Self: pending in IRR while interrupts are off, then delivered. */
	sent = apic_send_ipi(0, ICR_FIXED | ICR_ASSERT | ICR_DEST_SELF | VEC_SELF);
	ok = apic_vector_bit(APIC_IRR, VEC_SELF);
	report(sent && ok, "ipi-self-pending", "IRR bit %d not set with interrupts disabled",
	       VEC_SELF);
	irq_enable();
	asm volatile("nop");
	irq_disable();
	report(hit(0, VEC_SELF) == 1 && hit(target, VEC_SELF) == 0, "ipi-self",
	       "self hits %d, other CPU %d", hit(0, VEC_SELF), hit(target, VEC_SELF));
	report(!apic_vector_bit(APIC_ISR, VEC_SELF) && !isr_missing[0], "eoi-clears-isr",
	       "ISR bit %d after EOI: %d", VEC_SELF, apic_vector_bit(APIC_ISR, VEC_SELF));

	/* All excluding self. */
	sent = apic_send_ipi(0, ICR_FIXED | ICR_ASSERT | ICR_DEST_OTHERS | VEC_OTHERS);
	ok = wait_hit(target, VEC_OTHERS, 1);
	irq_enable();
	asm volatile("nop");
	irq_disable();
	report(sent && ok && hit(0, VEC_OTHERS) == 0, "ipi-all-excluding-self",
	       "target hits %d, sender hits %d", hit(target, VEC_OTHERS), hit(0, VEC_OTHERS));

	/* All including self. */
	sent = apic_send_ipi(0, ICR_FIXED | ICR_ASSERT | ICR_DEST_ALL | VEC_ALL);
	ok = wait_hit(target, VEC_ALL, 1);
	irq_enable();
	asm volatile("nop");
	irq_disable();
	report(sent && ok && hit(0, VEC_ALL) == 1, "ipi-all-including-self",
	       "target hits %d, sender hits %d", hit(target, VEC_ALL), hit(0, VEC_ALL));

	/* Let the sink go: one more fixed IPI wakes it from HLT. */
	WRITE_ONCE(sink_stop, true);
	apic_send_ipi(target, ICR_FIXED | ICR_ASSERT | VEC_FIXED);
	wait_hit(target, VEC_FIXED, 2);
}

int main(int argc, char **argv)
{
	int want = smp_cpu_count(2), n;

	(void)argc;
	(void)argv;
	n = smp_start(want);
	report(n == want && n >= 2, "smp-start", "%d of %d CPUs online (2 or more expected)", n,
	       want);
	for (int cpu = 0; cpu < n; cpu++)
		on_cpu(cpu, check_this_cpu, NULL);
	test_registers();
	if (n >= 2)
		test_ipis(1);
	else
		skip("ipis", "only one CPU online");
	/* Last: QEMU's APIC, for one, stays disabled once disabled. */
	test_disable_enable();
	return 0;
}
