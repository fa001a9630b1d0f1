// SPDX-License-Identifier: MIT
/*
 * vsnprintf/snprintf against C99 7.19.6.1 for the conversions klvisor
 * uses (flags, width, precision, length), truncation and the return
 * value, and log_msg filtering by log_level.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lib/printf.h"
#include "tests/unit/support.h"

static char buf[128];

/*
 * Called through a volatile pointer: GCC knows snprintf as a builtin and
 * would otherwise fold calls with constant arguments at compile time,
 * never running the code under test.
 */
static int (*volatile sp)(char *, size_t, const char *, ...) = snprintf;

/* vsnprintf itself, through a va_list. */
static __printf(3, 4) int vfmt(char *b, size_t n, const char *f, ...)
{
	va_list ap;
	int r;

	va_start(ap, f);
	r = vsnprintf(b, n, f, ap);
	va_end(ap);
	return r;
}

/* sp into buf; check the text and that the return value is its length. */
#define CHECK(want, ...)                                    \
	do {                                                \
		int n_ = sp(buf, sizeof(buf), __VA_ARGS__); \
		assert_string_equal(buf, want);             \
		assert_int_equal(n_, strlen(want));         \
	} while (0)

static void test_signed(void **state)
{
	(void)state;
	CHECK("-42", "%d", -42);
	CHECK("0", "%d", 0);
	CHECK("-2147483648", "%d", INT_MIN);
	CHECK("2147483647", "%i", INT_MAX);
	CHECK("-1234567890123", "%ld", -1234567890123L);
	CHECK("-9223372036854775808", "%ld", LONG_MIN);
	CHECK("   42|", "%5d|", 42);
	CHECK("42   |", "%-5d|", 42);
	CHECK("  -42", "%5d", -42);
	CHECK("-0042", "%05d", -42);
	CHECK("123456", "%3d", 123456);
}

static void test_unsigned_and_hex(void **state)
{
	(void)state;
	CHECK("4294967295", "%u", 4294967295u);
	CHECK("18446744073709551615", "%lu", ULONG_MAX);
	CHECK("deadbeef", "%x", 0xdeadbeefu);
	CHECK("DEADBEEF", "%X", 0xdeadbeefu);
	CHECK("0", "%x", 0u);
	CHECK("123456789abcdef0", "%lx", 0x123456789abcdef0UL);
	CHECK("000000000000beef", "%016lx", 0xbeefUL);
	CHECK("ffffffffffffffff", "%016lx", ~0UL);
	CHECK("0x00ff", "0x%04x", 0xffu);
	CHECK("4096", "%zu", (size_t)4096);
	/* Without l, only the int is taken. */
	CHECK("ffffffff", "%x", (unsigned)-1);
}

static void test_strings(void **state)
{
	static const char xyz[3] = { 'x', 'y', 'z' }; /* no NUL */

	(void)state;
	CHECK("ab   |", "%-5s|", "ab");
	CHECK("   ab|", "%5s|", "ab");
	CHECK("abcdefg", "%5s", "abcdefg"); /* width never truncates */
	CHECK("xyz", "%.*s", 3, xyz); /* ASan: nothing read past xyz */
	CHECK("xy", "%.*s", 2, xyz);
	CHECK("ab", "%.5s", "ab");
	CHECK("abc", "%.3s", "abcdef");
	CHECK("  abc", "%5.3s", "abcdef");
	CHECK("", "%.0s", "abc");
	CHECK("[]", "[%s]", "");
	CHECK("(null)", "%s", (char *)NULL);
	CHECK("A", "%c", 'A');
	CHECK("a%b", "a%%b");
	CHECK("100%", "%d%%", 100);
	CHECK("x=1 y=two z=3", "x=%d y=%s z=%c", 1, "two", '3');
}

static void test_pointer(void **state)
{
	int n;
	char *end;

	(void)state;
	n = sp(buf, sizeof(buf), "%p", (void *)0x1234);
	assert_int_equal(n, strlen(buf));
	assert_memory_equal(buf, "0x", 2);
	assert_int_equal(strtoull(buf + 2, &end, 16), 0x1234);
	assert_int_equal(*end, '\0');

	sp(buf, sizeof(buf), "%p", (void *)0xffff800000001000UL);
	assert_int_equal(strtoull(buf + 2, &end, 16), 0xffff800000001000UL);
	assert_int_equal(*end, '\0');
}

static void test_truncation(void **state)
{
	char small[16];
	int n;

	(void)state;
	memset(small, '#', sizeof(small));
	n = sp(small, 8, "%s", "hello world");
	assert_int_equal(n, 11);
	assert_string_equal(small, "hello w");
	/* Nothing written beyond the 8 bytes given. */
	for (size_t i = 8; i < sizeof(small); i++)
		assert_int_equal(small[i], '#');

	memset(small, '#', sizeof(small));
	n = sp(small, 5, "%d-%x", -12345, 0xabcu);
	assert_int_equal(n, 10);
	assert_string_equal(small, "-123");
	assert_int_equal(small[5], '#');

	/* Size 1: just the terminator. */
	memset(small, '#', sizeof(small));
	assert_int_equal(sp(small, 1, "abc"), 3);
	assert_int_equal(small[0], '\0');
	assert_int_equal(small[1], '#');

	/* Exactly fitting. */
	assert_int_equal(sp(small, 4, "abc"), 3);
	assert_string_equal(small, "abc");
}

static void test_size_zero(void **state)
{
	char c = '#';

	(void)state;
	assert_int_equal(sp(NULL, 0, "%d", 12345), 5);
	assert_int_equal(sp(&c, 0, "%s and %s", "this", "that"), 13);
	assert_int_equal(c, '#');
}

