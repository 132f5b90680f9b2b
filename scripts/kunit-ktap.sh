#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# KTAP suite "kunit": the component's KUnit tests (rust/kunit.rs, suite nsfd),
# which the debug kernel runs at boot, as its console log has them.
# usage: kunit-ktap.sh CONSOLE_LOG
set -uo pipefail
. "$(dirname "$0")/ktap.sh"
# The suite's lines, without timestamps and one level of KTAP indentation.
block=$(tr -d '\r' <"${1:?console log}" | sed 's/^\[ *[0-9.]*\] //' | awk '
	/^ *# Subtest: nsfd$/ { on = 1; next }
	on && /^(not )?ok [0-9]+ nsfd( |$)/ { exit }
	on && /^    / { sub(/^    /, ""); print }')
if ! grep -qE '^1\.\.[0-9]+$' <<<"$block"; then
	ktap_begin kunit 1
	ktap_fail nsfd_kunit_suite_ran "no KUnit suite nsfd in the kernel log (CONFIG_KUNIT=y in the debug flavour runs rust/kunit.rs at boot)"
	ktap_end
	exit
fi
printf 'KTAP version 1\n# kunit (the KUnit suite nsfd, run at boot)\n'
grep -v '^KTAP version' <<<"$block"
# The same totals line as the other suites; failed if any case failed.
pass=$(grep -cE '^ok [0-9]+ [^#]*$' <<<"$block")
skip=$(grep -cE '^ok [0-9]+ .*# SKIP' <<<"$block")
fail=$(grep -cE '^not ok ' <<<"$block")
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
[ "$fail" = 0 ]
