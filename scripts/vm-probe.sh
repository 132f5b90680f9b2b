#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# What a process costs in the VM: run inside it, e.g.
#   make run CMD=scripts/vm-probe.sh                      # root cached (default)
#   VM_ROOT_CACHE=none make run CMD=scripts/vm-probe.sh   # as vng leaves it
# Prints the guest's milliseconds per run of each command. Compare numbers
# within one run only: the machines differ by up to 4x.
set -u
now() { cut -d' ' -f1 /proc/uptime; }
per_run() { # per_run N CMD...: CMD N times, ms per run
	local n=$1 s e i
	shift
	s=$(now)
	for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1; done
	e=$(now)
	awk -v s="$s" -v e="$e" -v n="$n" -v c="$*" 'BEGIN { printf "%-40s %8.0f ms\n", c, (e - s) * 1000 / n }'
}
grep -E '^[^ ]+ / ' /proc/mounts
costs() {
	per_run 10 /bin/true
	per_run 10 sh -c :
	per_run 10 nsfd --help
	per_run 10 eval '( : )'
	per_run 10 unshare -u true
	per_run 5 unshare -n true
	per_run 2 perl -e 1
	per_run 2 jq -n 1
	per_run 2 python3 -c pass
	nsfd_selftest --oracle-costs
}
costs
