// SPDX-License-Identifier: MIT
/*
 * Multiboot 1 kernel images (Multiboot spec 0.6.96, section 3.1) built in
 * memory: header search rules, flag checks, ELF32 load segments, the
 * a.out kludge, and each way an image can be malformed.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/support.h"
#include "vmm/mb1_image.h"

#define IMG_MAX 0x4000

static u8 img[IMG_MAX] __aligned(8);

static void put16(u32 off, u16 v)
{
	memcpy(img + off, &v, 2);
}

static void put32(u32 off, u32 v)
{
	memcpy(img + off, &v, 4);
}

/* magic, flags, checksum: the three must sum to zero (mod 2^32). */
static void mb_header(u32 off, u32 flags)
{
	put32(off, 0x1badb002);
	put32(off + 4, flags);
	put32(off + 8, 0u - (0x1badb002u + flags));
}

/* The a.out kludge address fields at offsets 12..28 of the header. */
static void mb_aout(u32 off, u32 header_addr, u32 load_addr, u32 load_end, u32 bss_end, u32 entry)
{
	put32(off + 12, header_addr);
	put32(off + 16, load_addr);
	put32(off + 20, load_end);
	put32(off + 24, bss_end);
	put32(off + 28, entry);
}

/* ELF32 header (52 bytes) with @phnum program headers right after it. */
static void elf_header(u8 cls, u16 type, u16 machine, u32 entry, u16 phnum)
{
	memset(img, 0, 52);
	memcpy(img, "\177ELF", 4);
	img[4] = cls; /* EI_CLASS: 1 = ELFCLASS32 */
	img[5] = 1; /* EI_DATA: little-endian */
	img[6] = 1; /* EI_VERSION */
	put16(16, type);
	put16(18, machine);
	put32(20, 1);
	put32(24, entry);
	put32(28, 52); /* e_phoff */
	put32(32, 0);
	put32(36, 0);
	put16(40, 52);
	put16(42, 32); /* e_phentsize */
	put16(44, phnum);
	put16(46, 40);
}

static void elf_phdr(unsigned i, u32 type, u32 offset, u32 paddr, u32 filesz, u32 memsz)
{
	u32 o = 52 + 32 * i;

	put32(o, type);
	put32(o + 4, offset);
	put32(o + 8, paddr + 0xc0000000); /* vaddr differs: paddr must be used */
	put32(o + 12, paddr);
	put32(o + 16, filesz);
	put32(o + 20, memsz);
	put32(o + 24, 5);
	put32(o + 28, 0x1000);
}

#define PT_LOAD	     1
#define PT_NOTE	     4
#define PT_GNU_STACK 0x6474e551

/* A typical small kernel: .text at 1 MiB from file offset 0x1000 (with the
 * multiboot header at its start), .data+.bss at 0x102000. */
static size_t build_elf(void)
{
	memset(img, 0, sizeof(img));
	elf_header(1, 2, 3, 0x10000c, 3);
	elf_phdr(0, PT_LOAD, 0x1000, 0x100000, 0x800, 0x800);
	elf_phdr(1, PT_GNU_STACK, 0, 0, 0, 0);
	elf_phdr(2, PT_LOAD, 0x2000, 0x102000, 0x100, 0x3000);
	mb_header(0x1000, MB1_FLAG_PAGE_ALIGN | MB1_FLAG_MEMINFO);
	return 0x2100;
}

static void expect_error(size_t len, const char *keyword)
{
	struct mb1_image im;
	const char *err = mb1_parse_image(img, len, &im);

	if (!err)
		fail_msg("accepted; expected an error about \"%s\"", keyword);
	if (!strstr(err, keyword))
		fail_msg("\"%s\" does not mention \"%s\"", err, keyword);
}

static void test_elf_ok(void **state)
{
	struct mb1_image im;
	size_t len = build_elf();

	(void)state;
	assert_null(mb1_parse_image(img, len, &im));
	assert_int_equal(im.header_off, 0x1000);
	assert_int_equal(im.flags, 3);
	assert_int_equal(im.entry, 0x10000c);
	assert_int_equal(im.nr_segs, 2);
	assert_int_equal(im.segs[0].file_off, 0x1000);
	assert_int_equal(im.segs[0].file_len, 0x800);
	assert_int_equal(im.segs[0].paddr, 0x100000);
	assert_int_equal(im.segs[0].mem_len, 0x800);
	/* bss: memsz beyond filesz is zeroed memory. */
	assert_int_equal(im.segs[1].file_off, 0x2000);
	assert_int_equal(im.segs[1].file_len, 0x100);
	assert_int_equal(im.segs[1].paddr, 0x102000);
	assert_int_equal(im.segs[1].mem_len, 0x3000);
}

