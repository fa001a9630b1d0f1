/* SPDX-License-Identifier: MIT */
/*
 * Guest library: Key Locker helpers for the Key Locker guests.  Header
 * only, and only for guests built with vector registers (GUEST_SSE_NAME :=
 * y in guest.mk): the library's own files never include it.
 *
 * All 128-bit values are byte arrays in XMM memory order (byte 0 = bits
 * 7:0), as in build/guests/kl_vectors.h.
 *
 * KL_RUN() runs one instruction with every XMM register and RFLAGS set
 * from a struct kl_regs and stores them back afterwards, so a test can
 * check what an instruction wrote and that it wrote nothing else.
 */
#ifndef GUEST_KL_H
#define GUEST_KL_H

#include "idt.h"
#include "report.h"
#include "string.h"
#include "types.h"
#include "x86.h"

#define CR4_KL BIT(19)

#define RFLAGS_CF BIT(0)
#define RFLAGS_PF BIT(2)
#define RFLAGS_AF BIT(4)
#define RFLAGS_ZF BIT(6)
#define RFLAGS_SF BIT(7)
#define RFLAGS_TF BIT(8)
#define RFLAGS_DF BIT(10)
#define RFLAGS_OF BIT(11)
/* The flags every Key Locker instruction writes. */
#define KL_FLAGS (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

#define CPUID7_ECX_KL	   BIT(23)
#define CPUID19_EBX_AESKLE BIT(0)
#define CPUID19_EBX_WIDE   BIT(2)
#define CPUID19_EBX_BACKUP BIT(4)

struct xmm {
	u8 b[16];
} __aligned(16);

/* Set or clear CR4.KL (no fault handling: use EXC_TRY where #GP is expected). */
static inline void kl_set_cr4(bool on)
{
	u64 cr4 = read_cr4();

	write_cr4(on ? cr4 | CR4_KL : cr4 & ~CR4_KL);
}

/*
 * LOADIWKEY with EAX = @eax: XMM0 = @integrity, XMM1 (ModRM.r/m) =
 * @encryption[0-15], XMM2 (ModRM.reg) = @encryption[16-31].  Returns RFLAGS
 * afterwards.
 */
static inline u64 kl_loadiwkey_eax(const u8 *integrity, const u8 *encryption, u64 eax)
{
	u64 flags;

	asm volatile("movdqu %1, %%xmm0\n\tmovdqu %2, %%xmm1\n\tmovdqu %3, %%xmm2\n\t"
		     "loadiwkey %%xmm1, %%xmm2\n\tpushfq\n\tpopq %0"
		     : "=r"(flags)
		     : "m"(*(const struct xmm *)integrity), "m"(*(const struct xmm *)encryption),
		       "m"(*(const struct xmm *)(encryption + 16)), "a"(eax)
		     : "xmm0", "xmm1", "xmm2", "cc", "memory");
	return flags;
}

static inline u64 kl_loadiwkey(const u8 *integrity, const u8 *encryption)
{
	return kl_loadiwkey_eax(integrity, encryption, 0);
}

/* ENCODEKEY128: key in XMM0; the 48-byte handle from XMM0-2; returns DEST. */
static inline u32 kl_encodekey128(const u8 *key, u32 src, u8 *handle)
{
	u32 dest;

	asm volatile("movdqu %2, %%xmm0\n\tencodekey128 %3, %0\n\t"
		     "movdqu %%xmm0, 0(%1)\n\tmovdqu %%xmm1, 16(%1)\n\tmovdqu %%xmm2, 32(%1)"
		     : "=&r"(dest)
		     : "r"(handle), "m"(*(const struct xmm *)key), "r"(src)
		     : "xmm0", "xmm1", "xmm2", "xmm4", "xmm5", "xmm6", "cc", "memory");
	return dest;
}

