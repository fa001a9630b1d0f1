// SPDX-License-Identifier: MIT
/*
 * mb2_parse on hand-built Multiboot2 information blocks (spec section 3.6):
 * every parsed field of a full block, RSDP preference, and each rejection.
 */
#include <string.h>

#include "boot/multiboot2.h"
#include "lib/printf.h"
#include "tests/unit/support.h"

/* An information block under construction; u64 storage keeps it 8-aligned. */
struct mbi {
	u64 words[1024];
	u32 off;
};

static struct mbi mbi;

static u8 *mbi_bytes(void)
{
	return (u8 *)mbi.words;
}

static void mbi_begin(void)
{
	memset(&mbi, 0, sizeof(mbi));
	mbi.off = 8; /* total_size, reserved */
}

static void put32(u32 off, u32 v)
{
	memcpy(mbi_bytes() + off, &v, 4);
}

static void put64(u32 off, u64 v)
{
	memcpy(mbi_bytes() + off, &v, 8);
}

/* A tag of @type with @len payload bytes; returns the payload offset. */
static u32 add_tag_size(u32 type, u32 size, const void *payload, u32 len)
{
	u32 at = mbi.off;

	put32(at, type);
	put32(at + 4, size);
	if (len)
		memcpy(mbi_bytes() + at + 8, payload, len);
	mbi.off = (at + 8 + len + 7) & ~7u;
	return at + 8;
}

static u32 add_tag(u32 type, const void *payload, u32 len)
{
	return add_tag_size(type, 8 + len, payload, len);
}

static void add_cmdline(const char *s)
{
	add_tag(MB2_TAG_CMDLINE, s, (u32)strlen(s) + 1);
}

static void add_module(u32 start, u32 end, const char *s)
{
	u8 p[64];
	u32 n = (u32)strlen(s) + 1;

	memcpy(p, &start, 4);
	memcpy(p + 4, &end, 4);
	memcpy(p + 8, s, n);
	add_tag(MB2_TAG_MODULE, p, 8 + n);
}

struct mmap_ent {
	u64 base, len;
	u32 type;
};

static void add_mmap_esz(const struct mmap_ent *e, unsigned n, u32 entry_size)
{
	u32 at = mbi.off, size = 16 + n * entry_size;

	put32(at, MB2_TAG_MMAP);
	put32(at + 4, size);
	put32(at + 8, entry_size);
	put32(at + 12, 0); /* entry_version */
	for (unsigned i = 0; i < n; i++) {
		u32 o = at + 16 + i * entry_size;

		put64(o, e[i].base);
		put64(o + 8, e[i].len);
		put32(o + 16, e[i].type);
		put32(o + 20, 0);
	}
	mbi.off = (at + size + 7) & ~7u;
}

static const struct mmap_ent one_ram[] = { { 0x100000, 0x7f00000, 1 } };

static void add_mmap(const struct mmap_ent *e, unsigned n)
{
	add_mmap_esz(e, n, 24);
}

static void add_end(void)
{
	add_tag(MB2_TAG_END, NULL, 0);
}

/* Close the block: total_size covers everything added so far. */
static const void *mbi_finish(void)
{
	put32(0, mbi.off);
	return mbi.words;
}

/* RSDP copies: 20 bytes for ACPI 1.0, 36 for 2.0; revision byte at 15. */
static void make_rsdp(u8 *p, u32 len, u8 revision)
{
	memset(p, 0, len);
	memcpy(p, "RSD PTR ", 8);
	p[15] = revision;
}

