/*
 * chanmon: a Linux user program on the consumer side of a channel (docs/channels.md), for the
 * Linux test image (/bin/chanmon). Each channel of the Linux partition is a PCI function
 * modelled on QEMU's ivshmem (bulkhead/channel_pci.h): chanmon finds it through sysfs, maps
 * its memory (BAR2) and registers (BAR0) through the sysfs resource files, and waits for its
 * doorbell through uio_pci_generic (the kernel's UIO howto), reading the SDK ring
 * (bulkhead/sdk_ring.h) of {u64 seq, u64 tsc} records that the chan demo's producer writes.
 *
 *   chanmon SAMPLES SECONDS [SETPOINT VALUE AT]
 *
 * SAMPLES      the channel to read: an SDK_RING_OVERWRITE ring of 16-byte records
 *              {seq, tsc}; chanmon is a read-only consumer, whatever its end's access.
 * SECONDS      how long to run, from the first record (from the start while none has come;
 *              so it ends even if no doorbell ever rings).
 * SETPOINT VALUE AT
 *              at second AT (0..SECONDS) of the same clock, write {u64 seq = 1, s64 VALUE}
 *              at offset 0 of channel SETPOINT (VALUE first, then seq with a release store)
 *              and ring its doorbell; SETPOINT must be writable from this side.
 *
 * Must run as root (the sysfs config files' capability, new_id, the resource files).
 * It binds uio_pci_generic to 1af4:1110 (new_id; the modules uio and uio_pci_generic must be
 * loaded), opens /dev/uioN (made with mknod from /sys/class/uio/uioN/dev if devtmpfs has not),
 * sets IntrMask to 1, and starts at the newest record in the ring (what was written before it
 * started is skipped, not counted). On each doorbell (read() of /dev/uioN returns): read
 * IntrStatus (which clears it), re-enable INTx (uio_pci_generic's handler set the command
 * register's Interrupt Disable bit: a 1-byte pwrite at config offset 5), then pop every
 * record there is. It prints, on stdout, line-buffered:
 *
 *	chanmon: channel "samples" at 0000:00:10.0: 65536 bytes, read-only, end 1
 *	                       (and the same for SETPOINT when it is looked up, at second AT)
 *	chanmon: second <n>: <r> records, <g> gaps, <w> wakeups          (n from 1, each second
 *	                       of CLOCK_MONOTONIC from the first record: records popped, jumps
 *	                       in seq, doorbells taken; wakeups before the first record are in
 *	                       the total only)
 *	chanmon: set-point <value> sent on "setpoint" (request 1)        (with SETPOINT ...)
 *	chanmon: doorbell to user space: n <n>, median <x>, p99 <y>, max <z> ticks
 *	                       (per doorbell: the TSC when ppoll() returned minus the tsc of the
 *	                       newest record popped then that was written before it; 0s when
 *	                       n is 0)
 *	chanmon: total: <r> records, <g> gaps, <w> wakeups, <l> lost   (the whole run: the
 *	                       seconds' sums, and what a wake before the first record or just
 *	                       past the last second took; l: the ring reader's count of
 *	                       records overwritten before it could pop them)
 *	chanmon: done
 *
 * and exits 0. A channel that is not there: `chanmon: channel "samples": not found`, exit 1.
 * Any other failure: `chanmon: <what failed>[: <errno text>]`, exit 1 (usage: exit 2).
 *
 * Hidden, for a check under QEMU with ivshmem-plain (no name capability, no interrupt):
 * `--bdf BDF` before the arguments stands for the next channel named (the first for SAMPLES,
 * a second for SETPOINT): no name lookup; without the capability the size is BAR2's, the
 * channel writable and the end IVPosition's; and a function with no interrupt (read() of
 * /dev/uioN fails with EIO, as for ivshmem-plain) is polled instead: its ring is drained
 * every 100 ms (no wakeup counted, no latency).
 */
#define _GNU_SOURCE /* ppoll */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <bulkhead/channel_pci.h>
#include <bulkhead/sdk_ring.h>

