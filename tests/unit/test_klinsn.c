// SPDX-License-Identifier: MIT
/*
 * Key Locker instruction recognition: every instruction in its forms
 * (REX-extended registers, SIB, displacements, RIP-relative, segment
 * overrides, 32-bit code) and the encodings that must raise #UD or are
 * not Key Locker at all.  Byte sequences were produced by GNU as from the
 * mnemonics in the comments; the expected fields are worked out from the
 * SDM's ModRM/SIB tables by hand.
 */
#include <string.h>

#include "tests/unit/support.h"
#include "vmm/kl/klinsn.h"

/* Table rows leave the fields that do not apply to them zero. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct kl_case {
	const char *what;
	unsigned mode;
	u8 len;
	u8 bytes[15];
	enum kl_op op;
	bool ud;
	u8 reg, rm; /* for register forms and the AES destination */
	u64 ea; /* memory forms: expected effective address */
	unsigned key_bits; /* AES forms */
	bool decrypt;
};

/* Register n holds 0x1000 * (n + 1) (RSP, passed apart, too); the instruction is at 0x400000. */
static const u64 gpr[16] = {
	0x1000, 0x2000, 0x3000, 0x4000, 0, /* RSP's slot: never read */
	0x6000, 0x7000, 0x8000, 0x9000, 0xa000, 0xb000, 0xc000, 0xd000, 0xe000, 0xf000, 0x10000,
};
#define RSP 0x5000ULL

#define RIP 0x400000ULL