static void test_full_block(void **state)
{
	static const struct mmap_ent map[] = {
		{ 0x0, 0x9fc00, 1 },
		{ 0x9fc00, 0x400, 2 },
		{ 0xf0000, 0x10000, 2 },
		{ 0x100000, 0x7ee0000, 1 },
		{ 0x100000000ULL, 0x140000000ULL, 1 }, /* 5 GiB: length needs 64 bits */
	};
	struct boot_info bi;
	u8 old_rsdp[20], new_rsdp[36];
	u32 new_at;
	const u8 *base;

	(void)state;
	make_rsdp(old_rsdp, sizeof(old_rsdp), 0);
	make_rsdp(new_rsdp, sizeof(new_rsdp), 2);
	mbi_begin();
	add_cmdline("loglevel=debug onexit=reboot");
	add_module(0x200000, 0x201234, "guest.elf root=/dev/x");
	add_module(0x300000, 0x300800, "initrd");
	add_mmap(map, ARRAY_SIZE(map));
	add_tag(MB2_TAG_ACPI_OLD, old_rsdp, sizeof(old_rsdp));
	new_at = add_tag(MB2_TAG_ACPI_NEW, new_rsdp, sizeof(new_rsdp));
	add_end();
	base = mbi_finish();

	assert_null(mb2_parse(base, &bi));
	assert_int_equal(bi.mbi_size, mbi.off);
	assert_string_equal(bi.cmdline, "loglevel=debug onexit=reboot");
	/* Strings point into the block, they are not copies. */
	assert_true((const u8 *)bi.cmdline > base && (const u8 *)bi.cmdline < base + mbi.off);

	assert_int_equal(bi.nr_modules, 2);
	assert_int_equal(bi.modules[0].start, 0x200000);
	assert_int_equal(bi.modules[0].end, 0x201234);
	assert_string_equal(bi.modules[0].string, "guest.elf root=/dev/x");
	assert_int_equal(bi.modules[1].start, 0x300000);
	assert_int_equal(bi.modules[1].end, 0x300800);
	assert_string_equal(bi.modules[1].string, "initrd");

	assert_int_equal(bi.nr_mmap, ARRAY_SIZE(map));
	for (unsigned i = 0; i < ARRAY_SIZE(map); i++) {
		assert_int_equal(bi.mmap[i].base, map[i].base);
		assert_int_equal(bi.mmap[i].len, map[i].len);
		assert_int_equal(bi.mmap[i].type, map[i].type);
	}

	assert_ptr_equal(bi.rsdp, base + new_at);
	assert_int_equal(bi.rsdp_len, 36);
}

/* The ACPI 2.0 RSDP wins whether it comes before or after the 1.0 one. */
static void test_new_rsdp_preferred(void **state)
{
	struct boot_info bi;
	u8 old_rsdp[20], new_rsdp[36];
	u32 new_at;

	(void)state;
	make_rsdp(old_rsdp, sizeof(old_rsdp), 0);
	make_rsdp(new_rsdp, sizeof(new_rsdp), 2);

	mbi_begin();
	add_mmap(one_ram, 1);
	new_at = add_tag(MB2_TAG_ACPI_NEW, new_rsdp, sizeof(new_rsdp));
	add_tag(MB2_TAG_ACPI_OLD, old_rsdp, sizeof(old_rsdp));
	add_end();
	assert_null(mb2_parse(mbi_finish(), &bi));
	assert_ptr_equal(bi.rsdp, mbi_bytes() + new_at);
	assert_int_equal(bi.rsdp_len, 36);
	assert_int_equal(((const u8 *)bi.rsdp)[15], 2);

	mbi_begin();
	add_mmap(one_ram, 1);
	add_tag(MB2_TAG_ACPI_OLD, old_rsdp, sizeof(old_rsdp));
	new_at = add_tag(MB2_TAG_ACPI_NEW, new_rsdp, sizeof(new_rsdp));
	add_end();
	assert_null(mb2_parse(mbi_finish(), &bi));
	assert_ptr_equal(bi.rsdp, mbi_bytes() + new_at);
	assert_int_equal(bi.rsdp_len, 36);
}

static void test_old_rsdp_only(void **state)
{
	struct boot_info bi;
	u8 old_rsdp[20];
	u32 old_at;

	(void)state;
	make_rsdp(old_rsdp, sizeof(old_rsdp), 0);
	mbi_begin();
	add_mmap(one_ram, 1);
	old_at = add_tag(MB2_TAG_ACPI_OLD, old_rsdp, sizeof(old_rsdp));
	add_end();
	assert_null(mb2_parse(mbi_finish(), &bi));
	assert_ptr_equal(bi.rsdp, mbi_bytes() + old_at);
	assert_int_equal(bi.rsdp_len, 20);
}

