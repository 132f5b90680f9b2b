#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Prints the last example (.EX ... .EE) of a man page as plain text, groff
# escapes undone: the EXAMPLES program, so that make test can compile and
# run it as printed.
# usage: man-example.sh MANPAGE
set -euo pipefail
awk '/^\.EX$/ { buf = ""; inside = 1; next }
     /^\.EE$/ { inside = 0; last = buf; next }
     inside   { buf = buf $0 "\n" }
     END      { printf "%s", last }' "${1:?man page}" |
	sed 's/\\-/-/g; s/\\\[aq\]/'"'"'/g; s/\\e/\\/g'
