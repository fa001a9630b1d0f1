// SPDX-License-Identifier: MIT
/*
 * The MSR bitmap against the SDM's layout (Vol. 3, 25.6.9: read-low at
 * byte 0, read-high at 1024, write-low at 2048, write-high at 3072, one
 * bit per MSR, set = exit), with the byte offsets worked out by hand, and
 * klvisor's policy: only the switched MSRs pass through.
 */
#include <string.h>

#include "tests/unit/support.h"
#include "vmm/msrmap.h"

static u8 bitmap[MSR_BITMAP_SIZE];

static bool bit(unsigned byte, unsigned b)
{
	return bitmap[byte] & (1U << b);
}

static void test_layout(void **state)
{
	(void)state;
	msr_bitmap_build(bitmap);
	/* TSC (0x10): byte 2 bit 0; read passes, write (byte 2048 + 2) exits */
	assert_false(bit(2, 0));
	assert_true(bit(2048 + 2, 0));
	/* SYSENTER_CS (0x174): byte 0x2e bit 4, both ways */
	assert_false(bit(0x2e, 4));
	assert_false(bit(2048 + 0x2e, 4));
	/* FS_BASE (0xc0000100): byte 1024 + 0x20 bit 0, write at 3072 + 0x20 */
	assert_false(bit(1024 + 0x20, 0));
	assert_false(bit(3072 + 0x20, 0));
	/* LSTAR (0xc0000082): byte 1024 + 0x10 bit 2 */
	assert_false(bit(1024 + 0x10, 2));
	assert_false(bit(3072 + 0x10, 2));
	/* EFER (0xc0000080), its neighbour, exits both ways: byte 1024 + 0x10 bit 0 */
	assert_true(bit(1024 + 0x10, 0));
	assert_true(bit(3072 + 0x10, 0));
	/* TSC_AUX (0xc0000103): byte 1024 + 0x20 bit 3, intercepted */
	assert_true(bit(1024 + 0x20, 3));
	assert_true(bit(3072 + 0x20, 3));
}

static unsigned cleared(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < MSR_BITMAP_SIZE; i++)
		n += 8 - (unsigned)__builtin_popcount(bitmap[i]);
	return n;
}

static void test_policy(void **state)
{
	static const u32 exits[] = {
		0x1b, /* IA32_APIC_BASE */
		0x3a, /* FEATURE_CONTROL */
		0x3b, /* TSC_ADJUST */
		0x277, /* PAT: validated here */
		0x48, /* SPEC_CTRL: not offered */
		0x800,	    0x802,	0x830, 0x8ff, /* x2APIC */
		0x990,	    0x991,	0xd91, 0xd92, /* Key Locker backup MSRs */
		0x1fff,	    0xc0000080, /* EFER: validated here */
		0xc0001fff,
	};

	(void)state;
	msr_bitmap_build(bitmap);
	/* 10 MSRs both ways and TSC reads: nothing else passes */
	assert_int_equal(cleared(), 10 * 2 + 1);
	for (unsigned i = 0; i < sizeof(exits) / sizeof(exits[0]); i++) {
		assert_true(msr_bitmap_exits(bitmap, exits[i], false));
		assert_true(msr_bitmap_exits(bitmap, exits[i], true));
	}
	assert_false(msr_bitmap_exits(bitmap, 0xc0000102, false)); /* KERNEL_GS_BASE */
	assert_false(msr_bitmap_exits(bitmap, 0xc0000102, true));
	assert_false(msr_bitmap_exits(bitmap, 0x10, false));
	assert_true(msr_bitmap_exits(bitmap, 0x10, true));
	/* outside both ranges the CPU always exits, and so says the query */
	assert_true(msr_bitmap_exits(bitmap, 0x2000, false));
	assert_true(msr_bitmap_exits(bitmap, 0x40000000, true));
	assert_true(msr_bitmap_exits(bitmap, 0xc0002000, false));
	assert_true(msr_bitmap_exits(bitmap, 0xbfffffff, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_policy),
	};

	return cmocka_run_group_tests_name("msrmap", tests, NULL, NULL);
}
