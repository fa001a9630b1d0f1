/* SPDX-License-Identifier: MIT */
/*
 * IWKey backup MSRs, emulated per VM.  On hardware the "platform" backup
 * is one per machine; here every VM has its own, so a backup made in one
 * VM is invisible to all others.  Pure: the host tests drive it directly.
 *
 *   0x990 IA32_COPY_STATUS            read-only, per vCPU: the last copy worked
 *   0x991 IA32_IWKEYBACKUP_STATUS     read-only, per VM: bit 0 backup valid
 *   0xD91 IA32_COPY_LOCAL_TO_PLATFORM write-only: 1 = back this vCPU's key up
 *   0xD92 IA32_COPY_PLATFORM_TO_LOCAL write-only: 1 = restore it into this vCPU
 */
#ifndef VMM_KL_BACKUP_H
#define VMM_KL_BACKUP_H

#include "lib/spinlock.h"
#include "vmm/kl/klcrypto.h"

#define MSR_IA32_COPY_STATUS		0x990
#define MSR_IA32_IWKEYBACKUP_STATUS	0x991
#define MSR_IA32_COPY_LOCAL_TO_PLATFORM 0xd91
#define MSR_IA32_COPY_PLATFORM_TO_LOCAL 0xd92

#define KL_BACKUP_VALID BIT(0)

struct kl_vm_backup {
	spinlock_t lock;
	struct kl_iwkey key;
	u64 status; /* IA32_IWKEYBACKUP_STATUS */
};

enum kl_msr_result {
	KL_MSR_NOT_MINE, /* not a backup MSR */
	KL_MSR_OK,
	KL_MSR_GP, /* inject #GP(0) */
	KL_MSR_KEY_CHANGED, /* OK, and the vCPU's key was replaced */
};

/*
 * Access backup MSR @msr for a vCPU whose key is @iw and copy status is
 * *@copy_status, in a VM with backup @b.  @exposed: the VM advertises the
 * MSRs (CPUID.19H:EBX[4]); when not, every access is #GP.
 */
enum kl_msr_result kl_backup_rdmsr(struct kl_vm_backup *b, const u64 *copy_status, bool exposed,
				   u32 msr, u64 *val);
enum kl_msr_result kl_backup_wrmsr(struct kl_vm_backup *b, struct kl_iwkey *iw, u64 *copy_status,
				   bool exposed, u32 msr, u64 val);

/* Wipe the backup and clear its status (VM reset or end). */
void kl_backup_reset(struct kl_vm_backup *b);

#endif
