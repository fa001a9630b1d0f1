// SPDX-License-Identifier: MIT
/*
 * The instruction decoder against hand-assembled encodings (Intel SDM
 * Vol. 2, chapter 2 "Instruction Format": prefixes, REX, ModRM and SIB
 * tables 2-1 to 2-3, displacements and immediates), every length checked,
 * every truncation rejected, and effective addresses computed from
 * register values.
 */
#include <string.h>

#include "tests/unit/support.h"
#include "vmm/decode.h"

/* Register numbers (SDM Vol. 2, table 2-1 and REX extensions) */
enum { AX, CX, DX, BX, SP, BP, SI, DI, R8, R9, R10, R11, R12, R13, R14, R15 };

struct dcase {
	const char *what;
	unsigned mode;
	u8 n; /* instruction length */
	u8 b[16];
	enum insn_kind kind;
	u8 opcode;
	unsigned op_size, addr_size;
	u8 mod, reg, rm;
	bool sib;
	u8 scale, index, base;
	bool no_base, rip;
	s64 disp;
	u64 imm;
	u8 seg, rex;
	bool lock, rep;
};

#define MOV_ST	INSN_MOV_STORE
#define MOV_LD	INSN_MOV_LOAD
#define MOV_IMM INSN_MOV_STORE_IMM

