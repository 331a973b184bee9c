# IOMMU cases (issue 16), sourced by tests/emu/cases.sh. QEMU under TCG has no VMX but
# emulates VT-d with interrupt remapping, and its edu test device has a DMA engine and MSI:
# the boot option iommu-test=00:02.0 brings the IOMMU up for tests/layouts/iommu.c (rt0 owns
# the edu, its RAM not at guest = host) and makes the edu DMA and interrupt on purpose, before
# the VMX verdict halts the boot. Each line below is one thing the IOMMU must let through or
# stop; core/iommu_selftest.c checks the memory and the fault records behind each.
if want iommu-edu; then
	kbuild "$BUILD/iommu/bulkhead.bin" BUILD="$BUILD/iommu" LAYOUT=tests/layouts/iommu.c
	make_iso iommu "/module2 /d; $(with_args 'loglevel=info iommu-test=00:02.0')" \
		"$BUILD/iommu/bulkhead.bin"
	boot iommu-edu "$EMU_DIR/iommu.iso" qemu-iommu 4 --timeout 120 \
		--until '^bulkhead: halted: '
	expect '^iommu: unit 0 at 0xfed90000: cap 0x[0-9a-f]+ ecap 0x[0-9a-f]+$'
	expect '^bulkhead: dma: iommu \(vt-d, 1 unit\), interrupt remapping on: a device reaches only its partition.s memory$'
	expect '^iommu-test: owned by partition rt0; rt1 is another partition$'
	# DMA: its own RAM both ways, at guest-physical addresses; nothing else, either way.
	expect "^iommu-test: dma into its own partition's ram: read at 0x1000 and written at 0x2000 \(host 0x4002000\), 0 faults, the bytes arrived$"
	expect "^iommu-test: dma into another partition's ram: 0x4200000 unchanged, 1 fault \(last: dma write at 0x4200000\)$"
	expect '^iommu-test: dma into bulkhead: 0x[0-9a-f]+ unchanged, 1 fault \(last: dma write at 0x[0-9a-f]+\)$'
	expect '^iommu-test: dma read of bulkhead: 0x200000: 1 fault \(last: dma read at 0x200000\)$'
	# Reported once per device: the first blocked DMA only.
	expect_count '^iommu: 00:02\.0 of partition rt0: dma ' 1
	expect '^iommu: 00:02\.0 of partition rt0: dma write \(reason 0x5\) at 0x4200000 blocked$'
	# Interrupts: through an entry for this device they arrive; what the partition aims at a
	# CPU not its own gets no entry, is named, and arrives nowhere.
	expect '^iommu-test: msi through a remapping entry for it, to the boot cpu: delivered$'
	expect '^iommu: 00:02\.0 of partition rt0: msi data 0xe0 \(destination is not one of its CPUs\) at 0xfee00000 blocked$'
	expect '^iommu-test: msi its partition aimed at a cpu not its own: apic 0, vector 0xe0: not delivered$'
	# The boot check a partition's devices pass: the identity rule is lifted (rt0's RAM is at
	# guest 0, host 0x4000000).
	expect "^iommu-test: its partition's bus-master device with ram not at guest = host: accepted$"
	expect '^iommu-test: 7 passed, 0 failed$'
	expect_not 'FAILED|not granted'
	expect_no_vmx_halt # the boot goes on after the test, to the verdict
	done_case
fi
