/* SPDX-License-Identifier: MIT */
/*
 * The virtual 8259A PIC pair of a VM (master at 0x20/0x21, slave at
 * 0xa0/0xa1 on the master's IRQ 2), per the Intel 8259A data sheet: the
 * ICW1-ICW4 initialisation sequence, OCW1 masks, OCW2 EOIs (non-specific
 * and specific; rotation is refused loudly), OCW3 IRR/ISR reads and
 * poll, edge-triggered inputs (and level-triggered ones as ELCR 0x4d0/
 * 0x4d1 says), fixed priority, spurious IRQ 7/15.  Pure: the VM's I/O
 * path calls it under the VM lock; host tests drive it directly.
 */
#ifndef VMM_VPIC_H
#define VMM_VPIC_H

#include "lib/types.h"

struct pic8259 {
	u8 irr, isr, imr;
	u8 lines; /* input levels as last set (for edge detection) */
	u8 elcr; /* level-triggered inputs (ELCR) */
	u8 vector_base; /* ICW2 & 0xf8 */
	u8 init_step; /* 0: initialised; 1..3: expecting ICW2..ICW4 */
	bool icw4_needed, single; /* ICW1 bits 0 and 1: whether ICW4 and ICW3 come */
	bool auto_eoi, read_isr, poll, special_mask;
};

struct vpic {
	struct pic8259 chip[2]; /* master, slave */
	/* Set when the guest used a mode not emulated (for one log line). */
	const char *unsupported;
};

void vpic_reset(struct vpic *p);
/* @port is 0x20, 0x21, 0xa0, 0xa1, 0x4d0 or 0x4d1; anything else reads 0xff. */
u8 vpic_read(struct vpic *p, u16 port);
void vpic_write(struct vpic *p, u16 port, u8 val);
/* ISA IRQ @irq (0-15) is now at @level; a rising edge latches IRR. */
void vpic_set_irq(struct vpic *p, unsigned irq, bool level);
/* Is the master's INTR output asserted (an unmasked request above what is in service)? */
bool vpic_intr(const struct vpic *p);
/* Interrupt acknowledge: the vector, IRR -> ISR (through the cascade); spurious 7/15 if none. */
u8 vpic_ack(struct vpic *p);

#endif
