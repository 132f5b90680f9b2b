#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Shows that make test fails when it must. Each fault is applied to a
# temporary git worktree of HEAD, in which a whole 'make test' runs:
#   broken-rust      a type error in rust/kernel/ns.rs: make test must exit non-zero
#                    with rustc's error in its output
#   nsfd-warn        kernel::warn_on!(true) in every nsfd() call: every suite
#                    still passes, so make test must fail through the kernel-log
#                    scan (kernel-log: not ok ... no_warning)
#   leak-nsfd        every handle that nsfd() opens leaks a namespace
#                    reference (in Namespace::open_file): the selftest's
#                    every_*_namespace_freed_exactly cases and KUnit's
#                    rust_kernel_ns.nsfs_files_return_their_reference must fail
#   leak-setns       every setns() of a namespace file leaks one: the same
#   skip-permission  nsfd() skips the ptrace check of /proc/PID/ns: the
#                    permission_nobody_equals_proc case must fail
#   wrong-errno      setns() of a negative fd gives EINVAL, not EBADF: the
#                    setns_negative_fd_ebadf case must fail
#   mismatch-accepted  setns() of a namespace file takes an nstype of a
#                    smaller value than the namespace's own type (a bug the
#                    handle and the /proc file share): the oracle suite's
#                    mismatch cases must fail against the unmodified kernel
# usage: check-failure-paths.sh [FAULT]...   (default: all)
# The worktree shares the kernel build cache, so the next make test in this
# checkout recompiles the component (seconds) and relinks.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
[ $# -gt 0 ] || set -- broken-rust nsfd-warn leak-nsfd leak-setns skip-permission wrong-errno mismatch-accepted

fault() { # fault NAME DIR: apply the fault to the worktree DIR
	case $1 in
	broken-rust)
		printf '\nfn nsfd_deliberately_broken() -> u32 {\n    "not a number"\n}\n' >>"$2/rust/kernel/ns.rs" ;;
	nsfd-warn)
		plant "$2/rust/open.rs" 's|^( *)pub\(crate\) fn nsfd\(pid: Pid, nstype: c_ulong\) -> Result<c_int> \{$|&\n\1    kernel::warn_on!(true);|' 'warn_on!(true)' ;;
	leak-nsfd)
		plant "$2/rust/kernel/ns.rs" 's|^( *)pub fn open_file\(ns: ARef<Self>\) -> Result<ARef<File>> \{$|&\n\1    core::mem::forget(ns.clone());|' 'forget(ns.clone())' ;;
	leak-setns)
		plant "$2/rust/setns.rs" 's|^( *)NsSet::join\(ns\)$|\1core::mem::forget(kernel::sync::aref::ARef::from(*ns));\n\1NsSet::join(ns)|' 'forget(kernel::sync::aref::ARef::from' ;;
	skip-permission)
		plant "$2/rust/open.rs" 's|if !task\.may_read_fscreds\(\) \{|if !task.may_read_fscreds() \&\& pid < 0 {|' 'may_read_fscreds() && pid < 0' ;;
	wrong-errno)
		plant "$2/rust/setns.rs" 's#u32::try_from\(fd\)\.map_err\(\|_\| EBADF\)#u32::try_from(fd).map_err(|_| EINVAL)#' 'map_err(|_| EINVAL)' ;;
	mismatch-accepted)
		plant "$2/rust/setns.rs" 's#flags != 0 && flags != ns\.ns_type\(\) as c_ulong#flags != 0 \&\& flags > ns.ns_type() as c_ulong#' 'flags > ns.ns_type()' ;;
	*) die "unknown fault $1" ;;
	esac
}

# plant FILE SED_EXPR MARKER: a fault that only a test can catch: the file
# stays rustfmt-clean, and the edit must have happened.
plant() {
	sed -i -E "$2" "$1"
	grep -qF "$3" "$1" || die "could not plant the fault in $1"
	/usr/bin/rustfmt --edition 2021 --config-path "$NSFD_TOP/build/source/.rustfmt.toml" "$1" ||
		die "rustfmt of $1 failed"
}

# The failed cases of a make test log, "SUITE: not ok N CASE".
failed_cases() {
	awk '/^KTAP version/ { suite = "" } /^# [a-z][a-z0-9-]*$/ && !suite { suite = $2 }
		/^not ok [0-9]+ / { print (suite ? suite ": " : "") $0 }' "$1"
}

expect() { # expect NAME LOG: what the failed run must show
	case $1 in
	broken-rust) grep -E '^error(\[E[0-9]+\])?: mismatched types' -A3 "$2" | grep -m1 -B1 'rust/kernel/ns.rs' ;;
	nsfd-warn)
		grep -E '^# no_warning: |^not ok [0-9]+ no_warning' "$2" | head -n 4 | grep . &&
			# the suites that failed: the kernel-log scan and no other
			failed=$(grep -E '^nsfd: [^ ]+ +[0-9]+ passed, [1-9][0-9]* failed' "$2") &&
			[ "$(cut -d' ' -f2 <<<"$failed" | sort -u)" = kernel-log ] &&
			printf '%s\n' "$failed" ;;
	leak-nsfd)
		failed_cases "$2" | grep -E 'not ok [0-9]+ (every_[a-z]+_namespace_freed_exactly|rust_kernel_ns.nsfs_files_return_their_reference)' |
			awk '{ print } /nsfs_files_return_their_reference/ { k = 1 } /freed_exactly/ { f = 1 } END { exit !(k && f) }' ;;
	leak-setns)
		failed_cases "$2" | grep -E 'not ok [0-9]+ every_[a-z]+_namespace_freed_exactly' ;;
	skip-permission) failed_cases "$2" | grep -E 'not ok [0-9]+ permission_nobody_equals_proc' ;;
	wrong-errno) failed_cases "$2" | grep -E 'not ok [0-9]+ setns_negative_fd_ebadf' ;;
	mismatch-accepted) failed_cases "$2" | grep -E 'not ok [0-9]+ setns_net_init_live_(proc|handle)_root_mismatch' ;;
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
		say "fault $f: every failed case:"
		failed_cases "$log" | sed 's/^/    /' >&2
	else
		say "fault $f: NOT caught (exit $rc): see $log"
		bad=1
	fi
	git -C "$NSFD_TOP" worktree remove --force "$wt"
done
exit "$bad"
