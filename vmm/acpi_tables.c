// SPDX-License-Identifier: MIT
/*
 * A VM's ACPI tables (see acpi_tables.h), per the ACPI 6.5 specification:
 * RSDP (5.2.5.3), RSDT (5.2.7) and MADT (5.2.12).  They are laid out one
 * after another from ACPI_TABLES_GPA, each 16-byte aligned.
 */
#include "vmm/acpi_tables.h"
#include "drivers/acpi.h"
#include "lib/string.h"
#include "vmm/vioapic.h"
#include "vmm/vlapic.h"

#define OEM_ID		 "KLVSR "
#define MADT_PCAT_COMPAT 1 /* 8259s present: a guest must mask them to use the I/O APIC */
#define LAPIC_ENABLED	 1
#define MAX_VCPUS	 255 /* one-byte APIC IDs, and 0xff is the xAPIC broadcast */

/* Where each table goes within the area. */
#define RSDP_OFF 0x00 /* 20 bytes; the scans look at 16-byte boundaries (5.2.5.1) */
#define RSDT_OFF 0x20 /* 40 bytes */
#define MADT_OFF 0x50

struct __packed rsdp_v1 {
	char signature[8];
	u8 checksum;
	char oem_id[6];
	u8 revision; /* 0: ACPI 1.0, RSDT only */
	u32 rsdt;
};

/* The MADT entries (5.2.12.2, 5.2.12.3, 5.2.12.5, 5.2.12.7). */
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

#define MADT_MAX_LEN                                                                    \
	(sizeof(struct acpi_header) + 8 + MAX_VCPUS * sizeof(struct madt_entry_lapic) + \
	 sizeof(struct madt_entry_ioapic) + sizeof(struct madt_entry_iso) +             \
	 sizeof(struct madt_entry_nmi))
_Static_assert(MADT_OFF + MADT_MAX_LEN <= ACPI_TABLES_MAX, "MADT for 255 vCPUs does not fit");
_Static_assert(RSDT_OFF >= RSDP_OFF + sizeof(struct rsdp_v1), "RSDP overlaps the RSDT");
_Static_assert(MADT_OFF >= RSDT_OFF + sizeof(struct acpi_header) + 4, "RSDT overlaps the MADT");
_Static_assert(ACPI_TABLES_GPA % 16 == 0, "the RSDP must be 16-byte aligned");
_Static_assert(ACPI_TABLES_GPA >= 0xf0000 && ACPI_TABLES_GPA + ACPI_TABLES_MAX <= 0x100000,
	       "both the 0xe0000 and the 0xf0000 scans must find the RSDP");

/* The byte that makes the sum of @len bytes zero (5.2.5.3, 5.2.6). */
static u8 checksum(const void *p, size_t len)
{
	const u8 *b = p;
	u8 sum = 0;

	while (len--)
		sum += *b++;
	return (u8)-sum;
}

/* Fill in the header of the @len-byte table at @h, whose body is written already. */
static void header(struct acpi_header *h, const char *sig, u32 len, u8 rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, OEM_ID, 6);
	memcpy(h->oem_table_id, "KLVISOR ", 8);
	h->oem_revision = 1;
	memcpy(&h->creator_id, "KLV ", 4);
	h->creator_revision = 1;
	h->checksum = 0;
	h->checksum = checksum(h, len);
}

/* Append @len bytes of @src at *@at. */
static void put(u8 *base, u32 *at, const void *src, u32 len)
{
	memcpy(base + *at, src, len);
	*at += len;
}

const char *acpi_tables_build(u8 *ram, u64 ram_size, unsigned nr_vcpus)
{
	u8 *t = ram + ACPI_TABLES_GPA;
	struct rsdp_v1 rsdp = { .revision = 0 };
	u32 at;

	if (nr_vcpus == 0 || nr_vcpus > MAX_VCPUS)
		return "the ACPI tables describe 1-255 vCPUs";
	if (ram_size < ACPI_TABLES_GPA + ACPI_TABLES_MAX)
		return "VM memory too small for the ACPI tables (they go at 0xf0000)";
	memset(t, 0, ACPI_TABLES_MAX);

	/* The MADT: header, local APIC address and flags, then the entries. */
	at = MADT_OFF + sizeof(struct acpi_header);
	put(t, &at, &(u32){ (u32)APIC_DEFAULT_BASE }, 4);
	put(t, &at, &(u32){ MADT_PCAT_COMPAT }, 4);
	for (unsigned i = 0; i < nr_vcpus; i++) {
		struct madt_entry_lapic e = { 0, sizeof(e), (u8)i, (u8)i, LAPIC_ENABLED };

		put(t, &at, &e, sizeof(e));
	}
	/* The I/O APIC takes the first ID after the CPUs', as firmware usually numbers them. */
	put(t, &at,
	    &(struct madt_entry_ioapic){ 1, sizeof(struct madt_entry_ioapic), (u8)nr_vcpus, 0,
					 (u32)IOAPIC_BASE, 0 },
	    sizeof(struct madt_entry_ioapic));
	/* ISA IRQ 0 (the PIT) is GSI 2; flags 0: the bus's own polarity and trigger (edge, high). */
	put(t, &at, &(struct madt_entry_iso){ 2, sizeof(struct madt_entry_iso), 0, 0, 2, 0 },
	    sizeof(struct madt_entry_iso));
	/* LINT1 of every processor (UID 0xff) is NMI, as on a PC. */
	put(t, &at, &(struct madt_entry_nmi){ 4, sizeof(struct madt_entry_nmi), 0xff, 0, 1 },
	    sizeof(struct madt_entry_nmi));
	header((struct acpi_header *)(t + MADT_OFF), "APIC", at - MADT_OFF, 4);

	/* The RSDT: one entry, the MADT's guest-physical address. */
	memcpy(t + RSDT_OFF + sizeof(struct acpi_header), &(u32){ (u32)ACPI_TABLES_GPA + MADT_OFF },
	       4);
	header((struct acpi_header *)(t + RSDT_OFF), "RSDT", sizeof(struct acpi_header) + 4, 1);

	/* The RSDP last: its checksum covers its 20 bytes only. */
	memcpy(rsdp.signature, "RSD PTR ", 8);
	memcpy(rsdp.oem_id, OEM_ID, 6);
	rsdp.rsdt = (u32)ACPI_TABLES_GPA + RSDT_OFF;
	rsdp.checksum = checksum(&rsdp, sizeof(rsdp));
	memcpy(t + RSDP_OFF, &rsdp, sizeof(rsdp));
	return NULL;
}
