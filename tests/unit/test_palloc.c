// SPDX-License-Identifier: MIT
/*
 * The page allocator: which pages palloc_init frees, that page 0 and
 * reserved pages are never handed out, alignment, limits, contiguous runs,
 * exhaustion, freeing rules, and palloc_place.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/support.h"
#include "vmm/palloc.h"

#define PG 0x1000ULL

static struct palloc pa;
static u64 *bm;

/* The bitmap in an exactly sized heap block, so ASan sees overruns. */
static void init(u64 nr_pages, const struct phys_range *u, unsigned nu, const struct phys_range *r,
		 unsigned nr)
{
	free(bm);
	bm = malloc(palloc_bitmap_bytes(nr_pages));
	assert_non_null(bm);
	palloc_init(&pa, bm, nr_pages, u, nu, r, nr);
}

static int teardown(void **state)
{
	(void)state;
	free(bm);
	bm = NULL;
	return 0;
}

static bool inside_any(u64 s, u64 e, const struct phys_range *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (s >= r[i].start && e <= r[i].end)
			return true;
	return false;
}

static bool overlaps_any(u64 s, u64 e, const struct phys_range *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (s < r[i].end && r[i].start < e)
			return true;
	return false;
}

static void test_bitmap_bytes(void **state)
{
	(void)state;
	/* One bit per page, in whole u64 words. */
	assert_int_equal(palloc_bitmap_bytes(0), 0);
	assert_int_equal(palloc_bitmap_bytes(1), 8);
	assert_int_equal(palloc_bitmap_bytes(63), 8);
	assert_int_equal(palloc_bitmap_bytes(64), 8);
	assert_int_equal(palloc_bitmap_bytes(65), 16);
	assert_int_equal(palloc_bitmap_bytes(1024), 128);
	/* 4 GiB of pages: 1 Mi pages, 128 KiB of bitmap. */
	assert_int_equal(palloc_bitmap_bytes(1ULL << 20), 128 * 1024);
}

/* Usable ranges shrink inward to whole pages, reserved ones grow outward. */
static void test_init_rounding(void **state)
{
	static const struct phys_range u[] = {
		{ 0x1800, 0x10000 }, /* pages 2..15: 14 */
		{ 0x10000, 0x20fff }, /* pages 16..31: 16 */
		{ 0x30001, 0x31fff }, /* no whole page */
	};
	static const struct phys_range r[] = {
		{ 0x5800, 0x6001 }, /* pages 5 and 6 */
	};
	u64 got[64];
	unsigned n = 0;

	(void)state;
	init(64, u, ARRAY_SIZE(u), r, ARRAY_SIZE(r));
	assert_int_equal(pa.nr_pages, 64);
	assert_int_equal(pa.free_pages, 14 + 16 - 2);

	for (u64 p; (p = palloc_alloc(&pa, 1, 1, 0)) != 0;)
		got[n++] = p;
	assert_int_equal(n, 28);
	assert_int_equal(pa.free_pages, 0);
	for (unsigned i = 0; i < n; i++) {
		u64 page = got[i] / PG;

		assert_int_equal(got[i] % PG, 0);
		assert_true(page >= 2 && page <= 31);
		assert_true(page != 5 && page != 6);
	}
}

static void test_page0_never(void **state)
{
	static const struct phys_range u[] = { { 0, 8 * PG } };
	unsigned n = 0;

	(void)state;
	init(8, u, 1, NULL, 0);
	assert_int_equal(pa.free_pages, 7);
	for (u64 p; (p = palloc_alloc(&pa, 1, 1, 0)) != 0; n++)
		assert_true(p >= PG && p < 8 * PG);
	assert_int_equal(n, 7);
	/* Page 0 cannot be freed into the pool either. */
	assert_false(palloc_free(&pa, 0, 1));
	assert_int_equal(palloc_alloc(&pa, 1, 1, 0), 0);
}

