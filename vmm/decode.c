// SPDX-License-Identifier: MIT
/* Instruction decoding (Intel SDM Vol. 2, chapter 2, "Instruction Format"). */
#include "vmm/decode.h"
#include "lib/string.h"

struct cursor {
	const u8 *buf;
	size_t len, pos;
};

static bool take(struct cursor *c, unsigned n, u64 *v)
{
	if (c->pos + n > c->len || c->pos + n > INSN_MAX_LEN)
		return false;
	/* Little-endian, byte by byte: no call per prefix byte (n is at most 8). */
	*v = 0;
	for (unsigned i = 0; i < n; i++)
		*v |= (u64)c->buf[c->pos + i] << (8 * i);
	c->pos += n;
	return true;
}

/*
 * 16-bit addressing (SDM Vol. 2, table 2-1): no SIB; rm picks a base and
 * an index from BX/BP and SI/DI, rm 6 with mod 0 is a bare disp16, and
 * displacements are 8 or 16 bits.  BP-based forms default to SS, which
 * vcpu_operand_segment() gets from base 5 as for 32-bit forms.
 */
static const char *decode_modrm16(struct cursor *c, struct insn *in)
{
	static const u8 base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 }; /* BX BX BP BP SI DI BP BX */
	static const u8 index16[8] = { 6, 7, 6, 7, 4, 4, 4, 4 }; /* SI DI SI DI - - - - */
	unsigned disp_size = in->mod == 1 ? 1 : in->mod == 2 ? 2 : 0;
	u64 d = 0;

	if (in->mod == 0 && in->rm == 6) {
		in->no_base = true;
		disp_size = 2;
	} else {
		in->base = base16[in->rm];
		in->index = index16[in->rm];
	}
	if (disp_size && !take(c, disp_size, &d))
		return "truncated displacement";
	in->disp = disp_size ? insn_sign_extend(d, disp_size) : 0;
	return NULL;
}

static const char *decode_modrm(struct cursor *c, struct insn *in, unsigned mode_bits)
{
	u64 b, d = 0;
	unsigned disp_size = 0;

	if (!take(c, 1, &b))
		return "truncated ModRM";
	in->mod = b >> 6;
	in->reg = ((b >> 3) & 7) | ((in->rex & 4) ? 8 : 0);
	in->rm = b & 7;
	in->index = 4;
	if (in->mod == 3) {
		in->rm |= (in->rex & 1) ? 8 : 0;
		return NULL;
	}
	if (in->addr_size == 2)
		return decode_modrm16(c, in);
	if (in->rm == 4) {
		if (!take(c, 1, &b))
			return "truncated SIB";
		in->has_sib = true;
		in->scale = b >> 6;
		in->index = ((b >> 3) & 7) | ((in->rex & 2) ? 8 : 0);
		in->base = (b & 7) | ((in->rex & 1) ? 8 : 0);
		if ((b & 7) == 5 && in->mod == 0) {
			in->no_base = true;
			disp_size = 4;
		}
	} else if (in->rm == 5 && in->mod == 0) {
		in->no_base = true;
		in->rip_relative = mode_bits == 64;
		disp_size = 4;
	} else {
		in->base = in->rm | ((in->rex & 1) ? 8 : 0);
	}
	in->rm |= (in->rex & 1) ? 8 : 0;
	if (in->mod == 1)
		disp_size = 1;
	else if (in->mod == 2)
		disp_size = 4;
	if (disp_size && !take(c, disp_size, &d))
		return "truncated displacement";
	in->disp = disp_size ? insn_sign_extend(d, disp_size) : 0;
	return NULL;
}

