/* SPDX-License-Identifier: BSD-3-Clause
 * netchestra-ctl: command-line client of the appliance's management API.
 *   netchestra-ctl [--url URL] [--token-file F] [--cacert F | --insecure] [--json]
 *                  [--timeout S] COMMAND [ARGS]
 * Exit status: 0 ok, 1 the API answered an error, 2 usage, 3 cannot connect / timeout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "ctl_format.h"

#ifndef NC_VERSION
#define NC_VERSION "unknown"
#endif

#define PROG "netchestra-ctl"
#define DEFAULT_URL "http://127.0.0.1:9180"
#define DEFAULT_TIMEOUT_MS 5000L
#define MAX_TIMEOUT_S 3600.0
#define MAX_REPLY (64u << 20)   /* a bigger answer is not the appliance's */
#define MAX_TOKEN_FILE 4096

enum { EXIT_OK = 0, EXIT_API = 1, EXIT_USAGE = 2, EXIT_CONNECT = 3 };

struct ctl {
	char *url;               /* base URL without trailing '/' */
	const char *token_file;
	char *token_buf;         /* holds the token once loaded */
	const char *token;
	const char *cacert;      /* https: the CA (or self-signed certificate) to trust */
	bool insecure;           /* https: no certificate check */
	bool json;
	long timeout_ms;
	bool weight_set;
	uint64_t weight;         /* add --weight */
	bool since_set;
	uint64_t since;          /* events --since */
	CURL *curl;
};

struct reply {
	long status;
	char *body;
	size_t len, cap;
	bool too_big;
};

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [options] COMMAND [ARGS]\n"
		"Client of the Netchestra management API.\n"
		"\n"
		"commands:\n"
		"  services                    every service and its servers\n"
		"  service NAME                one service in detail\n"
		"  drain SVC SRV               no new flows to SRV, its flows finish (weight 0)\n"
		"  enable SVC SRV              SRV follows its probes again, at its earlier weight\n"
		"  down SVC SRV                no new flows, SRV's held requests replayed elsewhere\n"
		"  weight SVC SRV N            SRV gets weight N (1..100), the others share the rest\n"
		"  add SVC SRV ADDR:PORT [--weight N]\n"
		"                              add a server (default weight: an equal share);\n"
		"                              an IPv6 ADDR in brackets: [fd00:201::14]:8080\n"
		"  remove SVC SRV              no new flows; SRV leaves once its flows and held\n"
		"                              requests are done\n"
		"  adaptive SVC KEY=VALUE...   change the weight controller: enabled=true|false,\n"
		"                              mode=paper|fast, interval_ms=N, step=N, min_weight=N\n"
		"  client-address SVC MODE     what new flows tell SVC's servers of the client:\n"
		"                              none|proxy-v1|proxy-v2|toa (open flows keep theirs)\n"
		"  events [--since ID]         fail-over and state events after event ID (0: all kept)\n"
		"  metrics                     the Prometheus metrics, as served\n"
		"  cluster                     this dispatcher, its peers (state, last heard, rtt,\n"
		"                              configuration match, weights) and the channel\n"
		"  cluster drain|resume        withdraw the VIPs from the routers (flows they\n"
		"                              still send are served), or announce them again\n"
		"\n"
		"options:\n"
		"  --url URL          API address (default: $NETCHESTRA_URL, else " DEFAULT_URL ")\n"
		"  --token-file FILE  file holding the bearer token changes need\n"
		"                     (default: the token in $NETCHESTRA_TOKEN)\n"
		"  --cacert FILE      https: trust the CA certificate(s) in this PEM file (a\n"
		"                     self-signed server certificate itself will do) instead of\n"
		"                     the system's (default: $NETCHESTRA_CACERT)\n"
		"  --insecure         https: do not check the server's certificate (the token\n"
		"                     is then sent to whoever answers)\n"
		"  --json             print the API's JSON answer instead of tables\n"
		"  --timeout SECONDS  give up after this long (default 5)\n"
		"  -h, --help         this text\n"
		"  --version          print the version\n"
		"Proxy environment variables are ignored: the API is reached directly.\n"
		"\n"
		"exit status: 0 ok, 1 the API answered an error, 2 usage error,\n"
		"             3 cannot connect or no answer in time\n");
}

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(" PROG " --help lists the commands and options)\n", stderr);
	return EXIT_USAGE;
}

