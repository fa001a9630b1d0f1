// SPDX-License-Identifier: MIT
/*
 * AES-NI and PCLMULQDQ paths for the Key Locker crypto core, selected at
 * boot by klcrypto_select(); klcrypto.c's plain C is the fallback and the
 * reference the unit tests hold these to.  Unlike the C AES, whose table
 * lookups depend on the key, these run in constant time.
 *
 * The VMM is built with -mgeneral-regs-only, so there are no intrinsics:
 * each operation is one asm statement that names its XMM registers,
 * loads its inputs with MOVDQU (struct aes_ctx and the callers' buffers
 * need not be 16-byte aligned, and legacy SSE memory operands other than
 * MOVDQU's must be), and zeroes every XMM register it used before it
 * ends, key material or not.  The callers' contract (klcrypto.h) is that
 * no guest state is live in those registers.
 */
#include "vmm/kl/klcrypto_ni.h"

/*
 * Clobbers.  Where GCC may allocate vector registers itself (__SSE__: the
 * host unit tests) they are listed; built with -mgeneral-regs-only (the
 * VMM) it allocates none and refuses them in a clobber list.
 */
#ifdef __SSE__
#define XMM_0_1 , "xmm0", "xmm1"
#define XMM_1_1 , "xmm1"
#define XMM_1_3 , "xmm1", "xmm2", "xmm3"
#define XMM_0_5 , "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5"
#define XMM_0_8 , "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8"
#else
#define XMM_0_1
#define XMM_1_1
#define XMM_1_3
#define XMM_0_5
#define XMM_0_8
#endif

/*
 * Round r's key is the 16 bytes at &c->rk[4 * r] (klcrypto.h).  XMM0 is
 * the state, XMM1 the round key.
 */
/*
 * Unrolled: AES-256's four extra rounds first (then the schedule pointer
 * moves on by four round keys), and the last ten rounds common to both
 * sizes at fixed offsets.  @rounds is 10 or 14 (aes_expand()).
 */
#define ENC_ROUND(off) "movdqu " off "(%[rk]), %%xmm1\n\taesenc %%xmm1, %%xmm0\n\t"
void aesni_encrypt(const struct aes_ctx *c, const u8 in[16], u8 out[16])
{
	const u32 *rk = c->rk;

	__asm__ volatile("movdqu (%[in]), %%xmm0\n\t"
			 "movdqu (%[rk]), %%xmm1\n\t"
			 "pxor %%xmm1, %%xmm0\n\t" /* round 0: AddRoundKey */
			 "cmpl $10, %[rounds]\n\t"
			 "je 1f\n\t" ENC_ROUND("16") ENC_ROUND("32") ENC_ROUND("48") ENC_ROUND(
				 "64") "add $64, %[rk]\n\t"
				       "1:\n\t" ENC_ROUND("16") ENC_ROUND("32") ENC_ROUND(
					       "48") ENC_ROUND("64") ENC_ROUND("80") ENC_ROUND("96")
					       ENC_ROUND("112") ENC_ROUND("128") ENC_ROUND(
						       "144") "movdqu 160(%[rk]), %%xmm1\n\t"
							      "aesenclast %%xmm1, %%xmm0\n\t"
							      "movdqu %%xmm0, (%[out])\n\t"
							      "pxor %%xmm0, %%xmm0\n\t"
							      "pxor %%xmm1, %%xmm1"
			 : [rk] "+r"(rk)
			 : [in] "r"(in), [out] "r"(out), [rounds] "r"(c->rounds)
			 : "cc", "memory" XMM_0_1);
}

/*
 * The equivalent inverse cipher (FIPS-197 5.3.5), which AESDEC implements:
 * the schedule backwards, with InvMixColumns (AESIMC) applied to the
 * round keys of rounds Nr-1 .. 1 on the way.
 */
