/* SPDX-License-Identifier: MIT */
/*
 * u32 vmx_run(struct guest_regs *regs, int launched)
 *
 * Saves the callee-saved registers and the regs pointer on the stack,
 * points HOST_RSP at them, loads the guest's registers and enters.  A VM
 * exit lands at vmx_exit (HOST_RIP) with that stack: the guest registers
 * go back into *regs and vmx_run returns the exit-reason field to its
 * caller, so exit handling is plain C.  A failed VMLAUNCH/VMRESUME falls
 * through and returns VMX_RUN_FAIL_INVALID or VMX_RUN_FAIL_VALID.
 *
 * CR2 is not switched here: VMX leaves it alone, and root mode never
 * faults, so the guest's stays live across exits; vcpu_run_slice()
 * switches it once per slice.
 */
#include "asm-offsets.h"

	.text
	.globl vmx_run, vmx_exit
vmx_run:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi			/* regs, found again at (%rsp) on exit */

	movq	$VMCS_HOST_RSP, %rax
	vmwrite	%rsp, %rax
	jbe	.Lwrite_failed

	testl	%esi, %esi		/* flags survive the moves below */
	movq	GR_RAX(%rdi), %rax
	movq	GR_RCX(%rdi), %rcx
	movq	GR_RDX(%rdi), %rdx
	movq	GR_RBX(%rdi), %rbx
	movq	GR_RBP(%rdi), %rbp
	movq	GR_RSI(%rdi), %rsi
	movq	GR_R8(%rdi), %r8
	movq	GR_R9(%rdi), %r9
	movq	GR_R10(%rdi), %r10
	movq	GR_R11(%rdi), %r11
	movq	GR_R12(%rdi), %r12
	movq	GR_R13(%rdi), %r13
	movq	GR_R14(%rdi), %r14
	movq	GR_R15(%rdi), %r15
	movq	GR_RDI(%rdi), %rdi
	jnz	1f
	vmlaunch
	jmp	.Lentry_failed
1:	vmresume

.Lentry_failed:
.Lwrite_failed:
	/* CF=1: VMfailInvalid; ZF=1: VMfailValid. */
	movl	$VMX_RUN_FAIL_INVALID, %eax
	jc	2f
	movl	$VMX_RUN_FAIL_VALID, %eax
2:	addq	$8, %rsp
	jmp	.Lreturn

vmx_exit:
	pushq	%rdi
	movq	8(%rsp), %rdi
	movq	%rax, GR_RAX(%rdi)
	movq	%rcx, GR_RCX(%rdi)
	movq	%rdx, GR_RDX(%rdi)
	movq	%rbx, GR_RBX(%rdi)
	movq	%rbp, GR_RBP(%rdi)
	movq	%rsi, GR_RSI(%rdi)
	movq	%r8, GR_R8(%rdi)
	movq	%r9, GR_R9(%rdi)
	movq	%r10, GR_R10(%rdi)
	movq	%r11, GR_R11(%rdi)
	movq	%r12, GR_R12(%rdi)
	movq	%r13, GR_R13(%rdi)
	movq	%r14, GR_R14(%rdi)
	movq	%r15, GR_R15(%rdi)
	popq	GR_RDI(%rdi)
	addq	$8, %rsp
	movq	$VMCS_EXIT_REASON, %rax
	vmread	%rax, %rax

.Lreturn:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

	.section .note.GNU-stack, "", @progbits
