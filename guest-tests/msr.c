// SPDX-License-Identifier: MIT
/*
 * Guest test: MSR access under klvisor (docs/guest-abi.md, "MSRs").  The
 * allow-listed MSRs read and write as on hardware; anything else raises
 * #GP(0); so does setting a reserved CR4 bit.
 */
#include "guest.h"

#define PAT_RESET   0x0007040600070406ULL
#define CANONICAL_A 0xffff800000001000ULL
#define CANONICAL_B 0x00007fffdead0000ULL

/* Write v, read it back and restore the old value. */
static void check_rw(const char *name, u32 msr, u64 v)
{
	u64 old, got = 0;
	int vec;

	vec = rdmsr_safe(msr, &old);
	if (vec >= 0) {
		fail(name, "rdmsr %#x raised %s", msr, exc_name(vec));
		return;
	}
	vec = wrmsr_safe(msr, v);
	if (vec < 0)
		rdmsr_safe(msr, &got);
	wrmsr_safe(msr, old);
	if (vec >= 0)
		fail(name, "wrmsr %#x <- %#lx raised %s", msr, v, exc_name(vec));
	else
		report(got == v, name, "msr %#x: wrote %#lx, read %#lx", msr, v, got);
}

static void check_read(const char *name, u32 msr, bool check, u64 expect)
{
	u64 v;
	int vec = rdmsr_safe(msr, &v);

	if (vec >= 0)
		fail(name, "rdmsr %#x raised %s", msr, exc_name(vec));
	else
		report(!check || v == expect, name, "msr %#x reads %#lx, expected %#lx", msr, v,
		       expect);
}

static void check_gp(const char *name, int vec, u32 msr)
{
	if (vec < 0)
		fail(name, "msr %#x: no exception", msr);
	else
		report(vec == GP_VECTOR && last_error_code() == 0, name,
		       "msr %#x: %s error code %#x, expected #GP(0)", msr, exc_name(vec),
		       last_error_code());
}

static void test_efer(void)
{
	u64 efer = 0;
	int vec = rdmsr_safe(MSR_EFER, &efer);

	report(vec < 0 && (efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA), "efer",
	       "EFER %#lx (exception %d), expected LME and LMA set", efer, vec);
	check_rw("efer-sce", MSR_EFER, efer ^ EFER_SCE);
}

static void test_tsc_adjust(void)
{
	u64 adj, got = 0, t0, t1;

	if (!(cpuid_count(7, 0).b & BIT(1))) {
		skip("tsc-adjust", "IA32_TSC_ADJUST not enumerated (CPUID.7.0:EBX[1])");
		return;
	}
	if (rdmsr_safe(MSR_TSC_ADJUST, &adj) >= 0) {
		fail("tsc-adjust", "rdmsr raised %s", exc_name(this_cpu()->fixup_info.vector));
		return;
	}
	t0 = rdtsc();
	wrmsr(MSR_TSC_ADJUST, adj + BIT(36));
	t1 = rdtsc();
	rdmsr_safe(MSR_TSC_ADJUST, &got);
	wrmsr(MSR_TSC_ADJUST, adj);
	report(got == adj + BIT(36) && t1 - t0 >= BIT(36) && t1 - t0 < BIT(36) + BIT(32),
	       "tsc-adjust", "adjust %#lx -> %#lx (read %#lx), TSC moved by %#lx", adj,
	       adj + BIT(36), got, t1 - t0);
}

static void test_tsc(void)
{
	u64 target = rdtsc() + BIT(40), t0, t1, t2;

	wrmsr(MSR_TSC, target);
	t0 = rdtsc();
	t1 = rdtsc();
	t2 = rdmsr(MSR_TSC);
	report(t0 >= target && t0 - target < BIT(32), "tsc-write", "wrote %#lx, then read %#lx",
	       target, t0);
	report(t0 <= t1 && t1 <= t2, "tsc-monotonic", "reads %#lx %#lx %#lx", t0, t1, t2);
}

static void test_tsc_aux(void)
{
	u32 aux, lo, hi;

	if (!(cpuid(0x80000001).d & BIT(27))) {
		skip("tsc-aux", "no RDTSCP");
		return;
	}
	check_rw("tsc-aux", MSR_TSC_AUX, 0x1234);
	wrmsr(MSR_TSC_AUX, 0x5678);
	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	report(aux == 0x5678, "rdtscp-aux", "RDTSCP returned ECX %#x, expected 0x5678", aux);
	wrmsr(MSR_TSC_AUX, 0);
}

