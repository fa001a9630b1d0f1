// SPDX-License-Identifier: MIT
/*
 * docs/security.md table (a) must say what arch/x86/vmx_caps.c does.  On
 * a CPU that allows every control and forces none, each row's setting is
 * checked: "required" controls are set and their absence stops the boot,
 * "where available" ones are set and their absence does not, "0" ones are
 * clear; and every control klvisor sets has a row.  Run from the top of
 * the tree (tests/run-checks.sh does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/vmx_caps.h"
#include "tests/unit/support.h"

#define MAX_ROWS 128

struct row {
	char cls[16], setting[32], name[96];
	unsigned bit;
};

static struct row rows[MAX_ROWS];
static unsigned nr_rows;

static void trim(char *s)
{
	char *e = s + strlen(s);

	while (e > s && (e[-1] == ' ' || e[-1] == '\n'))
		*--e = '\0';
	memmove(s, s + strspn(s, " "), strlen(s + strspn(s, " ")) + 1);
}

/* "| class | bit | control | setting | why | test |" rows of the controls table. */
static int load_rows(void **state)
{
	static const char *const classes[] = { "pin",	   "primary", "secondary",
					       "tertiary", "exit",    "entry" };
	FILE *f = fopen("docs/security.md", "r");
	char line[1024];

	(void)state;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && nr_rows < MAX_ROWS) {
		char *col[7] = { 0 }, *p = line, *bar;
		unsigned n = 0;
		bool known = false;

		if (line[0] != '|')
			continue;
		p++;
		while (n < 7 && (bar = strchr(p, '|'))) {
			*bar = '\0';
			col[n++] = p;
			p = bar + 1;
		}
		if (n < 6)
			continue;
		for (unsigned i = 0; i < 7 && col[i]; i++)
			trim(col[i]);
		for (unsigned i = 0; i < ARRAY_SIZE(classes); i++)
			known |= !strcmp(col[0], classes[i]);
		if (!known)
			continue;
		snprintf(rows[nr_rows].cls, sizeof(rows[0].cls), "%s", col[0]);
		rows[nr_rows].bit = (unsigned)atoi(col[1]);
		snprintf(rows[nr_rows].name, sizeof(rows[0].name), "%s", col[2]);
		snprintf(rows[nr_rows].setting, sizeof(rows[0].setting), "%s", col[3]);
		nr_rows++;
	}
	fclose(f);
	return nr_rows ? 0 : -1;
}

/* Every control allowed, none forced, every EPT feature. */
static struct vmx_caps permissive(void)
{
	struct vmx_caps c = { 0 };

	c.basic = BIT(55);
	c.pin = c.proc = c.proc2 = c.exit = c.entry = 0xffffffff00000000ULL;
	c.ept_vpid = ~0ULL;
	return c;
}

static u64 *cap_of(struct vmx_caps *c, const char *cls)
{
	if (!strcmp(cls, "pin"))
		return &c->pin;
	if (!strcmp(cls, "primary"))
		return &c->proc;
	if (!strcmp(cls, "secondary"))
		return &c->proc2;
	if (!strcmp(cls, "exit"))
		return &c->exit;
	if (!strcmp(cls, "entry"))
		return &c->entry;
	return NULL; /* tertiary: set by the Key Locker code, not here */
}

static u32 ctl_of(const struct vmx_controls *v, const char *cls)
{
	if (!strcmp(cls, "pin"))
		return v->pin;
	if (!strcmp(cls, "primary"))
		return v->proc;
	if (!strcmp(cls, "secondary"))
		return v->proc2;
	if (!strcmp(cls, "exit"))
		return v->exit;
	return v->entry;
}

static void test_controls_match(void **state)
{
	struct vmx_caps all = permissive();
	struct vmx_controls c;

	(void)state;
	assert_null(vmx_compute_controls(&all, &c));
	for (unsigned i = 0; i < nr_rows; i++) {
		const struct row *r = &rows[i];
		struct vmx_caps less = all;
		struct vmx_controls c2;
		u64 *cap = cap_of(&less, r->cls);
		bool set;

		if (!cap)
			continue;
		set = ctl_of(&c, r->cls) & BIT(r->bit);
		if (!strcmp(r->setting, "required") || !strcmp(r->setting, "where available")) {
			if (!set)
				fail_msg("%s %u (%s) is documented as %s but not set", r->cls,
					 r->bit, r->name, r->setting);
			*cap &= ~BIT(r->bit + 32);
			if (!strcmp(r->setting, "required") && !vmx_compute_controls(&less, &c2))
				fail_msg("%s %u (%s) is documented as required but not required",
					 r->cls, r->bit, r->name);
			if (!strcmp(r->setting, "where available") &&
			    vmx_compute_controls(&less, &c2))
				fail_msg("%s %u (%s) is documented as optional but required",
					 r->cls, r->bit, r->name);
		} else if (!strcmp(r->setting, "0")) {
			if (set)
				fail_msg("%s %u (%s) is documented as 0 but set", r->cls, r->bit,
					 r->name);
		} else if (strcmp(r->setting, "run time") &&
			   strcmp(r->setting, "hardware Key Locker")) {
			fail_msg("%s %u: unknown setting '%s'", r->cls, r->bit, r->setting);
		}
	}
}

static void test_every_set_control_documented(void **state)
{
	static const char *const classes[] = { "pin", "primary", "secondary", "exit", "entry" };
	struct vmx_caps all = permissive();
	struct vmx_controls c;

	(void)state;
	assert_null(vmx_compute_controls(&all, &c));
	for (unsigned k = 0; k < ARRAY_SIZE(classes); k++) {
		u32 v = ctl_of(&c, classes[k]);

		for (unsigned bit = 0; bit < 32; bit++) {
			bool found = false;

			if (!(v & BIT(bit)))
				continue;
			for (unsigned i = 0; i < nr_rows; i++)
				found |= !strcmp(rows[i].cls, classes[k]) && rows[i].bit == bit;
			if (!found)
				fail_msg("%s control %u is set but has no row in docs/security.md",
					 classes[k], bit);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controls_match),
		cmocka_unit_test(test_every_set_control_documented),
	};

	return cmocka_run_group_tests(tests, load_rows, NULL);
}
