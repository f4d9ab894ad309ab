/* SPDX-License-Identifier: BSD-3-Clause
 * Flow and transaction sync (cluster.sync, DESIGN.md "Sync and takeover"):
 * nothing lost when a dispatcher dies.
 *
 * - Out: the workers' records (nc_dp_sync_take: flows established, moved,
 *   closed; UDP requests held and answered) go to every peer in sync
 *   messages, batched per control tick.
 * - In: each peer's records keep replicas here, in a table of their own
 *   (rte_hash, cluster.sync_max_flows; held requests bounded per peer by
 *   sync_max_held). A lost message (a sequence gap) or a peer's restart asks
 *   that peer for a bulk copy: it walks its tables between BULK_BEGIN and
 *   BULK_END, and what it no longer has is swept.
 * - Death: a peer silent for dead_ms (or saying it stops) has its replicas
 *   installed in our workers - its local address and port, its server, its
 *   splice - with its held requests, replayed at their deadlines unless their
 *   answers come through here; the live dispatcher with the lowest id takes
 *   its local IPs over on the back segment (gratuitous ARP), and says so in
 *   its heartbeats, one holder at a time.
 * - Return: a dispatcher that starts, or steps back, asks every live peer for
 *   a bulk copy and announces nothing until it has them; then a holder of its
 *   local IPs gives them back, and it installs the flows on them and takes
 *   them (gratuitous ARP). A frozen one that thaws (its loop stalled) stops
 *   answering for its addresses until the peers' heartbeats show whether one
 *   took them; if so it drops its flows and resyncs, never fighting for them.
 * - A TCP segment of no flow here, of a replica: sent on to the live peer
 *   that has the flow (the routers moved it), or installed from the replica
 *   when that peer is dead.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "app.h"
#include "nc_cluster.h"
#include "nc_flow.h"

/* Application records of the channel (nc_cluster.h, NC_CL_REC_APP up);
 * every integer big-endian, addresses and ports as on the wire. The layouts
 * below are af 4's; an IPv6 client's flow (af 6) has a 40-byte key (client,
 * VIP, client port, VIP port, u8 proto, 3 x 0) and, in REC_FLOW, 16-byte lip
 * and server addresses - IPv4-mapped (::ffff:a.b.c.d) for NAT64 - so its
 * records are 24 bytes longer, REC_FLOW 48 (92 bytes). */
enum {
	REC_FLOW = NC_CL_REC_APP, /* u8 af (4), u8 state, u8 flags, u8 client_address (enum
				   * nc_client_addr the flow opened with), key (16: client,
				   * VIP, client port, VIP port, u8 proto, 3 x 0), lip, server
				   * address, lport, server port, u32 delta, u32 client ISN,
				   * u32 server ISN (TCP just accepted): 44 bytes; with flag
				   * 0x80 (NC_SYNC_F_PROXIED) 12 more, the SYN proxy's bridge:
				   * u32 delta, u32 TSval offset, u8 client's window scale,
				   * u8 server's, u8 flags (timestamps), u8 0 */
	REC_CLOSE,                /* u8 af, 3 x 0, key: 20 */
	REC_HELD,                 /* u8 af, 3 x 0, key, u32 ms to its deadline, the datagram's
				   * payload: 24 + n */
	REC_RELEASE,              /* u8 af, 3 x 0, key: 20 */
	REC_BULK_REQ,             /* u8 cluster id asked, 3 x 0 */
	REC_BULK_BEGIN,           /* u32 round */
	REC_BULK_END,             /* u32 round */
	REC_SYNCSTATE,            /* heartbeats: u8 flags (1: synced), u8 0, u16 ids whose
				   * local IPs the sender holds (bit per id) */
	REC_HELD_TCP,             /* u8 af, u8 method, u8 HTTP minor, u8 head flags, key, u32 ms
				   * to its deadline, u32 first byte, u32 client ISN, u32
				   * server ISN, u32 past the last server byte the client had
				   * (the client's sequence space), the request: 40 + n */
};
#define AF4          4
#define AF6          6
#define FLOW_LEN     44
#define KEY_REC_LEN  20
#define HELD_HDR     24
#define HELD_TCP_HDR 40
#define KEY6_MORE    24            /* an af 6 key's bytes past an af 4 one's */
#define FLOW6_LEN    (FLOW_LEN + KEY6_MORE + 24)
#define FLOW_SP_LEN  12            /* a proxied flow's bridge after either */
#define HELD_MAX     NC_SYNC_HELD_MAX   /* payload bytes a held record carries */
#define TX_BATCH     256
#define TX_MAX_TICK  8192          /* records sent per tick at most */
#define ADOPT_TICK   2048          /* installs per tick */
#define SCAN_TICK    16384         /* replica slots looked at per tick */
#define BULK_RETRY_MS 1000
#define SYNACK_MAX   8192          /* SYN-ACKs held back per tick at most */

struct held {
	struct held *next;
	uint64_t deadline_ms;        /* our clock */
	struct nc_sync_tcp tcp;      /* TCP: where its connection stood */
	uint16_t len;
	uint8_t data[];
};

struct rep {
	struct nc_sync_rec r;        /* op NC_SYNC_FLOW, m NULL */
	struct held *held;
	uint32_t mark;               /* the sender's bulk round when last refreshed */
	uint8_t peer;
	uint8_t used;
};

/* scripts/bench-fastpath.sh --sync-compare counts a replica at this size; an
 * IPv6 flow's has its addresses (64 bytes) in a side array */
_Static_assert(sizeof(struct rep) == 96, "a replica entry is 96 bytes");

/* The IPv6 replicas' hash key: client, VIP, ports, protocol; 8-aligned as
 * rte_hash_crc reads it. */
struct key6 {
	uint8_t client[16];
	uint8_t vip[16];
	uint16_t cport, vport;
	uint8_t proto;
	uint8_t pad[3];
} __rte_aligned(8);
_Static_assert(sizeof(struct key6) == 40, "an af 6 key is 40 bytes on the wire");

struct sync_peer {
	bool bulk_done;              /* its bulk copy came since we (re)synced */
	uint64_t bulk_req_ms;
	uint32_t round;              /* its bulk round under way */
	bool in_bulk;
	bool synced;                 /* its heartbeats say it has its copies */
	uint16_t holds;              /* ids whose local IPs it holds */
	bool lips_held;              /* we hold its local IPs */
	bool adopting;               /* its replicas are being installed here */
	bool installing;             /* queued to the workers, not all installed yet */
	uint32_t scan;               /* where the install is */
	uint64_t garp_at;            /* next gratuitous ARPs for its local IPs, 0: none */
	unsigned int garps;
	unsigned int n_held;
	uint64_t adopted, adopted_held;
};

