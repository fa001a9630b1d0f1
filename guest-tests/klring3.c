// SPDX-License-Identifier: MIT
/*
 * Guest test: Key Locker at CPL 3 (run_in_ring3(), guest-tests/lib/user.c).
 *
 *  - LOADIWKEY at CPL 3 raises #GP(0) and leaves the IWKey alone.
 *  - ENCODEKEY at CPL 3 works: the same handles as in ring 0.
 *  - The handle restrictions, all eight SRC values with every form in
 *    ring 0 and ring 3: CPL0-only fails at CPL 3 and works at CPL 0,
 *    no-encrypt fails the encrypt forms and leaves decryption working,
 *    no-decrypt the reverse.  A refused handle sets ZF and changes no
 *    register.
 *  - A handle fault at CPL 3: #PF with the U bit in the error code, for a
 *    page that is not present and for a supervisor page.
 *  - AESENC128KL at CPL 3 with CR4.SMEP set, from the only user page of
 *    code: klvisor must fetch it as the user-mode fetch it is (issue 8,
 *    item 6; e6e6724 walked it as a supervisor fetch, which SMEP refuses,
 *    and the guest got #UD).
 */
#include "guest.h"
#include "klcheck.h"

#define IW  1
#define KEY 1

static const char *const src_names[8] = {
	"none",
	"cpl0",
	"no-encrypt",
	"cpl0-no-encrypt",
	"no-decrypt",
	"cpl0-no-decrypt",
	"no-encrypt-no-decrypt",
	"all",
};

/* ---- LOADIWKEY ---- */

struct lw_result {
	struct exc_info info;
	int vec;
};

static long r3_loadiwkey(void *arg)
{
	struct lw_result *res = arg;
	const struct klv_iw *w = &klv_iwkey[2];

	exc_arm();
	asm volatile("movdqu %0, %%xmm0\n\tmovdqu %1, %%xmm1\n\tmovdqu %2, %%xmm2\n\t" EXC_TRY(
			     "loadiwkey %%xmm1, %%xmm2")
		     :
		     : "m"(*(const struct xmm *)w->integrity),
		       "m"(*(const struct xmm *)w->encryption),
		       "m"(*(const struct xmm *)(w->encryption + 16)), "a"(0)
		     : "xmm0", "xmm1", "xmm2", "cc", "memory");
	res->vec = exc_result(&res->info);
	return current_cpl();
}

static void test_loadiwkey(void)
{
	struct lw_result res;
	long cpl = run_in_ring3(r3_loadiwkey, &res);

	report(cpl == 3, "ring3-entered", "ran at CPL %ld", cpl);
	report(res.vec == GP_VECTOR && res.info.error_code == 0, "loadiwkey-cpl3-gp",
	       "vector %d error %#x", res.vec, res.info.error_code);
	report(kl_handle_is(IW, KEY, 0), "loadiwkey-cpl3-leaves-key", "the IWKey changed");
	report(current_cpl() == 0, "ring0-again", "CPL %u after run_in_ring3", current_cpl());
}

/* ---- ENCODEKEY ---- */

static long r3_encodekey(void *arg)
{
	int *bad = arg;

	*bad = -1;
	for (int src = 0; src < 8 && *bad < 0; src++) {
		u8 h[64];

		if (kl_encodekey128(klv_key128[KEY], src, h) ||
		    memcmp(h, klv_handle128[IW][KEY][src], 48) ||
		    kl_encodekey256(klv_key256[KEY], src, h) ||
		    memcmp(h, klv_handle256[IW][KEY][src], 64))
			*bad = src;
	}
	return current_cpl();
}

static void test_encodekey(void)
{
	int bad;
	long cpl = run_in_ring3(r3_encodekey, &bad);

	report(cpl == 3 && bad < 0, "encodekey-cpl3-src0-7",
	       "CPL %ld, SRC %d: wrong handle or DEST", cpl, bad);
}