void aesni_decrypt(const struct aes_ctx *c, const u8 in[16], u8 out[16])
{
	const u32 *rk = &c->rk[4 * c->rounds];
	unsigned long n = c->rounds - 1;

	__asm__ volatile("movdqu (%[in]), %%xmm0\n\t"
			 "movdqu (%[rk]), %%xmm1\n\t"
			 "pxor %%xmm1, %%xmm0\n\t" /* round Nr's key */
			 "1:\n\t"
			 "sub $16, %[rk]\n\t"
			 "movdqu (%[rk]), %%xmm1\n\t"
			 "aesimc %%xmm1, %%xmm1\n\t"
			 "aesdec %%xmm1, %%xmm0\n\t"
			 "dec %[n]\n\t"
			 "jnz 1b\n\t"
			 "movdqu -16(%[rk]), %%xmm1\n\t" /* round 0's key */
			 "aesdeclast %%xmm1, %%xmm0\n\t"
			 "movdqu %%xmm0, (%[out])\n\t"
			 "pxor %%xmm0, %%xmm0\n\t"
			 "pxor %%xmm1, %%xmm1"
			 : [rk] "+r"(rk), [n] "+r"(n)
			 : [in] "r"(in), [out] "r"(out)
			 : "cc", "memory" XMM_0_1);
}

/* Eight blocks at once: XMM0-7 the states, XMM8 the round key. */
#define LOAD8                         \
	"movdqu 0(%[b]), %%xmm0\n\t"  \
	"movdqu 16(%[b]), %%xmm1\n\t" \
	"movdqu 32(%[b]), %%xmm2\n\t" \
	"movdqu 48(%[b]), %%xmm3\n\t" \
	"movdqu 64(%[b]), %%xmm4\n\t" \
	"movdqu 80(%[b]), %%xmm5\n\t" \
	"movdqu 96(%[b]), %%xmm6\n\t" \
	"movdqu 112(%[b]), %%xmm7\n\t"
#define STORE8                        \
	"movdqu %%xmm0, 0(%[b])\n\t"  \
	"movdqu %%xmm1, 16(%[b])\n\t" \
	"movdqu %%xmm2, 32(%[b])\n\t" \
	"movdqu %%xmm3, 48(%[b])\n\t" \
	"movdqu %%xmm4, 64(%[b])\n\t" \
	"movdqu %%xmm5, 80(%[b])\n\t" \
	"movdqu %%xmm6, 96(%[b])\n\t" \
	"movdqu %%xmm7, 112(%[b])\n\t"
#define OP8(op)                                                                       \
	op " %%xmm8, %%xmm0\n\t" op " %%xmm8, %%xmm1\n\t" op " %%xmm8, %%xmm2\n\t" op \
	   " %%xmm8, %%xmm3\n\t" op " %%xmm8, %%xmm4\n\t" op " %%xmm8, %%xmm5\n\t" op \
	   " %%xmm8, %%xmm6\n\t" op " %%xmm8, %%xmm7\n\t"
#define ZERO8                     \
	"pxor %%xmm0, %%xmm0\n\t" \
	"pxor %%xmm1, %%xmm1\n\t" \
	"pxor %%xmm2, %%xmm2\n\t" \
	"pxor %%xmm3, %%xmm3\n\t" \
	"pxor %%xmm4, %%xmm4\n\t" \
	"pxor %%xmm5, %%xmm5\n\t" \
	"pxor %%xmm6, %%xmm6\n\t" \
	"pxor %%xmm7, %%xmm7\n\t" \
	"pxor %%xmm8, %%xmm8"

void aesni_encrypt8(const struct aes_ctx *c, u8 blocks[128])
{
	const u32 *rk = c->rk;
	unsigned long n = c->rounds - 1;

	__asm__ volatile(LOAD8 "movdqu (%[rk]), %%xmm8\n\t" OP8(
				 "pxor") "1:\n\t"
					 "add $16, %[rk]\n\t"
					 "movdqu (%[rk]), %%xmm8\n\t" OP8(
						 "aesenc") "dec %[n]\n\t"
							   "jnz 1b\n\t"
							   "movdqu 16(%[rk]), %%xmm8\n\t" OP8(
								   "aesenclast") STORE8 ZERO8
			 : [rk] "+r"(rk), [n] "+r"(n)
			 : [b] "r"(blocks)
			 : "cc", "memory" XMM_0_8);
}

/* As aesni_decrypt(): the schedule backwards, AESIMC on the middle round keys. */
void aesni_decrypt8(const struct aes_ctx *c, u8 blocks[128])
{
	const u32 *rk = &c->rk[4 * c->rounds];
	unsigned long n = c->rounds - 1;

	__asm__ volatile(LOAD8 "movdqu (%[rk]), %%xmm8\n\t" OP8(
				 "pxor") "1:\n\t"
					 "sub $16, %[rk]\n\t"
					 "movdqu (%[rk]), %%xmm8\n\t"
					 "aesimc %%xmm8, %%xmm8\n\t" OP8(
						 "aesdec") "dec %[n]\n\t"
							   "jnz 1b\n\t"
							   "movdqu -16(%[rk]), %%xmm8\n\t" OP8(
								   "aesdeclast") STORE8 ZERO8
			 : [rk] "+r"(rk), [n] "+r"(n)
			 : [b] "r"(blocks)
			 : "cc", "memory" XMM_0_8);
}

