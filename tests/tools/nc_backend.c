/* SPDX-License-Identifier: BSD-3-Clause
 * nc-backend: the server of the namespace lab. HTTP/1.1 over TCP (a thread
 * per connection, keep-alive, pipelining) and a UDP request/response protocol.
 * Every request pays a configurable cost (busy loop and/or sleep) and is
 * answered with the server's name and the FNV-1a 64 sum of the exact request
 * bytes, so a client can tell which server answered which request.
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
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nc_tools.h"

#define PROG "nc-backend"
#define HEAD_MAX (16u * 1024)          /* request line + headers + CRLFCRLF */
#define BODY_MAX (1024u * 1024)        /* Content-Length limit */
#define BYTES_MAX (16u * 1024 * 1024)  /* /bytes/N limit */
#define NAME_MAX_LEN 63
#define UDP_THREADS 4
#define UDP_BUF 65536                  /* > 65507, the largest IPv4 datagram */
#define CONN_STACK (256u * 1024)
#define LINGER_MS 2000                 /* drain time after our FIN */
#define SEND_TIMEOUT_S 30              /* a client that never reads */
#define PROXY_V1_MAX 107               /* the longest v1 line, CRLF included */
#define ADDR_LEN NC_ADDR_STRLEN        /* "[IPv6]:65535" */
#define MAX_LISTEN 4                   /* --listen given this many times at most */

struct be_conf {
	char name[NAME_MAX_LEN + 1];
	struct sockaddr_storage listen[MAX_LISTEN];
	unsigned nlisten;
	uint16_t port;
	uint16_t udp_port;
	uint64_t loops;
	uint64_t delay_ms;
	uint64_t max_conns;
	int proxy;          /* --proxy-protocol: a PROXY header starts every connection/datagram */
	int quiet;
};

static struct be_conf conf;
static int tcp_fds[MAX_LISTEN];
static int udp_fds[MAX_LISTEN];
static sem_t conn_slots;
static pthread_attr_t conn_attr;
static atomic_uint_fast64_t served_tcp;
static atomic_uint_fast64_t served_udp;
static atomic_uint_fast64_t bad_requests;
static char xfill[64 * 1024];

/* One parsed request head. */
struct http_req {
	size_t head_len;     /* bytes through the final CRLFCRLF */
	size_t body_len;     /* Content-Length, 0 when absent */
	int minor;           /* HTTP/1.<minor> */
	int is_head;         /* HEAD: headers only */
	int conn_close;      /* Connection: close */
	int conn_keepalive;  /* Connection: keep-alive */
	int has_bytes;       /* path /bytes/N */
	uint64_t bytes;
};

static void
usage(void)
{
	printf(
"usage: " PROG " --name NAME [options]\n"
"HTTP/1.1 (TCP) and UDP test server: every request pays a cost, then is answered\n"
"with the server name and the FNV-1a 64 sum of the exact request bytes.\n"
"  --name NAME        server name in X-Server and in every body (1-63 printable\n"
"                     characters, no blanks); required\n"
"  --listen ADDR      address to listen on, IPv4 or IPv6 (default 0.0.0.0); up to\n"
"                     4 times, for a socket on each (the same ports); :: takes\n"
"                     IPv4 too (a dual-stack socket)\n"
"  --port P           HTTP port (default 8080)\n"
"  --udp-port P       UDP port (default 5353; 0 = no UDP)\n"
"  --loops N          busy-loop iterations per request (default 0)\n"
"  --delay-ms N       sleep per request after the loop (default 0)\n"
"  --max-conns N      TCP connections served at once; accept waits when full\n"
"                     (default 1024)\n"
"  --proxy-protocol   every TCP connection must start with a PROXY v1 or v2 header\n"
"                     and every UDP datagram with a v2 header (DGRAM), IPv4 or\n"
"                     IPv6 (TCP4/TCP6, AF_INET/AF_INET6); the client address\n"
"                     it carries is reported (a missing or malformed header:\n"
"                     400 and close, or no UDP answer)\n"
"  --quiet            no start-up or exit line on stderr\n"
"  -h, --help         this text\n"
"HTTP: GET/POST/... any path; /bytes/N (N <= 16777216) makes the body N bytes long;\n"
"HEAD sends headers only. Body limit 1 MiB (Content-Length; no chunked bodies),\n"
"head limit 16 KiB; a malformed request gets 400 and the connection is closed.\n"
"Response: 200, headers X-Server: NAME, X-Request-Sum: <16 hex>, X-Client-Address:\n"
"IP:PORT or [IPv6]:PORT (the PROXY header's source, else the peer's; an IPv4\n"
"client of :: as IPv4), body \"NAME <16 hex>\\n\".\n"
"UDP: the reply to a datagram is \"NAME <16 hex>\\n\", with --proxy-protocol\n"
"\"NAME <16 hex> IP:PORT\\n\". Sums cover the bytes after a PROXY header.\n"
"SIGTERM/SIGINT: prints \"" PROG " NAME: served tcp T udp U, bad B\", exits 0.\n");
}

