// SPDX-License-Identifier: MIT
/*
 * String port I/O (vmm/strio.c) against a fake guest memory and a fake
 * device, with the real segment checks (vmm/segment.c).  Expected
 * values follow the SDM: Vol. 2, INS/OUTS and REP (element order, DF,
 * the count and pointer registers at the address size: 16-bit ones keep
 * bits 63:16, 32-bit ones zero-extend), Vol. 3, 5.3 and 5.4 (limit and
 * type checks), and the restartable faults of Vol. 3, 7.x: the iterations
 * before a faulting one stay done and the faulting one has done no I/O.
 */
#include <string.h>

#include "tests/unit/support.h"
#include "vmm/strio.h"

#define MEM_SIZE 0x40000

/* Guest "memory": linear = offset in mem[]; one not-present range; one range that stops the VM. */
static u8 mem[MEM_SIZE];
static u64 absent_lo, absent_hi, stop_lo, stop_hi;
static u64 fault_la;
static unsigned maps;

/* The device: a log of accesses; INs read in_next, in_next + 1, ... */
struct access {
	u16 port;
	unsigned size;
	bool in;
	u32 val;
};
static struct access log_[16384];
static unsigned nlog;
static u32 in_next;
static unsigned end_after; /* the VM ends after this many accesses (0: never) */
static bool ended;

static u8 *fake_map(void *ctx, u64 la, bool write, enum strio_result *why)
{
	(void)write;
	assert_ptr_equal(ctx, mem);
	maps++;
	if (la >= absent_lo && la < absent_hi) {
		fault_la = la;
		*why = STRIO_FAULT;
		return NULL;
	}
	if ((la >= stop_lo && la < stop_hi) || la >= MEM_SIZE) {
		*why = STRIO_STOP;
		return NULL;
	}
	return &mem[la];
}

static u32 fake_port(void *ctx, u16 port, unsigned size, bool in, u32 val)
{
	u32 r = in ? in_next++ : 0;

	assert_ptr_equal(ctx, mem);
	assert_true(nlog < ARRAY_SIZE(log_));
	assert_false(ended);
	log_[nlog++] = (struct access){ port, size, in, val };
	if (end_after && nlog == end_after)
		ended = true;
	/* A device returns only @size bytes. */
	return size == 4 ? r : r & ((1U << (8 * size)) - 1);
}

static bool fake_ended(void *ctx)
{
	assert_ptr_equal(ctx, mem);
	return ended;
}

static const struct strio_env env = { mem, fake_map, fake_port, fake_ended };

static const struct seg_state flat32 = { 0, 0xffffffff, 0xc093 }; /* data, RW, B, G */

static int reset(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(mem); i++)
		mem[i] = (u8)(i * 7 + 3);
	absent_lo = absent_hi = stop_lo = stop_hi = 0;
	fault_la = 0;
	maps = nlog = end_after = 0;
	in_next = 0x11223344;
	ended = false;
	return 0;
}

static struct strio_op op64(bool in, unsigned size, bool rep)
{
	return (struct strio_op){ .port = 0x3ff,
				  .size = (u8)size,
				  .addr_size = 8,
				  .in = in,
				  .rep = rep,
				  .mode_bits = 64,
				  .pe = true,
				  .seg = flat32 };
}

static enum strio_result run(const struct strio_op *op, struct strio_regs *r, u64 *done)
{
	return strio_run(op, r, &env, done);
}

