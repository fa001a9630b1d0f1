// SPDX-License-Identifier: MIT
/*
 * The monitor on COM1.  While VMs run, the boot CPU polls the UART between
 * scheduling decisions (console_poll: one port read when nothing arrived),
 * so the machine can be inspected and VMs killed live; after every VM has
 * ended, console=keep blocks in the same prompt (console_run).  It only
 * shows state that is safe to show: counters, states and names, never key
 * material.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "drivers/uart.h"
#include "lib/options.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/console.h"
#include "vmm/kl/keylocker.h"
#include "vmm/mm.h"
#include "vmm/shutdown.h"
#include "vmm/vm.h"

#define LINE_MAX 64

static const char *const cpu_states[] = {
	[CPU_OFFLINE] = "offline", [CPU_ONLINE] = "online",   [CPU_VMX_ROOT] = "vmx-root",
	[CPU_FAILED] = "failed",   [CPU_STOPPED] = "stopped",
};

static const char *const vcpu_states[] = {
	[VCPU_RUNNABLE] = "runnable",
	[VCPU_HALTED] = "halted",
	[VCPU_WAIT_SIPI] = "wait-for-SIPI",
	[VCPU_DONE] = "done",
};

/* Names of the basic exit reasons klvisor handles (SDM Vol. 3, Appendix C). */
static const char *const exit_names[NR_EXIT_REASONS] = {
	[0] = "exception/NMI",
	[1] = "external interrupt",
	[2] = "triple fault",
	[7] = "interrupt window",
	[10] = "CPUID",
	[12] = "HLT",
	[13] = "INVD",
	[15] = "RDPMC",
	[18] = "VMCALL",
	[28] = "CR access",
	[30] = "I/O",
	[31] = "RDMSR",
	[32] = "WRMSR",
	[36] = "MWAIT",
	[39] = "MONITOR",
	[40] = "PAUSE",
	[48] = "EPT violation",
	[49] = "EPT misconfiguration",
	[52] = "preemption timer",
	[54] = "WBINVD",
	[55] = "XSETBV",
	[60] = "ENCLS",
	[63] = "ENCLV",
	[69] = "LOADIWKEY",
};

static void cmd_cpus(void)
{
	for (unsigned i = 0; i < nr_cpus; i++) {
		struct vcpu *v = cpus[i]->current;

		printk("cpu%u: APIC ID %u, %s, self-test %s, %s%s", i, cpus[i]->apic_id,
		       cpu_states[cpus[i]->state], cpus[i]->selftest_ok ? "passed" : "failed",
		       v ? "last ran " : "idle", v ? v->vm->def.name : "");
		if (v)
			printk("/vcpu%u", v->id);
		printk("\n");
	}
}

static void cmd_mem(void)
{
	printk("memory: %lu KiB free of %lu KiB tracked\n", phys_mem.free_pages * 4,
	       phys_mem.nr_pages * 4);
}

static u64 vm_exits(const struct vm *vm)
{
	u64 n = 0;

	for (unsigned c = 0; c < vm->nr_vcpus; c++)
		n += vcpu_exits(vm->vcpus[c]);
	return n;
}

static void cmd_vms(void)
{
	if (!nr_vms)
		printk("no VMs\n");
	for (unsigned i = 0; i < nr_vms; i++) {
		struct vm *vm = vms[i];

		printk("vm '%s': %s, %u vCPU(s), %lu MiB, Key Locker %s, %lu exits\n", vm->def.name,
		       vm->ended ? vm_result_name(vm->result) : "running", vm->nr_vcpus,
		       vm->ram_size >> 20, vm->def.kl ? "on" : "off", vm_exits(vm));
	}
}

static struct vm *find_vm(const char *name, size_t len)
{
	for (unsigned i = 0; i < nr_vms; i++)
		if (strlen(vms[i]->def.name) == len && !memcmp(vms[i]->def.name, name, len))
			return vms[i];
	printk("no VM named '%.*s' (try vms)\n", (int)len, name);
	return NULL;
}

