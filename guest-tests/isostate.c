// SPDX-License-Identifier: MIT
/*
 * Guest test: state isolation between VMs on one physical CPU.  Run as a
 * pair (or more) of VMs pinned to the same CPU, each with its own mark=N
 * (1-7).  Each VM first checks that it sees the reset value of every
 * register a guest can change without klvisor's help (so nothing a
 * neighbour left behind), then, many times over: sets every one of them
 * to values derived from its mark, yields the CPU to its neighbour, and
 * checks that its own values are still there.  One PASS or FAIL line per
 * register, named "reset-NAME" and "kept-NAME".
 *
 * The registers are those of docs/security.md table (b) that change
 * without an exit: DR0-3, DR6, DR7, CR8 (through the TPR), the GS base
 * and IA32_KERNEL_GS_BASE as SWAPGS leaves them, FS base, the SYSCALL
 * MSRs, TSC_AUX, PAT, XMM0-15, XCR0 and PKRU.  On e6e6724 kept-dr0..3,
 * kept-dr6, kept-dr7, kept-cr8 and kept-kernel-gs-base fail: the debug
 * registers and the TPR carried from one VM to the next, DR7 was not kept
 * in the VMCS, and SWAPGS's result was not saved.
 */
#include "guest.h"

#define ROUNDS	 40
#define NR_ITEMS 20

enum {
	I_DR0,
	I_DR1,
	I_DR2,
	I_DR3,
	I_DR6,
	I_DR7,
	I_CR8,
	I_GS,
	I_KGS,
	I_FS,
	I_STAR,
	I_LSTAR,
	I_CSTAR,
	I_FMASK,
	I_TSC_AUX,
	I_PAT,
	I_XMM,
	I_XCR0,
	I_PKRU,
	I_SYSENTER_ESP,
};

static const char *const names[NR_ITEMS] = {
	"dr0",	   "dr1",	   "dr2",
	"dr3",	   "dr6",	   "dr7",
	"cr8",	   "gs-base",	   "kernel-gs-base",
	"fs-base", "star",	   "lstar",
	"cstar",   "fmask",	   "tsc-aux",
	"pat",	   "xmm",	   "xcr0",
	"pkru",	   "sysenter-esp",
};

struct state {
	u64 v[NR_ITEMS];
};

/* Never executed or accessed: the breakpoints point here and never fire. */
static u8 bp_target[64] __aligned(8);
static bool have_pkru, have_xsave, have_avx;

