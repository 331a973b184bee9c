/*
 * Multiboot2 boot information parser.
 *
 * Layout (spec §3.6): u32 total_size, u32 reserved, then tags from offset 8,
 * each {u32 type, u32 size, payload}, each starting 8-byte aligned, ended by
 * a tag of type 0 and size 8. The block comes from the boot loader, so every
 * size is distrusted: a tag is only looked at once it is known to lie wholly
 * inside [0, total_size), and total_size only once it is known to be within
 * the caller's buf_limit. Fields are read with memcpy so nothing depends on
 * the alignment of a field inside a tag.
 *
 * Decisions the spec leaves open:
 * - total_size need not be a multiple of 8. GRUB always makes it one, but
 *   nothing here needs it: the walk stops at the end tag, and bytes after the
 *   end tag are ignored. An end tag that does not fit is still an error.
 * - A second copy of a tag that should appear once (cmdline, meminfo, memory
 *   map, ...) is ignored with a warning; the first one wins.
 * - Tags Bulkhead does not use (framebuffer, ELF sections, ...) are only
 *   checked to fit in the block; their contents are not validated.
 * - Memory map entries of length 0 are skipped; entries whose end would wrap
 *   past 2^64 are skipped with a warning, so users of mmap[] need not care.
 */
#include "core/mb2.h"
#include "core/error.h"
#include "core/log.h"
#include "core/lib/string.h"

#define HDR_SIZE	8 /* u32 total_size, u32 reserved */
#define TAG_HDR_SIZE	8 /* u32 type, u32 size */
#define TAG_ALIGN	8
#define MMAP_HDR_SIZE	16 /* tag header, u32 entry_size, u32 entry_version */
#define MMAP_ENTRY_MIN	24 /* u64 base, u64 length, u32 type, u32 reserved */
#define MODULE_HDR_SIZE 16 /* tag header, u32 mod_start, u32 mod_end */

/* One tag, already known to lie wholly inside the info block. */
struct tag {
	u32 type;
	u32 size;
	u32 off;	/* offset in the block, for messages */
	const u8 *body; /* the bytes after the tag header */
	u32 body_len;	/* size - TAG_HDR_SIZE */
};

typedef int (*tag_fn)(const struct tag *t, struct mb2_info *out);

struct tag_kind {
	const char *name;
	u32 min_size; /* smallest size that holds the fields we read */
	bool once;    /* only the first such tag counts */
	tag_fn parse; /* NULL: recognised, not needed by Bulkhead */
};

static u32 rd32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static u64 rd64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Copy the NUL-terminated string that starts `at` bytes into the tag body.
 * The NUL must be inside the tag: without it the string would run on into
 * whatever follows.
 */
static int take_string(const struct tag *t, u32 at, char *dst, size_t dst_size, const char *what)
{
	const char *s = (const char *)t->body + at;
	size_t room = t->body_len - at;
	size_t len = strnlen(s, room);

	if (len == room) {
		log_err("mb2: %s in tag %u at offset 0x%x is not NUL-terminated within the tag "
			"(size %u)\n",
			what, t->type, t->off, t->size);
		return ERR(E_INVAL);
	}
	if (len >= dst_size)
		log_warn("mb2: %s in tag %u at offset 0x%x truncated from %zu to %zu bytes\n", what,
			 t->type, t->off, len, dst_size - 1);
	strlcpy(dst, s, dst_size);
	return 0;
}

static int parse_cmdline(const struct tag *t, struct mb2_info *out)
{
	int rc = take_string(t, 0, out->cmdline, sizeof(out->cmdline), "command line");

	if (rc)
		return rc;
	out->has_cmdline = true;
	log_debug("mb2: cmdline \"%s\"\n", out->cmdline);
	return 0;
}

static int parse_loader_name(const struct tag *t, struct mb2_info *out)
{
	return take_string(t, 0, out->loader_name, sizeof(out->loader_name), "boot loader name");
}

