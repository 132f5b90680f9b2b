#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Shows that make test fails when it must. Each fault is applied to a
# temporary git worktree of HEAD, in which a whole 'make test' runs:
#   broken-rust  a type error in rust/ns.rs: make test must exit non-zero
#                with rustc's error in its output
#   init-warn    kernel::warn_on!(true) in the component's init: every suite
#                still passes, so make test must fail through the kernel-log
#                scan (kernel-log: not ok ... no_warning)
# usage: check-failure-paths.sh [broken-rust|init-warn]...   (default: both)
# The worktree shares the kernel build cache, so the next make test in this
# checkout recompiles the component (seconds) and relinks.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
[ $# -gt 0 ] || set -- broken-rust init-warn

fault() { # fault NAME DIR: apply the fault to the worktree DIR
	case $1 in
	broken-rust)
		printf '\nfn nsfd_deliberately_broken() -> u32 {\n    "not a number"\n}\n' >>"$2/rust/ns.rs" ;;
	init-warn)
		# First statement of the module's init, indented one level below its
		# fn line whatever that line's own indentation (rustfmt-clean, so that
		# only the kernel-log scan can catch it).
		sed -i -E 's|^([[:space:]]*)(fn init\(.*\)[[:space:]]*->[[:space:]]*Result<Self>[[:space:]]*\{)[[:space:]]*$|\1\2\n\1    kernel::warn_on!(true);|' "$2/rust/nsfd.rs"
		grep -q 'warn_on!(true)' "$2/rust/nsfd.rs" || die "init-warn: could not place the WARN_ON" ;;
	*) die "unknown fault $1" ;;
	esac
}

expect() { # expect NAME LOG: what the failed run must show
	case $1 in
	broken-rust) grep -E '^error(\[E[0-9]+\])?: mismatched types' -A3 "$2" | grep -m1 -B1 'rust/ns.rs' ;;
	init-warn)
		grep -E '^# no_warning: |^not ok [0-9]+ no_warning' "$2" | head -n 4 | grep . &&
			# the suites that failed: the kernel-log scan and no other
			failed=$(grep -E '^nsfd: [^ ]+ +[0-9]+ passed, [1-9][0-9]* failed' "$2") &&
			[ "$(cut -d' ' -f2 <<<"$failed" | sort -u)" = kernel-log ] &&
			printf '%s\n' "$failed" ;;
	esac
}

bad=0
for f in "$@"; do
	wt=$(mktemp -d "${TMPDIR:-/tmp}/nsfd-fault-$f.XXXXXX")
	git -C "$NSFD_TOP" worktree add -q --detach "$wt" HEAD || die "git worktree add failed"
	fault "$f" "$wt"
	log=$NSFD_RESULTS/fault-$f.log
	mkdir -p "$NSFD_RESULTS"
	say "fault $f: make test in $wt (log: $log)"
	(cd "$wt" && make test) >"$log" 2>&1
	rc=$?
	if [ "$rc" != 0 ] && shown=$(expect "$f" "$log") && [ -n "$shown" ]; then
		say "fault $f: make test failed as it must (exit $rc); its log shows:"
		printf '%s\n' "$shown" | sed 's/^/    /' >&2
		say "fault $f: closing line: $(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)"
	else
		say "fault $f: NOT caught (exit $rc): see $log"
		bad=1
	fi
	git -C "$NSFD_TOP" worktree remove --force "$wt"
done
exit "$bad"
