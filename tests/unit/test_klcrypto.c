// SPDX-License-Identifier: MIT
/*
 * The Key Locker crypto core (vmm/kl/klcrypto.c) against independent
 * references: AES against OpenSSL and FIPS-197 Appendix C; POLYVAL
 * against RFC 8452 (Appendix A, section 7, Appendix C.1) and against
 * OpenSSL's AES-GCM GHASH through the RFC 8452 Appendix A relation; the
 * wrap against the Key Locker specification's zero-IWKey vector, against
 * a wrap built here from OpenSSL AES and a POLYVAL written from the RFC's
 * definition, and against build/guests/kl_vectors.h (tools/klvectors.c);
 * unwrap round trips and every failure the handle table lists.
 *
 * Every one of those checks runs twice, as "c/..." with the plain C
 * selected and as "ni/..." with AES-NI and PCLMULQDQ (skipped on a host
 * without them); the "ni_" tests also compare the two directly on random
 * inputs, in all four combinations, and check the XMM wipe.
 */
#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lib/string.h"
#include "vmm/kl/klcrypto.h"
#include "vmm/kl/klcrypto_ni.h"
#include "tests/unit/support.h"

#include "kl_vectors.h"

/* ---- Helpers ---- */

/* splitmix64 with a fixed seed: failures reproduce. */
static u64 rng_state = 0x6b6c63727970746fULL;

