/* SPDX-License-Identifier: BSD-3-Clause
 * The management API on the control lcore: JSON reads of services and
 * servers, their history (one sample per monitor interval) and the event
 * list; changes (servers added, removed, drained, reweighted; adaptive
 * settings) applied through the data plane's run-time functions, which
 * publish new schedules. Bad input gets a 4xx with a JSON error naming the
 * field, and nothing is applied. The paths and shapes are in README.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <jansson.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "app.h"
#include "api.h"
#include "nc_dp_metrics.h"
#include "nc_metrics.h"
#include "nc_parse.h"
#include "nc_sched.h"

#define HIST_LEN   600      /* samples per service: 10 minutes at 1 s */
#define EVENTS_MAX 256

struct hist_sample {
	double t;
	uint8_t n;                       /* server slots */
	uint8_t w[NC_MAX_SERVERS];
	uint8_t st[NC_MAX_SERVERS];      /* api_state() index */
	uint32_t rt[NC_MAX_SERVERS];
};

struct hist {
	unsigned int head, n;            /* ring of HIST_LEN */
	struct hist_sample s[HIST_LEN];
	uint64_t prev_req[NC_MAX_SERVERS];
	double prev_t;
	double rps[NC_MAX_SERVERS];      /* requests/s over the last interval */
};

struct event {
	uint64_t id;
	double t;
	uint8_t kind;
	char service[NC_NAME_MAX];
	char server[NC_NAME_MAX];
	char text[256];
};

static struct {
	struct hist *hist[NC_MAX_SERVICES];
	char hist_name[NC_MAX_SERVICES][NC_NAME_MAX];
	struct event ev[EVENTS_MAX];
	uint64_t next_id;                /* id of the next event (first is 1) */
	int on;
} api;

static const char *const state_names[] = { "up", "down", "drain", "removing" };
static const char *const kind_names[] = { "failover", "reset", "state", "config" };

