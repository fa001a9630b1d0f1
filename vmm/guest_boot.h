/* SPDX-License-Identifier: MIT */
/*
 * Putting a multiboot 1 kernel into guest RAM the way a multiboot loader
 * would: segments, bss, and the information block with command line,
 * memory map and modules.  Pure: works on a RAM buffer, for host tests.
 */
#ifndef VMM_GUEST_BOOT_H
#define VMM_GUEST_BOOT_H

#include "lib/types.h"
#include "vmm/mb1_image.h"

#define GUEST_LOW_RAM_END 0x9fc00ULL /* 639 KiB of conventional memory */
#define GUEST_HIGH_RAM	  0x100000ULL

struct guest_module {
	const void *data;
	u64 len;
	const char *string;
};

struct guest_boot {
	u32 mbi_gpa; /* EBX at entry */
	u32 entry; /* EIP at entry */
	u64 used_end; /* first guest-physical byte after everything placed */
};

/*
 * Load @img (parsed from @image) into @ram of @ram_size bytes and build the
 * multiboot information after it.  Returns NULL or what does not fit.
 */
const char *guest_boot_load(u8 *ram, u64 ram_size, const struct mb1_image *img, const void *image,
			    u64 image_len, const char *cmdline, const struct guest_module *mods,
			    unsigned nr_mods, struct guest_boot *out);

#endif
