/* SPDX-License-Identifier: BSD-3-Clause
 * The cluster channel: authenticated, versioned UDP messages between the
 * dispatchers of one cluster (DESIGN.md, "Several dispatchers"): heartbeats
 * (state, front MACs, a configuration digest per service, the weights each
 * one publishes) and, every adaptive interval, each dispatcher's response-time
 * measurements, merged so that every dispatcher runs the weight controller
 * on the same figures and publishes the same weights.
 *
 * A kernel UDP socket, nonblocking, polled from the control lcore's loop (no
 * thread of its own): the channel runs over the host address that the kernel
 * owns through the exception path. No EAL: the unit tests run instances on
 * 127.0.0.1. Time is always passed in (<now_ms>: a monotonic clock in ms;
 * interval numbers: the caller's wall clock), so tests never wait.
 *
 * Every function is for the thread that owns the channel (the control
 * lcore) unless it says otherwise; a channel is not thread-safe.
 *
 * ---- Wire format (version 1; every integer big-endian) ----
 *   header, 32 bytes:
 *     u32 magic "NCCL" (0x4e43434c)   u8 version (major, 1)   u8 type (1 heartbeat,
 *     2 measurements)   u8 af (address family of addresses in records: 4 = IPv4)
 *     u8 sender's cluster id (0..15)   u16 payload length   u16 flags (0)   u32 0
 *     u64 sender's boot epoch (microseconds of CLOCK_REALTIME at its start)
 *     u64 sequence number (per sender and epoch, from 1)
 *   payload: records, each u16 type, u16 value length, value
 *   trailer: HMAC-SHA256 (32 bytes) over header and payload, with the shared secret
 * Records (unknown types are skipped by their length, so later versions add
 * records - flow and transaction sync, IPv6 addresses - without breaking
 * older peers; a new major version is counted and dropped):
 *   1 STATE    u8 state (1 ready, 2 draining, 3 stopping), u8 n_macs, u16 0,
 *              u32 heartbeat_ms, u64 sender's clock (ms, echoed for the rtt),
 *              n_macs x 6 bytes (front MACs)
 *   2 ECHO     u8 id of the peer echoed, u8 0, u16 0, u32 ms held, u64 its clock
 *   3 DIGEST   u8 name length, name, 16 bytes: the service's configuration digest
 *   4 WEIGHTS  u64 interval, u8 name length, u8 servers, u8 flags (1 synced,
 *              2 held), u8 out_of_band, u64 moves, name, per server: u8 weight,
 *              u8 up, u8 weight when it went down, u8 has_rt, u64 rt_smooth
 *              (IEEE-754 bits): the weights published after that interval and
 *              the controller's whole state, so that a (re)joining dispatcher
 *              continues exactly where the others are
 *   5 MEASURE  u64 interval, u8 server, u8 servers, u8 name length, u8 buckets,
 *              u64 count, u64 sum_us, u64 probe_sum_us, u64 probe_n, name,
 *              buckets x (u8 bucket, u32 count): one server's interval figures
 *              (struct nc_rt_agg, the histogram sparse)
 * Record types from NC_CL_REC_APP (16) up belong to the application (flow
 * sync: app/netchestra/sync.c): the channel checks only their framing and
 * hands them, once the message is accepted, to the params' rec callback; they
 * travel in messages of type 3 (sync, nc_cluster_send_rec) or in heartbeats
 * (nc_cluster_set_hb_rec).
 * Every sender numbers its messages from 1 in one sequence; heartbeats and
 * measurements go to every peer, sync messages to the peers that are up (a
 * stream of them to an address that does not answer ARP would fill the
 * socket's send buffer). A number skipped is a message lost, counted (gaps)
 * and reported (NC_CL_EV_GAP), so what it carried can be repaired.
 * A datagram is at most NC_CL_MSG_MAX bytes (no IP fragments); what does not
 * fit goes in further messages of the same type.
 * Checks, in order, each failure counted under its own reason and the
 * message dropped: length, magic, payload length (malformed); version;
 * HMAC, compared in constant time (bad_auth); sender address and port among
 * the peers, not claiming our own id (unknown_peer); epoch not older and
 * sequence newer than the last accepted from that peer (replayed); every
 * record's length (malformed). Only then is anything in it used.
 */
