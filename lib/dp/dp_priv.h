/* SPDX-License-Identifier: BSD-3-Clause
 * Data-plane internals shared by dp.c (set-up, control) and dp_worker.c
 * (fast path). Never included outside lib/dp.
 */
#ifndef NC_DP_PRIV_H
#define NC_DP_PRIV_H

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_hash_crc.h>
#include <rte_ip_frag.h>
#include <rte_ring.h>
#include <rte_rcu_qsbr.h>
#include <rte_seqlock.h>

#include "nc_dp.h"
#include "nc_flow.h"
#include "nc_neigh.h"
#include "nc_sched.h"
#include "nc_net.h"
#include "nc_monitor.h"
#include "nc_probe.h"
#include "nc_txstore.h"
#include "nc_affinity.h"
#include "dp_frag.h"
#include "nc_syncookie.h"

#define NC_DP_MAX_LIPS     64     /* distinct local IPs over all services */
#define NC_ADDR_TABLE_SIZE 1024   /* owned addresses, open addressing */
#define NC_SVC_TABLE_SIZE  256    /* (vip, port, proto) -> service */
#define NC_TXB_MAX         1024   /* TX buffer per port: burst x (1 + handoff) */
#define NC_HANDOFF_RING    4096
#define NC_CTL_RING        4096
#define NC_DP_REDIRECT_ON  (1ULL << 63)
#define NC_MAX_BURST       512

/* Owned address: a port address, a VIP, a local IP (or several of these). */
struct nc_addr_ent {
	uint32_t ip;          /* network order; 0 = empty */
	uint16_t lip_plus1;   /* local IP index + 1, 0 if not a local IP */
	uint8_t used;
	uint8_t host_plus1;   /* port index + 1 when a port's host address (exception
	                       * path: what the data plane does not answer goes to
	                       * that port's kernel interface), else 0 */
};

struct nc_svc_ent {
	uint32_t vip;         /* network order */
	uint16_t port;        /* network order */
	uint8_t proto;
	uint8_t svc_plus1;    /* 0 = empty */
};

/* Read-only run-time view of a service. */
struct nc_dp_svc {
	uint32_t vip;
	uint16_t port;
	uint8_t proto;
	uint8_t kind;                         /* enum nc_sched_kind */
	uint16_t n_lips;
	uint16_t lip[NC_MAX_LOCAL_IPS];       /* indexes into nc_dp.lip */
	uint8_t failsafe;                     /* hold requests, replay on failure */
	uint8_t max_replays;
	uint8_t fs_protocol;                  /* enum nc_fs_protocol */
	uint8_t fs_replay;                    /* enum nc_fs_replay */
	uint32_t resp_timeout_ms;
	uint32_t hold_limit;                  /* request bytes held per TCP connection */
	uint32_t persist_ms;                  /* client affinity; 0: none */
	uint8_t client_addr;                  /* enum nc_client_addr for new flows */
	uint8_t syn_proxy;                    /* enum nc_syn_proxy (dp->synp_on: answering now) */
	uint32_t synp_worker_max;             /* "auto": a worker's own handshakes under way
					       * from which it answers with cookies before
					       * the control lcore's next look; 0: none */
	char name[NC_NAME_MAX];
};

enum nc_ctl_msg_type {
	NC_CTL_PKT = 1,       /* m: an ARP frame or ICMP echo request for us */
	NC_CTL_RESOLVE,       /* ip: resolve this on-link neighbor on port pidx; m (if
			       * any) waits for it, then goes back to worker <worker> */
	NC_CTL_FAILOVER,      /* ev: a held request's server failed (log it, mark it down) */
	NC_CTL_MISS,          /* m: a TCP segment of no flow here (or an ICMP error
			       * about one's packet), with sync on: a replica may
			       * have it (nc_miss_cb) */
	NC_CTL_RESOLVE6,      /* m: an IPv6 client packet whose sender's next hop is not
			       * resolved; it waits for it, then goes back to <worker> */
};

/* A fail-over, as a worker reports it to the control lcore. */
struct nc_failover_ev {
	uint8_t svc;
	uint8_t from;         /* the server that failed */
	uint8_t to;           /* where the flow went; NC_FAILOVER_RESET, NC_FAILOVER_STUCK:
	                       * the client was reset */
	uint8_t why;          /* enum nc_failover_why */
	uint16_t cport;       /* client port, network order */
	uint8_t proto;
	uint8_t v6;           /* the client is IPv6: its address in nc_ctl_msg.ip6 */
};
#define NC_FAILOVER_RESET 0xff   /* no other server up, or max_replays reached */
#define NC_FAILOVER_STUCK 0xfe   /* the connection could not move: part of a response had
				  * reached the client, or no request was held whole or
				  * could be replayed */
enum nc_failover_why { NC_FO_TIMEOUT = 0, NC_FO_SERVER_DOWN, NC_FO_SERVER_RESET, NC_FO_UNREACHABLE,
	NC_FO_SERVER_CLOSED /* an idle keep-alive connection closed by its server: not a failure */,
	NC_FO_DISPATCHER    /* taken over from a dead dispatcher, unanswered at its deadline:
			     * not the server's failure */ };

