/* SPDX-License-Identifier: MIT */
/* VMX operation on each CPU, VM entry and the entry-failure report. */
#ifndef ARCH_X86_VMX_H
#define ARCH_X86_VMX_H

#include "arch/x86/percpu.h"
#include "arch/x86/vmx_caps.h"
#include "lib/types.h"

/* Guest registers not kept in the VMCS, in x86 register-number order. */
struct guest_regs {
	u64 rax, rcx, rdx, rbx, rsp_unused, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 cr2;
};

/* Basic exit reasons (Intel SDM Vol. 3, Appendix C). */
#define EXIT_REASON_EXCEPTION_NMI	0
#define EXIT_REASON_EXTERNAL_INTERRUPT	1
#define EXIT_REASON_TRIPLE_FAULT	2
#define EXIT_REASON_CPUID		10
#define EXIT_REASON_HLT			12
#define EXIT_REASON_VMCALL		18
#define EXIT_REASON_INVALID_GUEST_STATE 33
#define EXIT_REASON_MSR_LOADING		34
#define EXIT_REASON_MACHINE_CHECK	41
#define EXIT_REASON_EPT_VIOLATION	48
#define EXIT_REASON_LOADIWKEY		69
#define EXIT_REASON_ENTRY_FAILURE	BIT(31)

extern struct vmx_caps vmx_caps;
extern struct vmx_controls vmx_base_controls;

/*
 * Can this CPU run klvisor?  Returns NULL, or one line saying what is
 * missing.  Reads the capability MSRs into vmx_caps on success.
 */
const char *vmx_probe(void);
/* VMXON on the calling CPU; false (with a log line) on failure. */
bool vmx_cpu_enable(struct percpu *pc);

/* Fill the host-state area for the calling CPU. */
bool vmx_setup_host_state(void);

/*
 * Enter the guest whose VMCS is current and return at its next exit with
 * the exit-reason field (bit 31 set: the entry failed on guest state or
 * MSR loading, SDM Vol. 3C, 27.8).  A VMLAUNCH/VMRESUME that itself
 * failed returns one of these, which have bit 31 set too, so a single
 * test finds every failure.  The guest's CR2 must already be live.
 */
#define VMX_RUN_FAIL_INVALID 0xffffffffu /* VMfailInvalid */
#define VMX_RUN_FAIL_VALID   0xfffffffeu /* VMfailValid */
u32 vmx_run(struct guest_regs *regs, int launched);

/* Report a failed VM entry: @run as vmx_run() returned it.  Every line starts with "VMENTRY-FAIL". */
void vmx_report_entry_failure(u32 run);

#endif
