/* SPDX-License-Identifier: BSD-3-Clause
 * netchestra-ctl's pure half: the human tables printed from the management
 * API's JSON (services, one service, events, confirmations, error lines),
 * odd JSON included, and the argument parsers with bad inputs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <jansson.h>

#include "ctl_format.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

/* Parse a fixture; a broken fixture fails the test, not the code under test. */
static json_t *
load(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &err);

	if (j == NULL)
		fail_msg("fixture is not JSON: %s (line %d)", err.text, err.line);
	return j;
}

/* Output of one printer into a string (caller frees). */
struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

static void
capture_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
}

static char *
capture_close(struct capture *c)
{
	assert_int_equal(fclose(c->f), 0);
	return c->buf;
}

static void
print_lines(const char *s)
{
	const char *nl;

	for (; *s != '\0'; s = nl + 1) {
		nl = strchr(s, '\n');
		if (nl == NULL) {
			print_error("%s\n", s);
			return;
		}
		print_error("%.*s\n", (int)(nl - s), s);
	}
}

static void
expect_text(const char *desc, const char *got, const char *want)
{
	if (strcmp(got, want) != 0) {
		/* Line by line: cmocka cuts long messages. */
		print_error("case: %s\n--- want\n", desc);
		print_lines(want);
		print_error("--- got\n");
		print_lines(got);
		print_error("---\n");
		fail();
	}
}

/* ---------------------------------------------------------------- fixtures */

#define SRV_N0 \
	"{\"name\": \"n0\", \"address\": \"10.201.0.11\", \"port\": 8080, \"state\": \"up\"," \
	" \"health\": \"up\", \"weight\": 58, \"rt_avg_us\": 1100, \"rt_p99_us\": 4200," \
	" \"flows_active\": 4, \"flows\": 1200, \"requests\": 5000, \"requests_per_s\": 80.2," \
	" \"bytes\": 123456, \"held\": 2, \"replays\": 1, \"probes_good\": 10," \
	" \"probes_bad\": 0, \"down_count\": 0}"
#define SRV_N1 \
	"{\"name\": \"n1\", \"address\": \"10.201.0.12\", \"port\": 8080, \"state\": \"drain\"," \
	" \"health\": \"up\", \"weight\": 0, \"rt_avg_us\": 23000, \"rt_p99_us\": 12500000," \
	" \"flows_active\": 17, \"flows\": 98765, \"requests\": 123456, \"requests_per_s\": 0," \
	" \"bytes\": 900, \"held\": 0, \"replays\": 12, \"probes_good\": 7," \
	" \"probes_bad\": 3, \"down_count\": 1}"
#define SRV_N2_PROBE_DOWN \
	"{\"name\": \"n2\", \"address\": \"10.201.0.13\", \"port\": 8080, \"state\": \"up\"," \
	" \"health\": \"down\", \"weight\": 0, \"rt_avg_us\": 850, \"rt_p99_us\": 0," \
	" \"flows_active\": 0, \"flows\": 5, \"requests\": 5, \"requests_per_s\": 0.04," \
	" \"bytes\": 5000000000, \"held\": 0, \"replays\": 0, \"probes_good\": 0," \
	" \"probes_bad\": 9, \"down_count\": 3}"
#define SVC_WEB \
	"{\"name\": \"web\", \"vip\": \"10.200.0.1\", \"port\": 80, \"proto\": \"tcp\"," \
	" \"scheduler\": \"ratio\", \"health\": \"http\"," \
	" \"adaptive\": {\"enabled\": true, \"mode\": \"fast\", \"interval_ms\": 1000," \
	"   \"step\": 1, \"min_weight\": 1}," \
	" \"failsafe\": {\"enabled\": true, \"response_timeout_ms\": 2000, \"max_replays\": 2," \
	"   \"held_now\": 3, \"held\": 1234, \"replays\": 5, \"resets\": 0, \"store_full\": 0}," \
	" \"persistence_s\": 30, \"flows_active\": 12, \"requests_per_s\": 143.5," \
	" \"servers\": [" SRV_N0 ", " SRV_N1 ", " SRV_N2_PROBE_DOWN "]}"
#define SVC_DNS \
	"{\"name\": \"dns\", \"vip\": \"10.200.0.1\", \"port\": 53, \"proto\": \"udp\"," \
	" \"adaptive\": {\"enabled\": false, \"mode\": \"paper\"}," \
	" \"failsafe\": {\"enabled\": false}," \
	" \"servers\": [{\"name\": \"d0\", \"address\": \"10.201.0.11\", \"port\": 5353," \
	"   \"state\": \"up\", \"health\": \"up\", \"weight\": 100, \"rt_avg_us\": 0," \
	"   \"rt_p99_us\": 999, \"flows_active\": 1, \"requests_per_s\": 12.25," \
	"   \"held\": 0, \"replays\": 0}]}"
