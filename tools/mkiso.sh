#!/bin/bash
# Build a BIOS-bootable GRUB ISO holding klvisor and guest modules.
#
#   tools/mkiso.sh [--bundled-guests] OUT.iso "KLVISOR CMDLINE" [FILE[=MODULE STRING] ...]
#   tools/mkiso.sh --bare OUT.iso KERNEL[=CMDLINE] [FILE[=MODULE STRING] ...]
#
# --bundled-guests adds every guest of guest-tests/manifest.
# --bare boots KERNEL itself (multiboot 1, no klvisor) with the other
# files as its multiboot modules: the reference run of a test kernel.
# Each FILE becomes a multiboot2 module whose string is MODULE STRING
# (default: the file's base name).  GRUB waits 0 s and stays off the serial
# line, so the serial log holds only klvisor's output.
set -euo pipefail

usage() { echo "usage: $0 [--bundled-guests] OUT.iso CMDLINE [FILE[=STRING] ...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
bundled=() bare=0
if [ "${1:-}" = --bundled-guests ]; then
	mapfile -t bundled < <("$here/tools/bundled-guests.sh")
	shift
elif [ "${1:-}" = --bare ]; then
	bare=1
	shift
fi
[ $# -ge 2 ] || usage
if [ $bare = 1 ]; then
	out=$1 elf=${2%%=*} cmdline=""
	[ "$elf" != "$2" ] && cmdline=${2#*=}
	shift 2
	loader=multiboot modcmd=module
else
	out=$1 cmdline=$2
	shift 2
	elf=${KLVISOR_ELF:-$here/build/klvisor.elf}
	loader=multiboot2 modcmd=module2
fi
set -- "$@" "${bundled[@]}"
[ -f "$elf" ] || { echo "mkiso: $elf not built (run make)" >&2; exit 1; }

stage=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$stage" "$log"' EXIT
mkdir -p "$stage/boot/grub" "$stage/modules"
cp "$elf" "$stage/boot/kernel.elf"

{
	echo "set timeout=0"
	echo "set default=0"
	echo "menuentry \"klvisor\" {"
	echo "  $loader /boot/kernel.elf $cmdline"
	i=0
	for spec in "$@"; do
		file=${spec%%=*}
		if [ "$file" = "$spec" ]; then str=$(basename "$file"); else str=${spec#*=}; fi
		[ -f "$file" ] || { echo "mkiso: module file '$file' not found" >&2; exit 1; }
		cp "$file" "$stage/modules/$i"
		echo "  $modcmd /modules/$i $str"
		i=$((i + 1))
	done
	echo "}"
} > "$stage/boot/grub/grub.cfg"

mkdir -p "$(dirname "$out")"
grub-mkrescue -o "$out" "$stage" --locales= --fonts= --themes= \
	--install-modules="multiboot multiboot2 normal iso9660 biosdisk part_msdos" \
	>"$log" 2>&1 || { cat "$log" >&2; exit 1; }
