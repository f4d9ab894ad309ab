/* SPDX-License-Identifier: BSD-3-Clause
 * The data plane: run-time tables built from the startup file, the worker
 * fast path, and the control lcore's share of packet handling (ARP, ICMP echo,
 * neighbor resolution).
 */
#ifndef NC_DP_H
#define NC_DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "nc_common.h"
#include "nc_config_types.h"
#include "nc_dp_types.h"
#include "nc_monitor.h"

struct nc_dp;
struct nc_worker;

/* Per-server counters of one worker: w->srv[svc * NC_MAX_SERVERS + server]. */
struct nc_srv_stats {
	uint64_t requests;       /* client data that began a request (nothing unanswered before it) */
	uint64_t bytes;          /* frames both ways */
	uint64_t flows_closed;
	uint64_t failed_over;    /* flows the fail-safe moved off this server */
	uint64_t fs_held;        /* requests the fail-safe held for it ... */
	uint64_t fs_unheld;      /* ... and let go (answered, replayed, closed) */
	struct nc_rt_acc rt;     /* request -> first response byte, microseconds */
};

/*
 * How many packets ahead of the one it classifies a worker prefetches packet
 * data. At 1M flows the burst's lines (mbuf, data, bucket or local-port map,
 * flow) queue for memory: 4 ahead left the data late (222 cycles/packet in
 * bench-fastpath), 8 gave 198, 12 194, 16 191 with fewer new flows/s.
 */
#define NC_RX_PREFETCH_AHEAD 12

/* What the app set up for each configured port (same index as cfg->ports). */
struct nc_dp_port_setup {
	uint16_t port_id;             /* DPDK port id */
	struct rte_ether_addr mac;
	bool tx_one_seg;              /* the device sends only single-segment frames
	                               * (no RTE_ETH_TX_OFFLOAD_MULTI_SEGS, e.g.
	                               * net_af_xdp): chains are made whole first */
	bool rss_default_key;         /* the device spreads TCP and UDP over the
	                               * workers' queues by the Toeplitz hash of
	                               * addresses and ports with nc_rss_key_default,
	                               * its redirection table round robin: when every
	                               * port does, with 2, 4 or 8 workers, a flow is
	                               * owned by the worker its client's packets
	                               * reach and its local port chosen so that its
	                               * server's answers reach that worker too */
};

/*
 * Build the data plane for <cfg>: address and service tables, neighbors and
 * routes, one flow table per worker (capacity max_flows / workers, rounded up),
 * RCU and the first schedule of every service. <ports> describes each port;
 * <ctl_pool> gives the control lcore's mbufs. The control lcore never touches
 * a TX queue: what it sends goes through a ring to worker 0, which transmits
 * it with its own packets. Control lcore, before workers run.
 * Returns NULL with rte_errno set, and logs the reason.
 */
struct nc_dp *nc_dp_create(const struct nc_config *cfg, const struct nc_dp_port_setup *ports,
			   struct rte_mempool *ctl_pool, int socket);

/* Free everything; workers must have stopped. */
void nc_dp_free(struct nc_dp *dp);

/* Worker <i> (0-based, in the order of workers.lcores). */
struct nc_worker *nc_dp_worker(struct nc_dp *dp, unsigned int i);
unsigned int nc_dp_n_workers(const struct nc_dp *dp);

/* lcore entry point of a worker: polls until nc_dp_stop(). <arg>: struct nc_worker *. */
int nc_worker_main(void *arg);

/* Ask every worker loop to return. Any lcore. */
void nc_dp_stop(struct nc_dp *dp);

/*
 * Fast path: handle <n> packets received on port index <pidx>. Forwarded
 * packets wait in the worker's per-port TX buffers until nc_worker_flush() or
 * nc_worker_tx_take(). Worker lcore of <w> only.
 */
void nc_worker_rx(struct nc_worker *w, uint16_t pidx, struct rte_mbuf **pkts, uint16_t n);

/* Transmit buffered packets on every port; unsent ones are dropped and counted. */
void nc_worker_flush(struct nc_worker *w);

/* Move the packets buffered for port <pidx> to <out> (room for 2 x burst);
 * returns how many. For tests and benchmarks that stand in for the NIC. */
uint16_t nc_worker_tx_take(struct nc_worker *w, uint16_t pidx, struct rte_mbuf **out);

/* Transmit what the control lcore queued (worker 0 only). Returns count. */
unsigned int nc_worker_ctl_tx_poll(struct nc_worker *w);

