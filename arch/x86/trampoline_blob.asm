; The assembled AP trampoline (boot/trampoline.asm), kept in the image to be copied below 1 MiB.
global trampoline_blob
global trampoline_blob_size
section .rodata
align 16
trampoline_blob:
	incbin "trampoline.bin"
trampoline_blob_end:
align 8
trampoline_blob_size:
	dq trampoline_blob_end - trampoline_blob
