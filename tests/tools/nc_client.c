/* SPDX-License-Identifier: BSD-3-Clause
 * nc-client: the transaction client of the namespace lab (the paper's
 * figure 9). N client threads each run transactions of K sequential
 * requests over TCP (HTTP/1.1) or UDP against one or more targets, check
 * every response against the sum of the exact request bytes, and report
 * throughput, latency, failures, broken transactions and which server
 * answered what (per server and per flow). Over UDP it can resend an
 * unanswered request as a resolver would (--retry-ms) and count the answers
 * that come for requests already answered: up to one per copy it sent again
 * (answers to its retries), and any beyond those (duplicates).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "nc_tools.h"

#define PROG "nc-client"
#define MAX_TARGETS 64
#define MAX_SOURCES 64
#define MAX_SERVERS 64          /* distinct server names per client thread */
#define LIVE_SERVERS 256        /* distinct server names in a --live line */
#define NAME_MAX_LEN 63
#define PATH_MAX_LEN 1000
#define HEAD_MAX 16384          /* response head limit */
#define RX_CAP (HEAD_MAX + 65536)
#define BODY_LIMIT (1ULL << 30)
#define EOF_WAIT_US 1000000     /* wait for the server's FIN after a closing response */
#define MSG_LIMIT 20            /* failure lines on stderr per run */
#define CLIENT_STACK (256u * 1024)
#define KEPT_MAX 4096           /* answered UDP sockets kept open per client (--retry-ms) */
#define KEPT_END_US 1000000     /* ... and how long past the end of the run at most */
#define FD_SPARE 64             /* descriptors left for everything else */
#define UDP_REQ_MAX 96          /* "NCQ run=... c=... t=... r=...\n" */
#define DUP_LOOKBACK 65536      /* a client's earlier requests a stray UDP answer may be for */

/* Failure kinds: enum, counter and report names from one list. */
#define NC_CLIENT_ERRORS(X) \
	X(CONNECT, connect) \
	X(TIMEOUT, timeout) \
	X(RESET, reset) \
	X(BAD, bad)

enum cl_err {
	CL_OK = 0,
#define X(e, s) CL_ERR_##e,
	NC_CLIENT_ERRORS(X)
#undef X
	CL_ERR_MAX
};

static const char *const cl_err_name[CL_ERR_MAX] = {
	[CL_OK] = "ok",
#define X(e, s) [CL_ERR_##e] = #s,
	NC_CLIENT_ERRORS(X)
#undef X
};

struct cl_conf {
	struct sockaddr_storage target[MAX_TARGETS];
	char target_str[MAX_TARGETS][NC_ADDR_STRLEN];
	unsigned ntargets;
	int udp;
	int keepalive;
	unsigned clients;
	unsigned k;
	double duration;            /* 0: none */
	uint64_t transactions;      /* per client, 0: none */
	struct sockaddr_storage source[MAX_SOURCES];   /* port 0 */
	unsigned nsources;
	unsigned port_base;         /* 0: none */
	uint64_t timeout_ms;
	uint64_t retry_ms;          /* udp: resend after this long unanswered, 0: never */
	uint64_t think_ms;
	char path[PATH_MAX_LEN + 1];
	int path_set;
	uint64_t bytes;
	int bytes_set;
	int json;
	const char *live;
	int quiet;
	int expect_ca;              /* --expect-client-address: 0 none, 1 self, 2 an address */
	char expect_ip[NC_ADDR_STRLEN];   /* "a.b.c.d" or "[IPv6]", as a report starts */
};

/* Responses from one server name, as seen by one client thread. The name
 * is written before the slot is published by nsrv (release); the reporter
 * reads nsrv (acquire) and then the counters. */
struct srv_slot {
	char name[NAME_MAX_LEN + 1];
	_Atomic uint64_t resp;
	_Atomic uint64_t lat_us;
	struct nc_hist *hist;
};

/* Where the requests of one connection (TCP) or socket (UDP) went. */
struct flow {
	int fd;
	int srv;        /* first server seen, -1 before */
	int split;      /* a later response came from another server */
	unsigned target;
	int answered;           /* its last request was answered */
	unsigned spare;         /* UDP: copies sent again, each may be answered too */
};

/* An answered UDP socket kept open (--retry-ms) until <until>, when every
 * datagram still queued on it is counted as a duplicate and it is closed. */
struct kept_sock {
	int fd;
	unsigned spare;         /* struct flow's: answers still owed to retries */
	uint64_t until;
};

struct client {
	/* read by the live reporter while the client runs */
	_Atomic uint64_t ok;
	_Atomic uint64_t failed;
	_Atomic uint64_t broken;
	_Atomic unsigned nsrv;
	struct srv_slot srv[MAX_SERVERS];
	/* owner thread only; read by main after join */
	unsigned idx;
	pthread_t tid;
	uint64_t requests;
	uint64_t err[CL_ERR_MAX];
	uint64_t transactions;
	uint64_t completed;
	uint64_t unfinished;
	uint64_t not_sent;
	uint64_t split_flows;
	uint64_t moved;
	uint64_t retries;       /* --retry-ms: requests sent again */
	uint64_t duplicates;    /* answers to requests already answered, beyond their retries' */
	uint64_t retry_answers; /* answers to copies sent again (--retry-ms) */
	uint64_t ca_checked;    /* answers whose reported client address was checked */
	struct kept_sock *kept; /* --retry-ms: answered sockets, oldest first */
	unsigned kept_head, kept_n;
	unsigned rr;
	int last_srv;
	int no_mem;
	char why[160];
	char req[PATH_MAX_LEN + 256];
	char *rx;
	struct nc_hist hist;
} __attribute__((aligned(64)));

static struct cl_conf cfg;
static char runid[16];
static uint64_t start_us;
static uint64_t deadline_us;    /* 0: none */
static atomic_int stop_flag;
static atomic_uint msg_count;
static struct client **clients;
static unsigned kept_cap;        /* per client; 0: answered sockets closed at once */

static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t live_cv;
static int live_done;
static FILE *live_fp;

