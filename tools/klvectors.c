// SPDX-License-Identifier: MIT
/*
 * klvectors: print Key Locker test vectors for the guest tests as a C
 * header (build/guests/kl_vectors.h).  A host program, built with the
 * host compiler and linked with OpenSSL's libcrypto.
 *
 * The vectors are computed independently of klvisor: AES comes from
 * OpenSSL (EVP_aes_{128,256}_ecb), and POLYVAL and the handle wrap are
 * written here from RFC 8452 section 3 and the Key Locker specification
 * (343965, Appendix A); vmm/kl/klcrypto.c is neither linked nor shared.
 * Before printing anything, the program checks its POLYVAL against RFC
 * 8452 Appendix A and its wrap against the specification's zero-IWKey
 * vector, and fails if either does not reproduce.
 *
 * All 128-bit values are little-endian byte arrays, as an XMM register
 * holds them in memory (byte 0 = bits 7:0).
 *
 *   usage: klvectors > kl_vectors.h
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#define NR_IWKEYS   4
#define NR_KEYS	    3
#define NR_RESTRICT 8
#define NR_BLOCKS   8

typedef uint8_t u8;
typedef uint64_t u64;

static void die(const char *what)
{
	fprintf(stderr, "klvectors: %s\n", what);
	exit(1);
}

/* ---- AES through OpenSSL ---- */

static void ossl_aes(const u8 *key, int key_bits, int enc, const u8 *in, u8 *out, int nblocks)
{
	const EVP_CIPHER *c = key_bits == 256 ? EVP_aes_256_ecb() : EVP_aes_128_ecb();
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0, fin = 0;

	if (!ctx || !EVP_CipherInit_ex(ctx, c, NULL, key, NULL, enc) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0) ||
	    !EVP_CipherUpdate(ctx, out, &len, in, 16 * nblocks) ||
	    !EVP_CipherFinal_ex(ctx, out + len, &fin) || len + fin != 16 * nblocks)
		die("OpenSSL AES failed");
	EVP_CIPHER_CTX_free(ctx);
}

/* ---- POLYVAL, from the RFC 8452 definition ---- */

/*
 * A field element is a polynomial over GF(2) of degree < 128; the
 * 16-byte string is its little-endian coefficient vector (byte 0 bit 0 =
 * coefficient of x^0).  Here it lives in v[0] (x^0..x^63) and v[1].
 */
static int bit_of(const u64 *v, int i)
{
	return (v[i / 64] >> (i % 64)) & 1;
}

static void flip(u64 *v, int i)
{
	v[i / 64] ^= 1ULL << (i % 64);
}

/* r = a * b mod P, P = x^128 + x^127 + x^126 + x^121 + 1. */
static void mul_mod_p(const u64 a[2], const u64 b[2], u64 r[2])
{
	u64 prod[4] = { 0 };

	/* Carry-less schoolbook product, one coefficient at a time. */
	for (int i = 0; i < 128; i++)
		for (int j = 0; j < 128; j++)
			if (bit_of(a, i) && bit_of(b, j))
				flip(prod, i + j);
	/* Long division by P from the top coefficient down. */
	for (int i = 254; i >= 128; i--) {
		if (!bit_of(prod, i))
			continue;
		flip(prod, i);
		flip(prod, i - 1);
		flip(prod, i - 2);
		flip(prod, i - 7);
		flip(prod, i - 128);
	}
	r[0] = prod[0];
	r[1] = prod[1];
}

static void load(u64 v[2], const u8 *b)
{
	v[0] = v[1] = 0;
	for (int i = 15; i >= 0; i--) {
		v[1] = v[1] << 8 | v[0] >> 56;
		v[0] = v[0] << 8 | b[i];
	}
}

static void store(u8 *b, const u64 v[2])
{
	for (int i = 0; i < 16; i++)
		b[i] = (u8)(v[i / 8] >> (8 * (i % 8)));
}

