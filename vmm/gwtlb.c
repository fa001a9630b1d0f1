// SPDX-License-Identifier: MIT
/* The exact guest translation cache (see gwtlb.h for why a hit is exact). */
#include "vmm/gwtlb.h"
#include "lib/string.h"

enum gwalk_result gwtlb_walk(struct gwtlb *tlb, const struct gwalk_ctx *c, u64 la, u32 access,
			     u64 *gpa, u32 *pfec)
{
	u64 page = la >> GWTLB_PAGE_SHIFT, offset = la & (PAGE_SIZE - 1);
	struct gwtlb_entry *e;
	struct gwalk_trace t;
	enum gwalk_result r;
	u64 pa;

	/* The way that hit last first: an emulated instruction walks the same page again. */
	for (unsigned n = 0, i = tlb->last; n < GWTLB_WAYS; n++, i = (i + 1) % GWTLB_WAYS) {
		e = &tlb->e[i];
		if (gwtlb_entry_hits(e, c, page, access)) {
			tlb->last = i;
			*pfec = 0;
			*gpa = e->gpa_page | offset;
			return GW_OK;
		}
	}
	r = gwalk_traced(c, la, access, &pa, pfec, &t);
	*gpa = pa;
	if (r != GW_OK || !c->id)
		return r;
	/*
	 * Every address in a 4K linear page walks the same entries (the
	 * indices come from bits 12 and up) and gets the same frame plus
	 * its offset, large pages included.
	 */
	tlb->last = tlb->next;
	e = &tlb->e[tlb->next];
	tlb->next = (tlb->next + 1) % GWTLB_WAYS;
	e->valid = true;
	e->access = access;
	e->la_page = page;
	e->gpa_page = pa - offset;
	e->ctx_id = c->id;
	e->t = t;
	return GW_OK;
}

static enum gwalk_result tlb_walk(void *tlb, const struct gwalk_ctx *c, u64 la, u32 access,
				  u64 *gpa, u32 *pfec)
{
	return gwtlb_walk(tlb, c, la, access, gpa, pfec);
}

enum gwalk_result gwtlb_read(struct gwtlb *tlb, const struct gwalk_ctx *c, u64 la, u32 access,
			     void *buf, size_t len, size_t *done, u64 *where, u32 *pfec)
{
	const u8 *p = gwtlb_peek(tlb, c, la, access, len);

	if (p) {
		*pfec = 0;
		memcpy(buf, p, len);
		*done = len;
		return GW_OK;
	}
	return gwalk_read_by(tlb_walk, tlb, c, la, access, buf, len, done, where, pfec);
}

void gwtlb_flush(struct gwtlb *tlb)
{
	memset(tlb, 0, sizeof(*tlb));
}
