/* Recent lines in a fixed ring: see textring.h. */
#include "core/textring.h"

void textring_init(struct textring *r, char *buf, u32 size)
{
	r->buf = buf;
	r->size = size;
	r->head = 0;
	r->used = 0;
	r->lines = 0;
	r->first = 0;
}

/* The oldest line goes. */
static void drop_oldest(struct textring *r)
{
	while (r->used) {
		char c = r->buf[r->head];

		r->head = (r->head + 1) % r->size;
		r->used--;
		if (c == '\0')
			break;
	}
	r->lines--;
	r->first++;
}

void textring_put(struct textring *r, const char *text, size_t len)
{
	u32 tail;

	if (!r->size)
		return;
	if (len > r->size - 1)
		len = r->size - 1;
	while (r->size - r->used < len + 1)
		drop_oldest(r);
	tail = (r->head + r->used) % r->size;
	for (size_t i = 0; i <= len; i++)
		r->buf[(tail + i) % r->size] = i < len ? text[i] : '\0';
	r->used += (u32)len + 1;
	r->lines++;
}

bool textring_get(const struct textring *r, u64 n, char *out, size_t size)
{
	u32 at = r->head;
	size_t k = 0;

	if (n < r->first || n >= r->first + r->lines || !size)
		return false;
	for (u64 skip = n - r->first; skip; at = (at + 1) % r->size)
		if (r->buf[at] == '\0')
			skip--;
	for (; r->buf[at] != '\0'; at = (at + 1) % r->size)
		if (k + 1 < size)
			out[k++] = r->buf[at];
	out[k] = '\0';
	return true;
}

u64 textring_end(const struct textring *r)
{
	return r->first + r->lines;
}
