// SPDX-License-Identifier: MIT
/*
 * The virtual 8259A pair (see vpic.h), after the Intel 8259A data sheet.
 *
 * Priority is fixed (IR0 highest); rotation and set-priority are
 * reported through `unsupported`.  ICW1's LTIM (level mode for all
 * inputs) is refused loudly too: on a PC the ELCR decides, per input.
 * Edge requests are latched in IRR (the data sheet wants the line held
 * until INTA; the VMM pulses IRQ 0, so the latch must hold the pulse).
 */
#include "vmm/vpic.h"
#include "lib/string.h"

#define ICW1	    BIT(4) /* on the command port: starts initialisation */
#define ICW1_IC4    BIT(0)
#define ICW1_SNGL   BIT(1)
#define ICW1_LTIM   BIT(3)
#define ICW4_8086   BIT(0)
#define ICW4_AEOI   BIT(1)
#define OCW3	    BIT(3) /* bits 4:3 = 01 */
#define OCW3_RR	    BIT(1) /* read register: bit 0 picks ISR (1) or IRR (0) */
#define OCW3_POLL   BIT(2)
#define CASCADE_IRQ 2
#define ELCR_EDGE_M 0x07 /* IRQ 0, 1, 2 are always edge-triggered */
#define ELCR_EDGE_S 0x21 /* IRQ 8 and 13 too */

static struct pic8259 *chip_of(struct vpic *p, u16 port)
{
	return &p->chip[(port & 0x80) != 0];
}

/*
 * ICW1: IMR, ISR and the latched edges are cleared (a line already high
 * must fall and rise again to request), and the mode goes back to
 * defaults.  The ELCR belongs to the chipset and the input levels to the
 * devices: both stay.
 */
static void chip_reset(struct pic8259 *c)
{
	u8 elcr = c->elcr, lines = c->lines;

	memset(c, 0, sizeof(*c));
	c->elcr = elcr;
	c->lines = lines;
}

/* Nothing is delivered before the guest (or the VMM's BIOS stand-in) initialises the chips. */
void vpic_reset(struct vpic *p)
{
	memset(p, 0, sizeof(*p));
	p->chip[0].imr = p->chip[1].imr = 0xff;
}

/*
 * IRR as the priority logic sees it: c->irr holds the latched edges of
 * edge inputs only; a level input's IRR bit is its line.
 */
static u8 requests(const struct pic8259 *c)
{
	return (c->irr & ~c->elcr) | (c->lines & c->elcr);
}

/* The highest-priority bit of @bits (IR0 highest: fixed priority), or -1. */
static int highest(u8 bits)
{
	return bits ? __builtin_ctz(bits) : -1;
}

/*
 * In-service levels that hold back requests at their level and below.
 * In special mask mode a masked one does not, so lower levels get
 * through (and a non-specific EOI does not end it).
 */
static u8 in_service(const struct pic8259 *c)
{
	return c->special_mask ? c->isr & ~c->imr : c->isr;
}

/* The request this chip presents on INT: unmasked, and above everything in service. */
static int chip_pending(const struct pic8259 *c)
{
	int req = highest(requests(c) & ~c->imr);
	int svc = highest(in_service(c));

	if (c->init_step || req < 0)
		return -1;
	return svc < 0 || req < svc ? req : -1;
}

/*
 * The slave's INT is the master's IR2, as a level: IRR bit 2 follows it
 * whatever the ELCR says, so a slave request blocked or withdrawn is
 * withdrawn from the master too.  Called after everything that can
 * change the slave's INT.
 */
static void cascade(struct vpic *p)
{
	struct pic8259 *m = &p->chip[0];
	u8 bit = BIT(CASCADE_IRQ);

	if (chip_pending(&p->chip[1]) >= 0) {
		m->lines |= bit;
		m->irr |= bit;
	} else {
		m->lines &= ~bit;
		m->irr &= ~bit;
	}
}

bool vpic_intr(const struct vpic *p)
{
	return chip_pending(&p->chip[0]) >= 0;
}

/* IRQ 2 is the cascade, not an ISA line (a PC's bus IRQ 2 is wired to IRQ 9): ignored. */
void vpic_set_irq(struct vpic *p, unsigned irq, bool level)
{
	struct pic8259 *c;
	u8 bit;

	if (irq >= 16 || irq == CASCADE_IRQ)
		return;
	c = &p->chip[irq >= 8];
	bit = BIT(irq & 7);
	if (level && !(c->lines & bit) && !(c->elcr & bit))
		c->irr |= bit; /* a rising edge latches the request */
	if (level)
		c->lines |= bit;
	else
		c->lines &= ~bit;
	cascade(p);
}

/*
 * The INTA cycle on one chip: IRR -> ISR (not in auto-EOI mode, where
 * the second INTA pulse ends it at once); -1 if nothing is presented.
 * The edge latch is consumed; a level input requests again as long as
 * its line stays high.
 */
static int chip_ack(struct pic8259 *c)
{
	int irq = chip_pending(c);

	if (irq < 0)
		return -1;
	c->irr &= ~BIT(irq);
	if (!c->auto_eoi)
		c->isr |= BIT(irq);
	return irq;
}

