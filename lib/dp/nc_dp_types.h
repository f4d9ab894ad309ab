/* SPDX-License-Identifier: BSD-3-Clause
 * Data-plane types shared with tools and tests: the counters, per drop
 * reason (lib/net's list), port, service and server.
 */
#ifndef NC_DP_TYPES_H
#define NC_DP_TYPES_H

#include <stdint.h>

#include "nc_limits.h"
#include "nc_net_types.h"



/* Events of the client-address feature (client_address), per service:
 * _(ENUM, "name", "what it counts"), from one list like the drop reasons. */
#define NC_FOREACH_CA_EVENT(_) \
	_(HDR_SENT,    "header_sent",    "PROXY headers sent on new server connections (TCP)") \
	_(HDR_RESENT,  "header_resent",  "PROXY headers sent again: the server had not acknowledged them") \
	_(HDR_LOST,    "header_lost",    "connections reset: the server never acknowledged the PROXY header") \
	_(HDR_NO_MBUF, "header_no_mbuf", "PROXY headers not sent at once: no mbuf (the next try sends it)") \
	_(TIMER_FULL,  "timer_full",     "PROXY headers without a retransmission timer: its queue was full") \
	_(TOA_ADDED,   "toa_added",      "first data segments sent with the TOA option") \
	_(TOA_NO_ROOM, "toa_no_room",    "first data segments sent without the TOA option: no option space, over the MTU, or not in one buffer") \
	_(UDP_HDR,     "udp_header",     "UDP datagrams sent with a PROXY v2 header") \
	_(REPLAY_TRIMMED, "replay_trimmed", "held client segments sent to a moved connection's new server without their bytes before its start") \
	_(TRIM_NO_ROOM, "trim_no_room",  "held client segments sent to a new server whole: not in one buffer")

enum nc_ca_event {
#define NC_CA_EV_ENUM(e, n, d) NC_CA_EV_##e,
	NC_FOREACH_CA_EVENT(NC_CA_EV_ENUM)
#undef NC_CA_EV_ENUM
	NC_CA_EV_MAX
};

/* Events of the SYN proxy (syn_proxy), per service, as the CA events. */
#define NC_FOREACH_SP_EVENT(_) \
	_(COOKIE_SENT,    "cookie_sent",    "client SYNs answered with a SYN cookie (no flow, no port)") \
	_(COOKIE_VALID,   "cookie_valid",   "client ACKs with a valid cookie: a flow opened, a SYN sent to its server") \
	_(COOKIE_BAD,     "cookie_bad",     "client ACKs of no flow with a cookie not ours (forged, wrong MSS index): dropped") \
	_(COOKIE_EXPIRED, "cookie_expired", "client ACKs of no flow with a cookie too old: dropped") \
	_(OPENED,         "opened",         "proxied connections whose server answered: bridged from then on") \
	_(HELD,           "held",           "client data segments held until the server answered, then delivered") \
	_(SYN_AGAIN,      "syn_again",      "SYNs made for a client sent again: its server had not answered within a second, or when the client sent its first data again") \
	_(SYN_TIMER,      "syn_timer",      "of syn_again, those sent on the appliance's own timer (the server had not answered within a second): SYNs lost towards the servers") \
	_(STALE_TUPLE,    "stale_tuple",    "SYNs a server answered from an old connection's TIME_WAIT (a local port come round within it): reset there, the SYN sent again") \
	_(AUTO_ON,        "auto_on",        "syn_proxy auto turned on: handshakes under way above syn_proxy_threshold") \
	_(AUTO_OFF,       "auto_off",       "syn_proxy auto turned off: below half of syn_proxy_threshold")

enum nc_sp_event {
#define NC_SP_EV_ENUM(e, n, d) NC_SP_EV_##e,
	NC_FOREACH_SP_EVENT(NC_SP_EV_ENUM)
#undef NC_SP_EV_ENUM
	NC_SP_EV_MAX
};

