// SPDX-License-Identifier: MIT
/*
 * ACPI on hand-built tables (ACPI spec 5.2): MADT entries and rejections,
 * the checksum rule, \_S5 in AML, and RSDP -> XSDT/RSDT -> MADT/FADT/DSDT
 * end to end with the tables in host memory.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "drivers/acpi.h"
#include "tests/unit/support.h"

#define HDR_LEN 36

static void put16(u8 *p, u16 v)
{
	memcpy(p, &v, 2);
}

static void put32(u8 *p, u32 v)
{
	memcpy(p, &v, 4);
}

static void put64(u8 *p, u64 v)
{
	memcpy(p, &v, 8);
}

/* Byte at @p made such that the @len bytes at @t sum to zero. */
static void fix_checksum(u8 *t, size_t len, u8 *p)
{
	u8 sum = 0;

	*p = 0;
	for (size_t i = 0; i < len; i++)
		sum += t[i];
	*p = (u8)(0x100 - sum);
}

/* Standard description header (ACPI 5.2.6); checksum at offset 9. */
static void acpi_hdr(u8 *t, const char *sig, u32 len)
{
	memset(t, 0, HDR_LEN);
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = 1;
	memcpy(t + 10, "KLVTST", 6);
	memcpy(t + 16, "KLVTABLE", 8);
	fix_checksum(t, len, t + 9);
}

/* ---- MADT ---- */

struct madt_buf {
	u8 b[2048];
	u32 len;
};

static void madt_begin(struct madt_buf *m)
{
	memset(m, 0, sizeof(*m));
	m->len = HDR_LEN + 8;
	put32(m->b + HDR_LEN, 0xfee00000); /* Local Interrupt Controller Address */
	put32(m->b + HDR_LEN + 4, 1); /* PCAT_COMPAT */
}

/* Processor Local APIC structure (type 0, 8 bytes). */
static void madt_lapic(struct madt_buf *m, u8 uid, u8 apic_id, u32 flags)
{
	u8 *e = m->b + m->len;

	e[0] = 0;
	e[1] = 8;
	e[2] = uid;
	e[3] = apic_id;
	put32(e + 4, flags);
	m->len += 8;
}

/* Processor Local x2APIC structure (type 9, 16 bytes). */
static void madt_x2apic(struct madt_buf *m, u32 x2apic_id, u32 flags, u32 uid)
{
	u8 *e = m->b + m->len;

	e[0] = 9;
	e[1] = 16;
	put16(e + 2, 0);
	put32(e + 4, x2apic_id);
	put32(e + 8, flags);
	put32(e + 12, uid);
	m->len += 16;
}

/* Local APIC Address Override structure (type 5, 12 bytes). */
static void madt_override(struct madt_buf *m, u64 addr)
{
	u8 *e = m->b + m->len;

	e[0] = 5;
	e[1] = 12;
	put16(e + 2, 0);
	put64(e + 4, addr);
	m->len += 12;
}

/* I/O APIC structure (type 1, 12 bytes): must be skipped. */
static void madt_ioapic(struct madt_buf *m)
{
	u8 *e = m->b + m->len;

	e[0] = 1;
	e[1] = 12;
	e[2] = 8;
	put32(e + 4, 0xfec00000);
	put32(e + 8, 0);
	m->len += 12;
}

static const u8 *madt_finish(struct madt_buf *m)
{
	acpi_hdr(m->b, "APIC", m->len);
	put32(m->b + HDR_LEN, 0xfee00000);
	put32(m->b + HDR_LEN + 4, 1);
	fix_checksum(m->b, m->len, m->b + 9);
	return m->b;
}

static struct madt_buf mb;

