/* SPDX-License-Identifier: BSD-3-Clause
 * Worker fast path: parse, classify, find or open the flow, rewrite (full
 * NAT), buffer for transmit. No lock, no allocation, no log, no syscall per
 * packet; every drop is a counter.
 */
#include <sys/prctl.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_prefetch.h>

#include "dp_priv.h"

enum pkt_kind { PK_DROP, PK_CLIENT, PK_SERVER, PK_CTL, PK_HANDOFF, PK_UNREACH };

/* Per-packet classification kept between the passes over a burst. */
struct pkt_meta {
	struct nc_flow_key key;
	uint32_t hash;
	uint16_t l4_off;
	uint8_t kind;
	uint8_t svc;         /* client leg: service index */
	uint16_t lip;        /* server leg: local IP index */
	uint16_t lport;      /* server leg: host order */
	uint16_t pay;        /* L4 payload bytes (TCP/UDP) */
	int32_t sidx;        /* server leg: flow index (looked up before the legs) */
} __rte_aligned(8);      /* nc_flow_hash() reads the key as 64-bit words */

static inline void
drop(struct nc_worker *w, struct rte_mbuf *m, enum nc_drop why)
{
	w->st.drop[why]++;
	rte_pktmbuf_free(m);
}

static inline uint32_t
timeout_of(const struct nc_dp *dp, const struct nc_flow *f)
{
	switch (f->state) {
	case NC_FLOW_SYN:
		return dp->to_syn;
	case NC_FLOW_EST:
		return dp->to_est;
	case NC_FLOW_CLOSING:
		return dp->to_fin;
	default:
		return dp->to_udp;
	}
}

/* Queue <m> for port <pidx>, addressed to neighbor entry <nh>. */
static inline void
tx_to(struct nc_worker *w, struct rte_mbuf *m, uint32_t nh)
{
	const struct nc_dp *dp = w->dp;
	const struct nc_neigh_entry *ne = &dp->neigh->e[nh];
	uint64_t mac = nc_neigh_mac(dp->neigh, nh);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct nc_txbuf *tb;

	if (unlikely(!(mac & NC_NEIGH_VALID))) {
		drop(w, m, NC_DROP_NEIGH_UNRESOLVED);
		return;
	}
	memcpy(&eth->dst_addr, &mac, RTE_ETHER_ADDR_LEN);
	eth->src_addr = dp->mac[ne->port];
	tb = &w->tx[ne->port];
	if (unlikely(tb->n == NC_TXB_MAX)) {
		drop(w, m, NC_DROP_TX_FULL);
		return;
	}
	tb->m[tb->n++] = m;
}

/*
 * Rewrite addresses and ports of an IPv4/TCP|UDP packet and decrement TTL,
 * updating both checksums from the flow's precomputed deltas (RFC 1624).
 */
static inline void
rewrite(struct rte_mbuf *m, uint16_t l4_off, uint32_t sip, uint32_t dip,
	uint16_t sport, uint16_t dport, uint16_t ip_delta, uint16_t l4_delta)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + sizeof(struct rte_ether_hdr));
	uint16_t *ttl_word = (uint16_t *)&ip->time_to_live;   /* TTL and protocol */
	uint16_t old_ttl = *ttl_word;
	uint16_t *ports = (uint16_t *)(d + l4_off);

	ip->time_to_live--;
	ip->hdr_checksum = nc_csum_adjust(ip->hdr_checksum,
					  (uint32_t)ip_delta + nc_csum_delta16(old_ttl, *ttl_word));
	ip->src_addr = sip;
	ip->dst_addr = dip;
	ports[0] = sport;
	ports[1] = dport;
	if (ip->next_proto_id == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(d + l4_off);

		th->cksum = nc_csum_adjust(th->cksum, l4_delta);
	} else {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(d + l4_off);

		/* 0 means "no checksum" in UDP: keep it; a computed 0 is sent as 0xffff */
		if (uh->dgram_cksum != 0) {
			uh->dgram_cksum = nc_csum_adjust(uh->dgram_cksum, l4_delta);
			if (uh->dgram_cksum == 0)
				uh->dgram_cksum = 0xffff;
		}
	}
}

/* Checksum deltas of both directions, computed once when a flow opens. */
static void
flow_set_deltas(struct nc_flow *f)
{
	uint32_t ip, l4;

	/* client -> VIP:vport  becomes  lip:lport -> server:sport */
	ip = nc_csum_delta32(f->key.src_ip, f->lip) + nc_csum_delta32(f->key.dst_ip, f->server_ip);
	l4 = ip + nc_csum_delta16(f->key.src_port, f->lport) +
		nc_csum_delta16(f->key.dst_port, f->server_port);
	f->c2s_ip_delta = (uint16_t)nc_csum_fold32(ip);
	f->c2s_l4_delta = (uint16_t)nc_csum_fold32(l4);
	/* server:sport -> lip:lport  becomes  VIP:vport -> client */
	ip = nc_csum_delta32(f->server_ip, f->key.dst_ip) + nc_csum_delta32(f->lip, f->key.src_ip);
	l4 = ip + nc_csum_delta16(f->server_port, f->key.dst_port) +
		nc_csum_delta16(f->lport, f->key.src_port);
	f->s2c_ip_delta = (uint16_t)nc_csum_fold32(ip);
	f->s2c_l4_delta = (uint16_t)nc_csum_fold32(l4);
}

static inline void
ctl_pass(struct nc_worker *w, struct rte_mbuf *m, uint16_t pidx)
{
	struct nc_ctl_msg msg = { .type = NC_CTL_PKT, .pidx = pidx, .m = m };

	if (unlikely(rte_ring_mp_enqueue_elem(w->dp->ctl_ring, &msg, sizeof(msg)) != 0)) {
		drop(w, m, NC_DROP_CTL_RING_FULL);
		return;
	}
	w->st.to_ctl++;
}

/* The client's MAC is unknown: the control lcore resolves it and hands <m>
 * back to this worker once it is known, as a host holds packets on an
 * unresolved neighbor, so a new client's first SYN is not lost. */
static inline void
ctl_resolve(struct nc_worker *w, struct rte_mbuf *m, uint32_t ip, uint16_t pidx)
{
	struct nc_ctl_msg msg = { .type = NC_CTL_RESOLVE, .worker = (uint8_t)w->id, .pidx = pidx,
				  .ip = ip, .m = m };

	if (unlikely(rte_ring_mp_enqueue_elem(w->dp->ctl_ring, &msg, sizeof(msg)) != 0))
		drop(w, m, NC_DROP_NEIGH_UNRESOLVED);
}

static inline void
handoff(struct nc_worker *w, struct rte_mbuf *m, uint16_t owner)
{
	if (unlikely(rte_ring_mp_enqueue(w->dp->worker[owner]->handoff, m) != 0)) {
		drop(w, m, NC_DROP_HANDOFF_FULL);
		return;
	}
	w->st.handoff_out++;
}

