// SPDX-License-Identifier: MIT
/* The decoded-instruction cache (see dcache.h for why a hit is exact). */
#include "vmm/dcache.h"
#include "lib/string.h"

/* Bytes 0-7 and 7-14 of an instruction buffer: every byte of it is in one of the two. */
#define WORD2_AT 7
_Static_assert(WORD2_AT + 8 == INSN_MAX_LEN, "two words cover an instruction buffer");

static u64 word_at(const u8 *p)
{
	u64 w;

	__builtin_memcpy(&w, p, 8); /* inlined: one load */
	return w;
}

/* The bytes below @n of a little-endian word (n may exceed 8: all of them). */
static u64 low_bytes(unsigned n)
{
	return n >= 8 ? ~0ULL : (1ULL << (8 * n)) - 1;
}

/*
 * The entry's bytes 0 to len - 1 equal @buf's: each masked word compares
 * the instruction's own bytes in it and ignores the rest.  Not secret
 * (the guest's own code): the first differing word ends it.
 */
static bool same_insn(const struct dcache_entry *e, const u8 *buf, size_t len, unsigned mode_bits)
{
	if (!e->len || e->len > len || e->mode_bits != mode_bits)
		return false;
	return !((word_at(buf) ^ word_at(e->bytes)) & e->mask[0]) &&
	       !((word_at(buf + WORD2_AT) ^ word_at(e->bytes + WORD2_AT)) & e->mask[1]);
}

const struct insn *dcache_find(struct dcache *d, const u8 *buf, size_t len, unsigned mode_bits)
{
	const struct dcache_entry *e = &d->e[d->last];

	if (same_insn(e, buf, len, mode_bits))
		return &e->in;
	for (unsigned n = 1, i = (d->last + 1) % DCACHE_WAYS; n < DCACHE_WAYS;
	     n++, i = (i + 1) % DCACHE_WAYS) {
		if (same_insn(&d->e[i], buf, len, mode_bits)) {
			d->last = i;
			return &d->e[i].in;
		}
	}
	return NULL;
}

const char *dcache_decode(struct dcache *d, const u8 *buf, size_t len, unsigned mode_bits,
			  struct insn *out)
{
	const struct insn *hit = dcache_find(d, buf, len, mode_bits);
	struct dcache_entry *e;
	const char *err;

	if (hit) {
		*out = *hit;
		return NULL;
	}
	err = insn_decode(buf, len, mode_bits, out);
	if (err)
		return err; /* failures are not remembered: the full decode says why each time */
	d->last = d->next;
	e = &d->e[d->next];
	d->next = (d->next + 1) % DCACHE_WAYS;
	e->len = out->len;
	e->mode_bits = (u8)mode_bits;
	memcpy(e->bytes, buf, out->len); /* the rest is masked off */
	e->mask[0] = low_bytes(out->len);
	e->mask[1] = out->len > WORD2_AT ? low_bytes(out->len - WORD2_AT) : 0;
	e->in = *out;
	return NULL;
}

void dcache_flush(struct dcache *d)
{
	memset(d, 0, sizeof(*d));
}
