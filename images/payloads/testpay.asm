; Test payload for the partition tests: a flat image Bulkhead loads at guest-physical 1 MiB
; and enters in 32-bit protected mode (flat segments, paging off) with EAX = "BULK" and
; EBX = the guest-physical address of struct payload_info (core/partition.h).
;
; It prints its APIC ID, checks that an ungranted port reads all-ones and that a write to the
; reset register 0xcf9 does nothing, writes a pattern over 256 KiB of its RAM and reads it back, then
; beats five times and checks the pattern again. Command-line word "escape" makes it write
; outside its RAM first (the hypervisor must stop it there).

bits 32
org 0x100000

INFO_CMDLINE equ 112            ; offset of cmdline in struct payload_info
PATTERN_BASE equ 0x180000
PATTERN_DWORDS equ 0x10000      ; 256 KiB
OUTSIDE equ 0x200000            ; first byte past a 2 MiB partition's RAM
BEATS equ 5
DELAY equ 1500000

start:
	mov esp, 0x100000
	mov ebp, ebx                ; struct payload_info

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

	call fill_pattern
	call check_pattern

	; "escape": write outside the partition's RAM
	lea esi, [ebp + INFO_CMDLINE]
	mov edi, word_escape
	mov ecx, 6
	repe cmpsb
	jne .beats
	mov esi, msg_escape
	call print_str
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

fill_pattern:
	mov edi, PATTERN_BASE
	mov ecx, PATTERN_DWORDS
.fill:
	mov eax, edi
	xor eax, 0xa5a5a5a5
	stosd
	loop .fill
	ret

check_pattern:
	mov esi, PATTERN_BASE
	mov ecx, PATTERN_DWORDS
.check:
	mov eax, esi
	xor eax, 0xa5a5a5a5
	cmp eax, [esi]
	jne .bad
	add esi, 4
	loop .check
	mov esi, msg_pattern_ok
	jmp print_str
.bad:
	mov esi, msg_pattern_bad
	jmp print_str

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
msg_escape:      db "writing outside my RAM", 0
msg_escaped:     db "ESCAPED: wrote outside my RAM", 0
msg_pattern_ok:  db "pattern ok", 0
msg_pattern_bad: db "pattern BAD", 0
word_escape:     db "escape"
buf:             times 64 db 0
