/* SPDX-License-Identifier: MIT */
/*
 * A small x86 instruction decoder for the instructions klvisor emulates:
 * prefixes, REX, ModRM, SIB, displacement (including RIP-relative) and
 * immediates, for 16-, 32- and 64-bit code.  Pure and bounded by the
 * 15-byte limit, so it can be unit-tested and fuzzed on the host.
 */
#ifndef VMM_DECODE_H
#define VMM_DECODE_H

#include "lib/types.h"

#define INSN_MAX_LEN 15

enum insn_kind {
	INSN_MOV_STORE, /* 88/89: mov r/m, reg */
	INSN_MOV_LOAD, /* 8A/8B: mov reg, r/m */
	INSN_MOV_STORE_IMM, /* C6/C7 /0: mov r/m, imm */
	INSN_0F38, /* 0F 38 xx with ModRM (Key Locker lives here) */
};

struct insn {
	enum insn_kind kind;
	u8 len;
	u8 opcode; /* the last opcode byte */
	u8 rex; /* 0 if none */
	bool opsize, adsize, lock, rep, repne;
	u8 seg; /* segment override prefix byte, or 0 */
	u8 mod, reg, rm; /* reg and rm extended by REX.R / REX.B */
	bool has_sib;
	u8 scale, index, base; /* index/base extended by REX.X / REX.B; index 4 = none */
	bool no_base; /* SIB base 5 with mod 0, or mod 0 rm 5 without SIB */
	bool rip_relative;
	s64 disp;
	u64 imm;
	unsigned op_size; /* operand size in bytes */
	unsigned addr_size; /* address size in bytes */
};

/* Returns NULL, or why the bytes are not an instruction klvisor decodes. */
const char *insn_decode(const u8 *buf, size_t len, unsigned mode_bits, struct insn *out);

/*
 * The effective address (before segmentation) of a memory operand, with
 * @gpr(ctx, n) giving register n; @rip_next is the address of the next
 * instruction, for RIP-relative operands.
 */
u64 insn_effective_address(const struct insn *in, u64 (*gpr)(void *ctx, unsigned n), void *ctx,
			   u64 rip_next);

#endif
