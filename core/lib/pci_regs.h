/*
 * PCI configuration space (PCI Local Bus Specification 3.0, ch. 6; PCI Express Base 4.0,
 * §7.5 for the same type 0 header) and configuration mechanism #1 (§3.2.2.3.2), shared by
 * Bulkhead's own accesses (arch/x86/pci.c) and the configuration space it shows partitions
 * (core/vpci.c).
 */
#ifndef BULKHEAD_CORE_LIB_PCI_REGS_H
#define BULKHEAD_CORE_LIB_PCI_REGS_H

/* Mechanism #1: CONFIG_ADDRESS (a dword at 0xcf8) selects, CONFIG_DATA (0xcfc-0xcff) moves. */
#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA	   0xcfc
#define PCI_CONFIG_PORTS   8 /* 0xcf8-0xcff */
#define PCI_ADDR_ENABLE	   0x80000000u
#define PCI_ADDR(bdf, reg) (PCI_ADDR_ENABLE | ((u32)(bdf) << 8) | ((u32)(reg)&0xfcu))
#define PCI_ADDR_BDF(a)	   (((a) >> 8) & 0xffffu)
#define PCI_ADDR_REG(a)	   ((a)&0xfcu)
#define PCI_CONFIG_SIZE	   256	 /* what mechanism #1 reaches */
#define PCI_RESET_CONTROL  0xcf9 /* inside the range: the chipset's reset register */

/* Type 0 header. */
#define PCI_VENDOR_ID	   0x00
#define PCI_DEVICE_ID	   0x02
#define PCI_COMMAND	   0x04
#define PCI_STATUS	   0x06
#define PCI_CLASS_REV	   0x08
#define PCI_CACHE_LINE	   0x0c
#define PCI_LATENCY	   0x0d
#define PCI_HEADER_TYPE	   0x0e
#define PCI_BIST	   0x0f
#define PCI_BAR0	   0x10
#define PCI_BAR_END	   0x28
#define PCI_CARDBUS_CIS	   0x28
#define PCI_SUBSYSTEM	   0x2c
#define PCI_ROM		   0x30
#define PCI_CAP_PTR	   0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN  0x3d
#define PCI_HEADER_END	   0x40 /* device-specific registers and capabilities follow */

#define PCI_VENDOR_NONE		 0xffffu /* no function answers */
#define PCI_HEADER_TYPE_MASK	 0x7fu
#define PCI_HEADER_MULTIFUNCTION 0x80u
#define PCI_CLASS_HOST_BRIDGE	 0x060000u /* class code bits 31:8 of PCI_CLASS_REV */
#define PCI_CLASS_BRIDGE	 0x06u	   /* base class, bits 31:24 of PCI_CLASS_REV */

#define PCI_CMD_IO	     0x0001u
#define PCI_CMD_MEMORY	     0x0002u
#define PCI_CMD_BUS_MASTER   0x0004u
#define PCI_CMD_MWI	     0x0010u
#define PCI_CMD_PARITY	     0x0040u
#define PCI_CMD_SERR	     0x0100u
#define PCI_CMD_INTX_DISABLE 0x0400u
#define PCI_STATUS_CAP_LIST  0x0010u

#define PCI_BAR_IO	 0x1u
#define PCI_BAR_MEM_TYPE 0x6u
#define PCI_BAR_MEM_64	 0x4u
#define PCI_BAR_IO_MASK	 (~0x3u)
#define PCI_BAR_MEM_MASK (~0xfu)
#define PCI_BAR_SIZING	 0xffffffffu

/* Capabilities (§6.7): id, next pointer, then the capability's own registers. */
#define PCI_CAP_ID	0
#define PCI_CAP_NEXT	1
#define PCI_CAP_ID_MSI	0x05
#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_ID_EXP	0x10 /* PCI Express (PCIe Base §7.5.3) */
#define PCI_EXP_DEVCTL	8    /* its Device Control register */
/* Phantom Functions Enable: the device may tag requests with unused function numbers,
 * that is another requester ID (PCIe Base §2.2.6.2) than the one the IOMMU knows it by. */
#define PCI_EXP_DEVCTL_PHANTOM 0x0200u
#define PCI_CAP_MAX	       48 /* a list longer than fits in 192 bytes is a loop */

/* MSI capability (§6.8.1). */
#define PCI_MSI_CONTROL	    2
#define PCI_MSI_ADDR_LO	    4
#define PCI_MSI_ADDR_HI	    8 /* 64-bit capable only */
#define PCI_MSI_DATA_32	    8
#define PCI_MSI_DATA_64	    12
#define PCI_MSI_CTL_ENABLE  0x0001u
#define PCI_MSI_CTL_MME(c)  (((c) >> 4) & 7u) /* log2 of the messages enabled */
#define PCI_MSI_CTL_64	    0x0080u
#define PCI_MSI_CTL_MASKING 0x0100u
#define PCI_MSIX_CAP_LEN    12
#define PCI_MSIX_CONTROL    2
#define PCI_MSIX_CTL_ENABLE 0x8000u

#endif
