/*
 * Linux x86 bzImage header parser (the Linux/x86 boot protocol, Documentation/arch/x86/boot.rst).
 *
 * A bzImage file is a real-mode setup part of (setup_sects + 1) * 512 bytes, whose first
 * sector carries the setup header at 0x1f1, followed by the protected-mode kernel. Bulkhead
 * boots Linux through the 64-bit entry point: it copies the protected-mode part to a load
 * address in the partition's RAM, builds a zero page from the setup header, and starts the
 * vCPU at load address + 0x200 in long mode. bzimage_parse() checks the header for that and
 * reads nothing outside [buf, buf + len).
 *
 * What a successful bzimage_parse() promises (the loader may rely on it without checking):
 * - protocol >= BZIMAGE_MIN_PROTOCOL, LOADED_HIGH set, XLF_KERNEL_64 set (has_64bit_entry);
 * - 1 <= setup_sects; setup_size == (setup_sects + 1) * 512 == kernel_offset;
 * - header_end <= 0x301 < setup_size: the whole setup header is inside the file (it may end
 *   before BZIMAGE_HDR_END in a malformed image; that is not checked);
 * - kernel_size > 0 and kernel_offset + kernel_size == len: the protected-mode part is the
 *   rest of the file;
 * - init_size > 0; if relocatable, kernel_alignment is a non-zero power of two.
 */
#ifndef BULKHEAD_CORE_BZIMAGE_H
#define BULKHEAD_CORE_BZIMAGE_H

#include "bulkhead/types.h"

/* 2.12 added xloadflags, which says whether the 64-bit entry point exists. */
#define BZIMAGE_MIN_PROTOCOL 0x020c

/* Offset of the setup header in the file; the loader copies [0x1f1, header_end) into the zero
 * page at the same offset. BZIMAGE_HDR_END is the end of the last field read (init_size). */
#define BZIMAGE_HDR_START 0x1f1
#define BZIMAGE_HDR_END	  0x264

/* The 64-bit entry point is this far into the protected-mode kernel. */
#define BZIMAGE_ENTRY64_OFFSET 0x200

/* loadflags (0x211) */
#define BZ_LOADED_HIGH (1u << 0)
/* xloadflags (0x236) */
#define XLF_KERNEL_64		   (1u << 0)
#define XLF_CAN_BE_LOADED_ABOVE_4G (1u << 1)

struct bzimage {
	u16 protocol;	   /* boot protocol version, e.g. 0x020f for 2.15 */
	u8 setup_sects;	   /* as used: a 0 in the file reads as 4 */
	u64 setup_size;	   /* (setup_sects + 1) * 512: bytes before the protected-mode kernel */
	u32 header_end;	   /* 0x202 + the jump byte at 0x201: end of the setup header, <= 0x301 */
	u64 kernel_offset; /* == setup_size */
	u64 kernel_size;   /* the protected-mode part: len - kernel_offset, > 0 */
	u32 init_size;	   /* bytes the kernel needs from its (aligned) load address, > 0 */
	u64 pref_address;  /* preferred load address; where a non-relocatable kernel must go */
	u32 kernel_alignment; /* a power of two if relocatable, else as in the file */
	bool relocatable;     /* relocatable_kernel (0x234) non-zero */
	u32 initrd_addr_max;  /* highest address the initrd's last byte may have */
	u32 cmdline_size;     /* longest command line, without the terminating NUL */
	u16 xloadflags;
	bool has_64bit_entry; /* XLF_KERNEL_64: always true after a successful parse */
};

/* buf has the boot sector signature and the "HdrS" magic of a Linux boot image (false if
 * len is too short to hold them or buf is NULL). Says nothing about whether it is usable. */
bool bzimage_is_bzimage(const void *buf, size_t len);

/*
 * Check a bzImage of `len` bytes for booting through the 64-bit entry point and fill *out.
 * `who` names the image in messages (NULL gives "image"). `buf` needs no particular
 * alignment.
 *
 * Returns 0, or a negative code after one log_err line "bzimage: <who>: <what is wrong>",
 * with *out zeroed:
 *   E_RANGE  the file is too short for the setup header, or for the setup part that
 *            setup_sects declares, or has nothing after it (empty kernel part);
 *   E_INVAL  no boot sector signature or "HdrS" magic, protocol older than 2.12, a zImage
 *            (LOADED_HIGH clear), no 64-bit entry point (XLF_KERNEL_64 clear), a relocatable
 *            kernel whose kernel_alignment is not a power of two, or init_size 0.
 */
int bzimage_parse(const void *buf, size_t len, const char *who, struct bzimage *out);

/*
 * Would the kernel run from guest-physical `load_addr` in a RAM region of `ram_size` bytes at
 * guest-physical `ram_base`? True when: a relocatable kernel's load_addr is a multiple of
 * kernel_alignment, or a non-relocatable kernel's load_addr is pref_address; the larger of
 * kernel_size and init_size fits from load_addr to the end of the region, without wrapping;
 * and, unless XLF_CAN_BE_LOADED_ABOVE_4G is set, that range ends at or below 4 GiB.
 * False for a NULL or unparsed (zeroed) bz, and for a region that wraps past 2^64 (one may end
 * exactly there).
 * Only the protected-mode kernel is considered: the zero page, command line and initrd are
 * placed by the caller.
 */
bool bzimage_fits(const struct bzimage *bz, u64 load_addr, u64 ram_base, u64 ram_size);

#endif
