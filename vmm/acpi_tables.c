// SPDX-License-Identifier: MIT
/*
 * A VM's ACPI tables (see acpi_tables.h), per the ACPI 6.5 specification:
 * RSDP (5.2.5.3), RSDT (5.2.7) and MADT (5.2.12).  They are laid out one
 * after another from ACPI_TABLES_GPA, each 16-byte aligned.
 */
#include "vmm/acpi_tables.h"
#include "drivers/acpi.h"
#include "lib/string.h"

#define MADT_PCAT_COMPAT 1
#define LAPIC_ENABLED	 1
#define IOAPIC_ADDR	 0xfec00000U
#define LAPIC_ADDR	 0xfee00000U

struct __packed rsdp_v1 {
	char signature[8];
	u8 checksum;
	char oem_id[6];
	u8 revision; /* 0: ACPI 1.0, RSDT only */
	u32 rsdt;
};

struct __packed madt_entry_lapic {
	u8 type, len, uid, apic_id;
	u32 flags;
};

struct __packed madt_entry_ioapic {
	u8 type, len, id, reserved;
	u32 addr, gsi_base;
};

struct __packed madt_entry_iso {
	u8 type, len, bus, source;
	u32 gsi;
	u16 flags;
};

struct __packed madt_entry_nmi {
	u8 type, len, uid;
	u16 flags;
	u8 lint;
};

static u8 checksum(const void *p, size_t len)
{
	const u8 *b = p;
	u8 sum = 0;

	while (len--)
		sum += *b++;
	return (u8)-sum;
}

static void header(struct acpi_header *h, const char *sig, u32 len, u8 rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, "KLVSR ", 6);
	memcpy(h->oem_table_id, "KLVISOR ", 8);
	h->oem_revision = 1;
	memcpy(&h->creator_id, "KLV ", 4);
	h->creator_revision = 1;
	h->checksum = checksum(h, len);
}

/* Append @len bytes of @src at *@at. */
static void put(u8 *base, u32 *at, const void *src, u32 len)
{
	memcpy(base + *at, src, len);
	*at += len;
}

static u32 madt_len(unsigned nr_vcpus)
{
	return (u32)(sizeof(struct acpi_header) + 8 + nr_vcpus * sizeof(struct madt_entry_lapic) +
		     sizeof(struct madt_entry_ioapic) + sizeof(struct madt_entry_iso) +
		     sizeof(struct madt_entry_nmi));
}

const char *acpi_tables_build(u8 *ram, u64 ram_size, unsigned nr_vcpus)
{
	u8 *t = ram + ACPI_TABLES_GPA;
	u32 rsdt = 32, madt = 80, at, ioapic_id = nr_vcpus; /* RSDP 20 bytes, RSDT 40 */
	struct rsdp_v1 rsdp = { .revision = 0 };
	struct acpi_header h;

	if (nr_vcpus == 0 || nr_vcpus > 255)
		return "the ACPI tables describe 1-255 vCPUs";
	if (ram_size < ACPI_TABLES_GPA + ACPI_TABLES_MAX)
		return "VM memory too small for the ACPI tables";
	if (madt + madt_len(nr_vcpus) > ACPI_TABLES_MAX)
		return "too many vCPUs for the ACPI table area";
	memset(t, 0, ACPI_TABLES_MAX);

	/* The MADT: header, local APIC address and flags, then the entries. */
	at = madt + sizeof(h);
	put(t, &at, &(u32){ LAPIC_ADDR }, 4);
	put(t, &at, &(u32){ MADT_PCAT_COMPAT }, 4);
	for (unsigned i = 0; i < nr_vcpus; i++) {
		struct madt_entry_lapic e = { 0, sizeof(e), (u8)i, (u8)i, LAPIC_ENABLED };

		put(t, &at, &e, sizeof(e));
	}
	put(t, &at, &(struct madt_entry_ioapic){ 1, 12, (u8)ioapic_id, 0, IOAPIC_ADDR, 0 }, 12);
	/* ISA IRQ 0 (the PIT) is GSI 2; flags 0: the bus's own polarity and trigger (edge, high). */
	put(t, &at, &(struct madt_entry_iso){ 2, 10, 0, 0, 2, 0 }, 10);
	/* LINT1 of every processor (UID 0xff) is NMI. */
	put(t, &at, &(struct madt_entry_nmi){ 4, 6, 0xff, 0, 1 }, 6);
	header((struct acpi_header *)(t + madt), "APIC", at - madt, 4);

	/* The RSDT: one entry, the MADT. */
	memcpy(t + rsdt + sizeof(h), &(u32){ (u32)ACPI_TABLES_GPA + madt }, 4);
	header((struct acpi_header *)(t + rsdt), "RSDT", sizeof(h) + 4, 1);

	memcpy(rsdp.signature, "RSD PTR ", 8);
	memcpy(rsdp.oem_id, "KLVSR ", 6);
	rsdp.rsdt = (u32)ACPI_TABLES_GPA + rsdt;
	rsdp.checksum = checksum(&rsdp, sizeof(rsdp));
	memcpy(t, &rsdp, sizeof(rsdp));
	return NULL;
}
