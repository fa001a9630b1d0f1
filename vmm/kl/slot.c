// SPDX-License-Identifier: MIT
/* IWKey slot ownership: lazy loads, counted. */
#include "lib/string.h"
#include "vmm/kl/slot.h"

/* Wipe the key's expanded schedule (unexpanded, it is all zero already). */
static void drop_sched(struct kl_slot *s)
{
	if (s->has_sched) {
		memzero_explicit(&s->sched, sizeof(s->sched));
		s->has_sched = false;
	}
}

bool kl_slot_make_resident(struct kl_slot *s, u64 owner, u64 version, const struct kl_iwkey *key,
			   kl_load_fn load)
{
	if (!kl_slot_stale(s, owner, version))
		return false;
	drop_sched(s); /* the old key's schedule goes before the new key comes */
	load(s, key);
	s->owner = owner;
	s->version = version;
	s->loads++;
	return true;
}

void kl_slot_evict(struct kl_slot *s, u64 owner)
{
	if (s->owner != owner)
		return;
	memzero_explicit(&s->key, sizeof(s->key));
	drop_sched(s);
	s->owner = 0;
	s->version = 0;
}

const struct aes_ctx *kl_slot_sched(struct kl_slot *s)
{
	if (!s->has_sched) {
		aes_init_encrypt(&s->sched, s->key.encryption, 256);
		s->has_sched = true;
	}
	return &s->sched;
}
