# The Linux test image: Debian's stock cloud kernel and a busybox initramfs. A make fragment
# for the top-level Makefile:
#
#   include images/linux/linux.mk
#
# Uses: BUILD (output directory, default build). Defines:
#   LINUX_IMAGES      $(BUILD)/linux/vmlinuz $(BUILD)/linux/initrd.img, with rules to make them
#   $(BUILD)/linux/vmlinuz   the kernel, fetched by images/linux/fetch.sh (apt-get download of
#                     linux-image-6.1.0-NN-cloud-amd64, unpacked without installing); beside
#                     it config, busybox, uio.ko and uio_pci_generic.ko (the same kernel's
#                     modules), VERSION, PACKAGES, and the .debs in debs/ (re-runs need no
#                     network)
#   $(BUILD)/linux/initrd.img  gzip'd cpio with images/linux/init as /init, busybox and
#                     /bin/uvmcall (images/linux/uvmcall.c, a user process making a hypercall)
#                     /bin/utraps (images/linux/utraps.c, a user process taking #AC and #DB)
#                     /bin/chanmon (images/linux/chanmon.c, glibc static: reads a channel's
#                     ring through sysfs and uio_pci_generic, sends a set-point on another)
#                     /bin/tsc (images/linux/tsc.c, glibc static: prints RDTSC in decimal;
#                     the init's `work` timing and `bulkhead-linux: tsc` line use it)
#                     /lib/modules/uio.ko, /lib/modules/uio_pci_generic.ko (for chanmon)
#   $(BUILD)/linux/bare.iso    the kernel booted directly by GRUB, no hypervisor
#                     (images/linux/grub-bare.cfg), for bare-vs-hypervisor comparisons
#   linux-images      a phony target building LINUX_IMAGES
# and the network test image (docs/linux.md), made only when asked for (not by `make`):
#   LINUX_NET_IMAGES  $(BUILD)/linux/vmlinuz-net $(BUILD)/linux/initrd-net.img
#   $(BUILD)/linux/vmlinuz-net  the generic kernel of the same version (fetch.sh --net:
#                     linux-image-6.1.0-NN-amd64, which has e1000 as a module); beside it
#                     config-net, e1000.ko, PACKAGES-net
#   $(BUILD)/linux/initrd-net.img  busybox, images/linux/init-net as /init,
#                     /bin/udhcpc.script and /lib/modules/e1000.ko
#   $(BUILD)/linux/bare-net.iso  both booted directly by GRUB (images/linux/grub-bare-net.cfg)
#   linux-net-images  a phony target building LINUX_NET_IMAGES
# Including this file does not change the default goal.

BUILD       ?= build
LINUX_DIR   := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
LINUX_ROOT  := $(patsubst %/,%,$(dir $(patsubst %/,%,$(dir $(LINUX_DIR)))))
LINUX_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

LINUX_OUT    := $(BUILD)/linux
LINUX_IMAGES := $(LINUX_OUT)/vmlinuz $(LINUX_OUT)/initrd.img

# fetch.sh writes all of these at once and leaves unchanged files alone; the touch marks the
# kernel as made whenever the recipe ran, and the others follow it.
$(LINUX_OUT)/vmlinuz: $(LINUX_DIR)/fetch.sh
	@mkdir -p $(dir $@)
	@echo "  FETCH   $@"
	@$(LINUX_DIR)/fetch.sh $(LINUX_OUT)
	@touch $@
$(LINUX_OUT)/busybox $(LINUX_OUT)/config $(LINUX_OUT)/VERSION $(LINUX_OUT)/uio.ko \
	$(LINUX_OUT)/uio_pci_generic.ko: $(LINUX_OUT)/vmlinuz ;

$(LINUX_OUT)/initrd.img: $(LINUX_DIR)/init $(LINUX_DIR)/mkinitrd.py $(LINUX_OUT)/busybox \
		$(LINUX_OUT)/uvmcall $(LINUX_OUT)/utraps $(LINUX_OUT)/chanmon $(LINUX_OUT)/tsc \
		$(LINUX_OUT)/uio.ko $(LINUX_OUT)/uio_pci_generic.ko
	@echo "  INITRD  $@"
	@python3 $(LINUX_DIR)/mkinitrd.py $(LINUX_OUT)/busybox $(LINUX_DIR)/init $@ \
		$(LINUX_OUT)/uvmcall $(LINUX_OUT)/utraps $(LINUX_OUT)/chanmon $(LINUX_OUT)/tsc \
		lib/modules/uio.ko=$(LINUX_OUT)/uio.ko \
		lib/modules/uio_pci_generic.ko=$(LINUX_OUT)/uio_pci_generic.ko

