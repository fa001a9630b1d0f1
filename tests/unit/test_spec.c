// SPDX-License-Identifier: MIT
/*
 * VM-switch hygiene (issue 8, item 13; arch/x86/spec.c).  Each profile is
 * a CPU family's CPUID.(7,0):EDX bits and IA32_ARCH_CAPABILITIES as the
 * SDM and Intel's affected-processor guidance describe them; the expected
 * actions follow from which issues the CPU is not immune to.
 */
#include <string.h>

#include "arch/x86/spec.h"
#include "tests/unit/support.h"

#define EDX_ALL \
	(CPUID7_EDX_MD_CLEAR | CPUID7_EDX_IBRS_IBPB | CPUID7_EDX_L1D_FLUSH | CPUID7_EDX_ARCH_CAPS)
#define IMMUNE                                                                                \
	(ARCH_CAP_RDCL_NO | ARCH_CAP_SKIP_L1DFL_VMENTRY | ARCH_CAP_MDS_NO | ARCH_CAP_TAA_NO | \
	 ARCH_CAP_SBDR_SSDP_NO | ARCH_CAP_FBSDP_NO | ARCH_CAP_PSDP_NO | ARCH_CAP_RFDS_NO)

static struct spec_switch decide(u32 edx, u64 caps)
{
	struct spec_facts f = { edx, caps };

	return spec_decide(&f);
}

/* Skylake-era server with microcode: affected by L1TF and MDS, has the means. */
static void test_skylake(void **state)
{
	struct spec_switch s = decide(EDX_ALL, 0);

	(void)state;
	assert_true(s.l1d_flush && s.verw && s.ibpb);
	assert_null(s.unmitigated);
	/* Without IA32_ARCH_CAPABILITIES, any caps value is ignored: still affected. */
	s = decide(EDX_ALL & ~CPUID7_EDX_ARCH_CAPS, IMMUNE);
	assert_true(s.l1d_flush && s.verw);
}

/* Tiger Lake: no L1TF/MDS/TAA, but MMIO stale data bits not all set. */
static void test_tiger_lake(void **state)
{
	u64 caps = ARCH_CAP_RDCL_NO | ARCH_CAP_SKIP_L1DFL_VMENTRY | ARCH_CAP_MDS_NO |
		   ARCH_CAP_TAA_NO | ARCH_CAP_RFDS_NO | ARCH_CAP_PSDP_NO;
	struct spec_switch s = decide(EDX_ALL, caps);

	(void)state;
	assert_false(s.l1d_flush);
	assert_true(s.verw); /* SBDR/FBSDP not ruled out */
	assert_true(s.ibpb);
}

/* Alder Lake E-cores: only RFDS of the buffer issues. */
static void test_rfds_only(void **state)
{
	struct spec_switch s = decide(EDX_ALL, IMMUNE & ~ARCH_CAP_RFDS_NO);

	(void)state;
	assert_false(s.l1d_flush);
	assert_true(s.verw);
}

/* A CPU immune to everything does nothing but IBPB. */
static void test_immune(void **state)
{
	struct spec_switch s = decide(EDX_ALL, IMMUNE);

	(void)state;
	assert_false(s.l1d_flush);
	assert_false(s.verw);
	assert_true(s.ibpb);
	assert_null(s.unmitigated);
	s = decide(EDX_ALL & ~CPUID7_EDX_IBRS_IBPB, IMMUNE);
	assert_false(s.ibpb);
}

/* Affected without the means: never a write to a missing MSR, and said loudly. */
static void test_no_means(void **state)
{
	struct spec_switch s = decide(CPUID7_EDX_ARCH_CAPS, 0);

	(void)state;
	assert_false(s.l1d_flush);
	assert_false(s.verw);
	assert_false(s.ibpb);
	assert_non_null(s.unmitigated);
	assert_non_null(strstr(s.unmitigated, "L1TF"));
	s = decide(CPUID7_EDX_ARCH_CAPS | CPUID7_EDX_L1D_FLUSH, ARCH_CAP_MDS_NO);
	assert_true(s.l1d_flush);
	assert_non_null(s.unmitigated);
	assert_non_null(strstr(s.unmitigated, "MD_CLEAR"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skylake),	  cmocka_unit_test(test_tiger_lake),
		cmocka_unit_test(test_rfds_only), cmocka_unit_test(test_immune),
		cmocka_unit_test(test_no_means),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
