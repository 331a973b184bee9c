# Linux partition cases (issue 5), sourced by tests/emu/cases.sh: the default layout
# (partitions/default.c: Linux on APIC IDs 1 and 2, rt0 on 3) booted from the repo's own
# grub.cfg, with Debian's cloud kernel and the busybox initramfs of images/linux/.

LINUX_FILES="$BUILD/linux/vmlinuz $BUILD/linux/initrd.img $BUILD/images/heartbeat.elf"
HB_PERIOD_MS=200
HB=rt0 # the heartbeat partition the helpers below look at (a case may set it)

# linux_iso NAME SED [KERNEL]: grub.cfg, edited, around the default layout's hypervisor.
linux_iso() {
	local name=$1 expr=$2 kernel=${3:-$BUILD/linux/vmlinuz}
	GRUB_CFG=grub.cfg make_iso "$name" "s#heartbeat.elf rt0 .*#heartbeat.elf rt0 period_ms=$HB_PERIOD_MS#; $expr" \
		"$BUILD/bulkhead.bin" "$kernel" "$BUILD/linux/initrd.img" "$BUILD/images/heartbeat.elf"
}

# heartbeat_steady: every interval $HB printed is within 1% of its period.
heartbeat_steady() {
	local khz want bad n
	khz=$(tr -d '\r' <"$LOG" | sed -n "s/^$HB: heartbeat: start, .*tsc \\([0-9]*\\) kHz.*/\\1/p")
	want=$((khz * HB_PERIOD_MS))
	n=$(tr -d '\r' <"$LOG" | grep -cE "^$HB: heartbeat [0-9]+ \\(\\+[0-9]+ ticks\\)\$")
	bad=$(tr -d '\r' <"$LOG" | sed -n "s/^$HB: heartbeat [0-9]* (+\\([0-9]*\\) ticks)\$/\\1/p" |
		awk -v w="$want" '{ d = $1 - w; if (d < 0) d = -d; if (d * 100 > w) print }' | head -3)
	if [ -n "$khz" ] && [ "$n" -gt 0 ] && [ -z "$bad" ]; then
		echo "  $CASE: $n heartbeats, every one within 1% of $want ticks"
	else
		echo "  $CASE: heartbeat not steady ($n beats, period $want ticks, off: $bad)"
		CASE_OK=0
	fi
}

# beats_after REGEX N: at least N $HB heartbeats come after the first line matching REGEX.
beats_after() {
	local n
	n=$(tr -d '\r' <"$LOG" | sed -n "/$1/,\$p" | grep -cE "^$HB: heartbeat [0-9]+ ")
	if [ "$n" -ge "$2" ]; then
		echo "  $CASE: $n heartbeats after /$1/"
	else
		echo "  $CASE: only $n heartbeats after /$1/, expected $2"
		CASE_OK=0
	fi
}

