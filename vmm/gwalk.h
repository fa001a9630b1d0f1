/* SPDX-License-Identifier: MIT */
/*
 * Guest page walks: linear address -> guest-physical address through the
 * guest's own page tables, in every paging mode, with the permission checks
 * and the #PF error code hardware would produce.  Pure: guest RAM comes in
 * as a buffer, so host tests can build page tables and walk them.
 */
#ifndef VMM_GWALK_H
#define VMM_GWALK_H

#include "lib/types.h"

/* Access kinds, laid out like the #PF error code bits. */
#define GW_READ	 0
#define GW_WRITE BIT(1)
#define GW_USER	 BIT(2)
#define GW_FETCH BIT(4)

/* #PF error code bits */
#define PFEC_PRESENT BIT(0)
#define PFEC_WRITE   BIT(1)
#define PFEC_USER    BIT(2)
#define PFEC_RSVD    BIT(3)
#define PFEC_FETCH   BIT(4)

struct gwalk_ctx {
	const u8 *ram;
	u64 ram_size;
	u64 cr0, cr3, cr4, efer;
	bool ac; /* RFLAGS.AC: lets explicit supervisor data accesses through SMAP */
	u64 id; /* gwtlb.h's name for these values (gwtlb_ctx_id()); 0: none.  gwalk ignores it. */
};

/*
 * The access kind of an instruction's own fetch or explicit data access
 * at privilege level @cpl: at CPL 3 it is a user-mode access (U/S, and no
 * SMEP/SMAP), at CPL 0-2 a supervisor one (SDM Vol. 3, 4.6).
 */
static inline u32 gwalk_access(unsigned cpl, u32 kind)
{
	return kind | (cpl == 3 ? GW_USER : 0);
}

enum gwalk_result {
	GW_OK,
	GW_PAGE_FAULT, /* inject #PF(*pfec) with CR2 = the address */
	GW_OUTSIDE_RAM, /* a page-table entry lies outside guest RAM (the result is not checked) */
	GW_DATA_OUTSIDE_RAM, /* gwalk_read only: the bytes themselves lie outside guest RAM */
};

enum gwalk_result gwalk(const struct gwalk_ctx *c, u64 la, u32 access, u64 *gpa, u32 *pfec);

/*
 * Every paging-structure entry a walk read, in order: its guest-physical
 * address, size and value.  A walk reads at most four (4-level paging;
 * PAE reads three, 32-bit paging two, no paging none).  The walk's result
 * is a function of the context, the address, the access kind and these
 * values alone, which is what makes gwtlb.h's cache exact.
 */
#define GWALK_MAX_ENTRIES 4

struct gwalk_trace {
	unsigned n;
	u64 gpa[GWALK_MAX_ENTRIES];
	u64 val[GWALK_MAX_ENTRIES];
	u8 size[GWALK_MAX_ENTRIES];
};

/* gwalk(), recording the entries it read in *@t (when @t is not NULL). */
enum gwalk_result gwalk_traced(const struct gwalk_ctx *c, u64 la, u32 access, u64 *gpa, u32 *pfec,
			       struct gwalk_trace *t);

/*
 * Copy @len bytes at linear address @la into @buf as an access of kind
 * @access, walking once per page.  *@done counts the bytes copied before
 * it stopped.  On failure *@where is the linear address that faulted (the
 * guest-physical one for GW_DATA_OUTSIDE_RAM) and *@pfec the error code.
 */
enum gwalk_result gwalk_read(const struct gwalk_ctx *c, u64 la, u32 access, void *buf, size_t len,
			     size_t *done, u64 *where, u32 *pfec);

/* gwalk_read() with another page walk: @walk(@arg, ...) for gwalk(). */
typedef enum gwalk_result (*gwalk_fn)(void *arg, const struct gwalk_ctx *c, u64 la, u32 access,
				      u64 *gpa, u32 *pfec);
enum gwalk_result gwalk_read_by(gwalk_fn walk, void *arg, const struct gwalk_ctx *c, u64 la,
				u32 access, void *buf, size_t len, size_t *done, u64 *where,
				u32 *pfec);

#endif