/* ------------------------------------------------------------------ token */

/* Load the token from --token-file or $NETCHESTRA_TOKEN. Returns 0 or an exit code. */
static int
load_token(struct ctl *c)
{
	const char *env = getenv("NETCHESTRA_TOKEN");
	const char *from;
	char *tok = NULL;
	size_t n;
	FILE *f;
	int rc;

	if (c->token != NULL)
		return 0;
	if (c->token_file != NULL) {
		from = c->token_file;
		f = fopen(c->token_file, "r");
		if (f == NULL) {
			fprintf(stderr, PROG ": cannot read token file %s: %s\n", c->token_file,
				strerror(errno));
			return EXIT_USAGE;
		}
		c->token_buf = malloc(MAX_TOKEN_FILE + 1);
		if (c->token_buf == NULL) {
			fclose(f);
			fprintf(stderr, PROG ": out of memory\n");
			return EXIT_API;
		}
		n = fread(c->token_buf, 1, MAX_TOKEN_FILE + 1, f);
		rc = ferror(f);
		fclose(f);
		if (rc != 0 || n > MAX_TOKEN_FILE) {
			fprintf(stderr, PROG ": token file %s: %s\n", c->token_file,
				rc != 0 ? "read error" : "too large for a token");
			return EXIT_USAGE;
		}
		c->token_buf[n] = '\0';
		if (strlen(c->token_buf) != n) {
			fprintf(stderr, PROG ": token file %s holds a NUL byte\n", c->token_file);
			return EXIT_USAGE;
		}
	} else if (env != NULL) {
		from = "NETCHESTRA_TOKEN";
		c->token_buf = strdup(env);
		if (c->token_buf == NULL) {
			fprintf(stderr, PROG ": out of memory\n");
			return EXIT_API;
		}
	} else {
		fprintf(stderr, PROG ": changes need the API token: --token-file FILE "
			"or NETCHESTRA_TOKEN\n");
		return EXIT_USAGE;
	}
	rc = nc_ctl_token_trim(c->token_buf, &tok);
	if (rc == -ENODATA) {
		fprintf(stderr, PROG ": the token in %s is empty\n", from);
		return EXIT_USAGE;
	}
	if (rc < 0) {
		fprintf(stderr, PROG ": the token in %s holds a control or non-ASCII "
			"character\n", from);
		return EXIT_USAGE;
	}
	c->token = tok;
	return 0;
}

/* ------------------------------------------------------------------- HTTP */

static size_t
on_data(char *p, size_t size, size_t n, void *ud)
{
	struct reply *r = ud;
	size_t add = size * n;

	if (add > MAX_REPLY - r->len) {
		r->too_big = true;
		return 0;
	}
	if (r->len + add + 1 > r->cap) {
		size_t cap = r->cap != 0 ? r->cap : 4096;
		char *b;

		while (cap < r->len + add + 1)
			cap *= 2;
		b = realloc(r->body, cap);
		if (b == NULL)
			return 0;
		r->body = b;
		r->cap = cap;
	}
	memcpy(r->body + r->len, p, add);
	r->len += add;
	r->body[r->len] = '\0';
	return add;
}

