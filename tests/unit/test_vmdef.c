// SPDX-License-Identifier: MIT
/*
 * VM definitions from GRUB module strings (docs/guest-abi.md, "VM
 * definitions"): names, every option with its bounds, "--" arguments,
 * defaults, error messages naming the offending token, and the
 * cross-checks of vmdefs_resolve.
 */
#include <string.h>

#include "tests/unit/support.h"
#include "vmm/vmdef.h"

static char err[160];
static struct vm_def def;

/* Parse @s with @nr_cpus; the error text (or NULL) comes back. */
static const char *parse(const char *s, unsigned nr_cpus)
{
	memset(err, 'x', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	return vmdef_parse(s, nr_cpus, &def, err, sizeof(err));
}

static void expect_ok(const char *s, unsigned nr_cpus)
{
	const char *e = parse(s, nr_cpus);

	if (e)
		fail_msg("'%s' rejected: %s", s, e);
}

static void expect_err(const char *s, unsigned nr_cpus, const char *msg)
{
	const char *e = parse(s, nr_cpus);

	if (!e)
		fail_msg("'%s' accepted", s);
	assert_ptr_equal(e, err); /* the message is written to the caller's buffer */
	assert_string_equal(e, msg);
}

static void test_defaults(void **state)
{
	(void)state;
	expect_ok("cpuid", 4);
	assert_string_equal(def.name, "cpuid");
	assert_int_equal(def.type, VMDEF_VM);
	assert_int_equal(def.vcpus, 1);
	assert_int_equal(def.mem, 16ULL * 1024 * 1024);
	assert_int_equal(def.nr_pins, 0);
	assert_false(def.kl);
	assert_int_equal(def.nr_modules, 0);
	assert_non_null(def.args);
	assert_string_equal(def.args, "");
}

static void test_defaults_reset_between_parses(void **state)
{
	(void)state;
	expect_ok("a type=data vcpus=3 mem=4M pin=1 kl=on modules=k -- x", 4);
	expect_ok("b", 4);
	assert_string_equal(def.name, "b");
	assert_int_equal(def.type, VMDEF_VM);
	assert_int_equal(def.vcpus, 1);
	assert_int_equal(def.mem, 16ULL << 20);
	assert_int_equal(def.nr_pins, 0);
	assert_false(def.kl);
	assert_int_equal(def.nr_modules, 0);
	assert_string_equal(def.args, "");
}

static void test_doc_examples(void **state)
{
	(void)state;
	expect_ok("cpuid vcpus=1 mem=16M", 2);
	assert_string_equal(def.name, "cpuid");
	assert_int_equal(def.vcpus, 1);
	assert_int_equal(def.mem, 0x1000000);

	expect_ok("smp vcpus=2 mem=32M pin=0,1 -- --verbose level=2", 2);
	assert_string_equal(def.name, "smp");
	assert_int_equal(def.vcpus, 2);
	assert_int_equal(def.mem, 0x2000000);
	assert_int_equal(def.nr_pins, 2);
	assert_int_equal(def.pins[0], 0);
	assert_int_equal(def.pins[1], 1);
	assert_string_equal(def.args, "--verbose level=2");

	expect_ok("kltest kl=on modules=keyfile", 2);
	assert_true(def.kl);
	assert_int_equal(def.nr_modules, 1);
	assert_string_equal(def.modules[0], "keyfile");

	expect_ok("keyfile type=data", 2);
	assert_string_equal(def.name, "keyfile");
	assert_int_equal(def.type, VMDEF_DATA);
}

static void test_name_rules(void **state)
{
	(void)state;
	expect_ok("aZ09-_.", 1);
	assert_string_equal(def.name, "aZ09-_.");
	/* 31 characters is the maximum */
	expect_ok("abcdefghijklmnopqrstuvwxyz01234", 1);
	assert_string_equal(def.name, "abcdefghijklmnopqrstuvwxyz01234");
	expect_ok("\t  lead  ", 1);
	assert_string_equal(def.name, "lead");

	expect_err("abcdefghijklmnopqrstuvwxyz012345", 1,
		   "name 'abcdefghijklmnopqrstuvwxyz012345' invalid (1-31 of a-z A-Z 0-9 - _ .)");
	expect_err("bad/name vcpus=1", 1, "name 'bad/name' invalid (1-31 of a-z A-Z 0-9 - _ .)");
	expect_err("caf\xc3\xa9", 1, "name 'caf\xc3\xa9' invalid (1-31 of a-z A-Z 0-9 - _ .)");
	expect_err("a:b", 1, "name 'a:b' invalid (1-31 of a-z A-Z 0-9 - _ .)");
	/* No name: empty, blank, NULL, or an option where the name belongs */
	expect_err("", 1, "no VM name (the string must start with one)");
	expect_err("  \t ", 1, "no VM name (the string must start with one)");
	expect_err(NULL, 1, "no VM name (the string must start with one)");
	expect_err("vcpus=2", 1, "no VM name (the string must start with one)");
}

static void test_type(void **state)
{
	(void)state;
	expect_ok("x type=vm", 1);
	assert_int_equal(def.type, VMDEF_VM);
	expect_ok("x type=data", 1);
	assert_int_equal(def.type, VMDEF_DATA);
	expect_err("x type=blob", 1, "option 'type=blob': invalid value, expected vm|data");
	expect_err("x type=", 1, "option 'type=': invalid value, expected vm|data");
	expect_err("x type=DATA", 1, "option 'type=DATA': invalid value, expected vm|data");
}

static void test_vcpus(void **state)
{
	(void)state;
	expect_ok("x vcpus=1", 1);
	assert_int_equal(def.vcpus, 1);
	expect_ok("x vcpus=16", 1);
	assert_int_equal(def.vcpus, 16);
	expect_ok("x vcpus=7", 1);
	assert_int_equal(def.vcpus, 7);
	expect_err("x vcpus=0", 1, "option 'vcpus=0': out of range (1-16)");
	expect_err("x vcpus=17", 1, "option 'vcpus=17': out of range (1-16)");
	expect_err("smp vcpus=99", 1, "option 'vcpus=99': out of range (1-16)");
	expect_err("x vcpus=two", 1, "option 'vcpus=two': out of range (1-16)");
	expect_err("x vcpus=-1", 1, "option 'vcpus=-1': out of range (1-16)");
	expect_err("x vcpus=", 1, "option 'vcpus=': out of range (1-16)");
	/* no size suffix on a count: 1K would be 1024 */
	expect_err("x vcpus=1K", 1, "option 'vcpus=1K': out of range (1-16)");
}

static void test_mem(void **state)
{
	(void)state;
	expect_ok("x mem=2M", 1);
	assert_int_equal(def.mem, 2 * 1024 * 1024);
	expect_ok("x mem=3G", 1);
	assert_int_equal(def.mem, 3ULL * 1024 * 1024 * 1024);
	expect_ok("x mem=3072M", 1);
	assert_int_equal(def.mem, 3ULL * 1024 * 1024 * 1024);
	expect_ok("x mem=1G", 1);
	assert_int_equal(def.mem, 1ULL << 30);
	expect_ok("x mem=2052K", 1); /* 2M + 4K */
	assert_int_equal(def.mem, 2101248);
	expect_ok("x mem=4194304", 1); /* plain bytes */
	assert_int_equal(def.mem, 4 * 1024 * 1024);
	expect_ok("x mem=64m", 1);
	assert_int_equal(def.mem, 64 * 1024 * 1024);

	expect_err("x mem=2047K", 1,
		   "option 'mem=2047K': not a size (a multiple of 4K, with K/M/G)");
	expect_err("x mem=2050K", 1,
		   "option 'mem=2050K': not a size (a multiple of 4K, with K/M/G)");
	expect_err("x mem=2097153", 1,
		   "option 'mem=2097153': not a size (a multiple of 4K, with K/M/G)");
	expect_err("x mem=lots", 1, "option 'mem=lots': not a size (a multiple of 4K, with K/M/G)");
	expect_err("x mem=16MB", 1, "option 'mem=16MB': not a size (a multiple of 4K, with K/M/G)");
	expect_err("x mem=", 1, "option 'mem=': not a size (a multiple of 4K, with K/M/G)");
	expect_err("x mem=1M", 1, "option 'mem=1M': out of range (2M-3G)");
	expect_err("x mem=2044K", 1, "option 'mem=2044K': out of range (2M-3G)");
	expect_err("x mem=0", 1, "option 'mem=0': out of range (2M-3G)");
	expect_err("x mem=3076M", 1, "option 'mem=3076M': out of range (2M-3G)");
	expect_err("x mem=4G", 1, "option 'mem=4G': out of range (2M-3G)");
	expect_err("x mem=3145732K", 1, "option 'mem=3145732K': out of range (2M-3G)");
}

static void test_pin(void **state)
{
	(void)state;
	expect_ok("x pin=3", 4);
	assert_int_equal(def.nr_pins, 1);
	assert_int_equal(def.pins[0], 3);
	expect_ok("x vcpus=4 pin=2,0,3,0", 4);
	assert_int_equal(def.nr_pins, 4);
	assert_int_equal(def.pins[0], 2);
	assert_int_equal(def.pins[1], 0);
	assert_int_equal(def.pins[2], 3);
	assert_int_equal(def.pins[3], 0);
	/* A later pin= replaces the earlier list. */
	expect_ok("x pin=1,2,3 pin=0", 4);
	assert_int_equal(def.nr_pins, 1);
	assert_int_equal(def.pins[0], 0);
	/* 16 entries (one per possible vCPU) fit, 17 do not. */
	expect_ok("x pin=0,1,0,1,0,1,0,1,0,1,0,1,0,1,0,1", 2);
	assert_int_equal(def.nr_pins, 16);
	assert_int_equal(def.pins[15], 1);
	expect_err("x pin=0,1,0,1,0,1,0,1,0,1,0,1,0,1,0,1,0", 2,
		   "option 'pin=0,1,0,1,0,1,0,1,0,1,0,1,0,1,0,1,0': too many items");
	/* bounded by the number of physical CPUs */
	expect_err("x pin=4", 4, "option 'pin=4': no such CPU");
	expect_err("x pin=0,1", 1, "option 'pin=0,1': no such CPU");
	expect_err("x pin=a", 4, "option 'pin=a': not a CPU number");
	expect_err("x pin=1K", 4, "option 'pin=1K': not a CPU number");
	expect_err("x pin=", 4, "option 'pin=': empty list item");
	expect_err("x pin=0,,1", 4, "option 'pin=0,,1': empty list item");
	expect_err("x pin=0,", 4, "option 'pin=0,': empty list item");
	expect_err("x pin=,0", 4, "option 'pin=,0': empty list item");
}

static void test_kl(void **state)
{
	(void)state;
	expect_ok("x kl=on", 1);
	assert_true(def.kl);
	expect_ok("x kl=on kl=off", 1);
	assert_false(def.kl);
	expect_err("x kl=yes", 1, "option 'kl=yes': invalid value, expected on|off");
	expect_err("x kl=1", 1, "option 'kl=1': invalid value, expected on|off");
	expect_err("x kl", 1, "option 'kl': unknown option (options are key=value)");
}

static void test_modules(void **state)
{
	(void)state;
	expect_ok("x modules=a,b-2,c.d", 1);
	assert_int_equal(def.nr_modules, 3);
	assert_string_equal(def.modules[0], "a");
	assert_string_equal(def.modules[1], "b-2");
	assert_string_equal(def.modules[2], "c.d");
	expect_ok("x modules=abcdefghijklmnopqrstuvwxyz01234", 1);
	assert_int_equal(def.nr_modules, 1);
	assert_string_equal(def.modules[0], "abcdefghijklmnopqrstuvwxyz01234");
	/* a later modules= replaces the list */
	expect_ok("x modules=a,b modules=c", 1);
	assert_int_equal(def.nr_modules, 1);
	assert_string_equal(def.modules[0], "c");
	expect_ok("x modules=m1,m2,m3,m4,m5,m6,m7,m8", 1);
	assert_int_equal(def.nr_modules, 8);
	assert_string_equal(def.modules[7], "m8");
	expect_err("x modules=m1,m2,m3,m4,m5,m6,m7,m8,m9", 1,
		   "option 'modules=m1,m2,m3,m4,m5,m6,m7,m8,m9': too many items");
	expect_err("x modules=a,b/c", 1, "option 'modules=a,b/c': not a module name");
	expect_err("x modules=abcdefghijklmnopqrstuvwxyz012345", 1,
		   "option 'modules=abcdefghijklmnopqrstuvwxyz012345': not a module name");
	expect_err("x modules=", 1, "option 'modules=': empty list item");
	expect_err("x modules=a,", 1, "option 'modules=a,': empty list item");
}

static void test_args(void **state)
{
	(void)state;
	expect_ok("g --", 1);
	assert_string_equal(def.args, "");
	expect_ok("g vcpus=2 --   a b  c ", 1);
	assert_string_equal(def.args, "a b  c ");
	assert_int_equal(def.vcpus, 2);
	/* Everything after "--" belongs to the guest, even things like options. */
	expect_ok("g -- vcpus=99 bogus -- x", 1);
	assert_int_equal(def.vcpus, 1);
	assert_string_equal(def.args, "vcpus=99 bogus -- x");
	expect_ok("g\t--\tk=v", 1);
	assert_string_equal(def.args, "k=v");
	/* The args point into the caller's string. */
	{
		const char *s = "g -- tail";

		expect_ok(s, 1);
		assert_ptr_equal(def.args, s + 5);
	}
	/* Only a lone "--" starts the arguments. */
	expect_err("g --x", 1, "option '--x': unknown option (options are key=value)");
	expect_err("g ---", 1, "option '---': unknown option (options are key=value)");
}

static void test_unknown_options(void **state)
{
	(void)state;
	expect_err("x frob=1", 1, "option 'frob=1': unknown option");
	expect_err("x vcpu=2", 1, "option 'vcpu=2': unknown option");
	expect_err("x vcpusx=2", 1, "option 'vcpusx=2': unknown option");
	expect_err("x =2", 1, "option '=2': unknown option");
	expect_err("x verbose", 1, "option 'verbose': unknown option (options are key=value)");
	/* The first bad option is the one reported. */
	expect_err("x vcpus=2 mem=1M vcpus=0", 1, "option 'mem=1M': out of range (2M-3G)");
}

static void test_error_truncated_to_buffer(void **state)
{
	char small[12];
	const char *e;

	(void)state;
	memset(small, 'Z', sizeof(small));
	e = vmdef_parse("x vcpus=99", 1, &def, small, sizeof(small));
	assert_ptr_equal(e, small);
	assert_string_equal(small, "option 'vcp");
}

/* vmdefs_resolve */

static unsigned nr_reports;
static unsigned report_idx[8];
static char report_msg[8][128];

static void report(unsigned idx, const char *msg)
{
	assert_true(nr_reports < 8);
	report_idx[nr_reports] = idx;
	assert_true(strlen(msg) < sizeof(report_msg[0]));
	strcpy(report_msg[nr_reports], msg);
	nr_reports++;
}

static int setup_resolve(void **state)
{
	(void)state;
	nr_reports = 0;
	return 0;
}

static void parse_into(struct vm_def *d, const char *s)
{
	char e[128];

	if (vmdef_parse(s, 4, d, e, sizeof(e)))
		fail_msg("'%s': %s", s, e);
}

static void test_resolve_ok(void **state)
{
	struct vm_def d[4];
	bool ok[4] = { true, true, true, true };

	(void)state;
	parse_into(&d[0], "kltest kl=on modules=keyfile,cert");
	parse_into(&d[1], "keyfile type=data");
	parse_into(&d[2], "other modules=cert");
	parse_into(&d[3], "cert type=data");
	vmdefs_resolve(d, ok, 4, report);
	assert_int_equal(nr_reports, 0);
	assert_true(ok[0] && ok[1] && ok[2] && ok[3]);
	assert_int_equal(d[0].module_idx[0], 1);
	assert_int_equal(d[0].module_idx[1], 3);
	assert_int_equal(d[2].module_idx[0], 3);
}

static void test_resolve_duplicate(void **state)
{
	struct vm_def d[4];
	bool ok[4] = { true, true, true, true };

	(void)state;
	parse_into(&d[0], "a");
	parse_into(&d[1], "b");
	parse_into(&d[2], "a vcpus=2");
	parse_into(&d[3], "b type=data");
	vmdefs_resolve(d, ok, 4, report);
	assert_true(ok[0]);
	assert_true(ok[1]);
	assert_false(ok[2]);
	assert_false(ok[3]);
	assert_int_equal(nr_reports, 2);
	assert_int_equal(report_idx[0], 2);
	assert_string_equal(report_msg[0], "name 'a' already used by module 0");
	assert_int_equal(report_idx[1], 3);
	assert_string_equal(report_msg[1], "name 'b' already used by module 1");
}

static void test_resolve_duplicate_of_failed(void **state)
{
	struct vm_def d[2];
	bool ok[2] = { false, true };

	(void)state;
	/* The first "a" did not parse: the second is the only valid "a". */
	parse_into(&d[0], "a");
	parse_into(&d[1], "a");
	vmdefs_resolve(d, ok, 2, report);
	assert_int_equal(nr_reports, 0);
	assert_false(ok[0]);
	assert_true(ok[1]);
}

static void test_resolve_missing_module(void **state)
{
	struct vm_def d[3];
	bool ok[3] = { true, true, true };

	(void)state;
	parse_into(&d[0], "vm1 modules=keys,nothere");
	parse_into(&d[1], "keys type=data");
	parse_into(&d[2], "vm2 modules=keys");
	vmdefs_resolve(d, ok, 3, report);
	assert_false(ok[0]);
	assert_true(ok[1]);
	assert_true(ok[2]);
	assert_int_equal(nr_reports, 1);
	assert_int_equal(report_idx[0], 0);
	assert_string_equal(report_msg[0], "option 'modules': no data module named 'nothere'");
	assert_int_equal(d[2].module_idx[0], 1);
}

static void test_resolve_module_is_a_vm(void **state)
{
	struct vm_def d[2];
	bool ok[2] = { true, true };

	(void)state;
	parse_into(&d[0], "vm1 modules=vm2");
	parse_into(&d[1], "vm2");
	vmdefs_resolve(d, ok, 2, report);
	assert_false(ok[0]);
	assert_true(ok[1]);
	assert_int_equal(nr_reports, 1);
	assert_int_equal(report_idx[0], 0);
	assert_string_equal(report_msg[0], "option 'modules': no data module named 'vm2'");
}

static void test_resolve_module_failed_to_parse(void **state)
{
	struct vm_def d[2];
	bool ok[2] = { true, false };

	(void)state;
	parse_into(&d[0], "vm1 modules=keys");
	parse_into(&d[1], "keys type=data");
	vmdefs_resolve(d, ok, 2, report);
	assert_false(ok[0]);
	assert_int_equal(nr_reports, 1);
	assert_int_equal(report_idx[0], 0);
	assert_string_equal(report_msg[0], "option 'modules': no data module named 'keys'");
}

static void test_resolve_skips_failed_vm(void **state)
{
	struct vm_def d[1];
	bool ok[1] = { false };

	(void)state;
	parse_into(&d[0], "vm1 modules=nothere");
	vmdefs_resolve(d, ok, 1, report);
	assert_int_equal(nr_reports, 0); /* already reported as a parse failure */
	assert_false(ok[0]);
}

static void test_resolve_data_modules_not_checked(void **state)
{
	struct vm_def d[1];
	bool ok[1] = { true };

	(void)state;
	/* Only VMs receive modules; a data module's list is not looked up. */
	parse_into(&d[0], "blob type=data modules=nothere");
	vmdefs_resolve(d, ok, 1, report);
	assert_int_equal(nr_reports, 0);
	assert_true(ok[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_defaults_reset_between_parses),
		cmocka_unit_test(test_doc_examples),
		cmocka_unit_test(test_name_rules),
		cmocka_unit_test(test_type),
		cmocka_unit_test(test_vcpus),
		cmocka_unit_test(test_mem),
		cmocka_unit_test(test_pin),
		cmocka_unit_test(test_kl),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_unknown_options),
		cmocka_unit_test(test_error_truncated_to_buffer),
		cmocka_unit_test_setup(test_resolve_ok, setup_resolve),
		cmocka_unit_test_setup(test_resolve_duplicate, setup_resolve),
		cmocka_unit_test_setup(test_resolve_duplicate_of_failed, setup_resolve),
		cmocka_unit_test_setup(test_resolve_missing_module, setup_resolve),
		cmocka_unit_test_setup(test_resolve_module_is_a_vm, setup_resolve),
		cmocka_unit_test_setup(test_resolve_module_failed_to_parse, setup_resolve),
		cmocka_unit_test_setup(test_resolve_skips_failed_vm, setup_resolve),
		cmocka_unit_test_setup(test_resolve_data_modules_not_checked, setup_resolve),
	};

	return cmocka_run_group_tests_name("vmdef", tests, NULL, NULL);
}