/*
 * FIPS-197 5.2 for a 128-bit key with AESKEYGENASSIST: round key i + 1 is
 * round key i with each word XORed with all the words before it, XORed
 * with SubWord(RotWord(last word)) ^ Rcon broadcast (PSHUFD 0xff of the
 * assist's result).  Round key r lands at &rk[4 * r], as aes_expand()
 * puts it; the words past round 10 are zeroed as there.
 */
void aesni_expand128(struct aes_ctx *c, const u8 key[16])
{
	u32 *rk = c->rk;

	__asm__ volatile("movdqu (%[key]), %%xmm1\n\t"
			 "movdqu %%xmm1, (%[rk])\n\t"
			 ".irp rc, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36\n\t"
			 "aeskeygenassist $\\rc, %%xmm1, %%xmm2\n\t"
			 "pshufd $0xff, %%xmm2, %%xmm2\n\t"
			 "movdqa %%xmm1, %%xmm3\n\t"
			 "pslldq $4, %%xmm3\n\t"
			 "pxor %%xmm3, %%xmm1\n\t"
			 "pslldq $4, %%xmm3\n\t"
			 "pxor %%xmm3, %%xmm1\n\t"
			 "pslldq $4, %%xmm3\n\t"
			 "pxor %%xmm3, %%xmm1\n\t"
			 "pxor %%xmm2, %%xmm1\n\t"
			 "add $16, %[rk]\n\t"
			 "movdqu %%xmm1, (%[rk])\n\t"
			 ".endr\n\t"
			 "pxor %%xmm1, %%xmm1\n\t"
			 "pxor %%xmm2, %%xmm2\n\t"
			 "pxor %%xmm3, %%xmm3"
			 : [rk] "+r"(rk)
			 : [key] "r"(key)
			 : "cc", "memory" XMM_1_3);
	for (unsigned i = 44; i < ARRAY_SIZE(c->rk); i++)
		c->rk[i] = 0;
	c->rounds = 10;
	c->reserved[0] = c->reserved[1] = c->reserved[2] = 0;
}

/*
 * In place on a live register: the round keys are AES-NI memory operands
 * (16-byte aligned, as legacy SSE memory operands must be), so the only
 * register touched is the one encrypted.  The register's number is part
 * of the instruction, hence one asm statement per register.  Unrolled as
 * aesni_encrypt(): AES-256's four extra rounds, then ten common ones.
 * Decryption is the same shape over the keys aesni_inverse_schedule()
 * lays out in AESDEC's order.
 */
#ifdef __SSE__
#define CLOBBER_XMM(n) , "xmm" #n
#else
#define CLOBBER_XMM(n)
#endif
#define LR(op, n, off) op " " #off "(%[rk]), %%xmm" #n "\n\t"
#define LIVE_BODY(op, last, n)                                                                  \
	"pxor (%[rk]), %%xmm" #n "\n\t"                                                         \
	"cmpl $10, %[rounds]\n\t"                                                               \
	"je 1f\n\t" LR(op, n, 16) LR(op, n, 32) LR(op, n, 48)                                   \
		LR(op, n, 64) "add $64, %[rk]\n\t"                                              \
			      "1:\n\t" LR(op, n, 16) LR(op, n, 32) LR(op, n, 48) LR(op, n, 64)  \
				      LR(op, n, 80) LR(op, n, 96) LR(op, n, 112) LR(op, n, 128) \
					      LR(op, n, 144) LR(last, n, 160)
#define LIVE_CASE(op, last, n)                                     \
	case n:                                                    \
		__asm__ volatile(LIVE_BODY(op, last, n)            \
				 : [rk] "+r"(rk)                   \
				 : [rounds] "r"(c->rounds)         \
				 : "cc", "memory" CLOBBER_XMM(n)); \
		break
