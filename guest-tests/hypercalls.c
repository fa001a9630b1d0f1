// SPDX-License-Identifier: MIT
/*
 * Guest test: klvisor's hypercalls (docs/guest-abi.md, "Hypercalls"),
 * meant for 2 vCPUs: print with good and bad arguments, vcpu_id on each
 * vCPU, vcpu_count against fw_cfg, yield, an unknown number, and finally
 * the exit hypercall, which ends the VM with the summary's status.  From
 * CPL 3 every hypercall must fail with -EPERM and do nothing (on e6e6724
 * user code could print kernel memory and end the VM).
 */
#include "guest.h"

#define UNMAPPED_VA 0x100000000UL /* beyond the guest's 4 GiB identity map */
#define OUTSIDE_RAM 0xe0000000UL /* mapped, but no RAM behind it */

static void check(const char *name, long got, long want)
{
	if (hypercall_faulted())
		fail(name, "VMCALL raised #UD (not under klvisor)");
	else
		report(got == want, name, "returned %ld, expected %ld", got, want);
}

static void check_vcpu_id(void *arg)
{
	char name[32];

	(void)arg;
	snprintf(name, sizeof(name), "vcpu-id-cpu%d", smp_id());
	check(name, hc_vcpu_id(), smp_id());
}

static void test_print(void)
{
	static const char msg[] = "hypercalls: hello through the print hypercall";
	static char big[HC_PRINT_MAX + 1];

	check("print", hc_print(msg, sizeof(msg) - 1), sizeof(msg) - 1);
	memset(big, 'x', sizeof(big));
	check("print-too-long", hc_print(big, sizeof(big)), HC_EINVAL);
	check("print-unmapped", hc_print((const char *)UNMAPPED_VA, 8), HC_EFAULT);
	check("print-outside-ram", hc_print((const char *)OUTSIDE_RAM, 8), HC_EFAULT);
}

static const char kernel_secret[] = "hypercalls: printed from ring 3";

static long ring3_calls(void *arg)
{
	long *r = arg;

	r[0] = hc_print(kernel_secret, sizeof(kernel_secret) - 1);
	r[1] = hc_vcpu_id();
	r[2] = hypercall(HC_EXIT, 1, 0, 0); /* would end the VM as failed */
	return 0;
}

static void test_ring3(void)
{
	long r[3] = { 0, 0, 0 };

	run_in_ring3(ring3_calls, r);
	check("ring3-print-eperm", r[0], HC_EPERM);
	check("ring3-vcpu-id-eperm", r[1], HC_EPERM);
	check("ring3-exit-eperm", r[2], HC_EPERM);
}

int main(int argc, char **argv)
{
	int cpus = smp_cpu_count(1);

	(void)argc;
	(void)argv;
	test_print();
	test_ring3();
	check("vcpu-count", hc_vcpu_count(), cpus);
	if (smp_start(cpus) != cpus)
		fail("smp-start", "only %d of %d vCPUs came up", smp_online(), cpus);
	for (int cpu = 0; cpu < cpus; cpu++)
		on_cpu(cpu, check_vcpu_id, NULL);
	check("yield", hc_yield(), 0);
	check("unknown-nr", hypercall(99, 0, 0, 0), HC_ENOSYS);
	printf("hypercalls: ending through the exit hypercall\n");
	report_summary();
	hc_exit(report_status());
}