static void cmd_vm(struct vm *vm)
{
	for (unsigned c = 0; c < vm->nr_vcpus; c++) {
		struct vcpu *v = vm->vcpus[c];

		printk("vm '%s' vcpu%u: on cpu%u, %s, %lu exits\n", vm->def.name, v->id, v->pcpu,
		       vcpu_states[v->state], vcpu_exits(v));
		for (unsigned r = 0; r < NR_EXIT_REASONS; r++)
			if (v->exit_count[r])
				printk("  %-20s %lu\n", exit_names[r] ? exit_names[r] : "other",
				       v->exit_count[r]);
	}
}

/*
 * The rest of the line, and a carriage return (what a terminal's Enter
 * sends), into the VM's UART, as if typed on its serial line.
 */
static void cmd_send(struct vm *vm, const char *text)
{
	char buf[LINE_MAX + 1];
	size_t len = strlen(text);
	unsigned n;

	while (*text == ' ')
		text++, len--;
	memcpy(buf, text, len);
	buf[len++] = '\r';
	n = vuart_input(vm, buf, len);
	if (n < len)
		printk("vm '%s': its UART receive FIFO is full: %u of %zu bytes sent\n",
		       vm->def.name, n, len);
}

static void help(void)
{
	printk("commands: help, cpus, mem, vms, vm NAME, kill NAME, send NAME TEXT, kl, poweroff\n");
}

/* Returns false when the (blocking) console should close. */
static bool run_command(const char *line)
{
	const char *p = line;
	struct token cmd, arg;
	bool has_arg;
	struct vm *vm;

	if (!next_token(&p, &cmd))
		return true;
	has_arg = next_token(&p, &arg);
	if (token_is(&cmd, "help")) {
		help();
	} else if (token_is(&cmd, "cpus")) {
		cmd_cpus();
	} else if (token_is(&cmd, "mem")) {
		cmd_mem();
	} else if (token_is(&cmd, "vms")) {
		cmd_vms();
	} else if (token_is(&cmd, "kl")) {
		kl_console_status();
	} else if ((token_is(&cmd, "vm") || token_is(&cmd, "kill") || token_is(&cmd, "send")) &&
		   !has_arg) {
		printk("%.*s: which VM? (try vms)\n", (int)cmd.tok_len, cmd.tok);
	} else if (token_is(&cmd, "vm")) {
		vm = find_vm(arg.tok, arg.tok_len);
		if (vm)
			cmd_vm(vm);
	} else if (token_is(&cmd, "kill")) {
		vm = find_vm(arg.tok, arg.tok_len);
		if (vm && vm->ended)
			printk("vm '%s' has already ended\n", vm->def.name);
		else if (vm)
			vm_end(vm, VM_STOPPED, 0, "killed from the console");
	} else if (token_is(&cmd, "send")) {
		vm = find_vm(arg.tok, arg.tok_len);
		if (vm && vm->ended)
			printk("vm '%s' has already ended\n", vm->def.name);
		else if (vm)
			cmd_send(vm, p);
	} else if (token_is(&cmd, "poweroff") || token_is(&cmd, "quit")) {
		return false;
	} else {
		printk("unknown command '%.*s' (try help)\n", (int)cmd.tok_len, cmd.tok);
	}
	return true;
}

static char line[LINE_MAX];
static size_t line_len;

/* Feed one received byte; returns false if a command asked to close. */
static bool feed(int c)
{
	if (c == '\r' || c == '\n') {
		bool go_on;

		printk("\n");
		line[line_len] = '\0';
		line_len = 0;
		go_on = run_command(line);
		if (go_on)
			printk("klvisor> ");
		return go_on;
	}
	if ((c == 0x7f || c == '\b') && line_len) {
		line_len--;
		printk("\b \b");
	} else if (c >= ' ' && c < 0x7f && line_len + 1 < sizeof(line)) {
		line[line_len++] = (char)c;
		printk("%c", c);
	}
	return true;
}

void console_poll(void)
{
	int c;

	while ((c = uart_getc()) >= 0) {
		if (!feed(c)) {
			printk("klvisor: power-off requested on the console\n");
			system_stop(STOP_FAILED);
		}
	}
}

void console_run(void)
{
	printk("klvisor: console open (console=keep); type 'help'\nklvisor> ");
	for (;;) {
		int c = uart_getc();

		if (c < 0) {
			cpu_relax_io();
			continue;
		}
		if (!feed(c))
			return;
	}
}
