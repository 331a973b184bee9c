# Console cases (issue 6), sourced by tests/emu/cases.sh: COM1 is Bulkhead's; partitions'
# lines leave it whole and prefixed; typed bytes go to the shell or, after Ctrl-A <n>, to
# partition n. The tests type through Bochs' COM1 socket (tests/emu/serial_client.py), or
# through COM1 and COM2 (boot_com2, tests/emu/com2_client.py) for a console on COM2.

CR=$'\r'
CTRL_A=$'\x01'
CTRL_B=$'\x02'
ESC=$'\x1b'

# boot_com2 NAME ISO CPUS TIMEOUT STEP...: boot ISO in Bochs and run com2_client.py's STEPs
# (wait1=, wait2=, send1=, send2=); COM1 goes to $LOG, COM2 to $EMU_DIR/NAME.com2.
boot_com2() {
	case_begin "$1"
	local iso=$2 cpus=$3 timeout=$4 t0=$SECONDS work ports pid
	shift 4
	: >"$LOG"
	: >"$EMU_DIR/$CASE.com2"
	if [ ! -s "$iso" ]; then
		echo "  $CASE: no $iso to boot (its build failed)"
		CASE_OK=0
		return
	fi
	work=$(mktemp -d /tmp/bulkhead-emu.XXXXXX)
	# Two free TCP ports, asked of the kernel.
	ports=$(python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
	set -- "${ports% *}" "${ports#* }" "$@"
	sed -e "s#@CPUS@#$cpus#; s#@ISO@#$iso#; s#@COM1_PORT@#$1#; s#@COM2_PORT@#$2#" \
		-e "s#@BOCHS_LOG@#$work/bochs.log#" tests/emu/com2.bochsrc >"$work/bochsrc"
	printf 'continue\nquit\n' >"$work/rc"
	bochs -q -f "$work/bochsrc" -rc "$work/rc" </dev/null >"$work/emu.out" 2>&1 &
	pid=$!
	if ! tests/emu/com2_client.py "$1" "$2" "$LOG" "$EMU_DIR/$CASE.com2" "$timeout" "${@:3}"; then
		echo "  $CASE: the exchange on COM1/COM2 did not complete; emulator output:"
		tail -5 "$work/emu.out" | sed 's/^/  | /'
		grep -E 'PANIC|ERROR' "$work/bochs.log" 2>/dev/null | tail -5 | sed 's/^/  | /'
		CASE_OK=0
	fi
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
	rm -rf "$work"
	echo "  $CASE: booted $iso on bochs with $cpus cpus in $((SECONDS - t0)) s"
}

# The shell on the rt layout, with rt0 beating every 100 ms: list, stop, list, restart (the
# heartbeat comes back), an unknown command, log, mem, version, help.
if want console-shell; then
	make_iso console-shell "s#testpay.bin rt0\$#heartbeat.elf rt0 period_ms=100#" "$RT_BIN" $PAYLOAD_FILES
	boot console-shell "$EMU_DIR/console-shell.iso" "$VMX_EMU" 4 --timeout 240 \
		--type-on '^rt0: heartbeat 3 ' --type "list$CR" \
		--type-on '^shell: 3 rt2 ' --type "stop rt0$CR" \
		--type-on '^partition rt0: cpu 1 parked$' --type "list$CR" \
		--type-on '^shell: 3 rt2 ' --type "restart 1$CR" \
		--type-on '^rt0: heartbeat 3 ' --type "bogus$CR" \
		--type-on '^shell: commands' --type "log debug${CR}mem${CR}version$CR" \
		--until '^shell: Bulkhead ' --linger 1
	expect '^console: Ctrl-A then 0 for the shell, 1-3 for a partition; input goes to the shell$'
	expect '^bulkhead> list$'
	expect '^shell: 1 rt0 +running +cpus 1 +ram +2 MiB +restarts 0 +up [0-9]+(s|m[0-9]{2}s) +last fault none$'
	expect '^shell: 2 rt1 +(running|stopped) +cpus 2 '
	expect '^bulkhead> stop rt0$'
	expect '^partition rt0: stopped from the shell$'
	expect '^shell: 1 rt0 +stopped +cpus 1 '
	expect '^bulkhead> restart 1$'
	expect '^partition rt0: started from the shell$'
	expect_count '^rt0: heartbeat: start, apic id 1' 2          # it came back
	# stop -> start, timed from the command (core/timeline.h): no back-off, a first line
	expect '^bulkhead: partition rt0 entry [0-9]+\.[0-9]{3} ms after the shell'"'"'s start \(0\.000 ms of it back-off\)$'
	expect '^bulkhead: partition rt0 first line [0-9]+\.[0-9]{3} ms after the shell'"'"'s start$'
	n=$(tr -d '\r' <"$LOG" | sed -n '/^partition rt0: stopped from the shell$/,/^partition rt0: started from the shell$/p' |
		grep -c '^rt0: ')
	[ "$n" -eq 0 ] && echo "  $CASE: nothing from rt0 while it was stopped" ||
		{ echo "  $CASE: $n rt0 lines while it was stopped"; CASE_OK=0; }
	expect '^shell: unknown command "bogus"$'
	expect '^shell: commands: help, list, stats, devices, stop <p>, start <p>, restart <p>, log'
	expect '^shell: log level debug$'
	# mem: each line of its format (core/shell.c), a line per partition; the owners' figures
	# add up to the run-time total, each owner's uses to its figure, and the text figure is
	# the built image's .text (tests/bench/footprint.sh, make bench's reader, checks these).
	expect '^shell: memory: image [0-9]+ KiB: text [0-9]+, rodata [0-9]+, data [0-9]+, bss [0-9]+$'
	expect '^shell: memory: hypervisor [0-9]+ KiB: vmxon [0-9]+, stacks [0-9]+, cpu [0-9]+, trampoline [0-9]+$'
	expect_count '^shell: memory: partition rt[0-2] [0-9]+ KiB: ept [0-9]+, vmcs [0-9]+, bitmaps [0-9]+, stacks [0-9]+$' 3
	expect '^shell: memory: run-time [1-9][0-9]* KiB \(page allocator\), [0-9]+ KiB free$'
	expect '^shell: memory: reserved [0-9]+ KiB \(partition RAM, modules, boot information: not run-time\)$'
	if fp=$(bash tests/bench/footprint.sh "$LOG" "$RT_BIN" 2>&1); then
		echo "  $CASE: mem adds up: $(tr '\n' ' ' <<<"$fp" | sed 's/bench hv-//g; s/ (target [-0-9]*)//g')"
	else
		echo "  $CASE: mem does not add up: $fp"
		CASE_OK=0
	fi
	expect '^shell: Bulkhead [0-9]+\.[0-9]+\.[0-9]+$'
	expect_not 'exception [0-9]+ \(|VMRESUME|VMLAUNCH'
	done_case
fi

# Three partitions printing a line every millisecond, far more than COM1 carries: every line
# on COM1 is whole (one prefix, one heartbeat), the drops are counted and reported, and the
# beats stay on time (printing queues the line; it does not hold the CPU).
if want console-interleave; then
	make_iso console-flood "s#testpay.bin rt0\$#heartbeat.elf rt0 period_ms=1 count=1500#; s#testpay.bin rt1\$#heartbeat.elf rt1 period_ms=1 count=1500#; s#testpay.elf rt2\$#heartbeat.elf rt2 period_ms=1 count=1500#" \
		"$RT_BIN" $PAYLOAD_FILES
	boot console-interleave "$EMU_DIR/console-flood.iso" "$VMX_EMU" 4 --timeout 240 \
		--until '^partition rt[0-2]: exited \(code 0\)' --until-count 3 --linger 1
	# What the partitions' run put on COM1: the lines after "bulkhead: idle", less a last
	# line the emulator's stop may have cut (no newline after it).
	body=$(com1 | sed '1,/^bulkhead: idle$/d')
	[ -z "$(tail -c 1 "$LOG")" ] || body=$(sed '$d' <<<"$body")
	beats=$(grep -cE '^rt[0-2]: heartbeat [0-9]+ \(\+[0-9]+ ticks\)$' <<<"$body")
	# Every line is whole and of a known form: one partition's beat, start or end, a drop
	# report, or Bulkhead's lines about the partitions. Two lines run together, a cut one or
	# a stray byte fit none.
	bad=$(grep -vE '^(rt[0-2]: (heartbeat [0-9]+ \(\+[0-9]+ ticks\)|heartbeat: start, apic id [1-3], tsc [0-9]+ kHz, bulkhead|heartbeat done)|console: rt[0-2]: [0-9]+ lines dropped \(printed faster than COM1 carries\)|console: rt[0-2]: [0-9]+ lines not shown at its stop \(COM1 busy; log rt[0-2] has them\)|console: Ctrl-A then 0 for the shell, 1-3 for a partition; input goes to the shell|partition rt[0-2]: (running on cpus [1-3]|exited \(code 0\) on cpu [1-3]|exits on cpu [1-3]: cpuid [0-9]+, vmcall [0-9]+)|bulkhead: partition rt[0-2] first (entry|line) at [0-9]+\.[0-9]{3} ms)$' <<<"$body" | head -3)
	if [ "$beats" -gt 100 ] && [ -z "$bad" ]; then
		echo "  $CASE: $beats heartbeat lines, every line whole and of a known form"
	else
		echo "  $CASE: $beats heartbeat lines; lines of no known form: $bad"
		CASE_OK=0
	fi
	# Nothing lost unreported: each partition sent 1502 lines (start, 1500 beats, done), and
	# what COM1 shows of them, the drops reported for it and what its exit left unshown (its
	# queue at its stop past the FIFO's partitions' half: kept for `log <p>`) add up to that.
	for p in rt0 rt1 rt2; do
		shown=$(grep -c "^$p: " <<<"$body")
		dropped=$(sed -n "s/^console: $p: \([0-9]*\) lines dropped .*/\1/p" <<<"$body" | awk '{ n += $1 } END { print n + 0 }')
		unshown=$(sed -n "s/^console: $p: \([0-9]*\) lines not shown at its stop .*/\1/p" <<<"$body" | awk '{ n += $1 } END { print n + 0 }')
		if [ $((shown + dropped + unshown)) -eq 1502 ]; then
			echo "  $CASE: $p: $shown lines shown + $dropped reported dropped + $unshown unshown at its stop = 1502 sent"
		else
			echo "  $CASE: $p: $shown lines shown + $dropped reported dropped + $unshown unshown at its stop != 1502 sent"
			CASE_OK=0
		fi
	done
	expect '^console: rt[0-2]: [0-9]+ lines dropped \(printed faster than COM1 carries\)$'
	drops=$(grep -cE '^console: rt[0-2]: [0-9]+ lines dropped' <<<"$body")
	[ "$drops" -le 15 ] && echo "  $CASE: $drops drop reports (at most one a second per partition)" ||
		{ echo "  $CASE: $drops drop reports: they flood the line"; CASE_OK=0; }
	khz=$(tr -d '\r' <"$LOG" | sed -n 's/^rt0: heartbeat: start, .*tsc \([0-9]*\) kHz.*/\1/p')
	late=$(sed -n 's/^rt[0-2]: heartbeat [0-9]* (+\([0-9]*\) ticks)$/\1/p' <<<"$body" |
		awk -v w="$khz" '{ d = $1 - w; if (d < 0) d = -d; if (d * 100 > w) n++ } END { print n + 0 }')
	if [ -n "$khz" ] && [ "$late" -eq 0 ]; then
		echo "  $CASE: every printed beat within 1% of $khz ticks"
	else
		echo "  $CASE: $late printed beats off by more than 1% of '$khz' ticks"
		CASE_OK=0
	fi
	done_case
fi

# Typing into Linux: Ctrl-A 1 gives it the input, busybox's shell on ttyS0 runs what is
# typed (its prompt, its query ESC[6n whole and its echo shown as typed) and its answer comes
# back prefixed "linux: "; back in the shell, rt0's exit counters
# hold only its own start-up CPUID and prints, however much Linux printed (thousands of
# exits on Linux's CPUs).
if want console-linux; then
	linux_iso console-linux ''
	boot console-linux "$EMU_DIR/console-linux.iso" "$VMX_EMU" 4 --mem 512 --timeout 600 \
		--type-on '^linux: bulkhead-linux: done$' --type "${CTRL_A}1" \
		--type-on '^console: input to partition linux' --type "echo ok-typed$CR" \
		--type-on '^linux: ok-typed$' --type "${CTRL_A}0" \
		--type-on '^console: input to the shell' --type "stats$CR" \
		--until '^stats: partition rt0 cpu 3: ' --linger 1
	expect '^console: input to partition linux \(Ctrl-A 0 for the shell\)$'
	# busybox's echo of what was typed, shown as it is typed: other partitions' lines may
	# come between its pieces, each of which then starts a line "linux: " of its own
	typed=$(com1 | sed -n '/^console: input to partition linux/,/^linux: ok-typed$/p' |
		sed -n 's/^linux: //p' | tr -d '\n')
	[[ $typed == *"echo ok-typed"* ]] && echo "  $CASE: busybox echoed 'echo ok-typed' as typed" ||
		{ echo "  $CASE: linux's lines after the focus hold no 'echo ok-typed': $typed"; CASE_OK=0; }
	expect '^linux: ok-typed$'                         # and what the command printed
	# busybox asks the terminal where its cursor is with its prompt: while Linux has the
	# keyboard, that query reaches the terminal whole (it used to show as "[6n")
	expect "^linux: .*${ESC}\\[6n"
	expect '^console: input to the shell \(type help\)$'
	expect '^stats: partition linux cpu [12]: .*io [0-9]+'
	# and which ports those were: its emulated COM1's registers among them
	expect '^stats: partition linux cpu [12] ports: (0x[0-9a-f]+ [0-9]+, )*0x3f[89a-f] [0-9]+, .*others [0-9]+$'
	# rt0's CPU: the SDK's start-up CPUID and one VMCALL per line it printed, nothing else
	expect '^stats: partition rt0 cpu 3: cpuid [0-9]+, vmcall [0-9]+$'
	calls=$(tr -d '\r' <"$LOG" | sed -n 's/^stats: partition rt0 cpu 3: .*vmcall \([0-9]*\)$/\1/p')
	lines=$(tr -d '\r' <"$LOG" | sed -n '1,/^stats: on demand$/p' | grep -c '^rt0: ')
	if [ -n "$calls" ] && [ "$calls" -ge "$lines" ] && [ "$calls" -le $((lines + 2)) ]; then
		echo "  $CASE: rt0 made $calls VMCALLs for the $lines lines it printed"
	else
		echo "  $CASE: rt0 made '$calls' VMCALLs for $lines lines"
		CASE_OK=0
	fi
	expect_not '^partition (linux|rt0): stopped|exception [0-9]+ \('
	done_case
fi

# The console on COM2 (console=com2, issue 18): the whole boot report is on COM2, COM1 has
# GRUB's output and nothing of Bulkhead's; rt1, which the rt layout grants COM2's ports, is
# refused; the shell answers on COM2, typed on COM2 (its IRQ 3 wakes the boot CPU). With
# focus-only from the command line and the shell focused, the partitions' lines show only in
# `log <p>`.
if want console-com2; then
	make_iso console-com2 "$(with_args 'loglevel=info console=com2,115200 focus-only')" \
		"$RT_BIN" $PAYLOAD_FILES
	boot_com2 console-com2 "$EMU_DIR/console-com2.iso" 4 180 \
		'wait2=bulkhead: idle' "send2=list$CR" 'wait2=shell: 3 rt2 ' \
		"send2=log rt0$CR" 'wait2=log: rt0: hello, apic id 1'
	com2_log=$EMU_DIR/$CASE.com2
	# COM1: GRUB's, then nothing of Bulkhead's
	bh=$(tr -d '\r' <"$LOG" | grep -cE '^(Bulkhead |bulkhead|partition |console|shell|rt[0-2]: )')
	[ "$bh" -eq 0 ] && echo "  $CASE: COM1 has no line of Bulkhead's ($(wc -c <"$LOG") bytes of GRUB's)" ||
		{ echo "  $CASE: $bh lines of Bulkhead's on COM1"; CASE_OK=0; }
	LOG=$com2_log
	expect '^Bulkhead [0-9]+\.[0-9]+\.[0-9]+$'
	expect '^bulkhead: loader "GRUB [^"]*", firmware bios, command line "loglevel=info console=com2,115200 focus-only"$'
	expect '^bulkhead: console com2 \(port 0x2f8, 115200 baud, input by irq\)$'
	expect '^partition rt1: refused: ports\[0\]: 0x2f8-0x2ff includes Bulkhead.s console \(com2, ports 0x2f8-0x2ff\)$'
	expect '^bulkhead: vmx ok$'
	expect '^console: Ctrl-A then 0 for the shell, 1-3 for a partition; input goes to the shell$'
	expect '^console: focus-only: only the focused partition.s lines are shown; log <p> shows the others.$'
	expect '^shell: 1 rt0 +(running|stopped) +cpus 1 '
	expect '^shell: 2 rt1 +refused '
	expect '^shell: log rt0: [0-9]+ lines kept \(8 KiB\), 0 earlier fell off$'
	expect '^log: rt0: hello, apic id 1$'
	expect_not '^rt[0-2]: '                     # nothing of theirs live: focus-only
	expect_not 'exception [0-9]+ \('
	LOG=$EMU_DIR/$CASE.log
	done_case
fi

# Escape sequences, focus-only, log, list and reboot, with escape=^B (issue 18). rt0 and rt1
# run the heartbeat writing to their own COM1 as a shell writes its prompt ("heartbeat <n>
# ESC[6n> ", the line ended by the next beat); rt0 stops after 3 beats with its last line
# open, a prompt waiting. Unfocused, their lines show when they end, less the ESC; Ctrl-B 1
# gives rt0 the keyboard: its open line shows at once, its query whole. focus-only then hides
# rt1 and rt2 (log rt1 shows rt1's lines); list has uptimes; reboot and yes reset the machine.
# console=com7 is refused on COM1, which stays the console. Bochs resets the machine at the
# write to 0xcf9 (its own log says so), but with 4 CPUs its clock stands still after that
# reset and its BIOS stops at the keyboard's self-test (">>PANIC<< Keyboard error:21"), so the
# reset is read from Bochs's log, not seen as a second boot.
if want console-escapes; then
	make_iso console-escapes "s#testpay.bin rt0\$#heartbeat.elf rt0 tty=1 period_ms=200 count=3#; s#testpay.bin rt1\$#heartbeat.elf rt1 tty=1 period_ms=200#; s#testpay.elf rt2\$#heartbeat.elf rt2 period_ms=200#; $(with_args 'loglevel=info console=com7 escape=^B')" \
		"$RT_BIN" $PAYLOAD_FILES
	export BOCHS_LOG=$EMU_DIR/console-escapes.bochs.log
	boot console-escapes "$EMU_DIR/console-escapes.iso" "$VMX_EMU" 4 --timeout 300 \
		--type-on '^rt1: heartbeat 4 ' --type "${CTRL_B}1" \
		--type-on '^rt1: heartbeat ' --type "${CTRL_B}0" \
		--type-on '^console: input to the shell' --type "focus-only$CR" \
		--type-on '^shell: focus-only on' --type "${CTRL_B}1" \
		--type-on '^console: input to partition rt0' --type "${CTRL_B}0" \
		--type-on '^console: input to the shell' --type "log rt1$CR" \
		--type-on '^shell: log rt1: ' --type "log bulkhead$CR" \
		--type-on '^shell: log bulkhead: ' --type "list$CR" \
		--type-on '^shell: 3 rt2 ' --type "reboot$CR" \
		--type-on '^reboot: type yes' --type "yes$CR" \
		--until '^reboot: trying ' --linger 2
	unset BOCHS_LOG
	expect '^bulkhead: console=com7: unknown port "com7": use com1, com2, com3, com4 or 0x<port>; the console is com1 \(0x3f8\) at 115200 baud$'
	expect '^console: Ctrl-B then 0 for the shell, 1-3 for a partition; input goes to the shell$'
	# before the focus: every line whole, the ESC gone
	expect '^rt0: heartbeat 1 \[6n> $'
	expect '^rt1: heartbeat 2 \[6n> $'
	expect '^console: input to partition rt0 \(Ctrl-B 0 for the shell\)$'
	# rt0's last line, never ended: shown because rt0 has the keyboard, its query whole, the
	# attributes reset when the next line ends it
	expect "^rt0: heartbeat 3 ${ESC}\\[6n> ${ESC}\\[0m\$"
	# the first boot's lines (GRUB draws with escapes before it): an ESC only in rt0's line
	# while it had the keyboard, rt1's lines meanwhile filtered
	body=$(com1 | sed -n '/^Bulkhead /,/^reboot: resetting/p')
	# ... and when the keyboard left rt0, which had sent a sequence, one line of Bulkhead's
	# own that puts the terminal's modes back (attributes, cursor, bracketed paste, screen);
	# the second time rt0 had the keyboard it sent nothing, so no second reset
	reset_line="${ESC}[0m${ESC}[?25h${ESC}[?2004l${ESC}[?1049l"
	resets=$(grep -cxF "$reset_line" <<<"$body")
	esc=$(grep -vxF "$reset_line" <<<"$body" | grep -c "$ESC")
	focused=$(sed -n '/^console: input to partition rt0/,/^console: input to the shell/p' <<<"$body")
	if [ "$esc" -eq 1 ] && [ "$resets" -eq 1 ] && grep -q '^rt1: heartbeat [0-9]* \[6n> $' <<<"$focused"; then
		echo "  $CASE: one line with an escape sequence, rt0's, and one reset after it; rt1's filtered meanwhile"
	else
		echo "  $CASE: $esc lines with an ESC, $resets resets; rt1 while rt0 had the keyboard: $(grep -c '^rt1: ' <<<"$focused")"
		CASE_OK=0
	fi
	# focus-only: from its answer to log rt1's, nothing of rt1's or rt2's live
	hidden=$(sed -n '/^shell: focus-only on/,/^shell: log rt1: /p' <<<"$body" | grep -cE '^rt[12]: ')
	[ "$hidden" -eq 0 ] && echo "  $CASE: focus-only kept rt1 and rt2 off the console" ||
		{ echo "  $CASE: $hidden lines of rt1 or rt2 live with focus-only"; CASE_OK=0; }
	expect '^shell: focus-only on: only the focused partition.s lines are shown; the others. are kept \(log <p>\)$'
	expect '^shell: log rt1: [0-9]+ lines kept \(8 KiB\), 0 earlier fell off$'
	expect '^log: rt1: heartbeat: start, apic id 2, tsc [0-9]+ kHz, bulkhead$'
	expect '^log: rt1: heartbeat [0-9]+ \[6n> $'
	expect '^shell: log bulkhead: [0-9]+ lines kept \(16 KiB\), 0 earlier fell off$'
	expect '^log: Bulkhead [0-9]+\.[0-9]+\.[0-9]+$'
	expect '^log: bulkhead: vmx ok$'
	expect '^log: partition rt0: running on cpus 1$'
	expect '^log: bulkhead> log rt1$'
	expect '^shell: 1 rt0 +running +cpus 1 +ram +2 MiB +restarts 0 +up [0-9]+(s|m[0-9]{2}s) +last fault none$'
	expect '^shell: 3 rt2 +running +cpus 3 '
	expect '^reboot: type yes to reset the machine$'
	expect '^reboot: resetting the machine$'
	expect '^reboot: trying the chipset.s reset control \(port 0xcf9\)$' # Bochs's FADT has none
	resets=$(grep -c 'bx_pc_system_c::Reset(HARDWARE) called' "$EMU_DIR/console-escapes.bochs.log")
	if grep -q 'CPU reset register = 0x06' "$EMU_DIR/console-escapes.bochs.log" && [ "$resets" -eq 2 ]; then
		echo "  $CASE: Bochs reset the machine at the write of 0x06 to 0xcf9"
	else
		echo "  $CASE: no reset in Bochs's log (hardware resets: $resets, the power-on one included)"
		CASE_OK=0
	fi
	expect_not 'exception [0-9]+ \('
	done_case
fi
