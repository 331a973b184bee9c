/*
 * ELF64 image parser, written from the System V gABI (ELF header, program headers) and the
 * x86-64 psABI (EM_X86_64, ELFCLASS64, ELFDATA2LSB).
 *
 * The image is distrusted: no field is used as an offset or size until it is known to lie
 * inside [0, len), and all bounds are checked by subtraction so nothing can wrap. Fields are
 * assembled byte by byte (little-endian), so neither the host's byte order nor the alignment
 * of buf matters.
 *
 * Decisions the spec leaves open, or where Bulkhead is stricter than a general loader:
 * - Only ET_EXEC: there is no relocation, and an ET_DYN image gives no load address.
 * - Extended program header numbering (e_phnum == PN_XNUM, the count in section header 0)
 *   is refused: a payload has a handful of segments.
 * - e_ehsize, e_flags, EI_OSABI, the section headers and p_align are not looked at; the
 *   loader copies by physical address, so p_offset and p_paddr need not be congruent.
 * - p_vaddr is ignored: segments are placed at p_paddr and e_entry is taken as a physical
 *   address, as for any image a Multiboot loader places by physical address.
 * - A PT_LOAD with p_filesz > p_memsz is an error even when p_memsz is 0; otherwise a PT_LOAD
 *   with p_memsz 0 is skipped without checking its p_offset or p_paddr.
 * - A segment's file range may end exactly at len; with p_filesz 0, p_offset may equal len.
 * - A segment may not end exactly at 2^64 (paddr + memsz must not wrap to 0), so every
 *   end address is representable.
 * - The entry point must be in the file-backed part [paddr, paddr + filesz) of a segment
 *   with PF_X: jumping into a non-executable segment or into its zero-filled tail cannot
 *   be meant.
 */
#include "core/elf.h"
#include "core/error.h"
#include "core/log.h"
#include "core/lib/string.h"

/* ELF header (Elf64_Ehdr) layout. */
#define EHDR_SIZE     64
#define EI_MAG0	      0
#define EI_CLASS      4
#define EI_DATA	      5
#define EI_VERSION    6
#define OFF_TYPE      16 /* u16 e_type */
#define OFF_MACHINE   18 /* u16 e_machine */
#define OFF_VERSION   20 /* u32 e_version */
#define OFF_ENTRY     24 /* u64 e_entry */
#define OFF_PHOFF     32 /* u64 e_phoff */
#define OFF_PHENTSIZE 54 /* u16 e_phentsize */
#define OFF_PHNUM     56 /* u16 e_phnum */
#define ELFCLASS32    1
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define ELFDATA2MSB   2
#define EV_CURRENT    1
#define ET_NONE	      0
#define ET_REL	      1
#define ET_EXEC	      2
#define ET_DYN	      3
#define ET_CORE	      4
#define EM_X86_64     62
#define PN_XNUM	      0xffff

/* Program header (Elf64_Phdr) layout. */
#define PHDR_SIZE 56
#define PH_TYPE	  0  /* u32 p_type */
#define PH_FLAGS  4  /* u32 p_flags */
#define PH_OFFSET 8  /* u64 p_offset */
#define PH_PADDR  24 /* u64 p_paddr */
#define PH_FILESZ 32 /* u64 p_filesz */
#define PH_MEMSZ  40 /* u64 p_memsz */
#define PT_LOAD	  1
#define PF_RWX	  (ELF_PF_X | ELF_PF_W | ELF_PF_R)

static const u8 elf_magic[4] = {0x7f, 'E', 'L', 'F'};

static u64 rd_le(const u8 *p, unsigned n)
{
	u64 v = 0;

	for (unsigned i = n; i-- > 0;)
		v = (v << 8) | p[i];
	return v;
}

static u16 rd16(const u8 *p)
{
	return (u16)rd_le(p, 2);
}

static u32 rd32(const u8 *p)
{
	return (u32)rd_le(p, 4);
}

static u64 rd64(const u8 *p)
{
	return rd_le(p, 8);
}