// clang-format off
static const struct dcase cases[] = {
	/* register forms, mod = 3 */
	{ "mov eax, ecx (89 /r)", 32, 2, { 0x89, 0xc8 }, MOV_ST, 0x89, 4, 4, 3, CX, AX, .rex = 0 },
	{ "mov ecx, eax (8B /r)", 32, 2, { 0x8b, 0xc8 }, MOV_LD, 0x8b, 4, 4, 3, CX, AX, .rex = 0 },
	{ "mov bl, ah (88 /r)", 32, 2, { 0x88, 0xe3 }, MOV_ST, 0x88, 1, 4, 3, SP, BX, .rex = 0 },
	{ "mov dh, al (8A /r)", 32, 2, { 0x8a, 0xf0 }, MOV_LD, 0x8a, 1, 4, 3, SI, AX, .rex = 0 },
	{ "mov edi, 0x12345678 (C7 /0 reg)", 32, 6, { 0xc7, 0xc7, 0x78, 0x56, 0x34, 0x12 },
	  MOV_IMM, 0xc7, 4, 4, 3, 0, DI, .imm = 0x12345678 },
	/* memory forms, 32-bit */
	{ "mov eax, [ebx]", 32, 2, { 0x8b, 0x03 }, MOV_LD, 0x8b, 4, 4, 0, AX, BX, .base = BX },
	{ "mov [ebx+0x10], cl", 32, 3, { 0x88, 0x4b, 0x10 }, MOV_ST, 0x88, 1, 4, 1, CX, BX,
	  .base = BX, .disp = 0x10 },
	{ "mov al, [ebx+0x12345678]", 32, 6, { 0x8a, 0x83, 0x78, 0x56, 0x34, 0x12 }, MOV_LD, 0x8a,
	  1, 4, 2, AX, BX, .base = BX, .disp = 0x12345678 },
	{ "mov eax, [ebp-16] (disp8 sign-extended)", 32, 3, { 0x8b, 0x45, 0xf0 }, MOV_LD, 0x8b, 4,
	  4, 1, AX, BP, .base = BP, .disp = -16 },
	{ "mov eax, [eax-128]", 32, 3, { 0x8b, 0x40, 0x80 }, MOV_LD, 0x8b, 4, 4, 1, AX, AX,
	  .base = AX, .disp = -128 },
	{ "mov eax, [eax+127]", 32, 3, { 0x8b, 0x40, 0x7f }, MOV_LD, 0x8b, 4, 4, 1, AX, AX,
	  .base = AX, .disp = 127 },
	{ "mov eax, [eax-256] (disp32 sign-extended)", 32, 6,
	  { 0x8b, 0x80, 0x00, 0xff, 0xff, 0xff }, MOV_LD, 0x8b, 4, 4, 2, AX, AX, .base = AX,
	  .disp = -256 },
	{ "mov eax, [0x12345678] (mod 0 rm 5: disp32, no base)", 32, 6,
	  { 0x8b, 0x05, 0x78, 0x56, 0x34, 0x12 }, MOV_LD, 0x8b, 4, 4, 0, AX, BP, .no_base = true,
	  .disp = 0x12345678 },
	{ "mov eax, [0x80000000] (absolute, sign-extended disp)", 32, 6,
	  { 0x8b, 0x05, 0x00, 0x00, 0x00, 0x80 }, MOV_LD, 0x8b, 4, 4, 0, AX, BP, .no_base = true,
	  .disp = -0x80000000LL },
	/* SIB */
	{ "mov [ebx+esi*4], edx", 32, 3, { 0x89, 0x14, 0xb3 }, MOV_ST, 0x89, 4, 4, 0, DX, SP,
	  .sib = true, .scale = 2, .index = SI, .base = BX },
	{ "mov [ecx*4+0x1000], eax (SIB base 5, mod 0)", 32, 7,
	  { 0x89, 0x04, 0x8d, 0x00, 0x10, 0x00, 0x00 }, MOV_ST, 0x89, 4, 4, 0, AX, SP,
	  .sib = true, .scale = 2, .index = CX, .base = BP, .no_base = true, .disp = 0x1000 },
	{ "mov eax, [esp+8] (SIB index 4 = none)", 32, 4, { 0x8b, 0x44, 0x24, 0x08 }, MOV_LD,
	  0x8b, 4, 4, 1, AX, SP, .sib = true, .scale = 0, .index = SP, .base = SP, .disp = 8 },
	{ "mov eax, [ebp+8] (SIB base 5, mod 1: ebp)", 32, 4, { 0x8b, 0x44, 0x25, 0x08 }, MOV_LD,
	  0x8b, 4, 4, 1, AX, SP, .sib = true, .index = SP, .base = BP, .disp = 8 },
	{ "mov eax, [eax*8+0x2000]", 32, 7, { 0x8b, 0x04, 0xc5, 0x00, 0x20, 0x00, 0x00 }, MOV_LD,
	  0x8b, 4, 4, 0, AX, SP, .sib = true, .scale = 3, .index = AX, .base = BP,
	  .no_base = true, .disp = 0x2000 },
	{ "mov edi, [edx+ecx*2-0x100]", 32, 7, { 0x8b, 0xbc, 0x4a, 0x00, 0xff, 0xff, 0xff },
	  MOV_LD, 0x8b, 4, 4, 2, DI, SP, .sib = true, .scale = 1, .index = CX, .base = DX,
	  .disp = -0x100 },
	/* immediates */
	{ "mov dword [eax], 0x12345678", 32, 6, { 0xc7, 0x00, 0x78, 0x56, 0x34, 0x12 }, MOV_IMM,
	  0xc7, 4, 4, 0, 0, AX, .base = AX, .imm = 0x12345678 },
	{ "mov byte [eax+4], 0xab", 32, 4, { 0xc6, 0x40, 0x04, 0xab }, MOV_IMM, 0xc6, 1, 4, 1, 0,
	  AX, .base = AX, .disp = 4, .imm = 0xab },
	{ "mov word [eax], 0x1234", 32, 5, { 0x66, 0xc7, 0x00, 0x34, 0x12 }, MOV_IMM, 0xc7, 2, 4,
	  0, 0, AX, .base = AX, .imm = 0x1234 },
	{ "mov dword [ebx+esi*8+0x44], 0xfee00300", 32, 8,
	  { 0xc7, 0x44, 0xf3, 0x44, 0x00, 0x03, 0xe0, 0xfe }, MOV_IMM, 0xc7, 4, 4, 1, 0, SP,
	  .sib = true, .scale = 3, .index = SI, .base = BX, .disp = 0x44, .imm = 0xfee00300 },
	/* operand size */
	{ "mov ax, cx (66)", 32, 3, { 0x66, 0x89, 0xc8 }, MOV_ST, 0x89, 2, 4, 3, CX, AX, .rex = 0 },
	{ "66 does not affect byte forms", 32, 3, { 0x66, 0x88, 0xc8 }, MOV_ST, 0x88, 1, 4, 3, CX,
	  AX, .rex = 0 },
	/* prefixes */
	{ "mov eax, fs:[ebx]", 32, 3, { 0x64, 0x8b, 0x03 }, MOV_LD, 0x8b, 4, 4, 0, AX, BX,
	  .base = BX, .seg = 0x64 },
	{ "gs", 32, 3, { 0x65, 0x8b, 0x03 }, MOV_LD, 0x8b, 4, 4, 0, AX, BX, .base = BX,
	  .seg = 0x65 },
	{ "es", 32, 3, { 0x26, 0x8b, 0x03 }, MOV_LD, 0x8b, 4, 4, 0, AX, BX, .base = BX,
	  .seg = 0x26 },
	{ "cs", 32, 3, { 0x2e, 0x8b, 0x03 }, MOV_LD, 0x8b, 4, 4, 0, AX, BX, .base = BX,
	  .seg = 0x2e },
	{ "ss", 32, 3, { 0x36, 0x8b, 0x03 }, MOV_LD, 0x8b, 4, 4, 0, AX, BX, .base = BX,
	  .seg = 0x36 },
	{ "ds", 32, 3, { 0x3e, 0x8b, 0x03 }, MOV_LD, 0x8b, 4, 4, 0, AX, BX, .base = BX,
	  .seg = 0x3e },
	{ "lock mov [ebx], eax", 32, 3, { 0xf0, 0x89, 0x03 }, MOV_ST, 0x89, 4, 4, 0, AX, BX,
	  .base = BX, .lock = true },
	/* 64-bit mode */
	{ "mov rax, rcx (REX.W)", 64, 3, { 0x48, 0x89, 0xc8 }, MOV_ST, 0x89, 8, 8, 3, CX, AX,
	  .rex = 0x48 },
	{ "mov eax, ecx in 64-bit", 64, 2, { 0x89, 0xc8 }, MOV_ST, 0x89, 4, 8, 3, CX, AX,
	  .rex = 0 },
	{ "mov rax, r8 (REX.WR)", 64, 3, { 0x4c, 0x89, 0xc0 }, MOV_ST, 0x89, 8, 8, 3, R8, AX,
	  .rex = 0x4c },
	{ "mov r15d, eax (REX.B)", 64, 3, { 0x41, 0x89, 0xc7 }, MOV_ST, 0x89, 4, 8, 3, AX, R15,
	  .rex = 0x41 },
	{ "mov r9b, r10b (REX.RB)", 64, 3, { 0x45, 0x88, 0xd1 }, MOV_ST, 0x88, 1, 8, 3, R10, R9,
	  .rex = 0x45 },
	{ "mov eax, [r8] (REX.B)", 64, 3, { 0x41, 0x8b, 0x00 }, MOV_LD, 0x8b, 4, 8, 0, AX, R8,
	  .base = R8, .rex = 0x41 },
	{ "mov eax, [rax+r12*4] (REX.X, index r12)", 64, 4, { 0x42, 0x8b, 0x04, 0xa0 }, MOV_LD,
	  0x8b, 4, 8, 0, AX, SP, .sib = true, .scale = 2, .index = R12, .base = AX, .rex = 0x42 },
	{ "mov eax, [r12+r12] (REX.XB)", 64, 4, { 0x43, 0x8b, 0x04, 0x24 }, MOV_LD, 0x8b, 4, 8, 0,
	  AX, R12, .sib = true, .index = R12, .base = R12, .rex = 0x43 },
	{ "mov eax, [r12] (REX.B, SIB index none)", 64, 4, { 0x41, 0x8b, 0x04, 0x24 }, MOV_LD,
	  0x8b, 4, 8, 0, AX, R12, .sib = true, .index = SP, .base = R12, .rex = 0x41 },
	{ "mov eax, [r13+0] (REX.B, mod 1)", 64, 4, { 0x41, 0x8b, 0x45, 0x00 }, MOV_LD, 0x8b, 4,
	  8, 1, AX, R13, .base = R13, .rex = 0x41 },
	{ "mov eax, [0x1000] (SIB base 5 mod 0, REX.B: still no base)", 64, 8,
	  { 0x41, 0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00 }, MOV_LD, 0x8b, 4, 8, 0, AX, R12,
	  .sib = true, .index = SP, .base = R13, .no_base = true, .disp = 0x1000, .rex = 0x41 },
	{ "mov r10, [r9+r11*8+0x7fffffff] (REX.WRXB)", 64, 8,
	  { 0x4f, 0x8b, 0x94, 0xd9, 0xff, 0xff, 0xff, 0x7f }, MOV_LD, 0x8b, 8, 8, 2, R10, R12,
	  .sib = true, .scale = 3, .index = R11, .base = R9, .disp = 0x7fffffff, .rex = 0x4f },
	{ "mov eax, [rip+0x10]", 64, 6, { 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00 }, MOV_LD, 0x8b, 4,
	  8, 0, AX, BP, .no_base = true, .rip = true, .disp = 0x10 },
	{ "mov eax, [rip-16] (REX.B does not change RIP-relative)", 64, 7,
	  { 0x41, 0x8b, 0x05, 0xf0, 0xff, 0xff, 0xff }, MOV_LD, 0x8b, 4, 8, 0, AX, R13,
	  .no_base = true, .rip = true, .disp = -16, .rex = 0x41 },
	{ "mov ax, [rax] (66 in 64-bit)", 64, 3, { 0x66, 0x8b, 0x00 }, MOV_LD, 0x8b, 2, 8, 0, AX,
	  AX, .base = AX },
	{ "66 REX.W: REX.W wins", 64, 4, { 0x66, 0x48, 0x89, 0x08 }, MOV_ST, 0x89, 8, 8, 0, CX,
	  AX, .base = AX, .rex = 0x48 },
	{ "mov eax, [ebx] (67 in 64-bit)", 64, 3, { 0x67, 0x8b, 0x03 }, MOV_LD, 0x8b, 4, 4, 0, AX,
	  BX, .base = BX },
	{ "mov qword [rax], -1 (imm32 sign-extended)", 64, 7,
	  { 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff }, MOV_IMM, 0xc7, 8, 8, 0, 0, AX, .base = AX,
	  .imm = 0xffffffffffffffffULL, .rex = 0x48 },
	{ "mov qword [rax], 0x80000000 -> sign-extended", 64, 7,
	  { 0x48, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x80 }, MOV_IMM, 0xc7, 8, 8, 0, 0, AX, .base = AX,
	  .imm = 0xffffffff80000000ULL, .rex = 0x48 },
	{ "mov qword [rax], 0x7fffffff", 64, 7, { 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0x7f },
	  MOV_IMM, 0xc7, 8, 8, 0, 0, AX, .base = AX, .imm = 0x7fffffff, .rex = 0x48 },
	{ "mov dword [rax], 0x80000000 (no extension at 4 bytes)", 64, 6,
	  { 0xc7, 0x00, 0x00, 0x00, 0x00, 0x80 }, MOV_IMM, 0xc7, 4, 8, 0, 0, AX, .base = AX,
	  .imm = 0x80000000 },
	{ "C7 /0 with REX.R (reg field extension ignored)", 64, 7,
	  { 0x44, 0xc7, 0x00, 0x01, 0x00, 0x00, 0x00 }, MOV_IMM, 0xc7, 4, 8, 0, 8, AX, .base = AX,
	  .imm = 1, .rex = 0x44 },
	{ "lock + seg + REX", 64, 5, { 0xf0, 0x65, 0x48, 0x89, 0x03 }, MOV_ST, 0x89, 8, 8, 0, AX,
	  BX, .base = BX, .seg = 0x65, .lock = true, .rex = 0x48 },
	/* 0F 38 (Key Locker) */
	{ "loadiwkey xmm2, xmm1 (F3 0F 38 DC /r)", 32, 5, { 0xf3, 0x0f, 0x38, 0xdc, 0xd1 },
	  INSN_0F38, 0xdc, 4, 4, 3, 2, 1, .rep = true },
	{ "F3 0F 38 DC in 64-bit", 64, 5, { 0xf3, 0x0f, 0x38, 0xdc, 0xd1 }, INSN_0F38, 0xdc, 4, 8,
	  3, 2, 1, .rep = true },
	{ "F3 REX.RB 0F 38 DC: xmm10, xmm9", 64, 6, { 0xf3, 0x45, 0x0f, 0x38, 0xdc, 0xd1 },
	  INSN_0F38, 0xdc, 4, 8, 3, 10, 9, .rep = true, .rex = 0x45 },
	{ "0F 38 DD with a memory operand", 64, 5, { 0x0f, 0x38, 0xdd, 0x50, 0x08 }, INSN_0F38,
	  0xdd, 4, 8, 1, 2, AX, .base = AX, .disp = 8 },
	/* 16-bit mode */
	{ "mov ax, cx in 16-bit", 16, 2, { 0x89, 0xc8 }, MOV_ST, 0x89, 2, 2, 3, CX, AX, .rex = 0 },
	{ "mov eax, ecx in 16-bit (66)", 16, 3, { 0x66, 0x89, 0xc8 }, MOV_ST, 0x89, 4, 2, 3, CX,
	  AX, .rex = 0 },
	{ "mov ax, [edi] in 16-bit (67)", 16, 3, { 0x67, 0x8b, 0x07 }, MOV_LD, 0x8b, 2, 4, 0, AX,
	  DI, .base = DI },
};
// clang-format on

