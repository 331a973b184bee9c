#!/bin/bash
# Mutation check of the test suite (make mutants; not part of make test): each deliberate
# defect in tests/mutants/<name>.patch is applied, alone, to a scratch copy of the working
# tree, and the tests that should catch it are run there.
#
# Usage: tests/mutants/run.sh [--baseline | --build-only] [NAME...]
#   NAME          a mutant, tests/mutants/NAME.patch (default: every one, in name order)
#   --baseline    run the same catchers on the scratch copy with no patch applied: each must
#                 pass there, or a "caught" would mean nothing
#   --build-only  only check that each patch applies and the tree still builds with it
# Environment:
#   MUTANTS_ONLY_FAST=1     run only the catchers that need no emulator (unit:, ptcheck:,
#                           fuzz:, clone:); a mutant whose catchers are all emu: is skipped
#   MUTANTS_ALL_CATCHERS=1  run every catcher of a mutant, not only up to the first that
#                           catches it (to see that each one would)
#   MUTANTS_KEEP=1          keep the scratch copies (their paths are printed)
#   MUTANTS_TMP=DIR         where the scratch copies go (default: $TMPDIR, else /tmp)
#   VMX_EMU, ISOLATION_JOBS and the like pass through to tests/run.sh
#
# A patch file is a unified diff for `patch -p1` from the repo root, after header lines:
#   # <one line: what the defect is>
#   # catch: <test> [<test> ...]
# where each <test> is a verdict name as tests/run.sh prints it after PASS/FAIL, or a prefix
# of one (unit:test_vuart, unit:test_linux:test_e820_two_ram_regions,
# ptcheck:tests/ptcheck/bad_ram_overlap.c, fuzz:mb2, clone:make, bench:boot-restart-figures,
# emu:partitions-run, ...).
# Each catcher runs as `ONLY=<filter> tests/run.sh` in the scratch copy: unit:test_x:... ->
# test_x, ptcheck:... -> ptcheck, fuzz:... -> fuzz, bench:... -> bench, clone:... -> clone (the scratch copy has
# no .git: tests/fresh_clone.sh copies it without build/), emu:<case> -> <case> (or, for a
# case that tests/emu/ runs inside a group, the group's `want` word:
# emu:partitions-pair-badipi runs the whole partitions-pair group). The mutant is caught
# when a FAIL line whose name starts with one of its catchers appears. Prints one line per
# mutant:
#   mutant NAME: caught by <first failing test>
#   mutant NAME: SURVIVED (ran: <filters>)
#   mutant NAME: does not build | patch does not apply | ...   (counted as broken)
# then "mutants: N caught, N survived, N broken". Exits 1 unless every mutant run is caught.
# The output of each mutant's build and runs is kept in build/mutants/NAME.log (with
# --baseline: NAME.baseline.log).
#
# The scratch copy is the working tree (git ls-files -co --exclude-standard: tracked and
# untracked, not ignored files) with mtimes kept, plus a copy of build/ without build/emu,
# so make rebuilds only what the patch touches and the fetched Linux images are reused.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MUT_DIR=$ROOT/tests/mutants
LOG_DIR=$ROOT/build/mutants
FAST=${MUTANTS_ONLY_FAST:-0}
ALL_CATCHERS=${MUTANTS_ALL_CATCHERS:-0}
KEEP=${MUTANTS_KEEP:-0}
TMP_BASE=${MUTANTS_TMP:-${TMPDIR:-/tmp}}
# The builds and runs below are independent makes: nothing of a calling make leaks in.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

baseline=0
build_only=0
names=()
for arg in "$@"; do
	case $arg in
	--baseline) baseline=1 ;;
	--build-only) build_only=1 ;;
	-h | --help)
		sed -n '2,/^set -u$/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	-*)
		echo "usage: $0 [--baseline | --build-only] [NAME...]" >&2
		exit 2
		;;
	*) names+=("${arg%.patch}") ;;
	esac
done
if [ ${#names[@]} -eq 0 ]; then
	for f in "$MUT_DIR"/*.patch; do
		[ -e "$f" ] && names+=("$(basename "$f" .patch)")
	done
fi
if [ ${#names[@]} -eq 0 ]; then
	echo "mutants: none in $MUT_DIR" >&2
	exit 2
fi
for tool in git patch make; do
	command -v "$tool" >/dev/null || {
		echo "mutants: $tool is needed" >&2
		exit 2
	}
done
mkdir -p "$LOG_DIR"

SCRATCH=""
cleanup() {
	if [ -n "$SCRATCH" ] && [ "$KEEP" != 1 ]; then
		rm -rf "$SCRATCH"
	fi
	SCRATCH=""
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# make_scratch: a copy of the working tree and of build/ (without build/emu) in $SCRATCH.
make_scratch() {
	local e
	SCRATCH=$(mktemp -d "$TMP_BASE/bulkhead-mutant.XXXXXX") || return 1
	# Tracked files deleted in the working tree are listed too: only existing ones are copied.
	(cd "$ROOT" && git ls-files -z -co --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"; done |
		xargs -0 -r cp -a --parents -t "$SCRATCH") || return 1
	mkdir -p "$SCRATCH/build"
	for e in "$ROOT"/build/* "$ROOT"/build/.[!.]*; do
		[ -e "$e" ] || continue
		case ${e##*/} in emu | mutants) continue ;; esac
		# A fuzz run going on meanwhile (make test) adds and removes corpus files: its
		# corpus and artifacts are its own, and each fuzz run starts from the seeds anyway.
		if [ "${e##*/}" = fuzz ]; then
			tar -C "$ROOT/build" --exclude=fuzz/corpus --exclude=fuzz/artifacts -cf - fuzz |
				tar -C "$SCRATCH/build" -xf - || return 1
			continue
		fi
		cp -a "$e" "$SCRATCH/build/" || return 1
	done
}

