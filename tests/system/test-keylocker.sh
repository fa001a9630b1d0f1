# System tests for the Key Locker exclusivity policy (keylocker=host|off);
# keylocker=guests, the default, is what the bundled guests run under.

_kl_policy_boot() { # POLICY
	boot_bochs --cpus 2 "keylocker=$1" \
		"$BUILD/guests/klbackup.elf=nokl mem=4M timeout=60 -- none" \
		"$BUILD/guests/klinsn.elf=nokl-insn mem=4M timeout=60 -- off" \
		"$BUILD/guests/klbasic.elf=wantskl kl=on mem=4M timeout=60"
	# No guest sees Key Locker: no CPUID bit, #GP on CR4.KL, #UD on every instruction.
	expect "vm 'nokl': passed"
	expect "[nokl] PASS: no-backup-msrs-without-kl"
	expect "vm 'nokl-insn': passed"
	expect "[nokl-insn] PASS: off-cpuid-kl-clear"
	expect "[nokl-insn] PASS: off-cr4-kl-gp"
	expect "[nokl-insn] PASS: off-loadiwkey-ud"
	expect "[nokl-insn] PASS: off-aesencwide256kl-ud"
	reject "[nokl-insn] FAIL"
	reject "vm 'wantskl': passed"
	expect_re "^klvisor: 2 guests, 2 passed, 0 failed"
}

systest_keylocker_host_mode() {
	_kl_policy_boot host
	expect "keylocker: policy host: the VMM uses Key Locker; no guest sees it"
	expect "keylocker: host self-test passed: wrapped an AES-128 key, encrypted and decrypted a block through its handle, refused a tampered handle"
	expect "vm 'wantskl': option 'kl=on': Key Locker belongs to the VMM (keylocker=host); VM skipped"
}

systest_keylocker_off_mode() {
	_kl_policy_boot off
	expect "keylocker: policy off: nobody uses Key Locker"
	expect "vm 'wantskl': option 'kl=on': Key Locker is off (keylocker=off); VM skipped"
	reject "host self-test"
}

systest_keylocker_guests_mode_log() {
	boot_bochs --cpus 2 "" "$BUILD/guests/klbasic.elf=klb kl=on mem=4M timeout=120"
	expect "keylocker: policy guests: guests defined with kl=on get virtual Key Locker; the VMM never uses it"
	expect "keylocker: backend software: the CPU has no Key Locker (CPUID.7.0:ECX[23] = 0)"
	expect "vm 'klb': passed"
	# One load for CR4.KL, one per LOADIWKEY (4): never one per VM entry.
	expect_re "^klvisor: cpu[01]: Key Locker slot loads 5$"
	reject "host self-test"
}
