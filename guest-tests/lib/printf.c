// SPDX-License-Identifier: MIT
/* Guest library: printf and snprintf over one small formatter. */
#include "printf.h"
#include "smp.h"
#include "string.h"
#include "x86.h"

struct sink {
	char *buf; /* NULL: the serial port */
	size_t size, len;
};

static void put(struct sink *s, char c)
{
	if (!s->buf)
		serial_putc(c);
	else if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void put_str(struct sink *s, const char *str, int width, bool left)
{
	int n = (int)strlen(str);

	for (; !left && width > n; width--)
		put(s, ' ');
	while (*str)
		put(s, *str++);
	for (; left && width > n; width--)
		put(s, ' ');
}

static void put_num(struct sink *s, u64 v, unsigned base, bool neg, int width, bool zero, bool left,
		    const char *prefix, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	len = n + (neg ? 1 : 0) + (int)strlen(prefix);
	if (!left && !zero)
		for (; width > len; width--)
			put(s, ' ');
	if (neg)
		put(s, '-');
	while (*prefix)
		put(s, *prefix++);
	if (!left && zero)
		for (; width > len; width--)
			put(s, '0');
	while (n)
		put(s, tmp[--n]);
	for (; left && width > len; width--)
		put(s, ' ');
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		bool left = false, zero = false, alt = false;
		int width = 0, lng = 0;
		u64 v;

		if (*fmt != '%') {
			put(s, *fmt);
			continue;
		}
		for (;; fmt++) {
			if (fmt[1] == '-')
				left = true;
			else if (fmt[1] == '0')
				zero = true;
			else if (fmt[1] == '#')
				alt = true;
			else
				break;
		}
		if (fmt[1] == '*') {
			width = va_arg(ap, int);
			fmt++;
		}
		while (fmt[1] >= '0' && fmt[1] <= '9')
			width = width * 10 + (*++fmt - '0');
		while (fmt[1] == 'l' || fmt[1] == 'z') {
			lng++;
			fmt++;
		}
		switch (*++fmt) {
		case 'd':
		case 'i': {
			s64 x = lng ? va_arg(ap, long) : va_arg(ap, int);

			put_num(s, x < 0 ? -(u64)x : (u64)x, 10, x < 0, width, zero, left, "",
				false);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			if (*fmt == 'u')
				put_num(s, v, 10, false, width, zero, left, "", false);
			else if (*fmt == 'o')
				put_num(s, v, 8, false, width, zero, left, alt && v ? "0" : "",
					false);
			else
				put_num(s, v, 16, false, width, zero, left, alt ? "0x" : "",
					*fmt == 'X');
			break;
		case 'p':
			put_num(s, (u64)va_arg(ap, void *), 16, false, width, zero, left, "0x",
				false);
			break;
		case 'c':
			put(s, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);

			put_str(s, str ? str : "(null)", width, left);
			break;
		}
		case '%':
			put(s, '%');
			break;
		case '\0':
			return;
		default:
			put(s, '%');
			put(s, *fmt);
			break;
		}
	}
}

static int lock_owner = -1; /* CPU holding the output, or -1 */
static int lock_depth;

void printf_lock(void)
{
	int me = smp_id();

	if (READ_ONCE(lock_owner) != me)
		while (!__sync_bool_compare_and_swap(&lock_owner, -1, me))
			cpu_relax();
	lock_depth++;
}

void printf_unlock(void)
{
	if (--lock_depth == 0)
		__atomic_store_n(&lock_owner, -1, __ATOMIC_RELEASE);
}

int vprintf(const char *fmt, va_list ap)
{
	struct sink s = { 0 };

	printf_lock();
	format(&s, fmt, ap);
	printf_unlock();
	return (int)s.len;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { buf, size, 0 };

	format(&s, fmt, ap);
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void puts_raw(const char *s)
{
	printf_lock();
	while (*s)
		serial_putc(*s++);
	printf_unlock();
}
