/*
 * The instruction behind an MMIO exit. An EPT violation gives the guest-physical address and
 * whether the guest read or wrote (SDM Vol. 3C §28.2.1, table 28-7), not how many bytes nor
 * from or into which register: those come from decoding the instruction at the guest's RIP
 * (SDM Vol. 2A ch. 2, Vol. 2B MOV, MOVZX). Pure: the caller fetches the bytes (see
 * guest_paging.h) and applies the result to the guest's registers with the two helpers.
 *
 * Decoded: the forms compilers emit for a device register access (Linux's readl/writel and
 * friends):
 *   88 /r   MOV r/m8, r8          8A /r   MOV r8, r/m8
 *   89 /r   MOV r/m16/32/64, r    8B /r   MOV r16/32/64, r/m
 *   C6 /0   MOV r/m8, imm8        C7 /0   MOV r/m16/32/64, imm16/32 (sign-extended to 64)
 *   0F B6   MOVZX r, r/m8         0F B7   MOVZX r, r/m16
 * with the prefixes 66 (operand size), 67 (address size), segment overrides (26 2E 36 3E 64
 * 65: the address is already known, so the segment does not matter) and, in 64-bit mode, REX
 * (W: 64-bit operand, over 66; R: the register's bit 3; X and B only reach the address). A REX
 * counts only directly before the opcode (Vol. 2A §2.2.1): one followed by another prefix is
 * ignored, as the CPU ignores it. In 64-bit mode 67 selects 32-bit addressing, which has the
 * same ModRM, SIB and displacement layout; mod = 00, r/m = 101 is RIP-relative (disp32).
 *
 * Refused (a negative MMIO_E_*): a code segment with a 16-bit default (MMIO_MODE16), 16-bit
 * addressing (67 outside 64-bit mode), LOCK (F0), REP/REPNE (F2, F3), a ModRM with mod = 3
 * (no memory operand), every other opcode (MOV with moffs, string instructions, read-modify-
 * write arithmetic...), more than 15 bytes (a #GP on the CPU), and bytes that end before the
 * instruction does. No byte at or past `count` is read.
 */
#ifndef BULKHEAD_ARCH_X86_MMIO_DECODE_H
#define BULKHEAD_ARCH_X86_MMIO_DECODE_H

#include "bulkhead/types.h"

#define MMIO_INSN_MAX 15 /* the longest x86 instruction (Vol. 2A §2.3.11) */

/* The code segment's default size: CS.L in IA-32e mode, else CS.D (Vol. 3A §3.4.5). */
enum mmio_mode {
	MMIO_MODE16 = 16,
	MMIO_MODE32 = 32,
	MMIO_MODE64 = 64,
};

enum {
	MMIO_E_TRUNCATED = -1,	/* the bytes given end inside the instruction */
	MMIO_E_TOO_LONG = -2,	/* longer than MMIO_INSN_MAX */
	MMIO_E_MODE = -3,	/* 16-bit code segment */
	MMIO_E_ADDR16 = -4,	/* 16-bit addressing */
	MMIO_E_LOCK = -5,	/* F0 prefix */
	MMIO_E_REP = -6,	/* F2 or F3 prefix */
	MMIO_E_OPCODE = -7,	/* not one of the forms above */
	MMIO_E_NOT_MEMORY = -8, /* ModRM mod = 3: both operands are registers */
};

/* Registers in encoding order (Vol. 2A §2.1.5 table 2-2, REX.R as bit 3). RSP is in the
 * VMCS, the others in the caller's save area. */
enum {
	MMIO_RAX,
	MMIO_RCX,
	MMIO_RDX,
	MMIO_RBX,
	MMIO_RSP,
	MMIO_RBP,
	MMIO_RSI,
	MMIO_RDI,
	MMIO_R8,
	MMIO_R9,
	MMIO_R10,
	MMIO_R11,
	MMIO_R12,
	MMIO_R13,
	MMIO_R14,
	MMIO_R15,
};

struct mmio_insn {
	u8 len;		/* bytes, prefixes to immediate: RIP advances by this */
	u8 size;	/* bytes accessed at the address: 1, 2, 4 or 8 */
	bool store;	/* the instruction writes memory (else it reads it) */
	bool has_reg;	/* a register operand: every load, a store of a register */
	u8 reg;		/* that register, MMIO_RAX..MMIO_R15 */
	bool high_byte; /* 8-bit AH, CH, DH or BH (no REX; reg is then RAX..RBX): bits 15:8 */
	u8 reg_size;	/* a load: the destination's width, size or MOVZX's wider one */
	u64 imm;	/* a store without register: the value, `size` bytes */
};

/* Decode the instruction in `bytes[0..count)` (count may exceed MMIO_INSN_MAX: the rest is
 * not read) for a code segment of `mode`: 0 and *insn filled, or a negative MMIO_E_*. On
 * success insn->len <= count and <= MMIO_INSN_MAX. */
int mmio_decode(const u8 *bytes, u32 count, enum mmio_mode mode, struct mmio_insn *insn);

/* A store: the `size` bytes it writes, given the register's 64-bit content (bits 15:8 of it
 * for a high-byte register), or its immediate. */
u64 mmio_store_value(const struct mmio_insn *insn, u64 reg);

/* A load: the register's new 64-bit content from its old one and the `size` bytes read
 * (Vol. 1 §3.4.1.1): a 32- or 64-bit destination is written whole (upper half zeroed for
 * 32 bits), an 8- or 16-bit one only in its own bits (AH..BH in bits 15:8), the others
 * kept; MOVZX zero-extends the value to the destination's width first. */
u64 mmio_load_result(const struct mmio_insn *insn, u64 old, u64 value);

/* A name for an MMIO_E_* code, for the log ("16-bit addressing"). */
const char *mmio_decode_error(int err);

#endif
