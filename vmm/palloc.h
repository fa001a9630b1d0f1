/* SPDX-License-Identifier: MIT */
/*
 * Physical page allocator: one bit per 4 KiB page, set = in use.  Pure
 * code: the caller supplies the bitmap storage and the ranges, so the host
 * tests exercise exactly what the VMM runs.
 */
#ifndef VMM_PALLOC_H
#define VMM_PALLOC_H

#include "lib/spinlock.h"
#include "lib/types.h"

struct phys_range {
	u64 start, end; /* end exclusive */
};

struct palloc {
	u64 *bitmap;
	u64 nr_pages; /* pages covered by the bitmap, from physical 0 */
	u64 free_pages;
	u64 next; /* where the next search starts */
	spinlock_t lock;
};

static inline u64 palloc_bitmap_bytes(u64 nr_pages)
{
	return ALIGN_UP(nr_pages, 64) / 8;
}

/*
 * Find a page-aligned place for @bytes inside @usable that overlaps none of
 * @reserved.  Returns false when there is none.
 */
bool palloc_place(const struct phys_range *usable, unsigned nr_usable,
		  const struct phys_range *reserved, unsigned nr_reserved, u64 bytes, u64 *where);

/*
 * Start with every page in use, free the pages fully inside @usable, then
 * take back those touching @reserved.  Page 0 is never handed out, so 0
 * can mean failure.
 */
void palloc_init(struct palloc *pa, u64 *bitmap, u64 nr_pages, const struct phys_range *usable,
		 unsigned nr_usable, const struct phys_range *reserved, unsigned nr_reserved);

/*
 * @npages contiguous pages, aligned to @align_pages (a power of two),
 * ending at or below @limit (0: anywhere).  Returns the physical address
 * or 0.
 */
u64 palloc_alloc(struct palloc *pa, u64 npages, u64 align_pages, u64 limit);

/* Returns false (and frees nothing) if any page was not allocated. */
bool palloc_free(struct palloc *pa, u64 phys, u64 npages);

#endif
