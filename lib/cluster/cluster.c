/* SPDX-License-Identifier: BSD-3-Clause
 * The cluster channel (nc_cluster.h): the socket, heartbeats, peers' liveness,
 * configuration digests, merged measurements and the weights each dispatcher
 * publishes. Thread contract: everything here runs on the thread that owns
 * the channel (the control lcore), polled from its loop: no thread, no lock;
 * the socket is nonblocking, so a call never waits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cluster_priv.h"

#define RX_BURST 64   /* datagrams read per poll at most */
#define RCVBUF_BYTES (8 << 20)

#define ST_LEN   16   /* STATE value without MACs */
#define ECHO_LEN 16
#define W_HDR    20   /* WEIGHTS value before the name */
#define W_SRV    12
#define M_HDR    44   /* MEASURE value before the name */
#define M_BUCKET 5

static const char *const state_names[] = { "none", "ready", "draining", "stopping" };
static const char *const peer_state_names[] = { "down", "up", "stopping" };

const char *
nc_cluster_state_name(enum nc_cluster_state s)
{
	return (unsigned int)s < 4 ? state_names[s] : "unknown";
}

const char *
nc_cluster_peer_state_name(enum nc_cluster_peer_state s)
{
	return (unsigned int)s < 3 ? peer_state_names[s] : "unknown";
}

static void __attribute__((format(printf, 3, 4)))
cl_log(struct nc_cluster *c, enum nc_cluster_log level, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	if (c->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	c->log(c->log_arg, level, text);
}

static const char *
peer_str(const struct nc_cluster *c, const struct cl_peer *p, char *buf, size_t len)
{
	struct in_addr a = { .s_addr = htonl(p->addr) };
	char ip[INET6_ADDRSTRLEN];

	if (c->family == AF_INET6)
		inet_ntop(AF_INET6, p->addr6, ip, sizeof(ip));
	else
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
	if (p->id >= 0)
		snprintf(buf, len, "%s (id %d)", ip, p->id);
	else
		snprintf(buf, len, "%s", ip);
	return buf;
}

/* The socket address of <addr> (host order) or <addr6>, <port>, of <family>;
 * its length. */
static socklen_t
sock_addr(struct sockaddr_storage *ss, uint8_t family, uint32_t addr, const uint8_t *addr6,
	  uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, addr6, 16);
		return sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = htonl(addr);
		return sizeof(*s4);
	}
}

/* ---- set-up ---- */

struct nc_cluster *
nc_cluster_create(const struct nc_cluster_params *p, uint64_t now_ms, int *err)
{
	uint8_t family = p->family == AF_INET6 ? AF_INET6 : AF_INET;
	struct sockaddr_storage sa;
	socklen_t sl;
	struct nc_cluster *c;
	unsigned int i;

	*err = -EINVAL;
	if (p->id > NC_CLUSTER_MAX_ID || p->n_peers == 0 || p->n_peers > NC_CLUSTER_MAX_PEERS ||
	    p->secret == NULL || p->secret_len < NC_CLUSTER_SECRET_MIN ||
	    p->secret_len > NC_CLUSTER_SECRET_MAX || p->heartbeat_ms == 0 ||
	    p->dead_ms <= p->heartbeat_ms)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	c->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		*err = -errno;
		free(c);
		return NULL;
	}
	c->family = family;
	sl = sock_addr(&sa, family, p->bind_addr, p->bind_addr6, p->bind_port);
	if (p->freebind) {
		int on = 1;

		/* IP_FREEBIND is the flag of IPv6 sockets too */
		setsockopt(c->fd, IPPROTO_IP, IP_FREEBIND, &on, sizeof(on));
	}
	if (family == AF_INET6) {
		int on = 1;

		setsockopt(c->fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	}
	{
		/* a peer's bulk copy of its flows comes in bursts: room for one
		 * (past net.core.rmem_max where we may) */
		int sz = RCVBUF_BYTES;

		if (setsockopt(c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) != 0)
			setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		if (setsockopt(c->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) != 0)
			setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	}
	if (bind(c->fd, (struct sockaddr *)&sa, sl) != 0) {
		*err = -errno;
		close(c->fd);
		free(c);
		return NULL;
	}
	c->id = p->id;
	c->epoch = p->epoch;
	if (c->epoch == 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		c->epoch = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	}
	memcpy(c->secret, p->secret, p->secret_len);
	c->secret_len = p->secret_len;
	c->heartbeat_ms = p->heartbeat_ms;
	c->dead_ms = p->dead_ms;
	c->start_ms = now_ms;
	c->join_ms = p->join_ms != 0 ? p->join_ms : p->dead_ms;
	c->next_hb_ms = now_ms;
	c->state = NC_CLUSTER_READY;
	c->log = p->log;
	c->log_arg = p->log_arg;
	c->event = p->event;
	c->detect_stall = p->detect_stall;
	c->rec = p->rec;
	c->cb_arg = p->cb_arg;
	c->n_peers = p->n_peers;
	for (i = 0; i < p->n_peers; i++) {
		c->peer[i].addr = family == AF_INET6 ? 0 : p->peer_addr[i];
		if (family == AF_INET6)
			memcpy(c->peer[i].addr6, p->peer_addr6[i], 16);
		c->peer[i].port = p->peer_port[i];
		c->peer[i].id = -1;
		c->peer[i].rtt_us = -1;
	}
	*err = 0;
	return c;
}