#define PCI_DEVICES  "/sys/bus/pci/devices"
#define UIO_DRIVER   "/sys/bus/pci/drivers/uio_pci_generic"
#define CFG_SIZE     256
#define CFG_COMMAND  0x04
#define CFG_STATUS   0x06
#define CFG_CAP_PTR  0x34
#define CMD_MEMORY   0x0002u /* command: memory space enable */
#define CMD_INTX_OFF 0x04u   /* command's high byte (offset 5), bit 2: Interrupt Disable */
#define STS_CAP_LIST 0x0010u /* status: a capability list at CFG_CAP_PTR */
#define WAIT_MS	     100
#define NS	     1000000000ull
#define MAX_BDFS     2

struct sample {
	uint64_t seq;
	uint64_t tsc;
};

struct setpoint {
	uint64_t seq;
	int64_t value;
};

struct chan {
	char bdf[64];			      /* 0000:00:10.0 */
	char name[CHANNEL_CAP_NAME_SIZE + 1]; /* as the capability says ("" without one) */
	bool has_cap, writable;
	unsigned position; /* this side's end */
	uint8_t cfg[CFG_SIZE];
	size_t size;		 /* BAR2's */
	void *mem;		 /* BAR2 */
	volatile uint32_t *regs; /* BAR0 */
	int cfg_fd;		 /* the config file, read-write (INTx re-enable) */
	uint8_t cmd_hi;		 /* the command register's high byte, Interrupt Disable clear */
};

/* ---- failing ----------------------------------------------------------------------- */

static void vsay(int err, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err)
		printf("chanmon: %s: %s\n", msg, strerror(err));
	else
		printf("chanmon: %s\n", msg);
}

/* Says what failed, with errno's text, and exits 1. */
static __attribute__((noreturn, format(printf, 1, 2))) void fail_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vsay(err ? err : EIO, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Says what failed (no errno) and exits 1. */
static __attribute__((noreturn, format(printf, 1, 2))) void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(0, fmt, ap);
	va_end(ap);
	exit(1);
}

static __attribute__((noreturn)) void usage(void)
{
	printf("chanmon: usage: chanmon SAMPLES SECONDS [SETPOINT VALUE AT]\n");
	exit(2);
}

/* ---- small helpers ----------------------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		fail_errno("clock_gettime(CLOCK_MONOTONIC)");
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static uint32_t reg_read(const struct chan *c, unsigned off)
{
	return c->regs[off / 4];
}

static void reg_write(const struct chan *c, unsigned off, uint32_t v)
{
	c->regs[off / 4] = v;
}

/* Writes s to the sysfs file path. 0, or -1 with errno set. */
static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	err = errno;
	close(fd);
	if (n < 0) {
		errno = err;
		return -1;
	}
	return 0;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_s64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!*s)
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* ---- finding a channel ------------------------------------------------------------- */

/* Reads the function's 256 bytes of configuration space into c->cfg. */
static void read_config(struct chan *c)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/config", c->bdf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail_errno("open %s", path);
	n = pread(fd, c->cfg, sizeof(c->cfg), 0);
	if (n < 0)
		fail_errno("read %s", path);
	close(fd);
	if (n < CFG_SIZE)
		fail("%s: only %zd bytes readable (not root?)", path, n);
}

static uint16_t cfg16(const struct chan *c, unsigned off)
{
	return (uint16_t)(c->cfg[off] | c->cfg[off + 1] << 8);
}

/* The channel capability of c->cfg (ID 0x09, at least CHANNEL_CAP_LEN bytes, version 1):
 * fills name, writable and position, and returns true; false if there is none. */
