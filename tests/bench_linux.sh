#!/bin/bash
# make bench, Linux part (issue 19 points 2 and 5): the same kernel and initramfs booted on the
# same Bochs machine (4 CPUs, 512 MiB, Ice Lake model, ips 100 M), one boot after the other:
#   bare       GRUB's linux/initrd, no hypervisor, restricted to what the partition has
#   bulkhead   build/bulkhead.iso's default layout (Linux on CPUs 1,2 with 128 MiB, rt0's
#              heartbeat on CPU 3), `work` added to the Linux module's words in grub.cfg
#   stats      the same with `stats=1` for Bulkhead and `work=3` for Linux: the exit counters
# Both timed boots run the init's `work` (images/linux/init: CPU, memory, fork/exec and pipe
# parts, a fixed amount, each timed by Linux with /bin/tsc in guest TSC ticks) and stop at its
# `done`. tests/bench/linux_figures.sh turns the three COM1 logs into the table and the
# `bench linux-...` lines (how each is measured is said there); make test checks it on
# recorded logs (tests/bench/check_linux.sh).
#
# Exits come from their own boot: stats=1 makes Bulkhead's boot CPU poll instead of halting,
# and in Bochs, which runs every emulated CPU on one host thread, a spinning CPU changes how the
# others interleave (docs/performance.md: it moved the RT latency's p99). The work ratio is
# taken from boots without it. The stats boot runs the work 3 times over (about 7 s of guest
# time) so that several of the once-a-second counter lines fall inside it, then idles at the
# shell for 40 s of wall time (the idle span).
#
# The bare kernel command line:
#   nr_cpus=2 mem=128M    the partition's 2 CPUs and 128 MiB (partitions/default.c)
#   noapic hpet=disable pci=off
#                         what the partition's kernel finds missing (docs/linux.md): no I/O
#                         APIC (Bulkhead adds `noapic` too), no HPET, no PCI configuration space
#   tsc_early_khz=100000  Bochs' CPUID leaf 0x15 claims 1.5 GHz while the TSC counts at ips
#                         (Bulkhead reports the rate it measured), else Linux's clock runs 15x
#                         slow and every timeout in its boot takes 15x longer;
#   clearcpuid=fsrm       Bochs has no IA32_MISC_ENABLE: read as 0 (ignore_bad_msrs, both
#                         runs), it turns fast strings off while FSRM stays, and this kernel's
#                         memmove then corrupts it (Bulkhead gives MISC_ENABLE with fast
#                         strings on).
# So bare Linux copies and clears memory with loops (no ERMS, no REP_GOOD: "Disabled fast
# string operations"), Linux under Bulkhead with REP MOVSB/STOSB, as on hardware. Bochs
# counts every repetition of a string instruction as one instruction, i.e. one guest TSC
# tick, so the same work took 1.47 times the ticks under Bulkhead (pipe 2.6, memory 1.4,
# fork 1.3, CPU 1.06) for no cost of the hypervisor's. The Bulkhead runs therefore get
# `clearcpuid=erms,rep_good,fsrm` and run the same copy routines as bare: the work ratio
# is then the hypervisor's (0.996 when this was found).
# All three runs idle with `idle=poll`: a wake-up is then a flag the idle CPU polls, in both,
# where MWAIT's wake-up by a store (or HLT's by an IPI) depends on how Bochs models them: a
# bare run once took 7 times as long for its pipe part (311 M ticks against 44 M) with
# MWAIT. Nothing of Bulkhead is on that path either way (HLT, MWAIT and IPIs do not exit).
# What still differs, with no kernel option to match it: bare Linux finds the machine's ACPI
# tables (PIT, 8259 PIC, PM timer, RTC, PS/2 controller, the i440fx's devices in the DSDT) and
# probes them; the partition's tables are hardware-reduced and list none. Bare COM1 is a
# real (emulated) 16550 with an interrupt and a baud-rate wait; the partition's is Bulkhead's,
# polled, without a wait. GRUB hands Bulkhead the initramfs uncompressed (module2 unpacks it),
# bare Linux unpacks it itself. The CPUID the partition sees hides VMX, thermal, power and
# performance-counter leaves. The boot ratio carries all of that; the work ratio runs after
# the boot, on the same kernel, and meets none of it but the console (its lines are printed
# outside the timed parts).
set -u
cd "$(dirname "$0")/.." || exit 2
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
	linux /boot/vmlinuz console=ttyS0,115200 earlyprintk=serial,ttyS0,115200 nr_cpus=2 mem=128M noapic hpet=disable pci=off tsc_early_khz=100000 clearcpuid=fsrm idle=poll work
	initrd /boot/initrd.img
	boot
}
EOF2
tools/mkiso.sh "$dir/linux-bare.iso" "$dir/linux-bare.cfg" /dev/null \
	"$BUILD/linux/vmlinuz" "$BUILD/linux/initrd.img" >/dev/null
# the repo's grub.cfg (the default layout, as build/bulkhead.iso has it), with words added
for run in bulkhead stats; do
	case $run in
	bulkhead) hv="" lx=" work clearcpuid=erms,rep_good,fsrm idle=poll" ;;
	stats) hv=" stats=1" lx=" work=3 clearcpuid=erms,rep_good,fsrm idle=poll" ;;
	esac
	sed -e "s#^\\(\\s*multiboot2 /boot/bulkhead.bin.*\\)\$#\\1$hv#" \
		-e "s#^\\(\\s*module2 /boot/vmlinuz linux.*\\)\$#\\1$lx#" grub.cfg >"$dir/linux-$run.cfg"
	tools/mkiso.sh "$dir/linux-$run.iso" "$dir/linux-$run.cfg" "$BUILD/bulkhead.bin" \
		"$BUILD/images/heartbeat.elf" "$BUILD/linux/vmlinuz" "$BUILD/linux/initrd.img" >/dev/null
done

# run NAME [BOOT.SH OPTIONS]: boots $dir/linux-NAME.iso until Linux's `done`; sets WALL.
run() {
	local name=$1 log=$dir/linux-$1.log t0 t1
	shift
	t0=$(date +%s.%N)
	# Bare Linux reads IA32_MISC_ENABLE, which Bochs lacks, before it has an IDT: Bochs must
	# ignore unknown MSRs for the bare run, so every run gets the same setting.
	BOCHS_IGNORE_BAD_MSRS=1 tests/emu/boot.sh --emu bochs --iso "$dir/linux-$name.iso" \
		--log "$log" --cpus 4 --mem 512 --timeout 1200 \
		--until '^(linux: )?bulkhead-linux: done' "$@" ||
		{ echo "bench: linux $name did not reach done; COM1 tail:"; tr -d '\r' <"$log" | tail -20; exit 1; }
	t1=$(date +%s.%N)
	WALL=$(echo "$t1 - $t0" | bc -l)
}

start=$(date +%s)
run bare
bare_wall=$WALL
run bulkhead
bh_wall=$WALL
run stats --linger 40
stats_wall=$WALL
tests/bench/linux_figures.sh "$dir/linux-bare.log" "$dir/linux-bulkhead.log" "$dir/linux-stats.log" ||
	exit 1
printf '%-44s %16.1f %16.1f %8s\n' "wall s, emulator start to done" "$bare_wall" "$bh_wall" \
	"$(echo "scale=3; $bh_wall / $bare_wall" | bc -l | sed "s/^\./0./")"
printf 'wall s, stats boot %.1f; whole Linux bench %d\n' "$stats_wall" $(($(date +%s) - start))