#define LIVE_SWITCH(op, last, reg)       \
	switch (reg) {                   \
		LIVE_CASE(op, last, 0);  \
		LIVE_CASE(op, last, 1);  \
		LIVE_CASE(op, last, 2);  \
		LIVE_CASE(op, last, 3);  \
		LIVE_CASE(op, last, 4);  \
		LIVE_CASE(op, last, 5);  \
		LIVE_CASE(op, last, 6);  \
		LIVE_CASE(op, last, 7);  \
		LIVE_CASE(op, last, 8);  \
		LIVE_CASE(op, last, 9);  \
		LIVE_CASE(op, last, 10); \
		LIVE_CASE(op, last, 11); \
		LIVE_CASE(op, last, 12); \
		LIVE_CASE(op, last, 13); \
		LIVE_CASE(op, last, 14); \
		LIVE_CASE(op, last, 15); \
	}
#define R8(op, off)    \
	LR(op, 0, off) \
	LR(op, 1, off) \
	LR(op, 2, off) LR(op, 3, off) LR(op, 4, off) LR(op, 5, off) LR(op, 6, off) LR(op, 7, off)
#define LIVE8_BODY(op, last)                                                               \
	R8("pxor", 0)                                                                      \
	"cmpl $10, %[rounds]\n\t"                                                          \
	"je 1f\n\t" R8(op, 16) R8(op, 32) R8(op, 48)                                       \
		R8(op, 64) "add $64, %[rk]\n\t"                                            \
			   "1:\n\t" R8(op, 16) R8(op, 32) R8(op, 48) R8(op, 64) R8(op, 80) \
				   R8(op, 96) R8(op, 112) R8(op, 128) R8(op, 144) R8(last, 160)
#define CLOBBER_XMM0_7 \
	CLOBBER_XMM(0) \
	CLOBBER_XMM(1) \
	CLOBBER_XMM(2) CLOBBER_XMM(3) CLOBBER_XMM(4) CLOBBER_XMM(5) CLOBBER_XMM(6) CLOBBER_XMM(7)

/* One register in place, and XMM0-7 in place, for each direction. */
#define LIVE_FUNCS(dir, op, last)                                      \
	void aesni_##dir##_live(const struct aes_ctx *c, unsigned reg) \
	{                                                              \
		const u32 *rk = c->rk;                                 \
                                                                       \
		LIVE_SWITCH(op, last, reg)                             \
	}                                                              \
                                                                       \
	void aesni_##dir##_live8(const struct aes_ctx *c)              \
	{                                                              \
		const u32 *rk = c->rk;                                 \
                                                                       \
		__asm__ volatile(LIVE8_BODY(op, last)                  \
				 : [rk] "+r"(rk)                       \
				 : [rounds] "r"(c->rounds)             \
				 : "cc", "memory" CLOBBER_XMM0_7);     \
	}

LIVE_FUNCS(encrypt, "aesenc", "aesenclast")
LIVE_FUNCS(decrypt, "aesdec", "aesdeclast")

/*
 * The equivalent inverse cipher's schedule (FIPS-197 5.3.5) in the order
 * AESDEC uses it: round key Nr first, then InvMixColumns of keys Nr-1 .. 1,
 * then key 0; the rest zero, as aes_expand() leaves it.
 */
void aesni_inverse_schedule(struct aes_ctx *dk, const struct aes_ctx *c)
{
	unsigned nr = c->rounds;

	for (unsigned r = 0; r <= nr; r++) {
		const u32 *from = &c->rk[4 * (nr - r)];
		u32 *to = &dk->rk[4 * r];

		if (r == 0 || r == nr)
			__asm__ volatile("movdqu (%0), %%xmm1\n\t"
					 "movdqu %%xmm1, (%1)" ::"r"(from),
					 "r"(to)
					 : "memory" XMM_1_1);
		else
			__asm__ volatile("movdqu (%0), %%xmm1\n\t"
					 "aesimc %%xmm1, %%xmm1\n\t"
					 "movdqu %%xmm1, (%1)" ::"r"(from),
					 "r"(to)
					 : "memory" XMM_1_1);
	}
	__asm__ volatile("pxor %%xmm1, %%xmm1" ::: "memory" XMM_1_1);
	for (unsigned i = 4 * (nr + 1); i < ARRAY_SIZE(dk->rk); i++)
		dk->rk[i] = 0;
	dk->rounds = nr;
	dk->reserved[0] = dk->reserved[1] = dk->reserved[2] = 0;
}

