// SPDX-License-Identifier: MIT
/*
 * The virtual 8254 against the Intel 8254 data sheet: counts at
 * 1193182 Hz of host time, modes 0, 2 and 3 (OUT and the count), the
 * access modes, counter latch and read-back, channel 2's gate and OUT
 * on port 0x61, and channel 0's rising edges (IRQ 0) as vpit_poll() and
 * vpit_next_irq() report them.
 *
 * Times: N PIT clocks have passed at the first TSC value t with
 * floor(t * PIT_HZ / tsc_hz) >= N, i.e. t = ceil(N * tsc_hz / PIT_HZ).
 * The literal values below were worked out from that by hand; at() is
 * the same formula, for the places where a literal would say less.
 */
#include "tests/unit/support.h"
#include "vmm/vpit.h"

#define HZ5M 5000000ULL /* Bochs's TSC here */
#define HZ1G 1000000000ULL /* a 1 GHz TSC */

static struct vpit p;

/* The host TSC after @ticks PIT clocks at @hz, rounded up. */
static u64 at(u64 ticks, u64 hz)
{
	return (ticks * hz + PIT_HZ - 1) / PIT_HZ;
}

/* Control word (access LSB then MSB, binary), then the count. */
static void program(unsigned ch, unsigned mode, u32 count, u64 now)
{
	vpit_write(&p, 0x43, (u8)(ch << 6 | 3 << 4 | mode << 1), now);
	vpit_write(&p, (u16)(0x40 + ch), count & 0xff, now);
	vpit_write(&p, (u16)(0x40 + ch), (count >> 8) & 0xff, now);
}

static u16 read_count(unsigned ch, u64 now)
{
	u16 lo = vpit_read(&p, (u16)(0x40 + ch), now);

	return lo | (u16)(vpit_read(&p, (u16)(0x40 + ch), now) << 8);
}

static bool out2(u64 now)
{
	return vpit_read(&p, 0x61, now) & 0x20;
}

static void test_reset(void **state)
{
	(void)state;
	vpit_reset(&p, HZ5M);
	/* Channel 0 was never programmed: no edge is due, ever. */
	assert_int_equal(vpit_next_irq(&p), 0);
	assert_int_equal(vpit_poll(&p, 1000000000), 0);
	assert_int_equal(vpit_next_irq(&p), 0);
	assert_int_equal(vpit_read(&p, 0x43, 0), 0xff); /* the control word cannot be read */
	assert_int_equal(vpit_read(&p, 0x44, 0), 0xff);
}

/*
 * Mode 2 with 1193: a rising edge every 1193 clocks (~1000.15 Hz).
 * At 5 MHz, 1193 clocks are 4999.24 cycles: edges at +5000, +9999
 * (2386 clocks = 9998.47), +504923 (101 periods = 504922.9), +509923.
 * At 1 GHz: +999848 (999847.46), +1999695, +100984595, +101984442.
 */
static void test_mode2_rate(void **state)
{
	static const struct {
		u64 hz, e1, e2, e101, e102;
	} t[] = { { HZ5M, 5000, 9999, 504923, 509923 },
		  { HZ1G, 999848, 1999695, 100984595, 101984442 } };
	u64 t0 = 1000;

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		vpit_reset(&p, t[i].hz);
		program(0, 2, 1193, t0);
		/* The control word raised OUT (low since reset): an edge, due at once. */
		assert_true(vpit_next_irq(&p) && vpit_next_irq(&p) <= t0);
		assert_int_equal(vpit_poll(&p, t0), 1);
		assert_int_equal(vpit_next_irq(&p), t0 + t[i].e1);
		assert_int_equal(vpit_poll(&p, t0 + t[i].e1 - 1), 0);
		assert_int_equal(vpit_next_irq(&p), t0 + t[i].e1);
		assert_int_equal(vpit_poll(&p, t0 + t[i].e1), 1);
		assert_int_equal(vpit_next_irq(&p), t0 + t[i].e2);
		assert_int_equal(vpit_poll(&p, t0 + t[i].e2 - 1), 0);
		/* Edges 2..101 while nobody looked: one report of 100. */
		assert_int_equal(vpit_poll(&p, t0 + t[i].e101), 100);
		assert_int_equal(vpit_next_irq(&p), t0 + t[i].e102);
		assert_int_equal(vpit_poll(&p, t0 + t[i].e101), 0); /* not twice */
		/* The count goes N, N-1, ..., 1 and reloads: 1193 at the edge. */
		assert_int_equal(read_count(0, t0 + t[i].e101), 1193);
	}
}