/* An IPv6 service as the API gives it: no probes, adaptive or fail-safe yet. */
#define SVC_WEB6 \
	"{\"name\": \"web6\", \"vip\": \"fd00:200::100\", \"port\": 80, \"proto\": \"tcp\"," \
	" \"scheduler\": \"ratio\", \"health\": \"none\"," \
	" \"adaptive\": {\"enabled\": false, \"mode\": \"fast\", \"interval_ms\": 1000," \
	"   \"step\": 1, \"min_weight\": 1}," \
	" \"failsafe\": {\"enabled\": false}, \"persistence_s\": 0, \"flows_active\": 3," \
	" \"requests_per_s\": 2.5, \"servers\": [" \
	"{\"name\": \"v0\", \"address\": \"fd00:201::11\", \"port\": 8080, \"state\": \"up\"," \
	" \"health\": \"up\", \"weight\": 50, \"rt_avg_us\": 0, \"rt_p99_us\": 0," \
	" \"flows_active\": 2, \"flows\": 40, \"requests\": 0, \"requests_per_s\": 0," \
	" \"bytes\": 2048, \"held\": 0, \"replays\": 0, \"probes_good\": 0," \
	" \"probes_bad\": 0, \"down_count\": 0}, " \
	"{\"name\": \"v1\", \"address\": \"2001:db8:ffff:ffff:ffff:ffff:ffff:fffe\", \"port\": 65535," \
	" \"state\": \"up\", \"health\": \"up\", \"weight\": 50, \"rt_avg_us\": 0," \
	" \"rt_p99_us\": 0, \"flows_active\": 1, \"flows\": 39, \"requests\": 0," \
	" \"requests_per_s\": 0, \"bytes\": 1024, \"held\": 0, \"replays\": 0," \
	" \"probes_good\": 0, \"probes_bad\": 0, \"down_count\": 0}]}"

#define WEB_BRIEF \
	"web 10.200.0.1:80/tcp adaptive fast failsafe on (held 3, replays 5, resets 0)\n" \
	"SERVER  ADDRESS           STATE       WEIGHT  RT_AVG  RT_P99  FLOWS  REQ/S  HELD  REPLAYS\n" \
	"n0      10.201.0.11:8080  up              58   1.1ms   4.2ms      4   80.2     2        1\n" \
	"n1      10.201.0.12:8080  drain            0  23.0ms   12.5s     17    0.0     0       12\n" \
	"n2      10.201.0.13:8080  probe-down       0   850us       -      0    0.0     0        0\n"

/* ------------------------------------------------------------- services */

struct print_case {
	const char *desc;
	const char *json;
	int rc;
	const char *want;
};

static const struct print_case services_cases[] = {
	{ "one service: header line and aligned table", "{\"services\": [" SVC_WEB "]}", 0,
	  WEB_BRIEF },
	{ "two services, a blank line apart; adaptive and failsafe off",
	  "{\"services\": [" SVC_WEB ", " SVC_DNS "], \"time\": 1764091234.123}", 0,
	  WEB_BRIEF "\n"
	  "dns 10.200.0.1:53/udp adaptive off failsafe off\n"
	  "SERVER  ADDRESS           STATE  WEIGHT  RT_AVG  RT_P99  FLOWS  REQ/S  HELD  REPLAYS\n"
	  "d0      10.201.0.11:5353  up        100       -   999us      1   12.2     0        0\n" },
	{ "no service at all", "{\"services\": []}", 0, "no services\n" },
	{ "every field missing prints -",
	  "{\"services\": [{\"servers\": [{}]}]}", 0,
	  "- -/- adaptive - failsafe -\n"
	  "SERVER  ADDRESS  STATE  WEIGHT  RT_AVG  RT_P99  FLOWS  REQ/S  HELD  REPLAYS\n"
	  "-       -        -           -       -       -      -      -     -        -\n" },
	{ "wrong types print -, a non-object server too",
	  "{\"services\": [{\"name\": 7, \"vip\": [], \"port\": \"80\", \"proto\": null,"
	  " \"adaptive\": \"fast\", \"failsafe\": {\"enabled\": \"yes\"},"
	  " \"servers\": [5, {\"name\": \"q\", \"address\": \"10.0.0.1\", \"port\": \"x\","
	  " \"weight\": \"heavy\", \"rt_avg_us\": -5, \"rt_p99_us\": true, \"held\": 2.0}]}]}", 0,
	  "- -/- adaptive - failsafe -\n"
	  "SERVER  ADDRESS     STATE  WEIGHT  RT_AVG  RT_P99  FLOWS  REQ/S  HELD  REPLAYS\n"
	  "-       -           -           -       -       -      -      -     -        -\n"
	  "q       10.0.0.1:-  -           -       -       -      -      -     2        -\n" },
	{ "servers not an array: header and empty table",
	  "{\"services\": [{\"name\": \"s\", \"servers\": {\"n0\": {}}}, 7]}", 0,
	  "s -/- adaptive - failsafe -\n"
	  "SERVER  ADDRESS  STATE  WEIGHT  RT_AVG  RT_P99  FLOWS  REQ/S  HELD  REPLAYS\n"
	  "\n"
	  "- -/- adaptive - failsafe -\n"
	  "SERVER  ADDRESS  STATE  WEIGHT  RT_AVG  RT_P99  FLOWS  REQ/S  HELD  REPLAYS\n" },
	{ "control characters cannot reach the terminal",
	  "{\"services\": [{\"name\": \"w\\u001b[31m\", \"servers\": [{\"name\": \"a\\nb\","
	  " \"state\": \"up\\r\"}]}]}", 0,
	  "w?[31m -/- adaptive - failsafe -\n"
	  "SERVER  ADDRESS  STATE  WEIGHT  RT_AVG  RT_P99  FLOWS  REQ/S  HELD  REPLAYS\n"
	  "a?b     -        up?         -       -       -      -      -     -        -\n" },
	{ "UTF-8 names take one column per character",
	  "{\"services\": [{\"name\": \"s\", \"servers\": [{\"name\": \"n\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"},"
	  " {\"name\": \"x\"}]}]}", 0,
	  "s -/- adaptive - failsafe -\n"
	  "SERVER    ADDRESS  STATE  WEIGHT  RT_AVG  RT_P99  FLOWS  REQ/S  HELD  REPLAYS\n"
	  "n\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9  -        -           -       -       -      -      -     -        -\n"
	  "x         -        -           -       -       -      -      -     -        -\n" },
	{ "response time boundaries: us below 1 ms, s from 10 s",
	  "{\"services\": [{\"name\": \"rt\", \"servers\": ["
	  "{\"name\": \"a\", \"rt_avg_us\": 999, \"rt_p99_us\": 1000},"
	  "{\"name\": \"b\", \"rt_avg_us\": 9999999, \"rt_p99_us\": 10000000},"
	  "{\"name\": \"c\", \"rt_avg_us\": 1, \"rt_p99_us\": 0.4}]}]}", 0,
	  "rt -/- adaptive - failsafe -\n"
	  "SERVER  ADDRESS  STATE  WEIGHT     RT_AVG  RT_P99  FLOWS  REQ/S  HELD  REPLAYS\n"
	  "a       -        -           -      999us   1.0ms      -      -     -        -\n"
	  "b       -        -           -  10000.0ms   10.0s      -      -     -        -\n"
	  "c       -        -           -        1us     0us      -      -     -        -\n" },
	{ "IPv6 text is bracketed before the port",
	  "{\"services\": [{\"name\": \"v6\", \"vip\": \"2001:db8::1\", \"port\": 443,"
	  " \"proto\": \"tcp\", \"servers\": []}]}", 0,
	  "v6 [2001:db8::1]:443/tcp adaptive - failsafe -\n"
	  "SERVER  ADDRESS  STATE  WEIGHT  RT_AVG  RT_P99  FLOWS  REQ/S  HELD  REPLAYS\n" },
	{ "an IPv4 and an IPv6 service: each table as wide as its addresses",
	  "{\"services\": [" SVC_WEB ", " SVC_WEB6 "]}", 0,
	  WEB_BRIEF "\n"
	  "web6 [fd00:200::100]:80/tcp adaptive off failsafe off\n"
	  "SERVER  ADDRESS                                         STATE  WEIGHT  RT_AVG  RT_P99"
	  "  FLOWS  REQ/S  HELD  REPLAYS\n"
	  "v0      [fd00:201::11]:8080                             up         50       -       -"
	  "      2    0.0     0        0\n"
	  "v1      [2001:db8:ffff:ffff:ffff:ffff:ffff:fffe]:65535  up         50       -       -"
	  "      1    0.0     0        0\n" },
	{ "no services list", "{\"items\": []}", -EINVAL, "" },
	{ "services not a list", "{\"services\": {}}", -EINVAL, "" },
	{ "answer is an array", "[1, 2]", -EINVAL, "" },
};