static double
now_s(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* 0 up, 1 down, 2 drain, 3 removing: as an operator reads it. */
static unsigned int
srv_state(const struct nc_server_view *v)
{
	switch (v->admin) {
	case NC_ADMIN_UP:
		return v->health_up ? 0 : 1;
	case NC_ADMIN_DRAIN:
		return 2;
	case NC_ADMIN_REMOVING:
		return 3;
	default:
		return 1;
	}
}

/* ---- monitor hooks ---- */

void
nc_api_on_interval(unsigned int svc, const struct nc_service_view *sv,
		   const struct nc_server_view *v, unsigned int n)
{
	struct hist *h;
	struct hist_sample *s;
	double t = now_s(), dt;
	unsigned int i;

	if (!api.on || svc >= NC_MAX_SERVICES)
		return;
	/* a service added at run time gets its history then; a slot that comes
	 * back for another service starts afresh */
	if (api.hist[svc] == NULL || strcmp(api.hist_name[svc], sv->name) != 0) {
		free(api.hist[svc]);
		api.hist[svc] = calloc(1, sizeof(*api.hist[svc]));
		snprintf(api.hist_name[svc], sizeof(api.hist_name[svc]), "%s", sv->name);
	}
	h = api.hist[svc];
	if (h == NULL)
		return;
	dt = h->prev_t != 0 ? t - h->prev_t : 0;
	s = &h->s[h->head];
	h->head = (h->head + 1) % HIST_LEN;
	if (h->n < HIST_LEN)
		h->n++;
	s->t = t;
	s->n = (uint8_t)n;
	for (i = 0; i < n; i++) {
		s->w[i] = v[i].admin == NC_ADMIN_FREE ? 0 : v[i].weight;
		s->st[i] = v[i].admin == NC_ADMIN_FREE ? 255 : (uint8_t)srv_state(&v[i]);
		s->rt[i] = v[i].rt_samples != 0 ? v[i].rt_avg_us : 0;
		h->rps[i] = dt > 0 && v[i].requests >= h->prev_req[i] ?
			    (double)(v[i].requests - h->prev_req[i]) / dt : 0.0;
		h->prev_req[i] = v[i].requests;
	}
	h->prev_t = t;
}

void
nc_api_on_event(void *arg, enum nc_event_kind kind, const char *service, const char *server,
		const char *text)
{
	struct event *e;

	RTE_SET_USED(arg);
	if (!api.on)
		return;
	e = &api.ev[api.next_id % EVENTS_MAX];
	e->id = api.next_id++;
	e->t = now_s();
	e->kind = (uint8_t)kind;
	snprintf(e->service, sizeof(e->service), "%s", service);
	snprintf(e->server, sizeof(e->server), "%s", server != NULL ? server : "");
	snprintf(e->text, sizeof(e->text), "%s", text);
}

int
nc_api_init(struct nc_app *a)
{
	unsigned int s;

	for (s = 0; s < a->cfg->n_services; s++) {
		api.hist[s] = calloc(1, sizeof(*api.hist[s]));
		if (api.hist[s] == NULL)
			return -ENOMEM;
		snprintf(api.hist_name[s], sizeof(api.hist_name[s]), "%s", a->cfg->services[s].name);
	}
	api.next_id = 1;
	api.on = 1;
	nc_dp_set_event_cb(a->dp, nc_api_on_event, a);
	return 0;
}

void
nc_api_fini(struct nc_app *a)
{
	unsigned int s;

	if (a->dp != NULL)
		nc_dp_set_event_cb(a->dp, NULL, NULL);
	api.on = 0;
	for (s = 0; s < NC_MAX_SERVICES; s++) {
		free(api.hist[s]);
		api.hist[s] = NULL;
	}
}

/* ---- answers ---- */

static void
answer_json(struct nc_api_req *r, unsigned int status, json_t *j)
{
	r->status = status;
	r->ctype = "application/json";
	r->out = json_dumps(j, JSON_COMPACT);
	r->out_len = r->out != NULL ? strlen(r->out) : 0;
	json_decref(j);
}

/* <s> as a JSON string; text that is not UTF-8 (a path's bytes quoted in a
 * message) with each byte from 0x80 up written as \xNN, so that an answer
 * still says what was wrong. */
static json_t *
json_text(const char *s)
{
	json_t *j = json_string(s);
	char buf[2048];
	size_t o = 0;

	if (j != NULL)
		return j;
	for (; *s != '\0' && o + 5 < sizeof(buf); s++) {
		if ((unsigned char)*s < 0x80)
			buf[o++] = *s;
		else
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\x%02x", (unsigned char)*s);
	}
	buf[o] = '\0';
	return json_string(buf);
}

void
nc_api_error_body(const char *msg, const char *field, char **out, size_t *len)
{
	json_t *j = json_pack("{s:o}", "error", json_text(msg));

	if (j != NULL && field != NULL)
		json_object_set_new(j, "field", json_text(field));
	*out = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	*len = *out != NULL ? strlen(*out) : 0;
	json_decref(j);
}

static void
answer_error(struct nc_api_req *r, unsigned int status, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
answer_error(struct nc_api_req *r, unsigned int status, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->status = status;
	r->ctype = "application/json";
	nc_api_error_body(msg, field, &r->out, &r->out_len);
}

/* The first config error line "field: reason" as an answer naming the field. */
static void
answer_errs(struct nc_api_req *r, const struct nc_errors *errs)
{
	char field[NC_ERR_LINE_LEN];
	const char *line = errs->n != 0 ? errs->line[0] : "invalid";
	const char *colon = strstr(line, ": ");
	size_t n = colon != NULL ? (size_t)(colon - line) : 0;

	snprintf(field, sizeof(field), "%.*s", (int)n, line);
	answer_error(r, 400, n != 0 && strcmp(field, "$") != 0 ? field : NULL, "%s",
		     colon != NULL ? colon + 2 : line);
}

static json_t *
server_json(const struct nc_server_view *v, const struct hist *h, unsigned int i,
	    const struct nc_failsafe_view *fs)
{
	char ip[NC_ADDR_STRLEN];

	nc_addr_str(v->family, v->addr, v->addr6, ip, sizeof(ip));
	return json_pack("{s:s, s:s, s:i, s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:f, s:I, s:I, s:I, "
			 "s:I, s:I, s:I}",
			 "name", v->name, "address", ip, "port", v->port,
			 "state", state_names[srv_state(v)], "health", v->health_up ? "up" : "down",
			 "weight", v->admin == NC_ADMIN_UP && v->up ? v->weight : 0,
			 "rt_avg_us", (json_int_t)(v->rt_samples ? v->rt_avg_us : 0),
			 "rt_p99_us", (json_int_t)(v->rt_samples ? v->rt_p99_us : 0),
			 "flows_active", (json_int_t)v->flows_active, "flows", (json_int_t)v->flows,
			 "requests", (json_int_t)v->requests,
			 "requests_per_s", h != NULL ? h->rps[i] : 0.0,
			 "bytes", (json_int_t)v->bytes, "held", (json_int_t)v->held_now,
			 "replays", (json_int_t)fs->failed_over[i],
			 "probes_good", (json_int_t)v->probes_good, "probes_bad", (json_int_t)v->probes_bad,
			 "down_count", (json_int_t)v->down_count);
}

static json_t *
service_json(struct nc_app *a, unsigned int s)
{
	static struct nc_server_view v[NC_MAX_SERVERS];
	static struct nc_dp_stats st;
	const struct nc_cfg_service *cs = &nc_dp_config(a->dp)->services[s];
	const struct hist *h = api.hist[s];
	struct nc_failsafe_view fs;
	struct nc_service_view sv;
	json_t *j, *servers;
	double rps = 0.0;
	char ip[NC_ADDR_STRLEN];
	int i, n;

	n = nc_dp_service_view(a->dp, s, &sv, v, NC_MAX_SERVERS);
	nc_dp_failsafe_view(a->dp, s, &fs);
	nc_dp_stats_get(a->dp, &st);
	servers = json_array();
	for (i = 0; i < n; i++) {
		if (v[i].admin == NC_ADMIN_FREE)
			continue;
		json_array_append_new(servers, server_json(&v[i], h, (unsigned int)i, &fs));
		rps += h != NULL ? h->rps[i] : 0.0;
	}
	nc_addr_str(cs->family, cs->vip, cs->vip6, ip, sizeof(ip));
	j = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:{s:b, s:s, s:i, s:i, s:i}, "
		      "s:{s:b, s:i, s:i, s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
		      "s:I, s:I, s:I, s:I, s:I}, s:i, s:I, s:f, s:o}",
		      "name", cs->name, "vip", ip, "port", cs->port,
		      "proto", cs->proto == 17 ? "udp" : "tcp",
		      "scheduler", nc_sched_kind_name(cs->scheduler),
		      "state", sv.state == NC_SVC_REMOVING ? "removing" : "live",
		      "health", nc_health_type_name(cs->health.type),
		      "adaptive", "enabled", cs->adaptive.enabled, "mode",
		      nc_adapt_mode_name(cs->adaptive.mode), "interval_ms", cs->adaptive.interval_ms,
		      "step", cs->adaptive.step, "min_weight", cs->adaptive.min_weight,
		      "failsafe", "enabled", cs->failsafe.enabled, "response_timeout_ms",
		      cs->failsafe.response_timeout_ms, "max_replays", cs->failsafe.max_replays,
		      "protocol", nc_fs_protocol_name(cs->failsafe.protocol),
		      "replay", nc_fs_replay_name(cs->failsafe.replay),
		      "hold_limit_kb", cs->failsafe.hold_limit_kb,
		      "held_now", (json_int_t)fs.held_now, "held", (json_int_t)fs.held,
		      "replays", (json_int_t)fs.replays, "resets", (json_int_t)fs.resets,
		      "store_full", (json_int_t)fs.store_full, "fin_kept", (json_int_t)fs.fin_kept,
		      "waited", (json_int_t)fs.waited, "move_waited", (json_int_t)fs.move_waited,
		      "syn_resent", (json_int_t)fs.syn_resent,
		      "stale_tuple", (json_int_t)fs.stale_tuple,
		      "reconnects", (json_int_t)fs.reconnects,
		      "early", (json_int_t)fs.early, "opaque", (json_int_t)fs.opaque,
		      "unframed", (json_int_t)fs.unframed, "abandoned", (json_int_t)fs.abandoned,
		      "persistence_s", cs->persistence_s,
		      "flows_active", (json_int_t)(st.svc[s].flows_opened - st.svc[s].flows_closed),
		      "requests_per_s", rps, "servers", servers);
	if (j != NULL) {
		/* the mode new flows take, and what it did (NC_FOREACH_CA_EVENT) */
		json_t *ca = json_pack("{s:s}", "mode", nc_client_addr_name(cs->client_address));
		unsigned int e;

		for (e = 0; ca != NULL && e < NC_CA_EV_MAX; e++)
			json_object_set_new(ca, nc_ca_event_name[e], json_integer((json_int_t)st.svc[s].ca[e]));
		json_object_set_new(j, "client_address", ca);
	}
	if (j != NULL && cs->scheduler == NC_SCHED_MAGLEV) {
		/* the table as the workers have it: the startup file's keys */
		json_object_set_new(j, "maglev_size", json_integer(cs->maglev_size != 0 ?
					cs->maglev_size : NC_MAGLEV_SIZE_DEFAULT));
		json_object_set_new(j, "maglev_seed", json_integer(cs->maglev_seed));
	}
	return j;
}

static json_t *
server_json_of(struct nc_app *a, unsigned int s, unsigned int i)
{
	static struct nc_server_view v[NC_MAX_SERVERS];
	struct nc_failsafe_view fs;

	nc_dp_service_view(a->dp, s, NULL, v, NC_MAX_SERVERS);
	nc_dp_failsafe_view(a->dp, s, &fs);
	return server_json(&v[i], api.hist[s], i, &fs);
}

static void
get_history(struct nc_app *a, struct nc_api_req *r, unsigned int s)
{
	static struct nc_server_view v[NC_MAX_SERVERS];
	const struct hist *h = api.hist[s];
	json_t *j, *names, *samples;
	unsigned int slot[NC_MAX_SERVERS], k, m = 0;
	struct nc_service_view sv;
	int i, n;

	n = nc_dp_service_view(a->dp, s, &sv, v, NC_MAX_SERVERS);
	names = json_array();
	for (i = 0; i < n; i++)
		if (v[i].admin != NC_ADMIN_FREE) {
			slot[m++] = (unsigned int)i;
			json_array_append_new(names, json_string(v[i].name));
		}
	samples = json_array();
	for (k = 0; h != NULL && k < h->n; k++) {
		const struct hist_sample *x = &h->s[(h->head + HIST_LEN - h->n + k) % HIST_LEN];
		json_t *w = json_array(), *rt = json_array(), *st = json_array();
		unsigned int q;

		for (q = 0; q < m; q++) {
			int have = slot[q] < x->n && x->st[slot[q]] != 255;

			json_array_append_new(w, have ? json_integer(x->w[slot[q]]) : json_null());
			json_array_append_new(rt, have ? json_integer(x->rt[slot[q]]) : json_null());
			json_array_append_new(st, have ? json_string(state_names[x->st[slot[q]]]) :
						  json_null());
		}
		json_array_append_new(samples, json_pack("{s:f, s:o, s:o, s:o}", "t", x->t,
							 "weight", w, "rt_us", rt, "state", st));
	}
	j = json_pack("{s:s, s:i, s:o, s:o}", "service", sv.name, "interval_ms", sv.interval_ms,
		      "servers", names, "samples", samples);
	answer_json(r, 200, j);
}

static void
get_events(struct nc_api_req *r)
{
	uint64_t since = 0, id, first;
	json_t *arr;

	/* ids are JSON integers (int64): anything else, empty or out of that
	 * range is refused, never read as 0 ("everything"); an id past the
	 * last event is fine (nothing new yet) */
	if (r->since_count > 1) {
		answer_error(r, 400, "since", "since: given %u times, expected once", r->since_count);
		return;
	}
	if (r->since_count == 1 && (r->since_cut || nc_parse_u64(r->since, 0, INT64_MAX, &since) != 0)) {
		answer_error(r, 400, "since", "since: expected an event id (a whole number 0..%" PRId64
			     "), got \"%s%s\"", INT64_MAX, r->since, r->since_cut ? "..." : "");
		return;
	}
	arr = json_array();
	first = api.next_id > EVENTS_MAX ? api.next_id - EVENTS_MAX : 1;
	if (since >= first)
		first = since < api.next_id ? since + 1 : api.next_id;
	for (id = first; id < api.next_id; id++) {
		const struct event *e = &api.ev[id % EVENTS_MAX];

		json_array_append_new(arr, json_pack("{s:I, s:f, s:s, s:s, s:s, s:s}", "id",
						     (json_int_t)e->id, "t", e->t, "kind",
						     kind_names[e->kind], "service", e->service,
						     "server", e->server, "text", e->text));
	}
	answer_json(r, 200, json_pack("{s:o, s:I}", "events", arr, "next",
				      (json_int_t)(api.next_id - 1)));
}

static void
get_metrics(struct nc_app *a, struct nc_api_req *r)
{
	struct nc_metrics_port ports[NC_MAX_PORTS];
	unsigned int p;
	FILE *f;

	memset(ports, 0, sizeof(ports));
	for (p = 0; p < a->cfg->n_ports; p++) {
		struct rte_eth_stats es = { 0 };

		if (a->port_started[p])
			rte_eth_stats_get(a->port[p].port_id, &es);
		ports[p].name = a->cfg->ports[p].name;
		ports[p].rx_packets = es.ipackets;
		ports[p].tx_packets = es.opackets;
		ports[p].rx_bytes = es.ibytes;
		ports[p].tx_bytes = es.obytes;
		ports[p].rx_missed = es.imissed;
		ports[p].rx_errors = es.ierrors;
		ports[p].tx_errors = es.oerrors;
		ports[p].rx_nombuf = es.rx_nombuf;
	}
	r->out = NULL;
	r->out_len = 0;
	f = open_memstream(&r->out, &r->out_len);
	if (f == NULL || nc_metrics_write(f, a->dp, ports, a->cfg->n_ports) != 0 ||
	    (nc_cluster_app_metrics(a, f), ferror(f))) {
		if (f != NULL)
			fclose(f);
		free(r->out);
		answer_error(r, 500, NULL, "metrics could not be written");
		return;
	}
	fclose(f);
	r->status = 200;
	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
}

/* ---- changes ---- */

static void
post_server(struct nc_app *a, struct nc_api_req *r, unsigned int s)
{
	static struct nc_errors errs;
	struct nc_cfg_server srv;
	int i;

	if (nc_config_parse_server(r->body, r->body_len, nc_dp_config(a->dp), s, &srv, &errs) != 0) {
		answer_errs(r, &errs);
		return;
	}
	i = nc_dp_server_add(a->dp, s, &srv);
	if (i == -EEXIST)
		answer_error(r, 409, "name", "a server named \"%s\" exists", srv.name);
	else if (i == -ENOSPC)
		answer_error(r, 409, NULL, "the service has %u servers already", NC_MAX_SERVERS);
	else if (i < 0)
		answer_error(r, 400, "address", "cannot reach %s: %s", srv.name, nc_strerror(i));
	else
		answer_json(r, 201, server_json_of(a, s, (unsigned int)i));
}

static void
delete_server(struct nc_app *a, struct nc_api_req *r, unsigned int s, unsigned int i)
{
	int rc = nc_dp_server_set_admin(a->dp, s, i, NC_ADMIN_REMOVING);

	if (rc == -EBUSY)
		answer_error(r, 409, NULL, "%s is the last server of the service",
			     nc_dp_config(a->dp)->services[s].servers[i].name);
	else if (rc != 0)
		answer_error(r, 400, NULL, "cannot remove: %s", nc_strerror(rc));
	else
		answer_json(r, 202, server_json_of(a, s, i));
}

static void
patch_server(struct nc_app *a, struct nc_api_req *r, unsigned int s, unsigned int i)
{
	static const char *const states[] = { "up", "drain", "down", NULL };
	static const enum nc_admin_state admin[] = { NC_ADMIN_UP, NC_ADMIN_DRAIN, NC_ADMIN_DOWN };
	json_error_t je;
	json_t *o = json_loadb(r->body != NULL ? r->body : "", r->body_len, JSON_REJECT_DUPLICATES, &je);
	json_t *w, *st;
	const char *key;
	json_t *val;
	int k = -1, rc = 0;

	if (o == NULL) {
		answer_error(r, 400, NULL, "invalid JSON: %s (line %d, column %d)", je.text, je.line,
			     je.column);
		return;
	}
	if (!json_is_object(o)) {
		answer_error(r, 400, NULL, "expected a JSON object");
		goto out;
	}
	json_object_foreach(o, key, val) {
		if (strcmp(key, "weight") != 0 && strcmp(key, "state") != 0) {
			answer_error(r, 400, key, "unknown key (weight, state)");
			goto out;
		}
	}
	w = json_object_get(o, "weight");
	st = json_object_get(o, "state");
	if (w == NULL && st == NULL) {
		answer_error(r, 400, NULL, "nothing to change: give weight and/or state");
		goto out;
	}
	if (w != NULL && (!json_is_integer(w) || json_integer_value(w) < 1 ||
			  json_integer_value(w) > 100)) {
		answer_error(r, 400, "weight", "must be an integer 1..100");
		goto out;
	}
	if (st != NULL) {
		for (k = 0; json_is_string(st) && states[k] != NULL; k++)
			if (strcmp(json_string_value(st), states[k]) == 0)
				break;
		if (!json_is_string(st) || states[k] == NULL) {
			answer_error(r, 400, "state", "must be \"up\", \"drain\" or \"down\"");
			goto out;
		}
	}
	/* both checked: apply */
	if (w != NULL)
		rc = nc_dp_server_set_weight(a->dp, s, i, (unsigned int)json_integer_value(w));
	if (rc == 0 && st != NULL)
		rc = nc_dp_server_set_admin(a->dp, s, i, admin[k]);
	if (rc != 0)
		answer_error(r, 400, NULL, "cannot change: %s", nc_strerror(rc));
	else
		answer_json(r, 200, server_json_of(a, s, i));
out:
	json_decref(o);
}

static void
patch_service(struct nc_app *a, struct nc_api_req *r, unsigned int s)
{
	static struct nc_errors errs;
	const struct nc_config *cfg = nc_dp_config(a->dp);
	static struct nc_server_view v[NC_MAX_SERVERS];
	struct nc_service_patch pa;
	unsigned int live = 0;
	int i, n, rc;

	n = nc_dp_service_view(a->dp, s, NULL, v, NC_MAX_SERVERS);
	for (i = 0; i < n; i++)
		live += v[i].admin != NC_ADMIN_FREE;
	if (nc_config_patch_service(r->body, r->body_len, &cfg->services[s], live, &pa, &errs) != 0) {
		answer_errs(r, &errs);
		return;
	}
	/* the client address first: the one change that can be refused */
	if (pa.has_client_address) {
		rc = nc_dp_service_set_client_address(a->dp, s, pa.client_address);
		if (rc == -ENOTSUP) {
			answer_error(r, 409, "client_address", "cannot change: no tcp service had a "
				     "client_address at start (its per-flow state is set up then); "
				     "needs a restart");
			return;
		}
		if (rc != 0) {
			answer_error(r, 400, "client_address", "cannot change: %s", nc_strerror(rc));
			return;
		}
		NC_LOG(NOTICE, APP, "%s: client_address %s for new flows (API)", cfg->services[s].name,
		       nc_client_addr_name(pa.client_address));
	}
	rc = pa.has_adaptive ? nc_dp_service_set_adaptive(a->dp, s, &pa.adaptive) : 0;
	if (rc != 0)
		answer_error(r, 400, "adaptive", "cannot change: %s", nc_strerror(rc));
	else
		answer_json(r, 200, service_json(a, s));
}

/* POST /api/v1/cluster/drain | resume: withdraw the VIPs from the routers (the
 * flows they send meanwhile keep being served) or announce them again. */
static void
post_drain(struct nc_app *a, struct nc_api_req *r, bool drain)
{
	json_t *vips = json_array();
	uint16_t s;

	if (!a->cfg->bgp.enabled) {
		answer_error(r, 409, "bgp", "no bgp section: the VIPs are not announced");
		json_decref(vips);
		return;
	}
	if (drain && !a->draining) {
		/* the peers first, so that they redirect from the first moved
		 * connection; the announcement's check withdraws the VIPs after */
		a->draining = true;
		a->withdraw_at = rte_rdtsc() + rte_get_tsc_hz() / 1000 * NC_DRAIN_TELL_MS;
		a->announce_last = 0;
		nc_cluster_app_say(a);
		NC_LOG(NOTICE, APP, "cluster drain: peers told, VIPs withdrawn in %d ms", NC_DRAIN_TELL_MS);
		nc_api_on_event(a, NC_EV_CONFIG, "", NULL, "cluster drain: VIPs withdrawn");
	} else if (!drain && a->draining) {
		a->draining = false;
		a->announce_last = 0;
		nc_cluster_app_say(a);
		nc_announce_poll(a);
		NC_LOG(NOTICE, APP, "cluster resume: VIPs announced when ready");
		nc_api_on_event(a, NC_EV_CONFIG, "", NULL, "cluster resume: VIPs announced when ready");
	}
	for (s = 0; s < nc_dp_n_services(a->dp); s++)
		if (a->announced[s]) {
			const struct nc_cfg_service *cs = &nc_dp_config(a->dp)->services[s];
			char ip[NC_ADDR_STRLEN];

			nc_addr_str(cs->family, cs->vip, cs->vip6, ip, sizeof(ip));
			json_array_append_new(vips, json_string(ip));
		}
	answer_json(r, 200, json_pack("{s:b, s:o}", "draining", a->draining, "announced", vips));
}

/* ---- routing ---- */

/* Split <path> at '/' into at most <max> parts (in place). Returns the count. */
static unsigned int
split(char *path, char **part, unsigned int max)
{
	unsigned int n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(path, "/", &save); t != NULL; t = strtok_r(NULL, "/", &save)) {
		if (n == max)
			return max + 1;
		part[n++] = t;
	}
	return n;
}

