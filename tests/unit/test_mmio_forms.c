// SPDX-License-Identifier: MIT
/*
 * Every instruction form klvisor emulates on a device page (the xAPIC),
 * decoded from bytes the host assembler produced (mmio_forms.S) and
 * emulated against a fake device register.  The expected decode fields,
 * effective addresses, device accesses and register and flag results
 * below are worked out by hand from the SDM (Vol. 2, each instruction's
 * "Operation" and "Flags Affected"; Vol. 1, 3.4.1.1 for partial register
 * writes), not taken from the code.  The ALU flags are also compared with
 * the host CPU's own, over many operands.
 */
#include <string.h>

#include "tests/unit/support.h"
#include "vmm/decode.h"
#include "vmm/emulate.h"

enum { AX, CX, DX, BX, SP, BP, SI, DI, R8, R9, R10, R11, R12, R13, R14, R15 };
enum { AH = SP }; /* byte register 4 without REX */

#define CF EMU_CF
#define PF EMU_PF
#define AF EMU_AF
#define ZF EMU_ZF
#define SF EMU_SF
#define OF EMU_OF

struct form {
	const char *name;
	const u8 *start, *end;
	u64 bits;
};

extern const struct form mmio_forms[], mmio_forms_end[];
extern const struct form mmio_unsupported[], mmio_unsupported_end[];

/* Register i starts as 0xdead0000beef_(0x10+i)(0x20+i): AL 0x20, AH 0x10, CL 0x21, SIL 0x26... */
static u64 reg0(unsigned i)
{
	return 0xdead0000beef0000ULL | (u64)(0x10 + i) << 8 | (0x20 + i);
}

#define RBX	 0xdead0000beef1323ULL
#define RIP_NEXT 0x40000000ULL
#define KEEP	 (~0ULL) /* flags: unchanged */
#define NONE	 (-1)

struct fcase {
	const char *name;
	enum insn_kind kind;
	u8 alu, op_size, reg, seg;
	u64 ea, imm;
	bool lock;
	u64 mem, rfl_in; /* the device register; the arithmetic flags before */
	u8 rd, wr; /* sizes of the device read and write, 0 if none */
	u64 wval;
	int dreg; /* the register written, or NONE */
	u64 dval, rfl_out; /* its value; the arithmetic flags after, or KEEP */
};

#define LD  INSN_MOV_LOAD
#define ST  INSN_MOV_STORE
#define STI INSN_MOV_STORE_IMM
#define MX  INSN_MOVX
#define AS  INSN_ALU_STORE
#define AL  INSN_ALU_LOAD
#define AI  INSN_ALU_IMM