static void
reply_free(struct reply *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/*
 * <method> <path> (path from the API root, already escaped) with the JSON
 * <body> (may be NULL). Changes carry the bearer token. Returns 0 when an
 * HTTP answer arrived (any status, in <r>), else the exit code after
 * printing why.
 */
static int
http(struct ctl *c, const char *method, const char *path, const json_t *body,
     struct reply *r)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL, *h;
	char *url = NULL, *auth = NULL, *text = NULL;
	bool change = strcmp(method, "GET") != 0;
	CURLcode cc;
	int rc = EXIT_API;

	memset(r, 0, sizeof(*r));
	if (change) {
		rc = load_token(c);
		if (rc != 0)
			return rc;
		rc = EXIT_API;
	}
	if (asprintf(&url, "%s%s", c->url, path) < 0) {
		url = NULL;
		goto nomem;
	}
	curl_easy_reset(c->curl);
	h = curl_slist_append(hdr, "Accept: application/json");
	if (h == NULL)
		goto nomem;
	hdr = h;
	h = curl_slist_append(hdr, "Expect:");
	if (h == NULL)
		goto nomem;
	hdr = h;
	if (change) {
		if (asprintf(&auth, "Authorization: Bearer %s", c->token) < 0) {
			auth = NULL;
			goto nomem;
		}
		h = curl_slist_append(hdr, auth);
		if (h == NULL)
			goto nomem;
		hdr = h;
	}
	if (body != NULL) {
		text = json_dumps(body, JSON_COMPACT);
		if (text == NULL)
			goto nomem;
		h = curl_slist_append(hdr, "Content-Type: application/json");
		if (h == NULL)
			goto nomem;
		hdr = h;
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, text);
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
		curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	else if (strcmp(method, "POST") == 0 && body == NULL)
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, "");

	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, PROG "/" NC_VERSION);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->curl, CURLOPT_PROXY, "");
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, r);
	if (c->cacert != NULL)
		curl_easy_setopt(c->curl, CURLOPT_CAINFO, c->cacert);
	if (c->insecure) {
		curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}

	cc = curl_easy_perform(c->curl);
	if (cc == CURLE_OK) {
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &r->status);
		rc = 0;
	} else if (r->too_big) {
		fprintf(stderr, PROG ": %s %s: answer larger than %u MiB\n", method, url,
			MAX_REPLY >> 20);
		rc = EXIT_API;
	} else if (cc == CURLE_URL_MALFORMAT || cc == CURLE_UNSUPPORTED_PROTOCOL) {
		fprintf(stderr, PROG ": bad URL %s: %s\n", url,
			errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
		rc = EXIT_USAGE;
	} else if (cc == CURLE_OUT_OF_MEMORY || cc == CURLE_WRITE_ERROR) {
		goto nomem;
	} else if (cc == CURLE_PEER_FAILED_VERIFICATION) {
		fprintf(stderr, PROG ": cannot reach %s: %s\n(--cacert FILE trusts the certificate "
			"that signed the server's; --insecure skips the check)\n", c->url,
			errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
		rc = EXIT_CONNECT;
	} else if (cc == CURLE_GOT_NOTHING && strncasecmp(c->url, "http://", 7) == 0) {
		fprintf(stderr, PROG ": cannot reach %s: %s (an API served over TLS answers "
			"https://)\n", c->url, errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
		rc = EXIT_CONNECT;
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		fprintf(stderr, PROG ": no answer from %s within %.3g s\n", c->url,
			c->timeout_ms / 1000.0);
		rc = EXIT_CONNECT;
	} else {
		fprintf(stderr, PROG ": cannot reach %s: %s\n", c->url,
			errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
		rc = EXIT_CONNECT;
	}
	goto out;
nomem:
	fprintf(stderr, PROG ": out of memory\n");
	rc = EXIT_API;
out:
	if (rc != 0)
		reply_free(r);
	curl_slist_free_all(hdr);
	free(text);
	free(auth);
	free(url);
	return rc;
}

/* <s> escaped as one URL path segment, or NULL (out of memory, message printed). */
static char *
escape(struct ctl *c, const char *s)
{
	char *e = curl_easy_escape(c->curl, s, 0);

	if (e == NULL)
		fprintf(stderr, PROG ": out of memory\n");
	return e;
}

/*
 * Turn an HTTP answer into the command's result: an error status prints
 * "netchestra-ctl: <status> <error> (field <field>)" (exit 1); a 2xx answer
 * is parsed into <root>, and with --json printed pretty right here (<root>
 * then NULL). Returns 0 or the exit code. Frees <r>.
 */
static int
answer(struct ctl *c, const char *method, const char *path, struct reply *r, json_t **root)
{
	json_error_t jerr;
	char msg[1024];
	int rc = 0;

	*root = NULL;
	if (r->status < 200 || r->status > 299) {
		nc_ctl_format_api_error(msg, sizeof(msg), r->status, r->body, r->len);
		fprintf(stderr, PROG ": %s\n", msg);
		reply_free(r);
		return EXIT_API;
	}
	*root = json_loadb(r->body != NULL ? r->body : "", r->len, 0, &jerr);
	if (*root == NULL) {
		fprintf(stderr, PROG ": %s %s answered %ld but not with JSON: %s\n", method, path,
			r->status, jerr.text);
		rc = EXIT_API;
	} else if (c->json) {
		if (json_dumpf(*root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) < 0) {
			fprintf(stderr, PROG ": cannot write the answer\n");
			rc = EXIT_API;
		}
		fputc('\n', stdout);
		json_decref(*root);
		*root = NULL;
	}
	reply_free(r);
	return rc;
}

/* Send and read the answer: <root> is the parsed JSON to print, NULL when it was
 * printed already (--json). Returns 0 or the exit code. */
static int
call(struct ctl *c, const char *method, const char *path, const json_t *body, json_t **root)
{
	struct reply r;
	int rc;

	*root = NULL;
	rc = http(c, method, path, body, &r);
	if (rc != 0)
		return rc;
	return answer(c, method, path, &r, root);
}

/* --------------------------------------------------------------- commands */

/* GET <path> and print the answer with <print>; <shape> names what a
 * malformed answer lacks. */
static int
get_print(struct ctl *c, const char *path, int (*print)(FILE *, const json_t *), const char *shape)
{
	json_t *root;
	int rc;

	rc = call(c, "GET", path, NULL, &root);
	if (rc != 0 || root == NULL)
		return rc;
	rc = print(stdout, root);
	json_decref(root);
	if (rc == -EINVAL) {
		fprintf(stderr, PROG ": unexpected answer: %s\n", shape);
		return EXIT_API;
	}
	if (rc < 0) {
		fprintf(stderr, PROG ": out of memory\n");
		return EXIT_API;
	}
	return 0;
}

static int
cmd_services(struct ctl *c, char **arg, int n)
{
	(void)arg;
	(void)n;
	return get_print(c, "/api/v1/services", nc_ctl_print_services, "no \"services\" list");
}

static int
cmd_service(struct ctl *c, char **arg, int n)
{
	char *svc, *path = NULL;
	int rc;

	(void)n;
	svc = escape(c, arg[0]);
	if (svc == NULL || asprintf(&path, "/api/v1/services/%s", svc) < 0) {
		curl_free(svc);
		fprintf(stderr, PROG ": out of memory\n");
		return EXIT_API;
	}
	curl_free(svc);
	rc = get_print(c, path, nc_ctl_print_service, "not a service object");
	free(path);
	return rc;
}

/* <method> on /api/v1/services/SVC/servers[/SRV] with <body>; prints the
 * confirmation line from the SERVER answered. */
static int
server_change(struct ctl *c, const char *method, const char *svc_name, const char *srv_name,
	      bool on_server, json_t *body, bool added)
{
	char *svc = NULL, *srv = NULL, *path = NULL;
	json_t *root = NULL;
	int rc, n;

	svc = escape(c, svc_name);
	if (svc == NULL)
		return EXIT_API;
	if (on_server) {
		srv = escape(c, srv_name);
		if (srv == NULL) {
			curl_free(svc);
			return EXIT_API;
		}
		n = asprintf(&path, "/api/v1/services/%s/servers/%s", svc, srv);
	} else {
		n = asprintf(&path, "/api/v1/services/%s/servers", svc);
	}
	curl_free(svc);
	curl_free(srv);
	if (n < 0) {
		fprintf(stderr, PROG ": out of memory\n");
		return EXIT_API;
	}
	rc = call(c, method, path, body, &root);
	free(path);
	if (rc != 0 || root == NULL)
		return rc;
	nc_ctl_print_server_change(stdout, svc_name, srv_name, root, added);
	json_decref(root);
	return 0;
}

/* PATCH a server with {<key>: <val>} (val stolen). */
static int
patch_server(struct ctl *c, char **arg, const char *key, json_t *val)
{
	json_t *body = json_object();
	int rc;

	if (body == NULL || val == NULL || json_object_set_new(body, key, val) < 0) {
		json_decref(body);
		fprintf(stderr, PROG ": out of memory\n");
		return EXIT_API;
	}
	rc = server_change(c, "PATCH", arg[0], arg[1], true, body, false);
	json_decref(body);
	return rc;
}

static int
cmd_drain(struct ctl *c, char **arg, int n)
{
	(void)n;
	return patch_server(c, arg, "state", json_string("drain"));
}

static int
cmd_enable(struct ctl *c, char **arg, int n)
{
	(void)n;
	return patch_server(c, arg, "state", json_string("up"));
}

static int
cmd_down(struct ctl *c, char **arg, int n)
{
	(void)n;
	return patch_server(c, arg, "state", json_string("down"));
}

static int
cmd_weight(struct ctl *c, char **arg, int n)
{
	uint64_t w;

	(void)n;
	if (nc_ctl_parse_u64(arg[2], 1, 100, &w) < 0)
		return usage_error("weight: N must be a whole number 1..100, got '%s'", arg[2]);
	return patch_server(c, arg, "weight", json_integer((json_int_t)w));
}

static int
cmd_add(struct ctl *c, char **arg, int n)
{
	char addr[NC_CTL_ADDR_MAX];
	uint16_t port;
	json_t *body;
	int rc;

	(void)n;
	if (nc_ctl_parse_addr_port(arg[2], addr, &port) < 0)
		return usage_error("add: '%s' is not IPV4ADDRESS:PORT or [IPV6ADDRESS]:PORT "
				   "(port 1..65535)", arg[2]);
	body = json_pack("{s:s, s:s, s:i}", "name", arg[1], "address", addr, "port", (int)port);
	if (body != NULL && c->weight_set &&
	    json_object_set_new(body, "weight", json_integer((json_int_t)c->weight)) < 0) {
		json_decref(body);
		body = NULL;
	}
	if (body == NULL) {
		fprintf(stderr, PROG ": cannot build the request (server name not UTF-8?)\n");
		return EXIT_USAGE;
	}
	rc = server_change(c, "POST", arg[0], arg[1], false, body, true);
	json_decref(body);
	return rc;
}

static int
cmd_remove(struct ctl *c, char **arg, int n)
{
	(void)n;
	return server_change(c, "DELETE", arg[0], arg[1], true, NULL, false);
}

/* PATCH service <name> with <body> (consumed; NULL: out of memory); the
 * answer in *<root> on success. Returns 0 or the exit code. */
static int
patch_service(struct ctl *c, const char *name, json_t *body, json_t **root)
{
	char *svc = escape(c, name), *path = NULL;
	int rc;

	if (body == NULL || svc == NULL || asprintf(&path, "/api/v1/services/%s", svc) < 0) {
		curl_free(svc);
		json_decref(body);
		fprintf(stderr, PROG ": out of memory\n");
		return EXIT_API;
	}
	curl_free(svc);
	rc = call(c, "PATCH", path, body, root);
	free(path);
	json_decref(body);
	return rc;
}

/* client-address SVC MODE: the mode new flows of SVC open with */
static int
cmd_client_address(struct ctl *c, char **arg, int n)
{
	static const char *const modes[] = { "none", "proxy-v1", "proxy-v2", "toa" };
	json_t *root = NULL, *ca;
	unsigned int i;
	int rc;

	(void)n;
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]) && strcmp(arg[1], modes[i]) != 0; i++)
		;
	if (i == sizeof(modes) / sizeof(modes[0]))
		return usage_error("client-address: '%s' is not none, proxy-v1, proxy-v2 or toa", arg[1]);
	rc = patch_service(c, arg[0], json_pack("{s:s}", "client_address", arg[1]), &root);
	if (rc != 0 || root == NULL)
		return rc;
	ca = json_object_get(json_object_get(root, "client_address"), "mode");
	printf("%s: client_address %s for new flows\n", arg[0],
	       json_is_string(ca) ? json_string_value(ca) : "?");
	json_decref(root);
	return 0;
}

