// SPDX-License-Identifier: MIT
/*
 * The virtual 8254 (see vpit.h), after the Intel 8254 data sheet.  A
 * channel's state is its count as a function of time: ticks at PIT_HZ
 * since counting started, from which the counter value, the OUT level
 * and the times of OUT's rising edges all follow, so nothing needs to
 * run while the guest does not look.  TSC <-> tick conversions go
 * through a 128-bit product (lib/muldiv.h: the VMM has no libgcc for
 * __int128 division), so years of uptime at 5 GHz do not overflow.
 *
 * Where this differs from the data sheet:
 *  - a count is loaded at once, not on the next clock: mode 0's OUT
 *    rises N clocks after the count is written, not N + 1;
 *  - a new count in modes 2 and 3 restarts the period at once instead of
 *    waiting for the current one to end (only a rate change mid-period
 *    could tell);
 *  - modes 1, 4 and 5 count as mode 0, BCD as binary (both reported).
 */
#include "vmm/vpit.h"
#include "lib/muldiv.h"
#include "lib/string.h"

#define GATE2	     BIT(0) /* port 0x61 */
#define SPEAKER	     BIT(1)
#define REFRESH	     BIT(4) /* toggles every 15.085 us (DRAM refresh request) */
#define OUT2	     BIT(5)
#define REFRESH_HZ   66290 /* 1 / 15.085 us */
#define ACCESS_LATCH 0
#define ACCESS_LSB   1
#define ACCESS_MSB   2
#define ACCESS_WORD  3

void vpit_reset(struct vpit *p, u64 tsc_hz)
{
	memset(p, 0, sizeof(*p));
	/* An unknown rate (0) would make every count expire at once; count at the PIT's own. */
	p->tsc_hz = tsc_hz ? tsc_hz : PIT_HZ;
	for (int i = 0; i < 3; i++)
		p->ch[i].access = ACCESS_WORD;
}

/* Channels 0 and 1 are always gated on; channel 2 by port 0x61 bit 0. */
static bool gated(const struct vpit *p, const struct vpit_channel *c)
{
	return c != &p->ch[2] || (p->port61 & GATE2);
}

static u64 ticks(const struct vpit *p, const struct vpit_channel *c, u64 now)
{
	if (!c->counting)
		return 0;
	if (!gated(p, c) || now < c->start)
		return c->base_ticks;
	return c->base_ticks + mul_div(now - c->start, PIT_HZ, p->tsc_hz);
}

/* The host TSC at which a running channel reaches @t ticks (rounded up: never early). */
static u64 tsc_at(const struct vpit *p, const struct vpit_channel *c, u64 t)
{
	u64 d = mul_div_up(t - c->base_ticks, p->tsc_hz, PIT_HZ);

	return d > ~0ULL - c->start ? ~0ULL : c->start + d;
}

static bool periodic(const struct vpit_channel *c)
{
	return c->mode == 2 || c->mode == 3;
}

/*
 * OUT: mode 0 low from the count until it reaches 0, then high; mode 2
 * high but for the one clock when the count is 1; mode 3 high for the
 * first half of each period, low for the second.  Before a count, and in
 * modes 2 and 3 while the gate is low, OUT is high (low in mode 0).
 */
static bool out(const struct vpit *p, const struct vpit_channel *c, u64 now)
{
	u64 t = ticks(p, c, now), h;

	if (!c->counting)
		return periodic(c);
	if (!periodic(c))
		return t >= c->reload;
	if (!gated(p, c))
		return true;
	h = t % c->reload;
	return c->mode == 2 ? h != c->reload - 1 : h < (c->reload + 1) / 2;
}

/* What the counter holds: modes 2 and 3 reload, mode 0 wraps past 0 to 0xffff. */
static u16 count(const struct vpit *p, const struct vpit_channel *c, u64 now)
{
	u64 t = ticks(p, c, now), h;

	if (!c->counting)
		return (u16)c->reload;
	if (!periodic(c))
		return (u16)(c->reload - t);
	h = t % c->reload;
	if (c->mode == 2)
		return (u16)(c->reload - h);
	/*
	 * Mode 3 counts down by two from the count (less one if odd), once
	 * for each half of the period: (N + 1) / 2 clocks high, then low.
	 */
	if (h >= (c->reload + 1) / 2)
		h -= (c->reload + 1) / 2;
	return (u16)((c->reload & ~1u) - 2 * h);
}

static void owe(struct vpit *p, u64 n)
{
	p->owed = n > ~0U - p->owed ? ~0U : p->owed + (unsigned)n;
}

/*
 * Channel 0's rising edges up to @now (mode 0: the one at terminal
 * count; modes 2, 3: one per period) go to p->owed.  Done before every
 * write, so a write that reprograms the channel cannot lose an edge
 * that was due before it.
 */
static void account(struct vpit *p, u64 now)
{
	struct vpit_channel *c = &p->ch[0];
	u64 t, total;

	if (!c->counting)
		return;
	t = ticks(p, c, now);
	total = periodic(c) ? t / c->reload : t >= c->reload;
	/* Never back: @now may be a little behind (another CPU's TSC). */
	if (total > c->edges) {
		owe(p, total - c->edges);
		c->edges = total;
	}
}

/* Channel 0's next rising edge: now if some are owed, else the first one not accounted. */
static void update_next_irq(struct vpit *p, u64 now)
{
	struct vpit_channel *c = &p->ch[0];

	if (p->owed)
		c->next_irq = now ? now : 1;
	else if (!c->counting)
		c->next_irq = 0;
	else if (!periodic(c))
		c->next_irq = c->edges ? 0 : tsc_at(p, c, c->reload);
	else
		c->next_irq = tsc_at(p, c, (c->edges + 1) * c->reload);
}

