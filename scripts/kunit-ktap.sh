#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# KTAP suite "kunit": the KUnit suites of the series' abstractions
# (rust_kernel_ns in rust/kernel/ns.rs, rust_kernel_nsproxy in
# rust/kernel/nsproxy.rs), which the debug kernel runs at boot
# (CONFIG_KUNIT=y), as its console log has them. Each case becomes one case
# "SUITE.CASE"; a suite missing from the log is a failed case.
# usage: kunit-ktap.sh CONSOLE_LOG
set -uo pipefail
. "$(dirname "$0")/ktap.sh"
suites=(rust_kernel_ns rust_kernel_nsproxy)
log=$(tr -d '\r' <"${1:?console log}" | sed 's/^\[ *[0-9.]*\] //')
lines=$(for suite in "${suites[@]}"; do
	# The suite's case results, one level of KTAP indentation down.
	block=$(awk -v s="$suite" '
		$0 ~ "^ *# Subtest: " s "$" { on = 1; next }
		on && $0 ~ "^(not )?ok [0-9]+ " s "( |$)" { exit }
		on && /^    / { sub(/^    /, ""); print }' <<<"$log")
	if ! grep -qE '^1\.\.[0-9]+$' <<<"$block"; then
		echo "$suite.ran fail no KUnit suite $suite in the kernel log"
		continue
	fi
	sed -nE "s/^ok [0-9]+ ([^ #]+) *# SKIP *(.*)$/$suite.\1 skip \2/p
		s/^ok [0-9]+ ([^ #]+)$/$suite.\1 ok/p
		s/^not ok [0-9]+ ([^ #]+).*$/$suite.\1 fail see the kernel log/p" <<<"$block"
done)
ktap_from_lines kunit <<<"$lines"
