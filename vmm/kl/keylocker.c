// SPDX-License-Identifier: MIT
/*
 * Key Locker policy and hooks: per-vCPU IWKeys from a hardware random
 * source, the per-CPU slot that holds one of them at a time, CPUID and
 * CR4.KL.  The instruction emulation is in emulate.c.
 *
 * Where keys live: each vCPU's IWKey is in its struct vcpu, in VMM memory
 * that no guest's EPT maps; the software slot is a per-CPU copy of the
 * resident one.  Both are wiped when the vCPU ends.
 */
#include "arch/x86/percpu.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/kl/internal.h"
#include "vmm/vm.h"

#define CPUID7_ECX_KL BIT(23)
#define CPUID19_EBX_AESKLE BIT(0)
#define CPUID19_EBX_WIDE BIT(2)
#define CPUID19_EBX_BACKUP BIT(4)
#define CPUID19_ECX_NOBACKUP BIT(0)
#define RAND_RETRIES 32

static struct kl_slot slots[MAX_CPUS];
static u64 next_key_id = 1, next_version = 1;
static bool have_rdrand, have_rdseed;

struct kl_slot *kl_this_slot(void)
{
	return &slots[this_cpu()->id];
}

static bool rdrand64(u64 *v)
{
	u8 ok;

	__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok)::"cc");
	return ok;
}

static bool rdseed64(u64 *v)
{
	u8 ok;

	__asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok)::"cc");
	return ok;
}

/* Fill @buf from RDRAND, or RDSEED if RDRAND keeps failing. */
static bool random_bytes(void *buf, size_t len)
{
	u8 *p = buf;

	for (size_t off = 0; off < len; off += 8) {
		u64 r = 0;
		bool ok = false;

		for (int i = 0; i < RAND_RETRIES && !ok; i++)
			ok = (have_rdrand && rdrand64(&r)) || (have_rdseed && rdseed64(&r));
		if (!ok)
			return false;
		memcpy(p + off, &r, MIN(len - off, (size_t)8));
		memzero_explicit(&r, sizeof(r));
	}
	return true;
}

void kl_init(void)
{
	have_rdrand = cpuid(1, 0).ecx & BIT(30);
	have_rdseed = cpuid(7, 0).ebx & BIT(18);
	if (cpuid(7, 0).ecx & CPUID7_ECX_KL)
		pr_info("keylocker: backend software: this CPU has Key Locker, but the hardware backend is not implemented yet (part 2)\n");
	else
		pr_info("keylocker: backend software: this CPU has no Key Locker (CPUID.7.0:ECX[23] = 0); guests get emulated Key Locker with per-CPU emulated IWKey slots\n");
	if (!have_rdrand && !have_rdseed)
		pr_err("keylocker: no RDRAND or RDSEED: VMs with kl=on cannot get random IWKeys and will be refused\n");
}

const char *kl_vm_refusal(const struct vm_def *def)
{
	if (def->kl && !have_rdrand && !have_rdseed)
		return "option 'kl=on': no hardware random source (RDRAND/RDSEED) for its IWKeys";
	return NULL;
}

bool kl_vcpu_reset(struct vcpu *v)
{
	struct kl_vcpu *k = &v->kl;

	if (!v->vm->def.kl)
		return true;
	/* A vCPU that never runs LOADIWKEY must not see another VM's key: start random. */
	if (!random_bytes(k->iwkey.integrity, sizeof(k->iwkey.integrity)) ||
	    !random_bytes(k->iwkey.encryption, sizeof(k->iwkey.encryption))) {
		pr_err("[%s] vcpu%u: RDRAND/RDSEED failed %d times; no IWKey\n", v->vm->def.name,
		       v->id, RAND_RETRIES);
		return false;
	}
	k->iwkey.nobackup = false;
	k->iwkey.key_source = 0;
	k->cr4_kl = false;
	k->copy_status = 0;
	if (!k->id)
		k->id = __atomic_fetch_add(&next_key_id, 1, __ATOMIC_RELAXED);
	k->version = __atomic_fetch_add(&next_version, 1, __ATOMIC_RELAXED);
	return true;
}

