#!/bin/bash
# make test's bench section, boot part: tests/bench/boot_figures.sh on COM1 logs of real boots
# (tests/bench/logs/boot-default.log: the default layout to Linux's init, its kernel's own
# lines left out; boot-restart.log: the rt layout with rt1 restarting 8 times and rt0 stopped
# and started from the shell, whole) must print exactly the bench lines below, draw the
# timeline, and refuse logs that lack a line a figure needs (exit status 1, a "boot_figures: "
# message, no bench line). Prints PASS/FAIL bench:boot-... lines; exits 1 if any failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
logs=tests/bench/logs
fig=tests/bench/boot_figures.sh
. tests/bench/check_lib.sh

# same NAME EXPECTED ARGS...: the script's bench lines are exactly EXPECTED.
same() {
	local name=$1 want=$2 got
	shift 2
	got=$(bash "$fig" "$@" 2>&1 | grep '^bench ')
	if [ "$got" = "$want" ]; then
		pass "$name"
	else
		fail "$name"
		diff <(echo "$want") <(echo "$got") | sed 's/^/  /'
	fi
}

same boot-timeline-figures 'bench boot-first-line: 0.449 ms (target -)
bench boot-entry-rt0: 8.860 ms (target 5)
bench boot-entry-linux: 291.736 ms (target -)
bench boot-first-line-rt0: 12.439 ms (target -)
bench boot-linux-init: 14500.516 ms (target -)
bench boot-payloads-before-linux: 1 (target 1)' timeline "$logs/boot-default.log" "$tmp/timeline.dat"

same boot-restart-figures 'bench restart-fault-entry: 0.830 ms (target -)
bench restart-fault-first-line: 0.890 ms (target 2)
bench restart-fault-first-line-max: 0.890 ms (target 2)
bench restart-shell-first-line: 6.276 ms (target -)' restart "$logs/boot-restart.log"

# The timeline's rows, drawn: each partition from its entry to its first line or init.
if [ "$(cat "$tmp/timeline.dat" 2>/dev/null)" = 'bulkhead 0 0.449
rt0 8.860 12.439
rt0 8.860 8.860
linux 291.736 14500.516
linux 291.736 291.736' ] && bash tests/bench/plot_timeline.sh "$tmp/timeline.dat" "boot" "$tmp/t.svg" >/dev/null &&
	bash tests/bench/plot_timeline.sh "$tmp/timeline.dat" "boot" "$tmp/z.svg" 20 >/dev/null &&
	grep -q '<svg' "$tmp/z.svg" &&
	python3 -c 'import sys, xml.etree.ElementTree as E; t = E.parse(sys.argv[1]).getroot()
s = E.tostring(t, encoding="unicode"); sys.exit(0 if all(w in s for w in ("bulkhead", "rt0", "linux")) else 1)' "$tmp/t.svg"; then
	pass boot-timeline-drawn
else
	fail boot-timeline-drawn
fi

# A payload that enters after Linux is named so.
sed 's/^bulkhead: partition rt0 first entry at 8.860 ms$/bulkhead: partition rt0 first entry at 300.000 ms/' \
	"$logs/boot-default.log" >"$tmp/late.log"
if bash "$fig" timeline "$tmp/late.log" | grep -qx 'bench boot-payloads-before-linux: 0 (target 1)'; then
	pass boot-payload-after-linux
else
	fail boot-payload-after-linux
fi

# refuse NAME MODE LOG SED: the log with SED applied must be refused.
refuse() {
	local name=$1 mode=$2 log=$3 out status
	sed -E "$4" "$log" >"$tmp/bad.log"
	out=$(bash "$fig" "$mode" "$tmp/bad.log" 2>&1)
	status=$?
	if [ $status = 1 ] && ! grep -q '^bench ' <<<"$out" && grep -q '^boot_figures: ' <<<"$out"; then
		pass "$name"
	else
		fail "$name (status $status)"
		sed 's/^/  /' <<<"$out"
	fi
}
refuse boot-refuses-no-refined-rate timeline "$logs/boot-default.log" '/\(refined\)$/d'
refuse boot-refuses-no-hand-off timeline "$logs/boot-default.log" '/hand-off/d'
refuse boot-refuses-no-linux-init timeline "$logs/boot-default.log" '/bulkhead-linux: tsc/d'
refuse boot-refuses-payload-silent timeline "$logs/boot-default.log" '/partition rt0 first line/d'
refuse boot-refuses-no-restart restart "$logs/boot-restart.log" '/after its fault \(/d'
refuse boot-refuses-no-shell-start restart "$logs/boot-restart.log" "/after the shell's start\$/d"
exit $rc
