/* SPDX-License-Identifier: BSD-3-Clause
 * netchestra-ctl: JSON -> human tables, and the argument parsers.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_format.h"
#include "nc_parse.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))
#define CELL_MAX 64   /* numbers and composed cells; strings are copied whole */

/* ------------------------------------------------------------ JSON values */

/* Copy of <s> with control characters replaced by '?', so names and texts
 * from the API cannot move the terminal's cursor. NULL on allocation failure. */
static char *
clean_dup(const char *s)
{
	char *d = strdup(s);
	char *p;

	if (d == NULL)
		return NULL;
	for (p = d; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return d;
}

static void
put_clean(FILE *out, const char *s)
{
	for (; *s != '\0'; s++)
		fputc(((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s, out);
}

/* <key> of object <o> as a string, or "-" (missing, not a string, <o> not an object). */
static const char *
jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "-";
}

/* <key> of <o> as a number; false when missing, not a number or not finite. */
static bool
jnum(const json_t *o, const char *key, double *v)
{
	json_t *j = json_object_get(o, key);

	if (!json_is_number(j))
		return false;
	*v = json_number_value(j);
	return isfinite(*v);
}

/* An integer count: "58", "-" when missing or not a number. */
static const char *
fmt_int(const json_t *o, const char *key, char *buf, size_t len)
{
	json_t *j = json_object_get(o, key);
	double v;

	if (json_is_integer(j))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
	else if (jnum(o, key, &v) && fabs(v) < 1e18)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "-");
	return buf;
}

/* A rate: "143.5". */
static const char *
fmt_rate(const json_t *o, const char *key, char *buf, size_t len)
{
	double v;

	if (jnum(o, key, &v))
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "-");
	return buf;
}

/* A response time in microseconds as the appliance's status line shows it:
 * "850us", "12.3ms", "2.5s"; "-" for 0 (no sample in the interval). */
static const char *
fmt_rt(const json_t *o, const char *key, char *buf, size_t len)
{
	double v;

	if (!jnum(o, key, &v) || v <= 0)
		snprintf(buf, len, "-");
	else if (v < 1000)
		snprintf(buf, len, "%.0fus", v);
	else if (v < 10e6)
		snprintf(buf, len, "%.1fms", v / 1000.0);
	else
		snprintf(buf, len, "%.1fs", v / 1e6);
	return buf;
}

