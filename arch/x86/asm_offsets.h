/* The offsets into C structures that assembly code relies on (internal to arch/x86), as C
 * constants: TRAMPOLINE_PARAMS, GUEST_REGS_RAX, ... They are defined in asm_offsets.inc, which
 * NASM reads too, and each is checked here against the structure it names: a field that moves
 * on either side fails the build, rather than a guest's or a trap's registers landing in the
 * wrong place. (Jailhouse generates the assembly's constants from C instead,
 * hypervisor/arch/x86/asm-defines.c; here NASM and C read the same file.) */
#ifndef BULKHEAD_ARCH_X86_ASM_OFFSETS_H
#define BULKHEAD_ARCH_X86_ASM_OFFSETS_H

#include <stddef.h>

#include "arch/x86/smp.h"
#include "arch/x86/trap.h"
#include "arch/x86/vcpu.h"

#define ASM_OFFSET(name, type, field, value)                                                       \
	enum { name = (value) };                                                                   \
	_Static_assert(offsetof(struct type, field) == name,                                       \
		       #name ": offsetof(struct " #type ", " #field ") differs");
#define ASM_SIZE(name, type, value)                                                                \
	enum { name = (value) };                                                                   \
	_Static_assert(sizeof(struct type) == name, #name ": sizeof(struct " #type ") differs");
#define ASM_CONST(name, value) enum { name = (value) };
#include "arch/x86/asm_offsets.inc"
#undef ASM_OFFSET
#undef ASM_SIZE
#undef ASM_CONST

#endif
