#!/bin/bash
# Build a BIOS-bootable GRUB ISO holding klvisor and guest modules.
#
#   tools/mkiso.sh [--bundled-guests] OUT.iso "KLVISOR CMDLINE" [FILE[=MODULE STRING] ...]
#
# --bundled-guests adds every guest of guest-tests/manifest.
# Each FILE becomes a multiboot2 module whose string is MODULE STRING
# (default: the file's base name).  GRUB waits 0 s and stays off the serial
# line, so the serial log holds only klvisor's output.
set -euo pipefail

usage() { echo "usage: $0 [--bundled-guests] OUT.iso CMDLINE [FILE[=STRING] ...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
bundled=()
if [ "${1:-}" = --bundled-guests ]; then
	mapfile -t bundled < <("$here/tools/bundled-guests.sh")
	shift
fi
[ $# -ge 2 ] || usage
out=$1 cmdline=$2
shift 2
set -- "$@" "${bundled[@]}"
elf=${KLVISOR_ELF:-$here/build/klvisor.elf}
[ -f "$elf" ] || { echo "mkiso: $elf not built (run make)" >&2; exit 1; }

stage=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$stage" "$log"' EXIT
mkdir -p "$stage/boot/grub" "$stage/modules"
cp "$elf" "$stage/boot/klvisor.elf"

{
	echo "set timeout=0"
	echo "set default=0"
	echo "menuentry \"klvisor\" {"
	echo "  multiboot2 /boot/klvisor.elf $cmdline"
	i=0
	for spec in "$@"; do
		file=${spec%%=*}
		if [ "$file" = "$spec" ]; then str=$(basename "$file"); else str=${spec#*=}; fi
		[ -f "$file" ] || { echo "mkiso: module file '$file' not found" >&2; exit 1; }
		cp "$file" "$stage/modules/$i"
		echo "  module2 /modules/$i $str"
		i=$((i + 1))
	done
	echo "}"
} > "$stage/boot/grub/grub.cfg"

mkdir -p "$(dirname "$out")"
grub-mkrescue -o "$out" "$stage" --locales= --fonts= --themes= \
	--install-modules="multiboot2 normal iso9660 biosdisk part_msdos" \
	>"$log" 2>&1 || { cat "$log" >&2; exit 1; }
