/* SPDX-License-Identifier: BSD-3-Clause
 * The management HTTP server (libmicrohttpd, a thread per connection, never a
 * worker lcore). It checks the bearer token, collects the request and hands
 * it to the control lcore through a ring; the control lcore answers it
 * (api.c) between its other work, so every read and change sees one
 * consistent state and only the control lcore ever writes the data plane's
 * tables. Static pages (the dashboard) are answered here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <microhttpd.h>
#include <rte_errno.h>
#include <rte_ring.h>

#include "app.h"
#include "nc_parse.h"
#include "api.h"

#define MGMT_BODY_MAX     (64 * 1024)
#define MGMT_WAIT_MS      5000      /* a request the control lcore does not answer */
#define MGMT_RING_SIZE    256
#define MGMT_CONN_LIMIT   64
#define MGMT_CONN_TIMEOUT 30        /* seconds an idle connection stays */

extern const char nc_www_index_html[];
extern const unsigned int nc_www_index_html_len;

/* One request on its way to the control lcore and back. */
struct mgmt_req {
	struct nc_api_req req;
	int state;                      /* REQ_* */
};
enum { REQ_PENDING = 0, REQ_DONE, REQ_ABANDONED };

/* Per connection request: the body as it arrives. */
struct mgmt_conn {
	char *body;
	size_t len;
	int too_large;
};

/* TLS versions and ciphers offered over HTTPS (GnuTLS priority string):
 * GnuTLS's defaults without anything older than TLS 1.2 */
#define MGMT_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

static struct MHD_Daemon *mgmt_daemon;
static struct rte_ring *mgmt_ring;
static char mgmt_token[256];
static size_t mgmt_token_len;
static volatile int mgmt_closing;
static char *mgmt_tls_cert, *mgmt_tls_key;   /* PEM text while the server runs */

static int
queue(struct MHD_Connection *c, unsigned int status, const char *ctype, char *body, size_t len,
      enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	int ret;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static int
queue_error(struct MHD_Connection *c, unsigned int status, const char *msg)
{
	char *b = NULL;
	size_t n = 0;

	nc_api_error_body(msg, NULL, &b, &n);
	if (b == NULL)
		return MHD_NO;
	return queue(c, status, "application/json", b, n, MHD_RESPMEM_MUST_FREE);
}

/* Constant-time comparison of the Authorization header with the token. */
static int
authorized(struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	unsigned char diff = 0;
	size_t i, n;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0 || mgmt_token_len == 0)
		return 0;
	h += 7;
	n = strlen(h);
	if (n != mgmt_token_len)
		return 0;
	for (i = 0; i < n; i++)
		diff |= (unsigned char)(h[i] ^ mgmt_token[i]);
	return diff == 0;
}

static int
from_loopback(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr_in6 *sin6;
	const struct sockaddr_in *sin;

	if (ci == NULL || ci->client_addr == NULL)
		return 0;
	if (ci->client_addr->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)ci->client_addr;
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	if (ci->client_addr->sa_family != AF_INET6)
		return 0;
	sin6 = (const struct sockaddr_in6 *)ci->client_addr;
	return IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr) ||
	       (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) && sin6->sin6_addr.s6_addr[12] == 127);
}

/* Hand <r> to the control lcore and wait for its answer. 0 or -ETIMEDOUT
 * (the control lcore frees an abandoned request when it gets to it). */
