// SPDX-License-Identifier: MIT
/*
 * The virtual 8259A pair against the Intel 8259A data sheet (and the PC
 * wiring: slave on master IR2, ELCR at 0x4d0/0x4d1): initialisation,
 * masks, fixed priority and nesting, EOI forms, auto-EOI, the cascade,
 * spurious interrupts, OCW3 reads, poll and special mask mode, level
 * inputs.  Vectors are ICW2's bits 7:3 with the IR level in bits 2:0.
 */
#include "tests/unit/support.h"
#include "vmm/vpic.h"

static struct vpic p;

/*
 * The sequence Linux (bases 0x30/0x38) and BIOSes (0x08/0x70) use:
 * ICW1 0x11 (edge, cascade, ICW4 follows), ICW2 the base, ICW3 (master:
 * slave on IR2 = 0x04; slave: identity 2), ICW4 0x01 (8086) or 0x03
 * (8086, auto-EOI); then everything unmasked.
 */
static void init_pics(u8 mbase, u8 sbase, bool aeoi)
{
	vpic_reset(&p);
	vpic_write(&p, 0x20, 0x11);
	vpic_write(&p, 0x21, mbase);
	vpic_write(&p, 0x21, 0x04);
	vpic_write(&p, 0x21, aeoi ? 0x03 : 0x01);
	vpic_write(&p, 0xa0, 0x11);
	vpic_write(&p, 0xa1, sbase);
	vpic_write(&p, 0xa1, 0x02);
	vpic_write(&p, 0xa1, aeoi ? 0x03 : 0x01);
	vpic_write(&p, 0x21, 0x00);
	vpic_write(&p, 0xa1, 0x00);
	assert_null(p.unsupported);
}

static void pulse(unsigned irq)
{
	vpic_set_irq(&p, irq, true);
	vpic_set_irq(&p, irq, false);
}

static u8 isr(u16 cmd)
{
	vpic_write(&p, cmd, 0x0b); /* OCW3: read ISR */
	return vpic_read(&p, cmd);
}

static u8 irr(u16 cmd)
{
	vpic_write(&p, cmd, 0x0a); /* OCW3: read IRR */
	return vpic_read(&p, cmd);
}

static void test_reset_and_ports(void **state)
{
	(void)state;
	vpic_reset(&p);
	/* Before initialisation nothing is delivered. */
	pulse(1);
	assert_false(vpic_intr(&p));
	assert_int_equal(vpic_read(&p, 0x22), 0xff); /* no register there */
	assert_int_equal(vpic_read(&p, 0x4d2), 0xff);
}

static void test_init_and_vectors(void **state)
{
	(void)state;
	/* Linux: IRQ 1 is vector 0x30 + 1, IRQ 12 is 0x38 + 4 through IR2. */
	init_pics(0x30, 0x38, false);
	assert_false(vpic_intr(&p));
	pulse(1);
	assert_true(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x31);
	assert_int_equal(isr(0x20), 0x02);
	assert_false(vpic_intr(&p));
	vpic_write(&p, 0x20, 0x20); /* non-specific EOI */
	assert_int_equal(isr(0x20), 0);
	pulse(12);
	assert_int_equal(vpic_ack(&p), 0x3c);
	vpic_write(&p, 0xa0, 0x20);
	vpic_write(&p, 0x20, 0x20);

	/* The BIOS bases; ICW2 bits 2:0 are not part of the base in 8086 mode. */
	init_pics(0x0f, 0x77, false);
	pulse(0);
	assert_int_equal(vpic_ack(&p), 0x08);
	vpic_write(&p, 0x20, 0x20);
	pulse(14);
	assert_int_equal(vpic_ack(&p), 0x70 + 6);
	vpic_write(&p, 0xa0, 0x20); /* the master's IR2 stays in service */

	/* ICW1 clears the mask, ISR and latched requests, and selects the IRR for reading. */
	vpic_write(&p, 0x21, 0xff);
	pulse(3);
	vpic_write(&p, 0x20, 0x0b); /* reading ISR... */
	vpic_write(&p, 0x20, 0x11);
	assert_int_equal(vpic_read(&p, 0x21), 0);
	vpic_write(&p, 0x21, 0x40);
	vpic_write(&p, 0x21, 0x04);
	vpic_write(&p, 0x21, 0x01);
	pulse(5);
	assert_int_equal(vpic_read(&p, 0x20), 0x20); /* ...until ICW1: the IRR, only IR5 */
	assert_int_equal(isr(0x20), 0); /* IR2 was in service before ICW1 */
	assert_int_equal(vpic_ack(&p), 0x45);
}

