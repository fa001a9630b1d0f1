// SPDX-License-Identifier: MIT
/*
 * Guest test: a guest that misbehaves on purpose.  Modes, run in the
 * order given (no argument: vmx msr):
 *
 *	vmx	every VMX instruction but VMCALL must raise #UD, and setting
 *		CR4.VMXE must raise #GP (VMX is hidden)
 *	msr	wild MSR accesses and bad values for allowed MSRs must raise #GP
 *	triple	load an empty IDT and execute INT3: a triple fault, which
 *		must end the VM (the last line is never printed)
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

int main(int argc, char **argv)
{
	bool any = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "vmx"))
			test_vmx();
		else if (!strcmp(argv[i], "msr"))
			test_msr();
		else if (!strcmp(argv[i], "triple"))
			triple_fault();
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
