// SPDX-License-Identifier: MIT
/*
 * The guest's local APIC as the platform sees it: xAPIC MMIO at
 * 0xfee00000 (the page is left out of the EPT, so every access is an EPT
 * violation that klvisor decodes and emulates; the I/O APIC's page at
 * 0xfec00000 is handled the same way), the x2APIC MSRs, IPI
 * delivery between vCPUs of one VM, and interrupt injection.  Also the EPT
 * violation handler, because any other violation means the guest reached
 * outside its RAM.
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmcs.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/decode.h"
#include "vmm/emulate.h"
#include "vmm/exit.h"
#include "vmm/gwalk.h"
#include "vmm/nmi.h"
#include "vmm/platform.h"
#include "vmm/vcpu.h"

#define EPT_QUAL_READ	     BIT(0)
#define EPT_QUAL_WRITE	     BIT(1)
#define EPT_QUAL_FETCH	     BIT(2)
#define EPT_QUAL_LA_VALID    BIT(7) /* the access was to a guest linear address... */
#define EPT_QUAL_LA_FINAL    BIT(8) /* ...to its translation, not to a paging entry */
#define EXIT_INTR_INFO_VALID BIT(31)

/*
 * A vCPU in guest mode on another CPU sees what was posted for it only at
 * its next exit, which may be a whole slice away: a physical IPI forces
 * one (handle_external_interrupt()).  A halted target needs none: its CPU
 * looks at its IRR and NMI flag whenever it picks a vCPU (sched.c).
 */
void apic_kick(struct vcpu *t)
{
	struct percpu *pc = cpus[t->pcpu];

	if (pc != this_cpu() && pc->current == t && t->state == VCPU_RUNNABLE)
		apic_send_kick(pc->apic_id);
}

static void deliver(struct vcpu *src, struct vcpu *t, u32 icr)
{
	switch (ICR_DELIVERY(icr)) {
	case ICR_DM_FIXED:
	case ICR_DM_LOWEST: /* to the one target send_ipi() chose */
		vlapic_post(&t->lapic, (u8)ICR_VECTOR(icr));
		apic_kick(t);
		break;
	case ICR_DM_NMI:
		vcpu_attn_set(t, ATTN_NMI, true);
		apic_kick(t);
		break;
	case ICR_DM_INIT:
		if (icr & ICR_LEVEL_ASSERT && t != src)
			vcpu_attn_set(t, ATTN_INIT, true); /* the owning CPU resets it */
		break;
	case ICR_DM_STARTUP:
		/* The INIT flag first: ready() (sched.c) sets WAIT_SIPI before it clears it. */
		if (vcpu_attn(t, ATTN_INIT) ||
		    __atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == VCPU_WAIT_SIPI)
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
	bool x2 = vlapic_x2apic(&src->lapic), logical = ipi->icr & ICR_DEST_LOGICAL;
	bool broadcast = x2 ? ipi->dest == 0xffffffff : (ipi->dest & 0xff) == 0xff;

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *t = vm->vcpus[i];
		bool hit = sh == ICR_SH_SELF   ? t == src :
			   sh == ICR_SH_ALL    ? true :
			   sh == ICR_SH_OTHERS ? t != src :
			   broadcast	       ? true :
			   logical	       ? vlapic_match_logical(&t->lapic, ipi->dest, x2) :
						 vlapic_match(&t->lapic, ipi->dest, x2);

		if (!hit)
			continue;
		deliver(src, t, ipi->icr);
		/* Lowest priority: all vCPUs run at the same priority; the first match takes it. */
		if (ICR_DELIVERY(ipi->icr) == ICR_DM_LOWEST)
			break;
	}
}

/* What a register write asked for: an IPI, or an EOI the I/O APIC waits for. */
static void act(struct vcpu *v, const struct apic_ipi *ipi)
{
	if (ipi->send)
		send_ipi(v, ipi);
	if (ipi->level_eoi >= 0)
		platform_level_eoi(v->vm, (u8)ipi->level_eoi);
}

