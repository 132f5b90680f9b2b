#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what building and booting the kernel needs. Idempotent: a second
# run only checks. Needs root for apt (or everything already installed).
#   setup-toolchain.sh [--arm64] [--versions]
# --arm64 (make test ARCH=arm64) adds what the arm64 run needs; without it
# none of that is installed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arm64=no versions=no
for arg in "$@"; do
	case $arg in
	--arm64) arm64=yes ;;
	--versions) versions=yes ;;
	*) die "usage: $0 [--arm64] [--versions]" ;;
	esac
done

APT_PKGS=(
	clang-19 lld-19 llvm-19 libclang-19-dev
	rustc-web rust-web-src rust-web-clippy rustfmt-web
	flex bison bc libelf-dev libssl-dev cpio dwarves make
	busybox-static iproute2 util-linux kmod rsync jq
	libcap-dev
)
# Only with --arm64: the cross linker and static C library of the arm64
# Rust selftest. qemu-system-arm (qemu-system-aarch64) comes from
# bookworm-backports, as qemu-system-x86 does (install_arm64).
APT_PKGS_ARM64=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
# Extra suites are pinned low so that a plain install never takes from them.
PREFS=/etc/apt/preferences.d/nsfd-extra-suites
SOURCES=/etc/apt/sources.list.d/nsfd-extra-suites.sources

# Name the mirror the machine already uses; no host name lives in this repo.
machine_mirror() {
	local uri
	uri=$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
		grep -v security | grep -oE '(https?|file)://[^ ]+/debian/?' | head -n1)
	[ -n "$uri" ] || die "cannot find a Debian mirror in the apt sources"
	printf '%s\n' "${uri%/}"
}

add_suites() {
	[ -f "$SOURCES" ] && [ -f "$PREFS" ] && return 0
	local mirror
	mirror=$(machine_mirror)
	say "adding suites trixie-backports and bookworm-backports (pinned low) from the machine's mirror"
	cat >"$SOURCES" <<EOT
Types: deb
URIs: $mirror
Suites: trixie-backports bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
	cat >"$PREFS" <<EOT
Package: *
Pin: release n=trixie-backports
Pin-Priority: -1

Package: *
Pin: release n=bookworm-backports
Pin-Priority: 1
EOT
	apt-get update -qq
}

missing_pkgs() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || echo "$p"
	done
}

need_root() {
	[ "$(id -u)" = 0 ] || die "$1 is missing and installing it needs root (run: sudo $0)"
}

install_apt() {
	local miss
	miss=$(missing_pkgs "${APT_PKGS[@]}" udev qemu-system-x86 | tr '\n' ' ')
	[ -z "${miss// }" ] && return 0
	need_root "$miss"
	add_suites
	[ -n "$(missing_pkgs "${APT_PKGS[@]}")" ] && {
		say "installing: $(missing_pkgs "${APT_PKGS[@]}" | tr '\n' ' ')"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${APT_PKGS[@]}" >/dev/null
	}
	# virtme-ng's init runs systemd-udevd; take the udev that matches the
	# installed systemd so that nothing else is upgraded.
	if [ -n "$(missing_pkgs udev)" ]; then
		local sdver
		sdver=$(dpkg-query -W -f='${Version}' systemd)
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "udev=$sdver" >/dev/null
	fi
	# bookworm's qemu 7.2 conflicts with the machine's qemu-utils 10.0.
	if [ -n "$(missing_pkgs qemu-system-x86)" ]; then
		say "installing qemu-system-x86 from bookworm-backports"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			-t bookworm-backports qemu-system-x86 >/dev/null
	fi
}

install_arm64() {
	local miss
	miss=$(missing_pkgs "${APT_PKGS_ARM64[@]}" qemu-system-arm | tr '\n' ' ')
	if [ -n "${miss// }" ]; then
		need_root "$miss"
		add_suites
		[ -n "$(missing_pkgs "${APT_PKGS_ARM64[@]}")" ] && {
			say "installing: $(missing_pkgs "${APT_PKGS_ARM64[@]}" | tr '\n' ' ')"
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${APT_PKGS_ARM64[@]}" >/dev/null
		}
		# The version of the installed qemu-system-x86 and qemu-utils (bookworm's
		# 7.2 would conflict with them).
		if [ -n "$(missing_pkgs qemu-system-arm)" ]; then
			say "installing qemu-system-arm from bookworm-backports"
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
				-t bookworm-backports qemu-system-arm >/dev/null
		fi
	fi
	fetch_arm64_busybox
}

