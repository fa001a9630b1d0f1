// SPDX-License-Identifier: MIT
/* The virtual 16550A UART (see vuart.h); the rest of its model is in vuart_access.h. */
#include "vmm/vuart_access.h"
#include "lib/string.h"

void vuart_reset(struct vuart_regs *u)
{
	memset(u, 0, sizeof(*u));
	u->dll = 1; /* 115200 baud, what firmware leaves */
}