static void test_mask(void **state)
{
	(void)state;
	init_pics(0x20, 0x28, false);
	vpic_write(&p, 0x21, 0x01); /* OCW1 */
	assert_int_equal(vpic_read(&p, 0x21), 0x01);
	pulse(0);
	assert_false(vpic_intr(&p)); /* masked: held in IRR, not presented */
	assert_int_equal(irr(0x20), 0x01);
	vpic_write(&p, 0x21, 0x00);
	assert_true(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x20);
	vpic_write(&p, 0x20, 0x20);
	/* Masking the master's IR2 hides the whole slave. */
	vpic_write(&p, 0x21, 0x04);
	pulse(9);
	assert_false(vpic_intr(&p));
	vpic_write(&p, 0x21, 0x00);
	assert_int_equal(vpic_ack(&p), 0x29);
}

/* Fixed priority: IR0 highest; a request is presented only above what is in service. */
static void test_priority_and_nesting(void **state)
{
	(void)state;
	init_pics(0x20, 0x28, false);
	pulse(5);
	pulse(3);
	assert_int_equal(irr(0x20), 0x28);
	assert_int_equal(vpic_ack(&p), 0x23); /* the higher of the two first */
	assert_int_equal(irr(0x20), 0x20); /* the acknowledged edge left IRR */
	assert_false(vpic_intr(&p)); /* IR5 is below IR3 in service */
	pulse(3);
	assert_false(vpic_intr(&p)); /* nor does IR3 interrupt itself */
	pulse(1);
	assert_true(vpic_intr(&p)); /* IR1 is above it: nests */
	assert_int_equal(vpic_ack(&p), 0x21);
	assert_int_equal(isr(0x20), 0x0a);
	vpic_write(&p, 0x20, 0x20); /* non-specific EOI ends IR1, the highest in service */
	assert_int_equal(isr(0x20), 0x08);
	assert_false(vpic_intr(&p));
	vpic_write(&p, 0x20, 0x63); /* specific EOI for IR3 */
	assert_int_equal(isr(0x20), 0);
	assert_int_equal(vpic_ack(&p), 0x23); /* the second IR3 edge, then IR5 */
	vpic_write(&p, 0x20, 0x20);
	assert_int_equal(vpic_ack(&p), 0x25);
	/* A specific EOI may end a level that is not the highest in service. */
	pulse(1);
	assert_int_equal(vpic_ack(&p), 0x21);
	assert_int_equal(isr(0x20), 0x22);
	vpic_write(&p, 0x20, 0x65);
	assert_int_equal(isr(0x20), 0x02);
	vpic_write(&p, 0x20, 0x20);
	vpic_write(&p, 0x20, 0x20); /* nothing in service: harmless */
	assert_int_equal(isr(0x20), 0);
}

/* An edge input requests once per rising edge, and keeps a pulse latched until INTA. */
static void test_edge_needs_new_edge(void **state)
{
	(void)state;
	init_pics(0x20, 0x28, false);
	vpic_set_irq(&p, 4, true);
	assert_int_equal(vpic_ack(&p), 0x24);
	vpic_write(&p, 0x20, 0x20);
	vpic_set_irq(&p, 4, true); /* still high: no new edge */
	assert_false(vpic_intr(&p));
	vpic_set_irq(&p, 4, false);
	assert_false(vpic_intr(&p));
	vpic_set_irq(&p, 4, true);
	assert_true(vpic_intr(&p));
	vpic_set_irq(&p, 4, false); /* gone before INTA: still latched */
	assert_int_equal(vpic_ack(&p), 0x24);
	/* IRQ 2 is the cascade itself, not an input. */
	vpic_write(&p, 0x20, 0x20);
	pulse(2);
	assert_false(vpic_intr(&p));
}