/* Receive from the worker's handoff ring and handle those packets. Returns count. */
unsigned int nc_worker_handoff_poll(struct nc_worker *w);

/* Transaction fail-safe: replay held requests whose deadline passed or whose
 * server the monitor took down. Returns the flows handled. */
unsigned int nc_worker_failsafe_poll(struct nc_worker *w);

/* Client addresses: PROXY headers the servers have not acknowledged go
 * again, or their connections are reset. Returns the flows handled. */
unsigned int nc_worker_ca_poll(struct nc_worker *w);

/* SYN proxy: SYNs made for clients that their servers have not answered go
 * again. Returns the flows handled. */
unsigned int nc_worker_sp_poll(struct nc_worker *w);

/* Flow sync's share of the loop: installs the control lcore queued, a walk
 * or a flush it asked for. Returns the work done. */
unsigned int nc_worker_sync_poll(struct nc_worker *w);

/* Close idle flows: check up to <budget> flow slots. Returns flows closed. */
unsigned int nc_worker_expire(struct nc_worker *w, unsigned int budget);

/* Set the worker's clock (ms) and report a quiescent state; the loop does this
 * every iteration, tests and benchmarks call it themselves. */
void nc_worker_tick(struct nc_worker *w);

/* Flows open in worker <w>. */
uint32_t nc_worker_flow_count(const struct nc_worker *w);

/* Sum of every worker's counters into <out>, read with relaxed atomic loads
 * while they run: each counter exact, the set not one instant. Any thread. */
void nc_dp_stats_get(const struct nc_dp *dp, struct nc_dp_stats *out);

/* Open flows over all workers (approximate while they run). Control lcore. */
uint64_t nc_dp_flow_count(const struct nc_dp *dp);

/*
 * Control lcore's tick, its parts in order, none calling back into another:
 * the packets and reports the workers passed up (ARP, ICMP echo, neighbor
 * resolution, fail-overs), packets waiting for a neighbor, ARP probes for
 * unresolved next hops and schedule reclamation, the server monitor
 * (probes, intervals, weights), then run-time changes waiting on flows to
 * end (the admin part). Returns the items handled.
 */
unsigned int nc_dp_ctl_poll(struct nc_dp *dp);

/* Port <pidx>'s host address belongs to the kernel interface that is DPDK
 * port <tap_port_id> (a started net_tap with one queue pair; NC_DP_NO_EXC
 * detaches it): frames for the host address that the data plane does not
 * answer go to it, and what it sends goes out of port <pidx>. Control lcore. */
#define NC_DP_NO_EXC UINT16_MAX

/* TCP segments arriving on port <pidx> for no known flow go on to MAC <peer>
 * (a draining peer dispatcher on the same segment, which still has their
 * flows) instead of being dropped; NULL: dropped again. Control lcore. */
void nc_dp_set_redirect(struct nc_dp *dp, uint16_t pidx, const struct rte_ether_addr *peer);
void nc_dp_exc_attach(struct nc_dp *dp, uint16_t pidx, uint16_t tap_port_id);

/* Send one gratuitous ARP per address of every port (at start-up). Control lcore. */
void nc_dp_announce(struct nc_dp *dp);

/*
 * ---- flow sync (cluster) ----
 * With sync started, each worker reports what a peer dispatcher needs to
 * finish its flows - a flow once its server accepted it (TCP: the SYN-ACK; UDP
 * at its first datagram) and when it moves (a fail-over, a splice), its
 * close, each request a fail-safe UDP service holds and its release - as
 * records in a ring of its own that the control lcore drains
 * (nc_dp_sync_take). Never per packet of an unchanged flow; a full ring
 * loses the record (counted), never the packet.
 * The other way, the control lcore installs a peer's flows in the workers
 * (nc_dp_sync_adopt): with the peer's local address and port, so the
 * servers' connections go on unchanged.
 */
enum nc_sync_op {
	NC_SYNC_FLOW = 1,     /* a flow established or changed */
	NC_SYNC_CLOSE,        /* it closed */
	NC_SYNC_HELD,         /* a request it holds (fail-safe): <m>, <ttl_ms>; TCP: a
			       * complete HTTP request, <m> one segment carrying it
			       * all, with where the connection stands (tcp) */
	NC_SYNC_RELEASE,      /* its held requests were answered */
};
#define NC_SYNC_F_SPLICED 0x01   /* TCP: moved by the fail-safe; client seq = server seq + delta */
#define NC_SYNC_F_BULK    0x02   /* from a walk of the whole table (nc_dp_sync_walk) */
#define NC_SYNC_F_FIN_C   0x04   /* TCP: the client sent its FIN */
#define NC_SYNC_F_FIN_S   0x08   /* TCP: the server sent its FIN */
#define NC_SYNC_F_FRESH   0x10   /* TCP: just accepted, no byte exchanged yet: tcp.c_isn
				  * and tcp.srv_isn say where both streams start */