/*
 * POLYVAL's dot(A, H) = A * H * x^-128 mod P, P = x^128 + x^127 + x^126 +
 * x^121 + 1, with bit i of the 16 little-endian bytes the coefficient of
 * x^i: the order PCLMULQDQ works in, so no byte reversal is needed.
 *
 * Product: the 256-bit T = A * H from four 64 x 64 carry-less multiplies,
 * kept as L (bits 127:0) and U (bits 255:128).
 *
 * Reduction, Montgomery style, 64 bits at a time.  Write L = l1 x^64 + l0.
 * Since P = 1 + x^64 (C + x^64) with C = x^63 + x^62 + x^57, adding l0 P
 * clears bits 63:0, and dividing by x^64 leaves
 *	U x^64 + (l0 + hi(l0 C)) x^64 + (l1 + lo(l0 C))
 * that is U x^64 + L' with L' = swap64(L) + l0 C.  The same step on L'
 * gives the result, of degree < 128 and already reduced:
 *	dot = U + swap64(L') + l0' C,	l0' = L' bits 63:0.
 * (l0 C has degree at most 126, so it fits in 128 bits.)
 *
 * XMM0 = S, XMM1 = H, XMM5 = C; XMM2-4 scratch.
 */
static const u64 polyval_c[2] = { 0xc200000000000000ULL, 0 };

void polyval_clmul(u8 s[16], const u8 h[16], const u8 *x, size_t n)
{
	if (!n)
		return;
	__asm__ volatile("movdqu (%[s]), %%xmm0\n\t"
			 "movdqu (%[h]), %%xmm1\n\t"
			 "movdqu (%[c]), %%xmm5\n\t"
			 "1:\n\t"
			 "movdqu (%[x]), %%xmm2\n\t"
			 "pxor %%xmm2, %%xmm0\n\t" /* A = S + X_i */
			 "movdqa %%xmm0, %%xmm2\n\t"
			 "pclmulqdq $0x00, %%xmm1, %%xmm2\n\t" /* a0 h0 */
			 "movdqa %%xmm0, %%xmm3\n\t"
			 "pclmulqdq $0x11, %%xmm1, %%xmm3\n\t" /* a1 h1 */
			 "movdqa %%xmm0, %%xmm4\n\t"
			 "pclmulqdq $0x10, %%xmm1, %%xmm4\n\t" /* a0 h1 */
			 "pclmulqdq $0x01, %%xmm1, %%xmm0\n\t" /* a1 h0 */
			 "pxor %%xmm4, %%xmm0\n\t" /* middle, at x^64 */
			 "movdqa %%xmm0, %%xmm4\n\t"
			 "pslldq $8, %%xmm4\n\t"
			 "psrldq $8, %%xmm0\n\t"
			 "pxor %%xmm4, %%xmm2\n\t" /* L */
			 "pxor %%xmm0, %%xmm3\n\t" /* U */
			 "movdqa %%xmm2, %%xmm4\n\t"
			 "pclmulqdq $0x00, %%xmm5, %%xmm4\n\t" /* l0 C */
			 "pshufd $0x4e, %%xmm2, %%xmm2\n\t" /* swap64 */
			 "pxor %%xmm4, %%xmm2\n\t" /* L' */
			 "movdqa %%xmm2, %%xmm4\n\t"
			 "pclmulqdq $0x00, %%xmm5, %%xmm4\n\t" /* l0' C */
			 "pshufd $0x4e, %%xmm2, %%xmm2\n\t"
			 "pxor %%xmm4, %%xmm2\n\t"
			 "pxor %%xmm2, %%xmm3\n\t" /* S = dot(A, H) */
			 "movdqa %%xmm3, %%xmm0\n\t"
			 "add $16, %[x]\n\t"
			 "dec %[n]\n\t"
			 "jnz 1b\n\t"
			 "movdqu %%xmm0, (%[s])\n\t"
			 "pxor %%xmm0, %%xmm0\n\t"
			 "pxor %%xmm1, %%xmm1\n\t"
			 "pxor %%xmm2, %%xmm2\n\t"
			 "pxor %%xmm3, %%xmm3\n\t"
			 "pxor %%xmm4, %%xmm4\n\t"
			 "pxor %%xmm5, %%xmm5"
			 : [x] "+r"(x), [n] "+r"(n)
			 : [s] "r"(s), [h] "r"(h), [c] "r"(polyval_c)
			 : "cc", "memory" XMM_0_5);
}
