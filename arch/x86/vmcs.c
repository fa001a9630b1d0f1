// SPDX-License-Identifier: MIT
/* VMCS field table, names and the checked VMWRITE. */
#include "arch/x86/vmcs.h"
#include "lib/printf.h"

const struct vmcs_field_desc vmcs_field_table[] = {
#define X(name, enc, width) { #name, enc, width },
	VMCS_FIELDS(X)
#undef X
};
const unsigned vmcs_field_count = ARRAY_SIZE(vmcs_field_table);

const char *vmcs_field_name(u32 enc)
{
	for (unsigned i = 0; i < vmcs_field_count; i++)
		if (vmcs_field_table[i].enc == enc)
			return vmcs_field_table[i].name;
	return "unknown field";
}

bool vmcs_value_fits(u32 enc, u64 v)
{
	switch (vmcs_field_width(enc)) {
	case W16:
		return v <= 0xffff;
	case W32:
		return v <= 0xffffffffULL;
	default:
		return true;
	}
}

/* Intel SDM Vol. 3, "VM-Instruction Error Numbers". */
const char *vmx_insn_error_name(u32 err)
{
	static const char *const names[] = {
		[1] = "VMCALL executed in VMX root operation",
		[2] = "VMCLEAR with invalid physical address",
		[3] = "VMCLEAR with VMXON pointer",
		[4] = "VMLAUNCH with non-clear VMCS",
		[5] = "VMRESUME with non-launched VMCS",
		[6] = "VMRESUME after VMXOFF",
		[7] = "VM entry with invalid control field(s)",
		[8] = "VM entry with invalid host-state field(s)",
		[9] = "VMPTRLD with invalid physical address",
		[10] = "VMPTRLD with VMXON pointer",
		[11] = "VMPTRLD with incorrect VMCS revision identifier",
		[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
		[13] = "VMWRITE to read-only VMCS component",
		[15] = "VMXON executed in VMX root operation",
		[16] = "VM entry with invalid executive-VMCS pointer",
		[17] = "VM entry with non-launched executive VMCS",
		[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
		[19] = "VMCALL with non-clear VMCS",
		[20] = "VMCALL with invalid VM-exit control fields",
		[22] = "VMCALL with incorrect MSEG revision identifier",
		[23] = "VMXOFF under dual-monitor treatment",
		[24] = "VMCALL with invalid SMM-monitor features",
		[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
		[26] = "VM entry with events blocked by MOV SS",
		[28] = "Invalid operand to INVEPT/INVVPID",
	};

	if (err < ARRAY_SIZE(names) && names[err])
		return names[err];
	return "unknown VM-instruction error";
}

bool vmcs_write_checked(u32 field, enum vmcs_width width, u64 v, const char *caller)
{
	enum vmx_result r;

	if (vmcs_field_width(field) != width) {
		pr_err("vmwrite %s (0x%04x): %u-bit accessor used on a field of another width, in %s\n",
		       vmcs_field_name(field), field,
		       width == W16 ? 16 :
		       width == W32 ? 32 :
				      64,
		       caller);
		return false;
	}
	if (!vmcs_value_fits(field, v)) {
		pr_err("vmwrite %s (0x%04x): value 0x%lx does not fit the field, in %s\n",
		       vmcs_field_name(field), field, v, caller);
		return false;
	}
	r = vmwrite_raw(field, v);
	if (r == VMX_OK)
		return true;
	if (r == VMX_FAIL_INVALID) {
		pr_err("vmwrite %s (0x%04x) failed: VMfailInvalid (no current VMCS), in %s\n",
		       vmcs_field_name(field), field, caller);
	} else {
		u32 err = (u32)vmread_raw(VM_INSTRUCTION_ERROR);

		pr_err("vmwrite %s (0x%04x) failed: VMfailValid error %u (%s), in %s\n",
		       vmcs_field_name(field), field, err, vmx_insn_error_name(err), caller);
	}
	return false;
}
