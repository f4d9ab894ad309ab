/* SPDX-License-Identifier: BSD-3-Clause
 * Flow table: one per worker, written and read only by its worker, so it needs
 * no lock and no atomics. Packets of a flow reach the owning worker through a
 * ring when they arrive on another one (see lib/dp).
 *
 * Client leg: cuckoo buckets of one cache line keyed by the client 5-tuple's
 * hash, each way a signature and a flow index; the key itself is compared in
 * the flow's own line, and a burst is looked up in stages with each stage's
 * lines prefetched one stage ahead (flow.c). Server leg: the flow owns a local port on a
 * local IP, so the reply is found by direct index (local IP, local port) ->
 * flow, with no hashing. Local ports are partitioned between workers
 * (port % n_workers == worker), which is how a reply finds its worker.
 */
#ifndef NC_FLOW_H
#define NC_FLOW_H

#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash.h>

#include "nc_common.h"

#define NC_LPORT_MIN 1024
#define NC_LPORT_MAX 65535

/* Client-side 5-tuple as on the wire (network order). 16 bytes, hashed whole. */
struct nc_flow_key {
	uint32_t src_ip;     /* client */
	uint32_t dst_ip;     /* VIP */
	uint16_t src_port;
	uint16_t dst_port;
	uint8_t proto;
	uint8_t pad[3];
};

/*
 * IPv6 flows live in the same table: the same flow entries, local ports,
 * expiry and indexes, after the IPv4 ones (index >= the IPv4 slots), so an
 * IPv4 flow stays where and what it is. Their client leg is a second rte_hash
 * keyed by the IPv6 5-tuple; their addresses sit in a side array, one cache
 * line per flow (nc_flow6_addr_at). An IPv6 flow's nc_flow key holds its ports
 * and protocol and pad[0] = NC_FLOW_KEY_V6, so no IPv4 key ever equals it; its
 * IPv4 addresses are 0 when it opens (with IPv6 servers, its windows: seq6;
 * a NAT64 flow's are in its nc_flow6_addr: seq64).
 */
struct nc_flow6_key {
	uint8_t src_ip[16];  /* client */
	uint8_t dst_ip[16];  /* VIP */
	uint16_t src_port;
	uint16_t dst_port;
	uint8_t proto;
	uint8_t pad[3];
} __rte_aligned(8);   /* hashed 8 bytes at a time */

#define NC_FLOW_KEY_V6 1   /* nc_flow_key.pad[0] of an IPv6 flow */
#define NC_FLOW_KEY_64 2   /* ... with | of one whose server leg is IPv4 (NAT64): its
			    * lip and server_ip are IPv4 as an IPv4 flow's */

/* A TCP leg's sequence window (host order), as lib/dp keeps it for the ICMP
 * errors that quote the leg's segments (dp_fastpath.h). */
struct nc_flow_seq_leg {
	uint32_t una;   /* oldest byte its peer has not acknowledged */
	uint32_t nxt;   /* past the last byte (SYN, FIN) sent to it */
};

/* An IPv6 flow's addresses (network order). */
struct nc_flow6_addr {
	uint8_t client[16];
	uint8_t vip[16];
	union {
		struct {
			uint8_t lip[16];
			uint8_t server[16];
		};
		/* a NAT64 flow's local IP and server are IPv4, in its flow
		 * line: its TCP legs' windows sit here, in the line its
		 * packets read anyway */
		struct {
			struct nc_flow_seq_leg seq64[2];
			uint8_t seq64_known;   /* seq64's legs started, a bit each */
		};
	};
} __rte_cache_aligned;

enum nc_flow_state {
	NC_FLOW_FREE = 0,
	NC_FLOW_SYN,         /* TCP: SYN seen, handshake not complete */
	NC_FLOW_EST,         /* TCP: established */
	NC_FLOW_CLOSING,     /* TCP: FIN both ways or RST: lingering */
	NC_FLOW_UDP,
};

#define NC_FLOW_FIN_C 0x1    /* client sent FIN */
#define NC_FLOW_FIN_S 0x2    /* server sent FIN */

#define NC_FLOW_REQ   0x1    /* mon: a request is waiting for its first response byte */
#define NC_FLOW_REPLAY_SHIFT 3   /* mon bits 3-7: moves of the unanswered request by the fail-safe */

#define NC_FLOW_SYNCED  0x1  /* sync: the peers have a replica of it */
#define NC_FLOW_ADOPTED 0x2  /* sync: taken over from a dead dispatcher; what it
			      * holds is replayed at its deadline as that dispatcher's */
