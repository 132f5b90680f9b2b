#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make check-builds: the builds a maintainer runs, on the series as make
# test builds it (scripts/prepare-tree.sh). Each configuration is built with
# CONFIG_WERROR=y (C and Rust warnings are errors) and CLIPPY=1, once with
# CONFIG_KUNIT=y and once with it off, then 'make rustdoc' must pass without
# a warning. 'make rustfmtcheck' runs once on the tree. Configurations:
#   x86_64-debug    config/base.config + config/debug.config (make test's)
#   x86_64-release  config/base.config (make bench's)
#   arm64           tinyconfig + config/cross.config
#   arm             32-bit ARMv7 (multi-v7): tinyconfig + config/cross.config
# Each has its own build directory in the cache, so a second run is
# incremental. Prints KTAP (suite "builds"); logs in $NSFD_RESULTS/builds/.
#   check-builds.sh [CONFIGURATION]...   (default: all)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ktap.sh"
[ $# -gt 0 ] || set -- x86_64-debug x86_64-release arm64 arm
logs=$NSFD_RESULTS/builds
rm -rf "$logs"
mkdir -p "$logs"
set -e
src=$("$NSFD_TOP/scripts/fetch-kernel.sh")
tree=$("$NSFD_TOP/scripts/prepare-tree.sh" "$src")
kver=$(make -s -C "$tree" kernelversion)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
set +e

# fragment CONFIGURATION KUNIT(y|n): the merged fragment's path.
fragment() {
	local f=$tmp/$1-$2.config
	case $1 in
	x86_64-debug) cat "$(flavour_config debug)" ;;
	x86_64-release) cat "$(flavour_config release)" ;;
	arm64) cat "$NSFD_TOP/config/cross.config" ;;
	# tinyconfig is a no-MMU ARMv7-M there; Rust needs ARMv7-A (and no KASAN).
	arm) cat "$NSFD_TOP/config/cross.config" && printf '%s\n' CONFIG_MMU=y CONFIG_ARCH_MULTI_V7=y CONFIG_AEABI=y ;;
	esac | grep -v '^CONFIG_KUNIT=' >"$f"
	echo CONFIG_WERROR=y >>"$f"
	if [ "$2" = y ]; then echo CONFIG_KUNIT=y >>"$f"; else echo '# CONFIG_KUNIT is not set' >>"$f"; fi
	echo "$f"
}

arch_of() { case $1 in x86_64-*) echo x86_64 ;; *) echo "$1" ;; esac; }

# A warning of rustc, clippy or rustdoc is an error with CONFIG_WERROR, but
# rustdoc does not take -Dwarnings: look for any in its log.
rust_warnings() { grep -E '^(warning|error)(\[|:)' "$1"; }

mapfile -t kargs < <(kmake_args)
ktap_begin builds $(($# * 4 + 1))
for conf in "$@"; do
	arch=$(arch_of "$conf")
	out=$NSFD_CACHE/build/check-$kver-$conf
	for kunit in y n; do
		log=$logs/$conf-kunit-$kunit.log
		say "[$conf, KUNIT=$kunit] building in $out"
		if ARCH=$arch "$NSFD_TOP/scripts/configure.sh" "$tree" "$out" "$(fragment "$conf" "$kunit")" >"$log" 2>&1 &&
			make -s -C "$tree" O="$out" ARCH="$arch" "${kargs[@]}" -j"$(nproc)" vmlinux >>"$log" 2>&1; then
			ktap_pass "${conf}_kunit_${kunit}_builds_with_werror_and_clippy"
		else
			ktap_fail "${conf}_kunit_${kunit}_builds_with_werror_and_clippy" "$(grep -m5 -E 'error|Error' "$log")"
			ktap_skip "${conf}_kunit_${kunit}_rustdoc" "no build"
			continue
		fi
		log=$logs/$conf-kunit-$kunit-rustdoc.log
		if make -s -C "$tree" O="$out" ARCH="$arch" "${kargs[@]}" -j"$(nproc)" rustdoc >"$log" 2>&1 &&
			! rust_warnings "$log" >/dev/null; then
			ktap_pass "${conf}_kunit_${kunit}_rustdoc"
		else
			ktap_fail "${conf}_kunit_${kunit}_rustdoc" "$(rust_warnings "$log" | head -n 5; tail -n 3 "$log")"
		fi
	done
done
log=$logs/rustfmtcheck.log
if make -s -C "$tree" "${kargs[@]}" rustfmtcheck >"$log" 2>&1; then
	ktap_pass rustfmtcheck
else
	ktap_fail rustfmtcheck "$(head -n 5 "$log")"
fi
ktap_end
