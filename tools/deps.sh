#!/bin/bash
# Install the Debian packages klvisor needs to build, run and test, if any
# are missing.  Run by `make run`, `make check` and `make run-qemu`.
set -euo pipefail

packages=(
	gcc make binutils		# the build
	grub-pc-bin grub-common xorriso mtools	# the bootable ISO
	bochs bochsbios vgabios		# VMX emulation
	qemu-system-x86			# the no-VMX path and KVM nested runs
	libcmocka-dev			# host unit tests
	libssl-dev			# OpenSSL libcrypto: Key Locker unit tests and tools/klvectors.c
	socat				# the interactive serial console of `make run`
	clang-format			# the style check in `make check`
)

# `tools/deps.sh fuzz`: also what `make fuzz` needs.
if [ "${1:-}" = fuzz ]; then
	packages+=(clang-14 libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null ||
		{ echo "deps: missing packages (${missing[*]}) and not root; install them as root" >&2; exit 1; }
	sudo=(sudo)
fi
command -v apt-get >/dev/null ||
	{ echo "deps: no apt-get; this project expects Debian 12. Install: ${missing[*]}" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq ||
	{ echo "deps: apt-get update failed (network or sources.list?)" >&2; exit 1; }
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
	{ echo "deps: apt-get install ${missing[*]} failed" >&2; exit 1; }
echo "deps: installed ${missing[*]}"
