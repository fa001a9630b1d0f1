// SPDX-License-Identifier: MIT
/*
 * The virtual I/O APIC against the Intel 82093AA I/O APIC data sheet:
 * IOREGSEL/IOWIN (3.1), IOAPICID (3.2.1), IOAPICVER (3.2.2), IOAPICARB
 * (3.2.3) and the redirection table IOREDTBL (3.2.4): reset values,
 * read-only bits, edge and level pins, polarity, masking, remote IRR and
 * the local APIC EOI that clears it, and the messages the entries send.
 */
#include <string.h>

#include "tests/unit/support.h"
#include "vmm/vioapic.h"

/* Register indexes (3.2, table "IOAPIC Registers") */
#define ID    0x00
#define VER   0x01
#define ARB   0x02
#define LO(n) (0x10 + 2 * (n))
#define HI(n) (0x11 + 2 * (n))

/* IOREDTBL bits (3.2.4) */
#define LOGICAL	   (1u << 11)
#define DELIVS	   (1u << 12)
#define ACTIVE_LOW (1u << 13)
#define REMOTE_IRR (1u << 14)
#define LEVEL	   (1u << 15)
#define MASKED	   (1u << 16)
#define DM(x)	   ((u32)(x) << 8)

static struct vioapic io;
static struct ioapic_msg sent[16];
static unsigned nsent;

static void record(void *ctx, const struct ioapic_msg *m)
{
	assert_ptr_equal(ctx, &io);
	if (nsent < ARRAY_SIZE(sent))
		sent[nsent] = *m;
	nsent++;
}

static u32 rd(u32 index)
{
	vioapic_write(&io, 0x00, index);
	return vioapic_read(&io, 0x10);
}

static void wr(u32 index, u32 val)
{
	vioapic_write(&io, 0x00, index);
	vioapic_write(&io, 0x10, val);
}

/* A freshly reset I/O APIC with ID 2, wired to record(). */
static void setup(void)
{
	memset(&io, 0x5a, sizeof(io));
	io.send = record;
	io.ctx = &io;
	vioapic_reset(&io, 2);
	nsent = 0;
}

static void test_reset(void **state)
{
	(void)state;
	setup();
	assert_int_equal(vioapic_read(&io, 0x00), 0); /* IOREGSEL */
	assert_int_equal(rd(ID), 2u << 24); /* ID in bits 27:24 */
	/* 3.2.2: bits 23:16 maximum redirection entry (23 = 24 pins), 7:0 version 0x11 */
	assert_int_equal(rd(VER), 0x00170011);
	assert_int_equal(rd(ARB), 2u << 24);
	/* 3.2.4: after reset every entry is masked, everything else 0 */
	for (u32 pin = 0; pin < 24; pin++) {
		assert_int_equal(rd(LO(pin)), MASKED);
		assert_int_equal(rd(HI(pin)), 0);
	}
	assert_null(io.unsupported);
	/* The ID field is 4 bits wide. */
	vioapic_reset(&io, 0x13);
	assert_int_equal(rd(ID), 3u << 24);
	/* A reset clears the state but keeps the wiring: entries still reach record(). */
	wr(LO(1), LEVEL | 0x21);
	vioapic_set_irq(&io, 1, true);
	assert_int_equal(nsent, 1);
	vioapic_reset(&io, 2);
	assert_int_equal(rd(LO(1)), MASKED); /* remote IRR gone with the rest */
	assert_int_equal(io.levels, 0);
	wr(LO(1), 0x21);
	vioapic_set_irq(&io, 1, true);
	assert_int_equal(nsent, 2);
}

static void test_id_and_read_only_registers(void **state)
{
	(void)state;
	setup();
	/* 3.2.1: only bits 27:24 of IOAPICID are defined */
	wr(ID, 0xffffffff);
	assert_int_equal(rd(ID), 0x0f000000);
	wr(ID, 0x0a000000);
	assert_int_equal(rd(ID), 0x0a000000);
	assert_int_equal(rd(ARB), 0x0a000000); /* the arbitration ID is the ID */
	/* 3.2.2, 3.2.3: version and arbitration ID are read-only */
	wr(VER, 0);
	wr(ARB, 0x05000000);
	assert_int_equal(rd(VER), 0x00170011);
	assert_int_equal(rd(ARB), 0x0a000000);
}

