// SPDX-License-Identifier: MIT
/* ACPI table walking: MADT for the CPUs, FADT and DSDT for soft-off. */
#include "drivers/acpi.h"
#include "lib/string.h"

#define MADT_LAPIC	    0
#define MADT_LAPIC_OVERRIDE 5
#define MADT_X2APIC	    9
#define MADT_ENABLED	    BIT(0)
#define MADT_ONLINE_CAPABLE BIT(1)

#define FADT_DSDT_OFF	  40
#define FADT_PM1A_CNT_OFF 64
#define FADT_X_DSDT_OFF	  140

struct __packed rsdp {
	char signature[8];
	u8 checksum;
	char oem_id[6];
	u8 revision;
	u32 rsdt;
	u32 length;
	u64 xsdt;
	u8 ext_checksum;
	u8 reserved[3];
};

bool acpi_checksum_ok(const void *p, size_t len)
{
	const u8 *b = p;
	u8 sum = 0;

	while (len--)
		sum += *b++;
	return sum == 0;
}

static void madt_add_cpu(struct madt_info *out, u32 apic_id, u32 flags)
{
	if (!(flags & (MADT_ENABLED | MADT_ONLINE_CAPABLE))) {
		out->nr_disabled++;
		return;
	}
	for (unsigned i = 0; i < out->nr_cpus; i++)
		if (out->apic_ids[i] == apic_id)
			return; /* firmware may list a CPU as both LAPIC and x2APIC */
	if (out->nr_cpus == ACPI_MAX_CPUS) {
		out->nr_dropped++;
		return;
	}
	out->apic_ids[out->nr_cpus++] = apic_id;
}

const char *madt_parse(const void *madt, size_t len, struct madt_info *out)
{
	const u8 *p = madt;
	size_t off;
	u32 lapic32;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(struct acpi_header) + 8)
		return "MADT too short";
	if (memcmp(p, "APIC", 4))
		return "MADT signature is not APIC";
	if (!acpi_checksum_ok(p, len))
		return "MADT checksum mismatch";
	memcpy(&lapic32, p + sizeof(struct acpi_header), 4);
	out->lapic_base = lapic32;

	for (off = sizeof(struct acpi_header) + 8; off + 2 <= len; off += p[off + 1]) {
		u8 type = p[off], elen = p[off + 1];
		u32 id, flags;

		if (elen < 2 || off + elen > len)
			return "MADT entry overruns the table";
		switch (type) {
		case MADT_LAPIC:
			if (elen < 8)
				return "MADT local APIC entry too short";
			memcpy(&flags, p + off + 4, 4);
			madt_add_cpu(out, p[off + 3], flags);
			break;
		case MADT_X2APIC:
			if (elen < 16)
				return "MADT x2APIC entry too short";
			memcpy(&id, p + off + 4, 4);
			memcpy(&flags, p + off + 8, 4);
			madt_add_cpu(out, id, flags);
			break;
		case MADT_LAPIC_OVERRIDE:
			if (elen < 12)
				return "MADT APIC address override too short";
			memcpy(&out->lapic_base, p + off + 4, 8);
			break;
		default:
			break;
		}
	}
	if (out->nr_cpus == 0)
		return "MADT lists no usable CPU";
	return NULL;
}

/*
 * \_S5 is "Name(_S5, Package() { SLP_TYPa, SLP_TYPb, ... })", encoded as
 * NameOp? '_S5_' PackageOp PkgLength NumElements then the first element as
 * a BytePrefix constant, ZeroOp or OneOp.
 */
bool acpi_find_s5(const void *dsdt, size_t len, u16 *slp_typ)
{
	const u8 *p = dsdt;

	for (size_t i = 0; i + 8 < len; i++) {
		size_t j;
		unsigned pkglen_bytes;

		if (memcmp(p + i, "_S5_", 4) || p[i + 4] != 0x12)
			continue;
		j = i + 5;
		pkglen_bytes = (p[j] >> 6) + 1;
		j += pkglen_bytes + 1; /* PkgLength, NumElements */
		if (j + 2 > len)
			return false;
		if (p[j] == 0x0a) /* BytePrefix */
			*slp_typ = p[j + 1];
		else if (p[j] == 0x00 || p[j] == 0x01) /* ZeroOp, OneOp */
			*slp_typ = p[j];
		else
			return false;
		return true;
	}
	return false;
}

static const struct acpi_header *table_at(u64 phys)
{
	const struct acpi_header *h = (const void *)(uintptr_t)phys;

	if (!phys || h->length < sizeof(*h) || !acpi_checksum_ok(h, h->length))
		return NULL;
	return h;
}

static void use_fadt(const struct acpi_header *fadt, struct acpi_info *out)
{
	const u8 *f = (const u8 *)fadt;
	const struct acpi_header *dsdt;
	u32 pm1a, dsdt32;
	u64 dsdt64 = 0;

	if (fadt->length < FADT_PM1A_CNT_OFF + 4)
		return;
	memcpy(&pm1a, f + FADT_PM1A_CNT_OFF, 4);
	memcpy(&dsdt32, f + FADT_DSDT_OFF, 4);
	if (fadt->length >= FADT_X_DSDT_OFF + 8)
		memcpy(&dsdt64, f + FADT_X_DSDT_OFF, 8);
	dsdt = table_at(dsdt64 ? dsdt64 : dsdt32);
	if (!dsdt || pm1a == 0 || pm1a > 0xffff)
		return;
	out->pm1a_cnt = (u16)pm1a;
	out->have_s5 = acpi_find_s5(dsdt, dsdt->length, &out->s5_slp_typ);
}

const char *acpi_parse(const void *rsdp_copy, size_t rsdp_len, struct acpi_info *out)
{
	const struct rsdp *r = rsdp_copy;
	const struct acpi_header *root;
	size_t entry_size, n;
	const char *err = "no MADT";

	memset(out, 0, sizeof(*out));
	if (!r || rsdp_len < 20 || memcmp(r->signature, "RSD PTR ", 8))
		return "no valid RSDP";
	if (!acpi_checksum_ok(r, 20))
		return "RSDP checksum mismatch";
	/* ACPI 2.0+: the extended checksum covers all 36 bytes (ACPI 5.2.5.3). */
	if (r->revision >= 2 && rsdp_len >= sizeof(*r) && !acpi_checksum_ok(r, sizeof(*r)))
		return "RSDP extended checksum mismatch";
	if (r->revision >= 2 && rsdp_len >= sizeof(*r) && r->xsdt) {
		root = table_at(r->xsdt);
		entry_size = 8;
	} else {
		root = table_at(r->rsdt);
		entry_size = 4;
	}
	if (!root)
		return "RSDT/XSDT missing or checksum mismatch";
	memcpy(out->oem_id, root->oem_id, 6);

	n = (root->length - sizeof(*root)) / entry_size;
	for (size_t i = 0; i < n; i++) {
		const struct acpi_header *h;
		u64 phys = 0;

		memcpy(&phys, (const u8 *)(root + 1) + i * entry_size, entry_size);
		h = table_at(phys);
		if (!h)
			continue;
		if (!memcmp(h->signature, "APIC", 4)) {
			err = madt_parse(h, h->length, &out->madt);
			out->have_madt = err == NULL;
		} else if (!memcmp(h->signature, "FACP", 4)) {
			use_fadt(h, out);
		}
	}
	return out->have_madt ? NULL : err;
}
