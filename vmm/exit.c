// SPDX-License-Identifier: MIT
/*
 * The exit loop and the dispatch table.  The table is indexed by basic
 * exit reason and bounds-checked; anything without a handler stops only
 * the VM that caused it, with its state on the console.
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"
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

/* The slice ended, or a virtual timer is due: prepare_entry() tells which, and re-arms. */
static enum exit_action handle_preemption(struct vcpu *v)
{
	(void)v;
	return EXIT_REARM;
}

static enum exit_action handle_ept_misconfig(struct vcpu *v)
{
	vm_end(v->vm, VM_STOPPED, 0, "EPT misconfiguration at guest-physical %lx (klvisor bug)",
	       vmcs_read(GUEST_PHYSICAL_ADDRESS));
	return EXIT_RESCHED;
}

static __attribute__((noinline)) enum exit_action unhandled(struct vcpu *v)
{
	u32 reason = (u32)vmcs_read(VM_EXIT_REASON) & 0xffff;

	vcpu_dump(v);
	vm_end(v->vm, VM_STOPPED, 0, "unhandled exit reason %u (qualification %lx)", reason,
	       vmcs_read(EXIT_QUALIFICATION));
	return EXIT_RESCHED;
}

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

/*
 * The dispatch table, by basic exit reason.  An exit an instruction
 * causes when the guest executes it (INSN) can never interrupt the
 * delivery of an event, so its IDT-vectoring information is never valid
 * and is not read; only exceptions, EPT violations and misconfigurations,
 * task switches, APIC accesses and the like can (SDM Vol. 3C, "Information
 * for VM Exits That Occur During Event Delivery").  Their handlers (EVENT)
 * are wrapped so the event is re-injected first, which keeps the test out
 * of the loop that every exit goes round.
 */
#define INSN(fn)  fn
#define EVENT(fn) fn##_event
#define DEFINE_EVENT_HANDLER(fn)                           \
	static enum exit_action fn##_event(struct vcpu *v) \
	{                                                  \
		reinject_vectoring_event();                \
		return fn(v);                              \
	}

DEFINE_EVENT_HANDLER(unhandled)
DEFINE_EVENT_HANDLER(handle_nmi_or_exception)
DEFINE_EVENT_HANDLER(handle_external_interrupt)
DEFINE_EVENT_HANDLER(handle_triple_fault)
DEFINE_EVENT_HANDLER(handle_intr_window)
DEFINE_EVENT_HANDLER(handle_nmi_window)
DEFINE_EVENT_HANDLER(handle_ept_violation)
DEFINE_EVENT_HANDLER(handle_ept_misconfig)
DEFINE_EVENT_HANDLER(handle_preemption)

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init" /* the default below, then the handled reasons */
static const exit_handler_fn exit_handlers[NR_EXIT_REASONS] = {
	[0 ... NR_EXIT_REASONS - 1] = EVENT(unhandled),
	[EXIT_REASON_EXCEPTION_NMI] = EVENT(handle_nmi_or_exception),
	[EXIT_REASON_EXTERNAL_INTERRUPT] = EVENT(handle_external_interrupt),
	[EXIT_REASON_TRIPLE_FAULT] = EVENT(handle_triple_fault),
	[EXIT_REASON_INTR_WINDOW] = EVENT(handle_intr_window),
	[EXIT_REASON_NMI_WINDOW] = EVENT(handle_nmi_window),
	[EXIT_REASON_CPUID] = INSN(handle_cpuid),
	[EXIT_REASON_HLT] = INSN(handle_hlt),
	[EXIT_REASON_INVD] = INSN(handle_nop),
	[EXIT_REASON_RDPMC] = INSN(handle_rdpmc),
	[EXIT_REASON_VMCALL] = INSN(handle_vmcall),
	[19 ... 27] = INSN(handle_vmx_insn), /* VMCLEAR ... VMXON */
	[28] = INSN(handle_cr_access),
	[30] = INSN(handle_io),
	[31] = INSN(handle_rdmsr),
	[32] = INSN(handle_wrmsr),
	[EXIT_REASON_MWAIT] = INSN(handle_ud),
	[EXIT_REASON_MONITOR] = INSN(handle_ud),
	[EXIT_REASON_PAUSE] = INSN(handle_pause),
	[EXIT_REASON_EPT_VIOLATION] = EVENT(handle_ept_violation),
	[EXIT_REASON_EPT_MISCONFIG] = EVENT(handle_ept_misconfig),
	[50] = INSN(handle_vmx_insn), /* INVEPT */
	[EXIT_REASON_PREEMPTION_TIMER] = EVENT(handle_preemption),
	[53] = INSN(handle_vmx_insn), /* INVVPID */
	[EXIT_REASON_WBINVD] = INSN(handle_nop),
	[EXIT_REASON_XSETBV] = INSN(handle_xsetbv),
	[59] = INSN(handle_vmx_insn), /* VMFUNC */
	[60] = INSN(handle_ud), /* ENCLS: SGX is hidden */
	[63] = INSN(handle_ud), /* ENCLV */
	[EXIT_REASON_LOADIWKEY] = INSN(handle_loadiwkey),
};
#pragma GCC diagnostic pop

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

/* What a guest whose timers are always due still gets between two looks at them: 10 us. */
#define TIMER_MIN_RUN (tsc_khz / 100)

