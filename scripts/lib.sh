# SPDX-License-Identifier: GPL-2.0
# Shared settings for the scripts in this directory. Source it; do not run it.

NSFD_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NSFD_CACHE=${NSFD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nsfd}
NSFD_RESULTS=${NSFD_RESULTS:-$NSFD_TOP/results}
# The kernel series this project is written against.
NSFD_KSERIES=7.3
LLVM_BIN=/usr/lib/llvm-19/bin
BINDGEN=${BINDGEN:-$NSFD_CACHE/cargo/bin/bindgen}
VENV=$NSFD_CACHE/venv
# The arm64 guest's static busybox (setup-toolchain.sh --arm64 unpacks it).
ARM64_BUSYBOX=$NSFD_CACHE/arm64/busybox

export PATH="$LLVM_BIN:$VENV/bin:$PATH"
export LIBCLANG_PATH=/usr/lib/llvm-19/lib

say() { printf '%s\n' "nsfd: $*" >&2; }
die() { printf '%s\n' "nsfd: error: $*" >&2; exit 1; }

# Kernel make arguments: Debian's rustc-web (it ships the library source the
# kernel needs) instead of the rustup toolchain that comes first in PATH.
kmake_args() {
	# CLIPPY=1 always: toggling it would rebuild every Rust object.
	printf '%s\n' LLVM=1 RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
		HOSTRUSTC=/usr/bin/rustc BINDGEN="$BINDGEN" \
		CLIPPY=1 CLIPPY_DRIVER=/usr/bin/clippy-driver RUSTFMT=/usr/bin/rustfmt
}

# Kernel flavours: debug (make test; the default) is config/base.config plus
# config/debug.config, release (make bench) is config/base.config alone.
# flavour_config FLAVOUR: prints the merged fragment's path, in the cache.
flavour_config() {
	local flavour=$1 frags out
	case $flavour in
	debug) frags=("$NSFD_TOP/config/base.config" "$NSFD_TOP/config/debug.config") ;;
	release) frags=("$NSFD_TOP/config/base.config") ;;
	*) die "unknown kernel flavour '$flavour' (FLAVOUR=debug or FLAVOUR=release)" ;;
	esac
	out=$NSFD_CACHE/config/$flavour.config
	mkdir -p "${out%/*}"
	cat "${frags[@]}" >"$out.tmp" && mv "$out.tmp" "$out"
	echo "$out"
}

# The set-up, the kernel of $FLAVOUR and the static userspace binaries: what
# make bench and make stress need before they boot (make test times each).
build_kernel_and_userspace() {
	"$NSFD_TOP/scripts/setup-toolchain.sh"
	"$NSFD_TOP/scripts/build-kernel.sh"
	export NSFD_UAPI_HEADERS=$NSFD_TOP/build/usr-headers/include
	(cd "$NSFD_TOP" && RUSTFLAGS="-C target-feature=+crt-static" \
		cargo build -q --release --locked --target x86_64-unknown-linux-gnu)
}

# The unmodified kernel: the pristine source (no patches, no nsfd), built
# with FLAVOUR's config minus CONFIG_NSFD, in its own build directory. The
# oracle (make oracle), make bench's baseline and upstream-baseline.sh boot
# it. build_unmodified_kernel FLAVOUR: prints the build directory.
build_unmodified_kernel() {
	local flavour=$1 src kver frag out
	src=$("$NSFD_TOP/scripts/fetch-kernel.sh")
	kver=$(make -s -C "$src" kernelversion)
	frag=$(mktemp)
	grep -v '^CONFIG_NSFD=' "$(flavour_config "$flavour")" >"$frag"
	out=$NSFD_CACHE/build/upstream-$kver-$flavour-$(sha256sum <"$frag" | cut -c1-12)
	"$NSFD_TOP/scripts/configure.sh" "$src" "$out" "$frag" >&2
	rm -f "$frag"
	say "building unmodified Linux $kver ($flavour flavour, $src) in $out"
	make -s -C "$src" O="$out" $(kmake_args) -j"$(nproc)" bzImage >&2
	echo "$out"
}

# patches/layout without its comments: "PATCH PROJECT-FILE KERNEL-PATH" lines.
series_layout() {
	grep -v -e '^#' -e '^[[:space:]]*$' "$NSFD_TOP/patches/layout"
}

# series_repo DIR: the whole series as a git repository in DIR (which must
# not exist): the pristine versions of the files it touches (tag
# nsfd-base), then one commit per patch of patches/, with the project files
# that patches/layout assigns to it copied to their places in the tree.
# Commits keep the patches' authors and dates; only the committer is set.
series_repo() {
	local dir=$1 src p n want
	local git=(git -C "$dir" -c user.name=nsfd -c user.email=nsfd@invalid)
	[ ! -e "$dir" ] || die "$dir exists"
	src=$("$NSFD_TOP/scripts/fetch-kernel.sh")
	for n in $(series_layout | cut -f1 | sort -u); do
		compgen -G "$NSFD_TOP/patches/$n-*.patch" >/dev/null || die "patches/layout names patch $n, which patches/ does not have"
	done
	git init -q "$dir"
	{
		sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$NSFD_TOP"/patches/*.patch
		series_layout | awk '{print $3}'
	} | sort -u | while read -r p; do
		[ -e "$src/$p" ] || continue
		mkdir -p "$dir/$(dirname "$p")"
		cp -P "$src/$p" "$dir/$p"
	done
	"${git[@]}" add -A
	"${git[@]}" commit -q -m "pristine $(basename "$src"): the files the series touches"
	"${git[@]}" tag nsfd-base
	for p in "$NSFD_TOP"/patches/*.patch; do
		n=$(basename "$p")
		n=${n%%-*}
		"${git[@]}" am -q "$p" || die "$(basename "$p") does not apply"
		series_layout | while IFS=$'\t' read -r want from to; do
			[ "$want" = "$n" ] || continue
			mkdir -p "$dir/$(dirname "$to")"
			cp "$NSFD_TOP/$from" "$dir/$to"
		done
		"${git[@]}" add -A
		"${git[@]}" diff --cached --quiet || "${git[@]}" commit -q --amend --no-edit
	done
}