void
nc_cluster_free(struct nc_cluster *c)
{
	unsigned int i, s;

	if (c == NULL)
		return;
	for (i = 0; i < NC_CLUSTER_MAX_PEERS; i++)
		for (s = 0; s < NC_MAX_SERVICES; s++)
			free(c->peer[i].svc[s].meas);
	if (c->fd >= 0)
		close(c->fd);
	/* the secret does not outlive the channel in freed memory */
	memset(c->secret, 0, sizeof(c->secret));
	__asm__ __volatile__("" : : "r"(c->secret) : "memory");
	free(c);
}

int
nc_cluster_fd(const struct nc_cluster *c)
{
	return c->fd;
}

void
nc_cluster_set_state(struct nc_cluster *c, enum nc_cluster_state st)
{
	c->state = st;
}

void
nc_cluster_set_macs(struct nc_cluster *c, const uint8_t (*mac)[6], unsigned int n)
{
	c->n_macs = n < NC_CL_MAX_MACS ? n : NC_CL_MAX_MACS;
	memcpy(c->mac, mac, c->n_macs * 6u);
}

int
nc_cluster_service_set(struct nc_cluster *c, unsigned int s, const char *name,
		       const uint8_t digest[NC_CL_DIGEST_LEN], unsigned int n_servers,
		       uint32_t interval_ms)
{
	struct cl_svc *v;
	unsigned int i;

	if (s >= NC_MAX_SERVICES || n_servers == 0 || n_servers > NC_MAX_SERVERS ||
	    strlen(name) >= NC_NAME_MAX)
		return -EINVAL;
	v = &c->svc[s];
	if (v->used && strcmp(v->name, name) == 0 &&
	    memcmp(v->digest, digest, NC_CL_DIGEST_LEN) == 0 && v->n == n_servers &&
	    v->interval_ms == interval_ms)
		return 0;
	memset(v, 0, sizeof(*v));
	v->used = true;
	snprintf(v->name, sizeof(v->name), "%s", name);
	memcpy(v->digest, digest, NC_CL_DIGEST_LEN);
	v->n = (uint8_t)n_servers;
	v->interval_ms = interval_ms;
	for (i = 0; i < c->n_peers; i++) {
		struct cl_peer_svc *ps = &c->peer[i].svc[s];
		struct cl_meas *m = ps->meas;

		memset(ps, 0, sizeof(*ps));
		ps->meas = m;
		if (m != NULL)
			memset(m, 0, CL_MEAS_SLOTS * sizeof(*m));
	}
	if (s >= c->n_services)
		c->n_services = s + 1;
	return 0;
}

void
nc_cluster_set_n_services(struct nc_cluster *c, unsigned int n_services)
{
	unsigned int s;

	for (s = n_services; s < NC_MAX_SERVICES; s++)
		c->svc[s].used = false;
	c->n_services = n_services <= NC_MAX_SERVICES ? n_services : NC_MAX_SERVICES;
}

/* Our service slot named <name> (<len> bytes, not terminated), or -1. */
static int
svc_find(const struct nc_cluster *c, const uint8_t *name, size_t len)
{
	unsigned int s;

	for (s = 0; s < c->n_services; s++)
		if (c->svc[s].used && strlen(c->svc[s].name) == len &&
		    memcmp(c->svc[s].name, name, len) == 0)
			return (int)s;
	return -1;
}

/* ---- sending ---- */

static void
send_msg(struct nc_cluster *c, struct nc_cl_msg *m)
{
	size_t len = nc_cl_msg_seal(m, ++c->seq, c->secret, c->secret_len);
	unsigned int i;

	if (len == 0) {
		c->cnt.tx_failed++;
		return;
	}
	for (i = 0; i < c->n_peers; i++) {
		struct sockaddr_storage sa;
		socklen_t sl;

		/* sync messages only to live peers: the kernel queues what goes to
		 * an address that does not answer ARP against this socket's send
		 * buffer, and a stream of them would crowd out the heartbeats to
		 * the live ones (a peer that comes back gets a bulk copy anyway) */
		if (m->buf[5] == NC_CL_MSG_SYNC && c->peer[i].state != NC_PEER_UP)
			continue;
		sl = sock_addr(&sa, c->family, c->peer[i].addr, c->peer[i].addr6, c->peer[i].port);
		if (sendto(c->fd, m->buf, len, 0, (struct sockaddr *)&sa, sl) == (ssize_t)len)
			c->cnt.tx++;
		else
			c->cnt.tx_failed++;
	}
}

/* Add a record, sending the message first when it is full. */
static void
add_rec(struct nc_cluster *c, struct nc_cl_msg *m, uint16_t type, const uint8_t *val, size_t len)
{
	if (nc_cl_msg_add(m, type, val, len) == 0)
		return;
	send_msg(c, m);
	nc_cl_msg_init(m, m->buf[5], c->id, c->epoch);
	if (nc_cl_msg_add(m, type, val, len) != 0)
		c->cnt.tx_failed++;   /* larger than a datagram: not reached with our bounds */
}

