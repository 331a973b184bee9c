#!/bin/bash
# make bench, the device-interrupt path: the hpetlat demo (images/demos/hpetlat.c) owns the
# HPET, arms its timer 0's comparator n times a little ahead of the main counter and reads the
# counter first thing in the interrupt handler; latency = that reading - the comparator, in
# HPET ticks (converted to ns with the period the HPET's capabilities register gives, in fs).
# The interrupt goes HPET -> I/O APIC input 20 -> the payload's CPU. Booted bare (GRUB loads
# the ELF itself) and as the only partition of the "hpet" layout (partitions/hpet.c), in one
# run, on the same 2-CPU Bochs machine with clock: sync=none, so the figures repeat. Under
# Bulkhead the COM1 shell's "stats" is typed before and after the measurement: the partition's
# exit counters may grow only by the one line it prints in between.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
VMX_EMU=${VMX_EMU:-bochs}
SAMPLES=${BENCH_HPET_SAMPLES:-1000}
dir=$BUILD/bench-hpet
make -s --no-print-directory BUILD="$BUILD/hpet" PARTITIONS=hpet "$BUILD/hpet/bulkhead.bin" >/dev/null ||
	{ echo "bench: cannot build the hpet layout"; exit 1; }
make -s --no-print-directory BUILD="$BUILD" "$BUILD/images/hpetlat.elf" >/dev/null ||
	{ echo "bench: cannot build hpetlat.elf"; exit 1; }
mkdir -p "$dir"
# settle_ms: the payload spins 1 s (guest time) after "measuring" and after "measured": time for
# the line to go out (under Bulkhead the boot CPU writes it, and a busy CPU slows the others in
# Bochs) and for the typed "stats" to be answered on either side of the measurement.
args="n=$SAMPLES settle_ms=1000"

cat >"$dir/bare.cfg" <<EOF2
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
menuentry "hpetlat, bare" {
	multiboot2 /boot/hpetlat.elf $args
	boot
}
EOF2
cat >"$dir/bh.cfg" <<EOF2
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
menuentry "Bulkhead, hpet layout" {
	multiboot2 /boot/bulkhead.bin loglevel=info
	module2 /boot/hpetlat.elf hpet $args
	boot
}
EOF2
tools/mkiso.sh "$dir/bare.iso" "$dir/bare.cfg" "$BUILD/hpet/bulkhead.bin" "$BUILD/images/hpetlat.elf"
tools/mkiso.sh "$dir/bh.iso" "$dir/bh.cfg" "$BUILD/hpet/bulkhead.bin" "$BUILD/images/hpetlat.elf"

end='hpetlat: (done|no hpet|no timer|cannot|timer [0-9]+ cannot)|sdk: exception'
tests/emu/boot.sh --emu "$VMX_EMU" --iso "$dir/bare.iso" --log "$dir/bare.log" --cpus 2 \
	--timeout 600 --until "^($end)" || { echo "bench: bare hpet run failed"; exit 1; }
tests/emu/boot.sh --emu "$VMX_EMU" --iso "$dir/bh.iso" --log "$dir/bh.log" --cpus 2 \
	--timeout 600 --until "^hpet: ($end)|^partition hpet: (refused|stopped|exited)" \
	--type-on '^hpet: hpetlat: measuring ' --type $'stats\r' \
	--type-on '^hpet: hpetlat: measured$' --type $'stats\r' ||
	{ echo "bench: hpet run under Bulkhead failed"; exit 1; }

# result PREFIX LOG -> "n min p50 p99 max late lost period_fs"
result() {
	tr -d '\r' <"$2" | sed -n "s/^$1hpetlat: result n=\([0-9]*\) min=\([0-9]*\) p50=\([0-9]*\) p99=\([0-9]*\) max=\([0-9]*\) late=\([0-9]*\) lost=\([0-9]*\) period_fs=\([0-9]*\)$/\1 \2 \3 \4 \5 \6 \7 \8/p" | tail -1
}
read -r bn bmin bp50 bp99 bmax blate blost bfs < <(result "" "$dir/bare.log")
read -r hn hmin hp50 hp99 hmax hlate hlost hfs < <(result "hpet: " "$dir/bh.log")
if [ -z "${bn:-}" ]; then
	echo "bench: no result bare:"
	tr -d '\r' <"$dir/bare.log" | grep -E '^(hpetlat|sdk):' | tail -3 | sed 's/^/  | /'
	exit 1