/* Typed message from a worker to the control lcore (ring element, 32 bytes). */
struct nc_ctl_msg {
	uint8_t type;
	uint8_t worker;
	uint16_t pidx;
	uint32_t ip;                          /* FAILOVER: the client */
	union {
		struct rte_mbuf *m;
		struct nc_failover_ev ev;
	};
	uint8_t ip6[16];                      /* FAILOVER: an IPv6 client (ev.v6) */
};

/* A client packet waiting on the control lcore for its sender's MAC (at most
 * NC_PENDING_PER_IP per address, as a host's unresolved queue). */
#define NC_PENDING_MAX     1024
#define NC_PENDING_PER_IP  64
#define NC_PENDING_MS      3000
#define NC_PENDING_V6      0x80000000u
struct nc_pending {
	struct rte_mbuf *m;
	uint32_t ip;                          /* network order; IPv6: the neighbor
	                                       * entry index | NC_PENDING_V6 */
	uint16_t worker;
	uint64_t deadline;                    /* tsc */
};

/* Health probes use local ports from NC_PROBE_PORT_BASE up, one per probed
 * server over all services, never given to client flows. */
#define NC_PROBE_PORT_BASE 1024
#define NC_PROBE_FIRST_MS  250   /* first probe after start-up */
#define NC_MON_MIN_SAMPLES 3
#define NC_FAIL_TIMEOUT_MS 10000  /* a failed server without probes returns after this */     /* fewer passive samples: probe round trips count too */

/* The control lcore's monitor state of one server. */
struct nc_mon_srv {
	struct nc_probe probe;
	struct nc_probe_target tgt;
	struct nc_health health;
	uint16_t probe_port;          /* host order; 0: not probed */
	uint32_t nh;                  /* neighbor entry towards the server */
	uint64_t probe_next;          /* tsc: next probe */
	uint64_t probe_deadline;      /* tsc: the probe in flight fails */
	uint64_t probe_rt_sum;        /* good probes this interval */
	uint64_t probe_rt_n;
	struct nc_rt_acc rt_prev;     /* workers' totals at the last interval */
	uint64_t fail_until;          /* tsc: taken down by the fail-safe, no probes: back then */
	uint8_t admin;                /* enum nc_admin_state */
	uint8_t joining;              /* added without probes: up once its next hop resolves */
};

/* The control lcore's monitor state of one service; <lock> guards the views
 * for readers on other threads (telemetry). */
struct nc_mon_svc {
	struct nc_wset ws;
	struct nc_adapt_state ad;
	uint64_t next_interval;       /* tsc */
	struct nc_mon_srv *srv;       /* n_servers */
	rte_seqlock_t lock;
	struct nc_service_view view;
	struct nc_server_view *srv_view;
};

/*
 * IPv6: the appliance's own addresses and services, searched in order (a
 * handful each; IPv4 keeps its hashed tables), the local addresses by local
 * IP index (their ports in the shared pools and lport_map), and each
 * service's servers' addresses. dp_v6.c reads them; dp.c builds them.
 */
#define NC_ADDR6_MAX 64
struct nc_addr6_ent {
	uint8_t ip[16];
	uint16_t lip_plus1;   /* local IP index + 1, 0 if not a local IP */
	uint8_t port_plus1;   /* a port's own address: that port + 1 */
	uint8_t host_plus1;   /* a port's host6: that port + 1 (what the data plane
	                       * does not answer goes to its kernel interface) */
};

struct nc_svc6_ent {
	uint8_t vip[16];
	uint16_t port;        /* network order */
	uint8_t proto;
	uint8_t svc;
	uint8_t nat64;        /* IPv4 servers: translated (RFC 7915) */
	uint8_t prefix6;      /* persistence_prefix6: a client's affinity and maglev key */
};

#define NC_ADDR6_HASH 128   /* addr's index by address, open addressing */
#define NC_SVC6_HASH  64    /* svc's index by (VIP, port, protocol) */

struct nc_dp_v6 {
	uint16_t n_addr;
	uint16_t n_svc;
	struct nc_addr6_ent addr[NC_ADDR6_MAX];
	struct nc_svc6_ent svc[NC_MAX_SERVICES];
	/* entry + 1 of addr and svc by hash (nc_dp_addr6_find, nc_dp_svc6_find);
	 * 0: empty. Both only grow while the tables are built (dp_nd.c). */
	uint8_t addr_at[NC_ADDR6_HASH];
	uint8_t svc_at[NC_SVC6_HASH];
	uint8_t lip[NC_DP_MAX_LIPS][16];
	uint8_t server[NC_MAX_SERVICES][NC_MAX_SERVERS][16];
};

/*
 * The tables a packet is classified by: each service's run-time view, the
 * appliance's own addresses, (VIP, port, protocol) -> service. Published by
 * one pointer like the schedules and never changed after publication: a
 * change at run time edits a copy (nc_dp_tables_edit), publishes it
 * (nc_dp_tables_publish) and frees the old one once every worker passed a
 * quiescent state. A worker reads the current ones through w->tb, taken
 * again at every tick.
 */
struct nc_dp_tables {
	struct nc_dp_svc svc[NC_MAX_SERVICES];
	struct nc_addr_ent addr[NC_ADDR_TABLE_SIZE];
	struct nc_svc_ent svct[NC_SVC_TABLE_SIZE];
	struct nc_dp_v6 v6;
};