/* Run <n> print cases through <print>: its return code and exact output. */
static void
run_print_cases(const struct print_case *cases, size_t n, int (*print)(FILE *, const json_t *))
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct print_case *tc = &cases[i];
		json_t *root = load(tc->json);
		struct capture c;
		char *out;
		int rc;

		capture_open(&c);
		rc = print(c.f, root);
		out = capture_close(&c);
		if (rc != tc->rc)
			fail_msg("case: %s: rc %d, want %d", tc->desc, rc, tc->rc);
		expect_text(tc->desc, out, tc->want);
		free(out);
		json_decref(root);
	}
}

static void
test_print_services(void **state)
{
	(void)state;
	run_print_cases(services_cases, DIM(services_cases), nc_ctl_print_services);
}

/* -------------------------------------------------------------- service */

static const struct print_case service_cases[] = {
	{ "one service in detail", SVC_WEB, 0,
	  "web 10.200.0.1:80/tcp adaptive fast failsafe on (held 3, replays 5, resets 0)\n"
	  "  scheduler ratio, health http, persistence 30 s, flows 12 open, 143.5 req/s\n"
	  "  adaptive on, mode fast, interval 1000 ms, step 1, min weight 1\n"
	  "  failsafe on, response timeout 2000 ms, max replays 2, held 3 now / 1234 in all,"
	  " replays 5, resets 0, store full 0\n"
	  "SERVER  ADDRESS           STATE  HEALTH  WEIGHT  RT_AVG  RT_P99  FLOWS  FLOWS_ALL"
	  "  REQUESTS  REQ/S     BYTES  HELD  REPLAYS  PROBES_OK/BAD  DOWNS\n"
	  "n0      10.201.0.11:8080  up     up          58   1.1ms   4.2ms      4       1200"
	  "      5000   80.2  120.6KiB     2        1           10/0      0\n"
	  "n1      10.201.0.12:8080  drain  up           0  23.0ms   12.5s     17      98765"
	  "    123456    0.0      900B     0       12            7/3      1\n"
	  "n2      10.201.0.13:8080  up     down         0   850us       -      0          5"
	  "         5    0.0    4.7GiB     0        0            0/9      3\n" },
	{ "byte units at their boundaries",
	  "{\"name\": \"b\", \"servers\": [{\"name\": \"a\", \"bytes\": 1023},"
	  " {\"name\": \"b\", \"bytes\": 1024}, {\"name\": \"c\", \"bytes\": 1048575},"
	  " {\"name\": \"d\", \"bytes\": 0}, {\"name\": \"e\", \"bytes\": -1}]}", 0,
	  "b -/- adaptive - failsafe -\n"
	  "  scheduler -, health -, persistence - s, flows - open, - req/s\n"
	  "  adaptive -, mode -, interval - ms, step -, min weight -\n"
	  "  failsafe -, response timeout - ms, max replays -, held - now / - in all,"
	  " replays -, resets -, store full -\n"
	  "SERVER  ADDRESS  STATE  HEALTH  WEIGHT  RT_AVG  RT_P99  FLOWS  FLOWS_ALL"
	  "  REQUESTS  REQ/S   BYTES  HELD  REPLAYS  PROBES_OK/BAD  DOWNS\n"
	  "a       -        -      -            -       -       -      -          -"
	  "         -      -   1023B     -        -            -/-      -\n"
	  "b       -        -      -            -       -       -      -          -"
	  "         -      -  1.0KiB     -        -            -/-      -\n"
	  "c       -        -      -            -       -       -      -          -"
	  "         -      -  1.0MiB     -        -            -/-      -\n"
	  "d       -        -      -            -       -       -      -          -"
	  "         -      -      0B     -        -            -/-      -\n"
	  "e       -        -      -            -       -       -      -          -"
	  "         -      -       -     -        -            -/-      -\n" },
	{ "sections missing print -",
	  "{\"name\": \"bare\", \"servers\": []}", 0,
	  "bare -/- adaptive - failsafe -\n"
	  "  scheduler -, health -, persistence - s, flows - open, - req/s\n"
	  "  adaptive -, mode -, interval - ms, step -, min weight -\n"
	  "  failsafe -, response timeout - ms, max replays -, held - now / - in all,"
	  " replays -, resets -, store full -\n"
	  "SERVER  ADDRESS  STATE  HEALTH  WEIGHT  RT_AVG  RT_P99  FLOWS  FLOWS_ALL"
	  "  REQUESTS  REQ/S  BYTES  HELD  REPLAYS  PROBES_OK/BAD  DOWNS\n" },
	{ "a maglev service: its table size and seed",
	  "{\"name\": \"api\", \"vip\": \"10.200.0.1\", \"port\": 443, \"proto\": \"tcp\","
	  " \"scheduler\": \"maglev\", \"maglev_size\": 65537, \"maglev_seed\": 2654435769,"
	  " \"health\": \"tcp\", \"persistence_s\": 300, \"flows_active\": 2, \"requests_per_s\": 1,"
	  " \"servers\": []}", 0,
	  "api 10.200.0.1:443/tcp adaptive - failsafe -\n"
	  "  scheduler maglev (table 65537, seed 2654435769), health tcp, persistence 300 s,"
	  " flows 2 open, 1.0 req/s\n"
	  "  adaptive -, mode -, interval - ms, step -, min weight -\n"
	  "  failsafe -, response timeout - ms, max replays -, held - now / - in all,"
	  " replays -, resets -, store full -\n"
	  "SERVER  ADDRESS  STATE  HEALTH  WEIGHT  RT_AVG  RT_P99  FLOWS  FLOWS_ALL"
	  "  REQUESTS  REQ/S  BYTES  HELD  REPLAYS  PROBES_OK/BAD  DOWNS\n" },
	{ "an IPv6 service in detail", SVC_WEB6, 0,
	  "web6 [fd00:200::100]:80/tcp adaptive off failsafe off\n"
	  "  scheduler ratio, health none, persistence 0 s, flows 3 open, 2.5 req/s\n"
	  "  adaptive off, mode fast, interval 1000 ms, step 1, min weight 1\n"
	  "  failsafe off, response timeout - ms, max replays -, held - now / - in all,"
	  " replays -, resets -, store full -\n"
	  "SERVER  ADDRESS                                         STATE  HEALTH  WEIGHT  RT_AVG"
	  "  RT_P99  FLOWS  FLOWS_ALL  REQUESTS  REQ/S   BYTES  HELD  REPLAYS  PROBES_OK/BAD  DOWNS\n"
	  "v0      [fd00:201::11]:8080                             up     up          50       -"
	  "       -      2         40         0    0.0  2.0KiB     0        0            0/0      0\n"
	  "v1      [2001:db8:ffff:ffff:ffff:ffff:ffff:fffe]:65535  up     up          50       -"
	  "       -      1         39         0    0.0  1.0KiB     0        0            0/0      0\n" },
	{ "not an object", "[\"web\"]", -EINVAL, "" },
	{ "a bare string", "\"web\"", -EINVAL, "" },
};

