// SPDX-License-Identifier: MIT
/*
 * Building VMs from the boot modules, ending them, and the final report.
 * Every problem with a definition or an image is one console line naming
 * the module and what is wrong; that VM is skipped and the others run.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/timer.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/acpi_tables.h"
#include "vmm/fpu.h"
#include "vmm/guest_boot.h"
#include "vmm/mm.h"
#include "vmm/platform.h"
#include "vmm/sched.h"
#include "vmm/prof.h"
#include "vmm/vm.h"
#include "vmm/vmm.h"

#define EPT_2M_PAGES 512

struct vm *vms[MAX_VMS];
unsigned nr_vms;
volatile unsigned vms_running;

static struct vm_def defs[MB2_MAX_MODULES];
static bool def_ok[MB2_MAX_MODULES];

static const char *module_label(unsigned i)
{
	return def_ok[i] || defs[i].name[0] ? defs[i].name : klv_boot.modules[i].string;
}

static void report_def(unsigned i, const char *msg)
{
	pr_err("vm '%s': %s; VM skipped\n", module_label(i), msg);
}

static void *alloc_struct(size_t size)
{
	u64 pa = page_alloc(ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE);

	return pa ? phys_to_virt(pa) : NULL;
}

static u64 alloc_ram(u64 bytes)
{
	u64 pages = bytes / PAGE_SIZE;
	/* 2 MiB alignment lets the EPT use large pages; fall back to any pages. */
	u64 pa = palloc_alloc(&phys_mem, pages, EPT_2M_PAGES, 0);

	if (!pa)
		pa = palloc_alloc(&phys_mem, pages, 1, 0);
	if (pa)
		memset(phys_to_virt(pa), 0, bytes);
	return pa;
}

static unsigned next_pcpu;

static bool create_vcpus(struct vm *vm)
{
	for (unsigned i = 0; i < vm->def.vcpus; i++) {
		struct vcpu *v = alloc_struct(sizeof(*v));
		u64 fpu = page_alloc(fpu_area_size() / PAGE_SIZE);

		if (!v || !fpu)
			return false;
		v->vm = vm;
		v->id = i;
		v->fpu = phys_to_virt(fpu);
		v->xcr0 = 1; /* x87 only, as after reset */
		v->dr6 = DR6_RESET;
		v->sipi_vector = -1;
		v->state = i == 0 ? VCPU_RUNNABLE : VCPU_WAIT_SIPI;
		vlapic_reset(&v->lapic, i, i == 0);
		if (!kl_vcpu_reset(v))
			return false;
		v->pcpu =
			vm->def.nr_pins ? vm->def.pins[i % vm->def.nr_pins] : next_pcpu++ % nr_cpus;
		vm->vcpus[i] = v;
		vm->nr_vcpus++;
	}
	return true;
}

static const char *load_guest(struct vm *vm, unsigned mod_idx)
{
	const struct mb2_module *m = &klv_boot.modules[mod_idx];
	struct guest_module mods[VM_MAX_MODULES];
	char cmdline[256];
	struct mb1_image img;
	const char *err;

	err = mb1_parse_image(phys_to_virt(m->start), m->end - m->start, &img);
	if (err)
		return err;
	for (unsigned i = 0; i < vm->def.nr_modules; i++) {
		const struct mb2_module *d = &klv_boot.modules[vm->def.module_idx[i]];

		mods[i] = (struct guest_module){ phys_to_virt(d->start), d->end - d->start,
						 defs[vm->def.module_idx[i]].name };
	}
	snprintf(cmdline, sizeof(cmdline), "%s%s%s", vm->def.name, vm->def.args[0] ? " " : "",
		 vm->def.args);
	return guest_boot_load(vm->ram, vm->ram_size, &img, phys_to_virt(m->start),
			       m->end - m->start, cmdline, mods, vm->def.nr_modules, &vm->boot);
}

static struct vm *create_vm(unsigned mod_idx)
{
	struct vm *vm = alloc_struct(sizeof(*vm));
	const char *err;

	if (!vm) {
		report_def(mod_idx, "out of memory for the VM structure");
		return NULL;
	}
	vm->def = defs[mod_idx];
	err = kl_vm_refusal(&vm->def);
	if (err) {
		report_def(mod_idx, err);
		return NULL;
	}
	vm->id = nr_vms;
	vm->console_budget = CONSOLE_BUDGET;
	vm->ram_size = vm->def.mem;
	vm->ram_pa = alloc_ram(vm->ram_size);
	if (!vm->ram_pa) {
		report_def(mod_idx, "not enough free memory for mem= (lower it)");
		return NULL;
	}
	vm->ram = phys_to_virt(vm->ram_pa);
	if (!ept_init(&vm->ept) || !ept_map_range(&vm->ept, 0, vm->ram_pa, vm->ram_size, EPT_RWX) ||
	    !create_vcpus(vm)) {
		report_def(mod_idx, "out of memory for page tables or vCPUs");
		return NULL;
	}
	platform_reset(vm);
	cpuid_vm_init(vm);
	/* Before the image, so a kernel that loads itself into the BIOS area wins. */
	err = acpi_tables_build(vm->ram, vm->ram_size, vm->nr_vcpus);
	if (!err)
		err = load_guest(vm, mod_idx);
	if (err) {
		char msg[128];

		snprintf(msg, sizeof(msg), "not loadable: %s", err);
		report_def(mod_idx, msg);
		return NULL;
	}
	return vm;
}

