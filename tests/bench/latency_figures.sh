#!/bin/bash
# The RT latency figures of make bench (tests/bench_latency.sh) from the COM1 logs of its runs:
#
#   tests/bench/latency_figures.sh [--hist OUTDIR] --ips IPS LOGDIR
#
# LOGDIR holds one log per run, each from the latency demo (images/demos/latency.c):
#   latency-bare-quiet.log  bare (GRUB boots the demo), its other CPUs idle
#   latency-bh-quiet.log    Bulkhead, rt layout: the demo as rt0, neighbours beat then halt
#   latency-bare-busy.log   bare, the demo's own CPUs 1 and 2 sweeping memory (busy=2)
#   latency-bh-busy.log     Bulkhead, rt layout: neighbours rt1, rt2 sweeping memory
#   latency-bh-linux.log    Bulkhead, default layout: the demo as rt0 beside Linux under load
#   latency-stats.log       the bh-busy run again with stats=1: rt0's exits per second
# Prints a table (per run: windows, samples, min/avg/p99/max in ticks and ns, missed) and
#   bench rt-added-{p99,max}-{quiet,busy,linux}: <n> ns (target 50 | 100)
#   bench rt-exits-per-s: <n> /s (target 0)
# "Added" is Bulkhead's figure minus bare's: quiet against bare quiet, busy and linux both
# against bare busy (bare cannot run Linux beside the demo on the same machine: its "busy"
# is the demo's own CPUs sweeping memory, the load the payload neighbours put on Bulkhead).
#
# Windows: every window after the first (warm-up); in the Linux run only the windows printed
# between Linux's `load begins` and `load ends`, less the first of them (it began before the
# load). A run's min is the least window min, avg the sample-weighted mean of window avgs,
# p99 the largest window p99 (the demo's p99 is exact per window), max the largest max.
# Ticks are converted to ns with IPS, the emulator's instructions per second: under Bochs the
# TSC counts guest instructions (clock: sync=none), so ips=100000000 makes a tick 10 ns. The
# TSC rate the demo was told (`latency: start` line) is shown beside: bare it is the CPUID
# figure, under Bulkhead the rate Bulkhead measured at boot (a few kHz off).
# --hist OUTDIR writes OUTDIR/<run>.dat: the same windows' hist1 lines summed, one line per
# tick value "<ticks> <ns> <count>" (count 0 left out), and "# over <count>" for latencies
# beyond the fine histogram (tests/bench/plot_latency.sh draws them).
# A missing log, a run without windows, a window without its complete hist1 lines or a Linux
# run without its load lines is refused: a message on stderr, exit 1.
set -u
hist_dir="" ips=""
while [ $# -gt 1 ]; do
	case $1 in
	--hist) hist_dir=$2 ;;
	--ips) ips=$2 ;;
	*) break ;;
	esac
	shift 2
