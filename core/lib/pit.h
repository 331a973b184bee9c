/* The PC's programmable interval timer, an Intel 8254 (82C54 data sheet), and the PC/AT's
 * system control port B, which gates the timer's channel 2 and shows that channel's output:
 * what the hypervisor (arch/x86/tsc.c) and the payload SDK measure the TSC against. */
#ifndef BULKHEAD_LIB_PIT_H
#define BULKHEAD_LIB_PIT_H

#define PIT_HZ	       1193182u /* the counters' input clock */
#define PIT_PORTS_BASE 0x40	/* its ports: counters 0-2 at 0x40-0x42, the command register */
#define PIT_PORTS_END  0x44	/* 0x43; one past them */
#define PIT_CH2	       0x42	/* channel 2's counter */
#define PIT_CMD	       0x43	/* mode/command register */
#define PIT_CH2_MODE0  0xb0	/* command: channel 2, low then high byte, mode 0, binary */

#define PORT_B		0x61
#define PORT_B_CH2_GATE 0x01 /* channel 2 counts while set */
#define PORT_B_SPEAKER	0x02 /* channel 2's output drives the speaker */
#define PORT_B_CH2_OUT	0x20 /* channel 2's output (read only): set at terminal count in mode 0 */

#endif
