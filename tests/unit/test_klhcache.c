// SPDX-License-Identifier: MIT
/*
 * The unwrapped-handle cache (vmm/kl/hcache.c, issue 9): a hit only for
 * byte-identical handles under the same IWKey version, the cached
 * schedules giving the same AES as the handle's key, and every entry
 * wiped on eviction and flush.  Handles come from the real kl_wrap().
 */
#include <string.h>

#include "tests/unit/support.h"
#include "vmm/kl/hcache.h"

static struct kl_iwkey iw = { .integrity = { 1, 2, 3 }, .encryption = { 4, 5, 6 } };
static const u8 key[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
			    0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };

static void handle_for(const u8 *k, u32 src, u8 h[48])
{
	u8 back[32];
	u32 aad;

	kl_wrap(&iw, src, k, 128, h);
	assert_true(kl_unwrap(&iw, h, 128, back, &aad)); /* what the emulation does on a miss */
	assert_memory_equal(back, k, 16);
}

static bool all_zero(const void *p, size_t n)
{
	const u8 *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void test_hit_only_for_same_bytes_and_version(void **state)
{
	static struct kl_hcache c;
	struct kl_hcache_entry *e;
	u8 h[48], t[48], out[16], ref[16], pt[16] = { 0x32, 0x43, 0xf6, 0xa8 };
	struct aes_ctx ctx;

	(void)state;
	memset(&c, 0, sizeof(c));
	handle_for(key, 2, h);
	e = kl_hcache_insert(&c, 7, h, 48, 2, key, 128);
	assert_non_null(e);
	assert_ptr_equal(kl_hcache_find(&c, 7, h, 48), e);
	assert_int_equal(e->aad, 2);
	aes_init_encrypt(&ctx, key, 128);
	aes_encrypt(&ctx, pt, ref);
	aes_encrypt(kl_hcache_ctx(e, false), pt, out);
	assert_memory_equal(out, ref, 16);
	aes_decrypt(kl_hcache_ctx(e, true), out, out);
	assert_memory_equal(out, pt, 16);
	/* Any byte different: a miss, and the full check then refuses the tampered handle. */
	for (int i = 0; i < 48; i++) {
		u8 k2[32];
		u32 aad;

		memcpy(t, h, 48);
		t[i] ^= 0x01;
		assert_null(kl_hcache_find(&c, 7, t, 48));
		assert_false(kl_unwrap(&iw, t, 128, k2, &aad));
	}
	/* The same for a 256-bit handle's 64 bytes, beside the 128-bit one. */
	{
		u8 h64[64], t64[64], k256[32];

		memset(k256, 0x5c, sizeof(k256));
		kl_wrap(&iw, 0, k256, 256, h64);
		e = kl_hcache_insert(&c, 7, h64, 64, 0, k256, 256);
		assert_ptr_equal(kl_hcache_find(&c, 7, h64, 64), e);
		for (int i = 0; i < 64; i++) {
			memcpy(t64, h64, 64);
			t64[i] ^= 0x80;
			assert_null(kl_hcache_find(&c, 7, t64, 64));
		}
		assert_non_null(kl_hcache_find(&c, 7, h, 48)); /* the 128-bit one is still there */
	}
	assert_null(kl_hcache_find(&c, 8, h, 48)); /* a new IWKey version */
	assert_null(kl_hcache_find(&c, 0, h, 48)); /* 0: "the slot is not this vCPU's" */
	assert_null(kl_hcache_find(&c, 7, h, 64)); /* a different handle size */
	assert_null(kl_hcache_insert(&c, 0, h, 48, 0, key, 128)); /* never cached without a key */
}

static void test_eviction_and_flush_wipe(void **state)
{
	static struct kl_hcache c;
	u8 h[KL_HCACHE_WAYS + 1][48], k[KL_HCACHE_WAYS + 1][16];

	(void)state;
	memset(&c, 0, sizeof(c));
	for (int i = 0; i <= KL_HCACHE_WAYS; i++) {
		memcpy(k[i], key, 16);
		k[i][0] ^= (u8)i;
		handle_for(k[i], 0, h[i]);
		assert_non_null(kl_hcache_insert(&c, 9, h[i], 48, 0, k[i], 128));
	}
	/* Round-robin: the first entry made room for the last, and nothing of it is left. */
	assert_null(kl_hcache_find(&c, 9, h[0], 48));
	for (int i = 1; i <= KL_HCACHE_WAYS; i++)
		assert_non_null(kl_hcache_find(&c, 9, h[i], 48));
	for (int w = 0; w < KL_HCACHE_WAYS; w++)
		assert_true(memcmp(c.e[w].handle, h[0], 48));
	kl_hcache_flush(&c);
	assert_true(all_zero(&c, sizeof(c)));
	for (int i = 0; i <= KL_HCACHE_WAYS; i++)
		assert_null(kl_hcache_find(&c, 9, h[i], 48));
}

/*
 * An evicted entry keeps nothing of its key: the schedules it expanded are
 * wiped (not merely marked stale) and a shorter new key or handle leaves
 * no old bytes behind it.
 */
static void test_eviction_wipes_schedules(void **state)
{
	static struct kl_hcache c;
	static const struct aes_ctx zero_ctx;
	u8 h[48], h64[64], k256[32], none[32] = { 0 };
	struct kl_hcache_entry *e;

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(k256, 0x77, sizeof(k256));
	memset(h, 0x11, sizeof(h));
	memset(h64, 0x22, sizeof(h64));
	e = kl_hcache_insert(&c, 9, h64, 64, 0, k256, 256);
	assert_non_null(e);
	kl_hcache_ctx(e, false);
	kl_hcache_ctx(e, true);
	assert_true(e->has_enc && e->has_dec);
	/* The in-place decryption keys too, where the host can make them. */
	if (__builtin_cpu_supports("aes")) {
		klcrypto_select(true, false);
		assert_true(kl_hcache_prepare_dk(e));
		assert_true(e->has_dk);
		klcrypto_select(false, false);
	}
	for (int i = 1; i <= KL_HCACHE_WAYS; i++) {
		h[0] = (u8)i;
		assert_non_null(kl_hcache_insert(&c, 9, h, 48, 0, key, 128));
	}
	/* Entry 0 was the victim of the last insert: a 128-bit key, nothing expanded yet. */
	assert_int_equal(c.e[0].key_bits, 128);
	assert_false(c.e[0].has_enc || c.e[0].has_dec || c.e[0].has_dk);
	assert_memory_equal(&c.e[0].enc, &zero_ctx, sizeof(zero_ctx));
	assert_memory_equal(&c.e[0].dec, &zero_ctx, sizeof(zero_ctx));
	assert_memory_equal(&c.e[0].dk, &zero_ctx, sizeof(zero_ctx));
	assert_memory_equal(c.e[0].key, key, 16);
	assert_memory_equal(c.e[0].key + 16, none, 16);
	assert_memory_equal(c.e[0].handle, h, 48);
	assert_memory_equal(c.e[0].handle + 48, none, 16); /* the old 64-byte handle's tail */
	kl_hcache_flush(&c);
	assert_true(all_zero(&c, sizeof(c)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_only_for_same_bytes_and_version),
		cmocka_unit_test(test_eviction_and_flush_wipe),
		cmocka_unit_test(test_eviction_wipes_schedules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
