// SPDX-License-Identifier: MIT
/*
 * VMX root operation: capability probing, VMXON on each CPU, the host-state
 * area, and the report for a VM entry that did not happen.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vmx.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "vmm/mm.h"

struct vmx_caps vmx_caps;
struct vmx_controls vmx_base_controls;

extern char vmx_exit[];

const char *vmx_probe(void)
{
	struct vmx_caps *c = &vmx_caps;
	u64 fc;
	const char *why;

	if (!(cpuid(1, 0).ecx & BIT(5)))
		return "the CPU has no VMX (CPUID.1:ECX.VMX[bit 5] = 0)";
	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if ((fc & FEATURE_CONTROL_LOCKED) && !(fc & FEATURE_CONTROL_VMXON_OUTSIDE_SMX))
		return "VMX is disabled by the firmware (IA32_FEATURE_CONTROL locked without VMXON outside SMX); enable VT-x in the firmware set-up";

	c->basic = rdmsr(MSR_IA32_VMX_BASIC);
	if (c->basic & VMX_BASIC_TRUE_CTLS) {
		c->pin = rdmsr(MSR_IA32_VMX_TRUE_PINBASED_CTLS);
		c->proc = rdmsr(MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
		c->exit = rdmsr(MSR_IA32_VMX_TRUE_EXIT_CTLS);
		c->entry = rdmsr(MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	} else {
		c->pin = rdmsr(MSR_IA32_VMX_PINBASED_CTLS);
		c->proc = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);
		c->exit = rdmsr(MSR_IA32_VMX_EXIT_CTLS);
		c->entry = rdmsr(MSR_IA32_VMX_ENTRY_CTLS);
	}
	c->misc = rdmsr(MSR_IA32_VMX_MISC);
	c->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	/* The secondary-controls MSR exists only if the control can be set. */
	if ((c->proc >> 32) & CPU_SECONDARY_CONTROLS) {
		c->proc2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
		if ((c->proc2 >> 32) & (CPU2_EPT | CPU2_VPID))
			c->ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	}
	why = vmx_compute_controls(c, &vmx_base_controls);
	if (why) {
		static char buf[96];

		snprintf(buf, sizeof(buf), "the CPU's VMX lacks a feature klvisor needs: %s", why);
		return buf;
	}
	return NULL;
}

