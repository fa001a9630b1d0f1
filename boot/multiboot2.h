/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 boot information: what GRUB tells us.  The parser is pure
 * (no globals, no output) so the host tests and fuzzers can run it.
 */
#ifndef BOOT_MULTIBOOT2_H
#define BOOT_MULTIBOOT2_H

#include "lib/types.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289

#define MB2_TAG_END	 0
#define MB2_TAG_CMDLINE	 1
#define MB2_TAG_MODULE	 3
#define MB2_TAG_MMAP	 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

#define MB2_MEM_AVAILABLE 1

#define MB2_MAX_MMAP	128
#define MB2_MAX_MODULES 128

struct mb2_mmap_entry {
	u64 base, len;
	u32 type;
};

struct mb2_module {
	u64 start, end; /* physical, end exclusive */
	const char *string;
};

struct boot_info {
	u32 mbi_size;
	const char *cmdline;
	unsigned nr_mmap;
	struct mb2_mmap_entry mmap[MB2_MAX_MMAP];
	unsigned nr_modules;
	unsigned nr_modules_ignored; /* beyond MB2_MAX_MODULES: reported, not an error */
	struct mb2_module modules[MB2_MAX_MODULES];
	/* The RSDP copy inside the MBI (ACPI 2.0 preferred), or NULL. */
	const void *rsdp;
	u32 rsdp_len;
};

/*
 * Parse the information block at @mbi.  Returns NULL on success or a
 * static string naming what is wrong; @bi is then only partly filled.
 */
const char *mb2_parse(const void *mbi, struct boot_info *bi);

#endif
