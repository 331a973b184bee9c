; Exception and interrupt entry stubs, one per vector. Each pushes a dummy error code where the CPU pushes none
; (SDM Vol. 3A §6.13), then its vector, saves the general registers in the order of
; struct trap_frame (arch/x86/trap.h) and calls trap_handler(frame).

extern trap_handler
global isr_stub_table
global isr_ack

%macro STUB 1
isr_stub_%1:
%if (%1 = 8) || ((%1 >= 10) && (%1 <= 14)) || (%1 = 17) || (%1 = 21) || (%1 = 29) || (%1 = 30)
%else
	push 0
%endif
	push %1
	jmp isr_common
%endmacro

section .text
bits 64
%assign v 0
%rep 256
	STUB v
%assign v v + 1
%endrep

; Every gate of the acknowledge-only IDT (arch/x86/percpu.c): an x2APIC EOI (MSR 0x80b) and
; back, for whichever vector came, with no error code (interrupts push none).
isr_ack:
	push rax
	push rcx
	push rdx
	mov ecx, 0x80b
	xor eax, eax
	xor edx, edx
	wrmsr
	pop rdx
	pop rcx
	pop rax
	iretq

isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov rdi, rsp
	cld
	call trap_handler               ; returns for interrupts, never for exceptions
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16                     ; vector and error code
	iretq

section .rodata
align 8
isr_stub_table:
%assign v 0
%rep 256
	dq isr_stub_ %+ v
%assign v v + 1
%endrep
