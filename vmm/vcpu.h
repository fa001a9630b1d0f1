/* SPDX-License-Identifier: MIT */
/* vCPU life cycle: VMCS creation and the architectural reset states. */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include "arch/x86/cpu.h"
#include "arch/x86/vmcs.h"
#include "vmm/decode.h"
#include "vmm/gwalk.h"
#include "vmm/segment.h"
#include "vmm/vm.h"

/* Allocate and fill @v's VMCS on the calling CPU (which must be v->pcpu). */
bool vcpu_init_vmcs(struct vcpu *v);
/* Multiboot entry state: 32-bit flat protected mode, paging off. */
void vcpu_set_multiboot_state(struct vcpu *v, u32 entry, u32 mbi);
/* After a SIPI: real mode at vector << 12. */
void vcpu_set_sipi_state(struct vcpu *v, u8 vector);
/*
 * The current VMCS's controls (klvisor's base set minus @pin_clear), VPID,
 * EPT, CR masks and host state: shared by vCPUs and the VMX self-test.
 */
bool vmcs_set_controls(u16 vpid, u64 eptp, u32 pin_clear);
/* Real mode at CS = vector << 8, IP = 0, as after a SIPI (no vCPU needed). */
bool vmcs_set_real_mode_state(u8 vector);
/* Make @v's VMCS current on this CPU if it is not already. */
void vcpu_load(struct vcpu *v);

/* Guest register n (x86 numbering; 4 is RSP, which lives in the VMCS). */
u64 vcpu_gpr(struct vcpu *v, unsigned n);
void vcpu_set_gpr(struct vcpu *v, unsigned n, u64 val);

/* 16, 32 or 64: the code size the current CS runs at. */
unsigned vcpu_mode_bits(void);
/* The same from CS's access rights and EFER already read (LMA, bit 10). */
static inline unsigned vcpu_mode_bits_of(u64 cs_ar, u64 efer)
{
	if ((cs_ar & SEG_AR_L) && (efer & BIT(10)))
		return 64;
	return (cs_ar & SEG_AR_DB) ? 32 : 16;
}

/*
 * Finish an instruction klvisor carried out for the guest: advance RIP by
 * @len, end STI/MOV SS blocking, and leave a single-step #DB pending if
 * RFLAGS.TF is set, as the CPU would after executing it.
 * vcpu_end_instruction() is its second half, for a caller that has
 * already worked out the next RIP and read RFLAGS.
 */
void vcpu_single_step_trap(void);
/* Inline: every instruction-caused exit ends here. */
static inline void vcpu_end_instruction(u64 next_rip, u64 rflags)
{
	u32 intr = (u32)vmcs_read(GUEST_INTERRUPTIBILITY_INFO);

	vmcs_write_hot(GUEST_RIP, next_rip);
	if (intr & 3)
		vmcs_write_hot(GUEST_INTERRUPTIBILITY_INFO, intr & ~3U);
	if (rflags & RFLAGS_TF)
		vcpu_single_step_trap();
}
static inline void vcpu_complete_instruction(struct vcpu *v, u64 len)
{
	u64 rip = vmcs_read(GUEST_RIP) + len;

	(void)v;
	/*
	 * Outside 64-bit code RIP wraps at 4 GiB; the mode read only when it
	 * could matter.  CS.L alone is not 64-bit code: VMX keeps it as loaded
	 * outside IA-32e mode too.
	 */
	if (rip > 0xffffffff &&
	    vcpu_mode_bits_of(vmcs_read(GUEST_CS_AR_BYTES), vmcs_read(GUEST_IA32_EFER)) != 64)
		rip &= 0xffffffff;
	vcpu_end_instruction(rip, vmcs_read(GUEST_RFLAGS));
}
/* The same for the instruction that caused this exit (its length is in the VMCS). */
static inline void vcpu_skip_instruction(struct vcpu *v)
{
	vcpu_complete_instruction(v, vmcs_read(VM_EXIT_INSTRUCTION_LEN));
}
/* Queue a hardware exception for the next VM entry. */
void vcpu_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error);
/* A #PF at linear address @la with error code @pfec (CR2 := @la). */
void vcpu_inject_page_fault(struct vcpu *v, u64 la, u32 pfec);
static inline void vcpu_inject_gp(struct vcpu *v)
{
	vcpu_inject_exception(v, 13, true, 0);
}
static inline void vcpu_inject_ud(struct vcpu *v)
{
	vcpu_inject_exception(v, 6, false, 0);
}

