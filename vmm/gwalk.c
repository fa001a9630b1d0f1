// SPDX-License-Identifier: MIT
/* Guest page-table walks (Intel SDM Vol. 3, chapter "Paging"). */
#include "vmm/gwalk.h"
#include "lib/string.h"

#define CR0_PG	 BIT(31)
#define CR0_WP	 BIT(16)
#define CR4_PSE	 BIT(4)
#define CR4_PAE	 BIT(5)
#define CR4_SMEP BIT(20)
#define CR4_SMAP BIT(21)
#define EFER_LMA BIT(10)
#define EFER_NXE BIT(11)

#define PTE_P	  BIT(0)
#define PTE_W	  BIT(1)
#define PTE_U	  BIT(2)
#define PTE_PS	  BIT(7)
#define PTE_NX	  BIT(63)
#define ADDR_MASK 0x000ffffffffff000ULL

static bool read_entry(const struct gwalk_ctx *c, u64 gpa, unsigned size, u64 *e,
		       struct gwalk_trace *t)
{
	if (gpa >= c->ram_size || size > c->ram_size - gpa)
		return false;
	/* One load, not a copy loop: this runs four times per walk. */
	if (size == 8) {
		__builtin_memcpy(e, c->ram + gpa, 8);
	} else {
		u32 e32;

		__builtin_memcpy(&e32, c->ram + gpa, 4);
		*e = e32;
	}
	if (t && t->n < GWALK_MAX_ENTRIES) {
		t->gpa[t->n] = gpa;
		t->val[t->n] = *e;
		t->size[t->n] = (u8)size;
		t->n++;
	}
	return true;
}

/*
 * The error code's I/D bit: set for fetches only with CR4.SMEP, or with
 * CR4.PAE and EFER.NXE (NXE has no effect under 32-bit paging).
 */
static bool fetch_reported(const struct gwalk_ctx *c, u32 access)
{
	return (access & GW_FETCH) &&
	       ((c->cr4 & CR4_SMEP) || ((c->cr4 & CR4_PAE) && (c->efer & EFER_NXE)));
}

/*
 * SMAP: a supervisor data access to a user page faults unless RFLAGS.AC
 * is set (all of klvisor's supervisor accesses are explicit ones, on the
 * guest's behalf).
 */
static bool smap_fault(const struct gwalk_ctx *c, u32 access, bool user_page)
{
	return user_page && !(access & (GW_USER | GW_FETCH)) && (c->cr4 & CR4_SMAP) && !c->ac;
}

/* Permissions accumulate down the walk: every level must allow the access. */
struct perms {
	bool w, u, nx;
};

static enum gwalk_result check(const struct gwalk_ctx *c, const struct perms *p, u32 access,
			       u32 *pfec)
{
	bool user = access & GW_USER;
	bool fault = false;

	if ((access & GW_WRITE) && !p->w && (user || (c->cr0 & CR0_WP)))
		fault = true;
	if (user && !p->u)
		fault = true;
	if ((access & GW_FETCH) && p->nx && (c->efer & EFER_NXE))
		fault = true;
	if ((access & GW_FETCH) && !user && p->u && (c->cr4 & CR4_SMEP))
		fault = true;
	if (smap_fault(c, access, p->u))
		fault = true;
	if (!fault)
		return GW_OK;
	*pfec = PFEC_PRESENT | (access & (GW_WRITE | GW_USER));
	if (fetch_reported(c, access))
		*pfec |= PFEC_FETCH;
	return GW_PAGE_FAULT;
}

static enum gwalk_result not_present(const struct gwalk_ctx *c, u32 access, u32 *pfec)
{
	*pfec = access & (GW_WRITE | GW_USER);
	if (fetch_reported(c, access))
		*pfec |= PFEC_FETCH;
	return GW_PAGE_FAULT;
}

enum gwalk_result gwalk_traced(const struct gwalk_ctx *c, u64 la, u32 access, u64 *gpa, u32 *pfec,
			       struct gwalk_trace *t)
{
	struct perms p = { true, true, false };
	unsigned levels, shift, esize;
	u64 table, e;