/* Open a flow for the client packet <m>; NULL (packet consumed) on refusal. */
static struct nc_flow *
flow_open(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm)
{
	struct nc_dp *dp = w->dp;
	const struct nc_dp_svc *svc = &dp->svc[pm->svc];
	const struct nc_schedule *s = nc_sched_get(dp->sched_slot[pm->svc]);
	const struct nc_sched_server *srv;
	struct nc_flow *f;
	uint32_t *cur;
	uint16_t port = 0;
	int nh, err, aff;

	if (unlikely(s == NULL || s->n_slots == 0)) {
		drop(w, m, NC_DROP_NO_SERVER);
		return NULL;
	}
	nh = nc_neigh_next_hop(dp->neigh, pm->key.src_ip, &port);
	if (unlikely(nh < 0 || !(nc_neigh_mac(dp->neigh, (uint32_t)nh) & NC_NEIGH_VALID))) {
		if (nh == -ENETUNREACH)
			drop(w, m, NC_DROP_NO_ROUTE);
		else if (nh < 0)
			ctl_resolve(w, m, pm->key.src_ip, port);
		else
			ctl_resolve(w, m, dp->neigh->e[nh].ip, dp->neigh->e[nh].port);
		return NULL;
	}
	f = nc_flow_add(w->flows, &pm->key, pm->hash, svc->lip, svc->n_lips,
			&w->lip_cursor[pm->svc], &err);
	if (unlikely(f == NULL)) {
		drop(w, m, err == -ENOSPC ? NC_DROP_FLOW_TABLE_FULL : NC_DROP_NO_LOCAL_PORT);
		return NULL;
	}
	aff = -1;
	if (svc->persist_ms != 0) {
		/* the client's server while its affinity entry lives, if still up */
		aff = nc_affinity_lookup(w->aff, pm->key.src_ip, pm->svc, w->now_ms);
		if (aff >= 0 && (aff >= s->n_servers || !s->server[aff].up ||
				 s->server[aff].weight == 0))   /* down, or drained */
			aff = -1;
	}
	if (aff >= 0) {
		f->server = (uint8_t)aff;
		w->st.svc[pm->svc].affinity_hits++;
	} else {
		cur = &w->sched_cursor[pm->svc];
		if (*cur >= s->n_slots)
			*cur = 0;
		f->server = (uint8_t)s->slot[(*cur)++];
	}
	if (svc->persist_ms != 0)   /* a full table only loses the affinity, never the flow */
		nc_affinity_set(w->aff, pm->key.src_ip, pm->svc, f->server, w->now_ms + svc->persist_ms);
	srv = &s->server[f->server];
	f->svc = pm->svc;
	f->lip = dp->lip[f->lip_idx];
	f->server_ip = srv->addr;
	f->server_port = srv->port;
	f->nh_server = srv->nh;
	f->nh_client = (uint32_t)nh;
	flow_set_deltas(f);
	w->st.svc[pm->svc].flows_opened++;
	w->st.flow_changes++;
	w->st.svc[pm->svc].server_flows[f->server]++;
	return f;
}

static inline struct nc_srv_stats *
srv_stats(struct nc_worker *w, const struct nc_flow *f)
{
	return &w->srv[(uint32_t)f->svc * NC_DP_MAX_SERVERS + f->server];
}

void
nc_worker_on_close(const struct nc_flow *f, void *arg)
{
	struct nc_worker *w = arg;

	w->st.svc[f->svc].flows_closed++;
	srv_stats(w, f)->flows_closed++;
	if (w->txc != NULL) {
		uint32_t *c = &w->txc[2 * nc_flow_index(w->flows, f)];

		if (*c != NC_TX_NONE)
			srv_stats(w, f)->fs_unheld += nc_txstore_release(w->txs, c, c + 1);
	}
	/* nothing of it for the next flow in its place (a pending splice
	 * would swallow that one's SYN-ACK) */
	if (w->tfs != NULL)
		w->tfs[nc_flow_index(w->flows, f)].flags = 0;
}

/* Keep a private copy of the client's packet <m> (as it arrived) until the
 * server answers; a full store or copy pool only costs the fail-safe of this
 * request (counted), never the packet. */
static inline void
hold_copy(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m)
{
	const struct nc_dp_svc *svc = &w->dp->svc[f->svc];
	uint32_t *c = &w->txc[2 * nc_flow_index(w->flows, f)];
	struct rte_mbuf *cp = rte_pktmbuf_copy(m, w->dp->txpool, 0, UINT32_MAX);

	if (unlikely(cp == NULL) ||
	    unlikely(nc_txstore_hold(w->txs, nc_flow_index(w->flows, f), cp,
				     w->now_ms + svc->resp_timeout_ms, c, c + 1) != 0)) {
		rte_pktmbuf_free(cp);
		w->st.svc[f->svc].fs_store_full++;
		return;
	}
	w->st.svc[f->svc].fs_held++;
	srv_stats(w, f)->fs_held++;
}

/* Hold request <m> of flow <idx> again (taken out for a replay), with a new
 * deadline; a full store frees it (counted). */
static inline void
hold_again(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m)
{
	uint32_t *c = &w->txc[2 * idx];

	if (nc_txstore_hold(w->txs, idx, m, w->now_ms + w->dp->svc[f->svc].resp_timeout_ms,
			    c, c + 1) != 0) {
		rte_pktmbuf_free(m);
		w->st.svc[f->svc].fs_store_full++;
	} else {
		srv_stats(w, f)->fs_held++;
	}
}

#define L4_OFF ((uint16_t)(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr)))
#define NC_REPLAY_MAX 64    /* held requests of one flow replayed at once */

/* Move a TCP segment's acknowledgement (client -> new server) or sequence
 * number (new server -> client) of a spliced connection, checksum updated. */
static inline void
tcp_ack_sub(struct rte_mbuf *m, uint16_t l4_off, uint32_t delta)
{
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4_off);
	uint32_t old = th->recv_ack;

	th->recv_ack = rte_cpu_to_be_32(nc_seq_to_server(rte_be_to_cpu_32(old), delta));
	th->cksum = nc_csum_adjust(th->cksum, nc_csum_delta32(old, th->recv_ack));
}

static inline void
tcp_seq_add(struct rte_mbuf *m, uint16_t l4_off, uint32_t delta)
{
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4_off);
	uint32_t old = th->sent_seq;

	th->sent_seq = rte_cpu_to_be_32(nc_seq_to_client(rte_be_to_cpu_32(old), delta));
	th->cksum = nc_csum_adjust(th->cksum, nc_csum_delta32(old, th->sent_seq));
}

/*
 * The client's SYN on a fail-safe service: window scale, SACK-permitted and
 * timestamp options become NOPs (a second server could not keep what the
 * first one agreed to); its MSS is noted. Once per connection: the TCP
 * checksum is computed afresh.
 */
static void
tcp_syn_strip(struct rte_mbuf *m, uint16_t l4_off, uint16_t *mss)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + sizeof(struct rte_ether_hdr));
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(d + l4_off);
	uint8_t *o = (uint8_t *)(th + 1), *end = (uint8_t *)th + (th->data_off >> 4) * 4;
	int changed = 0;

	*mss = 0;
	while (o < end && *o != 0) {
		uint8_t len;

		if (*o == 1) {
			o++;
			continue;
		}
		if (o + 1 >= end || o[1] < 2 || o + o[1] > end)
			break;   /* malformed: leave the rest as it is */
		len = o[1];
		if (o[0] == 2 && len == 4)
			*mss = (uint16_t)(o[2] << 8 | o[3]);
		else if (o[0] == 3 || o[0] == 4 || o[0] == 8) {
			memset(o, 1, len);
			changed = 1;
		}
		o += len;
	}
	if (changed) {
		th->cksum = 0;
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	}
}

/* Send a bare TCP segment of flow <f> (no data): to its server from the local
 * IP, or to its client from the VIP. From the fail-safe's own pool. */
static void
tcp_send(struct nc_worker *w, const struct nc_flow *f, int to_server, uint8_t flags,
	 uint32_t seq, uint32_t ack, uint16_t mss)
{
	uint16_t opt = mss != 0 ? 4 : 0;
	uint16_t len = (uint16_t)(L4_OFF + sizeof(struct rte_tcp_hdr) + opt);
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->dp->txpool);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint8_t *d;

	if (unlikely(m == NULL) || unlikely((d = (uint8_t *)rte_pktmbuf_append(m, len)) == NULL)) {
		rte_pktmbuf_free(m);
		w->st.svc[f->svc].fs_store_full++;
		return;
	}
	memset(d, 0, len);
	eth = (struct rte_ether_hdr *)d;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - sizeof(*eth)));
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	th = (struct rte_tcp_hdr *)(ip + 1);
	if (to_server) {
		ip->src_addr = f->lip;
		ip->dst_addr = f->server_ip;
		th->src_port = f->lport;
		th->dst_port = f->server_port;
	} else {
		ip->src_addr = f->key.dst_ip;
		ip->dst_addr = f->key.src_ip;
		th->src_port = f->key.dst_port;
		th->dst_port = f->key.src_port;
	}
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)(((sizeof(*th) + opt) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = RTE_BE16(65535);
	if (opt != 0) {
		uint8_t *o = (uint8_t *)(th + 1);

		o[0] = 2;
		o[1] = 4;
		o[2] = (uint8_t)(mss >> 8);
		o[3] = (uint8_t)mss;
	}
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	tx_to(w, m, to_server ? f->nh_server : f->nh_client);
}

/* The TCP payload of <m> as far as its first segment holds it: <*n> bytes
 * (0 for none), never past the mbuf's data. */
static inline const uint8_t *
tcp_payload(const struct rte_mbuf *m, uint16_t l4_off, uint16_t pay, uint32_t *n)
{
	const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, l4_off);
	uint32_t off = (uint32_t)l4_off + (uint32_t)(th->data_off >> 4) * 4u;
	uint32_t dl = rte_pktmbuf_data_len(m);

	*n = off < dl ? RTE_MIN((uint32_t)pay, dl - off) : 0;
	return rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
}

