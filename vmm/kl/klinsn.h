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
 * ModRM.reg 4-7, a LOCK prefix).
 */
enum kl_op kl_classify(const struct insn *in, bool *ud);

struct kl_aes_form {
	unsigned key_bits;
	bool decrypt;
};

/* Key size and direction of an AES*KL or WIDE form. */
struct kl_aes_form kl_aes_form(const struct insn *in);

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
