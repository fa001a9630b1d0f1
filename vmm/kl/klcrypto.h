/* SPDX-License-Identifier: MIT */
/*
 * Key Locker crypto core: AES-128/256, POLYVAL (RFC 8452) and the Key
 * Locker handle wrap/unwrap (Key Locker Specification 343965, Appendix A).
 * Plain C for the VMM's software Key Locker emulation (no libc), with
 * AES-NI and PCLMULQDQ paths (klcrypto_ni.c) chosen once at boot.
 *
 * Byte order: a 128-bit quantity (an XMM register, an IWKey half, a handle
 * field) is stored little-endian, as the register holds it in memory:
 * byte 0 holds bits 7:0, byte 15 holds bits 127:120.  A value written
 * 0x8720849214a248ad_898940a278c095dc is the bytes dc 95 c0 78 ... 87.
 */
#ifndef KLV_KLCRYPTO_H
#define KLV_KLCRYPTO_H

#include "lib/types.h"

/*
 * Implementation choice, made once at boot before any other call here:
 * @aesni = CPUID.1:ECX[25], @pclmul = CPUID.1:ECX[1].  AES uses AES-NI
 * when @aesni, POLYVAL uses PCLMULQDQ when @pclmul; the rest stays in C.
 * Until it is called (and in a build that never calls it) all is C.
 * klcrypto_impl() names the choice for the boot log.
 *
 * XMM registers: with AES-NI or PCLMULQDQ selected, every function below
 * may overwrite XMM0-XMM8 (those it uses are zero on return, so no key
 * material stays behind in them); aes_init_* only with AES-NI.  The VMM keeps
 * nothing of its own there, but a guest's vector state may be live in
 * them: callers must have saved it to memory first (fpu_xmm_begin()) and
 * must restore it afterwards (fpu_xmm_end()).
 */
void klcrypto_select(bool aesni, bool pclmul);
const char *klcrypto_impl(void);

/* One internal wrapping key (IWKey). */
struct kl_iwkey {
	u8 integrity[16]; /* IntegrityKey: bits 127:0, little-endian bytes as XMM0 holds them */
	u8 encryption[32]; /* EncryptionKey: [127:0] bytes 0-15, [255:128] bytes 16-31 */
	bool nobackup;
	u8 key_source;
};

/*
 * AES (FIPS-197).  @key_bits is 128 or 256 (any value other than 256 is
 * treated as 128).  The context holds the expanded round keys: wipe it
 * with memzero_explicit when done.  aes_init_decrypt expands the same
 * schedule (the straightforward inverse cipher walks it backwards; the
 * AES-NI path applies AESIMC to the middle round keys as it goes); use it
 * for contexts passed to aes_decrypt.  @in and @out may alias.  Contexts
 * are the same for both implementations.
 *
 * rk[] is the FIPS-197 schedule w[0..4*rounds+3], word i holding its
 * bytes little-endian (the first byte in bits 7:0): on x86 round key r is
 * then the 16 bytes at &rk[4 * r] in order, as AES-NI loads it.
 */
struct aes_ctx {
	/* 16-byte aligned: aes_encrypt_live() uses round keys as SSE memory operands. */
	u32 rk[60] __attribute__((aligned(16)));
	unsigned rounds;
	u32 reserved[3]; /* zero: no implicit padding, so contexts compare bytewise */
};
void aes_init_encrypt(struct aes_ctx *c, const u8 *key, unsigned key_bits);
void aes_init_decrypt(struct aes_ctx *c, const u8 *key, unsigned key_bits);
void aes_encrypt(const struct aes_ctx *c, const u8 in[16], u8 out[16]);
void aes_decrypt(const struct aes_ctx *c, const u8 in[16], u8 out[16]);
/*
 * @n consecutive blocks in place: eight (AES*WIDE*KL's XMM0-7) go through
 * AES-NI together, with each round key loaded once for all of them.
 */
