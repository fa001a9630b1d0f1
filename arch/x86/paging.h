/* SPDX-License-Identifier: MIT */
/* klvisor's own page tables: an identity map of all physical memory. */
#ifndef ARCH_X86_PAGING_H
#define ARCH_X86_PAGING_H

#include "lib/types.h"

/*
 * boot.S maps the low 4 GiB; extend the identity map up to @top (exclusive)
 * with 2 MiB pages.  Returns the end actually mapped.
 */
u64 paging_extend_identity(u64 top);

#endif
