#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the kernel's own selftests for this area from the tree in use, with
# the uapi headers of the built kernel, into build/kselftest (in the cache).
# Prints "NAME ok|fail [why]" per target for the test log.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
build=$(readlink -f "$NSFD_TOP/build")
tree=$(readlink -f "$build/source")
out=$build/kselftest
mkdir -p "$out"
for target in nsfd namespaces filesystems/nsfs pidfd; do
	log=$out/build-${target//\//-}.log
	mkdir -p "$out/$target"
	if make -s -C "$tree/tools/testing/selftests/$target" -j"$(nproc)" \
		OUTPUT="$out/$target" CC=gcc \
		KHDR_INCLUDES="-isystem $build/usr-headers/include" >"$log" 2>&1; then
		echo "build_${target//\//_} ok"
	else
		echo "build_${target//\//_} fail see $log"
	fi
done
