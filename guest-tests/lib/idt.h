/* SPDX-License-Identifier: MIT */
/*
 * Guest library: the IDT, interrupt handlers and the expect-exception
 * facility.
 *
 * Two ways to provoke an exception on purpose:
 *
 *  - expect_exception(vector, fn, arg, &info) calls fn(arg); if fn raises
 *    any exception, fn is abandoned, the exception is recorded in info
 *    and the result says whether it was the expected vector.
 *
 *  - EXC_TRY(insn) wraps one instruction in inline assembly; if it
 *    faults, execution resumes after it.  Bracket it with exc_arm() and
 *    exc_result(&info), which returns the vector or -1 if none:
 *
 *	exc_arm();
 *	asm volatile(EXC_TRY("rdmsr") : "=a"(lo), "=d"(hi) : "c"(msr));
 *	vec = exc_result(&info);
 *
 * Both need the exception to be reported at the faulting instruction
 * (fault semantics), as hardware does.  expect_exception() does not nest.
 * Any other exception prints "FAIL: unexpected exception ..." and ends
 * the guest with status 1.
 */
#ifndef GUEST_IDT_H
#define GUEST_IDT_H

#include "types.h"

#define DE_VECTOR  0
#define DB_VECTOR  1
#define NMI_VECTOR 2
#define BP_VECTOR  3
#define UD_VECTOR  6
#define NM_VECTOR  7
#define DF_VECTOR  8
#define TS_VECTOR  10
#define NP_VECTOR  11
#define SS_VECTOR  12
#define GP_VECTOR  13
#define PF_VECTOR  14
#define MF_VECTOR  16
#define AC_VECTOR  17
#define XM_VECTOR  19

/* Page-fault error code bits. */
#define PFERR_PRESENT BIT(0)
#define PFERR_WRITE   BIT(1)
#define PFERR_USER    BIT(2)
#define PFERR_FETCH   BIT(4)

/* Pushed by isr.S; field order is the reverse of the push order. */
struct exc_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

struct exc_info {
	int vector; /* -1: no exception */
	u32 error_code;
	u64 cr2; /* page faults only */
	u64 rip; /* of the faulting instruction */
};

typedef void (*irq_handler_t)(struct exc_frame *f);

void idt_init(void); /* build the IDT (boot CPU) */
void idt_load(void); /* load it on this CPU */
void set_irq_handler(int vector, irq_handler_t fn);
const char *exc_name(int vector);

bool expect_exception(int vector, void (*fn)(void *), void *arg, struct exc_info *out);
#define expect_ud(fn, arg, out) expect_exception(UD_VECTOR, fn, arg, out)
#define expect_gp(fn, arg, out) expect_exception(GP_VECTOR, fn, arg, out)
/* Reads (or with write, writes) one byte at addr and expects #PF with err. */
bool expect_pf(volatile void *addr, bool write, u32 err, struct exc_info *out);

/* One instruction with a recovery point: see above. */
#define EXC_TRY(insn)                      \
	".Lexc_try%=: " insn "\n"          \
	".Lexc_fix%=:\n"                   \
	".pushsection .exc_fixup, \"a\"\n" \
	".balign 8\n"                      \
	".quad .Lexc_try%=, .Lexc_fix%=\n" \
	".popsection\n"
void exc_arm(void);
int exc_result(struct exc_info *out);

/* MSR access that reports a fault instead of dying: vector or -1. */
int rdmsr_safe(u32 msr, u64 *val);
int wrmsr_safe(u32 msr, u64 val);
/* The error code of the last exception caught by EXC_TRY on this CPU. */
u32 last_error_code(void);

#endif
