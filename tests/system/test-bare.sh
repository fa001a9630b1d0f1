# Test kernels written for a PC (no klvisor interface) report the same
# results under klvisor as on bare Bochs, the reference machine.  Where
# bare Bochs itself departs from the data sheets, the difference is
# listed by name below, with the reason, and klvisor must follow the
# data sheet there.

# test name -> why bare Bochs differs
declare -A BARE_BOCHS_DEVIATES=(
	[lint0-masked-blocks-pic]="Bochs hands the PIC's INTR to the boot CPU without looking at LVT LINT0"
	[ioapic-level-remote-irr]="Bochs's I/O APIC does not implement remote IRR"
)

# _verdicts SERIAL PREFIX: "name verdict" per PASS/FAIL/SKIP line of the kernel.
_verdicts() {
	sed -n "s/^$2\(PASS\|FAIL\|SKIP\): \([^ ]*\).*/\2 \1/p" "$1" | sort
}

systest_legacy_same_as_bare_bochs() {
	local kl="$SYSTEST_TMP/legacy-kl.log" bare="$SYSTEST_TMP/legacy-bare.log" name v bv
	SERIAL=$kl
	tools/klrun -q --vcpus 2 --mem 4M --timeout "$BOCHS_TIMEOUT" --log "$kl" \
		build/guests/legacy.elf >/dev/null 2>&1
	sed -i 's/\r$//' "$kl"
	tools/klrun --bare --vcpus 2 --timeout "$BOCHS_TIMEOUT" --log "$bare" \
		build/guests/legacy.elf >/dev/null 2>&1
	declare -A on_bare=()
	while read -r name v; do on_bare[$name]=$v; done < <(_verdicts "$bare" "")
	[ ${#on_bare[@]} -ge 30 ] || _note "bare Bochs reported ${#on_bare[@]} tests, expected 30 or more"
	local n=0
	while read -r name v; do
		n=$((n + 1))
		bv=${on_bare[$name]:-missing}
		[ "$v" = PASS ] || _note "$name: $v under klvisor"
		if [ -n "${BARE_BOCHS_DEVIATES[$name]:-}" ]; then
			[ "$bv" = FAIL ] || _note "$name: listed as a bare-Bochs deviation but $bv there; update the list"
		elif [ "$bv" != "$v" ]; then
			_note "$name: $v under klvisor, $bv on bare Bochs"
		fi
		unset "on_bare[$name]"
	done < <(_verdicts "$kl" "\[legacy\] ")
	[ $n -ge 30 ] || _note "klvisor reported $n tests, expected 30 or more"
	for name in "${!on_bare[@]}"; do _note "$name: only on bare Bochs"; done
}
