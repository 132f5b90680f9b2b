#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make bench: build the release flavour (no debug options) and the userspace,
# and the unmodified kernel of the same config; boot the unmodified one for
# the setns rows, then ours for every row; keep the table, with our setns
# against the unmodified kernel's, in results/bench.txt.
# BENCH_ARGS: options for nsfd_bench (counts; nsfd_bench --help lists them).
# VM_MEMORY: the VM's memory (default 2G: 100,000 pinned namespaces).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$NSFD_TOP"
export FLAVOUR=release

build_kernel_and_userspace
# The oracle for setns: the unmodified kernel, release config minus CONFIG_NSFD.
mainline=$(build_unmodified_kernel release)
mkdir -p "$NSFD_RESULTS"
table=$NSFD_RESULTS/bench.txt
rm -f "$table" "$table.vm" "$NSFD_RESULTS"/bench-values-*.tsv
# First the setns rows in the unmodified kernel, then the whole bench in
# ours (the same counts). The VM's console is in results/console.log; its
# progress lines are shown.
say "bench: the setns rows in the unmodified kernel ($mainline)"
NSFD_KERNEL_BUILD=$mainline VM_MEMORY=${VM_MEMORY:-2G} scripts/vm.sh \
	"cd /tmp && nsfd_bench --setns-only --values $NSFD_RESULTS/bench-values-mainline.tsv ${BENCH_ARGS:-}" \
	2>"$NSFD_RESULTS/bench-vm-mainline.log" | grep --line-buffered '^nsfd_bench:' || true
[ -s "$NSFD_RESULTS/bench-values-mainline.tsv" ] || die "no setns rows from the unmodified kernel: see $NSFD_RESULTS/bench-vm-mainline.log"
say "bench: every row in the kernel with nsfd"
VM_MEMORY=${VM_MEMORY:-2G} scripts/vm.sh "cd /tmp && nsfd_bench --out $table.vm --values $NSFD_RESULTS/bench-values-nsfd.tsv ${BENCH_ARGS:-}" \
	2>"$NSFD_RESULTS/bench-vm.log" | grep --line-buffered '^nsfd_bench:' || true
[ -s "$table.vm" ] || die "nsfd_bench wrote no table: see $NSFD_RESULTS/console.log and bench-vm.log"
{
	echo "make bench, $(date -u +%Y-%m-%d), release flavour ($(readlink build)),"
	echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(sed -n 's/^nsfd: VM: \(KVM\|software emulation\).*/\1/p' "$NSFD_RESULTS/bench-vm.log")"
	cat "$table.vm"
	# Our setns per kind of descriptor against the unmodified kernel's C
	# setns. The two kernels run in two boots of one make bench; the control
	# row (an nsfs ioctl, the same code in both) shows how much the boots
	# differ in speed, and the verdict is on the ratio divided by it.
	echo
	echo "setns against the unmodified kernel (ns per call; same counts, two boots of this run)"
	awk -F'\t' -v control='ioctl(/proc fd, NS_GET_NSTYPE) (control: not the series'"'"' code)' '
		FNR == NR { main[$1] = $2; order[++n] = $1; next }
		{ ours[$1] = $2 }
		END {
			c = (control in main && control in ours && main[control] > 0) ? ours[control] / main[control] : 0
			printf "  %-40s %10s %10s %7s %12s\n", "row", "mainline", "nsfd", "ratio", "/ control"
			for (i = 1; i <= n; i++) {
				name = order[i]
				if (name !~ /^setns\(/) continue
				if (!(name in ours) || main[name] <= 0 || c <= 0) { printf "  %-40s missing\n", name; continue }
				r = ours[name] / main[name]
				printf "  %-40s %10.1f %10.1f %6.3fx %11.3fx  %s\n", name, main[name], ours[name], r, r / c, (r / c <= 1.02 ? "met" : "MISSED")
			}
			printf "  %-40s %10.1f %10.1f %6.3fx\n", "control: ioctl NS_GET_NSTYPE", main[control], ours[control], c
			print "  target: each setns row / control at most 1.02"
		}' "$NSFD_RESULTS/bench-values-mainline.tsv" "$NSFD_RESULTS/bench-values-nsfd.tsv"
} >"$table"
rm -f "$table.vm"
cat "$table"
