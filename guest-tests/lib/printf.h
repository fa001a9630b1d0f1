/* SPDX-License-Identifier: MIT */
/*
 * Guest library: formatted output on COM1.  Conversions: %d %i %u %x %X
 * %o %c %s %p %%, with flags '-', '0', '#', a width (or '*') and the
 * length modifiers l, ll, z.  Output is serialized between CPUs; hold
 * printf_lock() around several calls to keep them together.
 */
#ifndef GUEST_PRINTF_H
#define GUEST_PRINTF_H

#include "types.h"

int printf(const char *fmt, ...) __printf(1, 2);
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
void puts_raw(const char *s);
/* Recursive per CPU, so an exception while printing can still print. */
void printf_lock(void);
void printf_unlock(void);

/* COM1 */
void serial_init(void);
void serial_putc(char c);

#endif
