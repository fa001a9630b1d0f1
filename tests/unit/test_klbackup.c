// SPDX-License-Identifier: MIT
/*
 * IWKey backup MSR emulation, per the behaviour the project's Key Locker
 * reference gives for hardware: backup overwrites, restore without a valid
 * backup raises no #GP and leaves copy status 0, NoBackup keys are not
 * copied, writing 0 does nothing, reserved bits and wrong directions #GP,
 * and nothing works where the MSRs are not exposed.
 */
#include <string.h>

#include "tests/unit/support.h"
#include "vmm/kl/backup.h"

static struct kl_iwkey key_of(u8 fill, bool nobackup)
{
	struct kl_iwkey k;

	memset(&k, 0, sizeof(k));
	memset(k.integrity, fill, 16);
	memset(k.encryption, fill ^ 0x5a, 32);
	k.nobackup = nobackup;
	return k;
}

static u64 rd(struct kl_vm_backup *b, u64 *cs, u32 msr)
{
	u64 v = 0xdead;

	assert_int_equal(kl_backup_rdmsr(b, cs, true, msr, &v), KL_MSR_OK);
	return v;
}

static void test_backup_then_restore_elsewhere(void **state)
{
	struct kl_vm_backup b = { 0 };
	struct kl_iwkey k0 = key_of(0x11, false), k1 = key_of(0x22, false);
	u64 cs0 = 0, cs1 = 0;

	(void)state;
	assert_int_equal(rd(&b, &cs0, MSR_IA32_IWKEYBACKUP_STATUS), 0);
	/* vCPU 0 backs up ... */
	assert_int_equal(kl_backup_wrmsr(&b, &k0, &cs0, true, MSR_IA32_COPY_LOCAL_TO_PLATFORM, 1),
			 KL_MSR_OK);
	assert_int_equal(rd(&b, &cs0, MSR_IA32_COPY_STATUS), 1);
	assert_int_equal(rd(&b, &cs0, MSR_IA32_IWKEYBACKUP_STATUS) & KL_BACKUP_VALID, 1);
	/* ... vCPU 1 restores and now holds vCPU 0's key. */
	assert_int_equal(rd(&b, &cs1, MSR_IA32_COPY_STATUS), 0);
	assert_int_equal(kl_backup_wrmsr(&b, &k1, &cs1, true, MSR_IA32_COPY_PLATFORM_TO_LOCAL, 1),
			 KL_MSR_KEY_CHANGED);
	assert_memory_equal(&k1, &k0, sizeof(k0));
	assert_int_equal(rd(&b, &cs1, MSR_IA32_COPY_STATUS), 1);
}

static void test_backup_overwrites(void **state)
{
	struct kl_vm_backup b = { 0 };
	struct kl_iwkey a = key_of(0x11, false), c = key_of(0x33, false), r = key_of(0, false);
	u64 cs = 0;

	(void)state;
	kl_backup_wrmsr(&b, &a, &cs, true, MSR_IA32_COPY_LOCAL_TO_PLATFORM, 1);
	kl_backup_wrmsr(&b, &c, &cs, true, MSR_IA32_COPY_LOCAL_TO_PLATFORM, 1);
	kl_backup_wrmsr(&b, &r, &cs, true, MSR_IA32_COPY_PLATFORM_TO_LOCAL, 1);
	assert_memory_equal(&r, &c, sizeof(c));
}

static void test_restore_without_backup(void **state)
{
	struct kl_vm_backup b = { 0 };
	struct kl_iwkey k = key_of(0x44, false), before = k;
	u64 cs = 1;

	(void)state;
	assert_int_equal(kl_backup_wrmsr(&b, &k, &cs, true, MSR_IA32_COPY_PLATFORM_TO_LOCAL, 1),
			 KL_MSR_OK); /* no #GP */
	assert_int_equal(cs, 0);
	assert_memory_equal(&k, &before, sizeof(k));
}

