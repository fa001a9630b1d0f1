// SPDX-License-Identifier: MIT
/*
 * Guest test: the COM1 16550A's interrupts (docs/guest-abi.md,
 * "Platform"): THRE and received-data interrupts on ISA IRQ 4 through
 * the PIC and through the I/O APIC, IIR priority and how each source is
 * cleared, OUT2 gating the line as a PC wires it, loopback, the receive
 * FIFO and its overrun.  With rx=TEXT it also waits for TEXT and a
 * carriage return to arrive on its serial line (the monitor's `send`
 * command), taken by an interrupt-driven receiver.
 *
 * The guest's own console output goes through this UART too, so every
 * check runs with output quiet (no loopback, IER 0) before it reports.
 */
#include "guest.h"

#define COM1	 0x3f8
#define RBR	 (COM1 + 0)
#define IER	 (COM1 + 1)
#define IIR	 (COM1 + 2)
#define FCR	 (COM1 + 2)
#define MCR	 (COM1 + 4)
#define LSR	 (COM1 + 5)
#define IER_RDI	 0x01
#define IER_THRI 0x02
#define MCR_BASE 0x03 /* DTR, RTS */
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define LSR_DR	 0x01
#define LSR_OE	 0x02

#define PIC_VEC	   0x30 /* master IRQ 0-7 */
#define IRQ4_VEC   (PIC_VEC + 4)
#define IOAPIC_VEC 0x64

static volatile int irqs;
static volatile u8 iir_seen[8];
static volatile char rx_line[64];
static volatile unsigned rx_len;
static volatile bool rx_done;
static bool rx_mode; /* the handler drains RBR into rx_line */
static u32 ioapic_pa = 0xfec00000;

