// SPDX-License-Identifier: MIT
/* The unwrapped-handle cache (see hcache.h for why a hit is safe). */
#include "vmm/kl/hcache.h"
#include "lib/string.h"

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