/* ---- Restrictions ---- */

struct matrix {
	bool ring3;
	bool ok[8][KL_NR_OPS];
	char why[8][100];
};

static bool allowed(int src, int op, bool ring3)
{
	if ((src & 1) && ring3)
		return false;
	return kl_op_decrypt(op) ? !(src & 4) : !(src & 2);
}

static long run_matrix(void *arg)
{
	struct matrix *m = arg;

	for (int src = 0; src < 8; src++) {
		m->why[src][0] = '\0';
		for (int op = 0; op < KL_NR_OPS; op++) {
			const u8 *h = kl_vec_handle(op, IW, KEY, src);
			char why[100];
			u32 seed = 700 + 8 * src + op;

			m->ok[src][op] = allowed(src, op, m->ring3) ?
						 kl_works(op, h, KEY, seed, why, sizeof(why)) :
						 kl_refuses(op, h, seed, why, sizeof(why));
			if (!m->ok[src][op] && !m->why[src][0])
				memcpy(m->why[src], why, sizeof(why));
		}
	}
	return current_cpl();
}

static void test_restrictions(void)
{
	static struct matrix m;
	char name[64];

	for (int ring = 0; ring <= 3; ring += 3) {
		long cpl;

		m.ring3 = ring == 3;
		cpl = ring ? run_in_ring3(run_matrix, &m) : run_matrix(&m);
		for (int src = 0; src < 8; src++) {
			bool ok = cpl == ring;

			for (int op = 0; op < KL_NR_OPS; op++)
				ok &= m.ok[src][op];
			snprintf(name, sizeof(name), "restrict-src%d-%s-ring%d", src,
				 src_names[src], ring);
			report(ok, name, "CPL %ld: %s", cpl, m.why[src]);
		}
	}
}

/* ---- #PF at CPL 3 ---- */

static u8 area[2 * PAGE_SIZE] __aligned(PAGE_SIZE);

struct pf_case {
	const void *handle;
	int op;
	int vec;
	struct exc_info info;
	bool regs_kept;
};

static long r3_fault(void *arg)
{
	struct pf_case *c = arg;
	struct kl_regs r;

	kl_init_for(&r, c->op, 800 + c->op, KL_FLAGS);
	c->vec = kl_run_form(c->op, c->handle, &r, &c->info);
	c->regs_kept = kl_regs_changed(&r, 0, 15) < 0;
	return current_cpl();
}

static bool pf_case(int op, const void *handle, u32 err, char *why, size_t n)
{
	struct pf_case c = { .handle = handle, .op = op };
	long cpl = run_in_ring3(r3_fault, &c);

	if (cpl == 3 && c.vec == PF_VECTOR && c.info.error_code == err &&
	    c.info.cr2 == (u64)handle && c.regs_kept)
		return true;
	snprintf(why, n, "%s: CPL %ld vector %d error %#x CR2 %#lx (want %#x at %p)",
		 kl_op_names[op], cpl, c.vec, c.info.error_code, c.info.cr2, err, handle);
	return false;
}

static void test_user_faults(void)
{
	u8 *p0 = area, *p1 = area + PAGE_SIZE;
	u64 *pte0, *pte1, old0, old1;
	char why[120] = "";
	bool ok = true;

	user_init(); /* the image becomes user-accessible first */
	pte0 = pt_split_4k(p0);
	pte1 = pt_split_4k(p1);
	old0 = *pte0;
	old1 = *pte1;
	memcpy(p0, klv_handle256[IW][KEY][0], 64);
	memcpy(p1, klv_handle256[IW][KEY][0], 64);
	report(kl_works(KL_ENC256, p0, KEY, 850, why, sizeof(why)), "supervisor-page-ring0-works",
	       "%s", why);

	*pte0 &= ~PTE_U; /* present, supervisor */
	*pte1 &= ~PTE_P; /* not present */
	invlpg(p0);
	invlpg(p1);
	for (int op = 0; op < KL_NR_OPS && ok; op++)
		ok = pf_case(op, p1, PFERR_USER, why, sizeof(why));
	report(ok, "handle-not-present-cpl3-pf", "%s", why);
	ok = true;
	for (int op = 0; op < KL_NR_OPS && ok; op++)
		ok = pf_case(op, p0, PFERR_USER | PFERR_PRESENT, why, sizeof(why));
	report(ok, "handle-supervisor-page-cpl3-pf", "%s", why);
	report(kl_works(KL_ENC256, p0, KEY, 851, why, sizeof(why)),
	       "supervisor-page-ring0-still-works", "%s", why);
	*pte0 = old0;
	*pte1 = old1;
	invlpg(p0);
	invlpg(p1);
}

