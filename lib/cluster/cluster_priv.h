/* SPDX-License-Identifier: BSD-3-Clause
 * The cluster channel's private state. Never included outside lib/cluster.
 */
#ifndef NC_CLUSTER_PRIV_H
#define NC_CLUSTER_PRIV_H

#include "nc_cluster.h"

void cl_put16(uint8_t *p, uint16_t v);
void cl_put32(uint8_t *p, uint32_t v);
void cl_put64(uint8_t *p, uint64_t v);
uint16_t cl_get16(const uint8_t *p);
uint32_t cl_get32(const uint8_t *p);
uint64_t cl_get64(const uint8_t *p);

#define CL_MEAS_SLOTS 2   /* intervals kept per peer and service: the one merging, the next */

/* One dispatcher's figures of one interval of one service. */
struct cl_meas {
	uint64_t k;
	uint64_t have;                       /* bit per server slot received */
	uint8_t n;                           /* server slots */
	bool used;
	struct nc_rt_agg agg[NC_MAX_SERVERS];
};

/* Weights as published after an interval (a WEIGHTS record). */
struct cl_weights {
	bool valid;
	bool synced;
	uint64_t k;
	struct nc_wset ws;
	struct nc_adapt_state ad;
};

/* A peer's side of a service slot of ours, matched by name. */
struct cl_peer_svc {
	bool digest_known;
	uint8_t digest[NC_CL_DIGEST_LEN];
	bool mismatch_logged;                /* the current mismatch was logged */
	struct cl_weights w;
	struct cl_meas *meas;                /* CL_MEAS_SLOTS, allocated on first use */
};

struct cl_peer {
	uint32_t addr;
	uint8_t addr6[16];                   /* an IPv6 channel's (nc_cluster.family) */
	uint16_t port;
	int id;                              /* -1: never heard */
	enum nc_cluster_peer_state state;
	enum nc_cluster_state said;
	bool heard;
	uint64_t last_ms;                    /* our clock at the last accepted message */
	uint64_t epoch, seq;                 /* last accepted */
	uint64_t rx_ok;
	int64_t rtt_us;
	/* for our echo: its clock in its last STATE and when we got it */
	bool echo_valid;
	uint64_t echo_tx_ms, echo_rx_ms;
	unsigned int n_macs;
	uint8_t mac[NC_CL_MAX_MACS][6];
	struct cl_peer_svc svc[NC_MAX_SERVICES];
};

struct cl_svc {
	bool used;
	char name[NC_NAME_MAX];
	uint8_t digest[NC_CL_DIGEST_LEN];
	uint8_t n;
	uint32_t interval_ms;                /* 0: not adaptive */
	bool synced;
	struct cl_weights w;                 /* ours, last published */
	struct cl_meas own;                  /* our figures of the interval pending */
	bool pending;                        /* own figures put, not merged yet */
	unsigned int contributors;
	uint64_t merges, merges_partial, adopted;
};

struct nc_cluster {
	int fd;
	uint8_t family;                      /* AF_INET or AF_INET6 */
	uint8_t id;
	uint64_t epoch, seq;
	uint8_t secret[NC_CLUSTER_SECRET_MAX];
	size_t secret_len;
	uint32_t heartbeat_ms, dead_ms;
	uint64_t start_ms, next_hb_ms;
	uint32_t join_ms;       /* a starting dispatcher's wait for a synced peer */
	bool alone_checked;                  /* the start-up wait for synced peers is over */
	enum nc_cluster_state state;
	unsigned int n_macs;
	uint8_t mac[NC_CL_MAX_MACS][6];
	nc_cluster_log_cb log;
	void *log_arg;
	nc_cluster_event_cb event;
	nc_cluster_rec_cb rec;
	void *cb_arg;
	bool detect_stall;
	uint64_t last_poll_ms;               /* 0: not polled yet */
	struct nc_cl_msg sync;               /* the sync message being built */
	unsigned int n_hb_rec;
	struct { uint16_t type; uint16_t len; uint8_t val[256]; } hb_rec[4];
	unsigned int n_peers;
	struct cl_peer peer[NC_CLUSTER_MAX_PEERS];
	unsigned int n_services;
	struct cl_svc svc[NC_MAX_SERVICES];
	struct nc_cluster_counters cnt;
};

#endif /* NC_CLUSTER_PRIV_H */