#ifndef NC_CLUSTER_H
#define NC_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nc_config_types.h"
#include "nc_monitor.h"

/* NC_CLUSTER_MAX_PEERS, _MAX_ID, _SECRET_MIN, _SECRET_MAX: nc_config_types.h */
#define NC_CL_MAGIC           0x4e43434cu   /* "NCCL" */
#define NC_CL_VERSION         1
#define NC_CL_AF_INET         4
#define NC_CL_HDR_LEN         32
#define NC_CL_MAC_LEN         32            /* HMAC-SHA256 */
#define NC_CL_MSG_MAX         1400          /* a datagram, header to HMAC */
#define NC_CL_DIGEST_LEN      16
#define NC_CL_MAX_MACS        NC_MAX_PORTS

enum nc_cl_msg_type { NC_CL_MSG_HEARTBEAT = 1, NC_CL_MSG_MEASURE = 2, NC_CL_MSG_SYNC = 3 };
#define NC_CL_REC_APP 16   /* record types from here up: the application's */
enum nc_cl_rec_type {
	NC_CL_REC_STATE = 1, NC_CL_REC_ECHO, NC_CL_REC_DIGEST, NC_CL_REC_WEIGHTS, NC_CL_REC_MEASURE,
};

/* Receive verdicts: enum, API name and description from one list. */
#define NC_CL_FOREACH_RX(_) \
	_(OK, ok, "accepted") \
	_(MALFORMED, malformed, "too short, bad magic, bad payload or record length") \
	_(BAD_AUTH, bad_auth, "HMAC does not match: forged, altered, or another secret") \
	_(REPLAYED, replayed, "sequence not newer than the last accepted, or an older epoch") \
	_(VERSION, version, "unknown major version") \
	_(UNKNOWN_PEER, unknown_peer, "from an address not in peers, or claiming our own id")

enum nc_cl_rx {
#define NC_CL_RX_ENUM(e, n, d) NC_CL_RX_##e,
	NC_CL_FOREACH_RX(NC_CL_RX_ENUM)
#undef NC_CL_RX_ENUM
	NC_CL_RX_MAX
};
extern const char *const nc_cl_rx_name[NC_CL_RX_MAX];   /* "ok", "malformed", ... */
extern const char *const nc_cl_rx_desc[NC_CL_RX_MAX];

/* ---- wire (pure; any thread) ---- */

struct nc_cl_hdr {
	uint32_t magic;
	uint8_t version, type, af, id;
	uint16_t payload_len, flags;
	uint64_t epoch, seq;
};

/* A message being built: header, records, then sealed with the HMAC. */
struct nc_cl_msg {
	uint8_t buf[NC_CL_MSG_MAX];
	size_t len;          /* header and records so far */
	unsigned int n_rec;
};

/* Start message <m> of <type> from cluster id <id>, epoch <epoch>. */
void nc_cl_msg_init(struct nc_cl_msg *m, uint8_t type, uint8_t id, uint64_t epoch);

/* Append a record; -ENOSPC when it does not fit (nothing added), -EINVAL when
 * <len> is over 65535. */
int nc_cl_msg_add(struct nc_cl_msg *m, uint16_t type, const void *val, size_t len);

/* Write sequence <seq>, the payload length and the HMAC with <key>: returns
 * the datagram's length (header + payload + NC_CL_MAC_LEN), or 0 on a failure
 * of the HMAC. */
size_t nc_cl_msg_seal(struct nc_cl_msg *m, uint64_t seq, const uint8_t *key, size_t key_len);

/* Check datagram <d> of <len> bytes (structure, version, HMAC with <key>):
 * NC_CL_RX_OK with the header in <h> and the payload at <payload>, or
 * NC_CL_RX_MALFORMED / NC_CL_RX_VERSION / NC_CL_RX_BAD_AUTH. */
enum nc_cl_rx nc_cl_msg_check(const uint8_t *d, size_t len, const uint8_t *key, size_t key_len,
			      struct nc_cl_hdr *h, const uint8_t **payload);

/* Next record of <payload> (<plen> bytes) from *<off>: 1 with its type, value
 * and length (and *<off> moved past it), 0 at the end, -EBADMSG when a record
 * header or value runs past the payload. */
