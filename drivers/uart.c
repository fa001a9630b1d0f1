// SPDX-License-Identifier: MIT
/* 16550 UART on COM1: the console.  Polled; 115200 8N1. */
#include "arch/x86/cpu.h"
#include "drivers/uart.h"
#include "lib/printf.h"

#define COM1	 0x3f8
#define UART_THR 0 /* transmit holding (write) / receive buffer (read) */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_DLL 0 /* with LCR.DLAB set */
#define UART_DLM 1

#define LCR_8N1	 0x03
#define LCR_DLAB 0x80
#define LSR_DR	 0x01 /* data ready */
#define LSR_THRE 0x20 /* holding register empty */
#define LSR_TEMT 0x40 /* holding and shift registers empty */

/* Bound every wait so a missing UART (real hardware without COM1) never hangs boot. */
#define UART_SPIN_LIMIT 1000000

void uart_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1); /* 115200 / 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, 0x07); /* enable and clear FIFOs */
	outb(COM1 + UART_MCR, 0x03); /* DTR, RTS */
}

static void wait_lsr(u8 bit)
{
	for (int i = 0; i < UART_SPIN_LIMIT && !(inb(COM1 + UART_LSR) & bit); i++)
		cpu_relax_io();
}

void uart_putc(char c)
{
	wait_lsr(LSR_THRE);
	outb(COM1 + UART_THR, (u8)c);
}

int uart_getc(void)
{
	if (!(inb(COM1 + UART_LSR) & LSR_DR))
		return -1;
	return inb(COM1 + UART_THR);
}

void uart_drain(void)
{
	wait_lsr(LSR_TEMT);
}

void console_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}
