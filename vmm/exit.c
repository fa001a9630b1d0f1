// SPDX-License-Identifier: MIT
/*
 * The exit loop and the dispatch table.  The table is indexed by basic
 * exit reason and bounds-checked; anything without a handler stops only
 * the VM that caused it, with its state on the console.
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/vmcs.h"
#include "lib/printf.h"
#include "vmm/exit.h"
#include "vmm/platform.h"
#include "vmm/prof.h"
#include "vmm/shutdown.h"
#include "vmm/vcpu.h"

#define EXIT_REASON_INTR_WINDOW	     7
#define EXIT_REASON_NMI_WINDOW	     8
#define EXIT_REASON_INVD	     13
#define EXIT_REASON_RDPMC	     15
#define EXIT_REASON_MWAIT	     36
#define EXIT_REASON_MONITOR	     39
#define EXIT_REASON_PAUSE	     40
#define EXIT_REASON_WBINVD	     54
#define EXIT_REASON_PREEMPTION_TIMER 52
#define EXIT_REASON_XSETBV	     55
#define EXIT_REASON_EPT_MISCONFIG    49

#define INTR_INFO_TYPE(x) (((x) >> 8) & 7)
#define INTR_TYPE_NMI	  2

static enum exit_action handle_nmi_or_exception(struct vcpu *v)
{
	u32 info = (u32)vmcs_read(VM_EXIT_INTR_INFO);

	if (INTR_INFO_TYPE(info) == INTR_TYPE_NMI) {
		/* klvisor's own NMIs only ever mean "stop". */
		if (stop_requested())
			stop_this_cpu();
		return EXIT_RESUME;
	}
	if ((info & 0xff) == 6) {
		kl_handle_ud(v); /* only Key Locker VMs intercept #UD */
		return v->vm->ended ? EXIT_RESCHED : EXIT_RESUME;
	}
	vm_end(v->vm, VM_STOPPED, 0, "unexpected exception exit (interruption info %x)", info);
	return EXIT_RESCHED;
}

/*
 * A physical interrupt while a guest ran (external-interrupt exiting, with
 * the interrupt acknowledged on exit).  The kick IPI only had to cause
 * this exit: the injection before the next entry delivers what another
 * CPU posted.  klvisor enables no interrupt sources, so anything else is
 * a stray: end it at the local APIC and go on.
 */
static enum exit_action handle_external_interrupt(struct vcpu *v)
{
	u32 info = (u32)vmcs_read(VM_EXIT_INTR_INFO);
	static bool logged;

	(void)v;
	if ((info & 0xff) >= 32 && (info & 0xff) != 0xff)
		apic_eoi();
	if ((info & 0xff) == APIC_KICK_VECTOR)
		return EXIT_RESUME;
	if (!logged) {
		logged = true;
		pr_warn("cpu%u: stray physical interrupt, vector %u; dropped (logged once)\n",
			this_cpu()->id, info & 0xff);
	}
	return EXIT_RESUME;
}

static enum exit_action handle_triple_fault(struct vcpu *v)
{
	vcpu_dump(v);
	vm_end(v->vm, VM_STOPPED, 0, "triple fault on vcpu%u", v->id);
	return EXIT_RESCHED;
}

/*
 * HLT: the vCPU leaves the run queue until something wakes it
 * (apic_wakes_halted(): an NMI, INIT, or an interrupt it can take; with IF clear
 * an interrupt does not end HLT).  RIP is already past the HLT, as the
 * CPU leaves it for the interrupt that ends it.
 */
static enum exit_action handle_hlt(struct vcpu *v)
{
	vcpu_skip_instruction(v);
	v->halt_if = vmcs_read(GUEST_RFLAGS) & RFLAGS_IF;
	if (apic_wakes_halted(v, rdtsc()))
		return EXIT_RESUME; /* something is already waiting: HLT ends at once */
	v->state = VCPU_HALTED;
	return EXIT_RESCHED;
}

/* A window opened: the injection before the next entry delivers what waited. */
static void window_opened(u32 control)
{
	vmcs_write_hot(CPU_BASED_VM_EXEC_CONTROL,
		       (u32)vmcs_read(CPU_BASED_VM_EXEC_CONTROL) & ~control);
}

static enum exit_action handle_intr_window(struct vcpu *v)
{
	(void)v;
	window_opened(CPU_INTR_WINDOW_EXITING);
	return EXIT_RESUME;
}

static enum exit_action handle_nmi_window(struct vcpu *v)
{
	(void)v;
	window_opened(CPU_NMI_WINDOW_EXITING);
	return EXIT_RESUME;
}

static enum exit_action handle_vmx_insn(struct vcpu *v)
{
	vcpu_inject_ud(v); /* VMX is hidden from guests */
	return EXIT_RESUME;
}

/* MONITOR, MWAIT, ENCLS and ENCLV: hidden by CPUID, so #UD as on such a CPU. */
static enum exit_action handle_ud(struct vcpu *v)
{
	vcpu_inject_ud(v);
	return EXIT_RESUME;
}

