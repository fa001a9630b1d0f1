// SPDX-License-Identifier: MIT
/*
 * Key Locker crypto core: a byte-oriented AES (FIPS-197), POLYVAL
 * (RFC 8452 section 3) and the Key Locker handle wrap, an AES-GCM-SIV
 * style construction without nonce or key derivation (Key Locker
 * Specification 343965, Appendix A; docs in the shared Key Locker
 * reference, section 5).
 *
 * Implementations: this plain C is the fallback; klcrypto_select() at
 * boot switches AES to AES-NI and POLYVAL to PCLMULQDQ (klcrypto_ni.c)
 * when the CPU has them.  Everything else (key expansion, the wrap
 * around the primitives) is this C either way, and contexts are shared.
 *
 * Side channels: the C AES S-box lookups index tables with secret data,
 * so their timing is not constant and a co-resident attacker watching the
 * cache could learn key bits.  That is a documented trade-off for small,
 * readable code, and the reason the AES-NI path is preferred; the
 * arithmetic elsewhere (xtime, POLYVAL, the tag compare) is branch-free
 * on secrets.
 *
 * Byte order (see also klcrypto.h).  Every 128-bit value is 16 bytes,
 * little-endian: byte i holds bits 8i+7:8i.  For POLYVAL this is exactly
 * RFC 8452's field-element encoding: bit j of the 128-bit integer is the
 * coefficient of x^j.  For the wrap:
 *
 *   H   = IWKey.IntegrityKey (16 bytes as XMM0 held them)
 *   K   = IWKey.EncryptionKey as an AES-256 key: AES key bytes 0-15 are
 *         EncryptionKey[127:0], bytes 16-31 EncryptionKey[255:128]
 *   AAD = bits 2:0 restrictions, bits 27:24 key type; bytes 0-3 hold
 *         bits 31:0 little-endian, bytes 4-15 are zero
 *   LEN = bits 63:0 = 128 (AAD length in bits), bits 127:64 = key length
 *         in bits: bytes 0-7 = 80 00 .. 00, bytes 8-15 = key bits LE
 *   S   = POLYVAL_H(AAD, key block 0[, key block 1], LEN)
 *   Tag = AES-256_K(S with bit 127 (byte 15 bit 7) cleared)
 *   CTR = Tag with bit 127 set; block i uses CTR with bits 31:0 (bytes
 *         0-3, a little-endian dword) incremented by i, modulo 2^32
 *   CT  = key blocks XOR AES-256_K(CTR + i)
 *   handle = AAD (bytes 0-15) || Tag (16-31) || CT (32-47[, 48-63])
 *
 * With this reading the spec's zero-IWKey vector (ENCODEKEY128 of a zero
 * key, SRC = 0) gives handle bytes 16-31 = dc 95 c0 78 a2 40 89 89 ad 48
 * a2 14 92 84 20 87 and 32-47 = 08 c3 74 84 8c 22 82 33 c2 b3 4f 33 2b d2
 * e9 d3.  Note that with H = 0 POLYVAL is 0 whatever its input, and a
 * zero K hides which half is which, so that vector pins down only the
 * AES, the tag/ciphertext byte order and the counter; the POLYVAL block
 * order, the length block and the K halves are checked by the unit tests
 * against an independent construction from OpenSSL primitives.
 *
 * Every temporary that held key material is wiped with memzero_explicit
 * before returning.
 */
#include "lib/string.h"
#include "vmm/kl/klcrypto.h"
#include "vmm/kl/klcrypto_ni.h"

/* ---- Implementation choice ---- */

/* Set once at boot, before any guest runs; read-only afterwards. */
static bool use_aesni, use_pclmul;

void klcrypto_select(bool aesni, bool pclmul)
{
	use_aesni = aesni;
	use_pclmul = pclmul;
}

const char *klcrypto_impl(void)
{
	if (use_aesni)
		return use_pclmul ? "AES-NI + PCLMULQDQ" : "AES-NI + C POLYVAL";
	return use_pclmul ? "C AES + PCLMULQDQ" : "C";
}

/* ---- Byte helpers ---- */

/*
 * Little-endian loads and stores.  klvisor and its host tests are x86-64
 * only, so each is one unaligned move (the byte loops they replace ran
 * several times per wrap).
 */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "klcrypto assumes little-endian");