void aes_encrypt_blocks(const struct aes_ctx *c, u8 *blocks, unsigned n);
void aes_decrypt_blocks(const struct aes_ctx *c, u8 *blocks, unsigned n);
/*
 * Encrypt live registers in place: XMM@first .. XMM@first + @n - 1 (@n is
 * 1, or 8 with @first 0), with AES-NI and the round keys as memory
 * operands, so no other register is touched.  For callers whose guest
 * vector state is live in the registers and should stay there (no XSAVE
 * round trip).  False, with nothing done, if AES-NI is not selected or
 * @c is not 16-byte aligned: the caller takes the saved-image path.
 */
bool aes_encrypt_live(const struct aes_ctx *c, unsigned first, unsigned n);
/*
 * The same for decryption: @dk from aes_init_decrypt_live(), the round
 * keys of @c in the order AESDEC uses them (the last first, InvMixColumns
 * applied to the middle ones).  aes_init_decrypt_live() runs AES-NI
 * (XMM1) and returns false, leaving @dk untouched, without it.
 */
bool aes_init_decrypt_live(struct aes_ctx *dk, const struct aes_ctx *c);
bool aes_decrypt_live(const struct aes_ctx *dk, unsigned first, unsigned n);

/* POLYVAL_H(X_1, ..., X_n) of RFC 8452 section 3; @blocks is n*16 bytes. */
void polyval(const u8 h[16], const u8 *blocks, size_t nr_blocks, u8 out[16]);

/* Handle AAD bits 2:0: the restrictions ENCODEKEY takes in its SRC operand. */
#define KL_AAD_CPL0	  BIT(0)
#define KL_AAD_NO_ENCRYPT BIT(1)
#define KL_AAD_NO_DECRYPT BIT(2)
#define KL_AAD_RESTRICT	  (KL_AAD_CPL0 | KL_AAD_NO_ENCRYPT | KL_AAD_NO_DECRYPT)
/* AAD bits 27:24: key type, 0 = AES-128, 1 = AES-256. */
#define KL_AAD_TYPE_SHIFT 24
#define KL_AAD_TYPE_MASK  (0xfULL << KL_AAD_TYPE_SHIFT)

#define KL_HANDLE128_SIZE	 48
#define KL_HANDLE256_SIZE	 64
#define KL_HANDLE_SIZE(key_bits) ((key_bits) == 256 ? KL_HANDLE256_SIZE : KL_HANDLE128_SIZE)

/*
 * Build the handle for @key (key_bits 128 -> 48-byte handle, 256 ->
 * 64-byte; any value other than 256 is treated as 128) with restrictions
 * @restrict_bits (bits 2:0 only; the caller checks SRC[31:3] and raises
 * #GP).  Handle layout = memory byte order of the handle bit table: bytes
 * 0-15 AAD, 16-31 tag, 32.. ciphertext.  A 256-bit @key is XMM0 (bits
 * 127:0) in bytes 0-15 and XMM1 in bytes 16-31.  @key and @handle may
 * overlap (e.g. both the guest's XMM0-3 image).
 */
void kl_wrap(const struct kl_iwkey *iw, u32 restrict_bits, const u8 *key, unsigned key_bits,
	     u8 *handle);

/*
 * Authenticate and decrypt: false (@key_out untouched) if a reserved AAD
 * bit is set, the key type in AAD[27:24] does not match @key_bits, or the
 * tag does not verify.  On success @key_out gets the key and *@aad_low
 * gets AAD bits 31:0.  The CPL0-only, no-encrypt and no-decrypt checks
 * depend on the instruction and the CPL, so they are the caller's job.
 * @key_out may overlap @handle: it is written last.
 */
bool kl_unwrap(const struct kl_iwkey *iw, const u8 *handle, unsigned key_bits, u8 *key_out,
	       u32 *aad_low);

/*
 * kl_wrap() and kl_unwrap() with @aes already holding the AES-256
 * encryption schedule of @iw->encryption (aes_init_encrypt(aes,
 * iw->encryption, 256)): the same results without expanding it per call,
 * for callers that keep the schedule with the key (the software slot).
 */
void kl_wrap_sched(const struct kl_iwkey *iw, const struct aes_ctx *aes, u32 restrict_bits,
		   const u8 *key, unsigned key_bits, u8 *handle);
bool kl_unwrap_sched(const struct kl_iwkey *iw, const struct aes_ctx *aes, const u8 *handle,
		     unsigned key_bits, u8 *key_out, u32 *aad_low);

#endif
