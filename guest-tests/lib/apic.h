/* SPDX-License-Identifier: MIT */
/*
 * Guest library: the xAPIC page at 0xfee00000.  Every access is a single
 * aligned 32-bit MOV, as the SDM recommends; apicforms.c tests the other
 * instruction forms klvisor emulates there.
 */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H

#include "types.h"

#define APIC_BASE_PA 0xfee00000UL

#define APIC_ID	     0x20
#define APIC_VERSION 0x30
#define APIC_TPR     0x80
#define APIC_EOI     0xb0
#define APIC_LDR     0xd0
#define APIC_DFR     0xe0
#define APIC_SPIV    0xf0
#define APIC_ISR     0x100 /* 8 registers, 0x10 apart */
#define APIC_TMR     0x180
#define APIC_IRR     0x200
#define APIC_ESR     0x280
#define APIC_ICR_LO  0x300
#define APIC_ICR_HI  0x310

#define SPIV_ENABLE BIT(8)

#define ICR_FIXED	0x000
#define ICR_INIT	0x500
#define ICR_STARTUP	0x600
#define ICR_PENDING	BIT(12)
#define ICR_ASSERT	BIT(14)
#define ICR_LEVEL	BIT(15)
#define ICR_DEST_SELF	(1 << 18)
#define ICR_DEST_ALL	(2 << 18)
#define ICR_DEST_OTHERS (3 << 18)

#define APIC_BASE_BSP	 BIT(8)
#define APIC_BASE_EXTD	 BIT(10)
#define APIC_BASE_ENABLE BIT(11)

static inline u32 apic_read(u32 reg)
{
	u32 v;

	asm volatile("movl (%1), %0" : "=r"(v) : "r"(APIC_BASE_PA + reg) : "memory");
	return v;
}

static inline void apic_write(u32 reg, u32 v)
{
	asm volatile("movl %0, (%1)" : : "r"(v), "r"(APIC_BASE_PA + reg) : "memory");
}

static inline void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

/* Bit vector of the 256-bit ISR/IRR/TMR register bank at base. */
static inline bool apic_vector_bit(u32 base, int vector)
{
	return apic_read(base + 0x10 * (vector / 32)) & BIT(vector % 32);
}

void apic_enable(void); /* SPIV: enabled, spurious vector 0xff */
/* Send an IPI (dest is an APIC ID; ignored with a shorthand); false if stuck pending. */
bool apic_send_ipi(u32 dest, u32 icr_lo);

#endif
