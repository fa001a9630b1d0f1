/* SPDX-License-Identifier: MIT */
/*
 * VMX capabilities and the VM-execution controls klvisor asks for.  Pure:
 * the capability MSR values come in as data, so the host tests can feed
 * the values of any CPU model.
 */
#ifndef ARCH_X86_VMX_CAPS_H
#define ARCH_X86_VMX_CAPS_H

#include "lib/types.h"

/* Pin-based controls */
#define PIN_EXTINT_EXITING   BIT(0)
#define PIN_NMI_EXITING	     BIT(3)
#define PIN_VIRTUAL_NMIS     BIT(5)
#define PIN_PREEMPTION_TIMER BIT(6)

/* Primary processor-based controls */
#define CPU_INTR_WINDOW_EXITING BIT(2)
#define CPU_TSC_OFFSETTING	BIT(3)
#define CPU_HLT_EXITING		BIT(7)
#define CPU_INVLPG_EXITING	BIT(9)
#define CPU_MWAIT_EXITING	BIT(10)
#define CPU_RDPMC_EXITING	BIT(11)
#define CPU_CR3_LOAD_EXITING	BIT(15)
#define CPU_CR3_STORE_EXITING	BIT(16)
#define CPU_TERTIARY_CONTROLS	BIT(17)
#define CPU_CR8_LOAD_EXITING	BIT(19)
#define CPU_CR8_STORE_EXITING	BIT(20)
#define CPU_NMI_WINDOW_EXITING	BIT(22)
#define CPU_UNCOND_IO_EXITING	BIT(24)
#define CPU_USE_IO_BITMAPS	BIT(25)
#define CPU_USE_MSR_BITMAPS	BIT(28)
#define CPU_MONITOR_EXITING	BIT(29)
#define CPU_SECONDARY_CONTROLS	BIT(31)

/* Secondary processor-based controls */
#define CPU2_EPT		BIT(1)
#define CPU2_RDTSCP		BIT(3)
#define CPU2_VPID		BIT(5)
#define CPU2_WBINVD_EXITING	BIT(6)
#define CPU2_UNRESTRICTED_GUEST BIT(7)
#define CPU2_PAUSE_LOOP_EXITING BIT(10)
#define CPU2_INVPCID		BIT(12)
#define CPU2_ENCLS_EXITING	BIT(15)
#define CPU2_XSAVES		BIT(20)
#define CPU2_ENCLV_EXITING	BIT(28)

/* VM-exit controls */
#define EXIT_SAVE_DEBUG		  BIT(2)
#define EXIT_HOST_ADDR_SPACE_SIZE BIT(9)
#define EXIT_ACK_INTR		  BIT(15)
#define EXIT_SAVE_PAT		  BIT(18)
#define EXIT_LOAD_PAT		  BIT(19)
#define EXIT_SAVE_EFER		  BIT(20)
#define EXIT_LOAD_EFER		  BIT(21)
#define EXIT_SAVE_PREEMPT_TIMER	  BIT(22)

/* VM-entry controls */
#define ENTRY_LOAD_DEBUG BIT(2)
#define ENTRY_IA32E_MODE BIT(9)
#define ENTRY_LOAD_PAT	 BIT(14)
#define ENTRY_LOAD_EFER	 BIT(15)

/* IA32_VMX_BASIC */
#define VMX_BASIC_REVISION(b) ((u32)(b)&0x7fffffff)
#define VMX_BASIC_INOUT_INFO  BIT(54) /* the instruction-information field is filled for INS/OUTS */
#define VMX_BASIC_TRUE_CTLS   BIT(55)

/* IA32_VMX_EPT_VPID_CAP */
#define EPT_CAP_WALK_4	      BIT(6)
#define EPT_CAP_WB	      BIT(14)
#define EPT_CAP_INVEPT	      BIT(20)
#define EPT_CAP_INVEPT_SINGLE BIT(25)

struct vmx_caps {
	u64 basic;
	u64 pin, proc, proc2, exit, entry; /* TRUE variants where the CPU has them */
	u64 misc;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 ept_vpid;
};

struct vmx_controls {
	u32 pin, proc, proc2, exit, entry;
};

/*
 * (desired | must-be-1) & allowed-1, where the capability MSR holds the
 * must-be-1 bits (allowed 0-settings) in its low half and the allowed-1
 * bits in its high half.  Bits of @required the CPU cannot set are
 * returned in @missing.
 */
u32 vmx_ctl_adjust(u64 cap, u32 desired, u32 required, u32 *missing);

/*
 * The controls every klvisor VMCS starts from.  Returns NULL, or the name
 * of the first required control this CPU lacks.
 */
const char *vmx_compute_controls(const struct vmx_caps *caps, struct vmx_controls *out);

#endif
