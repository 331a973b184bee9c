#!/bin/bash
# The whole test suite (make test): host unit tests, then emulator tests that boot the ISO
# and assert on COM1. Ends with "N passed, N failed". VMX_EMU=qemu-kvm runs the VMX tests
# on QEMU+KVM instead of Bochs where /dev/kvm offers nested VMX.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
VMX_EMU=${VMX_EMU:-bochs}
ONLY=${ONLY:-}          # run only tests whose name contains this
passed=0
failed=0
skipped=0
failed_names=()

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); failed_names+=("$1"); }
skip() { echo "SKIP $1: $2"; skipped=$((skipped + 1)); }
# count_verdicts PREFIX OUTPUT: tally the "PASS name" / "FAIL name" lines of a sub-runner.
count_verdicts() {
	local verdict name
	while read -r verdict name; do
		case $verdict in
		PASS) pass "$1$name" ;;
		FAIL) fail "$1$name" ;;
		esac
	done < <(grep -E '^(PASS|FAIL) ' <<<"$2")
}

# --- host unit tests ------------------------------------------------------------------
for t in "$BUILD"/host/test_* "$BUILD"/host/trace/test_*; do
	[ -x "$t" ] || continue
	case $t in *"$ONLY"*) ;; *) [ -n "$ONLY" ] && continue ;; esac
	out=$("$t" 2>&1)
	rc=$?
	kind=unit
	case $t in */trace/*) kind=unit-trace ;; esac
	count_verdicts "$kind:" "$out"
	if [ $rc != 0 ] && ! grep -q '^FAIL ' <<<"$out"; then
		fail "$kind:$(basename "$t") (exit $rc)"
	fi
	grep -q '^FAIL \|check failed\|ERROR: \(Address\|Undefined\)\|runtime error' <<<"$out" &&
		echo "$out" | grep -v '^PASS ' | head -60
done

# --- partition-table validator: one bad table per rejection class ------------------------
if [ -z "$ONLY" ] || [[ ptcheck == *"$ONLY"* ]]; then
	out=$(bash tests/ptcheck/run.sh 2>&1)
	count_verdicts "" "$out"
	grep -q '^FAIL ' <<<"$out" && echo "$out" | grep -v '^PASS '
fi

# --- fuzzing smoke pass: each libFuzzer harness for 5 s (make fuzz runs them longer) -----
if [ -z "$ONLY" ] || [[ fuzz == *"$ONLY"* ]]; then
	out=$(tests/fuzz/run.sh "$BUILD/fuzz" 5 mb2 acpi elf bzimage linux ptcheck 2>&1)
	count_verdicts "" "$out"
	grep '^fuzz ' <<<"$out"
fi

# --- emulator tests -------------------------------------------------------------------
. tests/emu/cases.sh

echo
echo "$passed passed, $failed failed$([ $skipped -gt 0 ] && echo ", $skipped skipped")"
[ $failed -eq 0 ] || { printf 'failed: %s\n' "${failed_names[@]}"; exit 1; }