/* A control word for mode 2 or 3 sets OUT high: from mode 0's low, a rising edge. */
static void test_control_word_edge(void **state)
{
	(void)state;
	vpit_reset(&p, HZ5M);
	program(0, 0, 0xffff, 0); /* mode 0: OUT low */
	vpit_poll(&p, 10);
	vpit_write(&p, 0x43, 0x34, 100); /* channel 0, mode 2 */
	assert_true(vpit_next_irq(&p) != 0 && vpit_next_irq(&p) <= 100);
	assert_int_equal(vpit_poll(&p, 100), 1);
	assert_int_equal(vpit_next_irq(&p), 0); /* no count yet */
	/* Already high (mode 2 running): a new control word is no edge. */
	program(0, 2, 1000, 200);
	vpit_poll(&p, 200);
	vpit_write(&p, 0x43, 0x34, 300);
	assert_int_equal(vpit_poll(&p, 300), 0);
}

/*
 * Mode 3, count 1000 at 1 GHz: OUT high for clocks 0-499, low for
 * 500-999; the count goes down by two through each half (1000 - 2h).
 */
static void test_mode3(void **state)
{
	(void)state;
	vpit_reset(&p, HZ1G);
	vpit_write(&p, 0x61, 0x01, 0);
	program(2, 3, 1000, 1000);
	assert_true(out2(1000));
	assert_true(out2(1000 + at(499, HZ1G)));
	assert_false(out2(1000 + at(500, HZ1G)));
	assert_false(out2(1000 + at(999, HZ1G)));
	assert_true(out2(1000 + at(1000, HZ1G)));
	assert_int_equal(read_count(2, 1000 + at(100, HZ1G)), 1000 - 200);
	assert_int_equal(read_count(2, 1000 + at(600, HZ1G)), 1000 - 200);
	/* Odd counts: (N + 1) / 2 clocks high, (N - 1) / 2 low; 5 is high 3, low 2. */
	program(2, 3, 5, 1000);
	assert_true(out2(1000 + at(2, HZ1G)));
	assert_false(out2(1000 + at(3, HZ1G)));
	assert_false(out2(1000 + at(4, HZ1G)));
	assert_true(out2(1000 + at(5, HZ1G)));
	/* ...and counts from N - 1 by two: 4, 2, 0 high, 4, 2 low. */
	assert_int_equal(read_count(2, 1000 + at(1, HZ1G)), 2);
	assert_int_equal(read_count(2, 1000 + at(3, HZ1G)), 4);
	/* Channel 0 in mode 3: one rising edge per period, at the period's end. */
	program(0, 3, 1000, 0);
	assert_int_equal(vpit_poll(&p, 0), 1); /* the control word's edge */
	assert_int_equal(vpit_next_irq(&p), at(1000, HZ1G));
	assert_int_equal(vpit_poll(&p, at(10 * 1000, HZ1G)), 10);
	assert_int_equal(vpit_next_irq(&p), at(11 * 1000, HZ1G));
}

/*
 * Mode 0 with 5000 at 5 MHz: OUT low from the write, high when the
 * count reaches 0 after 5000 clocks (20952.4 cycles: at +20953), and
 * high from then on.  IRQ 0 sees that one edge only.
 */
static void test_mode0_once(void **state)
{
	(void)state;
	vpit_reset(&p, HZ5M);
	program(0, 0, 5000, 100);
	assert_int_equal(vpit_next_irq(&p), 100 + 20953);
	assert_int_equal(vpit_poll(&p, 100 + 20952), 0);
	assert_int_equal(vpit_poll(&p, 100 + 20953), 1);
	assert_int_equal(vpit_next_irq(&p), 0);
	assert_int_equal(vpit_poll(&p, 100000000), 0);
	/* After terminal count the counter goes on down through 0xffff. */
	assert_int_equal(read_count(0, 100 + at(5010, HZ5M)), (u16)(5000 - 5010));
	/* A new count arms it again. */
	program(0, 0, 10, 200000);
	assert_int_equal(vpit_next_irq(&p), 200000 + 42); /* 10 clocks: 41.9 cycles */
	assert_int_equal(vpit_poll(&p, 200042), 1);
	/* In mode 0 the first byte of a two-byte count stops the count (OUT low). */
	vpit_write(&p, 0x61, 0x01, 0);
	program(2, 0, 10, 300000);
	assert_true(out2(300000 + 42));
	vpit_write(&p, 0x42, 0x20, 300100);
	assert_false(out2(400000));
	vpit_write(&p, 0x42, 0x00, 400000); /* 0x0020: 32 clocks from here */
	assert_false(out2(400000 + at(31, HZ5M)));
	assert_true(out2(400000 + at(32, HZ5M)));
}

