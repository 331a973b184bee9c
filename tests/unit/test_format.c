/* vformat(): the formatter behind every COM1 line. */
#include "core/lib/format.h"
#include "core/log.h"
#include "core/error.h"
#include "tests/unit/check.h"

static const char *fmt1(const char *f, ...) __attribute__((format(printf, 1, 2)));
static const char *fmt1(const char *f, ...)
{
	static char buf[128];
	va_list ap;

	va_start(ap, f);
	vformat(buf, sizeof(buf), f, ap);
	va_end(ap);
	return buf;
}

static void integers(void)
{
	CHECK(!strcmp(fmt1("%d %i %u", -42, 7, 3000000000u), "-42 7 3000000000"));
	CHECK(!strcmp(fmt1("%x %X %llx", 0xbeefu, 0xbeefu, 0x123456789abcULL),
		      "beef BEEF 123456789abc"));
	CHECK(!strcmp(fmt1("%016llx", 0x1fULL), "000000000000001f"));
	CHECK(!strcmp(fmt1("%5d|%-5d|%05d", 42, 42, -42), "   42|42   |-0042"));
	CHECK(!strcmp(fmt1("%lld", (long long)-9223372036854775807LL - 1), "-9223372036854775808"));
	CHECK(!strcmp(fmt1("%llu", 18446744073709551615ULL), "18446744073709551615"));
	CHECK(!strcmp(fmt1("%zu %hhu %hu", (size_t)12, (unsigned char)255, (unsigned short)65535),
		      "12 255 65535"));
}

static void strings_and_chars(void)
{
	CHECK(!strcmp(fmt1("[%s] [%-6s] [%6s] [%.2s]", "abc", "ab", "ab", "abcdef"),
		      "[abc] [ab    ] [    ab] [ab]"));
	const char *volatile null_str = NULL;

	CHECK(!strcmp(fmt1("%s", null_str), "(null)"));
	CHECK(!strcmp(fmt1("%c%c 100%%", 'o', 'k'), "ok 100%"));
	CHECK(!strcmp(fmt1("%p", (void *)0x1000), "0x1000"));
}

static void truncation_keeps_nul(void)
{
	char small[8];

	CHECK_EQ(format(small, sizeof(small), "%s", "0123456789"), 10);
	CHECK(!strcmp(small, "0123456"));
	CHECK_EQ(format(small, 1, "abc"), 3);
	CHECK_EQ(small[0], 0);
}

static void log_levels(void)
{
	enum log_level l;

	log_set_level(LOG_WARN);
	log_info("hidden\n");
	log_warn("shown %d\n", 1);
	CHECK(!capture_has("hidden"));
	CHECK_LOG("shown 1\n");
	CHECK_EQ(log_level_parse("debug", &l), 0);
	CHECK_EQ(l, LOG_DEBUG);
	CHECK_EQ(log_level_parse("0", &l), 0);
	CHECK_EQ(l, LOG_ERR);
	CHECK(log_level_parse("loud", &l) < 0);
	CHECK(log_level_parse("", &l) < 0);
	log_set_level(LOG_INFO);
}

static void long_line_still_ends(void)
{
	char big[700];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	log_info("%s\n", big);
	CHECK(strlen(capture_text()) == 511);
	CHECK(capture_text()[510] == '\n');
}

int main(void)
{
	RUN(integers);
	RUN(strings_and_chars);
	RUN(truncation_keeps_nul);
	RUN(log_levels);
	RUN(long_line_still_ends);
	CHECK_MAIN_END();
}
