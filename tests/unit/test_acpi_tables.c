// SPDX-License-Identifier: MIT
/*
 * The VM's ACPI tables against the ACPI 6.5 specification: the RSDP
 * (5.2.5.3, found as 5.2.5.1 says for IA-PC systems), the RSDT (5.2.7),
 * the table header and checksum rule (5.2.6) and the MADT (5.2.12) with
 * its Processor Local APIC (5.2.12.2), I/O APIC (5.2.12.3), Interrupt
 * Source Override (5.2.12.5) and Local APIC NMI (5.2.12.7) entries.
 * Everything is read back byte by byte at the spec's offsets; the MADT
 * is also given to klvisor's own host-firmware parser (drivers/acpi.c).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "drivers/acpi.h"
#include "tests/unit/support.h"
#include "vmm/acpi_tables.h"

#define RAM_SIZE (2ULL << 20)
#define FILL	 0xa5 /* what RAM holds before the build */

static u8 *ram;

static u32 le32(u64 gpa)
{
	return ram[gpa] | ram[gpa + 1] << 8 | ram[gpa + 2] << 16 | (u32)ram[gpa + 3] << 24;
}

static u8 sum(u64 gpa, u64 len)
{
	u8 s = 0;

	for (u64 i = 0; i < len; i++)
		s += ram[gpa + i];
	return s;
}

static void build(unsigned nr_vcpus)
{
	memset(ram, FILL, RAM_SIZE);
	assert_null(acpi_tables_build(ram, RAM_SIZE, nr_vcpus));
}

/* 5.2.5.1: "RSD PTR " on a 16-byte boundary whose first 20 bytes sum to 0; 0 if none. */
static u64 scan(u64 from, u64 to)
{
	for (u64 a = from; a < to; a += 16)
		if (!memcmp(ram + a, "RSD PTR ", 8) && sum(a, 20) == 0)
			return a;
	return 0;
}

/* The table at @gpa: signature @sig, a sane length, bytes summing to 0 (5.2.6). */
static u32 table(u64 gpa, const char *sig)
{
	u32 len;

	assert_true(gpa >= ACPI_TABLES_GPA && gpa + 36 <= ACPI_TABLES_GPA + ACPI_TABLES_MAX);
	assert_memory_equal(ram + gpa, sig, 4);
	len = le32(gpa + 4);
	assert_true(len >= 36 && gpa + len <= ACPI_TABLES_GPA + ACPI_TABLES_MAX);
	assert_int_equal(sum(gpa, len), 0);
	assert_memory_equal(ram + gpa + 10, "KLVSR ", 6); /* OEMID */
	return len;
}

static u64 find_madt(void)
{
	u64 rsdp = scan(0xe0000, 0x100000), rsdt;

	assert_true(rsdp);
	rsdt = le32(rsdp + 16);
	table(rsdt, "RSDT");
	return le32(rsdt + 36);
}

static void test_rsdp(void **state)
{
	u64 rsdp;

	(void)state;
	build(4);
	/* Linux and the spec scan 0xe0000-0xfffff; older kvm-unit-tests only 0xf0000-0xfffff. */
	rsdp = scan(0xe0000, 0x100000);
	assert_true(rsdp);
	assert_int_equal(scan(0xf0000, 0x100000), rsdp);
	assert_int_equal(rsdp, ACPI_TABLES_GPA);
	assert_int_equal(rsdp % 16, 0);
	/* 5.2.5.3: checksum at 8 covers bytes 0-19, OEMID at 9, revision at 15, RSDT at 16 */
	assert_int_equal(sum(rsdp, 20), 0);
	assert_memory_equal(ram + rsdp + 9, "KLVSR ", 6);
	assert_int_equal(ram[rsdp + 15], 0); /* ACPI 1.0: no length, XSDT or extended checksum */
}

static void test_rsdt(void **state)
{
	u64 rsdt;

	(void)state;
	build(2);
	rsdt = le32(scan(0xe0000, 0x100000) + 16);
	/* 5.2.7: the 36-byte header, then one 32-bit address per table */
	assert_int_equal(table(rsdt, "RSDT"), 36 + 4);
	assert_int_equal(ram[rsdt + 8], 1); /* revision */
	table(le32(rsdt + 36), "APIC");
}

/* klvisor's host-firmware MADT parser, an independent reader, finds every CPU. */
static void test_madt_parsed_by_host_driver(void **state)
{
	static const unsigned counts[] = { 1, 2, 3, 8, 64, 255 };

	(void)state;
	for (unsigned c = 0; c < ARRAY_SIZE(counts); c++) {
		unsigned n = counts[c], listed = n < ACPI_MAX_CPUS ? n : ACPI_MAX_CPUS;
		struct madt_info info;
		u64 madt;

		build(n);
		madt = find_madt();
		assert_null(madt_parse(ram + madt, table(madt, "APIC"), &info));
		assert_int_equal(info.lapic_base, 0xfee00000);
		assert_int_equal(info.nr_cpus, listed);
		assert_int_equal(info.nr_disabled, 0);
		assert_int_equal(info.nr_dropped, n - listed); /* the driver keeps 64 */
		for (unsigned i = 0; i < listed; i++)
			assert_int_equal(info.apic_ids[i], i);
	}
}

