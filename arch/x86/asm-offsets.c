// SPDX-License-Identifier: MIT
/*
 * Offsets the assembly needs, generated from the C structures so they
 * cannot drift apart.  Compiled to assembly only; the Makefile turns the
 * "->NAME value" markers into build/asm-offsets.h.
 */
#include "arch/x86/vmcs.h"
#include "arch/x86/vmx.h"

#define DEFINE(sym, val)      __asm__ volatile("\n->" #sym " %0" ::"i"(val))
#define OFFSET(sym, str, mem) DEFINE(sym, __builtin_offsetof(struct str, mem))

void asm_offsets(void);
void asm_offsets(void)
{
	OFFSET(GR_RAX, guest_regs, rax);
	OFFSET(GR_RCX, guest_regs, rcx);
	OFFSET(GR_RDX, guest_regs, rdx);
	OFFSET(GR_RBX, guest_regs, rbx);
	OFFSET(GR_RBP, guest_regs, rbp);
	OFFSET(GR_RSI, guest_regs, rsi);
	OFFSET(GR_RDI, guest_regs, rdi);
	OFFSET(GR_R8, guest_regs, r8);
	OFFSET(GR_R9, guest_regs, r9);
	OFFSET(GR_R10, guest_regs, r10);
	OFFSET(GR_R11, guest_regs, r11);
	OFFSET(GR_R12, guest_regs, r12);
	OFFSET(GR_R13, guest_regs, r13);
	OFFSET(GR_R14, guest_regs, r14);
	OFFSET(GR_R15, guest_regs, r15);
	DEFINE(VMCS_HOST_RSP, HOST_RSP);
	DEFINE(VMCS_EXIT_REASON, VM_EXIT_REASON);
	DEFINE(VMX_RUN_FAIL_INVALID, (u64)VMX_RUN_FAIL_INVALID);
	DEFINE(VMX_RUN_FAIL_VALID, (u64)VMX_RUN_FAIL_VALID);
}
