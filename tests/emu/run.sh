#!/bin/bash
# Emulator tests (tests/emu/cases.sh and the files it sources), run on their own so that
# tests/run.sh sees their exit status: prints PASS/FAIL emu:<case> and SKIP lines, then
# "emu: N passed, N failed"; exits non-zero when a case failed or the cases died early.
# Uses BUILD, VMX_EMU and ONLY as tests/run.sh documents them.
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
VMX_EMU=${VMX_EMU:-bochs}
ONLY=${ONLY:-}
passed=0
failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }
skip() { echo "SKIP $1: $2"; }

. tests/emu/cases.sh

echo "emu: $passed passed, $failed failed"
[ $failed -eq 0 ]