// clang-format off
static const struct fcase cases[] = {
	/* MOV: the register result is zero-extended from 32 bits, merged below that */
	{ "A1 moffs32 load, 32-bit", LD, 0, 4, AX, .ea = 0xfee00020, .mem = 0x05000000, .rd = 4,
	  .dreg = AX, .dval = 0x05000000, .rfl_in = ZF | CF, .rfl_out = KEEP },
	{ "A1 moffs64 load", LD, 0, 4, AX, .ea = 0xfee00020, .mem = 0x05000000, .rd = 4,
	  .dreg = AX, .dval = 0x05000000, .rfl_out = KEEP },
	{ "A3 moffs store, 32-bit", ST, 0, 4, AX, .ea = 0xfee000b0, .wr = 4, .wval = 0xbeef1020,
	  .dreg = NONE, .rfl_out = KEEP },
	{ "A0 moffs byte load, 32-bit", LD, 0, 1, AX, .ea = 0xfee00030, .mem = 0x42, .rd = 1,
	  .dreg = AX, .dval = 0xdead0000beef1042, .rfl_out = KEEP },
	{ "66 A3 moffs word store, 32-bit", ST, 0, 2, AX, .ea = 0xfee00080, .wr = 2, .wval = 0x1020,
	  .dreg = NONE, .rfl_out = KEEP },
	{ "REX.W A1 moffs64 load", LD, 0, 8, AX, .ea = 0xfee00030, .mem = 0x1122334455667788,
	  .rd = 8, .dreg = AX, .dval = 0x1122334455667788, .rfl_out = KEEP },
	{ "67 A1 moffs32 load in 64-bit", LD, 0, 4, AX, .ea = 0xfee00020, .mem = 0x05000000,
	  .rd = 4, .dreg = AX, .dval = 0x05000000, .rfl_out = KEEP },
	{ "67 66 A1 moffs32 load in 16-bit", LD, 0, 4, AX, .ea = 0xfee00020, .mem = 0x05000000,
	  .rd = 4, .dreg = AX, .dval = 0x05000000, .rfl_out = KEEP },
	{ "8B load disp32, 32-bit", LD, 0, 4, BX, .ea = 0xfee00020, .mem = 0x05000000, .rd = 4,
	  .dreg = BX, .dval = 0x05000000, .rfl_out = KEEP },
	{ "8B load SIB absolute, 64-bit", LD, 0, 4, CX, .ea = 0x7fee0020, .mem = 0x05000000,
	  .rd = 4, .dreg = CX, .dval = 0x05000000, .rfl_out = KEEP },
	{ "8B load 16-bit [bx+si+disp8]", LD, 0, 2, AX, .ea = 0x2969, .mem = 0xabcd, .rd = 2,
	  .dreg = AX, .dval = 0xdead0000beefabcd, .rfl_out = KEEP },
	{ "89 store FS override, 32-bit", ST, 0, 4, CX, 0x64, .ea = 0xbeef1646, .wr = 4,
	  .wval = 0xbeef1121, .dreg = NONE, .rfl_out = KEEP },
	{ "89 store GS SIB scale 8, REX.XB", ST, 0, 4, AX, 0x65, .ea = 0xd4150006b66805a4,
	  .wr = 4, .wval = 0xbeef1020, .dreg = NONE, .rfl_out = KEEP },
	{ "8B load SIB scale 4", LD, 0, 4, AX, .ea = 0x59610003baab57c7, .mem = 5, .rd = 4,
	  .dreg = AX, .dval = 5, .rfl_out = KEEP },
	{ "8B load RIP-relative", LD, 0, 4, DX, .ea = RIP_NEXT + 0x100, .mem = 7, .rd = 4,
	  .dreg = DX, .dval = 7, .rfl_out = KEEP },
	{ "8A load into AH", LD, 0, 1, AH, .ea = RBX + 0x20, .mem = 0x77, .rd = 1, .dreg = AX,
	  .dval = 0xdead0000beef7720, .rfl_out = KEEP },
	{ "REX 88 store SIL", ST, 0, 1, SI, .ea = RBX, .wr = 1, .wval = 0x26, .dreg = NONE,
	  .rfl_out = KEEP },
	{ "66 REX 8B load R9W", LD, 0, 2, R9, .ea = RBX, .mem = 0xabcd, .rd = 2, .dreg = R9,
	  .dval = 0xdead0000beefabcd, .rfl_out = KEEP },
	{ "C7 store imm32, 32-bit", STI, 0, 4, 0, .ea = 0xbeef1413, .imm = 0x1ff, .wr = 4,
	  .wval = 0x1ff, .dreg = NONE, .rfl_out = KEEP },
	{ "C6 store imm8", STI, 0, 1, 0, .ea = RBX + 0x80, .imm = 0xff, .wr = 1, .wval = 0xff,
	  .dreg = NONE, .rfl_out = KEEP },
	{ "REX.W C7 store sign-extended imm32", STI, 0, 8, 0, .ea = RBX,
	  .imm = 0xfffffffffffffffe, .wr = 8, .wval = 0xfffffffffffffffe, .dreg = NONE,
	  .rfl_out = KEEP },
	/* MOVZX / MOVSX / MOVSXD: op_size is the destination's, the read is the source's */
	{ "0F B6 movzx r32, byte", MX, 0, 4, AX, .ea = RBX + 0x30, .mem = 0xab, .rd = 1,
	  .dreg = AX, .dval = 0xab, .rfl_out = KEEP },
	{ "0F B7 movzx r32, word", MX, 0, 4, CX, .ea = RBX + 0x30, .mem = 0x8001, .rd = 2,
	  .dreg = CX, .dval = 0x8001, .rfl_out = KEEP },
	{ "REX.W 0F BE movsx r64, byte", MX, 0, 8, DX, .ea = RBX + 0x30, .mem = 0x80, .rd = 1,
	  .dreg = DX, .dval = 0xffffffffffffff80, .rfl_out = KEEP },
	{ "0F BF movsx r32, word", MX, 0, 4, SI, .ea = RBX + 0x30, .mem = 0x8001, .rd = 2,
	  .dreg = SI, .dval = 0xffff8001, .rfl_out = KEEP },
	{ "REX.W 63 movsxd r64, dword", MX, 0, 8, R8, .ea = RBX + 0x20, .mem = 0x80000000,
	  .rd = 4, .dreg = R8, .dval = 0xffffffff80000000, .rfl_out = KEEP },
	{ "66 0F B6 movzx r16, byte", MX, 0, 2, AX, .ea = RBX, .mem = 0x7f, .rd = 1, .dreg = AX,
	  .dval = 0xdead0000beef007f, .rfl_out = KEEP },
	/* ALU: PF is set for an even number of ones in the result's low byte */
	{ "81 /1 or imm32", AI, ALU_OR, 4, 1, .ea = RBX + 0xf0, .imm = 0x100, .mem = 0xff,
	  .rd = 4, .wr = 4, .wval = 0x1ff, .dreg = NONE, .rfl_in = CF | OF, .rfl_out = PF },
	{ "81 /4 and imm32", AI, ALU_AND, 4, 4, .ea = RBX + 0xf0, .imm = 0xfffffeff,
	  .mem = 0x1ff, .rd = 4, .wr = 4, .wval = 0xff, .dreg = NONE, .rfl_out = PF },
	{ "83 /1 or imm8", AI, ALU_OR, 4, 1, .ea = RBX, .imm = 1, .mem = 0, .rd = 4, .wr = 4,
	  .wval = 1, .dreg = NONE, .rfl_in = ZF, .rfl_out = 0 },
	{ "31 xor r/m, reg", AS, ALU_XOR, 4, AX, .ea = RBX, .mem = 0xbeef1020, .rd = 4, .wr = 4,
	  .wval = 0, .dreg = NONE, .rfl_out = ZF | PF },
	{ "03 add reg, r/m", AL, ALU_ADD, 4, CX, .ea = RBX, .mem = 1, .rd = 4, .dreg = CX,
	  .dval = 0xbeef1122, .rfl_out = SF | PF },
	{ "83 /5 sub imm8", AI, ALU_SUB, 4, 5, .ea = RBX + 0x80, .imm = 0x10, .mem = 0x10,
	  .rd = 4, .wr = 4, .wval = 0, .dreg = NONE, .rfl_out = ZF | PF },
	{ "83 /7 cmp imm8", AI, ALU_CMP, 4, 7, .ea = RBX + 0x30, .imm = 0x14, .mem = 0x00050014,
	  .rd = 4, .dreg = NONE, .rfl_in = ZF, .rfl_out = PF },
	{ "3B cmp reg, r/m", AL, ALU_CMP, 4, AX, .ea = RBX, .mem = 0xbeef1021, .rd = 4,
	  .dreg = NONE, .rfl_out = CF | SF | PF | AF },
	{ "11 adc r/m, reg", AS, ALU_ADC, 4, AX, .ea = RBX, .mem = 0x4110efdf, .rfl_in = CF,
	  .rd = 4, .wr = 4, .wval = 0, .dreg = NONE, .rfl_out = CF | ZF | PF | AF },
	{ "80 /3 sbb byte imm8", AI, ALU_SBB, 1, 3, .ea = RBX, .imm = 1, .mem = 2, .rfl_in = CF,
	  .rd = 1, .wr = 1, .wval = 0, .dreg = NONE, .rfl_out = ZF | PF },
	{ "F7 /0 test imm32", AI, ALU_TEST, 4, 0, .ea = RBX + 0xf0, .imm = 0x100, .mem = 0x1ff,
	  .rd = 4, .dreg = NONE, .rfl_out = PF },
	{ "F6 /0 test byte imm8", AI, ALU_TEST, 1, 0, .ea = RBX + 0x21, .imm = 1, .mem = 1,
	  .rd = 1, .dreg = NONE, .rfl_in = ZF | PF, .rfl_out = 0 },
	{ "85 test r/m, reg", AS, ALU_TEST, 4, AX, .ea = RBX, .mem = 0, .rd = 4, .dreg = NONE,
	  .rfl_out = ZF | PF },
	{ "80 /1 or byte imm8", AI, ALU_OR, 1, 1, .ea = RBX + 0x80, .imm = 0x80, .mem = 0x10,
	  .rd = 1, .wr = 1, .wval = 0x90, .dreg = NONE, .rfl_out = SF | PF },
	{ "REX.W 83 /1 or qword imm8", AI, ALU_OR, 8, 1, .ea = RBX, .imm = 1,
	  .mem = 0x8000000000000000, .rd = 8, .wr = 8, .wval = 0x8000000000000001, .dreg = NONE,
	  .rfl_out = SF },
	{ "66 81 /1 or word imm16", AI, ALU_OR, 2, 1, .ea = RBX, .imm = 0x1234, .mem = 0, .rd = 2,
	  .wr = 2, .wval = 0x1234, .dreg = NONE, .rfl_out = 0 },
	{ "08 or byte r/m, AH", AS, ALU_OR, 1, AH, .ea = RBX, .mem = 1, .rd = 1, .wr = 1,
	  .wval = 0x11, .dreg = NONE, .rfl_out = PF },
	{ "REX.R 21 and r/m, R9D", AS, ALU_AND, 4, R9, .ea = RBX, .mem = 0xffff0000, .rd = 4,
	  .wr = 4, .wval = 0xbeef0000, .dreg = NONE, .rfl_out = SF | PF },
	{ "F0 83 /1 lock or imm8", AI, ALU_OR, 4, 1, .ea = RBX, .imm = 1, .lock = true, .mem = 2,
	  .rd = 4, .wr = 4, .wval = 3, .dreg = NONE, .rfl_out = PF },
	{ "2B sub reg, r/m, 32-bit", AL, ALU_SUB, 4, DX, .ea = 0xfee00030, .mem = 0x222, .rd = 4,
	  .dreg = DX, .dval = 0xbeef1000, .rfl_out = SF | PF },
	/* XCHG: the register gets the old device value */
	{ "87 xchg r/m, eax", INSN_XCHG, 0, 4, AX, .ea = RBX, .mem = 0x12345678, .rd = 4,
	  .wr = 4, .wval = 0xbeef1020, .dreg = AX, .dval = 0x12345678, .rfl_out = KEEP },
	{ "86 xchg byte r/m, cl", INSN_XCHG, 0, 1, CX, .ea = RBX, .mem = 0xaa, .rd = 1, .wr = 1,
	  .wval = 0x21, .dreg = CX, .dval = 0xdead0000beef11aa, .rfl_out = KEEP },
	/* BT*: CF is the old bit, ZF kept; the bit number is taken modulo the width */
	{ "0F BA /4 bt imm8", INSN_BT_IMM, ALU_BT, 4, 4, .ea = RBX + 0xf0, .imm = 8,
	  .mem = 0x1ff, .rd = 4, .dreg = NONE, .rfl_in = ZF, .rfl_out = ZF | CF },
	{ "0F BA /5 bts imm8", INSN_BT_IMM, ALU_BTS, 4, 5, .ea = RBX + 0xf0, .imm = 9,
	  .mem = 0x1ff, .rd = 4, .wr = 4, .wval = 0x3ff, .dreg = NONE, .rfl_in = CF | SF,
	  .rfl_out = SF },
	{ "0F B3 btr r/m, reg", INSN_BT, ALU_BTR, 4, CX, .ea = RBX, .mem = 3, .rd = 4, .wr = 4,
	  .wval = 1, .dreg = NONE, .rfl_out = CF },
	{ "0F BA /7 btc imm8", INSN_BT_IMM, ALU_BTC, 4, 7, .ea = RBX, .imm = 3, .mem = 0,
	  .rd = 4, .wr = 4, .wval = 8, .dreg = NONE, .rfl_out = 0 },
	{ "REX.W 0F A3 bt r/m64, reg", INSN_BT, ALU_BT, 8, AX, .ea = RBX, .mem = 0x100000000,
	  .rd = 8, .dreg = NONE, .rfl_out = CF },
	{ "0F AB bts r/m, reg, 32-bit", INSN_BT, ALU_BTS, 4, CX, .ea = 0xfee000f0, .mem = 0,
	  .rd = 4, .wr = 4, .wval = 2, .dreg = NONE, .rfl_out = 0 },
};
// clang-format on

