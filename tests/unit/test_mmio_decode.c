/* Unit tests for arch/x86/mmio_decode.c: the MOV and MOVZX forms of an MMIO access, what is
 * refused, and the register a load writes. Each instruction is decoded from a heap copy of
 * exactly its bytes, so ASan reports a read past them. */
#include <stdlib.h>
#include <string.h>

#include "arch/x86/mmio_decode.h"
#include "tests/unit/check.h"

static struct mmio_insn insn;

/* Decode `n` bytes from a heap block of exactly `n`; also each prefix of them, which must be
 * refused as cut short (when the whole decodes). */
static int decode(const u8 *bytes, u32 n, enum mmio_mode mode)
{
	u8 *copy = malloc(n ? n : 1);
	int err;

	memcpy(copy, bytes, n);
	err = mmio_decode(copy, n, mode, &insn);
	free(copy);
	if (err)
		return err;
	for (u32 cut = 0; cut < insn.len; cut++) {
		struct mmio_insn scratch;
		u8 *part = malloc(cut ? cut : 1);

		memcpy(part, bytes, cut);
		CHECK_EQ(mmio_decode(part, cut, mode, &scratch), MMIO_E_TRUNCATED);
		free(part);
	}
	return mmio_decode(bytes, n, mode, &insn); /* insn as the whole gave it */
}

#define BYTES(...) ((const u8[]){__VA_ARGS__}), sizeof((const u8[]){__VA_ARGS__})
#define DEC64(...) decode(BYTES(__VA_ARGS__), MMIO_MODE64)
#define DEC32(...) decode(BYTES(__VA_ARGS__), MMIO_MODE32)

static void check_load(u32 len, u32 size, u32 reg, u32 reg_size)
{
	CHECK(!insn.store);
	CHECK(insn.has_reg);
	CHECK(!insn.high_byte);
	CHECK_EQ(insn.len, len);
	CHECK_EQ(insn.size, size);
	CHECK_EQ(insn.reg, reg);
	CHECK_EQ(insn.reg_size, reg_size);
}

static void check_store_reg(u32 len, u32 size, u32 reg)
{
	CHECK(insn.store);
	CHECK(insn.has_reg);
	CHECK(!insn.high_byte);
	CHECK_EQ(insn.len, len);
	CHECK_EQ(insn.size, size);
	CHECK_EQ(insn.reg, reg);
}

static void check_store_imm(u32 len, u32 size, u64 imm)
{
	CHECK(insn.store);
	CHECK(!insn.has_reg);
	CHECK_EQ(insn.len, len);
	CHECK_EQ(insn.size, size);
	CHECK_EQ(insn.imm, imm);
}