static void test_vsnprintf(void **state)
{
	char small[8];

	(void)state;
	assert_int_equal(vfmt(buf, sizeof(buf), "%s=%lu %c%-3d|", "n", 5UL, 'x', 7), 9);
	assert_string_equal(buf, "n=5 x7  |");
	memset(small, '#', sizeof(small));
	assert_int_equal(vfmt(small, 4, "%05u", 42u), 5);
	assert_string_equal(small, "000");
	assert_int_equal(small[4], '#');
}

static void test_log_filtering(void **state)
{
	enum log_level saved = log_level;

	(void)state;
	console_reset();
	log_level = LOG_WARN;
	pr_debug("debug %d\n", 1);
	pr_info("info %d\n", 2);
	assert_string_equal(console_buf, "");
	pr_warn("warn %d\n", 3);
	pr_err("err %s\n", "four");
	assert_string_equal(console_buf, "warn 3\nerr four\n");

	console_reset();
	log_level = LOG_ERR;
	pr_warn("warn\n");
	pr_err("only this\n");
	assert_string_equal(console_buf, "only this\n");

	console_reset();
	log_level = LOG_DEBUG;
	pr_debug("d\n");
	pr_info("i\n");
	pr_warn("w\n");
	pr_err("e\n");
	assert_string_equal(console_buf, "d\ni\nw\ne\n");

	/* printk ignores the level. */
	console_reset();
	log_level = LOG_ERR;
	printk("always %lx\n", 0xabcUL);
	assert_string_equal(console_buf, "always abc\n");
	log_level = saved;
}

/*
 * Issue 8, item 7: printk never writes to the console while holding the
 * lock other CPUs need.  While another CPU is writing the log out (drain
 * lock held), printk only buffers and returns; the lines come out later,
 * whole and in order.  A full log drops new lines and says how much.
 */
static void test_buffered_while_draining(void **state)
{
	(void)state;
	console_reset();
	printk_test_hold_drain(true);
	printk("first %d\n", 1);
	printk("second %s\n", "line");
	assert_string_equal(console_buf, ""); /* on e6e6724 the writer blocked, then wrote */
	printk_test_hold_drain(false);
	printk_drain();
	assert_string_equal(console_buf, "first 1\nsecond line\n");

	/* A direct printk with nobody draining writes at once. */
	console_reset();
	printk("now\n");
	assert_string_equal(console_buf, "now\n");
}

/* A 200-byte line of @c (with its newline), and the console emptied with nobody draining. */
static void line_and_held_log(char line[201], char c)
{
	memset(line, c, 199);
	line[199] = '\n';
	line[200] = '\0';
	console_reset();
	printk_test_hold_drain(true);
}

static void test_full_log_drops_and_counts(void **state)
{
	char line[201];
	unsigned lines = 0;

	(void)state;
	line_and_held_log(line, 'x');
	for (; lines < 400; lines++) /* 80000 bytes into a 65536-byte log */
		printk("%s", line);
	printk_test_hold_drain(false);
	printk_flush();
	/* 327 whole lines fit (65400 bytes); the other 73 are counted. */
	assert_int_equal(
		strlen(console_buf),
		65400 + strlen("klvisor: (14600 bytes of console output dropped: the log was full)\n"));
	assert_non_null(
		strstr(console_buf,
		       "klvisor: (14600 bytes of console output dropped: the log was full)\n"));
	assert_int_equal(console_buf[65399], '\n');
	assert_int_equal(console_buf[65400], 'k');
}

/*
 * Guests' lines may fill only half the log: with it held full of them,
 * klvisor's own lines still go in whole (a flooding guest on one CPU and
 * a slow console once pushed out "console output limit reached" and "vm
 * ended" lines), and what the guests lost is counted in its own note.
 */
static void test_guest_lines_fill_half_the_log(void **state)
{
	char line[201];

	(void)state;
	line_and_held_log(line, 'g');
	for (int i = 0; i < 400; i++) /* 80000 bytes of guest lines */
		printk_guest("%s", line);
	for (int i = 0; i < 100; i++) /* then 20000 of klvisor's own */
		printk("klvisor line %03d\n", i);
	printk_test_hold_drain(false);
	printk_flush();
	/* 163 guest lines fit in 32768 bytes (32600); all 100 of klvisor's follow them. */
	assert_int_equal(console_buf[32599], '\n');
	assert_memory_equal(console_buf + 32600, "klvisor line 000\n", 17);
	assert_non_null(strstr(console_buf, "klvisor line 099\n"));
	assert_null(strstr(console_buf, "console output dropped: the log was full"));
	assert_non_null(strstr(console_buf,
			       "klvisor: (47400 bytes of guest console output dropped: "
			       "guests may fill half the log)\n"));
}

/*
 * A guest's line is printed under its VM's device lock, so it is only
 * buffered: the console sees it with the next printk_drain() (or printk)
 * of klvisor's, never while the caller holds a lock another CPU needs.
 */
static void test_guest_line_only_buffered(void **state)
{
	(void)state;
	console_reset();
	printk_guest("[vm] %s\n", "hello");
	assert_string_equal(console_buf, "");
	printk_drain();
	assert_string_equal(console_buf, "[vm] hello\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_unsigned_and_hex),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_size_zero),
		cmocka_unit_test(test_vsnprintf),
		cmocka_unit_test(test_log_filtering),
		cmocka_unit_test(test_buffered_while_draining),
		cmocka_unit_test(test_full_log_drops_and_counts),
		cmocka_unit_test(test_guest_lines_fill_half_the_log),
		cmocka_unit_test(test_guest_line_only_buffered),
	};

	return cmocka_run_group_tests_name("printf", tests, NULL, NULL);
}