static int
ask_control(struct mgmt_req *r)
{
	unsigned int waited = 0;

	if (rte_ring_enqueue(mgmt_ring, r) != 0)
		return -EBUSY;
	while (!__atomic_load_n(&r->state, __ATOMIC_ACQUIRE)) {
		int pending = REQ_PENDING;

		if (waited >= MGMT_WAIT_MS * 5 || mgmt_closing) {
			if (__atomic_compare_exchange_n(&r->state, &pending, REQ_ABANDONED, 0,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return -ETIMEDOUT;
			break;   /* answered meanwhile */
		}
		usleep(200);
		waited++;
	}
	return 0;
}

/* URL path and query unescaping (%HH) in place, except %00: a NUL in the
 * middle would end the C string there and a longer path would match a
 * shorter one; "%00" stays as text and matches nothing. Returns the length. */
static size_t
unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char *w = s;
	const char *r = s;

	(void)cls;
	(void)c;
	while (*r != '\0') {
		int hi, lo;

		if (r[0] == '%' && (hi = nc_hex_digit(r[1])) >= 0 && (lo = nc_hex_digit(r[2])) >= 0 &&
		    (hi | lo) != 0) {
			*w++ = (char)(hi << 4 | lo);
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* Query arguments: the one the API reads (since) copied into <cls>, a
 * struct nc_api_req; its parser (api.c) judges the text. */
static enum MHD_Result
on_query_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size, const char *value,
	     size_t value_size)
{
	struct nc_api_req *q = cls;

	(void)kind;
	if (key_size != 5 || memcmp(key, "since", 5) != 0)
		return MHD_YES;
	q->since_count++;
	if (value == NULL)
		value_size = 0;   /* "?since" without '=' reads as empty */
	q->since_cut = value_size >= sizeof(q->since) ||
		       (value_size != 0 && memchr(value, '\0', value_size) != NULL);
	snprintf(q->since, sizeof(q->since), "%.*s", (int)value_size, value_size != 0 ? value : "");
	return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
	   const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct mgmt_conn *mc = *con_cls;
	struct mgmt_req *r;
	int change, rc;

	(void)cls;
	(void)version;
	if (mc == NULL) {
		mc = calloc(1, sizeof(*mc));
		if (mc == NULL)
			return MHD_NO;
		*con_cls = mc;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		if (mc->len + *upload_size > MGMT_BODY_MAX) {
			mc->too_large = 1;
		} else {
			char *nb = realloc(mc->body, mc->len + *upload_size + 1);

			if (nb == NULL)
				return MHD_NO;
			mc->body = nb;
			memcpy(mc->body + mc->len, upload, *upload_size);
			mc->len += *upload_size;
			mc->body[mc->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (mc->too_large)
		return queue_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "request body larger than 64 KiB");
	/* never cut to fit: a cut path could name another resource */
	if (strlen(url) > NC_API_PATH_MAX)
		return queue_error(c, MHD_HTTP_URI_TOO_LONG, "request path longer than "
				   RTE_STR(NC_API_PATH_MAX) " bytes");
	change = strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
	/* the page itself holds no data: a browser on another host can open it
	 * (it cannot send a header for that) and then reads with the token */
	if (!change && (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0))
		return queue(c, MHD_HTTP_OK, "text/html; charset=utf-8", (char *)nc_www_index_html,
			     nc_www_index_html_len, MHD_RESPMEM_PERSISTENT);
	/* changes always need the token; reads too unless from loopback */
	if ((change || !from_loopback(c)) && !authorized(c))
		return queue_error(c, MHD_HTTP_UNAUTHORIZED, "missing or wrong bearer token");
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return MHD_NO;
	snprintf(r->req.method, sizeof(r->req.method), "%s", method);
	snprintf(r->req.path, sizeof(r->req.path), "%s", url);
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, on_query_arg, &r->req);
	r->req.body = mc->body;
	r->req.body_len = mc->len;
	mc->body = NULL;   /* the request owns it now */
	mc->len = 0;
	rc = ask_control(r);
	if (rc == -EBUSY) {
		free(r->req.body);
		free(r);
	}
	if (rc != 0)
		return queue_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				   rc == -EBUSY ? "too many requests in progress" :
				   "the control lcore did not answer in time");
	rc = queue(c, r->req.status, r->req.ctype, r->req.out, r->req.out_len, MHD_RESPMEM_MUST_FREE);
	free(r->req.body);
	free(r);
	return rc;
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode tc)
{
	struct mgmt_conn *mc = *con_cls;

	(void)cls;
	(void)c;
	(void)tc;
	if (mc == NULL)
		return;
	free(mc->body);
	free(mc);
	*con_cls = NULL;
}

/* Read the token: the file's first line without surrounding whitespace.
 * A regular file only, opened without blocking (a FIFO would stop the start). */
static int
token_load(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY), err;
	struct stat st = { 0 };
	char *s, *e;
	FILE *f;

	if (fd < 0) {
		err = errno;
		NC_LOG(ERR, APP, "management.token_file %s: %s", path, strerror(err));
		return -err;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		NC_LOG(ERR, APP, "management.token_file %s: %s", path,
		       err == EISDIR ? strerror(err) : "not a regular file");
		close(fd);
		return -err;
	}
	f = fdopen(fd, "r");
	if (f == NULL) {
		err = errno;
		close(fd);
		NC_LOG(ERR, APP, "management.token_file %s: %s", path, strerror(err));
		return -err;
	}
	if (fgets(mgmt_token, sizeof(mgmt_token), f) == NULL)
		mgmt_token[0] = '\0';
	fclose(f);
	for (s = mgmt_token; *s == ' ' || *s == '\t'; s++)
		;
	memmove(mgmt_token, s, strlen(s) + 1);
	e = mgmt_token + strlen(mgmt_token);
	while (e > mgmt_token && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	mgmt_token_len = strlen(mgmt_token);
	if (mgmt_token_len < 8) {
		NC_LOG(ERR, APP, "management.token_file %s: the token must be at least 8 characters", path);
		return -EINVAL;
	}
	return 0;
}

/* The server's PEM certificate and key, checked as --check does. */
static int
tls_load(struct nc_app *a)
{
	static struct nc_errors errs;
	unsigned int i;

	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		NC_LOG(ERR, APP, "management.tls_cert: this libmicrohttpd has no TLS support");
		return -ENOTSUP;
	}
	if (nc_config_tls_load(&a->cfg->management, a->config_path, &mgmt_tls_cert, &mgmt_tls_key,
			       &errs) != 0) {
		for (i = 0; i < errs.n; i++)
			NC_LOG(ERR, APP, "%s", errs.line[i]);
		return -EINVAL;
	}
	return 0;
}

static void
tls_release(void)
{
	nc_config_tls_free(mgmt_tls_cert, mgmt_tls_key);
	mgmt_tls_cert = NULL;
	mgmt_tls_key = NULL;
}

int
nc_mgmt_init(struct nc_app *a)
{
	const struct nc_cfg_management *m = &a->cfg->management;
	struct MHD_OptionItem tls_opts[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, NULL },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, NULL },
		{ MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)(uintptr_t)MGMT_TLS_PRIORITIES },
		{ MHD_OPTION_END, 0, NULL },
	};
	unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_ERROR_LOG;
	char ip[INET6_ADDRSTRLEN + 2];
	struct sockaddr_storage ss;
	bool loopback;
	int r;

	if (!m->enabled)
		return 0;
	/* a relative token_file is next to the startup file */
	if (m->token_file[0] != '/' && strrchr(a->config_path, '/') != NULL) {
		char path[NC_PATH_MAX + 512];

		snprintf(path, sizeof(path), "%.*s/%s",
			 (int)(strrchr(a->config_path, '/') - a->config_path), a->config_path,
			 m->token_file);
		r = token_load(path);
	} else {
		r = token_load(m->token_file);
	}
	if (r != 0)
		return r;
	if (m->tls) {
		r = tls_load(a);
		if (r != 0)
			return r;
		flags |= MHD_USE_TLS;
		tls_opts[0].ptr_value = mgmt_tls_cert;
		tls_opts[1].ptr_value = mgmt_tls_key;
	} else {
		tls_opts[0].option = MHD_OPTION_END;
	}
	r = nc_api_init(a);
	if (r != 0)
		goto fail_tls;
	mgmt_ring = rte_ring_create("nc_mgmt", MGMT_RING_SIZE, rte_socket_id(), RING_F_SC_DEQ);
	if (mgmt_ring == NULL) {
		r = -rte_errno;
		goto fail_tls;
	}
	memset(&ss, 0, sizeof(ss));
	if (m->listen_v6) {
		struct sockaddr_in6 *sa6 = (struct sockaddr_in6 *)&ss;

		sa6->sin6_family = AF_INET6;
		sa6->sin6_port = htons(m->listen_port);
		memcpy(&sa6->sin6_addr, m->listen_ip6, 16);
		flags |= MHD_USE_IPv6;
		ip[0] = '[';
		inet_ntop(AF_INET6, m->listen_ip6, ip + 1, INET6_ADDRSTRLEN);
		strcat(ip, "]");
		loopback = IN6_IS_ADDR_LOOPBACK(&sa6->sin6_addr);
	} else {
		struct sockaddr_in *sa = (struct sockaddr_in *)&ss;

		sa->sin_family = AF_INET;
		sa->sin_port = htons(m->listen_port);
		sa->sin_addr.s_addr = htonl(m->listen_ip);
		nc_ip4_str(sa->sin_addr.s_addr, ip, sizeof(ip));
		loopback = (m->listen_ip >> 24) == 127;
	}
	mgmt_closing = 0;
	mgmt_daemon = MHD_start_daemon(flags, m->listen_port, NULL, NULL, on_request, a,
				       MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				       MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MGMT_CONN_LIMIT,
				       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)MGMT_CONN_TIMEOUT,
				       MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				       MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
				       MHD_OPTION_ARRAY, tls_opts,
				       MHD_OPTION_END);
	if (mgmt_daemon == NULL) {
		NC_LOG(ERR, APP, "management: cannot listen on %s:%u%s", ip, m->listen_port,
		       m->tls ? " over TLS" : "");
		rte_ring_free(mgmt_ring);
		mgmt_ring = NULL;
		r = -EADDRINUSE;
		goto fail_tls;
	}
	printf("management: listening on %s://%s:%u/\n", m->tls ? "https" : "http", ip,
	       m->listen_port);
	if (!m->tls && !loopback)
		NC_LOG(WARNING, APP, "management: %s is not loopback and there is no tls_cert/tls_key: "
		       "the token crosses the network in clear text", ip);
	return 0;