/* ENCODEKEY256: key bytes 0-15 in XMM0, 16-31 in XMM1; the 64-byte handle from XMM0-3. */
static inline u32 kl_encodekey256(const u8 *key, u32 src, u8 *handle)
{
	u32 dest;

	asm volatile("movdqu %2, %%xmm0\n\tmovdqu %3, %%xmm1\n\tencodekey256 %4, %0\n\t"
		     "movdqu %%xmm0, 0(%1)\n\tmovdqu %%xmm1, 16(%1)\n\tmovdqu %%xmm2, 32(%1)\n\t"
		     "movdqu %%xmm3, 48(%1)"
		     : "=&r"(dest)
		     : "r"(handle), "m"(*(const struct xmm *)key),
		       "m"(*(const struct xmm *)(key + 16)), "r"(src)
		     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "cc", "memory");
	return dest;
}

/* The eight AES forms, in the order of the WIDE forms' ModRM.reg (0-3). */
enum kl_op {
	KL_ENC128,
	KL_DEC128,
	KL_ENC256,
	KL_DEC256,
	KL_ENCWIDE128,
	KL_DECWIDE128,
	KL_ENCWIDE256,
	KL_DECWIDE256,
	KL_NR_OPS
};

static const char *const kl_op_names[KL_NR_OPS] __attribute__((unused)) = {
	"aesenc128kl",	   "aesdec128kl",     "aesenc256kl",	 "aesdec256kl",
	"aesencwide128kl", "aesdecwide128kl", "aesencwide256kl", "aesdecwide256kl",
};

static inline bool kl_op_wide(int op)
{
	return op >= KL_ENCWIDE128;
}

static inline bool kl_op_256(int op)
{
	return (op & 3) >= KL_ENC256;
}

static inline bool kl_op_decrypt(int op)
{
	return op & 1;
}

/* One single-block form on @blk (16 bytes) in place; returns ZF. */
static inline bool kl_aes(int op, const void *handle, void *blk)
{
	bool zf;

#define KL_AES_ASM(insn)                                                \
	asm volatile("movdqu (%1), %%xmm3\n\t" insn " (%2), %%xmm3\n\t" \
		     "setz %0\n\tmovdqu %%xmm3, (%1)"                   \
		     : "=q"(zf)                                         \
		     : "r"(blk), "r"(handle)                            \
		     : "xmm3", "cc", "memory")
	switch (op) {
	case KL_ENC128:
		KL_AES_ASM("aesenc128kl");
		break;
	case KL_DEC128:
		KL_AES_ASM("aesdec128kl");
		break;
	case KL_ENC256:
		KL_AES_ASM("aesenc256kl");
		break;
	default:
		KL_AES_ASM("aesdec256kl");
		break;
	}
#undef KL_AES_ASM
	return zf;
}

/* One WIDE form on @blocks (8 x 16 bytes, XMM0-7) in place; returns ZF. */
static inline bool kl_wide(int op, const void *handle, void *blocks)
{
	bool zf;

#define KL_WIDE_ASM(insn)                                                                          \
	asm volatile("movdqu 0(%1), %%xmm0\n\tmovdqu 16(%1), %%xmm1\n\tmovdqu 32(%1), %%xmm2\n\t"  \
		     "movdqu 48(%1), %%xmm3\n\tmovdqu 64(%1), %%xmm4\n\tmovdqu 80(%1), %%xmm5\n\t" \
		     "movdqu 96(%1), %%xmm6\n\tmovdqu 112(%1), %%xmm7\n\t" insn " (%2)\n\t"        \
		     "setz %0\n\tmovdqu %%xmm0, 0(%1)\n\tmovdqu %%xmm1, 16(%1)\n\t"                \
		     "movdqu %%xmm2, 32(%1)\n\tmovdqu %%xmm3, 48(%1)\n\tmovdqu %%xmm4, 64(%1)\n\t" \
		     "movdqu %%xmm5, 80(%1)\n\tmovdqu %%xmm6, 96(%1)\n\tmovdqu %%xmm7, 112(%1)"    \
		     : "=q"(zf)                                                                    \
		     : "r"(blocks), "r"(handle)                                                    \
		     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "cc",       \
		       "memory")
	switch (op) {
	case KL_ENCWIDE128:
		KL_WIDE_ASM("aesencwide128kl");
		break;
	case KL_DECWIDE128:
		KL_WIDE_ASM("aesdecwide128kl");
		break;
	case KL_ENCWIDE256:
		KL_WIDE_ASM("aesencwide256kl");
		break;
	default:
		KL_WIDE_ASM("aesdecwide256kl");
		break;
	}
#undef KL_WIDE_ASM
	return zf;
}

