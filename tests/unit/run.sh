#!/bin/bash
# Host unit tests: runs every test binary of tests/unit/test_*.c (and its TRACE build where
# there is one) from BUILD/host, printing each one's PASS/FAIL lines as unit:<file>:<test>
# (unit-trace: for the TRACE builds). A binary that is missing, exits non-zero without a FAIL
# line, or gives no verdict at all is a FAIL of its own: a test file whose binary died early
# or never ran is not a silent pass. ONLY=<substring> keeps the binaries whose path has it.
#   tests/unit/run.sh [BUILD]
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${1:-${BUILD:-build}}
ONLY=${ONLY:-}
failed=0

# run_bin KIND BINARY: run one test binary and judge it.
run_bin() {
	local kind=$1 bin=$2 out rc
	case $bin in *"$ONLY"*) ;; *) return ;; esac
	if [ ! -x "$bin" ]; then
		echo "FAIL $kind:$(basename "$bin") (not built)"
		failed=1
		return
	fi
	out=$("$bin" 2>&1)
	rc=$?
	sed -n "s/^\\(PASS\\|FAIL\\) /\\1 $kind:/p" <<<"$out"
	if ! grep -q '^PASS \|^FAIL ' <<<"$out"; then
		echo "FAIL $kind:$(basename "$bin") (no verdicts, exit $rc)"
		failed=1
	elif [ $rc != 0 ] && ! grep -q '^FAIL ' <<<"$out"; then
		echo "FAIL $kind:$(basename "$bin") (exit $rc)"
		failed=1
	fi
	if [ $rc != 0 ] || grep -q '^FAIL \|check failed\|ERROR: \(Address\|Undefined\)\|runtime error' <<<"$out"; then
		failed=1
		grep -v '^PASS ' <<<"$out" | head -60 | sed 's/^/  /'
	fi
}

for src in tests/unit/test_*.c; do
	run_bin unit "$BUILD/host/$(basename "$src" .c)"
done
for bin in "$BUILD"/host/trace/test_*; do
	[ -e "$bin" ] && run_bin unit-trace "$bin"
done
[ $failed = 0 ]