# /bin/uvmcall: a user process that tries a hypercall (it must get SIGILL).
$(LINUX_OUT)/uvmcall: $(LINUX_DIR)/uvmcall.c $(LINUX_ROOT)/core/include/bulkhead/payload_abi.h
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@gcc -std=gnu11 $(WARN) -O2 -static -nostdlib -ffreestanding -fno-pie -no-pie \
		-fno-stack-protector -fno-asynchronous-unwind-tables -I$(LINUX_ROOT)/core/include -o $@ $<

# /bin/utraps: a user process that takes #AC and single-step #DB (Bulkhead intercepts both).
$(LINUX_OUT)/utraps: $(LINUX_DIR)/utraps.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@gcc -std=gnu11 $(WARN) -O2 -static -nostdlib -ffreestanding -fno-pie -no-pie \
		-fno-stack-protector -fno-asynchronous-unwind-tables -o $@ $<

# /bin/chanmon: a channel's consumer in Linux (docs/linux.md), a hosted program: glibc, static
# (libc.a is libc6-dev's, which tools/setup.sh installs).
$(LINUX_OUT)/chanmon: $(LINUX_DIR)/chanmon.c $(LINUX_ROOT)/core/include/bulkhead/channel_pci.h \
		$(LINUX_ROOT)/images/sdk/include/bulkhead/sdk_ring.h
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@gcc -std=gnu11 $(WARN) -O2 -static -I$(LINUX_ROOT)/core/include \
		-I$(LINUX_ROOT)/images/sdk/include -o $@ $<

# /bin/tsc: prints the TSC in decimal, for the init's timing (glibc, static, as chanmon).
$(LINUX_OUT)/tsc: $(LINUX_DIR)/tsc.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@gcc -std=gnu11 $(WARN) -O2 -static -o $@ $<

# The network test image: fetch.sh --net writes vmlinuz-net, config-net, e1000.ko and
# PACKAGES-net at once (the touch as for vmlinuz).
LINUX_NET_IMAGES := $(LINUX_OUT)/vmlinuz-net $(LINUX_OUT)/initrd-net.img
$(LINUX_OUT)/vmlinuz-net: $(LINUX_DIR)/fetch.sh
	@mkdir -p $(dir $@)
	@echo "  FETCH   $@"
	@$(LINUX_DIR)/fetch.sh --net $(LINUX_OUT)
	@touch $@
$(LINUX_OUT)/e1000.ko $(LINUX_OUT)/config-net: $(LINUX_OUT)/vmlinuz-net ;

$(LINUX_OUT)/initrd-net.img: $(LINUX_DIR)/init-net $(LINUX_DIR)/udhcpc.script \
		$(LINUX_DIR)/mkinitrd.py $(LINUX_OUT)/busybox $(LINUX_OUT)/e1000.ko
	@echo "  INITRD  $@"
	@python3 $(LINUX_DIR)/mkinitrd.py $(LINUX_OUT)/busybox $(LINUX_DIR)/init-net $@ \
		$(LINUX_DIR)/udhcpc.script lib/modules/e1000.ko=$(LINUX_OUT)/e1000.ko

$(LINUX_OUT)/bare-net.iso: $(LINUX_DIR)/grub-bare-net.cfg $(LINUX_NET_IMAGES) $(LINUX_ROOT)/tools/mkiso.sh
	@echo "  ISO     $@"
	@$(LINUX_ROOT)/tools/mkiso.sh $@ $(LINUX_DIR)/grub-bare-net.cfg /dev/null $(LINUX_NET_IMAGES)

# tools/mkiso.sh wants a hypervisor binary for /boot/bulkhead.bin; the bare ISO gets an
# empty one.
$(LINUX_OUT)/bare.iso: $(LINUX_DIR)/grub-bare.cfg $(LINUX_IMAGES) $(LINUX_ROOT)/tools/mkiso.sh
	@echo "  ISO     $@"
	@$(LINUX_ROOT)/tools/mkiso.sh $@ $(LINUX_DIR)/grub-bare.cfg /dev/null $(LINUX_IMAGES)

.PHONY: linux-images linux-net-images
linux-images: $(LINUX_IMAGES)
linux-net-images: $(LINUX_NET_IMAGES)

.DEFAULT_GOAL := $(LINUX_SAVED_DEFAULT_GOAL)
