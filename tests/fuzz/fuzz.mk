# libFuzzer harnesses (tests/fuzz/fuzz_*.c), included from the top Makefile.
#   make fuzz                  build every harness into $(BUILD)/fuzz/, run each FUZZ_SECONDS (60)
#   make fuzz FUZZ_SECONDS=600 longer
#   make fuzz-smoke            the same for 5 s each (part of make test)
# Each run works on a copy of tests/fuzz/corpus/<name> in $(BUILD)/fuzz/corpus/<name>; the
# committed corpus is never written. Needs clang with libFuzzer (Debian: clang,
# libclang-rt-14-dev). See docs/fuzzing.md.

FUZZ_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)
FUZZCC        ?= clang
FUZZ_SECONDS  ?= 60
FUZZ_NAMES    := mb2 acpi dmar elf bzimage linux ptcheck vmexit mmio vdev
FUZZ_HOST_LIB := core/log.c core/lib/format.c core/error.c core/lib/string.c tests/unit/host.c
# -fno-builtin as in the hypervisor build: core/lib/string.c's memcpy/memmove then stay the byte
# loops they are (clang would otherwise turn memmove's forward copy into a memcpy of
# overlapping ranges), and calls to them from the code under test stay calls.
FUZZ_CFLAGS   := -std=c11 $(WARN) -O1 -g -I. -Icore/include -DHOST_TEST -fno-builtin \
                 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

fuzz_mb2_SRCS     := core/mb2.c
fuzz_acpi_SRCS    := arch/x86/acpi.c
fuzz_dmar_SRCS    := arch/x86/dmar.c
fuzz_dmar_DEPS    := arch/x86/dmar.h
fuzz_elf_SRCS     := core/elf.c
fuzz_bzimage_SRCS := core/bzimage.c
fuzz_linux_SRCS   := core/linux.c core/bzimage.c core/guest_acpi.c core/guestmem.c
fuzz_ptcheck_SRCS :=
fuzz_ptcheck_DEPS := tools/ptcheck.c core/include/bulkhead/ptable.h
# The exit handlers, built over stand-ins for the two headers that hold instructions
# (tests/fuzz/fake/core/lib/cpu.h, vmx.h), which come first on the include path.
fuzz_vmexit_SRCS  := arch/x86/vmexit.c arch/x86/guest_event.c arch/x86/guest_cpuid.c \
                     arch/x86/guest_cr.c arch/x86/guest_msr.c arch/x86/guest_init_sipi.c \
                     arch/x86/apic.c arch/x86/xsave.c arch/x86/guest_mmio.c arch/x86/guest_paging.c \
                     arch/x86/mmio_decode.c
fuzz_vmexit_DEPS  := $(wildcard tests/fuzz/fake/arch/x86/*.h tests/fuzz/fake/core/lib/*.h arch/x86/*.h core/lib/*.h) core/include/bulkhead/payload_abi.h \
                     tests/fuzz/coverage-ignore.txt
fuzz_vmexit_CFLAGS := -Itests/fuzz/fake -fsanitize-coverage-ignorelist=tests/fuzz/coverage-ignore.txt
fuzz_mmio_SRCS    := arch/x86/mmio_decode.c arch/x86/guest_paging.c
fuzz_mmio_DEPS    := arch/x86/mmio_decode.h arch/x86/guest_paging.h
fuzz_vdev_SRCS    := core/vpci.c core/vmsix.c core/msi_check.c core/vioapic.c core/vchan.c core/channels.c
fuzz_vdev_DEPS    := core/iommu.h core/vpci.h core/vioapic.h core/msi_check.h core/lib/pci_regs.h core/lib/ioapic_regs.h core/lib/msi.h \
                     core/vchan.h core/channels.h core/include/bulkhead/channel_pci.h

define fuzz_rule
$(BUILD)/fuzz/fuzz_$(1): tests/fuzz/fuzz_$(1).c tests/fuzz/fuzz.h $$(fuzz_$(1)_SRCS) $$(fuzz_$(1)_DEPS) $$(FUZZ_HOST_LIB)
	@mkdir -p $$(dir $$@)
	@echo "  FUZZCC  $$@"
	@$$(FUZZCC) $$(fuzz_$(1)_CFLAGS) $$(FUZZ_CFLAGS) -o $$@ $$< $$(fuzz_$(1)_SRCS) $$(FUZZ_HOST_LIB)
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call fuzz_rule,$(n))))

FUZZ_BINS := $(foreach n,$(FUZZ_NAMES),$(BUILD)/fuzz/fuzz_$(n))

.PHONY: fuzz fuzz-smoke fuzz-build
fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@tests/fuzz/run.sh $(BUILD)/fuzz $(FUZZ_SECONDS) $(FUZZ_NAMES)

fuzz-smoke: $(FUZZ_BINS)
	@tests/fuzz/run.sh $(BUILD)/fuzz 5 $(FUZZ_NAMES)

# Including this file does not change the default goal (`make` builds the hypervisor).
.DEFAULT_GOAL := $(FUZZ_SAVED_DEFAULT_GOAL)
