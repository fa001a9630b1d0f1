/* SPDX-License-Identifier: MIT */
/* Extended page tables: one per VM, mapping guest-physical to host pages. */
#ifndef ARCH_X86_EPT_H
#define ARCH_X86_EPT_H

#include "lib/types.h"

#define EPT_R	BIT(0)
#define EPT_W	BIT(1)
#define EPT_X	BIT(2)
#define EPT_RWX (EPT_R | EPT_W | EPT_X)

struct ept {
	u64 pml4_pa;
	u64 table_pages; /* page-table pages in use, for accounting */
};

bool ept_init(struct ept *ept);
/* Map one 4 KiB page write-back; false when out of memory. */
bool ept_map_page(struct ept *ept, u64 gpa, u64 hpa, u64 perms);
/* Map @size bytes (4 KiB multiple), with 2 MiB pages where both sides align. */
bool ept_map_range(struct ept *ept, u64 gpa, u64 hpa, u64 size, u64 perms);
/* The EPTP value: 4-level walk, write-back paging structures. */
u64 ept_pointer(const struct ept *ept);
/* Free the tables (not the pages they map). */
void ept_destroy(struct ept *ept);

#endif
