// SPDX-License-Identifier: MIT
/*
 * The software Key Locker backend: a #UD in a Key Locker VM lands here.
 * The instruction is decoded from guest memory; if it is one of the eleven
 * Key Locker instructions it is executed against this physical CPU's
 * emulated slot (not the vCPU's own key, so a missed switch shows up as
 * wrong results), otherwise the #UD goes back to the guest unchanged.
 *
 * Checks follow the SDM instruction pages, in hardware's order: the #UD
 * conditions, #NM, then the instruction's own (#GP for LOADIWKEY and
 * ENCODEKEY operands, memory faults for handles).
 */
#include "arch/x86/vmcs.h"
#include "lib/string.h"
#include "vmm/fpu.h"
#include "vmm/kl/internal.h"
#include "vmm/kl/klinsn.h"
#include "vmm/vcpu.h"

#define FLAGS_KL \
	(RFLAGS_CF | BIT(2) | BIT(4) | RFLAGS_ZF | BIT(7) | BIT(11)) /* CF PF AF ZF SF OF */

static void set_flags(bool zf)
{
	u64 rf = vmcs_read(GUEST_RFLAGS) & ~FLAGS_KL;

	vmcs_write_hot(GUEST_RFLAGS, rf | (zf ? RFLAGS_ZF : 0));
}

static void finish(struct vcpu *v, const struct insn *in, bool zf)
{
	set_flags(zf);
	vcpu_complete_instruction(v, in->len);
}

void kl_emulate_loadiwkey(struct vcpu *v, const struct insn *in)
{
	u32 eax = (u32)v->regs.rax;
	u8 *xmm;

	if (kl_loadiwkey_faults(eax, vcpu_cpl(), kl_cpuid19_ecx(v))) {
		vcpu_inject_gp(v);
		return;
	}
	xmm = fpu_xmm_begin(v);
	memcpy(v->kl.iwkey.integrity, xmm, 16); /* XMM0 */
	memcpy(v->kl.iwkey.encryption, xmm + 16 * in->rm, 16); /* [127:0] = r/m */
	memcpy(v->kl.iwkey.encryption + 16, xmm + 16 * in->reg, 16); /* [255:128] = reg */
	fpu_xmm_end(v);
	v->kl.iwkey.nobackup = eax & 1;
	v->kl.iwkey.key_source = (eax >> 1) & 0xf;
	kl_key_changed(v);
	finish(v, in, false);
}

static void encodekey(struct vcpu *v, const struct insn *in)
{
	unsigned bits = in->opcode == KL_OP_ENCODEKEY256 ? 256 : 128;
	u32 src = (u32)vcpu_gpr(v, in->rm);
	const struct kl_iwkey *iw = &kl_this_slot()->key;
	u8 handle[KL_HANDLE256_SIZE];
	u8 *xmm;

	if (src & ~KL_SW_RESTRICTIONS) {
		vcpu_inject_gp(v);
		return;
	}
	xmm = fpu_xmm_begin(v);
	kl_wrap(iw, src, xmm, bits, handle); /* key: XMM0, or XMM1:XMM0 */
	memcpy(xmm, handle, KL_HANDLE_SIZE(bits));
	memset(xmm + 16 * 4, 0, 16 * 3); /* XMM4-6 := 0 */
	fpu_xmm_end(v);
	memzero_explicit(handle, sizeof(handle));
	vcpu_set_gpr(v, in->reg, iw->nobackup | (u32)iw->key_source << 1); /* zero-extends */
	finish(v, in, false);
}

static u64 gpr_of(void *v, unsigned n)
{
	return vcpu_gpr(v, n);
}

/* AES*KL and AES*WIDE*KL: ZF = 1 and no register change when the handle is refused. */
static void aes_kl(struct vcpu *v, const struct insn *in, bool wide)
{
	struct kl_aes_form f = kl_aes_form(in);
	u8 handle[KL_HANDLE256_SIZE], key[32];
	u64 ea = insn_effective_address(in, gpr_of, v, vmcs_read(GUEST_RIP) + in->len);
	struct aes_ctx ctx;
	u32 aad;
	bool ok;
	u8 *xmm;

	if (!vcpu_read_operand(v, in, ea, handle, KL_HANDLE_SIZE(f.key_bits)))
		return; /* fault injected (or the VM stopped) */
	/* The unwrap too may use AES-NI/PCLMULQDQ: the guest's XMM state is saved first. */
	xmm = fpu_xmm_begin(v);
	ok = kl_unwrap(&kl_this_slot()->key, handle, f.key_bits, key, &aad);
	if (ok && (aad & KL_AAD_CPL0) && vcpu_cpl() > 0)
		ok = false;
	if (ok && (aad & (f.decrypt ? KL_AAD_NO_DECRYPT : KL_AAD_NO_ENCRYPT)))
		ok = false;
	if (ok) {
		if (f.decrypt)
			aes_init_decrypt(&ctx, key, f.key_bits);
		else
			aes_init_encrypt(&ctx, key, f.key_bits);
		for (unsigned r = wide ? 0 : in->reg; r < (wide ? 8 : in->reg + 1u); r++)
			(f.decrypt ? aes_decrypt : aes_encrypt)(&ctx, xmm + 16 * r, xmm + 16 * r);
		memzero_explicit(&ctx, sizeof(ctx));
	}
	fpu_xmm_end(v);
	memzero_explicit(key, sizeof(key));
	memzero_explicit(handle, sizeof(handle));
	finish(v, in, !ok);
}

void kl_handle_ud(struct vcpu *v)
{
	struct insn in;
	enum kl_op op;
	bool ud;
	u64 cr0 = vcpu_cr0(), cr4 = vcpu_cr4();
	const char *err;

	err = vcpu_decode_insn(v, &in);
	if (err == vcpu_fetch_fault)
		return;
	if (err) {
		vcpu_inject_ud(v);
		return;
	}
	op = kl_classify(&in, &ud);
	/* Not Key Locker, or one of its #UD conditions: reflect the #UD unchanged. */
	if (op == KL_NONE || ud || !v->vm->def.kl || !(cr4 & CR4_KL) || (cr0 & CR0_EM) ||
	    !(cr4 & CR4_OSFXSR)) {
		vcpu_inject_ud(v);
		return;
	}
	if (cr0 & CR0_TS) {
		vcpu_inject_exception(v, 7, false, 0); /* #NM */
		return;
	}
	/*
	 * No kl_switch_in() here: the slot must already hold this vCPU's key
	 * (switch-in, CR4.KL, LOADIWKEY keep it so).  Loading it here would
	 * hide a missed switch instead of producing wrong results.
	 */
	switch (op) {
	case KL_LOADIWKEY:
		kl_emulate_loadiwkey(v, &in);
		break;
	case KL_ENCODEKEY:
		encodekey(v, &in);
		break;
	case KL_AES:
		aes_kl(v, &in, false);
		break;
	default:
		aes_kl(v, &in, true);
		break;
	}
}
