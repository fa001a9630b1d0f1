// SPDX-License-Identifier: MIT
/*
 * Guest test: a guest that misbehaves on purpose.  Modes, run in the
 * order given (no argument: vmx msr):
 *
 *	vmx	every VMX instruction but VMCALL must raise #UD, and setting
 *		CR4.VMXE must raise #GP (VMX is hidden)
 *	msr	wild MSR accesses and bad values for allowed MSRs must raise #GP
 *	insn	instructions that must not reach the hardware: MONITOR and
 *		MWAIT #UD (CPUID hides them; natively a deep MWAIT could
 *		stop the preemption timer), RDPMC #GP (no PMU), WBINVD and
 *		a PAUSE loop complete, CR8 is the virtual TPR, UMONITOR and
 *		TPAUSE #UD, CR4.CET/PKS/UINTR #GP, and what CPUID advertises
 *		(XSAVES, INVPCID, XSAVEC, SGX, CET, ...) really works
 *	triple	load an empty IDT and execute INT3: a triple fault, which
 *		must end the VM (the last line is never printed)
 *
 * The insn cases fail on e6e6724, where MONITOR/MWAIT/RDPMC ran natively,
 * CR8 was the physical TPR and XSAVES was advertised but #UD.
 */
#include "guest.h"

static u8 vmx_region[4096] __aligned(4096);

#define VMX_INSN(name, insn, ...)                                             \
	do {                                                                  \
		exc_arm();                                                    \
		asm volatile(EXC_TRY(insn) : : __VA_ARGS__ : "memory", "cc"); \
		expect_ud_result(name);                                       \
	} while (0)

static void expect_ud_result(const char *name)
{
	struct exc_info info;
	int vec = exc_result(&info);

	report(vec == UD_VECTOR, name, "%s", vec < 0 ? "no exception" : exc_name(vec));
}

static void test_vmx(void)
{
	u64 pa = (u64)vmx_region, desc[2] = { 0, 0 }, cr4 = read_cr4();
	int vec;

	if (on_qemu_tcg()) {
		skip("cr4-vmxe-gp", "QEMU TCG does not raise #GP for CR4.VMXE without VMX");
	} else {
		exc_arm();
		asm volatile(EXC_TRY("mov %0, %%cr4") : : "r"(cr4 | CR4_VMXE) : "memory");
		vec = exc_result(NULL);
		if (read_cr4() != cr4)
			write_cr4(cr4);
		report(vec == GP_VECTOR, "cr4-vmxe-gp", "setting CR4.VMXE: %s",
		       vec < 0 ? "no exception" : exc_name(vec));
	}
	*(u32 *)vmx_region = 1;
	VMX_INSN("vmxon-ud", "vmxon %0", "m"(pa));
	VMX_INSN("vmclear-ud", "vmclear %0", "m"(pa));
	VMX_INSN("vmptrld-ud", "vmptrld %0", "m"(pa));
	VMX_INSN("vmptrst-ud", "vmptrst %0", "m"(pa));
	VMX_INSN("vmread-ud", "vmread %0, %1", "r"(0x681eUL), "m"(desc[0]));
	VMX_INSN("vmwrite-ud", "vmwrite %1, %0", "r"(0x681eUL), "r"(0UL));
	VMX_INSN("vmlaunch-ud", "vmlaunch", "i"(0));
	VMX_INSN("vmresume-ud", "vmresume", "i"(0));
	VMX_INSN("invept-ud", "invept %0, %1", "m"(desc), "r"(1UL));
	VMX_INSN("invvpid-ud", "invvpid %0, %1", "m"(desc), "r"(1UL));
	VMX_INSN("vmfunc-ud", "vmfunc", "a"(0));
	VMX_INSN("vmxoff-ud", "vmxoff", "i"(0));
}

