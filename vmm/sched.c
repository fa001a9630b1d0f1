// SPDX-License-Identifier: MIT
/*
 * Round-robin over the calling CPU's run queue.  State that only hardware
 * holds per physical CPU (the guest's x87/SSE/AVX registers and XCR0, and
 * the MSRs VMX does not switch) follows the vCPU lazily: it is swapped
 * only when a different vCPU runs on this CPU than last time.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/spec.h"
#include "arch/x86/timer.h"
#include "arch/x86/vmcs.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/console.h"
#include "vmm/exit.h"
#include "vmm/fpu.h"
#include "vmm/mm.h"
#include "vmm/sched.h"
#include "vmm/shutdown.h"
#include "vmm/vcpu.h"
#include "vmm/vmm.h"

void sched_add(struct vcpu *v)
{
	struct percpu *pc = cpus[v->pcpu];

	fpu_reset_area(v);
	v->next_on_cpu = pc->runq;
	pc->runq = v;
}

/* test.wipecheck: read a wipe back; the first thing found dirty is kept. */
static void wipe_check(struct vm *vm, const char *dirty)
{
	if (klv_cfg.test_wipecheck && dirty && !vm->wipe_dirty)
		vm->wipe_dirty = dirty;
}

/* Root mode has just handled another VM's secrets on this CPU: the next entry of any VM flushes. */
static const char root_touched_secrets;

/*
 * The last vCPU of an ended VM to stop frees (and first wipes) its memory.
 * Everything of the VM's that the VMM holds goes: guest RAM, each vCPU's
 * vector-state area and live vector registers, saved general registers,
 * VMCS (VMCLEAR writes guest state into it), IWKey and slot copy, and the
 * VM's IWKey backup.
 */
static void retire(struct percpu *pc, struct vcpu *v)
{
	struct vm *vm = v->vm;
	bool check = klv_cfg.test_wipecheck, live_here;

	if (v->state == VCPU_DONE)
		return;
	v->state = VCPU_DONE;
	if (v->vmcs_pa) {
		vmclear(v->vmcs_pa);
		if (pc->current_vmcs == v->vmcs_pa)
			pc->current_vmcs = 0;
		memzero_explicit(phys_to_virt(v->vmcs_pa), PAGE_SIZE);
		if (check)
			wipe_check(vm, mem_is_zero(phys_to_virt(v->vmcs_pa), PAGE_SIZE) ? NULL :
											  "a VMCS");
		page_free(v->vmcs_pa, 1);
		v->vmcs_pa = 0;
	}
	live_here = fpu_forget(v);
	kl_vcpu_destroy(v);
	msr_forget(v);
	memzero_explicit(v->fpu, fpu_area_size());
	memzero_explicit(&v->regs, sizeof(v->regs));
	/* The wipes read the old lines on their way: whatever VM enters next, it flushes. */
	pc->last_vm = &root_touched_secrets;
	if (check) {
		wipe_check(vm, mem_is_zero(v->fpu, fpu_area_size()) ? NULL : "a vector-state area");
		if (live_here)
			wipe_check(vm, fpu_live_xmm_clear() ? NULL : "the live XMM registers");
		wipe_check(vm,
			   mem_is_zero(&v->regs, sizeof(v->regs)) ? NULL : "the saved registers");
		wipe_check(vm, kl_vcpu_wiped(v));
	}
	if (__atomic_add_fetch(&vm->vcpus_retired, 1, __ATOMIC_SEQ_CST) != vm->nr_vcpus)
		return;
	kl_vm_destroy(vm);
	memzero_explicit(vm->ram, vm->ram_size);
	if (check) {
		wipe_check(vm, mem_is_zero(vm->ram, vm->ram_size) ? NULL : "guest RAM");
		wipe_check(vm, kl_vm_wiped(vm));
		vm->wipe_checked = true;
	}
	page_free(vm->ram_pa, vm->ram_size / PAGE_SIZE);
	ept_destroy(&vm->ept);
	vm->ram = NULL;
}

/*
 * Nothing is left to run: every VM has ended, but this CPU may not have
 * seen the last ones end (a VM can end on another CPU between our look
 * at its vCPU and here).  Retire every vCPU on the run queue before
 * saying this CPU is done, so no VM's RAM or keys outlive the run.
 */
static void retire_all(struct percpu *pc)
{
	__atomic_store_n(&pc->retiring, true, __ATOMIC_RELEASE);
	for (struct vcpu *v = pc->runq; v; v = v->next_on_cpu)
		retire(pc, v);
	__atomic_store_n(&pc->sched_done, true, __ATOMIC_RELEASE);
}

/*
 * The boot CPU waits for the others' retire_all() before reporting (and
 * stopping them).  One that has begun it is wiping, which takes as long
 * as its VMs' RAM is big (gigabytes, in an emulator minutes): it is waited
 * for to the end, or the stop would cut the wipe short.  Only one that
 * has not begun within 1 s is given up on.
 */
static void wait_for_other_cpus(void)
{
	for (unsigned i = 0; i < nr_cpus; i++) {
		u64 waited = 0;

		if (!cpus[i]->selftest_ok)
			continue;
		while (!__atomic_load_n(&cpus[i]->sched_done, __ATOMIC_ACQUIRE) &&
		       (waited < 1000000 ||
			__atomic_load_n(&cpus[i]->retiring, __ATOMIC_ACQUIRE))) {
			udelay(10);
			waited += 10;
		}
		if (!cpus[i]->sched_done)
			pr_err("cpu%u: did not begin retiring its vCPUs within 1 s; their VMs may not be wiped\n",
			       i);
	}
}

static struct spec_switch hygiene; /* decided by the boot CPU; all CPUs are alike */

