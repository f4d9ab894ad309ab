/* SPDX-License-Identifier: BSD-3-Clause
 * Weighted dispatch: schedule builders (pure functions, any thread) and the
 * per-service publish path (control lcore writes, workers read lock-free).
 */
#ifndef NC_SCHED_H
#define NC_SCHED_H

#include <stdint.h>
#include "nc_sched_types.h"
#include "nc_config_types.h"

/*
 * The paper's ratio rule: the smallest non-zero weight counts as 1 and every
 * other weight is divided by it and rounded (half up); the resulting counts are
 * interleaved, lightest server first: 30/70 -> 1:2 -> A B B; 25/75 -> A B B B.
 * <weight>[i] == 0 leaves server i out. Writes at most <max_slots> indexes to
 * <slots>. Returns the number of slots (0 when every weight is 0), or -ENOSPC.
 */
int nc_sched_build_ratio(const uint8_t *weight, unsigned int n, uint16_t *slots,
			 unsigned int max_slots);

/*
 * Smooth weighted round robin over exactly sum(weight) slots (100 when the
 * weights are percentages): each server gets exactly its weight in slots,
 * spread as evenly as possible. Returns the slot count, or -ENOSPC.
 */
int nc_sched_build_smooth(const uint8_t *weight, unsigned int n, uint16_t *slots,
			  unsigned int max_slots);

/* Dispatch to the builder of <kind> (maglev: the smooth cycle, which a maglev
 * schedule carries beside its table). Same contract as the builders. */
int nc_sched_build(enum nc_sched_kind kind, const uint8_t *weight, unsigned int n,
		   uint16_t *slots, unsigned int max_slots);

/* Name of a scheduler kind ("ratio", "smooth", "maglev"). */
const char *nc_sched_kind_name(enum nc_sched_kind kind);

/* ---- Maglev consistent hashing (Eisenbud et al., NSDI'16, section 3.4) ----
 *
 * Every server has a permutation of the table's entries that depends only on
 * (seed, its address, its port): offset and skip from two seeded hashes,
 * entry k of it (offset + k * skip) mod size; size is prime, so it visits
 * every entry. Servers take turns, each claiming the next entry of its
 * permutation that is still free, until the table is full.
 *
 * Weights: server j's k-th turn comes at virtual time k / w_j (weighted fill,
 * as Katran's Maglev V2 gives each server turns in proportion to its weight),
 * ties in the order of (address, port). So each server holds size * w_j / sum(w)
 * entries give or take one, at any scale of weights, and the order of two
 * servers' turns does not depend on any third one: removing a server removes
 * its turns and leaves the others' order as it was. Equal weights are the
 * paper's round robin over the permutations.
 */

/* One server as the Maglev builder sees it: HOST byte order. */
struct nc_maglev_server {
	uint32_t addr;
	uint16_t port;
	uint8_t weight;     /* 0: no entry (down, drained) */
};

/* SplitMix64's finalizer (Steele, Lea, Flood, OOPSLA'14; Stafford's "Mix13"
 * constants): a bijection of 64-bit words whose every output bit depends on
 * every input bit. The same on every machine. Any thread. */
static inline uint64_t
nc_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* The salt a schedule hashes keys and permutations with, from <seed>. */
static inline uint64_t
nc_maglev_salt(uint32_t seed)
{
	return nc_mix64((uint64_t)seed + 0x9e3779b97f4a7c15ull);
}

/* Key hash of a client address <ip> (host order): persistence's key. */
static inline uint64_t
nc_maglev_hash_ip(uint64_t salt, uint32_t ip)
{
	return nc_mix64((uint64_t)ip ^ salt);
}

/* Key hash of a client 5-tuple (host order): client address and port, VIP and
 * its port, protocol. */
static inline uint64_t
nc_maglev_hash_5tuple(uint64_t salt, uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport,
		      uint8_t proto)
{
	uint64_t a = (uint64_t)sip << 32 | dip;
	uint64_t b = (uint64_t)sport << 24 | (uint64_t)dport << 8 | proto;

	return nc_mix64(nc_mix64(a ^ salt) ^ b);
}

/* The 16 bytes of an IPv6 address <a> (network order) as two host words,
 * read big-endian so that every machine sees the same ones. Any thread. */
static inline void
nc_maglev_ip6_words(const uint8_t *a, uint64_t *hi, uint64_t *lo)
{
	unsigned int i;

	*hi = *lo = 0;
	for (i = 0; i < 8; i++) {
		*hi = *hi << 8 | a[i];
		*lo = *lo << 8 | a[8 + i];
	}
}

/* Key hash of an IPv6 client address or prefix <ip> (16 bytes, network order,
 * host bits already cleared): persistence's key. Any thread. */