/* dot(a, b) = a * b * x^-128, x^-128 = x^127 + x^124 + x^121 + x^114 + 1. */
static void dot(const u64 a[2], const u64 b[2], u64 r[2])
{
	static const u64 x_inv128[2] = { 1, (1ULL << 63) | (1ULL << 60) | (1ULL << 57) |
						    (1ULL << 50) };
	u64 t[2];

	mul_mod_p(a, b, t);
	mul_mod_p(t, x_inv128, r);
}

/* POLYVAL(H, X_1, ..., X_n): S_0 = 0, S_j = dot(S_(j-1) + X_j, H). */
static void polyval_ref(const u8 h[16], const u8 *x, int n, u8 out[16])
{
	u64 hv[2], s[2] = { 0, 0 }, xv[2];

	load(hv, h);
	for (int j = 0; j < n; j++) {
		load(xv, x + 16 * j);
		xv[0] ^= s[0];
		xv[1] ^= s[1];
		dot(xv, hv, s);
	}
	store(out, s);
}

/* ---- The Key Locker wrap (specification Appendix A) ---- */

/*
 * handle = AAD || Tag || CT.  S = POLYVAL_IntegrityKey(AAD, key blocks,
 * LEN) where LEN's low 64 bits are 128 and its high 64 bits the key
 * length in bits; Tag = AES-256_EncryptionKey(S with bit 127 clear); CT =
 * key XOR AES-256(counter), counter = Tag with bit 127 set, block i adding
 * i to the low 32-bit dword.  The AES-256 key is EncryptionKey as 32
 * bytes, bits 127:0 first.
 */