static void check_case(const struct dcase *c, const u8 *buf, size_t len)
{
	struct insn in;
	const char *e = insn_decode(buf, len, c->mode, &in);

	if (e)
		fail_msg("%s: %s", c->what, e);
#define CHECK(field, want)                                                                    \
	do {                                                                                  \
		if ((u64)(in.field) != (u64)(want))                                           \
			fail_msg("%s: " #field " is %#llx, expected %#llx", c->what,          \
				 (unsigned long long)(in.field), (unsigned long long)(want)); \
	} while (0)
	CHECK(len, c->n);
	CHECK(kind, c->kind);
	CHECK(opcode, c->opcode);
	CHECK(op_size, c->op_size);
	CHECK(addr_size, c->addr_size);
	CHECK(mod, c->mod);
	CHECK(reg, c->reg);
	CHECK(rm, c->rm);
	CHECK(rex, c->rex);
	CHECK(seg, c->seg);
	CHECK(lock, c->lock);
	CHECK(rep, c->rep);
	CHECK(imm, c->imm);
	if (c->mod != 3) {
		CHECK(has_sib, c->sib);
		CHECK(index, c->sib ? c->index : 4);
		if (c->sib)
			CHECK(scale, c->scale);
		if (!c->no_base)
			CHECK(base, c->base);
		CHECK(no_base, c->no_base);
		CHECK(rip_relative, c->rip);
		CHECK(disp, c->disp);
	} else {
		CHECK(has_sib, false);
		CHECK(disp, 0);
		CHECK(rip_relative, false);
	}
#undef CHECK
}

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct dcase *c = &cases[i];
		u8 buf[32];

		/* exactly the instruction */
		check_case(c, c->b, c->n);
		/* followed by other bytes: the length still stops at the instruction */
		memset(buf, 0x90, sizeof(buf));
		memcpy(buf, c->b, c->n);
		check_case(c, buf, sizeof(buf));
		memset(buf, 0xff, sizeof(buf));
		memcpy(buf, c->b, c->n);
		check_case(c, buf, sizeof(buf));
	}
}

