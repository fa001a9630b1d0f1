# The bundled guest tests: every guest in guest-tests/manifest runs in one
# boot (2 physical CPUs), at the same time.  Each guest's own PASS/FAIL/SKIP
# lines are reported by name, and each VM's final status must be the one
# the manifest expects: hostile and isolation guests must be stopped while
# their neighbours pass.

GUEST_MANIFEST=${GUEST_MANIFEST:-guest-tests/manifest}

# Reads the manifest into GM_* arrays.
_read_manifest() {
	GM_NAME=() GM_FILE=() GM_VCPUS=() GM_MEM=() GM_TIMEOUT=() GM_EXPECT=() GM_ARGS=()
	local name file vcpus mem timeout expect args
	while read -r name file vcpus mem timeout expect args; do
		case $name in ''|'#'*) continue ;; esac
		[ "$expect" = data ] && continue # a module for other VMs, not a VM
		GM_NAME+=("$name") GM_FILE+=("$file") GM_VCPUS+=("$vcpus") GM_MEM+=("$mem")
		GM_TIMEOUT+=("$timeout") GM_EXPECT+=("$expect") GM_ARGS+=("$args")
	done < "$GUEST_MANIFEST"
}

systest_guests_all_at_once() {
	local specs=() i name want got line reason
	_read_manifest
	mapfile -t specs < <(tools/bundled-guests.sh "$GUEST_MANIFEST")
	[ ${#GM_NAME[@]} -ge 6 ] || _note "the manifest lists ${#GM_NAME[@]} guests; at least 6 must run together"
	boot_bochs --cpus 2 "" "${specs[@]}"
	expect_re "^klvisor: ${#GM_NAME[@]} guests, [0-9]+ passed"
	expect "klvisor: powering off"
	reject "PANIC"
	# Many VMs share each CPU: switches between them happen, with the hygiene.
	expect_re "^klvisor: on a switch to a different VM: L1D flush (yes|no), VERW (yes|no), IBPB (yes|no)$"
	expect_re "^klvisor: cpu0: [0-9]{2,} switches to a different VM"
	expect_re "^klvisor: cpu1: [0-9]{2,} switches to a different VM"
	for i in "${!GM_NAME[@]}"; do
		name=${GM_NAME[$i]}
		# The guest's own verdicts, by name.
		while IFS= read -r line; do
			case $line in
			"PASS: "*) pass "guest/$name/${line#PASS: }" ;;
			"FAIL: "*)
				# A guest expected to fail is a fixture: its FAILs are the point.
				if [ "${GM_EXPECT[$i]}" = fail ]; then
					pass "guest/$name/${line#FAIL: } (expected failure)"
				else
					fail "guest/$name/${line#FAIL: }"
				fi ;;
			"SKIP: "*) skip "guest/$name/${line#SKIP: }" "skipped by the guest" ;;
			esac
		done < <(sed -n "s/^\[$name\] \(PASS\|FAIL\|SKIP\): /\1: /p" "$SERIAL")
		case ${GM_EXPECT[$i]} in
		pass) want=passed ;; fail) want=failed ;; skip) want=skipped ;;
		stopped|spin) want=stopped ;; *) want="?${GM_EXPECT[$i]}" ;;
		esac
		got=$(sed -n "s/^vm '$name': \([a-z]*\): .*/\1/p" "$SERIAL" | head -n1)
		reason=$(sed -n "s/^vm '$name': [a-z]*: //p" "$SERIAL" | head -n1)
		if [ "${GM_EXPECT[$i]}" = spin ] && [[ $reason != timeout* ]]; then
			fail "guest/$name" "a spinning guest must end by its timeout, not '$reason'"
		elif [ "$got" = "$want" ]; then
			pass "guest/$name ($want)"
		else
			fail "guest/$name" "ended '${got:-never}', expected '$want'"
		fi
	done
}