static void test_checksum_rule(void **state)
{
	u8 t[300];

	(void)state;
	memset(t, 0x5a, sizeof(t));
	assert_true(acpi_checksum_ok(t, 0));
	assert_true(acpi_checksum_ok((const u8[]){ 0x01, 0xff }, 2));
	assert_true(acpi_checksum_ok((const u8[]){ 0x80, 0x80 }, 2));
	assert_false(acpi_checksum_ok((const u8[]){ 0x01, 0xfe }, 2));
	assert_false(acpi_checksum_ok((const u8[]){ 0x01 }, 1));
	for (unsigned i = 0; i < sizeof(t); i++)
		t[i] = (u8)(i * 7 + 3);
	fix_checksum(t, sizeof(t), &t[100]);
	assert_true(acpi_checksum_ok(t, sizeof(t)));
	t[299]++;
	assert_false(acpi_checksum_ok(t, sizeof(t)));
	/* Only @len bytes count. */
	assert_true(acpi_checksum_ok((const u8[]){ 0x01, 0xff, 0x05 }, 2));
}

static void test_madt_lapic_flags(void **state)
{
	struct madt_info mi;
	const u8 *t;

	(void)state;
	madt_begin(&mb);
	madt_lapic(&mb, 0, 0, 1); /* enabled */
	madt_ioapic(&mb);
	madt_lapic(&mb, 1, 2, 2); /* online capable */
	madt_lapic(&mb, 2, 4, 0); /* neither: not usable */
	madt_lapic(&mb, 3, 6, 3);
	t = madt_finish(&mb);
	assert_null(madt_parse(t, mb.len, &mi));
	assert_int_equal(mi.lapic_base, 0xfee00000);
	assert_int_equal(mi.nr_cpus, 3);
	assert_int_equal(mi.apic_ids[0], 0);
	assert_int_equal(mi.apic_ids[1], 2);
	assert_int_equal(mi.apic_ids[2], 6);
	assert_int_equal(mi.nr_disabled, 1);
	assert_int_equal(mi.nr_dropped, 0);
}

static void test_madt_x2apic(void **state)
{
	struct madt_info mi;
	const u8 *t;

	(void)state;
	madt_begin(&mb);
	madt_x2apic(&mb, 0x100, 1, 0);
	madt_x2apic(&mb, 0x12345678, 2, 1);
	madt_x2apic(&mb, 0x101, 0, 2);
	t = madt_finish(&mb);
	assert_null(madt_parse(t, mb.len, &mi));
	assert_int_equal(mi.nr_cpus, 2);
	assert_int_equal(mi.apic_ids[0], 0x100);
	assert_int_equal(mi.apic_ids[1], 0x12345678);
	assert_int_equal(mi.nr_disabled, 1);
}

static void test_madt_address_override(void **state)
{
	struct madt_info mi;
	const u8 *t;

	(void)state;
	madt_begin(&mb);
	madt_lapic(&mb, 0, 0, 1);
	madt_override(&mb, 0x0000000123456000ULL);
	t = madt_finish(&mb);
	assert_null(madt_parse(t, mb.len, &mi));
	assert_int_equal(mi.lapic_base, 0x0000000123456000ULL);
	assert_int_equal(mi.nr_cpus, 1);
}

/* Firmware may list one CPU both as local APIC and as x2APIC. */
static void test_madt_duplicates(void **state)
{
	struct madt_info mi;
	const u8 *t;

	(void)state;
	madt_begin(&mb);
	madt_lapic(&mb, 0, 0, 1);
	madt_lapic(&mb, 1, 1, 1);
	madt_x2apic(&mb, 0, 1, 0);
	madt_x2apic(&mb, 1, 1, 1);
	madt_x2apic(&mb, 300, 1, 2);
	t = madt_finish(&mb);
	assert_null(madt_parse(t, mb.len, &mi));
	assert_int_equal(mi.nr_cpus, 3);
	assert_int_equal(mi.apic_ids[0], 0);
	assert_int_equal(mi.apic_ids[1], 1);
	assert_int_equal(mi.apic_ids[2], 300);
}

static void test_madt_bad_checksum(void **state)
{
	struct madt_info mi;
	const char *err;

	(void)state;
	madt_begin(&mb);
	madt_lapic(&mb, 0, 0, 1);
	madt_finish(&mb);
	mb.b[HDR_LEN + 8 + 3] ^= 0x10; /* the APIC ID byte */
	err = madt_parse(mb.b, mb.len, &mi);
	assert_non_null(err);
	assert_non_null(strstr(err, "checksum"));
}

