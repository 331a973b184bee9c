# Console cases (issue 6), sourced by tests/emu/cases.sh: COM1 is Bulkhead's; partitions'
# lines leave it whole and prefixed; typed bytes go to the shell or, after Ctrl-A <n>, to
# partition n. The tests type through Bochs' COM1 socket (tests/emu/serial_client.py).

CR=$'\r'
CTRL_A=$'\x01'

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
	expect '^shell: 1 rt0 +running +cpus 1 +ram +2 MiB +restarts 0$'
	expect '^shell: 2 rt1 +(running|stopped) +cpus 2 '
	expect '^bulkhead> stop rt0$'
	expect '^partition rt0: stopped from the shell$'
	expect '^shell: 1 rt0 +stopped +cpus 1 '
	expect '^bulkhead> restart 1$'
	expect '^partition rt0: started from the shell$'
	expect_count '^rt0: heartbeat: start, apic id 1' 2          # it came back
	n=$(tr -d '\r' <"$LOG" | sed -n '/^partition rt0: stopped from the shell$/,/^partition rt0: started from the shell$/p' |
		grep -c '^rt0: ')
	[ "$n" -eq 0 ] && echo "  $CASE: nothing from rt0 while it was stopped" ||
		{ echo "  $CASE: $n rt0 lines while it was stopped"; CASE_OK=0; }
	expect '^shell: unknown command "bogus"$'
	expect '^shell: commands: help, list, stats, devices, stop <p>, start <p>, restart <p>, log'
	expect '^shell: log level debug$'
	expect '^shell: memory: hypervisor image [0-9]+ KiB, page allocator [0-9]+ KiB used, [0-9]+ KiB free'
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
	bad=$(grep -vE '^(rt[0-2]: (heartbeat [0-9]+ \(\+[0-9]+ ticks\)|heartbeat: start, apic id [1-3], tsc [0-9]+ kHz, bulkhead|heartbeat done)|console: rt[0-2]: [0-9]+ lines dropped \(printed faster than COM1 carries\)|console: Ctrl-A then 0 for the shell, 1-3 for a partition; input goes to the shell|partition rt[0-2]: (running on cpus [1-3]|exited \(code 0\) on cpu [1-3]|exits on cpu [1-3]: cpuid [0-9]+, vmcall [0-9]+))$' <<<"$body" | head -3)
	if [ "$beats" -gt 100 ] && [ -z "$bad" ]; then
		echo "  $CASE: $beats heartbeat lines, every line whole and of a known form"
	else
		echo "  $CASE: $beats heartbeat lines; lines of no known form: $bad"
		CASE_OK=0
	fi
	# Nothing lost unreported: each partition sent 1502 lines (start, 1500 beats, done), and
	# what COM1 shows of them plus the drops reported for it add up to that.
	for p in rt0 rt1 rt2; do
		shown=$(grep -c "^$p: " <<<"$body")
		dropped=$(sed -n "s/^console: $p: \([0-9]*\) lines dropped .*/\1/p" <<<"$body" | awk '{ n += $1 } END { print n + 0 }')
		if [ $((shown + dropped)) -eq 1502 ]; then
			echo "  $CASE: $p: $shown lines shown + $dropped reported dropped = 1502 sent"
		else
			echo "  $CASE: $p: $shown lines shown + $dropped reported dropped != 1502 sent"
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
# typed and its answer comes back prefixed "linux: "; back in the shell, rt0's exit counters
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
	expect '^linux: .*echo ok-typed$'                 # busybox's echo of what was typed
	expect '^linux: ok-typed$'                         # and what the command printed
	expect '^console: input to the shell \(type help\)$'
	expect '^stats: partition linux cpu [12]: .*io [0-9]+'
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
