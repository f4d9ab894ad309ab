/* SPDX-License-Identifier: BSD-3-Clause
 * IPv4 and IPv6 fragments: reassembly of TCP and UDP datagrams in the worker
 * (DPDK's rte_ip_frag table, one per worker, both families) before they are
 * classified as any packet, and fragmentation again to the egress MTU of the
 * chains that leave. Private to lib/dp.
 */
#ifndef NC_DP_FRAG_H
#define NC_DP_FRAG_H

#include <stdint.h>

#include <rte_mbuf.h>

struct nc_worker;
struct nc_dp;

#define NC_FRAG_TIMEOUT_MS  2000   /* a datagram's fragments wait this long */
#define NC_FRAG_BUCKETS     1024   /* reassembly table of a worker: buckets ... */
#define NC_FRAG_BUCKET_ENT  8      /* ... of this many entries ... */
#define NC_FRAG_MAX_ENTRIES 4096   /* ... and this many datagrams under way at most */
#define NC_FRAG_SEEN        4096   /* fragment ranges remembered (overlap check), power of 2 */
#define NC_FRAG_OUT_MAX     48     /* fragments of one datagram out: 65535 / 1480 + 1 */
#define NC_FRAG_POOL        8191   /* direct and indirect buffers for fragments out */

/* The datagram a fragment belongs to: addresses (IPv4: the first word, the
 * rest 0), identification, protocol, family. */
struct nc_frag_key {
	uint32_t src[4], dst[4];      /* network order */
	uint32_t id;                  /* IPv4: 16 bits; IPv6: the fragment header's 32 */
	uint8_t proto;
	uint8_t v6;
	uint8_t pad[2];
};

/* Fragments' ranges of a datagram under reassembly, to find overlaps. */
struct nc_frag_seen {
	struct nc_frag_key k;         /* all 0: empty */
	uint8_t n;                    /* ranges held; NC_FRAG_POISONED: overlap found */
	uint32_t start_ms;            /* first fragment seen (worker's clock) */
	uint16_t ofs[RTE_LIBRTE_IP_FRAG_MAX_FRAG];
	uint16_t end[RTE_LIBRTE_IP_FRAG_MAX_FRAG];
};

#define NC_FRAG_POISONED 0xff

/* Start: the direct and indirect mempools of fragments out (on <socket>), and
 * the mbuf flag marking a reassembled chain. 0 or a negative errno. Control
 * lcore, before the workers. */
int nc_frag_dp_init(struct nc_dp *dp, int socket);

/* Free what nc_frag_dp_init() made. Control lcore, after the workers. */
void nc_frag_dp_free(struct nc_dp *dp);

/* Worker <w>'s reassembly table and overlap memory on <socket>. 0 or a
 * negative errno. Control lcore, before the worker runs. */
int nc_frag_worker_init(struct nc_worker *w, int socket);

/* Free worker <w>'s table, and the fragments it still holds (not counted:
 * the data plane is going away). Control lcore. */
void nc_frag_worker_free(struct nc_worker *w);

/*
 * IPv4 fragment <m> (whose header the parser accepted, MF or an offset set):
 * checked (RFC 3128 tiny fragments, RFC 1858 overlaps), then added to the
 * worker's reassembly table. Returns the reassembled datagram, an mbuf chain
 * whose first segment holds Ethernet, IPv4 (checksum valid) and the whole
 * TCP/UDP header; NULL when <m> was kept or dropped (counted). Worker lcore
 * of <w> only.
 */
struct rte_mbuf *nc_frag_in4(struct nc_worker *w, struct rte_mbuf *m);

/*
 * IPv6 fragment <m>, its Fragment header at <fh_off> (the parser's verdict
 * NC_DROP_IP_FRAGMENT): an atomic fragment (offset 0, M clear) loses its
 * Fragment header and goes on as the packet it is (RFC 6946); otherwise
 * checked - the Fragment header right after the IPv6 header, TCP or UDP
 * right after it (RFC 7112: the first fragment holds the whole header
 * chain), RFC 8200 lengths, RFC 5722 overlaps - and added to the worker's
 * reassembly table. Returns the packet or the reassembled datagram (an mbuf
 * chain whose first segment holds Ethernet, IPv6 without extension headers
 * and the whole TCP/UDP header); NULL when <m> was kept or dropped
 * (counted). Worker lcore of <w> only.
 */
struct rte_mbuf *nc_frag_in6(struct nc_worker *w, struct rte_mbuf *m, uint16_t fh_off);

/* The chain <m> marks a datagram reassembled here (it may come through a
 * handoff ring). Any lcore. */
int nc_frag_is_reassembled(const struct nc_dp *dp, const struct rte_mbuf *m);

/*
 * Buffer the reassembled chain <m> (Ethernet addresses set) for port <pidx>:
 * as it is within the MTU, else fragmented to it - IPv4 (DF set: dropped,
 * counted), or IPv6 with a Fragment header and an identification of the
 * worker's own (the appliance is the translated packet's source). Worker
 * lcore of <w> only.
 */
void nc_frag_tx(struct nc_worker *w, struct rte_mbuf *m, uint16_t pidx);

/* Free the fragments <w> dropped (death row), counted when they were put
 * there; and expire datagrams incomplete after NC_FRAG_TIMEOUT_MS. Worker
 * lcore of <w> only: after each burst, and in its idle loop. */
void nc_frag_flush(struct nc_worker *w);
void nc_frag_expire(struct nc_worker *w);

#endif /* NC_DP_FRAG_H */