/* One pending deadline of a per-worker timer queue (client addresses' PROXY
 * headers, the SYN proxy's SYNs): flow <idx>, whose deadline was <due_ms>
 * when queued (a flow's later state tells a stale entry by its own due_ms).
 * Entries are queued in sending order with one timeout, so a queue is in
 * deadline order. */
struct nc_flow_timer {
	uint32_t idx;
	uint32_t due_ms;
};

/* Queue <q> (<size> entries, a power of two; <head>, <tail> counting up):
 * flow <idx>'s deadline <due_ms> added at the tail, 0, or -ENOSPC when full. */
static inline int
nc_flow_timer_add(struct nc_flow_timer *q, uint32_t size, uint32_t head, uint32_t *tail,
		  uint32_t idx, uint32_t due_ms)
{
	if (unlikely(*tail - head == size))
		return -ENOSPC;
	q[(*tail)++ & (size - 1)] = (struct nc_flow_timer){ .idx = idx, .due_ms = due_ms };
	return 0;
}

/* ... its head entry taken into <t> when its deadline has come at <now_ms>:
 * 1, or 0 (empty, or the head not due yet). */
static inline int
nc_flow_timer_due(const struct nc_flow_timer *q, uint32_t size, uint32_t *head, uint32_t tail,
		  uint32_t now_ms, struct nc_flow_timer *t)
{
	if (*head == tail)
		return 0;
	*t = q[*head & (size - 1)];
	if ((int32_t)(now_ms - t->due_ms) < 0)
		return 0;
	(*head)++;
	return 1;
}

struct nc_txbuf {
	uint16_t n;
	struct rte_mbuf *m[NC_TXB_MAX];
};

#define NC_SRC_BUCKETS 65536   /* per worker: 512 KiB */
struct nc_src_bucket {
	uint32_t ms;       /* worker clock at the last refill */
	uint32_t tokens;   /* in 1000ths */
};

struct nc_worker {
	struct nc_dp *dp;
	const struct nc_dp_tables *tb;        /* dp->tables as of this worker's last tick */
	uint16_t id;
	uint16_t lcore;
	uint16_t rxq;                         /* queue index on every port */
	uint16_t txq;
	uint16_t burst;
	uint32_t now_ms;
	uint32_t now_us;                      /* response times (wraps after 71 min) */
	uint64_t tick_tsc;                    /* tsc at the last tick */
	uint8_t release_frame;                /* the packet in the server leg released a
	                                       * synced UDP request (dp_sync.c) */
	struct nc_flow_table *flows;
	struct nc_flow *flow;                 /* flows' array (nc_flow_at(flows, 0)): it never moves */
	struct nc_flow6_addr *a6;             /* IPv6 flows' addresses (nc_flow6_addrs()): */
	uint32_t a6_first, a6_n;              /* flow a6_first + i's at a6[i], i < a6_n */
	struct nc_srv_stats *srv;             /* [svc * NC_MAX_SERVERS + server] */
	struct nc_txstore *txs;               /* held requests (fail-safe services) */
	uint32_t *txc;                        /* per flow index: chain head, tail */
	struct nc_tcpfs *tfs;                 /* per flow index, with a TCP fail-safe service
					       * (dp_failsafe.h) */
	struct nc_flow_seq *seqw;             /* per flow index, when a service acts on ICMP
					       * errors (fail-safe, IPv6): its TCP legs'
					       * sequence windows (dp_fastpath.h) */
	struct nc_affinity *aff;              /* client affinity (persistence_s) */
	struct nc_affinity *aff6;             /* IPv6 clients' (per persistence_prefix6) */
	struct nc_src_bucket *srcb;           /* limits.new_flows_per_source: NC_SRC_BUCKETS */
	struct nc_synp *synp;                 /* per flow index, when a service had syn_proxy
					       * at start (dp_synproxy.h) */
	struct nc_ca_state *cas;              /* per flow index, when a TCP service had a
					       * client_address at start (dp_client_addr.h) */
	struct nc_flow_timer *caq;            /* headers awaiting acknowledgement: NC_CA_QUEUE
					       * entries, deadline order */
	uint32_t caq_head, caq_tail;
	struct nc_flow_timer *spq;            /* SYNs made for proxied clients awaiting their
					       * servers' answer: NC_SP_QUEUE, deadline order */
	uint32_t spq_head, spq_tail;
	struct rte_ring *sync_ring;           /* sync records to the control lcore (dp_sync.c) */
	struct rte_ring *adopt_ring;          /* flows to install, from the control lcore */
	struct rte_ring *back_ring;           /* proxied SYN-ACKs whose records left
					       * (nc_dp_sync_frame_back) */
	uint32_t walk_gen, walk_busy, walk_pos;   /* the last walk done, the one under
	                                       * way and where it is */
	uint32_t flush_gen;                   /* the last flush done */
	uint32_t down_gen;                    /* last dp->down_gen acted on */
	struct rte_ring *handoff;             /* packets other workers pass to us */
	uint32_t sched_cursor[NC_MAX_SERVICES];
	uint16_t lip_cursor[NC_MAX_SERVICES];
	struct nc_txbuf tx[NC_MAX_PORTS];
	struct rte_ip_frag_tbl *frag_tbl;     /* fragments under reassembly (dp_frag.c) */
	struct nc_frag_seen *frag_seen;       /* their ranges: NC_FRAG_SEEN entries */
	uint64_t frag_ms;                     /* the table's clock: now_ms without wrap */
	uint32_t frag_last_ms;                /* now_ms when frag_ms last moved */
	uint32_t frag6_id;                    /* IPv6 fragments out: next identification */
	struct rte_ip_frag_death_row frag_dr; /* fragments to free after the burst */
	struct nc_dp_stats st __rte_cache_aligned;
} __rte_cache_aligned;