/* The request at <p> (<n> bytes) starts with an HTTP method whose response a
 * Content-Length can delimit: a token of capitals (and '-') and a space, not
 * HEAD (no body whatever the length says) nor CONNECT (a tunnel follows). */
static inline int
http_req_sized(const uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n && i <= 16; i++) {
		if (p[i] == ' ')
			return i != 0 && !(i == 4 && memcmp(p, "HEAD", 4) == 0) &&
				!(i == 7 && memcmp(p, "CONNECT", 7) == 0);
		if ((p[i] < 'A' || p[i] > 'Z') && p[i] != '-')
			return 0;
	}
	return 0;
}

/* Header field name <a> (<n> bytes) is <lc> (lower case), in any case. */
static inline int
http_name_is(const uint8_t *a, uint32_t n, const char *lc, uint32_t lc_len)
{
	uint32_t i;

	if (n != lc_len)
		return 0;
	for (i = 0; i < n; i++) {
		uint8_t c = a[i] >= 'A' && a[i] <= 'Z' ? (uint8_t)(a[i] + 32) : a[i];

		if (c != (uint8_t)lc[i])
			return 0;
	}
	return 1;
}

/* Header value <v> (<n> bytes) holds the token <lc> (lower case), in any case. */
static inline int
http_value_has(const uint8_t *v, uint32_t n, const char *lc, uint32_t lc_len)
{
	uint32_t i;

	for (i = 0; i + lc_len <= n; i++)
		if (http_name_is(v + i, lc_len, lc, lc_len) &&
		    (i == 0 || v[i - 1] == ' ' || v[i - 1] == ',' || v[i - 1] == '\t') &&
		    (i + lc_len == n || v[i + lc_len] == ' ' || v[i + lc_len] == ',' ||
		     v[i + lc_len] == '\t'))
			return 1;
	return 0;
}

#define NC_HTTP_LEN_MAX (1u << 30)   /* longer bodies stay unknown: serial arithmetic */

/*
 * The length of the HTTP/1.x response that starts at <p>, of which the
 * segment holds <n> bytes: header block (status line to the blank line) plus
 * body. 0 and <*len> when known: a final status with Content-Length, or 204
 * and 304 (no body); <*keep>: the connection stays open after it (HTTP/1.1
 * without "Connection: close", HTTP/1.0 with "Connection: keep-alive"). -1 when it is not known from here: not HTTP/1.x, an
 * interim 1xx (the final response follows), any Transfer-Encoding (chunked:
 * ends in the body; others: at the close), neither header (delimited by the
 * close), a header block that does not end in the segment, a folded line or
 * anything malformed. Reads nothing past p[n - 1].
 */
static int
http_resp_len(const uint8_t *p, uint32_t n, uint32_t *len, int *keep)
{
	const uint8_t *e;
	uint32_t i, cl = 0;
	int have_cl = 0, status, conn_close = 0, conn_keep = 0;

	if (n < 13 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' || p[8] != ' ' ||
	    p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9' ||
	    (p[12] != ' ' && p[12] != '\r' && p[12] != '\n'))
		return -1;
	status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (status < 200)
		return -1;
	e = memchr(p, '\n', n);
	if (e == NULL)
		return -1;
	i = (uint32_t)(e - p) + 1;
	for (;;) {
		const uint8_t *line = p + i, *colon;
		uint32_t ll;

		if (i >= n)
			return -1;
		if (p[i] == '\n') {
			i++;
			break;
		}
		if (p[i] == '\r') {
			if (i + 1 >= n || p[i + 1] != '\n')
				return -1;
			i += 2;
			break;
		}
		if (p[i] == ' ' || p[i] == '\t')
			return -1;   /* obsolete line folding */
		e = memchr(line, '\n', n - i);
		if (e == NULL)
			return -1;
		ll = (uint32_t)(e - line);
		if (ll != 0 && line[ll - 1] == '\r')
			ll--;
		colon = memchr(line, ':', ll);
		if (colon == NULL)
			return -1;
		if (http_name_is(line, (uint32_t)(colon - line), "content-length", 14)) {
			const uint8_t *v = colon + 1, *end = line + ll;
			uint32_t x = 0;

			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			if (v == end || *v < '0' || *v > '9')
				return -1;
			while (v < end && *v >= '0' && *v <= '9') {
				x = x * 10 + (uint32_t)(*v++ - '0');
				if (x > NC_HTTP_LEN_MAX)
					return -1;
			}
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			if (v != end || (have_cl && x != cl))
				return -1;
			cl = x;
			have_cl = 1;
		} else if (http_name_is(line, (uint32_t)(colon - line), "transfer-encoding", 17)) {
			return -1;
		} else if (http_name_is(line, (uint32_t)(colon - line), "connection", 10)) {
			conn_close |= http_value_has(colon + 1, (uint32_t)(line + ll - colon - 1), "close", 5);
			conn_keep |= http_value_has(colon + 1, (uint32_t)(line + ll - colon - 1),
						    "keep-alive", 10);
		}
		i = (uint32_t)(e - p) + 1;
	}
	/* HTTP/1.1 keeps the connection unless told otherwise; 1.0 only if told */
	*keep = !conn_close && (p[7] != '0' || conn_keep);
	if (status == 204 || status == 304) {
		*len = i;
		return 0;
	}
	if (!have_cl)
		return -1;
	*len = i + cl;
	return 0;
}

/* The first response bytes of a request reached the server leg at <seq>
 * (client's view): note where the response ends if its header block says
 * so. Only for a sized HTTP request not pipelined behind another response,
 * from the byte where the server's stream stood (not a segment past a lost
 * one). Once per request. */
static void
http_resp_start(struct nc_tcpfs *t, const struct rte_mbuf *m, const struct pkt_meta *pm,
		uint32_t seq)
{
	const uint8_t *p;
	uint32_t n, len;
	int keep;

	if ((t->flags & (NC_TFS_SYNACK | NC_TFS_HTTP | NC_TFS_UNSAFE)) != (NC_TFS_SYNACK | NC_TFS_HTTP) ||
	    seq != t->srv_next)
		return;
	p = tcp_payload(m, pm->l4_off, pm->pay, &n);
	if (http_resp_len(p, n, &len, &keep) == 0) {
		t->resp_end = seq + len;
		t->flags |= NC_TFS_RESP_LEN;
		if (keep)
			t->flags2 |= NC_TFS2_KEEP;
	}
}

/* Response bytes of the current request reached the client, and its end is
 * known and not reached yet. */
static inline int
tfs_resp_incomplete(const struct nc_tcpfs *t)
{
	return (t->flags & (NC_TFS_RESP | NC_TFS_RESP_LEN)) == (NC_TFS_RESP | NC_TFS_RESP_LEN) &&
		nc_seq_lt(t->srv_next, t->resp_end);
}

static inline void tcp_track(struct nc_flow *f, uint8_t flags, int from_client);
static void failover(struct nc_worker *w, uint32_t idx, uint8_t why);

/*
 * Client side of a TCP flow of a fail-safe service, before it is forwarded:
 * its SYN is stripped and held; request data is held until the server answers;
 * on a spliced connection its acknowledgement is translated. Returns 0 when
 * <m> was consumed (held back while the new connection is opened).
 */