/* "RWX" with '-' for missing bits, in readelf's order. */
static const char *flag_str(u32 flags, char buf[4])
{
	buf[0] = (flags & ELF_PF_R) ? 'R' : '-';
	buf[1] = (flags & ELF_PF_W) ? 'W' : '-';
	buf[2] = (flags & ELF_PF_X) ? 'X' : '-';
	buf[3] = 0;
	return buf;
}

bool elf_is_elf(const void *buf, size_t len)
{
	return buf && len >= sizeof(elf_magic) && memcmp(buf, elf_magic, sizeof(elf_magic)) == 0;
}

/* e_ident: magic, class, byte order, version. */
static int check_ident(const u8 *h, size_t len, const char *who)
{
	if (len < EHDR_SIZE) {
		log_err("elf: %s: image is %zu bytes, too small for the %u-byte ELF64 header\n",
			who, len, EHDR_SIZE);
		return ERR(E_RANGE);
	}
	if (!elf_is_elf(h, len)) {
		log_err("elf: %s: not an ELF image (starts with %02x %02x %02x %02x, expected "
			"7f 45 4c 46)\n",
			who, h[0], h[1], h[2], h[3]);
		return ERR(E_INVAL);
	}
	if (h[EI_CLASS] == ELFCLASS32) {
		log_err("elf: %s: 32-bit ELF, need ELF64 (EI_CLASS 1, need 2)\n", who);
		return ERR(E_INVAL);
	}
	if (h[EI_CLASS] != ELFCLASS64) {
		log_err("elf: %s: invalid EI_CLASS %u, need ELF64 (2)\n", who, h[EI_CLASS]);
		return ERR(E_INVAL);
	}
	if (h[EI_DATA] == ELFDATA2MSB) {
		log_err("elf: %s: big-endian ELF, need little-endian (EI_DATA 2, need 1)\n", who);
		return ERR(E_INVAL);
	}
	if (h[EI_DATA] != ELFDATA2LSB) {
		log_err("elf: %s: invalid EI_DATA %u, need little-endian (1)\n", who, h[EI_DATA]);
		return ERR(E_INVAL);
	}
	if (h[EI_VERSION] != EV_CURRENT) {
		log_err("elf: %s: EI_VERSION %u, need 1 (EV_CURRENT)\n", who, h[EI_VERSION]);
		return ERR(E_INVAL);
	}
	return 0;
}

static const char *type_name(u16 type)
{
	switch (type) {
	case ET_NONE:
		return "no file type (ET_NONE)";
	case ET_REL:
		return "a relocatable object (ET_REL)";
	case ET_CORE:
		return "a core file (ET_CORE)";
	default:
		return "an unknown type";
	}
}

/* The rest of the ELF header, up to a program header table known to be inside the image. */
static int check_header(const u8 *h, size_t len, const char *who)
{
	u16 type = rd16(h + OFF_TYPE), machine = rd16(h + OFF_MACHINE);
	u32 version = rd32(h + OFF_VERSION);
	u16 phentsize = rd16(h + OFF_PHENTSIZE), phnum = rd16(h + OFF_PHNUM);
	u64 phoff = rd64(h + OFF_PHOFF);

	if (type == ET_DYN) {
		log_err("elf: %s: e_type 3 (ET_DYN): position-independent images are not "
			"supported, link at a fixed address (ET_EXEC)\n",
			who);
		return ERR(E_INVAL);
	}
	if (type != ET_EXEC) {
		log_err("elf: %s: e_type %u is %s, need an executable (ET_EXEC, 2)\n", who, type,
			type_name(type));
		return ERR(E_INVAL);
	}
	if (machine != EM_X86_64) {
		log_err("elf: %s: e_machine %u, need x86-64 (62)\n", who, machine);
		return ERR(E_INVAL);
	}
	if (version != EV_CURRENT) {
		log_err("elf: %s: e_version %u, need 1 (EV_CURRENT)\n", who, version);
		return ERR(E_INVAL);
	}
	if (phentsize != PHDR_SIZE) {
		log_err("elf: %s: e_phentsize %u, need %u (Elf64_Phdr)\n", who, phentsize,
			PHDR_SIZE);
		return ERR(E_INVAL);
	}
	if (phnum == 0) {
		log_err("elf: %s: no program headers (e_phnum 0)\n", who);
		return ERR(E_NOTFOUND);
	}
	if (phnum == PN_XNUM) {
		log_err("elf: %s: e_phnum 0xffff (PN_XNUM, extended numbering) is not supported\n",
			who);
		return ERR(E_INVAL);
	}
	/* phnum * PHDR_SIZE < 2^22: only phoff can be huge. */
	if (phoff > len || (u64)phnum * PHDR_SIZE > len - phoff) {
		log_err("elf: %s: program header table (e_phoff 0x%llx, %u entries of %u bytes) "
			"runs past the end of the %zu-byte image\n",
			who, (unsigned long long)phoff, phnum, PHDR_SIZE, len);
		return ERR(E_RANGE);
	}
	return 0;
}

