// SPDX-License-Identifier: MIT
/* The virtual I/O APIC (see vioapic.h), after the Intel 82093AA data sheet. */
#include "vmm/vioapic.h"
#include "lib/string.h"

#define REG_ID	     0x00
#define REG_VERSION  0x01
#define REG_ARB	     0x02
#define REG_REDIR    0x10
#define VERSION	     (0x11 | (IOAPIC_PINS - 1) << 16)
#define RED_VECTOR   0xffULL
#define RED_DM(e)    (((e) >> 8) & 7)
#define RED_LOGICAL  BIT(11)
#define RED_DELIVS   BIT(12) /* delivery status: read-only */
#define RED_LOW	     BIT(13) /* polarity: active low */
#define RED_RIRR     BIT(14) /* remote IRR: read-only */
#define RED_LEVEL    BIT(15)
#define RED_MASKED   BIT(16)
#define RED_RO	     (RED_DELIVS | RED_RIRR)
#define RED_WRITABLE (0xff000000000000ULL << 8 | 0x1ffffULL)

void vioapic_reset(struct vioapic *io, u32 id)
{
	void (*send)(void *, const struct ioapic_msg *) = io->send;
	void *ctx = io->ctx;

	memset(io, 0, sizeof(*io));
	io->id = id & 0xf;
	io->send = send;
	io->ctx = ctx;
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		io->redir[i] = RED_MASKED;
}

static bool active(const struct vioapic *io, unsigned pin)
{
	bool high = io->levels & BIT(pin);

	return io->redir[pin] & RED_LOW ? !high : high;
}

/* Send pin @pin's message; a level-triggered fixed or lowest-priority one sets remote IRR. */
static void deliver(struct vioapic *io, unsigned pin)
{
	u64 e = io->redir[pin];
	struct ioapic_msg m = {
		.vector = (u8)(e & RED_VECTOR),
		.delivery = (u8)RED_DM(e),
		.logical = e & RED_LOGICAL,
		.level = e & RED_LEVEL,
		.dest = (u8)(e >> 56),
	};

	switch (m.delivery) {
	case 0: /* fixed */
	case 1: /* lowest priority */
		if (m.level)
			io->redir[pin] |= RED_RIRR; /* until the local APIC's EOI */
		break;
	case 4: /* NMI */
	case 5: /* INIT */
	case 7: /* ExtINT */
		m.level = false; /* these have no EOI, so no remote IRR */
		break;
	default:
		io->unsupported = "redirection delivery modes SMI and reserved (2, 3, 6)";
		return;
	}
	if (io->send)
		io->send(io->ctx, &m);
}

/* A level pin sends while it is active, unmasked and not awaiting an EOI. */
static void level_check(struct vioapic *io, unsigned pin)
{
	u64 e = io->redir[pin];

	if ((e & RED_LEVEL) && !(e & (RED_MASKED | RED_RIRR)) && active(io, pin))
		deliver(io, pin);
}

void vioapic_set_irq(struct vioapic *io, unsigned pin, bool level)
{
	bool was;

	if (pin >= IOAPIC_PINS)
		return;
	was = active(io, pin);
	io->levels = level ? io->levels | BIT(pin) : io->levels & ~BIT(pin);
	if (io->redir[pin] & RED_LEVEL) {
		level_check(io, pin);
		return;
	}
	/* Edge: a transition to active, on an unmasked pin (a masked edge is lost). */
	if (!was && active(io, pin) && !(io->redir[pin] & RED_MASKED))
		deliver(io, pin);
}

void vioapic_eoi(struct vioapic *io, u8 vector)
{
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		u64 e = io->redir[pin];

		if ((e & RED_RIRR) && (e & RED_VECTOR) == vector) {
			io->redir[pin] &= ~RED_RIRR;
			level_check(io, pin);
		}
	}
}

u32 vioapic_read(struct vioapic *io, u32 off)
{
	u32 idx = io->index;

	if (off == 0x00)
		return io->index;
	if (off != 0x10)
		return 0;
	switch (idx) {
	case REG_ID:
	case REG_ARB:
		return io->id << 24;
	case REG_VERSION:
		return VERSION;
	}
	if (idx >= REG_REDIR && idx < REG_REDIR + 2 * IOAPIC_PINS) {
		u64 e = io->redir[(idx - REG_REDIR) / 2];

		return idx & 1 ? (u32)(e >> 32) : (u32)e;
	}
	return 0;
}

void vioapic_write(struct vioapic *io, u32 off, u32 val)
{
	u32 idx = io->index;
	unsigned pin;
	u64 e;

	if (off == 0x00) {
		io->index = val & 0xff;
		return;
	}
	if (off != 0x10)
		return;
	if (idx == REG_ID) {
		io->id = (val >> 24) & 0xf;
		return;
	}
	if (idx < REG_REDIR || idx >= REG_REDIR + 2 * IOAPIC_PINS)
		return; /* version, arbitration and reserved registers are read-only */
	pin = (idx - REG_REDIR) / 2;
	e = io->redir[pin];
	if (idx & 1)
		e = (e & 0xffffffffULL) | (u64)val << 32;
	else
		e = (e & ~0xffffffffULL) | val;
	io->redir[pin] = (e & RED_WRITABLE & ~RED_RO) | (io->redir[pin] & RED_RO);
	/* An edge entry never holds remote IRR. */
	if (!(io->redir[pin] & RED_LEVEL))
		io->redir[pin] &= ~RED_RIRR;
	/* Unmasking an active level pin sends it now. */
	level_check(io, pin);
}
