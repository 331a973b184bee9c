/* Console output queue of one partition: see lineq.h. */
#include "core/lineq.h"
#include "core/lib/string.h"

bool lineq_put(struct lineq *q, const char *line)
{
	size_t len = strnlen(line, LINEQ_BYTES) + 1;
	bool ok;

	spin_lock(&q->lock);
	ok = len <= LINEQ_BYTES - q->used;
	if (ok) {
		u32 tail = (q->head + q->used) % LINEQ_BYTES;

		for (size_t i = 0; i < len; i++)
			q->buf[(tail + i) % LINEQ_BYTES] = i + 1 < len ? line[i] : '\0';
		q->used += (u32)len;
	} else {
		q->dropped++;
	}
	spin_unlock(&q->lock);
	return ok;
}

bool lineq_get(struct lineq *q, char *out, size_t size)
{
	size_t n = 0;
	char c;

	spin_lock(&q->lock);
	if (!q->used) {
		spin_unlock(&q->lock);
		return false;
	}
	do {
		c = q->buf[q->head];
		q->head = (q->head + 1) % LINEQ_BYTES;
		q->used--;
		if (c != '\0' && n + 1 < size)
			out[n++] = c;
	} while (c != '\0');
	spin_unlock(&q->lock);
	if (size)
		out[n] = '\0';
	return true;
}

bool lineq_empty(struct lineq *q)
{
	return __atomic_load_n(&q->used, __ATOMIC_ACQUIRE) == 0;
}

u32 lineq_take_dropped(struct lineq *q)
{
	u32 n;

	spin_lock(&q->lock);
	n = q->dropped;
	q->dropped = 0;
	spin_unlock(&q->lock);
	return n;
}

void lineq_reset(struct lineq *q)
{
	spin_lock(&q->lock);
	q->head = 0;
	q->used = 0;
	q->dropped = 0;
	spin_unlock(&q->lock);
}
