/* SPDX-License-Identifier: BSD-3-Clause
 * Client affinity table: rte_hash keyed by (client address, service), or in
 * an IPv6 table by (client prefix, service); the data word holds the server
 * and the expiry time, so an update is one rte_hash_add_key_data and no entry
 * array is needed.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "nc_affinity.h"

struct aff_key {
	uint32_t ip;
	uint8_t svc;
	uint8_t pad[3];
};

struct aff6_key {
	uint8_t prefix[16];
	uint8_t svc;
	uint8_t pad[3];
} __rte_aligned(4);

struct nc_affinity {
	struct rte_hash *h;
	uint32_t capacity;
	uint32_t iter;        /* expiry cursor (rte_hash_iterate position) */
	uint32_t key_len;     /* an aff_key's, or an aff6_key's */
};

/* data word: server in bits 0-7, expiry (ms) in bits 8-39 */
static inline void *
pack(uint8_t server, uint32_t expire_ms)
{
	return (void *)(uintptr_t)((uint64_t)expire_ms << 8 | server);
}

static inline uint8_t
server_of(const void *d)
{
	return (uint8_t)((uintptr_t)d & 0xff);
}

static inline uint32_t
expiry_of(const void *d)
{
	return (uint32_t)((uint64_t)(uintptr_t)d >> 8);
}

static inline int
expired(const void *d, uint32_t now_ms)
{
	return (int32_t)(now_ms - expiry_of(d)) >= 0;
}

static uint32_t
aff_hash(const void *key, uint32_t len, uint32_t init)
{
	RTE_SET_USED(len);
	return rte_hash_crc_8byte(*(const uint64_t *)key, init);
}

static struct nc_affinity *
create(const char *name, uint32_t capacity, int socket, uint32_t key_len, rte_hash_function fn)
{
	struct rte_hash_parameters p = {
		.name = name,
		.entries = capacity < 8 ? 8 : capacity,
		.key_len = key_len,
		.hash_func = fn,
		.hash_func_init_val = 0x9e3779b9,
		.socket_id = socket,
		/* exactly <capacity> entries fit, whatever the bucket spread */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct nc_affinity *a;

	a = rte_zmalloc_socket("nc_affinity", sizeof(*a), RTE_CACHE_LINE_SIZE, socket);
	if (a == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	a->h = rte_hash_create(&p);
	if (a->h == NULL) {
		rte_free(a);
		return NULL;
	}
	a->capacity = p.entries;
	a->key_len = key_len;
	return a;
}

struct nc_affinity *
nc_affinity_create(const char *name, uint32_t capacity, int socket)
{
	RTE_BUILD_BUG_ON(sizeof(struct aff_key) != sizeof(uint64_t));
	return create(name, capacity, socket, sizeof(struct aff_key), aff_hash);
}

struct nc_affinity *
nc_affinity_create6(const char *name, uint32_t capacity, int socket)
{
	RTE_BUILD_BUG_ON(sizeof(struct aff6_key) != 20);
	return create(name, capacity, socket, sizeof(struct aff6_key), rte_hash_crc);
}

void
nc_affinity_free(struct nc_affinity *a)
{
	if (a == NULL)
		return;
	rte_hash_free(a->h);
	rte_free(a);
}

static inline struct aff_key
key_of(uint32_t ip, uint8_t svc)
{
	struct aff_key k = { .ip = ip, .svc = svc };

	return k;
}

int
nc_affinity_lookup(struct nc_affinity *a, uint32_t client_ip, uint8_t svc, uint32_t now_ms)
{
	struct aff_key k = key_of(client_ip, svc);
	void *d;

	if (rte_hash_lookup_data(a->h, &k, &d) < 0)
		return -ENOENT;
	if (expired(d, now_ms)) {
		rte_hash_del_key(a->h, &k);
		return -ENOENT;
	}
	return server_of(d);
}

int
nc_affinity_set(struct nc_affinity *a, uint32_t client_ip, uint8_t svc, uint8_t server,
		uint32_t expire_ms)
{
	struct aff_key k = key_of(client_ip, svc);

	return rte_hash_add_key_data(a->h, &k, pack(server, expire_ms)) < 0 ? -ENOSPC : 0;
}

static inline struct aff6_key
key6_of(const uint8_t *prefix, uint8_t svc)
{
	struct aff6_key k __rte_aligned(8) = { .svc = svc };   /* hashed 8 bytes at a time */

	memcpy(k.prefix, prefix, 16);
	return k;
}

int
nc_affinity_lookup6(struct nc_affinity *a, const uint8_t *prefix, uint8_t svc, uint32_t now_ms)
{
	struct aff6_key k __rte_aligned(8) = key6_of(prefix, svc);
	void *d;

	if (rte_hash_lookup_data(a->h, &k, &d) < 0)
		return -ENOENT;
	if (expired(d, now_ms)) {
		rte_hash_del_key(a->h, &k);
		return -ENOENT;
	}
	return server_of(d);
}

int
nc_affinity_set6(struct nc_affinity *a, const uint8_t *prefix, uint8_t svc, uint8_t server,
		 uint32_t expire_ms)
{
	struct aff6_key k __rte_aligned(8) = key6_of(prefix, svc);

	return rte_hash_add_key_data(a->h, &k, pack(server, expire_ms)) < 0 ? -ENOSPC : 0;
}

unsigned int
nc_affinity_expire(struct nc_affinity *a, uint32_t now_ms, unsigned int budget)
{
	unsigned int removed = 0, seen = 0;
	const void *key;
	void *d;

	while (seen < budget) {
		int32_t pos = rte_hash_iterate(a->h, &key, &d, &a->iter);

		if (pos < 0) {          /* end of the table: start over next time */
			a->iter = 0;
			break;
		}
		seen++;
		if (expired(d, now_ms)) {
			union {
				struct aff_key k4;
				struct aff6_key k6 __rte_aligned(8);
			} k;

			memcpy(&k, key, a->key_len);
			rte_hash_del_key(a->h, &k);
			removed++;
		}
	}
	return removed;
}

uint32_t
nc_affinity_count(const struct nc_affinity *a)
{
	return (uint32_t)rte_hash_count(a->h);
}

uint32_t
nc_affinity_capacity(const struct nc_affinity *a)
{
	return a->capacity;
}
