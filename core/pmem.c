/*
 * Boot-time physical page allocator: two sorted tables of merged ranges, all RAM and the free
 * part of it, plus the list of reservations. Only arithmetic on addresses; see core/pmem.h.
 */
#include "core/pmem.h"
#include "core/spinlock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/lib/string.h"

/* The log formatter checks types like printf: u64 is unsigned long on x86-64. */
#define ULL(x) ((unsigned long long)(x))

struct table {
	struct pmem_range r[MAX_PMEM_RANGES];
	u32 n;
};

static struct table ram;   /* every page pmem_add_ram() accepted */
static struct table avail; /* the part of ram that is neither reserved nor allocated */
/* pmem_add_ram() works on copies so that a full table leaves the real ones untouched. */
static struct table new_ram, new_avail;

static struct pmem_reservation resv[PMEM_MAX_RESERVATIONS];
static u32 resv_count;
static u32 resv_unrecorded; /* made while the list was full */

static u64 ram_bytes, reserved_bytes, allocated_bytes;
static u64 used[PMEM_OWNERS][PMEM_USES]; /* allocated_bytes by owner and use */
static u64 alloc_limit;

static u64 min_u64(u64 a, u64 b)
{
	return a < b ? a : b;
}

static u64 max_u64(u64 a, u64 b)
{
	return a > b ? a : b;
}

/* start + len, saturated at the highest page boundary (the last page is never RAM). */
static u64 end_of(u64 start, u64 len)
{
	if (start >= PMEM_ADDR_MAX || len >= PMEM_ADDR_MAX - start)
		return PMEM_ADDR_MAX;
	return start + len;
}

/* Merge [s, e) into t, joining every range it overlaps or touches. */
static int table_add(struct table *t, u64 s, u64 e)
{
	u32 i = 0, j;

	while (i < t->n && t->r[i].end < s)
		i++;
	j = i;
	while (j < t->n && t->r[j].start <= e)
		j++;
	if (i == j) {
		if (t->n == MAX_PMEM_RANGES)
			return ERR(E_NOMEM);
		memmove(&t->r[i + 1], &t->r[i], (t->n - i) * sizeof(t->r[0]));
		t->r[i].start = s;
		t->r[i].end = e;
		t->n++;
		return 0;
	}
	/* Ranges i..j-1 become one. */
	t->r[i].start = min_u64(s, t->r[i].start);
	t->r[i].end = max_u64(e, t->r[j - 1].end);
	memmove(&t->r[i + 1], &t->r[j], (t->n - j) * sizeof(t->r[0]));
	t->n -= j - i - 1;
	return 0;
}

/*
 * Cut [s, e) out of t and add the bytes cut to *removed. Cutting from the middle of a range
 * needs one more slot: with the table full that fails and nothing changes.
 */
static int table_remove(struct table *t, u64 s, u64 e, u64 *removed)
{
	struct pmem_range keep[2];
	u32 i = 0, j, nkeep = 0;
	u64 bytes = 0;

	if (s >= e)
		return 0;
	while (i < t->n && t->r[i].end <= s)
		i++;
	for (j = i; j < t->n && t->r[j].start < e; j++)
		bytes += min_u64(e, t->r[j].end) - max_u64(s, t->r[j].start);
	if (i == j)
		return 0;
	/* Ranges i..j-1 overlap [s, e); only their outer ends can survive. */
	if (t->r[i].start < s)
		keep[nkeep++] = (struct pmem_range){t->r[i].start, s};
	if (t->r[j - 1].end > e)
		keep[nkeep++] = (struct pmem_range){e, t->r[j - 1].end};
	if (t->n - (j - i) + nkeep > MAX_PMEM_RANGES)
		return ERR(E_NOMEM);
	memmove(&t->r[i + nkeep], &t->r[j], (t->n - j) * sizeof(t->r[0]));
	for (u32 k = 0; k < nkeep; k++)
		t->r[i + k] = keep[k];
	t->n = t->n - (j - i) + nkeep;
	*removed += bytes;
	return 0;
}

/* Bytes of t in [s, e). */
static u64 table_bytes_in(const struct table *t, u64 s, u64 e)
{
	u64 bytes = 0;

	for (u32 i = 0; i < t->n; i++)
		if (t->r[i].start < e && t->r[i].end > s)
			bytes += min_u64(e, t->r[i].end) - max_u64(s, t->r[i].start);
	return bytes;
}

