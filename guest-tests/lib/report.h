/* SPDX-License-Identifier: MIT */
/*
 * Guest library: test results and the guest's exit status.
 *
 *	PASS: name
 *	FAIL: name details
 *	SKIP: name reason
 *	SUMMARY: N tests, M unexpected failures[, K skipped]
 *
 * The summary ends the guest through isa-debug-exit (port 0xf4) with
 * v = 0 (something passed, nothing failed), 1 (a failure, or no tests at
 * all) or 38 (everything skipped).
 */
#ifndef GUEST_REPORT_H
#define GUEST_REPORT_H

#include "types.h"

#define EXIT_PASS 0
#define EXIT_FAIL 1
#define EXIT_SKIP 38

void pass(const char *name);
void fail(const char *name, const char *fmt, ...) __printf(2, 3);
void skip(const char *name, const char *fmt, ...) __printf(2, 3);
/* PASS if cond, else FAIL with the details; returns cond. */
bool report(bool cond, const char *name, const char *fmt, ...) __printf(3, 4);
/* The exit value the results so far call for. */
int report_status(void);
/* Print the SUMMARY line. */
void report_summary(void);
/* Print the summary and exit with report_status(). */
__noreturn void report_exit(void);
/* Count one more failure (already printed), print the summary, exit 1. */
__noreturn void report_abort(void);
/* Write v to port 0xf4 (a 32-bit OUT), then halt for good. */
__noreturn void exit_status(u32 v);

#endif