/* Allocate everything a page at a time: each page once, all in bounds. */
static void test_reserved_never_handed_out(void **state)
{
	static const struct phys_range u[] = {
		{ 0x0, 0x9fc00 },
		{ 0x100000, 0x400000 },
		{ 0x500123, 0x580000 },
	};
	/* The last range is empty. */
	static const struct phys_range r[] = {
		{ 0x10000, 0x10001 },	{ 0x7ffff, 0x80001 },	{ 0x100000, 0x180000 },
		{ 0x200800, 0x203000 }, { 0x3ff000, 0x500000 }, { 0x570000, 0x570000 },
	};
	/* Free pages by hand: [1,0x9f) minus 0x10, 0x7f, 0x80;
	 * [0x180,0x3ff) minus 0x200..0x202; [0x501,0x580). */
	const u64 expect = (0x9f - 1 - 3) + (0x3ff - 0x180 - 3) + (0x580 - 0x501);
	static bool seen[0x600];
	u64 n = 0;

	(void)state;
	memset(seen, 0, sizeof(seen));
	init(0x600, u, ARRAY_SIZE(u), r, ARRAY_SIZE(r));
	assert_int_equal(pa.free_pages, expect);
	for (u64 p; (p = palloc_alloc(&pa, 1, 1, 0)) != 0; n++) {
		assert_int_equal(p % PG, 0);
		assert_true(inside_any(p, p + PG, u, ARRAY_SIZE(u)));
		assert_false(overlaps_any(p, p + PG, r, ARRAY_SIZE(r)));
		assert_false(seen[p / PG]);
		seen[p / PG] = true;
	}
	assert_int_equal(n, expect);
	assert_int_equal(pa.free_pages, 0);
	assert_false(seen[0]);
}

/* Usable memory beyond the bitmap's reach is ignored. */
static void test_beyond_nr_pages(void **state)
{
	static const struct phys_range u[] = { { PG, 0x100000 } };
	u64 p, n = 0;

	(void)state;
	init(16, u, 1, NULL, 0);
	assert_int_equal(pa.free_pages, 15);
	while ((p = palloc_alloc(&pa, 1, 1, 0)) != 0) {
		assert_true(p < 16 * PG);
		n++;
	}
	assert_int_equal(n, 15);
}

static void test_alignment(void **state)
{
	static const struct phys_range u[] = { { PG, 0x1000000 } };
	u64 a, b, c;

	(void)state;
	init(0x1000, u, 1, NULL, 0);
	assert_int_equal(palloc_alloc(&pa, 1, 1, 0), PG);
	a = palloc_alloc(&pa, 1, 512, 0);
	b = palloc_alloc(&pa, 512, 512, 0);
	c = palloc_alloc(&pa, 3, 4, 0);
	/* 512 pages = 2 MiB; page 0 is taken, so the first 2 MiB boundary. */
	assert_int_equal(a, 0x200000);
	assert_int_equal(b % 0x200000, 0);
	assert_true(b >= 0x400000);
	assert_int_equal(c % (4 * PG), 0);
	assert_false(c < b + 0x200000 && b < c + 3 * PG);

	/* A used page inside a candidate run: the next try is still aligned. */
	{
		static const struct phys_range r[] = { { 5 * PG, 6 * PG } };

		init(64, u, 1, r, 1);
		a = palloc_alloc(&pa, 2, 4, 0);
		assert_int_equal(a, 8 * PG);
	}

	/* Not a power of two, or zero: refused. */
	assert_int_equal(palloc_alloc(&pa, 1, 3, 0), 0);
	assert_int_equal(palloc_alloc(&pa, 1, 0, 0), 0);
	assert_int_equal(palloc_alloc(&pa, 0, 1, 0), 0);
}

/* The allocation ends at or below the limit. */
static void test_limit(void **state)
{
	static const struct phys_range u[] = { { PG, 0x400000 } };
	u64 p, n = 0;

	(void)state;
	init(0x400, u, 1, NULL, 0);
	assert_int_equal(palloc_alloc(&pa, 2, 1, 3 * PG), PG);
	assert_int_equal(palloc_alloc(&pa, 1, 1, 3 * PG), 0);
	while ((p = palloc_alloc(&pa, 1, 1, 0x10000)) != 0) {
		assert_true(p + PG <= 0x10000);
		n++;
	}
	assert_int_equal(n, 16 - 3); /* pages 3..15 */
	p = palloc_alloc(&pa, 1, 1, 0);
	assert_true(p >= 0x10000);
	/* A limit above the memory is no limit. */
	assert_true(palloc_alloc(&pa, 1, 1, 1ULL << 40) > 0x10000);
}

