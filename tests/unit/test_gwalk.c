// SPDX-License-Identifier: MIT
/*
 * Guest page walks against page tables built in a RAM buffer, with the
 * translations, access rights and #PF error codes of the Intel SDM Vol. 3,
 * chapter 4 "Paging": 32-bit paging (4K, 4M with CR4.PSE), PAE paging (4K,
 * 2M), 4-level paging (4K, 2M, 1G), CR0.WP, U/S, XD with IA32_EFER.NXE,
 * SMEP, and tables outside guest RAM.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/support.h"
#include "vmm/gwalk.h"

#define RAM_SIZE (8u << 20)

/* Control bits (SDM Vol. 3, 2.5 and 2.2.1) */
#define CR0_PE	 0x1ULL
#define CR0_WP	 0x10000ULL
#define CR0_PG	 0x80000000ULL
#define CR4_PSE	 0x10ULL
#define CR4_PAE	 0x20ULL
#define CR4_SMEP 0x100000ULL
#define CR4_SMAP 0x200000ULL
#define EFER_LME 0x100ULL
#define EFER_LMA 0x400ULL
#define EFER_NXE 0x800ULL

/* Paging-structure entry bits */
#define P	0x1ULL
#define RW	0x2ULL
#define US	0x4ULL
#define PS	0x80ULL
#define PAT_4K	0x80ULL /* bit 7 of a PTE is PAT, not PS */
#define PAT_BIG 0x1000ULL /* bit 12 of a 2M/4M/1G entry is PAT */
#define XD	(1ULL << 63)

/* #PF error code (SDM Vol. 3, 4.7) */
#define EC_P 0x1
#define EC_W 0x2
#define EC_U 0x4
#define EC_I 0x10

/* Access kinds */
#define READ  0
#define WRITE 0x2
#define USER  0x4
#define FETCH 0x10

static u8 *ram;
static struct gwalk_ctx ctx;

