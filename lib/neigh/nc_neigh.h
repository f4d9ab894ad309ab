/* SPDX-License-Identifier: BSD-3-Clause
 * Neighbor (ARP and IPv6 Neighbor Discovery) and route table. One array of
 * entries serves both families, so a flow's next hop is one handle whatever
 * its family. The control lcore creates, ages and removes entries; workers
 * read them lock-free: an entry's MAC is one 64-bit word written and read
 * atomically, the IP->entry index is an rte_hash with lock-free
 * reader/writer concurrency (a removed key's slot is reused only after an
 * RCU grace period, nc_neigh_rcu_attach), and routes (rte_fib) never change
 * after start-up.
 *
 * Entries age as Linux's do: a learned entry is reachable for
 * NC_NEIGH_REACHABLE_MS after its last confirmation, then stale and probed
 * with unicast requests (solicitations) every NC_NEIGH_RETRANS_MS; after
 * NC_NEIGH_PROBES unanswered ones it is removed (a route's gateway or a
 * server's next hop, "pinned", goes back to broadcast resolution instead).
 * When the table is full the least recently confirmed learned entry gives
 * way; entries learned from unsolicited requests queue at the front of
 * that order, so a flood of senders evicts itself and never an answered or
 * used neighbor. Configured (static) entries never change.
 *
 * A handle names an entry and its generation (bumped each time the slot is
 * reused): a flow keeps the handle of its next hop, and once that entry
 * was removed the handle reads as unresolved, never as the slot's next
 * neighbor.
 */
#ifndef NC_NEIGH_H
#define NC_NEIGH_H

#include <stdint.h>
#include <errno.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_ether.h>
#include <rte_rcu_qsbr.h>

#include "nc_common.h"

#define NC_NEIGH_MAX       8192
#define NC_NEIGH_IDX_BITS  13         /* log2(NC_NEIGH_MAX): a handle's index part */
#define NC_NEIGH_IDX_MASK  (NC_NEIGH_MAX - 1)
#define NC_NEIGH_GEN_MASK  0x7fffu    /* generation: MAC word bits 48..62, handle bits 13..27 */
#define NC_NEIGH_VALID     (1ULL << 63)
/* A route goes to a gateway (nc_neigh_route_add() takes its handle, below
 * NC_NEIGH_MAX) or is on-link via a port (NC_NH_CONNECTED | the port). */
#define NC_NH_CONNECTED    (1u << 14)
/* IPv4 routes live in rte_fib's DIR24_8 with 1-byte next hops (7 bits: a
 * 16 MB first level, a quarter of rte_lpm's 4-byte one): a gateway's slot in
 * nc_neigh_table.gw, or NC_FIB_CONNECTED | the port. */
#define NC_NEIGH_GATEWAYS  64     /* distinct gateways of IPv4 routes */
#define NC_FIB_CONNECTED   0x40u
#define NC_FIB_NONE        0x7fu  /* no route covers it: rte_fib's default */
/* IPv6 routes live in rte_fib6's trie with 2-byte next hops (15 bits: a
 * 32 MB first level, half of rte_lpm6's): a gateway's handle, or
 * NC_NH6_CONNECTED | the port. */
#define NC_NH6_CONNECTED   (1u << 14)
#define NC_FIB6_NONE       0x7fffu   /* no route covers it: rte_fib6's default */
#define NC_NEIGH_NONE      0xffffu

/* Linux's defaults (base_reachable_time 30 s, retrans_time 1 s, 3 unicast and
 * 3 multicast probes); a pinned entry nobody answers is asked every 10 s. */
#define NC_NEIGH_REACHABLE_MS 30000
#define NC_NEIGH_RETRANS_MS   1000
#define NC_NEIGH_BACKOFF_MS   10000
#define NC_NEIGH_PROBES       3

