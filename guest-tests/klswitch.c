// SPDX-License-Identifier: MIT
/*
 * Guest test: IWKey switching between VMs that share a physical CPU (run
 * them with the same pin=).
 *
 *   klswitch iw=W other=O [target=N]
 *	Loads klv_iwkey[W] and loops, many time slices long, through three
 *	phases: XMM0-15 hold patterns while the vCPU spins until the CPU's
 *	Key Locker slot has been loaded by someone else (hypercall 5 changed,
 *	so another VM's key ran here in between); the same across the yield
 *	hypercall; then Key Locker work: its own handles (the vectors' for
 *	IWKey W) must keep working and ENCODEKEY keep reproducing them, and
 *	the handles of the VM running with IWKey O (the vectors' for IWKey O,
 *	which that VM checks it reproduces) must be refused.  Ends after N
 *	(default 100) holds of each kind across a key switch, or when no
 *	switch has happened for a long while (the other VM is gone).
 *
 *   klswitch fresh
 *	A freshly booted Key Locker VM that never runs LOADIWKEY: after the
 *	others have loaded their keys it sets CR4.KL; its random IWKey must
 *	refuse the handles of all four vector IWKeys (the all-zero one
 *	included) and produce handles of its own that keep working across
 *	switches.
 */
#include "guest.h"
#include "klcheck.h"

#define DEFAULT_TARGET 100
#define MIN_SWITCHES   20 /* fewer holds across a switch than this fail */
#define SPIN_TURNS     2000 /* loop turns between two polls of the slot count */
#define POLLS	       400 /* polls per hold before giving up on a switch */
#define IDLE_HOLDS     4 /* holds in a row without a switch: the others are gone */
#define MAX_ITER       20000

static char why[160];

/*
 * XMM0-15 from r->in, then the slot count (hypercall 5); spin, polling the
 * count every SPIN_TURNS turns, until it changes or @polls polls have
 * passed; XMM0-15 to r->out.  True if the count changed: another vCPU's
 * key was loaded on this CPU, and this one's again, while the registers
 * held the pattern.
 */
static bool hold_until_switch(struct kl_regs *r, u64 polls)
{
	u64 loads0, loads;

	asm volatile(KL_XMM_LOAD("%[kr]") "movl $5, %%eax\n\tvmcall\n\tmovq %%rax, %[l0]\n"
					  "1:\tmovl %[turns], %%ecx\n"
					  "2:\tdecl %%ecx\n\tjnz 2b\n\t"
					  "movl $5, %%eax\n\tvmcall\n\t"
					  "cmpq %[l0], %%rax\n\tjne 3f\n\t"
					  "decq %[n]\n\tjnz 1b\n"
					  "3:\t" KL_XMM_STORE("%[kr]")
		     : "=&a"(loads), [l0] "=&r"(loads0), [n] "+r"(polls)
		     : [kr] "r"(r), [turns] "i"(SPIN_TURNS)
		     : "rcx", "rdx", "rsi", "rdi", KL_XMM_CLOBBERS, "cc", "memory");
	return loads != loads0;
}

/* The same across @n yield hypercalls instead of the spin. */
static bool hold_across_yield(struct kl_regs *r, u64 n)
{
	u64 loads0, loads;

	asm volatile(KL_XMM_LOAD("%[kr]") "movl $5, %%eax\n\tvmcall\n\tmovq %%rax, %[l0]\n"
					  "1:\tmovl $3, %%eax\n\tvmcall\n\t"
					  "decq %[n]\n\tjnz 1b\n\t"
					  "movl $5, %%eax\n\tvmcall\n\t" KL_XMM_STORE("%[kr]")
		     : "=&a"(loads), [l0] "=&r"(loads0), [n] "+r"(n)
		     : [kr] "r"(r)
		     : "rdx", "rsi", "rdi", KL_XMM_CLOBBERS, "cc", "memory");
	return loads != loads0;
}

struct tally {
	unsigned count;
	char first[160];
};

static void note(struct tally *t, const char *fmt, ...) __printf(2, 3);
static void note(struct tally *t, const char *fmt, ...)
{
	va_list ap;

	if (!t->count++) {
		va_start(ap, fmt);
		vsnprintf(t->first, sizeof(t->first), fmt, ap);
		va_end(ap);
	}
}

