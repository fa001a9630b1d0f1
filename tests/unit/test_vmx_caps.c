// SPDX-License-Identifier: MIT
/*
 * VMX control computation (Intel SDM Vol. 3, Appendix A.3-A.5): the
 * allowed-0/allowed-1 arithmetic, the controls for a Bochs "tigerlake"-like
 * CPU, and the name reported when each required feature is missing.
 */
#include <string.h>

#include "arch/x86/vmx_caps.h"
#include "tests/unit/support.h"

static void test_adjust_math(void **state)
{
	u32 miss = 0xdead;

	(void)state;
	/* must-be-1 = bits 0,4; allowed-1 = bits 0-7.  Desired bit 8 is not
	 * allowed and silently dropped; required bit 5 is allowed. */
	assert_int_equal(vmx_ctl_adjust(0x000000ff00000011ULL, 0x102, 0x20, &miss), 0x33);
	assert_int_equal(miss, 0);

	/* Required bits 8 and 9 not allowed: reported, and left clear. */
	assert_int_equal(vmx_ctl_adjust(0x000000ff00000011ULL, 0, 0x301, &miss), 0x11);
	assert_int_equal(miss, 0x300);

	/* Nothing asked for: exactly the must-be-1 bits. */
	assert_int_equal(vmx_ctl_adjust(0xfff9fffe0401e172ULL, 0, 0, &miss), 0x0401e172);
	assert_int_equal(miss, 0);

	/* Bit 31 and the whole high half. */
	assert_int_equal(vmx_ctl_adjust(0xffffffff80000000ULL, 0, 1, &miss), 0x80000001);
	assert_int_equal(miss, 0);
	assert_int_equal(vmx_ctl_adjust(0x7fffffff00000000ULL, 0, 0x80000000, &miss), 0);
	assert_int_equal(miss, 0x80000000);

	/* A bit that is required and also must-be-1 is not missing. */
	assert_int_equal(vmx_ctl_adjust(0x0000000f00000004ULL, 0, 4, &miss), 4);
	assert_int_equal(miss, 0);
}

/*
 * Capability MSRs as Bochs reports them for its tigerlake model (TRUE
 * variants): low half must-be-1, high half allowed-1.
 */
static const struct vmx_caps tigerlake = {
	.basic = 0x00da040000000001ULL,
	.pin = 0x0000007f00000016ULL,
	.proc = 0xfff9fffe0401e172ULL,
	/* allowed-1: bits 0-14 (EPT=1, RDTSCP=3, VPID=5, UG=7, INVPCID=12),
	 * 16, 20 (XSAVES), 22 */
	.proc2 = 0x00517fff00000000ULL,
	.exit = 0x01ffffff00036dfbULL,
	.entry = 0x0003ffff000011fbULL,
	.misc = 0x00000000000401e0ULL,
	.cr0_fixed0 = 0x80000021,
	.cr0_fixed1 = 0xffffffff,
	.cr4_fixed0 = 0x2000,
	.cr4_fixed1 = 0x3727ff,
	/* Walk length 4 (6), WB (14), 2M/1G pages, INVEPT (20) + types (25, 26),
	 * INVVPID (32) + types (40-43). */
	.ept_vpid = 0x00000f0106734141ULL,
};

static void test_tigerlake_controls(void **state)
{
	struct vmx_controls c;

	(void)state;
	assert_null(vmx_compute_controls(&tigerlake, &c));

	/* must-be-1 | required | desired-and-allowed, worked out bit by bit:
	 * pin:   0x16 | ext. interrupt (0) | NMI (3) | virtual NMIs (5)
	 *        | preemption (6)                                      = 0x7f
	 * proc:  0x0401e172 | TSC offsetting (3) | HLT (7) | MWAIT (10)
	 *        | RDPMC (11) | CR8 load/store (19, 20) | uncond. I/O (24)
	 *        | use MSR bitmaps (28, desired) | MONITOR (29)
	 *        | secondary controls (31)                               = 0xb519edfa
	 * proc2: EPT (1) | RDTSCP (3, desired) | VPID (5) | WBINVD (6)
	 *        | UG (7) | PAUSE-loop (10, desired) | INVPCID (12, desired) = 0x14ea
	 * exit:  0x36dfb | save debug (2) | host addr size (9)
	 *        | ack interrupt (15) | save/load PAT (18, 19)
	 *        | save/load EFER (20, 21) | save preemption timer (22,
	 *        desired)                                              = 0x7fefff
	 * entry: 0x11fb | load debug (2) | load PAT (14) | load EFER (15) = 0xd1ff
	 * Interrupt-window exiting (proc bit 2) is toggled at run time:
	 * allowed, but not set here. */
	assert_int_equal(c.pin, 0x7f);
	assert_int_equal(c.proc, 0xb519edfa);
	assert_int_equal(c.proc2, 0x14ea);
	assert_int_equal(c.exit, 0x7fefff);
	assert_int_equal(c.entry, 0xd1ff);

	/* Every must-be-1 bit is set, every bit set is allowed. */
	assert_int_equal(c.pin & 0x16, 0x16);
	assert_int_equal(c.proc & 0x0401e172, 0x0401e172);
	assert_int_equal(c.exit & 0x36dfb, 0x36dfb);
	assert_int_equal(c.entry & 0x11fb, 0x11fb);
	assert_int_equal(c.pin & ~0x7fu, 0);
	assert_int_equal(c.proc & ~0xfff9fffeu, 0);
	assert_int_equal(c.proc2 & ~0x00517fffu, 0);
	assert_int_equal(c.exit & ~0x01ffffffu, 0);
	assert_int_equal(c.entry & ~0x0003ffffu, 0);
}