static u64 get_le64(const u8 *p)
{
	u64 v;

	__builtin_memcpy(&v, p, 8);
	return v;
}

static void put_le64(u8 *p, u64 v)
{
	__builtin_memcpy(p, &v, 8);
}

static u32 get_le32(const u8 *p)
{
	u32 v;

	__builtin_memcpy(&v, p, 4);
	return v;
}

static void put_le32(u8 *p, u32 v)
{
	__builtin_memcpy(p, &v, 4);
}

/* ---- AES ---- */

/* FIPS-197 5.1.1 S-box and its inverse (generated from the GF(2^8)
 * inverse and the affine map). */
static const u8 sbox[256] = {
	0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b, 0x6f, 0xc5, /* 00 */
	0x30, 0x01, 0x67, 0x2b, 0xfe, 0xd7, 0xab, 0x76, /* 08 */
	0xca, 0x82, 0xc9, 0x7d, 0xfa, 0x59, 0x47, 0xf0, /* 10 */
	0xad, 0xd4, 0xa2, 0xaf, 0x9c, 0xa4, 0x72, 0xc0, /* 18 */
	0xb7, 0xfd, 0x93, 0x26, 0x36, 0x3f, 0xf7, 0xcc, /* 20 */
	0x34, 0xa5, 0xe5, 0xf1, 0x71, 0xd8, 0x31, 0x15, /* 28 */
	0x04, 0xc7, 0x23, 0xc3, 0x18, 0x96, 0x05, 0x9a, /* 30 */
	0x07, 0x12, 0x80, 0xe2, 0xeb, 0x27, 0xb2, 0x75, /* 38 */
	0x09, 0x83, 0x2c, 0x1a, 0x1b, 0x6e, 0x5a, 0xa0, /* 40 */
	0x52, 0x3b, 0xd6, 0xb3, 0x29, 0xe3, 0x2f, 0x84, /* 48 */
	0x53, 0xd1, 0x00, 0xed, 0x20, 0xfc, 0xb1, 0x5b, /* 50 */
	0x6a, 0xcb, 0xbe, 0x39, 0x4a, 0x4c, 0x58, 0xcf, /* 58 */
	0xd0, 0xef, 0xaa, 0xfb, 0x43, 0x4d, 0x33, 0x85, /* 60 */
	0x45, 0xf9, 0x02, 0x7f, 0x50, 0x3c, 0x9f, 0xa8, /* 68 */
	0x51, 0xa3, 0x40, 0x8f, 0x92, 0x9d, 0x38, 0xf5, /* 70 */
	0xbc, 0xb6, 0xda, 0x21, 0x10, 0xff, 0xf3, 0xd2, /* 78 */
	0xcd, 0x0c, 0x13, 0xec, 0x5f, 0x97, 0x44, 0x17, /* 80 */
	0xc4, 0xa7, 0x7e, 0x3d, 0x64, 0x5d, 0x19, 0x73, /* 88 */
	0x60, 0x81, 0x4f, 0xdc, 0x22, 0x2a, 0x90, 0x88, /* 90 */
	0x46, 0xee, 0xb8, 0x14, 0xde, 0x5e, 0x0b, 0xdb, /* 98 */
	0xe0, 0x32, 0x3a, 0x0a, 0x49, 0x06, 0x24, 0x5c, /* a0 */
	0xc2, 0xd3, 0xac, 0x62, 0x91, 0x95, 0xe4, 0x79, /* a8 */
	0xe7, 0xc8, 0x37, 0x6d, 0x8d, 0xd5, 0x4e, 0xa9, /* b0 */
	0x6c, 0x56, 0xf4, 0xea, 0x65, 0x7a, 0xae, 0x08, /* b8 */
	0xba, 0x78, 0x25, 0x2e, 0x1c, 0xa6, 0xb4, 0xc6, /* c0 */
	0xe8, 0xdd, 0x74, 0x1f, 0x4b, 0xbd, 0x8b, 0x8a, /* c8 */
	0x70, 0x3e, 0xb5, 0x66, 0x48, 0x03, 0xf6, 0x0e, /* d0 */
	0x61, 0x35, 0x57, 0xb9, 0x86, 0xc1, 0x1d, 0x9e, /* d8 */
	0xe1, 0xf8, 0x98, 0x11, 0x69, 0xd9, 0x8e, 0x94, /* e0 */
	0x9b, 0x1e, 0x87, 0xe9, 0xce, 0x55, 0x28, 0xdf, /* e8 */
	0x8c, 0xa1, 0x89, 0x0d, 0xbf, 0xe6, 0x42, 0x68, /* f0 */
	0x41, 0x99, 0x2d, 0x0f, 0xb0, 0x54, 0xbb, 0x16, /* f8 */
};
static const u8 inv_sbox[256] = {
	0x52, 0x09, 0x6a, 0xd5, 0x30, 0x36, 0xa5, 0x38, /* 00 */
	0xbf, 0x40, 0xa3, 0x9e, 0x81, 0xf3, 0xd7, 0xfb, /* 08 */
	0x7c, 0xe3, 0x39, 0x82, 0x9b, 0x2f, 0xff, 0x87, /* 10 */
	0x34, 0x8e, 0x43, 0x44, 0xc4, 0xde, 0xe9, 0xcb, /* 18 */
	0x54, 0x7b, 0x94, 0x32, 0xa6, 0xc2, 0x23, 0x3d, /* 20 */
	0xee, 0x4c, 0x95, 0x0b, 0x42, 0xfa, 0xc3, 0x4e, /* 28 */
	0x08, 0x2e, 0xa1, 0x66, 0x28, 0xd9, 0x24, 0xb2, /* 30 */
	0x76, 0x5b, 0xa2, 0x49, 0x6d, 0x8b, 0xd1, 0x25, /* 38 */
	0x72, 0xf8, 0xf6, 0x64, 0x86, 0x68, 0x98, 0x16, /* 40 */
	0xd4, 0xa4, 0x5c, 0xcc, 0x5d, 0x65, 0xb6, 0x92, /* 48 */
	0x6c, 0x70, 0x48, 0x50, 0xfd, 0xed, 0xb9, 0xda, /* 50 */
	0x5e, 0x15, 0x46, 0x57, 0xa7, 0x8d, 0x9d, 0x84, /* 58 */
	0x90, 0xd8, 0xab, 0x00, 0x8c, 0xbc, 0xd3, 0x0a, /* 60 */
	0xf7, 0xe4, 0x58, 0x05, 0xb8, 0xb3, 0x45, 0x06, /* 68 */
	0xd0, 0x2c, 0x1e, 0x8f, 0xca, 0x3f, 0x0f, 0x02, /* 70 */
	0xc1, 0xaf, 0xbd, 0x03, 0x01, 0x13, 0x8a, 0x6b, /* 78 */
	0x3a, 0x91, 0x11, 0x41, 0x4f, 0x67, 0xdc, 0xea, /* 80 */
	0x97, 0xf2, 0xcf, 0xce, 0xf0, 0xb4, 0xe6, 0x73, /* 88 */
	0x96, 0xac, 0x74, 0x22, 0xe7, 0xad, 0x35, 0x85, /* 90 */
	0xe2, 0xf9, 0x37, 0xe8, 0x1c, 0x75, 0xdf, 0x6e, /* 98 */
	0x47, 0xf1, 0x1a, 0x71, 0x1d, 0x29, 0xc5, 0x89, /* a0 */
	0x6f, 0xb7, 0x62, 0x0e, 0xaa, 0x18, 0xbe, 0x1b, /* a8 */
	0xfc, 0x56, 0x3e, 0x4b, 0xc6, 0xd2, 0x79, 0x20, /* b0 */
	0x9a, 0xdb, 0xc0, 0xfe, 0x78, 0xcd, 0x5a, 0xf4, /* b8 */
	0x1f, 0xdd, 0xa8, 0x33, 0x88, 0x07, 0xc7, 0x31, /* c0 */
	0xb1, 0x12, 0x10, 0x59, 0x27, 0x80, 0xec, 0x5f, /* c8 */
	0x60, 0x51, 0x7f, 0xa9, 0x19, 0xb5, 0x4a, 0x0d, /* d0 */
	0x2d, 0xe5, 0x7a, 0x9f, 0x93, 0xc9, 0x9c, 0xef, /* d8 */
	0xa0, 0xe0, 0x3b, 0x4d, 0xae, 0x2a, 0xf5, 0xb0, /* e0 */
	0xc8, 0xeb, 0xbb, 0x3c, 0x83, 0x53, 0x99, 0x61, /* e8 */
	0x17, 0x2b, 0x04, 0x7e, 0xba, 0x77, 0xd6, 0x26, /* f0 */
	0xe1, 0x69, 0x14, 0x63, 0x55, 0x21, 0x0c, 0x7d, /* f8 */
};

