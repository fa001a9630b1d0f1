// SPDX-License-Identifier: MIT
/*
 * Device-operand instruction emulation (Intel SDM Vol. 2 for each
 * instruction's operation and flags; Vol. 1, 3.4.1.1 for how results of
 * each size are written to a general register).
 */
#include "vmm/emulate.h"

static u64 sign_bit(unsigned size)
{
	return 1ULL << (8 * size - 1);
}

/*
 * Register @n as a @size-byte operand.  Without a REX prefix, byte
 * registers 4-7 are AH, CH, DH and BH (bits 15:8 of registers 0-3); with
 * one, they are SPL, BPL, SIL and DIL.
 */
static bool high_byte(unsigned n, unsigned size, const struct insn *in)
{
	return size == 1 && !in->rex && n >= 4 && n < 8;
}

static u64 reg_get(const struct emu_regs *r, const struct insn *in, unsigned n, unsigned size)
{
	if (high_byte(n, size, in))
		return (r->gpr[n - 4] >> 8) & 0xff;
	return r->gpr[n] & insn_size_mask(size);
}

/* A 32-bit result zero-extends into the whole register; 8- and 16-bit ones merge. */
static void reg_put(struct emu_regs *r, const struct insn *in, unsigned n, unsigned size, u64 v)
{
	if (high_byte(n, size, in)) {
		r->gpr[n - 4] = (r->gpr[n - 4] & ~0xff00ULL) | ((v & 0xff) << 8);
		return;
	}
	if (size == 4)
		r->gpr[n] = v & 0xffffffff;
	else
		r->gpr[n] = (r->gpr[n] & ~insn_size_mask(size)) | (v & insn_size_mask(size));
}

static u64 szp_flags(u64 res, unsigned size)
{
	u64 f = 0;

	res &= insn_size_mask(size);
	if (!res)
		f |= EMU_ZF;
	if (res & sign_bit(size))
		f |= EMU_SF;
	if (!__builtin_parity((unsigned)(res & 0xff))) /* PF: even number of ones in the low byte */
		f |= EMU_PF;
	return f;
}

u64 emu_alu(unsigned op, unsigned size, u64 a, u64 b, u64 *rflags)
{
	u64 m = insn_size_mask(size), sb = sign_bit(size), res, f = 0;
	bool cin = *rflags & EMU_CF;

	a &= m;
	b &= m;
	switch (op) {
	case ALU_ADD:
	case ALU_ADC:
		cin = op == ALU_ADC && cin;
		res = (a + b + cin) & m;
		if (cin ? res <= a : res < a)
			f |= EMU_CF;
		if ((a ^ res) & (b ^ res) & sb) /* both inputs differ in sign from the result */
			f |= EMU_OF;
		break;
	case ALU_SUB:
	case ALU_SBB:
	case ALU_CMP:
		cin = op == ALU_SBB && cin;
		res = (a - b - cin) & m;
		if (cin ? a <= b : a < b)
			f |= EMU_CF;
		if ((a ^ b) & (a ^ res) & sb)
			f |= EMU_OF;
		break;
	case ALU_OR:
		res = a | b;
		break;
	case ALU_XOR:
		res = a ^ b;
		break;
	default: /* AND, TEST */
		res = a & b;
		break;
	}
	if (op != ALU_OR && op != ALU_XOR && op != ALU_AND && op != ALU_TEST)
		f |= (a ^ b ^ res) & EMU_AF; /* the carry or borrow out of bit 3 */
	*rflags = (*rflags & ~(u64)EMU_ALU_FLAGS) | f | szp_flags(res, size);
	return res;
}

/* The value an instruction combines with or stores to its memory operand. */
static u64 source(const struct insn *in, const struct emu_regs *r)
{
	switch (in->kind) {
	case INSN_MOV_STORE_IMM:
	case INSN_ALU_IMM:
	case INSN_BT_IMM:
		return in->imm;
	default:
		return reg_get(r, in, in->reg, in->op_size);
	}
}

/*
 * BT*: the bit to test, modulo the operand width.  For the register form
 * the CPU has already moved the access to the operand holding the bit
 * (SDM Vol. 2, BT: "bit string" addressing), and the device sees that
 * operand, so only the offset within it matters here.
 */
static u64 bit_test(const struct insn *in, u64 val, u64 bit, u64 *rflags)
{
	u64 mask = 1ULL << (bit & (8 * in->op_size - 1));

	/* CF is the old bit; OF, SF, AF and PF are undefined and kept; ZF is unchanged */
	*rflags = (*rflags & ~(u64)EMU_CF) | ((val & mask) ? EMU_CF : 0);
	switch (in->alu) {
	case ALU_BTS:
		return val | mask;
	case ALU_BTR:
		return val & ~mask;
	case ALU_BTC:
		return val ^ mask;
	default:
		return val;
	}
}

const char *emu_device_insn(const struct insn *in, struct emu_regs *r, const struct emu_dev *dev)
{
	unsigned size = in->op_size;
	u64 flags = r->rflags, val = 0, res;
	const char *err = NULL;

	if (in->mod == 3 && !in->moffs)
		return "no memory operand";
	switch (in->kind) {
	case INSN_MOV_STORE:
	case INSN_MOV_STORE_IMM:
		return dev->write(dev->ctx, size, source(in, r));
	case INSN_MOV_LOAD:
		err = dev->read(dev->ctx, size, &val);
		if (!err)
			reg_put(r, in, in->reg, size, val);
		return err;
	case INSN_MOVX:
		err = dev->read(dev->ctx, in->src_size, &val);
		if (err)
			return err;
		if (in->sign_extend)
			val = (u64)insn_sign_extend(val, in->src_size);
		reg_put(r, in, in->reg, size, val);
		return NULL;
	case INSN_XCHG:
		err = dev->read(dev->ctx, size, &val);
		if (!err)
			err = dev->write(dev->ctx, size, source(in, r));
		if (!err)
			reg_put(r, in, in->reg, size, val);
		return err;
	case INSN_ALU_STORE:
	case INSN_ALU_IMM:
	case INSN_ALU_LOAD:
		err = dev->read(dev->ctx, size, &val);
		if (err)
			return err;
		if (in->kind == INSN_ALU_LOAD) {
			res = emu_alu(in->alu, size, reg_get(r, in, in->reg, size), val, &flags);
			if (in->alu != ALU_CMP)
				reg_put(r, in, in->reg, size, res);
			break;
		}
		res = emu_alu(in->alu, size, val, source(in, r), &flags);
		if (in->alu != ALU_CMP && in->alu != ALU_TEST)
			err = dev->write(dev->ctx, size, res);
		break;
	case INSN_BT:
	case INSN_BT_IMM:
		err = dev->read(dev->ctx, size, &val);
		if (err)
			return err;
		res = bit_test(in, val, source(in, r), &flags);
		if (in->alu != ALU_BT)
			err = dev->write(dev->ctx, size, res);
		break;
	default:
		return "not an instruction with a device operand";
	}
	if (!err)
		r->rflags = flags;
	return err;
}
