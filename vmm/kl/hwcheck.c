// SPDX-License-Identifier: MIT
/*
 * The hardware backend's preconditions, in the order the boot log reports
 * them.  Intel's guidance (Linux's Key Locker series): do not use Key
 * Locker unless the GDS mitigation is enabled and locked or the part is
 * not affected, and run VERW after LOADIWKEY on parts affected by RFDS.
 */
#include "vmm/kl/hwcheck.h"

#define TERTIARY_LOADIWKEY_EXITING BIT(0)

static bool gds_safe(const struct kl_hw_facts *f)
{
	if (!f->has_arch_caps)
		return false; /* cannot tell: treat as affected and unmitigated */
	if (f->arch_caps & ARCH_CAP_GDS_NO)
		return true;
	return (f->arch_caps & ARCH_CAP_GDS_CTRL) && !(f->mcu_opt_ctrl & MCU_OPT_GDS_MITG_DIS) &&
	       (f->mcu_opt_ctrl & MCU_OPT_GDS_MITG_LOCK);
}

struct kl_hw_decision kl_hw_decide(const struct kl_hw_facts *f)
{
	struct kl_hw_decision d = { false, NULL, false };

	if (!f->cpuid_kl)
		d.why = "the CPU has no Key Locker (CPUID.7.0:ECX[23] = 0)";
	else if (!f->cr4_kl_allowed)
		d.why = "CR4.KL is not allowed in VMX operation (IA32_VMX_CR4_FIXED1 bit 19 = 0)";
	else if (!f->aeskle)
		d.why = "AESKLE stays 0 with CR4.KL set (Key Locker disabled by the firmware)";
	else if (!f->tertiary_allowed || !(f->tertiary_caps & TERTIARY_LOADIWKEY_EXITING))
		d.why = "no LOADIWKEY exiting (tertiary VM-execution controls)";
	else if (!gds_safe(f))
		d.why = "the GDS mitigation is neither enabled and locked nor unneeded (GDS_NO)";
	if (d.why)
		return d;
	d.usable = true;
	d.verw_after_load = !f->has_arch_caps || !(f->arch_caps & ARCH_CAP_RFDS_NO);
	d.why = d.verw_after_load ? "all checks passed; RFDS-affected: VERW after each load" :
				    "all checks passed";
	return d;
}
