#!/bin/bash
# The emulator cases' assertions (tests/emu/expect.sh) checked on made-up COM1 logs, no
# emulator: each must pass on the log that has what it asks for, and fail on every log that
# lacks any one part of it. Prints PASS/FAIL harness:<name> (tests/run.sh counts them).
set -u
cd "$(dirname "$0")/../.." || exit 2
. tests/emu/expect.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
LOG=$work/com1.log
CASE=selftest
verdict=""
pass() { verdict=pass; }
fail() { verdict=fail; }
npass=0
nfail=0

# outcome NAME WANT LOG-TEXT ASSERTION...: write LOG-TEXT (lines, \r\n ends as Bochs' COM1
# has them), run the assertions as a case and done_case, and compare with WANT (pass|fail).
outcome() {
	local name=$1 want=$2 text=$3
	shift 3
	printf '%s\n' "$text" | sed 's/$/\r/' >"$LOG"
	CASE_OK=1 EXPECTED_RES=()
	"$@" >"$work/out" 2>&1
	done_case >>"$work/out" 2>&1
	if [ "$verdict" = "$want" ]; then
		echo "PASS harness:$name"
		npass=$((npass + 1))
	else
		echo "FAIL harness:$name: want $want, got $verdict"
		sed 's/^/    /' "$work/out"
		nfail=$((nfail + 1))
	fi
}
# expect_all REGEX...: expect each.
expect_all() {
	local re
	for re; do expect "$re"; done
}

PROBE=(
	'probe: rdmsr IA32_FEATURE_CONTROL' 'caught exception 13'
	'probe: wrmsr IA32_APIC_BASE' 'caught exception 13'
	'probe: vmxon' 'caught exception 6'
	'probe: invd' 'no fault'
)
full_log() {
	echo 'Bulkhead 0.1.0'
	echo 'rt1: hello'
	local l
	for l in "${PROBE[@]}"; do
		echo "rt0: $l"
		echo "rt1: beat"  # another partition's lines in between are not in the way
	done
	echo 'rt0: done'
}
seq_probe() { expect_seq 'rt0: ' "${PROBE[@]}"; }

outcome seq-whole-log pass "$(full_log)" seq_probe
# Each line missing in turn, each line cut short or longer, two lines swapped, a line
# inserted between: every one must fail (GNU grep -zF passed most of these).
for i in "${!PROBE[@]}"; do
	outcome "seq-missing-$i" fail "$(full_log | grep -vxF "rt0: ${PROBE[$i]}")" seq_probe
	outcome "seq-longer-$i" fail "$(full_log | sed "s/^rt0: ${PROBE[$i]}\$/& but not quite/")" seq_probe
done
outcome seq-only-once fail "$(full_log | awk '/caught exception/ && !n++ { next } 1')" seq_probe
outcome seq-cut-short fail "$(full_log | sed 's/^rt0: probe: vmxon$/rt0: probe: vmx/')" seq_probe
outcome seq-swapped fail "$(full_log | sed 's/^rt0: probe: invd$/rt0: no fault/; t; s/^rt0: no fault$/rt0: probe: invd/')" seq_probe
outcome seq-inserted fail "$(full_log | sed 's/^rt0: probe: vmxon$/&\nrt0: vmxon went through/')" seq_probe
outcome seq-other-prefix fail "$(full_log | sed 's/^rt0: probe: invd$/rt1: probe: invd/')" seq_probe
outcome seq-empty fail "" seq_probe

# The regex form: whole lines, in order.
seq_re() { expect_seq_re 'stats: ' 'on demand' 'partition rt0 cpu 1: cpuid [0-9]+, vmcall [0-9]+' 'partition rt1 cpu 2: .*'; }
STATS=$'stats: on demand\nstats: partition rt0 cpu 1: cpuid 2, vmcall 12\nstats: partition rt1 cpu 2: cpuid 2'
outcome seq-re pass "$STATS" seq_re
outcome seq-re-partial fail "${STATS/vmcall 12/vmcall 12, io 2}" seq_re
outcome seq-re-order fail $'stats: partition rt0 cpu 1: cpuid 2, vmcall 12\nstats: on demand\nstats: partition rt1 cpu 2: x' seq_re

# expect, expect_not, expect_count.
outcome expect-present pass $'a\nrt0: done' expect '^rt0: done$'
outcome expect-absent fail $'a\nrt0: done twice' expect '^rt0: done$'
outcome expect-not-absent pass 'rt0: done' expect_not 'BAD'
outcome expect-not-present fail 'rt0: pattern BAD' expect_not 'BAD'
outcome count-exact pass $'x 1\nx 2' expect_count '^x [0-9]$' 2
outcome count-more fail $'x 1\nx 2\nx 3' expect_count '^x [0-9]$' 2
outcome count-fewer fail 'x 1' expect_count '^x [0-9]$' 2

# The central check in done_case: a fatal line fails any case that did not expect it.
outcome fatal-none pass $'Bulkhead 0.1.0\nrt0: done' expect '^rt0: done$'
outcome fatal-exception fail $'Bulkhead 0.1.0\nrt0: done\ncpu 2: exception 13 (#GP) error 0x0 rip 0x1' expect '^rt0: done$'
outcome fatal-vmentry fail $'rt0: done\nvmx: cpu 1: VMRESUME failed, instruction error 7, exit reason 0x0' expect '^rt0: done$'
outcome fatal-cpu-halted fail $'rt0: done\ncpu 3: halted' expect '^rt0: done$'
outcome fatal-hv-halted fail $'rt0: done\nbulkhead: halted: vmx unavailable' expect '^rt0: done$'
outcome fatal-reset fail $'Bulkhead 0.1.0\nrt0: done\nBulkhead 0.1.0' expect '^rt0: done$'
outcome fatal-expected pass $'cpu 0: exception 14 (#PF) error 0x0\ncpu 0: halted' \
	expect_all '^cpu 0: exception 14 \(#PF\)' '^cpu 0: halted$'
outcome fatal-expected-other fail $'cpu 0: exception 14 (#PF) error 0x0\ncpu 1: exception 13 (#GP)' \
	expect '^cpu 0: exception 14 \(#PF\)'
outcome fatal-counted pass $'rt0: done\ncpu 3: halted' expect_count '^cpu 3: halted$' 1

echo "harness: $npass passed, $nfail failed"
[ $nfail -eq 0 ]
