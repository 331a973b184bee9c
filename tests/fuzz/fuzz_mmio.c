/*
 * Fuzz the two pure halves of MMIO emulation: the instruction decoder (arch/x86/mmio_decode.c)
 * and the guest page walk (arch/x86/guest_paging.c).
 *
 * Byte 0: bits 1:0 the code segment (0, 1: 64-bit, 2: 32-bit, 3: 16-bit); the rest of the
 * input is the instruction bytes, handed over in a heap block of exactly their size (ASan sees
 * a read past them). The same rest also starts with the walk's context: CR0.PG, CR4.PSE/PAE/
 * LA57 and EFER.LMA/NXE from three bytes, CR3 and the linear address from 8 bytes each. Guest
 * memory is the whole input repeated over the physical address space, unreadable in every
 * eighth page and above 2^40, so table entries taken from fuzz bytes lead somewhere.
 *
 * Oracles, from the SDM rather than the code under test: a decoded instruction is one of the
 * supported opcodes behind only allowed prefixes, with the length, direction and size its
 * bytes give (Vol. 2A ch. 2), decodes the same from exactly its own bytes and is cut short by
 * one fewer; the helpers touch only the bits the destination has. Each walk reads entries of
 * the mode's size at the addresses the previous entry and the linear address give (Vol. 3A
 * ch. 4), stops at the first not present or unreadable one, and a translation keeps the page
 * offset and takes the page's address from the last entry.
 */
#include <string.h>

#include "arch/x86/guest_paging.h"
#include "arch/x86/mmio_decode.h"
#include "tests/fuzz/fuzz.h"

/* ---- the decoder ---------------------------------------------------------------------- */

static bool is_legacy_prefix(u8 b)
{
	return b == 0x66 || b == 0x67 || b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e ||
	       b == 0x64 || b == 0x65;
}

