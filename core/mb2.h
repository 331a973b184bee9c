/*
 * Multiboot2 boot information parser (Multiboot2 spec §3.6).
 *
 * GRUB hands Bulkhead a block of tags; mb2_parse() checks every size and
 * offset in it, reads nothing outside [buf, buf + total_size), and copies what
 * Bulkhead needs into a fixed-size struct mb2_info so that nothing later has
 * to look at the raw block again.
 */
#ifndef BULKHEAD_CORE_MB2_H
#define BULKHEAD_CORE_MB2_H

#include "core/config.h"
#include "bulkhead/types.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289	   /* in EAX at entry */
#define MB2_MAX_SIZE	     (1024 * 1024) /* largest info block the hypervisor accepts */

/* Boot information tag types. */
enum {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER_NAME = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_MEMINFO = 4,
	MB2_TAG_BOOTDEV = 5,
	MB2_TAG_MMAP = 6,
	MB2_TAG_VBE = 7,
	MB2_TAG_FRAMEBUFFER = 8,
	MB2_TAG_ELF_SECTIONS = 9,
	MB2_TAG_APM = 10,
	MB2_TAG_EFI32 = 11,
	MB2_TAG_EFI64 = 12,
	MB2_TAG_SMBIOS = 13,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
	MB2_TAG_NETWORK = 16,
	MB2_TAG_EFI_MMAP = 17,
	MB2_TAG_EFI_BS = 18,
	MB2_TAG_EFI32_IH = 19,
	MB2_TAG_EFI64_IH = 20,
	MB2_TAG_LOAD_BASE = 21,
};

/* Memory map entry types; the spec says any other value is reserved too. */
enum {
	MB2_MMAP_AVAILABLE = 1,
	MB2_MMAP_RESERVED = 2,
	MB2_MMAP_ACPI_RECLAIMABLE = 3,
	MB2_MMAP_NVS = 4,
	MB2_MMAP_BADRAM = 5,
};

#define MB2_RSDP_V1_LEN 20 /* ACPI 1.0 RSDP */
#define MB2_RSDP_V2_LEN 36 /* ACPI 2.0+ RSDP (XSDT address, extended checksum) */

struct mb2_mmap_entry {
	u64 addr, len; /* len != 0; addr + len > addr (an entry ending at 2^64 is dropped) */
	u32 type;      /* MB2_MMAP_*, kept as the loader gave it */
};

struct mb2_module {
	u64 start, end;		   /* [start, end) physical */
	char cmdline[MAX_CMDLINE]; /* the module's string, e.g. "rt0" or "linux0 console=ttyS0" */
};

struct mb2_info {
	u64 info_phys;	/* where the info block itself is (to reserve it) */
	u32 total_size; /* its size in bytes */

	char cmdline[MAX_CMDLINE]; /* always NUL-terminated; "" when absent */
	bool has_cmdline;
	char loader_name[64]; /* "" when absent */

	u32 mem_lower_kb, mem_upper_kb;
	bool has_meminfo;

	u32 mmap_count;
	struct mb2_mmap_entry mmap[MAX_MMAP];
	u32 mmap_dropped; /* entries beyond MAX_MMAP, counted not silently lost */

	u32 module_count;
	struct mb2_module modules[MAX_MODULES];
	u32 modules_dropped; /* modules beyond MAX_MODULES */

	u8 rsdp[MB2_RSDP_V2_LEN]; /* copy of the RSDP, not validated here (ACPI code does) */
	u32 rsdp_len;		  /* 0, MB2_RSDP_V1_LEN or MB2_RSDP_V2_LEN */
	u8 rsdp_tag;		  /* 0, MB2_TAG_ACPI_OLD or MB2_TAG_ACPI_NEW; 15 wins over 14 */

	u64 efi64_system_table;
	u32 efi32_system_table;
	bool has_efi64, has_efi32, efi_boot_services_not_terminated, has_efi_mmap;
	u64 efi64_image_handle;
	u32 efi32_image_handle;

	u32 tag_count; /* tags seen before the end tag, unknown and ignored ones included */
};

/*
 * Parse the boot information at `buf`. `buf_limit` is how many bytes may be
 * read at most (MB2_MAX_SIZE in the hypervisor, the buffer size in tests);
 * `info_phys` is only recorded. `buf` must be 8-byte aligned (the spec
 * guarantees it). Returns 0, or a negative E_* code after a "mb2: " log_err
 * line naming what is wrong and at which offset; on error *out is zeroed.
 */
int mb2_parse(const void *buf, size_t buf_limit, u64 info_phys, struct mb2_info *out);

/* The first module whose cmdline's first word (leading blanks skipped) is exactly `tag`
 * ("rt0" does not match "rt01"), or NULL. Only the first module_count modules are looked at. */
const struct mb2_module *mb2_find_module(const struct mb2_info *mb, const char *tag);

/*
 * Look up `key` in a space-separated command line: "key=value" copies value
 * (truncated to val_size - 1 bytes, with a log_warn) into val; a bare word
 * "key" gives "". When a key appears more than once the last one wins, so a
 * word appended at the GRUB prompt overrides the config. No quoting. Reads at
 * most MAX_CMDLINE bytes of cmdline. Returns val, or NULL when the key is
 * absent or an argument is NULL / val_size is 0.
 */
const char *mb2_cmdline_arg(const char *cmdline, const char *key, char *val, size_t val_size);

#endif
