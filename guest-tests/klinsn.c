// SPDX-License-Identifier: MIT
/*
 * Guest test: Key Locker instruction semantics other than the AES results
 * themselves (klforms.c has those): #UD, #NM, #GP and #PF conditions,
 * CPUID.19H, RFLAGS, ENCODEKEY's DEST and the registers it writes.
 *
 *   klinsn      (kl=on)  everything below
 *   klinsn off  (kl=off) no Key Locker: CPUID.7.0:ECX[23] clear, CR4.KL
 *                        raises #GP, all eleven instructions #UD
 *
 * Instructions the assembler would refuse are written as .byte; their
 * memory operand is always [RDI], which points at a valid handle, so a
 * form klvisor wrongly executed would succeed instead of faulting.
 */
#include "guest.h"
#include "klcheck.h"

#define IW	   1 /* the IWKey loaded for most tests (not the all-zero one) */
#define KEY	   1 /* FIPS-197 key */
#define CR0_TS_BIT BIT(3)
#define CR0_EM_BIT BIT(2)

static u8 h128[48] __aligned(64), h256[64] __aligned(64);
static u8 h128pad[64] __aligned(64); /* h128 and 16 zero bytes: readable as a 512-bit handle */

static const struct klv_iw *iw(int w)
{
	return &klv_iwkey[w];
}

#define load kl_load

/* ---- One instruction with a recovery point ---- */

#define XMM07 "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7"

/* The eleven instructions in their usual forms: RDI = handle, ESI = 0. */
#define KL_INSNS(X)                                   \
	X(loadiwkey, "loadiwkey %%xmm1, %%xmm2")      \
	X(encodekey128, "encodekey128 %%esi, %%eax")  \
	X(encodekey256, "encodekey256 %%esi, %%eax")  \
	X(aesenc128kl, "aesenc128kl (%%rdi), %%xmm3") \
	X(aesdec128kl, "aesdec128kl (%%rdi), %%xmm3") \
	X(aesenc256kl, "aesenc256kl (%%rdi), %%xmm3") \
	X(aesdec256kl, "aesdec256kl (%%rdi), %%xmm3") \
	X(aesencwide128kl, "aesencwide128kl (%%rdi)") \
	X(aesdecwide128kl, "aesdecwide128kl (%%rdi)") \
	X(aesencwide256kl, "aesencwide256kl (%%rdi)") \
	X(aesdecwide256kl, "aesdecwide256kl (%%rdi)")

/* Invalid forms: each must raise #UD even with CR4.KL set and a key loaded. */
#define BAD_FORMS(X)                                                              \
	X("lock-loadiwkey", ".byte 0xf0, 0xf3, 0x0f, 0x38, 0xdc, 0xd1")           \
	X("lock-aesenc128kl", ".byte 0xf0, 0xf3, 0x0f, 0x38, 0xdc, 0x1f")         \
	X("lock-aesdec256kl", ".byte 0xf0, 0xf3, 0x0f, 0x38, 0xdf, 0x1f")         \
	X("lock-encodekey128", ".byte 0xf0, 0xf3, 0x0f, 0x38, 0xfa, 0xc6")        \
	X("lock-encodekey256", ".byte 0xf0, 0xf3, 0x0f, 0x38, 0xfb, 0xc6")        \
	X("lock-aesencwide128kl", ".byte 0xf0, 0xf3, 0x0f, 0x38, 0xd8, 0x07")     \
	X("aesdec128kl-reg-operand", ".byte 0xf3, 0x0f, 0x38, 0xdd, 0xd1")        \
	X("aesenc256kl-reg-operand", ".byte 0xf3, 0x0f, 0x38, 0xde, 0xd1")        \
	X("aesdec256kl-reg-operand", ".byte 0xf3, 0x0f, 0x38, 0xdf, 0xd1")        \
	X("encodekey128-mem-operand", ".byte 0xf3, 0x0f, 0x38, 0xfa, 0x07")       \
	X("encodekey256-mem-operand", ".byte 0xf3, 0x0f, 0x38, 0xfb, 0x07")       \
	X("aeswide-reg-operand", ".byte 0xf3, 0x0f, 0x38, 0xd8, 0xc0")            \
	X("aeswide-modrm-reg4", ".byte 0xf3, 0x0f, 0x38, 0xd8, 0x27")             \
	X("aeswide-modrm-reg5", ".byte 0xf3, 0x0f, 0x38, 0xd8, 0x2f")             \
	X("aeswide-modrm-reg6", ".byte 0xf3, 0x0f, 0x38, 0xd8, 0x37")             \
	X("aeswide-modrm-reg7", ".byte 0xf3, 0x0f, 0x38, 0xd8, 0x3f")             \
	X("aeswide-modrm-reg4-rex-r", ".byte 0xf3, 0x44, 0x0f, 0x38, 0xd8, 0x27") \
	X("p66-aesencwide128kl", ".byte 0x66, 0x0f, 0x38, 0xd8, 0x07")            \
	X("p66-encodekey128", ".byte 0x66, 0x0f, 0x38, 0xfa, 0xc6")               \
	X("p66-encodekey256", ".byte 0x66, 0x0f, 0x38, 0xfb, 0xc6")               \
	X("f2-aesenc128kl", ".byte 0xf2, 0x0f, 0x38, 0xdc, 0x1f")                 \
	X("f2-loadiwkey", ".byte 0xf2, 0x0f, 0x38, 0xdc, 0xd1")                   \
	X("f2-aesencwide128kl", ".byte 0xf2, 0x0f, 0x38, 0xd8, 0x07")

