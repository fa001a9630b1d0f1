/* SPDX-License-Identifier: MIT */
/*
 * Recognising the eleven Key Locker instructions in decoded bytes, and
 * their invalid forms.  Pure, so the host tests check it against a table
 * of encodings.
 */
#ifndef VMM_KL_KLINSN_H
#define VMM_KL_KLINSN_H

#include "vmm/decode.h"

#define KL_OP_WIDE	   0xd8
#define KL_OP_ENC128	   0xdc /* LOADIWKEY when ModRM.mod = 3 */
#define KL_OP_DEC128	   0xdd
#define KL_OP_ENC256	   0xde
#define KL_OP_DEC256	   0xdf
#define KL_OP_ENCODEKEY128 0xfa
#define KL_OP_ENCODEKEY256 0xfb

enum kl_op { KL_NONE, KL_LOADIWKEY, KL_ENCODEKEY, KL_AES, KL_AES_WIDE };

/*
 * Which Key Locker instruction @in is, or KL_NONE.  *@ud is set for a Key
 * Locker opcode in a form that raises #UD (wrong ModRM.mod, WIDE with
 * ModRM.reg 4-7, a LOCK prefix).  Inline, as is kl_aes_form(): both run
 * on every emulated instruction.
 */
static inline enum kl_op kl_classify(const struct insn *in, bool *ud)
{
	bool reg_form = in->mod == 3;

	*ud = false;
	/* The mandatory prefix is F3; with 66 or F2 these are other (or no) instructions. */
	if (in->kind != INSN_0F38 || !in->rep || in->repne || in->opsize)
		return KL_NONE;
	switch (in->opcode) {
	case KL_OP_ENC128:
		*ud = in->lock;
		return reg_form ? KL_LOADIWKEY : KL_AES;
	case KL_OP_DEC128:
	case KL_OP_ENC256:
	case KL_OP_DEC256:
		*ud = reg_form || in->lock;
		return KL_AES;
	case KL_OP_WIDE:
		*ud = reg_form || (in->reg & 7) > 3 || in->lock;
		return KL_AES_WIDE;
	case KL_OP_ENCODEKEY128:
	case KL_OP_ENCODEKEY256:
		*ud = !reg_form || in->lock;
		return KL_ENCODEKEY;
	default:
		return KL_NONE;
	}
}

struct kl_aes_form {
	unsigned key_bits;
	bool decrypt;
};

/* Key size and direction of an AES*KL or WIDE form. */
static inline struct kl_aes_form kl_aes_form(const struct insn *in)
{
	/* WIDE /0../3 mirror DC..DF: ENC128, DEC128, ENC256, DEC256. */
	u8 op = in->opcode == KL_OP_WIDE ? (u8)(KL_OP_ENC128 + (in->reg & 3)) : in->opcode;

	return (struct kl_aes_form){ op >= KL_OP_ENC256 ? 256 : 128,
				     op == KL_OP_DEC128 || op == KL_OP_DEC256 };
}

/*
 * LOADIWKEY's #GP(0) conditions, all of them: CPL > 0 (hardware checks that
 * before a LOADIWKEY exit), KeySource (EAX[4:1]) > 1, EAX[31:5], NoBackup
 * while CPUID.19H:ECX[0] is 0, KeySource 1 while CPUID.19H:ECX[1] is 0.
 * Only EAX counts: the instruction never reads RAX[63:32].
 */
bool kl_loadiwkey_faults(u32 eax, unsigned cpl, u32 cpuid19_ecx);

/*
 * A LOADIWKEY exit's VM-exit instruction information names the two XMM
 * operands in bits 6:3 and 31:28 (which is which is not documented).  The
 * decoded ModRM is authoritative; true if the exit information disagrees.
 */
bool kl_exit_info_mismatch(const struct insn *in, u32 insn_info);

#endif