/* Required bits the CPU insists on (must-be-1) are fine too. */
static void test_required_as_must_be_1(void **state)
{
	struct vmx_caps caps = tigerlake;
	struct vmx_controls c;

	(void)state;
	caps.pin |= BIT(3); /* NMI exiting must be 1 */
	caps.proc2 |= 0x000000a2ULL; /* EPT, VPID, UG must be 1 */
	assert_null(vmx_compute_controls(&caps, &c));
	assert_int_equal(c.pin, 0x7f);
	assert_int_equal(c.proc2, 0x14ea);
}

/* A desired control the CPU lacks is left out, not an error. */
static void test_desired_rdtscp(void **state)
{
	struct vmx_caps caps = tigerlake;
	struct vmx_controls c;

	(void)state;
	caps.proc2 &= ~BIT(3 + 32);
	assert_null(vmx_compute_controls(&caps, &c));
	assert_int_equal(c.proc2, 0x14e2);
}

/* Clear @bit (0-31) in both halves of a capability MSR. */
static void drop(u64 *cap, unsigned bit)
{
	*cap &= ~(BIT(bit) | BIT(bit + 32));
}

/*
 * Desired controls the CPU lacks are left out, not an error: without
 * PAUSE-loop exiting and INVPCID the rest is unchanged.
 */
static void test_desired_ple_invpcid(void **state)
{
	struct vmx_caps caps = tigerlake;
	struct vmx_controls c;

	(void)state;
	drop(&caps.proc2, 10);
	drop(&caps.proc2, 12);
	assert_null(vmx_compute_controls(&caps, &c));
	assert_int_equal(c.proc2, 0xea);
}

struct removal {
	const char *what;
	u64 *(*msr)(struct vmx_caps *c);
	unsigned bit;
	const char *keyword, *keyword2;
};

static u64 *pin(struct vmx_caps *c)
{
	return &c->pin;
}

static u64 *proc(struct vmx_caps *c)
{
	return &c->proc;
}

static u64 *proc2(struct vmx_caps *c)
{
	return &c->proc2;
}

static u64 *exitc(struct vmx_caps *c)
{
	return &c->exit;
}

static u64 *entry(struct vmx_caps *c)
{
	return &c->entry;
}

