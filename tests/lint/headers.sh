#!/bin/sh
# Header self-containment (make lint): every header under core/, arch/ and images/sdk/
# compiles on its own, and twice in a row (its include guard works):
#
#   CC=gcc KCFLAGS='<the hypervisor's flags>' SDK_CFLAGS='<the SDK's>' tests/lint/headers.sh
#
# make lint runs it with the Makefile's KCFLAGS and images/sdk/sdk.mk's SDK_CFLAGS. Each
# header is compiled as `$CC <flags> -fsyntax-only -x c -` of a file holding only
#   #include "<header>"
#   #include "<header>"
# from the repository root: images/sdk/ headers with SDK_CFLAGS, the library and the
# interface (core/lib/, core/include/, built by both) with both, the rest with KCFLAGS.
# Prints "<header>: [kernel|sdk] <the compiler's first error>" per failure, then
# "headers: N of M compilations failed", and exits 1; prints nothing and exits 0 when all
# compile. (Twice in a row catches a missing guard only where a second copy is an error:
# a type or a definition, not prototypes and identical macros.)
# The headers are those git knows (tracked, and untracked not ignored), else every *.h;
# the compilations run in parallel (JOBS, default: the number of CPUs).
set -u
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$0")/../.." || exit 2
CC=${CC:-gcc}

# --one FLAGSET HEADER: the worker xargs runs.
if [ "${1:-}" = --one ]; then
	case $2 in
	sdk) flags=$SDK_CFLAGS ;;
	*) flags=$KCFLAGS ;;
	esac
	# shellcheck disable=SC2086 # the flags are words
	if ! out=$(printf '#include "%s"\n#include "%s"\n' "$3" "$3" |
		$CC $flags -fsyntax-only -x c - 2>&1); then
		first=$(printf '%s\n' "$out" | grep -m1 'error' || printf '%s\n' "$out" | head -n 1)
		echo "$3: [$2] ${first:-$CC failed without a message}"
		exit 1
	fi
	exit 0
fi

if [ -z "${KCFLAGS:-}" ] || [ -z "${SDK_CFLAGS:-}" ]; then
	echo "usage: CC=gcc KCFLAGS=... SDK_CFLAGS=... $0 (make lint passes the build's flags)" >&2
	exit 2
fi
export CC KCFLAGS SDK_CFLAGS

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	headers=$(git ls-files -co --exclude-standard 'core/*.h' 'arch/*.h' 'images/sdk/*.h' |
		while read -r h; do [ -f "$h" ] && echo "$h"; done)
else
	headers=$(find core arch images/sdk -name '*.h' -type f | sort)
fi
[ -n "$headers" ] || { echo "headers: no headers found" >&2; exit 2; }

list=$(mktemp)
out=$(mktemp)
trap 'rm -f "$list" "$out"' EXIT
for h in $headers; do
	case $h in
	images/sdk/*) echo "sdk $h" ;;
	core/lib/* | core/include/*) echo "kernel $h" && echo "sdk $h" ;;
	*) echo "kernel $h" ;;
	esac
done >"$list"
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
# xargs exits 123 when a worker failed (its line says which); anything else is xargs' own.
xargs -P "$jobs" -n 2 "$self" --one <"$list" >"$out"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 123 ]; then
	echo "headers: xargs exited $rc" >&2
	exit 2
fi
total=$(wc -l <"$list")
failed=$(grep -c . "$out")
if [ "$failed" -gt 0 ]; then
	sort "$out"
	echo "headers: $failed of $total compilations failed"
	exit 1
fi
exit 0
