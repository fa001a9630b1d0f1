// SPDX-License-Identifier: MIT
/* Splitting option strings into key=value tokens. */
#include "lib/options.h"
#include "lib/string.h"

bool next_token(const char **pos, struct token *t)
{
	const char *p = *pos, *eq;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return false;
	t->tok = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	t->tok_len = (size_t)(p - t->tok);
	*pos = p;

	eq = memchr(t->tok, '=', t->tok_len);
	t->key = t->tok;
	if (eq) {
		t->key_len = (size_t)(eq - t->tok);
		t->val = eq + 1;
		t->val_len = t->tok_len - t->key_len - 1;
	} else {
		t->key_len = t->tok_len;
		t->val = NULL;
		t->val_len = 0;
	}
	return true;
}

static bool span_is(const char *s, size_t len, const char *want)
{
	return strlen(want) == len && !memcmp(s, want, len);
}

bool token_is(const struct token *t, const char *key)
{
	return span_is(t->key, t->key_len, key);
}

bool value_is(const struct token *t, const char *val)
{
	return t->val && span_is(t->val, t->val_len, val);
}

bool value_index(const struct token *t, const char *const *names, unsigned *out)
{
	for (unsigned i = 0; names[i]; i++) {
		if (value_is(t, names[i])) {
			*out = i;
			return true;
		}
	}
	return false;
}