static void test_truncated(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct dcase *c = &cases[i];

		for (unsigned n = 0; n < c->n; n++) {
			struct insn in;
			u8 buf[16];

			/* a buffer exactly n bytes long, so ASan sees any overread */
			memcpy(buf, c->b, n);
			if (!insn_decode(n ? buf : NULL, n, c->mode, &in))
				fail_msg("%s: accepted with only %u of %u bytes", c->what, n, c->n);
		}
	}
}

static const char *decode(unsigned mode, const u8 *b, size_t n)
{
	struct insn in;

	return insn_decode(b, n, mode, &in);
}

#define REJECT(mode, ...)                                      \
	do {                                                   \
		static const u8 b_[] = { __VA_ARGS__ };        \
		assert_non_null(decode(mode, b_, sizeof(b_))); \
	} while (0)

#define ACCEPT(mode, want_len, ...)                                   \
	do {                                                          \
		static const u8 b_[] = { __VA_ARGS__ };               \
		struct insn in_;                                      \
		assert_null(insn_decode(b_, sizeof(b_), mode, &in_)); \
		assert_int_equal(in_.len, want_len);                  \
	} while (0)

static void test_length_limit(void **state)
{
	u8 buf[20];
	size_t n = 0;

	(void)state;
	/* 3 x DS + REX.W C7 /0 with SIB, disp32 and imm32 = 15 bytes: the limit */
	static const u8 body[] = { 0x48, 0xc7, 0x84, 0x8d, 0x78, 0x56,
				   0x34, 0x12, 0xef, 0xbe, 0xad, 0xde };

	memset(buf, 0xcc, sizeof(buf));
	for (; n < 3; n++)
		buf[n] = 0x3e;
	memcpy(buf + n, body, sizeof(body));
	assert_null(decode(64, buf, 15));
	{
		struct insn in;

		assert_null(insn_decode(buf, 15, 64, &in));
		assert_int_equal(in.len, 15);
		assert_int_equal(in.imm, 0xffffffffdeadbeefULL);
		assert_int_equal(in.disp, 0x12345678);
	}
	/* one more prefix makes 16 bytes: invalid even with all the bytes present */
	memmove(buf + 1, buf, 15);
	buf[0] = 0x3e;
	assert_non_null(decode(64, buf, 16));
	assert_non_null(decode(64, buf, sizeof(buf)));
	/* 15 prefixes and no opcode */
	memset(buf, 0x66, sizeof(buf));
	assert_non_null(decode(32, buf, sizeof(buf)));
	/* 32-bit: 7 prefixes + C7 84 SIB disp32 imm32 = 18 bytes */
	memset(buf, 0x2e, 7);
	memcpy(buf + 7, body + 1, 11);
	assert_non_null(decode(32, buf, 18));
	/* ...but with 4 prefixes it is 15 */
	assert_null(decode(32, buf + 3, 15));
}