static int
tcp_fs_client(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m, const struct pkt_meta *pm)
{
	struct nc_tcpfs *t = &w->tfs[nc_flow_index(w->flows, f)];
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, pm->l4_off);

	if ((th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG) {
		if (f->state == NC_FLOW_SYN && !(t->flags & NC_TFS_SPLICING)) {
			if (w->txc[2 * nc_flow_index(w->flows, f)] == NC_TX_NONE) {   /* not a retransmit */
				memset(t, 0, sizeof(*t));
				tcp_syn_strip(m, pm->l4_off, &t->mss);
				t->c_isn = rte_be_to_cpu_32(th->sent_seq);
				hold_copy(w, f, m);
			} else {
				uint16_t mss;

				tcp_syn_strip(m, pm->l4_off, &mss);
			}
		}
		return 1;
	}
	if (th->tcp_flags & RTE_TCP_ACK_FLAG)
		t->c_ack = rte_be_to_cpu_32(th->recv_ack);
	if (unlikely(t->flags2 & NC_TFS2_SRV_FIN) && !(t->flags & NC_TFS_SPLICING)) {
		if (th->tcp_flags & RTE_TCP_FIN_FLAG) {
			/* the client closes too: it gets the server's FIN now */
			t->flags2 &= (uint8_t)~NC_TFS2_SRV_FIN;
			tcp_send(w, f, 0, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, t->srv_next,
				 rte_be_to_cpu_32(th->sent_seq) + pm->pay + 1, 0);
			t->srv_next++;
			tcp_track(f, RTE_TCP_FIN_FLAG, 0);
		} else if (pm->pay != 0 && w->txc[2 * nc_flow_index(w->flows, f)] == NC_TX_NONE) {
			/* its next request: held, then sent on a new connection */
			t->flags &= (uint8_t)~(NC_TFS_RESP | NC_TFS_UNSAFE | NC_TFS_HTTP | NC_TFS_RESP_LEN);
			t->flags2 &= (uint8_t)~NC_TFS2_KEEP;
			t->req_seq = rte_be_to_cpu_32(th->sent_seq);
			t->req_ack = rte_be_to_cpu_32(th->recv_ack);
			{
				const uint8_t *p;
				uint32_t n;

				p = tcp_payload(m, pm->l4_off, pm->pay, &n);
				if (http_req_sized(p, n))
					t->flags |= NC_TFS_HTTP;
			}
			hold_copy(w, f, m);
			rte_pktmbuf_free(m);
			if (w->txc[2 * nc_flow_index(w->flows, f)] == NC_TX_NONE)
				return 0;   /* nothing held (store full): the client retransmits */
			failover(w, nc_flow_index(w->flows, f), NC_FO_SERVER_CLOSED);
			return 0;
		}
	}
	if (unlikely(t->flags & NC_TFS_SPLICING)) {
		/* the held copies carry it to the new server once it is connected */
		rte_pktmbuf_free(m);
		return 0;
	}
	if (pm->pay != 0) {
		if (w->txc[2 * nc_flow_index(w->flows, f)] == NC_TX_NONE) {   /* a new request */
			/* the response before it known to be still arriving
			 * (pipelining): its end stays the one to reach */
			int behind = tfs_resp_incomplete(t);
			const uint8_t *p;
			uint32_t n;

			t->flags &= (uint8_t)~(NC_TFS_RESP | NC_TFS_UNSAFE | NC_TFS_HTTP |
					       (behind ? 0 : NC_TFS_RESP_LEN));
			if (!behind)
				t->flags2 &= (uint8_t)~NC_TFS2_KEEP;
			t->req_seq = rte_be_to_cpu_32(th->sent_seq);
			t->req_ack = rte_be_to_cpu_32(th->recv_ack);
			/* server bytes the client has not acknowledged yet, or
			 * not sent yet (a response still arriving): another
			 * server could not continue the stream from here */
			if (behind || ((t->flags & NC_TFS_SYNACK) && t->req_ack != t->srv_next &&
				       t->srv_next != t->srv_isn + 1))
				t->flags |= NC_TFS_UNSAFE;
			p = tcp_payload(m, pm->l4_off, pm->pay, &n);
			if (http_req_sized(p, n))
				t->flags |= NC_TFS_HTTP;
		}
		hold_copy(w, f, m);
	}
	if (t->flags & NC_TFS_SPLICED)
		tcp_ack_sub(m, pm->l4_off, t->delta);
	return 1;
}

static inline int
key_eq(const struct nc_flow_key *a, const struct nc_flow_key *b)
{
	const uint64_t *x = (const uint64_t *)a, *y = (const uint64_t *)b;

	return x[0] == y[0] && x[1] == y[1];
}

static inline void
flow_close(struct nc_worker *w, int32_t idx)
{
	w->st.flow_changes++;   /* positions may be reused: recheck bulk results */
	nc_worker_on_close(nc_flow_at(w->flows, (uint32_t)idx), w);
	nc_flow_del(w->flows, (uint32_t)idx);
}

/* TCP state from the flags of a packet in either direction. */
static inline void
tcp_track(struct nc_flow *f, uint8_t flags, int from_client)
{
	if (unlikely(flags & (RTE_TCP_RST_FLAG | RTE_TCP_FIN_FLAG))) {
		if (flags & RTE_TCP_RST_FLAG)
			f->state = NC_FLOW_CLOSING;
		else {
			f->fin |= from_client ? NC_FLOW_FIN_C : NC_FLOW_FIN_S;
			if (f->fin == (NC_FLOW_FIN_C | NC_FLOW_FIN_S))
				f->state = NC_FLOW_CLOSING;
		}
	} else if (f->state == NC_FLOW_SYN && from_client && !(flags & RTE_TCP_SYN_FLAG)) {
		f->state = NC_FLOW_EST;   /* the client's ACK completes the handshake */
	}
}

static inline void
client_leg(struct nc_worker *w, struct rte_mbuf *m, struct pkt_meta *pm, int32_t pos)
{
	struct nc_srv_stats *ss;
	struct nc_flow *f;
	uint8_t flags = 0;

	if (pm->key.proto == IPPROTO_TCP) {
		const struct rte_tcp_hdr *th =
			rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, pm->l4_off);
		int syn = (th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG;

		flags = th->tcp_flags;
		if (pos >= 0 && unlikely(syn) && nc_flow_at(w->flows, (uint32_t)pos)->state == NC_FLOW_CLOSING) {
			/* the client reuses the port of a closed connection: start afresh */
			flow_close(w, pos);
			pos = -ENOENT;
		}
		if (pos < 0 && !syn) {
			drop(w, m, NC_DROP_NO_FLOW);
			return;
		}
	}
	if (pos >= 0) {
		f = nc_flow_at(w->flows, (uint32_t)pos);
	} else {
		f = flow_open(w, m, pm);
		if (f == NULL)
			return;
	}
	if (pm->key.proto == IPPROTO_TCP)
		tcp_track(f, flags, 1);
	f->expire_ms = w->now_ms + timeout_of(w->dp, f);
	ss = srv_stats(w, f);
	/* passive response time: from the request leaving (data while nothing
	 * is unanswered) to the server's first data back */
	if (pm->pay != 0 && !(f->mon & NC_FLOW_REQ)) {
		f->mon |= NC_FLOW_REQ;
		f->req_us = w->now_us;
		ss->requests++;
	}
	ss->bytes += rte_pktmbuf_pkt_len(m);
	if (w->dp->svc[f->svc].failsafe) {
		if (pm->key.proto == IPPROTO_UDP)
			hold_copy(w, f, m);
		else if (tcp_fs_client(w, f, m, pm) == 0)
			return;
	}
	w->st.svc[f->svc].pkts_c2s++;
	w->st.svc[f->svc].bytes_c2s += rte_pktmbuf_pkt_len(m);
	rewrite(m, pm->l4_off, f->lip, f->server_ip, f->lport, f->server_port,
		f->c2s_ip_delta, f->c2s_l4_delta);
	tx_to(w, m, f->nh_server);
}

static void failover(struct nc_worker *w, uint32_t idx, uint8_t why);

/* The new server answered the SYN the appliance sent for a moved connection:
 * acknowledge it, then replay the held request bytes with the client's
 * acknowledgements translated into its sequence space. */
static void
splice_complete(struct nc_worker *w, struct nc_flow *f, uint32_t idx, uint32_t isn)
{
	struct nc_tcpfs *t = &w->tfs[idx];
	struct rte_mbuf *held[NC_REPLAY_MAX];
	uint32_t *head = &w->txc[2 * idx], *tail = head + 1;
	unsigned int n, i;

	/* the new server's first byte is where the client's view of the old
	 * stream stood when the request left */
	t->delta = nc_seq_delta(t->req_ack, isn + 1);
	t->flags = (uint8_t)((t->flags & ~NC_TFS_SPLICING) | NC_TFS_SPLICED);
	tcp_send(w, f, 1, RTE_TCP_ACK_FLAG, t->req_seq, isn + 1, 0);
	n = nc_txstore_take(w->txs, head, tail, held, NC_REPLAY_MAX);
	srv_stats(w, f)->fs_unheld += n;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *cp = rte_pktmbuf_copy(held[i], w->dp->txpool, 0, UINT32_MAX);

		if (cp != NULL) {
			rewrite(cp, L4_OFF, f->lip, f->server_ip, f->lport, f->server_port,
				f->c2s_ip_delta, f->c2s_l4_delta);
			tcp_ack_sub(cp, L4_OFF, t->delta);
			tx_to(w, cp, f->nh_server);
		}
		hold_again(w, f, idx, held[i]);
	}
}