static void expect_msr_gp(const char *name, bool write, u32 msr, u64 v)
{
	u64 got;
	int vec = write ? wrmsr_safe(msr, v) : rdmsr_safe(msr, &got);

	if (vec < 0)
		fail(name, "%s msr %#x%s: no exception", write ? "wrmsr" : "rdmsr", msr,
		     write ? " (value written)" : "");
	else
		report(vec == GP_VECTOR, name, "%s msr %#x: %s, expected #GP",
		       write ? "wrmsr" : "rdmsr", msr, exc_name(vec));
}

static void test_msr(void)
{
	u64 efer = rdmsr(MSR_EFER), pat = rdmsr(MSR_PAT), apic_base = rdmsr(MSR_APIC_BASE);

	/* Not on the allow-list. */
	expect_msr_gp("vmx-basic-read", false, 0x480, 0);
	expect_msr_gp("vmx-cr4-fixed0-read", false, 0x488, 0);
	expect_msr_gp("smbase-read", false, 0x9e, 0);
	expect_msr_gp("platform-info-read", false, 0xce, 0);
	expect_msr_gp("spec-ctrl-write", true, 0x48, ~0ULL);
	expect_msr_gp("bios-updt-trig-write", true, 0x79, 0xfee00000);
	expect_msr_gp("perf-global-ctrl-write", true, 0x38f, ~0ULL);
	expect_msr_gp("kvm-range-write", true, 0x4b564d00, 0x1000);
	expect_msr_gp("hyperv-range-write", true, 0x40000000, ~0ULL);
	expect_msr_gp("msr-ffffffff-write", true, 0xffffffff, 0);
	expect_msr_gp("x2apic-icr-write-in-xapic-mode", true, 0x830, 0xfe);
	/* On the allow-list, with values hardware refuses. */
	expect_msr_gp("feature-control-write-locked", true, MSR_FEATURE_CONTROL, 0x5);
	expect_msr_gp("efer-reserved-bit", true, MSR_EFER, efer | BIT(1));
	expect_msr_gp("efer-clear-lme-while-paging", true, MSR_EFER, efer & ~EFER_LME);
	expect_msr_gp("pat-invalid-type", true, MSR_PAT, (pat & ~0xff00ULL) | 0x0300);
	expect_msr_gp("sysenter-eip-noncanonical", true, MSR_SYSENTER_EIP, 0x8000000000000000ULL);
	expect_msr_gp("fs-base-noncanonical", true, MSR_FS_BASE, 0x0000800000000000ULL);
	expect_msr_gp("tsc-aux-high-bits", true, MSR_TSC_AUX, BIT(40));
	expect_msr_gp("apic-base-reserved-bit", true, MSR_APIC_BASE, apic_base | BIT(9));
	/* If any of those got through, the guest keeps going on sane values. */
	wrmsr_safe(MSR_PAT, pat);
	wrmsr_safe(MSR_APIC_BASE, apic_base);
	wrmsr_safe(MSR_FS_BASE, 0);
}

static int try_insn_vec(int which)
{
	static u8 area[4096] __aligned(64);
	u64 desc[2] = { 0, 0 };

	exc_arm();
	switch (which) {
	case 0:
		asm volatile(EXC_TRY("monitor") : : "a"(area), "c"(0), "d"(0) : "memory");
		break;
	case 1:
		asm volatile(EXC_TRY("mwait") : : "a"(0xf0), "c"(0) : "memory");
		break;
	case 2:
		asm volatile(EXC_TRY("rdpmc") : : "c"(0) : "rax", "rdx", "memory");
		break;
	case 3:
		asm volatile(EXC_TRY("wbinvd") : : : "memory");
		break;
	case 4:
		asm volatile(EXC_TRY("xsavec %0") : "=m"(area) : "a"(3), "d"(0) : "memory");
		break;
	case 5:
		asm volatile(EXC_TRY("invpcid %0, %1") : : "m"(desc), "r"(2UL) : "memory");
		break;
	case 6:
		asm volatile(EXC_TRY("mov %0, %%cr8") : : "r"(16UL) : "memory");
		break;
	case 7:
		asm volatile(EXC_TRY("umonitor %0") : : "r"(area) : "memory");
		break;
	case 8:
		asm volatile(EXC_TRY("tpause %0") : : "r"(0U), "a"(0), "d"(0) : "memory");
		break;
	}
	return exc_result(NULL);
}

