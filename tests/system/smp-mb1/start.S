/* SPDX-License-Identifier: MIT */
/*
 * A standard multiboot (version 1) test kernel, written the way the common
 * x86 virtualization test suites write theirs and without klvisor's guest
 * library: 32-bit entry, the APIC ID read in 32-bit code with
 * "mov 0xfee00020, %eax" (the A1 moffs form), identity-mapped 4 GiB with
 * 2 MiB pages, long mode, then C.  main.c enables the APIC and starts the
 * APs with INIT-SIPI-SIPI; each AP runs ap_start (16-bit, at 0x8000), goes
 * to 32-bit protected mode, reads its own APIC ID the same way and checks
 * in.
 */
#define APIC_ID_ADDR 0xfee00020
#define TRAMPOLINE   0x8000

	.section .multiboot, "a"
	.align 4
	.long 0x1badb002		/* magic */
	.long 0x00000003		/* flags: page-align modules, memory info */
	.long -(0x1badb002 + 0x3)	/* checksum */

	.section .text
	.code32
	.globl _start
_start:
	cli
	movl	$stack_top, %esp
	movl	%ebx, mb_info
	movl	APIC_ID_ADDR, %eax	/* A1 20 00 e0 fe */
	shrl	$24, %eax
	movl	%eax, bsp_id_32

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages */
	movl	$pdpt + 0x3, pml4
	movl	$pd + 0x3, %eax
	xorl	%ecx, %ecx
1:	movl	%eax, pdpt(,%ecx,8)
	addl	$0x1000, %eax
	incl	%ecx
	cmpl	$4, %ecx
	jne	1b
	xorl	%ecx, %ecx
2:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$0x83, %eax		/* present, writable, 2 MiB */
	movl	%eax, pd(,%ecx,8)
	incl	%ecx
	cmpl	$2048, %ecx
	jne	2b
	/* the APIC page uncached, as kernels map it */
	orl	$0x18, pd + 8 * (0xfee00000 >> 21)

	movl	%cr4, %eax
	orl	$0x20, %eax		/* PAE */
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx	/* EFER.LME */
	rdmsr
	orl	$0x100, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000001, %eax	/* PG, PE */
	movl	%eax, %cr0
	lgdt	gdt_desc
	ljmp	$0x18, $start64

	.code64
start64:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movq	$stack_top, %rsp
	call	main
	/* main returns the exit code for the debug-exit port */
	movw	$0xf4, %dx
	outl	%eax, %dx
3:	cli
	hlt
	jmp	3b

/*
 * The AP start-up code, copied to TRAMPOLINE by main(): real mode with
 * CS = TRAMPOLINE >> 4, so its own data is addressed relative to ap_start.
 */
	.code16
	.globl ap_start, ap_end
ap_start:
	cli
	lgdtl	%cs:(ap_gdt_desc - ap_start)
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$0x08, $ap_start32
ap_gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
ap_end:

	.code32
ap_start32:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	APIC_ID_ADDR, %eax	/* the same A1 form, on the AP */
	shrl	$24, %eax
	movl	$1, %ecx
	lock xaddl %ecx, ap_count	/* ecx = my slot */
	cmpl	$15, %ecx
	ja	4f
	movl	%eax, ap_ids(,%ecx,4)
4:	cli
	hlt
	jmp	4b

	.section .data
	.align 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	.globl mb_info, bsp_id_32, ap_count, ap_ids
mb_info:	.long 0
bsp_id_32:	.long 0
ap_count:	.long 0
ap_ids:		.fill 16, 4, 0

	.section .bss
	.align 4096
pml4:	.fill 512, 8, 0
pdpt:	.fill 512, 8, 0
pd:	.fill 4 * 512, 8, 0
	.fill 4096, 1, 0
stack_top:

	.section .note.GNU-stack, "", @progbits
