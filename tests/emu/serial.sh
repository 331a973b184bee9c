# Device cases (issue 15), sourced by tests/emu/cases.sh: a partition that owns a legacy
# device and its interrupt. The machine (tests/emu/com2.bochsrc) has COM1 and COM2 on local
# sockets; tests/emu/com2_client.py types on both and logs both.

# boot_com2 (tests/emu/console.sh, sourced before this file) boots the machine with COM1 and
# COM2 on sockets.

# The same echo demo bare from GRUB (Multiboot2), on the machine's own I/O APIC: the SDK's
# I/O APIC helper and the demo's UART handling, without Bulkhead in between.
if want device-com2-bare; then
	kbuild "$BUILD/images/echo.elf" BUILD="$BUILD"
	cat >"$EMU_DIR/com2-bare.cfg" <<EOF2
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
menuentry "echo, bare" {
	multiboot2 /boot/echo.elf
	boot
}
EOF2
	rm -f "$EMU_DIR/com2-bare.iso"
	tools/mkiso.sh "$EMU_DIR/com2-bare.iso" "$EMU_DIR/com2-bare.cfg" "$RT_BIN" "$BUILD/images/echo.elf"
	text='bare metal, same ELF: 42'
	boot_com2 device-com2-bare "$EMU_DIR/com2-bare.iso" 1 180 \
		'abort1=^echo: (no 16550|cannot route)|^sdk: exception' \
		'wait1=^echo: ready' "send2=$text" "wait2=$text" \
		"send2=$CR" 'wait1=^echo: [0-9]+ bytes echoed$' "wait2=$CR"
	expect '^echo: start, apic id 0, tsc [0-9]+ kHz, bare$'
	expect '^echo: ready, uart 0x2f8, gsi 3 -> vector 0x50 on apic id 0$'
	if [ "$(cat "$EMU_DIR/$CASE.com2")" == "$text$CR" ]; then
		echo "  $CASE: COM2 echoed the ${#text} typed bytes and the CR exactly"
	else
		echo "  $CASE: COM2 sent back '$(cat -v "$EMU_DIR/$CASE.com2")', typed '$text^M'"
		CASE_OK=0
	fi
	expect "^echo: $((${#text} + 1)) bytes echoed\$"
	expect_not '^Bulkhead '
	done_case
fi

# The serial layout (partitions/serial.c): "serial" runs the echo demo on COM2, which its
# layout grants (ports and GSI 3); rt0 beats beside it. Text typed on COM2 comes back exactly,
# from the partition's interrupt handler, and the partition takes no exit meanwhile: its exit
# counters (the shell's "stats", typed on COM1 before and after) do not move. Only then is a
# CR typed, for the partition's count line. The shell's `devices` shows GSI 3 routed to the
# partition's CPU; after `stop serial` it shows it masked (a stop silences the partition's
# devices); after `start serial` the partition, loaded afresh, echoes again.
if want device-com2-echo; then
	kbuild "$BUILD/serial/bulkhead.bin" BUILD="$BUILD/serial" PARTITIONS=serial
	kbuild "$BUILD/images/echo.elf" BUILD="$BUILD"
	kbuild "$BUILD/images/heartbeat.elf" BUILD="$BUILD"
	make_iso serial "/module2 \/boot\/testpay/d; s#^\(\s*\)boot\$#\1module2 /boot/echo.elf serial\n\1module2 /boot/heartbeat.elf rt0 period_ms=10\n\1boot#" \
		"$BUILD/serial/bulkhead.bin" "$BUILD/images/echo.elf" "$BUILD/images/heartbeat.elf"
	text='Hello, COM2! 0123456789 the quick brown fox'
	again='after a restart'
	boot_com2 device-com2-echo "$EMU_DIR/serial.iso" 3 300 \
		'abort1=^partition serial: (stopped:|exited)|^serial: (echo: no 16550|echo: cannot route|sdk: exception)' \
		'wait1=^serial: echo: ready' 'wait1=^rt0: heartbeat 2 ' \
		"send1=stats$CR" 'wait1=^stats: partition serial cpu ' \
		"send2=$text" "wait2=$text" \
		"send1=stats$CR" 'wait1=^stats: partition serial cpu ' \
		"send2=$CR" 'wait1=^serial: echo: [0-9]+ bytes echoed$' "wait2=$CR" \
		'wait1=^rt0: heartbeat ' 'wait1=^rt0: heartbeat ' \
		"send1=devices$CR" 'wait1=^devices: serial: ' \
		"send1=stop serial$CR" 'wait1=^partition serial: stopped from the shell$' \
		"send1=devices$CR" 'wait1=^devices: serial: ' \
		"send1=start serial$CR" 'wait1=^serial: echo: ready' \
		"send2=$again" "wait2=$again"
	expect '^bulkhead: layout "serial", 2 partitions$'
	expect '^serial: echo: ready, uart 0x2f8, gsi 3 -> vector 0x50 on apic id 1$'
	# Every byte came back, in order, and nothing else: the text, then the CR.
	if [ "$(cat "$EMU_DIR/$CASE.com2")" == "$text$CR$again" ]; then
		echo "  $CASE: COM2 echoed the ${#text} typed bytes and the CR exactly, and after the restart"
	else
		echo "  $CASE: COM2 sent back '$(cat -v "$EMU_DIR/$CASE.com2")', typed '$text^M$again'"
		CASE_OK=0
	fi
	# The machine's I/O APIC entry: routed to serial's CPU while it runs, masked once stopped.
	expect '^devices: serial: com2 \(ports 0x2f8-0x2ff\): irq 3 -> apic 1 vector 0x50 edge$'
	expect '^devices: serial: com2 \(ports 0x2f8-0x2ff\): irq 3 masked$'
	expect '^partition serial: started from the shell$'
	expect "^serial: echo: $((${#text} + 1)) bytes echoed\$"
	# No exit while echoing: the counters before the text and after its echo are the same.
	mapfile -t counts < <(com1 | sed -n 's/^stats: partition serial cpu 1: //p')
	if [ ${#counts[@]} -eq 2 ] && [ "${counts[0]}" = "${counts[1]}" ]; then
		echo "  $CASE: serial's exits before and after the echo: ${counts[0]} (none while echoing)"
	else
		echo "  $CASE: serial's exits before and after the echo differ: ${counts[*]/#/| }"
		CASE_OK=0
	fi
	# rt0 kept beating, on time: beats between the two "stats" and after the count line, and
	# every beat after the first within 1% of its 10 ms period.
	khz=$(com1 | sed -n 's/^rt0: heartbeat: start, apic id 2, tsc \([0-9]*\) kHz, bulkhead$/\1/p')
	beats=$(com1 | awk -v p=$((10 * ${khz:-0})) '/^stats: partition serial /{ s++ }
		/^serial: echo: [0-9]+ bytes/{ e = 1 }
		/^rt0: heartbeat [0-9]+ / { if (s == 1) during++; if (e) after++
			d = substr($4, 3) - p; if (d < 0) d = -d; if ($3 > 1 && d * 100 > p) off++ }
		END { print during + 0, after + 0, off + 0 }')
	read -r during after off <<<"$beats"
	if [ -n "$khz" ] && [ "$during" -ge 1 ] && [ "$after" -ge 2 ] && [ "$off" -eq 0 ]; then
		echo "  $CASE: rt0 beat $during times while COM2 echoed, $after after, each on time"
	else
		echo "  $CASE: rt0 beats while echoing $during, after $after, off their period $off"
		CASE_OK=0
	fi
	expect_not 'refused|stopped:|exited|exception|no 16550|cannot route'
	done_case
fi