static size_t
enc_weights(uint8_t *b, const char *name, const struct cl_weights *w)
{
	size_t nl = strlen(name), o;
	unsigned int i;

	cl_put64(b, w->k);
	b[8] = (uint8_t)nl;
	b[9] = (uint8_t)w->ws.n;
	b[10] = (uint8_t)((w->synced ? 1 : 0) | (w->ad.held ? 2 : 0));
	b[11] = w->ad.out_of_band;
	cl_put64(b + 12, w->ad.moves);
	memcpy(b + W_HDR, name, nl);
	o = W_HDR + nl;
	for (i = 0; i < w->ws.n; i++) {
		uint64_t bits;

		memcpy(&bits, &w->ad.rt_smooth[i], sizeof(bits));
		b[o] = w->ws.w[i];
		b[o + 1] = w->ws.up[i];
		b[o + 2] = w->ws.down_w[i];
		b[o + 3] = w->ad.has_rt[i];
		cl_put64(b + o + 4, bits);
		o += W_SRV;
	}
	return o;
}

int
nc_cluster_heartbeat(struct nc_cluster *c, uint64_t now_ms)
{
	uint8_t b[W_HDR + NC_NAME_MAX + W_SRV * NC_MAX_SERVERS];
	struct nc_cl_msg m;
	unsigned int i, s;

	nc_cl_msg_init(&m, NC_CL_MSG_HEARTBEAT, c->id, c->epoch);
	memset(b, 0, ST_LEN);
	b[0] = (uint8_t)c->state;
	b[1] = (uint8_t)c->n_macs;
	cl_put32(b + 4, c->heartbeat_ms);
	cl_put64(b + 8, now_ms);
	memcpy(b + ST_LEN, c->mac, c->n_macs * 6u);
	add_rec(c, &m, NC_CL_REC_STATE, b, ST_LEN + c->n_macs * 6u);
	for (i = 0; i < c->n_peers; i++) {
		const struct cl_peer *p = &c->peer[i];

		if (!p->echo_valid || p->state != NC_PEER_UP || p->id < 0)
			continue;
		memset(b, 0, ECHO_LEN);
		b[0] = (uint8_t)p->id;
		cl_put32(b + 4, (uint32_t)(now_ms - p->echo_rx_ms));
		cl_put64(b + 8, p->echo_tx_ms);
		add_rec(c, &m, NC_CL_REC_ECHO, b, ECHO_LEN);
	}
	for (s = 0; s < c->n_services; s++) {
		const struct cl_svc *v = &c->svc[s];
		size_t nl = strlen(v->name);

		if (!v->used)
			continue;
		b[0] = (uint8_t)nl;
		memcpy(b + 1, v->name, nl);
		memcpy(b + 1 + nl, v->digest, NC_CL_DIGEST_LEN);
		add_rec(c, &m, NC_CL_REC_DIGEST, b, 1 + nl + NC_CL_DIGEST_LEN);
		if (v->w.valid)
			add_rec(c, &m, NC_CL_REC_WEIGHTS, b, enc_weights(b, v->name, &v->w));
	}
	for (i = 0; i < c->n_hb_rec; i++)
		add_rec(c, &m, c->hb_rec[i].type, c->hb_rec[i].val, c->hb_rec[i].len);
	send_msg(c, &m);
	c->next_hb_ms = now_ms + c->heartbeat_ms;
	return 0;
}

/* ---- receiving ---- */

/* Lengths of the known records; unknown types pass (they are skipped). */
static bool
rec_valid(uint16_t type, const uint8_t *v, uint16_t len)
{
	switch (type) {
	case NC_CL_REC_STATE:
		return len >= ST_LEN && v[1] <= NC_CL_MAX_MACS && len == ST_LEN + v[1] * 6u &&
		       v[0] >= NC_CLUSTER_READY && v[0] <= NC_CLUSTER_STOPPING;
	case NC_CL_REC_ECHO:
		return len == ECHO_LEN;
	case NC_CL_REC_DIGEST:
		return len >= 1 && v[0] != 0 && v[0] < NC_NAME_MAX &&
		       len == 1u + v[0] + NC_CL_DIGEST_LEN;
	case NC_CL_REC_WEIGHTS:
		return len >= W_HDR && v[8] != 0 && v[8] < NC_NAME_MAX && v[9] <= NC_MAX_SERVERS &&
		       len == W_HDR + v[8] + (size_t)v[9] * W_SRV;
	case NC_CL_REC_MEASURE:
		return len >= M_HDR && v[9] != 0 && v[9] <= NC_MAX_SERVERS && v[8] < v[9] &&
		       v[10] != 0 && v[10] < NC_NAME_MAX && v[11] <= NC_RT_BUCKETS &&
		       len == M_HDR + v[10] + (size_t)v[11] * M_BUCKET;
	default:
		return true;
	}
}

static void
cl_event(struct nc_cluster *c, enum nc_cluster_event ev, int peer, uint64_t value)
{
	if (c->event != NULL)
		c->event(c->cb_arg, ev, peer, value);
}

