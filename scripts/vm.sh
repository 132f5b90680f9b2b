#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the built kernel under virtme-ng.
#   vm.sh                 an interactive root shell (on a terminal)
#   vm.sh 'CMD ...'       run CMD in the VM, print its output, exit with its status
#                         (or NSFD_CMD='CMD ...', as 'make run CMD=...' does)
# The host's file system is visible read-only; the project's binaries are on
# PATH; results/ is writable. The console log goes to results/console.log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# NSFD_KERNEL_BUILD: another build directory (scripts/upstream-baseline.sh).
build=${NSFD_KERNEL_BUILD:-$NSFD_TOP/build}
[ -f "$build/arch/x86/boot/bzImage" ] || die "no kernel built: run 'make kernel'"
bindir=$NSFD_TOP/target/x86_64-unknown-linux-gnu/release
mkdir -p "$NSFD_RESULTS"

# KVM only where it can run this kernel: the CPU must advertise vmx or svm
# (these machines' /dev/kvm is a paravirtual kind that cannot).
accel=(--disable-kvm)
how="software emulation (TCG): the CPU advertises neither vmx nor svm"
if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
	accel=()
	how="KVM"
fi
say "VM: $how"

vng_args=(--run "$build" "${accel[@]}" --cpus 2 --memory "${VM_MEMORY:-1G}" --rwdir "$NSFD_RESULTS" -v)
append=()
# 4-level page tables. qemu's TCG CPU has LA57, and 7.3.4 with KASAN has
# a window at boot in which an interrupt gives a false report:
# identify_cpu() clears boot_cpu_data's feature bits (memset) before it
# reads them again, pgtable_l5_enabled() reads LA57 from them (alternatives
# are not patched yet), so KASAN's shadow range is briefly 4-level's, and
# the interrupt path's check of a per-CPU variable in the 5-level direct map
# reports "wild-memory-access in rcu_is_watching" from identify_cpu. Seen
# once in CI (0.004 s) and once here (5.9 s, trace in
# Documentation/testing.rst); with no5lvl LA57 stays off throughout.
append+=(no5lvl)
# PCI interrupts routed without ACPI (the devices use MSI-X): evaluating the
# interrupt links' AML took about half a minute of each boot of this debug
# kernel under emulation. (acpi=off would also lose the second CPU.)
append+=(acpi=noirq)
# vng exports the host's root to the guest over 9p without a cache: every
# exec reads its binary again, page by page, over 9p. The guest's root is
# read-only and nothing on the host changes it while the VM runs, so the
# guest may cache it (the results directory, written by both, stays
# uncached). The kernel takes the last rootflags= given, so this one wins
# over vng's; --force-9p keeps vng from choosing virtio-fs, whose options
# differ. scripts/vm-probe.sh measures the difference (README, "Disk and time").
vng_args+=(--force-9p)
append+=("rootflags=version=9p2000.L,trans=virtio,access=any,msize=524288,cache=${VM_ROOT_CACHE:-loose}")
# VM_APPEND: extra kernel command-line arguments (experiments).
[ -n "${VM_APPEND:-}" ] && append+=("$VM_APPEND")
if [ ${#append[@]} -gt 0 ]; then
	vng_args+=(--append "${append[*]}")
fi

# virtme-ng's init runs the host's systemd-udevd, a full coldplug
# (udevadm trigger and settle) and systemd-tmpfiles: minutes in this debug
# kernel under emulation, for nothing the tests use. As root, vng runs in a
# private mount namespace in which /usr/lib/systemd holds only a stand-in
# udevd that makes the console-port links, udevadm and systemd-tmpfiles are
# no-ops (scripts/vm-stubs), and /usr/local/bin (on the guest's default PATH)
# also holds the project's binaries. Nothing outside that namespace changes.
vng=(vng)
if [ "$(id -u)" = 0 ]; then
	binview=$NSFD_CACHE/vm-bin
	rm -rf "$binview"
	mkdir -p "$binview"
	for f in /usr/local/bin/* "$bindir"/nsfd "$bindir"/nsfd_selftest "$bindir"/nsfd_stress "$bindir"/nsfd_bench; do
		[ -e "$f" ] && ln -sfn "$f" "$binview/${f##*/}"
	done
	vng=(unshare -m --propagation private sh -c '
		mount --bind "$0/systemd" /usr/lib/systemd &&
		mount --bind "$0/noop" /usr/bin/udevadm &&
		mount --bind "$0/noop" /usr/bin/systemd-tmpfiles &&
		mount --bind "$1" /usr/local/bin && shift && exec vng "$@"'
		"$NSFD_TOP/scripts/vm-stubs" "$binview")
	say "VM: udev and tmpfiles stand-ins (scripts/vm-stubs); project binaries in /usr/local/bin"
else
	say "VM: not root: full udev coldplug (slow); project binaries: $bindir"
fi

timeout=${VM_TIMEOUT:-2400}
[ $# -eq 0 ] && [ -n "${NSFD_CMD:-}" ] && set -- "$NSFD_CMD"
if [ $# -eq 0 ]; then
	# The interactive shell: a plain /bin/sh by default, because an interactive
	# bash runs the host user's ~/.bashrc, which under emulation can take
	# minutes (pyenv init did here). VM_SHELL=/bin/bash for bash.
	exec env PATH="$bindir:$NSFD_TOP/scripts:$PATH" "${vng[@]}" "${vng_args[@]}" --shell "${VM_SHELL:-/bin/sh}"
fi
# vng exits with the command's status. Pipe (never redirect) its output: qemu
# reopens a redirected file at offset 0.
set +e
timeout --foreground -k 10 "$timeout" env PATH="$bindir:$NSFD_TOP/scripts:$PATH" \
	"${vng[@]}" "${vng_args[@]}" --exec "$*" 2>&1 | tee "$NSFD_RESULTS/console.log"
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 124 ] && say "VM timed out after ${timeout}s"
exit "$rc"