/* The header must lie entirely within the first 8192 bytes. */
static void test_header_search_window(void **state)
{
	struct mb1_image im;
	size_t len;

	(void)state;
	len = build_elf();
	memset(img + 0x1000, 0, 12);
	mb_header(0x2000 - 12, 0);
	assert_null(mb1_parse_image(img, len, &im));
	assert_int_equal(im.header_off, 0x2000 - 12);

	len = build_elf();
	memset(img + 0x1000, 0, 12);
	mb_header(0x2000 - 8, 0); /* checksum would be at 8192 */
	expect_error(len, "header");

	len = build_elf();
	memset(img + 0x1000, 0, 12);
	mb_header(0x2000, 0);
	expect_error(len, "8 KiB");

	/* The first of two headers wins. */
	len = build_elf();
	mb_header(0x40, MB1_FLAG_MEMINFO);
	assert_null(mb1_parse_image(img, len, &im));
	assert_int_equal(im.header_off, 0x40);
	assert_int_equal(im.flags, MB1_FLAG_MEMINFO);
}

static void test_bad_checksum(void **state)
{
	size_t len = build_elf();

	(void)state;
	put32(0x1008, 0u - (0x1badb002u + 3) + 1);
	expect_error(len, "header");
	/* Right checksum for other flags. */
	put32(0x1008, 0u - (0x1badb002u + 2));
	expect_error(len, "header");
}

static void test_misaligned_header(void **state)
{
	size_t len = build_elf();

	(void)state;
	for (u32 shift = 1; shift < 4; shift++) {
		len = build_elf();
		memset(img + 0x1000, 0, 12);
		mb_header(0x1000 + shift, 0);
		expect_error(len, "header");
	}
}

static void test_flags(void **state)
{
	struct mb1_image im;
	size_t len;

	(void)state;
	len = build_elf();
	mb_header(0x1000, MB1_FLAG_VIDEO);
	expect_error(len, "video");

	/* Bits 3-15 are required features we do not know: refuse. */
	for (unsigned bit = 3; bit < 16; bit++) {
		len = build_elf();
		mb_header(0x1000, BIT(bit) | MB1_FLAG_PAGE_ALIGN);
		expect_error(len, "unsupported");
	}

	/* Bits 17-31 are optional: a loader may ignore them. */
	for (unsigned bit = 17; bit < 32; bit++) {
		len = build_elf();
		mb_header(0x1000, (u32)BIT(bit) | MB1_FLAG_MEMINFO);
		assert_null(mb1_parse_image(img, len, &im));
		assert_int_equal(im.nr_segs, 2);
	}
}

static void test_not_i386_elf32(void **state)
{
	size_t len;

	(void)state;
	len = build_elf();
	img[4] = 2; /* ELFCLASS64 */
	expect_error(len, "32-bit");

	len = build_elf();
	img[5] = 2; /* big-endian */
	expect_error(len, "little-endian");

	len = build_elf();
	put16(18, 62); /* EM_X86_64 */
	expect_error(len, "i386");

	len = build_elf();
	put16(16, 3); /* ET_DYN */
	expect_error(len, "executable");

	/* Neither ELF nor a.out kludge. */
	len = build_elf();
	img[1] = 'X';
	expect_error(len, "ELF");
}

static void test_bad_segments(void **state)
{
	size_t len;

	(void)state;
	/* Second segment's file bytes run one past the end of the image. */
	len = build_elf();
	elf_phdr(2, PT_LOAD, 0x2000, 0x102000, 0x101, 0x3000);
	expect_error(len, "beyond");

	len = build_elf();
	elf_phdr(2, PT_LOAD, 0x2101, 0x102000, 0, 0x3000);
	expect_error(len, "beyond");

	len = build_elf();
	elf_phdr(0, PT_LOAD, 0x1000, 0x100000, 0x800, 0x7ff);
	expect_error(len, "size");

	/* Loading past 4 GiB cannot be done in a 32-bit guest. */
	len = build_elf();
	elf_phdr(2, PT_LOAD, 0x2000, 0xfffff000, 0x100, 0x2000);
	expect_error(len, "4 GiB");

	/* Program headers beyond the image. */
	len = build_elf();
	put16(44, 400);
	expect_error(len, "program headers");

	len = build_elf();
	put16(42, 56); /* ELF64 phdr size */
	expect_error(len, "program headers");
}