fail_tls:
	tls_release();
	return r;
}

unsigned int
nc_mgmt_poll(struct nc_app *a)
{
	struct mgmt_req *r;
	unsigned int n = 0;

	if (mgmt_ring == NULL)
		return 0;
	while (n < 16 && rte_ring_dequeue(mgmt_ring, (void **)&r) == 0) {
		int pending = REQ_PENDING;

		n++;
		if (__atomic_load_n(&r->state, __ATOMIC_ACQUIRE) == REQ_PENDING)
			nc_api_handle(a, &r->req);
		if (!__atomic_compare_exchange_n(&r->state, &pending, REQ_DONE, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE)) {
			/* the connection gave up waiting: nobody will read it */
			free(r->req.out);
			free(r->req.body);
			free(r);
		}
	}
	return n;
}

void
nc_mgmt_fini(struct nc_app *a)
{
	struct mgmt_req *r;

	if (mgmt_daemon == NULL)
		return;
	mgmt_closing = 1;
	/* answer what is queued, so no connection thread waits on us */
	while (nc_mgmt_poll(a) != 0)
		;
	MHD_stop_daemon(mgmt_daemon);
	mgmt_daemon = NULL;
	while (rte_ring_dequeue(mgmt_ring, (void **)&r) == 0) {
		free(r->req.out);
		free(r->req.body);
		free(r);
	}
	rte_ring_free(mgmt_ring);
	mgmt_ring = NULL;
	tls_release();
	nc_api_fini(a);
}
