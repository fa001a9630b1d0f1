// SPDX-License-Identifier: MIT
/* The exact guest translation cache (see gwtlb.h for why a hit is exact). */
#include "vmm/gwtlb.h"
#include "lib/string.h"

#define PAGE_SHIFT_4K 12

static bool same_ctx(const struct gwalk_ctx *a, const struct gwalk_ctx *b)
{
	return a->ram == b->ram && a->ram_size == b->ram_size && a->cr0 == b->cr0 &&
	       a->cr3 == b->cr3 && a->cr4 == b->cr4 && a->efer == b->efer && a->ac == b->ac;
}

/*
 * Every entry the walk read still holds what it held (re-read from guest
 * RAM now).  One walk reads entries of one size (4 bytes under 32-bit
 * paging, 8 otherwise), so the loop is picked once.
 */
static bool trace_current(const struct gwalk_ctx *c, const struct gwalk_trace *t)
{
	/* In RAM: checked when recorded, and the context (RAM size too) is the same. */
	if (t->n && t->size[0] == 4) {
		for (unsigned i = 0; i < t->n; i++) {
			u32 v;

			__builtin_memcpy(&v, c->ram + t->gpa[i], 4);
			if (v != t->val[i])
				return false;
		}
		return true;
	}
	for (unsigned i = 0; i < t->n; i++) {
		u64 v;

		__builtin_memcpy(&v, c->ram + t->gpa[i], 8);
		if (v != t->val[i])
			return false;
	}
	return true;
}

/* Inline into both gwtlb_peek() and gwtlb_walk(): the hit path is the one that counts. */
static __always_inline bool entry_hits(const struct gwtlb_entry *e, const struct gwalk_ctx *c,
				       u64 page, u32 access)
{
	return e->valid && e->la_page == page && e->access == access && same_ctx(&e->ctx, c) &&
	       trace_current(c, &e->t);
}

enum gwalk_result gwtlb_walk(struct gwtlb *tlb, const struct gwalk_ctx *c, u64 la, u32 access,
			     u64 *gpa, u32 *pfec)
{
	u64 page = la >> PAGE_SHIFT_4K, offset = la & (PAGE_SIZE - 1);
	struct gwtlb_entry *e;
	struct gwalk_trace t;
	enum gwalk_result r;
	u64 pa;

	/* The way that hit last first: an emulated instruction walks the same page again. */
	for (unsigned n = 0, i = tlb->last; n < GWTLB_WAYS; n++, i = (i + 1) % GWTLB_WAYS) {
		e = &tlb->e[i];
		if (entry_hits(e, c, page, access)) {
			tlb->last = i;
			*pfec = 0;
			*gpa = e->gpa_page | offset;
			return GW_OK;
		}
	}
	r = gwalk_traced(c, la, access, &pa, pfec, &t);
	*gpa = pa;
	if (r != GW_OK)
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
	e->ctx = *c;
	e->t = t;
	return GW_OK;
}

static enum gwalk_result tlb_walk(void *tlb, const struct gwalk_ctx *c, u64 la, u32 access,
				  u64 *gpa, u32 *pfec)
{
	return gwtlb_walk(tlb, c, la, access, gpa, pfec);
}

const u8 *gwtlb_peek(struct gwtlb *tlb, const struct gwalk_ctx *c, u64 la, u32 access, size_t len)
{
	const struct gwtlb_entry *e = &tlb->e[tlb->last];
	u64 off = la & (PAGE_SIZE - 1), gpa;

	/*
	 * The same checks as gwalk_read_by()'s loop (the walk's exact hit,
	 * the bytes inside RAM), for one page and one way only.
	 */
	if (len > PAGE_SIZE - off || !entry_hits(e, c, la >> PAGE_SHIFT_4K, access))
		return NULL;
	gpa = e->gpa_page | off;
	if (gpa >= c->ram_size || len > c->ram_size - gpa)
		return NULL;
	return c->ram + gpa;
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