static void test_unsupported(void **state)
{
	(void)state;
	REJECT(32, 0x90, 0x90); /* nop */
	REJECT(32, 0x8d, 0x03); /* lea */
	REJECT(32, 0x8c, 0xd8); /* mov r/m, sreg */
	REJECT(32, 0xff, 0x03); /* inc/dec/call/jmp group */
	REJECT(32, 0x05, 1, 0, 0, 0); /* add eax, imm32: no memory operand */
	REJECT(32, 0x82, 0x03, 1); /* 82 (an alias of 80 outside 64-bit mode) */
	REJECT(32, 0x63, 0x03); /* ARPL, not MOVSXD, outside 64-bit mode */
	REJECT(32, 0xf7, 0x13); /* not */
	REJECT(32, 0x0f, 0xba, 0x03, 1); /* 0F BA /0: only /4-7 exist */
	REJECT(32, 0x0f, 0x01, 0xd0); /* 0F 01 */
	REJECT(32, 0x0f, 0x3a, 0x0f, 0xc1, 0x00); /* 0F 3A */
	REJECT(32, 0x0f);
	REJECT(64, 0x0f, 0x38);
	REJECT(32, 0x48, 0x89, 0xc8); /* 48 is DEC in 32-bit mode, not REX */
	REJECT(16, 0x41, 0x8b, 0x00);
}

/*
 * SDM Vol. 2, 2.2.1: a REX prefix that does not immediately precede the
 * opcode is ignored.  Only the last prefix before the opcode can be REX.
 */
static void test_prefix_after_rex(void **state)
{
	static const u8 w66[] = { 0x48, 0x66, 0x89, 0xc8 };
	static const u8 kl[] = { 0x41, 0xf3, 0x0f, 0x38, 0xdc, 0x1f };
	static const u8 two[] = { 0x40, 0x4f, 0x89, 0xc8 };
	static const u8 fs[] = { 0x48, 0x64, 0x89, 0x00 };
	struct insn in;

	(void)state;
	assert_null(insn_decode(w66, sizeof(w66), 64, &in));
	assert_int_equal(in.rex, 0);
	assert_int_equal(in.op_size, 2); /* 66 applies; the ignored REX.W does not */
	assert_int_equal(in.len, 4);
	assert_null(insn_decode(kl, sizeof(kl), 64, &in));
	assert_int_equal(in.rex, 0);
	assert_true(in.rep);
	assert_int_equal(in.base, 7); /* [rdi], not [r15]: REX.B was ignored */
	assert_int_equal(in.len, 6);
	assert_null(insn_decode(two, sizeof(two), 64, &in));
	assert_int_equal(in.rex, 0x4f); /* the last REX counts */
	assert_int_equal(in.reg, 9);
	assert_int_equal(in.rm, 8);
	assert_null(insn_decode(fs, sizeof(fs), 64, &in));
	assert_int_equal(in.rex, 0);
	assert_int_equal(in.seg, 0x64);
	assert_int_equal(in.op_size, 4);
	/* a REX with nothing after it */
	REJECT(64, 0x48);
	/* REX directly before the opcode, after other prefixes, is fine */
	ACCEPT(64, 4, 0x66, 0x48, 0x89, 0xc8);
	ACCEPT(64, 3, 0x40, 0x88, 0xc6);
}

