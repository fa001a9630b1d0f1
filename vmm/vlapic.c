// SPDX-License-Identifier: MIT
/* Virtual local APIC registers (Intel SDM Vol. 3, chapter "APIC"). */
#include "vmm/vlapic.h"
#include "lib/string.h"

static int highest(const volatile u32 *bits)
{
	for (int i = 7; i >= 0; i--)
		if (bits[i])
			return i * 32 + 31 - __builtin_clz(bits[i]);
	return -1;
}

void vlapic_reset(struct vlapic *l, u32 id, bool bsp)
{
	memset(l, 0, sizeof(*l));
	l->id = id;
	l->base_msr = APIC_DEFAULT_BASE | APIC_BASE_EN | (bsp ? APIC_BASE_BSP : 0);
	l->svr = 0xff;
	l->dfr = 0xffffffff;
	for (unsigned i = 0; i < ARRAY_SIZE(l->lvt); i++)
		l->lvt[i] = BIT(16); /* masked */
}

bool vlapic_x2apic(const struct vlapic *l)
{
	return l->base_msr & APIC_BASE_EXTD;
}

bool vlapic_enabled(const struct vlapic *l)
{
	return (l->base_msr & APIC_BASE_EN) && (l->svr & APIC_SVR_ENABLE);
}

static u32 ppr(const struct vlapic *l)
{
	int isr = highest(l->isr);
	u32 isrv = isr < 0 ? 0 : (u32)isr & 0xf0;

	return (l->tpr & 0xf0) >= isrv ? l->tpr : isrv;
}

/* The divide configuration (SDM Vol. 3, figure "Divide Configuration Register"). */
static u64 timer_divisor(const struct vlapic *l)
{
	u32 i = (l->timer_dcr & 3) | ((l->timer_dcr & 8) >> 1);

	return i == 7 ? 1 : 2ULL << i;
}

static u32 timer_mode(const struct vlapic *l)
{
	return LVT_TIMER_MODE(l->lvt[0]);
}

/* Counts since the initial count was written; the current count derives from it. */
static u32 timer_ccr(const struct vlapic *l, u64 now)
{
	u64 ticks;

	if (!l->timer_counting || !l->timer_icr)
		return 0;
	ticks = (now - l->timer_start) / timer_divisor(l);
	if (timer_mode(l) == LVT_TIMER_PERIODIC)
		return l->timer_icr - (u32)(ticks % l->timer_icr);
	return ticks >= l->timer_icr ? 0 : l->timer_icr - (u32)ticks;
}

/* Start counting down @count from @now, with the current divide value. */
static void timer_load(struct vlapic *l, u32 count, u64 now)
{
	l->timer_counting = count != 0;
	l->timer_start = now;
	l->timer_deadline = count ? now + count * timer_divisor(l) : 0;
}

static void timer_disarm(struct vlapic *l)
{
	l->timer_counting = false;
	l->timer_deadline = 0;
	l->tsc_deadline = 0;
}

bool vlapic_read(struct vlapic *l, u32 off, u64 now, u32 *val)
{
	bool x2 = vlapic_x2apic(l);

	if (off >= APIC_REG_ISR && off < APIC_REG_ISR + 0x80) {
		*val = l->isr[(off - APIC_REG_ISR) >> 4];
		return true;
	}
	if (off >= APIC_REG_TMR && off < APIC_REG_TMR + 0x80) {
		*val = l->tmr[(off - APIC_REG_TMR) >> 4];
		return true;
	}
	if (off >= APIC_REG_IRR && off < APIC_REG_IRR + 0x80) {
		*val = l->irr[(off - APIC_REG_IRR) >> 4];
		return true;
	}
	if (off >= APIC_REG_LVT_TIMER && off <= APIC_REG_LVT_ERROR) {
		*val = l->lvt[(off - APIC_REG_LVT_TIMER) >> 4];
		return true;
	}
	switch (off) {
	case APIC_REG_ID:
		*val = x2 ? l->id : l->id << 24;
		return true;
	case APIC_REG_VERSION:
		*val = APIC_VERSION;
		return true;
	case APIC_REG_TPR:
		*val = l->tpr;
		return true;
	case APIC_REG_PPR:
		*val = ppr(l);
		return true;
	case APIC_REG_LDR:
		/* x2APIC: cluster ID in 31:16, one bit of 16 in 15:0. */
		*val = x2 ? ((l->id >> 4) << 16) | (1U << (l->id & 15)) : l->ldr;
		return true;
	case APIC_REG_DFR:
		if (x2)
			return false;
		*val = l->dfr;
		return true;
	case APIC_REG_SVR:
		*val = l->svr;
		return true;
	case APIC_REG_ESR:
		*val = l->esr;
		return true;
	case APIC_REG_ICR_LO:
		*val = l->icr_lo & ~BIT(12); /* delivery is immediate: status always idle */
		return true;
	case APIC_REG_ICR_HI:
		if (x2)
			return false;
		*val = l->icr_hi;
		return true;
	case APIC_REG_TIMER_ICR:
		*val = l->timer_icr;
		return true;
	case APIC_REG_TIMER_CCR:
		*val = timer_mode(l) == LVT_TIMER_TSCDEADLINE ? 0 : timer_ccr(l, now);
		return true;
	case APIC_REG_TIMER_DCR:
		*val = l->timer_dcr;
		return true;
	case APIC_REG_EOI:
	case APIC_REG_SELF_IPI:
		/* Write-only; xAPIC reads of EOI return 0, x2APIC reads #GP. */
		*val = 0;
		return !x2;
	default:
		return false;
	}
}