/* CR0 bits klvisor owns: NE must stay set in VMX, PG decides IA-32e mode. */
#define CR0_OWNED (CR0_NE | CR0_PG)

/* CR0 as the guest wrote it (owned bits from the read shadow). */
static inline u64 vcpu_cr0(void)
{
	return (vmcs_read(GUEST_CR0) & ~CR0_OWNED) | (vmcs_read(CR0_READ_SHADOW) & CR0_OWNED);
}
/* CR4 as the guest wrote it. */
static inline u64 vcpu_cr4(void)
{
	u64 owned = vmcs_read(CR4_GUEST_HOST_MASK);

	return (vmcs_read(GUEST_CR4) & ~owned) | (vmcs_read(CR4_READ_SHADOW) & owned);
}
/* Paging state for walking the current vCPU's page tables, with RFLAGS already read. */
static inline void vcpu_walk_ctx_rflags(struct vcpu *v, struct gwalk_ctx *c, u64 rflags)
{
	c->ram = v->vm->ram;
	c->ram_size = v->vm->ram_size;
	c->cr0 = vcpu_cr0();
	c->cr3 = vmcs_read(GUEST_CR3);
	c->cr4 = vcpu_cr4();
	c->efer = vmcs_read(GUEST_IA32_EFER);
	c->ac = !!(rflags & RFLAGS_AC);
	c->id = 0;
}
/* The same, reading RFLAGS. */
void vcpu_walk_ctx(struct vcpu *v, struct gwalk_ctx *c);

/*
 * Fetch (through the guest's paging, at its CPL) and decode the
 * instruction at CS:RIP; NULL or why not.  If the fetch itself faulted,
 * the #PF is already injected and the result is vcpu_fetch_fault: the
 * caller only resumes the guest.
 */
const char *vcpu_decode_insn(struct vcpu *v, struct insn *in);
/* The bytes at the guest's CS:RIP (up to 15, as many as are fetchable), for messages. */
size_t vcpu_insn_bytes(struct vcpu *v, u8 *bytes);
extern const char vcpu_fetch_fault[];
/*
 * The CPL is SS.DPL in every mode: the VMCS's SS DPL always equals it (SDM
 * Vol. 3C, 24.4.1), and VM entry refuses a real-mode guest whose SS DPL
 * is not 0 (26.3.1.2), so no CR0.PE test is needed.
 */
static inline unsigned vcpu_cpl(void)
{
	return (vmcs_read(GUEST_SS_AR_BYTES) >> 5) & 3;
}
/*
 * The linear address of CS:@rip in code of @mode_bits: 64-bit code
 * ignores CS's base (SDM Vol. 3A, 3.4.4), other code wraps at 4 GiB.
 */
static inline u64 vcpu_code_la(unsigned mode_bits, u64 rip)
{
	return mode_bits == 64 ? rip : (u32)(vmcs_read(GUEST_CS_BASE) + rip);
}
/* Segment register @sreg (SEG_ES ... SEG_GS) as segment checks see it (base 0 where 64-bit mode ignores it). */
void vcpu_seg_state(unsigned sreg, struct seg_state *s);
/*
 * The linear address of @len bytes at offset @off of segment @sreg, with
 * the checks of seg_linear(); on a fault #GP(0) (#SS(0) for SS) is
 * injected and false returned.
 */
bool vcpu_segment_linear(struct vcpu *v, unsigned sreg, u64 off, unsigned len, bool write, u64 *la);
/* The segment a memory operand uses: an override, else SS for RSP/RBP bases, else DS. */
unsigned vcpu_operand_segment(const struct insn *in);
/*
 * Read @len bytes of a memory operand at effective address @ea as the
 * guest would: segmentation, canonical and limit checks (#GP/#SS), paging
 * with the access rights of the current CPL (#PF with CR2).  On a fault
 * the exception is injected and false returned; an access outside guest
 * RAM stops the VM (false).
 */
bool vcpu_read_operand(struct vcpu *v, const struct insn *in, u64 ea, void *buf, size_t len);

/* Log the vCPU's architectural state (for triple faults and stray accesses). */
void vcpu_dump(struct vcpu *v);

#endif