struct insn_try {
	const char *name;
	int (*fn)(struct exc_info *info);
};

#define TRY_FN(id, insn)                               \
	static int ud_##id(struct exc_info *info)      \
	{                                              \
		u64 a = 0, s = 0;                      \
		exc_arm();                             \
		asm volatile(EXC_TRY(insn)             \
			     : "+a"(a), "+S"(s)        \
			     : "D"(h128)               \
			     : XMM07, "cc", "memory"); \
		return exc_result(info);               \
	}
#define TABLE_ENTRY(id, insn) { #id, ud_##id },

KL_INSNS(TRY_FN)
static const struct insn_try kl_insns[] = { KL_INSNS(TABLE_ENTRY) };

static void test_ud_cr4_clear(const char *prefix);

/* ---- kl=off ---- */

static void test_no_kl(void)
{
	struct cpuid c7 = cpuid_count(7, 0), c19 = cpuid_count(0x19, 0);
	u64 cr4 = read_cr4();
	struct exc_info info;
	int vec;

	report(!(c7.c & CPUID7_ECX_KL), "off-cpuid-kl-clear", "CPUID.7.0:ECX = %#x", c7.c);
	report(cpuid(0).a < 0x19 || !(c19.b & CPUID19_EBX_AESKLE), "off-cpuid19-no-aeskle",
	       "CPUID.19H:EBX = %#x", c19.b);
	exc_arm();
	asm volatile(EXC_TRY("mov %0, %%cr4") : : "r"(cr4 | CR4_KL) : "memory");
	vec = exc_result(&info);
	report(vec == GP_VECTOR && info.error_code == 0 && !(read_cr4() & CR4_KL), "off-cr4-kl-gp",
	       "vector %d error %#x, CR4 now %#lx", vec, info.error_code, read_cr4());
	test_ud_cr4_clear("off");
}

/* ---- #UD with CR4.KL clear ---- */

static void test_ud_cr4_clear(const char *prefix)
{
	struct exc_info info;
	char name[64];

	for (unsigned i = 0; i < ARRAY_SIZE(kl_insns); i++) {
		int vec = kl_insns[i].fn(&info);

		snprintf(name, sizeof(name), "%s-%s-ud", prefix, kl_insns[i].name);
		report(vec == UD_VECTOR, name, "vector %d", vec);
	}
}

/* ---- Invalid forms ---- */

#define BAD_TRY(id, insn)                                                            \
	{                                                                            \
		u64 a = 0, s = 0;                                                    \
		exc_arm();                                                           \
		asm volatile(EXC_TRY(insn)                                           \
			     : "+a"(a), "+S"(s)                                      \
			     : "D"(h128)                                             \
			     : XMM07, "cc", "memory");                               \
		vec = exc_result(&info);                                             \
		report(vec == UD_VECTOR, "ud-" id, "vector %d (expected #UD)", vec); \
	}

static void test_bad_forms(void)
{
	struct exc_info info;
	int vec;

	BAD_FORMS(BAD_TRY)
}

/*
 * 66 0F 38 DC-DF are AES-NI's AESENC, AESENCLAST, AESDEC, AESDECLAST: with
 * 66 instead of F3 the bytes are not Key Locker.  They must #UD without
 * AES-NI and otherwise run as AES-NI, which writes no flags.
 */
static void test_66_is_aesni(void)
{
	bool aesni = cpuid(1).c & BIT(25);
	struct kl_regs r;
	struct exc_info info;
	int vec;

	kl_regs_init(&r, 0x66, KL_FLAGS);
	memcpy(&r.in[3], klv_block[0], 16);
	exc_arm();
	KL_RUN(&r, EXC_TRY(".byte 0x66, 0x0f, 0x38, 0xdc, 0x1f"), , "D"(h128));
	vec = exc_result(&info);
	if (!aesni) {
		report(vec == UD_VECTOR, "p66-dc-not-keylocker", "no AES-NI, vector %d", vec);
		return;
	}
	report(vec < 0 && r.flags_out == r.flags_in && kl_regs_changed(&r, 0, 15) == 3 &&
		       kl_regs_changed(&r, 4, 15) < 0 && memcmp(&r.out[3], klv_enc128[KEY][0], 16),
	       "p66-dc-not-keylocker",
	       "vector %d, RFLAGS %#lx->%#lx, first change xmm%d (AESENC: xmm3 only, no flags)",
	       vec, r.flags_in, r.flags_out, kl_regs_changed(&r, 0, 15));
}

/* ---- CR0.EM, CR4.OSFXSR, CR0.TS ---- */

