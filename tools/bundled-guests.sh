#!/bin/bash
# Print one tools/mkiso.sh module spec per line of guest-tests/manifest
# (its header explains the columns).
#   tools/bundled-guests.sh [MANIFEST]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
manifest=${1:-$top/guest-tests/manifest}
build=${BUILD:-build}
# A spinning guest never ends by itself: klvisor stops it after this long,
# long enough that it competes with the others for the whole run.
spin_timeout=${SPIN_TIMEOUT:-20}

while read -r name file vcpus mem timeout expect rest; do
	case $name in ''|'#'*) continue ;; esac
	if [ "$expect" = data ]; then
		echo "$build/guests/$file=$name type=data"
		continue
	fi
	[ "$timeout" = - ] && timeout=$spin_timeout
	opts="" args=$rest
	# "vm-options -- args": the words before a lone -- are VM options.
	padded=" $rest "
	if [[ $padded == *" -- "* ]]; then
		opts=${padded%% -- *}
		args=${padded#* -- }
		args=${args% }
	fi
	def="$name vcpus=$vcpus mem=$mem timeout=$timeout$opts"
	[ -n "$args" ] && def="$def -- $args"
	echo "$build/guests/$file=$def"
done < "$manifest"