/* Multiply by x in GF(2^8) mod x^8 + x^4 + x^3 + x + 1, without a branch. */
static inline u8 xtime(u8 a)
{
	return (u8)((a << 1) ^ (0x1b & -(a >> 7)));
}

static u32 sub_word(u32 w)
{
	return (u32)sbox[w >> 24] << 24 | (u32)sbox[(w >> 16) & 0xff] << 16 |
	       (u32)sbox[(w >> 8) & 0xff] << 8 | sbox[w & 0xff];
}

/*
 * FIPS-197 5.2 key expansion.  Word i holds w[i], its bytes (key bytes
 * 4i..4i+3 for i < Nk) little-endian: byte 4i in bits 7:0.  On x86 that
 * puts each round key in memory in AES-NI's order (klcrypto.h), so RotWord
 * is a right rotation and Rcon goes into bits 7:0.
 */
static void aes_expand(struct aes_ctx *c, const u8 *key, unsigned key_bits)
{
	unsigned nk = key_bits == 256 ? 8 : 4;
	unsigned nwords, i;
	u32 t;
	u8 rcon = 1;

	c->rounds = nk + 6;
	nwords = 4 * (c->rounds + 1);
	for (i = 0; i < nk; i++)
		c->rk[i] = get_le32(key + 4 * i);
	for (; i < nwords; i++) {
		t = c->rk[i - 1];
		if (i % nk == 0) {
			t = sub_word(t >> 8 | t << 24) ^ rcon;
			rcon = xtime(rcon);
		} else if (nk == 8 && i % nk == 4) {
			t = sub_word(t);
		}
		c->rk[i] = c->rk[i - nk] ^ t;
	}
	for (; i < ARRAY_SIZE(c->rk); i++)
		c->rk[i] = 0;
	memset(c->reserved, 0, sizeof(c->reserved));
}

