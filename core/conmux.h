/*
 * The console, multiplexed (the console issue): Bulkhead owns the console UART (COM1 unless
 * `console=` picks another, core/conopts.h). Partitions' lines wait in per-partition queues
 * (core/lineq.h) and the boot CPU writes them out whole, prefixed with the partition's name.
 * Typed bytes go to whoever has the input focus: the shell (core/shell.c) or one partition's
 * emulated COM1. The escape key (Ctrl-A unless `escape=` says otherwise) then a digit moves
 * the focus:
 *   escape 0       the shell          escape 1..9   partition 1..9 (table order, as `list`)
 *   escape escape  the escape byte to whoever has the focus
 * The focused partition's escape sequences reach the terminal whole and its line shows as it
 * is written (core/guesttext.h); with focus-only on, only its lines are shown at all, the
 * others' go to their buffers (`log <p>`).
 * The boot CPU sleeps (HLT) between events: a partition CPU that queues a line wakes it with
 * an IPI, a keystroke wakes it through the console's interrupt.
 */
#ifndef BULKHEAD_CORE_CONMUX_H
#define BULKHEAD_CORE_CONMUX_H

#include "bulkhead/types.h"

struct console_port;

/* How long the focused partition's line must have been quiet before it is shown unfinished
 * (a prompt, a shell's echo): a line written at once is shown whole. */
#define CONMUX_PARTIAL_IDLE_MS 10

/* Boot CPU, before anything is printed: console=, escape= and focus-only from the
 * hypervisor's command line; opens the console (core/console.h) and says what was wrong with
 * a bad value, on COM1. */
void conmux_setup(const char *cmdline);
/* The console chosen at boot (what partitions may not be granted, core/devices.c). */
const struct console_port *conmux_port(void);
/* Any CPU, after queueing output: make sure the boot CPU will write it. */
void conmux_kick(void);
/* Bytes of partitions' text the console's FIFO takes now without eating into the half kept
 * for Bulkhead's own lines: what a drain() round, or a stopping partition's last lines, may
 * use. */
u32 conmux_parts_room(void);
/* One byte typed on the console (the boot CPU's loop calls it; tests call it directly). */
void conmux_input(u8 c);
/* Any CPU: does partition i have the input focus; are its lines shown as they come? */
bool conmux_focused(u32 i);
bool conmux_live(u32 i);
/* The shell's focus-only. */
void conmux_set_focus_only(bool on);
bool conmux_focus_only(void);
/* "Ctrl-A", the escape key's name. */
const char *conmux_escape_name(void);
/* The boot CPU's loop, for good: output, input, and with stats_seconds the periodic
 * statistics. */
__attribute__((noreturn)) void conmux_run(u32 stats_seconds);

#ifdef HOST_TEST
/* One pass of the loop's drain: true if output remains (tests/unit/test_conmux.c). */
bool conmux_test_drain(void);
#endif

#endif