#define NC_FLOW_SYNC_DATA 0x4  /* sync: the peers know bytes passed (not fresh) */
#define NC_FLOW_ISN     0x8  /* sync: a peer's connection installed before its client's
			      * first byte: c_isn holds the client's initial sequence
			      * number (its SYN again is the same connection's) */

/* One flow; one cache line. All addresses and ports in network order. */
struct nc_flow {
	union {
		struct {
			uint32_t lip;
			uint32_t server_ip;
			struct nc_flow_key key;
		};
		/* an IPv6 flow with IPv6 servers (nc_flow_is_v6only) has no
		 * IPv4 addresses: its TCP legs' windows sit in their place, in
		 * the line its packets read anyway */
		struct nc_flow_seq_leg seq6[2];
	};
	uint16_t lport;
	uint16_t server_port;
	/* folded checksum deltas (RFC 1624) for each direction's rewrite */
	union {
		uint16_t c2s_ip_delta;
		uint8_t seq6_known;   /* nc_flow_is_v6only: seq6's legs started, a bit each */
	};
	uint16_t c2s_l4_delta;
	uint16_t s2c_ip_delta;
	uint16_t s2c_l4_delta;
	uint32_t expire_ms;  /* worker clock (ms) after which the flow is idle */
	uint32_t nh_server;  /* neighbor entry towards the server */
	uint32_t nh_client;  /* neighbor entry towards the client */
	uint16_t lip_idx;
	uint8_t state;       /* enum nc_flow_state */
	uint8_t fin;         /* NC_FLOW_FIN_* */
	uint8_t svc;
	uint8_t server;
	uint8_t mon;         /* NC_FLOW_REQ, replays << NC_FLOW_REPLAY_SHIFT */
	uint8_t rest;        /* its server's bit for port resting (nc_flow_rest_bit) */
	union {
		uint32_t req_us;   /* worker clock (us) when the waiting request left */
		uint32_t c_isn;    /* NC_FLOW_ISN, until the client's first byte */
	};
	uint8_t sync;        /* NC_FLOW_SYNCED, NC_FLOW_ADOPTED (cluster sync) */
	uint8_t ca;          /* enum nc_client_addr the flow opened with (NC_FLOW_CA_MODE),
	                      * | NC_FLOW_CA_ACKED; 0: none */
	uint8_t ca_len;      /* PROXY: bytes of the header sent, the shift of the client's
	                      * stream; 0 before it went */
	uint8_t limit;       /* NC_FLOW_HALF_OPEN, NC_FLOW_UNREPLIED */
} __rte_cache_aligned;

#define NC_FLOW_HALF_OPEN 0x1   /* limit: TCP, counted as a handshake under way */
#define NC_FLOW_UNREPLIED 0x2   /* limit: UDP, counted as never answered (its timeout
				 * limits.udp_unreplied_s) */

#define NC_FLOW_CA_MODE  0x7f   /* ca: the mode */
#define NC_FLOW_CA_ACKED 0x80   /* ca: the server acknowledged the PROXY header: its
				 * acknowledgements come back ca_len less, without a
				 * look at the side state */

struct nc_flow_table;

/*
 * A server's bit (0..31) for the resting of local ports: a port a TCP flow to
 * that server freed rests for it (the server may hold the 4-tuple in
 * TIME_WAIT) and not for servers of another bit. <addr> and <port> as a
 * schedule lists the server (network order; an IPv6 server by its 32-bit id).
 * Servers that share a bit rest together: never less safe, only sooner full.
 */
static inline uint8_t
nc_flow_rest_bit(uint32_t addr, uint16_t port)
{
	uint32_t h = (addr ^ ((uint32_t)port << 16 | port)) * 0x9e3779b1u;

	return (uint8_t)(h >> 27);
}

/*
 * Create a worker's table for <capacity> flows. Local ports: this table owns
 * port p on every one of <n_lips> local IPs when p % <n_workers> == <worker>,
 * except the ports listed in <skip> for that IP (services on an address that is
 * also a local IP). <lport_map> is shared by all workers: n_lips * 65536 entries,
 * each written only by the port's owner. Control lcore, before workers start.
 * Returns NULL and sets rte_errno on failure.
 */
struct nc_flow_table *nc_flow_table_create(const char *name, uint32_t capacity, int socket,
					   uint16_t worker, uint16_t n_workers, uint16_t n_lips,
					   uint32_t *lport_map,
					   int (*skip)(uint16_t lip_idx, uint16_t port, void *arg),
					   void *skip_arg);