static void
usage(void)
{
	printf(
"usage: " PROG " --target HOST:PORT[,HOST:PORT...] [options]\n"
"Runs C client threads; each runs transactions of K sequential requests, checks\n"
"every response (status, full body, X-Server, X-Request-Sum = FNV-1a 64 of the\n"
"exact request bytes) and reports throughput, latency and failures.\n"
"  --target LIST         IPv4:PORT or [IPv6]:PORT targets (no host names); with\n"
"                        several, each new connection/socket goes to the next\n"
"                        one in round robin (per client, starting at the\n"
"                        client's index)\n"
"  --proto tcp|udp       HTTP/1.1 over TCP or the UDP protocol (default tcp)\n"
"  --mode close|keepalive\n"
"                        close: a new connection (TCP) / socket (UDP) per request;\n"
"                        keepalive: one per transaction (default close)\n"
"  -c, --clients N       client threads (default 1)\n"
"  -k, --requests K      requests per transaction (default 5)\n"
"  --duration SECONDS    run time, decimals allowed (default 10 when neither this\n"
"                        nor --transactions is given)\n"
"  --transactions N      transactions per client; with --duration, whichever ends\n"
"                        first\n"
"  --source IP[,IP...]   client i binds to the (i mod n)-th source address (IPv4,\n"
"                        or IPv6 without brackets; of the targets' family)\n"
"  --source-port-base P  client i binds to source port P+i (SO_REUSEADDR); meant\n"
"                        for udp or keepalive: tcp close reuses the port for every\n"
"                        request and may meet the previous connection's TIME_WAIT\n"
"  --timeout-ms T        limit per request, connect+send+receive (default 5000)\n"
"  --retry-ms T          udp: send a request still unanswered after T ms again\n"
"                        (the same bytes, from the same socket), every T ms until\n"
"                        --timeout-ms, which T must be below (default 0: never)\n"
"  --think-ms T          pause after each successful request (default 0)\n"
"  --path /P             request path (tcp; default /)\n"
"  --bytes N             ask for an N byte body: path /bytes/N (tcp, N <= 16 MiB)\n"
"  --expect-client-address self|IP\n"
"                        every answer must report the client's address as the\n"
"                        server learned it (nc-backend: X-Client-Address, or the\n"
"                        UDP reply's third field with --proxy-protocol): self, this\n"
"                        socket's own address and port; IP (IPv4, or IPv6 without\n"
"                        brackets), that address (any port). A missing or other\n"
"                        one is a bad response\n"
"  --json                one JSON object on stdout instead of the text report\n"
"  --live FILE           append a JSON line per second with the last second's\n"
"                        figures to FILE\n"
"  --quiet               no failure lines on stderr (the first %d are shown)\n"
"  -h, --help            this text\n"
"A request fails on connect error, timeout, reset/EOF or a bad response; its\n"
"transaction is broken, the rest of it is not sent, and the next one starts (no\n"
"retries but --retry-ms's). Requests not started by the end of --duration are not\n"
"sent. With --retry-ms the first valid answer to a request counts; a later one\n"
"is an answer to a retry while its socket has sent copies again that are not\n"
"answered yet (retry_answers), else a duplicate: on its socket, kept open\n"
"--timeout-ms after the answer (at most 1 s past the end of the run), or on a\n"
"later socket of the same client (its last 65536 requests). Retries, their\n"
"answers and duplicates are reported; none fails a request by itself.\n"
"Exit status: 0 all requests ok, 1 a request failed, 2 bad command line.\n",
	MSG_LIMIT);
}

/* ---- small helpers ---------------------------------------------------- */

/* Single-writer counter update readable by other threads. */
static inline void
ctr_add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
			      memory_order_relaxed);
}

static int
run_over(void)
{
	return atomic_load_explicit(&stop_flag, memory_order_relaxed) ||
	       (deadline_us && nc_now_us() >= deadline_us);
}

static enum cl_err
fail(struct client *c, enum cl_err e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return e;
}

static enum cl_err
fail_errno(struct client *c, enum cl_err e, const char *what, int err)
{
	return fail(c, e, "%s: %s", what, strerror(err));
}

/* Wait until <fd> is ready for <events> or CLOCK_MONOTONIC reaches <dl>.
 * Returns 0 or -ETIMEDOUT / -errno. */
static int
wait_fd(int fd, short events, uint64_t dl)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		uint64_t now = nc_now_us();
		int r;

		if (now >= dl)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)((dl - now + 999) / 1000));
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

/* recv() with a deadline: bytes read, 0 at EOF, or -ETIMEDOUT / -errno. */
static ssize_t
recv_dl(int fd, void *buf, size_t len, uint64_t dl)
{
	for (;;) {
		ssize_t n = recv(fd, buf, len, MSG_DONTWAIT);
		int w;

		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		w = wait_fd(fd, POLLIN, dl);
		if (w < 0)
			return w;
	}
}

/* Send all <len> bytes before <dl>: 0 or -ETIMEDOUT / -errno. */
static int
send_dl(int fd, const char *buf, size_t len, uint64_t dl)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		int w;

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		w = wait_fd(fd, POLLOUT, dl);
		if (w < 0)
			return w;
	}
	return 0;
}

/* Map an I/O error of an established flow to a failure kind. */
static enum cl_err
io_fail(struct client *c, int err, const char *what)
{
	if (err == -ETIMEDOUT)
		return fail(c, CL_ERR_TIMEOUT, "timeout after %" PRIu64 " ms (%s)",
			    cfg.timeout_ms, what);
	if (err == -ECONNREFUSED)    /* UDP: ICMP port unreachable */
		return fail_errno(c, CL_ERR_CONNECT, what, -err);
	return fail_errno(c, CL_ERR_RESET, what, -err);
}

