#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Make the integrated kernel tree: a working copy of the pristine source
# (hard links, so it costs little) with the series applied, the project's
# files included, exactly as make patches exports it (series_repo in
# lib.sh). Only files whose content changed are written, so builds stay
# incremental. Prints the working copy's path on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pristine=$1
work=$NSFD_CACHE/work/$(basename "$pristine")

if [ ! -d "$work" ]; then
	say "creating working copy $work"
	mkdir -p "$(dirname "$work")"
	cp -al "$pristine" "$work.tmp"
	mv "$work.tmp" "$work"
fi

stage=$(mktemp -d "$NSFD_CACHE/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
series_repo "$stage/series" >&2
git -C "$stage/series" diff --name-only nsfd-base HEAD >"$stage/files"
# Files an earlier series touched and this one does not go back to pristine.
if [ -f "$work/.nsfd-files" ]; then
	while read -r f; do
		grep -qxF "$f" "$stage/files" && continue
		say "back to pristine: $f"
		if [ -e "$pristine/$f" ]; then ln -f "$pristine/$f" "$work/$f"; else rm -f "$work/$f"; fi
	done <"$work/.nsfd-files"
fi
while read -r f; do
	if [ ! -e "$stage/series/$f" ]; then
		rm -f "$work/$f"
	elif ! cmp -s "$stage/series/$f" "$work/$f"; then
		say "patched: $f"
		mkdir -p "$work/$(dirname "$f")"
		# A new inode: the pristine file it may be linked to stays as it is.
		cp --remove-destination "$stage/series/$f" "$work/$f"
	fi
done <"$stage/files"
cp "$stage/files" "$work/.nsfd-files"
# Earlier versions linked the checkout into the tree as nsfd/.
[ -L "$work/nsfd" ] && rm -f "$work/nsfd"
rm -f "$work/.nsfd-series"
echo "$work"