struct nc_sync_app {
	struct nc_app *a;
	struct rte_hash *h;
	struct rep *rep;             /* IPv4 flows' max, then IPv6 flows' max6 */
	uint32_t max;
	uint32_t n;
	struct rte_hash *h6;         /* IPv6 flows (made with an IPv6 service) */
	struct nc_sync_addr6 *a6;    /* their addresses, per slot from max */
	uint32_t max6, n6;
	uint32_t slots;              /* max + max6 */
	struct sync_peer peer[NC_CLUSTER_MAX_PEERS];
	bool synced;                 /* bulk copies of every live peer here */
	bool own_held;               /* our local IPs answered for */
	bool suspect;                /* stalled: waiting to hear whether we were taken over */
	uint64_t suspect_until;
	uint64_t start_ms;           /* the wait for the peers' copies began */
	uint64_t own_garp_at;
	unsigned int own_garps;
	uint32_t back_scan;          /* taking our flows back: the next slot, */
	uint32_t back_n;             /* and how many so far */
	bool walking;
	uint32_t round;              /* our bulk rounds */
	/* the front: ports facing the BGP neighbors */
	uint64_t front_rx[NC_MAX_PORTS];
	uint64_t front_rx_ms[NC_MAX_PORTS];   /* when its RX count last moved */
	uint64_t front_check_ms;
	uint8_t hb_flags;
	uint16_t hb_holds;
	bool hb_set;
	struct nc_sync_rec buf[TX_BATCH];
	struct nc_sync_addr6 buf6[TX_BATCH];
	/* SYN-ACKs held back until their records have left: sent at the next
	 * poll, after the control lcore moved our datagrams out of the kernel's
	 * interface, so the record is on the wire first */
	unsigned int n_synack;
	struct rte_mbuf *synack[SYNACK_MAX];
	bool synack_back[SYNACK_MAX];   /* a proxied flow's: back to its worker */
	/* counters */
	uint64_t tx_records, rx_records, rx_bad, full, held_full, held_too_big;
	uint64_t bulk_sent, bulk_received, swept, stepbacks, adopted, adopted_held;
};

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *
ip4(uint32_t host_order, char *buf)
{
	struct in_addr in = { .s_addr = htonl(host_order) };

	return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

static struct nc_cluster *
chan(struct nc_sync_app *s)
{
	return nc_cluster_app_channel(s->a);
}

/* A peer's cluster id and state as the channel sees it. */
static bool
peer_info(struct nc_sync_app *s, unsigned int q, struct nc_cluster_peer_info *pi)
{
	return nc_cluster_peer_get(chan(s), q, mono_ms(), pi) == 0;
}

static bool
peer_up(struct nc_sync_app *s, unsigned int q, int *id)
{
	struct nc_cluster_peer_info pi;

	if (!peer_info(s, q, &pi))
		return false;
	if (id != NULL)
		*id = pi.id;
	return pi.state == NC_PEER_UP;
}

/* ------------------------------------------------------------ replicas */

/* The addresses of replica <r>: an IPv6 flow's; NULL for an IPv4 one. */
static struct nc_sync_addr6 *
rep_a6(struct nc_sync_app *s, const struct rep *r)
{
	uint32_t i = (uint32_t)(r - s->rep);

	return i >= s->max ? &s->a6[i - s->max] : NULL;
}

static void
key6_make(const uint32_t key[4], const struct nc_sync_addr6 *a6, struct key6 *k)
{
	const struct nc_flow_key *k4 = (const struct nc_flow_key *)key;

	memset(k, 0, sizeof(*k));
	memcpy(k->client, a6->client, 16);
	memcpy(k->vip, a6->vip, 16);
	k->cport = k4->src_port;
	k->vport = k4->dst_port;
	k->proto = k4->proto;
}

/* An IPv4 replica's hash key: rte_hash_crc reads it 8 bytes at a time, so
 * it is copied to an 8-byte aligned one (a record's key is only 4-aligned). */
union key4 {
	uint64_t align;
	uint32_t w[4];
};

static const void *
key4_of(const uint32_t key[4], union key4 *k)
{
	memcpy(k->w, key, sizeof(k->w));
	return k->w;
}

/* The replica of flow <key> (an IPv6 one's: ports and protocol, <a6> its
 * client and VIP), or NULL. */
static struct rep *
rep_find(struct nc_sync_app *s, const uint32_t key[4], const struct nc_sync_addr6 *a6)
{
	struct key6 k6;
	union key4 k4;
	void *d;

	if (((const uint8_t *)key)[NC_SYNC_KEY_FAMILY] & NC_FLOW_KEY_V6) {
		key6_make(key, a6, &k6);
		if (s->h6 == NULL || rte_hash_lookup_data(s->h6, &k6, &d) < 0)
			return NULL;
		return &s->rep[s->max + (uintptr_t)d];
	}
	if (rte_hash_lookup_data(s->h, key4_of(key, &k4), &d) < 0)
		return NULL;
	return &s->rep[(uintptr_t)d];
}

static void
held_free_all(struct nc_sync_app *s, struct rep *r)
{
	while (r->held != NULL) {
		struct held *h = r->held;

		r->held = h->next;
		free(h);
		if (s->peer[r->peer].n_held > 0)
			s->peer[r->peer].n_held--;
	}
}

static void
rep_del(struct nc_sync_app *s, struct rep *r)
{
	const struct nc_sync_addr6 *a6 = rep_a6(s, r);
	struct key6 k6;
	union key4 k4;

	held_free_all(s, r);
	if (a6 != NULL) {
		key6_make(r->r.key, a6, &k6);
		rte_hash_del_key(s->h6, &k6);
		s->n6--;
	} else {
		rte_hash_del_key(s->h, key4_of(r->r.key, &k4));
	}
	r->used = 0;
	s->n--;
}

/* The replica of <key> (<a6>: an IPv6 flow's client and VIP) from peer <q>,
 * made if new (NULL: the table is full). */
static struct rep *
rep_get(struct nc_sync_app *s, const uint32_t key[4], const struct nc_sync_addr6 *a6, unsigned int q)
{
	struct rep *r = rep_find(s, key, a6);
	bool v6 = ((const uint8_t *)key)[NC_SYNC_KEY_FAMILY] & NC_FLOW_KEY_V6;
	struct key6 k6;
	union key4 k4;
	int32_t pos;

	if (r != NULL) {
		if (r->peer != q) {   /* another dispatcher has it now */
			held_free_all(s, r);
			r->peer = (uint8_t)q;
		}
		return r;
	}
	if (v6) {
		if (s->h6 == NULL || s->n6 >= s->max6)
			return NULL;
		key6_make(key, a6, &k6);
		pos = rte_hash_add_key(s->h6, &k6);
		if (pos < 0)
			return NULL;
		rte_hash_add_key_data(s->h6, &k6, (void *)(uintptr_t)pos);
		s->a6[pos] = *a6;
		pos += (int32_t)s->max;
		s->n6++;
	} else {
		if (s->n - s->n6 >= s->max)
			return NULL;
		key4_of(key, &k4);
		pos = rte_hash_add_key(s->h, k4.w);
		if (pos < 0)
			return NULL;
		rte_hash_add_key_data(s->h, k4.w, (void *)(uintptr_t)pos);
	}
	r = &s->rep[pos];
	memset(r, 0, sizeof(*r));
	r->used = 1;
	r->peer = (uint8_t)q;
	memcpy(r->r.key, key, sizeof(r->r.key));
	s->n++;
	return r;
}

/* ------------------------------------------------------------ out */

/* Record <r>'s af byte and key at <b> (<a6>: an IPv6 flow's addresses):
 * returns the bytes written (4 + 16, or 4 + 40 for af 6). */
static size_t
enc_key(uint8_t *b, const struct nc_sync_rec *r, const struct nc_sync_addr6 *a6)
{
	b[1] = b[2] = b[3] = 0;
	if (nc_sync_rec_v6(r)) {
		struct key6 k6;

		b[0] = AF6;
		key6_make(r->key, a6, &k6);
		memcpy(b + 4, &k6, sizeof(k6));
		return 4 + sizeof(k6);
	}
	b[0] = AF4;
	memcpy(b + 4, r->key, 16);
	return 20;
}

/* IPv4 address <ip> (network order) as IPv4-mapped IPv6. */
static void
v4_mapped(uint8_t *out, uint32_t ip)
{
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, &ip, 4);
}

static void
send_flow(struct nc_sync_app *s, const struct nc_sync_rec *r, const struct nc_sync_addr6 *a6)
{
	uint8_t b[FLOW6_LEN + FLOW_SP_LEN];
	uint32_t v[3] = { htonl(r->delta), htonl(r->tcp.c_isn), htonl(r->tcp.srv_isn) };
	size_t o = enc_key(b, r, a6);

	b[1] = r->state;
	b[2] = r->flags;
	b[3] = r->ca;
	if (!nc_sync_rec_v6(r)) {
		memcpy(b + o, &r->lip, 4);
		memcpy(b + o + 4, &r->server_ip, 4);
		o += 8;
	} else if (nc_sync_rec_64(r)) {
		v4_mapped(b + o, r->lip);
		v4_mapped(b + o + 16, r->server_ip);
		o += 32;
	} else {
		memcpy(b + o, a6->lip, 16);
		memcpy(b + o + 16, a6->server, 16);
		o += 32;
	}
	memcpy(b + o, &r->lport, 2);
	memcpy(b + o + 2, &r->server_port, 2);
	memcpy(b + o + 4, v, sizeof(v));
	o += 16;
	if (r->flags & NC_SYNC_F_PROXIED) {
		uint32_t sp[2] = { htonl(r->sp.delta), htonl(r->sp.ts_off) };

		memcpy(b + o, sp, sizeof(sp));
		b[o + 8] = r->sp.ws_c;
		b[o + 9] = r->sp.ws_s;
		b[o + 10] = r->sp.flags;
		b[o + 11] = 0;
		o += FLOW_SP_LEN;
	}
	nc_cluster_send_rec(chan(s), REC_FLOW, b, o);
}

/* A held TCP request: its bytes (the record's mbuf holds them alone) and
 * where its connection stood. Frees r->m. */