/* Free the table. */
void nc_flow_table_free(struct nc_flow_table *t);

/* Hash of a key, as used by the table (and to pick the owning worker). */
uint32_t nc_flow_hash(const struct nc_flow_key *k);

/* Look up <n> keys with their hashes; <pos>[i] gets the flow index or -ENOENT. */
void nc_flow_lookup_bulk(struct nc_flow_table *t, const struct nc_flow_key **keys,
			 const uint32_t *hash, uint32_t n, int32_t *pos);

/*
 * nc_flow_lookup_bulk() in three steps, for a caller that does other work
 * between them while each step's lines arrive: start (each key's bucket
 * prefetched), ways (its signature matched there, the flow lines of the
 * matching ways prefetched; with none, its other bucket when that may hold
 * it), end (the keys compared in the flow lines: <pos>[i] the flow index or
 * -ENOENT). A step's answer is as of that step: a flow opened or closed
 * between them is the caller's to look up again.
 */
struct nc_flow_probe {
	uint32_t bkt;    /* the bucket to look in */
	uint32_t idx;    /* ways step: the flow index of a way holding sig (the
			  * last), for the caller's per-flow state; UINT32_MAX: none */
	uint16_t sig;
	uint8_t ways;    /* ways of bkt holding sig, a bit each (ways step) */
	uint8_t other;   /* bkt is the key's other bucket, its ways not matched yet */
};

/* A miss of probe <pr> may be wrong once the table changed: its signature's
 * ways held other keys, or it looked in the key's other bucket (an insert may
 * have moved the key between the steps). Otherwise the key was absent. */
static inline int
nc_flow_probe_unsure(const struct nc_flow_probe *pr)
{
	return pr->ways != 0 || pr->other;
}

void nc_flow_probe_start(const struct nc_flow_table *t, const uint32_t *hash, uint32_t n,
			 struct nc_flow_probe *pr);
void nc_flow_probe_ways(const struct nc_flow_table *t, struct nc_flow_probe *pr, uint32_t n);
void nc_flow_probe_end(const struct nc_flow_table *t, const struct nc_flow_probe *pr,
		       const struct nc_flow_key *const *keys, uint32_t n, int32_t *pos);

/* Look up one key; flow index or -ENOENT. */
int32_t nc_flow_lookup(struct nc_flow_table *t, const struct nc_flow_key *k, uint32_t hash);

/*
 * Open a flow for <k> to a server of rest bit <rest> (nc_flow_rest_bit): take
 * a free local port on one of the local IPs listed in <lips> (tried in turn
 * from <*lip_cursor>), insert the key. Returns the new flow with key, lip_idx,
 * lport, rest and state (SYN for TCP, UDP otherwise) set; the caller fills in
 * the rest. NULL with *err = -ENOSPC (table full) or -NC_ENOPORTS (no free
 * local port). <steer>: with the table steered (nc_flow_table_steer), the
 * receive queue the server's answers must reach, less the server's share of
 * it; a port is then taken whose answers do, when one of the next few is
 * free; NC_LPORT_ANY: any port.
 */
struct nc_flow *nc_flow_add(struct nc_flow_table *t, const struct nc_flow_key *k, uint32_t hash,
			    const uint16_t *lips, uint16_t n_lips, uint16_t *lip_cursor, uint8_t rest,
			    uint8_t steer, int *err);

/*
 * Take over flow <k> from another dispatcher (cluster sync): insert it with
 * its own local port <lport> (host order) of local IP <lip_idx>, which must be
 * this table's (lport % n_workers == worker) and free. Returns the flow with
 * key, lip_idx, lport and state (SYN for TCP, UDP otherwise) set, as
 * nc_flow_add(); NULL with *err = -ENOSPC (table full), -EEXIST (the key or
 * the port is taken) or -EINVAL (not this table's port).
 */
struct nc_flow *nc_flow_adopt(struct nc_flow_table *t, const struct nc_flow_key *k, uint32_t hash,
			      uint16_t lip_idx, uint16_t lport, int *err);

/*
 * TIME_WAIT-aware port reuse: a local port freed by a TCP flow is not given to
 * another TCP flow to the same server (its rest bit) for <cool_ms> while a port
 * that has cooled for that server (or was never used) is free on any of the
 * service's local IPs; when none is, the oldest is taken and counted
 * (nc_flow_early_reuse). A flow to another server takes the port at once: the
 * 4-tuple differs. A UDP flow between leaves a port's resting as it was. A fresh table starts its port
 * order where a cursor going once round all ports every <cool_ms> would be at
 * wall-clock time <wall_ms>: a restarted appliance then starts past the ports
 * its previous run used, as long as that run used them no faster than that.
 * Owner lcore, before use.
 */
