; AP start-up trampoline. The BSP copies this flat binary to a free page below 1 MiB and
; points each AP at it with INIT-SIPI-SIPI (SDM Vol. 3A §9.4.4): the AP starts in real mode
; at CS = page >> 4, IP = 0. It goes to protected mode, then long mode with the BSP's page
; tables, and calls the C entry with the stack and argument the BSP left in the parameter
; block (struct trampoline_params in arch/x86/smp.h, at the offsets arch/x86/asm_offsets.inc
; names: checked here and in C).
;
; Position independent: every linear address is computed from CS at run time (EBX).

%include "arch/x86/asm_offsets.inc"

bits 16
org 0

tramp_start:
	jmp short real_mode
	align 8
params:                                 ; offset 8: written by the BSP before each SIPI
tramp_cr3:      dq 0                    ; +8
tramp_stack:    dq 0                    ; +16
tramp_entry:    dq 0                    ; +24
tramp_arg:      dq 0                    ; +32
params_end:
	ASSERT_EQ params - tramp_start, TRAMPOLINE_PARAMS
	ASSERT_EQ tramp_cr3 - params, TRAMPOLINE_CR3
	ASSERT_EQ tramp_stack - params, TRAMPOLINE_STACK
	ASSERT_EQ tramp_entry - params, TRAMPOLINE_ENTRY
	ASSERT_EQ tramp_arg - params, TRAMPOLINE_ARG
	ASSERT_EQ params_end - params, TRAMPOLINE_PARAMS_SIZE

real_mode:
	cli
	cld
	mov ax, cs
	mov ds, ax
	xor ebx, ebx
	mov bx, ax
	shl ebx, 4                      ; EBX = linear base of this page
	lea eax, [ebx + gdt]
	mov [gdt_ptr + 2], eax
	lea eax, [ebx + prot_mode]
	mov [pm_jump], eax
	lea eax, [ebx + long_mode]
	mov [lm_jump], eax
	lgdt [gdt_ptr]
	mov eax, cr0
	or eax, 1                       ; PE
	mov cr0, eax
	jmp far dword [pm_jump]

bits 32
prot_mode:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, (1 << 5)                ; PAE
	mov cr4, eax
	mov eax, [ebx + tramp_cr3]
	mov cr3, eax
	mov ecx, 0xC0000080             ; IA32_EFER
	rdmsr
	or eax, (1 << 8)                ; LME
	wrmsr
	mov eax, cr0
	or eax, (1 << 31)               ; PG
	mov cr0, eax
	jmp far dword [ebx + lm_jump]   ; no stack yet: jump through memory, not RETF

bits 64
long_mode:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov ebx, ebx
	mov rsp, [rbx + tramp_stack]
	mov rdi, [rbx + tramp_arg]
	mov rax, [rbx + tramp_entry]
	xor ebp, ebp
	call rax
.hang:
	cli
	hlt
	jmp .hang

align 8
gdt:
	dq 0
	dq 0x00CF9A000000FFFF           ; 0x08: 32-bit code
	dq 0x00CF92000000FFFF           ; 0x10: data
	dq 0x00209A0000000000           ; 0x18: 64-bit code
gdt_end:
gdt_ptr:
	dw gdt_end - gdt - 1
	dd 0
pm_jump:
	dd 0
	dw 0x08
lm_jump:
	dd 0
	dw 0x18