static const char *prefixes(struct cursor *c, struct insn *in, unsigned mode_bits)
{
	for (;;) {
		u64 b;

		if (!take(c, 1, &b))
			return "truncated";
		/*
		 * A REX prefix counts only directly before the opcode (64-bit
		 * mode): one followed by another prefix is ignored, as the SDM
		 * says, so every legacy prefix clears it and a later REX wins.
		 */
		switch (b) {
		case 0x66:
			in->opsize = true;
			in->rex = 0;
			continue;
		case 0x67:
			in->adsize = true;
			in->rex = 0;
			continue;
		case 0xf0:
			in->lock = true;
			in->rex = 0;
			continue;
		case 0xf2:
			in->repne = true;
			in->rep = false;
			in->rex = 0;
			continue;
		case 0xf3:
			in->rep = true;
			in->repne = false;
			in->rex = 0;
			continue;
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:
		case 0x64:
		case 0x65:
			in->seg = (u8)b;
			in->rex = 0;
			continue;
		}
		if (mode_bits == 64 && (b & 0xf0) == 0x40) {
			in->rex = (u8)b;
			continue;
		}
		in->opcode = (u8)b;
		return NULL;
	}
}

/*
 * One-byte opcodes with a ModRM memory operand (SDM Vol. 2, table A-2).
 * Sets the kind, ALU operation and immediate size; bit 0 of most of these
 * opcodes picks byte (0) or full-size (1) operands, which the caller
 * applies through *byte_form.
 */
static const char *one_byte(struct insn *in, unsigned mode_bits, unsigned *imm_size,
			    bool *byte_form)
{
	u8 op = in->opcode;

	*byte_form = !(op & 1);
	if (op < 0x40 && (op & 7) < 4) {
		/* 00-3B: ADD OR ADC SBB AND SUB XOR CMP, bit 1 is the direction */
		in->kind = (op & 2) ? INSN_ALU_LOAD : INSN_ALU_STORE;
		in->alu = op >> 3;
		return NULL;
	}
	switch (op) {
	case 0x63: /* in 32-bit code, ARPL */
		if (mode_bits != 64)
			return "unsupported opcode";
		in->kind = INSN_MOVX;
		in->sign_extend = true;
		in->src_size = (u8)MIN(in->op_size, 4u);
		*byte_form = false;
		return NULL;
	case 0x80:
	case 0x81:
	case 0x83: /* group 1: the reg field is the operation */
		in->kind = INSN_ALU_IMM;
		*imm_size = op == 0x81 ? 4 : 1;
		*byte_form = op == 0x80;
		return NULL;
	case 0x84:
	case 0x85:
		in->kind = INSN_ALU_STORE;
		in->alu = ALU_TEST;
		return NULL;
	case 0x86:
	case 0x87:
		in->kind = INSN_XCHG;
		return NULL;
	case 0x88:
	case 0x89:
		in->kind = INSN_MOV_STORE;
		return NULL;
	case 0x8a:
	case 0x8b:
		in->kind = INSN_MOV_LOAD;
		return NULL;
	case 0xa0:
	case 0xa1:
	case 0xa2:
	case 0xa3:
		in->kind = (op & 2) ? INSN_MOV_STORE : INSN_MOV_LOAD;
		in->moffs = true;
		return NULL;
	case 0x6c:
	case 0x6d:
	case 0x6e:
	case 0x6f: /* INS, OUTS: the memory operand is ES:rDI or seg:rSI, no ModRM */
		in->kind = INSN_STRING_IO;
		return NULL;
	case 0xc6:
	case 0xc7:
		in->kind = INSN_MOV_STORE_IMM;
		*imm_size = 4;
		return NULL;
	case 0xf6:
	case 0xf7: /* group 3: only /0 (TEST imm) reads r/m without writing a register pair */
		in->kind = INSN_ALU_IMM;
		in->alu = ALU_TEST;
		*imm_size = 4;
		return NULL;
	}
	return "unsupported opcode";
}