int nc_cl_rec_next(const uint8_t *payload, size_t plen, size_t *off, uint16_t *type,
		   const uint8_t **val, uint16_t *vlen);

/* ---- configuration digest (pure; any thread) ---- */

/* Digest of what must be equal on every dispatcher for a service: name, VIP,
 * port, protocol, scheduler (with maglev_size and maglev_seed), persistence, servers in order (name, address,
 * port, startup weight), adaptive and fail-safe settings. Not run-time
 * weights or health. SHA-256, first NC_CL_DIGEST_LEN bytes. */
void nc_cluster_service_digest(const struct nc_cfg_service *svc, uint8_t out[NC_CL_DIGEST_LEN]);

/* ---- the channel ---- */

enum nc_cluster_state {
	NC_CLUSTER_READY = 1,      /* taking flows */
	NC_CLUSTER_DRAINING,       /* its VIP announcement withdrawn, flows finishing */
	NC_CLUSTER_STOPPING,       /* sent on a clean stop */
};
/* "ready", "draining", "stopping". */
const char *nc_cluster_state_name(enum nc_cluster_state s);

/* A peer as this dispatcher sees it. */
enum nc_cluster_peer_state {
	NC_PEER_DOWN = 0,          /* never heard, or nothing for dead_ms */
	NC_PEER_UP,
	NC_PEER_STOPPING,          /* said so in its last heartbeat */
};
/* "down", "up", "stopping". */
const char *nc_cluster_peer_state_name(enum nc_cluster_peer_state s);

enum nc_cluster_log { NC_CL_LOG_WARNING = 0, NC_CL_LOG_NOTICE, NC_CL_LOG_INFO };

/* What happened to peer <peer> (an index of params.peer_addr), or, STALLED,
 * to this dispatcher: its own loop stood still for <value> ms, more than
 * dead_ms (frozen, or starved): the peers may have taken it for dead. The
 * peers' silence during the stall is not held against them. */
enum nc_cluster_event {
	NC_CL_EV_PEER_UP = 1,
	NC_CL_EV_PEER_DOWN,        /* silent for dead_ms */
	NC_CL_EV_PEER_STOPPING,    /* said so */
	NC_CL_EV_PEER_RESTARTED,   /* a new epoch: it started again */
	NC_CL_EV_GAP,              /* <value> of its messages were lost */
	NC_CL_EV_STALLED,
};
typedef void (*nc_cluster_event_cb)(void *arg, enum nc_cluster_event ev, int peer, uint64_t value);
/* An application record (type >= NC_CL_REC_APP) of an accepted message from
 * peer <peer> (cluster id <id>), in message type <msg_type>. */
typedef void (*nc_cluster_rec_cb)(void *arg, unsigned int peer, uint8_t id, uint8_t msg_type,
				  uint16_t type, const uint8_t *val, uint16_t len, uint64_t now_ms);
/* Log lines of the channel (peers up and down, configuration mismatches, weights adopted). */
typedef void (*nc_cluster_log_cb)(void *arg, enum nc_cluster_log level, const char *text);

struct nc_cluster_params {
	uint8_t id;                          /* 0..NC_CLUSTER_MAX_ID */
	uint8_t family;                      /* AF_INET6: the addresses are bind_addr6 and
					      * peer_addr6; else (0 too) IPv4 */
	uint32_t bind_addr;                  /* host order */
	uint8_t bind_addr6[16];              /* network order */
	uint16_t bind_port;
	unsigned int n_peers;                /* 1..NC_CLUSTER_MAX_PEERS */
	uint32_t peer_addr[NC_CLUSTER_MAX_PEERS];   /* host order */
	uint8_t peer_addr6[NC_CLUSTER_MAX_PEERS][16];
	uint16_t peer_port[NC_CLUSTER_MAX_PEERS];
	const uint8_t *secret;               /* copied */
	size_t secret_len;                   /* NC_CLUSTER_SECRET_MIN..MAX */
	uint32_t heartbeat_ms;
	uint32_t dead_ms;
	uint32_t join_ms;                    /* how long a starting dispatcher waits for a
					      * synced peer's weights before going on with
					      * its own (0: dead_ms) */
	uint64_t epoch;                      /* 0: CLOCK_REALTIME in microseconds */
	bool freebind;                       /* bind before the kernel has the address
					      * (IP_FREEBIND: the exception interface may
					      * get it a moment later) */
	nc_cluster_log_cb log;               /* may be NULL */
	void *log_arg;
	bool detect_stall;                   /* a poll more than dead_ms after the last is
					      * this dispatcher's stall (NC_CL_EV_STALLED),
					      * not the peers' silence */
	nc_cluster_event_cb event;           /* may be NULL */
	nc_cluster_rec_cb rec;               /* may be NULL: application records skipped */
	void *cb_arg;
};

