; Guest entry and VM-exit entry (SDM Vol. 3C §28.5 host state on exit, §31.3 VMLAUNCH).
; struct guest_regs (arch/x86/vcpu.h): rax rbx rcx rdx rsi rdi rbp r8 ... r15, in that order.

extern vmexit_dispatch
extern vmentry_failed
global vmx_launch_guest
global vmx_exit_entry

section .text
bits 64

; void vmx_launch_guest(struct guest_regs *regs): loads the guest's registers and launches.
; On success it never returns (exits arrive at vmx_exit_entry on the vCPU's exit stack).
vmx_launch_guest:
	mov rax, [rdi + 0]
	mov rbx, [rdi + 8]
	mov rcx, [rdi + 16]
	mov rdx, [rdi + 24]
	mov rsi, [rdi + 32]
	mov rbp, [rdi + 48]
	mov r8,  [rdi + 56]
	mov r9,  [rdi + 64]
	mov r10, [rdi + 72]
	mov r11, [rdi + 80]
	mov r12, [rdi + 88]
	mov r13, [rdi + 96]
	mov r14, [rdi + 104]
	mov r15, [rdi + 112]
	mov rdi, [rdi + 40]
	vmlaunch
	xor edi, edi                    ; 0 = VMLAUNCH failed
	call vmentry_failed             ; does not return

vmx_exit_entry:
	push r15
	push r14
	push r13
	push r12
	push r11
	push r10
	push r9
	push r8
	push rbp
	push rdi
	push rsi
	push rdx
	push rcx
	push rbx
	push rax
	mov rdi, rsp
	call vmexit_dispatch            ; returns when the guest is to resume
	pop rax
	pop rbx
	pop rcx
	pop rdx
	pop rsi
	pop rdi
	pop rbp
	pop r8
	pop r9
	pop r10
	pop r11
	pop r12
	pop r13
	pop r14
	pop r15
	vmresume
	mov edi, 1                      ; 1 = VMRESUME failed
	call vmentry_failed
