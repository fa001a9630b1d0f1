/* SPDX-License-Identifier: MIT */
/*
 * The software backend's cache of unwrapped handles, per vCPU.  Unwrapping
 * a handle (an AES-GCM-SIV-style integrity check and decryption under the
 * IWKey) costs far more than the AES work it enables, and guests use the
 * same handle for block after block.  An entry maps the exact handle bytes
 * and the IWKey version they were checked under to the handle's
 * restrictions, its key and the AES schedules expanded from it.
 *
 * Why a hit is safe (docs/keylocker.md): unwrapping is a deterministic
 * function of (IWKey, handle bytes); an entry is made only after the full
 * check passed, and is found only for byte-identical handle bytes under
 * the same IWKey version, so a hit returns what the full check would.
 * A tampered handle differs in some byte and misses.  Restrictions are
 * re-applied on every use.  Entries are key material: wiped on eviction,
 * on every IWKey change (LOADIWKEY, backup restore), on INIT and at VM end.
 * Pure: host tests drive it with the real AES code.
 */
#ifndef VMM_KL_HCACHE_H
#define VMM_KL_HCACHE_H

#include "lib/string.h"
#include "vmm/kl/klcrypto.h"

#define KL_HCACHE_WAYS 4

struct kl_hcache_entry {
	u64 version; /* 0: empty */
	u8 handle[KL_HANDLE256_SIZE];
	u8 len;
	u32 aad; /* the handle's restrictions */
	u8 key[32]; /* the unwrapped key: round key 0 of either schedule anyway */
	u16 key_bits;
	bool has_enc, has_dec; /* schedules are expanded on first use */
	struct aes_ctx enc, dec;
	/* AES-NI only: the decryption round keys in order of use, for in-place decryption. */
	bool has_dk;
	struct aes_ctx dk;
};

struct kl_hcache {
	struct kl_hcache_entry e[KL_HCACHE_WAYS];
	unsigned next; /* round-robin victim */
};

/*
 * The lookup, inline: every AES*KL makes one.
 *
 * Handles are 48 or 64 bytes.  The tag's first word first: different
 * handles almost always differ there, so a miss costs one compare per
 * entry.  Then every word, XORed and ORed together without a branch per
 * word (the 48 bytes every handle has unrolled): on a hit all of them
 * are compared anyway.  Nothing secret is compared: the handle bytes are
 * the guest's own (it supplied them), and whether one hits the cache is
 * something it can time anyway.
 */
static __always_inline bool kl_hcache_same_handle(const u8 *a, const u8 *b, unsigned len)
{
	u64 diff;

	if (load_u64(a + 16) != load_u64(b + 16))
		return false;
	diff = 0;
#pragma GCC unroll 6
	for (unsigned i = 0; i < KL_HANDLE128_SIZE; i += 8)
		diff |= load_u64(a + i) ^ load_u64(b + i);
	for (unsigned i = KL_HANDLE128_SIZE; i < len; i += 8)
		diff |= load_u64(a + i) ^ load_u64(b + i);
	return !diff;
}

/* The entry for these handle bytes under IWKey @version, or NULL. */
static inline struct kl_hcache_entry *kl_hcache_find(struct kl_hcache *c, u64 version,
						     const u8 *handle, unsigned len)
{
	for (unsigned i = 0; i < KL_HCACHE_WAYS; i++) {
		struct kl_hcache_entry *e = &c->e[i];

		if (version && e->version == version && e->len == len &&
		    kl_hcache_same_handle(e->handle, handle, len))
			return e;
	}
	return NULL;
}

/* Remember a handle that passed the full check; evicts (and wipes) the oldest entry. */
struct kl_hcache_entry *kl_hcache_insert(struct kl_hcache *c, u64 version, const u8 *handle,
					 unsigned len, u32 aad, const u8 *key, unsigned key_bits);
/* The entry's encryption or decryption schedule, expanded on first use. */
const struct aes_ctx *kl_hcache_ctx(struct kl_hcache_entry *e, bool decrypt);
/*
 * Prepare @e's in-place decryption keys (aes_init_decrypt_live()) if not
 * done yet; runs AES-NI, so only where the guest's vector state is saved.
 * False (nothing prepared) without AES-NI.
 */
bool kl_hcache_prepare_dk(struct kl_hcache_entry *e);
/* Forget and wipe every entry. */
void kl_hcache_flush(struct kl_hcache *c);

#endif
