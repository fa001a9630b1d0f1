/* SPDX-License-Identifier: MIT */
/*
 * Key Locker virtualization: every hook klvisor has into Key Locker lives
 * behind this interface (CPUID, CR4.KL, LOADIWKEY, the #UD path, switch-in
 * and teardown), so the feature can be audited in one place
 * (docs/keylocker.md).  The backend is chosen at boot: the software one
 * emulates the instructions against an emulated per-CPU slot on CPUs
 * without Key Locker.
 */
#ifndef VMM_KL_KEYLOCKER_H
#define VMM_KL_KEYLOCKER_H

#include "arch/x86/cpu.h"
#include "vmm/dcache.h"
#include "vmm/gwtlb.h"
#include "vmm/kl/backup.h"
#include "vmm/kl/hcache.h"
#include "vmm/kl/klcrypto.h"

struct vcpu;
struct vm;
struct vm_def;

/* Per vCPU: the virtual IWKey and the guest's CR4.KL. */
struct kl_vcpu {
	struct kl_iwkey iwkey;
	u64 id; /* slot owner identity, unique for the VMM's lifetime */
	u64 version; /* changes with every new key, so a stale slot is detected */
	bool cr4_kl;
	u64 copy_status; /* IA32_COPY_STATUS */
	u64 slot_loads; /* loads of this vCPU's IWKey into a slot (hypercall 5) */
	struct kl_hcache hcache; /* software backend: handles unwrapped under this IWKey */
	/* Software backend, no secrets: exact caches of the #UD path's walks and decodes. */
	struct gwtlb itlb, dtlb; /* instruction fetches; the handle reads */
	struct gwtlb_ids walk_ids; /* the ids of both TLBs' contexts (never reset) */
	struct dcache dcache;
};

/*
 * The original KVM proposal reloaded the IWKey before every VM entry.
 * Setting this to 1 does the same here, for benchmarks that compare the
 * two; klvisor's design is 0: load only when the resident key changes.
 */
#ifndef KL_EAGER_RELOAD
#define KL_EAGER_RELOAD 0
#endif

/* Choose the backend and say which and why on the console. */
void kl_init(void);

/* NULL if a VM defined with kl=on can have Key Locker, else why not. */
const char *kl_vm_refusal(const struct vm_def *def);

/* A fresh random IWKey and CR4.KL clear: at vCPU creation and every reset. */
bool kl_vcpu_reset(struct vcpu *v);
/* The vCPU is gone: wipe its key and evict it from this CPU's slot. */
void kl_vcpu_destroy(struct vcpu *v);

/* Every CPU, before its first VMCS: enable Key Locker in root mode if used. */
void kl_cpu_init(void);
/* The VMCS controls Key Locker needs (#UD intercept, or LOADIWKEY exiting). */
bool kl_vmcs_setup(struct vcpu *v);
/* Exit reason 69 (hardware backend). */
void kl_handle_loadiwkey_exit(struct vcpu *v);
/*
 * The VMM wants to use Key Locker itself for @what: allowed only under
 * keylocker=host, otherwise refused with an error line.
 */
bool kl_host_use(const char *what);
/* Key Locker's part of CPUID leaves 0, 7 and 0x19, the same for every vCPU of @vm ... */
void kl_cpuid(const struct vm *vm, u32 leaf, u32 sub, struct cpuid_regs *r);
/* ... and the vCPU's own: AESKLE follows its CR4.KL. */
void kl_cpuid_vcpu(const struct vcpu *v, u32 leaf, struct cpuid_regs *r);
/*
 * A guest CR4 write touching bit 19: false means #GP.  *@real is the value
 * for the real guest CR4 (the software backend keeps bit 19 clear there).
 */
bool kl_cr4_write(struct vcpu *v, u64 val, u64 *real);
/* Before entering @v: make its key resident if it uses Key Locker. */
void kl_switch_in(struct vcpu *v);
/* Every VM entry, eager mode only: reload even if resident. */
void kl_reload(struct vcpu *v);
/* A #UD in a Key Locker VM: emulate the instruction or reflect the #UD. */
void kl_handle_ud(struct vcpu *v);

/* The IWKey backup MSRs (0x990, 0x991, 0xD91, 0xD92); KL_MSR_NOT_MINE otherwise. */
enum kl_msr_result kl_rdmsr(struct vcpu *v, u32 msr, u64 *val);
enum kl_msr_result kl_wrmsr(struct vcpu *v, u32 msr, u64 val);
/* The VM ended: wipe its backup. */
void kl_vm_destroy(struct vm *vm);

/* This CPU's slot loads (hypercall and log). */
/*
 * test.wipecheck: NULL if nothing of @v's keys is left (its IWKey copy,
 * this CPU's slot copy), else what is; call after kl_vcpu_destroy() on
 * @v's CPU.  kl_vm_wiped() the same for the VM's backup.
 */
const char *kl_vcpu_wiped(const struct vcpu *v);
const char *kl_vm_wiped(const struct vm *vm);

/* Slot loads of @vm's own IWKeys: never another VM's (that would be a side channel). */
u64 kl_slot_loads(const struct vm *vm);
/* One line per CPU with its slot loads. */
void kl_report(void);
/* The console's view: policy, backend, slot owners and loads; never key material. */
void kl_console_status(void);

#endif
