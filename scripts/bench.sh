#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make bench: build the release flavour (no debug options) and the userspace,
# boot it, run nsfd_bench once and keep its table in results/bench.txt.
# BENCH_ARGS: options for nsfd_bench (counts; nsfd_bench --help lists them).
# VM_MEMORY: the VM's memory (default 2G: 100,000 pinned namespaces).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$NSFD_TOP"
export FLAVOUR=release

build_kernel_and_userspace
mkdir -p "$NSFD_RESULTS"
table=$NSFD_RESULTS/bench.txt
rm -f "$table" "$table.vm"
# The VM's console is in results/console.log; its progress lines are shown.
VM_MEMORY=${VM_MEMORY:-2G} scripts/vm.sh "cd /tmp && nsfd_bench --out $table.vm ${BENCH_ARGS:-}" \
	2>"$NSFD_RESULTS/bench-vm.log" | grep --line-buffered '^nsfd_bench:' || true
[ -s "$table.vm" ] || die "nsfd_bench wrote no table: see $NSFD_RESULTS/console.log and bench-vm.log"
{
	echo "make bench, $(date -u +%Y-%m-%d), release flavour ($(readlink build)),"
	echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(sed -n 's/^nsfd: VM: \(KVM\|software emulation\).*/\1/p' "$NSFD_RESULTS/bench-vm.log")"
	cat "$table.vm"
} >"$table"
rm -f "$table.vm"
cat "$table"
