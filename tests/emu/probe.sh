# The probe (issue 18), sourced early by tests/emu/cases.sh: the boot of the probed layout
# runs beside the other cases, and probe_run_check (at the end, when linux.sh's heartbeat
# helpers are there) asserts on it. Bulkhead booted with `probe` on its command line reports the machine, prints a
# layout for it between two marker lines and halts, VMX or not; tools/layout-from-log.sh takes
# the layout from COM1 and tools/ptcheck.sh checks it as it is, and with each PCI entry it
# offers uncommented. QEMU's q35 (8 CPUs as 4 cores of 2 threads, 2 GiB, TCG: no VMX) shows the
# SMT siblings and PCI Express functions; Bochs (4 CPUs, 1 GiB) then builds the layout
# (make LAYOUT=) and boots it with the default Linux image and the heartbeat: both run.
# Both boots carry the repo's grub.cfg modules, as a real machine's entry would.

# probe_iso NAME ARGS: grub.cfg with ARGS on the hypervisor's line and its modules.
probe_iso() {
	GRUB_CFG=grub.cfg make_iso "$1" "$(with_args "$2")" "$BUILD/bulkhead.bin" \
		"$BUILD/linux/vmlinuz" "$BUILD/linux/initrd.img" "$BUILD/images/heartbeat.elf"
}

