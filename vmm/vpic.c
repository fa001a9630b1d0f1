// SPDX-License-Identifier: MIT
/* The virtual 8259A pair (see vpic.h), after the Intel 8259A data sheet. */
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
#define OCW3_ESMM   BIT(6) /* bits 6:5 = 11 set special mask, 10 clear it */
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

void vpic_reset(struct vpic *p)
{
	memset(p, 0, sizeof(*p));
}

/*
 * IRR as the priority logic sees it: latched edges, plus level inputs
 * that are high now (a level input's IRR bit follows the line).
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
 * The request this chip would present on INTR: unmasked, and above
 * everything in service (in special mask mode only unmasked in-service
 * levels block, so a masked one lets lower levels through).
 */
static int chip_pending(const struct pic8259 *c)
{
	int req = highest(requests(c) & ~c->imr);
	u8 blocking = c->special_mask ? c->isr & ~c->imr : c->isr;
	int svc = highest(blocking);

	if (c->init_step || req < 0)
		return -1;
	return svc < 0 || req < svc ? req : -1;
}

/* The slave's INTR is the master's IR2, a level. */
static void cascade(struct vpic *p)
{
	struct pic8259 *m = &p->chip[0];
	bool intr = chip_pending(&p->chip[1]) >= 0;

	m->lines = (u8)((m->lines & ~BIT(CASCADE_IRQ)) | (intr ? BIT(CASCADE_IRQ) : 0));
	/* Treat IR2 as level-sensitive whatever the ELCR says: it follows the slave. */
	m->irr = (u8)((m->irr & ~BIT(CASCADE_IRQ)) | (intr ? BIT(CASCADE_IRQ) : 0));
}

bool vpic_intr(const struct vpic *p)
{
	return chip_pending(&p->chip[0]) >= 0;
}

void vpic_set_irq(struct vpic *p, unsigned irq, bool level)
{
	struct pic8259 *c;
	u8 bit;

	if (irq >= 16 || irq == CASCADE_IRQ)
		return;
	c = &p->chip[irq >= 8];
	bit = BIT(irq & 7);
	if (level && !(c->lines & bit))
		c->irr |= bit; /* a rising edge latches the request */
	if (!level && (c->elcr & bit))
		c->irr &= ~bit;
	c->lines = (u8)(level ? c->lines | bit : c->lines & ~bit);
	cascade(p);
}

/* The INTA cycle on one chip: IRR -> ISR (unless auto-EOI); -1 if nothing is requested. */
static int chip_ack(struct pic8259 *c)
{
	int irq = chip_pending(c);

	if (irq < 0)
		return -1;
	if (!(c->elcr & BIT(irq)))
		c->irr &=
			~BIT(irq); /* the edge is consumed; a level stays while the line is high */
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
		return m->vector_base | 7; /* spurious: no ISR bit is set */
	if (irq != CASCADE_IRQ) {
		vec = m->vector_base | (u8)irq;
	} else {
		int sirq = chip_ack(s);

		/* The slave's request went away: it answers with its IR7, nothing in service. */
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

static void write_command(struct vpic *p, struct pic8259 *c, u8 val)
{
	if (val & ICW1) {
		chip_reset(c);
		c->icw4_needed = val & ICW1_IC4;
		c->init_step = 1;
		if (val & ICW1_SNGL)
			p->unsupported = "single (uncascaded) mode";
		if (val & ICW1_LTIM)
			p->unsupported = "level-triggered mode through ICW1 (use the ELCR)";
		return;
	}
	if (val & OCW3) {
		if (val & OCW3_RR)
			c->read_isr = val & 1;
		c->poll = val & OCW3_POLL;
		if ((val & 0x60) == 0x60)
			c->special_mask = true;
		else if ((val & 0x60) == 0x40)
			c->special_mask = false;
		return;
	}
	/*
	 * OCW2: bits 7:5 are R, SL, EOI.  Priority stays fixed: a rotating
	 * EOI still ends the interrupt (so the guest does not hang) and is
	 * reported.
	 */
	switch (val >> 5) {
	case 1: /* non-specific EOI: the highest in service */
	case 5: /* the same, and rotate */
		eoi(c, highest(c->isr));
		break;
	case 3: /* specific EOI */
	case 7: /* the same, and rotate */
		eoi(c, val & 7);
		break;
	case 0: /* clear rotate-in-auto-EOI: nothing rotates anyway */
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
		c->init_step = 2;
		return;
	case 2:
		/* ICW3: the master's slave on IR2, the slave's identity 2, as on every PC. */
		if (val != (slave ? CASCADE_IRQ : BIT(CASCADE_IRQ)))
			p->unsupported = "a cascade other than the slave on IR2";
		c->init_step = c->icw4_needed ? 3 : 0;
		return;
	default:
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
		p->chip[0].elcr = val & ~ELCR_EDGE_M;
		break;
	case 0x4d1:
		p->chip[1].elcr = val & ~ELCR_EDGE_S;
		break;
	case 0x20:
	case 0xa0:
		write_command(p, c, val);
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
			/* Poll: the read is the INTA (bit 7: a request, bits 2:0: its level). */
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
