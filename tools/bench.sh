#!/bin/bash
# `make bench`: benchmarks in Bochs, where the TSC counts emulated
# instructions, so results are deterministic path lengths.  Prints one
# "name value unit" line per result (docs/performance.md explains them).
#
#  1. exit costs: CPUID, hypercall and port-write round trips from a guest
#  2. the cost of each software-emulated Key Locker instruction
#  3. IWKey slot loads per VM entry, two Key Locker VMs time-sliced on one
#     CPU: klvisor's lazy switching, then the same run with a klvisor built
#     with KL_EAGER_RELOAD=1 (the original KVM proposal's reload on every
#     entry)
#  4. the bare VMX round trip of the boot self-test in the same boot as (1),
#     and a phase profile of the emulated Key Locker path (a klvisor built
#     with KLV_PROFILE=1)
#
# Every guest figure is the median of five batches (guest-tests/bench.c).
# The results also go to $BUILD/bench.json: {"name": {"median": N, "unit": "..."}}.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bench="$BUILD/guests/bench.elf"

boot() { # ELF LOG CMDLINE MODULES...
	local elf=$1 log=$2 cmdline=$3
	shift 3
	KLVISOR_ELF=$elf tools/mkiso.sh "$work/b.iso" "$cmdline" "$@"
	tools/bochs-run.sh --timeout 600 "$work/b.iso" "$log" || { echo "bench: Bochs failed" >&2; exit 1; }
	sed -i 's/\r$//' "$log"
	grep -q "klvisor: powering off" "$log" || { echo "bench: run did not finish; see $log" >&2; exit 1; }
	! grep -q "FAIL" "$log" || { grep "FAIL" "$log" >&2; echo "bench: a benchmark guest failed" >&2; exit 1; }
}

results() { sed -n 's/^\[[^]]*\] BENCH: //p' "$1"; }

# Slot loads and VM exits (= entries) of the CPU the two spinners share.
per_entry() { # LOG NAME
	local loads exits
	loads=$(sed -n 's/^klvisor: cpu1: Key Locker slot loads \([0-9]*\)$/\1/p' "$1")
	exits=$(sed -n "s/^klvisor: vm 'spin[ab]': .*, \([0-9]*\) exits$/\1/p" "$1" | awk '{ s += $1 } END { print s }')
	[ -n "$loads" ] && [ -n "$exits" ] || { echo "bench: no counters in $1" >&2; exit 1; }
	echo "$2 $(awk -v l="$loads" -v e="$exits" 'BEGIN { printf "%.4f", l / e }') loads/entry ($loads loads, $exits entries)"
}

out=$work/results
boot "$BUILD/klvisor.elf" "$work/exits.log" "" \
	"$bench=bexits pin=1 mem=4M -- exits" "$bench=bkl kl=on pin=0 mem=4M -- kl"
results "$work/exits.log" | tee "$out"
# The self-test times a CPUID and a VMCALL exit with a minimal handler: half is one bare exit.
bare=$(sed -n 's/^cpu0: VMX self-test passed: .* round-tripped in \([0-9]*\) TSC ticks$/\1/p' "$work/exits.log")
[ -n "$bare" ] || { echo "bench: no self-test round trip in the log" >&2; exit 1; }
echo "exit-bare-selftest $((bare / 2)) ticks" | tee -a "$out"
cpuid=$(awk '$1 == "exit-cpuid" { print $2 }' "$out")
echo "exit-cpuid-over-bare $((cpuid - bare / 2)) ticks" | tee -a "$out"

spinners=("$bench=spina kl=on pin=1 mem=4M -- spin n=20000" "$bench=spinb kl=on pin=1 mem=4M -- spin n=20000")
boot "$BUILD/klvisor.elf" "$work/lazy.log" "" "${spinners[@]}"
per_entry "$work/lazy.log" kl-slot-loads-lazy | tee -a "$out"

make -s BUILD="$BUILD/eager" EXTRA_CFLAGS=-DKL_EAGER_RELOAD=1 "$BUILD/eager/klvisor.elf"
boot "$BUILD/eager/klvisor.elf" "$work/eager.log" "" "${spinners[@]}"
per_entry "$work/eager.log" kl-slot-loads-eager | tee -a "$out"

# A halted vCPU costs its CPU nothing: a neighbour's work rate on CPU 1 alone, beside a
# vCPU that sleeps in HLT for the whole run (woken by its timer after 3 s), and beside a
# CPU hog (which shows the measurement sees a neighbour that does take time).
boot "$BUILD/klvisor.elf" "$work/alone.log" "" "$bench=walone pin=1 mem=4M -- work=neighbour-work-alone"
results "$work/alone.log" | tee -a "$out"
boot "$BUILD/klvisor.elf" "$work/halted.log" "" "$bench=whalted pin=1 mem=4M -- work=neighbour-work-beside-halted" \
	"$bench=sleeper pin=1 mem=4M -- sleep=3000"
results "$work/halted.log" | tee -a "$out"
boot "$BUILD/klvisor.elf" "$work/hog.log" "" "$bench=whog pin=1 mem=4M -- work=neighbour-work-beside-hog" \
	"$bench=hog kl=on pin=1 mem=4M -- spin n=8000"
results "$work/hog.log" | grep -v kl-slot-loads | tee -a "$out"

# Where an emulated AESENC128KL's instructions go (cached handle), and a miss's unwrap.
make -s BUILD="$BUILD/prof" EXTRA_CFLAGS=-DKLV_PROFILE=1 "$BUILD/prof/klvisor.elf"
for form in aesenc128kl aesenc128kl-uncached; do
	boot "$BUILD/prof/klvisor.elf" "$work/prof.log" "" "$bench=bprof kl=on pin=0 mem=4M -- profile=$form"
	sed -n "s/^klvisor: profile \([a-z-]*\) \([0-9]*\) ticks\/call .*/kl-profile-$form-\1 \2 ticks/p" \
		"$work/prof.log" | tee -a "$out"
done

# One JSON object per result: its median and unit.
awk 'BEGIN { printf "{" }
     { printf "%s\n  \"%s\": {\"median\": %s, \"unit\": \"%s\"}", (NR > 1 ? "," : ""), $1, $2, $3 }
     END { print "\n}" }' "$out" >"$BUILD/bench.json"
echo "bench: wrote $BUILD/bench.json"

