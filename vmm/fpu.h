/* SPDX-License-Identifier: MIT */
/*
 * Guest vector state (x87, SSE, AVX and XCR0).  klvisor never uses vector
 * registers itself, so a guest's state stays in the hardware while its
 * vCPU runs and between its slices; it is saved and restored only when a
 * different vCPU takes the physical CPU.
 */
#ifndef VMM_FPU_H
#define VMM_FPU_H

#include "vmm/vm.h"

/*
 * Bytes of a vCPU's save area, whole pages: @xsave_max is CPUID.(0xD,0):ECX
 * (0 without XSAVE: the 512-byte FXSAVE image).
 */
static inline size_t fpu_area_bytes(u32 xsave_max)
{
	return ALIGN_UP(xsave_max > 512 ? (size_t)xsave_max : 512, PAGE_SIZE);
}
/* The save area this CPU needs (callable before fpu_init). */
size_t fpu_area_size(void);

/* Pick XSAVE or FXSAVE for the calling CPU (all CPUs are alike). */
void fpu_init(void);
/* The XCR0 bits a guest may enable: those its save area holds. */
u64 fpu_guest_xcr0_mask(void);
/*
 * CR4 bits klvisor must own because the state they enable is not
 * switched: CR4.PKE when PKRU is not an XSAVE component here.
 */
u64 fpu_cr4_denied(void);
/* Prepare @v's save area with the reset values of FCW and MXCSR. */
void fpu_reset_area(struct vcpu *v);
/* Make @v's vector state the live one on this CPU. */
void fpu_switch_to(struct vcpu *v);
/*
 * Forget @v as this CPU's owner (its VM ended), after resetting its live
 * registers; true if they were live here.
 */
bool fpu_forget(struct vcpu *v);
/* test.wipecheck: are XMM0-15 of this CPU all zero (after fpu_forget())? */
bool fpu_live_xmm_clear(void);
/* INIT: keep the registers, reset XCR0 to 1 (call on @v's CPU). */
void fpu_init_reset(struct vcpu *v);

/*
 * Emulation access to the running vCPU's XMM registers: _begin spills the
 * live state into v->fpu and returns XMM0 (XMMn is 16 * n bytes further);
 * _end makes the possibly changed copy live again.
 */
u8 *fpu_xmm_begin(struct vcpu *v);
void fpu_xmm_end(struct vcpu *v);
/*
 * Read the running vCPU's XMM@n (0-15) into @out without saving or
 * touching any other state: a store from the live register (from the
 * saved image if another vCPU's state is live, which exits of @v itself
 * never see).
 */
void fpu_xmm_read(struct vcpu *v, unsigned n, u8 out[16]);

#endif
