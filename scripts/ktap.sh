# SPDX-License-Identifier: GPL-2.0
# The one KTAP writer of the project's shell suites: make test's host suites
# (scripts/test.sh), the in-VM boot checks (scripts/vm-tests.sh), the kernel
# log scan (scripts/scan-klog.sh) and selftests/clients.sh. Source it.
#
#   ktap_begin NAME PLAN          the header and the plan
#   ktap_pass CASE
#   ktap_fail CASE [MESSAGE]      MESSAGE's lines go before it as "# CASE: ..."
#   ktap_skip CASE REASON
#   ktap_end                      the totals; status 1 if a case failed
#   ktap_from_lines NAME          a whole suite from "CASE ok|fail|skip [MESSAGE]"
#                                 lines on standard input
#
# And the closing count of a make test run (scripts/test.sh, test-arm64.sh):
#   ktap_suite_counts RESULTS     one line per RESULTS/ktap/*.ktap, also
#                                 written to RESULTS/summary.txt
#   ktap_closing_line RESULTS     "N passed, N failed[, N skipped]", appended to
#                                 RESULTS/summary.txt; status 1 if a case failed

ktap_begin() { # ktap_begin NAME PLAN
	ktap_n=0 ktap_passed=0 ktap_failed=0 ktap_skipped=0 ktap_plan=$2
	printf 'KTAP version 1\n# %s\n1..%s\n' "$1" "$2"
}

ktap_pass() { # ktap_pass CASE
	ktap_n=$((ktap_n + 1)) ktap_passed=$((ktap_passed + 1))
	echo "ok $ktap_n $1"
}

ktap_fail() { # ktap_fail CASE [MESSAGE]
	ktap_n=$((ktap_n + 1)) ktap_failed=$((ktap_failed + 1))
	[ -n "${2:-}" ] && printf '%s\n' "$2" | sed "s/^/# $1: /"
	echo "not ok $ktap_n $1"
}

ktap_skip() { # ktap_skip CASE REASON
	ktap_n=$((ktap_n + 1)) ktap_skipped=$((ktap_skipped + 1))
	echo "ok $ktap_n $1 # SKIP $2"
}

ktap_end() {
	[ "$ktap_n" = "$ktap_plan" ] || echo "# ran $ktap_n cases, planned $ktap_plan"
	echo "# Totals: pass:$ktap_passed fail:$ktap_failed xfail:0 xpass:0 skip:$ktap_skipped error:0"
	[ "$ktap_failed" = 0 ] && [ "$ktap_n" = "$ktap_plan" ]
}

ktap_from_lines() { # ktap_from_lines NAME < "CASE STATUS [MESSAGE]" lines
	local lines l case st msg
	mapfile -t lines
	ktap_begin "$1" "${#lines[@]}"
	for l in "${lines[@]}"; do
		read -r case st msg <<<"$l"
		case $st in
		ok) ktap_pass "$case" ;;
		skip) ktap_skip "$case" "$msg" ;;
		*) ktap_fail "$case" "$msg" ;;
		esac
	done
	ktap_end
}

ktap_suite_counts() { # ktap_suite_counts RESULTS
	local file sp sf ss
	for file in "$1"/ktap/*.ktap; do
		[ -e "$file" ] || continue
		# grep -c prints 0 and fails when nothing matches (a caller may run set -e).
		sp=$(grep -cE '^ok [0-9]+' "$file" | tr -d ' ' || true)
		ss=$(grep -cE '^ok [0-9]+ .*# SKIP' "$file" | tr -d ' ' || true)
		sf=$(grep -cE '^not ok [0-9]+' "$file" | tr -d ' ' || true)
		# A plan of 1..0 with SKIP is one skipped suite.
		if grep -qE '^1\.\.0 # SKIP' "$file"; then ss=$((ss + 1)); sp=$((sp + 1)); fi
		printf 'nsfd: %-16s %4d passed, %d failed, %d skipped\n' "$(basename "$file" .ktap)" $((sp - ss)) "$sf" "$ss"
	done | tee "$1/summary.txt"
}

ktap_closing_line() { # ktap_closing_line RESULTS
	local p f s line
	read -r p f s < <(awk '{p+=$3; f+=$5; s+=$7} END {print p+0, f+0, s+0}' "$1/summary.txt")
	line="$p passed, $f failed"
	[ "$s" -gt 0 ] && line="$line, $s skipped"
	echo "$line" | tee -a "$1/summary.txt"
	[ "$f" -eq 0 ]
}