# The arm64 guest's init, shell and tools (sh, mount, poweroff): Debian's
# static busybox for arm64, downloaded and unpacked into the cache, not
# installed. apt reads the arm64 package lists into a private state
# directory, so the machine's apt configuration (its architectures) stays
# as it is.
fetch_arm64_busybox() {
	local dl=$NSFD_CACHE/download apt=$NSFD_CACHE/apt-arm64 deb opts
	[ -x "$ARM64_BUSYBOX" ] && return 0
	mkdir -p "$dl"
	deb=$(ls "$dl"/busybox-static_*_arm64.deb 2>/dev/null | tail -n1 || true)
	if [ -z "$deb" ]; then
		say "downloading busybox-static for arm64 (Debian, bookworm)"
		opts=(-qq -o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o APT::Sandbox::User=root
			-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o Dir::State::Status=/dev/null)
		mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
		apt-get "${opts[@]}" update >&2 || die "apt-get update of the arm64 package lists failed"
		(cd "$dl" && apt-get "${opts[@]}" download busybox-static:arm64 >&2) ||
			die "apt-get download busybox-static:arm64 failed"
		rm -rf "$apt"
		deb=$(ls "$dl"/busybox-static_*_arm64.deb | tail -n1)
	fi
	rm -rf "$NSFD_CACHE/arm64/busybox-deb"
	mkdir -p "$NSFD_CACHE/arm64"
	dpkg -x "$deb" "$NSFD_CACHE/arm64/busybox-deb"
	install -m 755 "$NSFD_CACHE/arm64/busybox-deb/bin/busybox" "$ARM64_BUSYBOX"
	rm -rf "$NSFD_CACHE/arm64/busybox-deb"
}

install_bindgen() {
	[ -x "$BINDGEN" ] && return 0
	say "installing bindgen-cli from crates.io into $NSFD_CACHE/cargo"
	command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs)"
	cargo install --locked --quiet --root "$NSFD_CACHE/cargo" bindgen-cli --version '^0.72' ||
		die "bindgen-cli: 'cargo install bindgen-cli' failed"
}

install_vng() {
	[ -x "$VENV/bin/vng" ] && return 0
	say "installing virtme-ng from PyPI into $VENV"
	python3 -m venv "$VENV" || die "python3 venv failed: apt-get install python3-venv"
	"$VENV/bin/pip" install -q 'virtme-ng==1.42' || die "virtme-ng: pip install failed"
}

check_tools() {
	local t
	for t in /usr/bin/rustc:rustc-web /usr/lib/rustlib/src/rust/library:rust-web-src \
		/usr/bin/clippy-driver:rust-web-clippy /usr/bin/rustfmt:rustfmt-web \
		"$LLVM_BIN/clang:clang-19" "$LLVM_BIN/ld.lld:lld-19" "$BINDGEN:bindgen-cli (cargo install bindgen-cli)" \
		"$VENV/bin/vng:virtme-ng (pip install virtme-ng)" /usr/bin/qemu-system-x86_64:qemu-system-x86 \
		/usr/bin/busybox:busybox-static /lib/systemd/systemd-udevd:udev; do
		[ -e "${t%%:*}" ] || die "missing ${t%%:*}: install ${t#*:}"
	done
}

check_arm64_tools() {
	local t
	for t in /usr/bin/qemu-system-aarch64:qemu-system-arm /usr/bin/aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu \
		/usr/aarch64-linux-gnu/lib/libc.a:libc6-dev-arm64-cross "$ARM64_BUSYBOX:busybox-static:arm64 (unpacked)"; do
		[ -e "${t%%:*}" ] || die "missing ${t%%:*}: install ${t#*:}"
	done
}

versions() {
	echo "rustc: $(/usr/bin/rustc --version)"
	echo "clang: $("$LLVM_BIN/clang" --version | head -n1)"
	echo "bindgen: $("$BINDGEN" --version)"
	echo "virtme-ng: $("$VENV/bin/vng" --version 2>&1 | head -n1)"
	echo "qemu: $(qemu-system-x86_64 --version | head -n1)"
	echo "host cargo: $(cargo --version)"
}

versions_arm64() {
	echo "qemu-system-aarch64: $(qemu-system-aarch64 --version | head -n1)"
	echo "aarch64-linux-gnu-gcc: $(aarch64-linux-gnu-gcc --version | head -n1)"
	echo "arm64 guest busybox-static: $(dpkg-deb -f "$(ls "$NSFD_CACHE"/download/busybox-static_*_arm64.deb | tail -n1)" Version)"
}

mkdir -p "$NSFD_CACHE"
install_apt
install_bindgen
install_vng
check_tools
if [ "$arm64" = yes ]; then
	install_arm64
	check_arm64_tools
fi
if [ "$versions" = yes ]; then
	versions
	if [ "$arm64" = yes ]; then versions_arm64; fi
fi
