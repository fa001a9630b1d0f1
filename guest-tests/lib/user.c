// SPDX-License-Identifier: MIT
/*
 * Guest library: ring 3 (see user.h).  run_in_ring3() saves the caller's
 * stack pointer, points this CPU's TSS.RSP0 just below it and IRETs to a
 * user stack further down the same per-CPU stack.  The ring-3 side calls
 * fn(arg) and raises USER_RET_VECTOR; its handler rewrites the interrupt
 * frame so that the IRET resumes in ring 0 at user_returned with the
 * saved stack pointer and RAX = fn's result.
 */
#include "idt.h"
#include "layout.h"
#include "paging.h"
#include "printf.h"
#include "report.h"
#include "smp.h"
#include "user.h"
#include "x86.h"

#define RFLAGS_TF	BIT(8)
#define RFLAGS_IOPL	(3UL << 12)
#define HANDLER_RESERVE 4096 /* below RSP0, for exception handlers (printf) */
#define USER_MIN_STACK	4096
#define NR_GDT		(6 + 2 * MAX_CPUS)

struct __packed tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
};

_Static_assert(USER_DS == 4 * 8 + 3 && USER_CS == 5 * 8 + 3 && GDT_TSS == 6 * 8, "GDT layout");
_Static_assert(GDT_CODE64 == 0x18 && GDT_DATA == 0x10 && USER_RET_VECTOR == 0x80, "user_returned");

static u64 gdt[NR_GDT] __aligned(16) = {
	0,
	0x00cf9a000000ffff, /* GDT_CODE32 */
	0x00cf92000000ffff, /* GDT_DATA */
	0x00af9a000000ffff, /* GDT_CODE64 */
	0x00cff2000000ffff, /* USER_DS: flat data, DPL 3 */
	0x00affa000000ffff, /* USER_CS: 64-bit code, DPL 3 */
};
static struct tss64 tss[MAX_CPUS] __aligned(16);
static u64 kernel_rsp[MAX_CPUS];
static bool cpu_ready[MAX_CPUS];
static bool global_ready;

extern const char __image_start[], __image_end[], user_returned[];

static void user_return(struct exc_frame *f)
{
	int cpu = smp_id();

	if ((f->cs & 3) != 3) {
		fail("ring3", "vector %#x raised from ring 0 at %#lx", USER_RET_VECTOR, f->rip);
		report_abort();
	}
	f->rip = (u64)user_returned;
	f->cs = GDT_CODE64;
	f->ss = GDT_DATA;
	f->rsp = kernel_rsp[cpu];
	f->rflags &= ~(RFLAGS_IOPL | RFLAGS_TF);
}

static void global_init(void)
{
	struct __packed {
		u16 limit;
		u64 base;
	} idtr;
	u8 *gate;

	/* The return gate: reachable from CPL 3 (DPL 3, 64-bit interrupt gate). */
	asm volatile("sidt %0" : "=m"(idtr));
	gate = (u8 *)idtr.base + 16 * USER_RET_VECTOR;
	gate[5] = 0xee;
	set_irq_handler(USER_RET_VECTOR, user_return);
	pt_set_user((u64)__image_start & ~(PAGE_SIZE - 1),
		    (u64)__image_end - ((u64)__image_start & ~(PAGE_SIZE - 1)), true);
	global_ready = true;
}

void user_init(void)
{
	int cpu = smp_id();
	u64 base = (u64)&tss[cpu];
	u16 sel = GDT_TSS + 16 * cpu;
	struct __packed {
		u16 limit;
		u64 base;
	} gdtr = { sizeof(gdt) - 1, (u64)gdt };

	if (cpu_ready[cpu])
		return;
	if (!global_ready)
		global_init();
	tss[cpu].iomap_base = sizeof(struct tss64); /* no I/O bitmap: IOPL decides */
	/* 64-bit available TSS, present, DPL 0, limit 103. */
	gdt[sel / 8] = (sizeof(struct tss64) - 1) | (base & 0xffffff) << 16 | 0x89UL << 40 |
		       ((base >> 24) & 0xff) << 56;
	gdt[sel / 8 + 1] = base >> 32;
	asm volatile("lgdt %0" : : "m"(gdtr) : "memory");
	asm volatile("ltr %0" : : "r"(sel) : "memory");
	cpu_ready[cpu] = true;
}

/* Called by run_in_ring3 with its stack pointer: returns the user stack's top. */
u64 user_prepare(u64 rsp);
u64 user_prepare(u64 rsp)
{
	int cpu = smp_id();
	u64 bottom = (rsp & ~(u64)(STACK_SIZE - 1)) + sizeof(struct cpu);
	u64 rsp0 = (rsp - 128) & ~15UL, top = rsp0 - HANDLER_RESERVE;

	user_init();
	if (top < bottom + USER_MIN_STACK) {
		fail("ring3", "only %lu bytes of stack left for ring 3", top - bottom);
		report_abort();
	}
	kernel_rsp[cpu] = rsp;
	tss[cpu].rsp[0] = rsp0;
	return top;
}

asm(".pushsection .text\n"
    ".globl run_in_ring3, run_in_ring3_at, user_returned\n"
    ".macro USER_SAVE\n\t"
    "pushq %rbp\n\t"
    "pushq %rbx\n\t"
    "pushq %r12\n\t"
    "pushq %r13\n\t"
    "pushq %r14\n\t"
    "pushq %r15\n\t"
    "subq $8, %rsp\n\t" /* 16-byte aligned from here */
    ".endm\n"
    "run_in_ring3_at:\n\t" /* (rip, arg): IRET to rip itself, RDI = arg */
    "USER_SAVE\n\t"
    "movq %rdi, %r14\n\t"
    "movq %rsi, %r13\n\t"
    "jmp 2f\n"
    "run_in_ring3:\n\t"
    "USER_SAVE\n\t"
    "movq %rdi, %r12\n\t"
    "movq %rsi, %r13\n\t"
    "leaq 1f(%rip), %r14\n"
    "2:\tmovq %rsp, %rdi\n\t"
    "call user_prepare\n\t"
    "movl $0x23, %ecx\n\t" /* USER_DS */
    "movl %ecx, %ds\n\t"
    "movl %ecx, %es\n\t"
    "pushq $0x23\n\t" /* SS */
    "pushq %rax\n\t" /* RSP */
    "pushfq\n\t"
    "orq $0x3000, (%rsp)\n\t" /* IOPL 3 */
    "pushq $0x2b\n\t" /* CS = USER_CS */
    "pushq %r14\n\t"
    "movq %r13, %rdi\n\t"
    "iretq\n"
    "1:\tcall *%r12\n\t"
    "int $0x80\n\t" /* USER_RET_VECTOR */
    "ud2\n"
    "user_returned:\n\t"
    "movl $0x10, %ecx\n\t" /* GDT_DATA */
    "movl %ecx, %ds\n\t"
    "movl %ecx, %es\n\t"
    "movl %ecx, %fs\n\t"
    "movl %ecx, %gs\n\t"
    "addq $8, %rsp\n\t"
    "popq %r15\n\t"
    "popq %r14\n\t"
    "popq %r13\n\t"
    "popq %r12\n\t"
    "popq %rbx\n\t"
    "popq %rbp\n\t"
    "ret\n"
    ".popsection");
