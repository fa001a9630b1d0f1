/* SPDX-License-Identifier: MIT */
/*
 * Guest library: the 256 interrupt entry stubs and the common path to
 * exc_dispatch() in idt.c, plus exc_call(), the recovery point used by
 * expect_exception().  Stub n is at isr_stubs + 16 * n; each pushes a
 * dummy error code where the CPU pushes none, then the vector number.
 */

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERR(n) ((n) == 8 || ((n) >= 10 && (n) <= 14) || (n) == 17 || (n) == 21 || (n) == 29 || (n) == 30)

	.section .text
	.code64
	.align 16
	.globl isr_stubs
isr_stubs:
	vec = 0
	.rept 256
	.align 16
	.if !HAS_ERR(vec)
	pushq	$0
	.endif
	pushq	$vec
	jmp	isr_common
	vec = vec + 1
	.endr

/* The frame matches struct exc_frame in idt.h. */
isr_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi		/* 16-byte aligned: 5 + 2 + 15 quadwords */
	call	exc_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector, error code */
	iretq

/*
 * int exc_call(void (*fn)(void *), void *arg, u64 *saved_rsp)
 *
 * Calls fn(arg) and returns 0.  If an armed exception interrupts fn,
 * exc_dispatch() makes the IRET land on exc_landing with RSP = *saved_rsp,
 * and exc_call returns 1 with the callee-saved registers restored.
 */
	.globl exc_call, exc_landing
exc_call:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$8, %rsp		/* keep the call 16-byte aligned */
	movq	%rsp, (%rdx)
	movq	%rdi, %rax
	movq	%rsi, %rdi
	call	*%rax
	xorl	%eax, %eax
	jmp	1f
exc_landing:
	movl	$1, %eax
1:	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

	.section .note.GNU-stack, "", @progbits
