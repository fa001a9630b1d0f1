// SPDX-License-Identifier: MIT
/*
 * Guest test: every Key Locker form against the host-computed vectors
 * (build/guests/kl_vectors.h), and the operand forms the decoder must get
 * right.
 *
 *  - For each of the four IWKeys and three keys: ENCODEKEY128/256 with all
 *    eight SRC restriction values give klv_handle*[w][k][src]; the four
 *    single forms on all eight blocks and the four WIDE forms give the
 *    AES results.
 *  - ENCODEKEY with any of SRC[31:3] set: #GP(0) and nothing written.
 *  - LOADIWKEY with other and REX-extended registers: EncryptionKey[127:0]
 *    from ModRM.r/m, [255:128] from ModRM.reg.
 *  - AES*KL into each of XMM0-15; handles addressed through SIB, disp8 and
 *    disp32, RIP-relative, absolute, R12/R13/RSP/RBP bases, REX.X indexes,
 *    32-bit addresses, FS and GS overrides with bases from MSRs
 *    0xc0000100/0xc0000101, unaligned and page-crossing handles.
 *  - A new IWKey invalidates the handles of the old one; loading the old
 *    one again revives them.
 */
#include "guest.h"
#include "klcheck.h"

#define KEY 1

static char why[160];

/* ---- Vectors ---- */

static void check_vectors(int w)
{
	char name[64];

	kl_load(w);
	for (int k = 0; k < KLV_NR_KEYS; k++) {
		int bad128 = -1, bad256 = -1;

		for (int src = 0; src < KLV_NR_RESTRICT; src++) {
			u8 h[64];
			u32 d;

			d = kl_encodekey128(klv_key128[k], src, h);
			if (bad128 < 0 && (d || memcmp(h, klv_handle128[w][k][src], 48)))
				bad128 = src;
			d = kl_encodekey256(klv_key256[k], src, h);
			if (bad256 < 0 && (d || memcmp(h, klv_handle256[w][k][src], 64)))
				bad256 = src;
		}
		snprintf(name, sizeof(name), "encodekey128-iw%d-key%d-src0-7", w, k);
		report(bad128 < 0, name, "SRC %d: handle or DEST differs", bad128);
		snprintf(name, sizeof(name), "encodekey256-iw%d-key%d-src0-7", w, k);
		report(bad256 < 0, name, "SRC %d: handle or DEST differs", bad256);

		/* The single forms on every block, with the host's handles. */
		for (int op = KL_ENC128; op <= KL_DEC256; op++) {
			int bad = -1;

			for (int b = 0; b < KLV_NR_BLOCKS && bad < 0; b++) {
				u8 blk[16];
				const u8 *want;

				memcpy(blk, klv_block[b], 16);
				want = op == KL_ENC128 ? klv_enc128[k][b] :
				       op == KL_DEC128 ? klv_dec128[k][b] :
				       op == KL_ENC256 ? klv_enc256[k][b] :
							 klv_dec256[k][b];
				if (kl_aes(op, kl_vec_handle(op, w, k, 0), blk) ||
				    memcmp(blk, want, 16))
					bad = b;
			}
			snprintf(name, sizeof(name), "%s-iw%d-key%d-blocks0-7", kl_op_names[op], w,
				 k);
			report(bad < 0, name, "block %d wrong", bad);
		}
		for (int op = KL_ENCWIDE128; op <= KL_DECWIDE256; op++) {
			snprintf(name, sizeof(name), "%s-iw%d-key%d", kl_op_names[op], w, k);
			report(kl_works(op, kl_vec_handle(op, w, k, 0), k, w * 16 + op, why,
					sizeof(why)),
			       name, "%s", why);
		}
	}
}

/* ---- ENCODEKEY with reserved SRC bits ---- */