done
[ $# = 1 ] && [[ $ips =~ ^[1-9][0-9]*$ ]] ||
	{ echo "usage: $0 [--hist OUTDIR] --ips IPS LOGDIR" >&2; exit 2; }
logs=$1
runs="bare-quiet bh-quiet bare-busy bh-busy bh-linux"
fail() { echo "latency_figures: $*" >&2; exit 1; }

# window_stats LOG PREFIX MODE: reads the demo's lines from LOG ("rt0: " before each line
# under Bulkhead; MODE all or load) and prints
#   S <windows> <samples> <min> <avg> <p99> <max> <missed> <tsc kHz>
#   H <ticks> <count>        (summed hist1, count > 0)
#   O <overflow count>
# or an error message on stderr and exit status 1.
window_stats() {
	tr -d '\r' <"$1" | awk -v file="$1" -v pre="$2" -v mode="$3" '
	function fail(msg) { print "latency_figures: " file ": " msg > "/dev/stderr"; bad = 1; exit 1 }
	# close_window: the window before this line is complete only with its over= line.
	function close_window() {
		if (open && !complete) fail("window " seen " has no complete hist1 lines")
		open = 0
	}
	BEGIN { plen = length(pre) }
	substr($0, 1, plen) != pre { if (mode == "load") load_line($0); next }
	{ line = substr($0, plen + 1) }
	line ~ /^latency: start, / && khz == "" {
		for (i = 1; i <= NF; i++) if ($i == "tsc") khz = $(i + 1)
	}
	line ~ /^latency: n=/ {
		close_window()
		seen++
		if (mode == "all") take = seen > 1
		else { if (phase == 1) inload++; take = phase == 1 && inload > 1 }
		if (!take) next
		split(line, f, /[ =]/)
		# f: latency: n N min MIN avg AVG p99 P99 max MAX missed MISSED
		w++; n += f[3]; wsum += f[3] * f[7]
		if (min == "" || f[5] + 0 < min) min = f[5] + 0
		if (f[9] + 0 > p99) p99 = f[9] + 0
		if (f[11] + 0 > max) max = f[11] + 0
		missed += f[13]
		open = 1; complete = 0
		next
	}
	line ~ /^latency: hist1 / && open {
		rest = substr(line, 16)
		if (match(rest, / over=[0-9]+$/)) {
			over += substr(rest, RSTART + 6)
			rest = substr(rest, 1, RSTART - 1)
			complete = 1
		} else if (rest ~ /^over=[0-9]+$/) {
			over += substr(rest, 6); rest = ""; complete = 1
		}
		if (rest == "") next
		if (rest !~ /^[0-9]+:[0-9]+(,[0-9]+)*$/) fail("bad hist1 line: " line)
		split(rest, hs, ":"); first = hs[1] + 0
		k = split(hs[2], cs, ",")
		for (i = 1; i <= k; i++) if (cs[i] + 0) hist[first + i - 1] += cs[i]
		next
	}
	# The Linux run: windows whose n= line comes between the two are inside the load (their
	# hist1 lines may come after `load ends`: two partitions print at once).
	function load_line(l) {
		if (l ~ /^(linux: )?bulkhead-linux: load begins$/ && phase == 0) phase = 1
		else if (l ~ /^(linux: )?bulkhead-linux: load ends$/ && phase == 1) phase = 2
	}
	END {
		if (bad) exit 1
		close_window()
		if (bad) exit 1
		if (khz == "") fail("no \"latency: start\" line with the TSC rate")
		if (mode == "load" && phase < 1) fail("no \"bulkhead-linux: load begins\" line")
		if (mode == "load" && phase < 2) fail("no \"bulkhead-linux: load ends\" line")
		if (!w) fail(mode == "load" ? "no window inside the load" : "no window after the warm-up")
		printf "S %d %d %d %.1f %d %d %d %d\n", w, n, min, wsum / n, p99, max, missed, khz
		for (t in hist) printf "H %d %d\n", t, hist[t]
		printf "O %d\n", over
	}'
}

declare -A S
for r in $runs; do
	log=$logs/latency-$r.log
	[ -f "$log" ] || fail "no log of run $r ($log)"
	prefix="rt0: " mode=all
	case $r in bare-*) prefix="" ;; esac
	[ "$r" = bh-linux ] && mode=load
	out=$(window_stats "$log" "$prefix" "$mode") || exit 1
	S[$r]=$(sed -n 's/^S //p' <<<"$out")
	if [ -n "$hist_dir" ]; then
		mkdir -p "$hist_dir"
		{
			echo "# $r: ticks ns count"
			sed -n 's/^H //p' <<<"$out" | sort -n |
				awk -v ips="$ips" '{ printf "%d %.0f %d\n", $1, $1 * 1e9 / ips, $2 }'
			sed -n 's/^O /# over /p' <<<"$out"
		} >"$hist_dir/$r.dat"
	fi
done