static void test_minimal_block(void **state)
{
	struct boot_info bi;

	(void)state;
	mbi_begin();
	add_mmap(one_ram, 1);
	add_end();
	assert_null(mb2_parse(mbi_finish(), &bi));
	assert_null(bi.cmdline);
	assert_int_equal(bi.nr_modules, 0);
	assert_null(bi.rsdp);
	assert_int_equal(bi.nr_mmap, 1);
}

static void test_missing_end_tag(void **state)
{
	struct boot_info bi;
	const char *err;

	(void)state;
	mbi_begin();
	add_cmdline("x");
	add_mmap(one_ram, 1);
	err = mb2_parse(mbi_finish(), &bi);
	assert_non_null(err);
	assert_non_null(strstr(err, "end"));
}

/* Parsing stops at the end tag: junk after it is never looked at. */
static void test_nothing_read_after_end(void **state)
{
	struct boot_info bi;

	(void)state;
	mbi_begin();
	add_mmap(one_ram, 1);
	add_end();
	add_tag_size(MB2_TAG_CMDLINE, 4, NULL, 0); /* would be "size < 8" */
	assert_null(mb2_parse(mbi_finish(), &bi));
	assert_null(bi.cmdline);
}

static void test_tag_overruns_block(void **state)
{
	struct boot_info bi;
	const char *err;
	u32 at;

	(void)state;
	mbi_begin();
	add_mmap(one_ram, 1);
	at = add_tag(MB2_TAG_CMDLINE, "abc", 4) - 8;
	add_end();
	mbi_finish();
	/* The cmdline tag claims to reach one byte past total_size. */
	put32(at + 4, mbi.off - at + 1);
	err = mb2_parse(mbi.words, &bi);
	assert_non_null(err);
	assert_non_null(strstr(err, "overrun"));

	/* A tag that reaches exactly to total_size is fine... but then there
	 * is no room for the end tag. */
	put32(at + 4, mbi.off - at);
	err = mb2_parse(mbi.words, &bi);
	assert_non_null(err);
	assert_non_null(strstr(err, "end"));
}

static void test_tag_size_below_8(void **state)
{
	struct boot_info bi;
	const char *err;

	(void)state;
	for (u32 size = 0; size < 8; size++) {
		mbi_begin();
		add_mmap(one_ram, 1);
		add_tag_size(2, size, NULL, 0); /* boot loader name */
		add_end();
		err = mb2_parse(mbi_finish(), &bi);
		assert_non_null(err);
		assert_non_null(strstr(err, "tag"));
	}
}

static void test_unaligned_or_null(void **state)
{
	struct boot_info bi;
	const char *err;

	(void)state;
	mbi_begin();
	add_mmap(one_ram, 1);
	add_end();
	mbi_finish();
	/* Same bytes, 4 bytes further on: valid content, bad address. */
	memmove(mbi_bytes() + 4, mbi_bytes(), mbi.off);
	err = mb2_parse(mbi_bytes() + 4, &bi);
	assert_non_null(err);
	assert_non_null(strstr(err, "aligned"));

	assert_non_null(mb2_parse(NULL, &bi));
}

static void test_total_size_range(void **state)
{
	struct boot_info bi;
	const char *err;

	(void)state;
	/* Smallest possible: header + end tag = 16 bytes (no mmap, so still
	 * rejected, but for that and not for its size). */
	mbi_begin();
	add_end();
	err = mb2_parse(mbi_finish(), &bi);
	assert_non_null(err);
	assert_non_null(strstr(err, "memory map"));

	put32(0, 15);
	err = mb2_parse(mbi.words, &bi);
	assert_non_null(err);
	assert_non_null(strstr(err, "size"));

	put32(0, 0);
	assert_non_null(mb2_parse(mbi.words, &bi));

	/* Far larger than any real block (and than our buffer). */
	put32(0, 0x7fffffff);
	err = mb2_parse(mbi.words, &bi);
	assert_non_null(err);
	assert_non_null(strstr(err, "size"));
	put32(0, 0xffffffff);
	assert_non_null(mb2_parse(mbi.words, &bi));
}