/* A virtual timer is due at @now: raise what it owes. */
static void fire_timers(struct vcpu *v, u64 now)
{
	u64 apic = vlapic_timer_next(&v->lapic), pit = platform_next(v);

	if (apic && now >= apic)
		vlapic_timer_poll(&v->lapic, now);
	if (pit && now >= pit)
		platform_poll(v, now);
}

/*
 * The slow half of the way to an entry, for when the fast test found
 * something: the slice's end, a virtual timer due or moved, something to
 * inject, or a reason to stop (the VM ended, an INIT).  Returns the last
 * TSC value before the slice ends or a virtual timer is due, with the
 * preemption timer armed for it and @apic_next the APIC timer time it
 * was worked out from; 0: leave the slice.
 */
static __attribute__((noinline)) u64 prepare_entry(struct vcpu *v, u64 deadline, u64 now,
						   u64 *apic_next)
{
	bool fired = false;
	u64 last;

	for (;;) {
		if (vcpu_attn(v, ATTN_ENDED) || vcpu_attn(v, ATTN_INIT))
			return 0;
		if (vcpu_attn(v, ATTN_PIT))
			vcpu_attn_set(v, ATTN_PIT,
				      false); /* before the read: a move after it raises it again */
		/* A timer time of 0 (none) wraps round to never. */
		*apic_next = vlapic_timer_next(&v->lapic);
		last = MIN(MIN(deadline - 1, *apic_next - 1), platform_next(v) - 1);
		if (now <= last)
			break;
		if (now >= deadline)
			return 0;
		if (fired) {
			/*
			 * Due again already: a period shorter than the way round
			 * (an APIC timer counting 1 by 1).  The guest runs a
			 * little before the next look, or it never would run,
			 * and could never stop the timer.
			 */
			last = MIN(deadline - 1, now + TIMER_MIN_RUN);
			break;
		}
		fire_timers(v, now); /* their next times move: round again */
		fired = true;
		now = rdtsc();
	}
	arm_timer(last + 1, now);
	if (vlapic_maybe_pending(&v->lapic) || vcpu_attn(v, ATTN_NMI) || platform_extint_pending(v))
		apic_inject_pending(v);
	return last;
}

static __attribute__((noinline)) void entry_failed(struct vcpu *v, u32 run)
{
	vmx_report_entry_failure(run);
	vm_end(v->vm, VM_STOPPED, 0, "VM entry failed on vcpu%u", v->id);
}

/*
 * The loop every exit goes round, kept short because each instruction
 * here is paid on every exit.  The common case reads the TSC and makes one
 * test of the slice's time, the attention flags, the APIC's IRR hint and
 * its timer; enters; and calls the exit's handler.  Everything rarer is
 * in prepare_entry() or out of line.  @timer_saved is a constant in each
 * of the two copies run_slice() picks from, so the loop does not test it.
 */
static __always_inline void slice_loop(struct vcpu *v, u64 slice_tsc, const bool timer_saved)
{
	u64 deadline = rdtsc() + slice_tsc, last = 0, apic_next = 0;
	bool ud = false; /* the last exit was a #UD: profiled (KLV_PROFILE) */

	for (;;) {
		u64 now = rdtsc();
		enum exit_action action;
		u32 reason;

		/* last starts at 0, so the first time round takes the slow half. */
		if (now > last || vcpu_attn_any(v) || vlapic_maybe_pending(&v->lapic) ||
		    vlapic_timer_next(&v->lapic) != apic_next) {
			last = prepare_entry(v, deadline, now, &apic_next);
			if (!last)
				return;
		} else if (!timer_saved) {
			arm_timer(last + 1, now); /* the CPU did not keep the count: again */
		}
		if (KL_EAGER_RELOAD)
			kl_reload(v);
		PROF_EXIT_MARK(PROF_EXIT_ENTRY, ud);
		reason = vmx_run(&v->regs, v->launched);
		PROF_EXIT_MARK(PROF_EXIT_SWITCH, ud);
		if (__builtin_expect(reason & EXIT_REASON_ENTRY_FAILURE, 0)) {
			entry_failed(v, reason);
			return;
		}
		v->launched = true;
		reason &= 0xffff;
		ud = KLV_PROFILE && reason == EXIT_REASON_EXCEPTION_NMI;
		if (__builtin_expect(reason >= NR_EXIT_REASONS, 0)) {
			unhandled(v);
			return;
		}
		v->exit_count[reason]++;
		action = exit_handlers[reason](v);
		if (__builtin_expect(action != EXIT_RESUME, 0)) {
			if (action == EXIT_RESCHED)
				return;
			last = 0; /* EXIT_REARM: the slow half arms the timer again */
		}
	}
}

static void run_slice(struct vcpu *v, u64 slice_tsc)
{
	if (vmx_base_controls.exit & EXIT_SAVE_PREEMPT_TIMER)
		slice_loop(v, slice_tsc, true);
	else
		slice_loop(v, slice_tsc, false);
}

void vcpu_run_slice(struct vcpu *v, u64 slice_tsc)
{
	vcpu_load(v);
	/*
	 * The guest's CR2 stays live while its slice runs: VMX does not switch
	 * it, and root mode takes no page faults (vcpu_inject_page_fault()
	 * writes both copies).
	 */
	write_cr2(v->regs.cr2);
	run_slice(v, slice_tsc);
	v->regs.cr2 = read_cr2();
}
