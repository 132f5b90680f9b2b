#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make test: set up, build, boot, run every suite, print KTAP per suite and one
# closing line "N passed, N failed[, N skipped]". Exit 1 if anything failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ktap.sh"
cd "$NSFD_TOP"
results=$NSFD_RESULTS
rm -rf "$results"
mkdir -p "$results/ktap"
start=$(date +%s)
stamp() { echo "nsfd: [$(($(date +%s) - start))s] $*" >&2; }

# A suite written on the host: KTAP from "NAME STATUS [message]" lines.
host_suite() { # host_suite NAME < lines
	ktap_from_lines "$1" | tee "$results/ktap/$1.ktap"
}

# Counts the cases of every suite and prints the closing line.
summary() {
	echo
	ktap_suite_counts "$results"
	stamp "done"
	ktap_closing_line "$results"
}

stamp "toolchain"
if ! scripts/setup-toolchain.sh --versions >"$results/versions.txt"; then
	echo "setup failed - see above" | host_suite setup >/dev/null
	summary
	exit 1
fi
cat "$results/versions.txt"

stamp "kernel"
# make test always uses the debug flavour (KASAN, lockdep, kmemleak).
if FLAVOUR=debug scripts/build-kernel.sh 2>&1 | tee "$results/build.log"; [ "${PIPESTATUS[0]}" = 0 ]; then
	kbuild=ok
else
	kbuild=fail
fi
kver=$(cat build/include/config/kernel.release 2>/dev/null || echo "?")
echo "kernel: Linux $kver ($(readlink build 2>/dev/null))" | tee -a "$results/versions.txt"

