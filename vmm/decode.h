/* SPDX-License-Identifier: MIT */
/*
 * A small x86 instruction decoder for the instructions klvisor emulates:
 * the Key Locker instructions (0F 38 xx) and every form a kernel uses on
 * a device page (MOV in all its encodings, MOVZX/MOVSX, the ALU
 * read-modify-write forms, TEST, XCHG and BT*), and INS/OUTS for string
 * port I/O (their prefixes: size, address size, segment, REP).  Prefixes, REX, ModRM,
 * SIB, displacement (including RIP-relative), moffs and immediates, for
 * 16-, 32- and 64-bit code.  Pure and bounded by the 15-byte limit, so it
 * can be unit-tested and fuzzed on the host.
 */
#ifndef VMM_DECODE_H
#define VMM_DECODE_H

#include "lib/types.h"

#define INSN_MAX_LEN 15

/*
 * What an instruction does with its r/m operand ("reg" is the ModRM reg
 * register; for moffs forms it is AL/eAX and the operand is the moffs).
 */
enum insn_kind {
	INSN_MOV_STORE, /* 88/89, A2/A3: r/m = reg */
	INSN_MOV_LOAD, /* 8A/8B, A0/A1: reg = r/m */
	INSN_MOV_STORE_IMM, /* C6/C7 /0: r/m = imm */
	INSN_MOVX, /* 0F B6/B7 (zero), 0F BE/BF and 63 (sign): reg = extend(r/m) */
	INSN_ALU_STORE, /* 00-39 with bit 1 clear, 84/85: r/m = r/m alu reg */
	INSN_ALU_LOAD, /* 02-3B with bit 1 set: reg = reg alu r/m */
	INSN_ALU_IMM, /* 80/81/83, F6/F7 /0: r/m = r/m alu imm */
	INSN_XCHG, /* 86/87: swap r/m and reg */
	INSN_BT, /* 0F A3/AB/B3/BB: bit (reg mod width) of r/m */
	INSN_BT_IMM, /* 0F BA /4-7: bit (imm8 mod width) of r/m */
	INSN_0F38, /* 0F 38 xx with ModRM (Key Locker lives here) */
	INSN_STRING_IO, /* 6C-6F: INS (bit 1 clear) and OUTS (bit 1 set); no ModRM, operands implied */
};

/* The ALU operation; the first eight in the order of opcode bits 5:3 and group 1's reg field. */
enum insn_alu {
	ALU_ADD,
	ALU_OR,
	ALU_ADC,
	ALU_SBB,
	ALU_AND,
	ALU_SUB,
	ALU_XOR,
	ALU_CMP,
	ALU_TEST,
	ALU_BT,
	ALU_BTS,
	ALU_BTR,
	ALU_BTC,
};

struct insn {
	enum insn_kind kind;
	u8 len;
	u8 opcode; /* the last opcode byte */
	u8 alu; /* enum insn_alu, for the ALU and BT kinds */
	u8 src_size; /* INSN_MOVX: the r/m operand's size in bytes */
	bool sign_extend; /* INSN_MOVX: MOVSX/MOVSXD rather than MOVZX */
	bool moffs; /* A0-A3: the operand is at disp (no ModRM) */
	u8 rex; /* 0 if none */
	bool opsize, adsize, lock, rep, repne;
	u8 seg; /* segment override prefix byte, or 0 */
	u8 mod, reg, rm; /* reg and rm extended by REX.R / REX.B */
	bool has_sib;
	u8 scale, index, base; /* index/base extended by REX.X / REX.B; index 4 = none */
	bool no_base; /* SIB base 5 with mod 0, or mod 0 rm 5 without SIB */
	bool rip_relative;
	s64 disp;
	u64 imm; /* sign-extended to the operand size, as the CPU uses it */
	unsigned op_size; /* operand size in bytes (of reg and, except for MOVX, of r/m) */
	unsigned addr_size; /* address size in bytes */
};

/* A value of @bytes bytes (1, 2, 4 or 8): its mask, and its sign extension to 64 bits. */
static inline u64 insn_size_mask(unsigned bytes)
{
	return bytes >= 8 ? ~0ULL : (1ULL << (8 * bytes)) - 1;
}

static inline s64 insn_sign_extend(u64 v, unsigned bytes)
{
	unsigned shift = 64 - 8 * bytes;

	return (s64)(v << shift) >> shift;
}

/* Returns NULL, or why the bytes are not an instruction klvisor decodes. */
const char *insn_decode(const u8 *buf, size_t len, unsigned mode_bits, struct insn *out);

/* Register @n of @gpr, RSP apart (klvisor's exit stub leaves RSP in the VMCS). */
static inline u64 insn_gpr(const u64 *gpr, u64 rsp, unsigned n)
{
	return n == 4 ? rsp : gpr[n];
}

/*
 * The effective address (before segmentation) of a memory operand, with
 * @gpr[n] giving register n (x86 order, RAX to R15) except RSP, which is
 * @rsp (@gpr[4] is never read); @rip_next is the address of the next
 * instruction, for RIP-relative operands.  Inline: the emulation paths
 * compute one per instruction, and most terms are absent in most forms.
 */
static inline u64 insn_effective_address(const struct insn *in, const u64 *gpr, u64 rsp,
					 u64 rip_next)
{
	u64 ea = (u64)in->disp;

	if (in->rip_relative)
		ea += rip_next;
	else if (!in->no_base)
		ea += insn_gpr(gpr, rsp, in->base);
	if ((in->has_sib || in->addr_size == 2) && in->index != 4)
		ea += insn_gpr(gpr, rsp, in->index) << in->scale;
	if (in->addr_size == 4)
		ea &= 0xffffffff;
	else if (in->addr_size == 2)
		ea &= 0xffff;
	return ea;
}

#endif