/* What Linux's readl/writel and friends compile to. */
static void test_linux_forms(void)
{
	CHECK_EQ(DEC64(0x8b, 0x02), 0); /* mov (%rdx),%eax */
	check_load(2, 4, MMIO_RAX, 4);
	CHECK_EQ(DEC64(0x89, 0x02), 0); /* mov %eax,(%rdx) */
	check_store_reg(2, 4, MMIO_RAX);
	CHECK_EQ(DEC64(0x89, 0x10), 0); /* mov %edx,(%rax) */
	check_store_reg(2, 4, MMIO_RDX);
	CHECK_EQ(DEC64(0x41, 0x89, 0x10), 0); /* mov %edx,(%r8): REX.B is the address's */
	check_store_reg(3, 4, MMIO_RDX);
	CHECK_EQ(DEC64(0x44, 0x89, 0x10), 0); /* mov %r10d,(%rax) */
	check_store_reg(3, 4, MMIO_R10);
	CHECK_EQ(DEC64(0x45, 0x89, 0x10), 0); /* mov %r10d,(%r8) */
	check_store_reg(3, 4, MMIO_R10);
	CHECK_EQ(DEC64(0x8b, 0x44, 0x24, 0x08), 0); /* mov 0x8(%rsp),%eax: SIB, disp8 */
	check_load(4, 4, MMIO_RAX, 4);
	CHECK_EQ(DEC64(0x48, 0x8b, 0x00), 0); /* mov (%rax),%rax */
	check_load(3, 8, MMIO_RAX, 8);
	CHECK_EQ(DEC64(0xc7, 0x00, 0x78, 0x56, 0x34, 0x12), 0); /* movl $0x12345678,(%rax) */
	check_store_imm(6, 4, 0x12345678);
	CHECK_EQ(DEC64(0x8b, 0x05, 0x10, 0x20, 0x30, 0x40), 0); /* mov 0x40302010(%rip),%eax */
	check_load(6, 4, MMIO_RAX, 4);
	CHECK_EQ(DEC64(0x66, 0x89, 0x02), 0); /* mov %ax,(%rdx) */
	check_store_reg(3, 2, MMIO_RAX);
	CHECK_EQ(DEC64(0x88, 0x0a), 0); /* mov %cl,(%rdx) */
	check_store_reg(2, 1, MMIO_RCX);
	CHECK_EQ(DEC64(0x0f, 0xb6, 0x02), 0); /* movzbl (%rdx),%eax */
	check_load(3, 1, MMIO_RAX, 4);
	CHECK_EQ(DEC64(0x44, 0x0f, 0xb7, 0x08), 0); /* movzwl (%rax),%r9d */
	check_load(4, 2, MMIO_R9, 4);
	CHECK_EQ(DEC64(0x48, 0x89, 0x3e), 0); /* mov %rdi,(%rsi) */
	check_store_reg(3, 8, MMIO_RDI);
}

/* ModRM, SIB and displacement forms: only the length shows them. */
static void test_address_forms(void)
{
	CHECK_EQ(DEC64(0x8b, 0x40, 0x08), 0); /* mov 0x8(%rax),%eax */
	CHECK_EQ(insn.len, 3);
	CHECK_EQ(DEC64(0x8b, 0x80, 1, 2, 3, 4), 0); /* mov 0x04030201(%rax),%eax */
	CHECK_EQ(insn.len, 6);
	CHECK_EQ(DEC64(0x8b, 0x84, 0x91, 0, 1, 0, 0), 0); /* mov 0x100(%rcx,%rdx,4),%eax */
	CHECK_EQ(insn.len, 7);
	CHECK_EQ(DEC64(0x8b, 0x04, 0x25, 0, 0, 0xc0, 0xfe), 0); /* mov 0xfec00000,%eax: no base */
	CHECK_EQ(insn.len, 7);
	CHECK_EQ(DEC64(0x41, 0x8b, 0x04, 0x24), 0); /* mov (%r12),%eax: SIB despite REX.B */
	CHECK_EQ(insn.len, 4);
	CHECK_EQ(DEC64(0x41, 0x8b, 0x45, 0x00), 0); /* mov 0x0(%r13),%eax */
	CHECK_EQ(insn.len, 4);
	CHECK_EQ(DEC64(0x41, 0x8b, 0x05, 1, 2, 3, 4), 0); /* RIP-relative despite REX.B */
	CHECK_EQ(insn.len, 7);
	CHECK_EQ(DEC64(0x43, 0x8b, 0x04, 0x2c), 0); /* mov (%r12,%r13,1),%eax: REX.X */
	check_load(4, 4, MMIO_RAX, 4);
	CHECK_EQ(DEC64(0x67, 0x8b, 0x02), 0); /* mov (%edx),%eax: 32-bit addressing */
	check_load(3, 4, MMIO_RAX, 4);
	CHECK_EQ(DEC64(0x67, 0x8b, 0x05, 1, 2, 3, 4), 0); /* mov 0x4030201(%eip),%eax */
	CHECK_EQ(insn.len, 7);
	CHECK_EQ(DEC64(0x65, 0x8b, 0x04, 0x25, 0, 0, 0, 0), 0); /* mov %gs:0x0,%eax */
	check_load(8, 4, MMIO_RAX, 4);
	CHECK_EQ(DEC64(0x2e, 0x3e, 0x26, 0x36, 0x64, 0x89, 0x02), 0); /* every other segment */
	check_store_reg(7, 4, MMIO_RAX);
}

