// SPDX-License-Identifier: MIT
/*
 * Guest test: string port I/O (docs/guest-abi.md, "String I/O"): INS and
 * OUTS of bytes, words and doublewords, with and without REP, DF = 0 and
 * 1, 32-bit addresses (0x67) in 64-bit code and 16-bit ones (0x67) in
 * 32-bit compatibility-mode code, segment overrides (FS in 64-bit mode,
 * FS with a descriptor base in 32-bit code; INS ignores overrides), a REP
 * with rCX = 0, long REPs across klvisor's per-exit bound, an interrupt
 * taken between iterations, page faults in the middle of a string
 * (restartable: the part before the fault is done, the rest after the
 * handler returns) and the #GP cases (non-canonical, limit, unusable or
 * read-only ES).
 *
 * Devices (docs/guest-abi.md, "Devices and ports"): fw_cfg (a 16-bit
 * write to the selector 0x510 selects a key and restarts it; every read
 * of the data port 0x511, of any width, returns the key's next byte
 * zero-extended: key 0 is "QEMU" then zeros, key 5 the vCPU count as two
 * bytes, unknown keys 0), the COM1 scratch register 0x3ff (reads back the
 * low byte of the last write) and an unclaimed port (reads all ones).
 * Word and doubleword OUTS are checked through the fw_cfg selector: the
 * key selected is the low 16 bits of the last element written.
 */
#include "guest.h"

#define FW_SEL	    0x510
#define FW_DATA	    0x511
#define COM1_SCR    0x3ff
#define NO_DEVICE   0x140
#define LONG_N	    100000
#define STRIO_BOUND 4096 /* bytes per exit (docs/guest-abi.md) */
#define TIMER_VEC   0x50
#define LVT_TIMER   0x320
#define TIMER_ICR   0x380
#define TIMER_DCR   0x3e0
#define DCR_BY_1    0xb
#define STR_(x)	    #x
#define STR(x)	    STR_(x)

struct sio {
	u64 rcx, rsi, rdi;
};

/* One string instruction with rCX, rSI, rDI from and back into @s, DX = @port. */
#define SIO(insn, port, s)                                         \
	asm volatile(insn                                          \
		     : "+c"((s).rcx), "+S"((s).rsi), "+D"((s).rdi) \
		     : "d"((u16)(port))                            \
		     : "memory")
#define SIO_DF(insn, port, s) SIO("std\n\t" insn "\n\tcld", port, s)

static u8 buf[64] __aligned(16);
static u8 big[LONG_N + 16] __aligned(16);
static u8 pfbuf[2 * PAGE_SIZE] __aligned(PAGE_SIZE);
static u8 pfsrc[2 * PAGE_SIZE] __aligned(PAGE_SIZE);

static void fw_select(u16 key)
{
	outw(FW_SEL, key);
}

static u64 va(const volatile void *p)
{
	return (u64)p;
}

/* The first byte in @p[0..n) that is not @v, or -1. */
static long not_all(const u8 *p, size_t n, u8 v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return (long)i;
	return -1;
}

/* Fill buf with 0xaa, so bytes a string should not write are seen. */
static void clear_buf(void)
{
	memset(buf, 0xaa, sizeof(buf));
}

static void test_single_outs(void)
{
	struct sio s = { .rcx = 0x77, .rsi = va(buf) };
	u16 w[2] = { 0x0500, 0x0005 };
	u32 d = 0xabcd0005;
	u8 b0, b1;

	buf[0] = 0x5a;
	SIO("outsb", COM1_SCR, s);
	b0 = inb(COM1_SCR);
	report(b0 == 0x5a && s.rsi == va(buf) + 1 && s.rcx == 0x77, "outsb",
	       "scratch %#x (want 0x5a), rsi +%ld, rcx %#lx", b0, (long)(s.rsi - va(buf)), s.rcx);

	/* The selector takes all 16 bits: 0x0500 is an unknown key (reads 0), not key 0 ('Q'). */
	fw_select(0);
	s.rsi = va(w);
	SIO("outsw", FW_SEL, s);
	b0 = inb(FW_DATA);
	SIO("outsw", FW_SEL, s);
	b1 = inb(FW_DATA);
	report(b0 == 0 && b1 == hc_vcpu_count() && s.rsi == va(w) + 4, "outsw",
	       "key 0x0500 read %#x (want 0), key 5 read %u (want %ld), rsi +%ld", b0, b1,
	       hc_vcpu_count(), (long)(s.rsi - va(w)));

	fw_select(0);
	s.rsi = va(&d);
	SIO("outsl", FW_SEL, s);
	b0 = inb(FW_DATA);
	report(b0 == hc_vcpu_count() && s.rsi == va(&d) + 4, "outsd",
	       "dword 0xabcd0005 selected a key reading %u (want key 5: %ld), rsi +%ld", b0,
	       hc_vcpu_count(), (long)(s.rsi - va(&d)));
}