static void
peer_set_state(struct nc_cluster *c, struct cl_peer *p, enum nc_cluster_peer_state st,
	       const char *why)
{
	char who[80];

	if (p->state == st)
		return;
	p->state = st;
	cl_event(c, st == NC_PEER_UP ? NC_CL_EV_PEER_UP :
		 st == NC_PEER_DOWN ? NC_CL_EV_PEER_DOWN : NC_CL_EV_PEER_STOPPING, (int)(p - c->peer), 0);
	peer_str(c, p, who, sizeof(who));
	if (st == NC_PEER_UP)
		cl_log(c, NC_CL_LOG_NOTICE, "peer %s up", who);
	else
		cl_log(c, NC_CL_LOG_WARNING, "peer %s %s: %s", who, nc_cluster_peer_state_name(st), why);
	if (st != NC_PEER_UP)
		p->echo_valid = false;
}

static void
on_state(struct nc_cluster *c, struct cl_peer *p, const uint8_t *v, uint64_t now_ms)
{
	p->said = (enum nc_cluster_state)v[0];
	p->n_macs = v[1];
	memcpy(p->mac, v + ST_LEN, p->n_macs * 6u);
	p->echo_tx_ms = cl_get64(v + 8);
	p->echo_rx_ms = now_ms;
	p->echo_valid = true;
	if (p->said == NC_CLUSTER_STOPPING)
		peer_set_state(c, p, NC_PEER_STOPPING, "it is stopping");
	else
		peer_set_state(c, p, NC_PEER_UP, NULL);
}

static void
on_echo(struct nc_cluster *c, struct cl_peer *p, const uint8_t *v, uint64_t now_ms)
{
	uint64_t tx = cl_get64(v + 8), held = cl_get32(v + 4);

	if (v[0] != c->id || tx > now_ms || now_ms - tx < held)
		return;
	p->rtt_us = (int64_t)(now_ms - tx - held) * 1000;
}

static void
on_digest(struct nc_cluster *c, struct cl_peer *p, const uint8_t *v)
{
	int s = svc_find(c, v + 1, v[0]);
	struct cl_peer_svc *ps;
	const uint8_t *d = v + 1 + v[0];
	char who[80];

	if (s < 0)
		return;
	ps = &p->svc[s];
	if (ps->digest_known && memcmp(ps->digest, d, NC_CL_DIGEST_LEN) == 0)
		return;   /* no change */
	ps->digest_known = true;
	memcpy(ps->digest, d, NC_CL_DIGEST_LEN);
	peer_str(c, p, who, sizeof(who));
	if (memcmp(d, c->svc[s].digest, NC_CL_DIGEST_LEN) != 0) {
		/* a changed digest that still differs is a new mismatch: logged again */
		cl_log(c, NC_CL_LOG_WARNING, "service %s: configuration differs from peer %s's "
		       "(digests differ): its measurements and weights are not used",
		       c->svc[s].name, who);
		ps->mismatch_logged = true;
	} else if (ps->mismatch_logged) {
		cl_log(c, NC_CL_LOG_NOTICE, "service %s: configuration matches peer %s's again",
		       c->svc[s].name, who);
		ps->mismatch_logged = false;
	}
}

static bool
digest_match(const struct nc_cluster *c, const struct cl_peer *p, unsigned int s)
{
	return p->svc[s].digest_known &&
	       memcmp(p->svc[s].digest, c->svc[s].digest, NC_CL_DIGEST_LEN) == 0;
}

static void
on_weights(struct nc_cluster *c, struct cl_peer *p, const uint8_t *v)
{
	int s = svc_find(c, v + W_HDR, v[8]);
	struct cl_weights *w;
	size_t o = W_HDR + v[8];
	unsigned int i;

	if (s < 0 || v[9] != c->svc[s].n)
		return;
	w = &p->svc[s].w;
	memset(w, 0, sizeof(*w));
	w->k = cl_get64(v);
	w->ws.n = v[9];
	w->synced = (v[10] & 1) != 0;
	w->ad.held = (v[10] & 2) != 0;
	w->ad.out_of_band = v[11];
	w->ad.moves = cl_get64(v + 12);
	for (i = 0; i < w->ws.n; i++, o += W_SRV) {
		uint64_t bits = cl_get64(v + o + 4);

		w->ws.w[i] = v[o];
		w->ws.up[i] = v[o + 1];
		w->ws.down_w[i] = v[o + 2];
		w->ad.has_rt[i] = v[o + 3];
		memcpy(&w->ad.rt_smooth[i], &bits, sizeof(bits));
	}
	w->valid = true;
}

/* The slot of interval <k> in <ps>: the one holding it, else a free one, else
 * the oldest (reset). NULL without memory. */
static struct cl_meas *
meas_slot(struct cl_peer_svc *ps, uint64_t k)
{
	struct cl_meas *m, *best = NULL;
	unsigned int i;

	if (ps->meas == NULL) {
		ps->meas = calloc(CL_MEAS_SLOTS, sizeof(*ps->meas));
		if (ps->meas == NULL)
			return NULL;
	}
	for (i = 0; i < CL_MEAS_SLOTS; i++) {
		m = &ps->meas[i];
		if (m->used && m->k == k)
			return m;
		if (best == NULL || (best->used && (!m->used || m->k < best->k)))
			best = m;
	}
	memset(best, 0, sizeof(*best));
	best->used = true;
	best->k = k;
	return best;
}

