#!/bin/bash
# make bench, part 1: the hypervisor's own figures. Guest TSC ticks are exact under Bochs
# (clock: sync=none, fixed ips), so they repeat from run to run; wall time does not.
#   boot timeline   the default layout (Linux beside rt0) booted to Linux's init: ms from the
#                   boot loader's hand-off to Bulkhead's first line, each partition's first
#                   entry and first line, Linux's init (tests/bench/boot_figures.sh timeline),
#                   drawn as $BUILD/bench/boot-timeline.svg and, its first 20 ms,
#                   boot-timeline-start.svg (tests/bench/plot_timeline.sh)
#   footprint       `mem` typed at that boot's Linux init: the image's sections and the page
#                   allocator's pages by use and owner (tests/bench/footprint.sh)
#   restart         the rt layout with rt1 writing outside its RAM (FAULT_RESTART: 8 restarts
#                   with back-off) and rt0, a 100 ms heartbeat, stopped and started from the
#                   shell (tests/bench/boot_figures.sh restart)
#   channels        tests/bench_channel.sh (doorbells and a channel's throughput)
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
VMX_EMU=${VMX_EMU:-bochs}
dir=$BUILD/bench
CR=$'\r'
mkdir -p "$dir"
make -s --no-print-directory "$BUILD/bulkhead.iso" >/dev/null
make -s --no-print-directory BUILD="$BUILD/rt" PARTITIONS=rt "$BUILD/rt/bulkhead.bin" >/dev/null

# The default layout as `make run` boots it, until its init has printed the TSC it read.
t0=$(date +%s)
BOCHS_IGNORE_BAD_MSRS=1 tests/emu/boot.sh --emu "$VMX_EMU" --iso "$BUILD/bulkhead.iso" \
	--log "$dir/boot.log" --cpus 4 --mem 512 --timeout 900 \
	--type-on '^linux: bulkhead-linux: tsc [0-9]+' --type "mem$CR" \
	--until '^shell: memory: reserved' --linger 1 ||
	{ echo "bench: the default layout did not reach Linux's init; COM1 tail:"; tr -d '\r' <"$dir/boot.log" | tail -20; exit 1; }
boot_wall=$(($(date +%s) - t0))
tests/bench/boot_figures.sh timeline "$dir/boot.log" "$dir/boot-timeline.dat" || exit 1
tests/bench/plot_timeline.sh "$dir/boot-timeline.dat" \
	"Boot timeline, default layout (Bochs, ms of guest time from GRUB's hand-off)" \
	"$dir/boot-timeline.svg" >/dev/null && echo "bench: boot timeline drawn: $dir/boot-timeline.svg"
tests/bench/plot_timeline.sh "$dir/boot-timeline.dat" \
	"Boot timeline, the first 20 ms (Linux enters later)" "$dir/boot-timeline-start.svg" 20 \
	>/dev/null && echo "bench: its first 20 ms drawn: $dir/boot-timeline-start.svg"
echo
tests/bench/footprint.sh "$dir/boot.log" "$BUILD/bulkhead.bin" || exit 1
report=$(tr -d '\r' <"$dir/boot.log" | sed -n 's/^bulkhead: entry to hardware report: \([0-9]*\) tsc ticks$/\1/p')
echo "bench boot-report-ticks: $report (target -)"

# Restarts: rt1 faults (testpay escape) and comes back 8 times; rt0 is stopped and started.
sed -e "s#testpay.bin rt0\$#heartbeat.elf rt0 period_ms=100#" \
	-e "s#testpay.bin rt1\$#testpay.bin rt1 escape#" tests/emu/grub-rt.cfg >"$dir/restart.cfg"
tools/mkiso.sh "$dir/restart.iso" "$dir/restart.cfg" "$BUILD/rt/bulkhead.bin" \
	"$BUILD/images/heartbeat.elf" "$BUILD/images/testpay.bin" "$BUILD/images/testpay.elf" >/dev/null
tests/emu/boot.sh --emu "$VMX_EMU" --iso "$dir/restart.iso" --log "$dir/restart.log" --cpus 4 \
	--timeout 600 --type-on '^rt0: heartbeat 3 ' --type "stop rt0$CR" \
	--type-on '^partition rt0: stopped from the shell$' --type "start rt0$CR" \
	--until '^partition rt1: stopped: restart limit' \
	--until "^bulkhead: partition rt0 first line [0-9.]+ ms after the shell's start" --linger 1 ||
	{ echo "bench: the restart run did not finish; COM1 tail:"; tr -d '\r' <"$dir/restart.log" | tail -20; exit 1; }
echo
tests/bench/boot_figures.sh restart "$dir/restart.log" || exit 1
echo "wall s: default layout to Linux's init $boot_wall"

# The channel figures (issue 17): doorbell latencies payload to payload and to Linux user
# space, and a channel's throughput; three boots, one of them Linux (several minutes).
echo
BUILD="$BUILD" VMX_EMU="$VMX_EMU" tests/bench_channel.sh