/* Two-byte opcodes 0F xx (SDM Vol. 2, table A-3) with a memory operand. */
static const char *two_byte(struct insn *in, unsigned *imm_size, bool *byte_form)
{
	u8 op = in->opcode;

	*byte_form = false;
	switch (op) {
	case 0xa3:
	case 0xab:
	case 0xb3:
	case 0xbb: /* BT BTS BTR BTC, in bits 4:3 */
		in->kind = INSN_BT;
		in->alu = ALU_BT + ((op >> 3) & 3);
		return NULL;
	case 0xba: /* group 8: the reg field picks BT..BTC */
		in->kind = INSN_BT_IMM;
		*imm_size = 1;
		return NULL;
	case 0xb6:
	case 0xb7:
	case 0xbe:
	case 0xbf:
		in->kind = INSN_MOVX;
		in->sign_extend = op >= 0xbe;
		in->src_size = (op & 1) ? 2 : 1;
		return NULL;
	}
	return "unsupported two-byte opcode";
}

/* The reg field of a group opcode (80-83, C6/C7, F6/F7, 0F BA) picks the operation. */
static const char *group_operation(struct insn *in)
{
	unsigned r = in->reg & 7;

	switch (in->kind) {
	case INSN_MOV_STORE_IMM:
		return r ? "C6/C7 with a reg field other than 0" : NULL;
	case INSN_ALU_IMM:
		if (in->alu == ALU_TEST)
			return r ? "F6/F7 other than TEST (/0)" : NULL;
		in->alu = (u8)r;
		return NULL;
	case INSN_BT_IMM:
		if (r < 4)
			return "0F BA with a reg field below 4";
		in->alu = (u8)(ALU_BT + r - 4);
		return NULL;
	default:
		return NULL;
	}
}

static const char *decode(struct cursor *c, unsigned mode_bits, struct insn *in)
{
	unsigned def = mode_bits == 16 ? 2 : 4, imm_size = 0;
	bool byte_form;
	const char *err;
	u64 b;

	if (mode_bits != 16 && mode_bits != 32 && mode_bits != 64)
		return "bad mode";
	err = prefixes(c, in, mode_bits);
	if (err)
		return err;
	in->op_size = (in->rex & 8) ? 8 : in->opsize ? (def == 2 ? 4 : 2) : def;
	in->addr_size = mode_bits == 64 ? (in->adsize ? 4 : 8) :
			in->adsize	? (def == 2 ? 4 : 2) :
					  def;

	if (in->opcode == 0x0f) {
		if (!take(c, 1, &b))
			return "truncated two-byte opcode";
		in->opcode = (u8)b;
		if (b == 0x38) {
			if (!take(c, 1, &b))
				return "truncated 0F 38 opcode";
			in->kind = INSN_0F38;
			in->opcode = (u8)b;
			byte_form = false;
		} else {
			err = two_byte(in, &imm_size, &byte_form);
		}
	} else {
		err = one_byte(in, mode_bits, &imm_size, &byte_form);
	}
	if (err)
		return err;
	if (byte_form)
		in->op_size = 1;
	/* INS/OUTS move at most a doubleword: REX.W does not widen them (SDM Vol. 2, INS). */
	if (in->kind == INSN_STRING_IO && in->op_size == 8)
		in->op_size = 4;

	if (in->moffs) {
		/* A0-A3: the offset is address-sized; the register is AL/eAX */
		in->index = 4;
		in->no_base = true;
		if (!take(c, in->addr_size, &b))
			return "truncated moffs";
		in->disp = (s64)b;
	} else if (in->kind == INSN_STRING_IO) {
		in->index = 4;
		in->no_base = true;
	} else {
		err = decode_modrm(c, in, mode_bits);
		if (!err)
			err = group_operation(in);
		if (err)
			return err;
	}
	if (imm_size) {
		/* an imm32 at most, sign-extended to a 64-bit operand; 66 makes it imm16 */
		unsigned isz = MIN(MIN(in->op_size, 4u), imm_size);

		if (!take(c, isz, &in->imm))
			return "truncated immediate";
		in->imm = (u64)insn_sign_extend(in->imm, isz) & insn_size_mask(in->op_size);
	}
	in->len = (u8)c->pos;
	return NULL;
}

const char *insn_decode(const u8 *buf, size_t len, unsigned mode_bits, struct insn *in)
{
	struct cursor c = { buf, len, 0 };

	memset(in, 0, sizeof(*in));
	return decode(&c, mode_bits, in);
}
