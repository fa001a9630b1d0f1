// SPDX-License-Identifier: MIT
/* The decoded-instruction cache (see dcache.h for why a hit is exact). */
#include "vmm/dcache.h"
#include "lib/string.h"

static bool same_insn(const struct dcache_entry *e, const u8 *buf, size_t len, unsigned mode_bits)
{
	if (!e->len || e->len > len || e->mode_bits != mode_bits)
		return false;
	/* Not secret (the guest's own code): the first difference ends it. */
	for (unsigned i = 0; i < e->len; i++)
		if (e->bytes[i] != buf[i])
			return false;
	return true;
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
	memcpy(e->bytes, buf, out->len);
	e->in = *out;
	return NULL;
}

void dcache_flush(struct dcache *d)
{
	memset(d, 0, sizeof(*d));
}