static void test_outs_single(void **state)
{
	struct strio_regs r = { .rcx = 77, .rsi = 0x1000, .rdi = 5 };
	struct strio_op op = op64(false, 1, false);
	u64 done;

	(void)state;
	assert_int_equal(run(&op, &r, &done), STRIO_DONE);
	assert_int_equal(done, 1);
	assert_int_equal(nlog, 1);
	assert_int_equal(log_[0].port, 0x3ff);
	assert_false(log_[0].in);
	assert_int_equal(log_[0].size, 1);
	assert_int_equal(log_[0].val, mem[0x1000]);
	/* without REP rCX is not the count and stays */
	assert_int_equal(r.rcx, 77);
	assert_int_equal(r.rsi, 0x1001);
	assert_int_equal(r.rdi, 5);

	/* words and doublewords are little-endian from memory */
	reset(NULL);
	op.size = 2;
	r.rsi = 0x2000;
	assert_int_equal(run(&op, &r, &done), STRIO_DONE);
	assert_int_equal(log_[0].val, mem[0x2000] | mem[0x2001] << 8);
	assert_int_equal(r.rsi, 0x2002);
	op.size = 4;
	assert_int_equal(run(&op, &r, &done), STRIO_DONE);
	assert_int_equal(log_[1].size, 4);
	assert_int_equal(log_[1].val, (u32)mem[0x2002] | (u32)mem[0x2003] << 8 |
					      (u32)mem[0x2004] << 16 | (u32)mem[0x2005] << 24);
	assert_int_equal(r.rsi, 0x2006);
}

static void test_ins_sizes(void **state)
{
	static const unsigned sizes[] = { 1, 2, 4 };

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		struct strio_regs r = { .rdi = 0x3000 };
		struct strio_op op = op64(true, sizes[i], false);
		u8 before;
		u64 done;

		reset(NULL);
		before = mem[0x3000 + sizes[i]];
		assert_int_equal(run(&op, &r, &done), STRIO_DONE);
		assert_int_equal(nlog, 1);
		assert_true(log_[0].in);
		assert_int_equal(log_[0].size, sizes[i]);
		for (unsigned b = 0; b < sizes[i]; b++)
			assert_int_equal(mem[0x3000 + b], (0x11223344 >> (8 * b)) & 0xff);
		assert_int_equal(mem[0x3000 + sizes[i]], before); /* exactly size bytes */
		assert_int_equal(r.rdi, 0x3000 + sizes[i]);
		assert_int_equal(r.rsi, 0);
	}
}

static void test_rep_forward_and_backward(void **state)
{
	struct strio_regs r = { .rcx = 5, .rdi = 0x4000 };
	struct strio_op op = op64(true, 1, true);
	u64 done;

	(void)state;
	assert_int_equal(run(&op, &r, &done), STRIO_DONE);
	assert_int_equal(done, 5);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(mem[0x4000 + i], 0x44 + i);
	assert_int_equal(r.rcx, 0);
	assert_int_equal(r.rdi, 0x4005);

	/* DF = 1: the first element read lands at the highest address */
	reset(NULL);
	op.df = true;
	op.size = 2;
	r = (struct strio_regs){ .rcx = 3, .rdi = 0x4010 };
	assert_int_equal(run(&op, &r, &done), STRIO_DONE);
	assert_int_equal(mem[0x4010], 0x44);
	assert_int_equal(mem[0x400e], 0x45);
	assert_int_equal(mem[0x400c], 0x46);
	assert_int_equal(mem[0x400d], 0x33); /* the high byte of 0x11223346 */
	assert_int_equal(r.rdi, 0x400a);
	assert_int_equal(r.rcx, 0);

	/* OUTS with DF = 1: elements go out from the highest address down */
	reset(NULL);
	op = op64(false, 4, true);
	op.df = true;
	r = (struct strio_regs){ .rcx = 2, .rsi = 0x5008 };
	assert_int_equal(run(&op, &r, &done), STRIO_DONE);
	assert_int_equal(nlog, 2);
	assert_int_equal(log_[0].val & 0xff, mem[0x5008]);
	assert_int_equal(log_[1].val & 0xff, mem[0x5004]);
	assert_int_equal(r.rsi, 0x5000);
}

static void test_rep_zero_count(void **state)
{
	struct strio_regs r = { .rcx = 0, .rsi = 0x1000, .rdi = 0x2000 };
	struct strio_op op = op64(true, 4, true);
	u64 done = 99;

	(void)state;
	assert_int_equal(run(&op, &r, &done), STRIO_DONE);
	assert_int_equal(done, 0);
	assert_int_equal(nlog, 0);
	assert_int_equal(maps, 0);
	assert_int_equal(r.rdi, 0x2000);
	/* a 16-bit count of 0 with bits above it set: still 0 */
	op.addr_size = 2;
	op.mode_bits = 32;
	r.rcx = 0x12340000;
	assert_int_equal(run(&op, &r, &done), STRIO_DONE);
	assert_int_equal(nlog, 0);
	assert_int_equal(r.rcx, 0x12340000);
}