static void
send_held_tcp(struct nc_sync_app *s, const struct nc_sync_rec *r, const struct nc_sync_addr6 *a6)
{
	uint8_t b[HELD_TCP_HDR + KEY6_MORE + HELD_MAX];
	uint32_t n = rte_pktmbuf_data_len(r->m), v[5];
	unsigned int i;
	size_t o;

	if (n <= HELD_MAX) {
		o = enc_key(b, r, a6);
		b[1] = r->tcp.method;
		b[2] = r->tcp.minor;
		b[3] = r->tcp.hflags;
		v[0] = r->ttl_ms;
		v[1] = r->tcp.start;
		v[2] = r->tcp.c_isn;
		v[3] = r->tcp.srv_isn;
		v[4] = r->tcp.s_next;
		for (i = 0; i < 5; i++) {
			uint32_t x = htonl(v[i]);

			memcpy(b + o + 4 * i, &x, 4);
		}
		o += 20;
		memcpy(b + o, rte_pktmbuf_mtod(r->m, const uint8_t *), n);
		nc_cluster_send_rec(chan(s), REC_HELD_TCP, b, o + n);
	} else {
		s->held_too_big++;
	}
	rte_pktmbuf_free(r->m);
}

/* A held datagram: its UDP payload (the rest is in the flow). Frees r->m. */
static void
send_held(struct nc_sync_app *s, const struct nc_sync_rec *r, const struct nc_sync_addr6 *a6)
{
	uint8_t b[HELD_HDR + KEY6_MORE + HELD_MAX];
	const struct rte_mbuf *m = r->m;
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t dl = rte_pktmbuf_data_len(m), off = sizeof(struct rte_ether_hdr), n, ttl;
	size_t o;

	if (((const uint8_t *)r->key)[12] == IPPROTO_TCP) {
		send_held_tcp(s, r, a6);
		return;
	}
	if (nc_sync_rec_v6(r)) {
		/* the client's frame as held: no extension header */
		if (dl < off + sizeof(struct rte_ipv6_hdr) ||
		    ((const struct rte_ipv6_hdr *)(d + off))->proto != IPPROTO_UDP)
			goto out;
		off += (uint32_t)sizeof(struct rte_ipv6_hdr);
	} else {
		if (dl < off + sizeof(struct rte_ipv4_hdr))
			goto out;
		off += (d[off] & 0xf) * 4u;
	}
	off += (uint32_t)sizeof(struct rte_udp_hdr);
	if (dl < off)
		goto out;
	n = dl - off;
	if (n > HELD_MAX) {
		s->held_too_big++;
		goto out;
	}
	o = enc_key(b, r, a6);
	ttl = htonl(r->ttl_ms);
	memcpy(b + o, &ttl, 4);
	memcpy(b + o + 4, d + off, n);
	nc_cluster_send_rec(chan(s), REC_HELD, b, o + 4 + n);
out:
	rte_pktmbuf_free(r->m);
}

static void
send_u32(struct nc_sync_app *s, uint16_t type, uint32_t v)
{
	uint32_t x = htonl(v);

	nc_cluster_send_rec(chan(s), type, &x, sizeof(x));
}

/* A frame a record carried (a SYN-ACK, a released answer; NULL: none): sent
 * at a later poll, once the record is on the wire - or, a proxied flow's
 * (<back>), handed back to its worker then, which answers it. */
static void
frame_go(struct nc_sync_app *s, struct rte_mbuf *m, bool back)
{
	if (back)
		nc_dp_sync_frame_back(s->a->dp, m);
	else
		nc_dp_sync_send_frame(s->a->dp, m);
}

static void
frame_after(struct nc_sync_app *s, struct rte_mbuf *m, bool back)
{
	if (m == NULL)
		return;
	if (s->n_synack < SYNACK_MAX) {
		s->synack_back[s->n_synack] = back;
		s->synack[s->n_synack++] = m;
	} else {
		frame_go(s, m, back);
	}
}

/* The workers' records to the peers. Returns true when their rings ran dry. */
static bool
tx_poll(struct nc_sync_app *s)
{
	unsigned int total = 0, n, i;

	do {
		n = nc_dp_sync_take(s->a->dp, s->buf, s->buf6, TX_BATCH);
		for (i = 0; i < n; i++) {
			const struct nc_sync_rec *r = &s->buf[i];
			const struct nc_sync_addr6 *a6 = &s->buf6[i];
			uint8_t b[KEY_REC_LEN + KEY6_MORE];
			size_t len;

			switch (r->op) {
			case NC_SYNC_FLOW:
				send_flow(s, r, a6);
				frame_after(s, r->m, (r->flags & NC_SYNC_F_PROXIED) != 0);
				break;
			case NC_SYNC_HELD:
				send_held(s, r, a6);
				break;
			case NC_SYNC_CLOSE:
			case NC_SYNC_RELEASE:
				len = enc_key(b, r, a6);
				nc_cluster_send_rec(chan(s), r->op == NC_SYNC_CLOSE ? REC_CLOSE : REC_RELEASE,
						    b, len);
				frame_after(s, r->m, false);   /* the answer, once the release left */
				break;
			default:
				break;
			}
		}
		total += n;
	} while (n == TX_BATCH && total < TX_MAX_TICK);
	s->tx_records += total;
	return n < TX_BATCH;
}

/* ------------------------------------------------------------ in */

/* Bytes of the af byte and key at <v> (<len> bytes in all): 20 or 44, or 0
 * for a bad af or protocol, or a record too short for its key. */
static size_t
key_len(const uint8_t *v, size_t len)
{
	size_t n = len >= 4 && v[0] == AF6 ? 4 + sizeof(struct key6) : len >= 4 && v[0] == AF4 ? 20 : 0;
	uint8_t proto;

	if (n == 0 || len < n)
		return 0;
	proto = v[n - 4];
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ? n : 0;
}

/* The key of a record at <v> (af byte first; key_len() checked it) as a
 * record's, an IPv6 flow's client and VIP in <a6>. */
static void
dec_key(const uint8_t *v, uint32_t key[4], struct nc_sync_addr6 *a6)
{
	struct nc_flow_key *k = (struct nc_flow_key *)key;
	struct key6 k6;

	if (v[0] == AF4) {
		memcpy(key, v + 4, 16);
		k->pad[0] = k->pad[1] = k->pad[2] = 0;
		return;
	}
	memcpy(&k6, v + 4, sizeof(k6));
	memset(k, 0, sizeof(*k));
	k->src_port = k6.cport;
	k->dst_port = k6.vport;
	k->proto = k6.proto;
	k->pad[0] = NC_FLOW_KEY_V6;
	memcpy(a6->client, k6.client, 16);
	memcpy(a6->vip, k6.vip, 16);
}

static bool
is_v4_mapped(const uint8_t *a)
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(a, pfx, sizeof(pfx)) == 0;
}

/* A window scale a TCP option can agree (RFC 7323), or none (0xff). */
static bool
wscale_ok(uint8_t ws)
{
	return ws <= 14 || ws == 0xff;
}

/* A flow record (its length checked): false when its addresses do not fit
 * its family, or a proxied flow's bridge is not one the SYN proxy makes. */
static bool
rx_flow(struct nc_sync_app *s, unsigned int q, const uint8_t *v, size_t o)
{
	struct nc_sync_addr6 a6;
	uint32_t key[4], d, lip = 0, srv = 0;
	struct rep *r;

	memset(&a6, 0, sizeof(a6));
	dec_key(v, key, &a6);
	if (v[0] == AF4) {
		memcpy(&lip, v + o, 4);
		memcpy(&srv, v + o + 4, 4);
		o += 8;
	} else if (is_v4_mapped(v + o) && is_v4_mapped(v + o + 16)) {
		/* NAT64: IPv4 local address and server */
		((uint8_t *)key)[NC_SYNC_KEY_FAMILY] |= NC_FLOW_KEY_64;
		memcpy(&lip, v + o + 12, 4);
		memcpy(&srv, v + o + 28, 4);
		o += 32;
	} else if (!is_v4_mapped(v + o) && !is_v4_mapped(v + o + 16)) {
		memcpy(a6.lip, v + o, 16);
		memcpy(a6.server, v + o + 16, 16);
		o += 32;
	} else {
		return false;
	}
	/* a proxied flow's bridge: TCP, window scales of RFC 7323 (at most 14)
	 * or none (0xff), only the timestamps' flags */
	if ((v[2] & NC_SYNC_F_PROXIED) &&
	    (((const uint8_t *)key)[12] != IPPROTO_TCP || !wscale_ok(v[o + 24]) ||
	     !wscale_ok(v[o + 25]) || (v[o + 26] & ~(NC_SYNC_SP_TS | NC_SYNC_SP_CTS)) != 0 || v[o + 27] != 0))
		return false;
	r = rep_get(s, key, &a6, q);
	if (r == NULL) {
		s->full++;
		return true;
	}
	if (v[0] == AF6) {   /* NAT64 or not, as the peer says now */
		memcpy(r->r.key, key, sizeof(key));
		*rep_a6(s, r) = a6;
	}
	r->r.op = NC_SYNC_FLOW;
	r->r.state = v[1];
	r->r.flags = (uint8_t)(v[2] & ~NC_SYNC_F_BULK);
	r->r.ca = v[3];
	r->r.lip = lip;
	r->r.server_ip = srv;
	memcpy(&r->r.lport, v + o, 2);
	memcpy(&r->r.server_port, v + o + 2, 2);
	memcpy(&d, v + o + 4, 4);
	r->r.delta = ntohl(d);
	memset(&r->r.tcp, 0, sizeof(r->r.tcp));
	memcpy(&d, v + o + 8, 4);
	r->r.tcp.c_isn = ntohl(d);
	memcpy(&d, v + o + 12, 4);
	r->r.tcp.srv_isn = ntohl(d);
	memset(&r->r.sp, 0, sizeof(r->r.sp));
	if (r->r.flags & NC_SYNC_F_PROXIED) {   /* the length says it is there */
		memcpy(&d, v + o + 16, 4);
		r->r.sp.delta = ntohl(d);
		memcpy(&d, v + o + 20, 4);
		r->r.sp.ts_off = ntohl(d);
		r->r.sp.ws_c = v[o + 24];
		r->r.sp.ws_s = v[o + 25];
		r->r.sp.flags = v[o + 26];
	}
	r->r.m = NULL;
	r->mark = s->peer[q].round;
	return true;
}

