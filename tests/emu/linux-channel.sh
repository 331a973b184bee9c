# Linux on channels (issue 17), sourced by tests/emu/cases.sh.
# linux-channel: the channels layout (partitions/channels.c, tests/emu/grub-chan.cfg). rt0
# samples at 1 kHz into a ring in "samples" and rings Linux every 10 samples; Linux sees
# "samples" and "setpoint" as PCI functions (1af4:1110) and /bin/chanmon (images/linux/
# chanmon.c: sysfs resource2 for the memory, uio_pci_generic for the doorbells) counts the
# records of 10 seconds and their sequence gaps, and at its third second writes set-point 42
# into "setpoint" and rings rt0, which acknowledges it on COM1 and stops 9 s later. rt1, on no
# channel, beats every 200 ms through it all. rt0 leaves its guest only to print and to ring
# (one VMCALL each): a set-point doorbell reaches it with no exit.
#
# Its boot is the longest of all (Linux's own, then 10 s of 1 kHz samples): cases.sh sources
# this file early, and the boot runs beside the other cases; linux_channel_check, called at
# the end, asserts on what it printed.
LINUX_CHANNEL_HB_MS=200
if want linux-channel; then
	kbuild "$BUILD/channels/bulkhead.bin" BUILD="$BUILD/channels" PARTITIONS=channels
	kbuild "$BUILD/images/chan.elf" BUILD="$BUILD"
	GRUB_CFG=tests/emu/grub-chan.cfg make_iso linux-channel \
		"s#heartbeat.elf rt1 .*#heartbeat.elf rt1 period_ms=$LINUX_CHANNEL_HB_MS#" \
		"$BUILD/channels/bulkhead.bin" "$BUILD/linux/vmlinuz" "$BUILD/linux/initrd.img" \
		"$BUILD/images/chan.elf" "$BUILD/images/heartbeat.elf"
	boot_start linux-channel "$EMU_DIR/linux-channel.iso" "$VMX_EMU" 4 --mem 512 --timeout 900 \
		--until '^(partition rt0: exits on cpu|linux: bulkhead-linux: chanmon exit status)' \
		--until-count 2 --linger 2
fi

linux_channel_check() {
	want linux-channel || return 0
	boot_finish linux-channel "$EMU_DIR/linux-channel.iso" "$VMX_EMU" 4
	local HB=rt1 HB_PERIOD_MS=$LINUX_CHANNEL_HB_MS secs rings
	expect '^bulkhead: layout "channels", 3 partitions$'
	expect '^partition linux: channel samples: pci 00:10\.0, registers 0xfec80000, memory 0x8000000 \(64 KiB, read-only\), i/o apic input 23$'
	expect '^partition linux: channel setpoint: pci 00:11\.0, registers 0xfec81000, memory 0x8010000 \(4 KiB, read-write\), i/o apic input 22$'
	# Linux's own enumeration: the functions and their BARs where Bulkhead put them (the
	# memory is out of its e820 map). Linux writes each BAR back as it found it; any other
	# value would be refused and named (expect_not below).
	expect '^linux: \[ *[0-9.]+\] pci 0000:00:10\.0: \[1af4:1110\] type 00 class 0x050000$'
	expect '^linux: \[ *[0-9.]+\] pci 0000:00:10\.0: BAR 2 \[mem 0x08000000-0x0800ffff 64bit pref\]$'
	expect '^linux: \[ *[0-9.]+\] pci 0000:00:11\.0: BAR 0 \[mem 0xfec81000-0xfec810ff\]$'
	expect_not '^linux: \[ *[0-9.]+\] BIOS-e820: \[mem 0x0*8000000-'
	expect '^linux: chanmon: channel "samples" at 0000:00:10\.0: 65536 bytes, read-only, end 1$'
	expect '^linux: chanmon: channel "setpoint" at 0000:00:11\.0: 4096 bytes, read-write, end 0$'
	# Ten seconds of 1000 records each, none missing: chanmon counts a record in the second of
	# the wake-up that popped it, and rt0 rings every 10 records, so a doorbell's 10 can fall
	# on either side of a second's boundary (seen: 992/1000/...): each second 1000 +- 10, the
	# ten together 10000 +- 10.
	secs=$(com1 | sed -n 's/^linux: chanmon: second \([0-9]*\): \([0-9]*\) records, \([0-9]*\) gaps, .*/\1 \2 \3/p' |
		awk '{ n++; sum += $2; if ($1 != n || $2 < 990 || $2 > 1010 || $3 != 0) bad++; printf "%s%s", sep, $2; sep = "/" }
			END { if (n != 10 || bad || sum < 9990 || sum > 10010) printf " BAD" }')
	if [ -n "$secs" ] && [[ $secs != *BAD* ]]; then
		echo "  $CASE: chanmon's seconds: $secs records, no gap"
	else
		echo "  $CASE: chanmon's seconds (want 10 of 1000 +- 10 records, 10000 +- 10 in all, 0 gaps): ${secs:-none}"
		CASE_OK=0
	fi
	expect '^linux: chanmon: total: [0-9]+ records, 0 gaps, (9[5-9][0-9]|10[0-4][0-9]) wakeups, 0 lost$'
	expect '^linux: chanmon: set-point 42 sent on "setpoint" \(request 1\)$'
	expect '^rt0: producer: set-point 42 \(request 1\) acknowledged$'
	expect '^linux: chanmon: done$'
	expect '^linux: bulkhead-linux: chanmon exit status 0$'
	expect '^rt0: producer: done: [0-9]+ samples, [0-9]+ doorbells, 0 refused, 0 full$'
	# rt0's exits: cpuid at its start, one VMCALL per line, per doorbell, and the exit.
	rings=$(com1 | sed -n 's/^rt0: producer: done: [0-9]* samples, \([0-9]*\) doorbells, .*/\1/p')
	exits_check rt0 2 $((${rings:-0} + 1)) "$rings doorbells"
	expect_not '^partition (linux|rt[01]): stopped|rings faster|exception [0-9]+ \(|sdk: exception'
	expect_not '^partition (rt[01]: .*not granted|linux: (pci|ioapic|doorbell) )'
	heartbeat_steady
	beats_between '^linux: chanmon: channel "samples"' '^linux: chanmon: done$' 40
	done_case
}
