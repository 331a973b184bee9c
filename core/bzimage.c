/*
 * bzImage setup header parser, written from the Linux/x86 boot protocol
 * (Documentation/arch/x86/boot.rst): the real-mode kernel header table and the 64-bit boot
 * protocol section.
 *
 * The image is distrusted: the length is checked against the last header field read before
 * any field is read, and setup_sects is checked against the length before it is used. Fields
 * are assembled byte by byte (little-endian), so neither the host's byte order nor the
 * alignment of buf matters.
 *
 * Decisions the protocol leaves open, or where Bulkhead is stricter than a general loader:
 * - Protocol 2.12 is the minimum (xloadflags, hence XLF_KERNEL_64, arrived then), so every
 *   field up to init_size (2.10) exists and no per-version defaults are needed: cmdline_size
 *   (2.06), initrd_addr_max (2.03), pref_address (2.10) are always read from the file.
 * - The length check uses the end of the last field read (init_size, 0x264), not the header
 *   length the jump at 0x200 implies: every 2.12+ kernel's header reaches past it.
 * - syssize (0x1f4) is not checked: the protected-mode part is taken to be the whole rest of
 *   the file, which is what gets copied.
 * - A non-relocatable kernel's kernel_alignment is not checked (it must be loaded at
 *   pref_address anyway); min_alignment, handover_offset, payload_* and the EFI fields are
 *   not looked at.
 * - init_size smaller than the kernel part is accepted; bzimage_fits() uses the larger.
 */
#include "core/bzimage.h"
#include "core/error.h"
#include "core/log.h"
#include "core/lib/string.h"

/* Setup header fields, as offsets into the file. */
#define OFF_SETUP_SECTS	     0x1f1 /* u8 */
#define OFF_BOOT_FLAG	     0x1fe /* u16, 0xaa55 */
#define OFF_JUMP_LEN	     0x201 /* u8, header end - 0x202 */
#define OFF_HEADER	     0x202 /* u32, "HdrS" */
#define OFF_VERSION	     0x206 /* u16 */
#define OFF_LOADFLAGS	     0x211 /* u8 */
#define OFF_INITRD_ADDR_MAX  0x22c /* u32, 2.03+ */
#define OFF_KERNEL_ALIGNMENT 0x230 /* u32, 2.05+ */
#define OFF_RELOCATABLE	     0x234 /* u8, 2.05+ */
#define OFF_XLOADFLAGS	     0x236 /* u16, 2.12+ */
#define OFF_CMDLINE_SIZE     0x238 /* u32, 2.06+ */
#define OFF_PREF_ADDRESS     0x258 /* u64, 2.10+ */
#define OFF_INIT_SIZE	     0x260 /* u32, 2.10+ */

#define BOOT_FLAG	 0xaa55
#define SECTOR		 512
#define SETUP_SECTS_ZERO 4 /* a 0 in setup_sects means this many */
#define FOUR_GIB	 (4ULL * GiB)

static const u8 hdr_magic[4] = {'H', 'd', 'r', 'S'};

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

static bool is_pow2(u64 v)
{
	return v && !(v & (v - 1));
}

bool bzimage_is_bzimage(const void *buf, size_t len)
{
	const u8 *p = buf;

	return p && len >= OFF_HEADER + sizeof(hdr_magic) && rd16(p + OFF_BOOT_FLAG) == BOOT_FLAG &&
	       memcmp(p + OFF_HEADER, hdr_magic, sizeof(hdr_magic)) == 0;
}

/* The length, the two magic numbers, the protocol version and loadflags. */
static int check_header(const u8 *p, size_t len, const char *who)
{
	u16 boot_flag, version;
	u8 loadflags;

	if (len < BZIMAGE_HDR_END) {
		log_err("bzimage: %s: image is %zu bytes, too small for the setup header (need "
			"0x%x)\n",
			who, len, BZIMAGE_HDR_END);
		return ERR(E_RANGE);
	}
	boot_flag = rd16(p + OFF_BOOT_FLAG);
	if (boot_flag != BOOT_FLAG) {
		log_err("bzimage: %s: not a Linux boot image (boot_flag 0x%04x at 0x1fe, need "
			"0xaa55)\n",
			who, boot_flag);
		return ERR(E_INVAL);
	}
	if (memcmp(p + OFF_HEADER, hdr_magic, sizeof(hdr_magic)) != 0) {
		log_err(
		    "bzimage: %s: no setup header (bytes at 0x202 are %02x %02x %02x %02x, need "
		    "\"HdrS\")\n",
		    who, p[OFF_HEADER], p[OFF_HEADER + 1], p[OFF_HEADER + 2], p[OFF_HEADER + 3]);
		return ERR(E_INVAL);
	}
	version = rd16(p + OFF_VERSION);
	if (version < BZIMAGE_MIN_PROTOCOL) {
		log_err("bzimage: %s: boot protocol %u.%02u too old, need 2.12 for the 64-bit "
			"entry\n",
			who, version >> 8, version & 0xff);
		return ERR(E_INVAL);
	}
	loadflags = p[OFF_LOADFLAGS];
	if (!(loadflags & BZ_LOADED_HIGH)) {
		log_err("bzimage: %s: zImage not supported (loadflags 0x%02x, LOADED_HIGH clear)\n",
			who, loadflags);
		return ERR(E_INVAL);
	}
	return 0;
}

