// SPDX-License-Identifier: MIT
/*
 * The hardware backend's decision against fake CPUs: a good Tiger Lake
 * style part, then each precondition broken in turn, each named in the
 * reason; the GDS and RFDS rules.
 */
#include <string.h>

#include "tests/unit/support.h"
#include "vmm/kl/hwcheck.h"

static const struct kl_hw_facts good = {
	.cpuid_kl = true,
	.cr4_kl_allowed = true,
	.aeskle = true,
	.tertiary_allowed = true,
	.tertiary_caps = 1,
	.has_arch_caps = true,
	.arch_caps = ARCH_CAP_GDS_NO | ARCH_CAP_RFDS_NO,
};

static void test_good_part(void **state)
{
	struct kl_hw_decision d = kl_hw_decide(&good);

	(void)state;
	assert_true(d.usable);
	assert_false(d.verw_after_load);
}

static void expect_refused(struct kl_hw_facts f, const char *keyword)
{
	struct kl_hw_decision d = kl_hw_decide(&f);

	assert_false(d.usable);
	assert_non_null(d.why);
	if (!strstr(d.why, keyword))
		fail_msg("reason '%s' does not mention '%s'", d.why, keyword);
}

static void test_each_check(void **state)
{
	struct kl_hw_facts f;

	(void)state;
	f = good, f.cpuid_kl = false;
	expect_refused(f, "CPUID.7.0:ECX[23]");
	f = good, f.cr4_kl_allowed = false;
	expect_refused(f, "CR4_FIXED1");
	f = good, f.aeskle = false;
	expect_refused(f, "AESKLE");
	f = good, f.tertiary_allowed = false;
	expect_refused(f, "LOADIWKEY exiting");
	f = good, f.tertiary_caps = 0;
	expect_refused(f, "LOADIWKEY exiting");
	f = good, f.has_arch_caps = false;
	expect_refused(f, "GDS");
}

static void test_gds_mitigation(void **state)
{
	struct kl_hw_facts f = good;

	(void)state;
	f.arch_caps = ARCH_CAP_GDS_CTRL | ARCH_CAP_RFDS_NO; /* affected, can be mitigated */
	f.mcu_opt_ctrl = MCU_OPT_GDS_MITG_LOCK; /* enabled and locked */
	assert_true(kl_hw_decide(&f).usable);
	f.mcu_opt_ctrl = 0; /* enabled, not locked */
	expect_refused(f, "GDS");
	f.mcu_opt_ctrl = MCU_OPT_GDS_MITG_DIS | MCU_OPT_GDS_MITG_LOCK; /* locked off */
	expect_refused(f, "GDS");
	f.arch_caps = ARCH_CAP_RFDS_NO; /* affected, no control */
	f.mcu_opt_ctrl = MCU_OPT_GDS_MITG_LOCK;
	expect_refused(f, "GDS");
}

static void test_rfds_needs_verw(void **state)
{
	struct kl_hw_facts f = good;
	struct kl_hw_decision d;

	(void)state;
	f.arch_caps = ARCH_CAP_GDS_NO; /* RFDS_NO clear: affected */
	d = kl_hw_decide(&f);
	assert_true(d.usable);
	assert_true(d.verw_after_load);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_part),
		cmocka_unit_test(test_each_check),
		cmocka_unit_test(test_gds_mitigation),
		cmocka_unit_test(test_rfds_needs_verw),
	};

	return cmocka_run_group_tests_name("klhw", tests, NULL, NULL);
}
