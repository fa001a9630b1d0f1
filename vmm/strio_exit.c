// SPDX-License-Identifier: MIT
/*
 * String I/O exits: INS/OUTS, with and without REP, every element
 * through port_io() (so every device takes string I/O), the iterations
 * themselves in strio.c.
 *
 * What the CPU has already done before this exit: the CPL/IOPL check and,
 * if CPL > IOPL, the TSS I/O-permission bitmap (both take priority over
 * the VM exit, SDM Vol. 3, 26.1.1: such an instruction raises #GP in the
 * guest and never exits), and #UD.  What it has not done, and klvisor
 * does here as the CPU would: the checks on the memory operand (segment,
 * limit, canonical, paging), which come after an I/O exit.
 *
 * The instruction's address size and segment come from decoding its
 * bytes (vcpu_decode_insn), not from the VM-exit instruction-information
 * field: that field is defined for INS/OUTS only where IA32_VMX_BASIC[54]
 * is set, and the decoder works on every CPU, so one path is the one that
 * runs, and is tested, everywhere.  Bochs 2.7 does set bit 54 and fill
 * the field; where it is set the two are compared, and a disagreement is
 * logged once.  The bytes are fetched after the exit, so another vCPU
 * could have changed them: if they no longer are the string instruction
 * the exit qualification describes (direction, size, REP), nothing is
 * done and the guest resumes at the instruction, which the CPU then
 * executes as it now is, as if the change had come a moment earlier.  A
 * guest can only confuse its own I/O that way; every access still goes
 * through its own segments and page tables at its own CPL.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmcs.h"
#include "lib/printf.h"
#include "vmm/exit.h"
#include "vmm/strio.h"
#include "vmm/vcpu.h"

struct strio_ctx {
	struct vcpu *v;
	struct gwalk_ctx walk;
	u32 access; /* gwalk access kind: read or write, at the guest's CPL */
	bool cached; /* page_la -> page_gpa: the last page walked */
	u64 page_la, page_gpa;
	u64 cr2; /* on STRIO_FAULT: the #PF to inject */
	u32 pfec;
};

/*
 * One walk per page: within an exit the guest's page tables are walked
 * once for each page the string touches (a cached translation, as the
 * CPU's TLB would hold; no vCPU of this VM can run and rely on a changed
 * mapping before this one re-enters).
 */
static u8 *strio_map(void *p, u64 la, bool write, enum strio_result *why)
{
	struct strio_ctx *c = p;
	u64 page = la & ~(PAGE_SIZE - 1), gpa;
	u8 *hva;

	if (!c->cached || c->page_la != page) {
		u32 pfec;

		switch (gwalk(&c->walk, la, c->access, &gpa, &pfec)) {
		case GW_OK:
			break;
		case GW_PAGE_FAULT:
			c->cr2 = la;
			c->pfec = pfec;
			*why = STRIO_FAULT;
			return NULL;
		default:
			vm_end(c->v->vm, VM_STOPPED, 0,
			       "string I/O: page walk for linear 0x%lx left guest RAM", la);
			*why = STRIO_STOP;
			return NULL;
		}
		c->cached = true;
		c->page_la = page;
		c->page_gpa = gpa & ~(PAGE_SIZE - 1);
	}
	gpa = c->page_gpa | (la & (PAGE_SIZE - 1));
	hva = gpa_to_hva(c->v->vm, gpa, 1);
	if (!hva) {
		/* Device memory (the APIC page, say) is not a string I/O target klvisor serves. */
		vm_end(c->v->vm, VM_STOPPED, 0, "%s guest-physical 0x%lx outside its memory",
		       write ? "INS wrote to" : "OUTS read from", gpa);
		*why = STRIO_STOP;
	}
	return hva;
}

/* Under the VM lock, as handle_io(): the devices are per VM, shared by its vCPUs. */
static u32 strio_port(void *p, u16 port, unsigned size, bool in, u32 val)
{
	struct strio_ctx *c = p;
	u32 r;

	spin_lock(&c->v->vm->lock);
	r = port_io(c->v, port, size, in, val);
	spin_unlock(&c->v->vm->lock);
	return r;
}

static bool strio_ended(void *p)
{
	return ((struct strio_ctx *)p)->v->vm->ended;
}

/* The bytes describe the instruction the exit qualification reports. */
static bool matches_exit(const struct insn *in, unsigned size, bool is_in, bool rep)
{
	return in->kind == INSN_STRING_IO && !(in->opcode & 2) == is_in && in->op_size == size &&
	       (in->rep || in->repne) == rep;
}