/* Operand sizes, REX.W over 66, REX only directly before the opcode. */
static void test_operand_sizes(void)
{
	CHECK_EQ(DEC64(0x66, 0x48, 0x8b, 0x02), 0); /* REX.W wins: 8 bytes */
	check_load(4, 8, MMIO_RAX, 8);
	CHECK_EQ(DEC64(0x48, 0x66, 0x8b, 0x02), 0); /* REX not before the opcode: ignored */
	check_load(4, 2, MMIO_RAX, 2);
	CHECK_EQ(DEC64(0x4c, 0x41, 0x8b, 0x02), 0); /* only the last REX counts: no W, no R */
	check_load(4, 4, MMIO_RAX, 4);
	CHECK_EQ(DEC64(0x4c, 0x8b, 0x3a), 0); /* mov (%rdx),%r15 */
	check_load(3, 8, MMIO_R15, 8);
	CHECK_EQ(DEC64(0x48, 0x0f, 0xb6, 0x02), 0); /* movzbq (%rdx),%rax */
	check_load(4, 1, MMIO_RAX, 8);
	CHECK_EQ(DEC64(0x66, 0x0f, 0xb6, 0x02), 0); /* movzbw (%rdx),%ax */
	check_load(4, 1, MMIO_RAX, 2);
	CHECK_EQ(DEC64(0x66, 0xc7, 0x00, 0x34, 0x12), 0); /* movw $0x1234,(%rax) */
	check_store_imm(5, 2, 0x1234);
	CHECK_EQ(DEC64(0xc6, 0x00, 0xab), 0); /* movb $0xab,(%rax) */
	check_store_imm(3, 1, 0xab);
	CHECK_EQ(DEC64(0x48, 0xc7, 0x00, 0, 0, 0, 0x80), 0); /* movq $-0x80000000,(%rax) */
	check_store_imm(7, 8, 0xffffffff80000000ULL);
	CHECK_EQ(DEC64(0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0x7f), 0); /* not sign-extended */
	check_store_imm(7, 8, 0x7fffffff);
	CHECK_EQ(DEC64(0xc7, 0x00, 0, 0, 0, 0x80), 0); /* 32-bit: nothing to extend */
	check_store_imm(6, 4, 0x80000000);
}

/* 8-bit registers: without REX 4-7 are AH, CH, DH, BH; with any REX, SPL..DIL. */
static void test_byte_registers(void)
{
	CHECK_EQ(DEC64(0x88, 0x22), 0); /* mov %ah,(%rdx) */
	CHECK(insn.high_byte);
	CHECK_EQ(insn.reg, MMIO_RAX);
	CHECK_EQ(DEC64(0x8a, 0x3a), 0); /* mov (%rdx),%bh */
	CHECK(insn.high_byte);
	CHECK_EQ(insn.reg, MMIO_RBX);
	CHECK_EQ(DEC64(0x40, 0x88, 0x22), 0); /* mov %spl,(%rdx) */
	CHECK(!insn.high_byte);
	CHECK_EQ(insn.reg, MMIO_RSP);
	CHECK_EQ(DEC64(0x44, 0x8a, 0x3a), 0); /* mov (%rdx),%r15b */
	CHECK(!insn.high_byte);
	CHECK_EQ(insn.reg, MMIO_R15);
	CHECK_EQ(DEC32(0x88, 0x2a), 0); /* mov %ch,(%edx) */
	CHECK(insn.high_byte);
	CHECK_EQ(insn.reg, MMIO_RCX);
	CHECK_EQ(DEC64(0x0f, 0xb6, 0x22), 0); /* movzbl (%rdx),%esp: a destination is never AH */
	CHECK(!insn.high_byte);
	CHECK_EQ(insn.reg, MMIO_RSP);
}