enum nc_neigh_state {
	NC_NEIGH_FREE = 0,
	NC_NEIGH_INCOMPLETE,   /* no MAC yet: broadcast requests (multicast solicitations) */
	NC_NEIGH_REACHABLE,    /* confirmed less than reachable_tsc ago */
	NC_NEIGH_STALE,        /* MAC in use, being re-probed by unicast */
	NC_NEIGH_STATIC,       /* configured: never aged, never changed */
};

/* How a neighbor's MAC became known (nc_neigh_learn). */
enum nc_neigh_how {
	NC_NEIGH_SEEN = 0,     /* it asked for one of our addresses (ARP request,
				* solicitation): new entries go first in line for eviction */
	NC_NEIGH_CONFIRMED,    /* it answered (ARP reply, advertisement) */
};

struct nc_neigh_entry {
	uint64_t mac;          /* NC_NEIGH_VALID | gen << 48 | 6 MAC bytes in memory order */
	uint32_t ip;           /* network order */
	uint16_t port;         /* port index (position in the config's ports) */
	uint8_t is_static;
	uint8_t n_probes;      /* probes sent since last confirmed (control) */
	uint64_t next_probe;   /* TSC of the next ARP request or solicitation (control) */
	uint8_t ip6[16];       /* is_v6: the IPv6 address (ip is 0) */
	uint8_t is_v6;
	uint8_t state;         /* enum nc_neigh_state (control) */
	uint8_t pinned;        /* a route's gateway or a server's next hop: never evicted (control) */
	uint8_t pad;
	uint16_t gen;          /* bumped at each reuse of the slot (control) */
	uint16_t lru_prev;     /* evictable entries, first evicted first (control) */
	uint16_t lru_next;
	uint64_t confirmed;    /* TSC of the last confirmation (control) */
};

/* What the table did on its own, for the control lcore's counters. */
struct nc_neigh_stats {
	uint64_t evicted;      /* learned entries given way to a new one: table full */
	uint64_t expired;      /* learned entries removed: probes unanswered */
	uint64_t full;         /* new entries refused: full of static and pinned ones */
};

struct nc_neigh_table {
	struct rte_hash *h;           /* ip (network order) -> handle */
	struct rte_fib *fib;          /* routes and connected subnets */
	uint32_t gw[NC_NEIGH_GATEWAYS];   /* a route's gateway slot -> its handle */
	uint32_t n_gw;
	struct rte_hash *h6;          /* IPv6 address -> handle; NULL until */
	struct rte_fib6 *fib6;        /* IPv6 routes and on-link prefixes: nc_neigh_enable_v6() */
	struct rte_rcu_qsbr *qsbr;    /* the workers' (nc_neigh_rcu_attach) */
	char name[RTE_HASH_NAMESIZE - 4];
	int socket;
	struct nc_neigh_entry *e;     /* NC_NEIGH_MAX entries */
	uint8_t *used;                /* per entry: a worker opened a flow through it
	                               * since the control lcore last looked */
	uint32_t n;                   /* entries [0, n) were ever used (control) */
	uint32_t n_used;              /* entries in use (control) */
	uint32_t n_free;              /* free_idx[0, n_free): slots freed below n */
	uint16_t lru_head, lru_tail;  /* evictable entries, head evicted first */
	uint64_t reachable_tsc;       /* timers, set at creation from the _MS */
	uint64_t retrans_tsc;         /* defaults above (control) */
	uint64_t backoff_tsc;
	struct nc_neigh_stats st;
	uint16_t free_idx[NC_NEIGH_MAX];
};

/* Create an empty table on <socket>. Control lcore. NULL + rte_errno on failure. */
struct nc_neigh_table *nc_neigh_create(const char *name, int socket);

/* Free the table; no worker may run. */
void nc_neigh_free(struct nc_neigh_table *t);

/* The workers' RCU variable: removed keys' hash slots are reused after a
 * grace period (both families' hashes, now or once IPv6 is enabled). Without
 * it a removal frees the slot at once (no concurrent reader allowed).
 * Control lcore, start-up. 0 or a negative errno. */
