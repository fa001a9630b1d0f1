/* SPDX-License-Identifier: MIT */
/*
 * The virtual local APIC of one vCPU: register file, IRR/ISR and the ICR.
 * Pure: an ICR write is returned to the caller as an IPI to deliver, so
 * the register logic has no VMM globals and is unit-tested on the host.
 * Registers are addressed by their xAPIC offset; x2APIC MSR 0x800 + n is
 * offset n << 4.
 */
#ifndef VMM_VLAPIC_H
#define VMM_VLAPIC_H

#include "lib/types.h"

#define APIC_DEFAULT_BASE 0xfee00000ULL
#define APIC_BASE_BSP	  BIT(8)
#define APIC_BASE_EXTD	  BIT(10)
#define APIC_BASE_EN	  BIT(11)
#define APIC_VERSION	  0x50014 /* version 0x14, 6 LVT entries */

#define APIC_REG_ID	   0x20
#define APIC_REG_VERSION   0x30
#define APIC_REG_TPR	   0x80
#define APIC_REG_PPR	   0xa0
#define APIC_REG_EOI	   0xb0
#define APIC_REG_LDR	   0xd0
#define APIC_REG_DFR	   0xe0
#define APIC_REG_SVR	   0xf0
#define APIC_REG_ISR	   0x100
#define APIC_REG_TMR	   0x180
#define APIC_REG_IRR	   0x200
#define APIC_REG_ESR	   0x280
#define APIC_REG_ICR_LO	   0x300
#define APIC_REG_ICR_HI	   0x310
#define APIC_REG_LVT_TIMER 0x320
#define APIC_REG_LVT_ERROR 0x370
#define APIC_REG_TIMER_ICR 0x380
#define APIC_REG_TIMER_CCR 0x390
#define APIC_REG_TIMER_DCR 0x3e0
#define APIC_REG_SELF_IPI  0x3f0 /* x2APIC only */

#define APIC_SVR_ENABLE BIT(8)

/* ICR fields */
#define ICR_VECTOR(x)	 ((x)&0xff)
#define ICR_DELIVERY(x)	 (((x) >> 8) & 7)
#define ICR_DM_FIXED	 0
#define ICR_DM_NMI	 4
#define ICR_DM_INIT	 5
#define ICR_DM_STARTUP	 6
#define ICR_LEVEL_ASSERT BIT(14)
#define ICR_SHORTHAND(x) (((x) >> 18) & 3)
#define ICR_SH_NONE	 0
#define ICR_SH_SELF	 1
#define ICR_SH_ALL	 2
#define ICR_SH_OTHERS	 3

struct vlapic {
	u32 id;
	u64 base_msr; /* IA32_APIC_BASE */
	u32 tpr, svr, ldr, dfr, icr_lo, icr_hi, esr;
	u32 lvt[7]; /* 0x320-0x380: timer, thermal, perf, LINT0, LINT1, error */
	u32 timer_icr, timer_dcr;
	volatile u32 irr[8]; /* set by any CPU (atomically), cleared by the owner */
	/*
	 * Nonzero if IRR may have a bit set: every post sets it after the IRR
	 * bit, and only vlapic_pending() clears it, after finding IRR empty.
	 * It saves scanning eight words before every VM entry.
	 */
	volatile u32 irr_any;
	u32 isr[8];
};

/* What a register write asks the VM to do. */
struct apic_ipi {
	bool send;
	u32 icr; /* low word: vector, delivery mode, shorthand */
	u32 dest; /* APIC ID (xAPIC: ICR_HI[31:24]; x2APIC: 32 bits) */
};

void vlapic_reset(struct vlapic *l, u32 id, bool bsp);
bool vlapic_x2apic(const struct vlapic *l);
/* Software-enabled and hardware-enabled: accepts interrupts. */
bool vlapic_enabled(const struct vlapic *l);

/* Returns false for a register that does not exist (x2APIC: #GP). */
bool vlapic_read(struct vlapic *l, u32 off, u32 *val);
bool vlapic_write(struct vlapic *l, u32 off, u32 val, struct apic_ipi *ipi);
/* A new IA32_APIC_BASE value; false for an invalid transition (#GP). */
bool vlapic_set_base(struct vlapic *l, u64 val);

/* Does @dest (physical mode) name this APIC, per shorthand and mode? */
bool vlapic_match(const struct vlapic *l, u32 dest, bool x2apic_dest);

/* Post a fixed interrupt (any CPU); a hardware-disabled APIC drops it. */
void vlapic_post(struct vlapic *l, u8 vector);
/* Highest pending vector above the in-service priority, or -1. */
int vlapic_pending(struct vlapic *l);

/* False only if nothing is posted: the fast test before vlapic_pending(). */
static inline bool vlapic_maybe_pending(const struct vlapic *l)
{
	return __atomic_load_n(&l->irr_any, __ATOMIC_ACQUIRE);
}
/* The CPU took @vector: IRR -> ISR. */
void vlapic_ack(struct vlapic *l, u8 vector);

#endif