static const struct form *find_form(const char *name)
{
	for (const struct form *f = mmio_forms; f < mmio_forms_end; f++)
		if (!strcmp(f->name, name))
			return f;
	fail_msg("no assembled form named '%s'", name);
	return NULL;
}

static struct emu_regs regs;

static void reset_regs(u64 rfl)
{
	for (unsigned i = 0; i < 16; i++)
		regs.gpr[i] = reg0(i);
	regs.rflags = 0x2 | rfl;
}

/* The fake device: one register, every access recorded. */
struct fake {
	u64 mem;
	unsigned reads, writes, rd_size, wr_size;
	u64 wval;
	const char *fail_read, *fail_write;
};

static const char *fake_read(void *ctx, unsigned size, u64 *val)
{
	struct fake *f = ctx;

	if (f->fail_read)
		return f->fail_read;
	f->reads++;
	f->rd_size = size;
	*val = f->mem & insn_size_mask(size);
	return NULL;
}

static const char *fake_write(void *ctx, unsigned size, u64 val)
{
	struct fake *f = ctx;

	if (f->fail_write)
		return f->fail_write;
	f->writes++;
	f->wr_size = size;
	f->wval = val;
	return NULL;
}

static void decode_form(const struct form *f, struct insn *in)
{
	size_t n = (size_t)(f->end - f->start);
	const char *e = insn_decode(f->start, n, (unsigned)f->bits, in);

	if (e)
		fail_msg("%s: %s", f->name, e);
	if (in->len != n)
		fail_msg("%s: decoded %u bytes, the assembler emitted %zu", f->name, in->len, n);
}