static void test_madt_bad_entry_length(void **state)
{
	struct madt_info mi;
	const char *err;
	u32 last;

	(void)state;
	/* Length 0 would loop forever if accepted. */
	madt_begin(&mb);
	madt_lapic(&mb, 0, 0, 1);
	last = mb.len;
	madt_lapic(&mb, 1, 1, 1);
	mb.b[last + 1] = 0;
	madt_finish(&mb);
	err = madt_parse(mb.b, mb.len, &mi);
	assert_non_null(err);
	assert_non_null(strstr(err, "MADT"));

	/* Length 1 is no better. */
	madt_begin(&mb);
	madt_lapic(&mb, 0, 0, 1);
	last = mb.len;
	madt_lapic(&mb, 1, 1, 1);
	mb.b[last + 1] = 1;
	madt_finish(&mb);
	assert_non_null(madt_parse(mb.b, mb.len, &mi));

	/* The last entry claims 16 bytes but the table ends after 8. */
	madt_begin(&mb);
	madt_lapic(&mb, 0, 0, 1);
	last = mb.len;
	madt_lapic(&mb, 1, 1, 1);
	mb.b[last + 1] = 16;
	madt_finish(&mb);
	err = madt_parse(mb.b, mb.len, &mi);
	assert_non_null(err);
	assert_non_null(strstr(err, "overrun"));

	/* An entry shorter than its type's structure. */
	madt_begin(&mb);
	madt_lapic(&mb, 0, 0, 1);
	last = mb.len;
	madt_x2apic(&mb, 1, 1, 1);
	mb.b[last + 1] = 12;
	mb.len -= 4;
	madt_finish(&mb);
	err = madt_parse(mb.b, mb.len, &mi);
	assert_non_null(err);
	assert_non_null(strstr(err, "short"));
}

static void test_madt_wrong_signature(void **state)
{
	struct madt_info mi;
	const char *err;

	(void)state;
	madt_begin(&mb);
	madt_lapic(&mb, 0, 0, 1);
	madt_finish(&mb);
	memcpy(mb.b, "FACP", 4);
	fix_checksum(mb.b, mb.len, mb.b + 9); /* valid table, wrong kind */
	err = madt_parse(mb.b, mb.len, &mi);
	assert_non_null(err);
	assert_non_null(strstr(err, "signature"));

	memcpy(mb.b, "APIX", 4);
	fix_checksum(mb.b, mb.len, mb.b + 9);
	assert_non_null(madt_parse(mb.b, mb.len, &mi));
}

static void test_madt_too_short(void **state)
{
	struct madt_info mi;

	(void)state;
	madt_begin(&mb);
	madt_finish(&mb);
	/* Header plus 7 of the 8 fixed bytes. */
	assert_non_null(madt_parse(mb.b, HDR_LEN + 7, &mi));
}

static void test_madt_no_usable_cpu(void **state)
{
	struct madt_info mi;
	const char *err;

	(void)state;
	madt_begin(&mb);
	madt_finish(&mb);
	err = madt_parse(mb.b, mb.len, &mi);
	assert_non_null(err);
	assert_non_null(strstr(err, "CPU"));

	madt_begin(&mb);
	madt_lapic(&mb, 0, 0, 0);
	madt_x2apic(&mb, 1, 0, 1);
	madt_ioapic(&mb);
	madt_finish(&mb);
	err = madt_parse(mb.b, mb.len, &mi);
	assert_non_null(err);
	assert_non_null(strstr(err, "CPU"));
	assert_int_equal(mi.nr_disabled, 2);
}

static void test_madt_too_many_cpus(void **state)
{
	struct madt_info mi;
	const unsigned n = ACPI_MAX_CPUS + 6;

	(void)state;
	madt_begin(&mb);
	for (unsigned i = 0; i < n; i++)
		madt_lapic(&mb, (u8)i, (u8)(2 * i), 1);
	madt_finish(&mb);
	assert_null(madt_parse(mb.b, mb.len, &mi));
	assert_int_equal(mi.nr_cpus, ACPI_MAX_CPUS);
	assert_int_equal(mi.nr_dropped, n - ACPI_MAX_CPUS);
	for (unsigned i = 0; i < ACPI_MAX_CPUS; i++)
		assert_int_equal(mi.apic_ids[i], 2 * i);
}

