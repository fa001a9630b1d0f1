/* SPDX-License-Identifier: MIT */
/*
 * VM definitions: the GRUB module strings that say what to run (syntax in
 * docs/guest-abi.md).  Pure: parsing and cross-checking have no globals.
 */
#ifndef VMM_VMDEF_H
#define VMM_VMDEF_H

#include "lib/types.h"

#define VM_NAME_MAX    31
#define VM_MAX_VCPUS   16
#define VM_MAX_MODULES 8
#define VM_MIN_MEM     (2ULL << 20)
#define VM_MAX_MEM     (3ULL << 30)
#define VM_DEFAULT_MEM (16ULL << 20)
#define VM_MAX_TIMEOUT 86400

enum vmdef_type { VMDEF_VM, VMDEF_DATA };

struct vm_def {
	char name[VM_NAME_MAX + 1];
	enum vmdef_type type;
	unsigned vcpus;
	u64 mem;
	unsigned nr_pins;
	u8 pins[VM_MAX_VCPUS];
	bool kl;
	unsigned nr_modules;
	char modules[VM_MAX_MODULES][VM_NAME_MAX + 1];
	int module_idx[VM_MAX_MODULES]; /* filled by vmdefs_resolve */
	unsigned timeout_s; /* 0: none; else the VM is stopped after this long */
	const char *args; /* after "--", or "" */
};

/*
 * Parse one module string.  Returns NULL, or a description of the first
 * problem written to @err (e.g. "option 'vcpus=99': out of range (1-16)").
 * @nr_cpus bounds the pin option.
 */
const char *vmdef_parse(const char *s, unsigned nr_cpus, struct vm_def *def, char *err,
			size_t err_len);

/*
 * Cross-check parsed definitions: unique names, and every module a VM asks
 * for exists and is a data module.  @ok[i] false marks definitions to skip
 * (in: parse failures; out: also these problems).  @report gets one line
 * per problem with the definition's index.
 */
typedef void (*vmdef_report_fn)(unsigned idx, const char *msg);
void vmdefs_resolve(struct vm_def *defs, bool *ok, unsigned n, vmdef_report_fn report);

#endif