#define EXPECT(c, what, got, want)                                                       \
	do {                                                                             \
		if ((u64)(got) != (u64)(want))                                           \
			fail_msg("%s: %s is %#llx, expected %#llx", (c)->name, what,     \
				 (unsigned long long)(got), (unsigned long long)(want)); \
	} while (0)

static void test_decode_each_form(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct fcase *c = &cases[i];
		struct insn in;

		decode_form(find_form(c->name), &in);
		reset_regs(0);
		EXPECT(c, "kind", in.kind, c->kind);
		EXPECT(c, "op_size", in.op_size, c->op_size);
		EXPECT(c, "reg", in.reg, c->reg);
		EXPECT(c, "seg", in.seg, c->seg);
		EXPECT(c, "lock", in.lock, c->lock);
		if (c->kind != INSN_MOV_LOAD && c->kind != INSN_MOV_STORE && c->kind != INSN_MOVX &&
		    c->kind != INSN_XCHG)
			EXPECT(c, "alu", in.alu, c->alu);
		if (c->kind == INSN_MOV_STORE_IMM || c->kind == INSN_ALU_IMM ||
		    c->kind == INSN_BT_IMM)
			EXPECT(c, "imm", in.imm, c->imm);
		EXPECT(c, "effective address",
		       insn_effective_address(&in, regs.gpr, regs.gpr[4], RIP_NEXT), c->ea);
	}
	/* every assembled form has a case */
	for (const struct form *f = mmio_forms; f < mmio_forms_end; f++) {
		size_t i = 0;

		while (i < ARRAY_SIZE(cases) && strcmp(cases[i].name, f->name))
			i++;
		if (i == ARRAY_SIZE(cases))
			fail_msg("form '%s' has no expected result", f->name);
	}
}