static int parse_module(const struct tag *t, struct mb2_info *out)
{
	u32 start = rd32(t->body), end = rd32(t->body + 4);
	char dropped[MAX_CMDLINE];
	struct mb2_module *m;
	int rc;

	if (end < start) {
		log_err(
		    "mb2: module tag at offset 0x%x ends before it starts (start 0x%x, end 0x%x)\n",
		    t->off, start, end);
		return ERR(E_INVAL);
	}
	if (out->module_count >= MAX_MODULES) {
		/* Beyond the table: still checked, then counted and forgotten. */
		rc = take_string(t, 8, dropped, sizeof(dropped), "module string");
		if (!rc)
			out->modules_dropped++;
		return rc;
	}
	m = &out->modules[out->module_count];
	rc = take_string(t, 8, m->cmdline, sizeof(m->cmdline), "module string");
	if (rc)
		return rc;
	m->start = start;
	m->end = end;
	out->module_count++;
	log_debug("mb2: module [0x%x, 0x%x) \"%s\"\n", start, end, m->cmdline);
	return 0;
}

static int parse_meminfo(const struct tag *t, struct mb2_info *out)
{
	out->mem_lower_kb = rd32(t->body);
	out->mem_upper_kb = rd32(t->body + 4);
	out->has_meminfo = true;
	return 0;
}

static void add_mmap_entry(struct mb2_info *out, u32 i, u64 addr, u64 len, u32 type)
{
	struct mb2_mmap_entry *e;

	if (len == 0) {
		log_debug("mb2: memory map entry %u at 0x%llx has length 0, skipped\n", i,
			  (unsigned long long)addr);
		return;
	}
	if (addr + len < addr) {
		log_warn("mb2: memory map entry %u [0x%llx, +0x%llx) wraps past 2^64, skipped\n", i,
			 (unsigned long long)addr, (unsigned long long)len);
		return;
	}
	if (out->mmap_count >= MAX_MMAP) {
		out->mmap_dropped++;
		return;
	}
	e = &out->mmap[out->mmap_count++];
	e->addr = addr;
	e->len = len;
	e->type = type;
}

static int parse_mmap(const struct tag *t, struct mb2_info *out)
{
	u32 entry_size = rd32(t->body), version = rd32(t->body + 4);
	u32 bytes = t->size - MMAP_HDR_SIZE;

	/* entry_size is how the loader says "entries may grow": honour it, but a
	 * size that cannot hold the fields we read, or breaks 8-byte alignment of
	 * the u64 fields, means the tag is garbage. */
	if (entry_size < MMAP_ENTRY_MIN || entry_size % 8) {
		log_err("mb2: memory map at offset 0x%x has entry_size %u (must be >= %u and a "
			"multiple of 8)\n",
			t->off, entry_size, MMAP_ENTRY_MIN);
		return ERR(E_INVAL);
	}
	if (bytes % entry_size) {
		log_err("mb2: memory map at offset 0x%x: entries run past the tag (%u bytes of "
			"entries, entry_size %u)\n",
			t->off, bytes, entry_size);
		return ERR(E_RANGE);
	}
	if (version != 0)
		log_debug("mb2: memory map entry_version %u, reading it as version 0\n", version);
	for (u32 i = 0; i < bytes / entry_size; i++) {
		const u8 *e = t->body + 8 + (size_t)i * entry_size;

		add_mmap_entry(out, i, rd64(e), rd64(e + 8), rd32(e + 16));
	}
	return 0;
}

/* Tag 14 carries an ACPI 1.0 RSDP, tag 15 a 2.0+ one; 15 wins whatever the order. */
static int parse_rsdp(const struct tag *t, struct mb2_info *out)
{
	u32 len = t->type == MB2_TAG_ACPI_NEW ? MB2_RSDP_V2_LEN : MB2_RSDP_V1_LEN;

	if (out->rsdp_tag == MB2_TAG_ACPI_NEW)
		return 0;
	memcpy(out->rsdp, t->body, len);
	out->rsdp_len = len;
	out->rsdp_tag = (u8)t->type;
	return 0;
}

static int parse_efi32(const struct tag *t, struct mb2_info *out)
{
	out->efi32_system_table = rd32(t->body);
	out->has_efi32 = true;
	return 0;
}