static void
test_print_service(void **state)
{
	(void)state;
	run_print_cases(service_cases, DIM(service_cases), nc_ctl_print_service);
}

/* --------------------------------------------------------------- events */

static const struct print_case events_cases[] = {
	{ "two events, time in UTC with milliseconds",
	  "{\"events\": [{\"id\": 9, \"t\": 1764091200.5, \"kind\": \"state\","
	  " \"service\": \"web\", \"server\": \"n2\", \"text\": \"n2 down: 3 probes failed\"},"
	  " {\"id\": 17, \"t\": 1764091234.123, \"kind\": \"failover\", \"service\": \"web\","
	  " \"server\": \"n1\", \"text\": \"broken transaction detected: tcp"
	  " 10.200.0.13:38255 -> web on n1 (no response in 2000 ms)\"}], \"next\": 17}", 0,
	  "ID  TIME                     KIND      SERVICE  SERVER  TEXT\n"
	  " 9  2025-11-25 17:20:00.500  state     web      n2      n2 down: 3 probes failed\n"
	  "17  2025-11-25 17:20:34.123  failover  web      n1      broken transaction detected:"
	  " tcp 10.200.0.13:38255 -> web on n1 (no response in 2000 ms)\n" },
	{ "milliseconds rounding up to the next second",
	  "{\"events\": [{\"id\": 1, \"t\": 59.9996, \"kind\": \"config\", \"service\": \"web\","
	  " \"text\": \"adaptive mode fast\"}]}", 0,
	  "ID  TIME                     KIND    SERVICE  SERVER  TEXT\n"
	  " 1  1970-01-01 00:01:00.000  config  web      -       adaptive mode fast\n" },
	{ "no event", "{\"events\": [], \"next\": 0}", 0, "no events\n" },
	{ "odd entries print -",
	  "{\"events\": [{\"id\": \"x\", \"t\": \"soon\"}, 3, {\"id\": 5, \"t\": -1,"
	  " \"kind\": \"reset\", \"text\": \"tab\\there\"}, {\"t\": 1e300}]}", 0,
	  "ID  TIME  KIND   SERVICE  SERVER  TEXT\n"
	  " -  -     -      -        -       -\n"
	  " -  -     -      -        -       -\n"
	  " 5  -     reset  -        -       tab?here\n"
	  " -  -     -      -        -       -\n" },
	{ "no events list", "{\"next\": 3}", -EINVAL, "" },
	{ "events not a list", "{\"events\": \"none\"}", -EINVAL, "" },
};

