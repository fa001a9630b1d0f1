// SPDX-License-Identifier: MIT
/* The decoded-instruction cache (see dcache.h for why a hit is exact). */
#include "vmm/dcache.h"
#include "lib/string.h"

/* The bytes below @n of a little-endian word (n may exceed 8: all of them). */
static u64 low_bytes(unsigned n)
{
	return n >= 8 ? ~0ULL : (1ULL << (8 * n)) - 1;
}

const struct insn *dcache_find_other(struct dcache *d, const u8 *buf, size_t len,
				     unsigned mode_bits)
{
	for (unsigned n = 1, i = (d->last + 1) % DCACHE_WAYS; n < DCACHE_WAYS;
	     n++, i = (i + 1) % DCACHE_WAYS) {
		if (dcache_same_insn(&d->e[i], buf, len, mode_bits)) {
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
	e->aux = 0;
	memcpy(e->bytes, buf, out->len); /* the rest is masked off */
	e->mask[0] = low_bytes(out->len);
	e->mask[1] = out->len > DCACHE_WORD2_AT ? low_bytes(out->len - DCACHE_WORD2_AT) : 0;
	e->in = *out;
	return NULL;
}

void dcache_flush(struct dcache *d)
{
	memset(d, 0, sizeof(*d));
}
