#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# KTAP suite "kernel-log": the whole kernel log of the run must be free of
# oopses, BUGs, WARNINGs, KASAN, lockdep and kmemleak reports and hung tasks.
# usage: scan-klog.sh RESULTS_DIR
set -uo pipefail
results=$1
log=$results/console.log
[ -s "$results/dmesg.txt" ] && log="$log $results/dmesg.txt"

. "$(dirname "$0")/ktap.sh"

ktap_begin kernel-log 9
scan() { # scan NAME REGEX [FILES]
	local hits
	# shellcheck disable=SC2086
	hits=$(cat ${3:-$log} 2>/dev/null | tr -d '\r' | grep -E "$2" | sort -u | head -n 20)
	if [ -n "$hits" ]; then ktap_fail "$1" "$hits"; else ktap_pass "$1"; fi
}
# The first report in full (40 lines of the console log from its first
# line), so that a CI log alone shows the call trace.
first_report() { # first_report REGEX
	local at
	at=$(tr -d '\r' <"$results/console.log" 2>/dev/null | grep -nE "$1" | head -n 1 | cut -d: -f1)
	[ -n "$at" ] && echo "# the first report in the console log:" && tr -d '\r' <"$results/console.log" | sed -n "${at},$((at + 39))p" | sed 's/^/# /'
}
if [ ! -s "$results/console.log" ]; then
	echo "# no console log: the VM did not run"
fi
scan no_oops 'Oops|general protection fault|Kernel panic|kernel BUG at|BUG: unable to handle|Unable to handle kernel'
scan no_bug 'BUG:|rust_panic|panicked at'
scan no_warning 'WARNING:|------------\[ cut here \]'
scan no_kasan 'KASAN:|BUG: KASAN'
scan no_lockdep 'possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|BUG: sleeping function called from invalid context'
# make test and make stress run the debug kernel, which has kmemleak: a run
# that did not scan has not looked for leaks.
if [ -f "$results/kmemleak.txt" ]; then
	ktap_pass kmemleak_scanned
else
	ktap_fail kmemleak_scanned "no kmemleak.txt: the run's end did not scan (no /sys/kernel/debug/kmemleak?)"
fi
scan no_kmemleak 'unreferenced object|kmemleak: [0-9]+ new suspected memory leaks' "$results/kmemleak.txt $log"
first_report 'Oops|general protection fault|BUG:|WARNING:|KASAN:|possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage|blocked for more than'
scan no_hung_task 'blocked for more than|INFO: task .* blocked|rcu: INFO: rcu_.* self-detected stall'
# Every VM run (make test, make stress) saves dmesg as its last step.
if [ -s "$results/dmesg.txt" ]; then
	ktap_pass log_complete
else
	ktap_fail log_complete "the VM run did not reach its end (no dmesg saved)"
fi
ktap_end