static int
valid_name(const char *s, size_t len)
{
	if (len == 0 || len > NAME_MAX_LEN)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* Slot of server <name> in <c>'s table, created on first sight. When the
 * table is nearly full, further names share one "(other)" slot. */
static int
srv_lookup(struct client *c, const char *name)
{
	unsigned n = atomic_load_explicit(&c->nsrv, memory_order_relaxed);
	struct srv_slot *s;

	if (c->last_srv >= 0 && strcmp(c->srv[c->last_srv].name, name) == 0)
		return c->last_srv;
	for (unsigned i = 0; i < n; i++)
		if (strcmp(c->srv[i].name, name) == 0)
			return c->last_srv = (int)i;
	if (n == MAX_SERVERS)
		return MAX_SERVERS - 1;
	s = &c->srv[n];
	snprintf(s->name, sizeof(s->name), "%s", n == MAX_SERVERS - 1 ? "(other)" : name);
	s->hist = calloc(1, sizeof(*s->hist));
	if (s->hist == NULL)
		c->no_mem = 1;
	atomic_store_explicit(&c->nsrv, n + 1, memory_order_release);
	return c->last_srv = (int)n;
}

/* ---- flows ------------------------------------------------------------ */

/* Open the next flow of client <c>: next target in round robin, optional
 * source address/port, TCP connect finished before <dl>. */
static enum cl_err
flow_open(struct client *c, struct flow *f, uint64_t dl)
{
	struct sockaddr_storage src;
	const struct sockaddr_storage *dst;
	int one = 1, fd;

	f->target = c->rr++ % cfg.ntargets;
	f->srv = -1;
	f->split = 0;
	f->answered = 0;
	f->spare = 0;
	dst = &cfg.target[f->target];
	fd = socket(dst->ss_family, (cfg.udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail_errno(c, CL_ERR_CONNECT, "socket", errno);
	if (!cfg.udp)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (cfg.nsources || cfg.port_base) {
		uint16_t port = htons((uint16_t)(cfg.port_base ? cfg.port_base + c->idx : 0));

		memset(&src, 0, sizeof(src));
		src.ss_family = dst->ss_family;   /* the any address, unless --source */
		if (cfg.nsources)
			src = cfg.source[c->idx % cfg.nsources];
		if (src.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&src)->sin6_port = port;
		else
			((struct sockaddr_in *)&src)->sin_port = port;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&src, nc_sockaddr_len(&src)) < 0) {
			int e = errno;

			close(fd);
			return fail_errno(c, CL_ERR_CONNECT, "bind", e);
		}
	}
	if (connect(fd, (const struct sockaddr *)dst, nc_sockaddr_len(dst)) < 0) {
		int e = errno, w;
		socklen_t elen = sizeof(e);

		if (e != EINPROGRESS && e != EINTR) {
			close(fd);
			return fail_errno(c, CL_ERR_CONNECT, "connect", e);
		}
		w = wait_fd(fd, POLLOUT, dl);
		if (w == -ETIMEDOUT) {
			close(fd);
			return fail(c, CL_ERR_TIMEOUT, "timeout after %" PRIu64 " ms (connect)",
				    cfg.timeout_ms);
		}
		if (w < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0 || e != 0) {
			if (w < 0)
				e = -w;
			close(fd);
			return fail_errno(c, CL_ERR_CONNECT, "connect", e ? e : EIO);
		}
	}
	f->fd = fd;
	return CL_OK;
}

/* ---- answered UDP sockets kept open (--retry-ms) ---------------------- */

/* An answer to a request already answered: its retry's, while one is owed
 * (<spare>), else a duplicate. */
static void
extra_answer(struct client *c, unsigned *spare)
{
	if (*spare > 0) {
		(*spare)--;
		c->retry_answers++;
	} else {
		c->duplicates++;
	}
}

/* Count every datagram queued on <fd> as an extra answer (the socket's
 * requests are all answered), then close it. */
static void
kept_drain(struct client *c, int fd, unsigned spare)
{
	char b[64];

	for (unsigned i = 0; i < 1u << 20; i++) {
		ssize_t n = recv(fd, b, sizeof(b), MSG_DONTWAIT | MSG_TRUNC);

		if (n >= 0)
			extra_answer(c, &spare);
		else if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		/* else EINTR, or an ICMP error reported once: not an answer */
	}
	close(fd);
}

/* Drain and close the sockets whose time is up at <now> (UINT64_MAX: all). */
static void
kept_reap(struct client *c, uint64_t now)
{
	while (c->kept_n > 0 && c->kept[c->kept_head].until <= now) {
		kept_drain(c, c->kept[c->kept_head].fd, c->kept[c->kept_head].spare);
		c->kept_head = (c->kept_head + 1) % kept_cap;
		c->kept_n--;
	}
}

/* Keep answered socket <fd> open for --timeout-ms; when the ring is full
 * its oldest socket is drained and closed early. */
static void
kept_add(struct client *c, int fd, unsigned spare)
{
	if (c->kept_n == kept_cap)
		kept_reap(c, c->kept[c->kept_head].until);
	c->kept[(c->kept_head + c->kept_n) % kept_cap] =
		(struct kept_sock){ .fd = fd, .spare = spare,
				    .until = nc_now_us() + cfg.timeout_ms * 1000 };
	c->kept_n++;
}

static void
flow_close(struct client *c, struct flow *f)
{
	if (f->fd < 0)
		return;
	if (f->answered && c->kept != NULL)
		kept_add(c, f->fd, f->spare);
	else
		close(f->fd);
	f->fd = -1;
	if (f->split)
		c->split_flows++;
}

/* ---- the client address the server reports ---------------------------- */

/* Whether <got> (<len> bytes, "IP:PORT") is what --expect-client-address
 * asks of socket <fd>; counted. On a mismatch the reason goes to c->why. */
static enum cl_err
ca_check(struct client *c, int fd, const char *got, size_t len)
{
	char want[NC_ADDR_STRLEN];
	struct sockaddr_storage sa;
	socklen_t slen = sizeof(sa);
	size_t wl;

	if (cfg.expect_ca == 1) {
		if (getsockname(fd, (struct sockaddr *)&sa, &slen) < 0)
			return fail(c, CL_ERR_BAD, "client address: getsockname: %s", strerror(errno));
		nc_sockaddr_str((struct sockaddr *)&sa, want, sizeof(want));
		wl = strlen(want);
		if (len != wl || memcmp(got, want, wl) != 0)
			return fail(c, CL_ERR_BAD, "client address reported %.*s, want %s",
				    (int)(len > NC_ADDR_STRLEN ? NC_ADDR_STRLEN : len), got, want);
	} else {
		wl = strlen(cfg.expect_ip);
		if (len <= wl || memcmp(got, cfg.expect_ip, wl) != 0 || got[wl] != ':')
			return fail(c, CL_ERR_BAD, "client address reported %.*s, want %s:*",
				    (int)(len > NC_ADDR_STRLEN ? NC_ADDR_STRLEN : len), got, cfg.expect_ip);
	}
	c->ca_checked++;
	return CL_OK;
}

/* ---- TCP -------------------------------------------------------------- */

/* Read one HTTP response on <fd> and check it against <sumhex> (the sum of
 * the request sent). On success *<srv> is the server slot and *<peer_close>
 * tells whether the server will close the connection. */
static enum cl_err
tcp_read_response(struct client *c, int fd, uint64_t dl, const char *sumhex,
		  int *srv, int *peer_close)
{
	char name[NAME_MAX_LEN + 1] = "";
	char expect[NAME_MAX_LEN + 24], pre[sizeof(expect)];
	char *buf = c->rx;
	const char *end = NULL, *p, *eol;
	size_t len = 0, head_len, body_have, pre_len, elen;
	uint64_t cl = 0, remaining;
	int have_cl = 0, have_sum = 0, status;
	const char *ca = NULL;
	size_t ca_len = 0;

	*peer_close = 0;
	while (end == NULL) {
		size_t from = len > 3 ? len - 3 : 0;
		ssize_t n;

		if (len == HEAD_MAX)
			return fail(c, CL_ERR_BAD, "bad response: head over %d bytes", HEAD_MAX);
		n = recv_dl(fd, buf + len, HEAD_MAX - len, dl);
		if (n == 0)
			return fail(c, CL_ERR_RESET, "connection closed before a full response");
		if (n < 0)
			return io_fail(c, (int)n, "receive");
		len += (size_t)n;
		end = memmem(buf + from, len - from, "\r\n\r\n", 4);
	}
	head_len = (size_t)(end - buf) + 4;

	/* Status line: HTTP/1.x 200 ... */
	eol = memmem(buf, head_len, "\r\n", 2);
	if (eol - buf < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ' ||
	    buf[9] < '0' || buf[9] > '9' || buf[10] < '0' || buf[10] > '9' ||
	    buf[11] < '0' || buf[11] > '9' || (eol - buf > 12 && buf[12] != ' '))
		return fail(c, CL_ERR_BAD, "bad response: malformed status line");
	status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	if (status != 200)
		return fail(c, CL_ERR_BAD, "bad response: status %d", status);

	for (p = eol + 2; p < end + 2; p = eol + 2) {
		const char *colon, *v, *ve;
		size_t nlen;

		eol = memmem(p, (size_t)(end + 2 - p), "\r\n", 2);
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon == NULL)
			return fail(c, CL_ERR_BAD, "bad response: header line without ':'");
		nlen = (size_t)(colon - p);
		v = colon + 1;
		ve = eol;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (nlen == 14 && strncasecmp(p, "content-length", 14) == 0) {
			char num[24];

			if ((size_t)(ve - v) >= sizeof(num))
				return fail(c, CL_ERR_BAD, "bad response: Content-Length");
			memcpy(num, v, (size_t)(ve - v));
			num[ve - v] = '\0';
			if (nc_parse_u64(num, 0, BODY_LIMIT, &cl) < 0)
				return fail(c, CL_ERR_BAD, "bad response: Content-Length '%s'", num);
			have_cl = 1;
		} else if (nlen == 8 && strncasecmp(p, "x-server", 8) == 0) {
			if (!valid_name(v, (size_t)(ve - v)))
				return fail(c, CL_ERR_BAD, "bad response: X-Server");
			memcpy(name, v, (size_t)(ve - v));
			name[ve - v] = '\0';
		} else if (nlen == 13 && strncasecmp(p, "x-request-sum", 13) == 0) {
			if (ve - v != 16 || memcmp(v, sumhex, 16) != 0)
				return fail(c, CL_ERR_BAD, "bad response: X-Request-Sum '%.*s' != %s",
					    (int)(ve - v > 32 ? 32 : ve - v), v, sumhex);
			have_sum = 1;
		} else if (nlen == 16 && strncasecmp(p, "x-client-address", 16) == 0) {
			ca = v;
			ca_len = (size_t)(ve - v);
		} else if (nlen == 10 && strncasecmp(p, "connection", 10) == 0) {
			for (const char *t = v; t + 5 <= ve; t++)
				if (strncasecmp(t, "close", 5) == 0)
					*peer_close = 1;
		}
	}
	if (!have_cl)
		return fail(c, CL_ERR_BAD, "bad response: no Content-Length");
	if (name[0] == '\0')
		return fail(c, CL_ERR_BAD, "bad response: no X-Server");
	if (!have_sum)
		return fail(c, CL_ERR_BAD, "bad response: no X-Request-Sum");
	if (cfg.expect_ca) {
		enum cl_err e;

		if (ca == NULL)
			return fail(c, CL_ERR_BAD, "bad response: no X-Client-Address");
		if ((e = ca_check(c, fd, ca, ca_len)) != CL_OK)
			return e;
	}

	/* Body: read exactly Content-Length bytes, keep its first line. */
	elen = (size_t)snprintf(expect, sizeof(expect), "%s %s\n", name, sumhex);
	body_have = len - head_len;
	if (body_have > cl)
		return fail(c, CL_ERR_BAD, "bad response: bytes after the body");
	pre_len = body_have < elen ? body_have : elen;
	memcpy(pre, buf + head_len, pre_len);
	remaining = cl - body_have;
	while (remaining > 0) {
		size_t want = remaining < RX_CAP ? (size_t)remaining : RX_CAP;
		ssize_t n = recv_dl(fd, buf, want, dl);

		if (n == 0)
			return fail(c, CL_ERR_RESET, "connection closed before a full body");
		if (n < 0)
			return io_fail(c, (int)n, "receive");
		if (pre_len < elen) {
			size_t take = elen - pre_len < (size_t)n ? elen - pre_len : (size_t)n;

			memcpy(pre + pre_len, buf, take);
			pre_len += take;
		}
		remaining -= (uint64_t)n;
	}
	if (pre_len < elen || memcmp(pre, expect, elen) != 0)
		return fail(c, CL_ERR_BAD, "bad response: body does not start with \"%s %s\"",
			    name, sumhex);
	*srv = srv_lookup(c, name);
	return CL_OK;
}

