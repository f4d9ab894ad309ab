/* SPDX-License-Identifier: BSD-3-Clause
 * libFuzzer target for the management API's request handling
 * (app/netchestra/api.c): nc_api_handle() on the control lcore, with the
 * request filled in as the management server fills it (mgmt.c: method, path
 * and ?since= cut to their fields, the body NUL-terminated).
 *
 * The input is a request as text: "METHOD PATH[?since=VALUE]", a newline,
 * then the body (none when nothing follows). Each input is answered by a data
 * plane of tests/fuzz/api.json (EAL --no-huge, no NIC; web tcp with the
 * fail-safe, adaptive weights and HTTP probes, dns udp on maglev): the one
 * made at the start while requests change nothing, a new one after a change
 * was applied, so a change does not carry over to the next input. Beyond no
 * crash, leak or sanitizer report: every answer has a status the API
 * documents (200, 201, 202, 400, 404, 405, 409), a content type and a body;
 * a JSON answer parses, an error answer says what is wrong, and a refused
 * request left every service and the event list as they were; else abort().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "app.h"
#include "api.h"

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "check failed: %s (line %d)\n", \
					#cond, __LINE__); abort(); } } while (0)

#define CONFIG NC_SOURCE_ROOT "/tests/fuzz/api.json"

static struct {
	struct nc_config cfg;
	struct rte_mempool *pool;
	struct nc_app a;
} fz;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = { "fuzz_api", "--no-huge", "-m", "256", "--no-pci", "-l", "0",
			"--no-shconf", "--file-prefix", "ncfuzzapi", "--log-level", "*:error", NULL };
	static struct nc_errors errs;

	(void)argc;
	(void)argv;
	if (nc_config_load(CONFIG, &fz.cfg, &errs) != 0) {
		nc_errors_print(&errs, stderr);
		abort();
	}
	CHECK(rte_eal_init((int)RTE_DIM(eal) - 1, eal) >= 0);
	fz.pool = rte_pktmbuf_pool_create("fuzz_api_pool", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	CHECK(fz.pool != NULL);
	return 0;
}

/* <r>'s fields from the request text <d> (<n> bytes), as mgmt.c fills them. */
static void
parse(const uint8_t *d, size_t n, struct nc_api_req *r)
{
	const uint8_t *nl = memchr(d, '\n', n), *sp;
	size_t line = nl != NULL ? (size_t)(nl - d) : n;
	char url[4096];
	char *q;

	sp = memchr(d, ' ', line);
	snprintf(r->method, sizeof(r->method), "%.*s", (int)(sp != NULL ? sp - d : (ptrdiff_t)line), d);
	if (sp != NULL) {
		size_t ul = line - (size_t)(sp + 1 - d);

		snprintf(url, sizeof(url), "%.*s", (int)ul, sp + 1);
	} else {
		url[0] = '\0';
	}
	/* the query is not part of the path; of its arguments only since counts */
	q = strchr(url, '?');
	if (q != NULL) {
		char *since = strstr(q + 1, "since=");

		*q = '\0';
		if (since != NULL && (since == q + 1 || since[-1] == '&')) {
			since += 6;
			since[strcspn(since, "&")] = '\0';
			snprintf(r->since, sizeof(r->since), "%s", since);
		}
	}
	snprintf(r->path, sizeof(r->path), "%s", url);
	if (nl != NULL && (size_t)(nl + 1 - d) < n) {
		size_t bl = n - (size_t)(nl + 1 - d);

		r->body = malloc(bl + 1);
		CHECK(r->body != NULL);
		memcpy(r->body, nl + 1, bl);
		r->body[bl] = '\0';
		r->body_len = bl;
	}
}

/* A fresh data plane and API state. */
static void
app_start(void)
{
	struct nc_dp_port_setup ps = { .port_id = 0 };

	memset(&fz.a, 0, sizeof(fz.a));
	fz.a.cfg = &fz.cfg;
	fz.a.pool = fz.a.ctl_pool = fz.pool;
	memcpy(ps.mac.addr_bytes, fz.cfg.ports[0].mac, 6);
	fz.a.dp = nc_dp_create(&fz.cfg, &ps, fz.pool, SOCKET_ID_ANY);
	CHECK(fz.a.dp != NULL);
	CHECK(nc_api_init(&fz.a) == 0);
}

static void
app_stop(void)
{
	nc_api_fini(&fz.a);
	nc_dp_free(fz.a.dp);
}

/* What a reader sees of every service and the event list, without the
 * clock: a request that failed must leave it as it was. Malloc'd. */
static char *
snapshot(void)
{
	struct nc_api_req r;
	json_t *j;
	char *out;

	memset(&r, 0, sizeof(r));
	snprintf(r.method, sizeof(r.method), "GET");
	snprintf(r.path, sizeof(r.path), "/api/v1/services");
	nc_api_handle(&fz.a, &r);
	CHECK(r.status == 200);
	j = json_loadb(r.out, r.out_len, 0, NULL);
	CHECK(j != NULL);
	json_object_del(j, "time");
	free(r.out);
	memset(&r, 0, sizeof(r));
	snprintf(r.method, sizeof(r.method), "GET");
	snprintf(r.path, sizeof(r.path), "/api/v1/events");
	nc_api_handle(&fz.a, &r);
	CHECK(r.status == 200);
	json_object_set_new(j, "events", json_loadb(r.out, r.out_len, 0, NULL));
	free(r.out);
	out = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK(out != NULL);
	json_decref(j);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int statuses[] = { 200, 201, 202, 400, 404, 405, 409 };
	struct nc_api_req r;
	unsigned int i, known = 0;
	char *before, *after;

	if (fz.a.dp == NULL)
		app_start();
	memset(&r, 0, sizeof(r));
	parse(data, size, &r);
	before = snapshot();
	nc_api_handle(&fz.a, &r);
	for (i = 0; i < RTE_DIM(statuses); i++)
		known |= r.status == statuses[i];
	if (!known)
		fprintf(stderr, "status %u: %.*s\n", r.status, (int)r.out_len,
			r.out != NULL ? r.out : "");
	CHECK(known);
	CHECK(r.ctype != NULL && r.out != NULL && r.out_len > 0);
	if (strcmp(r.ctype, "application/json") == 0) {
		json_error_t je;
		json_t *j = json_loadb(r.out, r.out_len, 0, &je);

		CHECK(j != NULL);
		if (r.status >= 400)
			CHECK(json_is_string(json_object_get(j, "error")) &&
			      json_string_length(json_object_get(j, "error")) > 0);
		json_decref(j);
	}
	if (r.status >= 400) {
		/* refused: nothing applied */
		after = snapshot();
		if (strcmp(before, after) != 0)
			fprintf(stderr, "changed by a refused request:\n%s\n%s\n", before, after);
		CHECK(strcmp(before, after) == 0);
		free(after);
	} else if (strcmp(r.method, "GET") != 0 && strcmp(r.method, "HEAD") != 0) {
		/* applied: the next input starts from the startup file again */
		app_stop();
		app_start();
	}
	free(before);
	free(r.out);
	free(r.body);
	return 0;
}
