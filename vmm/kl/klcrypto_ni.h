/* SPDX-License-Identifier: MIT */
/*
 * AES-NI and PCLMULQDQ versions of the klcrypto primitives, for
 * klcrypto.c's dispatch (and the unit tests); not for the rest of the VMM.
 * Callers must have checked the CPUID bits and saved any live guest
 * vector state: each function uses some of XMM0-XMM8 (the one-block AES
 * ones XMM0 and XMM1) and leaves the ones it used zero.
 */
#ifndef VMM_KL_KLCRYPTO_NI_H
#define VMM_KL_KLCRYPTO_NI_H

#include "vmm/kl/klcrypto.h"

/* As aes_encrypt/aes_decrypt, on a context from aes_init_*; may alias. */
void aesni_encrypt(const struct aes_ctx *c, const u8 in[16], u8 out[16]);
void aesni_decrypt(const struct aes_ctx *c, const u8 in[16], u8 out[16]);
/* Eight consecutive blocks in place (XMM0-7 the state, XMM8 the round key). */
void aesni_encrypt8(const struct aes_ctx *c, u8 blocks[128]);
void aesni_decrypt8(const struct aes_ctx *c, u8 blocks[128]);
/*
 * Encrypt live XMM@reg (0-15), or XMM0-7, in place with memory-operand
 * round keys: no other register is touched (and none zeroed: they are
 * the guest's).  @c must be 16-byte aligned.
 */
void aesni_encrypt_live(const struct aes_ctx *c, unsigned reg);
void aesni_encrypt_live8(const struct aes_ctx *c);
/* @dk = @c's round keys in AESDEC's order, AESIMC on the middle ones (XMM1). */
void aesni_inverse_schedule(struct aes_ctx *dk, const struct aes_ctx *c);
/* As aesni_encrypt_live*(), decrypting with such a @dk. */
void aesni_decrypt_live(const struct aes_ctx *dk, unsigned reg);
void aesni_decrypt_live8(const struct aes_ctx *dk);
/* aes_init_encrypt() of a 128-bit key with AESKEYGENASSIST (XMM1-3). */
void aesni_expand128(struct aes_ctx *c, const u8 key[16]);

/*
 * For each of the @n blocks at @x: S = dot(S + X_i, H) (RFC 8452 section
 * 3).  @s and @h are field elements as 16 little-endian bytes.
 */
void polyval_clmul(u8 s[16], const u8 h[16], const u8 *x, size_t n);

#endif
