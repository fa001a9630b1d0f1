// SPDX-License-Identifier: MIT
/*
 * Loading a multiboot 1 kernel into guest RAM (Multiboot Specification
 * 0.6.96, section 3.3 "Boot information format", and docs/guest-abi.md
 * "The boot state"): segments and bss, the entry point, and the
 * information block read back field by field at the offsets the
 * specification gives, with the memory map and modules it points to.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/support.h"
#include "vmm/guest_boot.h"

#define MiB (1024ULL * 1024)

/* Offsets in the multiboot information structure (spec 3.3). */
#define MBI_FLAGS	0
#define MBI_MEM_LOWER	4
#define MBI_MEM_UPPER	8
#define MBI_CMDLINE	16
#define MBI_MODS_COUNT	20
#define MBI_MODS_ADDR	24
#define MBI_MMAP_LENGTH 44
#define MBI_MMAP_ADDR	48
#define MBI_SIZE	88 /* up to and including vbe_interface_len */

#define RAM_FILL 0xa5

static u8 *ram;
static u64 ram_size;
static u8 image[0x3000];

static u32 rd32(u64 gpa)
{
	u32 v;

	assert_true(gpa + 4 <= ram_size);
	memcpy(&v, ram + gpa, 4);
	return v;
}

static u64 rd64(u64 gpa)
{
	u64 v;

	assert_true(gpa + 8 <= ram_size);
	memcpy(&v, ram + gpa, 8);
	return v;
}

static void new_ram(u64 size)
{
	free(ram);
	ram_size = size;
	ram = malloc(size);
	assert_non_null(ram);
	memset(ram, RAM_FILL, size);
}

static int setup(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(image); i++)
		image[i] = (u8)(i * 7 + 3);
	new_ram(8 * MiB);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	ram = NULL;
	return 0;
}

/* A kernel at 1M: 0x200 bytes of text plus bss to 0x101000, data at 0x102000. */
static void two_segment_kernel(struct mb1_image *img)
{
	memset(img, 0, sizeof(*img));
	img->entry = 0x100010;
	img->nr_segs = 2;
	img->segs[0] = (struct mb1_segment){
		.file_off = 0x100, .file_len = 0x200, .paddr = 0x100000, .mem_len = 0x1000
	};
	img->segs[1] = (struct mb1_segment){
		.file_off = 0x1000, .file_len = 0x123, .paddr = 0x102000, .mem_len = 0x123
	};
}

/* Regions the loader placed, to check they are disjoint and inside RAM. */
struct region {
	u64 lo, hi;
	const char *what;
};

static struct region placed[40];
static unsigned nr_placed;

static void add_region(u64 lo, u64 len, const char *what)
{
	assert_true(nr_placed < ARRAY_SIZE(placed));
	placed[nr_placed++] = (struct region){ lo, lo + len, what };
}

/*
 * Everything placed must lie in RAM, above @kernel_end, outside the
 * reserved 0x9fc00-0xfffff range, below used_end, and not overlap.
 */
static void check_placement(const struct guest_boot *gb, u64 kernel_end)
{
	for (unsigned i = 0; i < nr_placed; i++) {
		const struct region *r = &placed[i];

		if (r->lo < kernel_end || r->hi > ram_size || r->hi > gb->used_end)
			fail_msg(
				"%s at [%#llx, %#llx): kernel ends %#llx, used_end %#llx, RAM %#llx",
				r->what, (unsigned long long)r->lo, (unsigned long long)r->hi,
				(unsigned long long)kernel_end, (unsigned long long)gb->used_end,
				(unsigned long long)ram_size);
		if (r->lo < GUEST_HIGH_RAM && r->hi > GUEST_LOW_RAM_END)
			fail_msg("%s overlaps the reserved range", r->what);
		for (unsigned j = 0; j < i; j++)
			if (r->lo < placed[j].hi && placed[j].lo < r->hi)
				fail_msg("%s overlaps %s", r->what, placed[j].what);
	}
	assert_true(gb->used_end <= ram_size);
	/* used_end is the first byte after everything: nothing is written from there on */
	for (u64 a = gb->used_end; a < ram_size; a++)
		if (ram[a] != RAM_FILL)
			fail_msg("byte %#llx at or after used_end %#llx written",
				 (unsigned long long)a, (unsigned long long)gb->used_end);
}

static void check_string(u32 gpa, const char *want, const char *what)
{
	size_t n = strlen(want) + 1;

	assert_true(gpa + n <= ram_size);
	assert_memory_equal(ram + gpa, want, n);
	add_region(gpa, n, what);
}