/* Returns the vector it ended if that one was level-triggered, else -1. */
static int eoi(struct vlapic *l)
{
	int v = highest(l->isr);

	if (v < 0)
		return -1;
	l->isr[v / 32] &= ~BIT(v % 32);
	return l->tmr[v / 32] & BIT(v % 32) ? v : -1;
}

/*
 * LVT writes.  A software-disabled APIC keeps every entry masked.  Moving
 * the timer into or out of TSC-deadline mode disarms it (SDM Vol. 3,
 * 11.5.4.1); between one-shot and periodic the count goes on.
 */
static void write_lvt(struct vlapic *l, unsigned i, u32 val)
{
	if (!(l->svr & APIC_SVR_ENABLE))
		val |= LVT_MASKED;
	if (i == 0 && (LVT_TIMER_MODE(val) == LVT_TIMER_TSCDEADLINE) !=
			      (timer_mode(l) == LVT_TIMER_TSCDEADLINE))
		timer_disarm(l);
	l->lvt[i] = val;
}

/* A new divide value mid-count keeps the current count and goes on at the new rate. */
static void write_dcr(struct vlapic *l, u32 val, u64 now)
{
	u32 left = timer_ccr(l, now);
	bool counting = l->timer_counting && timer_mode(l) != LVT_TIMER_TSCDEADLINE;

	l->timer_dcr = val & 0xb;
	if (!counting)
		return;
	timer_load(l, left, now);
	l->timer_start -= (u64)(l->timer_icr - left) * timer_divisor(l);
}

bool vlapic_write(struct vlapic *l, u32 off, u32 val, u64 now, struct apic_ipi *ipi)
{
	bool x2 = vlapic_x2apic(l);

	ipi->send = false;
	ipi->level_eoi = -1;
	/* An expiry due before this write happened before it: the write must not lose it. */
	vlapic_timer_poll(l, now);
	if (off >= APIC_REG_LVT_TIMER && off <= APIC_REG_LVT_ERROR) {
		write_lvt(l, (off - APIC_REG_LVT_TIMER) >> 4, val);
		return true;
	}
	switch (off) {
	case APIC_REG_ID:
		if (x2)
			return false; /* read-only in x2APIC mode */
		l->id = val >> 24;
		return true;
	case APIC_REG_TPR:
		l->tpr = val & 0xff;
		return true;
	case APIC_REG_EOI:
		ipi->level_eoi = eoi(l);
		return true;
	case APIC_REG_LDR:
		if (x2)
			return false;
		l->ldr = val & 0xff000000;
		return true;
	case APIC_REG_DFR:
		if (x2)
			return false;
		l->dfr = val | 0x0fffffff;
		return true;
	case APIC_REG_SVR:
		l->svr = val & 0x1ff;
		if (!(val & APIC_SVR_ENABLE)) /* software disable masks every LVT entry */
			for (unsigned i = 0; i < ARRAY_SIZE(l->lvt); i++)
				l->lvt[i] |= LVT_MASKED;
		return true;
	case APIC_REG_ESR:
		l->esr = 0;
		return true;
	case APIC_REG_ICR_HI:
		if (x2)
			return false;
		l->icr_hi = val;
		return true;
	case APIC_REG_ICR_LO:
		l->icr_lo = val;
		ipi->send = true;
		ipi->icr = val;
		ipi->dest = x2 ? 0 : l->icr_hi >> 24; /* x2APIC: the caller supplies it */
		return true;
	case APIC_REG_SELF_IPI:
		if (!x2)
			return false;
		ipi->send = true;
		ipi->icr = (val & 0xff) | (ICR_SH_SELF << 18);
		ipi->dest = l->id;
		return true;
	case APIC_REG_TIMER_ICR:
		if (timer_mode(l) == LVT_TIMER_TSCDEADLINE)
			return true; /* ignored in TSC-deadline mode */
		l->timer_icr = val;
		timer_load(l, val, now);
		return true;
	case APIC_REG_TIMER_DCR:
		write_dcr(l, val, now);
		return true;
	default:
		return false;
	}
}