static void check_xmm(struct tally *t, const struct kl_regs *r, unsigned iter, const char *what)
{
	int x = kl_regs_changed(r, 0, 15);

	if (x >= 0)
		note(t, "iter %u %s: xmm%d %02x%02x.. -> %02x%02x..", iter, what, x, r->in[x].b[0],
		     r->in[x].b[1], r->out[x].b[0], r->out[x].b[1]);
}

static const int work_ops[] = { KL_ENC128, KL_DEC128,	  KL_ENC256,
				KL_DEC256, KL_ENCWIDE128, KL_DECWIDE256 };

static void switching(int w, int other, unsigned target)
{
	struct tally xmm_hold = { 0 }, xmm_yield = { 0 }, own = { 0 }, enc = { 0 }, foreign = { 0 };
	unsigned hold_sw = 0, yield_sw = 0, idle = 0, iter;
	struct kl_regs r;
	long first;

	kl_set_cr4(true);
	kl_load(w);
	report(kl_handle_is(w, 0, 0) && kl_handle_is(w, 1, 0) && kl_handle_is(w, 2, 0),
	       "own-handles-match-vectors", "ENCODEKEY128 under IWKey %d differs", w);
	first = hc_kl_slot_loads();
	for (iter = 0;
	     iter < MAX_ITER && (hold_sw < target || yield_sw < target) && idle < IDLE_HOLDS;
	     iter++) {
		int k = iter % KLV_NR_KEYS;
		bool switched;

		/* Registers held while another VM's key goes in and out. */
		kl_regs_init(&r, 0x1000 * w + iter, 0);
		switched = hold_until_switch(&r, POLLS);
		check_xmm(&xmm_hold, &r, iter, "preemption");
		if (switched) {
			hold_sw++;
			idle = 0;
		} else {
			idle++;
		}
		/* ... and across the yield hypercall. */
		kl_regs_init(&r, 0x2000 * w + iter, 0);
		yield_sw += hold_across_yield(&r, 1);
		check_xmm(&xmm_yield, &r, iter, "yield");

		/* Key Locker work: own handles work, the other VM's are refused. */
		for (unsigned i = 0; i < ARRAY_SIZE(work_ops); i++) {
			int op = work_ops[i];

			if (!kl_works(op, kl_vec_handle(op, w, k, 0), k, iter, why, sizeof(why)))
				note(&own, "iter %u key %d %s", iter, k, why);
			if (!kl_refuses(op, kl_vec_handle(op, other, k, 0), iter, why, sizeof(why)))
				note(&foreign, "iter %u key %d %s", iter, k, why);
		}
		if (!kl_handle_is(w, k, iter & 7))
			note(&enc, "iteration %u: ENCODEKEY128 key %d SRC %u differs", iter, k,
			     iter & 7);
	}
	printf("%u iterations; holds across a key switch: %u preempted, %u yielding; slot loads "
	       "on this CPU %ld -> %ld\n",
	       iter, hold_sw, yield_sw, first, hc_kl_slot_loads());
	report(hold_sw >= MIN_SWITCHES, "key-switches-while-holding-xmm",
	       "only %u holds saw the slot reloaded (want %d)", hold_sw, MIN_SWITCHES);
	report(yield_sw >= MIN_SWITCHES, "key-switches-across-yield",
	       "only %u yields saw the slot reloaded (want %d)", yield_sw, MIN_SWITCHES);
	report(!xmm_hold.count, "xmm0-15-survive-key-switches", "%u bad, first %s", xmm_hold.count,
	       xmm_hold.first);
	report(!xmm_yield.count, "xmm0-15-survive-yield", "%u bad, first %s", xmm_yield.count,
	       xmm_yield.first);
	report(!own.count, "own-handles-keep-working", "%u bad, first %s", own.count, own.first);
	report(!enc.count, "encodekey-keeps-reproducing-vectors", "%u bad, first %s", enc.count,
	       enc.first);
	report(!foreign.count, "other-vm-handles-refused", "%u bad, first %s", foreign.count,
	       foreign.first);
}

