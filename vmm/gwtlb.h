/* SPDX-License-Identifier: MIT */
/*
 * An exact software translation cache for guest page walks (gwalk.h), per
 * vCPU, for the emulation paths that walk the same pages over and over
 * (the software Key Locker's instruction fetch and handle read).
 *
 * An entry remembers one successful walk: the linear page, the access
 * kind, the walk context (RAM, CR0, CR3, CR4, EFER, RFLAGS.AC) by its id
 * (below) and every paging-structure entry the walk read, by
 * guest-physical address and value.  A lookup hits only when the context
 * and access kind are identical and every one of those entries still
 * holds the recorded value in guest RAM, re-read at lookup time.  Why
 * that is exactly the walk's result: the walk is deterministic; its first
 * read's address depends only on CR3 and the linear address, and each
 * later read's address only on the values read before it; so equal
 * inputs and equal values mean the walk would read the same entries,
 * find the same values and return the same translation with the same
 * permission checks.  A guest that edits its page tables without INVLPG
 * (which does not exit) is therefore still seen, and no INVLPG or CR3
 * interception is needed.  Faulting walks are never cached.  gwalk sets
 * no accessed or dirty bits, so neither does a hit.  Pure: host tests
 * drive it against page tables in a buffer.
 */
#ifndef VMM_GWTLB_H
#define VMM_GWTLB_H

#include "lib/string.h"
#include "vmm/gwalk.h"

#define GWTLB_WAYS 4

struct gwtlb_entry {
	bool valid;
	u32 access;
	u64 la_page; /* linear address >> 12 */
	u64 gpa_page; /* the 4K frame it maps to */
	u64 ctx_id; /* the context's id (never 0) */
	struct gwalk_trace t;
};

struct gwtlb {
	struct gwtlb_entry e[GWTLB_WAYS];
	unsigned next; /* round-robin victim */
	unsigned last; /* the way that hit or was filled last: probed first */
};

/*
 * Context ids.  A lookup compares one word for the context instead of its
 * seven values: gwtlb_ctx_id() gives @c the id of the context it saw last
 * when every value is the same, else a new id, so equal ids mean equal
 * values.  That holds only among ids from one struct gwtlb_ids: every
 * context a set of TLBs sees must get its id from the same one, and the
 * counter never restarts (a restart could reuse an id that entries still
 * hold).  A context with id 0 is walked but never cached or hit.
 */
struct gwtlb_ids {
	struct gwalk_ctx last;
	u64 next; /* the last id handed out */
};

static __always_inline bool gwtlb_same_values(const struct gwalk_ctx *a, const struct gwalk_ctx *b)
{
	return a->ram == b->ram && a->ram_size == b->ram_size && a->cr0 == b->cr0 &&
	       a->cr3 == b->cr3 && a->cr4 == b->cr4 && a->efer == b->efer && a->ac == b->ac;
}

static __always_inline void gwtlb_ctx_id(struct gwtlb_ids *ids, struct gwalk_ctx *c)
{
	if (ids->next && gwtlb_same_values(&ids->last, c)) {
		c->id = ids->next;
		return;
	}
	c->id = ++ids->next;
	ids->last = *c;
}

/* gwalk(), answered from @tlb when an entry is exactly valid, else walked and remembered. */
enum gwalk_result gwtlb_walk(struct gwtlb *tlb, const struct gwalk_ctx *c, u64 la, u32 access,
			     u64 *gpa, u32 *pfec);
/* gwalk_read() through gwtlb_walk(): the same results, one walk or lookup per page. */
enum gwalk_result gwtlb_read(struct gwtlb *tlb, const struct gwalk_ctx *c, u64 la, u32 access,
			     void *buf, size_t len, size_t *done, u64 *where, u32 *pfec);
/* Forget every entry (not needed for correctness: hits revalidate). */
void gwtlb_flush(struct gwtlb *tlb);

/*
 * The hit path, inline: the software Key Locker looks up twice per
 * emulated instruction, and a call each costs more than the check.
 */
#define GWTLB_PAGE_SHIFT 12

/*
 * Every entry the walk read still holds what it held (re-read from guest
 * RAM now).  One walk reads entries of one size (4 bytes under 32-bit
 * paging, 8 otherwise), so the loop is picked once.
 */
static __always_inline bool gwtlb_trace_current(const struct gwalk_ctx *c,
						const struct gwalk_trace *t)
{
	/* In RAM: checked when recorded, and the context (RAM size too) is the same. */
	if (t->n && t->size[0] == 4) {
		for (unsigned i = 0; i < t->n; i++)
			if (load_u32(c->ram + t->gpa[i]) != t->val[i])
				return false;
		return true;
	}
#pragma GCC unroll 4
	for (unsigned i = 0; i < t->n; i++)
		if (load_u64(c->ram + t->gpa[i]) != t->val[i])
			return false;
	return true;
}

/* The way @e holds the exact walk of @page for @access under @c. */
static __always_inline bool gwtlb_entry_hits(const struct gwtlb_entry *e, const struct gwalk_ctx *c,
					     u64 page, u32 access)
{
	return e->valid && e->la_page == page && e->access == access && e->ctx_id == c->id &&
	       gwtlb_trace_current(c, &e->t);
}

/*
 * The common case of gwtlb_read() without the copy: the @len bytes at
 * @la lie in one page, the way that hit last maps that page exactly (the
 * same rule as gwtlb_walk()'s hits, every paging entry re-read) and the
 * bytes lie inside guest RAM.  Then a pointer to them in guest RAM, which
 * the caller reads once (a racing vCPU may change them at any time);
 * otherwise NULL, and the caller takes gwtlb_read().
 */
static __always_inline const u8 *gwtlb_peek(struct gwtlb *tlb, const struct gwalk_ctx *c, u64 la,
					    u32 access, size_t len)
{
	const struct gwtlb_entry *e = &tlb->e[tlb->last];
	u64 off = la & (PAGE_SIZE - 1), gpa;

	/*
	 * The same checks as gwalk_read_by()'s loop (the walk's exact hit,
	 * the bytes inside RAM), for one page and one way only.
	 */
	if (len > PAGE_SIZE - off || !gwtlb_entry_hits(e, c, la >> GWTLB_PAGE_SHIFT, access))
		return NULL;
	gpa = e->gpa_page | off;
	if (gpa >= c->ram_size || len > c->ram_size - gpa)
		return NULL;
	return c->ram + gpa;
}

#endif