/* Walk the memory map as the spec describes (size excludes itself). */
static void check_mmap(u32 mbi)
{
	u32 len = rd32(mbi + MBI_MMAP_LENGTH), addr = rd32(mbi + MBI_MMAP_ADDR);
	const struct {
		u64 base, len;
		bool available;
	} want[3] = {
		{ 0, 0x9fc00, true },
		{ 0x9fc00, 0x100000 - 0x9fc00, false },
		{ 0x100000, ram_size - 0x100000, true },
	};
	unsigned n = 0;
	u64 p;

	for (p = addr; p < (u64)addr + len; p += rd32(p) + 4) {
		assert_true(n < 3);
		assert_int_equal(rd32(p), 20);
		assert_int_equal(rd64(p + 4), want[n].base);
		assert_int_equal(rd64(p + 12), want[n].len);
		if (want[n].available)
			assert_int_equal(rd32(p + 20), 1);
		else
			assert_int_not_equal(rd32(p + 20), 1);
		n++;
	}
	assert_int_equal(n, 3);
	assert_int_equal(p, (u64)addr + len); /* mmap_length covers exactly the entries */
	add_region(addr, len, "memory map");
}

static void test_segments_and_bss(void **state)
{
	struct mb1_image img;
	struct guest_boot gb;

	(void)state;
	two_segment_kernel(&img);
	assert_null(guest_boot_load(ram, ram_size, &img, image, sizeof(image), "k", NULL, 0, &gb));
	/* file bytes copied */
	assert_memory_equal(ram + 0x100000, image + 0x100, 0x200);
	assert_memory_equal(ram + 0x102000, image + 0x1000, 0x123);
	/* bss zeroed up to mem_len, and not a byte further */
	for (u64 a = 0x100200; a < 0x101000; a++)
		if (ram[a] != 0)
			fail_msg("bss byte %#llx is %#x", (unsigned long long)a, ram[a]);
	for (u64 a = 0x101000; a < 0x102000; a++)
		if (ram[a] != RAM_FILL)
			fail_msg("byte %#llx between segments written", (unsigned long long)a);
	/* nothing written below the kernel */
	for (u64 a = 0; a < 0x100000; a++)
		if (ram[a] != RAM_FILL)
			fail_msg("byte %#llx below the kernel written", (unsigned long long)a);
	assert_int_equal(gb.entry, 0x100010);
}

static void test_info_block(void **state)
{
	static const u8 mod0[] = "first module contents";
	u8 *mod1 = malloc(5000);
	struct guest_module mods[2] = {
		{ mod0, sizeof(mod0), "keyfile" },
		{ mod1, 5000, "second arg=1" },
	};
	struct mb1_image img;
	struct guest_boot gb;
	u32 mbi, mods_addr;

	(void)state;
	assert_non_null(mod1);
	for (unsigned i = 0; i < 5000; i++)
		mod1[i] = (u8)(i ^ (i >> 8));
	nr_placed = 0;
	two_segment_kernel(&img);
	assert_null(guest_boot_load(ram, ram_size, &img, image, sizeof(image),
				    "smp --verbose level=2", mods, 2, &gb));
	mbi = gb.mbi_gpa;
	add_region(mbi, MBI_SIZE, "info block");
	assert_int_equal(rd32(mbi + MBI_FLAGS), BIT(0) | BIT(2) | BIT(3) | BIT(6));
	assert_int_equal(rd32(mbi + MBI_MEM_LOWER), 639);
	assert_int_equal(rd32(mbi + MBI_MEM_UPPER), (8 * MiB - 1 * MiB) / 1024);
	check_string(rd32(mbi + MBI_CMDLINE), "smp --verbose level=2", "command line");
	check_mmap(mbi);

	assert_int_equal(rd32(mbi + MBI_MODS_COUNT), 2);
	mods_addr = rd32(mbi + MBI_MODS_ADDR);
	add_region(mods_addr, 2 * 16, "module list");
	for (unsigned i = 0; i < 2; i++) {
		u32 start = rd32(mods_addr + 16 * i), end = rd32(mods_addr + 16 * i + 4);

		assert_int_equal(start % 4096, 0);
		assert_int_equal(end - start, mods[i].len);
		assert_true(end <= ram_size);
		assert_memory_equal(ram + start, mods[i].data, mods[i].len);
		add_region(start, mods[i].len, i ? "module 1" : "module 0");
		check_string(rd32(mods_addr + 16 * i + 8), mods[i].string,
			     i ? "module 1 string" : "module 0 string");
	}
	check_placement(&gb, 0x102123);
	free(mod1);
}

