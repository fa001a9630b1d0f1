// SPDX-License-Identifier: MIT
/*
 * Guest test: the guest library itself, on real exceptions: expect-
 * exception for #UD, #GP, #PF, #DE and #BP, EXC_TRY recovery, printf
 * formatting and argv.  Passes on any x86-64 machine or hypervisor.
 *
 * With "skip" it only skips (exit status 38); with "unexpected" it hits
 * an unexpected #UD after one PASS (status 1): fixtures for the runner.
 */
#include "guest.h"

static void do_ud2(void *arg)
{
	(void)arg;
	asm volatile("ud2");
}

static void do_noncanonical_read(void *arg)
{
	(void)arg;
	(void)*(volatile u64 *)0x8000000000000000ULL;
}

static void do_div0(void *arg)
{
	u32 zero = (u32)(u64)arg, q;

	asm volatile("divl %2" : "=a"(q) : "a"(1), "r"(zero), "d"(0));
	(void)q;
}

static void do_int3(void *arg)
{
	(void)arg;
	asm volatile("int3");
}

static void do_nothing(void *arg)
{
	*(int *)arg = 42;
}

static void test_expect_exception(void)
{
	struct exc_info info;
	int x = 0;
	bool ok;

	ok = expect_ud(do_ud2, NULL, &info);
	report(ok && info.rip, "expect-ud", "vector %d at %#lx", info.vector, info.rip);
	ok = expect_gp(do_noncanonical_read, NULL, &info);
	report(ok && info.error_code == 0, "expect-gp", "vector %d error code %#x", info.vector,
	       info.error_code);
	ok = expect_exception(DE_VECTOR, do_div0, (void *)0, &info);
	report(ok, "expect-de", "vector %d", info.vector);
	/* #BP is a trap: the reported RIP is after the INT3. */
	ok = expect_exception(BP_VECTOR, do_int3, NULL, &info);
	report(ok, "expect-bp", "vector %d", info.vector);
	ok = expect_exception(GP_VECTOR, do_ud2, NULL, &info);
	report(!ok && info.vector == UD_VECTOR, "expect-wrong-vector",
	       "expected #GP got vector %d, result %d", info.vector, ok);
	ok = expect_exception(UD_VECTOR, do_nothing, &x, &info);
	report(!ok && info.vector == -1 && x == 42, "expect-no-exception",
	       "result %d vector %d x %d", ok, info.vector, x);
}

static void test_page_faults(void)
{
	struct exc_info info;
	bool ok;

	/* Only the first 4 GiB are mapped. */
	ok = expect_pf((void *)0x100000000ULL, false, 0, &info);
	report(ok, "expect-pf-read", "vector %d error %#x CR2 %#lx", info.vector, info.error_code,
	       info.cr2);
	ok = expect_pf((void *)0x100001234ULL, true, PFERR_WRITE, &info);
	report(ok, "expect-pf-write", "vector %d error %#x CR2 %#lx", info.vector, info.error_code,
	       info.cr2);
}

static void test_exc_try(void)
{
	struct exc_info info;
	int vec, after = 0;

	exc_arm();
	asm volatile(EXC_TRY("ud2") "movl $1, %0" : "+r"(after) : : "memory");
	vec = exc_result(&info);
	report(vec == UD_VECTOR && after == 1, "exc-try-resumes", "vector %d, after %d", vec,
	       after);
	exc_arm();
	asm volatile(EXC_TRY("nop") : : : "memory");
	report(exc_result(NULL) == -1, "exc-try-no-exception", "a NOP reported an exception");
}

static void test_printf(void)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "%d|%5d|%-4d|%05d|%u|%x|%#lx|%08x|%s|%-3s|%c|%%|%p", -42, 7, 3,
		 -12, 4000000000u, 0xbeef, 0xfee00900UL, 0x1234, "str", "a", 'z', (void *)0x1000);
	report(!strcmp(buf, "-42|    7|3   |-0012|4000000000|beef|0xfee00900|00001234|str|a  |z|%|"
			    "0x1000"),
	       "printf-format", "got '%s'", buf);
	snprintf(buf, 4, "abcdef");
	report(!strcmp(buf, "abc"), "snprintf-truncates", "got '%s'", buf);
}