void pmem_init(void)
{
	memset(&ram, 0, sizeof(ram));
	memset(&avail, 0, sizeof(avail));
	memset(resv, 0, sizeof(resv));
	resv_count = 0;
	resv_unrecorded = 0;
	ram_bytes = 0;
	reserved_bytes = 0;
	allocated_bytes = 0;
	memset(used, 0, sizeof(used));
	alloc_limit = PMEM_DEFAULT_LIMIT;
	/* Page 0 is never handed out, so 0 can mean "no memory" (and real mode's IVT lives there).
	 */
	pmem_reserve(0, PAGE_SIZE, "page 0");
}

/*
 * Into new_ram/new_avail: the RAM [s, e), whose pages not yet known become free unless a
 * reservation covers them. Counts the new bytes and the newly reserved ones.
 */
static int stage_ram(u64 s, u64 e, u64 *added, u64 *held)
{
	u64 cur = s;
	int err;

	/* The gaps between the RAM already known are new. */
	for (u32 i = 0; i < ram.n && cur < e; i++) {
		if (ram.r[i].end <= cur)
			continue;
		if (ram.r[i].start >= e)
			break;
		if (ram.r[i].start > cur) {
			err = table_add(&new_avail, cur, ram.r[i].start);
			if (err)
				return err;
			*added += ram.r[i].start - cur;
		}
		cur = ram.r[i].end;
	}
	if (cur < e) {
		err = table_add(&new_avail, cur, e);
		if (err)
			return err;
		*added += e - cur;
	}
	err = table_add(&new_ram, s, e);
	if (err)
		return err;
	/* Old free memory lies outside every reservation, so this cuts only new pages. */
	for (u32 k = 0; k < resv_count; k++) {
		err = table_remove(&new_avail, max_u64(s, resv[k].start), min_u64(e, resv[k].end),
				   held);
		if (err)
			return err;
	}
	return 0;
}

int pmem_add_ram(u64 start, u64 len)
{
	u64 s, e, added = 0, held = 0;
	int err;

	if (start >= PMEM_ADDR_MAX)
		return 0;
	s = align_up(start, PAGE_SIZE);
	e = align_down(end_of(start, len), PAGE_SIZE);
	if (s >= e) {
		log_debug("pmem: ignoring RAM 0x%llx+0x%llx: no whole page\n", ULL(start),
			  ULL(len));
		return 0;
	}
	memcpy(&new_ram, &ram, sizeof(ram));
	memcpy(&new_avail, &avail, sizeof(avail));
	err = stage_ram(s, e, &added, &held);
	if (err) {
		log_warn("pmem: range table full, RAM 0x%016llx-0x%016llx dropped\n", ULL(s),
			 ULL(e));
		return err;
	}
	memcpy(&ram, &new_ram, sizeof(ram));
	memcpy(&avail, &new_avail, sizeof(avail));
	ram_bytes += added;
	reserved_bytes += held;
	return 0;
}

static int remember(u64 s, u64 e, const char *what)
{
	if (resv_count == PMEM_MAX_RESERVATIONS) {
		resv_unrecorded++;
		log_warn("pmem: reservation table full, %s 0x%016llx-0x%016llx not recorded: RAM "
			 "added later is not checked against it\n",
			 what, ULL(s), ULL(e));
		return ERR(E_NOMEM);
	}
	resv[resv_count].start = s;
	resv[resv_count].end = e;
	strlcpy(resv[resv_count].name, what, sizeof(resv[0].name));
	resv_count++;
	return 0;
}

/*
 * Cut [s, e) out of the free memory. If that would split a range while the table is full,
 * the smaller side of that range goes too: losing free memory is safe, handing out a
 * reservation is not.
 */
static int carve(u64 s, u64 e, const char *what)
{
	int err = table_remove(&avail, s, e, &reserved_bytes);

	if (!err)
		return 0;
	for (u32 i = 0; i < avail.n; i++) {
		struct pmem_range r = avail.r[i];

		if (r.start < s && e < r.end) {
			if (s - r.start <= r.end - e) {
				log_warn("pmem: range table full, reserving %s drops free "
					 "0x%016llx-0x%016llx\n",
					 what, ULL(r.start), ULL(s));
				s = r.start;
			} else {
				log_warn("pmem: range table full, reserving %s drops free "
					 "0x%016llx-0x%016llx\n",
					 what, ULL(e), ULL(r.end));
				e = r.end;
			}
			break;
		}
	}
	table_remove(&avail, s, e, &reserved_bytes); /* no split left: cannot fail */
	return err;
}

int pmem_reserve(u64 start, u64 len, const char *what)
{
	u64 s = align_down(start, PAGE_SIZE);
	u64 e = align_up(end_of(start, len), PAGE_SIZE);
	int err1, err2;

	if (len == 0 || s >= e)
		return 0;
	if (!what)
		what = "?";
	log_debug("pmem: reserve 0x%016llx-0x%016llx %s\n", ULL(s), ULL(e), what);
	err1 = remember(s, e, what);
	err2 = carve(s, e, what);
	return err2 ? err2 : err1;
}