static int
cmd_adaptive(struct ctl *c, char **arg, int n)
{
	json_t *ad = json_object(), *root = NULL;
	char err[256];
	int i, rc;

	if (ad == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return EXIT_API;
	}
	for (i = 1; i < n; i++) {
		rc = nc_ctl_adaptive_add(ad, arg[i], err, sizeof(err));
		if (rc < 0) {
			json_decref(ad);
			if (rc == -ENOMEM) {
				fprintf(stderr, PROG ": out of memory\n");
				return EXIT_API;
			}
			return usage_error("adaptive: %s", err);
		}
	}
	rc = patch_service(c, arg[0], json_pack("{s:o}", "adaptive", ad), &root);   /* steals ad */
	if (rc != 0 || root == NULL)
		return rc;
	nc_ctl_print_adaptive_change(stdout, arg[0], root);
	json_decref(root);
	return 0;
}

static int
cmd_events(struct ctl *c, char **arg, int n)
{
	char path[64];

	(void)arg;
	(void)n;
	snprintf(path, sizeof(path), "/api/v1/events?since=%llu",
		 (unsigned long long)(c->since_set ? c->since : 0));
	return get_print(c, path, nc_ctl_print_events, "no \"events\" list");
}

static int
cmd_metrics(struct ctl *c, char **arg, int n)
{
	char msg[1024];
	struct reply r;
	int rc;

	(void)arg;
	(void)n;
	rc = http(c, "GET", "/metrics", NULL, &r);
	if (rc != 0)
		return rc;
	if (r.status < 200 || r.status > 299) {
		nc_ctl_format_api_error(msg, sizeof(msg), r.status, r.body, r.len);
		fprintf(stderr, PROG ": %s\n", msg);
		rc = EXIT_API;
	} else if (r.len > 0 && fwrite(r.body, 1, r.len, stdout) != r.len) {
		fprintf(stderr, PROG ": cannot write the metrics\n");
		rc = EXIT_API;
	}
	reply_free(&r);
	return rc;
}

