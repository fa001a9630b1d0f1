// SPDX-License-Identifier: MIT
/* The klvisor command line: table of options, each with its own parser. */
#include "vmm/config.h"
#include "lib/options.h"

static const char *const log_levels[] = { "err", "warn", "info", "debug", NULL };
static const char *const onexit_names[] = { "auto", "poweroff", "halt", "reboot", NULL };
static const char *const vmcs_break_names[] = { "none", "guest-state", "control", "pointer", NULL };
static const char *const fault_names[] = { "none", "pf", "ud", NULL };
static const char *const kl_policy_names[] = { "guests", "host", "off", NULL };
static const char *const console_names[] = { "auto", "keep", NULL };
static const char *const off_on_names[] = { "off", "on", NULL };

struct option {
	const char *name;
	const char *const *values;
	void (*set)(struct klv_config *cfg, unsigned idx);
};

static void set_loglevel(struct klv_config *cfg, unsigned i)
{
	cfg->log_level = (enum log_level)i;
}

static void set_onexit(struct klv_config *cfg, unsigned i)
{
	cfg->onexit = (enum onexit_action)i;
}

static void set_vmcs_break(struct klv_config *cfg, unsigned i)
{
	cfg->vmcs_break = (enum vmcs_break)i;
}

static void set_fault(struct klv_config *cfg, unsigned i)
{
	cfg->test_fault = (enum test_fault)i;
}

static void set_kl_policy(struct klv_config *cfg, unsigned i)
{
	cfg->kl_policy = (enum kl_policy)i;
}

static void set_console(struct klv_config *cfg, unsigned i)
{
	cfg->console_keep = i == 1;
}

static void set_wipecheck(struct klv_config *cfg, unsigned i)
{
	cfg->test_wipecheck = i == 1;
}

static const struct option options[] = {
	{ "loglevel", log_levels, set_loglevel },
	{ "onexit", onexit_names, set_onexit },
	{ "console", console_names, set_console },
	{ "keylocker", kl_policy_names, set_kl_policy },
	{ "test.vmcs_break", vmcs_break_names, set_vmcs_break },
	{ "test.fault", fault_names, set_fault },
	{ "test.wipecheck", off_on_names, set_wipecheck },
};

void cmdline_defaults(struct klv_config *cfg)
{
	cfg->log_level = LOG_INFO;
	cfg->onexit = ONEXIT_AUTO;
	cfg->vmcs_break = VMCS_BREAK_NONE;
	cfg->test_fault = TEST_FAULT_NONE;
	cfg->kl_policy = KL_POLICY_GUESTS;
	cfg->console_keep = false;
	cfg->test_wipecheck = false;
}

static const char *apply(const struct token *t, struct klv_config *cfg, const char *const **allowed)
{
	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		unsigned idx;

		if (!token_is(t, options[i].name))
			continue;
		*allowed = options[i].values;
		if (!t->val)
			return "needs a value";
		if (!value_index(t, options[i].values, &idx))
			return "invalid value";
		options[i].set(cfg, idx);
		return NULL;
	}
	return "unknown option";
}

unsigned cmdline_parse(const char *s, struct klv_config *cfg, cmdline_error_fn err)
{
	struct token t;
	unsigned bad = 0;

	if (!s)
		return 0;
	while (next_token(&s, &t)) {
		const char *const *allowed = NULL;
		const char *why = apply(&t, cfg, &allowed);

		if (why) {
			bad++;
			err(t.tok, t.tok_len, why, allowed);
		}
	}
	return bad;
}
