/* SPDX-License-Identifier: MIT */
/*
 * VMX instructions.  Each returns how it ended: VMsucceed, VMfailInvalid
 * (CF=1: no current VMCS or a bad pointer) or VMfailValid (ZF=1: the reason
 * is in VM_INSTRUCTION_ERROR).  Host tests replace them with fakes.
 */
#ifndef ARCH_X86_VMX_OPS_H
#define ARCH_X86_VMX_OPS_H

#include "lib/types.h"

enum vmx_result { VMX_OK, VMX_FAIL_INVALID, VMX_FAIL_VALID };

#ifdef KLV_HOST_TEST
enum vmx_result vmwrite_raw(u32 field, u64 value);
u64 vmread_raw(u32 field);
static inline void vmwrite_nocheck(u32 field, u64 value)
{
	(void)vmwrite_raw(field, value);
}
#else

/* setbe and sete after a VMX instruction: CF and ZF encode the outcome. */
#define VMX_OUTCOME(cf, zf) ((cf) ? VMX_FAIL_INVALID : (zf) ? VMX_FAIL_VALID : VMX_OK)

#define VMX_INSN_MEM(name, insn)                              \
	static inline enum vmx_result name(u64 pa)            \
	{                                                     \
		u8 cf, zf;                                    \
		__asm__ volatile(insn " %2; setc %0; setz %1" \
				 : "=qm"(cf), "=qm"(zf)       \
				 : "m"(pa)                    \
				 : "cc", "memory");           \
		return VMX_OUTCOME(cf, zf);                   \
	}
VMX_INSN_MEM(vmxon, "vmxon")
VMX_INSN_MEM(vmclear, "vmclear")
VMX_INSN_MEM(vmptrld, "vmptrld")
#undef VMX_INSN_MEM

static inline enum vmx_result vmwrite_raw(u32 field, u64 value)
{
	u8 cf, zf;

	__asm__ volatile("vmwrite %2, %3; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf)
			 : "rm"(value), "r"((u64)field)
			 : "cc", "memory");
	return VMX_OUTCOME(cf, zf);
}

/* VMWRITE whose outcome is not wanted (the exit path's known-good fields). */
static inline void vmwrite_nocheck(u32 field, u64 value)
{
	__asm__ volatile("vmwrite %0, %1" : : "rm"(value), "r"((u64)field) : "cc", "memory");
}

static inline u64 vmread_raw(u32 field)
{
	u64 v;

	__asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"((u64)field) : "cc");
	return v;
}

static inline void vmxoff(void)
{
	__asm__ volatile("vmxoff" ::: "cc", "memory");
}

struct invept_desc {
	u64 eptp, reserved;
};

static inline enum vmx_result invept_single(u64 eptp)
{
	struct invept_desc d = { eptp, 0 };
	u8 cf, zf;

	__asm__ volatile("invept %2, %3; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf)
			 : "m"(d), "r"(1ULL)
			 : "cc", "memory");
	return VMX_OUTCOME(cf, zf);
}
#endif

#endif
