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