static int try_aesenc_with_cr0(u64 cr0)
{
	u64 old = read_cr0();

	exc_arm();
	asm volatile(
		"mov %[new], %%cr0\n\t" EXC_TRY("aesenc128kl (%[h]), %%xmm3") "\n\t"
									      "mov %[old], %%cr0"
		:
		: [new] "r"(cr0), [old] "r"(old), [h] "r"(h128)
		: "xmm3", "cc", "memory");
	return exc_result(NULL);
}

static int try_loadiwkey_with_cr0(u64 cr0)
{
	u64 old = read_cr0();

	exc_arm();
	asm volatile("mov %[new], %%cr0\n\t" EXC_TRY("loadiwkey %%xmm1, %%xmm2") "\n\t"
										 "mov %[old], %%cr0"
		     :
		     : [new] "r"(cr0), [old] "r"(old), "a"(0)
		     : "cc", "memory");
	return exc_result(NULL);
}

static int try_encodekey_with_cr4(u64 cr4)
{
	u64 old = read_cr4();
	u32 dest = 0;

	exc_arm();
	asm volatile(
		"mov %[new], %%cr4\n\t" EXC_TRY("encodekey128 %[src], %[dst]") "\n\t"
									       "mov %[old], %%cr4"
		: [dst] "+r"(dest)
		: [new] "r"(cr4), [old] "r"(old), [src] "r"(0)
		: "cc", "memory");
	return exc_result(NULL);
}

static int try_aesenc_with_cr4(u64 cr4)
{
	u64 old = read_cr4();

	exc_arm();
	asm volatile(
		"mov %[new], %%cr4\n\t" EXC_TRY("aesenc128kl (%[h]), %%xmm3") "\n\t"
									      "mov %[old], %%cr4"
		:
		: [new] "r"(cr4), [old] "r"(old), [h] "r"(h128)
		: "xmm3", "cc", "memory");
	return exc_result(NULL);
}

static void test_cr0_cr4_conditions(void)
{
	u64 cr0 = read_cr0(), cr4 = read_cr4();
	int a, b, c;

	a = try_aesenc_with_cr0(cr0 | CR0_EM_BIT);
	b = try_loadiwkey_with_cr0(cr0 | CR0_EM_BIT);
	report(a == UD_VECTOR && b == UD_VECTOR, "cr0-em-ud", "AESENC128KL vector %d, LOADIWKEY %d",
	       a, b);
	a = try_aesenc_with_cr4(cr4 & ~CR4_OSFXSR);
	c = try_encodekey_with_cr4(cr4 & ~CR4_OSFXSR);
	report(a == UD_VECTOR && c == UD_VECTOR, "cr4-osfxsr-clear-ud",
	       "AESENC128KL vector %d, ENCODEKEY128 %d", a, c);
	a = try_aesenc_with_cr0(cr0 | CR0_TS_BIT);
	b = try_loadiwkey_with_cr0(cr0 | CR0_TS_BIT);
	report(a == NM_VECTOR && b == NM_VECTOR, "cr0-ts-nm", "AESENC128KL vector %d, LOADIWKEY %d",
	       a, b);
	report(read_cr0() == cr0 && read_cr4() == cr4, "cr0-cr4-restored", "CR0 %#lx CR4 %#lx",
	       read_cr0(), read_cr4());
}

/* ---- CPUID.19H ---- */

static void test_cpuid19(void)
{
	struct cpuid c = cpuid_count(0x19, 0);

	printf("CPUID.19H: EAX %#x EBX %#x ECX %#x EDX %#x\n", c.a, c.b, c.c, c.d);
	report(cpuid(0).a >= 0x19, "cpuid-max-leaf-19", "CPUID.0:EAX = %#x", cpuid(0).a);
	report((c.a & 7) == 7, "cpuid19-eax-restrictions", "EAX = %#x (expected bits 2:0 = 7)",
	       c.a);
	report(c.b & CPUID19_EBX_AESKLE, "cpuid19-aeskle-with-cr4-kl", "EBX = %#x", c.b);
	report(c.b & CPUID19_EBX_WIDE, "cpuid19-wide", "EBX = %#x", c.b);
	report(!(c.c & ~1U), "cpuid19-ecx-keysource1-hidden",
	       "ECX = %#x (only bit 0, NoBackup, may be set)", c.c);
	report(!(c.b & CPUID19_EBX_BACKUP) == !(c.c & 1), "cpuid19-backup-and-nobackup-agree",
	       "EBX[4] = %u, ECX[0] = %u", (c.b >> 4) & 1, c.c & 1);
}

/* ---- LOADIWKEY #GP ---- */

static int try_loadiwkey(int w, u64 rax, struct exc_info *info)
{
	exc_arm();
	asm volatile("movdqu %1, %%xmm0\n\tmovdqu %2, %%xmm1\n\tmovdqu %3, %%xmm2\n\t" EXC_TRY(
			     "loadiwkey %%xmm1, %%xmm2")
		     : "+a"(rax)
		     : "m"(*(const struct xmm *)iw(w)->integrity),
		       "m"(*(const struct xmm *)iw(w)->encryption),
		       "m"(*(const struct xmm *)(iw(w)->encryption + 16))
		     : "xmm0", "xmm1", "xmm2", "cc", "memory");
	return exc_result(info);
}

