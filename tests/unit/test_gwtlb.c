// SPDX-License-Identifier: MIT
/*
 * The exact guest translation cache (vmm/gwtlb.c): a hit is only ever
 * what a fresh walk would return.  Page tables live in a RAM buffer; each
 * test fills the cache, changes one input of the walk (a paging entry at
 * any level, CR3, a permission-relevant control bit, the access kind,
 * RFLAGS.AC) and checks the next lookup follows the change exactly as
 * gwalk() does, including the faults.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/support.h"
#include "vmm/gwtlb.h"

#define RAM_SIZE (8u << 20)

#define CR0_PE	 0x1ULL
#define CR0_WP	 0x10000ULL
#define CR0_PG	 0x80000000ULL
#define CR4_PAE	 0x20ULL
#define CR4_SMEP 0x100000ULL
#define CR4_SMAP 0x200000ULL
#define EFER_LME 0x100ULL
#define EFER_LMA 0x400ULL
#define EFER_NXE 0x800ULL

#define P  0x1ULL
#define RW 0x2ULL
#define US 0x4ULL
#define PS 0x80ULL
#define XD (1ULL << 63)

#define READ  0
#define WRITE 0x2
#define USER  0x4
#define FETCH 0x10

#define LA4(pml4, pdpt, pd, pt, off)                                                         \
	(((u64)(pml4) << 39) | ((u64)(pdpt) << 30) | ((u64)(pd) << 21) | ((u64)(pt) << 12) | \
	 (u64)(off))
#define LA LA4(1, 2, 3, 4, 0x567)

static u8 *ram;
static struct gwalk_ctx ctx;
static struct gwtlb tlb;
static struct gwtlb_ids ids;

/* The context as it is now, with its id: what every caller of the cache passes. */
static const struct gwalk_ctx *cur(void)
{
	gwtlb_ctx_id(&ids, &ctx);
	return &ctx;
}

static void w64(u64 gpa, u64 v)
{
	memcpy(ram + gpa, &v, 8);
}

static void w32(u64 gpa, u32 v)
{
	memcpy(ram + gpa, &v, 4);
}

/* 4-level paging: PML4 0x10000 -> PDPT 0x11000 -> PD 0x12000 -> PT 0x13000 -> 0x20000. */
static int setup(void **state)
{
	(void)state;
	ram = calloc(1, RAM_SIZE);
	assert_non_null(ram);
	memset(&ctx, 0, sizeof(ctx));
	memset(&ids, 0, sizeof(ids)); /* with the flush: no entry holds an old id */
	gwtlb_flush(&tlb);
	ctx.ram = ram;
	ctx.ram_size = RAM_SIZE;
	ctx.cr0 = CR0_PE | CR0_PG | CR0_WP;
	ctx.cr4 = CR4_PAE;
	ctx.efer = EFER_LME | EFER_LMA | EFER_NXE;
	ctx.cr3 = 0x10000;
	w64(0x10000 + 1 * 8, 0x11000 | P | RW | US);
	w64(0x11000 + 2 * 8, 0x12000 | P | RW | US);
	w64(0x12000 + 3 * 8, 0x13000 | P | RW | US);
	w64(0x13000 + 4 * 8, 0x20000 | P | RW | US);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

/*
 * The cache's answer must be gwalk()'s, result, address and error code
 * alike; and gwtlb_peek(), asked first, may only answer with the byte the
 * walk finds.
 */
static enum gwalk_result check(u64 la, u32 access, u64 *gpa)
{
	u64 got = 0, want = 0;
	u32 pfec = 0xdead, want_pfec = 0xbeef;
	const u8 *peeked = gwtlb_peek(&tlb, cur(), la, access, 1);
	enum gwalk_result r = gwtlb_walk(&tlb, cur(), la, access, &got, &pfec);
	enum gwalk_result w = gwalk(&ctx, la, access, &want, &want_pfec);

	assert_int_equal(r, w);
	assert_int_equal(pfec, want_pfec);
	if (r == GW_OK)
		assert_int_equal(got, want);
	if (peeked) {
		assert_int_equal(w, GW_OK);
		assert_ptr_equal(peeked, ram + want);
	}
	if (gpa)
		*gpa = got;
	return r;
}

static unsigned valid_entries(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < GWTLB_WAYS; i++)
		n += tlb.e[i].valid;
	return n;
}