int bzimage_parse(const void *buf, size_t len, const char *who, struct bzimage *out)
{
	const u8 *p = buf;
	struct bzimage bz;
	u64 setup_size;
	u8 sects;
	int rc;

	if (!who)
		who = "image";
	if (!out) {
		log_err("bzimage: %s: no output struct\n", who);
		return ERR(E_INVAL);
	}
	memset(out, 0, sizeof(*out));
	if (!p) {
		log_err("bzimage: %s: no image (NULL pointer)\n", who);
		return ERR(E_INVAL);
	}
	rc = check_header(p, len, who);
	if (rc)
		return rc;

	memset(&bz, 0, sizeof(bz));
	sects = p[OFF_SETUP_SECTS];
	if (sects == 0)
		sects = SETUP_SECTS_ZERO;
	setup_size = ((u64)sects + 1) * SECTOR;
	if (setup_size > len) {
		log_err(
		    "bzimage: %s: truncated: setup_sects %u means a 0x%llx-byte setup part, but "
		    "the image is 0x%zx bytes\n",
		    who, sects, (unsigned long long)setup_size, len);
		return ERR(E_RANGE);
	}
	if (setup_size == len) {
		log_err("bzimage: %s: kernel part empty: the image ends with the 0x%llx-byte setup "
			"part (setup_sects %u)\n",
			who, (unsigned long long)setup_size, sects);
		return ERR(E_RANGE);
	}
	bz.xloadflags = rd16(p + OFF_XLOADFLAGS);
	if (!(bz.xloadflags & XLF_KERNEL_64)) {
		log_err("bzimage: %s: no 64-bit entry point (xloadflags 0x%04x, XLF_KERNEL_64 "
			"clear)\n",
			who, bz.xloadflags);
		return ERR(E_INVAL);
	}
	bz.relocatable = p[OFF_RELOCATABLE] != 0;
	bz.kernel_alignment = rd32(p + OFF_KERNEL_ALIGNMENT);
	if (bz.relocatable && !is_pow2(bz.kernel_alignment)) {
		log_err(
		    "bzimage: %s: relocatable kernel with kernel_alignment 0x%x, not a power of "
		    "two\n",
		    who, bz.kernel_alignment);
		return ERR(E_INVAL);
	}
	bz.init_size = rd32(p + OFF_INIT_SIZE);
	if (bz.init_size == 0) {
		log_err("bzimage: %s: init_size 0 (memory the kernel needs is unknown)\n", who);
		return ERR(E_INVAL);
	}

	bz.protocol = rd16(p + OFF_VERSION);
	bz.setup_sects = sects;
	bz.setup_size = setup_size;
	bz.header_end = OFF_HEADER + (u32)p[OFF_JUMP_LEN];
	bz.kernel_offset = setup_size;
	bz.kernel_size = len - setup_size;
	bz.pref_address = rd64(p + OFF_PREF_ADDRESS);
	bz.initrd_addr_max = rd32(p + OFF_INITRD_ADDR_MAX);
	bz.cmdline_size = rd32(p + OFF_CMDLINE_SIZE);
	bz.has_64bit_entry = true;
	log_debug("bzimage: %s: protocol %u.%02u, kernel 0x%llx bytes at offset 0x%llx, "
		  "init_size 0x%x, pref_address 0x%llx, %s alignment 0x%x, xloadflags 0x%04x\n",
		  who, bz.protocol >> 8, bz.protocol & 0xff, (unsigned long long)bz.kernel_size,
		  (unsigned long long)bz.kernel_offset, bz.init_size,
		  (unsigned long long)bz.pref_address, bz.relocatable ? "relocatable," : "fixed,",
		  bz.kernel_alignment, bz.xloadflags);
	*out = bz;
	return 0;
}

bool bzimage_fits(const struct bzimage *bz, u64 load_addr, u64 ram_base, u64 ram_size)
{
	u64 need, room;

	if (!bz || !bz->has_64bit_entry)
		return false;
	if (bz->relocatable) {
		if (!is_pow2(bz->kernel_alignment) || (load_addr & (bz->kernel_alignment - 1)))
			return false;
	} else if (load_addr != bz->pref_address) {
		return false;
	}
	if (ram_base && ram_size > (u64)0 - ram_base)
		return false; /* the region itself wraps past 2^64 */
	if (load_addr < ram_base || load_addr - ram_base > ram_size)
		return false;
	room = ram_size - (load_addr - ram_base);
	need = bz->init_size > bz->kernel_size ? bz->init_size : bz->kernel_size;
	if (need > room)
		return false;
	if (!(bz->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G) &&
	    (load_addr > FOUR_GIB || need > FOUR_GIB - load_addr))
		return false;
	return true;
}
