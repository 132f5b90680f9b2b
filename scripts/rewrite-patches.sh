#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Edit the C patch series (patches/) with git; 'export' rewrites patches/.
# (make patches, scripts/export-series.sh, writes the git am-able export of
# the whole integration to out/patches instead.)
#   rewrite-patches.sh import DIR        a git repository in DIR: the pristine
#                                        versions of the files the series
#                                        touches (tag nsfd-base), then one
#                                        commit per patch (git am)
#   rewrite-patches.sh export DIR [OUT]  DIR's commits after nsfd-base as a new
#                                        series in OUT (default patches/),
#                                        replacing it
# Work in DIR with git (commit --amend, rebase -i, checkpatch on
# 'git format-patch'), export, then 'make test' applies the new series.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cmd=${1:-} dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 import DIR | export DIR [OUT]"

case $cmd in
import)
	[ ! -e "$dir" ] || die "$dir exists"
	src=$("$NSFD_TOP/scripts/fetch-kernel.sh")
	git init -q "$dir"
	sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$NSFD_TOP"/patches/*.patch | sort -u |
		while read -r f; do
			[ -e "$src/$f" ] || continue
			mkdir -p "$dir/$(dirname "$f")"
			cp "$src/$f" "$dir/$f"
		done
	git -C "$dir" add -A
	git -C "$dir" -c user.name=nsfd -c user.email=nsfd@invalid commit -q -m "pristine $(basename "$src"): the files the series touches"
	git -C "$dir" tag nsfd-base
	git -C "$dir" -c user.name=nsfd -c user.email=nsfd@invalid am -q "$NSFD_TOP"/patches/*.patch
	say "$dir: $(git -C "$dir" rev-list --count nsfd-base..HEAD) patches on nsfd-base"
	;;
export)
	out=${3:-$NSFD_TOP/patches}
	git -C "$dir" rev-parse -q --verify nsfd-base >/dev/null || die "$dir: no nsfd-base tag (made by 'import')"
	mkdir -p "$out"
	rm -f "$out"/*.patch
	git -C "$dir" format-patch -q --zero-commit --numbered -o "$(readlink -f "$out")" nsfd-base..HEAD
	say "wrote $(ls "$out"/*.patch | wc -l) patches to $out"
	;;
*) die "usage: $0 import DIR | export DIR [OUT]" ;;
esac