static u64 rng64(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_fill(void *p, size_t n)
{
	u8 *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (u8)rng64();
}

static void unhex(const char *s, u8 *out)
{
	size_t n = strlen(s) / 2;

	for (size_t i = 0; i < n; i++)
		assert_int_equal(sscanf(s + 2 * i, "%2hhx", &out[i]), 1);
}

static void assert_hex(const u8 *got, const char *hex)
{
	u8 want[128];

	unhex(hex, want);
	assert_memory_equal(got, want, strlen(hex) / 2);
}

/* AES-ECB through OpenSSL, no padding. */
static void ossl_ecb(const u8 *key, unsigned key_bits, int enc, const u8 *in, u8 *out,
		     size_t nblocks)
{
	const EVP_CIPHER *c = key_bits == 256 ? EVP_aes_256_ecb() : EVP_aes_128_ecb();
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0, fin = 0;

	assert_non_null(ctx);
	assert_true(EVP_CipherInit_ex(ctx, c, NULL, key, NULL, enc));
	assert_true(EVP_CIPHER_CTX_set_padding(ctx, 0));
	assert_true(EVP_CipherUpdate(ctx, out, &len, in, (int)(16 * nblocks)));
	assert_true(EVP_CipherFinal_ex(ctx, out + len, &fin));
	assert_int_equal(len + fin, 16 * nblocks);
	EVP_CIPHER_CTX_free(ctx);
}

/* ---- An independent POLYVAL, from the RFC 8452 section 3 definition ---- */

/*
 * Polynomials over GF(2) as little-endian bit strings: bit i of the byte
 * array is the coefficient of x^i (RFC 8452's encoding).  Deliberately
 * naive: one coefficient at a time.
 */
static int coef(const u8 *p, int i)
{
	return (p[i / 8] >> (i % 8)) & 1;
}

static void flip_coef(u8 *p, int i)
{
	p[i / 8] ^= (u8)(1 << (i % 8));
}

/* r = a * b mod (x^128 + x^127 + x^126 + x^121 + 1) */
static void ref_mulmod(const u8 a[16], const u8 b[16], u8 r[16])
{
	static const int p_terms[] = { 128, 127, 126, 121, 0 };
	u8 prod[32] = { 0 };

	for (int i = 0; i < 128; i++)
		for (int j = 0; j < 128; j++)
			if (coef(a, i) & coef(b, j))
				flip_coef(prod, i + j);
	for (int d = 254; d >= 128; d--)
		if (coef(prod, d))
			for (size_t t = 0; t < ARRAY_SIZE(p_terms); t++)
				flip_coef(prod, d - 128 + p_terms[t]);
	memcpy(r, prod, 16);
}

/* x^-128 = x^127 + x^124 + x^121 + x^114 + 1 (RFC 8452 section 3). */
static void ref_x_inv128(u8 r[16])
{
	memset(r, 0, 16);
	flip_coef(r, 127);
	flip_coef(r, 124);
	flip_coef(r, 121);
	flip_coef(r, 114);
	flip_coef(r, 0);
}

/* dot(a, b) = a * b * x^-128 */
static void ref_dot(const u8 a[16], const u8 b[16], u8 r[16])
{
	u8 t[16], xi[16];

	ref_x_inv128(xi);
	ref_mulmod(a, b, t);
	ref_mulmod(t, xi, r);
}

static void ref_polyval(const u8 h[16], const u8 *x, size_t n, u8 out[16])
{
	u8 s[16] = { 0 }, t[16];

	for (size_t j = 0; j < n; j++) {
		for (int i = 0; i < 16; i++)
			t[i] = s[i] ^ x[16 * j + i];
		ref_dot(t, h, s);
	}
	memcpy(out, s, 16);
}

/* ---- An independent wrap ---- */

/*
 * The Key Locker wrap for any 16-byte @aad (so tests can also build
 * handles with reserved bits that carry a valid tag), from the spec:
 * S = POLYVAL_H(AAD, key blocks, LEN), LEN = 128 in bits 63:0 and the key
 * length in bits in bits 127:64; Tag = AES-256_K(S & ~bit127) with
 * OpenSSL; CT = key ^ AES-256_K(Tag | bit127, low dword + i).
 */
static void ref_wrap_aad(const u8 integ[16], const u8 enc[32], const u8 aad[16], const u8 *key,
			 unsigned key_bits, u8 *handle)
{
	unsigned nkey = key_bits / 128;
	u8 in[64] = { 0 }, s[16], ctr[32], ks[32];
	u8 *len = in + 16 * (nkey + 1);

	memcpy(in, aad, 16);
	memcpy(in + 16, key, 16 * nkey);
	for (int i = 0; i < 8; i++) {
		len[i] = (u8)(128ULL >> (8 * i));
		len[8 + i] = (u8)((u64)key_bits >> (8 * i));
	}
	ref_polyval(integ, in, nkey + 2, s);
	s[15] &= 0x7f;
	memcpy(handle, aad, 16);
	ossl_ecb(enc, 256, 1, s, handle + 16, 1);
	for (unsigned i = 0; i < nkey; i++) {
		u32 low;

		memcpy(ctr + 16 * i, handle + 16, 16);
		ctr[16 * i + 15] |= 0x80;
		memcpy(&low, ctr + 16 * i, 4); /* x86: little-endian */
		low += i;
		memcpy(ctr + 16 * i, &low, 4);
	}
	ossl_ecb(enc, 256, 1, ctr, ks, nkey);
	for (unsigned i = 0; i < 16 * nkey; i++)
		handle[32 + i] = key[i] ^ ks[i];
}

static void ref_wrap(const struct kl_iwkey *iw, u32 src, const u8 *key, unsigned key_bits,
		     u8 *handle)
{
	u8 aad[16] = { 0 };

	aad[0] = (u8)(src & 7);
	aad[3] = key_bits == 256;
	ref_wrap_aad(iw->integrity, iw->encryption, aad, key, key_bits, handle);
}

static void random_iwkey(struct kl_iwkey *iw)
{
	memset(iw, 0, sizeof(*iw));
	rng_fill(iw->integrity, 16);
	rng_fill(iw->encryption, 32);
}

/* ---- AES ---- */

static void check_aes_vector(const char *key_hex, unsigned key_bits, const char *pt_hex,
			     const char *ct_hex)
{
	u8 key[32], pt[16], buf[16];
	struct aes_ctx c;

	unhex(key_hex, key);
	unhex(pt_hex, pt);
	aes_init_encrypt(&c, key, key_bits);
	assert_int_equal(c.rounds, key_bits == 256 ? 14 : 10);
	aes_encrypt(&c, pt, buf);
	assert_hex(buf, ct_hex);
	aes_init_decrypt(&c, key, key_bits);
	aes_decrypt(&c, buf, buf); /* in place */
	assert_memory_equal(buf, pt, 16);
}

static void test_aes_fips197(void **state)
{
	(void)state;
	/* Appendix B */
	check_aes_vector("2b7e151628aed2a6abf7158809cf4f3c", 128,
			 "3243f6a8885a308d313198a2e0370734", "3925841d02dc09fbdc118597196a0b32");
	/* Appendix C.1 and C.3 */
	check_aes_vector("000102030405060708090a0b0c0d0e0f", 128,
			 "00112233445566778899aabbccddeeff", "69c4e0d86a7b0430d8cdb78070b4c55a");
	check_aes_vector("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 256,
			 "00112233445566778899aabbccddeeff", "8ea2b7ca516745bfeafc49904b496089");
}

static void test_aes_vs_openssl(void **state)
{
	(void)state;
	for (unsigned key_bits = 128; key_bits <= 256; key_bits += 128) {
		for (int n = 0; n < 1000; n++) {
			u8 key[32], in[16], mine[16], ref[16];
			struct aes_ctx c;

			rng_fill(key, sizeof(key));
			rng_fill(in, sizeof(in));
			aes_init_encrypt(&c, key, key_bits);
			aes_encrypt(&c, in, mine);
			ossl_ecb(key, key_bits, 1, in, ref, 1);
			assert_memory_equal(mine, ref, 16);
			aes_init_decrypt(&c, key, key_bits);
			aes_decrypt(&c, in, mine);
			ossl_ecb(key, key_bits, 0, in, ref, 1);
			assert_memory_equal(mine, ref, 16);
		}
	}
}

/* ---- POLYVAL ---- */

static void check_polyval(const char *h_hex, const char *x_hex, const char *want)
{
	u8 h[16], x[64], out[16];
	size_t n = strlen(x_hex) / 32;

	unhex(h_hex, h);
	unhex(x_hex, x);
	polyval(h, x, n, out);
	assert_hex(out, want);
	ref_polyval(h, x, n, out);
	assert_hex(out, want);
}

static void test_polyval_rfc8452(void **state)
{
	u8 a[16], b[16];

	(void)state;
	/* Appendix A: POLYVAL(H, X_1) and POLYVAL(H, X_1, X_2). */
	check_polyval("25629347589242761d31f826ba4b757b", "4f4f95668c83dfb6401762bb2d01a262",
		      "cedac64537ff50989c16011551086d77");
	check_polyval("25629347589242761d31f826ba4b757b",
		      "4f4f95668c83dfb6401762bb2d01a262d1a24ddd2721d006bbe45f20d3c9f362",
		      "f7a3b47b846119fae5b7866cf5e5b77e");
	/* Section 7: dot(a, b) = POLYVAL(a, b) for one block. */
	check_polyval("66e94bd4ef8a2c3b884cfa59ca342b2e", "ff000000000000000000000000000000",
		      "ebe563401e7e91ea3ad6426b8140c394");
	/* Appendix C.1, second vector (8-byte plaintext). */
	check_polyval("d9b360279694941ac5dbc6987ada7377",
		      "0100000000000000000000000000000000000000000000004000000000000000",
		      "eb93b7740962c5e49d2a90a7dc5cec74");
	/* No blocks: 0. */
	memset(a, 0xff, 16);
	polyval(a, NULL, 0, b);
	assert_hex(b, "00000000000000000000000000000000");
}

/* The reference's x^-128 really is the inverse of x^128 mod P. */
static void test_polyval_ref_self(void **state)
{
	u8 x128[16] = { 0 }, xi[16], r[16], one[16] = { 1 };

	(void)state;
	/* x^128 = x^127 + x^126 + x^121 + 1 mod P */
	flip_coef(x128, 127);
	flip_coef(x128, 126);
	flip_coef(x128, 121);
	flip_coef(x128, 0);
	ref_x_inv128(xi);
	ref_mulmod(x128, xi, r);
	assert_memory_equal(r, one, 16);
}

static void byte_reverse(u8 *dst, const u8 *src)
{
	for (int i = 0; i < 16; i++)
		dst[i] = src[15 - i];
}

/*
 * RFC 8452 Appendix A: GHASH(H, X_1..X_n) = ByteReverse(POLYVAL(
 * mulX_POLYVAL(ByteReverse(H)), ByteReverse(X_1), ...)).  OpenSSL's
 * AES-GCM with only AAD gives Tag = E_K(J0) ^ GHASH(E_K(0), A_1..A_n, L),
 * so random H values are checked against code that is not ours at all.
 */
static void test_polyval_vs_openssl_ghash(void **state)
{
	(void)state;
	for (int iter = 0; iter < 200; iter++) {
		size_t n = 1 + iter % 6;
		u8 key[16], iv[12], aad[6 * 16], tag[16], zero[16] = { 0 }, hg[16], hp[16];
		u8 j0[16], ekj0[16], x[7 * 16], got[16], want[16], ref[16];
		EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
		int len;
		unsigned carry;

		rng_fill(key, sizeof(key));
		rng_fill(iv, sizeof(iv));
		rng_fill(aad, 16 * n);
		assert_true(EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, key, iv));
		assert_true(EVP_EncryptUpdate(ctx, NULL, &len, aad, (int)(16 * n)));
		assert_true(EVP_EncryptFinal_ex(ctx, NULL, &len));
		assert_true(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag));
		EVP_CIPHER_CTX_free(ctx);

		/* GHASH key and E_K(J0), J0 = IV || 0^31 || 1. */
		ossl_ecb(key, 128, 1, zero, hg, 1);
		memcpy(j0, iv, 12);
		memcpy(j0 + 12, "\0\0\0\1", 4);
		ossl_ecb(key, 128, 1, j0, ekj0, 1);

		/* POLYVAL key: mulX_POLYVAL(ByteReverse(hg)), x * h mod P. */
		byte_reverse(hp, hg);
		carry = hp[15] >> 7;
		for (int i = 15; i > 0; i--)
			hp[i] = (u8)(hp[i] << 1 | hp[i - 1] >> 7);
		hp[0] <<= 1;
		if (carry) {
			hp[0] ^= 0x01;
			hp[15] ^= 0xc2; /* x^127 + x^126 + x^121 */
		}
		/* Blocks: reversed AAD blocks, then reversed GCM length block. */
		for (size_t i = 0; i < n; i++)
			byte_reverse(x + 16 * i, aad + 16 * i);
		memset(x + 16 * n, 0, 16);
		for (int i = 0; i < 8; i++)
			x[16 * n + 8 + i] = (u8)((u64)(128 * n) >> (8 * i));

		for (int i = 0; i < 16; i++)
			want[15 - i] = tag[i] ^ ekj0[i];
		polyval(hp, x, n + 1, got);
		assert_memory_equal(got, want, 16);
		if (iter < 20) {
			ref_polyval(hp, x, n + 1, ref);
			assert_memory_equal(ref, want, 16);
		}
	}
}