/*
 * Check one PT_LOAD program header. Returns 1 if it is kept in *s, 0 if skipped (p_memsz 0),
 * or a negative error.
 */
static int check_load(const u8 *ph, unsigned idx, size_t len, const char *who,
		      struct elf_segment *s)
{
	char fl[4];

	s->flags = rd32(ph + PH_FLAGS) & PF_RWX;
	s->offset = rd64(ph + PH_OFFSET);
	s->paddr = rd64(ph + PH_PADDR);
	s->filesz = rd64(ph + PH_FILESZ);
	s->memsz = rd64(ph + PH_MEMSZ);

	if (s->filesz > s->memsz) {
		log_err("elf: %s: program header %u: p_filesz 0x%llx is larger than p_memsz "
			"0x%llx\n",
			who, idx, (unsigned long long)s->filesz, (unsigned long long)s->memsz);
		return ERR(E_INVAL);
	}
	if (s->memsz == 0) {
		log_debug("elf: %s: program header %u: empty PT_LOAD skipped\n", who, idx);
		return 0;
	}
	if (s->offset > len || s->filesz > len - s->offset) {
		log_err("elf: %s: program header %u: file bytes at p_offset 0x%llx, p_filesz "
			"0x%llx lie outside the %zu-byte image\n",
			who, idx, (unsigned long long)s->offset, (unsigned long long)s->filesz,
			len);
		return ERR(E_RANGE);
	}
	if (s->memsz > ~0ULL - s->paddr) {
		log_err("elf: %s: program header %u: p_paddr 0x%llx + p_memsz 0x%llx wraps past "
			"the top of the physical address space\n",
			who, idx, (unsigned long long)s->paddr, (unsigned long long)s->memsz);
		return ERR(E_RANGE);
	}
	log_debug("elf: %s: program header %u: paddr 0x%llx-0x%llx %s, 0x%llx bytes from "
		  "offset 0x%llx\n",
		  who, idx, (unsigned long long)s->paddr, (unsigned long long)(s->paddr + s->memsz),
		  flag_str(s->flags, fl), (unsigned long long)s->filesz,
		  (unsigned long long)s->offset);
	return 1;
}

/* Walk the program headers and keep the loadable segments. phidx[i] is seg[i]'s header. */
static int collect_segments(const u8 *h, size_t len, const char *who, struct elf_image *out,
			    unsigned phidx[ELF_MAX_SEGMENTS])
{
	u16 phnum = rd16(h + OFF_PHNUM);
	const u8 *table = h + rd64(h + OFF_PHOFF);
	unsigned loads = 0;

	for (unsigned i = 0; i < phnum; i++) {
		const u8 *ph = table + (size_t)i * PHDR_SIZE;
		struct elf_segment s;
		int rc;

		if (rd32(ph + PH_TYPE) != PT_LOAD)
			continue;
		rc = check_load(ph, i, len, who, &s);
		if (rc < 0)
			return rc;
		if (rc == 0)
			continue;
		if (loads < ELF_MAX_SEGMENTS) {
			out->seg[loads] = s;
			phidx[loads] = i;
		}
		loads++;
	}
	if (loads == 0) {
		log_err("elf: %s: no loadable segment (no PT_LOAD with p_memsz > 0 among %u "
			"program headers)\n",
			who, phnum);
		return ERR(E_NOTFOUND);
	}
	if (loads > ELF_MAX_SEGMENTS) {
		log_err("elf: %s: %u loadable segments, at most %u supported\n", who, loads,
			ELF_MAX_SEGMENTS);
		return ERR(E_NOMEM);
	}
	out->segment_count = loads;
	return 0;
}

