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
#include "vmm/segment.h"
#include "vmm/vcpu.h"

#define FLAGS_KL \
	(RFLAGS_CF | BIT(2) | BIT(4) | RFLAGS_ZF | BIT(7) | BIT(11)) /* CF PF AF ZF SF OF */

/*
 * The guest state the #UD path needs, read from the VMCS once per emulated
 * instruction instead of by each helper (CR0, CR4, RFLAGS and the code
 * size were read three or four times each).  Nothing the emulation does
 * before it writes RFLAGS changes any of them.
 */
struct kl_state {
	u64 rip, rflags;
	unsigned mode_bits, cpl;
	struct gwalk_ctx walk; /* as vcpu_walk_ctx(): CR0/CR4 through their shadows */
};

/*
 * What kl_classify() and kl_aes_form() say of a decode, packed into one
 * word and kept in its decode-cache entry (dcache_aux()), so a cached
 * instruction is classified once.  KLC_VALID tells it from the 0 a fill
 * leaves.
 */
#define KLC_OP_MASK 7
#define KLC_UD	    BIT(3)
#define KLC_DECRYPT BIT(4)
#define KLC_256	    BIT(5)
#define KLC_VALID   BIT(31)

static u32 kl_class(const struct insn *in)
{
	struct kl_aes_form f = kl_aes_form(in);
	bool ud;
	enum kl_op op = kl_classify(in, &ud);

	_Static_assert(KL_AES_WIDE <= KLC_OP_MASK, "an op fits its bits");
	return KLC_VALID | op | (ud ? KLC_UD : 0) | (f.decrypt ? KLC_DECRYPT : 0) |
	       (f.key_bits == 256 ? KLC_256 : 0);
}

static struct kl_aes_form class_form(u32 cls)
{
	return (struct kl_aes_form){ cls & KLC_256 ? 256 : 128, cls & KLC_DECRYPT };
}

static void read_state(struct vcpu *v, struct kl_state *st)
{
	u64 cs_ar = vmcs_read(GUEST_CS_AR_BYTES);
	struct gwalk_ctx *c = &st->walk;

	st->rip = vmcs_read(GUEST_RIP);
	st->rflags = vmcs_read(GUEST_RFLAGS);
	vcpu_walk_ctx_rflags(v, c, st->rflags);
	gwtlb_ctx_id(&v->kl.walk_ids, c); /* compared once here, not in each lookup */
	st->mode_bits = vcpu_mode_bits_of(cs_ar, c->efer);
	st->cpl = vcpu_cpl();
}

/*
 * The flags and RIP of a completed instruction, from the state read on
 * entry (nothing before this changes RIP, RFLAGS or the code size).
 */
static __always_inline void finish(const struct kl_state *st, const struct insn *in, bool zf)
{
	u64 rip = st->rip + in->len;

	vmcs_write_hot(GUEST_RFLAGS, (st->rflags & ~FLAGS_KL) | (zf ? RFLAGS_ZF : 0));
	vcpu_end_instruction(st->mode_bits == 64 ? rip : (u32)rip, st->rflags);
}

void kl_emulate_loadiwkey(struct vcpu *v, const struct insn *in, unsigned cpl, u64 rflags)
{
	u32 eax = (u32)v->regs.rax;

	if (kl_loadiwkey_faults(eax, cpl, kl_cpuid19_ecx(v))) {
		vcpu_inject_gp(v);
		return;
	}
	/* Only read: straight from the live registers, no XSAVE/XRSTOR. */
	fpu_xmm_read(v, 0, v->kl.iwkey.integrity); /* XMM0 */
	fpu_xmm_read(v, in->rm, v->kl.iwkey.encryption); /* [127:0] = r/m */
	fpu_xmm_read(v, in->reg, v->kl.iwkey.encryption + 16); /* [255:128] = reg */
	v->kl.iwkey.nobackup = eax & 1;
	v->kl.iwkey.key_source = (eax >> 1) & 0xf;
	kl_key_changed(v);
	vmcs_write_hot(GUEST_RFLAGS, rflags & ~FLAGS_KL); /* all flags 0 */
	vcpu_complete_instruction(v, in->len);
}

