// SPDX-License-Identifier: MIT
/*
 * Stopping the machine.  Under an emulator klvisor powers off (QEMU's
 * debug-exit port, then Bochs' shutdown port, then ACPI S5) so test runs end
 * by themselves; on real hardware it halts with a message, or reboots when
 * asked.  It never resets silently.
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/power.h"
#include "arch/x86/timer.h"
#include "drivers/uart.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/shutdown.h"
#include "vmm/vmm.h"

static volatile bool stopping;

/* isa-debug-exit codes: the usual test convention (QEMU exits with 2 * code + 1). */
static const u8 exit_codes[] = {
	[STOP_PASSED] = 0,
	[STOP_FAILED] = 1,
	[STOP_CANNOT_RUN] = 38, /* QEMU exit status 77: skipped */
	[STOP_PANIC] = 2,
};

bool stop_requested(void)
{
	return stopping;
}

void stop_this_cpu(void)
{
	this_cpu()->state = CPU_STOPPED;
	halt_forever();
}

bool running_under_emulator(void)
{
	if (cpuid(1, 0).ecx & BIT(31))
		return true; /* hypervisor present */
	/* Bochs sets no hypervisor bit, but its BIOS (and QEMU's) write this OEM ID ... */
	if (!memcmp(klv_acpi.oem_id, "BOCHS ", 6))
		return true;
	/* ... and before ACPI is read, Bochs' port 0xE9 hack reads back 0xE9. */
	return inb(0xe9) == 0xe9;
}

/*
 * NMI only the CPUs klvisor started: the others may still sit in firmware
 * code whose IDT cannot take an NMI (SeaBIOS parks them that way), and an
 * NMI there triple-faults the machine.
 */
/* CPU @i, if it is another than @self and came online: one the stop NMI goes to. */
static bool other_online(unsigned i, const struct percpu *self)
{
	return cpus[i] && cpus[i] != self && cpus[i]->state != CPU_OFFLINE;
}

static void stop_other_cpus(void)
{
	struct percpu *self = this_cpu();

	if (__atomic_exchange_n(&stopping, true, __ATOMIC_SEQ_CST))
		return;
	for (unsigned i = 0; i < nr_cpus; i++)
		if (other_online(i, self))
			apic_send_nmi(cpus[i]->apic_id);
}

void panic_begin(void)
{
	printk_go_lockless();
	stop_other_cpus();
}

void panic(const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	panic_begin();
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("klvisor: PANIC: CPU %u: %s\n", this_cpu()->id, buf);
	system_stop(STOP_PANIC);
}

static __noreturn void halt_with_message(void)
{
	printk("klvisor: halted; reset the machine to continue (onexit=reboot reboots instead)\n");
	printk_flush();
	uart_drain();
	halt_forever();
}

/*
 * The other CPUs stop wherever the NMI finds them, perhaps holding the
 * log's lock (a guest writing its console, the drain of the ring): once
 * they all have, or 100 ms on, print without the locks, or the line
 * below could wait forever for a lock a halted CPU holds.
 */
static void others_stopped(void)
{
	const struct percpu *self = this_cpu();

	for (u64 waited = 0; waited < 100000; waited += 10) {
		bool all = true;

		for (unsigned i = 0; i < nr_cpus; i++)
			if (other_online(i, self) && cpus[i]->state != CPU_STOPPED)
				all = false;
		if (all)
			break;
		udelay(10);
	}
	printk_go_lockless();
}

void system_stop(enum stop_reason why)
{
	enum onexit_action act = klv_cfg.onexit;

	stop_other_cpus();
	others_stopped();
	if (act == ONEXIT_AUTO)
		act = running_under_emulator() ? ONEXIT_POWEROFF : ONEXIT_HALT;

	switch (act) {
	case ONEXIT_REBOOT:
		printk("klvisor: rebooting (onexit=reboot)\n");
		printk_flush();
		uart_drain();
		machine_reset();
	case ONEXIT_HALT:
		halt_with_message();
	default:
		break;
	}
	printk("klvisor: powering off\n");
	printk_flush();
	uart_drain();
	qemu_debug_exit(exit_codes[why]);
	bochs_shutdown();
	if (klv_acpi.have_s5)
		acpi_soft_off(klv_acpi.pm1a_cnt, klv_acpi.s5_slp_typ);
	udelay(100000);
	printk("klvisor: power-off did not take effect\n");
	halt_with_message();
}
