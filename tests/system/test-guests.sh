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