static void test_loadiwkey_gp(void)
{
	struct cpuid c = cpuid_count(0x19, 0);
	struct exc_info info;
	char detail[96] = "";
	bool ok = true;
	int vec;

	load(IW);
	/* Each attempt would load IWKey 2 if it were (wrongly) accepted. */
	for (u32 ks = 2; ks <= 15 && ok; ks++) {
		vec = try_loadiwkey(2, ks << 1, &info);
		if (vec != GP_VECTOR || info.error_code) {
			ok = false;
			snprintf(detail, sizeof(detail), "KeySource %u: vector %d error %#x", ks,
				 vec, info.error_code);
		}
	}
	report(ok, "loadiwkey-keysource-2-15-gp", "%s", detail);
	ok = true;
	for (int bit = 5; bit < 32 && ok; bit++) {
		vec = try_loadiwkey(2, 1UL << bit, &info);
		if (vec != GP_VECTOR || info.error_code) {
			ok = false;
			snprintf(detail, sizeof(detail), "EAX bit %d: vector %d error %#x", bit,
				 vec, info.error_code);
		}
	}
	report(ok, "loadiwkey-eax-reserved-bits-gp", "%s", detail);
	report(kl_handle_is(IW, KEY, 0), "loadiwkey-gp-leaves-key",
	       "a refused LOADIWKEY changed the key");

	/* NoBackup (EAX[0]): #GP unless CPUID.19H:ECX[0]. */
	vec = try_loadiwkey(2, 1, &info);
	if (c.c & 1) {
		u8 h[48];
		u32 dest = kl_encodekey128(klv_key128[KEY], 0, h);

		report(vec < 0 && dest == 1 && !memcmp(h, klv_handle128[2][KEY][0], 48),
		       "loadiwkey-nobackup-as-enumerated",
		       "ECX[0] = 1: vector %d, ENCODEKEY DEST %u, handle %s", vec, dest,
		       memcmp(h, klv_handle128[2][KEY][0], 48) ? "wrong" : "right");
		load(IW);
	} else {
		report(vec == GP_VECTOR && info.error_code == 0 && kl_handle_is(IW, KEY, 0),
		       "loadiwkey-nobackup-as-enumerated", "ECX[0] = 0: vector %d error %#x", vec,
		       info.error_code);
	}
	/* KeySource 1 (EAX = 2): #GP unless CPUID.19H:ECX[1]. */
	vec = try_loadiwkey(2, 2, &info);
	if (c.c & 2) {
		u8 h[48];
		u32 dest = kl_encodekey128(klv_key128[KEY], 0, h);

		/* Random data XORed in: either refused (ZF) or a different key. */
		report(vec < 0 && (dest & ~1U) == 2, "loadiwkey-keysource1-as-enumerated",
		       "ECX[1] = 1: vector %d DEST %u", vec, dest);
		load(IW);
	} else {
		report(vec == GP_VECTOR && info.error_code == 0 && kl_handle_is(IW, KEY, 0),
		       "loadiwkey-keysource1-as-enumerated", "ECX[1] = 0: vector %d error %#x", vec,
		       info.error_code);
	}
	/* Only EAX counts: RAX[63:32] is not part of the operand. */
	vec = try_loadiwkey(2, 0xffffffff00000000UL, &info);
	report(vec < 0 && kl_handle_is(2, KEY, 0), "loadiwkey-ignores-rax-high",
	       "vector %d, key %s", vec, kl_handle_is(2, KEY, 0) ? "loaded" : "not loaded");
	load(IW);
}

/* ---- RFLAGS ---- */

static void test_loadiwkey_flags(void)
{
	struct kl_regs r;

	kl_regs_init(&r, 1, KL_FLAGS | RFLAGS_DF);
	memcpy(&r.in[0], iw(IW)->integrity, 16);
	memcpy(&r.in[1], iw(IW)->encryption, 16);
	memcpy(&r.in[2], iw(IW)->encryption + 16, 16);
	KL_RUN(&r, "loadiwkey %%xmm1, %%xmm2", , "a"(0));
	report(kl_flags_are(&r, false), "loadiwkey-flags-cleared", "RFLAGS %#lx -> %#lx",
	       r.flags_in, r.flags_out);
	report(kl_regs_changed(&r, 0, 15) < 0, "loadiwkey-writes-no-xmm", "xmm%d changed",
	       kl_regs_changed(&r, 0, 15));
	report(kl_handle_is(IW, KEY, 0), "loadiwkey-key-loaded", "wrong handle afterwards");
}

static void test_aes_flags(void)
{
	char name[64];

	for (int op = 0; op < KL_NR_OPS; op++) {
		const u8 *h = kl_op_256(op) ? h256 : h128;
		struct kl_regs r;
		int vec;

		kl_init_for(&r, op, 10 + op, KL_FLAGS | RFLAGS_DF);
		vec = kl_run_form(op, h, &r, NULL);
		snprintf(name, sizeof(name), "%s-success-flags", kl_op_names[op]);
		report(vec < 0 && kl_flags_are(&r, false) && kl_result_ok(&r, op, KEY), name,
		       "vector %d, RFLAGS %#lx -> %#lx, result %s", vec, r.flags_in, r.flags_out,
		       kl_result_ok(&r, op, KEY) ? "right" : "wrong");
	}
}