/*
 * Server side of a TCP flow of a fail-safe service, before anything else: a
 * RST or FIN before any answer to a held request is a failure (the client
 * never sees it), the new server's SYN-ACK completes a splice, and a spliced
 * connection's sequence numbers are translated. Returns 0 when <m> was
 * consumed.
 */
static int
tcp_fs_server(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
	      const struct pkt_meta *pm)
{
	struct nc_tcpfs *t = &w->tfs[idx];
	const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *,
							       pm->l4_off);
	uint8_t fl = th->tcp_flags;

	if (unlikely(t->flags & NC_TFS_SPLICING)) {
		if ((fl & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG) &&
		    rte_be_to_cpu_32(th->recv_ack) == t->req_seq) {
			splice_complete(w, f, idx, rte_be_to_cpu_32(th->sent_seq));
		} else if (fl & RTE_TCP_RST_FLAG) {
			rte_pktmbuf_free(m);
			failover(w, idx, NC_FO_SERVER_RESET);
			return 0;
		}
		rte_pktmbuf_free(m);
		return 0;
	}
	if (unlikely(fl & (RTE_TCP_RST_FLAG | RTE_TCP_FIN_FLAG)) && pm->pay == 0 &&
	    !(t->flags & NC_TFS_RESP) && w->txc[2 * idx] != NC_TX_NONE) {
		rte_pktmbuf_free(m);
		failover(w, idx, NC_FO_SERVER_RESET);
		return 0;
	}
	/* a keep-alive connection closed by its server between two requests:
	 * acknowledge the FIN, keep it from the client, move its next request */
	if (unlikely((fl & (RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG)) == RTE_TCP_FIN_FLAG) && pm->pay == 0 &&
	    f->state == NC_FLOW_EST && !(f->fin & NC_FLOW_FIN_C) &&   /* not an answer to the client's */
	    (t->flags2 & NC_TFS2_KEEP) && (t->flags & NC_TFS_RESP_LEN) &&
	    !tfs_resp_incomplete(t) && w->txc[2 * idx] == NC_TX_NONE) {
		if (!(t->flags2 & NC_TFS2_SRV_FIN)) {
			t->flags2 |= NC_TFS2_SRV_FIN;
			w->st.svc[f->svc].fs_fin_kept++;
		}
		tcp_send(w, f, 1, RTE_TCP_ACK_FLAG, rte_be_to_cpu_32(th->recv_ack),
			 rte_be_to_cpu_32(th->sent_seq) + 1, 0);
		rte_pktmbuf_free(m);
		return 0;
	}
	/* a server resetting a connection whose response had begun: it cannot
	 * move; the RST reaches the client and is counted as a reset */
	if (unlikely(fl & RTE_TCP_RST_FLAG) && (t->flags & NC_TFS_RESP))
		w->st.svc[f->svc].fs_resets++;
	if ((fl & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG) &&
	    !(t->flags & NC_TFS_SYNACK)) {
		t->srv_isn = rte_be_to_cpu_32(th->sent_seq);
		t->srv_next = t->srv_isn + 1;
		t->flags |= NC_TFS_SYNACK;
	}
	if (t->flags & NC_TFS_SPLICED)
		tcp_seq_add(m, pm->l4_off, t->delta);
	if (pm->pay != 0) {
		uint32_t seq = rte_be_to_cpu_32(th->sent_seq);   /* client's view */

		if (!(t->flags & NC_TFS_RESP)) {
			t->flags |= NC_TFS_RESP;
			http_resp_start(t, m, pm, seq);
		}
		if (nc_seq_lt(t->srv_next, seq + pm->pay))
			t->srv_next = seq + pm->pay;
	}
	return 1;
}

static inline void
server_leg(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm)
{
	int32_t idx = pm->sidx;
	struct nc_srv_stats *ss;
	struct nc_flow *f;

	if (unlikely(idx < 0)) {
		drop(w, m, NC_DROP_NO_FLOW);
		return;
	}
	f = nc_flow_at(w->flows, (uint32_t)idx);
	/* the reply must come from the flow's server, on the flow's protocol */
	if (unlikely(f->server_ip != pm->key.src_ip || f->server_port != pm->key.src_port ||
		     f->key.proto != pm->key.proto)) {
		drop(w, m, NC_DROP_NO_FLOW);
		return;
	}
	if (w->dp->svc[f->svc].failsafe && f->key.proto == IPPROTO_TCP &&
	    tcp_fs_server(w, f, (uint32_t)idx, m, pm) == 0)
		return;
	if (f->key.proto == IPPROTO_TCP)
		tcp_track(f, rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *,
						     pm->l4_off)->tcp_flags, 0);
	f->expire_ms = w->now_ms + timeout_of(w->dp, f);
	ss = srv_stats(w, f);
	if (pm->pay != 0 && (f->mon & NC_FLOW_REQ)) {
		f->mon &= (uint8_t)~NC_FLOW_REQ;
		nc_rt_record(&ss->rt, w->now_us - f->req_us);
	}
	ss->bytes += rte_pktmbuf_pkt_len(m);
	if (w->txc != NULL && w->txc[2 * (uint32_t)idx] != NC_TX_NONE &&
	    (f->key.proto == IPPROTO_UDP || pm->pay != 0 ||
	     (rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, pm->l4_off)->tcp_flags &
	      RTE_TCP_SYN_FLAG))) {   /* answered: a reply, response data, or the SYN-ACK */
		unsigned int rel = nc_txstore_release(w->txs, &w->txc[2 * (uint32_t)idx],
						      &w->txc[2 * (uint32_t)idx + 1]);

		w->st.svc[f->svc].fs_released += rel;
		ss->fs_unheld += rel;
		f->mon &= (uint8_t)~(0x1fu << NC_FLOW_REPLAY_SHIFT);   /* max_replays is per request */
	}
	w->st.svc[f->svc].pkts_s2c++;
	w->st.svc[f->svc].bytes_s2c += rte_pktmbuf_pkt_len(m);
	rewrite(m, pm->l4_off, f->key.dst_ip, f->key.src_ip, f->key.dst_port, f->key.src_port,
		f->s2c_ip_delta, f->s2c_l4_delta);
	tx_to(w, m, f->nh_client);
}

/*
 * An ICMP destination unreachable quoting a packet we sent from a local IP and
 * a flow's local port (not a probe port) to a server: fills pm->lip, pm->lport
 * (host order) and pm->key with the quoted server address, port and protocol.
 * Returns 1 if so. Every length is checked: the ICMP is untrusted.
 */
static inline int
unreach_flow(const struct nc_dp *dp, const uint8_t *d, uint16_t l4_off, uint16_t l4_len,
	     struct pkt_meta *pm)
{
	const struct rte_ipv4_hdr *q;
	const struct nc_addr_ent *ae;
	const uint16_t *ports;
	uint16_t qhl;

	if (l4_len < sizeof(struct rte_icmp_hdr) + sizeof(*q) + 8)
		return 0;
	q = (const struct rte_ipv4_hdr *)(d + l4_off + sizeof(struct rte_icmp_hdr));
	qhl = (uint16_t)((q->version_ihl & 0xf) * 4);
	if ((q->version_ihl >> 4) != 4 || qhl < sizeof(*q) ||
	    l4_len < sizeof(struct rte_icmp_hdr) + qhl + 8 ||
	    (q->next_proto_id != IPPROTO_TCP && q->next_proto_id != IPPROTO_UDP))
		return 0;
	ae = nc_dp_addr_find(dp, q->src_addr);
	if (ae == NULL || ae->lip_plus1 == 0)
		return 0;
	ports = (const uint16_t *)((const uint8_t *)q + qhl);
	pm->lip = (uint16_t)(ae->lip_plus1 - 1);
	pm->lport = rte_be_to_cpu_16(ports[0]);
	if (dp->probing && pm->lport >= dp->probe_lo && pm->lport < dp->probe_hi)
		return 0;   /* a probe's: the control lcore's */
	pm->key.src_ip = q->dst_addr;       /* the server */
	pm->key.src_port = ports[1];
	pm->key.proto = q->next_proto_id;
	return 1;
}

