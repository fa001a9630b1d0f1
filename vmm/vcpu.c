// SPDX-License-Identifier: MIT
/*
 * Creating a vCPU's VMCS and putting the vCPU into the states a real CPU
 * starts in: multiboot entry for the boot vCPU, wait-for-SIPI then real
 * mode for the others.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmcs.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/fpu.h"
#include "vmm/mb1_image.h"
#include "vmm/mm.h"
#include "vmm/prof.h"
#include "vmm/exit.h"
#include "vmm/vcpu.h"

#define AR_CODE32     0xc09b /* present, code, read, accessed, D, G */
#define AR_DATA32     0xc093 /* present, data, write, accessed, B, G */
#define AR_CODE16     0x009b
#define AR_DATA16     0x0093
#define AR_TSS32_BUSY 0x008b
#define AR_UNUSABLE   0x10000

static u16 next_vpid = MAX_CPUS + 1; /* 1..MAX_CPUS belong to the self-tests */

static u16 alloc_vpid(void)
{
	return __atomic_fetch_add(&next_vpid, 1, __ATOMIC_RELAXED);
}

struct seg {
	u32 sel, base, limit, ar;
};

static const struct seg seg_fields[] = {
	{ GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR_BYTES },
	{ GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT, GUEST_CS_AR_BYTES },
	{ GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR_BYTES },
	{ GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR_BYTES },
	{ GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR_BYTES },
	{ GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR_BYTES },
};

static bool set_seg(const struct seg *s, u16 sel, u64 base, u32 limit, u32 ar)
{
	bool ok = true;

	ok &= vmcs_write16(s->sel, sel);
	ok &= vmcs_writenat(s->base, base);
	ok &= vmcs_write32(s->limit, limit);
	ok &= vmcs_write32(s->ar, ar);
	return ok;
}

