// SPDX-License-Identifier: MIT
/*
 * Control registers, CR8 and XCR0.  klvisor owns CR0.NE (VMX needs it set) and
 * CR0.PG (turning paging on with EFER.LME set enters IA-32e mode, which the
 * VM-entry controls must follow), and CR4.VMXE, CR4.KL and every CR4 bit
 * the CPU cannot set in VMX operation.  Guest writes that touch those bits
 * exit here; the rest run natively.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmcs.h"
#include "lib/printf.h"
#include "vmm/exit.h"
#include "vmm/fpu.h"
#include "vmm/vcpu.h"
#include "vmm/xcr0.h"

#define EFER_LME  BIT(8)
#define EFER_LMA  BIT(10)
#define CR4_PSE	  BIT(4)
#define CR4_PCIDE BIT(17)
#define CR4_SMEP  BIT(20)

#define TSS_BUSY_TYPE 11 /* a busy 32-bit TSS outside IA-32e mode, a busy 64-bit TSS in it */

#define CR_NUM(q)   ((q)&15)
#define CR_TYPE(q)  (((q) >> 4) & 3)
#define CR_GPR(q)   (((q) >> 8) & 15)
#define CR_MOV_TO   0
#define CR_MOV_FROM 1

/*
 * CR8 is the task-priority register of the guest's virtual APIC
 * (TPR[7:4]); it only exists in 64-bit mode, where these exits come from.
 * Without CR8 exiting a guest would set the physical TPR, which the next
 * vCPU on this CPU inherits.
 */
static enum exit_action cr8_access(struct vcpu *v, u64 qual)
{
	if (CR_TYPE(qual) == CR_MOV_FROM) {
		vcpu_set_gpr(v, CR_GPR(qual), (v->lapic.tpr >> 4) & 0xf);
	} else {
		u64 val = vcpu_gpr(v, CR_GPR(qual));

		if (val >> 4) { /* bits 63:4 are reserved */
			vcpu_inject_gp(v);
			return EXIT_RESUME;
		}
		v->lapic.tpr = (u32)val << 4;
	}
	vcpu_skip_instruction(v);
	return EXIT_RESUME;
}

/* PAE paging without IA-32e mode, where the CPU holds four PDPTEs (under EPT, the VMCS's). */
static bool pae_paging(u64 cr0, u64 cr4, u64 efer)
{
	return (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LME);
}

/*
 * The PDPTEs a MOV to CR0 or CR4 loads (SDM Vol. 3A 4.4.1), each read
 * once (another vCPU may be rewriting them) and then checked: a present
 * one with a reserved bit set (2:1, 8:5, 63:MAXPHYADDR) is that MOV's
 * #GP, and so is a CR3 outside the VM's RAM, which reads as all ones.
 */
static bool read_pdptes(struct vcpu *v, u64 pdpte[4])
{
	const u64 *p = gpa_to_hva(v->vm, vmcs_read(GUEST_CR3) & 0xffffffe0, 32);
	u64 reserved = 0x1e6 | ~((1ULL << (cpuid(0x80000008, 0).eax & 0xff)) - 1);

	if (!p)
		return false;
	for (int i = 0; i < 4; i++) {
		pdpte[i] = __atomic_load_n(&p[i], __ATOMIC_RELAXED);
		if ((pdpte[i] & 1) && (pdpte[i] & reserved))
			return false;
	}
	return true;
}

/*
 * The paging state that follows a CR0 or CR4 write already checked:
 * EFER.LMA and the IA-32e-mode entry control follow CR0.PG with EFER.LME
 * (a TR the guest left with a 16-bit TSS type becomes a busy 64-bit TSS,
 * as VM entry requires in IA-32e mode; the CPU itself only looks at TR's
 * type when it next uses it), and @pdpte (when not NULL) are the PDPTEs
 * to load.
 */
static void sync_paging_mode(u64 cr0, const u64 *pdpte)
{
	static const u32 fields[] = { GUEST_PDPTE0, GUEST_PDPTE1, GUEST_PDPTE2, GUEST_PDPTE3 };
	u64 efer = vmcs_read(GUEST_IA32_EFER);
	u32 entry = (u32)vmcs_read(VM_ENTRY_CONTROLS);

	if ((cr0 & CR0_PG) && (efer & EFER_LME)) {
		u32 tr = (u32)vmcs_read(GUEST_TR_AR_BYTES);

		if (!(efer & EFER_LMA) && (tr & 0xf) != TSS_BUSY_TYPE)
			vmcs_write32(GUEST_TR_AR_BYTES, (tr & ~0xfU) | TSS_BUSY_TYPE);
		efer |= EFER_LMA;
		entry |= ENTRY_IA32E_MODE;
	} else {
		efer &= ~EFER_LMA;
		entry &= ~ENTRY_IA32E_MODE;
	}
	for (int i = 0; pdpte && i < 4; i++)
		vmcs_write64(fields[i], pdpte[i]);
	vmcs_write64(GUEST_IA32_EFER, efer);
	vmcs_write32(VM_ENTRY_CONTROLS, entry);
}