void
nc_api_handle(struct nc_app *a, struct nc_api_req *r)
{
	const char *m = r->method;
	int get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
	char path[sizeof(r->path)], *p[8];
	unsigned int n;
	int s = -1, i = -1;

	snprintf(path, sizeof(path), "%s", r->path);
	n = split(path, p, 7);
	if (n == 1 && strcmp(p[0], "metrics") == 0) {
		if (!get)
			goto method;
		get_metrics(a, r);
		return;
	}
	if (n < 3 || strcmp(p[0], "api") != 0 || strcmp(p[1], "v1") != 0)
		goto not_found;
	if (n == 3 && strcmp(p[2], "events") == 0) {
		if (!get)
			goto method;
		get_events(r);
		return;
	}
	if (n == 3 && strcmp(p[2], "cluster") == 0) {
		if (!get)
			goto method;
		answer_json(r, 200, nc_cluster_app_json(a));
		return;
	}
	if (n == 4 && strcmp(p[2], "cluster") == 0 &&
	    (strcmp(p[3], "drain") == 0 || strcmp(p[3], "resume") == 0)) {
		if (strcmp(m, "POST") != 0)
			goto method;
		post_drain(a, r, strcmp(p[3], "drain") == 0);
		return;
	}
	if (strcmp(p[2], "services") != 0 || n > 6)
		goto not_found;
	if (n == 3) {
		json_t *arr;

		if (!get)
			goto method;
		arr = json_array();
		for (s = 0; s < (int)nc_dp_n_services(a->dp); s++) {
			struct nc_service_view sv;

			nc_dp_service_view(a->dp, (unsigned int)s, &sv, NULL, 0);
			if (sv.state != NC_SVC_REMOVED)
				json_array_append_new(arr, service_json(a, (unsigned int)s));
		}
		answer_json(r, 200, json_pack("{s:o, s:f}", "services", arr, "time", now_s()));
		return;
	}
	s = nc_dp_service_find(a->dp, p[3]);
	if (s < 0) {
		answer_error(r, 404, "service", "no service named \"%s\"", p[3]);
		return;
	}
	if (n == 4) {
		if (get)
			answer_json(r, 200, service_json(a, (unsigned int)s));
		else if (strcmp(m, "PATCH") == 0)
			patch_service(a, r, (unsigned int)s);
		else
			goto method;
		return;
	}
	if (n == 5 && strcmp(p[4], "history") == 0) {
		if (!get)
			goto method;
		get_history(a, r, (unsigned int)s);
		return;
	}
	if (strcmp(p[4], "servers") != 0)
		goto not_found;
	if (n == 5) {
		if (strcmp(m, "POST") == 0)
			post_server(a, r, (unsigned int)s);
		else if (get) {
			json_t *sj = service_json(a, (unsigned int)s);
			json_t *arr = json_incref(json_object_get(sj, "servers"));

			json_decref(sj);
			answer_json(r, 200, arr != NULL ? arr : json_array());
		} else
			goto method;
		return;
	}
	i = nc_dp_server_find(a->dp, (unsigned int)s, p[5]);
	if (i < 0) {
		answer_error(r, 404, "server", "service %s has no server named \"%s\"", p[3], p[5]);
		return;
	}
	if (get)
		answer_json(r, 200, server_json_of(a, (unsigned int)s, (unsigned int)i));
	else if (strcmp(m, "PATCH") == 0)
		patch_server(a, r, (unsigned int)s, (unsigned int)i);
	else if (strcmp(m, "DELETE") == 0)
		delete_server(a, r, (unsigned int)s, (unsigned int)i);
	else
		goto method;
	return;
not_found:
	answer_error(r, 404, NULL, "no such path: %s", r->path);
	return;
method:
	answer_error(r, 405, NULL, "method %s not allowed on %s", m, r->path);
}
