#!/bin/bash
# The Linux figures of make bench (tests/bench_linux.sh) from its three COM1 logs:
#
#   tests/bench/linux_figures.sh BARE.LOG BULKHEAD.LOG STATS.LOG
#
# BARE.LOG and BULKHEAD.LOG: Linux booted with `work`, bare and under Bulkhead; STATS.LOG:
# under Bulkhead with stats=1 and `work=<n>`, lingering at the shell after `done`. Prints a
# table, then the `bench linux-...` lines:
#   linux-work-ratio          the init's `work total` (the sum of its parts, each timed by
#                             Linux with /bin/tsc in guest TSC ticks), Bulkhead ÷ bare
#   linux-work-<part>-ratio   the same for each part (cpu, mem, fork, pipe)
#   linux-boot-ratio          Linux's clock at its init's marker (/proc/uptime x the TSC rate
#                             Linux detected: ticks since its clock started), Bulkhead ÷ bare
#   linux-exits-per-s-idle    the Linux partition's exits a second, both CPUs together, from
#                             Bulkhead's cumulative `stats: partition linux cpu <n>: ...` lines
#                             (one set a second of TSC time): the difference between the last
#                             and first set of a span ÷ the sets between them. Idle: from the
#                             3rd set after `done` (the shell waits on the console) to at most
#                             the 12th; at least 3 sets.
#   linux-exits-per-s-work    the same over the sets between `work begins` and `work total`
#                             (at least 2 sets)
#   linux-exits-per-s-<idle|work>-<reason>   per exit reason seen in the span (spaces in a
#                             reason's name become -)
#   linux-exits-per-s-<idle|work>-io-<port>  the io exits by port, from the `stats: partition
#                             linux cpu <n> ports: ...` lines (0x3f8-0x3ff: its emulated COM1;
#                             io-others: ports past the first 16 trapped), not added again
#   linux-rt-exits-per-s      every other partition's exits a second (its VMCALLs, i.e. its
#                             prints, left out), in the busier of the two spans: target 0
# A log that lacks a line a figure needs is refused: a line on stderr saying what is missing,
# exit status 1, no bench lines.
set -u
[ $# -eq 3 ] || { echo "usage: linux_figures.sh BARE.LOG BULKHEAD.LOG STATS.LOG" >&2; exit 2; }
for f in "$@"; do
	[ -r "$f" ] || { echo "linux_figures: $f: cannot read" >&2; exit 1; }
done

# timed LOG: "uptime mhz tsc cpu mem fork pipe total" from a work boot's log, or a refusal.
timed() {
	tr -d '\r' <"$1" | sed 's/^linux: //' | awk -v logf="$1" '
	/^bulkhead-linux: uptime [0-9.]+$/ { up = $3 }
	/^\[ *[0-9.]+\] tsc: Detected [0-9.]+ MHz/ {
		for (i = 1; i < NF; i++)
			if ($i == "Detected")
				mhz = $(i + 1)
	}
	/^bulkhead-linux: tsc [0-9]+$/ { tsc = $3 }
	/^bulkhead-linux: work (cpu|mem|fork|pipe|total) [0-9]+ ticks$/ { w[$3] = $4 }
	END {
		if (mhz == "") miss = miss " tsc-rate"
		if (up == "") miss = miss " uptime"
		if (tsc == "") miss = miss " tsc"
		n = split("cpu mem fork pipe total", part, " ")
		for (i = 1; i <= n; i++)
			if (!(part[i] in w))
				miss = miss " work-" part[i]
		if (miss != "") {
			print "linux_figures: " logf ": no line for:" miss > "/dev/stderr"
			exit 1
		}
		if (w["cpu"] + w["mem"] + w["fork"] + w["pipe"] != w["total"]) {
			print "linux_figures: " logf ": work total is not the sum of its parts" > "/dev/stderr"
			exit 1
		}
		print up, mhz, tsc, w["cpu"], w["mem"], w["fork"], w["pipe"], w["total"]
	}'
}
bare=$(timed "$1") || exit 1
bh=$(timed "$2") || exit 1

# The stats boot: per span (idle, work) and partition, "span part reason rate" lines, rate in
# exits a second; "span seconds n" for each span.
rates=$(tr -d '\r' <"$3" | awk -v logf="$3" '
	function take(s, line, p, cpu, i, n, item, k, name) {
		# a set ends where a CPU it already has appears again
		if ((p, cpu) in inset) {
			delete inset
			sets++
		}
		if (!length(inset))
			at[sets + 1] = line
		inset[p, cpu] = 1
		parts[p] = 1
		if (s == "none")
			return
		n = split(s, item, ", ")
		for (i = 1; i <= n; i++) {
			k = split(item[i], word, " ")
			name = word[1]
			for (j = 2; j < k; j++)
				name = name "-" word[j]
			count[sets + 1, p, name] += word[k]
			reasons[p, name] = 1
		}
	}
	# its I/O exits by port, right after its exits line (same set): "io-<port>" reasons,
	# a breakdown of "io", not added to the totals
	/^stats: partition [^ ]+ cpu [0-9]+ ports: / {
		s = $0
		sub(/^stats: partition [^ ]+ cpu [0-9]+ ports: /, "", s)
		n = split(s, item, ", ")
		for (i = 1; i <= n; i++) {
			k = split(item[i], word, " ")
			count[sets + 1, $3, "io-" word[1]] += word[k]
			reasons[$3, "io-" word[1]] = 1
		}
		next
	}
	/^stats: partition [^ ]+ cpu [0-9]+: / {
		p = $3
		cpu = $5
		sub(/:$/, "", cpu)
		s = $0
		sub(/^stats: partition [^ ]+ cpu [0-9]+: /, "", s)
		take(s, NR, p, cpu)
		next
	}
	/^linux: bulkhead-linux: work begins$/ { begins = NR }
	/^linux: bulkhead-linux: work total [0-9]+ ticks$/ { total = NR }
	/^linux: bulkhead-linux: done$/ { done = NR }
	END {
		if (length(inset))
			sets++
		if (!begins || !total || !done) {
			print "linux_figures: " logf ": no line for:" (begins ? "" : " work-begins") \
				(total ? "" : " work-total") (done ? "" : " done") > "/dev/stderr"
			exit 1
		}
		# work: the sets between its first and last line
		for (k = 1; k <= sets; k++)
			if (at[k] > begins && at[k] < total) {
				if (!w0) w0 = k
				w1 = k
			}
		if (!w0 || w1 - w0 < 1) {
			print "linux_figures: " logf ": fewer than 2 stats sets during the work" > "/dev/stderr"
			exit 1
		}
		# idle: from the 3rd set after done, at most 10 seconds
		n = 0
		for (k = 1; k <= sets; k++)
			if (at[k] > done && ++n >= 3) {
				if (!i0) i0 = k
				if (k - i0 <= 10) i1 = k
			}
		if (!i0 || i1 - i0 < 2) {
			print "linux_figures: " logf ": fewer than 3 stats sets at idle (from the 3rd after done)" > "/dev/stderr"
			exit 1
		}
		print "work seconds", w1 - w0
		print "idle seconds", i1 - i0
		for (pr in reasons) {
			split(pr, q, SUBSEP)
			dw = count[w1, q[1], q[2]] - count[w0, q[1], q[2]]
			di = count[i1, q[1], q[2]] - count[i0, q[1], q[2]]
			if (dw > 0) printf "work %s %s %.1f\n", q[1], q[2], dw / (w1 - w0)
			if (di > 0) printf "idle %s %s %.1f\n", q[1], q[2], di / (i1 - i0)
		}
	}' | sort) || exit 1
grep -q '^work linux ' <<<"$rates" || { echo "linux_figures: $3: no exits of partition linux during the work" >&2; exit 1; }

# shellcheck disable=SC2086 # the fields are words
set -- $bare $bh
awk -v rates="$rates" -v b_up="$1" -v b_mhz="$2" -v b_tsc="$3" -v b_cpu="$4" -v b_mem="$5" \
	-v b_fork="$6" -v b_pipe="$7" -v b_total="$8" -v h_up="$9" -v h_mhz="${10}" \
	-v h_tsc="${11}" -v h_cpu="${12}" -v h_mem="${13}" -v h_fork="${14}" -v h_pipe="${15}" \
	-v h_total="${16}" '
function row(what, b, h, r) { printf "%-44s %16s %16s %8s\n", what, b, h, r }
function ratio(h, b) { return sprintf("%.3f", h / b) }
BEGIN {
	b["cpu"] = b_cpu; b["mem"] = b_mem; b["fork"] = b_fork; b["pipe"] = b_pipe
	h["cpu"] = h_cpu; h["mem"] = h_mem; h["fork"] = h_fork; h["pipe"] = h_pipe
	np = split("cpu mem fork pipe", part, " ")
	b_ticks = sprintf("%.0f", b_up * b_mhz * 1000000)
	h_ticks = sprintf("%.0f", h_up * h_mhz * 1000000)
	row("linux work, guest TSC ticks (timed by Linux)", "bare", "bulkhead", "ratio")
	for (i = 1; i <= np; i++)
		row("  " part[i], b[part[i]], h[part[i]], ratio(h[part[i]], b[part[i]]))
	row("  total", b_total, h_total, ratio(h_total, b_total))
	row("linux boot to the init marker", "", "", "")
	row("  linux clock at marker (s)", b_up, h_up, "")
	row("  tsc rate linux detected (MHz)", b_mhz, h_mhz, "")
	row("  ticks to marker (clock x rate)", b_ticks, h_ticks, ratio(h_ticks, b_ticks))
	row("  TSC at marker (from power-on)", b_tsc, h_tsc, ratio(h_tsc, b_tsc))
	n = split(rates, line, "\n")
	for (i = 1; i <= n; i++) {
		split(line[i], f, " ")
		if (f[2] == "seconds") {
			secs[f[1]] = f[3]
			continue
		}
		r[f[1], f[2], f[3]] = f[4]
		has[f[1], f[2], f[3]] = 1
		names[f[2], f[3]] = 1
		if (f[3] ~ /^io-/) # io by port: a breakdown of io
			continue
		sum[f[1], f[2]] += f[4]
		if (f[2] != "linux" && f[3] != "vmcall") rt[f[1]] += f[4]
	}
	printf "%-44s %16s %16s\n", "exits per second (stats=1 boot)", \
		"idle (" secs["idle"] " s)", "work (" secs["work"] " s)"
	# the Linux partition first, then the others; reasons in name order
	cnt = 0
	for (k in names) key[++cnt] = (substr(k, 1, 5) == "linux" SUBSEP ? "0" : "1") k
	for (i = 2; i <= cnt; i++)
		for (j = i; j > 1 && key[j - 1] > key[j]; j--) {
			t = key[j]; key[j] = key[j - 1]; key[j - 1] = t
		}
	for (i = 1; i <= cnt; i++) {
		split(substr(key[i], 2), q, SUBSEP)
		printf "  %-42s %16.1f %16.1f\n", q[1] ": " q[2], r["idle", q[1], q[2]], \
			r["work", q[1], q[2]]
	}
	printf "  %-42s %16.1f %16.1f\n", "linux: all", sum["idle", "linux"], sum["work", "linux"]
	printf "bench linux-work-ratio: %s (target 1.02)\n", ratio(h_total, b_total)
	for (i = 1; i <= np; i++)
		printf "bench linux-work-%s-ratio: %s (target -)\n", part[i], \
			ratio(h[part[i]], b[part[i]])
	printf "bench linux-boot-ratio: %s (target 1.05)\n", ratio(h_ticks, b_ticks)
	printf "bench linux-exits-per-s-idle: %.1f /s (target -)\n", sum["idle", "linux"]
	printf "bench linux-exits-per-s-work: %.1f /s (target -)\n", sum["work", "linux"]
	for (s = 1; s <= 2; s++) {
		span = s == 1 ? "idle" : "work"
		for (i = 1; i <= cnt; i++) {
			split(substr(key[i], 2), q, SUBSEP)
			if (q[1] == "linux" && has[span, q[1], q[2]])
				printf "bench linux-exits-per-s-%s-%s: %s /s (target -)\n", span, q[2], \
					r[span, q[1], q[2]]
		}
	}
	printf "bench linux-rt-exits-per-s: %.1f /s (target 0)\n", \
		(rt["idle"] > rt["work"] ? rt["idle"] : rt["work"])
}'