static void
test_print_events(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	run_print_cases(events_cases, DIM(events_cases), nc_ctl_print_events);
}

/* -------------------------------------------------------------- cluster */

#define CLUSTER_JSON \
	"{\"enabled\": true, \"id\": 0, \"state\": \"ready\", \"draining\": false," \
	" \"epoch\": 1764091200000000, \"address\": \"10.201.0.201\", \"sync_port\": 7788," \
	" \"heartbeat_ms\": 100, \"dead_ms\": 500," \
	" \"services\": [{\"name\": \"web\", \"adaptive\": true, \"synced\": true, \"interval\": 1764091," \
	"   \"contributors\": 3, \"merges\": 40, \"merges_partial\": 1, \"adopted\": 0," \
	"   \"weights\": {\"n0\": 50, \"n1\": 30, \"n2\": 20}}," \
	"  {\"name\": \"dns\", \"adaptive\": false, \"synced\": true, \"interval\": 0," \
	"   \"contributors\": 0, \"merges\": 0, \"merges_partial\": 0, \"adopted\": 0, \"weights\": null}]," \
	" \"peers\": [{\"address\": \"10.201.0.202\", \"port\": 7788, \"id\": 1, \"state\": \"up\"," \
	"   \"said\": \"ready\", \"last_heard_ms\": 40, \"rtt_ms\": 0.0, \"epoch\": 5, \"macs\": []," \
	"   \"services\": [{\"name\": \"web\", \"digest_match\": true, \"synced\": true," \
	"     \"interval\": 1764091, \"weights\": {\"n0\": 50, \"n1\": 30, \"n2\": 20}}," \
	"    {\"name\": \"dns\", \"digest_match\": false, \"synced\": false, \"interval\": null," \
	"     \"weights\": null}]}," \
	"  {\"address\": \"10.201.0.203\", \"port\": 7788, \"id\": null, \"state\": \"down\"," \
	"   \"said\": null, \"last_heard_ms\": null, \"rtt_ms\": null, \"epoch\": 0, \"macs\": []," \
	"   \"services\": [{\"name\": \"web\", \"digest_match\": null, \"synced\": false," \
	"     \"interval\": null, \"weights\": null}]}]," \
	" \"channel\": {\"tx\": 1200, \"tx_failed\": 0, \"rx_ok\": 800, \"rx_malformed\": 2," \
	"   \"rx_bad_auth\": 7, \"rx_replayed\": 1, \"rx_version\": 0, \"rx_unknown_peer\": 3," \
	"   \"rx_records_skipped\": 0}}"

static const struct print_case cluster_cases[] = {
	{ "two peers, one up with a service that differs, one never heard", CLUSTER_JSON, 0,
	  "cluster id 0, ready, draining off, channel 10.201.0.201:7788 (heartbeat 100 ms, dead 500 ms)\n"
	  "PEER               ID  STATE  SAID   HEARD  RTT  CONFIG      WEIGHTS\n"
	  "10.201.0.202:7788   1  up     ready   0.0s  0ms  dns differ  web 50/30/20\n"
	  "10.201.0.203:7788   -  down   -      never    -  -           -\n"
	  "web: synced, interval 1764091, merged from 3 (1 partial), adopted 0, weights 50/30/20\n"
	  "channel: tx 1200, rx ok 800, malformed 2, bad_auth 7, replayed 1, version 0, unknown_peer 3\n" },
	{ "no cluster", "{\"enabled\": false, \"draining\": false}", 0,
	  "no cluster section (a single dispatcher)\n" },
	{ "not the cluster's answer", "{\"services\": []}", -EINVAL, "" },
	{ "not an object", "[1]", -EINVAL, "" },
};

static void
test_print_cluster(void **state)
{
	(void)state;
	run_print_cases(cluster_cases, DIM(cluster_cases), nc_ctl_print_cluster);
}

/* -------------------------------------------------------- confirmations */

struct change_case {
	const char *desc;
	const char *svc, *srv;
	const char *json;    /* NULL: no answer body */
	bool added;
	const char *want;
};

static const struct change_case change_cases[] = {
	{ "drain", "web", "n1", "{\"name\": \"n1\", \"state\": \"drain\", \"health\": \"up\","
	  " \"weight\": 0}", false, "web/n1: drain, weight 0\n" },
	{ "enable while probes fail", "web", "n2", "{\"name\": \"n2\", \"state\": \"up\","
	  " \"health\": \"down\", \"weight\": 30}", false, "web/n2: up, weight 30, probes down\n" },
	{ "weight", "web", "n0", "{\"name\": \"n0\", \"state\": \"up\", \"health\": \"up\","
	  " \"weight\": 40}", false, "web/n0: up, weight 40\n" },
	{ "add", "web", "n3", "{\"name\": \"n3\", \"address\": \"10.201.0.14\", \"port\": 8080,"
	  " \"state\": \"up\", \"health\": \"up\", \"weight\": 20}", true,
	  "web/n3: added 10.201.0.14:8080, up, weight 20\n" },
	{ "add an IPv6 server", "web6", "v2", "{\"name\": \"v2\", \"address\": \"fd00:201::14\","
	  " \"port\": 8080, \"state\": \"up\", \"health\": \"down\", \"weight\": 0}", true,
	  "web6/v2: added [fd00:201::14]:8080, up, weight 0, probes down\n" },
	{ "remove", "web", "n1", "{\"name\": \"n1\", \"state\": \"removing\", \"weight\": 0}",
	  false, "web/n1: removing, weight 0\n" },
	{ "the answer's name wins", "web", "N1", "{\"name\": \"n1\", \"state\": \"down\","
	  " \"weight\": 0}", false, "web/n1: down, weight 0\n" },
	{ "empty answer object", "web", "n1", "{}", false, "web/n1: -, weight -\n" },
	{ "no answer at all, added", "web", "n9", NULL, true, "web/n9: added -, -, weight -\n" },
	{ "control characters in names", "w\x1b", "n\n", "{\"state\": \"up\\u0007\"}", false,
	  "w?/n?: up?, weight -\n" },
};