static void test_access_modes_and_latch(void **state)
{
	(void)state;
	vpit_reset(&p, HZ1G);
	program(0, 2, 0x1234, 0);
	assert_int_equal(read_count(0, 0), 0x1234);
	/* LSB first, then MSB: 0x34 clocks on, the count is 0x1200. */
	assert_int_equal(vpit_read(&p, 0x40, at(0x34, HZ1G)), 0x00);
	assert_int_equal(vpit_read(&p, 0x40, at(0x34, HZ1G)), 0x12);
	/* Counter latch: the value holds while time goes on, until both bytes are read. */
	vpit_write(&p, 0x43, 0x00, at(0x34, HZ1G));
	vpit_write(&p, 0x43, 0x00, at(0x100, HZ1G)); /* a second latch is ignored */
	assert_int_equal(read_count(0, at(0x1000, HZ1G)), 0x1200);
	assert_int_equal(read_count(0, at(0x1000, HZ1G)), 0x234); /* live again */
	/* LSB-only and MSB-only access: the other byte of the count is 0. */
	vpit_write(&p, 0x43, 0x14, 0); /* channel 0, LSB only, mode 2 */
	vpit_write(&p, 0x40, 0x80, 0);
	assert_int_equal(vpit_read(&p, 0x40, 0), 0x80);
	assert_int_equal(vpit_read(&p, 0x40, 0), 0x80);
	assert_int_equal(vpit_read(&p, 0x40, at(0x10, HZ1G)), 0x70);
	vpit_write(&p, 0x43, 0x24, 0); /* MSB only: the count is 0x0200 */
	vpit_write(&p, 0x40, 0x02, 0);
	assert_int_equal(vpit_read(&p, 0x40, 0), 0x02);
	assert_int_equal(vpit_read(&p, 0x40, at(0x101, HZ1G)), 0x00); /* 0x00ff */
	vpit_poll(&p, 0);
	assert_int_equal(vpit_next_irq(&p), at(0x200, HZ1G));
	/* A count of 0 is 65536: a period of 54925401.2 cycles at 1 GHz. */
	program(0, 2, 0, 0);
	vpit_poll(&p, 0);
	assert_int_equal(vpit_next_irq(&p), 54925402);
	assert_int_equal(read_count(0, at(1, HZ1G)), 0xffff);
	/* Modes 6 and 7 are 2 and 3. */
	vpit_write(&p, 0x43, 0x3c, 0); /* channel 0, mode 6 */
	vpit_write(&p, 0x40, 100, 0);
	vpit_write(&p, 0x40, 0, 0);
	vpit_poll(&p, 0);
	assert_int_equal(vpit_poll(&p, at(300, HZ1G)), 3);
}

static void test_read_back(void **state)
{
	(void)state;
	vpit_reset(&p, HZ1G);
	program(0, 2, 1000, 0);
	vpit_write(&p, 0x43, 0xc2, at(10, HZ1G)); /* read-back: count and status, channel 0 */
	/* Status first: OUT high (bit 7), count loaded (bit 6 clear), the control word 0x34. */
	assert_int_equal(vpit_read(&p, 0x40, at(500, HZ1G)), 0x80 | 0x34);
	assert_int_equal(read_count(0, at(500, HZ1G)), 990); /* then the count latched */
	assert_int_equal(read_count(0, at(500, HZ1G)), 500);
	/* Status only, channel 2 in mode 0 before its count: OUT low, null count. */
	vpit_write(&p, 0x43, 0xb0, 0);
	vpit_write(&p, 0x43, 0xe8, 0); /* read-back: status only, channel 2 */
	assert_int_equal(vpit_read(&p, 0x42, 0), 0x40 | 0x30);
	/* Mode 6 reads back as written, BCD too. */
	vpit_write(&p, 0x43, 0x7d, 0); /* channel 1, LSB/MSB, mode 6, BCD */
	vpit_write(&p, 0x43, 0xe4, 0); /* status of channel 1 */
	vpit_write(&p, 0x43, 0xe4, 0); /* a second status latch is ignored */
	assert_int_equal(vpit_read(&p, 0x41, 0), 0x80 | 0x40 | 0x3d);
	/* Count latch on several channels at once. */
	program(1, 2, 3000, 0);
	program(2, 0, 2000, 0);
	vpit_write(&p, 0x61, 0x01, 0);
	vpit_write(&p, 0x43, 0xde, at(100, HZ1G)); /* counts of 0, 1 and 2 */
	assert_int_equal(read_count(0, at(999, HZ1G)), 1000 - 100);
	assert_int_equal(read_count(1, at(999, HZ1G)), 3000 - 100);
	assert_int_equal(read_count(2, at(999, HZ1G)), 2000 - 100);
}

