#!/bin/sh
# Check a partition layout on the host: tools/ptcheck.sh FILE.c [OUT_DIR]
#
# Compiles tools/ptcheck.c with the layout FILE.c into OUT_DIR/ptcheck-<name> (OUT_DIR defaults
# to a temporary directory, removed afterwards) and runs it with FILE.c as its argument, so
# the messages name the file as given. Its output and exit status pass through:
#   0  the table is good    ("ptcheck: FILE.c: ok: ...")
#   1  the table is bad     (one "ptcheck: FILE.c: partition ...: <field>: <reason>" line each)
#   2  usage, or FILE.c does not compile (compiler messages on stderr)
# The Makefile runs the same commands before it links the hypervisor.
set -u
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 FILE.c [OUT_DIR]" >&2
	exit 2
fi
layout=$1
root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -eq 2 ]; then
	out=$2
	mkdir -p "$out" || exit 2
else
	out=$(mktemp -d) || exit 2
	trap 'rm -rf "$out"' EXIT
fi
bin=$out/ptcheck-$(basename "$layout" .c)
# The warnings are the Makefile's WARN.
if ! gcc -std=c11 -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wshadow \
	-Wpointer-arith -Wcast-align -Wundef -I"$root" -I"$root/core/include" -o "$bin" "$root/tools/ptcheck.c" "$layout"; then
	echo "ptcheck: $layout: does not compile" >&2
	exit 2
fi
"$bin" "$layout"