static void test_no_modules(void **state)
{
	struct mb1_image img;
	struct guest_boot gb;

	(void)state;
	nr_placed = 0;
	two_segment_kernel(&img);
	assert_null(
		guest_boot_load(ram, ram_size, &img, image, sizeof(image), "solo", NULL, 0, &gb));
	add_region(gb.mbi_gpa, MBI_SIZE, "info block");
	assert_int_equal(rd32(gb.mbi_gpa + MBI_MODS_COUNT), 0);
	check_string(rd32(gb.mbi_gpa + MBI_CMDLINE), "solo", "command line");
	check_mmap(gb.mbi_gpa);
	check_placement(&gb, 0x102123);
}

static void test_odd_ram_size(void **state)
{
	struct mb1_image img;
	struct guest_boot gb;

	(void)state;
	new_ram(2 * MiB + 4096);
	nr_placed = 0;
	two_segment_kernel(&img);
	assert_null(guest_boot_load(ram, ram_size, &img, image, sizeof(image), "x", NULL, 0, &gb));
	assert_int_equal(rd32(gb.mbi_gpa + MBI_MEM_UPPER), 1028);
	check_mmap(gb.mbi_gpa);
	add_region(gb.mbi_gpa, MBI_SIZE, "info block");
	check_placement(&gb, 0x102123);
}

static void test_low_kernel(void **state)
{
	struct mb1_image img = { 0 };
	struct guest_boot gb;

	(void)state;
	/*
	 * A kernel in conventional memory, ending 256 bytes below the reserved
	 * range: the information does not fit there and must avoid the hole.
	 */
	nr_placed = 0;
	img.entry = 0x8000;
	img.nr_segs = 1;
	img.segs[0] = (struct mb1_segment){ 0, 0x800, 0x8000, 0x97b00 }; /* to 0x9fb00 */
	assert_null(
		guest_boot_load(ram, ram_size, &img, image, sizeof(image), "low", NULL, 0, &gb));
	assert_memory_equal(ram + 0x8000, image, 0x800);
	assert_int_equal(ram[0x8800], 0);
	assert_int_equal(ram[0x9faff], 0);
	assert_int_equal(gb.entry, 0x8000);
	add_region(gb.mbi_gpa, MBI_SIZE, "info block");
	check_string(rd32(gb.mbi_gpa + MBI_CMDLINE), "low", "command line");
	check_mmap(gb.mbi_gpa);
	check_placement(&gb, 0x9fb00);
}

static void test_segment_in_hole_and_at_ram_end(void **state)
{
	struct mb1_image img = { 0 };
	struct guest_boot gb;

	(void)state;
	/* RAM backs 0x9fc00-0xfffff too, so a segment may be loaded there. */
	img.entry = 0xa0000;
	img.nr_segs = 1;
	img.segs[0] = (struct mb1_segment){ 0x10, 0x100, 0xa0000, 0x100 };
	assert_null(guest_boot_load(ram, ram_size, &img, image, sizeof(image), "h", NULL, 0, &gb));
	assert_memory_equal(ram + 0xa0000, image + 0x10, 0x100);
	/* The entry point lies beyond what is loaded but inside RAM: fine. */
	img.entry = (u32)ram_size - 1;
	assert_null(guest_boot_load(ram, ram_size, &img, image, sizeof(image), "h", NULL, 0, &gb));
	assert_int_equal(gb.entry, ram_size - 1);
}

