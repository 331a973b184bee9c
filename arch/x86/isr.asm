; Exception and interrupt entry stubs, one per vector. Each pushes a dummy error code where the CPU pushes none
; (SDM Vol. 3A §6.13), then its vector, saves the general registers in the order of
; struct trap_frame (arch/x86/trap.h; offsets in asm_offsets.inc, checked on both sides) and
; calls trap_handler(frame).

%include "arch/x86/asm_offsets.inc"

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
	; below the CPU's frame, from RIP up, the stub pushed the error code, then the vector
	ASSERT_EQ TRAP_FRAME_ERROR, TRAP_FRAME_RIP - 8
	ASSERT_EQ TRAP_FRAME_VECTOR, TRAP_FRAME_ERROR - 8
	FRAME_BEGIN TRAP_FRAME_VECTOR
	FRAME_PUSH rax, TRAP_FRAME_RAX
	FRAME_PUSH rbx, TRAP_FRAME_RBX
	FRAME_PUSH rcx, TRAP_FRAME_RCX
	FRAME_PUSH rdx, TRAP_FRAME_RDX
	FRAME_PUSH rsi, TRAP_FRAME_RSI
	FRAME_PUSH rdi, TRAP_FRAME_RDI
	FRAME_PUSH rbp, TRAP_FRAME_RBP
	FRAME_PUSH r8, TRAP_FRAME_R8
	FRAME_PUSH r9, TRAP_FRAME_R9
	FRAME_PUSH r10, TRAP_FRAME_R10
	FRAME_PUSH r11, TRAP_FRAME_R11
	FRAME_PUSH r12, TRAP_FRAME_R12
	FRAME_PUSH r13, TRAP_FRAME_R13
	FRAME_PUSH r14, TRAP_FRAME_R14
	FRAME_PUSH r15, TRAP_FRAME_R15
	mov rdi, rsp
	cld
	call trap_handler               ; returns for interrupts, never for exceptions
	FRAME_POPS
	FRAME_POP r15, TRAP_FRAME_R15
	FRAME_POP r14, TRAP_FRAME_R14
	FRAME_POP r13, TRAP_FRAME_R13
	FRAME_POP r12, TRAP_FRAME_R12
	FRAME_POP r11, TRAP_FRAME_R11
	FRAME_POP r10, TRAP_FRAME_R10
	FRAME_POP r9, TRAP_FRAME_R9
	FRAME_POP r8, TRAP_FRAME_R8
	FRAME_POP rbp, TRAP_FRAME_RBP
	FRAME_POP rdi, TRAP_FRAME_RDI
	FRAME_POP rsi, TRAP_FRAME_RSI
	FRAME_POP rdx, TRAP_FRAME_RDX
	FRAME_POP rcx, TRAP_FRAME_RCX
	FRAME_POP rbx, TRAP_FRAME_RBX
	FRAME_POP rax, TRAP_FRAME_RAX
	add rsp, TRAP_FRAME_RIP - TRAP_FRAME_VECTOR ; vector and error code
	iretq

section .rodata
align 8
isr_stub_table:
%assign v 0
%rep 256
	dq isr_stub_ %+ v
%assign v v + 1
%endrep