/*
 * Calibration, channel 2 in mode 0 with its gate on port 0x61 bit 0
 * and OUT on bit 5.  10 ms is 11931 clocks: 49997 cycles at 5 MHz
 * (49996.6).  With the gate low the count does not move.
 */
static void test_channel2_gate(void **state)
{
	u64 t0 = 1000000;

	(void)state;
	vpit_reset(&p, HZ5M);
	/* Gate off, program, gate on, poll bit 5. */
	vpit_write(&p, 0x61, 0x00, 0);
	program(2, 0, 11931, 0);
	assert_false(out2(3 * 49997)); /* gate off: no count */
	assert_int_equal(read_count(2, 3 * 49997), 11931);
	vpit_write(&p, 0x61, 0x01, t0);
	assert_false(out2(t0 + 49996));
	assert_true(out2(t0 + 49997));
	assert_int_equal(vpit_read(&p, 0x61, 0) & 0x03, 0x01);
	/* Linux's way: gate on (speaker off) first, then program and watch the count's MSB. */
	vpit_write(&p, 0x61, 0x01, 0);
	program(2, 0, 0xffff, t0);
	assert_int_equal(read_count(2, t0), 0xffff);
	assert_int_equal(vpit_read(&p, 0x42, t0 + at(256, HZ5M)), 0xff); /* 0xfeff */
	assert_int_equal(vpit_read(&p, 0x42, t0 + at(256, HZ5M)), 0xfe);
	assert_false(out2(t0 + at(0xffff, HZ5M) - 1));
	assert_true(out2(t0 + at(0xffff, HZ5M)));
	/* Gate low pauses mode 0: the count resumes where it stopped. */
	program(2, 0, 1000, 0);
	vpit_write(&p, 0x61, 0x00, at(400, HZ5M));
	assert_int_equal(read_count(2, 5000000), 600);
	vpit_write(&p, 0x61, 0x01, t0);
	assert_false(out2(t0 + at(599, HZ5M)));
	assert_true(out2(t0 + at(600, HZ5M)));
	/* Modes 2, 3: gate low forces OUT high; its rise restarts the count from the reload. */
	program(2, 3, 1000, 0);
	assert_false(out2(at(700, HZ5M)));
	vpit_write(&p, 0x61, 0x00, at(700, HZ5M));
	assert_true(out2(at(700, HZ5M)));
	vpit_write(&p, 0x61, 0x01, t0);
	assert_int_equal(read_count(2, t0), 1000);
	assert_false(out2(t0 + at(500, HZ5M)));
	/* Channel 2 is not IRQ 0. */
	assert_int_equal(vpit_next_irq(&p), 0);
}

/* Bit 4 toggles every 15.085 us: 15085 cycles at 1 GHz; ~66.29 times in 1 ms. */
static void test_refresh_toggles(void **state)
{
	unsigned flips = 0;
	u8 last;

	(void)state;
	vpit_reset(&p, HZ1G);
	last = vpit_read(&p, 0x61, 1000000000) & 0x10;
	for (u64 t = 1000000000; t < 1000000000 + 1000000; t += 1000) {
		u8 b = vpit_read(&p, 0x61, t) & 0x10;

		flips += b != last;
		last = b;
	}
	assert_true(flips == 66 || flips == 67);
	assert_int_equal(vpit_read(&p, 0x61, 0) & 0xcf, 0); /* nothing else set */
}

/*
 * Reprogramming: a new count counts from the write (this model's
 * choice for modes 2 and 3, see vpit.c), and an edge already due when
 * the write came is still reported.  5 MHz: 1193 clocks at +5000, 2386
 * at +9999.
 */