static void test_each_required_feature(void **state)
{
	/* Bit numbers from the SDM control tables (24-5 .. 24-13). */
	static const struct removal rm[] = {
		{ "external-interrupt exiting", pin, 0, "external-interrupt", NULL },
		{ "NMI exiting", pin, 3, "NMI", NULL },
		{ "virtual NMIs", pin, 5, "NMI", "virtual" },
		{ "NMI-window exiting", proc, 22, "NMI", "window" },
		{ "VMX-preemption timer", pin, 6, "preemption", NULL },
		{ "use TSC offsetting", proc, 3, "TSC", NULL },
		{ "interrupt-window exiting", proc, 2, "interrupt-window", NULL },
		{ "HLT exiting", proc, 7, "HLT", NULL },
		{ "MWAIT exiting", proc, 10, "MWAIT", NULL },
		{ "RDPMC exiting", proc, 11, "RDPMC", NULL },
		{ "CR8-load exiting", proc, 19, "CR8", "load" },
		{ "CR8-store exiting", proc, 20, "CR8", "store" },
		{ "MONITOR exiting", proc, 29, "MONITOR", NULL },
		{ "WBINVD exiting", proc2, 6, "WBINVD", NULL },
		{ "save debug controls", exitc, 2, "debug", "save" },
		{ "save IA32_PAT", exitc, 18, "PAT", "save" },
		{ "load IA32_PAT", exitc, 19, "PAT", "load" },
		{ "load debug controls", entry, 2, "debug", "entry" },
		{ "load IA32_PAT on entry", entry, 14, "PAT", "entry" },
		{ "unconditional I/O exiting", proc, 24, "I/O", NULL },
		{ "activate secondary controls", proc, 31, "secondary", NULL },
		{ "enable EPT", proc2, 1, "EPT", NULL },
		{ "enable VPID", proc2, 5, "VPID", NULL },
		{ "unrestricted guest", proc2, 7, "unrestricted", NULL },
		{ "host address-space size", exitc, 9, "address-space", NULL },
		{ "acknowledge interrupt on exit", exitc, 15, "acknowledge", NULL },
		{ "save IA32_EFER on exit", exitc, 20, "EFER", "save" },
		{ "load IA32_EFER on exit", exitc, 21, "EFER", "load" },
		{ "load IA32_EFER on entry", entry, 15, "EFER", "entry" },
	};
	static const char *const all_keys[] = {
		"NMI",		"preemption",	 "TSC",	      "interrupt-window",
		"HLT",		"I/O",		 "secondary", "VPID",
		"unrestricted", "address-space", "EFER",      "external-interrupt",
		"acknowledge",	"MWAIT",	 "RDPMC",     "CR8",
		"MONITOR",	"WBINVD",	 "debug",     "PAT",
	};

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(rm); i++) {
		struct vmx_caps caps = tigerlake;
		struct vmx_controls c;
		const char *why;

		drop(rm[i].msr(&caps), rm[i].bit);
		why = vmx_compute_controls(&caps, &c);
		assert_non_null(why);
		assert_non_null(strstr(why, rm[i].keyword));
		if (rm[i].keyword2)
			assert_non_null(strstr(why, rm[i].keyword2));
		/* ... and names no other feature. */
		for (unsigned k = 0; k < ARRAY_SIZE(all_keys); k++)
			if (strcmp(all_keys[k], rm[i].keyword))
				assert_null(strstr(why, all_keys[k]));
	}

	/* The exit-control EFER messages do not claim to be about entry. */
	{
		struct vmx_caps caps = tigerlake;
		struct vmx_controls c;
		const char *why;

		drop(&caps.exit, 21);
		why = vmx_compute_controls(&caps, &c);
		assert_non_null(why);
		assert_null(strstr(why, "entry"));
	}
}

static void test_ept_capabilities(void **state)
{
	struct vmx_caps caps;
	struct vmx_controls c;
	const char *why;

	(void)state;
	caps = tigerlake;
	caps.ept_vpid &= ~BIT(6); /* no 4-level page walk */
	why = vmx_compute_controls(&caps, &c);
	assert_non_null(why);
	assert_non_null(strstr(why, "EPT"));
	assert_non_null(strstr(why, "4-level"));

	caps = tigerlake;
	caps.ept_vpid &= ~BIT(14); /* no write-back EPT structures */
	why = vmx_compute_controls(&caps, &c);
	assert_non_null(why);
	assert_non_null(strstr(why, "write-back"));

	caps = tigerlake;
	caps.ept_vpid &= ~BIT(20); /* no INVEPT */
	why = vmx_compute_controls(&caps, &c);
	assert_non_null(why);
	assert_non_null(strstr(why, "INVEPT"));

	caps = tigerlake;
	caps.ept_vpid &= ~BIT(25); /* INVEPT, but not single-context */
	why = vmx_compute_controls(&caps, &c);
	assert_non_null(why);
	assert_non_null(strstr(why, "single-context"));

	/* Only bits 6, 14, 20 and 25 matter for these checks. */
	caps = tigerlake;
	caps.ept_vpid = BIT(6) | BIT(14) | BIT(20) | BIT(25);
	assert_null(vmx_compute_controls(&caps, &c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adjust_math),
		cmocka_unit_test(test_tigerlake_controls),
		cmocka_unit_test(test_required_as_must_be_1),
		cmocka_unit_test(test_desired_rdtscp),
		cmocka_unit_test(test_desired_ple_invpcid),
		cmocka_unit_test(test_each_required_feature),
		cmocka_unit_test(test_ept_capabilities),
	};

	return cmocka_run_group_tests_name("vmx_caps", tests, NULL, NULL);
}