/* Spend the per-request cost: <loops> iterations the compiler must keep
 * (an empty volatile asm with a memory clobber in the body), then the delay. */
static void
pay_cost(void)
{
	for (uint64_t i = 0; i < conf.loops; i++)
		__asm__ __volatile__("" ::: "memory");
	if (conf.delay_ms)
		nc_sleep_us(conf.delay_ms * 1000);
}

static int
is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Case-insensitive compare of <len> bytes at <s> with the string <lit>. */
static int
eq_ci(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && strncasecmp(s, lit, len) == 0;
}

/* Scan the comma separated tokens of a Connection header value. */
static void
parse_connection(const char *v, size_t len, struct http_req *rq)
{
	size_t i = 0;

	while (i < len) {
		size_t b, e;

		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		b = i;
		while (i < len && v[i] != ',')
			i++;
		e = i;
		while (e > b && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (eq_ci(v + b, e - b, "close"))
			rq->conn_close = 1;
		else if (eq_ci(v + b, e - b, "keep-alive"))
			rq->conn_keepalive = 1;
	}
}

/* Request path of <target>: origin form "/p?q" or absolute form
 * "http://host/p?q". Sets *<plen> to the length before any '?'. */
static const char *
target_path(const char *t, size_t tlen, size_t *plen)
{
	const char *p = t, *end = t + tlen, *q;

	if (tlen > 0 && t[0] != '/') {
		const char *sep = memmem(t, tlen, "://", 3);

		p = sep ? memchr(sep + 3, '/', (size_t)(end - sep - 3)) : NULL;
		if (p == NULL) {
			*plen = 0;
			return t;
		}
	}
	q = memchr(p, '?', (size_t)(end - p));
	*plen = (size_t)((q ? q : end) - p);
	return p;
}

/* Parse the request head at the start of <buf> (<avail> bytes buffered).
 * Returns 1 when a complete valid head was parsed into <rq>, 0 when more
 * bytes are needed, -1 when the request is malformed or over a limit. */
static int
http_parse(const char *buf, size_t avail, struct http_req *rq)
{
	size_t lim = avail < HEAD_MAX ? avail : HEAD_MAX;
	const char *end, *p, *eol, *sp, *target, *path;
	size_t tlen, plen;
	int have_cl = 0;

	end = memmem(buf, lim, "\r\n\r\n", 4);
	if (end == NULL)
		return avail >= HEAD_MAX ? -1 : 0;
	memset(rq, 0, sizeof(*rq));
	rq->head_len = (size_t)(end - buf) + 4;

	/* Request line: method SP target SP HTTP/1.x CRLF */
	eol = memmem(buf, rq->head_len, "\r\n", 2);
	p = buf;
	while (p < eol && is_tchar((unsigned char)*p))
		p++;
	if (p == buf || p >= eol || *p != ' ')
		return -1;
	rq->is_head = (p - buf == 4 && memcmp(buf, "HEAD", 4) == 0);
	target = ++p;
	while (p < eol && (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f)
		p++;
	if (p == target || p >= eol || *p != ' ')
		return -1;
	tlen = (size_t)(p - target);
	sp = p + 1;
	if (eol - sp != 8 || memcmp(sp, "HTTP/1.", 7) != 0 || (sp[7] != '0' && sp[7] != '1'))
		return -1;
	rq->minor = sp[7] - '0';
	if (target[0] != '/' && !(tlen == 1 && target[0] == '*') &&
	    !(tlen > 7 && strncasecmp(target, "http://", 7) == 0) &&
	    !(tlen > 8 && strncasecmp(target, "https://", 8) == 0))
		return -1;

	/* Header fields up to the empty line. */
	for (p = eol + 2; p < end + 2; p = eol + 2) {
		const char *name = p, *colon, *v, *ve;

		eol = memmem(p, (size_t)(end + 2 - p), "\r\n", 2);
		if (eol == p)
			break;
		while (p < eol && is_tchar((unsigned char)*p))
			p++;
		if (p == name || p >= eol || *p != ':')
			return -1;     /* also obs-fold and blanks before ':' */
		colon = p;
		for (v = colon + 1; v < eol; v++) {
			unsigned char c = (unsigned char)*v;

			if (c != '\t' && (c < 0x20 || c == 0x7f))
				return -1;
		}
		v = colon + 1;
		ve = eol;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (eq_ci(name, (size_t)(colon - name), "content-length")) {
			char num[16];
			uint64_t cl;

			if ((size_t)(ve - v) >= sizeof(num))
				return -1;
			memcpy(num, v, (size_t)(ve - v));
			num[ve - v] = '\0';
			if (nc_parse_u64(num, 0, BODY_MAX, &cl) < 0)
				return -1;
			if (have_cl && cl != rq->body_len)
				return -1;
			have_cl = 1;
			rq->body_len = (size_t)cl;
		} else if (eq_ci(name, (size_t)(colon - name), "transfer-encoding")) {
			return -1;
		} else if (eq_ci(name, (size_t)(colon - name), "connection")) {
			parse_connection(v, (size_t)(ve - v), rq);
		}
	}

	path = target_path(target, tlen, &plen);
	if (plen >= 7 && memcmp(path, "/bytes/", 7) == 0) {
		char num[16];

		if (plen - 7 >= sizeof(num))
			return -1;
		memcpy(num, path + 7, plen - 7);
		num[plen - 7] = '\0';
		if (nc_parse_u64(num, 0, BYTES_MAX, &rq->bytes) < 0)
			return -1;
		rq->has_bytes = 1;
	}
	return 1;
}

/*
 * A PROXY protocol header (haproxy's proxy-protocol.txt) at the start of the
 * <n> bytes at <b>: v1 ("PROXY TCP4 ...\r\n", TCP only) or v2 (its 12-byte
 * signature, version 2, PROXY or LOCAL, AF_INET or AF_INET6, STREAM for TCP or
 * DGRAM for <udp>). Returns 1 with its length in *<used> and "IP:PORT" or
 * "[IPv6]:PORT" of its source in
 * <addr> ("local" for LOCAL, "unknown" for v1 UNKNOWN); 0 when the bytes so
 * far start one but do not hold it all; -1 when they are not one.
 */
static int
proxy_parse(const unsigned char *b, size_t n, int udp, size_t *used, char *addr, size_t alen)
{
	static const unsigned char sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
					       0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };
	static const char v1[] = "PROXY ";

	if (n == 0)
		return 0;
	if (b[0] == sig[0]) {
		size_t len;
		char ip[INET6_ADDRSTRLEN];

		if (memcmp(b, sig, n < 12 ? n : 12) != 0)
			return -1;
		if (n < 16)
			return 0;
		len = (size_t)b[14] << 8 | b[15];
		if ((b[12] & 0xf0) != 0x20 || (b[12] & 0x0f) > 1)
			return -1;
		if (n < 16 + len)
			return len > 65535 - 16 ? -1 : 0;
		*used = 16 + len;
		if ((b[12] & 0x0f) == 0) {   /* LOCAL: the sender's own connection */
			snprintf(addr, alen, "local");
			return 1;
		}
		if (b[13] == (udp ? 0x12 : 0x11) && len >= 12) {
			inet_ntop(AF_INET, b + 16, ip, sizeof(ip));
			snprintf(addr, alen, "%s:%u", ip, (unsigned)b[24] << 8 | b[25]);
			return 1;
		}
		if (b[13] == (udp ? 0x22 : 0x21) && len >= 36) {
			inet_ntop(AF_INET6, b + 16, ip, sizeof(ip));
			snprintf(addr, alen, "[%s]:%u", ip, (unsigned)b[48] << 8 | b[49]);
			return 1;
		}
		return -1;
	}
	if (udp || memcmp(b, v1, n < 6 ? n : 6) != 0)
		return -1;
	{
		const unsigned char *eol = memmem(b, n < PROXY_V1_MAX ? n : PROXY_V1_MAX, "\r\n", 2);
		char line[PROXY_V1_MAX + 1], sip[48], dip[48], tail[2];
		struct in_addr a;
		struct in6_addr s6, d6;
		unsigned sp, dp;

		if (eol == NULL)
			return n >= PROXY_V1_MAX ? -1 : 0;
		memcpy(line, b, (size_t)(eol - b));
		line[eol - b] = '\0';
		*used = (size_t)(eol - b) + 2;
		if (strncmp(line, "PROXY UNKNOWN", 13) == 0) {
			snprintf(addr, alen, "unknown");
			return 1;
		}
		if (sscanf(line, "PROXY TCP4 %47s %47s %u %u%1s", sip, dip, &sp, &dp, tail) == 4) {
			if (nc_parse_ipv4(sip, &a) < 0 || nc_parse_ipv4(dip, &a) < 0 || sp > 65535 ||
			    dp > 65535)
				return -1;
			snprintf(addr, alen, "%s:%u", sip, sp);
			return 1;
		}
		if (sscanf(line, "PROXY TCP6 %47s %47s %u %u%1s", sip, dip, &sp, &dp, tail) != 4 ||
		    inet_pton(AF_INET6, dip, &d6) != 1 || inet_pton(AF_INET6, sip, &s6) != 1 ||
		    sp > 65535 || dp > 65535)
			return -1;
		/* the canonical form, as a socket's address would print */
		inet_ntop(AF_INET6, &s6, sip, sizeof(sip));
		snprintf(addr, alen, "[%s]:%u", sip, sp);
		return 1;
	}
}

/* Write all <len> bytes; 0 or -1 (peer gone, send timeout). */
static int
send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Answer one valid request. Returns 0 or -1 when the peer is gone. */
static int
http_respond(int fd, const struct http_req *rq, uint64_t sum, int close_after, const char *caddr)
{
	char line[NAME_MAX_LEN + 32];
	char head[512 + sizeof(line)];
	uint64_t body;
	int llen, hlen;

	llen = snprintf(line, sizeof(line), "%s %016" PRIx64 "\n", conf.name, sum);
	body = (rq->has_bytes && rq->bytes > (uint64_t)llen) ? rq->bytes : (uint64_t)llen;
	hlen = snprintf(head, sizeof(head),
			"HTTP/1.1 200 OK\r\nServer: nc-backend\r\nX-Server: %s\r\n"
			"X-Request-Sum: %016" PRIx64 "\r\nX-Client-Address: %s\r\n"
			"Content-Type: text/plain\r\nContent-Length: %" PRIu64 "\r\n%s\r\n",
			conf.name, sum, caddr, body,
			close_after ? "Connection: close\r\n" :
			rq->minor == 0 ? "Connection: keep-alive\r\n" : "");
	if (!rq->is_head) {
		memcpy(head + hlen, line, (size_t)llen);
		hlen += llen;
	}
	if (send_all(fd, head, (size_t)hlen) < 0)
		return -1;
	if (!rq->is_head && body > (uint64_t)llen) {
		/* first line, then 'x' padding, then the final '\n' */
		uint64_t pad = body - (uint64_t)llen - 1;

		while (pad > 0) {
			size_t n = pad < sizeof(xfill) ? (size_t)pad : sizeof(xfill);

			if (send_all(fd, xfill, n) < 0)
				return -1;
			pad -= n;
		}
		if (send_all(fd, "\n", 1) < 0)
			return -1;
	}
	atomic_fetch_add_explicit(&served_tcp, 1, memory_order_relaxed);
	return 0;
}

static void
http_bad(int fd)
{
	char resp[256];
	int n;

	n = snprintf(resp, sizeof(resp),
		     "HTTP/1.1 400 Bad Request\r\nServer: nc-backend\r\nX-Server: %s\r\n"
		     "Content-Type: text/plain\r\nContent-Length: 12\r\n"
		     "Connection: close\r\n\r\nbad request\n", conf.name);
	atomic_fetch_add_explicit(&bad_requests, 1, memory_order_relaxed);
	(void)send_all(fd, resp, (size_t)n);
}

/* Close after our last response: send FIN first, then read and drop what
 * the peer still sends, so a close with unread input does not turn into a
 * reset that destroys the response in flight. */
static void
linger_close(int fd)
{
	uint64_t deadline = nc_now_us() + LINGER_MS * 1000ULL;
	char tmp[4096];

	shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = nc_now_us();
		ssize_t n;
		int r;

		if (now >= deadline)
			break;
		r = poll(&pfd, 1, (int)((deadline - now + 999) / 1000));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n = recv(fd, tmp, sizeof(tmp), MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
	}
	close(fd);
}

/* One TCP connection: parse and answer requests in order until the peer
 * closes, asks to close, or sends a malformed request. */
static void *
conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	size_t cap = 64 * 1024, start = 0, len = 0;
	char *buf = malloc(cap);
	char caddr[ADDR_LEN] = "?";
	int linger = 0, need_proxy = conf.proxy;
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);

	if (!need_proxy && getpeername(fd, (struct sockaddr *)&peer, &plen) == 0)
		nc_sockaddr_str((struct sockaddr *)&peer, caddr, sizeof(caddr));
	while (buf != NULL) {
		struct http_req rq;
		size_t avail, need;
		ssize_t n;
		int r;

		if (need_proxy) {
			size_t used;

			r = proxy_parse((const unsigned char *)buf + start, len - start, 0, &used,
					caddr, sizeof(caddr));
			if (r < 0) {
				http_bad(fd);
				linger = 1;
				break;
			}
			if (r > 0) {
				start += used;
				need_proxy = 0;
				continue;
			}
		}

		/* Empty lines before a request line are ignored (RFC 9112 2.2). */
		while (!need_proxy && len - start >= 2 && buf[start] == '\r' && buf[start + 1] == '\n')
			start += 2;
		avail = len - start;
		r = avail && !need_proxy ? http_parse(buf + start, avail, &rq) : 0;
		if (r < 0) {
			http_bad(fd);
			linger = 1;
			break;
		}
		if (r > 0 && avail >= rq.head_len + rq.body_len) {
			size_t total = rq.head_len + rq.body_len;
			int close_after = rq.minor == 0 ? (rq.conn_close || !rq.conn_keepalive)
							: rq.conn_close;
			uint64_t sum = nc_fnv1a64(NC_FNV64_INIT, buf + start, total);

			pay_cost();
			if (http_respond(fd, &rq, sum, close_after, caddr) < 0)
				break;
			start += total;
			if (close_after) {
				linger = 1;
				break;
			}
			continue;
		}
		need = r > 0 ? rq.head_len + rq.body_len : avail + 1;

		/* Move the unparsed bytes to the front and make room for <need>. */
		if (start > 0) {
			memmove(buf, buf + start, avail);
			len = avail;
			start = 0;
		}
		if (need > cap || len == cap) {
			size_t ncap = cap * 2 > need ? cap * 2 : need;
			char *nbuf;

			if (ncap > HEAD_MAX + BODY_MAX)
				ncap = HEAD_MAX + BODY_MAX;
			if (ncap <= len)
				break;
			nbuf = realloc(buf, ncap);
			if (nbuf == NULL)
				break;
			buf = nbuf;
			cap = ncap;
		}
		n = recv(fd, buf + len, cap - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 && len > 0) {
			/* the peer stopped sending in the middle of a request */
			http_bad(fd);
			linger = 1;
		}
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (linger)
		linger_close(fd);
	else
		close(fd);
	free(buf);
	sem_post(&conn_slots);
	return NULL;
}

