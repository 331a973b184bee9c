#!/bin/bash
# make test's bench section, Linux part: tests/bench/linux_figures.sh on the COM1 logs of a
# real tests/bench_linux.sh run (tests/bench/logs/linux-{bare,bulkhead,stats}.log, trimmed to
# the lines it reads and some context around them) must print exactly the bench lines that
# run printed; and each log without a line a figure needs must be refused (exit status 1, no
# bench line). Prints PASS/FAIL bench:linux-... lines; exits 1 if any failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
logs=tests/bench/logs
fig=tests/bench/linux_figures.sh
. tests/bench/check_lib.sh

expected=$(
	cat <<'EOF2'
bench linux-work-ratio: 0.997 (target 1.02)
bench linux-work-cpu-ratio: 1.001 (target -)
bench linux-work-mem-ratio: 0.989 (target -)
bench linux-work-fork-ratio: 0.980 (target -)
bench linux-work-pipe-ratio: 1.021 (target -)
bench linux-boot-ratio: 0.827 (target 1.05)
bench linux-exits-per-s-idle: 126.0 /s (target -)
bench linux-exits-per-s-work: 3998.4 /s (target -)
bench linux-exits-per-s-idle-io: 125.0 /s (target -)
bench linux-exits-per-s-idle-io-0x3fa: 125.0 /s (target -)
bench linux-exits-per-s-idle-rdmsr: 1.0 /s (target -)
bench linux-exits-per-s-work-cpuid: 3823.3 /s (target -)
bench linux-exits-per-s-work-io: 150.2 /s (target -)
bench linux-exits-per-s-work-io-0x3f8: 21.2 /s (target -)
bench linux-exits-per-s-work-io-0x3f9: 1.0 /s (target -)
bench linux-exits-per-s-work-io-0x3fa: 125.0 /s (target -)
bench linux-exits-per-s-work-io-0x3fd: 1.5 /s (target -)
bench linux-exits-per-s-work-io-others: 1.5 /s (target -)
bench linux-exits-per-s-work-rdmsr: 1.7 /s (target -)
bench linux-exits-per-s-work-wrmsr: 23.2 /s (target -)
bench linux-rt-exits-per-s: 0.0 /s (target 0)
EOF2
)
got=$(bash "$fig" "$logs/linux-bare.log" "$logs/linux-bulkhead.log" "$logs/linux-stats.log" 2>&1)
if [ "$(grep '^bench ' <<<"$got")" = "$expected" ]; then
	pass linux-figures
else
	fail linux-figures
	diff <(echo "$expected") <(grep '^bench ' <<<"$got") | sed 's/^/  /'
fi
if grep -q '^  linux: all ' <<<"$got" && grep -q '^  total ' <<<"$got"; then
	pass linux-table
else
	fail linux-table
fi

# refuse NAME LOG COMMAND...: the three logs, LOG (bare, bulkhead or stats) passed through
# COMMAND, must be refused with a message saying what is missing.
refuse() {
	local name=$1 which=$2 out status l
	shift 2
	for l in bare bulkhead stats; do
		cp "$logs/linux-$l.log" "$tmp/$l.log"
	done
	"$@" <"$logs/linux-$which.log" >"$tmp/$which.log"
	out=$(bash "$fig" "$tmp/bare.log" "$tmp/bulkhead.log" "$tmp/stats.log" 2>&1)
	status=$?
	if [ $status = 1 ] && ! grep -q '^bench ' <<<"$out" && grep -q "^linux_figures: " <<<"$out"; then
		pass "linux-refuses-$name"
	else
		fail "linux-refuses-$name"
		echo "  exit status $status; output:"
		sed 's/^/  /' <<<"$out" | head -5
	fi
}
refuse bare-without-work-total bare sed -E '/bulkhead-linux: work total /d'
refuse bare-without-work-fork bare sed -E '/bulkhead-linux: work fork /d'
refuse bare-without-tsc-rate bare sed -E '/tsc: Detected /d'
refuse bulkhead-without-uptime bulkhead sed -E '/bulkhead-linux: uptime /d'
refuse bulkhead-without-marker-tsc bulkhead sed -E '/bulkhead-linux: tsc /d'
refuse bulkhead-without-work-pipe bulkhead sed -E '/bulkhead-linux: work pipe /d'
refuse bulkhead-total-not-the-sum bulkhead sed -E 's/(bulkhead-linux: work total )[0-9]+/\11/'
refuse stats-without-work-begins stats sed -E '/bulkhead-linux: work begins/d'
refuse stats-without-done stats sed -E '/bulkhead-linux: done/d'
refuse stats-without-counters stats sed -E '/^stats: /d'
# the idle span: only 2 stats sets from the 3rd after done
refuse stats-short-idle stats awk '/bulkhead-linux: done/ { d = 1 }
	d && /^stats: partition linux cpu 1: / && ++n > 4 { exit } { print }'
exit $rc
