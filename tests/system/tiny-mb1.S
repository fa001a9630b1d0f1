/* SPDX-License-Identifier: MIT */
/*
 * The smallest multiboot (version 1) kernel: written without klvisor's
 * guest library, it prints a line on COM1 and exits through the
 * isa-debug-exit port with status 0.  Used to check that klvisor accepts
 * plain multiboot kernels from elsewhere.
 */
	.include "tests/system/mb1-header.inc"

	.globl _start
_start:
	movl	$msg, %esi
	movw	$0x3f8, %dx
1:	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	movw	$0xf4, %dx
	xorl	%eax, %eax
	outl	%eax, %dx
3:	cli
	hlt
	jmp	3b

msg:
	.asciz "tiny: hello from a hand-made multiboot kernel\n"

	.section .note.GNU-stack, "", @progbits
