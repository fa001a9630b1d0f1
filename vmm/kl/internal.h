/* SPDX-License-Identifier: MIT */
/* Shared between the Key Locker files; not for the rest of the VMM. */
#ifndef VMM_KL_INTERNAL_H
#define VMM_KL_INTERNAL_H

#include "vmm/kl/keylocker.h"
#include "vmm/kl/slot.h"

/* CPUID.19H:EAX restrictions the software backend honours. */
#define KL_SW_RESTRICTIONS (KL_AAD_CPL0 | KL_AAD_NO_ENCRYPT | KL_AAD_NO_DECRYPT)

/* The calling CPU's slot. */
struct kl_slot *kl_this_slot(void);
/* The running vCPU's key changed (LOADIWKEY): new version, reload. */
void kl_key_changed(struct vcpu *v);
/* CPUID.19H:ECX bits this VM sees (NoBackup, KeySource 1). */
u32 kl_cpuid19_ecx(const struct vcpu *v);

#endif
