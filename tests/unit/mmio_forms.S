/* SPDX-License-Identifier: MIT */
/*
 * Instruction forms a kernel uses on a device page, assembled by the host
 * assembler so that test_mmio_forms checks the decoder against encodings
 * it did not produce.  Each FORM records its name, its mode and where its
 * bytes start and end; the bytes sit in .rodata and are never executed.
 */
	.macro FORM name:req, bits:req, insn:vararg
	.pushsection .rodata.mmio_names, "a"
100:	.asciz "\name"
	.popsection
	.pushsection .rodata.mmio_bytes, "a"
	.code\bits
101:	\insn
102:
	.code64
	.popsection
	.quad 100b, 101b, 102b, \bits
	.endm

	.data
	.balign 8
	.globl mmio_forms
mmio_forms:
	/* MOV, every encoding */
	FORM "A1 moffs32 load, 32-bit", 32, movl 0xfee00020, %eax
	FORM "A1 moffs64 load", 64, movabsl 0xfee00020, %eax
	FORM "A3 moffs store, 32-bit", 32, movl %eax, 0xfee000b0
	FORM "A0 moffs byte load, 32-bit", 32, movb 0xfee00030, %al
	FORM "66 A3 moffs word store, 32-bit", 32, movw %ax, 0xfee00080
	FORM "REX.W A1 moffs64 load", 64, movabsq 0xfee00030, %rax
	FORM "67 A1 moffs32 load in 64-bit", 64, addr32 movabsl 0xfee00020, %eax
	FORM "67 66 A1 moffs32 load in 16-bit", 16, addr32 movl 0xfee00020, %eax
	FORM "8B load disp32, 32-bit", 32, movl 0xfee00020, %ebx
	FORM "8B load SIB absolute, 64-bit", 64, movl 0x7fee0020, %ecx
	FORM "8B load 16-bit [bx+si+disp8]", 16, movw 0x20(%bx,%si), %ax
	FORM "89 store FS override, 32-bit", 32, movl %ecx, %fs:0x20(%esi)
	FORM "89 store GS SIB scale 8, REX.XB", 64, movl %eax, %gs:0x10(%r12,%r13,8)
	FORM "8B load SIB scale 4", 64, movl 0x20(%rbx,%rcx,4), %eax
	FORM "8B load RIP-relative", 64, movl 0x100(%rip), %edx
	FORM "8A load into AH", 64, movb 0x20(%rbx), %ah
	FORM "REX 88 store SIL", 64, movb %sil, (%rbx)
	FORM "66 REX 8B load R9W", 64, movw (%rbx), %r9w
	FORM "C7 store imm32, 32-bit", 32, movl $0x1ff, 0xf0(%ebx)
	FORM "C6 store imm8", 64, movb $0xff, 0x80(%rbx)
	FORM "REX.W C7 store sign-extended imm32", 64, movq $-2, (%rbx)
	/* MOVZX, MOVSX, MOVSXD */
	FORM "0F B6 movzx r32, byte", 64, movzbl 0x30(%rbx), %eax
	FORM "0F B7 movzx r32, word", 64, movzwl 0x30(%rbx), %ecx
	FORM "REX.W 0F BE movsx r64, byte", 64, movsbq 0x30(%rbx), %rdx
	FORM "0F BF movsx r32, word", 64, movswl 0x30(%rbx), %esi
	FORM "REX.W 63 movsxd r64, dword", 64, movslq 0x20(%rbx), %r8
	FORM "66 0F B6 movzx r16, byte", 64, movzbw (%rbx), %ax
	/* ALU read-modify-write and compare */
	FORM "81 /1 or imm32", 64, orl $0x100, 0xf0(%rbx)
	FORM "81 /4 and imm32", 64, andl $0xfffffeff, 0xf0(%rbx)
	FORM "83 /1 or imm8", 64, orl $1, (%rbx)
	FORM "31 xor r/m, reg", 64, xorl %eax, (%rbx)
	FORM "03 add reg, r/m", 64, addl (%rbx), %ecx
	FORM "83 /5 sub imm8", 64, subl $0x10, 0x80(%rbx)
	FORM "83 /7 cmp imm8", 64, cmpl $0x14, 0x30(%rbx)
	FORM "3B cmp reg, r/m", 64, cmpl (%rbx), %eax
	FORM "11 adc r/m, reg", 64, adcl %eax, (%rbx)
	FORM "80 /3 sbb byte imm8", 64, sbbb $1, (%rbx)
	FORM "F7 /0 test imm32", 64, testl $0x100, 0xf0(%rbx)
	FORM "F6 /0 test byte imm8", 64, testb $1, 0x21(%rbx)
	FORM "85 test r/m, reg", 64, testl %eax, (%rbx)
	FORM "80 /1 or byte imm8", 64, orb $0x80, 0x80(%rbx)
	FORM "REX.W 83 /1 or qword imm8", 64, orq $1, (%rbx)
	FORM "66 81 /1 or word imm16", 64, orw $0x1234, (%rbx)
	FORM "08 or byte r/m, AH", 64, orb %ah, (%rbx)
	FORM "REX.R 21 and r/m, R9D", 64, andl %r9d, (%rbx)
	FORM "F0 83 /1 lock or imm8", 64, lock orl $1, (%rbx)
	FORM "2B sub reg, r/m, 32-bit", 32, subl 0xfee00030, %edx
	/* XCHG and BT* */
	FORM "87 xchg r/m, eax", 64, xchgl %eax, (%rbx)
	FORM "86 xchg byte r/m, cl", 64, xchgb %cl, (%rbx)
	FORM "0F BA /4 bt imm8", 64, btl $8, 0xf0(%rbx)
	FORM "0F BA /5 bts imm8", 64, btsl $9, 0xf0(%rbx)
	FORM "0F B3 btr r/m, reg", 64, btrl %ecx, (%rbx)
	FORM "0F BA /7 btc imm8", 64, btcl $3, (%rbx)
	FORM "REX.W 0F A3 bt r/m64, reg", 64, btq %rax, (%rbx)
	FORM "0F AB bts r/m, reg, 32-bit", 32, btsl %ecx, 0xfee000f0
	.globl mmio_forms_end
mmio_forms_end:

	/* Forms klvisor does not emulate: the decoder must refuse them. */
	.globl mmio_unsupported
mmio_unsupported:
	FORM "FF /0 inc", 64, incl (%rbx)
	FORM "F7 /2 not", 64, notl (%rbx)
	FORM "F7 /3 neg", 64, negl (%rbx)
	FORM "0F B1 cmpxchg", 64, cmpxchgl %ecx, (%rbx)
	FORM "0F C1 xadd", 64, xaddl %ecx, (%rbx)
	FORM "A5 movs", 64, movsl
	FORM "8D lea", 64, leal (%rbx), %eax
	FORM "0F 01 /7 invlpg", 64, invlpg (%rbx)
	FORM "D1 /4 shl", 64, shll (%rbx)
	.globl mmio_unsupported_end
mmio_unsupported_end:

	.section .note.GNU-stack, "", @progbits
