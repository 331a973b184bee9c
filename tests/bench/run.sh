#!/bin/bash
# make test's "bench" section: the figures of `make bench` computed from recorded logs, and
# the pictures drawn from them. Runs every tests/bench/check_*.sh; each prints PASS/FAIL
# bench:<test> lines for its own figures (exact `bench ...` lines from fixture logs, refusals
# of incomplete logs, SVGs drawn). No emulator runs here: the logs under tests/bench/logs/
# were recorded from real `make bench` runs, so breaking a figure's arithmetic or a log
# parser fails here. Prints "bench: N passed, N failed"; exits 1 if anything failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
rc=0 passed=0 failed=0
for check in tests/bench/check_*.sh; do
	[ -e "$check" ] || continue
	out=$(bash "$check" 2>&1) || rc=1
	echo "$out"
	passed=$((passed + $(grep -c '^PASS ' <<<"$out")))
	failed=$((failed + $(grep -c '^FAIL ' <<<"$out")))
done
echo "bench: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$rc" -eq 0 ]
