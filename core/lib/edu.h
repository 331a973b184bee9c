/*
 * QEMU's "edu" PCI test device (QEMU docs/specs/edu.rst): a DMA engine and an interrupt
 * raised on request, the IOMMU self-test's way to make a device DMA and interrupt on purpose.
 * Registers in BAR0; the DMA engine moves up to 4 KiB between its own buffer and memory.
 */
#ifndef BULKHEAD_CORE_LIB_EDU_H
#define BULKHEAD_CORE_LIB_EDU_H

#define EDU_VENDOR_DEVICE 0x11e81234u /* PCI register 0: device 0x11e8, vendor 0x1234 */
#define EDU_IDENT	  0x00	      /* reads 0x010000ed */
#define EDU_IDENT_VALUE	  0x010000edu
#define EDU_IRQ_RAISE	  0x60 /* write: status bits to raise (an MSI when MSI is on) */
#define EDU_IRQ_ACK	  0x64 /* write: status bits to clear */
#define EDU_DMA_SRC	  0x80
#define EDU_DMA_DST	  0x88
#define EDU_DMA_COUNT	  0x90
#define EDU_DMA_CMD	  0x98
#define EDU_DMA_START	  0x1u	   /* reads 1 while the transfer runs */
#define EDU_DMA_TO_RAM	  0x2u	   /* direction: its buffer to memory (else memory to it) */
#define EDU_BUFFER	  0x40000u /* its buffer, in its own DMA address space */
#define EDU_BUFFER_SIZE	  0x1000u

#endif
