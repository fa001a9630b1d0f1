// SPDX-License-Identifier: MIT
/* The unwrapped-handle cache (see hcache.h for why a hit is safe). */
#include "vmm/kl/hcache.h"
#include "lib/string.h"

static u64 word_at(const u8 *p)
{
	u64 w;

	__builtin_memcpy(&w, p, 8); /* inlined: a plain load */
	return w;
}

/*
 * Handles are 48 or 64 bytes.  The tag's first word first: different
 * handles almost always differ there, so a miss costs one compare per
 * entry.  Then every word, XORed and ORed together without a branch per
 * word (the 48 bytes every handle has unrolled): on a hit all of them
 * are compared anyway.  Nothing secret is compared: the handle bytes are
 * the guest's own (it supplied them), and whether one hits the cache is
 * something it can time anyway.
 */
static bool same_handle(const u8 *a, const u8 *b, unsigned len)
{
	u64 diff;

	if (word_at(a + 16) != word_at(b + 16))
		return false;
	diff = 0;
#pragma GCC unroll 6
	for (unsigned i = 0; i < KL_HANDLE128_SIZE; i += 8)
		diff |= word_at(a + i) ^ word_at(b + i);
	for (unsigned i = KL_HANDLE128_SIZE; i < len; i += 8)
		diff |= word_at(a + i) ^ word_at(b + i);
	return !diff;
}

struct kl_hcache_entry *kl_hcache_find(struct kl_hcache *c, u64 version, const u8 *handle,
				       unsigned len)
{
	for (unsigned i = 0; i < KL_HCACHE_WAYS; i++) {
		struct kl_hcache_entry *e = &c->e[i];

		if (version && e->version == version && e->len == len &&
		    same_handle(e->handle, handle, len))
			return e;
	}
	return NULL;
}

struct kl_hcache_entry *kl_hcache_insert(struct kl_hcache *c, u64 version, const u8 *handle,
					 unsigned len, u32 aad, const u8 *key, unsigned key_bits)
{
	struct kl_hcache_entry *e = &c->e[c->next];

	if (!version || len > sizeof(e->handle))
		return NULL;
	c->next = (c->next + 1) % KL_HCACHE_WAYS;
	/*
	 * Wipe the victim: an empty entry is all zero, and of an occupied one
	 * the schedules it expanded and whatever of its handle and key the new
	 * ones do not overwrite; the rest is rewritten below.
	 */
	if (e->has_enc)
		memzero_explicit(&e->enc, sizeof(e->enc));
	if (e->has_dec)
		memzero_explicit(&e->dec, sizeof(e->dec));
	if (e->has_dk)
		memzero_explicit(&e->dk, sizeof(e->dk));
	e->has_enc = e->has_dec = e->has_dk = false;
	/* What the new handle and key do not overwrite (a longer old one's tail). */
	if (e->len > len)
		memzero_explicit(e->handle + len, e->len - len);
	if (e->key_bits > key_bits)
		memzero_explicit(e->key + key_bits / 8, (e->key_bits - key_bits) / 8);
	memcpy(e->handle, handle, len);
	e->len = (u8)len;
	e->aad = aad;
	memcpy(e->key, key, key_bits / 8);
	e->key_bits = (u16)key_bits;
	e->version = version;
	return e;
}

const struct aes_ctx *kl_hcache_ctx(struct kl_hcache_entry *e, bool decrypt)
{
	if (decrypt && !e->has_dec) {
		aes_init_decrypt(&e->dec, e->key, e->key_bits);
		e->has_dec = true;
	} else if (!decrypt && !e->has_enc) {
		aes_init_encrypt(&e->enc, e->key, e->key_bits);
		e->has_enc = true;
	}
	return decrypt ? &e->dec : &e->enc;
}

bool kl_hcache_prepare_dk(struct kl_hcache_entry *e)
{
	if (!e->has_dk)
		e->has_dk = aes_init_decrypt_live(&e->dk, kl_hcache_ctx(e, true));
	return e->has_dk;
}

void kl_hcache_flush(struct kl_hcache *c)
{
	/* Only occupied entries hold anything (a free one is all zero). */
	for (unsigned i = 0; i < KL_HCACHE_WAYS; i++)
		if (c->e[i].version)
			memzero_explicit(&c->e[i], sizeof(c->e[i]));
	c->next = 0;
}
