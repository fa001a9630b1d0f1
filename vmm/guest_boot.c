// SPDX-License-Identifier: MIT
/* The multiboot 1 loader for guests (Multiboot Specification 0.6.96, section 3). */
#include "vmm/guest_boot.h"
#include "lib/string.h"

#define MBI_FLAG_MEM	 BIT(0)
#define MBI_FLAG_CMDLINE BIT(2)
#define MBI_FLAG_MODS	 BIT(3)
#define MBI_FLAG_MMAP	 BIT(6)

struct __packed mb1_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr, config_table, boot_loader_name, apm_table;
	u32 vbe[6];
};

struct __packed mb1_mod {
	u32 start, end, string, reserved;
};

struct __packed mb1_mmap {
	u32 size; /* of the rest of the entry */
	u64 base, len;
	u32 type;
};

/* A bump allocator over guest-physical space, bounded by RAM. */
struct placer {
	u8 *ram;
	u64 size, next;
	bool full;
};

static u32 place(struct placer *p, const void *data, u64 len, u64 align)
{
	u64 at = ALIGN_UP(p->next, align);

	if (at + len > p->size || at + len < at) {
		p->full = true;
		return 0;
	}
	if (data)
		memcpy(p->ram + at, data, len);
	p->next = at + len;
	return (u32)at;
}

static const char *load_segments(u8 *ram, u64 ram_size, const struct mb1_image *img,
				 const u8 *image, u64 image_len, u64 *end)
{
	*end = 0;
	for (unsigned i = 0; i < img->nr_segs; i++) {
		const struct mb1_segment *s = &img->segs[i];
		u64 lo = s->paddr, hi = (u64)s->paddr + s->mem_len;

		/* RAM backs the 639K-1M hole too, so a segment may land there. */
		if (s->file_len > s->mem_len)
			return "a load segment's file size exceeds its memory size";
		if (hi > ram_size)
			return "a load segment lies beyond the VM's memory (raise mem=)";
		if ((u64)s->file_off + s->file_len > image_len)
			return "a load segment lies beyond the image";
		memcpy(ram + lo, image + s->file_off, s->file_len);
		memset(ram + lo + s->file_len, 0, s->mem_len - s->file_len);
		*end = MAX(*end, hi);
	}
	return NULL;
}

const char *guest_boot_load(u8 *ram, u64 ram_size, const struct mb1_image *img, const void *image,
			    u64 image_len, const char *cmdline, const struct guest_module *mods,
			    unsigned nr_mods, struct guest_boot *out)
{
	struct mb1_mmap map[3] = {
		{ 20, 0, GUEST_LOW_RAM_END, 1 },
		{ 20, GUEST_LOW_RAM_END, GUEST_HIGH_RAM - GUEST_LOW_RAM_END, 2 },
		{ 20, GUEST_HIGH_RAM, ram_size - GUEST_HIGH_RAM, 1 },
	};
	struct mb1_info info = { 0 };
	struct mb1_mod mod_tab[16];
	struct placer p = { ram, ram_size, 0, false };
	const char *err;
	u64 end;

	if (nr_mods > ARRAY_SIZE(mod_tab))
		return "more than 16 modules";
	if (ram_size < 2 * GUEST_HIGH_RAM)
		return "VM memory below 2 MiB";
	if (img->entry >= ram_size)
		return "the entry point lies beyond the VM's memory";
	err = load_segments(ram, ram_size, img, image, image_len, &end);
	if (err)
		return err;
	/* Everything else goes after the image; a low-memory kernel still gets it above 1M. */
	p.next = MAX(ALIGN_UP(end, PAGE_SIZE), GUEST_HIGH_RAM);

	info.flags = MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MODS | MBI_FLAG_MMAP;
	info.mem_lower = GUEST_LOW_RAM_END >> 10;
	info.mem_upper = (u32)((ram_size - GUEST_HIGH_RAM) >> 10);
	info.cmdline = place(&p, cmdline, strlen(cmdline) + 1, 1);
	info.mmap_addr = place(&p, map, sizeof(map), 8);
	info.mmap_length = sizeof(map);
	for (unsigned i = 0; i < nr_mods; i++) {
		mod_tab[i].string = place(&p, mods[i].string, strlen(mods[i].string) + 1, 1);
		mod_tab[i].start = place(&p, mods[i].data, mods[i].len, PAGE_SIZE);
		mod_tab[i].end = mod_tab[i].start + (u32)mods[i].len;
		mod_tab[i].reserved = 0;
	}
	info.mods_count = nr_mods;
	info.mods_addr = place(&p, mod_tab, nr_mods * sizeof(mod_tab[0]), 8);
	out->mbi_gpa = place(&p, &info, sizeof(info), 8);
	if (p.full)
		return "the boot information and modules do not fit in the VM's memory (raise mem=)";
	out->entry = img->entry;
	out->used_end = p.next;
	return NULL;
}
