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
	uint32_t addr;      /* network order */
	uint16_t port;      /* network order */
	uint8_t up;         /* 1: may get new flows */
	uint8_t weight;     /* percent, as published */
	uint32_t nh;        /* neighbor slot of the next hop towards the server */
};

/*
 * A published schedule: servers and the slot sequence of server indexes.
 * Workers keep a private cursor and take slot[cursor++ % n_slots].
 * Never modified after publication; freed after an RCU grace period.
 */
struct nc_schedule {
	uint32_t version;
	uint16_t n_servers;
	uint16_t n_slots;   /* 0: no server up */
	struct nc_sched_server server[NC_MAX_SERVERS];
	uint16_t slot[];
};

#endif /* NC_SCHED_TYPES_H */