/* Walk the MADT's entries here, at the offsets of the spec's tables. */
static void check_madt(unsigned n)
{
	u64 madt;
	u32 len, off, cpus = 0, ioapics = 0, isos = 0, nmis = 0;

	build(n);
	madt = find_madt();
	len = table(madt, "APIC");
	/* 5.2.12 table "MADT Format": revision, then local APIC address at 36, flags at 40 */
	assert_in_range(ram[madt + 8], 3, 4);
	assert_int_equal(le32(madt + 36), 0xfee00000);
	assert_int_equal(le32(madt + 40), 1); /* PCAT_COMPAT */
	for (off = 44; off + 2 <= len; off += ram[madt + off + 1]) {
		u64 e = madt + off;

		assert_true(ram[e + 1] >= 2 && off + ram[e + 1] <= len);
		switch (ram[e]) {
		case 0: /* 5.2.12.2: UID at 2, APIC ID at 3, flags at 4 (bit 0: enabled) */
			assert_int_equal(ram[e + 1], 8);
			assert_int_equal(ram[e + 2], cpus);
			assert_int_equal(ram[e + 3], cpus);
			assert_int_equal(le32(e + 4), 1);
			cpus++;
			break;
		case 1: /* 5.2.12.3: ID at 2, address at 4, GSI base at 8 */
			assert_int_equal(ram[e + 1], 12);
			assert_int_equal(ram[e + 2], n);
			assert_int_equal(ram[e + 3], 0);
			assert_int_equal(le32(e + 4), 0xfec00000);
			assert_int_equal(le32(e + 8), 0);
			ioapics++;
			break;
		case 2: /* 5.2.12.5: bus at 2 (0 = ISA), source at 3, GSI at 4, flags at 8 */
			assert_int_equal(ram[e + 1], 10);
			assert_int_equal(ram[e + 2], 0);
			assert_int_equal(ram[e + 3], 0);
			assert_int_equal(le32(e + 4), 2);
			assert_int_equal(ram[e + 8] | ram[e + 9] << 8, 0); /* conforms to the bus */
			isos++;
			break;
		case 4: /* 5.2.12.7: UID at 2 (0xff = all), flags at 3, LINT# at 5 */
			assert_int_equal(ram[e + 1], 6);
			assert_int_equal(ram[e + 2], 0xff);
			assert_int_equal(ram[e + 3] | ram[e + 4] << 8, 0);
			assert_int_equal(ram[e + 5], 1);
			nmis++;
			break;
		default:
			fail_msg("unexpected MADT entry type %u", ram[e]);
		}
	}
	assert_int_equal(off, len); /* the entries fill the table exactly */
	assert_int_equal(cpus, n);
	assert_int_equal(ioapics, 1);
	assert_int_equal(isos, 1);
	assert_int_equal(nmis, 1);
}

static void test_madt_entries(void **state)
{
	(void)state;
	check_madt(1);
	check_madt(4);
	check_madt(255);
}

static void test_errors(void **state)
{
	u8 *small;

	(void)state;
	memset(ram, FILL, RAM_SIZE);
	assert_non_null(acpi_tables_build(ram, RAM_SIZE, 0));
	assert_non_null(acpi_tables_build(ram, RAM_SIZE, 256));
	/* Only low RAM, or RAM ending inside the table area. */
	assert_non_null(acpi_tables_build(ram, 0x9fc00, 1));
	assert_non_null(acpi_tables_build(ram, ACPI_TABLES_GPA + ACPI_TABLES_MAX - 1, 1));
	for (u64 i = 0; i < RAM_SIZE; i++)
		if (ram[i] != FILL)
			fail_msg("a failed build wrote %#llx", (unsigned long long)i);
	/* RAM that ends right after the area is enough (ASan catches a write past it). */
	small = malloc(ACPI_TABLES_GPA + ACPI_TABLES_MAX);
	assert_non_null(small);
	assert_null(acpi_tables_build(small, ACPI_TABLES_GPA + ACPI_TABLES_MAX, 255));
	free(small);
}

static void test_writes_stay_in_the_area(void **state)
{
	(void)state;
	for (unsigned n = 1; n <= 255; n += 127) {
		build(n);
		for (u64 i = 0; i < RAM_SIZE; i++)
			if ((i < ACPI_TABLES_GPA || i >= ACPI_TABLES_GPA + ACPI_TABLES_MAX) &&
			    ram[i] != FILL)
				fail_msg("%u vCPUs: wrote %#llx", n, (unsigned long long)i);
	}
}

/*
 * The whole walk by the host driver, RSDP -> RSDT -> MADT: acpi_parse()
 * follows physical addresses through the identity map, so give it one by
 * mapping the BIOS area at its own address (skipped if that is taken).
 */
static void test_host_driver_walk(void **state)
{
	const u64 lo = 0xe0000, size = 0x20000;
	struct acpi_info info;
	void *win;

	(void)state;
	build(3);
#ifdef MAP_FIXED_NOREPLACE
	win = mmap((void *)(uintptr_t)lo, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
#else
	win = MAP_FAILED;
#endif
	if (win == MAP_FAILED || win != (void *)(uintptr_t)lo) {
		if (win != MAP_FAILED)
			munmap(win, size);
		skip();
	}
	memcpy(win, ram + lo, size);
	assert_null(acpi_parse((void *)(uintptr_t)scan(lo, lo + size), 20, &info));
	munmap(win, size);
	assert_true(info.have_madt);
	assert_string_equal(info.oem_id, "KLVSR ");
	assert_int_equal(info.madt.nr_cpus, 3);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(info.madt.apic_ids[i], i);
	assert_false(info.have_s5); /* no FADT */
}

static int setup(void **state)
{
	(void)state;
	ram = malloc(RAM_SIZE);
	return ram ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsdp),
		cmocka_unit_test(test_rsdt),
		cmocka_unit_test(test_madt_parsed_by_host_driver),
		cmocka_unit_test(test_madt_entries),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_writes_stay_in_the_area),
		cmocka_unit_test(test_host_driver_walk),
	};

	return cmocka_run_group_tests_name("acpi_tables", tests, setup, teardown);
}
