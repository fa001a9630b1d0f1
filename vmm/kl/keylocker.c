// SPDX-License-Identifier: MIT
/*
 * Key Locker policy and hooks: who may use Key Locker (keylocker=guests,
 * host or off), which backend serves it, per-vCPU IWKeys from a hardware
 * random source, the per-CPU slot that holds one of them at a time, CPUID,
 * CR4.KL and the VMCS controls.  The instruction emulation is emulate.c,
 * the hardware backend hw.c, the backup MSRs backup.c.
 *
 * Where keys live: each vCPU's IWKey is in its struct vcpu, in VMM memory
 * that no guest's EPT maps; the software slot is a per-CPU copy of the
 * resident one.  Both are wiped when the vCPU ends.
 */
#include "arch/x86/percpu.h"
#include "arch/x86/vmcs.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/kl/internal.h"
#include "vmm/vm.h"
#include "vmm/vmm.h"

#define CPUID7_ECX_KL		   BIT(23)
#define CPUID19_EBX_AESKLE	   BIT(0)
#define CPUID19_EBX_WIDE	   BIT(2)
#define CPUID19_EBX_BACKUP	   BIT(4)
#define CPUID19_ECX_NOBACKUP	   BIT(0)
#define TERTIARY_LOADIWKEY_EXITING BIT(0)
#define RAND_RETRIES		   32

/* Owner id of the VMM's own key in a slot (host policy); vCPU ids start at 1. */
#define KL_OWNER_HOST (~0ULL)

static struct kl_slot slots[MAX_CPUS];
static bool hw_usable; /* the CPU's own Key Locker passed every check */
static u64 next_key_id = 1, next_version = 1;
static bool have_rdrand, have_rdseed;
static bool hw; /* the hardware backend serves guests */
static struct cpuid_regs host19; /* CPUID.19H of the CPU, for the hardware backend */
static enum kl_policy policy;

static const char *const policy_names[] = {
	[KL_POLICY_GUESTS] = "guests",
	[KL_POLICY_HOST] = "host",
	[KL_POLICY_OFF] = "off",
};

struct kl_slot *kl_this_slot(void)
{
	return &slots[this_cpu()->id];
}

