/* SPDX-License-Identifier: MIT */
/*
 * Guest library: checks against the host-computed Key Locker vectors
 * (build/guests/kl_vectors.h, see tools/klvectors.c).  Header only, for
 * Key Locker guests (GUEST_SSE_NAME := y and -I$(GUEST_BUILD) in
 * guest.mk, and a dependency on kl_vectors.h).
 */
#ifndef GUEST_KLCHECK_H
#define GUEST_KLCHECK_H

#include "kl.h"
#include "kl_vectors.h"
#include "printf.h"

/* LOADIWKEY klv_iwkey[w] with EAX = 0. */
static inline void kl_load(int w)
{
	kl_loadiwkey(klv_iwkey[w].integrity, klv_iwkey[w].encryption);
}

/* The vector handle for IWKey @w, key @k, SRC @src, 128- or 256-bit per @op. */
static inline const u8 *kl_vec_handle(int op, int w, int k, int src)
{
	return kl_op_256(op) ? klv_handle256[w][k][src] : klv_handle128[w][k][src];
}

/* ENCODEKEY128 of key @k with @src reproduces the vector for IWKey @w. */
static inline bool kl_handle_is(int w, int k, u32 src)
{
	u8 h[48];

	kl_encodekey128(klv_key128[k], src, h);
	return !memcmp(h, klv_handle128[w][k][src], 48);
}

/* What form @op with key @k must leave in XMM@i (block i for WIDE, block 0 in XMM3 otherwise). */
static inline const u8 *kl_expected(int op, int k, int i)
{
	int b = kl_op_wide(op) ? i : 0;

	switch (op & 3) {
	case KL_ENC128:
		return klv_enc128[k][b];
	case KL_DEC128:
		return klv_dec128[k][b];
	case KL_ENC256:
		return klv_enc256[k][b];
	default:
		return klv_dec256[k][b];
	}
}

/* Pattern registers with the plaintext where form @op reads it; RFLAGS | @flags. */
static inline void kl_init_for(struct kl_regs *r, int op, u32 seed, u64 flags)
{
	kl_regs_init(r, seed, flags);
	if (kl_op_wide(op))
		memcpy(r->in, klv_block, 8 * 16);
	else
		memcpy(&r->in[3], klv_block[0], 16);
}

/* Form @op with key @k wrote the right results and no other register. */
static inline bool kl_result_ok(const struct kl_regs *r, int op, int k)
{
	int first = kl_op_wide(op) ? 0 : 3, last = kl_op_wide(op) ? 7 : 3;

	for (int i = first; i <= last; i++)
		if (memcmp(&r->out[i], kl_expected(op, k, i), 16))
			return false;
	return kl_regs_changed(r, 0, first - 1) < 0 && kl_regs_changed(r, last + 1, 15) < 0;
}

/* ZF as given, OF SF AF PF CF clear, every other flag as before. */
static inline bool kl_flags_are(const struct kl_regs *r, bool zf)
{
	return (r->flags_out & KL_FLAGS) == (zf ? RFLAGS_ZF : 0) && !kl_other_flags_changed(r);
}

/* Form @op with @handle succeeds with key @k's results; else false and @why. */
static inline bool kl_works(int op, const void *handle, int k, u32 seed, char *why, size_t n)
{
	struct kl_regs r;
	int vec;

	kl_init_for(&r, op, seed, KL_FLAGS);
	vec = kl_run_form(op, handle, &r, NULL);
	if (vec < 0 && kl_flags_are(&r, false) && kl_result_ok(&r, op, k))
		return true;
	snprintf(why, n, "%s: vector %d, RFLAGS %#lx->%#lx, %s result", kl_op_names[op], vec,
		 r.flags_in, r.flags_out, kl_result_ok(&r, op, k) ? "right" : "wrong");
	return false;
}

/* Form @op refuses @handle: ZF = 1, other flags clear, no register changed. */
static inline bool kl_refuses(int op, const void *handle, u32 seed, char *why, size_t n)
{
	struct kl_regs r;
	int vec;

	kl_init_for(&r, op, seed, KL_FLAGS & ~RFLAGS_ZF);
	vec = kl_run_form(op, handle, &r, NULL);
	if (vec < 0 && kl_flags_are(&r, true) && kl_regs_changed(&r, 0, 15) < 0)
		return true;
	snprintf(why, n, "%s: vector %d, RFLAGS %#lx->%#lx, xmm%d changed", kl_op_names[op], vec,
		 r.flags_in, r.flags_out, kl_regs_changed(&r, 0, 15));
	return false;
}

#endif