void sched_prepare(void)
{
	struct spec_facts f = { cpuid(7, 0).edx, 0 };

	if (f.cpuid7_edx & CPUID7_EDX_ARCH_CAPS)
		f.arch_caps = rdmsr(MSR_IA32_ARCH_CAPABILITIES);
	hygiene = spec_decide(&f);
	pr_info("klvisor: on a switch to a different VM: L1D flush %s, VERW %s, IBPB %s\n",
		hygiene.l1d_flush ? "yes" : "no", hygiene.verw ? "yes" : "no",
		hygiene.ibpb ? "yes" : "no");
	if (hygiene.unmitigated)
		pr_warn("klvisor: NOT MITIGATED between VMs: %s\n", hygiene.unmitigated);
}

/*
 * The last root-mode work of the previous VM (its vector state saved,
 * its keys unwrapped by the software Key Locker) may sit in L1D, the CPU
 * buffers and the branch predictors: clear what this CPU is affected by
 * before a different VM runs.  The same VM again needs nothing.
 */
static void hygiene_switch(struct percpu *pc, const struct vm *vm)
{
	if (pc->last_vm == vm)
		return;
	if (pc->last_vm) { /* a VM, or root_touched_secrets */
		if (hygiene.ibpb)
			wrmsr(MSR_IA32_PRED_CMD, 1);
		if (hygiene.l1d_flush)
			wrmsr(MSR_IA32_FLUSH_CMD, 1);
		if (hygiene.verw)
			verw_clear_buffers();
		pc->vm_switches++;
	}
	pc->last_vm = vm;
}

/* First run on its CPU: the VMCS can only be made here. */
static bool first_run(struct vcpu *v)
{
	if (!vcpu_init_vmcs(v)) {
		vm_end(v->vm, VM_STOPPED, 0, "could not create the VMCS of vcpu%u", v->id);
		return false;
	}
	if (v->id == 0)
		vcpu_set_multiboot_state(v, v->vm->boot.entry, v->vm->boot.mbi_gpa);
	return true;
}

/* Bring @v's INIT/SIPI and HLT state up to date; true if it can run now. */
static bool ready(struct vcpu *v)
{
	if (vcpu_attn(v, ATTN_INIT)) {
		/*
		 * WAIT_SIPI before the flag is cleared: a SIPI from another CPU
		 * (deliver() in apic.c, which looks at the flag first) must see
		 * one or the other, or it is lost.
		 */
		__atomic_store_n(&v->state, VCPU_WAIT_SIPI, __ATOMIC_RELEASE);
		vcpu_attn_set(v, ATTN_INIT, false);
		vcpu_attn_set(v, ATTN_NMI, false);
		v->nmi_in_service = false;
		vlapic_reset(&v->lapic, v->id, v->id == 0);
		fpu_init_reset(v);
		msr_init_reset(v);
		if (!kl_vcpu_reset(v))
			vm_end(v->vm, VM_STOPPED, 0, "no random IWKey for vcpu%u after INIT",
			       v->id);
		this_cpu()->last_vm = &root_touched_secrets; /* a new IWKey was made here */
	}
	switch (v->state) {
	case VCPU_RUNNABLE:
		return true;
	case VCPU_HALTED:
		/* Cheap when nothing is due: two loads and a compare, no VMCS access. */
		if (!apic_wakes_halted(v, rdtsc()))
			return false;
		v->state = VCPU_RUNNABLE;
		return true;
	case VCPU_WAIT_SIPI: {
		int vec = v->sipi_vector;

		if (vec < 0)
			return false;
		if (!v->vmcs_pa && !vcpu_init_vmcs(v))
			return false;
		vcpu_load(v);
		vcpu_set_sipi_state(v, (u8)vec);
		v->sipi_vector = -1; /* the VMCS stays launched: resume, not launch */
		v->state = VCPU_RUNNABLE;
		return true;
	}
	default:
		return false;
	}
}

static struct vcpu *pick(struct percpu *pc)
{
	struct vcpu *start = pc->runq_next ? pc->runq_next : pc->runq;
	struct vcpu *v = start;

	if (!v)
		return NULL;
	do {
		struct vcpu *next = v->next_on_cpu ? v->next_on_cpu : pc->runq;

		if (v->vm->deadline_tsc && rdtsc() > v->vm->deadline_tsc)
			vm_end(v->vm, VM_STOPPED, 0, "timeout after %u s", v->vm->def.timeout_s);
		if (v->vm->ended) {
			retire(pc, v);
		} else if (ready(v)) {
			pc->runq_next = next;
			return v;
		}
		v = next;
	} while (v != start);
	return NULL;
}

void sched_run(void)
{
	struct percpu *pc = this_cpu();
	u64 slice = tsc_khz * SCHED_SLICE_MS;

	fpu_init();
	kl_cpu_init();
	pc->last_vm = &root_touched_secrets; /* the VMs, their first keys too, were made at boot */
	for (;;) {
		struct vcpu *v;

		if (stop_requested())
			stop_this_cpu();
		if (pc->id == 0)
			console_poll();
		printk_drain(); /* what other CPUs' printk left in the log ring */
		v = pick(pc);
		if (!v) {
			if (!vms_running) {
				retire_all(pc);
				if (pc->id == 0) {
					wait_for_other_cpus();
					return;
				}
				halt_forever(); /* until the boot CPU's stop NMI */
			}
			cpu_relax();
			continue;
		}
		if (!v->vmcs_pa && !first_run(v))
			continue;
		vcpu_load(v);
		fpu_switch_to(v);
		msr_switch_in(v);
		kl_switch_in(v);
		hygiene_switch(pc, v->vm);
		pc->current = v;
		vcpu_run_slice(v, slice);
	}
}
