#!/bin/bash
# `make check`: the host unit tests, then the system tests that boot klvisor
# in Bochs and QEMU and judge each run from its serial output.  Prints one
# PASS/FAIL/SKIP line per test and ends with "N passed, M failed[, K skipped]".
#
#   tests/run-checks.sh [unit|system] [NAME-FILTER]
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
what=${1:-all}
filter=${2:-}
export BUILD=${BUILD:-build}
passed=0 failed=0 skipped=0
failures=()

declare -A passed_names=()
pass() {
	echo "PASS: $1"
	passed=$((passed + 1))
	passed_names["${1%% (*}"]=1 # "guest/NAME (passed)" counts as guest/NAME
}
fail() {
	echo "FAIL: $1${2:+ ($2)}"
	failed=$((failed + 1))
	failures+=("$1")
}
skip() { echo "SKIP: $1 ($2)"; skipped=$((skipped + 1)); }

run_unit_tests() {
	local bin name out rc
	for bin in "$BUILD"/tests/test_*; do
		[ -x "$bin" ] || continue
		name=${bin##*/test_}
		out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$bin" 2>&1)
		rc=$?
		while read -r line; do
			case $line in
			"not ok "*" # SKIP "*) skip "unit/$name/${line#* # SKIP }" "cmocka skip" ;;
			"ok "*) pass "unit/$name/${line#ok * - }" ;;
			"not ok "*) fail "unit/$name/${line#not ok * - }" ;;
			esac
		done <<<"$out"
		if [ $rc != 0 ] && ! grep -q "^not ok" <<<"$out"; then
			# A crash (sanitizer report) rather than a failed assertion.
			fail "unit/$name" "exit status $rc"
			echo "$out" | tail -20 | sed 's/^/    /'
		fi
	done
}

# shellcheck source=tests/system/lib.sh
. tests/system/lib.sh

# The checked-in .clang-format is the style; kl.h's asm tables are exempt.
check_style() {
	local files bad
	if ! command -v clang-format >/dev/null; then
		skip "style/clang-format" "clang-format not installed"
		return
	fi
	files=$(git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^guest-tests/lib/kl.h$')
	bad=$(for f in $files; do clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f"; done)
	if [ -z "$bad" ]; then
		pass "style/clang-format"
	else
		fail "style/clang-format" "run make format; differs: $(echo $bad)"
	fi
}

# A short, repeatable fuzzing pass over every parser (the long one is
# `make fuzz`): a fixed seed and a fixed number of inputs per target.
run_fuzz_pass() {
	local out t
	out=$(make -s fuzz FUZZ_RUNS="${FUZZ_CHECK_RUNS:-30000}" FUZZ_SEED=1 2>&1)
	for t in $(sed -n 's/^FUZZ_TARGETS := //p' tests/fuzz/fuzz.mk); do
		if grep -q "^fuzz: $t FAILED" <<<"$out"; then
			fail "fuzz/$t" "see $BUILD/fuzz/$t.log"
		elif grep -q "^fuzz: $t " <<<"$out"; then
			pass "fuzz/$t"
		else
			fail "fuzz/$t" "did not run: $(tail -1 <<<"$out")"
		fi
	done
}

if [ "$what" = all ] || [ "$what" = unit ]; then
	check_style
	run_unit_tests
	run_fuzz_pass
fi
if [ "$what" = all ] || [ "$what" = system ]; then
	for f in tests/system/test-*.sh; do
		# shellcheck source=/dev/null
		. "$f"
	done
	for t in $(declare -F | awk '{print $3}' | grep '^systest_' | sort); do
		name=${t#systest_}
		name=${name//_/-}
		[ -n "$filter" ] && [[ $name != *$filter* ]] && continue
		run_system_test "$name" "$t"
	done
fi

# docs/security.md names the test behind every row: each must have passed
# in this run (only a full, unfiltered run has them all).
check_security_doc_tests() {
	local t missing=()
	for t in $(grep -oE '`(unit|guest|system|fuzz)/[^`]+`' docs/security.md | tr -d '`' | sort -u); do
		[ -n "${passed_names[$t]:-}" ] || missing+=("$t")
	done
	if [ ${#missing[@]} = 0 ]; then
		pass "security-doc/named-tests-passed"
	else
		fail "security-doc/named-tests-passed" "not passed in this run: ${missing[*]}"
	fi
}
if [ "$what" = all ] && [ -z "$filter" ]; then
	check_security_doc_tests
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]}"
fi
summary="$passed passed, $failed failed"
[ $skipped -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ $failed = 0 ]