/* cluster: the channel's view; cluster drain | resume: withdraw the VIPs from
 * the routers, or announce them again */
static int
cmd_cluster(struct ctl *c, char **arg, int n)
{
	json_t *root = NULL, *vips;
	const char *what = n > 0 ? arg[0] : "";
	size_t i;
	int rc;

	if (n == 0)
		return get_print(c, "/api/v1/cluster", nc_ctl_print_cluster, "not a cluster object");
	if (strcmp(what, "drain") != 0 && strcmp(what, "resume") != 0)
		return usage_error("cluster: '%s' is not drain or resume", what);
	rc = call(c, "POST", strcmp(what, "drain") == 0 ? "/api/v1/cluster/drain" : "/api/v1/cluster/resume",
		  NULL, &root);
	if (rc != 0 || root == NULL)
		return rc;
	vips = json_object_get(root, "announced");
	printf("%s; announced:", json_is_true(json_object_get(root, "draining")) ? "draining" : "serving");
	for (i = 0; i < json_array_size(vips); i++)
		printf(" %s", json_string_value(json_array_get(vips, i)));
	printf("%s\n", json_array_size(vips) == 0 ? " none" : "");
	json_decref(root);
	return 0;
}

struct cmd {
	const char *name;
	const char *args;    /* for the usage message */
	int min_args, max_args;   /* after the command name; -1: no limit */
	int (*run)(struct ctl *c, char **arg, int n);
};

