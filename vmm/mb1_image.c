// SPDX-License-Identifier: MIT
/* Multiboot 1 image parsing: header search, a.out kludge and ELF32. */
#include "vmm/mb1_image.h"
#include "lib/string.h"

#define EM_386	3
#define ET_EXEC 2
#define PT_LOAD 1

struct __packed elf32_ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version, entry, phoff, shoff, flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct __packed elf32_phdr {
	u32 type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

static u32 rd32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return v;
}

static const char *find_header(const u8 *img, size_t len, struct mb1_image *out)
{
	size_t lim = MIN(len, (size_t)MB1_SEARCH_LEN);

	for (size_t off = 0; off + 12 <= lim; off += 4) {
		u32 magic = rd32(img + off), flags = rd32(img + off + 4);

		if (magic != MB1_HEADER_MAGIC || magic + flags + rd32(img + off + 8) != 0)
			continue;
		out->header_off = (u32)off;
		out->flags = flags;
		return NULL;
	}
	return "no multiboot header in the first 8 KiB";
}

/*
 * Every range is computed in 64 bits: the header's fields are 32-bit
 * addresses a hostile image chooses, and a sum that wraps would pass the
 * ordering checks with a load range that runs past 4 GiB.
 */
static const char *parse_aout(const u8 *img, size_t len, struct mb1_image *out)
{
	const u8 *h = img + out->header_off;
	u64 header_addr, load_addr, load_end, bss_end, file_off, file_len, mem_end;

	if (out->header_off + 32 > len)
		return "a.out kludge header truncated";
	header_addr = rd32(h + 12);
	load_addr = rd32(h + 16);
	load_end = rd32(h + 20);
	bss_end = rd32(h + 24);
	out->entry = rd32(h + 28);
	if (load_addr > header_addr || header_addr - load_addr > out->header_off)
		return "a.out kludge load_addr inconsistent with header_addr";
	file_off = out->header_off - (header_addr - load_addr);
	if (load_end == 0)
		file_len = len - file_off;
	else if (load_end < load_addr || load_end - load_addr > len - file_off)
		return "a.out kludge load_end_addr beyond the image";
	else
		file_len = load_end - load_addr;
	if (load_addr + file_len > BIT(32))
		return "a.out kludge image extends beyond 4 GiB";
	mem_end = bss_end ? bss_end : load_addr + file_len;
	if (mem_end < load_addr + file_len)
		return "a.out kludge bss_end_addr below load_end_addr";
	out->nr_segs = 1;
	out->segs[0] = (struct mb1_segment){ (u32)file_off, (u32)file_len, (u32)load_addr,
					     (u32)(mem_end - load_addr) };
	return NULL;
}

static const char *parse_elf(const u8 *img, size_t len, struct mb1_image *out)
{
	struct elf32_ehdr eh;

	if (len < sizeof(eh) || memcmp(img,
				       "\x7f"
				       "ELF",
				       4))
		return "not an ELF image and no a.out kludge in the multiboot header";
	memcpy(&eh, img, sizeof(eh));
	if (eh.ident[4] != 1 || eh.ident[5] != 1)
		return "ELF image is not 32-bit little-endian";
	if (eh.type != ET_EXEC || eh.machine != EM_386)
		return "ELF image is not an i386 executable";
	if (eh.phentsize != sizeof(struct elf32_phdr) || eh.phnum == 0 || eh.phoff > len ||
	    (size_t)eh.phnum * sizeof(struct elf32_phdr) > len - eh.phoff)
		return "ELF program headers missing or beyond the image";
	out->entry = eh.entry;
	for (unsigned i = 0; i < eh.phnum; i++) {
		struct elf32_phdr ph;

		memcpy(&ph, img + eh.phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (ph.filesz > ph.memsz)
			return "ELF segment file size exceeds memory size";
		if (ph.offset > len || ph.filesz > len - ph.offset)
			return "ELF segment beyond the end of the image";
		if (ph.paddr + (u64)ph.memsz > BIT(32))
			return "ELF segment beyond 4 GiB";
		if (out->nr_segs == MB1_MAX_SEGS)
			return "more than 16 ELF load segments";
		out->segs[out->nr_segs++] =
			(struct mb1_segment){ ph.offset, ph.filesz, ph.paddr, ph.memsz };
	}
	if (out->nr_segs == 0)
		return "ELF image has no load segments";
	return NULL;
}

const char *mb1_parse_image(const void *img, size_t len, struct mb1_image *out)
{
	const char *err;
	u32 unsupported;

	memset(out, 0, sizeof(*out));
	if (!img || len == 0)
		return "empty image";
	err = find_header(img, len, out);
	if (err)
		return err;
	unsupported = out->flags & 0xffff & ~(MB1_FLAG_PAGE_ALIGN | MB1_FLAG_MEMINFO);
	if (unsupported & MB1_FLAG_VIDEO)
		return "multiboot header requests a video mode (flags bit 2); there is no display";
	if (unsupported)
		return "multiboot header requires unsupported features (flags bits 3-15)";
	if (out->flags & MB1_FLAG_AOUT_KLUDGE)
		return parse_aout(img, len, out);
	return parse_elf(img, len, out);
}
