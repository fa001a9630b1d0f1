# System tests for the core: boot, SMP, VMX root, self-test, stopping.
# Expected lines come from the behaviour the core issue asks for, not from
# captured output: each names a CPU, a state or a number that must hold.

systest_bochs_two_cpus_vmx_root() {
	boot_bochs --cpus 2 ""
	expect "cpu0: online (APIC ID 0, boot CPU)"
	expect "cpu1: online (APIC ID 1)"
	expect "cpu0: in VMX root operation"
	expect "cpu1: in VMX root operation"
	expect_re "^cpu0: VMX self-test passed: CPUID and VMCALL exits round-tripped in [0-9]+ TSC ticks"
	expect_re "^cpu1: VMX self-test passed: CPUID and VMCALL exits round-tripped in [0-9]+ TSC ticks"
	expect "klvisor: 2 CPU(s) online, VMX self-test passed on 2 of 2"
	expect_order "klvisor: nothing left to run" "klvisor: powering off"
	reject "PANIC"
	reject "VMENTRY-FAIL"
}

systest_bochs_one_cpu() {
	boot_bochs --cpus 1 ""
	expect "cpu0: VMX self-test passed"
	expect "klvisor: 1 CPU(s) online, VMX self-test passed on 1 of 1"
	reject "cpu1:"
}

systest_bochs_four_cpus() {
	boot_bochs --cpus 4 ""
	for c in 1 2 3; do
		expect "cpu$c: online (APIC ID $c)"
		expect "cpu$c: VMX self-test passed"
	done
	expect "klvisor: 4 CPU(s) online, VMX self-test passed on 4 of 4"
}

systest_bochs_bad_cmdline_options() {
	boot_bochs "bogus=1 loglevel=debug onexit=sideways console"
	expect "cmdline: option 'bogus=1': unknown option; ignored"
	expect "cmdline: option 'onexit=sideways': invalid value, expected auto|poweroff|halt|reboot; ignored"
	expect "cmdline: option 'console': needs a value, expected auto|keep; ignored"
	expect_re "^timer: TSC [0-9]+ kHz" # loglevel=debug still applied
	expect "VMX self-test passed on 2 of 2"
	expect "klvisor: powering off"
}

systest_bochs_bad_module_skipped() {
	local junk="$SYSTEST_TMP/junk.bin"
	head -c 20000 /dev/zero > "$junk"
	boot_bochs "" "$junk=junk vcpus=1" "$BUILD/tests/tiny-mb1.elf=tiny"
	expect "vm 'junk': not loadable: no multiboot header in the first 8 KiB; VM skipped"
	expect "[tiny] tiny: hello from a hand-made multiboot kernel"
	expect "klvisor: 1 guests, 1 passed, 0 failed, 0 skipped"
}

# A kernel that is not ours walks the 32-bit paging transitions klvisor
# emulates (tests/system/pmode-mb1.S): a PAE PDPTE with a reserved bit is
# the MOV to CR0's #GP, and long mode entered with a 16-bit TSS in TR runs.
systest_bochs_pmode_paging_transitions() {
	boot_bochs "" "$BUILD/tests/pmode-mb1.elf=pmode mem=4M timeout=60"
	expect "[pmode] pmode: PASS: pae-reserved-pdpte-gp"
	expect "[pmode] pmode: PASS: long-mode-with-16-bit-tss"
	reject "FAIL"
	expect "vm 'pmode': passed"
}

_vmcs_break_common() {
	expect "cpu0: test.vmcs_break=$1: VMCS deliberately broken"
	expect "cpu0: VMX self-test FAILED"
	expect "cpu1: VMX self-test FAILED"
	expect "VMX self-test passed on 0 of 2"
	expect "klvisor: powering off" # reported, then stopped: no hang, no reset
	reject "PANIC"
}

systest_bochs_vmcs_break_guest_state() {
	boot_bochs "test.vmcs_break=guest-state"
	_vmcs_break_common guest-state
	expect "VMENTRY-FAIL: cpu0: VM-entry failure exit, reason 33 (invalid guest state)"
	# The self-test guest starts as after a SIPI to vector 1: CS 0x100:0, linear 0x1000.
	expect "VMENTRY-FAIL: guest RIP 0000000000000000 RSP 0000000000000000 RFLAGS 0000000000000000"
	expect_re "^VMENTRY-FAIL:   CS   sel 0100 base 0+1000 limit 0000ffff ar 0009b"
	expect_re "^VMENTRY-FAIL: controls pin [0-9a-f]{8} proc [0-9a-f]{8}"
}

systest_bochs_vmcs_break_control() {
	boot_bochs "test.vmcs_break=control"
	_vmcs_break_common control
	expect "VMENTRY-FAIL: cpu0: VMfailValid, VM-instruction error 7 (VM entry with invalid control field(s))"
	expect "VMENTRY-FAIL: cpu1: VMfailValid, VM-instruction error 7"
	expect_re "^VMENTRY-FAIL: guest CR0 [0-9a-f]{16} CR3"
}

