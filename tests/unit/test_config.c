/* SPDX-License-Identifier: BSD-3-Clause
 * Startup file loader tests. A valid base config is changed in one place per case
 * (JSON pointer patches, or a hook for generated lists) and the loader must answer
 * with exactly the expected problem lines. Also: the values and defaults it fills
 * in, file errors, the reference file in config/ and every driver preset in
 * drivers-cfg/ merged into it.
 *
 * JSON text in this file is written with single quotes; dq() turns them into
 * double quotes before parsing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <jansson.h>

#include "nc_config.h"
#include "json_patch.h"

#ifndef NC_SOURCE_ROOT
#error "NC_SOURCE_ROOT (the source tree, for config/ and drivers-cfg/) is not defined"
#endif

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define MAX_PATCHES 4
#define MAX_WANT    8

static const char base_text[] =
	"{"
	" 'eal': { 'lcores': '0-2', 'memory_mb': 512, 'huge': 'off', 'file_prefix': 'nc-test',"
	"   'vdevs': [ 'net_pcap0,rx_pcap=in0.pcap,tx_pcap=out0.pcap',"
	"              'net_pcap1,rx_pcap=in1.pcap,tx_pcap=out1.pcap' ],"
	"   'allow': [], 'args': [ '--log-level=lib.eal:notice' ] },"
	" 'workers': { 'lcores': [1, 2], 'burst': 64, 'idle_sleep_us': 50 },"
	" 'ports': ["
	"   { 'name': 'p0', 'device': 'net_pcap0', 'ipv4': ['10.0.0.1/24', '10.1.0.1/24'],"
	"     'mac': '02:00:00:00:00:01', 'rx_desc': 512, 'tx_desc': 2048 },"
	"   { 'name': 'p1', 'device': 'net_pcap1', 'ipv4': ['10.2.0.1/24'],"
	"     'mac': '02:00:00:00:00:02' } ],"
	" 'neighbors': ["
	"   { 'ipv4': '10.1.0.11', 'mac': '02:00:00:00:01:11' },"
	"   { 'ipv4': '10.1.0.12', 'mac': '02:00:00:00:01:12' } ],"
	" 'routes': ["
	"   { 'prefix': '0.0.0.0/0', 'via': '10.0.0.254' },"
	"   { 'prefix': '192.168.0.0/16', 'via': '10.2.0.254' } ],"
	" 'limits': { 'max_flows': 65536, 'tcp_idle_s': 600, 'udp_idle_s': 60,"
	"   'tcp_fin_s': 5, 'tcp_syn_s': 20 },"
	" 'services': ["
	"   { 'name': 'web', 'vip': '10.0.0.1', 'port': 80, 'proto': 'tcp',"
	"     'local_ips': ['10.1.0.1', '10.1.0.2'], 'scheduler': 'ratio',"
	"     'servers': ["
	"       { 'name': 'n0', 'address': '10.1.0.11', 'port': 8080, 'weight': 30 },"
	"       { 'name': 'n1', 'address': '10.1.0.12', 'port': 8080, 'weight': 70 } ] },"
	"   { 'name': 'dns', 'vip': '10.0.0.2', 'port': 53, 'proto': 'udp',"
	"     'local_ips': ['10.2.0.1'], 'scheduler': 'smooth',"
	"     'servers': ["
	"       { 'name': 'd0', 'address': '192.168.1.10', 'port': 53, 'weight': 100 } ] } ]"
	"}";

/* ---- helpers ---- */

struct patch {
	const char *ptr;
	const char *val;   /* JSON text; NULL deletes */
};

typedef void (*hook_fn)(json_t *root);

/* The base config, changed by <pre> (when given), then <patches> and <hook>
 * applied, as JSON text. */
static char *build_on(hook_fn pre, const struct patch *patches, hook_fn hook)
{
	json_t *root = jparse(base_text);
	char *out;
	int i;

	if (pre != NULL)
		pre(root);
	for (i = 0; i < MAX_PATCHES && patches[i].ptr != NULL; i++)
		jset(root, patches[i].ptr, patches[i].val != NULL ? jparse(patches[i].val) : NULL);
	if (hook != NULL)
		hook(root);
	out = json_dumps(root, JSON_COMPACT);
	assert_non_null(out);
	json_decref(root);
	return out;
}

static char *build(const struct patch *patches, hook_fn hook)
{
	return build_on(NULL, patches, hook);
}

static void dump_errs(const struct nc_errors *e)
{
	nc_errors_print(e, stderr);
}

/* <errs> must hold exactly the lines <want> (NULL-terminated), in order. */
static void expect_lines(const struct nc_errors *errs, const char *const *want)
{
	unsigned int n = 0, i;
	bool same;

	while (n < MAX_WANT && want[n] != NULL)
		n++;
	same = errs->n == n && errs->n_dropped == 0;
	for (i = 0; same && i < n; i++)
		same = strcmp(errs->line[i], want[i]) == 0;
	if (same)
		return;
	fprintf(stderr, "expected:\n");
	for (i = 0; i < n; i++)
		fprintf(stderr, "  %s\n", want[i]);
	fprintf(stderr, "got:\n");
	dump_errs(errs);
	fail();
}

static struct nc_config *cfg_new(void)
{
	struct nc_config *cfg = calloc(1, sizeof(*cfg));

	assert_non_null(cfg);
	return cfg;
}

static struct nc_errors *errs_new(void)
{
	struct nc_errors *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	return e;
}

/* Parse <json>; it must be accepted. */
static void must_parse(const char *json, struct nc_config *cfg)
{
	struct nc_errors *e = errs_new();
	int rc = nc_config_parse_string(json, cfg, e);

	if (rc != 0 || e->n != 0) {
		dump_errs(e);
		fail_msg("config rejected (rc %d)", rc);
	}
	free(e);
}

/* ---- hooks: values too long for a table line, generated lists ---- */

static json_t *str_of(char ch, size_t n)
{
	char *s = malloc(n + 1);
	json_t *v;

	assert_non_null(s);
	memset(s, ch, n);
	s[n] = '\0';
	v = json_string(s);
	free(s);
	return v;
}

static void hook_device_256(json_t *r)
{
	jset(r, "/ports/1/device", str_of('x', 256));
}

static void hook_lcores_64(json_t *r)
{
	jset(r, "/eal/lcores", str_of('1', 64));
}

static void hook_prefix_64(json_t *r)
{
	jset(r, "/eal/file_prefix", str_of('a', 64));
}

static void hook_vip_100(json_t *r)
{
	jset(r, "/services/0/vip", str_of('x', 100));
}

static void hook_vip_71(json_t *r)
{
	jset(r, "/services/0/vip", str_of('y', 71));
}

static void hook_name_31(json_t *r)
{
	jset(r, "/services/0/name", str_of('s', 31));
}

static void hook_name_32(json_t *r)
{
	jset(r, "/services/0/name", str_of('s', 32));
}

static void hook_arg_255(json_t *r)
{
	jset(r, "/eal/args/-", str_of('x', 255));
}

static void hook_arg_256(json_t *r)
{
	jset(r, "/eal/args/-", str_of('x', 256));
}

static void hook_many_workers(json_t *r)
{
	json_t *a = json_array();
	int i;

	for (i = 1; i <= NC_MAX_WORKERS + 1; i++)
		json_array_append_new(a, json_integer(i));
	jset(r, "/eal/lcores", json_string("0-40"));
	jset(r, "/workers/lcores", a);
}

static void hook_many_ports(json_t *r)
{
	json_t *ports = jget(r, "/ports"), *vdevs = json_array();
	char dev[32], ip[32], name[32];
	int i;

	for (i = 0; i <= NC_MAX_PORTS; i++) {
		snprintf(dev, sizeof(dev), "net_null%d", i);
		json_array_append_new(vdevs, json_string(dev));
		if (i < 2) {
			json_object_set_new(json_array_get(ports, (size_t)i), "device",
					    json_string(dev));
			continue;
		}
		snprintf(name, sizeof(name), "p%d", i);
		snprintf(ip, sizeof(ip), "10.%d.0.1/24", 10 + i);
		json_array_append_new(ports, json_pack("{s:s, s:s, s:[s]}", "name", name,
						       "device", dev, "ipv4", ip));
	}
	jset(r, "/eal/vdevs", vdevs);
}

static void hook_many_port_addrs(json_t *r)
{
	json_t *a = jget(r, "/ports/0/ipv4");
	char ip[32];
	int i;

	for (i = 2; i <= NC_MAX_PORT_ADDRS; i++) {
		snprintf(ip, sizeof(ip), "10.%d.0.1/24", 20 + i);
		json_array_append_new(a, json_string(ip));
	}
}

static void hook_many_neighbors(json_t *r)
{
	json_t *a = json_array();
	char ip[32], mac[32];
	int i;

	for (i = 0; i <= NC_MAX_NEIGHBORS; i++) {
		snprintf(ip, sizeof(ip), "10.1.%d.%d", 1 + i / 200, 1 + i % 200);
		snprintf(mac, sizeof(mac), "02:00:00:01:%02x:%02x", i >> 8, i & 0xff);
		json_array_append_new(a, json_pack("{s:s, s:s}", "ipv4", ip, "mac", mac));
	}
	jset(r, "/ports/0/ipv4/1", json_string("10.1.0.1/16"));
	jset(r, "/neighbors", a);
}

static void hook_many_routes(json_t *r)
{
	json_t *a = jget(r, "/routes");
	char pf[32];
	int i;

	for (i = 2; i <= NC_MAX_ROUTES; i++) {
		snprintf(pf, sizeof(pf), "100.64.%d.0/24", i);
		json_array_append_new(a, json_pack("{s:s, s:s}", "prefix", pf,
						   "via", "10.0.0.254"));
	}
}

static void hook_many_services(json_t *r)
{
	json_t *a = jget(r, "/services");
	char name[32];
	int i;

	for (i = 2; i <= NC_MAX_SERVICES; i++) {
		snprintf(name, sizeof(name), "svc%d", i);
		json_array_append_new(a, json_pack(
			"{s:s, s:s, s:i, s:s, s:[s], s:[{s:s, s:s, s:i, s:i}]}",
			"name", name, "vip", "10.0.0.1", "port", 1000 + i, "proto", "tcp",
			"local_ips", "10.1.0.1", "servers", "name", "s0",
			"address", "10.1.0.11", "port", 80, "weight", 100));
	}
}

static void hook_many_servers(json_t *r)
{
	json_t *a = json_array();
	char name[32];
	int i;

	for (i = 0; i <= NC_MAX_SERVERS; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		json_array_append_new(a, json_pack("{s:s, s:s, s:i, s:i}", "name", name,
						   "address", "10.1.0.11", "port", 1000 + i,
						   "weight", 1));
	}
	jset(r, "/services/0/servers", a);
}

static void hook_many_local_ips(json_t *r)
{
	json_t *a = json_array();
	char ip[32];
	int i;

	for (i = 0; i <= NC_MAX_LOCAL_IPS; i++) {
		snprintf(ip, sizeof(ip), "10.1.0.%d", 100 + i);
		json_array_append_new(a, json_string(ip));
	}
	jset(r, "/services/0/local_ips", a);
}

static void hook_eal_list(json_t *r, const char *key, const char *fmt)
{
	json_t *a = json_array();
	char s[64];
	int i;

	for (i = 0; i <= NC_MAX_EAL_STRS; i++) {
		snprintf(s, sizeof(s), fmt, i);
		json_array_append_new(a, json_string(s));
	}
	json_object_set_new(jget(r, "/eal"), key, a);
}

static void hook_many_vdevs(json_t *r)
{
	hook_eal_list(r, "vdevs", "net_pcap%d");
}

static void hook_many_allow(json_t *r)
{
	hook_eal_list(r, "allow", "0000:%02x:00.0");
}

static void hook_many_args(json_t *r)
{
	hook_eal_list(r, "args", "--log-level=pmd.net.pcap:%d");
}

/* services[<svc>].health = { type, <key>: <text> } with <text> of <n> bytes. */
static void hook_health_str(json_t *r, int svc, const char *type, const char *key,
			    char lead, char ch, size_t n)
{
	json_t *v = str_of(ch, n);
	char *t = strdup(json_string_value(v)), ptr[64];

	assert_non_null(t);
	if (n > 0 && lead != '\0')
		t[0] = lead;
	snprintf(ptr, sizeof(ptr), "/services/%d/health", svc);
	jset(r, ptr, json_pack("{s:s, s:s}", "type", type, key, t));
	free(t);
	json_decref(v);
}

static void hook_http_path_127(json_t *r)
{
	hook_health_str(r, 0, "http", "http_path", '/', 'p', 127);
}

static void hook_http_path_128(json_t *r)
{
	hook_health_str(r, 0, "http", "http_path", '/', 'p', 128);
}

static void hook_hex_512(json_t *r)
{
	hook_health_str(r, 1, "udp", "udp_payload_hex", '\0', 'A', 512);
}

static void hook_hex_513(json_t *r)
{
	hook_health_str(r, 1, "udp", "udp_payload_hex", '\0', 'a', 513);
}

static void hook_hex_514(json_t *r)
{
	hook_health_str(r, 1, "udp", "udp_payload_hex", '\0', 'f', 514);
}

/* services[1] (dns): persistence_s 1 and a failsafe section. */
static void hook_dns_failsafe(json_t *r)
{
	jset(r, "/services/1/persistence_s", json_integer(1));
	jset(r, "/services/1/failsafe",
	     jparse("{'enabled': true, 'max_replays': 1, 'store_size': 131072, "
		    "'protocol': 'opaque', 'replay': 'idempotent', 'hold_limit_kb': 64}"));
}

/* ---- rejected configs: one change, exact lines ---- */

struct bad_case {
	const char *what;
	struct patch p[MAX_PATCHES];
	hook_fn hook;
	const char *want[MAX_WANT];
};

#define WANT(...) { __VA_ARGS__, NULL }

