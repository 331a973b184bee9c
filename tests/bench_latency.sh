#!/bin/bash
# make bench, part 2: the RT latency Bulkhead adds. The latency demo (images/demos/latency.c,
# 10 kHz TSC deadline; latency = guest TSC at the handler's first instruction - the deadline)
# runs bare (GRUB boots the payload itself) and as a Bulkhead partition, with quiet and with
# busy neighbours, one run after the other on the same Bochs machine (4 CPUs, 512 MiB, same
# model and ips, clock: sync=none, so guest ticks repeat run to run):
#   bare-quiet  bare, the demo's other CPUs idle
#   bh-quiet    Bulkhead, rt layout (partitions/rt.c): the demo as rt0, rt1 and rt2 beat and halt
#   bare-busy   bare, the demo's own CPUs 1 and 2 sweeping memory with interrupts off (busy=2)
#   bh-busy     Bulkhead, rt layout: rt1 and rt2 sweeping memory with interrupts off (the test
#               payload's `spin`: the same loop as busy=2)
#   bh-linux    Bulkhead, default layout (Linux on APIC IDs 1-2, rt0 on 3): the demo as rt0
#               while Linux loads both its CPUs (its init's load=<s>: dd, md5sum, a fork loop);
#               the windows printed between `load begins` and `load ends` count. Bare has no
#               such run: the demo cannot run beside Linux without a hypervisor, so this is
#               compared with bare-busy, where the same CPUs sweep memory instead.
#   stats       bh-busy again with stats=1, for the RT CPU's exits per second (the boot CPU's
#               report loop runs between reports; kept out of the latency runs)
# What differs between bare and Bulkhead in the busy pairs, besides Bulkhead itself: bare, the
# RT CPU is APIC ID 0 and the sweeping CPUs 1 and 2 belong to the demo (CPU 3 is never
# started); under Bulkhead the RT CPU is APIC ID 1 (rt layout) or 3 (default layout), CPU 0
# is Bulkhead's (idle, or writing partitions' lines to COM1), and the neighbours are other
# partitions in VMX non-root, behind their own EPT. The sweep is the same instructions both
# ways (the demo's busy= loop copies the test payload's).
# Every run uses Bochs's smallest CPU interleaving quantum (quantum=1, tests/emu/boot.sh
# --quantum), so that a deadline falling in another CPU's turn waits as little as Bochs
# allows: at the default 16 a busy neighbour added 4 ticks to some samples, bare and under
# Bulkhead alike, depending on code layout. Bochs still advances the guest clock once a round
# of all CPUs, by the mean instructions they ran, so what other CPUs do can move a latency in
# ticks by a few even when the RT CPU runs the same instructions: read small differences as
# that. settle_ms=50 keeps Bulkhead's writing of the previous window's lines (on CPU 0) out
# of the next window. tests/bench/latency_figures.sh computes the table and the bench lines
# from the logs; tests/bench/plot_latency.sh draws the histograms into
# $BUILD/bench/latency-{quiet,busy}.svg.
# BENCH_SECONDS (default 4) windows of 1 s for the payload runs, the first a warm-up;
# BENCH_LOAD_SECONDS (default 10) of Linux load; BENCH_QUANTUM (default 1).
set -u
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
SECONDS_RUN=${BENCH_SECONDS:-4}
LOAD_SECONDS=${BENCH_LOAD_SECONDS:-10}
QUANTUM=${BENCH_QUANTUM:-1}
# Bochs's instructions per second, as boot.sh sets them: a guest TSC tick is 1e9 / IPS ns.
IPS=$(sed -n 's/^cpu: .*, ips=\([0-9]*\),.*/\1/p' tests/emu/boot.sh)
[ -n "$IPS" ] || { echo "bench: no ips= in tests/emu/boot.sh's cpu: line"; exit 1; }
dir=$BUILD/bench
make -s --no-print-directory BUILD="$BUILD/rt" PARTITIONS=rt "$BUILD/rt/bulkhead.bin" >/dev/null
make -s --no-print-directory "$BUILD/bulkhead.bin" "$BUILD/images/latency.elf" \
	"$BUILD/images/testpay.bin" "$BUILD/images/testpay.elf" \
	"$BUILD/linux/vmlinuz" "$BUILD/linux/initrd.img" >/dev/null
mkdir -p "$dir"
# settle_ms: a window starts 50 ms after the demo's lines before it, once Bulkhead's boot CPU
# has written them to COM1 (about 150 characters at 115200 baud: 13 ms); see above.
args="hz=10000 seconds=$SECONDS_RUN settle_ms=50"
payloads=("$BUILD"/images/latency.elf "$BUILD"/images/testpay.bin "$BUILD"/images/testpay.elf)