static void test_no_load_segment(void **state)
{
	size_t len;

	(void)state;
	len = build_elf();
	elf_phdr(0, PT_NOTE, 0x1000, 0x100000, 0x800, 0x800);
	elf_phdr(2, PT_NOTE, 0x2000, 0x102000, 0x100, 0x3000);
	expect_error(len, "load");

	/* A PT_LOAD with nothing in memory loads nothing. */
	len = build_elf();
	elf_phdr(0, PT_LOAD, 0x1000, 0x100000, 0, 0);
	elf_phdr(2, PT_LOAD, 0x2000, 0x102000, 0, 0);
	expect_error(len, "load");

	len = build_elf();
	put16(44, 0);
	expect_error(len, "program headers");
}

/* Raw binary loaded at 1 MiB, header 0x40 into it, bss up to 0x104000. */
static void test_aout_kludge(void **state)
{
	struct mb1_image im;

	(void)state;
	memset(img, 0xcc, sizeof(img));
	mb_header(0x40, MB1_FLAG_AOUT_KLUDGE | MB1_FLAG_MEMINFO);
	mb_aout(0x40, 0x100040, 0x100000, 0x100800, 0x104000, 0x100080);
	assert_null(mb1_parse_image(img, 0x1000, &im));
	assert_int_equal(im.header_off, 0x40);
	assert_int_equal(im.entry, 0x100080);
	assert_int_equal(im.nr_segs, 1);
	assert_int_equal(im.segs[0].file_off, 0);
	assert_int_equal(im.segs[0].file_len, 0x800);
	assert_int_equal(im.segs[0].paddr, 0x100000);
	assert_int_equal(im.segs[0].mem_len, 0x4000);

	/* Text starts 0x1000 into the file: load offset is header offset
	 * minus (header_addr - load_addr). */
	memset(img, 0, sizeof(img));
	mb_header(0x1010, MB1_FLAG_AOUT_KLUDGE);
	mb_aout(0x1010, 0x200010, 0x200000, 0x200400, 0, 0x200020);
	assert_null(mb1_parse_image(img, 0x2000, &im));
	assert_int_equal(im.segs[0].file_off, 0x1000);
	assert_int_equal(im.segs[0].file_len, 0x400);
	assert_int_equal(im.segs[0].paddr, 0x200000);
	/* bss_end_addr 0: no bss. */
	assert_int_equal(im.segs[0].mem_len, 0x400);
	assert_int_equal(im.entry, 0x200020);
}

/* load_end_addr 0: text and data occupy the rest of the file. */
static void test_aout_whole_file(void **state)
{
	struct mb1_image im;

	(void)state;
	memset(img, 0, sizeof(img));
	mb_header(0x1010, MB1_FLAG_AOUT_KLUDGE);
	mb_aout(0x1010, 0x200010, 0x200000, 0, 0x205000, 0x200020);
	assert_null(mb1_parse_image(img, 0x3456, &im));
	assert_int_equal(im.segs[0].file_off, 0x1000);
	assert_int_equal(im.segs[0].file_len, 0x3456 - 0x1000);
	assert_int_equal(im.segs[0].mem_len, 0x5000);

	mb_aout(0x1010, 0x200010, 0x200000, 0, 0, 0x200020);
	assert_null(mb1_parse_image(img, 0x3456, &im));
	assert_int_equal(im.segs[0].file_len, 0x2456);
	assert_int_equal(im.segs[0].mem_len, 0x2456);
}

/* With bit 16 the kludge wins even over a valid ELF header. */
static void test_aout_over_elf(void **state)
{
	struct mb1_image im;
	size_t len = build_elf();

	(void)state;
	mb_header(0x1000, MB1_FLAG_AOUT_KLUDGE);
	mb_aout(0x1000, 0x101000, 0x100000, 0x102100, 0, 0x101020);
	assert_null(mb1_parse_image(img, len, &im));
	assert_int_equal(im.nr_segs, 1);
	assert_int_equal(im.segs[0].file_off, 0);
	assert_int_equal(im.segs[0].file_len, 0x2100);
	assert_int_equal(im.entry, 0x101020);
}

