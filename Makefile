# Bulkhead — top-level build. `make` builds build/bulkhead.bin and build/bulkhead.iso;
# `make run` boots it (EMU=bochs|qemu|qemu-uefi|qemu-kvm); `make test` runs every test.

EMU        ?= bochs
PARTITIONS ?= default
TRACE      ?= 0
CPUS       ?= 4
BUILD      := build

CC         := gcc
LD         := ld
NASM       := nasm
HOSTCC     := gcc

WARN       := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wshadow -Wpointer-arith \
              -Wcast-align -Wundef
KCFLAGS    := -std=c11 $(WARN) -Os -g -ffreestanding -fno-builtin -nostdlib -fno-stack-protector \
              -fno-pic -fno-pie -mno-red-zone -mno-sse -mno-sse2 -mno-mmx -mno-avx \
              -fno-tree-loop-distribute-patterns -fno-omit-frame-pointer \
              -fno-asynchronous-unwind-tables --param=min-pagesize=0 -I. -Icore/include
HOSTCFLAGS := -std=c11 $(WARN) -O1 -g -I. -Icore/include -DHOST_TEST -fno-tree-loop-distribute-patterns \
              -fsanitize=address,undefined -fno-sanitize-recover=all
ifeq ($(TRACE),1)
KCFLAGS    += -DCONFIG_TRACE_ERROR
endif

