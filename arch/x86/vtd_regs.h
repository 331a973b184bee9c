/*
 * Intel VT-d: a remapping unit's registers and the structures it reads from memory (Intel
 * Virtualization Technology for Directed I/O, Architecture Specification, rev. 4: §9 for the
 * structures, §10.4 for the registers). Legacy (not scalable) mode only.
 */
#ifndef BULKHEAD_ARCH_X86_VTD_REGS_H
#define BULKHEAD_ARCH_X86_VTD_REGS_H

/* Register offsets (§10.4). */
#define VTD_REG_CAP	0x08
#define VTD_REG_ECAP	0x10
#define VTD_REG_GCMD	0x18
#define VTD_REG_GSTS	0x1c
#define VTD_REG_RTADDR	0x20
#define VTD_REG_FSTS	0x34
#define VTD_REG_FECTL	0x38
#define VTD_REG_FEDATA	0x3c
#define VTD_REG_FEADDR	0x40
#define VTD_REG_FEUADDR 0x44
#define VTD_REG_IQH	0x80
#define VTD_REG_IQT	0x88
#define VTD_REG_IQA	0x90
#define VTD_REG_ICS	0x9c
#define VTD_REG_IRTA	0xb8

/* Capability register (§10.4.2). */
#define VTD_CAP_SAGAW(c) ((u32)((c) >> 8) & 0x1fu) /* bit 1: 3-level (39 bits), bit 2: 4-level */
#define VTD_CAP_FRO(c)	 ((u32)(((c) >> 24) & 0x3ffu) * 16u) /* fault recording, offset */
#define VTD_CAP_SLLPS(c) ((u32)((c) >> 34) & 0xfu)	     /* bit 0: 2 MiB pages, bit 1: 1 GiB */
#define VTD_CAP_NFR(c)	 ((u32)(((c) >> 40) & 0xffu) + 1u)   /* fault recording registers */
#define VTD_CAP_ND(c)	 ((u32)(c)&7u)			     /* 2^(4 + 2*ND) domain IDs */
#define VTD_CAP_RWBF	 (1ull << 4) /* write buffers must be flushed after table writes */
#define VTD_SAGAW_3LEVEL 0x2u
#define VTD_SAGAW_4LEVEL 0x4u

/* Extended capability register (§10.4.3). */
#define VTD_ECAP_C   (1ull << 0) /* page walks snoop the CPU's caches */
#define VTD_ECAP_QI  (1ull << 1) /* queued invalidation */
#define VTD_ECAP_IR  (1ull << 3) /* interrupt remapping */
#define VTD_ECAP_EIM (1ull << 4) /* 32-bit (x2APIC) destinations */

/* Global command and status (§10.4.4, §10.4.5): the same bit positions. SRTP, SFL, WBF and
 * SIRTP are one-shot commands; software writes the others as the status shows them, so
 * a command is (GSTS & VTD_GCMD_KEEP) | the bit (§10.4.4, the note on writing GCMD). */
#define VTD_GCMD_TE    (1u << 31) /* translation enable */
#define VTD_GCMD_SRTP  (1u << 30) /* set root table pointer */
#define VTD_GCMD_WBF   (1u << 27) /* write buffer flush: status bit set until done */
#define VTD_GCMD_QIE   (1u << 26) /* queued invalidation enable */
#define VTD_GCMD_IRE   (1u << 25) /* interrupt remapping enable */
#define VTD_GCMD_SIRTP (1u << 24) /* set interrupt remapping table pointer */
#define VTD_GCMD_CFI   (1u << 23) /* compatibility-format interrupts pass: never set */
#define VTD_GCMD_KEEP  0x96ffffffu

/* Fault status and event control (§10.4.9-10). */
#define VTD_FSTS_PFO (1u << 0)	/* fault overflow: records were lost */
#define VTD_FSTS_PPF (1u << 1)	/* a fault record holds a fault */
#define VTD_FSTS_IQE (1u << 4)	/* invalidation queue error */
#define VTD_FSTS_W1C 0x7du	/* PFO, AFO, APF, IQE, ICE, ITE: write 1 to clear */
#define VTD_FECTL_IM (1u << 31) /* fault event interrupt masked */

/* A fault recording register, 16 bytes (§10.4.14): the low quadword holds the page address
 * (DMA) or the interrupt index in bits 63:48 (interrupt requests); the high one: */
