// SPDX-License-Identifier: MIT
/*
 * The decoded-instruction cache (vmm/dcache.c): a hit is only ever what
 * insn_decode() returns for the same bytes; a changed byte of the
 * instruction, another code size or a shorter fetch misses.
 */
#include <string.h>

#include "tests/unit/support.h"
#include "vmm/dcache.h"

static struct dcache dc;

static int setup(void **state)
{
	(void)state;
	dcache_flush(&dc);
	return 0;
}

static unsigned entries(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < DCACHE_WAYS; i++)
		n += dc.e[i].len != 0;
	return n;
}

/* The cache's answer must be insn_decode()'s, error and struct alike. */
static const char *check(const u8 *buf, size_t len, unsigned mode)
{
	struct insn a, b;
	const struct insn *hit = dcache_find(&dc, buf, len, mode);
	const char *ea = dcache_decode(&dc, buf, len, mode, &a);
	const char *eb = insn_decode(buf, len, mode, &b);

	assert_true((ea == NULL) == (eb == NULL));
	if (!ea)
		assert_memory_equal(&a, &b, sizeof(a));
	/* dcache_find(): a hit is the same decode, and a failed decode never hits. */
	if (hit)
		assert_memory_equal(hit, &b, sizeof(b));
	if (eb)
		assert_null(hit);
	return ea;
}

/* AESENC128KL xmm3, [rax + 0x12] with trailing bytes that are not part of it. */
static const u8 aesenc[15] = { 0xf3, 0x0f, 0x38, 0xdc, 0x58, 0x12, 0x90, 0x90,
			       0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90 };

static void test_hit_for_same_bytes(void **state)
{
	u8 buf[15];

	(void)state;
	memcpy(buf, aesenc, sizeof(buf));
	assert_null(dcache_find(&dc, buf, 15, 64)); /* empty */
	assert_null(check(buf, 15, 64));
	assert_int_equal(entries(), 1);
	assert_non_null(dcache_find(&dc, buf, 15, 64));
	assert_null(check(buf, 15, 64));
	assert_int_equal(entries(), 1); /* a hit: nothing new */
	/* Bytes after the instruction are not part of it: still a hit. */
	buf[6] = 0xcc;
	buf[14] = 0x00;
	assert_null(check(buf, 15, 64));
	assert_int_equal(entries(), 1);
	/* Exactly the instruction's length fetched: a hit too. */
	assert_null(check(buf, 6, 64));
	assert_int_equal(entries(), 1);
}

/* Self-modifying code: any byte of the instruction changed is a new decode. */
static void test_miss_when_a_byte_changes(void **state)
{
	u8 buf[15];

	(void)state;
	assert_null(check(aesenc, 15, 64));
	for (unsigned i = 0; i < 6; i++) {
		memcpy(buf, aesenc, sizeof(buf));
		buf[i] ^= 0x01;
		check(buf, 15, 64); /* whatever it is, exactly what the decoder says */
	}
	/* The displacement changed: a different operand, not the cached one. */
	memcpy(buf, aesenc, sizeof(buf));
	buf[5] = 0x34;
	{
		struct insn in;

		assert_null(dcache_decode(&dc, buf, 15, 64, &in));
		assert_int_equal(in.disp, 0x34);
	}
	/* ModRM now names a register (LOADIWKEY): mod changes with the byte. */
	memcpy(buf, aesenc, sizeof(buf));
	buf[4] = 0xd1;
	{
		struct insn in;

		assert_null(dcache_decode(&dc, buf, 15, 64, &in));
		assert_int_equal(in.mod, 3);
		assert_int_equal(in.len, 5);
	}
}

/*
 * A long instruction, whose bytes fill both of the words a lookup
 * compares: GS: REX.RXB AESENC128KL xmm11, [r8 + r9 * 4 + 0x12345678]
 * (12 bytes).  Each byte changed in turn, with the original cached, must
 * miss; each byte after it changed must still hit.
 */
static void test_every_byte_of_a_long_instruction(void **state)
{
	static const u8 lng[15] = { 0x65, 0xf3, 0x47, 0x0f, 0x38, 0xdc, 0x9c, 0x88,
				    0x78, 0x56, 0x34, 0x12, 0x90, 0x90, 0x90 };
	struct insn in;
	u8 buf[15];

	(void)state;
	assert_null(dcache_decode(&dc, lng, 15, 64, &in));
	assert_int_equal(in.len, 12);
	assert_int_equal(in.disp, 0x12345678);
	for (unsigned i = 0; i < 15; i++) {
		dcache_flush(&dc);
		assert_null(check(lng, 15, 64));
		memcpy(buf, lng, sizeof(buf));
		buf[i] ^= 0x01;
		if (i < in.len)
			assert_null(dcache_find(&dc, buf, 15, 64));
		else
			assert_ptr_equal(dcache_find(&dc, buf, 15, 64), &dc.e[dc.last].in);
		check(buf, 15, 64);
	}
}

