/* SPDX-License-Identifier: MIT */
/*
 * A multiboot (version 1) kernel written without klvisor's guest library
 * that walks the 32-bit paging transitions klvisor emulates (CR0.PG is
 * klvisor's bit, so turning paging on exits):
 *
 *  1. PAE paging with a reserved bit set in a present PDPTE: the MOV to
 *     CR0 that would load it is #GP (SDM Vol. 3A 4.4.1), and paging stays
 *     off.  klvisor used to copy the PDPTE into the VMCS, and the VM entry
 *     failed.
 *  2. Long mode entered with a 16-bit TSS in TR (loaded with LTR in
 *     protected mode): the CPU allows it, and only looks at TR's type when
 *     it next uses it; VM entry requires a busy 64-bit TSS in IA-32e mode,
 *     which klvisor must provide.
 *
 * Each step prints "pmode: PASS: name"; the end is an exit through the
 * isa-debug-exit port with status 0.  Any surprise prints "pmode: FAIL:
 * name" and exits with 1.
 */
#define COM1	  0x3f8
#define EXIT_PORT 0xf4

#define CS32  0x08
#define DS32  0x10
#define TSS16 0x18
#define CS64  0x20

	.include "tests/system/mb1-header.inc"

	.globl _start
_start:
	lgdt	gdt_desc
	ljmp	$CS32, $1f
1:	movw	$DS32, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	$stack_top, %esp
	/* The addresses in the TSS descriptor and the #GP gate, split as the formats want. */
	movl	$tss16, %eax
	movw	%ax, gdt + TSS16 + 2
	shrl	$16, %eax
	movb	%al, gdt + TSS16 + 4
	movb	%ah, gdt + TSS16 + 7
	movl	$gp_handler, %eax
	movw	%ax, idt + 13 * 8
	shrl	$16, %eax
	movw	%ax, idt + 13 * 8 + 6
	lidt	idt_desc
	movw	$TSS16, %ax
	ltr	%ax

	/* 1. PAE paging, PDPTE 0 present with bit 1 (reserved in a PDPTE) set. */
	movl	%cr4, %eax
	orl	$0x20, %eax			/* PAE */
	movl	%eax, %cr4
	movl	$pdpt_bad, %eax
	movl	%eax, %cr3
	movl	%cr0, %eax
	orl	$0x80000000, %eax		/* PG */
	movl	%eax, %cr0			/* #GP: gp_handler goes on at .Lafter_gp */
	movl	$fail_no_gp, %esi
	jmp	fail
.Lafter_gp:
	movl	%cr0, %eax
	testl	$0x80000000, %eax
	movl	$fail_pg_on, %esi
	jnz	fail
	movl	$pass_pdpte, %esi
	call	puts

	/* 2. Long mode, with the 16-bit TSS still in TR. */
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx		/* EFER */
	rdmsr
	orl	$0x100, %eax			/* LME */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000000, %eax
	movl	%eax, %cr0			/* IA-32e mode, compatibility mode */
	ljmp	$CS64, $long_mode

/* #GP: only step 1 expects one. */
gp_handler:
	movl	$stack_top, %esp
	cmpl	$0, gp_expected
	je	3f
	movl	$0, gp_expected
	jmp	.Lafter_gp
3:	movl	$fail_stray_gp, %esi
	jmp	fail

/* Print the string at %esi on COM1 (32-bit or 64-bit code: the same bytes). */
puts:
	movw	$COM1, %dx
1:	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	ret

fail:
	call	puts
	movw	$EXIT_PORT, %dx
	movl	$1, %eax
	outl	%eax, %dx
	jmp	halt

	.code64
long_mode:
	movl	$pass_tss, %esi
	call	puts			/* its bytes mean the same in 64-bit code */
	movw	$EXIT_PORT, %dx
	xorl	%eax, %eax
	outl	%eax, %dx
	.code32
halt:
	cli
	hlt
	jmp	halt

	.section .data
	.align 8
gdt:
	.quad 0
	.quad 0x00cf9b000000ffff		/* CS32: flat code */
	.quad 0x00cf93000000ffff		/* DS32: flat data */
	.word 0x2b, 0				/* TSS16: 44 bytes, base filled in at _start */
	.byte 0, 0x81, 0, 0			/* present, available 16-bit TSS (type 1) */
	.quad 0x00af9b000000ffff		/* CS64: 64-bit code */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

idt:
	.fill 13, 8, 0
	.word 0, CS32, 0x8e00, 0		/* vector 13: a 32-bit interrupt gate (offset at _start) */
idt_end:
idt_desc:
	.word idt_end - idt - 1
	.long idt

gp_expected:
	.long 1

tss16:
	.fill 44, 1, 0

pass_pdpte:
	.asciz "pmode: PASS: pae-reserved-pdpte-gp\n"
pass_tss:
	.asciz "pmode: PASS: long-mode-with-16-bit-tss\n"
fail_no_gp:
	.asciz "pmode: FAIL: pae-reserved-pdpte-gp (no #GP)\n"
fail_pg_on:
	.asciz "pmode: FAIL: pae-reserved-pdpte-gp (paging on after the #GP)\n"
fail_stray_gp:
	.asciz "pmode: FAIL: unexpected #GP\n"

	.align 32
pdpt_bad:
	.long pd_unused + 0x3, 0		/* present, bit 1 reserved */
	.long 0, 0, 0, 0, 0, 0

	.align 4096
pd_unused:
	.fill 512, 8, 0
pml4:
	.long pdpt64 + 0x3, 0
	.fill 511, 8, 0
pdpt64:
	.long pd64 + 0x3, 0
	.fill 511, 8, 0
pd64:
	.long 0x83, 0				/* 0-2 MiB: present, writable, 2 MiB page */
	.fill 511, 8, 0

	.section .bss
	.align 16
	.space 4096
stack_top:

	.section .note.GNU-stack, "", @progbits
