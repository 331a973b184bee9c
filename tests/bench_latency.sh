#!/bin/bash
# make bench, part 2: the latency demo bare (GRUB boots the payload itself) and as a Bulkhead
# partition beside two neighbours spinning with interrupts off; same Bochs, same ips, 4 CPUs.
# Latencies are guest TSC ticks from the programmed TSC deadline to the handler's first
# instruction; Bochs runs with clock: sync=none, so they are repeatable.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
VMX_EMU=${VMX_EMU:-bochs}
SECONDS_RUN=${BENCH_SECONDS:-4}
dir=$BUILD/bench
make -s --no-print-directory BUILD="$BUILD/rt" PARTITIONS=rt "$BUILD/rt/bulkhead.bin" >/dev/null
mkdir -p "$dir"
args="hz=10000 seconds=$SECONDS_RUN"

# Bare, the demo's own CPUs 1 and 2 spin with interrupts off (busy=2): the same load as the
# two neighbour partitions under Bulkhead.
cat >"$dir/bare.cfg" <<EOF2
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
menuentry "latency, bare" {
	multiboot2 /boot/latency.elf $args cpus=3 busy=2
	boot
}
EOF2
tools/mkiso.sh "$dir/bare.iso" "$dir/bare.cfg" "$BUILD/rt/bulkhead.bin" "$BUILD/images/latency.elf"
sed -e 's/ cpus=3 busy=2$//' "$dir/bare.cfg" >"$dir/bare-quiet.cfg"
tools/mkiso.sh "$dir/bare-quiet.iso" "$dir/bare-quiet.cfg" "$BUILD/rt/bulkhead.bin" "$BUILD/images/latency.elf"
sed -e "s#testpay.bin rt0\$#latency.elf rt0 $args#; s#testpay.bin rt1\$#testpay.bin rt1 spin#" \
	-e "s#testpay.elf rt2\$#testpay.elf rt2 spin#" \
	tests/emu/grub-rt.cfg >"$dir/bh.cfg"
tools/mkiso.sh "$dir/bh.iso" "$dir/bh.cfg" "$BUILD/rt/bulkhead.bin" "$BUILD"/images/latency.elf \
	"$BUILD"/images/testpay.bin "$BUILD"/images/testpay.elf
# The same with quiet neighbours (the test payload beats, then halts): what Bulkhead itself
# adds, apart from the emulator's sharing of one host thread between busy CPUs.
sed -e "s/ spin\$//" "$dir/bh.cfg" >"$dir/quiet.cfg"
tools/mkiso.sh "$dir/quiet.iso" "$dir/quiet.cfg" "$BUILD/rt/bulkhead.bin" "$BUILD"/images/latency.elf \
	"$BUILD"/images/testpay.bin "$BUILD"/images/testpay.elf
# Neighbours in a tight PAUSE loop (no memory traffic): separates "a neighbour runs in VMX
# non-root" from "a neighbour sweeps memory through its EPT".
sed -e "s/ spin\$/ spint/" "$dir/bh.cfg" >"$dir/tight.cfg"
tools/mkiso.sh "$dir/tight.iso" "$dir/tight.cfg" "$BUILD/rt/bulkhead.bin" "$BUILD"/images/latency.elf \
	"$BUILD"/images/testpay.bin "$BUILD"/images/testpay.elf
# Exits are counted in a run of its own with stats=1: the boot CPU's once-a-second report
# spins between reports, and a spinning CPU slows the others in Bochs (one host thread).
sed -e "s#^\(\s*multiboot2 /boot/bulkhead.bin\).*#\1 loglevel=info stats=1#" "$dir/bh.cfg" >"$dir/stats.cfg"
tools/mkiso.sh "$dir/stats.iso" "$dir/stats.cfg" "$BUILD/rt/bulkhead.bin" "$BUILD"/images/latency.elf \
	"$BUILD"/images/testpay.bin "$BUILD"/images/testpay.elf

tests/emu/boot.sh --emu "$VMX_EMU" --iso "$dir/bare.iso" --log "$dir/bare.log" --cpus 4 \
	--timeout 600 --until '^latency: done' || { echo "bench: bare latency run failed"; exit 1; }
tests/emu/boot.sh --emu "$VMX_EMU" --iso "$dir/bare-quiet.iso" --log "$dir/bare-quiet.log" --cpus 4 \
	--timeout 600 --until '^latency: done' || { echo "bench: bare (quiet) latency run failed"; exit 1; }
tests/emu/boot.sh --emu "$VMX_EMU" --iso "$dir/bh.iso" --log "$dir/bh.log" --cpus 4 \
	--timeout 600 --until '^partition rt0: exits on cpu 1' ||
	{ echo "bench: latency run under Bulkhead failed"; exit 1; }
tests/emu/boot.sh --emu "$VMX_EMU" --iso "$dir/tight.iso" --log "$dir/tight.log" --cpus 4 \
	--timeout 600 --until '^partition rt0: exits on cpu 1' ||
	{ echo "bench: latency run with tight-loop neighbours failed"; exit 1; }
tests/emu/boot.sh --emu "$VMX_EMU" --iso "$dir/stats.iso" --log "$dir/stats.log" --cpus 4 \
	--timeout 600 --until '^partition rt0: exits on cpu 1' ||
	{ echo "bench: latency run with stats failed"; exit 1; }
