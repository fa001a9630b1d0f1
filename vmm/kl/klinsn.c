// SPDX-License-Identifier: MIT
/* Key Locker opcodes (F3 0F 38 xx) and their valid forms, per the SDM. */
#include "vmm/kl/klinsn.h"

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