#define VTD_FRCD_SID(hi)      ((u16)(hi))	 /* source-id, bits 79:64 */
#define VTD_FRCD_REASON(hi)   ((u8)((hi) >> 32)) /* fault reason, bits 103:96 */
#define VTD_FRCD_READ	      (1ull << 62)	 /* type T1, bit 126: a read (else a write) */
#define VTD_FRCD_F	      (1ull << 63)	 /* a fault is recorded: write 1 to clear */
#define VTD_FRCD_IR_INDEX(lo) ((u32)((lo) >> 48))
/* Fault reasons 0x20-0x27 are interrupt requests (§7.1.3, Table 7-1). */
#define VTD_FR_IR_FIRST 0x20u
#define VTD_FR_IR_LAST	0x27u

/* Invalidation queue (§6.5.2): address register fields, and 128-bit descriptors. */
#define VTD_IQA_QS_4K	     0u /* queue of one page: 256 descriptors */
#define VTD_IQ_ENTRIES	     256u
#define VTD_IQT_SHIFT	     4
#define VTD_INV_CC	     0x1ull	 /* context-cache invalidate */
#define VTD_INV_IOTLB	     0x2ull	 /* IOTLB invalidate */
#define VTD_INV_IEC	     0x4ull	 /* interrupt entry cache invalidate */
#define VTD_INV_WAIT	     0x5ull	 /* invalidation wait */
#define VTD_INV_GLOBAL	     (1ull << 4) /* CC and IOTLB granularity: global */
#define VTD_INV_IOTLB_DR     (1ull << 7) /* drain reads */
#define VTD_INV_IOTLB_DW     (1ull << 6) /* drain writes */
#define VTD_INV_IEC_INDEX    (1ull << 4) /* IEC granularity: one index (else all) */
#define VTD_INV_IEC_IIDX(i)  ((u64)(i) << 32)
#define VTD_INV_WAIT_SW	     (1ull << 5) /* write status data when done */
#define VTD_INV_WAIT_FN	     (1ull << 6) /* fence: earlier descriptors complete first */
#define VTD_INV_WAIT_DATA(d) ((u64)(d) << 32)

/* Root and context entries, 16 bytes each (§9.1, §9.3). */
#define VTD_PRESENT	  1ull
#define VTD_CTX_FPD	  (1ull << 1)	  /* fault processing disable: never set */
#define VTD_CTX_AW_3LEVEL 1ull		  /* high quadword, bits 2:0: address width 39 bits */
#define VTD_CTX_AW_4LEVEL 2ull		  /* 48 bits */
#define VTD_CTX_DID(d)	  ((u64)(d) << 8) /* high quadword, bits 23:8 */

/* Second-level paging entries (§9.8): read and write in bits 1:0, large page bit 7. */
#define VTD_SL_R 0x1ull
#define VTD_SL_W 0x2ull

/* Interrupt remapping table entry, 16 bytes (§9.10), remapped format. */
#define VTD_IRTE_P	    (1ull << 0)
#define VTD_IRTE_TM_LEVEL   (1ull << 4)
#define VTD_IRTE_DLM_LOWEST (1ull << 5) /* delivery mode 001 (000: fixed) */
#define VTD_IRTE_VECTOR(v)  ((u64)(v) << 16)
#define VTD_IRTE_DST(d)	    ((u64)(d) << 32)
#define VTD_IRTE_SID(s)	    ((u64)(s))	 /* high quadword, bits 15:0 */
#define VTD_IRTE_SVT_SID    (1ull << 18) /* verify the request's source-id: all 16 bits */
/* Interrupt remapping table address register (§10.4.29): entries = 2^(S+1). */
#define VTD_IRTA_EIME (1ull << 11)

/* A remappable-format interrupt request (§5.1.2.2): address 0xfee, handle bits 15 and
 * 14:0, format bit 4, subhandle-valid bit 3. */
#define VTD_MSI_REMAP	  (1u << 4)
#define VTD_MSI_SHV	  (1u << 3)
#define VTD_MSI_HANDLE(h) ((((h)&0x7fffu) << 5) | (((h) >> 15 & 1u) << 2))
/* An I/O APIC redirection entry in remappable format (§5.1.5.1): index bits 63:49 and 11,
 * format bit 48; vector, trigger, polarity and mask stay where they are. */
#define VTD_RTE_REMAP	 (1ull << 48)
#define VTD_RTE_INDEX(i) ((((u64)(i)&0x7fffu) << 49) | (((u64)(i) >> 15 & 1u) << 11))

#endif