/* What only the control lcore writes and reads: its counters, the monitor,
 * pending resolutions, its timers. An allocation of its own, so that none of
 * it shares a cache line with what the workers read per packet. */
#define NC_DP_LIMITS 3   /* limits that refuse new flows: dp_limits.c */
struct nc_dp_ctl {
	struct nc_ctl_stats st;
	uint64_t start_tsc;
	uint64_t last_mon_scan;               /* tsc: probe timers and intervals run */
	uint64_t last_admin_scan;             /* tsc: removals checked */
	uint64_t last_probe;                  /* tsc: unresolved next hops probed, reclaim */
	uint64_t limits_at;                   /* tsc: limits' drops last looked at */
	uint64_t limits_seen[NC_DP_LIMITS];   /* ... and how many there were (dp_limits.c) */
	uint64_t synp_at;                     /* tsc: syn_proxy auto last looked at */
	uint64_t synp_log_at[NC_MAX_SERVICES];   /* tsc: its last log line per service */
	uint64_t synp_unvalid[NC_MAX_SERVICES];  /* cookies sent less valid ones, then */
	nc_interval_cb interval_cb;
	void *interval_arg;
	bool interval_external;               /* intervals run by nc_dp_interval_* (cluster) */
	nc_event_cb event_cb;
	void *event_arg;
	struct nc_mon_svc mon[NC_MAX_SERVICES];
	bool exc_more;                        /* the last poll left frames in a TAP */
	uint16_t exc_port[NC_MAX_PORTS];      /* DPDK port of each port's kernel (TAP)
	                                       * interface; NC_DP_NO_EXC when none */
	bool probes_paused;                   /* nc_dp_probes_pause() */
	uint8_t lip_held[NC_DP_MAX_LIPS];     /* answered for (ARP, echo): ours without
	                                       * sync; with it, as nc_dp_lip_hold() says */
	uint64_t lip_fresh_until;             /* tsc: local IPs answered for until then
	                                       * (nc_dp_lip_fresh); 0: always */
	nc_miss_cb miss_cb;
	void *miss_arg;
	uint16_t n_pending;
	struct nc_pending pending[NC_PENDING_MAX];
};

/*
 * The data plane. The workers read its first part on every packet: written
 * at start-up, and for a service added or changed at run time only through
 * single aligned stores of the control lcore (nc_dp_svc_publish,
 * nc_dp_service_set_failsafe). The control lcore's signals to the workers
 * sit on a cache line of their own; its own state lives in <ctl>.
 */