/* ---- Wrap ---- */

/* The Key Locker specification's vector: zero IWKey, zero key, SRC = 0. */
static void test_wrap_kat(void **state)
{
	struct kl_iwkey iw = { 0 };
	u8 key[16] = { 0 }, handle[48], out[16];
	u32 low = 0xdead;

	(void)state;
	kl_wrap(&iw, 0, key, 128, handle);
	assert_hex(handle, "00000000000000000000000000000000");
	/* tag = 0x8720849214a248ad_898940a278c095dc, little-endian */
	assert_hex(handle + 16, "dc95c078a2408989ad48a21492842087");
	/* ciphertext = 0xd3e9d22b334fb3c2_3382228c8474c308 */
	assert_hex(handle + 32, "08c374848c228233c2b34f332bd2e9d3");

	memset(out, 0x5a, sizeof(out));
	assert_true(kl_unwrap(&iw, handle, 128, out, &low));
	assert_memory_equal(out, key, 16);
	assert_int_equal(low, 0);
}

static void test_wrap_vs_reference(void **state)
{
	(void)state;
	for (int iter = 0; iter < 40; iter++) {
		struct kl_iwkey iw;

		random_iwkey(&iw);
		for (unsigned key_bits = 128; key_bits <= 256; key_bits += 128) {
			for (u32 src = 0; src < 8; src++) {
				u8 key[32], mine[64], ref[64];

				rng_fill(key, sizeof(key));
				kl_wrap(&iw, src, key, key_bits, mine);
				ref_wrap(&iw, src, key, key_bits, ref);
				assert_memory_equal(mine, ref, KL_HANDLE_SIZE(key_bits));
			}
		}
	}
}

/* Only bits 2:0 of the restrictions reach the handle. */
static void test_wrap_masks_src(void **state)
{
	struct kl_iwkey iw;
	u8 key[16], a[48], b[48];

	(void)state;
	random_iwkey(&iw);
	rng_fill(key, sizeof(key));
	kl_wrap(&iw, 0xfffffff8 | 5, key, 128, a);
	kl_wrap(&iw, 5, key, 128, b);
	assert_memory_equal(a, b, 48);
	assert_hex(a, "05000000000000000000000000000000");
}

/* ENCODEKEY writes the handle over its key (XMM0, XMM1); so may callers. */
static void test_wrap_unwrap_in_place(void **state)
{
	(void)state;
	for (unsigned key_bits = 128; key_bits <= 256; key_bits += 128) {
		struct kl_iwkey iw;
		u8 key[32], buf[64], want[64];
		u32 low;

		random_iwkey(&iw);
		rng_fill(key, sizeof(key));
		kl_wrap(&iw, 1, key, key_bits, want);
		memcpy(buf, key, key_bits / 8);
		kl_wrap(&iw, 1, buf, key_bits, buf);
		assert_memory_equal(buf, want, KL_HANDLE_SIZE(key_bits));
		assert_true(kl_unwrap(&iw, buf, key_bits, buf, &low));
		assert_memory_equal(buf, key, key_bits / 8);
	}
}

