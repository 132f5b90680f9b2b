#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make patches: the series as git am-able patches against the pristine
# kernel tree, in OUT (default out/patches): a cover letter
# (patches/cover-letter), then the changes to the kernel's own files in
# patches/, with the project's files added where patches/layout says
# (series_repo in lib.sh). It never changes patches/
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
git -C "$repo/series" format-patch -q --zero-commit --numbered --cover-letter -o "$out" nsfd-base..HEAD
# The cover letter's subject and blurb: patches/cover-letter's first line
# and the rest. Its date is the last patch's, not the clock's.
cover=$out/0000-cover-letter.patch
python3 - "$cover" "$NSFD_TOP/patches/cover-letter" "$(ls "$out"/*.patch | tail -n 1)" "$ident" <<'PY'
import re, sys
cover, text, last, ident = sys.argv[1:]
subject, _, blurb = open(text).read().partition("\n")
date = re.search(r"^Date: .*$", open(last).read(), re.M).group(0)
s = open(cover).read()
s = s.replace("*** SUBJECT HERE ***", subject).replace("*** BLURB HERE ***", blurb.strip("\n"))
s = re.sub(r"^Date: .*$", lambda m: date, s, count=1, flags=re.M)
s = re.sub(r"^From: .*\n(?:[ \t].*\n)*", lambda m: "From: " + ident + "\n", s, count=1, flags=re.M)
# The shortlog names the patches' author, the placeholder the sed below replaces.
s = s.replace("\nnsfd kernel team (", "\n" + ident.rsplit(" <", 1)[0] + " (")
open(cover, "w").write(s)
PY
# patches/ carry a placeholder identity; the series carries the user's.
sed -i "s|nsfd kernel team <nsfd@invalid>|${ident//|/\\|}|g" "$out"/*.patch
say "wrote $(ls "$out"/*.patch | wc -l) patches to $out (apply with: git am $out/*.patch)"
