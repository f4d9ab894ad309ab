/* SPDX-License-Identifier: BSD-3-Clause
 * The neighbor table (nc_neigh.h): entries, their ages and the order in
 * which learned ones give way. Control lcore, but for the lookups of the
 * header.
 */
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "nc_neigh.h"

/* Removed keys' slots wait for a grace period before reuse: room for a table's
 * worth of them beside the live keys. */
#define HASH_ENTRIES (2 * NC_NEIGH_MAX)

struct nc_neigh_table *
nc_neigh_create(const char *name, int socket)
{
	struct nc_neigh_table *t;
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.entries = HASH_ENTRIES,
		.key_len = sizeof(uint32_t),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		/* workers look up while the control lcore adds */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct rte_fib_conf fc = {
		.type = RTE_FIB_DIR24_8,
		.default_nh = NC_FIB_NONE,
		.max_routes = 1024,
		/* a second-level group per /24 holding longer prefixes; its
		 * number lives in a first-level entry too, so 7 bits as well */
		.dir24_8 = { .nh_sz = RTE_FIB_DIR24_8_1B, .num_tbl8 = NC_FIB_NONE },
	};
	uint64_t ms = rte_get_tsc_hz() / 1000;

	RTE_BUILD_BUG_ON(NC_NEIGH_MAX != 1 << NC_NEIGH_IDX_BITS);
	RTE_BUILD_BUG_ON(NC_NEIGH_MAX > NC_NEIGH_NONE);   /* indexes fit the LRU links */
	/* a gateway's handle is a route value below the "connected" bit (its
	 * generation is 0: added at start-up, never removed) */
	RTE_BUILD_BUG_ON(NC_NEIGH_MAX > NC_NH6_CONNECTED);
	RTE_BUILD_BUG_ON(NC_NEIGH_MAX > NC_NH_CONNECTED);
	RTE_BUILD_BUG_ON(NC_NEIGH_GATEWAYS > NC_FIB_CONNECTED);
	t = rte_zmalloc_socket("nc_neigh", sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
	if (t == NULL)
		goto nomem;
	t->e = rte_zmalloc_socket("nc_neigh_e", NC_NEIGH_MAX * sizeof(t->e[0]),
				  RTE_CACHE_LINE_SIZE, socket);
	t->used = rte_zmalloc_socket("nc_neigh_used", NC_NEIGH_MAX, RTE_CACHE_LINE_SIZE, socket);
	if (t->e == NULL || t->used == NULL)
		goto nomem;
	snprintf(hname, sizeof(hname), "%s_h", name);
	hp.name = hname;
	t->h = rte_hash_create(&hp);
	if (t->h == NULL)
		goto fail;
	snprintf(hname, sizeof(hname), "%s_r", name);
	t->fib = rte_fib_create(hname, socket, &fc);
	if (t->fib == NULL)
		goto fail;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->socket = socket;
	t->lru_head = t->lru_tail = NC_NEIGH_NONE;
	t->reachable_tsc = ms * NC_NEIGH_REACHABLE_MS;
	t->retrans_tsc = ms * NC_NEIGH_RETRANS_MS;
	t->backoff_tsc = ms * NC_NEIGH_BACKOFF_MS;
	return t;
nomem:
	rte_errno = ENOMEM;
fail:
	nc_neigh_free(t);
	return NULL;
}

void
nc_neigh_free(struct nc_neigh_table *t)
{
	if (t == NULL)
		return;
	rte_hash_free(t->h);
	rte_fib_free(t->fib);
	rte_hash_free(t->h6);
	rte_fib6_free(t->fib6);
	rte_free(t->used);
	rte_free(t->e);
	rte_free(t);
}

static int
hash_rcu(struct rte_hash *h, struct rte_rcu_qsbr *qsbr)
{
	struct rte_hash_rcu_config rc = { .v = qsbr, .mode = RTE_HASH_QSBR_MODE_DQ };

	return h == NULL || qsbr == NULL ? 0 : rte_hash_rcu_qsbr_add(h, &rc);
}

int
nc_neigh_rcu_attach(struct nc_neigh_table *t, struct rte_rcu_qsbr *qsbr)
{
	int r;

	t->qsbr = qsbr;
	r = hash_rcu(t->h, qsbr);
	return r != 0 ? r : hash_rcu(t->h6, qsbr);
}

/* ---- the eviction order: a list through the entries ---- */

static void
lru_unlink(struct nc_neigh_table *t, uint16_t i)
{
	struct nc_neigh_entry *e = &t->e[i];

	if (e->lru_prev != NC_NEIGH_NONE)
		t->e[e->lru_prev].lru_next = e->lru_next;
	else if (t->lru_head == i)
		t->lru_head = e->lru_next;
	else
		return;   /* not in the list */
	if (e->lru_next != NC_NEIGH_NONE)
		t->e[e->lru_next].lru_prev = e->lru_prev;
	else
		t->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NC_NEIGH_NONE;
}

/* Entry <i> goes last in line (<front>: first) for eviction. */
static void
lru_insert(struct nc_neigh_table *t, uint16_t i, int front)
{
	struct nc_neigh_entry *e = &t->e[i];

	lru_unlink(t, i);
	if (front) {
		e->lru_next = t->lru_head;
		if (t->lru_head != NC_NEIGH_NONE)
			t->e[t->lru_head].lru_prev = i;
		else
			t->lru_tail = i;
		t->lru_head = i;
	} else {
		e->lru_prev = t->lru_tail;
		if (t->lru_tail != NC_NEIGH_NONE)
			t->e[t->lru_tail].lru_next = i;
		else
			t->lru_head = i;
		t->lru_tail = i;
	}
}

static inline uint32_t
handle_of(const struct nc_neigh_table *t, const struct nc_neigh_entry *e)
{
	return (uint32_t)(e - t->e) | (uint32_t)e->gen << NC_NEIGH_IDX_BITS;
}

static void
entry_set_mac(struct nc_neigh_entry *e, const struct rte_ether_addr *mac)
{
	uint64_t w = 0;

	memcpy(&w, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	__atomic_store_n(&e->mac, w | (uint64_t)e->gen << 48 | NC_NEIGH_VALID, __ATOMIC_RELEASE);
}

/* Forget entry <i>'s MAC: its flows' packets are dropped as unresolved. */
static void
entry_unset_mac(struct nc_neigh_entry *e)
{
	__atomic_store_n(&e->mac, (uint64_t)e->gen << 48, __ATOMIC_RELEASE);
}

/* Remove learned entry <i>: its key leaves the hash, its MAC word reads as
 * unresolved under any handle, its slot goes back to the free list. */
static void
entry_remove(struct nc_neigh_table *t, uint16_t i)
{
	struct nc_neigh_entry *e = &t->e[i];
	uint64_t key6[2];
	int32_t pos;

	lru_unlink(t, i);
	if (e->is_v6) {
		memcpy(key6, e->ip6, sizeof(key6));
		pos = rte_hash_del_key(t->h6, key6);
		if (pos >= 0 && t->qsbr == NULL)
			rte_hash_free_key_with_position(t->h6, pos);
	} else {
		pos = rte_hash_del_key(t->h, &e->ip);
		if (pos >= 0 && t->qsbr == NULL)
			rte_hash_free_key_with_position(t->h, pos);
	}
	/* the next use of the slot is a new generation: old handles stay
	 * unresolved from now on */
	e->gen = (uint16_t)((e->gen + 1) & NC_NEIGH_GEN_MASK);
	entry_unset_mac(e);
	e->state = NC_NEIGH_FREE;
	__atomic_store_n(&t->used[i], 0, __ATOMIC_RELAXED);
	t->free_idx[t->n_free++] = i;
	t->n_used--;
}

/* A slot for a new entry: a free one, or the first in line for eviction
 * that no worker used since it was last looked at (a used one goes to the
 * back of the line once). NC_NEIGH_NONE when every entry is static or
 * pinned. */
static uint16_t
slot_take(struct nc_neigh_table *t)
{
	uint32_t tries;

	if (t->n_free != 0)
		return t->free_idx[--t->n_free];
	if (t->n < NC_NEIGH_MAX)
		return (uint16_t)t->n++;
	for (tries = 0; t->lru_head != NC_NEIGH_NONE; tries++) {
		uint16_t i = t->lru_head;

		if (tries < NC_NEIGH_MAX && __atomic_load_n(&t->used[i], __ATOMIC_RELAXED)) {
			__atomic_store_n(&t->used[i], 0, __ATOMIC_RELAXED);
			lru_insert(t, i, 0);
			continue;
		}
		entry_remove(t, i);
		t->st.evicted++;
		return t->free_idx[--t->n_free];
	}
	t->st.full++;
	return NC_NEIGH_NONE;
}

/* A MAC for entry <e> now, as <how>. */
static void
entry_confirm(struct nc_neigh_table *t, struct nc_neigh_entry *e, const struct rte_ether_addr *mac,
	      enum nc_neigh_how how)
{
	entry_set_mac(e, mac);
	e->state = NC_NEIGH_REACHABLE;
	e->n_probes = 0;
	e->confirmed = rte_rdtsc();
	if (!e->pinned && how == NC_NEIGH_CONFIRMED)
		lru_insert(t, (uint16_t)(e - t->e), 0);
}

/*
 * Entry <h> (found in <hash> under <key>, or -ENOENT) updated, or a new one
 * for <key> made: IPv4 <ip> or, when <ip6> is not NULL, that IPv6 address.
 * A new learned entry goes first in line for eviction when only <seen>.
 */
static int
entry_add(struct nc_neigh_table *t, struct rte_hash *hash, const void *key, int h, uint32_t ip,
	  const uint8_t *ip6, uint16_t port, const struct rte_ether_addr *mac, int is_static,
	  enum nc_neigh_how how)
{
	struct nc_neigh_entry *e;
	uint16_t i;
	int r;

	if (h >= 0) {
		e = nc_neigh_entry_of(t, (uint32_t)h);
		if (is_static) {
			lru_unlink(t, (uint16_t)(e - t->e));
			e->is_static = 1;
			e->state = NC_NEIGH_STATIC;
			e->port = port;
		}
		if (mac != NULL && is_static)
			entry_set_mac(e, mac);
		else if (mac != NULL && !e->is_static)
			entry_confirm(t, e, mac, how);
		return h;
	}
	i = slot_take(t);
	if (i == NC_NEIGH_NONE)
		return -ENOSPC;
	e = &t->e[i];
	e->ip = ip;
	e->is_v6 = ip6 != NULL;
	if (ip6 != NULL)
		memcpy(e->ip6, ip6, 16);
	else
		memset(e->ip6, 0, 16);
	e->port = port;
	e->is_static = (uint8_t)(is_static != 0);
	e->pinned = 0;
	e->n_probes = 0;
	e->next_probe = 0;
	e->lru_prev = e->lru_next = NC_NEIGH_NONE;
	if (is_static) {
		e->state = NC_NEIGH_STATIC;
		entry_set_mac(e, mac);
	} else if (mac != NULL) {
		entry_confirm(t, e, mac, how);
		if (how == NC_NEIGH_SEEN)
			lru_insert(t, i, 1);
	} else {
		/* being resolved: a packet waits for it */
		e->state = NC_NEIGH_INCOMPLETE;
		entry_unset_mac(e);
		lru_insert(t, i, 0);
	}
	/* The entry is complete before readers can find it. */
	r = rte_hash_add_key_data(hash, key, (void *)(uintptr_t)handle_of(t, e));
	t->n_used++;
	if (r < 0) {
		entry_remove(t, i);
		return r;
	}
	return (int)handle_of(t, e);
}

/* A learned MAC for entry <h> (-ENOENT: none). */
static int
entry_learn(struct nc_neigh_table *t, int h, const struct rte_ether_addr *mac, enum nc_neigh_how how)
{
	struct nc_neigh_entry *e;

	if (h < 0)
		return h;
	e = nc_neigh_entry_of(t, (uint32_t)h);
	if (e->is_static)
		return -EPERM;
	entry_confirm(t, e, mac, how);
	return h;
}

int
nc_neigh_add(struct nc_neigh_table *t, uint32_t ip, uint16_t port,
	     const struct rte_ether_addr *mac, int is_static)
{
	if (is_static && mac == NULL)
		return -EINVAL;
	return entry_add(t, t->h, &ip, nc_neigh_lookup(t, ip), ip, NULL, port, mac, is_static,
			 NC_NEIGH_CONFIRMED);
}

int
nc_neigh_learn(struct nc_neigh_table *t, uint32_t ip, uint16_t port,
	       const struct rte_ether_addr *mac, int create, enum nc_neigh_how how)
{
	int h = nc_neigh_lookup(t, ip);

	if (h < 0 && create)
		return entry_add(t, t->h, &ip, h, ip, NULL, port, mac, 0, how);
	return entry_learn(t, h, mac, how);
}

void
nc_neigh_pin(struct nc_neigh_table *t, uint32_t h)
{
	struct nc_neigh_entry *e = nc_neigh_entry_of(t, h);

	e->pinned = 1;
	lru_unlink(t, (uint16_t)(e - t->e));
}

void
nc_neigh_age(struct nc_neigh_table *t, uint64_t now,
	     void (*probe)(void *arg, struct nc_neigh_entry *e, int unicast), void *arg)
{
	uint32_t i;

	for (i = 0; i < t->n; i++) {
		struct nc_neigh_entry *e = &t->e[i];

		switch (e->state) {
		case NC_NEIGH_REACHABLE:
			if (now - e->confirmed < t->reachable_tsc)
				break;
			e->state = NC_NEIGH_STALE;   /* probed at once */
			e->n_probes = 0;
			e->next_probe = now;
			/* fall through */
		case NC_NEIGH_STALE:
			if (now < e->next_probe)
				break;
			if (e->n_probes >= NC_NEIGH_PROBES) {
				if (!e->pinned) {
					entry_remove(t, (uint16_t)i);
					t->st.expired++;
					break;
				}
				/* a gateway or server that stopped answering:
				 * resolved afresh by broadcast */
				entry_unset_mac(e);
				e->state = NC_NEIGH_INCOMPLETE;
				e->n_probes = 0;
				goto incomplete;
			}
			probe(arg, e, 1);
			e->n_probes++;
			e->next_probe = now + t->retrans_tsc;
			break;
		case NC_NEIGH_INCOMPLETE:
			if (now < e->next_probe)
				break;
incomplete:
			if (!e->pinned && e->n_probes >= NC_NEIGH_PROBES) {
				entry_remove(t, (uint16_t)i);
				t->st.expired++;
				break;
			}
			probe(arg, e, 0);
			e->n_probes++;
			/* a pinned entry keeps being asked, less often */
			e->next_probe = now + (e->n_probes >= NC_NEIGH_PROBES ? t->backoff_tsc :
					       t->retrans_tsc);
			break;
		default:
			break;
		}
	}
}

int
nc_neigh_route_add(struct nc_neigh_table *t, uint32_t prefix, uint8_t depth, uint32_t nh)
{
	uint32_t v;

	if (nh & NC_NH_CONNECTED) {
		v = nh & ~NC_NH_CONNECTED;
		if (v >= NC_FIB_NONE - NC_FIB_CONNECTED)
			return -EINVAL;   /* a port beyond the value's bits */
		v |= NC_FIB_CONNECTED;
	} else {
		if (nh >= NC_NEIGH_MAX)
			return -EINVAL;   /* a gateway's handle of a reused slot */
		for (v = 0; v < t->n_gw && t->gw[v] != nh; v++)
			;
		if (v == t->n_gw) {
			if (t->n_gw == NC_NEIGH_GATEWAYS)
				return -ENOSPC;
			t->gw[t->n_gw++] = nh;
		}
	}
	return rte_fib_add(t->fib, rte_be_to_cpu_32(prefix), depth, v);
}

int
nc_neigh_add6(struct nc_neigh_table *t, const uint8_t *ip, uint16_t port,
	      const struct rte_ether_addr *mac, int is_static)
{
	uint64_t key[2];   /* an aligned copy for the hash */

	if (t->h6 == NULL)
		return -ENOTSUP;
	if (is_static && mac == NULL)
		return -EINVAL;
	memcpy(key, ip, sizeof(key));
	return entry_add(t, t->h6, key, nc_neigh_lookup6(t, ip), 0, ip, port, mac, is_static,
			 NC_NEIGH_CONFIRMED);
}

int
nc_neigh_learn6(struct nc_neigh_table *t, const uint8_t *ip, uint16_t port,
		const struct rte_ether_addr *mac, int create, enum nc_neigh_how how)
{
	int h = nc_neigh_lookup6(t, ip);
	uint64_t key[2];

	if (h < 0 && create) {
		if (t->h6 == NULL)
			return -ENOTSUP;
		memcpy(key, ip, sizeof(key));
		return entry_add(t, t->h6, key, h, 0, ip, port, mac, 0, how);
	}
	return entry_learn(t, h, mac, how);
}

int
nc_neigh_route_add6(struct nc_neigh_table *t, const uint8_t *prefix, uint8_t depth, uint32_t nh)
{
	if (t->fib6 == NULL)
		return -ENOTSUP;
	/* a gateway's handle of a reused slot, or a port beyond the value's
	 * bits: not a route value */
	if (nh & NC_NH6_CONNECTED ? nh >= NC_FIB6_NONE : nh >= NC_NEIGH_MAX)
		return -EINVAL;
	return rte_fib6_add(t->fib6, prefix, depth, nh);
}

int
nc_neigh_enable_v6(struct nc_neigh_table *t)
{
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.entries = HASH_ENTRIES,
		.key_len = 16,
		.hash_func = rte_hash_crc,
		.socket_id = t->socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct rte_fib6_conf fc6 = {
		.type = RTE_FIB6_TRIE,
		.default_nh = NC_FIB6_NONE,
		.max_routes = 1024,
		/* a group per 8 bits past /24 of a longer prefix: a /64 takes
		 * up to 5 */
		.trie = { .nh_sz = RTE_FIB6_TRIE_2B, .num_tbl8 = 1024 },
	};

	if (t->fib6 != NULL)
		return 0;
	snprintf(hname, sizeof(hname), "%s_h6", t->name);
	hp.name = hname;
	t->h6 = rte_hash_create(&hp);
	snprintf(hname, sizeof(hname), "%s_r6", t->name);
	t->fib6 = t->h6 != NULL ? rte_fib6_create(hname, t->socket, &fc6) : NULL;
	if (t->fib6 == NULL || hash_rcu(t->h6, t->qsbr) != 0) {
		rte_hash_free(t->h6);
		rte_fib6_free(t->fib6);
		t->h6 = NULL;
		t->fib6 = NULL;
		return -ENOMEM;
	}
	return 0;
}

const char *
nc_neigh_mac_str(uint64_t mac, char *buf, size_t len)
{
	uint8_t b[8];

	memcpy(b, &mac, sizeof(b));
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
	return buf;
}