/* kl_vectors.h, generated by tools/klvectors.c without klcrypto.c. */
static void test_wrap_vs_klvectors(void **state)
{
	(void)state;
	for (int w = 0; w < KLV_NR_IWKEYS; w++) {
		struct kl_iwkey iw = { 0 };

		memcpy(iw.integrity, klv_iwkey[w].integrity, 16);
		memcpy(iw.encryption, klv_iwkey[w].encryption, 32);
		for (int k = 0; k < KLV_NR_KEYS; k++) {
			for (int r = 0; r < KLV_NR_RESTRICT; r++) {
				u8 h[64], key[32];
				u32 low;

				kl_wrap(&iw, r, klv_key128[k], 128, h);
				assert_memory_equal(h, klv_handle128[w][k][r], 48);
				assert_true(kl_unwrap(&iw, klv_handle128[w][k][r], 128, key, &low));
				assert_memory_equal(key, klv_key128[k], 16);
				kl_wrap(&iw, r, klv_key256[k], 256, h);
				assert_memory_equal(h, klv_handle256[w][k][r], 64);
				assert_true(kl_unwrap(&iw, klv_handle256[w][k][r], 256, key, &low));
				assert_memory_equal(key, klv_key256[k], 32);
			}
		}
	}
	for (int k = 0; k < KLV_NR_KEYS; k++) {
		struct aes_ctx c128, c256;

		aes_init_encrypt(&c128, klv_key128[k], 128);
		aes_init_encrypt(&c256, klv_key256[k], 256);
		for (int b = 0; b < KLV_NR_BLOCKS; b++) {
			u8 out[16];

			aes_encrypt(&c128, klv_block[b], out);
			assert_memory_equal(out, klv_enc128[k][b], 16);
			aes_decrypt(&c128, klv_block[b], out);
			assert_memory_equal(out, klv_dec128[k][b], 16);
			aes_encrypt(&c256, klv_block[b], out);
			assert_memory_equal(out, klv_enc256[k][b], 16);
			aes_decrypt(&c256, klv_block[b], out);
			assert_memory_equal(out, klv_dec256[k][b], 16);
		}
	}
}

/* ---- Unwrap ---- */

static void test_unwrap_roundtrip(void **state)
{
	(void)state;
	for (int iter = 0; iter < 20; iter++) {
		struct kl_iwkey iw;

		random_iwkey(&iw);
		for (unsigned key_bits = 128; key_bits <= 256; key_bits += 128) {
			for (u32 src = 0; src < 8; src++) {
				u8 key[32], h[64], out[32];
				u32 low = 0;

				rng_fill(key, sizeof(key));
				kl_wrap(&iw, src, key, key_bits, h);
				memset(out, 0xa5, sizeof(out));
				assert_true(kl_unwrap(&iw, h, key_bits, out, &low));
				assert_memory_equal(out, key, key_bits / 8);
				if (key_bits == 128) /* nothing past the key */
					for (int i = 16; i < 32; i++)
						assert_int_equal(out[i], 0xa5);
				assert_int_equal(low, src | (key_bits == 256 ? 1u << 24 : 0));
			}
		}
	}
}

/* kl_unwrap fails and leaves key_out and *aad_low alone. */
static void assert_unwrap_fails(const struct kl_iwkey *iw, const u8 *h, unsigned key_bits)
{
	u8 out[32], sentinel[32];
	u32 low = 0x12345678;

	memset(out, 0xa5, sizeof(out));
	memset(sentinel, 0xa5, sizeof(sentinel));
	assert_false(kl_unwrap(iw, h, key_bits, out, &low));
	assert_memory_equal(out, sentinel, sizeof(out));
	assert_int_equal(low, 0x12345678);
}

/* Every single-bit flip of AAD, tag and ciphertext is refused. */
static void test_unwrap_bit_flips(void **state)
{
	(void)state;
	for (unsigned key_bits = 128; key_bits <= 256; key_bits += 128) {
		for (u32 src = 0; src < 8; src += 7) {
			struct kl_iwkey iw;
			u8 key[32], h[64];
			unsigned size = KL_HANDLE_SIZE(key_bits);

			random_iwkey(&iw);
			rng_fill(key, sizeof(key));
			kl_wrap(&iw, src, key, key_bits, h);
			for (unsigned bit = 0; bit < 8 * size; bit++) {
				h[bit / 8] ^= (u8)(1 << (bit % 8));
				assert_unwrap_fails(&iw, h, key_bits);
				h[bit / 8] ^= (u8)(1 << (bit % 8));
			}
		}
	}
}

/* A handle checked as the other size; sizes other than 128 and 256. */
static void test_unwrap_wrong_type(void **state)
{
	struct kl_iwkey iw;
	u8 key[32], h128[64], h256[64];

	(void)state;
	random_iwkey(&iw);
	rng_fill(key, sizeof(key));
	kl_wrap(&iw, 0, key, 128, h128);
	kl_wrap(&iw, 0, key, 256, h256);
	assert_unwrap_fails(&iw, h128, 256);
	assert_unwrap_fails(&iw, h256, 128);
	assert_unwrap_fails(&iw, h128, 192);
	assert_unwrap_fails(&iw, h256, 0);
}

/*
 * Handles whose tag is valid but whose AAD is not: the reserved-bit and
 * key-type checks must stand on their own, not lean on the tag.
 */
