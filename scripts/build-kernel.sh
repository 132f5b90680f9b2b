#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the custom kernel of one flavour (FLAVOUR=debug, the default, or
# release; see flavour_config in lib.sh) out of tree, in the cache, and install
# its uapi headers there. Leaves ./build pointing at the build directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${FLAVOUR:-debug}
frag=$(flavour_config "$flavour")
src=$("$NSFD_TOP/scripts/fetch-kernel.sh")
tree=$("$NSFD_TOP/scripts/prepare-tree.sh" "$src")
kver=$(make -s -C "$tree" kernelversion)
# Keyed by kernel version, flavour and config: another config never reuses
# objects, and switching flavours never rebuilds the other one.
key=$kver-$flavour-$(sha256sum <"$frag" | cut -c1-12)
out=$NSFD_CACHE/build/$key
mapfile -t kargs < <(kmake_args)

# A new config starts from the newest build of the same kernel and flavour:
# kbuild tracks each object's config dependencies, so only what changed is
# rebuilt. (Another flavour's objects would all be rebuilt: no seed there.)
if [ ! -d "$out" ]; then
	seed=$(ls -td "$NSFD_CACHE/build/$kver-$flavour-"* 2>/dev/null | head -n1 || true)
	if [ -n "$seed" ]; then
		say "seeding $out from $seed"
		cp -a "$seed" "$out.tmp" && mv "$out.tmp" "$out"
		rm -f "$out/.nsfd-config"
	fi
fi
"$NSFD_TOP/scripts/configure.sh" "$tree" "$out" "$frag"
# Always recompile the component (seconds), so that its warnings are in every log.
rm -f "$out/kernel/nsfd/nsfd.o"
# Linked before building: the static checks need build/source even when the build fails.
ln -sfn "$out" "$NSFD_TOP/build"
say "building Linux $kver ($flavour flavour) in $out"
make -s -C "$tree" O="$out" "${kargs[@]}" -j"$(nproc)" bzImage
make -s -C "$tree" O="$out" "${kargs[@]}" headers_install INSTALL_HDR_PATH="$out/usr-headers" >/dev/null
say "kernel image: $out/arch/x86/boot/bzImage"
