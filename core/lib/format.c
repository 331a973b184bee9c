/* vformat(): the one formatter behind every log line. */
#include "core/lib/format.h"

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, bool left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left)
		while (fill-- > 0)
			put(o, pad);
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
	if (left)
		while (fill-- > 0)
			put(o, ' ');
}

static size_t utoa(u64 v, unsigned base, bool upper, char *tmp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char rev[24];
	size_t n = 0;

	do {
		rev[n++] = digits[v % base];
		v /= base;
	} while (v);
	for (size_t i = 0; i < n; i++)
		tmp[i] = rev[n - 1 - i];
	return n;
}

/* Reads the integer argument whose size the length modifier gives. */
static u64 take_int(va_list *ap, int lng, bool is_signed)
{
	if (is_signed) {
		s64 v = lng >= 2   ? va_arg(*ap, long long)
			: lng == 1 ? va_arg(*ap, long)
				   : va_arg(*ap, int);
		return (u64)v;
	}
	if (lng >= 2)
		return va_arg(*ap, unsigned long long);
	if (lng == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static void format_int(struct out *o, char conv, u64 v, int lng, int width, bool left, char pad)
{
	char tmp[24];
	size_t n;
	bool neg = false;

	if (conv == 'd' || conv == 'i') {
		s64 sv = (s64)v;
		if (lng == -2)
			sv = (s8)sv;
		else if (lng == -1)
			sv = (s16)sv;
		neg = sv < 0;
		v = neg ? (u64)0 - (u64)sv : (u64)sv;
	} else if (lng == -2) {
		v = (u8)v;
	} else if (lng == -1) {
		v = (u16)v;
	}
	n = utoa(v, (conv == 'x' || conv == 'X' || conv == 'p') ? 16 : 10, conv == 'X', tmp);
	if (neg) {
		if (pad == '0') {
			put(o, '-');
			put_padded(o, tmp, n, width - 1, left, pad);
			return;
		}
		char sign[25];
		sign[0] = '-';
		for (size_t i = 0; i < n; i++)
			sign[i + 1] = tmp[i];
		put_padded(o, sign, n + 1, width, left, pad);
		return;
	}
	put_padded(o, tmp, n, width, left, pad);
}

int vformat(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct out o = {buf, size, 0};
	va_list ap;

	va_copy(ap, ap_in);
	for (const char *p = fmt; *p; p++) {
		bool left = false;
		char pad = ' ';
		int width = 0, prec = -1, lng = 0;

		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		p++;
		for (; *p == '-' || *p == '0'; p++) {
			if (*p == '-')
				left = true;
			else
				pad = '0';
		}
		if (*p == '*') {
			width = va_arg(ap, int);
			p++;
		}
		for (; *p >= '0' && *p <= '9'; p++)
			width = width * 10 + (*p - '0');
		if (*p == '.') {
			prec = 0;
			p++;
			if (*p == '*') {
				prec = va_arg(ap, int);
				p++;
			}
			for (; *p >= '0' && *p <= '9'; p++)
				prec = prec * 10 + (*p - '0');
		}
		for (; *p == 'l' || *p == 'h' || *p == 'z'; p++) {
			if (*p == 'l')
				lng++;
			else if (*p == 'z')
				lng = 1;
			else
				lng--;
		}
		switch (*p) {
		case 'd':
		case 'i':
			format_int(&o, *p, take_int(&ap, lng, true), lng, width, left, pad);
			break;
		case 'u':
		case 'x':
		case 'X':
			format_int(&o, *p, take_int(&ap, lng, false), lng, width, left, pad);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			format_int(&o, 'p', (u64)(uintptr_t)va_arg(ap, void *), 2, width, left,
				   pad);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t n = 0;
			if (!s)
				s = "(null)";
			while (s[n] && (prec < 0 || n < (size_t)prec))
				n++;
			put_padded(&o, s, n, width, left, ' ');
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			put_padded(&o, &c, 1, width, left, ' ');
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			p--;
			break;
		default:
			put(&o, '%');
			put(&o, *p);
			break;
		}
	}
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vformat(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