static void test_unwrap_bad_aad_valid_tag(void **state)
{
	struct kl_iwkey iw;
	u8 key[32], aad[16], h[64];

	(void)state;
	random_iwkey(&iw);
	rng_fill(key, sizeof(key));

	/* Sanity: the reference with a good AAD gives a handle that unwraps. */
	memset(aad, 0, sizeof(aad));
	aad[0] = 3;
	ref_wrap_aad(iw.integrity, iw.encryption, aad, key, 128, h);
	{
		u8 out[16];
		u32 low;

		assert_true(kl_unwrap(&iw, h, 128, out, &low));
		assert_int_equal(low, 3);
	}

	for (unsigned key_bits = 128; key_bits <= 256; key_bits += 128) {
		for (int bit = 3; bit < 128; bit++) {
			if (bit >= 24 && bit < 28)
				continue;
			memset(aad, 0, sizeof(aad));
			aad[3] = key_bits == 256;
			aad[bit / 8] |= (u8)(1 << (bit % 8));
			ref_wrap_aad(iw.integrity, iw.encryption, aad, key, key_bits, h);
			assert_unwrap_fails(&iw, h, key_bits);
		}
		/* Key types 2-15 are unknown; the other size's type is wrong. */
		for (int type = 0; type < 16; type++) {
			if (type == (key_bits == 256))
				continue;
			memset(aad, 0, sizeof(aad));
			aad[3] = (u8)type;
			ref_wrap_aad(iw.integrity, iw.encryption, aad, key, key_bits, h);
			assert_unwrap_fails(&iw, h, key_bits);
		}
	}
}

/*
 * A handle from another IWKey does not unwrap, whichever part differs (a
 * non-zero IWKey: with H = 0, POLYVAL ignores its input).  NoBackup and
 * KeySource are not part of the wrap.
 */
static void test_unwrap_other_iwkey(void **state)
{
	(void)state;
	for (unsigned key_bits = 128; key_bits <= 256; key_bits += 128) {
		struct kl_iwkey iw, other;
		u8 key[32], h[64], out[32];
		u32 low;

		random_iwkey(&iw);
		rng_fill(key, sizeof(key));
		kl_wrap(&iw, 0, key, key_bits, h);

		other = iw;
		other.integrity[7] ^= 0x10;
		assert_unwrap_fails(&other, h, key_bits);
		other = iw;
		other.encryption[3] ^= 1; /* EncryptionKey[127:0] */
		assert_unwrap_fails(&other, h, key_bits);
		other = iw;
		other.encryption[31] ^= 0x80; /* EncryptionKey[255:128] */
		assert_unwrap_fails(&other, h, key_bits);
		/* Halves swapped. */
		memcpy(other.encryption, iw.encryption + 16, 16);
		memcpy(other.encryption + 16, iw.encryption, 16);
		assert_unwrap_fails(&other, h, key_bits);
		random_iwkey(&other);
		assert_unwrap_fails(&other, h, key_bits);

		other = iw;
		other.nobackup = !iw.nobackup;
		other.key_source = 1;
		assert_true(kl_unwrap(&other, h, key_bits, out, &low));
		assert_memory_equal(out, key, key_bits / 8);
	}
}

/*
 * The zero IWKey: H = 0 makes POLYVAL 0 whatever the AAD and key, so the
 * tag is AES-256_0(0) for every handle and a flipped ciphertext bit
 * unwraps to a key with the same bit flipped.  That is the algorithm, not
 * a bug (hardware does the same); it is why the tamper tests above use
 * random IWKeys.
 */
static void test_unwrap_zero_iwkey_malleable(void **state)
{
	struct kl_iwkey iw = { 0 };
	u8 key[16], h[48], out[16];
	u32 low;

	(void)state;
	rng_fill(key, sizeof(key));
	kl_wrap(&iw, 0, key, 128, h);
	h[40] ^= 1;
	assert_true(kl_unwrap(&iw, h, 128, out, &low));
	key[8] ^= 1;
	assert_memory_equal(out, key, 16);
}

/* ---- AES-NI and PCLMULQDQ against the C ---- */

/* CPUID.1:ECX[25] (AES-NI) and [1] (PCLMULQDQ) of this host. */
static bool host_has(bool aesni, bool pclmul)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return !aesni && !pclmul;
	return (!aesni || (c & bit_AES)) && (!pclmul || (c & bit_PCLMUL));
}

static void need_host(bool aesni, bool pclmul)
{
	if (!host_has(aesni, pclmul)) {
		print_message("host lacks AES-NI or PCLMULQDQ\n");
		skip();
	}
}

static void test_impl_names(void **state)
{
	(void)state;
	klcrypto_select(false, false);
	assert_string_equal(klcrypto_impl(), "C");
	klcrypto_select(true, true);
	assert_string_equal(klcrypto_impl(), "AES-NI + PCLMULQDQ");
	klcrypto_select(true, false);
	assert_string_equal(klcrypto_impl(), "AES-NI + C POLYVAL");
	klcrypto_select(false, true);
	assert_string_equal(klcrypto_impl(), "C AES + PCLMULQDQ");
	klcrypto_select(false, false);
}

/*
 * One context, both paths, random keys and blocks; key sizes other than
 * 128 and 256 mean 128.  Contexts from aes_init_encrypt also decrypt (the
 * schedules are the same), in place too.
 */
static void test_ni_aes_vs_c(void **state)
{
	static const unsigned sizes[] = { 128, 256, 192, 0 };

	(void)state;
	need_host(true, false);
	for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
		for (int n = 0; n < 500; n++) {
			u8 key[32], in[16], c_enc[16], c_dec[16], ni[16];
			struct aes_ctx c;

			rng_fill(key, sizeof(key));
			rng_fill(in, sizeof(in));
			klcrypto_select(false, false);
			aes_init_encrypt(&c, key, sizes[k]);
			aes_encrypt(&c, in, c_enc);
			aes_decrypt(&c, in, c_dec);

			klcrypto_select(true, false);
			aes_encrypt(&c, in, ni);
			assert_memory_equal(ni, c_enc, 16);
			aesni_encrypt(&c, in, ni);
			assert_memory_equal(ni, c_enc, 16);
			aes_init_decrypt(&c, key, sizes[k]);
			aes_decrypt(&c, in, ni);
			assert_memory_equal(ni, c_dec, 16);
			memcpy(ni, in, 16);
			aesni_decrypt(&c, ni, ni);
			assert_memory_equal(ni, c_dec, 16);
			aesni_encrypt(&c, ni, ni);
			assert_memory_equal(ni, in, 16);
		}
	}
	klcrypto_select(false, false);
}

