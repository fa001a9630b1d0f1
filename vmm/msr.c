// SPDX-License-Identifier: MIT
/*
 * Guest MSR accesses.  Only the MSRs below exist for a guest; anything
 * else injects #GP(0), logged once per MSR per VM.  The MSR bitmap
 * (msrmap.c) lets the safe ones run without an exit where the CPU has
 * bitmaps; elsewhere every RDMSR/WRMSR exits and is handled here.  MSRs
 * that VMX does not switch but the guest's SYSCALL/SWAPGS/RDTSCP use in
 * hardware are loaded lazily into the physical CPU when a different vCPU
 * runs there (msr_switch_in).  The guest changes all but TSC_AUX without
 * an exit (SWAPGS, or WRMSR through the bitmap), so those are read back
 * from the CPU when their owner is switched out, and RDMSR reads the live
 * registers.  DR0-3 and DR6 follow the same owner: MOV to and from them
 * runs natively (no MOV-DR exiting), so they are saved when a different
 * vCPU comes in; DR7 and DEBUGCTL are in the VMCS.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmcs.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "vmm/exit.h"
#include "vmm/mm.h"
#include "vmm/msrmap.h"
#include "vmm/vcpu.h"

#define MSR_TSC_ADJUST	  0x3b
#define MSR_MTRRCAP	  0xfe
#define MSR_MISC_ENABLE	  0x1a0
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_TSC_AUX	  0xc0000103

#define EFER_SCE BIT(0)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_NXE BIT(11)

/*
 * IA32_TSC_AUX exists only with RDTSCP (or RDPID); where the CPU has
 * neither, a guest WRMSR to it must #GP here rather than in root mode.
 */
static bool have_tsc_aux(void)
{
	static int have = -1;

	if (have < 0)
		have = !!(cpuid(0x80000001, 0).edx & BIT(27));
	return have;
}

static u8 msr_bitmap[MSR_BITMAP_SIZE] __aligned(PAGE_SIZE);

void msr_setup(void)
{
	msr_bitmap_build(msr_bitmap);
}

u64 msr_bitmap_pa(void)
{
	return virt_to_phys(msr_bitmap);
}

/* What the guest can change without an exit goes back into its vCPU. */
static void save_live(struct vcpu *v)
{
	v->kernel_gs_base = rdmsr(MSR_KERNEL_GS_BASE);
	v->star = rdmsr(MSR_STAR);
	v->lstar = rdmsr(MSR_LSTAR);
	v->cstar = rdmsr(MSR_CSTAR);
	v->fmask = rdmsr(MSR_FMASK);
	v->dr[0] = read_dr0();
	v->dr[1] = read_dr1();
	v->dr[2] = read_dr2();
	v->dr[3] = read_dr3();
	v->dr6 = read_dr6();
}

void msr_forget(struct vcpu *v)
{
	struct percpu *pc = this_cpu();

	if (pc->msr_owner != v)
		return;
	save_live(v);
	pc->msr_owner = NULL;
}

void msr_init_reset(struct vcpu *v)
{
	msr_forget(v);
	memset(v->dr, 0, sizeof(v->dr));
	v->dr6 = DR6_RESET;
}

void msr_switch_in(struct vcpu *v)
{
	struct percpu *pc = this_cpu();

	if (pc->msr_owner == v)
		return;
	if (pc->msr_owner)
		save_live(pc->msr_owner);
	write_dr0(v->dr[0]);
	write_dr1(v->dr[1]);
	write_dr2(v->dr[2]);
	write_dr3(v->dr[3]);
	write_dr6(v->dr6);
	wrmsr(MSR_STAR, v->star);
	wrmsr(MSR_LSTAR, v->lstar);
	wrmsr(MSR_CSTAR, v->cstar);
	wrmsr(MSR_FMASK, v->fmask);
	wrmsr(MSR_KERNEL_GS_BASE, v->kernel_gs_base);
	if (have_tsc_aux())
		wrmsr(MSR_TSC_AUX, v->tsc_aux);
	pc->msr_owner = v;
}

static void log_once(struct vcpu *v, u32 msr, bool write)
{
	struct vm *vm = v->vm;

	if (!vm_first_time(vm, vm->logged_msrs, ARRAY_SIZE(vm->logged_msrs), msr))
		return;
	pr_info("[%s] vcpu%u: %s 0x%x: MSR not available to guests; #GP injected\n", vm->def.name,
		v->id, write ? "WRMSR" : "RDMSR", msr);
}

