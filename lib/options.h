/* SPDX-License-Identifier: MIT */
/*
 * Tokenizer for "word key=value ..." strings: the klvisor command line and
 * guest module definitions.  Tokens are separated by spaces; no quoting.
 */
#ifndef KLV_OPTIONS_H
#define KLV_OPTIONS_H

#include "lib/types.h"

struct token {
	const char *key; /* whole token when there is no '=' */
	size_t key_len;
	const char *val; /* NULL when there is no '=' */
	size_t val_len;
	const char *tok; /* the whole token, for messages */
	size_t tok_len;
};

/* Returns the next token after *@pos, advancing it; false at the end. */
bool next_token(const char **pos, struct token *t);

bool token_is(const struct token *t, const char *key);
bool value_is(const struct token *t, const char *val);

/*
 * Look the value up in @names (NULL-terminated); on a match store its index
 * in @out.
 */
bool value_index(const struct token *t, const char *const *names, unsigned *out);

#endif