/* Any of the eight forms: @data is 16 bytes (single) or 128 bytes (WIDE). */
static inline bool kl_run_op(int op, const void *handle, void *data)
{
	return kl_op_wide(op) ? kl_wide(op, handle, data) : kl_aes(op, handle, data);
}

/* ---- Whole-register-file runs ---- */

struct kl_regs {
	struct xmm in[16]; /* XMM0-15 before */
	struct xmm out[16]; /* XMM0-15 after */
	u64 flags_in; /* RFLAGS before (popfq) */
	u64 flags_out; /* RFLAGS after (pushfq) */
};

#define KL_XMM_LOAD(r)                                                                           \
	"movdqu 0(" r "), %%xmm0\n\tmovdqu 16(" r "), %%xmm1\n\tmovdqu 32(" r "), %%xmm2\n\t"    \
	"movdqu 48(" r "), %%xmm3\n\tmovdqu 64(" r "), %%xmm4\n\tmovdqu 80(" r "), %%xmm5\n\t"   \
	"movdqu 96(" r "), %%xmm6\n\tmovdqu 112(" r "), %%xmm7\n\tmovdqu 128(" r "), %%xmm8\n\t" \
	"movdqu 144(" r "), %%xmm9\n\tmovdqu 160(" r "), %%xmm10\n\t"                            \
	"movdqu 176(" r "), %%xmm11\n\tmovdqu 192(" r "), %%xmm12\n\t"                           \
	"movdqu 208(" r "), %%xmm13\n\tmovdqu 224(" r "), %%xmm14\n\t"                           \
	"movdqu 240(" r "), %%xmm15\n\t"
#define KL_XMM_STORE(r)                                                                           \
	"movdqu %%xmm0, 256(" r ")\n\tmovdqu %%xmm1, 272(" r ")\n\tmovdqu %%xmm2, 288(" r ")\n\t" \
	"movdqu %%xmm3, 304(" r ")\n\tmovdqu %%xmm4, 320(" r ")\n\tmovdqu %%xmm5, 336(" r ")\n\t" \
	"movdqu %%xmm6, 352(" r ")\n\tmovdqu %%xmm7, 368(" r ")\n\tmovdqu %%xmm8, 384(" r ")\n\t" \
	"movdqu %%xmm9, 400(" r ")\n\tmovdqu %%xmm10, 416(" r ")\n\t"                             \
	"movdqu %%xmm11, 432(" r ")\n\tmovdqu %%xmm12, 448(" r ")\n\t"                            \
	"movdqu %%xmm13, 464(" r ")\n\tmovdqu %%xmm14, 480(" r ")\n\t"                            \
	"movdqu %%xmm15, 496(" r ")\n\t"
#define KL_XMM_CLOBBERS                                                                          \
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", \
		"xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

/*
 * KL_RUN(r, insn, outputs, inputs...): XMM0-15 from r->in, RFLAGS from
 * r->flags_in, then insn, then RFLAGS to r->flags_out and XMM0-15 to
 * r->out (and CLD).  insn may name [kr] (the struct) and operands from
 * outputs/inputs; wrap it in EXC_TRY() where it may fault.
 */
#define KL_RUN(r, insn, outputs, ...)                                                             \
	asm volatile(                                                                             \
		KL_XMM_LOAD("%[kr]") "pushq 512(%[kr])\n\tpopfq\n\t" insn "\n\t"                  \
				     "pushfq\n\tpopq 520(%[kr])\n\tcld\n\t" KL_XMM_STORE("%[kr]") \
		: outputs                                                                         \
		: [kr] "r"(r), ##__VA_ARGS__                                                      \
		: KL_XMM_CLOBBERS, "cc", "memory")