bool vlapic_set_base(struct vlapic *l, u64 val)
{
	u64 old = l->base_msr;
	bool en = val & APIC_BASE_EN, x2 = val & APIC_BASE_EXTD;

	/* Reserved bits; the base address itself cannot be moved here. */
	if (val & ~(0xfffff000ULL | APIC_BASE_BSP | APIC_BASE_EXTD | APIC_BASE_EN))
		return false;
	if ((val & ~0xfffULL) != APIC_DEFAULT_BASE)
		return false;
	if (x2 && !en)
		return false; /* EXTD without EN is invalid */
	if ((old & APIC_BASE_EXTD) && !x2 && en)
		return false; /* x2APIC -> xAPIC must go through disabled */
	if (!(old & APIC_BASE_EN) && x2)
		return false; /* disabled -> x2APIC must go through xAPIC */
	l->base_msr = (val & ~APIC_BASE_BSP) | (old & APIC_BASE_BSP);
	if (!en) {
		/* Disabling resets the APIC's state, as on hardware; the ID survives. */
		u32 id = l->id;
		u64 base = l->base_msr;

		vlapic_reset(l, id, old & APIC_BASE_BSP);
		l->base_msr = base;
	}
	return true;
}

bool vlapic_match(const struct vlapic *l, u32 dest, bool x2apic_dest)
{
	return x2apic_dest ? dest == l->id : (dest & 0xff) == (l->id & 0xff);
}

u64 vlapic_tsc_deadline(const struct vlapic *l)
{
	return timer_mode(l) == LVT_TIMER_TSCDEADLINE ? l->tsc_deadline : 0;
}

void vlapic_set_tsc_deadline(struct vlapic *l, u64 guest_val, u64 host_deadline)
{
	/* The caller has polled the timer: an old deadline already passed has fired. */
	if (timer_mode(l) != LVT_TIMER_TSCDEADLINE)
		return;
	l->tsc_deadline = guest_val;
	/* A deadline in the past fires at once; 0 (the disarmed value) must not mean "never". */
	l->timer_deadline = guest_val ? MAX(host_deadline, 1) : 0;
}

u64 vlapic_timer_poll(struct vlapic *l, u64 now)
{
	u32 lvt = l->lvt[0];

	if (!l->timer_deadline || now < l->timer_deadline)
		return l->timer_deadline;
	if (!(lvt & LVT_MASKED))
		vlapic_post(l, (u8)lvt);
	if (timer_mode(l) == LVT_TIMER_PERIODIC && l->timer_counting) {
		/* Expiries missed while the vCPU was not running coalesce into this one. */
		u64 period = l->timer_icr * timer_divisor(l);

		l->timer_deadline += ((now - l->timer_deadline) / period + 1) * period;
	} else {
		timer_disarm(l); /* one-shot: the count stays at 0; TSC deadline: the MSR reads 0 */
	}
	return l->timer_deadline;
}

bool vlapic_match_logical(const struct vlapic *l, u32 dest, bool x2apic_dest)
{
	u32 ldr;

	if (x2apic_dest) {
		ldr = ((l->id >> 4) << 16) | (1U << (l->id & 15));
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}
	ldr = l->ldr >> 24;
	dest &= 0xff;
	if ((l->dfr >> 28) == 0xf) /* flat: one bit per APIC */
		return dest & ldr;
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf); /* cluster */
}

void vlapic_post_trig(struct vlapic *l, u8 vector, bool level)
{
	if (!(l->base_msr & APIC_BASE_EN))
		return;
	if (vector < 16) {
		/* Vectors 0-15 are never accepted; any CPU may be the sender. */
		__atomic_fetch_or(&l->esr, APIC_ESR_RECV_ILLEGAL, __ATOMIC_RELAXED);
		return;
	}
	/* The trigger mode first: the owner reads it once it sees the IRR bit. */
	if (level)
		__atomic_fetch_or(&l->tmr[vector / 32], BIT(vector % 32), __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(&l->tmr[vector / 32], ~BIT(vector % 32), __ATOMIC_SEQ_CST);
	__atomic_fetch_or(&l->irr[vector / 32], BIT(vector % 32), __ATOMIC_SEQ_CST);
	__atomic_store_n(&l->irr_any, 1, __ATOMIC_SEQ_CST);
}

int vlapic_pending(struct vlapic *l)
{
	int v;

	if (!vlapic_maybe_pending(l))
		return -1;
	v = highest(l->irr);
	if (v < 0) {
		/* Empty: clear the hint, then look again for a post that raced the clear. */
		__atomic_store_n(&l->irr_any, 0, __ATOMIC_SEQ_CST);
		v = highest(l->irr);
		if (v < 0)
			return -1;
		__atomic_store_n(&l->irr_any, 1, __ATOMIC_SEQ_CST);
	}

	if (v < 0 || !vlapic_enabled(l))
		return -1;
	if (((u32)v & 0xf0) <= (ppr(l) & 0xf0))
		return -1;
	return v;
}

void vlapic_ack(struct vlapic *l, u8 vector)
{
	__atomic_fetch_and(&l->irr[vector / 32], ~BIT(vector % 32), __ATOMIC_SEQ_CST);
	l->isr[vector / 32] |= BIT(vector % 32);
}