static void test_c6_c7_reg_field(void **state)
{
	(void)state;
	for (unsigned r = 1; r < 8; r++) {
		u8 c7[] = { 0xc7, (u8)(r << 3), 1, 2, 3, 4 };
		u8 c6[] = { 0xc6, (u8)(0xc0 | r << 3), 1 };

		assert_non_null(decode(32, c7, sizeof(c7)));
		assert_non_null(decode(64, c7, sizeof(c7)));
		assert_non_null(decode(32, c6, sizeof(c6)));
	}
	ACCEPT(32, 6, 0xc7, 0x00, 1, 2, 3, 4);
	ACCEPT(32, 3, 0xc6, 0xc0, 1);
}

static void test_bad_mode(void **state)
{
	static const u8 b[] = { 0x89, 0xc8 };

	(void)state;
	assert_non_null(decode(0, b, 2));
	assert_non_null(decode(8, b, 2));
	assert_non_null(decode(48, b, 2));
	assert_null(decode(16, b, 2));
}

static void test_last_rep_prefix(void **state)
{
	struct insn in;
	static const u8 f2f3[] = { 0xf2, 0xf3, 0x0f, 0x38, 0xdc, 0xd1 };
	static const u8 f3f2[] = { 0xf3, 0xf2, 0x0f, 0x38, 0xdc, 0xd1 };
	static const u8 segs[] = { 0x26, 0x64, 0x8b, 0x03 };

	(void)state;
	assert_null(insn_decode(f2f3, sizeof(f2f3), 64, &in));
	assert_true(in.rep);
	assert_false(in.repne);
	assert_int_equal(in.len, 6);
	assert_null(insn_decode(f3f2, sizeof(f3f2), 64, &in));
	assert_false(in.rep);
	assert_true(in.repne);
	/* of two segment prefixes, the last counts */
	assert_null(insn_decode(segs, sizeof(segs), 32, &in));
	assert_int_equal(in.seg, 0x64);
	assert_int_equal(in.len, 4);
}

/*
 * INS/OUTS (SDM Vol. 2, INS and OUTS): no ModRM, the size from bit 0 and
 * 66, the address size from the mode and 67, a segment override (the CPU
 * honours it for OUTS only), REP; REX.W does not make them 64-bit.  Bytes
 * as `as` produces them for the instructions in the comments.
 */
static void test_string_io(void **state)
{
	static const struct {
		const char *what;
		unsigned mode, len;
		u8 b[6];
		u8 opcode;
		unsigned op_size, addr_size;
		u8 seg;
		bool rep, repne;
	} c[] = {
		{ "insb (64)", 64, 1, { 0x6c }, 0x6c, 1, 8, 0, false, false },
		{ "insl (64)", 64, 1, { 0x6d }, 0x6d, 4, 8, 0, false, false },
		{ "insw (64)", 64, 2, { 0x66, 0x6d }, 0x6d, 2, 8, 0, false, false },
		{ "outsb (64)", 64, 1, { 0x6e }, 0x6e, 1, 8, 0, false, false },
		{ "rep outsl (64)", 64, 2, { 0xf3, 0x6f }, 0x6f, 4, 8, 0, true, false },
		{ "rep insw %dx,(%edi) (64, 67)",
		  64,
		  4,
		  { 0x66, 0x67, 0xf3, 0x6d },
		  0x6d,
		  2,
		  4,
		  0,
		  true,
		  false },
		{ "rep outsb %fs:(%rsi) (64)",
		  64,
		  3,
		  { 0xf3, 0x64, 0x6e },
		  0x6e,
		  1,
		  8,
		  0x64,
		  true,
		  false },
		{ "rex.w outsl (64): still a doubleword",
		  64,
		  2,
		  { 0x48, 0x6f },
		  0x6f,
		  4,
		  8,
		  0,
		  false,
		  false },
		{ "repnz insb (64): F2 repeats INS too",
		  64,
		  2,
		  { 0xf2, 0x6c },
		  0x6c,
		  1,
		  8,
		  0,
		  false,
		  true },
		{ "addr16 rep insb (32)", 32, 3, { 0x67, 0xf3, 0x6c }, 0x6c, 1, 2, 0, true, false },
		{ "outsw %es:(%esi) (32)",
		  32,
		  3,
		  { 0x26, 0x66, 0x6f },
		  0x6f,
		  2,
		  4,
		  0x26,
		  false,
		  false },
		{ "rep outsw (16)", 16, 2, { 0xf3, 0x6f }, 0x6f, 2, 2, 0, true, false },
		{ "outsl (16)", 16, 2, { 0x66, 0x6f }, 0x6f, 4, 2, 0, false, false },
		{ "addr32 insb (16)", 16, 2, { 0x67, 0x6c }, 0x6c, 1, 4, 0, false, false },
	};
	struct insn in;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		const char *e = insn_decode(c[i].b, c[i].len, c[i].mode, &in);

		if (e)
			fail_msg("%s: %s", c[i].what, e);
		assert_int_equal(in.kind, INSN_STRING_IO);
		assert_int_equal(in.len, c[i].len);
		assert_int_equal(in.opcode, c[i].opcode);
		assert_int_equal(in.op_size, c[i].op_size);
		assert_int_equal(in.addr_size, c[i].addr_size);
		assert_int_equal(in.seg, c[i].seg);
		assert_int_equal(in.rep, c[i].rep);
		assert_int_equal(in.repne, c[i].repne);
		/* the byte after the opcode is not a ModRM: a longer buffer decodes the same */
		{
			u8 more[16] = { 0 };

			memcpy(more, c[i].b, c[i].len);
			more[c[i].len] = 0x04; /* would ask for a SIB byte */
			assert_null(insn_decode(more, sizeof(more), c[i].mode, &in));
			assert_int_equal(in.len, c[i].len);
		}
	}
	/* only prefixes: truncated */
	REJECT(64, 0xf3);
	REJECT(32, 0x66, 0x67);
}

