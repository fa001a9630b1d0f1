/* SPDX-License-Identifier: MIT */
/*
 * Can klvisor use the CPU's own Key Locker?  The decision is pure: the
 * facts (CPUID, capability MSRs, mitigation MSRs) come in as data, so the
 * host tests run it against fake CPUs, and the boot log names the first
 * check that failed.
 */
#ifndef VMM_KL_HWCHECK_H
#define VMM_KL_HWCHECK_H

#include "arch/x86/spec.h"
#include "lib/types.h"

/* IA32_ARCH_CAPABILITIES (0x10a; the rest in arch/x86/spec.h) */
#define ARCH_CAP_GDS_CTRL BIT(25)
#define ARCH_CAP_GDS_NO	  BIT(26)
/* IA32_MCU_OPT_CTRL (0x123) */
#define MCU_OPT_GDS_MITG_DIS  BIT(4)
#define MCU_OPT_GDS_MITG_LOCK BIT(5)

struct kl_hw_facts {
	bool cpuid_kl; /* CPUID.(7,0):ECX[23] */
	bool cr4_kl_allowed; /* IA32_VMX_CR4_FIXED1 bit 19 */
	bool aeskle; /* CPUID.19H:EBX[0] after setting host CR4.KL */
	bool tertiary_allowed; /* primary processor-based control 17 may be 1 */
	u64 tertiary_caps; /* IA32_VMX_PROCBASED_CTLS3 (0x492): allowed-1 */
	bool has_arch_caps; /* CPUID.(7,0):EDX[29] */
	u64 arch_caps;
	u64 mcu_opt_ctrl; /* read only when ARCH_CAP_GDS_CTRL */
};

struct kl_hw_decision {
	bool usable;
	const char *why; /* the failed check, or what made it usable */
	bool verw_after_load; /* RFDS-affected part: VERW after LOADIWKEY */
};

struct kl_hw_decision kl_hw_decide(const struct kl_hw_facts *f);

#endif
