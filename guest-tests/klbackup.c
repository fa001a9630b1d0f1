// SPDX-License-Identifier: MIT
/*
 * Guest test: the IWKey backup MSRs (0x990, 0x991, 0xD91, 0xD92).
 *
 *   klbackup        (2 vCPUs, kl=on) back up on vCPU 0, restore on vCPU 1,
 *                   handles interoperate; restore before any backup;
 *                   reserved bits; NoBackup keys; statuses after each step
 *   klbackup other  (kl=on) another VM's backup is invisible here
 *   klbackup none   (kl=off) no backup MSRs at all
 */
#include "guest.h"
#include "kl.h"
#include "kl_vectors.h"

#define COPY_STATUS	   0x990
#define BACKUP_STATUS	   0x991
#define COPY_TO_PLATFORM   0xd91
#define COPY_FROM_PLATFORM 0xd92

static u64 rd(u32 msr)
{
	u64 v = ~0ULL;

	if (rdmsr_safe(msr, &v) >= 0)
		fail("rdmsr", "MSR %#x faulted", msr);
	return v;
}

static bool wr_ok(u32 msr, u64 val)
{
	return wrmsr_safe(msr, val) < 0;
}

static bool aesenc_matches(const u8 *handle, int key)
{
	u8 blk[16];

	memcpy(blk, klv_block[0], 16);
	return !kl_aes(KL_ENC128, handle, blk) && !memcmp(blk, klv_enc128[key][0], 16);
}

static u8 handle_iw1[48];

static void on_cpu1(void *arg)
{
	bool *ok = arg;

	kl_set_cr4(true);
	ok[0] = !aesenc_matches(handle_iw1, 1); /* its own, random key refuses it */
	ok[1] = rd(COPY_STATUS) == 0;
	ok[2] = wr_ok(COPY_FROM_PLATFORM, 1) && rd(COPY_STATUS) == 1;
	ok[3] = aesenc_matches(handle_iw1, 1);
}

static void on_cpu1_again(void *arg)
{
	bool *ok = arg;

	kl_loadiwkey(klv_iwkey[3].integrity, klv_iwkey[3].encryption);
	ok[0] = wr_ok(COPY_FROM_PLATFORM, 1) && rd(COPY_STATUS) == 1;
	ok[1] = aesenc_matches(handle_iw1, 1); /* the backup still holds IWKey 1 */
}

static void two_vcpus(void)
{
	bool ok[4];
	u8 h[48];

	if (smp_start(2) != 2)
		fail("smp", "vCPU 1 did not start");
	report(cpuid_count(0x19, 0).b & (1U << 4), "backup-enumerated", "CPUID.19H:EBX[4] clear");
	report(cpuid_count(0x19, 0).c & 1, "nobackup-enumerated", "CPUID.19H:ECX[0] clear");

	report(wr_ok(COPY_FROM_PLATFORM, 1) && rd(COPY_STATUS) == 0 && !(rd(BACKUP_STATUS) & 1),
	       "restore-before-backup", "no #GP, copy status 0, backup invalid");
	report(!wr_ok(COPY_TO_PLATFORM, 2) && !wr_ok(COPY_FROM_PLATFORM, 1ULL << 63) &&
		       !wr_ok(COPY_STATUS, 0) && !wr_ok(BACKUP_STATUS, 0),
	       "reserved-and-read-only-gp", "a write did not raise #GP");
	report(rdmsr_safe(COPY_TO_PLATFORM, &(u64){ 0 }) == GP_VECTOR &&
		       rdmsr_safe(COPY_FROM_PLATFORM, &(u64){ 0 }) == GP_VECTOR,
	       "write-only-msrs-read-gp", "reading a copy MSR did not raise #GP");

	kl_set_cr4(true);
	kl_loadiwkey(klv_iwkey[1].integrity, klv_iwkey[1].encryption);
	kl_encodekey128(klv_key128[1], 0, handle_iw1);
	report(wr_ok(COPY_TO_PLATFORM, 1), "backup-write", "#GP");
	report(rd(COPY_STATUS) == 1, "backup-copy-status", "copy status %lu", rd(COPY_STATUS));
	report(rd(BACKUP_STATUS) & 1, "backup-valid", "backup status %#lx", rd(BACKUP_STATUS));

	on_cpu(1, on_cpu1, ok);
	report(ok[0], "cpu1-own-key-refuses-handle", "vCPU 1 used IWKey 1 before restoring it");
	report(ok[1], "cpu1-copy-status-starts-0", "copy status not 0");
	report(ok[2], "restore-copy-status", "restore on vCPU 1 did not set copy status");
	report(ok[3], "handles-interoperate", "vCPU 0's handle fails on vCPU 1 after restore");

	/* NoBackup: reported by ENCODEKEY, not copied out, backup unchanged. */
	kl_loadiwkey_eax(klv_iwkey[2].integrity, klv_iwkey[2].encryption, 1);
	report(kl_encodekey128(klv_key128[0], 0, h) == 1, "encodekey-reports-nobackup",
	       "DEST bit 0 clear");
	report(wr_ok(COPY_TO_PLATFORM, 1) && rd(COPY_STATUS) == 0, "nobackup-key-not-copied",
	       "copy status %lu", rd(COPY_STATUS));
	report(rd(BACKUP_STATUS) & 1, "backup-still-valid", "status %#lx", rd(BACKUP_STATUS));
	on_cpu(1, on_cpu1_again, ok);
	report(ok[0] && ok[1], "backup-unchanged-by-nobackup", "restore %d, handle %d", ok[0],
	       ok[1]);

	/* Writing 0 does nothing. */
	kl_loadiwkey(klv_iwkey[3].integrity, klv_iwkey[3].encryption);
	report(wr_ok(COPY_TO_PLATFORM, 0) && rd(COPY_STATUS) == 0, "write-zero-does-nothing",
	       "copy status %lu", rd(COPY_STATUS));
}

/* Another VM, running alongside: its backup is its own. */
static void other_vm(void)
{
	u64 t0 = rdtsc();
	bool clean = true;

	/* Watch for a while, so the 2-vCPU VM's backup exists by the end. */
	while (rdtsc() - t0 < 20000000ULL && clean)
		clean = !(rd(BACKUP_STATUS) & 1);
	report(clean, "other-vm-backup-invisible", "backup status %#lx", rd(BACKUP_STATUS));
	report(wr_ok(COPY_FROM_PLATFORM, 1) && rd(COPY_STATUS) == 0,
	       "other-vm-restore-finds-nothing", "copy status %lu", rd(COPY_STATUS));
}

/* No Key Locker: no backup MSRs either. */
static void no_kl(void)
{
	static const u32 msrs[] = { COPY_STATUS, BACKUP_STATUS, COPY_TO_PLATFORM,
				    COPY_FROM_PLATFORM };
	bool all_gp = true;

	for (unsigned i = 0; i < ARRAY_SIZE(msrs); i++)
		all_gp &= rdmsr_safe(msrs[i], &(u64){ 0 }) == GP_VECTOR &&
			  wrmsr_safe(msrs[i], 1) == GP_VECTOR;
	report(all_gp, "no-backup-msrs-without-kl", "an access did not raise #GP");
	report(!(cpuid_count(0x19, 0).b & (1U << 4)), "backup-not-enumerated",
	       "CPUID.19H:EBX[4] set");
}

int main(int argc, char **argv)
{
	if (has_arg(argc, argv, "other"))
		other_vm();
	else if (has_arg(argc, argv, "none"))
		no_kl();
	else
		two_vcpus();
	return 0;
}