static void test_reprogram_mid_count(void **state)
{
	u64 t0 = 1000;

	(void)state;
	vpit_reset(&p, HZ5M);
	program(0, 2, 1193, t0);
	vpit_poll(&p, t0);
	/* Half a period in: the new count's first edge is 2386 clocks after the write. */
	program(0, 2, 2386, t0 + 2500);
	assert_int_equal(vpit_next_irq(&p), t0 + 2500 + 9999);
	assert_int_equal(vpit_poll(&p, t0 + 2500 + 9998), 0);
	assert_int_equal(vpit_poll(&p, t0 + 2500 + 9999), 1);
	/*
	 * Two periods of 1193 ran out (at +5000, +9999) but nobody polled
	 * before the rewrite at +12000: they are owed, due now.
	 */
	program(0, 2, 1193, 100000);
	vpit_poll(&p, 100000);
	program(0, 2, 1193, 100000 + 12000);
	assert_int_equal(vpit_next_irq(&p), 100000 + 12000);
	assert_int_equal(vpit_poll(&p, 100000 + 12000), 2);
	assert_int_equal(vpit_next_irq(&p), 100000 + 12000 + 5000);
	/* The same (edges at +17000, +21999) into mode 0: its own edge comes on top. */
	program(0, 0, 1193, 100000 + 24000);
	assert_int_equal(vpit_next_irq(&p), 100000 + 24000);
	assert_int_equal(vpit_poll(&p, 100000 + 24000 + 5000), 3);
	assert_int_equal(vpit_next_irq(&p), 0);
}

static void test_unsupported(void **state)
{
	(void)state;
	vpit_reset(&p, HZ5M);
	vpit_write(&p, 0x43, 0x34, 0);
	assert_null(p.unsupported);
	vpit_write(&p, 0x43, 0x35, 0); /* BCD */
	assert_non_null(p.unsupported);
	vpit_write(&p, 0x40, 0x10, 0); /* counted as binary 0x0010: 16 clocks */
	vpit_write(&p, 0x40, 0x00, 0);
	vpit_poll(&p, 0);
	assert_int_equal(vpit_next_irq(&p), at(16, HZ5M));
	/* Modes 1, 4, 5: reported, and counted as mode 0 (one edge at terminal count). */
	for (unsigned mode = 1; mode <= 5; mode += mode == 1 ? 3 : 1) {
		p.unsupported = NULL;
		program(0, mode, 100, 1000);
		assert_non_null(p.unsupported);
		vpit_poll(&p, 1000);
		assert_int_equal(vpit_next_irq(&p), 1000 + at(100, HZ5M));
		assert_int_equal(vpit_poll(&p, 1000000), 1);
		assert_int_equal(vpit_next_irq(&p), 0);
	}
}

/*
 * Years of TSC at 5 GHz: elapsed * PIT_HZ passes 2^64 after 15.46e12
 * cycles (under an hour), so this needs the 128-bit product.  Counting
 * from 1000 to 1000 + 3 years (473040000000000000 cycles) is
 * 94608000 s * 1193182 = 112884562656000 clocks exactly; with 11932 a
 * period that is 9460657279 periods and 2972 clocks, so the count is
 * 11932 - 2972 = 8960, and the next edge is those 8960 clocks on:
 * 37546660.5 cycles, at 473040000037547661.
 */
static void test_long_uptime(void **state)
{
	u64 hz = 5000000000ULL, t0 = 3ULL * 365 * 86400 * hz;

	(void)state;
	vpit_reset(&p, hz);
	program(0, 2, 11932, 1000);
	vpit_poll(&p, 1000);
	assert_int_equal(read_count(0, 1000 + t0), 8960);
	/* 9460657279 edges do not fit the return value: it saturates. */
	assert_int_equal(vpit_poll(&p, 1000 + t0), 0xffffffffu);
	assert_int_equal(vpit_next_irq(&p), 473040000037547661ULL);
	/* And a count started after all that keeps the rate: 999 edges in 10 s (999.98). */
	program(0, 2, 11932, t0);
	vpit_poll(&p, t0);
	assert_int_equal(vpit_poll(&p, t0 + 10 * hz), 999);
	assert_true(vpit_next_irq(&p) > t0 + 10 * hz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_mode2_rate),
		cmocka_unit_test(test_control_word_edge),
		cmocka_unit_test(test_mode3),
		cmocka_unit_test(test_mode0_once),
		cmocka_unit_test(test_access_modes_and_latch),
		cmocka_unit_test(test_read_back),
		cmocka_unit_test(test_channel2_gate),
		cmocka_unit_test(test_refresh_toggles),
		cmocka_unit_test(test_reprogram_mid_count),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_long_uptime),
	};

	return cmocka_run_group_tests_name("vpit", tests, NULL, NULL);
}
