/* SPDX-License-Identifier: MIT */
/*
 * Interrupt and exception entry.  Every vector gets a stub that makes the
 * frame uniform (a zero error code where the CPU pushes none, then the
 * vector) and jumps to one common path that saves the registers as a
 * struct trap_frame and calls trap_handler().
 */
	.text
	.macro STUB v
	.balign 16
isr_\v:
	.if (\v == 8 || \v == 10 || \v == 11 || \v == 12 || \v == 13 || \v == 14 || \v == 17 || \v == 21 || \v == 29 || \v == 30)
	.else
	pushq	$0
	.endif
	pushq	$\v
	jmp	isr_common
	.endm

	.altmacro
	.macro STUBS from, to
	STUB %\from
	.if \to-\from
	STUBS %(\from+1), \to
	.endif
	.endm

	STUBS 0, 63
	STUBS 64, 127
	STUBS 128, 191
	STUBS 192, 255

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
	movq	%rsp, %rdi
	cld
	call	trap_handler
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
	addq	$16, %rsp
	iretq

	.macro ADDR v
	.quad isr_\v
	.endm
	.macro ADDRS from, to
	ADDR %\from
	.if \to-\from
	ADDRS %(\from+1), \to
	.endif
	.endm

	.section .rodata
	.balign 8
	.globl isr_stubs
isr_stubs:
	ADDRS 0, 63
	ADDRS 64, 127
	ADDRS 128, 191
	ADDRS 192, 255

	.section .note.GNU-stack, "", @progbits