void nc_flow_set_tcp_reuse(struct nc_flow_table *t, uint32_t cool_ms, uint64_t wall_ms);

/* The owner's clock, in ms, for port cooling. Call as time passes. */
void nc_flow_set_clock(struct nc_flow_table *t, uint32_t now_ms);

/* TCP flows that had to take a port still cooling. Any lcore (a statistic). */
uint64_t nc_flow_early_reuse(const struct nc_flow_table *t);

/*
 * Steering of local ports: a NIC spreading a port's packets over 2^<bits>
 * receive queues by the low bits of a Toeplitz hash (nc_rss4, nc_rss6)
 * sends a server's answer to the queue made of three shares XORed: the
 * server's (its address and port), the local IP's and the local port's.
 * For local IP <lip>: bit j of port p's share is the parity of p &
 * <port_mask>[j], the address's own share is <share>. nc_flow_add() then
 * takes, when asked, a port whose answers reach the queue of the worker
 * that owns the flow, and no answer crosses to another worker. <bits> 0:
 * the local IP's ports are not steered (the default). Owner or control
 * lcore, before use. 0 or -EINVAL (bits over NC_STEER_BITS_MAX, no such
 * local IP).
 */
#define NC_STEER_BITS_MAX 3
#define NC_LPORT_ANY      0xff
int nc_flow_table_steer(struct nc_flow_table *t, uint16_t lip, uint8_t bits,
			const uint16_t *port_mask, uint8_t share);

/* Flows given a port against their steering (none of the next few free
 * ports fitted): their server's answers reach another worker's queue and
 * are handed over. Any lcore (a statistic). */
uint64_t nc_flow_steer_missed(const struct nc_flow_table *t);

/*
 * Give flow <idx>, now to a server of rest bit <rest>, another local port,
 * taken as nc_flow_add() takes one (from <lips>, in turn from <*lip_cursor>;
 * ports rested for that server first, steered by <steer>); its old port is
 * freed (resting for its old server, for TCP). The flow's key and index stay; the caller
 * updates what it derived from lip/lport. So a connection moved to a new
 * server connection never reuses the old 4-tuple. Owner lcore. Returns 0, or
 * -NC_ENOPORTS (the flow keeps its port) or -ENOENT.
 */
int nc_flow_move_lport(struct nc_flow_table *t, uint32_t idx, const uint16_t *lips, uint16_t n_lips,
		       uint16_t *lip_cursor, uint8_t rest, uint8_t steer);

/* Close flow <idx>: remove it and free its local port. */
void nc_flow_del(struct nc_flow_table *t, uint32_t idx);

/* Flow at index <idx>. */
struct nc_flow *nc_flow_at(struct nc_flow_table *t, uint32_t idx);

/* Flow index owning (<lip_idx>, <lport>), lport in host order; -ENOENT if none. */
int32_t nc_flow_by_lport(const struct nc_flow_table *t, uint16_t lip_idx, uint16_t lport);

/*
 * Close up to <budget> checked flows whose expire_ms has passed at <now_ms>,
 * scanning on from where the last call stopped. <on_close>(flow, arg) is called
 * before each is removed. Returns the number closed.
 */
uint32_t nc_flow_expire(struct nc_flow_table *t, uint32_t now_ms, uint32_t budget,
			void (*on_close)(const struct nc_flow *f, void *arg), void *arg);

/* Index of flow <f> (a pointer from this table). */
static inline uint32_t
nc_flow_index(struct nc_flow_table *t, const struct nc_flow *f)
{
	return (uint32_t)(f - nc_flow_at(t, 0));
}

/* Flow indexes run from 0 to nc_flow_slots() - 1 (IPv6 flows included). */
uint32_t nc_flow_slots(const struct nc_flow_table *t);

/*
 * Give table <t> room for IPv6 flows: as many slots again, after the IPv4
 * ones, one limit (capacity) over both. Owner or control lcore, right after
 * nc_flow_table_create(), before anything reads nc_flow_at(t, 0). 0 or
 * -ENOMEM.
 */
int nc_flow_table_add_v6(struct nc_flow_table *t, int socket);