/* A byte count: "900B", "120.6KiB", "1.5GiB". */
static const char *
fmt_bytes(const json_t *o, const char *key, char *buf, size_t len)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v;
	unsigned int u = 0;

	if (!jnum(o, key, &v) || v < 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (v < 1024) {
		snprintf(buf, len, "%.0fB", v);
		return buf;
	}
	v /= 1024;
	while (v >= 1023.95 && u + 1 < DIM(unit)) {   /* "%.1f" would show 1024.0 */
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f%s", v, unit[u]);
	return buf;
}

/* "10.201.0.11:8080" from "address" and "port" ("[::1]:80" for IPv6 text),
 * "-" without an address. */
static const char *
fmt_addr(const json_t *o, const char *addr_key, const char *port_key, char *buf, size_t len)
{
	const char *a = json_string_value(json_object_get(o, addr_key));
	char port[CELL_MAX];

	fmt_int(o, port_key, port, sizeof(port));
	if (a == NULL)
		snprintf(buf, len, "-");
	else if (strchr(a, ':') != NULL)
		snprintf(buf, len, "[%s]:%s", a, port);
	else
		snprintf(buf, len, "%s:%s", a, port);
	return buf;
}

/* "on" / "off" / "-" of a boolean member. */
static const char *
fmt_bool(const json_t *o, const char *key)
{
	json_t *j = json_object_get(o, key);

	if (!json_is_boolean(j))
		return "-";
	return json_is_true(j) ? "on" : "off";
}

/* "2025-11-25 17:20:34.123" in local time from Unix seconds. */
static const char *
fmt_time(const json_t *o, const char *key, char *buf, size_t len)
{
	double v, ip;
	time_t s;
	struct tm tm;
	long ms;
	size_t n;

	if (!jnum(o, key, &v) || v < 0 || v > 253402300799.0) {   /* up to year 9999 */
		snprintf(buf, len, "-");
		return buf;
	}
	ms = lround(modf(v, &ip) * 1000.0);
	s = (time_t)ip;
	if (ms >= 1000) {
		s++;
		ms -= 1000;
	}
	if (localtime_r(&s, &tm) == NULL ||
	    (n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm)) == 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	snprintf(buf + n, len - n, ".%03ld", ms);
	return buf;
}

/* ------------------------------------------------------------------ table */

struct col {
	const char *head;
	bool right;   /* numbers are right-aligned */
};

struct table {
	const struct col *col;
	unsigned int n_col;
	unsigned int n_row, cap_row;
	char **cell;   /* n_row * n_col, cleaned copies */
	bool nomem;
};

/* Width on a terminal: UTF-8 continuation bytes take no column. */
static size_t
text_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* Append a row of n_col values (copied). On allocation failure the table is
 * marked and nothing more is added. */
static void
table_add(struct table *t, const char *const *val)
{
	unsigned int c;
	char **row;

	if (t->nomem)
		return;
	if (t->n_row == t->cap_row) {
		unsigned int cap = t->cap_row != 0 ? t->cap_row * 2 : 8;
		char **cell = realloc(t->cell, (size_t)cap * t->n_col * sizeof(*cell));

		if (cell == NULL) {
			t->nomem = true;
			return;
		}
		t->cell = cell;
		t->cap_row = cap;
	}
	row = t->cell + (size_t)t->n_row * t->n_col;
	for (c = 0; c < t->n_col; c++) {
		row[c] = clean_dup(val[c]);
		if (row[c] == NULL) {
			while (c-- > 0)
				free(row[c]);
			t->nomem = true;
			return;
		}
	}
	t->n_row++;
}

static void
table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < (size_t)t->n_row * t->n_col; i++)
		free(t->cell[i]);
	free(t->cell);
	t->cell = NULL;
	t->n_row = t->cap_row = 0;
}

static void
put_cell(FILE *out, const char *s, size_t width, bool right, bool last)
{
	size_t w = text_width(s), pad = width > w ? width - w : 0;

	if (right)
		fprintf(out, "%*s", (int)pad, "");
	fputs(s, out);
	if (!right && !last)
		fprintf(out, "%*s", (int)pad, "");
}

/* Print the heads and rows, columns two spaces apart, no trailing blanks.
 * Returns 0 or -ENOMEM (nothing printed). */
static int
table_print(FILE *out, const struct table *t)
{
	size_t width[32];
	unsigned int r, c;

	if (t->nomem || t->n_col > DIM(width))
		return -ENOMEM;
	for (c = 0; c < t->n_col; c++) {
		width[c] = text_width(t->col[c].head);
		for (r = 0; r < t->n_row; r++) {
			size_t w = text_width(t->cell[(size_t)r * t->n_col + c]);

			if (w > width[c])
				width[c] = w;
		}
	}
	for (r = 0; r <= t->n_row; r++) {
		for (c = 0; c < t->n_col; c++) {
			const char *s = r == 0 ? t->col[c].head
					       : t->cell[(size_t)(r - 1) * t->n_col + c];

			if (c > 0)
				fputs("  ", out);
			put_cell(out, s, width[c], t->col[c].right, c + 1 == t->n_col);
		}
		fputc('\n', out);
	}
	return 0;
}

/* ---------------------------------------------------------------- service */

