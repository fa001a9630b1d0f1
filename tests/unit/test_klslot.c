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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reentry_never_reloads, setup),
		cmocka_unit_test_setup(test_one_load_per_switch, setup),
		cmocka_unit_test_setup(test_key_change_reloads, setup),
		cmocka_unit_test_setup(test_evict_wipes_only_its_owner, setup),
	};

	return cmocka_run_group_tests_name("klslot", tests, NULL, NULL);
}
