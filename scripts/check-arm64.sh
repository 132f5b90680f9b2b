#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Cross-builds the integrated tree (the patch series applied) for arm64 with
# LLVM and the component on: the series touches every architecture's syscall
# table and core code, and the component's entries are SYSCALL_DEFINE2 (no
# architecture's registers), so it must build there too, with the real
# nsfd and setns in the arm64 syscall table (not the COND_SYSCALL stub).
# Not part of make test (it takes minutes); prints the result.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
src=$("$NSFD_TOP/scripts/fetch-kernel.sh")
tree=$("$NSFD_TOP/scripts/prepare-tree.sh" "$src")
out=$NSFD_CACHE/build/arm64-check
frag=$(mktemp)
trap 'rm -f "$frag"' EXIT
cat >"$frag" <<'EOF'
CONFIG_64BIT=y
# Namespaces need MULTIUSER, which tinyconfig leaves off.
CONFIG_MULTIUSER=y
CONFIG_PROC_FS=y
CONFIG_NAMESPACES=y
CONFIG_UTS_NS=y
CONFIG_IPC_NS=y
CONFIG_USER_NS=y
CONFIG_PID_NS=y
CONFIG_NET=y
CONFIG_NET_NS=y
CONFIG_CGROUPS=y
CONFIG_TIME_NS=y
CONFIG_SYSVIPC=y
CONFIG_POSIX_MQUEUE=y
CONFIG_RUST=y
CONFIG_NSFD=y
EOF
mapfile -t karm < <(kmake_args)
karm+=(ARCH=arm64)
mkdir -p "$out"
make -s -C "$tree" O="$out" "${karm[@]}" tinyconfig >/dev/null
"$tree/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$frag" >/dev/null
make -s -C "$tree" O="$out" "${karm[@]}" olddefconfig >/dev/null
grep -q '^CONFIG_NSFD=y' "$out/.config" || die "arm64: CONFIG_NSFD did not stick: $(grep -E 'CONFIG_(RUST|NSFD)[= ]' "$out/.config" | tr '\n' ' ')"
say "building arm64 vmlinux of $tree in $out"
make -s -C "$tree" O="$out" "${karm[@]}" -j"$(nproc)" vmlinux
# Both entries must be the component's (strong text symbols, 'T'), not the
# weak COND_SYSCALL stub ('W').
syms=$(llvm-nm "$out/vmlinux" | grep -E ' __arm64_sys_(nsfd|setns)$' || true)
grep -q ' T __arm64_sys_nsfd$' <<<"$syms" || die "arm64: no strong __arm64_sys_nsfd in vmlinux: $syms"
grep -q ' T __arm64_sys_setns$' <<<"$syms" || die "arm64: no strong __arm64_sys_setns in vmlinux: $syms"
say "arm64: the series builds; vmlinux has:"
printf '%s\n' "$syms" >&2