struct nc_cluster;

/* Open the socket (bound to bind_addr:bind_port, or [bind_addr6]:bind_port,
 * nonblocking) and set up the channel. <now_ms> starts the wait for peers before this dispatcher, hearing
 * no synced one, goes on with its own weights. NULL with *<err> a negative
 * errno. */
struct nc_cluster *nc_cluster_create(const struct nc_cluster_params *p, uint64_t now_ms, int *err);
void nc_cluster_free(struct nc_cluster *c);

/* The socket, to wait on. */
int nc_cluster_fd(const struct nc_cluster *c);

/* What the next heartbeats say: state, front MACs (at most NC_CL_MAX_MACS). */
void nc_cluster_set_state(struct nc_cluster *c, enum nc_cluster_state st);
void nc_cluster_set_macs(struct nc_cluster *c, const uint8_t (*mac)[6], unsigned int n);

/* Describe service slot <s> (below NC_MAX_SERVICES): its name, configuration
 * digest, server slots, and the interval length its measurements are merged
 * at (0: not adaptive, no measurements exchanged). A new name or digest
 * starts the service afresh (unsynced). <n_services> slots are in use. */
int nc_cluster_service_set(struct nc_cluster *c, unsigned int s, const char *name,
			   const uint8_t digest[NC_CL_DIGEST_LEN], unsigned int n_servers,
			   uint32_t interval_ms);
void nc_cluster_set_n_services(struct nc_cluster *c, unsigned int n_services);

/*
 * Receive every waiting datagram, send a heartbeat when one is due, mark
 * peers down that were silent for dead_ms. Returns the datagrams handled.
 */
unsigned int nc_cluster_poll(struct nc_cluster *c, uint64_t now_ms);

/* Send a heartbeat now (e.g. the last one, state stopping, on a clean stop). */
int nc_cluster_heartbeat(struct nc_cluster *c, uint64_t now_ms);

/* Add application record <type> (>= NC_CL_REC_APP) to the sync message
 * being built, sending it to every peer first when it is full.
 * nc_cluster_send_flush() sends what is built. 0, or -EINVAL (a bad type or
 * a value that cannot fit a datagram). */
int nc_cluster_send_rec(struct nc_cluster *c, uint16_t type, const void *val, size_t len);
void nc_cluster_send_flush(struct nc_cluster *c);

/* Application record <type> (>= NC_CL_REC_APP) carried by every heartbeat
 * from now on (at most 256 bytes); <len> 0 drops it. One per type, at most 4. */
int nc_cluster_set_hb_rec(struct nc_cluster *c, uint16_t type, const void *val, size_t len);

/* ---- merged measurements: the interval plumbing ---- */

/* The interval of service <s> that wall-clock time <real_ms> is in:
 * real_ms / interval_ms (intervals are aligned to multiples of it). */
uint64_t nc_cluster_interval_of(const struct nc_cluster *c, unsigned int s, uint64_t real_ms);

/*
 * This dispatcher's figures of interval <k> of service <s> (<n> server
 * slots): kept as its own contribution and sent to every peer. Returns 0 or
 * a negative errno (-EINVAL: not adaptive here, or a bad slot count).
 */
int nc_cluster_measure_put(struct nc_cluster *c, unsigned int s, uint64_t k,
			   const struct nc_rt_agg *agg, unsigned int n, uint64_t now_ms);

/*
 * The merged figures of the interval put last, once ready: every peer that is
 * up and has the same configuration digest has sent its figures for it, or
 * <force> (the caller's bound on the wait, e.g. half an interval, passed).
 * Returns 1 with <out> (n_servers slots) summed over what arrived, *<k> and
 * *<contributors> (this dispatcher included); 0 when not ready yet or
 * nothing is pending. Each interval is merged once.
 */
