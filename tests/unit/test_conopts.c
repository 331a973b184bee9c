/* Unit tests for core/conopts.c: console=, escape= and what a partition's row may not have
 * once the console is chosen. The ports and IRQs are the PC's, written out here. */
#include <stdio.h>
#include <string.h>

#include "core/conopts.h"
#include "tests/unit/check.h"

static struct console_port C;
static char why[256];

static int parse(const char *v)
{
	why[0] = '\0';
	memset(&C, 0x5a, sizeof(C));
	return console_opt_parse(v, &C, why, sizeof(why));
}

static void test_console_standard(void)
{
	CHECK_EQ(parse("com1"), 0);
	CHECK(C.port == 0x3f8 && C.baud == 115200 && C.irq == 4 && !strcmp(C.name, "com1"));
	CHECK_EQ(parse("com2,115200"), 0);
	CHECK(C.port == 0x2f8 && C.baud == 115200 && C.irq == 3 && !strcmp(C.name, "com2"));
	CHECK_EQ(parse("COM3,9600"), 0);
	CHECK(C.port == 0x3e8 && C.baud == 9600 && C.irq == CONSOLE_NO_IRQ);
	CHECK_EQ(parse("com4,57600"), 0);
	CHECK(C.port == 0x2e8 && C.baud == 57600 && C.irq == CONSOLE_NO_IRQ);
	CHECK_EQ(parse("com2,50"), 0); /* divisor 2304 */
	CHECK_EQ(C.baud, 50);
}

static void test_console_port_number(void)
{
	CHECK_EQ(parse("0xe000"), 0);
	CHECK(C.port == 0xe000 && C.baud == 115200 && C.irq == CONSOLE_NO_IRQ);
	CHECK(!strcmp(C.name, "0xe000"));
	CHECK_EQ(parse("0x2F8,38400"), 0);
	CHECK(C.port == 0x2f8 && C.baud == 38400 && C.irq == CONSOLE_NO_IRQ);
	CHECK_EQ(parse("0x100"), 0);
	CHECK_EQ(parse("0xfff8"), 0);
}

/* A bad value leaves *out alone and says what is wrong. */
static void test_console_bad(void)
{
	static const struct {
		const char *val, *why;
	} bad[] = {
	    {"com5", "unknown port \"com5\": use com1, com2, com3, com4 or 0x<port>"},
	    {"", "unknown port \"\": use com1, com2, com3, com4 or 0x<port>"},
	    {"ttyS0,115200", "unknown port \"ttyS0\": use com1, com2, com3, com4 or 0x<port>"},
	    {"com", "unknown port \"com\""},
	    {"com11", "unknown port \"com11\""},
	    {"1016", "unknown port \"1016\""},
	    {"0x3f9", "port 0x3f9 is not a UART's base (a multiple of 8 from 0x100 to 0xfff8"},
	    {"0xf8", "port 0xf8 is not a UART's base"},
	    {"0xcf8", "port 0xcf8 is not a UART's base"},
	    {"0x10000", "port 0x10000 is not a UART's base"},
	    {"0x", "unknown port \"0x\""},
	    {"0xzz", "port 0xzz is not a UART's base"},
	    {"com2,100000", "speed \"100000\" is not 115200 divided by a whole number"},
	    {"com2,0", "speed \"0\" is not"},
	    {"com2,230400", "speed \"230400\" is not"},
	    {"com2,", "speed \"\" is not"},
	    {"com2,fast", "speed \"fast\" is not"},
	    {"com2,9600,8n1", "speed \"9600,8n1\" is not"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i].val);

		if (!rc || strncmp(why, bad[i].why, strlen(bad[i].why)))
			printf("  console=%s: rc %d, why \"%s\"\n", bad[i].val, rc, why);
		CHECK(rc != 0);
		CHECK(!strncmp(why, bad[i].why, strlen(bad[i].why)));
		CHECK_EQ(C.port, 0x5a5a);
	}
}

static void test_escape(void)
{
	static const struct {
		const char *val;
		int key; /* -1: refused */
	} cases[] = {
	    {"^A", 0x01}, {"^b", 0x02}, {"^Z", 0x1a},	{"^\\", 0x1c}, {"^]", 0x1d}, {"^^", 0x1e},
	    {"^_", 0x1f}, {"2", 0x02},	{"0x1d", 0x1d}, {"^G", -1},    {"7", -1},    {"^H", -1},
	    {"^I", -1},	  {"^J", -1},	{"^M", -1},	{"^[", -1},    {"^@", -1},   {"0", -1},
	    {"0x1b", -1}, {"0x20", -1}, {"a", -1},	{"^", -1},     {"^AB", -1},  {"", -1},
	    {"^1", -1},	  {"127", -1},
	};
	char name[16];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		u8 key = 0x77;
		int rc = escape_opt_parse(cases[i].val, &key, why, sizeof(why));

		if ((rc == 0) != (cases[i].key >= 0) || (cases[i].key >= 0 && key != cases[i].key))
			printf("  escape=%s: rc %d key 0x%x\n", cases[i].val, rc, key);
		CHECK((rc == 0) == (cases[i].key >= 0));
		CHECK_EQ(key, cases[i].key >= 0 ? cases[i].key : 0x77);
	}
	escape_opt_parse("^H", &(u8){0}, why, sizeof(why));
	CHECK(!strcmp(why, "\"^H\" cannot be the escape key: use ^A-^Z (not ^G, ^H, ^I, ^J or "
			   "^M), ^\\, ^], ^^ or ^_, or its byte 0x01-0x1f"));
	escape_key_name(0x01, name, sizeof(name));
	CHECK(!strcmp(name, "Ctrl-A"));
	escape_key_name(0x02, name, sizeof(name));
	CHECK(!strcmp(name, "Ctrl-B"));
	escape_key_name(0x1c, name, sizeof(name));
	CHECK(!strcmp(name, "Ctrl-\\"));
	escape_key_name(0x1f, name, sizeof(name));
	CHECK(!strcmp(name, "Ctrl-_"));
}