static void test_bound_per_exit(void **state)
{
	struct strio_regs r = { .rcx = 10000, .rdi = 0x1000 };
	struct strio_op op = op64(true, 1, true);
	u64 done;

	(void)state;
	assert_int_equal(run(&op, &r, &done), STRIO_MORE);
	assert_int_equal(done, STRIO_MAX_BYTES);
	assert_int_equal(r.rcx, 10000 - STRIO_MAX_BYTES);
	assert_int_equal(r.rdi, 0x1000 + STRIO_MAX_BYTES);
	assert_int_equal(run(&op, &r, &done), STRIO_MORE);
	assert_int_equal(run(&op, &r, &done), STRIO_DONE);
	assert_int_equal(done, 10000 - 2 * STRIO_MAX_BYTES);
	assert_int_equal(r.rcx, 0);
	assert_int_equal(nlog, 10000);
	/* bytes per exit, not elements: 1024 doublewords */
	reset(NULL);
	op.size = 4;
	r = (struct strio_regs){ .rcx = ~0ULL, .rdi = 0x1000 };
	assert_int_equal(run(&op, &r, &done), STRIO_MORE);
	assert_int_equal(done, STRIO_MAX_BYTES / 4);
	assert_int_equal(r.rcx, ~0ULL - STRIO_MAX_BYTES / 4);
	/* RFLAGS.TF: one iteration, then a single-step trap at the instruction */
	reset(NULL);
	op.single = true;
	r = (struct strio_regs){ .rcx = 3, .rdi = 0x1000 };
	assert_int_equal(run(&op, &r, &done), STRIO_MORE);
	assert_int_equal(done, 1);
	assert_int_equal(r.rcx, 2);
	r.rcx = 1;
	assert_int_equal(run(&op, &r, &done), STRIO_DONE);
}

static void test_address_size_16(void **state)
{
	struct seg_state es = { 0x10000, 0xffff, 0x0093 }; /* 64 KiB data at 0x10000 */
	struct strio_op op = { .port = 0x511,
			       .size = 1,
			       .addr_size = 2,
			       .in = true,
			       .rep = true,
			       .mode_bits = 32,
			       .pe = true,
			       .seg = es };
	struct strio_regs r = { .rcx = 0xdead0002, .rsi = 0x5555ffff, .rdi = 0xbeefffff };
	u64 done;

	(void)state;
	assert_int_equal(run(&op, &r, &done), STRIO_DONE);
	/* DI wraps at 64 KiB: ES:0xffff, then ES:0x0000 */
	assert_int_equal(mem[0x1ffff], 0x44);
	assert_int_equal(mem[0x10000], 0x45);
	assert_int_equal(r.rdi, 0xbeef0001);
	assert_int_equal(r.rcx, 0xdead0000);
	assert_int_equal(r.rsi, 0x5555ffff);
	/* DF = 1 from DI = 0: wraps down to 0xffff */
	op.df = true;
	r = (struct strio_regs){ .rcx = 0xffff0002, .rdi = 0x00010000 };
	assert_int_equal(run(&op, &r, &done), STRIO_DONE);
	assert_int_equal(mem[0x10000], 0x46);
	assert_int_equal(mem[0x1ffff], 0x47);
	assert_int_equal(r.rdi, 0x0001fffe); /* 0, 0xffff, then 0xfffe */
	assert_int_equal(r.rcx, 0xffff0000);
	/* a word at 0xffff runs past the 64 KiB limit: #GP, nothing done */
	op.size = 2;
	op.df = false;
	r = (struct strio_regs){ .rcx = 1, .rdi = 0xffff };
	nlog = 0;
	assert_int_equal(run(&op, &r, &done), STRIO_SEG_FAULT);
	assert_int_equal(nlog, 0);
	assert_int_equal(r.rcx, 1);
}

