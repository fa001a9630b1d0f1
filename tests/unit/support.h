/* SPDX-License-Identifier: MIT */
/* Shared helpers for the host unit tests. */
#ifndef TESTS_UNIT_SUPPORT_H
#define TESTS_UNIT_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Everything printed through console_write() since the last reset. */
extern char console_buf[131072];
void console_reset(void);

#endif
