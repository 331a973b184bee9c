/* Serialises console output between CPUs: a line is written whole under a lock, so lines from
 * different CPUs never interleave, and CPUs waiting for the console get it in turn
 * (spinlock.h). What is written goes through a transmit FIFO that the UART is fed from without
 * waiting (see console.h). */
#include "core/console.h"
#include "arch/x86/arch.h"
#include "core/config.h"
#include "core/conmux.h"
#include "core/conopts.h"
#include "core/guesttext.h"
#include "core/lib/format.h"
#include "core/lib/string.h"
#include "core/log.h"
#include "core/spinlock.h"
#include "core/textring.h"

#define SGR_RESET "\x1b[0m"

/* Guards the console's transmitter and everything below: one line at a time, written whole. */
static struct spinlock console_lock;
/* Per CPU: 1 + the ticket it waits for console_lock with or holds it by, 0 otherwise. A trap
 * (console_trap_release) reads it to give up the lock, or its place in the queue, for good. */
static volatile u32 queued[MAX_CPUS];

static bool opened;	    /* console_begin() ran: lines go out, not only to the ring */
static u32 open_owner;	    /* 1 + the partition whose line is open (shown before its end) */
static bool open_sequences; /* escape sequences went out in the current line */
static bool term_dirty;	    /* and since the focus last moved: the terminal may need a reset */
static char ring_buf[BULKHEAD_LOG_BYTES];
static struct textring ring = {ring_buf, sizeof(ring_buf), 0, 0, 0, 0};

/* The transmit FIFO: bytes written but not yet taken by the UART, [tail, head) modulo its
 * size. Both only grow (u32 wraps, the size divides 2^32); changed under console_lock, read
 * without it by console_pending(). */
static char fifo[CONSOLE_FIFO_BYTES];
static u32 fifo_head, fifo_tail;

_Static_assert((CONSOLE_FIFO_BYTES & (CONSOLE_FIFO_BYTES - 1)) == 0, "a power of two");

#ifndef HOST_TEST
static inline void console_test_waiting(void)
{
}
#endif

static void lock(void)
{
	u32 me = arch_this_cpu() % MAX_CPUS;
	u32 ticket = spin_take_ticket(&console_lock);

	queued[me] = ticket + 1;
	console_test_waiting();
	spin_wait_turn(&console_lock, ticket);
}

/* What the UART has not taken is the boot CPU's to push (conmux_run): wake it. */
static void unlock(void)
{
	bool left = fifo_head != fifo_tail;

	spin_unlock(&console_lock);
	queued[arch_this_cpu() % MAX_CPUS] = 0;
	if (left)
		conmux_kick();
}

static u32 fifo_used(void)
{
	return fifo_head - fifo_tail;
}

/* The oldest bytes, up to the end of the array: one piece the UART can be handed. */
static size_t fifo_piece(const char **s)
{
	u32 at = fifo_tail % CONSOLE_FIFO_BYTES, n = fifo_used();

	*s = fifo + at;
	return n < CONSOLE_FIFO_BYTES - at ? n : CONSOLE_FIFO_BYTES - at;
}

/* Hand the UART what it takes now. The tail moves after the write: a trap between the two
 * (console_trap_release) could repeat those few bytes, never lose them. */
static void push(void)
{
	const char *s;
	size_t n, took;

	while ((n = fifo_piece(&s)) != 0) {
		took = arch_console_try_write(s, n);
		__atomic_store_n(&fifo_tail, fifo_tail + (u32)took, __ATOMIC_RELEASE);
		if (took < n)
			return;
	}
}

/* Write the oldest `n` bytes, waiting for the UART as the console did before it had a FIFO
 * (each wait bounded in arch_console_write): the order stays, nothing is dropped. */
static void write_oldest(u32 n)
{
	const char *s;
	size_t piece;

	while (n && (piece = fifo_piece(&s)) != 0) {
		if (piece > n)
			piece = n;
		arch_console_write(s, piece);
		__atomic_store_n(&fifo_tail, fifo_tail + (u32)piece, __ATOMIC_RELEASE);
		n -= (u32)piece;
	}
}

static void fifo_put(const char *s, size_t len)
{
	u32 at = fifo_head % CONSOLE_FIFO_BYTES, first = CONSOLE_FIFO_BYTES - at;

	if (first > len)
		first = (u32)len;
	memcpy(fifo + at, s, first);
	memcpy(fifo, s + first, len - first);
	/* published after the bytes: a trap halfway leaves the FIFO as it was */
	__atomic_store_n(&fifo_head, fifo_head + (u32)len, __ATOMIC_RELEASE);
}

/* Into the FIFO, then to the UART as far as it takes without waiting. A full FIFO makes room
 * by waiting for the UART; text longer than the whole FIFO goes straight out after it. */
static void out(const char *s, size_t len)
{
	u32 room;

	if (!opened || !len)
		return;
	room = CONSOLE_FIFO_BYTES - fifo_used();
	if (len > room)
		write_oldest(len < CONSOLE_FIFO_BYTES ? (u32)len - room : fifo_used());
	if (len >= CONSOLE_FIFO_BYTES) {
		arch_console_write(s, len);
		return;
	}
	fifo_put(s, len);
	push();
}

