// SPDX-License-Identifier: MIT
/*
 * VMCALL hypercalls (docs/guest-abi.md): number in RAX, arguments in RDI,
 * RSI, RDX, result in RAX, negative errno values on failure.  Only the
 * guest kernel (CPL 0) may make them: a print reads memory with kernel
 * rights and exit ends the whole VM, so from user code every hypercall
 * fails with -EPERM and does nothing.
 */
#include "arch/x86/vmcs.h"
#include "lib/printf.h"
#include "vmm/exit.h"
#include "vmm/gwalk.h"
#include "vmm/vcpu.h"

enum {
	HC_PRINT = 0,
	HC_VCPU_ID = 1,
	HC_VCPU_COUNT = 2,
	HC_YIELD = 3,
	HC_EXIT = 4,
	HC_KL_SLOT_LOADS = 5,
	HC_EXIT_COUNT = 6,
};

#define HC_EPERM     (-1LL)
#define HC_EFAULT    (-14LL)
#define HC_EINVAL    (-22LL)
#define HC_ENOSYS    (-38LL)
#define HC_PRINT_MAX 256

static s64 hc_print(struct vcpu *v, u64 gva, u64 len)
{
	char buf[HC_PRINT_MAX + 1];
	struct gwalk_ctx c;
	size_t done;
	u64 where;
	u32 pfec;

	vcpu_walk_ctx(v, &c);
	if (len > HC_PRINT_MAX)
		return HC_EINVAL;
	if (gwalk_read(&c, gva, 0, buf, len, &done, &where, &pfec) != GW_OK)
		return HC_EFAULT;
	for (u64 i = 0; i < len; i++)
		if (buf[i] < ' ' || buf[i] > '~')
			buf[i] = '.';
	buf[len] = '\0';
	/* Over the VM's console budget the text is dropped (and counted), not an error. */
	if (vm_console_charge(v->vm, len + 1))
		printk_guest("[%s] %s\n", v->vm->def.name, buf);
	return (s64)len;
}

enum exit_action handle_vmcall(struct vcpu *v)
{
	struct guest_regs *r = &v->regs;
	enum exit_action act = EXIT_RESUME;
	s64 ret;

	if (vcpu_cpl() != 0) {
		r->rax = (u64)HC_EPERM;
		vcpu_skip_instruction(v);
		return EXIT_RESUME;
	}
	switch (r->rax) {
	case HC_PRINT:
		ret = hc_print(v, r->rdi, r->rsi);
		break;
	case HC_VCPU_ID:
		ret = v->id;
		break;
	case HC_VCPU_COUNT:
		ret = v->vm->nr_vcpus;
		break;
	case HC_YIELD:
		ret = 0;
		act = EXIT_RESCHED;
		break;
	case HC_EXIT:
		vm_end(v->vm,
		       r->rdi == 0  ? VM_PASSED :
		       r->rdi == 38 ? VM_SKIPPED :
				      VM_FAILED,
		       (u32)r->rdi, "exit hypercall with status %lu", r->rdi);
		return EXIT_RESCHED;
	case HC_KL_SLOT_LOADS:
		ret = (s64)kl_slot_loads(v->vm);
		break;
	case HC_EXIT_COUNT:
		ret = (s64)vcpu_exits(v); /* this vCPU's own: nothing about other VMs */
		break;
	default:
		ret = HC_ENOSYS;
	}
	r->rax = (u64)ret;
	vcpu_skip_instruction(v);
	return act;
}
