// SPDX-License-Identifier: MIT
/*
 * The VM-switch hygiene decision (see spec.h).  A CPU without
 * IA32_ARCH_CAPABILITIES is taken to be affected by everything: the
 * NO bits are the only proof of immunity.
 */
#include "arch/x86/spec.h"

/* Any buffer-sampling issue VERW (with MD_CLEAR) mitigates. */
static bool buffers_affected(u64 caps)
{
	bool mds = !(caps & ARCH_CAP_MDS_NO);
	bool taa = !(caps & ARCH_CAP_TAA_NO) && mds;
	bool mmio = !((caps & ARCH_CAP_SBDR_SSDP_NO) && (caps & ARCH_CAP_FBSDP_NO) &&
		      (caps & ARCH_CAP_PSDP_NO));
	bool rfds = !(caps & ARCH_CAP_RFDS_NO);

	return mds || taa || mmio || rfds;
}

struct spec_switch spec_decide(const struct spec_facts *f)
{
	struct spec_switch s = { false, false, false, NULL };
	u64 caps = (f->cpuid7_edx & CPUID7_EDX_ARCH_CAPS) ? f->arch_caps : 0;
	bool l1tf = !(caps & ARCH_CAP_RDCL_NO) && !(caps & ARCH_CAP_SKIP_L1DFL_VMENTRY);

	if (l1tf) {
		if (f->cpuid7_edx & CPUID7_EDX_L1D_FLUSH)
			s.l1d_flush = true;
		else
			s.unmitigated = "L1TF-affected without IA32_FLUSH_CMD (no L1D flush)";
	}
	if (buffers_affected(caps)) {
		if (f->cpuid7_edx & CPUID7_EDX_MD_CLEAR)
			s.verw = true;
		else if (!s.unmitigated)
			s.unmitigated =
				"buffer-sampling-affected without MD_CLEAR (VERW clears nothing)";
	}
	/* IBPB is cheap at this rate (one per switch to a different VM): always, where it exists. */
	s.ibpb = f->cpuid7_edx & CPUID7_EDX_IBRS_IBPB;
	return s;
}