static void ud_on_this_cpu(void *arg)
{
	struct exc_info info;
	u64 v;

	*(bool *)arg = expect_ud(do_ud2, NULL, &info) && rdmsr_safe(0x12345678, &v) != UD_VECTOR &&
		       smp_id() == 1;
}

static void test_ap(void)
{
	bool ok = false;

	if (smp_start(0) < 2) {
		skip("expect-ud-cpu1", "one CPU");
		return;
	}
	report(on_cpu(1, ud_on_this_cpu, &ok) && ok, "expect-ud-cpu1", "failed on CPU 1");
}

/* paging.c: a 4 KiB page of its own, unmapped and mapped again. */
static u8 split_pages[2 * PAGE_SIZE] __aligned(PAGE_SIZE);

static void test_split_page(void)
{
	u8 *p = split_pages + PAGE_SIZE;
	u64 *pte = pt_split_4k(p), old = *pte;
	struct exc_info info;
	bool ok;

	p[5] = 0x5a;
	*pte &= ~PTE_P;
	invlpg(p);
	ok = expect_pf(p + 5, false, 0, &info);
	report(ok, "pt-split-4k-not-present", "vector %d error %#x CR2 %#lx", info.vector,
	       info.error_code, info.cr2);
	*pte = old;
	invlpg(p);
	report(p[5] == 0x5a, "pt-split-4k-present-again", "read %#x", p[5]);
}

/* user.c: a round trip to CPL 3, with a fault caught there. */
static u8 kernel_only[PAGE_SIZE] __aligned(PAGE_SIZE);

struct ring3_result {
	int gp, pf;
	struct exc_info pf_info;
};

static long in_ring3(void *arg)
{
	struct ring3_result *r = arg;
	u64 cr0;

	exc_arm();
	asm volatile(EXC_TRY("mov %%cr0, %0") : "=r"(cr0) : : "memory");
	r->gp = exc_result(NULL);
	exc_arm();
	asm volatile(EXC_TRY("movb (%0), %%al") : : "r"(kernel_only) : "rax", "memory");
	r->pf = exc_result(&r->pf_info);
	return 1000 + current_cpl();
}

static void test_ring3(void)
{
	struct ring3_result r;
	u64 *pte;
	long ret;

	user_init();
	pte = pt_split_4k(kernel_only);
	*pte &= ~PTE_U;
	invlpg(kernel_only);
	ret = run_in_ring3(in_ring3, &r);
	report(ret == 1003 && current_cpl() == 0, "ring3-round-trip", "returned %ld, CPL now %u",
	       ret, current_cpl());
	report(r.gp == GP_VECTOR, "ring3-privileged-gp", "MOV from CR0: vector %d", r.gp);
	report(r.pf == PF_VECTOR && r.pf_info.error_code == (PFERR_USER | PFERR_PRESENT) &&
		       r.pf_info.cr2 == (u64)kernel_only,
	       "ring3-supervisor-page-pf", "vector %d error %#x CR2 %#lx", r.pf,
	       r.pf_info.error_code, r.pf_info.cr2);
	*pte |= PTE_U;
	invlpg(kernel_only);
}

static void test_argv(int argc, char **argv)
{
	report(argc >= 1 && argv[0] && !argv[argc] && !strchr(argv[0], '/'), "argv",
	       "argc %d argv[0] '%s'", argc, argc ? argv[0] : "");
}

int main(int argc, char **argv)
{
	if (has_arg(argc, argv, "skip")) {
		skip("everything", "asked to skip");
		return 0;
	}
	if (has_arg(argc, argv, "unexpected")) {
		pass("before-unexpected");
		asm volatile("ud2");
		fail("after-unexpected", "still running after an unexpected #UD");
		return 0;
	}
	test_expect_exception();
	test_page_faults();
	test_exc_try();
	test_printf();
	test_argv(argc, argv);
	test_split_page();
	test_ring3();
	test_ap();
	return 0;
}