/* ---- \_S5 in AML ---- */

/* A DSDT in an exactly sized heap block, so ASan sees any overread. */
static u8 *dsdt_with(const u8 *aml, size_t n)
{
	u8 *t = malloc(HDR_LEN + n);

	assert_non_null(t);
	memcpy(t + HDR_LEN, aml, n);
	acpi_hdr(t, "DSDT", (u32)(HDR_LEN + n));
	return t;
}

static void check_s5(const u8 *aml, size_t n, bool found, u16 want)
{
	u8 *t = dsdt_with(aml, n);
	u16 typ = 0xbeef;

	assert_int_equal(acpi_find_s5(t, HDR_LEN + n, &typ), found);
	assert_int_equal(typ, found ? want : 0xbeef);
	free(t);
}

static void test_s5_byteprefix(void **state)
{
	/* Name(_S5, Package(4) { 5, 5, 0, 0 }) as iasl emits it. */
	static const u8 aml[] = { 0x08, '_',  'S',  '5',  '_',	0x12, 0x08, 0x04,
				  0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00, 0xa3 };

	(void)state;
	check_s5(aml, sizeof(aml), true, 5);
}

static void test_s5_zero_one_ops(void **state)
{
	static const u8 zero[] = { 0x08, '_',  'S',  '5',  '_',	 0x12, 0x06,
				   0x04, 0x00, 0x00, 0x00, 0x00, 0xa3 };
	static const u8 one[] = { 0x08, '_',  'S',  '5',  '_',	0x12, 0x06,
				  0x04, 0x01, 0x01, 0x00, 0x00, 0xa3 };

	(void)state;
	check_s5(zero, sizeof(zero), true, 0);
	check_s5(one, sizeof(one), true, 1);
}

static void test_s5_multibyte_pkglength(void **state)
{
	/* Name(\_S5, ...) with PkgLength lead 0x49: bits 7:6 = 1 more byte. */
	static const u8 aml[] = { 0x08, '\\', '_',  'S',  '5',	'_',  0x12, 0x49, 0x00,
				  0x04, 0x0a, 0x07, 0x0a, 0x07, 0x00, 0x00, 0xa3 };
	/* Three more PkgLength bytes (lead 0xcb). */
	static const u8 aml3[] = { 0x08, '_',  'S',  '5',  '_',	 0x12, 0xcb, 0x00, 0x00,
				   0x00, 0x04, 0x0a, 0x03, 0x0a, 0x03, 0x00, 0x00 };

	(void)state;
	check_s5(aml, sizeof(aml), true, 7);
	check_s5(aml3, sizeof(aml3), true, 3);
}

static void test_s5_absent(void **state)
{
	/* \_S4 and \_S3 packages only, and a method called _S5X. */
	static const u8 aml[] = { 0x08, '_',  'S',  '3',  '_',	0x12, 0x06, 0x04, 0x0a, 0x01,
				  0x0a, 0x01, 0x00, 0x00, 0x08, '_',  'S',  '4',  '_',	0x12,
				  0x06, 0x04, 0x0a, 0x06, 0x0a, 0x06, 0x00, 0x00, 0x14, 0x08,
				  '_',	'S',  '5',  'X',  0x00, 0xa4, 0x00, 0xa3 };
	u8 *t;
	u16 typ = 0xbeef;

	(void)state;
	check_s5(aml, sizeof(aml), false, 0);

	/* No AML at all. */
	t = dsdt_with(aml, 0);
	assert_false(acpi_find_s5(t, HDR_LEN, &typ));
	assert_int_equal(typ, 0xbeef);
	free(t);
}

