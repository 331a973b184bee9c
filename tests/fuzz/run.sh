#!/bin/bash
# Run libFuzzer harnesses: tests/fuzz/run.sh OUT_DIR SECONDS NAME...
#
# For each NAME, runs OUT_DIR/fuzz_NAME for SECONDS (-max_total_time) on a fresh copy of the
# committed seeds (tests/fuzz/corpus/NAME -> OUT_DIR/corpus/NAME, which the fuzzer grows;
# the committed corpus is never written). Crash inputs go to OUT_DIR/artifacts/NAME-*, the
# fuzzer's own output to OUT_DIR/NAME.log. Prints per harness
#   fuzz NAME: <execs> execs, <crashes> crashes, <seconds> s
#   PASS fuzz:NAME   or   FAIL fuzz:NAME   (tests/run.sh counts these)
# then "fuzz: N passed, N failed"; exits 1 if any harness crashed, did not run, or executed no
# input (no stat::number_of_executed_units line, or 0).
# FUZZ_FLAGS adds libFuzzer flags (e.g. FUZZ_FLAGS=-jobs=2).
set -u
cd "$(dirname "$0")/../.." || exit 2
if [ $# -lt 3 ]; then
	echo "usage: $0 OUT_DIR SECONDS NAME..." >&2
	exit 2
fi
out=$1
secs=$2
shift 2
passed=0
failed=0
for name in "$@"; do
	bin=$out/fuzz_$name
	work=$out/corpus/$name
	arts=$out/artifacts
	log=$out/$name.log
	rm -rf "$work"
	mkdir -p "$work" "$arts"
	rm -f "$arts/$name"-*
	[ -d "tests/fuzz/corpus/$name" ] && cp tests/fuzz/corpus/"$name"/* "$work"/ 2>/dev/null
	start=$(date +%s)
	if [ -x "$bin" ]; then
		# -timeout: one input running 10 s is a hang, reported like a crash.
		# shellcheck disable=SC2086
		"$bin" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
			-artifact_prefix="$arts/$name-" ${FUZZ_FLAGS:-} "$work" >"$log" 2>&1
		rc=$?
	else
		echo "fuzz $name: $bin missing (make fuzz-build)" >"$log"
		rc=127
	fi
	took=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 | tr -dc 0-9)
	crashes=$(find "$arts" -name "$name-*" | wc -l)
	echo "fuzz $name: ${execs:-0} execs, $crashes crashes, $took s"
	# A harness that ran no input tested nothing (a binary that is not a fuzzer, a corpus
	# that could not be read, a libFuzzer flag that ended the run early): not a pass.
	if [ "$rc" = 0 ] && [ "$crashes" = 0 ] && [ "${execs:-0}" -gt 0 ]; then
		echo "PASS fuzz:$name"
		passed=$((passed + 1))
	else
		echo "FAIL fuzz:$name"
		failed=$((failed + 1))
		[ "${execs:-0}" -gt 0 ] ||
			echo "  executed no inputs (stat::number_of_executed_units ${execs:-missing} in the log)"
		grep -m1 -A12 -E '^==[0-9]+==ERROR|^fuzz: broken promise|runtime error|^ALARM|deadly signal|missing' "$log"
		for a in "$arts/$name"-*; do
			[ -e "$a" ] && echo "  reproduce: $bin $a"
		done
		echo "  log: $log"
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
