; Test payload for the partition tests: a flat image Bulkhead loads at guest-physical 1 MiB
; and enters in 32-bit protected mode (flat segments, paging off) with EAX = "BULK" and
; EBX = the guest-physical address of struct payload_info (core/partition.h).
;
; It prints its APIC ID, checks that an ungranted port reads all-ones and that a write to the
; reset register 0xcf9 does nothing, checks that 256 KiB of its RAM are zero (scrubbed by the
; hypervisor at every start), writes a pattern there keyed to its APIC ID (so that partitions
; sharing host pages would see each other's) and reads it back, then beats five times and
; checks the pattern again, after the neighbours wrote theirs. Command-line word "escape" makes it write
; outside its RAM first (the hypervisor must stop it there); "realmsr" makes the second CPU
; of a two-CPU partition read a refused MSR while still in real mode; "together" makes both CPUs of a
; two-CPU partition write outside at the same moment (two faults racing to stop it); "spin"
; keeps it busy for ever sweeping memory, "spint" in a tight PAUSE loop.

; Built twice: flat (nasm -f bin) and ELF64 (-DELF, linked at 1 MiB), to load both ways.
bits 32
%ifdef ELF
section .text
global start
%else
org 0x100000
%endif

INFO_CPU_COUNT equ 4            ; offsets in struct payload_info
INFO_APIC_IDS equ 8
INFO_CMDLINE equ 112
AP_TRAMPOLINE equ 0x8000
AP_STACK equ 0x90000
PATTERN_BASE equ 0x180000
PATTERN_DWORDS equ 0x10000      ; 256 KiB
OUTSIDE equ 0x200000            ; first byte past a 2 MiB partition's RAM
BEATS equ 5
DELAY equ 1500000

start:
	mov esp, 0x100000
	mov ebp, ebx                ; struct payload_info
	; Our own GDT and IDT: the start state leaves GDTR/IDTR pointing at nothing useful.
	lgdt [gdt_ptr]
	jmp 0x08:.reload
.reload:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	call build_idt
	lidt [idt_ptr]

	; "hello, apic id N"
	mov eax, 1
	cpuid
	shr ebx, 24
	mov edi, buf
	mov esi, msg_hello
	call strcpy
	mov eax, ebx
	call utoa
	call print_buf
	imul eax, ebx, 0x01010101   ; this partition's pattern key
	xor eax, 0xa5a5a5a5
	mov [pattern_key], eax

	; "realmsr": the second CPU, still in real mode after SIPI, reads a refused MSR first.
	lea esi, [ebp + INFO_CMDLINE]
	mov edi, word_realmsr
	mov ecx, 7
	repe cmpsb
	jne .no_realmsr
	mov byte [ap_realmsr], 1
.no_realmsr:

	; A partition with more than one CPU: start the second by INIT-SIPI-SIPI through the
	; x2APIC ICR, with a real-mode trampoline at 0x8000 (SIPI vector 8).
	cmp dword [ebp + INFO_CPU_COUNT], 2
	jb .single
	call start_second_cpu
.single:

	; "badipi" / "badnmi": INIT or NMI a CPU that is not ours (the APIC ID after our last).
	lea esi, [ebp + INFO_CMDLINE]
	mov edi, word_badipi
	mov ecx, 6
	repe cmpsb
	mov eax, 0x4500             ; INIT
	mov esi, msg_badipi
	je .send_bad
	lea esi, [ebp + INFO_CMDLINE]
	mov edi, word_badnmi
	mov ecx, 6
	repe cmpsb
	jne .no_badipi
	mov eax, 0x4400             ; NMI
	mov esi, msg_badnmi
.send_bad:
	push eax
	call print_str
	pop eax
	mov ecx, [ebp + INFO_CPU_COUNT]
	mov edx, [ebp + INFO_APIC_IDS + ecx * 4 - 4]
	inc edx
	mov ecx, 0x830
	wrmsr
	mov esi, msg_badipi_sent
	call print_str
.no_badipi:

	; cpuid leaf 0x40000000 must name the hypervisor
	mov eax, 0x40000000
	cpuid
	cmp ebx, 'Bulk'
	jne .no_hv
	cmp ecx, 'head'
	jne .no_hv
	mov esi, msg_hv
	call print_str
.no_hv:

	; Ports not granted: a read gives all-ones, a write is dropped. 0xcf9 is the reset
	; control register: if this write went through, the whole machine would reset.
	mov dx, 0x64
	in al, dx
	cmp al, 0xff
	jne .io_leak
	mov dx, 0xcf9
	mov al, 0x06
	out dx, al
	mov esi, msg_io_denied
	call print_str
	jmp .io_done
.io_leak:
	mov esi, msg_io_leak
	call print_str
.io_done:

	; "probe": instructions a partition may not use must fault inside it, not outside.
	lea esi, [ebp + INFO_CMDLINE]
	mov edi, word_probe
	mov ecx, 5
	repe cmpsb
	jne .no_probe
	call probes
.no_probe:

	; "spin": a busy neighbour for the latency benchmark: interrupts off, sweep 256 KiB of
	; RAM for ever, never exit.
	lea esi, [ebp + INFO_CMDLINE]
	mov edi, word_spin
	mov ecx, 4
	repe cmpsb
	jne .no_spin
	mov esi, msg_spin
	call print_str
	cli
	cmp byte [ebp + INFO_CMDLINE + 4], 't'  ; "spint": a tight loop, no memory traffic
	je .tight
.spin:
	call fill_pattern
	jmp .spin
.tight:
	pause
	jmp .tight
.no_spin:

	; "triple": a triple fault must stop this partition only.
	lea esi, [ebp + INFO_CMDLINE]
	mov edi, word_triple
	mov ecx, 6
	repe cmpsb
	jne .no_triple
	mov esi, msg_triple
	call print_str
	lidt [null_idt]
	int3
.no_triple:

	call check_clean
	call fill_pattern
	call check_pattern

	; "together": the second CPU, spinning in its beat delay, sees the flag and writes
	; outside a few instructions after this one does.
	lea esi, [ebp + INFO_CMDLINE]
	mov edi, word_together
	mov ecx, 8
	repe cmpsb
	jne .no_together
	mov esi, msg_together
	call print_str
	mov dword [together_flag], 1
	mov dword [OUTSIDE], 0xdeadbeef
	mov esi, msg_escaped
	call print_str              ; never reached under Bulkhead
.no_together:

	; "escape": write outside the partition's RAM
	lea esi, [ebp + INFO_CMDLINE]
	mov edi, word_escape
	mov ecx, 6
	repe cmpsb
	jne .beats
	; "writing outside my RAM at tsc 0x<hex>": the test reads the back-off between restarts
	; from these times.
	rdtsc
	push eax
	push edx
	mov edi, buf
	mov esi, msg_escape
	call strcpy
	pop eax
	call utox
	pop eax
	call utox
	call print_buf
	mov dword [OUTSIDE], 0xdeadbeef
	mov esi, msg_escaped
	call print_str              ; never reached under Bulkhead

.beats:
	mov ebx, 1
.beat:
	mov ecx, DELAY
.delay:
	pause
	dec ecx
	jnz .delay
	mov edi, buf
	mov esi, msg_beat
	call strcpy
	mov eax, ebx
	call utoa
	call print_buf
	inc ebx
	cmp ebx, BEATS
	jbe .beat

	call check_pattern
	mov esi, msg_done
	call print_str
.halt:
	cli
	hlt
	jmp .halt

; Each probe sets `resume` and runs one instruction; the exception handler prints the
; vector and jumps to `resume`. A probe that does not fault prints its own line.
%macro PROBE 1
	%push probe
	mov dword [resume], %$next
	mov esi, %1
	call print_str
%endmacro
%macro END_PROBE 0
	mov esi, msg_no_fault
	call print_str
%$next:
	%pop
%endmacro

probes:
	mov [probe_esp], esp
	PROBE msg_p_rdmsr
	mov ecx, 0x3a
	rdmsr
	END_PROBE
	PROBE msg_p_wrmsr
	mov ecx, 0x1b
	xor eax, eax
	xor edx, edx
	wrmsr
	END_PROBE
	PROBE msg_p_cr4
	mov eax, cr4
	or eax, 1 << 13
	mov cr4, eax
	END_PROBE
	PROBE msg_p_vmxon
	vmxon [vmxon_ptr]
	END_PROBE
	PROBE msg_p_invd
	invd
	END_PROBE
	mov eax, 1
	cpuid
	test ecx, 1 << 5
	jnz .vmx_seen
	mov esi, msg_p_cpuid
	call print_str
.vmx_seen:
	mov eax, 99                 ; no such hypercall
	vmcall
	cmp eax, -1
	jne .hc_done
	mov esi, msg_p_hc
	call print_str
.hc_done:
	; Ports at the edges of the rt layout's one grant (rt1: 0x2f8-0x2ff) and in the I/O
	; bitmap's second page: the hypervisor names each one it refuses.
	mov dx, 0x2f7
	in al, dx
	mov dx, 0x2f8
	in al, dx
	mov dx, 0x2ff
	in al, dx
	mov dx, 0x300
	in al, dx
	mov dx, 0xfffc
	in al, dx
	mov esi, msg_p_ports
	call print_str
	mov esp, [probe_esp]
	ret

; Exception entry: vector in EAX (pushed by the stub), print it, go to `resume`.
exception_common:
	mov esp, [probe_esp]
	mov edi, buf
	mov esi, msg_caught
	push eax
	call strcpy
	pop eax
	call utoa
	call print_buf
	jmp [resume]

build_idt:
	xor ecx, ecx
.gate:
	mov eax, [stub_table + ecx * 4]
	mov [idt + ecx * 8], ax
	mov word [idt + ecx * 8 + 2], 0x08
	mov word [idt + ecx * 8 + 4], 0x8e00
	shr eax, 16
	mov [idt + ecx * 8 + 6], ax
	inc ecx
	cmp ecx, 32
	jne .gate
	ret

%assign v 0
%rep 32
stub_ %+ v:
	mov eax, v
	jmp exception_common
%assign v v + 1
%endrep

stub_table:
%assign v 0
%rep 32
	dd stub_ %+ v
%assign v v + 1
%endrep

start_second_cpu:
	mov esi, ap_tramp
	mov edi, AP_TRAMPOLINE
	mov ecx, ap_tramp_end - ap_tramp
	rep movsb
	mov edx, [ebp + INFO_APIC_IDS + 4]
	mov eax, 0x4500             ; INIT, level assert
	mov ecx, 0x830
	wrmsr
	mov ecx, 200000
.init_delay:
	pause
	loop .init_delay
	mov edx, [ebp + INFO_APIC_IDS + 4]
	mov eax, 0x4600 | (AP_TRAMPOLINE >> 12)
	mov ecx, 0x830
	wrmsr
	mov ecx, 20000000
.wait_ap:
	cmp dword [ap_flag], 0
	jne .ap_up
	pause
	loop .wait_ap
	mov esi, msg_ap_missing
	jmp print_str
.ap_up:
	mov esi, msg_ap_started
	jmp print_str

; Copied to 0x8000 and entered in real mode at 0800:0000 by the SIPI.
bits 16
ap_tramp:
	cli
	; "realmsr": RDMSR of IA32_FEATURE_CONTROL in real mode. Bulkhead refuses it with #GP,
	; which a real-mode CPU takes through its IVT with no error code; the handler skips it.
	cmp byte [cs:ap_realmsr - ap_tramp], 0
	je .to_pm
	xor ax, ax
	mov ds, ax
	mov ss, ax
	mov sp, 0x7c00
	mov word [13 * 4], ap_gp_handler - ap_tramp
	mov word [13 * 4 + 2], AP_TRAMPOLINE >> 4
	mov ecx, 0x3a
	rdmsr
.to_pm:
	o32 lgdt [cs:ap_gdt_ptr - ap_tramp]
	mov eax, cr0
	or eax, 1
	mov cr0, eax
	jmp dword 0x08:ap_pm
ap_gp_handler:
	push bp
	mov bp, sp
	add word [bp + 2], 2        ; past the 2-byte RDMSR
	mov byte [cs:ap_gp_seen - ap_tramp], 1
	pop bp
	iret
ap_realmsr:      db 0
ap_gp_seen:      db 0
ap_gdt_ptr:
	dw 23
	dd gdt
ap_tramp_end:
bits 32
ap_pm:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, AP_STACK
	mov dword [ap_flag], 1
	mov eax, 1
	cpuid
	shr ebx, 24
	mov edi, apbuf
	mov esi, msg_ap_up
	call strcpy
	mov eax, ebx
	call utoa
	mov esi, apbuf
	call print_str
	cmp byte [ap_realmsr], 0
	je .ap_beats
	mov esi, msg_ap_gp
	cmp byte [AP_TRAMPOLINE + ap_gp_seen - ap_tramp], 0
	jne .ap_gp_say
	mov esi, msg_ap_no_gp
.ap_gp_say:
	call print_str
.ap_beats:
	mov ebx, 1
.ap_beat:
	mov ecx, DELAY
.ap_delay:
	pause
	cmp dword [together_flag], 0
	jne .ap_escape
	dec ecx
	jnz .ap_delay
	mov edi, apbuf
	mov esi, msg_ap_beat
	call strcpy
	mov eax, ebx
	call utoa
	mov esi, apbuf
	call print_str
	inc ebx
	cmp ebx, 50
	jbe .ap_beat
.ap_halt:
	cli
	hlt
	jmp .ap_halt
.ap_escape:
	mov dword [OUTSIDE + 0x1000], 0xdeadbeef
	mov esi, msg_escaped
	call print_str              ; never reached under Bulkhead
	jmp .ap_halt

fill_pattern:
	mov edi, PATTERN_BASE
	mov ecx, PATTERN_DWORDS
	mov edx, [pattern_key]
.fill:
	mov eax, edi
	xor eax, edx
	stosd
	loop .fill
	ret

; "pattern 0x<key> ok" or "pattern 0x<key> BAD"
check_pattern:
	pushad
	mov esi, PATTERN_BASE
	mov ecx, PATTERN_DWORDS
	mov edx, [pattern_key]
.check:
	mov eax, esi
	xor eax, edx
	cmp eax, [esi]
	jne .bad
	add esi, 4
	loop .check
	mov ebx, msg_ok
	jmp .say
.bad:
	mov ebx, msg_bad
.say:
	mov edi, buf
	mov esi, msg_pattern
	call strcpy
	mov eax, [pattern_key]
	call utox
	mov esi, ebx
	call strcpy
	call print_buf
	popad
	ret

; "ram clean" when the pattern's 256 KiB are all zero, as a fresh start must find them
check_clean:
	pushad
	mov esi, PATTERN_BASE
	mov ecx, PATTERN_DWORDS
.word:
	cmp dword [esi], 0
	jne .dirty
	add esi, 4
	loop .word
	mov esi, msg_clean
	jmp .say
.dirty:
	mov esi, msg_dirty
.say:
	call print_str
	popad
	ret

; append EAX as 8 hex digits at EDI (EDI left at the NUL)
utox:
	mov ecx, 8
.digit:
	rol eax, 4
	mov edx, eax
	and edx, 0xf
	mov dl, [hex_digits + edx]
	mov [edi], dl
	inc edi
	loop .digit
	mov byte [edi], 0
	ret

; copy NUL-terminated ESI to EDI (EDI left at the NUL)
strcpy:
	lodsb
	test al, al
	jz .end
	stosb
	jmp strcpy
.end:
	mov byte [edi], 0
	ret

; append EAX in decimal at EDI
utoa:
	push ebx
	mov ebx, 10
	xor ecx, ecx
.div:
	xor edx, edx
	div ebx
	push edx
	inc ecx
	test eax, eax
	jnz .div
.out:
	pop eax
	add al, '0'
	stosb
	loop .out
	mov byte [edi], 0
	pop ebx
	ret

print_buf:
	mov esi, buf
; print NUL-terminated ESI through the print hypercall (EAX=1, EBX=text, ECX=length)
print_str:
	push ebx
	mov edi, esi
	xor ecx, ecx
.len:
	cmp byte [edi + ecx], 0
	je .call
	inc ecx
	jmp .len
.call:
	mov eax, 1
	mov ebx, esi
	vmcall
	pop ebx
	ret

msg_hello:       db "hello, apic id ", 0
msg_hv:          db "cpuid names Bulkhead", 0
msg_beat:        db "beat ", 0
msg_done:        db "done", 0
msg_io_denied:   db "ungranted port reads all-ones, reset write dropped", 0
msg_io_leak:     db "UNGRANTED PORT READ THROUGH", 0
msg_escape:      db "writing outside my RAM at tsc 0x", 0
msg_escaped:     db "ESCAPED: wrote outside my RAM", 0
msg_pattern:     db "pattern 0x", 0
msg_ok:          db " ok", 0
msg_bad:         db " BAD", 0
msg_clean:       db "ram clean", 0
msg_dirty:       db "ram NOT clean: left from an earlier run", 0
hex_digits:      db "0123456789abcdef"
pattern_key:     dd 0
word_escape:     db "escape"
word_probe:      db "probe"
word_badipi:     db "badipi"
word_badnmi:     db "badnmi"
word_together:   db "together"
msg_together:    db "both cpus writing outside my RAM", 0
together_flag:   dd 0
msg_badnmi:      db "sending NMI to a cpu that is not mine", 0
msg_badipi:      db "sending INIT to a cpu that is not mine", 0
msg_badipi_sent: db "FORBIDDEN IPI WENT THROUGH", 0
msg_ap_started:  db "started second cpu", 0
msg_ap_missing:  db "second cpu did not start", 0
msg_ap_up:       db "second cpu up, apic id ", 0
msg_ap_beat:     db "ap beat ", 0
msg_ap_gp:       db "second cpu: real-mode rdmsr caught #GP", 0
msg_ap_no_gp:    db "second cpu: real-mode rdmsr NOT refused", 0
word_realmsr:    db "realmsr"
ap_flag:         dd 0
apbuf:           times 64 db 0
word_triple:     db "triple"
word_spin:       db "spin"
msg_spin:        db "spinning with interrupts off", 0
msg_triple:      db "triple faulting", 0
msg_caught:      db "caught exception ", 0
msg_no_fault:    db "no fault", 0
msg_p_rdmsr:     db "probe: rdmsr IA32_FEATURE_CONTROL", 0
msg_p_wrmsr:     db "probe: wrmsr IA32_APIC_BASE", 0
msg_p_cr4:       db "probe: set CR4.VMXE", 0
msg_p_vmxon:     db "probe: vmxon", 0
msg_p_invd:      db "probe: invd", 0
msg_p_cpuid:     db "probe: cpuid hides vmx", 0
msg_p_hc:        db "probe: unknown hypercall returns -1", 0
msg_p_ports:     db "probe: ports 0x2f7 0x2f8 0x2ff 0x300 0xfffc read", 0
align 8
gdt:             dq 0, 0x00cf9a000000ffff, 0x00cf92000000ffff
gdt_ptr:         dw 23
                 dd gdt
idt_ptr:         dw 32 * 8 - 1
                 dd idt
null_idt:        dw 0
                 dd 0
resume:          dd 0
probe_esp:       dd 0
vmxon_ptr:       dq 0x1000
idt:             times 32 * 8 db 0
buf:             times 64 db 0
