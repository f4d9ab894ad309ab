/* SPDX-License-Identifier: BSD-3-Clause
 * Data-plane types shared with tools and tests: drop reasons and counters.
 * One X-macro list per enum, so a reason, its counter and its metric name
 * can never disagree.
 */
#ifndef NC_DP_TYPES_H
#define NC_DP_TYPES_H

#include <stdint.h>

/* _(ENUM, "name", "what it means") - checked in this order on the fast path. */
#define NC_FOREACH_DROP(_) \
	_(SHORT_FRAME,      "short_frame",      "frame shorter than the headers it announces") \
	_(L2_OTHER_HOST,    "l2_other_host",    "destination MAC neither ours nor broadcast") \
	_(L2_UNSUPPORTED,   "l2_unsupported",   "ethertype not IPv4 or ARP (IPv6, QinQ, ...)") \
	_(IP_BAD_HEADER,    "ip_bad_header",    "IP version not 4 or IHL below 5") \
	_(IP_BAD_LEN,       "ip_bad_len",       "IP total length below the header or beyond the frame") \
	_(IP_OPTIONS,       "ip_options",       "IP options present (IHL above 5)") \
	_(IP_BAD_CSUM,      "ip_bad_csum",      "IP header checksum wrong") \
	_(IP_FRAGMENT,      "ip_fragment",      "IP fragment (MF set or offset non-zero)") \
	_(L4_UNSUPPORTED,   "l4_unsupported",   "IP protocol not TCP, UDP or ICMP") \
	_(L4_BAD_HEADER,    "l4_bad_header",    "TCP data offset or UDP length inconsistent") \
	_(NOT_FOR_US,       "not_for_us",       "destination IP not an address of the appliance") \
	_(ICMP_UNSUPPORTED, "icmp_unsupported", "ICMP to us that is not an echo request") \
	_(TTL_EXPIRED,      "ttl_expired",      "TTL 1 or 0 on a packet to forward") \
	_(NO_SERVICE,       "no_service",       "no service at this VIP, port and protocol") \
	_(NO_FLOW,          "no_flow",          "TCP non-SYN or server reply with no flow") \
	_(FLOW_TABLE_FULL,  "flow_table_full",  "new flow refused: flow table full") \
	_(NO_LOCAL_PORT,    "no_local_port",    "new flow refused: no free local port") \
	_(NO_SERVER,        "no_server",        "new flow refused: no server up") \
	_(NEIGH_UNRESOLVED, "neigh_unresolved", "next-hop MAC not resolved yet") \
	_(NO_ROUTE,         "no_route",         "no port subnet or route reaches the client") \
	_(CTL_RING_FULL,    "ctl_ring_full",    "control ring full (ARP, ICMP)") \
	_(HANDOFF_FULL,     "handoff_full",     "ring to the owning worker full") \
	_(TX_FULL,          "tx_full",          "transmit queue full") \
	_(FS_GAP,           "fs_gap",           "fail-safe: segment past a gap in bytes its framing needs (resent by its sender)")

enum nc_drop {
#define NC_DROP_ENUM(e, n, d) NC_DROP_##e,
	NC_FOREACH_DROP(NC_DROP_ENUM)
#undef NC_DROP_ENUM
	NC_DROP_MAX
};

#define NC_DP_MAX_PORTS    8    /* = NC_MAX_PORTS */
#define NC_DP_MAX_SERVICES 32   /* = NC_MAX_SERVICES */
#define NC_DP_MAX_SERVERS  64   /* = NC_MAX_SERVERS */

/* Per-service counters. */
struct nc_svc_stats {
	uint64_t pkts_c2s;
	uint64_t pkts_s2c;
	uint64_t bytes_c2s;
	uint64_t bytes_s2c;
	uint64_t flows_opened;
	uint64_t flows_closed;
	uint64_t server_flows[NC_DP_MAX_SERVERS];   /* flows opened per server */
	/* transaction fail-safe */
	uint64_t fs_held;           /* requests held */
	uint64_t fs_released;       /* held requests answered */
	uint64_t fs_replays;        /* requests replayed on another server */
	uint64_t fs_resets;         /* flows given up: no server left or max_replays reached */
	uint64_t fs_store_full;     /* requests not held: store or copy pool full */
	uint64_t fs_waited;         /* TCP requests past their deadline on the only server
				     * up, held for another wait rather than broken */
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
};

/* Counters of one worker (plain integers, written only by it) or their sum. */
struct nc_dp_stats {
	uint64_t drop[NC_DROP_MAX];
	uint64_t rx[NC_DP_MAX_PORTS];
	uint64_t tx[NC_DP_MAX_PORTS];
	uint64_t to_ctl;            /* packets passed to the control lcore */
	uint64_t handoff_out;       /* packets passed to the owning worker */
	uint64_t handoff_in;
	uint64_t flow_changes;  /* flows opened or closed in-line (burst bookkeeping) */
	uint64_t tcp_port_early_reuse;  /* TCP flows on a local port still resting */
	struct nc_svc_stats svc[NC_DP_MAX_SERVICES];
};

#endif /* NC_DP_TYPES_H */
