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
# Our setns against mainline's needs two kernels, so two boots, and boots
# of one kernel under emulation differ in speed by several percent: the
# setns rows run in BENCH_SETNS_ROUNDS (default 3) pairs of adjacent boots,
# the unmodified kernel then ours, and the table gives the median ratio.
# Then the whole bench in ours. The VM's console is in results/console.log;
# its progress lines are shown.
rounds=${BENCH_SETNS_ROUNDS:-3}
values=()
setns_boot() { # setns_boot mainline|nsfd ROUND
	local tsv=$NSFD_RESULTS/bench-values-$1-$2.tsv build=()
	[ "$1" = mainline ] && build=(env NSFD_KERNEL_BUILD="$mainline")
	say "bench: setns rows, round $2 of $rounds, in the $1 kernel"
	"${build[@]}" env VM_MEMORY="${VM_MEMORY:-2G}" scripts/vm.sh \
		"cd /tmp && nsfd_bench --setns-only --values $tsv ${BENCH_ARGS:-}" \
		2>"$NSFD_RESULTS/bench-vm-$1-$2.log" | grep --line-buffered '^nsfd_bench:' || true
	[ -s "$tsv" ] || die "no setns rows from the $1 kernel: see $NSFD_RESULTS/bench-vm-$1-$2.log"
	values+=("$tsv")
}
for r in $(seq "$rounds"); do
	setns_boot mainline "$r"
	setns_boot nsfd "$r"
done
say "bench: every row in the kernel with nsfd"
VM_MEMORY=${VM_MEMORY:-2G} scripts/vm.sh "cd /tmp && nsfd_bench --out $table.vm ${BENCH_ARGS:-}" \
	2>"$NSFD_RESULTS/bench-vm.log" | grep --line-buffered '^nsfd_bench:' || true
[ -s "$table.vm" ] || die "nsfd_bench wrote no table: see $NSFD_RESULTS/console.log and bench-vm.log"
{
	echo "make bench, $(date -u +%Y-%m-%d), release flavour ($(readlink build)),"
	echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(sed -n 's/^nsfd: VM: \(KVM\|software emulation\).*/\1/p' "$NSFD_RESULTS/bench-vm.log")"
	cat "$table.vm"
	# Our setns per kind of descriptor against the unmodified kernel's C
	# setns: per round, ours / mainline's of the adjacent boot; the median
	# over the rounds is the verdict. The control row (an nsfs ioctl, the same
	# code in both kernels) shows how much two boots differ by themselves.
	echo
	echo "setns against the unmodified kernel (ns per call, median over $rounds pairs of adjacent boots)"
	awk -F'\t' -v control='ioctl(/proc fd, NS_GET_NSTYPE) (control: not the series'"'"' code)' '
		function median(v, n,   i, j, t) {
			for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
			return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		}
		FNR == 1 { kind = FILENAME ~ /-mainline-/ ? "m" : "o"; if (kind == "m") round++ }
		{ val[kind, round, $1] = $2; if (kind == "m" && round == 1) order[++n] = $1 }
		END {
			printf "  %-40s %10s %10s %8s   %s\n", "row", "mainline", "nsfd", "ratio", "per round"
			for (i = 1; i <= n; i++) {
				name = order[i]
				k = 0; per = ""; bad = 0
				for (r = 1; r <= round; r++) {
					if (!(("o", r, name) in val) || val["m", r, name] <= 0) { bad = 1; continue }
					q[++k] = val["o", r, name] / val["m", r, name]
					mm[k] = val["m", r, name]; oo[k] = val["o", r, name]
					per = per sprintf(" %.3f", q[k])
				}
				if (bad || k == 0) { printf "  %-40s missing\n", name; continue }
				ratio = median(q, k)
				m = median(mm, k); o = median(oo, k)
				verdict = name ~ /^setns\(/ ? (ratio <= 1.02 ? "met" : "MISSED") : "(control)"
				printf "  %-40s %10.1f %10.1f %7.3fx  %s  %s\n", name == control ? "control: ioctl NS_GET_NSTYPE" : name, m, o, ratio, per, verdict
			}
			print "  target: each setns row, median ratio at most 1.02"
		}' "${values[@]}"
} >"$table"
rm -f "$table.vm"
cat "$table"
