/* SPDX-License-Identifier: MIT */
/*
 * The architectural rules for XCR0 (Intel SDM Vol. 1, 13.3 "Enabling the
 * XSAVE feature set"), as a pure check.  klvisor runs the guest's XSETBV
 * in root mode, so every value the CPU would refuse must be refused here
 * first: a #GP in root mode is a VMM panic.
 */
#ifndef VMM_XCR0_H
#define VMM_XCR0_H

#include "lib/types.h"

#define XFEATURE_X87	  BIT(0)
#define XFEATURE_SSE	  BIT(1)
#define XFEATURE_AVX	  BIT(2)
#define XFEATURE_BNDREGS  BIT(3)
#define XFEATURE_BNDCSR	  BIT(4)
#define XFEATURE_OPMASK	  BIT(5)
#define XFEATURE_ZMM_HI	  BIT(6)
#define XFEATURE_HI16_ZMM BIT(7)
#define XFEATURE_PKRU	  BIT(9)
#define XFEATURE_XTILECFG BIT(17)
#define XFEATURE_XTILE	  BIT(18)

#define XFEATURE_AVX512 (XFEATURE_OPMASK | XFEATURE_ZMM_HI | XFEATURE_HI16_ZMM)
#define XFEATURE_MPX	(XFEATURE_BNDREGS | XFEATURE_BNDCSR)
#define XFEATURE_AMX	(XFEATURE_XTILECFG | XFEATURE_XTILE)

/* A group of components that must be all set or all clear. */
static inline bool xcr0_group_ok(u64 val, u64 group)
{
	return (val & group) == 0 || (val & group) == group;
}

/* True if XSETBV(0, @val) is valid on a CPU whose XCR0 can hold @supported. */
static inline bool xcr0_valid(u64 val, u64 supported)
{
	if (!(val & XFEATURE_X87) || (val & ~supported))
		return false;
	if ((val & XFEATURE_AVX) && !(val & XFEATURE_SSE))
		return false;
	if (!xcr0_group_ok(val, XFEATURE_MPX) || !xcr0_group_ok(val, XFEATURE_AVX512) ||
	    !xcr0_group_ok(val, XFEATURE_AMX))
		return false;
	return !(val & XFEATURE_AVX512) || (val & XFEATURE_AVX);
}

#endif
