#!/bin/bash
# make test, bench section: the RT latency figures and pictures of tests/bench_latency.sh from
# the COM1 logs of a real run, without an emulator. tests/bench/logs/latency-*.log are the
# logs of the run of 2026-11-30 (Bochs quantum=1), trimmed to the lines the figures read:
#   tr -d '\r' <LOG | grep -E '^(rt0: )?latency: (start|n=|hist1 )|^linux: bulkhead-linux: load |^stats: partition rt0 cpu 1: ' Prints PASS/FAIL bench:latency-... and bench:plot-...
#   latency-figures         latency_figures.sh prints exactly the expected table and lines
#   latency-refuse-*        a log missing a run, the windows after the warm-up, a window's
#                           hist1 end, the Linux load lines or the exit counts is refused
#   plot-latency            plot_latency.sh draws two well-formed SVGs naming every series
#   plot-timeline           plot_timeline.sh draws a well-formed SVG with its title and labels,
#                           and refuses a malformed row
set -u
cd "$(dirname "$0")/../.." || exit 2
logs=tests/bench/logs
work=$(mktemp -d /tmp/check-latency.XXXXXX)
trap 'rm -rf "$work"' EXIT
pass() { echo "PASS bench:$1"; }
fail() { echo "FAIL bench:$1: $2"; }

expected=$(
	cat <<'EOF2'
latency demo, ticks of guest TSC at 100000000 instructions/s: 1 tick = 10 ns
windows after warm-up (Linux: inside the load)
run                               win samples |  min    avg  p99  max | min ns avg ns p99 ns max ns | missed TSC kHz
bare, other CPUs idle               3   30003 |   40   40.0   40   40 |    400    400    400    400 |      0  100001
Bulkhead, neighbours quiet          3   30003 |   40   40.0   41   44 |    400    400    410    440 |      0   99997
bare, 2 CPUs sweeping memory        3   30000 |   40   40.0   40   40 |    400    400    400    400 |      0  100000
Bulkhead, 2 neighbours sweeping     3   30003 |   40   42.0   44   44 |    400    420    440    440 |      0   99979
Bulkhead, Linux under load          9   90009 |   40   41.0   44   44 |    400    410    440    440 |      0   99994
RT exits/s, not printing: 0.00 (prints: 3.00/s)
bench rt-added-p99-quiet: 10 ns (target 50)
bench rt-added-max-quiet: 40 ns (target 100)
bench rt-added-p99-busy: 40 ns (target 50)
bench rt-added-max-busy: 40 ns (target 100)
bench rt-added-p99-linux: 40 ns (target 50)
bench rt-added-max-linux: 40 ns (target 100)
bench rt-exits-per-s: 0.00 /s (target 0)
EOF2
)
out=$(tests/bench/latency_figures.sh --ips 100000000 "$logs" 2>&1)
if [ "$out" = "$expected" ]; then
	pass latency-figures
else
	fail latency-figures "output differs from the expected:"
	diff <(echo "$expected") <(echo "$out") | sed 's/^/    /'
fi

# refused NAME MESSAGE_REGEX: latency_figures.sh on $work/logs exits 1 saying MESSAGE_REGEX
# and prints no bench line; $work/logs is then restored from the fixtures.
refused() {
	local got rc
	got=$(tests/bench/latency_figures.sh --ips 100000000 "$work/logs" 2>&1)
	rc=$?
	if [ $rc = 1 ] && grep -qE "$2" <<<"$got" && ! grep -q '^bench ' <<<"$got"; then
		pass "latency-refuse-$1"
	else
		fail "latency-refuse-$1" "exit $rc, output: $(head -3 <<<"$got")"
	fi
	rm -rf "$work/logs"
	cp -r "$logs" "$work/logs"
}
cp -r "$logs" "$work/logs"
rm "$work/logs/latency-bh-busy.log"
refused missing-run 'no log of run bh-busy'
# Only the warm-up window of the bare quiet run.
tr -d '\r' <"$logs/latency-bare-quiet.log" |
	awk '/^latency: n=/ { w++ } w < 2' >"$work/logs/latency-bare-quiet.log"
refused no-windows 'latency-bare-quiet.log: no window after the warm-up'
# The bare busy run's last window cut after its n= line.
tr -d '\r' <"$logs/latency-bare-busy.log" | sed '$d' >"$work/logs/latency-bare-busy.log"
refused cut-window 'latency-bare-busy.log: window [0-9]+ has no complete hist1 lines'
tr -d '\r' <"$logs/latency-bh-linux.log" | grep -v 'load ends' >"$work/logs/latency-bh-linux.log"
refused no-load-end 'no "bulkhead-linux: load ends" line'
tr -d '\r' <"$logs/latency-stats.log" | grep -m1 '^stats: ' >"$work/logs/latency-stats.log"
refused stats 'fewer than 2 "stats: partition rt0 cpu 1:" lines'

# well_formed SVG TEXT...: SVG parses as XML and holds each TEXT (XML-escaped) in a <text>.
well_formed() {
	python3 - "$@" <<'EOF2'
import sys
import xml.etree.ElementTree as ET
svg, wanted = sys.argv[1], sys.argv[2:]
root = ET.parse(svg).getroot()
if not root.tag.endswith("svg"):
    sys.exit(f"{svg}: root is {root.tag}, not svg")
texts = " ".join("".join(t.itertext()) for t in root.iter() if t.tag.endswith("text"))
missing = [w for w in wanted if w not in texts]
if missing:
    sys.exit(f"{svg}: no text {missing}")
EOF2
}

if got=$(tests/bench/plot_latency.sh --ips 100000000 "$logs" "$work/svg" 2>&1) &&
	[ "$got" = "$work/svg/latency-quiet.svg
$work/svg/latency-busy.svg" ] &&
	err=$(well_formed "$work/svg/latency-quiet.svg" "bare, other CPUs idle" \
		"Bulkhead, neighbours quiet" "latency (ns of guest time)" 2>&1) &&
	err=$(well_formed "$work/svg/latency-busy.svg" "bare, 2 CPUs sweeping memory" \
		"Bulkhead, 2 neighbours sweeping memory" "Bulkhead, Linux under load beside" 2>&1); then
	pass plot-latency
else
	fail plot-latency "${err:-$got}"
fi

cat >"$work/timeline.txt" <<'EOF2'
# label start_ms end_ms
emulator_start 0 0
bios_and_grub 0 2100.5
hardware_report 2100.5 2290
linux_boot 2400 15600
rt0_first_line 2350 2350
linux_boot 16000 16500
EOF2
err=""
if got=$(tests/bench/plot_timeline.sh "$work/timeline.txt" 'Boot "timeline", Bochs' "$work/tl.svg" 2>&1) &&
	[ "$got" = "$work/tl.svg" ] &&
	err=$(well_formed "$work/tl.svg" 'Boot "timeline", Bochs' emulator_start bios_and_grub \
		hardware_report linux_boot rt0_first_line ms 2>&1) &&
	printf 'a 1 2\nb 3\n' >"$work/bad.txt" &&
	! err=$(tests/bench/plot_timeline.sh "$work/bad.txt" t "$work/bad.svg" 2>&1) &&
	grep -q 'line 2: not "<label> <start_ms> <end_ms>"' <<<"$err" && [ ! -e "$work/bad.svg" ]; then
	pass plot-timeline
else
	fail plot-timeline "${err:-$got}"
fi
