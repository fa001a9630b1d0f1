#!/bin/bash
# Boot an ISO in QEMU.  With /dev/kvm on an Intel host whose KVM offers
# nested VMX, klvisor runs for real (-enable-kvm -cpu host); otherwise QEMU
# uses TCG, which has no VMX, and klvisor says so and powers off.
#
#   tools/qemu-run.sh [--timeout S] [--tcg] ISO [SERIAL_LOG]
#
# Exit status: QEMU's isa-debug-exit status (2 * code + 1), 124 on timeout.
set -euo pipefail

timeout=0 force_tcg=0
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) timeout=$2; shift 2 ;;
	--tcg) force_tcg=1; shift ;;
	-*) echo "qemu-run: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
iso=${1:?usage: qemu-run.sh [--timeout S] [--tcg] ISO [SERIAL_LOG]}

nested_vmx() {
	[ -r /sys/module/kvm_intel/parameters/nested ] &&
		grep -q '^[Y1]' /sys/module/kvm_intel/parameters/nested &&
		[ -w /dev/kvm ] && grep -q '^flags.* vmx' /proc/cpuinfo
}

accel=(-accel tcg)
if [ $force_tcg = 0 ] && nested_vmx; then
	accel=(-enable-kvm -cpu host)
	echo "qemu-run: KVM with nested VMX" >&2
else
	echo "qemu-run: TCG (no VMX available: klvisor will say so and power off)" >&2
fi

serial=(-serial stdio)
[ $# -ge 2 ] && serial=(-serial "file:$2")
set +e
timeout "${timeout}" qemu-system-x86_64 "${accel[@]}" -smp 2 -m 256 -cdrom "$iso" \
	-display none -no-reboot "${serial[@]}" -device isa-debug-exit,iobase=0xf4,iosize=4
exit $?