stamp "static checks"
tree=$(readlink -f build/source 2>/dev/null || true)
{
	echo "kernel_build $kbuild"
	# CLIPPY=1 builds: rustc and clippy warnings of the component.
	if grep -A4 -E '^(warning|error)' "$results/build.log" | grep -qE '/kernel/nsfd/|/rust/kernel/(ns|nsproxy|task)\.rs'; then
		echo "component_no_warnings fail see results/build.log"
	else
		echo "component_no_warnings ok"
	fi
	if [ -n "$tree" ] && /usr/bin/rustfmt --edition 2021 --config-path "$tree/.rustfmt.toml" --check rust/*.rs rust/kernel/*.rs "$tree/rust/kernel/task.rs" >"$results/rustfmt.txt" 2>&1; then
		echo "rustfmt_component ok"
	else
		echo "rustfmt_component fail see results/rustfmt.txt"
	fi
	if cargo fmt --check >>"$results/rustfmt.txt" 2>&1; then echo "rustfmt_userspace ok"; else echo "rustfmt_userspace fail see results/rustfmt.txt"; fi
	# nsfd.2's EXAMPLES program as printed, against the built uapi headers
	# (static: the VM suite man-examples runs it).
	if scripts/man-example.sh Documentation/man/nsfd.2 >"$results/nsfd2-example.c" &&
		cc -static -Wall -Werror -I build/usr-headers/include -o "$results/nsfd2-example" \
			"$results/nsfd2-example.c" >"$results/nsfd2-example.log" 2>&1; then
		echo "man_nsfd2_example_compiles ok"
	else
		echo "man_nsfd2_example_compiles fail see results/nsfd2-example.log"
	fi
	# The syzkaller description: syntax, names, and constants equal to the headers'.
	if scripts/check-syzkaller.py selftests/syzkaller/nsfd.txt selftests/syzkaller/nsfd.txt.const \
		build/usr-headers/include >"$results/check-syzkaller.txt" 2>&1; then
		echo "syzkaller_description ok"
	else
		echo "syzkaller_description fail see results/check-syzkaller.txt"
	fi
} | host_suite build
# Each patch of the exported series applies in turn and passes checkpatch
# --strict (make check-series also builds after each).
scripts/check-series.sh --no-build | tee "$results/ktap/series.ktap"

if [ "$kbuild" != ok ]; then
	summary
	exit 1
fi

stamp "userspace"
export NSFD_UAPI_HEADERS=$NSFD_TOP/build/usr-headers/include
target=x86_64-unknown-linux-gnu
# Static binaries run in the VM whatever the guest's libraries are.
if RUSTFLAGS="-C target-feature=+crt-static" cargo build -q --release --locked --target "$target" 2>&1 | tee "$results/cargo-build.log"; [ "${PIPESTATUS[0]}" = 0 ]; then
	echo "userspace_build ok" | host_suite userspace
else
	echo "userspace_build fail see results/cargo-build.log" | host_suite userspace
	summary
	exit 1
fi
cargo test --locked -- --include-ignored >"$results/cargo-test.log" 2>&1
ct=$?
{
	# "test NAME ... STATUS" as "NAME ok|fail|skip ignored"; a doctest's
	# NAME ("path - (line N) - compile") becomes one word.
	sed -n 's/^test \(.*\) \.\.\. \(ok\|FAILED\|ignored\)$/\1 \2/p' "$results/cargo-test.log" |
		awk '{ st = $NF; $NF = ""; name = $0; gsub(/::/, "_", name); gsub(/[^A-Za-z0-9_]+/, "_", name); sub(/_$/, "", name)
			print name, (st == "FAILED" ? "fail" : st == "ignored" ? "skip ignored" : st) }'
	if [ "$ct" = 0 ]; then echo "cargo_test_exit_status ok"; else echo "cargo_test_exit_status fail see results/cargo-test.log"; fi
} | host_suite host-unit

stamp "kernel selftests"
scripts/build-kselftests.sh | host_suite kselftest-build

stamp "VM"
before=$(ls "$results/ktap")
NSFD_KERNELRELEASE=$kver scripts/vm.sh "NSFD_KERNELRELEASE=$kver NSFD_STRESS=${NSFD_STRESS:-} $NSFD_TOP/scripts/vm-tests.sh $results" >/dev/null
vmrc=$?
stamp "VM exited with $vmrc"
[ -f "$results/vm-timings.txt" ] && sed 's/^/nsfd: VM time: /' "$results/vm-timings.txt" >&2
# The in-VM suites' KTAP (the console log with the boot is in results/).
for f in "$results"/ktap/*.ktap; do
	grep -qxF "$(basename "$f")" <<<"$before" || cat "$f"
done
# The oracle: every outcome of the behaviour suite against the unmodified
# kernel's (recorded by make oracle). Its KTAP is long: the console shows the
# failures and the count, results/ktap/oracle.ktap every case.
stamp "oracle compare"
if [ "$(cat "$results/oracle.rc" 2>/dev/null)" != 0 ]; then
	printf 'KTAP version 1\n1..1\nnot ok 1 oracle_suite_exit # nsfd_selftest --oracle exited with %s (124: timed out; see results/oracle.err)\n' \
		"$(cat "$results/oracle.rc" 2>/dev/null || echo '?')" >"$results/ktap/oracle.ktap"
elif [ -s "$results/oracle.txt" ]; then
	scripts/oracle-compare.py selftests/oracle/mainline.txt "$results/oracle.txt" Documentation/testing.rst \
		>"$results/ktap/oracle.ktap" 2>"$results/oracle-compare.err" ||
		grep -q '^not ok' "$results/ktap/oracle.ktap" ||
		printf 'KTAP version 1\n1..1\nnot ok 1 oracle_compare # %s\n' "$(tail -1 "$results/oracle-compare.err")" >"$results/ktap/oracle.ktap"
else
	printf 'KTAP version 1\n1..1\nnot ok 1 oracle_suite_ran # no output in results/oracle.txt (see results/oracle.err)\n' >"$results/ktap/oracle.ktap"
fi
grep -E '^(KTAP|1\.\.|not ok|# )' "$results/ktap/oracle.ktap" | head -60
scripts/kunit-ktap.sh "$results/console.log" | tee "$results/ktap/kunit.ktap"
scripts/scan-klog.sh "$results" | tee "$results/ktap/kernel-log.ktap"
summary