static void out_cb(void *ctx, const char *s, size_t len)
{
	(void)ctx;
	out(s, len);
}

/* The line ends here: attributes a partition set go back to the terminal's defaults. */
static void end_line(void)
{
	if (open_sequences)
		out(SGR_RESET, sizeof(SGR_RESET) - 1);
	out("\n", 1);
	open_owner = 0;
	open_sequences = false;
}

/* A partition's line shown in part ends before anyone else's text. */
static void end_open_line(void)
{
	if (open_owner)
		end_line();
}

/* Each non-empty line of s into Bulkhead's ring. */
static void keep(const char *s, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++)
		if (i == len || s[i] == '\n') {
			if (i > start)
				textring_put(&ring, s + start, i - start);
			start = i + 1;
		}
}

void console_write(const char *s, size_t len)
{
	lock();
	end_open_line();
	keep(s, len);
	out(s, len);
	unlock();
}

/* What a focused partition may have set (guesttext.c lets it set no more): attributes, the
 * cursor hidden, the alternate screen, bracketed paste. Put back on a line of its own when the
 * focus moves, if it sent any sequence, so the next owner of the keyboard and the screen gets
 * the terminal as Bulkhead left it. */
static const char TERM_RESET[] = "\x1b[0m\x1b[?25h\x1b[?2004l\x1b[?1049l\r\n";

void console_focus_moved(void)
{
	lock();
	if (term_dirty) {
		end_open_line();
		out(TERM_RESET, sizeof(TERM_RESET) - 1);
	}
	term_dirty = false;
	unlock();
}

void console_write_unkept(const char *s, size_t len)
{
	lock();
	end_open_line();
	out(s, len);
	unlock();
}

void console_begin(void)
{
	char line[CONSOLE_LINE];

	lock();
	if (!opened) {
		opened = true;
		out("\n", 1); /* after whatever the boot loader left on the line */
		for (u64 n = ring.first; n < textring_end(&ring); n++)
			if (textring_get(&ring, n, line, sizeof(line))) {
				out(line, strlen(line));
				out("\n", 1);
			}
	}
	unlock();
}

void console_partition(u32 who, const char *name, const char *text, size_t len, u32 flags)
{
	char prefix[72];

	format(prefix, sizeof(prefix), "%s: ", name);
	lock();
	if (open_owner != who + 1 || !(flags & CON_CONT)) {
		end_open_line();
		/* shown whole before its end, and that line was ended by someone else's */
		if ((flags & CON_CONT) && (flags & CON_ENDS) && !len) {
			unlock();
			return;
		}
		out(prefix, strlen(prefix));
	}
	open_sequences |=
	    guest_text_render(text, len, (flags & CON_FOCUSED) != 0, prefix, out_cb, NULL);
	term_dirty |= open_sequences;
	if (flags & CON_ENDS)
		end_line();
	else
		open_owner = who + 1;
	unlock();
}

void console_push(void)
{
	if (!console_pending())
		return; /* the boot CPU's loop asks every pass: no lock when there is nothing */
	lock();
	push();
	unlock();
}

void console_flush(void)
{
	lock();
	write_oldest(fifo_used());
	unlock();
}

/* The tail first: the head read after it is never behind it, so the difference cannot wrap. */
u32 console_pending(void)
{
	u32 tail = __atomic_load_n(&fifo_tail, __ATOMIC_ACQUIRE);

	return __atomic_load_n(&fifo_head, __ATOMIC_ACQUIRE) - tail;
}

void console_log_range(u64 *first, u64 *end)
{
	lock();
	*first = ring.first;
	*end = textring_end(&ring);
	unlock();
}

bool console_log_line(u64 n, char *buf, size_t size)
{
	bool ok;

	lock();
	ok = textring_get(&ring, n, buf, size);
	unlock();
	return ok;
}

/*
 * A trap on this CPU: it will write its report and halt, never coming back to where it was.
 * If it held console_lock or waited for it (queued), the lock would wait for it for ever, with
 * every CPU's output behind it; so it waits for its turn (the CPUs ahead of it finish their
 * lines) and gives the lock up. Left is the one-instruction window in lock() between taking a
 * ticket and recording it, which only an asynchronous machine check could hit.
 */
static void release_lock(void)
{
	u32 me = arch_this_cpu() % MAX_CPUS;
	u32 q = queued[me];

	if (!q)
		return;
	while (!spin_turn_came(&console_lock, q - 1))
		arch_cpu_relax();
	if (__atomic_load_n(&console_lock.serving, __ATOMIC_ACQUIRE) == q - 1)
		spin_unlock(&console_lock);
	queued[me] = 0;
}

/* A trap before the console was chosen opens COM1 for its report. */
void console_trap_release(void)
{
	release_lock();
	if (!__atomic_load_n(&opened, __ATOMIC_ACQUIRE)) {
		arch_console_init(console_com1.port, console_com1.baud, console_com1.irq);
		console_begin();
	}
}
