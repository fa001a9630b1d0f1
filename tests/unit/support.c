// SPDX-License-Identifier: MIT
/* Test double for the console: captures output for assertions. */
#include <string.h>

#include "lib/printf.h"
#include "tests/unit/support.h"

char console_buf[131072];
static size_t console_len;

void console_reset(void)
{
	console_len = 0;
	console_buf[0] = '\0';
}

void console_write(const char *s, size_t len)
{
	if (len > sizeof(console_buf) - 1 - console_len)
		len = sizeof(console_buf) - 1 - console_len;
	memcpy(console_buf + console_len, s, len);
	console_len += len;
	console_buf[console_len] = '\0';
}
