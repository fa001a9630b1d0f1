// SPDX-License-Identifier: MIT
/* Segment checks for emulated memory accesses (see segment.h). */
#include "vmm/segment.h"

static bool type_allows(u32 ar, bool write)
{
	if (ar & SEG_AR_TYPE_CODE)
		return !write && (ar & SEG_AR_TYPE_RW); /* code: never written, read if readable */
	return !write || (ar & SEG_AR_TYPE_RW);
}

static bool within_limit(const struct seg_state *s, u64 off, unsigned len)
{
	u64 last = off + len - 1; /* off is at most 32 bits here: no overflow */

	if (!(s->ar & SEG_AR_TYPE_CODE) && (s->ar & SEG_AR_TYPE_E)) {
		/* Expand-down: valid offsets are limit+1 up to 0xffff or 0xffffffff. */
		u64 upper = (s->ar & SEG_AR_DB) ? 0xffffffffULL : 0xffffULL;

		return off > s->limit && last <= upper;
	}
	return last <= s->limit;
}

bool seg_linear(const struct seg_state *s, u64 off, unsigned len, unsigned mode_bits, bool pe,
		bool write, u64 *la)
{
	if (mode_bits == 64)
		return seg_linear64(s->base, off, len, la);
	if (!len)
		return false;
	off &= 0xffffffff;
	if (s->ar & SEG_AR_UNUSABLE)
		return false;
	/* Real mode has no type checks; its limits (64 KiB, or a big-real leftover) do apply. */
	if (pe && !type_allows(s->ar, write))
		return false;
	if (!within_limit(s, off, len))
		return false;
	*la = (u32)(s->base + off);
	return true;
}