static const struct kl_case cases[] = {
	/* loadiwkey %xmm12, %xmm9: REX.R and REX.B */
	{ "loadiwkey xmm9, xmm12",
	  64,
	  6,
	  { 0xf3, 0x45, 0x0f, 0x38, 0xdc, 0xcc },
	  KL_LOADIWKEY,
	  false,
	  9,
	  12 },
	/* aesenc128kl 0x10(%r12,%r13,4), %xmm11: REX.RXB, SIB, disp8 */
	{ "aesenc128kl SIB r12+r13*4+0x10",
	  64,
	  8,
	  { 0xf3, 0x47, 0x0f, 0x38, 0xdc, 0x5c, 0xac, 0x10 },
	  KL_AES,
	  false,
	  11,
	  0,
	  0xd000 + 0xe000 * 4 + 0x10,
	  128,
	  false },
	/* aesdec256kl -8(%rbp), %xmm15: negative disp8 */
	{ "aesdec256kl -8(rbp)",
	  64,
	  7,
	  { 0xf3, 0x44, 0x0f, 0x38, 0xdf, 0x7d, 0xf8 },
	  KL_AES,
	  false,
	  15,
	  5,
	  0x6000 - 8,
	  256,
	  true },
	/* aesencwide256kl 0x12345678(%rip) */
	{ "aesencwide256kl rip-relative",
	  64,
	  9,
	  { 0xf3, 0x0f, 0x38, 0xd8, 0x15, 0x78, 0x56, 0x34, 0x12 },
	  KL_AES_WIDE,
	  false,
	  2,
	  5,
	  RIP + 9 + 0x12345678,
	  256,
	  false },
	/* aesdecwide128kl %fs:(%rax) */
	{ "aesdecwide128kl fs:(rax)",
	  64,
	  6,
	  { 0x64, 0xf3, 0x0f, 0x38, 0xd8, 0x08 },
	  KL_AES_WIDE,
	  false,
	  1,
	  0,
	  0x1000,
	  128,
	  true },
	/* encodekey256 %r9d, %r10d: DEST = reg, SRC = r/m */
	{ "encodekey256 r10d, r9d",
	  64,
	  6,
	  { 0xf3, 0x45, 0x0f, 0x38, 0xfb, 0xd1 },
	  KL_ENCODEKEY,
	  false,
	  10,
	  9 },
	/* aesenc256kl (%rsp), %xmm1: SIB with no index */
	{ "aesenc256kl (rsp)",
	  64,
	  6,
	  { 0xf3, 0x0f, 0x38, 0xde, 0x0c, 0x24 },
	  KL_AES,
	  false,
	  1,
	  4,
	  0x5000,
	  256,
	  false },
	/* 32-bit code */
	{ "loadiwkey xmm2, xmm1 (32-bit)",
	  32,
	  5,
	  { 0xf3, 0x0f, 0x38, 0xdc, 0xd1 },
	  KL_LOADIWKEY,
	  false,
	  2,
	  1 },
	{ "aesdec128kl 0x20(ebx,esi,2) (32-bit)",
	  32,
	  7,
	  { 0xf3, 0x0f, 0x38, 0xdd, 0x7c, 0x73, 0x20 },
	  KL_AES,
	  false,
	  7,
	  4,
	  0x4000 + 0x7000 * 2 + 0x20,
	  128,
	  true },
	{ "aesencwide128kl 0x1000 absolute (32-bit)",
	  32,
	  9,
	  { 0xf3, 0x0f, 0x38, 0xd8, 0x05, 0x00, 0x10, 0x00, 0x00 },
	  KL_AES_WIDE,
	  false,
	  0,
	  5,
	  0x1000,
	  128,
	  false },
	{ "encodekey128 edi, ecx (32-bit)",
	  32,
	  5,
	  { 0xf3, 0x0f, 0x38, 0xfa, 0xf9 },
	  KL_ENCODEKEY,
	  false,
	  7,
	  1 },
	/* Forms that must #UD */
	{ "aesdec128kl with a register operand",
	  64,
	  5,
	  { 0xf3, 0x0f, 0x38, 0xdd, 0xc1 },
	  KL_AES,
	  true },
	{ "aesenc256kl with a register operand",
	  64,
	  5,
	  { 0xf3, 0x0f, 0x38, 0xde, 0xc1 },
	  KL_AES,
	  true },
	{ "aesdec256kl with a register operand",
	  64,
	  5,
	  { 0xf3, 0x0f, 0x38, 0xdf, 0xc1 },
	  KL_AES,
	  true },
	{ "encodekey128 with a memory operand",
	  64,
	  5,
	  { 0xf3, 0x0f, 0x38, 0xfa, 0x00 },
	  KL_ENCODEKEY,
	  true },
	{ "encodekey256 with a memory operand",
	  64,
	  5,
	  { 0xf3, 0x0f, 0x38, 0xfb, 0x00 },
	  KL_ENCODEKEY,
	  true },
	{ "wide /4", 64, 5, { 0xf3, 0x0f, 0x38, 0xd8, 0x20 }, KL_AES_WIDE, true },
	{ "wide /7", 64, 5, { 0xf3, 0x0f, 0x38, 0xd8, 0x38 }, KL_AES_WIDE, true },
	{ "wide with a register operand",
	  64,
	  5,
	  { 0xf3, 0x0f, 0x38, 0xd8, 0xc0 },
	  KL_AES_WIDE,
	  true },
	{ "lock loadiwkey", 64, 6, { 0xf0, 0xf3, 0x0f, 0x38, 0xdc, 0xd1 }, KL_LOADIWKEY, true },
	{ "lock aesenc128kl", 64, 6, { 0xf3, 0xf0, 0x0f, 0x38, 0xdc, 0x00 }, KL_AES, true },
	/* Not Key Locker */
	{ "66 0F 38 DC is AES-NI aesenc", 64, 5, { 0x66, 0x0f, 0x38, 0xdc, 0xd1 }, KL_NONE },
	{ "no mandatory prefix", 64, 4, { 0x0f, 0x38, 0xdc, 0xd1 }, KL_NONE },
	{ "F2 instead of F3", 64, 5, { 0xf2, 0x0f, 0x38, 0xdc, 0xd1 }, KL_NONE },
	{ "F3 66 0F 38 DC", 64, 6, { 0xf3, 0x66, 0x0f, 0x38, 0xdc, 0xd1 }, KL_NONE },
	{ "F3 0F 38 D9", 64, 5, { 0xf3, 0x0f, 0x38, 0xd9, 0xc1 }, KL_NONE },
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct kl_case *c = &cases[i];
		struct insn in;
		const char *err = insn_decode(c->bytes, c->len, c->mode, &in);
		bool ud;
		enum kl_op op;

		if (err)
			fail_msg("%s: decode failed: %s", c->what, err);
		op = kl_classify(&in, &ud);
		if (op != c->op || ud != c->ud)
			fail_msg("%s: op %d ud %d, expected op %d ud %d", c->what, op, ud, c->op,
				 c->ud);
		if (in.len != c->len)
			fail_msg("%s: length %u, expected %u", c->what, in.len, c->len);
		if (op == KL_NONE || ud)
			continue;
		if (in.reg != c->reg)
			fail_msg("%s: reg %u, expected %u", c->what, in.reg, c->reg);
		if (in.mod == 3 && in.rm != c->rm)
			fail_msg("%s: rm %u, expected %u", c->what, in.rm, c->rm);
		if (op == KL_AES || op == KL_AES_WIDE) {
			struct kl_aes_form f = kl_aes_form(&in);
			u64 ea = insn_effective_address(&in, gpr, RSP, RIP + in.len);

			if (ea != c->ea)
				fail_msg("%s: EA %#lx, expected %#lx", c->what, (unsigned long)ea,
					 (unsigned long)c->ea);
			if (f.key_bits != c->key_bits || f.decrypt != c->decrypt)
				fail_msg("%s: AES-%u %s, expected AES-%u %s", c->what, f.key_bits,
					 f.decrypt ? "dec" : "enc", c->key_bits,
					 c->decrypt ? "dec" : "enc");
		}
	}
}