/*
 * Where IA32_VMX_BASIC[54] says the instruction-information field holds
 * INS/OUTS's address size (bits 9:7: 0, 1, 2 = 16, 32, 64 bits) and, for
 * OUTS, segment (bits 17:15), compare it with the decoded bytes.  In
 * 64-bit mode only FS and GS differ from no override.
 */
static void cross_check_exit_info(const struct insn *in, bool is_in, unsigned sreg)
{
	static bool logged;
	u32 info, asz, seg;
	bool differs;

	if (logged || !(vmx_caps.basic & VMX_BASIC_INOUT_INFO))
		return;
	info = (u32)vmcs_read(VMX_INSTRUCTION_INFO);
	asz = (info >> 7) & 7;
	seg = (info >> 15) & 7;
	differs = asz > 2 || (2U << asz) != in->addr_size;
	if (!is_in) {
		if (vcpu_mode_bits() == 64)
			differs |= (seg == SEG_FS || seg == SEG_GS || sreg == SEG_FS ||
				    sreg == SEG_GS) &&
				   seg != sreg;
		else
			differs |= seg != sreg;
	}
	if (differs) {
		logged = true;
		pr_warn("string I/O: exit information %#x disagrees with the instruction bytes (address size %u, segment %u); using the bytes (logged once)\n",
			info, in->addr_size, sreg);
	}
}

/* The guest resumes at the REP instruction after an iteration boundary (interrupts, TF). */
static void iteration_boundary(struct vcpu *v)
{
	vcpu_complete_instruction(v, 0);
}

enum exit_action handle_string_io(struct vcpu *v, u16 port, unsigned size, bool in, bool rep)
{
	static bool changed_logged;
	struct insn insn;
	const char *err = vcpu_decode_insn(v, &insn);
	u64 rflags = vmcs_read(GUEST_RFLAGS), done;
	struct strio_ctx c = { .v = v };
	struct strio_env env = { &c, strio_map, strio_port, strio_ended };
	struct strio_regs r = { v->regs.rcx, v->regs.rsi, v->regs.rdi };
	struct strio_op op;
	unsigned sreg;
	enum strio_result res;

	if (err == vcpu_fetch_fault)
		return EXIT_RESUME; /* the #PF is injected: the page went away under us */
	if (err) {
		vm_end(v->vm, VM_STOPPED, 0,
		       "string I/O on port 0x%x: the instruction does not decode (%s)", port, err);
		return EXIT_RESCHED;
	}
	if (!matches_exit(&insn, size, in, rep)) {
		if (!changed_logged) {
			changed_logged = true;
			pr_info("[%s] vcpu%u: string I/O instruction changed before it was emulated; re-executed (logged once)\n",
				v->vm->def.name, v->id);
		}
		return EXIT_RESUME;
	}
	/* INS always writes ES:rDI (no override); OUTS reads DS:rSI or the override. */
	sreg = in ? SEG_ES : seg_from_prefix(insn.seg, SEG_DS);
	cross_check_exit_info(&insn, in, sreg);

	op = (struct strio_op){
		.port = port,
		.size = (u8)size,
		.addr_size = (u8)insn.addr_size,
		.in = in,
		.rep = rep,
		.df = rflags & RFLAGS_DF,
		.single = rflags & RFLAGS_TF,
		.mode_bits = vcpu_mode_bits(),
		.pe = vcpu_cr0() & CR0_PE,
	};
	vcpu_seg_state(sreg, &op.seg);
	vcpu_walk_ctx(v, &c.walk);
	c.access = gwalk_access(vcpu_cpl(), in ? GW_WRITE : GW_READ);

	res = strio_run(&op, &r, &env, &done);
	/* Whatever happened, the iterations done are done. */
	v->regs.rcx = r.rcx;
	v->regs.rsi = r.rsi;
	v->regs.rdi = r.rdi;
	switch (res) {
	case STRIO_DONE:
		vcpu_skip_instruction(v);
		break;
	case STRIO_MORE:
		iteration_boundary(v);
		break;
	case STRIO_SEG_FAULT:
		if (done)
			iteration_boundary(v);
		vcpu_inject_exception(v, sreg == SEG_SS ? 12 : 13, true, 0);
		break;
	case STRIO_FAULT:
		if (done)
			iteration_boundary(v);
		vcpu_inject_page_fault(v, c.cr2, c.pfec);
		break;
	case STRIO_STOP:
		if (!v->vm->ended)
			vm_end(v->vm, VM_STOPPED, 0,
			       "string I/O on port 0x%x could not be emulated", port);
		break;
	}
	return v->vm->ended ? EXIT_RESCHED : EXIT_RESUME;
}