# --- the hypervisor image -------------------------------------------------------------
CORE_SRCS  := $(wildcard core/*.c core/lib/*.c)
ARCH_SRCS  := $(wildcard arch/x86/*.c)
ASM_SRCS   := $(wildcard boot/*.asm arch/x86/*.asm)
LAYOUT     ?= partitions/$(PARTITIONS).c
KOBJS      := $(patsubst %.c,$(BUILD)/k/%.o,$(CORE_SRCS) $(ARCH_SRCS) $(LAYOUT)) \
              $(patsubst %.asm,$(BUILD)/k/%.o,$(filter-out boot/trampoline.asm,$(ASM_SRCS)))
include images/sdk/sdk.mk
include images/linux/linux.mk
include tests/fuzz/fuzz.mk
PAYLOADS   := $(BUILD)/images/testpay.bin $(BUILD)/images/testpay.elf $(DEMO_ELFS)

.PHONY: all iso run test unit bench lint clean setup
all: $(BUILD)/bulkhead.bin $(BUILD)/bulkhead.iso $(BUILD)/modules.txt

$(BUILD)/k/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -MMD -MP -c $< -o $@

# The AP trampoline is a flat binary (real mode, copied below 1 MiB at run time),
# wrapped into the image by arch/x86/trampoline_blob.asm via incbin.
$(BUILD)/trampoline.bin: boot/trampoline.asm arch/x86/asm_offsets.inc
	@mkdir -p $(dir $@)
	$(NASM) -f bin $< -o $@

# NASM's -MD leaves %include files out, so the offsets every .asm may include are listed here.
$(BUILD)/k/%.o: %.asm $(BUILD)/trampoline.bin arch/x86/asm_offsets.inc
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	@$(NASM) -f elf64 -I$(BUILD)/ $< -o $@

# The layout is checked on the host before it is linked: a bad table stops the build here,
# naming the file, the partition, the field and the reason.
$(BUILD)/ptcheck-$(notdir $(LAYOUT)).ok: $(LAYOUT) tools/ptcheck.c core/include/bulkhead/ptable.h
	@mkdir -p $(dir $@)
	@tools/ptcheck.sh $(LAYOUT) $(BUILD)/ptcheck
	@touch $@

$(BUILD)/images/%.bin: images/payloads/%.asm
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	@$(NASM) -f bin $< -o $@

$(BUILD)/images/%.elf: images/payloads/%.asm
	@mkdir -p $(dir $@)
	@echo "  NASM    $< (ELF64)"
	@$(NASM) -f elf64 -DELF $< -o $@.o
	@$(LD) -N -Ttext=0x100000 -e start -z noexecstack --no-warn-rwx-segments -o $@ $@.o

# The layout the build was made with, rewritten only when LAYOUT changes: going back to an
# earlier layout relinks the hypervisor (its objects are older than the image) and rewrites
# modules.txt.
$(BUILD)/layout: FORCE
	@mkdir -p $(dir $@)
	@echo '$(LAYOUT)' | cmp -s - $@ || echo '$(LAYOUT)' >$@
FORCE:

# The GRUB modules the linked layout takes, in its order ("module <tag> <kind> <partition>"),
# printed by its ptcheck: what make install and the GRUB script it installs go by.
$(BUILD)/modules.txt: $(BUILD)/layout $(BUILD)/ptcheck-$(notdir $(LAYOUT)).ok
	@$(BUILD)/ptcheck/ptcheck-$(basename $(notdir $(LAYOUT))) --modules $(LAYOUT) >$@.tmp
	@mv $@.tmp $@

$(BUILD)/bulkhead.bin: $(KOBJS) boot/linker.ld $(BUILD)/ptcheck-$(notdir $(LAYOUT)).ok $(BUILD)/layout
	$(LD) -n -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -T boot/linker.ld -o $@ $(filter %.o,$^)

iso: $(BUILD)/bulkhead.iso
$(BUILD)/bulkhead.iso: $(BUILD)/bulkhead.bin grub.cfg $(PAYLOADS) $(LINUX_IMAGES)
	tools/mkiso.sh $@ grub.cfg $(BUILD)/bulkhead.bin $(PAYLOADS) $(LINUX_IMAGES)

-include $(KOBJS:.o=.d)

# --- install ----------------------------------------------------------------------------
# make install [DESTDIR=...] [PREFIX=...] (docs/install.md): the hypervisor and its modules'
# files into BOOTDIR, the GRUB script into GRUBDDIR, the entry's words into
# SYSCONFDIR/default/bulkhead, and the list of it all into DATADIR/bulkhead/manifest, which
# make uninstall removes. Which file goes with which tag, and its words: GRUB_CFG's module2
# lines, and over them MODULE_<tag>=<file> and ARGS_<tag>=<words> on the command line; the
# hypervisor's words: GRUB_CFG's multiboot2 line, or BULKHEAD_CMDLINE=<words>.
PREFIX     ?= /usr/local
DATADIR    ?= $(PREFIX)/share
BOOTDIR    ?= /boot/bulkhead
GRUBDDIR   ?= /etc/grub.d
SYSCONFDIR ?= /etc
GRUB_CFG   ?= grub.cfg

# What tools/install.sh is told, as NAME=value arguments. Of MODULE_*, ARGS_* and
# BULKHEAD_CMDLINE only what was set on the command line (or in a makefile), not the
# environment's.
INSTALL_PATHS = DESTDIR BOOTDIR GRUBDDIR SYSCONFDIR DATADIR
INSTALL_VARS  = $(foreach v,$(sort $(filter MODULE_% ARGS_% BULKHEAD_CMDLINE,$(.VARIABLES))), \
                  $(if $(filter environment%,$(origin $(v))),,$(v)))
install_args  = $(foreach v,$(1),'$(v)=$(subst ','\'',$($(v)))')

.PHONY: install uninstall
ifneq ($(filter install,$(MAKECMDGOALS)),)
# Built first: the files GRUB_CFG's module2 lines name that this build makes, and the
# MODULE_<tag> files (make stops at one it neither has nor can make).
INSTALL_CFG_NAMES := $(notdir $(shell sed -n 's/^[[:space:]]*module2[[:space:]]\{1,\}\([^[:space:]]\{1,\}\).*/\1/p' $(GRUB_CFG)))
INSTALL_FILES := $(filter $(addprefix %/,$(INSTALL_CFG_NAMES)),$(PAYLOADS) $(LINUX_IMAGES) $(LINUX_NET_IMAGES)) \
                 $(foreach v,$(filter MODULE_%,$(INSTALL_VARS)),$($(v)))
endif
install: $(BUILD)/bulkhead.bin $(BUILD)/modules.txt $(INSTALL_FILES) tools/install.sh tools/grub.d/25_bulkhead
	@tools/install.sh install $(call install_args,$(INSTALL_PATHS) BUILD GRUB_CFG $(INSTALL_VARS))

uninstall:
	@tools/install.sh uninstall $(call install_args,$(INSTALL_PATHS))

# --- set-up, run ----------------------------------------------------------------------
setup:
	@tools/setup.sh

run: setup all
	tools/run.sh $(EMU) $(BUILD)/bulkhead.iso $(CPUS)

# --- tools/hwcheck --------------------------------------------------------------------
# Will Bulkhead run on this machine? A host program for the target's Linux, built with the
# hardware check it shares with the hypervisor (docs/hwcheck.md); tests/hwcheck/ runs it on
# recorded machines.
HWCHECK_SRCS := tools/hwcheck.c core/lib/hwcheck.c core/lib/format.c
all: $(BUILD)/hwcheck
$(BUILD)/hwcheck: $(HWCHECK_SRCS) $(wildcard core/lib/*.h core/include/bulkhead/*.h)
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=c11 $(WARN) -O2 -g -I. -Icore/include -o $@ $(HWCHECK_SRCS)

# --- host unit tests ------------------------------------------------------------------
HOST_LIB   := core/log.c core/lib/format.c core/error.c core/lib/string.c tests/unit/host.c
UNIT_TESTS := format mb2 acpi pmem hwcheck elf bzimage vuart guest_acpi linux lineq denied xsave guestmem guesttext ept tsc_leaf \
              spinlock console guest_paging mmio_decode vpci vioapic dmar dma_identity iommu vtd channels ring vchan
test_format_SRCS  :=
UNIT_TESTS        += string
test_string_SRCS  :=
test_mb2_SRCS     := core/mb2.c
test_acpi_SRCS    := arch/x86/acpi.c
test_dmar_SRCS    := arch/x86/dmar.c
test_pmem_SRCS    := core/pmem.c
UNIT_TESTS        += timeline
test_timeline_SRCS := core/timeline.c
test_pmem_CFLAGS  := -pthread
test_spinlock_SRCS :=
test_spinlock_CFLAGS := -pthread
test_console_SRCS := core/console.c core/conopts.c core/guesttext.c core/textring.c
test_console_CFLAGS := -pthread
# The console loop's drain with the console's FIFO (partitions and arch stubbed).
UNIT_TESTS        += conmux
test_conmux_SRCS  := core/conmux.c core/console.c core/conopts.c core/guesttext.c core/textring.c
# The console's options and the shell (its partition, console and machine calls stubbed).
UNIT_TESTS        += conopts shell
test_conopts_SRCS := core/conopts.c
test_shell_SRCS   := core/shell.c core/conopts.c core/guesttext.c core/textring.c
test_hwcheck_SRCS := arch/x86/hwcheck.c core/lib/hwcheck.c
test_elf_SRCS     := core/elf.c
test_bzimage_SRCS := core/bzimage.c
test_vuart_SRCS   := core/vuart.c core/guesttext.c
test_guesttext_SRCS := core/guesttext.c
test_ept_SRCS     := arch/x86/ept.c arch/x86/paging4.c
# arch/x86/ept.c reads an MSR and CPUID: the test's stand-in cpu.h comes first.
test_ept_CFLAGS   := -Itests/unit/fake
test_lineq_SRCS   := core/lineq.c
test_denied_SRCS  := core/denied.c
test_xsave_SRCS   := arch/x86/xsave.c
test_guestmem_SRCS := core/guestmem.c
test_guest_acpi_SRCS := core/guest_acpi.c arch/x86/acpi.c
test_linux_SRCS   := core/linux.c core/bzimage.c core/guest_acpi.c core/guestmem.c
test_guest_paging_SRCS := arch/x86/guest_paging.c
test_mmio_decode_SRCS := arch/x86/mmio_decode.c
test_vpci_SRCS    := core/vpci.c core/vmsix.c core/msi_check.c core/iommu.c
test_vioapic_SRCS := core/vioapic.c core/msi_check.c
test_dma_identity_SRCS := core/dma_identity.c
test_iommu_SRCS   := core/iommu.c core/msi_check.c
test_channels_SRCS := core/channels.c
test_vchan_SRCS   := core/vchan.c core/vioapic.c core/vpci.c core/vmsix.c core/msi_check.c
# images/sdk/include/bulkhead/sdk_ring.h is header-only: two threads play producer and consumer.
test_ring_SRCS    :=
test_ring_CFLAGS  := -pthread
# images/sdk/include/bulkhead/sdk_sync.h is header-only too: threads play a payload's CPUs.
UNIT_TESTS        += sdk_sync
test_sdk_sync_SRCS :=
test_sdk_sync_CFLAGS := -pthread
test_vtd_SRCS     := arch/x86/vtd.c arch/x86/dmar.c arch/x86/paging4.c
# The probe's generator and machine description; the test compiles what it writes with
# tools/ptcheck.sh (run from the repository's root).
UNIT_TESTS        += probe
test_probe_SRCS   := core/probe.c core/probe_boot.c core/pmem.c

# Every header a unit test may include: one gcc call builds each test from several sources, and
# its dependency output would name only the last one's, so a header change rebuilds them all.
UNIT_HDRS  := $(wildcard core/*.h core/lib/*.h core/include/bulkhead/*.h arch/x86/*.h \
                tests/unit/*.h tests/unit/fake/*/*/*.h tests/unit/fake/*/*.h)

define unit_rule
$(BUILD)/host/test_$(1): tests/unit/test_$(1).c $$(test_$(1)_SRCS) $$(HOST_LIB) $$(UNIT_HDRS)
	@mkdir -p $$(dir $$@)
	$$(HOSTCC) $$(test_$(1)_CFLAGS) $$(HOSTCFLAGS) -DTEST_FILE='"test_$(1)"' -o $$@ $$< $$(test_$(1)_SRCS) $$(HOST_LIB)
$(BUILD)/host/trace/test_$(1): tests/unit/test_$(1).c $$(test_$(1)_SRCS) $$(HOST_LIB) $$(UNIT_HDRS)
	@mkdir -p $$(dir $$@)
	$$(HOSTCC) $$(test_$(1)_CFLAGS) $$(HOSTCFLAGS) -DCONFIG_TRACE_ERROR -DTEST_FILE='"test_$(1)"' -o $$@ $$< $$(test_$(1)_SRCS) $$(HOST_LIB)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

UNIT_BINS := $(foreach t,$(UNIT_TESTS),$(BUILD)/host/test_$(t)) $(BUILD)/host/trace/test_mb2 \
             $(BUILD)/host/trace/test_elf $(BUILD)/host/trace/test_bzimage
unit: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do $$t; done

.PHONY: unit-build mutants
unit-build: $(UNIT_BINS)

# Deliberate defects (tests/mutants/*.patch), each applied alone to a scratch copy and checked
# to be caught by its tests: not part of make test (MUTANTS_ONLY_FAST=1: no emulator cases).
mutants: setup all $(UNIT_BINS) fuzz-build
	tests/mutants/run.sh

test: setup all $(UNIT_BINS) fuzz-build
	tests/run.sh

bench: setup all
	tests/bench.sh
	tests/bench_latency.sh
	tests/bench_hpet.sh
	tests/bench_linux.sh

lint: setup
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
	  --suppress=missingIncludeSystem -I. $$(git ls-files '*.c')
	tests/lint/includes.py
	@echo 'tests/lint/headers.sh  # each header of core/, arch/, images/sdk/ alone, with the build flags'
	@CC="$(CC)" KCFLAGS="$(KCFLAGS)" SDK_CFLAGS="$(SDK_CFLAGS)" tests/lint/headers.sh

clean:
	rm -rf $(BUILD)
