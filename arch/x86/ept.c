// SPDX-License-Identifier: MIT
/* 4-level EPT with 4 KiB leaves, tables from the page allocator. */
#include "arch/x86/ept.h"
#include "vmm/mm.h"

#define EPT_MEMTYPE_WB (6ULL << 3)
#define EPT_ADDR_MASK  0x000ffffffffff000ULL
#define EPT_LARGE      BIT(7)
#define EPT_2M	       (2ULL << 20)

bool ept_init(struct ept *ept)
{
	ept->pml4_pa = page_alloc(1);
	ept->table_pages = ept->pml4_pa ? 1 : 0;
	return ept->pml4_pa != 0;
}

/* Install a leaf at @leaf_level (0: 4 KiB PTE, 1: 2 MiB PDE). */
static bool map_leaf(struct ept *ept, u64 gpa, u64 hpa, u64 perms, int leaf_level)
{
	u64 *table = phys_to_virt(ept->pml4_pa);

	for (int level = 3; level > leaf_level; level--) {
		u64 *e = &table[(gpa >> (12 + 9 * level)) & 511];

		if (!(*e & EPT_RWX)) {
			u64 pa = page_alloc(1);

			if (!pa)
				return false;
			ept->table_pages++;
			*e = pa | EPT_RWX; /* non-leaf: permissions come from the leaf */
		}
		table = phys_to_virt(*e & EPT_ADDR_MASK);
	}
	table[(gpa >> (12 + 9 * leaf_level)) & 511] =
		(hpa & EPT_ADDR_MASK) | perms | EPT_MEMTYPE_WB | (leaf_level ? EPT_LARGE : 0);
	return true;
}

bool ept_map_page(struct ept *ept, u64 gpa, u64 hpa, u64 perms)
{
	return map_leaf(ept, gpa, hpa, perms, 0);
}

bool ept_map_range(struct ept *ept, u64 gpa, u64 hpa, u64 size, u64 perms)
{
	for (u64 off = 0; off < size;) {
		bool big =
			!((gpa + off) % EPT_2M) && !((hpa + off) % EPT_2M) && size - off >= EPT_2M;

		if (!map_leaf(ept, gpa + off, hpa + off, perms, big ? 1 : 0))
			return false;
		off += big ? EPT_2M : PAGE_SIZE;
	}
	return true;
}

u64 ept_pointer(const struct ept *ept)
{
	return ept->pml4_pa | (3 << 3) | 6; /* walk length 4 - 1, WB */
}

static void free_level(u64 table_pa, int level)
{
	u64 *t = phys_to_virt(table_pa);

	if (level > 0)
		for (int i = 0; i < 512; i++)
			if ((t[i] & EPT_RWX) && !(t[i] & EPT_LARGE))
				free_level(t[i] & EPT_ADDR_MASK, level - 1);
	page_free(table_pa, 1);
}

void ept_destroy(struct ept *ept)
{
	if (!ept->pml4_pa)
		return;
	/* Level 0 tables hold leaves; free_level stops descending there. */
	free_level(ept->pml4_pa, 3);
	ept->pml4_pa = 0;
	ept->table_pages = 0;
}