static void test_emulate_each_form(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct fcase *c = &cases[i];
		struct fake f = { .mem = c->mem };
		struct emu_dev dev = { fake_read, fake_write, &f };
		struct emu_regs before;
		struct insn in;
		const char *e;

		decode_form(find_form(c->name), &in);
		reset_regs(c->rfl_in);
		before = regs;
		e = emu_device_insn(&in, &regs, &dev);
		if (e)
			fail_msg("%s: %s", c->name, e);
		EXPECT(c, "device reads", f.reads, c->rd ? 1 : 0);
		if (c->rd)
			EXPECT(c, "read size", f.rd_size, c->rd);
		EXPECT(c, "device writes", f.writes, c->wr ? 1 : 0);
		if (c->wr) {
			EXPECT(c, "write size", f.wr_size, c->wr);
			EXPECT(c, "value written", f.wval, c->wval);
		}
		for (unsigned n = 0; n < 16; n++) {
			u64 want = (int)n == c->dreg ? c->dval : before.gpr[n];

			if (regs.gpr[n] != want)
				fail_msg("%s: register %u is %#llx, expected %#llx", c->name, n,
					 (unsigned long long)regs.gpr[n], (unsigned long long)want);
		}
		EXPECT(c, "rflags", regs.rflags,
		       c->rfl_out == KEEP ? before.rflags : 0x2 | c->rfl_out);
	}
}

