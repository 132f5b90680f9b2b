#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make patches: the integration as a git am-able series against the pristine
# kernel tree, in out/patches/: the C touch points from patches/, then one
# patch that adds the component's sources as nsfd/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
out=$NSFD_TOP/out/patches
rm -rf "$out"
mkdir -p "$out"
series=("$NSFD_TOP"/patches/*.patch)
total=$((${#series[@]} + 1))
n=0
for p in "${series[@]}"; do
	n=$((n + 1))
	sed "s|^Subject: \[PATCH [0-9]*/[0-9]*\]|Subject: [PATCH $n/$total]|" "$p" >"$out/$(basename "$p")"
done

files=(Kbuild Kconfig $(cd "$NSFD_TOP" && ls rust/*.rs))
last=$out/$(printf '%04d' "$total")-nsfd-add-the-rust-component.patch
{
	cat <<EOT
From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: nsfd kernel team <nsfd@invalid>
Date: $(date -R)
Subject: [PATCH $total/$total] nsfd: add the Rust component

nsfd(2) and setns(2) in Rust: the namespace wrapper, the handle pseudo
filesystem, the staged nsset and the two system calls. See the nsfd
repository's Documentation/ for the ABI and the design.

Signed-off-by: nsfd kernel team <nsfd@invalid>
---
EOT
	for f in "${files[@]}"; do
		echo "diff --git a/nsfd/$f b/nsfd/$f"
		echo "new file mode 100644"
		diff -u --label /dev/null --label "b/nsfd/$f" /dev/null "$NSFD_TOP/$f" || true
	done
	echo "-- "
	echo "nsfd"
} >"$last"
say "wrote $total patches to $out (apply with: git am $out/*.patch)"