/* Per-service counters. */
struct nc_svc_stats {
	uint64_t pkts_c2s;
	uint64_t pkts_s2c;
	uint64_t bytes_c2s;
	uint64_t bytes_s2c;
	uint64_t flows_opened;
	uint64_t flows_closed;
	uint64_t server_flows[NC_MAX_SERVERS];   /* flows opened per server */
	/* transaction fail-safe */
	uint64_t fs_held;           /* requests held */
	uint64_t fs_released;       /* held requests answered */
	uint64_t fs_replays;        /* requests replayed on another server */
	uint64_t fs_resets;         /* flows given up: no server left or max_replays reached */
	uint64_t fs_store_full;     /* requests not held: store or copy pool full */
	uint64_t fs_waited;         /* TCP requests past their deadline on the only server
				     * up, held for another wait rather than broken */
	uint64_t fs_move_waited;    /* moves put off until the client acknowledged what
				     * its old server had sent (only it can resend that) */
	uint64_t fs_syn_resent;     /* a splice's SYN sent again, unanswered for 1 s */
	uint64_t fs_stale_tuple;    /* a SYN answered by a bare ACK from a 4-tuple the
	                             * server still held (TIME_WAIT): reset, sent again */
	uint64_t fs_fin_kept;       /* idle keep-alive connections closed by their server
				     * (FIN kept from the client, next request moved) */
	uint64_t fs_reconnects;     /* requests carried to a new connection because their
				     * server closed before it had them: not failures */
	uint64_t fs_early;          /* requests answered before their last byte came */
	uint64_t fs_opaque;         /* TCP connections held as opaque (first flight only) */
	uint64_t fs_unframed;       /* TCP connections left unprotected: not HTTP/1.x after
				     * all, too many pipelined, a one-way stream */
	uint64_t fs_abandoned;      /* requests no longer held: past hold_limit_kb or a full store */
	uint64_t affinity_hits;     /* new flows sent to the client's affinity server */
	/* gauges, summed over the workers (each its own count, up and down) */
	uint64_t half_open;         /* TCP flows whose handshake is under way */
	uint64_t udp_unreplied;     /* UDP flows no server answered yet */
	uint64_t ca[NC_CA_EV_MAX];  /* client_address events (NC_FOREACH_CA_EVENT) */
	uint64_t sp[NC_SP_EV_MAX];  /* syn_proxy events (NC_FOREACH_SP_EVENT); AUTO_ON and
				     * AUTO_OFF written by the control lcore, in worker 0's */
	uint64_t sp_active;         /* gauge: SYNs answered with cookies now (0 or 1; the
				     * control lcore's, in worker 0's) */
};

/* Counters of one worker (plain integers, written only by it) or their sum. */
struct nc_dp_stats {
	uint64_t drop[NC_DROP_MAX];
	uint64_t rx[NC_MAX_PORTS];
	uint64_t tx[NC_MAX_PORTS];
	uint64_t to_ctl;            /* packets passed to the control lcore */
	uint64_t handoff_out;       /* packets passed to the owning worker */
	uint64_t handoff_in;
	uint64_t flow_changes;  /* flows opened or closed in-line (burst bookkeeping) */
	uint64_t tcp_port_early_reuse;  /* TCP flows on a local port still resting */
	uint64_t lport_steer_missed;    /* flows on a local port whose answers reach
					 * another worker (nc_flow_steer_missed) */
	uint64_t redirected;    /* TCP segments of no flow here sent on to a draining
				 * peer dispatcher, which still has their flow */
	uint64_t icmp_relayed;  /* ICMP errors about a flow's packet passed to its other
				 * leg (IPv6 packet too big, NAT64 both ways) */
	uint64_t sync_records;      /* flow sync records reported to the control lcore */
	uint64_t sync_ring_full;    /* ... lost: its ring was full */
	uint64_t sync_adopted;      /* flows installed from a peer's replica */
	uint64_t sync_adopted_held; /* held requests taken over with them */
	uint64_t sync_adopt_exists; /* installs of a flow already here (kept as it was) */
	uint64_t sync_adopt_unproxied; /* installs of a SYN-proxied flow refused: no syn_proxy
				      * on its service here */
	uint64_t sync_adopt_replaced; /* installs that ended our stale copy of an earlier
				       * takeover on the peer's address and port */
	uint64_t sync_answered_elsewhere; /* TCP flows closed in their handshake: the client
					   * took a peer's SYN-ACK (its segments looked up
					   * as of no flow, on to that peer) */
	uint64_t sync_held_skipped; /* TCP requests held but not sent to the peers (too
				     * large for a record, or no buffer to gather them) */
	uint64_t frag_reassembled;  /* IPv4 and IPv6 datagrams reassembled from their fragments */
	uint64_t frag6_reassembled; /* ... of them IPv6 */
	uint64_t frag_atomic;       /* IPv6 atomic fragments (offset 0, M clear) taken as whole
				     * packets (RFC 6946) */
	uint64_t frag_fragmented;   /* datagrams sent on as fragments (over the MTU) */
	uint64_t frag6_fragmented;  /* ... of them IPv6 */
	uint64_t frag_out;          /* ... the fragments sent (both families) */
	struct nc_svc_stats svc[NC_MAX_SERVICES];
};

#endif /* NC_DP_TYPES_H */
