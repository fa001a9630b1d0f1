// SPDX-License-Identifier: MIT
/* Emulated IWKey backup: one backup per VM, copy status per vCPU. */
#include "lib/string.h"
#include "vmm/kl/backup.h"

static bool is_backup_msr(u32 msr)
{
	return msr == MSR_IA32_COPY_STATUS || msr == MSR_IA32_IWKEYBACKUP_STATUS ||
	       msr == MSR_IA32_COPY_LOCAL_TO_PLATFORM || msr == MSR_IA32_COPY_PLATFORM_TO_LOCAL;
}

enum kl_msr_result kl_backup_rdmsr(struct kl_vm_backup *b, const u64 *copy_status, bool exposed,
				   u32 msr, u64 *val)
{
	if (!is_backup_msr(msr))
		return KL_MSR_NOT_MINE;
	if (!exposed)
		return KL_MSR_GP;
	switch (msr) {
	case MSR_IA32_COPY_STATUS:
		*val = *copy_status;
		return KL_MSR_OK;
	case MSR_IA32_IWKEYBACKUP_STATUS:
		spin_lock(&b->lock);
		*val = b->status;
		spin_unlock(&b->lock);
		return KL_MSR_OK;
	default:
		return KL_MSR_GP; /* the copy MSRs are write-only */
	}
}

enum kl_msr_result kl_backup_wrmsr(struct kl_vm_backup *b, struct kl_iwkey *iw, u64 *copy_status,
				   bool exposed, u32 msr, u64 val)
{
	enum kl_msr_result r = KL_MSR_OK;

	if (!is_backup_msr(msr))
		return KL_MSR_NOT_MINE;
	/* The status MSRs are read-only; only bit 0 of the copy MSRs exists. */
	if (!exposed || msr == MSR_IA32_COPY_STATUS || msr == MSR_IA32_IWKEYBACKUP_STATUS ||
	    (val & ~1ULL))
		return KL_MSR_GP;
	if (val == 0)
		return KL_MSR_OK; /* writing 0 does nothing */

	spin_lock(&b->lock);
	if (msr == MSR_IA32_COPY_LOCAL_TO_PLATFORM) {
		if (iw->nobackup) {
			*copy_status = 0; /* a NoBackup key is never copied out */
		} else {
			b->key = *iw; /* always overwrites */
			b->status = KL_BACKUP_VALID;
			*copy_status = 1;
		}
	} else if (b->status & KL_BACKUP_VALID) {
		*iw = b->key;
		*copy_status = 1;
		r = KL_MSR_KEY_CHANGED;
	} else {
		*copy_status = 0; /* nothing to restore: no #GP, as on hardware */
	}
	spin_unlock(&b->lock);
	return r;
}

void kl_backup_reset(struct kl_vm_backup *b)
{
	spin_lock(&b->lock);
	memzero_explicit(&b->key, sizeof(b->key));
	b->status = 0;
	spin_unlock(&b->lock);
}