/* RDPMC: there is no PMU for guests (CPUID leaf 0xA is zero), so every counter is invalid. */
static enum exit_action handle_rdpmc(struct vcpu *v)
{
	vcpu_inject_gp(v);
	return EXIT_RESUME;
}

/* A PAUSE loop: the lock holder is probably another vCPU; give up the CPU. */
static enum exit_action handle_pause(struct vcpu *v)
{
	vcpu_skip_instruction(v);
	return EXIT_RESCHED;
}

/*
 * INVD and WBINVD: the guest's memory is write-back and coherent, so
 * there is nothing it needs flushed; a flush of the shared caches would
 * only let it slow its neighbours down.
 */
static enum exit_action handle_nop(struct vcpu *v)
{
	vcpu_skip_instruction(v);
	return EXIT_RESUME;
}

static enum exit_action handle_loadiwkey(struct vcpu *v)
{
	kl_handle_loadiwkey_exit(v);
	return v->vm->ended ? EXIT_RESCHED : EXIT_RESUME;
}

/* The slice ended, or a virtual timer is due: vcpu_run_slice() tells which. */
static enum exit_action handle_preemption(struct vcpu *v)
{
	(void)v;
	return EXIT_RESUME;
}

static enum exit_action handle_ept_misconfig(struct vcpu *v)
{
	vm_end(v->vm, VM_STOPPED, 0, "EPT misconfiguration at guest-physical %lx (klvisor bug)",
	       vmcs_read(GUEST_PHYSICAL_ADDRESS));
	return EXIT_RESCHED;
}

static const exit_handler_fn exit_handlers[NR_EXIT_REASONS] = {
	[EXIT_REASON_EXCEPTION_NMI] = handle_nmi_or_exception,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = handle_external_interrupt,
	[EXIT_REASON_TRIPLE_FAULT] = handle_triple_fault,
	[EXIT_REASON_INTR_WINDOW] = handle_intr_window,
	[EXIT_REASON_NMI_WINDOW] = handle_nmi_window,
	[EXIT_REASON_CPUID] = handle_cpuid,
	[EXIT_REASON_HLT] = handle_hlt,
	[EXIT_REASON_INVD] = handle_nop,
	[EXIT_REASON_RDPMC] = handle_rdpmc,
	[EXIT_REASON_VMCALL] = handle_vmcall,
	[19 ... 27] = handle_vmx_insn, /* VMCLEAR ... VMXON */
	[28] = handle_cr_access,
	[30] = handle_io,
	[31] = handle_rdmsr,
	[32] = handle_wrmsr,
	[EXIT_REASON_MWAIT] = handle_ud,
	[EXIT_REASON_MONITOR] = handle_ud,
	[EXIT_REASON_PAUSE] = handle_pause,
	[EXIT_REASON_EPT_VIOLATION] = handle_ept_violation,
	[EXIT_REASON_EPT_MISCONFIG] = handle_ept_misconfig,
	[50] = handle_vmx_insn, /* INVEPT */
	[EXIT_REASON_PREEMPTION_TIMER] = handle_preemption,
	[53] = handle_vmx_insn, /* INVVPID */
	[EXIT_REASON_WBINVD] = handle_nop,
	[EXIT_REASON_XSETBV] = handle_xsetbv,
	[59] = handle_vmx_insn, /* VMFUNC */
	[60] = handle_ud, /* ENCLS: SGX is hidden */
	[63] = handle_ud, /* ENCLV */
	[EXIT_REASON_LOADIWKEY] = handle_loadiwkey,
};

/*
 * Exits that an instruction causes when the guest executes it.  Only
 * exceptions, EPT violations and misconfigurations, task switches, APIC
 * accesses and the like can happen while an event is being delivered
 * through the IDT (SDM Vol. 3C, "Information for VM Exits That Occur
 * During Event Delivery"), so for these the IDT-vectoring information is
 * never valid and the common path does not read it.  Reasons 0-63.
 */
#define INSN_EXITS                                                                                 \
	(BIT(EXIT_REASON_CPUID) | BIT(EXIT_REASON_HLT) | BIT(EXIT_REASON_INVD) |                   \
	 BIT(EXIT_REASON_RDPMC) | BIT(EXIT_REASON_VMCALL) | (0x1ffULL << 19) | BIT(28) | BIT(30) | \
	 BIT(31) | BIT(32) | BIT(EXIT_REASON_MWAIT) | BIT(EXIT_REASON_MONITOR) |                   \
	 BIT(EXIT_REASON_PAUSE) | BIT(50) | BIT(53) | BIT(EXIT_REASON_WBINVD) |                    \
	 BIT(EXIT_REASON_XSETBV) | BIT(59) | BIT(60) | BIT(63))

/*
 * An exit in the middle of delivering an event (say, the guest's IDT page
 * needed an EPT fix-up) loses the event unless it is re-injected.
 */
static void reinject_vectoring_event(void)
{
	u32 idt = (u32)vmcs_read(IDT_VECTORING_INFO_FIELD);
	u32 type = INTR_INFO_TYPE(idt);

	if (!(idt & BIT(31)))
		return;
	if (idt & BIT(11))
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE,
			     (u32)vmcs_read(IDT_VECTORING_ERROR_CODE));
	if (type == 4 || type == 5 || type == 6) /* software interrupt/exception */
		vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, (u32)vmcs_read(VM_EXIT_INSTRUCTION_LEN));
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, idt & ~BIT(12));
}

