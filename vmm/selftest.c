// SPDX-License-Identifier: MIT
/*
 * The VMX self-test guest.  It lives in one EPT-mapped page of its own
 * and runs in real mode (unrestricted guest):
 *
 *	mov  eax, SELFTEST_LEAF
 *	cpuid			; klvisor answers with a per-CPU token
 *	add  ebx, ecx		; the guest combines the answer ...
 *	vmcall			; ... and hands it back
 *	hlt
 *
 * The test passes when both exits arrive in order and the value the guest
 * computed from klvisor's answer comes back intact.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/ept.h"
#include "arch/x86/vmcs.h"
#include "arch/x86/vmx.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/mm.h"
#include "vmm/selftest.h"

#define SELFTEST_LEAF	   0x4b4c5600
#define SELFTEST_GPA	   0x1000
#define SELFTEST_MAX_EXITS 8

static const u8 selftest_code[] = {
	0x66, 0xb8, 0x00, 0x56, 0x4c, 0x4b, /* mov eax, 0x4b4c5600 */
	0x0f, 0xa2, /* cpuid */
	0x66, 0x01, 0xcb, /* add ebx, ecx */
	0x0f, 0x01, 0xc1, /* vmcall */
	0xf4, /* hlt */
	0xeb, 0xfd, /* jmp hlt */
};

struct selftest {
	u64 vmcs_pa, code_pa;
	struct ept ept;
	struct guest_regs regs;
	u32 token;
};

static bool setup_controls(struct selftest *t, struct percpu *pc)
{
	const struct vmx_controls *c = &vmx_base_controls;
	bool ok = true;

	/* No time slicing for a guest that runs two instructions. */
	ok &= vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, c->pin & ~PIN_PREEMPTION_TIMER);
	ok &= vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, c->proc);
	ok &= vmcs_write32(SECONDARY_VM_EXEC_CONTROL, c->proc2);
	ok &= vmcs_write32(VM_EXIT_CONTROLS, c->exit);
	ok &= vmcs_write32(VM_ENTRY_CONTROLS, c->entry);
	ok &= vmcs_write32(EXCEPTION_BITMAP, 0);
	ok &= vmcs_write32(CR3_TARGET_COUNT, 0);
	ok &= vmcs_write32(VM_EXIT_MSR_STORE_COUNT, 0);
	ok &= vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, 0);
	ok &= vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, 0);
	ok &= vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	ok &= vmcs_write16(VIRTUAL_PROCESSOR_ID, (u16)(pc->id + 1));
	ok &= vmcs_write64(EPT_POINTER, ept_pointer(&t->ept));
	ok &= vmcs_write64(VMCS_LINK_POINTER, ~0ULL);
	/* CR4.VMXE must be set while in VMX operation; hide it from the guest. */
	ok &= vmcs_writenat(CR0_GUEST_HOST_MASK, 0);
	ok &= vmcs_writenat(CR0_READ_SHADOW, 0);
	ok &= vmcs_writenat(CR4_GUEST_HOST_MASK, CR4_VMXE);
	ok &= vmcs_writenat(CR4_READ_SHADOW, 0);
	return ok;
}