/* Accept on the listening socket <arg> (its descriptor). */
static void *
accept_main(void *arg)
{
	struct timeval sndto = { .tv_sec = SEND_TIMEOUT_S };
	int one = 1, tcp_fd = (int)(intptr_t)arg;

	for (;;) {
		pthread_t tid;
		int fd;

		while (sem_wait(&conn_slots) < 0)
			;
		for (;;) {
			fd = accept4(tcp_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0)
				break;
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
				continue;
			/* out of descriptors or memory: wait for connections to end */
			nc_sleep_us(10000);
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sndto, sizeof(sndto));
		if (pthread_create(&tid, &conn_attr, conn_main, (void *)(intptr_t)fd) != 0) {
			close(fd);
			sem_post(&conn_slots);
			nc_sleep_us(10000);
		}
	}
	return NULL;
}

/* Answer datagrams on the bound socket <arg> (its descriptor). */
static void *
udp_main(void *arg)
{
	unsigned char *buf = malloc(UDP_BUF);
	int udp_fd = (int)(intptr_t)arg;

	if (buf == NULL) {
		fprintf(stderr, PROG " %s: out of memory\n", conf.name);
		exit(1);
	}
	for (;;) {
		char reply[NAME_MAX_LEN + 32 + ADDR_LEN], caddr[ADDR_LEN];
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		size_t used = 0;
		uint64_t sum;
		ssize_t n;
		int rlen;

		n = recvfrom(udp_fd, buf, UDP_BUF, 0, (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno != EINTR)
				nc_sleep_us(1000);
			continue;
		}
		if (conf.proxy && proxy_parse(buf, (size_t)n, 1, &used, caddr, sizeof(caddr)) != 1) {
			/* no header, or one cut short: nothing to answer */
			atomic_fetch_add_explicit(&bad_requests, 1, memory_order_relaxed);
			continue;
		}
		sum = nc_fnv1a64(NC_FNV64_INIT, buf + used, (size_t)n - used);
		pay_cost();
		if (conf.proxy)
			rlen = snprintf(reply, sizeof(reply), "%s %016" PRIx64 " %s\n", conf.name, sum,
					caddr);
		else
			rlen = snprintf(reply, sizeof(reply), "%s %016" PRIx64 "\n", conf.name, sum);
		if (sendto(udp_fd, reply, (size_t)rlen, MSG_NOSIGNAL,
			   (struct sockaddr *)&from, flen) == rlen)
			atomic_fetch_add_explicit(&served_udp, 1, memory_order_relaxed);
	}
	return NULL;
}