/* State common to every reset: system registers, TR, LDTR, descriptors. */
static bool reset_system_state(u64 cr0_shadow)
{
	u64 cr0 = (cr0_shadow | CR0_NE | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1;
	bool ok = true;

	cr0 &= ~(CR0_PG | CR0_PE) | cr0_shadow; /* unrestricted guest */
	ok &= vmcs_writenat(GUEST_CR0, cr0);
	ok &= vmcs_writenat(CR0_READ_SHADOW, cr0_shadow);
	ok &= vmcs_writenat(GUEST_CR3, 0);
	ok &= vmcs_writenat(GUEST_CR4, vmx_caps.cr4_fixed0 & vmx_caps.cr4_fixed1);
	ok &= vmcs_writenat(CR4_READ_SHADOW, 0);
	ok &= vmcs_write64(GUEST_IA32_EFER, 0);
	ok &= vmcs_write32(VM_ENTRY_CONTROLS, vmx_base_controls.entry & ~ENTRY_IA32E_MODE);
	ok &= vmcs_write16(GUEST_TR_SELECTOR, 0);
	ok &= vmcs_writenat(GUEST_TR_BASE, 0);
	ok &= vmcs_write32(GUEST_TR_LIMIT, 0xffff);
	ok &= vmcs_write32(GUEST_TR_AR_BYTES, AR_TSS32_BUSY);
	ok &= vmcs_write16(GUEST_LDTR_SELECTOR, 0);
	ok &= vmcs_writenat(GUEST_LDTR_BASE, 0);
	ok &= vmcs_write32(GUEST_LDTR_LIMIT, 0xffff);
	ok &= vmcs_write32(GUEST_LDTR_AR_BYTES, AR_UNUSABLE);
	ok &= vmcs_writenat(GUEST_GDTR_BASE, 0);
	ok &= vmcs_write32(GUEST_GDTR_LIMIT, 0xffff);
	ok &= vmcs_writenat(GUEST_IDTR_BASE, 0);
	ok &= vmcs_write32(GUEST_IDTR_LIMIT, 0xffff);
	ok &= vmcs_writenat(GUEST_DR7, 0x400);
	ok &= vmcs_writenat(GUEST_RSP, 0);
	ok &= vmcs_writenat(GUEST_RFLAGS, 0x2);
	ok &= vmcs_writenat(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	ok &= vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	ok &= vmcs_write32(GUEST_ACTIVITY_STATE, 0);
	ok &= vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	ok &= vmcs_write32(GUEST_SYSENTER_CS, 0);
	ok &= vmcs_writenat(GUEST_SYSENTER_ESP, 0);
	ok &= vmcs_writenat(GUEST_SYSENTER_EIP, 0);
	ok &= vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
	return ok;
}

static bool reset_common(struct vcpu *v, u64 cr0_shadow)
{
	memset(&v->regs, 0, sizeof(v->regs));
	if (reset_system_state(cr0_shadow))
		return true;
	pr_err("%s/vcpu%u: VMCS reset failed\n", v->vm->def.name, v->id);
	return false;
}

void vcpu_set_multiboot_state(struct vcpu *v, u32 entry, u32 mbi)
{
	reset_common(v, CR0_PE | CR0_ET);
	for (unsigned i = 0; i < ARRAY_SIZE(seg_fields); i++) {
		bool cs = seg_fields[i].sel == GUEST_CS_SELECTOR;

		set_seg(&seg_fields[i], cs ? 0x08 : 0x10, 0, 0xffffffff,
			cs ? AR_CODE32 : AR_DATA32);
	}
	vmcs_writenat(GUEST_RIP, entry);
	v->regs.rax = MB1_BOOTLOADER_MAGIC;
	v->regs.rbx = mbi;
}

bool vmcs_set_real_mode_state(u8 vector)
{
	bool ok = reset_system_state(CR0_ET);

	for (unsigned i = 0; i < ARRAY_SIZE(seg_fields); i++) {
		bool cs = seg_fields[i].sel == GUEST_CS_SELECTOR;

		ok &= set_seg(&seg_fields[i], cs ? (u16)(vector << 8) : 0,
			      cs ? (u64)vector << 12 : 0, 0xffff, cs ? AR_CODE16 : AR_DATA16);
	}
	return ok && vmcs_writenat(GUEST_RIP, 0);
}

void vcpu_set_sipi_state(struct vcpu *v, u8 vector)
{
	memset(&v->regs, 0, sizeof(v->regs));
	if (!vmcs_set_real_mode_state(vector))
		pr_err("%s/vcpu%u: VMCS reset failed\n", v->vm->def.name, v->id);
}

bool vmcs_set_controls(u16 vpid, u64 eptp, u32 pin_clear)
{
	const struct vmx_controls *c = &vmx_base_controls;
	/* Owned CR4 bits: the denied ones, KL (Key Locker), and whatever VMX cannot set. */
	u64 cr4_owned = CR4_DENIED | CR4_KL | ~vmx_caps.cr4_fixed1 | fpu_cr4_denied();
	bool ok = true;

	ok &= vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, c->pin & ~pin_clear);
	ok &= vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, c->proc);
	ok &= vmcs_write32(SECONDARY_VM_EXEC_CONTROL, c->proc2);
	/* Saving the timer's count needs the timer (the self-test runs without it). */
	ok &= vmcs_write32(VM_EXIT_CONTROLS, (pin_clear & PIN_PREEMPTION_TIMER) ?
						     c->exit & ~EXIT_SAVE_PREEMPT_TIMER :
						     c->exit);
	ok &= vmcs_write32(VM_ENTRY_CONTROLS, c->entry);
	ok &= vmcs_write32(EXCEPTION_BITMAP, 0);
	ok &= vmcs_write32(PAGE_FAULT_ERROR_CODE_MASK, 0);
	ok &= vmcs_write32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	ok &= vmcs_write32(CR3_TARGET_COUNT, 0);
	ok &= vmcs_write32(VM_EXIT_MSR_STORE_COUNT, 0);
	ok &= vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, 0);
	ok &= vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, 0);
	ok &= vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	ok &= vmcs_write16(VIRTUAL_PROCESSOR_ID, vpid);
	ok &= vmcs_write64(EPT_POINTER, eptp);
	ok &= vmcs_write64(VMCS_LINK_POINTER, ~0ULL);
	ok &= vmcs_write64(TSC_OFFSET, -rdtsc()); /* the guest's TSC starts near 0 */
	ok &= vmcs_write64(GUEST_IA32_PAT, PAT_RESET);
	if (c->proc & CPU_USE_MSR_BITMAPS)
		ok &= vmcs_write64(MSR_BITMAP, msr_bitmap_pa());
	if (c->proc2 & CPU2_PAUSE_LOOP_EXITING) {
		/* KVM's defaults: PAUSEs under 128 cycles apart form a loop; 4096 cycles of it exit. */
		ok &= vmcs_write32(PLE_GAP, 128);
		ok &= vmcs_write32(PLE_WINDOW, 4096);
	}
	ok &= vmcs_writenat(CR0_GUEST_HOST_MASK, CR0_OWNED);
	ok &= vmcs_writenat(CR4_GUEST_HOST_MASK, cr4_owned);
	return ok && vmx_setup_host_state();
}

