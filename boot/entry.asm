; 32-bit entry from GRUB (Multiboot2, or Multiboot1 by mistake) to 64-bit C.
;
; GRUB leaves us in 32-bit protected mode with paging off, under BIOS and UEFI alike
; (Multiboot2 spec §3.3): EAX = magic, EBX = physical address of the boot information.
; We build our own GDT and page tables (identity map of the low 4 GiB with 2 MiB pages),
; enter long mode (SDM Vol. 3A §10.8.5) and call kmain(magic, info). The magic itself is
; checked in C, where COM1 can say what went wrong.

extern kmain
global mb_entry32
global boot_pml4
global boot_pd
global boot_tsc
global boot_gdt_ptr

section .text
bits 32
mb_entry32:
	cli
	cld
	mov edi, eax                    ; magic  -> 1st argument of kmain
	mov esi, ebx                    ; info   -> 2nd argument
	rdtsc                           ; the reference point of "ticks from entry"
	mov [boot_tsc], eax
	mov [boot_tsc + 4], edx
	mov esp, boot_stack_top

	; Long mode needs CPUID leaf 0x80000001 EDX bit 29. Without it we cannot go on:
	; say so on COM1 from here, since C only runs in 64-bit mode.
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode

	call build_page_tables

	; Paging must be off while CR3 and EFER.LME change (SDM Vol. 3A §10.8.5).
	mov eax, cr0
	and eax, 0x7fffffff
	mov cr0, eax
	lgdt [boot_gdt_ptr]
	mov eax, cr4
	or eax, (1 << 5)                ; PAE
	mov cr4, eax
	mov eax, boot_pml4
	mov cr3, eax
	mov ecx, 0xC0000080             ; IA32_EFER
	rdmsr
	or eax, (1 << 8)                ; LME
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 0)    ; PG | PE
	mov cr0, eax
	jmp 0x08:long_entry

.no_long_mode:
	mov esi, msg_no_long_mode
	call serial_puts32
.halt:
	hlt
	jmp .halt

; Identity map 0..4 GiB with 2 MiB pages: PML4[0] -> PDPT, PDPT[0..3] -> PD0..PD3.
; The 2 MiB pages from 0xFEC00000 up (IOAPIC, HPET, local APIC, firmware) are uncached.
build_page_tables:
	mov eax, boot_pdpt
	or eax, 0x3                     ; present, writable
	mov [boot_pml4], eax
	xor ecx, ecx
.pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, boot_pd
	or eax, 0x3
	mov [boot_pdpt + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jne .pdpt
	xor ecx, ecx
.pd:
	mov eax, ecx
	shl eax, 21
	or eax, 0x83                    ; present, writable, 2 MiB page
	cmp ecx, 0xFEC00000 >> 21
	jb .cached
	or eax, 0x18                    ; PWT | PCD
.cached:
	mov [boot_pd + ecx * 8], eax
	mov dword [boot_pd + ecx * 8 + 4], 0
	inc ecx
	cmp ecx, 2048
	jne .pd
	ret

; Minimal COM1 output for the one message that must be printed before long mode.
serial_puts32:
	mov dx, 0x3f8 + 3
	mov al, 0x80
	out dx, al                      ; DLAB on
	mov dx, 0x3f8
	mov al, 1
	out dx, al                      ; divisor 1 = 115200 baud
	mov dx, 0x3f8 + 1
	xor al, al
	out dx, al
	mov dx, 0x3f8 + 3
	mov al, 0x03
	out dx, al                      ; 8N1, DLAB off
.next:
	lodsb
	test al, al
	jz .done
	mov ah, al
	mov dx, 0x3f8 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov dx, 0x3f8
	mov al, ah
	out dx, al
	jmp .next
.done:
	ret

bits 64
long_entry:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, boot_stack_top
	xor ebp, ebp
	; EDI = magic, ESI = info (upper halves are zero after the mode switch's 32-bit moves)
	mov edi, edi
	mov esi, esi
	call kmain
.hang:
	cli
	hlt
	jmp .hang

section .rodata
msg_no_long_mode:
	db "Bulkhead: this CPU has no 64-bit long mode; halting.", 13, 10, 0

section .data
align 16
boot_gdt:
	dq 0
	dq 0x00209A0000000000           ; 0x08: 64-bit code
	dq 0x0000920000000000           ; 0x10: data
	dq 0x00CF9A000000FFFF           ; 0x18: 32-bit code (unused; keeps the layout of the AP GDT)
boot_gdt_end:
boot_gdt_ptr:
	dw boot_gdt_end - boot_gdt - 1
	dq boot_gdt

align 8
boot_tsc:
	dq 0

section .bss
align 4096
boot_pml4:
	resb 4096
boot_pdpt:
	resb 4096
boot_pd:
	resb 4 * 4096
align 16
boot_stack:
	resb 16384
boot_stack_top:
