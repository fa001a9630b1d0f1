// SPDX-License-Identifier: MIT
/* Key Locker opcodes (F3 0F 38 xx) and their valid forms, per the SDM. */
#include "vmm/kl/klinsn.h"

enum kl_op kl_classify(const struct insn *in, bool *ud)
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

bool kl_loadiwkey_faults(u32 eax, unsigned cpl, u32 cpuid19_ecx)
{
	u32 key_source = (eax >> 1) & 0xf;

	return cpl > 0 || key_source > 1 || (eax >> 5) || ((eax & 1) && !(cpuid19_ecx & 1)) ||
	       (key_source == 1 && !(cpuid19_ecx & 2));
}

bool kl_exit_info_mismatch(const struct insn *in, u32 insn_info)
{
	unsigned a = (insn_info >> 3) & 15, b = (insn_info >> 28) & 15;

	return !((a == in->rm && b == in->reg) || (a == in->reg && b == in->rm));
}

struct kl_aes_form kl_aes_form(const struct insn *in)
{
	/* WIDE /0../3 mirror DC..DF: ENC128, DEC128, ENC256, DEC256. */
	u8 op = in->opcode == KL_OP_WIDE ? (u8)(KL_OP_ENC128 + (in->reg & 3)) : in->opcode;

	return (struct kl_aes_form){ op >= KL_OP_ENC256 ? 256 : 128,
				     op == KL_OP_DEC128 || op == KL_OP_DEC256 };
}
