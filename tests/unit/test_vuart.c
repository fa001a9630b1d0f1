// SPDX-License-Identifier: MIT
/*
 * The virtual 16550A against its data sheet (TI/National PC16550D):
 * reset values, the divisor latch, IIR's source priority and how each
 * source is cleared (table "Interrupt Control Functions"), THRE raised on
 * enable and after each write, the receive FIFO and overrun, loopback
 * (MCR bit 4: THR to RBR, modem outputs to the MSR inputs), and the IRQ
 * line, which a PC gates with OUT2.
 */
#include <string.h>

#include "tests/unit/support.h"
#include "vmm/vuart_access.h"

#define RBR 0
#define IER 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

static struct vuart_regs u;
static int tx;

static u8 in(unsigned reg)
{
	return (u8)vuart_access(&u, reg, true, 0);
}

static void out(unsigned reg, u8 val)
{
	tx = vuart_access(&u, reg, false, val);
}

static void test_reset(void **state)
{
	(void)state;
	vuart_reset(&u);
	/* IER 0, IIR 0x01 (none pending, FIFOs off), LCR 0, MCR 0, LSR 0x60 (THRE, TEMT). */
	assert_int_equal(in(IER), 0);
	assert_int_equal(in(IIR), 0x01);
	assert_int_equal(in(LCR), 0);
	assert_int_equal(in(MCR), 0);
	assert_int_equal(in(LSR), 0x60);
	assert_false(vuart_irq(&u));
}

static void test_divisor_latch(void **state)
{
	(void)state;
	vuart_reset(&u);
	out(LCR, 0x83); /* DLAB, 8N1 */
	out(RBR, 0x0c); /* DLL: 9600 baud */
	out(IER, 0x00); /* DLM */
	assert_int_equal(tx, -1); /* a DLL write is not a transmission */
	assert_int_equal(in(RBR), 0x0c);
	out(LCR, 0x03);
	assert_int_equal(in(IER), 0); /* IER itself untouched by the DLM write */
	out(RBR, 'A');
	assert_int_equal(tx, 'A');
}

static void test_thre_interrupt(void **state)
{
	(void)state;
	vuart_reset(&u);
	out(MCR, 0x0b); /* DTR, RTS, OUT2 */
	out(IER, 0x02); /* THR empty: raised at once */
	assert_true(vuart_irq(&u));
	assert_int_equal(in(IIR), 0x02);
	/* Reading IIR with THRE the source clears it. */
	assert_false(vuart_irq(&u));
	assert_int_equal(in(IIR), 0x01);
	/* Writing THR: it empties again, a new THRE. */
	out(RBR, 'x');
	assert_int_equal(tx, 'x');
	assert_true(vuart_irq(&u));
	/* IER off: the line drops with the source still latched, and rises on re-enable. */
	out(IER, 0);
	assert_false(vuart_irq(&u));
	out(IER, 0x02);
	assert_true(vuart_irq(&u));
}

static void test_out2_gates_irq(void **state)
{
	(void)state;
	vuart_reset(&u);
	out(IER, 0x02);
	assert_false(vuart_irq(&u)); /* pending, but OUT2 is off */
	assert_int_equal(in(IIR), 0x02); /* the UART itself still reports it */
	out(IER, 0);
	out(IER, 0x02);
	out(MCR, 0x08);
	assert_true(vuart_irq(&u));
}

static void test_rx_and_priority(void **state)
{
	(void)state;
	vuart_reset(&u);
	out(MCR, 0x08);
	assert_true(vuart_rx(&u, 'a'));
	assert_false(vuart_irq(&u)); /* data ready, but its interrupt is not enabled */
	assert_int_equal(in(LSR)&1, 1);
	out(IER, 0x03);
	/* Received data (priority 2) outranks THRE (priority 3). */
	assert_int_equal(in(IIR), 0x04);
	assert_int_equal(in(IIR), 0x04); /* an IIR read does not clear received data */
	assert_int_equal(in(RBR), 'a');
	assert_int_equal(in(LSR)&1, 0);
	assert_int_equal(in(IIR), 0x02);
	assert_int_equal(in(IIR), 0x01);
}

