/*
 * The message a PCI device writes to interrupt a CPU (Intel SDM Vol. 3A §11.11): an address
 * in 0xfee00000-0xfeefffff naming the destination, and a data word naming vector and
 * delivery mode.
 */
#ifndef BULKHEAD_CORE_LIB_MSI_H
#define BULKHEAD_CORE_LIB_MSI_H

#define MSI_ADDR_BASE	    0xfee00000u
#define MSI_ADDR_BASE_MASK  0xfff00000u
#define MSI_ADDR_DEST(a)    (((a) >> 12) & 0xffu) /* destination ID bits 19:12 */
#define MSI_ADDR_EXT_DEST   0x00000ff0u		  /* bits 11:4: reserved without remapping */
#define MSI_ADDR_RH	    0x00000008u		  /* redirection hint */
#define MSI_ADDR_LOGICAL    0x00000004u		  /* destination mode */
#define MSI_DATA_VECTOR(d)  ((d)&0xffu)
#define MSI_DATA_DELMODE(d) (((d) >> 8) & 7u) /* 0 fixed, 1 lowest priority, ... */
#define MSI_DATA_LEVEL	    0x8000u	      /* trigger mode: MSIs are edge */
#define MSI_DATA_RESERVED   0xffff3800u	      /* bits 31:16, 13:11 */

#endif