static void encodekey(struct vcpu *v, const struct kl_state *st, const struct insn *in)
{
	unsigned bits = in->opcode == KL_OP_ENCODEKEY256 ? 256 : 128;
	u32 src = (u32)vcpu_gpr(v, in->rm);
	struct kl_slot *slot = kl_this_slot();
	const struct kl_iwkey *iw = &slot->key;
	u8 handle[KL_HANDLE256_SIZE];
	u8 *xmm;

	if (src & ~KL_SW_RESTRICTIONS) {
		vcpu_inject_gp(v);
		return;
	}
	xmm = fpu_xmm_begin(v);
	kl_wrap_sched(iw, kl_slot_sched(slot), src, xmm, bits,
		      handle); /* key: XMM0, or XMM1:XMM0 */
	memcpy(xmm, handle, KL_HANDLE_SIZE(bits));
	memset(xmm + 16 * 4, 0, 16 * 3); /* XMM4-6 := 0 */
	fpu_xmm_end(v);
	memzero_explicit(handle, sizeof(handle));
	vcpu_set_gpr(v, in->reg, iw->nobackup | (u32)iw->key_source << 1); /* zero-extends */
	finish(st, in, false);
}

/* RAX-R15 as the exit stub saved them, in x86 order (RSP's slot unused: it is in the VMCS). */
static const u64 *saved_gprs(const struct vcpu *v)
{
	_Static_assert(offsetof(struct guest_regs, r15) == 15 * sizeof(u64), "x86 order");
	return (const u64 *)&v->regs;
}

/*
 * The slot key version the vCPU's handle cache is used under: the slot's,
 * while the slot holds this vCPU's key; otherwise 0, under which nothing
 * is found or cached, so a missed switch still shows as refused handles.
 */
static u64 cache_version(const struct vcpu *v, const struct kl_slot *s)
{
	return s->owner == v->kl.id ? s->version : 0;
}

/*
 * A handle the cache does not hold: the full integrity check and
 * decryption, remembered on success; NULL if the handle is refused.
 */
static struct kl_hcache_entry *unwrap_miss(struct vcpu *v, const u8 *handle, unsigned key_bits,
					   struct kl_hcache_entry *tmp)
{
	struct kl_slot *s = kl_this_slot();
	unsigned len = KL_HANDLE_SIZE(key_bits);
	struct kl_hcache_entry *e;
	u8 key[32];
	u32 aad;

