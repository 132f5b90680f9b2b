#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Make the integrated kernel tree: a working copy of the pristine source
# (hard links, so it costs little), the patch series in patches/ applied to
# it, and nsfd/ in it pointing at this checkout. Idempotent: nothing is
# touched when the series has not changed, so builds stay incremental.
# Prints the working copy's path on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pristine=$1
work=$NSFD_CACHE/work/$(basename "$pristine")
series=("$NSFD_TOP"/patches/*.patch)
stamp=$work/.nsfd-series
want=$(cat "${series[@]}" | sha256sum | cut -d' ' -f1)

patched_files() {
	# Paths a patch writes, from its "+++ b/path" lines.
	sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$@" | sort -u
}

if [ ! -d "$work" ]; then
	say "creating working copy $work"
	mkdir -p "$(dirname "$work")"
	cp -al "$pristine" "$work.tmp"
	mv "$work.tmp" "$work"
fi

if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	# Undo an earlier series: files go back to hard links of the pristine
	# ones, files it created go away.
	if [ -f "$work/.nsfd-files" ]; then
		while read -r f; do
			if [ -e "$pristine/$f" ]; then ln -f "$pristine/$f" "$work/$f"; else rm -f "$work/$f"; fi
		done <"$work/.nsfd-files"
	fi
	patched_files "${series[@]}" >"$work/.nsfd-files"
	# Patch private copies, never the shared (pristine) inodes.
	while read -r f; do
		if [ -e "$work/$f" ]; then cp --remove-destination "$pristine/$f" "$work/$f"; fi
	done <"$work/.nsfd-files"
	for p in "${series[@]}"; do
		say "applying $(basename "$p")"
		patch -d "$work" -p1 -s --no-backup-if-mismatch <"$p" >&2 || die "$(basename "$p") does not apply to $pristine"
	done
	echo "$want" >"$stamp"
fi

# The component's sources stay in this checkout; the tree reaches them here.
if [ "$(readlink "$work/nsfd" 2>/dev/null)" != "$NSFD_TOP" ]; then
	ln -sfn "$NSFD_TOP" "$work/nsfd"
fi
echo "$work"
