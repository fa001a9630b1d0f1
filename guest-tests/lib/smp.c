// SPDX-License-Identifier: MIT
/*
 * Guest library: per-CPU stacks, starting the application processors with
 * INIT-SIPI-SIPI through the xAPIC, and running functions on them.
 * An idle application processor polls its mailbox (struct cpu work_fn).
 */
#include "apic.h"
#include "fwcfg.h"
#include "printf.h"
#include "smp.h"
#include "string.h"
#include "x86.h"

#define DEFAULT_TSC_KHZ	    3000000 /* an overestimate only makes waits longer */
#define AP_START_TIMEOUT_US 1000000
#define IPI_PENDING_TIMEOUT 1000000 /* polls */

union cpu_stack {
	struct cpu cpu;
	u8 bytes[STACK_SIZE];
};

/* entry.S starts the boot CPU on cpu_stacks[0] and an AP on ap_stack_top. */
union cpu_stack cpu_stacks[MAX_CPUS] __aligned(STACK_SIZE);
u64 ap_stack_top;

extern const char ap_trampoline[], ap_trampoline_end[];
void ap_main(void);

static struct cpu *cpu_struct(int cpu)
{
	return &cpu_stacks[cpu].cpu;
}

void cpu_init_boot(void)
{
	struct cpu *me = this_cpu();

	me->id = cpuid(1).b >> 24;
	me->online = true;
}

u64 tsc_khz(void)
{
	static u64 khz;
	u32 max = cpuid(0).a;

	if (khz)
		return khz;
	if (max >= 0x15) {
		struct cpuid r = cpuid(0x15);

		if (r.a && r.b && r.c)
			khz = (u64)r.c * r.b / r.a / 1000;
	}
	if (!khz && max >= 0x16)
		khz = (u64)(cpuid(0x16).a & 0xffff) * 1000;
	if (!khz)
		khz = DEFAULT_TSC_KHZ;
	return khz;
}

void delay_us(u64 us)
{
	u64 end = rdtsc() + us * tsc_khz() / 1000;

	while (rdtsc() < end)
		cpu_relax();
}

void apic_enable(void)
{
	apic_write(APIC_SPIV, (apic_read(APIC_SPIV) & ~0x1ffu) | SPIV_ENABLE | 0xff);
}

bool apic_send_ipi(u32 dest, u32 icr_lo)
{
	apic_write(APIC_ICR_HI, dest << 24);
	apic_write(APIC_ICR_LO, icr_lo);
	for (int i = 0; i < IPI_PENDING_TIMEOUT; i++) {
		if (!(apic_read(APIC_ICR_LO) & ICR_PENDING))
			return true;
		cpu_relax();
	}
	return false;
}

int smp_cpu_count(int fallback)
{
	u16 n;

	if (!fw_cfg_present())
		return fallback;
	fw_cfg_read(FW_CFG_NB_CPUS, &n, sizeof(n));
	return n ? n : fallback;
}

bool cpu_online(int cpu)
{
	return cpu >= 0 && cpu < MAX_CPUS && READ_ONCE(cpu_struct(cpu)->online);
}

int smp_online(void)
{
	int n = 0;

	for (int cpu = 0; cpu < MAX_CPUS; cpu++)
		n += cpu_online(cpu);
	return n;
}

static bool wait_online(int cpu, u64 us)
{
	u64 end = rdtsc() + us * tsc_khz() / 1000;

	while (!cpu_online(cpu))
		if (rdtsc() > end)
			return false;
	return true;
}

static bool start_ap(int cpu)
{
	u32 vector = AP_TRAMPOLINE_PA >> 12;
	bool hypervisor = cpuid(1).c & BIT(31);

	cpu_struct(cpu)->id = cpu;
	ap_stack_top = (u64)&cpu_stacks[cpu + 1];
	barrier();
	if (!apic_send_ipi(cpu, ICR_INIT | ICR_ASSERT))
		return false;
	/* The SDM's 10 ms INIT delay is for hardware; virtual CPUs need none. */
	if (!hypervisor)
		delay_us(10000);
	for (int i = 0; i < 2 && !cpu_online(cpu); i++) {
		apic_send_ipi(cpu, ICR_STARTUP | ICR_ASSERT | vector);
		wait_online(cpu, 200);
	}
	return wait_online(cpu, AP_START_TIMEOUT_US);
}

int smp_start(int n)
{
	if (n <= 0)
		n = smp_cpu_count(1);
	if (n > MAX_CPUS)
		n = MAX_CPUS;
	memcpy((void *)AP_TRAMPOLINE_PA, ap_trampoline, ap_trampoline_end - ap_trampoline);
	apic_enable();
	for (int cpu = 1; cpu < n; cpu++)
		if (!cpu_online(cpu) && !start_ap(cpu))
			printf("smp: CPU %d did not come up\n", cpu);
	return smp_online();
}

bool smp_restart(int cpu)
{
	if (cpu <= 0 || !cpu_online(cpu))
		return false;
	on_cpu_wait(cpu);
	__atomic_store_n(&cpu_struct(cpu)->online, false, __ATOMIC_RELEASE);
	return start_ap(cpu);
}

void ap_main(void)
{
	struct cpu *me = this_cpu();

	idt_load();
	apic_enable();
	__atomic_store_n(&me->online, true, __ATOMIC_RELEASE);
	for (;;) {
		void (*fn)(void *) = me->work_fn;

		if (!fn) {
			cpu_relax();
			continue;
		}
		fn(me->work_arg);
		__atomic_store_n(&me->work_fn, NULL, __ATOMIC_RELEASE);
	}
}

bool on_cpu_async(int cpu, void (*fn)(void *), void *arg)
{
	struct cpu *c;

	if (!cpu_online(cpu) || cpu == smp_id())
		return false;
	c = cpu_struct(cpu);
	on_cpu_wait(cpu);
	c->work_arg = arg;
	__atomic_store_n(&c->work_fn, fn, __ATOMIC_RELEASE);
	return true;
}

void on_cpu_wait(int cpu)
{
	while (READ_ONCE(cpu_struct(cpu)->work_fn))
		cpu_relax();
}

bool on_cpu(int cpu, void (*fn)(void *), void *arg)
{
	if (cpu == smp_id()) {
		fn(arg);
		return true;
	}
	if (!on_cpu_async(cpu, fn, arg))
		return false;
	on_cpu_wait(cpu);
	return true;
}

void on_all_cpus(void (*fn)(void *), void *arg)
{
	int me = smp_id();

	for (int cpu = 0; cpu < MAX_CPUS; cpu++)
		if (cpu != me)
			on_cpu_async(cpu, fn, arg);
	fn(arg);
	for (int cpu = 0; cpu < MAX_CPUS; cpu++)
		if (cpu != me && cpu_online(cpu))
			on_cpu_wait(cpu);
}
