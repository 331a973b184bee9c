# Bulkhead payload SDK and demo payloads: a make fragment for the top-level Makefile.
#
#   include images/sdk/sdk.mk
#
# Uses: BUILD (output directory), NASM, LD, CC, WARN (the warning flags, -Werror among them). Defines:
#   DEMO_ELFS    $(BUILD)/images/{heartbeat,latency,smp,hostile,cpustate,echo,hpetlat,chan,fpu,bigimage}.elf,
#                with rules to build them
#   SDK_OBJS     the SDK's objects (start-up code + library), to link your own payload:
#                $(BUILD)/images/NAME.elf from images/demos/NAME.c is one line in DEMOS
#   SDK_CFLAGS   flags a payload's C files are compiled with
#   SDK_FPU_CFLAGS  added after SDK_CFLAGS for a file that computes in floating point (SSE2;
#                a demo's file gets them by its name in DEMOS_FPU); see sdk_fpu_enable()
#   SDK_LDFLAGS  flags a payload is linked with (includes -T payload.ld)
#   sdk-demos    a phony target building DEMO_ELFS
# Every target is explicit (static pattern rules): no pattern rule of the includer is
# shadowed, and including this file does not change the default goal.

SDK_DIR     := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
SDK_ROOT    := $(patsubst %/,%,$(dir $(patsubst %/,%,$(dir $(SDK_DIR)))))
SDK_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

DEMOS       := heartbeat latency smp hostile cpustate echo hpetlat chan fpu bigimage
# Demos whose file computes in floating point: compiled with SDK_FPU_CFLAGS too.
DEMOS_FPU   := fpu
DEMO_DIR    := $(SDK_ROOT)/images/demos
DEMO_ELFS   := $(BUILD)/images/heartbeat.elf $(BUILD)/images/latency.elf $(BUILD)/images/smp.elf \
               $(BUILD)/images/hostile.elf $(BUILD)/images/cpustate.elf $(BUILD)/images/echo.elf \
               $(BUILD)/images/hpetlat.elf $(BUILD)/images/chan.elf $(BUILD)/images/fpu.elf \
               $(BUILD)/images/bigimage.elf

SDK_CFLAGS  := -std=c11 $(WARN) -O2 -g -ffreestanding -nostdlib \
               -fno-stack-protector -fno-pic -fno-pie -mno-red-zone -mno-sse -mno-sse2 \
               -mno-mmx -mno-avx -mcmodel=small -fno-asynchronous-unwind-tables \
               -fno-tree-loop-distribute-patterns -fcf-protection=none \
               --param=min-pagesize=0 -I$(SDK_DIR)/include -I$(SDK_ROOT)/core/include -I$(SDK_ROOT)
# SSE2 is every x86-64 CPU's: scalar double and float arithmetic in XMM registers. Later flags
# win, so these undo SDK_CFLAGS' -mno-sse -mno-sse2; AVX stays off for the file (a function
# that uses it says __attribute__((target("avx"))) and runs only where it was enabled).
SDK_FPU_CFLAGS := -msse -msse2 -mfpmath=sse
SDK_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack -T $(SDK_DIR)/payload.ld

SDK_C_SRCS  := sdk.c console.c apic.c irq.c ioapic.c channel.c fpu.c mem.c
# Shared with the hypervisor: the formatter and the string functions (freestanding C).
SDK_CORE    := format string
SDK_OBJS    := $(BUILD)/sdk/start.o $(patsubst %.c,$(BUILD)/sdk/%.o,$(SDK_C_SRCS)) \
               $(patsubst %,$(BUILD)/sdk/core/%.o,$(SDK_CORE))
SDK_HDRS    := $(SDK_DIR)/include/bulkhead/sdk.h $(SDK_DIR)/include/bulkhead/sdk_ring.h \
               $(SDK_DIR)/include/bulkhead/sdk_sync.h \
               $(SDK_DIR)/sdk_internal.h \
               $(SDK_ROOT)/core/include/bulkhead/payload_abi.h

$(BUILD)/sdk/start.o: $(SDK_DIR)/start.asm
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	@$(NASM) -f elf64 $< -o $@

$(patsubst %.c,$(BUILD)/sdk/%.o,$(SDK_C_SRCS)): $(BUILD)/sdk/%.o: $(SDK_DIR)/%.c $(SDK_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(SDK_CFLAGS) -MMD -MP -c $< -o $@

$(patsubst %,$(BUILD)/sdk/core/%.o,$(SDK_CORE)): $(BUILD)/sdk/core/%.o: $(SDK_ROOT)/core/lib/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (sdk)"
	@$(CC) $(SDK_CFLAGS) -MMD -MP -c $< -o $@

$(patsubst %,$(BUILD)/demos/%.o,$(DEMOS)): $(BUILD)/demos/%.o: $(DEMO_DIR)/%.c $(SDK_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(SDK_CFLAGS) $(if $(filter $*,$(DEMOS_FPU)),$(SDK_FPU_CFLAGS)) -MMD -MP -c $< -o $@

$(DEMO_ELFS): $(BUILD)/images/%.elf: $(BUILD)/demos/%.o $(SDK_OBJS) $(SDK_DIR)/payload.ld
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(LD) $(SDK_LDFLAGS) -o $@ $(SDK_OBJS) $<

.PHONY: sdk-demos
sdk-demos: $(DEMO_ELFS)

-include $(patsubst %.c,$(BUILD)/sdk/%.d,$(SDK_C_SRCS)) $(patsubst %,$(BUILD)/demos/%.d,$(DEMOS)) \
         $(patsubst %,$(BUILD)/sdk/core/%.d,$(SDK_CORE))

.DEFAULT_GOAL := $(SDK_SAVED_DEFAULT_GOAL)