# A guest that writes more than its console budget, through the UART or
# the print hypercall, is cut off with a note and a count of what was
# dropped, and still ends with its own status; a guest that writes the ICR
# in a loop with an unemulated mode gets one log line.  The VMM and the
# other guests go on, and none of klvisor's own lines is lost to the
# guests' output (they may fill only half the log).
systest_guest_console_flood_truncated() {
	local n
	boot_bochs --cpus 2 "" \
		"$BUILD/guests/flood.elf=flood vcpus=1 mem=4M timeout=60" \
		"$BUILD/guests/flood.elf=hcflood vcpus=1 mem=4M timeout=60 -- hc" \
		"$BUILD/guests/flood.elf=ipiflood vcpus=1 mem=4M timeout=60 -- ipi" \
		"$BUILD/guests/cpuid.elf=cpuid vcpus=1 mem=4M timeout=60"
	expect "[flood] flood 0000: the quick brown fox jumps over the lazy dog"
	expect "[flood] (console output limit of 65536 bytes reached; the rest is dropped)"
	reject "[flood] flood 1999"
	expect_re "^klvisor: vm 'flood': [0-9]+ bytes of console output dropped over its limit"
	expect "[hcflood] hc-flood 0000: the quick brown fox jumps"
	expect "[hcflood] (console output limit of 65536 bytes reached; the rest is dropped)"
	reject "[hcflood] hc-flood 1999"
	expect_re "^klvisor: vm 'hcflood': [0-9]+ bytes of console output dropped over its limit"
	n=$(grep -c "^\[ipiflood\] vcpu0: IPI delivery mode 2 is not emulated" "$SERIAL")
	[ "$n" = 1 ] || _note "$n IPI log lines from one VM; exactly 1 expected"
	expect "[ipiflood] PASS: ipi-flood-survived"
	expect "vm 'flood': passed"
	expect "vm 'hcflood': passed"
	expect "vm 'ipiflood': passed"
	expect "vm 'cpuid': passed"
	reject "console output dropped: the log was full"
}

# Bad VM definitions are reported by module and option; only those VMs are skipped.
systest_guest_bad_definitions_skipped() {
	boot_bochs --cpus 2 "" \
		"$BUILD/guests/cpuid.elf=toomany vcpus=99" \
		"$BUILD/guests/cpuid.elf=oddopt colour=blue" \
		"$BUILD/guests/cpuid.elf=nomods modules=missing" \
		"$BUILD/guests/cpuid.elf=twice mem=4M" \
		"$BUILD/guests/cpuid.elf=twice mem=4M" \
		"$BUILD/guests/cpuid.elf=bigmem mem=3G" \
		"$BUILD/guests/cpuid.elf=good mem=4M"
	expect "vm 'toomany': option 'vcpus=99': out of range (1-16); VM skipped"
	expect "vm 'oddopt': option 'colour=blue': unknown option; VM skipped"
	expect "vm 'nomods': option 'modules': no data module named 'missing'; VM skipped"
	expect "vm 'twice': name 'twice' already used by module 3; VM skipped"
	expect "vm 'bigmem': not enough free memory for mem= (lower it); VM skipped"
	expect "vm 'good': passed"
	expect_re "^klvisor: 2 guests, 2 passed, 0 failed"
}