static void test_hit_is_the_walk(void **state)
{
	u64 gpa;

	(void)state;
	assert_int_equal(check(LA, READ, &gpa), GW_OK);
	assert_int_equal(gpa, 0x20567);
	assert_int_equal(valid_entries(), 1);
	/* The same page, another offset: a hit (no new entry) with the right offset. */
	assert_int_equal(check(LA4(1, 2, 3, 4, 0xfff), READ, &gpa), GW_OK);
	assert_int_equal(gpa, 0x20fff);
	assert_int_equal(valid_entries(), 1);
}

/* A changed entry at every level, without any flush: the next lookup sees it. */
static void test_miss_after_pte_change(void **state)
{
	static const u64 at[] = { 0x10000 + 8, 0x11000 + 16, 0x12000 + 24, 0x13000 + 32 };
	u64 gpa;

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		u64 old;

		assert_int_equal(check(LA, READ, NULL), GW_OK);
		memcpy(&old, ram + at[i], 8);
		w64(at[i], old & ~P); /* not present */
		assert_int_equal(check(LA, READ, NULL), GW_PAGE_FAULT);
		w64(at[i], old & ~US); /* supervisor only */
		assert_int_equal(check(LA, USER, NULL), GW_PAGE_FAULT);
		w64(at[i], old);
	}
	/* The leaf pointed elsewhere: the new frame at once. */
	assert_int_equal(check(LA, READ, NULL), GW_OK);
	w64(0x13000 + 32, 0x30000 | P | RW | US);
	assert_int_equal(check(LA, READ, &gpa), GW_OK);
	assert_int_equal(gpa, 0x30567);
	/* Read-only leaf: a write faults (CR0.WP), a read still translates. */
	w64(0x13000 + 32, 0x30000 | P | US);
	assert_int_equal(check(LA, WRITE, NULL), GW_PAGE_FAULT);
	assert_int_equal(check(LA, READ, NULL), GW_OK);
	/* XD set: a fetch faults. */
	w64(0x13000 + 32, 0x30000 | P | US | XD);
	assert_int_equal(check(LA, FETCH, NULL), GW_PAGE_FAULT);
}

static void test_miss_after_cr3_change(void **state)
{
	u64 gpa;

	(void)state;
	assert_int_equal(check(LA, READ, NULL), GW_OK);
	/* A second hierarchy mapping the same address elsewhere. */
	w64(0x40000 + 1 * 8, 0x11000 | P | RW | US);
	w64(0x11000 + 2 * 8, 0x12000 | P | RW | US);
	memcpy(ram + 0x40000, ram + 0x10000, 8);
	ctx.cr3 = 0x40000;
	assert_int_equal(check(LA, READ, &gpa), GW_OK);
	assert_int_equal(gpa, 0x20567);
	w64(0x40000 + 1 * 8, 0);
	assert_int_equal(check(LA, READ, NULL), GW_PAGE_FAULT);
	ctx.cr3 = 0x10000;
	assert_int_equal(check(LA, READ, NULL), GW_OK);
	/* Same value, other table: a different CR3 is never a hit. */
	ctx.cr3 = 0x50000;
	assert_int_equal(check(LA, READ, NULL), GW_PAGE_FAULT);
}

