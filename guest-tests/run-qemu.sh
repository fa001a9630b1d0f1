#!/bin/bash
# Smoke-run the guests of guest-tests/manifest directly in QEMU (TCG, no
# klvisor): checks the guest library (long mode, exceptions, SMP, exit
# codes).  klvisor-specific checks fail here by design, "stopped" guests
# are not stopped, and "spin" guests are cut off after a few seconds.
#
#   guest-tests/run-qemu.sh [-v] [NAME-FILTER]     (after 'make guests')
set -uo pipefail

cd "$(dirname "$0")/.."
build=${BUILD:-build}/guests
verbose=0
[ "${1:-}" = -v ] && verbose=1 && shift
filter=${1:-}
declare -A data

while read -r name file vcpus mem timeout expected rest; do
	case $name in '#'* | '') continue ;; esac
	if [ "$expected" = data ]; then
		data[$name]=$build/$file
		continue
	fi
	[ -n "$filter" ] && [[ $name != *$filter* ]] && continue
	opts="" args=$rest
	if [[ " $rest " == *" -- "* ]]; then
		opts=${rest%%--*}
		args=${rest#*-- }
	fi
	initrd=()
	for o in $opts; do
		case $o in
		modules=*)
			mods=""
			IFS=, read -ra names <<<"${o#modules=}"
			for m in "${names[@]}"; do mods+="${mods:+,}${data[$m]} $m"; done
			initrd=(-initrd "$mods")
			;;
		esac
	done
	[ "$timeout" = - ] && timeout=3
	out=$(timeout "$timeout" qemu-system-x86_64 -kernel "$build/$file" -append "$name $args" \
		-smp "$vcpus" -m "$mem" "${initrd[@]}" -display none -serial stdio -monitor none \
		-device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot 2>&1 </dev/null)
	rc=$?
	case $rc in
	1) got=pass ;; 3) got=fail ;; 77) got=skip ;; 124) got=timeout ;; 0) got=reset ;;
	*) got="status $rc" ;;
	esac
	printf '%-16s expected %-8s got %-8s %s\n' "$name" "$expected" "$got" \
		"$(grep -a '^SUMMARY' <<<"$out")"
	if [ $verbose = 1 ]; then
		grep -av '^PASS' <<<"$out" | sed 's/^/    /'
	fi
done <guest-tests/manifest