# A guest probing hundreds of MSRs and ports gets a bounded number of log
# lines; a local APIC access klvisor cannot emulate stops only that VM,
# with the reason and the instruction's bytes.  So does an access to the
# APIC page made by event delivery (the IDT there) or by the page walk (a
# page table there), which is not the instruction's and must not be
# emulated as if it were (before, the MOV at RIP was given an APIC
# register).
systest_guest_chaos_bounded_and_contained() {
	local n
	boot_bochs --cpus 2 "" \
		"$BUILD/guests/chaos.elf=chaos vcpus=2 mem=4M timeout=120" \
		"$BUILD/guests/chaos.elf=mmiocross mem=4M timeout=60 -- mmio-cross" \
		"$BUILD/guests/chaos.elf=mmioinc mem=4M timeout=60 -- mmio-inc" \
		"$BUILD/guests/chaos.elf=mmioidt mem=4M timeout=60 -- mmio-idt" \
		"$BUILD/guests/chaos.elf=mmiowalk mem=4M timeout=60 -- mmio-walk" \
		"$BUILD/guests/cpuid.elf=neighbour mem=4M timeout=60"
	expect "vm 'chaos': passed"
	expect "vm 'neighbour': passed"
	expect_re "^vm 'mmiocross': stopped: unhandled local APIC access at offset 0x2e: access crosses a 16-byte register slot \(instruction bytes: [0-9a-f ]+\)$"
	# incl (%rax) or (%rdx)...: FF /0 with a register base, whichever the compiler picked
	expect_re "^vm 'mmioinc': stopped: unhandled local APIC access at offset 0x380: unsupported opcode \(instruction bytes: ff 0[0-7]( [0-9a-f]{2})*\)$"
	expect "[mmioidt] PASS: before-idt-on-apic-page"
	expect "vm 'mmioidt': stopped: event delivery (an IDT, GDT, TSS or stack there) touched the local APIC page at offset 0xe0: not emulated"
	expect "[mmiowalk] PASS: before-page-table-on-apic-page"
	expect "vm 'mmiowalk': stopped: a page walk (page tables there) touched the local APIC page at offset 0x20: not emulated"
	reject "FAIL: page-table-on-apic-page"
	n=$(grep -c "^\[chaos\] vcpu[0-9]: [RW][DR]MSR" "$SERIAL")
	[ "$n" -le 8 ] || _note "$n MSR log lines from one VM; at most 8 expected"
	n=$(grep -c "^\[chaos\] vcpu[0-9]: .* port 0x" "$SERIAL")
	[ "$n" -le 8 ] || _note "$n port log lines from one VM; at most 8 expected"
	expect "[chaos] (further accesses of this kind are not logged)"
}

# Every way a VM ends (passed, failed, stopped by a triple fault, ended by
# its timeout, a Key Locker VM with a backup, vCPUs on both CPUs) wipes its
# RAM, vector state (the saved copy and, where it was live, the XMM
# registers), saved general registers, VMCSs, IWKeys, backup and slot
# copies; test.wipecheck=on reads each wipe back and reports it per VM.
systest_guest_vms_wiped_at_end() {
	local name
	boot_bochs --cpus 2 "test.wipecheck=on" \
		"$BUILD/guests/hypercalls.elf=twocpu vcpus=2 mem=4M timeout=60" \
		"$BUILD/guests/klbackup.elf=klb vcpus=2 mem=4M timeout=60 pin=1 kl=on" \
		"$BUILD/guests/klinsn.elf=kli vcpus=1 mem=4M timeout=60 pin=1 kl=on" \
		"$BUILD/guests/hostile.elf=triple vcpus=1 mem=4M timeout=60 -- triple" \
		"$BUILD/guests/preempt.elf=spinner vcpus=1 mem=4M timeout=8 -- spin" \
		"$BUILD/guests/cpuid.elf=plain vcpus=1 mem=4M timeout=60"
	expect "klvisor: powering off"
	reject "NOT wiped"
	for name in twocpu klb kli triple spinner plain; do
		expect "klvisor: vm '$name': wiped (RAM, vector state and registers, saved registers, VMCSs, IWKeys, backup, slot copies read back as zero)"
	done
	expect "vm 'triple': stopped: triple fault"
	expect_re "^vm 'spinner': stopped: timeout"
}

# A VM alone on the machine ends with its vector registers dirty (all ones
# in XMM0-15) and live in the CPU: its vCPU's retirement resets them, and
# test.wipecheck reads them back.  They used to stay until another vCPU
# ran on that CPU, which for the last VM is never.
systest_guest_live_vector_registers_wiped() {
	boot_bochs "test.wipecheck=on" "$BUILD/guests/hostile.elf=xmm vcpus=1 mem=4M timeout=60 -- xmm-dirty"
	expect "[xmm] PASS: xmm-registers-dirty"
	expect "klvisor: vm 'xmm': wiped (RAM, vector state and registers, saved registers, VMCSs, IWKeys, backup, slot copies read back as zero)"
	reject "NOT wiped"
}
