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
#include "vmm/prof.h"
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

/*
 * The handle's entry in the vCPU's cache, unwrapping it (the full
 * integrity check) on a miss; NULL if the handle is refused.  Entries are
 * tied to the slot's key version, and used only while the slot holds this
 * vCPU's key (otherwise nothing is cached and a missed switch still shows
 * as refused handles).
 */
static struct kl_hcache_entry *unwrap_cached(struct vcpu *v, const u8 *handle, unsigned key_bits,
					     struct kl_hcache_entry *tmp)
{
	const struct kl_slot *s = kl_this_slot();
	unsigned len = KL_HANDLE_SIZE(key_bits);
	u64 version = s->owner == v->kl.id ? s->version : 0;
	struct kl_hcache_entry *e = kl_hcache_find(&v->kl.hcache, version, handle, len);
	u8 key[32];
	u32 aad;

	if (e)
		return e;
	if (!kl_unwrap(&s->key, handle, key_bits, key, &aad)) {
		memzero_explicit(key, sizeof(key));
		return NULL;
	}
	e = kl_hcache_insert(&v->kl.hcache, version, handle, len, aad, key, key_bits);
	if (!e) { /* not cacheable: a one-use entry on the stack */
		e = tmp;
		memset(e, 0, sizeof(*e));
		e->aad = aad;
		memcpy(e->key, key, key_bits / 8);
		e->key_bits = (u16)key_bits;
	}
	memzero_explicit(key, sizeof(key));
	return e;
}

/* AES*KL and AES*WIDE*KL: ZF = 1 and no register change when the handle is refused. */
static void aes_kl(struct vcpu *v, const struct insn *in, bool wide)
{
	struct kl_aes_form f = kl_aes_form(in);
	u8 handle[KL_HANDLE256_SIZE];
	u64 ea = insn_effective_address(in, gpr_of, v, vmcs_read(GUEST_RIP) + in->len);
	struct kl_hcache_entry *e, tmp;
	const struct aes_ctx *ctx;
	bool ok;
	u8 *xmm;

	if (!vcpu_read_operand(v, in, ea, handle, KL_HANDLE_SIZE(f.key_bits)))
		return; /* fault injected (or the VM stopped) */
	PROF_MARK(PROF_OPERAND);
	/* The unwrap too may use AES-NI/PCLMULQDQ: the guest's XMM state is saved first. */
	xmm = fpu_xmm_begin(v);
	PROF_MARK(PROF_XMM_SAVE);
	e = unwrap_cached(v, handle, f.key_bits, &tmp);
	PROF_MARK(PROF_UNWRAP);
	ok = e != NULL;
	/* The restrictions are checked on every use, cached or not. */
	if (ok && (e->aad & KL_AAD_CPL0) && vcpu_cpl() > 0)
		ok = false;
	if (ok && (e->aad & (f.decrypt ? KL_AAD_NO_DECRYPT : KL_AAD_NO_ENCRYPT)))
		ok = false;
	if (ok) {
		ctx = kl_hcache_ctx(e, f.decrypt);
		for (unsigned r = wide ? 0 : in->reg; r < (wide ? 8 : in->reg + 1u); r++)
			(f.decrypt ? aes_decrypt : aes_encrypt)(ctx, xmm + 16 * r, xmm + 16 * r);
	}
	PROF_MARK(PROF_AES);
	fpu_xmm_end(v);
	PROF_MARK(PROF_XMM_RESTORE);
	if (e == &tmp)
		memzero_explicit(&tmp, sizeof(tmp));
	memzero_explicit(handle, sizeof(handle));
	finish(v, in, !ok);
	PROF_MARK(PROF_FINISH);
}

void kl_handle_ud(struct vcpu *v)
{
	struct insn in;
	enum kl_op op;
	bool ud;
	u64 cr0 = vcpu_cr0(), cr4 = vcpu_cr4();
	const char *err;

	PROF_MARK(PROF_EXIT_DISPATCH);
	err = vcpu_decode_insn(v, &in);
	PROF_MARK(PROF_DECODE);
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