void pmem_set_limit(u64 limit)
{
	alloc_limit = align_down(limit, PAGE_SIZE);
}

u64 pmem_limit(void)
{
	return alloc_limit;
}

/* The largest free block below `top`, for the failure message. */
static u64 largest_below(u64 top)
{
	u64 best = 0;

	for (u32 i = 0; i < avail.n && avail.r[i].start < top; i++)
		best = max_u64(best, min_u64(avail.r[i].end, top) - avail.r[i].start);
	return best;
}

static u64 fig(u64 bytes)
{
	return bytes >= MiB ? bytes / MiB : bytes / KiB;
}

static const char *unit(u64 bytes)
{
	return bytes >= MiB ? "MiB" : "KiB";
}

static void alloc_failed(u64 pages, u64 align, u64 top, bool table_full)
{
	u64 there = table_bytes_in(&avail, 0, top), big = largest_below(top);

	log_err("pmem: cannot allocate %llu pages aligned 0x%llx below 0x%llx: %llu %s free there, "
		"largest block %llu %s%s\n",
		ULL(pages), ULL(align), ULL(top), ULL(fig(there)), unit(there), ULL(fig(big)),
		unit(big), table_full ? " (range table full)" : "");
}

/*
 * Take `size` bytes at a multiple of `align` from the top of the highest free range that fits
 * below `top`. Returns 0 if none does. A block under the limit or an alignment can split its
 * range; with the table full such a range is passed over.
 */
#ifdef HOST_TEST
/* The unit test widens the window between choosing a block and taking it, so that CPUs
 * allocating at once would collide there without the lock (tests/unit/test_pmem.c). */
void pmem_test_window(void);
#else
static inline void pmem_test_window(void)
{
}
#endif

static u64 take_from_top(u64 size, u64 align, u64 top, bool *table_full)
{
	for (u32 i = avail.n; i-- > 0;) {
		u64 base = avail.r[i].start, hi = min_u64(avail.r[i].end, top), at, taken = 0;

		if (base >= top || hi - base < size)
			continue;
		at = align_down(hi - size, align);
		if (at < base)
			continue;
		pmem_test_window();
		if (table_remove(&avail, at, at + size, &taken)) {
			*table_full = true;
			continue;
		}
		allocated_bytes += taken;
		return at;
	}
	return 0;
}

/* Allocations after boot come from partition CPUs starting (their VMCS, exit stack) at the
 * same time (reservations happen on the boot CPU alone). */
static struct spinlock alloc_lock; /* guards the free table */

static bool tag_ok(struct pmem_tag tag)
{
	return (u32)tag.use < PMEM_USES && tag.owner < PMEM_OWNERS;
}

u64 pmem_alloc_aligned(u64 pages, u64 align, u64 below, struct pmem_tag tag)
{
	u64 top = min_u64(align_down(below, PAGE_SIZE), alloc_limit), at = 0;
	bool table_full = false;

	if (pages == 0 || align < PAGE_SIZE || (align & (align - 1))) {
		log_err("pmem: bad allocation request: %llu pages aligned 0x%llx\n", ULL(pages),
			ULL(align));
		return 0;
	}
	if (!tag_ok(tag)) {
		log_err("pmem: bad allocation request: %llu pages for use %u of owner %u\n",
			ULL(pages), (unsigned)tag.use, tag.owner);
		return 0;
	}
	spin_lock(&alloc_lock);
	if (pages <= top / PAGE_SIZE)
		at = take_from_top(pages * PAGE_SIZE, align, top, &table_full);
	if (at)
		used[tag.owner][tag.use] += pages * PAGE_SIZE;
	spin_unlock(&alloc_lock);
	if (!at)
		alloc_failed(pages, align, top, table_full);
	return at;
}

u64 pmem_alloc_below(u64 pages, u64 below, struct pmem_tag tag)
{
	return pmem_alloc_aligned(pages, PAGE_SIZE, below, tag);
}

u64 pmem_alloc(u64 pages, struct pmem_tag tag)
{
	return pmem_alloc_aligned(pages, PAGE_SIZE, PMEM_ADDR_MAX, tag);
}

u64 pmem_used_bytes(u32 owner, enum pmem_use use)
{
	if (!tag_ok(pmem_tag(owner, use)))
		return 0;
	return used[owner][use];
}