# header FILE KEY: the header lines of a patch (before its first ---/diff line); KEY "desc"
# gives the first "# " line that is not a catch line, KEY "catch" every catcher.
header() {
	awk -v key="$2" '
		/^(---|diff|\+\+\+|@@) / { exit }
		key == "catch" && /^# catch:/ { sub(/^# catch:[ \t]*/, ""); print; next }
		key == "desc" && /^# / && !/^# catch:/ && !done { sub(/^# /, ""); print; done = 1 }
	' "$1" | if [ "$2" = catch ]; then tr -s ' \t' '\n' | grep -v '^$'; else cat; fi
}

is_emu() { [[ $1 == emu:* ]]; }

# want_words: the literal words tests/emu/*.sh test with `want` (the group names).
want_words() {
	cat "$SCRATCH"/tests/emu/*.sh 2>/dev/null | grep -oE '\bif want [a-z0-9][a-z0-9-]*' |
		sed 's/^if want //' | sort -u
}

# filter_for CATCHER: the ONLY= value that makes tests/run.sh run it.
filter_for() {
	local c=$1 case best="" w
	case $c in
	unit:* | unit-trace:*)
		c=${c#*:}
		echo "${c%%:*}"
		;;
	ptcheck:* | ptcheck) echo ptcheck ;;
	fuzz:* | fuzz) echo fuzz ;;
	clone:* | clone) echo clone ;;
	bench:* | bench) echo bench ;;
	emu:*)
		case=${c#emu:}
		while read -r w; do
			[ "$w" = "$case" ] && { best=$w; break; }
			[[ $case == "$w"* ]] && [ ${#w} -gt ${#best} ] && best=$w
		done < <(want_words)
		echo "${best:-$case}"
		;;
	*) echo "$c" ;;
	esac
}

caught=0 survived=0 broken=0 skipped=0

# catcher_fails VERDICTS CATCHER...: the FAIL lines of VERDICTS whose test name starts with
# one of the catchers, one test name a line (cut at its first space, and a trailing colon).
catcher_fails() {
	local verdicts=$1 test c
	shift
	while read -r _ test; do
		for c in "$@"; do
			if [[ $test == "$c"* ]]; then
				test=${test%% *}
				echo "${test%:}"
				break
			fi
		done
	done < <(grep -E '^FAIL ' <<<"$verdicts")
}

# run_mutant NAME: one line of result; counts.
run_mutant() {
	local name=$1 patchf=$MUT_DIR/$1.patch log=$LOG_DIR/$1.log
	local desc c f catchers=() run_catchers=() filters=() ran=() targets=(all)
	local hit="" hits="" no_verdict=() out verdicts label="mutant"
	if [ $baseline = 1 ]; then
		label="baseline"
		log=$LOG_DIR/$1.baseline.log
	fi
	: >"$log"
	if [ ! -f "$patchf" ]; then
		echo "$label $name: no $patchf"
		broken=$((broken + 1))
		return
	fi
	desc=$(header "$patchf" desc)
	mapfile -t catchers < <(header "$patchf" catch)
	{
		echo "mutant $name: $desc"
		echo "catchers: ${catchers[*]}"
	} >>"$log"
	if [ ${#catchers[@]} -eq 0 ] || [ -z "$desc" ]; then
		echo "$label $name: header needs a '# <what>' line and a '# catch: <test>...' line"
		broken=$((broken + 1))
		return
	fi
	for c in "${catchers[@]}"; do
		if [ "$FAST" = 1 ] && [ $build_only = 0 ] && is_emu "$c"; then
			continue
		fi
		run_catchers+=("$c")
	done
	if [ ${#run_catchers[@]} -eq 0 ]; then
		echo "$label $name: skipped (emulator catchers only: ${catchers[*]})"
		skipped=$((skipped + 1))
		return
	fi
	for c in "${run_catchers[@]}"; do
		case $c in
		unit:* | unit-trace:*) [[ " ${targets[*]} " == *" unit-build "* ]] || targets+=(unit-build) ;;
		fuzz:* | fuzz) [[ " ${targets[*]} " == *" fuzz-build "* ]] || targets+=(fuzz-build) ;;
		esac
	done

	if ! make_scratch >>"$log" 2>&1; then
		echo "$label $name: could not make a scratch copy (see $log)"
		broken=$((broken + 1))
		cleanup
		return
	fi
	echo "scratch: $SCRATCH" >>"$log"
	[ "$KEEP" = 1 ] && echo "  scratch copy kept: $SCRATCH"
	if [ $baseline = 0 ]; then
		echo "--- patch -p1 < $patchf" >>"$log"
		if ! patch -p1 -F0 -N --no-backup-if-mismatch -d "$SCRATCH" <"$patchf" >>"$log" 2>&1; then
			echo "$label $name: patch does not apply to the working tree (see $log)"
			broken=$((broken + 1))
			cleanup
			return
		fi
	fi
	echo "--- make ${targets[*]}" >>"$log"
	if ! make -s --no-print-directory -C "$SCRATCH" "${targets[@]}" >>"$log" 2>&1; then
		echo "$label $name: does not build (see $log)"
		broken=$((broken + 1))
		cleanup
		return
	fi
	if [ $build_only = 1 ]; then
		echo "mutant $name: applies and builds"
		caught=$((caught + 1))
		cleanup
		return
	fi

	# One run per distinct filter; every FAIL line is judged against all the catchers.
	for c in "${run_catchers[@]}"; do
		f=$(filter_for "$c")
		[[ " ${filters[*]} " == *" $f "* ]] || filters+=("$f")
	done
	verdicts=""
	for f in "${filters[@]}"; do
		ran+=("$f")
		echo "--- ONLY=$f tests/run.sh" >>"$log"
		out=$(cd "$SCRATCH" && BUILD=build ONLY=$f tests/run.sh 2>&1)
		echo "$out" >>"$log"
		verdicts+=$(grep -E '^(PASS|FAIL) ' <<<"$out")$'\n'
		hits=$(catcher_fails "$verdicts" "${run_catchers[@]}")
		[ -n "$hits" ] && [ "$ALL_CATCHERS" != 1 ] && break
	done
	# A catcher no run gave a verdict for is misnamed (or its case did not run).
	for c in "${run_catchers[@]}"; do
		[[ " ${ran[*]} " == *" $(filter_for "$c") "* ]] || continue # not run: caught before
		awk -v c="$c" '($1 == "PASS" || $1 == "FAIL") && index($2, c) == 1 { f = 1 } END { exit !f }' \
			<<<"$verdicts" || no_verdict+=("$c")
	done
	hit=$(head -n 1 <<<"$hits")
	[ -n "$hits" ] && echo "caught by: $(paste -sd, <<<"$hits" | sed 's/,/, /g')" >>"$log"

	if [ $baseline = 1 ]; then
		if [ -n "$hit" ]; then
			echo "baseline $name: $hit FAILS without the patch (see $log)"
			broken=$((broken + 1))
		elif [ ${#no_verdict[@]} -eq ${#run_catchers[@]} ]; then
			echo "baseline $name: no verdict from ${no_verdict[*]} (misnamed?) (see $log)"
			broken=$((broken + 1))
		else
			echo "baseline $name: catchers pass (ran: ${ran[*]})"
			caught=$((caught + 1))
		fi
	elif [ -n "$hit" ]; then
		if [ "$ALL_CATCHERS" = 1 ]; then
			echo "mutant $name: caught by $(paste -sd, <<<"$hits" | sed 's/,/, /g')"
		else
			echo "mutant $name: caught by $hit"
		fi
		caught=$((caught + 1))
	elif [ ${#no_verdict[@]} -eq ${#run_catchers[@]} ]; then
		echo "mutant $name: no verdict from its catchers ${no_verdict[*]} (misnamed?) (see $log)"
		broken=$((broken + 1))
	else
		echo "mutant $name: SURVIVED (ran: ${ran[*]}$([ ${#no_verdict[@]} -gt 0 ] && echo "; no verdict from: ${no_verdict[*]}"))"
		survived=$((survived + 1))
	fi
	[ ${#no_verdict[@]} -gt 0 ] && echo "no verdict from: ${no_verdict[*]}" >>"$log"
	cleanup
}

for n in "${names[@]}"; do
	run_mutant "$n"
done

if [ $build_only = 1 ]; then
	echo "mutants: $caught apply and build, $broken broken"
	[ $broken -eq 0 ]
	exit
fi
if [ $baseline = 1 ]; then
	echo "baseline: $caught clean, $broken failing$([ $skipped -gt 0 ] && echo ", $skipped skipped (emulator only)")"
	[ $broken -eq 0 ]
	exit
fi
echo "mutants: $caught caught, $survived survived, $broken broken$([ $skipped -gt 0 ] && echo ", $skipped skipped (emulator only)")"
[ $survived -eq 0 ] && [ $broken -eq 0 ]