/* Effective addresses */

static u64 regs[16];

static u64 ea_of(unsigned mode, const u8 *b, size_t n, u64 rip_next)
{
	u64 gprs[16];
	struct insn in;
	const char *e = insn_decode(b, n, mode, &in);

	if (e)
		fail_msg("%s", e);
	assert_int_equal(in.len, n);
	/* RSP is passed on its own: its slot in the array must never be read. */
	memcpy(gprs, regs, sizeof(gprs));
	gprs[4] = 0xbad0bad0bad0bad0ULL;
	return insn_effective_address(&in, gprs, regs[4], rip_next);
}

#define EA(mode, rip_next, ...)                         \
	({                                              \
		static const u8 b_[] = { __VA_ARGS__ }; \
		ea_of(mode, b_, sizeof(b_), rip_next);  \
	})

static void set_regs(void)
{
	/* distinct values, so a wrong register shows */
	for (unsigned i = 0; i < 16; i++)
		regs[i] = 0x1111111100000000ULL * (i + 1) + 0x10000 * (i + 1);
}

static void test_ea_32bit(void **state)
{
	(void)state;
	set_regs();
	regs[BX] = 0x1000;
	regs[SI] = 0x20;
	/* [ebx+esi*4] */
	assert_int_equal(EA(32, 0, 0x89, 0x14, 0xb3), 0x1080);
	/* [ebx+0x20], [ebx-0x10] */
	assert_int_equal(EA(32, 0, 0x8b, 0x43, 0x20), 0x1020);
	assert_int_equal(EA(32, 0, 0x8b, 0x43, 0xf0), 0xff0);
	/* only the low 32 bits of a register count */
	regs[BX] = 0xaaaaaaaa00001000ULL;
	assert_int_equal(EA(32, 0, 0x8b, 0x43, 0x20), 0x1020);
	/* wrap-around at 4 GiB */
	regs[BX] = 0xfffffff0;
	assert_int_equal(EA(32, 0, 0x8b, 0x43, 0x20), 0x10);
	assert_int_equal(EA(32, 0, 0x8b, 0x83, 0x00, 0x00, 0x00, 0x80), 0x7ffffff0);
	/* [disp32]: absolute, no register */
	assert_int_equal(EA(32, 0x5000, 0x8b, 0x05, 0x00, 0x03, 0xe0, 0xfe), 0xfee00300);
	/* [esp+8]: SIB index 4 means none */
	regs[SP] = 0x7000;
	assert_int_equal(EA(32, 0, 0x8b, 0x44, 0x24, 0x08), 0x7008);
	/* [eax*8+0x2000]: no base */
	regs[AX] = 3;
	assert_int_equal(EA(32, 0, 0x8b, 0x04, 0xc5, 0x00, 0x20, 0x00, 0x00), 0x2018);
	/* [edx+ecx*2-0x100] */
	regs[DX] = 0x10000;
	regs[CX] = 0x8;
	assert_int_equal(EA(32, 0, 0x8b, 0xbc, 0x4a, 0x00, 0xff, 0xff, 0xff), 0xff10);
	/* [ebp+8] through SIB base 5 with mod 1 */
	regs[BP] = 0x9000;
	assert_int_equal(EA(32, 0, 0x8b, 0x44, 0x25, 0x08), 0x9008);
	/* 16-bit code with a 67 prefix uses 32-bit addresses */
	regs[DI] = 0x123456789ULL;
	assert_int_equal(EA(16, 0, 0x67, 0x8b, 0x07), 0x23456789);
}

/*
 * 16-bit addressing (issue 8, item 11: AES*KL in real mode, or with 0x67
 * in 32-bit code, got #UD because e6e6724 rejected these).  The bytes are
 * what `as --32` produces for the instructions in the comments (.code16
 * unless noted); the expected addresses follow SDM Vol. 2, table 2-1.
 */
