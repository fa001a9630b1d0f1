// SPDX-License-Identifier: MIT
/* The klvisor command line: accepted options, and every kind of rejection. */
#include <string.h>

#include "tests/unit/support.h"
#include "vmm/config.h"

static char last_err[256];
static unsigned nr_err;

static void on_err(const char *tok, size_t len, const char *why, const char *const *allowed)
{
	snprintf(last_err, sizeof(last_err), "%.*s: %s%s", (int)len, tok, why,
		 allowed ? " [values]" : "");
	nr_err++;
}

static int setup(void **state)
{
	(void)state;
	last_err[0] = '\0';
	nr_err = 0;
	return 0;
}

static void test_defaults(void **state)
{
	struct klv_config c;

	(void)state;
	cmdline_defaults(&c);
	assert_int_equal(c.log_level, LOG_INFO);
	assert_int_equal(c.onexit, ONEXIT_AUTO);
	assert_int_equal(c.vmcs_break, VMCS_BREAK_NONE);
	assert_false(c.console_keep);
	assert_int_equal(cmdline_parse(NULL, &c, on_err), 0);
	assert_int_equal(cmdline_parse("   ", &c, on_err), 0);
}

static void test_all_options(void **state)
{
	struct klv_config c;

	(void)state;
	cmdline_defaults(&c);
	assert_int_equal(cmdline_parse("loglevel=debug  onexit=reboot\tconsole=keep "
				       "test.vmcs_break=pointer",
				       &c, on_err),
			 0);
	assert_int_equal(nr_err, 0);
	assert_int_equal(c.log_level, LOG_DEBUG);
	assert_int_equal(c.onexit, ONEXIT_REBOOT);
	assert_true(c.console_keep);
	assert_int_equal(c.vmcs_break, VMCS_BREAK_POINTER);
}

static void test_unknown_option_named(void **state)
{
	struct klv_config c;

	(void)state;
	cmdline_defaults(&c);
	assert_int_equal(cmdline_parse("loglevel=warn frobnicate=3", &c, on_err), 1);
	assert_string_equal(last_err, "frobnicate=3: unknown option");
	assert_int_equal(c.log_level, LOG_WARN); /* the good option still applies */
}

static void test_bad_value_keeps_default(void **state)
{
	struct klv_config c;

	(void)state;
	cmdline_defaults(&c);
	assert_int_equal(cmdline_parse("onexit=explode", &c, on_err), 1);
	assert_string_equal(last_err, "onexit=explode: invalid value [values]");
	assert_int_equal(c.onexit, ONEXIT_AUTO);
}

static void test_missing_value(void **state)
{
	struct klv_config c;

	(void)state;
	cmdline_defaults(&c);
	assert_int_equal(cmdline_parse("loglevel loglevel=", &c, on_err), 2);
	assert_string_equal(last_err, "loglevel=: invalid value [values]");
	assert_int_equal(c.log_level, LOG_INFO);
}

static void test_prefix_is_not_a_match(void **state)
{
	struct klv_config c;

	(void)state;
	cmdline_defaults(&c);
	/* "log" and "loglevelx" must not be taken for "loglevel". */
	assert_int_equal(cmdline_parse("log=debug loglevelx=debug loglevel=debugx", &c, on_err), 3);
	assert_int_equal(c.log_level, LOG_INFO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, setup),
		cmocka_unit_test_setup(test_all_options, setup),
		cmocka_unit_test_setup(test_unknown_option_named, setup),
		cmocka_unit_test_setup(test_bad_value_keeps_default, setup),
		cmocka_unit_test_setup(test_missing_value, setup),
		cmocka_unit_test_setup(test_prefix_is_not_a_match, setup),
	};

	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
