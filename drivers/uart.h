/* SPDX-License-Identifier: MIT */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

#include "lib/types.h"

void uart_init(void);
void uart_putc(char c);
/* Returns a received byte, or -1 when none is waiting. */
int uart_getc(void);
/* Wait until the transmitter is completely empty (before power-off). */
void uart_drain(void);

#endif