/* ---- CPL 3 under SMEP ---- */

struct smep_case {
	u8 blk[16];
	u8 handle[48];
	u8 zf;
} __aligned(16);

static struct smep_case smep_arg;

/*
 * On a page of its own, the only code page left user-accessible: RDI =
 * &smep_arg.  It touches nothing of the library (whose code is then
 * supervisor-only) and returns through INT 0x80.
 */
extern const char smep_stub[], smep_stub_try[], smep_stub_fix[], smep_stub_end[];
asm(".pushsection .text\n"
    ".balign 4096\n"
    "smep_stub:\n\t"
    "movdqu (%rdi), %xmm3\n"
    "smep_stub_try:\n\t"
    "aesenc128kl 16(%rdi), %xmm3\n\t"
    "setz 64(%rdi)\n\t"
    "movdqu %xmm3, (%rdi)\n"
    "smep_stub_fix:\n\t"
    "int $0x80\n\t"
    "ud2\n\t"
    ".balign 4096\n"
    "smep_stub_end:\n\t"
    ".pushsection .exc_fixup, \"a\"\n\t"
    ".balign 8\n\t"
    ".quad smep_stub_try, smep_stub_fix\n\t"
    ".popsection\n"
    ".popsection");

extern const char __image_start[], __text_end[];

static void test_smep(void)
{
	u64 cr4 = read_cr4(), text = (u64)__image_start, stub = (u64)smep_stub;
	u64 stub_end = (u64)smep_stub_end,
	    text_end = ((u64)__text_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	struct exc_info info;
	int vec;

	if (!(cpuid_count(7, 0).b & BIT(7))) {
		skip("aesenc128kl-cpl3-under-smep", "no SMEP");
		return;
	}
	user_init();
	for (u64 va = text; va < text_end; va += LPAGE_SIZE)
		pt_split_4k((const void *)va);
	pt_set_user(text, stub - text, false); /* kernel code: supervisor-only */
	pt_set_user(stub_end, text_end - stub_end, false);
	memcpy(smep_arg.blk, klv_block[0], 16);
	memcpy(smep_arg.handle, klv_handle128[IW][KEY][0], 48);
	smep_arg.zf = 0xff;
	write_cr4(cr4 | BIT(20)); /* SMEP */
	exc_arm();
	run_in_ring3_at(stub, &smep_arg);
	vec = exc_result(&info);
	write_cr4(cr4);
	pt_set_user(text, text_end - text, true);
	report(vec < 0 && smep_arg.zf == 0 && !memcmp(smep_arg.blk, klv_enc128[KEY][0], 16),
	       "aesenc128kl-cpl3-under-smep", "%s, ZF %u", vec < 0 ? "no exception" : exc_name(vec),
	       smep_arg.zf);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!report(cpuid_count(7, 0).c & CPUID7_ECX_KL, "cpuid-kl", "CPUID.7.0:ECX[23] clear"))
		return 0;
	kl_set_cr4(true);
	kl_load(IW);
	test_loadiwkey();
	test_encodekey();
	test_restrictions();
	test_user_faults();
	test_smep();
	return 0;
}