static void test_failure_flags(void)
{
	char name[64], why[128];
	u8 h[64];

	/* A handle for another IWKey: every form refuses it. */
	for (int op = 0; op < KL_NR_OPS; op++) {
		const u8 *other =
			kl_op_256(op) ? klv_handle256[2][KEY][0] : klv_handle128[2][KEY][0];

		snprintf(name, sizeof(name), "%s-failure-flags", kl_op_names[op]);
		report(kl_refuses(op, other, 20 + op, why, sizeof(why)), name, "%s", why);
	}

	/* Tampered handles. */
	memcpy(h, h128, 48);
	h[16] ^= 1; /* tag */
	report(kl_refuses(KL_ENC128, h, 30, why, sizeof(why)), "tampered-tag-refused", "%s", why);
	memcpy(h, h128, 48);
	h[47] ^= 0x80; /* ciphertext */
	report(kl_refuses(KL_DEC128, h, 31, why, sizeof(why)), "tampered-ciphertext-refused", "%s",
	       why);
	memcpy(h, h256, 64);
	h[63] ^= 0x01; /* ciphertext [255:128] */
	report(kl_refuses(KL_ENCWIDE256, h, 32, why, sizeof(why)), "tampered-ciphertext-hi-refused",
	       "%s", why);
	/* Reserved AAD bits: 3, 23, 28, 64, 127. */
	static const int aad_bits[] = { 3, 23, 28, 64, 127 };
	bool all = true;

	for (unsigned i = 0; i < ARRAY_SIZE(aad_bits) && all; i++) {
		memcpy(h, h128, 48);
		h[aad_bits[i] / 8] ^= 1 << (aad_bits[i] % 8);
		all = kl_refuses(KL_ENC128, h, 40 + i, why, sizeof(why));
		if (!all)
			snprintf(why + strlen(why), sizeof(why) - strlen(why), " (AAD bit %d)",
				 aad_bits[i]);
	}
	report(all, "aad-reserved-bits-refused", "%s", why);
	/* The key type must match the instruction. */
	report(kl_refuses(KL_ENC256, h128pad, 50, why, sizeof(why)) &&
		       kl_refuses(KL_ENCWIDE256, h128pad, 51, why, sizeof(why)),
	       "handle128-refused-by-256-forms", "%s", why);
	report(kl_refuses(KL_ENC128, h256, 52, why, sizeof(why)) &&
		       kl_refuses(KL_DECWIDE128, h256, 53, why, sizeof(why)),
	       "handle256-refused-by-128-forms", "%s", why);
}

/* ---- ENCODEKEY: DEST, the registers it writes and the ones it leaves ---- */

static bool zero16(const struct xmm *x)
{
	static const u8 z[16];

	return !memcmp(x, z, 16);
}

static void test_encodekey_regs(void)
{
	struct kl_regs r;
	int vec;

	{
		u64 dst;

		kl_regs_init(&r, 60, KL_FLAGS | RFLAGS_DF);
		memcpy(&r.in[0], klv_key128[KEY], 16);
		exc_arm();
		/* SRC R9 = 0xffffffff00000000: SRC[31:0] = 0; DEST R10 all ones before. */
		KL_RUN_CLOBBERING(&r,
				  "movq $0xffffffff00000000, %%r9\n\tmovq $-1, %%r10\n\t" EXC_TRY(
					  "encodekey128 %%r9d, %%r10d") "\n\tmovq %%r10, %[d]",
				  [d] "=&r"(dst), ("r9", "r10"));
		vec = exc_result(NULL);
		report(vec < 0, "encodekey128-src-is-32-bit",
		       "SRC R9 = 0xffffffff00000000: vector %d", vec);
		report(dst == 0, "encodekey128-dest-zero-extended", "R10 = %#lx (expected 0)", dst);
	}
	report(!memcmp(r.out, klv_handle128[IW][KEY][0], 48), "encodekey128-handle-xmm0-2",
	       "handle differs from the vectors");
	report(!memcmp(&r.out[3], &r.in[3], 16), "encodekey128-xmm3-untouched", "XMM3 changed");
	report(zero16(&r.out[4]) && zero16(&r.out[5]) && zero16(&r.out[6]),
	       "encodekey128-xmm4-6-zeroed", "not zero");
	report(kl_regs_changed(&r, 7, 15) < 0, "encodekey128-xmm7-15-untouched", "xmm%d changed",
	       kl_regs_changed(&r, 7, 15));
	report(kl_flags_are(&r, false), "encodekey128-flags-cleared", "RFLAGS %#lx -> %#lx",
	       r.flags_in, r.flags_out);

	{
		u64 dst = ~0UL;

		kl_regs_init(&r, 61, KL_FLAGS);
		memcpy(&r.in[0], klv_key256[KEY], 16);
		memcpy(&r.in[1], klv_key256[KEY] + 16, 16);
		KL_RUN(&r, "encodekey256 %%esi, %%eax", "+a"(dst), "S"(5UL));
		report(dst == 0, "encodekey256-dest-zero-extended", "RAX = %#lx (expected 0)", dst);
	}
	report(!memcmp(r.out, klv_handle256[IW][KEY][5], 64), "encodekey256-handle-xmm0-3",
	       "handle differs from the vectors (SRC 5)");
	report(zero16(&r.out[4]) && zero16(&r.out[5]) && zero16(&r.out[6]),
	       "encodekey256-xmm4-6-zeroed", "not zero");
	report(kl_regs_changed(&r, 7, 15) < 0, "encodekey256-xmm7-15-untouched", "xmm%d changed",
	       kl_regs_changed(&r, 7, 15));
	report(kl_flags_are(&r, false), "encodekey256-flags-cleared", "RFLAGS %#lx -> %#lx",
	       r.flags_in, r.flags_out);

	/* DEST with a high register, after a LOADIWKEY with EAX = 0: NoBackup 0, KeySource 0. */
	{
		u64 dst;

		kl_regs_init(&r, 62, 0);
		memcpy(&r.in[0], klv_key128[0], 16);
		KL_RUN_CLOBBERING(
			&r,
			"movq $0x5a5a5a5a5a5a5a5a, %%r15\n\tencodekey128 %%ecx, %%r15d\n\t"
			"movq %%r15, %[d]",
			[d] "=&r"(dst), ("r15"), "c"(7UL));
		report(dst == 0 && !memcmp(r.out, klv_handle128[IW][0][7], 48),
		       "encodekey128-dest-r15", "R15 = %#lx, handle %s", dst,
		       memcmp(r.out, klv_handle128[IW][0][7], 48) ? "wrong" : "right");
	}
}

