// SPDX-License-Identifier: MIT
/*
 * The hardware backend, for CPUs with Key Locker (Tiger Lake, Alder Lake).
 * Guests run ENCODEKEY and AES*KL natively against the physical slot;
 * only LOADIWKEY exits (tertiary control "LOADIWKEY exiting", reason 69),
 * and klvisor fills the slot itself with a root-mode LOADIWKEY when the
 * resident key must change.  None of this runs on the development machines
 * (no emulator has Key Locker): it is kept to the few lines that only
 * hardware can exercise, and the decisions around it are pure and tested
 * (hwcheck.c, klinsn.c, slot.c).
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vmx.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/fpu.h"
#include "vmm/kl/hwcheck.h"
#include "vmm/kl/internal.h"
#include "vmm/kl/klinsn.h"
#include "vmm/vcpu.h"

#define MSR_IA32_VMX_PROCBASED_CTLS3 0x492
#define MSR_IA32_MCU_OPT_CTRL	     0x123

static bool verw_after_load;

void kl_hw_read_facts(struct kl_hw_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->cpuid_kl = cpuid(7, 0).ecx & BIT(23);
	f->cr4_kl_allowed = vmx_caps.cr4_fixed1 & CR4_KL;
	f->tertiary_allowed = (vmx_caps.proc >> 32) & CPU_TERTIARY_CONTROLS;
	if (f->tertiary_allowed)
		f->tertiary_caps = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS3);
	f->has_arch_caps = cpuid(7, 0).edx & BIT(29);
	if (f->has_arch_caps)
		f->arch_caps = rdmsr(MSR_IA32_ARCH_CAPABILITIES);
	if (f->arch_caps & ARCH_CAP_GDS_CTRL)
		f->mcu_opt_ctrl = rdmsr(MSR_IA32_MCU_OPT_CTRL);
	/* AESKLE can only be read with CR4.KL set; never touch CR4.KL without Key Locker. */
	if (f->cpuid_kl && f->cr4_kl_allowed) {
		write_cr4(read_cr4() | CR4_KL);
		f->aeskle = cpuid(0x19, 0).ebx & BIT(0);
		write_cr4(read_cr4() & ~CR4_KL);
	}
}

void kl_hw_start(bool verw)
{
	verw_after_load = verw;
}

/* Every CPU, before it creates VMCSs: host CR4.KL, so root-mode LOADIWKEY works. */
void kl_hw_cpu_enable(void)
{
	write_cr4(read_cr4() | CR4_KL);
}

/*
 * Root-mode LOADIWKEY from XMM0-2.  The registers hold the running guest's
 * values: saved before, restored after, and every copy wiped.  EAX = the
 * key's NoBackup bit (KeySource 0).
 */
void kl_hw_load(struct kl_slot *s, const struct kl_iwkey *key)
{
	u8 saved[48] __aligned(16), k[48] __aligned(16);

	(void)s;
	memcpy(k, key->integrity, 16); /* XMM0: IntegrityKey */
	memcpy(k + 16, key->encryption, 16); /* XMM1 (r/m): EncryptionKey[127:0] */
	memcpy(k + 32, key->encryption + 16, 16); /* XMM2 (reg): EncryptionKey[255:128] */
	__asm__ volatile(
		"movdqu %%xmm0, 0(%0)\n\tmovdqu %%xmm1, 16(%0)\n\tmovdqu %%xmm2, 32(%0)\n\t"
		"movdqu 0(%1), %%xmm0\n\tmovdqu 16(%1), %%xmm1\n\tmovdqu 32(%1), %%xmm2\n\t"
		"loadiwkey %%xmm1, %%xmm2\n\t"
		"movdqu 0(%0), %%xmm0\n\tmovdqu 16(%0), %%xmm1\n\tmovdqu 32(%0), %%xmm2"
		:
		: "r"(saved), "r"(k), "a"((u32)key->nobackup)
		: "cc", "memory");
	memzero_explicit(k, sizeof(k));
	memzero_explicit(saved, sizeof(saved));
	if (verw_after_load)
		verw_clear_buffers(); /* RFDS: clear buffers before less-trusted code runs */
}

/*
 * keylocker=host on a Key Locker CPU: the VMM's own use of the real
 * instructions, at boot before any guest exists (so the XMM registers are
 * nobody's; they are cleared afterwards).  Wraps @key under the IWKey just
 * loaded, encrypts @pt into @ct and back into @back through the handle,
 * and reports whether a tampered handle is refused.
 */
bool kl_hw_host_use(const struct kl_iwkey *iw, const u8 key[16], const u8 pt[16], u8 ct[16],
		    u8 back[16])
{
	u8 handle[48] __aligned(16);
	bool zf_enc, zf_dec, zf_bad;
	u32 src_dest = 0; /* ENCODEKEY's SRC (no restrictions), then its DEST */

	kl_hw_cpu_enable();
	kl_hw_load(NULL, iw);
	__asm__ volatile(
		"movdqu (%[k]), %%xmm0\n\t"
		"encodekey128 %[src], %[src]\n\t"
		"movdqu %%xmm0, 0(%[h])\n\tmovdqu %%xmm1, 16(%[h])\n\tmovdqu %%xmm2, 32(%[h])\n\t"
		"movdqu (%[pt]), %%xmm3\n\taesenc128kl (%[h]), %%xmm3\n\tsetz %[e]\n\t"
		"movdqu %%xmm3, (%[ct])\n\t"
		"aesdec128kl (%[h]), %%xmm3\n\tsetz %[d]\n\tmovdqu %%xmm3, (%[back])\n\t"
		"xorb $1, 20(%[h])\n\taesenc128kl (%[h]), %%xmm3\n\tsetz %[b]\n\t"
		"pxor %%xmm0, %%xmm0\n\tpxor %%xmm1, %%xmm1\n\tpxor %%xmm2, %%xmm2\n\t"
		"pxor %%xmm3, %%xmm3\n\tpxor %%xmm4, %%xmm4\n\tpxor %%xmm5, %%xmm5\n\t"
		"pxor %%xmm6, %%xmm6"
		: [e] "=&q"(zf_enc), [d] "=&q"(zf_dec), [b] "=&q"(zf_bad), [src] "+r"(src_dest)
		: [k] "r"(key), [h] "r"(handle), [pt] "r"(pt), [ct] "r"(ct), [back] "r"(back)
		: "cc", "memory");
	memzero_explicit(handle, sizeof(handle));
	return !zf_enc && !zf_dec && zf_bad;
}

/* Exit reason 69: the same checks and semantics as the software backend's LOADIWKEY. */
void kl_hw_loadiwkey_exit(struct vcpu *v)
{
	static bool mismatch_logged;
	struct insn in;
	const char *err = vcpu_decode_insn(v, &in);
	bool ud;

	if (err == vcpu_fetch_fault)
		return;
	if (err || kl_classify(&in, &ud) != KL_LOADIWKEY || ud) {
		vm_end(v->vm, VM_STOPPED, 0,
		       "LOADIWKEY exit at an instruction that is not LOADIWKEY");
		return;
	}
	if (!mismatch_logged && kl_exit_info_mismatch(&in, (u32)vmcs_read(VMX_INSTRUCTION_INFO))) {
		mismatch_logged = true;
		pr_warn("keylocker: LOADIWKEY exit information disagrees with the instruction bytes; using the bytes (logged once)\n");
	}
	kl_emulate_loadiwkey(v, &in, vcpu_cpl(), vmcs_read(GUEST_RFLAGS));
}