static inline uint64_t
nc_maglev_hash_ip6(uint64_t salt, const uint8_t *ip)
{
	uint64_t hi, lo;

	nc_maglev_ip6_words(ip, &hi, &lo);
	return nc_mix64(nc_mix64(hi ^ salt) ^ lo);
}

/* Key hash of an IPv6 client 5-tuple: addresses (16 bytes, network order),
 * ports (host order), protocol. Any thread. */
static inline uint64_t
nc_maglev_hash_5tuple6(uint64_t salt, const uint8_t *sip, const uint8_t *dip, uint16_t sport,
		       uint16_t dport, uint8_t proto)
{
	uint64_t b = (uint64_t)sport << 24 | (uint64_t)dport << 8 | proto;

	return nc_mix64(nc_maglev_hash_ip6(nc_maglev_hash_ip6(salt, sip), dip) ^ b);
}

/* An IPv6 server's identity in a Maglev table's permutations (the 32 bits
 * nc_maglev_server.addr holds for an IPv4 one): a digest of its 16 bytes,
 * the same on every machine. Any thread. */
static inline uint32_t
nc_maglev_server_id6(const uint8_t *addr6)
{
	return (uint32_t)(nc_maglev_hash_ip6(0, addr6) >> 32);
}

/* Table entry of key hash <h> in a table of <size> entries: the top 32 bits
 * scaled to [0, size) by a multiply and a shift (Lemire's fast range), which
 * spreads as evenly as h % size does without a 64-bit division. */
static inline uint32_t
nc_maglev_entry(uint64_t h, uint32_t size)
{
	return (uint32_t)(((h >> 32) * size) >> 32);
}

/* <size> is a prime in NC_MAGLEV_SIZE_MIN..NC_MAGLEV_SIZE_MAX. Any thread. */
int nc_maglev_size_ok(uint32_t size);

/*
 * Fill <table> (<size> bytes) with indexes into <srv> (<n> servers, at most
 * NC_MAX_SERVERS) by Maglev hashing with <seed>, servers of weight 0 left
 * out. The same servers, weights and seed give the same table whatever their
 * order in <srv> (the indexes follow <srv>'s order, the addresses they name
 * do not change). Pure; any thread.
 * Returns the number of servers with entries (0: none, <table> all
 * NC_MAGLEV_EMPTY), or -EINVAL (bad size, too many servers).
 */
int nc_maglev_build(const struct nc_maglev_server *srv, unsigned int n, uint32_t size,
		    uint32_t seed, uint8_t *table);

struct rte_rcu_qsbr;
struct nc_sched_set;

/*
 * Create the publish points of <n_services> services. Old schedules are freed
 * once every reader registered in <qsbr> has reported a quiescent state.
 * Control lcore. Returns NULL and sets rte_errno on failure.
 */
struct nc_sched_set *nc_sched_set_create(unsigned int n_services, struct rte_rcu_qsbr *qsbr);

/* Free the set and every schedule it holds; no reader may run. Control lcore. */
void nc_sched_set_free(struct nc_sched_set *set);

/* What a service's schedule is built with. */
struct nc_sched_params {
	enum nc_sched_kind kind;
	uint32_t maglev_size;   /* maglev: table entries; 0: NC_MAGLEV_SIZE_DEFAULT */
	uint32_t maglev_seed;   /* maglev: hash seed */
};

/*
 * Build a schedule for service <svc> from <servers> (weight and up taken from
 * each) with <p> and publish it with one atomic pointer store. The previous
 * schedule is reclaimed after a grace period. A maglev table whose servers,
 * weights, states, size and seed are those of the current schedule is
 * copied, not built again. Control lcore only.
 * Returns 0 or a negative errno.
 */
int nc_sched_publish_params(struct nc_sched_set *set, unsigned int svc,
			    const struct nc_sched_params *p,
			    const struct nc_sched_server *servers, unsigned int n_servers);

/* nc_sched_publish_params() with <kind> and, for maglev, the default size and
 * seed. Control lcore only. */
int nc_sched_publish(struct nc_sched_set *set, unsigned int svc, enum nc_sched_kind kind,
		     const struct nc_sched_server *servers, unsigned int n_servers);

/* Free schedules whose grace period has ended. Control lcore, any time. */
void nc_sched_reclaim(struct nc_sched_set *set);

/* Pointer to the publish point of <svc>, for workers to cache. */
struct nc_schedule *const *nc_sched_slot(const struct nc_sched_set *set, unsigned int svc);

/* Current schedule behind a publish point. Worker lcores, between quiescent states. */
static inline const struct nc_schedule *
nc_sched_get(struct nc_schedule *const *slot)
{
	return __atomic_load_n(slot, __ATOMIC_ACQUIRE);
}

#endif /* NC_SCHED_H */
