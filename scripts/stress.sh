#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make stress: build the debug flavour (KASAN, lockdep, kmemleak) and the
# userspace, boot it, run nsfd_stress with its full default counts, then scan
# the run's whole kernel log. KTAP in results/stress.ktap, the log scan in
# results/ktap/kernel-log.ktap; the exit status fails if either failed.
# STRESS_ARGS: options for nsfd_stress (--ops, --fuzz, --time, --seed, ...).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$NSFD_TOP"
export FLAVOUR=debug

build_kernel_and_userspace
results=$NSFD_RESULTS
mkdir -p "$results/ktap"
rm -f "$results/stress.ktap" "$results/dmesg.txt" "$results/kmemleak.txt"
start=$(date +%s)
# The stress run's kmemleak report (nsfd_stress scans, waits and scans
# again after every phase, the last one included) and dmesg are saved for
# the kernel-log scan, as make test's are: a run without the report fails
# its kmemleak_scanned case.
st=0
scripts/vm.sh "cd /tmp && nsfd_stress ${STRESS_ARGS:-} >$results/stress.ktap; st=\$?;
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug;
	cat /sys/kernel/debug/kmemleak >$results/kmemleak.txt; dmesg >$results/dmesg.txt; exit \$st" \
	>/dev/null 2>"$results/stress-vm.log" || st=$?
cat "$results/stress.ktap" 2>/dev/null || echo "nsfd: nsfd_stress wrote no KTAP: see $results/console.log"
scripts/scan-klog.sh "$results" | tee "$results/ktap/kernel-log.ktap"
klog=${PIPESTATUS[0]}
echo "nsfd: make stress took $(($(date +%s) - start)) s (VM and scan; kernel and userspace were built before)"
[ "$st" = 0 ] && [ "$klog" = 0 ]