#define READ_DR(n)                                             \
	({                                                     \
		u64 _v;                                        \
		asm volatile("mov %%db" #n ", %0" : "=r"(_v)); \
		_v;                                            \
	})
#define WRITE_DR(n, x) asm volatile("mov %0, %%db" #n : : "r"((u64)(x)) : "memory")

static u64 read_cr8(void)
{
	u64 v;

	asm volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

static u32 rdpkru(void)
{
	u32 pkru;

	asm volatile("rdpkru" : "=a"(pkru) : "c"(0) : "rdx");
	return pkru;
}

static u64 xgetbv0(void)
{
	u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (u64)hi << 32 | lo;
}

/* A digest of XMM0-15 (low quadwords): each register holds its own value. */
static u64 read_xmm(void)
{
	u64 x[16];

#define RX(n) asm volatile("movq %%xmm" #n ", %0" : "=r"(x[n]))
	RX(0);
	RX(1);
	RX(2);
	RX(3);
	RX(4);
	RX(5);
	RX(6);
	RX(7);
	RX(8);
	RX(9);
	RX(10);
	RX(11);
	RX(12);
	RX(13);
	RX(14);
	RX(15);
#undef RX
	u64 d = 0;

	for (int i = 0; i < 16; i++)
		d = d * 31 + x[i] + (u64)i * (x[i] != 0);
	return d;
}

static void write_xmm(u64 base)
{
#define WX(n) asm volatile("movq %0, %%xmm" #n : : "r"(base + n))
	WX(0);
	WX(1);
	WX(2);
	WX(3);
	WX(4);
	WX(5);
	WX(6);
	WX(7);
	WX(8);
	WX(9);
	WX(10);
	WX(11);
	WX(12);
	WX(13);
	WX(14);
	WX(15);
#undef WX
}

static void read_state(struct state *s)
{
	u32 aux;

	s->v[I_DR0] = READ_DR(0);
	s->v[I_DR1] = READ_DR(1);
	s->v[I_DR2] = READ_DR(2);
	s->v[I_DR3] = READ_DR(3);
	s->v[I_DR6] = READ_DR(6);
	s->v[I_DR7] = READ_DR(7);
	s->v[I_CR8] = read_cr8();
	s->v[I_GS] = rdmsr(MSR_GS_BASE);
	s->v[I_KGS] = rdmsr(MSR_KERNEL_GS_BASE);
	s->v[I_FS] = rdmsr(MSR_FS_BASE);
	s->v[I_STAR] = rdmsr(MSR_STAR);
	s->v[I_LSTAR] = rdmsr(MSR_LSTAR);
	s->v[I_CSTAR] = rdmsr(MSR_CSTAR);
	s->v[I_FMASK] = rdmsr(MSR_FMASK);
	asm volatile("rdtscp" : "=c"(aux) : : "rax", "rdx"); /* the hardware's view */
	s->v[I_TSC_AUX] = aux;
	s->v[I_PAT] = rdmsr(MSR_PAT);
	s->v[I_XMM] = read_xmm();
	s->v[I_XCR0] = have_xsave ? xgetbv0() : 0;
	s->v[I_PKRU] = have_pkru ? rdpkru() : 0;
	s->v[I_SYSENTER_ESP] = rdmsr(MSR_SYSENTER_ESP);
}

/* What a vCPU must see before it changed anything (architectural reset values). */
static void reset_state(struct state *s)
{
	memset(s, 0, sizeof(*s));
	s->v[I_DR6] = 0xffff0ff0;
	s->v[I_DR7] = 0x400;
	s->v[I_PAT] = 0x0007040600070406ULL;
	s->v[I_XMM] = 0; /* the digest of sixteen zero registers */
	s->v[I_XCR0] = have_xsave ? 1 : 0;
}

/*
 * Set every item to a value of mark @m in round @r.  GS base and
 * KERNEL_GS_BASE are set by WRMSR and then exchanged by SWAPGS, which
 * does not exit: the expected values are the swapped ones.
 */
static void set_state(unsigned m, unsigned r, struct state *want)
{
	u64 tag = (u64)m << 40 | (u64)r << 20;
	u64 bp = (u64)bp_target + 8 * (m & 7);
	u32 pkru = (m * 0x11111111U + r) & ~3U; /* key 0 stays accessible */

	want->v[I_DR0] = bp;
	want->v[I_DR1] = bp + 1;
	want->v[I_DR2] = bp + 2;
	want->v[I_DR3] = bp + 3;
	want->v[I_DR6] = 0xffff0ff0 | (m & 0xf);
	want->v[I_DR7] = 0x400 | (m & 1 ? 0x55 : 0xaa); /* L0-3 or G0-3, execute, 1 byte */
	want->v[I_CR8] = m; /* 1-7: still lets the guest run */
	want->v[I_GS] = 0xffff800000000000ULL | tag | 0x111;
	want->v[I_KGS] = 0xffff800000000000ULL | tag | 0x222;
	want->v[I_FS] = 0x0000700000000000ULL | tag | 0x333;
	want->v[I_STAR] = 0x0023001000000000ULL | m;
	want->v[I_LSTAR] = 0xffff900000000000ULL | tag;
	want->v[I_CSTAR] = 0x0000600000000000ULL | tag;
	want->v[I_FMASK] = 0x700 | m;
	want->v[I_TSC_AUX] = m << 8 | r;
	want->v[I_PAT] = m & 1 ? 0x0006040600070406ULL : 0x0007060400060704ULL;
	want->v[I_SYSENTER_ESP] = 0xffffa00000000000ULL | tag;
	write_xmm(tag);
	want->v[I_XMM] = read_xmm();
	want->v[I_XCR0] = have_xsave ? (have_avx && (m & 1) ? 7 : 3) : 0;
	want->v[I_PKRU] = have_pkru ? pkru : 0;

	WRITE_DR(0, want->v[I_DR0]);
	WRITE_DR(1, want->v[I_DR1]);
	WRITE_DR(2, want->v[I_DR2]);
	WRITE_DR(3, want->v[I_DR3]);
	WRITE_DR(6, want->v[I_DR6]);
	WRITE_DR(7, want->v[I_DR7]);
	asm volatile("mov %0, %%cr8" : : "r"(want->v[I_CR8]) : "memory");
	wrmsr(MSR_GS_BASE, want->v[I_KGS]);
	wrmsr(MSR_KERNEL_GS_BASE, want->v[I_GS]);
	asm volatile("swapgs" ::: "memory"); /* now GS = I_GS, KERNEL_GS = I_KGS */
	wrmsr(MSR_FS_BASE, want->v[I_FS]);
	wrmsr(MSR_STAR, want->v[I_STAR]);
	wrmsr(MSR_LSTAR, want->v[I_LSTAR]);
	wrmsr(MSR_CSTAR, want->v[I_CSTAR]);
	wrmsr(MSR_FMASK, want->v[I_FMASK]);
	wrmsr(MSR_TSC_AUX, want->v[I_TSC_AUX]);
	wrmsr(MSR_PAT, want->v[I_PAT]);
	wrmsr(MSR_SYSENTER_ESP, want->v[I_SYSENTER_ESP]);
	if (have_xsave)
		asm volatile("xsetbv" : : "c"(0), "a"((u32)want->v[I_XCR0]), "d"(0));
	if (have_pkru)
		asm volatile("wrpkru" : : "a"(pkru), "c"(0), "d"(0) : "memory");
}

/* Back to values the rest of the library is happy with. */
static void restore_sane(void)
{
	WRITE_DR(7, 0x400);
	asm volatile("mov %0, %%cr8" : : "r"(0UL) : "memory");
	wrmsr(MSR_GS_BASE, 0);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	wrmsr(MSR_FS_BASE, 0);
	wrmsr(MSR_PAT, 0x0007040600070406ULL);
	if (have_pkru)
		asm volatile("wrpkru" : : "a"(0), "c"(0), "d"(0) : "memory");
}

static void compare(const struct state *want, const struct state *got, bool bad[NR_ITEMS],
		    u64 first_got[NR_ITEMS], u64 first_want[NR_ITEMS])
{
	for (int i = 0; i < NR_ITEMS; i++) {
		if (want->v[i] == got->v[i] || bad[i])
			continue;
		bad[i] = true;
		first_got[i] = got->v[i];
		first_want[i] = want->v[i];
	}
}

static unsigned parse_mark(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "mark=", 5) && argv[i][5] >= '1' && argv[i][5] <= '7')
			return (unsigned)(argv[i][5] - '0');
	return 0;
}