void kl_vcpu_destroy(struct vcpu *v)
{
	if (!v->vm->def.kl)
		return;
	kl_slot_evict(kl_this_slot(), v->kl.id);
	memzero_explicit(&v->kl.iwkey, sizeof(v->kl.iwkey));
}

u32 kl_exception_bitmap(const struct vm *vm)
{
	return vm->def.kl ? BIT(6) : 0; /* #UD: the software backend emulates */
}

u32 kl_cpuid19_ecx(const struct vcpu *v)
{
	(void)v;
	/* NoBackup is honoured end to end; hardware-random KeySource 1 stays hidden. */
	return CPUID19_ECX_NOBACKUP;
}

void kl_cpuid(struct vcpu *v, u32 leaf, u32 sub, struct cpuid_regs *r)
{
	bool kl = v->vm->def.kl;

	if (leaf == 0 && kl && r->eax < 0x19) {
		r->eax = 0x19;
	} else if (leaf == 7 && sub == 0) {
		r->ecx = kl ? r->ecx | CPUID7_ECX_KL : r->ecx & ~CPUID7_ECX_KL;
	} else if (leaf == 0x19) {
		*r = (struct cpuid_regs){ 0, 0, 0, 0 };
		if (kl) {
			r->eax = KL_SW_RESTRICTIONS;
			r->ebx = CPUID19_EBX_WIDE | CPUID19_EBX_BACKUP |
				 (v->kl.cr4_kl ? CPUID19_EBX_AESKLE : 0);
			r->ecx = kl_cpuid19_ecx(v);
		}
	}
}

bool kl_cr4_write(struct vcpu *v, u64 val, u64 *real)
{
	if ((val & CR4_KL) && !v->vm->def.kl)
		return false;
	v->kl.cr4_kl = val & CR4_KL;
	*real = val & ~CR4_KL; /* software backend: the hardware bit stays clear */
	return true;
}

static void sw_load(struct kl_slot *s, const struct kl_iwkey *key)
{
	s->key = *key;
}

void kl_switch_in(struct vcpu *v)
{
	if (!v->kl.cr4_kl)
		return; /* a vCPU without CR4.KL cannot use the slot: leave it alone */
	kl_slot_make_resident(kl_this_slot(), v->kl.id, v->kl.version, &v->kl.iwkey, sw_load);
}

void kl_reload(struct vcpu *v)
{
	struct kl_slot *s = kl_this_slot();

	if (!v->kl.cr4_kl)
		return;
	s->owner = 0; /* forget what is resident: the next switch-in loads */
	kl_switch_in(v);
}

void kl_key_changed(struct vcpu *v)
{
	v->kl.version = __atomic_fetch_add(&next_version, 1, __ATOMIC_RELAXED);
	kl_switch_in(v);
}

enum kl_msr_result kl_rdmsr(struct vcpu *v, u32 msr, u64 *val)
{
	return kl_backup_rdmsr(&v->vm->kl_backup, &v->kl.copy_status, v->vm->def.kl, msr, val);
}

enum kl_msr_result kl_wrmsr(struct vcpu *v, u32 msr, u64 val)
{
	enum kl_msr_result r = kl_backup_wrmsr(&v->vm->kl_backup, &v->kl.iwkey,
					       &v->kl.copy_status, v->vm->def.kl, msr, val);

	if (r == KL_MSR_KEY_CHANGED)
		kl_key_changed(v); /* a restore is a new key: reload the slot */
	return r;
}

void kl_vm_destroy(struct vm *vm)
{
	kl_backup_reset(&vm->kl_backup);
}

u64 kl_slot_loads(void)
{
	return kl_this_slot()->loads;
}

void kl_report(void)
{
	for (unsigned i = 0; i < nr_cpus; i++)
		if (slots[i].loads)
			printk("klvisor: cpu%u: Key Locker slot loads %lu\n", i, slots[i].loads);
}