static void pic_init(void)
{
	outb(0x20, 0x11);
	outb(0x21, PIC_VEC);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
	outb(0xa0, 0x11);
	outb(0xa1, PIC_VEC + 8);
	outb(0xa1, 0x02);
	outb(0xa1, 0x01);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

/*
 * Take every source the UART reports, as a 16550 driver does: IIR until
 * "none pending", reading RBR for received data (which clears it) and
 * nothing for THRE (the IIR read cleared it).
 */
static void com1_handler(struct exc_frame *f)
{
	u8 iir;

	(void)f;
	while (!((iir = inb(IIR)) & 1)) {
		if (irqs < 8)
			iir_seen[irqs] = iir & 0x0f;
		if ((iir & 0x0e) == 0x04 && rx_mode) {
			while (inb(LSR) & LSR_DR) {
				char c = (char)inb(RBR);

				if (c == '\r' || c == '\n')
					rx_done = true;
				else if (rx_len < sizeof(rx_line) - 1)
					rx_line[rx_len++] = c;
			}
		} else if ((iir & 0x0e) == 0x04) {
			break; /* the test reads RBR itself */
		}
	}
	irqs++;
	if (f->vector == IOAPIC_VEC)
		apic_eoi();
	else
		outb(0x20, 0x20);
}

static void take_pending(void)
{
	irq_enable();
	for (int i = 0; i < 100; i++)
		asm volatile("nop");
	irq_disable();
}

/* Output back on, nothing pending or enabled; the counts are kept for the report. */
static void quiet(void)
{
	outb(IER, 0);
	outb(MCR, MCR_BASE | MCR_OUT2);
	while (inb(LSR) & LSR_DR)
		inb(RBR);
	take_pending();
}

/* Quiet, and the counts cleared: the start of a check. */
static void start(void)
{
	quiet();
	irqs = 0;
	for (int i = 0; i < 8; i++)
		iir_seen[i] = 0;
}

static void test_thre(void)
{
	int on_enable, after_iir, after_write;

	start();
	outb(0x21, 0xef); /* IRQ 4 */
	outb(MCR, MCR_BASE | MCR_OUT2 | MCR_LOOP); /* loopback: nothing reaches the console */
	outb(IER, IER_THRI);
	take_pending();
	on_enable = irqs;
	take_pending();
	after_iir = irqs;
	outb(RBR, 'x'); /* THR empties at once: a new THRE interrupt */
	take_pending();
	after_write = irqs;
	quiet();
	outb(0x21, 0xff);
	report(on_enable == 1 && iir_seen[0] == 0x02, "uart-thre-on-enable",
	       "%d interrupts, IIR %#x", on_enable, iir_seen[0]);
	report(after_iir == 1, "uart-iir-read-clears-thre", "%d interrupts after the IIR read",
	       after_iir);
	report(after_write == 2 && iir_seen[1] == 0x02, "uart-thre-after-write",
	       "%d interrupts, IIR %#x", after_write, iir_seen[1]);
}

static void test_rx_loopback(void)
{
	u8 lsr, c, iir_after, lsr_after;
	int n;

	start();
	outb(0x21, 0xef);
	outb(MCR, MCR_BASE | MCR_OUT2 | MCR_LOOP);
	outb(IER, IER_RDI);
	outb(RBR, 'K');
	take_pending();
	n = irqs;
	lsr = inb(LSR);
	c = inb(RBR);
	iir_after = inb(IIR);
	lsr_after = inb(LSR);
	quiet();
	outb(0x21, 0xff);
	report(n >= 1 && iir_seen[0] == 0x04, "uart-rx-interrupt", "%d interrupts, IIR %#x", n,
	       iir_seen[0]);
	report((lsr & LSR_DR) && c == 'K' && !(lsr_after & LSR_DR) && (iir_after & 1),
	       "uart-rx-data-and-clear", "LSR %#x, byte %#x, then IIR %#x LSR %#x", lsr, c,
	       iir_after, lsr_after);
}

/* Received data outranks THRE in IIR (data sheet, "Interrupt Identification Register"). */
static void test_priority(void)
{
	u8 first, second, third;

	start();
	outb(MCR, MCR_BASE | MCR_LOOP);
	outb(RBR, 'p');
	outb(IER, IER_RDI | IER_THRI);
	first = inb(IIR) & 0x0f;
	inb(RBR);
	second = inb(IIR) & 0x0f;
	third = inb(IIR) & 0x0f;
	quiet();
	report(first == 0x04 && second == 0x02 && third == 0x01, "uart-iir-priority",
	       "IIR %#x, after RBR %#x, after that read %#x", first, second, third);
}

/* On a PC, OUT2 enables the UART's interrupt onto the ISA bus. */
static void test_out2(void)
{
	int without, with;

	start();
	outb(0x21, 0xef);
	outb(MCR, MCR_BASE | MCR_LOOP);
	outb(IER, IER_THRI);
	take_pending();
	without = irqs;
	outb(MCR, MCR_BASE | MCR_LOOP | MCR_OUT2);
	take_pending();
	with = irqs;
	quiet();
	outb(0x21, 0xff);
	report(without == 0 && with == 1, "uart-out2-gates-irq",
	       "%d interrupts without OUT2, %d with", without, with);
}

static void test_overrun(void)
{
	u8 lsr, lsr2;
	int n = 0;

	start();
	outb(FCR, 0x07); /* FIFOs on, both cleared */
	outb(MCR, MCR_BASE | MCR_LOOP);
	for (int i = 0; i < 17; i++)
		outb(RBR, (u8)('a' + i));
	lsr = inb(LSR);
	lsr2 = inb(LSR);
	while ((inb(LSR) & LSR_DR) && n < 32) {
		inb(RBR);
		n++;
	}
	quiet();
	report((lsr & LSR_OE) && !(lsr2 & LSR_OE) && n == 16, "uart-fifo-overrun",
	       "LSR %#x then %#x, %d bytes in the 16-byte FIFO", lsr, lsr2, n);
	report((inb(IIR) & 0xc0) == 0xc0, "uart-fifo-enabled-in-iir", "IIR %#x", inb(IIR));
	outb(FCR, 0);
}

static u32 ioapic_read(u32 reg)
{
	*(volatile u32 *)(u64)ioapic_pa = reg;
	return *(volatile u32 *)(u64)(ioapic_pa + 0x10);
}

static void ioapic_write(u32 reg, u32 val)
{
	*(volatile u32 *)(u64)ioapic_pa = reg;
	*(volatile u32 *)(u64)(ioapic_pa + 0x10) = val;
}

static void test_ioapic(void)
{
	int n;

	start();
	ioapic_write(0x11 + 2 * 4, 0); /* APIC ID 0 */
	ioapic_write(0x10 + 2 * 4, IOAPIC_VEC); /* edge, active high, unmasked */
	outb(MCR, MCR_BASE | MCR_OUT2 | MCR_LOOP);
	outb(IER, IER_THRI);
	take_pending();
	n = irqs;
	quiet();
	ioapic_write(0x10 + 2 * 4, BIT(16));
	report(n == 1 && iir_seen[0] == 0x02, "uart-thre-via-ioapic", "%d interrupts, IIR %#x", n,
	       iir_seen[0]);
	(void)ioapic_read;
}

/* rx=TEXT: an interrupt-driven receiver, with the CPU halted between bytes. */
static void test_rx_line(const char *want)
{
	u64 end = rdtsc() + 120000 * tsc_khz();

	printf("waiting for \"%s\" on COM1 (monitor: send NAME %s)\n", want, want);
	start();
	rx_mode = true;
	outb(0x21, 0xef);
	outb(IER, IER_RDI);
	while (!rx_done && rdtsc() < end)
		asm volatile("sti; hlt; cli");
	outb(IER, 0);
	outb(0x21, 0xff);
	rx_line[rx_len] = '\0';
	report(rx_done && !strcmp((const char *)rx_line, want), "uart-rx-from-console",
	       "received \"%s\" (%s)", (const char *)rx_line, rx_done ? "complete" : "timed out");
}

int main(int argc, char **argv)
{
	const char *rx = NULL;

	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "rx=", 3))
			rx = argv[i] + 3;
	set_irq_handler(IRQ4_VEC, com1_handler);
	set_irq_handler(IOAPIC_VEC, com1_handler);
	apic_enable();
	pic_init();
	if (rx) {
		test_rx_line(rx);
		return 0;
	}
	test_thre();
	test_rx_loopback();
	test_priority();
	test_out2();
	test_overrun();
	test_ioapic();
	return 0;
}