static int parse_efi64(const struct tag *t, struct mb2_info *out)
{
	out->efi64_system_table = rd64(t->body);
	out->has_efi64 = true;
	return 0;
}

static int parse_efi_mmap(const struct tag *t, struct mb2_info *out)
{
	/* Bulkhead runs after ExitBootServices and uses tag 6; note only that it exists. */
	log_debug("mb2: EFI memory map, descriptor size %u version %u, %u bytes\n", rd32(t->body),
		  rd32(t->body + 4), t->body_len - 8);
	out->has_efi_mmap = true;
	return 0;
}

static int parse_efi_bs(const struct tag *t, struct mb2_info *out)
{
	(void)t;
	out->efi_boot_services_not_terminated = true;
	return 0;
}

static int parse_efi32_ih(const struct tag *t, struct mb2_info *out)
{
	out->efi32_image_handle = rd32(t->body);
	return 0;
}

static int parse_efi64_ih(const struct tag *t, struct mb2_info *out)
{
	out->efi64_image_handle = rd64(t->body);
	return 0;
}

static const struct tag_kind kinds[] = {
    [MB2_TAG_CMDLINE] = {"boot command line", TAG_HDR_SIZE, true, parse_cmdline},
    [MB2_TAG_LOADER_NAME] = {"boot loader name", TAG_HDR_SIZE, true, parse_loader_name},
    [MB2_TAG_MODULE] = {"module", MODULE_HDR_SIZE, false, parse_module},
    [MB2_TAG_MEMINFO] = {"basic memory info", 16, true, parse_meminfo},
    [MB2_TAG_BOOTDEV] = {"BIOS boot device", TAG_HDR_SIZE, false, NULL},
    [MB2_TAG_MMAP] = {"memory map", MMAP_HDR_SIZE, true, parse_mmap},
    [MB2_TAG_VBE] = {"VBE info", TAG_HDR_SIZE, false, NULL},
    [MB2_TAG_FRAMEBUFFER] = {"framebuffer info", TAG_HDR_SIZE, false, NULL},
    [MB2_TAG_ELF_SECTIONS] = {"ELF sections", TAG_HDR_SIZE, false, NULL},
    [MB2_TAG_APM] = {"APM table", TAG_HDR_SIZE, false, NULL},
    [MB2_TAG_EFI32] = {"EFI32 system table", 12, true, parse_efi32},
    [MB2_TAG_EFI64] = {"EFI64 system table", 16, true, parse_efi64},
    [MB2_TAG_SMBIOS] = {"SMBIOS tables", TAG_HDR_SIZE, false, NULL},
    [MB2_TAG_ACPI_OLD] = {"ACPI 1.0 RSDP", TAG_HDR_SIZE + MB2_RSDP_V1_LEN, true, parse_rsdp},
    [MB2_TAG_ACPI_NEW] = {"ACPI 2.0 RSDP", TAG_HDR_SIZE + MB2_RSDP_V2_LEN, true, parse_rsdp},
    [MB2_TAG_NETWORK] = {"network info", TAG_HDR_SIZE, false, NULL},
    [MB2_TAG_EFI_MMAP] = {"EFI memory map", 16, true, parse_efi_mmap},
    [MB2_TAG_EFI_BS] = {"EFI boot services not terminated", TAG_HDR_SIZE, false, parse_efi_bs},
    [MB2_TAG_EFI32_IH] = {"EFI32 image handle", 12, true, parse_efi32_ih},
    [MB2_TAG_EFI64_IH] = {"EFI64 image handle", 16, true, parse_efi64_ih},
    [MB2_TAG_LOAD_BASE] = {"image load base", TAG_HDR_SIZE, false, NULL},
};

