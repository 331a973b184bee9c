/*
 * ELF64 image parser for payload partition images (System V gABI, x86-64 psABI).
 *
 * Payloads run with paging off or identity mapped, so an image is loaded by physical
 * address: each PT_LOAD segment's p_filesz bytes at p_offset go to p_paddr, and the rest of
 * its p_memsz is zero-filled. elf_parse() checks the whole image before anything is copied
 * and reads nothing outside [buf, buf + len); the loader then only needs struct elf_image.
 *
 * What a successful elf_parse() promises (the loader may rely on it without checking):
 * - 1 <= segment_count <= ELF_MAX_SEGMENTS; seg[] is in program header order, not sorted;
 * - for every segment: 0 < memsz, filesz <= memsz, offset + filesz <= len (no wrap),
 *   paddr + memsz does not wrap (a segment may not end exactly at 2^64);
 * - no two segments overlap in [paddr, paddr + memsz);
 * - entry lies in [paddr, paddr + filesz) of a segment with ELF_PF_X: it is a physical
 *   address (the CPU jumps there with paging off / identity), inside bytes from the file.
 */
#ifndef BULKHEAD_CORE_ELF_H
#define BULKHEAD_CORE_ELF_H

#include "bulkhead/types.h"

#define ELF_MAX_SEGMENTS 8

/* Segment permission bits (p_flags); only these three are kept in elf_segment.flags. */
#define ELF_PF_X 1
#define ELF_PF_W 2
#define ELF_PF_R 4

struct elf_segment {
	u64 paddr;  /* physical load address */
	u64 offset; /* file offset of the first byte */
	u64 filesz; /* bytes copied from the file */
	u64 memsz;  /* bytes in memory; [filesz, memsz) is zero-filled */
	u32 flags;  /* ELF_PF_X | ELF_PF_W | ELF_PF_R */
};

struct elf_image {
	u64 entry; /* physical entry address */
	u32 segment_count;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/* buf starts with the ELF magic \x7fELF (false if len < 4 or buf is NULL). */
bool elf_is_elf(const void *buf, size_t len);

/*
 * Validate an ELF64 little-endian x86-64 ET_EXEC image of `len` bytes and list its PT_LOAD
 * segments (by physical address: payloads run with paging off / identity). `who` names the
 * image in messages (e.g. the partition name; NULL gives "image"). PT_LOAD segments with
 * p_memsz 0 are skipped; other program header types (PT_NOTE, PT_GNU_STACK, ...) and the
 * section headers are ignored. `buf` needs no particular alignment.
 *
 * Returns 0, or a negative code after one log_err line "elf: <who>: <what is wrong>", with
 * *out zeroed:
 *   E_RANGE    the header, program header table or a segment's file bytes lie outside the
 *              image, or a segment's physical range wraps past 2^64;
 *   E_INVAL    not an ELF64 LSB x86-64 ET_EXEC image (including ET_DYN), a malformed header
 *              or segment, overlapping segments, or a bad entry point;
 *   E_NOTFOUND no program headers or no loadable segment;
 *   E_NOMEM    more than ELF_MAX_SEGMENTS loadable segments.
 */
int elf_parse(const void *buf, size_t len, const char *who, struct elf_image *out);

#endif