static void test_single_ins(void)
{
	struct sio s = { .rcx = 0x55, .rdi = va(buf) };
	u16 w;
	u32 d;

	clear_buf();
	fw_select(0);
	SIO("insb", FW_DATA, s);
	SIO("insb", FW_DATA, s);
	report(buf[0] == 'Q' && buf[1] == 'E' && buf[2] == 0xaa && s.rdi == va(buf) + 2 &&
		       s.rcx == 0x55,
	       "insb", "read %#x %#x %#x, rdi +%ld, rcx %#lx", buf[0], buf[1], buf[2],
	       (long)(s.rdi - va(buf)), s.rcx);

	clear_buf();
	fw_select(0);
	s.rdi = va(buf);
	SIO("insw", FW_DATA, s);
	memcpy(&w, buf, 2);
	report(w == 'Q' && buf[2] == 0xaa && s.rdi == va(buf) + 2, "insw",
	       "read %#x (want 0x51: one byte, zero-extended), next byte %#x, rdi +%ld", w, buf[2],
	       (long)(s.rdi - va(buf)));
	s.rdi = va(buf);
	SIO("insw", NO_DEVICE, s);
	memcpy(&w, buf, 2);
	report(w == 0xffff && buf[2] == 0xaa, "insw-all-ones", "read %#x from port %#x", w,
	       NO_DEVICE);

	clear_buf();
	fw_select(0);
	s.rdi = va(buf);
	SIO("insl", FW_DATA, s);
	memcpy(&d, buf, 4);
	report(d == 'Q' && buf[4] == 0xaa && s.rdi == va(buf) + 4, "insd",
	       "read %#x (want 0x51), next byte %#x, rdi +%ld", d, buf[4], (long)(s.rdi - va(buf)));
	s.rdi = va(buf);
	SIO("insl", NO_DEVICE, s);
	memcpy(&d, buf, 4);
	report(d == 0xffffffff && buf[4] == 0xaa, "insd-all-ones", "read %#x", d);
}

static void test_rep(void)
{
	static const u8 qemu00[6] = { 'Q', 'E', 'M', 'U', 0, 0 };
	struct sio s = { .rcx = 6, .rdi = va(buf) };
	u16 w[4], ow[2] = { 0x1234, 0x0005 };
	u32 d[4], od[2] = { 0x5, 0x0 };
	u8 b;

	clear_buf();
	fw_select(0);
	SIO("rep insb", FW_DATA, s);
	report(!memcmp(buf, qemu00, 6) && buf[6] == 0xaa && s.rcx == 0 && s.rdi == va(buf) + 6,
	       "rep-insb", "read %02x %02x %02x %02x %02x %02x, rcx %lu, rdi +%ld", buf[0], buf[1],
	       buf[2], buf[3], buf[4], buf[5], s.rcx, (long)(s.rdi - va(buf)));

	clear_buf();
	fw_select(0);
	s = (struct sio){ .rcx = 4, .rdi = va(buf) };
	SIO("rep insw", FW_DATA, s);
	memcpy(w, buf, sizeof(w));
	report(w[0] == 'Q' && w[1] == 'E' && w[2] == 'M' && w[3] == 'U' && buf[8] == 0xaa &&
		       s.rcx == 0 && s.rdi == va(buf) + 8,
	       "rep-insw", "read %#x %#x %#x %#x, rcx %lu", w[0], w[1], w[2], w[3], s.rcx);

	clear_buf();
	fw_select(0);
	s = (struct sio){ .rcx = 4, .rdi = va(buf) };
	SIO("rep insl", FW_DATA, s);
	memcpy(d, buf, sizeof(d));
	report(d[0] == 'Q' && d[1] == 'E' && d[2] == 'M' && d[3] == 'U' && buf[16] == 0xaa &&
		       s.rcx == 0 && s.rdi == va(buf) + 16,
	       "rep-insd", "read %#x %#x %#x %#x, rcx %lu", d[0], d[1], d[2], d[3], s.rcx);

	memcpy(buf, "abc", 3);
	s = (struct sio){ .rcx = 3, .rsi = va(buf) };
	SIO("rep outsb", COM1_SCR, s);
	b = inb(COM1_SCR);
	report(b == 'c' && s.rcx == 0 && s.rsi == va(buf) + 3, "rep-outsb",
	       "scratch %#x (want 'c'), rcx %lu, rsi +%ld", b, s.rcx, (long)(s.rsi - va(buf)));

	/* In order: the last word written (5) is the key; reversed it would be 0x1234 (reads 0). */
	fw_select(0);
	s = (struct sio){ .rcx = 2, .rsi = va(ow) };
	SIO("rep outsw", FW_SEL, s);
	b = inb(FW_DATA);
	report(b == hc_vcpu_count() && s.rcx == 0 && s.rsi == va(ow) + 4, "rep-outsw",
	       "key read %u (want key 5: %ld), rcx %lu", b, hc_vcpu_count(), s.rcx);

	fw_select(5);
	s = (struct sio){ .rcx = 2, .rsi = va(od) };
	SIO("rep outsl", FW_SEL, s);
	b = inb(FW_DATA);
	report(b == 'Q' && s.rcx == 0 && s.rsi == va(od) + 8, "rep-outsd",
	       "key read %#x (want key 0: 'Q'), rcx %lu", b, s.rcx);
}

