/* SPDX-License-Identifier: MIT */
/*
 * The virtual 16550A UART of a VM (COM1, ports 0x3f8-0x3ff, ISA IRQ 4),
 * per the 16550A data sheet: divisor latch, IER, IIR with the priority of
 * its sources, FCR, LCR, MCR (loopback), LSR, MSR and scratch, a 16-byte
 * receive FIFO, and the interrupt output.  Transmission is instant (the
 * transmitter is always empty again after a write), so THRE rises right
 * after each byte.  Pure: a transmitted byte is handed back to the caller
 * (io.c prints it as the VM's console line), received bytes come from
 * vuart_rx() (the monitor's `send` command), and the caller drives IRQ 4
 * from vuart_irq() after every access that can move it (VUART_IRQ_REGS).
 */
#ifndef VMM_VUART_H
#define VMM_VUART_H

#include "lib/types.h"

#define VUART_RX_FIFO 16

#define UART_IER_RDI  BIT(0) /* received data available */
#define UART_IER_THRI BIT(1) /* transmitter holding register empty */
#define UART_MCR_OUT2 BIT(3) /* on a PC, gates the interrupt onto the ISA IRQ line */
#define UART_MCR_LOOP BIT(4)

struct vuart_regs {
	u8 ier, lcr, mcr, fcr, scratch, dll, dlm;
	bool thre_pending; /* THRE interrupt: set when THR empties, cleared by IIR read or THR write */
	u8 rx[VUART_RX_FIFO];
	unsigned rx_head, rx_count;
	bool overrun; /* LSR bit 1, cleared by reading LSR */
};

/*
 * The registers an access to which can change vuart_irq(): RBR/THR, IER,
 * IIR/FCR, MCR (OUT2, loopback) and LSR (reading it clears an overrun).
 * LCR, MSR and scratch cannot, so the caller need not look again.
 */
#define VUART_IRQ_REGS (BIT(0) | BIT(1) | BIT(2) | BIT(4) | BIT(5))

void vuart_reset(struct vuart_regs *u);
/*
 * vuart_access() (a register access), vuart_rx() (a byte arrives on the
 * line) and vuart_irq() (the interrupt output) are in vuart_access.h.
 */

#endif