/* MSRs that belong to Key Locker (the backup MSRs) or the x2APIC. */
static bool kl_and_apic_msr(struct vcpu *v, u32 msr, u64 *val, bool write)
{
	enum kl_msr_result r = write ? kl_wrmsr(v, msr, *val) : kl_rdmsr(v, msr, val);

	if (r != KL_MSR_NOT_MINE)
		return r != KL_MSR_GP;
	if (msr < 0x800 || msr > 0x8ff)
		return false;
	return write ? apic_msr_write(v, msr, *val) : apic_msr_read(v, msr, val);
}

static u64 guest_tsc(void)
{
	return rdtsc() + vmcs_read(TSC_OFFSET);
}

/*
 * IA32_TSC_DEADLINE is in guest TSC terms, the virtual APIC's timer in
 * the host's: convert with the current offset, and again whenever the
 * offset changes, so a deadline follows a guest's TSC write.
 */
static void set_tsc_deadline(struct vcpu *v, u64 val)
{
	u64 now = rdtsc(), guest_now = now + vmcs_read(TSC_OFFSET), host;

	/* Past: due now.  Future: as far ahead on the host, saturating rather than wrapping. */
	if (val <= guest_now) /* the CPU compares the TSC with it unsigned */
		host = now;
	else
		host = now + (val - guest_now) < now ? ~0ULL : now + (val - guest_now);
	vlapic_timer_poll(&v->lapic, now);
	vlapic_set_tsc_deadline(&v->lapic, val, host);
}

static void set_tsc_offset(struct vcpu *v, u64 offset)
{
	vmcs_write64(TSC_OFFSET, offset);
	if (vlapic_tsc_deadline(&v->lapic))
		set_tsc_deadline(v, vlapic_tsc_deadline(&v->lapic));
}

static bool msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_IA32_TSC_DEADLINE:
		vlapic_timer_poll(&v->lapic, rdtsc()); /* reads 0 once it has fired */
		*val = vlapic_tsc_deadline(&v->lapic);
		return true;
	case MSR_IA32_TSC:
		*val = guest_tsc();
		return true;
	case MSR_IA32_APIC_BASE:
		*val = v->lapic.base_msr;
		return true;
	case MSR_IA32_FEATURE_CONTROL:
		*val = FEATURE_CONTROL_LOCKED; /* locked with VMX off */
		return true;
	case MSR_TSC_ADJUST:
		*val = v->tsc_adjust;
		return true;
	case MSR_IA32_SYSENTER_CS:
		*val = vmcs_read(GUEST_SYSENTER_CS);
		return true;
	case MSR_IA32_SYSENTER_ESP:
		*val = vmcs_read(GUEST_SYSENTER_ESP);
		return true;
	case MSR_IA32_SYSENTER_EIP:
		*val = vmcs_read(GUEST_SYSENTER_EIP);
		return true;
	case MSR_IA32_PAT:
		*val = vmcs_read(GUEST_IA32_PAT); /* loaded on entry, saved on exit */
		return true;
	case MSR_MTRRCAP:
	case MSR_MTRR_DEF_TYPE:
		*val = 0;
		return true;
	case MSR_MISC_ENABLE:
		*val = 1; /* fast strings */
		return true;
	case MSR_IA32_EFER:
		*val = vmcs_read(GUEST_IA32_EFER);
		return true;
	case MSR_STAR:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_FMASK:
	case MSR_KERNEL_GS_BASE:
		/* the running vCPU owns them, and may have changed them without an exit */
		*val = rdmsr(msr);
		return true;
	case MSR_FS_BASE:
		*val = vmcs_read(GUEST_FS_BASE);
		return true;
	case MSR_GS_BASE:
		*val = vmcs_read(GUEST_GS_BASE);
		return true;
	case MSR_TSC_AUX:
		*val = v->tsc_aux;
		return have_tsc_aux();
	default:
		return kl_and_apic_msr(v, msr, val, false);
	}
}

static bool write_efer(struct vcpu *v, u64 val)
{
	u64 cur = vmcs_read(GUEST_IA32_EFER);
	/* Each bit only where CPUID 0x80000001 (passed through) shows its feature: SYSCALL, LM, NX. */
	u32 edx = cpuid(0x80000001, 0).edx;
	u64 known = (edx & BIT(11) ? EFER_SCE : 0) | (edx & BIT(29) ? EFER_LME | EFER_LMA : 0) |
		    (edx & BIT(20) ? EFER_NXE : 0);

	(void)v;
	if (val & ~known)
		return false;
	/* LME cannot change while paging is on; LMA is the CPU's, not writable. */
	if ((vcpu_cr0() & CR0_PG) && ((val ^ cur) & EFER_LME))
		return false;
	vmcs_write64(GUEST_IA32_EFER, (val & ~EFER_LMA) | (cur & EFER_LMA));
	return true;
}