static void
on_measure(struct nc_cluster *c, struct cl_peer *p, const uint8_t *v)
{
	int s = svc_find(c, v + M_HDR, v[10]);
	const uint8_t *bk = v + M_HDR + v[10];
	struct nc_rt_agg *a;
	struct cl_meas *m;
	unsigned int i, srv = v[8];

	if (s < 0 || c->svc[s].interval_ms == 0 || v[9] != c->svc[s].n || !digest_match(c, p, s))
		return;
	m = meas_slot(&p->svc[s], cl_get64(v));
	if (m == NULL)
		return;
	m->n = v[9];
	a = &m->agg[srv];
	memset(a, 0, sizeof(*a));
	a->rt.count = cl_get64(v + 12);
	a->rt.sum_us = cl_get64(v + 20);
	a->probe_sum_us = cl_get64(v + 28);
	a->probe_n = cl_get64(v + 36);
	for (i = 0; i < v[11]; i++, bk += M_BUCKET)
		if (bk[0] < NC_RT_BUCKETS)
			a->rt.hist[bk[0]] = cl_get32(bk + 1);
	m->have |= UINT64_C(1) << srv;
}

/* The peer at <addr> (host order; an IPv6 channel: <addr6>), <port>, or NULL. */
static struct cl_peer *
peer_find(struct nc_cluster *c, uint32_t addr, const uint8_t *addr6, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < c->n_peers; i++)
		if (c->peer[i].port == port &&
		    (c->family == AF_INET6 ? memcmp(c->peer[i].addr6, addr6, 16) == 0 :
					     c->peer[i].addr == addr))
			return &c->peer[i];
	return NULL;
}

/* One datagram from <addr> (host order; an IPv6 channel: <addr6>), <port>. */
static void
rx_one(struct nc_cluster *c, const uint8_t *d, size_t len, uint32_t addr, const uint8_t *addr6,
       uint16_t port, uint64_t now_ms)
{
	const uint8_t *pl, *val;
	struct nc_cl_hdr h;
	struct cl_peer *p;
	enum nc_cl_rx r;
	uint16_t type, vlen;
	size_t off = 0;
	unsigned int s;
	int k;

	r = nc_cl_msg_check(d, len, c->secret, c->secret_len, &h, &pl);
	if (r != NC_CL_RX_OK) {
		c->cnt.rx[r]++;
		return;
	}
	p = peer_find(c, addr, addr6, port);
	if (p == NULL || h.id == c->id || h.id > NC_CLUSTER_MAX_ID) {
		c->cnt.rx[NC_CL_RX_UNKNOWN_PEER]++;
		return;
	}
	if (p->heard && (h.epoch < p->epoch || (h.epoch == p->epoch && h.seq <= p->seq))) {
		c->cnt.rx[NC_CL_RX_REPLAYED]++;
		return;
	}
	while ((k = nc_cl_rec_next(pl, h.payload_len, &off, &type, &val, &vlen)) == 1)
		if (!rec_valid(type, val, vlen))
			break;
	if (k != 0) {
		c->cnt.rx[NC_CL_RX_MALFORMED]++;
		return;
	}
	/* accepted: from here on the message is trusted */
	if (p->heard && h.epoch != p->epoch) {
		char who[80];

		cl_log(c, NC_CL_LOG_NOTICE, "peer %s restarted", peer_str(c, p, who, sizeof(who)));
		for (s = 0; s < NC_MAX_SERVICES; s++) {
			memset(&p->svc[s].w, 0, sizeof(p->svc[s].w));
			if (p->svc[s].meas != NULL)
				memset(p->svc[s].meas, 0, CL_MEAS_SLOTS * sizeof(*p->svc[s].meas));
		}
		p->rtt_us = -1;
		cl_event(c, NC_CL_EV_PEER_RESTARTED, (int)(p - c->peer), 0);
	} else if (p->heard && h.seq != p->seq + 1) {
		/* messages of this peer were lost: what they said needs repair */
		c->cnt.gaps++;
		cl_event(c, NC_CL_EV_GAP, (int)(p - c->peer), h.seq - p->seq - 1);
	}
	p->heard = true;
	p->epoch = h.epoch;
	p->seq = h.seq;
	p->id = h.id;
	p->last_ms = now_ms;
	p->rx_ok++;
	c->cnt.rx[NC_CL_RX_OK]++;
	off = 0;
	while (nc_cl_rec_next(pl, h.payload_len, &off, &type, &val, &vlen) == 1) {
		switch (type) {
		case NC_CL_REC_STATE:
			on_state(c, p, val, now_ms);
			break;
		case NC_CL_REC_ECHO:
			on_echo(c, p, val, now_ms);
			break;
		case NC_CL_REC_DIGEST:
			on_digest(c, p, val);
			break;
		case NC_CL_REC_WEIGHTS:
			on_weights(c, p, val);
			break;
		case NC_CL_REC_MEASURE:
			on_measure(c, p, val);
			break;
		default:
			if (type >= NC_CL_REC_APP && c->rec != NULL)
				c->rec(c->cb_arg, (unsigned int)(p - c->peer), h.id, h.type, type, val,
				       vlen, now_ms);
			else
				c->cnt.rx_records_skipped++;
			break;
		}
	}
	/* any message proves it alive; a heartbeat says in what state */
	if (p->state == NC_PEER_DOWN && (h.type == NC_CL_MSG_MEASURE || h.type == NC_CL_MSG_SYNC))
		peer_set_state(c, p, NC_PEER_UP, NULL);
}