/* The code size is part of the key: REX in 64-bit code is INC/DEC in 32-bit code. */
static void test_miss_on_other_mode(void **state)
{
	/* REX.R AESENC128KL xmm11, [rax]: in 32-bit code 0x44 is INC ESP, not decoded. */
	static const u8 rex[15] = { 0xf3, 0x44, 0x0f, 0x38, 0xdc, 0x18, 0x90 };
	struct insn in;

	(void)state;
	assert_null(dcache_decode(&dc, rex, 15, 64, &in));
	assert_int_equal(in.reg, 11);
	assert_non_null(check(rex, 15, 32));
	/* 16-bit code: the same bytes as AESENC128KL use 16-bit addressing. */
	assert_null(check(aesenc, 15, 64));
	assert_null(dcache_decode(&dc, aesenc, 15, 16, &in));
	assert_int_equal(in.addr_size, 2);
	assert_null(dcache_decode(&dc, aesenc, 15, 64, &in));
	assert_int_equal(in.addr_size, 8);
}

/* Fewer bytes fetched than the cached instruction has: the decoder's verdict (truncated). */
static void test_miss_on_short_fetch(void **state)
{
	(void)state;
	assert_null(check(aesenc, 15, 64));
	assert_non_null(check(aesenc, 5, 64));
	assert_non_null(check(aesenc, 1, 64));
	/* Failures are not cached: the full decoder answers each time. */
	assert_int_equal(entries(), 1);
}

static void test_eviction(void **state)
{
	u8 buf[15];

	(void)state;
	for (unsigned i = 0; i < 2 * DCACHE_WAYS; i++) {
		memcpy(buf, aesenc, sizeof(buf));
		buf[5] = (u8)i;
		assert_null(check(buf, 15, 64));
	}
	assert_int_equal(entries(), DCACHE_WAYS);
	dcache_flush(&dc);
	assert_int_equal(entries(), 0);
}

/* The caller's word: kept across hits, zero in every entry a fill makes. */
static void test_aux(void **state)
{
	struct insn in;
	u8 buf[15];

	(void)state;
	assert_null(dcache_decode(&dc, aesenc, 15, 64, &in));
	assert_int_equal(*dcache_aux(dcache_find(&dc, aesenc, 15, 64)), 0);
	*dcache_aux(dcache_find(&dc, aesenc, 15, 64)) = 0x5a;
	assert_int_equal(*dcache_aux(dcache_find(&dc, aesenc, 15, 64)), 0x5a);
	assert_ptr_equal(dcache_aux(dcache_find(&dc, aesenc, 15, 64)), &dc.e[dc.last].aux);
	/* Every way refilled with other bytes (the aesenc entry evicted first). */
	for (unsigned i = 0; i < DCACHE_WAYS; i++) {
		memcpy(buf, aesenc, sizeof(buf));
		buf[5] = (u8)(0x80 + i);
		assert_null(dcache_decode(&dc, buf, 15, 64, &in));
		assert_int_equal(*dcache_aux(dcache_find(&dc, buf, 15, 64)), 0);
		*dcache_aux(dcache_find(&dc, buf, 15, 64)) = 0xa5;
	}
	assert_null(dcache_find(&dc, aesenc, 15, 64));
	assert_null(dcache_decode(&dc, aesenc, 15, 64, &in));
	assert_int_equal(*dcache_aux(dcache_find(&dc, aesenc, 15, 64)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_hit_for_same_bytes, setup),
		cmocka_unit_test_setup(test_miss_when_a_byte_changes, setup),
		cmocka_unit_test_setup(test_every_byte_of_a_long_instruction, setup),
		cmocka_unit_test_setup(test_miss_on_other_mode, setup),
		cmocka_unit_test_setup(test_miss_on_short_fetch, setup),
		cmocka_unit_test_setup(test_eviction, setup),
		cmocka_unit_test_setup(test_aux, setup),
	};

	return cmocka_run_group_tests_name("dcache", tests, NULL, NULL);
}
