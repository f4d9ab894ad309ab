/* SPDX-License-Identifier: BSD-3-Clause
 * Dispatch schedules: the immutable object a worker reads to pick a server for
 * a new flow. EAL-free.
 */
#ifndef NC_SCHED_TYPES_H
#define NC_SCHED_TYPES_H

#include <stdint.h>

#include "nc_limits.h"   /* NC_MAX_SERVERS */

#define NC_SCHED_MAX_SLOTS   512

/* One server as the data plane needs it to open a flow. */
struct nc_sched_server {
	uint32_t addr;      /* network order; an IPv6 server: nc_maglev_server_id6() */
	uint16_t port;      /* network order */
	uint8_t up;         /* 1: may get new flows */
	uint8_t weight;     /* percent, as published */
	uint32_t nh;        /* neighbor slot of the next hop towards the server */
};

/* An entry of a Maglev table that no server holds (only while it is built). */
#define NC_MAGLEV_EMPTY 0xff

/*
 * A published schedule: servers and the slot sequence of server indexes.
 * Workers keep a private cursor and take slot[cursor++ % n_slots].
 * A maglev schedule has the same slots (the smooth cycle of its weights: the
 * fail-safe's next server, where there is no key to hash) and its lookup
 * table: a new flow's server is maglev[nc_maglev_entry(hash of its key)].
 * Never modified after publication; freed after an RCU grace period.
 */
struct nc_schedule {
	uint32_t version;
	uint16_t n_servers;
	uint16_t n_slots;       /* 0: no server up */
	uint8_t kind;           /* enum nc_sched_kind */
	uint8_t pad[3];
	uint32_t maglev_size;   /* entries of maglev[]; 0 unless kind is maglev and n_slots != 0 */
	uint64_t maglev_salt;   /* nc_maglev_salt(seed): what keys are hashed with */
	const uint8_t *maglev;  /* server index per entry (in this allocation), or NULL */
	struct nc_sched_server server[NC_MAX_SERVERS];
	uint16_t slot[];
};

_Static_assert(NC_MAX_SERVERS < NC_MAGLEV_EMPTY, "a Maglev entry holds a server index in a byte");

#endif /* NC_SCHED_TYPES_H */