static void test_pat(void)
{
	u64 pat = 0;

	rdmsr_safe(MSR_PAT, &pat);
	report(pat == PAT_RESET, "pat-reset-value", "PAT %#lx, expected the reset value %#llx", pat,
	       PAT_RESET);
	check_rw("pat", MSR_PAT, 0x0000000500070406ULL);
	check_gp("pat-invalid-type", wrmsr_safe(MSR_PAT, (pat & ~0xffULL) | 2), MSR_PAT);
	wrmsr_safe(MSR_PAT, pat);
}

static u64 fs_probe = 0x600df00d;

static void test_segment_bases(void)
{
	u64 old = rdmsr(MSR_FS_BASE), v;

	check_rw("fs-base", MSR_FS_BASE, CANONICAL_A);
	check_rw("gs-base", MSR_GS_BASE, CANONICAL_B);
	check_rw("kernel-gs-base", MSR_KERNEL_GS_BASE, CANONICAL_A);
	wrmsr(MSR_FS_BASE, (u64)&fs_probe);
	asm volatile("movq %%fs:0, %0" : "=r"(v));
	wrmsr(MSR_FS_BASE, old);
	report(v == fs_probe, "fs-base-effective", "%%fs:0 read %#lx, expected %#lx", v, fs_probe);
}

/*
 * SWAPGS exchanges GS base and IA32_KERNEL_GS_BASE without an exit, so
 * RDMSR must return the live value, not the last one WRMSR wrote (on
 * e6e6724 it returned the stale one).
 */
static void test_swapgs(void)
{
	u64 gs = rdmsr(MSR_GS_BASE), kgs = rdmsr(MSR_KERNEL_GS_BASE), a, b;

	wrmsr(MSR_KERNEL_GS_BASE, CANONICAL_A);
	wrmsr(MSR_GS_BASE, CANONICAL_B);
	asm volatile("swapgs" ::: "memory");
	a = rdmsr(MSR_GS_BASE);
	b = rdmsr(MSR_KERNEL_GS_BASE);
	asm volatile("swapgs" ::: "memory");
	report(a == CANONICAL_A && b == CANONICAL_B, "kernel-gs-base-after-swapgs",
	       "after SWAPGS GS base %#lx, KERNEL_GS_BASE %#lx; expected %#lx, %#lx", a, b,
	       (u64)CANONICAL_A, (u64)CANONICAL_B);
	wrmsr(MSR_GS_BASE, gs);
	wrmsr(MSR_KERNEL_GS_BASE, kgs);
}

static void test_allowed(void)
{
	check_read("apic-base", MSR_APIC_BASE, true, 0xfee00900);
	check_read("feature-control", MSR_FEATURE_CONTROL, true, 1);
	check_read("mtrr-cap", 0xfe, true, 0);
	check_read("mtrr-def-type", 0x2ff, true, 0);
	check_read("misc-enable", MSR_MISC_ENABLE, false, 0);
	check_rw("sysenter-cs", MSR_SYSENTER_CS, 0x10);
	check_rw("sysenter-esp", MSR_SYSENTER_ESP, CANONICAL_A);
	check_rw("sysenter-eip", MSR_SYSENTER_EIP, CANONICAL_B);
	check_rw("star", MSR_STAR, 0x0023001000000000ULL);
	check_rw("lstar", MSR_LSTAR, CANONICAL_A);
	check_rw("cstar", MSR_CSTAR, CANONICAL_B);
	check_rw("fmask", MSR_FMASK, 0x47700);
}

static void test_not_allowed(void)
{
	static const struct {
		const char *name;
		u32 msr;
	} bad[] = {
		{ "unknown-msr", 0x12345678 },
		{ "perfevtsel0", 0x186 },
		{ "pmc0", 0xc1 },
		{ "debugctl", 0x1d9 },
	};
	char name[48];
	u64 v;

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(name, sizeof(name), "%s-read-gp", bad[i].name);
		check_gp(name, rdmsr_safe(bad[i].msr, &v), bad[i].msr);
		snprintf(name, sizeof(name), "%s-write-gp", bad[i].name);
		check_gp(name, wrmsr_safe(bad[i].msr, 0), bad[i].msr);
	}
}

static int write_cr4_safe(u64 v)
{
	exc_arm();
	asm volatile(EXC_TRY("mov %0, %%cr4") : : "r"(v) : "memory");
	return exc_result(NULL);
}

