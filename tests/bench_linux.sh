#!/bin/bash
# make bench, Linux part: the same kernel and initramfs (images/linux) booted to the init's
# marker under Bulkhead (default layout: Linux on 2 CPUs beside rt0) and bare by GRUB (2 CPUs
# used), on the same Bochs machine (4 CPUs, 512 MiB, same model and ips), one after the other.
#   linux ticks   Linux's own clock from its start to the marker (/proc/uptime), in guest TSC
#                 ticks: uptime x the TSC rate Linux detected. Exact under Bochs (guest time
#                 is counted in instructions), so it is the headline figure.
#   wall s        emulator start to the marker line (BIOS, GRUB and, under Bulkhead, its own
#                 boot included); host-dependent, shown for orientation.
# Prints a table and "bench linux-boot-ratio: <ticks ratio> (target 1.05)".
# The bare run needs three things Bochs gets wrong and Bulkhead corrects for its partition:
#   nr_cpus=2             use 2 of the 4 CPUs, as the partition does;
#   tsc_early_khz=100000  Bochs' CPUID leaf 0x15 claims 1.5 GHz while the TSC counts at ips
#                         (Bulkhead reports the rate it measured), else Linux's clock runs 15x
#                         slow and every timeout in its boot takes 15x longer;
#   clearcpuid=fsrm       Bochs has no IA32_MISC_ENABLE: read as 0 (ignore_bad_msrs), it turns
#                         fast strings off while FSRM stays, and this kernel's memmove then
#                         corrupts it (Bulkhead gives MISC_ENABLE with fast strings on).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
dir=$BUILD/bench
mkdir -p "$dir"
make -s --no-print-directory "$BUILD/bulkhead.iso" "$BUILD/linux/vmlinuz" "$BUILD/linux/initrd.img" >/dev/null

cat >"$dir/linux-bare.cfg" <<'EOF2'
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
menuentry "Linux, bare" {
	linux /boot/vmlinuz console=ttyS0,115200 earlyprintk=serial,ttyS0,115200 nr_cpus=2 tsc_early_khz=100000 clearcpuid=fsrm
	initrd /boot/initrd.img
	boot
}
EOF2
tools/mkiso.sh "$dir/linux-bare.iso" "$dir/linux-bare.cfg" /dev/null \
	"$BUILD/linux/vmlinuz" "$BUILD/linux/initrd.img" >/dev/null

# run NAME ISO: boots to the marker's uptime line; sets WALL, TICKS, UPTIME, MHZ.
run() {
	local log=$dir/linux-$1.log t0 t1
	t0=$(date +%s.%N)
	# Bare Linux reads IA32_MISC_ENABLE, which Bochs lacks, before it has an IDT: Bochs must
	# ignore unknown MSRs for the bare run, so both runs get the same setting.
	BOCHS_IGNORE_BAD_MSRS=1 tests/emu/boot.sh --emu bochs --iso "$2" --log "$log" --cpus 4 \
		--mem 512 --timeout 900 --until '^(linux: )?bulkhead-linux: uptime' ||
		{ echo "bench: $1 did not reach the marker; COM1 tail:"; tr -d '\r' <"$log" | tail -20; exit 1; }
	t1=$(date +%s.%N)
	WALL=$(echo "$t1 - $t0" | bc -l)
	UPTIME=$(tr -d '\r' <"$log" | sed -n 's/^\(linux: \)\{0,1\}bulkhead-linux: uptime \([0-9.]*\)$/\2/p')
	MHZ=$(tr -d '\r' <"$log" | sed -n 's/.*tsc: Detected \([0-9.]*\) MHz.*/\1/p' | tail -1)
	TICKS=$(echo "$UPTIME * $MHZ * 1000000 / 1" | bc)
}

run bare "$dir/linux-bare.iso"
bare_wall=$WALL bare_ticks=$TICKS bare_up=$UPTIME bare_mhz=$MHZ
run bulkhead "$BUILD/bulkhead.iso"
bh_wall=$WALL bh_ticks=$TICKS bh_up=$UPTIME bh_mhz=$MHZ

ratio=$(echo "scale=3; $bh_ticks / $bare_ticks" | bc -l)
wall_ratio=$(echo "scale=3; $bh_wall / $bare_wall" | bc -l)
printf '%-40s %16s %16s %8s\n' "linux boot to marker" bare bulkhead ratio
printf '%-40s %16s %16s %8s\n' "linux clock at marker (s)" "$bare_up" "$bh_up" ""
printf '%-40s %16s %16s %8s\n' "tsc rate linux detected (MHz)" "$bare_mhz" "$bh_mhz" ""
printf '%-40s %16s %16s %8s\n' "linux ticks to marker (guest tsc)" "$bare_ticks" "$bh_ticks" "$ratio"
printf '%-40s %16.1f %16.1f %8s\n' "wall s, emulator start to marker" "$bare_wall" "$bh_wall" "$wall_ratio"
echo "bench linux-boot-ratio: $ratio (target 1.05)"
echo "bench linux-boot-wall-ratio: $wall_ratio"