/* ---- #PF, #GP and #SS on the handle ---- */

static u8 pf_area[3 * PAGE_SIZE] __aligned(PAGE_SIZE);

static bool pf_ok(int op, const void *handle, u64 cr2, u32 err, char *why, size_t n)
{
	struct kl_regs r;
	struct exc_info info;
	int vec;

	kl_init_for(&r, op, 70 + op, KL_FLAGS);
	vec = kl_run_form(op, handle, &r, &info);
	if (vec == PF_VECTOR && info.error_code == err && info.cr2 == cr2 &&
	    kl_regs_changed(&r, 0, 15) < 0)
		return true;
	snprintf(why, n,
		 "%s at %p: vector %d error %#x CR2 %#lx (expected #PF %#x at %#lx), xmm%d changed",
		 kl_op_names[op], handle, vec, info.error_code, info.cr2, err, cr2,
		 kl_regs_changed(&r, 0, 15));
	return false;
}

static bool fault_ok(int op, const void *handle, int want, char *why, size_t n)
{
	struct kl_regs r;
	struct exc_info info;
	int vec;

	kl_init_for(&r, op, 80 + op, 0);
	vec = kl_run_form(op, handle, &r, &info);
	if (vec == want && info.error_code == 0)
		return true;
	snprintf(why, n, "%s at %p: vector %d error %#x", kl_op_names[op], handle, vec,
		 info.error_code);
	return false;
}

static void test_faults(void)
{
	u8 *p1 = pf_area + PAGE_SIZE;
	u64 *pte = pt_split_4k(p1), old = *pte;
	char why[160] = "";
	bool ok = true;
	struct kl_regs r;
	int vec;

	memcpy(p1, h256, 64);
	*pte &= ~PTE_P;
	invlpg(p1);
	for (int op = 0; op < KL_NR_OPS && ok; op++)
		ok = pf_ok(op, p1, (u64)p1, 0, why, sizeof(why));
	report(ok, "handle-not-present-pf", "%s", why);
	/* Across the boundary: the first byte of the missing page is CR2. */
	memcpy(p1 - 16, h128, 16);
	report(pf_ok(KL_ENC128, p1 - 16, (u64)p1, 0, why, sizeof(why)) &&
		       pf_ok(KL_DECWIDE256, p1 - 40, (u64)p1, 0, why, sizeof(why)),
	       "handle-straddles-not-present-pf", "%s", why);
	/* Beyond the identity map (the first 4 GiB). */
	report(pf_ok(KL_DEC128, (void *)0x100000000UL, 0x100000000UL, 0, why, sizeof(why)) &&
		       pf_ok(KL_ENCWIDE128, (void *)0x7fffffffffc0UL, 0x7fffffffffc0UL, 0, why,
			     sizeof(why)),
	       "handle-unmapped-pf", "%s", why);
	*pte = old;
	invlpg(p1);
	memcpy(p1, h128, 48);
	kl_init_for(&r, KL_ENC128, 90, 0);
	vec = kl_run_form(KL_ENC128, p1, &r, NULL);
	report(vec < 0 && kl_result_ok(&r, KL_ENC128, KEY), "handle-page-present-again",
	       "vector %d", vec);

	/* Non-canonical: #GP(0), or #SS(0) through RSP. */
	report(fault_ok(KL_ENC128, (void *)0x0000800000000000UL, GP_VECTOR, why, sizeof(why)) &&
		       fault_ok(KL_ENCWIDE256, (void *)0xffff7fffffffffc0UL, GP_VECTOR, why,
				sizeof(why)) &&
		       fault_ok(KL_DEC256, (void *)0x00007fffffffffe0UL, GP_VECTOR, why,
				sizeof(why)),
	       "handle-noncanonical-gp", "%s", why);
	{
		struct exc_info info;
		u64 idx = 0x0000800000000000UL;

		exc_arm();
		asm volatile(EXC_TRY("aesenc128kl (%%rsp,%[i],1), %%xmm3")
			     :
			     : [i] "r"(idx)
			     : "xmm3", "cc", "memory");
		vec = exc_result(&info);
		report(vec == SS_VECTOR && info.error_code == 0, "handle-noncanonical-rsp-ss",
		       "vector %d error %#x", vec, info.error_code);
	}
}

