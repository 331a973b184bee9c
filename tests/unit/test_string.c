/* core/lib/string.c: memset and memcpy, word by word where they can be, against a byte at a
 * time, at every alignment and length up to a few words, with guard bytes around. */
#include "core/lib/string.h"
#include "tests/unit/check.h"

#define SPAN  96
#define GUARD 0xa5

static u8 buf[SPAN + 64], src[SPAN + 64], want[SPAN + 64];

static void fill(u8 *b, u8 seed)
{
	for (size_t i = 0; i < sizeof(buf); i++)
		b[i] = (u8)(seed + i * 7);
}

static void memset_every_alignment(void)
{
	for (size_t off = 0; off < 16; off++)
		for (size_t len = 0; len <= SPAN - 16; len++) {
			for (size_t i = 0; i < sizeof(buf); i++)
				buf[i] = want[i] = GUARD;
			for (size_t i = 0; i < len; i++)
				want[off + 8 + i] = 0x3c;
			/* the value is an int, stored as (unsigned char)0x13c: on purpose */
			/* cppcheck-suppress memsetValueOutOfRange */
			CHECK(memset(buf + off + 8, 0x13c, len) == buf + off + 8);
			CHECK(memcmp(buf, want, sizeof(buf)) == 0);
		}
}

static void memcpy_every_alignment(void)
{
	fill(src, 1);
	for (size_t so = 0; so < 16; so++)
		for (size_t doff = 0; doff < 16; doff++)
			for (size_t len = 0; len <= SPAN - 16; len += (len < 24 ? 1 : 7)) {
				for (size_t i = 0; i < sizeof(buf); i++)
					buf[i] = want[i] = GUARD;
				for (size_t i = 0; i < len; i++)
					want[doff + 8 + i] = src[so + 8 + i];
				CHECK(memcpy(buf + doff + 8, src + so + 8, len) == buf + doff + 8);
				CHECK(memcmp(buf, want, sizeof(buf)) == 0);
			}
}

/* memmove falls back on memcpy when the destination is below the source: overlapping, that
 * must still be byte-exact (word copies forward are: each word is read before written). */
static void memmove_overlap(void)
{
	for (size_t shift = 1; shift < 20; shift++) {
		fill(buf, 3);
		fill(want, 3);
		for (size_t i = 0; i < SPAN; i++)
			want[i] = want[i + shift];
		memmove(buf, buf + shift, SPAN);
		CHECK(memcmp(buf, want, SPAN) == 0);
		fill(buf, 5);
		fill(want, 5);
		for (size_t i = SPAN; i-- > 0;)
			want[i + shift] = want[i];
		memmove(buf + shift, buf, SPAN);
		CHECK(memcmp(buf, want, SPAN + shift) == 0);
	}
}

int main(void)
{
	RUN(memset_every_alignment);
	RUN(memcpy_every_alignment);
	RUN(memmove_overlap);
	CHECK_MAIN_END();
}