static void test_cr4_reserved(void)
{
	/* 12 is LA57, which CPUID does not offer; the others are reserved. */
	static const int bits[] = { 12, 15, 26, 63 };
	u64 cr4 = read_cr4();
	char name[32];

	if (on_qemu_tcg()) {
		/* QEMU 7's TCG loops on such a write instead of raising #GP. */
		skip("cr4-reserved-gp", "QEMU TCG does not raise #GP for reserved CR4 bits");
		return;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(bits); i++) {
		int vec = write_cr4_safe(cr4 | BIT(bits[i]));

		snprintf(name, sizeof(name), "cr4-bit%d-gp", bits[i]);
		report(vec == GP_VECTOR && last_error_code() == 0 && read_cr4() == cr4, name,
		       "setting reserved CR4 bit %d: %s, CR4 now %#lx", bits[i],
		       vec < 0 ? "no exception" : exc_name(vec), read_cr4());
		if (read_cr4() != cr4)
			write_cr4(cr4);
	}
}

/*
 * The MSR bitmap: the switched MSRs run without an exit (the hypercall
 * counts this vCPU's exits), an intercepted one still exits every time,
 * and the CPU itself refuses non-canonical values for the pass-through
 * ones.
 */
#define ROUNDS 50

static long exits_for(u32 msr, bool write)
{
	long before = hc_exit_count();

	for (int i = 0; i < ROUNDS; i++) {
		u64 v = rdmsr(msr);

		if (write)
			wrmsr(msr, v);
	}
	return hc_exit_count() - before - 1; /* less the second hypercall's own exit */
}

static void test_bitmap(void)
{
	static const struct {
		const char *name;
		u32 msr;
		bool write;
	} pass[] = {
		{ "msr-bitmap-fs-base-no-exit", MSR_FS_BASE, true },
		{ "msr-bitmap-gs-base-no-exit", MSR_GS_BASE, true },
		{ "msr-bitmap-kernel-gs-base-no-exit", MSR_KERNEL_GS_BASE, true },
		{ "msr-bitmap-star-no-exit", MSR_STAR, true },
		{ "msr-bitmap-lstar-no-exit", MSR_LSTAR, true },
		{ "msr-bitmap-cstar-no-exit", MSR_CSTAR, true },
		{ "msr-bitmap-fmask-no-exit", MSR_FMASK, true },
		{ "msr-bitmap-sysenter-cs-no-exit", MSR_SYSENTER_CS, true },
		{ "msr-bitmap-sysenter-esp-no-exit", MSR_SYSENTER_ESP, true },
		{ "msr-bitmap-sysenter-eip-no-exit", MSR_SYSENTER_EIP, true },
		{ "msr-bitmap-tsc-read-no-exit", MSR_TSC, false },
	};
	long n = hc_exit_count();

	if (!report(n > 0, "exit-count-hypercall", "exit_count returned %ld", n))
		return; /* without it, "no exit" would pass for nothing */
	for (unsigned i = 0; i < ARRAY_SIZE(pass); i++) {
		/* a preemption-timer exit or two may fall inside the loop */
		n = exits_for(pass[i].msr, pass[i].write);
		report(n < 5, pass[i].name, "%ld exits for %d accesses", n, ROUNDS);
	}
	n = exits_for(MSR_APIC_BASE, false);
	report(n >= ROUNDS, "msr-bitmap-apic-base-exits", "%ld exits for %d reads", n, ROUNDS);
	n = exits_for(MSR_TSC, true);
	report(n >= ROUNDS, "msr-bitmap-tsc-write-exits", "%ld exits for %d writes", n, ROUNDS);
	check_gp("lstar-non-canonical-gp", wrmsr_safe(MSR_LSTAR, 0x8000000000000000ULL), MSR_LSTAR);
	check_gp("fs-base-non-canonical-gp", wrmsr_safe(MSR_FS_BASE, 0x0000800000000000ULL),
		 MSR_FS_BASE);
	check_gp("sysenter-eip-non-canonical-gp",
		 wrmsr_safe(MSR_SYSENTER_EIP, 0xfff0000000000000ULL), MSR_SYSENTER_EIP);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	test_efer();
	test_allowed();
	test_pat();
	test_segment_bases();
	test_swapgs();
	test_tsc_aux();
	test_tsc_adjust();
	test_tsc();
	test_not_allowed();
	test_cr4_reserved();
	test_bitmap();
	return 0;
}