struct nc_dp {
	/* ---- read per packet (read-mostly) ---- */
	struct nc_config *cfg;                /* own copy; run-time changes edit it */
	uint16_t n_ports;
	uint16_t n_services;
	uint16_t n_workers;
	uint16_t n_lips;
	uint16_t port_id[NC_MAX_PORTS];
	uint8_t pidx_of[RTE_MAX_ETHPORTS];    /* DPDK port id -> port index */
	struct rte_ether_addr mac[NC_MAX_PORTS];
	uint8_t tx_one_seg[NC_MAX_PORTS];     /* nc_dp_port_setup.tx_one_seg */
	uint32_t lip[NC_DP_MAX_LIPS];         /* network order */
	struct nc_dp_tables *tables;          /* published (RCU): workers read w->tb */
	uint64_t redirect[NC_MAX_PORTS];      /* per port: a draining peer's MAC |
	                                       * NC_DP_REDIRECT_ON, or 0 (control lcore
	                                       * stores, workers load on a flow miss) */
	/* timeouts in ms */
	uint32_t to_syn, to_est, to_fin, to_udp;
	uint32_t to_udp_unreplied;            /* a UDP flow no server answered */
	/* limits.* (0: off), each worker's share: new flows per client (a token
	 * bucket: units a ms, and at most, 1000 a token), the service's
	 * handshakes under way and unanswered UDP flows */
	uint32_t lim_rate, lim_burst, lim_half_open, lim_unreplied;
	uint64_t lim_mask6;   /* an IPv6 client's source: its first 8 bytes & this (memory order) */
	uint32_t src_seed;                    /* the buckets' hash: secret, random at start */
	uint8_t synp;                         /* some TCP service had syn_proxy at start:
					       * workers keep its per-flow state */
	uint8_t synp_on[NC_MAX_SERVICES];     /* answer the service's SYNs with cookies now
					       * (the control lcore's single-byte stores) */
	struct nc_syncookie_key synp_key;     /* the cookies' secret: random at start, or
					       * limits.syn_cookie_secret */
	uint32_t synp_clock;                  /* wall clock (ms, mod 2^32) - worker clock:
					       * the cookies' time counter runs on it */
	uint64_t tsc_hz;
	uint64_t tsc_per_ms;
	uint64_t tsc_per_us;
	struct nc_neigh_table *neigh;
	struct rte_rcu_qsbr *qsbr;
	struct nc_sched_set *sched;
	struct nc_schedule *const *sched_slot[NC_MAX_SERVICES];
	struct rte_ring *ctl_ring;            /* workers -> control */
	struct rte_ring *ctl_tx;              /* control -> worker 0: frames to send */
	struct rte_mempool *ctl_pool;
	uint32_t *lport_map;
	struct rte_mempool *txpool;           /* private copies of held requests */
	struct rte_mempool *ca_pool;          /* PROXY header segments (TCP client_address) */
	struct rte_mempool *sp_pool;          /* SYNs the SYN proxy sends again on its timer */
	struct rte_mempool *frag_direct;      /* fragments out: their headers ... */
	struct rte_mempool *frag_indirect;    /* ... and their data (dp_frag.c) */
	uint64_t frag_reassembled_flag;       /* mbuf flag of a chain reassembled here */
	uint32_t store_size;                  /* entries per worker's store; 0: none */
	uint8_t tcp_failsafe;                 /* some TCP service has the fail-safe on */
	uint8_t ca_tcp;                       /* some TCP service had a client_address at
	                                       * start: workers keep its per-flow state */
	uint8_t probing;                      /* some service has probes: steer their replies */
	uint8_t v6;                           /* some service has an IPv6 VIP: IPv6 flow
	                                       * slots and neighbor tables (from the start) */
	uint8_t sync;                         /* flow sync started (dp_sync.c) */
	uint8_t sync_quarantine;              /* a stall seen: forward nothing (dp_sync.c) */
	uint32_t sync_stall_ms;               /* a worker loop this still is a stall; 0: off */
	int sync_back_off;                    /* mbuf dynfield: a proxied SYN-ACK's struct
					       * nc_sync_back (dp_sync.c) */
	uint16_t n_own_lips;                  /* lip[0..n_own_lips) are ours, the rest
	                                       * the peers' (taken over when one dies) */
	uint8_t lip_foreign[NC_DP_MAX_LIPS];  /* a peer's local IP we do not hold: its
	                                       * flows' answers go elsewhere, so the
	                                       * fail-safe holds nothing of them */
	uint16_t probe_lo, probe_hi;          /* probe ports, host order: [lo, hi) */
	uint16_t probe_slot[NC_MAX_SERVICES * NC_MAX_SERVERS];  /* port - lo -> svc << 8 | server */
	uint16_t probe_base[NC_MAX_SERVICES];  /* a service's first probe port */
	struct nc_worker *worker[NC_MAX_WORKERS];
	const struct nc_rss *rss;             /* the ports' RSS, predicted: flows owned by
	                                       * the worker of their client's queue, local
	                                       * ports steered (nc_dp_port_setup); NULL: off */
	uint8_t rss_qmask;                    /* n_workers - 1, with rss */
	/* ---- control lcore -> workers: checked once per worker loop ---- */
	uint32_t down_gen __rte_cache_aligned;   /* bumped when the monitor takes a server down */
	uint32_t sync_walk_gen;               /* bumped: report every synced flow again */
	uint32_t sync_flush_gen;              /* bumped: drop every flow, unreported */
	volatile int stop;
	/* ---- the control lcore's own ---- */
	struct nc_dp_ctl *ctl __rte_cache_aligned;
};

/* An address of the startup file (host order) as the wire has it. */
static inline uint32_t
nc_be32(uint32_t host)
{
	return rte_cpu_to_be_32(host);
}

/* The least weight an up server of <cs> keeps (adaptive.min_weight, at least 1). */
static inline uint8_t
nc_svc_min_weight(const struct nc_cfg_service *cs)
{
	return cs->adaptive.min_weight != 0 ? cs->adaptive.min_weight : 1;
}

static inline uint32_t
nc_hash32(uint32_t x)
{
	return (x * 2654435761u);
}

/*
 * The worker owning IPv4 client key <k> (hash <hash>) of service <svc>: with
 * affinity, the client address's, so that its entry lives in one worker's
 * table; with the ports' RSS known (dp->rss), the worker of the queue the
 * client's packets reach, by the NIC's hash when <m> carries it, else by the
 * same hash computed (a reassembled datagram, a synced record); otherwise
 * the key's hash spread over the workers.
 */
static inline uint16_t
nc_dp_owner4(const struct nc_dp *dp, const struct nc_dp_tables *tb, unsigned int svc,
	     const struct nc_flow_key *k, uint32_t hash, const struct rte_mbuf *m)
{
	if (tb->svc[svc].persist_ms != 0)
		return (uint16_t)((uint64_t)nc_hash32(k->src_ip) * dp->n_workers >> 32);
	if (dp->rss != NULL) {
		uint32_t h = m != NULL && (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) ? m->hash.rss :
			nc_rss4(dp->rss, k->src_ip, k->dst_ip, k->src_port, k->dst_port);

		return (uint16_t)(h & dp->rss_qmask);
	}
	return (uint16_t)((uint64_t)hash * dp->n_workers >> 32);
}