/* 32-bit protected mode (CS.D = 1): no REX, absolute disp32. */
static void test_mode32(void)
{
	CHECK_EQ(DEC32(0x8b, 0x02), 0);
	check_load(2, 4, MMIO_RAX, 4);
	CHECK_EQ(DEC32(0x8b, 0x05, 0, 0, 0xc0, 0xfe), 0); /* mov 0xfec00000,%eax */
	check_load(6, 4, MMIO_RAX, 4);
	CHECK_EQ(DEC32(0x66, 0x89, 0x02), 0);
	check_store_reg(3, 2, MMIO_RAX);
	CHECK_EQ(DEC32(0xc7, 0x00, 1, 0, 0, 0), 0);
	check_store_imm(6, 4, 1);
	CHECK_EQ(DEC32(0x48, 0x8b, 0x02), MMIO_E_OPCODE); /* dec %eax */
	CHECK_EQ(DEC32(0x67, 0x8b, 0x07), MMIO_E_ADDR16); /* mov (%bx),%eax */
	CHECK_EQ(DEC64(0x8b, 0x02), 0);
	CHECK_EQ(decode(BYTES(0x8b, 0x02), MMIO_MODE16), MMIO_E_MODE);
}

static void test_refused(void)
{
	CHECK_EQ(DEC64(0xf0, 0x89, 0x02), MMIO_E_LOCK);
	CHECK_EQ(DEC64(0xf3, 0x89, 0x02), MMIO_E_REP);
	CHECK_EQ(DEC64(0xf2, 0x89, 0x02), MMIO_E_REP);
	CHECK_EQ(DEC64(0xf3, 0xa5), MMIO_E_REP);	      /* rep movsl */
	CHECK_EQ(DEC64(0x89, 0xc2), MMIO_E_NOT_MEMORY);	      /* mov %eax,%edx */
	CHECK_EQ(DEC64(0x8b, 0xc2), MMIO_E_NOT_MEMORY);	      /* mov %edx,%eax */
	CHECK_EQ(DEC64(0x0f, 0xb6, 0xc2), MMIO_E_NOT_MEMORY); /* movzbl %dl,%eax */
	CHECK_EQ(DEC64(0xc7, 0xc0, 1, 0, 0, 0), MMIO_E_NOT_MEMORY);
	CHECK_EQ(DEC64(0xc7, 0x08, 1, 0, 0, 0), MMIO_E_OPCODE);		    /* C7 /1 */
	CHECK_EQ(DEC64(0xc6, 0xf8, 0), MMIO_E_OPCODE);			    /* xabort */
	CHECK_EQ(DEC64(0x01, 0x02), MMIO_E_OPCODE);			    /* add %eax,(%rdx) */
	CHECK_EQ(DEC64(0xa1, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0), MMIO_E_OPCODE); /* moffs */
	CHECK_EQ(DEC64(0x0f, 0xbe, 0x02), MMIO_E_OPCODE);		    /* movsbl */
	CHECK_EQ(DEC64(0x87, 0x02), MMIO_E_OPCODE);			    /* xchg */
	CHECK_EQ(DEC64(0x8b), MMIO_E_TRUNCATED);
	CHECK_EQ(DEC64(0x66), MMIO_E_TRUNCATED);
	CHECK_EQ(mmio_decode(NULL, 0, MMIO_MODE64, &insn), MMIO_E_TRUNCATED);
}

/* 15 bytes at most (Vol. 2A §2.3.11): 13 prefixes and a 2-byte MOV fit, 14 do not. */
static void test_length_limit(void)
{
	u8 b[20];

	memset(b, 0x3e, sizeof(b));
	b[13] = 0x8b;
	b[14] = 0x02;
	CHECK_EQ(decode(b, 15, MMIO_MODE64), 0);
	CHECK_EQ(insn.len, 15);
	CHECK_EQ(decode(b, 20, MMIO_MODE64), 0); /* bytes past the instruction are not its */
	CHECK_EQ(insn.len, 15);
	b[13] = 0x3e;
	b[14] = 0x8b;
	b[15] = 0x02;
	CHECK_EQ(decode(b, 16, MMIO_MODE64), MMIO_E_TOO_LONG);
	CHECK_EQ(decode(b, 20, MMIO_MODE64), MMIO_E_TOO_LONG);
	memset(b, 0x3e, sizeof(b));
	b[10] = 0x8b;
	b[11] = 0x84; /* SIB and disp32 take it to 17 */
	CHECK_EQ(decode(b, 20, MMIO_MODE64), MMIO_E_TOO_LONG);
}

