/* Decoding the MOV and MOVZX forms of an MMIO access (see mmio_decode.h). */
#include "arch/x86/mmio_decode.h"

/* Legacy prefixes (SDM Vol. 2A §2.1.1) and REX (§2.2.1). */
#define PFX_OPSIZE   0x66
#define PFX_ADDRSIZE 0x67
#define PFX_LOCK     0xf0
#define PFX_REPNE    0xf2
#define PFX_REP	     0xf3
#define REX_MASK     0xf0
#define REX_BASE     0x40
#define REX_W	     0x08
#define REX_R	     0x04

/* The opcodes (Vol. 2B MOV, MOVZX). */
#define OP_MOV_STORE8  0x88
#define OP_MOV_STORE   0x89
#define OP_MOV_LOAD8   0x8a
#define OP_MOV_LOAD    0x8b
#define OP_MOV_IMM8    0xc6
#define OP_MOV_IMM     0xc7
#define OP_ESCAPE      0x0f
#define OP2_MOVZX_BYTE 0xb6
#define OP2_MOVZX_WORD 0xb7

/* ModRM and SIB (§2.1.5, tables 2-2 and 2-3). */
#define MODRM_MOD(m)	((m) >> 6)
#define MODRM_REG(m)	(((m) >> 3) & 7)
#define MODRM_RM(m)	((m)&7)
#define MOD_DISP0	0
#define MOD_DISP8	1
#define MOD_REGISTER	3
#define RM_SIB		4 /* r/m = 100: a SIB byte follows, even with REX.B (table 2-5) */
#define RM_DISP32	5 /* mod = 00, r/m = 101: disp32 (RIP-relative in 64-bit mode) */
#define SIB_BASE_NONE	5 /* mod = 00, base = 101: no base, disp32 */
#define REG8_HIGH_FIRST 4 /* without REX, r8 4-7 are AH, CH, DH, BH */

/* The bytes being decoded: never one at or past `count`, nor past the 15th. */
struct cursor {
	const u8 *bytes;
	u32 count;
	u32 at;
};

struct prefixes {
	bool opsize, addrsize;
	u8 rex; /* 0: none (a REX byte is never 0) */
};

static int next_byte(struct cursor *c, u8 *b)
{
	if (c->at >= MMIO_INSN_MAX)
		return MMIO_E_TOO_LONG;
	if (c->at >= c->count)
		return MMIO_E_TRUNCATED;
	*b = c->bytes[c->at++];
	return 0;
}

/* Little-endian immediate or displacement of `n` bytes. */
static int next_le(struct cursor *c, u32 n, u64 *v)
{
	*v = 0;
	for (u32 i = 0; i < n; i++) {
		u8 b;
		int err = next_byte(c, &b);

		if (err)
			return err;
		*v |= (u64)b << (8 * i);
	}
	return 0;
}

static bool is_segment_override(u8 b)
{
	return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65;
}

/* The prefixes, in any order and number; returns the opcode's first byte in *op. A REX
 * followed by anything but the opcode is dropped (§2.2.1: "other placements are ignored");
 * outside 64-bit mode 40-4F are INC and DEC, opcodes refused below. */
static int read_prefixes(struct cursor *c, enum mmio_mode mode, struct prefixes *p, u8 *op)
{
	for (;;) {
		int err = next_byte(c, op);

		if (err)
			return err;
		if (*op == PFX_LOCK)
			return MMIO_E_LOCK;
		if (*op == PFX_REPNE || *op == PFX_REP)
			return MMIO_E_REP;
		if (mode == MMIO_MODE64 && (*op & REX_MASK) == REX_BASE) {
			p->rex = *op;
			continue;
		}
		if (*op == PFX_OPSIZE)
			p->opsize = true;
		else if (*op == PFX_ADDRSIZE)
			p->addrsize = true;
		else if (!is_segment_override(*op))
			return 0;
		p->rex = 0;
	}
}

/* What the opcode says: direction, sizes, and how many immediate bytes follow. */
struct form {
	bool store, reg8, has_reg, needs_reg0;
	u8 size, reg_size, imm_len;
};

static int opcode_form(struct cursor *c, u8 op, const struct prefixes *p, struct form *f)
{
	u8 opsize = (p->rex & REX_W) ? 8 : p->opsize ? 2 : 4; /* REX.W wins over 66 */
	u8 op2;
	int err;

	*f = (struct form){.has_reg = true, .size = opsize, .reg_size = opsize};
	switch (op) {
	case OP_MOV_STORE8:
	case OP_MOV_LOAD8:
		f->reg8 = true;
		f->size = f->reg_size = 1;
		f->store = op == OP_MOV_STORE8;
		return 0;
	case OP_MOV_STORE:
	case OP_MOV_LOAD:
		f->store = op == OP_MOV_STORE;
		return 0;
	case OP_MOV_IMM8:
	case OP_MOV_IMM:
		if (op == OP_MOV_IMM8)
			f->size = 1;
		f->store = true;
		f->has_reg = false;
		f->needs_reg0 = true;
		f->imm_len = f->size == 8 ? 4 : f->size; /* imm32 for a 64-bit store */
		return 0;
	case OP_ESCAPE:
		err = next_byte(c, &op2);
		if (err)
			return err;
		if (op2 != OP2_MOVZX_BYTE && op2 != OP2_MOVZX_WORD)
			return MMIO_E_OPCODE;
		f->size = op2 == OP2_MOVZX_BYTE ? 1 : 2;
		return 0;
	default:
		return MMIO_E_OPCODE;
	}
}