static void
test_print_server_change(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < DIM(change_cases); i++) {
		const struct change_case *tc = &change_cases[i];
		json_t *root = tc->json != NULL ? load(tc->json) : NULL;
		struct capture c;
		char *out;

		capture_open(&c);
		nc_ctl_print_server_change(c.f, tc->svc, tc->srv, root, tc->added);
		out = capture_close(&c);
		expect_text(tc->desc, out, tc->want);
		free(out);
		json_decref(root);
	}
}

static const struct print_case adaptive_change_cases[] = {
	{ "the whole adaptive section", SVC_WEB, 0,
	  "web: adaptive on, mode fast, interval 1000 ms, step 1, min weight 1\n" },
	{ "switched off", "{\"adaptive\": {\"enabled\": false, \"mode\": \"paper\","
	  " \"interval_ms\": 500, \"step\": 2, \"min_weight\": 5}}", 0,
	  "web: adaptive off, mode paper, interval 500 ms, step 2, min weight 5\n" },
	{ "no adaptive section", "{}", 0,
	  "web: adaptive -, mode -, interval - ms, step -, min weight -\n" },
};

static void
test_print_adaptive_change(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < DIM(adaptive_change_cases); i++) {
		const struct print_case *tc = &adaptive_change_cases[i];
		json_t *root = load(tc->json);
		struct capture c;
		char *out;

		capture_open(&c);
		nc_ctl_print_adaptive_change(c.f, "web", root);
		out = capture_close(&c);
		expect_text(tc->desc, out, tc->want);
		free(out);
		json_decref(root);
	}
}

/* ----------------------------------------------------------- API errors */

struct api_error_case {
	const char *desc;
	long status;
	const char *body;
	const char *want;
};

static const struct api_error_case api_error_cases[] = {
	{ "error with field", 400, "{\"error\": \"must be 1..50, got 99\","
	  " \"field\": \"adaptive.step\"}", "400 must be 1..50, got 99 (field adaptive.step)" },
	{ "error without field", 401, "{\"error\": \"missing or wrong bearer token\"}",
	  "401 missing or wrong bearer token" },
	{ "empty field left out", 409, "{\"error\": \"last server\", \"field\": \"\"}",
	  "409 last server" },
	{ "not JSON: reason phrase", 500, "<html>oops</html>", "500 Internal Server Error" },
	{ "no body", 404, "", "404 Not Found" },
	{ "error not a string", 413, "{\"error\": 5}", "413 Content Too Large" },
	{ "empty error", 405, "{\"error\": \"\"}", "405 Method Not Allowed" },
	{ "unknown status", 418, "", "418 HTTP error" },
	{ "control characters", 400, "{\"error\": \"bad\\nvalue\\u001b\", \"field\": \"a\\tb\"}",
	  "400 bad?value? (field a?b)" },
};

static void
test_format_api_error(void **state)
{
	char buf[256], tiny[8];
	const char *body;
	size_t i;

	(void)state;
	for (i = 0; i < DIM(api_error_cases); i++) {
		const struct api_error_case *tc = &api_error_cases[i];

		memset(buf, 'x', sizeof(buf));
		nc_ctl_format_api_error(buf, sizeof(buf), tc->status, tc->body, strlen(tc->body));
		if (strcmp(buf, tc->want) != 0)
			fail_msg("case: %s: got '%s', want '%s'", tc->desc, buf, tc->want);
	}
	/* A short buffer is cut, still terminated. */
	body = "{\"error\": \"unknown service\"}";
	nc_ctl_format_api_error(tiny, sizeof(tiny), 404, body, strlen(body));
	assert_string_equal(tiny, "404 unk");
	/* Only <body_len> bytes are read: a cut body is not JSON. */
	nc_ctl_format_api_error(buf, sizeof(buf), 404, body, strlen(body) - 1);
	assert_string_equal(buf, "404 Not Found");
	/* NULL body. */
	nc_ctl_format_api_error(buf, sizeof(buf), 502, NULL, 0);
	assert_string_equal(buf, "502 Bad Gateway");
}

/* ------------------------------------------------------------ arguments */

struct u64_case {
	const char *s;
	uint64_t min, max;
	int rc;
	uint64_t want;
};