static void test_df(void)
{
	struct sio s = { .rcx = 4, .rdi = va(&buf[3]) };
	u16 w[4], ow[2] = { 0x0005, 0x1234 };
	u32 d[2];
	u8 b;

	/* DF = 1: the first element read lands at the highest address. */
	clear_buf();
	fw_select(0);
	SIO_DF("rep insb", FW_DATA, s);
	report(!memcmp(buf, "UMEQ", 4) && buf[4] == 0xaa && s.rdi == va(buf) - 1 && s.rcx == 0,
	       "rep-insb-df", "read %02x %02x %02x %02x (want UMEQ), rdi %ld from buf", buf[0],
	       buf[1], buf[2], buf[3], (long)(s.rdi - va(buf)));

	clear_buf();
	fw_select(0);
	s = (struct sio){ .rcx = 4, .rdi = va(&buf[6]) };
	SIO_DF("rep insw", FW_DATA, s);
	memcpy(w, buf, sizeof(w));
	report(w[0] == 'U' && w[1] == 'M' && w[2] == 'E' && w[3] == 'Q' && buf[8] == 0xaa &&
		       s.rdi == va(buf) - 2,
	       "rep-insw-df", "read %#x %#x %#x %#x, rdi %ld", w[0], w[1], w[2], w[3],
	       (long)(s.rdi - va(buf)));

	clear_buf();
	fw_select(0);
	s = (struct sio){ .rcx = 2, .rdi = va(&buf[4]) };
	SIO_DF("rep insl", FW_DATA, s);
	memcpy(d, buf, sizeof(d));
	report(d[0] == 'E' && d[1] == 'Q' && buf[8] == 0xaa && s.rdi == va(buf) - 4, "rep-insd-df",
	       "read %#x %#x, rdi %ld", d[0], d[1], (long)(s.rdi - va(buf)));

	clear_buf();
	fw_select(0);
	s = (struct sio){ .rcx = 0x99, .rdi = va(&buf[8]) };
	SIO_DF("insb", FW_DATA, s);
	report(buf[8] == 'Q' && s.rdi == va(&buf[7]) && s.rcx == 0x99, "insb-df",
	       "read %#x, rdi %ld", buf[8], (long)(s.rdi - va(&buf[8])));

	memcpy(buf, "abc", 3);
	s = (struct sio){ .rcx = 3, .rsi = va(&buf[2]) };
	SIO_DF("rep outsb", COM1_SCR, s);
	b = inb(COM1_SCR);
	report(b == 'a' && s.rsi == va(buf) - 1 && s.rcx == 0, "rep-outsb-df",
	       "scratch %#x (want 'a'), rsi %ld", b, (long)(s.rsi - va(buf)));

	/* From ow[1] down: 0x1234 first, then 5, which ends up selected. */
	fw_select(0);
	s = (struct sio){ .rcx = 2, .rsi = va(&ow[1]) };
	SIO_DF("rep outsw", FW_SEL, s);
	b = inb(FW_DATA);
	report(b == hc_vcpu_count() && s.rsi == va(ow) - 2 && s.rcx == 0, "rep-outsw-df",
	       "key read %u (want key 5: %ld), rsi %ld", b, hc_vcpu_count(),
	       (long)(s.rsi - va(ow)));

	d[0] = 0x5;
	s = (struct sio){ .rsi = va(&d[0]) };
	fw_select(0);
	SIO_DF("outsl", FW_SEL, s);
	b = inb(FW_DATA);
	report(b == hc_vcpu_count() && s.rsi == va(&d[0]) - 4, "outsd-df", "key read %u, rsi %ld",
	       b, (long)(s.rsi - va(&d[0])));
}

static void test_zero_count(void)
{
	struct sio s = { .rcx = 0, .rsi = va(buf), .rdi = va(buf) };
	u8 b;

	clear_buf();
	fw_select(0);
	SIO("rep insb", FW_DATA, s);
	b = inb(FW_DATA); /* still the first byte: the REP read nothing */
	report(not_all(buf, sizeof(buf), 0xaa) < 0 && s.rdi == va(buf) && s.rcx == 0 && b == 'Q',
	       "rep-insb-count-0", "buf changed at %ld, rdi %ld, next fw_cfg byte %#x",
	       not_all(buf, sizeof(buf), 0xaa), (long)(s.rdi - va(buf)), b);

	outb(COM1_SCR, 0x11);
	buf[0] = 0x22;
	SIO("rep outsb", COM1_SCR, s);
	b = inb(COM1_SCR);
	report(b == 0x11 && s.rsi == va(buf), "rep-outsb-count-0", "scratch %#x (want 0x11)", b);

	/* With 0x67 the count is ECX: 2^32 is a count of 0. */
	clear_buf();
	s = (struct sio){ .rcx = 1ULL << 32, .rdi = va(buf) };
	SIO("addr32 rep insb", FW_DATA, s);
	report(buf[0] == 0xaa && s.rcx == 1ULL << 32 && s.rdi == va(buf), "rep-insb-addr32-ecx-0",
	       "buf[0] %#x, rcx %#lx, rdi %ld", buf[0], s.rcx, (long)(s.rdi - va(buf)));
}

