; Multiboot headers. GRUB's `multiboot2` command finds the Multiboot2 header (first 32 KiB,
; 8-byte aligned). The Multiboot1 header is there only so that a grub.cfg that says
; `multiboot` by mistake still reaches our entry, which then explains the mistake on COM1
; instead of GRUB failing with "no multiboot header found" or the machine hanging.

MB2_MAGIC  equ 0xE85250D6
MB2_ARCH   equ 0               ; i386 protected mode entry
MB1_MAGIC  equ 0x1BADB002
MB1_FLAGS  equ 0

section .multiboot progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH + (mb2_header_end - mb2_header))
	; end tag
	dw 0, 0
	dd 8
mb2_header_end:

align 4
mb1_header:
	dd MB1_MAGIC
	dd MB1_FLAGS
	dd -(MB1_MAGIC + MB1_FLAGS)