void aes_init_encrypt(struct aes_ctx *c, const u8 *key, unsigned key_bits)
{
	if (use_aesni && key_bits != 256) {
		aesni_expand128(c, key);
		return;
	}
	aes_expand(c, key, key_bits);
}

/* The straightforward inverse cipher (FIPS-197 5.3) uses the encryption
 * schedule in reverse order, so there is nothing to transform. */
void aes_init_decrypt(struct aes_ctx *c, const u8 *key, unsigned key_bits)
{
	aes_init_encrypt(c, key, key_bits);
}

/* The state is s[r + 4c] for row r, column c: the input byte order. */
static void add_round_key(u8 s[16], const u32 *rk)
{
	for (unsigned i = 0; i < 16; i++)
		s[i] ^= (u8)(rk[i / 4] >> (8 * (i % 4)));
}

/* SubBytes and ShiftRows together: row r rotates left by r columns. */
static void sub_shift(u8 s[16])
{
	u8 t[16];

	for (unsigned i = 0; i < 16; i++)
		t[i] = sbox[s[(i + 4 * (i % 4)) % 16]];
	memcpy(s, t, 16);
	memzero_explicit(t, sizeof(t));
}

/* InvShiftRows and InvSubBytes together: row r rotates right by r. */
static void inv_sub_shift(u8 s[16])
{
	u8 t[16];

	for (unsigned i = 0; i < 16; i++)
		t[i] = inv_sbox[s[(i + 16 - 4 * (i % 4)) % 16]];
	memcpy(s, t, 16);
	memzero_explicit(t, sizeof(t));
}

