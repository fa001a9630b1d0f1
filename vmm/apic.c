// SPDX-License-Identifier: MIT
/*
 * The guest's local APIC as the platform sees it: xAPIC MMIO at
 * 0xfee00000 (the page is left out of the EPT, so every access is an EPT
 * violation that klvisor decodes and emulates), the x2APIC MSRs, IPI
 * delivery between vCPUs of one VM, and interrupt injection.  Also the EPT
 * violation handler, because any other violation means the guest reached
 * outside its RAM.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmcs.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/decode.h"
#include "vmm/exit.h"
#include "vmm/gwalk.h"
#include "vmm/vcpu.h"

#define EPT_QUAL_READ	     BIT(0)
#define EPT_QUAL_WRITE	     BIT(1)
#define EPT_QUAL_FETCH	     BIT(2)
#define EXIT_INTR_INFO_VALID BIT(31)

static void kick(struct vcpu *t)
{
	enum vcpu_state halted = VCPU_HALTED;

	__atomic_compare_exchange_n(&t->state, &halted, VCPU_RUNNABLE, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
}

static void deliver(struct vcpu *src, struct vcpu *t, u32 icr)
{
	switch (ICR_DELIVERY(icr)) {
	case ICR_DM_FIXED:
		vlapic_post(&t->lapic, (u8)ICR_VECTOR(icr));
		kick(t);
		break;
	case ICR_DM_INIT:
		if (icr & ICR_LEVEL_ASSERT && t != src)
			t->init_pending = true; /* the owning CPU resets it */
		break;
	case ICR_DM_STARTUP:
		if (t->state == VCPU_WAIT_SIPI || t->init_pending)
			t->sipi_vector = ICR_VECTOR(icr);
		break;
	default:
		/* Once per mode per VM: a guest may write the ICR in a loop. */
		if (vm_first_time(src->vm, src->vm->logged_ipis, ARRAY_SIZE(src->vm->logged_ipis),
				  ICR_DELIVERY(icr)))
			pr_info("[%s] vcpu%u: IPI delivery mode %u is not emulated; dropped (logged once)\n",
				src->vm->def.name, src->id, ICR_DELIVERY(icr));
	}
}

static void send_ipi(struct vcpu *src, const struct apic_ipi *ipi)
{
	struct vm *vm = src->vm;
	unsigned sh = ICR_SHORTHAND(ipi->icr);
	bool x2 = vlapic_x2apic(&src->lapic);
	bool broadcast = x2 ? ipi->dest == 0xffffffff : (ipi->dest & 0xff) == 0xff;

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *t = vm->vcpus[i];
		bool hit = sh == ICR_SH_SELF   ? t == src :
			   sh == ICR_SH_ALL    ? true :
			   sh == ICR_SH_OTHERS ? t != src :
			   broadcast	       ? true :
						 vlapic_match(&t->lapic, ipi->dest, x2);

		if (hit)
			deliver(src, t, ipi->icr);
	}
}

bool apic_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	u32 lo;

	if (!vlapic_x2apic(&v->lapic))
		return false;
	if (!vlapic_read(&v->lapic, (msr - 0x800) << 4, &lo))
		return false;
	*val = lo;
	return true;
}

bool apic_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	struct apic_ipi ipi;

	if (!vlapic_x2apic(&v->lapic) || (msr != 0x830 && (val >> 32)))
		return false;
	if (!vlapic_write(&v->lapic, (msr - 0x800) << 4, (u32)val, &ipi))
		return false;
	if (ipi.send) {
		if (msr == 0x830)
			ipi.dest = val >> 32;
		send_ipi(v, &ipi);
	}
	return true;
}

void apic_inject_pending(struct vcpu *v)
{
	int vec;
	u32 proc;

	vec = vlapic_pending(&v->lapic);
	if (vec < 0 || (vmcs_read(VM_ENTRY_INTR_INFO_FIELD) & EXIT_INTR_INFO_VALID))
		return;
	if ((vmcs_read(GUEST_RFLAGS) & RFLAGS_IF) &&
	    !(vmcs_read(GUEST_INTERRUPTIBILITY_INFO) & 3)) {
		vlapic_ack(&v->lapic, (u8)vec);
		vmcs_write_hot(VM_ENTRY_INTR_INFO_FIELD, (u32)vec | EXIT_INTR_INFO_VALID);
		return;
	}
	proc = (u32)vmcs_read(CPU_BASED_VM_EXEC_CONTROL);
	if (!(proc & CPU_INTR_WINDOW_EXITING))
		vmcs_write_hot(CPU_BASED_VM_EXEC_CONTROL, proc | CPU_INTR_WINDOW_EXITING);
}

/* Emulate one 32-bit MOV to or from the xAPIC page. */
static const char *xapic_mmio(struct vcpu *v, u64 gpa)
{
	struct insn in;
	struct apic_ipi ipi;
	u32 off = gpa & 0xfff, val;
	const char *err;

	err = vcpu_decode_insn(v, &in);
	if (err == vcpu_fetch_fault)
		return NULL; /* the guest takes the #PF */
	if (err)
		return err;
	if (in.kind == INSN_0F38 || in.op_size != 4 || (off & 0xf))
		return "not an aligned 32-bit MOV";
	if (in.kind == INSN_MOV_LOAD) {
		if (!vlapic_read(&v->lapic, off, &val))
			val = 0;
		vcpu_set_gpr(v, in.reg, val); /* 32-bit writes zero-extend */
	} else {
		val = in.kind == INSN_MOV_STORE ? (u32)vcpu_gpr(v, in.reg) : (u32)in.imm;
		if (vlapic_write(&v->lapic, off, val, &ipi) && ipi.send)
			send_ipi(v, &ipi);
	}
	vcpu_complete_instruction(v, in.len);
	return NULL;
}

enum exit_action handle_ept_violation(struct vcpu *v, u64 qual)
{
	u64 gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
	const char *what = qual & EPT_QUAL_FETCH ? "fetch" :
			   qual & EPT_QUAL_WRITE ? "write" :
						   "read";
	const char *err;

	if ((gpa & ~0xfffULL) == APIC_DEFAULT_BASE && !(qual & EPT_QUAL_FETCH) &&
	    (v->lapic.base_msr & APIC_BASE_EN) && !vlapic_x2apic(&v->lapic)) {
		err = xapic_mmio(v, gpa);
		if (!err)
			return EXIT_RESUME;
		vcpu_dump(v);
		vm_end(v->vm, VM_STOPPED, 0, "unhandled local APIC access at offset 0x%lx: %s",
		       gpa & 0xfff, err);
		return EXIT_RESCHED;
	}
	vcpu_dump(v);
	vm_end(v->vm, VM_STOPPED, 0, "%s of guest-physical 0x%lx outside its memory (RIP %lx)",
	       what, gpa, vmcs_read(GUEST_RIP));
	return EXIT_RESCHED;
}