/* "web 10.200.0.1:80/tcp adaptive fast failsafe on (held 3, replays 5, resets 0)" */
static void
print_service_head(FILE *out, const json_t *svc)
{
	const json_t *ad = json_object_get(svc, "adaptive");
	const json_t *fs = json_object_get(svc, "failsafe");
	json_t *en;
	char addr[CELL_MAX + 64], a[CELL_MAX], b[CELL_MAX], c[CELL_MAX];

	put_clean(out, jstr(svc, "name"));
	fputc(' ', out);
	put_clean(out, fmt_addr(svc, "vip", "port", addr, sizeof(addr)));
	fputc('/', out);
	put_clean(out, jstr(svc, "proto"));

	fputs(" adaptive ", out);
	en = json_object_get(ad, "enabled");
	if (json_is_false(en))
		fputs("off", out);
	else if (json_is_true(en))
		put_clean(out, jstr(ad, "mode"));
	else
		fputc('-', out);

	fputs(" failsafe ", out);
	en = json_object_get(fs, "enabled");
	if (json_is_true(en))
		fprintf(out, "on (held %s, replays %s, resets %s)",
			fmt_int(fs, "held_now", a, sizeof(a)), fmt_int(fs, "replays", b, sizeof(b)),
			fmt_int(fs, "resets", c, sizeof(c)));
	else
		fputs(json_is_false(en) ? "off" : "-", out);
	fputc('\n', out);
}

/* What the server does now in one word: its admin state, except "probe-down"
 * for a server that follows its probes ("up") while the probes fail. */
static const char *
server_state(const json_t *srv)
{
	const char *state = jstr(srv, "state");

	if (strcmp(state, "up") == 0 && strcmp(jstr(srv, "health"), "down") == 0)
		return "probe-down";
	return state;
}

static const struct col brief_cols[] = {
	{ "SERVER", false }, { "ADDRESS", false }, { "STATE", false }, { "WEIGHT", true },
	{ "RT_AVG", true }, { "RT_P99", true }, { "FLOWS", true }, { "REQ/S", true },
	{ "HELD", true }, { "REPLAYS", true },
};

static void
brief_row(struct table *t, const json_t *srv)
{
	char addr[CELL_MAX + 64], w[CELL_MAX], ra[CELL_MAX], rp[CELL_MAX], fl[CELL_MAX];
	char rq[CELL_MAX], h[CELL_MAX], rep[CELL_MAX];
	const char *v[DIM(brief_cols)] = {
		jstr(srv, "name"), fmt_addr(srv, "address", "port", addr, sizeof(addr)),
		server_state(srv), fmt_int(srv, "weight", w, sizeof(w)),
		fmt_rt(srv, "rt_avg_us", ra, sizeof(ra)), fmt_rt(srv, "rt_p99_us", rp, sizeof(rp)),
		fmt_int(srv, "flows_active", fl, sizeof(fl)),
		fmt_rate(srv, "requests_per_s", rq, sizeof(rq)), fmt_int(srv, "held", h, sizeof(h)),
		fmt_int(srv, "replays", rep, sizeof(rep)),
	};

	table_add(t, v);
}

static const struct col detail_cols[] = {
	{ "SERVER", false }, { "ADDRESS", false }, { "STATE", false }, { "HEALTH", false },
	{ "WEIGHT", true }, { "RT_AVG", true }, { "RT_P99", true }, { "FLOWS", true },
	{ "FLOWS_ALL", true }, { "REQUESTS", true }, { "REQ/S", true }, { "BYTES", true },
	{ "HELD", true }, { "REPLAYS", true }, { "PROBES_OK/BAD", true }, { "DOWNS", true },
};