static void test_auto_eoi(void **state)
{
	(void)state;
	init_pics(0x20, 0x28, true);
	pulse(3);
	assert_int_equal(vpic_ack(&p), 0x23);
	assert_int_equal(isr(0x20), 0); /* the second INTA pulse ended it */
	pulse(5); /* so a lower level is not held back */
	assert_int_equal(vpic_ack(&p), 0x25);
	/* Through the cascade: nothing in service on either chip. */
	pulse(10);
	assert_int_equal(vpic_ack(&p), 0x2a);
	assert_int_equal(isr(0x20), 0);
	assert_int_equal(isr(0xa0), 0);
}

/* Slave IRQ 10 is the slave's IR2 through the master's IR2. */
static void test_cascade(void **state)
{
	(void)state;
	init_pics(0x20, 0x28, false);
	pulse(10);
	assert_int_equal(irr(0x20), 0x04); /* the slave's INT is the master's IR2 */
	assert_true(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x28 + 2);
	assert_int_equal(isr(0x20), 0x04);
	assert_int_equal(isr(0xa0), 0x04);
	/* IRQ 1 is above the cascade's level, IRQ 3 below; so is IRQ 9 (behind IR2 in service). */
	pulse(3);
	pulse(9);
	assert_false(vpic_intr(&p));
	pulse(1);
	assert_int_equal(vpic_ack(&p), 0x21);
	vpic_write(&p, 0x20, 0x20); /* ends IR1 */
	vpic_write(&p, 0xa0, 0x20); /* the slave's EOI ends IRQ 10... */
	assert_int_equal(isr(0xa0), 0);
	assert_false(vpic_intr(&p)); /* ...but the master's IR2 is still in service */
	vpic_write(&p, 0x20, 0x20);
	assert_int_equal(isr(0x20), 0);
	assert_int_equal(vpic_ack(&p), 0x29); /* IR2 (IRQ 9) is above IR3 */
	vpic_write(&p, 0xa0, 0x20);
	vpic_write(&p, 0x20, 0x20);
	assert_int_equal(vpic_ack(&p), 0x23);
	vpic_write(&p, 0x20, 0x20);
	/* The slave's mask hides its inputs from the master too. */
	vpic_write(&p, 0xa1, 0x01);
	pulse(8);
	assert_false(vpic_intr(&p));
	assert_int_equal(irr(0x20), 0);
	assert_int_equal(irr(0xa0), 0x01);
}

/* An acknowledge with nothing requested: IR7's vector, no ISR bit (data sheet, "spurious"). */
static void test_spurious(void **state)
{
	(void)state;
	init_pics(0x20, 0x28, false);
	assert_int_equal(vpic_ack(&p), 0x27);
	assert_int_equal(isr(0x20), 0);
	/* A request masked after INTR was seen: the same. */
	pulse(4);
	assert_true(vpic_intr(&p));
	vpic_write(&p, 0x21, 0x10);
	assert_int_equal(vpic_ack(&p), 0x27);
	assert_int_equal(isr(0x20), 0);

	/*
	 * Spurious 15: the master has resolved IR2 but the slave's request
	 * is gone by its vector cycle.  The model keeps the master's IR2 in
	 * step with the slave, so the race is staged by clearing the slave's
	 * IRR behind its back.  The slave answers with its IR7 and sets
	 * nothing; the master's IR2 stays in service, as on hardware.
	 */
	init_pics(0x20, 0x28, false);
	pulse(11);
	assert_true(vpic_intr(&p));
	p.chip[1].irr = 0;
	assert_int_equal(vpic_ack(&p), 0x2f);
	assert_int_equal(isr(0x20), 0x04);
	assert_int_equal(isr(0xa0), 0);
}