static void
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "listen", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "udp-port", required_argument, NULL, 'u' },
		{ "loops", required_argument, NULL, 'L' },
		{ "delay-ms", required_argument, NULL, 'd' },
		{ "max-conns", required_argument, NULL, 'm' },
		{ "proxy-protocol", no_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	conf.port = 8080;
	conf.udp_port = 5353;
	conf.max_conns = 1024;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (strlen(optarg) == 0 || strlen(optarg) > NAME_MAX_LEN)
				nc_usage_fail(PROG, "--name must have 1 to %d characters", NAME_MAX_LEN);
			for (const char *p = optarg; *p; p++)
				if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
					nc_usage_fail(PROG, "--name must be printable ASCII without blanks");
			strcpy(conf.name, optarg);
			break;
		case 'l':
			if (conf.nlisten == MAX_LISTEN)
				nc_usage_fail(PROG, "--listen: more than %d addresses", MAX_LISTEN);
			if (nc_parse_ip(optarg, &conf.listen[conf.nlisten]) < 0)
				nc_usage_fail(PROG, "bad --listen '%s': expected an IPv4 or IPv6 address",
					      optarg);
			conf.nlisten++;
			break;
		case 'p':
			if (nc_parse_u64(optarg, 1, 65535, &v) < 0)
				nc_usage_fail(PROG, "bad --port '%s': expected 1-65535", optarg);
			conf.port = (uint16_t)v;
			break;
		case 'u':
			if (nc_parse_u64(optarg, 0, 65535, &v) < 0)
				nc_usage_fail(PROG, "bad --udp-port '%s': expected 0-65535", optarg);
			conf.udp_port = (uint16_t)v;
			break;
		case 'L':
			if (nc_parse_u64(optarg, 0, 1000000000000ULL, &conf.loops) < 0)
				nc_usage_fail(PROG, "bad --loops '%s': expected 0-1000000000000", optarg);
			break;
		case 'd':
			if (nc_parse_u64(optarg, 0, 3600000, &conf.delay_ms) < 0)
				nc_usage_fail(PROG, "bad --delay-ms '%s': expected 0-3600000", optarg);
			break;
		case 'm':
			if (nc_parse_u64(optarg, 1, 100000, &conf.max_conns) < 0)
				nc_usage_fail(PROG, "bad --max-conns '%s': expected 1-100000", optarg);
			break;
		case 'q':
			conf.quiet = 1;
			break;
		case 'P':
			conf.proxy = 1;
			break;
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
	if (conf.name[0] == '\0')
		nc_usage_fail(PROG, "--name is required");
	if (conf.nlisten == 0) {
		struct sockaddr_in *any = (struct sockaddr_in *)&conf.listen[0];

		any->sin_family = AF_INET;
		any->sin_addr.s_addr = htonl(INADDR_ANY);
		conf.nlisten = 1;
	}
}

