// SPDX-License-Identifier: MIT
/* Guest library: COM1 output, polling the line-status register with a bound. */
#include "printf.h"
#include "x86.h"

#define COM1	   0x3f8
#define UART_THR   0
#define UART_IER   1
#define UART_LCR   3
#define UART_LSR   5
#define LSR_THRE   BIT(5)
#define POLL_LIMIT 100000

void serial_init(void)
{
	outb(COM1 + UART_IER, 0); /* no interrupts */
	outb(COM1 + UART_LCR, 3); /* 8N1, DLAB off; the baud rate is left alone */
}

void serial_putc(char c)
{
	for (int i = 0; i < POLL_LIMIT && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1 + UART_THR, (u8)c);
}
