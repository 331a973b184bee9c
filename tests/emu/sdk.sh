# SDK cases (issue 18), sourced by tests/emu/cases.sh: tests/layouts/sdk.c, three partitions.
#
# sdk-payloads: "big" runs the bigimage demo, a 2.8 MiB image in a 4 MiB first region plus a
# second RAM region below 4 GiB and a third above, which the SDK maps; it checks every word of
# its 2.5 MiB of initialized data and writes and reads back all of its RAM outside its image.
# "fpu" runs the fpu demo: floating point in main and in a 1 kHz timer handler, first without
# saving the state around handlers (the control: corruption is seen), then with
# SDK_FPU_IRQ_SAVE (none is). "small" gets the big image in 2 MiB of RAM: the boot refuses it,
# naming the segment and the region, and the other two run.
if want sdk-payloads; then
	kbuild "$BUILD/sdk/bulkhead.bin" BUILD="$BUILD/sdk" LAYOUT=tests/layouts/sdk.c
	kbuild "$BUILD/images/bigimage.elf" BUILD="$BUILD"
	kbuild "$BUILD/images/fpu.elf" BUILD="$BUILD"
	make_iso sdk "s#testpay.bin rt0\$#bigimage.elf big#; s#testpay.bin rt1\$#fpu.elf fpu seconds=2#; s#testpay.elf rt2\$#bigimage.elf small#" \
		"$BUILD/sdk/bulkhead.bin" "$BUILD/images/bigimage.elf" "$BUILD/images/fpu.elf"
	boot sdk-payloads "$EMU_DIR/sdk.iso" "$VMX_EMU" 4 --timeout 120 \
		--until '^partition (big|fpu): exited' --until-count 2
	expect '^bulkhead: layout "sdk", 3 partitions$'
	# The refused image: the partition, its segment and the region it does not fit, by name.
	expect '^partition small: refused: module: ELF segment 0 \(R-X, guest 0x100000-0x[0-9a-f]+\) runs past the end of mem\[0\] \(RAM guest 0x0-0x200000\)$'
	expect '^bulkhead: 2 partitions ready$'
	expect_not '^small: '
	# big: the image over 1 MiB, its data intact, and every RAM region written and read back.
	expect '^partition big: loaded ELF64 image of [0-9]{7} bytes, entry 0x[0-9a-f]+$'
	expect '^big: bigimage: image 0x100000-0x3[0-9a-f]{5} \([0-9]+ KiB\), 2560 KiB of data, checksum 0x[0-9a-f]{16}, ok$'
	expect '^big: bigimage: ram\[0\] 0x0-0x400000: [1-9][0-9]+ bytes written and read back, ok$'
	expect '^big: bigimage: ram\[1\] 0x10000000-0x10100000: 1048576 bytes written and read back, ok$'
	expect '^big: bigimage: ram\[2\] 0x100000000-0x100100000: 1048576 bytes written and read back, ok$'
	expect '^big: bigimage: done, 3 ram regions, 0 bad$'
	expect '^partition big: exited \(code 0\)'
	# fpu: the control corrupts, the saved run does not, and every second says so.
	expect '^fpu: fpu: enabled sse( avx)?, irq save (xsave|fxsave) of [0-9]+ bytes$'
	expect '^fpu: fpu: control without saving: [1-9][0-9]* of [0-9]+ passes corrupted \(expected\)$'
	expect '^fpu: fpu: irq entry 1000 x int 0x41: [0-9]+ ticks each without saving, [0-9]+ with$'
	for s in 1 2; do
		expect "^fpu: fpu: second $s: (99[0-9]|100[0-9]|10[01][0-9]) ticks, mean [0-9]+\\.[0-9]{3} var [0-9]+, sums exact; [1-9][0-9]* passes, [1-9][0-9]* interrupted, 0 corrupted\$"
	done
	expect '^fpu: fpu: verdict ok: [0-9]+ ticks, sums exact; [1-9][0-9]* passes, [1-9][0-9]* interrupted mid-computation, 0 corrupted$'
	expect '^partition fpu: exited \(code 0\)'
	expect_not 'sdk: exception|BAD|FAILED|NOT EXACT|not mapped|stopped'
	done_case
fi
