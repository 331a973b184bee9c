#!/bin/bash
# A plain `make` in a fresh clone builds what the README says (make test's "clone" section):
#
#   tests/fresh_clone.sh
#
# Clones the repository at HEAD into a temporary directory and lays the working tree's
# uncommitted changes over it (files changed since HEAD, staged or not, deleted files and
# untracked files git does not ignore), so the tree checked is the one make test tests; a
# tree without .git (make mutants' scratch copies) is copied instead, without build/. There
# it runs `make` with no target and no variables (-j2 at most), in the caller's environment
# less what a calling make passes down (MAKEFLAGS and the variables set on its command line),
# then `make PARTITIONS=rt`. Prints
#   PASS/FAIL clone:make                  plain make exits 0
#   PASS/FAIL clone:make-bin-iso          ... and made build/bulkhead.bin and build/bulkhead.iso
#   PASS/FAIL clone:make-default-goal     ... and nothing of another goal (no build/fuzz,
#                                         build/host, build/emu, build/linux/bare.iso), and
#                                         make's .DEFAULT_GOAL (make -pq) is all
#   PASS/FAIL clone:make-partitions-rt    make PARTITIONS=rt exits 0 and relinks
#                                         build/bulkhead.bin with partitions/rt.c (checked
#                                         first: build/ptcheck-rt.c.ok), nothing else either
# and exits 1 if any failed. The makes' output is kept in BUILD/clone/*.log (BUILD: build).
#
# The Linux image's Debian packages are not downloaded again: the .debs the working tree's
# build fetched (BUILD/linux/debs) are linked into a temporary cache that the clone's
# images/linux/fetch.sh is pointed at with BULKHEAD_DEB_CACHE (unless the caller set that
# already). About 10 s on 2 cores.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
OUT=$ROOT/${BUILD:-build}/clone
mkdir -p "$OUT"
failed=0

pass() { echo "PASS clone:$1"; }
# fail NAME WHY [LOG]: a FAIL line, and the log's last lines.
fail() {
	echo "FAIL clone:$1: $2"
	failed=1
	if [ -n "${3:-}" ] && [ -f "$3" ]; then
		tail -n 20 "$3" | sed 's/^/    /'
	fi
}

# What a calling make (make test) passes down is not the user's: its job server, its flags
# and the variables given on its command line (exported to the environment as well).
# MAKEFLAGS ends in " -- NAME=value ..." when the calling make was given variables.
case " ${MAKEFLAGS:-}" in
*" -- "*)
	for v in ${MAKEFLAGS#*-- }; do
		case $v in
		[A-Za-z_]*=*) unset "${v%%=*}" 2>/dev/null ;;
		esac
	done
	;;
esac
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES BUILD
jobs=$(nproc 2>/dev/null || echo 1)
[ "$jobs" -gt 2 ] && jobs=2

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bulkhead-clone.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
trap 'rm -rf "$TMP"; exit 130' INT TERM
tree=$TMP/bulkhead

# --- the fresh tree --------------------------------------------------------------------
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	if ! git clone -q "$ROOT" "$tree" >"$OUT/clone.log" 2>&1; then
		fail make "git clone of $ROOT failed" "$OUT/clone.log"
		exit 1
	fi
	n=0
	while IFS= read -r -d '' f; do
		if [ -e "$f" ] || [ -L "$f" ]; then
			cp -a --parents -t "$tree" "$f" || exit 2
		else
			rm -f "$tree/$f"
		fi
		n=$((n + 1))
	done < <(git diff -z --name-only --no-renames HEAD; git ls-files -z -o --exclude-standard)
	what="a clone of HEAD ($(git rev-parse --short HEAD)) and $n uncommitted file(s)"
else
	mkdir -p "$tree"
	tar -C "$ROOT" --exclude=./build --exclude=./.git -cf - . | tar -C "$tree" -xf - || exit 2
	what="a copy of $ROOT without build/ (no .git)"
fi
echo "clone: $what in $tree, make -j$jobs"

if [ -z "${BULKHEAD_DEB_CACHE:-}" ] && ls "$ROOT"/build/linux/debs/*.deb >/dev/null 2>&1; then
	mkdir -p "$TMP/debs"
	cp -l "$ROOT"/build/linux/debs/*.deb "$TMP/debs/" 2>/dev/null ||
		cp "$ROOT"/build/linux/debs/*.deb "$TMP/debs/"
	export BULKHEAD_DEB_CACHE=$TMP/debs
fi

# other_goals: the outputs of goals other than all that exist in the tree's build/.
other_goals() {
	local p
	for p in build/fuzz build/host build/emu build/linux/bare.iso; do
		[ -e "$tree/$p" ] && echo "$p"
	done
}

# --- plain make ------------------------------------------------------------------------
log=$OUT/make.log
if (cd "$tree" && timeout 900 make -j"$jobs") >"$log" 2>&1; then
	pass make
else
	fail make "plain make failed (exit $?)" "$log"
fi
missing=""
for f in build/bulkhead.bin build/bulkhead.iso; do
	[ -s "$tree/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then
	pass make-bin-iso
else
	built=$(cd "$tree" && find build -mindepth 1 -maxdepth 2 2>/dev/null | sort | paste -sd' ')
	fail make-bin-iso "plain make did not make:$missing (it made: ${built:-nothing})" "$log"
fi
others=$(other_goals | paste -sd' ')
goal=$(cd "$tree" && make -pq 2>/dev/null | sed -n 's/^\.DEFAULT_GOAL := //p' | tail -n 1)
if [ -n "$others" ]; then
	fail make-default-goal "plain make built what other goals build: $others" "$log"
elif [ "$goal" != all ]; then
	fail make-default-goal "make's default goal is '$goal', not 'all'" "$log"
else
	pass make-default-goal
fi

# --- make PARTITIONS=rt -------------------------------------------------------------------
log=$OUT/make-rt.log
before=$(cksum 2>/dev/null <"$tree/build/bulkhead.bin")
if ! (cd "$tree" && timeout 900 make -j"$jobs" PARTITIONS=rt) >"$log" 2>&1; then
	fail make-partitions-rt "make PARTITIONS=rt failed" "$log"
elif [ ! -s "$tree/build/bulkhead.bin" ] || [ ! -e "$tree/build/ptcheck-rt.c.ok" ]; then
	fail make-partitions-rt "make PARTITIONS=rt made no ptcheck-rt.c.ok or bulkhead.bin" "$log"
elif [ "$(cksum <"$tree/build/bulkhead.bin")" = "$before" ]; then
	fail make-partitions-rt "make PARTITIONS=rt left build/bulkhead.bin as the default layout's" "$log"
elif others=$(other_goals | paste -sd' ') && [ -n "$others" ]; then
	fail make-partitions-rt "make PARTITIONS=rt built what other goals build: $others" "$log"
else
	pass make-partitions-rt
fi
exit $failed