/* Step over the SIB byte and displacement that follow ModRM (32- and 64-bit addressing,
 * Vol. 2A tables 2-2 and 2-3): the address itself comes from the exit. */
static int skip_address(struct cursor *c, u8 modrm)
{
	u32 mod = MODRM_MOD(modrm), disp = mod == MOD_DISP8 ? 1 : mod == MOD_DISP0 ? 0 : 4;
	u64 ignored;

	if (MODRM_RM(modrm) == RM_SIB) {
		u8 sib;
		int err = next_byte(c, &sib);

		if (err)
			return err;
		if (mod == MOD_DISP0 && MODRM_RM(sib) == SIB_BASE_NONE)
			disp = 4;
	} else if (mod == MOD_DISP0 && MODRM_RM(modrm) == RM_DISP32) {
		disp = 4;
	}
	return next_le(c, disp, &ignored);
}

/* The register operand from ModRM.reg and REX.R; an 8-bit one without REX is AH..BH for
 * 4-7, with any REX SPL..DIL (Vol. 2A §3.7.2.1 / table 3-1). */
static void set_register(struct mmio_insn *insn, u8 modrm, const struct prefixes *p, bool reg8)
{
	insn->reg = (u8)(MODRM_REG(modrm) | ((p->rex & REX_R) ? 8 : 0));
	if (reg8 && !p->rex && insn->reg >= REG8_HIGH_FIRST) {
		insn->high_byte = true;
		insn->reg -= REG8_HIGH_FIRST;
	}
}

/* From ModRM to the end: the memory operand, the register or the immediate. */
static int decode_operands(struct cursor *c, enum mmio_mode mode, const struct prefixes *p,
			   const struct form *f, struct mmio_insn *insn)
{
	u8 modrm;
	u64 imm;
	int err = next_byte(c, &modrm);

	if (err)
		return err;
	if (f->needs_reg0 && MODRM_REG(modrm) != 0)
		return MMIO_E_OPCODE; /* C6/C7 with reg != 0: XABORT, XBEGIN or reserved */
	if (MODRM_MOD(modrm) == MOD_REGISTER)
		return MMIO_E_NOT_MEMORY;
	if (p->addrsize && mode != MMIO_MODE64)
		return MMIO_E_ADDR16;
	err = skip_address(c, modrm);
	if (err)
		return err;
	if (f->has_reg) {
		set_register(insn, modrm, p, f->reg8);
		return 0;
	}
	err = next_le(c, f->imm_len, &imm);
	if (err)
		return err;
	/* imm32 is sign-extended to a 64-bit store (Vol. 2B MOV: "C7 /0 id" with REX.W). */
	if (f->imm_len == 4 && (imm & 0x80000000u) && f->size == 8)
		imm |= 0xffffffff00000000ULL;
	insn->imm = imm;
	return 0;
}

int mmio_decode(const u8 *bytes, u32 count, enum mmio_mode mode, struct mmio_insn *insn)
{
	struct cursor c = {bytes, count, 0};
	struct prefixes p = {false, false, 0};
	struct form f;
	u8 op;
	int err;

	if (mode != MMIO_MODE32 && mode != MMIO_MODE64)
		return MMIO_E_MODE;
	err = read_prefixes(&c, mode, &p, &op);
	if (!err)
		err = opcode_form(&c, op, &p, &f);
	if (err)
		return err;
	*insn = (struct mmio_insn){
	    .store = f.store, .has_reg = f.has_reg, .size = f.size, .reg_size = f.reg_size};
	err = decode_operands(&c, mode, &p, &f, insn);
	if (err)
		return err;
	insn->len = (u8)c.at;
	return 0;
}

static u64 size_mask(u32 size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

u64 mmio_store_value(const struct mmio_insn *insn, u64 reg)
{
	u64 v = !insn->has_reg ? insn->imm : insn->high_byte ? reg >> 8 : reg;

	return v & size_mask(insn->size);
}

u64 mmio_load_result(const struct mmio_insn *insn, u64 old, u64 value)
{
	value &= size_mask(insn->size); /* MOVZX: the upper bits of the destination are 0 */
	if (insn->high_byte)
		return (old & ~0xff00ULL) | value << 8;
	if (insn->reg_size >= 4)
		return value; /* a 32-bit destination zeroes bits 63:32 (Vol. 1 §3.4.1.1) */
	return (old & ~size_mask(insn->reg_size)) | value;
}

const char *mmio_decode_error(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case MMIO_E_TRUNCATED:
		return "instruction cut short";
	case MMIO_E_TOO_LONG:
		return "instruction longer than 15 bytes";
	case MMIO_E_MODE:
		return "16-bit code segment";
	case MMIO_E_ADDR16:
		return "16-bit addressing";
	case MMIO_E_LOCK:
		return "LOCK prefix";
	case MMIO_E_REP:
		return "REP prefix";
	case MMIO_E_OPCODE:
		return "not a MOV or MOVZX of memory";
	case MMIO_E_NOT_MEMORY:
		return "no memory operand";
	default:
		return "unknown error";
	}
}
