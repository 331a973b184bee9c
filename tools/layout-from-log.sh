#!/bin/sh
# The layout Bulkhead's probe printed, taken from a COM1 log: tools/layout-from-log.sh LOG
#
# Booted with `probe` (or probe=<name>) on its command line, Bulkhead prints a partition table
# file for the machine between two marker lines, each line of it prefixed (docs/console.md):
#   bulkhead: probe: layout begins
#   layout|/*
#   layout| * Layout "probed", written by Bulkhead's probe ...
#   layout|
#   ...
#   bulkhead: probe: layout ends
# This prints the lines in between with the prefix taken off ("layout|", and the one space
# after it), carriage returns dropped, so that
#   tools/layout-from-log.sh COM1.LOG > partitions/<name>.c
# gives a file that compiles against bulkhead/ptable.h (then: tools/ptcheck.sh, make LAYOUT=).
# Lines outside the markers (the boot report, partitions' lines of an earlier boot) are
# ignored; a line inside them without the prefix (noise on the serial line) is left out and
# counted on stderr. Of several layouts in one log, the last whole one is taken. LOG "-" reads
# standard input.
#
# Exit status: 0 a layout was printed; 1 the log has none (no marker, or it ends before the
# closing marker: the capture stopped too early); 2 usage, or the log cannot be read.
set -u
if [ $# -ne 1 ]; then
	echo "usage: $0 COM1.LOG > partitions/<name>.c" >&2
	exit 2
fi
log=$1
if [ "$log" != - ] && [ ! -r "$log" ]; then
	echo "layout-from-log.sh: cannot read $log" >&2
	exit 2
fi
if [ "$log" = - ]; then
	log=/dev/stdin
fi
tr -d '\r' <"$log" | awk -v name="$1" '
BEGIN {
	begins = "bulkhead: probe: layout begins"
	ends = "bulkhead: probe: layout ends"
	prefix = "layout|"
	inside = 0; opened = 0; got = 0
}
$0 == begins { inside = 1; opened = 1; n = 0; noise = 0; next }
inside && $0 == ends {
	inside = 0; got = n; lost = noise
	for (i = 1; i <= n; i++)
		out[i] = cur[i]
	next
}
inside {
	if (index($0, prefix) == 1) {
		s = substr($0, length(prefix) + 1)
		if (substr(s, 1, 1) == " ")
			s = substr(s, 2)
		cur[++n] = s
	} else {
		noise++
	}
}
END {
	if (!opened) {
		print "layout-from-log.sh: " name ": no \"" begins "\" line: was Bulkhead booted with probe on its command line?" > "/dev/stderr"
		exit 1
	}
	if (got == 0) {
		print "layout-from-log.sh: " name ": no \"" ends "\" after \"" begins "\": the log stops before the layout ends" > "/dev/stderr"
		exit 1
	}
	if (lost)
		print "layout-from-log.sh: " name ": " lost " line(s) inside the layout without the \"" prefix "\" prefix left out" > "/dev/stderr"
	for (i = 1; i <= got; i++)
		print out[i]
}'
