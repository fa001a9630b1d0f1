// SPDX-License-Identifier: MIT
/*
 * Segment checks for emulated accesses (vmm/segment.c) against the SDM:
 * Vol. 3, 5.3 "Limit Checking" (expand-down included), 5.4 "Type
 * Checking", 3.4.4 (64-bit mode: no limits, FS/GS bases only) and
 * Vol. 1, 3.3.7.1 (canonical addresses).
 */
#include "tests/unit/support.h"
#include "vmm/segment.h"

static const struct seg_state flat32 = { 0, 0xffffffff, 0xc093 }; /* data, RW, B, G */

static void test_seg_linear(void **state)
{
	const struct seg_state code_ro = { 0, 0xffffffff, 0xc09b }; /* readable code */
	const struct seg_state code_xo = { 0, 0xffffffff, 0xc099 }; /* execute-only */
	const struct seg_state down16 = { 0x1000, 0x0fff, 0x0097 }; /* expand-down, 16-bit */
	const struct seg_state down32 = { 0, 0x0fff, 0x4097 }; /* expand-down, B = 1 */
	const struct seg_state wrap = { 0xfffffff0, 0xffffffff, 0xc093 };
	const struct seg_state unusable = { 0, 0xffffffff, 0x10000 };
	u64 la = 0;

	(void)state;
	assert_true(seg_linear(&flat32, 0xfffffffc, 4, 32, true, true, &la));
	assert_int_equal(la, 0xfffffffc);
	assert_false(seg_linear(&flat32, 0xfffffffd, 4, 32, true, false, &la));
	assert_false(seg_linear(&flat32, 0, 0, 32, true, false, &la));
	/* code: read if readable, never written */
	assert_true(seg_linear(&code_ro, 0x10, 1, 32, true, false, &la));
	assert_false(seg_linear(&code_ro, 0x10, 1, 32, true, true, &la));
	assert_false(seg_linear(&code_xo, 0x10, 1, 32, true, false, &la));
	/* real mode: no type checks, the limit still counts */
	assert_true(seg_linear(&code_xo, 0x10, 1, 16, false, true, &la));
	assert_true(seg_linear(&(struct seg_state){ 0x20, 0xffff, 0x93 }, 0xfffe, 2, 16, false,
			       true, &la));
	assert_int_equal(la, 0x1001e);
	assert_false(seg_linear(&(struct seg_state){ 0x20, 0xffff, 0x93 }, 0xffff, 2, 16, false,
				true, &la));
	/* expand-down: above the limit, up to 64 KiB or 4 GiB */
	assert_false(seg_linear(&down16, 0x0fff, 1, 32, true, true, &la));
	assert_true(seg_linear(&down16, 0x1000, 1, 32, true, true, &la));
	assert_int_equal(la, 0x2000);
	assert_true(seg_linear(&down16, 0xfffe, 2, 32, true, true, &la));
	assert_false(seg_linear(&down16, 0xffff, 2, 32, true, true, &la));
	assert_true(seg_linear(&down32, 0xfffffffe, 2, 32, true, true, &la));
	assert_false(seg_linear(&down32, 0x0ffe, 4, 32, true, true, &la));
	/* the linear address wraps at 4 GiB outside 64-bit mode */
	assert_true(seg_linear(&wrap, 0x20, 4, 32, true, true, &la));
	assert_int_equal(la, 0x10);
	assert_false(seg_linear(&unusable, 0, 1, 32, true, false, &la));
	/* 64-bit mode: no limit or type checks, not even unusable; canonical ends */
	assert_true(seg_linear(&unusable, 0x123456789ULL, 1, 64, true, true, &la));
	assert_int_equal(la, 0x123456789ULL);
	assert_true(seg_linear(&code_xo, 0xffff800000000000ULL, 8, 64, true, true, &la));
	assert_false(seg_linear(&flat32, 0xfffeffffffffffffULL, 1, 64, true, false, &la));
	assert_true(seg_linear(&(struct seg_state){ 0x7ffffffff000ULL, 0, 0 }, 0xfff, 1, 64, true,
			       false, &la));
	assert_false(seg_linear(&(struct seg_state){ 0x7ffffffff000ULL, 0, 0 }, 0xfff, 2, 64, true,
				false, &la));
	/* prefixes */
	assert_int_equal(seg_from_prefix(0x64, SEG_DS), SEG_FS);
	assert_int_equal(seg_from_prefix(0x26, SEG_DS), SEG_ES);
	assert_int_equal(seg_from_prefix(0, SEG_DS), SEG_DS);
	assert_int_equal(seg_from_prefix(0x66, SEG_ES), SEG_ES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seg_linear),
	};

	return cmocka_run_group_tests_name("segment", tests, NULL, NULL);
}
