// SPDX-License-Identifier: MIT
/* IWKey slot ownership: lazy loads, counted. */
#include "lib/string.h"
#include "vmm/kl/slot.h"

bool kl_slot_make_resident(struct kl_slot *s, u64 owner, u64 version, const struct kl_iwkey *key,
			   kl_load_fn load)
{
	if (!kl_slot_stale(s, owner, version))
		return false;
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
	s->owner = 0;
	s->version = 0;
}
