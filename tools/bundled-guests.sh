#!/bin/bash
# Print one tools/mkiso.sh module spec per bundled guest in
# guest-tests/manifest (columns: name file vcpus mem timeout expected args).
#   tools/bundled-guests.sh [MANIFEST]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
manifest=${1:-$top/guest-tests/manifest}
build=${BUILD:-build}
while read -r name file vcpus mem timeout expect args; do
	case $name in ''|'#'*) continue ;; esac
	def="$name vcpus=$vcpus mem=$mem timeout=$timeout"
	[ -n "$args" ] && def="$def -- $args"
	echo "$build/guests/$file=$def"
done < "$manifest"
