// SPDX-License-Identifier: MIT
/*
 * The vCPU save area holds every XSAVE component the CPU offers
 * (issue 8, item 5): its size comes from CPUID.(0xD,0):ECX, rounded up to
 * pages.  Before, the area was one page and components that did not fit
 * (PKRU among them, on a CPU with AMX) were dropped from the save mask
 * while the guest could still use them.
 */
#include "tests/unit/support.h"
#include "vmm/fpu.h"

static void test_sizes(void **state)
{
	(void)state;
	assert_int_equal(fpu_area_bytes(0), 4096); /* FXSAVE: 512 bytes */
	assert_int_equal(fpu_area_bytes(832), 4096); /* x87, SSE, AVX */
	assert_int_equal(fpu_area_bytes(2696), 4096); /* + AVX-512 and PKRU (Tiger Lake) */
	assert_int_equal(fpu_area_bytes(4096), 4096);
	assert_int_equal(fpu_area_bytes(4097), 8192);
	assert_int_equal(fpu_area_bytes(11008), 12288); /* with AMX tile data: 3 pages */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