/* After a response that ends the connection, wait for the server's FIN so
 * the server closes first (TIME_WAIT stays on its side). Data instead of
 * EOF is a protocol error; a late FIN is not. */
static enum cl_err
tcp_await_eof(struct client *c, int fd, uint64_t dl)
{
	uint64_t cap = nc_now_us() + EOF_WAIT_US;
	char b;
	ssize_t n = recv_dl(fd, &b, 1, dl < cap ? dl : cap);

	if (n > 0)
		return fail(c, CL_ERR_BAD, "bad response: bytes after the response");
	return CL_OK;
}

/* ---- one request ------------------------------------------------------ */

/* The UDP request <r> of transaction <t> of client <idx> into <buf>: its length. */
static int
udp_request(char *buf, size_t size, unsigned idx, uint64_t t, unsigned r)
{
	return snprintf(buf, size, "NCQ run=%s c=%u t=%" PRIu64 " r=%u\n", runid, idx, t, r);
}

/* Whether <sum> (16 hex digits) is that of one of client <c>'s last
 * DUP_LOOKBACK requests before request <r> of transaction <t>: an answer to
 * an earlier request, come on this socket (keepalive) or on a new socket
 * that the kernel gave an earlier one's port. */
static int
udp_earlier(const struct client *c, uint64_t t, unsigned r, const char *sum)
{
	char req[UDP_REQ_MAX], hex[17];
	uint64_t want;
	char *end;

	memcpy(hex, sum, 16);
	hex[16] = '\0';
	want = strtoull(hex, &end, 16);
	if (end != hex + 16)
		return 0;
	for (unsigned n = 0; n < DUP_LOOKBACK; n++) {
		int len;

		if (r == 0) {
			if (t == 0)
				return 0;
			t--;
			r = cfg.k;
		}
		r--;
		len = udp_request(req, sizeof(req), c->idx, t, r);
		if (nc_fnv1a64(NC_FNV64_INIT, req, (size_t)len) == want)
			return 1;
	}
	return 0;
}

/* Wait for the answer to UDP request <r> of transaction <t> on <f>, sent
 * at <t0> as c->req (<len> bytes) with sum <sumhex>; with --retry-ms, sent
 * again every retry_ms until <dl>. On success *<srv> is the server slot and
 * *<t1> the time of the answer. */
static enum cl_err
udp_await(struct client *c, struct flow *f, uint64_t t, unsigned r, int len,
	  const char *sumhex, uint64_t t0, uint64_t dl, int *srv, uint64_t *t1)
{
	uint64_t next = cfg.retry_ms ? t0 + cfg.retry_ms * 1000 : UINT64_MAX;

	for (;;) {
		ssize_t n = recv_dl(f->fd, c->rx, RX_CAP, next < dl ? next : dl);
		char *sp, *ca;

		if (n == -ETIMEDOUT && next < dl && nc_now_us() < dl) {
			int ret = send_dl(f->fd, c->req, (size_t)len, dl);

			if (ret < 0)
				return io_fail(c, ret, "send");
			c->retries++;
			f->spare++;
			next += cfg.retry_ms * 1000;
			continue;
		}
		if (n < 0)
			return io_fail(c, (int)n, "receive");
		sp = memchr(c->rx, ' ', (size_t)n);
		/* "NAME SUM\n", or "NAME SUM ADDR\n" from a server that reports
		 * the client's address */
		ca = sp != NULL && c->rx + n - (sp + 1) > 18 && sp[17] == ' ' ? sp + 18 : NULL;
		if (n < 19 || c->rx[n - 1] != '\n' || sp == NULL ||
		    (ca == NULL && c->rx + n - 1 - (sp + 1) != 16) ||
		    !valid_name(c->rx, (size_t)(sp - c->rx)))
			return fail(c, CL_ERR_BAD, "bad reply: not \"NAME SUM\\n\"");
		if (memcmp(sp + 1, sumhex, 16) != 0) {
			if (cfg.retry_ms && udp_earlier(c, t, r, sp + 1)) {
				extra_answer(c, &f->spare);
				continue;
			}
			return fail(c, CL_ERR_BAD, "bad reply: sum %.16s != %s (stale reply?)",
				    sp + 1, sumhex);
		}
		if (cfg.expect_ca) {
			enum cl_err e;

			if (ca == NULL)
				return fail(c, CL_ERR_BAD, "bad reply: no client address");
			if ((e = ca_check(c, f->fd, ca, (size_t)(c->rx + n - 1 - ca))) != CL_OK)
				return e;
		}
		*sp = '\0';
		*t1 = nc_now_us();
		*srv = srv_lookup(c, c->rx);
		return CL_OK;
	}
}

/* Run request <r> of transaction <t> on flow <f> (opened here if needed).
 * On success records latency and server; returns the failure kind. */
