// SPDX-License-Identifier: MIT
/*
 * A minimal prompt on COM1.  The interactive monitor of later work grows
 * from here; it only ever shows state that is safe to show (no key
 * material is reachable from these commands).
 */
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/power.h"
#include "drivers/uart.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/console.h"
#include "vmm/kl/keylocker.h"
#include "vmm/mm.h"

static const char *const state_names[] = {
	[CPU_OFFLINE] = "offline", [CPU_ONLINE] = "online",   [CPU_VMX_ROOT] = "vmx-root",
	[CPU_FAILED] = "failed",   [CPU_STOPPED] = "stopped",
};

static void cmd_cpus(void)
{
	for (unsigned i = 0; i < nr_cpus; i++)
		printk("cpu%u: APIC ID %u, %s, self-test %s\n", i, cpus[i]->apic_id,
		       state_names[cpus[i]->state], cpus[i]->selftest_ok ? "passed" : "failed");
}

static void cmd_mem(void)
{
	printk("memory: %lu KiB free of %lu KiB tracked\n", phys_mem.free_pages * 4,
	       phys_mem.nr_pages * 4);
}

/* Returns false when the console should close. */
static bool run_command(const char *line)
{
	if (!strcmp(line, "help")) {
		printk("commands: help, cpus, mem, kl, poweroff\n");
	} else if (!strcmp(line, "kl")) {
		kl_console_status();
	} else if (!strcmp(line, "cpus")) {
		cmd_cpus();
	} else if (!strcmp(line, "mem")) {
		cmd_mem();
	} else if (!strcmp(line, "poweroff") || !strcmp(line, "quit")) {
		return false;
	} else if (line[0]) {
		printk("unknown command '%s' (try help)\n", line);
	}
	return true;
}

void console_run(void)
{
	char line[64];
	size_t n = 0;

	printk("klvisor: console open (console=keep); type 'help'\nklvisor> ");
	for (;;) {
		int c = uart_getc();

		if (c < 0) {
			cpu_relax_io();
			continue;
		}
		if (c == '\r' || c == '\n') {
			printk("\n");
			line[n] = '\0';
			n = 0;
			if (!run_command(line))
				return;
			printk("klvisor> ");
		} else if ((c == 0x7f || c == '\b') && n) {
			n--;
			printk("\b \b");
		} else if (c >= ' ' && c < 0x7f && n + 1 < sizeof(line)) {
			line[n++] = (char)c;
			printk("%c", c);
		}
	}
}
