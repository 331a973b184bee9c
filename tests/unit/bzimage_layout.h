/* The bzImage setup header's fields, as offsets into the file, from the Linux/x86 boot
 * protocol (Documentation/arch/x86/boot.rst): for the unit tests' synthetic kernels, spelled
 * out here rather than taken from core/bzimage.c. */
#ifndef BULKHEAD_TESTS_BZIMAGE_LAYOUT_H
#define BULKHEAD_TESTS_BZIMAGE_LAYOUT_H

enum {
	H_SETUP_SECTS = 0x1f1,	   /* u8 */
	H_SYSSIZE = 0x1f4,	   /* u32 */
	H_BOOT_FLAG = 0x1fe,	   /* u16 */
	H_JUMP = 0x200,		   /* u16 */
	H_HEADER = 0x202,	   /* u32 "HdrS" */
	H_VERSION = 0x206,	   /* u16 */
	H_LOADFLAGS = 0x211,	   /* u8 */
	H_CODE32_START = 0x214,	   /* u32 */
	H_INITRD_ADDR_MAX = 0x22c, /* u32 */
	H_KERNEL_ALIGN = 0x230,	   /* u32 */
	H_RELOCATABLE = 0x234,	   /* u8 */
	H_MIN_ALIGNMENT = 0x235,   /* u8 */
	H_XLOADFLAGS = 0x236,	   /* u16 */
	H_CMDLINE_SIZE = 0x238,	   /* u32 */
	H_PREF_ADDRESS = 0x258,	   /* u64 */
	H_INIT_SIZE = 0x260,	   /* u32 */
	H_HANDOVER = 0x264,	   /* u32 */
	H_KERNEL_INFO = 0x268,	   /* u32 */
	H_END = 0x26c,		   /* end of the 2.15 header */
};

#endif
