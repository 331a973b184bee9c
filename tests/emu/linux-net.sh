# Linux driving a PCI device (issue 15), sourced by tests/emu/cases.sh after linux.sh (whose
# heartbeat helpers it uses): the "net" layout (partitions/net.c: Linux on APIC ID 1 owning
# an Intel e1000, rt0 on 2) from tests/emu/grub-net.cfg, on a 3-CPU, 512 MiB Bochs machine
# with the e1000 on Bochs's built-in vnet network (tests/emu/bochs-net.rc). The kernel is
# Debian's generic one (the cloud kernel has no e1000 driver) with the initramfs of
# images/linux/init-net, which loads the driver, takes a DHCP lease, pings the vnet host,
# fetches a file by TFTP, prints what it sees of the device and powers off.

# beats_between FROM TO N: at least N $HB heartbeats between the first lines matching the
# regexes FROM and TO.
beats_between() {
	local n
	n=$(tr -d '\r' <"$LOG" | sed -n "/$1/,/$2/p" | grep -cE "^$HB: heartbeat [0-9]+ ")
	if [ "$n" -ge "$3" ]; then
		echo "  $CASE: $n heartbeats between /$1/ and /$2/"
	else
		echo "  $CASE: only $n heartbeats between /$1/ and /$2/, expected $3"
		CASE_OK=0
	fi
}

# The driver loads and binds the e1000 (its configuration space and BARs are the ones the
# firmware gave it, its INTx arrives through the partition's I/O APIC on GSI 9), DHCP leases
# 192.168.10.15, three pings come back, and a file of random bytes put into the TFTP root
# arrives whole (its MD5 as computed here); rt0 beats on time through it all and leaves its
# CPU only to print (the shell's stats, typed once Linux is done).
if want linux-net; then
	NET_BIN=$BUILD/net/bulkhead.bin
	kbuild "$NET_BIN" BUILD="$BUILD/net" PARTITIONS=net
	# The generic kernel is fetched on first use only (not by `make`); the initramfs is
	# made afresh.
	make -s --no-print-directory BUILD="$BUILD" "$BUILD/linux/vmlinuz-net" >/dev/null ||
		echo "  linux-net: fetching the generic kernel failed"
	kbuild "$BUILD/linux/initrd-net.img" BUILD="$BUILD"
	tftp_root=$EMU_DIR/linux-net-tftp
	mkdir -p "$tftp_root"
	case $tftp_root in /*) ;; *) tftp_root=$PWD/$tftp_root ;; esac
	head -c 262144 /dev/urandom >"$tftp_root/net-test.bin"
	net_md5=$(md5sum "$tftp_root/net-test.bin" | cut -d' ' -f1)
	GRUB_CFG=tests/emu/grub-net.cfg make_iso linux-net \
		"s#heartbeat.elf rt0 .*#heartbeat.elf rt0 period_ms=$HB_PERIOD_MS#; s#\(/boot/vmlinuz-net linux\)\$#\1 net_file=net-test.bin#" \
		"$NET_BIN" "$BUILD/linux/vmlinuz-net" "$BUILD/linux/initrd-net.img" "$BUILD/images/heartbeat.elf"
	BOCHS_EXTRA=tests/emu/bochs-net.rc BULKHEAD_TFTP_ROOT=$tftp_root \
		boot linux-net "$EMU_DIR/linux-net.iso" "$VMX_EMU" 3 --mem 512 --timeout 600 \
		--type-on '^linux: bulkhead-net: done$' --type "stats$CR" \
		--until '^stats: partition rt0 cpu 2: ' --linger 3
	expect '^bulkhead: layout "net", 2 partitions$'
	expect '^partition linux: running on cpus 1$'
	expect '^partition rt0: running on cpus 2$'
	expect '^linux: \[ *[0-9.]+\] Linux version 6\.1\.[0-9]+-[0-9]+-amd64 '
	expect '^linux: bulkhead-net: e1000 loaded$'
	expect '^linux: bulkhead-net: eth0 up, mac 52:54:00:12:34:56$'
	expect '^linux: bulkhead-net: dhcp lease 192\.168\.10\.15/24 router 192\.168\.10\.1$'
	expect '^linux: bulkhead-net: address 192\.168\.10\.15/24$'
	expect '^linux: bulkhead-net: ping 3 packets transmitted, 3 packets received, 0% packet loss$'
	expect "^linux: bulkhead-net: tftp net-test.bin: 262144 bytes, md5 $net_md5\$"
	# What Linux found: the function at 00:02.0, bound, its BARs where the firmware put them,
	# its interrupt a level-triggered I/O APIC input, 9 (the layout's GSI), that did arrive.
	# (The irq number is Linux's own: with no 8259 it numbers GSI 9 past the legacy range.)
	expect '^linux: bulkhead-net: pci 0000:00:02\.0 0x8086:0x100e driver e1000 pin INTA irq [0-9]+$'
	expect '^linux: bulkhead-net: pci 0000:00:02\.0 bar 0 0x0*c0000000 0x0*c001ffff '
	expect '^linux: bulkhead-net: pci 0000:00:02\.0 bar 1 0x0*c040 0x0*c07f '
	expect '^linux: bulkhead-net: interrupts +[0-9]+: +[1-9][0-9]* +IO-APIC +9-fasteoi +eth0$'
	expect_not '^linux: bulkhead-net: eth0 interrupts 0$'
	expect '^linux: bulkhead-net: done$'
	# rt0's CPU: the SDK's start-up CPUID and one VMCALL per line it printed, nothing else.
	expect '^stats: partition rt0 cpu 2: cpuid [0-9]+, vmcall [0-9]+$'
	calls=$(tr -d '\r' <"$LOG" | sed -n 's/^stats: partition rt0 cpu 2: .*vmcall \([0-9]*\)$/\1/p')
	lines=$(tr -d '\r' <"$LOG" | sed -n '1,/^stats: on demand$/p' | grep -c '^rt0: ')
	if [ -n "$calls" ] && [ "$calls" -ge "$lines" ] && [ "$calls" -le $((lines + 2)) ]; then
		echo "  $CASE: rt0 made $calls VMCALLs for the $lines lines it printed, no other exit"
	else
		echo "  $CASE: rt0 made '$calls' VMCALLs for $lines lines"
		CASE_OK=0
	fi
	expect_not '^partition (linux|rt0): stopped|exception [0-9]+ \('
	heartbeat_steady
	beats_between '^linux: bulkhead-net: start$' '^linux: bulkhead-net: done$' 5
	done_case
fi
