// SPDX-License-Identifier: MIT
/* Guest library: walking and changing the identity map (see paging.h). */
#include "paging.h"
#include "printf.h"
#include "report.h"
#include "x86.h"

#define PT_POOL 8

static u64 pt_pool[PT_POOL][512] __aligned(4096);
static int pt_used;

void flush_tlb(void)
{
	write_cr3(read_cr3());
}

static u64 *table_of(u64 entry)
{
	return (u64 *)(entry & PTE_ADDR); /* the tables are identity-mapped */
}

u64 *pt_lookup(u64 va, int *level)
{
	u64 *table = table_of(read_cr3());

	for (int l = 4;; l--) {
		u64 *e = &table[(va >> (12 + 9 * (l - 1))) & 511];

		*level = l;
		if (l == 1 || !(*e & PTE_P) || (l <= 3 && (*e & PTE_PS)))
			return e;
		table = table_of(*e);
	}
}

u64 *pt_split_4k(const volatile void *p)
{
	u64 va = (u64)p, *e, *pt, attrs;
	int level;

	e = pt_lookup(va, &level);
	if (level == 1)
		return e;
	if (level != 2 || !(*e & PTE_P)) {
		fail("pt-split", "%#lx is not mapped by a 2 MiB page (level %d entry %#lx)", va,
		     level, *e);
		report_abort();
	}
	if (pt_used == PT_POOL) {
		fail("pt-split", "out of page tables (%d)", PT_POOL);
		report_abort();
	}
	pt = pt_pool[pt_used++];
	/* Same attributes; the 2 MiB page's PAT bit (12) is not carried over. */
	attrs = *e & (PTE_P | PTE_W | PTE_U | PTE_PWT | PTE_PCD | PTE_A | PTE_D | BIT(63));
	for (int i = 0; i < 512; i++)
		pt[i] = ((*e & PTE_ADDR & ~(LPAGE_SIZE - 1)) + i * PAGE_SIZE) | attrs;
	*e = (u64)pt | (attrs & ~PTE_D) | PTE_P | PTE_W | (*e & PTE_U);
	flush_tlb();
	return &pt[(va >> 12) & 511];
}

void pt_set_user(u64 va, u64 len, bool user)
{
	u64 end = va + len;

	while (va < end) {
		u64 *table = table_of(read_cr3()), size = 0;

		for (int l = 4; l >= 1; l--) {
			u64 *e = &table[(va >> (12 + 9 * (l - 1))) & 511];

			if (!(*e & PTE_P))
				break; /* nothing mapped here: skip the hole */
			if (l == 1 || (l <= 3 && (*e & PTE_PS))) {
				*e = user ? *e | PTE_U : *e & ~PTE_U;
				size = 1UL << (12 + 9 * (l - 1));
				break;
			}
			if (user)
				*e |= PTE_U;
			table = table_of(*e);
		}
		if (!size)
			size = PAGE_SIZE; /* a hole: step a page at a time */
		va = (va & ~(size - 1)) + size;
	}
	flush_tlb();
}