static const struct u64_case u64_cases[] = {
	{ "40", 1, 100, 0, 40 },
	{ "1", 1, 100, 0, 1 },
	{ "100", 1, 100, 0, 100 },
	{ "007", 1, 100, 0, 7 },
	{ "0", 1, 100, -ERANGE, 0 },
	{ "101", 1, 100, -ERANGE, 0 },
	{ "18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX },
	{ "18446744073709551616", 0, UINT64_MAX, -ERANGE, 0 },
	{ "99999999999999999999999", 0, UINT64_MAX, -ERANGE, 0 },
	{ "99999999999999999999x", 0, UINT64_MAX, -EINVAL, 0 },
	{ "", 0, 100, -EINVAL, 0 },
	{ "-1", 0, 100, -EINVAL, 0 },
	{ "+1", 0, 100, -EINVAL, 0 },
	{ " 1", 0, 100, -EINVAL, 0 },
	{ "1 ", 0, 100, -EINVAL, 0 },
	{ "0x10", 0, 100, -EINVAL, 0 },
	{ "1.5", 0, 100, -EINVAL, 0 },
	{ "ten", 0, 100, -EINVAL, 0 },
	{ NULL, 0, 100, -EINVAL, 0 },
};

static void
test_parse_u64(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < DIM(u64_cases); i++) {
		const struct u64_case *tc = &u64_cases[i];
		uint64_t v = 12345;
		int rc = nc_ctl_parse_u64(tc->s, tc->min, tc->max, &v);

		if (rc != tc->rc)
			fail_msg("'%s': rc %d, want %d", tc->s ? tc->s : "(null)", rc, tc->rc);
		/* On error the output is left alone. */
		if (v != (rc == 0 ? tc->want : 12345))
			fail_msg("'%s': value %llu", tc->s ? tc->s : "(null)", (unsigned long long)v);
	}
}

struct addr_case {
	const char *s;
	int rc;
	const char *addr;
	uint16_t port;
};

static const struct addr_case addr_cases[] = {
	{ "10.201.0.14:8080", 0, "10.201.0.14", 8080 },
	{ "0.0.0.0:1", 0, "0.0.0.0", 1 },
	{ "255.255.255.255:65535", 0, "255.255.255.255", 65535 },
	{ "10.201.0.14:0", -ERANGE, NULL, 0 },
	{ "10.201.0.14:65536", -ERANGE, NULL, 0 },
	{ "10.201.0.14", -EINVAL, NULL, 0 },
	{ "10.201.0.14:", -EINVAL, NULL, 0 },
	{ ":8080", -EINVAL, NULL, 0 },
	{ "10.201.0.14:80x", -EINVAL, NULL, 0 },
	{ "10.201.0.14:-80", -EINVAL, NULL, 0 },
	{ "10.201.0.14: 80", -EINVAL, NULL, 0 },
	{ "10.201.0:8080", -EINVAL, NULL, 0 },
	{ "10.201.0.256:8080", -EINVAL, NULL, 0 },
	{ "10.201.0.1.2:8080", -EINVAL, NULL, 0 },
	{ "010.201.0.14:8080", -EINVAL, NULL, 0 },
	{ "backend:8080", -EINVAL, NULL, 0 },
	{ "::1:8080", -EINVAL, NULL, 0 },              /* IPv6 only in brackets */
	{ "[::1]:8080", 0, "::1", 8080 },
	{ "[fd00:201:0::0014]:80", 0, "fd00:201::14", 80 },
	{ "[FD00:201::14]:65535", 0, "fd00:201::14", 65535 },
	{ "[::ffff:10.0.0.1]:80", 0, "::ffff:10.0.0.1", 80 },
	{ "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:1", 0,
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
	{ "[10.201.0.14]:8080", -EINVAL, NULL, 0 },    /* brackets only for IPv6 */
	{ "[::1]:0", -ERANGE, NULL, 0 },
	{ "[::1]", -EINVAL, NULL, 0 },
	{ "[::1:80", -EINVAL, NULL, 0 },
	{ "::1]:80", -EINVAL, NULL, 0 },
	{ "[]:80", -EINVAL, NULL, 0 },
	{ "[fe80::1%eth0]:80", -EINVAL, NULL, 0 },
	{ "[1:2:3:4:5:6:7:8:9]:80", -EINVAL, NULL, 0 },
	{ "255.255.255.2555:80", -EINVAL, NULL, 0 },
	{ "1234567890123456789:80", -EINVAL, NULL, 0 },
	{ "", -EINVAL, NULL, 0 },
	{ NULL, -EINVAL, NULL, 0 },
};

static void
test_parse_addr_port(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < DIM(addr_cases); i++) {
		const struct addr_case *tc = &addr_cases[i];
		char addr[NC_CTL_ADDR_MAX] = "untouched";
		uint16_t port = 7;
		int rc = nc_ctl_parse_addr_port(tc->s, addr, &port);

		if (rc != tc->rc)
			fail_msg("'%s': rc %d, want %d", tc->s ? tc->s : "(null)", rc, tc->rc);
		if (rc == 0) {
			assert_string_equal(addr, tc->addr);
			assert_int_equal(port, tc->port);
		} else {
			assert_int_equal(port, 7);
		}
	}
}

struct seconds_case {
	const char *s;
	int rc;
	long ms;
};

static const struct seconds_case seconds_cases[] = {
	{ "5", 0, 5000 },
	{ "0.5", 0, 500 },
	{ ".25", 0, 250 },
	{ "3600", 0, 3600000 },
	{ "0.0001", 0, 1 },     /* rounded up: never 0 (no timeout at all in libcurl) */
	{ "1.0005", 0, 1001 },
	{ "0", -ERANGE, 0 },
	{ "0.0", -ERANGE, 0 },
	{ "3600.5", -ERANGE, 0 },
	{ "", -EINVAL, 0 },
	{ ".", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "1e3", -EINVAL, 0 },
	{ "0x10", -EINVAL, 0 },
	{ "inf", -EINVAL, 0 },
	{ "nan", -EINVAL, 0 },
	{ " 5", -EINVAL, 0 },
	{ "5s", -EINVAL, 0 },
	{ "1.2.3", -EINVAL, 0 },
};

static void
test_parse_seconds(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < DIM(seconds_cases); i++) {
		const struct seconds_case *tc = &seconds_cases[i];
		long ms = -7;
		int rc = nc_ctl_parse_seconds(tc->s, 3600, &ms);

		if (rc != tc->rc)
			fail_msg("'%s': rc %d, want %d", tc->s, rc, tc->rc);
		if (ms != (rc == 0 ? tc->ms : -7))
			fail_msg("'%s': %ld ms, want %ld", tc->s, ms, tc->ms);
	}
}

