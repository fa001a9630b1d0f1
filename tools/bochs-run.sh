#!/bin/bash
# Boot an ISO in Bochs 2.7.
#
#   tools/bochs-run.sh [--cpus N] [--timeout S] ISO SERIAL_LOG
#       headless: COM1 goes to SERIAL_LOG; exits 124 on timeout.
#   tools/bochs-run.sh --interactive [--cpus N] ISO
#       COM1 on this terminal (typing reaches klvisor); Ctrl-C quits.
#   tools/bochs-run.sh --until REGEX [--timeout S] ISO SERIAL_LOG
#       headless, and Bochs is stopped once a line of SERIAL_LOG matches
#       REGEX (a bare test kernel, which has no power-off to end the run).
#   tools/bochs-run.sh --input 'SHELL COMMANDS' [--timeout S] ISO SERIAL_LOG
#       headless, with what the commands print typed into COM1 (tests of
#       the serial monitor).
#
# Bochs' own exit status is meaningless (always 1); judge a run by its
# serial output.  See docs/running.md.
set -euo pipefail

cpus=2 timeout=120 interactive=0 input= until= megs=${BOCHS_MEGS:-512}
while [ $# -gt 0 ]; do
	case $1 in
	--cpus) cpus=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--interactive) interactive=1; shift ;;
	--input) input=$2; shift 2 ;;
	--until) until=$2; shift 2 ;;
	-*) echo "bochs-run: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
iso=${1:?usage: bochs-run.sh [--cpus N] [--timeout S] [--interactive] ISO [SERIAL_LOG]}
[ -f "$iso" ] || { echo "bochs-run: $iso not found" >&2; exit 2; }

work=$(mktemp -d)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

port=$((14000 + $$ % 1000))
if [ $interactive = 1 ]; then
	com1="com1: enabled=1, mode=socket-server, dev=localhost:$port"
elif [ -n "$input" ]; then
	serial=${2:?bochs-run: SERIAL_LOG missing}
	com1="com1: enabled=1, mode=socket-server, dev=localhost:$port"
else
	serial=${2:?bochs-run: SERIAL_LOG missing}
	: > "$serial"
	com1="com1: enabled=1, mode=file, dev=$serial"
fi

cat > "$work/bochsrc" <<RC
display_library: rfb, options="timeout=0"
romimage: file=/usr/share/bochs/BIOS-bochs-latest, options=fastboot
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
megs: $megs
cpu: model=tigerlake, count=$cpus, ips=5000000, reset_on_triple_fault=0, ignore_bad_msrs=0
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=cdrom, path=$iso, status=inserted
boot: cdrom
$com1
clock: sync=none, time0=local
log: $work/bochs.log
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore
mouse: enabled=0
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
port_e9_hack: enabled=1
RC
echo c > "$work/rc"

if [ $interactive = 1 ]; then
	bochs -q -f "$work/bochsrc" -rc "$work/rc" </dev/null >"$work/bochs.out" 2>&1 &
	bpid=$!
	trap 'kill $bpid 2>/dev/null; wait $bpid 2>/dev/null; cleanup' EXIT
	echo "klvisor in Bochs ($cpus CPUs); serial console below. Ctrl-C quits."
	for _ in $(seq 50); do
		socat -,rawer,escape=0x03 "TCP:localhost:$port" 2>/dev/null && break
		kill -0 $bpid 2>/dev/null || break
		sleep 0.2
	done
	exit 0
fi

if [ -n "$input" ]; then
	bochs -q -f "$work/bochsrc" -rc "$work/rc" </dev/null >"$work/bochs.out" 2>&1 &
	bpid=$!
	trap 'kill $bpid 2>/dev/null; wait $bpid 2>/dev/null; cleanup' EXIT
	# socat ends when Bochs closes the socket at power-off; the input runs beside it.
	set +e
	timeout "$timeout" socat -t 1 - "TCP:localhost:$port,retry=100,interval=0.1" \
		< <(bash -c "$input"; sleep "$timeout") > "$serial"
	rc=$?
	set -e
	[ $rc = 124 ] && { echo "bochs-run: timed out after ${timeout}s" >&2; exit 124; }
	exit 0
fi

if [ -n "$until" ]; then
	bochs -q -f "$work/bochsrc" -rc "$work/rc" </dev/null >"$work/bochs.out" 2>&1 &
	bpid=$!
	trap 'kill $bpid 2>/dev/null; wait $bpid 2>/dev/null; cleanup' EXIT
	end=$((SECONDS + timeout))
	until tr -d '\r' <"$serial" | grep -Eq "$until"; do
		kill -0 $bpid 2>/dev/null || exit 0
		[ $SECONDS -ge $end ] && { echo "bochs-run: timed out after ${timeout}s" >&2; exit 124; }
		sleep 0.5
	done
	exit 0
fi

set +e
timeout "$timeout" bochs -q -f "$work/bochsrc" -rc "$work/rc" </dev/null >"$work/bochs.out" 2>&1
rc=$?
set -e
if [ $rc = 124 ]; then
	echo "bochs-run: timed out after ${timeout}s" >&2
	exit 124
fi
[ -n "${BOCHS_LOG:-}" ] && cp "$work/bochs.log" "$BOCHS_LOG"
exit 0