/*
 * The worker owning IPv6 client key <k> (hash <hash>) of service entry <se>,
 * as nc_dp_owner4(): with affinity, the client prefix's; the NIC's hash in
 * <m> is taken only from a packet without extension headers (<m> NULL
 * otherwise), which NICs may hash by addresses alone.
 */
static inline uint16_t
nc_dp_owner6(const struct nc_dp *dp, const struct nc_dp_tables *tb, const struct nc_svc6_ent *se,
	     const struct nc_flow6_key *k, uint32_t hash, const struct rte_mbuf *m)
{
	if (tb->svc[se->svc].persist_ms != 0) {
		uint8_t prefix[16] __rte_aligned(8);   /* rte_hash_crc reads 8 bytes at a time */

		nc_affinity_prefix6(k->src_ip, se->prefix6, prefix);
		hash = rte_hash_crc(prefix, sizeof(prefix), 0);
	} else if (dp->rss != NULL) {
		uint32_t h = m != NULL && (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) ? m->hash.rss :
			nc_rss6(dp->rss, k->src_ip, k->dst_ip, k->src_port, k->dst_port);

		return (uint16_t)(h & dp->rss_qmask);
	}
	return (uint16_t)((uint64_t)hash * dp->n_workers >> 32);
}

/* nc_flow_add()'s <steer> for a flow of worker <w> to IPv4 server
 * <addr>:<port> (network order): the worker's queue less the server's
 * share; NC_LPORT_ANY without RSS. */
static inline uint8_t
nc_dp_steer(const struct nc_worker *w, uint32_t addr, uint16_t port)
{
	const struct nc_dp *dp = w->dp;

	if (dp->rss == NULL)
		return NC_LPORT_ANY;
	return (uint8_t)((w->id ^ nc_rss4(dp->rss, addr, 0, port, 0)) & dp->rss_qmask);
}

/* ... to IPv6 server [<addr>]:<port>. */
static inline uint8_t
nc_dp_steer6(const struct nc_worker *w, const uint8_t *addr, uint16_t port)
{
	const struct nc_dp *dp = w->dp;

	if (dp->rss == NULL)
		return NC_LPORT_ANY;
	return (uint8_t)((w->id ^ nc_rss6(dp->rss, addr, NULL, port, 0)) & dp->rss_qmask);
}

/* Owned-address entry for <ip> (network order), or NULL. */
static inline const struct nc_addr_ent *
nc_dp_addr_find(const struct nc_dp_tables *tb, uint32_t ip)
{
	uint32_t i = nc_hash32(ip) >> 22;   /* 10 bits: NC_ADDR_TABLE_SIZE */

	for (;;) {
		const struct nc_addr_ent *e = &tb->addr[i];

		if (e->ip == ip)
			return e;
		if (e->ip == 0)
			return NULL;
		i = (i + 1) & (NC_ADDR_TABLE_SIZE - 1);
	}
}

/* Service index + 1 for (<vip>, <port>, <proto>), network order; 0 if none. */
static inline unsigned int
nc_dp_svc_by_tuple(const struct nc_dp_tables *tb, uint32_t vip, uint16_t port, uint8_t proto)
{
	uint32_t i = nc_hash32(vip ^ ((uint32_t)port << 8) ^ proto) >> 24;   /* 8 bits */

	for (;;) {
		const struct nc_svc_ent *e = &tb->svct[i];

		if (e->svc_plus1 == 0)
			return 0;
		if (e->vip == vip && e->port == port && e->proto == proto)
			return e->svc_plus1;
		i = (i + 1) & (NC_SVC_TABLE_SIZE - 1);
	}
}

/* Server slot of schedule <s> at IPv4 <ip>:<port> (network order), or -1. */
static inline int
nc_dp_server_of(const struct nc_schedule *s, uint32_t ip, uint16_t port)
{
	unsigned int i;

	for (i = 0; s != NULL && i < s->n_servers; i++)
		if (s->server[i].addr == ip && s->server[i].port == port)
			return (int)i;
	return -1;
}

/* Local IP <li> is answered for (ARP, Neighbor Discovery, echo): held, and
 * with sync only while the cluster's word is fresh - a dispatcher that was
 * frozen must not answer before it knows whether a peer took its addresses
 * meanwhile (nc_dp_lip_hold, nc_dp_lip_fresh). Control lcore. */
static inline int
nc_dp_lip_answered(const struct nc_dp *dp, uint16_t li)
{
	return dp->ctl->lip_held[li] &&
	       (dp->ctl->lip_fresh_until == 0 || rte_rdtsc() < dp->ctl->lip_fresh_until);
}

/* Slot of IPv6 address <ip> (any alignment) in a table of <size> (a power
 * of two), mixed with <x> (a service's port and protocol, else 0). */
static inline uint32_t
nc_dp_hash6(const uint8_t *ip, uint32_t x, uint32_t size)
{
	uint64_t w[2];

	memcpy(w, ip, sizeof(w));
	return (uint32_t)(((w[0] ^ (w[1] * 0x9e3779b97f4a7c15ull) ^ x) * 0xff51afd7ed558ccdull) >> 40) &
	       (size - 1);
}