static void test_ioregsel_iowin(void **state)
{
	(void)state;
	setup();
	/* 3.1: IOREGSEL is an 8-bit index in bits 7:0 */
	vioapic_write(&io, 0x00, 0xffffff12);
	assert_int_equal(vioapic_read(&io, 0x00), 0x12);
	/* Other offsets of the page: read 0, writes dropped (our choice). */
	vioapic_write(&io, 0x20, 0x40);
	vioapic_write(&io, 0x04, 0x40);
	assert_int_equal(vioapic_read(&io, 0x00), 0x12);
	assert_int_equal(vioapic_read(&io, 0x20), 0);
	assert_int_equal(vioapic_read(&io, 0x14), 0);
	/* Indexes with no register read 0 (our choice); writes to them change nothing. */
	wr(0x03, 0xffffffff);
	wr(0x40, 0xffffffff);
	wr(0xff, 0xffffffff);
	assert_int_equal(rd(0x03), 0);
	assert_int_equal(rd(0x0f), 0);
	assert_int_equal(rd(0x40), 0); /* just past HI(23) */
	assert_int_equal(rd(0xff), 0);
	assert_int_equal(rd(ID), 2u << 24);
	assert_int_equal(rd(LO(23)), MASKED);
	assert_int_equal(rd(HI(23)), 0);
}

static void test_entry_halves(void **state)
{
	(void)state;
	setup();
	/* The low dword: vector, delivery, dest mode, polarity, trigger, mask. */
	wr(LO(5), MASKED | LEVEL | ACTIVE_LOW | LOGICAL | DM(5) | 0x55);
	assert_int_equal(rd(LO(5)), 0x1ad55);
	assert_int_equal(rd(HI(5)), 0);
	/* The high dword: destination in 63:56; the low dword is kept. */
	wr(HI(5), 0xab000000);
	assert_int_equal(rd(HI(5)), 0xab000000);
	assert_int_equal(rd(LO(5)), 0x1ad55);
	/* Delivery status (12) and remote IRR (14) are read-only. */
	wr(LO(5), MASKED | REMOTE_IRR | DELIVS | 0x55);
	assert_int_equal(rd(LO(5)), MASKED | 0x55);
	/* Reserved bits (55:17) stay 0. */
	wr(LO(6), 0xfffe0000 | MASKED);
	wr(HI(6), 0x00ffffff);
	assert_int_equal(rd(LO(6)), MASKED);
	assert_int_equal(rd(HI(6)), 0);
	/* Entries are separate: entry 4 and 7 still read their reset value. */
	assert_int_equal(rd(LO(4)), MASKED);
	assert_int_equal(rd(LO(7)), MASKED);
	assert_int_equal(rd(HI(4)), 0);
}

static void test_edge(void **state)
{
	(void)state;
	setup();
	wr(HI(2), 0x01000000);
	wr(LO(2), 0x31);
	assert_int_equal(nsent, 0); /* programming is not an interrupt */
	vioapic_set_irq(&io, 2, true);
	assert_int_equal(nsent, 1);
	vioapic_set_irq(&io, 2, true); /* held high: no new edge */
	assert_int_equal(nsent, 1);
	vioapic_set_irq(&io, 2, false); /* the falling edge sends nothing */
	assert_int_equal(nsent, 1);
	vioapic_set_irq(&io, 2, true);
	assert_int_equal(nsent, 2);
	assert_false(rd(LO(2)) & REMOTE_IRR); /* remote IRR is for level entries */
	vioapic_eoi(&io, 0x31); /* an edge entry ignores the EOI */
	assert_int_equal(nsent, 2);
	/* A masked pin loses its edge; unmasking does not bring it back. */
	wr(LO(2), MASKED | 0x31);
	vioapic_set_irq(&io, 2, false);
	vioapic_set_irq(&io, 2, true);
	wr(LO(2), 0x31);
	assert_int_equal(nsent, 2);
	/* Held high across the unmask: still no edge. */
	vioapic_set_irq(&io, 2, true);
	assert_int_equal(nsent, 2);
	vioapic_set_irq(&io, 2, false);
	vioapic_set_irq(&io, 2, true);
	assert_int_equal(nsent, 3);
}