/* IPv6 key <k> of client <client>:<cport> to <vip>:<vport> (addresses and
 * ports as on the wire), its padding zeroed as the hash reads it. */
static inline void
nc_flow6_key_set(struct nc_flow6_key *k, const uint8_t *client, const uint8_t *vip,
		 uint16_t cport, uint16_t vport, uint8_t proto)
{
	memcpy(k->src_ip, client, 16);
	memcpy(k->dst_ip, vip, 16);
	k->src_port = cport;
	k->dst_port = vport;
	k->proto = proto;
	k->pad[0] = k->pad[1] = k->pad[2] = 0;
}

/* Hash of an IPv6 key, as the table uses it. */
uint32_t nc_flow6_hash(const struct nc_flow6_key *k);

/* The lookup's three steps (nc_flow_probe_start and on) for IPv6 keys: the
 * ways step prefetches each flow's address line with its flow line. */
void nc_flow6_probe_start(const struct nc_flow_table *t, const uint32_t *hash, uint32_t n,
			  struct nc_flow_probe *pr);
void nc_flow6_probe_ways(const struct nc_flow_table *t, struct nc_flow_probe *pr, uint32_t n);
void nc_flow6_probe_end(const struct nc_flow_table *t, const struct nc_flow_probe *pr,
			const struct nc_flow6_key *const *keys, uint32_t n, int32_t *pos);

/* Look up an IPv6 flow: its index, or -ENOENT. */
int32_t nc_flow6_lookup(struct nc_flow_table *t, const struct nc_flow6_key *k, uint32_t hash);

/*
 * Open an IPv6 flow, as nc_flow_add() (local ports from <lips>, which are
 * IPv6 local addresses' indexes): key, lip_idx, lport and state set, and
 * the client and VIP of its addresses; the caller fills in the rest (the
 * local address and server included). NULL with *err as nc_flow_add().
 */
struct nc_flow *nc_flow6_add(struct nc_flow_table *t, const struct nc_flow6_key *k, uint32_t hash,
			     const uint16_t *lips, uint16_t n_lips, uint16_t *lip_cursor, uint8_t rest,
			     uint8_t steer, int *err);

/* Take over IPv6 flow <k> from another dispatcher, as nc_flow_adopt(): the
 * client and VIP of its addresses set too. */
struct nc_flow *nc_flow6_adopt(struct nc_flow_table *t, const struct nc_flow6_key *k, uint32_t hash,
			       uint16_t lip_idx, uint16_t lport, int *err);

/* The addresses of IPv6 flow <idx>; NULL when <idx> is an IPv4 slot. */
struct nc_flow6_addr *nc_flow6_addr_at(struct nc_flow_table *t, uint32_t idx);
/* All of them, for a caller that finds them without a call: flow <*first> + i
 * has entry i, for i < <*n> (0 before nc_flow_table_add_v6()). */
struct nc_flow6_addr *nc_flow6_addrs(struct nc_flow_table *t, uint32_t *first, uint32_t *n);

/* Flow <f> is an IPv6 flow. */
static inline int
nc_flow_is_v6(const struct nc_flow *f)
{
	return f->key.pad[0] & NC_FLOW_KEY_V6;
}

/* Flow <f> is an IPv6 client's over an IPv4 server (NAT64). */
static inline int
nc_flow_is_64(const struct nc_flow *f)
{
	return f->key.pad[0] & NC_FLOW_KEY_64;
}

/* Flow <f> is IPv6 on both legs (not NAT64): no IPv4 header, no IPv4
 * address, its windows in seq6. */
static inline int
nc_flow_is_v6only(const struct nc_flow *f)
{
	return (f->key.pad[0] & (NC_FLOW_KEY_V6 | NC_FLOW_KEY_64)) == NC_FLOW_KEY_V6;
}

/* Flows open now; capacity. Any lcore (a relaxed read of the owner's count). */
uint32_t nc_flow_count(const struct nc_flow_table *t);
uint32_t nc_flow_capacity(const struct nc_flow_table *t);
/* Free local ports left on local IP <lip_idx>. Any lcore (relaxed read). */
uint32_t nc_flow_free_lports(const struct nc_flow_table *t, uint16_t lip_idx);
/* Local ports this table owns on local IP <lip_idx>, free or taken: its pool's
 * size, fixed at creation. Any lcore. 0 for an index beyond the table's. */
uint32_t nc_flow_pool_lports(const struct nc_flow_table *t, uint16_t lip_idx);

#endif /* NC_FLOW_H */
