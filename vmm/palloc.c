// SPDX-License-Identifier: MIT
/* Bitmap physical page allocator.  See palloc.h for the contract. */
#include "vmm/palloc.h"
#include "lib/string.h"

static bool test_bit(const u64 *bm, u64 i)
{
	return bm[i / 64] & BIT(i % 64);
}

static void set_range(struct palloc *pa, u64 first, u64 n, bool used)
{
	for (u64 i = first; i < first + n && i < pa->nr_pages; i++) {
		if (test_bit(pa->bitmap, i) == used)
			continue;
		if (used) {
			pa->bitmap[i / 64] |= BIT(i % 64);
			pa->free_pages--;
		} else {
			pa->bitmap[i / 64] &= ~BIT(i % 64);
			pa->free_pages++;
		}
	}
}

static bool overlaps(u64 s, u64 e, const struct phys_range *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (s < r[i].end && r[i].start < e)
			return true;
	return false;
}

bool palloc_place(const struct phys_range *usable, unsigned nr_usable,
		  const struct phys_range *reserved, unsigned nr_reserved, u64 bytes, u64 *where)
{
	bytes = ALIGN_UP(bytes, PAGE_SIZE);
	for (unsigned i = 0; i < nr_usable; i++) {
		u64 s = ALIGN_UP(MAX(usable[i].start, PAGE_SIZE), PAGE_SIZE);

		for (; s + bytes <= ALIGN_DOWN(usable[i].end, PAGE_SIZE) && s + bytes > s;
		     s += PAGE_SIZE) {
			if (!overlaps(s, s + bytes, reserved, nr_reserved)) {
				*where = s;
				return true;
			}
		}
	}
	return false;
}

void palloc_init(struct palloc *pa, u64 *bitmap, u64 nr_pages, const struct phys_range *usable,
		 unsigned nr_usable, const struct phys_range *reserved, unsigned nr_reserved)
{
	memset(pa, 0, sizeof(*pa));
	pa->bitmap = bitmap;
	pa->nr_pages = nr_pages;
	memset(bitmap, 0xff, palloc_bitmap_bytes(nr_pages));

	for (unsigned i = 0; i < nr_usable; i++) {
		u64 s = ALIGN_UP(usable[i].start, PAGE_SIZE) >> PAGE_SHIFT;
		u64 e = ALIGN_DOWN(usable[i].end, PAGE_SIZE) >> PAGE_SHIFT;

		if (e > s)
			set_range(pa, s, e - s, false);
	}
	for (unsigned i = 0; i < nr_reserved; i++) {
		u64 s = ALIGN_DOWN(reserved[i].start, PAGE_SIZE) >> PAGE_SHIFT;
		u64 e = ALIGN_UP(reserved[i].end, PAGE_SIZE) >> PAGE_SHIFT;

		if (e > s)
			set_range(pa, s, e - s, true);
	}
	set_range(pa, 0, 1, true);
}

static u64 find_run(struct palloc *pa, u64 from, u64 to, u64 npages, u64 align)
{
	for (u64 s = ALIGN_UP(from, align); npages <= to && s <= to - npages; s += align) {
		u64 i;

		for (i = 0; i < npages && !test_bit(pa->bitmap, s + i); i++)
			;
		if (i == npages)
			return s;
		/* Skip past the used page; keeps the scan linear. */
		s = ALIGN_DOWN(s + i, align);
	}
	return 0;
}

u64 palloc_alloc(struct palloc *pa, u64 npages, u64 align_pages, u64 limit)
{
	u64 top = pa->nr_pages, s;

	if (npages == 0 || align_pages == 0 || (align_pages & (align_pages - 1)))
		return 0;
	if (limit && (limit >> PAGE_SHIFT) < top)
		top = limit >> PAGE_SHIFT;

	spin_lock(&pa->lock);
	s = find_run(pa, MIN(pa->next, top), top, npages, align_pages);
	if (!s)
		s = find_run(pa, 1, top, npages, align_pages);
	if (s) {
		set_range(pa, s, npages, true);
		pa->next = s + npages;
	}
	spin_unlock(&pa->lock);
	return s << PAGE_SHIFT;
}

bool palloc_free(struct palloc *pa, u64 phys, u64 npages)
{
	u64 first = phys >> PAGE_SHIFT;
	bool ok = !(phys % PAGE_SIZE) && first != 0 && first < pa->nr_pages &&
		  npages <= pa->nr_pages - first;

	spin_lock(&pa->lock);
	for (u64 i = 0; ok && i < npages; i++)
		ok = test_bit(pa->bitmap, first + i);
	if (ok)
		set_range(pa, first, npages, false);
	spin_unlock(&pa->lock);
	return ok;
}
