// SPDX-License-Identifier: MIT
/*
 * Guest test: XSETBV validation and XCR0.  With CR4.OSXSAVE set, XSETBV
 * must #GP for XCR0 without x87, AVX without SSE, bits the CPU lacks and
 * any XCR other than 0, and for the component groups the SDM requires to
 * be set together (AVX-512's opmask/ZMM_Hi256/Hi16_ZMM with AVX; MPX's
 * BNDREGS with BNDCSR; AMX's XTILECFG with XTILEDATA).  klvisor executes
 * XSETBV in root mode, so a value it let through that the CPU refuses
 * would fault in the VMM: before the group rules were checked (commit
 * e6e6724), 0x23 on an AVX-512 CPU was a VMM PANIC.  A valid value must
 * read back through XGETBV and leave SSE usable.  With two vCPUs, INIT
 * resets the second one's XCR0 to 1 and its debug registers (2e04e1e kept
 * the XCR0 and DR0 it had before the INIT).
 */
#include "guest.h"

static int try_xsetbv(u32 xcr, u64 val)
{
	exc_arm();
	asm volatile(EXC_TRY("xsetbv")
		     :
		     : "c"(xcr), "a"((u32)val), "d"((u32)(val >> 32))
		     : "memory");
	return exc_result(NULL);
}

static u64 xgetbv0(void)
{
	u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (u64)hi << 32 | lo;
}

/* A value that breaks a group rule must #GP, tried only where the CPU has the group. */
static void expect_group_gp(u64 supported, u64 group, const char *name, u64 val)
{
	if ((supported & group) != group) {
		skip(name, "the CPU lacks the components");
		return;
	}
	report(try_xsetbv(0, val) == GP_VECTOR, name, "XCR0 %#lx accepted", val);
}

static void xsetbv_groups(u64 supported)
{
	u64 avx512 = 0xe0, mpx = 0x18, amx = 0x60000;

	expect_group_gp(supported, avx512 | 4, "xsetbv-avx512-opmask-only-gp", 0x27);
	expect_group_gp(supported, avx512 | 4, "xsetbv-avx512-partial-gp", 0xa7);
	expect_group_gp(supported, avx512 | 4, "xsetbv-avx512-without-avx-gp", 0xe3);
	expect_group_gp(supported, avx512, "xsetbv-avx512-opmask-without-avx-gp", 0x23);
	expect_group_gp(supported, mpx, "xsetbv-bndregs-without-bndcsr-gp", 0x0b);
	expect_group_gp(supported, mpx, "xsetbv-bndcsr-without-bndregs-gp", 0x13);
	expect_group_gp(supported, amx, "xsetbv-xtilecfg-without-xtiledata-gp", 0x20003);
	if ((supported & (avx512 | 4)) == (avx512 | 4))
		report(try_xsetbv(0, 0xe7) < 0 && xgetbv0() == 0xe7, "xsetbv-avx512-all",
		       "XCR0 %#lx", xgetbv0());
	else
		skip("xsetbv-avx512-all", "no AVX-512");
	try_xsetbv(0, 3);
}

static void ap_set_state(void *arg)
{
	u64 xcr0 = *(u64 *)arg;

	write_cr4(read_cr4() | CR4_OSXSAVE);
	try_xsetbv(0, xcr0);
	asm volatile("mov %0, %%db0" : : "r"(0x1234UL));
}

static void ap_read_state(void *arg)
{
	u64 *out = arg;

	write_cr4(read_cr4() | CR4_OSXSAVE); /* INIT cleared it; XCR0 is not touched */
	out[0] = xgetbv0();
	asm volatile("mov %%db0, %0" : "=r"(out[1]));
}

static void init_resets(u64 supported)
{
	u64 want = supported & 4 ? 7 : 3, before[2], after[2];

	if (smp_start(2) < 2) {
		skip("init-resets-xcr0", "one vCPU");
		return;
	}
	on_cpu(1, ap_set_state, &want);
	on_cpu(1, ap_read_state, before);
	if (!report(before[0] == want && before[1] == 0x1234, "ap-state-set",
		    "AP XCR0 %#lx DR0 %#lx before INIT", before[0], before[1]))
		return;
	if (!report(smp_restart(1), "ap-restarted", "the AP did not come back after INIT"))
		return;
	on_cpu(1, ap_read_state, after);
	report(after[0] == 1, "init-resets-xcr0", "XCR0 %#lx after INIT, expected 1", after[0]);
	report(after[1] == 0, "init-resets-dr0", "DR0 %#lx after INIT, expected 0", after[1]);
}

int main(int argc, char **argv)
{
	struct cpuid d;
	u64 supported;

	(void)argc;
	(void)argv;
	if (!(cpuid(1).c & (1U << 26))) {
		skip("xsave", "no XSAVE");
		return 0;
	}
	write_cr4(read_cr4() | CR4_OSXSAVE);
	report(cpuid(1).c & (1U << 27), "osxsave-follows-cr4", "CPUID.1:ECX.OSXSAVE clear");
	d = cpuid_count(0xd, 0);
	supported = (u64)d.d << 32 | d.a;

	report(try_xsetbv(0, 3) < 0 && xgetbv0() == 3, "xsetbv-x87-sse", "XCR0 %#lx", xgetbv0());
	report(try_xsetbv(0, 0) == GP_VECTOR, "xsetbv-without-x87-gp", "no #GP");
	report(try_xsetbv(0, 2) == GP_VECTOR, "xsetbv-sse-only-gp", "no #GP");
	if (supported & 4)
		report(try_xsetbv(0, 5) == GP_VECTOR, "xsetbv-avx-without-sse-gp", "no #GP");
	else
		skip("xsetbv-avx-without-sse-gp", "no AVX");
	report(try_xsetbv(0, supported | (1ULL << 62)) == GP_VECTOR, "xsetbv-unsupported-bit-gp",
	       "no #GP");
	report(try_xsetbv(1, 3) == GP_VECTOR, "xsetbv-xcr1-gp", "no #GP");
	xsetbv_groups(supported);
	report(xgetbv0() == 3, "xcr0-unchanged-by-faults", "XCR0 %#lx", xgetbv0());
	report(try_xsetbv(0, 1) < 0 && xgetbv0() == 1, "xsetbv-x87-only", "XCR0 %#lx", xgetbv0());
	init_resets(supported);
	return 0;
}