static const struct bad_case bad_cases[] = {
	/* the exception path and BGP */
	{ "host outside the port's subnets", { { "/ports/1/host", "'10.9.0.5/24'" } }, NULL,
	  WANT("ports[1].host: 10.9.0.5/24 is in none of this port's ipv4 subnets") },
	{ "host with another length", { { "/ports/1/host", "'10.2.0.5/16'" } }, NULL,
	  WANT("ports[1].host: 10.2.0.5/16 is in none of this port's ipv4 subnets") },
	{ "host is a local ip", { { "/ports/1/host", "'10.2.0.1/24'" } }, NULL,
	  WANT("ports[1].host: 10.2.0.1 is services[1].local_ips[0]") },
	{ "host is a vip", { { "/ports/0/host", "'10.0.0.2/24'" } }, NULL,
	  WANT("ports[0].host: 10.0.0.2 is services[1].vip") },
	{ "exception without a host", { { "/ports/1/exception", "{'enabled': true}" } }, NULL,
	  WANT("ports[1].exception.enabled: an exception interface needs ports[1].host or ports[1].host6") },
	{ "exception unknown key", { { "/ports/1/exception", "{'enabled': true, 'mtu': 1500}" },
	  { "/ports/1/host", "'10.2.0.5/24'" } }, NULL,
	  WANT("ports[1].exception.mtu: unknown key") },
	{ "exception ifname too long", { { "/ports/1/exception", "{'enabled': true, 'ifname': 'a-very-long-name'}" },
	  { "/ports/1/host", "'10.2.0.5/24'" } }, NULL,
	  WANT("ports[1].exception.ifname: must be at most 15 bytes long (a kernel interface name)") },
	{ "exception ifname twice", { { "/ports/1/exception", "{'enabled': true, 'ifname': 'x0'}" },
	  { "/ports/1/host", "'10.2.0.5/24'" }, { "/ports/0/host", "'10.0.0.5/24'" },
	  { "/ports/0/exception", "{'enabled': true, 'ifname': 'x0'}" } }, NULL,
	  WANT("ports[1].exception.ifname: duplicate interface name \"x0\" (same as ports[0])") },
	{ "top-level exception not a boolean", { { "/exception", "{'enabled': 1}" } }, NULL,
	  WANT("exception.enabled: must be a boolean, got integer") },
	{ "top-level exception ifname for two ports", { { "/exception", "{'enabled': true, 'ifname': 'nc-x'}" },
	  { "/ports/1/host", "'10.2.0.5/24'" }, { "/ports/0/host", "'10.0.0.5/24'" } }, NULL,
	  WANT("exception.ifname: names one interface, but 2 ports have a host and no exception of their own: give each its ports[].exception.ifname") },
	{ "bgp neighbor without an exception interface", { { "/bgp", "{'asn': 65001, 'neighbors': [{'address': '10.2.0.254', 'asn': 65000}]}" } },
	  NULL,
	  WANT("bgp.neighbors[0].address: 10.2.0.254 is on no port subnet with an exception interface (ports[].host and exception)") },
	{ "bgp hold time 2", { { "/bgp", "{'asn': 65001, 'hold_s': 2, 'neighbors': [{'address': '10.2.0.254', 'asn': 65000}]}" },
	  { "/ports/1/host", "'10.2.0.5/24'" }, { "/exception", "{'enabled': true}" } }, NULL,
	  WANT("bgp.hold_s: must be 0 or 3..65535 (RFC 4271), got 2") },
	{ "bgp without neighbors", { { "/bgp", "{'asn': 65001, 'neighbors': []}" } }, NULL,
	  WANT("bgp.neighbors: must not be empty") },
	{ "bgp asn 0", { { "/bgp", "{'asn': 0, 'neighbors': [{'address': '10.2.0.254', 'asn': 65000}]}" },
	  { "/ports/1/host", "'10.2.0.5/24'" }, { "/exception", "{'enabled': true}" } }, NULL,
	  WANT("bgp.asn: must be 1..4294967294, got 0") },
	{ "bgp neighbor is our host", { { "/bgp", "{'asn': 65001, 'neighbors': [{'address': '10.2.0.5', 'asn': 65000}]}" },
	  { "/ports/1/host", "'10.2.0.5/24'" }, { "/exception", "{'enabled': true}" } }, NULL,
	  WANT("bgp.neighbors[0].address: 10.2.0.5 is the appliance's own address (ports[1].host)") },
	{ "bgp bfd multiplier 0", { { "/bgp", "{'asn': 65001, 'bfd': {'multiplier': 0}, 'neighbors': [{'address': '10.2.0.254', 'asn': 65000}]}" },
	  { "/ports/1/host", "'10.2.0.5/24'" }, { "/exception", "{'enabled': true}" } }, NULL,
	  WANT("bgp.bfd.multiplier: must be 1..255, got 0") },
	{ "vip off-link without bgp", { { "/services/1/vip", "'10.7.0.1'" } }, NULL,
	  WANT("services[1].vip: 10.7.0.1 is not on-link (in no port subnet)") },
	/* unknown keys, at every level */
	{ "unknown top-level key", { { "/speed", "1" } }, NULL,
	  WANT("speed: unknown key") },
	{ "unknown eal key", { { "/eal/cores", "'0-1'" } }, NULL,
	  WANT("eal.cores: unknown key") },
	{ "unknown workers key", { { "/workers/queues", "2" } }, NULL,
	  WANT("workers.queues: unknown key") },
	{ "unknown port key", { { "/ports/0/speed", "1000" } }, NULL,
	  WANT("ports[0].speed: unknown key") },
	{ "unknown neighbor key", { { "/neighbors/1/vlan", "5" } }, NULL,
	  WANT("neighbors[1].vlan: unknown key") },
	{ "unknown route key", { { "/routes/0/metric", "1" } }, NULL,
	  WANT("routes[0].metric: unknown key") },
	{ "unknown limits key", { { "/limits/max_conns", "5" } }, NULL,
	  WANT("limits.max_conns: unknown key") },
	{ "unknown service key", { { "/services/1/affinity", "true" } }, NULL,
	  WANT("services[1].affinity: unknown key") },
	{ "unknown server key", { { "/services/0/servers/1/backup", "true" } }, NULL,
	  WANT("services[0].servers[1].backup: unknown key") },
	{ "key names are case-sensitive", { { "/services/0/Name", "'x'" } }, NULL,
	  WANT("services[0].Name: unknown key") },

	/* missing required keys */
	{ "no eal", { { "/eal", NULL } }, NULL, WANT("eal: missing required key") },
	{ "no eal.lcores", { { "/eal/lcores", NULL } }, NULL,
	  WANT("eal.lcores: missing required key") },
	{ "no workers", { { "/workers", NULL } }, NULL, WANT("workers: missing required key") },
	{ "no workers.lcores", { { "/workers/lcores", NULL } }, NULL,
	  WANT("workers.lcores: missing required key") },
	{ "no ports", { { "/ports", NULL } }, NULL, WANT("ports: missing required key") },
	{ "no services", { { "/services", NULL } }, NULL, WANT("services: missing required key") },
	{ "no port name", { { "/ports/0/name", NULL } }, NULL,
	  WANT("ports[0].name: missing required key") },
	{ "no port device", { { "/ports/1/device", NULL } }, NULL,
	  WANT("ports[1].device: missing required key") },
	{ "no port ipv4", { { "/ports/0/ipv4", NULL } }, NULL,
	  WANT("ports[0].ipv4: missing required key") },
	{ "no neighbor ipv4", { { "/neighbors/0/ipv4", NULL } }, NULL,
	  WANT("neighbors[0].ipv4: missing required key") },
	{ "no neighbor mac", { { "/neighbors/1/mac", NULL } }, NULL,
	  WANT("neighbors[1].mac: missing required key") },
	{ "no route prefix", { { "/routes/0/prefix", NULL } }, NULL,
	  WANT("routes[0].prefix: missing required key") },
	{ "no route via", { { "/routes/1/via", NULL } }, NULL,
	  WANT("routes[1].via: missing required key") },
	{ "no service name", { { "/services/0/name", NULL } }, NULL,
	  WANT("services[0].name: missing required key") },
	{ "no service vip", { { "/services/0/vip", NULL } }, NULL,
	  WANT("services[0].vip: missing required key") },
	{ "no service port", { { "/services/1/port", NULL } }, NULL,
	  WANT("services[1].port: missing required key") },
	{ "no service proto", { { "/services/1/proto", NULL } }, NULL,
	  WANT("services[1].proto: missing required key") },
	{ "no service local_ips", { { "/services/0/local_ips", NULL } }, NULL,
	  WANT("services[0].local_ips: missing required key") },
	{ "no service servers", { { "/services/0/servers", NULL } }, NULL,
	  WANT("services[0].servers: missing required key") },
	{ "no server name", { { "/services/0/servers/0/name", NULL } }, NULL,
	  WANT("services[0].servers[0].name: missing required key") },
	{ "no server address", { { "/services/0/servers/1/address", NULL } }, NULL,
	  WANT("services[0].servers[1].address: missing required key") },
	{ "no server port", { { "/services/1/servers/0/port", NULL } }, NULL,
	  WANT("services[1].servers[0].port: missing required key") },
	{ "no server weight", { { "/services/0/servers/0/weight", NULL } }, NULL,
	  WANT("services[0].servers[0].weight: missing required key") },

	/* wrong JSON types */
	{ "eal is an array", { { "/eal", "[]" } }, NULL,
	  WANT("eal: must be an object, got array") },
	{ "workers is a string", { { "/workers", "'x'" } }, NULL,
	  WANT("workers: must be an object, got string") },
	{ "limits is an integer", { { "/limits", "5" } }, NULL,
	  WANT("limits: must be an object, got integer") },
	{ "ports is an object", { { "/ports", "{}" } }, NULL,
	  WANT("ports: must be an array, got object") },
	{ "a port is a string", { { "/ports/1", "'p1'" } }, NULL,
	  WANT("ports[1]: must be an object, got string") },
	{ "neighbors is an object", { { "/neighbors", "{}" } }, NULL,
	  WANT("neighbors: must be an array, got object") },
	{ "a neighbor is null", { { "/neighbors/0", "null" } }, NULL,
	  WANT("neighbors[0]: must be an object, got null") },
	{ "routes is a string", { { "/routes", "'x'" } }, NULL,
	  WANT("routes: must be an array, got string") },
	{ "a route is an array", { { "/routes/1", "[]" } }, NULL,
	  WANT("routes[1]: must be an object, got array") },
	{ "services is an object", { { "/services", "{}" } }, NULL,
	  WANT("services: must be an array, got object") },
	{ "a service is an integer", { { "/services/1", "7" } }, NULL,
	  WANT("services[1]: must be an object, got integer") },
	{ "servers is an object", { { "/services/0/servers", "{}" } }, NULL,
	  WANT("services[0].servers: must be an array, got object") },
	{ "a server is an array", { { "/services/0/servers/0", "[]" } }, NULL,
	  WANT("services[0].servers[0]: must be an object, got array") },
	{ "local_ips is a string", { { "/services/0/local_ips", "'10.1.0.1'" } }, NULL,
	  WANT("services[0].local_ips: must be an array, got string") },
	{ "eal.lcores is an integer", { { "/eal/lcores", "1" } }, NULL,
	  WANT("eal.lcores: must be a string, got integer") },
	{ "memory_mb is a string", { { "/eal/memory_mb", "'256'" } }, NULL,
	  WANT("eal.memory_mb: must be an integer, got string") },
	{ "memory_mb is a real", { { "/eal/memory_mb", "256.0" } }, NULL,
	  WANT("eal.memory_mb: must be an integer, got real") },
	{ "memory_mb is a boolean", { { "/eal/memory_mb", "true" } }, NULL,
	  WANT("eal.memory_mb: must be an integer, got boolean") },
	{ "memory_mb is null", { { "/eal/memory_mb", "null" } }, NULL,
	  WANT("eal.memory_mb: must be an integer, got null") },
	{ "worker lcore is a real", { { "/workers/lcores/0", "1.5" } }, NULL,
	  WANT("workers.lcores[0]: must be an integer, got real") },
	{ "workers.lcores is an integer", { { "/workers/lcores", "1" } }, NULL,
	  WANT("workers.lcores: must be an array, got integer") },
	{ "service port is a string", { { "/services/0/port", "'80'" } }, NULL,
	  WANT("services[0].port: must be an integer, got string") },
	{ "weight is a boolean", { { "/services/0/servers/0/weight", "false" } }, NULL,
	  WANT("services[0].servers[0].weight: must be an integer, got boolean") },
	{ "proto is a number", { { "/services/0/proto", "6" } }, NULL,
	  WANT("services[0].proto: must be a string, got integer") },
	{ "service name is a number", { { "/services/1/name", "5" } }, NULL,
	  WANT("services[1].name: must be a string, got integer") },
	{ "vdev is a number", { { "/eal/vdevs/0", "5" } }, NULL,
	  WANT("eal.vdevs[0]: must be a string, got integer") },
	{ "vdevs is a string", { { "/eal/vdevs", "'net_pcap0'" } }, NULL,
	  WANT("eal.vdevs: must be an array, got string") },
	{ "port mac is a number", { { "/ports/0/mac", "2" } }, NULL,
	  WANT("ports[0].mac: must be a string, got integer") },
	{ "rx_desc is a real", { { "/ports/0/rx_desc", "1e3" } }, NULL,
	  WANT("ports[0].rx_desc: must be an integer, got real") },
	{ "limits value is a string", { { "/limits/tcp_syn_s", "'10'" } }, NULL,
	  WANT("limits.tcp_syn_s: must be an integer, got string") },

	/* integers out of range */
	{ "memory_mb too small", { { "/eal/memory_mb", "63" } }, NULL,
	  WANT("eal.memory_mb: must be 64..1048576, got 63") },
	{ "memory_mb too large", { { "/eal/memory_mb", "1048577" } }, NULL,
	  WANT("eal.memory_mb: must be 64..1048576, got 1048577") },
	{ "memory_mb negative", { { "/eal/memory_mb", "-1" } }, NULL,
	  WANT("eal.memory_mb: must be 64..1048576, got -1") },
	{ "memory_mb huge", { { "/eal/memory_mb", "99999999999999" } }, NULL,
	  WANT("eal.memory_mb: must be 64..1048576, got 99999999999999") },
	{ "burst 0", { { "/workers/burst", "0" } }, NULL,
	  WANT("workers.burst: must be 1..512, got 0") },
	{ "burst 513", { { "/workers/burst", "513" } }, NULL,
	  WANT("workers.burst: must be 1..512, got 513") },
	{ "idle_sleep_us negative", { { "/workers/idle_sleep_us", "-1" } }, NULL,
	  WANT("workers.idle_sleep_us: must be 0..100000, got -1") },
	{ "idle_sleep_us too large", { { "/workers/idle_sleep_us", "100001" } }, NULL,
	  WANT("workers.idle_sleep_us: must be 0..100000, got 100001") },
	{ "worker lcore 128", { { "/workers/lcores/1", "128" } }, NULL,
	  WANT("workers.lcores[1]: must be 0..127, got 128") },
	{ "worker lcore negative", { { "/workers/lcores/0", "-1" } }, NULL,
	  WANT("workers.lcores[0]: must be 0..127, got -1") },
	{ "max_flows 0", { { "/limits/max_flows", "0" } }, NULL,
	  WANT("limits.max_flows: must be 1..67108864, got 0") },
	{ "max_flows too large", { { "/limits/max_flows", "67108865" } }, NULL,
	  WANT("limits.max_flows: must be 1..67108864, got 67108865") },
	{ "tcp_idle_s 0", { { "/limits/tcp_idle_s", "0" } }, NULL,
	  WANT("limits.tcp_idle_s: must be 1..86400, got 0") },
	{ "tcp_idle_s too large", { { "/limits/tcp_idle_s", "86401" } }, NULL,
	  WANT("limits.tcp_idle_s: must be 1..86400, got 86401") },
	{ "udp_idle_s 0", { { "/limits/udp_idle_s", "0" } }, NULL,
	  WANT("limits.udp_idle_s: must be 1..86400, got 0") },
	{ "tcp_fin_s 0", { { "/limits/tcp_fin_s", "0" } }, NULL,
	  WANT("limits.tcp_fin_s: must be 1..300, got 0") },
	{ "tcp_fin_s too large", { { "/limits/tcp_fin_s", "301" } }, NULL,
	  WANT("limits.tcp_fin_s: must be 1..300, got 301") },
	{ "tcp_syn_s too large", { { "/limits/tcp_syn_s", "301" } }, NULL,
	  WANT("limits.tcp_syn_s: must be 1..300, got 301") },
	{ "tcp_timewait_s too large", { { "/limits/tcp_timewait_s", "601" } }, NULL,
	  WANT("limits.tcp_timewait_s: must be 0..600, got 601") },
	{ "udp_unreplied_s 0", { { "/limits/udp_unreplied_s", "0" } }, NULL,
	  WANT("limits.udp_unreplied_s: must be 1..86400, got 0") },
	{ "udp_unreplied_s past udp_idle_s", { { "/limits/udp_unreplied_s", "61" } }, NULL,
	  WANT("limits.udp_unreplied_s: 61 s is longer than limits.udp_idle_s (60 s): an unanswered "
	       "flow would outlive an answered one") },
	{ "new_flows_per_source too large", { { "/limits/new_flows_per_source", "100000001" } }, NULL,
	  WANT("limits.new_flows_per_source: must be 0..100000000, got 100000001") },
	{ "new_flows_burst 0", { { "/limits/new_flows_burst", "0" } }, NULL,
	  WANT("limits.new_flows_burst: must be 1..100000000, got 0") },
	{ "half_open_max a string", { { "/limits/half_open_max", "'100'" } }, NULL,
	  WANT("limits.half_open_max: must be an integer, got string") },
	{ "udp_unreplied_max negative", { { "/limits/udp_unreplied_max", "-1" } }, NULL,
	  WANT("limits.udp_unreplied_max: must be 0..67108864, got -1") },
	{ "source_prefix6 15", { { "/limits/source_prefix6", "15" } }, NULL,
	  WANT("limits.source_prefix6: must be 16..64, got 15") },
	{ "source_prefix6 65", { { "/limits/source_prefix6", "65" } }, NULL,
	  WANT("limits.source_prefix6: must be 16..64, got 65") },
	{ "rx_desc 63", { { "/ports/0/rx_desc", "63" } }, NULL,
	  WANT("ports[0].rx_desc: must be 64..16384, got 63") },
	{ "tx_desc 16385", { { "/ports/1/tx_desc", "16385" } }, NULL,
	  WANT("ports[1].tx_desc: must be 64..16384, got 16385") },
	{ "service port 0", { { "/services/0/port", "0" } }, NULL,
	  WANT("services[0].port: must be 1..65535, got 0") },
	{ "service port 65536", { { "/services/1/port", "65536" } }, NULL,
	  WANT("services[1].port: must be 1..65535, got 65536") },
	{ "server port 0", { { "/services/0/servers/1/port", "0" } }, NULL,
	  WANT("services[0].servers[1].port: must be 1..65535, got 0") },
	{ "server port 65536", { { "/services/1/servers/0/port", "65536" } }, NULL,
	  WANT("services[1].servers[0].port: must be 1..65535, got 65536") },
	{ "weight 0", { { "/services/0/servers/1/weight", "0" } }, NULL,
	  WANT("services[0].servers[1].weight: must be 1..100, got 0") },
	{ "weight 101", { { "/services/1/servers/0/weight", "101" } }, NULL,
	  WANT("services[1].servers[0].weight: must be 1..100, got 101") },

	/* strings and names */
	{ "empty port name", { { "/ports/0/name", "''" } }, NULL,
	  WANT("ports[0].name: must not be empty") },
	{ "service name of 32 bytes", { { NULL, NULL } }, hook_name_32,
	  WANT("services[0].name: must be at most 31 bytes long, got 32") },
	{ "server name with a space", { { "/services/0/servers/0/name", "'n 0'" } }, NULL,
	  WANT("services[0].servers[0].name: may contain only A-Z a-z 0-9 . _ -, got \"n 0\"") },
	{ "port name with a slash", { { "/ports/1/name", "'p/1'" } }, NULL,
	  WANT("ports[1].name: may contain only A-Z a-z 0-9 . _ -, got \"p/1\"") },
	{ "empty device", { { "/ports/0/device", "''" } }, NULL,
	  WANT("ports[0].device: must not be empty") },
	{ "device of 256 bytes", { { NULL, NULL } }, hook_device_256,
	  WANT("ports[1].device: must be at most 255 bytes long, got 256") },
	{ "eal.lcores of 64 bytes", { { NULL, NULL } }, hook_lcores_64,
	  WANT("eal.lcores: must be at most 63 bytes long, got 64") },
	{ "eal arg of 256 bytes", { { NULL, NULL } }, hook_arg_256,
	  WANT("eal.args[1]: must be at most 255 bytes long, got 256") },
	{ "file_prefix with a slash", { { "/eal/file_prefix", "'a/b'" } }, NULL,
	  WANT("eal.file_prefix: must match [A-Za-z0-9_-]{1,63}, got \"a/b\"") },
	{ "empty file_prefix", { { "/eal/file_prefix", "''" } }, NULL,
	  WANT("eal.file_prefix: must match [A-Za-z0-9_-]{1,63}, got \"\"") },
	{ "file_prefix of 64 bytes", { { NULL, NULL } }, hook_prefix_64,
	  WANT("eal.file_prefix: must match [A-Za-z0-9_-]{1,63}, got "
	       "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"") },
	{ "text of 71 bytes is quoted whole", { { NULL, NULL } }, hook_vip_71,
	  WANT("services[0].vip: not an IPv4 address: "
	       "\"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\"") },
	{ "long text is cut when quoted", { { NULL, NULL } }, hook_vip_100,
	  WANT("services[0].vip: not an IPv4 address: "
	       "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\"") },
	{ "huge yes", { { "/eal/huge", "'yes'" } }, NULL,
	  WANT("eal.huge: must be \"auto\", \"on\" or \"off\", got \"yes\"") },
	{ "huge as a boolean", { { "/eal/huge", "true" } }, NULL,
	  WANT("eal.huge: must be a string, got boolean") },
	{ "unknown scheduler", { { "/services/0/scheduler", "'wrr'" } }, NULL,
	  WANT("services[0].scheduler: must be \"ratio\", \"smooth\" or \"maglev\", got \"wrr\"") },
	/* maglev's table size: a prime in range; its keys with maglev only */
	{ "maglev_size not a prime",
	  { { "/services/0/scheduler", "'maglev'" }, { "/services/0/maglev_size", "65536" } }, NULL,
	  WANT("services[0].maglev_size: must be a prime, got 65536 (65521 and 65537 are)") },
	{ "maglev_size 0",
	  { { "/services/0/scheduler", "'maglev'" }, { "/services/0/maglev_size", "0" } }, NULL,
	  WANT("services[0].maglev_size: must be 251..1000003, got 0") },
	{ "maglev_size too big (a prime)",
	  { { "/services/1/scheduler", "'maglev'" }, { "/services/1/maglev_size", "1000033" } }, NULL,
	  WANT("services[1].maglev_size: must be 251..1000003, got 1000033") },
	{ "maglev_size too small (a prime)",
	  { { "/services/1/scheduler", "'maglev'" }, { "/services/1/maglev_size", "241" } }, NULL,
	  WANT("services[1].maglev_size: must be 251..1000003, got 241") },
	{ "maglev_size 252",
	  { { "/services/1/scheduler", "'maglev'" }, { "/services/1/maglev_size", "252" } }, NULL,
	  WANT("services[1].maglev_size: must be a prime, got 252 (251 and 257 are)") },
	{ "maglev_size as a string",
	  { { "/services/0/scheduler", "'maglev'" }, { "/services/0/maglev_size", "'65537'" } }, NULL,
	  WANT("services[0].maglev_size: must be an integer, got string") },
	{ "maglev_seed negative",
	  { { "/services/0/scheduler", "'maglev'" }, { "/services/0/maglev_seed", "-1" } }, NULL,
	  WANT("services[0].maglev_seed: must be 0..4294967295, got -1") },
	{ "maglev_seed past 32 bits",
	  { { "/services/0/scheduler", "'maglev'" }, { "/services/0/maglev_seed", "4294967296" } },
	  NULL, WANT("services[0].maglev_seed: must be 0..4294967295, got 4294967296") },
	{ "maglev_seed as a real",
	  { { "/services/0/scheduler", "'maglev'" }, { "/services/0/maglev_seed", "1.5" } }, NULL,
	  WANT("services[0].maglev_seed: must be an integer, got real") },
	{ "maglev_size with the ratio scheduler", { { "/services/0/maglev_size", "65537" } }, NULL,
	  WANT("services[0].maglev_size: only for scheduler \"maglev\"") },
	{ "maglev keys with the smooth scheduler",
	  { { "/services/1/maglev_size", "251" }, { "/services/1/maglev_seed", "7" } }, NULL,
	  WANT("services[1].maglev_size: only for scheduler \"maglev\"",
	       "services[1].maglev_seed: only for scheduler \"maglev\"") },
	{ "maglev keys with the default scheduler",
	  { { "/services/1/scheduler", NULL }, { "/services/1/maglev_seed", "7" } }, NULL,
	  WANT("services[1].maglev_seed: only for scheduler \"maglev\"") },
	{ "maglev keys with an unknown scheduler: only the scheduler is wrong",
	  { { "/services/1/scheduler", "'hash'" }, { "/services/1/maglev_seed", "7" } }, NULL,
	  WANT("services[1].scheduler: must be \"ratio\", \"smooth\" or \"maglev\", got \"hash\"") },
	{ "proto sctp", { { "/services/0/proto", "'sctp'" } }, NULL,
	  WANT("services[0].proto: must be \"tcp\" or \"udp\", got \"sctp\"") },
	{ "proto in capitals", { { "/services/1/proto", "'UDP'" } }, NULL,
	  WANT("services[1].proto: must be \"tcp\" or \"udp\", got \"UDP\"") },
	{ "control characters are not echoed", { { "/services/0/proto", "'t\\ncp'" } }, NULL,
	  WANT("services[0].proto: must be \"tcp\" or \"udp\", got \"t?cp\"") },

	/* EAL device lists and extra arguments */
	{ "vdev without a name", { { "/eal/vdevs/-", "',iface=x'" } }, NULL,
	  WANT("eal.vdevs[2]: must start with a device name, got \",iface=x\"") },
	{ "empty vdev", { { "/eal/vdevs/-", "''" } }, NULL,
	  WANT("eal.vdevs[2]: must not be empty") },
	{ "duplicate vdev", { { "/eal/vdevs/-", "'net_pcap0,iface=lo'" } }, NULL,
	  WANT("eal.vdevs[2]: duplicate device \"net_pcap0\" (same as eal.vdevs[0])") },
	{ "duplicate PCI device in allow, short and long form",
	  { { "/eal/allow", "['0000:03:00.0', '03:00.0,rx_low_latency=1']" } }, NULL,
	  WANT("eal.allow[1]: duplicate device \"0000:03:00.0\" (same as eal.allow[0])") },
	{ "args repeats --lcores", { { "/eal/args/-", "'--lcores=0-3'" } }, NULL,
	  WANT("eal.args[1]: \"--lcores=0-3\" is set from eal.lcores; use that key") },
	{ "args repeats -l", { { "/eal/args/0", "'-l'" } }, NULL,
	  WANT("eal.args[0]: \"-l\" is set from eal.lcores; use that key") },
	{ "args repeats -c", { { "/eal/args/0", "'-c0x7'" } }, NULL,
	  WANT("eal.args[0]: \"-c0x7\" is set from eal.lcores; use that key") },
	{ "args sets --main-lcore", { { "/eal/args/0", "'--main-lcore=2'" } }, NULL,
	  WANT("eal.args[0]: \"--main-lcore=2\" is set from eal.lcores; use that key") },
	{ "args repeats -m", { { "/eal/args/0", "'-m'" } }, NULL,
	  WANT("eal.args[0]: \"-m\" is set from eal.memory_mb; use that key") },
	{ "args sets --socket-mem", { { "/eal/args/0", "'--socket-mem=512'" } }, NULL,
	  WANT("eal.args[0]: \"--socket-mem=512\" is set from eal.memory_mb; use that key") },
	{ "args repeats --no-huge", { { "/eal/args/0", "'--no-huge'" } }, NULL,
	  WANT("eal.args[0]: \"--no-huge\" is set from eal.huge; use that key") },
	{ "args repeats --file-prefix", { { "/eal/args/0", "'--file-prefix=x'" } }, NULL,
	  WANT("eal.args[0]: \"--file-prefix=x\" is set from eal.file_prefix; use that key") },
	{ "args repeats --vdev", { { "/eal/args/0", "'--vdev=net_null0'" } }, NULL,
	  WANT("eal.args[0]: \"--vdev=net_null0\" is set from eal.vdevs; use that key") },
	{ "args repeats -a", { { "/eal/args/0", "'-a'" } }, NULL,
	  WANT("eal.args[0]: \"-a\" is set from eal.allow; use that key") },
	{ "args repeats --allow", { { "/eal/args/0", "'--allow=0000:03:00.0'" } }, NULL,
	  WANT("eal.args[0]: \"--allow=0000:03:00.0\" is set from eal.allow; use that key") },
	{ "empty arg", { { "/eal/args/0", "''" } }, NULL,
	  WANT("eal.args[0]: must not be empty") },

	/* IPv4 addresses and prefixes */
	{ "vip octet 256", { { "/services/0/vip", "'10.0.0.256'" } }, NULL,
	  WANT("services[0].vip: not an IPv4 address: \"10.0.0.256\"") },
	{ "vip of three parts", { { "/services/0/vip", "'10.0.0'" } }, NULL,
	  WANT("services[0].vip: not an IPv4 address: \"10.0.0\"") },
	{ "vip with a leading zero", { { "/services/0/vip", "'010.0.0.1'" } }, NULL,
	  WANT("services[0].vip: not an IPv4 address: \"010.0.0.1\"") },
	{ "vip with a space", { { "/services/0/vip", "' 10.0.0.1'" } }, NULL,
	  WANT("services[0].vip: not an IPv4 address: \" 10.0.0.1\"") },
	{ "vip of five parts", { { "/services/0/vip", "'10.0.0.1.5'" } }, NULL,
	  WANT("services[0].vip: not an IPv4 address: \"10.0.0.1.5\"") },
	{ "vip with a prefix length", { { "/services/1/vip", "'10.0.0.2/32'" } }, NULL,
	  WANT("services[1].vip: not an IPv4 address: \"10.0.0.2/32\"") },
	{ "multicast vip", { { "/services/0/vip", "'224.0.0.1'" } }, NULL,
	  WANT("services[0].vip: must be a unicast host address, got 224.0.0.1") },
	{ "loopback server", { { "/services/0/servers/0/address", "'127.0.0.1'" } }, NULL,
	  WANT("services[0].servers[0].address: must be a unicast host address, got 127.0.0.1") },
	{ "server 0.0.0.0", { { "/services/1/servers/0/address", "'0.0.0.0'" } }, NULL,
	  WANT("services[1].servers[0].address: must be a unicast host address, got 0.0.0.0") },
	{ "limited broadcast local ip", { { "/services/0/local_ips/1", "'255.255.255.255'" } },
	  NULL,
	  WANT("services[0].local_ips[1]: must be a unicast host address, got 255.255.255.255") },
	{ "bad neighbor address", { { "/neighbors/0/ipv4", "'10.1.0'" } }, NULL,
	  WANT("neighbors[0].ipv4: not an IPv4 address: \"10.1.0\"") },
	{ "bad local ip", { { "/services/0/local_ips/0", "'10.1.0.x'" } }, NULL,
	  WANT("services[0].local_ips[0]: not an IPv4 address: \"10.1.0.x\"") },
	{ "bad via", { { "/routes/0/via", "'gateway'" } }, NULL,
	  WANT("routes[0].via: not an IPv4 address: \"gateway\"") },
	{ "port address without a length", { { "/ports/0/ipv4/0", "'10.0.0.1'" } }, NULL,
	  WANT("ports[0].ipv4[0]: not an IPv4 prefix (a.b.c.d/len): \"10.0.0.1\"") },
	{ "port address with an empty length", { { "/ports/0/ipv4/0", "'10.0.0.1/'" } }, NULL,
	  WANT("ports[0].ipv4[0]: not an IPv4 prefix (a.b.c.d/len): \"10.0.0.1/\"") },
	{ "port prefix length with a leading zero", { { "/ports/0/ipv4/0", "'10.0.0.1/024'" } },
	  NULL, WANT("ports[0].ipv4[0]: not an IPv4 prefix (a.b.c.d/len): \"10.0.0.1/024\"") },
	{ "port prefix with junk", { { "/ports/1/ipv4/0", "'10.2.0.1/2x'" } }, NULL,
	  WANT("ports[1].ipv4[0]: not an IPv4 prefix (a.b.c.d/len): \"10.2.0.1/2x\"") },
	{ "port prefix length 33", { { "/ports/0/ipv4/0", "'10.0.0.1/33'" } }, NULL,
	  WANT("ports[0].ipv4[0]: prefix length must be 1..32, got 33") },
	{ "port prefix length 0", { { "/ports/0/ipv4/0", "'10.0.0.1/0'" } }, NULL,
	  WANT("ports[0].ipv4[0]: prefix length must be 1..32, got 0") },
	{ "port address is its network address", { { "/ports/0/ipv4/0", "'10.0.0.0/24'" } },
	  NULL, WANT("ports[0].ipv4[0]: 10.0.0.0 is the network address of 10.0.0.0/24") },
	{ "port address is its broadcast address", { { "/ports/0/ipv4/0", "'10.0.0.255/24'" } },
	  NULL, WANT("ports[0].ipv4[0]: 10.0.0.255 is the broadcast address of 10.0.0.0/24") },
	{ "multicast port address", { { "/ports/1/ipv4/0", "'224.0.0.1/24'" } }, NULL,
	  WANT("ports[1].ipv4[0]: must be a unicast host address, got 224.0.0.1") },
	{ "route prefix length 33", { { "/routes/0/prefix", "'0.0.0.0/33'" } }, NULL,
	  WANT("routes[0].prefix: prefix length must be 0..32, got 33") },
	{ "route prefix with host bits", { { "/routes/1/prefix", "'10.0.0.1/8'" } }, NULL,
	  WANT("routes[1].prefix: host bits set in 10.0.0.1/8 (network is 10.0.0.0/8)") },
	{ "route prefix as a word", { { "/routes/0/prefix", "'default'" } }, NULL,
	  WANT("routes[0].prefix: not an IPv4 prefix (a.b.c.d/len): \"default\"") },

	/* MAC addresses */
	{ "short mac", { { "/ports/0/mac", "'02:00:00:00:00'" } }, NULL,
	  WANT("ports[0].mac: not a MAC address (xx:xx:xx:xx:xx:xx): \"02:00:00:00:00\"") },
	{ "mac with dashes", { { "/ports/0/mac", "'02-00-00-00-00-01'" } }, NULL,
	  WANT("ports[0].mac: not a MAC address (xx:xx:xx:xx:xx:xx): \"02-00-00-00-00-01\"") },
	{ "mac with a non-hex digit", { { "/neighbors/1/mac", "'02:00:00:00:01:1g'" } }, NULL,
	  WANT("neighbors[1].mac: not a MAC address (xx:xx:xx:xx:xx:xx): \"02:00:00:00:01:1g\"") },
	{ "mac with one-digit parts", { { "/neighbors/0/mac", "'2:0:0:0:1:11'" } }, NULL,
	  WANT("neighbors[0].mac: not a MAC address (xx:xx:xx:xx:xx:xx): \"2:0:0:0:1:11\"") },
	{ "multicast port mac", { { "/ports/0/mac", "'01:00:5e:00:00:01'" } }, NULL,
	  WANT("ports[0].mac: must be a non-zero unicast MAC address, got 01:00:5e:00:00:01") },
	{ "zero port mac", { { "/ports/1/mac", "'00:00:00:00:00:00'" } }, NULL,
	  WANT("ports[1].mac: must be a non-zero unicast MAC address, got 00:00:00:00:00:00") },
	{ "broadcast neighbor mac", { { "/neighbors/0/mac", "'ff:ff:ff:ff:ff:ff'" } }, NULL,
	  WANT("neighbors[0].mac: must be a non-zero unicast MAC address, got ff:ff:ff:ff:ff:ff") },

	/* duplicates */
	{ "duplicate port name", { { "/ports/1/name", "'p0'" } }, NULL,
	  WANT("ports[1].name: duplicate name \"p0\" (same as ports[0].name)") },
	{ "duplicate port device", { { "/ports/1/device", "'net_pcap0'" } }, NULL,
	  WANT("ports[1].device: duplicate device \"net_pcap0\" (same as ports[0].device)") },
	{ "duplicate PCI port device, short and long form",
	  { { "/ports/0/device", "'0000:03:00.0'" }, { "/ports/1/device", "'03:00.0'" } }, NULL,
	  WANT("ports[1].device: duplicate device \"0000:03:00.0\" (same as ports[0].device)") },
	{ "duplicate port mac", { { "/ports/1/mac", "'02:00:00:00:00:01'" } }, NULL,
	  WANT("ports[1].mac: duplicate MAC 02:00:00:00:00:01 (same as ports[0].mac)") },
	{ "one address on two ports", { { "/ports/1/ipv4/-", "'10.0.0.1/24'" } }, NULL,
	  WANT("ports[1].ipv4[1]: duplicate address 10.0.0.1 (same as ports[0].ipv4[0])") },
	{ "one address twice on a port", { { "/ports/0/ipv4/-", "'10.1.0.1/24'" } }, NULL,
	  WANT("ports[0].ipv4[2]: duplicate address 10.1.0.1 (same as ports[0].ipv4[1])") },
	{ "subnets of two ports overlap", { { "/ports/1/ipv4/-", "'10.0.0.9/16'" } }, NULL,
	  WANT("ports[1].ipv4[1]: subnet 10.0.0.0/16 overlaps ports[0].ipv4[0] (10.0.0.0/24)") },
	{ "duplicate neighbor address", { { "/neighbors/1/ipv4", "'10.1.0.11'" } }, NULL,
	  WANT("neighbors[1].ipv4: duplicate address 10.1.0.11 (same as neighbors[0].ipv4)") },
	{ "duplicate route prefix", { { "/routes/1/prefix", "'0.0.0.0/0'" } }, NULL,
	  WANT("routes[1].prefix: duplicate prefix 0.0.0.0/0 (same as routes[0].prefix)") },
	{ "duplicate service name", { { "/services/1/name", "'web'" } }, NULL,
	  WANT("services[1].name: duplicate name \"web\" (same as services[0].name)") },
	{ "duplicate vip, port and proto",
	  { { "/services/1/vip", "'10.0.0.1'" }, { "/services/1/port", "80" },
	    { "/services/1/proto", "'tcp'" } }, NULL,
	  WANT("services[1]: duplicate service 10.0.0.1:80/tcp (same as services[0])") },
	{ "duplicate server name", { { "/services/0/servers/1/name", "'n0'" } }, NULL,
	  WANT("services[0].servers[1].name: duplicate name \"n0\" (same as services[0].servers[0].name)") },
	{ "duplicate server address and port",
	  { { "/services/0/servers/1/address", "'10.1.0.11'" } }, NULL,
	  WANT("services[0].servers[1]: duplicate server 10.1.0.11:8080 (same as services[0].servers[0])") },
	{ "duplicate local ip", { { "/services/0/local_ips/1", "'10.1.0.1'" } }, NULL,
	  WANT("services[0].local_ips[1]: duplicate address 10.1.0.1 (same as services[0].local_ips[0])") },
	{ "duplicate worker lcore", { { "/workers/lcores/1", "1" } }, NULL,
	  WANT("workers.lcores[1]: duplicate lcore 1 (same as workers.lcores[0])") },

	/* weights */
	{ "weights sum to 90", { { "/services/0/servers/0/weight", "20" } }, NULL,
	  WANT("services[0].servers: weights must sum to 100, got 90") },
	{ "single weight 99", { { "/services/1/servers/0/weight", "99" } }, NULL,
	  WANT("services[1].servers: weights must sum to 100, got 99") },
	{ "weights sum to 110",
	  { { "/services/0/servers/-",
	      "{'name': 'n2', 'address': '10.1.0.13', 'port': 8080, 'weight': 10}" } }, NULL,
	  WANT("services[0].servers: weights must sum to 100, got 110") },

	/* addresses against the port subnets, routes and the appliance's own */
	{ "vip off-link", { { "/services/0/vip", "'10.5.0.1'" } }, NULL,
	  WANT("services[0].vip: 10.5.0.1 is not on-link (in no port subnet)") },
	{ "vip is a subnet broadcast address", { { "/services/0/vip", "'10.0.0.255'" } }, NULL,
	  WANT("services[0].vip: 10.0.0.255 is the broadcast address of ports[0].ipv4[0] (10.0.0.0/24)") },
	{ "local ip off-link", { { "/services/0/local_ips/0", "'10.5.0.1'" } }, NULL,
	  WANT("services[0].local_ips[0]: 10.5.0.1 is not on-link (in no port subnet)") },
	{ "neighbor off-link", { { "/neighbors/0/ipv4", "'10.5.0.1'" } }, NULL,
	  WANT("neighbors[0].ipv4: 10.5.0.1 is not on-link (in no port subnet)") },
	{ "neighbor is a subnet network address", { { "/neighbors/0/ipv4", "'10.1.0.0'" } }, NULL,
	  WANT("neighbors[0].ipv4: 10.1.0.0 is the network address of ports[0].ipv4[1] (10.1.0.0/24)") },
	{ "route via off-link", { { "/routes/0/via", "'10.5.0.1'" } }, NULL,
	  WANT("routes[0].via: 10.5.0.1 is not on-link (in no port subnet)") },
	{ "server reached by nothing",
	  { { "/routes/0", NULL }, { "/services/1/servers/0/address", "'172.16.0.1'" } }, NULL,
	  WANT("services[1].servers[0].address: 172.16.0.1 is reached by no port subnet or route") },
	{ "no routes at all", { { "/routes", "[]" } }, NULL,
	  WANT("services[1].servers[0].address: 192.168.1.10 is reached by no port subnet or route") },
	{ "server is a subnet broadcast address",
	  { { "/services/0/servers/0/address", "'10.1.0.255'" } }, NULL,
	  WANT("services[0].servers[0].address: 10.1.0.255 is the broadcast address of ports[0].ipv4[1] (10.1.0.0/24)") },
	{ "server is a port address", { { "/services/0/servers/0/address", "'10.0.0.1'" } }, NULL,
	  WANT("services[0].servers[0].address: 10.0.0.1 is the appliance's own address (ports[0].ipv4[0])") },
	{ "server is a vip", { { "/services/0/servers/1/address", "'10.0.0.2'" } }, NULL,
	  WANT("services[0].servers[1].address: 10.0.0.2 is the appliance's own address (services[1].vip)") },
	{ "server is a local ip", { { "/services/0/servers/0/address", "'10.1.0.2'" } }, NULL,
	  WANT("services[0].servers[0].address: 10.1.0.2 is the appliance's own address (services[0].local_ips[1])") },
	{ "neighbor is a port address", { { "/neighbors/0/ipv4", "'10.1.0.1'" } }, NULL,
	  WANT("neighbors[0].ipv4: 10.1.0.1 is the appliance's own address (ports[0].ipv4[1])") },
	{ "neighbor is a vip", { { "/neighbors/1/ipv4", "'10.0.0.2'" } }, NULL,
	  WANT("neighbors[1].ipv4: 10.0.0.2 is the appliance's own address (services[1].vip)") },
	{ "route via is a port address", { { "/routes/0/via", "'10.0.0.1'" } }, NULL,
	  WANT("routes[0].via: 10.0.0.1 is the appliance's own address (ports[0].ipv4[0])") },

	/* lcores */
	{ "worker on the main lcore", { { "/workers/lcores/0", "0" } }, NULL,
	  WANT("workers.lcores[0]: lcore 0 is the main lcore (the lowest in eal.lcores)") },
	{ "worker not in eal.lcores", { { "/workers/lcores/1", "5" } }, NULL,
	  WANT("workers.lcores[1]: lcore 5 is not in eal.lcores \"0-2\"") },
	{ "eal.lcores moves the main lcore onto a worker", { { "/eal/lcores", "'1-3'" } }, NULL,
	  WANT("workers.lcores[0]: lcore 1 is the main lcore (the lowest in eal.lcores)") },
	{ "lcore list with a letter", { { "/eal/lcores", "'0-x'" } }, NULL,
	  WANT("eal.lcores: invalid lcore list \"0-x\" at character 3 (items are N, N-M, N@C or (N-M)@C, comma-separated)") },
	{ "lcore list with a space", { { "/eal/lcores", "' 0-2'" } }, NULL,
	  WANT("eal.lcores: invalid lcore list \" 0-2\" at character 1 (items are N, N-M, N@C or (N-M)@C, comma-separated)") },
	{ "lcore list with a trailing comma", { { "/eal/lcores", "'0-2,'" } }, NULL,
	  WANT("eal.lcores: invalid lcore list \"0-2,\" at character 5 (items are N, N-M, N@C or (N-M)@C, comma-separated)") },
	{ "lcore group not closed", { { "/eal/lcores", "'(0-2'" } }, NULL,
	  WANT("eal.lcores: invalid lcore list \"(0-2\" at character 5 (items are N, N-M, N@C or (N-M)@C, comma-separated)") },
	{ "cpu after @ missing", { { "/eal/lcores", "'0-2@'" } }, NULL,
	  WANT("eal.lcores: invalid lcore list \"0-2@\" at character 5 (items are N, N-M, N@C or (N-M)@C, comma-separated)") },
	{ "reversed lcore range", { { "/eal/lcores", "'3-1'" } }, NULL,
	  WANT("eal.lcores: reversed lcore range 3-1") },
	{ "lcore listed twice", { { "/eal/lcores", "'0-2,1'" } }, NULL,
	  WANT("eal.lcores: lcore 1 is listed twice") },
	{ "lcore listed twice in groups", { { "/eal/lcores", "'(0,1)@0,(1,2)@1'" } }, NULL,
	  WANT("eal.lcores: lcore 1 is listed twice") },
	{ "lcore 128", { { "/eal/lcores", "'0-128'" } }, NULL,
	  WANT("eal.lcores: lcore 128 is out of range 0..127") },
	{ "lcore with many digits", { { "/eal/lcores", "'0-2,99999999999999999999999'" } }, NULL,
	  WANT("eal.lcores: lcore 99999999999999999999 is out of range 0..127") },
	{ "cpu 1024", { { "/eal/lcores", "'0-2@1024'" } }, NULL,
	  WANT("eal.lcores: cpu 1024 is out of range 0..1023") },
	{ "reversed cpu range", { { "/eal/lcores", "'(0-2)@(3-2)'" } }, NULL,
	  WANT("eal.lcores: reversed cpu range 3-2") },
	{ "empty eal.lcores", { { "/eal/lcores", "''" } }, NULL,
	  WANT("eal.lcores: must not be empty") },

	/* port devices against the EAL device lists */
	{ "port device not created by EAL", { { "/ports/1/device", "'net_pcap7'" } }, NULL,
	  WANT("ports[1].device: \"net_pcap7\" is not a PCI address and names no eal.vdevs or eal.allow entry") },
	{ "PCI port device outside eal.allow",
	  { { "/eal/allow", "['0000:03:00.0']" }, { "/ports/1/device", "'0000:04:00.0'" } }, NULL,
	  WANT("ports[1].device: PCI device 0000:04:00.0 is not in eal.allow") },

	/* list sizes */
	{ "empty workers.lcores", { { "/workers/lcores", "[]" } }, NULL,
	  WANT("workers.lcores: must not be empty") },
	{ "empty ports", { { "/ports", "[]" } }, NULL, WANT("ports: must not be empty") },
	{ "empty port ipv4", { { "/ports/0/ipv4", "[]" } }, NULL,
	  WANT("ports[0].ipv4: must not be empty") },
	{ "empty services", { { "/services", "[]" } }, NULL, WANT("services: must not be empty") },
	{ "empty local_ips", { { "/services/1/local_ips", "[]" } }, NULL,
	  WANT("services[1].local_ips: must not be empty") },
	{ "empty servers", { { "/services/1/servers", "[]" } }, NULL,
	  WANT("services[1].servers: must not be empty") },
	{ "too many workers", { { NULL, NULL } }, hook_many_workers,
	  WANT("workers.lcores: must have at most 32 entries, got 33") },
	{ "too many ports", { { NULL, NULL } }, hook_many_ports,
	  WANT("ports: must have at most 8 entries, got 9") },
	{ "too many port addresses", { { NULL, NULL } }, hook_many_port_addrs,
	  WANT("ports[0].ipv4: must have at most 8 entries, got 9") },
	{ "too many neighbors", { { NULL, NULL } }, hook_many_neighbors,
	  WANT("neighbors: must have at most 256 entries, got 257") },
	{ "too many routes", { { NULL, NULL } }, hook_many_routes,
	  WANT("routes: must have at most 64 entries, got 65") },
	{ "too many services", { { NULL, NULL } }, hook_many_services,
	  WANT("services: must have at most 32 entries, got 33") },
	{ "too many servers", { { NULL, NULL } }, hook_many_servers,
	  WANT("services[0].servers: must have at most 64 entries, got 65") },
	{ "too many local ips", { { NULL, NULL } }, hook_many_local_ips,
	  WANT("services[0].local_ips: must have at most 32 entries, got 33") },
	{ "too many vdevs", { { NULL, NULL } }, hook_many_vdevs,
	  WANT("eal.vdevs: must have at most 16 entries, got 17") },
	{ "too many allow entries", { { NULL, NULL } }, hook_many_allow,
	  WANT("eal.allow: must have at most 16 entries, got 17") },
	{ "too many args", { { NULL, NULL } }, hook_many_args,
	  WANT("eal.args: must have at most 16 entries, got 17") },

	/* services[].health */
	{ "unknown health key", { { "/services/0/health", "{'type': 'tcp', 'port': 80}" } }, NULL,
	  WANT("services[0].health.port: unknown key") },
	{ "health is an array", { { "/services/0/health", "[]" } }, NULL,
	  WANT("services[0].health: must be an object, got array") },
	{ "health is a string", { { "/services/1/health", "'udp'" } }, NULL,
	  WANT("services[1].health: must be an object, got string") },
	{ "health without a type", { { "/services/0/health", "{'interval_ms': 1000}" } }, NULL,
	  WANT("services[0].health.type: missing required key") },
	{ "empty health object", { { "/services/1/health", "{}" } }, NULL,
	  WANT("services[1].health.type: missing required key") },
	/* client_address, and probes with its header */
	{ "client_address toa on udp", { { "/services/1/client_address", "'toa'" } }, NULL,
	  WANT("services[1].client_address: \"toa\" is for tcp services; udp takes \"proxy-v2\" or \"none\"") },
	{ "client_address proxy-v1 on udp", { { "/services/1/client_address", "'proxy-v1'" } }, NULL,
	  WANT("services[1].client_address: \"proxy-v1\" is for tcp services; udp takes \"proxy-v2\" or \"none\"") },
	{ "unknown client_address", { { "/services/0/client_address", "'proxy'" } }, NULL,
	  WANT("services[0].client_address: must be \"none\", \"proxy-v1\", \"proxy-v2\" or \"toa\", got \"proxy\"") },
	{ "client_address as a boolean", { { "/services/0/client_address", "true" } }, NULL,
	  WANT("services[0].client_address: must be a string, got boolean") },
	{ "health.proxy without a PROXY client_address",
	  { { "/services/0/client_address", "'toa'" }, { "/services/0/health", "{'type': 'http', 'proxy': true}" } },
	  NULL, WANT("services[0].health.proxy: needs client_address \"proxy-v1\" or \"proxy-v2\"") },
	{ "health.proxy on an icmp probe",
	  { { "/services/0/client_address", "'proxy-v2'" }, { "/services/0/health", "{'type': 'icmp', 'proxy': true}" } },
	  NULL, WANT("services[0].health.proxy: only for type \"http\"") },
	{ "health.proxy on a tcp probe (it sends no byte)",
	  { { "/services/0/client_address", "'proxy-v1'" }, { "/services/0/health", "{'type': 'tcp', 'proxy': true}" } },
	  NULL, WANT("services[0].health.proxy: only for type \"http\"") },
	{ "health.proxy as a string",
	  { { "/services/0/client_address", "'proxy-v2'" }, { "/services/0/health", "{'type': 'http', 'proxy': 'yes'}" } },
	  NULL, WANT("services[0].health.proxy: must be a boolean, got string") },
	{ "unknown health type", { { "/services/0/health", "{'type': 'ping'}" } }, NULL,
	  WANT("services[0].health.type: must be \"tcp\", \"http\", \"udp\", \"icmp\" or \"icmpv6\", got \"ping\"") },
	{ "health type in capitals", { { "/services/0/health", "{'type': 'TCP'}" } }, NULL,
	  WANT("services[0].health.type: must be \"tcp\", \"http\", \"udp\", \"icmp\" or \"icmpv6\", got \"TCP\"") },
	{ "health type none", { { "/services/0/health", "{'type': 'none'}" } }, NULL,
	  WANT("services[0].health.type: must be \"tcp\", \"http\", \"udp\", \"icmp\" or \"icmpv6\", got \"none\"") },
	{ "health type as a number", { { "/services/0/health", "{'type': 1}" } }, NULL,
	  WANT("services[0].health.type: must be a string, got integer") },
	{ "http probe on a udp service", { { "/services/1/health", "{'type': 'http'}" } }, NULL,
	  WANT("services[1].health.type: \"http\" needs a tcp service") },
	{ "tcp probe on a udp service", { { "/services/1/health", "{'type': 'tcp'}" } }, NULL,
	  WANT("services[1].health.type: \"tcp\" needs a tcp service") },
	{ "udp probe on a tcp service", { { "/services/0/health", "{'type': 'udp'}" } }, NULL,
	  WANT("services[0].health.type: \"udp\" needs a udp service") },
	{ "probe type not checked against a bad proto",
	  { { "/services/1/proto", "'sctp'" }, { "/services/1/health", "{'type': 'http'}" } }, NULL,
	  WANT("services[1].proto: must be \"tcp\" or \"udp\", got \"sctp\"") },
	{ "health interval_ms 49", { { "/services/0/health", "{'type': 'tcp', 'interval_ms': 49}" } },
	  NULL, WANT("services[0].health.interval_ms: must be 50..3600000, got 49") },
	{ "health interval_ms too large",
	  { { "/services/0/health", "{'type': 'tcp', 'interval_ms': 3600001, 'timeout_ms': 500}" } },
	  NULL, WANT("services[0].health.interval_ms: must be 50..3600000, got 3600001") },
	{ "health interval_ms is a string",
	  { { "/services/0/health", "{'type': 'tcp', 'interval_ms': '1000'}" } }, NULL,
	  WANT("services[0].health.interval_ms: must be an integer, got string") },
	{ "health interval_ms is a real",
	  { { "/services/0/health", "{'type': 'tcp', 'interval_ms': 1000.0}" } }, NULL,
	  WANT("services[0].health.interval_ms: must be an integer, got real") },
	{ "health timeout_ms 9", { { "/services/0/health", "{'type': 'tcp', 'timeout_ms': 9}" } },
	  NULL, WANT("services[0].health.timeout_ms: must be 10..3600000, got 9") },
	{ "health timeout_ms too large",
	  { { "/services/0/health", "{'type': 'tcp', 'timeout_ms': 3600001}" } }, NULL,
	  WANT("services[0].health.timeout_ms: must be 10..3600000, got 3600001") },
	{ "health timeout_ms above interval_ms",
	  { { "/services/0/health", "{'type': 'tcp', 'interval_ms': 1000, 'timeout_ms': 1001}" } },
	  NULL, WANT("services[0].health.timeout_ms: must be at most interval_ms (1000), got 1001") },
	{ "health timeout_ms above the default interval_ms",
	  { { "/services/1/health", "{'type': 'icmp', 'timeout_ms': 2000}" } }, NULL,
	  WANT("services[1].health.timeout_ms: must be at most interval_ms (1000), got 2000") },
	{ "default health timeout_ms above a short interval_ms",
	  { { "/services/0/health", "{'type': 'tcp', 'interval_ms': 100}" } }, NULL,
	  WANT("services[0].health.timeout_ms: must be at most interval_ms (100), got 500 (the default)") },
	{ "bad interval_ms and timeout_ms: no comparison",
	  { { "/services/0/health", "{'type': 'tcp', 'interval_ms': 10, 'timeout_ms': 5}" } }, NULL,
	  WANT("services[0].health.interval_ms: must be 50..3600000, got 10",
	       "services[0].health.timeout_ms: must be 10..3600000, got 5") },
	{ "health rise 0", { { "/services/0/health", "{'type': 'tcp', 'rise': 0}" } }, NULL,
	  WANT("services[0].health.rise: must be 1..100, got 0") },
	{ "health rise 101", { { "/services/0/health", "{'type': 'tcp', 'rise': 101}" } }, NULL,
	  WANT("services[0].health.rise: must be 1..100, got 101") },
	{ "health fall 0", { { "/services/1/health", "{'type': 'udp', 'fall': 0}" } }, NULL,
	  WANT("services[1].health.fall: must be 1..100, got 0") },
	{ "health fall 256", { { "/services/1/health", "{'type': 'udp', 'fall': 256}" } }, NULL,
	  WANT("services[1].health.fall: must be 1..100, got 256") },
	{ "health fall is a boolean", { { "/services/1/health", "{'type': 'udp', 'fall': true}" } },
	  NULL, WANT("services[1].health.fall: must be an integer, got boolean") },
	{ "http_path with a tcp probe",
	  { { "/services/0/health", "{'type': 'tcp', 'http_path': '/health'}" } }, NULL,
	  WANT("services[0].health.http_path: only for type \"http\"") },
	{ "http_path with an icmp probe",
	  { { "/services/1/health", "{'type': 'icmp', 'http_path': '/'}" } }, NULL,
	  WANT("services[1].health.http_path: only for type \"http\"") },
	{ "udp_payload_hex with an http probe",
	  { { "/services/0/health", "{'type': 'http', 'udp_payload_hex': '00'}" } }, NULL,
	  WANT("services[0].health.udp_payload_hex: only for type \"udp\"") },
	{ "udp_payload_hex with an icmp probe",
	  { { "/services/1/health", "{'type': 'icmp', 'udp_payload_hex': ''}" } }, NULL,
	  WANT("services[1].health.udp_payload_hex: only for type \"udp\"") },
	{ "empty http_path", { { "/services/0/health", "{'type': 'http', 'http_path': ''}" } },
	  NULL, WANT("services[0].health.http_path: must not be empty") },
	{ "http_path of 128 bytes", { { NULL, NULL } }, hook_http_path_128,
	  WANT("services[0].health.http_path: must be at most 127 bytes long, got 128") },
	{ "http_path without a leading slash",
	  { { "/services/0/health", "{'type': 'http', 'http_path': 'health'}" } }, NULL,
	  WANT("services[0].health.http_path: must start with '/', got \"health\"") },
	{ "http_path as a full URL",
	  { { "/services/0/health", "{'type': 'http', 'http_path': 'http://n0/health'}" } }, NULL,
	  WANT("services[0].health.http_path: must start with '/', got \"http://n0/health\"") },
	{ "http_path with a space",
	  { { "/services/0/health", "{'type': 'http', 'http_path': '/a b'}" } }, NULL,
	  WANT("services[0].health.http_path: may contain only printable ASCII 0x21..0x7e (no spaces), got \"/a b\"") },
	{ "http_path that would end the request line",
	  { { "/services/0/health", "{'type': 'http', 'http_path': '/a\\r\\nHost: x'}" } }, NULL,
	  WANT("services[0].health.http_path: may contain only printable ASCII 0x21..0x7e (no spaces), got \"/a??Host: x\"") },
	{ "http_path with a tab",
	  { { "/services/0/health", "{'type': 'http', 'http_path': '/a\\tb'}" } }, NULL,
	  WANT("services[0].health.http_path: may contain only printable ASCII 0x21..0x7e (no spaces), got \"/a?b\"") },
	{ "http_path with DEL",
	  { { "/services/0/health", "{'type': 'http', 'http_path': '/a\\u007f'}" } }, NULL,
	  WANT("services[0].health.http_path: may contain only printable ASCII 0x21..0x7e (no spaces), got \"/a?\"") },
	{ "http_path with a non-ASCII letter",
	  { { "/services/0/health", "{'type': 'http', 'http_path': '/caf\\u00e9'}" } }, NULL,
	  WANT("services[0].health.http_path: may contain only printable ASCII 0x21..0x7e (no spaces), got \"/caf\xc3\xa9\"") },
	{ "http_path is a number", { { "/services/0/health", "{'type': 'http', 'http_path': 1}" } },
	  NULL, WANT("services[0].health.http_path: must be a string, got integer") },
	{ "udp_payload_hex of odd length",
	  { { "/services/1/health", "{'type': 'udp', 'udp_payload_hex': '123'}" } }, NULL,
	  WANT("services[1].health.udp_payload_hex: must have an even number of hex digits, got 3") },
	{ "udp_payload_hex not hex",
	  { { "/services/1/health", "{'type': 'udp', 'udp_payload_hex': '0g'}" } }, NULL,
	  WANT("services[1].health.udp_payload_hex: may contain only hex digits 0-9 a-f A-F, got \"0g\"") },
	{ "udp_payload_hex with 0x",
	  { { "/services/1/health", "{'type': 'udp', 'udp_payload_hex': '0x1234'}" } }, NULL,
	  WANT("services[1].health.udp_payload_hex: may contain only hex digits 0-9 a-f A-F, got \"0x1234\"") },
	{ "udp_payload_hex with spaces",
	  { { "/services/1/health", "{'type': 'udp', 'udp_payload_hex': '12 34'}" } }, NULL,
	  WANT("services[1].health.udp_payload_hex: may contain only hex digits 0-9 a-f A-F, got \"12 34\"") },
	{ "udp_payload_hex of 513 digits", { { NULL, NULL } }, hook_hex_513,
	  WANT("services[1].health.udp_payload_hex: must be at most 512 hex digits (256 bytes), got 513") },
	{ "udp_payload_hex of 514 digits", { { NULL, NULL } }, hook_hex_514,
	  WANT("services[1].health.udp_payload_hex: must be at most 512 hex digits (256 bytes), got 514") },
	{ "udp_payload_hex is an array",
	  { { "/services/1/health", "{'type': 'udp', 'udp_payload_hex': [1, 2]}" } }, NULL,
	  WANT("services[1].health.udp_payload_hex: must be a string, got array") },
	{ "bad health type: type-specific keys still checked for format",
	  { { "/services/0/health", "{'type': 'ping', 'http_path': 'x', 'udp_payload_hex': '1'}" } },
	  NULL,
	  WANT("services[0].health.type: must be \"tcp\", \"http\", \"udp\", \"icmp\" or \"icmpv6\", got \"ping\"",
	       "services[0].health.http_path: must start with '/', got \"x\"",
	       "services[0].health.udp_payload_hex: must have an even number of hex digits, got 1") },
	{ "every health problem at once",
	  { { "/services/1/health",
	      "{'type': 'http', 'interval_ms': 40, 'rise': 0, 'fall': 101, 'http_path': 'x', 'retries': 3}" } },
	  NULL,
	  WANT("services[1].health.retries: unknown key",
	       "services[1].health.type: \"http\" needs a tcp service",
	       "services[1].health.interval_ms: must be 50..3600000, got 40",
	       "services[1].health.rise: must be 1..100, got 0",
	       "services[1].health.fall: must be 1..100, got 101",
	       "services[1].health.http_path: must start with '/', got \"x\"") },

	/* services[].adaptive */
	{ "unknown adaptive key", { { "/services/0/adaptive", "{'enabled': true, 'speed': 1}" } },
	  NULL, WANT("services[0].adaptive.speed: unknown key") },
	{ "adaptive is a boolean", { { "/services/0/adaptive", "true" } }, NULL,
	  WANT("services[0].adaptive: must be an object, got boolean") },
	{ "adaptive is null", { { "/services/1/adaptive", "null" } }, NULL,
	  WANT("services[1].adaptive: must be an object, got null") },
	{ "enabled is an integer", { { "/services/0/adaptive", "{'enabled': 1}" } }, NULL,
	  WANT("services[0].adaptive.enabled: must be a boolean, got integer") },
	{ "enabled is a string", { { "/services/0/adaptive", "{'enabled': 'true'}" } }, NULL,
	  WANT("services[0].adaptive.enabled: must be a boolean, got string") },
	{ "enabled is null", { { "/services/0/adaptive", "{'enabled': null}" } }, NULL,
	  WANT("services[0].adaptive.enabled: must be a boolean, got null") },
	{ "unknown adaptive mode", { { "/services/0/adaptive", "{'mode': 'slow'}" } }, NULL,
	  WANT("services[0].adaptive.mode: must be \"paper\" or \"fast\", got \"slow\"") },
	{ "adaptive mode in capitals", { { "/services/0/adaptive", "{'mode': 'Fast'}" } }, NULL,
	  WANT("services[0].adaptive.mode: must be \"paper\" or \"fast\", got \"Fast\"") },
	{ "adaptive mode is a number", { { "/services/0/adaptive", "{'mode': 0}" } }, NULL,
	  WANT("services[0].adaptive.mode: must be a string, got integer") },
	{ "adaptive interval_ms 99", { { "/services/0/adaptive", "{'interval_ms': 99}" } }, NULL,
	  WANT("services[0].adaptive.interval_ms: must be 100..3600000, got 99") },
	{ "adaptive interval_ms too large",
	  { { "/services/0/adaptive", "{'interval_ms': 3600001}" } }, NULL,
	  WANT("services[0].adaptive.interval_ms: must be 100..3600000, got 3600001") },
	{ "adaptive step 0", { { "/services/0/adaptive", "{'step': 0}" } }, NULL,
	  WANT("services[0].adaptive.step: must be 1..50, got 0") },
	{ "adaptive step 51", { { "/services/0/adaptive", "{'step': 51}" } }, NULL,
	  WANT("services[0].adaptive.step: must be 1..50, got 51") },
	{ "adaptive step is a real", { { "/services/0/adaptive", "{'step': 1.5}" } }, NULL,
	  WANT("services[0].adaptive.step: must be an integer, got real") },
	{ "min_weight 0", { { "/services/0/adaptive", "{'min_weight': 0}" } }, NULL,
	  WANT("services[0].adaptive.min_weight: must be 1..100, got 0") },
	{ "min_weight 101", { { "/services/1/adaptive", "{'min_weight': 101}" } }, NULL,
	  WANT("services[1].adaptive.min_weight: must be 1..100, got 101") },
	{ "min_weight times three servers exceeds 100",
	  { { "/services/0/servers/-",
	      "{'name': 'n2', 'address': '10.1.0.13', 'port': 8080, 'weight': 34}" },
	    { "/services/0/servers/0/weight", "33" }, { "/services/0/servers/1/weight", "33" },
	    { "/services/0/adaptive", "{'enabled': true, 'min_weight': 40}" } }, NULL,
	  WANT("services[0].adaptive.min_weight: 40 x 3 servers exceeds 100") },
	{ "min_weight times servers exceeds 100 while disabled",
	  { { "/services/0/adaptive", "{'enabled': false, 'min_weight': 51}" } }, NULL,
	  WANT("services[0].adaptive.min_weight: 51 x 2 servers exceeds 100") },
	{ "a weight below min_weight",
	  { { "/services/0/adaptive", "{'enabled': true, 'min_weight': 31}" } }, NULL,
	  WANT("services[0].servers[0].weight: 30 is below adaptive.min_weight 31") },
	{ "two weights below min_weight",
	  { { "/services/0/servers/-",
	      "{'name': 'n2', 'address': '10.1.0.13', 'port': 8080, 'weight': 60}" },
	    { "/services/0/servers/0/weight", "15" }, { "/services/0/servers/1/weight", "25" },
	    { "/services/0/adaptive", "{'enabled': true, 'mode': 'fast', 'min_weight': 30}" } },
	  NULL,
	  WANT("services[0].servers[0].weight: 15 is below adaptive.min_weight 30",
	       "services[0].servers[1].weight: 25 is below adaptive.min_weight 30") },
	{ "bad weight: not compared with min_weight",
	  { { "/services/0/servers/0/weight", "0" },
	    { "/services/0/adaptive", "{'enabled': true, 'min_weight': 20}" } }, NULL,
	  WANT("services[0].servers[0].weight: must be 1..100, got 0") },
	{ "bad enabled: weights not compared with min_weight",
	  { { "/services/0/adaptive", "{'enabled': 'yes', 'min_weight': 31}" } }, NULL,
	  WANT("services[0].adaptive.enabled: must be a boolean, got string") },
	{ "min_weight too large: weights not compared with it",
	  { { "/services/0/adaptive", "{'enabled': true, 'min_weight': 60}" } }, NULL,
	  WANT("services[0].adaptive.min_weight: 60 x 2 servers exceeds 100") },
	{ "bad servers list: min_weight not multiplied",
	  { { "/services/0/servers", "{}" }, { "/services/0/adaptive", "{'min_weight': 100}" } },
	  NULL, WANT("services[0].servers: must be an array, got object") },
	{ "every adaptive problem at once",
	  { { "/services/1/adaptive",
	      "{'enabled': 0, 'mode': 'auto', 'interval_ms': 0, 'step': 99, 'min_weight': -1, 'gain': 1}" } },
	  NULL,
	  WANT("services[1].adaptive.gain: unknown key",
	       "services[1].adaptive.enabled: must be a boolean, got integer",
	       "services[1].adaptive.mode: must be \"paper\" or \"fast\", got \"auto\"",
	       "services[1].adaptive.interval_ms: must be 100..3600000, got 0",
	       "services[1].adaptive.step: must be 1..50, got 99",
	       "services[1].adaptive.min_weight: must be 1..100, got -1") },

	/* services[].persistence_s */
	{ "persistence_s -1", { { "/services/0/persistence_s", "-1" } }, NULL,
	  WANT("services[0].persistence_s: must be 0..86400, got -1") },
	{ "persistence_s 86401", { { "/services/1/persistence_s", "86401" } }, NULL,
	  WANT("services[1].persistence_s: must be 0..86400, got 86401") },
	{ "persistence_s past 32 bits", { { "/services/0/persistence_s", "4294967326" } }, NULL,
	  WANT("services[0].persistence_s: must be 0..86400, got 4294967326") },
	{ "persistence_s is a string", { { "/services/0/persistence_s", "'30'" } }, NULL,
	  WANT("services[0].persistence_s: must be an integer, got string") },
	{ "persistence_s is a real", { { "/services/0/persistence_s", "30.0" } }, NULL,
	  WANT("services[0].persistence_s: must be an integer, got real") },
	{ "persistence_s is a boolean", { { "/services/0/persistence_s", "true" } }, NULL,
	  WANT("services[0].persistence_s: must be an integer, got boolean") },
	{ "persistence_s is null", { { "/services/0/persistence_s", "null" } }, NULL,
	  WANT("services[0].persistence_s: must be an integer, got null") },
	{ "persistence_s as an object", { { "/services/0/persistence_s", "{'seconds': 30}" } },
	  NULL, WANT("services[0].persistence_s: must be an integer, got object") },
	{ "persistence without _s", { { "/services/0/persistence", "30" } }, NULL,
	  WANT("services[0].persistence: unknown key") },
	{ "persistence_s inside failsafe",
	  { { "/services/0/failsafe", "{'enabled': true, 'persistence_s': 30}" } }, NULL,
	  WANT("services[0].failsafe.persistence_s: unknown key") },

	/* services[].failsafe */
	{ "unknown failsafe key", { { "/services/0/failsafe", "{'enabled': true, 'timeout_ms': 2000}" } },
	  NULL, WANT("services[0].failsafe.timeout_ms: unknown key") },
	{ "failsafe key in capitals", { { "/services/0/failsafe", "{'Enabled': true}" } }, NULL,
	  WANT("services[0].failsafe.Enabled: unknown key") },
	{ "failsafe is a boolean", { { "/services/0/failsafe", "true" } }, NULL,
	  WANT("services[0].failsafe: must be an object, got boolean") },
	{ "failsafe is an array", { { "/services/1/failsafe", "[]" } }, NULL,
	  WANT("services[1].failsafe: must be an object, got array") },
	{ "failsafe is null", { { "/services/0/failsafe", "null" } }, NULL,
	  WANT("services[0].failsafe: must be an object, got null") },
	{ "failsafe enabled is an integer", { { "/services/0/failsafe", "{'enabled': 1}" } }, NULL,
	  WANT("services[0].failsafe.enabled: must be a boolean, got integer") },
	{ "failsafe enabled is a string", { { "/services/0/failsafe", "{'enabled': 'on'}" } }, NULL,
	  WANT("services[0].failsafe.enabled: must be a boolean, got string") },
	{ "failsafe enabled is null", { { "/services/1/failsafe", "{'enabled': null}" } }, NULL,
	  WANT("services[1].failsafe.enabled: must be a boolean, got null") },
	{ "response_timeout_ms 9", { { "/services/0/failsafe", "{'response_timeout_ms': 9}" } },
	  NULL, WANT("services[0].failsafe.response_timeout_ms: must be 10..600000, got 9") },
	{ "response_timeout_ms 0", { { "/services/0/failsafe", "{'enabled': true, 'response_timeout_ms': 0}" } },
	  NULL, WANT("services[0].failsafe.response_timeout_ms: must be 10..600000, got 0") },
	{ "response_timeout_ms 600001",
	  { { "/services/1/failsafe", "{'enabled': true, 'response_timeout_ms': 600001}" } }, NULL,
	  WANT("services[1].failsafe.response_timeout_ms: must be 10..600000, got 600001") },
	{ "response_timeout_ms is a real",
	  { { "/services/0/failsafe", "{'response_timeout_ms': 2e3}" } }, NULL,
	  WANT("services[0].failsafe.response_timeout_ms: must be an integer, got real") },
	{ "response_timeout_ms is a string",
	  { { "/services/0/failsafe", "{'response_timeout_ms': '2000'}" } }, NULL,
	  WANT("services[0].failsafe.response_timeout_ms: must be an integer, got string") },
	{ "max_replays -1", { { "/services/0/failsafe", "{'max_replays': -1}" } }, NULL,
	  WANT("services[0].failsafe.max_replays: must be 0..16, got -1") },
	{ "max_replays 17", { { "/services/0/failsafe", "{'enabled': true, 'max_replays': 17}" } },
	  NULL, WANT("services[0].failsafe.max_replays: must be 0..16, got 17") },
	{ "max_replays 258 (2 in a byte)", { { "/services/0/failsafe", "{'max_replays': 258}" } },
	  NULL, WANT("services[0].failsafe.max_replays: must be 0..16, got 258") },
	{ "max_replays is a boolean", { { "/services/0/failsafe", "{'max_replays': false}" } },
	  NULL, WANT("services[0].failsafe.max_replays: must be an integer, got boolean") },
	{ "store_size 63", { { "/services/0/failsafe", "{'store_size': 63}" } }, NULL,
	  WANT("services[0].failsafe.store_size: must be 64..4194304, got 63") },
	{ "store_size 0", { { "/services/1/failsafe", "{'enabled': true, 'store_size': 0}" } },
	  NULL, WANT("services[1].failsafe.store_size: must be 64..4194304, got 0") },
	{ "store_size 4194305", { { "/services/0/failsafe", "{'store_size': 4194305}" } }, NULL,
	  WANT("services[0].failsafe.store_size: must be 64..4194304, got 4194305") },
	{ "store_size past 32 bits", { { "/services/0/failsafe", "{'store_size': 4294967360}" } },
	  NULL, WANT("services[0].failsafe.store_size: must be 64..4194304, got 4294967360") },
	{ "store_size is an array", { { "/services/0/failsafe", "{'store_size': [65536]}" } },
	  NULL, WANT("services[0].failsafe.store_size: must be an integer, got array") },
	{ "failsafe protocol unknown", { { "/services/0/failsafe", "{'protocol': 'tls'}" } }, NULL,
	  WANT("services[0].failsafe.protocol: must be \"auto\", \"http\" or \"opaque\", got \"tls\"") },
	{ "failsafe protocol in capitals", { { "/services/0/failsafe", "{'protocol': 'HTTP'}" } }, NULL,
	  WANT("services[0].failsafe.protocol: must be \"auto\", \"http\" or \"opaque\", got \"HTTP\"") },
	{ "failsafe protocol is a boolean", { { "/services/0/failsafe", "{'protocol': true}" } }, NULL,
	  WANT("services[0].failsafe.protocol: must be a string, got boolean") },
	{ "failsafe replay unknown", { { "/services/1/failsafe", "{'replay': 'safe'}" } }, NULL,
	  WANT("services[1].failsafe.replay: must be \"all\" or \"idempotent\", got \"safe\"") },
	{ "failsafe replay is null", { { "/services/0/failsafe", "{'replay': null}" } }, NULL,
	  WANT("services[0].failsafe.replay: must be a string, got null") },
	{ "hold_limit_kb 0", { { "/services/0/failsafe", "{'hold_limit_kb': 0}" } }, NULL,
	  WANT("services[0].failsafe.hold_limit_kb: must be 1..1048576, got 0") },
	{ "hold_limit_kb 1048577", { { "/services/0/failsafe", "{'hold_limit_kb': 1048577}" } }, NULL,
	  WANT("services[0].failsafe.hold_limit_kb: must be 1..1048576, got 1048577") },
	{ "hold_limit_kb is a string", { { "/services/0/failsafe", "{'hold_limit_kb': '64'}" } }, NULL,
	  WANT("services[0].failsafe.hold_limit_kb: must be an integer, got string") },
	{ "every failsafe problem at once",
	  { { "/services/1/failsafe",
	      "{'enabled': 'yes', 'response_timeout_ms': 5, 'max_replays': 20, 'store_size': 32, 'replays': 1}" } },
	  NULL,
	  WANT("services[1].failsafe.replays: unknown key",
	       "services[1].failsafe.enabled: must be a boolean, got string",
	       "services[1].failsafe.response_timeout_ms: must be 10..600000, got 5",
	       "services[1].failsafe.max_replays: must be 0..16, got 20",
	       "services[1].failsafe.store_size: must be 64..4194304, got 32") },
	{ "persistence, adaptive and failsafe problems in document order",
	  { { "/services/0/failsafe", "{'max_replays': 17}" },
	    { "/services/0/adaptive", "{'step': 0}" },
	    { "/services/0/persistence_s", "-5" },
	    { "/services/0/health", "{'type': 'tcp', 'rise': 0}" } },
	  NULL,
	  WANT("services[0].persistence_s: must be 0..86400, got -5",
	       "services[0].health.rise: must be 1..100, got 0",
	       "services[0].adaptive.step: must be 1..50, got 0",
	       "services[0].failsafe.max_replays: must be 0..16, got 17") },

	/* management */
	{ "management without token_file", { { "/management", "{'listen': '127.0.0.1:9180'}" } }, NULL,
	  WANT("management.token_file: missing required key") },
	{ "management unknown key", { { "/management", "{'token_file': '/t', 'port': 9180}" } }, NULL,
	  WANT("management.port: unknown key") },
	{ "management is a string", { { "/management", "'127.0.0.1:9180'" } }, NULL,
	  WANT("management: must be an object, got string") },
	{ "listen without a port", { { "/management", "{'listen': '127.0.0.1', 'token_file': '/t'}" } },
	  NULL, WANT("management.listen: expected \"IPv4:PORT\" or \"[IPv6]:PORT\" (port 1..65535), got 127.0.0.1") },
	{ "listen port 0", { { "/management", "{'listen': '127.0.0.1:0', 'token_file': '/t'}" } },
	  NULL, WANT("management.listen: expected \"IPv4:PORT\" or \"[IPv6]:PORT\" (port 1..65535), got 127.0.0.1:0") },
	{ "listen port 65536", { { "/management", "{'listen': '0.0.0.0:65536', 'token_file': '/t'}" } },
	  NULL, WANT("management.listen: expected \"IPv4:PORT\" or \"[IPv6]:PORT\" (port 1..65535), got 0.0.0.0:65536") },
	{ "listen with a host name", { { "/management", "{'listen': 'localhost:9180', 'token_file': '/t'}" } },
	  NULL, WANT("management.listen: expected \"IPv4:PORT\" or \"[IPv6]:PORT\" (port 1..65535), got localhost:9180") },
	{ "listen port with junk", { { "/management", "{'listen': '127.0.0.1:91x', 'token_file': '/t'}" } },
	  NULL, WANT("management.listen: expected \"IPv4:PORT\" or \"[IPv6]:PORT\" (port 1..65535), got 127.0.0.1:91x") },
	{ "listen port with a sign", { { "/management", "{'listen': '127.0.0.1:+9180', 'token_file': '/t'}" } },
	  NULL, WANT("management.listen: expected \"IPv4:PORT\" or \"[IPv6]:PORT\" (port 1..65535), got 127.0.0.1:+9180") },
	{ "listen port after a space", { { "/management", "{'listen': '127.0.0.1: 9180', 'token_file': '/t'}" } },
	  NULL, WANT("management.listen: expected \"IPv4:PORT\" or \"[IPv6]:PORT\" (port 1..65535), got 127.0.0.1: 9180") },
	{ "listen port 2^64 + 80", { { "/management", "{'listen': '127.0.0.1:18446744073709551696', "
	  "'token_file': '/t'}" } }, NULL, WANT("management.listen: expected \"IPv4:PORT\" or \"[IPv6]:PORT\" (port "
	  "1..65535), got 127.0.0.1:18446744073709551696") },
#define LISTEN_BAD(d, addr) \
	{ d, { { "/management", "{'listen': '" addr "', 'token_file': '/t'}" } }, NULL, \
	  WANT("management.listen: expected \"IPv4:PORT\" or \"[IPv6]:PORT\" (port 1..65535), got " \
	       addr) }
	LISTEN_BAD("IPv6 without brackets", "::1:9180"),
	LISTEN_BAD("IPv6 in brackets without a port", "[::1]"),
	LISTEN_BAD("IPv6 in brackets, empty port", "[::1]:"),
	LISTEN_BAD("IPv6 in brackets, port 0", "[::1]:0"),
	LISTEN_BAD("IPv6 in brackets, port 65536", "[::1]:65536"),
	LISTEN_BAD("IPv6 without the closing bracket", "[::1:9180"),
	LISTEN_BAD("IPv6 with text after the bracket", "[::1]x:9180"),
	LISTEN_BAD("IPv6 empty brackets", "[]:9180"),
	LISTEN_BAD("IPv6 bad address", "[fd00::203::2]:9180"),
	LISTEN_BAD("IPv6 with a zone", "[fe80::1%eth0]:9180"),
	LISTEN_BAD("IPv4 in brackets", "[127.0.0.1]:9180"),
	LISTEN_BAD("IPv6 port with a sign", "[::1]:+9180"),
#undef LISTEN_BAD
	{ "listen on a link-local IPv6 address", { { "/management", "{'listen': '[fe80::1]:9180', "
	  "'token_file': '/t'}" } }, NULL, WANT("management.listen: [fe80::1]:9180: a link-local "
	  "address cannot be listened on here (no zone), give a global, unique-local or loopback one") },
	{ "listen on a multicast IPv6 address", { { "/management", "{'listen': '[ff02::1]:9180', "
	  "'token_file': '/t'}" } }, NULL, WANT("management.listen: [ff02::1]:9180: a multicast "
	  "address cannot be listened on here (no zone), give a global, unique-local or loopback one") },
	{ "listen on an IPv4-mapped IPv6 address", { { "/management", "{'listen': "
	  "'[::ffff:127.0.0.1]:9180', 'token_file': '/t'}" } }, NULL, WANT("management.listen: "
	  "[::ffff:127.0.0.1]:9180: an IPv4-mapped address, write it as \"IPv4:PORT\"") },
	{ "token_file empty", { { "/management", "{'token_file': ''}" } }, NULL,
	  WANT("management.token_file: must not be empty") },
	{ "token_file is a number", { { "/management", "{'token_file': 7}" } }, NULL,
	  WANT("management.token_file: must be a string, got integer") },

	/* several problems at once: all reported, first pass then cross-checks */
	{ "several problems",
	  { { "/eal/memory_mb", "1" }, { "/ports/0/speed", "1000" },
	    { "/services/0/vip", "'10.5.0.1'" }, { "/services/0/servers/0/weight", "20" } },
	  NULL,
	  WANT("eal.memory_mb: must be 64..1048576, got 1",
	       "ports[0].speed: unknown key",
	       "services[0].servers: weights must sum to 100, got 90",
	       "services[0].vip: 10.5.0.1 is not on-link (in no port subnet)") },
};

static void run_bad(void **state)
{
	const struct bad_case *tc = *state;
	struct nc_config *cfg = cfg_new();
	struct nc_errors *e = errs_new();
	char *json = build(tc->p, tc->hook);
	int rc;

	rc = nc_config_parse_string(json, cfg, e);
	expect_lines(e, tc->want);
	if (tc->want[0] != NULL) {
		assert_int_equal(rc, -EINVAL);
		/* A rejected config leaves nothing half-filled behind. */
		assert_int_equal(cfg->n_ports, 0);
		assert_int_equal(cfg->n_services, 0);
	} else {
		assert_int_equal(rc, 0);
	}
	free(json);
	free(cfg);
	free(e);
}

/* ---- accepted configs: changes the loader must allow, with what they set ---- */

typedef void (*check_fn)(const struct nc_config *cfg);

struct good_case {
	const char *what;
	struct patch p[MAX_PATCHES];
	hook_fn hook;
	check_fn check;
};

static void chk_idle_0(const struct nc_config *cfg)
{
	assert_int_equal(cfg->workers.idle_sleep_us, 0);
}

static void chk_low_bounds(const struct nc_config *cfg)
{
	assert_int_equal(cfg->eal.memory_mb, 64);
	assert_int_equal(cfg->workers.burst, 1);
	assert_int_equal(cfg->ports[0].rx_desc, 64);
	assert_int_equal(cfg->limits.max_flows, 1);
	assert_int_equal(cfg->limits.tcp_syn_s, 1);
	assert_int_equal(cfg->limits.tcp_timewait_s, 0);
}

static void chk_high_bounds(const struct nc_config *cfg)
{
	assert_int_equal(cfg->eal.memory_mb, 1048576);
	assert_int_equal(cfg->workers.burst, 512);
	assert_int_equal(cfg->workers.idle_sleep_us, 100000);
	assert_int_equal(cfg->ports[0].tx_desc, 16384);
	assert_int_equal(cfg->limits.max_flows, 67108864);
	assert_int_equal(cfg->limits.tcp_idle_s, 86400);
	assert_int_equal(cfg->limits.tcp_fin_s, 300);
	assert_int_equal(cfg->limits.tcp_timewait_s, 600);
}

static void chk_local_is_vip(const struct nc_config *cfg)
{
	assert_int_equal(cfg->services[0].local_ips[0], IP4(10, 0, 0, 1));
	assert_int_equal(cfg->services[0].vip, IP4(10, 0, 0, 1));
}

static void chk_other_proto(const struct nc_config *cfg)
{
	assert_int_equal(cfg->services[1].vip, cfg->services[0].vip);
	assert_int_equal(cfg->services[1].port, cfg->services[0].port);
	assert_int_equal(cfg->services[0].proto, IPPROTO_TCP);
	assert_int_equal(cfg->services[1].proto, IPPROTO_UDP);
}

static void chk_pinned(const struct nc_config *cfg)
{
	assert_int_equal(cfg->eal.lcore_mask[0], 0x7);
	assert_int_equal(cfg->eal.lcore_mask[1], 0);
	assert_int_equal(cfg->eal.main_lcore, 0);
}

static void chk_high_lcores(const struct nc_config *cfg)
{
	assert_int_equal(cfg->eal.main_lcore, 64);
	assert_int_equal(cfg->eal.lcore_mask[0], 0);
	assert_int_equal(cfg->eal.lcore_mask[1], UINT64_C(1) | UINT64_C(1) << 63);
	assert_int_equal(cfg->workers.lcores[0], 127);
	assert_int_equal(cfg->workers.n_lcores, 1);
}

static void chk_mac_upper(const struct nc_config *cfg)
{
	static const uint8_t want[6] = { 0x02, 0xab, 0xcd, 0x00, 0x00, 0x01 };

	assert_true(cfg->ports[0].has_mac);
	assert_memory_equal(cfg->ports[0].mac, want, 6);
}

static void chk_pci_short(const struct nc_config *cfg)
{
	assert_string_equal(cfg->ports[1].device, "0000:04:00.0");
}

static void chk_flood_limits(const struct nc_config *cfg)
{
	assert_int_equal(cfg->limits.udp_unreplied_s, 3);
	assert_int_equal(cfg->limits.new_flows_per_source, 1000);
	assert_int_equal(cfg->limits.new_flows_burst, 1000);   /* the rate, by default */
	assert_int_equal(cfg->limits.half_open_max, 50000);
	assert_int_equal(cfg->limits.udp_unreplied_max, 20000);
	assert_int_equal(cfg->limits.source_prefix6, 48);
}

static void chk_limits_default(const struct nc_config *cfg)
{
	assert_int_equal(cfg->limits.udp_unreplied_s, 10);
	assert_int_equal(cfg->limits.new_flows_per_source, 0);
	assert_int_equal(cfg->limits.half_open_max, 0);
	assert_int_equal(cfg->limits.udp_unreplied_max, 0);
	assert_int_equal(cfg->limits.source_prefix6, 64);
	assert_int_equal(cfg->limits.max_flows, 1048576);
	assert_int_equal(cfg->limits.tcp_idle_s, 300);
	assert_int_equal(cfg->limits.udp_idle_s, 30);
	assert_int_equal(cfg->limits.tcp_fin_s, 2);
	assert_int_equal(cfg->limits.tcp_syn_s, 10);
	assert_int_equal(cfg->limits.tcp_timewait_s, 60);
}

static void chk_no_neighbors(const struct nc_config *cfg)
{
	assert_int_equal(cfg->n_neighbors, 0);
}

static void chk_name_31(const struct nc_config *cfg)
{
	assert_int_equal(strlen(cfg->services[0].name), 31);
}

static void chk_arg_255(const struct nc_config *cfg)
{
	assert_int_equal(cfg->eal.n_args, 2);
	assert_int_equal(strlen(cfg->eal.args[1]), 255);
}

static void chk_small_subnets(const struct nc_config *cfg)
{
	assert_int_equal(cfg->ports[1].n_ipv4, 3);
	assert_int_equal(cfg->ports[1].ipv4[1].addr, IP4(10, 9, 0, 0));
	assert_int_equal(cfg->ports[1].ipv4[1].len, 31);
	assert_int_equal(cfg->ports[1].ipv4[2].len, 32);
}

/* Failsafe defaults of service <i>, as when the section is absent. */
static void chk_failsafe_defaults(const struct nc_config *cfg, int i)
{
	const struct nc_cfg_failsafe *f = &cfg->services[i].failsafe;

	assert_false(f->enabled);
	assert_int_equal(f->response_timeout_ms, 2000);
	assert_int_equal(f->max_replays, 2);
	assert_int_equal(f->store_size, 65536);
}

/* Defaults of service <i> as when persistence_s, health, adaptive and failsafe are
 * all absent. */
static void chk_svc_defaults(const struct nc_config *cfg, int i)
{
	const struct nc_cfg_health *h = &cfg->services[i].health;
	const struct nc_cfg_adaptive *a = &cfg->services[i].adaptive;

	assert_int_equal(h->type, NC_HEALTH_NONE);
	assert_int_equal(h->interval_ms, 1000);
	assert_int_equal(h->timeout_ms, 500);
	assert_int_equal(h->rise, 2);
	assert_int_equal(h->fall, 3);
	assert_string_equal(h->http_path, "/health");
	assert_int_equal(h->udp_payload_len, 0);
	assert_false(h->proxy);
	assert_int_equal(cfg->services[i].client_address, NC_CA_NONE);
	assert_false(a->enabled);
	assert_int_equal(a->mode, NC_ADAPT_PAPER);
	assert_int_equal(a->interval_ms, 1000);
	assert_int_equal(a->step, 1);
	assert_int_equal(a->min_weight, 1);
	assert_int_equal(cfg->services[i].persistence_s, 0);
	assert_int_equal(cfg->services[i].maglev_size, NC_MAGLEV_SIZE_DEFAULT);
	assert_int_equal(cfg->services[i].maglev_seed, NC_MAGLEV_SEED_DEFAULT);
	chk_failsafe_defaults(cfg, i);
}

static void chk_health_http_full(const struct nc_config *cfg)
{
	const struct nc_cfg_health *h = &cfg->services[0].health;

	assert_int_equal(h->type, NC_HEALTH_HTTP);
	assert_int_equal(h->interval_ms, 2000);
	assert_int_equal(h->timeout_ms, 750);
	assert_int_equal(h->rise, 4);
	assert_int_equal(h->fall, 5);
	assert_string_equal(h->http_path, "/status?full=1&x=%7e~!$'()*+,;=:@[]");
	assert_int_equal(h->udp_payload_len, 0);
	/* the other service and the adaptive section keep their defaults */
	chk_svc_defaults(cfg, 1);
	assert_false(cfg->services[0].adaptive.enabled);
}

static void chk_health_tcp_defaults(const struct nc_config *cfg)
{
	const struct nc_cfg_health *h = &cfg->services[0].health;

	assert_int_equal(h->type, NC_HEALTH_TCP);
	assert_int_equal(h->interval_ms, 1000);
	assert_int_equal(h->timeout_ms, 500);
	assert_int_equal(h->rise, 2);
	assert_int_equal(h->fall, 3);
	assert_string_equal(h->http_path, "/health");
	assert_int_equal(h->udp_payload_len, 0);
}

static void chk_health_http_default_path(const struct nc_config *cfg)
{
	assert_int_equal(cfg->services[0].health.type, NC_HEALTH_HTTP);
	assert_string_equal(cfg->services[0].health.http_path, "/health");
}

static void chk_health_udp_payload(const struct nc_config *cfg)
{
	static const uint8_t want[5] = { 0xde, 0xad, 0xbe, 0xef, 0x00 };
	const struct nc_cfg_health *h = &cfg->services[1].health;

	assert_int_equal(h->type, NC_HEALTH_UDP);
	assert_int_equal(h->udp_payload_len, 5);
	assert_memory_equal(h->udp_payload, want, 5);
}

static void chk_health_udp_empty(const struct nc_config *cfg)
{
	assert_int_equal(cfg->services[1].health.type, NC_HEALTH_UDP);
	assert_int_equal(cfg->services[1].health.udp_payload_len, 0);
}

static void chk_health_icmp_both(const struct nc_config *cfg)
{
	assert_int_equal(cfg->services[0].health.type, NC_HEALTH_ICMP);
	assert_int_equal(cfg->services[1].health.type, NC_HEALTH_ICMP);
}

static void chk_health_low(const struct nc_config *cfg)
{
	const struct nc_cfg_health *h = &cfg->services[0].health;

	assert_int_equal(h->interval_ms, 50);
	assert_int_equal(h->timeout_ms, 10);
	assert_int_equal(h->rise, 1);
	assert_int_equal(h->fall, 1);
}

static void chk_health_high(const struct nc_config *cfg)
{
	const struct nc_cfg_health *h = &cfg->services[1].health;

	assert_int_equal(h->interval_ms, 3600000);
	assert_int_equal(h->timeout_ms, 3600000);
	assert_int_equal(h->rise, 100);
	assert_int_equal(h->fall, 100);
}

static void chk_health_equal_timeout(const struct nc_config *cfg)
{
	assert_int_equal(cfg->services[0].health.interval_ms, 200);
	assert_int_equal(cfg->services[0].health.timeout_ms, 200);
}

static void chk_http_path_127(const struct nc_config *cfg)
{
	assert_int_equal(strlen(cfg->services[0].health.http_path), 127);
	assert_int_equal(cfg->services[0].health.http_path[0], '/');
}

static void chk_hex_512(const struct nc_config *cfg)
{
	const struct nc_cfg_health *h = &cfg->services[1].health;
	size_t i;

	assert_int_equal(h->udp_payload_len, NC_UDP_PAYLOAD_MAX);
	for (i = 0; i < NC_UDP_PAYLOAD_MAX; i++)
		assert_int_equal(h->udp_payload[i], 0xaa);
}

static void chk_adaptive_fast(const struct nc_config *cfg)
{
	const struct nc_cfg_adaptive *a = &cfg->services[0].adaptive;

	assert_true(a->enabled);
	assert_int_equal(a->mode, NC_ADAPT_FAST);
	assert_int_equal(a->interval_ms, 100);
	assert_int_equal(a->step, 50);
	assert_int_equal(a->min_weight, 30);
	assert_int_equal(cfg->services[0].health.type, NC_HEALTH_NONE);
	chk_svc_defaults(cfg, 1);
}

static void chk_adaptive_high(const struct nc_config *cfg)
{
	const struct nc_cfg_adaptive *a = &cfg->services[0].adaptive;

	assert_false(a->enabled);
	assert_int_equal(a->mode, NC_ADAPT_PAPER);
	assert_int_equal(a->interval_ms, 3600000);
	assert_int_equal(a->min_weight, 50);
}

static void chk_adaptive_single(const struct nc_config *cfg)
{
	assert_true(cfg->services[1].adaptive.enabled);
	assert_int_equal(cfg->services[1].adaptive.min_weight, 100);
}

static void chk_adaptive_empty(const struct nc_config *cfg)
{
	chk_svc_defaults(cfg, 0);
}

static void chk_adaptive_paper(const struct nc_config *cfg)
{
	const struct nc_cfg_adaptive *a = &cfg->services[1].adaptive;

	assert_true(a->enabled);
	assert_int_equal(a->mode, NC_ADAPT_PAPER);
	assert_int_equal(a->step, 1);
	assert_int_equal(a->min_weight, 1);
	assert_int_equal(a->interval_ms, 1000);
}

static void chk_persistence_30(const struct nc_config *cfg)
{
	assert_int_equal(cfg->services[0].persistence_s, 30);
	assert_int_equal(cfg->services[1].persistence_s, 0);
	chk_failsafe_defaults(cfg, 0);
	chk_svc_defaults(cfg, 1);
}

static void chk_persistence_edges(const struct nc_config *cfg)
{
	assert_int_equal(cfg->services[0].persistence_s, 0);
	assert_int_equal(cfg->services[1].persistence_s, 86400);
}

static void chk_failsafe_low(const struct nc_config *cfg)
{
	const struct nc_cfg_failsafe *f = &cfg->services[0].failsafe;

	assert_true(f->enabled);
	assert_int_equal(f->response_timeout_ms, 10);
	assert_int_equal(f->max_replays, 0);
	assert_int_equal(f->store_size, 64);
	assert_int_equal(cfg->services[0].persistence_s, 0);
	chk_svc_defaults(cfg, 1);
}

static void chk_failsafe_high(const struct nc_config *cfg)
{
	const struct nc_cfg_failsafe *f = &cfg->services[1].failsafe;

	assert_true(f->enabled);
	assert_int_equal(f->response_timeout_ms, 600000);
	assert_int_equal(f->max_replays, 16);
	assert_int_equal(f->store_size, 4194304);
	assert_int_equal(cfg->services[1].proto, IPPROTO_UDP);
	chk_svc_defaults(cfg, 0);
}

static void chk_failsafe_enabled_only(const struct nc_config *cfg)
{
	const struct nc_cfg_failsafe *f = &cfg->services[0].failsafe;

	assert_true(f->enabled);
	assert_int_equal(f->response_timeout_ms, 2000);
	assert_int_equal(f->max_replays, 2);
	assert_int_equal(f->store_size, 65536);
}

static void chk_failsafe_empty(const struct nc_config *cfg)
{
	chk_svc_defaults(cfg, 0);
	chk_svc_defaults(cfg, 1);
}

static void chk_failsafe_disabled_kept(const struct nc_config *cfg)
{
	const struct nc_cfg_failsafe *f = &cfg->services[0].failsafe;

	assert_false(f->enabled);
	assert_int_equal(f->response_timeout_ms, 30000);
	assert_int_equal(f->max_replays, 5);
	assert_int_equal(f->store_size, 1000);
}

static void chk_failsafe_both(const struct nc_config *cfg)
{
	const struct nc_cfg_service *web = &cfg->services[0], *dns = &cfg->services[1];

	assert_int_equal(web->persistence_s, 600);
	assert_true(web->failsafe.enabled);
	assert_int_equal(web->failsafe.response_timeout_ms, 5000);
	assert_int_equal(web->failsafe.max_replays, 2);
	assert_int_equal(web->failsafe.store_size, 65536);
	assert_int_equal(web->failsafe.protocol, NC_FS_PROTO_AUTO);
	assert_int_equal(web->failsafe.replay, NC_FS_REPLAY_ALL);
	assert_int_equal(web->failsafe.hold_limit_kb, 4096);
	assert_int_equal(web->health.type, NC_HEALTH_HTTP);
	assert_true(web->adaptive.enabled);
	assert_int_equal(dns->persistence_s, 1);
	assert_true(dns->failsafe.enabled);
	assert_int_equal(dns->failsafe.response_timeout_ms, 2000);
	assert_int_equal(dns->failsafe.max_replays, 1);
	assert_int_equal(dns->failsafe.store_size, 131072);
	assert_int_equal(dns->failsafe.protocol, NC_FS_PROTO_OPAQUE);
	assert_int_equal(dns->failsafe.replay, NC_FS_REPLAY_IDEMPOTENT);
	assert_int_equal(dns->failsafe.hold_limit_kb, 64);
	assert_string_equal(nc_fs_protocol_name(dns->failsafe.protocol), "opaque");
	assert_string_equal(nc_fs_replay_name(dns->failsafe.replay), "idempotent");
}

static void chk_management(const struct nc_config *cfg)
{
	assert_true(cfg->management.enabled);
	assert_false(cfg->management.listen_v6);
	assert_int_equal(cfg->management.listen_ip, IP4(10, 0, 0, 1));
	assert_int_equal(cfg->management.listen_port, 8443);
	assert_string_equal(cfg->management.token_file, "/etc/netchestra/token");
}

static void chk_management_v6(const struct nc_config *cfg)
{
	static const uint8_t want[16] = { 0xfd, 0x00, 0x02, 0x03, [15] = 0x02 };

	assert_true(cfg->management.enabled);
	assert_true(cfg->management.listen_v6);
	assert_memory_equal(cfg->management.listen_ip6, want, 16);
	assert_int_equal(cfg->management.listen_port, 9443);
}

static void chk_management_v6_loopback(const struct nc_config *cfg)
{
	static const uint8_t want[16] = { [15] = 1 };

	assert_true(cfg->management.listen_v6);
	assert_memory_equal(cfg->management.listen_ip6, want, 16);
	assert_int_equal(cfg->management.listen_port, 65535);
}

static void chk_management_v6_any(const struct nc_config *cfg)
{
	static const uint8_t want[16] = { 0 };

	assert_true(cfg->management.listen_v6);
	assert_memory_equal(cfg->management.listen_ip6, want, 16);
	assert_int_equal(cfg->management.listen_port, 1);
}

static void chk_management_default(const struct nc_config *cfg)
{
	assert_true(cfg->management.enabled);
	assert_int_equal(cfg->management.listen_ip, IP4(127, 0, 0, 1));
	assert_int_equal(cfg->management.listen_port, 9180);
	assert_string_equal(cfg->management.token_file, "tok");
}

static void chk_maglev_defaults(const struct nc_config *cfg)
{
	assert_int_equal(cfg->services[0].scheduler, NC_SCHED_MAGLEV);
	assert_int_equal(cfg->services[0].maglev_size, 65537);
	assert_int_equal(cfg->services[0].maglev_seed, 2654435769u);
	chk_svc_defaults(cfg, 0);
	chk_svc_defaults(cfg, 1);
}

static void chk_maglev_low(const struct nc_config *cfg)
{
	assert_int_equal(cfg->services[0].scheduler, NC_SCHED_MAGLEV);
	assert_int_equal(cfg->services[0].maglev_size, 251);
	assert_int_equal(cfg->services[0].maglev_seed, 0);
}

static void chk_maglev_high(const struct nc_config *cfg)
{
	assert_int_equal(cfg->services[1].scheduler, NC_SCHED_MAGLEV);
	assert_int_equal(cfg->services[1].maglev_size, 1000003);
	assert_int_equal(cfg->services[1].maglev_seed, 4294967295u);
	assert_int_equal(cfg->services[0].scheduler, NC_SCHED_RATIO);
}

static void chk_exception(const struct nc_config *cfg)
{
	assert_true(cfg->ports[1].has_host);
	assert_int_equal(cfg->ports[1].host.addr, IP4(10, 2, 0, 5));
	assert_true(cfg->ports[1].exception);
	assert_string_equal(cfg->ports[1].exc_ifname, "nc-p1");
	assert_false(cfg->ports[0].exception);   /* no host */
	assert_true(cfg->bgp.enabled);
	assert_int_equal(cfg->bgp.asn, 65001);
	assert_int_equal(cfg->bgp.router_id, IP4(10, 2, 0, 5));
	assert_int_equal(cfg->bgp.hold_s, 3);
	assert_int_equal(cfg->bgp.n_neighbors, 1);
	assert_int_equal(cfg->bgp.neighbors[0].address, IP4(10, 2, 0, 254));
	assert_int_equal(cfg->bgp.neighbors[0].port, 1);
	assert_true(cfg->bgp.bfd);
	assert_int_equal(cfg->bgp.bfd_interval_ms, 100);
	assert_int_equal(cfg->bgp.bfd_multiplier, 3);
	assert_int_equal(cfg->services[1].vip, IP4(10, 7, 0, 1));   /* announced, not on-link */
}

static void chk_exception_top_ifname(const struct nc_config *cfg)
{
	assert_true(cfg->ports[1].exception);
	assert_string_equal(cfg->ports[1].exc_ifname, "nc-p0");
	assert_false(cfg->ports[0].exception);
}

/* the host may be one of the port's own addresses (shared with the data plane) */
static void chk_exception_port(const struct nc_config *cfg)
{
	assert_true(cfg->ports[0].exception);
	assert_string_equal(cfg->ports[0].exc_ifname, "front0");
	assert_int_equal(cfg->ports[0].host.addr, IP4(10, 1, 0, 1));
	assert_false(cfg->bgp.enabled);
}

static void chk_client_address(const struct nc_config *cfg)
{
	assert_int_equal(cfg->services[0].client_address, NC_CA_PROXY_V1);
	assert_true(cfg->services[0].health.proxy);
	assert_int_equal(cfg->services[1].client_address, NC_CA_PROXY_V2);
	assert_string_equal(nc_client_addr_name(NC_CA_TOA), "toa");
	assert_string_equal(nc_client_addr_name(NC_CA_PROXY_V2), "proxy-v2");
}

static void chk_client_address_toa(const struct nc_config *cfg)
{
	assert_int_equal(cfg->services[0].client_address, NC_CA_TOA);
	assert_int_equal(cfg->services[1].client_address, NC_CA_NONE);
	assert_false(cfg->services[0].health.proxy);
}

static const struct good_case good_cases[] = {
	{ "client_address proxy-v1 with probes that carry it, proxy-v2 on udp",
	  { { "/services/0/client_address", "'proxy-v1'" },
	    { "/services/0/health", "{'type': 'http', 'proxy': true}" },
	    { "/services/1/client_address", "'proxy-v2'" } }, NULL, chk_client_address },
	{ "client_address toa, none on udp",
	  { { "/services/0/client_address", "'toa'" }, { "/services/1/client_address", "'none'" },
	    { "/services/0/health", "{'type': 'tcp', 'proxy': false}" } }, NULL,
	  chk_client_address_toa },
	{ "host, top-level exception, bgp",
	  { { "/ports/1/host", "'10.2.0.5/24'" }, { "/exception", "{'enabled': true}" },
	    { "/bgp", "{'asn': 65001, 'neighbors': [{'address': '10.2.0.254', 'asn': 65000}]}" },
	    { "/services/1/vip", "'10.7.0.1'" } }, NULL, chk_exception },
	{ "top-level exception with its ifname",
	  { { "/ports/1/host", "'10.2.0.5/24'" }, { "/exception", "{'enabled': true, 'ifname': 'nc-p0'}" } },
	  NULL, chk_exception_top_ifname },
	{ "host of its own, exception per port",
	  { { "/ports/0/host", "'10.1.0.1/24'" }, { "/services/0/local_ips/0", "'10.1.0.3'" },
	    { "/ports/0/exception", "{'enabled': true, 'ifname': 'front0'}" } },
	  NULL, chk_exception_port },
	{ "maglev with its defaults", { { "/services/0/scheduler", "'maglev'" } }, NULL,
	  chk_maglev_defaults },
	{ "maglev, lowest size and seed",
	  { { "/services/0/scheduler", "'maglev'" }, { "/services/0/maglev_size", "251" },
	    { "/services/0/maglev_seed", "0" } }, NULL, chk_maglev_low },
	{ "maglev, highest size and seed",
	  { { "/services/1/scheduler", "'maglev'" }, { "/services/1/maglev_size", "1000003" },
	    { "/services/1/maglev_seed", "4294967295" } }, NULL, chk_maglev_high },
	{ "management", { { "/management", "{'listen': '10.0.0.1:8443', 'token_file': '/etc/netchestra/token'}" } },
	  NULL, chk_management },
	{ "management listen on IPv6", { { "/management", "{'listen': '[fd00:203::2]:9443', "
	  "'token_file': '/t'}" } }, NULL, chk_management_v6 },
	{ "management listen on IPv6 loopback, port 65535", { { "/management", "{'listen': "
	  "'[::1]:65535', 'token_file': '/t'}" } }, NULL, chk_management_v6_loopback },
	{ "management listen on every IPv6 address, port 1", { { "/management", "{'listen': "
	  "'[::]:1', 'token_file': '/t'}" } }, NULL, chk_management_v6_any },
	{ "management listen default", { { "/management", "{'token_file': 'tok'}" } }, NULL,
	  chk_management_default },
	{ "idle_sleep_us 0 spins", { { "/workers/idle_sleep_us", "0" } }, NULL, chk_idle_0 },
	{ "lowest values of every range",
	  { { "/eal/memory_mb", "64" }, { "/workers/burst", "1" }, { "/ports/0/rx_desc", "64" },
	    { "/limits", "{'max_flows': 1, 'tcp_idle_s': 1, 'udp_idle_s': 1, 'tcp_fin_s': 1, 'tcp_syn_s': 1, 'tcp_timewait_s': 0}" } },
	  NULL, chk_low_bounds },
	{ "highest values of every range",
	  { { "/eal/memory_mb", "1048576" },
	    { "/workers", "{'lcores': [1, 2], 'burst': 512, 'idle_sleep_us': 100000}" },
	    { "/ports/0/tx_desc", "16384" },
	    { "/limits", "{'max_flows': 67108864, 'tcp_idle_s': 86400, 'udp_idle_s': 86400, 'tcp_fin_s': 300, 'tcp_syn_s': 300, 'tcp_timewait_s': 600}" } },
	  NULL, chk_high_bounds },
	{ "a vip may equal a port address", { { "/services/1/vip", "'10.2.0.1'" } }, NULL, NULL },
	{ "a local ip may equal the vip", { { "/services/0/local_ips/0", "'10.0.0.1'" } }, NULL,
	  chk_local_is_vip },
	{ "a local ip may be shared by services", { { "/services/1/local_ips/0", "'10.1.0.1'" } },
	  NULL, NULL },
	{ "same vip and port with another proto",
	  { { "/services/1/vip", "'10.0.0.1'" }, { "/services/1/port", "80" } }, NULL,
	  chk_other_proto },
	{ "same server address on another port",
	  { { "/services/0/servers/1/address", "'10.1.0.11'" },
	    { "/services/0/servers/1/port", "8081" } }, NULL, NULL },
	{ "secondary address in one subnet of a port", { { "/ports/0/ipv4/-", "'10.0.0.5/24'" } },
	  NULL, NULL },
	{ "/31 and /32 port addresses",
	  { { "/ports/1/ipv4/-", "'10.9.0.0/31'" }, { "/ports/1/ipv4/-", "'10.9.1.1/32'" } },
	  NULL, chk_small_subnets },
	{ "lcores pinned to cpus", { { "/eal/lcores", "'0@0,(1-2)@1'" } }, NULL, chk_pinned },
	{ "lcore groups on cpu sets", { { "/eal/lcores", "'(0,1)@(0-1),2@(2,3)'" } }, NULL,
	  chk_pinned },
	{ "lcores out of order", { { "/eal/lcores", "'2,0-1'" } }, NULL, chk_pinned },
	{ "lcores above 63", { { "/eal/lcores", "'64,127'" }, { "/workers/lcores", "[127]" } },
	  NULL, chk_high_lcores },
	{ "server reached only by a route", { { "/routes/0", NULL } }, NULL, NULL },
	{ "no neighbors", { { "/neighbors", "[]" } }, NULL, chk_no_neighbors },
	{ "empty limits object takes every default", { { "/limits", "{}" } }, NULL,
	  chk_limits_default },
	{ "limits against floods",
	  { { "/limits", "{'udp_unreplied_s': 3, 'new_flows_per_source': 1000, 'half_open_max': 50000,"
			 " 'udp_unreplied_max': 20000, 'source_prefix6': 48}" } }, NULL, chk_flood_limits },
	{ "mac in capitals", { { "/ports/0/mac", "'02:AB:CD:00:00:01'" } }, NULL, chk_mac_upper },
	{ "PCI device in short form without eal.allow", { { "/ports/1/device", "'04:00.0'" } },
	  NULL, chk_pci_short },
	{ "PCI device in eal.allow with devargs",
	  { { "/eal/allow", "['0000:04:00.0,rx_low_latency=1']" },
	    { "/ports/1/device", "'0000:04:00.0'" } }, NULL, NULL },
	{ "EAL options the loader does not own",
	  { { "/eal/args", "['--huge-dir=/mnt/huge', '--no-hpet', '--match-allocations', '-d', 'librte_net_null.so', '--in-memory']" } },
	  NULL, NULL },
	{ "name of 31 bytes", { { NULL, NULL } }, hook_name_31, chk_name_31 },
	{ "eal arg of 255 bytes", { { NULL, NULL } }, hook_arg_255, chk_arg_255 },

	/* services[].health */
	{ "http probe with every key",
	  { { "/services/0/health",
	      "{'type': 'http', 'interval_ms': 2000, 'timeout_ms': 750, 'rise': 4, 'fall': 5, 'http_path': '/status?full=1&x=%7e~!$\\u0027()*+,;=:@[]'}" } },
	  NULL, chk_health_http_full },
	{ "tcp probe with only its type", { { "/services/0/health", "{'type': 'tcp'}" } }, NULL,
	  chk_health_tcp_defaults },
	{ "http probe without http_path", { { "/services/0/health", "{'type': 'http'}" } }, NULL,
	  chk_health_http_default_path },
	{ "udp probe payload in either case",
	  { { "/services/1/health", "{'type': 'udp', 'udp_payload_hex': 'DEADbeef00'}" } }, NULL,
	  chk_health_udp_payload },
	{ "udp probe with an empty payload",
	  { { "/services/1/health", "{'type': 'udp', 'udp_payload_hex': ''}" } }, NULL,
	  chk_health_udp_empty },
	{ "icmp probe on a tcp and a udp service",
	  { { "/services/0/health", "{'type': 'icmp'}" }, { "/services/1/health", "{'type': 'icmp'}" } },
	  NULL, chk_health_icmp_both },
	{ "lowest health values",
	  { { "/services/0/health", "{'type': 'tcp', 'interval_ms': 50, 'timeout_ms': 10, 'rise': 1, 'fall': 1}" } },
	  NULL, chk_health_low },
	{ "highest health values",
	  { { "/services/1/health", "{'type': 'udp', 'interval_ms': 3600000, 'timeout_ms': 3600000, 'rise': 100, 'fall': 100}" } },
	  NULL, chk_health_high },
	{ "health timeout_ms equal to interval_ms",
	  { { "/services/0/health", "{'type': 'tcp', 'interval_ms': 200, 'timeout_ms': 200}" } },
	  NULL, chk_health_equal_timeout },
	{ "http_path of 127 bytes", { { NULL, NULL } }, hook_http_path_127, chk_http_path_127 },
	{ "udp payload of 256 bytes", { { NULL, NULL } }, hook_hex_512, chk_hex_512 },

	/* services[].adaptive */
	{ "fast controller at the edges of its ranges",
	  { { "/services/0/adaptive", "{'enabled': true, 'mode': 'fast', 'interval_ms': 100, 'step': 50, 'min_weight': 30}" } },
	  NULL, chk_adaptive_fast },
	{ "min_weight above a weight while disabled, 50 x 2 servers",
	  { { "/services/0/adaptive", "{'enabled': false, 'mode': 'paper', 'interval_ms': 3600000, 'min_weight': 50}" } },
	  NULL, chk_adaptive_high },
	{ "min_weight 100 with one server",
	  { { "/services/1/adaptive", "{'enabled': true, 'min_weight': 100}" } }, NULL,
	  chk_adaptive_single },
	{ "empty adaptive object takes every default", { { "/services/0/adaptive", "{}" } }, NULL,
	  chk_adaptive_empty },
	{ "adaptive enabled with its defaults", { { "/services/1/adaptive", "{'enabled': true}" } },
	  NULL, chk_adaptive_paper },

	/* services[].persistence_s and services[].failsafe */
	{ "persistence_s 30 without failsafe", { { "/services/0/persistence_s", "30" } }, NULL,
	  chk_persistence_30 },
	{ "persistence_s 0 and 86400",
	  { { "/services/0/persistence_s", "0" }, { "/services/1/persistence_s", "86400" } }, NULL,
	  chk_persistence_edges },
	{ "failsafe at the low edges of its ranges",
	  { { "/services/0/failsafe", "{'enabled': true, 'response_timeout_ms': 10, 'max_replays': 0, 'store_size': 64}" } },
	  NULL, chk_failsafe_low },
	{ "failsafe at the high edges of its ranges, on a udp service",
	  { { "/services/1/failsafe", "{'enabled': true, 'response_timeout_ms': 600000, 'max_replays': 16, 'store_size': 4194304}" } },
	  NULL, chk_failsafe_high },
	{ "failsafe enabled with its defaults", { { "/services/0/failsafe", "{'enabled': true}" } },
	  NULL, chk_failsafe_enabled_only },
	{ "empty failsafe object takes every default", { { "/services/0/failsafe", "{}" } }, NULL,
	  chk_failsafe_empty },
	{ "failsafe disabled keeps its other values",
	  { { "/services/0/failsafe", "{'enabled': false, 'response_timeout_ms': 30000, 'max_replays': 5, 'store_size': 1000}" } },
	  NULL, chk_failsafe_disabled_kept },
	{ "persistence and failsafe beside health and adaptive, in both services",
	  { { "/services/0/persistence_s", "600" },
	    { "/services/0/failsafe", "{'enabled': true, 'response_timeout_ms': 5000}" },
	    { "/services/0/health", "{'type': 'http'}" },
	    { "/services/0/adaptive", "{'enabled': true}" } },
	  hook_dns_failsafe, chk_failsafe_both },
};

static void run_good(void **state)
{
	const struct good_case *tc = *state;
	struct nc_config *cfg = cfg_new();
	char *json = build(tc->p, tc->hook);

	must_parse(json, cfg);
	if (tc->check != NULL)
		tc->check(cfg);
	free(json);
	free(cfg);
}

/* ---- IPv6: the base with IPv6 beside IPv4, then one change per case ---- */

/* Both ports dual-stack, an IPv6 neighbor and default route, and services[2]:
 * an IPv6 service over one on-link and one routed IPv6 server. */
static void v6_base(json_t *r)
{
	jset(r, "/ports/0/ipv6", jparse("['fd00:200::1/64', 'fd00:201::1/64']"));
	jset(r, "/ports/1/ipv6", jparse("['fd00:202::1/64']"));
	jset(r, "/neighbors/-", jparse("{'ipv6': 'fd00:201::11', 'mac': '02:00:00:00:02:11'}"));
	jset(r, "/routes/-", jparse("{'prefix': '::/0', 'via': 'fd00:200::fe'}"));
	jset(r, "/services/-", jparse(
		"{'name': 'web6', 'vip': 'fd00:200::10', 'port': 443, 'proto': 'tcp',"
		" 'local_ips': ['fd00:201::1', 'fd00:201::2'], 'scheduler': 'smooth',"
		" 'persistence_prefix6': 64,"
		" 'servers': ["
		"   {'name': 'a0', 'address': 'fd00:201::11', 'port': 8443, 'weight': 40},"
		"   {'name': 'a1', 'address': '2001:db8:5::7', 'port': 8443, 'weight': 60} ] }"));
}

static void hook_v6_dns_routed(json_t *r)
{
	jset(r, "/services/1/servers/0/address", json_string("10.1.0.13"));
}

static void hook_v6_cluster(json_t *r)
{
	jset(r, "/cluster", jparse("{'id': 1, 'peers': ['10.2.0.6'], 'sync': false,"
				   " 'secret_file': '/nonexistent/secret'}"));
}

/* sync not given: on by default; the peer's local IPs of both families */
static void hook_v6_cluster_sync(json_t *r)
{
	jset(r, "/cluster", jparse("{'id': 1, 'peers': [{'address': '10.2.0.6',"
				   " 'local_ips': ['10.2.0.7', 'fd00:201::7']}],"
				   " 'secret_file': '/nonexistent/secret'}"));
}

static void hook_v6_peer_lip_offlink(json_t *r)
{
	hook_v6_cluster_sync(r);
	jset(r, "/cluster/peers/0/local_ips/1", json_string("fd00:999::7"));
}

static void hook_v6_peer_lip_own(json_t *r)
{
	hook_v6_cluster_sync(r);
	jset(r, "/cluster/peers/0/local_ips/1", json_string("fd00:201::1"));
}

static void hook_v6_peer_lip_twice(json_t *r)
{
	hook_v6_cluster_sync(r);
	jset(r, "/cluster/peers/0/local_ips/-", json_string("fd00:201::7"));
}

static const struct bad_case bad6_cases[] = {
	/* ports */
	{ "port ipv6 without a length", { { "/ports/0/ipv6/0", "'fd00:200::1'" } }, NULL,
	  WANT("ports[0].ipv6[0]: not an IPv6 prefix (addr/len): \"fd00:200::1\"") },
	{ "port ipv6 length 129", { { "/ports/0/ipv6/0", "'fd00:200::1/129'" } }, NULL,
	  WANT("ports[0].ipv6[0]: prefix length must be 1..128, got 129") },
	{ "port ipv6 is an ipv4 prefix", { { "/ports/1/ipv6/0", "'10.2.0.1/24'" } }, NULL,
	  WANT("ports[1].ipv6[0]: not an IPv6 prefix (addr/len): \"10.2.0.1/24\"") },
	{ "port ipv6 empty", { { "/ports/1/ipv6", "[]" } }, NULL,
	  WANT("ports[1].ipv6: must not be empty") },
	{ "port ipv6 subnet-router anycast", { { "/ports/1/ipv6/0", "'fd00:202::/64'" } }, NULL,
	  WANT("ports[1].ipv6[0]: fd00:202:: is the subnet-router anycast address of fd00:202::/64") },
	{ "port ipv6 multicast", { { "/ports/1/ipv6/0", "'ff02::1/64'" } }, NULL,
	  WANT("ports[1].ipv6[0]: must be a unicast host address, got ff02::1 (multicast)") },
	{ "port ipv6 link-local", { { "/ports/1/ipv6/0", "'fe80::1/64'" } }, NULL,
	  WANT("ports[1].ipv6[0]: must be a unicast host address, got fe80::1 (link-local)") },
	{ "one ipv6 address on two ports", { { "/ports/1/ipv6/-", "'fd00:200::1/64'" } }, NULL,
	  WANT("ports[1].ipv6[1]: duplicate address fd00:200::1 (same as ports[0].ipv6[0])") },
	{ "ipv6 subnets of two ports overlap", { { "/ports/1/ipv6/-", "'fd00:200::9/48'" } }, NULL,
	  WANT("ports[1].ipv6[1]: subnet fd00:200::/48 overlaps ports[0].ipv6[0] (fd00:200::/64)") },
	/* neighbors */
	{ "ipv6 neighbor off-link", { { "/neighbors/2/ipv6", "'fd00:299::1'" } }, NULL,
	  WANT("neighbors[2].ipv6: fd00:299::1 is not on-link (in no port subnet)") },
	{ "neighbor with ipv4 and ipv6", { { "/neighbors/2/ipv4", "'10.1.0.13'" } }, NULL,
	  WANT("neighbors[2].ipv6: give ipv4 or ipv6, not both") },
	{ "neighbor ipv6 not an address", { { "/neighbors/2/ipv6", "'fd00::g'" } }, NULL,
	  WANT("neighbors[2].ipv6: not an IPv6 address: \"fd00::g\"") },
	{ "duplicate ipv6 neighbor",
	  { { "/neighbors/-", "{'ipv6': 'fd00:201::11', 'mac': '02:00:00:00:02:12'}" } }, NULL,
	  WANT("neighbors[3].ipv6: duplicate address fd00:201::11 (same as neighbors[2].ipv6)") },
	{ "ipv6 neighbor is a port address", { { "/neighbors/2/ipv6", "'fd00:201::1'" } }, NULL,
	  WANT("neighbors[2].ipv6: fd00:201::1 is the appliance's own address (ports[0].ipv6[1])") },
	/* routes */
	{ "ipv6 route via an ipv4 address", { { "/routes/2/via", "'10.0.0.254'" } }, NULL,
	  WANT("routes[2].via: must be an IPv6 address, as the prefix") },
	{ "ipv4 route via an ipv6 address", { { "/routes/0/via", "'fd00:200::fe'" } }, NULL,
	  WANT("routes[0].via: must be an IPv4 address, as the prefix") },
	{ "ipv6 route with host bits", { { "/routes/2/prefix", "'2001:db8::1/32'" } }, NULL,
	  WANT("routes[2].prefix: host bits set in 2001:db8::1/32 (network is 2001:db8::/32)") },
	{ "ipv6 route via off-link", { { "/routes/2/via", "'fd00:299::1'" } }, NULL,
	  WANT("routes[2].via: fd00:299::1 is not on-link (in no port subnet)") },
	{ "duplicate ipv6 route", { { "/routes/-", "{'prefix': '::/0', 'via': 'fd00:202::fe'}" } },
	  NULL, WANT("routes[3].prefix: duplicate prefix ::/0 (same as routes[2].prefix)") },
	/* services: addresses */
	{ "ipv6 vip off-link", { { "/services/2/vip", "'fd00:299::1'" } }, NULL,
	  WANT("services[2].vip: fd00:299::1 is not on-link (in no port subnet)") },
	{ "ipv6 vip link-local", { { "/services/2/vip", "'fe80::1'" } }, NULL,
	  WANT("services[2].vip: must be a unicast host address, got fe80::1 (link-local)") },
	{ "ipv6 vip not an address", { { "/services/2/vip", "'fd00:200::10::1'" } }, NULL,
	  WANT("services[2].vip: not an IPv6 address: \"fd00:200::10::1\"") },
	{ "servers of two families", { { "/services/2/servers/1/address", "'10.1.0.13'" } }, NULL,
	  WANT("services[2].servers[1].address: an IPv4 server among IPv6 ones (services[2].servers[0]): "
	       "all servers of a service are of one family") },
	{ "ipv6 local ip under ipv4 servers", { { "/services/0/local_ips/1", "'fd00:201::2'" } }, NULL,
	  WANT("services[0].local_ips[1]: must be an IPv4 address, as the servers") },
	{ "ipv4 local ip under ipv6 servers", { { "/services/2/local_ips/1", "'10.1.0.2'" } }, NULL,
	  WANT("services[2].local_ips[1]: must be an IPv6 address, as the servers") },
	{ "ipv6 local ip off-link", { { "/services/2/local_ips/1", "'fd00:299::2'" } }, NULL,
	  WANT("services[2].local_ips[1]: fd00:299::2 is not on-link (in no port subnet)") },
	{ "duplicate ipv6 local ip", { { "/services/2/local_ips/1", "'fd00:201:0::1'" } }, NULL,
	  WANT("services[2].local_ips[1]: duplicate address fd00:201::1 (same as services[2].local_ips[0])") },
	{ "ipv6 server unreachable", { { "/routes/2", NULL } }, NULL,
	  WANT("services[2].servers[1].address: 2001:db8:5::7 is reached by no port subnet or route") },
	{ "ipv6 server is the vip", { { "/services/2/servers/1/address", "'fd00:200::10'" } }, NULL,
	  WANT("services[2].servers[1].address: fd00:200::10 is the appliance's own address (services[2].vip)") },
	{ "duplicate ipv6 server", { { "/services/2/servers/1/address", "'fd00:201::11'" } }, NULL,
	  WANT("services[2].servers[1]: duplicate server [fd00:201::11]:8443 (same as services[2].servers[0])") },
	{ "duplicate ipv6 service",
	  { { "/services/1/vip", "'fd00:200::10'" }, { "/services/1/port", "443" },
	    { "/services/1/proto", "'tcp'" }, { "/services/1/servers/0/address", "'2001:db8:5::9'" } },
	  NULL,
	  WANT("services[1].local_ips[0]: must be an IPv6 address, as the servers",
	       "services[2]: duplicate service [fd00:200::10]:443/tcp (same as services[1])") },
	/* persistence_prefix6 */
	{ "persistence_prefix6 0", { { "/services/2/persistence_prefix6", "0" } }, NULL,
	  WANT("services[2].persistence_prefix6: must be 1..128, got 0") },
	{ "persistence_prefix6 129", { { "/services/2/persistence_prefix6", "129" } }, NULL,
	  WANT("services[2].persistence_prefix6: must be 1..128, got 129") },
	{ "persistence_prefix6 on an ipv4 vip", { { "/services/0/persistence_prefix6", "64" } }, NULL,
	  WANT("services[0].persistence_prefix6: only for an IPv6 vip") },
	/* what an IPv6 service cannot have yet */
	{ "nat64: ipv6 local ips over ipv4 servers",
	  { { "/services/2/servers/0/address", "'10.1.0.11'" },
	    { "/services/2/servers/1/address", "'192.168.1.10'" } }, NULL,
	  WANT("services[2].local_ips[0]: must be an IPv4 address, as the servers",
	       "services[2].local_ips[1]: must be an IPv4 address, as the servers") },
	{ "ipv4 vip over ipv6 servers",
	  { { "/services/2/vip", "'10.0.0.3'" }, { "/services/2/persistence_prefix6", NULL } }, NULL,
	  WANT("services[2].servers: IPv4 VIP over IPv6 servers is not supported") },
	/* host6: the dispatcher's IPv6 address on a port, through its exception interface */
	{ "host6 with an exception interface",
	  { { "/ports/1/host6", "'fd00:202::5/64'" }, { "/ports/1/exception", "{'enabled': true}" } }, NULL,
	  WANT(NULL) },
	{ "host6 is the port's own ipv6 address",
	  { { "/ports/1/host6", "'fd00:202::1/64'" }, { "/exception", "{'enabled': true}" } }, NULL,
	  WANT(NULL) },
	{ "host6 outside the port's subnets", { { "/ports/1/host6", "'fd00:200::5/64'" } }, NULL,
	  WANT("ports[1].host6: fd00:200::5/64 is in none of this port's ipv6 subnets") },
	{ "host6 with another length", { { "/ports/1/host6", "'fd00:202::5/48'" } }, NULL,
	  WANT("ports[1].host6: fd00:202::5/48 is in none of this port's ipv6 subnets") },
	{ "host6 without a length", { { "/ports/1/host6", "'fd00:202::5'" } }, NULL,
	  WANT("ports[1].host6: not an IPv6 prefix (addr/len): \"fd00:202::5\"") },
	{ "host6 is an ipv4 prefix", { { "/ports/1/host6", "'10.2.0.5/24'" } }, NULL,
	  WANT("ports[1].host6: not an IPv6 prefix (addr/len): \"10.2.0.5/24\"") },
	{ "host6 multicast", { { "/ports/1/host6", "'ff02::5/64'" } }, NULL,
	  WANT("ports[1].host6: must be a unicast host address, got ff02::5 (multicast)") },
	{ "host6 link-local", { { "/ports/1/host6", "'fe80::5/64'" } }, NULL,
	  WANT("ports[1].host6: must be a unicast host address, got fe80::5 (link-local)") },
	{ "host6 subnet-router anycast", { { "/ports/1/host6", "'fd00:202::/64'" } }, NULL,
	  WANT("ports[1].host6: fd00:202:: is the subnet-router anycast address of fd00:202::/64") },
	{ "host6 is a number", { { "/ports/1/host6", "6" } }, NULL,
	  WANT("ports[1].host6: must be a string, got integer") },
	{ "host6 is an ipv6 vip", { { "/ports/0/host6", "'fd00:200::10/64'" } }, NULL,
	  WANT("ports[0].host6: fd00:200::10 is services[2].vip") },
	{ "host6 is an ipv6 local ip", { { "/ports/0/host6", "'fd00:201::2/64'" } }, NULL,
	  WANT("ports[0].host6: fd00:201::2 is services[2].local_ips[1]") },
	{ "ipv6 neighbor and server are our host6",
	  { { "/ports/0/host6", "'fd00:201::11/64'" } }, NULL,
	  WANT("neighbors[2].ipv6: fd00:201::11 is the appliance's own address (ports[0].host6)",
	       "services[2].servers[0].address: fd00:201::11 is the appliance's own address (ports[0].host6)") },
	{ "top-level exception ifname for a host and a host6 port",
	  { { "/exception", "{'enabled': true, 'ifname': 'nc-x'}" },
	    { "/ports/1/host6", "'fd00:202::5/64'" }, { "/ports/0/host", "'10.0.0.5/24'" } }, NULL,
	  WANT("exception.ifname: names one interface, but 2 ports have a host and no exception of their own: give each its ports[].exception.ifname") },
	/* bgp.neighbors[].address over IPv6: the session from the facing port's host6 */
	{ "bgp ipv6 neighbor",
	  { { "/bgp", "{'asn': 65001, 'neighbors': [{'address': 'fd00:202::fe', 'asn': 65000}]}" },
	    { "/ports/1/host6", "'fd00:202::5/64'" }, { "/ports/1/host", "'10.2.0.5/24'" },
	    { "/exception", "{'enabled': true}" } }, NULL, WANT(NULL) },
	{ "bgp ipv6 neighbor, router_id given, no ipv4 host",
	  { { "/bgp", "{'asn': 65001, 'router_id': '10.2.0.5', 'neighbors': [{'address': 'fd00:202::fe', "
	      "'asn': 65000}]}" },
	    { "/ports/1/host6", "'fd00:202::5/64'" }, { "/exception", "{'enabled': true}" } }, NULL,
	  WANT(NULL) },
	{ "bgp ipv6 neighbor, no router id to take",
	  { { "/bgp", "{'asn': 65001, 'neighbors': [{'address': 'fd00:202::fe', 'asn': 65000}]}" },
	    { "/ports/1/host6", "'fd00:202::5/64'" }, { "/exception", "{'enabled': true}" } }, NULL,
	  WANT("bgp.router_id: missing: ports[1], facing neighbors[0], has no host (an IPv4 address) "
	       "to take it from") },
	{ "bgp ipv6 neighbor without a host6",
	  { { "/bgp", "{'asn': 65001, 'neighbors': [{'address': 'fd00:202::fe', 'asn': 65000}]}" },
	    { "/ports/1/host", "'10.2.0.5/24'" }, { "/exception", "{'enabled': true}" } }, NULL,
	  WANT("bgp.neighbors[0].address: fd00:202::fe is on no port subnet with an exception interface "
	       "and a host6 (ports[].host6 and exception)") },
	{ "bgp ipv6 neighbor off every subnet",
	  { { "/bgp", "{'asn': 65001, 'neighbors': [{'address': 'fd00:999::fe', 'asn': 65000}]}" },
	    { "/ports/1/host6", "'fd00:202::5/64'" }, { "/ports/1/host", "'10.2.0.5/24'" },
	    { "/exception", "{'enabled': true}" } }, NULL,
	  WANT("bgp.neighbors[0].address: fd00:999::fe is on no port subnet with an exception interface "
	       "and a host6 (ports[].host6 and exception)") },
	{ "bgp ipv6 neighbor is our host6",
	  { { "/bgp", "{'asn': 65001, 'neighbors': [{'address': 'fd00:202::5', 'asn': 65000}]}" },
	    { "/ports/1/host6", "'fd00:202::5/64'" }, { "/ports/1/host", "'10.2.0.5/24'" },
	    { "/exception", "{'enabled': true}" } }, NULL,
	  WANT("bgp.neighbors[0].address: fd00:202::5 is the appliance's own address (ports[1].host6)") },
	{ "bgp ipv4 neighbor on a port with host6 alone",
	  { { "/bgp", "{'asn': 65001, 'router_id': '10.2.0.5', 'neighbors': [{'address': '10.2.0.254', "
	      "'asn': 65000}]}" },
	    { "/ports/1/host6", "'fd00:202::5/64'" }, { "/exception", "{'enabled': true}" } }, NULL,
	  WANT("bgp.neighbors[0].address: 10.2.0.254 is on no port subnet with an exception interface "
	       "(ports[].host and exception)") },
	/* announced by BGP beside IPv4 ones; in a cluster only without flow sync */
	{ "ipv6 service with bgp",
	  { { "/bgp", "{'asn': 65001, 'neighbors': [{'address': '10.2.0.254', 'asn': 65000}]}" },
	    { "/ports/1/host", "'10.2.0.5/24'" }, { "/exception", "{'enabled': true}" } }, NULL,
	  WANT(NULL) },
	/* flow sync carries IPv6 flows: a peer's IPv6 local IPs are taken over too */
	{ "ipv6 service with a cluster, sync on", { { NULL, NULL } }, hook_v6_cluster_sync,
	  WANT("cluster.secret_file: cannot read /nonexistent/secret: No such file or directory",
	       "cluster.peers[0].address: 10.2.0.6: no ports[].host on its subnet (the channel runs from the "
	       "dispatcher's host address)") },
	{ "ipv6 peer local ip not on-link", { { NULL, NULL } }, hook_v6_peer_lip_offlink,
	  WANT("cluster.secret_file: cannot read /nonexistent/secret: No such file or directory",
	       "cluster.peers[0].local_ips[1]: fd00:999::7 is not on-link (in no port subnet)",
	       "cluster.peers[0].address: 10.2.0.6: no ports[].host on its subnet (the channel runs from the "
	       "dispatcher's host address)") },
	{ "ipv6 peer local ip our own", { { NULL, NULL } }, hook_v6_peer_lip_own,
	  WANT("cluster.secret_file: cannot read /nonexistent/secret: No such file or directory",
	       "cluster.peers[0].local_ips[1]: fd00:201::1 is the appliance's own address (ports[0].ipv6[1])",
	       "cluster.peers[0].address: 10.2.0.6: no ports[].host on its subnet (the channel runs from the "
	       "dispatcher's host address)") },
	{ "ipv6 peer local ip twice", { { NULL, NULL } }, hook_v6_peer_lip_twice,
	  WANT("cluster.secret_file: cannot read /nonexistent/secret: No such file or directory",
	       "cluster.peers[0].local_ips[2]: fd00:201::7 is also cluster.peers[0].local_ips",
	       "cluster.peers[0].address: 10.2.0.6: no ports[].host on its subnet (the channel runs from the "
	       "dispatcher's host address)") },
	{ "ipv6 service with a cluster, sync off", { { NULL, NULL } }, hook_v6_cluster,
	  WANT("cluster.secret_file: cannot read /nonexistent/secret: No such file or directory",
	       "cluster.peers[0]: 10.2.0.6: no ports[].host on its subnet (the channel runs from the "
	       "dispatcher's host address)") },
	/* the client's address over IPv6: every mode */
	{ "ipv6 client_address proxy-v1", { { "/services/2/client_address", "'proxy-v1'" } }, NULL,
	  WANT(NULL) },
	{ "ipv6 client_address proxy-v2", { { "/services/2/client_address", "'proxy-v2'" } }, NULL,
	  WANT(NULL) },
	{ "ipv6 client_address toa", { { "/services/2/client_address", "'toa'" } }, NULL, WANT(NULL) },
	{ "nat64 client_address proxy-v1",
	  { { "/services/2/servers/0/address", "'10.1.0.11'" },
	    { "/services/2/servers/1/address", "'192.168.1.10'" },
	    { "/services/2/local_ips", "['10.1.0.1']" }, { "/services/2/client_address", "'proxy-v1'" } },
	  NULL, WANT(NULL) },
	/* health probes go over IPv6 */
	{ "ipv6 health", { { "/services/2/health", "{'type': 'tcp'}" } }, NULL, WANT(NULL) },
	/* disabled sections are fine: only what is on is refused */
	{ "ipv6 with everything off",
	  { { "/services/2/failsafe", "{'enabled': false}" }, { "/services/2/adaptive", "{'enabled': false}" },
	    { "/services/2/client_address", "'none'" }, { "/services/2/persistence_s", "0" } }, NULL,
	  WANT(NULL) },
};

static void run_bad6(void **state)
{
	const struct bad_case *tc = *state;
	struct nc_config *cfg = cfg_new();
	struct nc_errors *e = errs_new();
	char *json = build_on(v6_base, tc->p, tc->hook);
	int rc;

	rc = nc_config_parse_string(json, cfg, e);
	expect_lines(e, tc->want);
	if (tc->want[0] != NULL) {
		assert_int_equal(rc, -EINVAL);
		assert_int_equal(cfg->n_ports, 0);
		assert_int_equal(cfg->n_services, 0);
	} else {
		assert_int_equal(rc, 0);
	}
	free(json);
	free(cfg);
	free(e);
}

static const uint8_t fd00_201_1[16] = { 0xfd, 0x00, 0x02, 0x01, [15] = 0x01 };

/* an IPv6 BGP neighbor: its address, the facing port; the router id from
 * that port's IPv4 host */
static void test_v6_bgp_neighbor(void **state)
{
	static const struct patch p[] = {
		{ "/bgp", "{'asn': 65001, 'neighbors': [{'address': 'fd00:202::fe', 'asn': 65000}]}" },
		{ "/ports/1/host6", "'fd00:202::5/64'" }, { "/ports/1/host", "'10.2.0.5/24'" },
		{ "/exception", "{'enabled': true}" } };
	static const uint8_t want[16] = { 0xfd, 0x00, 0x02, 0x02, [14] = 0x00, [15] = 0xfe };
	struct nc_config *cfg = cfg_new();
	char *json = build_on(v6_base, p, NULL);

	(void)state;
	must_parse(json, cfg);
	assert_int_equal(cfg->bgp.n_neighbors, 1);
	assert_int_equal(cfg->bgp.neighbors[0].family, AF_INET6);
	assert_memory_equal(cfg->bgp.neighbors[0].address6, want, 16);
	assert_int_equal(cfg->bgp.neighbors[0].port, 1);
	assert_int_equal(cfg->bgp.neighbors[0].asn, 65000);
	assert_int_equal(cfg->bgp.router_id, IP4(10, 2, 0, 5));
	free(json);
	free(cfg);
}

/* ports[].host6 alone turns the exception interface on (top-level section),
 * kept apart from the IPv4 host */
static void test_v6_host6(void **state)
{
	static const struct patch p[] = {
		{ "/ports/1/host6", "'fd00:202::5/64'" }, { "/exception", "{'enabled': true}" },
		{ "/ports/0/host", "'10.0.0.5/24'" }, { "/ports/0/host6", "'fd00:200::5/64'" },
		{ NULL, NULL } };
	static const uint8_t want1[16] = { 0xfd, 0x00, 0x02, 0x02, [15] = 0x05 };
	static const uint8_t want0[16] = { 0xfd, 0x00, 0x02, 0x00, [15] = 0x05 };
	struct nc_config *cfg = cfg_new();
	char *json = build_on(v6_base, p, NULL);

	(void)state;
	must_parse(json, cfg);
	assert_false(cfg->ports[1].has_host);
	assert_true(cfg->ports[1].has_host6);
	assert_memory_equal(cfg->ports[1].host6.addr, want1, 16);
	assert_int_equal(cfg->ports[1].host6.len, 64);
	assert_true(cfg->ports[1].exception);
	assert_string_equal(cfg->ports[1].exc_ifname, "nc-p1");
	assert_true(cfg->ports[0].has_host);
	assert_true(cfg->ports[0].has_host6);
	assert_memory_equal(cfg->ports[0].host6.addr, want0, 16);
	assert_true(cfg->ports[0].exception);
	free(json);
	free(cfg);
}

/* An IPv6 VIP over IPv4 servers (NAT64): IPv4 local IPs; the fail-safe on */
static void test_v6_nat64(void **state)
{
	static const struct patch p[] = {
		{ "/services/2/servers/0/address", "'10.1.0.11'" },
		{ "/services/2/servers/1/address", "'192.168.1.10'" },
		{ "/services/2/local_ips", "['10.1.0.1']" },
		{ "/services/2/failsafe", "{'enabled': true, 'response_timeout_ms': 500}" },
		{ NULL, NULL } };
	struct nc_config *cfg = cfg_new();
	char *json = build_on(v6_base, p, NULL);
	const struct nc_cfg_service *s;

	(void)state;
	must_parse(json, cfg);
	s = &cfg->services[2];
	assert_int_equal(s->family, AF_INET6);
	assert_int_equal(s->server_family, AF_INET);
	assert_int_equal(s->servers[0].family, AF_INET);
	assert_int_equal(s->servers[0].address, 0x0a01000b);
	assert_int_equal(s->n_local_ips, 1);
	assert_int_equal(s->local_ips[0], 0x0a010001);
	assert_int_equal(s->n_local_ips6, 0);
	assert_true(s->failsafe.enabled);
	free(json);
	free(cfg);
}

/* The IPv6 base, parsed: every address where it belongs, in network order. */
static void test_v6_values(void **state)
{
	static const uint8_t vip[16] = { 0xfd, 0x00, 0x02, 0x00, [15] = 0x10 };
	static const uint8_t lip1[16] = { 0xfd, 0x00, 0x02, 0x01, [15] = 0x02 };
	static const uint8_t srv0[16] = { 0xfd, 0x00, 0x02, 0x01, [15] = 0x11 };
	static const uint8_t srv1[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x05, [15] = 0x07 };
	static const uint8_t via[16] = { 0xfd, 0x00, 0x02, 0x00, [15] = 0xfe };
	static const uint8_t zero[16];
	static const struct patch none[] = { { NULL, NULL } };
	struct nc_config *cfg = cfg_new();
	char *json = build_on(v6_base, none, NULL);
	const struct nc_cfg_service *s;

	(void)state;
	must_parse(json, cfg);
	assert_int_equal(cfg->ports[0].n_ipv4, 2);
	assert_int_equal(cfg->ports[0].n_ipv6, 2);
	assert_memory_equal(cfg->ports[0].ipv6[1].addr, fd00_201_1, 16);
	assert_int_equal(cfg->ports[0].ipv6[1].len, 64);
	assert_int_equal(cfg->ports[1].n_ipv6, 1);
	assert_int_equal(cfg->ports[1].ipv6[0].addr[3], 0x02);

	assert_int_equal(cfg->neighbors[0].family, AF_INET);
	assert_int_equal(cfg->neighbors[2].family, AF_INET6);
	assert_memory_equal(cfg->neighbors[2].ipv6, srv0, 16);
	assert_int_equal(cfg->neighbors[2].ipv4, 0);

	assert_int_equal(cfg->routes[0].family, AF_INET);
	assert_int_equal(cfg->routes[2].family, AF_INET6);
	assert_int_equal(cfg->routes[2].prefix6.len, 0);
	assert_memory_equal(cfg->routes[2].prefix6.addr, zero, 16);
	assert_memory_equal(cfg->routes[2].via6, via, 16);

	s = &cfg->services[0];
	assert_int_equal(s->family, AF_INET);
	assert_int_equal(s->server_family, AF_INET);
	assert_int_equal(s->n_local_ips, 2);
	assert_int_equal(s->n_local_ips6, 0);
	assert_int_equal(s->persistence_prefix6, 128);

	s = &cfg->services[2];
	assert_int_equal(s->family, AF_INET6);
	assert_memory_equal(s->vip6, vip, 16);
	assert_int_equal(s->vip, 0);
	assert_int_equal(s->port, 443);
	assert_int_equal(s->proto, IPPROTO_TCP);
	assert_int_equal(s->server_family, AF_INET6);
	assert_int_equal(s->n_local_ips, 0);
	assert_int_equal(s->n_local_ips6, 2);
	assert_memory_equal(s->local_ips6[0], fd00_201_1, 16);
	assert_memory_equal(s->local_ips6[1], lip1, 16);
	assert_int_equal(s->persistence_prefix6, 64);
	assert_int_equal(s->n_servers, 2);
	assert_int_equal(s->servers[0].family, AF_INET6);
	assert_memory_equal(s->servers[0].address6, srv0, 16);
	assert_memory_equal(s->servers[1].address6, srv1, 16);
	assert_int_equal(s->servers[1].port, 8443);
	assert_int_equal(s->servers[1].weight, 60);
	assert_int_equal(s->scheduler, NC_SCHED_SMOOTH);
	free(json);
	free(cfg);
}

/* A health section on an IPv6 service parses as on an IPv4 one; "icmpv6" is
 * the ICMP probe. */
static void test_v6_health(void **state)
{
	static const struct patch http[] = {
		{ "/services/2/health", "{'type': 'http', 'interval_ms': 2000, 'timeout_ms': 700, "
					"'rise': 3, 'fall': 4, 'http_path': '/ready'}" },
		{ NULL, NULL },
	};
	static const struct patch icmp6[] = {
		{ "/services/2/health", "{'type': 'icmpv6'}" }, { NULL, NULL },
	};
	struct nc_config *cfg = cfg_new();
	char *json = build_on(v6_base, http, NULL);
	const struct nc_cfg_health *h = &cfg->services[2].health;

	(void)state;
	must_parse(json, cfg);
	assert_int_equal(cfg->services[2].family, AF_INET6);
	assert_int_equal(h->type, NC_HEALTH_HTTP);
	assert_int_equal(h->interval_ms, 2000);
	assert_int_equal(h->timeout_ms, 700);
	assert_int_equal(h->rise, 3);
	assert_int_equal(h->fall, 4);
	assert_string_equal(h->http_path, "/ready");
	free(json);
	free(cfg);

	cfg = cfg_new();
	h = &cfg->services[2].health;
	json = build_on(v6_base, icmp6, NULL);
	must_parse(json, cfg);
	assert_int_equal(h->type, NC_HEALTH_ICMP);
	assert_int_equal(h->interval_ms, 1000);
	free(json);
	free(cfg);
}

/* A port with ipv6 only; persistence_prefix6 left out is 128. */
static void test_v6_only_port(void **state)
{
	static const struct patch p[] = {
		{ "/ports/1/ipv4", NULL }, { "/services/1/local_ips/0", "'10.1.0.3'" },
		{ "/routes/1", NULL }, { "/services/2/persistence_prefix6", NULL },
	};
	struct nc_config *cfg = cfg_new();
	char *json = build_on(v6_base, p, hook_v6_dns_routed);

	(void)state;
	must_parse(json, cfg);
	assert_int_equal(cfg->ports[1].n_ipv4, 0);
	assert_int_equal(cfg->ports[1].n_ipv6, 1);
	assert_int_equal(cfg->services[2].persistence_prefix6, 128);
	free(json);
	free(cfg);
}

/* Affinity (per prefix), maglev and adaptive weights on an IPv6 service,
 * over IPv6 servers and over IPv4 ones (NAT64). */
static void hook_v6_nat64(json_t *r)
{
	jset(r, "/services/2/local_ips", jparse("['10.1.0.2']"));
	jset(r, "/services/2/servers/0/address", json_string("10.1.0.11"));
	jset(r, "/services/2/servers/1/address", json_string("192.168.1.10"));
	jset(r, "/services/2/persistence_prefix6", json_integer(128));
}

static void test_v6_affinity_maglev_adaptive(void **state)
{
	static const struct patch p[] = {
		{ "/services/2/persistence_s", "30" }, { "/services/2/scheduler", "'maglev'" },
		{ "/services/2/adaptive", "{'enabled': true}" }, { NULL, NULL },
	};
	unsigned int k;

	(void)state;
	for (k = 0; k < 2; k++) {
		struct nc_config *cfg = cfg_new();
		const struct nc_cfg_service *s;
		char *json = build_on(v6_base, p, k == 0 ? NULL : hook_v6_nat64);

		must_parse(json, cfg);
		s = &cfg->services[2];
		assert_int_equal(s->family, AF_INET6);
		assert_int_equal(s->server_family, k == 0 ? AF_INET6 : AF_INET);
		assert_int_equal(s->persistence_s, 30);
		assert_int_equal(s->persistence_prefix6, k == 0 ? 64 : 128);
		assert_int_equal(s->scheduler, NC_SCHED_MAGLEV);
		assert_true(s->adaptive.enabled);
		free(json);
		free(cfg);
	}
}

/* syn_proxy on an IPv6 service: "on" and "auto" over IPv6 servers and over
 * IPv4 servers (NAT64); a mode it does not know refused at its path. */
static void test_v6_syn_proxy(void **state)
{
	static const struct {
		const char *mode;
		int nat64;
		enum nc_syn_proxy want;
		const char *err;       /* the one error line, NULL: valid */
	} cases[] = {
		{ "'on'", 0, NC_SYNP_ON, NULL },
		{ "'auto'", 0, NC_SYNP_AUTO, NULL },
		{ "'off'", 1, NC_SYNP_OFF, NULL },
		{ "'on'", 1, NC_SYNP_ON, NULL },
		{ "'auto'", 1, NC_SYNP_AUTO, NULL },
		{ "'always'", 1, NC_SYNP_OFF, "services[2].syn_proxy: must be \"off\", \"on\" or "
		  "\"auto\", got \"always\"" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct patch p[] = { { "/services/2/syn_proxy", cases[i].mode }, { NULL, NULL } };
		const char *want[] = { cases[i].err, NULL };
		struct nc_config *cfg = cfg_new();
		struct nc_errors *e = errs_new();
		char *json = build_on(v6_base, p, cases[i].nat64 ? hook_v6_nat64 : NULL);
		int rc;

		rc = nc_config_parse_string(json, cfg, e);
		expect_lines(e, want);
		if (cases[i].err != NULL) {
			assert_int_equal(rc, -EINVAL);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(cfg->services[2].family, AF_INET6);
			assert_int_equal(cfg->services[2].server_family,
					 cases[i].nat64 ? AF_INET : AF_INET6);
			assert_int_equal(cfg->services[2].syn_proxy, cases[i].want);
		}
		free(json);
		free(cfg);
		free(e);
	}
}

/* Management API: a server added to an IPv6 service is of its family. */
static void test_parse_server6(void **state)
{
	static const struct {
		const char *body;
		const char *want;      /* the one error line, NULL: valid */
	} cases[] = {
		{ "{'name': 'a2', 'address': 'fd00:201::12', 'port': 8443}", NULL },
		{ "{'name': 'a2', 'address': '2001:db8:9::1', 'port': 8443}", NULL },   /* routed */
		{ "{'name': 'a2', 'address': '10.1.0.13', 'port': 8443}",
		  "address: must be an IPv6 address, as the service's servers" },
		{ "{'name': 'a2', 'address': 'fd00:201::11', 'port': 8443}",
		  "address: [fd00:201::11]:8443 is server a0 already" },
		{ "{'name': 'a2', 'address': 'fd00:201::1', 'port': 8443}",
		  "address: fd00:201::1 is the appliance's own address (ports[0].ipv6[1])" },
	};
	static const struct patch none[] = { { NULL, NULL } };
	struct nc_config *cfg = cfg_new();
	struct nc_errors *errs = errs_new();
	char *json = build_on(v6_base, none, NULL);
	struct nc_cfg_server srv;
	size_t i;

	(void)state;
	must_parse(json, cfg);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *body = dq(cases[i].body);
		int rc = nc_config_parse_server(body, strlen(body), cfg, 2, &srv, errs);

		if (cases[i].want == NULL) {
			assert_int_equal(rc, 0);
			assert_int_equal(srv.family, AF_INET6);
		} else {
			assert_int_equal(rc, -EINVAL);
			assert_int_equal(errs->n, 1);
			assert_string_equal(errs->line[0], cases[i].want);
		}
		free(body);
	}
	/* an IPv6 address for an IPv4 service */
	{
		char *body = dq("{'name': 'n2', 'address': 'fd00:201::12', 'port': 1}");

		assert_int_equal(nc_config_parse_server(body, strlen(body), cfg, 0, &srv, errs), -EINVAL);
		assert_string_equal(errs->line[0], "address: must be an IPv4 address, as the service's servers");
		free(body);
	}
	free(json);
	free(cfg);
	free(errs);
}

/* ---- raw text: not a config object, or not JSON ---- */

struct raw_case {
	const char *what;
	const char *text;
	const char *want;
};

static const struct raw_case raw_cases[] = {
	{ "top level is an array", "[]", "$: must be an object, got array" },
	{ "empty text", "", "<string>:1:0: invalid JSON: '[' or '{' expected near end of file" },
	{ "unclosed object", "{", "<string>:1:1: invalid JSON: string or '}' expected near end of file" },
	{ "trailing comma", "{\n 'eal': {},\n}",
	  "<string>:3:1: invalid JSON: string or '}' expected near '}'" },
	{ "duplicate key", "{'eal': {}, 'eal': {}}",
	  "<string>:1:17: invalid JSON: duplicate object key near '\"eal\"'" },
	{ "text after the object", "{} x", "<string>:1:4: invalid JSON: end of file expected near 'x'" },
	{ "comment", "{ // no comments in JSON\n}",
	  "<string>:1:3: invalid JSON: string or '}' expected near '/'" },
};

static void run_raw(void **state)
{
	const struct raw_case *tc = *state;
	struct nc_config *cfg = cfg_new();
	struct nc_errors *e = errs_new();
	const char *want[2] = { tc->want, NULL };
	char *json = dq(tc->text);

	assert_int_equal(nc_config_parse_string(json, cfg, e), -EINVAL);
	expect_lines(e, want);
	free(json);
	free(cfg);
	free(e);
}

/* ---- fixed tests ---- */

/* Every value of the base config lands in the right field, in host order. */
static void test_base_values(void **state)
{
	static const uint8_t mac0[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t nmac1[6] = { 0x02, 0, 0, 0, 0x01, 0x12 };
	struct nc_config *cfg = cfg_new();
	const struct nc_cfg_service *web, *dns;
	char *json = dq(base_text);

	(void)state;
	must_parse(json, cfg);

	assert_string_equal(cfg->eal.lcores, "0-2");
	assert_int_equal(cfg->eal.lcore_mask[0], 0x7);
	assert_int_equal(cfg->eal.lcore_mask[1], 0);
	assert_int_equal(cfg->eal.main_lcore, 0);
	assert_int_equal(cfg->eal.memory_mb, 512);
	assert_int_equal(cfg->eal.huge, NC_HUGE_OFF);
	assert_string_equal(cfg->eal.file_prefix, "nc-test");
	assert_int_equal(cfg->eal.n_vdevs, 2);
	assert_string_equal(cfg->eal.vdevs[1], "net_pcap1,rx_pcap=in1.pcap,tx_pcap=out1.pcap");
	assert_int_equal(cfg->eal.n_allow, 0);
	assert_int_equal(cfg->eal.n_args, 1);
	assert_string_equal(cfg->eal.args[0], "--log-level=lib.eal:notice");

	assert_int_equal(cfg->workers.n_lcores, 2);
	assert_int_equal(cfg->workers.lcores[0], 1);
	assert_int_equal(cfg->workers.lcores[1], 2);
	assert_int_equal(cfg->workers.burst, 64);
	assert_int_equal(cfg->workers.idle_sleep_us, 50);

	assert_int_equal(cfg->n_ports, 2);
	assert_string_equal(cfg->ports[0].name, "p0");
	assert_string_equal(cfg->ports[0].device, "net_pcap0");
	assert_int_equal(cfg->ports[0].n_ipv4, 2);
	assert_int_equal(cfg->ports[0].ipv4[0].addr, IP4(10, 0, 0, 1));
	assert_int_equal(cfg->ports[0].ipv4[0].len, 24);
	assert_int_equal(cfg->ports[0].ipv4[1].addr, IP4(10, 1, 0, 1));
	assert_true(cfg->ports[0].has_mac);
	assert_memory_equal(cfg->ports[0].mac, mac0, 6);
	assert_int_equal(cfg->ports[0].rx_desc, 512);
	assert_int_equal(cfg->ports[0].tx_desc, 2048);
	assert_int_equal(cfg->ports[1].rx_desc, 1024);
	assert_int_equal(cfg->ports[1].tx_desc, 1024);

	assert_int_equal(cfg->n_neighbors, 2);
	assert_int_equal(cfg->neighbors[1].ipv4, IP4(10, 1, 0, 12));
	assert_memory_equal(cfg->neighbors[1].mac, nmac1, 6);

	assert_int_equal(cfg->n_routes, 2);
	assert_int_equal(cfg->routes[0].prefix.addr, 0);
	assert_int_equal(cfg->routes[0].prefix.len, 0);
	assert_int_equal(cfg->routes[0].via, IP4(10, 0, 0, 254));
	assert_int_equal(cfg->routes[1].prefix.addr, IP4(192, 168, 0, 0));
	assert_int_equal(cfg->routes[1].prefix.len, 16);

	assert_int_equal(cfg->limits.max_flows, 65536);
	assert_int_equal(cfg->limits.tcp_idle_s, 600);
	assert_int_equal(cfg->limits.udp_idle_s, 60);
	assert_int_equal(cfg->limits.tcp_fin_s, 5);
	assert_int_equal(cfg->limits.tcp_syn_s, 20);

	assert_int_equal(cfg->n_services, 2);
	web = &cfg->services[0];
	dns = &cfg->services[1];
	assert_string_equal(web->name, "web");
	assert_int_equal(web->vip, IP4(10, 0, 0, 1));
	assert_int_equal(web->port, 80);
	assert_int_equal(web->proto, IPPROTO_TCP);
	assert_int_equal(web->n_local_ips, 2);
	assert_int_equal(web->local_ips[1], IP4(10, 1, 0, 2));
	assert_int_equal(web->scheduler, NC_SCHED_RATIO);
	assert_int_equal(web->n_servers, 2);
	assert_string_equal(web->servers[1].name, "n1");
	assert_int_equal(web->servers[1].address, IP4(10, 1, 0, 12));
	assert_int_equal(web->servers[1].port, 8080);
	assert_int_equal(web->servers[0].weight, 30);
	assert_int_equal(web->servers[1].weight, 70);
	assert_int_equal(dns->proto, IPPROTO_UDP);
	assert_int_equal(dns->scheduler, NC_SCHED_SMOOTH);
	assert_int_equal(dns->servers[0].address, IP4(192, 168, 1, 10));
	assert_int_equal(dns->servers[0].weight, 100);
	chk_svc_defaults(cfg, 0);
	chk_svc_defaults(cfg, 1);

	free(json);
	free(cfg);
}

/* Only the required keys: every optional one takes its documented default. */
static void test_defaults(void **state)
{
	static const char minimal[] =
		"{ 'eal': { 'lcores': '0-1' }, 'workers': { 'lcores': [1] },"
		"  'ports': [ { 'name': 'p0', 'device': '0000:03:00.0', 'ipv4': ['10.0.0.1/24'] } ],"
		"  'services': [ { 'name': 'web', 'vip': '10.0.0.1', 'port': 80, 'proto': 'tcp',"
		"    'local_ips': ['10.0.0.1'],"
		"    'servers': [ { 'name': 'n0', 'address': '10.0.0.11', 'port': 80, 'weight': 100 } ] } ] }";
	struct nc_config *cfg = cfg_new();
	char *json = dq(minimal);

	(void)state;
	must_parse(json, cfg);
	assert_int_equal(cfg->eal.memory_mb, 256);
	assert_int_equal(cfg->eal.huge, NC_HUGE_AUTO);
	assert_string_equal(cfg->eal.file_prefix, "nc");
	assert_int_equal(cfg->eal.n_vdevs, 0);
	assert_int_equal(cfg->eal.n_allow, 0);
	assert_int_equal(cfg->eal.n_args, 0);
	assert_int_equal(cfg->eal.main_lcore, 0);
	assert_int_equal(cfg->workers.burst, 32);
	assert_int_equal(cfg->workers.idle_sleep_us, 20);
	assert_int_equal(cfg->ports[0].rx_desc, 1024);
	assert_int_equal(cfg->ports[0].tx_desc, 1024);
	assert_false(cfg->ports[0].has_mac);
	assert_int_equal(cfg->n_neighbors, 0);
	assert_int_equal(cfg->n_routes, 0);
	chk_limits_default(cfg);
	assert_false(cfg->management.enabled);
	assert_int_equal(cfg->services[0].scheduler, NC_SCHED_RATIO);
	chk_svc_defaults(cfg, 0);
	free(json);
	free(cfg);
}

/* Management API: a server to add, checked against the running base config. */
static void test_parse_server(void **state)
{
	static const struct {
		const char *body;
		const char *want;      /* first error line, NULL: valid */
	} cases[] = {
		{ "{'name': 'n2', 'address': '10.1.0.13', 'port': 8080, 'weight': 20}", NULL },
		{ "{'name': 'n2', 'address': '192.168.7.7', 'port': 8080}", NULL },   /* routed */
		{ "{'name': 'n2', 'address': '10.1.0.13', 'port': 8080, 'weight': 0}",
		  "weight: must be 1..100, got 0" },
		{ "{'name': 'n0', 'address': '10.1.0.13', 'port': 8080}",
		  "name: a server named \"n0\" exists in web" },
		{ "{'name': 'n2', 'address': '10.1.0.11', 'port': 8080}",
		  "address: 10.1.0.11:8080 is server n0 already" },
		{ "{'name': 'n2', 'address': '10.0.0.1', 'port': 8080}",
		  "address: 10.0.0.1 is the appliance's own address (ports[0].ipv4[0])" },
		{ "{'name': 'n2', 'address': '10.1.0.255', 'port': 8080}",
		  "address: 10.1.0.255 is the broadcast address of ports[0].ipv4[1] (10.1.0.0/24)" },
		{ "{'name': 'n2', 'address': '10.1.0.13'}", "port: missing required key" },
		{ "{'name': 'n 2', 'address': '10.1.0.13', 'port': 1}", NULL },
		{ "{'name': 'n2', 'address': '10.1.0.13', 'port': 1, 'w': 1}", "w: unknown key" },
		{ "[1]", "$: must be an object, got array" },
		{ "{'name': ", NULL },
	};
	struct nc_config *cfg = cfg_new();
	struct nc_errors *errs = calloc(1, sizeof(*errs));
	char *base = dq(base_text);
	size_t i;

	(void)state;
	assert_non_null(errs);
	must_parse(base, cfg);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nc_cfg_server srv;
		char *body = dq(cases[i].body);
		int r = nc_config_parse_server(body, strlen(body), cfg, 0, &srv, errs);

		if (i == 8) {   /* a name with a space: the name rules of the startup file */
			assert_int_equal(r, -EINVAL);
			assert_non_null(strstr(errs->line[0], "name: "));
		} else if (i == 11) {   /* cut JSON */
			assert_int_equal(r, -EINVAL);
			assert_non_null(strstr(errs->line[0], "invalid JSON"));
		} else if (cases[i].want == NULL) {
			if (r != 0)
				print_error("case %zu: %s\n", i, errs->line[0]);
			assert_int_equal(r, 0);
			assert_string_equal(srv.name, "n2");
			assert_int_equal(srv.port, 8080);
			assert_int_equal(srv.weight, i == 0 ? 20 : 0);
		} else {
			assert_int_equal(r, -EINVAL);
			assert_string_equal(errs->line[0], cases[i].want);
		}
		free(body);
	}
	free(base);
	free(errs);
	free(cfg);
}

/* Management API: PATCH of a service's adaptive settings keeps what is not given. */
static void test_patch_service(void **state)
{
	struct nc_config *cfg = cfg_new();
	struct nc_errors *errs = calloc(1, sizeof(*errs));
	struct nc_service_patch pa;
	struct nc_cfg_adaptive *ad = &pa.adaptive;
	char *base = dq(base_text), *body;

	(void)state;
	assert_non_null(errs);
	must_parse(base, cfg);
	body = dq("{'adaptive': {'enabled': true, 'mode': 'fast', 'step': 3}}");
	assert_int_equal(nc_config_patch_service(body, strlen(body), &cfg->services[0], 2, &pa, errs), 0);
	assert_true(pa.has_adaptive);
	assert_false(pa.has_client_address);
	assert_true(ad->enabled);
	assert_int_equal(ad->mode, NC_ADAPT_FAST);
	assert_int_equal(ad->step, 3);
	assert_int_equal(ad->interval_ms, cfg->services[0].adaptive.interval_ms);
	assert_int_equal(ad->min_weight, cfg->services[0].adaptive.min_weight);
	free(body);
	body = dq("{'adaptive': {'min_weight': 40}}");
	assert_int_equal(nc_config_patch_service(body, strlen(body), &cfg->services[0], 3, &pa, errs), -EINVAL);
	assert_string_equal(errs->line[0], "adaptive.min_weight: 40 x 3 servers exceeds 100");
	free(body);
	body = dq("{'adaptive': {'mode': 'slow', 'interval_ms': 99}}");
	assert_int_equal(nc_config_patch_service(body, strlen(body), &cfg->services[0], 2, &pa, errs), -EINVAL);
	assert_int_equal(errs->n, 2);
	assert_string_equal(errs->line[0], "adaptive.mode: must be \"paper\" or \"fast\", got \"slow\"");
	assert_string_equal(errs->line[1], "adaptive.interval_ms: must be 100..3600000, got 99");
	free(body);
	body = dq("{'weights': {}}");
	assert_int_equal(nc_config_patch_service(body, strlen(body), &cfg->services[0], 2, &pa, errs), -EINVAL);
	assert_string_equal(errs->line[0], "weights: unknown key");
	assert_string_equal(errs->line[1], "$: nothing to change: \"adaptive\" or \"client_address\"");
	free(body);
	/* client_address: any mode on tcp, for new flows; udp takes proxy-v2 or none */
	body = dq("{'client_address': 'proxy-v1'}");
	assert_int_equal(nc_config_patch_service(body, strlen(body), &cfg->services[0], 2, &pa, errs), 0);
	assert_true(pa.has_client_address);
	assert_false(pa.has_adaptive);
	assert_int_equal(pa.client_address, NC_CA_PROXY_V1);
	free(body);
	body = dq("{'client_address': 'proxy-v2'}");
	assert_int_equal(nc_config_patch_service(body, strlen(body), &cfg->services[1], 1, &pa, errs), 0);
	assert_int_equal(pa.client_address, NC_CA_PROXY_V2);
	free(body);
	body = dq("{'client_address': 'toa'}");
	assert_int_equal(nc_config_patch_service(body, strlen(body), &cfg->services[1], 1, &pa, errs), -EINVAL);
	assert_string_equal(errs->line[0],
			    "client_address: \"toa\" is for tcp services; udp takes \"proxy-v2\" or \"none\"");
	free(body);
	body = dq("{'client_address': 'v3'}");
	assert_int_equal(nc_config_patch_service(body, strlen(body), &cfg->services[0], 2, &pa, errs), -EINVAL);
	assert_string_equal(errs->line[0], "client_address: must be \"none\", \"proxy-v1\", "
			    "\"proxy-v2\" or \"toa\", got \"v3\"");
	free(body);
	/* probes that carry a header keep a PROXY mode */
	cfg->services[0].health.proxy = true;
	body = dq("{'client_address': 'none'}");
	assert_int_equal(nc_config_patch_service(body, strlen(body), &cfg->services[0], 2, &pa, errs), -EINVAL);
	assert_string_equal(errs->line[0], "client_address: its probes carry a PROXY header "
			    "(health.proxy): \"proxy-v1\" or \"proxy-v2\"");
	free(body);
	free(base);
	free(errs);
	free(cfg);
}

/* Lines beyond NC_ERR_LINES_MAX are counted, and printing says so. */
static void test_error_cap(void **state)
{
	struct nc_config *cfg = cfg_new();
	struct nc_errors *e = errs_new();
	json_t *root = jparse(base_text);
	char key[16], *json, *out = NULL;
	size_t out_len = 0, lines = 0, i;
	FILE *f;

	(void)state;
	for (i = 0; i < NC_ERR_LINES_MAX + 6; i++) {
		snprintf(key, sizeof(key), "x%02zu", i);
		json_object_set_new(root, key, json_true());
	}
	json = json_dumps(root, JSON_COMPACT);
	assert_int_equal(nc_config_parse_string(json, cfg, e), -EINVAL);
	assert_int_equal(e->n, NC_ERR_LINES_MAX);
	assert_int_equal(e->n_dropped, 6);
	assert_string_equal(e->line[0], "x00: unknown key");
	assert_string_equal(e->line[NC_ERR_LINES_MAX - 1], "x63: unknown key");

	f = open_memstream(&out, &out_len);
	assert_non_null(f);
	nc_errors_print(e, f);
	fclose(f);
	for (i = 0; i < out_len; i++)
		lines += out[i] == '\n';
	assert_int_equal(lines, NC_ERR_LINES_MAX + 1);
	assert_non_null(strstr(out, "x63: unknown key\n(6 more problems not shown)\n"));

	/* The next parse starts from an empty list. */
	free(json);
	json = dq(base_text);
	assert_int_equal(nc_config_parse_string(json, cfg, e), 0);
	assert_int_equal(e->n, 0);
	assert_int_equal(e->n_dropped, 0);

	free(out);
	free(json);
	json_decref(root);
	free(cfg);
	free(e);
}

static void test_null_args(void **state)
{
	struct nc_config *cfg = cfg_new();
	struct nc_errors *e = errs_new();
	const char *want_s[] = { "<string>: no JSON text given", NULL };
	const char *want_f[] = { "<file>: no file name given", NULL };

	(void)state;
	assert_int_equal(nc_config_parse_string(NULL, cfg, e), -EINVAL);
	expect_lines(e, want_s);
	assert_int_equal(nc_config_load(NULL, cfg, e), -EINVAL);
	expect_lines(e, want_f);
	assert_int_equal(nc_config_parse_string("{}", NULL, e), -EINVAL);
	assert_int_equal(nc_config_parse_string("{}", cfg, NULL), -EINVAL);
	assert_int_equal(nc_config_load("x.json", NULL, e), -EINVAL);
	free(cfg);
	free(e);
}

/* Write <text> to a new temporary file; its path goes to <path>. */
static void write_tmp(const char *text, char *path, size_t len)
{
	int fd;
	FILE *f;

	snprintf(path, len, "/tmp/nc-test-config-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* ---- cluster ---- */

/* Write <len> bytes of <b> to <dir>/<name>. */
static void write_file(const char *dir, const char *name, const char *b, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, len, f), len);
	fclose(f);
}

struct cluster_case {
	const char *name;
	const char *cluster;      /* the section, single quotes, %s: the secrets' folder */
	bool no_exception;        /* ports[1].host without the exception interface */
	const char *want;         /* the one problem line, %s: the folder; NULL: valid */
};

static const struct cluster_case cluster_cases[] = {
	{ "defaults", "{'sync': false, 'id': 1, 'peers': ['10.2.0.6', '10.2.0.7'], 'secret_file': '%s/ok'}",
	  false, NULL },
	{ "missing id", "{'sync': false, 'peers': ['10.2.0.6'], 'secret_file': '%s/ok'}", false,
	  "cluster.id: missing required key" },
	{ "id 16", "{'sync': false, 'id': 16, 'peers': ['10.2.0.6'], 'secret_file': '%s/ok'}", false,
	  "cluster.id: must be 0..15, got 16" },
	{ "no secret_file", "{'sync': false, 'id': 0, 'peers': ['10.2.0.6']}", false,
	  "cluster.secret_file: missing required key" },
	{ "secret missing", "{'sync': false, 'id': 0, 'peers': ['10.2.0.6'], 'secret_file': '%s/none'}", false,
	  "cluster.secret_file: cannot read %s/none: No such file or directory" },
	{ "secret short", "{'sync': false, 'id': 0, 'peers': ['10.2.0.6'], 'secret_file': '%s/short'}", false,
	  "cluster.secret_file: %s/short holds 15 bytes, the secret needs at least 16" },
	{ "secret too long", "{'sync': false, 'id': 0, 'peers': ['10.2.0.6'], 'secret_file': '%s/long'}", false,
	  "cluster.secret_file: %s/long is larger than 4096 bytes" },
	{ "secret a folder", "{'sync': false, 'id': 0, 'peers': ['10.2.0.6'], 'secret_file': '%s'}", false,
	  "cluster.secret_file: cannot read %s: Is a directory" },
	{ "no peers", "{'sync': false, 'id': 0, 'peers': [], 'secret_file': '%s/ok'}", false,
	  "cluster.peers: must not be empty" },
	{ "8 peers", "{'sync': false, 'id': 0, 'peers': ['10.2.0.6', '10.2.0.7', '10.2.0.8', '10.2.0.9', "
	  "'10.2.0.10', '10.2.0.11', '10.2.0.12', '10.2.0.13'], 'secret_file': '%s/ok'}", false,
	  "cluster.peers: must have at most 7 entries, got 8" },
	{ "peer multicast", "{'sync': false, 'id': 0, 'peers': ['224.0.0.5'], 'secret_file': '%s/ok'}", false,
	  "cluster.peers[0]: must be a unicast host address, got 224.0.0.5" },
	{ "peer twice", "{'sync': false, 'id': 0, 'peers': ['10.2.0.6', '10.2.0.6'], 'secret_file': '%s/ok'}",
	  false, "cluster.peers[1]: duplicate address 10.2.0.6 (same as cluster.peers[0])" },
	{ "peer is our host", "{'sync': false, 'id': 0, 'peers': ['10.2.0.5'], 'secret_file': '%s/ok'}", false,
	  "cluster.peers[0]: 10.2.0.5 is the appliance's own address (ports[1].host)" },
	{ "peer is a vip", "{'sync': false, 'id': 0, 'peers': ['10.0.0.1'], 'secret_file': '%s/ok'}", false,
	  "cluster.peers[0]: 10.0.0.1 is the appliance's own address (ports[0].ipv4[0])" },
	{ "peer on no host subnet", "{'sync': false, 'id': 0, 'peers': ['10.1.0.50'], 'secret_file': '%s/ok'}",
	  false, "cluster.peers[0]: 10.1.0.50: no ports[].host on its subnet (the channel runs "
	  "from the dispatcher's host address)" },
	{ "peer off every subnet", "{'sync': false, 'id': 0, 'peers': ['172.16.0.1'], 'secret_file': '%s/ok'}",
	  false, "cluster.peers[0]: 172.16.0.1: no ports[].host on its subnet (the channel runs "
	  "from the dispatcher's host address)" },
	{ "host without exception", "{'sync': false, 'id': 0, 'peers': ['10.2.0.6'], 'secret_file': '%s/ok'}",
	  true, "cluster.peers[0]: 10.2.0.6: ports[1].host has no exception interface (the "
	  "channel's socket is the kernel's)" },
	{ "sync_port 0", "{'sync': false, 'id': 0, 'peers': ['10.2.0.6'], 'secret_file': '%s/ok', 'sync_port': 0}",
	  false, "cluster.sync_port: must be 1..65535, got 0" },
	{ "heartbeat 5", "{'sync': false, 'id': 0, 'peers': ['10.2.0.6'], 'secret_file': '%s/ok', "
	  "'heartbeat_ms': 5}", false, "cluster.heartbeat_ms: must be 10..10000, got 5" },
	{ "dead_ms = heartbeat", "{'sync': false, 'id': 0, 'peers': ['10.2.0.6'], 'secret_file': '%s/ok', "
	  "'heartbeat_ms': 200, 'dead_ms': 200}", false,
	  "cluster.dead_ms: must be above heartbeat_ms (200), got 200" },
	{ "dead_ms a string", "{'sync': false, 'id': 0, 'peers': ['10.2.0.6'], 'secret_file': '%s/ok', "
	  "'dead_ms': '1s'}", false, "cluster.dead_ms: must be an integer, got string" },
	{ "drain_s 3601", "{'sync': false, 'id': 0, 'peers': ['10.2.0.6'], 'secret_file': '%s/ok', "
	  "'drain_s': 3601}", false, "cluster.drain_s: must be 0..3600, got 3601" },
	{ "unknown key", "{'sync': false, 'id': 0, 'peers': ['10.2.0.6'], 'secret_file': '%s/ok', 'ttl': 1}",
	  false, "cluster.ttl: unknown key" },
	{ "sync with the peers' local IPs", "{'id': 1, 'peers': [{'address': '10.2.0.6', "
	  "'local_ips': ['10.2.0.30', '10.2.0.31']}, {'address': '10.2.0.7', 'local_ips': "
	  "['10.2.0.32']}], 'secret_file': '%s/ok'}", false, NULL },
	{ "sync, a peer without local_ips", "{'id': 1, 'peers': ['10.2.0.6'], 'secret_file': "
	  "'%s/ok'}", false, "cluster.peers[0]: with cluster.sync, a peer is {\"address\", "
	  "\"local_ips\"}: the local IPs a survivor takes over when it dies" },
	{ "sync, an object without local_ips", "{'id': 1, 'peers': [{'address': '10.2.0.6'}], "
	  "'secret_file': '%s/ok'}", false, "cluster.peers[0].local_ips: missing required key" },
	{ "sync off, an object without local_ips", "{'sync': false, 'id': 1, 'peers': "
	  "[{'address': '10.2.0.6'}], 'secret_file': '%s/ok'}", false, NULL },
	{ "peer local IP off-link", "{'id': 1, 'peers': [{'address': '10.2.0.6', 'local_ips': "
	  "['172.16.0.1']}], 'secret_file': '%s/ok'}", false,
	  "cluster.peers[0].local_ips[0]: 172.16.0.1 is not on-link (in no port subnet)" },
	{ "peer local IP is ours", "{'id': 1, 'peers': [{'address': '10.2.0.6', 'local_ips': "
	  "['10.1.0.2']}], 'secret_file': '%s/ok'}", false,
	  "cluster.peers[0].local_ips[0]: 10.1.0.2 is the appliance's own address "
	  "(services[0].local_ips[1])" },
	{ "peer local IP twice", "{'id': 1, 'peers': [{'address': '10.2.0.6', 'local_ips': "
	  "['10.2.0.30']}, {'address': '10.2.0.7', 'local_ips': ['10.2.0.30']}], 'secret_file': "
	  "'%s/ok'}", false, "cluster.peers[1].local_ips[0]: 10.2.0.30 is also "
	  "cluster.peers[0].local_ips[0]" },
	{ "peer unknown key", "{'id': 1, 'peers': [{'address': '10.2.0.6', 'local_ips': "
	  "['10.2.0.30'], 'lips': []}], 'secret_file': '%s/ok'}", false,
	  "cluster.peers[0].lips: unknown key" },
	{ "sync a string", "{'sync': 'yes', 'id': 1, 'peers': [{'address': '10.2.0.6', "
	  "'local_ips': ['10.2.0.30']}], 'secret_file': '%s/ok'}", false,
	  "cluster.sync: must be a boolean, got string" },
	{ "sync_max_flows 0", "{'sync_max_flows': 0, 'id': 1, 'peers': [{'address': "
	  "'10.2.0.6', 'local_ips': ['10.2.0.30']}], 'secret_file': '%s/ok'}", false,
	  "cluster.sync_max_flows: must be 1..16777216, got 0" },
	{ "not an object", "[]", false, "cluster: must be an object, got array" },
	/* IPv6 peers: the channel runs from ports[1].host6 (fd00:202::5/64) */
	{ "ipv6 peers", "{'sync': false, 'id': 1, 'peers': ['fd00:202::6', 'fd00:202::7'], "
	  "'secret_file': '%s/ok'}", false, NULL },
	{ "ipv6 peer with sync", "{'id': 1, 'peers': [{'address': 'fd00:202::6', 'local_ips': "
	  "['10.2.0.30', 'fd00:202::30']}], 'secret_file': '%s/ok'}", false, NULL },
	{ "ipv6 peer multicast", "{'sync': false, 'id': 0, 'peers': ['ff02::6'], 'secret_file': '%s/ok'}",
	  false, "cluster.peers[0]: must be a unicast host address, got ff02::6 (multicast)" },
	{ "ipv6 peer not an address", "{'sync': false, 'id': 0, 'peers': ['fd00::202::6'], "
	  "'secret_file': '%s/ok'}", false, "cluster.peers[0]: not an IPv6 address: \"fd00::202::6\"" },
	{ "ipv6 peer twice", "{'sync': false, 'id': 0, 'peers': ['fd00:202::6', 'fd00:202:0::6'], "
	  "'secret_file': '%s/ok'}", false,
	  "cluster.peers[1]: duplicate address fd00:202::6 (same as cluster.peers[0])" },
	{ "ipv6 peer is our host6", "{'sync': false, 'id': 0, 'peers': ['fd00:202::5'], "
	  "'secret_file': '%s/ok'}", false,
	  "cluster.peers[0]: fd00:202::5 is the appliance's own address (ports[1].host6)" },
	{ "ipv6 peer on no host6 subnet", "{'sync': false, 'id': 0, 'peers': ['fd00:999::6'], "
	  "'secret_file': '%s/ok'}", false, "cluster.peers[0]: fd00:999::6: no ports[].host6 on its "
	  "subnet (the channel runs from the dispatcher's host address)" },
	{ "ipv6 host6 without exception", "{'sync': false, 'id': 0, 'peers': ['fd00:202::6'], "
	  "'secret_file': '%s/ok'}", true, "cluster.peers[0]: fd00:202::6: ports[1].host6 has no "
	  "exception interface (the channel's socket is the kernel's)" },
	{ "peers of both families", "{'sync': false, 'id': 0, 'peers': ['10.2.0.6', 'fd00:202::6'], "
	  "'secret_file': '%s/ok'}", false,
	  "cluster.peers[1]: fd00:202::6 is IPv6, cluster.peers[0] IPv4: the channel has one family" },
	{ "peers of both families, IPv6 first", "{'sync': false, 'id': 0, 'peers': ['fd00:202::6', "
	  "'10.2.0.6'], 'secret_file': '%s/ok'}", false,
	  "cluster.peers[1]: 10.2.0.6 is IPv4, cluster.peers[0] IPv6: the channel has one family" },
};

/* ports[1] dual-stack with host6 fd00:202::5/64 (the IPv6 cluster cases) */
static void hook_port1_host6(json_t *r)
{
	jset(r, "/ports/1/ipv6", jparse("['fd00:202::1/64']"));
	jset(r, "/ports/1/host6", json_string("fd00:202::5/64"));
}

static void test_cluster_section(void **state)
{
	char dir[] = "/tmp/nc-test-cluster-XXXXXX", want_line[NC_ERR_LINE_LEN];
	char sect[1024], big[NC_CLUSTER_SECRET_MAX + 2];
	struct nc_config *cfg = cfg_new();
	struct nc_errors *e = errs_new();
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_file(dir, "ok", "0123456789abcdef-secret\n", 24);
	write_file(dir, "short", "0123456789abcde\n", 16);
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\n';   /* 4097 bytes and a newline */
	write_file(dir, "long", big, sizeof(big));
	for (i = 0; i < sizeof(cluster_cases) / sizeof(cluster_cases[0]); i++) {
		const struct cluster_case *cc = &cluster_cases[i];
		struct patch p[MAX_PATCHES] = {
			{ "/ports/1/host", "'10.2.0.5/24'" },
			{ "/exception", cc->no_exception ? "{'enabled': false}" : "{'enabled': true}" },
			{ "/cluster", sect },
		};
		const char *want[2] = { want_line, NULL };
		char *json, *text;
		int rc;

		snprintf(sect, sizeof(sect), cc->cluster, dir);
		if (cc->want != NULL)
			snprintf(want_line, sizeof(want_line), cc->want, dir);
		json = build(p, hook_port1_host6);
		text = dq(json);
		rc = nc_config_parse_string(text, cfg, e);
		if ((rc == 0) != (cc->want == NULL))
			print_error("case \"%s\"\n", cc->name);
		if (cc->want == NULL) {
			if (rc != 0)
				dump_errs(e);
			assert_int_equal(rc, 0);
		} else {
			if (rc == 0 || e->n != 1 || strcmp(e->line[0], want_line) != 0)
				print_error("case \"%s\"\n", cc->name);
			expect_lines(e, want);
		}
		free(text);
		free(json);
	}
	/* the values of the first case, defaults and derived */
	{
		struct patch p[MAX_PATCHES] = {
			{ "/ports/1/host", "'10.2.0.5/24'" }, { "/exception", "{'enabled': true}" },
			{ "/cluster", sect },
		};
		char *json, *text;

		snprintf(sect, sizeof(sect), cluster_cases[0].cluster, dir);
		json = build(p, NULL);
		text = dq(json);
		must_parse(text, cfg);
		assert_true(cfg->cluster.enabled);
		assert_int_equal(cfg->cluster.id, 1);
		assert_int_equal(cfg->cluster.n_peers, 2);
		assert_int_equal(cfg->cluster.family, AF_INET);
		assert_int_equal(cfg->cluster.peers[0], IP4(10, 2, 0, 6));
		assert_int_equal(cfg->cluster.peers[1], IP4(10, 2, 0, 7));
		assert_int_equal(cfg->cluster.sync_port, 7788);
		assert_int_equal(cfg->cluster.heartbeat_ms, 100);
		assert_int_equal(cfg->cluster.dead_ms, 500);
		assert_int_equal(cfg->cluster.drain_s, 5);
		assert_int_equal(cfg->cluster.port, 1);
		assert_int_equal(cfg->cluster.bind_addr, IP4(10, 2, 0, 5));
		assert_int_equal(cfg->cluster.secret_len, 23);   /* the newline stripped */
		assert_memory_equal(cfg->cluster.secret, "0123456789abcdef-secret", 23);
		free(text);
		free(json);
		/* IPv6 peers: the channel from ports[1].host6 */
		{
			struct patch p6[MAX_PATCHES] = {
				{ "/exception", "{'enabled': true}" }, { "/cluster", sect },
			};
			static const uint8_t peer0[16] = { 0xfd, 0, 0x02, 0x02, [15] = 6 };
			static const uint8_t peer1[16] = { 0xfd, 0, 0x02, 0x02, [15] = 7 };
			static const uint8_t host6[16] = { 0xfd, 0, 0x02, 0x02, [15] = 5 };
			char *j6, *t6;

			snprintf(sect, sizeof(sect), "{'sync': false, 'id': 2, 'peers': ['fd00:202::6', "
				 "'fd00:202::7'], 'secret_file': '%s/ok'}", dir);
			j6 = build(p6, hook_port1_host6);
			t6 = dq(j6);
			must_parse(t6, cfg);
			assert_int_equal(cfg->cluster.family, AF_INET6);
			assert_int_equal(cfg->cluster.n_peers, 2);
			assert_memory_equal(cfg->cluster.peers6[0], peer0, 16);
			assert_memory_equal(cfg->cluster.peers6[1], peer1, 16);
			assert_int_equal(cfg->cluster.port, 1);
			assert_memory_equal(cfg->cluster.bind_addr6, host6, 16);
			assert_false(cfg->ports[1].has_host);
			free(t6);
			free(j6);
		}
		/* given values; dead_ms follows heartbeat_ms when absent */
		snprintf(sect, sizeof(sect), "{'sync': false, 'id': 15, 'peers': ['10.2.0.200'], 'secret_file': "
			 "'%s/ok', 'sync_port': 9999, 'heartbeat_ms': 40, 'drain_s': 0}", dir);
		json = build(p, NULL);
		text = dq(json);
		must_parse(text, cfg);
		assert_int_equal(cfg->cluster.id, 15);
		assert_int_equal(cfg->cluster.sync_port, 9999);
		assert_int_equal(cfg->cluster.heartbeat_ms, 40);
		assert_int_equal(cfg->cluster.dead_ms, 200);
		assert_int_equal(cfg->cluster.drain_s, 0);
		free(text);
		free(json);
		/* sync: on by default, with the peers' local IPs */
		snprintf(sect, sizeof(sect), "{'id': 1, 'peers': [{'address': '10.2.0.6', 'local_ips': "
			 "['10.2.0.30', '10.2.0.31']}], 'secret_file': '%s/ok'}", dir);
		json = build(p, NULL);
		text = dq(json);
		must_parse(text, cfg);
		assert_true(cfg->cluster.sync);
		assert_int_equal(cfg->cluster.sync_max_flows, 65536);
		assert_int_equal(cfg->cluster.sync_max_held, 4096);
		assert_int_equal(cfg->cluster.peers[0], IP4(10, 2, 0, 6));
		assert_int_equal(cfg->cluster.peer_n_lips[0], 2);
		assert_int_equal(cfg->cluster.peer_lips[0][0], IP4(10, 2, 0, 30));
		assert_int_equal(cfg->cluster.peer_lips[0][1], IP4(10, 2, 0, 31));
		free(text);
		free(json);
		/* no section: off */
		text = dq(base_text);
		must_parse(text, cfg);
		assert_false(cfg->cluster.enabled);
		free(text);
	}
	/* from a file, a relative secret_file is next to it */
	{
		struct patch p[MAX_PATCHES] = {
			{ "/ports/1/host", "'10.2.0.5/24'" }, { "/exception", "{'enabled': true}" },
			{ "/cluster", "{'sync': false, 'id': 2, 'peers': ['10.2.0.6'], 'secret_file': 'ok'}" },
		};
		char path[300], *json = build(p, NULL), *text = dq(json);

		write_file(dir, "nc.json", text, strlen(text));
		snprintf(path, sizeof(path), "%s/nc.json", dir);
		assert_int_equal(nc_config_load(path, cfg, e), 0);
		assert_int_equal(cfg->cluster.secret_len, 23);
		unlink(path);
		free(text);
		free(json);
	}
	snprintf(want_line, sizeof(want_line), "%s/ok", dir);
	unlink(want_line);
	snprintf(want_line, sizeof(want_line), "%s/short", dir);
	unlink(want_line);
	snprintf(want_line, sizeof(want_line), "%s/long", dir);
	unlink(want_line);
	rmdir(dir);
	free(cfg);
	free(e);
}

static void test_load_files(void **state)
{
	struct nc_config *cfg = cfg_new();
	struct nc_errors *e = errs_new();
	const char *want[2] = { NULL, NULL };
	char path[64], line[NC_ERR_LINE_LEN], *json;

	(void)state;
	/* A file that is not there. */
	assert_int_equal(nc_config_load("/nonexistent-dir/netchestra.json", cfg, e), -EINVAL);
	want[0] = "/nonexistent-dir/netchestra.json: cannot open: No such file or directory";
	expect_lines(e, want);

	/* A directory. */
	assert_int_equal(nc_config_load(NC_SOURCE_ROOT "/config", cfg, e), -EINVAL);
	want[0] = NC_SOURCE_ROOT "/config: cannot read: Is a directory";
	expect_lines(e, want);

	/* A FIFO: refused at once, never waited on for a writer. */
	snprintf(path, sizeof(path), "/tmp/nc-test-config-fifo-%d", (int)getpid());
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(nc_config_load(path, cfg, e), -EINVAL);
	snprintf(line, sizeof(line), "%s: cannot read: not a regular file (a FIFO)", path);
	want[0] = line;
	expect_lines(e, want);
	unlink(path);

	/* A character device: refused, not read to an end that never comes. */
	assert_int_equal(nc_config_load("/dev/zero", cfg, e), -EINVAL);
	want[0] = "/dev/zero: cannot read: not a regular file (a character device)";
	expect_lines(e, want);

	/* A syntax error: the file, line and column. */
	write_tmp("{\n  \"eal\": {\n    \"lcores\": \"0-1\",\n  }\n}\n", path, sizeof(path));
	assert_int_equal(nc_config_load(path, cfg, e), -EINVAL);
	snprintf(line, sizeof(line), "%s:4:3: invalid JSON: string or '}' expected near '}'", path);
	want[0] = line;
	expect_lines(e, want);
	unlink(path);

	/* A valid file loads as its text parses. */
	json = dq(base_text);
	write_tmp(json, path, sizeof(path));
	assert_int_equal(nc_config_load(path, cfg, e), 0);
	assert_int_equal(e->n, 0);
	assert_int_equal(cfg->n_services, 2);
	assert_int_equal(cfg->services[1].servers[0].port, 53);
	unlink(path);

	/* A validation problem in a file is reported by JSON path. */
	write_tmp("{\"eal\": {\"lcores\": \"0-1\"}}", path, sizeof(path));
	assert_int_equal(nc_config_load(path, cfg, e), -EINVAL);
	assert_int_equal(e->n, 3);
	assert_string_equal(e->line[0], "workers: missing required key");
	assert_string_equal(e->line[1], "ports: missing required key");
	assert_string_equal(e->line[2], "services: missing required key");
	unlink(path);

	free(json);
	free(cfg);
	free(e);
}

/* A valid file padded with spaces to <size> bytes, at <path>. */
static void write_padded(const char *json, size_t size, char *path, size_t len)
{
	size_t n = strlen(json);
	char *buf = malloc(size);

	assert_non_null(buf);
	assert_true(n <= size);
	memcpy(buf, json, n);
	memset(buf + n, ' ', size - n);
	write_tmp("", path, len);
	{
		FILE *f = fopen(path, "wb");

		assert_non_null(f);
		assert_int_equal(fwrite(buf, 1, size, f), size);
		assert_int_equal(fclose(f), 0);
	}
	free(buf);
}

/* The size limit is 16 MiB exactly: a file of 16 MiB loads, one byte more is
 * refused with the limit in the message. */
static void test_load_size_limit(void **state)
{
	struct nc_config *cfg = cfg_new();
	struct nc_errors *e = errs_new();
	const char *want[2] = { NULL, NULL };
	char path[64], line[NC_ERR_LINE_LEN], *json = dq(base_text);

	(void)state;
	write_padded(json, 16u << 20, path, sizeof(path));
	assert_int_equal(nc_config_load(path, cfg, e), 0);
	assert_int_equal(e->n, 0);
	assert_int_equal(cfg->n_services, 2);
	unlink(path);

	write_padded(json, (16u << 20) + 1, path, sizeof(path));
	assert_int_equal(nc_config_load(path, cfg, e), -EINVAL);
	snprintf(line, sizeof(line), "%s: cannot read: 16777217 bytes, more than the limit of "
		 "16 MiB (16777216 bytes)", path);
	want[0] = line;
	expect_lines(e, want);
	unlink(path);
	free(json);
	free(cfg);
	free(e);
}

/* The documented reference file in config/ is valid, one-arm, with every key. */
static void test_reference_file(void **state)
{
	static const char *const top[] = { "eal", "workers", "ports", "neighbors", "routes",
		"limits", "services" };
	struct nc_config *cfg = cfg_new();
	struct nc_errors *e = errs_new();
	json_error_t je;
	json_t *root, *svcs;
	size_t i;

	(void)state;
	if (nc_config_load(NC_SOURCE_ROOT "/config/netchestra.json", cfg, e) != 0) {
		dump_errs(e);
		fail();
	}
	assert_int_equal(cfg->n_ports, 1);
	assert_true(cfg->ports[0].has_mac);
	assert_true(cfg->n_neighbors > 0);
	assert_true(cfg->n_routes > 0);
	assert_true(cfg->n_services >= 2);

	/* Every optional key is spelled out, so the file documents them all. */
	root = json_load_file(NC_SOURCE_ROOT "/config/netchestra.json", 0, &je);
	assert_non_null(root);
	for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		assert_non_null(json_object_get(root, top[i]));
	assert_int_equal(json_object_size(json_object_get(root, "eal")), 7);
	assert_int_equal(json_object_size(json_object_get(root, "workers")), 3);
	assert_int_equal(json_object_size(json_array_get(json_object_get(root, "ports"), 0)), 7);
	assert_int_equal(json_object_size(json_object_get(root, "limits")), 5);
	svcs = json_object_get(root, "services");
	assert_int_equal(json_object_size(json_array_get(svcs, 0)), 12);   /* client_address too */
	/* each health section has every key its probe type allows, and each
	 * adaptive section all of its keys; both probe types with a payload key,
	 * both controller modes */
	for (i = 0; i < 2; i++) {
		json_t *svc = json_array_get(svcs, i);

		/* http: its proxy key too */
		assert_int_equal(json_object_size(json_object_get(svc, "health")), i == 0 ? 7 : 6);
		assert_int_equal(json_object_size(json_object_get(svc, "adaptive")), 5);
	}
	assert_int_equal(cfg->services[0].health.type, NC_HEALTH_HTTP);
	assert_int_equal(cfg->services[1].health.type, NC_HEALTH_UDP);
	assert_true(cfg->services[1].health.udp_payload_len > 0);
	assert_int_equal(cfg->services[0].adaptive.mode, NC_ADAPT_PAPER);
	assert_int_equal(cfg->services[1].adaptive.mode, NC_ADAPT_FAST);
	/* every scheduler, maglev with its keys spelled out */
	assert_int_equal(cfg->services[0].scheduler, NC_SCHED_RATIO);
	assert_int_equal(cfg->services[1].scheduler, NC_SCHED_SMOOTH);
	assert_int_equal(cfg->services[2].scheduler, NC_SCHED_MAGLEV);
	assert_int_equal(cfg->services[2].maglev_size, NC_MAGLEV_SIZE_DEFAULT);
	assert_int_equal(cfg->services[2].maglev_seed, NC_MAGLEV_SEED_DEFAULT);
	assert_non_null(json_object_get(json_array_get(svcs, 2), "maglev_size"));
	assert_non_null(json_object_get(json_array_get(svcs, 2), "maglev_seed"));
	/* web: affinity for 30 s and the fail-safe on, its other keys at their
	 * defaults spelled out; dns has neither */
	assert_int_equal(json_object_size(json_object_get(json_array_get(svcs, 0), "failsafe")), 7);
	assert_int_equal(cfg->services[0].persistence_s, 30);
	assert_int_equal(cfg->services[0].client_address, NC_CA_NONE);
	assert_false(cfg->services[0].health.proxy);
	assert_true(cfg->services[0].failsafe.enabled);
	assert_int_equal(cfg->services[0].failsafe.response_timeout_ms, 2000);
	assert_int_equal(cfg->services[0].failsafe.max_replays, 2);
	assert_int_equal(cfg->services[0].failsafe.store_size, 65536);
	assert_int_equal(cfg->services[0].failsafe.protocol, NC_FS_PROTO_AUTO);
	assert_int_equal(cfg->services[0].failsafe.replay, NC_FS_REPLAY_ALL);
	assert_int_equal(cfg->services[0].failsafe.hold_limit_kb, 4096);
	assert_int_equal(cfg->services[1].persistence_s, 0);
	assert_false(cfg->services[1].failsafe.enabled);
	json_decref(root);
	free(cfg);
	free(e);
}

/* ---- driver presets, each merged into the reference file ---- */

static const char *const presets[] = {
	"net_pcap", "net_af_packet", "net_af_xdp", "net_tap", "net_ring", "ixgbe", "i40e", "ice", "mlx5",
};

static void run_preset(void **state)
{
	const char *name = *state;
	struct nc_config *cfg = cfg_new();
	struct nc_errors *e = errs_new();
	json_t *preset, *ref, *eal, *port, *ref_port, *v;
	char path[512], norm[NC_DEVARG_MAX];
	json_error_t je;
	const char *k;
	char *json;

	snprintf(path, sizeof(path), NC_SOURCE_ROOT "/drivers-cfg/%s.json", name);
	preset = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (preset == NULL)
		fail_msg("%s:%d:%d: %s", path, je.line, je.column, je.text);

	/* Shape: driver, eal, port, notes and nothing else. */
	assert_int_equal(json_object_size(preset), 4);
	assert_string_equal(json_string_value(json_object_get(preset, "driver")), name);
	v = json_object_get(preset, "notes");
	assert_true(json_is_string(v) && json_string_length(v) > 0);
	eal = json_object_get(preset, "eal");
	port = json_object_get(preset, "port");
	assert_true(json_is_object(eal));
	assert_true(json_is_object(port));
	json_object_foreach(eal, k, v)
		assert_true(strcmp(k, "vdevs") == 0 || strcmp(k, "allow") == 0);
	json_object_foreach(port, k, v)
		assert_true(strcmp(k, "device") == 0 || strcmp(k, "rx_desc") == 0 ||
			    strcmp(k, "tx_desc") == 0);
	assert_true(json_is_string(json_object_get(port, "device")));

	/* Merge: the preset's EAL lists and port keys replace the reference's. */
	ref = json_load_file(NC_SOURCE_ROOT "/config/netchestra.json", 0, &je);
	assert_non_null(ref);
	assert_int_equal(json_object_update(json_object_get(ref, "eal"), eal), 0);
	ref_port = json_array_get(json_object_get(ref, "ports"), 0);
	assert_int_equal(json_object_update(ref_port, port), 0);
	json = json_dumps(ref, JSON_COMPACT);
	assert_non_null(json);

	if (nc_config_parse_string(json, cfg, e) != 0) {
		dump_errs(e);
		fail_msg("preset %s does not validate", name);
	}
	/* The port's device is one the preset's EAL list creates. */
	snprintf(norm, sizeof(norm), "%s", json_string_value(json_object_get(port, "device")));
	assert_string_equal(cfg->ports[0].device, norm);
	assert_int_equal(cfg->eal.n_vdevs + cfg->eal.n_allow, 1);
	if (json_object_get(port, "rx_desc") != NULL)
		assert_int_equal(cfg->ports[0].rx_desc,
				 json_integer_value(json_object_get(port, "rx_desc")));
	if (json_object_get(port, "tx_desc") != NULL)
		assert_int_equal(cfg->ports[0].tx_desc,
				 json_integer_value(json_object_get(port, "tx_desc")));

	free(json);
	json_decref(ref);
	json_decref(preset);
	free(cfg);
	free(e);
}

/* ---- main: one named cmocka test per table row ---- */

static int run_table(const char *group, CMUnitTestFunction fn, const void *rows,
		     size_t row_size, size_t n, size_t name_off)
{
	struct CMUnitTest *t = calloc(n, sizeof(*t));
	size_t i;
	int rc;

	assert_non_null(t);
	for (i = 0; i < n; i++) {
		const char *row = (const char *)rows + i * row_size;

		t[i].name = *(const char *const *)(row + name_off);
		t[i].test_func = fn;
		t[i].initial_state = (void *)(uintptr_t)row;
	}
	rc = _cmocka_run_group_tests(group, t, n, NULL, NULL);
	free(t);
	return rc;
}

#define RUN_TABLE(group, fn, arr, field) \
	run_table(group, fn, arr, sizeof(arr[0]), sizeof(arr) / sizeof(arr[0]), \
		  offsetof(__typeof__(arr[0]), field))

int main(void)
{
	const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_base_values),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_parse_server),
		cmocka_unit_test(test_patch_service),
		cmocka_unit_test(test_null_args),
		cmocka_unit_test(test_cluster_section),
		cmocka_unit_test(test_load_files),
		cmocka_unit_test(test_load_size_limit),
		cmocka_unit_test(test_reference_file),
		cmocka_unit_test(test_v6_values),
		cmocka_unit_test(test_v6_nat64),
		cmocka_unit_test(test_v6_host6),
		cmocka_unit_test(test_v6_bgp_neighbor),
		cmocka_unit_test(test_v6_health),
		cmocka_unit_test(test_v6_only_port),
		cmocka_unit_test(test_v6_affinity_maglev_adaptive),
		cmocka_unit_test(test_parse_server6),
		cmocka_unit_test(test_v6_syn_proxy),
	};
	struct CMUnitTest preset_tests[sizeof(presets) / sizeof(presets[0])];
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
		preset_tests[i] = (struct CMUnitTest){
			.name = presets[i], .test_func = run_preset,
			.initial_state = (void *)(uintptr_t)presets[i],
		};
	}
	rc |= cmocka_run_group_tests_name("config_fixed", fixed, NULL, NULL);
	rc |= RUN_TABLE("config_rejected", run_bad, bad_cases, what);
	rc |= RUN_TABLE("config_accepted", run_good, good_cases, what);
	rc |= RUN_TABLE("config_rejected_v6", run_bad6, bad6_cases, what);
	rc |= RUN_TABLE("config_raw_text", run_raw, raw_cases, what);
	rc |= cmocka_run_group_tests_name("driver_presets", preset_tests, NULL, NULL);
	return rc != 0;
}