static void test_active_low(void **state)
{
	(void)state;
	setup();
	/* 3.2.4 bit 13: 1 = low active.  Edge: the falling edge is the one that sends. */
	vioapic_set_irq(&io, 9, true);
	wr(LO(9), ACTIVE_LOW | 0x40);
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(nsent, 0);
	vioapic_set_irq(&io, 9, false);
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0].vector, 0x40);
	vioapic_set_irq(&io, 9, false);
	vioapic_set_irq(&io, 9, true);
	assert_int_equal(nsent, 1);
	/* Level, active low: asserted while low. */
	vioapic_set_irq(&io, 12, true);
	wr(LO(12), ACTIVE_LOW | LEVEL | 0x41);
	assert_int_equal(nsent, 1); /* high = deasserted */
	vioapic_set_irq(&io, 12, false);
	assert_int_equal(nsent, 2);
	assert_int_equal(sent[1].vector, 0x41);
	assert_true(rd(LO(12)) & REMOTE_IRR);
	vioapic_set_irq(&io, 12, true);
	vioapic_eoi(&io, 0x41); /* deasserted by now: no resend */
	assert_int_equal(nsent, 2);
	assert_false(rd(LO(12)) & REMOTE_IRR);
}

static void test_level_and_eoi(void **state)
{
	(void)state;
	setup();
	wr(LO(10), LEVEL | 0x50);
	vioapic_set_irq(&io, 10, true);
	assert_int_equal(nsent, 1);
	assert_true(sent[0].level);
	assert_true(rd(LO(10)) & REMOTE_IRR); /* set when the LAPIC accepts it */
	/* Not sent again while remote IRR is set, even across a new edge. */
	vioapic_set_irq(&io, 10, true);
	vioapic_set_irq(&io, 10, false);
	vioapic_set_irq(&io, 10, true);
	assert_int_equal(nsent, 1);
	vioapic_eoi(&io, 0x51); /* another vector: nothing */
	assert_int_equal(nsent, 1);
	assert_true(rd(LO(10)) & REMOTE_IRR);
	vioapic_eoi(&io, 0x50); /* EOI of the vector, still asserted: sent again */
	assert_int_equal(nsent, 2);
	assert_int_equal(sent[1].vector, 0x50);
	assert_true(rd(LO(10)) & REMOTE_IRR);
	vioapic_set_irq(&io, 10, false);
	vioapic_eoi(&io, 0x50); /* deasserted: cleared, not sent */
	assert_int_equal(nsent, 2);
	assert_false(rd(LO(10)) & REMOTE_IRR);
	vioapic_eoi(&io, 0x50); /* nothing outstanding */
	assert_int_equal(nsent, 2);
	vioapic_set_irq(&io, 10, true); /* asserted again: sent again */
	assert_int_equal(nsent, 3);
}

static void test_eoi_every_pin_of_the_vector(void **state)
{
	(void)state;
	setup();
	/* Two level pins share vector 0x70 (shared PCI interrupts do), a third has 0x71. */
	wr(LO(16), LEVEL | 0x70);
	wr(LO(17), LEVEL | 0x70);
	wr(LO(18), LEVEL | 0x71);
	vioapic_set_irq(&io, 16, true);
	vioapic_set_irq(&io, 17, true);
	vioapic_set_irq(&io, 18, true);
	assert_int_equal(nsent, 3);
	vioapic_set_irq(&io, 16, false);
	vioapic_eoi(&io, 0x70);
	assert_false(rd(LO(16)) & REMOTE_IRR);
	assert_true(rd(LO(17)) & REMOTE_IRR); /* cleared, then set by the resend */
	assert_true(rd(LO(18)) & REMOTE_IRR); /* other vector: untouched */
	assert_int_equal(nsent, 4);
	assert_int_equal(sent[3].vector, 0x70);
}

static void test_unmask_asserted_level(void **state)
{
	(void)state;
	setup();
	wr(LO(11), MASKED | LEVEL | 0x60);
	vioapic_set_irq(&io, 11, true);
	assert_int_equal(nsent, 0); /* masked */
	assert_false(rd(LO(11)) & REMOTE_IRR);
	wr(LO(11), LEVEL | 0x60); /* unmasked while asserted: sent now */
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0].vector, 0x60);
	assert_true(rd(LO(11)) & REMOTE_IRR);
	/* Rewriting it (here the destination) with remote IRR set sends nothing. */
	wr(HI(11), 0x02000000);
	wr(LO(11), LEVEL | 0x60);
	assert_int_equal(nsent, 1);
	/*
	 * Writing it as edge clears remote IRR (it is undefined for edge
	 * entries), so back to level with the pin still asserted sends again:
	 * how a guest ends a level interrupt without an EOI register.
	 */
	wr(LO(11), MASKED | 0x60);
	assert_false(rd(LO(11)) & REMOTE_IRR);
	wr(LO(11), LEVEL | 0x60);
	assert_int_equal(nsent, 2);
	assert_int_equal(sent[1].dest, 2);
}