static void test_ocw3_reads_and_poll(void **state)
{
	(void)state;
	init_pics(0x20, 0x28, false);
	pulse(6);
	pulse(7);
	vpic_write(&p, 0x20, 0x0a);
	assert_int_equal(vpic_read(&p, 0x20), 0xc0);
	assert_int_equal(vpic_read(&p, 0x20), 0xc0); /* the selection stays */
	assert_int_equal(vpic_read(&p, 0x21), 0x00); /* the odd port is always the IMR */
	vpic_write(&p, 0x20, 0x0c); /* OCW3 poll */
	assert_int_equal(vpic_read(&p, 0x20), 0x86); /* a request, level 6 */
	assert_int_equal(isr(0x20), 0x40); /* the poll read acknowledged it */
	assert_int_equal(irr(0x20), 0x80);
	vpic_write(&p, 0x20, 0x0c);
	assert_int_equal(vpic_read(&p, 0x20), 0x00); /* IR7 is held back by IR6 in service */
	vpic_write(&p, 0x20, 0x20);
	vpic_write(&p, 0x20, 0x0c);
	assert_int_equal(vpic_read(&p, 0x20), 0x87);
	pulse(5); /* one read only: then the IRR again (a poll would take IR5) */
	assert_int_equal(vpic_read(&p, 0x20), 0x20);
	assert_int_equal(vpic_ack(&p), 0x25);
	vpic_write(&p, 0x20, 0x20);
	vpic_write(&p, 0x20, 0x20);
	/* A slave request polls as master level 2, then the slave is polled for its own. */
	pulse(13);
	vpic_write(&p, 0x20, 0x0c);
	assert_int_equal(vpic_read(&p, 0x20), 0x82);
	vpic_write(&p, 0xa0, 0x0c);
	assert_int_equal(vpic_read(&p, 0xa0), 0x85);
	assert_int_equal(isr(0x20), 0x04);
	assert_int_equal(isr(0xa0), 0x20);
	assert_false(vpic_intr(&p));
}

/*
 * Special mask mode: a masked level in service no longer holds back the
 * levels below it, and a non-specific EOI passes over it.
 */
static void test_special_mask(void **state)
{
	(void)state;
	init_pics(0x20, 0x28, false);
	pulse(3);
	assert_int_equal(vpic_ack(&p), 0x23);
	pulse(5);
	vpic_write(&p, 0x21, 0x08); /* the handler masks its own level */
	assert_false(vpic_intr(&p));
	vpic_write(&p, 0x20, 0x68); /* OCW3: set special mask */
	assert_true(vpic_intr(&p));
	assert_int_equal(vpic_ack(&p), 0x25);
	assert_int_equal(isr(0x20), 0x28);
	vpic_write(&p, 0x20, 0x20); /* ends IR5, not the masked IR3 */
	assert_int_equal(isr(0x20), 0x08);
	vpic_write(&p, 0x20, 0x48); /* OCW3: clear special mask */
	pulse(6);
	assert_false(vpic_intr(&p)); /* IR3 in service blocks again */
	vpic_write(&p, 0x20, 0x20);
	assert_int_equal(isr(0x20), 0);
	assert_int_equal(vpic_ack(&p), 0x26);
}

/* ELCR: a level input's request follows the line and comes back after EOI while high. */
static void test_level_inputs(void **state)
{
	(void)state;
	init_pics(0x20, 0x28, false);
	assert_int_equal(vpic_read(&p, 0x4d0), 0);
	vpic_write(&p, 0x4d1, 0xff);
	vpic_write(&p, 0x4d0, 0xff);
	assert_int_equal(vpic_read(&p, 0x4d0), 0xf8); /* IRQ 0, 1, 2 are edge only */
	assert_int_equal(vpic_read(&p, 0x4d1), 0xde); /* IRQ 8 and 13 too */
	vpic_set_irq(&p, 11, true);
	assert_int_equal(irr(0xa0), 0x08);
	assert_int_equal(vpic_ack(&p), 0x2b);
	assert_int_equal(irr(0xa0), 0x08); /* the INTA does not clear a level request */
	assert_false(vpic_intr(&p));
	vpic_write(&p, 0xa0, 0x20);
	vpic_write(&p, 0x20, 0x20);
	assert_true(vpic_intr(&p)); /* still high: requested again */
	vpic_set_irq(&p, 11, false);
	assert_false(vpic_intr(&p));
	assert_int_equal(irr(0xa0), 0);
	/* A level pulse that ended before INTA is no request (nothing is latched). */
	pulse(5);
	assert_false(vpic_intr(&p));
	/* ...while the edge-only inputs still latch. */
	pulse(8);
	assert_int_equal(vpic_ack(&p), 0x28);
	vpic_write(&p, 0xa0, 0x20);
	vpic_write(&p, 0x20, 0x20);
	/* Back to edge: a line held high requests once. */
	vpic_write(&p, 0x4d0, 0x00);
	vpic_set_irq(&p, 6, true);
	assert_int_equal(vpic_ack(&p), 0x26);
	vpic_write(&p, 0x20, 0x20);
	assert_false(vpic_intr(&p));
}

