; Bulkhead payload SDK — startup code (NASM, -f elf64), written from the Multiboot2
; specification and the Intel SDM (Vol. 3A: 9.8 mode switching, 4.5 4-level paging,
; 6.14 64-bit IDT, 9.4.4 MP initialization).
;
; One image, two ways in:
;   Bulkhead:  32-bit protected mode, paging off, EAX = PAYLOAD_MAGIC ("BULK"),
;              EBX = guest-physical address of struct payload_info (core/include/bulkhead/payload_abi.h).
;   bare:      a Multiboot2 loader (GRUB): 32-bit protected mode, paging off,
;              EAX = 0x36d76289, EBX = physical address of the Multiboot2 information.
; Both go the same way: zero the BSS, load our GDT, identity-map the low 4 GiB with 2 MiB
; pages, enable long mode, switch to the stack of CPU 0 and call sdk_start(magic, info).
;
; Also here: the real-mode AP trampoline (copied to SDK_AP_PAGE and started by SIPI) and
; the 256 interrupt stubs that call sdk_isr_dispatch(struct sdk_frame *), saving the FP/SIMD
; state around it when the payload asked for that (sdk_fpu_enable, SDK_FPU_IRQ_SAVE).

SDK_STACK_SIZE equ 16384            ; must match sdk_internal.h
SDK_AP_PAGE    equ 0x8000           ; must match sdk_internal.h (SIPI vector 0x08)

SEL_CODE64 equ 0x08
SEL_DATA   equ 0x10
SEL_CODE32 equ 0x18

CR0_PE    equ 1 << 0
CR0_PG    equ 1 << 31
CR4_PAE   equ 1 << 5
CR4_OSFXSR  equ 1 << 9
CR4_OSXSAVE equ 1 << 18
XCR0_AVX  equ 1 << 2
MSR_EFER  equ 0xc0000080
EFER_LME  equ 1 << 8
PTE_P     equ 1 << 0
PTE_W     equ 1 << 1
PTE_PS    equ 1 << 7

extern sdk_start
extern sdk_ap_start
extern sdk_isr_dispatch
extern sdk_stacks
extern sdk_fpu_area
extern sdk_fpu_mask
extern __bss_start
extern __bss_end

global _start
global sdk_ap_tramp
global sdk_ap_tramp_size
global sdk_ap_stack
global sdk_ap_index
global sdk_isr_stubs
global sdk_boot_magic
global sdk_boot_info

; --- Multiboot2 header (must be in the first 32 KiB, 8-byte aligned: the linker script puts
; --- this section first). No tags but the end tag: GRUB loads the ELF by its program headers.
MB2_MAGIC equ 0xe85250d6
MB2_ARCH  equ 0                     ; i386, 32-bit protected mode
section .mb2hdr progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH + (mb2_header_end - mb2_header))
	dw 0, 0                     ; end tag: type 0, flags 0
	dd 8                        ; size 8
mb2_header_end:

; Enable PAE, load CR3, set EFER.LME, turn on paging. Clobbers EAX, ECX, EDX.
; EFER is the one non-APIC MSR a Bulkhead guest owns (the VMCS switches it).
%macro ENTER_LONG_MODE 0
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, pml4
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_PE
	mov cr0, eax
%endmacro

section .text
bits 32
_start:
	cli
	cld
	mov esi, eax                ; boot magic
	mov ebp, ebx                ; boot information address
	; Zero the BSS first (it holds the stacks and page tables). Bulkhead and GRUB both
	; zero it already; doing it here makes no assumption about either.
	mov edi, __bss_start
	mov ecx, __bss_end
	sub ecx, edi
	xor eax, eax
	rep stosb
	mov [sdk_boot_magic], esi
	mov [sdk_boot_info], ebp

	; Neither loader leaves a GDT we may rely on.
	lgdt [gdt_ptr]
	jmp SEL_CODE32:.flat
.flat:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov esp, sdk_stacks + SDK_STACK_SIZE

	; PML4[0] -> PDPT; PDPT[0..3] -> four page directories; each PD entry maps 2 MiB.
	mov dword [pml4], pdpt + (PTE_P | PTE_W)
	mov edi, pdpt
	mov eax, pds + (PTE_P | PTE_W)
	mov ecx, 4
.pdpt:
	mov [edi], eax
	add eax, 4096
	add edi, 8
	loop .pdpt
	mov edi, pds
	mov eax, PTE_P | PTE_W | PTE_PS
	mov ecx, 4 * 512
.pd:
	mov [edi], eax              ; the high dword stays 0: every address is below 4 GiB
	add eax, 0x200000
	add edi, 8
	loop .pd

	ENTER_LONG_MODE
	jmp SEL_CODE64:.long

bits 64
.long:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, sdk_stacks + SDK_STACK_SIZE
	xor ebp, ebp
	mov edi, [sdk_boot_magic]
	mov esi, [sdk_boot_info]
	call sdk_start
.hang:
	cli
	hlt
	jmp .hang

; --- Secondary CPUs -------------------------------------------------------------------
; A started CPU (SIPI vector SDK_AP_PAGE >> 12) begins in real mode at CS:IP = 0x0800:0 with
; a copy of the blob below. It loads the image's GDT through a pointer inside the blob,
; enters protected mode and jumps into the image; from there it goes to long mode with the
; page tables CPU 0 built, takes the stack sdk_start_cpu() left in sdk_ap_stack, and calls
; sdk_ap_start(sdk_ap_index). sdk_start_cpu() starts one CPU at a time.
section .rodata
bits 16
align 16
sdk_ap_tramp:
	cli
	cld
	mov ax, cs
	mov ds, ax
	o32 lgdt [ap_gdt_ptr - sdk_ap_tramp]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword SEL_CODE32:ap_entry32