static void test_errors(void **state)
{
	struct mb1_image img;
	struct guest_boot gb;
	const char *e;

	(void)state;
	/* bss running past the end of RAM */
	two_segment_kernel(&img);
	img.segs[1].paddr = (u32)ram_size - 0x100;
	img.segs[1].mem_len = 0x101;
	img.segs[1].file_len = 0x10;
	e = guest_boot_load(ram, ram_size, &img, image, sizeof(image), "x", NULL, 0, &gb);
	assert_non_null(e);
	assert_non_null(strstr(e, "segment"));

	/*
	 * a segment whose memory size is below its file size (a parser bug
	 * or a hostile image): rejected, not a bss clear of mem_len - file_len
	 * (nearly 2^32 bytes) past the copy; e6e6724 cleared it.
	 */
	two_segment_kernel(&img);
	img.segs[0].mem_len = img.segs[0].file_len - 1;
	e = guest_boot_load(ram, ram_size, &img, image, sizeof(image), "x", NULL, 0, &gb);
	assert_non_null(e);
	assert_non_null(strstr(e, "segment"));

	/* a segment far beyond RAM (paddr + mem_len computed without wrapping) */
	two_segment_kernel(&img);
	img.segs[0].paddr = 0xfffff000;
	img.segs[0].mem_len = 0x2000;
	e = guest_boot_load(ram, ram_size, &img, image, sizeof(image), "x", NULL, 0, &gb);
	assert_non_null(e);
	assert_non_null(strstr(e, "segment"));

	/* file bytes beyond the image */
	two_segment_kernel(&img);
	img.segs[1].file_off = sizeof(image) - 0x122;
	e = guest_boot_load(ram, ram_size, &img, image, sizeof(image), "x", NULL, 0, &gb);
	assert_non_null(e);
	assert_non_null(strstr(e, "image"));
	img.segs[1].file_off = sizeof(image) - 0x123; /* exactly to the end: fine */
	assert_null(guest_boot_load(ram, ram_size, &img, image, sizeof(image), "x", NULL, 0, &gb));

	/* the entry point outside RAM */
	two_segment_kernel(&img);
	img.entry = (u32)ram_size;
	e = guest_boot_load(ram, ram_size, &img, image, sizeof(image), "x", NULL, 0, &gb);
	assert_non_null(e);
	assert_non_null(strstr(e, "entry"));
}

static void test_ram_too_small(void **state)
{
	struct mb1_image img = { 0 };
	struct guest_boot gb;

	(void)state;
	new_ram(2 * MiB - 4096);
	img.entry = 0x100000;
	img.nr_segs = 1;
	img.segs[0] = (struct mb1_segment){ 0, 0x10, 0x100000, 0x10 };
	assert_non_null(
		guest_boot_load(ram, ram_size, &img, image, sizeof(image), "x", NULL, 0, &gb));
}

static void test_info_does_not_fit(void **state)
{
	struct mb1_image img;
	struct guest_boot gb;
	struct guest_module m;
	u8 *big;
	const char *e;

	(void)state;
	/* Kernel ends at 0x102123 in 8M: a module filling the rest cannot fit too. */
	two_segment_kernel(&img);
	big = calloc(1, ram_size - 0x103000);
	assert_non_null(big);
	m = (struct guest_module){ big, ram_size - 0x103000, "big" };
	e = guest_boot_load(ram, ram_size, &img, image, sizeof(image), "x", &m, 1, &gb);
	assert_non_null(e);
	assert_non_null(strstr(e, "fit"));
	/* With room to spare it loads. */
	m.len = ram_size - 0x103000 - 0x4000;
	assert_null(guest_boot_load(ram, ram_size, &img, image, sizeof(image), "x", &m, 1, &gb));
	assert_true(gb.used_end <= ram_size);
	free(big);

	/* A kernel reaching to the end of RAM leaves no room for the information. */
	img.nr_segs = 1;
	img.segs[0] = (struct mb1_segment){ 0, 0x10, 0x100000, (u32)ram_size - 0x100000 };
	e = guest_boot_load(ram, ram_size, &img, image, sizeof(image), "x", NULL, 0, &gb);
	assert_non_null(e);
	assert_non_null(strstr(e, "fit"));
}

static void test_too_many_modules(void **state)
{
	struct guest_module mods[17];
	struct mb1_image img;
	struct guest_boot gb;

	(void)state;
	for (unsigned i = 0; i < 17; i++)
		mods[i] = (struct guest_module){ image, 16, "m" };
	two_segment_kernel(&img);
	assert_non_null(
		guest_boot_load(ram, ram_size, &img, image, sizeof(image), "x", mods, 17, &gb));
	/* 16 are fine, each with its own page */
	assert_null(guest_boot_load(ram, ram_size, &img, image, sizeof(image), "x", mods, 16, &gb));
	assert_int_equal(rd32(gb.mbi_gpa + MBI_MODS_COUNT), 16);
	for (unsigned i = 0; i < 16; i++) {
		u32 start = rd32(rd32(gb.mbi_gpa + MBI_MODS_ADDR) + 16 * i);

		assert_int_equal(start % 4096, 0);
		assert_memory_equal(ram + start, image, 16);
		if (i)
			assert_int_not_equal(start,
					     rd32(rd32(gb.mbi_gpa + MBI_MODS_ADDR) + 16 * (i - 1)));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_segments_and_bss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_odd_ram_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_low_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_segment_in_hole_and_at_ram_end, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ram_too_small, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_does_not_fit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_modules, setup, teardown),
	};

	return cmocka_run_group_tests_name("guest_boot", tests, NULL, NULL);
}