/* The helpers: what a store writes, and the register after a load. */
static void test_store_value(void)
{
	u64 r = 0x1122334455667788ULL;

	CHECK_EQ(DEC64(0x89, 0x02), 0);
	CHECK_EQ(mmio_store_value(&insn, r), 0x55667788);
	CHECK_EQ(DEC64(0x48, 0x89, 0x02), 0);
	CHECK_EQ(mmio_store_value(&insn, r), r);
	CHECK_EQ(DEC64(0x66, 0x89, 0x02), 0);
	CHECK_EQ(mmio_store_value(&insn, r), 0x7788);
	CHECK_EQ(DEC64(0x88, 0x02), 0); /* %al */
	CHECK_EQ(mmio_store_value(&insn, r), 0x88);
	CHECK_EQ(DEC64(0x88, 0x22), 0); /* %ah */
	CHECK_EQ(mmio_store_value(&insn, r), 0x77);
	CHECK_EQ(DEC64(0xc6, 0x00, 0xab), 0);
	CHECK_EQ(mmio_store_value(&insn, r), 0xab);
	CHECK_EQ(DEC64(0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff), 0);
	CHECK_EQ(mmio_store_value(&insn, r), 0xfffffffffffffffeULL);
}

static void test_load_result(void)
{
	u64 old = 0xaaaaaaaaaaaaaaaaULL, v = 0xdeadbeef12345678ULL;

	CHECK_EQ(DEC64(0x8b, 0x02), 0); /* 32-bit: bits 63:32 zeroed */
	CHECK_EQ(mmio_load_result(&insn, old, v), 0x12345678);
	CHECK_EQ(DEC64(0x48, 0x8b, 0x02), 0);
	CHECK_EQ(mmio_load_result(&insn, old, v), v);
	CHECK_EQ(DEC64(0x66, 0x8b, 0x02), 0); /* 16-bit: merged */
	CHECK_EQ(mmio_load_result(&insn, old, v), 0xaaaaaaaaaaaa5678ULL);
	CHECK_EQ(DEC64(0x8a, 0x02), 0); /* %al */
	CHECK_EQ(mmio_load_result(&insn, old, v), 0xaaaaaaaaaaaaaa78ULL);
	CHECK_EQ(DEC64(0x8a, 0x22), 0); /* %ah */
	CHECK_EQ(mmio_load_result(&insn, old, v), 0xaaaaaaaaaaaa78aaULL);
	CHECK_EQ(DEC64(0x0f, 0xb6, 0x02), 0); /* movzbl: zero-extended to 64 */
	CHECK_EQ(mmio_load_result(&insn, old, 0xff), 0xff);
	CHECK_EQ(DEC64(0x66, 0x0f, 0xb6, 0x02), 0); /* movzbw: to 16, then merged */
	CHECK_EQ(mmio_load_result(&insn, old, v), 0xaaaaaaaaaaaa0078ULL);
	CHECK_EQ(DEC64(0x48, 0x0f, 0xb7, 0x02), 0); /* movzwq */
	CHECK_EQ(mmio_load_result(&insn, old, v), 0x5678);
}

static void test_error_names(void)
{
	CHECK(strcmp(mmio_decode_error(MMIO_E_ADDR16), "16-bit addressing") == 0);
	CHECK(strcmp(mmio_decode_error(MMIO_E_LOCK), "LOCK prefix") == 0);
	CHECK(strcmp(mmio_decode_error(-99), "unknown error") == 0);
}

int main(void)
{
	RUN(test_linux_forms);
	RUN(test_address_forms);
	RUN(test_operand_sizes);
	RUN(test_byte_registers);
	RUN(test_mode32);
	RUN(test_refused);
	RUN(test_length_limit);
	RUN(test_store_value);
	RUN(test_load_result);
	RUN(test_error_names);
	CHECK_MAIN_END();
}