/* The server of a flow holding requests is unreachable: fail over now. */
static void
unreach_leg(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm)
{
	int32_t idx = nc_flow_by_lport(w->flows, pm->lip, pm->lport);
	const struct nc_flow *f;

	if (idx < 0 || w->txc == NULL) {
		drop(w, m, NC_DROP_ICMP_UNSUPPORTED);
		return;
	}
	f = nc_flow_at(w->flows, (uint32_t)idx);
	/* something held moves; a connection whose response had begun is
	 * reset cleanly (failover gives it up); otherwise nothing to do */
	if (f->server_ip != pm->key.src_ip || f->server_port != pm->key.src_port ||
	    f->key.proto != pm->key.proto || !w->dp->svc[f->svc].failsafe ||
	    (w->txc[2 * (uint32_t)idx] == NC_TX_NONE &&
	     (f->key.proto != IPPROTO_TCP || !(w->tfs[idx].flags & NC_TFS_RESP)))) {
		drop(w, m, NC_DROP_ICMP_UNSUPPORTED);
		return;
	}
	rte_pktmbuf_free(m);
	failover(w, (uint32_t)idx, NC_FO_UNREACHABLE);
}

/*
 * Classify one packet: parse, then decide client leg (to a service), server
 * leg (to a local IP and port), control (ARP, ICMP echo to us), handoff (owned
 * by another worker) or drop. Fills <pm>; returns its kind.
 */
static inline enum pkt_kind
classify(struct nc_worker *w, struct rte_mbuf *m, uint16_t pidx, int owned_check,
	 struct pkt_meta *pm, uint16_t *owner)
{
	const struct nc_dp *dp = w->dp;
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip;
	const struct nc_addr_ent *ae;
	struct nc_pkt p;
	enum nc_drop why;
	unsigned int s;

	why = nc_pkt_parse(d, rte_pktmbuf_data_len(m), &dp->mac[pidx],
			   (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD, &p);
	if (unlikely(why != NC_DROP_MAX)) {
		drop(w, m, why);
		return PK_DROP;
	}
	if (unlikely(p.is_arp))
		return PK_CTL;
	ip = (const struct rte_ipv4_hdr *)(d + p.l3_off);
	pm->l4_off = p.l4_off;
	if (unlikely(p.proto == IPPROTO_ICMP)) {
		const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)(d + p.l4_off);

		if (nc_dp_addr_find(dp, ip->dst_addr) == NULL) {
			drop(w, m, NC_DROP_NOT_FOR_US);
			return PK_DROP;
		}
		if (ic->icmp_type == RTE_IP_ICMP_ECHO_REQUEST && ic->icmp_code == 0)
			return PK_CTL;
		/* an unreachable about a flow's packet to its server: a fail-safe
		 * failure signal, for the worker owning that local port */
		if (ic->icmp_type == NC_ICMP_DEST_UNREACH && dp->store_size != 0 &&
		    unreach_flow(dp, d, p.l4_off, p.l4_len, pm)) {
			if (owned_check && dp->n_workers > 1) {
				*owner = (uint16_t)(pm->lport % dp->n_workers);
				if (*owner != w->id)
					return PK_HANDOFF;
			}
			return PK_UNREACH;
		}
		/* echo replies and unreachables may answer a health probe */
		if (dp->probing &&
		    (ic->icmp_type == RTE_IP_ICMP_ECHO_REPLY || ic->icmp_type == NC_ICMP_DEST_UNREACH))
			return PK_CTL;
		drop(w, m, NC_DROP_ICMP_UNSUPPORTED);
		return PK_DROP;
	}
	pm->key.src_ip = ip->src_addr;
	pm->key.dst_ip = ip->dst_addr;
	pm->key.src_port = ((const uint16_t *)(d + p.l4_off))[0];
	pm->key.dst_port = ((const uint16_t *)(d + p.l4_off))[1];
	pm->key.proto = p.proto;
	pm->key.pad[0] = pm->key.pad[1] = pm->key.pad[2] = 0;
	if (p.proto == IPPROTO_TCP)
		pm->pay = (uint16_t)(p.l4_len - (((const struct rte_tcp_hdr *)(d + p.l4_off))->data_off >> 4) * 4);
	else
		pm->pay = (uint16_t)(rte_be_to_cpu_16(((const struct rte_udp_hdr *)(d + p.l4_off))->dgram_len) -
				     sizeof(struct rte_udp_hdr));
	s = nc_dp_svc_find(dp, ip->dst_addr, pm->key.dst_port, p.proto);
	if (s == 0) {
		ae = nc_dp_addr_find(dp, ip->dst_addr);
		if (unlikely(ae == NULL)) {
			drop(w, m, NC_DROP_NOT_FOR_US);
			return PK_DROP;
		}
		pm->lport = rte_be_to_cpu_16(pm->key.dst_port);
		/* answers to the control lcore's health probes: for us, not forwarded,
		 * so no TTL check */
		if (unlikely(pm->lport < dp->probe_hi) && pm->lport >= dp->probe_lo &&
		    ae->lip_plus1 != 0 && dp->probing)
			return PK_CTL;
		if (unlikely(ip->time_to_live <= 1)) {
			drop(w, m, NC_DROP_TTL_EXPIRED);
			return PK_DROP;
		}
		if (unlikely(ae->lip_plus1 == 0)) {
			drop(w, m, NC_DROP_NO_SERVICE);
			return PK_DROP;
		}
		pm->lip = (uint16_t)(ae->lip_plus1 - 1);
		rte_prefetch0(&dp->lport_map[(uint32_t)pm->lip << 16 | pm->lport]);
		if (owned_check && dp->n_workers > 1) {
			*owner = (uint16_t)(pm->lport % dp->n_workers);
			if (*owner != w->id)
				return PK_HANDOFF;
		}
		return PK_SERVER;
	}
	if (unlikely(ip->time_to_live <= 1)) {
		drop(w, m, NC_DROP_TTL_EXPIRED);
		return PK_DROP;
	}
	pm->svc = (uint8_t)(s - 1);
	pm->hash = nc_flow_hash(&pm->key);
	if (owned_check && dp->n_workers > 1) {
		/* with affinity, all of a client's flows to the service have one
		 * owner, so its affinity entry lives in one worker's table */
		uint32_t h = dp->svc[pm->svc].persist_ms != 0 ? nc_hash32(pm->key.src_ip) : pm->hash;

		*owner = (uint16_t)((uint64_t)h * dp->n_workers >> 32);
		if (*owner != w->id)
			return PK_HANDOFF;
	}
	return PK_CLIENT;
}