static enum cl_err
do_request(struct client *c, struct flow *f, uint64_t t, unsigned r, int *srv)
{
	uint64_t dl = nc_now_us() + cfg.timeout_ms * 1000, t0, t1 = 0, sum;
	const char *tstr;
	char sumhex[17];
	enum cl_err e;
	int len, ret, peer_close = 0, last;

	if (f->fd < 0 && (e = flow_open(c, f, dl)) != CL_OK)
		return e;
	f->answered = 0;
	tstr = cfg.target_str[f->target];
	/* In keepalive mode the transaction's last request also asks the
	 * server to close, so the server closes first. */
	last = !cfg.keepalive || r + 1 == cfg.k;
	if (cfg.udp)
		len = udp_request(c->req, sizeof(c->req), c->idx, t, r);
	else
		len = snprintf(c->req, sizeof(c->req),
			       "GET %s%crun=%s&c=%u&t=%" PRIu64 "&r=%u HTTP/1.1\r\n"
			       "Host: %s\r\nUser-Agent: nc-client\r\n%s\r\n",
			       cfg.path, strchr(cfg.path, '?') ? '&' : '?', runid, c->idx, t, r,
			       tstr, last ? "Connection: close\r\n" : "");
	sum = nc_fnv1a64(NC_FNV64_INIT, c->req, (size_t)len);
	snprintf(sumhex, sizeof(sumhex), "%016" PRIx64, sum);

	t0 = nc_now_us();
	ret = send_dl(f->fd, c->req, (size_t)len, dl);
	if (ret < 0)
		return io_fail(c, ret, "send");
	if (cfg.udp) {
		e = udp_await(c, f, t, r, len, sumhex, t0, dl, srv, &t1);
		if (e != CL_OK)
			return e;
	} else {
		e = tcp_read_response(c, f->fd, dl, sumhex, srv, &peer_close);
		if (e != CL_OK)
			return e;
		t1 = nc_now_us();
		if (last || peer_close) {
			e = tcp_await_eof(c, f->fd, dl);
			if (e != CL_OK)
				return e;
		}
	}

	{
		struct srv_slot *s = &c->srv[*srv];

		ctr_add(&s->resp, 1);
		ctr_add(&s->lat_us, t1 - t0);
		if (s->hist != NULL)
			nc_hist_add(s->hist, t1 - t0);
		nc_hist_add(&c->hist, t1 - t0);
		ctr_add(&c->ok, 1);
	}
	if (f->srv < 0)
		f->srv = *srv;
	else if (f->srv != *srv)
		f->split = 1;
	f->answered = 1;
	if (!cfg.keepalive || peer_close)
		flow_close(c, f);
	return CL_OK;
}

static void
report_failure(struct client *c, uint64_t t, unsigned r, const struct flow *f, enum cl_err e)
{
	unsigned m;

	if (cfg.quiet)
		return;
	m = atomic_fetch_add(&msg_count, 1);
	if (m < MSG_LIMIT) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char from[NC_ADDR_STRLEN + 8] = "";

		/* the socket's own address: the flow to look for in a capture */
		if (f->fd >= 0 && getsockname(f->fd, (struct sockaddr *)&ss, &sl) == 0 &&
		    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)) {
			char a[NC_ADDR_STRLEN];

			snprintf(from, sizeof(from), " from %s",
				 nc_sockaddr_str((struct sockaddr *)&ss, a, sizeof(a)));
		}
		fprintf(stderr, PROG ": client %u transaction %" PRIu64 " request %u to %s%s at %.3f s: %s [%s]\n",
			c->idx, t, r, cfg.target_str[f->target], from,
			(double)(nc_now_us() - start_us) / 1e6, c->why, cl_err_name[e]);
	}
	else if (m == MSG_LIMIT)
		fprintf(stderr, PROG ": further failures not shown\n");
}

/* One transaction: K sequential requests; the first failure breaks it. */
static void
run_txn(struct client *c, uint64_t t)
{
	struct flow f = { .fd = -1, .srv = -1, .target = c->rr % cfg.ntargets };
	int txn_srv = -1, moved = 0;
	enum cl_err e = CL_OK;
	unsigned r;

	for (r = 0; r < cfg.k; r++) {
		int srv = -1;

		if (r > 0 && run_over())
			break;
		c->requests++;
		e = do_request(c, &f, t, r, &srv);
		if (e != CL_OK)
			break;
		if (txn_srv < 0)
			txn_srv = srv;
		else if (txn_srv != srv)
			moved = 1;
		if (cfg.think_ms) {
			uint64_t now = nc_now_us(), us = cfg.think_ms * 1000;

			if (deadline_us && now + us > deadline_us)
				us = now < deadline_us ? deadline_us - now : 0;
			nc_sleep_us(us);
		}
	}
	if (e != CL_OK)
		report_failure(c, t, r, &f, e);
	flow_close(c, &f);
	if (e != CL_OK || r == cfg.k)
		c->moved += (uint64_t)moved;
	if (e != CL_OK) {
		c->err[e]++;
		c->transactions++;
		c->not_sent += cfg.k - r - 1;
		ctr_add(&c->failed, 1);
		ctr_add(&c->broken, 1);
	} else if (r == cfg.k) {
		c->transactions++;
		c->completed++;
	} else {
		c->unfinished++;    /* the run ended inside this transaction */
	}
}

static void *
client_main(void *arg)
{
	struct client *c = arg;

	c->rr = c->idx;
	c->last_srv = -1;
	c->rx = malloc(RX_CAP);
	if (c->rx == NULL) {
		c->no_mem = 1;
		return NULL;
	}
	if (cfg.retry_ms && kept_cap > 0) {
		c->kept = calloc(kept_cap, sizeof(*c->kept));
		if (c->kept == NULL)
			c->no_mem = 1;
	}
	for (uint64_t t = 0; !cfg.transactions || t < cfg.transactions; t++) {
		if (run_over())
			break;
		if (c->kept != NULL)
			kept_reap(c, nc_now_us());
		run_txn(c, t);
	}
	if (c->kept != NULL) {
		/* the last answers' duplicates: up to KEPT_END_US more */
		uint64_t now = nc_now_us(), last;

		if (c->kept_n > 0) {
			last = c->kept[(c->kept_head + c->kept_n - 1) % kept_cap].until;
			if (last > now + KEPT_END_US)
				last = now + KEPT_END_US;
			if (!atomic_load(&stop_flag) && last > now)
				nc_sleep_us(last - now);
		}
		kept_reap(c, UINT64_MAX);
	}
	free(c->kept);
	c->kept = NULL;
	free(c->rx);
	c->rx = NULL;
	return NULL;
}

/* ---- live reporter ---------------------------------------------------- */

struct live_srv {
	char name[NAME_MAX_LEN + 1];
	uint64_t resp, lat_us;          /* totals now */
	uint64_t prev_resp, prev_lat;   /* totals at the previous line */
};

static void
json_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static int
live_srv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct live_srv *)a)->name, ((const struct live_srv *)b)->name);
}

/* Once a second (absolute ticks from the start), append the last second's
 * figures to the --live file. Reads only the clients' atomic counters. */
