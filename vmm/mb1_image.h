/* SPDX-License-Identifier: MIT */
/*
 * Multiboot (version 1) guest kernel images: find the header, validate it,
 * and list what to load where.  Pure, for host tests and fuzzing.
 */
#ifndef VMM_MB1_IMAGE_H
#define VMM_MB1_IMAGE_H

#include "lib/types.h"

#define MB1_HEADER_MAGIC     0x1badb002
#define MB1_BOOTLOADER_MAGIC 0x2badb002
#define MB1_SEARCH_LEN	     8192
#define MB1_MAX_SEGS	     16

#define MB1_FLAG_PAGE_ALIGN  BIT(0)
#define MB1_FLAG_MEMINFO     BIT(1)
#define MB1_FLAG_VIDEO	     BIT(2)
#define MB1_FLAG_AOUT_KLUDGE BIT(16)

struct mb1_segment {
	u32 file_off, file_len; /* bytes copied from the image */
	u32 paddr, mem_len; /* mem_len >= file_len; the rest is zeroed */
};

struct mb1_image {
	u32 header_off;
	u32 flags;
	u32 entry;
	unsigned nr_segs;
	struct mb1_segment segs[MB1_MAX_SEGS];
};

/* Returns NULL or a static string naming what is wrong with the image. */
const char *mb1_parse_image(const void *img, size_t len, struct mb1_image *out);

#endif
