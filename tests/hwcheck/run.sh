#!/bin/bash
# Tests of tools/hwcheck (make test's "hwcheck" section): bash tests/hwcheck/run.sh [BUILD]
#
# Each recorded machine tests/hwcheck/NAME.rec (the form tools/hwcheck --record writes) is
# replayed by BUILD/hwcheck, the build `make` makes; what it prints (stdout and stderr) must
# be tests/hwcheck/NAME.out exactly (NAME.first.out with --first), and its exit status the
# one listed below (0: Bulkhead will run, 1: it will not, 2: could not tell). Then a bad
# command line, and a run on this machine, whose recording must replay to the same output
# and status. Prints PASS/FAIL hwcheck:<name> (a FAIL with the difference); exits 1 if
# anything failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${1:-${BUILD:-build}}
HWCHECK=$BUILD/hwcheck
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

pass() { echo "PASS hwcheck:$1"; }
# fail NAME WHY [FILE]: a FAIL line, then FILE indented.
fail() {
	echo "FAIL hwcheck:$1: $2"
	[ -n "${3:-}" ] && sed 's/^/    /' "$3"
	failed=1
}

if [ ! -x "$HWCHECK" ]; then
	fail build "$HWCHECK is not built (make builds it)"
	exit 1
fi

# replay NAME STATUS [--first]: NAME.rec replayed prints NAME.out (NAME.first.out) and exits
# with STATUS.
replay() {
	local name=$1 want=$2 opt=${3:-} label expected rc
	label=$name${opt:+-first}
	expected=tests/hwcheck/$name${opt:+.first}.out
	"$HWCHECK" --replay "tests/hwcheck/$name.rec" ${opt:+"$opt"} >"$tmp/out" 2>&1
	rc=$?
	if [ ! -f "$expected" ]; then
		fail "$label" "no $expected; the output was" "$tmp/out"
	elif ! diff -u "$expected" "$tmp/out" >"$tmp/diff"; then
		fail "$label" "output differs from $expected" "$tmp/diff"
	elif [ "$rc" != "$want" ]; then
		fail "$label" "exit status $rc, want $want"
	else
		pass "$label"
	fi
}

replay icelake 0                       # Bochs's Ice Lake, 4 CPUs: everything there
replay vtx-locked-off 1                # VT-x disabled in the firmware
replay vtx-off-on-one-cpu 1            # ... on one CPU of four
replay vtx-off-on-one-cpu 0 --first    # which --first does not see
replay core2-no-ept 1                  # Core 2: no EPT, no unrestricted guest, ...
replay no-unrestricted-guest 1         # nested VMX without unrestricted guest
replay no-x2apic 1                     # no x2APIC
replay msr-device-missing 2            # no /dev/cpu/N/msr: only CPUID is known
replay msr-denied-no-x2apic 1          # ... but CPUID alone already says no
replay msr-read-error 2                # one MSR does not read
replay leaf-missing 2                  # a recording without CPUID leaf 1
replay bad-line 2                      # not a recording

# A bad command line: usage on stderr, status 2.
"$HWCHECK" --replay >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc = 2 ] && [ ! -s "$tmp/out" ] && grep -q '^usage: hwcheck ' "$tmp/err"; then
	pass usage
else
	fail usage "exit status $rc (want 2), usage on stderr only" "$tmp/err"
fi

# This machine, read as on a target (CPUID on each CPU; the MSRs where it may read them): a
# well-formed verdict that agrees with the status, and a recording that replays to the same.
"$HWCHECK" --record "$tmp/live.rec" >"$tmp/live.out" 2>&1
rc=$?
case $rc in
0) verdict='^bulkhead: vmx ok$' ;;
1) verdict='^bulkhead: vmx unavailable: missing ' ;;
2) verdict='^hwcheck: cannot tell whether Bulkhead will run: ' ;;
*) verdict= ;;
esac
if [ -z "$verdict" ] || ! grep -q "$verdict" "$tmp/live.out" ||
	grep -qv '^\(hwcheck\|bulkhead\): ' "$tmp/live.out"; then
	fail this-machine "exit status $rc, output not a verdict that agrees with it" "$tmp/live.out"
else
	pass this-machine
fi
"$HWCHECK" --replay "$tmp/live.rec" >"$tmp/replay.out" 2>&1
replay_rc=$?
if [ "$replay_rc" != "$rc" ] || ! diff -u "$tmp/live.out" "$tmp/replay.out" >"$tmp/diff"; then
	fail this-machine-replayed "replayed: exit status $replay_rc (live $rc), or output differs" "$tmp/diff"
else
	pass this-machine-replayed
fi
[ $failed = 0 ]
