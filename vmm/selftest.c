// SPDX-License-Identifier: MIT
/*
 * The VMX self-test guest.  It lives in one EPT-mapped page of its own
 * and runs in real mode (unrestricted guest) at CS = 0x100, IP = 0, the
 * state after a SIPI to vector 1:
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
#include "vmm/vcpu.h"

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
		u32 reason = vmx_run(&t->regs, n > 0);
		int rc;

		if (reason & EXIT_REASON_ENTRY_FAILURE) {
			vmx_report_entry_failure(reason);
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
	/* No time slicing for a guest that runs two instructions. */
	if (!vmcs_set_controls((u16)(pc->id + 1), ept_pointer(&t.ept), PIN_PREEMPTION_TIMER) ||
	    !vmcs_set_real_mode_state(SELFTEST_GPA >> 12)) {
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