static void
detail_row(struct table *t, const json_t *srv)
{
	char addr[CELL_MAX + 64], w[CELL_MAX], ra[CELL_MAX], rp[CELL_MAX], fl[CELL_MAX];
	char fa[CELL_MAX], rn[CELL_MAX], rq[CELL_MAX], by[CELL_MAX], h[CELL_MAX];
	char rep[CELL_MAX], pg[CELL_MAX], pb[CELL_MAX], pr[2 * CELL_MAX + 2], dc[CELL_MAX];
	const char *v[DIM(detail_cols)];

	snprintf(pr, sizeof(pr), "%s/%s", fmt_int(srv, "probes_good", pg, sizeof(pg)),
		 fmt_int(srv, "probes_bad", pb, sizeof(pb)));
	v[0] = jstr(srv, "name");
	v[1] = fmt_addr(srv, "address", "port", addr, sizeof(addr));
	v[2] = jstr(srv, "state");
	v[3] = jstr(srv, "health");
	v[4] = fmt_int(srv, "weight", w, sizeof(w));
	v[5] = fmt_rt(srv, "rt_avg_us", ra, sizeof(ra));
	v[6] = fmt_rt(srv, "rt_p99_us", rp, sizeof(rp));
	v[7] = fmt_int(srv, "flows_active", fl, sizeof(fl));
	v[8] = fmt_int(srv, "flows", fa, sizeof(fa));
	v[9] = fmt_int(srv, "requests", rn, sizeof(rn));
	v[10] = fmt_rate(srv, "requests_per_s", rq, sizeof(rq));
	v[11] = fmt_bytes(srv, "bytes", by, sizeof(by));
	v[12] = fmt_int(srv, "held", h, sizeof(h));
	v[13] = fmt_int(srv, "replays", rep, sizeof(rep));
	v[14] = pr;
	v[15] = fmt_int(srv, "down_count", dc, sizeof(dc));
	table_add(t, v);
}

/* Server table of <svc> with the brief or the detailed columns. */
static int
print_servers(FILE *out, const json_t *svc, bool detail)
{
	struct table t = {
		.col = detail ? detail_cols : brief_cols,
		.n_col = detail ? DIM(detail_cols) : DIM(brief_cols),
	};
	const json_t *servers = json_object_get(svc, "servers");
	size_t i;
	int rc;

	for (i = 0; i < json_array_size(servers); i++) {
		if (detail)
			detail_row(&t, json_array_get(servers, i));
		else
			brief_row(&t, json_array_get(servers, i));
	}
	rc = table_print(out, &t);
	table_free(&t);
	return rc;
}