/* A held request (its length checked; <o>: past the key). */
static void
rx_held(struct nc_sync_app *s, unsigned int q, const uint8_t *v, size_t o, uint16_t len, uint64_t now,
	bool tcp)
{
	size_t hdr = o + (tcp ? 20 : 4);
	struct nc_sync_addr6 a6;
	uint32_t key[4], ttl, x[4];
	struct rep *r;
	struct held *h, **tail;

	dec_key(v, key, &a6);
	r = rep_find(s, key, &a6);
	if (r == NULL || r->peer != q)
		return;
	if (tcp)
		held_free_all(s, r);   /* one request at a time: the oldest unanswered */
	r->r.flags &= (uint8_t)~NC_SYNC_F_FRESH;   /* bytes passed */
	if (s->peer[q].n_held >= s->a->cfg->cluster.sync_max_held) {
		s->held_full++;
		return;
	}
	h = malloc(sizeof(*h) + (len - hdr));
	if (h == NULL) {
		s->held_full++;
		return;
	}
	memcpy(&ttl, v + o, 4);
	h->next = NULL;
	h->deadline_ms = now + ntohl(ttl);
	memset(&h->tcp, 0, sizeof(h->tcp));
	if (tcp) {
		memcpy(x, v + o + 4, sizeof(x));
		h->tcp = (struct nc_sync_tcp){ .start = ntohl(x[0]), .c_isn = ntohl(x[1]),
					       .srv_isn = ntohl(x[2]), .s_next = ntohl(x[3]),
					       .method = v[1], .minor = v[2], .hflags = v[3] };
	}
	h->len = (uint16_t)(len - hdr);
	memcpy(h->data, v + hdr, h->len);
	for (tail = &r->held; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = h;
	s->peer[q].n_held++;
}

/* A peer's bulk round ends: its replicas not refreshed in it are gone there. */
static void
bulk_end(struct nc_sync_app *s, unsigned int q, uint32_t round)
{
	struct sync_peer *p = &s->peer[q];
	uint32_t i;

	if (!p->in_bulk || round != p->round)
		return;
	for (i = 0; i < s->slots; i++) {
		struct rep *r = &s->rep[i];

		if (r->used && r->peer == q && r->mark != round) {
			rep_del(s, r);
			s->swept++;
		}
	}
	p->in_bulk = false;
	p->bulk_done = true;
	s->bulk_received++;
}

void
nc_sync_app_rec(void *arg, unsigned int q, uint8_t id, uint8_t msg_type, uint16_t type,
		const uint8_t *v, uint16_t len, uint64_t now)
{
	struct nc_sync_app *s = ((struct nc_app *)arg)->sync;
	struct nc_sync_addr6 a6;
	uint32_t key[4], x;
	struct rep *r;
	size_t o;

	(void)msg_type;
	if (s == NULL || q >= NC_CLUSTER_MAX_PEERS)
		return;
	s->rx_records++;
	switch (type) {
	case REC_FLOW:
		o = key_len(v, len);
		if (o == 0 || len != (v[0] == AF4 ? FLOW_LEN : FLOW6_LEN) +
				     ((v[2] & NC_SYNC_F_PROXIED) ? FLOW_SP_LEN : 0) || v[3] > NC_CA_TOA ||
		    !rx_flow(s, q, v, o))
			goto bad;
		return;
	case REC_CLOSE:
	case REC_RELEASE:
		o = key_len(v, len);
		if (o == 0 || len != o)
			goto bad;
		dec_key(v, key, &a6);
		r = rep_find(s, key, &a6);
		if (r != NULL && r->peer == q) {
			if (type == REC_CLOSE) {
				rep_del(s, r);
			} else {
				held_free_all(s, r);
				r->r.flags &= (uint8_t)~NC_SYNC_F_FRESH;   /* bytes passed */
			}
		}
		return;
	case REC_HELD:
		o = key_len(v, len);
		if (o == 0 || len < o + 4 || len > o + 4 + HELD_MAX || v[o - 4] != IPPROTO_UDP)
			goto bad;
		rx_held(s, q, v, o, len, now, false);
		return;
	case REC_HELD_TCP:
		o = key_len(v, len);
		if (o == 0 || len <= o + 20 || len > o + 20 + HELD_MAX || v[o - 4] != IPPROTO_TCP)
			goto bad;
		rx_held(s, q, v, o, len, now, true);
		return;
	case REC_BULK_REQ:
		if (len != 4)
			goto bad;
		if (v[0] == s->a->cfg->cluster.id && !s->walking) {
			/* a peer wants our flows: a walk of the tables between two marks */
			s->round++;
			send_u32(s, REC_BULK_BEGIN, s->round);
			nc_dp_sync_walk(s->a->dp);
			s->walking = true;
			s->bulk_sent++;
		}
		return;
	case REC_BULK_BEGIN:
	case REC_BULK_END:
		if (len != 4)
			goto bad;
		memcpy(&x, v, 4);
		if (type == REC_BULK_BEGIN) {
			s->peer[q].round = ntohl(x);
			s->peer[q].in_bulk = true;
		} else {
			bulk_end(s, q, ntohl(x));
		}
		return;
	case REC_SYNCSTATE:
		if (len != 4)
			goto bad;
		s->peer[q].synced = v[0] & 1;
		s->peer[q].holds = (uint16_t)(v[2] << 8 | v[3]);
		return;
	default:
		s->rx_records--;   /* not ours */
		return;
	}
bad:
	(void)id;
	s->rx_bad++;
}

static void hb_poll(struct nc_sync_app *s);

/* ------------------------------------------------------------ takeover */

/* Entries of the workers' install queues replica <r> takes. */
static unsigned int
install_size(const struct rep *r, bool with_held)
{
	const struct held *h;
	unsigned int n = 1;

	for (h = r->held; with_held && h != NULL; h = h->next)
		n++;
	return n;
}

/* Held request <h> of replica <r> as its client sent it (the datagram, or
 * the TCP request in one segment), in an mbuf of <pool> to replay; NULL when
 * none is free. */
static struct rte_mbuf *
held_frame(struct nc_sync_app *s, const struct rep *r, const struct held *h, struct rte_mempool *pool)
{
	const struct nc_sync_addr6 *a6 = rep_a6(s, r);
	const uint16_t *ports = (const uint16_t *)&r->r.key[2];
	bool tcp = ((const uint8_t *)r->r.key)[12] == IPPROTO_TCP;
	uint16_t l3 = a6 != NULL ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	uint16_t l4 = tcp ? sizeof(struct rte_tcp_hdr) : sizeof(struct rte_udp_hdr);
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip = NULL;
	struct rte_ipv6_hdr *ip6 = NULL;
	uint8_t *d, *l4h;

	if (m == NULL)
		return NULL;
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*eth) + l3 + l4 + h->len));
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	eth = (struct rte_ether_hdr *)d;
	memset(eth, 0, sizeof(*eth));
	l4h = d + sizeof(*eth) + l3;
	if (a6 != NULL) {   /* the client, the VIP */
		eth->ether_type = htons(RTE_ETHER_TYPE_IPV6);
		ip6 = (struct rte_ipv6_hdr *)(eth + 1);
		memset(ip6, 0, sizeof(*ip6));
		ip6->vtc_flow = htonl(6u << 28);
		ip6->payload_len = htons((uint16_t)(l4 + h->len));
		ip6->proto = tcp ? IPPROTO_TCP : IPPROTO_UDP;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, a6->client, 16);
		memcpy(ip6->dst_addr, a6->vip, 16);
	} else {
		eth->ether_type = htons(RTE_ETHER_TYPE_IPV4);
		ip = (struct rte_ipv4_hdr *)(eth + 1);
		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = htons((uint16_t)(l3 + l4 + h->len));
		ip->time_to_live = 64;
		ip->next_proto_id = tcp ? IPPROTO_TCP : IPPROTO_UDP;
		ip->src_addr = r->r.key[0];
		ip->dst_addr = r->r.key[1];
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	if (tcp) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)l4h;

		memset(th, 0, sizeof(*th));
		th->src_port = ports[0];
		th->dst_port = ports[1];
		th->sent_seq = htonl(h->tcp.start);
		th->recv_ack = htonl(h->tcp.s_next);
		th->data_off = 5 << 4;
		th->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
		th->rx_win = UINT16_MAX;
		memcpy(th + 1, h->data, h->len);
		th->cksum = ip6 != NULL ? rte_ipv6_udptcp_cksum(ip6, th) : rte_ipv4_udptcp_cksum(ip, th);
	} else {
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)l4h;

		udp->src_port = ports[0];
		udp->dst_port = ports[1];
		udp->dgram_len = htons((uint16_t)(sizeof(*udp) + h->len));
		udp->dgram_cksum = 0;
		memcpy(udp + 1, h->data, h->len);
		udp->dgram_cksum = ip6 != NULL ? rte_ipv6_udptcp_cksum(ip6, udp) :
						 rte_ipv4_udptcp_cksum(ip, udp);
	}
	return m;
}