static int setup(void **state)
{
	(void)state;
	ram = calloc(1, RAM_SIZE);
	assert_non_null(ram);
	memset(&ctx, 0, sizeof(ctx));
	ctx.ram = ram;
	ctx.ram_size = RAM_SIZE;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

static void w32(u64 gpa, u32 v)
{
	memcpy(ram + gpa, &v, 4);
}

static void w64(u64 gpa, u64 v)
{
	memcpy(ram + gpa, &v, 8);
}

/* Expect a translation to @want. */
#define assert_walk(la, access, want)                                                \
	do {                                                                         \
		u64 gpa_ = 0xdeadbeef;                                               \
		u32 pfec_ = 0xdead;                                                  \
		assert_int_equal(gwalk(&ctx, (la), (access), &gpa_, &pfec_), GW_OK); \
		assert_int_equal(gpa_, (want));                                      \
	} while (0)

/* Expect a #PF with error code @ec. */
#define assert_fault(la, access, ec)                                                         \
	do {                                                                                 \
		u64 gpa_ = 0;                                                                \
		u32 pfec_ = 0xdead;                                                          \
		assert_int_equal(gwalk(&ctx, (la), (access), &gpa_, &pfec_), GW_PAGE_FAULT); \
		assert_int_equal(pfec_, (ec));                                               \
	} while (0)

#define assert_outside(la, access)                                                            \
	do {                                                                                  \
		u64 gpa_ = 0;                                                                 \
		u32 pfec_ = 0;                                                                \
		assert_int_equal(gwalk(&ctx, (la), (access), &gpa_, &pfec_), GW_OUTSIDE_RAM); \
	} while (0)

static void test_paging_off(void **state)
{
	(void)state;
	ctx.cr0 = CR0_PE;
	ctx.cr3 = 0x7fff000; /* ignored */
	assert_walk(0x123456, READ, 0x123456);
	assert_walk(0x123456, WRITE | USER | FETCH, 0x123456);
	/* Without paging a linear address is 32 bits. */
	assert_walk(0xabcd00123456ULL, READ, 0x123456);
	assert_walk(0x100000fffULL, FETCH, 0xfff);
	ctx.cr0 = 0;
	assert_walk(0xffffffff00000010ULL, WRITE, 0x10);
}

/* 32-bit paging: PD at 0x1000, PT at 0x2000; PDE 1 -> PT; PTE 3 -> 0x5000. */
static void build_32bit(void)
{
	ctx.cr0 = CR0_PE | CR0_PG;
	ctx.cr3 = 0x1000 | 0x18; /* PWT/PCD ignored for the address */
	w32(0x1000 + 1 * 4, 0x2000 | P | RW | US);
	w32(0x2000 + 3 * 4, 0x5000 | P | RW | US);
}

static void test_32bit_4k(void **state)
{
	(void)state;
	build_32bit();
	/* PDE index 1 (bits 31:22), PTE index 3 (bits 21:12), offset 0xabc */
	assert_walk(0x00403abc, READ, 0x5abc);
	assert_walk(0x00403000, WRITE | USER, 0x5000);
	assert_walk(0x00403fff, FETCH | USER, 0x5fff);
	/* the upper half of a 64-bit value plays no part */
	assert_walk(0xffffffff00403abcULL, READ, 0x5abc);
	/* 10-bit indexes: the last PDE and the last PTE */
	w32(0x1000 + 1023 * 4, 0x3000 | P | RW);
	w32(0x3000 + 1023 * 4, 0x6000 | P | RW);
	assert_walk(0xfffff123, READ, 0x6123);
	w32(0x3000 + 511 * 4, 0x7000 | P | RW);
	assert_walk(0xffdff123, READ, 0x7123);
	/* PTE 4 is not present; PDE 0 is not present */
	assert_fault(0x00404000, READ, 0);
	assert_fault(0x00000000, READ, 0);
	assert_fault(0x00001234, WRITE, EC_W);
	assert_fault(0x00001234, USER | WRITE, EC_U | EC_W);
	assert_fault(0x00001234, USER, EC_U);
}

static void test_32bit_4m(void **state)
{
	(void)state;
	build_32bit();
	/* PDE 2: PS set, base 4M (bits 31:22), PAT (bit 12) does not move it */
	w32(0x1000 + 2 * 4, 0x400000 | PAT_BIG | P | RW | PS);
	ctx.cr4 = CR4_PSE;
	assert_walk(0x00812345, READ, 0x412345);
	assert_walk(0x00bfffff, WRITE, 0x7fffff);
	/*
	 * Without CR4.PSE the PS bit is ignored and the PDE names a page
	 * table, at bits 31:12 (bit 12 is then an address bit, not PAT).
	 */
	ctx.cr4 = 0;
	w32(0x401000 + 0x12 * 4, 0x6000 | P);
	assert_walk(0x00812345, READ, 0x6345);
}

static void test_32bit_permissions(void **state)
{
	(void)state;
	build_32bit();
	w32(0x2000 + 5 * 4, 0x7000 | P | US); /* read-only user page */
	w32(0x2000 + 6 * 4, 0x8000 | P | RW); /* supervisor page */
	/* Supervisor writes to read-only pages: allowed unless CR0.WP. */
	assert_walk(0x00405010, WRITE, 0x7010);
	ctx.cr0 |= CR0_WP;
	assert_fault(0x00405010, WRITE, EC_P | EC_W);
	assert_walk(0x00405010, READ, 0x7010);
	/* User writes to read-only pages fault whatever CR0.WP says. */
	assert_fault(0x00405010, WRITE | USER, EC_P | EC_W | EC_U);
	ctx.cr0 &= ~CR0_WP;
	assert_fault(0x00405010, WRITE | USER, EC_P | EC_W | EC_U);
	assert_walk(0x00405010, READ | USER, 0x7010);
	/* User access to a supervisor page */
	assert_fault(0x00406020, READ | USER, EC_P | EC_U);
	assert_fault(0x00406020, WRITE | USER, EC_P | EC_W | EC_U);
	assert_walk(0x00406020, WRITE, 0x8020);
	/* U/S and R/W must be 1 at both levels: a supervisor, read-only PDE. */
	w32(0x1000 + 4 * 4, 0x3000 | P);
	w32(0x3000, 0x9000 | P | RW | US);
	assert_fault(0x01000000, READ | USER, EC_P | EC_U);
	ctx.cr0 |= CR0_WP;
	assert_fault(0x01000000, WRITE, EC_P | EC_W);
	assert_walk(0x01000000, READ, 0x9000);
}

static void test_32bit_fetch_error_code(void **state)
{
	(void)state;
	build_32bit();
	w32(0x2000 + 6 * 4, 0x8000 | P | RW); /* supervisor page */
	/* I/D is reported only with CR4.SMEP, or CR4.PAE and EFER.NXE (SDM 4.7). */
	assert_fault(0x00404000, FETCH, 0);
	assert_fault(0x00406000, FETCH | USER, EC_P | EC_U);
	ctx.efer = EFER_NXE; /* no effect with 32-bit paging */
	assert_fault(0x00404000, FETCH, 0);
	assert_fault(0x00406000, FETCH | USER, EC_P | EC_U);
	ctx.cr4 = CR4_SMEP;
	assert_fault(0x00404000, FETCH, EC_I);
	assert_fault(0x00406000, FETCH | USER, EC_P | EC_U | EC_I);
	/* A data access never sets I/D. */
	assert_fault(0x00404000, READ, 0);
}

static void test_smep(void **state)
{
	(void)state;
	build_32bit();
	w32(0x2000 + 6 * 4, 0x8000 | P | RW); /* supervisor page */
	/* Supervisor fetch from a user page: fine without SMEP, a fault with it. */
	assert_walk(0x00403000, FETCH, 0x5000);
	ctx.cr4 = CR4_SMEP;
	assert_fault(0x00403000, FETCH, EC_P | EC_I);
	/* Data accesses to user pages and fetches from supervisor pages are fine. */
	assert_walk(0x00403000, READ, 0x5000);
	assert_walk(0x00403000, WRITE, 0x5000);
	assert_walk(0x00406000, FETCH, 0x8000);
	assert_walk(0x00403000, FETCH | USER, 0x5000);
	/* A page is a user page only if U/S is 1 at every level. */
	w32(0x1000 + 4 * 4, 0x3000 | P | RW);
	w32(0x3000, 0x9000 | P | RW | US);
	assert_walk(0x01000000, FETCH, 0x9000);
}

/*
 * Issue 8, item 6: the VMM's own fetch of a CPL-3 instruction (to emulate
 * Key Locker or an APIC access) is a user-mode fetch.  On e6e6724 it was
 * walked as GW_FETCH alone, a supervisor fetch, which SMEP refuses for
 * every user page: AES*KL from user code got #UD.
 */
static void test_cpl3_fetch_is_user(void **state)
{
	(void)state;
	build_32bit();
	w32(0x2000 + 6 * 4, 0x8000 | P | RW); /* supervisor page */
	ctx.cr4 = CR4_SMEP | CR4_SMAP;
	assert_int_equal(gwalk_access(3, GW_FETCH), FETCH | USER);
	assert_int_equal(gwalk_access(0, GW_FETCH), FETCH);
	assert_int_equal(gwalk_access(2, GW_READ), READ);
	assert_walk(0x00403000, gwalk_access(3, GW_FETCH), 0x5000);
	/* A user-mode fetch from a supervisor page: #PF with U and I/D. */
	assert_fault(0x00406000, gwalk_access(3, GW_FETCH), EC_P | EC_U | EC_I);
	/* Kernel code fetching from a user page under SMEP still faults. */
	assert_fault(0x00403000, gwalk_access(0, GW_FETCH), EC_P | EC_I);
}

/* SMAP: supervisor data accesses to user pages fault unless RFLAGS.AC is set. */
static void test_smap(void **state)
{
	(void)state;
	build_32bit();
	w32(0x2000 + 6 * 4, 0x8000 | P | RW); /* supervisor page */
	assert_walk(0x00403000, READ, 0x5000); /* no SMAP: fine */
	ctx.cr4 = CR4_SMAP;
	assert_fault(0x00403000, READ, EC_P);
	assert_fault(0x00403000, WRITE, EC_P | EC_W);
	ctx.ac = true;
	assert_walk(0x00403000, READ, 0x5000);
	assert_walk(0x00403000, WRITE, 0x5000);
	ctx.ac = false;
	/* Not data, or not a user page, or a user-mode access: SMAP does not apply. */
	assert_walk(0x00403000, FETCH, 0x5000);
	assert_walk(0x00406000, READ, 0x8000);
	assert_walk(0x00403000, READ | USER, 0x5000);
	/* WP=0 lets supervisor writes to read-only pages through, but not SMAP's check. */
	w32(0x2000 + 3 * 4, 0x5000 | P | US);
	assert_fault(0x00403000, WRITE, EC_P | EC_W);
	ctx.cr4 = 0;
	assert_walk(0x00403000, WRITE, 0x5000);
	ctx.cr0 |= CR0_WP;
	assert_fault(0x00403000, WRITE, EC_P | EC_W);
}

/* PAE: PDPT at 0x3020, PDPTE 1 -> PD 0x4000, PDE 1 -> PT 0x7000, PTE 1 -> 0x9000. */
static void build_pae(void)
{
	ctx.cr0 = CR0_PE | CR0_PG;
	ctx.cr4 = CR4_PAE;
	ctx.cr3 = 0x3020 | 0x18;
	w64(0x3020 + 1 * 8, 0x4000 | P);
	w64(0x4000 + 1 * 8, 0x7000 | P | RW | US);
	w64(0x7000 + 1 * 8, 0x9000 | P | RW | US);
	w64(0x4000 + 2 * 8, 0x600000 | PAT_BIG | P | RW | PS);
}

static void test_pae(void **state)
{
	(void)state;
	build_pae();
	/* PDPTE index 1 (bits 31:30), PDE 1 (29:21), PTE 1 (20:12) */
	assert_walk(0x40201abc, READ, 0x9abc);
	assert_walk(0x40201abc, WRITE | USER | FETCH, 0x9abc);
	assert_walk(0xffffffff40201abcULL, READ, 0x9abc);
	/* 2M page: PDE 2, base 6M, offset bits 20:0 */
	assert_walk(0x40412345, READ, 0x612345);
	assert_walk(0x405fffff, READ, 0x7fffff);
	/*
	 * PDPTE 0 not present, though its address bits name a valid PD (the
	 * PDPT at 0x3000 is not used: CR3 bits 31:5 locate it).
	 */
	w64(0x3020, 0x4000);
	w64(0x3000, 0x4000 | P);
	assert_fault(0x00201abc, READ, 0);
	assert_fault(0x00201abc, WRITE | USER, EC_W | EC_U);
	/* PDE and PTE not present */
	assert_fault(0x40601000, READ, 0);
	assert_fault(0x40202000, WRITE, EC_W);
	/* Fetch without NXE or SMEP: I/D stays clear even under PAE. */
	assert_fault(0x40202000, FETCH, 0);
	ctx.efer = EFER_NXE;
	assert_fault(0x40202000, FETCH, EC_I);
	assert_fault(0x40202000, FETCH | USER, EC_I | EC_U);
}

static void test_pae_xd(void **state)
{
	(void)state;
	build_pae();
	w64(0x7000 + 2 * 8, 0xa000 | P | RW | US | XD);
	ctx.efer = EFER_NXE;
	assert_fault(0x40202000, FETCH, EC_P | EC_I);
	assert_fault(0x40202000, FETCH | USER, EC_P | EC_U | EC_I);
	assert_walk(0x40202000, READ, 0xa000);
	assert_walk(0x40202008, WRITE | USER, 0xa008);
	/* XD on the PDE covers the pages below it */
	w64(0x4000 + 1 * 8, 0x7000 | P | RW | US | XD);
	assert_fault(0x40201000, FETCH, EC_P | EC_I);
	assert_walk(0x40201000, READ, 0x9000);
}

/* 4-level: PML4 0x10000 -> PDPT 0x11000 -> PD 0x12000 -> PT 0x13000. */
#define LA4(pml4, pdpt, pd, pt, off)                                                         \
	(((u64)(pml4) << 39) | ((u64)(pdpt) << 30) | ((u64)(pd) << 21) | ((u64)(pt) << 12) | \
	 (u64)(off))

static void build_4level(void)
{
	ctx.cr0 = CR0_PE | CR0_PG;
	ctx.cr4 = CR4_PAE;
	ctx.efer = EFER_LME | EFER_LMA;
	ctx.cr3 = 0x10000 | 0x18;
	w64(0x10000 + 1 * 8, 0x11000 | P | RW | US);
	w64(0x11000 + 2 * 8, 0x12000 | P | RW | US);
	w64(0x12000 + 3 * 8, 0x13000 | P | RW | US);
	w64(0x13000 + 4 * 8, 0x20000 | P | RW | US);
}

static void test_4level_4k(void **state)
{
	(void)state;
	build_4level();
	assert_walk(LA4(1, 2, 3, 4, 0x567), READ, 0x20567);
	assert_int_equal(LA4(1, 2, 3, 4, 0x567), 0x8080604567ULL);
	assert_walk(0x8080604567ULL, WRITE | USER | FETCH, 0x20567);
	/* Bit 7 of a PTE is PAT: still a 4K page. */
	w64(0x13000 + 4 * 8, 0x20000 | PAT_4K | P | RW);
	assert_walk(LA4(1, 2, 3, 4, 0xfff), READ, 0x20fff);
	/* Each level not present in turn */
	assert_fault(LA4(1, 2, 3, 5, 0), READ, 0);
	assert_fault(LA4(1, 2, 4, 0, 0), WRITE, EC_W);
	assert_fault(LA4(1, 3, 0, 0, 0), USER, EC_U);
	assert_fault(LA4(2, 0, 0, 0, 0), USER | WRITE, EC_U | EC_W);
	/* Bits 63:48 are not part of the walk (canonicality is checked elsewhere). */
	assert_fault(0xffff800000000000ULL, READ, 0);
}

static void test_4level_large(void **state)
{
	(void)state;
	build_4level();
	/* 2M page at PD index 5: base 4M */
	w64(0x12000 + 5 * 8, 0x400000 | PAT_BIG | P | RW | PS);
	assert_walk(LA4(1, 2, 5, 0, 0) + 0x1abcd, READ, 0x41abcd);
	assert_walk(LA4(1, 2, 5, 0x1ff, 0xfff), WRITE, 0x5fffff);
	/* 1G page in the upper half: PML4 index 256 -> PDPT 0x14000, PDPTE 0 -> 0 */
	w64(0x10000 + 256 * 8, 0x14000 | P | RW);
	w64(0x14000, 0 | P | RW | PS);
	assert_walk(0xffff800000123456ULL, READ, 0x123456);
	assert_walk(0xffff8000007fffffULL, WRITE, 0x7fffff);
	/* 1G page supervisor-only through the PML4E */
	assert_fault(0xffff800000123456ULL, USER, EC_P | EC_U);
}

static void test_4level_permissions(void **state)
{
	(void)state;
	build_4level();
	/* Read-only PDPTE: every page below it is read-only. */
	w64(0x11000 + 2 * 8, 0x12000 | P | US);
	assert_walk(LA4(1, 2, 3, 4, 8), WRITE, 0x20008);
	ctx.cr0 |= CR0_WP;
	assert_fault(LA4(1, 2, 3, 4, 8), WRITE, EC_P | EC_W);
	assert_fault(LA4(1, 2, 3, 4, 8), WRITE | USER, EC_P | EC_W | EC_U);
	assert_walk(LA4(1, 2, 3, 4, 8), READ | USER, 0x20008);
	/* Supervisor PML4E: user accesses fault */
	w64(0x11000 + 2 * 8, 0x12000 | P | RW | US);
	w64(0x10000 + 1 * 8, 0x11000 | P | RW);
	assert_fault(LA4(1, 2, 3, 4, 8), USER, EC_P | EC_U);
	assert_walk(LA4(1, 2, 3, 4, 8), WRITE, 0x20008);
	/* ...which also makes it a supervisor page for SMEP */
	ctx.cr4 |= CR4_SMEP;
	assert_walk(LA4(1, 2, 3, 4, 8), FETCH, 0x20008);
	w64(0x10000 + 1 * 8, 0x11000 | P | RW | US);
	assert_fault(LA4(1, 2, 3, 4, 8), FETCH, EC_P | EC_I);
}

static void test_4level_xd(void **state)
{
	(void)state;
	build_4level();
	w64(0x11000 + 2 * 8, 0x12000 | P | RW | US | XD); /* XD at the PDPTE */
	/* XD counts only with EFER.NXE. */
	ctx.efer |= EFER_NXE;
	assert_fault(LA4(1, 2, 3, 4, 0), FETCH, EC_P | EC_I);
	assert_fault(LA4(1, 2, 3, 4, 0), FETCH | USER, EC_P | EC_U | EC_I);
	assert_walk(LA4(1, 2, 3, 4, 0), WRITE | USER, 0x20000);
	w64(0x11000 + 2 * 8, 0x12000 | P | RW | US);
	assert_walk(LA4(1, 2, 3, 4, 0), FETCH, 0x20000);
	/* XD at the PML4E */
	w64(0x10000 + 1 * 8, 0x11000 | P | RW | US | XD);
	assert_fault(LA4(1, 2, 3, 4, 0), FETCH | USER, EC_P | EC_U | EC_I);
	/* Not present in long mode with NXE: fetches report I/D. */
	assert_fault(LA4(1, 2, 3, 9, 0), FETCH, EC_I);
}

static void test_outside_ram(void **state)
{
	(void)state;
	/* 32-bit: the page directory is outside RAM */
	build_32bit();
	ctx.cr3 = RAM_SIZE;
	assert_outside(0x00403abc, READ);
	/* 32-bit: the PDE points at a page table outside RAM */
	build_32bit();
	w32(0x1000 + 7 * 4, 0xfffff000 | P | RW);
	assert_outside(0x01c00000, READ);
	/* An entry that straddles the end of RAM */
	build_32bit();
	w32(0x2000 + 3 * 4, 0 | P | RW | US); /* the page itself is inside RAM */
	ctx.ram_size = 0x2000 + 3 * 4 + 2;
	assert_outside(0x00403abc, READ);
	ctx.ram_size = 0x2000 + 3 * 4 + 4;
	assert_walk(0x00403abc, READ, 0xabc);
	ctx.ram_size = RAM_SIZE;
	/* PAE: the PDPT, and a PD, outside RAM */
	build_pae();
	ctx.cr3 = 0x7fffffe0;
	assert_outside(0x40201abc, READ);
	build_pae();
	w64(0x3020 + 3 * 8, 0x100000000ULL | P);
	assert_outside(0xc0000000, READ);
	/* 4-level: PML4 entry at the last 4 bytes of RAM is not a whole entry */
	build_4level();
	ctx.cr3 = RAM_SIZE - 4096;
	w64(RAM_SIZE - 4096 + 511 * 8, 0x11000 | P | RW);
	ctx.ram_size = RAM_SIZE - 4;
	assert_outside(0xff8000000000ULL, READ);
	ctx.ram_size = RAM_SIZE;
	/* 4-level: a PT just above 4 GiB is not the one at its low 32 bits */
	build_4level();
	w64(0x12000 + 3 * 8, 0x100013000ULL | P | RW | US);
	assert_outside(LA4(1, 2, 3, 4, 0), READ);
	/* 4-level: a PT far above RAM */
	build_4level();
	w64(0x12000 + 3 * 8, 0x000ffffffffff000ULL | P | RW);
	assert_outside(LA4(1, 2, 3, 4, 0), READ);
}

/* gwalk_read: one copy across two 4K pages that are not physically adjacent. */
static void test_read_across_pages(void **state)
{
	u8 buf[32];
	size_t done;
	u64 where;
	u32 pfec;

	(void)state;
	build_4level();
	w64(0x13000 + 5 * 8, 0x40000 | P | RW | US); /* the next page maps elsewhere */
	memset(ram + 0x20ff0, 0xaa, 16);
	memset(ram + 0x40000, 0xbb, 16);
	assert_int_equal(
		gwalk_read(&ctx, LA4(1, 2, 3, 4, 0xff0), READ, buf, 32, &done, &where, &pfec),
		GW_OK);
	assert_int_equal(done, 32);
	for (int i = 0; i < 16; i++) {
		assert_int_equal(buf[i], 0xaa);
		assert_int_equal(buf[16 + i], 0xbb);
	}
}

/* A fault in the second page: the first page's bytes are copied, the address is the page's. */
static void test_read_fault_midway(void **state)
{
	u8 buf[32];
	size_t done;
	u64 where = 0;
	u32 pfec = 0xdead;

	(void)state;
	build_4level(); /* PTE 5 is not present */
	assert_int_equal(
		gwalk_read(&ctx, LA4(1, 2, 3, 4, 0xff8), WRITE, buf, 32, &done, &where, &pfec),
		GW_PAGE_FAULT);
	assert_int_equal(done, 8);
	assert_int_equal(where, LA4(1, 2, 3, 5, 0));
	assert_int_equal(pfec, EC_W);
}

/* Data mapped outside RAM is reported with its guest-physical address. */
static void test_read_data_outside_ram(void **state)
{
	u8 buf[8];
	size_t done;
	u64 where = 0;
	u32 pfec;

	(void)state;
	build_4level();
	w64(0x13000 + 4 * 8, (u64)RAM_SIZE | P | RW); /* a page just past the end of RAM */
	assert_int_equal(
		gwalk_read(&ctx, LA4(1, 2, 3, 4, 0x10), READ, buf, 8, &done, &where, &pfec),
		GW_DATA_OUTSIDE_RAM);
	assert_int_equal(done, 0);
	assert_int_equal(where, (u64)RAM_SIZE + 0x10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_across_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_fault_midway, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_data_outside_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paging_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_32bit_4k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_32bit_4m, setup, teardown),
		cmocka_unit_test_setup_teardown(test_32bit_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_32bit_fetch_error_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pae, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pae_xd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpl3_fetch_is_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_4level_4k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_4level_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_4level_permissions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_4level_xd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outside_ram, setup, teardown),
	};

	return cmocka_run_group_tests_name("gwalk", tests, NULL, NULL);
}