static const char *vec_name(int vec)
{
	return vec < 0 ? "no exception" : exc_name(vec);
}

static void test_insn(void)
{
	struct cpuid l7 = cpuid_count(7, 0), d1 = cpuid_count(0xd, 1);
	u64 cr8, t0;
	u32 tpr;
	int vec;

	vec = try_insn_vec(0);
	report(vec == UD_VECTOR, "monitor-ud", "MONITOR: %s, expected #UD", vec_name(vec));
	vec = try_insn_vec(1);
	report(vec == UD_VECTOR, "mwait-ud", "MWAIT: %s, expected #UD", vec_name(vec));
	vec = try_insn_vec(2);
	report(vec == GP_VECTOR, "rdpmc-gp", "RDPMC: %s, expected #GP", vec_name(vec));
	vec = try_insn_vec(3);
	report(vec < 0, "wbinvd-completes", "WBINVD: %s", vec_name(vec));
	t0 = rdtsc();
	for (int i = 0; i < 20000; i++)
		cpu_relax(); /* a PAUSE loop: exits with PAUSE-loop exiting, and goes on */
	report(rdtsc() > t0, "pause-loop-completes", "TSC did not advance");

	/* CR8 is TPR[7:4] of the virtual APIC. */
	asm volatile("mov %0, %%cr8" : : "r"(5UL) : "memory");
	asm volatile("mov %%cr8, %0" : "=r"(cr8));
	tpr = apic_read(APIC_TPR);
	report(cr8 == 5 && tpr == 0x50, "cr8-is-virtual-tpr", "CR8 %#lx, APIC TPR %#x", cr8, tpr);
	apic_write(APIC_TPR, 0x30);
	asm volatile("mov %%cr8, %0" : "=r"(cr8));
	report(cr8 == 3, "tpr-write-seen-in-cr8", "TPR 0x30 then CR8 %#lx", cr8);
	vec = try_insn_vec(6);
	report(vec == GP_VECTOR, "cr8-reserved-bits-gp", "MOV 16 to CR8: %s", vec_name(vec));
	asm volatile("mov %0, %%cr8" : : "r"(0UL) : "memory");

	vec = try_insn_vec(7);
	report(vec == UD_VECTOR, "umonitor-ud", "UMONITOR: %s, expected #UD", vec_name(vec));
	vec = try_insn_vec(8);
	report(vec == UD_VECTOR, "tpause-ud", "TPAUSE: %s, expected #UD", vec_name(vec));
	/* CET, PKS and user interrupts keep state in MSRs that are not switched: refused. */
	for (int bit = 23; bit <= 25; bit++) {
		u64 cr4 = read_cr4();
		char name[32];

		snprintf(name, sizeof(name), "cr4-bit%d-gp", bit);
		exc_arm();
		asm volatile(EXC_TRY("mov %0, %%cr4") : : "r"(cr4 | BIT(bit)) : "memory");
		vec = exc_result(NULL);
		if (read_cr4() != cr4)
			write_cr4(cr4);
		report(vec == GP_VECTOR, name, "setting CR4 bit %d: %s", bit, vec_name(vec));
	}
	/* Paging off in 64-bit code is #GP: the CPU cannot leave IA-32e mode from there. */
	{
		u64 cr0 = read_cr0();

		exc_arm();
		asm volatile(EXC_TRY("mov %0, %%cr0") : : "r"(cr0 & ~CR0_PG) : "memory");
		vec = exc_result(NULL);
		report(vec == GP_VECTOR && read_cr0() == cr0, "cr0-paging-off-in-64-bit-code-gp",
		       "clearing CR0.PG: %s, CR0 %#lx", vec_name(vec), read_cr0());
	}
	report(!(l7.b & BIT(2)) && !(l7.c & (BIT(5) | BIT(7) | BIT(30) | BIT(31))) &&
		       !(l7.d & (BIT(5) | BIT(18) | BIT(20))),
	       "unswitched-features-not-advertised", "CPUID.(7,0) EBX %#x ECX %#x EDX %#x", l7.b,
	       l7.c, l7.d);

	/* The speculation-control MSRs are #GP (hostile-msr), so CPUID must not offer them. */
	{
		struct cpuid l72 = cpuid_count(7, 2);

		report(!(l7.d & 0xfc000000U) && l7.a <= 1 && !l72.a && !l72.b && !l72.c && !l72.d,
		       "speculation-controls-not-advertised",
		       "CPUID.(7,0) EAX %#x EDX %#x, (7,2) EDX %#x", l7.a, l7.d, l72.d);
	}
	/* Only what works is advertised. */
	report(!(d1.a & BIT(3)) && !d1.c && !d1.d, "xsaves-not-advertised",
	       "CPUID.(0xD,1) EAX %#x ECX %#x EDX %#x", d1.a, d1.c, d1.d);
	if (d1.a & BIT(1)) {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		vec = try_insn_vec(4);
		report(vec < 0, "xsavec-works-as-advertised", "XSAVEC: %s", vec_name(vec));
	} else {
		skip("xsavec-works-as-advertised", "XSAVEC not advertised");
	}
	vec = try_insn_vec(5);
	if (l7.b & BIT(10))
		report(vec < 0, "invpcid-works-as-advertised", "INVPCID: %s", vec_name(vec));
	else
		report(vec == UD_VECTOR, "invpcid-ud-when-hidden", "INVPCID: %s", vec_name(vec));
}