bool apic_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	u32 lo;

	if (!vlapic_x2apic(&v->lapic))
		return false;
	if (!vlapic_read(&v->lapic, (msr - 0x800) << 4, rdtsc(), &lo))
		return false;
	*val = lo;
	return true;
}

bool apic_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	struct apic_ipi ipi;

	if (!vlapic_x2apic(&v->lapic) || (msr != 0x830 && (val >> 32)))
		return false;
	if (!vlapic_write(&v->lapic, (msr - 0x800) << 4, (u32)val, rdtsc(), &ipi))
		return false;
	if (msr == 0x830)
		ipi.dest = val >> 32;
	act(v, &ipi);
	return true;
}

#define INTR_TYPE_NMI (2 << 8)

/*
 * One event per VM entry, an NMI before an interrupt (SDM Vol. 3, 6.9).
 * An event that cannot go now (the entry already carries an exception or
 * a re-injected event, or the guest blocks it) asks for the window exit
 * that says when it can, so it is never held longer than the guest
 * blocks it.
 */
void apic_inject_pending(struct vcpu *v)
{
	bool busy = vmcs_read(VM_ENTRY_INTR_INFO_FIELD) & EXIT_INTR_INFO_VALID;
	u32 intr = (u32)vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
	u32 proc = (u32)vmcs_read(CPU_BASED_VM_EXEC_CONTROL), want = 0;
	bool extint;
	int vec;

	if (vcpu_attn(v, ATTN_NMI)) {
		u32 was = intr;
		bool go = nmi_can_inject(&intr, &v->nmi_in_service, busy);

		if (intr != was)
			vmcs_write_hot(GUEST_INTERRUPTIBILITY_INFO, intr);
		if (!go) {
			want |= CPU_NMI_WINDOW_EXITING;
		} else {
			vcpu_attn_set(v, ATTN_NMI, false);
			vmcs_write_hot(VM_ENTRY_INTR_INFO_FIELD,
				       2 | INTR_TYPE_NMI | EXIT_INTR_INFO_VALID);
			busy = true;
		}
	}
	/* An ExtINT (the PIC) comes from outside the APIC's priority scheme, and first. */
	extint = platform_extint_pending(v);
	vec = extint ? 0 : vlapic_pending(&v->lapic);
	if (extint || vec >= 0) {
		if (!busy && (vmcs_read(GUEST_RFLAGS) & RFLAGS_IF) &&
		    !(intr & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS))) {
			if (extint)
				vec = platform_extint_ack(v); /* the INTA cycle */
			else
				vlapic_ack(&v->lapic, (u8)vec);
			vmcs_write_hot(VM_ENTRY_INTR_INFO_FIELD, (u32)vec | EXIT_INTR_INFO_VALID);
		} else {
			want |= CPU_INTR_WINDOW_EXITING;
		}
	}
	if ((proc | want) != proc)
		vmcs_write_hot(CPU_BASED_VM_EXEC_CONTROL, proc | want);
}

bool apic_wakes_halted(struct vcpu *v, u64 now)
{
	if (vlapic_timer_next(&v->lapic) && now >= vlapic_timer_next(&v->lapic))
		vlapic_timer_poll(&v->lapic, now);
	platform_poll(v, now);
	if (vcpu_attn(v, ATTN_NMI) || vcpu_attn(v, ATTN_INIT))
		return true;
	return v->halt_if && (platform_extint_pending(v) || vlapic_pending(&v->lapic) >= 0);
}