static bool read_cap(struct chan *c)
{
	unsigned off, hops;

	if (!(cfg16(c, CFG_STATUS) & STS_CAP_LIST))
		return false;
	off = c->cfg[CFG_CAP_PTR] & 0xfcu;
	/* at most 48 capabilities fit in 192 bytes: a longer list loops */
	for (hops = 0; off >= 0x40 && hops < 48; hops++, off = c->cfg[off + 1] & 0xfcu) {
		const uint8_t *cap = &c->cfg[off];

		if (cap[0] != CHANNEL_CAP_ID || off + CHANNEL_CAP_LEN > CFG_SIZE ||
		    cap[2] < CHANNEL_CAP_LEN || cap[CHANNEL_CAP_VERSION] != 1)
			continue;
		memcpy(c->name, cap + CHANNEL_CAP_NAME, CHANNEL_CAP_NAME_SIZE);
		c->name[CHANNEL_CAP_NAME_SIZE] = '\0';
		c->writable = cap[CHANNEL_CAP_FLAGS] & CHANNEL_CAP_FLAG_WRITABLE;
		c->position = cap[CHANNEL_CAP_POSITION];
		c->has_cap = true;
		return true;
	}
	return false;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* The 1af4:1110 function whose capability names `name`: 0, or -1 if there is none. */
static int find_channel(const char *name, struct chan *c)
{
	struct dirent **list;
	int n, found = -1;

	n = scandir(PCI_DEVICES, &list, NULL, by_name);
	if (n < 0)
		fail_errno("scan %s", PCI_DEVICES);
	for (int i = 0; i < n; i++) {
		const char *d = list[i]->d_name;

		if (found == 0 || d[0] == '.' || strlen(d) >= sizeof(c->bdf))
			continue;
		memset(c, 0, sizeof(*c));
		snprintf(c->bdf, sizeof(c->bdf), "%s", d);
		read_config(c);
		if (cfg16(c, 0) != CHANNEL_PCI_VENDOR || cfg16(c, 2) != CHANNEL_PCI_DEVICE)
			continue;
		if (read_cap(c) && strcmp(c->name, name) == 0)
			found = 0;
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return found;
}

/* --bdf: the function at bdf, whatever its capability says. */
static void take_bdf(const char *bdf, struct chan *c)
{
	memset(c, 0, sizeof(*c));
	if (strlen(bdf) >= sizeof(c->bdf) || strchr(bdf, '/'))
		fail("--bdf %s: not a PCI address", bdf);
	snprintf(c->bdf, sizeof(c->bdf), "%s", bdf);
	read_config(c);
	if (cfg16(c, 0) != CHANNEL_PCI_VENDOR || cfg16(c, 2) != CHANNEL_PCI_DEVICE)
		fail("%s: %04x:%04x, not %04x:%04x", bdf, cfg16(c, 0), cfg16(c, 2),
		     CHANNEL_PCI_VENDOR, CHANNEL_PCI_DEVICE);
	if (!read_cap(c))
		c->writable = true;
}

/* ---- mapping ----------------------------------------------------------------------- */

/* Memory decoding on, as a bound driver leaves it (the sysfs enable file otherwise). */
static void enable_memory(struct chan *c)
{
	char path[256];

	read_config(c);
	if (cfg16(c, CFG_COMMAND) & CMD_MEMORY)
		return;
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/enable", c->bdf);
	if (write_file(path, "1") != 0)
		fail_errno("write 1 to %s", path);
}

/* Maps resource<bar> of c: its size in *size. */
static void *map_bar(const struct chan *c, int bar, bool rw, size_t *size)
{
	char path[256];
	struct stat st;
	void *p;
	int fd;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/resource%d", c->bdf, bar);
	fd = open(path, (rw ? O_RDWR : O_RDONLY) | O_SYNC | O_CLOEXEC);
	if (fd < 0)
		fail_errno("open %s", path);
	if (fstat(fd, &st) != 0)
		fail_errno("stat %s", path);
	if (st.st_size <= 0)
		fail("%s: BAR%d is empty", path, bar);
	p = mmap(NULL, (size_t)st.st_size, rw ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd,
		 0);
	if (p == MAP_FAILED)
		fail_errno("mmap %s (%lld bytes)", path, (long long)st.st_size);
	close(fd);
	*size = (size_t)st.st_size;
	return p;
}

/* BAR2 (read-write only if this side may write it) and BAR0. */
static void map_channel(struct chan *c)
{
	size_t regs_size;

	enable_memory(c);
	c->mem = map_bar(c, CHANNEL_BAR_MEM, c->writable, &c->size);
	c->regs = map_bar(c, CHANNEL_BAR_REGS, true, &regs_size);
	if (regs_size < CHANNEL_REG_DOORBELL + 4)
		fail("%s: BAR0 is %zu bytes, too small for the registers", c->bdf, regs_size);
	if (!c->has_cap)
		c->position = reg_read(c, CHANNEL_REG_IV_POSITION);
}

/* ---- uio_pci_generic --------------------------------------------------------------- */

/* The driver bound to c, "" if none, in buf. */
static const char *driver_of(const struct chan *c, char *buf, size_t size)
{
	char path[256], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver", c->bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		if (errno != ENOENT)
			fail_errno("readlink %s", path);
		n = 0;
	}
	link[n] = '\0';
	snprintf(buf, size, "%s", strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	return buf;
}

/* Binds uio_pci_generic to c; returns /dev/uioN open for reading, its name in uio. */
static int bind_uio(struct chan *c, char *uio, size_t uio_size)
{
	char path[512], drv[256], dev[64];
	struct dirent *e;
	unsigned maj, min;
	DIR *dir;
	FILE *f;
	int fd;

	driver_of(c, drv, sizeof(drv));
	if (!drv[0]) {
		char id[16];

		snprintf(id, sizeof(id), "%04x %04x", CHANNEL_PCI_VENDOR, CHANNEL_PCI_DEVICE);
		/* EEXIST: the ID is already the driver's (a run before this one) */
		if (write_file(UIO_DRIVER "/new_id", id) != 0 && errno != EEXIST) {
			if (errno == ENOENT)
				fail_errno("%s/new_id (uio_pci_generic not loaded?)", UIO_DRIVER);
			fail_errno("write \"%s\" to %s/new_id", id, UIO_DRIVER);
		}
		/* new_id binds every unbound function with the ID; bind: one added later */
		if (!driver_of(c, drv, sizeof(drv))[0] &&
		    write_file(UIO_DRIVER "/bind", c->bdf) != 0)
			fail_errno("write %s to %s/bind", c->bdf, UIO_DRIVER);
		driver_of(c, drv, sizeof(drv));
	}
	if (strcmp(drv, "uio_pci_generic") != 0)
		fail("%s: bound to driver \"%s\", not uio_pci_generic", c->bdf, drv);

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/uio", c->bdf);
	dir = opendir(path);
	if (!dir)
		fail_errno("open %s", path);
	uio[0] = '\0';
	errno = 0;
	while ((e = readdir(dir)))
		if (strncmp(e->d_name, "uio", 3) == 0 && strlen(e->d_name) < uio_size) {
			snprintf(uio, uio_size, "%s", e->d_name);
			break;
		}
	if (!uio[0])
		fail("%s: no uioN in it", path);
	closedir(dir);

	snprintf(dev, sizeof(dev), "/dev/%s", uio);
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		/* no devtmpfs: make the node from the class's dev file */
		snprintf(path, sizeof(path), "/sys/class/uio/%s/dev", uio);
		f = fopen(path, "re");
		if (!f)
			fail_errno("open %s", path);
		if (fscanf(f, "%u:%u", &maj, &min) != 2)
			fail("%s: not major:minor", path);
		fclose(f);
		if (mknod(dev, S_IFCHR | 0600, makedev(maj, min)) != 0 && errno != EEXIST)
			fail_errno("mknod %s c %u %u", dev, maj, min);
		fd = open(dev, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		fail_errno("open %s", dev);

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/config", c->bdf);
	c->cfg_fd = open(path, O_RDWR | O_CLOEXEC);
	if (c->cfg_fd < 0)
		fail_errno("open %s for writing", path);
	/* Only Interrupt Disable changes in it from here on (the driver's handler sets it): it
	 * is read once, not on every wake (each configuration access exits). */
	if (pread(c->cfg_fd, &c->cmd_hi, 1, CFG_COMMAND + 1) != 1)
		fail_errno("read %s byte %d", path, CFG_COMMAND + 1);
	c->cmd_hi &= (uint8_t)~CMD_INTX_OFF;
	return fd;
}

/* Clears the command register's Interrupt Disable bit, which uio_pci_generic's handler set:
 * a 1-byte write of its high byte (config offset 5), as the kernel's UIO howto does it. */
static void intx_enable(const struct chan *c)
{
	if (pwrite(c->cfg_fd, &c->cmd_hi, 1, CFG_COMMAND + 1) != 1)
		fail_errno("%s: write config byte %d", c->bdf, CFG_COMMAND + 1);
}

/* The line saying which function a channel is. */
static void say_channel(const char *name, const struct chan *c)
{
	printf("chanmon: channel \"%s\" at %s: %zu bytes, %s, end %u%s\n", name, c->bdf, c->size,
	       c->writable ? "read-write" : "read-only", c->position,
	       c->has_cap ? "" : " (--bdf: no capability; writable assumed, end from IVPosition)");
}

/* ---- the set-point ----------------------------------------------------------------- */

static void send_setpoint(const char *name, const char *bdf, int64_t value)
{
	struct chan c;
	struct setpoint *sp;

	if (bdf)
		take_bdf(bdf, &c);
	else if (find_channel(name, &c) != 0)
		fail("channel \"%s\": not found", name);
	map_channel(&c);
	say_channel(name, &c);
	if (!c.writable)
		fail("channel \"%s\" at %s: read-only here, cannot send a set-point", name, c.bdf);
	if (c.size < sizeof(*sp))
		fail("channel \"%s\": %zu bytes, too small for a set-point", name, c.size);
	sp = c.mem;
	__atomic_store_n(&sp->value, value, __ATOMIC_RELAXED);
	__atomic_store_n(&sp->seq, 1, __ATOMIC_RELEASE);
	/* the doorbell is an uncached store, after the set-point is visible */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	reg_write(&c, CHANNEL_REG_DOORBELL, 1);
	printf("chanmon: set-point %" PRId64 " sent on \"%s\" (request 1)\n", value, name);
}

/* ---- the monitor ------------------------------------------------------------------- */

struct stats {
	uint64_t records, gaps, wakeups;
};

static struct sdk_ring_reader reader;
static bool attached, have_last, started;
static uint64_t last_seq, origin;
static struct stats total, *per_second;
static uint64_t seconds;
static uint64_t *lat;
static size_t lat_n, lat_cap;

/* Attaches to the ring if the producer has made it, at its newest record. */
static void try_attach(const struct chan *c)
{
	int rc;

	if (attached)
		return;
	/* read-only consumer: may_write false, so a ring that wants a tail is refused */
	rc = sdk_ring_reader_init(&reader, c->mem, c->size, sizeof(struct sample), false);
	if (rc == -1)
		return; /* not made yet */
	if (rc == -2)
		fail("channel \"%s\": its ring's geometry does not fit in %zu bytes", c->name,
		     c->size);
	if (rc == -3)
		fail("channel \"%s\": its ring is not an overwrite ring (it wants a consumer "
		     "that writes its tail)",
		     c->name);
	if (rc == -4)
		fail("channel \"%s\": its records are not %zu bytes", c->name,
		     sizeof(struct sample));
	/* Skip the history: the first pop takes the newest record there now. */
	{
		uint64_t h = __atomic_load_n(&reader.ring->head, __ATOMIC_ACQUIRE);

		reader.tail = h ? h - 1 : 0;
	}
	attached = true;
}

static struct stats *second_of(uint64_t t)
{
	uint64_t i = (t - origin) / NS;

	return started && t >= origin && i < seconds ? &per_second[i] : NULL;
}

/* Pops every record there is; t and tsc: when the doorbell was seen (tsc 0: not one). */
static void drain(uint64_t t, uint64_t tsc)
{
	struct sample s, newest = {0, 0};
	bool have_newest = false;
	struct stats *sec;

	while (attached && sdk_ring_pop(&reader, &s)) {
		if (!started) {
			started = true;
			origin = t;
		}
		sec = second_of(t);
		total.records++;
		if (sec)
			sec->records++;
		if (have_last && s.seq > last_seq + 1) {
			total.gaps += s.seq - last_seq - 1;
			if (sec)
				sec->gaps += s.seq - last_seq - 1;
		}
		last_seq = s.seq; /* a seq that goes back: a producer begun again */
		have_last = true;
		if (tsc && s.tsc <= tsc) {
			newest = s;
			have_newest = true;
		}
	}
	if (have_newest) {
		if (lat_n == lat_cap) {
			lat_cap = lat_cap ? 2 * lat_cap : 4096;
			lat = realloc(lat, lat_cap * sizeof(*lat));
			if (!lat)
				fail_errno("realloc");
		}
		lat[lat_n++] = tsc - newest.tsc;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The nearest-rank percentile pct of the sorted lat[]. */
static uint64_t rank(unsigned pct)
{
	size_t k = (lat_n * pct + 99) / 100;

	return lat[k ? k - 1 : 0];
}

enum wake_result { WAKE_DONE, WAKE_AGAIN, WAKE_NO_IRQ };

/* ppoll() said /dev/uioN is readable: take the doorbell. In this order: status cleared, INTx
 * on again (a doorbell rung from here on asserts the line anew), then every record. */
static enum wake_result wake(const struct chan *c, int ufd, const char *uio, bool bdf)
{
	uint64_t tsc = rdtsc(), t = now_ns();
	struct stats *sec;
	int32_t count;
	ssize_t got = read(ufd, &count, sizeof(count));

	if (got != (ssize_t)sizeof(count)) {
		if (got >= 0)
			errno = EIO;
		if (errno == EINTR)
			return WAKE_AGAIN;
		if (errno == EIO && bdf) {
			printf("chanmon: read /dev/%s: %s (no interrupt): polling the ring every "
			       "%d ms\n",
			       uio, strerror(errno), WAIT_MS);
			return WAKE_NO_IRQ;
		}
		fail_errno("read /dev/%s%s", uio,
			   errno == EIO ? " (the function has no interrupt)" : "");
	}
	(void)reg_read(c, CHANNEL_REG_INTR_STATUS); /* reading clears it */
	intx_enable(c);
	try_attach(c);
	drain(t, tsc);
	total.wakeups++;
	sec = second_of(t);
	if (sec)
		sec->wakeups++;
	return WAKE_DONE;
}

int main(int argc, char **argv)
{
	const char *bdfs[MAX_BDFS] = {NULL, NULL}, *name, *sp_name = NULL;
	unsigned nbdf = 0, next_line = 1;
	bool setpoint = false, sent = false, polled = false;
	uint64_t at = 0, start, t;
	int64_t value = 0;
	char uio[64];
	struct chan c;
	int ufd, i = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	setvbuf(stderr, NULL, _IOLBF, 0);
	while (i + 1 < argc && strcmp(argv[i], "--bdf") == 0) {
		if (nbdf == MAX_BDFS)
			usage();
		bdfs[nbdf++] = argv[i + 1];
		i += 2;
	}
	argc -= i;
	argv += i;
	if (argc != 2 && argc != 5)
		usage();
	name = argv[0];
	if (!parse_u64(argv[1], 1000000, &seconds) || seconds == 0) {
		printf("chanmon: SECONDS \"%s\": not a number from 1 to 1000000\n", argv[1]);
		usage();
	}
	if (argc == 5) {
		setpoint = true;
		sp_name = argv[2];
		if (!parse_s64(argv[3], &value)) {
			printf("chanmon: VALUE \"%s\": not a signed 64-bit number\n", argv[3]);
			usage();
		}
		if (!parse_u64(argv[4], seconds, &at)) {
			printf("chanmon: AT \"%s\": not a number from 0 to SECONDS\n", argv[4]);
			usage();
		}
	}
	if (strlen(name) >= CHANNEL_CAP_NAME_SIZE ||
	    (sp_name && strlen(sp_name) >= CHANNEL_CAP_NAME_SIZE)) {
		printf("chanmon: a channel's name has at most %u characters\n",
		       CHANNEL_CAP_NAME_SIZE - 1);
		usage();
	}

	if (bdfs[0])
		take_bdf(bdfs[0], &c);
	else if (find_channel(name, &c) != 0)
		fail("channel \"%s\": not found", name);
	if (!c.has_cap)
		snprintf(c.name, sizeof(c.name), "%s", name);
	map_channel(&c);
	say_channel(name, &c);

	ufd = bind_uio(&c, uio, sizeof(uio));
	per_second = calloc(seconds, sizeof(*per_second));
	if (!per_second)
		fail_errno("calloc");
	/* Interrupts on; a stale status and a line left masked are cleared, as on a wake. */
	reg_write(&c, CHANNEL_REG_INTR_MASK, 1);
	(void)reg_read(&c, CHANNEL_REG_INTR_STATUS);
	intx_enable(&c);
	try_attach(&c);

	start = now_ns();
	for (;;) {
		struct pollfd pfd = {.fd = ufd, .events = POLLIN};
		uint64_t base, next, wait;
		struct timespec ts;
		int n;

		t = now_ns();
		base = started ? origin : start;
		for (; started && next_line <= seconds && t >= origin + next_line * NS;
		     next_line++) {
			const struct stats *s = &per_second[next_line - 1];

			printf("chanmon: second %u: %" PRIu64 " records, %" PRIu64 " gaps, %" PRIu64
			       " wakeups\n",
			       next_line, s->records, s->gaps, s->wakeups);
		}
		if (setpoint && !sent && t >= base + at * NS) {
			send_setpoint(sp_name, bdfs[1], value);
			sent = true;
		}
		if (t >= base + seconds * NS)
			break;
		/* wake at the next line, the set-point or the end, and at least every 100 ms */
		next = base + seconds * NS;
		if (started && origin + next_line * NS < next)
			next = origin + next_line * NS;
		if (setpoint && !sent && base + at * NS < next)
			next = base + at * NS;
		wait = next - t < WAIT_MS * 1000000ull ? next - t : WAIT_MS * 1000000ull;
		ts = (struct timespec){.tv_sec = (time_t)(wait / NS), .tv_nsec = (long)(wait % NS)};

		n = ppoll(polled ? NULL : &pfd, polled ? 0 : 1, &ts, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail_errno("ppoll /dev/%s", uio);
		}
		if (n == 0) {
			if (polled) { /* --bdf, no interrupt: every 100 ms */
				try_attach(&c);
				drain(now_ns(), 0);
			}
			continue;
		}
		if (wake(&c, ufd, uio, bdfs[0] != NULL) == WAKE_NO_IRQ)
			polled = true;
	}

	if (lat_n) {
		qsort(lat, lat_n, sizeof(*lat), cmp_u64);
		printf("chanmon: doorbell to user space: n %zu, median %" PRIu64 ", p99 %" PRIu64
		       ", max %" PRIu64 " ticks\n",
		       lat_n, rank(50), rank(99), lat[lat_n - 1]);
	} else {
		printf("chanmon: doorbell to user space: n 0, median 0, p99 0, max 0 ticks\n");
	}
	printf("chanmon: total: %" PRIu64 " records, %" PRIu64 " gaps, %" PRIu64
	       " wakeups, %" PRIu64 " lost\n",
	       total.records, total.gaps, total.wakeups, reader.lost);
	printf("chanmon: done\n");
	return 0;
}
