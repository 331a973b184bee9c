; Guest entry and VM-exit entry (SDM Vol. 3C §28.5 host state on exit, §31.3 VMLAUNCH).
; struct guest_regs (arch/x86/vcpu.h): rax rbx rcx rdx rsi rdi rbp r8 ... r15, in that order,
; at the offsets asm_offsets.inc names (and the build checks on both sides).

%include "arch/x86/asm_offsets.inc"

extern vmexit_dispatch
extern vmentry_failed
global vmx_launch_guest
global vmx_exit_entry

section .text
bits 64

; void vmx_launch_guest(struct guest_regs *regs): loads the guest's registers and launches.
; On success it never returns (exits arrive at vmx_exit_entry on the vCPU's exit stack).
vmx_launch_guest:
	mov rax, [rdi + GUEST_REGS_RAX]
	mov rbx, [rdi + GUEST_REGS_RBX]
	mov rcx, [rdi + GUEST_REGS_RCX]
	mov rdx, [rdi + GUEST_REGS_RDX]
	mov rsi, [rdi + GUEST_REGS_RSI]
	mov rbp, [rdi + GUEST_REGS_RBP]
	mov r8,  [rdi + GUEST_REGS_R8]
	mov r9,  [rdi + GUEST_REGS_R9]
	mov r10, [rdi + GUEST_REGS_R10]
	mov r11, [rdi + GUEST_REGS_R11]
	mov r12, [rdi + GUEST_REGS_R12]
	mov r13, [rdi + GUEST_REGS_R13]
	mov r14, [rdi + GUEST_REGS_R14]
	mov r15, [rdi + GUEST_REGS_R15]
	mov rdi, [rdi + GUEST_REGS_RDI]
	vmlaunch
	xor edi, edi                    ; 0 = VMLAUNCH failed
	call vmentry_failed             ; does not return

vmx_exit_entry:
	FRAME_BEGIN GUEST_REGS_SIZE
	FRAME_PUSH r15, GUEST_REGS_R15
	FRAME_PUSH r14, GUEST_REGS_R14
	FRAME_PUSH r13, GUEST_REGS_R13
	FRAME_PUSH r12, GUEST_REGS_R12
	FRAME_PUSH r11, GUEST_REGS_R11
	FRAME_PUSH r10, GUEST_REGS_R10
	FRAME_PUSH r9, GUEST_REGS_R9
	FRAME_PUSH r8, GUEST_REGS_R8
	FRAME_PUSH rbp, GUEST_REGS_RBP
	FRAME_PUSH rdi, GUEST_REGS_RDI
	FRAME_PUSH rsi, GUEST_REGS_RSI
	FRAME_PUSH rdx, GUEST_REGS_RDX
	FRAME_PUSH rcx, GUEST_REGS_RCX
	FRAME_PUSH rbx, GUEST_REGS_RBX
	FRAME_PUSH rax, GUEST_REGS_RAX
	mov rdi, rsp
	call vmexit_dispatch            ; returns when the guest is to resume
	FRAME_POPS
	FRAME_POP rax, GUEST_REGS_RAX
	FRAME_POP rbx, GUEST_REGS_RBX
	FRAME_POP rcx, GUEST_REGS_RCX
	FRAME_POP rdx, GUEST_REGS_RDX
	FRAME_POP rsi, GUEST_REGS_RSI
	FRAME_POP rdi, GUEST_REGS_RDI
	FRAME_POP rbp, GUEST_REGS_RBP
	FRAME_POP r8, GUEST_REGS_R8
	FRAME_POP r9, GUEST_REGS_R9
	FRAME_POP r10, GUEST_REGS_R10
	FRAME_POP r11, GUEST_REGS_R11
	FRAME_POP r12, GUEST_REGS_R12
	FRAME_POP r13, GUEST_REGS_R13
	FRAME_POP r14, GUEST_REGS_R14
	FRAME_POP r15, GUEST_REGS_R15
	vmresume
	mov edi, 1                      ; 1 = VMRESUME failed
	call vmentry_failed