/* adaptive key=value lists -> the JSON object sent, or the first error. */
struct adaptive_case {
	const char *desc;
	const char *kv[6];     /* NULL-terminated */
	int rc;
	const char *want;      /* compact JSON, keys sorted; or a part of the error */
};

static const struct adaptive_case adaptive_cases[] = {
	{ "every key with its JSON type",
	  { "enabled=true", "mode=fast", "interval_ms=500", "step=2", "min_weight=5", NULL }, 0,
	  "{\"enabled\":true,\"interval_ms\":500,\"min_weight\":5,\"mode\":\"fast\",\"step\":2}" },
	{ "switch off", { "enabled=false", NULL }, 0, "{\"enabled\":false}" },
	{ "paper mode", { "mode=paper", NULL }, 0, "{\"mode\":\"paper\"}" },
	{ "out of range numbers are the server's to judge", { "step=0", "interval_ms=99", NULL },
	  0, "{\"interval_ms\":99,\"step\":0}" },
	{ "largest number", { "interval_ms=2147483647", NULL }, 0,
	  "{\"interval_ms\":2147483647}" },
	{ "beyond int32", { "interval_ms=2147483648", NULL }, -EINVAL,
	  "interval_ms must be a whole number, got '2147483648'" },
	{ "enabled=yes", { "enabled=yes", NULL }, -EINVAL,
	  "enabled must be true or false, got 'yes'" },
	{ "enabled=1", { "enabled=1", NULL }, -EINVAL, "enabled must be true or false" },
	{ "enabled=True", { "enabled=True", NULL }, -EINVAL, "enabled must be true or false" },
	{ "mode=slow", { "mode=slow", NULL }, -EINVAL, "mode must be paper or fast, got 'slow'" },
	{ "empty value", { "mode=", NULL }, -EINVAL, "mode must be paper or fast, got ''" },
	{ "negative number", { "step=-1", NULL }, -EINVAL, "step must be a whole number" },
	{ "fraction", { "min_weight=1.5", NULL }, -EINVAL, "min_weight must be a whole number" },
	{ "unknown key", { "speed=3", NULL }, -EINVAL, "unknown adaptive key 'speed'" },
	{ "key prefix is not a key", { "enable=true", NULL }, -EINVAL,
	  "unknown adaptive key 'enable'" },
	{ "key with a longer name", { "steps=1", NULL }, -EINVAL, "unknown adaptive key 'steps'" },
	{ "no key", { "=1", NULL }, -EINVAL, "unknown adaptive key ''" },
	{ "no '='", { "enabled", NULL }, -EINVAL, "'enabled' is not key=value" },
	{ "given twice", { "step=1", "step=2", NULL }, -EINVAL, "adaptive key 'step' given twice" },
	{ "a bad one after good ones", { "mode=fast", "step=x", NULL }, -EINVAL,
	  "step must be a whole number, got 'x'" },
};

static void
test_adaptive_add(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < DIM(adaptive_cases); i++) {
		const struct adaptive_case *tc = &adaptive_cases[i];
		json_t *obj = json_object();
		char err[256] = "";
		int rc = 0;
		char *text;

		assert_non_null(obj);
		for (k = 0; tc->kv[k] != NULL && rc == 0; k++)
			rc = nc_ctl_adaptive_add(obj, tc->kv[k], err, sizeof(err));
		if (rc != tc->rc)
			fail_msg("case: %s: rc %d, want %d (%s)", tc->desc, rc, tc->rc, err);
		if (rc == 0) {
			text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
			assert_non_null(text);
			if (strcmp(text, tc->want) != 0)
				fail_msg("case: %s: sent %s, want %s", tc->desc, text, tc->want);
			free(text);
		} else if (strstr(err, tc->want) == NULL) {
			fail_msg("case: %s: message '%s' lacks '%s'", tc->desc, err, tc->want);
		}
		json_decref(obj);
	}
}

struct token_case {
	const char *in;
	int rc;
	const char *want;
};

static const struct token_case token_cases[] = {
	{ "s3cret", 0, "s3cret" },
	{ "  s3cret \n", 0, "s3cret" },
	{ "\t\ns3cret\r\n\r\n", 0, "s3cret" },
	{ "two words", 0, "two words" },
	{ "", -ENODATA, NULL },
	{ " \n\t ", -ENODATA, NULL },
	{ "line1\nline2", -EINVAL, NULL },
	{ "bad\rheader", -EINVAL, NULL },
	{ "caf\xc3\xa9", -EINVAL, NULL },
	{ "del\x7f", -EINVAL, NULL },
};

static void
test_token_trim(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < DIM(token_cases); i++) {
		const struct token_case *tc = &token_cases[i];
		char buf[64];
		char *tok = NULL;
		int rc;

		snprintf(buf, sizeof(buf), "%s", tc->in);
		rc = nc_ctl_token_trim(buf, &tok);
		if (rc != tc->rc)
			fail_msg("'%s': rc %d, want %d", tc->in, rc, tc->rc);
		if (rc == 0)
			assert_string_equal(tok, tc->want);
		else
			assert_null(tok);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_print_services),
		cmocka_unit_test(test_print_service),
		cmocka_unit_test(test_print_events),
		cmocka_unit_test(test_print_cluster),
		cmocka_unit_test(test_print_server_change),
		cmocka_unit_test(test_print_adaptive_change),
		cmocka_unit_test(test_format_api_error),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_addr_port),
		cmocka_unit_test(test_parse_seconds),
		cmocka_unit_test(test_adaptive_add),
		cmocka_unit_test(test_token_trim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