fi
if [ -z "${hn:-}" ]; then
	echo "bench: no result under Bulkhead:"
	tr -d '\r' <"$dir/bh.log" | grep -E '^(hpet: |partition hpet:)' | tail -3 | sed 's/^/  | /'
	exit 1
fi

ns() { # TICKS PERIOD_FS
	awk -v t="$1" -v p="$2" 'BEGIN { printf "%.0f", t * p / 1000000 }'
}
added() { # BARE_TICKS BULKHEAD_TICKS: Bulkhead - bare, in ns (each with its own run's period)
	awk -v b="$1" -v h="$2" -v bp="$bfs" -v hp="$hfs" 'BEGIN { printf "%.0f", h * hp / 1000000 - b * bp / 1000000 }'
}

# The partition's exits between the two "stats" (one line per stats for its cpu 1), less the
# prints (vmcall): exactly one, the line "measured", when the stats bracket the measurement.
exits() { # LINE -> "total vmcall"
	echo "$1" | sed 's/^.*cpu [0-9]*: //' | tr ',' '\n' |
		awk '{ if ($1 == "none") next; t += $2; if ($1 == "vmcall") v += $2 } END { print t + 0, v + 0 }'
}
stats=$(tr -d '\r' <"$dir/bh.log" | grep '^stats: partition hpet cpu ')
if [ "$(grep -c . <<<"$stats")" -eq 2 ]; then
	read -r t0 v0 < <(exits "$(head -1 <<<"$stats")")
	read -r t1 v1 < <(exits "$(tail -1 <<<"$stats")")
	if [ $((v1 - v0)) -eq 1 ]; then
		during=$((t1 - t0 - 1))
	else
		during="NA (the stats did not bracket the measurement: $((v1 - v0)) prints between)"
	fi
else
	during="NA (no stats lines)"
fi

route=$(tr -d '\r' <"$dir/bare.log" | sed -n 's/^hpetlat: timer 0 route cap \(0x[0-9a-f]*\).*/\1/p' | head -1)
printf '\ndevice interrupt, HPET timer 0 -> I/O APIC gsi 20 -> handler, %s samples (ns)\n' "$hn"
printf 'HPET period %s fs; timer 0 Tn_INT_ROUTE_CAP %s\n' "$hfs" "${route:-?}"
printf '%-10s %8s %8s %8s %8s %6s %6s\n' "" min p50 p99 max late lost
printf '%-10s %8s %8s %8s %8s %6s %6s\n' bare "$(ns "$bmin" "$bfs")" "$(ns "$bp50" "$bfs")" \
	"$(ns "$bp99" "$bfs")" "$(ns "$bmax" "$bfs")" "$blate" "$blost"
printf '%-10s %8s %8s %8s %8s %6s %6s\n' Bulkhead "$(ns "$hmin" "$hfs")" "$(ns "$hp50" "$hfs")" \
	"$(ns "$hp99" "$hfs")" "$(ns "$hmax" "$hfs")" "$hlate" "$hlost"
printf 'partition exits while measuring (stats, less the 1 print): %s\n' "$during"
figure() { # NAME BARE_TICKS BULKHEAD_TICKS
	echo "bench device-irq-latency $1: $(added "$2" "$3") ns added (bare $(ns "$2" "$bfs") ns," \
		"bulkhead $(ns "$3" "$hfs") ns) (target <= 100)"
}
figure p50 "$bp50" "$hp50"
figure p99 "$bp99" "$hp99"
figure max "$bmax" "$hmax"
echo "bench device-irq-exits: $during (target 0)"
