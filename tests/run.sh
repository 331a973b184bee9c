#!/bin/bash
# The whole test suite (make test): host unit tests, the emulator cases' own assertions,
# bad partition tables, tools/hwcheck on recorded machines, the probe's layout taken from a
# recorded COM1 log, a fuzzing smoke pass, a plain make in a fresh clone, make install into
# temporary directories, then emulator tests that boot the ISO and assert on COM1. Ends with
# "N passed, N failed".
# VMX_EMU=qemu-kvm runs the VMX tests on QEMU+KVM instead of Bochs where /dev/kvm offers
# nested VMX.
#
# Each section is a runner of its own that prints "PASS name" / "FAIL name" lines; a section
# also fails when its runner exits non-zero or gives fewer verdicts than its minimum (a
# runner that died early or ran nothing is not a pass). ONLY=<substring> runs only the
# tests whose name contains it, and then the minimums do not apply.
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
export VMX_EMU=${VMX_EMU:-bochs}
export ONLY=${ONLY:-}
passed=0
failed=0
skipped=0
failed_names=()

fail() { echo "FAIL $1"; failed=$((failed + 1)); failed_names+=("$1"); }

# section NAME MINIMUM COMMAND...: run COMMAND (its output shown as it comes), count its
# verdicts, and fail the section itself when COMMAND exits non-zero or gives fewer than
# MINIMUM verdicts.
section() {
	local name=$1 min=$2 out rc n=0 nfail=0 verdict test
	shift 2
	out=$(mktemp)
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	while read -r verdict test; do
		case $verdict in
		PASS) passed=$((passed + 1)) ;;
		FAIL) failed=$((failed + 1)) nfail=$((nfail + 1)) failed_names+=("$test") ;;
		SKIP) skipped=$((skipped + 1)) ;;
		esac
		n=$((n + 1))
	done < <(grep -E '^(PASS|FAIL|SKIP) ' "$out")
	rm -f "$out"
	# A runner that fails says which test failed; one that fails without a FAIL line died.
	if [ "$rc" != 0 ] && [ "$nfail" -eq 0 ]; then
		fail "section:$name (runner exited $rc without a FAIL line)"
	fi
	if [ -z "$ONLY" ] && [ "$n" -lt "$min" ]; then
		fail "section:$name (only $n verdicts, at least $min expected)"
	fi
}
# wanted NAME: ONLY is unset or names (part of) NAME.
wanted() { [ -z "$ONLY" ] || [[ $1 == *"$ONLY"* ]]; }

section unit 336 tests/unit/run.sh "$BUILD"
wanted harness && section harness 42 tests/emu/selftest.sh
wanted ptcheck && section ptcheck 69 bash tests/ptcheck/run.sh
# tools/hwcheck on recorded machines (tests/hwcheck/*.rec), and on this one.
wanted hwcheck && section hwcheck 15 bash tests/hwcheck/run.sh "$BUILD"
# tools/layout-from-log.sh on a recorded COM1 log of a probe boot (tests/probe/).
wanted probe && section probe 11 bash tests/probe/run.sh
# The fuzzing smoke pass: each libFuzzer harness for 5 s (make fuzz runs them longer).
wanted fuzz && section fuzz 10 tests/fuzz/run.sh "$BUILD/fuzz" 5 mb2 acpi dmar elf bzimage linux ptcheck vmexit mmio vdev
# A plain `make` (and make PARTITIONS=rt) in a fresh clone builds what the README says.
wanted clone && section clone 4 tests/fresh_clone.sh
# make install and make uninstall into temporary DESTDIRs, and the GRUB script they install.
wanted install && section install 30 bash tests/install/run.sh
# make bench's figures and pictures, computed from recorded logs (tests/bench/).
wanted bench && section bench 1 bash tests/bench/run.sh
section emu 95 tests/emu/run.sh

echo
echo "$passed passed, $failed failed$([ $skipped -gt 0 ] && echo ", $skipped skipped")"
[ $failed -eq 0 ] || { printf 'failed: %s\n' "${failed_names[@]}"; exit 1; }