/* Every control bit that decides permissions, and the access kind, is part of the key. */
static void test_miss_after_permission_bit_change(void **state)
{
	(void)state;
	/* CR0.WP: a supervisor write to a read-only page. */
	w64(0x13000 + 32, 0x20000 | P | US);
	assert_int_equal(check(LA, READ, NULL), GW_OK);
	assert_int_equal(check(LA, WRITE, NULL), GW_PAGE_FAULT);
	ctx.cr0 &= ~CR0_WP;
	assert_int_equal(check(LA, WRITE, NULL), GW_OK);
	ctx.cr0 |= CR0_WP;
	assert_int_equal(check(LA, WRITE, NULL), GW_PAGE_FAULT);
	/* SMEP: a supervisor fetch from a user page. */
	assert_int_equal(check(LA, FETCH, NULL), GW_OK);
	ctx.cr4 |= CR4_SMEP;
	assert_int_equal(check(LA, FETCH, NULL), GW_PAGE_FAULT);
	ctx.cr4 &= ~CR4_SMEP;
	/* SMAP and RFLAGS.AC: a supervisor read of a user page. */
	assert_int_equal(check(LA, READ, NULL), GW_OK);
	ctx.cr4 |= CR4_SMAP;
	assert_int_equal(check(LA, READ, NULL), GW_PAGE_FAULT);
	ctx.ac = true;
	assert_int_equal(check(LA, READ, NULL), GW_OK);
	ctx.ac = false;
	assert_int_equal(check(LA, READ, NULL), GW_PAGE_FAULT);
	ctx.cr4 &= ~CR4_SMAP;
	/* EFER.NXE decides whether XD counts. */
	w64(0x13000 + 32, 0x20000 | P | RW | US | XD);
	ctx.efer &= ~EFER_NXE;
	assert_int_equal(check(LA, FETCH, NULL), GW_OK);
	ctx.efer |= EFER_NXE;
	assert_int_equal(check(LA, FETCH, NULL), GW_PAGE_FAULT);
	/* The access kind: a user access to a supervisor page after a supervisor hit. */
	w64(0x12000 + 24, 0x13000 | P | RW);
	assert_int_equal(check(LA, READ, NULL), GW_OK);
	assert_int_equal(check(LA, USER, NULL), GW_PAGE_FAULT);
	/* Paging off: the identity, whatever the cache held. */
	assert_int_equal(check(LA, READ, NULL), GW_OK);
	ctx.cr0 &= ~CR0_PG;
	ctx.efer &= ~EFER_LMA;
	assert_int_equal(check(0x123456, READ, NULL), GW_OK);
}

/* 32-bit paging (4-byte entries) and PAE (the PDPTE is traced too). */
static void test_other_modes(void **state)
{
	(void)state;
	ctx.cr4 = 0;
	ctx.efer = 0;
	ctx.cr3 = 0x1000;
	w32(0x1000 + 1 * 4, 0x2000 | P | RW | US);
	w32(0x2000 + 3 * 4, 0x5000 | P | RW | US);
	assert_int_equal(check(0x00403abc, READ, NULL), GW_OK);
	w32(0x2000 + 3 * 4, 0x6000 | P | RW | US);
	assert_int_equal(check(0x00403abc, READ, NULL), GW_OK);
	w32(0x1000 + 1 * 4, 0);
	assert_int_equal(check(0x00403abc, READ, NULL), GW_PAGE_FAULT);
	/* PAE: PDPT at 0x3000 (CR3), PD 0x4000, PT 0x5000. */
	ctx.cr4 = CR4_PAE;
	ctx.cr3 = 0x3000;
	w64(0x3000 + 1 * 8, 0x4000 | P);
	w64(0x4000 + 2 * 8, 0x5000 | P | RW | US);
	w64(0x5000 + 3 * 8, 0x7000 | P | RW | US);
	assert_int_equal(check(0x40403123, READ, NULL), GW_OK);
	w64(0x3000 + 1 * 8, 0x4000);
	assert_int_equal(check(0x40403123, READ, NULL), GW_PAGE_FAULT);
}