static const struct cmd cmds[] = {
	{ "services", "", 0, 0, cmd_services },
	{ "service", "NAME", 1, 1, cmd_service },
	{ "drain", "SVC SRV", 2, 2, cmd_drain },
	{ "enable", "SVC SRV", 2, 2, cmd_enable },
	{ "down", "SVC SRV", 2, 2, cmd_down },
	{ "weight", "SVC SRV N", 3, 3, cmd_weight },
	{ "add", "SVC SRV ADDR:PORT [--weight N]", 3, 3, cmd_add },
	{ "remove", "SVC SRV", 2, 2, cmd_remove },
	{ "adaptive", "SVC KEY=VALUE...", 2, -1, cmd_adaptive },
	{ "client-address", "SVC MODE", 2, 2, cmd_client_address },
	{ "events", "[--since ID]", 0, 0, cmd_events },
	{ "metrics", "", 0, 0, cmd_metrics },
	{ "cluster", "[drain|resume]", 0, 1, cmd_cluster },
};

/* ------------------------------------------------------------------- main */

/* Base URL from --url / $NETCHESTRA_URL / the default, checked, without a
 * trailing '/'. Returns 0 or the exit code. */
static int
set_url(struct ctl *c, const char *url)
{
	const char *rest;
	size_t n;

	if (url == NULL)
		url = getenv("NETCHESTRA_URL");
	if (url == NULL || *url == '\0')
		url = DEFAULT_URL;
	if (strncasecmp(url, "http://", 7) == 0)
		rest = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		rest = url + 8;
	else
		return usage_error("URL '%s' must start with http:// or https://", url);
	if (*rest == '\0' || *rest == '/' || strpbrk(url, " \t\r\n?#") != NULL)
		return usage_error("URL '%s' has no host or holds a space, '?' or '#'", url);
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	c->url = strndup(url, n);
	if (c->url == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return EXIT_API;
	}
	return 0;
}