cat >"$dir/latency-bare-quiet.cfg" <<EOF2
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
menuentry "latency, bare" {
	multiboot2 /boot/latency.elf $args
	boot
}
EOF2
sed -e "s#latency.elf $args\$#latency.elf $args cpus=3 busy=2#" \
	"$dir/latency-bare-quiet.cfg" >"$dir/latency-bare-busy.cfg"
sed -e "s#testpay.bin rt0\$#latency.elf rt0 $args#" tests/emu/grub-rt.cfg >"$dir/latency-bh-quiet.cfg"
sed -e "s#testpay.bin rt1\$#testpay.bin rt1 spin#; s#testpay.elf rt2\$#testpay.elf rt2 spin#" \
	"$dir/latency-bh-quiet.cfg" >"$dir/latency-bh-busy.cfg"
sed -e "s#^\(\s*multiboot2 /boot/bulkhead.bin\).*#\1 loglevel=info stats=1#" \
	"$dir/latency-bh-busy.cfg" >"$dir/latency-stats.cfg"
# The demo runs far longer than the boot and the load; the run stops at `load ends`.
sed -e "s#^\(\s*module2 /boot/vmlinuz linux\)\$#\1 load=$LOAD_SECONDS#" \
	-e "s#^\(\s*module2 /boot/\)heartbeat.elf rt0 .*#\1latency.elf rt0 hz=10000 seconds=100000 settle_ms=50#" \
	grub.cfg >"$dir/latency-bh-linux.cfg"
if ! grep -q "linux load=$LOAD_SECONDS\$" "$dir/latency-bh-linux.cfg" ||
	! grep -q "latency.elf rt0" "$dir/latency-bh-linux.cfg"; then
	echo "bench: grub.cfg's module lines are not what $0 expects"
	exit 1
fi

for run in bare-quiet bare-busy; do
	tools/mkiso.sh "$dir/latency-$run.iso" "$dir/latency-$run.cfg" "$BUILD/rt/bulkhead.bin" \
		"$BUILD/images/latency.elf" || exit 1
done
for run in bh-quiet bh-busy stats; do
	tools/mkiso.sh "$dir/latency-$run.iso" "$dir/latency-$run.cfg" "$BUILD/rt/bulkhead.bin" \
		"${payloads[@]}" || exit 1
done
tools/mkiso.sh "$dir/latency-bh-linux.iso" "$dir/latency-bh-linux.cfg" "$BUILD/bulkhead.bin" \
	"$BUILD/images/latency.elf" "$BUILD/linux/vmlinuz" "$BUILD/linux/initrd.img" || exit 1

# run NAME TIMEOUT UNTIL [boot.sh options]: one boot; prints its wall time.
# Every run ignores unknown MSRs, as the Linux one must (Linux reads MSRs Bochs lacks).
run() {
	local name=$1 timeout=$2 until=$3 t0=$SECONDS
	shift 3
	BOCHS_IGNORE_BAD_MSRS=1 tests/emu/boot.sh --emu bochs --iso "$dir/latency-$name.iso" \
		--log "$dir/latency-$name.log" --cpus 4 --mem 512 --quantum "$QUANTUM" \
		--timeout "$timeout" --until "$until" "$@" ||
		{ echo "bench: latency run $name failed; COM1 tail:"; tr -d '\r' <"$dir/latency-$name.log" | tail -5; exit 1; }
	printf 'bench: latency run %-10s %4d s wall\n' "$name" $((SECONDS - t0))
}
start=$SECONDS
run bare-quiet 900 '^latency: done'
run bh-quiet 900 '^partition rt0: exits on cpu 1'
run bare-busy 900 '^latency: done'
run bh-busy 900 '^partition rt0: exits on cpu 1'
run stats 900 '^partition rt0: exits on cpu 1'
# --linger: the demo's lines of the last window inside the load may come after `load ends`.
run bh-linux 1800 '^linux: bulkhead-linux: load ends' --linger 5
printf 'bench: latency runs, Bochs quantum=%s: %d s wall\n\n' "$QUANTUM" $((SECONDS - start))

tests/bench/latency_figures.sh --ips "$IPS" "$dir" || { echo "bench: latency figures failed"; exit 1; }
tests/bench/plot_latency.sh --ips "$IPS" "$dir" "$dir" || { echo "bench: latency plots failed"; exit 1; }
