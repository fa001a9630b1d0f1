// SPDX-License-Identifier: MIT
/*
 * The boot flow, from kmain() on the boot CPU:
 *
 *   console -> boot information -> command line -> memory -> ACPI
 *   -> guest modules -> VMX support check -> other CPUs
 *   -> VMX root and self-test on every CPU -> report -> stop
 *
 * Each step logs one line so a serial log shows how far a boot got.
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/timer.h"
#include "arch/x86/vmx.h"
#include "drivers/uart.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/console.h"
#include "vmm/exit.h"
#include "vmm/kl/keylocker.h"
#include "vmm/sched.h"
#include "vmm/vm.h"
#include "vmm/mm.h"
#include "vmm/selftest.h"
#include "vmm/shutdown.h"
#include "vmm/vmm.h"

#define SELFTEST_TIMEOUT_US 5000000

struct klv_config klv_cfg;
struct acpi_info klv_acpi;
struct boot_info klv_boot;

static struct percpu bsp_percpu;

static void report_bad_option(const char *tok, size_t len, const char *why,
			      const char *const *allowed)
{
	char vals[96] = "";
	size_t n = 0;

	/* "expected a|b|c" for a bad value; allowed is NULL for an unknown option. */
	for (unsigned i = 0; allowed && allowed[i] && n < sizeof(vals); i++)
		n += (size_t)snprintf(vals + n, sizeof(vals) - n, "%s%s", i ? "|" : ", expected ",
				      allowed[i]);
	pr_err("cmdline: option '%.*s': %s%s; ignored\n", (int)len, tok, why, vals);
}

/* GRUB 2 passes only the arguments; other loaders put the image path first. */
static const char *cmdline_options(const char *cmdline)
{
	if (cmdline && cmdline[0] == '/') {
		while (*cmdline && *cmdline != ' ')
			cmdline++;
	}
	return cmdline;
}

/* Set by the boot CPU once the VMs exist: the other CPUs may schedule. */
static volatile bool sched_go;

/* VMX root and the self-test on the calling CPU; the boot CPU collects the results. */
static void cpu_start_vmx(struct percpu *pc)
{
	bool ok = vmx_cpu_enable(pc);

	if (ok)
		pr_info("cpu%u: in VMX root operation (VMCS revision 0x%x)\n", pc->id,
			VMX_BASIC_REVISION(vmx_caps.basic));
	else
		pc->state = CPU_FAILED;
	pc->selftest_ok = ok && vmx_selftest(pc, klv_cfg.vmcs_break);
	mb();
	pc->selftest_done = 1;
}

static void ap_main(struct percpu *pc)
{
	pr_info("cpu%u: online (APIC ID %u)\n", pc->id, pc->apic_id);
	cpu_start_vmx(pc);
	while (!sched_go)
		cpu_relax();
	if (pc->selftest_ok)
		sched_run();
	halt_forever(); /* until the boot CPU's stop NMI */
}

static unsigned collect_selftests(void)
{
	unsigned passed = 0;

	for (unsigned i = 0; i < nr_cpus; i++) {
		struct percpu *pc = cpus[i];

		for (u64 w = 0; !pc->selftest_done && w < SELFTEST_TIMEOUT_US; w += 1000)
			udelay(1000);
		if (!pc->selftest_done)
			pr_err("cpu%u: VMX self-test did not finish\n", i);
		else if (pc->selftest_ok)
			passed++;
	}
	return passed;
}

/* test.fault=: fault on purpose so the tests can check the exception report. */
static void inject_test_fault(enum test_fault f)
{
	if (f == TEST_FAULT_PF)
		(void)*(volatile u64 *)0x8000000000ULL; /* 512 GiB: never mapped */
	else if (f == TEST_FAULT_UD)
		__asm__ volatile("ud2");
}

static void parse_boot_info(u32 magic, u64 mbi_phys)
{
	const char *err;

	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("not started by a multiboot2 loader (EAX = 0x%x); boot klvisor with GRUB's multiboot2 command",
		      magic);
	err = mb2_parse(phys_to_virt(mbi_phys), &klv_boot);
	if (err)
		panic("bad multiboot2 information at 0x%lx: %s", mbi_phys, err);
	if (klv_boot.nr_modules_ignored)
		pr_err("multiboot2: %u modules beyond the first %u ignored\n",
		       klv_boot.nr_modules_ignored, MB2_MAX_MODULES);
}

void kmain(u32 magic, u64 mbi_phys);
void kmain(u32 magic, u64 mbi_phys)
{
	const char *why;
	unsigned passed;
	bool ok;

	uart_init();
	idt_init();
	bsp_percpu.state = CPU_ONLINE;
	percpu_init_local(&bsp_percpu, 0, 0);
	nr_cpus = 1;
	printk("\nklvisor: Key Locker micro-hypervisor, booting\n");

	parse_boot_info(magic, mbi_phys);
	pr_info("cmdline: '%s'\n", klv_boot.cmdline ? klv_boot.cmdline : "");
	cmdline_defaults(&klv_cfg);
	cmdline_parse(cmdline_options(klv_boot.cmdline), &klv_cfg, report_bad_option);
	log_level = klv_cfg.log_level;

	/* ACPI first: it also tells how to power off if anything below panics. */
	why = acpi_parse(klv_boot.rsdp, klv_boot.rsdp_len, &klv_acpi);
	if (why)
		pr_warn("acpi: %s; running on the boot CPU only\n", why);
	mm_init(&klv_boot, mbi_phys);
	paging_extend_identity(phys_mem.nr_pages << PAGE_SHIFT);
	inject_test_fault(klv_cfg.test_fault);
	tsc_calibrate();
	apic_init();
	bsp_percpu.apic_id = apic_id();
	pr_debug("timer: TSC %lu kHz\n", tsc_khz);

	why = vmx_probe();
	if (why) {
		printk("klvisor: cannot run here: %s. Run klvisor in Bochs ('make run') or in QEMU with KVM and nested VMX on an Intel host ('make run-qemu').\n",
		       why);
		system_stop(STOP_CANNOT_RUN);
	}
	msr_setup();

	pr_info("cpu0: online (APIC ID %u, boot CPU)\n", bsp_percpu.apic_id);
	if (klv_acpi.have_madt)
		smp_boot_aps(&klv_acpi.madt, ap_main);
	cpu_start_vmx(&bsp_percpu);
	passed = collect_selftests();
	printk("klvisor: %u CPU(s) online, VMX self-test passed on %u of %u\n", nr_cpus, passed,
	       nr_cpus);

	ok = passed == nr_cpus;
	kl_init();
	if (ok && vms_create()) {
		sched_prepare();
		mb();
		sched_go = true;
		sched_run();
		ok = vms_report();
	}
	if (klv_cfg.console_keep)
		console_run();
	printk("klvisor: nothing left to run\n");
	system_stop(ok ? STOP_PASSED : STOP_FAILED);
}