/* --cacert / --insecure (or $NETCHESTRA_CACERT) against the URL: only for
 * https, not both, and a CA file that can be read. Returns 0 or the exit code. */
static int
set_tls(struct ctl *c)
{
	bool https = strncasecmp(c->url, "https://", 8) == 0;
	const char *env = getenv("NETCHESTRA_CACERT");
	FILE *f;

	if (!https && (c->cacert != NULL || c->insecure))
		return usage_error("%s goes with an https:// URL (the URL is %s)",
				   c->insecure ? "--insecure" : "--cacert", c->url);
	if (c->cacert != NULL && c->insecure)
		return usage_error("--cacert and --insecure: give one (a CA to check with, or no check)");
	if (!https)
		return 0;
	if (c->cacert == NULL && !c->insecure && env != NULL && *env != '\0')
		c->cacert = env;
	if (c->cacert == NULL)
		return 0;
	f = fopen(c->cacert, "r");
	if (f == NULL) {
		fprintf(stderr, PROG ": cannot read the CA file %s: %s\n", c->cacert, strerror(errno));
		return EXIT_USAGE;
	}
	fclose(f);
	return 0;
}

enum { OPT_URL = 256, OPT_TOKEN_FILE, OPT_JSON, OPT_TIMEOUT, OPT_VERSION, OPT_WEIGHT,
       OPT_SINCE, OPT_CACERT, OPT_INSECURE };