static void test_aout_bad(void **state)
{
	(void)state;
	memset(img, 0, sizeof(img));
	mb_header(0x40, MB1_FLAG_AOUT_KLUDGE);

	/* load_addr above header_addr. */
	mb_aout(0x40, 0x100040, 0x100080, 0, 0, 0x100080);
	expect_error(0x1000, "load_addr");
	/* Load would start before the file does. */
	mb_aout(0x40, 0x100040, 0x100000 - 0x1000, 0, 0, 0x100080);
	expect_error(0x1000, "load_addr");
	/* load_end_addr beyond the file, and below load_addr. */
	mb_aout(0x40, 0x100040, 0x100000, 0x101001, 0, 0x100080);
	expect_error(0x1000, "load_end_addr");
	mb_aout(0x40, 0x100040, 0x100000, 0xfffff, 0, 0x100080);
	expect_error(0x1000, "load_end_addr");
	/* bss_end_addr below load_end_addr. */
	mb_aout(0x40, 0x100040, 0x100000, 0x100800, 0x1007ff, 0x100080);
	expect_error(0x1000, "bss_end_addr");
}

/*
 * Issue 8, item 4: load_addr + file length wrapped in 32 bits, so an
 * image loaded just below 4 GiB passed the bss_end check with a bss_end
 * past the wrap, and mem_len came out smaller than file_len (the loader's
 * bss clear then ran for nearly 4 GiB).  Both are accepted on e6e6724.
 */
static void test_aout_wrap(void **state)
{
	struct mb1_image im;

	(void)state;
	memset(img, 0, sizeof(img));
	mb_header(0x40, MB1_FLAG_AOUT_KLUDGE);
	/* The whole file (load_end 0), 0x2000 bytes from 0xfffff000: ends at 4 GiB + 0x1000. */
	mb_aout(0x40, 0xfffff040, 0xfffff000, 0, 0x1000, 0xfffff080);
	assert_non_null(mb1_parse_image(img, 0x2000, &im));
	/* ... and with a bss_end near 4 GiB that makes mem_len (mod 2^32) < file_len. */
	mb_aout(0x40, 0xfffff040, 0xfffff000, 0, 0xffffffff, 0xfffff080);
	assert_non_null(mb1_parse_image(img, 0x2000, &im));
	/* The same image ending exactly at 4 GiB is fine. */
	mb_aout(0x40, 0xffffe040, 0xffffe000, 0, 0, 0xffffe080);
	assert_null(mb1_parse_image(img, 0x2000, &im));
	assert_int_equal(im.segs[0].mem_len, 0x2000);
	/* The 32-byte kludge header cut off by the end of the file. */
	mb_aout(0x40, 0x100040, 0x100000, 0, 0, 0x100080);
	expect_error(0x40 + 31, "truncated");
}

static void test_empty(void **state)
{
	struct mb1_image im;
	const char *err;

	(void)state;
	err = mb1_parse_image(img, 0, &im);
	assert_non_null(err);
	assert_non_null(strstr(err, "empty"));
	err = mb1_parse_image(NULL, 100, &im);
	assert_non_null(err);
	/* Shorter than a header. */
	mb_header(0, 0);
	assert_non_null(mb1_parse_image(img, 11, &im));
}

/* Truncations of a valid image never read past the end (ASan watches). */
static void test_truncations(void **state)
{
	size_t len = build_elf();

	(void)state;
	for (size_t n = 1; n < len; n += 7) {
		u8 *copy = malloc(n);
		struct mb1_image im;
		const char *err;

		assert_non_null(copy);
		memcpy(copy, img, n);
		err = mb1_parse_image(copy, n, &im);
		free(copy);
		/* Every cut loses part of a segment or the header. */
		if (!err)
			fail_msg("image cut to %zu bytes accepted", n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_ok),	      cmocka_unit_test(test_header_search_window),
		cmocka_unit_test(test_bad_checksum),  cmocka_unit_test(test_misaligned_header),
		cmocka_unit_test(test_flags),	      cmocka_unit_test(test_not_i386_elf32),
		cmocka_unit_test(test_bad_segments),  cmocka_unit_test(test_no_load_segment),
		cmocka_unit_test(test_aout_kludge),   cmocka_unit_test(test_aout_whole_file),
		cmocka_unit_test(test_aout_over_elf), cmocka_unit_test(test_aout_bad),
		cmocka_unit_test(test_aout_wrap),     cmocka_unit_test(test_empty),
		cmocka_unit_test(test_truncations),
	};

	return cmocka_run_group_tests_name("mb1_image", tests, NULL, NULL);
}