static void test_focus_only(void)
{
	bool on = false;

	CHECK(!focus_only_opt_parse("", &on, why, sizeof(why)) && on);
	CHECK(!focus_only_opt_parse("off", &on, why, sizeof(why)) && !on);
	CHECK(!focus_only_opt_parse("on", &on, why, sizeof(why)) && on);
	CHECK(!focus_only_opt_parse("0", &on, why, sizeof(why)) && !on);
	CHECK(!focus_only_opt_parse("1", &on, why, sizeof(why)) && on);
	CHECK(focus_only_opt_parse("yes", &on, why, sizeof(why)) != 0 && on);
	CHECK(!strcmp(why, "\"yes\": want on or off (or the bare word for on)"));
}

/* The rt layout's rt1 (COM2's ports), the serial layout's device (COM2 with IRQ 3), a PCI
 * function with an I/O BAR: each is refused once the console is on their ports or IRQ. */
static void test_conflicts(void)
{
	struct console_port com2, com1, high;
	struct partition_config rt1 = {.name = "rt1",
				       .ports = PT_PORTS({.base = 0x2f8, .count = 8})};
	struct partition_config edge = {.name = "e",
					.ports = PT_PORTS({.base = 0x2f0, .count = 9})};
	struct partition_config below = {
	    .name = "b",
	    .ports = PT_PORTS({.base = 0x2f0, .count = 8}, {.base = 0x300, .count = 8})};
	struct partition_config serial = {.name = "serial",
					  .devices =
					      PT_DEVICES({.kind = DEV_LEGACY,
							  .name = "com2",
							  .ports = {.base = 0x2f8, .count = 8},
							  .irq = 3})};
	struct partition_config irq_only = {
	    .name = "x", .devices = PT_DEVICES({.kind = DEV_LEGACY, .name = "uart", .irq = 3})};
	struct partition_config pci = {
	    .name = "p",
	    .devices = PT_DEVICES({.kind = DEV_PCI,
				   .name = "card",
				   .bdf = PT_BDF(0, 3, 0),
				   .bar = {{BAR_MEM, 0xfe000000, 0x1000}, {BAR_IO, 0xe000, 0x20}},
				   .irq = 11})};

	CHECK_EQ(console_opt_parse("com2", &com2, why, sizeof(why)), 0);
	CHECK_EQ(console_opt_parse("com1", &com1, why, sizeof(why)), 0);
	CHECK_EQ(console_opt_parse("0xe018", &high, why, sizeof(why)), 0);
	CHECK(console_port_conflict(&rt1, &com2, why, sizeof(why)) != 0);
	CHECK(!strcmp(why, "ports[0]: 0x2f8-0x2ff includes Bulkhead's console (com2, ports "
			   "0x2f8-0x2ff)"));
	CHECK_EQ(console_port_conflict(&rt1, &com1, why, sizeof(why)), 0);
	CHECK(console_port_conflict(&edge, &com2, why, sizeof(why)) != 0);
	CHECK(!strcmp(why, "ports[0]: 0x2f0-0x2f8 includes Bulkhead's console (com2, ports "
			   "0x2f8-0x2ff)"));
	CHECK_EQ(console_port_conflict(&below, &com2, why, sizeof(why)), 0);
	CHECK(console_port_conflict(&serial, &com2, why, sizeof(why)) != 0);
	CHECK(!strcmp(why, "devices[0].ports: 0x2f8-0x2ff (device \"com2\") includes Bulkhead's "
			   "console (com2, ports 0x2f8-0x2ff)"));
	CHECK(console_port_conflict(&irq_only, &com2, why, sizeof(why)) != 0);
	CHECK(!strcmp(why, "devices[0].irq: 3 (device \"uart\") is the interrupt of Bulkhead's "
			   "console (com2, irq 3)"));
	CHECK_EQ(console_port_conflict(&irq_only, &com1, why, sizeof(why)), 0);
	CHECK_EQ(console_port_conflict(&pci, &com2, why, sizeof(why)), 0);
	CHECK(console_port_conflict(&pci, &high, why, sizeof(why)) != 0);
	CHECK(!strcmp(why, "devices[0].bar[1]: 0xe000-0xe01f (device \"card\") includes "
			   "Bulkhead's console (0xe018, ports 0xe018-0xe01f)"));
	/* a polled console has no interrupt to keep: IRQ 3 stays a device's */
	high.port = 0x5000;
	CHECK_EQ(console_port_conflict(&irq_only, &high, why, sizeof(why)), 0);
}

int main(void)
{
	RUN(test_console_standard);
	RUN(test_console_port_number);
	RUN(test_console_bad);
	RUN(test_escape);
	RUN(test_focus_only);
	RUN(test_conflicts);
	CHECK_MAIN_END();
}
