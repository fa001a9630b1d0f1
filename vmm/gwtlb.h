/* SPDX-License-Identifier: MIT */
/*
 * An exact software translation cache for guest page walks (gwalk.h), per
 * vCPU, for the emulation paths that walk the same pages over and over
 * (the software Key Locker's instruction fetch and handle read).
 *
 * An entry remembers one successful walk: the linear page, the access
 * kind, the whole walk context (RAM, CR0, CR3, CR4, EFER, RFLAGS.AC) and
 * every paging-structure entry the walk read, by guest-physical address
 * and value.  A lookup hits only when the context and access kind are
 * identical and every one of those entries still holds the recorded value
 * in guest RAM, re-read at lookup time.  Why that is exactly the walk's
 * result: the walk is deterministic; its first read's address depends
 * only on CR3 and the linear address, and each later read's address only
 * on the values read before it; so equal inputs and equal values mean the
 * walk would read the same entries, find the same values and return the
 * same translation with the same permission checks.  A guest that edits
 * its page tables without INVLPG (which does not exit) is therefore still
 * seen, and no INVLPG or CR3 interception is needed.  Faulting walks are
 * never cached.  gwalk sets no accessed or dirty bits, so neither does a
 * hit.  Pure: host tests drive it against page tables in a buffer.
 */
#ifndef VMM_GWTLB_H
#define VMM_GWTLB_H

#include "vmm/gwalk.h"

#define GWTLB_WAYS 4

struct gwtlb_entry {
	bool valid;
	u32 access;
	u64 la_page; /* linear address >> 12 */
	u64 gpa_page; /* the 4K frame it maps to */
	struct gwalk_ctx ctx;
	struct gwalk_trace t;
};

struct gwtlb {
	struct gwtlb_entry e[GWTLB_WAYS];
	unsigned next; /* round-robin victim */
	unsigned last; /* the way that hit or was filled last: probed first */
};

/* gwalk(), answered from @tlb when an entry is exactly valid, else walked and remembered. */
enum gwalk_result gwtlb_walk(struct gwtlb *tlb, const struct gwalk_ctx *c, u64 la, u32 access,
			     u64 *gpa, u32 *pfec);
/*
 * The common case of gwtlb_read() without the copy: the @len bytes at
 * @la lie in one page, the way that hit last maps that page exactly (the
 * same rule as gwtlb_walk()'s hits, every paging entry re-read) and the
 * bytes lie inside guest RAM.  Then a pointer to them in guest RAM, which
 * the caller reads once (a racing vCPU may change them at any time);
 * otherwise NULL, and the caller takes gwtlb_read().
 */
const u8 *gwtlb_peek(struct gwtlb *tlb, const struct gwalk_ctx *c, u64 la, u32 access, size_t len);
/* gwalk_read() through gwtlb_walk(): the same results, one walk or lookup per page. */
enum gwalk_result gwtlb_read(struct gwtlb *tlb, const struct gwalk_ctx *c, u64 la, u32 access,
			     void *buf, size_t len, size_t *done, u64 *where, u32 *pfec);
/* Forget every entry (not needed for correctness: hits revalidate). */
void gwtlb_flush(struct gwtlb *tlb);

#endif