int nc_cluster_merge(struct nc_cluster *c, unsigned int s, bool force, struct nc_rt_agg *out,
		     uint64_t *k, unsigned int *contributors, uint64_t now_ms);

/* The weights and controller state this dispatcher published after interval
 * <k> of service <s>: sent in its heartbeats. */
void nc_cluster_weights_set(struct nc_cluster *c, unsigned int s, uint64_t k,
			    const struct nc_wset *ws, const struct nc_adapt_state *ad);

/*
 * Should this dispatcher take another's weights for service <s>? Yes (1,
 * with <ws>, <ad>, <k> to adopt) when it has not synced yet (it (re)joined)
 * and the lowest-id live synced peer with the same digest published some, or
 * when that peer's id is below ours and its weights for the interval we
 * published last differ from ours while both see the same servers up. The
 * caller adopts them and reports it with nc_cluster_weights_set.
 * A dispatcher that heard no synced peer for join_ms after its start goes on
 * with its own weights (synced). 0: nothing to adopt.
 */
int nc_cluster_adopt(struct nc_cluster *c, unsigned int s, struct nc_wset *ws,
		     struct nc_adapt_state *ad, uint64_t *k, uint64_t now_ms);

/* ---- reading ---- */

struct nc_cluster_counters {
	uint64_t tx;                    /* datagrams sent */
	uint64_t tx_failed;             /* sendto failed */
	uint64_t rx[NC_CL_RX_MAX];      /* datagrams received, by verdict */
	uint64_t rx_records_skipped;    /* records of unknown types in accepted messages */
	uint64_t gaps;                  /* messages of peers lost (sequence numbers skipped) */
	uint64_t stalls;                /* this dispatcher's loop stood still for over dead_ms */
};
void nc_cluster_counters_get(const struct nc_cluster *c, struct nc_cluster_counters *out);

struct nc_cluster_peer_info {
	uint8_t family;                 /* AF_INET or AF_INET6 (addr6) */
	uint32_t addr;                  /* host order */
	uint8_t addr6[16];
	uint16_t port;
	int id;                         /* -1: never heard */
	enum nc_cluster_peer_state state;
	enum nc_cluster_state said;     /* the state in its last heartbeat (0: none) */
	int64_t last_heard_ms;          /* ms ago; -1: never */
	int64_t rtt_us;                 /* -1: not measured yet */
	uint64_t epoch;
	uint64_t rx_ok;
	unsigned int n_macs;
	uint8_t mac[NC_CL_MAX_MACS][6];
};
int nc_cluster_n_peers(const struct nc_cluster *c);
int nc_cluster_peer_get(const struct nc_cluster *c, unsigned int i, uint64_t now_ms,
			struct nc_cluster_peer_info *out);

/* Peer <i>'s view of service <s>. */
struct nc_cluster_peer_svc {
	bool digest_known;              /* a DIGEST record for the name was heard */
	bool digest_match;
	bool has_weights;
	bool synced;
	uint64_t k;                     /* interval of the weights */
	struct nc_wset ws;
};
int nc_cluster_peer_service(const struct nc_cluster *c, unsigned int i, unsigned int s,
			    struct nc_cluster_peer_svc *out);

/* This dispatcher's side of service <s>. */
struct nc_cluster_svc_info {
	bool adaptive;                  /* measurements exchanged */
	bool synced;
	bool has_weights;
	uint64_t k;                     /* last interval published */
	unsigned int contributors;      /* dispatchers in the last merge */
	uint64_t merges, merges_partial;/* merges, those not waited for every peer */
	uint64_t adopted;               /* weights taken from a peer */
	struct nc_wset ws;
};
int nc_cluster_service_info(const struct nc_cluster *c, unsigned int s,
			    struct nc_cluster_svc_info *out);

uint8_t nc_cluster_id(const struct nc_cluster *c);
enum nc_cluster_state nc_cluster_get_state(const struct nc_cluster *c);
uint64_t nc_cluster_epoch(const struct nc_cluster *c);

#endif /* NC_CLUSTER_H */
