#!/bin/bash
# The time-to-run and restart figures of make bench (tests/bench.sh) from COM1 logs:
#
#   tests/bench/boot_figures.sh timeline BOOT.LOG [TIMELINE.DAT]
#   tests/bench/boot_figures.sh restart RESTART.LOG
#
# timeline: a boot of the default layout to Linux's init. Bulkhead's boot timeline
# (core/timeline.h) counts from the boot loader's hand-off (Bulkhead's first instruction):
#   boot-first-line            ms to Bulkhead's first COM1 line ("first COM1 line at")
#   boot-entry-<p>             ms to each partition's first VM entry ("first entry at");
#                              target 5 for a payload
#   boot-first-line-<p>        ms to each payload's first line: its first sign of life (a
#                              heartbeat payload says "start" there and beats a period later)
#   boot-linux-init            ms to Linux's init: its `bulkhead-linux: tsc <n>` (the TSC its
#                              init read at the marker; partitions' TSCs are the host's)
#                              less the hand-off's TSC, at Bulkhead's refined TSC rate
#   boot-payloads-before-linux 1 when every payload entered before Linux's first entry
# With TIMELINE.DAT, also writes the rows tests/bench/plot_timeline.sh draws: "bulkhead"
# from the hand-off to its first line, each partition from its entry to its first line (a
# payload) or to its init (Linux), and a point at each entry.
# restart: a boot of the rt layout where rt1 faults (FAULT_RESTART) and rt0 is stopped and
# started from the shell:
#   restart-fault-entry        ms from the fault to the entry, less the back-off, first restart
#   restart-fault-first-line   ms from the fault to its first line, less the back-off (the
#                              payload's first heartbeat after the automatic restart); target 2
#   restart-fault-first-line-max   the same, the largest of all restarts
#   restart-shell-first-line   ms from the shell's `start` to the first line
# Prints a table, then `bench <figure>: <value> <unit> (target <t>)` lines. A log without
# the lines a figure needs is refused: a message on stderr, exit status 1, no bench lines.
set -u
mode=${1:-} log=${2:-}
[ -f "$log" ] || { echo "usage: boot_figures.sh timeline BOOT.LOG [TIMELINE.DAT] | restart RESTART.LOG" >&2; exit 2; }
text=$(tr -d '\r' <"$log")

case $mode in
timeline)
	out=$(awk -v logf="$log" -v dat="${3:-}" '
		/^bulkhead: tsc [0-9]+ kHz \(refined\)$/ { khz = $3 }
		/^bulkhead: boot loader hand-off at tsc [0-9]+; first COM1 line at [0-9.]+ ms$/ {
			hand = $7; sub(/;$/, "", hand); first = $(NF - 1) }
		/^partition [^ ]+: loaded Linux / { p = $2; sub(/:$/, "", p); linux[p] = 1 }
		/^bulkhead: partition [^ ]+ first entry at [0-9.]+ ms$/ {
			if (!($3 in entry)) order[++n] = $3
			entry[$3] = $(NF - 1) }
		/^bulkhead: partition [^ ]+ first line at [0-9.]+ ms$/ { line[$3] = $(NF - 1) }
		/^linux: bulkhead-linux: tsc [0-9]+$/ { init = $NF }
		END {
			if (!khz || hand == "" || first == "" || !n) {
				print "boot_figures: " logf ": no " (!khz ? "refined tsc rate" : \
					hand == "" ? "hand-off line" : !n ? "first entry" : "first line") \
					> "/dev/stderr"
				exit 1
			}
			for (i = 1; i <= n; i++) {
				q = order[i]
				if (q in linux) { lx = q; continue }
				if (!(q in line)) {
					print "boot_figures: " logf ": partition " q " printed no first line" \
						> "/dev/stderr"
					exit 1
				}
				if (entry[q] + 0 > latest) latest = entry[q] + 0
			}
			if (lx == "" || init == "") {
				print "boot_figures: " logf ": no Linux partition that reached its init" \
					> "/dev/stderr"
				exit 1
			}
			init_ms = (init - hand) / khz
			printf "%-44s %12s\n", "boot timeline (ms from the hand-off)", "ms"
			printf "%-44s %12.3f\n", "  Bulkhead first COM1 line", first
			for (i = 1; i <= n; i++) {
				q = order[i]
				printf "%-44s %12.3f\n", "  " q " first entry", entry[q]
				if (q != lx) printf "%-44s %12.3f\n", "  " q " first line", line[q]
			}
			printf "%-44s %12.3f\n", "  " lx " init", init_ms
			printf "bench boot-first-line: %.3f ms (target -)\n", first
			for (i = 1; i <= n; i++) {
				q = order[i]
				printf "bench boot-entry-%s: %.3f ms (target %s)\n", q, entry[q], q == lx ? "-" : "5"
			}
			for (i = 1; i <= n; i++)
				if (order[i] != lx)
					printf "bench boot-first-line-%s: %.3f ms (target -)\n", order[i], line[order[i]]
			printf "bench boot-linux-init: %.3f ms (target -)\n", init_ms
			printf "bench boot-payloads-before-linux: %d (target 1)\n", latest < entry[lx] + 0
			if (dat != "") {
				printf "bulkhead 0 %.3f\n", first > dat
				for (i = 1; i <= n; i++) {
					q = order[i]
					printf "%s %.3f %.3f\n", q, entry[q], q == lx ? init_ms : line[q] > dat
					printf "%s %.3f %.3f\n", q, entry[q], entry[q] > dat
				}
			}
		}' <<<"$text") || exit 1
	;;
restart)
	out=$(awk -v logf="$log" '
		/^bulkhead: partition [^ ]+ entry [0-9.]+ ms after its fault \([0-9.]+ ms of it back-off\)$/ {
			n++; b = substr($10, 2) + 0; back[n] = b; entry[n] = $5 - b }
		/^bulkhead: partition [^ ]+ first line [0-9.]+ ms after its fault$/ {
			if (n && !(n in line)) line[n] = $6 - back[n] }
		/^bulkhead: partition [^ ]+ first line [0-9.]+ ms after the shell.s start$/ { shell = $6 }
		END {
			if (!n || !(1 in line) || shell == "") {
				print "boot_figures: " logf ": no " (!n ? "restart after a fault" : \
					!(1 in line) ? "first line after a restart" : "start from the shell") \
					> "/dev/stderr"
				exit 1
			}
			for (i = 1; i <= n; i++) if ((i in line) && line[i] > max) max = line[i]
			printf "%-44s %12s\n", "restart (ms, back-off taken out)", "ms"
			for (i = 1; i <= n; i++)
				printf "  restart %d: back-off %.3f, entry %.3f, first line %s\n", i, back[i], \
					entry[i], (i in line) ? sprintf("%.3f", line[i]) : "-"
			printf "%-44s %12.3f\n", "  shell stop -> start, first line", shell
			printf "bench restart-fault-entry: %.3f ms (target -)\n", entry[1]
			printf "bench restart-fault-first-line: %.3f ms (target 2)\n", line[1]
			printf "bench restart-fault-first-line-max: %.3f ms (target 2)\n", max
			printf "bench restart-shell-first-line: %.3f ms (target -)\n", shell
		}' <<<"$text") || exit 1
	;;
*)
	echo "usage: boot_figures.sh timeline BOOT.LOG [TIMELINE.DAT] | restart RESTART.LOG" >&2
	exit 2
	;;
esac
echo "$out"
