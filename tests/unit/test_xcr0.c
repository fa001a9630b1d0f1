// SPDX-License-Identifier: MIT
/*
 * XCR0 validation (Intel SDM Vol. 1, 13.3): every value XSETBV refuses
 * with #GP must be refused by xcr0_valid(), because klvisor executes the
 * guest's XSETBV in root mode.  The cases are the SDM's rules, one each,
 * on a CPU with x87..AVX-512, PKRU and AMX (supported = 0x602ff).
 */
#include "tests/unit/support.h"
#include "vmm/xcr0.h"

#define ALL 0x602ffULL

static void test_basic_rules(void **state)
{
	(void)state;
	assert_true(xcr0_valid(1, ALL));
	assert_true(xcr0_valid(3, ALL));
	assert_true(xcr0_valid(7, ALL));
	assert_false(xcr0_valid(0, ALL)); /* x87 is mandatory */
	assert_false(xcr0_valid(2, ALL));
	assert_false(xcr0_valid(5, ALL)); /* AVX without SSE */
	assert_false(xcr0_valid(3 | BIT(8), ALL)); /* not in supported: a supervisor state */
	assert_false(xcr0_valid(7, 3)); /* AVX where the CPU lacks it */
}

/* The values the hardening review found to panic the VMM (issue 8, item 1). */
static void test_avx512_all_or_nothing(void **state)
{
	(void)state;
	assert_true(xcr0_valid(0xe7, ALL));
	assert_false(xcr0_valid(0x23, ALL)); /* opmask alone, no AVX */
	assert_false(xcr0_valid(0x27, ALL)); /* opmask alone */
	assert_false(xcr0_valid(0xa7, ALL)); /* ZMM_Hi256 missing */
	assert_false(xcr0_valid(0x67, ALL)); /* Hi16_ZMM missing */
	assert_false(xcr0_valid(0xe3, ALL)); /* all three, but no AVX */
}

static void test_mpx_and_amx_pairs(void **state)
{
	(void)state;
	assert_true(xcr0_valid(0x1b, ALL));
	assert_false(xcr0_valid(0x0b, ALL)); /* BNDREGS without BNDCSR */
	assert_false(xcr0_valid(0x13, ALL)); /* BNDCSR without BNDREGS */
	assert_true(xcr0_valid(0x600e7, ALL));
	assert_false(xcr0_valid(0x20003, ALL)); /* XTILECFG without XTILEDATA */
	assert_false(xcr0_valid(0x40003, ALL));
	assert_true(xcr0_valid(0x203, ALL)); /* PKRU stands alone */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_rules),
		cmocka_unit_test(test_avx512_all_or_nothing),
		cmocka_unit_test(test_mpx_and_amx_pairs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