static void fresh(void)
{
	struct tally refused[KLV_NR_IWKEYS] = { 0 }, own = { 0 }, xmm = { 0 };
	unsigned switches = 0;
	u8 h128[48], h256[64];
	u32 d1, d2;
	char name[48];

	/* Let the others load their keys into this CPU's slot first. */
	for (int i = 0; i < 20; i++)
		hc_yield();
	kl_set_cr4(true);
	d1 = kl_encodekey128(klv_key128[1], 0, h128);
	d2 = kl_encodekey256(klv_key256[1], 0, h256);
	report(d1 == 0 && d2 == 0, "fresh-encodekey-dest-0", "DEST %u and %u", d1, d2);
	{
		int same = -1;

		for (int w = 0; w < KLV_NR_IWKEYS; w++)
			if (!memcmp(h128, klv_handle128[w][1][0], 48) ||
			    !memcmp(h256, klv_handle256[w][1][0], 64))
				same = w;
		report(same < 0, "fresh-iwkey-none-of-the-vectors",
		       "the fresh VM's handles are those of IWKey %d", same);
	}
	for (unsigned round = 0; round < 40; round++) {
		struct kl_regs r;
		u8 h[64];
		bool switched;

		for (int w = 0; w < KLV_NR_IWKEYS; w++)
			for (int k = 0; k < KLV_NR_KEYS; k++)
				for (unsigned i = 0; i < ARRAY_SIZE(work_ops); i++) {
					int op = work_ops[i];

					if (!kl_refuses(op, kl_vec_handle(op, w, k, 0), round, why,
							sizeof(why)))
						note(&refused[w], "round %u key %d %s", round, k,
						     why);
				}
		if (!kl_works(KL_ENC128, h128, 1, round, why, sizeof(why)) ||
		    !kl_works(KL_DECWIDE256, h256, 1, round, why, sizeof(why)))
			note(&own, "round %u: %s", round, why);
		kl_encodekey128(klv_key128[1], 0, h);
		if (memcmp(h, h128, 48))
			note(&own, "round %u: ENCODEKEY128 gave another handle", round);
		kl_regs_init(&r, 0x3000 + round, 0);
		switched = hold_until_switch(&r, POLLS);
		check_xmm(&xmm, &r, round, "preemption");
		switches += switched;
	}
	for (int w = 0; w < KLV_NR_IWKEYS; w++) {
		snprintf(name, sizeof(name), "fresh-refuses-iwkey%d-handles", w);
		report(!refused[w].count, name, "%u accepted, first %s", refused[w].count,
		       refused[w].first);
	}
	report(!own.count, "fresh-own-handles-stable", "%u bad, first %s", own.count, own.first);
	report(!xmm.count, "fresh-xmm0-15-survive-key-switches", "%u bad, first %s", xmm.count,
	       xmm.first);
	printf("fresh: %u of 40 rounds saw the slot reloaded\n", switches);
}

int main(int argc, char **argv)
{
	const char *w = arg_value(argc, argv, "iw"), *o = arg_value(argc, argv, "other");
	const char *t = arg_value(argc, argv, "target");
	unsigned long iw = 1, other = 2, target = DEFAULT_TARGET;

	if (!report(cpuid_count(7, 0).c & CPUID7_ECX_KL, "cpuid-kl", "CPUID.7.0:ECX[23] clear"))
		return 0;
	if (hc_kl_slot_loads() < 0) {
		fail("slot-loads-hypercall", "hypercall 5 returned %ld", hc_kl_slot_loads());
		return 0;
	}
	if (has_arg(argc, argv, "fresh")) {
		fresh();
		return 0;
	}
	if ((w && !parse_ulong(w, &iw)) || (o && !parse_ulong(o, &other)) ||
	    (t && !parse_ulong(t, &target)) || iw >= KLV_NR_IWKEYS || other >= KLV_NR_IWKEYS ||
	    iw == other) {
		fail("arguments", "iw=%s other=%s target=%s", w ? w : "-", o ? o : "-",
		     t ? t : "-");
		return 0;
	}
	switching((int)iw, (int)other, (unsigned)target);
	return 0;
}