/* IPv6 address <ip> of ours (any alignment), or NULL. Fast path. */
static inline const struct nc_addr6_ent *
nc_dp_addr6_find(const struct nc_dp_v6 *t, const uint8_t *ip)
{
	uint32_t i;

	for (i = nc_dp_hash6(ip, 0, NC_ADDR6_HASH); t->addr_at[i] != 0; i = (i + 1) & (NC_ADDR6_HASH - 1))
		if (nc_ip6_eq(t->addr[t->addr_at[i] - 1].ip, ip))
			return &t->addr[t->addr_at[i] - 1];
	return NULL;
}

/* IPv6 service of (<vip>, <port>, <proto>; network order), or NULL. Fast path. */
static inline const struct nc_svc6_ent *
nc_dp_svc6_find(const struct nc_dp_v6 *t, const uint8_t *vip, uint16_t port, uint8_t proto)
{
	uint32_t i;

	for (i = nc_dp_hash6(vip, (uint32_t)port << 8 | proto, NC_SVC6_HASH); t->svc_at[i] != 0;
	     i = (i + 1) & (NC_SVC6_HASH - 1)) {
		const struct nc_svc6_ent *e = &t->svc[t->svc_at[i] - 1];

		if (e->port == port && e->proto == proto && nc_ip6_eq(e->vip, vip))
			return e;
	}
	return NULL;
}

/* dp_monitor.c: set up probes and weights and publish the first schedules;
 * free; handle a frame that may answer a probe (consumes <m>); periodic work. */
int nc_dp_mon_init(struct nc_dp *dp);
void nc_dp_mon_free(struct nc_dp *dp);
void nc_dp_mon_input(struct nc_dp *dp, struct rte_mbuf *m);
unsigned int nc_dp_mon_poll(struct nc_dp *dp, uint64_t now);
/* dp_exception.c: hand frame <m> that arrived on port <pidx> for its host
 * address to the port's kernel interface (consumes <m>); bring what the kernel
 * interfaces sent to their ports. Control lcore. */
void nc_dp_exc_input(struct nc_dp *dp, struct rte_mbuf *m, uint16_t pidx);
unsigned int nc_dp_exc_poll(struct nc_dp *dp);

/* dp_failsafe.c: a client's SYN (<seq>) on established TCP flow <idx> of a
 * fail-safe service is a new connection, not the old one's; for the legs'
 * shared code (dp_fastpath.h). */
int nc_fs_syn_reopens(const struct nc_worker *w, uint32_t idx, uint32_t seq);

/* dp_ctl.c: hold client packet <m> until neighbor <ip> (network order; or an
 * entry index | NC_PENDING_V6) resolves, then hand it back to <worker>. */
void nc_dp_ctl_hold(struct nc_dp *dp, struct rte_mbuf *m, uint32_t ip, uint16_t worker);

/* dp_nd.c: IPv6's control part - Neighbor Discovery (solicitations for our
 * addresses answered, advertisements learned, next hops solicited) and echo
 * requests answered; a frame the workers passed up (consumes <m>); a
 * solicitation for entry <e> (multicast, or <unicast> to its known MAC); an
 * IPv6 packet waiting for its sender's next hop.
 * The port whose IPv6 prefixes hold <ip> (its own address there in <own>).
 * Control lcore. */
void nc_dp_nd_input(struct nc_dp *dp, struct rte_mbuf *m, uint16_t pidx, const struct nc_pkt *p);
void nc_dp_nd_probe(struct nc_dp *dp, struct nc_neigh_entry *e, int unicast);
void nc_dp_nd_resolve(struct nc_dp *dp, struct rte_mbuf *m, uint16_t pidx, uint16_t worker);
int nc_dp_port_of6(const struct nc_config *cfg, const uint8_t *ip, uint8_t *own);
/* dp_nd.c: the IPv6 parts of the start-up tables: owned addresses, services,
 * local addresses, servers (nc_dp_v6_tables), neighbors and routes
 * (nc_dp_v6_neighbors). Control lcore, at start. */
int nc_dp_v6_tables(struct nc_dp *dp, struct nc_dp_tables *tb);
/* ... and the peers' IPv6 local IPs (cluster.peers[].local_ips), after ours. */
int nc_dp_v6_peer_lips(struct nc_dp *dp, struct nc_dp_tables *tb);
int nc_dp_v6_neighbors(struct nc_dp *dp);
/* ... their steps: address <ip> into <t> (new, or its local IP index <lip>,
 * the port <port> it is an address of and the port <host> whose host6 it is
 * set where not -1): 0, or -ENOSPC past NC_ADDR6_MAX; and
 * service entry <i>, filled, into the index by (VIP, port, protocol). */
int nc_dp_addr6_insert(struct nc_dp_v6 *t, const uint8_t *ip, int lip, int port, int host);
void nc_dp_svc6_index(struct nc_dp_v6 *t, uint16_t i);
/* ... the local IP index of IPv6 address <ip> in <t>, or -ENOENT. */
int nc_dp_lip6_find(const struct nc_dp *dp, const struct nc_dp_v6 *t, const uint8_t *ip);
/* dp_nd.c: at run time, IPv6 service <s>'s local addresses, VIP, servers and
 * entry in <tb> (-ENOTSUP: a local address without port pools from the
 * start; -ENOSPC). Control lcore, on tables being edited (nc_dp_svc_publish). */
