#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM (as root): every in-VM suite, each writing its KTAP to
# $NSFD_RESULTS/ktap/<suite>.ktap, then the kernel log.
set -uo pipefail
results=${1:?results directory}
mkdir -p "$results/ktap"
top=$(cd "$(dirname "$0")/.." && pwd)

suite() { # suite NAME CMD...: run CMD, keep its KTAP, show it
	local name=$1
	shift
	echo "nsfd: suite $name" >&2
	"$@" 2>&1 | tee "$results/ktap/$name.ktap"
}

boot_checks() {
	echo "KTAP version 1"
	echo "# boot"
	echo "1..2"
	if dmesg | grep -q 'nsfd: namespace file descriptors ready'; then
		echo "ok 1 component_init_logged"
	else
		echo "# no 'nsfd: namespace file descriptors ready' line in the kernel log"
		echo "not ok 1 component_init_logged"
	fi
	# The VM must run the kernel this project built, not the host's.
	if [ "$(uname -r)" = "${NSFD_KERNELRELEASE:-?}" ]; then
		echo "ok 2 booted_the_built_kernel"
	else
		echo "# booted $(uname -r), built ${NSFD_KERNELRELEASE:-?}"
		echo "not ok 2 booted_the_built_kernel"
	fi
}

suite boot boot_checks
suite nsfd nsfd_selftest
suite clients "$top/selftests/clients.sh"

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug 2>/dev/null
# Leaks: ask kmemleak for a scan now rather than waiting for its thread.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >"$results/kmemleak.txt"
fi
dmesg >"$results/dmesg.txt"
