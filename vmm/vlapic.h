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

#define APIC_SVR_ENABLE	      BIT(8)
#define APIC_ESR_RECV_ILLEGAL BIT(6)

/* LVT fields; the timer mode is LVT timer bits 18:17 (SDM Vol. 3, 11.5.1). */
#define LVT_MASKED	      BIT(16)
#define LVT_TIMER_MODE(x)     (((x) >> 17) & 3)
#define LVT_TIMER_ONESHOT     0
#define LVT_TIMER_PERIODIC    1
#define LVT_TIMER_TSCDEADLINE 2

/* ICR fields */
#define ICR_VECTOR(x)	 ((x)&0xff)
#define ICR_DELIVERY(x)	 (((x) >> 8) & 7)
#define ICR_DM_FIXED	 0
#define ICR_DM_NMI	 4
#define ICR_DM_INIT	 5
#define ICR_DM_STARTUP	 6
#define ICR_DM_LOWEST	 1
#define ICR_DEST_LOGICAL BIT(11)
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
	/*
	 * The timer, in host TSC cycles (one count per divide-value cycles:
	 * the APIC timer's input clock is the TSC, and CPUID leaf 0x15 says
	 * so).  timer_deadline is the next expiry, 0 when disarmed; only the
	 * vCPU's own physical CPU touches these.
	 */
	u64 timer_start; /* when the initial count was written */
	u64 timer_deadline;
	u64 tsc_deadline; /* IA32_TSC_DEADLINE as the guest wrote it (guest TSC) */
	bool timer_counting; /* one-shot or periodic count in progress */
	volatile u32 irr[8]; /* set by any CPU (atomically), cleared by the owner */
	/*
	 * Nonzero if IRR may have a bit set: every post sets it after the IRR
	 * bit, and only vlapic_pending() clears it, after finding IRR empty.
	 * It saves scanning eight words before every VM entry.
	 */
	volatile u32 irr_any;
	u32 isr[8];
	/*
	 * Trigger mode of each accepted vector (set for level, cleared for
	 * edge, with the IRR bit): its EOI must reach the I/O APIC.
	 */
	volatile u32 tmr[8];
};

/* What a register write asks the VM to do. */
struct apic_ipi {
	bool send;
	u32 icr; /* low word: vector, delivery mode, shorthand */
	u32 dest; /* APIC ID (xAPIC: ICR_HI[31:24]; x2APIC: 32 bits) */
	int level_eoi; /* an EOI ended this level-triggered vector (for the I/O APIC), else -1 */
};

void vlapic_reset(struct vlapic *l, u32 id, bool bsp);
bool vlapic_x2apic(const struct vlapic *l);
/* Software-enabled and hardware-enabled: accepts interrupts. */
bool vlapic_enabled(const struct vlapic *l);

/*
 * Returns false for a register that does not exist (x2APIC: #GP).  @now
 * is the host TSC, for the timer's registers.
 */
bool vlapic_read(struct vlapic *l, u32 off, u64 now, u32 *val);
bool vlapic_write(struct vlapic *l, u32 off, u32 val, u64 now, struct apic_ipi *ipi);

/*
 * IA32_TSC_DEADLINE.  Reads give what was written until the timer fires
 * (then 0), and 0 outside TSC-deadline mode, where writes are ignored.
 * @host_deadline is @guest_val on the host's TSC; 0 disarms.
 */
u64 vlapic_tsc_deadline(const struct vlapic *l);
void vlapic_set_tsc_deadline(struct vlapic *l, u64 guest_val, u64 host_deadline);
/*
 * Fire the timer if it is due at @now: its vector is posted unless the
 * LVT entry is masked, and a periodic timer reloads.  Returns the next
 * expiry (host TSC), 0 if none.
 */
u64 vlapic_timer_poll(struct vlapic *l, u64 now);
/* The next expiry, 0 if none: when the vCPU must next be looked at. */
static inline u64 vlapic_timer_next(const struct vlapic *l)
{
	return l->timer_deadline;
}
/* A new IA32_APIC_BASE value; false for an invalid transition (#GP). */
bool vlapic_set_base(struct vlapic *l, u64 val);

/* Does @dest (physical mode) name this APIC, per shorthand and mode? */
bool vlapic_match(const struct vlapic *l, u32 dest, bool x2apic_dest);
/*
 * Does logical destination @dest name this APIC?  xAPIC: the flat or
 * cluster model of its DFR against its LDR; x2APIC: the cluster and the
 * bit within it (SDM Vol. 3, 11.6.2.2 and 11.12.10).
 */
bool vlapic_match_logical(const struct vlapic *l, u32 dest, bool x2apic_dest);

/*
 * Post a fixed interrupt (any CPU); a hardware-disabled APIC drops it.
 * @level: level-triggered (from an I/O APIC pin), so its EOI is reported.
 */
void vlapic_post_trig(struct vlapic *l, u8 vector, bool level);
static inline void vlapic_post(struct vlapic *l, u8 vector)
{
	vlapic_post_trig(l, vector, false);
}
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
