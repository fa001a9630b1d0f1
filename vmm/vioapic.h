/* SPDX-License-Identifier: MIT */
/*
 * The virtual I/O APIC of a VM (82093AA data sheet; MMIO at 0xfec00000:
 * IOREGSEL at offset 0x00, IOWIN at 0x10): ID, version (0x11, 24 pins),
 * arbitration ID, and 24 redirection entries with vector, delivery mode
 * (fixed, lowest priority, NMI, INIT, ExtINT), destination mode and
 * destination, polarity, trigger mode, mask and remote IRR.  A pin is
 * asserted when its electrical level is the entry's active one (bit 13:
 * 1 = active low).  Edge pins send on the edge into the asserted state
 * while unmasked (an edge while masked is lost, as on hardware); level
 * pins (fixed and lowest priority; NMI, INIT and ExtINT are always edge)
 * send while asserted, unmasked and remote IRR is clear, and set remote
 * IRR until the local APIC's EOI of the vector.  SMI and the reserved
 * delivery modes are not sent but named in @unsupported.  All pins are
 * electrically low after reset.
 * Pure: messages go out through the send callback (the VM turns them
 * into posts to its vCPUs' local APICs).
 */
#ifndef VMM_VIOAPIC_H
#define VMM_VIOAPIC_H

#include "lib/types.h"

#define IOAPIC_BASE 0xfec00000ULL
#define IOAPIC_PINS 24

/* What a redirection entry sends. */
struct ioapic_msg {
	u8 vector;
	u8 delivery; /* 0 fixed, 1 lowest priority, 4 NMI, 5 INIT, 7 ExtINT */
	bool logical; /* destination mode */
	bool level; /* trigger mode: the local APIC must report its EOI */
	u8 dest; /* bits 63:56 of the entry */
};

struct vioapic {
	u32 id; /* bits 27:24 of the ID register */
	u32 index; /* IOREGSEL */
	u64 redir[IOAPIC_PINS];
	u32 levels; /* the pins' electrical levels now, one bit each */
	void (*send)(void *ctx, const struct ioapic_msg *m);
	void *ctx;
	const char *unsupported; /* set when an entry asked for a delivery mode not emulated */
};

/* Everything masked, all pins low; keeps send and ctx.  The ID register holds @id bits 3:0. */
void vioapic_reset(struct vioapic *io, u32 id);
/*
 * 32-bit accesses at @off (0x00 or 0x10) within the page; other offsets
 * read 0, writes are dropped.  An index with no register (0x03-0x0f,
 * 0x40-0xff) reads 0 through IOWIN; writes to it are dropped.
 */
u32 vioapic_read(struct vioapic *io, u32 off);
void vioapic_write(struct vioapic *io, u32 off, u32 val);
/* Pin @pin (GSI) is now at electrical @level; the entry's polarity says if that is active. */
void vioapic_set_irq(struct vioapic *io, unsigned pin, bool level);
/* A local APIC EOI'd @vector, which it took as level-triggered: clear remote IRR, resend if still asserted. */
void vioapic_eoi(struct vioapic *io, u8 vector);

#endif