static void test_nobackup_key_not_copied(void **state)
{
	struct kl_vm_backup b = { 0 };
	struct kl_iwkey a = key_of(0x11, false), nb = key_of(0x77, true), r = key_of(0, false);
	u64 cs = 1;

	(void)state;
	kl_backup_wrmsr(&b, &a, &cs, true, MSR_IA32_COPY_LOCAL_TO_PLATFORM, 1);
	assert_int_equal(kl_backup_wrmsr(&b, &nb, &cs, true, MSR_IA32_COPY_LOCAL_TO_PLATFORM, 1),
			 KL_MSR_OK);
	assert_int_equal(cs, 0);
	kl_backup_wrmsr(&b, &r, &cs, true, MSR_IA32_COPY_PLATFORM_TO_LOCAL, 1);
	assert_memory_equal(&r, &a, sizeof(a)); /* the backup still holds the old key */
}

static void test_zero_reserved_and_direction(void **state)
{
	struct kl_vm_backup b = { 0 };
	struct kl_iwkey k = key_of(0x11, false);
	u64 cs = 0, v;

	(void)state;
	assert_int_equal(kl_backup_wrmsr(&b, &k, &cs, true, MSR_IA32_COPY_LOCAL_TO_PLATFORM, 0),
			 KL_MSR_OK);
	assert_int_equal(b.status, 0); /* 0 did nothing */
	assert_int_equal(kl_backup_wrmsr(&b, &k, &cs, true, MSR_IA32_COPY_LOCAL_TO_PLATFORM, 3),
			 KL_MSR_GP);
	assert_int_equal(
		kl_backup_wrmsr(&b, &k, &cs, true, MSR_IA32_COPY_PLATFORM_TO_LOCAL, 1ULL << 63),
		KL_MSR_GP);
	assert_int_equal(b.status, 0);
	assert_int_equal(kl_backup_wrmsr(&b, &k, &cs, true, MSR_IA32_COPY_STATUS, 0), KL_MSR_GP);
	assert_int_equal(kl_backup_wrmsr(&b, &k, &cs, true, MSR_IA32_IWKEYBACKUP_STATUS, 0),
			 KL_MSR_GP);
	assert_int_equal(kl_backup_rdmsr(&b, &cs, true, MSR_IA32_COPY_LOCAL_TO_PLATFORM, &v),
			 KL_MSR_GP);
	assert_int_equal(kl_backup_rdmsr(&b, &cs, true, MSR_IA32_COPY_PLATFORM_TO_LOCAL, &v),
			 KL_MSR_GP);
}

static void test_not_exposed_all_gp(void **state)
{
	static const u32 msrs[] = { MSR_IA32_COPY_STATUS, MSR_IA32_IWKEYBACKUP_STATUS,
				    MSR_IA32_COPY_LOCAL_TO_PLATFORM,
				    MSR_IA32_COPY_PLATFORM_TO_LOCAL };
	struct kl_vm_backup b = { 0 };
	struct kl_iwkey k = key_of(0x11, false);
	u64 cs = 0, v;

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(msrs); i++) {
		assert_int_equal(kl_backup_rdmsr(&b, &cs, false, msrs[i], &v), KL_MSR_GP);
		assert_int_equal(kl_backup_wrmsr(&b, &k, &cs, false, msrs[i], 1), KL_MSR_GP);
	}
	assert_int_equal(b.status, 0);
	assert_int_equal(kl_backup_rdmsr(&b, &cs, true, 0x10, &v), KL_MSR_NOT_MINE);
}

static void test_reset_wipes(void **state)
{
	struct kl_vm_backup b = { 0 }, zero = { 0 };
	struct kl_iwkey k = key_of(0x11, false);
	u64 cs = 0;

	(void)state;
	kl_backup_wrmsr(&b, &k, &cs, true, MSR_IA32_COPY_LOCAL_TO_PLATFORM, 1);
	kl_backup_reset(&b);
	assert_int_equal(b.status, 0);
	assert_memory_equal(&b.key, &zero.key, sizeof(b.key));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backup_then_restore_elsewhere),
		cmocka_unit_test(test_backup_overwrites),
		cmocka_unit_test(test_restore_without_backup),
		cmocka_unit_test(test_nobackup_key_not_copied),
		cmocka_unit_test(test_zero_reserved_and_direction),
		cmocka_unit_test(test_not_exposed_all_gp),
		cmocka_unit_test(test_reset_wipes),
	};

	return cmocka_run_group_tests_name("klbackup", tests, NULL, NULL);
}