static void *
live_main(void *arg)
{
	static struct live_srv ls[LIVE_SERVERS];
	unsigned nls = 0;
	uint64_t prev_ok = 0, prev_us = start_us, tick = 1;
	struct timespec base;

	(void)arg;
	/* start_us is CLOCK_MONOTONIC, the clock of live_cv */
	base.tv_sec = (time_t)(start_us / 1000000u);
	base.tv_nsec = (long)(start_us % 1000000u) * 1000;
	pthread_mutex_lock(&live_mu);
	while (!live_done) {
		struct timespec ts = { .tv_sec = base.tv_sec + (time_t)tick, .tv_nsec = base.tv_nsec };
		uint64_t ok = 0, broken = 0, failed = 0, now;
		double dt;
		int rc;

		rc = pthread_cond_timedwait(&live_cv, &live_mu, &ts);
		if (live_done)
			break;
		if (rc != ETIMEDOUT)
			continue;
		now = nc_now_us();
		for (unsigned i = 0; i < nls; i++)
			ls[i].resp = ls[i].lat_us = 0;
		for (unsigned i = 0; i < cfg.clients; i++) {
			struct client *c = clients[i];
			unsigned n = atomic_load_explicit(&c->nsrv, memory_order_acquire);

			ok += atomic_load_explicit(&c->ok, memory_order_relaxed);
			broken += atomic_load_explicit(&c->broken, memory_order_relaxed);
			failed += atomic_load_explicit(&c->failed, memory_order_relaxed);
			for (unsigned j = 0; j < n; j++) {
				unsigned k;

				for (k = 0; k < nls; k++)
					if (strcmp(ls[k].name, c->srv[j].name) == 0)
						break;
				if (k == nls) {
					if (nls == LIVE_SERVERS)
						continue;
					memset(&ls[nls], 0, sizeof(ls[nls]));
					snprintf(ls[nls].name, sizeof(ls[nls].name), "%s", c->srv[j].name);
					nls++;
				}
				ls[k].resp += atomic_load_explicit(&c->srv[j].resp, memory_order_relaxed);
				ls[k].lat_us += atomic_load_explicit(&c->srv[j].lat_us, memory_order_relaxed);
			}
		}
		qsort(ls, nls, sizeof(ls[0]), live_srv_cmp);
		dt = (double)(now - prev_us) / 1e6;
		fprintf(live_fp, "{\"t\":%.3f,\"rps\":%.1f,\"ok\":%" PRIu64 ",\"broken\":%" PRIu64
			",\"failed\":%" PRIu64 ",\"servers\":{",
			(double)(now - start_us) / 1e6, (double)(ok - prev_ok) / dt, ok, broken, failed);
		for (unsigned i = 0; i < nls; i++) {
			uint64_t dr = ls[i].resp - ls[i].prev_resp, dl = ls[i].lat_us - ls[i].prev_lat;

			fputs(i ? "," : "", live_fp);
			json_str(live_fp, ls[i].name);
			fprintf(live_fp, ":{\"rps\":%.1f,\"avg_ms\":%.3f}", (double)dr / dt,
				dr ? (double)dl / (double)dr / 1000.0 : 0.0);
			ls[i].prev_resp = ls[i].resp;
			ls[i].prev_lat = ls[i].lat_us;
		}
		fputs("}}\n", live_fp);
		fflush(live_fp);
		prev_ok = ok;
		prev_us = now;
		/* next whole second after now; skips ticks missed while stalled */
		tick = (now - start_us) / 1000000u + 1;
	}
	pthread_mutex_unlock(&live_mu);
	return NULL;
}

/* ---- command line ----------------------------------------------------- */

/* Split <arg> at commas; calls <fn> on each element, fails on empty ones. */
static void
parse_list(const char *opt, const char *arg, unsigned max, const char *expect,
	   int (*fn)(const char *elem, unsigned i))
{
	char *copy = strdup(arg), *save = NULL, *tok;
	unsigned n = 0;
	size_t alen = strlen(arg);

	if (copy == NULL || alen == 0 || arg[0] == ',' || arg[alen - 1] == ',' ||
	    strstr(arg, ",,") != NULL)
		nc_usage_fail(PROG, "bad %s '%s': expected %s", opt, arg, expect);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max)
			nc_usage_fail(PROG, "bad %s: more than %u entries", opt, max);
		if (fn(tok, n) < 0)
			nc_usage_fail(PROG, "bad %s '%s': expected %s", opt, tok, expect);
		n++;
	}
	free(copy);
}

static int
add_target(const char *s, unsigned i)
{
	if (nc_parse_ip_port(s, &cfg.target[i]) < 0)
		return -1;
	nc_sockaddr_str((struct sockaddr *)&cfg.target[i], cfg.target_str[i],
			sizeof(cfg.target_str[i]));
	cfg.ntargets = i + 1;
	return 0;
}

static int
add_source(const char *s, unsigned i)
{
	if (nc_parse_ip(s, &cfg.source[i]) < 0)
		return -1;
	cfg.nsources = i + 1;
	return 0;
}

