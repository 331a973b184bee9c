/*
 * Bulkhead payload SDK: formatted output. Under Bulkhead every line is one HYPERCALL_PRINT;
 * bare, lines go to COM1 (a polled 16550 at 0x3f8, 115200 8N1) with "\r\n" line ends.
 */
#include "sdk_internal.h"

/* ---- formatting -------------------------------------------------------------------- */

struct out {
	char *buf;
	size_t size;
	size_t len; /* what would have been written, like snprintf */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

enum { F_LEFT = 1, F_ZERO = 2, F_PLUS = 4, F_SPACE = 8, F_ALT = 16 };

static void put_number(struct out *o, uint64_t v, bool negative, unsigned base, bool upper,
		       int flags, int width, int prec)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len;
	const char *prefix = "";

	if (v == 0 && prec == 0)
		n = 0; /* "%.0d" of 0 prints no digits */
	else
		do {
			tmp[n++] = digits[v % base];
			v /= base;
		} while (v);
	if (negative)
		prefix = "-";
	else if (flags & F_PLUS)
		prefix = "+";
	else if (flags & F_SPACE)
		prefix = " ";
	else if ((flags & F_ALT) && base == 16 && n && !(n == 1 && tmp[0] == '0'))
		prefix = upper ? "0X" : "0x";
	else if ((flags & F_ALT) && base == 8 && (n == 0 || tmp[n - 1] != '0'))
		prefix = "0";
	len = (prec > n ? prec : n) + (int)strlen(prefix);
	if (prec < 0 && (flags & F_ZERO) && !(flags & F_LEFT) && width > len)
		prec = n + width - len, len = width;
	if (!(flags & F_LEFT))
		pad(o, ' ', width - len);
	for (const char *p = prefix; *p; p++)
		put(o, *p);
	pad(o, '0', prec - n);
	while (n > 0)
		put(o, tmp[--n]);
	if (flags & F_LEFT)
		pad(o, ' ', width - len);
}

int sdk_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = {buf, size, 0};

	while (*fmt) {
		int flags = 0, width = 0, prec = -1, lng = 0;
		bool is_signed = false;
		unsigned base = 10;
		uint64_t v;

		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				flags |= F_LEFT;
			else if (*fmt == '0')
				flags |= F_ZERO;
			else if (*fmt == '+')
				flags |= F_PLUS;
			else if (*fmt == ' ')
				flags |= F_SPACE;
			else if (*fmt == '#')
				flags |= F_ALT;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0)
				flags |= F_LEFT, width = -width;
			fmt++;
		} else
			while (*fmt >= '0' && *fmt <= '9')
				width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			} else
				while (*fmt >= '0' && *fmt <= '9')
					prec = prec * 10 + (*fmt++ - '0');
		}
		/* lng: -2 hh, -1 h, 0 int, 1 long, 2 long long (size_t, ptrdiff_t, intmax_t
		 * are all 64-bit here) */
		for (;; fmt++) {
			if (*fmt == 'h')
				lng--;
			else if (*fmt == 'l')
				lng++;
			else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j')
				lng = 2;
			else
				break;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			is_signed = true;
			break;
		case 'u':
			break;
		case 'x':
		case 'X':
			base = 16;
			break;
		case 'o':
			base = 8;
			break;
		case 'p':
			v = (uint64_t)(uintptr_t)va_arg(ap, void *);
			put_number(&o, v, false, 16, false, flags | F_ALT, width, prec);
			fmt++;
			continue;
		case 'c': {
			char c = (char)va_arg(ap, int);

			if (!(flags & F_LEFT))
				pad(&o, ' ', width - 1);
			put(&o, c);
			if (flags & F_LEFT)
				pad(&o, ' ', width - 1);
			fmt++;
			continue;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			int n = 0;

			if (!s)
				s = "(null)";
			while (s[n] && (prec < 0 || n < prec))
				n++;
			if (!(flags & F_LEFT))
				pad(&o, ' ', width - n);
			for (int i = 0; i < n; i++)
				put(&o, s[i]);
			if (flags & F_LEFT)
				pad(&o, ' ', width - n);
			fmt++;
			continue;
		}
		case '%':
			put(&o, '%');
			fmt++;
			continue;
		default: /* unknown or truncated conversion: print it as it is */
			put(&o, '%');
			if (*fmt)
				put(&o, *fmt++);
			continue;
		}
		fmt++;
		if (is_signed) {
			int64_t s = lng >= 1 ? va_arg(ap, int64_t) : va_arg(ap, int);

			if (lng == -1)
				s = (short)s;
			else if (lng <= -2)
				s = (signed char)s;
			v = s < 0 ? 0 - (uint64_t)s : (uint64_t)s;
			put_number(&o, v, s < 0, base, false, flags, width, prec);
		} else {
			v = lng >= 1 ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			if (lng == -1)
				v = (unsigned short)v;
			else if (lng <= -2)
				v = (unsigned char)v;
			put_number(&o, v, false, base, fmt[-1] == 'X', flags, width, prec);
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
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

#define COM1	   0x3f8
#define UART_THR   0 /* transmit holding (DLAB 0) */
#define UART_DLL   0 /* divisor low (DLAB 1) */
#define UART_IER   1
#define UART_DLM   1 /* divisor high (DLAB 1) */
#define UART_FCR   2
#define UART_LCR   3
#define UART_MCR   4
#define UART_LSR   5
#define LCR_DLAB   0x80
#define LCR_8N1	   0x03
#define LSR_THRE   0x20
#define SPIN_LIMIT 1000000 /* give up on a UART that never drains (none there) */

void sdk_console_init_bare(void)
{
	outb(COM1 + UART_IER, 0); /* polled: no interrupts */
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1); /* 115200 = 115200 / 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, 0x07); /* FIFOs on and cleared */
	outb(COM1 + UART_MCR, 0x03); /* DTR, RTS; OUT2 off: no IRQ */
}

static void com1_putc(char c)
{
	for (int i = 0; i < SPIN_LIMIT && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1 + UART_THR, (uint8_t)c);
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
