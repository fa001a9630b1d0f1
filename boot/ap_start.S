/* SPDX-License-Identifier: MIT */
/*
 * Application processor start-up.  smp.c copies this blob to
 * AP_TRAMPOLINE_ADDR (below 1 MiB), patches the parameter block at its end
 * and sends INIT-SIPI-SIPI.  The AP starts in real mode at CS = page >> 4,
 * IP = 0, goes through 32-bit protected mode to long mode on the boot page
 * tables, and jumps to ap_entry(percpu) on the stack it was given.
 * Position independent: everything is addressed relative to the blob.
 */
#define OFF(x) ((x) - ap_start)

	.section .rodata
	.code16
	.globl ap_start, ap_start_end, ap_params
ap_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	xorl	%ebx, %ebx
	movw	%ax, %bx
	shll	$4, %ebx		/* ebx = physical base of the blob */
	/* Patch the far-jump targets and the GDT base with the real base. */
	leal	OFF(ap_gdt)(%ebx), %eax
	movl	%eax, OFF(ap_gdt_ptr) + 2
	leal	OFF(ap_pm32)(%ebx), %eax
	movl	%eax, OFF(ap_far32)
	leal	OFF(ap_lm64)(%ebx), %eax
	movl	%eax, OFF(ap_far64)
	lgdtl	OFF(ap_gdt_ptr)
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	*OFF(ap_far32)

	.code32
ap_pm32:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	%cr4, %eax
	orl	$0x20, %eax		/* PAE */
	movl	%eax, %cr4
	movl	OFF(ap_param_cr3)(%ebx), %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx
	rdmsr
	orl	$0x100, %eax		/* EFER.LME */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80010021, %eax	/* PG, WP, NE, PE */
	movl	%eax, %cr0
	ljmpl	*OFF(ap_far64)(%ebx)

	.code64
ap_lm64:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movq	OFF(ap_param_stack)(%rbx), %rsp
	movq	OFF(ap_param_percpu)(%rbx), %rdi
	movq	OFF(ap_param_entry)(%rbx), %rax
	xorq	%rbp, %rbp
	call	*%rax
1:	cli
	hlt
	jmp	1b

	.balign 8
ap_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
ap_gdt_ptr:
	.short 4 * 8 - 1
	.long 0
ap_far32:
	.long 0
	.short 0x08
ap_far64:
	.long 0
	.short 0x18

	.balign 8
ap_params:
ap_param_cr3:
	.quad 0
ap_param_stack:
	.quad 0
ap_param_percpu:
	.quad 0
ap_param_entry:
	.quad 0
ap_start_end:

	.section .note.GNU-stack, "", @progbits