static int check_overlap(const struct elf_image *img, const unsigned *phidx, const char *who)
{
	for (u32 i = 0; i < img->segment_count; i++) {
		const struct elf_segment *a = &img->seg[i];

		for (u32 j = i + 1; j < img->segment_count; j++) {
			const struct elf_segment *b = &img->seg[j];

			if (a->paddr < b->paddr + b->memsz && b->paddr < a->paddr + a->memsz) {
				log_err("elf: %s: program headers %u and %u overlap in physical "
					"memory (0x%llx-0x%llx and 0x%llx-0x%llx)\n",
					who, phidx[i], phidx[j], (unsigned long long)a->paddr,
					(unsigned long long)(a->paddr + a->memsz),
					(unsigned long long)b->paddr,
					(unsigned long long)(b->paddr + b->memsz));
				return ERR(E_INVAL);
			}
		}
	}
	return 0;
}

static int check_entry(const struct elf_image *img, const unsigned *phidx, const char *who)
{
	u64 e = img->entry;
	char fl[4];

	/* Segments do not overlap, so at most one contains the entry point. */
	for (u32 i = 0; i < img->segment_count; i++) {
		const struct elf_segment *s = &img->seg[i];

		if (e < s->paddr || e - s->paddr >= s->memsz)
			continue;
		if (!(s->flags & ELF_PF_X)) {
			log_err(
			    "elf: %s: entry point 0x%llx is in program header %u (0x%llx-0x%llx "
			    "%s), which is not executable\n",
			    who, (unsigned long long)e, phidx[i], (unsigned long long)s->paddr,
			    (unsigned long long)(s->paddr + s->memsz), flag_str(s->flags, fl));
			return ERR(E_INVAL);
		}
		if (e - s->paddr >= s->filesz) {
			log_err("elf: %s: entry point 0x%llx is in the zero-filled part of program "
				"header %u (file bytes end at 0x%llx)\n",
				who, (unsigned long long)e, phidx[i],
				(unsigned long long)(s->paddr + s->filesz));
			return ERR(E_INVAL);
		}
		return 0;
	}
	log_err("elf: %s: entry point 0x%llx is not inside any loadable segment (physical "
		"addresses)\n",
		who, (unsigned long long)e);
	return ERR(E_INVAL);
}

static int parse(const u8 *h, size_t len, const char *who, struct elf_image *out)
{
	unsigned phidx[ELF_MAX_SEGMENTS];
	int rc;

	rc = check_ident(h, len, who);
	if (rc)
		return rc;
	rc = check_header(h, len, who);
	if (rc)
		return rc;
	out->entry = rd64(h + OFF_ENTRY);
	rc = collect_segments(h, len, who, out, phidx);
	if (rc)
		return rc;
	rc = check_overlap(out, phidx, who);
	if (rc)
		return rc;
	return check_entry(out, phidx, who);
}

int elf_parse(const void *buf, size_t len, const char *who, struct elf_image *out)
{
	int rc;

	if (!who)
		who = "image";
	if (!out) {
		log_err("elf: %s: no output struct\n", who);
		return ERR(E_INVAL);
	}
	memset(out, 0, sizeof(*out));
	if (!buf) {
		log_err("elf: %s: no image (NULL pointer)\n", who);
		return ERR(E_INVAL);
	}
	rc = parse(buf, len, who, out);
	if (rc) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	log_debug("elf: %s: entry 0x%llx, %u loadable segments\n", who,
		  (unsigned long long)out->entry, out->segment_count);
	return 0;
}
