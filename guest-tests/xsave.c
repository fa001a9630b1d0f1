// SPDX-License-Identifier: MIT
/*
 * Guest test: XSETBV validation and XCR0.  With CR4.OSXSAVE set, XSETBV
 * must #GP for XCR0 without x87, AVX without SSE, bits the CPU lacks and
 * any XCR other than 0; a valid value must read back through XGETBV and
 * leave SSE usable.
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
	report(xgetbv0() == 3, "xcr0-unchanged-by-faults", "XCR0 %#lx", xgetbv0());
	report(try_xsetbv(0, 1) < 0 && xgetbv0() == 1, "xsetbv-x87-only", "XCR0 %#lx", xgetbv0());
	return 0;
}
