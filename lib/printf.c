// SPDX-License-Identifier: MIT
/* A small vsnprintf and the leveled log on top of it. */
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"

enum log_level log_level = LOG_INFO;

struct out {
	char *buf;
	size_t size, pos;
};

static void put(struct out *o, char c)
{
	if (o->pos + 1 < o->size)
		o->buf[o->pos] = c;
	o->pos++;
}

static void put_num(struct out *o, u64 v, unsigned base, bool neg, int width, char pad, bool left,
		    bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	len = n + neg;
	if (neg && pad == '0')
		put(o, '-');
	for (; !left && width > len; width--)
		put(o, pad);
	if (neg && pad != '0')
		put(o, '-');
	while (n)
		put(o, tmp[--n]);
	for (; left && width > len; width--)
		put(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		int width = 0, prec = -1, lng = 0;
		bool left = false;
		char pad = ' ';

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '-') {
			left = true;
			fmt++;
		}
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			}
			while (*fmt >= '0' && *fmt <= '9')
				prec = prec * 10 + (*fmt++ - '0');
		}
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			s64 v = lng ? va_arg(ap, long) : va_arg(ap, int);

			put_num(&o, v < 0 ? -(u64)v : (u64)v, 10, v < 0, width, pad, left, false);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			u64 v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);

			put_num(&o, v, *fmt == 'u' ? 10 : 16, false, width, pad, left, *fmt == 'X');
			break;
		}
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (uintptr_t)va_arg(ap, void *), 16, false, 16, '0', false,
				false);
			break;
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len;

			if (!s)
				s = "(null)";
			/* With a precision, s need not be NUL-terminated. */
			for (len = 0; (prec < 0 || len < prec) && s[len]; len++)
				;
			for (; !left && width > len; width--)
				put(&o, ' ');
			for (int i = 0; i < len; i++)
				put(&o, s[i]);
			for (; left && width > len; width--)
				put(&o, ' ');
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
		}
	}
	if (size)
		o.buf[o.pos < size ? o.pos : size - 1] = '\0';
	return (int)o.pos;
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

/*
 * The log ring.  Writing to a polled UART takes about 87 us a byte, so no
 * CPU may do it while holding a lock another CPU needs: vprintk copies its
 * line into the ring under print_lock (a memcpy), and whoever then gets
 * drain_lock (a trylock: nobody waits for it) writes the ring out to the
 * console, at most DRAIN_MAX bytes per call.  What is left goes out with
 * the next printk, printk_drain() from the scheduler, or printk_flush()
 * before power-off.  A full ring drops the new line and says so once it
 * has room again.  Guests' own lines (printk_guest()) only go into the
 * ring, and may fill only RING_GUEST_MAX of it: guests can write far
 * faster than the UART drains, and what they write must never crowd out
 * klvisor's own lines.
 */
#define RING_SIZE      65536
#define RING_GUEST_MAX (RING_SIZE / 2)
#define DRAIN_MAX      1024

static spinlock_t print_lock, drain_lock;
static char ring[RING_SIZE];
static u64 ring_head, ring_tail; /* bytes ever appended / written out, under print_lock */
static u64 ring_dropped, guest_dropped; /* bytes refused since the last note */
/* Once set, output no longer takes the locks: the CPU holding one may be dead. */
static volatile bool lockless;

void printk_go_lockless(void)
{
	lockless = true;
}

/* Append unless that fills the ring past what a line of klvisor's, or a @guest's, may. */
static void ring_append(const char *s, size_t n, bool guest)
{
	spin_lock(&print_lock);
	if (ring_head - ring_tail + n > (guest ? RING_GUEST_MAX : RING_SIZE)) {
		if (guest)
			guest_dropped += n;
		else
			ring_dropped += n;
	} else {
		for (size_t i = 0; i < n; i++)
			ring[(ring_head + i) % RING_SIZE] = s[i];
		ring_head += n;
	}
	spin_unlock(&print_lock);
}

/* Up to @max bytes from the ring's tail into @out (or the drop note); 0 when empty. */
static size_t ring_take(char *out, size_t max)
{
	size_t n;

	spin_lock(&print_lock);
	n = (size_t)MIN(ring_head - ring_tail, (u64)max);
	for (size_t i = 0; i < n; i++)
		out[i] = ring[(ring_tail + i) % RING_SIZE];
	ring_tail += n;
	if (!n && ring_dropped) {
		n = (size_t)snprintf(
			out, max,
			"klvisor: (%lu bytes of console output dropped: the log was full)\n",
			ring_dropped);
		ring_dropped = 0;
	} else if (!n && guest_dropped) {
		n = (size_t)snprintf(
			out, max,
			"klvisor: (%lu bytes of guest console output dropped: guests may fill half the log)\n",
			guest_dropped);
		guest_dropped = 0;
	}
	spin_unlock(&print_lock);
	return n;
}

static bool ring_empty(void)
{
	return __atomic_load_n(&ring_head, __ATOMIC_ACQUIRE) ==
		       __atomic_load_n(&ring_tail, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&ring_dropped, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&guest_dropped, __ATOMIC_ACQUIRE);
}

/* Write out up to @budget bytes unless another CPU is already writing. */
static void drain(size_t budget)
{
	char chunk[128];

	while (!ring_empty() && spin_trylock(&drain_lock)) {
		size_t n, done = 0;

		while (done < budget && (n = ring_take(chunk, sizeof(chunk)))) {
			console_write(chunk, n);
			done += n;
		}
		spin_unlock(&drain_lock);
		/* A line appended after our last take, while we held drain_lock, is ours too. */
		if (done >= budget)
			return;
	}
}

void printk_drain(void)
{
	drain(DRAIN_MAX);
}

void printk_flush(void)
{
	char chunk[128];
	size_t n;

	if (!lockless) {
		for (u64 spins = 0; !ring_empty() && spins < 100000000ULL; spins++)
			drain((size_t)-1);
		return;
	}
	/* Panic: whatever the other CPUs left, without their locks. */
	while (ring_tail != ring_head) {
		n = (size_t)MIN(ring_head - ring_tail, (u64)sizeof(chunk));
		for (size_t i = 0; i < n; i++)
			chunk[i] = ring[(ring_tail + i) % RING_SIZE];
		ring_tail += n;
		console_write(chunk, n);
	}
}

#ifdef KLV_HOST_TEST
void printk_test_hold_drain(bool hold)
{
	if (hold)
		spin_lock(&drain_lock);
	else
		spin_unlock(&drain_lock);
}
#endif

static void vprintk_from(bool guest, const char *fmt, va_list ap)
{
	char buf[256];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	if (lockless) {
		printk_flush();
		console_write(buf, (size_t)n);
		return;
	}
	ring_append(buf, (size_t)n, guest);
	/*
	 * A guest's line is printed with its VM's device lock held (the UART's
	 * newline): writing the ring out there would keep that VM's other vCPUs,
	 * and the CPUs they share with other VMs, waiting on the console.  It
	 * goes out with the next line of klvisor's or the scheduler's
	 * printk_drain().
	 */
	if (!guest)
		drain(DRAIN_MAX);
}

void vprintk(const char *fmt, va_list ap)
{
	vprintk_from(false, fmt, ap);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void printk_guest(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk_from(true, fmt, ap);
	va_end(ap);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl > log_level)
		return;
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}
