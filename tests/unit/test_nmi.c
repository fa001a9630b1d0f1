// SPDX-License-Identifier: MIT
/*
 * nmi_can_inject(): a pending NMI goes only when the guest state does not
 * block it (SDM Vol. 3C: blocking by NMI until the handler's IRET, MOV-SS
 * blocking) and the entry carries no other event; blocking by NMI that
 * no NMI klvisor gave can have set is dropped.
 */
#include "tests/unit/support.h"
#include "vmm/nmi.h"

/* No blocking: it goes, STI blocking is dropped, and it is in service. */
static void test_unblocked_goes(void **state)
{
	u32 intr = 0;
	bool in_service = false;

	(void)state;
	assert_true(nmi_can_inject(&intr, &in_service, false));
	assert_true(in_service);
	assert_int_equal(intr, 0);
	intr = INTR_BLOCK_STI;
	in_service = false;
	assert_true(nmi_can_inject(&intr, &in_service, false));
	assert_int_equal(intr, 0);
}

/* The NMI klvisor gave is still running (blocking by NMI): wait for the window. */
static void test_real_blocking_waits(void **state)
{
	u32 intr = INTR_BLOCK_NMI;
	bool in_service = true;

	(void)state;
	assert_false(nmi_can_inject(&intr, &in_service, false));
	assert_int_equal(intr, INTR_BLOCK_NMI);
	assert_true(in_service);
	/* Its IRET ended the blocking: the next one goes. */
	intr = 0;
	assert_true(nmi_can_inject(&intr, &in_service, false));
}

/* Blocking by NMI with none in service cannot be real: dropped, and the NMI goes. */
static void test_stale_blocking_dropped(void **state)
{
	u32 intr = INTR_BLOCK_NMI | INTR_BLOCK_STI;
	bool in_service = false;

	(void)state;
	assert_true(nmi_can_inject(&intr, &in_service, false));
	assert_int_equal(intr, 0);
	assert_true(in_service);
}

/* MOV-SS blocking and an event already in the entry always wait, and change nothing. */
static void test_mov_ss_and_busy_wait(void **state)
{
	u32 intr = INTR_BLOCK_MOV_SS;
	bool in_service = false;

	(void)state;
	assert_false(nmi_can_inject(&intr, &in_service, false));
	assert_int_equal(intr, INTR_BLOCK_MOV_SS);
	assert_false(in_service);
	intr = 0;
	assert_false(nmi_can_inject(&intr, &in_service, true));
	assert_false(in_service);
	/* A stale blocking bit is still dropped while it waits. */
	intr = INTR_BLOCK_NMI;
	assert_false(nmi_can_inject(&intr, &in_service, true));
	assert_int_equal(intr, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unblocked_goes),
		cmocka_unit_test(test_real_blocking_waits),
		cmocka_unit_test(test_stale_blocking_dropped),
		cmocka_unit_test(test_mov_ss_and_busy_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