/* Install one replica in the data plane; <with_held>: its held requests too.
 * The caller made sure the queues have room (install_size()). */
static void
install(struct nc_sync_app *s, struct rep *r, bool with_held, uint64_t now)
{
	struct rte_mempool *pool = nc_dp_held_pool(s->a->dp);
	const struct nc_sync_addr6 *a6 = rep_a6(s, r);
	struct nc_sync_rec hr;
	struct held *h;

	if (nc_dp_sync_adopt(s->a->dp, &r->r, a6, NULL) != 0)
		return;
	s->adopted++;
	s->peer[r->peer].adopted++;
	for (h = r->held; with_held && h != NULL && pool != NULL; h = h->next) {
		struct rte_mbuf *m = held_frame(s, r, h, pool);

		if (m == NULL)
			break;
		hr = r->r;
		hr.op = NC_SYNC_HELD;
		hr.ttl_ms = h->deadline_ms > now ? (uint32_t)(h->deadline_ms - now) : 0;
		hr.tcp = h->tcp;
		hr.m = m;
		if (nc_dp_sync_adopt(s->a->dp, &hr, a6, NULL) == 0) {
			s->adopted_held++;
			s->peer[r->peer].adopted_held++;
		}
	}
}

/* Dead peer <q>'s replicas into our workers, a slice per tick. */
static void
adopt_poll(struct nc_sync_app *s, unsigned int q, uint64_t now)
{
	struct sync_peer *p = &s->peer[q];
	unsigned int done = 0, looked = 0;
	struct nc_cluster_peer_info pi;

	unsigned int room = nc_dp_sync_adopt_room(s->a->dp);

	while (p->scan < s->slots && done < ADOPT_TICK && looked < SCAN_TICK) {
		struct rep *r = &s->rep[p->scan];
		unsigned int need;

		if (!r->used || r->peer != q) {
			p->scan++;
			looked++;
			continue;
		}
		/* a full queue would lose it: the rest at the next tick */
		need = install_size(r, true);
		if (need > room)
			return;
		room -= need;
		install(s, r, true, now);
		rep_del(s, r);
		p->scan++;
		looked++;
		done++;
	}
	if (p->scan < s->slots)
		return;
	p->adopting = false;
	peer_info(s, q, &pi);
	NC_LOG(NOTICE, APP, "cluster: dispatcher %d down: %" PRIu64 " flow(s) and %" PRIu64
	       " held request(s) taken over", pi.id, p->adopted, p->adopted_held);
}

static void
peer_dead(struct nc_sync_app *s, unsigned int q)
{
	struct sync_peer *p = &s->peer[q];

	p->adopting = true;
	p->installing = true;
	p->scan = 0;
	p->adopted = p->adopted_held = 0;
	p->synced = false;
	p->holds = 0;
	p->bulk_done = false;
	p->in_bulk = false;
}

/* Whether we hold local IPs of cluster id <id> by the peers' word: the bit of
 * some live peer's heartbeat. */
static int
holder_of(struct nc_sync_app *s, int id)
{
	unsigned int i;
	int pid;

	for (i = 0; i < s->a->cfg->cluster.n_peers; i++)
		if (peer_up(s, i, &pid) && (s->peer[i].holds & (1u << id)))
			return pid;
	return -1;
}

/* We are the one to hold dead peer <q>'s addresses: no live synced peer
 * with a lower id than ours. */
static bool
designated(struct nc_sync_app *s, unsigned int q)
{
	unsigned int i;
	int id;

	for (i = 0; i < s->a->cfg->cluster.n_peers; i++)
		if (i != q && peer_up(s, i, &id) && s->peer[i].synced && id >= 0 &&
		    id < s->a->cfg->cluster.id)
			return false;
	return s->synced;
}

/* Peer <q>'s local IPs announced as ours (gratuitous ARP, unsolicited
 * Neighbor Advertisements). */
static void
lips_announce(struct nc_sync_app *s, unsigned int q)
{
	const struct nc_cfg_cluster *cc = &s->a->cfg->cluster;
	unsigned int l;

	for (l = 0; l < cc->peer_n_lips[q]; l++)
		nc_dp_lip_garp(s->a->dp, cc->peer_lips[q][l]);
	for (l = 0; l < cc->peer_n_lips6[q]; l++)
		nc_dp_lip6_announce(s->a->dp, cc->peer_lips6[q][l]);
}

static void
lips_hold(struct nc_sync_app *s, unsigned int q, bool hold, int id)
{
	const struct nc_cfg_cluster *cc = &s->a->cfg->cluster;
	char b[INET6_ADDRSTRLEN];
	unsigned int l;

	for (l = 0; l < cc->peer_n_lips[q]; l++) {
		nc_dp_lip_hold(s->a->dp, cc->peer_lips[q][l], hold);
		NC_LOG(NOTICE, APP, "cluster: %s %s %s dispatcher %d", hold ? "took over" : "gave back",
		       ip4(cc->peer_lips[q][l], b), hold ? "from" : "to", id);
	}
	for (l = 0; l < cc->peer_n_lips6[q]; l++) {
		nc_dp_lip6_hold(s->a->dp, cc->peer_lips6[q][l], hold);
		NC_LOG(NOTICE, APP, "cluster: %s %s %s dispatcher %d", hold ? "took over" : "gave back",
		       inet_ntop(AF_INET6, cc->peer_lips6[q][l], b, sizeof(b)), hold ? "from" : "to", id);
	}
	if (hold)
		lips_announce(s, q);
	s->peer[q].lips_held = hold;
	s->peer[q].garp_at = hold ? mono_ms() + 300 : 0;
	s->peer[q].garps = 0;
}

/* Our local IPs held (answered for) or not; <garp>: announced now and three
 * times more, 0.3 s, 1 s and 1.7 s on (nc_sync_app_poll), as a peer's taken
 * over are. */
static void
own_lips(struct nc_sync_app *s, bool hold, bool garp)
{
	const struct nc_cfg_service *svc = s->a->cfg->services;
	uint16_t i, l;

	for (i = 0; i < s->a->cfg->n_services; i++) {
		for (l = 0; l < svc[i].n_local_ips; l++)
			nc_dp_lip_hold(s->a->dp, svc[i].local_ips[l], hold);
		for (l = 0; l < svc[i].n_local_ips6; l++)
			nc_dp_lip6_hold(s->a->dp, svc[i].local_ips6[l], hold);
	}
	if (hold && garp)
		nc_dp_own_lips_announce(s->a->dp);
	s->own_held = hold;
	nc_dp_probes_pause(s->a->dp, !hold);
	s->own_garp_at = hold && garp ? mono_ms() + 300 : 0;
	s->own_garps = 0;
}

/* Replica <r> is a flow on one of our own local IPs (IPv4, NAT64's
 * included, or IPv6). */
