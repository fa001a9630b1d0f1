// SPDX-License-Identifier: MIT
/*
 * Guest test: every instruction form klvisor emulates on the xAPIC page
 * (docs/guest-abi.md, "Local APIC"), each run on a real register and
 * checked by reading the register back with a plain aligned MOV.  The
 * initial-count register (0x380) serves as a 32-bit scratch register (the
 * timer LVT stays masked), TPR (0x80) as an 8-bit one, and the version
 * (0x50014) and ID registers as read-only known values.
 */
#include "guest.h"

#define SCRATCH 0x380
#define CF	BIT(0)
#define ZF	BIT(6)
#define SF	BIT(7)

static char *const apic = (char *)APIC_BASE_PA;

/* Run one instruction with %rbx = the APIC page and %rax = *ax; returns RFLAGS after it. */
#define RUN(insn, ax)                                         \
	({                                                    \
		u64 fl_;                                      \
		asm volatile(insn "\n\tpushfq\n\tpopq %1"     \
			     : "+a"(*(ax)), "=r"(fl_)         \
			     : "b"(apic)                      \
			     : "rcx", "rdx", "cc", "memory"); \
		fl_;                                          \
	})

static void test_moves(void)
{
	u32 id = apic_read(APIC_ID);
	u64 ax;

	/* A1 with a 64-bit moffs: what "mov 0xfee00020, %eax" becomes in 64-bit code */
	ax = ~0ULL;
	RUN("movabsl 0xfee00020, %%eax", &ax);
	report(ax == id, "a1-moffs-load-id", "read %#lx, ID is %#x (upper half cleared)", ax, id);
	ax = 0x12345678;
	RUN("movabsl %%eax, 0xfee00380", &ax);
	report(apic_read(SCRATCH) == 0x12345678, "a3-moffs-store", "scratch %#x",
	       apic_read(SCRATCH));
	ax = 0xffffffffffffffffULL;
	RUN("movabsb 0xfee00030, %%al", &ax);
	report(ax == 0xffffffffffffff14ULL, "a0-moffs-byte-load-merges", "rax %#lx", ax);
	ax = ~0ULL;
	RUN("addr32 movl 0xfee00020, %%eax", &ax); /* 67 8B 04 25: absolute, 32-bit address */
	report(ax == id, "8b-absolute-addr32-load", "read %#lx, ID %#x", ax, id);
	ax = 0;
	RUN("movzbl 0x32(%%rbx), %%eax", &ax);
	report(ax == 0x05, "0f-b6-movzx-version-byte2", "read %#lx, expected 0x05", ax);
	RUN("movzwl 0x30(%%rbx), %%eax", &ax);
	report(ax == 0x0014, "0f-b7-movzx-version-word", "read %#lx, expected 0x14", ax);
	apic_write(SCRATCH, 0x80000001);
	RUN("movsbl 0x383(%%rbx), %%eax", &ax);
	report(ax == 0xffffff80, "0f-be-movsx-byte3", "read %#lx, expected 0xffffff80", ax);
	RUN("movslq 0x380(%%rbx), %%rax", &ax);
	report(ax == 0xffffffff80000001ULL, "63-movsxd", "read %#lx", ax);
	RUN("movq 0x380(%%rbx), %%rax", &ax);
	report(ax == 0x80000001, "8b-qword-load-reserved-bytes-zero", "read %#lx", ax);
	RUN("movl $0xabcd1234, 0x380(%%rbx)", &ax);
	report(apic_read(SCRATCH) == 0xabcd1234, "c7-store-imm32", "scratch %#x",
	       apic_read(SCRATCH));
	apic_write(SCRATCH, 0x11223344);
	RUN("movb $0x5a, 0x381(%%rbx)", &ax);
	report(apic_read(SCRATCH) == 0x11225a44, "c6-byte-store-merges", "scratch %#x",
	       apic_read(SCRATCH));
	ax = 0x6655;
	RUN("movw %%ax, 0x382(%%rbx)", &ax);
	report(apic_read(SCRATCH) == 0x66555a44, "66-89-word-store-merges", "scratch %#x",
	       apic_read(SCRATCH));
	ax = 0x77;
	RUN("movb %%al, 0x384(%%rbx)", &ax); /* a reserved byte of the slot: ignored */
	report(apic_read(SCRATCH) == 0x66555a44, "88-store-reserved-byte-ignored", "scratch %#x",
	       apic_read(SCRATCH));
	ax = 0;
	RUN("movl 0x34(%%rbx), %%eax", &ax);
	report(ax == 0, "8b-reserved-dword-reads-zero", "read %#lx", ax);
	/* a segment override: GS based at the APIC page */
	wrmsr(MSR_GS_BASE, APIC_BASE_PA);
	ax = 0;
	RUN("movl %%gs:0x20, %%eax", &ax);
	report(ax == id, "65-gs-override-load", "read %#lx, ID %#x", ax, id);
	wrmsr(MSR_GS_BASE, 0);
}