static void check_src_reserved(void)
{
	for (int bits = 128; bits <= 256; bits += 128) {
		char name[48];
		bool ok = true;

		for (int bit = 3; bit < 32 && ok; bit++) {
			struct kl_regs r;
			struct exc_info info;
			u64 dst = 0x1122334455667788UL;
			int vec;

			kl_regs_init(&r, 200 + bit, KL_FLAGS);
			memcpy(&r.in[0], klv_key256[KEY], 16);
			memcpy(&r.in[1], klv_key256[KEY] + 16, 16);
			exc_arm();
			if (bits == 128)
				KL_RUN(&r, EXC_TRY("encodekey128 %%esi, %%eax"), "+a"(dst),
				       "S"(BIT(bit)));
			else
				KL_RUN(&r, EXC_TRY("encodekey256 %%esi, %%eax"), "+a"(dst),
				       "S"(BIT(bit)));
			vec = exc_result(&info);
			if (vec != GP_VECTOR || info.error_code || dst != 0x1122334455667788UL ||
			    kl_regs_changed(&r, 0, 15) >= 0 || r.flags_out != r.flags_in) {
				ok = false;
				snprintf(
					why, sizeof(why),
					"SRC bit %d: vector %d error %#x, DEST %#lx, xmm%d changed, "
					"RFLAGS %#lx -> %#lx",
					bit, vec, info.error_code, dst, kl_regs_changed(&r, 0, 15),
					r.flags_in, r.flags_out);
			}
		}
		snprintf(name, sizeof(name), "encodekey%d-src-reserved-bits-gp", bits);
		report(ok, name, "%s", why);
	}
}

/* ---- LOADIWKEY operand registers ---- */

struct lw_form {
	const char *name;
	int reg, rm;
};

static const struct lw_form lw_forms[] = {
	{ "loadiwkey-reg2-rm1", 2, 1 }, /* F3 0F 38 DC D1 */
	{ "loadiwkey-reg1-rm2", 1, 2 }, /* F3 0F 38 DC CA */
	{ "loadiwkey-reg7-rm6", 7, 6 }, /* F3 0F 38 DC FE */
	{ "loadiwkey-reg9-rm12-rex-rb", 9, 12 }, /* F3 45 0F 38 DC CC */
	{ "loadiwkey-reg15-rm8-rex-rb", 15, 8 }, /* F3 45 0F 38 DC F8 */
	{ "loadiwkey-reg3-rm14-rex-b", 3, 14 }, /* F3 41 0F 38 DC DE */
	{ "loadiwkey-reg10-rm5-rex-r", 10, 5 }, /* F3 44 0F 38 DC D5 */
	{ "loadiwkey-reg11-rm13-rex-wrb", 11, 13 }, /* F3 4D 0F 38 DC DD */
};

static void run_lw_form(int i, struct kl_regs *r)
{
	switch (i) {
	case 0:
		KL_RUN(r, ".byte 0xf3, 0x0f, 0x38, 0xdc, 0xd1", , "a"(0));
		break;
	case 1:
		KL_RUN(r, ".byte 0xf3, 0x0f, 0x38, 0xdc, 0xca", , "a"(0));
		break;
	case 2:
		KL_RUN(r, ".byte 0xf3, 0x0f, 0x38, 0xdc, 0xfe", , "a"(0));
		break;
	case 3:
		KL_RUN(r, ".byte 0xf3, 0x45, 0x0f, 0x38, 0xdc, 0xcc", , "a"(0));
		break;
	case 4:
		KL_RUN(r, ".byte 0xf3, 0x45, 0x0f, 0x38, 0xdc, 0xf8", , "a"(0));
		break;
	case 5:
		KL_RUN(r, ".byte 0xf3, 0x41, 0x0f, 0x38, 0xdc, 0xde", , "a"(0));
		break;
	case 6:
		KL_RUN(r, ".byte 0xf3, 0x44, 0x0f, 0x38, 0xdc, 0xd5", , "a"(0));
		break;
	default:
		KL_RUN(r, ".byte 0xf3, 0x4d, 0x0f, 0x38, 0xdc, 0xdd", , "a"(0));
		break;
	}
}