int nc_neigh_rcu_attach(struct nc_neigh_table *t, struct rte_rcu_qsbr *qsbr);

/*
 * Add or find the entry for <ip> (network order) reached through port <port>.
 * <mac> NULL: unresolved until learned. <is_static>: never overwritten by
 * ARP, never aged. A new learned entry may evict the least recently
 * confirmed one when the table is full. Returns the handle or a negative
 * errno (-ENOSPC when full of static and pinned entries). Control lcore.
 */
int nc_neigh_add(struct nc_neigh_table *t, uint32_t ip, uint16_t port,
		 const struct rte_ether_addr *mac, int is_static);

/*
 * Record <mac> for <ip> learned from ARP as <how>. Updates an existing
 * non-static entry; creates one only when <create>. Returns the handle,
 * -ENOENT, -EPERM for a static entry, or -ENOSPC. Control lcore.
 */
int nc_neigh_learn(struct nc_neigh_table *t, uint32_t ip, uint16_t port,
		   const struct rte_ether_addr *mac, int create, enum nc_neigh_how how);

/* Entry <h> is a route's gateway or a server's next hop: never evicted,
 * never removed (re-resolved by broadcast when its probes go unanswered).
 * Control lcore. */
void nc_neigh_pin(struct nc_neigh_table *t, uint32_t h);

/*
 * Age the entries at TSC <now>: reachable ones whose time is over become
 * stale; stale and unresolved ones due a probe get <probe>(<arg>, entry,
 * <unicast>) - a unicast request to the known MAC, or a broadcast one;
 * learned entries nobody answered are removed. Control lcore, every 100 ms
 * or so.
 */
void nc_neigh_age(struct nc_neigh_table *t, uint64_t now,
		  void (*probe)(void *arg, struct nc_neigh_entry *e, int unicast), void *arg);

/* Add a route: <prefix>/<depth> (network order) goes to <nh>
 * (NC_NH_CONNECTED | port, or a gateway's handle). Control lcore, start-up.
 * 0, -EINVAL (a port from 63 on, or a handle that is not a start-up one's),
 * -ENOSPC (more than NC_NEIGH_GATEWAYS gateways) or rte_fib's error. */
int nc_neigh_route_add(struct nc_neigh_table *t, uint32_t prefix, uint8_t depth, uint32_t nh);

/* Handle of <ip>, or -ENOENT. Any lcore. */
static inline int
nc_neigh_lookup(const struct nc_neigh_table *t, uint32_t ip)
{
	void *data;

	if (rte_hash_lookup_data(t->h, &ip, &data) < 0)
		return -ENOENT;
	return (int)(uintptr_t)data;
}

/* The entry a handle names (its slot, whatever the generation). Any lcore. */
static inline struct nc_neigh_entry *
nc_neigh_entry_of(const struct nc_neigh_table *t, uint32_t h)
{
	return &t->e[h & NC_NEIGH_IDX_MASK];
}

/* Port of the entry a handle names. Any lcore. */
static inline uint16_t
nc_neigh_port(const struct nc_neigh_table *t, uint32_t h)
{
	return t->e[h & NC_NEIGH_IDX_MASK].port;
}

/*
 * Next hop of <dst> (network order): the handle to send to. For an on-link
 * destination without an entry yet, returns -ENOENT and sets <*port> to the port
 * it would go out of (the caller asks the control lcore to resolve it).
 * -ENETUNREACH when no route covers it. Any lcore.
 */
static inline int
nc_neigh_next_hop(const struct nc_neigh_table *t, uint32_t dst, uint16_t *port)
{
	uint32_t ip = rte_be_to_cpu_32(dst);
	uint64_t nh;

	rte_fib_lookup_bulk(t->fib, &ip, &nh, 1);
	if (nh == NC_FIB_NONE)
		return -ENETUNREACH;
	if (!(nh & NC_FIB_CONNECTED))
		return (int)t->gw[nh];
	*port = (uint16_t)(nh & ~NC_FIB_CONNECTED);
	return nc_neigh_lookup(t, dst);
}

