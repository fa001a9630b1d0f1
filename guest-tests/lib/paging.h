/* SPDX-License-Identifier: MIT */
/*
 * Guest library: changing the boot identity map (entry.S: 4-level paging,
 * the first 4 GiB in 2 MiB pages, nothing above).  Walks start at CR3, so
 * they work on whatever tables are live.
 *
 *	u64 *pte = pt_split_4k(buf);	 a 4 KiB page of its own
 *	*pte &= ~PTE_P;			 now buf faults
 *	invlpg(buf);
 *
 * Changes apply to every CPU (they share the tables); only the calling CPU's
 * TLB is flushed, so change mappings before other CPUs use them.
 */
#ifndef GUEST_PAGING_H
#define GUEST_PAGING_H

#include "types.h"

#define PAGE_SIZE  4096UL
#define LPAGE_SIZE (2UL << 20)

#define PTE_P	 BIT(0)
#define PTE_W	 BIT(1)
#define PTE_U	 BIT(2)
#define PTE_PWT	 BIT(3)
#define PTE_PCD	 BIT(4)
#define PTE_A	 BIT(5)
#define PTE_D	 BIT(6)
#define PTE_PS	 BIT(7) /* in a PDE or PDPTE: a large page */
#define PTE_ADDR 0x000ffffffffff000UL

static inline void invlpg(const volatile void *va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* Reload CR3: flushes this CPU's non-global TLB entries. */
void flush_tlb(void);

/*
 * The entry that maps @va at the lowest level present (a PDE with PS for
 * a 2 MiB page, a PTE for a 4 KiB page), or the first non-present entry
 * on the way; *@level is 1 for a PTE, 2 for a PDE, 3 for a PDPTE, 4 for a
 * PML4E.
 */
u64 *pt_lookup(u64 va, int *level);

/*
 * The PTE of the 4 KiB page holding @va.  A 2 MiB page around it is split
 * into 512 4 KiB pages with the same attributes first (from a small static
 * pool of page tables).  Ends the guest with a FAIL if @va is not mapped
 * or the pool is empty.
 */
u64 *pt_split_4k(const volatile void *va);

/*
 * Make [va, va + len) user-accessible: the U bit on every level of the walk
 * (PML4E, PDPTE, PDE and, for 4 KiB pages, the PTE).  With user false,
 * clear U on the leaf entries only (the upper levels are shared with
 * neighbouring pages).  Flushes the TLB.
 */
void pt_set_user(u64 va, u64 len, bool user);

#endif
