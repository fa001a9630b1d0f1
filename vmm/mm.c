// SPDX-License-Identifier: MIT
/*
 * Hands the multiboot2 memory map to the page allocator, keeping out the
 * klvisor image, the boot information, the modules, the AP start-up page
 * and everything the firmware did not mark available.
 */
#include "boot/layout.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/mm.h"
#include "vmm/shutdown.h"

extern char __image_start[], __image_end[];

struct palloc phys_mem;

#define MAX_RANGES (MB2_MAX_MMAP + MB2_MAX_MODULES + 4)

void mm_init(const struct boot_info *bi, u64 mbi_phys)
{
	static struct phys_range usable[MB2_MAX_MMAP], reserved[MAX_RANGES];
	unsigned nu = 0, nr = 0;
	u64 top = 0, total = 0, bm_bytes, bm_phys;

	for (unsigned i = 0; i < bi->nr_mmap; i++) {
		const struct mb2_mmap_entry *e = &bi->mmap[i];
		struct phys_range r = { e->base, e->base + e->len };

		if (r.end <= r.start)
			continue;
		if (e->type == MB2_MEM_AVAILABLE) {
			usable[nu++] = r;
			top = MAX(top, r.end);
			total += e->len;
		} else {
			/* Firmware regions win where the map overlaps itself. */
			reserved[nr++] = r;
		}
	}
	reserved[nr++] = (struct phys_range){ (u64)__image_start, (u64)__image_end };
	reserved[nr++] = (struct phys_range){ mbi_phys, mbi_phys + bi->mbi_size };
	reserved[nr++] = (struct phys_range){ AP_TRAMPOLINE_ADDR, AP_TRAMPOLINE_ADDR + PAGE_SIZE };
	for (unsigned i = 0; i < bi->nr_modules; i++)
		reserved[nr++] = (struct phys_range){ bi->modules[i].start, bi->modules[i].end };

	top = ALIGN_DOWN(top, PAGE_SIZE);
	bm_bytes = palloc_bitmap_bytes(top >> PAGE_SHIFT);
	if (!nu || !palloc_place(usable, nu, reserved, nr, bm_bytes, &bm_phys))
		panic("no usable memory for the page allocator");
	reserved[nr++] = (struct phys_range){ bm_phys, bm_phys + bm_bytes };
	palloc_init(&phys_mem, phys_to_virt(bm_phys), top >> PAGE_SHIFT, usable, nu, reserved, nr);
	pr_info("memory: %lu MiB available, %lu MiB free after the image, modules and firmware\n",
		total >> 20, (phys_mem.free_pages * PAGE_SIZE) >> 20);
}

u64 page_alloc_below(u64 npages, u64 limit)
{
	u64 pa = palloc_alloc(&phys_mem, npages, 1, limit);

	if (pa)
		memset(phys_to_virt(pa), 0, npages * PAGE_SIZE);
	return pa;
}

u64 page_alloc(u64 npages)
{
	return page_alloc_below(npages, 0);
}

void page_free(u64 phys, u64 npages)
{
	if (!palloc_free(&phys_mem, phys, npages))
		panic("page_free: 0x%lx (+%lu pages) was not allocated", phys, npages);
}