/* The @n-th message sent so far was the last, with these fields. */
static void expect_msg(unsigned n, u8 vector, u8 delivery, bool logical, bool level, u8 dest)
{
	const struct ioapic_msg *m = &sent[n - 1];

	assert_int_equal(nsent, n);
	assert_int_equal(m->vector, vector);
	assert_int_equal(m->delivery, delivery);
	assert_int_equal(m->logical, logical);
	assert_int_equal(m->level, level);
	assert_int_equal(m->dest, dest);
}

static void test_message_fields(void **state)
{
	(void)state;
	setup();
	/* Fixed, physical, edge, destination 3 (3.2.4 bits 7:0, 10:8, 11, 15, 63:56) */
	wr(HI(1), 0x03000000);
	wr(LO(1), DM(0) | 0x21);
	vioapic_set_irq(&io, 1, true);
	expect_msg(1, 0x21, 0, false, false, 3);
	/* Lowest priority, logical, level, destination 0xf0 */
	wr(HI(20), 0xf0000000);
	wr(LO(20), LEVEL | LOGICAL | DM(1) | 0xe5);
	vioapic_set_irq(&io, 20, true);
	expect_msg(2, 0xe5, 1, true, true, 0xf0);
}

static void test_delivery_modes(void **state)
{
	static const u32 sent_modes[] = { 4, 5, 7 }; /* NMI, INIT, ExtINT */
	static const u32 dropped_modes[] = { 2, 3, 6 }; /* SMI, reserved, reserved */

	(void)state;
	setup();
	for (unsigned i = 0; i < ARRAY_SIZE(sent_modes); i++) {
		/*
		 * 3.2.4: NMI, INIT and ExtINT are edge-triggered even if the
		 * entry says level: one message per edge, no remote IRR.
		 */
		nsent = 0;
		wr(HI(3), 0x01000000);
		wr(LO(3), LEVEL | DM(sent_modes[i]) | 0x99);
		vioapic_set_irq(&io, 3, true);
		vioapic_set_irq(&io, 3, true);
		assert_int_equal(nsent, 1);
		assert_int_equal(sent[0].delivery, sent_modes[i]);
		assert_int_equal(sent[0].dest, 1);
		assert_false(sent[0].level); /* no EOI to report */
		assert_false(rd(LO(3)) & REMOTE_IRR);
		vioapic_set_irq(&io, 3, false);
		vioapic_set_irq(&io, 3, true);
		assert_int_equal(nsent, 2);
		vioapic_set_irq(&io, 3, false);
		assert_null(io.unsupported);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(dropped_modes); i++) {
		for (int level = 0; level < 2; level++) {
			nsent = 0;
			io.unsupported = NULL;
			wr(LO(4), (level ? LEVEL : 0) | DM(dropped_modes[i]) | 0x99);
			vioapic_set_irq(&io, 4, true);
			assert_int_equal(nsent, 0);
			assert_non_null(io.unsupported);
			assert_false(rd(LO(4)) & REMOTE_IRR);
			vioapic_set_irq(&io, 4, false);
		}
	}
}

static void test_pins_out_of_range(void **state)
{
	(void)state;
	setup();
	for (u32 pin = 0; pin < 24; pin++)
		wr(LO(pin), 0x30 + pin); /* every pin unmasked, edge */
	vioapic_set_irq(&io, 24, true);
	vioapic_set_irq(&io, 31, true);
	vioapic_set_irq(&io, 32, true);
	vioapic_set_irq(&io, ~0u, true);
	assert_int_equal(nsent, 0);
	assert_int_equal(io.levels, 0);
	vioapic_set_irq(&io, 23, true); /* the last pin exists */
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0].vector, 0x30 + 23);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_id_and_read_only_registers),
		cmocka_unit_test(test_ioregsel_iowin),
		cmocka_unit_test(test_entry_halves),
		cmocka_unit_test(test_edge),
		cmocka_unit_test(test_active_low),
		cmocka_unit_test(test_level_and_eoi),
		cmocka_unit_test(test_eoi_every_pin_of_the_vector),
		cmocka_unit_test(test_unmask_asserted_level),
		cmocka_unit_test(test_message_fields),
		cmocka_unit_test(test_delivery_modes),
		cmocka_unit_test(test_pins_out_of_range),
	};

	return cmocka_run_group_tests_name("vioapic", tests, NULL, NULL);
}
