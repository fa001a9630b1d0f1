/* SPDX-License-Identifier: MIT */
/*
 * Segmentation for the memory accesses klvisor makes on a guest's behalf:
 * offset -> linear address with the checks the CPU makes first (SDM Vol.
 * 3, 5.3 "Limit Checking" and 5.4 "Type Checking"; Vol. 1, 3.3.7.1
 * "Canonical Addressing").  Pure: the segment comes in as data, so host
 * tests can feed any descriptor.
 */
#ifndef VMM_SEGMENT_H
#define VMM_SEGMENT_H

#include "lib/types.h"

/* Segment registers in the SDM's encoding (VMCS order, instruction-information field). */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, NR_SEGS };

/* VMCS access-rights bits */
#define SEG_AR_TYPE_A	 BIT(0) /* accessed */
#define SEG_AR_TYPE_RW	 BIT(1) /* data: writable; code: readable */
#define SEG_AR_TYPE_E	 BIT(2) /* data: expand-down (code: conforming) */
#define SEG_AR_TYPE_CODE BIT(3)
#define SEG_AR_L	 BIT(13) /* CS: 64-bit code */
#define SEG_AR_DB	 BIT(14)
#define SEG_AR_UNUSABLE	 BIT(16)

struct seg_state {
	u64 base; /* in 64-bit mode only FS and GS have one: the caller passes 0 for the others */
	u32 limit; /* byte-granular, as the VMCS holds it */
	u32 ar; /* VMCS access-rights format */
};

/* The segment a prefix byte names, or @dflt for 0 (no override) and anything else. */
static inline unsigned seg_from_prefix(u8 prefix, unsigned dflt)
{
	switch (prefix) {
	case 0x26:
		return SEG_ES;
	case 0x2e:
		return SEG_CS;
	case 0x36:
		return SEG_SS;
	case 0x3e:
		return SEG_DS;
	case 0x64:
		return SEG_FS;
	case 0x65:
		return SEG_GS;
	}
	return dflt;
}

/* Canonical for 4-level paging (klvisor denies guests CR4.LA57). */
static inline bool seg_canonical(u64 la)
{
	return (u64)((s64)(la << 16) >> 16) == la;
}

/* seg_linear() in 64-bit mode: base + offset, both ends canonical, nothing else checked. */
static inline bool seg_linear64(u64 base, u64 off, unsigned len, u64 *la)
{
	*la = base + off;
	return len && seg_canonical(*la) && seg_canonical(*la + len - 1);
}

/*
 * The linear address of the @len bytes at offset @off (already truncated
 * to the address size) of segment @s, for a read or (@write) a write, in
 * code running at @mode_bits (16, 32, 64) with CR0.PE = @pe.  False if the
 * access faults: #GP(0), or #SS(0) if @s is SS.
 *
 * 64-bit mode: base + offset, both ends canonical; nothing else is
 * checked.  Otherwise: an unusable segment faults; in protected mode a
 * write needs a writable data segment and a read a data or readable code
 * segment; the bytes must lie within the limit (above it, up to 64 KiB or
 * 4 GiB by the B bit, for expand-down data); the linear address wraps at
 * 4 GiB.
 */
bool seg_linear(const struct seg_state *s, u64 off, unsigned len, unsigned mode_bits, bool pe,
		bool write, u64 *la);

#endif