static u64 mask_of(u32 size)
{
	return size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* What the bytes say, worked out here: the opcode's position, the REX right before it, 66. */
struct seen {
	u32 op;
	u8 rex;
	bool opsize, addrsize;
};

static struct seen scan_prefixes(const u8 *b, u32 len, bool long64)
{
	struct seen s = {0, 0, false, false};

	for (; s.op < len; s.op++) {
		u8 x = b[s.op];

		FUZZ_ASSERT(x != 0xf0 && x != 0xf2 && x != 0xf3);
		if (long64 && (x & 0xf0) == 0x40) {
			s.rex = x;
			continue;
		}
		if (!is_legacy_prefix(x))
			break;
		s.rex = 0;
		s.opsize |= x == 0x66;
		s.addrsize |= x == 0x67;
	}
	return s;
}

/* Bytes from ModRM to the end: ModRM, SIB, displacement (32/64-bit addressing) and
 * immediate. */
static u32 operand_bytes(const u8 *modrm, u32 imm)
{
	u32 mod = modrm[0] >> 6, rm = modrm[0] & 7, n = 1;

	if (rm == 4)
		n++;
	if (mod == 1)
		n += 1;
	else if (mod == 2 || (mod == 0 && rm == 5) || (mod == 0 && rm == 4 && (modrm[1] & 7) == 5))
		n += 4;
	return n + imm;
}

static void check_insn(const u8 *b, u32 count, enum mmio_mode mode, const struct mmio_insn *in)
{
	struct seen s = scan_prefixes(b, in->len, mode == MMIO_MODE64);
	u8 op = b[s.op];
	u32 osize = (s.rex & 8) ? 8 : s.opsize ? 2 : 4, at = s.op + 1, imm = 0;

	FUZZ_ASSERT(in->len >= 2 && in->len <= MMIO_INSN_MAX && in->len <= count);
	FUZZ_ASSERT(in->size == 1 || in->size == 2 || in->size == 4 || in->size == 8);
	FUZZ_ASSERT(in->reg < 16 && (!in->high_byte || (in->reg < 4 && in->size == 1 && !s.rex)));
	FUZZ_ASSERT(!(mode != MMIO_MODE64 && s.addrsize));
	FUZZ_ASSERT(in->store == (op == 0x88 || op == 0x89 || op == 0xc6 || op == 0xc7));
	FUZZ_ASSERT(in->has_reg == (op != 0xc6 && op != 0xc7));
	if (op == 0x0f) {
		FUZZ_ASSERT(b[at] == 0xb6 || b[at] == 0xb7);
		FUZZ_ASSERT(in->size == (b[at] == 0xb6 ? 1 : 2) && in->reg_size == osize);
		at++;
	} else if (op == 0x88 || op == 0x8a || op == 0xc6) {
		FUZZ_ASSERT(in->size == 1);
		imm = op == 0xc6;
	} else {
		FUZZ_ASSERT(op == 0x89 || op == 0x8b || op == 0xc7);
		FUZZ_ASSERT(in->size == osize);
		imm = op == 0xc7 ? (osize == 2 ? 2 : 4) : 0;
	}
	FUZZ_ASSERT((b[at] >> 6) != 3);
	if (in->has_reg)
		FUZZ_ASSERT(in->reg ==
			    (((b[at] >> 3) & 7) | ((s.rex & 4) << 1)) - (in->high_byte ? 4 : 0));
	else
		FUZZ_ASSERT(((b[at] >> 3) & 7) == 0); /* C6 /0, C7 /0 */
	FUZZ_ASSERT(in->len == at + operand_bytes(b + at, imm));
	if (in->store)
		FUZZ_ASSERT(!(mmio_store_value(in, ~0ULL) & ~mask_of(in->size)));
	else
		FUZZ_ASSERT(in->reg_size >= in->size && in->reg_size <= 8);
	if (!in->has_reg)
		FUZZ_ASSERT(in->imm == mmio_store_value(in, 0));
}

/* A load writes only its destination's bits: AH its byte, 8/16-bit the low ones, a 32-bit
 * destination zeroes the upper half. */
static void check_load(const struct mmio_insn *in, u64 old, u64 value)
{
	u64 r = mmio_load_result(in, old, value), keep;

	if (in->high_byte) {
		FUZZ_ASSERT(((r >> 8) & 0xff) == (value & 0xff));
		keep = ~0xff00ULL;
	} else {
		FUZZ_ASSERT((r & mask_of(in->size)) == (value & mask_of(in->size)));
		if (in->size < in->reg_size) /* MOVZX: the bits between are 0 */
			FUZZ_ASSERT(!((r & mask_of(in->reg_size)) >> (8 * in->size)));
		keep = in->reg_size >= 4 ? 0 : ~mask_of(in->reg_size);
	}
	FUZZ_ASSERT((r & keep) == (old & keep));
	if (in->reg_size == 4 && !in->high_byte)
		FUZZ_ASSERT(r >> 32 == 0);
}

static void fuzz_decode(const u8 *bytes, u32 count, enum mmio_mode mode, u64 old)
{
	struct mmio_insn in, again;
	u8 *copy = malloc(count ? count : 1);
	int err;

	memcpy(copy, bytes, count);
	err = mmio_decode(copy, count, mode, &in);
	FUZZ_ASSERT(err <= 0 && err >= MMIO_E_NOT_MEMORY);
	FUZZ_ASSERT(strcmp(mmio_decode_error(err), "unknown error") != 0);
	if (mode == MMIO_MODE16)
		FUZZ_ASSERT(err == MMIO_E_MODE);
	if (!err) {
		check_insn(copy, count, mode, &in);
		if (!in.store)
			check_load(&in, old, ~old);
		/* Exactly its own bytes decode the same; one fewer is cut short. */
		FUZZ_ASSERT(mmio_decode(copy, in.len, mode, &again) == 0);
		FUZZ_ASSERT(memcmp(&in, &again, sizeof(in)) == 0);
		FUZZ_ASSERT(mmio_decode(copy, in.len - 1u, mode, &again) == MMIO_E_TRUNCATED);
	}
	if (err == MMIO_E_TRUNCATED)
		FUZZ_ASSERT(count < MMIO_INSN_MAX);
	free(copy);
}

/* ---- the page walk --------------------------------------------------------------------- */

#define MAX_READS 8
struct fake_mem {
	const u8 *data;
	size_t size;
	bool walking; /* record and check the reads: they are the walk's entries */
	u32 reads;
	u64 at[MAX_READS], value[MAX_READS];
	u32 len[MAX_READS];
	bool ok[MAX_READS];
};

static bool readable(u64 gpa)
{
	return gpa < (1ULL << 40) && ((gpa >> 12) & 7) != 7;
}

static bool fake_read(void *ctx, u64 gpa, void *buf, u32 len)
{
	struct fake_mem *m = ctx;
	u64 v = 0;
	bool ok = readable(gpa) && readable(gpa + len - 1);

	for (u32 i = 0; ok && i < len; i++) {
		((u8 *)buf)[i] = m->data[(gpa + i) % m->size];
		v |= (u64)m->data[(gpa + i) % m->size] << (8 * i);
	}
	if (!m->walking)
		return ok;
	FUZZ_ASSERT(m->reads < MAX_READS && (len == 4 || len == 8) && !(gpa % len));
	m->at[m->reads] = gpa;
	m->value[m->reads] = v;
	m->len[m->reads] = len;
	m->ok[m->reads++] = ok;
	return ok;
}

/* Where read k of the walk must be, and the page size if entry k maps a page (else 0). */
static u64 expect_at(const struct guest_paging *gp, const struct fake_mem *m, u32 k, u64 lin,
		     u32 levels, u64 *page)
{
	bool ia32e = (gp->efer & EFER_LMA) != 0, pae = !ia32e && (gp->cr4 & CR4_PAE);
	u64 e = m->value[k];

	if (!ia32e && !pae) { /* 32-bit paging: PDE, PTE */
		*page = k == 1 ? 4096 : ((e & GPT_PS) && (gp->cr4 & CR4_PSE)) ? 4 * MiB : 0;
		return k == 0 ? (gp->cr3 & 0xfffff000) + ((lin >> 22) & 1023) * 4
			      : (m->value[0] & 0xfffff000) + ((lin >> 12) & 1023) * 4;
	}
	u32 level = levels - k, shift = 12 + 9 * (level - 1);

	*page =
	    level == 1 || (level <= 3 && !(pae && level == 3) && (e & GPT_PS)) ? 1ULL << shift : 0;
	if (k == 0 && pae)
		return (gp->cr3 & 0xffffffe0) + ((lin >> 30) & 3) * 8;
	return ((k ? m->value[k - 1] : gp->cr3) & GPT_ADDR_MASK) + ((lin >> shift) & 511) * 8;
}

static void check_walk(const struct guest_paging *gp, const struct fake_mem *m, u64 lin, int err,
		       u64 gpa)
{
	bool ia32e = (gp->efer & EFER_LMA) != 0, pae = !ia32e && (gp->cr4 & CR4_PAE);
	u32 levels = ia32e ? ((gp->cr4 & CR4_LA57) ? 5 : 4) : pae ? 3 : 2;
	u64 page = 0;

	FUZZ_ASSERT(err <= 0 && err >= GPT_NONCANONICAL);
	if (!(gp->cr0 & CR0_PG)) {
		FUZZ_ASSERT(!err && gpa == (u32)lin && m->reads == 0);
		return;
	}
	if (err == GPT_NONCANONICAL) {
		FUZZ_ASSERT(ia32e && m->reads == 0);
		return;
	}
	FUZZ_ASSERT(m->reads >= 1 && m->reads <= levels);
	for (u32 k = 0; k < m->reads; k++) {
		FUZZ_ASSERT(m->len[k] == (ia32e || pae ? 8 : 4));
		FUZZ_ASSERT(m->at[k] == expect_at(gp, m, k, ia32e ? lin : (u32)lin, levels, &page));
		/* Every entry but the last was readable, present and no page: the walk went on. */
		if (k + 1 < m->reads)
			FUZZ_ASSERT(m->ok[k] && (m->value[k] & GPT_P) && !page);
		/* XD is reserved without EFER.NXE (Vol. 3A §4.4.2, §4.5.4). */
		if (k + 1 < m->reads || !err)
			FUZZ_ASSERT(!(m->len[k] == 8 && (m->value[k] & GPT_XD)) ||
				    (gp->efer & EFER_NXE));
	}
	u64 last = m->value[m->reads - 1];

	if (err == GPT_UNREADABLE)
		FUZZ_ASSERT(!m->ok[m->reads - 1]);
	if (err == GPT_NOT_PRESENT)
		FUZZ_ASSERT(m->ok[m->reads - 1] && !(last & GPT_P));
	if (err == GPT_RESERVED)
		FUZZ_ASSERT(m->ok[m->reads - 1] && (last & GPT_P));
	if (err)
		return;
	FUZZ_ASSERT((last & GPT_P) && page);
	FUZZ_ASSERT((gpa & (page - 1)) == (lin & (page - 1)));
	if (ia32e || pae)
		FUZZ_ASSERT((gpa & ~(page - 1)) == (last & GPT_ADDR_MASK & ~(page - 1)));
	else if (page == 4096)
		FUZZ_ASSERT(gpa >> 12 == (last & 0xfffff000) >> 12);
	else
		FUZZ_ASSERT(gpa >> 22 == (((last >> 13) & 0xff) << 10 | (last >> 22)));
}

/* Each byte read is the one at its own translation; the first not read has none, or lies in
 * a page that is not RAM; nothing is written past what was read. */
static void check_read(const struct guest_paging *gp, const struct fake_mem *m, u64 lin,
		       const u8 *buf, u32 n, u32 len)
{
	u64 gpa;

	for (u32 i = 0; i < n; i++) {
		FUZZ_ASSERT(guest_translate(gp, lin + i, &gpa) == GPT_OK && readable(gpa));
		FUZZ_ASSERT(buf[i] == m->data[gpa % m->size]);
	}
	if (n < len)
		FUZZ_ASSERT(guest_translate(gp, lin + n, &gpa) != GPT_OK || !readable(gpa));
	for (u32 i = n; i < 16; i++)
		FUZZ_ASSERT(buf[i] == 0xa5);
}

static void fuzz_walk(const u8 *data, size_t size)
{
	struct fuzz_reader r = {data, size};
	u8 c0 = fuzz_u8(&r), c4 = fuzz_u8(&r), ef = fuzz_u8(&r);
	struct fake_mem m = {data, size, true, 0, {0}, {0}, {0}, {0}};
	struct guest_paging gp = {
	    .cr0 = (c0 & 1) ? CR0_PG | CR0_PE : CR0_PE,
	    .cr4 = ((c4 & 1) ? CR4_PSE : 0) | ((c4 & 2) ? CR4_PAE : 0) | ((c4 & 4) ? CR4_LA57 : 0),
	    .efer = ((ef & 1) ? EFER_LMA | EFER_LME : 0) | ((ef & 2) ? EFER_NXE : 0),
	    .read = fake_read,
	    .ctx = &m,
	};
	u64 lin, gpa = 0;
	u8 buf[16];
	u32 n;
	int err;

	if ((gp.efer & EFER_LMA) && !(c4 & 8)) { /* IA-32e mode only with PG and PAE, mostly */
		gp.cr0 |= CR0_PG;
		gp.cr4 |= CR4_PAE;
	}
	gp.cr3 = fuzz_u64(&r);
	lin = fuzz_u64(&r);
	err = guest_translate(&gp, lin, &gpa);
	check_walk(&gp, &m, lin, err, gpa);

	/* A read near the end of a page (into the next one for c0 >> 4 > 0). */
	memset(buf, 0xa5, sizeof(buf));
	m.walking = false;
	lin = (lin & ~0xfffULL) | (0xff8u + (c0 >> 4));
	n = guest_read_linear(&gp, lin, buf, 8);
	FUZZ_ASSERT(n <= 8);
	if (!err && !(c0 >> 4))
		FUZZ_ASSERT(n == 0 || n == 8); /* all in the page translated above */
	check_read(&gp, &m, lin, buf, n, 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_reader r = {data, size};
	enum mmio_mode modes[4] = {MMIO_MODE64, MMIO_MODE64, MMIO_MODE32, MMIO_MODE16};

	if (size < 1)
		return 0;
	fuzz_begin();
	fuzz_decode(data + 1, (u32)(size - 1), modes[data[0] & 3], fuzz_u64(&r));
	if (size > 1)
		fuzz_walk(data + 1, size - 1);
	return 0;
}
