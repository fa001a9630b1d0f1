/* SPDX-License-Identifier: MIT */
/* The VMM's physical memory: the one page allocator and its helpers. */
#ifndef VMM_MM_H
#define VMM_MM_H

#include "boot/multiboot2.h"
#include "vmm/palloc.h"

extern struct palloc phys_mem;

/* Set up phys_mem from the memory map; panics if no memory is usable. */
void mm_init(const struct boot_info *bi, u64 mbi_phys);

/* Zeroed pages, or 0 when memory is exhausted. */
u64 page_alloc(u64 npages);
u64 page_alloc_below(u64 npages, u64 limit);
void page_free(u64 phys, u64 npages);

static inline void *phys_to_virt(u64 pa)
{
	return (void *)(uintptr_t)pa; /* identity map */
}

static inline u64 virt_to_phys(const void *p)
{
	return (u64)(uintptr_t)p;
}

#endif
