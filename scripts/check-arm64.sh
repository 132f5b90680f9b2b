#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Cross-builds the integrated tree (the patch series applied) for arm64 with
# LLVM and the component on (config/arm64.config): the series touches every
# architecture's syscall table and core code, and the component's entries
# are SYSCALL_DEFINE2 (no architecture's registers), so it must build there
# too, with the real nsfd and setns in the arm64 syscall table (not the
# COND_SYSCALL stub). Builds the bootable Image and installs the uapi
# headers too: make test ARCH=arm64 (scripts/test-arm64.sh) boots what this
# builds. The build directory is keyed by kernel version and fragment, so a
# second run is incremental. Prints the build directory on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
frag=$NSFD_TOP/config/arm64.config
src=$("$NSFD_TOP/scripts/fetch-kernel.sh")
tree=$("$NSFD_TOP/scripts/prepare-tree.sh" "$src")
kver=$(make -s -C "$tree" kernelversion)
out=$NSFD_CACHE/build/arm64-$kver-$(sha256sum <"$frag" | cut -c1-12)
# A new config starts from the newest arm64 build of the same kernel, as
# build-kernel.sh's do: kbuild rebuilds only what the change touches.
if [ ! -d "$out" ]; then
	seed=$(ls -td "$NSFD_CACHE/build/arm64-$kver-"* 2>/dev/null | head -n1 || true)
	if [ -n "$seed" ]; then
		say "seeding $out from $seed"
		cp -a "$seed" "$out.tmp" && mv "$out.tmp" "$out"
		rm -f "$out/.nsfd-config"
	fi
fi
# configure.sh's make calls take the architecture from the environment.
export ARCH=arm64
mapfile -t karm < <(kmake_args)
"$NSFD_TOP/scripts/configure.sh" "$tree" "$out" "$frag" >&2
say "building arm64 Image of $tree in $out"
make -s -C "$tree" O="$out" "${karm[@]}" -j"$(nproc)" Image >&2
make -s -C "$tree" O="$out" "${karm[@]}" headers_install INSTALL_HDR_PATH="$out/usr-headers" >/dev/null
# Both entries must be the component's (strong text symbols, 'T'), not the
# weak COND_SYSCALL stub ('W').
syms=$(llvm-nm "$out/vmlinux" | grep -E ' __arm64_sys_(nsfd|setns)$' || true)
grep -q ' T __arm64_sys_nsfd$' <<<"$syms" || die "arm64: no strong __arm64_sys_nsfd in vmlinux: $syms"
grep -q ' T __arm64_sys_setns$' <<<"$syms" || die "arm64: no strong __arm64_sys_setns in vmlinux: $syms"
say "arm64: the series builds; vmlinux has:"
printf '%s\n' "$syms" >&2
echo "$out"
