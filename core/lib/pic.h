/* The PC's two 8259A interrupt controllers, cascaded (8259A data sheet): their ports and the
 * initialization words the payload SDK programs them with. Bulkhead only masks them. */
#ifndef BULKHEAD_LIB_PIC_H
#define BULKHEAD_LIB_PIC_H

#define PIC1_CMD  0x20 /* master: ICW1 */
#define PIC1_DATA 0x21 /* master: ICW2-4, then the interrupt mask (OCW1) */
#define PIC2_CMD  0xa0 /* slave */
#define PIC2_DATA 0xa1

#define PIC_ICW1_INIT	0x11 /* edge triggered, cascaded, ICW4 follows */
#define PIC_CASCADE_IRQ 2    /* the master's input the slave is on (ICW3) */
#define PIC_ICW4_8086	0x01
#define PIC_MASK_ALL	0xff /* OCW1 */

#endif