static void test_address_size_32(void **state)
{
	struct strio_op op = op64(false, 1, true);
	struct strio_regs r = { .rcx = 0xffffffff00000002ULL, .rsi = 0x100001000ULL };
	u64 done;

	(void)state;
	/* 64-bit code with 67: ESI, ECX; writing them clears bits 63:32 */
	op.addr_size = 4;
	assert_int_equal(run(&op, &r, &done), STRIO_DONE);
	assert_int_equal(log_[0].val, mem[0x1000]);
	assert_int_equal(log_[1].val, mem[0x1001]);
	assert_int_equal(r.rsi, 0x1002);
	assert_int_equal(r.rcx, 0);
	/* FS's base in 64-bit mode, with a 32-bit offset */
	reset(NULL);
	op.rep = false;
	op.seg.base = 0x20000;
	r.rsi = 0xffffffff00000010ULL;
	assert_int_equal(run(&op, &r, &done), STRIO_DONE);
	assert_int_equal(log_[0].val, mem[0x20010]);
	assert_int_equal(r.rsi, 0x11);
	/* 64-bit address size: no truncation anywhere */
	op.addr_size = 8;
	r.rsi = 0x100000010ULL;
	assert_int_equal(run(&op, &r, &done), STRIO_STOP); /* 0x100020010: not in the fake */
	/* 32-bit code: base + offset wraps at 4 GiB */
	reset(NULL);
	op.addr_size = 4;
	op.mode_bits = 32;
	op.seg = (struct seg_state){ 0x20, 0xffffffff, 0xc093 };
	r.rsi = 0xfffffff0;
	assert_int_equal(run(&op, &r, &done), STRIO_DONE);
	assert_int_equal(log_[0].val, mem[0x10]);
	assert_int_equal(r.rsi, 0xfffffff1);
}

static void test_page_fault_mid_string(void **state)
{
	struct strio_op op = op64(true, 1, true);
	struct strio_regs r = { .rcx = 8, .rdi = 0x0ffc };
	u64 done;

	(void)state;
	absent_lo = 0x1000;
	absent_hi = 0x2000;
	assert_int_equal(run(&op, &r, &done), STRIO_FAULT);
	assert_int_equal(fault_la, 0x1000);
	assert_int_equal(done, 4);
	assert_int_equal(r.rcx, 4);
	assert_int_equal(r.rdi, 0x1000);
	/* the faulting element read nothing from the port */
	assert_int_equal(nlog, 4);
	/* the guest maps the page and the instruction goes on where it stopped */
	absent_lo = absent_hi = 0;
	assert_int_equal(run(&op, &r, &done), STRIO_DONE);
	assert_int_equal(done, 4);
	assert_int_equal(nlog, 8);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(mem[0x0ffc + i], 0x44 + i);
	assert_int_equal(r.rcx, 0);
	assert_int_equal(r.rdi, 0x1004);

	/* an element across the page boundary: the second half faults, no I/O */
	reset(NULL);
	absent_lo = 0x1000;
	absent_hi = 0x2000;
	op = op64(false, 2, false);
	r = (struct strio_regs){ .rsi = 0x0fff };
	assert_int_equal(run(&op, &r, &done), STRIO_FAULT);
	assert_int_equal(fault_la, 0x1000);
	assert_int_equal(nlog, 0);
	assert_int_equal(r.rsi, 0x0fff);
	/* DF = 1 into a not-present page below */
	reset(NULL);
	absent_lo = 0x0000;
	absent_hi = 0x1000;
	op = op64(false, 4, true);
	op.df = true;
	r = (struct strio_regs){ .rcx = 4, .rsi = 0x1004 };
	assert_int_equal(run(&op, &r, &done), STRIO_FAULT);
	assert_int_equal(done, 2);
	assert_int_equal(fault_la, 0x0ffc);
	assert_int_equal(r.rsi, 0x0ffc);
	assert_int_equal(r.rcx, 2);
}

