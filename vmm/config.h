/* SPDX-License-Identifier: MIT */
/* The klvisor command line, parsed into one structure. */
#ifndef VMM_CONFIG_H
#define VMM_CONFIG_H

#include "lib/printf.h"
#include "lib/types.h"

enum onexit_action {
	ONEXIT_AUTO, /* power off under an emulator, halt on real hardware */
	ONEXIT_POWEROFF,
	ONEXIT_HALT,
	ONEXIT_REBOOT,
};

/* Test-only: break the self-test VMCS to exercise the failure paths. */
enum vmcs_break {
	VMCS_BREAK_NONE,
	VMCS_BREAK_GUEST_STATE, /* entry-failure exit, reason 33 */
	VMCS_BREAK_CONTROL, /* VMfailValid, error 7 */
	VMCS_BREAK_POINTER, /* VMfailInvalid: no current VMCS */
};

/* Test-only: make klvisor itself fault, to exercise the exception report. */
enum test_fault {
	TEST_FAULT_NONE,
	TEST_FAULT_PF, /* read an unmapped address */
	TEST_FAULT_UD, /* execute UD2 */
};

/* Who may use Key Locker: never the VMM and the guests at the same time. */
enum kl_policy {
	KL_POLICY_GUESTS, /* guests get virtual Key Locker; the VMM never uses it */
	KL_POLICY_HOST, /* the VMM uses it; no guest sees it */
	KL_POLICY_OFF,
};

struct klv_config {
	enum log_level log_level;
	enum onexit_action onexit;
	enum vmcs_break vmcs_break;
	enum test_fault test_fault;
	enum kl_policy kl_policy;
	bool console_keep; /* open a console prompt instead of powering off */
	bool test_wipecheck; /* test only: check every wipe at VM end and report it */
};

/*
 * Called once per rejected token with a reason and, for a bad value, the
 * accepted values (NULL-terminated); the token is then ignored.
 */
typedef void (*cmdline_error_fn)(const char *tok, size_t len, const char *why,
				 const char *const *allowed);

void cmdline_defaults(struct klv_config *cfg);
/* Returns the number of rejected tokens. */
unsigned cmdline_parse(const char *s, struct klv_config *cfg, cmdline_error_fn err);

#endif
