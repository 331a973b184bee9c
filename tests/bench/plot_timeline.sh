#!/bin/bash
# A timeline as an SVG: horizontal bars (and points) on a milliseconds axis, one row per label.
#
#   tests/bench/plot_timeline.sh INPUT TITLE OUT.svg [XMAX]
#
# INPUT has one event a line, "<label> <start_ms> <end_ms>": a label has no spaces (several
# lines may share one: their bars share its row); start == end is a point event, drawn as a
# diamond. XMAX, if given, ends the axis there (what starts later is left out: a zoom on the
# first milliseconds). Rows go top to bottom in the order their labels first appear; blank lines and
# lines starting with # are skipped. A line with another number of fields, or times that are
# not numbers or end before they start, is refused (message on stderr, exit 1).
set -u
[ $# = 3 ] || [ $# = 4 ] || { echo "usage: $0 INPUT TITLE OUT.svg [XMAX]" >&2; exit 2; }
input=$1 title=$2 out=$3 xmax=${4:-*}
[ "$xmax" = "*" ] || [[ $xmax =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "plot_timeline: XMAX $xmax is not a number of ms" >&2; exit 2; }
[ -f "$input" ] || { echo "plot_timeline: no file $input" >&2; exit 1; }
work=$(mktemp -d /tmp/plot-timeline.XXXXXX)
trap 'rm -rf "$work"' EXIT

# bars.dat / points.dat: "<row> <start> <end>"; rows.txt: "<row> <label>".
awk -v dir="$work" '
	function num(s) { return s ~ /^-?[0-9]+(\.[0-9]+)?$/ }
	/^[ \t]*(#|$)/ { next }
	NF != 3 || !num($2) || !num($3) || $3 + 0 < $2 + 0 {
		print "plot_timeline: line " NR ": not \"<label> <start_ms> <end_ms>\": " $0 > "/dev/stderr"
		bad = 1; exit 1
	}
	{
		if (!($1 in row)) { row[$1] = ++rows; print rows, $1 > (dir "/rows.txt") }
		print row[$1], $2, $3 > (dir "/" ($2 == $3 ? "points" : "bars") ".dat")
	}
	END { if (!bad && !rows) { print "plot_timeline: no events in the input" > "/dev/stderr"; exit 1 } }
' "$input" || exit 1
rows=$(wc -l <"$work/rows.txt")
# y tics: row i at y = -i, so the first label is on top.
tics=$(awk '{ gsub(/\\/, "\\\\", $2); gsub(/"/, "\\\"", $2);
	printf "%s\"%s\" %d", (NR > 1 ? ", " : ""), $2, -$1 }' "$work/rows.txt")
plots=""
[ -s "$work/bars.dat" ] &&
	plots="'$work/bars.dat' using (\$2 + \$3) / 2:(-\$1):(\$2):(\$3):(-\$1 - 0.3):(-\$1 + 0.3) with boxxyerror fill solid 0.6 lc rgb '#4a7ab5' notitle"
[ -s "$work/points.dat" ] &&
	plots="$plots${plots:+, }'$work/points.dat' using 2:(-\$1) with points pt 13 ps 1.6 lc rgb '#c0392b' notitle"
esc_title=$(sed 's/\\/\\\\/g; s/"/\\"/g' <<<"$title")
height=$((120 + 28 * rows))
gnuplot <<EOF2 || { echo "plot_timeline: gnuplot failed" >&2; exit 1; }
set terminal svg size 900,$height dynamic font 'sans,12'
set output '$out'
set title "$esc_title" noenhanced
set xlabel 'ms'
set ytics ($tics) noenhanced
set yrange [-$rows - 0.7:-0.3]
set xrange [0:$xmax]
set grid xtics
set offsets 0, graph 0.03, 0, 0
plot $plots
EOF2
echo "$out"