int main(int argc, char **argv)
{
	unsigned m = parse_mark(argc, argv);
	bool bad[NR_ITEMS] = { false };
	u64 got_v[NR_ITEMS], want_v[NR_ITEMS];
	struct state want, got;

	if (!m) {
		fail("arguments", "usage: isostate mark=N (N in 1-7)");
		return 1;
	}
	have_xsave = cpuid(1).c & BIT(26);
	have_avx = have_xsave && (cpuid_count(0xd, 0).a & 4);
	if (have_xsave)
		write_cr4(read_cr4() | CR4_OSXSAVE);
	if (cpuid_count(7, 0).c & BIT(3)) {
		write_cr4(read_cr4() | BIT(22)); /* CR4.PKE */
		have_pkru = true;
	}

	/* What a fresh vCPU sees: nothing of a neighbour's. */
	reset_state(&want);
	read_state(&got);
	compare(&want, &got, bad, got_v, want_v);
	for (int i = 0; i < NR_ITEMS; i++) {
		char name[40];

		snprintf(name, sizeof(name), "reset-%s", names[i]);
		if ((i == I_PKRU && !have_pkru) || (i == I_XCR0 && !have_xsave))
			skip(name, "the CPU lacks it");
		else
			report(!bad[i], name, "read %#lx, expected the reset value %#lx", got_v[i],
			       want_v[i]);
		bad[i] = false;
	}

	for (unsigned r = 0; r < ROUNDS; r++) {
		set_state(m, r, &want);
		hc_yield(); /* the neighbour runs here, on this CPU */
		read_state(&got);
		compare(&want, &got, bad, got_v, want_v);
		asm volatile("swapgs" ::: "memory");
	}
	restore_sane();
	for (int i = 0; i < NR_ITEMS; i++) {
		char name[40];

		snprintf(name, sizeof(name), "kept-%s", names[i]);
		if ((i == I_PKRU && !have_pkru) || (i == I_XCR0 && !have_xsave))
			skip(name, "the CPU lacks it");
		else
			report(!bad[i], name, "after a yield read %#lx, expected %#lx", got_v[i],
			       want_v[i]);
	}
	return 0;
}