int
nc_ctl_print_services(FILE *out, const json_t *root)
{
	const json_t *list = json_object_get(root, "services");
	size_t i;
	int rc;

	if (!json_is_array(list))
		return -EINVAL;
	if (json_array_size(list) == 0)
		fputs("no services\n", out);
	for (i = 0; i < json_array_size(list); i++) {
		const json_t *svc = json_array_get(list, i);

		if (i > 0)
			fputc('\n', out);
		print_service_head(out, svc);
		rc = print_servers(out, svc, false);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
nc_ctl_print_service(FILE *out, const json_t *svc)
{
	const json_t *ad = json_object_get(svc, "adaptive");
	const json_t *fs = json_object_get(svc, "failsafe");
	char a[CELL_MAX], b[CELL_MAX], c[CELL_MAX], d[CELL_MAX];

	if (!json_is_object(svc))
		return -EINVAL;
	print_service_head(out, svc);

	fputs("  scheduler ", out);
	put_clean(out, jstr(svc, "scheduler"));
	if (json_object_get(svc, "maglev_size") != NULL)   /* only a maglev service has it */
		fprintf(out, " (table %s, seed %s)", fmt_int(svc, "maglev_size", a, sizeof(a)),
			fmt_int(svc, "maglev_seed", b, sizeof(b)));
	fputs(", health ", out);
	put_clean(out, jstr(svc, "health"));
	fprintf(out, ", persistence %s s, flows %s open, %s req/s\n",
		fmt_int(svc, "persistence_s", a, sizeof(a)),
		fmt_int(svc, "flows_active", b, sizeof(b)),
		fmt_rate(svc, "requests_per_s", c, sizeof(c)));

	fprintf(out, "  adaptive %s, mode ", fmt_bool(ad, "enabled"));
	put_clean(out, jstr(ad, "mode"));
	fprintf(out, ", interval %s ms, step %s, min weight %s\n",
		fmt_int(ad, "interval_ms", a, sizeof(a)), fmt_int(ad, "step", b, sizeof(b)),
		fmt_int(ad, "min_weight", c, sizeof(c)));

	fprintf(out, "  failsafe %s, response timeout %s ms, max replays %s,",
		fmt_bool(fs, "enabled"), fmt_int(fs, "response_timeout_ms", a, sizeof(a)),
		fmt_int(fs, "max_replays", b, sizeof(b)));
	fprintf(out, " held %s now / %s in all,", fmt_int(fs, "held_now", c, sizeof(c)),
		fmt_int(fs, "held", d, sizeof(d)));
	fprintf(out, " replays %s, resets %s, store full %s\n",
		fmt_int(fs, "replays", a, sizeof(a)), fmt_int(fs, "resets", b, sizeof(b)),
		fmt_int(fs, "store_full", c, sizeof(c)));
	return print_servers(out, svc, true);
}

/* ----------------------------------------------------------------- events */

static const struct col event_cols[] = {
	{ "ID", true }, { "TIME", false }, { "KIND", false }, { "SERVICE", false },
	{ "SERVER", false }, { "TEXT", false },
};

int
nc_ctl_print_events(FILE *out, const json_t *root)
{
	const json_t *list = json_object_get(root, "events");
	struct table t = { .col = event_cols, .n_col = DIM(event_cols) };
	size_t i;
	int rc;

	if (!json_is_array(list))
		return -EINVAL;
	if (json_array_size(list) == 0) {
		fputs("no events\n", out);
		return 0;
	}
	for (i = 0; i < json_array_size(list); i++) {
		const json_t *ev = json_array_get(list, i);
		char id[CELL_MAX], tm[CELL_MAX];
		const char *v[DIM(event_cols)] = {
			fmt_int(ev, "id", id, sizeof(id)), fmt_time(ev, "t", tm, sizeof(tm)),
			jstr(ev, "kind"), jstr(ev, "service"), jstr(ev, "server"), jstr(ev, "text"),
		};

		table_add(&t, v);
	}
	rc = table_print(out, &t);
	table_free(&t);
	return rc;
}

/* ---------------------------------------------------------------- cluster */

/* Append <s> to <buf> (always terminated, cut when full). */
static void
cat(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);

	if (n + 1 < len)
		snprintf(buf + n, len - n, "%s", s);
}

/* "34/33/33" from a weights object {"n0": 34, ...}; "-" when not an object. */
static const char *
fmt_weights(const json_t *w, char *buf, size_t len)
{
	const char *k;
	json_t *v;
	bool first = true;

	buf[0] = '\0';
	if (!json_is_object(w)) {
		snprintf(buf, len, "-");
		return buf;
	}
	json_object_foreach((json_t *)w, k, v) {
		char n[CELL_MAX];

		(void)k;
		snprintf(n, sizeof(n), "%s%" JSON_INTEGER_FORMAT, first ? "" : "/",
			 json_is_integer(v) ? json_integer_value(v) : (json_int_t)0);
		cat(buf, len, n);
		first = false;
	}
	if (first)
		snprintf(buf, len, "-");
	return buf;
}

static const struct col cluster_cols[] = {
	{ "PEER", false }, { "ID", true }, { "STATE", false }, { "SAID", false },
	{ "HEARD", true }, { "RTT", true }, { "CONFIG", false }, { "WEIGHTS", false },
};

static void
cluster_row(struct table *t, const json_t *p)
{
	const json_t *svcs = json_object_get(p, "services");
	char addr[CELL_MAX + 64], id[CELL_MAX], heard[CELL_MAX], rtt[CELL_MAX];
	char cfg[256] = "", w[512] = "";
	bool known = false, same = true;
	double v;
	size_t i;

	for (i = 0; i < json_array_size(svcs); i++) {
		const json_t *x = json_array_get(svcs, i);
		const json_t *m = json_object_get(x, "digest_match");
		char ws[256];

		if (json_is_boolean(m)) {
			known = true;
			if (json_is_false(m)) {
				cat(cfg, sizeof(cfg), same ? "" : ",");
				cat(cfg, sizeof(cfg), jstr(x, "name"));
				same = false;
			}
		}
		if (json_is_object(json_object_get(x, "weights"))) {
			cat(w, sizeof(w), w[0] != '\0' ? "; " : "");
			cat(w, sizeof(w), jstr(x, "name"));
			cat(w, sizeof(w), " ");
			cat(w, sizeof(w), fmt_weights(json_object_get(x, "weights"), ws, sizeof(ws)));
		}
	}
	if (!known)
		snprintf(cfg, sizeof(cfg), "-");
	else if (same)
		snprintf(cfg, sizeof(cfg), "same");
	else
		cat(cfg, sizeof(cfg), " differ");
	if (w[0] == '\0')
		snprintf(w, sizeof(w), "-");
	if (jnum(p, "last_heard_ms", &v))
		snprintf(heard, sizeof(heard), "%.1fs", v / 1000.0);
	else
		snprintf(heard, sizeof(heard), "never");
	if (jnum(p, "rtt_ms", &v))
		snprintf(rtt, sizeof(rtt), "%.0fms", v);
	else
		snprintf(rtt, sizeof(rtt), "-");
	{
		const char *val[DIM(cluster_cols)] = {
			fmt_addr(p, "address", "port", addr, sizeof(addr)),
			fmt_int(p, "id", id, sizeof(id)), jstr(p, "state"), jstr(p, "said"), heard, rtt,
			cfg, w,
		};

		table_add(t, val);
	}
}

int
nc_ctl_print_cluster(FILE *out, const json_t *root)
{
	const json_t *en = json_object_get(root, "enabled");
	const json_t *peers = json_object_get(root, "peers");
	const json_t *svcs = json_object_get(root, "services");
	const json_t *ch = json_object_get(root, "channel");
	struct table t = { .col = cluster_cols, .n_col = DIM(cluster_cols) };
	char a[CELL_MAX], b[CELL_MAX], c[CELL_MAX], d[CELL_MAX], addr[CELL_MAX + 64];
	size_t i;
	int rc;

	if (!json_is_object(root) || !json_is_boolean(en))
		return -EINVAL;
	if (json_is_false(en)) {
		fputs("no cluster section (a single dispatcher)\n", out);
		return 0;
	}
	fprintf(out, "cluster id %s, ", fmt_int(root, "id", a, sizeof(a)));
	put_clean(out, jstr(root, "state"));
	fprintf(out, ", draining %s, channel ", fmt_bool(root, "draining"));
	put_clean(out, fmt_addr(root, "address", "sync_port", addr, sizeof(addr)));
	fprintf(out, " (heartbeat %s ms, dead %s ms)\n", fmt_int(root, "heartbeat_ms", b, sizeof(b)),
		fmt_int(root, "dead_ms", c, sizeof(c)));
	for (i = 0; i < json_array_size(peers); i++)
		cluster_row(&t, json_array_get(peers, i));
	rc = table_print(out, &t);
	table_free(&t);
	if (rc < 0)
		return rc;
	for (i = 0; i < json_array_size(svcs); i++) {
		const json_t *x = json_array_get(svcs, i);
		char ws[256];

		if (!json_is_true(json_object_get(x, "adaptive")))
			continue;
		put_clean(out, jstr(x, "name"));
		fprintf(out, ": %s, interval %s, merged from %s (%s partial), adopted %s, weights %s\n",
			json_is_true(json_object_get(x, "synced")) ? "synced" : "joining",
			fmt_int(x, "interval", a, sizeof(a)), fmt_int(x, "contributors", b, sizeof(b)),
			fmt_int(x, "merges_partial", c, sizeof(c)), fmt_int(x, "adopted", d, sizeof(d)),
			fmt_weights(json_object_get(x, "weights"), ws, sizeof(ws)));
	}
	fprintf(out, "channel: tx %s, rx ok %s", fmt_int(ch, "tx", a, sizeof(a)),
		fmt_int(ch, "rx_ok", b, sizeof(b)));
	fprintf(out, ", malformed %s, bad_auth %s", fmt_int(ch, "rx_malformed", a, sizeof(a)),
		fmt_int(ch, "rx_bad_auth", b, sizeof(b)));
	fprintf(out, ", replayed %s, version %s", fmt_int(ch, "rx_replayed", a, sizeof(a)),
		fmt_int(ch, "rx_version", b, sizeof(b)));
	fprintf(out, ", unknown_peer %s\n", fmt_int(ch, "rx_unknown_peer", a, sizeof(a)));
	return 0;
}

/* --------------------------------------------------------- confirmations */

void
nc_ctl_print_server_change(FILE *out, const char *svc, const char *srv,
			   const json_t *server, bool added)
{
	const char *name = json_string_value(json_object_get(server, "name"));
	char addr[CELL_MAX + 64], w[CELL_MAX];

	put_clean(out, svc);
	fputc('/', out);
	put_clean(out, name != NULL ? name : srv);
	fputs(": ", out);
	if (added) {
		fputs("added ", out);
		put_clean(out, fmt_addr(server, "address", "port", addr, sizeof(addr)));
		fputs(", ", out);
	}
	put_clean(out, jstr(server, "state"));
	fprintf(out, ", weight %s", fmt_int(server, "weight", w, sizeof(w)));
	if (strcmp(jstr(server, "state"), "up") == 0 &&
	    strcmp(jstr(server, "health"), "down") == 0)
		fputs(", probes down", out);
	fputc('\n', out);
}

void
nc_ctl_print_adaptive_change(FILE *out, const char *svc, const json_t *service)
{
	const json_t *ad = json_object_get(service, "adaptive");
	char a[CELL_MAX], b[CELL_MAX], c[CELL_MAX];

	put_clean(out, svc);
	fprintf(out, ": adaptive %s, mode ", fmt_bool(ad, "enabled"));
	put_clean(out, jstr(ad, "mode"));
	fprintf(out, ", interval %s ms, step %s, min weight %s\n",
		fmt_int(ad, "interval_ms", a, sizeof(a)), fmt_int(ad, "step", b, sizeof(b)),
		fmt_int(ad, "min_weight", c, sizeof(c)));
}

/* ----------------------------------------------------------------- errors */

static const char *
reason_phrase(long status)
{
	static const struct { long status; const char *text; } reasons[] = {
		{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
		{ 404, "Not Found" }, { 405, "Method Not Allowed" }, { 408, "Request Timeout" },
		{ 409, "Conflict" }, { 413, "Content Too Large" }, { 415, "Unsupported Media Type" },
		{ 429, "Too Many Requests" }, { 500, "Internal Server Error" },
		{ 501, "Not Implemented" }, { 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
	};
	size_t i;

	for (i = 0; i < DIM(reasons); i++)
		if (reasons[i].status == status)
			return reasons[i].text;
	return "HTTP error";
}

/* Replace control characters of <buf> by '?' in place. */
static void
clean_inplace(char *buf)
{
	for (; *buf != '\0'; buf++)
		if ((unsigned char)*buf < 0x20 || *buf == 0x7f)
			*buf = '?';
}

void
nc_ctl_format_api_error(char *buf, size_t len, long status, const char *body,
			size_t body_len)
{
	json_t *root = NULL;
	const char *err = NULL, *field = NULL;

	if (len == 0)
		return;
	if (body != NULL && body_len > 0)
		root = json_loadb(body, body_len, 0, NULL);
	err = json_string_value(json_object_get(root, "error"));
	field = json_string_value(json_object_get(root, "field"));
	if (err == NULL || *err == '\0')
		snprintf(buf, len, "%ld %s", status, reason_phrase(status));
	else if (field != NULL && *field != '\0')
		snprintf(buf, len, "%ld %s (field %s)", status, err, field);
	else
		snprintf(buf, len, "%ld %s", status, err);
	clean_inplace(buf);
	json_decref(root);
}

/* -------------------------------------------------------------- arguments */

int
nc_ctl_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	return nc_parse_u64(s, min, max, out);
}

int
nc_ctl_parse_addr_port(const char *s, char addr[NC_CTL_ADDR_MAX], uint16_t *port)
{
	const char *colon, *a0 = s;
	char a[NC_CTL_ADDR_MAX];
	unsigned char bin[16];
	int family = AF_INET;
	uint64_t p;
	size_t n;
	int rc;

	if (s == NULL || (colon = strrchr(s, ':')) == NULL)
		return -EINVAL;
	n = (size_t)(colon - s);
	if (s[0] == '[') {
		/* "[2001:db8::1]:80": the brackets part the address from the port */
		if (n < 2 || s[n - 1] != ']')
			return -EINVAL;
		family = AF_INET6;
		a0 = s + 1;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(a))
		return -EINVAL;
	memcpy(a, a0, n);
	a[n] = '\0';
	/* glibc's inet_pton takes exactly four decimal parts without leading
	 * zeros for IPv4, and no zone ("%eth0") for IPv6. */
	if (inet_pton(family, a, bin) != 1)
		return -EINVAL;
	rc = nc_ctl_parse_u64(colon + 1, 1, 65535, &p);
	if (rc < 0)
		return rc;
	if (inet_ntop(family, bin, addr, NC_CTL_ADDR_MAX) == NULL)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

int
nc_ctl_parse_seconds(const char *s, double max_s, long *ms)
{
	char *end;
	double v;

	/* Plain decimals only: strtod would also take "inf", "0x10", " 5", "-1". */
	if (s == NULL || *s == '\0' || strspn(s, "0123456789.") != strlen(s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || errno != 0 || !isfinite(v))
		return -EINVAL;
	if (v <= 0 || v > max_s)
		return -ERANGE;
	*ms = (long)ceil(v * 1000.0);
	if (*ms < 1)
		*ms = 1;
	return 0;
}

static void
set_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

int
nc_ctl_adaptive_add(json_t *adaptive, const char *kv, char *err, size_t err_len)
{
	static const char *const keys[] = { "enabled", "mode", "interval_ms", "step",
					    "min_weight" };
	const char *eq = strchr(kv, '=');
	const char *val;
	char key[32];
	json_t *j = NULL;
	uint64_t n;
	size_t i, klen;
	int rc;

	if (eq == NULL) {
		set_err(err, err_len, "'%s' is not key=value", kv);
		return -EINVAL;
	}
	klen = (size_t)(eq - kv);
	val = eq + 1;
	for (i = 0; i < DIM(keys); i++)
		if (strlen(keys[i]) == klen && strncmp(keys[i], kv, klen) == 0)
			break;
	if (i == DIM(keys)) {
		set_err(err, err_len, "unknown adaptive key '%.*s' (enabled, mode, interval_ms, "
			"step, min_weight)", (int)(klen < 64 ? klen : 64), kv);
		return -EINVAL;
	}
	memcpy(key, kv, klen);
	key[klen] = '\0';
	if (json_object_get(adaptive, key) != NULL) {
		set_err(err, err_len, "adaptive key '%s' given twice", key);
		return -EINVAL;
	}
	if (strcmp(key, "enabled") == 0) {
		if (strcmp(val, "true") == 0 || strcmp(val, "false") == 0) {
			j = json_boolean(val[0] == 't');
		} else {
			set_err(err, err_len, "enabled must be true or false, got '%s'", val);
			return -EINVAL;
		}
	} else if (strcmp(key, "mode") == 0) {
		if (strcmp(val, "paper") == 0 || strcmp(val, "fast") == 0) {
			j = json_string(val);
		} else {
			set_err(err, err_len, "mode must be paper or fast, got '%s'", val);
			return -EINVAL;
		}
	} else {
		rc = nc_ctl_parse_u64(val, 0, INT32_MAX, &n);
		if (rc < 0) {
			set_err(err, err_len, "%s must be a whole number, got '%s'", key, val);
			return -EINVAL;
		}
		j = json_integer((json_int_t)n);
	}
	if (j == NULL || json_object_set_new(adaptive, key, j) < 0) {
		set_err(err, err_len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int
nc_ctl_token_trim(char *s, char **tok)
{
	char *end;
	char *p;

	while (*s != '\0' && isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	if (*s == '\0')
		return -ENODATA;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return -EINVAL;
	*tok = s;
	return 0;
}