/* 0x67 in 64-bit code: ESI/EDI/ECX; their writes clear bits 63:32 like any 32-bit write. */
static void test_addr32(void)
{
	struct sio s = { .rcx = 0xffffffff00000004ULL, .rdi = 0x1234567800000000ULL | va(buf) };

	clear_buf();
	fw_select(0);
	SIO("addr32 rep insb", FW_DATA, s);
	report(!memcmp(buf, "QEMU", 4) && buf[4] == 0xaa && s.rcx == 0 && s.rdi == va(buf) + 4,
	       "rep-insb-addr32", "read %02x %02x %02x %02x, rcx %#lx, rdi %#lx (want %#lx)",
	       buf[0], buf[1], buf[2], buf[3], s.rcx, s.rdi, va(buf) + 4);
}

static void test_fs_override(void)
{
	struct sio s = { .rcx = 3, .rsi = 0x1000 };
	u8 b, decoy = *(volatile u8 *)0x1002;

	/* FS base + RSI reaches buf; DS (base 0) would read linear 0x1002. */
	memcpy(buf, "xyz", 3);
	if (decoy == 'z')
		buf[2] = 'w';
	wrmsr(MSR_FS_BASE, va(buf) - 0x1000);
	SIO("rep outsb %%fs:(%%rsi), (%%dx)", COM1_SCR, s);
	b = inb(COM1_SCR);
	report(b == buf[2] && s.rsi == 0x1003 && s.rcx == 0, "rep-outsb-fs",
	       "scratch %#x (want %#x, FS base + rsi), rsi %#lx", b, buf[2], s.rsi);

	/* INS always writes ES:rDI: an FS prefix changes nothing. */
	clear_buf();
	fw_select(0);
	s = (struct sio){ .rdi = va(&buf[8]) };
	SIO(".byte 0x64\n\tinsb", FW_DATA, s);
	report(buf[8] == 'Q' && s.rdi == va(&buf[9]), "insb-ignores-fs",
	       "buf[8] %#x (want 'Q'), rdi %ld", buf[8], (long)(s.rdi - va(&buf[8])));
	wrmsr(MSR_FS_BASE, 0);
}

static void test_long(void)
{
	struct sio s = { .rcx = LONG_N, .rdi = va(big) };
	long exits, bad;
	u16 *w = (u16 *)big;
	u8 b;

	memset(big, 0xaa, sizeof(big));
	fw_select(0);
	exits = hc_exit_count();
	SIO("rep insb", FW_DATA, s);
	exits = hc_exit_count() - exits;
	bad = not_all(big + 4, LONG_N - 4, 0);
	report(!memcmp(big, "QEMU", 4) && bad < 0 && big[LONG_N] == 0xaa && s.rcx == 0 &&
		       s.rdi == va(big) + LONG_N,
	       "rep-insb-long", "%d elements: first bad byte %ld, after end %#x, rcx %lu", LONG_N,
	       bad < 0 ? bad : bad + 4, big[LONG_N], s.rcx);
	report(exits >= (LONG_N + STRIO_BOUND - 1) / STRIO_BOUND, "rep-insb-long-bounded",
	       "%ld exits for %d bytes: at most %d bytes per exit means at least %d", exits, LONG_N,
	       STRIO_BOUND, (LONG_N + STRIO_BOUND - 1) / STRIO_BOUND);

	/* 50000 words out, the last one (5) selects the key. */
	for (unsigned i = 0; i < LONG_N / 2; i++)
		w[i] = (u16)(0x100 + i);
	w[LONG_N / 2 - 1] = 5;
	fw_select(0);
	s = (struct sio){ .rcx = LONG_N / 2, .rsi = va(big) };
	SIO("rep outsw", FW_SEL, s);
	b = inb(FW_DATA);
	report(b == hc_vcpu_count() && s.rcx == 0 && s.rsi == va(big) + LONG_N, "rep-outsw-long",
	       "key read %u (want key 5: %ld), rcx %lu", b, hc_vcpu_count(), s.rcx);
}

/* An interrupt is taken between iterations, at the REP with the count so far. */
static volatile u64 irq_rip, irq_rcx;
static volatile int irqs;
extern const char irq_rep_site[];

static void timer_tick(struct exc_frame *f)
{
	irq_rip = f->rip;
	irq_rcx = f->rcx;
	irqs++;
	apic_eoi();
}

static __attribute__((noinline)) void rep_insb_with_irqs(struct sio *s)
{
	asm volatile("sti\n\t"
		     ".globl irq_rep_site\n"
		     "irq_rep_site: rep insb\n\t"
		     "cli"
		     : "+c"(s->rcx), "+D"(s->rdi)
		     : "d"((u16)NO_DEVICE)
		     : "memory");
}

