/* SPDX-License-Identifier: MIT */
/*
 * Who owns a physical CPU's IWKey slot.  Key Locker keeps one IWKey per
 * logical processor; klvisor loads a vCPU's key into it only when a
 * different key (another vCPU's, or a newer version of the same vCPU's)
 * is resident, never on every VM entry.  Pure logic, unit-tested.
 */
#ifndef VMM_KL_SLOT_H
#define VMM_KL_SLOT_H

#include "lib/types.h"
#include "vmm/kl/klcrypto.h"

struct kl_slot {
	u64 owner; /* vCPU key id resident (0: none) */
	u64 version; /* of the owner's key when it was loaded */
	u64 loads; /* slot loads on this CPU, for the log and benchmarks */
	/* The software backend's slot: what "the hardware" holds. */
	struct kl_iwkey key;
	/*
	 * The AES-256 encryption schedule of key.encryption, expanded on the
	 * first wrap or unwrap after a load (kl_slot_sched()) instead of on
	 * every one.  Key material like the key: wiped whenever the key is
	 * replaced or evicted.  All zero while has_sched is false.
	 */
	bool has_sched;
	struct aes_ctx sched;
};

/* The slot key's AES-256 schedule, expanded on first use after a load. */
const struct aes_ctx *kl_slot_sched(struct kl_slot *s);

/* Does the slot need a load to hold key @owner at @version? */
static inline bool kl_slot_stale(const struct kl_slot *s, u64 owner, u64 version)
{
	return s->owner != owner || s->version != version;
}

typedef void (*kl_load_fn)(struct kl_slot *s, const struct kl_iwkey *key);

/*
 * Make @key (of @owner, at @version) resident, calling @load only when the
 * slot holds something else.  Returns true if it loaded.
 */
bool kl_slot_make_resident(struct kl_slot *s, u64 owner, u64 version, const struct kl_iwkey *key,
			   kl_load_fn load);

/* @owner's key is gone: if resident, wipe the slot. */
void kl_slot_evict(struct kl_slot *s, u64 owner);

#endif
