/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 entry.  GRUB enters here in 32-bit protected mode with paging
 * off.  We build an identity map of the low 4 GiB with 2 MiB pages (enough
 * for the image, the modules GRUB placed, the ACPI tables and the local
 * APIC), switch to long mode and call kmain(magic, mbi).  Everything else
 * (per-CPU GDT/IDT/TSS, the full RAM map) is set up from C.
 */
#include "boot/layout.h"

#define MB2_MAGIC	0xe85250d6
#define MB2_ARCH_I386	0

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* end tag */
	.short 0
	.short 0
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl	$boot_stack_top, %esp
	movl	%eax, boot_magic
	movl	%ebx, boot_mbi

	/* Long mode needs CPUID leaf 0x80000001 EDX bit 29. */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	no_long_mode
	movl	$0x80000001, %eax
	cpuid
	btl	$29, %edx
	jnc	no_long_mode

	/* PML4[0] -> PDPT; PDPT[0..3] -> PD0..PD3; 2048 x 2 MiB pages. */
	movl	$boot_pdpt, %eax
	orl	$0x3, %eax
	movl	%eax, boot_pml4
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$12, %eax
	addl	$boot_pd, %eax
	orl	$0x3, %eax
	movl	%eax, boot_pdpt(, %ecx, 8)
	incl	%ecx
	cmpl	$4, %ecx
	jb	1b
	xorl	%ecx, %ecx
2:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$0x83, %eax		/* present, writable, 2 MiB */
	movl	%eax, boot_pd(, %ecx, 8)
	incl	%ecx
	cmpl	$2048, %ecx
	jb	2b

	movl	%cr4, %eax
	orl	$0x20, %eax		/* PAE */
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx	/* EFER.LME */
	rdmsr
	orl	$0x100, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$0x80010021, %eax	/* PG, WP, NE, PE */
	movl	%eax, %cr0
	lgdt	boot_gdt_ptr
	ljmp	$0x08, $long_mode_entry

no_long_mode:
	/* Nothing else works yet: say why on COM1 and stop. */
	movl	$no_lm_msg, %esi
3:	lodsb
	testb	%al, %al
	jz	4f
	movw	$0x3f8, %dx
	outb	%al, %dx
	jmp	3b
4:	cli
	hlt
	jmp	4b

	.code64
long_mode_entry:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorw	%ax, %ax
	movw	%ax, %fs
	movw	%ax, %gs
	movq	$boot_stack_top, %rsp
	xorq	%rbp, %rbp
	movl	boot_magic, %edi
	movl	boot_mbi, %esi
	call	kmain
5:	cli
	hlt
	jmp	5b

	.section .boot.data, "aw"
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdt_ptr:
	.short boot_gdt_ptr - boot_gdt - 1
	.long boot_gdt
boot_magic:
	.long 0
boot_mbi:
	.long 0
no_lm_msg:
	.asciz "klvisor: this CPU has no long mode (x86-64); cannot run\r\n"

	.section .bss
	.balign 4096
	.globl boot_pml4
boot_pml4:
	.space 4096
boot_pdpt:
	.space 4096
boot_pd:
	.space 4 * 4096
	.balign 16
boot_stack:
	.space BOOT_STACK_SIZE
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