/*
 * Cached guest-physical translations are tagged with the EPTP alone, and a
 * new VM may reuse a dead VM's (or the self-test's) EPT root page: flush
 * that EPTP on this CPU before its first entry, so no stale mapping into
 * freed memory survives.
 */
static bool flush_stale_ept(u64 eptp)
{
	if (invept_single(eptp) == VMX_OK)
		return true;
	pr_err("INVEPT of EPTP %lx failed\n", eptp);
	return false;
}

static bool setup_controls(struct vcpu *v)
{
	/* kl_vmcs_setup() after the base: it adds to the exception bitmap and controls. */
	u64 eptp = ept_pointer(&v->vm->ept);

	return flush_stale_ept(eptp) && vmcs_set_controls(alloc_vpid(), eptp, 0) &&
	       kl_vmcs_setup(v);
}

bool vcpu_init_vmcs(struct vcpu *v)
{
	v->vmcs_pa = page_alloc(1);
	if (!v->vmcs_pa)
		return false;
	*(u32 *)phys_to_virt(v->vmcs_pa) = VMX_BASIC_REVISION(vmx_caps.basic);
	if (vmclear(v->vmcs_pa) != VMX_OK || vmptrld(v->vmcs_pa) != VMX_OK)
		return false;
	this_cpu()->current_vmcs = v->vmcs_pa;
	return setup_controls(v) && reset_common(v, CR0_ET);
}

void vcpu_load(struct vcpu *v)
{
	struct percpu *pc = this_cpu();

	if (pc->current_vmcs != v->vmcs_pa) {
		vmptrld(v->vmcs_pa);
		pc->current_vmcs = v->vmcs_pa;
	}
}

u64 vcpu_gpr(struct vcpu *v, unsigned n)
{
	if (n == 4)
		return vmcs_read(GUEST_RSP);
	return ((u64 *)&v->regs)[n];
}

void vcpu_set_gpr(struct vcpu *v, unsigned n, u64 val)
{
	if (n == 4)
		vmcs_writenat(GUEST_RSP, val);
	else
		((u64 *)&v->regs)[n] = val;
}

#define PENDING_DBG_BS BIT(14) /* a single-step trap is pending */

/* The instruction never completed in the guest, so the CPU raised no single-step trap. */
void vcpu_single_step_trap(void)
{
	vmcs_write_hot(GUEST_PENDING_DBG_EXCEPTIONS,
		       vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS) | PENDING_DBG_BS);
}

void vcpu_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
	u32 info = vector | (3 << 8) | BIT(31); /* hardware exception, valid */

	(void)v;
	/* Real mode delivers no error codes. */
	if (has_error && (vmcs_read(GUEST_CR0) & CR0_PE)) {
		info |= BIT(11);
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	}
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
}

void vcpu_inject_page_fault(struct vcpu *v, u64 la, u32 pfec)
{
	/* The guest's CR2 is live for the whole slice (vcpu_run_slice()): both copies. */
	v->regs.cr2 = la;
	write_cr2(la);
	vcpu_inject_exception(v, 14, true, pfec);
}

void vcpu_dump(struct vcpu *v)
{
	const char *n = v->vm->def.name;

	printk("[%s] vcpu%u: RIP %016lx RSP %016lx RFLAGS %016lx\n", n, v->id, vmcs_read(GUEST_RIP),
	       vmcs_read(GUEST_RSP), vmcs_read(GUEST_RFLAGS));
	printk("[%s] vcpu%u: CR0 %016lx CR3 %016lx CR4 %016lx EFER %lx\n", n, v->id, vcpu_cr0(),
	       vmcs_read(GUEST_CR3), vcpu_cr4(), vmcs_read(GUEST_IA32_EFER));
	printk("[%s] vcpu%u: CS %04lx base %lx ar %lx  RAX %lx RBX %lx RCX %lx RDX %lx\n", n, v->id,
	       vmcs_read(GUEST_CS_SELECTOR), vmcs_read(GUEST_CS_BASE), vmcs_read(GUEST_CS_AR_BYTES),
	       v->regs.rax, v->regs.rbx, v->regs.rcx, v->regs.rdx);
}

void vcpu_walk_ctx(struct vcpu *v, struct gwalk_ctx *c)
{
	vcpu_walk_ctx_rflags(v, c, vmcs_read(GUEST_RFLAGS));
}

const char vcpu_fetch_fault[] = "instruction fetch faulted; #PF injected";