static int parse_tag(const struct tag *t, u32 *seen, struct mb2_info *out)
{
	const struct tag_kind *k = t->type < ARRAY_SIZE(kinds) ? &kinds[t->type] : NULL;

	if (!k || !k->name) {
		log_debug("mb2: tag %u at offset 0x%x (size %u) unknown, skipped\n", t->type,
			  t->off, t->size);
		return 0;
	}
	if (t->size < k->min_size) {
		log_err(
		    "mb2: tag %u (%s) at offset 0x%x is too short (size %u, needs at least %u)\n",
		    t->type, k->name, t->off, t->size, k->min_size);
		return ERR(E_INVAL);
	}
	if (k->once && (*seen & (1u << t->type))) {
		log_warn("mb2: duplicate tag %u (%s) at offset 0x%x ignored\n", t->type, k->name,
			 t->off);
		return 0;
	}
	*seen |= 1u << t->type;
	log_debug("mb2: tag %u (%s) at offset 0x%x size %u\n", t->type, k->name, t->off, t->size);
	return k->parse ? k->parse(t, out) : 0;
}

/* Walk the tags of a block whose total_size is already known to be readable. */
static int parse_tags(const u8 *base, u32 total, struct mb2_info *out)
{
	u32 seen = 0;
	u64 off = HDR_SIZE;

	for (;;) {
		struct tag t;
		int rc;

		/* Offsets only ever grow by aligned sizes; this would catch a slip in that. */
		if (off % TAG_ALIGN) {
			log_err("mb2: tag at offset 0x%llx is not 8-byte aligned\n",
				(unsigned long long)off);
			return ERR(E_INVAL);
		}
		if (off >= total) {
			log_err("mb2: no end tag (tags run to offset 0x%llx, info ends at 0x%x)\n",
				(unsigned long long)off, total);
			return ERR(E_INVAL);
		}
		if (total - off < TAG_HDR_SIZE) {
			log_err(
			    "mb2: tag header at offset 0x%llx does not fit (info ends at 0x%x)\n",
			    (unsigned long long)off, total);
			return ERR(E_RANGE);
		}
		t.off = (u32)off;
		t.type = rd32(base + off);
		t.size = rd32(base + off + 4);
		if (t.size < TAG_HDR_SIZE) {
			log_err(
			    "mb2: tag %u at offset 0x%x has size %u, less than its 8-byte header\n",
			    t.type, t.off, t.size);
			return ERR(E_INVAL);
		}
		if (t.size > total - off) {
			log_err(
			    "mb2: tag %u at offset 0x%x runs past the end (size %u, info ends at "
			    "0x%x)\n",
			    t.type, t.off, t.size, total);
			return ERR(E_RANGE);
		}
		if (t.type == MB2_TAG_END) {
			if (t.size != TAG_HDR_SIZE) {
				log_err("mb2: end tag at offset 0x%x has size %u, expected 8\n",
					t.off, t.size);
				return ERR(E_INVAL);
			}
			if (off + TAG_HDR_SIZE < total)
				log_debug("mb2: %llu bytes after the end tag ignored\n",
					  (unsigned long long)(total - off - TAG_HDR_SIZE));
			return 0;
		}
		t.body = base + off + TAG_HDR_SIZE;
		t.body_len = t.size - TAG_HDR_SIZE;
		rc = parse_tag(&t, &seen, out);
		if (rc)
			return rc;
		out->tag_count++;
		off += align_up(t.size, TAG_ALIGN);
	}
}

static void warn_dropped(const struct mb2_info *out)
{
	if (out->mmap_dropped)
		log_warn(
		    "mb2: memory map has %u entries, kept the first %u (MAX_MMAP), %u dropped\n",
		    out->mmap_count + out->mmap_dropped, out->mmap_count, out->mmap_dropped);
	if (out->modules_dropped)
		log_warn("mb2: %u modules, kept the first %u (MAX_MODULES), %u dropped\n",
			 out->module_count + out->modules_dropped, out->module_count,
			 out->modules_dropped);
}