/* ---- Single-step: the #DB trap comes right after the emulated instruction ---- */

u64 db_rip, db_count;
extern const char db_stub[];
asm(".pushsection .text\n"
    "db_stub:\n\t"
    "pushq %rax\n\t"
    "movq 8(%rsp), %rax\n\t"
    "movq %rax, db_rip(%rip)\n\t"
    "incq db_count(%rip)\n\t"
    "andq $~0x100, 24(%rsp)\n\t" /* TF off in the interrupted RFLAGS */
    "popq %rax\n\t"
    "iretq\n"
    ".popsection");

#define STEP(pre, insn, ...)                                                                \
	asm volatile(pre "pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\t" insn "\n"             \
			 "1:\tnop\n\tnop\n\tleaq 1b(%%rip), %[after]"                       \
		     : [after] "=r"(after)                                                  \
		     : __VA_ARGS__                                                          \
		     : "rdx", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "cc", \
		       "memory")

static void test_single_step(void)
{
	struct __packed {
		u16 limit;
		u64 base;
	} idtr;
	u8 *gate, saved[16];
	u64 stub = (u64)db_stub, after;
	u8 bad[48];
	char name[48];

	asm volatile("sidt %0" : "=m"(idtr));
	gate = (u8 *)idtr.base + 16 * DB_VECTOR;
	memcpy(saved, gate, 16);
	memset(gate, 0, 16);
	gate[0] = (u8)stub;
	gate[1] = (u8)(stub >> 8);
	gate[2] = GDT_CODE64;
	gate[5] = 0x8e;
	gate[6] = (u8)(stub >> 16);
	gate[7] = (u8)(stub >> 24);
	memcpy(gate + 8, (u8 *)&stub + 4, 4);

	memcpy(bad, h128, 48);
	bad[20] ^= 4;
	/* The harness itself, with an instruction the CPU runs. */
	WRITE_ONCE(db_count, 0);
	WRITE_ONCE(db_rip, 0);
	STEP("", "pxor %%xmm3, %%xmm3", "r"(0));
	report(READ_ONCE(db_count) == 1 && READ_ONCE(db_rip) == after, "single-step-control-pxor",
	       "%lu #DB, at %#lx (expected one at %#lx)", READ_ONCE(db_count), READ_ONCE(db_rip),
	       after);
	for (int i = 0; i < 4; i++) {
		static const char *const names[] = { "aesenc128kl", "aesenc128kl-refused",
						     "encodekey128", "loadiwkey" };

		WRITE_ONCE(db_count, 0);
		WRITE_ONCE(db_rip, 0);
		switch (i) {
		case 0:
			STEP("", "aesenc128kl (%[h]), %%xmm3", [h] "r"(h128));
			break;
		case 1:
			STEP("", "aesenc128kl (%[h]), %%xmm3", [h] "r"(bad));
			break;
		case 2:
			STEP("", "encodekey128 %%ecx, %%edx", "c"(0));
			break;
		default:
			STEP("movdqu %[i], %%xmm0\n\tmovdqu %[e0], %%xmm1\n\tmovdqu %[e1], %%xmm2\n\t",
			     "loadiwkey %%xmm1, %%xmm2",
			     [i] "m"(*(const struct xmm *)iw(IW)->integrity),
			     [e0] "m"(*(const struct xmm *)iw(IW)->encryption),
			     [e1] "m"(*(const struct xmm *)(iw(IW)->encryption + 16)), "a"(0));
			break;
		}
		snprintf(name, sizeof(name), "single-step-%s", names[i]);
		report(READ_ONCE(db_count) == 1 && READ_ONCE(db_rip) == after, name,
		       "%lu #DB, at %#lx; expected one at %#lx, right after the instruction",
		       READ_ONCE(db_count), READ_ONCE(db_rip), after);
	}
	memcpy(gate, saved, 16);
	load(IW);
}

/* ---- A REX prefix before F3 is ignored (it must come right before 0F) ---- */