/* gwtlb_read() copies what gwalk_read() copies, across pages, and stops where it stops. */
static void test_read_matches_gwalk_read(void **state)
{
	u8 a[32], b[32];
	size_t da, db;
	u64 wa = 0, wb = 0;
	u32 pa = 0, pb = 0;
	u64 la = LA4(1, 2, 3, 4, 0xff0);

	(void)state;
	w64(0x13000 + 5 * 8, 0x31000 | P | RW | US);
	for (unsigned i = 0; i < 32; i++) {
		ram[0x20ff0 + i] = (u8)i;
		ram[0x31000 + i] = (u8)(0x80 + i);
	}
	for (int round = 0; round < 2; round++) {
		assert_int_equal(gwtlb_read(&tlb, cur(), la, READ, a, 32, &da, &wa, &pa), GW_OK);
		assert_int_equal(gwalk_read(&ctx, la, READ, b, 32, &db, &wb, &pb), GW_OK);
		assert_int_equal(da, db);
		assert_memory_equal(a, b, 32);
	}
	/* Within one page (the fast path): a changed leaf is seen on the next read. */
	for (int round = 0; round < 3; round++) {
		if (round == 2)
			w64(0x13000 + 4 * 8, 0x32000 | P | RW | US);
		memset(ram + 0x32000 + 0xff0, 0x5a, 16);
		assert_int_equal(gwtlb_read(&tlb, cur(), la, READ, a, 16, &da, &wa, &pa), GW_OK);
		assert_int_equal(gwalk_read(&ctx, la, READ, b, 16, &db, &wb, &pb), GW_OK);
		assert_memory_equal(a, b, 16);
	}
	assert_int_equal(a[0], 0x5a);
	w64(0x13000 + 4 * 8, 0x20000 | P | US); /* read-only now: a write faults at once */
	assert_int_equal(gwtlb_read(&tlb, cur(), la, WRITE, a, 16, &da, &wa, &pa), GW_PAGE_FAULT);
	assert_int_equal(gwtlb_read(&tlb, cur(), la, READ, a, 16, &da, &wa, &pa), GW_OK);
	w64(0x13000 + 4 * 8, 0); /* gone: the next read faults */
	assert_int_equal(gwtlb_read(&tlb, cur(), la, READ, a, 16, &da, &wa, &pa), GW_PAGE_FAULT);
	assert_int_equal(gwalk_read(&ctx, la, READ, b, 16, &db, &wb, &pb), GW_PAGE_FAULT);
	assert_int_equal(wa, wb);
	assert_int_equal(pa, pb);
	w64(0x13000 + 4 * 8, 0x20000 | P | RW | US);
	/* The second page goes away: both stop after the first 16 bytes, at the same place. */
	w64(0x13000 + 5 * 8, 0);
	assert_int_equal(gwtlb_read(&tlb, cur(), la, READ, a, 32, &da, &wa, &pa), GW_PAGE_FAULT);
	assert_int_equal(gwalk_read(&ctx, la, READ, b, 32, &db, &wb, &pb), GW_PAGE_FAULT);
	assert_int_equal(da, 16);
	assert_int_equal(da, db);
	assert_int_equal(wa, wb);
	assert_int_equal(pa, pb);
}

/*
 * gwtlb_peek(): a pointer only when the last way maps the page exactly and
 * the bytes lie in one page inside RAM; a paging entry changed at any level
 * (without a flush), another context or another access kind: NULL.
 */
