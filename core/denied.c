/* Refusals named once per partition: denied ports, and what the exit handlers refuse. */
#include "core/denied.h"
#include "arch/x86/arch.h"
#include "core/upcalls.h"
#include "core/config.h"
#include "core/log.h"
#include "core/partition.h"
#include "bulkhead/ptable.h"
#include "core/spinlock.h"

/* Ports already seen, per partition: a bit per port; the first NAMED_PORTS are named, then
 * one line says the rest are not. A guest that sweeps all 65,536 ports thus writes 33 lines,
 * not one per port (a console line per trap would take COM1 from every other partition). */
#define NAMED_PORTS 32

static struct denied_ports {
	struct spinlock lock; /* guards named and seen: the partition's CPUs trap at once */
	u32 named;	      /* NAMED_PORTS + 1 once the "not named" line is out */
	u8 seen[0x10000 / 8];
} ports[PT_MAX_PARTITIONS];

enum refusal { REFUSAL_SEEN, REFUSAL_NEW, REFUSAL_LIST_FULL };

/* Something new to name, against a budget of `limit` names per partition: NEW while there is
 * room, LIST_FULL once (the line saying the rest go unnamed), then SEEN. `*named` counts. */
static enum refusal name_budget(u32 *named, u32 limit)
{
	if (*named > limit)
		return REFUSAL_SEEN;
	return (*named)++ == limit ? REFUSAL_LIST_FULL : REFUSAL_NEW;
}

static enum refusal port_record(struct denied_ports *d, u32 port)
{
	if (d->seen[port / 8] & (1u << (port % 8)))
		return REFUSAL_SEEN;
	d->seen[port / 8] |= (u8)(1u << (port % 8));
	return name_budget(&d->named, NAMED_PORTS);
}

void denied_port(u32 partition, u32 port, bool in)
{
	struct denied_ports *d = &ports[partition];
	enum refusal r;

	spin_lock(&d->lock);
	r = port_record(d, port & 0xffff);
	spin_unlock(&d->lock);
	if (r == REFUSAL_NEW)
		log_warn("partition %s: port 0x%x not granted: %s (reported once)\n",
			 partition_name(partition), port,
			 in ? "read gives all-ones" : "write dropped");
	else if (r == REFUSAL_LIST_FULL)
		log_warn("partition %s: further port refusals are not named\n",
			 partition_name(partition));
}

/* Other refusals (MSRs, VMX instructions, control-register bits) are few and sparse: a short
 * list of keys per partition. Past it, one line says that the rest go unnamed. */
#define REFUSED_KEYS 32

static struct refused_list {
	struct spinlock lock; /* guards count and key: the partition's CPUs trap at once */
	u32 count;	      /* REFUSED_KEYS + 1 once the "not named" line is out */
	u64 key[REFUSED_KEYS];
} refused[PT_MAX_PARTITIONS];

static enum refusal refused_record(struct refused_list *l, u64 key)
{
	enum refusal r;
	u32 i;

	for (i = 0; i < l->count && i < REFUSED_KEYS; i++)
		if (l->key[i] == key)
			return REFUSAL_SEEN;
	r = name_budget(&l->count, REFUSED_KEYS);
	if (r == REFUSAL_NEW)
		l->key[l->count - 1] = key;
	return r;
}

void partition_refused(u32 partition, u64 key, bool fault, const char *what, const char *outcome)
{
	struct refused_list *l = &refused[partition];
	enum refusal r;

	spin_lock(&l->lock);
	r = refused_record(l, key);
	spin_unlock(&l->lock);
	if (r == REFUSAL_NEW)
		log_msg(fault ? LOG_WARN : LOG_INFO,
			"partition %s: %s not granted: %s (reported once)\n",
			partition_name(partition), what, outcome);
	else if (r == REFUSAL_LIST_FULL)
		log_warn("partition %s: further refusals are not named\n",
			 partition_name(partition));
}
