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
	# Apply the series to private copies of the files it touches, in a
	# staging directory, then replace only the files whose content changed:
	# unchanged files keep their time stamps and the build stays incremental.
	stage=$(mktemp -d "$NSFD_CACHE/stage.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
	patched_files "${series[@]}" >"$stage/.files"
	while read -r f; do
		if [ -e "$pristine/$f" ]; then
			mkdir -p "$stage/$(dirname "$f")"
			cp "$pristine/$f" "$stage/$f"
		fi
	done <"$stage/.files"
	for p in "${series[@]}"; do
		patch -d "$stage" -p1 -s --no-backup-if-mismatch <"$p" >&2 || die "$(basename "$p") does not apply to $pristine"
	done
	# Files an earlier series touched and this one does not go back to pristine.
	if [ -f "$work/.nsfd-files" ]; then
		while read -r f; do
			grep -qxF "$f" "$stage/.files" && continue
			if [ -e "$pristine/$f" ]; then ln -f "$pristine/$f" "$work/$f"; else rm -f "$work/$f"; fi
		done <"$work/.nsfd-files"
	fi
	while read -r f; do
		if ! cmp -s "$stage/$f" "$work/$f"; then
			say "patched: $f"
			mkdir -p "$work/$(dirname "$f")"
			# A new inode: the pristine file it may be linked to stays as it is.
			cp --remove-destination "$stage/$f" "$work/$f"
		fi
	done <"$stage/.files"
	cp "$stage/.files" "$work/.nsfd-files"
	echo "$want" >"$stamp"
fi

# The component's sources stay in this checkout; the tree reaches them here.
if [ "$(readlink "$work/nsfd" 2>/dev/null)" != "$NSFD_TOP" ]; then
	ln -sfn "$NSFD_TOP" "$work/nsfd"
fi
echo "$work"