static void
parse_args(int argc, char **argv)
{
	enum { O_TARGET = 256, O_PROTO, O_MODE, O_DURATION, O_TXNS, O_SOURCE, O_PORTBASE,
	       O_TIMEOUT, O_RETRY, O_THINK, O_PATH, O_BYTES, O_JSON, O_LIVE, O_QUIET, O_EXPECT_CA };
	static const struct option opts[] = {
		{ "target", required_argument, NULL, O_TARGET },
		{ "proto", required_argument, NULL, O_PROTO },
		{ "mode", required_argument, NULL, O_MODE },
		{ "clients", required_argument, NULL, 'c' },
		{ "requests", required_argument, NULL, 'k' },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "transactions", required_argument, NULL, O_TXNS },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "source-port-base", required_argument, NULL, O_PORTBASE },
		{ "timeout-ms", required_argument, NULL, O_TIMEOUT },
		{ "retry-ms", required_argument, NULL, O_RETRY },
		{ "think-ms", required_argument, NULL, O_THINK },
		{ "path", required_argument, NULL, O_PATH },
		{ "bytes", required_argument, NULL, O_BYTES },
		{ "json", no_argument, NULL, O_JSON },
		{ "live", required_argument, NULL, O_LIVE },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "expect-client-address", required_argument, NULL, O_EXPECT_CA },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int o;

	cfg.clients = 1;
	cfg.k = 5;
	cfg.timeout_ms = 5000;
	strcpy(cfg.path, "/");
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":c:k:h", opts, NULL)) != -1) {
		switch (o) {
		case O_TARGET:
			parse_list("--target", optarg, MAX_TARGETS,
				   "IPv4:PORT or [IPv6]:PORT[,...]", add_target);
			break;
		case O_PROTO:
			if (strcmp(optarg, "tcp") && strcmp(optarg, "udp"))
				nc_usage_fail(PROG, "bad --proto '%s': expected tcp or udp", optarg);
			cfg.udp = strcmp(optarg, "udp") == 0;
			break;
		case O_MODE:
			if (strcmp(optarg, "close") && strcmp(optarg, "keepalive"))
				nc_usage_fail(PROG, "bad --mode '%s': expected close or keepalive", optarg);
			cfg.keepalive = strcmp(optarg, "keepalive") == 0;
			break;
		case 'c':
			if (nc_parse_u64(optarg, 1, 10000, &v) < 0)
				nc_usage_fail(PROG, "bad --clients '%s': expected 1-10000", optarg);
			cfg.clients = (unsigned)v;
			break;
		case 'k':
			if (nc_parse_u64(optarg, 1, 1000000, &v) < 0)
				nc_usage_fail(PROG, "bad --requests '%s': expected 1-1000000", optarg);
			cfg.k = (unsigned)v;
			break;
		case O_DURATION:
			if (nc_parse_double(optarg, 0, 1e7, &cfg.duration) < 0)
				nc_usage_fail(PROG, "bad --duration '%s': expected seconds > 0", optarg);
			break;
		case O_TXNS:
			if (nc_parse_u64(optarg, 1, 1000000000000000ULL, &cfg.transactions) < 0)
				nc_usage_fail(PROG, "bad --transactions '%s': expected a count >= 1", optarg);
			break;
		case O_SOURCE:
			parse_list("--source", optarg, MAX_SOURCES, "IPv4 or IPv6[,...]", add_source);
			break;
		case O_PORTBASE:
			if (nc_parse_u64(optarg, 1, 65535, &v) < 0)
				nc_usage_fail(PROG, "bad --source-port-base '%s': expected 1-65535", optarg);
			cfg.port_base = (unsigned)v;
			break;
		case O_TIMEOUT:
			if (nc_parse_u64(optarg, 1, 3600000, &cfg.timeout_ms) < 0)
				nc_usage_fail(PROG, "bad --timeout-ms '%s': expected 1-3600000", optarg);
			break;
		case O_RETRY:
			if (nc_parse_u64(optarg, 0, 3600000, &cfg.retry_ms) < 0)
				nc_usage_fail(PROG, "bad --retry-ms '%s': expected 0-3600000", optarg);
			break;
		case O_THINK:
			if (nc_parse_u64(optarg, 0, 3600000, &cfg.think_ms) < 0)
				nc_usage_fail(PROG, "bad --think-ms '%s': expected 0-3600000", optarg);
			break;
		case O_PATH:
			if (optarg[0] != '/' || strlen(optarg) > PATH_MAX_LEN)
				nc_usage_fail(PROG, "bad --path '%s': expected /... (at most %d characters)",
					      optarg, PATH_MAX_LEN);
			for (const char *p = optarg; *p; p++)
				if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '#')
					nc_usage_fail(PROG, "bad --path: characters must be printable "
						      "ASCII without blanks or '#'");
			strcpy(cfg.path, optarg);
			cfg.path_set = 1;
			break;
		case O_BYTES:
			if (nc_parse_u64(optarg, 0, 16777216, &cfg.bytes) < 0)
				nc_usage_fail(PROG, "bad --bytes '%s': expected 0-16777216", optarg);
			cfg.bytes_set = 1;
			break;
		case O_JSON:
			cfg.json = 1;
			break;
		case O_LIVE:
			if (optarg[0] == '\0')
				nc_usage_fail(PROG, "bad --live: empty file name");
			cfg.live = optarg;
			break;
		case O_QUIET:
			cfg.quiet = 1;
			break;
		case O_EXPECT_CA: {
			struct sockaddr_storage a;
			char ip[NC_ADDR_STRLEN];

			if (strcmp(optarg, "self") == 0) {
				cfg.expect_ca = 1;
			} else if (nc_parse_ip(optarg, &a) == 0) {
				cfg.expect_ca = 2;
				/* as the server prints it: "[IPv6]:PORT" */
				nc_ip_str((struct sockaddr *)&a, ip, sizeof(ip));
				snprintf(cfg.expect_ip, sizeof(cfg.expect_ip),
					 strchr(ip, ':') != NULL ? "[%s]" : "%s", ip);
			} else {
				nc_usage_fail(PROG, "bad --expect-client-address '%s': expected self or "
					      "an IPv4 or IPv6 address", optarg);
			}
			break;
		}
		case 'h':
			usage();
			exit(0);
		case ':':
			nc_usage_fail(PROG, "option '%s' needs a value", argv[optind - 1]);
		default:
			nc_usage_fail(PROG, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		nc_usage_fail(PROG, "unexpected argument '%s'", argv[optind]);
	if (cfg.ntargets == 0)
		nc_usage_fail(PROG, "--target is required");
	for (unsigned i = 0; i < cfg.nsources; i++)
		for (unsigned j = 0; j < cfg.ntargets; j++)
			if (cfg.source[i].ss_family != cfg.target[j].ss_family)
				nc_usage_fail(PROG, "--source and --target mix IPv4 and IPv6");
	if (cfg.udp && (cfg.path_set || cfg.bytes_set))
		nc_usage_fail(PROG, "--path and --bytes are for --proto tcp");
	if (cfg.path_set && cfg.bytes_set)
		nc_usage_fail(PROG, "give --path or --bytes, not both");
	if (cfg.retry_ms && !cfg.udp)
		nc_usage_fail(PROG, "--retry-ms is for --proto udp");
	if (cfg.retry_ms && cfg.retry_ms >= cfg.timeout_ms)
		nc_usage_fail(PROG, "--retry-ms %" PRIu64 " must be below --timeout-ms %" PRIu64,
			      cfg.retry_ms, cfg.timeout_ms);
	if (cfg.port_base && cfg.port_base + cfg.clients - 1 > 65535)
		nc_usage_fail(PROG, "--source-port-base %u + %u clients passes port 65535",
			      cfg.port_base, cfg.clients);
	if (cfg.bytes_set)
		snprintf(cfg.path, sizeof(cfg.path), "/bytes/%" PRIu64, cfg.bytes);
	if (cfg.duration == 0 && cfg.transactions == 0)
		cfg.duration = 10;
}

/* ---- report ----------------------------------------------------------- */

struct srv_total {
	char name[NAME_MAX_LEN + 1];
	uint64_t resp;
	struct nc_hist hist;
};

static int
srv_total_cmp(const void *a, const void *b)
{
	return strcmp(((const struct srv_total *)a)->name, ((const struct srv_total *)b)->name);
}

/* Answered sockets each client may keep open for duplicates (--retry-ms):
 * the open-file limit raised to its hard limit, shared by the clients, with
 * FD_SPARE and each client's own socket left over; at most KEPT_MAX. */
static unsigned
kept_size(void)
{
	struct rlimit rl;
	uint64_t per;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t cur = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			rl.rlim_cur = cur;
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		return KEPT_MAX;
	if (rl.rlim_cur <= FD_SPARE + 2u * cfg.clients)
		return 0;
	per = ((uint64_t)rl.rlim_cur - FD_SPARE - 2u * cfg.clients) / cfg.clients;
	return per > KEPT_MAX ? KEPT_MAX : (unsigned)per;
}

static void
on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop_flag, 1);
}

static void
make_runid(void)
{
	struct timespec ts;
	uint64_t h = NC_FNV64_INIT;
	pid_t pid = getpid();

	clock_gettime(CLOCK_REALTIME, &ts);
	h = nc_fnv1a64(h, &pid, sizeof(pid));
	h = nc_fnv1a64(h, &ts, sizeof(ts));
	snprintf(runid, sizeof(runid), "%012" PRIx64, (uint64_t)(h & 0xffffffffffffULL));
}

