#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Configure the kernel build directory: tinyconfig plus a config fragment,
# then olddefconfig, then check that every requested option stuck.
# usage: configure.sh TREE BUILD_DIR FRAGMENT   (build-kernel.sh: the flavour's merged fragment)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
tree=$1 out=$2
frag=${3:?config fragment}
stamp=$out/.nsfd-config
want=$(sha256sum <"$frag" | cut -d' ' -f1)
mapfile -t kargs < <(kmake_args)

[ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && [ -f "$out/.config" ] && exit 0

mkdir -p "$out"
make -s -C "$tree" O="$out" "${kargs[@]}" rustavailable >&2 ||
	die "the kernel's 'make rustavailable' check failed (see above): run scripts/setup-toolchain.sh"
say "configuring $out"
make -s -C "$tree" O="$out" "${kargs[@]}" tinyconfig >/dev/null
"$tree/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$frag" >/dev/null
make -s -C "$tree" O="$out" "${kargs[@]}" olddefconfig >/dev/null

# A requested option that did not stick is an error, not a silent drop.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) grep -qxF "$line" "$out/.config" || { say "config: $line requested, got: $(grep -E "^(# )?${line%%=*}[= ]" "$out/.config" || echo 'absent')"; bad=1; } ;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		! grep -q "^$sym=" "$out/.config" || { say "config: $line requested but it is set"; bad=1; } ;;
	esac
done <"$frag"
[ "$bad" = 0 ] || { rm -f "$stamp"; die "$frag: options above did not stick after olddefconfig"; }
echo "$want" >"$stamp"
