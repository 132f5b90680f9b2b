#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Cross-builds the integrated tree (the patch series applied) for arm64 with
# LLVM: the series touches the generic syscall table and core code, so it
# must build there too. The component itself is x86_64-only (its syscall
# entries read x86 registers), so CONFIG_NSFD is off and the kernel's own
# setns and a "not implemented" nsfd (COND_SYSCALL) are linked instead.
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
EOF
karm=(ARCH=arm64 LLVM=1)
mkdir -p "$out"
make -s -C "$tree" O="$out" "${karm[@]}" tinyconfig >/dev/null
"$tree/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$frag" >/dev/null
make -s -C "$tree" O="$out" "${karm[@]}" olddefconfig >/dev/null
grep -q '^CONFIG_NSFD=y' "$out/.config" && die "CONFIG_NSFD is on for arm64: this check expects it off"
say "building arm64 vmlinux of $tree in $out"
make -s -C "$tree" O="$out" "${karm[@]}" -j"$(nproc)" vmlinux
# The table entry of nsfd (473) must be there, bound to the "not implemented" stub.
syms=$(llvm-nm "$out/vmlinux" | grep -E ' __arm64_sys_(nsfd|setns)$' || true)
grep -q ' __arm64_sys_nsfd$' <<<"$syms" || die "arm64: no __arm64_sys_nsfd in vmlinux"
grep -q ' __arm64_sys_setns$' <<<"$syms" || die "arm64: no __arm64_sys_setns in vmlinux"
say "arm64: the series builds; vmlinux has:"
printf '%s\n' "$syms" >&2