# Exits of the RT CPU per second of steady state, from the stats=1 run's lines (one a
# second): all exits less the VMCALLs of prints, from the first line to the last.
log=$logs/latency-stats.log
[ -f "$log" ] || fail "no log of the stats run ($log)"
stats=$(tr -d '\r' <"$log" | grep '^stats: partition rt0 cpu 1: ')
nstats=$(grep -c . <<<"$stats")
[ "$nstats" -ge 2 ] || fail "$log: fewer than 2 \"stats: partition rt0 cpu 1:\" lines"
exits() { # LINE -> "total vmcall"
	sed 's/^.*cpu 1: //' <<<"$1" | tr ',' '\n' |
		awk '{ if ($1 == "none") next; t += $2; if ($1 == "vmcall") v += $2 } END { print t + 0, v + 0 }'
}
read -r t0 v0 < <(exits "$(head -1 <<<"$stats")")
read -r t1 v1 < <(exits "$(tail -1 <<<"$stats")")
exits_per_s=$(awk -v t="$((t1 - t0 - (v1 - v0)))" -v s="$((nstats - 1))" 'BEGIN { printf "%.2f", t / s }')
prints_per_s=$(awk -v t="$((v1 - v0))" -v s="$((nstats - 1))" 'BEGIN { printf "%.2f", t / s }')

label() {
	case $1 in
	bare-quiet) echo "bare, other CPUs idle" ;;
	bh-quiet) echo "Bulkhead, neighbours quiet" ;;
	bare-busy) echo "bare, 2 CPUs sweeping memory" ;;
	bh-busy) echo "Bulkhead, 2 neighbours sweeping" ;;
	bh-linux) echo "Bulkhead, Linux under load" ;;
	esac
}
ns() { awk -v t="$1" -v ips="$ips" 'BEGIN { printf "%.0f", t * 1e9 / ips }'; }
printf 'latency demo, ticks of guest TSC at %s instructions/s: 1 tick = %s ns\n' "$ips" \
	"$(awk -v ips="$ips" 'BEGIN { printf "%g", 1e9 / ips }')"
printf 'windows after warm-up (Linux: inside the load)\n'
printf '%-32s %4s %7s | %4s %6s %4s %4s | %6s %6s %6s %6s | %6s %7s\n' run win samples \
	min avg p99 max "min ns" "avg ns" "p99 ns" "max ns" missed "TSC kHz"
for r in $runs; do
	read -r w n mn av p9 mx ms k <<<"${S[$r]}"
	printf '%-32s %4s %7s | %4s %6s %4s %4s | %6s %6s %6s %6s | %6s %7s\n' "$(label "$r")" "$w" \
		"$n" "$mn" "$av" "$p9" "$mx" "$(ns "$mn")" "$(ns "$av")" "$(ns "$p9")" "$(ns "$mx")" \
		"$ms" "$k"
done
printf 'RT exits/s, not printing: %s (prints: %s/s)\n' "$exits_per_s" "$prints_per_s"

# added FIELD RUN BASE: RUN's figure minus BASE's, in ns (negative if Bulkhead was faster).
added() {
	local a b
	a=$(awk -v f="$1" '{ print $f }' <<<"${S[$2]}")
	b=$(awk -v f="$1" '{ print $f }' <<<"${S[$3]}")
	ns "$((a - b))"
}
# Fields of S: 1 windows 2 samples 3 min 4 avg 5 p99 6 max 7 missed 8 kHz.
echo "bench rt-added-p99-quiet: $(added 5 bh-quiet bare-quiet) ns (target 50)"
echo "bench rt-added-max-quiet: $(added 6 bh-quiet bare-quiet) ns (target 100)"
echo "bench rt-added-p99-busy: $(added 5 bh-busy bare-busy) ns (target 50)"
echo "bench rt-added-max-busy: $(added 6 bh-busy bare-busy) ns (target 100)"
# Linux under load against bare busy: bare has no Linux beside the demo, its nearest load
# is its own CPUs sweeping memory.
echo "bench rt-added-p99-linux: $(added 5 bh-linux bare-busy) ns (target 50)"
echo "bench rt-added-max-linux: $(added 6 bh-linux bare-busy) ns (target 100)"
echo "bench rt-exits-per-s: $exits_per_s /s (target 0)"
