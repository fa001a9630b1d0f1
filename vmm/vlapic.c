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

bool vlapic_read(struct vlapic *l, u32 off, u32 *val)
{
	bool x2 = vlapic_x2apic(l);

	if (off >= APIC_REG_ISR && off < APIC_REG_ISR + 0x80) {
		*val = l->isr[(off - APIC_REG_ISR) >> 4];
		return true;
	}
	if (off >= APIC_REG_TMR && off < APIC_REG_TMR + 0x80) {
		*val = 0;
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
		*val = 0; /* no virtual timer yet */
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

static void eoi(struct vlapic *l)
{
	int v = highest(l->isr);

	if (v >= 0)
		l->isr[v / 32] &= ~BIT(v % 32);
}

bool vlapic_write(struct vlapic *l, u32 off, u32 val, struct apic_ipi *ipi)
{
	bool x2 = vlapic_x2apic(l);

	ipi->send = false;
	if (off >= APIC_REG_LVT_TIMER && off <= APIC_REG_LVT_ERROR) {
		l->lvt[(off - APIC_REG_LVT_TIMER) >> 4] = val;
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
		eoi(l);
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
		l->timer_icr = val;
		return true;
	case APIC_REG_TIMER_DCR:
		l->timer_dcr = val & 0xb;
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

void vlapic_post(struct vlapic *l, u8 vector)
{
	if (!(l->base_msr & APIC_BASE_EN))
		return;
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
