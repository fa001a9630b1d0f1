/* SPDX-License-Identifier: MIT */
/*
 * Transient-execution hygiene between VMs: what a CPU must do when the
 * next VM to run on it is a different VM than the last one.  The decision
 * is pure (CPUID and IA32_ARCH_CAPABILITIES come in as data) so host tests
 * can feed it any CPU; docs/security.md lists the outcome per CPU family.
 */
#ifndef ARCH_X86_SPEC_H
#define ARCH_X86_SPEC_H

#include "lib/types.h"

/* CPUID.(7,0):EDX */
#define CPUID7_EDX_MD_CLEAR  BIT(10) /* VERW clears the CPU buffers */
#define CPUID7_EDX_IBRS_IBPB BIT(26) /* IA32_PRED_CMD.IBPB */
#define CPUID7_EDX_L1D_FLUSH BIT(28) /* IA32_FLUSH_CMD.L1D_FLUSH */
#define CPUID7_EDX_ARCH_CAPS BIT(29) /* IA32_ARCH_CAPABILITIES */

/* IA32_ARCH_CAPABILITIES (0x10a) */
#define ARCH_CAP_RDCL_NO	    BIT(0) /* not affected by L1TF/Meltdown */
#define ARCH_CAP_SKIP_L1DFL_VMENTRY BIT(3) /* no L1D flush needed before VM entry */
#define ARCH_CAP_MDS_NO		    BIT(5)
#define ARCH_CAP_TAA_NO		    BIT(8)
#define ARCH_CAP_SBDR_SSDP_NO	    BIT(13) /* MMIO stale data: */
#define ARCH_CAP_FBSDP_NO	    BIT(14)
#define ARCH_CAP_PSDP_NO	    BIT(15)
#define ARCH_CAP_RFDS_NO	    BIT(27)

#define MSR_IA32_PRED_CMD	   0x49
#define MSR_IA32_FLUSH_CMD	   0x10b
#define MSR_IA32_ARCH_CAPABILITIES 0x10a

struct spec_facts {
	u32 cpuid7_edx;
	u64 arch_caps; /* 0 if the CPU has no IA32_ARCH_CAPABILITIES: assume affected */
};

struct spec_switch {
	bool l1d_flush; /* IA32_FLUSH_CMD before entering a different VM (L1TF) */
	bool verw; /* VERW before entering a different VM (MDS, TAA, MMIO, RFDS) */
	bool ibpb; /* IA32_PRED_CMD: no branch predictions from the last VM */
	/* Affected, but the CPU offers no way to do it: said loudly at boot. */
	const char *unmitigated;
};

struct spec_switch spec_decide(const struct spec_facts *f);

#endif
