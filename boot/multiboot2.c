// SPDX-License-Identifier: MIT
/* Multiboot2 information parser (see the Multiboot2 specification, section 3.6). */
#include "boot/multiboot2.h"
#include "lib/string.h"

struct mb2_tag {
	u32 type, size;
};

/* Copy a NUL-terminated string field; it must end inside its tag. */
static const char *tag_string(const u8 *p, u32 avail)
{
	if (avail == 0 || memchr(p, '\0', avail) == NULL)
		return NULL;
	return (const char *)p;
}

static const char *parse_mmap(const u8 *t, u32 size, struct boot_info *bi)
{
	u32 entry_size, off;

	if (size < 16)
		return "memory map tag too short";
	memcpy(&entry_size, t + 8, 4);
	if (entry_size < 24 || entry_size % 8)
		return "memory map entry size invalid";
	/* size - off, not off + entry_size: a huge entry size must not wrap. */
	for (off = 16; entry_size <= size - off; off += entry_size) {
		struct mb2_mmap_entry *e;

		if (bi->nr_mmap == MB2_MAX_MMAP)
			return "more than 128 memory map entries";
		e = &bi->mmap[bi->nr_mmap++];
		memcpy(&e->base, t + off, 8);
		memcpy(&e->len, t + off + 8, 8);
		memcpy(&e->type, t + off + 16, 4);
	}
	return NULL;
}

const char *mb2_parse(const void *mbi, struct boot_info *bi)
{
	const u8 *base = mbi;
	u32 total, off;
	bool seen_end = false;
	struct mb2_tag tag;

	memset(bi, 0, sizeof(*bi));
	if (!mbi)
		return "no multiboot2 information";
	if ((uintptr_t)mbi % 8)
		return "information block not 8-byte aligned";
	memcpy(&total, base, 4);
	if (total < 16 || total > 1024 * 1024)
		return "information block size out of range";
	bi->mbi_size = total;

	for (off = 8; off + 8 <= total; off = ALIGN_UP(off + tag.size, 8)) {
		const u8 *t = base + off;
		const char *err = NULL;

		memcpy(&tag, t, sizeof(tag));
		if (tag.size < 8 || tag.size > total - off)
			return "tag overruns the information block";
		switch (tag.type) {
		case MB2_TAG_END:
			seen_end = true;
			break;
		case MB2_TAG_CMDLINE:
			bi->cmdline = tag_string(t + 8, tag.size - 8);
			if (!bi->cmdline)
				err = "command line not terminated";
			break;
		case MB2_TAG_MODULE: {
			struct mb2_module *m;
			u32 s, e;

			if (tag.size < 17)
				return "module tag too short";
			if (bi->nr_modules == MB2_MAX_MODULES) {
				bi->nr_modules_ignored++;
				break;
			}
			memcpy(&s, t + 8, 4);
			memcpy(&e, t + 12, 4);
			if (e < s)
				return "module ends before it starts";
			m = &bi->modules[bi->nr_modules++];
			m->start = s;
			m->end = e;
			m->string = tag_string(t + 16, tag.size - 16);
			if (!m->string)
				err = "module string not terminated";
			break;
		}
		case MB2_TAG_MMAP:
			err = parse_mmap(t, tag.size, bi);
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			/* Prefer the ACPI 2.0 RSDP, which has the XSDT. */
			if (bi->rsdp && tag.type == MB2_TAG_ACPI_OLD)
				break;
			bi->rsdp = t + 8;
			bi->rsdp_len = tag.size - 8;
			break;
		default:
			break; /* tags we do not need */
		}
		if (err)
			return err;
		if (seen_end)
			break;
	}
	if (!seen_end)
		return "no end tag";
	if (bi->nr_mmap == 0)
		return "no memory map";
	return NULL;
}
