// SPDX-License-Identifier: MIT
/* Parsing VM definitions from module strings. */
#include "vmm/vmdef.h"
#include "lib/options.h"
#include "lib/printf.h"
#include "lib/string.h"

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

static bool valid_name(const char *s, size_t len)
{
	if (len == 0 || len > VM_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_char_ok(s[i]))
			return false;
	return true;
}

typedef const char *(*item_fn)(struct vm_def *def, const char *s, size_t len, unsigned nr_cpus);

/* Split @t's value "a,b,c" and call @fn per item; at most @limit items. */
static const char *for_each_item(const struct token *t, struct vm_def *def, item_fn fn,
				 unsigned limit, unsigned nr_cpus)
{
	size_t start = 0;
	unsigned n = 0;

	for (size_t i = 0; i <= t->val_len; i++) {
		const char *err;

		if (i < t->val_len && t->val[i] != ',')
			continue;
		if (i == start)
			return "empty list item";
		if (n == limit)
			return "too many items";
		err = fn(def, t->val + start, i - start, nr_cpus);
		if (err)
			return err;
		n++;
		start = i + 1;
	}
	return NULL;
}

static const char *add_pin(struct vm_def *def, const char *s, size_t len, unsigned nr_cpus)
{
	u64 cpu;

	if (!parse_u64(s, len, false, &cpu))
		return "not a CPU number";
	if (cpu >= nr_cpus)
		return "no such CPU";
	def->pins[def->nr_pins++] = (u8)cpu;
	return NULL;
}

static const char *add_module(struct vm_def *def, const char *s, size_t len, unsigned nr_cpus)
{
	(void)nr_cpus;
	if (!valid_name(s, len))
		return "not a module name";
	memcpy(def->modules[def->nr_modules], s, len);
	def->modules[def->nr_modules][len] = '\0';
	def->nr_modules++;
	return NULL;
}

static const char *apply(const struct token *t, struct vm_def *def, unsigned nr_cpus)
{
	static const char *const types[] = { "vm", "data", NULL };
	static const char *const onoff[] = { "off", "on", NULL };
	unsigned idx;
	u64 v;

	if (!t->val)
		return "unknown option (options are key=value)";
	if (token_is(t, "type")) {
		if (!value_index(t, types, &idx))
			return "invalid value, expected vm|data";
		def->type = (enum vmdef_type)idx;
	} else if (token_is(t, "vcpus")) {
		if (!parse_u64(t->val, t->val_len, false, &v) || v < 1 || v > VM_MAX_VCPUS)
			return "out of range (1-16)";
		def->vcpus = (unsigned)v;
	} else if (token_is(t, "mem")) {
		if (!parse_u64(t->val, t->val_len, true, &v) || v % PAGE_SIZE)
			return "not a size (a multiple of 4K, with K/M/G)";
		if (v < VM_MIN_MEM || v > VM_MAX_MEM)
			return "out of range (2M-3G)";
		def->mem = v;
	} else if (token_is(t, "timeout")) {
		if (!parse_u64(t->val, t->val_len, false, &v) || v < 1 || v > VM_MAX_TIMEOUT)
			return "out of range (1-86400 seconds)";
		def->timeout_s = (unsigned)v;
	} else if (token_is(t, "kl")) {
		if (!value_index(t, onoff, &idx))
			return "invalid value, expected on|off";
		def->kl = idx == 1;
	} else if (token_is(t, "pin")) {
		def->nr_pins = 0;
		return for_each_item(t, def, add_pin, VM_MAX_VCPUS, nr_cpus);
	} else if (token_is(t, "modules")) {
		def->nr_modules = 0;
		return for_each_item(t, def, add_module, VM_MAX_MODULES, nr_cpus);
	} else {
		return "unknown option";
	}
	return NULL;
}

const char *vmdef_parse(const char *s, unsigned nr_cpus, struct vm_def *def, char *err,
			size_t err_len)
{
	struct token t;

	memset(def, 0, sizeof(*def));
	def->vcpus = 1;
	def->mem = VM_DEFAULT_MEM;
	def->args = "";
	if (!s || !next_token(&s, &t) || t.val) {
		snprintf(err, err_len, "no VM name (the string must start with one)");
		return err;
	}
	if (!valid_name(t.tok, t.tok_len)) {
		snprintf(err, err_len, "name '%.*s' invalid (1-31 of a-z A-Z 0-9 - _ .)",
			 (int)t.tok_len, t.tok);
		return err;
	}
	memcpy(def->name, t.tok, t.tok_len);

	while (next_token(&s, &t)) {
		const char *why;

		if (t.tok_len == 2 && !memcmp(t.tok, "--", 2)) {
			while (*s == ' ' || *s == '\t')
				s++;
			def->args = s;
			break;
		}
		why = apply(&t, def, nr_cpus);
		if (why) {
			snprintf(err, err_len, "option '%.*s': %s", (int)t.tok_len, t.tok, why);
			return err;
		}
	}
	return NULL;
}

void vmdefs_resolve(struct vm_def *defs, bool *ok, unsigned n, vmdef_report_fn report)
{
	char msg[96];

	for (unsigned i = 0; i < n; i++) {
		for (unsigned j = 0; j < i && ok[i]; j++) {
			if (ok[j] && !strcmp(defs[i].name, defs[j].name)) {
				snprintf(msg, sizeof(msg), "name '%s' already used by module %u",
					 defs[i].name, j);
				ok[i] = false;
				report(i, msg);
			}
		}
	}
	for (unsigned i = 0; i < n; i++) {
		if (!ok[i] || defs[i].type != VMDEF_VM)
			continue;
		for (unsigned m = 0; m < defs[i].nr_modules; m++) {
			unsigned j;

			for (j = 0; j < n; j++)
				if (ok[j] && defs[j].type == VMDEF_DATA &&
				    !strcmp(defs[j].name, defs[i].modules[m]))
					break;
			if (j == n) {
				snprintf(msg, sizeof(msg),
					 "option 'modules': no data module named '%s'",
					 defs[i].modules[m]);
				ok[i] = false;
				report(i, msg);
				break;
			}
			defs[i].module_idx[m] = (int)j;
		}
	}
}