/* The changes of CR0 and CR4 bits that make the CPU load the PDPTEs again (SDM Vol. 3A 4.4.1). */
#define CR0_PDPTE_BITS (CR0_PG | CR0_CD | CR0_NW)
#define CR4_PDPTE_BITS (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP)

static bool guest_write_cr0(struct vcpu *v, u64 val)
{
	u64 cr4 = vcpu_cr4(), old = vcpu_cr0(), efer = vmcs_read(GUEST_IA32_EFER), pdpte[4];
	bool load = ((old ^ val) & CR0_PDPTE_BITS) && pae_paging(val, cr4, efer);
	u64 real;

	if (val >> 32)
		return false;
	if ((val & CR0_PG) && !(val & CR0_PE))
		return false;
	if ((val & CR0_NW) && !(val & CR0_CD))
		return false;
	if ((val & CR0_PG) && (efer & EFER_LME) && !(cr4 & CR4_PAE))
		return false;
	/* Paging off is #GP in 64-bit code (the CPU cannot leave IA-32e mode from it) and with PCIDE. */
	if ((old & CR0_PG) && !(val & CR0_PG) && (vcpu_mode_bits() == 64 || (cr4 & CR4_PCIDE)))
		return false;
	if (load && !read_pdptes(v, pdpte))
		return false;
	/* Unrestricted guest: PE and PG are free; every other fixed bit applies. */
	real = (val | (vmx_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG))) & vmx_caps.cr0_fixed1;
	vmcs_writenat(GUEST_CR0, real);
	vmcs_writenat(CR0_READ_SHADOW, val);
	sync_paging_mode(val, load ? pdpte : NULL);
	return true;
}

static bool guest_write_cr4(struct vcpu *v, u64 val)
{
	u64 cr0 = vcpu_cr0(), old = vcpu_cr4(), efer = vmcs_read(GUEST_IA32_EFER), pdpte[4];
	bool load = ((old ^ val) & CR4_PDPTE_BITS) && pae_paging(cr0, val, efer);
	u64 real;

	/*
	 * VMX is hidden, and 5-level paging is not offered (klvisor's guest
	 * page walks are 4-level); CET, PKS and user interrupts keep their
	 * state in MSRs that are not switched; protection keys only where PKRU
	 * is switched; bit 19 (KL) is Key Locker's to decide.
	 */
	if (val & (CR4_DENIED | fpu_cr4_denied() | (~vmx_caps.cr4_fixed1 & ~CR4_KL)))
		return false;
	if ((efer & EFER_LMA) && !(val & CR4_PAE))
		return false;
	/* PCIDE: only in IA-32e mode, and set only with CR3[11:0] clear (they become the PCID). */
	if ((val & CR4_PCIDE) && !(old & CR4_PCIDE) &&
	    (!(efer & EFER_LMA) || (vmcs_read(GUEST_CR3) & 0xfff)))
		return false;
	if (load && !read_pdptes(v, pdpte))
		return false;
	if (!kl_cr4_write(v, val, &real))
		return false;
	vmcs_writenat(GUEST_CR4, real | vmx_caps.cr4_fixed0);
	vmcs_writenat(CR4_READ_SHADOW, val);
	sync_paging_mode(cr0, load ? pdpte : NULL);
	kl_switch_in(v);
	return true;
}

enum exit_action handle_cr_access(struct vcpu *v)
{
	u64 qual = vmcs_read(EXIT_QUALIFICATION);
	u64 val = vcpu_gpr(v, CR_GPR(qual));
	bool ok;

	if (CR_NUM(qual) == 8 && CR_TYPE(qual) <= CR_MOV_FROM)
		return cr8_access(v, qual);
	if (CR_TYPE(qual) != CR_MOV_TO || (CR_NUM(qual) != 0 && CR_NUM(qual) != 4)) {
		vm_end(v->vm, VM_STOPPED, 0, "unexpected control-register exit (qualification %lx)",
		       qual);
		return EXIT_RESCHED;
	}
	if (vcpu_mode_bits() != 64)
		val &= 0xffffffff; /* outside 64-bit mode the source is 32 bits */
	ok = CR_NUM(qual) == 0 ? guest_write_cr0(v, val) : guest_write_cr4(v, val);
	if (!ok)
		vcpu_inject_gp(v);
	else
		vcpu_skip_instruction(v);
	return EXIT_RESUME;
}

enum exit_action handle_xsetbv(struct vcpu *v)
{
	u64 val = (v->regs.rdx << 32) | (u32)v->regs.rax;
	/* Only what klvisor saves and restores across vCPU switches. */
	u64 supported = fpu_guest_xcr0_mask();

	/* Only XCR 0, and only values the CPU accepts: the XSETBV below runs in root mode. */
	if ((u32)v->regs.rcx != 0 || !xcr0_valid(val, supported)) {
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	v->xcr0 = val;
	xsetbv(0, val);
	vcpu_skip_instruction(v);
	return EXIT_RESUME;
}
