/* SPDX-License-Identifier: BSD-3-Clause
 * Client affinity ("persistence_s"): (client IPv4 address, service) -> the
 * server first chosen for it, until the entry expires. One table per worker,
 * read and written by that worker only (flows of a service with persistence
 * are owned by the worker its client address hashes to), so no lock and no
 * atomic. Expiry is lazy on lookup and incremental (a budget per call) for
 * entries nobody asks for again.
 *
 * IPv6 clients have a table of their own (nc_affinity_create6), keyed by
 * (client prefix, service): per address or per /64, as the service says, so
 * the IPv4 table keeps its 8-byte key. Expiry, count and free are common.
 */
#ifndef NC_AFFINITY_H
#define NC_AFFINITY_H

#include <stdint.h>

struct nc_affinity;

/*
 * Create a table for <capacity> entries on <socket>; <name> must be unique.
 * Returns NULL and sets rte_errno on failure.
 */
struct nc_affinity *nc_affinity_create(const char *name, uint32_t capacity, int socket);

/* Create an IPv6 table (nc_affinity_lookup6/set6 only), as nc_affinity_create(). */
struct nc_affinity *nc_affinity_create6(const char *name, uint32_t capacity, int socket);

/* Free the table. */
void nc_affinity_free(struct nc_affinity *a);

/*
 * Server of <client_ip> (network order) for service <svc>, if its entry has
 * not expired at <now_ms> (the owner's clock, wrap-around safe); an expired
 * entry is removed. Returns the server index or -ENOENT.
 */
int nc_affinity_lookup(struct nc_affinity *a, uint32_t client_ip, uint8_t svc, uint32_t now_ms);

/* Set (or move) <client_ip>'s entry for <svc> to <server>, expiring at
 * <expire_ms>. Returns 0, or -ENOSPC when the table is full. */
int nc_affinity_set(struct nc_affinity *a, uint32_t client_ip, uint8_t svc, uint8_t server,
		    uint32_t expire_ms);

/* <ip> (16 bytes, network order) with all but its first <plen> bits
 * (1..128) cleared, in <prefix>: an IPv6 client's affinity key. Any thread. */
static inline void
nc_affinity_prefix6(const uint8_t *ip, uint8_t plen, uint8_t *prefix)
{
	unsigned int i;

	for (i = 0; i < 16; i++) {
		unsigned int b = i * 8;

		prefix[i] = plen >= b + 8 ? ip[i] :
			    plen <= b ? 0 : (uint8_t)(ip[i] & (0xff00u >> (plen - b)));
	}
}

/* IPv6 table: nc_affinity_lookup() and nc_affinity_set() of the client
 * prefix <prefix> (16 bytes, from nc_affinity_prefix6()). */
int nc_affinity_lookup6(struct nc_affinity *a, const uint8_t *prefix, uint8_t svc, uint32_t now_ms);
int nc_affinity_set6(struct nc_affinity *a, const uint8_t *prefix, uint8_t svc, uint8_t server,
		     uint32_t expire_ms);

/* Remove up to <budget> checked entries expired at <now_ms>, going on from
 * where the last call stopped. Returns how many were removed. */
unsigned int nc_affinity_expire(struct nc_affinity *a, uint32_t now_ms, unsigned int budget);

/* Entries now; capacity. */
uint32_t nc_affinity_count(const struct nc_affinity *a);
uint32_t nc_affinity_capacity(const struct nc_affinity *a);

#endif /* NC_AFFINITY_H */