static const struct option long_opts[] = {
	{ "url", required_argument, NULL, OPT_URL },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "weight", required_argument, NULL, OPT_WEIGHT },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "cacert", required_argument, NULL, OPT_CACERT },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ NULL, 0, NULL, 0 },
};

static int
run(int argc, char **argv, struct ctl *c)
{
	const char *url = NULL;
	const struct cmd *cmd = NULL;
	int opt, n, rc;
	size_t i;

	c->timeout_ms = DEFAULT_TIMEOUT_MS;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_URL:
			url = optarg;
			break;
		case OPT_TOKEN_FILE:
			c->token_file = optarg;
			break;
		case OPT_JSON:
			c->json = true;
			break;
		case OPT_TIMEOUT:
			if (nc_ctl_parse_seconds(optarg, MAX_TIMEOUT_S, &c->timeout_ms) < 0)
				return usage_error("--timeout: '%s' is not a number of seconds "
						   "above 0 and up to %.0f", optarg, MAX_TIMEOUT_S);
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case OPT_VERSION:
			printf(PROG " %s (libcurl %s, jansson %s)\n", NC_VERSION,
			       curl_version_info(CURLVERSION_NOW)->version, jansson_version_str());
			return EXIT_OK;
		case OPT_WEIGHT:
			if (nc_ctl_parse_u64(optarg, 1, 100, &c->weight) < 0)
				return usage_error("--weight: '%s' is not a whole number 1..100",
						   optarg);
			c->weight_set = true;
			break;
		case OPT_CACERT:
			c->cacert = optarg;
			break;
		case OPT_INSECURE:
			c->insecure = true;
			break;
		case OPT_SINCE:
			if (nc_ctl_parse_u64(optarg, 0, INT64_MAX, &c->since) < 0)
				return usage_error("--since: '%s' is not an event id", optarg);
			c->since_set = true;
			break;
		case ':':
			return usage_error("option %s needs a value", argv[optind - 1]);
		default:
			if (optopt != 0)
				return usage_error("unknown option -%c", optopt);
			return usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("no command given");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[optind], cmds[i].name) == 0)
			cmd = &cmds[i];
	if (cmd == NULL)
		return usage_error("unknown command '%s'", argv[optind]);
	n = argc - optind - 1;
	if (n < cmd->min_args || (cmd->max_args >= 0 && n > cmd->max_args)) {
		if (cmd->max_args == 0)
			return usage_error("%s takes no argument (use: " PROG " %s%s%s)",
					   cmd->name, cmd->name, cmd->args[0] != '\0' ? " " : "",
					   cmd->args);
		return usage_error("wrong arguments, use: " PROG " %s %s", cmd->name, cmd->args);
	}
	if (c->weight_set && cmd->run != cmd_add)
		return usage_error("--weight goes with add only (the weight command sets one)");
	if (c->since_set && cmd->run != cmd_events)
		return usage_error("--since goes with events only");
	for (i = 0; i < (size_t)n; i++)
		if (argv[optind + 1 + i][0] == '\0')
			return usage_error("%s: empty argument", cmd->name);
	rc = set_url(c, url);
	if (rc != 0)
		return rc;
	rc = set_tls(c);
	if (rc != 0)
		return rc;
	c->curl = curl_easy_init();
	if (c->curl == NULL) {
		fprintf(stderr, PROG ": cannot start libcurl\n");
		return EXIT_API;
	}
	rc = cmd->run(c, argv + optind + 1, n);
	if (fflush(stdout) != 0 && rc == 0) {
		fprintf(stderr, PROG ": cannot write the output: %s\n", strerror(errno));
		rc = EXIT_API;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	struct ctl c = { 0 };
	int rc;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, PROG ": cannot start libcurl\n");
		return EXIT_API;
	}
	rc = run(argc, argv, &c);
	if (c.curl != NULL)
		curl_easy_cleanup(c.curl);
	curl_global_cleanup();
	free(c.url);
	free(c.token_buf);
	return rc;
}
