/*
 * Bulkhead payload SDK: formatted output. Under Bulkhead every line is one HYPERCALL_PRINT;
 * bare, lines go to COM1 (a polled 16550 at 0x3f8, 115200 8N1) with "\r\n" line ends.
 */
#include "sdk_internal.h"
#include "core/lib/format.h"
#include "core/lib/uart16550.h"

/* ---- formatting -------------------------------------------------------------------- */

/* The hypervisor's own formatter (core/lib/format.c), linked into the SDK: one implementation
 * of %d %i %u %x %X %p %s %c with flags, width, %s precision and hh/h/l/ll/z. */
int sdk_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return vformat(buf, size, fmt, ap);
}

int sdk_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = sdk_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* ---- COM1, bare -------------------------------------------------------------------- */

#define SPIN_LIMIT 1000000 /* give up on a UART that never drains (none there) */

void sdk_console_init_bare(void)
{
	outb(COM1_PORT + UART_IER, 0); /* polled: no interrupts */
	outb(COM1_PORT + UART_LCR, UART_LCR_DLAB);
	outb(COM1_PORT + UART_DLL, 1); /* 115200 = 115200 / 1 */
	outb(COM1_PORT + UART_DLM, 0);
	outb(COM1_PORT + UART_LCR, UART_LCR_8N1);
	outb(COM1_PORT + UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
	outb(COM1_PORT + UART_MCR, UART_MCR_DTR | UART_MCR_RTS); /* OUT2 off: no IRQ */
}

static void com1_putc(char c)
{
	for (int i = 0; i < SPIN_LIMIT && !(inb(COM1_PORT + UART_LSR) & UART_LSR_THRE); i++)
		cpu_relax();
	outb(COM1_PORT + UART_THR, (uint8_t)c);
}

/* One owner at a time across CPUs. An interrupt handler that prints while its own CPU is in
 * the middle of a line goes ahead (the lines may mix) rather than deadlock; interrupts stay
 * enabled while COM1 drains, so a slow UART does not delay them. */
#define NO_OWNER 0xffffffffu
static volatile uint32_t com1_owner = NO_OWNER;

static void com1_line(const char *s, size_t n)
{
	uint32_t me = sdk_apic_id(), expected = NO_OWNER;
	bool nested = com1_owner == me;

	if (!nested)
		while (!__atomic_compare_exchange_n(&com1_owner, &expected, me, false,
						    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			expected = NO_OWNER;
			cpu_relax();
		}
	for (size_t i = 0; i < n; i++)
		com1_putc(s[i]);
	com1_putc('\r');
	com1_putc('\n');
	if (!nested)
		__atomic_store_n(&com1_owner, NO_OWNER, __ATOMIC_RELEASE);
}

/* ---- lines ------------------------------------------------------------------------- */

#define HYPERCALL_TEXT_MAX 200

static void emit_line(const char *s, size_t n)
{
	if (!sdk_the_env.bulkhead) {
		com1_line(s, n);
		return;
	}
	do {
		size_t chunk = n > HYPERCALL_TEXT_MAX ? HYPERCALL_TEXT_MAX : n;

		/* Identity-mapped: the buffer's address is its guest-physical address. */
		vmcall(HYPERCALL_PRINT, (uint64_t)(uintptr_t)s, chunk);
		s += chunk;
		n -= chunk;
	} while (n);
}

int sdk_vprintf(const char *fmt, va_list ap)
{
	char buf[SDK_LINE_MAX];
	int n = sdk_vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = strlen(buf), start = 0;

	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\n') {
			emit_line(buf + start, i - start);
			start = i + 1;
		}
	if (start < len)
		emit_line(buf + start, len - start);
	return n;
}

int sdk_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = sdk_vprintf(fmt, ap);
	va_end(ap);
	return n;
}