unsigned vms_create(void)
{
	unsigned n = klv_boot.nr_modules;

	for (unsigned i = 0; i < n; i++) {
		char err[128];

		def_ok[i] = !vmdef_parse(klv_boot.modules[i].string, nr_cpus, &defs[i], err,
					 sizeof(err));
		if (!def_ok[i])
			report_def(i, err);
	}
	vmdefs_resolve(defs, def_ok, n, report_def);

	for (unsigned i = 0; i < n && nr_vms < MAX_VMS; i++) {
		struct vm *vm;

		if (!def_ok[i] || defs[i].type != VMDEF_VM)
			continue;
		vm = create_vm(i);
		if (!vm)
			continue;
		vms[nr_vms++] = vm;
		pr_info("vm '%s': %u vCPU(s), %lu MiB, entry 0x%x, command line '%s%s%s'\n",
			vm->def.name, vm->nr_vcpus, vm->ram_size >> 20, vm->boot.entry,
			vm->def.name, vm->def.args[0] ? " " : "", vm->def.args);
		for (unsigned c = 0; c < vm->nr_vcpus; c++)
			sched_add(vm->vcpus[c]);
	}
	/* Deadlines count from now, when the VMs start together. */
	for (unsigned i = 0; i < nr_vms; i++)
		if (vms[i]->def.timeout_s)
			vms[i]->deadline_tsc = rdtsc() + vms[i]->def.timeout_s * tsc_khz * 1000;
	vms_running = nr_vms;
	return nr_vms;
}

bool vm_console_charge(struct vm *vm, size_t len)
{
	u32 left = __atomic_load_n(&vm->console_budget, __ATOMIC_RELAXED);

	do {
		if (left < len) {
			/* The first to find it short says so; every byte from then on is counted. */
			if (__atomic_exchange_n(&vm->console_budget, 0, __ATOMIC_RELAXED))
				printk("[%s] (console output limit of %u bytes reached; the rest is dropped)\n",
				       vm->def.name, CONSOLE_BUDGET);
			__atomic_add_fetch(&vm->console_dropped, len, __ATOMIC_RELAXED);
			return false;
		}
	} while (!__atomic_compare_exchange_n(&vm->console_budget, &left, left - (u32)len, false,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return true;
}

bool vm_first_time(struct vm *vm, u32 *set, unsigned n, u32 key)
{
	bool first = false;

	spin_lock(&vm->lock_log);
	for (unsigned i = 0; i < n; i++) {
		if (set[i] == key + 1)
			break;
		if (!set[i]) {
			set[i] = key + 1;
			first = true;
			if (i == n - 1)
				printk("[%s] (further accesses of this kind are not logged)\n",
				       vm->def.name);
			break;
		}
	}
	spin_unlock(&vm->lock_log);
	return first;
}

static const char *const result_names[] = {
	[VM_PASSED] = "passed",
	[VM_FAILED] = "failed",
	[VM_SKIPPED] = "skipped",
	[VM_STOPPED] = "stopped",
};

void vm_end(struct vm *vm, enum vm_result result, u32 value, const char *fmt, ...)
{
	va_list ap;

	if (__atomic_exchange_n(&vm->end_claimed, true, __ATOMIC_SEQ_CST))
		return;
	vm->result = result;
	vm->exit_value = value;
	va_start(ap, fmt);
	vsnprintf(vm->end_reason, sizeof(vm->end_reason), fmt, ap);
	va_end(ap);
	if (vm->uart.len)
		vuart_flush(vm); /* the guest's last, unterminated line */
	printk("vm '%s': %s: %s\n", vm->def.name, result_names[result], vm->end_reason);
	__atomic_store_n(&vm->ended, true, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		vcpu_attn_set(vm->vcpus[i], ATTN_ENDED, true);
	__atomic_fetch_sub(&vms_running, 1, __ATOMIC_SEQ_CST);
}

const char *vm_result_name(enum vm_result r)
{
	return result_names[r];
}

bool vms_report(void)
{
	unsigned counts[4] = { 0 };

	for (unsigned i = 0; i < nr_vms; i++) {
		struct vm *vm = vms[i];
		u64 exits = 0;

		for (unsigned c = 0; c < vm->nr_vcpus; c++)
			exits += vcpu_exits(vm->vcpus[c]);
		counts[vm->result]++;
		printk("klvisor: vm '%s': %s (%s), %lu exits\n", vm->def.name,
		       result_names[vm->result], vm->end_reason, exits);
		if (vm->console_dropped)
			printk("klvisor: vm '%s': %lu bytes of console output dropped over its limit\n",
			       vm->def.name, vm->console_dropped);
		if (!klv_cfg.test_wipecheck)
			continue;
		if (!vm->wipe_checked)
			printk("klvisor: vm '%s': NOT wiped: it was never retired\n", vm->def.name);
		else if (vm->wipe_dirty)
			printk("klvisor: vm '%s': NOT wiped: %s is not zero\n", vm->def.name,
			       vm->wipe_dirty);
		else
			printk("klvisor: vm '%s': wiped (RAM, vector state and registers, saved registers, VMCSs, IWKeys, backup, slot copies read back as zero)\n",
			       vm->def.name);
	}
	kl_report();
	prof_report();
	for (unsigned i = 0; i < nr_cpus; i++)
		if (cpus[i]->vm_switches)
			printk("klvisor: cpu%u: %lu switches to a different VM, each with the VM-switch hygiene\n",
			       i, cpus[i]->vm_switches);
	printk("klvisor: %u guests, %u passed, %u failed, %u skipped\n", nr_vms, counts[VM_PASSED],
	       counts[VM_FAILED] + counts[VM_STOPPED], counts[VM_SKIPPED]);
	return counts[VM_FAILED] + counts[VM_STOPPED] == 0;
}
