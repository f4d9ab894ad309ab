/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "nc_neigh.h"

struct nc_neigh_table *
nc_neigh_create(const char *name, int socket)
{
	struct nc_neigh_table *t;
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.entries = NC_NEIGH_MAX,
		.key_len = sizeof(uint32_t),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		/* workers look up while the control lcore adds */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct rte_lpm_config lc = { .max_rules = 1024, .number_tbl8s = 256 };

	t = rte_zmalloc_socket("nc_neigh", sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
	if (t == NULL)
		goto nomem;
	t->e = rte_zmalloc_socket("nc_neigh_e", NC_NEIGH_MAX * sizeof(t->e[0]),
				  RTE_CACHE_LINE_SIZE, socket);
	if (t->e == NULL)
		goto nomem;
	snprintf(hname, sizeof(hname), "%s_h", name);
	hp.name = hname;
	t->h = rte_hash_create(&hp);
	if (t->h == NULL)
		goto fail;
	snprintf(hname, sizeof(hname), "%s_r", name);
	t->lpm = rte_lpm_create(hname, socket, &lc);
	if (t->lpm == NULL)
		goto fail;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->socket = socket;
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
	rte_lpm_free(t->lpm);
	rte_hash_free(t->h6);
	rte_lpm6_free(t->lpm6);
	rte_free(t->e);
	rte_free(t);
}

static void
entry_set_mac(struct nc_neigh_entry *e, const struct rte_ether_addr *mac)
{
	uint64_t w = 0;

	memcpy(&w, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	__atomic_store_n(&e->mac, w | NC_NEIGH_VALID, __ATOMIC_RELEASE);
	e->n_probes = 0;
}

/*
 * Entry <idx> (found in <h> under <key>, or -ENOENT) updated, or a new one
 * for <key> made: IPv4 <ip> or, when <ip6> is not NULL, that IPv6 address.
 */
static int
entry_add(struct nc_neigh_table *t, struct rte_hash *h, const void *key, int idx, uint32_t ip,
	  const uint8_t *ip6, uint16_t port, const struct rte_ether_addr *mac, int is_static)
{
	struct nc_neigh_entry *e;
	int r;

	if (idx >= 0) {
		e = &t->e[idx];
		if (is_static) {
			e->is_static = 1;
			e->port = port;
		}
		if (mac != NULL && (is_static || !e->is_static))
			entry_set_mac(e, mac);
		return idx;
	}
	if (t->n >= NC_NEIGH_MAX)
		return -ENOSPC;
	idx = (int)t->n;
	e = &t->e[idx];
	e->ip = ip;
	if (ip6 != NULL) {
		memcpy(e->ip6, ip6, 16);
		e->is_v6 = 1;
	}
	e->port = port;
	e->is_static = (uint8_t)(is_static != 0);
	if (mac != NULL)
		entry_set_mac(e, mac);
	/* The entry is complete before readers can find it. */
	r = rte_hash_add_key_data(h, key, (void *)(uintptr_t)idx);
	if (r < 0)
		return r;
	t->n++;
	return idx;
}

/* A learned MAC for entry <idx> (-ENOENT: none). */
static int
entry_learn(struct nc_neigh_table *t, int idx, const struct rte_ether_addr *mac)
{
	if (idx < 0)
		return idx;
	if (t->e[idx].is_static)
		return -EPERM;
	entry_set_mac(&t->e[idx], mac);
	return idx;
}

int
nc_neigh_add(struct nc_neigh_table *t, uint32_t ip, uint16_t port,
	     const struct rte_ether_addr *mac, int is_static)
{
	return entry_add(t, t->h, &ip, nc_neigh_lookup(t, ip), ip, NULL, port, mac, is_static);
}

int
nc_neigh_learn(struct nc_neigh_table *t, uint32_t ip, uint16_t port,
	       const struct rte_ether_addr *mac, int create)
{
	int idx = nc_neigh_lookup(t, ip);

	if (idx < 0 && create)
		return nc_neigh_add(t, ip, port, mac, 0);
	return entry_learn(t, idx, mac);
}

int
nc_neigh_route_add(struct nc_neigh_table *t, uint32_t prefix, uint8_t depth, uint32_t nh)
{
	int r;

	if (depth > 0)
		return rte_lpm_add(t->lpm, rte_be_to_cpu_32(prefix), depth, nh);
	/* rte_lpm has no /0: a default route is the two /1 halves */
	r = rte_lpm_add(t->lpm, 0, 1, nh);
	return r != 0 ? r : rte_lpm_add(t->lpm, 0x80000000u, 1, nh);
}

int
nc_neigh_add6(struct nc_neigh_table *t, const uint8_t *ip, uint16_t port,
	      const struct rte_ether_addr *mac, int is_static)
{
	uint64_t key[2];   /* an aligned copy for the hash */

	if (t->h6 == NULL)
		return -ENOTSUP;
	memcpy(key, ip, sizeof(key));
	return entry_add(t, t->h6, key, nc_neigh_lookup6(t, ip), 0, ip, port, mac, is_static);
}

int
nc_neigh_learn6(struct nc_neigh_table *t, const uint8_t *ip, uint16_t port,
		const struct rte_ether_addr *mac, int create)
{
	int idx = nc_neigh_lookup6(t, ip);

	if (idx < 0 && create)
		return nc_neigh_add6(t, ip, port, mac, 0);
	return entry_learn(t, idx, mac);
}

int
nc_neigh_route_add6(struct nc_neigh_table *t, const uint8_t *prefix, uint8_t depth, uint32_t nh)
{
	uint8_t half[16] = { 0x80 };
	int r;

	if (t->lpm6 == NULL)
		return -ENOTSUP;
	if (depth > 0)
		return rte_lpm6_add(t->lpm6, prefix, depth, nh);
	/* no /0 either: the two /1 halves */
	r = rte_lpm6_add(t->lpm6, (uint8_t[16]){ 0 }, 1, nh);
	return r != 0 ? r : rte_lpm6_add(t->lpm6, half, 1, nh);
}

int
nc_neigh_enable_v6(struct nc_neigh_table *t)
{
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.entries = NC_NEIGH_MAX,
		.key_len = 16,
		.hash_func = rte_hash_crc,
		.socket_id = t->socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct rte_lpm6_config lc6 = { .max_rules = 1024, .number_tbl8s = 256 };

	if (t->lpm6 != NULL)
		return 0;
	snprintf(hname, sizeof(hname), "%s_h6", t->name);
	hp.name = hname;
	t->h6 = rte_hash_create(&hp);
	snprintf(hname, sizeof(hname), "%s_r6", t->name);
	t->lpm6 = t->h6 != NULL ? rte_lpm6_create(hname, t->socket, &lc6) : NULL;
	if (t->lpm6 == NULL) {
		rte_hash_free(t->h6);
		t->h6 = NULL;
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
