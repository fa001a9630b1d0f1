// SPDX-License-Identifier: MIT
/*
 * IWKey slot ownership: exactly one load per switch between different
 * Key Locker vCPUs, none when the same vCPU comes back, a reload after a
 * key change, and eviction wiping the slot.
 */
#include <string.h>

#include "tests/unit/support.h"
#include "vmm/kl/slot.h"

static unsigned nr_loads;

static void fake_load(struct kl_slot *s, const struct kl_iwkey *key)
{
	s->key = *key;
	nr_loads++;
}

static struct kl_iwkey key_of(u8 fill)
{
	struct kl_iwkey k;

	memset(&k, 0, sizeof(k));
	memset(k.integrity, fill, sizeof(k.integrity));
	memset(k.encryption, fill, sizeof(k.encryption));
	return k;
}

static int setup(void **state)
{
	(void)state;
	nr_loads = 0;
	return 0;
}

static void test_reentry_never_reloads(void **state)
{
	struct kl_slot s = { 0 };
	struct kl_iwkey a = key_of(0xaa);

	(void)state;
	assert_true(kl_slot_make_resident(&s, 1, 10, &a, fake_load));
	for (int i = 0; i < 1000; i++) /* a thousand VM entries of the same vCPU */
		assert_false(kl_slot_make_resident(&s, 1, 10, &a, fake_load));
	assert_int_equal(nr_loads, 1);
	assert_int_equal(s.loads, 1);
	assert_memory_equal(&s.key, &a, sizeof(a));
}

static void test_one_load_per_switch(void **state)
{
	struct kl_slot s = { 0 };
	struct kl_iwkey a = key_of(0xaa), b = key_of(0xbb);
	/* A schedule: runs of vCPU 1 and vCPU 2, each run several entries long. */
	static const u64 order[] = { 1, 1, 1, 2, 2, 1, 2, 2, 2, 2, 1, 1 };
	unsigned switches = 0;

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(order); i++) {
		if (i == 0 || order[i] != order[i - 1])
			switches++;
		kl_slot_make_resident(&s, order[i], order[i] == 1 ? 10 : 20,
				      order[i] == 1 ? &a : &b, fake_load);
		assert_memory_equal(&s.key, order[i] == 1 ? &a : &b, sizeof(a));
	}
	assert_int_equal(switches, 5); /* runs: 1 2 1 2 1 */
	assert_int_equal(nr_loads, switches);
	assert_int_equal(s.loads, switches);
}

static void test_key_change_reloads(void **state)
{
	struct kl_slot s = { 0 };
	struct kl_iwkey a = key_of(0xaa), a2 = key_of(0xa2);

	(void)state;
	kl_slot_make_resident(&s, 1, 10, &a, fake_load);
	/* Same owner, new version: the guest ran LOADIWKEY. */
	assert_true(kl_slot_make_resident(&s, 1, 11, &a2, fake_load));
	assert_memory_equal(&s.key, &a2, sizeof(a2));
	assert_false(kl_slot_make_resident(&s, 1, 11, &a2, fake_load));
	assert_int_equal(nr_loads, 2);
}

static void test_evict_wipes_only_its_owner(void **state)
{
	struct kl_slot s = { 0 }, zero = { 0 };
	struct kl_iwkey a = key_of(0xaa);

	(void)state;
	kl_slot_make_resident(&s, 1, 10, &a, fake_load);
	kl_slot_evict(&s, 2); /* not resident: nothing happens */
	assert_memory_equal(&s.key, &a, sizeof(a));
	kl_slot_evict(&s, 1);
	assert_memory_equal(&s.key, &zero.key, sizeof(zero.key));
	assert_int_equal(s.owner, 0);
	/* The next vCPU to come back loads again. */
	assert_true(kl_slot_make_resident(&s, 1, 10, &a, fake_load));
}

/*
 * The slot keeps its key's AES-256 schedule: expanded once, equal to a
 * fresh expansion, wrapping exactly as kl_wrap() does, and wiped (not
 * just marked stale) when another key is loaded or the key is evicted.
 */
static void test_schedule_follows_the_key(void **state)
{
	struct kl_slot s = { 0 };
	struct kl_iwkey a = key_of(0xaa), b = key_of(0x55);
	struct aes_ctx want, zero = { 0 };
	const struct aes_ctx *got;
	u8 key[16] = { 1, 2, 3 }, h1[48], h2[48], back[16];
	u32 aad;

	(void)state;
	kl_slot_make_resident(&s, 1, 10, &a, fake_load);
	assert_false(s.has_sched);
	got = kl_slot_sched(&s);
	aes_init_encrypt(&want, a.encryption, 256);
	assert_memory_equal(got, &want, sizeof(want));
	assert_ptr_equal(kl_slot_sched(&s), got); /* once, not per call */
	kl_wrap_sched(&s.key, got, 1, key, 128, h1);
	kl_wrap(&a, 1, key, 128, h2);
	assert_memory_equal(h1, h2, sizeof(h1));
	assert_true(kl_unwrap_sched(&s.key, got, h1, 128, back, &aad));
	assert_memory_equal(back, key, 16);
	/* Another key: the old schedule is gone before anything uses the slot. */
	kl_slot_make_resident(&s, 2, 11, &b, fake_load);
	assert_false(s.has_sched);
	assert_memory_equal(&s.sched, &zero, sizeof(zero));
	aes_init_encrypt(&want, b.encryption, 256);
	assert_memory_equal(kl_slot_sched(&s), &want, sizeof(want));
	/* A handle of the old key is refused under the new one. */
	assert_false(kl_unwrap_sched(&s.key, kl_slot_sched(&s), h1, 128, back, &aad));
	/* The same key at a new version (LOADIWKEY of equal bytes) also re-expands. */
	kl_slot_make_resident(&s, 2, 12, &b, fake_load);
	assert_false(s.has_sched);
	kl_slot_sched(&s);
	kl_slot_evict(&s, 2);
	assert_false(s.has_sched);
	assert_memory_equal(&s.sched, &zero, sizeof(zero));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reentry_never_reloads, setup),
		cmocka_unit_test_setup(test_one_load_per_switch, setup),
		cmocka_unit_test_setup(test_key_change_reloads, setup),
		cmocka_unit_test_setup(test_evict_wipes_only_its_owner, setup),
		cmocka_unit_test_setup(test_schedule_follows_the_key, setup),
	};

	return cmocka_run_group_tests_name("klslot", tests, NULL, NULL);
}