	*pfec = 0;
	if (t)
		t->n = 0;
	if (!(c->cr0 & CR0_PG)) {
		*gpa = (c->efer & EFER_LMA) ? la : (u32)la;
		return GW_OK;
	}
	if (c->efer & EFER_LMA) {
		levels = 4, shift = 39, esize = 8;
		table = c->cr3 & ADDR_MASK;
	} else if (c->cr4 & CR4_PAE) {
		/* The PDPTE level has no permission bits. */
		la = (u32)la;
		if (!read_entry(c, (c->cr3 & 0xffffffe0) + ((la >> 30) & 3) * 8, 8, &e, t))
			return GW_OUTSIDE_RAM;
		if (!(e & PTE_P))
			return not_present(c, access, pfec);
		levels = 2, shift = 21, esize = 8;
		table = e & ADDR_MASK;
	} else {
		la = (u32)la;
		levels = 2, shift = 22, esize = 4;
		table = c->cr3 & 0xfffff000;
	}

	for (unsigned l = levels; l > 0; l--, shift -= (esize == 8 ? 9 : 10)) {
		u64 idx = (la >> shift) & (esize == 8 ? 511 : 1023);
		bool large;

		if (!read_entry(c, table + idx * esize, esize, &e, t))
			return GW_OUTSIDE_RAM;
		if (!(e & PTE_P))
			return not_present(c, access, pfec);
		p.w &= !!(e & PTE_W);
		p.u &= !!(e & PTE_U);
		p.nx |= esize == 8 && (e & PTE_NX);
		/* Large pages: 1G at level 3 and 2M at level 2 (4-level/PAE); 4M with PSE. */
		large = l > 1 && (e & PTE_PS) &&
			(esize == 8 ? (l == 2 || (l == 3 && levels == 4)) : (c->cr4 & CR4_PSE));
		if (large || l == 1) {
			u64 page_mask = (1ULL << shift) - 1;
			u64 base = esize == 8 ? e & ADDR_MASK & ~page_mask :
						e & ~page_mask & 0xffffffff;
			enum gwalk_result r = check(c, &p, access, pfec);

			if (r != GW_OK)
				return r;
			*gpa = base | (la & page_mask);
			return GW_OK;
		}
		table = esize == 8 ? e & ADDR_MASK : e & 0xfffff000;
	}
	return GW_OUTSIDE_RAM; /* not reached */
}

enum gwalk_result gwalk(const struct gwalk_ctx *c, u64 la, u32 access, u64 *gpa, u32 *pfec)
{
	return gwalk_traced(c, la, access, gpa, pfec, NULL);
}

enum gwalk_result gwalk_read_by(gwalk_fn walk, void *arg, const struct gwalk_ctx *c, u64 la,
				u32 access, void *buf, size_t len, size_t *done, u64 *where,
				u32 *pfec)
{
	u8 *out = buf;

	*pfec = 0;
	for (*done = 0; *done < len;) {
		u64 at = la + *done, gpa;
		/* A page is contiguous in guest-physical memory: one walk per page. */
		size_t chunk = MIN(len - *done, PAGE_SIZE - (at & (PAGE_SIZE - 1)));
		enum gwalk_result r = walk(arg, c, at, access, &gpa, pfec);

		if (r != GW_OK) {
			*where = at;
			return r;
		}
		if (gpa >= c->ram_size || chunk > c->ram_size - gpa) {
			*where = gpa >= c->ram_size ? gpa : c->ram_size;
			return GW_DATA_OUTSIDE_RAM;
		}
		memcpy(out + *done, c->ram + gpa, chunk);
		*done += chunk;
	}
	return GW_OK;
}

static enum gwalk_result plain_walk(void *arg, const struct gwalk_ctx *c, u64 la, u32 access,
				    u64 *gpa, u32 *pfec)
{
	(void)arg;
	return gwalk(c, la, access, gpa, pfec);
}

enum gwalk_result gwalk_read(const struct gwalk_ctx *c, u64 la, u32 access, void *buf, size_t len,
			     size_t *done, u64 *where, u32 *pfec)
{
	return gwalk_read_by(plain_walk, NULL, c, la, access, buf, len, done, where, pfec);
}