#define NC_SYNC_F_SACK    0x20   /* TCP: the client and its server agreed SACK (fail-safe) */
#define NC_SYNC_F_ISN     0x40   /* TCP, fail-safe: tcp.c_isn is the client's ISN, in every
				  * record of the flow (its SYN sent again is the same
				  * connection's, for the flow's whole life) */
#define NC_SYNC_F_PROXIED 0x80   /* TCP: opened by the SYN proxy's cookie; <sp> bridges the
				  * client's and the server's numbers (and with NC_SYNC_F_FRESH,
				  * tcp.srv_isn is the server's own ISN) */

/* HELD, TCP: the connection around the request (the client's sequence
 * space, host order). */
struct nc_sync_tcp {
	uint32_t start;            /* the request's first byte */
	uint32_t c_isn;            /* the client's initial sequence number */
	uint32_t srv_isn;          /* the server's, as the client knows it */
	uint32_t s_next;           /* past the last server byte the client had */
	uint8_t method, minor, hflags;   /* the request's head (lib/http) */
	uint8_t pad;
};
#define NC_SYNC_HELD_MAX 1300      /* bytes of a held request that a record carries */

/* FLOW, NC_SYNC_F_PROXIED: the SYN proxy's bridge (dp_synproxy.h, struct
 * nc_synp): the client's view of a server sequence number is the server's +
 * <delta>, of a server TSval + <ts_off>; the window scales both sides
 * agreed (0..14, 0xff: none); NC_SYNC_SP_* in <flags>. */
#define NC_SYNC_SP_TS  0x04        /* both peers send timestamps */
#define NC_SYNC_SP_CTS 0x08        /* the client sends timestamps */
struct nc_sync_sp {
	uint32_t delta;
	uint32_t ts_off;
	uint8_t ws_c, ws_s;
	uint8_t flags;
	uint8_t pad;
};

/*
 * One record (80 bytes); addresses and ports in network order. An IPv6
 * flow's (nc_sync_rec_v6()) key is its flow entry's: ports and protocol, 0
 * addresses, pad[0] NC_FLOW_KEY_V6 (| NC_FLOW_KEY_64 for NAT64); its
 * addresses travel beside it in a struct nc_sync_addr6.
 */
struct nc_sync_rec {
	uint8_t op;                /* enum nc_sync_op */
	uint8_t state;             /* enum nc_flow_state */
	uint8_t flags;             /* NC_SYNC_F_* */
	uint8_t ca;                /* FLOW: enum nc_client_addr the flow opened with */
	uint32_t key[4];           /* struct nc_flow_key: client, VIP, ports, protocol */
	uint32_t lip;
	uint32_t server_ip;
	uint16_t lport;
	uint16_t server_port;
	uint32_t delta;
	uint32_t ttl_ms;           /* HELD: ms to its deadline */
	struct rte_mbuf *m;        /* HELD: UDP, the datagram as the client sent it;
				    * TCP, the request's bytes alone. A reference of
				    * its own: the taker frees it */
	struct nc_sync_tcp tcp;    /* HELD, TCP */
	struct nc_sync_sp sp;      /* FLOW, NC_SYNC_F_PROXIED */
};

/* An IPv6 flow's addresses: its local address and server too, unless it is
 * NAT64's (0 here: IPv4, in the record's lip and server_ip). */
struct nc_sync_addr6 {
	uint8_t client[16];
	uint8_t vip[16];
	uint8_t lip[16];
	uint8_t server[16];
};

#define NC_SYNC_KEY_FAMILY 13      /* byte of a record's key: NC_FLOW_KEY_V6, _64 or 0 */

/* Record <r> is an IPv6 client's flow (NAT64's too). */
static inline int
nc_sync_rec_v6(const struct nc_sync_rec *r)
{
	return ((const uint8_t *)r->key)[NC_SYNC_KEY_FAMILY] & 1;   /* NC_FLOW_KEY_V6 */
}

/* ... whose server leg is IPv4 (NAT64). */
static inline int
nc_sync_rec_64(const struct nc_sync_rec *r)
{
	return ((const uint8_t *)r->key)[NC_SYNC_KEY_FAMILY] & 2;   /* NC_FLOW_KEY_64 */
}

/* Start flow sync: each worker's record ring, and its ring of flows to
 * install. A worker whose loop stood still for more than <stall_ms> (0:
 * never) - the process was frozen - quarantines the data plane: no client
 * or server packet is forwarded (dropped as "stalled", as are the frames it
 * built before the stall and had not sent; ARP and the host's traffic still
 * pass) and no flow expires until nc_dp_sync_resume(), since a peer may have
 * taken its flows and addresses meanwhile. Before the workers run. 0 or a
 * negative errno. */
int nc_dp_sync_start(struct nc_dp *dp, uint32_t stall_ms);
bool nc_dp_sync_quarantined(const struct nc_dp *dp);
void nc_dp_sync_resume(struct nc_dp *dp);
bool nc_dp_sync_on(const struct nc_dp *dp);
/* The pool of held requests' copies (NULL: no fail-safe service): a peer's
 * held request to install is built in one of its mbufs. */
struct rte_mempool *nc_dp_held_pool(const struct nc_dp *dp);

/* Up to <max> records from the workers' rings, each worker's in order, an
 * IPv6 flow's addresses in <out6> at the same index. A FLOW record with <m>
 * is a TCP flow its server just accepted: <m> is the SYN-ACK for the client,
 * held back until the record has left for the peers (nc_dp_sync_send_frame).
 * Control lcore. */
unsigned int nc_dp_sync_take(struct nc_dp *dp, struct nc_sync_rec *out, struct nc_sync_addr6 *out6,
			     unsigned int max);

/*
 * Install a peer's flow (<r>: NC_SYNC_FLOW; an IPv6 flow's addresses in <a6>)
 * or give one a held request to replay at its deadline (NC_SYNC_HELD, <r>->m
 * consumed in any case: the client's frame, of the client's family). When
 * <m> is not NULL it is a client packet of that flow that found none: it
 * follows the install. Queued to the worker owning the local port; the worker
 * installs at its next loop, and a flow it already has stays as it is.
 * 0, -ENOENT (its local IP is not one of ours or our peers'), -EXDEV (with
 * several workers, the client's packets and the port belong to different
 * ones: not installed) or -ENOBUFS (the queue is full). Control lcore.
 */
int nc_dp_sync_adopt(struct nc_dp *dp, const struct nc_sync_rec *r, const struct nc_sync_addr6 *a6,
		     struct rte_mbuf *m);

/* Every worker's queue of installs (nc_dp_sync_adopt) is empty. Control lcore. */
bool nc_dp_sync_adopt_idle(const struct nc_dp *dp);
/* Every frame the control lcore queued so far (its own, and what the
 * kernel interfaces sent up to the last poll) was handed to worker 0, which
 * sends a frame queued now in a later burst than all of them. Control lcore. */
bool nc_dp_ctl_tx_drained(const struct nc_dp *dp);
/* Installs every worker can still take now (the least free of their
 * queues): a caller with more waits for the next tick rather than lose one. */
unsigned int nc_dp_sync_adopt_room(const struct nc_dp *dp);

/* Send a frame a record carried (a held-back SYN-ACK) on its port. Control lcore. */
void nc_dp_sync_send_frame(struct nc_dp *dp, struct rte_mbuf *m);
/* The frame a proxied flow's record carried (NC_SYNC_F_PROXIED: its server's
 * SYN-ACK, which the appliance answers in the client's place), once the
 * record left: back to its worker, which then sends its server the client's
 * ACK and the request held since. Control lcore. */
void nc_dp_sync_frame_back(struct nc_dp *dp, struct rte_mbuf *m);

/* Walk every worker's table: each reports all its synced flows and held
 * requests again (NC_SYNC_F_BULK), for a peer's bulk copy. Done when
 * nc_dp_sync_walk_done() is true; a new walk restarts one under way.
 * Control lcore. */
void nc_dp_sync_walk(struct nc_dp *dp);
bool nc_dp_sync_walk_done(const struct nc_dp *dp);

/* Every worker drops all its flows without reporting their close (a
 * dispatcher that was taken over: its flows are another's now). Done when
 * nc_dp_sync_flush_done() is true. Control lcore. */
void nc_dp_sync_flush(struct nc_dp *dp);
bool nc_dp_sync_flush_done(const struct nc_dp *dp);

/* Local IP <ip> (host order; nc_dp_lip6_*: IPv6) of ours or of a peer (cluster.peers[].local_ips):
 * answered for (ARP, echo) on its port while held; held or not, flows on it
 * are forwarded. Without sync, ours are held from the start; with sync,
 * none until this is called. -ENOENT when it is neither. Control lcore. */
int nc_dp_lip_hold(struct nc_dp *dp, uint32_t ip, bool hold);
bool nc_dp_lip_held(const struct nc_dp *dp, uint32_t ip);
/* The held local IPs are answered for only during the next <ms> ms, until
 * this is called again (the cluster's poll renews it: a frozen control lcore
 * that thaws answers for none before the cluster had its word). */
void nc_dp_lip_fresh(struct nc_dp *dp, uint32_t ms);
/* Health probes (sent from our local IPs) paused or not: with flow sync,
 * while another dispatcher holds our local IPs, the servers' answers reach
 * it, not us, and must not take the servers down here. Control lcore. */
void nc_dp_probes_pause(struct nc_dp *dp, bool pause);
/* A gratuitous ARP for local IP <ip> (host order) from its port. */
int nc_dp_lip_garp(struct nc_dp *dp, uint32_t ip);
int nc_dp_lip6_hold(struct nc_dp *dp, const uint8_t ip[16], bool hold);
bool nc_dp_lip6_held(const struct nc_dp *dp, const uint8_t ip[16]);
/* An unsolicited Neighbor Advertisement (override) for IPv6 local IP <ip>. */
int nc_dp_lip6_announce(struct nc_dp *dp, const uint8_t ip[16]);
/* Every local IP of ours announced once (gratuitous ARP, unsolicited Neighbor
 * Advertisement), however many services list it; the announcements sent. */
int nc_dp_own_lips_announce(struct nc_dp *dp);

/*
 * A TCP segment of no flow here, with sync started, or an ICMP error to a VIP
 * quoting a packet of such a flow to its client (the key is then that flow's,
 * read from the quote): <cb> decides, from its key (an IPv6 segment's: ports
 * and protocol as a record's, its client and VIP in <seg6>, NULL for IPv4). It returns NC_MISS_ADOPT with the flow in
 * <r> (and <r6> for an IPv6 one; the segment follows its install),
 * NC_MISS_REDIRECT with a peer's MAC in <mac> (the segment goes on to it on
 * the port it came in by), or NC_MISS_DROP. Control lcore.
 */
enum nc_miss { NC_MISS_DROP = 0, NC_MISS_ADOPT, NC_MISS_REDIRECT };
typedef enum nc_miss (*nc_miss_cb)(void *arg, const struct rte_mbuf *m, uint16_t pidx,
				   const uint32_t key[4], const struct nc_sync_addr6 *seg6,
				   struct nc_sync_rec *r, struct nc_sync_addr6 *r6,
				   struct rte_ether_addr *mac);
void nc_dp_set_miss_cb(struct nc_dp *dp, nc_miss_cb cb, void *arg);

/* Control-lcore counters (ARP and ICMP handling). */
struct nc_ctl_stats {
	uint64_t arp_replied;
	uint64_t arp_learned;
	uint64_t arp_requests_sent;
	uint64_t arp_ignored;
	uint64_t icmp_echo_replied;
	uint64_t resolve_requests;
	uint64_t resolve_held;      /* client packets held until their sender was resolved */
	uint64_t resolve_dropped;   /* held ones dropped: queue full or no ARP answer in time */
	uint64_t probe_unmatched;   /* replies to us that answer no probe in flight */
	uint64_t tx_failed;
	uint64_t exc_to_kernel;     /* frames for a host address given to its kernel interface */
	uint64_t exc_from_kernel;   /* frames the kernel interfaces sent out of their ports */
	uint64_t exc_dropped;       /* for a host address without a kernel interface, or
	                             * refused by it */
	uint64_t sync_miss_adopted; /* segments of no flow here installed from a replica */
	uint64_t sync_miss_redirected;   /* ... sent on to the peer that has the flow */
	uint64_t sync_miss_dropped; /* ... of no replica either */
	uint64_t sync_adopt_full;   /* installs refused: a worker's queue was full */
	uint64_t sync_back_full;    /* proxied SYN-ACKs not handed back: a worker's queue was
				     * full (the server sends its SYN-ACK again) */
	uint64_t nd_replied;        /* IPv6: neighbor solicitations for us answered */
	uint64_t nd_learned;        /* ... neighbors learned from solicitations, advertisements */
	uint64_t nd_solicits_sent;  /* ... our solicitations of unresolved next hops */
	uint64_t nd_ignored;        /* ... ND not for us, invalid, or ICMPv6 we do not answer */
	uint64_t icmp6_echo_replied;
	uint64_t neigh_taken;       /* ARP replies and advertisements that resolved or
				     * confirmed a neighbor: taken, not forwarded */
	uint64_t neigh_unicast_probes;   /* unicast re-probes of stale neighbors */
	uint64_t neigh_evicted;     /* learned neighbors given way to a new one: table full */
	uint64_t neigh_expired;     /* learned neighbors removed: their probes unanswered */
	uint64_t neigh_full;        /* new neighbors refused: all static or pinned */
	uint64_t drop[NC_DROP_MAX]; /* frames the control lcore dropped, by reason
				     * (nc_dp_stats_get() adds them to the workers') */
};
void nc_dp_ctl_stats_get(const struct nc_dp *dp, struct nc_ctl_stats *out);

/* ---- server monitor: probes, response times, weights (control lcore) ---- */

/* What the operator asked of a server (management API, SIGHUP reload). */
enum nc_admin_state {
	NC_ADMIN_UP = 0,      /* follows its health: new flows while probes say up */
	NC_ADMIN_DRAIN,       /* no new flows; existing flows and held requests finish */
	NC_ADMIN_DOWN,        /* no new flows; held requests replayed elsewhere at once */
	NC_ADMIN_REMOVING,    /* as drain; the slot is freed once no flow is left */
	NC_ADMIN_FREE,        /* no server in this slot */
};

/* "up", "drain", "down", "removing", "free". */
const char *nc_admin_state_name(enum nc_admin_state s);

/* One server as the monitor saw it at its last interval or state change.
 * Slots in state NC_ADMIN_FREE hold no server (skip them). */
struct nc_server_view {
	char name[NC_NAME_MAX];
	uint32_t addr;            /* host order; 0 for an IPv6 server */
	uint16_t port;            /* host order */
	uint8_t family;           /* AF_INET or AF_INET6 */
	uint8_t addr6[16];        /* network order, IPv6 servers */
	uint8_t admin;            /* enum nc_admin_state */
	uint8_t health_up;        /* what the probes (or the fail-safe) say */
	uint8_t up;
	uint8_t weight;           /* percent, as published */
	uint32_t rt_avg_us;       /* last interval (probe round trips when traffic was too thin) */
	uint32_t rt_p99_us;
	uint64_t rt_samples;      /* response times behind rt_avg_us */
	uint64_t flows_active;
	uint64_t flows;           /* opened since start */
	uint64_t requests;        /* since start */
	uint64_t responses;       /* timed responses since start */
	uint64_t bytes;           /* since start, both ways */
	uint64_t held_now;        /* requests held for it now (fail-safe) */
	uint64_t probes_good;
	uint64_t probes_bad;
	uint32_t probe_rt_us;     /* last good probe's round trip */
	uint32_t down_count;      /* times it went down */
};

/* A service's life at run time (SIGHUP adds and removes services). */
enum nc_svc_state {
	NC_SVC_LIVE = 0,
	NC_SVC_REMOVING,      /* no new flows; gone once its servers have no flow left */
	NC_SVC_REMOVED,       /* nothing left: skip it (its slot may come back) */
};

/* One service's monitor summary. */
struct nc_service_view {
	char name[NC_NAME_MAX];
	uint32_t vip;             /* host order; 0 for an IPv6 service */
	uint16_t port;            /* host order */
	uint8_t family;           /* AF_INET or AF_INET6 */
	uint8_t vip6[16];         /* network order, IPv6 services */
	uint8_t proto;
	uint8_t health;           /* enum nc_health_type */
	uint8_t adaptive;         /* 1: weights adapt */
	uint8_t mode;             /* enum nc_adaptive_mode */
	uint8_t held;             /* fast mode inside its dead band */
	uint8_t state;            /* enum nc_svc_state */
	uint8_t n_servers;
	uint8_t n_up;
	uint8_t scheduler;        /* enum nc_sched_kind */
	uint32_t interval_ms;
	uint64_t intervals;       /* intervals run */
	uint64_t moves;           /* intervals that changed a weight */
	double t_s;               /* seconds since start, at the last interval */
};

/* Called by the control lcore after each interval of a service, with its views. */
typedef void (*nc_interval_cb)(void *arg, unsigned int svc, const struct nc_service_view *sv,
			       const struct nc_server_view *v, unsigned int n);

/* Set the callback run after every service interval (NULL: none). Control lcore. */
void nc_dp_set_interval_cb(struct nc_dp *dp, nc_interval_cb cb, void *arg);

/*
 * Intervals driven from outside (the cluster channel: aligned to the wall
 * clock, measurements merged over dispatchers). With <on>, the monitor runs
 * no interval by itself; the caller takes each service's measurements with
 * nc_dp_interval_collect and runs its interval with nc_dp_interval_apply on
 * the (merged) figures. Off (the default), nothing of this is used.
 * Control lcore.
 */
void nc_dp_set_interval_external(struct nc_dp *dp, bool on);

/* Service <s>'s measurements since its last collection into <agg> (<max> >=
 * its server slots; free slots get zeros). Returns the slots filled or -EINVAL. */
int nc_dp_interval_collect(struct nc_dp *dp, unsigned int s, struct nc_rt_agg *agg,
			   unsigned int max);

/* Service <s>'s interval on <n> aggregates <agg>: the weight controller when
 * adaptive, a new schedule when a weight moved, the views, the interval
 * callback. Returns 1 if a weight moved, 0 if not, a negative errno. */
int nc_dp_interval_apply(struct nc_dp *dp, unsigned int s, const struct nc_rt_agg *agg,
			 unsigned int n);

/* Service <s>'s weights and controller state (a copy). Returns 0 or -EINVAL. */
int nc_dp_weights_get(const struct nc_dp *dp, unsigned int s, struct nc_wset *ws,
		      struct nc_adapt_state *ad);

/* Adopt weights <ws> and controller state <ad> (another dispatcher's), keeping
 * what this one's own health view says of each server up or down, and publish
 * the schedule. Returns 0, -EINVAL (<ws> has another server count), -EIO. */
int nc_dp_weights_adopt(struct nc_dp *dp, unsigned int s, const struct nc_wset *ws,
			const struct nc_adapt_state *ad);

/* Events worth showing an operator as they happen. */
enum nc_event_kind { NC_EV_FAILOVER = 0, NC_EV_RESET, NC_EV_STATE, NC_EV_CONFIG };

/* Called by the control lcore for each event: <server> may be NULL; <text> is
 * the log line's text. */
typedef void (*nc_event_cb)(void *arg, enum nc_event_kind kind, const char *service,
			    const char *server, const char *text);

/* Set the event callback (NULL: none). Control lcore. */
void nc_dp_set_event_cb(struct nc_dp *dp, nc_event_cb cb, void *arg);

/* ---- run-time changes (control lcore only; each publishes a new schedule) ---- */

/*
 * Add server <srv> to service <svc> in a free slot (or a new one). It starts
 * down and comes up after <rise> good probes (without probes: once its next
 * hop resolves); then its weight (srv->weight, 0: an equal share) is taken
 * from the other up servers in proportion. Returns the slot or -EEXIST (name
 * taken), -ENOSPC (NC_MAX_SERVERS slots in use), -ENOENT (no such service).
 */
int nc_dp_server_add(struct nc_dp *dp, unsigned int svc, const struct nc_cfg_server *srv);

/* Server slot named <name> in <svc>, or -ENOENT. Control lcore. */
int nc_dp_server_find(const struct nc_dp *dp, unsigned int svc, const char *name);

/*
 * Set a server's admin state (NC_ADMIN_UP, _DRAIN, _DOWN, _REMOVING).
 * Removing frees the slot once the server has no flow left. Returns 0,
 * -ENOENT, -EINVAL, or -EBUSY when removing the last server not being removed.
 */
int nc_dp_server_set_admin(struct nc_dp *dp, unsigned int svc, unsigned int i,
			   enum nc_admin_state st);

/* Give server <i> weight <w> (1..100); the other up servers share the rest in
 * proportion (every one keeps min_weight). A server not up keeps <w> for when
 * it comes back. Returns 0, -ENOENT or -EINVAL. */
int nc_dp_server_set_weight(struct nc_dp *dp, unsigned int svc, unsigned int i, unsigned int w);

/* Configured weights <w> (by slot, 1..100 for every server) for <svc>: the
 * up servers get them scaled to 100 (each at least min_weight), the others
 * when they come back. Returns 0, -ENOENT or -EINVAL. */
int nc_dp_service_set_weights(struct nc_dp *dp, unsigned int svc, const uint8_t *w);

/* New adaptive settings for <svc> (the controller starts afresh). */
int nc_dp_service_set_adaptive(struct nc_dp *dp, unsigned int svc, const struct nc_cfg_adaptive *a);

/* New "persistence_s" and fail-safe settings (response_timeout_ms,
 * max_replays, protocol, replay, hold_limit_kb: for connections opened from
 * then on) for <svc>. Turning the fail-safe or persistence on or off, or a new store
 * size, needs a restart: -ENOTSUP. */
int nc_dp_service_set_failsafe(struct nc_dp *dp, unsigned int svc, uint32_t persistence_s,
			       const struct nc_cfg_failsafe *fs);

/* New client_address <ca> for <svc>: flows opened from then on use it, open
 * ones keep theirs. -EINVAL: not one for a UDP service; -ENOTSUP: a TCP mode
 * where no TCP service had one at start (its per-flow state is set up then;
 * needs a restart). Control lcore. */
int nc_dp_service_set_client_address(struct nc_dp *dp, unsigned int svc, enum nc_client_addr ca);

/* The workers keep client-address state: TCP services may take a
 * client_address at run time. Any thread. */
bool nc_dp_client_address_ready(const struct nc_dp *dp);

/*
 * Can service <cs> (a valid startup-file service) be added now? Returns the
 * service slot it would take, or -EEXIST (its name or address is taken),
 * -ENOSPC (NC_MAX_SERVICES), -ENOTSUP (it needs a restart: a local IP the
 * appliance had no port pool for, the fail-safe or persistence where no
 * service had it at start-up), with the reason in <why>. Control lcore.
 */
int nc_dp_service_check_add(const struct nc_dp *dp, const struct nc_cfg_service *cs, char *why,
			    size_t len);

/* Add service <cs> (checked as above): its servers start as at start-up.
 * Returns its slot or a negative errno. Control lcore. */
int nc_dp_service_add(struct nc_dp *dp, const struct nc_cfg_service *cs);

/* Remove service <svc>: at once no new flows; its servers go as their flows
 * end; then the service is gone (NC_SVC_REMOVED). Control lcore. */
int nc_dp_service_remove(struct nc_dp *dp, unsigned int svc);

/* The running configuration (the startup file plus run-time changes). Control lcore. */
const struct nc_config *nc_dp_config(const struct nc_dp *dp);

/*
 * Copy service <svc>'s summary into <sv> (may be NULL) and up to <max> server
 * views into <out>: a consistent snapshot, retried while the control lcore
 * writes. Any thread (the telemetry thread). Returns the server count or
 * -ENOENT.
 */
int nc_dp_service_view(const struct nc_dp *dp, unsigned int svc, struct nc_service_view *sv,
		       struct nc_server_view *out, unsigned int max);

/* Bring the views' counters (flows, requests, bytes) up to now, e.g. before
 * final statistics; response times keep their last interval. Control lcore. */
void nc_dp_mon_refresh(struct nc_dp *dp);

/* Transaction fail-safe of one service, summed over the workers. */
struct nc_failsafe_view {
	uint64_t held_now;        /* requests held now (all services of the workers' stores) */
	uint64_t held;            /* requests held since start (this service) */
	uint64_t released;
	uint64_t replays;
	uint64_t resets;
	uint64_t store_full;
	uint64_t fin_kept;        /* idle keep-alive connections closed by their server */
	uint64_t waited;          /* TCP requests late on the only server up, held again */
	uint64_t move_waited;     /* moves put off until the client acknowledged what its
				   * old server had sent */
	uint64_t syn_resent;      /* a move's SYN to the new server sent again (lost) */
	uint64_t stale_tuple;     /* SYNs answered from a 4-tuple the server still held
				   * (TIME_WAIT): reset, sent again */
	uint64_t reconnects;      /* requests carried to a new connection: their server had
				   * closed before it got them (not failures) */
	uint64_t early;           /* requests answered before their last byte came */
	uint64_t opaque;          /* TCP connections held as opaque (first flight only) */
	uint64_t unframed;        /* TCP connections left unprotected (not followed) */
	uint64_t abandoned;       /* requests no longer held: past hold_limit_kb, full store */
	uint64_t affinity_hits;
	uint64_t failed_over[NC_MAX_SERVERS];   /* flows moved off each server */
};

/* Fill <out> for service <svc>. Any thread (counters read while they change).
 * Returns the service's server count or -ENOENT. */
int nc_dp_failsafe_view(const struct nc_dp *dp, unsigned int svc, struct nc_failsafe_view *out);

/* Index of the service named <name>, or -ENOENT. Any thread. */
int nc_dp_service_find(const struct nc_dp *dp, const char *name);

/* Number of services. Any thread. */
unsigned int nc_dp_n_services(const struct nc_dp *dp);

/* Current schedule of service <svc>, for status displays. Control lcore. */
const struct nc_schedule *nc_dp_schedule(const struct nc_dp *dp, unsigned int svc);

#endif /* NC_DP_H */
