#!/bin/bash
# The latency histograms of make bench, as OSADL draws cyclictest's: latency on x, the number
# of samples with that latency on a log-scale y, one series per run.
#
#   tests/bench/plot_latency.sh --ips IPS LOGDIR OUTDIR
#
# LOGDIR and IPS are what tests/bench/latency_figures.sh reads (it picks the windows and sums
# their hist1 lines: one bin per TSC tick, IPS ticks a second); draws with gnuplot
#   OUTDIR/latency-quiet.svg  bare and Bulkhead, neighbours quiet
#   OUTDIR/latency-busy.svg   bare with 2 CPUs sweeping memory, Bulkhead with 2 neighbours
#                             sweeping memory, Bulkhead beside Linux under load
# and prints their paths. Bins with no sample are left out (log scale), so a line joins the
# bins that have samples. A series' title gives its samples and how many lay beyond the fine
# histogram's last bin, if any (they are in the max, not in the picture).
set -u
[ $# = 4 ] && [ "$1" = --ips ] || { echo "usage: $0 --ips IPS LOGDIR OUTDIR" >&2; exit 2; }
ips=$2 logs=$3 out=$4
here=$(dirname "$0")
work=$(mktemp -d /tmp/plot-latency.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$here/latency_figures.sh" --hist "$work" --ips "$ips" "$logs" >/dev/null || exit 1
mkdir -p "$out"

title() {
	case $1 in
	bare-quiet) echo "bare, other CPUs idle" ;;
	bh-quiet) echo "Bulkhead, neighbours quiet" ;;
	bare-busy) echo "bare, 2 CPUs sweeping memory" ;;
	bh-busy) echo "Bulkhead, 2 neighbours sweeping memory" ;;
	bh-linux) echo "Bulkhead, Linux under load beside" ;;
	esac
}

# plot NAME HEADING RUN...: OUTDIR/latency-NAME.svg with one series per run.
plot() {
	local name=$1 heading=$2 r over n plots="" i=0 lo hi
	# Point type and size per series: identical histograms stay visible on top of each other.
	local styles=("pt 6 ps 2.4 lw 2" "pt 7 ps 1.1 lw 1.5" "pt 8 ps 1.8 lw 1.5 dt 2")
	shift 2
	# The x range: every series' bins, one tick's width of margin each side.
	read -r lo hi < <(for r in "$@"; do cat "$work/$r.dat"; done | awk '!/^#/ {
		if (lo == "" || $2 < lo) lo = $2; if ($2 > hi) hi = $2; if ($1) step = $2 / $1 }
		END { printf "%g %g\n", lo - step, hi + step }')
	for r in "$@"; do
		over=$(sed -n 's/^# over //p' "$work/$r.dat")
		n=$(awk '!/^#/ { n += $3 } END { print n + 0 }' "$work/$r.dat")
		t="$(title "$r") ($((n + over)) samples"
		[ "${over:-0}" = 0 ] || t="$t, $over beyond the histogram"
		plots="$plots${plots:+, }'$work/$r.dat' using 2:3 with linespoints ${styles[i]} title '$t)'"
		i=$((i + 1))
	done
	gnuplot <<EOF2 || { echo "plot_latency: gnuplot failed for $name" >&2; exit 1; }
set terminal svg size 800,520 dynamic font 'sans,12'
set output '$out/latency-$name.svg'
set title '$heading' noenhanced
set xlabel 'latency (ns of guest time)'
set ylabel 'samples'
set logscale y
set yrange [0.7:*]
set xrange [$lo:$hi]
set grid
set key below noenhanced
plot $plots
EOF2
	echo "$out/latency-$name.svg"
}

plot quiet "Timer latency, other CPUs quiet (latency demo, 10 kHz)" bare-quiet bh-quiet
plot busy "Timer latency, other CPUs busy (latency demo, 10 kHz)" bare-busy bh-busy bh-linux