static void mix_columns(u8 s[16])
{
	for (unsigned col = 0; col < 4; col++) {
		u8 *a = &s[4 * col];
		u8 a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
		u8 all = a0 ^ a1 ^ a2 ^ a3;

		/* b_r = 2 a_r + 3 a_(r+1) + a_(r+2) + a_(r+3) */
		a[0] = a0 ^ all ^ xtime(a0 ^ a1);
		a[1] = a1 ^ all ^ xtime(a1 ^ a2);
		a[2] = a2 ^ all ^ xtime(a2 ^ a3);
		a[3] = a3 ^ all ^ xtime(a3 ^ a0);
	}
}

/* v * m in GF(2^8) for a small public constant m (< 16). */
static u8 gmul(u8 v, u8 m)
{
	u8 r = 0;

	for (unsigned i = 0; i < 4; i++) {
		r ^= v & (u8) - ((m >> i) & 1);
		v = xtime(v);
	}
	return r;
}

static void inv_mix_columns(u8 s[16])
{
	for (unsigned col = 0; col < 4; col++) {
		u8 *a = &s[4 * col];
		u8 a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];

		/* b_r = 14 a_r + 11 a_(r+1) + 13 a_(r+2) + 9 a_(r+3) */
		a[0] = gmul(a0, 14) ^ gmul(a1, 11) ^ gmul(a2, 13) ^ gmul(a3, 9);
		a[1] = gmul(a1, 14) ^ gmul(a2, 11) ^ gmul(a3, 13) ^ gmul(a0, 9);
		a[2] = gmul(a2, 14) ^ gmul(a3, 11) ^ gmul(a0, 13) ^ gmul(a1, 9);
		a[3] = gmul(a3, 14) ^ gmul(a0, 11) ^ gmul(a1, 13) ^ gmul(a2, 9);
	}
}

void aes_encrypt(const struct aes_ctx *c, const u8 in[16], u8 out[16])
{
	u8 s[16];

	if (use_aesni) {
		aesni_encrypt(c, in, out);
		return;
	}
	memcpy(s, in, 16);
	add_round_key(s, &c->rk[0]);
	for (unsigned round = 1; round < c->rounds; round++) {
		sub_shift(s);
		mix_columns(s);
		add_round_key(s, &c->rk[4 * round]);
	}
	sub_shift(s);
	add_round_key(s, &c->rk[4 * c->rounds]);
	memcpy(out, s, 16);
	memzero_explicit(s, sizeof(s));
}

void aes_decrypt(const struct aes_ctx *c, const u8 in[16], u8 out[16])
{
	u8 s[16];

	if (use_aesni) {
		aesni_decrypt(c, in, out);
		return;
	}
	memcpy(s, in, 16);
	add_round_key(s, &c->rk[4 * c->rounds]);
	for (unsigned round = c->rounds - 1; round > 0; round--) {
		inv_sub_shift(s);
		add_round_key(s, &c->rk[4 * round]);
		inv_mix_columns(s);
	}
	inv_sub_shift(s);
	add_round_key(s, &c->rk[0]);
	memcpy(out, s, 16);
	memzero_explicit(s, sizeof(s));
}