static void test_unsupported_modes(void **state)
{
	(void)state;
	init_pics(0x20, 0x28, false);
	/* Rotate on non-specific EOI: reported, and the EOI still happens. */
	pulse(4);
	assert_int_equal(vpic_ack(&p), 0x24);
	vpic_write(&p, 0x20, 0xa0);
	assert_non_null(p.unsupported);
	assert_int_equal(isr(0x20), 0);
	p.unsupported = NULL;
	vpic_write(&p, 0x20, 0x80); /* rotate in auto-EOI mode, set */
	assert_non_null(p.unsupported);
	p.unsupported = NULL;
	vpic_write(&p, 0x20, 0xc3); /* set priority: IR3 lowest */
	assert_non_null(p.unsupported);
	p.unsupported = NULL;
	vpic_write(&p, 0x20, 0xc7); /* IR7 lowest: the fixed order already */
	vpic_write(&p, 0x20, 0x00); /* rotate in auto-EOI mode, clear: nothing rotates */
	vpic_write(&p, 0x20, 0x40); /* OCW2 no-op */
	assert_null(p.unsupported);
	pulse(7);
	pulse(0);
	assert_int_equal(vpic_ack(&p), 0x20); /* the priority is still fixed */

	/* Single mode: no ICW3, so ICW4 (auto-EOI) follows ICW2 and then the IMR. */
	vpic_write(&p, 0x20, 0x13);
	assert_non_null(p.unsupported);
	vpic_write(&p, 0x21, 0x40);
	vpic_write(&p, 0x21, 0x03);
	vpic_write(&p, 0x21, 0xfd);
	assert_int_equal(vpic_read(&p, 0x21), 0xfd);
	vpic_write(&p, 0x21, 0x00);
	pulse(1);
	assert_int_equal(vpic_ack(&p), 0x41);
	assert_int_equal(isr(0x20), 0);

	/* LTIM, a cascade other than IR2, 8080 mode: each reported. */
	p.unsupported = NULL;
	vpic_write(&p, 0xa0, 0x19);
	assert_non_null(p.unsupported);
	p.unsupported = NULL;
	vpic_write(&p, 0xa1, 0x28);
	vpic_write(&p, 0xa1, 0x03); /* identity 3 */
	assert_non_null(p.unsupported);
	p.unsupported = NULL;
	vpic_write(&p, 0xa1, 0x00); /* ICW4 bit 0 clear */
	assert_non_null(p.unsupported);
	p.unsupported = NULL;
	vpic_write(&p, 0x20, 0x10); /* no ICW4 at all: 8080 mode too */
	assert_non_null(p.unsupported);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_and_ports),
		cmocka_unit_test(test_init_and_vectors),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_priority_and_nesting),
		cmocka_unit_test(test_edge_needs_new_edge),
		cmocka_unit_test(test_auto_eoi),
		cmocka_unit_test(test_cascade),
		cmocka_unit_test(test_spurious),
		cmocka_unit_test(test_ocw3_reads_and_poll),
		cmocka_unit_test(test_special_mask),
		cmocka_unit_test(test_level_inputs),
		cmocka_unit_test(test_unsupported_modes),
	};

	return cmocka_run_group_tests_name("vpic", tests, NULL, NULL);
}