/* Special field elements: 0, 1, x^63, x^64, x^127, all ones. */
static void special_element(u8 e[16], int which)
{
	memset(e, 0, 16);
	switch (which) {
	case 1:
		e[0] = 1;
		break;
	case 2:
		e[7] = 0x80;
		break;
	case 3:
		e[8] = 1;
		break;
	case 4:
		e[15] = 0x80;
		break;
	case 5:
		memset(e, 0xff, 16);
		break;
	}
}

static void test_ni_polyval_vs_c(void **state)
{
	(void)state;
	need_host(false, true);
	for (int iter = 0; iter < 2000; iter++) {
		size_t n = (size_t)iter % 9;
		u8 h[16], x[8 * 16], c_out[16], ni[16], s[16], h_copy[16];

		rng_fill(h, sizeof(h));
		rng_fill(x, sizeof(x));
		/* Edge values for H and for the blocks, a few hundred times. */
		if (iter < 6 * 6 * 8) {
			special_element(h, iter % 6);
			for (size_t i = 0; i < n; i++)
				special_element(x + 16 * i, (iter / 6 + (int)i) % 6);
		}
		memcpy(h_copy, h, 16);
		klcrypto_select(false, false);
		polyval(h, x, n, c_out);
		klcrypto_select(false, true);
		memset(ni, 0x5a, sizeof(ni));
		polyval(h, x, n, ni);
		assert_memory_equal(ni, c_out, 16);
		/* Directly, from S = 0 and in two parts. */
		memset(s, 0, sizeof(s));
		polyval_clmul(s, h, x, n / 2);
		polyval_clmul(s, h, x + 16 * (n / 2), n - n / 2);
		assert_memory_equal(s, c_out, 16);
		assert_memory_equal(h, h_copy, 16);
		/* Against the naive reference as well, now and then. */
		if (iter % 50 == 0) {
			ref_polyval(h, x, n, s);
			assert_memory_equal(s, c_out, 16);
		}
	}
	klcrypto_select(false, false);
}

/*
 * kl_wrap under each of the four choices gives the same handle, and a
 * handle from any of them unwraps under every other.
 */
static void test_ni_wrap_vs_c(void **state)
{
	(void)state;
	need_host(true, true);
	for (int iter = 0; iter < 100; iter++) {
		unsigned key_bits = iter & 1 ? 256 : 128;
		u32 src = (u32)iter % 8;
		struct kl_iwkey iw;
		u8 key[32], want[64], h[4][64];

		random_iwkey(&iw);
		rng_fill(key, sizeof(key));
		ref_wrap(&iw, src, key, key_bits, want);
		for (int m = 0; m < 4; m++) {
			klcrypto_select(m & 1, m & 2);
			kl_wrap(&iw, src, key, key_bits, h[m]);
			assert_memory_equal(h[m], want, KL_HANDLE_SIZE(key_bits));
		}
		for (int m = 0; m < 4; m++) {
			for (int from = 0; from < 4; from++) {
				u8 out[32];
				u32 low = 0;

				klcrypto_select(m & 1, m & 2);
				assert_true(kl_unwrap(&iw, h[from], key_bits, out, &low));
				assert_memory_equal(out, key, key_bits / 8);
				h[from][16 + iter % 16] ^= 1; /* and a bad tag is refused */
				assert_false(kl_unwrap(&iw, h[from], key_bits, out, &low));
				h[from][16 + iter % 16] ^= 1;
			}
		}
	}
	klcrypto_select(false, false);
}

/* ---- The XMM wipe ---- */

static void xmm_fill(const u8 pattern[16])
{
	__asm__ volatile("movdqu (%0), %%xmm0\n\t"
			 "movdqa %%xmm0, %%xmm1\n\t"
			 "movdqa %%xmm0, %%xmm2\n\t"
			 "movdqa %%xmm0, %%xmm3\n\t"
			 "movdqa %%xmm0, %%xmm4\n\t"
			 "movdqa %%xmm0, %%xmm5" ::"r"(pattern)
			 : "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5");
}

static void xmm_dump(u8 regs[6][16])
{
	__asm__ volatile("movdqu %%xmm0, 0(%0)\n\t"
			 "movdqu %%xmm1, 16(%0)\n\t"
			 "movdqu %%xmm2, 32(%0)\n\t"
			 "movdqu %%xmm3, 48(%0)\n\t"
			 "movdqu %%xmm4, 64(%0)\n\t"
			 "movdqu %%xmm5, 80(%0)" ::"r"(regs)
			 : "memory");
}

typedef void aes_fn(const struct aes_ctx *c, const u8 in[16], u8 out[16]);

/* Fill XMM0-5 with a pattern, run one NI primitive, dump XMM0-5. */
static __attribute__((noinline)) void run_aes_dump(aes_fn *fn, const struct aes_ctx *c,
						   const u8 *in, u8 *out, u8 regs[6][16])
{
	static const u8 pattern[16] = { 0xa5, 0x5a, 0xff, 0x01, 0x80, 0x7e, 0x33, 0xcc,
					0xa5, 0x5a, 0xff, 0x01, 0x80, 0x7e, 0x33, 0xcc };

	xmm_fill(pattern);
	fn(c, in, out);
	xmm_dump(regs);
}

/* polyval_clmul(s, ...) directly, or the public polyval(..., s) if @public. */
static __attribute__((noinline)) void run_polyval_dump(bool public, u8 *s, const u8 *h, const u8 *x,
						       size_t n, u8 regs[6][16])
{
	static const u8 pattern[16] = { 0x3c, 0xc3, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20,
					0x40, 0x80, 0xff, 0xfe, 0xfd, 0xfb, 0xf7, 0xef };

	xmm_fill(pattern);
	if (public)
		polyval(h, x, n, s);
	else
		polyval_clmul(s, h, x, n);
	xmm_dump(regs);
}