# Linux boots to its init on its two CPUs and the RAM of its table row; rt0 beats steadily
# through it all; then a process reads rt0's RAM (host-physical 0x10001000, the payload
# information page) through /dev/mem: the address is outside Linux's guest-physical RAM, so
# the read is an EPT violation and Linux is stopped (its fault policy), while rt0 beats on.
if want linux-boot; then
	linux_iso linux 's#^\(\s*module2 /boot/vmlinuz linux\)$#\1 devmem_probe=0x10001000#'
	boot linux-boot "$EMU_DIR/linux.iso" "$VMX_EMU" 4 --mem 512 --timeout 600 \
		--until '^partition linux: stopped' --linger 4
	expect '^bulkhead: layout "default", 2 partitions$'
	expect '^partition linux: loaded Linux \(boot protocol 2\.[0-9]+\) at 0x1000000, [0-9]+-byte initrd at 0x[0-9a-f]+, 2 cpus in its ACPI tables$'
	expect '^partition linux: command line "console=ttyS0,115200 .* devmem_probe=0x10001000"$'
	expect '^partition linux: running on cpus 1,2$'
	# Payloads first (core/partition_load.c): rt0 is loaded and running, its first line
	# out, before Linux's kernel is even loaded; Linux's first entry comes later still.
	order=$(com1 | awk '/^bulkhead: partition rt0 first entry at / { r = NR; rt = $(NF - 1) }
		/^partition linux: loaded Linux / { l = NR }
		/^bulkhead: partition linux first entry at / { le = $(NF - 1) }
		END { print (r && l && r < l && le + 0 > rt + 0) ? "payload first" : "NOT payload first" }')
	if [ "$order" = "payload first" ]; then
		echo "  $CASE: rt0 ran before Linux was loaded"
	else
		echo "  $CASE: rt0 did not start before Linux: $order"
		CASE_OK=0
	fi
	expect '^linux: \[ *[0-9.]+\] Linux version 6\.1\.'
	expect '^linux: \[ *[0-9.]+\] BIOS-e820: \[mem 0x0000000000100000-0x0000000007ffffff\] usable$'
	expect '^linux: \[ *[0-9.]+\] smp: Brought up 1 node, 2 CPUs$'
	# XSAVE is offered (arch/x86/xsave.h): Linux enables AVX and AVX-512, and no kernel
	# warning (its xstate layout checks) or refused XSETBV appears.
	expect "^linux: \\[ *[0-9.]+\\] x86/fpu: Supporting XSAVE feature 0x004: 'AVX registers'\$"
	expect "^linux: \\[ *[0-9.]+\\] x86/fpu: Enabled xstate features 0x[0-9a-f]*[7f], context size is [0-9]+ bytes, using 'standard' format\.\$"
	expect_not '^linux: \[ *[0-9.]+\] WARNING: |^partition linux: xsetbv '
	# PCI configuration space is not Linux's: probed, trapped, named once
	expect '^partition linux: port 0xcf8 not granted: write dropped \(reported once\)$'
	expect '^linux: \[ *[0-9.]+\] PCI: Fatal: No config space access function found$'
	expect '^linux: bulkhead-linux: marker$'
	expect '^linux: bulkhead-linux: nproc 2$'                      # the table's CPU count
	# Hypercalls are the kernel's: a user process's VMCALL gets #UD (SIGILL, status 132),
	# named once, and neither prints nor stops the partition.
	expect '^linux: bulkhead-linux: user vmcall print: exit status 132$'
	expect '^linux: bulkhead-linux: user vmcall exit: exit status 132$'
	expect_count '^partition linux: vmcall at cpl 3 not granted: #UD \(reported once\)$' 1
	expect_not 'FORGED BY A USER PROCESS|uvmcall: returned'
	# #AC and #DB exit to Bulkhead (their delivery loops would otherwise keep a CPU from
	# ever being stopped) and reach Linux as on bare metal: 50 each from user mode on CPU 0,
	# the single-step trap right after the CPUID Bulkhead emulated; the stop caused on the
	# same CPU below counts at least those 100 exception exits there.
	expect '^linux: utraps: alignment check: SIGBUS 50 of 50$'
	expect '^linux: utraps: single step: SIGTRAP after cpuid 50 of 50$'
	expect_not '^linux: utraps: last miss'
	exc=$(tr -d '\r' <"$LOG" | sed -n 's/^partition linux: exits on cpu 1: exception \([0-9]*\),.*/\1/p')
	if [ -n "$exc" ] && [ "$exc" -ge 100 ]; then
		echo "  $CASE: $exc exception exits on cpu 1 (#AC and #DB intercepted)"
	else
		echo "  $CASE: '$exc' exception exits on cpu 1, expected at least 100 (#AC and #DB intercepted)"
		CASE_OK=0
	fi
	# Linux takes CPU 1 offline and back: INIT and SIPI reach a CPU that was in long mode,
	# which must start again in real mode (a failed VM entry halted it before).
	expect '^linux: bulkhead-linux: cpu1 offline and online again: nproc 2$'
	mem=$(tr -d '\r' <"$LOG" | sed -n 's/^linux: bulkhead-linux: memtotal \([0-9]*\)$/\1/p')
	if [ -n "$mem" ] && [ "$mem" -gt 0 ] && [ "$mem" -le 131072 ]; then
		echo "  $CASE: MemTotal $mem kB fits the partition's 131072 kB"
	else
		echo "  $CASE: MemTotal '$mem' kB does not fit the partition's 131072 kB"
		CASE_OK=0
	fi
	expect '^linux: bulkhead-linux: devmem-probe 0x10001000 reading$'
	expect '^partition linux: stopped: ept violation \(cpu 1, exit 48, rip 0x[0-9a-f]+, gpa 0x10001000, '
	expect_not 'devmem-probe 0x10001000 value'  # the read never completed ...
	expect_not '4[bB]4[cC]5542'                  # ... and rt0's "BULK" never showed
	expect_not '^partition rt0: stopped|exception [0-9]+ \(|VMLAUNCH|VMRESUME|triple'
	heartbeat_steady
	beats_after 'Linux version' 10               # through Linux's whole boot
	beats_after '^partition linux: stopped' 2     # and after Linux is gone
	done_case
fi

# A kernel module that is not a bzImage (its "HdrS" magic overwritten): Linux is refused with
# a line saying why, and rt0 starts and runs.
if want linux-bad-kernel; then
	cp "$BUILD/linux/vmlinuz" "$EMU_DIR/bad-vmlinuz"
	printf 'XXXX' | dd of="$EMU_DIR/bad-vmlinuz" bs=1 seek=$((0x202)) conv=notrunc status=none
	linux_iso linux-bad 's#/boot/vmlinuz linux#/boot/bad-vmlinuz linux#' "$EMU_DIR/bad-vmlinuz"
	boot linux-bad-kernel "$EMU_DIR/linux-bad.iso" "$VMX_EMU" 4 --mem 512 --timeout 240 \
		--until '^rt0: heartbeat 3 '
	expect '^bzimage: linux: '
	expect '^partition linux: refused: module: [0-9]+-byte kernel is not a bootable bzImage$'
	expect '^bulkhead: 1 partitions ready$'
	expect '^partition rt0: running on cpus 3$'
	expect '^rt0: heartbeat 3 '
	expect_not '^linux: |^partition linux: running'
	done_case
fi
