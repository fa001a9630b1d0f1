/* SPDX-License-Identifier: MIT */
/*
 * Guest library: klvisor hypercalls (docs/guest-abi.md).  VMCALL with the
 * number in RAX and arguments in RDI, RSI, RDX; the result in RAX,
 * negative on error.  Outside klvisor VMCALL raises #UD; the wrappers
 * catch it and return HC_ENOSYS, so a test can report instead of dying.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include "types.h"

#define HC_PRINT	 0
#define HC_VCPU_ID	 1
#define HC_VCPU_COUNT	 2
#define HC_YIELD	 3
#define HC_EXIT		 4
#define HC_KL_SLOT_LOADS 5
#define HC_EXIT_COUNT	 6

#define HC_EPERM  -1 /* a hypercall from CPL > 0 */
#define HC_EINVAL -22
#define HC_EFAULT -14
#define HC_ENOSYS -38

#define HC_PRINT_MAX 256

long hypercall(unsigned long nr, unsigned long a, unsigned long b, unsigned long c);
/* True if the last hypercall on this CPU raised #UD (no hypervisor). */
bool hypercall_faulted(void);
/* The signature in CPUID leaf 0x40000000 (EBX, ECX, EDX), NUL-terminated. */
void hv_signature(char sig[13]);
bool on_klvisor(void); /* KLVisorKLVis */
bool on_qemu_tcg(void); /* TCGTCGTCGTCG: for working around QEMU's own bugs */

long hc_print(const char *s, size_t len);
long hc_vcpu_id(void);
long hc_vcpu_count(void);
long hc_yield(void);
/* Key Locker slot loads so far on the physical CPU this vCPU runs on. */
long hc_kl_slot_loads(void);
/* This vCPU's VM exits so far, this hypercall's own exit included. */
long hc_exit_count(void);
/* Does not return: falls back to port 0xf4 if the hypercall does. */
__noreturn void hc_exit(u32 status);

#endif