/*
 * The eight-block AES-NI paths (AES*WIDE*KL) and the AESKEYGENASSIST key
 * expansion against the C, random keys and blocks, through the public
 * dispatch and directly.
 */
static void test_ni_blocks_and_expansion_vs_c(void **state)
{
	(void)state;
	need_host(true, false);
	for (int n = 0; n < 300; n++) {
		unsigned key_bits = n & 1 ? 256 : 128;
		u8 key[32], in[128], ref[128], got[128];
		struct aes_ctx c_ctx, ni_ctx;

		rng_fill(key, sizeof(key));
		rng_fill(in, sizeof(in));
		klcrypto_select(false, false);
		aes_init_encrypt(&c_ctx, key, key_bits);
		klcrypto_select(true, false);
		aes_init_encrypt(&ni_ctx, key, key_bits);
		assert_memory_equal(&ni_ctx, &c_ctx, sizeof(c_ctx));
		if (key_bits == 128) {
			memset(&ni_ctx, 0xee, sizeof(ni_ctx));
			aesni_expand128(&ni_ctx, key);
			assert_memory_equal(&ni_ctx, &c_ctx, sizeof(c_ctx));
		}
		for (int dec = 0; dec < 2; dec++) {
			klcrypto_select(false, false);
			for (int b = 0; b < 8; b++)
				(dec ? aes_decrypt : aes_encrypt)(&c_ctx, in + 16 * b,
								  ref + 16 * b);
			klcrypto_select(true, false);
			memcpy(got, in, sizeof(got));
			(dec ? aes_decrypt_blocks : aes_encrypt_blocks)(&c_ctx, got, 8);
			assert_memory_equal(got, ref, sizeof(ref));
			memcpy(got, in, sizeof(got));
			(dec ? aesni_decrypt8 : aesni_encrypt8)(&c_ctx, got);
			assert_memory_equal(got, ref, sizeof(ref));
			/* One block through the blocks API: the one-block path. */
			memcpy(got, in, 16);
			(dec ? aes_decrypt_blocks : aes_encrypt_blocks)(&c_ctx, got, 1);
			assert_memory_equal(got, ref, 16);
			klcrypto_select(false, false);
			memcpy(got, in, sizeof(got));
			(dec ? aes_decrypt_blocks : aes_encrypt_blocks)(&c_ctx, got, 8);
			assert_memory_equal(got, ref, sizeof(ref));
		}
	}
	klcrypto_select(false, false);
}

/* Load XMM0-15 from @regs, en- or decrypt live registers, store XMM0-15 back. */
static __attribute__((noinline)) bool run_live_dir(bool dec, const struct aes_ctx *c,
						   unsigned first, unsigned n, u8 regs[16][16])
{
	bool ok;

#define R16(op)                                                                                 \
	op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7) op(8) op(9) op(10) op(11) op(12) op(13) \
		op(14) op(15)
#define LD(i) "movdqu " #i "*16(%0), %%xmm" #i "\n\t"
#define ST(i) "movdqu %%xmm" #i ", " #i "*16(%0)\n\t"
	__asm__ volatile(R16(LD)::"r"(regs)
			 : "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
			   "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	ok = (dec ? aes_decrypt_live : aes_encrypt_live)(c, first, n);
	__asm__ volatile(R16(ST)::"r"(regs) : "memory");
#undef LD
#undef ST
#undef R16
	return ok;
}

static bool run_live(const struct aes_ctx *c, unsigned first, unsigned n, u8 regs[16][16])
{
	return run_live_dir(false, c, first, n, regs);
}

/*
 * aes_decrypt_live() with aes_init_decrypt_live()'s keys: exactly the
 * named registers become their AES decryption (the C inverse cipher's
 * result), every other register keeps its value; without AES-NI the keys
 * are not prepared and nothing is done.
 */
static void test_ni_decrypt_live_registers(void **state)
{
	static struct aes_ctx c, dk;
	u8 key[32], regs[16][16], before[16][16], want[16];

	(void)state;
	need_host(true, false);
	for (unsigned key_bits = 128; key_bits <= 256; key_bits += 128) {
		rng_fill(key, sizeof(key));
		klcrypto_select(false, false);
		aes_init_decrypt(&c, key, key_bits);
		assert_false(aes_init_decrypt_live(&dk, &c));
		klcrypto_select(true, false);
		assert_true(aes_init_decrypt_live(&dk, &c));
		for (unsigned first = 0; first <= 16; first++) {
			unsigned n = first == 16 ? 8 : 1, lo = first == 16 ? 0 : first;

			rng_fill(before, sizeof(before));
			memcpy(regs, before, sizeof(regs));
			assert_true(run_live_dir(true, &dk, lo, n, regs));
			klcrypto_select(false, false);
			for (unsigned r = 0; r < 16; r++) {
				if (r >= lo && r < lo + n) {
					aes_decrypt(&c, before[r], want);
					assert_memory_equal(regs[r], want, 16);
				} else {
					assert_memory_equal(regs[r], before[r], 16);
				}
			}
			klcrypto_select(true, false);
		}
		memcpy(regs, before, sizeof(regs));
		klcrypto_select(false, false);
		assert_false(run_live_dir(true, &dk, 3, 1, regs));
		assert_memory_equal(regs, before, sizeof(regs));
	}
	klcrypto_select(false, false);
}

/*
 * aes_encrypt_live(): exactly the named registers become their AES
 * encryption, every other register keeps its value (they are the
 * guest's); without AES-NI, or for a count other than 1 or XMM0-7, it
 * declines and changes nothing.  (A misaligned context cannot be built
 * legally: the type is 16-byte aligned.)
 */
