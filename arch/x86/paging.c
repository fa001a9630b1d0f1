// SPDX-License-Identifier: MIT
/* Extending the boot identity map above 4 GiB, one page directory per GiB. */
#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "lib/printf.h"
#include "vmm/mm.h"

#define PTE_P	   BIT(0)
#define PTE_W	   BIT(1)
#define PTE_PS	   BIT(7)
#define GIB	   (1ULL << 30)
#define LOW_MAPPED (4 * GIB)
#define PML4_SPAN  (512 * GIB) /* what the single boot PDPT covers */

extern u64 boot_pml4[512];

u64 paging_extend_identity(u64 top)
{
	u64 *pdpt = phys_to_virt(boot_pml4[0] & ~0xfffULL);
	u64 gib;

	if (top > PML4_SPAN) {
		pr_warn("memory: only the first 512 GiB are used\n");
		top = PML4_SPAN;
	}
	for (gib = LOW_MAPPED / GIB; gib * GIB < top; gib++) {
		u64 pd_pa = page_alloc_below(1, LOW_MAPPED);
		u64 *pd = phys_to_virt(pd_pa);

		if (!pd_pa) {
			pr_warn("memory: no page for the identity map above %lu GiB\n", gib);
			break;
		}
		for (u64 i = 0; i < 512; i++)
			pd[i] = (gib * GIB + i * (2ULL << 20)) | PTE_P | PTE_W | PTE_PS;
		pdpt[gib] = pd_pa | PTE_P | PTE_W;
	}
	write_cr3(read_cr3()); /* flush */
	return MAX(gib * GIB, LOW_MAPPED);
}
