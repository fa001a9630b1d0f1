/* SPDX-License-Identifier: MIT */
/*
 * The little of ACPI klvisor needs: the CPU list (MADT) and the S5
 * soft-off registers (FADT + DSDT).  Tables are read through the identity
 * map; the parsers take pointers and lengths and have no globals, so the
 * host tests run them on hand-built tables.
 */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H

#include "lib/types.h"

#define ACPI_MAX_CPUS 64

struct __packed acpi_header {
	char signature[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
};

struct madt_info {
	u64 lapic_base;
	unsigned nr_cpus;
	u32 apic_ids[ACPI_MAX_CPUS];
	unsigned nr_disabled; /* listed but neither enabled nor online-capable */
	unsigned nr_dropped; /* beyond ACPI_MAX_CPUS */
};

struct acpi_info {
	struct madt_info madt;
	bool have_madt;
	/* S5 soft-off: write (slp_typ << 10) | SLP_EN to pm1a_cnt. */
	u16 pm1a_cnt;
	u16 s5_slp_typ;
	bool have_s5;
	char oem_id[7];
};

/* Sum of @len bytes is zero (ACPI checksum rule). */
bool acpi_checksum_ok(const void *p, size_t len);

/* Parse a MADT of @len bytes.  Returns NULL or what is wrong. */
const char *madt_parse(const void *madt, size_t len, struct madt_info *out);

/* Find the SLP_TYPa value of the \_S5 package in DSDT AML. */
bool acpi_find_s5(const void *dsdt, size_t len, u16 *slp_typ);

/*
 * Walk RSDP -> XSDT/RSDT -> MADT, FADT, DSDT.  @rsdp is the copy from the
 * boot information.  Returns NULL or what is wrong.
 */
const char *acpi_parse(const void *rsdp, size_t rsdp_len, struct acpi_info *out);

#endif