static void check_loadiwkey_regs(void)
{
	struct kl_regs r;

	for (unsigned i = 0; i < ARRAY_SIZE(lw_forms); i++) {
		const struct lw_form *f = &lw_forms[i];
		int w = 1 + i % 3;

		kl_load(0); /* something else first */
		kl_regs_init(&r, 300 + i, KL_FLAGS);
		memcpy(&r.in[0], klv_iwkey[w].integrity, 16);
		memcpy(&r.in[f->rm], klv_iwkey[w].encryption, 16);
		memcpy(&r.in[f->reg], klv_iwkey[w].encryption + 16, 16);
		run_lw_form(i, &r);
		report(kl_flags_are(&r, false) && kl_regs_changed(&r, 0, 15) < 0 &&
			       kl_handle_is(w, KEY, 0) && kl_handle_is(w, 2, 3),
		       f->name, "RFLAGS %#lx -> %#lx, xmm%d changed, IWKey %d %s", r.flags_in,
		       r.flags_out, kl_regs_changed(&r, 0, 15), w,
		       kl_handle_is(w, KEY, 0) ? "loaded" : "not loaded (handle differs)");
	}
	/* The two halves are not interchangeable. */
	kl_regs_init(&r, 310, 0);
	memcpy(&r.in[0], klv_iwkey[1].integrity, 16);
	memcpy(&r.in[1], klv_iwkey[1].encryption + 16, 16);
	memcpy(&r.in[2], klv_iwkey[1].encryption, 16);
	run_lw_form(0, &r);
	report(!kl_handle_is(1, KEY, 0), "loadiwkey-halves-not-interchangeable",
	       "swapping ModRM.reg and ModRM.r/m gave the same key");
}

/* ---- AES*KL destinations XMM0-15 ---- */