	if (!kl_unwrap_sched(&s->key, kl_slot_sched(s), handle, key_bits, key, &aad)) {
		memzero_explicit(key, sizeof(key));
		return NULL;
	}
	e = kl_hcache_insert(&v->kl.hcache, cache_version(v, s), handle, len, aad, key, key_bits);
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

/* The restrictions, checked on every use, cached or not. */
static bool restrictions_allow(const struct kl_hcache_entry *e, struct kl_aes_form f, unsigned cpl)
{
	if ((e->aad & KL_AAD_CPL0) && cpl > 0)
		return false;
	return !(e->aad & (f.decrypt ? KL_AAD_NO_DECRYPT : KL_AAD_NO_ENCRYPT));
}

/* handle_la() where segments need their VMCS fields: every mode but 64-bit, and FS or GS. */
static __noinline bool handle_la_segmented(const struct kl_state *st, const struct insn *in, u64 ea,
					   unsigned len, u64 *la)
{
	struct seg_state s;

	vcpu_seg_state(vcpu_operand_segment(in), &s);
	return seg_linear(&s, in->addr_size == 2 ? ea & 0xffff : ea, len, st->mode_bits,
			  st->walk.cr0 & CR0_PE, false, la);
}

/*
 * The handle's linear address: vcpu_read_operand()'s segment checks with
 * the state already read.  False if they fault; the caller then takes
 * vcpu_read_operand(), which redoes them and injects the fault.
 */
static __always_inline bool handle_la(const struct kl_state *st, const struct insn *in, u64 ea,
				      unsigned len, u64 *la)
{
	unsigned sreg = seg_from_prefix(in->seg, SEG_DS);

	/*
	 * In 64-bit mode only the base counts, and only FS and GS have one
	 * (vcpu_seg_state()'s rule); they come only from an override.  No
	 * VMCS reads, nor the default segment's choice, for the others.
	 */
	if (st->mode_bits == 64 && sreg != SEG_FS && sreg != SEG_GS)
		return seg_linear64(0, ea, len, la);
	return handle_la_segmented(st, in, ea, len, la);
}

/*
 * vcpu_read_operand() with the state already read and the walk through
 * the vCPU's exact translation cache: the same segment checks and page
 * walk, one contiguous copy per page.  Any fault, or bytes outside guest
 * RAM, goes to vcpu_read_operand() itself, which redoes the access from
 * scratch and injects exactly what it finds (or stops the VM).
 */
static bool read_handle(struct vcpu *v, const struct kl_state *st, const struct insn *in, u64 ea,
			u8 *buf, size_t len)
{
	u64 la, where;
	size_t done;
	u32 pfec;

	if (handle_la(st, in, ea, (unsigned)len, &la) &&
	    gwtlb_read(&v->kl.dtlb, &st->walk, la, gwalk_access(st->cpl, GW_READ), buf, len, &done,
		       &where, &pfec) == GW_OK)
		return true;
	return vcpu_read_operand(v, in, ea, buf, len);
}

/*
 * The handle where it lies in guest RAM, when its bytes are in one page
 * that the translation cache's last way maps (gwtlb_peek()); else NULL.
 */
static const u8 *handle_in_place(struct vcpu *v, const struct kl_state *st, const struct insn *in,
				 u64 ea, unsigned len)
{
	u64 la;

	if (!handle_la(st, in, ea, len, &la))
		return NULL;
	return gwtlb_peek(&v->kl.dtlb, &st->walk, la, gwalk_access(st->cpl, GW_READ), len);
}

/*
 * aes_kl() for everything but a cached handle with its round keys laid
 * out: one copy of the handle, read once (the lookup, and on a miss the
 * integrity check and the decryption, see the same bytes), and the
 * guest's XMM state saved, since the unwrap may use AES-NI/PCLMULQDQ.
 * Out of line, so that its buffers are not in the fast path's frame.
 */
static __noinline void aes_kl_saved(struct vcpu *v, const struct kl_state *st,
				    const struct insn *in, struct kl_aes_form f, u64 version,
				    u64 ea, const u8 *in_place, unsigned first, unsigned n)
{
	unsigned len = KL_HANDLE_SIZE(f.key_bits);
	u8 handle[KL_HANDLE256_SIZE];
	struct kl_hcache_entry *e, tmp;
	bool ok;
	u8 *xmm;

	if (in_place)
		memcpy(handle, in_place, len);
	else if (!read_handle(v, st, in, ea, handle, len))
		return; /* fault injected (or the VM stopped) */
	e = kl_hcache_find(&v->kl.hcache, version, handle, len);
	xmm = fpu_xmm_begin(v);
	PROF_MARK(PROF_XMM_SAVE);
	if (!e)
		e = unwrap_miss(v, handle, f.key_bits, &tmp);
	PROF_MARK(PROF_UNWRAP);
	ok = e && restrictions_allow(e, f, st->cpl);
	if (ok)
		(f.decrypt ? aes_decrypt_blocks : aes_encrypt_blocks)(kl_hcache_ctx(e, f.decrypt),
								      xmm + 16 * first, n);
	/* Lay out the in-place decryption keys now, while the state is saved (AES-NI). */
	if (ok && f.decrypt && e != &tmp)
		kl_hcache_prepare_dk(e);
	PROF_MARK(PROF_AES);
	fpu_xmm_end(v);
	PROF_MARK(PROF_XMM_RESTORE);
	if (e == &tmp)
		memzero_explicit(&tmp, sizeof(tmp));
	memzero_explicit(handle, sizeof(handle));
	finish(st, in, !ok);
	PROF_MARK(PROF_FINISH);
}

/* AES*KL and AES*WIDE*KL: ZF = 1 and no register change when the handle is refused. */
static void aes_kl(struct vcpu *v, const struct kl_state *st, const struct insn *in, u32 cls)
{
	bool wide = (cls & KLC_OP_MASK) == KL_AES_WIDE;
	struct kl_aes_form f = class_form(cls);
	unsigned len = KL_HANDLE_SIZE(f.key_bits);
	unsigned first = wide ? 0 : in->reg, n = wide ? 8 : 1; /* XMM0-7, or the one register */
	u64 version = cache_version(v, kl_this_slot());
	u64 ea = insn_effective_address(in, saved_gprs(v), vmcs_read(GUEST_RSP), st->rip + in->len);
	const u8 *in_place = handle_in_place(v, st, in, ea, len);
	struct kl_hcache_entry *e;
	bool ok;

	PROF_MARK(PROF_OPERAND);
	/*
	 * The common case looks the handle up where it lies, without copying
	 * it: the lookup reads each byte once, so a hit means the bytes read
	 * are those of a handle that passed the full check under this key,
	 * whatever a racing vCPU writes there afterwards.
	 */
	e = in_place ? kl_hcache_find(&v->kl.hcache, version, in_place, len) : NULL;
	/*
	 * A cached handle whose round keys are already laid out needs no
	 * vector code but the AES itself: en- or decrypt the guest's live
	 * registers in place (the round keys are memory operands, no other
	 * register is touched), without the XSAVE/XRSTOR round trip.  A
	 * refused handle changes no register either.  Everything else (a miss,
	 * whose unwrap runs AES-NI/PCLMULQDQ over XMM0-8, keys still to
	 * expand, no AES-NI) takes aes_kl_saved().
	 */
	if (e && (f.decrypt ? e->has_dk : e->has_enc)) {
		PROF_MARK(PROF_UNWRAP); /* the lookup; no save or restore on this path */
		ok = restrictions_allow(e, f, st->cpl);
		if (!ok || (f.decrypt ? aes_decrypt_live(&e->dk, first, n) :
					aes_encrypt_live(&e->enc, first, n))) {
			PROF_MARK(PROF_AES);
			finish(st, in, !ok);
			PROF_MARK(PROF_FINISH);
			return;
		}
	}
	aes_kl_saved(v, st, in, f, version, ea, in_place, first, n);
}

/* vcpu_decode_insn(), and the class word of what it decoded. */
static __noinline const char *decode_full(struct vcpu *v, struct insn *in, u32 *cls)
{
	const char *err = vcpu_decode_insn(v, in);

	*cls = err ? 0 : kl_class(in);
	return err;
}

/*
 * vcpu_decode_insn() through the vCPU's exact caches: the 15 bytes at
 * CS:RIP are fetched through the translation cache every time (so changed
 * code or page tables are seen), and decoded through the decode cache.  A
 * fetch that stops short (a fault, or RAM's end) takes the full path,
 * which decodes what it can and injects the fetch's #PF if that mattered.
 * *@cls is the instruction's class word.
 */
static const char *fetch_decode(struct vcpu *v, const struct kl_state *st, struct insn *scratch,
				const struct insn **in, u32 *cls)
{
	u64 la = vcpu_code_la(st->mode_bits, st->rip), where;
	u32 access = gwalk_access(st->cpl, GW_FETCH), pfec, *word;
	const u8 *p = gwtlb_peek(&v->kl.itlb, &st->walk, la, access, INSN_MAX_LEN);
	u8 bytes[INSN_MAX_LEN];
	size_t len = INSN_MAX_LEN;
	const char *err;

	PROF_MARK(PROF_FETCH); /* (a fetch the translation cache cannot answer counts as decode) */

	/*
	 * The common case looks the bytes up where they lie, as the handle
	 * is: a hit means every byte of the instruction, each read once or
	 * twice, held the cached instruction's value when read, so the
	 * cached decode is what a fetch at those moments would have decoded.
	 * A hit is used in place: nothing changes the cache before the
	 * instruction is done.  A miss decodes one copy of the bytes.
	 */
	*in = p ? dcache_find(&v->kl.dcache, p, INSN_MAX_LEN, st->mode_bits) : NULL;
	if (*in) {
		word = dcache_aux(*in);
		if (!*word)
			*word = kl_class(*in);
		*cls = *word;
		return NULL;
	}
	*in = scratch;
	if (p)
		__builtin_memcpy(bytes, p, INSN_MAX_LEN); /* a constant size: a few word moves */
	else if (gwtlb_read(&v->kl.itlb, &st->walk, la, access, bytes, INSN_MAX_LEN, &len, &where,
			    &pfec) != GW_OK)
		return decode_full(v, scratch, cls);
	err = dcache_decode(&v->kl.dcache, bytes, len, st->mode_bits, scratch);
	*cls = err ? 0 : kl_class(scratch);
	return err;
}

void kl_handle_ud(struct vcpu *v)
{
	struct kl_state st;
	struct insn scratch;
	const struct insn *in;
	enum kl_op op;
	u64 cr0, cr4;
	u32 cls;
	const char *err;

	PROF_MARK(PROF_EXIT_DISPATCH);
	read_state(v, &st);
	cr0 = st.walk.cr0;
	cr4 = st.walk.cr4;
	err = fetch_decode(v, &st, &scratch, &in, &cls);
	PROF_MARK(PROF_DECODE);
	if (err == vcpu_fetch_fault)
		return;
	if (err) {
		vcpu_inject_ud(v);
		return;
	}
	op = cls & KLC_OP_MASK;
	/* Not Key Locker, or one of its #UD conditions: reflect the #UD unchanged. */
	if (op == KL_NONE || (cls & KLC_UD) || !v->vm->def.kl || !(cr4 & CR4_KL) ||
	    (cr0 & CR0_EM) || !(cr4 & CR4_OSFXSR)) {
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
		kl_emulate_loadiwkey(v, in, st.cpl, st.rflags);
		break;
	case KL_ENCODEKEY:
		encodekey(v, &st, in);
		break;
	default: /* one call, so that it is inlined */
		aes_kl(v, &st, in, cls);
		break;
	}
}
