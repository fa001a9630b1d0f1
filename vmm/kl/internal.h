/* SPDX-License-Identifier: MIT */
/* Shared between the Key Locker files; not for the rest of the VMM. */
#ifndef VMM_KL_INTERNAL_H
#define VMM_KL_INTERNAL_H

#include "vmm/decode.h"
#include "vmm/kl/hwcheck.h"
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
/* LOADIWKEY's checks and effect, for both backends (emulate.c), at @cpl with RFLAGS @rflags. */
void kl_emulate_loadiwkey(struct vcpu *v, const struct insn *in, unsigned cpl, u64 rflags);

/* The hardware backend (hw.c). */
void kl_hw_read_facts(struct kl_hw_facts *f);
void kl_hw_start(bool verw_after_load);
void kl_hw_cpu_enable(void);
void kl_hw_load(struct kl_slot *s, const struct kl_iwkey *key);
void kl_hw_loadiwkey_exit(struct vcpu *v);
bool kl_hw_host_use(const struct kl_iwkey *iw, const u8 key[16], const u8 pt[16], u8 ct[16],
		    u8 back[16]);

#endif