static void test_stops(void **state)
{
	struct strio_op op = op64(false, 1, true);
	struct strio_regs r = { .rcx = 5, .rsi = 0x1000 };
	u64 done;

	(void)state;
	/* a port write that ends the VM ends the string there */
	end_after = 2;
	assert_int_equal(run(&op, &r, &done), STRIO_STOP);
	assert_int_equal(done, 2);
	assert_int_equal(nlog, 2);
	/* memory outside guest RAM */
	reset(NULL);
	stop_lo = 0x1002;
	stop_hi = 0x1003;
	r = (struct strio_regs){ .rcx = 5, .rsi = 0x1000 };
	assert_int_equal(run(&op, &r, &done), STRIO_STOP);
	assert_int_equal(done, 2);
	/* a size no exit reports */
	op.size = 8;
	assert_int_equal(run(&op, &r, &done), STRIO_STOP);
	assert_int_equal(done, 0);
}

static void test_segment_checks_in_run(void **state)
{
	struct strio_op op = op64(false, 1, true);
	struct strio_regs r = { .rcx = 4, .rsi = 0x100 };
	u64 done;

	(void)state;
	/* a limit reached mid-string: the elements inside it are done */
	op.mode_bits = 32;
	op.addr_size = 4;
	op.seg = (struct seg_state){ 0x8000, 0x101, 0x0093 };
	assert_int_equal(run(&op, &r, &done), STRIO_SEG_FAULT);
	assert_int_equal(done, 2);
	assert_int_equal(log_[0].val, mem[0x8100]);
	assert_int_equal(r.rsi, 0x102);
	assert_int_equal(r.rcx, 2);
	/* INS into a read-only ES, and an unusable one */
	op.in = true;
	op.seg = (struct seg_state){ 0, 0xffffffff, 0xc091 };
	r = (struct strio_regs){ .rcx = 1, .rdi = 0x100 };
	nlog = 0;
	assert_int_equal(run(&op, &r, &done), STRIO_SEG_FAULT);
	op.seg.ar = 0x10000;
	assert_int_equal(run(&op, &r, &done), STRIO_SEG_FAULT);
	assert_int_equal(nlog, 0);
	/* 64-bit mode: a non-canonical rSI */
	op = op64(false, 1, false);
	r.rsi = 0x0000800000000000ULL;
	assert_int_equal(run(&op, &r, &done), STRIO_SEG_FAULT);
	r.rsi = 0x00007fffffffffffULL;
	op.size = 2; /* the last byte is non-canonical */
	assert_int_equal(run(&op, &r, &done), STRIO_SEG_FAULT);
	assert_int_equal(nlog, 0);
}

static void test_reg_write(void **state)
{
	(void)state;
	assert_int_equal(strio_reg_write(0x123456789abcdef0ULL, 0x1, 2), 0x123456789abc0001ULL);
	assert_int_equal(strio_reg_write(0x123456789abcdef0ULL, 0x10000, 2), 0x123456789abc0000ULL);
	assert_int_equal(strio_reg_write(0x123456789abcdef0ULL, 0x1ffffffffULL, 4), 0xffffffffULL);
	assert_int_equal(strio_reg_write(1, ~0ULL, 8), ~0ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_outs_single, reset),
		cmocka_unit_test_setup(test_ins_sizes, reset),
		cmocka_unit_test_setup(test_rep_forward_and_backward, reset),
		cmocka_unit_test_setup(test_rep_zero_count, reset),
		cmocka_unit_test_setup(test_bound_per_exit, reset),
		cmocka_unit_test_setup(test_address_size_16, reset),
		cmocka_unit_test_setup(test_address_size_32, reset),
		cmocka_unit_test_setup(test_page_fault_mid_string, reset),
		cmocka_unit_test_setup(test_stops, reset),
		cmocka_unit_test_setup(test_segment_checks_in_run, reset),
		cmocka_unit_test_setup(test_reg_write, reset),
	};

	return cmocka_run_group_tests_name("strio", tests, NULL, NULL);
}