static void test_16bit_addressing(void **state)
{
	(void)state;
	set_regs();
	regs[BX] = 0xaaaa1000; /* only the low 16 bits count */
	regs[SI] = 0x0020;
	regs[DI] = 0x0300;
	regs[BP] = 0x7000;
	assert_int_equal(EA(16, 0, 0x8b, 0x00), 0x1020); /* mov (%bx,%si),%ax */
	assert_int_equal(EA(16, 0, 0x8b, 0x01), 0x1300); /* mov (%bx,%di),%ax */
	assert_int_equal(EA(16, 0, 0x8b, 0x42, 0x02), 0x7022); /* mov 2(%bp,%si),%ax */
	assert_int_equal(EA(16, 0, 0x8b, 0x43, 0xfe), 0x72fe); /* mov -2(%bp,%di),%ax */
	assert_int_equal(EA(16, 0, 0x8b, 0x04), 0x0020); /* mov (%si),%ax */
	assert_int_equal(EA(16, 0, 0x8b, 0x85, 0x34, 0x12), 0x1534); /* mov 0x1234(%di),%ax */
	assert_int_equal(EA(16, 0, 0x8b, 0x46, 0x04), 0x7004); /* mov 4(%bp),%ax */
	assert_int_equal(EA(16, 0, 0x8b, 0x07), 0x1000); /* mov (%bx),%ax */
	assert_int_equal(EA(16, 0, 0xc7, 0x06, 0x00, 0x10, 0x34, 0x12),
			 0x1000); /* movw $0x1234,0x1000 */
	/* aesenc128kl 0x10(%bx,%si),%xmm1 */
	assert_int_equal(EA(16, 0, 0xf3, 0x0f, 0x38, 0xdc, 0x48, 0x10), 0x1030);
	/* .code32: addr16 aesenc128kl (%bp,%di),%xmm2 */
	assert_int_equal(EA(32, 0, 0x67, 0xf3, 0x0f, 0x38, 0xdc, 0x13), 0x7300);
	/* wrap-around at 64 KiB */
	regs[BX] = 0xfff0;
	assert_int_equal(EA(16, 0, 0x8b, 0x00), 0x0010);
	/* truncated displacements */
	REJECT(16, 0x8b, 0x85, 0x34);
	REJECT(16, 0x8b, 0x06, 0x00);
	/* register forms do not address memory */
	ACCEPT(16, 2, 0x8b, 0xc1);
	ACCEPT(16, 4, 0xc7, 0xc0, 0x34, 0x12);
	ACCEPT(32, 3, 0x67, 0x89, 0xc8);
}

static void test_ea_64bit(void **state)
{
	(void)state;
	set_regs();
	/* RIP-relative: the next instruction's address plus disp32 */
	assert_int_equal(EA(64, 0x401006, 0x8b, 0x05, 0xf0, 0xff, 0xff, 0xff), 0x400ff6);
	assert_int_equal(EA(64, 0xffffffff80001007ULL, 0x41, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00),
			 0xffffffff80001017ULL);
	/* [rax+r12*4+8] */
	regs[AX] = 0x10000;
	regs[R12] = 0x100;
	assert_int_equal(EA(64, 0, 0x42, 0x8b, 0x44, 0xa0, 0x08), 0x10408);
	/* [r12] and [r12+r12] */
	assert_int_equal(EA(64, 0, 0x41, 0x8b, 0x04, 0x24), 0x100);
	assert_int_equal(EA(64, 0, 0x43, 0x8b, 0x04, 0x24), 0x200);
	/* [0x1000] through SIB base 5, mod 0, REX.B: r13 is not added */
	assert_int_equal(EA(64, 0x5555, 0x41, 0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00), 0x1000);
	/* disp32 sign-extends to 64 bits, no truncation */
	regs[AX] = 0x100000000ULL;
	assert_int_equal(EA(64, 0, 0x48, 0x8b, 0x80, 0x00, 0xff, 0xff, 0xff), 0xffffff00);
	regs[AX] = 0x10;
	assert_int_equal(EA(64, 0, 0x48, 0x8b, 0x40, 0xe0), 0xfffffffffffffff0ULL);
	/* [r9+r11*8+0x7fffffff] with 64-bit registers */
	regs[R9] = 0x123400000000ULL;
	regs[R11] = 0x10;
	assert_int_equal(EA(64, 0, 0x4f, 0x8b, 0x94, 0xd9, 0xff, 0xff, 0xff, 0x7f),
			 0x123400000000ULL + 0x80 + 0x7fffffff);
	/* [index*scale+disp32] without base, negative displacement */
	regs[CX] = 0x1000;
	assert_int_equal(EA(64, 0, 0x8b, 0x04, 0x4d, 0xf8, 0xff, 0xff, 0xff), 0x1ff8);
	/* 67: 32-bit address size, also for RIP-relative */
	regs[BX] = 0x100001000ULL;
	assert_int_equal(EA(64, 0, 0x67, 0x8b, 0x03), 0x1000);
	assert_int_equal(EA(64, 0x100000010ULL, 0x67, 0x8b, 0x05, 0x00, 0x00, 0x00, 0x00), 0x10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_prefix_after_rex),
		cmocka_unit_test(test_c6_c7_reg_field),
		cmocka_unit_test(test_16bit_addressing),
		cmocka_unit_test(test_bad_mode),
		cmocka_unit_test(test_last_rep_prefix),
		cmocka_unit_test(test_string_io),
		cmocka_unit_test(test_ea_32bit),
		cmocka_unit_test(test_ea_64bit),
	};

	return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