tests/emu/boot.sh --emu "$VMX_EMU" --iso "$dir/quiet.iso" --log "$dir/quiet.log" --cpus 4 \
	--timeout 600 --until '^partition rt0: exits on cpu 1' ||
	{ echo "bench: latency run under Bulkhead (quiet neighbours) failed"; exit 1; }

# Windows after the first (warm-up): min of mins, mean of avgs, max of p99s, max of maxes.
summary() { # LOG PREFIX
	tr -d '\r' <"$1" | sed -n "s/^$2latency: n=\([0-9]*\) min=\([0-9]*\) avg=\([0-9]*\) p99=\([0-9]*\) max=\([0-9]*\) missed=\([0-9]*\)$/\1 \2 \3 \4 \5 \6/p" |
		awk 'NR > 1 { n += $1; if (min == "" || $2 < min) min = $2; avg += $3; w++;
			if ($4 > p99) p99 = $4; if ($5 > max) max = $5; missed += $6 }
			END { if (!w) exit 1; printf "%d %d %.1f %d %d %d %d\n", n, min, avg / w, p99, max, missed, w }'
}
read -r bn bmin bavg bp99 bmax bmissed bw < <(summary "$dir/bare.log" "") || { echo "bench: no bare windows"; exit 1; }
read -r an amin aavg ap99 amax amissed _ < <(summary "$dir/bare-quiet.log" "") || { echo "bench: no bare (quiet) windows"; exit 1; }
read -r hn hmin havg hp99 hmax hmissed hw < <(summary "$dir/bh.log" "rt0: ") || { echo "bench: no windows under Bulkhead"; exit 1; }
read -r qn qmin qavg qp99 qmax qmissed _ < <(summary "$dir/quiet.log" "rt0: ") || { echo "bench: no windows under Bulkhead (quiet)"; exit 1; }
read -r tn tmin tavg tp99 tmax tmissed _ < <(summary "$dir/tight.log" "rt0: ") || { echo "bench: no windows under Bulkhead (tight)"; exit 1; }

# Exits of the RT CPU per second of steady state, from the stats=1 lines (one per second):
# prints (vmcall) and everything else, first to last line.
exits() { # LINE -> "total vmcall"
	echo "$1" | sed 's/^.*cpu 1: //' | tr ',' '\n' |
		awk '{ if ($1 == "none") next; t += $2; if ($1 == "vmcall") v += $2 } END { print t + 0, v + 0 }'
}
stats=$(tr -d '\r' <"$dir/stats.log" | grep '^stats: partition rt0 cpu 1: ')
nstats=$(grep -c . <<<"$stats")
if [ "$nstats" -ge 2 ]; then
	read -r t0 v0 < <(exits "$(head -1 <<<"$stats")")
	read -r t1 v1 < <(exits "$(tail -1 <<<"$stats")")
	span=$((nstats - 1))
	other_per_s=$(echo "scale=2; ($t1 - $t0 - ($v1 - $v0)) / $span" | bc -l)
	print_per_s=$(echo "scale=2; ($v1 - $v0) / $span" | bc -l)
else
	other_per_s=NA print_per_s=NA
fi

ratio() { echo "scale=3; $1 / $2" | bc -l | sed 's/^\./0./'; }
printf '\nlatency demo, 10 kHz TSC deadline, %s windows of 1 s after warm-up (guest TSC ticks)\n' "$hw"
printf '%-28s %10s %10s %10s %10s %8s\n' "" min avg p99 max missed
printf '%-28s %10s %10s %10s %10s %8s\n' "bare, other cpus idle" "$amin" "$aavg" "$ap99" "$amax" "$amissed"
printf '%-28s %10s %10s %10s %10s %8s\n' "Bulkhead, quiet neighbours" "$qmin" "$qavg" "$qp99" "$qmax" "$qmissed"
printf '%-28s %10s %10s %10s %10s %8s\n' "bare, 2 cpus spinning" "$bmin" "$bavg" "$bp99" "$bmax" "$bmissed"
printf '%-28s %10s %10s %10s %10s %8s\n' "Bulkhead, 2 busy neighbours" "$hmin" "$havg" "$hp99" "$hmax" "$hmissed"
printf '%-28s %10s %10s %10s %10s %8s\n' "Bulkhead, 2 PAUSE loops" "$tmin" "$tavg" "$tp99" "$tmax" "$tmissed"
printf '%-28s %10s %10s %10s %10s\n' "ratio quiet: Bulkhead/bare" "$(ratio "$qmin" "$amin")" \
	"$(ratio "$qavg" "$aavg")" "$(ratio "$qp99" "$ap99")" "$(ratio "$qmax" "$amax")"
printf '%-28s %10s %10s %10s %10s\n' "ratio busy: Bulkhead/bare" "$(ratio "$hmin" "$bmin")" \
	"$(ratio "$havg" "$bavg")" "$(ratio "$hp99" "$bp99")" "$(ratio "$hmax" "$bmax")"
printf '%-28s %10s\n' "samples per run" "$an / $qn / $bn / $hn / $tn"
printf '%-28s %10s (prints: %s/s)\n' "RT exits/s, not printing" "$other_per_s" "$print_per_s"
echo "bench rt-exits-per-s: $other_per_s (target 0)"
echo "bench rt-latency-p99-ratio: $(ratio "$hp99" "$bp99") (target 1.02)"
echo "bench rt-latency-max-ratio: $(ratio "$hmax" "$bmax") (target 1.02)"
echo "bench rt-latency-p99-ratio-quiet: $(ratio "$qp99" "$ap99") (target 1.02)"