static void test_interrupt_mid_string(void)
{
	struct sio s;
	int tries;

	apic_enable();
	set_irq_handler(TIMER_VEC, timer_tick);
	for (tries = 0; tries < 3; tries++) {
		memset(big, 0, sizeof(big));
		irqs = 0;
		irq_rip = 0;
		s = (struct sio){ .rcx = sizeof(big) - 16, .rdi = va(big) };
		apic_write(TIMER_DCR, DCR_BY_1);
		apic_write(LVT_TIMER, TIMER_VEC); /* one-shot */
		apic_write(TIMER_ICR, 100000); /* TSC cycles: well inside the string */
		rep_insb_with_irqs(&s);
		apic_write(TIMER_ICR, 0);
		if (irqs && irq_rip == va(irq_rep_site))
			break; /* else it came before the string started (descheduled?): again */
	}
	set_irq_handler(TIMER_VEC, NULL);
	report(irqs == 1 && irq_rip == va(irq_rep_site) && irq_rcx > 0 &&
		       irq_rcx < sizeof(big) - 16,
	       "rep-interruptible",
	       "%d interrupts, last at RIP %#lx (REP at %#lx) with rcx %lu of %lu, %d tries", irqs,
	       irq_rip, va(irq_rep_site), irq_rcx, sizeof(big) - 16, tries + 1);
	report(s.rcx == 0 && not_all(big, sizeof(big) - 16, 0xff) < 0, "rep-interrupted-completes",
	       "rcx %lu, first byte not 0xff at %ld", s.rcx, not_all(big, sizeof(big) - 16, 0xff));
}

/* #PF in the middle of a string: the handler maps the page and the instruction goes on. */
static u64 *pf_pte;
static volatile u64 pf_cr2, pf_rcx, pf_rsi, pf_rdi, pf_rip;
static volatile u32 pf_err;
static volatile int pf_count;
static volatile bool pf_zero_count; /* instead of mapping, end the REP by clearing rCX */

static void pf_handler(struct exc_frame *f)
{
	pf_cr2 = read_cr2();
	pf_err = (u32)f->error_code;
	pf_rcx = f->rcx;
	pf_rsi = f->rsi;
	pf_rdi = f->rdi;
	pf_rip = f->rip;
	if (++pf_count > 4) {
		printf("FAIL: page-fault-loop at %#lx\n", pf_cr2);
		report_abort();
	}
	if (pf_zero_count) {
		f->rcx = 0;
		return;
	}
	*pf_pte |= PTE_P;
	invlpg((void *)pf_cr2);
}

static void unmap(u8 *page)
{
	pf_pte = pt_split_4k(page);
	*pf_pte &= ~PTE_P;
	invlpg(page);
	pf_count = 0;
	pf_zero_count = false;
}

static void test_page_fault_ins(void)
{
	struct sio s = { .rcx = 8, .rdi = va(&pfbuf[PAGE_SIZE - 2]) };
	static const u8 want[8] = { 'Q', 'E', 'M', 'U', 0, 0, 0, 0 };

	memset(pfbuf, 0xaa, sizeof(pfbuf));
	unmap(&pfbuf[PAGE_SIZE]);
	set_irq_handler(PF_VECTOR, pf_handler);
	fw_select(0);
	SIO("rep insb", FW_DATA, s);
	set_irq_handler(PF_VECTOR, NULL);
	report(pf_count == 1 && pf_cr2 == va(&pfbuf[PAGE_SIZE]) && pf_err == PFERR_WRITE,
	       "rep-insb-pf-cr2", "%d faults, CR2 %#lx (want %#lx), error code %#x (want %#x)",
	       pf_count, pf_cr2, va(&pfbuf[PAGE_SIZE]), pf_err, (u32)PFERR_WRITE);
	report(pf_rcx == 6 && pf_rdi == va(&pfbuf[PAGE_SIZE]), "rep-insb-pf-partial",
	       "at the fault: rcx %lu (want 6), rdi %ld from the page (want 0)", pf_rcx,
	       (long)(pf_rdi - va(&pfbuf[PAGE_SIZE])));
	/* 'M' after the fault: the faulting iteration had not read the port. */
	report(!memcmp(&pfbuf[PAGE_SIZE - 2], want, 8) && pfbuf[PAGE_SIZE + 6] == 0xaa &&
		       s.rcx == 0 && s.rdi == va(&pfbuf[PAGE_SIZE + 6]),
	       "rep-insb-pf-completes", "bytes %02x %02x | %02x %02x %02x %02x, rcx %lu",
	       pfbuf[PAGE_SIZE - 2], pfbuf[PAGE_SIZE - 1], pfbuf[PAGE_SIZE], pfbuf[PAGE_SIZE + 1],
	       pfbuf[PAGE_SIZE + 2], pfbuf[PAGE_SIZE + 3], s.rcx);
}