/*
 * The same with more clobbers, a parenthesized list: to use fixed
 * registers, move values into them inside insn and name them here (local
 * register variables do not survive the function calls around KL_RUN).
 */
#define KL_UNPAREN(...) __VA_ARGS__
#define KL_RUN_CLOBBERING(r, insn, outputs, clobbers, ...)                                        \
	asm volatile(                                                                             \
		KL_XMM_LOAD("%[kr]") "pushq 512(%[kr])\n\tpopfq\n\t" insn "\n\t"                  \
				     "pushfq\n\tpopq 520(%[kr])\n\tcld\n\t" KL_XMM_STORE("%[kr]") \
		: outputs                                                                         \
		: [kr] "r"(r), ##__VA_ARGS__                                                      \
		: KL_XMM_CLOBBERS, "cc", "memory", KL_UNPAREN clobbers)

_Static_assert(__builtin_offsetof(struct kl_regs, out) == 256 &&
		       __builtin_offsetof(struct kl_regs, flags_in) == 512 &&
		       __builtin_offsetof(struct kl_regs, flags_out) == 520,
	       "KL_RUN offsets");

/* Fill r->in with a pattern derived from @seed; flags_in = current RFLAGS | @set. */
static inline void kl_regs_init(struct kl_regs *r, u32 seed, u64 set_flags)
{
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 16; j++)
			r->in[i].b[j] = (u8)(seed * 131 + i * 17 + j * 7 + (seed >> 8));
	memset(r->out, 0xcc, sizeof(r->out));
	r->flags_in = (read_rflags() & ~(KL_FLAGS | RFLAGS_DF | RFLAGS_TF)) | set_flags;
	r->flags_out = 0;
}

/* The first XMM register in [first, last] whose out differs from in, or -1. */
static inline int kl_regs_changed(const struct kl_regs *r, int first, int last)
{
	for (int i = first; i <= last; i++)
		if (memcmp(&r->in[i], &r->out[i], 16))
			return i;
	return -1;
}

/* RFLAGS bits outside KL_FLAGS that changed from flags_in to flags_out. */
static inline u64 kl_other_flags_changed(const struct kl_regs *r)
{
	return (r->flags_in ^ r->flags_out) & ~KL_FLAGS;
}

/*
 * Form @op with @handle on the registers in @r: the single forms work on
 * XMM3, the WIDE forms on XMM0-7.  Returns the vector of an exception
 * (recorded in @info if not NULL) or -1.
 */
static inline int kl_run_form(int op, const void *handle, struct kl_regs *r, struct exc_info *info)
{
	exc_arm();
	switch (op) {
	case KL_ENC128:
		KL_RUN(r, EXC_TRY("aesenc128kl (%[h]), %%xmm3"), , [h] "r"(handle));
		break;
	case KL_DEC128:
		KL_RUN(r, EXC_TRY("aesdec128kl (%[h]), %%xmm3"), , [h] "r"(handle));
		break;
	case KL_ENC256:
		KL_RUN(r, EXC_TRY("aesenc256kl (%[h]), %%xmm3"), , [h] "r"(handle));
		break;
	case KL_DEC256:
		KL_RUN(r, EXC_TRY("aesdec256kl (%[h]), %%xmm3"), , [h] "r"(handle));
		break;
	case KL_ENCWIDE128:
		KL_RUN(r, EXC_TRY("aesencwide128kl (%[h])"), , [h] "r"(handle));
		break;
	case KL_DECWIDE128:
		KL_RUN(r, EXC_TRY("aesdecwide128kl (%[h])"), , [h] "r"(handle));
		break;
	case KL_ENCWIDE256:
		KL_RUN(r, EXC_TRY("aesencwide256kl (%[h])"), , [h] "r"(handle));
		break;
	default:
		KL_RUN(r, EXC_TRY("aesdecwide256kl (%[h])"), , [h] "r"(handle));
		break;
	}
	return exc_result(info);
}

#endif