bool vmx_cpu_enable(struct percpu *pc)
{
	u64 fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	u64 pa;
	enum vmx_result r;

	if (!(fc & FEATURE_CONTROL_LOCKED)) {
		/* Firmware left it open (emulators do): allow VMXON and lock it. */
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMXON_OUTSIDE_SMX);
	}
	write_cr0((read_cr0() | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1);
	write_cr4((read_cr4() | CR4_VMXE | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1);

	pa = page_alloc(1);
	if (!pa) {
		pr_err("cpu%u: no memory for the VMXON region\n", pc->id);
		return false;
	}
	*(u32 *)phys_to_virt(pa) = VMX_BASIC_REVISION(vmx_caps.basic);
	r = vmxon(pa);
	if (r != VMX_OK) {
		pr_err("cpu%u: VMXON failed (%s)\n", pc->id,
		       r == VMX_FAIL_INVALID ? "VMfailInvalid" : "VMfailValid");
		page_free(pa, 1);
		return false;
	}
	pc->vmxon_pa = pa;
	pc->state = CPU_VMX_ROOT;
	return true;
}

bool vmx_setup_host_state(void)
{
	struct percpu *pc = this_cpu();
	struct desc_ptr gdtr;
	bool ok = true;

	sgdt(&gdtr);
	ok &= vmcs_writenat(HOST_CR0, read_cr0());
	ok &= vmcs_writenat(HOST_CR3, read_cr3());
	ok &= vmcs_writenat(HOST_CR4, read_cr4());
	ok &= vmcs_write16(HOST_CS_SELECTOR, SEL_CODE);
	ok &= vmcs_write16(HOST_SS_SELECTOR, SEL_DATA);
	ok &= vmcs_write16(HOST_DS_SELECTOR, SEL_DATA);
	ok &= vmcs_write16(HOST_ES_SELECTOR, SEL_DATA);
	ok &= vmcs_write16(HOST_FS_SELECTOR, 0);
	ok &= vmcs_write16(HOST_GS_SELECTOR, 0);
	ok &= vmcs_write16(HOST_TR_SELECTOR, SEL_TSS);
	ok &= vmcs_writenat(HOST_FS_BASE, 0);
	ok &= vmcs_writenat(HOST_GS_BASE, (u64)pc);
	ok &= vmcs_writenat(HOST_TR_BASE, (u64)&pc->tss);
	ok &= vmcs_writenat(HOST_GDTR_BASE, gdtr.base);
	ok &= vmcs_writenat(HOST_IDTR_BASE, idt_base());
	ok &= vmcs_write32(HOST_IA32_SYSENTER_CS, 0);
	ok &= vmcs_writenat(HOST_IA32_SYSENTER_ESP, 0);
	ok &= vmcs_writenat(HOST_IA32_SYSENTER_EIP, 0);
	ok &= vmcs_write64(HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
	ok &= vmcs_write64(HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	ok &= vmcs_writenat(HOST_RIP, (u64)vmx_exit);
	return ok;
}

static void dump_segment(const char *name, u32 sel, u32 base, u32 limit, u32 ar)
{
	printk("VMENTRY-FAIL:   %-4s sel %04lx base %016lx limit %08lx ar %05lx\n", name,
	       vmcs_read(sel), vmcs_read(base), vmcs_read(limit), vmcs_read(ar));
}

static void dump_guest_state(void)
{
	printk("VMENTRY-FAIL: guest RIP %016lx RSP %016lx RFLAGS %016lx\n", vmcs_read(GUEST_RIP),
	       vmcs_read(GUEST_RSP), vmcs_read(GUEST_RFLAGS));
	printk("VMENTRY-FAIL: guest CR0 %016lx CR3 %016lx CR4 %016lx EFER %016lx\n",
	       vmcs_read(GUEST_CR0), vmcs_read(GUEST_CR3), vmcs_read(GUEST_CR4),
	       vmcs_read(GUEST_IA32_EFER));
	printk("VMENTRY-FAIL: guest activity %lu interruptibility %lx link %016lx\n",
	       vmcs_read(GUEST_ACTIVITY_STATE), vmcs_read(GUEST_INTERRUPTIBILITY_INFO),
	       vmcs_read(VMCS_LINK_POINTER));
	dump_segment("CS", GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT, GUEST_CS_AR_BYTES);
	dump_segment("SS", GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR_BYTES);
	dump_segment("DS", GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR_BYTES);
	dump_segment("ES", GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR_BYTES);
	dump_segment("FS", GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR_BYTES);
	dump_segment("GS", GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR_BYTES);
	dump_segment("TR", GUEST_TR_SELECTOR, GUEST_TR_BASE, GUEST_TR_LIMIT, GUEST_TR_AR_BYTES);
	dump_segment("LDTR", GUEST_LDTR_SELECTOR, GUEST_LDTR_BASE, GUEST_LDTR_LIMIT,
		     GUEST_LDTR_AR_BYTES);
	printk("VMENTRY-FAIL: controls pin %08lx proc %08lx proc2 %08lx exit %08lx entry %08lx\n",
	       vmcs_read(PIN_BASED_VM_EXEC_CONTROL), vmcs_read(CPU_BASED_VM_EXEC_CONTROL),
	       vmcs_read(SECONDARY_VM_EXEC_CONTROL), vmcs_read(VM_EXIT_CONTROLS),
	       vmcs_read(VM_ENTRY_CONTROLS));
}

static void report_entry_failure(u32 run)
{
	u32 cpu = this_cpu()->id;

	if (run == VMX_RUN_FAIL_INVALID) {
		/* No current VMCS: nothing in it can be read. */
		printk("VMENTRY-FAIL: cpu%u: VMfailInvalid (no current VMCS or invalid VMCS pointer)\n",
		       cpu);
		return;
	}
	if (run == VMX_RUN_FAIL_VALID) {
		u32 err = (u32)vmcs_read(VM_INSTRUCTION_ERROR);

		printk("VMENTRY-FAIL: cpu%u: VMfailValid, VM-instruction error %u (%s)\n", cpu, err,
		       vmx_insn_error_name(err));
	} else {
		static const char *const why[] = {
			[EXIT_REASON_INVALID_GUEST_STATE] = "invalid guest state",
			[EXIT_REASON_MSR_LOADING] = "MSR loading",
			[EXIT_REASON_MACHINE_CHECK] = "machine-check event",
		};
		u32 basic = run & 0xffff;

		printk("VMENTRY-FAIL: cpu%u: VM-entry failure exit, reason %u (%s), qualification %lx\n",
		       cpu, basic, basic < ARRAY_SIZE(why) && why[basic] ? why[basic] : "unknown",
		       vmcs_read(EXIT_QUALIFICATION));
	}
	dump_guest_state();
}

void vmx_report_entry_failure(u32 run)
{
	/* One report at a time, so two CPUs' dumps do not interleave. */
	static spinlock_t report_lock;

	spin_lock(&report_lock);
	report_entry_failure(run);
	spin_unlock(&report_lock);
}