static void test_contiguous_skips_holes(void **state)
{
	static const struct phys_range u[] = { { PG, 0x20000 } };
	/* Free runs: 1-2, 4-7, 9-13, 15-31. */
	static const struct phys_range r[] = {
		{ 3 * PG, 4 * PG },
		{ 8 * PG, 9 * PG },
		{ 14 * PG, 15 * PG },
	};
	u64 before, p;

	(void)state;
	init(32, u, 1, r, ARRAY_SIZE(r));
	before = pa.free_pages;
	p = palloc_alloc(&pa, 5, 1, 0);
	assert_int_equal(p, 9 * PG);
	assert_int_equal(pa.free_pages, before - 5);
	/* Those five pages are now allocated: freeing them works once. */
	assert_true(palloc_free(&pa, p, 5));
	assert_false(palloc_free(&pa, p, 5));

	init(32, u, 1, r, ARRAY_SIZE(r));
	p = palloc_alloc(&pa, 17, 1, 0);
	assert_int_equal(p, 15 * PG);
	assert_int_equal(palloc_alloc(&pa, 6, 1, 0), 0); /* no run of 6 left */
	assert_int_equal(palloc_alloc(&pa, 5, 1, 0), 9 * PG);
	assert_int_equal(palloc_alloc(&pa, 4, 1, 0), 4 * PG);
	assert_int_equal(palloc_alloc(&pa, 3, 1, 0), 0);
	assert_int_equal(palloc_alloc(&pa, 2, 1, 0), 1 * PG);
	assert_int_equal(pa.free_pages, 0);
}

static void test_exhaustion(void **state)
{
	static const struct phys_range u[] = { { PG, 9 * PG } };
	static const struct phys_range all[] = { { 0, 64 * PG } };

	(void)state;
	/* More pages than exist, including counts where s + npages wraps. */
	init(64, all, 1, NULL, 0);
	assert_int_equal(palloc_alloc(&pa, 64, 1, 0), 0);
	assert_int_equal(palloc_alloc(&pa, UINT64_MAX, 1, 0), 0);
	assert_int_equal(palloc_alloc(&pa, UINT64_MAX - 62, 1, 0), 0);
	assert_int_equal(pa.free_pages, 63);

	init(64, u, 1, NULL, 0);
	assert_int_equal(pa.free_pages, 8);
	assert_int_equal(palloc_alloc(&pa, 9, 1, 0), 0);
	assert_int_equal(pa.free_pages, 8);
	assert_int_equal(palloc_alloc(&pa, 8, 1, 0), PG);
	assert_int_equal(pa.free_pages, 0);
	assert_int_equal(palloc_alloc(&pa, 1, 1, 0), 0);
	assert_int_equal(pa.free_pages, 0);
}

static void test_free_unallocated(void **state)
{
	static const struct phys_range u[] = { { PG, 16 * PG } };
	u64 p, q;

	(void)state;
	init(16, u, 1, NULL, 0);
	p = palloc_alloc(&pa, 1, 1, 0);
	assert_int_equal(pa.free_pages, 14);
	/* A page that is free. */
	q = p == 5 * PG ? 6 * PG : 5 * PG;
	assert_false(palloc_free(&pa, q, 1));
	assert_int_equal(pa.free_pages, 14);
	/* A range that is only partly allocated: nothing freed. */
	assert_false(palloc_free(&pa, p, 2));
	assert_int_equal(pa.free_pages, 14);
	assert_true(palloc_free(&pa, p, 1)); /* p itself was still allocated */
	assert_int_equal(pa.free_pages, 15);

	/* Unaligned, page 0, and past the end. */
	p = palloc_alloc(&pa, 2, 1, 0);
	assert_false(palloc_free(&pa, p + 1, 1));
	assert_false(palloc_free(&pa, 0, 1));
	assert_false(palloc_free(&pa, 16 * PG, 1));
	assert_false(palloc_free(&pa, 15 * PG, 2));
	assert_int_equal(pa.free_pages, 13);
	assert_true(palloc_free(&pa, p, 2));
}

/* A page count so large that first + npages wraps around. */
static void test_free_huge_count(void **state)
{
	static const struct phys_range u[] = { { PG, 64 * PG } };

	(void)state;
	init(64, u, 1, NULL, 0);
	assert_int_equal(palloc_alloc(&pa, 63, 1, 0), PG);
	assert_false(palloc_free(&pa, PG, UINT64_MAX));
	assert_false(palloc_free(&pa, 2 * PG, UINT64_MAX - 1));
	assert_int_equal(pa.free_pages, 0);
}

static void test_double_free(void **state)
{
	static const struct phys_range u[] = { { PG, 16 * PG } };
	u64 p;

	(void)state;
	init(16, u, 1, NULL, 0);
	p = palloc_alloc(&pa, 3, 1, 0);
	assert_true(palloc_free(&pa, p, 3));
	assert_int_equal(pa.free_pages, 15);
	assert_false(palloc_free(&pa, p, 3));
	assert_false(palloc_free(&pa, p + PG, 1));
	assert_int_equal(pa.free_pages, 15);
}

