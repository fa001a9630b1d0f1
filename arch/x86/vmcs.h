/* SPDX-License-Identifier: MIT */
/*
 * Typed VMCS access.  Set-up code uses the checked writers, which report
 * the field, the VM-instruction error and the caller on failure; the exit
 * path uses vmcs_read(), which is unchecked and cheap.
 */
#ifndef ARCH_X86_VMCS_H
#define ARCH_X86_VMCS_H

#include "arch/x86/vmcs_fields.h"
#include "arch/x86/vmx_ops.h"
#include "lib/types.h"

/* Width as encoded in bits 14:13 of a field encoding. */
enum vmcs_width { W16 = 0, W64 = 1, W32 = 2, WNAT = 3 };
/* Type as encoded in bits 11:10. */
enum vmcs_type { VMCS_CONTROL = 0, VMCS_EXIT_INFO = 1, VMCS_GUEST = 2, VMCS_HOST = 3 };

enum vmcs_field {
#define X(name, enc, width) name = enc,
	VMCS_FIELDS(X)
#undef X
};

struct vmcs_field_desc {
	const char *name;
	u32 enc;
	enum vmcs_width width;
};

extern const struct vmcs_field_desc vmcs_field_table[];
extern const unsigned vmcs_field_count;

static inline enum vmcs_width vmcs_field_width(u32 enc)
{
	return (enum vmcs_width)((enc >> 13) & 3);
}

static inline enum vmcs_type vmcs_field_type(u32 enc)
{
	return (enum vmcs_type)((enc >> 10) & 3);
}

const char *vmcs_field_name(u32 enc);
/* Does @v fit the field (a 16-bit field cannot take 0x10000)? */
bool vmcs_value_fits(u32 enc, u64 v);
/* The SDM's text for a VM-instruction error number. */
const char *vmx_insn_error_name(u32 err);

/* Checked write: false (and a logged line naming field and caller) on failure. */
bool vmcs_write_checked(u32 field, enum vmcs_width width, u64 v, const char *caller);

#define vmcs_write16(f, v)  vmcs_write_checked((f), W16, (v), __func__)
#define vmcs_write32(f, v)  vmcs_write_checked((f), W32, (v), __func__)
#define vmcs_write64(f, v)  vmcs_write_checked((f), W64, (v), __func__)
#define vmcs_writenat(f, v) vmcs_write_checked((f), WNAT, (v), __func__)

static inline u64 vmcs_read(u32 field)
{
	return vmread_raw(field);
}

/*
 * Unchecked VMWRITE for the exit path, for fields every VMCS has and values
 * that cannot be out of range (RIP, the preemption timer, event injection).
 */
static inline void vmcs_write_hot(u32 field, u64 v)
{
	vmwrite_nocheck(field, v);
}

#endif
