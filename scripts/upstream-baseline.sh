#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Evidence for a "known upstream failure": runs kernel selftests in the
# unmodified kernel (the pristine source: no patches, no nsfd), built with
# the same test-kernel config minus CONFIG_NSFD and booted in the same VM
# set-up as make test. A selftest may be listed as a known upstream failure
# only when it fails here too.
#
# usage: upstream-baseline.sh TEST...   e.g. namespaces/stress_test
#   TEST: a path under build/kselftest (run 'make test' first to build them)
# Output: results/upstream-baseline/ (summary.txt, <test>.ktap, console.log)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ $# -gt 0 ] || die "usage: $0 TEST... (e.g. namespaces/stress_test)"
ks=$(readlink -f "$NSFD_TOP/build")/kselftest
for t in "$@"; do
	[ -x "$ks/$t" ] || die "no $ks/$t: run 'make test' first (it builds the kernel selftests)"
done

out=$(build_unmodified_kernel debug)

res=$NSFD_RESULTS/upstream-baseline
rm -rf "$res"
mkdir -p "$res"
# In the VM: each test's output as its KTAP file, its exit status in the summary.
cmd="cd /tmp; uname -r >$res/kernel.txt;"
for t in "$@"; do
	name=${t//\//-}
	cmd+=" timeout 1800 $ks/$t >$res/$name.ktap 2>&1; echo \"$t exit \$?\" >>$res/summary.txt;"
done
cmd+=" dmesg >$res/dmesg.txt"
NSFD_KERNEL_BUILD=$out NSFD_RESULTS=$res "$NSFD_TOP/scripts/vm.sh" "$cmd" >/dev/null
for t in "$@"; do
	name=${t//\//-}
	echo "== $t on unmodified Linux $(cat "$res/kernel.txt")"
	grep -E '^(not )?ok |^# (FAILED|PASSED|Totals)' "$res/$name.ktap" || true
done
cat "$res/summary.txt"
