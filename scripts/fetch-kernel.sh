#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Get the pristine kernel source and print its path on stdout.
#
# Default: Debian's linux-source-7.3 (suite trixie-backports), downloaded
# and unpacked into the cache; nothing is installed from that suite.
# KERNEL_SRC=/path/to/linux uses the user's own tree instead, if it is 7.3.y.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel_version() {
	local mk=$1/Makefile v p s
	[ -f "$mk" ] || return 1
	v=$(sed -n 's/^VERSION = //p' "$mk" | head -n1)
	p=$(sed -n 's/^PATCHLEVEL = //p' "$mk" | head -n1)
	s=$(sed -n 's/^SUBLEVEL = //p' "$mk" | head -n1)
	printf '%s.%s.%s\n' "$v" "$p" "$s"
}

check_supported() {
	local ver
	ver=$(kernel_version "$1") || die "$1 is not a kernel tree (no Makefile)"
	case "$ver" in
	"$NSFD_KSERIES".*) ;;
	*) die "kernel $ver in $1 is not supported: this project is written against $NSFD_KSERIES.y" ;;
	esac
	[ -f "$1/kernel/nsproxy.c" ] && [ -f "$1/fs/nsfs.c" ] || die "$1 does not look like a complete kernel tree"
	say "kernel source: $1 (Linux $ver)"
}

if [ -n "${KERNEL_SRC:-}" ]; then
	src=$(cd "$KERNEL_SRC" 2>/dev/null && pwd) || die "KERNEL_SRC=$KERNEL_SRC does not exist"
	check_supported "$src"
	echo "$src"
	exit 0
fi

dl=$NSFD_CACHE/download
mkdir -p "$dl"
deb=$(ls "$dl"/linux-source-"$NSFD_KSERIES"_*.deb 2>/dev/null | tail -n1 || true)
if [ -z "$deb" ]; then
	say "downloading linux-source-$NSFD_KSERIES (Debian, trixie-backports)"
	(cd "$dl" && apt-get download -q "linux-source-$NSFD_KSERIES/trixie-backports" >&2) ||
		die "apt-get download linux-source-$NSFD_KSERIES failed: run scripts/setup-toolchain.sh first (it adds trixie-backports)"
	deb=$(ls "$dl"/linux-source-"$NSFD_KSERIES"_*.deb | tail -n1)
fi
debver=$(dpkg-deb -f "$deb" Version)
src=$NSFD_CACHE/src/linux-${debver//[~+]/_}
if [ ! -f "$src/.nsfd-unpacked" ]; then
	say "unpacking $(basename "$deb")"
	rm -rf "$src" "$dl/x"
	dpkg -x "$deb" "$dl/x"
	tarball=$(ls "$dl"/x/usr/src/linux-source-"$NSFD_KSERIES".tar.* | head -n1)
	mkdir -p "$src"
	tar -xf "$tarball" -C "$src" --strip-components=1
	rm -rf "$dl/x"
	touch "$src/.nsfd-unpacked"
fi
say "Debian package linux-source-$NSFD_KSERIES $debver"
check_supported "$src"
echo "$src"