u64 pmem_owner_bytes(u32 owner)
{
	u64 sum = 0;

	for (u32 u = 0; u < PMEM_USES; u++)
		sum += pmem_used_bytes(owner, (enum pmem_use)u);
	return sum;
}

const char *pmem_use_name(enum pmem_use use)
{
	static const char *const names[PMEM_USES] = {
	    [PMEM_EPT] = "ept",
	    [PMEM_VMCS] = "vmcs",
	    [PMEM_VMXON] = "vmxon",
	    [PMEM_BITMAPS] = "bitmaps",
	    [PMEM_STACKS] = "stacks",
	    [PMEM_CPU] = "cpu",
	    [PMEM_TRAMPOLINE] = "trampoline",
	    [PMEM_IOMMU] = "iommu",
	};

	return (u32)use < PMEM_USES ? names[use] : "?";
}

u64 pmem_free_bytes(void)
{
	return table_bytes_in(&avail, 0, alloc_limit);
}

u64 pmem_total_ram(void)
{
	return ram_bytes;
}

u64 pmem_reserved_bytes(void)
{
	return reserved_bytes;
}

u64 pmem_allocated_bytes(void)
{
	return allocated_bytes;
}

u32 pmem_range_count(void)
{
	return avail.n;
}

const struct pmem_range *pmem_ranges(void)
{
	return avail.r;
}

u32 pmem_reservation_count(void)
{
	return resv_count;
}

const struct pmem_reservation *pmem_reservations(void)
{
	return resv;
}

void pmem_report(void)
{
	u64 avail_bytes = pmem_free_bytes();
	u64 above = table_bytes_in(&ram, alloc_limit, PMEM_ADDR_MAX);

	log_info("pmem: %llu %s RAM in %u range%s, %llu %s reserved, %llu %s allocated, %llu %s "
		 "free\n",
		 ULL(fig(ram_bytes)), unit(ram_bytes), ram.n, ram.n == 1 ? "" : "s",
		 ULL(fig(reserved_bytes)), unit(reserved_bytes), ULL(fig(allocated_bytes)),
		 unit(allocated_bytes), ULL(fig(avail_bytes)), unit(avail_bytes));
	for (u32 k = 0; k < resv_count; k++)
		log_info("pmem:   reserved 0x%016llx-0x%016llx %s\n", ULL(resv[k].start),
			 ULL(resv[k].end), resv[k].name);
	if (resv_unrecorded)
		log_info("pmem:   %u more reservations not recorded\n", resv_unrecorded);
	if (above)
		log_info("pmem: %llu %s above 0x%llx not allocatable yet\n", ULL(fig(above)),
			 unit(above), ULL(alloc_limit));
}

/* Sorted, page aligned, non-empty, and apart (touching ranges would have merged). */
static bool table_ok(const struct table *t)
{
	for (u32 i = 0; i < t->n; i++) {
		const struct pmem_range *r = &t->r[i];

		if (r->start >= r->end || (r->start | r->end) & (PAGE_SIZE - 1))
			return false;
		if (i > 0 && t->r[i - 1].end >= r->start)
			return false;
	}
	return true;
}

static u64 used_sum(void)
{
	u64 sum = 0;

	for (u32 o = 0; o < PMEM_OWNERS; o++)
		sum += pmem_owner_bytes(o);
	return sum;
}

static const char *broken_rule(void)
{
	u64 free_all = table_bytes_in(&avail, 0, PMEM_ADDR_MAX);

	if (ram.n > MAX_PMEM_RANGES || avail.n > MAX_PMEM_RANGES)
		return "table count";
	if (!table_ok(&ram))
		return "RAM ranges not sorted, aligned and merged";
	if (!table_ok(&avail))
		return "free ranges not sorted, aligned and merged";
	if (table_bytes_in(&ram, 0, PMEM_ADDR_MAX) != ram_bytes)
		return "RAM ranges do not add up to the total";
	if (free_all + allocated_bytes + reserved_bytes != ram_bytes)
		return "free + allocated + reserved != total RAM";
	if (used_sum() != allocated_bytes)
		return "allocations by owner and use do not add up to the total";
	for (u32 i = 0; i < avail.n; i++) {
		const struct pmem_range *r = &avail.r[i];

		if (table_bytes_in(&ram, r->start, r->end) != r->end - r->start)
			return "free memory outside RAM";
	}
	for (u32 k = 0; k < resv_count; k++)
		if (table_bytes_in(&avail, resv[k].start, resv[k].end))
			return "free memory inside a reservation";
	return NULL;
}

bool pmem_check_invariants(void)
{
	const char *rule = broken_rule();

	if (rule)
		log_err("pmem: invariant broken: %s\n", rule);
	return !rule;
}