/* Current MAC word of handle <h> (NC_NEIGH_VALID set when resolved); 0 when
 * the entry was removed since the handle was taken. Any lcore. */
static inline uint64_t
nc_neigh_mac(const struct nc_neigh_table *t, uint32_t h)
{
	uint64_t mac = __atomic_load_n(&t->e[h & NC_NEIGH_IDX_MASK].mac, __ATOMIC_RELAXED);

	if (unlikely((uint32_t)(mac >> 48 & NC_NEIGH_GEN_MASK) != h >> NC_NEIGH_IDX_BITS))
		return 0;
	return mac;
}

/* A worker opened a flow through handle <h>: its entry is in use (kept when
 * the table must evict one). Worker lcore, new-flow path only. */
static inline void
nc_neigh_mark_used(const struct nc_neigh_table *t, uint32_t h)
{
	uint8_t *u = &t->used[h & NC_NEIGH_IDX_MASK];

	if (!__atomic_load_n(u, __ATOMIC_RELAXED))   /* no store when already marked */
		__atomic_store_n(u, 1, __ATOMIC_RELAXED);
}

/* ---- IPv6: the same, keyed by 16-byte addresses (network order) ---- */

/* Make the IPv6 tables (a configuration with no IPv6 address spends nothing
 * on them: rte_fib6's first level alone is 32 MB). Control lcore, start-up.
 * 0 or -ENOMEM. Until then lookups find nothing and adds are -ENOTSUP. */
int nc_neigh_enable_v6(struct nc_neigh_table *t);

int nc_neigh_add6(struct nc_neigh_table *t, const uint8_t *ip, uint16_t port,
		  const struct rte_ether_addr *mac, int is_static);
int nc_neigh_learn6(struct nc_neigh_table *t, const uint8_t *ip, uint16_t port,
		    const struct rte_ether_addr *mac, int create, enum nc_neigh_how how);
/* <nh>: NC_NH6_CONNECTED | port, or a gateway's handle. 0, -ENOTSUP (no
 * IPv6 tables), -EINVAL (a port from 0x3fff on, or a handle that is not a
 * start-up one's) or rte_fib6's error. */
int nc_neigh_route_add6(struct nc_neigh_table *t, const uint8_t *prefix, uint8_t depth, uint32_t nh);

static inline int
nc_neigh_lookup6(const struct nc_neigh_table *t, const uint8_t *ip)
{
	uint64_t key[2];   /* rte_hash_crc reads 8 bytes at a time: an aligned copy */
	void *data;

	memcpy(key, ip, sizeof(key));
	if (t->h6 == NULL || rte_hash_lookup_data(t->h6, key, &data) < 0)
		return -ENOENT;
	return (int)(uintptr_t)data;
}

static inline int
nc_neigh_next_hop6(const struct nc_neigh_table *t, const uint8_t *dst, uint16_t *port)
{
	uint8_t ip[1][RTE_FIB6_IPV6_ADDR_SIZE];
	uint64_t nh;

	if (t->fib6 == NULL)
		return -ENETUNREACH;
	memcpy(ip[0], dst, sizeof(ip[0]));
	rte_fib6_lookup_bulk(t->fib6, ip, &nh, 1);
	if (nh == NC_FIB6_NONE)
		return -ENETUNREACH;
	if (!(nh & NC_NH6_CONNECTED))
		return (int)nh;
	*port = (uint16_t)(nh & ~NC_NH6_CONNECTED);
	return nc_neigh_lookup6(t, dst);
}

/* Format an entry's MAC word into <buf> (>= 18 bytes). */
const char *nc_neigh_mac_str(uint64_t mac, char *buf, size_t len);

#endif /* NC_NEIGH_H */