static void test_fifo_and_overrun(void **state)
{
	(void)state;
	vuart_reset(&u);
	out(FCR, 0x07); /* enable, clear both */
	assert_int_equal(in(IIR)&0xc0, 0xc0);
	for (int i = 0; i < VUART_RX_FIFO; i++)
		assert_true(vuart_rx(&u, (u8)i));
	assert_false(vuart_rx(&u, 0xee)); /* the 17th byte is lost */
	assert_int_equal(in(LSR), 0x63); /* DR, OE, THRE, TEMT */
	assert_int_equal(in(LSR), 0x61); /* OE is cleared by the read */
	for (int i = 0; i < VUART_RX_FIFO; i++)
		assert_int_equal(in(RBR), i);
	assert_int_equal(in(LSR)&1, 0);
	/* FCR bit 1 empties the receive FIFO. */
	vuart_rx(&u, 1);
	out(FCR, 0x03);
	assert_int_equal(in(LSR)&1, 0);
	/* The overrun as a line-status interrupt (IER bit 2), the highest priority. */
	for (int i = 0; i <= VUART_RX_FIFO; i++)
		vuart_rx(&u, 0);
	out(IER, 0x07);
	assert_int_equal(in(IIR)&0x0f, 0x06);
	in(LSR);
	assert_int_equal(in(IIR)&0x0f, 0x04);
}

static void test_loopback(void **state)
{
	(void)state;
	vuart_reset(&u);
	out(MCR, 0x10 | 0x0f); /* loopback, OUT2, OUT1, RTS, DTR */
	/* CTS <- RTS, DSR <- DTR, RI <- OUT1, DCD <- OUT2 */
	assert_int_equal(in(MSR)&0xf0, 0xf0);
	out(MCR, 0x10 | 0x02);
	assert_int_equal(in(MSR)&0xf0, 0x10);
	out(RBR, 'L');
	assert_int_equal(tx, -1); /* nothing leaves the UART */
	assert_int_equal(in(LSR)&1, 1);
	assert_int_equal(in(RBR), 'L');
	/* Outside loopback the line shows a terminal: CTS, DSR, DCD. */
	out(MCR, 0);
	assert_int_equal(in(MSR), 0xb0);
}

static void test_scratch(void **state)
{
	(void)state;
	vuart_reset(&u);
	out(SCR, 0x5a);
	assert_int_equal(in(SCR), 0x5a);
	out(LSR, 0); /* read-only */
	assert_int_equal(in(LSR), 0x60);
}

/*
 * io.c looks at the interrupt line, and for a sent byte, only after an
 * access to a register in VUART_IRQ_REGS.  Every other register, read or
 * written with any value, must leave vuart_irq() as it was and send
 * nothing, from every state a random walk of accesses and received
 * bytes reaches.
 */
static void test_irq_regs(void **state)
{
	u32 seed = 0x16550a;
	unsigned checked = 0;

	(void)state;
	vuart_reset(&u);
	for (int step = 0; step < 20000; step++) {
		u32 r;

		seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5;
		r = seed;
		if ((r & 7) < 3) /* often enough that the FIFO overruns */
			vuart_rx(&u, (u8)(r >> 8));
		else if (r & 16)
			in((r >> 5) & 7);
		else
			out((r >> 5) & 7, (u8)(r >> 8));
		for (unsigned reg = 0; reg < 8; reg++) {
			struct vuart_regs before = u;
			bool level = vuart_irq(&u);

			if (BIT(reg) & VUART_IRQ_REGS)
				continue;
			in(reg);
			assert_int_equal(vuart_irq(&u), level);
			u = before;
			out(reg, (u8)(r >> 16));
			assert_int_equal(vuart_irq(&u), level);
			assert_int_equal(tx, -1); /* nor do they send: io.c skips both */
			u = before;
			checked += level;
		}
	}
	assert_true(checked > 1000); /* the walk reached states with the line up */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset),		cmocka_unit_test(test_divisor_latch),
		cmocka_unit_test(test_thre_interrupt),	cmocka_unit_test(test_out2_gates_irq),
		cmocka_unit_test(test_rx_and_priority), cmocka_unit_test(test_fifo_and_overrun),
		cmocka_unit_test(test_loopback),	cmocka_unit_test(test_scratch),
		cmocka_unit_test(test_irq_regs),
	};

	return cmocka_run_group_tests_name("vuart", tests, NULL, NULL);
}