static __attribute__((noinline)) enum exit_action unhandled(struct vcpu *v, u32 reason)
{
	vcpu_dump(v);
	vm_end(v->vm, VM_STOPPED, 0, "unhandled exit reason %u (qualification %lx)", reason,
	       vmcs_read(EXIT_QUALIFICATION));
	return EXIT_RESCHED;
}

static enum exit_action dispatch(struct vcpu *v, u32 reason)
{
	if (reason >= NR_EXIT_REASONS || !exit_handlers[reason])
		return unhandled(v, reason);
	v->exits++;
	v->exit_count[reason]++;
	return exit_handlers[reason](v);
}

/*
 * The slice is a TSC deadline, checked before every entry, so a guest that
 * exits often still gives up the CPU on time.  The preemption timer ends a
 * slice a guest spends without exits, or stops the guest when its virtual
 * APIC timer (or, on vCPU 0, the PIT) is due: armed for the earlier of the two, once where the CPU
 * saves its count on exit and the target has not changed, else before
 * every entry.  It is rounded up, so it never fires before the target.
 */
static void arm_timer(u64 target, u64 now)
{
	u32 rate = vmx_caps.misc & 0x1f; /* the timer ticks every 2^rate TSC cycles */
	u64 ticks = (target - now + BIT(rate) - 1) >> rate;

	vmcs_write_hot(VMX_PREEMPTION_TIMER_VALUE, MIN(ticks, 0xffffffffULL));
}

/* A virtual timer is due at @now: raise what it owes. */
static __attribute__((noinline)) void fire_timers(struct vcpu *v, u64 now)
{
	u64 apic = vlapic_timer_next(&v->lapic), pit = platform_next(v);

	if (apic && now >= apic)
		vlapic_timer_poll(&v->lapic, now);
	if (pit && now >= pit)
		platform_poll(v, now);
}

static __attribute__((noinline)) void entry_failed(struct vcpu *v, int rc, u32 reason)
{
	vmx_report_entry_failure(rc, rc == VMX_OK ? reason : 0);
	vm_end(v->vm, VM_STOPPED, 0, "VM entry failed on vcpu%u", v->id);
}

/*
 * The loop every exit goes round, kept short because each instruction
 * here is paid on every exit: the common case reads the TSC, the timers'
 * next times and the pending hints, enters, reads the exit reason and
 * calls its handler.  Everything rarer is out of line.
 */
void vcpu_run_slice(struct vcpu *v, u64 slice_tsc)
{
	bool timer_saved = vmx_base_controls.exit & EXIT_SAVE_PREEMPT_TIMER;
	u64 deadline = rdtsc() + slice_tsc, armed = 0;
	bool ud = false; /* the last exit was a #UD: profiled (KLV_PROFILE) */

	vcpu_load(v);
	for (;;) {
		u64 now = rdtsc();
		/*
		 * The last TSC value before the slice ends or a virtual timer is
		 * due; a timer time of 0 (none) wraps round to never.
		 */
		u64 last = MIN(MIN(deadline - 1, vlapic_timer_next(&v->lapic) - 1),
			       platform_next(v) - 1);
		u32 reason;
		int rc;

		if (v->vm->ended || v->init_pending)
			return;
		if (now > last) {
			if (now >= deadline)
				return;
			fire_timers(v, now);
			continue; /* their next times have moved */
		}
		if (last != armed) {
			arm_timer(last + 1, now);
			/* Where the CPU does not save the count, every entry re-arms it. */
			armed = timer_saved ? last : 0;
		}
		/* Nothing posted and no NMI: the common case, no VMCS reads. */
		if (vlapic_maybe_pending(&v->lapic) || v->nmi_pending || platform_extint_pending(v))
			apic_inject_pending(v);
		if (KL_EAGER_RELOAD)
			kl_reload(v);
		PROF_EXIT_MARK(PROF_EXIT_ENTRY, ud);
		rc = vmx_run(&v->regs, v->launched);
		PROF_EXIT_MARK(PROF_EXIT_SWITCH, ud);
		reason = rc == VMX_OK ? (u32)vmcs_read(VM_EXIT_REASON) : 0;
		if (__builtin_expect(rc != VMX_OK || (reason & EXIT_REASON_ENTRY_FAILURE), 0)) {
			entry_failed(v, rc, reason);
			return;
		}
		v->launched = true;
		reason &= 0xffff;
		ud = KLV_PROFILE && reason == EXIT_REASON_EXCEPTION_NMI;
		if (reason >= 64 || !(INSN_EXITS & BIT(reason))) {
			if (reason == EXIT_REASON_PREEMPTION_TIMER)
				armed = 0; /* re-armed before the next entry, whatever its target */
			reinject_vectoring_event();
		}
		if (dispatch(v, reason) == EXIT_RESCHED)
			return;
	}
}