unsigned int
nc_cluster_poll(struct nc_cluster *c, uint64_t now_ms)
{
	uint8_t buf[NC_CL_MSG_MAX + 1];
	unsigned int n, i;

	if (c->detect_stall && c->last_poll_ms != 0 && now_ms - c->last_poll_ms > c->dead_ms) {
		/* this loop stood still: the peers' silence meanwhile is ours */
		uint64_t gap = now_ms - c->last_poll_ms;

		for (i = 0; i < c->n_peers; i++)
			c->peer[i].last_ms += gap;
		c->cnt.stalls++;
		cl_log(c, NC_CL_LOG_WARNING, "this dispatcher stood still for %" PRIu64 " ms", gap);
		cl_event(c, NC_CL_EV_STALLED, -1, gap);
	}
	c->last_poll_ms = now_ms;
	for (n = 0; n < RX_BURST; n++) {
		struct sockaddr_storage sa;
		socklen_t sl = sizeof(sa);
		ssize_t r = recvfrom(c->fd, buf, sizeof(buf), 0, (struct sockaddr *)&sa, &sl);
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&sa;
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&sa;

		if (r < 0)
			break;
		if (sa.ss_family != c->family) {
			c->cnt.rx[NC_CL_RX_UNKNOWN_PEER]++;
			continue;
		}
		/* a datagram longer than any of ours reads as NC_CL_MSG_MAX + 1: malformed */
		if (c->family == AF_INET6)
			rx_one(c, buf, (size_t)r, 0, s6->sin6_addr.s6_addr, ntohs(s6->sin6_port), now_ms);
		else
			rx_one(c, buf, (size_t)r, ntohl(s4->sin_addr.s_addr), NULL, ntohs(s4->sin_port),
			       now_ms);
	}
	for (i = 0; i < c->n_peers; i++) {
		struct cl_peer *p = &c->peer[i];
		char why[64];

		if (p->state == NC_PEER_UP && now_ms - p->last_ms > c->dead_ms) {
			snprintf(why, sizeof(why), "nothing heard for %u ms", c->dead_ms);
			peer_set_state(c, p, NC_PEER_DOWN, why);
		}
	}
	if (now_ms >= c->next_hb_ms)
		nc_cluster_heartbeat(c, now_ms);
	return n;
}

/* ---- application records ---- */

int
nc_cluster_send_rec(struct nc_cluster *c, uint16_t type, const void *val, size_t len)
{
	if (type < NC_CL_REC_APP || len > NC_CL_MSG_MAX - NC_CL_HDR_LEN - NC_CL_MAC_LEN - 4)
		return -EINVAL;
	if (c->sync.len == 0)
		nc_cl_msg_init(&c->sync, NC_CL_MSG_SYNC, c->id, c->epoch);
	add_rec(c, &c->sync, type, val, len);
	return 0;
}

void
nc_cluster_send_flush(struct nc_cluster *c)
{
	if (c->sync.len == 0 || c->sync.n_rec == 0)
		return;
	send_msg(c, &c->sync);
	c->sync.len = 0;
}

int
nc_cluster_set_hb_rec(struct nc_cluster *c, uint16_t type, const void *val, size_t len)
{
	unsigned int i;

	if (type < NC_CL_REC_APP || len > sizeof(c->hb_rec[0].val))
		return -EINVAL;
	for (i = 0; i < c->n_hb_rec && c->hb_rec[i].type != type; i++)
		;
	if (len == 0) {
		if (i < c->n_hb_rec)
			c->hb_rec[i] = c->hb_rec[--c->n_hb_rec];
		return 0;
	}
	if (i == c->n_hb_rec) {
		if (i == sizeof(c->hb_rec) / sizeof(c->hb_rec[0]))
			return -ENOSPC;
		c->n_hb_rec++;
	}
	c->hb_rec[i].type = type;
	c->hb_rec[i].len = (uint16_t)len;
	memcpy(c->hb_rec[i].val, val, len);
	return 0;
}

/* ---- merged measurements ---- */

uint64_t
nc_cluster_interval_of(const struct nc_cluster *c, unsigned int s, uint64_t real_ms)
{
	uint32_t iv = s < NC_MAX_SERVICES && c->svc[s].interval_ms != 0 ? c->svc[s].interval_ms : 1000;

	return real_ms / iv;
}

