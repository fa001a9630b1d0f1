/* SPDX-License-Identifier: MIT */
/*
 * a * b / c with a 128-bit intermediate, for converting between clocks
 * (TSC cycles to PIT ticks and back) without overflow.  The VMM is
 * freestanding, without libgcc's 128-bit division, so this is MUL and
 * DIV directly; a quotient that does not fit in 64 bits (DIV would raise
 * #DE in root mode) saturates, as does c = 0.
 */
#ifndef LIB_MULDIV_H
#define LIB_MULDIV_H

#include "lib/types.h"

static inline u64 mul_div_rem(u64 a, u64 b, u64 c, u64 *rem)
{
	u64 hi, lo, q, r;

	asm("mulq %3" : "=a"(lo), "=d"(hi) : "a"(a), "rm"(b) : "cc");
	if (hi >= c) {
		*rem = 0;
		return ~0ULL;
	}
	asm("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(c) : "cc");
	*rem = r;
	return q;
}

static inline u64 mul_div(u64 a, u64 b, u64 c)
{
	u64 r;

	return mul_div_rem(a, b, c, &r);
}

/* Rounded up. */
static inline u64 mul_div_up(u64 a, u64 b, u64 c)
{
	u64 r, q = mul_div_rem(a, b, c, &r);

	return q + (r && q != ~0ULL);
}

#endif