unsigned vpit_poll(struct vpit *p, u64 now)
{
	unsigned n;

	account(p, now);
	n = p->owed; /* saturated: the caller only raises IRQ 0 once anyway */
	p->owed = 0;
	update_next_irq(p, now);
	return n;
}

static void start_counting(struct vpit_channel *c, u64 now)
{
	c->counting = true;
	c->start = now;
	c->base_ticks = 0;
	c->edges = 0;
}

static void write_count(struct vpit_channel *c, u8 val, u64 now)
{
	u32 n;

	switch (c->access) {
	case ACCESS_LSB:
		n = val;
		break;
	case ACCESS_MSB:
		n = (u32)val << 8;
		break;
	default:
		c->write_msb = !c->write_msb;
		if (c->write_msb) {
			/* The first byte of a new count: mode 0 stops until the second. */
			c->write_lsb = val;
			if (!periodic(c))
				c->counting = false;
			return;
		}
		n = c->write_lsb | (u32)val << 8;
	}
	/*
	 * A new count starts now.  (The data sheet has modes 2 and 3 take it
	 * at the end of the current period; restarting at once differs only
	 * for a guest that changes the rate mid-period.)
	 */
	c->reload = n ? n : 0x10000;
	start_counting(c, now);
}

static void latch_count(const struct vpit *p, struct vpit_channel *c, u64 now)
{
	if (c->latched)
		return; /* a latched value holds until it is read */
	c->latched = true;
	c->latch = count(p, c, now);
	c->read_msb = false;
}

/* Read-back: bits 5 (0: latch the counts) and 4 (0: latch the status), channels in 3:1. */
static void read_back(struct vpit *p, u8 val, u64 now)
{
	for (int i = 0; i < 3; i++) {
		struct vpit_channel *c = &p->ch[i];

		if (!(val & BIT(i + 1)))
			continue;
		if (!(val & BIT(5)))
			latch_count(p, c, now);
		if (!(val & BIT(4)) && !c->status_latched) {
			c->status_latched = true;
			/* OUT, null count (no count loaded since the control word), the control word. */
			c->status = (u8)((out(p, c, now) ? 0x80 : 0) | (c->counting ? 0 : 0x40) |
					 c->ctrl);
		}
	}
}

static void write_control(struct vpit *p, u8 val, u64 now)
{
	unsigned sel = val >> 6, access = (val >> 4) & 3, mode = (val >> 1) & 7;
	struct vpit_channel *c;
	bool was_high;

	if (sel == 3) {
		read_back(p, val, now);
		return;
	}
	c = &p->ch[sel];
	if (access == ACCESS_LATCH) {
		latch_count(p, c, now);
		return;
	}
	if (val & 1)
		p->unsupported = "BCD counting (the count is binary)";
	if (mode > 5)
		mode -= 4; /* 6 and 7 are 2 and 3 */
	if (mode == 1 || mode == 4 || mode == 5)
		p->unsupported = "8254 modes 1, 4 and 5 (counted as mode 0)";
	was_high = out(p, c, now);
	memset(c, 0, sizeof(*c));
	c->access = (u8)access;
	c->mode = (u8)(mode == 2 || mode == 3 ? mode : 0);
	c->ctrl = val & 0x3f;
	c->reload = 0x10000;
	/* The control word sets OUT to its initial level: high in modes 2, 3, a rising edge if it was low. */
	if (sel == 0 && !was_high && periodic(c))
		owe(p, 1);
}

void vpit_write(struct vpit *p, u16 port, u8 val, u64 now)
{
	struct vpit_channel *c2 = &p->ch[2];

	account(p, now);
	if (port == 0x43) {
		write_control(p, val, now);
	} else if (port >= 0x40 && port <= 0x42) {
		write_count(&p->ch[port - 0x40], val, now);
	} else if (port == 0x61) {
		bool was = p->port61 & GATE2, now_on = val & GATE2;

		if (was && !now_on && c2->counting) /* gate falls: mode 0 pauses */
			c2->base_ticks = ticks(p, c2, now);
		if (!was && now_on && c2->counting) {
			c2->start = now; /* gate rises: mode 0 goes on, modes 2 and 3 restart */
			if (periodic(c2))
				c2->base_ticks = 0;
		}
		p->port61 = val & (GATE2 | SPEAKER);
	}
	update_next_irq(p, now);
}

static u8 read_byte(struct vpit_channel *c, u16 v)
{
	switch (c->access) {
	case ACCESS_LSB:
		c->latched = false;
		return (u8)v;
	case ACCESS_MSB:
		c->latched = false;
		return (u8)(v >> 8);
	default:
		c->read_msb = !c->read_msb;
		if (!c->read_msb)
			c->latched = false; /* both bytes of a latched value read */
		return c->read_msb ? (u8)v : (u8)(v >> 8);
	}
}

u8 vpit_read(struct vpit *p, u16 port, u64 now)
{
	if (port >= 0x40 && port <= 0x42) {
		struct vpit_channel *c = &p->ch[port - 0x40];

		if (c->status_latched) {
			c->status_latched = false;
			return c->status;
		}
		return read_byte(c, c->latched ? c->latch : count(p, c, now));
	}
	if (port == 0x61) {
		bool refresh = mul_div(now, REFRESH_HZ, p->tsc_hz) & 1;

		return (u8)(p->port61 | (refresh ? REFRESH : 0) |
			    (out(p, &p->ch[2], now) ? OUT2 : 0));
	}
	return 0xff; /* the control word register cannot be read */
}