/* A "_S5_" that is not a package (here a reference) is passed over. */
static void test_s5_skips_non_package(void **state)
{
	static const u8 aml[] = { 0x70, '_',  'S',  '5',  '_',	0x60, 0x08, '_',  'S',	'5',
				  '_',	0x12, 0x08, 0x04, 0x0a, 0x02, 0x0a, 0x02, 0x00, 0x00 };

	(void)state;
	check_s5(aml, sizeof(aml), true, 2);
}

static void test_s5_truncated_or_odd(void **state)
{
	/* Package runs off the end of the table. */
	static const u8 cut[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x0a, 0x04, 0x0a };
	static const u8 cut3[] = { 0x08, '_', 'S', '5', '_', 0x12, 0xcb, 0x00, 0x00, 0x00, 0x04 };
	/* First element is a WordPrefix constant, not a byte. */
	static const u8 word[] = { 0x08, '_',  'S',  '5',  '_',	 0x12, 0x08,
				   0x02, 0x0b, 0x05, 0x00, 0x0b, 0x05, 0x00 };

	(void)state;
	check_s5(cut, sizeof(cut), false, 0);
	check_s5(cut3, sizeof(cut3), false, 0);
	check_s5(word, sizeof(word), false, 0);
}

/* ---- acpi_parse end to end ---- */

#define FADT_LEN  244 /* ACPI 2.0 FADT */
#define FADT1_LEN 116 /* ACPI 1.0 FADT: no X_DSDT */

/* Every table of one firmware, in one block so it can sit below 4 GiB. */
struct tables {
	u8 rsdp[36];
	u8 xsdt[HDR_LEN + 3 * 8];
	u8 rsdt[HDR_LEN + 3 * 4];
	u8 fadt[FADT_LEN];
	u8 dsdt[HDR_LEN + 16];
	u8 madt[HDR_LEN + 8 + 3 * 8];
	u8 other[HDR_LEN];
};

static const u8 s5_aml[] = { 0x08, '_',	 'S',  '5',  '_',  0x12, 0x08, 0x04,
			     0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00, 0xa3, 0xa3 };

static void build_madt(struct tables *t)
{
	madt_begin(&mb);
	madt_lapic(&mb, 0, 0, 1);
	madt_lapic(&mb, 1, 1, 1);
	madt_lapic(&mb, 2, 3, 1);
	madt_finish(&mb);
	assert_int_equal(mb.len, sizeof(t->madt));
	memcpy(t->madt, mb.b, mb.len);
}

/* FADT with PM1a_CNT_BLK = 0x604 and DSDT/X_DSDT as given. */
static void build_fadt(struct tables *t, u32 len, u32 dsdt32, u64 dsdt64)
{
	memset(t->fadt, 0, sizeof(t->fadt));
	put32(t->fadt + 40, dsdt32);
	put32(t->fadt + 64, 0x604);
	if (len >= 148)
		put64(t->fadt + 140, dsdt64);
	acpi_hdr(t->fadt, "FACP", len);
}

static void build_rsdp(struct tables *t, u8 rev, u32 rsdt, u64 xsdt)
{
	u8 *r = t->rsdp;

	memset(r, 0, sizeof(t->rsdp));
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "KLVTST", 6);
	r[15] = rev;
	put32(r + 16, rsdt);
	put32(r + 20, 36);
	put64(r + 24, xsdt);
	fix_checksum(r, 20, r + 8);
	fix_checksum(r, 36, r + 32);
}

/* ACPI 2.0: RSDP -> XSDT (64-bit pointers) -> MADT, FADT -> X_DSDT. */
static void build_v2(struct tables *t)
{
	memset(t, 0, sizeof(*t));
	build_madt(t);
	memcpy(t->dsdt + HDR_LEN, s5_aml, sizeof(s5_aml));
	acpi_hdr(t->dsdt, "DSDT", sizeof(t->dsdt));
	build_fadt(t, FADT_LEN, 0, (uintptr_t)t->dsdt);
	acpi_hdr(t->other, "HPET", sizeof(t->other));
	put64(t->xsdt + HDR_LEN, (uintptr_t)t->other);
	put64(t->xsdt + HDR_LEN + 8, (uintptr_t)t->madt);
	put64(t->xsdt + HDR_LEN + 16, (uintptr_t)t->fadt);
	acpi_hdr(t->xsdt, "XSDT", sizeof(t->xsdt));
	build_rsdp(t, 2, 0, (uintptr_t)t->xsdt);
}

