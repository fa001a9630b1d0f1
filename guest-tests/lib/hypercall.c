// SPDX-License-Identifier: MIT
/* Guest library: VMCALL wrappers for klvisor's hypercalls. */
#include "hypercall.h"
#include "idt.h"
#include "report.h"
#include "smp.h"
#include "string.h"
#include "x86.h"

long hypercall(unsigned long nr, unsigned long a, unsigned long b, unsigned long c)
{
	long ret = (long)nr;
	bool ud;

	exc_arm();
	asm volatile(EXC_TRY("vmcall") : "+a"(ret), "+D"(a), "+S"(b), "+d"(c) : : "memory");
	ud = exc_result(NULL) >= 0;
	this_cpu()->hc_faulted = ud;
	return ud ? HC_ENOSYS : ret;
}

bool hypercall_faulted(void)
{
	return this_cpu()->hc_faulted;
}

void hv_signature(char sig[13])
{
	struct cpuid r = cpuid(0x40000000);

	memcpy(sig, &r.b, 4);
	memcpy(sig + 4, &r.c, 4);
	memcpy(sig + 8, &r.d, 4);
	sig[12] = '\0';
}

bool on_klvisor(void)
{
	char sig[13];

	hv_signature(sig);
	return !strcmp(sig, "KLVisorKLVis");
}

bool on_qemu_tcg(void)
{
	char sig[13];

	hv_signature(sig);
	return !strcmp(sig, "TCGTCGTCGTCG");
}

long hc_print(const char *s, size_t len)
{
	return hypercall(HC_PRINT, (unsigned long)s, len, 0);
}

long hc_vcpu_id(void)
{
	return hypercall(HC_VCPU_ID, 0, 0, 0);
}

long hc_vcpu_count(void)
{
	return hypercall(HC_VCPU_COUNT, 0, 0, 0);
}

long hc_yield(void)
{
	return hypercall(HC_YIELD, 0, 0, 0);
}

long hc_kl_slot_loads(void)
{
	return hypercall(HC_KL_SLOT_LOADS, 0, 0, 0);
}

long hc_exit_count(void)
{
	return hypercall(HC_EXIT_COUNT, 0, 0, 0);
}

void hc_exit(u32 status)
{
	hypercall(HC_EXIT, status, 0, 0);
	exit_status(status);
}