static void wrap_ref(const u8 integrity[16], const u8 encryption[32], unsigned src, const u8 *key,
		     int key_bits, u8 *handle)
{
	int nkey = key_bits / 128;
	u8 in[4 * 16] = { 0 }, s[16], ctr[2 * 16], ks[2 * 16];
	u8 *aad = handle, *tag = handle + 16, *ct = handle + 32;

	memset(aad, 0, 16);
	aad[0] = src & 7; /* bits 2:0 restrictions */
	aad[3] = key_bits == 256 ? 1 : 0; /* bits 27:24 key type */

	memcpy(in, aad, 16);
	memcpy(in + 16, key, 16 * nkey);
	in[16 * (nkey + 1)] = 128; /* LEN bits 63:0 = 128 */
	in[16 * (nkey + 1) + 8] = key_bits & 0xff; /* LEN bits 127:64 */
	in[16 * (nkey + 1) + 9] = key_bits >> 8;
	polyval_ref(integrity, in, nkey + 2, s);
	s[15] &= 0x7f;
	ossl_aes(encryption, 256, 1, s, tag, 1);

	for (int i = 0; i < nkey; i++) {
		u8 *c = ctr + 16 * i;
		uint32_t low;

		memcpy(c, tag, 16);
		c[15] |= 0x80;
		low = (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 |
		      (uint32_t)c[3] << 24;
		low += i;
		for (int b = 0; b < 4; b++)
			c[b] = (u8)(low >> (8 * b));
	}
	ossl_aes(encryption, 256, 1, ctr, ks, nkey);
	for (int i = 0; i < 16 * nkey; i++)
		ct[i] = key[i] ^ ks[i];
}

/* ---- Self-checks against published vectors ---- */

static void unhex(const char *s, u8 *out)
{
	for (size_t i = 0; i < strlen(s) / 2; i++)
		if (sscanf(s + 2 * i, "%2hhx", &out[i]) != 1)
			die("bad hex");
}

static void expect(const char *what, const u8 *got, const char *hex)
{
	u8 want[64];

	unhex(hex, want);
	if (memcmp(got, want, strlen(hex) / 2))
		die(what);
}

static void self_check(void)
{
	u8 h[16], x[32], out[48], zero[48] = { 0 };

	/* RFC 8452 Appendix A. */
	unhex("25629347589242761d31f826ba4b757b", h);
	unhex("4f4f95668c83dfb6401762bb2d01a262d1a24ddd2721d006bbe45f20d3c9f362", x);
	polyval_ref(h, x, 1, out);
	expect("POLYVAL does not match RFC 8452 Appendix A (1 block)", out,
	       "cedac64537ff50989c16011551086d77");
	polyval_ref(h, x, 2, out);
	expect("POLYVAL does not match RFC 8452 Appendix A (2 blocks)", out,
	       "f7a3b47b846119fae5b7866cf5e5b77e");

	/* Key Locker spec: zero IWKey, ENCODEKEY128 of a zero key, SRC = 0. */
	wrap_ref(zero, zero, 0, zero, 128, out);
	expect("wrap does not reproduce the Key Locker zero-IWKey vector", out,
	       "00000000000000000000000000000000"
	       "dc95c078a2408989ad48a21492842087"
	       "08c374848c228233c2b34f332bd2e9d3");

	/* FIPS-197 Appendix C.1 and C.3, as a sanity check of the AES calls. */
	unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", x);
	unhex("00112233445566778899aabbccddeeff", h);
	ossl_aes(x, 128, 1, h, out, 1);
	expect("AES-128 does not match FIPS-197 C.1", out, "69c4e0d86a7b0430d8cdb78070b4c55a");
	ossl_aes(x, 256, 1, h, out, 1);
	expect("AES-256 does not match FIPS-197 C.3", out, "8ea2b7ca516745bfeafc49904b496089");
}

/* ---- The fixed inputs ---- */

/* splitmix64 with fixed seeds: arbitrary but reproducible bytes. */
static void fill(u8 *b, size_t n, u64 seed)
{
	u64 z = 0;

	for (size_t i = 0; i < n; i++) {
		if (i % 8 == 0) {
			seed += 0x9e3779b97f4a7c15ULL;
			z = seed;
			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
			z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
			z ^= z >> 31;
		}
		b[i] = (u8)(z >> (8 * (i % 8)));
	}
}

static u8 iw_integrity[NR_IWKEYS][16], iw_encryption[NR_IWKEYS][32];
static u8 key128[NR_KEYS][16], key256[NR_KEYS][32];
static u8 blocks[NR_BLOCKS][16];

static void make_inputs(void)
{
	/* IWKey 0: all zero (the spec's vector); 1: counting bytes; 2, 3: arbitrary. */
	for (int i = 0; i < 16; i++)
		iw_integrity[1][i] = (u8)i;
	for (int i = 0; i < 32; i++)
		iw_encryption[1][i] = (u8)(0x10 + i);
	for (int k = 2; k < NR_IWKEYS; k++) {
		fill(iw_integrity[k], 16, 0x4b4c0100 + k);
		fill(iw_encryption[k], 32, 0x4b4c0200 + k);
	}
	/* Key 0: zero; 1: the FIPS-197 Appendix C key; 2: arbitrary. */
	for (int i = 0; i < 32; i++) {
		key256[1][i] = (u8)i;
		if (i < 16)
			key128[1][i] = (u8)i;
	}
	fill(key128[2], 16, 0x4b4c0300);
	fill(key256[2], 32, 0x4b4c0400);
	/* Block 0: the FIPS-197 Appendix C plaintext; 1-7: arbitrary. */
	unhex("00112233445566778899aabbccddeeff", blocks[0]);
	for (int b = 1; b < NR_BLOCKS; b++)
		fill(blocks[b], 16, 0x4b4c0500 + b);
}

/* ---- Output ---- */

/* @n bytes, 16 a line, each line indented by @tabs tabs. */
static void print_bytes(const u8 *b, int n, int tabs)
{
	for (int i = 0; i < n; i++) {
		if (i % 16 == 0)
			printf("%s%.*s", i ? "\n" : "", tabs, "\t\t\t\t\t\t\t\t");
		printf("0x%02x,%s", b[i], i % 16 == 15 || i == n - 1 ? "" : " ");
	}
	printf("\n");
}

static void print_iwkeys(void)
{
	printf("static const struct klv_iw klv_iwkey[KLV_NR_IWKEYS] KLV_UNUSED = {\n");
	for (int k = 0; k < NR_IWKEYS; k++) {
		printf("\t{ /* %d */\n\t\t.integrity = {\n", k);
		print_bytes(iw_integrity[k], 16, 3);
		printf("\t\t},\n\t\t.encryption = {\n");
		print_bytes(iw_encryption[k], 32, 3);
		printf("\t\t},\n\t},\n");
	}
	printf("};\n\n");
}

/* A [n1][n2][len] array. */
static void print_array2(const char *decl, const u8 *data, int n1, int n2, int len)
{
	printf("%s KLV_UNUSED = {\n", decl);
	for (int i = 0; i < n1; i++) {
		printf("\t{ /* %d */\n", i);
		for (int j = 0; j < n2; j++) {
			printf("\t\t{ /* %d */\n", j);
			print_bytes(data + ((size_t)i * n2 + j) * len, len, 3);
			printf("\t\t},\n");
		}
		printf("\t},\n");
	}
	printf("};\n\n");
}

static void print_array1(const char *decl, const u8 *data, int n, int len)
{
	printf("%s KLV_UNUSED = {\n", decl);
	for (int i = 0; i < n; i++) {
		printf("\t{ /* %d */\n", i);
		print_bytes(data + (size_t)i * len, len, 2);
		printf("\t},\n");
	}
	printf("};\n\n");
}

static u8 handle128[NR_IWKEYS][NR_KEYS][NR_RESTRICT][48];
static u8 handle256[NR_IWKEYS][NR_KEYS][NR_RESTRICT][64];
static u8 enc128[NR_KEYS][NR_BLOCKS][16], dec128[NR_KEYS][NR_BLOCKS][16];
static u8 enc256[NR_KEYS][NR_BLOCKS][16], dec256[NR_KEYS][NR_BLOCKS][16];

static void print_handles(const char *name, const u8 *data, int len)
{
	printf("static const unsigned char %s[KLV_NR_IWKEYS][KLV_NR_KEYS][KLV_NR_RESTRICT][%d] "
	       "KLV_UNUSED = {\n",
	       name, len);
	for (int w = 0; w < NR_IWKEYS; w++) {
		printf("\t{ /* IWKey %d */\n", w);
		for (int k = 0; k < NR_KEYS; k++) {
			printf("\t\t{ /* key %d */\n", k);
			for (int r = 0; r < NR_RESTRICT; r++) {
				printf("\t\t\t{ /* SRC = %d */\n", r);
				print_bytes(data + (((size_t)w * NR_KEYS + k) * NR_RESTRICT + r) *
							    len,
					    len, 4);
				printf("\t\t\t},\n");
			}
			printf("\t\t},\n");
		}
		printf("\t},\n");
	}
	printf("};\n\n");
}

int main(void)
{
	self_check();
	make_inputs();

	for (int w = 0; w < NR_IWKEYS; w++)
		for (int k = 0; k < NR_KEYS; k++)
			for (int r = 0; r < NR_RESTRICT; r++) {
				wrap_ref(iw_integrity[w], iw_encryption[w], r, key128[k], 128,
					 handle128[w][k][r]);
				wrap_ref(iw_integrity[w], iw_encryption[w], r, key256[k], 256,
					 handle256[w][k][r]);
			}
	for (int k = 0; k < NR_KEYS; k++) {
		ossl_aes(key128[k], 128, 1, blocks[0], enc128[k][0], NR_BLOCKS);
		ossl_aes(key128[k], 128, 0, blocks[0], dec128[k][0], NR_BLOCKS);
		ossl_aes(key256[k], 256, 1, blocks[0], enc256[k][0], NR_BLOCKS);
		ossl_aes(key256[k], 256, 0, blocks[0], dec256[k][0], NR_BLOCKS);
	}

	printf("/* SPDX-License-Identifier: MIT */\n"
	       "/*\n"
	       " * Generated by tools/klvectors.c; do not edit.\n"
	       " *\n"
	       " * Key Locker test vectors for the guest tests, generated independently of\n"
	       " * klvisor: AES is OpenSSL's (EVP_aes_128_ecb/EVP_aes_256_ecb), POLYVAL and\n"
	       " * the handle wrap are tools/klvectors.c's own, written from RFC 8452 and\n"
	       " * the Key Locker specification (343965, Appendix A); vmm/kl/klcrypto.c is\n"
	       " * not used.  The generator checks itself against RFC 8452 Appendix A, the\n"
	       " * specification's zero-IWKey vector and FIPS-197 Appendix C first.\n"
	       " *\n"
	       " * Every 128-bit value is little-endian, as an XMM register holds it in\n"
	       " * memory (byte 0 = bits 7:0).\n"
	       " *\n"
	       " * klv_iwkey[w]: LOADIWKEY with XMM0 = .integrity, SRC2 (ModRM.r/m) =\n"
	       " *   .encryption[0-15] (EncryptionKey[127:0]), SRC1 (ModRM.reg) =\n"
	       " *   .encryption[16-31] (EncryptionKey[255:128]).  0 is all zero.\n"
	       " * klv_key128[k]: XMM0 for ENCODEKEY128.  klv_key256[k]: bytes 0-15 in\n"
	       " *   XMM0, 16-31 in XMM1 for ENCODEKEY256.  Key 1 is the FIPS-197\n"
	       " *   Appendix C key (000102...).\n"
	       " * klv_handle128[w][k][src], klv_handle256[w][k][src]: the handle\n"
	       " *   ENCODEKEY128/256 writes (XMM0, XMM1, ... = bytes 0-15, 16-31, ...)\n"
	       " *   under IWKey w for key k with SRC = src (bits 2:0: CPL0-only,\n"
	       " *   no-encrypt, no-decrypt).\n"
	       " * klv_block[b]: 8 plaintext blocks (XMM0-7 for the WIDE forms); block 0\n"
	       " *   is the FIPS-197 Appendix C plaintext.\n"
	       " * klv_enc128[k][b] = AES-128-Encrypt(klv_key128[k], klv_block[b]), what\n"
	       " *   AESENC128KL / AESENCWIDE128KL produce with a handle for key k;\n"
	       " *   klv_dec128 the same for decryption (AESDEC*128KL), klv_enc256 and\n"
	       " *   klv_dec256 for AES-256 and klv_key256.\n"
	       " */\n"
	       "#ifndef KL_VECTORS_H\n"
	       "#define KL_VECTORS_H\n\n"
	       "#define KLV_NR_IWKEYS   %d\n"
	       "#define KLV_NR_KEYS     %d\n"
	       "#define KLV_NR_RESTRICT %d\n"
	       "#define KLV_NR_BLOCKS   %d\n\n"
	       "#define KLV_UNUSED __attribute__((unused))\n\n"
	       "struct klv_iw {\n"
	       "\tunsigned char integrity[16];\n"
	       "\tunsigned char encryption[32];\n"
	       "};\n\n",
	       NR_IWKEYS, NR_KEYS, NR_RESTRICT, NR_BLOCKS);

	print_iwkeys();
	print_array1("static const unsigned char klv_key128[KLV_NR_KEYS][16]", key128[0], NR_KEYS,
		     16);
	print_array1("static const unsigned char klv_key256[KLV_NR_KEYS][32]", key256[0], NR_KEYS,
		     32);
	print_handles("klv_handle128", handle128[0][0][0], 48);
	print_handles("klv_handle256", handle256[0][0][0], 64);
	print_array1("static const unsigned char klv_block[KLV_NR_BLOCKS][16]", blocks[0],
		     NR_BLOCKS, 16);
	print_array2("static const unsigned char klv_enc128[KLV_NR_KEYS][KLV_NR_BLOCKS][16]",
		     enc128[0][0], NR_KEYS, NR_BLOCKS, 16);
	print_array2("static const unsigned char klv_dec128[KLV_NR_KEYS][KLV_NR_BLOCKS][16]",
		     dec128[0][0], NR_KEYS, NR_BLOCKS, 16);
	print_array2("static const unsigned char klv_enc256[KLV_NR_KEYS][KLV_NR_BLOCKS][16]",
		     enc256[0][0], NR_KEYS, NR_BLOCKS, 16);
	print_array2("static const unsigned char klv_dec256[KLV_NR_KEYS][KLV_NR_BLOCKS][16]",
		     dec256[0][0], NR_KEYS, NR_BLOCKS, 16);
	printf("#endif\n");
	if (fflush(stdout) || ferror(stdout))
		die("write error");
	return 0;
}