static void test_page_fault_outs(void)
{
	struct sio s = { .rcx = 4, .rsi = va(&pfsrc[PAGE_SIZE - 2]) };
	u8 b;

	for (unsigned i = 0; i < sizeof(pfsrc); i++)
		pfsrc[i] = (u8)(i * 13 + 1);
	unmap(&pfsrc[PAGE_SIZE]);
	set_irq_handler(PF_VECTOR, pf_handler);
	SIO("rep outsb", COM1_SCR, s);
	set_irq_handler(PF_VECTOR, NULL);
	b = inb(COM1_SCR);
	report(pf_count == 1 && pf_cr2 == va(&pfsrc[PAGE_SIZE]) && pf_err == 0 && pf_rcx == 2 &&
		       pf_rsi == va(&pfsrc[PAGE_SIZE]),
	       "rep-outsb-pf", "%d faults, CR2 %ld from the page, error %#x, rcx %lu", pf_count,
	       (long)(pf_cr2 - va(&pfsrc[PAGE_SIZE])), pf_err, pf_rcx);
	report(b == pfsrc[PAGE_SIZE + 1] && s.rcx == 0 && s.rsi == va(&pfsrc[PAGE_SIZE + 2]),
	       "rep-outsb-pf-completes", "scratch %#x (want %#x), rcx %lu", b, pfsrc[PAGE_SIZE + 1],
	       s.rcx);

	/*
	 * rCX = 2^64 - 1 from a page that ends in a hole: klvisor does its
	 * bounded part per exit and the guest gets its #PF at the hole; the
	 * handler ends the REP by clearing rCX.
	 */
	unmap(&pfsrc[PAGE_SIZE]);
	pf_zero_count = true;
	s = (struct sio){ .rcx = ~0ULL, .rsi = va(pfsrc) };
	set_irq_handler(PF_VECTOR, pf_handler);
	SIO("rep outsb", COM1_SCR, s);
	set_irq_handler(PF_VECTOR, NULL);
	b = inb(COM1_SCR);
	report(pf_count == 1 && pf_cr2 == va(&pfsrc[PAGE_SIZE]) && pf_rcx == ~0ULL - PAGE_SIZE &&
		       b == pfsrc[PAGE_SIZE - 1] && s.rcx == 0,
	       "rep-outsb-huge-count", "%d faults, CR2 %ld, rcx at the fault %#lx, scratch %#x",
	       pf_count, (long)(pf_cr2 - va(&pfsrc[PAGE_SIZE])), pf_rcx, b);
	*pf_pte |= PTE_P;
	invlpg(&pfsrc[PAGE_SIZE]);
}

static void test_gp_64(void)
{
	struct exc_info info;
	u64 rsi = 0x0000800000000000ULL, rdi = 0xffff7ffffffffff0ULL;

	exc_arm();
	asm volatile(EXC_TRY("outsb") : "+S"(rsi) : "d"((u16)COM1_SCR) : "memory");
	exc_result(&info);
	report(info.vector == GP_VECTOR && info.error_code == 0 && rsi == 0x0000800000000000ULL,
	       "outsb-noncanonical-gp", "vector %d error %#x", info.vector, info.error_code);
	exc_arm();
	asm volatile(EXC_TRY("insl") : "+D"(rdi) : "d"((u16)NO_DEVICE) : "memory");
	exc_result(&info);
	report(info.vector == GP_VECTOR && info.error_code == 0, "insd-noncanonical-gp",
	       "vector %d error %#x", info.vector, info.error_code);
}

/*
 * 32-bit compatibility mode.  compat_run() loads ECX, ESI, EDI, EDX and
 * DS, ES, FS from a struct, far-returns to a 32-bit snippet, which ends
 * with a far jump back; the registers are stored back.  Faulting
 * instructions in the snippets have fixups (see idt.h, EXC_TRY).
 */
struct compat_regs {
	u32 ecx, esi, edi, edx; /* offsets 0, 4, 8, 12 */
	u16 ds, es, fs; /* 16, 18, 20 */
};

void compat_run(const void *entry, struct compat_regs *r);
extern const char c_insb16[], c_insw16_df[], c_outsb16_fs[], c_outsb[], c_insb[], c_insb_fs[];

asm(".pushsection .text\n"
    ".code64\n"
    ".globl compat_run\n"
    "compat_run:\n\t"
    "pushq %rbx\n\tpushq %rbp\n\tpushq %r12\n\tpushq %r13\n\tpushq %r14\n\tpushq %r15\n\t"
    "movq %rsp, compat_rsp(%rip)\n\t"
    "movq %rsi, compat_regs_p(%rip)\n\t"
    "movq %rdi, %rax\n\t"
    "movzwl 16(%rsi), %ebx\n\tmovl %ebx, %ds\n\t"
    "movzwl 18(%rsi), %ebx\n\tmovl %ebx, %es\n\t"
    "movzwl 20(%rsi), %ebx\n\tmovl %ebx, %fs\n\t"
    "movl 0(%rsi), %ecx\n\tmovl 8(%rsi), %edi\n\tmovl 12(%rsi), %edx\n\t"
    "movl 4(%rsi), %esi\n\t"
    "pushq $" STR(
	    GDT_CODE32) "\n\t"
			"pushq %rax\n\t"
			"lretq\n"
			"compat_back:\n\t"
			"movq compat_regs_p(%rip), %rax\n\t"
			"movl %ecx, 0(%rax)\n\tmovl %esi, 4(%rax)\n\tmovl %edi, 8(%rax)\n\t"
			"movl $" STR(
				GDT_DATA) ", %eax\n\t"
					  "movl %eax, %ds\n\tmovl %eax, %es\n\tmovl %eax, %fs\n\t"
					  "cld\n\t"
					  "movq compat_rsp(%rip), %rsp\n\t"
					  "popq %r15\n\tpopq %r14\n\tpopq %r13\n\tpopq %r12\n\tpopq %rbp\n\tpopq %rbx\n\t"
					  "ret\n"
					  /* The 32-bit snippets: the instruction at 1 (with a fixup to 2), then back. */
					  ".macro COMPAT_END\n"
					  "2:\tcld\n\t"
					  "ljmp $" STR(
						  GDT_CODE64) ", $compat_back\n"
							      ".pushsection .exc_fixup, \"a\"\n.balign 8\n.quad 1b, 2b\n.popsection\n"
							      ".endm\n"
							      ".code32\n"
							      ".globl c_insb16, c_insw16_df, c_outsb16_fs, c_outsb, c_insb, c_insb_fs\n"
							      "c_insb16:\n1:\taddr16 rep insb\n\tCOMPAT_END\n"
							      "c_insw16_df:\n\tstd\n1:\taddr16 rep insw\n\tCOMPAT_END\n"
							      "c_outsb16_fs:\n1:\trep outsb %fs:(%si), (%dx)\n\tCOMPAT_END\n"
							      "c_outsb:\n1:\toutsb\n\tCOMPAT_END\n"
							      "c_insb:\n1:\tinsb\n\tCOMPAT_END\n"
							      "c_insb_fs:\n1:\t.byte 0x64\n\tinsb\n\tCOMPAT_END\n"
							      ".code64\n"
							      ".popsection\n");
