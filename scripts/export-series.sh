#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make patches: the series as git am-able patches against the pristine
# kernel tree, in OUT (default out/patches): the changes to the kernel's
# own files in patches/, with the project's files added where
# patches/layout says (series_repo in lib.sh). It never changes patches/
# (scripts/rewrite-patches.sh does). Reproducible: the patches keep their
# dates. Authorship (From, Signed-off-by, MAINTAINERS) is the exporting
# user's git identity (git config user.name and user.email), or
# NSFD_SERIES_IDENT="Name <address>".
set -euo pipefail
. "$(dirname "$0")/lib.sh"
out=$(realpath -m "${1:-$NSFD_TOP/out/patches}")
ident=${NSFD_SERIES_IDENT:-}
if [ -z "$ident" ]; then
	name=$(git -C "$NSFD_TOP" config user.name || true)
	email=$(git -C "$NSFD_TOP" config user.email || true)
	[ -n "$name" ] && [ -n "$email" ] ||
		die "no git identity: set git config user.name and user.email (the series' From and Signed-off-by)"
	ident="$name <$email>"
fi
repo=$(mktemp -d)
trap 'rm -rf "$repo"' EXIT
series_repo "$repo/series"
rm -rf "$out"
mkdir -p "$out"
git -C "$repo/series" format-patch -q --zero-commit --numbered -o "$out" nsfd-base..HEAD
# patches/ carry a placeholder identity; the series carries the user's.
sed -i "s|nsfd kernel team <nsfd@invalid>|${ident//|/\\|}|g" "$out"/*.patch
say "wrote $(ls "$out"/*.patch | wc -l) patches to $out (apply with: git am $out/*.patch)"