/*
 * Register pages as devices: the xAPIC page and the I/O APIC's.  Each
 * register is the first 4 bytes of a 16-byte slot, and the SDM (Vol. 3,
 * 11.4.1) and the 82093AA data sheet ask for aligned 32-bit accesses only;
 * compilers and hand-written kernels also use narrower and wider ones (a
 * MOVZX of the version byte, a byte write of IOREGSEL, a 64-bit load), so
 * klvisor defines them: within one slot, a read returns the slot's bytes
 * (the register, then zeros) and a write merges its bytes into the
 * register, the bytes beyond it being reserved and ignored.  An access
 * that crosses into the next slot stops the VM.
 */
struct mmio_page {
	const char *name;
	/* @reg is the slot's offset; false: a reserved slot (reads as zero) */
	bool (*read)(struct vcpu *v, u32 reg, u32 *val);
	void (*write)(struct vcpu *v, u32 reg, u32 val);
};

struct mmio_access {
	const struct mmio_page *page;
	struct vcpu *v;
	u32 off;
};

static bool xapic_reg_read(struct vcpu *v, u32 reg, u32 *val)
{
	return vlapic_read(&v->lapic, reg, rdtsc(), val);
}

static void xapic_reg_write(struct vcpu *v, u32 reg, u32 val)
{
	struct apic_ipi ipi;

	if (vlapic_write(&v->lapic, reg, val, rdtsc(), &ipi))
		act(v, &ipi);
}

static const struct mmio_page xapic_page = { "local APIC", xapic_reg_read, xapic_reg_write };
static const struct mmio_page ioapic_page = { "I/O APIC", platform_ioapic_read,
					      platform_ioapic_write };

static const char *slot_read(const struct mmio_access *a, unsigned size, u32 *reg)
{
	if ((a->off & 0xf) + size > 16)
		return "access crosses a 16-byte register slot";
	if (!a->page->read(a->v, a->off & ~0xfU, reg))
		*reg = 0;
	return NULL;
}

static const char *mmio_read(void *ctx, unsigned size, u64 *val)
{
	const struct mmio_access *a = ctx;
	u8 slot[16] = { 0 };
	u32 reg;
	const char *err = slot_read(a, size, &reg);

	if (err)
		return err;
	memcpy(slot, &reg, 4);
	*val = 0;
	memcpy(val, slot + (a->off & 0xf), size);
	return NULL;
}

static const char *mmio_write(void *ctx, unsigned size, u64 val)
{
	const struct mmio_access *a = ctx;
	unsigned at = a->off & 0xf;
	u8 slot[16];
	u32 reg = 0;
	const char *err;

	if (at == 0 && size >= 4) {
		reg = (u32)val; /* the common case, no read first; the bytes past 4 are dropped */
	} else {
		err = slot_read(a, size, &reg);
		if (err)
			return err;
		if (at >= 4)
			return NULL; /* only reserved bytes */
		memcpy(slot, &reg, 4);
		memcpy(slot + at, &val, size); /* bytes past the register are dropped */
		memcpy(&reg, slot, 4);
	}
	a->page->write(a->v, a->off & ~0xfU, reg);
	return NULL;
}

/* Guest registers in and out of the emulator: RSP and RFLAGS live in the VMCS. */
static void regs_in(struct vcpu *v, struct emu_regs *r)
{
	memcpy(r->gpr, &v->regs, sizeof(r->gpr));
	r->gpr[4] = vmcs_read(GUEST_RSP);
	r->rflags = vmcs_read(GUEST_RFLAGS);
}

static void regs_out(struct vcpu *v, const struct emu_regs *r, const struct emu_regs *old)
{
	u64 rsp = v->regs.rsp_unused;

	memcpy(&v->regs, r->gpr, sizeof(r->gpr));
	v->regs.rsp_unused = rsp;
	if (r->gpr[4] != old->gpr[4])
		vmcs_writenat(GUEST_RSP, r->gpr[4]);
	if (r->rflags != old->rflags)
		vmcs_writenat(GUEST_RFLAGS, r->rflags);
}