int
main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct nc_hist *all;
	struct srv_total *st = NULL;
	unsigned nst = 0, cap_st = 0;
	uint64_t end_us, requests = 0, ok = 0, failed = 0, transactions = 0, completed = 0;
	uint64_t broken = 0, split = 0, moved = 0, unfinished = 0, not_sent = 0;
	uint64_t retries = 0, duplicates = 0, retry_answers = 0, ca_checked = 0;
	uint64_t err[CL_ERR_MAX] = { 0 };
	pthread_condattr_t ca;
	pthread_attr_t attr;
	pthread_t live_tid;
	double secs, rps;
	int no_mem = 0;

	parse_args(argc, argv);
	if (cfg.retry_ms)
		kept_cap = kept_size();
	make_runid();
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (cfg.live != NULL) {
		live_fp = fopen(cfg.live, "a");
		if (live_fp == NULL)
			nc_usage_fail(PROG, "cannot open --live file '%s': %s", cfg.live, strerror(errno));
	}
	all = calloc(1, sizeof(*all));
	clients = calloc(cfg.clients, sizeof(*clients));
	if (all == NULL || clients == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	for (unsigned i = 0; i < cfg.clients; i++) {
		void *mem;

		if (posix_memalign(&mem, 64, sizeof(struct client)) != 0) {
			fprintf(stderr, PROG ": out of memory\n");
			return 1;
		}
		memset(mem, 0, sizeof(struct client));
		clients[i] = mem;
		clients[i]->idx = i;
	}

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, CLIENT_STACK);
	start_us = nc_now_us();
	deadline_us = cfg.duration > 0 ? start_us + (uint64_t)(cfg.duration * 1e6) : 0;
	for (unsigned i = 0; i < cfg.clients; i++) {
		if (pthread_create(&clients[i]->tid, &attr, client_main, clients[i]) != 0) {
			fprintf(stderr, PROG ": cannot start client thread %u\n", i);
			_exit(1);
		}
	}
	if (live_fp != NULL) {
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&live_cv, &ca);
		if (pthread_create(&live_tid, NULL, live_main, NULL) != 0) {
			fprintf(stderr, PROG ": cannot start the --live thread\n");
			_exit(1);
		}
	}
	for (unsigned i = 0; i < cfg.clients; i++)
		pthread_join(clients[i]->tid, NULL);
	end_us = nc_now_us();
	if (live_fp != NULL) {
		pthread_mutex_lock(&live_mu);
		live_done = 1;
		pthread_cond_signal(&live_cv);
		pthread_mutex_unlock(&live_mu);
		pthread_join(live_tid, NULL);
		fclose(live_fp);
	}

	/* Merge the per-thread figures; servers by name. */
	for (unsigned i = 0; i < cfg.clients; i++) {
		struct client *c = clients[i];
		unsigned n = atomic_load(&c->nsrv);

		requests += c->requests;
		ok += atomic_load(&c->ok);
		failed += atomic_load(&c->failed);
		broken += atomic_load(&c->broken);
		transactions += c->transactions;
		completed += c->completed;
		unfinished += c->unfinished;
		not_sent += c->not_sent;
		split += c->split_flows;
		moved += c->moved;
		retries += c->retries;
		duplicates += c->duplicates;
		retry_answers += c->retry_answers;
		ca_checked += c->ca_checked;
		no_mem |= c->no_mem;
		for (unsigned e = 0; e < CL_ERR_MAX; e++)
			err[e] += c->err[e];
		nc_hist_merge(all, &c->hist);
		for (unsigned j = 0; j < n; j++) {
			unsigned k;

			for (k = 0; k < nst; k++)
				if (strcmp(st[k].name, c->srv[j].name) == 0)
					break;
			if (k == nst) {
				if (nst == cap_st) {
					struct srv_total *ns;

					cap_st = cap_st ? cap_st * 2 : 8;
					ns = realloc(st, cap_st * sizeof(*st));
					if (ns == NULL) {
						fprintf(stderr, PROG ": out of memory\n");
						return 1;
					}
					st = ns;
				}
				memset(&st[nst], 0, sizeof(st[nst]));
				snprintf(st[nst].name, sizeof(st[nst].name), "%s", c->srv[j].name);
				nst++;
			}
			st[k].resp += atomic_load(&c->srv[j].resp);
			if (c->srv[j].hist != NULL)
				nc_hist_merge(&st[k].hist, c->srv[j].hist);
		}
	}
	if (no_mem)
		fprintf(stderr, PROG ": out of memory in a client thread; figures are incomplete\n");
	if (nst > 1)
		qsort(st, nst, sizeof(*st), srv_total_cmp);
	/* A run ended by --duration counts the requests started in the window:
	 * the rate is over the window even when the last responses come later. */
	if (deadline_us && end_us > deadline_us)
		end_us = deadline_us;
	secs = (double)(end_us - start_us) / 1e6;
	rps = secs > 0 ? (double)ok / secs : 0;

	if (cfg.json) {
		printf("{\"proto\":\"%s\",\"mode\":\"%s\",\"clients\":%u,\"requests_per_txn\":%u,"
		       "\"seconds\":%.3f,\"rps\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,"
		       "\"requests\":%" PRIu64 ",\"ok\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"errors\":{",
		       cfg.udp ? "udp" : "tcp", cfg.keepalive ? "keepalive" : "close", cfg.clients,
		       cfg.k, secs, rps, nc_hist_quantile(all, 0.5) / 1000,
		       nc_hist_quantile(all, 0.99) / 1000, nc_hist_quantile(all, 0.999) / 1000,
		       requests, ok, failed);
		for (unsigned e = CL_OK + 1; e < CL_ERR_MAX; e++)
			printf("%s\"%s\":%" PRIu64, e == CL_OK + 1 ? "" : ",", cl_err_name[e], err[e]);
		printf("},\"transactions\":%" PRIu64 ",\"completed\":%" PRIu64 ",\"broken\":%" PRIu64
		       ",\"unfinished\":%" PRIu64 ",\"not_sent\":%" PRIu64
		       ",\"split_flows\":%" PRIu64 ",\"moved_transactions\":%" PRIu64
		       ",\"retries\":%" PRIu64 ",\"retry_answers\":%" PRIu64
		       ",\"duplicates\":%" PRIu64
		       ",\"client_addresses_checked\":%" PRIu64 ",\"servers\":{",
		       transactions, completed, broken, unfinished, not_sent, split, moved,
		       retries, retry_answers, duplicates, ca_checked);
		for (unsigned i = 0; i < nst; i++) {
			fputs(i ? "," : "", stdout);
			json_str(stdout, st[i].name);
			printf(":{\"responses\":%" PRIu64 ",\"share\":%.4f,\"avg_ms\":%.3f,\"p99_ms\":%.3f}",
			       st[i].resp, ok ? (double)st[i].resp / (double)ok : 0.0,
			       nc_hist_mean(&st[i].hist) / 1000,
			       nc_hist_quantile(&st[i].hist, 0.99) / 1000);
		}
		printf("}}\n");
	} else {
		printf(PROG ": %s %s, %u clients x %u requests, %.1f s\n",
		       cfg.udp ? "udp" : "tcp", cfg.keepalive ? "keepalive" : "close",
		       cfg.clients, cfg.k, secs);
		printf("requests/s %.1f  latency p50 %.2f ms  p99 %.2f ms\n", rps,
		       nc_hist_quantile(all, 0.5) / 1000, nc_hist_quantile(all, 0.99) / 1000);
		printf("requests %" PRIu64 " ok %" PRIu64 " failed %" PRIu64 " (", requests, ok, failed);
		for (unsigned e = CL_OK + 1; e < CL_ERR_MAX; e++)
			printf("%s%s %" PRIu64, e == CL_OK + 1 ? "" : " ", cl_err_name[e], err[e]);
		printf(")\n");
		printf("transactions %" PRIu64 " completed %" PRIu64 " broken %" PRIu64
		       "  split_flows %" PRIu64 " moved_transactions %" PRIu64 "\n",
		       transactions, completed, broken, split, moved);
		if (cfg.retry_ms)
			printf("retries %" PRIu64 " retry_answers %" PRIu64 " duplicates %" PRIu64 "\n",
			       retries, retry_answers, duplicates);
		if (cfg.expect_ca)
			printf("client addresses checked %" PRIu64 "\n", ca_checked);
		for (unsigned i = 0; i < nst; i++)
			printf("server %s %" PRIu64 " %.1f%% avg %.2f ms p99 %.2f ms\n", st[i].name,
			       st[i].resp, ok ? 100.0 * (double)st[i].resp / (double)ok : 0.0,
			       nc_hist_mean(&st[i].hist) / 1000,
			       nc_hist_quantile(&st[i].hist, 0.99) / 1000);
	}
	fflush(stdout);
	for (unsigned i = 0; i < cfg.clients; i++) {
		unsigned n = atomic_load(&clients[i]->nsrv);

		for (unsigned j = 0; j < n; j++)
			free(clients[i]->srv[j].hist);
		free(clients[i]);
	}
	free(clients);
	free(st);
	free(all);
	return (failed || broken || no_mem) ? 1 : 0;
}
