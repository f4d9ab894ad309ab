/* SPDX-License-Identifier: BSD-3-Clause
 * Neighbor (ARP and IPv6 Neighbor Discovery) and route table. One array of
 * entries serves both families, so a flow's next hop is one index whatever its
 * family. The control lcore creates and updates
 * entries; workers read them lock-free: an entry's MAC is one 64-bit word
 * written and read atomically, the IP->entry index is an rte_hash with
 * lock-free reader/writer concurrency, and routes (rte_lpm) never change
 * after start-up. Entries are never freed, so an index stays valid.
 */
#ifndef NC_NEIGH_H
#define NC_NEIGH_H

#include <stdint.h>
#include <errno.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_ether.h>

#include "nc_common.h"

#define NC_NEIGH_MAX       8192
#define NC_NEIGH_VALID     (1ULL << 63)
#define NC_NH_CONNECTED    (1u << 23)   /* LPM value: on-link via port (low bits) */
#define NC_NH6_CONNECTED   (1u << 20)   /* the same in rte_lpm6 (21-bit next hops) */

struct nc_neigh_entry {
	uint64_t mac;          /* NC_NEIGH_VALID | 6 MAC bytes in memory order */
	uint32_t ip;           /* network order */
	uint16_t port;         /* port index (position in the config's ports) */
	uint8_t is_static;
	uint8_t n_probes;      /* ARP requests sent since last resolved (control) */
	uint64_t next_probe;   /* TSC of the next ARP request or solicitation (control) */
	uint8_t ip6[16];       /* is_v6: the IPv6 address (ip is 0) */
	uint8_t is_v6;
};

struct nc_neigh_table {
	struct rte_hash *h;           /* ip (network order) -> entry index */
	struct rte_lpm *lpm;          /* routes and connected subnets */
	struct rte_hash *h6;          /* IPv6 address -> entry index; NULL until */
	struct rte_lpm6 *lpm6;        /* IPv6 routes and on-link prefixes: nc_neigh_enable_v6() */
	char name[RTE_HASH_NAMESIZE - 4];
	int socket;
	struct nc_neigh_entry *e;     /* NC_NEIGH_MAX entries */
	uint32_t n;                   /* entries in use (control) */
};

/* Create an empty table on <socket>. Control lcore. NULL + rte_errno on failure. */
struct nc_neigh_table *nc_neigh_create(const char *name, int socket);

/* Free the table; no worker may run. */
void nc_neigh_free(struct nc_neigh_table *t);

/*
 * Add or find the entry for <ip> (network order) reached through port <port>.
 * <mac> NULL: unresolved until learned. <is_static>: never overwritten by ARP.
 * Returns the entry index or a negative errno (-ENOSPC when full). Control lcore.
 */
int nc_neigh_add(struct nc_neigh_table *t, uint32_t ip, uint16_t port,
		 const struct rte_ether_addr *mac, int is_static);

/*
 * Record <mac> for <ip> learned from ARP. Updates an existing non-static entry;
 * creates one only when <create>. Returns the index, -ENOENT, or -EPERM for a
 * static entry. Control lcore.
 */
int nc_neigh_learn(struct nc_neigh_table *t, uint32_t ip, uint16_t port,
		   const struct rte_ether_addr *mac, int create);

/* Add a route: <prefix>/<depth> (network order) goes to LPM value <nh>
 * (NC_NH_CONNECTED | port, or a gateway's entry index). Control lcore, start-up. */
int nc_neigh_route_add(struct nc_neigh_table *t, uint32_t prefix, uint8_t depth, uint32_t nh);

/* Entry index of <ip>, or -ENOENT. Any lcore. */
static inline int
nc_neigh_lookup(const struct nc_neigh_table *t, uint32_t ip)
{
	void *data;

	if (rte_hash_lookup_data(t->h, &ip, &data) < 0)
		return -ENOENT;
	return (int)(uintptr_t)data;
}

/*
 * Next hop of <dst> (network order): the entry index to send to. For an on-link
 * destination without an entry yet, returns -ENOENT and sets <*port> to the port
 * it would go out of (the caller asks the control lcore to resolve it).
 * -ENETUNREACH when no route covers it. Any lcore.
 */
static inline int
nc_neigh_next_hop(const struct nc_neigh_table *t, uint32_t dst, uint16_t *port)
{
	uint32_t nh;
	int r;

	if (rte_lpm_lookup(t->lpm, rte_be_to_cpu_32(dst), &nh) != 0)
		return -ENETUNREACH;
	if (!(nh & NC_NH_CONNECTED))
		return (int)nh;
	*port = (uint16_t)(nh & 0xffff);
	r = nc_neigh_lookup(t, dst);
	return r;
}

/* Current MAC word of entry <idx> (NC_NEIGH_VALID set when resolved). Any lcore. */
static inline uint64_t
nc_neigh_mac(const struct nc_neigh_table *t, uint32_t idx)
{
	return __atomic_load_n(&t->e[idx].mac, __ATOMIC_RELAXED);
}

/* ---- IPv6: the same, keyed by 16-byte addresses (network order) ---- */

/* Make the IPv6 tables (a configuration with no IPv6 address spends nothing
 * on them: rte_lpm6's first level alone is 64 MB). Control lcore, start-up.
 * 0 or -ENOMEM. Until then lookups find nothing and adds are -ENOTSUP. */
int nc_neigh_enable_v6(struct nc_neigh_table *t);

int nc_neigh_add6(struct nc_neigh_table *t, const uint8_t *ip, uint16_t port,
		  const struct rte_ether_addr *mac, int is_static);
int nc_neigh_learn6(struct nc_neigh_table *t, const uint8_t *ip, uint16_t port,
		    const struct rte_ether_addr *mac, int create);
/* <nh>: NC_NH6_CONNECTED | port, or a gateway's entry index. */
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
	uint32_t nh;

	if (t->lpm6 == NULL || rte_lpm6_lookup(t->lpm6, dst, &nh) != 0)
		return -ENETUNREACH;
	if (!(nh & NC_NH6_CONNECTED))
		return (int)nh;
	*port = (uint16_t)(nh & 0xffff);
	return nc_neigh_lookup6(t, dst);
}

/* Format an entry's MAC word into <buf> (>= 18 bytes). */
const char *nc_neigh_mac_str(uint64_t mac, char *buf, size_t len);

#endif /* NC_NEIGH_H */