#define DCASE(insn, n)                                                  \
	case n:                                                         \
		KL_RUN(r, insn " (%[h]), %%xmm" #n, , [h] "r"(handle)); \
		break;
// clang-format off
/* clang-format cannot settle on one layout for this table. */
#define DSWITCH(insn)                                                          \
	switch (d) {                                                           \
		DCASE(insn, 0) DCASE(insn, 1) DCASE(insn, 2) DCASE(insn, 3)    \
		DCASE(insn, 4) DCASE(insn, 5) DCASE(insn, 6) DCASE(insn, 7)    \
		DCASE(insn, 8) DCASE(insn, 9) DCASE(insn, 10) DCASE(insn, 11)  \
		DCASE(insn, 12) DCASE(insn, 13) DCASE(insn, 14) DCASE(insn, 15) \
	}
// clang-format on

static void run_dest(int op, int d, const void *handle, struct kl_regs *r)
{
	switch (op) {
	case KL_ENC128:
		DSWITCH("aesenc128kl") break;
	case KL_DEC128:
		DSWITCH("aesdec128kl") break;
	case KL_ENC256:
		DSWITCH("aesenc256kl") break;
	default:
		DSWITCH("aesdec256kl") break;
	}
}

static void check_destinations(void)
{
	char name[48];

	kl_load(3);
	for (int op = KL_ENC128; op <= KL_DEC256; op++) {
		int bad = -1;

		for (int d = 0; d < 16 && bad < 0; d++) {
			struct kl_regs r;

			kl_regs_init(&r, 400 + 16 * op + d, KL_FLAGS);
			memcpy(&r.in[d], klv_block[0], 16);
			run_dest(op, d, kl_vec_handle(op, 3, 2, 0), &r);
			if (!kl_flags_are(&r, false) ||
			    memcmp(&r.out[d], kl_expected(op, 2, 0), 16) ||
			    kl_regs_changed(&r, 0, d - 1) >= 0 ||
			    kl_regs_changed(&r, d + 1, 15) >= 0)
				bad = d;
		}
		snprintf(name, sizeof(name), "%s-dest-xmm0-15", kl_op_names[op]);
		report(bad < 0, name, "xmm%d: wrong result, flags or another register changed",
		       bad);
	}
}

/* ---- Memory operand forms ---- */

u8 klf_rip_handle[64] __aligned(64); /* named in the assembly below */
static u8 buf[2 * PAGE_SIZE] __aligned(PAGE_SIZE);

/* XMM@d got block 0 encrypted (or per @op), every other register kept, flags cleared. */
static void check_single(const char *name, struct kl_regs *r, int op, int d, int vec)
{
	bool ok = vec < 0 && kl_flags_are(r, false) &&
		  !memcmp(&r->out[d], kl_expected(op, KEY, 0), 16) &&
		  kl_regs_changed(r, 0, d - 1) < 0 && kl_regs_changed(r, d + 1, 15) < 0;

	report(ok, name, "vector %d, RFLAGS %#lx -> %#lx, xmm%d %s, first other change xmm%d", vec,
	       r->flags_in, r->flags_out, d,
	       memcmp(&r->out[d], kl_expected(op, KEY, 0), 16) ? "wrong" : "right",
	       kl_regs_changed(r, 0, d - 1) >= 0 ? kl_regs_changed(r, 0, d - 1) :
						   kl_regs_changed(r, d + 1, 15));
}

static void prep(struct kl_regs *r, int d, u32 seed)
{
	kl_regs_init(r, seed, KL_FLAGS);
	memcpy(&r->in[d], klv_block[0], 16);
}

#define TRY_RUN(r, insn, outs, ...)                          \
	do {                                                 \
		exc_arm();                                   \
		KL_RUN(r, EXC_TRY(insn), outs, __VA_ARGS__); \
		vec = exc_result(NULL);                      \
	} while (0)

static void check_memory_forms(void)
{
	/* As integers: the operands point outside the arrays on purpose. */
	u64 h = (u64)klv_handle128[1][KEY][0], h2 = (u64)klv_handle256[1][KEY][0];
	struct kl_regs r;
	int vec;

	kl_load(1);
	memcpy(klf_rip_handle, (void *)h, 48);

	prep(&r, 5, 500);
	TRY_RUN(&r, "aesenc128kl 8(%[b],%[i],4), %%xmm5", , [b] "r"(h - 8 - 4 * 3), [i] "r"(3UL));
	check_single("mem-base-index4-disp8", &r, KL_ENC128, 5, vec);

	prep(&r, 6, 501);
	TRY_RUN(&r, "aesenc128kl 0x12345(%[b]), %%xmm6", , [b] "r"(h - 0x12345));
	check_single("mem-base-disp32", &r, KL_ENC128, 6, vec);

	prep(&r, 7, 502);
	TRY_RUN(&r, "aesenc128kl -16(%[b],%[i],2), %%xmm7",
		, [b] "r"(h + 16 - 2 * 5), [i] "r"(5UL));
	check_single("mem-base-index2-negative-disp8", &r, KL_ENC128, 7, vec);

	prep(&r, 3, 503);
	TRY_RUN(&r, "aesenc128kl klf_rip_handle(%%rip), %%xmm3", , "r"(0));
	check_single("mem-rip-relative", &r, KL_ENC128, 3, vec);

	prep(&r, 4, 504);
	TRY_RUN(&r, "aesenc128kl klf_rip_handle-16(,%[i],8), %%xmm4", , [i] "r"(2UL));
	check_single("mem-sib-index-no-base-disp32", &r, KL_ENC128, 4, vec);

	prep(&r, 2, 505);
	TRY_RUN(&r, "aesenc128kl klf_rip_handle, %%xmm2", , "r"(0));
	check_single("mem-absolute-disp32", &r, KL_ENC128, 2, vec);

	prep(&r, 12, 506);
	exc_arm();
	KL_RUN_CLOBBERING(&r, "movq %[b], %%r12\n\t" EXC_TRY("aesenc128kl (%%r12), %%xmm12"), ,
			  ("r12"), [b] "r"(h));
	vec = exc_result(NULL);
	check_single("mem-r12-base", &r, KL_ENC128, 12, vec);

	prep(&r, 13, 507);
	exc_arm();
	KL_RUN_CLOBBERING(&r, "movq %[b], %%r13\n\t" EXC_TRY("aesenc128kl (%%r13), %%xmm13"), ,
			  ("r13"), [b] "r"(h));
	vec = exc_result(NULL);
	check_single("mem-r13-base", &r, KL_ENC128, 13, vec);

	prep(&r, 14, 508);
	exc_arm();
	KL_RUN_CLOBBERING(&r,
			  "movq %[b], %%r13\n\tmovq $100, %%r14\n\t" EXC_TRY(
				  "aesenc128kl (%%r13,%%r14,1), %%xmm14"),
			  , ("r13", "r14"), [b] "r"(h - 100));
	vec = exc_result(NULL);
	check_single("mem-r13-base-r14-index", &r, KL_ENC128, 14, vec);

	kl_regs_init(&r, 509, KL_FLAGS);
	memcpy(&r.in[10], klv_block[0], 16);
	exc_arm();
	KL_RUN_CLOBBERING(&r,
			  "movq %[b], %%r8\n\tmovq $7, %%r9\n\t" EXC_TRY(
				  "aesdec256kl 0x40(%%r8,%%r9,2), %%xmm10"),
			  , ("r8", "r9"), [b] "r"(h2 - 0x40 - 2 * 7));
	vec = exc_result(NULL);
	check_single("mem-256-r8-base-r9-index", &r, KL_DEC256, 10, vec);

	/* RSP base: the handle pushed onto the stack. */
	{
		const u64 *q = (const u64 *)h;

		prep(&r, 3, 510);
		TRY_RUN(&r,
			"pushq 40(%[q])\n\tpushq 32(%[q])\n\tpushq 24(%[q])\n\tpushq 16(%[q])\n\t"
			"pushq 8(%[q])\n\tpushq 0(%[q])\n\t"
			"aesenc128kl (%%rsp), %%xmm3\n\tlea 48(%%rsp), %%rsp",
			, [q] "r"(q));
		/* EXC_TRY wraps the pushes; a fault would leave RSP off and be fatal anyway. */
		check_single("mem-rsp-base", &r, KL_ENC128, 3, vec);
	}
	/* RBP base. */
	prep(&r, 3, 511);
	TRY_RUN(&r,
		"pushq %%rbp\n\tmovq %[b], %%rbp\n\taesenc128kl 24(%%rbp), %%xmm3\n\tpopq %%rbp",
		, [b] "r"(h - 24));
	check_single("mem-rbp-base-disp8", &r, KL_ENC128, 3, vec);

	/* 32-bit addresses (67 prefix): RAX[63:32] ignored, and the sum wraps at 4 GiB. */
	prep(&r, 1, 512);
	TRY_RUN(&r, "aesenc128kl (%%eax), %%xmm1", , "a"(h | 0xdead00000000UL));
	check_single("mem-addr32-ignores-high-bits", &r, KL_ENC128, 1, vec);
	prep(&r, 1, 513);
	TRY_RUN(&r, "aesenc128kl 0x7ffffff0(%%eax), %%xmm1", , "a"((u64)(u32)(h + 0x80000010UL)));
	check_single("mem-addr32-wraps-at-4g", &r, KL_ENC128, 1, vec);

	/* FS and GS overrides with bases written through the MSRs. */
	wrmsr(MSR_FS_BASE, h - 0x60);
	prep(&r, 2, 514);
	TRY_RUN(&r, "aesenc128kl %%fs:0x40(%[b]), %%xmm2", , [b] "r"(0x20UL));
	check_single("mem-fs-override", &r, KL_ENC128, 2, vec);
	wrmsr(MSR_GS_BASE, h + 0x1000);
	prep(&r, 11, 515);
	TRY_RUN(&r, "aesenc128kl %%gs:-0x1000(%[b]), %%xmm11", , [b] "r"(0UL));
	check_single("mem-gs-override", &r, KL_ENC128, 11, vec);
	wrmsr(MSR_FS_BASE, h2);
	kl_init_for(&r, KL_ENCWIDE256, 516, KL_FLAGS);
	TRY_RUN(&r, "aesencwide256kl %%fs:(%[b])", , [b] "r"(0UL));
	report(vec < 0 && kl_flags_are(&r, false) && kl_result_ok(&r, KL_ENCWIDE256, KEY),
	       "mem-fs-override-wide", "vector %d, RFLAGS %#lx, result %s", vec, r.flags_out,
	       kl_result_ok(&r, KL_ENCWIDE256, KEY) ? "right" : "wrong");
	/* A DS override changes nothing in 64-bit mode, with FS's base still set. */
	prep(&r, 3, 517);
	TRY_RUN(&r, "aesenc128kl %%ds:(%[b]), %%xmm3", , [b] "r"(h));
	check_single("mem-ds-override-base-0", &r, KL_ENC128, 3, vec);
	wrmsr(MSR_FS_BASE, 0);
	wrmsr(MSR_GS_BASE, 0);

	kl_init_for(&r, KL_DECWIDE128, 518, KL_FLAGS);
	TRY_RUN(&r, "aesdecwide128kl klf_rip_handle(%%rip)", , "r"(0));
	report(vec < 0 && kl_flags_are(&r, false) && kl_result_ok(&r, KL_DECWIDE128, KEY),
	       "mem-rip-relative-wide", "vector %d, RFLAGS %#lx, result %s", vec, r.flags_out,
	       kl_result_ok(&r, KL_DECWIDE128, KEY) ? "right" : "wrong");

	/* REX.R does not extend ModRM.reg when it is an opcode extension (/0). */
	kl_init_for(&r, KL_ENCWIDE128, 519, KL_FLAGS);
	TRY_RUN(&r, ".byte 0xf3, 0x44, 0x0f, 0x38, 0xd8, 0x07", , "D"(h));
	report(vec < 0 && kl_flags_are(&r, false) && kl_result_ok(&r, KL_ENCWIDE128, KEY),
	       "wide-rex-r-ignored", "F3 44 0F 38 D8 07: vector %d, RFLAGS %#lx, result %s", vec,
	       r.flags_out, kl_result_ok(&r, KL_ENCWIDE128, KEY) ? "right" : "wrong");

	/* Unaligned and page-crossing handles. */
	{
		static const unsigned offs[] = { 1, 7, 13, 33 };
		bool ok = true;

		for (unsigned i = 0; i < ARRAY_SIZE(offs) && ok; i++) {
			memcpy(buf + offs[i], (void *)h2, 64);
			ok = kl_works(KL_ENC256, buf + offs[i], KEY, 520 + i, why, sizeof(why)) &&
			     kl_works(KL_DECWIDE256, buf + offs[i], KEY, 530 + i, why, sizeof(why));
		}
		report(ok, "mem-unaligned", "%s", why);
	}
	memcpy(buf + PAGE_SIZE - 20, (void *)h, 48);
	report(kl_works(KL_DEC128, buf + PAGE_SIZE - 20, KEY, 540, why, sizeof(why)) &&
		       kl_works(KL_ENCWIDE128, buf + PAGE_SIZE - 20, KEY, 541, why, sizeof(why)),
	       "mem-page-crossing", "%s", why);
}

/* ---- Key change ---- */

static bool all_forms(int w, int k, bool work, char *out, size_t n)
{
	for (int op = 0; op < KL_NR_OPS; op++) {
		const u8 *h = kl_vec_handle(op, w, k, 0);

		if (work ? !kl_works(op, h, k, 600 + op, out, n) :
			   !kl_refuses(op, h, 610 + op, out, n))
			return false;
	}
	return true;
}

static void check_key_change(void)
{
	kl_load(1);
	report(all_forms(1, KEY, true, why, sizeof(why)), "key1-handles-work", "%s", why);
	kl_load(2);
	report(all_forms(1, KEY, false, why, sizeof(why)), "key-change-invalidates-old-handles",
	       "%s", why);
	report(all_forms(2, KEY, true, why, sizeof(why)), "key-change-new-handles-work", "%s", why);
	kl_load(1);
	report(all_forms(1, KEY, true, why, sizeof(why)), "key-reload-revives-old-handles", "%s",
	       why);
	report(all_forms(2, KEY, false, why, sizeof(why)), "key-reload-invalidates-other-handles",
	       "%s", why);
	/* The zero IWKey is a key like any other. */
	kl_load(0);
	report(all_forms(1, 2, false, why, sizeof(why)) && all_forms(0, 2, true, why, sizeof(why)),
	       "key-zero-iwkey-distinct", "%s", why);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!report(cpuid_count(7, 0).c & CPUID7_ECX_KL, "cpuid-kl", "CPUID.7.0:ECX[23] clear"))
		return 0;
	kl_set_cr4(true);
	for (int w = 0; w < KLV_NR_IWKEYS; w++)
		check_vectors(w);
	kl_load(1);
	check_src_reserved();
	check_loadiwkey_regs();
	check_destinations();
	check_memory_forms();
	check_key_change();
	return 0;
}