static bool setup_real_mode_guest(void)
{
	static const struct {
		u32 sel, base, limit, ar, ar_val;
	} segs[] = {
		{ GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT, GUEST_CS_AR_BYTES, 0x9b },
		{ GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR_BYTES, 0x93 },
		{ GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR_BYTES, 0x93 },
		{ GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR_BYTES, 0x93 },
		{ GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR_BYTES, 0x93 },
		{ GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR_BYTES, 0x93 },
		{ GUEST_TR_SELECTOR, GUEST_TR_BASE, GUEST_TR_LIMIT, GUEST_TR_AR_BYTES, 0x8b },
		{ GUEST_LDTR_SELECTOR, GUEST_LDTR_BASE, GUEST_LDTR_LIMIT, GUEST_LDTR_AR_BYTES,
		  0x10000 /* unusable */ },
	};
	u64 cr0 = (CR0_ET | CR0_NE | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1;
	bool ok = true;

	for (unsigned i = 0; i < ARRAY_SIZE(segs); i++) {
		ok &= vmcs_write16(segs[i].sel, 0);
		ok &= vmcs_writenat(segs[i].base, 0);
		ok &= vmcs_write32(segs[i].limit, 0xffff);
		ok &= vmcs_write32(segs[i].ar, segs[i].ar_val);
	}
	/* Unrestricted guest: PE and PG may be clear whatever CR0_FIXED0 says. */
	ok &= vmcs_writenat(GUEST_CR0, cr0 & ~(CR0_PE | CR0_PG));
	ok &= vmcs_writenat(GUEST_CR3, 0);
	ok &= vmcs_writenat(GUEST_CR4, vmx_caps.cr4_fixed0 & vmx_caps.cr4_fixed1);
	ok &= vmcs_writenat(GUEST_GDTR_BASE, 0);
	ok &= vmcs_write32(GUEST_GDTR_LIMIT, 0xffff);
	ok &= vmcs_writenat(GUEST_IDTR_BASE, 0);
	ok &= vmcs_write32(GUEST_IDTR_LIMIT, 0xffff);
	ok &= vmcs_writenat(GUEST_DR7, 0x400);
	ok &= vmcs_writenat(GUEST_RSP, 0);
	ok &= vmcs_writenat(GUEST_RIP, SELFTEST_GPA);
	ok &= vmcs_writenat(GUEST_RFLAGS, 0x2);
	ok &= vmcs_writenat(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	ok &= vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	ok &= vmcs_write32(GUEST_ACTIVITY_STATE, 0);
	ok &= vmcs_write32(GUEST_SYSENTER_CS, 0);
	ok &= vmcs_writenat(GUEST_SYSENTER_ESP, 0);
	ok &= vmcs_writenat(GUEST_SYSENTER_EIP, 0);
	ok &= vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
	ok &= vmcs_write64(GUEST_IA32_EFER, 0);
	return ok;
}

static void apply_break(struct selftest *t, enum vmcs_break brk)
{
	switch (brk) {
	case VMCS_BREAK_GUEST_STATE:
		/* RFLAGS bit 1 is reserved-to-1: a guest-state check fails. */
		vmcs_writenat(GUEST_RFLAGS, 0);
		break;
	case VMCS_BREAK_CONTROL:
		/* No CPU supports more than 4 CR3-target values. */
		vmcs_write32(CR3_TARGET_COUNT, 1000);
		break;
	case VMCS_BREAK_POINTER:
		/* Leaves no current VMCS. */
		vmclear(t->vmcs_pa);
		break;
	case VMCS_BREAK_NONE:
		break;
	}
	if (brk != VMCS_BREAK_NONE)
		pr_info("cpu%u: test.vmcs_break=%s: VMCS deliberately broken\n", this_cpu()->id,
			brk == VMCS_BREAK_GUEST_STATE ? "guest-state" :
			brk == VMCS_BREAK_CONTROL     ? "control" :
							"pointer");
}

/* Handle one exit; returns 1 when done, 0 to resume, -1 on failure. */
static int handle_exit(struct selftest *t, u32 reason, bool *cpuid_seen)
{
	u32 cpu = this_cpu()->id;

	switch (reason) {
	case EXIT_REASON_CPUID:
		if ((u32)t->regs.rax != SELFTEST_LEAF) {
			pr_err("cpu%u: self-test: CPUID leaf %lx, expected %x\n", cpu, t->regs.rax,
			       SELFTEST_LEAF);
			return -1;
		}
		t->regs.rax = 0;
		t->regs.rbx = t->token;
		t->regs.rcx = 0x5600;
		t->regs.rdx = 0;
		vmcs_writenat(GUEST_RIP, vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN));
		*cpuid_seen = true;
		return 0;
	case EXIT_REASON_VMCALL:
		if (!*cpuid_seen || (u32)t->regs.rbx != t->token + 0x5600) {
			pr_err("cpu%u: self-test: VMCALL with EBX %lx, expected %x\n", cpu,
			       t->regs.rbx, t->token + 0x5600);
			return -1;
		}
		return 1;
	default:
		pr_err("cpu%u: self-test: unexpected exit reason %u, qualification %lx, RIP %lx\n",
		       cpu, reason, vmcs_read(EXIT_QUALIFICATION), vmcs_read(GUEST_RIP));
		return -1;
	}
}

static bool run(struct selftest *t, u64 *ticks)
{
	bool cpuid_seen = false;
	u64 start = rdtsc();

	for (int n = 0; n < SELFTEST_MAX_EXITS; n++) {
		int rc = vmx_run(&t->regs, n > 0);
		u32 reason;

		if (rc != VMX_OK) {
			vmx_report_entry_failure(rc, 0);
			return false;
		}
		reason = (u32)vmcs_read(VM_EXIT_REASON);
		if (reason & EXIT_REASON_ENTRY_FAILURE) {
			vmx_report_entry_failure(VMX_OK, reason);
			return false;
		}
		rc = handle_exit(t, reason & 0xffff, &cpuid_seen);
		if (rc) {
			*ticks = rdtsc() - start;
			return rc > 0;
		}
	}
	pr_err("cpu%u: self-test: guest did not finish within %d exits\n", this_cpu()->id,
	       SELFTEST_MAX_EXITS);
	return false;
}

bool vmx_selftest(struct percpu *pc, enum vmcs_break brk)
{
	struct selftest t = { .token = 0x4b4c0000 + pc->id };
	bool ok = false;
	u64 ticks = 0;

	t.vmcs_pa = page_alloc(1);
	t.code_pa = page_alloc(1);
	if (!t.vmcs_pa || !t.code_pa || !ept_init(&t.ept) ||
	    !ept_map_page(&t.ept, SELFTEST_GPA, t.code_pa, EPT_R | EPT_X)) {
		pr_err("cpu%u: self-test: out of memory\n", pc->id);
		goto out;
	}
	memcpy(phys_to_virt(t.code_pa), selftest_code, sizeof(selftest_code));
	*(u32 *)phys_to_virt(t.vmcs_pa) = VMX_BASIC_REVISION(vmx_caps.basic);
	if (vmclear(t.vmcs_pa) != VMX_OK || vmptrld(t.vmcs_pa) != VMX_OK) {
		pr_err("cpu%u: self-test: VMCLEAR/VMPTRLD failed\n", pc->id);
		goto out;
	}
	if (!setup_controls(&t, pc) || !setup_real_mode_guest() || !vmx_setup_host_state()) {
		pr_err("cpu%u: self-test: VMCS set-up failed\n", pc->id);
		goto out;
	}
	apply_break(&t, brk);
	ok = run(&t, &ticks);
	if (ok)
		pr_info("cpu%u: VMX self-test passed: CPUID and VMCALL exits round-tripped in %lu TSC ticks\n",
			pc->id, ticks);
	else
		pr_err("cpu%u: VMX self-test FAILED\n", pc->id);
out:
	if (t.vmcs_pa) {
		vmclear(t.vmcs_pa);
		pc->current_vmcs = 0;
		page_free(t.vmcs_pa, 1);
	}
	if (t.code_pa)
		page_free(t.code_pa, 1);
	ept_destroy(&t.ept);
	return ok;
}