int nc_dp_svc6_publish(const struct nc_dp *dp, struct nc_dp_tables *tb, unsigned int s);

/* dp_ctl.c: <mac> may be a neighbor's: unicast, not zero, not one of our
 * ports' own. Control lcore. */
int nc_dp_mac_learnable(const struct nc_dp *dp, const struct rte_ether_addr *mac);

/* The netmask of a prefix of <len> bits (host order). */
static inline uint32_t
nc_prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

/* <ip> (host order) lies in prefix <px>. */
static inline int
nc_in_prefix(uint32_t ip, const struct nc_prefix *px)
{
	return ((ip ^ px->addr) & nc_prefix_mask(px->len)) == 0;
}

/* dp.c: the port whose subnets hold <ip> (host order) and, in <*own> if not
 * NULL, that port's own address there; -1 if none. Control lcore. */
int nc_dp_port_of(const struct nc_config *cfg, uint32_t ip, uint32_t *own);

/* Frame <m> that reached the control lcore goes no further: counted under
 * <why> with the workers' drops. Control lcore. */
static inline void
nc_dp_ctl_drop(struct nc_dp *dp, struct rte_mbuf *m, enum nc_drop why)
{
	dp->ctl->st.drop[why]++;
	rte_pktmbuf_free(m);
}

/* Queue a frame the control lcore built for port <pidx> (worker 0 sends it). */
static inline void
nc_dp_ctl_tx(struct nc_dp *dp, uint16_t pidx, struct rte_mbuf *m)
{
	m->port = dp->port_id[pidx];
	if (rte_ring_sp_enqueue(dp->ctl_tx, m) != 0) {
		dp->ctl->st.tx_failed++;
		rte_pktmbuf_free(m);
	}
}

/* dp_monitor.c, for dp_admin.c: publish service <s>'s schedule; refresh its
 * views' states; a server's counters summed over the workers; report an event. */
int nc_dp_mon_publish(struct nc_dp *dp, unsigned int s);
void nc_dp_mon_view_states(struct nc_dp *dp, unsigned int s);
void nc_dp_srv_totals(const struct nc_dp *dp, unsigned int s, unsigned int i,
		      struct nc_srv_stats *out, uint64_t *flows_opened);
void nc_dp_event(struct nc_dp *dp, enum nc_event_kind kind, unsigned int s, int server,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Set up server <i> of service <s>'s monitor state and view from the config. */
void nc_dp_mon_srv_init(struct nc_dp *dp, unsigned int s, unsigned int i, uint64_t now);
/* Set up service <s>'s monitor state, views and first schedule from the
 * config (start-up, or a service added at run time). */
int nc_dp_mon_svc_init(struct nc_dp *dp, unsigned int s, uint64_t now);
/* dp.c: service <s>'s run-time view in <tb> from the config; at run time,
 * enter its VIP and (vip, port, proto) in <tb> (-ENOTSUP: a local IP without
 * port pools from the start). Control lcore, on tables being edited. */
void nc_dp_svc_fill(const struct nc_dp *dp, struct nc_dp_tables *tb, unsigned int s);
int nc_dp_svc_publish(const struct nc_dp *dp, struct nc_dp_tables *tb, unsigned int s);
/* dp.c: a copy of the current tables to change (NULL: no memory), and its
 * publication: the workers take it at their next tick, the old one is freed
 * when they all have. Control lcore. */
struct nc_dp_tables *nc_dp_tables_edit(const struct nc_dp *dp);
void nc_dp_tables_publish(struct nc_dp *dp, struct nc_dp_tables *tb);
/* dp_admin.c: free the slots of removed servers that have no flow left. */
void nc_dp_admin_poll(struct nc_dp *dp, uint64_t now);
/* dp_synproxy.c, control lcore: syn_proxy "auto" turned on and off by the
 * services' handshakes under way; counted and logged (a line a second at
 * most per service). */
void nc_dp_synproxy_poll(struct nc_dp *dp, uint64_t now);
/* dp_synproxy.c, worker of flow <idx>: a proxied connection's state let go
 * (its held segment freed) as its flow closes. */
void nc_sp_release(struct nc_worker *w, uint32_t idx);

/* dp_limits.c: once a second, a log line per limit that refused new flows. */
void nc_dp_limits_poll(struct nc_dp *dp, uint64_t now);

/* dp_sync.c: a TCP segment of no flow here, or an ICMP error to a VIP about
 * one's packet, passed up with sync on (consumes <m>); free the sync rings.
 * Control lcore. */
void nc_dp_sync_miss(struct nc_dp *dp, struct rte_mbuf *m, uint16_t pidx);
void nc_dp_sync_free(struct nc_dp *dp);

/* Control lcore: a worker reported a fail-over (log it; mark the server down). */
void nc_dp_mon_failover(struct nc_dp *dp, const struct nc_ctl_msg *msg);


#endif /* NC_DP_PRIV_H */
