// SPDX-License-Identifier: MIT
/* Control-value computation from the VMX capability MSRs. */
#include "arch/x86/vmx_caps.h"

u32 vmx_ctl_adjust(u64 cap, u32 desired, u32 required, u32 *missing)
{
	u32 must1 = (u32)cap, allowed1 = (u32)(cap >> 32);
	u32 v = (desired | required | must1) & allowed1;

	*missing = required & ~v;
	return v;
}

struct ctl_need {
	const char *name;
	u32 bit;
};

/* Returns the name of the first bit of @needs that is missing, or NULL. */
static const char *first_missing(u32 missing, const struct ctl_need *needs, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (missing & needs[i].bit)
			return needs[i].name;
	return missing ? "an unnamed required control" : NULL;
}

/* Required controls must be settable; desired ones are taken where the CPU has them. */
#define REQUIRE(field, cap, desired, table)                                \
	do {                                                               \
		u32 req = 0, miss;                                         \
		const char *why;                                           \
		for (unsigned i = 0; i < ARRAY_SIZE(table); i++)           \
			req |= (table)[i].bit;                             \
		out->field = vmx_ctl_adjust((cap), (desired), req, &miss); \
		why = first_missing(miss, (table), ARRAY_SIZE(table));     \
		if (why)                                                   \
			return why;                                        \
	} while (0)

const char *vmx_compute_controls(const struct vmx_caps *caps, struct vmx_controls *out)
{
	static const struct ctl_need pin_need[] = {
		{ "external-interrupt exiting", PIN_EXTINT_EXITING },
		{ "NMI exiting", PIN_NMI_EXITING },
		/* Guests get NMIs; the CPU tracks their blocking until the handler's IRET. */
		{ "virtual NMIs", PIN_VIRTUAL_NMIS },
		{ "VMX-preemption timer", PIN_PREEMPTION_TIMER },
	};
	static const struct ctl_need proc_need[] = {
		{ "TSC offsetting", CPU_TSC_OFFSETTING },
		{ "HLT exiting", CPU_HLT_EXITING },
		/* Native MWAIT could park the CPU where the preemption timer stops. */
		{ "MWAIT exiting", CPU_MWAIT_EXITING },
		{ "MONITOR exiting", CPU_MONITOR_EXITING },
		/* The PMU is hidden: RDPMC would read the host's counters. */
		{ "RDPMC exiting", CPU_RDPMC_EXITING },
		/* CR8 is the virtual APIC's TPR, not the physical one. */
		{ "CR8-load exiting", CPU_CR8_LOAD_EXITING },
		{ "CR8-store exiting", CPU_CR8_STORE_EXITING },
		{ "unconditional I/O exiting", CPU_UNCOND_IO_EXITING },
		{ "secondary controls", CPU_SECONDARY_CONTROLS },
	};
	static const struct ctl_need proc2_need[] = {
		{ "EPT", CPU2_EPT },
		{ "VPID", CPU2_VPID },
		{ "unrestricted guest", CPU2_UNRESTRICTED_GUEST },
		/* A guest must not flush the caches its neighbours share. */
		{ "WBINVD exiting", CPU2_WBINVD_EXITING },
	};
	static const struct ctl_need exit_need[] = {
		{ "host address-space size", EXIT_HOST_ADDR_SPACE_SIZE },
		{ "acknowledge interrupt on exit", EXIT_ACK_INTR },
		{ "save IA32_EFER", EXIT_SAVE_EFER },
		{ "load IA32_EFER", EXIT_LOAD_EFER },
		/* DR7 and DEBUGCTL, and PAT, are switched by the VMCS. */
		{ "save debug controls", EXIT_SAVE_DEBUG },
		{ "save IA32_PAT", EXIT_SAVE_PAT },
		{ "load IA32_PAT", EXIT_LOAD_PAT },
	};
	static const struct ctl_need entry_need[] = {
		{ "load IA32_EFER on entry", ENTRY_LOAD_EFER },
		{ "load debug controls on entry", ENTRY_LOAD_DEBUG },
		{ "load IA32_PAT on entry", ENTRY_LOAD_PAT },
	};

	REQUIRE(pin, caps->pin, 0, pin_need);
	/* Desired: safe, switched MSRs run without an exit (vmm/msrmap.c). */
	REQUIRE(proc, caps->proc, CPU_USE_MSR_BITMAPS, proc_need);
	/*
	 * Desired: RDTSCP and INVPCID run natively where the CPU has them
	 * (CPUID shows them only then); PAUSE-loop exiting gives up the CPU
	 * when a guest spins on a lock whose holder is not running; on SGX
	 * parts ENCLS and ENCLV exit (to #UD) instead of reaching the EPC.
	 */
	REQUIRE(proc2, caps->proc2,
		CPU2_RDTSCP | CPU2_INVPCID | CPU2_PAUSE_LOOP_EXITING | CPU2_ENCLS_EXITING |
			CPU2_ENCLV_EXITING,
		proc2_need);
	/* Desired: the timer keeps its count across exits, so it is armed once per slice. */
	REQUIRE(exit, caps->exit, EXIT_SAVE_PREEMPT_TIMER, exit_need);
	REQUIRE(entry, caps->entry, 0, entry_need);
	/* Toggled at run time, so only its availability is checked here. */
	if (!((caps->proc >> 32) & CPU_INTR_WINDOW_EXITING))
		return "interrupt-window exiting";
	if (!((caps->proc >> 32) & CPU_NMI_WINDOW_EXITING))
		return "NMI-window exiting";
	if (!(caps->ept_vpid & EPT_CAP_WALK_4) || !(caps->ept_vpid & EPT_CAP_WB))
		return "EPT with 4-level walks and write-back memory";
	/* A new VM may get a dead VM's EPT pages, and so its EPTP: stale mappings must go. */
	if (!(caps->ept_vpid & EPT_CAP_INVEPT) || !(caps->ept_vpid & EPT_CAP_INVEPT_SINGLE))
		return "INVEPT (single-context)";
	return NULL;
}