# probe_extract FILE: the case's layout, taken from its COM1 log into FILE and checked by
# ptcheck as it is.
probe_extract() {
	local out rc
	rm -f "$1"
	if ! tools/layout-from-log.sh "$LOG" >"$1"; then
		echo "  $CASE: tools/layout-from-log.sh found no layout in $LOG"
		CASE_OK=0
		return 1
	fi
	echo "  $CASE: $(wc -l <"$1") lines of layout in $1"
	out=$(tools/ptcheck.sh "$1" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "  $CASE: $out"
	else
		echo "  $CASE: ptcheck refused it (exit $rc):"
		sed 's/^/    /' <<<"$out"
		CASE_OK=0
		return 1
	fi
}

# probe_entries FILE MIN: each PCI entry FILE offers (a run of "// " lines), uncommented
# alone, passes ptcheck; there are at least MIN.
probe_entries() {
	local file=$1 min=$2 k=0 v out
	while :; do
		v=$EMU_DIR/$CASE-entry$k.c
		awk -v k="$k" '
			/^[ \t]*\/\/ / { if (!inrun) run++; inrun = 1 } !/^[ \t]*\/\/ / { inrun = 0 }
			inrun && run == k + 1 { sub(/\/\/ /, ""); found = 1 }
			{ print } END { exit !found }' "$file" >"$v" || break
		if out=$(tools/ptcheck.sh "$v" 2>&1); then
			echo "  $CASE: entry $k ($(sed -n 's/^[[:space:]]*\.name = "\([a-z]*-[0-9a-f:.]*\)",$/\1/p' "$v")) uncommented passes ptcheck"
		else
			echo "  $CASE: entry $k uncommented: ptcheck refused it:"
			sed 's/^/    /' <<<"$out"
			CASE_OK=0
		fi
		k=$((k + 1))
	done
	if [ $k -lt "$min" ]; then
		echo "  $CASE: $k PCI entries offered, expected at least $min"
		CASE_OK=0
	fi
}

# file_has FILE REGEX: a line of FILE matches.
file_has() {
	if grep -qE -- "$2" "$1"; then
		echo "  $CASE: the layout has /$2/"
	else
		echo "  $CASE: the layout has no /$2/"
		CASE_OK=0
	fi
}

# file_says FILE TEXT: FILE's comments say TEXT, however it is wrapped (each line's
# indentation and leading comment mark dropped, the lines joined by one space).
file_says() {
	if sed -e 's#^[[:space:]]*\(/\*\|\*\|//\)\{0,1\}[[:space:]]*##' "$1" | tr '\n' ' ' |
		grep -qF -- "$2"; then
		echo "  $CASE: the layout says \"$2\""
	else
		echo "  $CASE: the layout does not say \"$2\""
		CASE_OK=0
	fi
}

# The lines every probe boot shows, and what it does not do.
expect_probe_boot() {
	expect '^bulkhead: probe: layout begins$'
	expect '^layout\| #include "bulkhead/ptable\.h"$'
	expect '^bulkhead: probe: layout ends$'
	expect '^bulkhead: halted: probe: the layout is printed; no partition was started$'
	expect_not '^bulkhead: layout "|^partition |^bulkhead: [0-9]+ partitions ready'
}

# QEMU q35 under TCG: no VMX, and the probe still prints the machine's layout. The boot CPU
# (APIC ID 0) stays Bulkhead's; its sibling 1 and the cores 2+3, 4+5 go to Linux; rt0 gets 6,
# a thread of the last core, whose sibling 7 is left idle.
if want probe-qemu-q35; then
	probe_iso probe-q35 'loglevel=info probe=q35'
	boot probe-qemu-q35 "$EMU_DIR/probe-q35.iso" qemu-q35 8 --threads 2 --mem 2048 \
		--timeout 180 --until '^bulkhead: halted'
	expect '^bulkhead: vmx unavailable: missing vmx \('
	expect '^bulkhead: probe: 8 cpus \(boot cpu apic id 0, smt yes\), 20[0-9][0-9] MiB usable ram in [0-9]+ ranges, 3 modules, i/o apic 24 inputs, no iommu, [0-9]+ pci functions$'
	expect_probe_boot
	if probe_extract "$EMU_DIR/probe-q35.c"; then
		file_has "$EMU_DIR/probe-q35.c" '^    \.layout = "q35",$'
		file_has "$EMU_DIR/probe-q35.c" '^ \*               core 3: APIC IDs 6\+7$'
		file_has "$EMU_DIR/probe-q35.c" '^	    \.cpus = PT_CPUS\(1, 2, 3, 4, 5\),$'
		file_has "$EMU_DIR/probe-q35.c" '^	    \.cpus = PT_CPUS\(6\),$'
		file_says "$EMU_DIR/probe-q35.c" 'rt0, the payload, gets APIC ID 6, a thread of the last core that is not the boot CPU'"'"'s. Its sibling 7 is left idle'
		file_has "$EMU_DIR/probe-q35.c" '^ \*               00:00\.0 8086:29c0 host bridge \(class 0x060000\)$'
		file_has "$EMU_DIR/probe-q35.c" '^ \*   0x[0-9a-f]{8}-0x[0-9a-f]{8}   rt0         0x0-0x200000 \(2 MiB\)$'
		# q35's pins reach the I/O APIC by ACPI's _PRT: the GSI is left to find.
		file_has "$EMU_DIR/probe-q35.c" '^	    //     \.irq = 0, /\* its GSI: docs/devices\.md \*/$'
		file_has "$EMU_DIR/probe-q35.c" '^ \*           module2 /boot/vmlinuz linux$'
		probe_entries "$EMU_DIR/probe-q35.c" 1
	fi
	done_case
fi

# Bochs: the probe on a 4-CPU, 1 GiB machine with VMX, its layout built and booted: Linux on
# APIC IDs 1 and 2 reaches its init's marker, rt0 on 3 beats all along.
if want probe-bochs; then
	probe_iso probe-bochs 'loglevel=info probe=bochs4'
	boot probe-bochs "$EMU_DIR/probe-bochs.iso" bochs 4 --mem 1024 --timeout 240 \
		--until '^bulkhead: halted'
	expect '^bulkhead: vmx ok$'
	expect '^bulkhead: probe: 4 cpus \(boot cpu apic id 0, smt no\), 10[0-9][0-9] MiB usable ram in [0-9]+ ranges, 3 modules, i/o apic 24 inputs, no iommu, [0-9]+ pci functions$'
	expect_probe_boot
	expect_not '^bulkhead: cpu [0-9]+ vmx on$'
	probed=$EMU_DIR/probe-bochs.c
	if probe_extract "$probed"; then
		file_has "$probed" '^    \.layout = "bochs4",$'
		file_has "$probed" '^	    \.cpus = PT_CPUS\(1, 2\),$'
		file_has "$probed" '^	    \.cpus = PT_CPUS\(3\),$'
		file_has "$probed" '^ \*               00:00\.0 8086:1237 host bridge \(class 0x060000\)$'
		probe_entries "$probed" 1
	fi
	done_case

	# Its layout, built and booted: a Linux boot, started now and checked at the end
	# (probe_run_check, called by cases.sh), beside the other cases as linux-channel is.
	kbuild "$BUILD/probed/bulkhead.bin" BUILD="$BUILD/probed" LAYOUT="$probed"
	GRUB_CFG=grub.cfg make_iso probed "s#heartbeat.elf rt0 .*#heartbeat.elf rt0 period_ms=${HB_PERIOD_MS:-200}#" \
		"$BUILD/probed/bulkhead.bin" "$BUILD/linux/vmlinuz" "$BUILD/linux/initrd.img" \
		"$BUILD/images/heartbeat.elf"
	boot_start probe-bochs-run "$EMU_DIR/probed.iso" bochs 4 --mem 1024 --timeout 1200 \
		--until '^linux: bulkhead-linux: marker$' --until "^rt0: heartbeat [0-9]+ " --linger 3
fi

probe_run_check() {
	want probe-bochs || return 0
	boot_finish probe-bochs-run "$EMU_DIR/probed.iso" bochs 4
	expect '^bulkhead: layout "bochs4", 2 partitions$'
	expect '^bulkhead: 2 partitions ready$'
	expect '^partition linux: loaded Linux \(boot protocol 2\.[0-9]+\) at 0x[0-9a-f]+, [0-9]+-byte initrd at 0x[0-9a-f]+, 2 cpus in its ACPI tables$'
	expect '^partition linux: running on cpus 1,2$'
	expect '^partition rt0: running on cpus 3$'
	expect '^linux: \[ *[0-9.]+\] smp: Brought up 1 node, 2 CPUs$'
	# Its RAM as the layout says: the first megabyte at 0, the rest guest == host from 66 MiB.
	expect '^linux: \[ *[0-9.]+\] BIOS-e820: \[mem 0x0000000000000000-0x000000000009efff\] usable$'
	expect '^linux: \[ *[0-9.]+\] BIOS-e820: \[mem 0x0000000004200000-0x000000003[0-9a-f]{7}\] usable$'
	expect '^linux: bulkhead-linux: marker$'
	expect '^linux: bulkhead-linux: nproc 2$'
	mem=$(com1 | sed -n 's/^linux: bulkhead-linux: memtotal \([0-9]*\)$/\1/p')
	if [ -n "$mem" ] && [ "$mem" -gt 800000 ]; then
		echo "  $CASE: MemTotal $mem kB: Linux has the machine's RAM"
	else
		echo "  $CASE: MemTotal '$mem' kB, expected more than 800000 (the layout gives 923 MiB)"
		CASE_OK=0
	fi
	expect_not '^partition [a-z0-9]+: (refused|stopped)|exception [0-9]+ \('
	beats_after '^partition rt0: running' 5
	beats_after 'Linux version' 3
	done_case
}