u8 vpic_ack(struct vpic *p)
{
	struct pic8259 *m = &p->chip[0], *s = &p->chip[1];
	int irq = chip_ack(m);
	u8 vec;

	if (irq < 0)
		return m->vector_base | 7; /* spurious: IR7's vector, nothing in service */
	if (irq != CASCADE_IRQ) {
		vec = m->vector_base | (u8)irq;
	} else {
		int sirq = chip_ack(s);

		/*
		 * The slave's request went away: it answers with its IR7 and
		 * sets nothing, but the master's IR2 stays in service (the
		 * guest's spurious IRQ 15 handler EOIs the master).
		 */
		vec = s->vector_base | (u8)(sirq < 0 ? 7 : sirq);
	}
	cascade(p);
	return vec;
}

static void eoi(struct pic8259 *c, int irq)
{
	if (irq >= 0)
		c->isr &= ~BIT(irq);
}

static void write_icw1(struct vpic *p, struct pic8259 *c, u8 val)
{
	chip_reset(c);
	c->icw4_needed = val & ICW1_IC4;
	c->single = val & ICW1_SNGL;
	c->init_step = 1;
	/* Both are refused, but their sequence is followed: ICW3 is skipped, ICW4 expected. */
	if (c->single)
		p->unsupported = "single (uncascaded) mode";
	if (!c->icw4_needed)
		p->unsupported = "8080/8085 mode (ICW1 without ICW4)";
	if (val & ICW1_LTIM)
		p->unsupported = "level-triggered mode through ICW1 (the ELCR decides)";
}

static void write_ocw3(struct pic8259 *c, u8 val)
{
	if (val & OCW3_RR)
		c->read_isr = val & 1;
	c->poll = val & OCW3_POLL;
	if ((val & 0x60) == 0x60)
		c->special_mask = true;
	else if ((val & 0x60) == 0x40)
		c->special_mask = false;
}

/*
 * OCW2: bits 7:5 are R, SL, EOI.  Priority stays fixed: a rotating EOI
 * still ends the interrupt (so the guest does not hang) and is reported.
 */
static void write_ocw2(struct vpic *p, struct pic8259 *c, u8 val)
{
	switch (val >> 5) {
	case 1: /* non-specific EOI: the highest in service */
	case 5: /* the same, and rotate */
		eoi(c, highest(in_service(c)));
		break;
	case 3: /* specific EOI */
	case 7: /* the same, and rotate */
		eoi(c, val & 7);
		break;
	case 6: /* set priority: lowest to IR7 is the fixed order, nothing to do */
		if ((val & 7) == 7)
			return;
		break;
	case 0: /* clear rotate in auto-EOI mode: nothing rotates anyway */
	case 2: /* no operation */
		return;
	}
	if (val & 0x80)
		p->unsupported = "priority rotation (OCW2 rotate and set-priority commands)";
}

static void write_data(struct vpic *p, struct pic8259 *c, bool slave, u8 val)
{
	switch (c->init_step) {
	case 0:
		c->imr = val; /* OCW1 */
		return;
	case 1:
		c->vector_base = val & 0xf8; /* ICW2 */
		c->init_step = !c->single ? 2 : c->icw4_needed ? 3 : 0;
		return;
	case 2:
		/* ICW3: the master's slave on IR2, the slave's identity 2, as on every PC. */
		if (val != (slave ? CASCADE_IRQ : BIT(CASCADE_IRQ)))
			p->unsupported = "a cascade other than the slave on IR2";
		c->init_step = c->icw4_needed ? 3 : 0;
		return;
	default:
		/* ICW4: buffered and special fully nested modes make no difference here. */
		if (!(val & ICW4_8086))
			p->unsupported = "8080/8085 mode (ICW4 bit 0 clear)";
		c->auto_eoi = val & ICW4_AEOI;
		c->init_step = 0;
	}
}

void vpic_write(struct vpic *p, u16 port, u8 val)
{
	struct pic8259 *c = chip_of(p, port);

	switch (port) {
	case 0x4d0:
	case 0x4d1:
		/* An input turned level drops its edge latch: from now on its line is its request. */
		c = &p->chip[port & 1];
		c->elcr = val & ~(port & 1 ? ELCR_EDGE_S : ELCR_EDGE_M);
		c->irr &= ~c->elcr;
		break;
	case 0x20:
	case 0xa0:
		if (val & ICW1)
			write_icw1(p, c, val);
		else if (val & OCW3)
			write_ocw3(c, val);
		else
			write_ocw2(p, c, val);
		break;
	case 0x21:
	case 0xa1:
		write_data(p, c, port == 0xa1, val);
		break;
	default:
		return;
	}
	cascade(p);
}

u8 vpic_read(struct vpic *p, u16 port)
{
	struct pic8259 *c = chip_of(p, port);
	int irq;

	switch (port) {
	case 0x4d0:
		return p->chip[0].elcr;
	case 0x4d1:
		return p->chip[1].elcr;
	case 0x21:
	case 0xa1:
		return c->imr;
	case 0x20:
	case 0xa0:
		if (c->poll) {
			/*
			 * Poll: the read is this chip's INTA (bit 7: a request,
			 * bits 2:0: its level).  A master reporting 2 leaves
			 * the slave to be polled in turn.
			 */
			c->poll = false;
			irq = chip_ack(c);
			cascade(p);
			return irq < 0 ? 0 : (u8)(0x80 | irq);
		}
		return c->read_isr ? c->isr : requests(c);
	default:
		return 0xff;
	}
}
