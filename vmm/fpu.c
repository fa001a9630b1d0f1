// SPDX-License-Identifier: MIT
/* Lazy switching of guest vector state with XSAVE (or FXSAVE). */
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "lib/string.h"
#include "vmm/fpu.h"
#include "vmm/xcr0.h"

/* Offsets in the legacy (FXSAVE) region, which XSAVE shares. */
#define FCW_OFF	      0
#define MXCSR_OFF     24
#define XMM_OFF	      160
#define XSTATE_BV_OFF 512
#define XSTATE_SSE    BIT(1)
#define FCW_RESET     0x37f
#define MXCSR_RESET   0x1f80

static bool use_xsave;
static u64 xsave_mask; /* every XCR0 component: the save area holds them all */

static bool have_xsave(void)
{
	return (cpuid(1, 0).ecx & BIT(26)) && (read_cr4() & CR4_OSXSAVE);
}

/*
 * Every component the guest can enable must be switched, so the area is
 * as large as CPUID.(0xD,0):ECX says XSAVE of all of them needs (AMX
 * alone is 8 KiB), never cut down to fit a page.
 */
size_t fpu_area_size(void)
{
	return fpu_area_bytes(have_xsave() ? cpuid(0xd, 0).ecx : 0);
}

void fpu_init(void)
{
	struct cpuid_regs d;

	use_xsave = have_xsave();
	if (!use_xsave)
		return;
	d = cpuid(0xd, 0);
	xsave_mask = ((u64)d.edx << 32) | d.eax;
}

u64 fpu_guest_xcr0_mask(void)
{
	return use_xsave ? xsave_mask : 0;
}

u64 fpu_cr4_denied(void)
{
	return (fpu_guest_xcr0_mask() & XFEATURE_PKRU) ? 0 : CR4_PKE;
}

void fpu_reset_area(struct vcpu *v)
{
	u8 *a = v->fpu;

	memset(a, 0, fpu_area_size());
	*(u16 *)(a + FCW_OFF) = FCW_RESET;
	*(u32 *)(a + MXCSR_OFF) = MXCSR_RESET;
}

/*
 * Save and restore with every component enabled in XCR0, whatever the
 * guest enabled: a guest using SSE without XCR0.SSE must keep its XMM
 * registers too.  The guest's own XCR0 goes back afterwards.
 */
static void save(struct vcpu *v)
{
	if (use_xsave) {
		xsetbv(0, xsave_mask);
		xsave(v->fpu, ~0ULL);
	} else {
		fxsave(v->fpu);
	}
}

static void restore(struct vcpu *v)
{
	if (use_xsave) {
		xsetbv(0, xsave_mask);
		xrstor(v->fpu, ~0ULL);
		xsetbv(0, v->xcr0);
	} else {
		fxrstor(v->fpu);
	}
}

void fpu_switch_to(struct vcpu *v)
{
	struct percpu *pc = this_cpu();
	struct vcpu *from = pc->fpu_owner;

	if (from == v)
		return;
	if (from)
		save(from);
	restore(v);
	pc->fpu_owner = v;
}

bool fpu_forget(struct vcpu *v)
{
	struct percpu *pc = this_cpu();

	if (pc->fpu_owner != v)
		return false;
	/*
	 * Its registers are still live here, and would stay until another
	 * vCPU runs on this CPU, which may be never: load the reset state
	 * (a cleared area: XSTATE_BV 0 is every component's initial value).
	 */
	fpu_reset_area(v);
	restore(v);
	pc->fpu_owner = NULL;
	return true;
}

bool fpu_live_xmm_clear(void)
{
	u8 image[512] __attribute__((aligned(16)));

	memset(image, 0xff, sizeof(image)); /* what FXSAVE did not store reads as dirty */
	fxsave(image);
	return mem_is_zero(image + 160, 16 * 16); /* XMM0-15 */
}

void fpu_init_reset(struct vcpu *v)
{
	struct percpu *pc = this_cpu();

	/* INIT keeps the x87/SSE/AVX registers (SDM Vol. 3, states after INIT); XCR0 becomes 1. */
	if (pc->fpu_owner == v) {
		save(v);
		pc->fpu_owner = NULL;
	}
	v->xcr0 = 1;
}

u8 *fpu_xmm_begin(struct vcpu *v)
{
	u8 *a = v->fpu;

	save(v);
	/* XSAVE skips components in their initial state: all-zero XMM registers. */
	if (use_xsave && !(*(u64 *)(a + XSTATE_BV_OFF) & XSTATE_SSE)) {
		memset(a + XMM_OFF, 0, 16 * 16);
		*(u64 *)(a + XSTATE_BV_OFF) |= XSTATE_SSE;
	}
	return a + XMM_OFF;
}

void fpu_xmm_end(struct vcpu *v)
{
	restore(v);
}

#define XMM_STORE(n)                                                                  \
	case n:                                                                       \
		__asm__ volatile("movdqu %%xmm" #n ", (%0)" : : "r"(out) : "memory"); \
		break

void fpu_xmm_read(struct vcpu *v, unsigned n, u8 out[16])
{
	const u8 *a = v->fpu;

	n &= 15;
	if (this_cpu()->fpu_owner != v) {
		/* Not live here (never the case during the vCPU's own exits): the saved image. */
		if (use_xsave && !(*(const u64 *)(a + XSTATE_BV_OFF) & XSTATE_SSE))
			memset(out, 0, 16); /* SSE in its initial state: all zero */
		else
			memcpy(out, a + XMM_OFF + 16 * n, 16);
		return;
	}
	/* A store reads the register without changing it, and touches no other. */
	switch (n) {
		XMM_STORE(0);
		XMM_STORE(1);
		XMM_STORE(2);
		XMM_STORE(3);
		XMM_STORE(4);
		XMM_STORE(5);
		XMM_STORE(6);
		XMM_STORE(7);
		XMM_STORE(8);
		XMM_STORE(9);
		XMM_STORE(10);
		XMM_STORE(11);
		XMM_STORE(12);
		XMM_STORE(13);
		XMM_STORE(14);
		XMM_STORE(15);
	}
}