void aes_encrypt_blocks(const struct aes_ctx *c, u8 *blocks, unsigned n)
{
	if (use_aesni && n == 8) {
		aesni_encrypt8(c, blocks);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		aes_encrypt(c, blocks + 16 * i, blocks + 16 * i);
}

void aes_decrypt_blocks(const struct aes_ctx *c, u8 *blocks, unsigned n)
{
	if (use_aesni && n == 8) {
		aesni_decrypt8(c, blocks);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		aes_decrypt(c, blocks + 16 * i, blocks + 16 * i);
}

/* The live-register forms: AES-NI, aligned round keys, one register or XMM0-7. */
static bool live_form_ok(const struct aes_ctx *c, unsigned first, unsigned n)
{
	return use_aesni && !((uintptr_t)c->rk & 15) && (n == 1 || (n == 8 && first == 0)) &&
	       first <= 15;
}

bool aes_encrypt_live(const struct aes_ctx *c, unsigned first, unsigned n)
{
	if (!live_form_ok(c, first, n))
		return false;
	if (n == 8)
		aesni_encrypt_live8(c);
	else
		aesni_encrypt_live(c, first);
	return true;
}

bool aes_init_decrypt_live(struct aes_ctx *dk, const struct aes_ctx *c)
{
	if (!use_aesni)
		return false;
	aesni_inverse_schedule(dk, c);
	return true;
}

bool aes_decrypt_live(const struct aes_ctx *dk, unsigned first, unsigned n)
{
	if (!live_form_ok(dk, first, n))
		return false;
	if (n == 8)
		aesni_decrypt_live8(dk);
	else
		aesni_decrypt_live(dk, first);
	return true;
}

/* ---- POLYVAL ---- */

/* A field element as two words: w[0] = bits 63:0, w[1] = bits 127:64. */
struct polyval_state {
	u64 h[2];
	u64 s[2];
};

/*
 * s = dot(s, h) = s * h * x^-128 in GF(2)[x] / P, P = x^128 + x^127 +
 * x^126 + x^121 + 1 (RFC 8452 section 3).  Bit-serial Montgomery style:
 * for each bit of s from the lowest, add h if it is set, then divide the
 * accumulator by x.  After 128 steps it holds sum s_i h x^(i-128).
 * Dividing by x: if the constant term is set, add P first (whose constant
 * term cancels it), so (acc + P) / x = (acc >> 1) + x^127 + x^126 +
 * x^125 + x^120.  All branch-free.
 */
static void polyval_mul(struct polyval_state *p)
{
	u64 z0 = 0, z1 = 0, m;

	for (unsigned i = 0; i < 128; i++) {
		m = -((p->s[i / 64] >> (i % 64)) & 1);
		z0 ^= p->h[0] & m;
		z1 ^= p->h[1] & m;
		m = -(z0 & 1);
		z0 = z0 >> 1 | z1 << 63;
		z1 = (z1 >> 1) ^ (m & 0xe100000000000000ULL);
	}
	p->s[0] = z0;
	p->s[1] = z1;
}

static void polyval_init(struct polyval_state *p, const u8 h[16])
{
	p->h[0] = get_le64(h);
	p->h[1] = get_le64(h + 8);
	p->s[0] = p->s[1] = 0;
}

/*
 * S = dot(S + X_i, H) for each of the @n blocks at @x.  The PCLMULQDQ
 * path takes the words as bytes: x86 is little-endian, so their memory
 * is the field elements' 16-byte encoding.
 */
static void polyval_blocks(struct polyval_state *p, const u8 *x, size_t n)
{
	if (use_pclmul) {
		polyval_clmul((u8 *)p->s, (const u8 *)p->h, x, n);
		return;
	}
	for (; n; n--, x += 16) {
		p->s[0] ^= get_le64(x);
		p->s[1] ^= get_le64(x + 8);
		polyval_mul(p);
	}
}

static void polyval_final(struct polyval_state *p, u8 out[16])
{
	put_le64(out, p->s[0]);
	put_le64(out + 8, p->s[1]);
	memzero_explicit(p, sizeof(*p));
}

void polyval(const u8 h[16], const u8 *blocks, size_t nr_blocks, u8 out[16])
{
	struct polyval_state p;

	polyval_init(&p, h);
	polyval_blocks(&p, blocks, nr_blocks);
	polyval_final(&p, out);
}

/* ---- Key Locker wrap ---- */

static void kl_make_aad(u8 aad[16], u32 restrict_bits, unsigned key_bits)
{
	u32 low = (restrict_bits & KL_AAD_RESTRICT) | (u32)(key_bits == 256 ? 1 : 0)
							      << KL_AAD_TYPE_SHIFT;

	memset(aad, 0, 16);
	put_le32(aad, low);
}

/*
 * Tag = AES-256_K(POLYVAL_H(AAD, key blocks, LEN) with bit 127 clear).  The
 * blocks go to POLYVAL in one call (one PCLMULQDQ loop, H loaded once).
 */
static void kl_tag(const struct kl_iwkey *iw, const struct aes_ctx *aes, const u8 aad[16],
		   const u8 *key, unsigned nblk, u8 tag[16])
{
	u8 x[16 * 4], s[16];

	memcpy(x, aad, 16);
	memcpy(x + 16, key, 16 * nblk);
	put_le64(x + 16 * (nblk + 1), 128);
	put_le64(x + 16 * (nblk + 1) + 8, 128 * nblk);
	polyval(iw->integrity, x, nblk + 2, s);
	s[15] &= 0x7f;
	aes_encrypt(aes, s, tag);
	memzero_explicit(x, sizeof(x));
	memzero_explicit(s, sizeof(s));
}

/* out = in XOR AES-256_K(CTR + i), CTR = tag | bit 127; in/out may alias. */
static void kl_ctr(const struct aes_ctx *aes, const u8 tag[16], const u8 *in, u8 *out,
		   unsigned nblk)
{
	u8 ctr[16], ks[16];

	memcpy(ctr, tag, 16);
	ctr[15] |= 0x80;
	for (unsigned i = 0; i < nblk; i++) {
		aes_encrypt(aes, ctr, ks);
		put_le64(out + 16 * i, get_le64(in + 16 * i) ^ get_le64(ks));
		put_le64(out + 16 * i + 8, get_le64(in + 16 * i + 8) ^ get_le64(ks + 8));
		put_le32(ctr, get_le32(ctr) + 1);
	}
	memzero_explicit(ks, sizeof(ks));
	/* The counter is the handle's tag plus i: public, nothing to wipe. */
}

void kl_wrap_sched(const struct kl_iwkey *iw, const struct aes_ctx *aes, u32 restrict_bits,
		   const u8 *key, unsigned key_bits, u8 *handle)
{
	unsigned nblk = key_bits == 256 ? 2 : 1;
	u8 k[32];

	/* A copy first: the caller may build the handle over the key (XMM0). */
	memcpy(k, key, 16 * nblk);
	kl_make_aad(handle, restrict_bits, key_bits);
	kl_tag(iw, aes, handle, k, nblk, handle + 16);
	kl_ctr(aes, handle + 16, k, handle + 32, nblk);
	memzero_explicit(k, sizeof(k));
}

void kl_wrap(const struct kl_iwkey *iw, u32 restrict_bits, const u8 *key, unsigned key_bits,
	     u8 *handle)
{
	struct aes_ctx aes;

	aes_init_encrypt(&aes, iw->encryption, 256);
	kl_wrap_sched(iw, &aes, restrict_bits, key, key_bits, handle);
	memzero_explicit(&aes, sizeof(aes));
}

bool kl_unwrap_sched(const struct kl_iwkey *iw, const struct aes_ctx *aes, const u8 *handle,
		     unsigned key_bits, u8 *key_out, u32 *aad_low)
{
	unsigned nblk = key_bits == 256 ? 2 : 1;
	u32 low = get_le32(handle);
	u8 key[32], tag[16], diff = 0;

	if (key_bits != 128 && key_bits != 256)
		return false;
	/* Reserved AAD bits: 23:3 and 127:28. */
	if (low & ~(u32)(KL_AAD_RESTRICT | KL_AAD_TYPE_MASK))
		return false;
	if ((get_le64(handle) >> 32) | get_le64(handle + 8)) /* AAD bytes 4-15 */
		return false;
	if ((low & KL_AAD_TYPE_MASK) >> KL_AAD_TYPE_SHIFT != (key_bits == 256 ? 1u : 0u))
		return false;

	kl_ctr(aes, handle + 16, handle + 32, key, nblk);
	kl_tag(iw, aes, handle, key, nblk, tag);
	/* Compare the whole tag whatever differs first. */
	diff = !!((get_le64(tag) ^ get_le64(handle + 16)) |
		  (get_le64(tag + 8) ^ get_le64(handle + 24)));
	if (!diff) {
		memcpy(key_out, key, 16 * nblk);
		*aad_low = low;
	}
	memzero_explicit(key, sizeof(key));
	memzero_explicit(tag, sizeof(tag));
	return !diff;
}

bool kl_unwrap(const struct kl_iwkey *iw, const u8 *handle, unsigned key_bits, u8 *key_out,
	       u32 *aad_low)
{
	struct aes_ctx aes;
	bool ok;

	aes_init_encrypt(&aes, iw->encryption, 256);
	ok = kl_unwrap_sched(iw, &aes, handle, key_bits, key_out, aad_low);
	memzero_explicit(&aes, sizeof(aes));
	return ok;
}
