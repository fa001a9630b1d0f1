/* SPDX-License-Identifier: MIT */
/*
 * Guest library: the multiboot (version 1) header and the way into long
 * mode.  The boot CPU arrives in 32-bit protected mode (EAX = 0x2BADB002,
 * EBX = multiboot info), clears .bss, identity-maps the first 4 GiB with
 * 2 MiB pages, enables PAE, SSE, EFER.LME and paging, and calls
 * lib_main(magic, mbi) on a 64-bit stack.  The application processors
 * come here from the real-mode trampoline (smp.c copies it to 0x8000)
 * and reuse the same GDT, page tables and long-mode switch.
 */
#include "layout.h"

#define MB1_MAGIC	0x1badb002
#define MB1_FLAGS	0x00000003	/* page-align modules, memory info */

#define CR0_BITS	0x80000023	/* PG | NE | MP | PE */
#define CR0_CLEAR	0x0000000c	/* EM | TS */
#define CR4_BITS	0x00000620	/* OSXMMEXCPT | OSFXSR | PAE */
#define MSR_EFER	0xc0000080
#define EFER_LME	0x100

	.section .multiboot, "a"
	.align 4
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)

/* Load CR3 with the boot page tables and switch to 64-bit code at \target. */
.macro ENTER_LONG_MODE target
	movl	%cr4, %eax
	orl	$CR4_BITS, %eax
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	andl	$~CR0_CLEAR, %eax
	orl	$CR0_BITS, %eax
	movl	%eax, %cr0
	ljmp	$GDT_CODE64, $\target
.endm

	.section .text
	.code32
	.globl _start
_start:
	cli
	cld
	movl	%eax, mb_magic
	movl	%ebx, mb_info

	lgdt	gdt_desc
	ljmp	$GDT_CODE32, $1f
1:	movl	$GDT_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%eax, %ss

	/* Clear .bss (the loader should have, but do not depend on it). */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb

	/* PML4[0] -> PDPT, PDPT[0..3] -> four page directories. */
	movl	$pdpt + 0x3, pml4
	movl	$pd + 0x3, %eax
	xorl	%ecx, %ecx
2:	movl	%eax, pdpt(, %ecx, 8)
	addl	$0x1000, %eax
	incl	%ecx
	cmpl	$4, %ecx
	jne	2b

	/* 2048 2 MiB pages: present, writable, large; the top GiB (MMIO) uncached. */
	xorl	%ecx, %ecx
3:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$0x83, %eax
	cmpl	$1536, %ecx
	jb	4f
	orl	$0x18, %eax		/* PCD | PWT */
4:	movl	%eax, pd(, %ecx, 8)
	movl	$0, pd + 4(, %ecx, 8)
	incl	%ecx
	cmpl	$2048, %ecx
	jne	3b

	ENTER_LONG_MODE start64

	/* Application processors: from ap_trampoline, in 32-bit protected mode. */
	.globl ap_entry32
ap_entry32:
	movl	$GDT_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%eax, %ss
	ENTER_LONG_MODE ap_entry64

	.code64
start64:
	movl	$GDT_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movq	$cpu_stacks + STACK_SIZE, %rsp
	xorl	%ebp, %ebp
	movl	mb_magic, %edi
	movl	mb_info, %esi
	call	lib_main
	jmp	halt_forever

ap_entry64:
	movl	$GDT_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movq	ap_stack_top, %rsp
	xorl	%ebp, %ebp
	call	ap_main
halt_forever:
	cli
	hlt
	jmp	halt_forever

/*
 * The application processors' first instructions: copied to
 * AP_TRAMPOLINE_PA and started by SIPI in real mode with CS = 0x800, IP = 0.
 * Position-independent: it only refers to itself CS-relative, and to the
 * GDT and ap_entry32 by their (fixed, below 4 GiB) addresses.
 */
	.code16
	.globl ap_trampoline, ap_trampoline_end
ap_trampoline:
	cli
	cld
	lgdtl	%cs:(ap_gdt_desc - ap_trampoline)
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$GDT_CODE32, $ap_entry32
	.align 8
ap_gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
ap_trampoline_end:

	.section .rodata
	.align 16
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* GDT_CODE32: flat 32-bit code */
	.quad	0x00cf92000000ffff	/* GDT_DATA: flat data */
	.quad	0x00af9a000000ffff	/* GDT_CODE64: 64-bit code */
gdt_end:
	.align 8
	.word	0
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	.section .data
	.align 4
	.globl mb_magic, mb_info
mb_magic:
	.long	0
mb_info:
	.long	0

	.section .bss
	.align 4096
pml4:
	.skip	4096
pdpt:
	.skip	4096
pd:
	.skip	4 * 4096

	.section .note.GNU-stack, "", @progbits
