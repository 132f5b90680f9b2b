#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make oracle: records the unmodified kernel's outcomes of the behaviour
# suite (nsfd_selftest --oracle) in selftests/oracle/mainline.txt, which
# make test compares ours with (scripts/oracle-compare.py). The kernel is
# Linux of the same version and the same debug config, minus CONFIG_NSFD,
# booted in the same VM set-up as make test. Run it after changing the
# suite's cases (make test fails until then).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
FLAVOUR=debug build_kernel_and_userspace
out=$(build_unmodified_kernel debug)

res=$NSFD_RESULTS/oracle-mainline
rm -rf "$res"
mkdir -p "$res"
# As make test runs it (scripts/vm-tests.sh).
NSFD_KERNEL_BUILD=$out NSFD_RESULTS=$res "$NSFD_TOP/scripts/vm.sh" \
	"cd /tmp && timeout 900 nsfd_selftest --oracle >$res/oracle.txt 2>$res/oracle.err; echo \$? >$res/rc" >/dev/null
[ "$(cat "$res/rc" 2>/dev/null)" = 0 ] || die "the suite failed in the unmodified kernel: see $res/oracle.err"
[ "$(grep -c '^# worker [0-9]*: [0-9]* cases$' "$res/oracle.txt")" = 2 ] ||
	die "not every worker of the suite finished: see $res/oracle.txt"
# Only a kernel without nsfd(2) may be the oracle.
grep -qx '# nsfd(2): absent: handles come from /proc/PID/ns' "$res/oracle.txt" ||
	die "the kernel in $out has nsfd(2): not the unmodified kernel"
if grep -qE ' (CRASH|nofd:EIO)' "$res/oracle.txt"; then
	grep -E ' (CRASH|nofd:EIO)' "$res/oracle.txt" | head >&2
	die "a case's child died in the unmodified kernel: see $res/oracle.txt"
fi
cp "$res/oracle.txt" "$NSFD_TOP/selftests/oracle/mainline.txt"
say "recorded $(grep -vc '^#' "$res/oracle.txt") outcomes in selftests/oracle/mainline.txt"
