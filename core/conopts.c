/* The console's boot options: see conopts.h. */
#include "core/conopts.h"
#include "core/error.h"
#include "core/lib/format.h"
#include "core/lib/string.h"

const struct console_port console_com1 = {0x3f8, CONSOLE_BAUD, 4, "com1"};

/* The PC's four serial ports: base and the ISA IRQ every PC gives COM1 and COM2. */
static const struct console_port standard[] = {
    {0x3f8, CONSOLE_BAUD, 4, "com1"},
    {0x2f8, CONSOLE_BAUD, 3, "com2"},
    {0x3e8, CONSOLE_BAUD, CONSOLE_NO_IRQ, "com3"},
    {0x2e8, CONSOLE_BAUD, CONSOLE_NO_IRQ, "com4"},
};

/* The PCI configuration ports: a UART is never there, and probing its scratch register
 * (base + 7) would write PCI configuration data. */
#define PCI_CONFIG_PORTS 0xcf8u

static bool same_word(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] - 'A' + 'a') : a[i];

		if (c != b[i])
			return false;
	}
	return b[n] == '\0';
}

static int parse_port(const char *s, size_t n, struct console_port *out, char *why, size_t why_size)
{
	char word[16];
	u64 v;

	for (u32 i = 0; i < ARRAY_SIZE(standard); i++)
		if (same_word(s, standard[i].name, n)) {
			*out = standard[i];
			return 0;
		}
	if (n >= sizeof(word) || n < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
		format(why, why_size,
		       "unknown port \"%.*s\": use com1, com2, com3, com4 or 0x<port>",
		       (int)(n < 32 ? n : 32), s);
		return ERR(E_INVAL);
	}
	memcpy(word, s, n);
	word[n] = '\0';
	if (!str_to_u64(word, &v) || v < 0x100 || v > 0xfff8 || v % CONSOLE_PORTS ||
	    v == PCI_CONFIG_PORTS) {
		format(why, why_size,
		       "port %s is not a UART's base (a multiple of 8 from 0x100 to 0xfff8, not "
		       "0xcf8)",
		       word);
		return ERR(E_INVAL);
	}
	out->port = (u16)v;
	out->baud = CONSOLE_BAUD;
	out->irq = CONSOLE_NO_IRQ;
	format(out->name, sizeof(out->name), "0x%x", (unsigned)v);
	return 0;
}

int console_opt_parse(const char *val, struct console_port *out, char *why, size_t why_size)
{
	struct console_port c;
	const char *comma = NULL;
	size_t n = 0;
	u64 baud;

	while (val[n] && val[n] != ',')
		n++;
	if (val[n] == ',')
		comma = val + n;

	if (parse_port(val, n, &c, why, why_size))
		return ERR(E_INVAL);
	if (comma) {
		if (!str_to_u64(comma + 1, &baud) || baud == 0 || baud > CONSOLE_BAUD ||
		    CONSOLE_BAUD % baud) {
			format(why, why_size,
			       "speed \"%.16s\" is not 115200 divided by a whole number (115200, "
			       "57600, 38400, 19200, 9600, ...)",
			       comma + 1);
			return ERR(E_INVAL);
		}
		c.baud = (u32)baud;
	}
	*out = c;
	return 0;
}

/* Keys that typing or a terminal needs for themselves, and BEL, which ends a terminal's
 * answer to an OSC query (the focused partition may ask one): it must not be taken as the
 * escape key, making the next key typed a focus switch. */
static bool escape_ok(u64 key)
{
	return key >= 0x01 && key <= 0x1f && key != 0x07 && key != 0x08 && key != '\t' &&
	       key != '\n' && key != '\r' && key != 0x1b;
}

int escape_opt_parse(const char *val, u8 *key, char *why, size_t why_size)
{
	u64 k = ~0ull;

	if (val[0] == '^' && val[1] && !val[2]) {
		char c = val[1] >= 'a' && val[1] <= 'z' ? (char)(val[1] - 'a' + 'A') : val[1];

		if (c >= '@' && c <= '_')
			k = (u64)(c - '@');
	} else if (!str_to_u64(val, &k)) {
		k = ~0ull;
	}
	if (!escape_ok(k)) {
		format(why, why_size,
		       "\"%.16s\" cannot be the escape key: use ^A-^Z (not ^G, ^H, ^I, ^J or ^M), "
		       "^\\, ^], ^^ or ^_, or its byte 0x01-0x1f",
		       val);
		return ERR(E_INVAL);
	}
	*key = (u8)k;
	return 0;
}

int focus_only_opt_parse(const char *val, bool *on, char *why, size_t why_size)
{
	if (!val[0] || !strcmp(val, "on") || !strcmp(val, "1"))
		*on = true;
	else if (!strcmp(val, "off") || !strcmp(val, "0"))
		*on = false;
	else {
		format(why, why_size, "\"%.16s\": want on or off (or the bare word for on)", val);
		return ERR(E_INVAL);
	}
	return 0;
}

void escape_key_name(u8 key, char *buf, size_t size)
{
	format(buf, size, "Ctrl-%c", (char)('@' + (key & 0x1f)));
}

static bool overlaps(u64 base, u64 count, const struct console_port *con)
{
	return count && base < (u64)con->port + CONSOLE_PORTS && con->port < base + count;
}

static const char *dev_name(const struct pt_device *d)
{
	return d->name ? d->name : "?";
}

int console_port_conflict(const struct partition_config *c, const struct console_port *con,
			  char *why, size_t why_size)
{
	char whose[64];

	format(whose, sizeof(whose), "Bulkhead's console (%s, ports 0x%x-0x%x)", con->name,
	       con->port, con->port + CONSOLE_PORTS - 1);
	for (u32 k = 0; k < c->ports.count && k < PT_MAX_PORTS; k++) {
		const struct pt_ports *r = &c->ports.p[k];

		if (overlaps(r->base, r->count, con)) {
			format(why, why_size, "ports[%u]: 0x%x-0x%x includes %s", k, r->base,
			       r->base + r->count - 1, whose);
			return ERR(E_RANGE);
		}
	}
	for (u32 k = 0; k < c->devices.count && k < PT_MAX_DEVICES; k++) {
		const struct pt_device *d = &c->devices.d[k];

		if (d->kind == DEV_LEGACY && overlaps(d->ports.base, d->ports.count, con)) {
			format(why, why_size,
			       "devices[%u].ports: 0x%x-0x%x (device \"%s\") includes %s", k,
			       d->ports.base, d->ports.base + d->ports.count - 1, dev_name(d),
			       whose);
			return ERR(E_RANGE);
		}
		for (u32 b = 0; d->kind == DEV_PCI && b < PT_MAX_BARS; b++)
			if (d->bar[b].kind == BAR_IO &&
			    overlaps(d->bar[b].base, d->bar[b].size, con)) {
				format(why, why_size,
				       "devices[%u].bar[%u]: 0x%llx-0x%llx (device \"%s\") "
				       "includes %s",
				       k, b, (unsigned long long)d->bar[b].base,
				       (unsigned long long)(d->bar[b].base + d->bar[b].size - 1),
				       dev_name(d), whose);
				return ERR(E_RANGE);
			}
		if (con->irq != CONSOLE_NO_IRQ && d->irq == con->irq) {
			format(why, why_size,
			       "devices[%u].irq: %u (device \"%s\") is the interrupt of Bulkhead's "
			       "console (%s, irq %u)",
			       k, d->irq, dev_name(d), con->name, con->irq);
			return ERR(E_RANGE);
		}
	}
	return 0;
}
