// SPDX-License-Identifier: MIT
/*
 * Virtual I/O APIC (Intel 82093AA data sheet, section 3: IOREGSEL and
 * IOWIN, 3.2.1 IOAPICID, 3.2.2 IOAPICVER, 3.2.3 IOAPICARB, 3.2.4
 * IOREDTBL).  Delivery is immediate, so the delivery status bit always
 * reads idle.
 */
#include "vmm/vioapic.h"
#include "lib/string.h"

#define REG_ID	    0x00
#define REG_VERSION 0x01
#define REG_ARB	    0x02
#define REG_REDIR   0x10 /* 0x10 + 2n: entry n, low dword; 0x11 + 2n: high */
#define VERSION	    (((IOAPIC_PINS - 1) << 16) | 0x11) /* max entry 23, version 0x11 */

#define RTE_VECTOR(e)	((u8)(e))
#define RTE_DELIVERY(e) (((e) >> 8) & 7)
#define RTE_LOGICAL	BIT(11)
#define RTE_ACTIVE_LOW	BIT(13)
#define RTE_REMOTE_IRR	BIT(14)
#define RTE_LEVEL	BIT(15)
#define RTE_MASKED	BIT(16)
#define RTE_DEST(e)	((u8)((e) >> 56))
/* What a write can change: bits 12 (delivery status) and 14 (remote IRR) are read-only. */
#define RTE_WRITABLE (0xffULL << 56 | RTE_MASKED | RTE_LEVEL | RTE_ACTIVE_LOW | RTE_LOGICAL | 0x7ff)

#define DM_FIXED  0
#define DM_LOWEST 1

void vioapic_reset(struct vioapic *io, u32 id)
{
	void (*send)(void *, const struct ioapic_msg *) = io->send;
	void *ctx = io->ctx;

	/* A reset of the device keeps its wiring to the local APICs. */
	memset(io, 0, sizeof(*io));
	io->send = send;
	io->ctx = ctx;
	io->id = id & 0xf;
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		io->redir[i] = RTE_MASKED;
}

/* The pin is at its active level: the polarity bit says which level that is. */
static bool active(const struct vioapic *io, unsigned pin)
{
	bool high = io->levels & BIT(pin);

	return io->redir[pin] & RTE_ACTIVE_LOW ? !high : high;
}

/*
 * Level semantics (remote IRR, resend after EOI) apply to fixed and
 * lowest-priority entries only: the data sheet says NMI, INIT and ExtINT
 * are treated as edge-triggered whatever the trigger bit.
 */
static bool level_pin(u64 e)
{
	return (e & RTE_LEVEL) && RTE_DELIVERY(e) <= DM_LOWEST;
}

/* Send entry @pin's message; returns false if its delivery mode is not emulated. */
static bool send(struct vioapic *io, unsigned pin)
{
	static const char *const unsupported[8] = {
		[2] = "SMI delivery mode",
		[3] = "reserved delivery mode 3",
		[6] = "reserved delivery mode 6",
	};
	u64 e = io->redir[pin];
	struct ioapic_msg m = {
		.vector = RTE_VECTOR(e),
		.delivery = RTE_DELIVERY(e),
		.logical = e & RTE_LOGICAL,
		.level = level_pin(e),
		.dest = RTE_DEST(e),
	};

	if (unsupported[m.delivery]) {
		io->unsupported = unsupported[m.delivery];
		return false;
	}
	if (io->send)
		io->send(io->ctx, &m);
	return true;
}

/* A level pin sends while active and unmasked, once per EOI (remote IRR). */
static void level_update(struct vioapic *io, unsigned pin)
{
	u64 e = io->redir[pin];

	if (!level_pin(e) || (e & (RTE_MASKED | RTE_REMOTE_IRR)) || !active(io, pin))
		return;
	if (send(io, pin))
		io->redir[pin] |= RTE_REMOTE_IRR;
}

static u32 read_reg(const struct vioapic *io, u32 index)
{
	switch (index) {
	case REG_ID:
	case REG_ARB: /* the arbitration ID follows the ID */
		return io->id << 24;
	case REG_VERSION:
		return VERSION;
	}
	if (index >= REG_REDIR && index < REG_REDIR + 2 * IOAPIC_PINS) {
		u64 e = io->redir[(index - REG_REDIR) / 2];

		return index & 1 ? (u32)(e >> 32) : (u32)e;
	}
	return 0; /* no register at this index: our choice, the data sheet leaves it undefined */
}

static void write_redir(struct vioapic *io, unsigned pin, bool high, u32 val)
{
	u64 e = io->redir[pin];

	if (high)
		e = (e & 0xffffffffULL) | (u64)val << 32;
	else
		e = (e & ~0xffffffffULL) | val;
	e = (e & RTE_WRITABLE) | (io->redir[pin] & RTE_REMOTE_IRR);
	/*
	 * Remote IRR means nothing for an edge entry; clearing it here is what
	 * lets a guest end a level interrupt on an I/O APIC without an EOI
	 * register (version 0x11) by flipping the entry to edge and back, as
	 * Linux does.  (An entry turned NMI/INIT/ExtINT is edge too.)
	 */
	if (!level_pin(e))
		e &= ~RTE_REMOTE_IRR;
	io->redir[pin] = e;
	/* Unmasking an asserted level pin sends; an edge seen while masked stays lost. */
	level_update(io, pin);
}

u32 vioapic_read(struct vioapic *io, u32 off)
{
	if (off == 0x00)
		return io->index;
	if (off == 0x10)
		return read_reg(io, io->index);
	return 0;
}

void vioapic_write(struct vioapic *io, u32 off, u32 val)
{
	u32 index = io->index;

	if (off == 0x00) {
		io->index = val & 0xff;
		return;
	}
	if (off != 0x10)
		return;
	if (index == REG_ID)
		io->id = (val >> 24) & 0xf;
	else if (index >= REG_REDIR && index < REG_REDIR + 2 * IOAPIC_PINS)
		write_redir(io, (index - REG_REDIR) / 2, index & 1, val);
	/* the version and arbitration registers are read-only */
}

void vioapic_set_irq(struct vioapic *io, unsigned pin, bool level)
{
	bool was_active;
	u64 e;

	if (pin >= IOAPIC_PINS)
		return;
	was_active = active(io, pin);
	io->levels = level ? io->levels | (u32)BIT(pin) : io->levels & ~(u32)BIT(pin);
	e = io->redir[pin];
	if (level_pin(e))
		level_update(io, pin);
	else if (!(e & RTE_MASKED) && !was_active && active(io, pin))
		send(io, pin);
}

void vioapic_eoi(struct vioapic *io, u8 vector)
{
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		u64 e = io->redir[pin];

		if (!level_pin(e) || RTE_VECTOR(e) != vector || !(e & RTE_REMOTE_IRR))
			continue;
		io->redir[pin] = e & ~RTE_REMOTE_IRR;
		level_update(io, pin);
	}
}