static const char *mmio_insn(struct vcpu *v, const struct mmio_page *page, u64 gpa)
{
	struct mmio_access a = { page, v, gpa & 0xfff };
	struct emu_dev dev = { mmio_read, mmio_write, &a };
	struct emu_regs r, old;
	struct insn in;
	const char *err;

	err = vcpu_decode_insn(v, &in);
	if (err == vcpu_fetch_fault)
		return NULL; /* the guest takes the #PF */
	if (err)
		return err;
	regs_in(v, &r);
	old = r;
	err = emu_device_insn(&in, &r, &dev);
	if (err)
		return err;
	regs_out(v, &r, &old);
	vcpu_complete_instruction(v, in.len);
	return NULL;
}

/*
 * Only an instruction's own data access to a device page can be emulated:
 * the emulator takes the instruction at RIP and gives its memory operand
 * the device register.  An access made by event delivery (the IDT gate,
 * the stack pushes, the TSS or GDT: the IDT-vectoring field is valid, SDM
 * Vol. 3C "Information for VM Exits That Occur During Event Delivery") or
 * by the page walk (a paging entry on the page: bit 8 of the exit
 * qualification clear, "Exit Qualification for EPT Violations") is not
 * the instruction's, and emulating the instruction for it would do
 * something else entirely.  Returns what touched the page, or NULL when
 * it was the instruction.
 */
static const char *device_page_misuse(u64 qual)
{
	if (vmcs_read(IDT_VECTORING_INFO_FIELD) & BIT(31))
		return "event delivery (an IDT, GDT, TSS or stack there) touched";
	if ((qual & (EPT_QUAL_LA_VALID | EPT_QUAL_LA_FINAL)) !=
	    (EPT_QUAL_LA_VALID | EPT_QUAL_LA_FINAL))
		return "a page walk (page tables there) touched";
	return NULL;
}

enum exit_action handle_ept_violation(struct vcpu *v)
{
	u64 qual = vmcs_read(EXIT_QUALIFICATION);
	u64 gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
	const char *what = qual & EPT_QUAL_FETCH ? "fetch" :
			   qual & EPT_QUAL_WRITE ? "write" :
						   "read";
	const struct mmio_page *page = NULL;
	const char *err;

	if ((gpa & ~0xfffULL) == APIC_DEFAULT_BASE && (v->lapic.base_msr & APIC_BASE_EN) &&
	    !vlapic_x2apic(&v->lapic))
		page = &xapic_page;
	else if ((gpa & ~0xfffULL) == IOAPIC_BASE)
		page = &ioapic_page;
	if (page && !(qual & EPT_QUAL_FETCH)) {
		char hex[3 * INSN_MAX_LEN + 1] = "none";
		u8 bytes[INSN_MAX_LEN];
		size_t n;

		err = device_page_misuse(qual);
		if (err) {
			vm_end(v->vm, VM_STOPPED, 0, "%s the %s page at offset 0x%lx: not emulated",
			       err, page->name, gpa & 0xfff);
			return EXIT_RESCHED;
		}
		err = mmio_insn(v, page, gpa);
		if (!err)
			return EXIT_RESUME;
		/* the bytes for the message: fetched again, off the fast path */
		n = vcpu_insn_bytes(v, bytes);
		for (unsigned i = 0, at = 0; i < n; i++)
			at += snprintf(hex + at, sizeof(hex) - at, "%s%02x", i ? " " : "",
				       bytes[i]);
		vcpu_dump(v);
		vm_end(v->vm, VM_STOPPED, 0,
		       "unhandled %s access at offset 0x%lx: %s (instruction bytes: %s)",
		       page->name, gpa & 0xfff, err, hex);
		return EXIT_RESCHED;
	}
	vcpu_dump(v);
	vm_end(v->vm, VM_STOPPED, 0, "%s of guest-physical 0x%lx outside its memory (RIP %lx)",
	       what, gpa, vmcs_read(GUEST_RIP));
	return EXIT_RESCHED;
}