static size_t
enc_measure(uint8_t *b, const char *name, uint64_t k, unsigned int srv, unsigned int n,
	    const struct nc_rt_agg *a)
{
	size_t nl = strlen(name), o = M_HDR + nl;
	unsigned int i, nb = 0;

	cl_put64(b, k);
	b[8] = (uint8_t)srv;
	b[9] = (uint8_t)n;
	b[10] = (uint8_t)nl;
	cl_put64(b + 12, a->rt.count);
	cl_put64(b + 20, a->rt.sum_us);
	cl_put64(b + 28, a->probe_sum_us);
	cl_put64(b + 36, a->probe_n);
	memcpy(b + M_HDR, name, nl);
	for (i = 0; i < NC_RT_BUCKETS; i++) {
		if (a->rt.hist[i] == 0)
			continue;
		b[o] = (uint8_t)i;
		cl_put32(b + o + 1, a->rt.hist[i]);
		o += M_BUCKET;
		nb++;
	}
	b[11] = (uint8_t)nb;
	return o;
}

int
nc_cluster_measure_put(struct nc_cluster *c, unsigned int s, uint64_t k,
		       const struct nc_rt_agg *agg, unsigned int n, uint64_t now_ms)
{
	uint8_t b[M_HDR + NC_NAME_MAX + M_BUCKET * NC_RT_BUCKETS];
	struct cl_svc *v;
	struct nc_cl_msg m;
	unsigned int i;

	(void)now_ms;
	if (s >= c->n_services || !c->svc[s].used || c->svc[s].interval_ms == 0 ||
	    n != c->svc[s].n)
		return -EINVAL;
	v = &c->svc[s];
	memset(&v->own, 0, sizeof(v->own));
	v->own.used = true;
	v->own.k = k;
	v->own.n = (uint8_t)n;
	memcpy(v->own.agg, agg, n * sizeof(*agg));
	v->pending = true;
	nc_cl_msg_init(&m, NC_CL_MSG_MEASURE, c->id, c->epoch);
	for (i = 0; i < n; i++)
		add_rec(c, &m, NC_CL_REC_MEASURE, b, enc_measure(b, v->name, k, i, n, &agg[i]));
	send_msg(c, &m);
	return 0;
}

static const struct cl_meas *
meas_of(const struct cl_peer *p, unsigned int s, uint64_t k)
{
	const struct cl_meas *m = p->svc[s].meas;
	unsigned int i;

	for (i = 0; m != NULL && i < CL_MEAS_SLOTS; i++)
		if (m[i].used && m[i].k == k)
			return &m[i];
	return NULL;
}

static bool
meas_complete(const struct cl_meas *m)
{
	if (m == NULL || m->n == 0)
		return false;
	return m->have == (m->n >= 64 ? UINT64_MAX : (UINT64_C(1) << m->n) - 1);
}

/* A peer whose figures a merge waits for: up, same configuration. */
static bool
peer_counts(const struct nc_cluster *c, const struct cl_peer *p, unsigned int s)
{
	return p->state == NC_PEER_UP && digest_match(c, p, s);
}

int
nc_cluster_merge(struct nc_cluster *c, unsigned int s, bool force, struct nc_rt_agg *out,
		 uint64_t *k, unsigned int *contributors, uint64_t now_ms)
{
	struct cl_svc *v;
	unsigned int i, j, got = 0, want = 0;

	(void)now_ms;
	if (s >= c->n_services || !c->svc[s].used || !c->svc[s].pending)
		return 0;
	v = &c->svc[s];
	for (i = 0; i < c->n_peers; i++) {
		const struct cl_meas *m = meas_of(&c->peer[i], s, v->own.k);

		if (!peer_counts(c, &c->peer[i], s))
			continue;
		want++;
		got += m != NULL && meas_complete(m);
	}
	if (got < want && !force)
		return 0;
	/* integer sums: the order of the dispatchers does not matter */
	memcpy(out, v->own.agg, v->n * sizeof(*out));
	*contributors = 1;
	for (i = 0; i < c->n_peers; i++) {
		const struct cl_meas *m = meas_of(&c->peer[i], s, v->own.k);

		if (m == NULL || !meas_complete(m) || !digest_match(c, &c->peer[i], s))
			continue;
		for (j = 0; j < v->n; j++)
			nc_rt_agg_add(&out[j], &m->agg[j]);
		(*contributors)++;
	}
	*k = v->own.k;
	v->contributors = *contributors;
	v->pending = false;
	v->merges++;
	if (got < want)
		v->merges_partial++;
	return 1;
}

void
nc_cluster_weights_set(struct nc_cluster *c, unsigned int s, uint64_t k,
		       const struct nc_wset *ws, const struct nc_adapt_state *ad)
{
	struct cl_svc *v;

	if (s >= NC_MAX_SERVICES || !c->svc[s].used)
		return;
	v = &c->svc[s];
	v->w.valid = true;
	v->w.synced = v->synced;
	v->w.k = k;
	v->w.ws = *ws;
	v->w.ad = *ad;
}

/* Same weights and controller state (the count of moves aside). */
static bool
weights_equal(const struct cl_weights *a, const struct cl_weights *b)
{
	unsigned int i, n = a->ws.n;

	if (n != b->ws.n || a->ad.held != b->ad.held || a->ad.out_of_band != b->ad.out_of_band)
		return false;
	for (i = 0; i < n; i++)
		if (a->ws.w[i] != b->ws.w[i] || a->ws.down_w[i] != b->ws.down_w[i] ||
		    a->ad.has_rt[i] != b->ad.has_rt[i] ||
		    memcmp(&a->ad.rt_smooth[i], &b->ad.rt_smooth[i], sizeof(double)) != 0)
			return false;
	return true;
}

