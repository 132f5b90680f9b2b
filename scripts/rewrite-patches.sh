#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Edit the series (patches/) with git; 'export' rewrites patches/.
#   rewrite-patches.sh import DIR        the series as a git repository in
#                                        DIR (series_repo in lib.sh): the
#                                        pristine files (tag nsfd-base), then
#                                        one commit per patch, with the
#                                        project's files patches/layout adds
#   rewrite-patches.sh export DIR [OUT]  DIR's commits after nsfd-base, less
#                                        the files patches/layout adds, as
#                                        the new patches/ (or OUT)
# Work in DIR with git (commit --amend, rebase -i), but edit the files that
# patches/layout lists in this checkout: export leaves them out. Then
# 'make test' builds the new series.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cmd=${1:-} dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: $0 import DIR | export DIR [OUT]"

case $cmd in
import)
	series_repo "$dir"
	say "$dir: $(git -C "$dir" rev-list --count nsfd-base..HEAD) patches on nsfd-base"
	;;
export)
	out=$(realpath -m "${3:-$NSFD_TOP/patches}")
	git -C "$dir" rev-parse -q --verify nsfd-base >/dev/null || die "$dir: no nsfd-base tag (made by 'import')"
	mapfile -t project_files < <(series_layout | awk '{print ":(exclude)" $3}')
	mkdir -p "$out"
	rm -f "$out"/*.patch
	git -C "$dir" format-patch -q --zero-commit --numbered -o "$out" nsfd-base..HEAD -- . "${project_files[@]}"
	say "wrote $(ls "$out"/*.patch | wc -l) patches to $out"
	;;
*) die "usage: $0 import DIR | export DIR [OUT]" ;;
esac