static __noreturn void triple_fault(void)
{
	struct __packed {
		u16 limit;
		u64 base;
	} empty = { 0, 0 };

	printf("hostile: loading an empty IDT and executing INT3: the VM should end now\n");
	asm volatile("lidt %0; int3" : : "m"(empty) : "memory");
	fail("triple-fault", "still running after a triple fault");
	report_exit();
}

/* Ends with all ones in XMM0-15: klvisor must not leave them in the CPU (test.wipecheck reads them). */
static void xmm_dirty(void)
{
	asm volatile("pcmpeqd %xmm0, %xmm0\n\t"
		     "movdqa %xmm0, %xmm1\n\tmovdqa %xmm0, %xmm2\n\tmovdqa %xmm0, %xmm3\n\t"
		     "movdqa %xmm0, %xmm4\n\tmovdqa %xmm0, %xmm5\n\tmovdqa %xmm0, %xmm6\n\t"
		     "movdqa %xmm0, %xmm7\n\tmovdqa %xmm0, %xmm8\n\tmovdqa %xmm0, %xmm9\n\t"
		     "movdqa %xmm0, %xmm10\n\tmovdqa %xmm0, %xmm11\n\tmovdqa %xmm0, %xmm12\n\t"
		     "movdqa %xmm0, %xmm13\n\tmovdqa %xmm0, %xmm14\n\tmovdqa %xmm0, %xmm15");
	pass("xmm-registers-dirty");
}

int main(int argc, char **argv)
{
	bool any = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "vmx"))
			test_vmx();
		else if (!strcmp(argv[i], "msr"))
			test_msr();
		else if (!strcmp(argv[i], "insn"))
			test_insn();
		else if (!strcmp(argv[i], "triple"))
			triple_fault();
		else if (!strcmp(argv[i], "xmm-dirty"))
			xmm_dirty();
		else
			continue;
		any = true;
	}
	if (!any) {
		test_vmx();
		test_msr();
	}
	return 0;
}