/* Static, so a failed assertion leaks nothing. */
static struct tables tables_v2;

static void check_full_result(const struct acpi_info *ai)
{
	assert_true(ai->have_madt);
	assert_int_equal(ai->madt.nr_cpus, 3);
	assert_int_equal(ai->madt.apic_ids[0], 0);
	assert_int_equal(ai->madt.apic_ids[1], 1);
	assert_int_equal(ai->madt.apic_ids[2], 3);
	assert_int_equal(ai->madt.lapic_base, 0xfee00000);
	assert_int_equal(ai->pm1a_cnt, 0x604);
	assert_true(ai->have_s5);
	assert_int_equal(ai->s5_slp_typ, 5);
	assert_string_equal(ai->oem_id, "KLVTST");
}

static void test_parse_xsdt(void **state)
{
	struct tables *t = &tables_v2;
	struct acpi_info ai;

	(void)state;
	build_v2(t);
	assert_null(acpi_parse(t->rsdp, sizeof(t->rsdp), &ai));
	check_full_result(&ai);
}

static void test_parse_without_fadt(void **state)
{
	struct tables *t = &tables_v2;
	struct acpi_info ai;

	(void)state;
	build_v2(t);
	/* A broken FADT is skipped: CPUs still found, no soft-off. */
	t->fadt[70] ^= 1;
	assert_null(acpi_parse(t->rsdp, sizeof(t->rsdp), &ai));
	assert_true(ai.have_madt);
	assert_int_equal(ai.madt.nr_cpus, 3);
	assert_false(ai.have_s5);
	assert_int_equal(ai.pm1a_cnt, 0);

	/* PM1a_CNT_BLK is an I/O port: above 0xffff it cannot be used. */
	build_v2(t);
	memcpy(t->fadt + 64, &(u32){ 0x10004 }, 4);
	acpi_hdr(t->fadt, "FACP", FADT_LEN);
	assert_null(acpi_parse(t->rsdp, sizeof(t->rsdp), &ai));
	assert_false(ai.have_s5);

	/* The DSDT has no \_S5. */
	build_v2(t);
	memset(t->dsdt + HDR_LEN, 0xa3, sizeof(s5_aml));
	acpi_hdr(t->dsdt, "DSDT", sizeof(t->dsdt));
	assert_null(acpi_parse(t->rsdp, sizeof(t->rsdp), &ai));
	assert_false(ai.have_s5);
}

static void test_parse_no_madt(void **state)
{
	struct tables *t = &tables_v2;
	struct acpi_info ai;
	const char *err;

	(void)state;
	build_v2(t);
	put64(t->xsdt + HDR_LEN + 8, (uintptr_t)t->other); /* MADT pointer gone */
	acpi_hdr(t->xsdt, "XSDT", sizeof(t->xsdt));
	err = acpi_parse(t->rsdp, sizeof(t->rsdp), &ai);
	assert_non_null(err);
	assert_non_null(strstr(err, "MADT"));
	assert_false(ai.have_madt);
}

static void test_parse_bad_rsdp(void **state)
{
	struct tables *t = &tables_v2;
	struct acpi_info ai;
	const char *err;

	(void)state;
	/* Checksum over the first 20 bytes broken (the 36-byte sum still 0). */
	build_v2(t);
	t->rsdp[8]++;
	t->rsdp[32]--;
	err = acpi_parse(t->rsdp, sizeof(t->rsdp), &ai);
	assert_non_null(err);
	assert_non_null(strstr(err, "checksum"));

	/* Extended checksum (all 36 bytes) broken. */
	build_v2(t);
	t->rsdp[32]++;
	err = acpi_parse(t->rsdp, sizeof(t->rsdp), &ai);
	assert_non_null(err);
	assert_non_null(strstr(err, "checksum"));

	/* Wrong signature, checksums right. */
	build_v2(t);
	t->rsdp[7] = '_';
	fix_checksum(t->rsdp, 20, t->rsdp + 8);
	fix_checksum(t->rsdp, 36, t->rsdp + 32);
	assert_non_null(acpi_parse(t->rsdp, sizeof(t->rsdp), &ai));

	/* Too short to be an RSDP, or none at all. */
	build_v2(t);
	assert_non_null(acpi_parse(t->rsdp, 19, &ai));
	assert_non_null(acpi_parse(NULL, 36, &ai));

	/* XSDT with a bad checksum. */
	build_v2(t);
	t->xsdt[HDR_LEN]++;
	err = acpi_parse(t->rsdp, sizeof(t->rsdp), &ai);
	assert_non_null(err);
	assert_non_null(strstr(err, "XSDT"));
}