static void test_ni_encrypt_live_registers(void **state)
{
	static struct aes_ctx c; /* 16-byte aligned by its type */
	u8 key[32], regs[16][16], before[16][16], want[16];

	(void)state;
	need_host(true, false);
	for (unsigned key_bits = 128; key_bits <= 256; key_bits += 128) {
		rng_fill(key, sizeof(key));
		klcrypto_select(true, false);
		aes_init_encrypt(&c, key, key_bits);
		for (unsigned first = 0; first <= 16; first++) {
			unsigned n = first == 16 ? 8 : 1, lo = first == 16 ? 0 : first;

			rng_fill(before, sizeof(before));
			memcpy(regs, before, sizeof(regs));
			assert_true(run_live(&c, lo, n, regs));
			for (unsigned r = 0; r < 16; r++) {
				if (r >= lo && r < lo + n) {
					aes_encrypt(&c, before[r], want);
					assert_memory_equal(regs[r], want, 16);
				} else {
					assert_memory_equal(regs[r], before[r], 16);
				}
			}
		}
		/* Declines: C selected, an unsupported count or register. */
		memcpy(regs, before, sizeof(regs));
		klcrypto_select(false, false);
		assert_false(run_live(&c, 3, 1, regs));
		klcrypto_select(true, false);
		assert_false(run_live(&c, 2, 8, regs));
		assert_false(run_live(&c, 16, 1, regs));
		assert_memory_equal(regs, before, sizeof(regs));
	}
	klcrypto_select(false, false);
}

static void test_ni_wipes_xmm(void **state)
{
	u8 key[32], in[16], out[16], x[48], s[16] = { 0 }, regs[6][16], zero[16] = { 0 };
	struct aes_ctx c;

	(void)state;
	need_host(true, true);
	rng_fill(key, sizeof(key));
	rng_fill(in, sizeof(in));
	rng_fill(x, sizeof(x));
	for (unsigned key_bits = 128; key_bits <= 256; key_bits += 128) {
		aes_init_encrypt(&c, key, key_bits);
		run_aes_dump(aesni_encrypt, &c, in, out, regs);
		assert_memory_equal(regs[0], zero, 16);
		assert_memory_equal(regs[1], zero, 16);
		run_aes_dump(aesni_decrypt, &c, in, out, regs);
		assert_memory_equal(regs[0], zero, 16);
		assert_memory_equal(regs[1], zero, 16);
	}
	run_polyval_dump(false, s, key, x, 3, regs);
	for (int i = 0; i < 6; i++)
		assert_memory_equal(regs[i], zero, 16);
	assert_memory_not_equal(s, zero, 16);
}

/*
 * The dispatch: with AES-NI and PCLMULQDQ selected, the public functions
 * take those paths, seen from the registers only they zero (the C code
 * has no reason to touch XMM1 or XMM5; with C selected they keep the
 * pattern, which also shows that the check can tell).
 */
static void test_ni_dispatch(void **state)
{
	u8 key[32], in[16], out[16], x[48], s[16], regs[6][16], zero[16] = { 0 };
	struct aes_ctx c;

	(void)state;
	need_host(true, true);
	rng_fill(key, sizeof(key));
	rng_fill(in, sizeof(in));
	rng_fill(x, sizeof(x));
	aes_init_encrypt(&c, key, 256);
	for (int ni = 0; ni < 2; ni++) {
		klcrypto_select(ni, ni);
		run_aes_dump(aes_encrypt, &c, in, out, regs);
		assert_int_equal(memcmp(regs[1], zero, 16) == 0, ni);
		run_aes_dump(aes_decrypt, &c, in, out, regs);
		assert_int_equal(memcmp(regs[1], zero, 16) == 0, ni);
		run_polyval_dump(true, s, key, x, 3, regs);
		assert_int_equal(memcmp(regs[5], zero, 16) == 0, ni);
	}
	klcrypto_select(false, false);
}

/* ---- Running each check under both implementations ---- */

struct impl_run {
	void (*fn)(void **state);
	bool ni; /* AES-NI and PCLMULQDQ rather than C */
};

static void run_impl(void **state)
{
	const struct impl_run *r = *state;

	if (r->ni)
		need_host(true, true);
	klcrypto_select(r->ni, r->ni);
	r->fn(state);
	klcrypto_select(false, false);
}

#define BOTH(f)                                                                              \
	{ .name = "c/" #f,                                                                   \
	  .test_func = run_impl,                                                             \
	  .initial_state = &(struct impl_run){ f, false } },                                 \
	{                                                                                    \
		.name = "ni/" #f, .test_func = run_impl, .initial_state = &(struct impl_run) \
		{                                                                            \
			f, true                                                              \
		}                                                                            \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_aes_fips197),
		BOTH(test_aes_vs_openssl),
		BOTH(test_polyval_rfc8452),
		BOTH(test_polyval_ref_self),
		BOTH(test_polyval_vs_openssl_ghash),
		BOTH(test_wrap_kat),
		BOTH(test_wrap_vs_reference),
		BOTH(test_wrap_masks_src),
		BOTH(test_wrap_unwrap_in_place),
		BOTH(test_wrap_vs_klvectors),
		BOTH(test_unwrap_roundtrip),
		BOTH(test_unwrap_bit_flips),
		BOTH(test_unwrap_wrong_type),
		BOTH(test_unwrap_bad_aad_valid_tag),
		BOTH(test_unwrap_other_iwkey),
		BOTH(test_unwrap_zero_iwkey_malleable),
		cmocka_unit_test(test_impl_names),
		cmocka_unit_test(test_ni_aes_vs_c),
		cmocka_unit_test(test_ni_polyval_vs_c),
		cmocka_unit_test(test_ni_wrap_vs_c),
		cmocka_unit_test(test_ni_blocks_and_expansion_vs_c),
		cmocka_unit_test(test_ni_encrypt_live_registers),
		cmocka_unit_test(test_ni_decrypt_live_registers),
		cmocka_unit_test(test_ni_wipes_xmm),
		cmocka_unit_test(test_ni_dispatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