static void test_read_modify_write(void)
{
	u64 ax = 0, fl;
	u32 spiv = apic_read(APIC_SPIV);

	/* the start-up sequence of many kernels: software-enable through SPIV */
	apic_write(APIC_SPIV, spiv & ~SPIV_ENABLE);
	RUN("orl $0x100, 0xf0(%%rbx)", &ax);
	report(apic_read(APIC_SPIV) & SPIV_ENABLE, "81-or-imm32-spiv-enable", "SPIV %#x",
	       apic_read(APIC_SPIV));
	fl = RUN("testl $0x100, 0xf0(%%rbx)", &ax);
	report(!(fl & ZF), "f7-test-imm32", "ZF set, SPIV %#x", apic_read(APIC_SPIV));
	apic_write(SCRATCH, 0xffff00ff);
	RUN("andl $0xffff0fff, 0x380(%%rbx)", &ax);
	report(apic_read(SCRATCH) == 0xffff00ff, "81-and-imm32-unchanged", "scratch %#x",
	       apic_read(SCRATCH));
	RUN("andl $0x0f0f0f0f, 0x380(%%rbx)", &ax);
	report(apic_read(SCRATCH) == 0x0f0f000f, "81-and-imm32", "scratch %#x", apic_read(SCRATCH));
	ax = 0xffffffff;
	fl = RUN("xorl %%eax, 0x380(%%rbx)", &ax);
	report(apic_read(SCRATCH) == 0xf0f0fff0 && (fl & SF) && !(fl & ZF), "31-xor-reg",
	       "scratch %#x flags %#lx", apic_read(SCRATCH), fl);
	apic_write(SCRATCH, 0xffffffff);
	ax = 1;
	fl = RUN("addl 0x380(%%rbx), %%eax", &ax);
	report(ax == 0 && (fl & CF) && (fl & ZF), "03-add-load-carry", "eax %#lx flags %#lx", ax,
	       fl);
	fl = RUN("subl $1, 0x380(%%rbx)", &ax);
	report(apic_read(SCRATCH) == 0xfffffffe && !(fl & CF), "83-sub-imm8", "scratch %#x",
	       apic_read(SCRATCH));
	fl = RUN("cmpl $-2, 0x380(%%rbx)", &ax);
	report((fl & ZF) && apic_read(SCRATCH) == 0xfffffffe, "83-cmp-imm8-equal",
	       "flags %#lx scratch %#x", fl, apic_read(SCRATCH));
	ax = 0xffffffff;
	fl = RUN("cmpl 0x380(%%rbx), %%eax", &ax);
	report(!(fl & ZF) && !(fl & CF) && ax == 0xffffffff, "3b-cmp-load", "flags %#lx", fl);
	apic_write(APIC_TPR, 0x10);
	RUN("orb $0x20, 0x80(%%rbx)", &ax);
	report(apic_read(APIC_TPR) == 0x30, "80-or-byte-tpr", "TPR %#x", apic_read(APIC_TPR));
	fl = RUN("testb $0x40, 0x80(%%rbx)", &ax);
	report(fl & ZF, "f6-test-byte", "flags %#lx", fl);
	RUN("lock orl $0x1, 0x80(%%rbx)", &ax);
	report(apic_read(APIC_TPR) == 0x31, "f0-lock-or", "TPR %#x", apic_read(APIC_TPR));
	apic_write(APIC_TPR, 0);
}

static void test_xchg_and_bits(void)
{
	u64 ax = 0xa5a5a5a5, fl;

	apic_write(SCRATCH, 0x01020304);
	RUN("xchgl %%eax, 0x380(%%rbx)", &ax);
	report(ax == 0x01020304 && apic_read(SCRATCH) == 0xa5a5a5a5, "87-xchg",
	       "eax %#lx scratch %#x", ax, apic_read(SCRATCH));
	apic_write(SCRATCH, 0);
	fl = RUN("btsl $9, 0x380(%%rbx)", &ax);
	report(apic_read(SCRATCH) == 0x200 && !(fl & CF), "0f-ba-bts-imm8", "scratch %#x",
	       apic_read(SCRATCH));
	fl = RUN("btl $9, 0x380(%%rbx)", &ax);
	report(fl & CF, "0f-ba-bt-imm8", "flags %#lx", fl);
	ax = 9;
	fl = RUN("btrl %%eax, 0x380(%%rbx)", &ax);
	report(apic_read(SCRATCH) == 0 && (fl & CF), "0f-b3-btr-reg", "scratch %#x",
	       apic_read(SCRATCH));
	fl = RUN("btcl $31, 0x380(%%rbx)", &ax);
	report(apic_read(SCRATCH) == 0x80000000 && !(fl & CF), "0f-ba-btc-imm8", "scratch %#x",
	       apic_read(SCRATCH));
	ax = 31;
	fl = RUN("btl %%eax, 0x380(%%rbx)", &ax);
	report(fl & CF, "0f-a3-bt-reg", "flags %#lx", fl);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	test_moves();
	test_read_modify_write();
	test_xchg_and_bits();
	return 0;
}