u64 compat_rsp, compat_regs_p;

/* Extra descriptors after a copy of the library's GDT. */
#define SEL_SEG64K (16 * 8) /* data, base seg64k, limit 0xffff (byte granular) */
#define SEL_SEG4K  (17 * 8) /* data, base seg4k, limit 0xfff */
#define SEL_RO	   (18 * 8) /* flat read-only data */

static u64 gdt[20] __aligned(16);
static u8 seg64k[0x10000 + 16] __aligned(16);
static u8 seg4k[0x1000 + 16] __aligned(16);

struct __packed gdtr {
	u16 limit;
	u64 base;
};

static u64 descriptor(u32 base, u32 limit, u8 access, u8 flags)
{
	return (limit & 0xffff) | (u64)(base & 0xffffff) << 16 | (u64)access << 40 |
	       (u64)((limit >> 16) & 0xf) << 48 | (u64)flags << 52 | (u64)(base >> 24) << 56;
}

static void gdt_install(struct gdtr *old)
{
	struct gdtr now;
	unsigned n;

	asm volatile("sgdt %0" : "=m"(*old));
	n = (old->limit + 1u) / 8;
	if (n > 16)
		n = 16;
	memcpy(gdt, (void *)old->base, n * 8);
	gdt[SEL_SEG64K / 8] = descriptor((u32)va(seg64k), 0xffff, 0x93, 0x4);
	gdt[SEL_SEG4K / 8] = descriptor((u32)va(seg4k), 0xfff, 0x93, 0x4);
	gdt[SEL_RO / 8] = descriptor(0, 0xfffff, 0x91, 0xc);
	now = (struct gdtr){ sizeof(gdt) - 1, va(gdt) };
	asm volatile("lgdt %0" : : "m"(now) : "memory");
}

static int compat(const void *entry, struct compat_regs *r)
{
	struct exc_info info;

	exc_arm();
	compat_run(entry, r);
	return exc_result(&info) < 0 ? -1 : (int)(info.vector | info.error_code << 8);
}