static void
process(struct nc_worker *w, uint16_t pidx_default, struct rte_mbuf **pkts, uint16_t n,
	int from_handoff)
{
	struct pkt_meta meta[NC_MAX_BURST];
	const struct nc_flow_key *keys[NC_MAX_BURST];
	uint32_t hashes[NC_MAX_BURST];
	int32_t pos[NC_MAX_BURST];
	uint16_t i, c, nc = 0;
	uint64_t opened0;

	for (i = 0; i < n && i < 4; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint16_t pidx = from_handoff ? w->dp->pidx_of[m->port] : pidx_default;
		uint16_t owner = 0;

		if (i + 4 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 4], void *));
		meta[i].kind = (uint8_t)classify(w, m, pidx, !from_handoff, &meta[i], &owner);
		switch (meta[i].kind) {
		case PK_CLIENT:
			keys[nc] = &meta[i].key;
			hashes[nc++] = meta[i].hash;
			break;
		case PK_CTL:
			ctl_pass(w, m, pidx);
			break;
		case PK_UNREACH:
			unreach_leg(w, m, &meta[i]);
			break;
		case PK_HANDOFF:
			handoff(w, m, owner);
			break;
		default:
			break;
		}
	}
	if (nc != 0)
		nc_flow_lookup_bulk(w->flows, keys, hashes, nc, pos);
	for (i = 0, c = 0; i < n; i++) {
		struct pkt_meta *pm = &meta[i];

		if (pm->kind == PK_CLIENT) {
			if (pos[c] >= 0)
				rte_prefetch0(nc_flow_at(w->flows, (uint32_t)pos[c]));
			c++;
		} else if (pm->kind == PK_SERVER) {
			pm->sidx = nc_flow_by_lport(w->flows, pm->lip, pm->lport);
			if (pm->sidx >= 0)
				rte_prefetch0(nc_flow_at(w->flows, (uint32_t)pm->sidx));
		}
	}
	opened0 = w->st.flow_changes;
	for (i = 0, c = 0; i < n; i++) {
		struct pkt_meta *pm = &meta[i];

		if (pm->kind == PK_CLIENT) {
			int32_t p = pos[c++];

			/* Bulk results predate flows opened or closed earlier in
			 * this burst: check them, and look a miss up again then. */
			if (unlikely(w->st.flow_changes != opened0) &&
			    (p < 0 || !key_eq(&nc_flow_at(w->flows, (uint32_t)p)->key, &pm->key) ||
			     nc_flow_at(w->flows, (uint32_t)p)->state == NC_FLOW_FREE))
				p = nc_flow_lookup(w->flows, &pm->key, pm->hash);
			client_leg(w, pkts[i], pm, p);
		} else if (pm->kind == PK_SERVER) {
			/* a SYN earlier in the burst may have closed a flow and
			 * freed its local port: look the stored index up again */
			if (unlikely(w->st.flow_changes != opened0))
				pm->sidx = nc_flow_by_lport(w->flows, pm->lip, pm->lport);
			server_leg(w, pkts[i], pm);
		}
	}
}

void
nc_worker_rx(struct nc_worker *w, uint16_t pidx, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t done = 0;

	w->st.rx[pidx] += n;
	while (done < n) {
		uint16_t k = (uint16_t)RTE_MIN(n - done, NC_MAX_BURST);

		process(w, pidx, pkts + done, k, 0);
		done = (uint16_t)(done + k);
	}
}

/* Tell the control lcore about a fail-over (it logs and marks the server down). */
static void
failover_report(struct nc_worker *w, const struct nc_flow *f, uint8_t from, uint8_t to, uint8_t why)
{
	struct nc_ctl_msg msg = { .type = NC_CTL_FAILOVER, .worker = (uint8_t)w->id,
				  .ip = f->key.src_ip };

	msg.ev = (struct nc_failover_ev){ .svc = f->svc, .from = from, .to = to, .why = why,
					  .cport = f->key.src_port, .proto = f->key.proto };
	/* a full ring loses the log line only; the fail-over itself happened */
	rte_ring_mp_enqueue_elem(w->dp->ctl_ring, &msg, sizeof(msg));
}


/*
 * The server of flow <idx> failed a held request: move the flow (and its
 * client's affinity) to the next up server of the schedule and send it every
 * held request again, held anew; or, with no server left or max_replays
 * reached, give the flow up and close it.
 */
static void
failover(struct nc_worker *w, uint32_t idx, uint8_t why)
{
	struct nc_dp *dp = w->dp;
	struct nc_flow *f = nc_flow_at(w->flows, idx);
	const struct nc_dp_svc *svc = &dp->svc[f->svc];
	const struct nc_schedule *s = nc_sched_get(dp->sched_slot[f->svc]);
	struct rte_mbuf *held[NC_REPLAY_MAX], *more[NC_REPLAY_MAX];
	uint32_t *head = &w->txc[2 * idx], *tail = head + 1;
	unsigned int replays = f->mon >> NC_FLOW_REPLAY_SHIFT, n, k, i;
	struct nc_tcpfs *t = f->key.proto == IPPROTO_TCP ? &w->tfs[idx] : NULL;
	uint8_t from = f->server;
	int to = -1;

	/* part of the response reached the client: the rest cannot come from
	 * another server, so never a mixed response: give up */
	if (t != NULL && (t->flags & (NC_TFS_RESP | NC_TFS_UNSAFE)))
		replays = svc->max_replays;
	if (replays < svc->max_replays && s != NULL && s->n_slots != 0) {
		uint32_t *cur = &w->sched_cursor[f->svc];

		for (i = 0; i < s->n_slots && to < 0; i++) {
			uint16_t c;

			if (*cur >= s->n_slots)
				*cur = 0;
			c = s->slot[(*cur)++];
			if (c != from && s->server[c].up && s->server[c].weight != 0)   /* not drained */
				to = c;
		}
	}
	/* UDP with no other server up: the datagram or its answer may just have
	 * been lost, so it goes to the same server again rather than nowhere
	 * (TCP retransmits by itself; a second connection could repeat it). A
	 * request held back from a connection its server closed never reached
	 * it: a new connection to the same server is as good as another. */
	if (to < 0 && (t == NULL || why == NC_FO_SERVER_CLOSED) && replays < svc->max_replays &&
	    s != NULL && from < s->n_servers && s->server[from].up)
		to = from;
	if (t != NULL)
		t->flags2 &= (uint8_t)~NC_TFS2_SRV_FIN;   /* that connection is gone either way */
	n = nc_txstore_take(w->txs, head, tail, held, NC_REPLAY_MAX);
	srv_stats(w, f)->fs_unheld += n;
	while ((k = nc_txstore_take(w->txs, head, tail, more, NC_REPLAY_MAX)) != 0) {
		rte_pktmbuf_free_bulk(more, k);   /* beyond what one replay carries */
		w->st.svc[f->svc].fs_store_full += k;
		srv_stats(w, f)->fs_unheld += k;
	}
	/* A TCP request whose server is the only one up and merely slow (or
	 * lost a segment: TCP retransmits by itself): a timeout alone is no
	 * reason to break the connection, as it is no reason to take the last
	 * server down. It waits again, held. */
	if (to < 0 && t != NULL && why == NC_FO_TIMEOUT && !(t->flags & (NC_TFS_RESP | NC_TFS_UNSAFE)) &&
	    replays < svc->max_replays && s != NULL && from < s->n_servers && s->server[from].up) {
		for (i = 0; i < n; i++)
			hold_again(w, f, idx, held[i]);
		w->st.svc[f->svc].fs_waited++;
		return;
	}
	if (to < 0) {
		srv_stats(w, f)->failed_over++;
		rte_pktmbuf_free_bulk(held, n);
		/* reset the client cleanly: RST at the sequence number it expects
		 * next, past every server byte forwarded to it */
		if (t != NULL && (t->flags & NC_TFS_SYNACK))
			tcp_send(w, f, 0, RTE_TCP_RST_FLAG, t->srv_next, 0, 0);
		else if (t != NULL)
			tcp_send(w, f, 0, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, t->c_isn + 1, 0);
		w->st.svc[f->svc].fs_resets++;
		failover_report(w, f, from, NC_FAILOVER_RESET, why);
		flow_close(w, (int32_t)idx);
		return;
	}
	/* the flow now belongs to <to>: per-server open flows follow it */
	srv_stats(w, f)->flows_closed++;
	if (why != NC_FO_SERVER_CLOSED)
		srv_stats(w, f)->failed_over++;
	w->st.svc[f->svc].server_flows[to]++;
	f->server = (uint8_t)to;
	f->server_ip = s->server[to].addr;
	f->server_port = s->server[to].port;
	f->nh_server = s->server[to].nh;
	flow_set_deltas(f);
	f->mon = (uint8_t)(((replays + 1) << NC_FLOW_REPLAY_SHIFT) | (f->mon & NC_FLOW_REQ));
	f->req_us = w->now_us;
	if (svc->persist_ms != 0)
		nc_affinity_set(w->aff, f->key.src_ip, f->svc, f->server, w->now_ms + svc->persist_ms);
	if (t != NULL && (t->flags & NC_TFS_SYNACK)) {
		/* the client is connected: open a connection to the new server
		 * with its initial sequence number; the held bytes follow the
		 * new server's SYN-ACK (splice_complete) */
		for (i = 0; i < n; i++)
			hold_again(w, f, idx, held[i]);
		t->flags = (uint8_t)((t->flags & ~NC_TFS_SPLICED) | NC_TFS_SPLICING);
		tcp_send(w, f, 1, RTE_TCP_SYN_FLAG, t->req_seq - 1, 0, t->mss);
		w->st.svc[f->svc].fs_replays += n;
		failover_report(w, f, from, (uint8_t)to, why);
		return;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *cp = rte_pktmbuf_copy(held[i], dp->txpool, 0, UINT32_MAX);

		if (cp != NULL) {
			rewrite(cp, (uint16_t)(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr)),
				f->lip, f->server_ip, f->lport, f->server_port, f->c2s_ip_delta,
				f->c2s_l4_delta);
			tx_to(w, cp, f->nh_server);
		}
		hold_again(w, f, idx, held[i]);
	}
	w->st.svc[f->svc].fs_replays += n;
	failover_report(w, f, from, (uint8_t)to, why);
}

