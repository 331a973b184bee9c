/*
 * COM1, multiplexed (the console issue): Bulkhead owns the real UART. Partitions' lines wait
 * in per-partition queues (core/lineq.h) and the boot CPU writes them out whole, prefixed
 * with the partition's name. Typed bytes go to whoever has the input focus: the shell
 * (core/shell.c) or one partition's emulated COM1. Ctrl-A then a digit moves the focus:
 *   Ctrl-A 0      the shell          Ctrl-A 1..9   partition 1..9 (table order, as `list`)
 *   Ctrl-A Ctrl-A a Ctrl-A byte to whoever has the focus
 * The boot CPU sleeps (HLT) between events: a partition CPU that queues a line wakes it with
 * an IPI, a keystroke wakes it through COM1's interrupt.
 */
#ifndef BULKHEAD_CORE_CONMUX_H
#define BULKHEAD_CORE_CONMUX_H

#include "bulkhead/types.h"

#define CONMUX_ESCAPE 0x01 /* Ctrl-A */

/* Any CPU, after queueing output: make sure the boot CPU will write it. */
void conmux_kick(void);
/* One byte typed on COM1 (the boot CPU's loop calls it; tests call it directly). */
void conmux_input(u8 c);
/* The boot CPU's loop, for good: output, input, and with stats_seconds the periodic
 * statistics. */
__attribute__((noreturn)) void conmux_run(u32 stats_seconds);

#endif