systest_bochs_vmcs_break_pointer() {
	boot_bochs "test.vmcs_break=pointer"
	_vmcs_break_common pointer
	expect "VMENTRY-FAIL: cpu0: VMfailInvalid (no current VMCS or invalid VMCS pointer)"
	expect "VMENTRY-FAIL: cpu1: VMfailInvalid"
}

systest_bochs_exception_report() {
	boot_bochs "test.fault=ud"
	expect "klvisor: PANIC: CPU 0: exception 6 (#UD invalid opcode), error code 0x0"
	expect_re "^  RIP [0-9a-f]{16}  CS 0008  RFLAGS"
	expect_re "^  RAX [0-9a-f]{16}  RBX"
	expect "klvisor: powering off"
	reject "cpu0: online" # it stopped where it faulted
}

systest_qemu_no_vmx_message() {
	local start=$SECONDS
	boot_qemu ""
	expect "klvisor: cannot run here: the CPU has no VMX (CPUID.1:ECX.VMX[bit 5] = 0)."
	expect "Run klvisor in Bochs ('make run') or in QEMU with KVM and nested VMX"
	expect "klvisor: powering off"
	expect_status 77 # isa-debug-exit code 38: "cannot run" maps to skipped
	[ $((SECONDS - start)) -le 20 ] || _note "QEMU took $((SECONDS - start))s to exit"
}

systest_qemu_page_fault_report() {
	boot_qemu "test.fault=pf"
	expect "klvisor: PANIC: CPU 0: exception 14 (#PF page fault), error code 0x0"
	expect_re "^  RSP [0-9a-f]{16}  SS 0010  CR2 0000008000000000"
	expect_re "^  CR0 [0-9a-f]{16}  CR3 [0-9a-f]{16}  CR4"
	expect_re "^  R13 [0-9a-f]{16}  R14 [0-9a-f]{16}  R15"
	expect_status 5 # isa-debug-exit code 2: panic
}

# tools/klrun with a multiboot kernel written outside the guest library.
systest_klrun_plain_multiboot_kernel() {
	local out rc
	SERIAL="$SYSTEST_TMP/klrun.serial"
	out=$(tools/klrun --timeout "$BOCHS_TIMEOUT" --log "$SERIAL" "$BUILD/tests/tiny-mb1.elf" 2>&1)
	rc=$?
	[ $rc = 0 ] || _note "klrun exit status $rc, expected 0 (passed)"
	grep -qF "[tiny-mb1] tiny: hello from a hand-made multiboot kernel" <<<"$out" ||
		_note "klrun did not stream the guest's line"
	expect "vm 'tiny-mb1': 1 vCPU(s), 16 MiB, entry 0x10000c, command line 'tiny-mb1'"
}

# tools/klrun with a standard-style SMP test kernel (tests/system/smp-mb1):
# its start-up reads the APIC ID with a moffs MOV in 32-bit code and a
# compiler-generated load in 64-bit code, enables the APIC through
# IA32_APIC_BASE and SPIV, and starts the APs with a broadcast INIT-SIPI-SIPI.
systest_klrun_standard_smp_kernel() {
	local out rc
	SERIAL="$SYSTEST_TMP/klrun-smp.serial"
	out=$(tools/klrun --vcpus 3 --timeout "$BOCHS_TIMEOUT" --log "$SERIAL" \
		"$BUILD/tests/smp-mb1.elf" cpus=3 2>&1)
	rc=$?
	[ $rc = 0 ] || _note "klrun exit status $rc, expected 0 (passed)"
	grep -qF "[smp-mb1] smp-mb1: 3 CPUs up, AP APIC IDs: " <<<"$out" ||
		_note "klrun did not stream the kernel's CPU count"
	expect "[smp-mb1] smp-mb1: BSP APIC ID 0 (read in 32-bit code: 0), expecting 3 CPUs"
	expect "[smp-mb1] smp-mb1: PASS: APIC enabled through IA32_APIC_BASE and SPIV"
	expect "[smp-mb1] smp-mb1: PASS: every expected CPU started"
	expect "[smp-mb1] smp-mb1: PASS: AP APIC IDs distinct, not the BSP's, and below the CPU count"
	expect "[smp-mb1] smp-mb1: 5 checks, 0 failed: PASS"
	expect "vm 'smp-mb1': passed: wrote 0 to the exit port 0xf4 (status 1)"
}

systest_klrun_rejected_kernel_fails() {
	local junk="$SYSTEST_TMP/notakernel.elf" rc
	head -c 9000 /dev/zero > "$junk"
	SERIAL="$SYSTEST_TMP/klrun-junk.serial"
	tools/klrun --timeout "$BOCHS_TIMEOUT" --log "$SERIAL" "$junk" >/dev/null 2>&1
	rc=$?
	[ $rc = 1 ] || _note "klrun exit status $rc, expected 1"
	expect "vm 'notakernel': not loadable: no multiboot header in the first 8 KiB; VM skipped"
}