int
nc_cluster_adopt(struct nc_cluster *c, unsigned int s, struct nc_wset *ws,
		 struct nc_adapt_state *ad, uint64_t *k, uint64_t now_ms)
{
	const struct cl_peer *ref = NULL;
	struct cl_svc *v;
	unsigned int i;
	char who[80];

	if (s >= c->n_services || !c->svc[s].used)
		return 0;
	v = &c->svc[s];
	if (v->interval_ms == 0) {
		v->synced = true;   /* weights move only by hand: nothing to follow */
		return 0;
	}
	for (i = 0; i < c->n_peers; i++) {
		const struct cl_peer *p = &c->peer[i];
		const struct cl_weights *w = &p->svc[s].w;

		if (!peer_counts(c, p, s) || !w->valid || !w->synced || w->ws.n != v->n)
			continue;
		if (ref == NULL || p->id < ref->id)
			ref = p;
	}
	if (!v->synced) {
		if (ref == NULL) {
			if (now_ms - c->start_ms >= c->join_ms) {
				v->synced = true;
				v->w.synced = true;
				cl_log(c, NC_CL_LOG_INFO, "service %s: no synced peer heard in %u ms: "
				       "going on with this dispatcher's weights", v->name, c->join_ms);
			}
			return 0;
		}
	} else {
		/* the reference is the lowest id; we follow it only when we are not it,
		 * both published the same interval and see the same servers up */
		if (ref == NULL || ref->id > c->id || !v->w.valid ||
		    ref->svc[s].w.k != v->w.k ||
		    memcmp(ref->svc[s].w.ws.up, v->w.ws.up, v->n) != 0 ||
		    weights_equal(&ref->svc[s].w, &v->w))
			return 0;
	}
	*ws = ref->svc[s].w.ws;
	*ad = ref->svc[s].w.ad;
	*k = ref->svc[s].w.k;
	cl_log(c, NC_CL_LOG_NOTICE, "service %s: weights of interval %llu adopted from peer %s%s",
	       v->name, (unsigned long long)*k, peer_str(c, ref, who, sizeof(who)),
	       v->synced ? " (they differed)" : "");
	v->synced = true;
	v->adopted++;
	return 1;
}

/* ---- reading ---- */

void
nc_cluster_counters_get(const struct nc_cluster *c, struct nc_cluster_counters *out)
{
	*out = c->cnt;
}

int
nc_cluster_n_peers(const struct nc_cluster *c)
{
	return (int)c->n_peers;
}

int
nc_cluster_peer_get(const struct nc_cluster *c, unsigned int i, uint64_t now_ms,
		    struct nc_cluster_peer_info *out)
{
	const struct cl_peer *p;

	if (i >= c->n_peers)
		return -EINVAL;
	p = &c->peer[i];
	memset(out, 0, sizeof(*out));
	out->family = c->family;
	out->addr = p->addr;
	memcpy(out->addr6, p->addr6, 16);
	out->port = p->port;
	out->id = p->id;
	out->state = p->state;
	out->said = p->heard ? p->said : (enum nc_cluster_state)0;
	out->last_heard_ms = p->heard ? (int64_t)(now_ms - p->last_ms) : -1;
	out->rtt_us = p->rtt_us;
	out->epoch = p->epoch;
	out->rx_ok = p->rx_ok;
	out->n_macs = p->n_macs;
	memcpy(out->mac, p->mac, sizeof(out->mac));
	return 0;
}

int
nc_cluster_peer_service(const struct nc_cluster *c, unsigned int i, unsigned int s,
			struct nc_cluster_peer_svc *out)
{
	const struct cl_peer_svc *ps;

	if (i >= c->n_peers || s >= c->n_services || !c->svc[s].used)
		return -EINVAL;
	ps = &c->peer[i].svc[s];
	memset(out, 0, sizeof(*out));
	out->digest_known = ps->digest_known;
	out->digest_match = digest_match(c, &c->peer[i], s);
	out->has_weights = ps->w.valid;
	out->synced = ps->w.synced;
	out->k = ps->w.k;
	out->ws = ps->w.ws;
	return 0;
}

int
nc_cluster_service_info(const struct nc_cluster *c, unsigned int s,
			struct nc_cluster_svc_info *out)
{
	const struct cl_svc *v;

	if (s >= c->n_services || !c->svc[s].used)
		return -EINVAL;
	v = &c->svc[s];
	memset(out, 0, sizeof(*out));
	out->adaptive = v->interval_ms != 0;
	out->synced = v->synced;
	out->has_weights = v->w.valid;
	out->k = v->w.k;
	out->contributors = v->contributors;
	out->merges = v->merges;
	out->merges_partial = v->merges_partial;
	out->adopted = v->adopted;
	out->ws = v->w.ws;
	return 0;
}

uint8_t
nc_cluster_id(const struct nc_cluster *c)
{
	return c->id;
}

enum nc_cluster_state
nc_cluster_get_state(const struct nc_cluster *c)
{
	return c->state;
}

uint64_t
nc_cluster_epoch(const struct nc_cluster *c)
{
	return c->epoch;
}
