#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make patches: writes the export, the integration as a git am-able series
# against the pristine kernel tree, to out/patches/: the C touch points from
# patches/, then one patch that adds the component's sources as nsfd/. It
# never changes patches/ (scripts/rewrite-patches.sh does). Reproducible:
# no date from the clock. Authorship (From and Signed-off-by) is the
# exporting user's git identity (git config user.name and user.email).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
out=$NSFD_TOP/out/patches
rm -rf "$out"
mkdir -p "$out"
name=$(git -C "$NSFD_TOP" config user.name || true)
email=$(git -C "$NSFD_TOP" config user.email || true)
[ -n "$name" ] && [ -n "$email" ] ||
	die "no git identity: set git config user.name and user.email (the series' From and Signed-off-by)"
ident="$name <$email>"
series=("$NSFD_TOP"/patches/*.patch)
total=$((${#series[@]} + 1))
n=0
for p in "${series[@]}"; do
	n=$((n + 1))
	sed -e "s|^Subject: \[PATCH [0-9]*/[0-9]*\]|Subject: [PATCH $n/$total]|" \
		-e "s|^From: .*|From: $ident|" -e "s|^Signed-off-by: .*|Signed-off-by: $ident|" \
		"$p" >"$out/$(basename "$p")"
done

# Everything Kbuild builds: the C entries, their header and the Rust crate.
files=(Kbuild Kconfig $(cd "$NSFD_TOP" && ls rust/*.c rust/*.h rust/*.rs))
# Reproducible: the date of the commit the component comes from, not the clock.
date=$(git -C "$NSFD_TOP" log -1 --format=%aD -- Kbuild Kconfig rust)
last=$out/$(printf '%04d' "$total")-nsfd-add-the-rust-component.patch
{
	cat <<EOT
From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: $ident
Date: $date
Subject: [PATCH $total/$total] nsfd: add the Rust component

nsfd(2) and setns(2) in Rust: their SYSCALL_DEFINE2 entries in C
(rust/syscalls.c), the namespace, nsset and task abstractions and the two
system calls. See the nsfd repository's Documentation/ for the ABI and the
design.

Signed-off-by: $ident
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
