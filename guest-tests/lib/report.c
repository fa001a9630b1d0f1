// SPDX-License-Identifier: MIT
/* Guest library: PASS/FAIL/SKIP lines, the summary and the exit status. */
#include "report.h"
#include "printf.h"
#include "x86.h"

#define DEBUG_EXIT_PORT 0xf4

static int passed, failed, skipped;

static void count(int *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

void pass(const char *name)
{
	count(&passed);
	printf("PASS: %s\n", name);
}

static void vline(const char *kind, const char *name, const char *fmt, va_list ap)
{
	printf_lock();
	printf("%s: %s", kind, name);
	if (fmt && *fmt) {
		printf(" ");
		vprintf(fmt, ap);
	}
	printf("\n");
	printf_unlock();
}

void fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	count(&failed);
	va_start(ap, fmt);
	vline("FAIL", name, fmt, ap);
	va_end(ap);
}

void skip(const char *name, const char *fmt, ...)
{
	va_list ap;

	count(&skipped);
	va_start(ap, fmt);
	vline("SKIP", name, fmt, ap);
	va_end(ap);
}

bool report(bool cond, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (cond) {
		pass(name);
		return true;
	}
	count(&failed);
	va_start(ap, fmt);
	vline("FAIL", name, fmt, ap);
	va_end(ap);
	return false;
}

int report_status(void)
{
	if (READ_ONCE(failed))
		return EXIT_FAIL;
	if (READ_ONCE(passed))
		return EXIT_PASS;
	return READ_ONCE(skipped) ? EXIT_SKIP : EXIT_FAIL;
}

void report_summary(void)
{
	int p = READ_ONCE(passed), f = READ_ONCE(failed), s = READ_ONCE(skipped);

	printf_lock();
	printf("SUMMARY: %d tests, %d unexpected failures", p + f + s, f);
	if (s)
		printf(", %d skipped", s);
	printf("\n");
	printf_unlock();
}

void report_exit(void)
{
	report_summary();
	exit_status(report_status());
}

void report_abort(void)
{
	count(&failed);
	report_summary();
	exit_status(EXIT_FAIL);
}

void exit_status(u32 v)
{
	outl(DEBUG_EXIT_PORT, v);
	for (;;)
		asm volatile("cli; hlt");
}
