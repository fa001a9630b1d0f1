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
 * MSRs, TSC_AUX, PAT, XMM0-15, XCR0 and PKRU, and after a yield only
 * (their reset values are the library's) R8-R15 and RBX, CR0.AM, CR4.TSD,
 * the IDTR and GDTR limits, the TSC (as written), the YMM upper halves
 * CR3 and CR2.  On e6e6724 kept-dr0..3,
 * kept-dr6, kept-dr7, kept-cr8 and kept-kernel-gs-base fail: the debug
 * registers and the TPR carried from one VM to the next, DR7 was not kept
 * in the VMCS, and SWAPGS's result was not saved.
 */
#include "guest.h"

#define ROUNDS 40

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
	/* Checked after the yield only (their reset values are the library's). */
	I_GPRS,
	I_CR0_AM,
	I_CR4_TSD,
	I_IDTR_LIMIT,
	I_GDTR_LIMIT,
	I_TSC,
	I_YMM,
	I_CR3,
	I_CR2,
	NR_ITEMS
};
#define FIRST_KEPT_ONLY I_GPRS

static const char *const names[NR_ITEMS] = {
	[I_DR0] = "dr0",
	[I_DR1] = "dr1",
	[I_DR2] = "dr2",
	[I_DR3] = "dr3",
	[I_DR6] = "dr6",
	[I_DR7] = "dr7",
	[I_CR8] = "cr8",
	[I_GS] = "gs-base",
	[I_KGS] = "kernel-gs-base",
	[I_FS] = "fs-base",
	[I_STAR] = "star",
	[I_LSTAR] = "lstar",
	[I_CSTAR] = "cstar",
	[I_FMASK] = "fmask",
	[I_TSC_AUX] = "tsc-aux",
	[I_PAT] = "pat",
	[I_XMM] = "xmm",
	[I_XCR0] = "xcr0",
	[I_PKRU] = "pkru",
	[I_SYSENTER_ESP] = "sysenter-esp",
	[I_GPRS] = "gprs",
	[I_CR0_AM] = "cr0-am",
	[I_CR4_TSD] = "cr4-tsd",
	[I_IDTR_LIMIT] = "idtr-limit",
	[I_GDTR_LIMIT] = "gdtr-limit",
	[I_TSC] = "tsc",
	[I_YMM] = "ymm-upper",
	[I_CR3] = "cr3",
	[I_CR2] = "cr2",
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

struct __packed dtr {
	u16 limit;
	u64 base;
};

/* Sixteen registers' values folded into one (zero only if all are zero). */
static u64 digest16(const u64 x[16])
{
	u64 d = 0;

	for (int i = 0; i < 16; i++)
		d = d * 31 + x[i];
	return d;
}

/* Yield with R8-R15 and RBX holding marked values; a digest of what comes back. */
static u64 yield_with_gprs(u64 tag)
{
	u64 in[9], out[9], d = 0;
	long nr = HC_YIELD;

	for (int i = 0; i < 9; i++)
		in[i] = tag + 0x101 * (u64)(i + 1);
	asm volatile("mov 0(%[i]), %%r8\n\tmov 8(%[i]), %%r9\n\tmov 16(%[i]), %%r10\n\t"
		     "mov 24(%[i]), %%r11\n\tmov 32(%[i]), %%r12\n\tmov 40(%[i]), %%r13\n\t"
		     "mov 48(%[i]), %%r14\n\tmov 56(%[i]), %%r15\n\tmov 64(%[i]), %%rbx\n\t"
		     "vmcall\n\t"
		     "mov %%r8, 0(%[o])\n\tmov %%r9, 8(%[o])\n\tmov %%r10, 16(%[o])\n\t"
		     "mov %%r11, 24(%[o])\n\tmov %%r12, 32(%[o])\n\tmov %%r13, 40(%[o])\n\t"
		     "mov %%r14, 48(%[o])\n\tmov %%r15, 56(%[o])\n\tmov %%rbx, 64(%[o])"
		     : "+a"(nr)
		     : [i] "D"(in), [o] "S"(out)
		     : "rbx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
		       "memory");
	for (int i = 0; i < 9; i++)
		d += (out[i] ^ in[i]) * (u64)(i + 1);
	return d; /* 0: every register came back */
}

/* The upper halves of YMM0-15 (needs XCR0.AVX): a digest, as for XMM. */
static u64 read_ymm_upper(void)
{
	u64 x[16];

#define RY(n)                                                                            \
	asm volatile("vextractf128 $1, %%ymm" #n ", %%xmm" #n "\n\tmovq %%xmm" #n ", %0" \
		     : "=r"(x[n]))
	RY(0);
	RY(1);
	RY(2);
	RY(3);
	RY(4);
	RY(5);
	RY(6);
	RY(7);
	RY(8);
	RY(9);
	RY(10);
	RY(11);
	RY(12);
	RY(13);
	RY(14);
	RY(15);
#undef RY
	return digest16(x);
}

static void write_ymm_upper(u64 base)
{
#define WY(n)                                                                                     \
	asm volatile("movq %0, %%xmm" #n "\n\tvinsertf128 $1, %%xmm" #n ", %%ymm" #n ", %%ymm" #n \
		     :                                                                            \
		     : "r"(base + 0x10 * n))
	WY(0);
	WY(1);
	WY(2);
	WY(3);
	WY(4);
	WY(5);
	WY(6);
	WY(7);
	WY(8);
	WY(9);
	WY(10);
	WY(11);
	WY(12);
	WY(13);
	WY(14);
	WY(15);
#undef WY
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
	return digest16(x);
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

static u64 tsc_base; /* what this round wrote to the TSC */

/* The kept-only items, except the GPRs (yield_with_gprs) and the YMM upper halves (last). */
static void read_more(struct state *s)
{
	struct dtr idtr, gdtr;
	u64 t = rdtsc();

	asm volatile("sidt %0; sgdt %1" : "=m"(idtr), "=m"(gdtr));
	s->v[I_CR0_AM] = read_cr0() & BIT(18);
	s->v[I_CR4_TSD] = read_cr4() & BIT(2);
	s->v[I_IDTR_LIMIT] = idtr.limit;
	s->v[I_GDTR_LIMIT] = gdtr.limit;
	/* The guest's TSC runs on from what it wrote: within 2^36 ticks of it. */
	s->v[I_TSC] = t >= tsc_base && t - tsc_base < BIT(36) ? tsc_base : t;
	s->v[I_CR3] = read_cr3();
	s->v[I_CR2] = read_cr2();
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
	read_more(s);
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

static struct dtr idt0, gdt0; /* the library's, restored at the end */

static void set_more(unsigned m, unsigned r, struct state *want)
{
	struct dtr idtr = idt0, gdtr = gdt0;
	u64 cr0 = read_cr0(), cr4 = read_cr4();

	/* Larger limits than the tables need are harmless: no selector or vector reaches them. */
	idtr.limit = (u16)(idt0.limit + m);
	gdtr.limit = (u16)(gdt0.limit + 8 * m);
	asm volatile("lidt %0; lgdt %1" : : "m"(idtr), "m"(gdtr) : "memory");
	want->v[I_IDTR_LIMIT] = idtr.limit;
	want->v[I_GDTR_LIMIT] = gdtr.limit;
	want->v[I_CR0_AM] = m & 1 ? BIT(18) : 0; /* AM takes effect only with RFLAGS.AC at CPL 3 */
	write_cr0(want->v[I_CR0_AM] ? cr0 | BIT(18) : cr0 & ~BIT(18));
	want->v[I_CR4_TSD] = m & 1 ? 0 : BIT(2); /* TSD affects only CPL 3 */
	write_cr4(want->v[I_CR4_TSD] ? cr4 | BIT(2) : cr4 & ~BIT(2));
	tsc_base = (u64)m << 44 | (u64)r << 37;
	wrmsr(MSR_TSC, tsc_base);
	want->v[I_TSC] = tsc_base;
	want->v[I_CR3] = read_cr3(); /* its own page tables: a neighbour's CR3 would show */
	want->v[I_CR2] = 0xffff800000000000ULL | (u64)m << 40 | (u64)r << 20 | 0x555;
	write_cr2(want->v[I_CR2]); /* VMX does not switch CR2: klvisor does */
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
	set_more(m, r, want);
}

/* Back to values the rest of the library is happy with. */
static void restore_sane(void)
{
	asm volatile("lidt %0; lgdt %1" : : "m"(idt0), "m"(gdt0) : "memory");
	write_cr0(read_cr0() & ~BIT(18));
	write_cr4(read_cr4() & ~BIT(2));
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
	u64 gprs;

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

	asm volatile("sidt %0; sgdt %1" : "=m"(idt0), "=m"(gdt0));

	/* What a fresh vCPU sees: nothing of a neighbour's. */
	reset_state(&want);
	read_state(&got);
	compare(&want, &got, bad, got_v, want_v);
	for (int i = 0; i < NR_ITEMS; i++) {
		char name[40];

		if (i >= FIRST_KEPT_ONLY) {
			bad[i] = false;
			continue;
		}
		snprintf(name, sizeof(name), "reset-%s", names[i]);
		if ((i == I_PKRU && !have_pkru) || (i == I_XCR0 && !have_xsave))
			skip(name, "the CPU lacks it");
		else
			report(!bad[i], name, "read %#lx, expected the reset value %#lx", got_v[i],
			       want_v[i]);
		bad[i] = false;
	}

	for (unsigned r = 0; r < ROUNDS; r++) {
		u64 ymm_base = (u64)m << 40 | (u64)r << 20 | 0x777;

		set_state(m, r, &want);
		want.v[I_YMM] = 0;
		if (want.v[I_XCR0] & 4) {
			/* Upper halves first: writing them goes through the XMM registers. */
			write_ymm_upper(ymm_base);
			write_xmm((u64)m << 40 | (u64)r << 20);
			u64 y[16];

			for (int i = 0; i < 16; i++)
				y[i] = ymm_base + 0x10 * (u64)i;
			want.v[I_YMM] = digest16(y);
		}
		/* The neighbour runs here, on this CPU, while R8-R15 and RBX hold marks. */
		want.v[I_GPRS] = 0;
		gprs = yield_with_gprs((u64)m << 48 | (u64)r << 32);
		read_state(&got);
		got.v[I_GPRS] = gprs;
		got.v[I_YMM] =
			(want.v[I_XCR0] & 4) ? read_ymm_upper() : 0; /* last: it clobbers XMM */
		compare(&want, &got, bad, got_v, want_v);
		asm volatile("swapgs" ::: "memory");
	}
	restore_sane();
	for (int i = 0; i < NR_ITEMS; i++) {
		char name[40];

		snprintf(name, sizeof(name), "kept-%s", names[i]);
		if ((i == I_PKRU && !have_pkru) || (i == I_XCR0 && !have_xsave))
			skip(name, "the CPU lacks it");
		else if (i == I_YMM && !(have_avx && (m & 1)))
			skip(name, "only with AVX, by the VM with the odd mark (XCR0 = 7)");
		else
			report(!bad[i], name, "after a yield read %#lx, expected %#lx", got_v[i],
			       want_v[i]);
	}
	return 0;
}