/*
 * Up to 15 bytes at CS:RIP, or as many as are readable.  The fetch is the
 * guest's own, at its CPL (so U/S, SMEP and NX apply as to the CPU's
 * fetch).
 */
static enum gwalk_result fetch(struct vcpu *v, u8 *bytes, size_t *len, u64 *where, u32 *pfec)
{
	struct gwalk_ctx c;
	u64 la = vcpu_code_la(vcpu_mode_bits(), vmcs_read(GUEST_RIP));

	vcpu_walk_ctx(v, &c);
	return gwalk_read(&c, la, gwalk_access(vcpu_cpl(), GW_FETCH), bytes, INSN_MAX_LEN, len,
			  where, pfec);
}

size_t vcpu_insn_bytes(struct vcpu *v, u8 *bytes)
{
	size_t len;
	u64 where;
	u32 pfec;

	fetch(v, bytes, &len, &where, &pfec);
	return len;
}

const char *vcpu_decode_insn(struct vcpu *v, struct insn *in)
{
	u8 bytes[INSN_MAX_LEN];
	size_t len;
	u64 where;
	u32 pfec;
	const char *err;
	enum gwalk_result r;

	/* The decoder says if the bytes fetched are enough; if the bytes needed
	 * are not fetchable, the guest gets the #PF the CPU would have raised. */
	r = fetch(v, bytes, &len, &where, &pfec);
	PROF_MARK(PROF_FETCH);
	err = len ? insn_decode(bytes, len, vcpu_mode_bits(), in) : "nothing fetched";
	if (!err || r != GW_PAGE_FAULT)
		return err ? (len ? err : "the instruction could not be fetched") : NULL;
	vcpu_inject_page_fault(v, where, pfec);
	return vcpu_fetch_fault;
}

unsigned vcpu_mode_bits(void)
{
	return vcpu_mode_bits_of(vmcs_read(GUEST_CS_AR_BYTES), vmcs_read(GUEST_IA32_EFER));
}

void vcpu_seg_state(unsigned sreg, struct seg_state *s)
{
	const struct seg *f = &seg_fields[sreg < NR_SEGS ? sreg : SEG_DS];

	/* In 64-bit mode only FS and GS have bases (SDM Vol. 3, 3.4.4). */
	s->base =
		vcpu_mode_bits() == 64 && sreg != SEG_FS && sreg != SEG_GS ? 0 : vmcs_read(f->base);
	s->limit = (u32)vmcs_read(f->limit);
	s->ar = (u32)vmcs_read(f->ar);
}

unsigned vcpu_operand_segment(const struct insn *in)
{
	if (in->seg)
		return seg_from_prefix(in->seg, SEG_DS);
	if (!in->no_base && !in->rip_relative && (in->base == 4 || in->base == 5))
		return SEG_SS; /* RSP or RBP based; R12/R13 are not */
	return SEG_DS;
}

bool vcpu_segment_linear(struct vcpu *v, unsigned sreg, u64 off, unsigned len, bool write, u64 *la)
{
	struct seg_state s;

	vcpu_seg_state(sreg, &s);
	if (seg_linear(&s, off, len, vcpu_mode_bits(), vcpu_cr0() & CR0_PE, write, la))
		return true;
	vcpu_inject_exception(v, sreg == SEG_SS ? 12 : 13, true, 0); /* #SS(0) or #GP(0) */
	return false;
}

bool vcpu_read_operand(struct vcpu *v, const struct insn *in, u64 ea, void *buf, size_t len)
{
	struct gwalk_ctx c;
	u64 la, where;
	size_t done;
	u32 pfec;

	if (in->addr_size == 2)
		ea &= 0xffff;
	if (!vcpu_segment_linear(v, vcpu_operand_segment(in), ea, (unsigned)len, false, &la))
		return false;

	vcpu_walk_ctx(v, &c);
	switch (gwalk_read(&c, la, gwalk_access(vcpu_cpl(), GW_READ), buf, len, &done, &where,
			   &pfec)) {
	case GW_OK:
		return true;
	case GW_PAGE_FAULT:
		vcpu_inject_page_fault(v, where, pfec);
		return false;
	case GW_OUTSIDE_RAM:
		vm_end(v->vm, VM_STOPPED, 0, "page walk for linear 0x%lx left guest RAM", where);
		return false;
	default:
		vm_end(v->vm, VM_STOPPED, 0, "read of guest-physical 0x%lx outside its memory",
		       where);
		return false;
	}
}
