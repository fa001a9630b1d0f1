/* SPDX-License-Identifier: MIT */
/*
 * VM-exit handling.  Each handler gets the vCPU (reading the exit
 * qualification itself if it needs it) and says whether the vCPU may go
 * straight back in or must give up the physical CPU (it halted, yielded,
 * used up its slice, or its VM ended).
 */
#ifndef VMM_EXIT_H
#define VMM_EXIT_H

#include "vmm/vm.h"

enum exit_action {
	EXIT_RESUME,
	EXIT_RESCHED,
	EXIT_REARM, /* resume, but re-arm the preemption timer first (it has run out) */
};

typedef enum exit_action (*exit_handler_fn)(struct vcpu *v);

/* Run @v on the calling CPU until it must give the CPU up. */
void vcpu_run_slice(struct vcpu *v, u64 slice_tsc);

/* Handlers, one file per concern. */
enum exit_action handle_cpuid(struct vcpu *v); /* cpuid.c */
enum exit_action handle_rdmsr(struct vcpu *v); /* msr.c */
enum exit_action handle_wrmsr(struct vcpu *v); /* msr.c */
enum exit_action handle_io(struct vcpu *v); /* io.c */
/* INS/OUTS, from handle_io() with the exit qualification's port, size, direction, REP. */
enum exit_action handle_string_io(struct vcpu *v, u16 port, unsigned size, bool in,
				  bool rep); /* strio_exit.c */
/* One access to a port of @v's VM, its lock held by the caller; returns what an IN reads (io.c). */
u32 port_io(struct vcpu *v, u16 port, unsigned size, bool in, u32 val);
enum exit_action handle_cr_access(struct vcpu *v); /* cr.c */
enum exit_action handle_xsetbv(struct vcpu *v); /* cr.c */
enum exit_action handle_vmcall(struct vcpu *v); /* hypercall.c */
enum exit_action handle_ept_violation(struct vcpu *v); /* apic.c */

/*
 * Load @v's values of the MSRs and debug registers VMX does not switch
 * (SYSCALL MSRs, KERNEL_GS_BASE, TSC_AUX, DR0-3, DR6) unless they are
 * already in this CPU (msr.c).
 */
void msr_switch_in(struct vcpu *v);
/* Build the MSR bitmap (boot CPU, before any VMCS uses it), and its address. */
void msr_setup(void);
u64 msr_bitmap_pa(void);
/* If @v's values are in this CPU, save the live ones and drop ownership. */
void msr_forget(struct vcpu *v);
/* INIT: the debug registers take their reset values (msr.c). */
void msr_init_reset(struct vcpu *v);

/* The virtual APIC's MSR interface (apic.c), used by msr.c. */
bool apic_msr_read(struct vcpu *v, u32 msr, u64 *val);
bool apic_msr_write(struct vcpu *v, u32 msr, u64 val);
/* Make @t see what was just posted for it, if it runs on another CPU now (apic.c). */
void apic_kick(struct vcpu *t);
/* Deliver a pending NMI or interrupt, or request the window for it (apic.c). */
void apic_inject_pending(struct vcpu *v);
/*
 * Does something end @v's HLT at host time @now: an NMI, an INIT, or an
 * interrupt above its priority if it halted with IF set?  Fires its APIC
 * timer if due.  Only @v's own CPU calls it.
 */
bool apic_wakes_halted(struct vcpu *v, u64 now);

#endif