static void test_rex_before_prefix(void)
{
	struct kl_regs r;
	int vec;

	kl_regs_init(&r, 100, 0);
	memcpy(&r.in[3], klv_block[0], 16);
	exc_arm();
	/* R15 = another IWKey's handle: what a wrongly applied REX.B would pick. */
	KL_RUN_CLOBBERING(
		&r, "movq %[o], %%r15\n\t" EXC_TRY(".byte 0x41, 0xf3, 0x0f, 0x38, 0xdc, 0x1f"), ,
		("r15"), "D"(h128), [o] "r"(klv_handle128[2][KEY][0]));
	vec = exc_result(NULL);
	report(vec < 0 && kl_flags_are(&r, false) && kl_result_ok(&r, KL_ENC128, KEY),
	       "rex-before-f3-ignored", "41 F3 0F 38 DC 1F: vector %d, RFLAGS %#lx, XMM3 %s", vec,
	       r.flags_out, kl_result_ok(&r, KL_ENC128, KEY) ? "right" : "wrong");
}

/* ---- CR4.KL off and on again ---- */

/*
 * The software backend caches unwrapped handles (vmm/kl/hcache.h).  A
 * cached handle must behave exactly as an uncached one: right results on
 * every use, a handle tampered with after it was cached refused, and a
 * key change (LOADIWKEY) refusing a handle cached under the old key.
 */
static void test_handle_cache(void)
{
	int other = IW == 1 ? 2 : 1;
	unsigned bad = 0, accepted = 0;
	u8 h[48], blk[16];

	load(IW);
	memcpy(h, klv_handle128[IW][KEY][0], 48);
	for (int i = 0; i < 8; i++) { /* the first use fills the cache, the rest hit */
		memcpy(blk, klv_block[i], 16);
		bad += kl_aes(KL_ENC128, h, blk) || memcmp(blk, klv_enc128[KEY][i], 16);
	}
	report(!bad, "cached-handle-results-right", "%u of 8 uses wrong", bad);
	for (int i = 0; i < 48; i++) { /* every byte, flipped after the handle is cached */
		h[i] ^= 0x40;
		memcpy(blk, klv_block[0], 16);
		accepted += !kl_aes(KL_ENC128, h, blk);
		h[i] ^= 0x40;
	}
	report(!accepted, "tampered-handle-after-cache-hit-refused",
	       "%u of 48 one-byte changes accepted", accepted);
	memcpy(blk, klv_block[0], 16);
	report(!kl_aes(KL_ENC128, h, blk) && !memcmp(blk, klv_enc128[KEY][0], 16),
	       "cached-handle-still-right-after-tampering", "the original handle stopped working");
	load(other); /* a new IWKey: the cached handle belongs to the old one */
	memcpy(blk, klv_block[0], 16);
	report(kl_aes(KL_ENC128, h, blk), "key-change-invalidates-cached-handle",
	       "a handle cached under IWKey %d was accepted under IWKey %d", IW, other);
	load(IW);
	memcpy(blk, klv_block[0], 16);
	report(!kl_aes(KL_ENC128, h, blk) && !memcmp(blk, klv_enc128[KEY][0], 16),
	       "handle-works-again-under-its-key", "refused or wrong after reloading IWKey %d", IW);
}

static void test_cr4_toggle(void)
{
	struct exc_info info;
	int bad = -1, vec = -1;

	kl_set_cr4(false);
	report(!(cpuid_count(0x19, 0).b & CPUID19_EBX_AESKLE), "aeskle-follows-cr4-kl-off",
	       "EBX = %#x", cpuid_count(0x19, 0).b);
	for (unsigned i = 0; i < ARRAY_SIZE(kl_insns) && bad < 0; i++) {
		vec = kl_insns[i].fn(&info);
		if (vec != UD_VECTOR)
			bad = (int)i;
	}
	report(bad < 0, "ud-after-cr4-kl-cleared", "%s raised vector %d",
	       bad < 0 ? "" : kl_insns[bad].name, vec);
	kl_set_cr4(true);
	report(kl_handle_is(IW, KEY, 0), "iwkey-survives-cr4-kl-toggle",
	       "the IWKey changed while CR4.KL was clear");
}

int main(int argc, char **argv)
{
	if (has_arg(argc, argv, "off")) {
		test_no_kl();
		return 0;
	}
	if (!report(cpuid_count(7, 0).c & CPUID7_ECX_KL, "cpuid-kl", "CPUID.7.0:ECX[23] clear"))
		return 0;
	memcpy(h128, klv_handle128[IW][KEY][0], 48);
	memcpy(h128pad, h128, 48);
	memcpy(h256, klv_handle256[IW][KEY][0], 64);

	report(!(cpuid_count(0x19, 0).b & CPUID19_EBX_AESKLE),
	       "cpuid19-aeskle-clear-without-cr4-kl", "EBX = %#x", cpuid_count(0x19, 0).b);
	test_ud_cr4_clear("cr4-kl-clear");
	kl_set_cr4(true);
	test_cpuid19();
	load(IW);
	report(kl_handle_is(IW, KEY, 0), "handle-matches-vectors", "ENCODEKEY128 handle differs");
	test_bad_forms();
	test_66_is_aesni();
	test_cr0_cr4_conditions();
	test_loadiwkey_gp();
	test_loadiwkey_flags();
	test_aes_flags();
	test_failure_flags();
	test_encodekey_regs();
	test_faults();
	test_single_step();
	test_rex_before_prefix();
	test_cr4_toggle();
	test_handle_cache();
	return 0;
}