static void test_compat(void)
{
	struct compat_regs r;
	struct gdtr old;
	int exc;
	u8 b;

	gdt_install(&old);

	/* 16-bit addresses: DI and CX only, DI wraps at 64 KiB (ES:0xffff, then ES:0). */
	memset(seg64k, 0xaa, sizeof(seg64k));
	fw_select(0);
	r = (struct compat_regs){ .ecx = 0xdead0003,
				  .esi = 0x5555ffff,
				  .edi = 0xbeefffff,
				  .edx = FW_DATA,
				  .ds = GDT_DATA,
				  .es = SEL_SEG64K,
				  .fs = GDT_DATA };
	exc = compat(c_insb16, &r);
	report(exc < 0 && seg64k[0xffff] == 'Q' && seg64k[0] == 'E' && seg64k[1] == 'M' &&
		       seg64k[2] == 0xaa && seg64k[0x10000] == 0xaa && r.edi == 0xbeef0002 &&
		       r.ecx == 0xdead0000 && r.esi == 0x5555ffff,
	       "rep-insb-addr16",
	       "exception %#x, ES:ffff %#x ES:0 %#x ES:1 %#x ES:10000 %#x, edi %#x ecx %#x esi %#x",
	       exc, seg64k[0xffff], seg64k[0], seg64k[1], seg64k[0x10000], r.edi, r.ecx, r.esi);

	/* DF = 1 from DI = 0: the second word is at ES:0xfffe. */
	memset(seg64k, 0xaa, sizeof(seg64k));
	fw_select(0);
	r = (struct compat_regs){ .ecx = 0x77770002,
				  .edi = 0x12340000,
				  .edx = FW_DATA,
				  .ds = GDT_DATA,
				  .es = SEL_SEG64K,
				  .fs = GDT_DATA };
	exc = compat(c_insw16_df, &r);
	report(exc < 0 && seg64k[0] == 'Q' && seg64k[1] == 0 && seg64k[0xfffe] == 'E' &&
		       seg64k[0xffff] == 0 && seg64k[2] == 0xaa && r.edi == 0x1234fffc &&
		       r.ecx == 0x77770000,
	       "rep-insw-addr16-df", "exception %#x, ES:0 %#x ES:fffe %#x, edi %#x ecx %#x", exc,
	       seg64k[0], seg64k[0xfffe], r.edi, r.ecx);

	/* CX = 0 with ECX's high half set: nothing. */
	memset(seg64k, 0xaa, 16);
	r = (struct compat_regs){ .ecx = 0x00010000,
				  .edi = 0,
				  .edx = FW_DATA,
				  .ds = GDT_DATA,
				  .es = SEL_SEG64K,
				  .fs = GDT_DATA };
	exc = compat(c_insb16, &r);
	report(exc < 0 && seg64k[0] == 0xaa && r.ecx == 0x00010000 && r.edi == 0,
	       "rep-insb-addr16-cx-0", "ES:0 %#x, ecx %#x, edi %#x", seg64k[0], r.ecx, r.edi);

	/* OUTS through FS with a descriptor base, 16-bit SI. */
	for (unsigned i = 0; i < sizeof(seg4k); i++)
		seg4k[i] = (u8)(0x40 + i);
	r = (struct compat_regs){ .ecx = 3,
				  .esi = 0x77770010,
				  .edx = COM1_SCR,
				  .ds = GDT_DATA,
				  .es = GDT_DATA,
				  .fs = SEL_SEG4K };
	exc = compat(c_outsb16_fs, &r);
	b = inb(COM1_SCR);
	report(exc < 0 && b == seg4k[0x12] && r.esi == 0x77770013 && r.ecx == 0,
	       "rep-outsb-addr16-fs", "exception %#x, scratch %#x (want %#x), esi %#x", exc, b,
	       seg4k[0x12], r.esi);

	/* DS limit 0xfff: the last byte is fine, the one after is #GP(0). */
	r = (struct compat_regs){
		.esi = 0xfff, .edx = COM1_SCR, .ds = SEL_SEG4K, .es = GDT_DATA, .fs = GDT_DATA
	};
	exc = compat(c_outsb, &r);
	b = inb(COM1_SCR);
	report(exc < 0 && b == seg4k[0xfff] && r.esi == 0x1000, "outsb-at-limit",
	       "exception %#x, scratch %#x (want %#x)", exc, b, seg4k[0xfff]);
	exc = compat(c_outsb, &r);
	report(exc == GP_VECTOR && r.esi == 0x1000, "outsb-beyond-limit-gp",
	       "exception %#x (want %#x: #GP(0)), esi %#x", exc, GP_VECTOR, r.esi);

	/* INS: ES unusable (null), or read-only, is #GP(0). */
	r = (struct compat_regs){
		.edi = va(buf), .edx = FW_DATA, .ds = GDT_DATA, .es = 0, .fs = GDT_DATA
	};
	exc = compat(c_insb, &r);
	report(exc == GP_VECTOR && r.edi == va(buf), "insb-es-null-gp", "exception %#x (want %#x)",
	       exc, GP_VECTOR);
	r = (struct compat_regs){
		.edi = va(buf), .edx = FW_DATA, .ds = GDT_DATA, .es = SEL_RO, .fs = GDT_DATA
	};
	exc = compat(c_insb, &r);
	report(exc == GP_VECTOR && r.edi == va(buf), "insb-es-readonly-gp",
	       "exception %#x (want %#x)", exc, GP_VECTOR);

	/* An FS prefix on INS: still ES (base seg64k), not FS (base seg4k). */
	memset(seg64k, 0xaa, 64);
	memset(seg4k, 0xaa, 64);
	fw_select(0);
	r = (struct compat_regs){
		.edi = 0x20, .edx = FW_DATA, .ds = GDT_DATA, .es = SEL_SEG64K, .fs = SEL_SEG4K
	};
	exc = compat(c_insb_fs, &r);
	report(exc < 0 && seg64k[0x20] == 'Q' && seg4k[0x20] == 0xaa && r.edi == 0x21,
	       "insb-addr32-ignores-fs", "exception %#x, ES:20 %#x, FS:20 %#x", exc, seg64k[0x20],
	       seg4k[0x20]);

	asm volatile("lgdt %0" : : "m"(old) : "memory");
}

/*
 * "outside": a REP INSB (with "outs", a REP OUTSB) whose last bytes lie
 * past the end of guest RAM.  klvisor must end the VM there (the
 * manifest expects "stopped") without touching memory beyond it.
 */
static void test_outside_ram(bool outs)
{
	u64 end = mb_ram_end();
	struct sio s = { .rcx = 4, .rsi = end - 2, .rdi = end - 2 };

	printf("strio: a REP %s across the end of RAM at %#lx; the VM should end now\n",
	       outs ? "OUTSB" : "INSB", end);
	if (outs)
		SIO("rep outsb", COM1_SCR, s);
	else
		SIO("rep insb", NO_DEVICE, s);
	fail("outside-ram", "the string ran past %#lx, rcx %lu, and the VM is still running", end,
	     s.rcx);
}

int main(int argc, char **argv)
{
	if (has_arg(argc, argv, "outside")) {
		test_outside_ram(has_arg(argc, argv, "outs"));
		return 0;
	}
	test_single_outs();
	test_single_ins();
	test_rep();
	test_df();
	test_zero_count();
	test_addr32();
	test_fs_override();
	test_gp_64();
	test_compat();
	test_page_fault_ins();
	test_page_fault_outs();
	test_long();
	test_interrupt_mid_string();
	return 0;
}