/* Every proper prefix of every form is refused, and nothing past the end is read. */
static void test_truncated_forms(void **state)
{
	(void)state;
	for (const struct form *f = mmio_forms; f < mmio_forms_end; f++) {
		size_t n = (size_t)(f->end - f->start);

		for (size_t k = 0; k < n; k++) {
			u8 buf[16];
			struct insn in;

			memcpy(buf, f->start, k);
			if (!insn_decode(k ? buf : NULL, k, (unsigned)f->bits, &in))
				fail_msg("%s: accepted with %zu of %zu bytes", f->name, k, n);
		}
	}
}

/* Forms klvisor does not emulate are refused. */
static void test_unsupported_forms(void **state)
{
	(void)state;
	for (const struct form *f = mmio_unsupported; f < mmio_unsupported_end; f++) {
		size_t n = (size_t)(f->end - f->start);
		struct insn in;
		const char *e = insn_decode(f->start, n, (unsigned)f->bits, &in);

		if (!e)
			fail_msg("%s: decoded, but klvisor does not emulate it", f->name);
	}
}

/*
 * A register operand can reach the emulator only if another vCPU rewrote
 * the instruction after the exit: it must be refused, not emulated.
 */
static void test_register_operand_refused(void **state)
{
	static const u8 or_eax[] = { 0x83, 0xc8, 0x01 }; /* or eax, 1 */
	struct fake f = { 0 };
	struct emu_dev dev = { fake_read, fake_write, &f };
	struct insn in;

	(void)state;
	assert_null(insn_decode(or_eax, sizeof(or_eax), 64, &in));
	reset_regs(0);
	assert_non_null(emu_device_insn(&in, &regs, &dev));
	assert_int_equal(f.reads + f.writes, 0);
	assert_int_equal(regs.gpr[AX], reg0(AX));
}

/* A device that refuses an access leaves the registers and flags as they were. */
static void test_device_error_changes_nothing(void **state)
{
	static const char *const names[] = { "A1 moffs64 load", "87 xchg r/m, eax",
					     "03 add reg, r/m", "81 /1 or imm32",
					     "0F BA /5 bts imm8" };

	(void)state;
	for (int fail_write = 0; fail_write < 2; fail_write++) {
		for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
			struct fake f = { .mem = 0x1234 };
			struct emu_dev dev = { fake_read, fake_write, &f };
			struct emu_regs before;
			struct insn in;
			const char *e;

			if (fail_write)
				f.fail_write = "refused";
			else
				f.fail_read = "refused";
			decode_form(find_form(names[i]), &in);
			reset_regs(CF | ZF);
			before = regs;
			e = emu_device_insn(&in, &regs, &dev);
			if (!fail_write || (in.kind != INSN_MOV_LOAD && in.kind != INSN_ALU_LOAD))
				assert_string_equal(e, "refused");
			else
				assert_null(e); /* loads do not write */
			if (e)
				assert_memory_equal(&regs, &before, sizeof(regs));
		}
	}
}

/* The host CPU's result and flags for one operation, the reference for emu_alu(). */
#define NATIVE(insn, sfx, type)                                                           \
	static u64 native_##insn##sfx(u64 a, u64 b, u64 *fl)                              \
	{                                                                                 \
		type x = (type)a, y = (type)b;                                            \
		u64 f = *fl;                                                              \
		/* below the red zone, which the compiler may be using */                 \
		asm volatile("lea -128(%%rsp), %%rsp\n\tpush %[f]\n\tpopf\n\t" #insn #sfx \
			     " %[y], %[x]\n\tpushf\n\tpop %[f]\n\tlea 128(%%rsp), %%rsp"  \
			     : [x] "+r"(x), [f] "+r"(f)                                   \
			     : [y] "r"(y)                                                 \
			     : "cc", "memory");                                           \
		*fl = f;                                                                  \
		return x;                                                                 \
	}