align 4
ap_gdt_ptr:
	dw gdt_end - gdt - 1
	dd gdt
sdk_ap_tramp_end:
align 4
sdk_ap_tramp_size:
	dd sdk_ap_tramp_end - sdk_ap_tramp

section .text
bits 32
ap_entry32:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	ENTER_LONG_MODE
	jmp SEL_CODE64:ap_entry64
bits 64
ap_entry64:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, [sdk_ap_stack]
	xor ebp, ebp
	mov edi, [sdk_ap_index]
	call sdk_ap_start
.hang:
	cli
	hlt
	jmp .hang

; --- Interrupts -------------------------------------------------------------------------
; One stub per vector. The CPU pushes an error code for vectors 8, 10-14, 17, 21, 29 and 30
; (SDM Vol. 3A 6.15); the others push a 0 in its place, so every frame looks the same:
; [r15 ... rax] vector error rip cs rflags rsp ss  (struct sdk_frame in sdk_internal.h).
%macro ISR_STUB 1
isr_ %+ %1:
%if (%1 == 8) || (%1 >= 10 && %1 <= 14) || (%1 == 17) || (%1 == 21) || (%1 == 29) || (%1 == 30)
%else
	push qword 0
%endif
	push qword %1
	jmp isr_common
%endmacro

section .text
bits 64
%assign v 0
%rep 256
ISR_STUB v
%assign v v + 1
%endrep

isr_common:
	push rax
	push rcx
	push rdx
	push rbx
	push rbp
	push rsi
	push rdi
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov rdi, rsp                ; 22 quadwords from a 16-byte aligned RSP: still aligned
	cld
	mov ecx, [sdk_fpu_area]     ; sdk_fpu_enable(SDK_FPU_IRQ_SAVE): save the FP/SIMD state
	test ecx, ecx
	jnz isr_fpu_save
	call sdk_isr_dispatch
isr_return:
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rdi
	pop rsi
	pop rbp
	pop rbx
	pop rdx
	pop rcx
	pop rax
	add rsp, 16                 ; vector, error code
	iretq

; The FP/SIMD state around the handler (fpu.c): an area of sdk_fpu_area bytes below the frame,
; 64-byte aligned. RBP keeps the frame's address and R12 what was saved (0 nothing, 1 FXSAVE,
; 2 XSAVE): both are callee-saved, and the frame holds the interrupted code's values of them.
; What this CPU has enabled decides: CR4.OSXSAVE XSAVE (of sdk_fpu_mask's components),
; CR4.OSFXSR alone FXSAVE, neither nothing. The handler starts with MXCSR at its power-on
; value (round to nearest, exceptions masked) and, after an XSAVE with AVX, the upper halves
; of the YMM registers zero.
isr_fpu_save:
	mov rbp, rsp
	sub rsp, rcx
	and rsp, -64
	xor r12d, r12d
	mov rax, cr4
	test eax, CR4_OSXSAVE
	jnz .xsave
	test eax, CR4_OSFXSR
	jz .call
	fxsave64 [rsp]
	mov r12d, 1
	jmp .clean
.xsave:
	xor eax, eax                ; XSAVE writes only XSTATE_BV of the header; XRSTOR
	mov [rsp + 512], rax        ; faults on the rest unless it is zero
	mov [rsp + 520], rax
	mov [rsp + 528], rax
	mov [rsp + 536], rax
	mov [rsp + 544], rax
	mov [rsp + 552], rax
	mov [rsp + 560], rax
	mov [rsp + 568], rax
	mov eax, [sdk_fpu_mask]
	mov edx, [sdk_fpu_mask + 4]
	xsave64 [rsp]
	mov r12d, 2
	test byte [sdk_fpu_mask], XCR0_AVX
	jz .clean
	vzeroupper
.clean:
	ldmxcsr [mxcsr_default]
.call:
	call sdk_isr_dispatch       ; RDI: the frame still
	cmp r12d, 1
	jb .done
	je .fxrstor
	mov eax, [sdk_fpu_mask]
	mov edx, [sdk_fpu_mask + 4]
	xrstor64 [rsp]
	jmp .done
.fxrstor:
	fxrstor64 [rsp]
.done:
	mov rsp, rbp
	jmp isr_return

section .rodata
align 8
sdk_isr_stubs:
%assign v 0
%rep 256
	dq isr_ %+ v
%assign v v + 1
%endrep

; --- Data -------------------------------------------------------------------------------
section .data
align 16
; Descriptors with the accessed bit set, so loading them never writes to the table.
gdt:
	dq 0
	dq 0x00af9b000000ffff       ; 0x08: 64-bit code
	dq 0x00cf93000000ffff       ; 0x10: data, 4 GiB
	dq 0x00cf9b000000ffff       ; 0x18: 32-bit code, 4 GiB
gdt_end:
align 8
	dw 0                        ; pad so the 10-byte pointer's base is 8-aligned
	dw 0
	dw 0
gdt_ptr:
	dw gdt_end - gdt - 1
	dq gdt
align 8
sdk_ap_stack:   dq 0
sdk_ap_index:   dd 0
sdk_boot_magic: dd 0
sdk_boot_info:  dd 0
mxcsr_default:  dd 0x1f80

section .bss
alignb 4096
pml4: resb 4096
pdpt: resb 4096
pds:  resb 4 * 4096
