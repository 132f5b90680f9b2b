#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make check-series: the series as make patches exports it, patch by patch
# on a pristine tree. Each patch must apply, pass checkpatch.pl --strict
# (findings listed in scripts/checkpatch-allowed, with their reasons, are
# allowed), and, unless --no-build, build: x86_64, the debug config, with
# CONFIG_NSFD=y from the patch that adds it. Prints KTAP (suite "series");
# logs go to $NSFD_RESULTS/series/. make test runs it with --no-build.
#   check-series.sh [--no-build]
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ktap.sh"
build=1
[ "${1:-}" = --no-build ] && build=0
logs=$NSFD_RESULTS/series
rm -rf "$logs"
mkdir -p "$logs"
set -e
pristine=$("$NSFD_TOP/scripts/fetch-kernel.sh")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Any identity will do for a check.
NSFD_SERIES_IDENT=${NSFD_SERIES_IDENT:-"nsfd check <nsfd@invalid>"} \
	"$NSFD_TOP/scripts/export-series.sh" "$tmp/series" 2>/dev/null
mapfile -t series < <(ls "$tmp"/series/*.patch | grep -v '/0000-cover-letter.patch$')
set +e

# A hard-linked copy of the pristine tree; what a previous run patched goes
# back to pristine first.
tree=$NSFD_CACHE/work/series-check
if [ ! -d "$tree" ]; then
	cp -al "$pristine" "$tree.tmp" && mv "$tree.tmp" "$tree"
fi
if [ -f "$tree/.nsfd-files" ]; then
	while read -r f; do
		if [ -e "$pristine/$f" ]; then ln -f "$pristine/$f" "$tree/$f"; else rm -f "$tree/$f"; fi
	done <"$tree/.nsfd-files"
fi
sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "${series[@]}" | sort -u >"$tree/.nsfd-files"

out=$NSFD_CACHE/build/series-check
frag=$(flavour_config debug)
mapfile -t kargs < <(kmake_args)
if [ "$build" = 1 ] && [ ! -d "$out" ]; then
	# Seeded from the debug build: only what each patch changes is rebuilt.
	seed=$(ls -td "$NSFD_CACHE"/build/[0-9]*-debug-* 2>/dev/null | head -n1 || true)
	[ -n "$seed" ] && say "seeding $out from $seed" && cp -a "$seed" "$out.tmp" && mv "$out.tmp" "$out"
	rm -f "$out/.nsfd-config"
fi

# checkpatch findings as "TYPE" lines, minus those allowed for this patch.
unexpected_findings() { # unexpected_findings PATCH-NUMBER LOG
	local type
	sed -nE 's/^[^ ]+:[0-9]+: (ERROR|WARNING|CHECK):([A-Z_]+):.*/\2/p' "$2" | sort -u | while read -r type; do
		grep -qE "^$1[[:space:]]+$type[[:space:]]" "$NSFD_TOP/scripts/checkpatch-allowed" || echo "$type"
	done
}

ktap_begin series $((${#series[@]} * (2 + build)))
for p in "${series[@]}"; do
	name=$(basename "$p" .patch)
	n=${name%%-*}
	# New inodes for the files the patch changes: the pristine tree stays as it is.
	for f in $(sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$p"); do
		# (A link stays a link: a patch that edits one must fail, as in git am.)
		[ -f "$tree/$f" ] && [ ! -L "$tree/$f" ] && cp "$tree/$f" "$tree/$f.nsfd-tmp" && mv "$tree/$f.nsfd-tmp" "$tree/$f"
	done
	if patch -d "$tree" -p1 -s --no-backup-if-mismatch -r - <"$p" >"$logs/$n-apply.log" 2>&1; then
		ktap_pass "${n}_applies"
	else
		ktap_fail "${n}_applies" "$name does not apply: see $logs/$n-apply.log"
	fi
	(cd "$tree" && scripts/checkpatch.pl --strict --show-types --terse "$p") >"$logs/$n-checkpatch.log" 2>&1
	bad=$(unexpected_findings "$n" "$logs/$n-checkpatch.log" | tr '\n' ' ')
	if [ -z "$bad" ]; then
		ktap_pass "${n}_checkpatch"
	else
		ktap_fail "${n}_checkpatch" "findings not in scripts/checkpatch-allowed: ${bad}(see $logs/$n-checkpatch.log)"
	fi
	[ "$build" = 1 ] || continue
	# CONFIG_NSFD exists from the patch that adds its Kconfig on.
	stepfrag=$tmp/config
	if grep -qsx 'config NSFD' "$tree"/kernel/nsfd/Kconfig; then
		cp "$frag" "$stepfrag"
	else
		grep -v '^CONFIG_NSFD=' "$frag" >"$stepfrag"
	fi
	say "[$n] building $name"
	if "$NSFD_TOP/scripts/configure.sh" "$tree" "$out" "$stepfrag" >"$logs/$n-build.log" 2>&1 &&
		make -s -C "$tree" O="$out" "${kargs[@]}" -j"$(nproc)" bzImage >>"$logs/$n-build.log" 2>&1; then
		ktap_pass "${n}_builds"
	else
		ktap_fail "${n}_builds" "$(tail -n 5 "$logs/$n-build.log")"
	fi
done
ktap_end
