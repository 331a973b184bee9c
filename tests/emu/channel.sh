# Channel cases (issue 17), sourced by tests/emu/cases.sh: tests/layouts/channel.c, the chan
# demo (images/demos/chan.c) in each partition, its role on its module line.
#
# channel-samples: rt0 samples at 1 kHz into a ring in channel "samples" and rings rt1 once a
# sample; rt1 pops on each doorbell and counts the records of each second of rt0's clock and
# the gaps in their sequence numbers; after each second's line it works 5 ms with interrupts
# off, so the doorbells rung meanwhile arrive as one, whose handler must take every record
# waiting (the largest take is several, and nothing is left in the ring at the end). rt2, on no channel, rings channel numbers 0-3 twice
# (each refused, each named once), then reads the producer's channel address, which it has
# no mapping for: it is stopped, the other two run on. The consumer leaves its guest only to
# print (its exit counters at its end: cpuid from the SDK's start, and one vmcall per line
# and the exit); the producer only to print and ring (one vmcall per doorbell).
# exits_check PARTITION CPU EXTRA [NOTE]: its exit counters say vmcall == lines it printed + EXTRA,
# and nothing but cpuid besides.
exits_check() {
	local line lines vmcall
	line=$(com1 | sed -n "s/^partition $1: exits on cpu $2: //p")
	lines=$(com1 | grep -c "^$1: ")
	vmcall=$(sed -n 's/^\(cpuid [0-9]*, \)\{0,1\}vmcall \([0-9]*\)$/\2/p' <<<"$line")
	if [ -n "$vmcall" ] && [ "$vmcall" -eq $((lines + $3)) ]; then
		echo "  $CASE: $1's exits: $line ($lines lines printed${4:+, $4})"
	else
		echo "  $CASE: $1's exits: '$line', want only cpuid and vmcall $lines lines + $3"
		CASE_OK=0
	fi
}

if want channel-samples; then
	kbuild "$BUILD/channel/bulkhead.bin" BUILD="$BUILD/channel" LAYOUT=tests/layouts/channel.c
	kbuild "$BUILD/images/chan.elf" BUILD="$BUILD"
	make_iso channel "s#testpay.bin rt0\$#chan.elf rt0 role=producer#; s#testpay.bin rt1\$#chan.elf rt1 role=consumer busy_ms=5#; s#testpay.elf rt2\$#chan.elf rt2 role=intruder#" \
		"$BUILD/channel/bulkhead.bin" "$BUILD/images/chan.elf"
	boot channel-samples "$EMU_DIR/channel.iso" "$VMX_EMU" 4 --timeout 120 \
		--until '^partition rt[01]: exits on cpu ' --until-count 2
	expect '^bulkhead: layout "channel", 3 partitions$'
	expect '^rt0: producer: 1000 Hz for 4 s into a ring of 2048 records \(overwrite\), doorbell 0$'
	expect '^rt1: consumer: doorbell on vector 0x61, apic id 2; channel read-only$'
	# Three seconds of 1000 +- 5 records each, none missing.
	secs=$(com1 | sed -n 's/^rt1: consumer: second \([0-9]*\): \([0-9]*\) records, \([0-9]*\) gaps$/\1 \2 \3/p' |
		awk '{ n++; if ($1 != n || $2 < 995 || $2 > 1005 || $3 != 0) bad++; printf "%s%s", sep, $2; sep = "/" }
			END { if (n != 3 || bad) printf " BAD" }')
	if [ -n "$secs" ] && [[ $secs != *BAD* ]]; then
		echo "  $CASE: consumer's seconds: $secs records, no gap"
	else
		echo "  $CASE: consumer's seconds (want 3 of 1000 +- 5 records, 0 gaps): ${secs:-none}"
		CASE_OK=0
	fi
	expect '^rt1: consumer: total: [0-9]+ records, 0 gaps, [0-9]+ doorbells, at most ([2-9]|[1-9][0-9]+) a doorbell, 0 left$'
	expect '^rt0: producer: done: 4000 samples, 4000 doorbells, 0 refused, 0 full$'
	expect '^partition rt[01]: exited \(code 0\)'
	expect_count '^partition rt[01]: exited \(code 0\)' 2
	# The intruder: no channel to find, every doorbell refused, each number named once.
	expect '^rt2: intruder: channel "samples": not found \(-1\)$'
	expect_count '^rt2: intruder: doorbells 0-3: -1 -1 -1 -1$' 2
	for n in 0 1 2 3; do
		expect_count "^partition rt2: doorbell on channel $n \\(not one of its channels\\) not granted: refused \\(reported once\\)\$" 1
	done
	expect_count '^partition rt2: doorbell on channel ' 4
	# ... and the producer's memory is not there for it: an EPT violation stops it.
	expect '^rt2: intruder: reading 0x800000 \(the producer.s channel memory, not mapped here\)$'
	expect '^partition rt2: stopped: ept violation \(cpu 3, exit 48, rip 0x[0-9a-f]+, gpa 0x800000, '
	expect_not '^rt2: intruder: (READ|channel "samples": FOUND)'
	# its 5 lines and 8 doorbells, and the read
	expect '^partition rt2: exits on cpu 3: cpuid [0-9]+, vmcall 13, ept-violation 1$'
	# Exits: the consumer only printed (n lines + the exit hypercall); the producer printed and
	# rang (its doorbells + its lines + the exit).
	exits_check rt1 2 1
	rings=$(com1 | sed -n 's/^rt0: producer: done: [0-9]* samples, \([0-9]*\) doorbells, .*/\1/p')
	exits_check rt0 1 $((${rings:-0} + 1)) "$rings doorbells"
	expect_not '^partition rt[01]: stopped|rings faster|further refusals|sdk: exception'
	done_case
fi