/*
 * Flows of a server the monitor took down: those holding requests replay them
 * now; an HTTP connection whose response is known incomplete (its end read
 * from the header block not reached) is given up, its client reset cleanly,
 * since nothing else would tell it. Any other connection whose response has
 * begun is left alone: at L4 an idle keep-alive connection after a complete
 * response looks the same, and its next request can still move.
 */
static unsigned int
failsafe_server_down(struct nc_worker *w)
{
	uint32_t i, slots = nc_flow_slots(w->flows);
	unsigned int n = 0;

	for (i = 0; i < slots; i++) {
		const struct nc_flow *f;
		const struct nc_schedule *s;

		if (w->txc[2 * i] == NC_TX_NONE &&
		    (w->tfs == NULL || !tfs_resp_incomplete(&w->tfs[i])))
			continue;
		f = nc_flow_at(w->flows, i);
		/* nothing held: a live connection the server has not closed */
		if (w->txc[2 * i] == NC_TX_NONE &&
		    (f->state != NC_FLOW_EST || (f->fin & NC_FLOW_FIN_S) ||
		     f->key.proto != IPPROTO_TCP || !w->dp->svc[f->svc].failsafe))
			continue;
		s = nc_sched_get(w->dp->sched_slot[f->svc]);
		if (s != NULL && f->server < s->n_servers && !s->server[f->server].up) {
			failover(w, i, NC_FO_SERVER_DOWN);
			n++;
		}
	}
	return n;
}

unsigned int
nc_worker_failsafe_poll(struct nc_worker *w)
{
	uint32_t gen, idx;
	unsigned int n = 0;

	if (w->txs == NULL)
		return 0;
	gen = __atomic_load_n(&w->dp->down_gen, __ATOMIC_ACQUIRE);
	if (unlikely(gen != w->down_gen)) {
		w->down_gen = gen;
		n += failsafe_server_down(w);
	}
	/* a bounded number per loop: forwarding goes on meanwhile */
	while (n < 32 && (idx = nc_txstore_expired(w->txs, w->now_ms)) != NC_TX_NONE) {
		failover(w, idx, NC_FO_TIMEOUT);
		n++;
	}
	return n;
}

unsigned int
nc_worker_ctl_tx_poll(struct nc_worker *w)
{
	struct rte_mbuf *pkts[32];
	unsigned int n, i;

	n = rte_ring_sc_dequeue_burst(w->dp->ctl_tx, (void **)pkts, RTE_DIM(pkts), NULL);
	for (i = 0; i < n; i++) {
		struct nc_txbuf *tb = &w->tx[w->dp->pidx_of[pkts[i]->port]];

		if (unlikely(tb->n == NC_TXB_MAX)) {
			drop(w, pkts[i], NC_DROP_TX_FULL);
			continue;
		}
		tb->m[tb->n++] = pkts[i];
	}
	return n;
}

unsigned int
nc_worker_handoff_poll(struct nc_worker *w)
{
	struct rte_mbuf *pkts[64];
	unsigned int n = rte_ring_sc_dequeue_burst(w->handoff, (void **)pkts, RTE_DIM(pkts), NULL);

	if (n != 0) {
		w->st.handoff_in += n;
		process(w, 0, pkts, (uint16_t)n, 1);
	}
	return n;
}

void
nc_worker_flush(struct nc_worker *w)
{
	const struct nc_dp *dp = w->dp;
	uint16_t p;

	for (p = 0; p < dp->n_ports; p++) {
		struct nc_txbuf *tb = &w->tx[p];
		uint16_t sent = 0, k;

		if (tb->n == 0)
			continue;
		/* a few tries: a PMD may take a burst in parts */
		for (k = 0; k < 4 && sent < tb->n; k++)
			sent = (uint16_t)(sent + rte_eth_tx_burst(dp->port_id[p], w->txq,
								  tb->m + sent, (uint16_t)(tb->n - sent)));
		w->st.tx[p] += sent;
		if (unlikely(sent < tb->n)) {
			w->st.drop[NC_DROP_TX_FULL] += (uint64_t)(tb->n - sent);
			rte_pktmbuf_free_bulk(tb->m + sent, (unsigned int)(tb->n - sent));
		}
		tb->n = 0;
	}
}

uint16_t
nc_worker_tx_take(struct nc_worker *w, uint16_t pidx, struct rte_mbuf **out)
{
	struct nc_txbuf *tb = &w->tx[pidx];
	uint16_t n = tb->n;

	memcpy(out, tb->m, n * sizeof(tb->m[0]));
	w->st.tx[pidx] += n;
	tb->n = 0;
	return n;
}

unsigned int
nc_worker_expire(struct nc_worker *w, unsigned int budget)
{
	return nc_flow_expire(w->flows, w->now_ms, budget, nc_worker_on_close, w);
}

void
nc_worker_tick(struct nc_worker *w)
{
	uint64_t tsc = rte_rdtsc();

	w->now_ms = (uint32_t)(tsc / w->dp->tsc_per_ms);
	w->now_us = (uint32_t)(tsc / w->dp->tsc_per_us);
	nc_flow_set_clock(w->flows, w->now_ms);
	rte_rcu_qsbr_quiescent(w->dp->qsbr, w->id);
}

uint32_t
nc_worker_flow_count(const struct nc_worker *w)
{
	return nc_flow_count(w->flows);
}

int
nc_worker_main(void *arg)
{
	struct nc_worker *w = arg;
	struct nc_dp *dp = w->dp;
	struct rte_mbuf *pkts[NC_MAX_BURST];
	uint32_t idle = 0;
	uint32_t sleep_us = dp->cfg->workers.idle_sleep_us;

	/* idle sleeps of a few microseconds, not the default 50 us timer slack */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	rte_rcu_qsbr_thread_register(dp->qsbr, w->id);
	rte_rcu_qsbr_thread_online(dp->qsbr, w->id);
	NC_LOG(INFO, DP, "worker %u on lcore %u: rx/tx queue %u/%u", w->id, w->lcore, w->rxq, w->txq);
	while (!__atomic_load_n(&dp->stop, __ATOMIC_RELAXED)) {
		unsigned int got = 0;
		uint16_t p;

		nc_worker_tick(w);
		for (p = 0; p < dp->n_ports; p++) {
			uint16_t n = rte_eth_rx_burst(dp->port_id[p], w->rxq, pkts, w->burst);

			if (n != 0) {
				nc_worker_rx(w, p, pkts, n);
				got += n;
			}
		}
		/* other workers' packets, and client packets held for ARP */
		got += nc_worker_handoff_poll(w);
		if (w->id == 0)
			got += nc_worker_ctl_tx_poll(w);
		got += nc_worker_failsafe_poll(w);
		nc_worker_flush(w);
		nc_worker_expire(w, got != 0 ? 16 : 256);
		if (w->aff != NULL)
			nc_affinity_expire(w->aff, w->now_ms, got != 0 ? 4 : 64);
		if (got != 0) {
			idle = 0;
		} else if (++idle > 64) {
			/* Back off when idle so servers and clients on the same
			 * cores get CPU; a worker sleeps at most idle_sleep_us. */
			if (sleep_us != 0) {
				rte_rcu_qsbr_thread_offline(dp->qsbr, w->id);
				rte_delay_us_sleep(sleep_us);
				rte_rcu_qsbr_thread_online(dp->qsbr, w->id);
			} else {
				rte_pause();
			}
		}
	}
	nc_worker_flush(w);
	rte_rcu_qsbr_thread_offline(dp->qsbr, w->id);
	rte_rcu_qsbr_thread_unregister(dp->qsbr, w->id);
	return 0;
}