static void test_segment_override_recorded(void **state)
{
	static const u8 b[] = { 0x64, 0xf3, 0x0f, 0x38, 0xd8, 0x08 };
	struct insn in;

	(void)state;
	assert_null(insn_decode(b, sizeof(b), 64, &in));
	assert_int_equal(in.seg, 0x64);
}

static void test_truncated_is_rejected(void **state)
{
	static const u8 b[] = { 0xf3, 0x0f, 0x38, 0xdd, 0x7c, 0x73 }; /* disp8 missing */
	struct insn in;

	(void)state;
	assert_non_null(insn_decode(b, sizeof(b), 32, &in));
}

/* The reference's list of LOADIWKEY #GP(0) conditions, each alone. */
static void test_loadiwkey_faults(void **state)
{
	(void)state;
	assert_false(kl_loadiwkey_faults(0, 0, 0));
	assert_true(kl_loadiwkey_faults(0, 3, 0)); /* CPL 3 */
	assert_true(kl_loadiwkey_faults(0, 1, 0)); /* CPL 1 */
	for (u32 ks = 2; ks < 16; ks++)
		assert_true(kl_loadiwkey_faults(ks << 1, 0, 3)); /* KeySource > 1 */
	for (int bit = 5; bit < 32; bit++)
		assert_true(kl_loadiwkey_faults(1U << bit, 0, 3)); /* reserved EAX bits */
	assert_true(kl_loadiwkey_faults(1, 0, 0)); /* NoBackup while hidden */
	assert_false(kl_loadiwkey_faults(1, 0, 1)); /* ... and allowed when exposed */
	assert_true(kl_loadiwkey_faults(2, 0, 1)); /* KeySource 1 while hidden */
	assert_false(kl_loadiwkey_faults(2, 0, 2));
	assert_false(kl_loadiwkey_faults(3, 0, 3));
}

/* Exit information naming the operands in either order agrees; others do not. */
static void test_exit_info_cross_check(void **state)
{
	static const u8 b[] = { 0xf3, 0x45, 0x0f, 0x38, 0xdc, 0xcc }; /* reg 9, rm 12 */
	struct insn in;

	(void)state;
	assert_null(insn_decode(b, sizeof(b), 64, &in));
	assert_false(kl_exit_info_mismatch(&in, (12u << 3) | (9u << 28)));
	assert_false(kl_exit_info_mismatch(&in, (9u << 3) | (12u << 28)));
	assert_true(kl_exit_info_mismatch(&in, (1u << 3) | (2u << 28))); /* early microcode */
	assert_true(kl_exit_info_mismatch(&in, (9u << 3) | (9u << 28)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loadiwkey_faults),
		cmocka_unit_test(test_exit_info_cross_check),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_segment_override_recorded),
		cmocka_unit_test(test_truncated_is_rejected),
	};

	return cmocka_run_group_tests_name("klinsn", tests, NULL, NULL);
}
