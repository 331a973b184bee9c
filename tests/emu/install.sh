# make install's GRUB entry, booted (issue 18 point 3), sourced by tests/emu/cases.sh.
#
# install-boot: the "rt" layout installed into a temporary DESTDIR with the rt cases' modules
# (make install GRUB_CFG=tests/emu/grub-rt.cfg), the entry its /etc/grub.d/25_bulkhead writes
# made into an ISO with the installed files (tests/install/iso.sh), and booted: the three
# payloads GRUB loads by the script's module2 lines run, each on its own CPU.
if want install-boot; then
	inst=$EMU_DIR/install-boot.dest
	rm -rf "$inst"
	if make -s --no-print-directory BUILD="$BUILD/rt" PARTITIONS=rt \
		GRUB_CFG=tests/emu/grub-rt.cfg DESTDIR="$inst" install >"$EMU_DIR/install-boot.make" 2>&1 &&
		tests/install/iso.sh "$inst" "$EMU_DIR/install-boot.iso" >>"$EMU_DIR/install-boot.make" 2>&1; then
		:
	else
		echo "  install-boot: make install or the ISO failed:"
		sed 's/^/  | /' "$EMU_DIR/install-boot.make"
		rm -f "$EMU_DIR/install-boot.iso"
	fi
	boot install-boot "$EMU_DIR/install-boot.iso" "$VMX_EMU" 4 --timeout 180 \
		--until '^rt[0-2]: done$' --until-count 3
	expect '^ *Loading Bulkhead, layout rt \.\.\.'
	expect '^bulkhead: layout "rt", 3 partitions$'
	expect '^bulkhead: 3 partitions ready$'
	for i in 0 1 2; do
		expect "^partition rt$i: running on cpus $((i + 1))\$"
		expect "^rt$i: hello, apic id $((i + 1))\$"
	done
	expect_count '^rt[0-2]: done$' 3
	done_case
fi