/* Does this VM have Key Locker?  Only by definition, and only under the guests policy. */
static bool vm_kl(const struct vm *vm)
{
	return vm->def.kl && policy == KL_POLICY_GUESTS;
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

static bool random_iwkey(struct kl_iwkey *k)
{
	memset(k, 0, sizeof(*k));
	return random_bytes(k->integrity, sizeof(k->integrity)) &&
	       random_bytes(k->encryption, sizeof(k->encryption));
}

static void sw_load(struct kl_slot *s, const struct kl_iwkey *key)
{
	s->key = *key;
}

static kl_load_fn slot_loader(void)
{
	return hw ? kl_hw_load : sw_load;
}

bool kl_host_use(const char *what)
{
	if (policy == KL_POLICY_HOST)
		return true;
	pr_err("keylocker: VMM use of Key Locker (%s) refused: the policy is keylocker=%s\n", what,
	       policy_names[policy]);
	return false;
}

/*
 * keylocker=host: the VMM's own use, at least this self-test: a random
 * IWKey into the slot, a random AES-128 key wrapped into a handle, a block
 * encrypted and decrypted through the handle, and a tampered handle
 * refused.  On a Key Locker CPU with the real instructions, otherwise with
 * the software backend's code; either way checked against plain AES.
 */
static bool host_selftest_hw(void)
{
	struct kl_iwkey iw;
	u8 key[16], pt[16], ct[16], ref[16], back[16];
	struct aes_ctx ctx;
	bool ok;

	if (!kl_host_use("boot self-test") || !random_iwkey(&iw) || !random_bytes(key, 16) ||
	    !random_bytes(pt, 16))
		return false;
	ok = kl_hw_host_use(&iw, key, pt, ct, back);
	aes_init_encrypt(&ctx, key, 128);
	aes_encrypt(&ctx, pt, ref);
	ok = ok && !memcmp(ct, ref, 16) && !memcmp(back, pt, 16);
	kl_this_slot()->loads++;
	memzero_explicit(&iw, sizeof(iw));
	memzero_explicit(key, sizeof(key));
	memzero_explicit(&ctx, sizeof(ctx));
	return ok;
}

static bool host_selftest(void)
{
	struct kl_slot *s = kl_this_slot();
	struct kl_iwkey iw;
	u8 key[16], handle[KL_HANDLE128_SIZE], unwrapped[16], pt[16], ct[16], ref[16], back[16];
	struct aes_ctx ctx;
	u32 aad;
	bool ok;

	if (!kl_host_use("boot self-test") || !random_iwkey(&iw) || !random_bytes(key, 16) ||
	    !random_bytes(pt, 16))
		return false;
	kl_slot_make_resident(s, KL_OWNER_HOST, 1, &iw, sw_load);
	kl_wrap(&s->key, 0, key, 128, handle);
	ok = kl_unwrap(&s->key, handle, 128, unwrapped, &aad);
	aes_init_encrypt(&ctx, unwrapped, 128);
	aes_encrypt(&ctx, pt, ct);
	aes_init_encrypt(&ctx, key, 128); /* the reference: the raw key */
	aes_encrypt(&ctx, pt, ref);
	aes_init_decrypt(&ctx, unwrapped, 128);
	aes_decrypt(&ctx, ct, back);
	ok = ok && !memcmp(ct, ref, 16) && !memcmp(back, pt, 16);
	handle[20] ^= 1; /* tag */
	ok = ok && !kl_unwrap(&s->key, handle, 128, unwrapped, &aad);
	memzero_explicit(&iw, sizeof(iw));
	memzero_explicit(key, sizeof(key));
	memzero_explicit(unwrapped, sizeof(unwrapped));
	memzero_explicit(&ctx, sizeof(ctx));
	memzero_explicit(handle, sizeof(handle));
	kl_slot_evict(s, KL_OWNER_HOST);
	return ok;
}

void kl_init(void)
{
	struct kl_hw_facts facts;
	struct kl_hw_decision d;

	policy = klv_cfg.kl_policy;
	/* Every CPU is alike: AES-NI (ECX[25]) and PCLMULQDQ (ECX[1]) or plain C. */
	klcrypto_select(cpuid(1, 0).ecx & BIT(25), cpuid(1, 0).ecx & BIT(1));
	pr_info("keylocker: software crypto: %s\n", klcrypto_impl());
	have_rdrand = cpuid(1, 0).ecx & BIT(30);
	have_rdseed = cpuid(7, 0).ebx & BIT(18);
	kl_hw_read_facts(&facts);
	d = kl_hw_decide(&facts);
	hw_usable = d.usable;
	hw = d.usable && policy == KL_POLICY_GUESTS;
	if (hw)
		host19 = cpuid(0x19, 0);
	/* Also for keylocker=host: guests run after the VMM's own LOADIWKEY. */
	if (d.usable)
		kl_hw_start(d.verw_after_load);
	pr_info("keylocker: policy %s: %s\n", policy_names[policy],
		policy == KL_POLICY_GUESTS ?
			"guests defined with kl=on get virtual Key Locker; the VMM never uses it" :
		policy == KL_POLICY_HOST ? "the VMM uses Key Locker; no guest sees it" :
					   "nobody uses Key Locker");
	if (policy == KL_POLICY_GUESTS)
		pr_info("keylocker: backend %s: %s\n", hw ? "hardware" : "software", d.why);
	else if (policy == KL_POLICY_HOST)
		pr_info("keylocker: the VMM's own use runs on the %s backend (hardware: %s)\n",
			d.usable ? "hardware" : "software", d.why);
	if (!have_rdrand && !have_rdseed)
		pr_err("keylocker: no RDRAND or RDSEED: VMs with kl=on cannot get random IWKeys and will be refused\n");
	if (policy == KL_POLICY_HOST)
		printk("keylocker: host self-test %s\n",
		       (hw_usable ? host_selftest_hw() : host_selftest()) ?
			       "passed: wrapped an AES-128 key, encrypted and decrypted a block through its handle, refused a tampered handle" :
			       "FAILED");
}

void kl_cpu_init(void)
{
	if (hw)
		kl_hw_cpu_enable();
}

const char *kl_vm_refusal(const struct vm_def *def)
{
	if (!def->kl)
		return NULL;
	if (policy == KL_POLICY_HOST)
		return "option 'kl=on': Key Locker belongs to the VMM (keylocker=host)";
	if (policy == KL_POLICY_OFF)
		return "option 'kl=on': Key Locker is off (keylocker=off)";
	if (!have_rdrand && !have_rdseed)
		return "option 'kl=on': no hardware random source (RDRAND/RDSEED) for its IWKeys";
	return NULL;
}

bool kl_vcpu_reset(struct vcpu *v)
{
	struct kl_vcpu *k = &v->kl;

	if (!vm_kl(v->vm))
		return true;
	/* A vCPU that never runs LOADIWKEY must not see another VM's key: start random. */
	if (!random_iwkey(&k->iwkey)) {
		pr_err("[%s] vcpu%u: RDRAND/RDSEED failed %d times; no IWKey\n", v->vm->def.name,
		       v->id, RAND_RETRIES);
		return false;
	}
	k->cr4_kl = false;
	k->copy_status = 0;
	kl_hcache_flush(&k->hcache);
	gwtlb_flush(&k->itlb);
	gwtlb_flush(&k->dtlb);
	dcache_flush(&k->dcache);
	if (!k->id)
		k->id = __atomic_fetch_add(&next_key_id, 1, __ATOMIC_RELAXED);
	k->version = __atomic_fetch_add(&next_version, 1, __ATOMIC_RELAXED);
	return true;
}

void kl_vcpu_destroy(struct vcpu *v)
{
	if (!vm_kl(v->vm))
		return;
	kl_slot_evict(kl_this_slot(), v->kl.id);
	memzero_explicit(&v->kl.iwkey, sizeof(v->kl.iwkey));
	kl_hcache_flush(&v->kl.hcache);
}

const char *kl_vcpu_wiped(const struct vcpu *v)
{
	const struct kl_slot *s = kl_this_slot();

	if (!mem_is_zero(&v->kl.iwkey, sizeof(v->kl.iwkey)))
		return "the vCPU's IWKey";
	if (!mem_is_zero(&v->kl.hcache, sizeof(v->kl.hcache)))
		return "the vCPU's unwrapped-handle cache";
	if (v->kl.id && s->owner == v->kl.id)
		return "the slot still owned by the vCPU";
	if (!s->owner && !mem_is_zero(&s->key, sizeof(s->key)))
		return "an unowned slot copy";
	if (!s->owner && (s->has_sched || !mem_is_zero(&s->sched, sizeof(s->sched))))
		return "an unowned slot's key schedule";
	return NULL;
}

const char *kl_vm_wiped(const struct vm *vm)
{
	return mem_is_zero(&vm->kl_backup.key, sizeof(vm->kl_backup.key)) ? NULL :
									    "the IWKey backup";
}

bool kl_vmcs_setup(struct vcpu *v)
{
	bool ok = vmcs_write32(EXCEPTION_BITMAP, vm_kl(v->vm) && !hw ? BIT(6) : 0);

	if (hw) {
		/* Only LOADIWKEY exits; ENCODEKEY and AES*KL run natively. */
		ok &= vmcs_write32(CPU_BASED_VM_EXEC_CONTROL,
				   (u32)vmcs_read(CPU_BASED_VM_EXEC_CONTROL) |
					   CPU_TERTIARY_CONTROLS);
		ok &= vmcs_write64(TERTIARY_VM_EXEC_CONTROL, TERTIARY_LOADIWKEY_EXITING);
	}
	return ok;
}

/* NoBackup is honoured end to end; hardware-random KeySource 1 stays hidden. */
static u32 cpuid19_ecx(void)
{
	return hw ? host19.ecx & CPUID19_ECX_NOBACKUP : CPUID19_ECX_NOBACKUP;
}

u32 kl_cpuid19_ecx(const struct vcpu *v)
{
	(void)v; /* the same for every vCPU */
	return cpuid19_ecx();
}

void kl_cpuid(const struct vm *vm, u32 leaf, u32 sub, struct cpuid_regs *r)
{
	bool kl = vm_kl(vm);

	if (leaf == 0 && kl && r->eax < 0x19) {
		r->eax = 0x19;
	} else if (leaf == 7 && sub == 0) {
		r->ecx = kl ? r->ecx | CPUID7_ECX_KL : r->ecx & ~CPUID7_ECX_KL;
	} else if (leaf == 0x19) {
		*r = (struct cpuid_regs){ 0, 0, 0, 0 };
		if (kl) {
			r->eax = hw ? host19.eax & KL_SW_RESTRICTIONS : KL_SW_RESTRICTIONS;
			r->ebx = (hw ? host19.ebx & CPUID19_EBX_WIDE : CPUID19_EBX_WIDE) |
				 CPUID19_EBX_BACKUP;
			r->ecx = cpuid19_ecx();
		}
	}
}

void kl_cpuid_vcpu(const struct vcpu *v, u32 leaf, struct cpuid_regs *r)
{
	/* AESKLE: the AES*KL instructions are enabled, by this vCPU's CR4.KL. */
	if (leaf == 0x19 && vm_kl(v->vm) && v->kl.cr4_kl)
		r->ebx |= CPUID19_EBX_AESKLE;
}

bool kl_cr4_write(struct vcpu *v, u64 val, u64 *real)
{
	if ((val & CR4_KL) && !vm_kl(v->vm))
		return false;
	v->kl.cr4_kl = val & CR4_KL;
	/* Hardware: the guest's CR4.KL is real, so its instructions run natively. */
	*real = hw ? val : val & ~CR4_KL;
	return true;
}

void kl_switch_in(struct vcpu *v)
{
	if (!v->kl.cr4_kl)
		return; /* a vCPU without CR4.KL cannot use the slot: leave it alone */
	if (kl_slot_make_resident(kl_this_slot(), v->kl.id, v->kl.version, &v->kl.iwkey,
				  slot_loader()))
		v->kl.slot_loads++;
}

void kl_reload(struct vcpu *v)
{
	if (!v->kl.cr4_kl)
		return;
	kl_this_slot()->owner = 0; /* forget what is resident: the switch-in loads */
	kl_switch_in(v);
}

void kl_key_changed(struct vcpu *v)
{
	kl_hcache_flush(&v->kl.hcache); /* the old key's unwrapped handles go with it */
	v->kl.version = __atomic_fetch_add(&next_version, 1, __ATOMIC_RELAXED);
	kl_switch_in(v);
}

void kl_handle_loadiwkey_exit(struct vcpu *v)
{
	kl_hw_loadiwkey_exit(v);
}

enum kl_msr_result kl_rdmsr(struct vcpu *v, u32 msr, u64 *val)
{
	return kl_backup_rdmsr(&v->vm->kl_backup, &v->kl.copy_status, vm_kl(v->vm), msr, val);
}

enum kl_msr_result kl_wrmsr(struct vcpu *v, u32 msr, u64 val)
{
	enum kl_msr_result r = kl_backup_wrmsr(&v->vm->kl_backup, &v->kl.iwkey, &v->kl.copy_status,
					       vm_kl(v->vm), msr, val);

	if (r == KL_MSR_KEY_CHANGED)
		kl_key_changed(v); /* a restore is a new key: reload the slot */
	return r;
}

void kl_vm_destroy(struct vm *vm)
{
	kl_backup_reset(&vm->kl_backup);
}

u64 kl_slot_loads(const struct vm *vm)
{
	u64 n = 0;

	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		n += __atomic_load_n(&vm->vcpus[i]->kl.slot_loads, __ATOMIC_RELAXED);
	return n;
}

void kl_report(void)
{
	for (unsigned i = 0; i < nr_cpus; i++)
		if (slots[i].loads)
			printk("klvisor: cpu%u: Key Locker slot loads %lu\n", i, slots[i].loads);
}

void kl_console_status(void)
{
	printk("keylocker: policy %s, backend %s\n", policy_names[policy],
	       hw ? "hardware" : "software");
	for (unsigned i = 0; i < nr_cpus; i++)
		printk("keylocker: cpu%u: slot owner %s, %lu loads\n", i,
		       slots[i].owner == 0	       ? "none" :
		       slots[i].owner == KL_OWNER_HOST ? "the VMM" :
							 "a vCPU",
		       slots[i].loads);
}
