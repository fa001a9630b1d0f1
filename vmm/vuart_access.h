/* SPDX-License-Identifier: MIT */
/*
 * The virtual 16550A's register accesses (the model vuart.h describes),
 * inline: every UART exit runs one, and a call with the register saving
 * it forces on the exit handler costs more than most accesses do.  Only
 * io.c (the exit handler), vuart.c and the unit test include this.
 */
#ifndef VMM_VUART_ACCESS_H
#define VMM_VUART_ACCESS_H

#include "vmm/vuart.h"

#define LCR_DLAB	BIT(7)
#define LSR_DR		BIT(0)
#define LSR_OE		BIT(1)
#define LSR_THRE	BIT(5)
#define LSR_TEMT	BIT(6)
#define IER_RLSI	BIT(2)
#define IIR_NONE	0x01
#define IIR_RLS		0x06
#define IIR_RDI		0x04
#define IIR_THRI	0x02
#define IIR_FIFOS	0xc0
#define FCR_ENABLE	BIT(0)
#define FCR_CLEAR_RX	BIT(1)
#define MSR_CTS_DSR_DCD 0xb0 /* what a connected terminal asserts */

/* A byte arrives on the line; false if the FIFO was full (an overrun: it is lost). */
static inline bool vuart_rx(struct vuart_regs *u, u8 c)
{
	if (u->rx_count == VUART_RX_FIFO) {
		u->overrun = true;
		return false;
	}
	u->rx[(u->rx_head + u->rx_count++) % VUART_RX_FIFO] = c;
	return true;
}

/* The highest-priority pending source (data sheet, table "Interrupt Control Functions"). */
static inline u8 vuart_iir(const struct vuart_regs *u)
{
	u8 fifos = u->fcr & FCR_ENABLE ? IIR_FIFOS : 0;

	if ((u->ier & IER_RLSI) && u->overrun)
		return fifos | IIR_RLS;
	if ((u->ier & UART_IER_RDI) && u->rx_count)
		return fifos | IIR_RDI;
	if ((u->ier & UART_IER_THRI) && u->thre_pending)
		return fifos | IIR_THRI;
	return fifos | IIR_NONE;
}

static inline u8 vuart_rx_pop(struct vuart_regs *u)
{
	u8 c;

	if (!u->rx_count)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % VUART_RX_FIFO;
	u->rx_count--;
	return c;
}

/* The level of the UART's IRQ line as a PC wires it (through OUT2). */
static inline bool vuart_irq(const struct vuart_regs *u)
{
	return (u->mcr & UART_MCR_OUT2) && !(vuart_iir(u) & IIR_NONE);
}

/* Loopback wires RTS, DTR, OUT1 and OUT2 back to CTS, DSR, RI and DCD. */
static inline u8 vuart_msr(const struct vuart_regs *u)
{
	if (!(u->mcr & UART_MCR_LOOP))
		return MSR_CTS_DSR_DCD;
	return (u8)((u->mcr & 2) << 3 | (u->mcr & 1) << 5 | (u->mcr & 4) << 4 | (u->mcr & 8) << 4);
}

/* Returns the byte to send on, or -1 when it loops back. */
static inline int vuart_transmit(struct vuart_regs *u, u8 val)
{
	/* Sent at once: THR is empty again, which is a new THRE interrupt. */
	u->thre_pending = true;
	if (u->mcr & UART_MCR_LOOP) {
		vuart_rx(u, val);
		return -1;
	}
	return val;
}

static __always_inline u8 vuart_read_reg(struct vuart_regs *u, unsigned reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	u8 v;

	switch (reg) {
	case 0:
		return dlab ? u->dll : vuart_rx_pop(u);
	case 1:
		return dlab ? u->dlm : u->ier;
	case 2:
		v = vuart_iir(u);
		/* Reading IIR while it names THRE is what clears that interrupt. */
		if ((v & 0x0f) == IIR_THRI)
			u->thre_pending = false;
		return v;
	case 3:
		return u->lcr;
	case 4:
		return u->mcr;
	case 5:
		v = (u->rx_count ? LSR_DR : 0) | (u->overrun ? LSR_OE : 0) | LSR_THRE | LSR_TEMT;
		u->overrun = false;
		return v;
	case 6:
		return vuart_msr(u);
	default: /* 7 */
		return u->scratch;
	}
}

/* Returns the byte transmitted, or -1. */
static __always_inline int vuart_write_reg(struct vuart_regs *u, unsigned reg, u8 val)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case 0:
		if (!dlab)
			return vuart_transmit(u, val);
		u->dll = val;
		break;
	case 1:
		if (dlab) {
			u->dlm = val;
			break;
		}
		/* Enabling THRE with THR empty (it always is) raises it at once. */
		if ((val & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
			u->thre_pending = true;
		u->ier = val & 0x0f;
		break;
	case 2:
		if (val & FCR_CLEAR_RX)
			u->rx_count = 0;
		u->fcr =
			val & 0xc9; /* enable, DMA mode, trigger level; the clear bits self-clear */
		break;
	case 3:
		u->lcr = val;
		break;
	case 4:
		u->mcr = val & 0x1f;
		break;
	case 5:
	case 6:
		break; /* LSR and MSR are read-only here (factory test writes are ignored) */
	default:
		u->scratch = val;
	}
	return -1;
}

/*
 * An access to register @reg (0-7).  An IN returns what it reads; an OUT
 * returns the byte the guest transmitted (not in loopback), else -1.
 */
static __always_inline int vuart_access(struct vuart_regs *u, unsigned reg, bool in, u8 val)
{
	if (in)
		return vuart_read_reg(u, reg & 7);
	return vuart_write_reg(u, reg & 7, val);
}

#endif
