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

static s64 sign_extend(u64 v, unsigned bytes)
{
	unsigned shift = 64 - 8 * bytes;

	return (s64)(v << shift) >> shift;
}

/*
 * 16-bit addressing (SDM Vol. 2, table 2-1): no SIB; rm picks a base and
 * an index from BX/BP and SI/DI, rm 6 with mod 0 is a bare disp16, and
 * displacements are 8 or 16 bits.  BP-based forms default to SS, which
 * operand_segment() gets from base 5 as for 32-bit forms.
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
	in->disp = disp_size ? sign_extend(d, disp_size) : 0;
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
	in->disp = disp_size ? sign_extend(d, disp_size) : 0;
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

const char *insn_decode(const u8 *buf, size_t len, unsigned mode_bits, struct insn *in)
{
	struct cursor c = { buf, len, 0 };
	unsigned def = mode_bits == 16 ? 2 : 4;
	const char *err;
	u64 b;

	memset(in, 0, sizeof(*in));
	if (mode_bits != 16 && mode_bits != 32 && mode_bits != 64)
		return "bad mode";
	err = prefixes(&c, in, mode_bits);
	if (err)
		return err;
	in->op_size = (in->rex & 8) ? 8 : in->opsize ? (def == 2 ? 4 : 2) : def;
	in->addr_size = mode_bits == 64 ? (in->adsize ? 4 : 8) :
			in->adsize	? (def == 2 ? 4 : 2) :
					  def;

	switch (in->opcode) {
	case 0x88:
	case 0x89:
		in->kind = INSN_MOV_STORE;
		break;
	case 0x8a:
	case 0x8b:
		in->kind = INSN_MOV_LOAD;
		break;
	case 0xc6:
	case 0xc7:
		in->kind = INSN_MOV_STORE_IMM;
		break;
	case 0x0f:
		if (!take(&c, 1, &b) || b != 0x38 || !take(&c, 1, &b))
			return "unsupported two-byte opcode";
		in->kind = INSN_0F38;
		in->opcode = (u8)b;
		break;
	default:
		return "unsupported opcode";
	}
	if (!(in->opcode & 1) && in->kind != INSN_0F38)
		in->op_size = 1; /* 88, 8A, C6: byte forms */
	err = decode_modrm(&c, in, mode_bits);
	if (err)
		return err;
	if (in->kind == INSN_MOV_STORE_IMM) {
		unsigned isz = MIN(in->op_size, 4u); /* imm32 sign-extends for 64-bit */

		if ((in->reg & 7) != 0)
			return "C6/C7 with a reg field other than 0";
		if (!take(&c, isz, &in->imm))
			return "truncated immediate";
		if (in->op_size == 8)
			in->imm = (u64)sign_extend(in->imm, 4);
	}
	in->len = (u8)c.pos;
	return NULL;
}

u64 insn_effective_address(const struct insn *in, u64 (*gpr)(void *ctx, unsigned n), void *ctx,
			   u64 rip_next)
{
	u64 ea = (u64)in->disp;

	if (in->rip_relative)
		ea += rip_next;
	else if (!in->no_base)
		ea += gpr(ctx, in->base);
	if ((in->has_sib || in->addr_size == 2) && in->index != 4)
		ea += gpr(ctx, in->index) << in->scale;
	if (in->addr_size == 4)
		ea &= 0xffffffff;
	else if (in->addr_size == 2)
		ea &= 0xffff;
	return ea;
}