/* ACPI 1.0: revision 0 RSDP, RSDT with 32-bit pointers, FADT DSDT field. */
static void test_parse_rsdt(void **state)
{
	struct tables *t;
	struct acpi_info ai;

	(void)state;
	t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
		 -1, 0);
	if (t == MAP_FAILED || (uintptr_t)t + sizeof(*t) > 0xffffffffULL) {
		if (t != MAP_FAILED)
			munmap(t, sizeof(*t));
		skip();
	}
	memset(t, 0, sizeof(*t));
	build_madt(t);
	memcpy(t->dsdt + HDR_LEN, s5_aml, sizeof(s5_aml));
	acpi_hdr(t->dsdt, "DSDT", sizeof(t->dsdt));
	build_fadt(t, FADT1_LEN, (u32)(uintptr_t)t->dsdt, 0);
	acpi_hdr(t->other, "SSDT", sizeof(t->other));
	put32(t->rsdt + HDR_LEN, (u32)(uintptr_t)t->fadt);
	put32(t->rsdt + HDR_LEN + 4, (u32)(uintptr_t)t->other);
	put32(t->rsdt + HDR_LEN + 8, (u32)(uintptr_t)t->madt);
	acpi_hdr(t->rsdt, "RSDT", sizeof(t->rsdt));
	build_rsdp(t, 0, (u32)(uintptr_t)t->rsdt, 0);
	assert_null(acpi_parse(t->rsdp, 20, &ai));
	check_full_result(&ai);

	/* Revision 2 but no XSDT address: the RSDT is still used. */
	build_rsdp(t, 2, (u32)(uintptr_t)t->rsdt, 0);
	assert_null(acpi_parse(t->rsdp, 36, &ai));
	check_full_result(&ai);

	/* A 2.0 FADT whose X_DSDT is 0 falls back to the 32-bit DSDT. */
	build_fadt(t, FADT_LEN, (u32)(uintptr_t)t->dsdt, 0);
	assert_null(acpi_parse(t->rsdp, 36, &ai));
	check_full_result(&ai);
	munmap(t, sizeof(*t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum_rule),
		cmocka_unit_test(test_madt_lapic_flags),
		cmocka_unit_test(test_madt_x2apic),
		cmocka_unit_test(test_madt_address_override),
		cmocka_unit_test(test_madt_duplicates),
		cmocka_unit_test(test_madt_bad_checksum),
		cmocka_unit_test(test_madt_bad_entry_length),
		cmocka_unit_test(test_madt_wrong_signature),
		cmocka_unit_test(test_madt_too_short),
		cmocka_unit_test(test_madt_no_usable_cpu),
		cmocka_unit_test(test_madt_too_many_cpus),
		cmocka_unit_test(test_s5_byteprefix),
		cmocka_unit_test(test_s5_zero_one_ops),
		cmocka_unit_test(test_s5_multibyte_pkglength),
		cmocka_unit_test(test_s5_absent),
		cmocka_unit_test(test_s5_skips_non_package),
		cmocka_unit_test(test_s5_truncated_or_odd),
		cmocka_unit_test(test_parse_xsdt),
		cmocka_unit_test(test_parse_without_fadt),
		cmocka_unit_test(test_parse_no_madt),
		cmocka_unit_test(test_parse_bad_rsdp),
		cmocka_unit_test(test_parse_rsdt),
	};

	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