/* Everything about the block as a whole, before any tag is read. */
static int check_header(const void *buf, size_t buf_limit, u32 *total)
{
	if (!buf) {
		log_err("mb2: no boot information (NULL pointer)\n");
		return ERR(E_INVAL);
	}
	if ((uintptr_t)buf % TAG_ALIGN) {
		log_err("mb2: boot information at %p is not 8-byte aligned\n", buf);
		return ERR(E_INVAL);
	}
	if (buf_limit < HDR_SIZE) {
		log_err("mb2: only %zu bytes readable, the fixed header needs %u\n", buf_limit,
			HDR_SIZE);
		return ERR(E_RANGE);
	}
	*total = rd32(buf);
	if (*total < HDR_SIZE + TAG_HDR_SIZE) {
		log_err("mb2: info too small: total_size %u, needs at least %u for the header and "
			"end tag\n",
			*total, HDR_SIZE + TAG_HDR_SIZE);
		return ERR(E_INVAL);
	}
	if (*total > buf_limit) {
		log_err(
		    "mb2: info too large: total_size %u (0x%x) exceeds the limit of %zu bytes\n",
		    *total, *total, buf_limit);
		return ERR(E_RANGE);
	}
	return 0;
}

int mb2_parse(const void *buf, size_t buf_limit, u64 info_phys, struct mb2_info *out)
{
	u32 total = 0;
	int rc;

	if (!out) {
		log_err("mb2: no output struct\n");
		return ERR(E_INVAL);
	}
	memset(out, 0, sizeof(*out));
	rc = check_header(buf, buf_limit, &total);
	if (!rc)
		rc = parse_tags(buf, total, out);
	if (rc) {
		/* Half-parsed data must not be mistaken for a result. */
		memset(out, 0, sizeof(*out));
		return rc;
	}
	out->info_phys = info_phys;
	out->total_size = total;
	warn_dropped(out);
	log_debug("mb2: %u tags, %u memory map entries, %u modules, loader \"%s\"\n",
		  out->tag_count, out->mmap_count, out->module_count, out->loader_name);
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* `s` is NUL-terminated within MAX_CMDLINE bytes (struct mb2_module guarantees it). */
static bool first_word_is(const char *s, const char *word, size_t word_len)
{
	size_t i = 0;

	while (i < MAX_CMDLINE && is_space(s[i]))
		i++;
	if (word_len > MAX_CMDLINE - i || strncmp(s + i, word, word_len) != 0)
		return false;
	return i + word_len == MAX_CMDLINE || s[i + word_len] == '\0' || is_space(s[i + word_len]);
}

const struct mb2_module *mb2_find_module(const struct mb2_info *mb, const char *tag)
{
	size_t len;

	if (!mb || !tag)
		return NULL;
	/* A module string holds at most MAX_CMDLINE - 1 bytes: a longer tag never matches. */
	len = strnlen(tag, MAX_CMDLINE);
	if (len == 0 || len == MAX_CMDLINE)
		return NULL;
	for (u32 i = 0; i < mb->module_count && i < MAX_MODULES; i++)
		if (first_word_is(mb->modules[i].cmdline, tag, len))
			return &mb->modules[i];
	return NULL;
}

const char *mb2_cmdline_arg(const char *cmdline, const char *key, char *val, size_t val_size)
{
	size_t len, klen, i = 0, vlen = 0;
	const char *v = NULL;

	if (!cmdline || !key || !val || val_size == 0)
		return NULL;
	/* A key of MAX_CMDLINE bytes or more is longer than any word we would look at. */
	klen = strnlen(key, MAX_CMDLINE);
	if (klen == 0 || klen == MAX_CMDLINE)
		return NULL;
	len = strnlen(cmdline, MAX_CMDLINE);
	while (i < len) {
		size_t start, wlen;

		while (i < len && is_space(cmdline[i]))
			i++;
		start = i;
		while (i < len && !is_space(cmdline[i]))
			i++;
		wlen = i - start;
		if (wlen < klen || memcmp(cmdline + start, key, klen) != 0)
			continue;
		if (wlen == klen) { /* bare word */
			v = cmdline + i;
			vlen = 0;
		} else if (cmdline[start + klen] == '=') {
			v = cmdline + start + klen + 1;
			vlen = wlen - klen - 1;
		}
	}
	if (!v)
		return NULL;
	if (vlen >= val_size) {
		log_warn("mb2: value of %s= truncated from %zu to %zu bytes\n", key, vlen,
			 val_size - 1);
		vlen = val_size - 1;
	}
	memcpy(val, v, vlen);
	val[vlen] = '\0';
	return val;
}
