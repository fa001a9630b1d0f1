# Helpers for the system tests (sourced by tests/run-checks.sh).
#
# A system test is a shell function systest_NAME in tests/system/test-*.sh.
# It boots klvisor with boot_bochs or boot_qemu, then states what the serial
# log must and must not contain with expect / expect_re / reject.  Every
# emulator run has a timeout; a timeout fails the test and prints the tail
# of the serial log.

SYSTEST_TMP=$(mktemp -d)
trap 'rm -rf "$SYSTEST_TMP"' EXIT
BOCHS_TIMEOUT=${BOCHS_TIMEOUT:-120}
QEMU_TIMEOUT=${QEMU_TIMEOUT:-30}

# Per-test state.
SERIAL= TEST_ERRORS=() EMU_STATUS=0

_note() { TEST_ERRORS+=("$1"); }

_iso() { # _iso CMDLINE [MODULE...] -> path of a fresh ISO
	local iso="$SYSTEST_TMP/$CURRENT_TEST.iso"
	tools/mkiso.sh "$iso" "$@" || { _note "could not build the ISO"; return 1; }
	echo "$iso"
}

# boot_bochs [--cpus N] CMDLINE [FILE[=MODULE STRING]...]
boot_bochs() {
	local cpus=2 iso
	if [ "$1" = --cpus ]; then cpus=$2; shift 2; fi
	SERIAL="$SYSTEST_TMP/$CURRENT_TEST.serial"
	iso=$(_iso "$@") || return 1
	tools/bochs-run.sh --cpus "$cpus" --timeout "$BOCHS_TIMEOUT" "$iso" "$SERIAL"
	EMU_STATUS=$?
	[ $EMU_STATUS = 124 ] && _note "timed out after ${BOCHS_TIMEOUT}s in Bochs"
	sed -i 's/\r$//' "$SERIAL" # the UART sends CR LF; patterns may anchor at $
	return 0
}

# boot_qemu CMDLINE [FILE[=MODULE STRING]...]   (TCG: no VMX)
boot_qemu() {
	local iso
	SERIAL="$SYSTEST_TMP/$CURRENT_TEST.serial"
	iso=$(_iso "$@") || return 1
	tools/qemu-run.sh --tcg --timeout "$QEMU_TIMEOUT" "$iso" "$SERIAL" 2>/dev/null
	EMU_STATUS=$?
	[ $EMU_STATUS = 124 ] && _note "timed out after ${QEMU_TIMEOUT}s in QEMU"
	sed -i 's/\r$//' "$SERIAL"
	return 0
}

# The serial log contains this exact text.
expect() { grep -qF -- "$1" "$SERIAL" 2>/dev/null || _note "missing: $1"; }
# ... a line matching this extended regular expression.
expect_re() { grep -qE -- "$1" "$SERIAL" 2>/dev/null || _note "missing /$1/"; }
# ... does not contain this text.
reject() { ! grep -qF -- "$1" "$SERIAL" 2>/dev/null || _note "unexpected: $1"; }
# The emulator's exit status was this.
expect_status() { [ "$EMU_STATUS" = "$1" ] || _note "emulator exit status $EMU_STATUS, expected $1"; }
# Text A appears before text B.
expect_order() {
	local a b
	a=$(grep -nF -m1 -- "$1" "$SERIAL" | cut -d: -f1)
	b=$(grep -nF -m1 -- "$2" "$SERIAL" | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] || _note "'$1' not before '$2'"
}

run_system_test() { # NAME FUNCTION
	CURRENT_TEST=$1 TEST_ERRORS=() EMU_STATUS=0 SERIAL=
	"$2"
	if [ ${#TEST_ERRORS[@]} = 0 ]; then
		pass "system/$1"
		return
	fi
	fail "system/$1" "${TEST_ERRORS[0]}"
	printf '    %s\n' "${TEST_ERRORS[@]:1}"
	if [ -n "$SERIAL" ] && [ -f "$SERIAL" ]; then
		echo "    --- last 15 lines of the serial log ---"
		tail -n 15 "$SERIAL" | sed 's/^/    | /'
	fi
}

# boot_bochs_typing 'SHELL COMMANDS' CMDLINE [MODULE...]: like boot_bochs,
# with what the commands print typed into COM1 (the serial monitor).
boot_bochs_typing() {
	local input=$1 iso
	shift
	SERIAL="$SYSTEST_TMP/$CURRENT_TEST.serial"
	iso=$(_iso "$@") || return 1
	tools/bochs-run.sh --input "$input" --timeout "$BOCHS_TIMEOUT" "$iso" "$SERIAL"
	EMU_STATUS=$?
	[ $EMU_STATUS = 124 ] && _note "timed out after ${BOCHS_TIMEOUT}s in Bochs"
	sed -i 's/\r$//' "$SERIAL"
	return 0
}
