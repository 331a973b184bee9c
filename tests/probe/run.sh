#!/bin/bash
# tools/layout-from-log.sh on recorded COM1 logs: bash tests/probe/run.sh
#
# tests/probe/bochs4.log is COM1 as a serial capture keeps it (CR LF line ends, GRUB's escape
# sequences): the start of a boot with Linux and rt0 running, their lines and all, then a boot
# with `probe=bochs4` on the command line (Bochs, 4 CPUs, 1 GiB: the emulator case
# probe-bochs); tests/probe/bochs4.c is the layout that boot printed.
# The script must give exactly that file, which passes ptcheck, from the log, from standard
# input and from logs spoiled on purpose, and refuse logs without a whole layout. Prints
# PASS/FAIL probe:<test>, then "probe: N passed, N failed"; exits 1 if anything failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
pass() { echo "PASS probe:$1"; passed=$((passed + 1)); }
fail() {
	echo "FAIL probe:$1: $2"
	[ -z "${3:-}" ] || sed 's/^/    /' <<<"$3"
	failed=$((failed + 1))
}

log=tests/probe/bochs4.log
want=tests/probe/bochs4.c

# extracts NAME LOG: the script on LOG gives exactly $want, exit 0, nothing on stderr.
extracts() {
	local name=$1 in=$2 rc
	tools/layout-from-log.sh "$in" >"$tmp/$name.c" 2>"$tmp/$name.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "$name" "exit $rc" "$(cat "$tmp/$name.err")"
	elif ! cmp -s "$tmp/$name.c" "$want"; then
		fail "$name" "not the layout Bulkhead printed" "$(diff "$want" "$tmp/$name.c" | head -20)"
	elif [ -s "$tmp/$name.err" ]; then
		fail "$name" "said something on stderr" "$(cat "$tmp/$name.err")"
	else
		pass "$name"
	fi
}

# refuses NAME LOG STATUS MESSAGE: the script on LOG exits STATUS, prints nothing on stdout
# and MESSAGE on stderr.
refuses() {
	local name=$1 in=$2 status=$3 message=$4 rc
	tools/layout-from-log.sh "$in" >"$tmp/$name.c" 2>"$tmp/$name.err"
	rc=$?
	if [ $rc -ne "$status" ]; then
		fail "$name" "exit $rc, want $status" "$(cat "$tmp/$name.err")"
	elif [ -s "$tmp/$name.c" ]; then
		fail "$name" "printed a layout" "$(head -5 "$tmp/$name.c")"
	elif ! grep -qF -- "$message" "$tmp/$name.err"; then
		fail "$name" "stderr does not say: $message" "$(cat "$tmp/$name.err")"
	else
		pass "$name"
	fi
}

# The recording is what the test says it is: the layout's lines end in CR LF, partitions'
# lines come before the markers, and the layout itself passes ptcheck.
if [ "$(grep -c $'^layout|.*\r$' "$log")" -gt 100 ] &&
	[ "$(grep -c $'^layout|.*\r$' "$log")" -eq "$(grep -c '^layout|' "$log")" ] &&
	grep -q '^linux: ' "$log" && grep -q '^rt0: heartbeat ' "$log" &&
	[ "$(grep -n '^rt0: ' "$log" | tail -1 | cut -d: -f1)" -lt \
		"$(grep -n '^bulkhead: probe: layout begins' "$log" | cut -d: -f1)" ]; then
	pass recording
else
	fail recording "$log: want CR LF line ends and partitions' lines before the markers"
fi
if out=$(tools/ptcheck.sh "$want" 2>&1); then
	pass ptcheck
else
	fail ptcheck "$want refused" "$out"
fi

extracts log "$log"
extracts stdin - <"$log"
# LF line ends (a capture that dropped the CRs) give the same.
tr -d '\r' <"$log" >"$tmp/lf.log"
extracts lf "$tmp/lf.log"
# A layout printed earlier in the same capture, and an unfinished one after it: the last
# whole one is taken.
{
	sed -n '/^bulkhead: probe: layout begins/,/^bulkhead: probe: layout ends/p' "$log" |
		sed 's/^layout| \(    \.layout = \)"bochs4"/layout| \1"older"/'
	cat "$log"
	printf 'bulkhead: probe: layout begins\r\nlayout|/*\r\n'
} >"$tmp/twice.log"
extracts twice "$tmp/twice.log"
grep -q '"older"' "$tmp/twice.log" || fail twice-setup "the older layout was not made"

# Noise on the serial line inside the layout is left out, and counted on stderr.
awk '{ print } /^layout\| #include/ { printf "\001garbage\r\n" }' "$log" >"$tmp/noise.log"
if tools/layout-from-log.sh "$tmp/noise.log" >"$tmp/noise.c" 2>"$tmp/noise.err" &&
	cmp -s "$tmp/noise.c" "$want" &&
	grep -qF '1 line(s) inside the layout without the "layout|" prefix left out' "$tmp/noise.err"; then
	pass noise
else
	fail noise "the noise line was not left out and counted" "$(cat "$tmp/noise.err")"
fi

# No layout: a boot without probe; a capture that stops before the closing marker.
sed '/^bulkhead: probe: layout begins/,$d' "$log" >"$tmp/none.log"
refuses none "$tmp/none.log" 1 'no "bulkhead: probe: layout begins" line'
sed '/^bulkhead: probe: layout ends/,$d' "$log" >"$tmp/cut.log"
refuses cut "$tmp/cut.log" 1 'the log stops before the layout ends'
refuses missing "$tmp/no-such.log" 2 'cannot read'
tools/layout-from-log.sh >"$tmp/usage.c" 2>"$tmp/usage.err"
rc=$?
if [ $rc -eq 2 ] && [ ! -s "$tmp/usage.c" ] && grep -q '^usage: ' "$tmp/usage.err"; then
	pass usage
else
	fail usage "no arguments: exit $rc, want 2 and a usage line" "$(cat "$tmp/usage.err")"
fi

echo "probe: $passed passed, $failed failed"
[ $failed -eq 0 ]