static bool
on_own_lip(struct nc_sync_app *s, struct rep *r)
{
	const struct nc_cfg_service *svc = s->a->cfg->services;
	const struct nc_sync_addr6 *a6 = rep_a6(s, r);
	bool v6 = a6 != NULL && !nc_sync_rec_64(&r->r);
	uint16_t i, l;

	for (i = 0; i < s->a->cfg->n_services; i++) {
		for (l = 0; !v6 && l < svc[i].n_local_ips; l++)
			if (htonl(svc[i].local_ips[l]) == r->r.lip)
				return true;
		for (l = 0; v6 && l < svc[i].n_local_ips6; l++)
			if (memcmp(svc[i].local_ips6[l], a6->lip, 16) == 0)
				return true;
	}
	return false;
}

static void
step_back(struct nc_sync_app *s, const char *why)
{
	unsigned int i;

	NC_LOG(WARNING, APP, "cluster: %s: stepping back to resync", why);
	own_lips(s, false, false);
	nc_dp_sync_flush(s->a->dp);
	s->back_scan = 0;
	s->back_n = 0;
	s->synced = false;
	s->suspect = false;
	s->start_ms = mono_ms();
	for (i = 0; i < NC_CLUSTER_MAX_PEERS; i++)
		s->peer[i].bulk_done = false;
	s->a->resyncing = true;
	s->stepbacks++;
}

/*
 * This dispatcher stood still (its control loop, or a worker: the data plane
 * is quarantined): until the peers' heartbeats say whether one took our
 * addresses, we answer for none of them, forward nothing and announce
 * nothing.
 */
static void
suspect_start(struct nc_sync_app *s, const char *why)
{
	if (!s->own_held || s->suspect)
		return;   /* not ours anyway: the resync under way decides */
	NC_LOG(WARNING, APP, "cluster: %s: our local IPs wait for the peers' word", why);
	own_lips(s, false, false);
	/* no longer a synced copy for anyone: said before the next heartbeat
	 * leaves, so no holder gives our addresses back on an old word */
	s->synced = false;
	hb_poll(s);
	s->suspect = true;
	s->suspect_until = mono_ms() + 3ull * s->a->cfg->cluster.dead_ms;
	s->a->resyncing = true;   /* no new flows here meanwhile: VIPs withdrawn */
}

