/* SPDX-License-Identifier: MIT */
/*
 * printf and the log.  Output goes to console_write(), which the kernel
 * provides (the UART) and the host tests replace.
 */
#ifndef KLV_PRINTF_H
#define KLV_PRINTF_H

#include "lib/types.h"

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_level;

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* Print unconditionally; whole calls never interleave between CPUs, and keep their order. */
void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list ap);
/*
 * A line a guest wrote (its UART, the console hypercall): printk, but it
 * is only buffered (it goes out with the next printk or printk_drain()),
 * and may fill only half the log, so a guest that writes faster than the
 * console drains never crowds out klvisor's own lines.
 */
void printk_guest(const char *fmt, ...) __printf(1, 2);
/* Panic path: stop taking the console lock from now on. */
void printk_go_lockless(void);
/*
 * printk buffers (see printf.c): _drain writes some of what is pending if
 * no other CPU is writing; _flush writes all of it (before power-off).
 */
void printk_drain(void);
void printk_flush(void);
#ifdef KLV_HOST_TEST
/* Pretend another CPU is writing the log out: printk only buffers. */
void printk_test_hold_drain(bool hold);
#endif
void log_msg(enum log_level lvl, const char *fmt, ...) __printf(2, 3);

#define pr_err(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Provided by the console driver (or a test double). */
void console_write(const char *s, size_t len);

#endif