/* Set the port of the IPv4 or IPv6 address <sa> to <port>. */
static void
set_port(struct sockaddr_storage *sa, uint16_t port)
{
	if (sa->ss_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)sa)->sin_port = htons(port);
}

/* Open and bind a socket of <type> on listen address <i> and <port>;
 * exits with status 1 when that fails. The IPv6 any address (::) takes
 * IPv4 too; another IPv6 address only itself. */
static int
open_bound(int type, unsigned i, uint16_t port)
{
	struct sockaddr_storage sa = conf.listen[i];
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sa;
	char where[ADDR_LEN];
	int one = 1, fd, v6only;

	set_port(&sa, port);
	v6only = !IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
	fd = socket(sa.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (sa.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) < 0) ||
	    bind(fd, (struct sockaddr *)&sa, nc_sockaddr_len(&sa)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 1024) < 0)) {
		fprintf(stderr, PROG " %s: cannot %s on %s %s: %s\n", conf.name,
			type == SOCK_STREAM ? "listen" : "bind",
			type == SOCK_STREAM ? "tcp" : "udp",
			nc_sockaddr_str((struct sockaddr *)&sa, where, sizeof(where)), strerror(errno));
		exit(1);
	}
	return fd;
}

/* Room for one descriptor per connection when --max-conns needs it. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)conf.max_conns + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void
start_thread(void *(*fn)(void *), int fd)
{
	pthread_t tid;

	if (pthread_create(&tid, NULL, fn, (void *)(intptr_t)fd) != 0) {
		fprintf(stderr, PROG " %s: cannot start a thread\n", conf.name);
		exit(1);
	}
	pthread_detach(tid);
}

int
main(int argc, char **argv)
{
	char http[MAX_LISTEN * (ADDR_LEN + 1)] = "", udp[sizeof(http)] = "udp off";
	sigset_t sigs;
	int sig;

	parse_args(argc, argv);
	memset(xfill, 'x', sizeof(xfill));
	signal(SIGPIPE, SIG_IGN);
	/* SIGTERM/SIGINT are taken by sigwait() in main only. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	raise_fd_limit();

	for (unsigned i = 0; i < conf.nlisten; i++) {
		tcp_fds[i] = open_bound(SOCK_STREAM, i, conf.port);
		if (conf.udp_port)
			udp_fds[i] = open_bound(SOCK_DGRAM, i, conf.udp_port);
	}
	if (sem_init(&conn_slots, 0, (unsigned)conf.max_conns) < 0) {
		fprintf(stderr, PROG " %s: sem_init: %s\n", conf.name, strerror(errno));
		exit(1);
	}
	pthread_attr_init(&conn_attr);
	pthread_attr_setdetachstate(&conn_attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&conn_attr, CONN_STACK);
	for (unsigned i = 0; i < conf.nlisten; i++) {
		start_thread(accept_main, tcp_fds[i]);
		for (int k = 0; conf.udp_port && k < UDP_THREADS; k++)
			start_thread(udp_main, udp_fds[i]);
	}

	/* "http on A:P[ B:P...], udp on A:U[ B:U...]" */
	if (conf.udp_port)
		strcpy(udp, "udp on");
	for (unsigned i = 0; i < conf.nlisten; i++) {
		struct sockaddr_storage sa = conf.listen[i];
		char a[ADDR_LEN];

		set_port(&sa, conf.port);
		snprintf(http + strlen(http), sizeof(http) - strlen(http), "%s%s", i ? " " : "",
			 nc_sockaddr_str((struct sockaddr *)&sa, a, sizeof(a)));
		if (!conf.udp_port)
			continue;
		set_port(&sa, conf.udp_port);
		snprintf(udp + strlen(udp), sizeof(udp) - strlen(udp), " %s",
			 nc_sockaddr_str((struct sockaddr *)&sa, a, sizeof(a)));
	}
	if (!conf.quiet)
		fprintf(stderr, PROG " %s: http on %s, %s, loops %" PRIu64 ", delay %" PRIu64 " ms\n",
			conf.name, http, udp, conf.loops, conf.delay_ms);

	while (sigwait(&sigs, &sig) != 0)
		;
	if (!conf.quiet)
		fprintf(stderr, PROG " %s: served tcp %" PRIu64 " udp %" PRIu64 ", bad %" PRIu64 "\n",
			conf.name,
			(uint64_t)atomic_load(&served_tcp), (uint64_t)atomic_load(&served_udp),
			(uint64_t)atomic_load(&bad_requests));
	fflush(stderr);
	_exit(0);
}