void
nc_sync_app_event(void *arg, enum nc_cluster_event ev, int q, uint64_t value)
{
	struct nc_app *a = arg;
	struct nc_sync_app *s = a->sync;
	char why[64];

	if (s == NULL)
		return;
	switch (ev) {
	case NC_CL_EV_PEER_DOWN:
	case NC_CL_EV_PEER_STOPPING:
	case NC_CL_EV_PEER_RESTARTED:
		/* its flows, as it last told them, are ours to finish */
		if (q >= 0)
			peer_dead(s, (unsigned int)q);
		break;
	case NC_CL_EV_GAP:
		/* a bulk copy repairs what was lost; one under way lost part of
		 * itself: its end sweeps nothing, a new one is asked for */
		if (q >= 0) {
			s->peer[q].bulk_done = false;
			s->peer[q].in_bulk = false;
		}
		break;
	case NC_CL_EV_STALLED:
		snprintf(why, sizeof(why), "stalled %" PRIu64 " ms", value);
		suspect_start(s, why);
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------ misses */

static enum nc_miss
on_miss(void *arg, const struct rte_mbuf *m, uint16_t pidx, const uint32_t key[4],
	const struct nc_sync_addr6 *seg6, struct nc_sync_rec *out, struct nc_sync_addr6 *out6,
	struct rte_ether_addr *mac)
{
	struct nc_sync_app *s = arg;
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct nc_cluster_peer_info pi;
	struct rep *r = rep_find(s, key, seg6);
	unsigned int i;

	if (r == NULL || !peer_info(s, r->peer, &pi))
		return NC_MISS_DROP;
	if (pi.state == NC_PEER_UP) {
		/* the routers moved it here; its dispatcher still has it (unless
		 * it is resyncing: its flows are ours then, or on their way).
		 * Never a frame a peer sent on already: no loop */
		if (!s->peer[r->peer].synced)
			return NC_MISS_DROP;
		for (i = 0; i < s->a->cfg->cluster.n_peers; i++) {
			struct nc_cluster_peer_info x;
			unsigned int k;

			if (!peer_info(s, i, &x))
				continue;
			for (k = 0; k < x.n_macs; k++)
				if (memcmp(x.mac[k], eth->src_addr.addr_bytes, 6) == 0)
					return NC_MISS_DROP;
		}
		if (pidx >= pi.n_macs)
			return NC_MISS_DROP;
		memcpy(mac->addr_bytes, pi.mac[pidx], 6);
		return NC_MISS_REDIRECT;
	}
	if (nc_dp_sync_adopt_room(s->a->dp) == 0)
		return NC_MISS_DROP;   /* the replica stays: its next segment */
	*out = r->r;
	if (rep_a6(s, r) != NULL)
		*out6 = *rep_a6(s, r);
	s->adopted++;
	s->peer[r->peer].adopted++;
	rep_del(s, r);
	return NC_MISS_ADOPT;
}

/* ------------------------------------------------------------ the front */

/*
 * A port facing the routers that lost its link - or, with BFD on, received
 * nothing for 2 x dead_ms (BFD alone sends several a second) - cuts this
 * dispatcher off from its clients while its servers and peers still reach
 * it: it says it stops, so that a peer takes its flows and local IPs over,
 * and steps back; once the port carries frames again it resyncs and comes
 * back as a returning dispatcher.
 */
static void
front_poll(struct nc_sync_app *s, uint64_t now)
{
	const struct nc_config *cfg = s->a->cfg;
	struct nc_dp_stats *st;
	bool down = false;
	uint16_t i;

	if (!cfg->bgp.enabled || now - s->front_check_ms < 100)
		return;
	s->front_check_ms = now;
	st = malloc(sizeof(*st));
	if (st == NULL)
		return;
	nc_dp_stats_get(s->a->dp, st);
	for (i = 0; i < cfg->bgp.n_neighbors; i++) {
		uint16_t p = cfg->bgp.neighbors[i].port;
		struct rte_eth_link link;

		if (st->rx[p] != s->front_rx[p]) {
			s->front_rx[p] = st->rx[p];
			s->front_rx_ms[p] = now;
		}
		if ((rte_eth_link_get_nowait(s->a->port[p].port_id, &link) == 0 &&
		     link.link_status == RTE_ETH_LINK_DOWN) ||
		    (cfg->bgp.bfd && s->front_rx_ms[p] != 0 &&
		     now - s->front_rx_ms[p] > 2ull * cfg->cluster.dead_ms))
			down = true;
	}
	free(st);
	/* only a dispatcher in service is cut off: one starting or resyncing
	 * has nothing to hand over yet */
	if (down && !s->own_held && !s->a->front_down)
		return;
	if (down == s->a->front_down)
		return;
	s->a->front_down = down;
	if (down) {
		NC_LOG(WARNING, APP, "cluster: cut off from the routers (a front port's link is down, "
		       "or nothing came in for %u ms): our flows go to the peers", 2 * cfg->cluster.dead_ms);
		if (s->own_held)
			step_back(s, "cut off from the routers");
	} else {
		NC_LOG(NOTICE, APP, "cluster: the front carries frames again: resyncing");
	}
}

/* ------------------------------------------------------------ poll */

static void
hb_poll(struct nc_sync_app *s)
{
	uint8_t b[4];
	uint16_t holds = 0;
	unsigned int i;

	for (i = 0; i < s->a->cfg->cluster.n_peers; i++) {
		struct nc_cluster_peer_info pi;

		if (s->peer[i].lips_held && peer_info(s, i, &pi) && pi.id >= 0)
			holds |= (uint16_t)(1u << pi.id);
	}
	if (s->hb_set && holds == s->hb_holds && (s->synced ? 1 : 0) == s->hb_flags)
		return;
	s->hb_holds = holds;
	s->hb_flags = s->synced ? 1 : 0;
	b[0] = s->hb_flags;
	b[1] = 0;
	b[2] = (uint8_t)(holds >> 8);
	b[3] = (uint8_t)holds;
	nc_cluster_set_hb_rec(chan(s), REC_SYNCSTATE, b, sizeof(b));
	s->hb_set = true;
}

/* Our own state: the peers' copies, then our addresses. */
static void
self_poll(struct nc_sync_app *s, uint64_t now)
{
	const struct nc_cfg_cluster *cc = &s->a->cfg->cluster;
	unsigned int i, up = 0, done = 0, room, looked;
	int id, holder;
	uint32_t n0;

	for (i = 0; i < cc->n_peers; i++) {
		if (!peer_up(s, i, &id) || id < 0)
			continue;
		up++;
		if (s->peer[i].bulk_done) {
			done++;
		} else if (!s->peer[i].in_bulk && now - s->peer[i].bulk_req_ms >= BULK_RETRY_MS) {
			uint8_t b[4] = { (uint8_t)id, 0, 0, 0 };

			nc_cluster_send_rec(chan(s), REC_BULK_REQ, b, sizeof(b));
			s->peer[i].bulk_req_ms = now;
		}
	}
	holder = holder_of(s, cc->id);
	if (!s->synced && !s->suspect && done == up && now - s->start_ms >= (uint64_t)cc->dead_ms * 4) {
		s->synced = true;
		NC_LOG(NOTICE, APP, "cluster: synced: %u replica(s) from %u peer(s)", s->n, up);
	}
	if (s->suspect) {
		if (holder >= 0) {
			char why[64];

			snprintf(why, sizeof(why), "taken over by dispatcher %d while stalled", holder);
			step_back(s, why);
		} else if (now >= s->suspect_until) {
			NC_LOG(NOTICE, APP, "cluster: no peer took our local IPs: ours again");
			s->suspect = false;
			s->synced = true;
			own_lips(s, true, true);
			s->a->resyncing = false;
			nc_dp_sync_resume(s->a->dp);
		}
		return;
	}
	if (s->own_held && holder >= 0) {
		char why[64];

		snprintf(why, sizeof(why), "dispatcher %d holds our local IPs", holder);
		step_back(s, why);
		return;
	}
	if (!s->synced || s->own_held || holder >= 0 || s->a->front_down)
		return;
	/* ours again: the flows on our addresses first (others finished them
	 * meanwhile), a slice per tick as the workers' queues take them, then
	 * the addresses once the workers have them all */
	room = nc_dp_sync_adopt_room(s->a->dp);
	for (looked = 0; s->back_scan < s->slots && looked < SCAN_TICK; looked++) {
		struct rep *r = &s->rep[s->back_scan];

		if (r->used && on_own_lip(s, r)) {
			if (room == 0)
				return;
			room--;
			install(s, r, false, now);
			s->back_n++;
		}
		s->back_scan++;
	}
	if (s->back_scan < s->slots || !nc_dp_sync_adopt_idle(s->a->dp))
		return;
	n0 = s->back_n;
	s->back_scan = 0;
	s->back_n = 0;
	own_lips(s, true, true);
	s->a->resyncing = false;
	nc_dp_sync_resume(s->a->dp);
	NC_LOG(NOTICE, APP, "cluster: our local IPs answered for again, %u flow(s) on them taken back", n0);
}

void
nc_sync_app_poll(struct nc_app *a, uint64_t now)
{
	struct nc_sync_app *s = a->sync;
	const struct nc_cfg_cluster *cc;
	bool dry;
	unsigned int q;

	if (s == NULL)
		return;
	cc = &a->cfg->cluster;
	/* the SYN-ACKs whose records left at an earlier poll, once worker 0
	 * took those datagrams from the kernel's interface: it sends them in
	 * an earlier burst, so a peer has the record before the client its
	 * SYN-ACK even if this dispatcher dies in between */
	if (s->n_synack != 0 && nc_dp_ctl_tx_drained(a->dp)) {
		for (q = 0; q < s->n_synack; q++)
			frame_go(s, s->synack[q], s->synack_back[q]);
		s->n_synack = 0;
	}
	nc_dp_lip_fresh(a->dp, cc->dead_ms / 2);
	if (nc_dp_sync_quarantined(a->dp))
		suspect_start(s, "a worker stood still");
	dry = tx_poll(s);
	if (s->walking && dry && nc_dp_sync_walk_done(a->dp) && tx_poll(s)) {
		send_u32(s, REC_BULK_END, s->round);
		s->walking = false;
	}
	front_poll(s, now);
	self_poll(s, now);
	for (q = 0; q < cc->n_peers; q++) {
		struct sync_peer *p = &s->peer[q];
		struct nc_cluster_peer_info pi;
		bool up = peer_info(s, q, &pi) && pi.state == NC_PEER_UP;

		if (p->adopting)
			adopt_poll(s, q, now);
		else if (p->installing && nc_dp_sync_adopt_idle(a->dp))
			p->installing = false;
		/* its addresses only once its flows and held requests are in the
		 * workers: an answer that came before its held request would
		 * release nothing, and the request be replayed and answered twice */
		if (!up && pi.id >= 0 && !p->lips_held && !p->installing && holder_of(s, pi.id) < 0 &&
		    designated(s, q))
			lips_hold(s, q, true, pi.id);
		else if (up && p->lips_held && p->synced)
			lips_hold(s, q, false, pi.id);   /* it resynced: its addresses go back */
		if (p->lips_held && p->garp_at != 0 && now >= p->garp_at) {
			lips_announce(s, q);
			p->garp_at = ++p->garps < 3 ? now + 700 : 0;
		}
	}
	if (s->own_held && s->own_garp_at != 0 && now >= s->own_garp_at) {
		nc_dp_own_lips_announce(s->a->dp);
		s->own_garp_at = ++s->own_garps < 3 ? now + 700 : 0;
	}
	hb_poll(s);
	nc_cluster_send_flush(chan(s));
}

/* ------------------------------------------------------------ set-up */

static void
sync_free(struct nc_sync_app *s)
{
	uint32_t i;

	for (i = 0; s->rep != NULL && i < s->slots; i++)
		if (s->rep[i].used)
			held_free_all(s, &s->rep[i]);
	rte_hash_free(s->h);
	rte_hash_free(s->h6);
	free(s->rep);
	free(s->a6);
	free(s);
}

int
nc_sync_app_init(struct nc_app *a)
{
	const struct nc_cfg_cluster *cc = &a->cfg->cluster;
	struct rte_hash_parameters hp = {
		.name = "nc_replicas",
		.key_len = 16,
		.hash_func = rte_hash_crc,
		.socket_id = a->socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
		.entries = RTE_MAX(cc->sync_max_flows, 8u),
	};
	struct nc_sync_app *s;
	bool v6 = nc_announce_any6(a->cfg);   /* a service with an IPv6 VIP */
	int r;

	if (!cc->enabled || !cc->sync)
		return 0;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->a = a;
	s->max = hp.entries;
	s->h = rte_hash_create(&hp);
	if (v6) {   /* as many again for IPv6 flows, keyed by their 40 bytes */
		hp.name = "nc_replicas6";
		hp.key_len = sizeof(struct key6);
		s->max6 = hp.entries;
		s->h6 = rte_hash_create(&hp);
		s->a6 = calloc(s->max6, sizeof(*s->a6));
	}
	s->slots = s->max + s->max6;
	s->rep = calloc(s->slots, sizeof(*s->rep));
	if (s->h == NULL || s->rep == NULL || (v6 && (s->h6 == NULL || s->a6 == NULL))) {
		NC_LOG(ERR, APP, "cluster: a replica table of %u flows: out of memory", s->slots);
		sync_free(s);
		return -ENOMEM;
	}
	r = nc_dp_sync_start(a->dp, cc->dead_ms);
	if (r != 0) {
		sync_free(s);
		return r;
	}
	nc_dp_set_miss_cb(a->dp, on_miss, s);
	nc_dp_probes_pause(a->dp, true);   /* until our local IPs are ours */
	s->start_ms = mono_ms();
	a->sync = s;
	a->resyncing = true;   /* until the peers' copies are here */
	NC_LOG(NOTICE, APP, "cluster: flow sync on: up to %u replica(s)%s, %u held request(s) per peer",
	       cc->sync_max_flows, v6 ? " per family" : "", cc->sync_max_held);
	return 0;
}

void
nc_sync_app_fini(struct nc_app *a)
{
	struct nc_sync_app *s = a->sync;
	uint32_t i;

	if (s == NULL)
		return;
	if (a->dp != NULL)
		nc_dp_set_miss_cb(a->dp, NULL, NULL);
	for (i = 0; i < s->n_synack; i++)
		rte_pktmbuf_free(s->synack[i]);
	sync_free(s);
	a->sync = NULL;
}

/* ------------------------------------------------------------ check */

int
nc_sync_app_check(struct nc_app *a, char *why, size_t len)
{
	struct nc_sync_app *s = a->sync;
	unsigned int held[NC_CLUSTER_MAX_PEERS] = { 0 };
	uint32_t i, n = 0, n6 = 0;
	unsigned int q;

	if (s == NULL)
		return 0;
	for (i = 0; i < s->slots; i++) {
		struct rep *r = &s->rep[i];
		const struct nc_sync_addr6 *a6 = rep_a6(s, r);
		const struct held *h;
		bool v6 = ((const uint8_t *)r->r.key)[NC_SYNC_KEY_FAMILY] & NC_FLOW_KEY_V6;

		if (!r->used)
			continue;
		n++;
		n6 += a6 != NULL;
		if (v6 != (a6 != NULL)) {
			snprintf(why, len, "replica %u: family %s in the %s part", i, v6 ? "6" : "4",
				 a6 != NULL ? "IPv6" : "IPv4");
			return -EINVAL;
		}
		if (rep_find(s, r->r.key, a6) != r) {
			snprintf(why, len, "replica %u: its key finds another slot", i);
			return -EINVAL;
		}
		if (r->peer >= NC_CLUSTER_MAX_PEERS || r->r.op != NC_SYNC_FLOW || r->r.m != NULL) {
			snprintf(why, len, "replica %u: peer %u, op %u, frame %p", i, r->peer, r->r.op,
				 (void *)r->r.m);
			return -EINVAL;
		}
		for (h = r->held; h != NULL; h = h->next) {
			if (h->len > HELD_MAX) {
				snprintf(why, len, "replica %u: a held request of %u bytes", i, h->len);
				return -EINVAL;
			}
			held[r->peer]++;
		}
	}
	if (n != s->n || n6 != s->n6 || n - n6 > s->max || n6 > s->max6 ||
	    (uint32_t)rte_hash_count(s->h) != n - n6 ||
	    (s->h6 != NULL ? (uint32_t)rte_hash_count(s->h6) : 0) != n6) {
		snprintf(why, len, "%u replica(s) (%u IPv6) in use, counted %u (%u), hashed %d (%d)",
			 n, n6, s->n, s->n6, rte_hash_count(s->h),
			 s->h6 != NULL ? rte_hash_count(s->h6) : 0);
		return -EINVAL;
	}
	for (q = 0; q < NC_CLUSTER_MAX_PEERS; q++)
		if (held[q] != s->peer[q].n_held || held[q] > a->cfg->cluster.sync_max_held) {
			snprintf(why, len, "peer %u: %u held request(s), counted %u (at most %u)", q,
				 held[q], s->peer[q].n_held, a->cfg->cluster.sync_max_held);
			return -EINVAL;
		}
	return 0;
}

/* ------------------------------------------------------------ readers */

json_t *
nc_sync_app_json(struct nc_app *a)
{
	struct nc_sync_app *s = a->sync;
	const struct nc_cfg_cluster *cc = &a->cfg->cluster;
	struct nc_cluster_counters cc_cnt;
	struct nc_dp_stats *st;
	struct nc_ctl_stats cs;
	json_t *o, *holding;
	char b[INET6_ADDRSTRLEN];
	unsigned int q, l, held = 0;

	if (s == NULL)
		return json_pack("{s:b}", "enabled", 0);
	st = malloc(sizeof(*st));
	if (st == NULL)
		return NULL;
	nc_dp_stats_get(a->dp, st);
	nc_dp_ctl_stats_get(a->dp, &cs);
	nc_cluster_counters_get(chan(s), &cc_cnt);
	holding = json_array();
	for (q = 0; q < cc->n_peers; q++) {
		struct nc_cluster_peer_info pi;

		held += s->peer[q].n_held;
		if (!s->peer[q].lips_held || !peer_info(s, q, &pi))
			continue;
		for (l = 0; l < cc->peer_n_lips[q]; l++)
			json_array_append_new(holding, json_pack("{s:s,s:i}", "address",
								 ip4(cc->peer_lips[q][l], b), "from", pi.id));
		for (l = 0; l < cc->peer_n_lips6[q]; l++)
			json_array_append_new(holding, json_pack("{s:s,s:i}", "address",
								 inet_ntop(AF_INET6, cc->peer_lips6[q][l], b,
									   sizeof(b)), "from", pi.id));
	}
	o = json_pack("{s:b,s:b,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o}",
		      "enabled", 1, "synced", s->synced, "own_addresses", s->own_held,
		      "replicas", (json_int_t)s->n, "replicas_max", (json_int_t)s->slots,
		      "held", (json_int_t)held,
		      "tx_records", (json_int_t)s->tx_records, "rx_records", (json_int_t)s->rx_records,
		      "rx_bad", (json_int_t)s->rx_bad,
		      "gaps", (json_int_t)cc_cnt.gaps,
		      "full", (json_int_t)(s->full + s->held_full),
		      "ring_full", (json_int_t)st->sync_ring_full,
		      "bulk_sent", (json_int_t)s->bulk_sent, "bulk_received", (json_int_t)s->bulk_received,
		      "adopted", (json_int_t)st->sync_adopted, "adopted_held", (json_int_t)st->sync_adopted_held,
		      "redirected", (json_int_t)cs.sync_miss_redirected,
		      "miss_adopted", (json_int_t)cs.sync_miss_adopted,
		      "miss_dropped", (json_int_t)cs.sync_miss_dropped,
		      "adopt_full", (json_int_t)cs.sync_adopt_full,
		      "back_full", (json_int_t)cs.sync_back_full,
		      "adopt_replaced", (json_int_t)st->sync_adopt_replaced,
		      "adopt_unproxied", (json_int_t)st->sync_adopt_unproxied,
		      "answered_elsewhere", (json_int_t)st->sync_answered_elsewhere,
		      "stepped_back", (json_int_t)s->stepbacks,
		      "holding", holding);
	free(st);
	return o;
}

void
nc_sync_app_metrics(struct nc_app *a, FILE *f)
{
	struct nc_sync_app *s = a->sync;
	struct nc_dp_stats *st;
	struct nc_ctl_stats cs;

	if (s == NULL)
		return;
	st = malloc(sizeof(*st));
	if (st == NULL)
		return;
	nc_dp_stats_get(a->dp, st);
	nc_dp_ctl_stats_get(a->dp, &cs);
	fprintf(f, "# HELP nc_cluster_sync_replicas Flows of peer dispatchers replicated here.\n"
		"# TYPE nc_cluster_sync_replicas gauge\nnc_cluster_sync_replicas %u\n", s->n);
	fprintf(f, "# HELP nc_cluster_sync_records_total Flow sync records sent and received.\n"
		"# TYPE nc_cluster_sync_records_total counter\n"
		"nc_cluster_sync_records_total{dir=\"tx\"} %" PRIu64 "\n"
		"nc_cluster_sync_records_total{dir=\"rx\"} %" PRIu64 "\n", s->tx_records, s->rx_records);
	fprintf(f, "# HELP nc_cluster_sync_adopted_total Flows and held requests of dead peers taken over.\n"
		"# TYPE nc_cluster_sync_adopted_total counter\n"
		"nc_cluster_sync_adopted_total{what=\"flow\"} %" PRIu64 "\n"
		"nc_cluster_sync_adopted_total{what=\"held\"} %" PRIu64 "\n",
		st->sync_adopted, st->sync_adopted_held);
	fprintf(f, "# HELP nc_cluster_sync_lost_total Records not kept: a full replica table or store, a full worker ring.\n"
		"# TYPE nc_cluster_sync_lost_total counter\n"
		"nc_cluster_sync_lost_total{why=\"replicas_full\"} %" PRIu64 "\n"
		"nc_cluster_sync_lost_total{why=\"held_full\"} %" PRIu64 "\n"
		"nc_cluster_sync_lost_total{why=\"ring_full\"} %" PRIu64 "\n"
		"nc_cluster_sync_lost_total{why=\"install_full\"} %" PRIu64 "\n"
		"nc_cluster_sync_lost_total{why=\"back_full\"} %" PRIu64 "\n",
		s->full, s->held_full, st->sync_ring_full, cs.sync_adopt_full, cs.sync_back_full);
	fprintf(f, "# HELP nc_cluster_sync_redirected_total TCP segments of no flow here sent on to the peer that has it.\n"
		"# TYPE nc_cluster_sync_redirected_total counter\nnc_cluster_sync_redirected_total %" PRIu64 "\n",
		cs.sync_miss_redirected);
	fprintf(f, "# HELP nc_cluster_sync_answered_elsewhere_total TCP connections opened here whose client took a peer's SYN-ACK.\n"
		"# TYPE nc_cluster_sync_answered_elsewhere_total counter\nnc_cluster_sync_answered_elsewhere_total %" PRIu64 "\n",
		st->sync_answered_elsewhere);
	fprintf(f, "# HELP nc_cluster_sync_stepped_back_total Times this dispatcher found itself taken over and resynced.\n"
		"# TYPE nc_cluster_sync_stepped_back_total counter\nnc_cluster_sync_stepped_back_total %" PRIu64 "\n",
		s->stepbacks);
	free(st);
}