static void test_cmdline_not_terminated(void **state)
{
	struct boot_info bi;
	const char *err;

	(void)state;
	mbi_begin();
	add_mmap(one_ram, 1);
	add_tag(MB2_TAG_CMDLINE, "abc", 3); /* no NUL inside the tag */
	add_end();
	err = mb2_parse(mbi_finish(), &bi);
	assert_non_null(err);
	assert_non_null(strstr(err, "command line"));

	/* An empty tag body has no NUL either. */
	mbi_begin();
	add_mmap(one_ram, 1);
	add_tag(MB2_TAG_CMDLINE, NULL, 0);
	add_end();
	assert_non_null(mb2_parse(mbi_finish(), &bi));
}

static void test_module_bad(void **state)
{
	struct boot_info bi;
	const char *err;
	u8 p[12];
	u32 s = 0x200000, e = 0x300000;

	(void)state;
	mbi_begin();
	add_mmap(one_ram, 1);
	add_module(0x300000, 0x2fffff, "m");
	add_end();
	err = mb2_parse(mbi_finish(), &bi);
	assert_non_null(err);
	assert_non_null(strstr(err, "module"));

	/* An empty module (end == start) is not an error. */
	mbi_begin();
	add_mmap(one_ram, 1);
	add_module(0x300000, 0x300000, "empty");
	add_end();
	assert_null(mb2_parse(mbi_finish(), &bi));
	assert_int_equal(bi.nr_modules, 1);

	/* String not terminated inside the tag. */
	memcpy(p, &s, 4);
	memcpy(p + 4, &e, 4);
	memcpy(p + 8, "abcd", 4);
	mbi_begin();
	add_mmap(one_ram, 1);
	add_tag(MB2_TAG_MODULE, p, 12);
	add_end();
	err = mb2_parse(mbi_finish(), &bi);
	assert_non_null(err);
	assert_non_null(strstr(err, "module"));

	/* Too short to hold start, end and a string. */
	mbi_begin();
	add_mmap(one_ram, 1);
	add_tag(MB2_TAG_MODULE, p, 8);
	add_end();
	err = mb2_parse(mbi_finish(), &bi);
	assert_non_null(err);
	assert_non_null(strstr(err, "module"));
}

static void test_no_memory_map(void **state)
{
	struct boot_info bi;
	const char *err;

	(void)state;
	mbi_begin();
	add_cmdline("loglevel=info");
	add_module(0x200000, 0x201000, "g");
	add_end();
	err = mb2_parse(mbi_finish(), &bi);
	assert_non_null(err);
	assert_non_null(strstr(err, "memory map"));

	/* A memory map tag with no entries is no memory map either. */
	mbi_begin();
	add_mmap(one_ram, 0);
	add_end();
	err = mb2_parse(mbi_finish(), &bi);
	assert_non_null(err);
	assert_non_null(strstr(err, "memory map"));
}

static void test_module_limit(void **state)
{
	struct boot_info bi;
	const char *err;
	char name[8];

	(void)state;
	mbi_begin();
	add_mmap(one_ram, 1);
	for (unsigned i = 0; i < MB2_MAX_MODULES; i++) {
		snprintf(name, sizeof(name), "m%u", i);
		add_module(0x1000000 + i * 0x1000, 0x1000000 + i * 0x1000 + 0x800, name);
	}
	add_end();
	assert_null(mb2_parse(mbi_finish(), &bi));
	assert_int_equal(bi.nr_modules, MB2_MAX_MODULES);
	assert_int_equal(bi.modules[MB2_MAX_MODULES - 1].start,
			 0x1000000 + (MB2_MAX_MODULES - 1) * 0x1000);
	snprintf(name, sizeof(name), "m%u", MB2_MAX_MODULES - 1);
	assert_string_equal(bi.modules[MB2_MAX_MODULES - 1].string, name);
	assert_int_equal(bi.nr_modules_ignored, 0);

	mbi_begin();
	add_mmap(one_ram, 1);
	for (unsigned i = 0; i < MB2_MAX_MODULES + 2; i++)
		add_module(0x1000000 + i * 0x1000, 0x1000000 + i * 0x1000 + 0x800, "m");
	add_cmdline("after the modules"); /* tags after the extra modules still count */
	add_end();
	/* Too many modules are counted and ignored, not a broken block. */
	err = mb2_parse(mbi_finish(), &bi);
	assert_null(err);
	assert_int_equal(bi.nr_modules, MB2_MAX_MODULES);
	assert_int_equal(bi.nr_modules_ignored, 2);
	assert_string_equal(bi.cmdline, "after the modules");
}