#define NATIVE_ALL(insn)     \
	NATIVE(insn, b, u8)  \
	NATIVE(insn, w, u16) \
	NATIVE(insn, l, u32) \
	NATIVE(insn, q, u64)
NATIVE_ALL(add)
NATIVE_ALL(or)
NATIVE_ALL(adc)
NATIVE_ALL(sbb)
NATIVE_ALL(and)
NATIVE_ALL(sub)
NATIVE_ALL(xor)
NATIVE_ALL(cmp)
NATIVE_ALL(test)

typedef u64 (*native_fn)(u64, u64, u64 *);
#define ROW(insn)                                                                      \
	{                                                                              \
		native_##insn##b, native_##insn##w, native_##insn##l, native_##insn##q \
	}

static void test_alu_flags_match_the_cpu(void **state)
{
	/* in enum insn_alu order */
	static const native_fn native[][4] = { ROW(add), ROW(or),  ROW(adc), ROW(sbb), ROW(and),
					       ROW(sub), ROW(xor), ROW(cmp), ROW(test) };
	static const u64 edges[] = { 0,
				     1,
				     2,
				     0xf,
				     0x10,
				     0x7f,
				     0x80,
				     0xff,
				     0x7fff,
				     0x8000,
				     0xffff,
				     0x7fffffff,
				     0x80000000,
				     0xffffffff,
				     0x7fffffffffffffffULL,
				     0x8000000000000000ULL,
				     0xffffffffffffffffULL,
				     0x0123456789abcdefULL };
	static const unsigned sizes[] = { 1, 2, 4, 8 };
	u64 seed = 0x9e3779b97f4a7c15ULL;
	unsigned checked = 0;

	(void)state;
	for (unsigned op = ALU_ADD; op <= ALU_TEST; op++) {
		/* AF is undefined after the logical operations (SDM); emu_alu() clears it */
		u64 mask = (op == ALU_OR || op == ALU_AND || op == ALU_XOR || op == ALU_TEST) ?
				   EMU_ALU_FLAGS & ~(u64)EMU_AF :
				   EMU_ALU_FLAGS;

		for (unsigned s = 0; s < 4; s++) {
			for (unsigned k = 0; k < ARRAY_SIZE(edges) * ARRAY_SIZE(edges) + 2000;
			     k++) {
				u64 a, b, fe, fn, re, rn;

				if (k < ARRAY_SIZE(edges) * ARRAY_SIZE(edges)) {
					a = edges[k % ARRAY_SIZE(edges)];
					b = edges[k / ARRAY_SIZE(edges)];
				} else {
					seed = seed * 6364136223846793005ULL +
					       1442695040888963407ULL;
					a = seed;
					seed = seed * 6364136223846793005ULL +
					       1442695040888963407ULL;
					b = seed >> (seed & 63);
				}
				for (u64 cin = 0; cin < 2; cin++) {
					fe = fn = 0x2 | cin;
					re = emu_alu(op, sizes[s], a, b, &fe);
					rn = native[op][s](a, b, &fn);
					if (op == ALU_CMP || op == ALU_TEST)
						rn = re; /* the CPU wrote nothing back */
					if (re != (rn & insn_size_mask(sizes[s])) ||
					    (fe & mask) != (fn & mask))
						fail_msg(
							"alu %u size %u a %#llx b %#llx cf %llu: "
							"result %#llx flags %#llx, CPU %#llx %#llx",
							op, sizes[s], (unsigned long long)a,
							(unsigned long long)b,
							(unsigned long long)cin,
							(unsigned long long)re,
							(unsigned long long)(fe & mask),
							(unsigned long long)rn,
							(unsigned long long)(fn & mask));
					checked++;
				}
			}
		}
	}
	assert_true(checked > 100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_each_form),
		cmocka_unit_test(test_emulate_each_form),
		cmocka_unit_test(test_truncated_forms),
		cmocka_unit_test(test_unsupported_forms),
		cmocka_unit_test(test_register_operand_refused),
		cmocka_unit_test(test_device_error_changes_nothing),
		cmocka_unit_test(test_alu_flags_match_the_cpu),
	};

	return cmocka_run_group_tests_name("mmio_forms", tests, NULL, NULL);
}