static void test_peek(void **state)
{
	static const u64 at[] = { 0x10000 + 8, 0x11000 + 16, 0x12000 + 24, 0x13000 + 32 };
	u64 la = LA4(1, 2, 3, 4, 0xfc0);

	(void)state;
	assert_null(gwtlb_peek(&tlb, cur(), la, READ, 48)); /* empty */
	assert_int_equal(check(la, READ, NULL), GW_OK);
	assert_ptr_equal(gwtlb_peek(&tlb, cur(), la, READ, 48), ram + 0x20fc0);
	assert_ptr_equal(gwtlb_peek(&tlb, cur(), la, READ, 64), ram + 0x20fc0); /* up to the end */
	assert_null(gwtlb_peek(&tlb, cur(), la, READ, 65)); /* into the next page */
	assert_null(gwtlb_peek(&tlb, cur(), la, WRITE, 48));
	assert_null(gwtlb_peek(&tlb, cur(), la, USER, 48));
	assert_null(gwtlb_peek(&tlb, cur(), la + PAGE_SIZE, READ, 48));
	for (unsigned i = 0; i < 4; i++) {
		u64 old;

		memcpy(&old, ram + at[i], 8);
		w64(at[i], old ^ RW); /* any change, even one the read does not care about */
		assert_null(gwtlb_peek(&tlb, cur(), la, READ, 48));
		w64(at[i], old);
		assert_ptr_equal(gwtlb_peek(&tlb, cur(), la, READ, 48), ram + 0x20fc0);
	}
	ctx.cr3 ^= 0x1000;
	assert_null(gwtlb_peek(&tlb, cur(), la, READ, 48));
	ctx.cr3 ^= 0x1000;
	ctx.ac = true;
	assert_null(gwtlb_peek(&tlb, cur(), la, READ, 48));
	ctx.ac = false;
	/* The last frame of RAM, and the first one past it (a walk does not check frames). */
	w64(0x13000 + 4 * 8, (RAM_SIZE - PAGE_SIZE) | P | RW | US);
	assert_int_equal(check(la, READ, NULL), GW_OK);
	assert_ptr_equal(gwtlb_peek(&tlb, cur(), la, READ, 64), ram + RAM_SIZE - 64);
	w64(0x13000 + 4 * 8, RAM_SIZE | P | RW | US);
	assert_int_equal(check(la, READ, NULL), GW_OK);
	assert_null(gwtlb_peek(&tlb, cur(), la, READ, 1));
}

/*
 * Context ids: the same id exactly while every value is the same, a new
 * one on any change (back to old values included), and a context without
 * an id is walked but never cached.
 */
static void test_ctx_ids(void **state)
{
	struct gwalk_ctx before;
	u64 id;

	(void)state;
	id = cur()->id;
	assert_true(id != 0);
	assert_int_equal(cur()->id, id);
	for (int field = 0; field < 7; field++) {
		before = ctx;
		switch (field) {
		case 0:
			ctx.ram = ram + 1;
			break;
		case 1:
			ctx.ram_size--;
			break;
		case 2:
			ctx.cr0 ^= CR0_WP;
			break;
		case 3:
			ctx.cr3 ^= 0x1000;
			break;
		case 4:
			ctx.cr4 ^= CR4_SMEP;
			break;
		case 5:
			ctx.efer ^= EFER_NXE;
			break;
		case 6:
			ctx.ac = !ctx.ac;
			break;
		}
		assert_int_not_equal(cur()->id, id);
		ctx = before;
		assert_int_not_equal(cur()->id, id); /* not the old one: a new context */
		id = ctx.id;
	}
	/* An id from the context a hit was made under, kept while nothing changes. */
	assert_int_equal(check(LA, READ, NULL), GW_OK);
	assert_non_null(gwtlb_peek(&tlb, cur(), LA, READ, 1));
	/* No id: the same walk, nothing cached, nothing hit. */
	gwtlb_flush(&tlb);
	ctx.id = 0;
	{
		u64 gpa;
		u32 pfec;

		assert_int_equal(gwtlb_walk(&tlb, &ctx, LA, READ, &gpa, &pfec), GW_OK);
		assert_int_equal(gpa, 0x20567);
	}
	assert_int_equal(valid_entries(), 0);
	assert_null(gwtlb_peek(&tlb, &ctx, LA, READ, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hit_is_the_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_miss_after_pte_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_miss_after_cr3_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_miss_after_permission_bit_change, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_other_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_matches_gwalk_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peek, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctx_ids, setup, teardown),
	};

	return cmocka_run_group_tests_name("gwtlb", tests, NULL, NULL);
}