static void test_free_then_reuse(void **state)
{
	static const struct phys_range u[] = { { PG, 32 * PG } };
	u64 p;

	(void)state;
	init(32, u, 1, NULL, 0);
	while (palloc_alloc(&pa, 1, 1, 0))
		;
	assert_true(palloc_free(&pa, 17 * PG, 1));
	assert_int_equal(pa.free_pages, 1);
	assert_int_equal(palloc_alloc(&pa, 1, 1, 0), 17 * PG);
	assert_int_equal(palloc_alloc(&pa, 1, 1, 0), 0);

	/* A freed run is found again for a run of the same size. */
	assert_true(palloc_free(&pa, 4 * PG, 3));
	p = palloc_alloc(&pa, 3, 1, 0);
	assert_int_equal(p, 4 * PG);
}

static void test_place(void **state)
{
	static const struct phys_range u[] = { { 0, 0x10000 } };
	static const struct phys_range r[] = { { 0x1000, 0x2800 } };
	static const struct phys_range edges[] = { { 0x1001, 0x3fff } };
	static const struct phys_range r2[] = {
		{ 0x5000, 0x5001 },
		{ 0x8fff, 0x9000 },
	};
	u64 w = 0xdead;

	(void)state;
	assert_true(palloc_place(u, 1, r, 1, 0x2000, &w));
	assert_int_equal(w % PG, 0);
	assert_true(w >= PG);
	assert_true(inside_any(w, w + 0x2000, u, 1));
	assert_false(overlaps_any(w, w + 0x2000, r, 1));

	/* Only [0x2000, 0x3000) is a whole page inside 0x1001..0x3fff. */
	assert_true(palloc_place(edges, 1, NULL, 0, PG, &w));
	assert_int_equal(w, 0x2000);
	assert_false(palloc_place(edges, 1, NULL, 0, PG + 1, &w));

	/* Bytes round up to pages: 0x1001 needs two. */
	assert_true(palloc_place(u, 1, r2, ARRAY_SIZE(r2), 0x1001, &w));
	assert_false(overlaps_any(w, w + 0x2000, r2, ARRAY_SIZE(r2)));
	assert_true(w >= PG && w + 0x2000 <= 0x10000);

	/* In 0x4000..0xa000, reserved bytes block pages 5 and 8: no run of
	 * three pages, and the only run of two is 0x6000..0x8000. */
	{
		static const struct phys_range u2[] = { { 0x4000, 0xa000 } };

		assert_false(palloc_place(u2, 1, r2, ARRAY_SIZE(r2), 3 * PG, &w));
		assert_true(palloc_place(u2, 1, r2, ARRAY_SIZE(r2), 2 * PG, &w));
		assert_int_equal(w, 0x6000);
	}
}

static void test_place_never_page0(void **state)
{
	static const struct phys_range only0[] = { { 0, PG } };
	static const struct phys_range two[] = { { 0, 2 * PG } };
	u64 w = 0;

	(void)state;
	assert_false(palloc_place(only0, 1, NULL, 0, PG, &w));
	assert_true(palloc_place(two, 1, NULL, 0, PG, &w));
	assert_int_equal(w, PG);
	assert_false(palloc_place(two, 1, NULL, 0, 2 * PG, &w));
	/* Nothing to place, or nowhere to place it. */
	assert_false(palloc_place(NULL, 0, NULL, 0, PG, &w));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_bitmap_bytes, teardown),
		cmocka_unit_test_teardown(test_init_rounding, teardown),
		cmocka_unit_test_teardown(test_page0_never, teardown),
		cmocka_unit_test_teardown(test_reserved_never_handed_out, teardown),
		cmocka_unit_test_teardown(test_beyond_nr_pages, teardown),
		cmocka_unit_test_teardown(test_alignment, teardown),
		cmocka_unit_test_teardown(test_limit, teardown),
		cmocka_unit_test_teardown(test_contiguous_skips_holes, teardown),
		cmocka_unit_test_teardown(test_exhaustion, teardown),
		cmocka_unit_test_teardown(test_free_unallocated, teardown),
		cmocka_unit_test_teardown(test_free_huge_count, teardown),
		cmocka_unit_test_teardown(test_double_free, teardown),
		cmocka_unit_test_teardown(test_free_then_reuse, teardown),
		cmocka_unit_test_teardown(test_place, teardown),
		cmocka_unit_test_teardown(test_place_never_page0, teardown),
	};

	return cmocka_run_group_tests_name("palloc", tests, NULL, NULL);
}
