/* SPDX-License-Identifier: MIT */
/*
 * The virtual 8254 PIT of a VM (ports 0x40-0x43) and the port 0x61 bits
 * that go with it (channel 2's gate, speaker enable, and channel 2's
 * output in bit 5), per the Intel 8254 data sheet.  Channels count at
 * 1193182 Hz, derived from the host TSC given as @now; modes 0, 2 and 3
 * are emulated (1, 4 and 5 count like mode 0 and are reported through
 * `unsupported`, as is BCD counting), with LSB/MSB/both access, the
 * counter latch and read-back commands.  Channel 0's output drives ISA
 * IRQ 0.  Pure.
 */
#ifndef VMM_VPIT_H
#define VMM_VPIT_H

#include "lib/types.h"

#define PIT_HZ 1193182ULL

struct vpit_channel {
	u8 mode, access; /* control word fields (mode 6, 7 folded to 2, 3; 1, 4, 5 to 0) */
	u8 ctrl; /* control word bits 5:0 as written, for the read-back status */
	bool counting; /* a full count was written since the control word */
	u32 reload; /* the count written, 1-65536 (a written 0 means 65536) */
	u64 start; /* host TSC when counting (re)started from reload */
	u64 base_ticks; /* mode 0 on channel 2: counts done before the gate paused it */
	u64 edges; /* channel 0: rising output edges of this count already accounted */
	bool latched, status_latched;
	u16 latch;
	u8 status;
	bool read_msb, write_msb; /* where an LSB-then-MSB access is */
	u8 write_lsb; /* the LSB written, waiting for the MSB */
	u64 next_irq; /* channel 0: host TSC of the next rising output edge, 0: none */
};

struct vpit {
	struct vpit_channel ch[3];
	u64 tsc_hz;
	u8 port61; /* bits 0 (gate 2) and 1 (speaker) as written */
	/*
	 * Channel 0 edges that happened but vpit_poll() has not returned:
	 * those due before a write reprogrammed the channel, and the edge
	 * of a control word raising OUT.
	 */
	unsigned owed;
	const char *unsupported; /* set when the guest used a mode not emulated */
};

void vpit_reset(struct vpit *p, u64 tsc_hz);
/* Ports 0x40-0x43 and 0x61; @now is the host TSC. */
u8 vpit_read(struct vpit *p, u16 port, u64 now);
void vpit_write(struct vpit *p, u16 port, u8 val, u64 now);
/*
 * Channel 0's rising output edges up to @now (IRQ 0 edges): returns how
 * many happened since the last call (the caller raises IRQ 0 once for
 * any number: the line coalesces) and moves next_irq on.
 */
unsigned vpit_poll(struct vpit *p, u64 now);
/* The host TSC of channel 0's next rising edge, 0 if none is due. */
static inline u64 vpit_next_irq(const struct vpit *p)
{
	return p->ch[0].next_irq;
}

#endif
