// SPDX-License-Identifier: MIT
/*
 * Guest test: klvisor's CPUID filtering (docs/guest-abi.md, "CPUID").
 * The hypervisor bit, the KLVisor leaves, VMX/PDCM/PMU hidden, the initial
 * APIC ID and OSXSAVE following CR4.
 */
#include "guest.h"

#define CPUID_1_ECX_VMX	       BIT(5)
#define CPUID_1_ECX_PDCM       BIT(15)
#define CPUID_1_ECX_XSAVE      BIT(26)
#define CPUID_1_ECX_OSXSAVE    BIT(27)
#define CPUID_1_ECX_HYPERVISOR BIT(31)

static void test_hypervisor_leaves(void)
{
	struct cpuid r = cpuid(0x40000000);
	char sig[13];

	hv_signature(sig);
	for (int i = 0; i < 12; i++)
		if (sig[i] < 0x20 || sig[i] > 0x7e)
			sig[i] = '?';
	report(!strcmp(sig, "KLVisorKLVis"), "signature", "leaf 0x40000000 says '%s'", sig);
	report(r.a == 0x40000001, "max-hypervisor-leaf",
	       "leaf 0x40000000 EAX = %#x, expected 0x40000001", r.a);
	r = cpuid(0x40000001);
	report(r.a == 1, "abi-version", "leaf 0x40000001 EAX = %#x, expected 1", r.a);
}

static void test_hidden_features(void)
{
	struct cpuid r = cpuid(1);
	u32 max = cpuid(0).a;

	report(r.c & CPUID_1_ECX_HYPERVISOR, "hypervisor-bit", "leaf 1 ECX = %#x", r.c);
	report(!(r.c & CPUID_1_ECX_VMX), "vmx-hidden", "leaf 1 ECX = %#x has VMX (bit 5)", r.c);
	report(!(r.c & CPUID_1_ECX_PDCM), "pdcm-hidden", "leaf 1 ECX = %#x has PDCM (bit 15)", r.c);
	if (max < 0xa) {
		pass("pmu-leaf-hidden");
	} else {
		r = cpuid(0xa);
		report(!r.a && !r.b && !r.c && !r.d, "pmu-leaf-hidden",
		       "leaf 0xa = %#x %#x %#x %#x, expected all zero", r.a, r.b, r.c, r.d);
	}
}

static void test_apic_id(void)
{
	u32 id = cpuid(1).b >> 24;
	long vcpu = hc_vcpu_id();
	u32 max = cpuid(0).a;

	if (hypercall_faulted())
		fail("initial-apic-id", "the vcpu_id hypercall raised #UD (not under klvisor)");
	else
		report(id == (u32)vcpu, "initial-apic-id", "leaf 1 EBX[31:24] = %u, vcpu_id = %ld",
		       id, vcpu);
	report(id == (u32)smp_id(), "initial-apic-id-boot", "leaf 1 says %u, the boot CPU is %d",
	       id, smp_id());
	if (max >= 0xb && cpuid_count(0xb, 0).b) {
		u32 x2id = cpuid_count(0xb, 0).d;

		report(x2id == id, "x2apic-id", "leaf 0xb EDX = %u, leaf 1 says %u", x2id, id);
	} else {
		skip("x2apic-id", "no leaf 0xb");
	}
}

static bool osxsave_matches(void)
{
	bool cpuid_bit = cpuid(1).c & CPUID_1_ECX_OSXSAVE;
	bool cr4_bit = read_cr4() & CR4_OSXSAVE;

	return cpuid_bit == cr4_bit;
}

static void test_osxsave(void)
{
	u64 cr4 = read_cr4();
	bool before, after;

	if (!(cpuid(1).c & CPUID_1_ECX_XSAVE)) {
		report(!(cpuid(1).c & CPUID_1_ECX_OSXSAVE), "osxsave",
		       "OSXSAVE set without XSAVE support");
		return;
	}
	before = osxsave_matches();
	write_cr4(cr4 ^ CR4_OSXSAVE);
	after = osxsave_matches();
	write_cr4(cr4);
	report(before && after && osxsave_matches(), "osxsave",
	       "CPUID.1:ECX.OSXSAVE does not follow CR4.OSXSAVE (before %d, toggled %d)", before,
	       after);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	test_hidden_features();
	test_hypervisor_leaves();
	test_apic_id();
	test_osxsave();
	return 0;
}