/* A write to a lazily switched MSR goes to the hardware too: @v owns it now. */
static bool write_lazy(u64 *slot, u32 msr, u64 val, bool need_canonical)
{
	if (need_canonical && !is_canonical(val))
		return false;
	*slot = val;
	wrmsr(msr, val);
	return true;
}

static bool msr_write(struct vcpu *v, u32 msr, u64 val)
{
	switch (msr) {
	case MSR_IA32_TSC: {
		u64 old = guest_tsc();

		set_tsc_offset(v, val - rdtsc());
		v->tsc_adjust += val - old; /* as hardware keeps TSC_ADJUST in step */
		return true;
	}
	case MSR_TSC_ADJUST:
		set_tsc_offset(v, vmcs_read(TSC_OFFSET) + (val - v->tsc_adjust));
		v->tsc_adjust = val;
		return true;
	case MSR_IA32_TSC_DEADLINE:
		set_tsc_deadline(v, val);
		return true;
	case MSR_IA32_APIC_BASE:
		return vlapic_set_base(&v->lapic, val);
	case MSR_IA32_SYSENTER_CS:
		return vmcs_write32(GUEST_SYSENTER_CS, (u32)val);
	case MSR_IA32_SYSENTER_ESP:
		return is_canonical(val) && vmcs_writenat(GUEST_SYSENTER_ESP, val);
	case MSR_IA32_SYSENTER_EIP:
		return is_canonical(val) && vmcs_writenat(GUEST_SYSENTER_EIP, val);
	case MSR_IA32_PAT:
		/* Each byte must be a valid memory type: 0, 1, 4, 5, 6 or 7. */
		for (int i = 0; i < 8; i++) {
			u8 t = (val >> (8 * i)) & 0xff;

			if (t > 7 || t == 2 || t == 3)
				return false;
		}
		return vmcs_write64(GUEST_IA32_PAT, val);
	case MSR_MTRR_DEF_TYPE:
	case MSR_MISC_ENABLE:
		return true; /* accepted and ignored */
	case MSR_IA32_EFER:
		return write_efer(v, val);
	case MSR_STAR:
		return write_lazy(&v->star, msr, val, false);
	case MSR_LSTAR:
		return write_lazy(&v->lstar, msr, val, true);
	case MSR_CSTAR:
		return write_lazy(&v->cstar, msr, val, true);
	case MSR_FMASK:
		return write_lazy(&v->fmask, msr, val & 0xffffffff, false);
	case MSR_KERNEL_GS_BASE:
		return write_lazy(&v->kernel_gs_base, msr, val, true);
	case MSR_TSC_AUX:
		if (!have_tsc_aux() || (val >> 32))
			return false;
		return write_lazy(&v->tsc_aux, msr, val, false);
	case MSR_FS_BASE:
		return is_canonical(val) && vmcs_writenat(GUEST_FS_BASE, val);
	case MSR_GS_BASE:
		return is_canonical(val) && vmcs_writenat(GUEST_GS_BASE, val);
	default:
		return kl_and_apic_msr(v, msr, &val, true);
	}
}

enum exit_action handle_rdmsr(struct vcpu *v)
{
	u32 msr = (u32)v->regs.rcx;
	u64 val;

	if (!msr_read(v, msr, &val)) {
		log_once(v, msr, false);
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	v->regs.rax = (u32)val;
	v->regs.rdx = val >> 32;
	vcpu_skip_instruction(v);
	return EXIT_RESUME;
}

enum exit_action handle_wrmsr(struct vcpu *v)
{
	u32 msr = (u32)v->regs.rcx;
	u64 val = (v->regs.rdx << 32) | (u32)v->regs.rax;

	if (!msr_write(v, msr, val)) {
		u64 cur;

		/* An invalid value for an MSR that exists is the guest's business. */
		if (!msr_read(v, msr, &cur))
			log_once(v, msr, true);
		vcpu_inject_gp(v);
		return EXIT_RESUME;
	}
	vcpu_skip_instruction(v);
	return EXIT_RESUME;
}