static void test_unknown_tags_ignored(void **state)
{
	static const u32 types[] = { 2, 4, 5, 8, 9, 10, 21, 0x1234, 0xffffffff };
	struct boot_info bi;
	const u8 junk[13] = "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c";

	(void)state;
	mbi_begin();
	for (unsigned i = 0; i < ARRAY_SIZE(types); i++)
		add_tag(types[i], junk, (u32)(i % sizeof(junk)));
	add_cmdline("a=b");
	add_mmap(one_ram, 1);
	add_tag(4, junk, 8);
	add_end();
	assert_null(mb2_parse(mbi_finish(), &bi));
	assert_string_equal(bi.cmdline, "a=b");
	assert_int_equal(bi.nr_mmap, 1);
	assert_int_equal(bi.mmap[0].base, one_ram[0].base);
	assert_int_equal(bi.nr_modules, 0);
	assert_null(bi.rsdp);
}

static void test_mmap_entry_size(void **state)
{
	static const struct mmap_ent map[] = {
		{ 0x1000, 0x9e000, 1 },
		{ 0x100000, 0x1000000, 1 },
		{ 0xfec00000, 0x1000, 2 },
	};
	static const u32 bad[] = { 0, 8, 16, 20, 25, 28, 36 };
	struct boot_info bi;
	const char *err;

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		mbi_begin();
		add_mmap_esz(map, ARRAY_SIZE(map), bad[i] ? bad[i] : 24);
		if (!bad[i])
			put32(16, 0); /* entry_size field of the first tag */
		add_end();
		err = mb2_parse(mbi_finish(), &bi);
		assert_non_null(err);
		assert_non_null(strstr(err, "entry size"));
	}

	/*
	 * An entry size near 2^32 must not wrap the bounds check (found by
	 * the multiboot2 fuzzer): no entries, no read past the tag.  Before
	 * the fix the sum wrapped and 128 entries were read from before and
	 * after the tag.
	 */
	mbi_begin();
	add_mmap_esz(map, 0, 24);
	put32(16, 0xfffffff0);
	add_end();
	err = mb2_parse(mbi_finish(), &bi);
	assert_non_null(err);
	assert_string_equal(err, "no memory map");

	/* A larger entry (a future version) is stepped over by entry_size. */
	mbi_begin();
	add_mmap_esz(map, ARRAY_SIZE(map), 32);
	add_end();
	assert_null(mb2_parse(mbi_finish(), &bi));
	assert_int_equal(bi.nr_mmap, ARRAY_SIZE(map));
	for (unsigned i = 0; i < ARRAY_SIZE(map); i++) {
		assert_int_equal(bi.mmap[i].base, map[i].base);
		assert_int_equal(bi.mmap[i].len, map[i].len);
		assert_int_equal(bi.mmap[i].type, map[i].type);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_block),
		cmocka_unit_test(test_new_rsdp_preferred),
		cmocka_unit_test(test_old_rsdp_only),
		cmocka_unit_test(test_minimal_block),
		cmocka_unit_test(test_missing_end_tag),
		cmocka_unit_test(test_nothing_read_after_end),
		cmocka_unit_test(test_tag_overruns_block),
		cmocka_unit_test(test_tag_size_below_8),
		cmocka_unit_test(test_unaligned_or_null),
		cmocka_unit_test(test_total_size_range),
		cmocka_unit_test(test_cmdline_not_terminated),
		cmocka_unit_test(test_module_bad),
		cmocka_unit_test(test_no_memory_map),
		cmocka_unit_test(test_module_limit),
		cmocka_unit_test(test_unknown_tags_ignored),
		cmocka_unit_test(test_mmap_entry_size),
	};

	return cmocka_run_group_tests_name("multiboot2", tests, NULL, NULL);
}
