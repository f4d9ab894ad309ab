/* SPDX-License-Identifier: BSD-3-Clause
 * Publishing schedules: one atomic pointer per service, old objects freed
 * through an RCU defer queue (rte_rcu_qsbr_dq) once every worker has passed a
 * quiescent state. Only the control lcore writes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "nc_common.h"
#include "nc_sched.h"

struct nc_sched_pub {
	struct nc_schedule *cur;
	uint32_t version;
} __rte_cache_aligned;

struct nc_sched_set {
	unsigned int n;
	struct rte_rcu_qsbr *qsbr;
	struct rte_rcu_qsbr_dq *dq;
	struct nc_sched_pub pub[];
};

static void
sched_free(void *p, void *e, unsigned int n)
{
	struct nc_schedule **s = e;
	unsigned int i;

	RTE_SET_USED(p);
	for (i = 0; i < n; i++)
		rte_free(s[i]);
}

struct nc_sched_set *
nc_sched_set_create(unsigned int n_services, struct rte_rcu_qsbr *qsbr)
{
	struct rte_rcu_qsbr_dq_parameters dp = { 0 };
	struct nc_sched_set *set;
	static unsigned int seq;
	char name[RTE_RCU_QSBR_DQ_NAMESIZE];

	set = rte_zmalloc("nc_sched_set", sizeof(*set) + n_services * sizeof(set->pub[0]),
			  RTE_CACHE_LINE_SIZE);
	if (set == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	set->n = n_services;
	set->qsbr = qsbr;
	snprintf(name, sizeof(name), "ncsched%u", seq++);
	dp.name = name;
	dp.size = 1024;            /* schedules awaiting their grace period */
	dp.esize = sizeof(struct nc_schedule *);
	dp.trigger_reclaim_limit = 64;
	dp.max_reclaim_size = 1024;
	dp.free_fn = sched_free;
	dp.v = qsbr;
	set->dq = rte_rcu_qsbr_dq_create(&dp);
	if (set->dq == NULL) {
		rte_free(set);
		return NULL;
	}
	return set;
}

void
nc_sched_set_free(struct nc_sched_set *set)
{
	unsigned int i;

	if (set == NULL)
		return;
	/* No reader runs any more: everything queued can go at once. */
	rte_rcu_qsbr_dq_delete(set->dq);
	for (i = 0; i < set->n; i++)
		rte_free(set->pub[i].cur);
	rte_free(set);
}

/* <old> is a maglev table built from what <s> is being built from: the same
 * size and seed, and every server at the same address, port and weight
 * (0 when down). */
static int
maglev_same(const struct nc_schedule *old, const struct nc_schedule *s)
{
	unsigned int i;

	if (old == NULL || old->maglev == NULL || old->maglev_size != s->maglev_size ||
	    old->maglev_salt != s->maglev_salt || old->n_servers != s->n_servers)
		return 0;
	for (i = 0; i < s->n_servers; i++) {
		const struct nc_sched_server *a = &old->server[i], *b = &s->server[i];

		if (a->addr != b->addr || a->port != b->port ||
		    (a->up ? a->weight : 0) != (b->up ? b->weight : 0))
			return 0;
	}
	return 1;
}

int
nc_sched_publish_params(struct nc_sched_set *set, unsigned int svc,
			const struct nc_sched_params *p,
			const struct nc_sched_server *servers, unsigned int n_servers)
{
	uint8_t weight[NC_MAX_SERVERS];
	uint16_t slots[NC_SCHED_MAX_SLOTS];
	struct nc_maglev_server mg[NC_MAX_SERVERS];
	struct nc_schedule *s, *old;
	uint32_t size = 0;
	size_t bytes;
	unsigned int i;
	int n, r;

	if (svc >= set->n || n_servers > NC_MAX_SERVERS)
		return -EINVAL;
	for (i = 0; i < n_servers; i++)
		weight[i] = servers[i].up ? servers[i].weight : 0;
	n = nc_sched_build(p->kind, weight, n_servers, slots, NC_SCHED_MAX_SLOTS);
	if (n < 0)
		return n;
	if (p->kind == NC_SCHED_MAGLEV && n > 0) {
		size = p->maglev_size != 0 ? p->maglev_size : NC_MAGLEV_SIZE_DEFAULT;
		if (!nc_maglev_size_ok(size))
			return -EINVAL;
	}
	/* the table after the slots, in the same allocation */
	bytes = sizeof(*s) + (size_t)n * sizeof(s->slot[0]) + size;
	s = rte_zmalloc("nc_schedule", bytes, RTE_CACHE_LINE_SIZE);
	if (s == NULL)
		return -ENOMEM;
	s->version = ++set->pub[svc].version;
	s->kind = (uint8_t)p->kind;
	s->n_servers = (uint16_t)n_servers;
	s->n_slots = (uint16_t)n;
	memcpy(s->server, servers, n_servers * sizeof(servers[0]));
	memcpy(s->slot, slots, (size_t)n * sizeof(slots[0]));
	old = set->pub[svc].cur;
	if (size != 0) {
		uint8_t *table = (uint8_t *)&s->slot[n];

		s->maglev_size = size;
		s->maglev_salt = nc_maglev_salt(p->maglev_seed);
		if (maglev_same(old, s)) {
			memcpy(table, old->maglev, size);
		} else {
			for (i = 0; i < n_servers; i++) {
				mg[i].addr = rte_be_to_cpu_32(servers[i].addr);
				mg[i].port = rte_be_to_cpu_16(servers[i].port);
				mg[i].weight = weight[i];
			}
			r = nc_maglev_build(mg, n_servers, size, p->maglev_seed, table);
			if (r <= 0) {   /* n > 0: some server has a weight */
				rte_free(s);
				return r < 0 ? r : -EINVAL;
			}
		}
		s->maglev = table;
	}

	__atomic_store_n(&set->pub[svc].cur, s, __ATOMIC_RELEASE);
	if (old != NULL && rte_rcu_qsbr_dq_enqueue(set->dq, &old) != 0) {
		/* Queue full even after reclaiming: wait for readers instead. */
		rte_rcu_qsbr_synchronize(set->qsbr, RTE_QSBR_THRID_INVALID);
		rte_free(old);
	}
	return 0;
}

int
nc_sched_publish(struct nc_sched_set *set, unsigned int svc, enum nc_sched_kind kind,
		 const struct nc_sched_server *servers, unsigned int n_servers)
{
	const struct nc_sched_params p = { .kind = kind, .maglev_size = NC_MAGLEV_SIZE_DEFAULT,
					   .maglev_seed = NC_MAGLEV_SEED_DEFAULT };

	return nc_sched_publish_params(set, svc, &p, servers, n_servers);
}

void
nc_sched_reclaim(struct nc_sched_set *set)
{
	rte_rcu_qsbr_dq_reclaim(set->dq, 1024, NULL, NULL, NULL);
}

struct nc_schedule *const *
nc_sched_slot(const struct nc_sched_set *set, unsigned int svc)
{
	return &set->pub[svc].cur;
}
