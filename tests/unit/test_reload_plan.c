/* SPDX-License-Identifier: BSD-3-Clause
 * The SIGHUP reload's plan, alone (app/netchestra/reload_plan.c). Each case:
 * the startup file the appliance started with (a valid base, or the base
 * changed by a hook), what changed while it ran (servers added, drained,
 * removed through the API, services being removed or gone), and the file read
 * on SIGHUP (the startup file with JSON pointer patches); the planner must
 * answer with exactly the expected problem lines, the expected plan per service
 * and the expected running services removed. The data plane's check of a new
 * service is a model of nc_dp_service_check_add over the same running state.
 *
 * A plan is written "web: run 0 add 3 remove 1 cancel 2 weights adaptive
 * failsafe" (what is not there is zero) or "web2: new"; a service matched to the
 * running slot of its own index with nothing to change is left out.
 *
 * JSON text in this file is written with single quotes (see json_patch.h).
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
#include <netinet/in.h>

#include "json_patch.h"
#include "nc_config.h"
#include "reload_plan.h"

#define MAX_PATCHES 6
#define MAX_WANT    6
#define MAX_PLANS   4

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const char base_text[] =
	"{"
	" 'eal': { 'lcores': '0-2', 'memory_mb': 512, 'huge': 'off', 'file_prefix': 'nc',"
	"   'vdevs': [ 'net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap' ],"
	"   'allow': [], 'args': [ '--log-level=lib.eal:notice' ] },"
	" 'workers': { 'lcores': [1, 2], 'burst': 32, 'idle_sleep_us': 20 },"
	" 'ports': ["
	"   { 'name': 'p0', 'device': 'net_pcap0', 'ipv4': ['10.0.0.1/24', '10.1.0.1/24'],"
	"     'mac': '02:00:00:00:00:01', 'rx_desc': 1024, 'tx_desc': 1024 } ],"
	" 'neighbors': ["
	"   { 'ipv4': '10.0.0.254', 'mac': '02:00:00:00:00:fe' },"
	"   { 'ipv4': '10.1.0.11', 'mac': '02:00:00:00:01:11' } ],"
	" 'routes': [ { 'prefix': '0.0.0.0/0', 'via': '10.0.0.254' } ],"
	" 'limits': { 'max_flows': 1048576, 'tcp_idle_s': 300, 'udp_idle_s': 30,"
	"   'tcp_fin_s': 2, 'tcp_syn_s': 10 },"
	" 'services': ["
	"   { 'name': 'web', 'vip': '10.0.0.1', 'port': 80, 'proto': 'tcp',"
	"     'local_ips': ['10.1.0.1'], 'scheduler': 'ratio', 'persistence_s': 30,"
	"     'servers': ["
	"       { 'name': 'n0', 'address': '10.1.0.11', 'port': 8080, 'weight': 30 },"
	"       { 'name': 'n1', 'address': '10.1.0.12', 'port': 8080, 'weight': 30 },"
	"       { 'name': 'n2', 'address': '10.1.0.13', 'port': 8080, 'weight': 40 } ],"
	"     'health': { 'type': 'http', 'interval_ms': 1000, 'timeout_ms': 500,"
	"       'rise': 2, 'fall': 3, 'http_path': '/health' },"
	"     'adaptive': { 'enabled': true, 'mode': 'paper', 'interval_ms': 1000, 'step': 1,"
	"       'min_weight': 5 },"
	"     'failsafe': { 'enabled': true, 'response_timeout_ms': 2000, 'max_replays': 2,"
	"       'store_size': 65536, 'protocol': 'auto', 'replay': 'all', 'hold_limit_kb': 4096 } },"
	"   { 'name': 'dns', 'vip': '10.0.0.1', 'port': 53, 'proto': 'udp',"
	"     'local_ips': ['10.1.0.1'], 'scheduler': 'smooth',"
	"     'servers': ["
	"       { 'name': 'd0', 'address': '10.1.0.12', 'port': 5353, 'weight': 50 },"
	"       { 'name': 'd1', 'address': '10.1.0.13', 'port': 5353, 'weight': 50 } ],"
	"     'health': { 'type': 'udp', 'interval_ms': 2000, 'timeout_ms': 1000,"
	"       'udp_payload_hex': '123401000001000000000000066865616c74680000010001' },"
	"     'adaptive': { 'enabled': false } } ],"
	" 'management': { 'listen': '127.0.0.1:9180', 'token_file': '/etc/netchestra/token' }"
	"}";

/* The problem line of a running service whose shape changed. */
#define SHAPE(i) "services[" #i "]: vip, port, protocol, local_ips, scheduler, health, failsafe " \
	"enabled/store_size, persistence on/off or syn_proxy changed; needs a restart (or a new name: " \
	"remove and add)"
#define RESTART(section) section ": changed; needs a restart"
#define REMOVED_BY_FILE(i, svc, old) "services[" #i "]: new service " svc ": service " old \
	", which this file removes, has that address, port and protocol until its flows end: " \
	"reload again then"

struct patch {
	const char *ptr;
	const char *val;   /* JSON text; NULL deletes */
};

/* A change to a startup file too long for a patch, or generated. */
typedef void (*hook_fn)(json_t *root);

/* ---- the running state ---- */

/* What changed while the appliance ran: <run> and <st> as the data plane
 * shows them. */
typedef void (*run_fn)(struct nc_config *run, struct nc_reload_state *st);

/* The data plane as a new service finds it (nc_dp_service_check_add): a
 * service (a removed one too) keeps its address, port and protocol in its
 * slot; a removed one's slot is taken again by a service with the same ones;
 * otherwise the next slot, while there is one. <refuse> is refused for
 * <refuse_why>, as the data plane refuses a new local IP or a fail-safe it has
 * no store for. The names asked about go to <asked>. */
static struct {
	const char *refuse;
	const char *refuse_why;
	char asked[512];
} dp_model;

static int model_check_add(const void *arg, const struct nc_cfg_service *cs, char *why, size_t len)
{
	const struct nc_reload_state *st = arg;
	const struct nc_config *run = st->run;
	size_t n = strlen(dp_model.asked);
	unsigned int k;

	snprintf(dp_model.asked + n, sizeof(dp_model.asked) - n, "%s%s", n != 0 ? "," : "",
		 cs->name);
	if (dp_model.refuse != NULL && strcmp(cs->name, dp_model.refuse) == 0) {
		snprintf(why, len, "%s", dp_model.refuse_why);
		return -ENOTSUP;
	}
	for (k = 0; k < run->n_services; k++) {
		const struct nc_cfg_service *rs = &run->services[k];

		if (rs->vip != cs->vip || rs->port != cs->port || rs->proto != cs->proto)
			continue;
		if (!st->svc[k].live)
			return (int)k;
		snprintf(why, len, "service %s has that address, port and protocol", rs->name);
		return -EEXIST;
	}
	if (run->n_services == NC_MAX_SERVICES) {
		snprintf(why, len, "%u services already", NC_MAX_SERVICES);
		return -ENOSPC;
	}
	return run->n_services;
}

/* The running state right after start-up with <boot>: every service live,
 * every server up in the slot of its index. */
static void state_init(struct nc_reload_state *st, const struct nc_config *boot,
		       struct nc_config *run)
{
	uint16_t k, i;

	*run = *boot;
	memset(st, 0, sizeof(*st));
	st->boot = boot;
	st->run = run;
	st->check_add = model_check_add;
	st->check_arg = st;
	/* as the data plane: client-address state when a tcp service had one */
	for (k = 0; k < boot->n_services; k++)
		if (boot->services[k].proto == IPPROTO_TCP &&
		    boot->services[k].client_address != NC_CA_NONE)
			st->ca_ready = true;
	for (k = 0; k < run->n_services; k++) {
		struct nc_reload_svc *v = &st->svc[k];

		v->live = true;
		v->n_slots = run->services[k].n_servers;
		for (i = 0; i < v->n_slots; i++) {
			memcpy(v->slot[i].name, run->services[k].servers[i].name, NC_NAME_MAX);
			v->slot[i].admin = NC_RELOAD_ADMIN_UP;
		}
	}
}

/* Server slot <i> of service <k> freed (its last flow ended after a removal):
 * as the data plane does, the running configuration forgets it and the slots
 * end at the last one in use. */
static void slot_free(struct nc_config *run, struct nc_reload_state *st, unsigned int k,
		      unsigned int i)
{
	struct nc_cfg_service *rs = &run->services[k];
	struct nc_reload_svc *v = &st->svc[k];

	memset(&rs->servers[i], 0, sizeof(rs->servers[i]));
	memset(&v->slot[i], 0, sizeof(v->slot[i]));
	v->slot[i].admin = NC_RELOAD_ADMIN_FREE;
	while (rs->n_servers > 0 && v->slot[rs->n_servers - 1].admin == NC_RELOAD_ADMIN_FREE)
		rs->n_servers--;
	v->n_slots = rs->n_servers;
}

/* Server <name> added to service <k> through the API, in its first free slot. */
static void slot_add(struct nc_config *run, struct nc_reload_state *st, unsigned int k,
		     const char *name, uint32_t addr, uint16_t port, uint8_t weight)
{
	struct nc_cfg_service *rs = &run->services[k];
	struct nc_reload_svc *v = &st->svc[k];
	uint16_t i;

	for (i = 0; i < rs->n_servers && v->slot[i].admin != NC_RELOAD_ADMIN_FREE; i++)
		;
	assert_true(i < NC_MAX_SERVERS);
	snprintf(rs->servers[i].name, NC_NAME_MAX, "%s", name);
	rs->servers[i].address = addr;
	rs->servers[i].port = port;
	rs->servers[i].weight = weight;
	snprintf(v->slot[i].name, NC_NAME_MAX, "%s", name);
	v->slot[i].admin = NC_RELOAD_ADMIN_UP;
	if (i == rs->n_servers)
		rs->n_servers++;
	v->n_slots = rs->n_servers;
}

static void run_n1_removing(struct nc_config *run, struct nc_reload_state *st)
{
	(void)run;
	st->svc[0].slot[1].admin = NC_RELOAD_ADMIN_REMOVING;
}

static void run_n1_drained(struct nc_config *run, struct nc_reload_state *st)
{
	(void)run;
	st->svc[0].slot[1].admin = NC_RELOAD_ADMIN_DRAIN;
}

static void run_n1_down(struct nc_config *run, struct nc_reload_state *st)
{
	(void)run;
	st->svc[0].slot[1].admin = NC_RELOAD_ADMIN_DOWN;
}

/* n1 removed through the API and its flows ended: a free slot between n0 and n2. */
static void run_n1_freed(struct nc_config *run, struct nc_reload_state *st)
{
	slot_free(run, st, 0, 1);
}

/* n2 removed and freed: the slots end at n1. */
static void run_n2_freed(struct nc_config *run, struct nc_reload_state *st)
{
	slot_free(run, st, 0, 2);
}

static void run_n3_added(struct nc_config *run, struct nc_reload_state *st)
{
	slot_add(run, st, 0, "n3", IP4(10, 1, 0, 14), 8080, 25);
}

/* n1 freed, then n3 added through the API: n3 takes n1's slot. */
static void run_n1_freed_n3_added(struct nc_config *run, struct nc_reload_state *st)
{
	slot_free(run, st, 0, 1);
	slot_add(run, st, 0, "n3", IP4(10, 1, 0, 14), 8080, 25);
}

static void run_n0_weight_50(struct nc_config *run, struct nc_reload_state *st)
{
	(void)st;
	run->services[0].servers[0].weight = 50;
}

/* web started with PROXY v2 headers for its servers. */
static void boot_web_proxy_v2(json_t *r)
{
	jset(r, "/services/0/client_address", json_string("proxy-v2"));
}

static void run_web_adaptive_patched(struct nc_config *run, struct nc_reload_state *st)
{
	(void)st;
	run->services[0].adaptive.step = 5;
}

/* dns removed (by the API or an earlier reload), its flows not all ended:
 * still found by its name, every server removing. */
static void run_dns_removing(struct nc_config *run, struct nc_reload_state *st)
{
	uint16_t i;

	(void)run;
	for (i = 0; i < st->svc[1].n_slots; i++)
		st->svc[1].slot[i].admin = NC_RELOAD_ADMIN_REMOVING;
}

/* dns removed and its last flow ended: its slot keeps its address, port and
 * protocol, no longer found by its name. */
static void run_dns_removed(struct nc_config *run, struct nc_reload_state *st)
{
	slot_free(run, st, 1, 1);
	slot_free(run, st, 1, 0);
	st->svc[1].live = false;
}

/* The servers s60 and s61 of the 62-server web (hook_web_62) being removed. */
static void run_s60_s61_removing(struct nc_config *run, struct nc_reload_state *st)
{
	(void)run;
	st->svc[0].slot[60].admin = NC_RELOAD_ADMIN_REMOVING;
	st->svc[0].slot[61].admin = NC_RELOAD_ADMIN_REMOVING;
}

/* The last service of the 32 (hook_services_32), svc31, removed and gone. */
static void run_svc31_removed(struct nc_config *run, struct nc_reload_state *st)
{
	slot_free(run, st, 31, 0);
	st->svc[31].live = false;
}

/* ---- startup files: generated lists ---- */

/* A new service <name> on port <port> of the VIP. */
static json_t *new_service(const char *name, int port)
{
	return json_pack("{s:s, s:s, s:i, s:s, s:[s], s:[{s:s, s:s, s:i, s:i}]}",
			 "name", name, "vip", "10.0.0.1", "port", port, "proto", "tcp",
			 "local_ips", "10.1.0.1", "servers", "name", "s0",
			 "address", "10.1.0.11", "port", 80, "weight", 100);
}

/* Services svc2 .. svc<last> after web and dns, each on a port of its own. */
static void add_services(json_t *r, int last)
{
	char name[32];
	int i;

	for (i = 2; i <= last; i++) {
		snprintf(name, sizeof(name), "svc%d", i);
		jset(r, "/services/-", new_service(name, 1000 + i));
	}
}

static void hook_services_31(json_t *r)
{
	add_services(r, 30);
}

static void hook_services_32(json_t *r)
{
	add_services(r, 31);
}

/* svc29 and svc30 dropped, new0 and new1 added: two new services, one free slot. */
static void hook_drop2_add2(json_t *r)
{
	jset(r, "/services/30", NULL);
	jset(r, "/services/29", NULL);
	jset(r, "/services/-", new_service("new0", 2000));
	jset(r, "/services/-", new_service("new1", 2001));
}

/* svc30 dropped, new0 added: the one free slot. */
static void hook_drop1_add1(json_t *r)
{
	jset(r, "/services/30", NULL);
	jset(r, "/services/-", new_service("new0", 2000));
}

/* web's servers: <prefix0>0 .. <prefix0><n0 - 1>, then <prefix1>0 .. <prefix1><n1 - 1>
 * on other ports; the first weighs what the others (1 each) leave of 100. */
static json_t *web_servers(const char *prefix0, int n0, const char *prefix1, int n1)
{
	json_t *a = json_array();
	char name[32];
	int i;

	for (i = 0; i < n0 + n1; i++) {
		snprintf(name, sizeof(name), "%s%d", i < n0 ? prefix0 : prefix1, i < n0 ? i : i - n0);
		json_array_append_new(a, json_pack("{s:s, s:s, s:i, s:i}", "name", name,
						   "address", "10.1.0.11", "port", i < n0 ? 1000 + i : 2000 + i,
						   "weight", i == 0 ? 100 - (n0 + n1 - 1) : 1));
	}
	return a;
}

/* web with 62 servers s0 .. s61: two slots free. */
static void hook_web_62(json_t *r)
{
	jset(r, "/services/0/servers", web_servers("s", 62, NULL, 0));
	jset(r, "/services/0/adaptive/min_weight", json_integer(1));
}

/* web with two local IPs. */
static void hook_web_2_lips(json_t *r)
{
	jset(r, "/services/0/local_ips/-", json_string("10.1.0.2"));
}

/* dns without probes (a udp probe needs a udp service). */
static void hook_dns_no_health(json_t *r)
{
	jset(r, "/services/1/health", NULL);
}

/* web without its fail-safe (which a syn_proxy service cannot have). */
static void hook_web_no_failsafe(json_t *r)
{
	jset(r, "/services/0/failsafe", NULL);
}

/* dns on the maglev scheduler, its size and seed by default. */
static void hook_dns_maglev(json_t *r)
{
	jset(r, "/services/1/scheduler", jparse("'maglev'"));
}

/* The new service web2 on maglev with a table of its own. */
static void hook_web2_maglev(json_t *r)
{
	jset(r, "/services/2/scheduler", jparse("'maglev'"));
	jset(r, "/services/2/maglev_size", jparse("1009"));
}

/* IPv6 on the port, and web6: an IPv6 VIP over IPv6 servers. */
static void boot_web6(json_t *r)
{
	jset(r, "/ports/0/ipv6", jparse("['fd00::1/64', 'fd00:1::1/64', 'fd00:1::2/64']"));
	jset(r, "/services/-", jparse(
		"{'name': 'web6', 'vip': 'fd00::1', 'port': 80, 'proto': 'tcp',"
		" 'local_ips': ['fd00:1::1'], 'servers': ["
		"   { 'name': 'v0', 'address': 'fd00:1::11', 'port': 8080, 'weight': 50 },"
		"   { 'name': 'v1', 'address': 'fd00:1::12', 'port': 8080, 'weight': 50 } ] }"));
}

/* web6's servers are IPv4 now (NAT64). */
static void hook_web6_nat64(json_t *r)
{
	jset(r, "/services/2/local_ips", jparse("['10.1.0.1']"));
	jset(r, "/services/2/servers", jparse(
		"[ { 'name': 'v0', 'address': '10.1.0.11', 'port': 8080, 'weight': 50 },"
		"  { 'name': 'v1', 'address': '10.1.0.12', 'port': 8080, 'weight': 50 } ]"));
}

/* web and dns the other way round. */
static void hook_web_last(json_t *r)
{
	json_t *web = json_incref(jget(r, "/services/0"));

	jset(r, "/services/0", NULL);
	jset(r, "/services/-", web);
}

/* s60 and s61 dropped (being removed), t0 .. t2 new: one more than the free slots. */
static void hook_web_60_3new(json_t *r)
{
	jset(r, "/services/0/servers", web_servers("s", 60, "t", 3));
}

/* s60 and s61 dropped (being removed), t0 and t1 new: as many as the free slots. */
static void hook_web_60_2new(json_t *r)
{
	jset(r, "/services/0/servers", web_servers("s", 60, "t", 2));
}

/* ---- cases ---- */

struct plan_case {
	const char *what;
	hook_fn boot;                     /* the startup file: the base changed by this, or NULL */
	run_fn running;                   /* what changed while it ran, or NULL */
	struct patch file[MAX_PATCHES];   /* the file read on SIGHUP: the startup file with these */
	hook_fn file_hook;                /* ... and this */
	const char *refuse, *refuse_why;  /* a new service the data plane refuses, and why */
	const char *want[MAX_WANT];       /* the problem lines, in order */
	const char *plan[MAX_PLANS];      /* the plans that are not "nothing to do" */
	const char *gone;                 /* running slots removed: "0,2", or "" */
	const char *asked;                /* new services checked with the data plane */
};

#define WANT(...) { __VA_ARGS__, NULL }
#define PLAN(...) { __VA_ARGS__, NULL }
#define NONE      { NULL }

static const char web2[] =
	"{'name': 'web2', 'vip': '10.0.0.1', 'port': 8081, 'proto': 'tcp', 'local_ips': ['10.1.0.1'],"
	" 'servers': [ { 'name': 'w0', 'address': '10.1.0.11', 'port': 8081, 'weight': 100 } ] }";
static const char web2_new_lip[] =
	"{'name': 'web2', 'vip': '10.0.0.1', 'port': 8081, 'proto': 'tcp', 'local_ips': ['10.1.0.2'],"
	" 'servers': [ { 'name': 'w0', 'address': '10.1.0.11', 'port': 8081, 'weight': 100 } ] }";
static const char web2_on_80[] =
	"{'name': 'web2', 'vip': '10.0.0.1', 'port': 80, 'proto': 'tcp', 'local_ips': ['10.1.0.1'],"
	" 'servers': [ { 'name': 'w0', 'address': '10.1.0.11', 'port': 8081, 'weight': 100 } ] }";
static const char dns2_on_53[] =
	"{'name': 'dns2', 'vip': '10.0.0.1', 'port': 53, 'proto': 'udp', 'local_ips': ['10.1.0.1'],"
	" 'servers': [ { 'name': 'e0', 'address': '10.1.0.12', 'port': 5353, 'weight': 100 } ] }";
static const char n3[] = "{'name': 'n3', 'address': '10.1.0.14', 'port': 8080, 'weight': 10}";
static const char n3_25[] = "{'name': 'n3', 'address': '10.1.0.14', 'port': 8080, 'weight': 25}";

static const struct plan_case cases[] = {
	{ "the same file: nothing to do", NULL, NULL, { { NULL } }, NULL, NULL, NULL,
	  NONE, NONE, "", "" },

	/* what the data plane was built with */
	{ "eal changed", NULL, NULL, { { "/eal/memory_mb", "1024" } }, NULL, NULL, NULL,
	  WANT(RESTART("eal")), NONE, "", "" },
	{ "eal: one more argument", NULL, NULL, { { "/eal/args/-", "'--log-level=pmd:debug'" } },
	  NULL, NULL, NULL, WANT(RESTART("eal")), NONE, "", "" },
	{ "workers changed", NULL, NULL, { { "/workers/idle_sleep_us", "50" } }, NULL, NULL, NULL,
	  WANT(RESTART("workers")), NONE, "", "" },
	{ "ports changed", NULL, NULL, { { "/ports/0/rx_desc", "2048" } }, NULL, NULL, NULL,
	  WANT(RESTART("ports")), NONE, "", "" },
	{ "ports: one more address", NULL, NULL, { { "/ports/0/ipv4/-", "'10.2.0.1/24'" } }, NULL,
	  NULL, NULL, WANT(RESTART("ports")), NONE, "", "" },
	{ "neighbors: one more", NULL, NULL,
	  { { "/neighbors/-", "{'ipv4': '10.1.0.12', 'mac': '02:00:00:00:01:12'}" } }, NULL, NULL,
	  NULL, WANT(RESTART("neighbors")), NONE, "", "" },
	{ "neighbors: a MAC changed", NULL, NULL, { { "/neighbors/1/mac", "'02:00:00:00:01:99'" } },
	  NULL, NULL, NULL, WANT(RESTART("neighbors")), NONE, "", "" },
	{ "routes: one more", NULL, NULL,
	  { { "/routes/-", "{'prefix': '192.168.0.0/16', 'via': '10.1.0.254'}" } }, NULL, NULL, NULL,
	  WANT(RESTART("routes")), NONE, "", "" },
	{ "routes: the default's next hop changed", NULL, NULL, { { "/routes/0/via", "'10.0.0.253'" } },
	  NULL, NULL, NULL, WANT(RESTART("routes")), NONE, "", "" },
	{ "limits changed", NULL, NULL, { { "/limits/tcp_idle_s", "600" } }, NULL, NULL, NULL,
	  WANT(RESTART("limits")), NONE, "", "" },
	{ "management: another listen address", NULL, NULL,
	  { { "/management/listen", "'127.0.0.1:9181'" } }, NULL, NULL, NULL,
	  WANT(RESTART("management")), NONE, "", "" },
	{ "management taken away", NULL, NULL, { { "/management", NULL } }, NULL, NULL, NULL,
	  WANT(RESTART("management")), NONE, "", "" },
	{ "eal, limits, management and a service changed: sections in a fixed order, services last",
	  NULL, NULL,
	  { { "/management/token_file", "'/etc/netchestra/token2'" }, { "/limits/udp_idle_s", "60" },
	    { "/services/1/port", "54" }, { "/eal/memory_mb", "1024" } },
	  NULL, NULL, NULL,
	  WANT(RESTART("eal"), RESTART("limits"), RESTART("management"), SHAPE(1)), NONE, "", "" },
	{ "restart problems beside valid service changes: the plan is still made", NULL, NULL,
	  { { "/workers/burst", "64" }, { "/services/0/servers/0/weight", "40" },
	    { "/services/0/servers/2/weight", "30" } }, NULL, NULL, NULL,
	  WANT(RESTART("workers")), PLAN("web: run 0 weights"), "", "" },

	/* a running service's shape */
	{ "web: vip changed", NULL, NULL, { { "/services/0/vip", "'10.0.0.2'" } }, NULL, NULL, NULL,
	  WANT(SHAPE(0)), NONE, "", "" },
	{ "web: port changed", NULL, NULL, { { "/services/0/port", "8080" } }, NULL, NULL, NULL,
	  WANT(SHAPE(0)), NONE, "", "" },
	{ "web: syn_proxy on", hook_web_no_failsafe, NULL, { { "/services/0/syn_proxy", "'on'" } },
	  NULL, NULL, NULL, WANT(SHAPE(0)), NONE, "", "" },
	{ "dns (no probes): protocol changed", hook_dns_no_health, NULL,
	  { { "/services/1/proto", "'tcp'" } }, NULL, NULL, NULL, WANT(SHAPE(1)), NONE, "", "" },
	{ "web: one more local IP", NULL, NULL, { { "/services/0/local_ips/-", "'10.1.0.2'" } }, NULL,
	  NULL, NULL, WANT(SHAPE(0)), NONE, "", "" },
	{ "web: one local IP fewer", hook_web_2_lips, NULL, { { "/services/0/local_ips/1", NULL } },
	  NULL, NULL, NULL, WANT(SHAPE(0)), NONE, "", "" },
	{ "web: another local IP", NULL, NULL, { { "/services/0/local_ips/0", "'10.1.0.2'" } }, NULL,
	  NULL, NULL, WANT(SHAPE(0)), NONE, "", "" },
	{ "web: scheduler changed", NULL, NULL, { { "/services/0/scheduler", "'smooth'" } }, NULL,
	  NULL, NULL, WANT(SHAPE(0)), NONE, "", "" },
	/* an IPv6 service's shape: its VIP, local IPs and servers' family as for IPv4 */
	{ "web6: a server's weight changed", boot_web6, NULL,
	  { { "/services/2/servers/0/weight", "70" }, { "/services/2/servers/1/weight", "30" } },
	  NULL, NULL, NULL,
	  NONE, PLAN("web6: run 2 weights"), "", "" },
	{ "web6: another VIP", boot_web6, NULL, { { "/services/2/vip", "'fd00::2'" } }, NULL, NULL,
	  NULL, WANT(SHAPE(2)), NONE, "", "" },
	{ "web6: another local IP", boot_web6, NULL,
	  { { "/services/2/local_ips/0", "'fd00:1::2'" } }, NULL, NULL, NULL, WANT(SHAPE(2)), NONE,
	  "", "" },
	{ "web6: IPv4 servers (NAT64)", boot_web6, NULL, { { NULL } }, hook_web6_nat64, NULL, NULL,
	  WANT(SHAPE(2)), NONE, "", "" },
	{ "web: scheduler maglev", NULL, NULL, { { "/services/0/scheduler", "'maglev'" } }, NULL,
	  NULL, NULL, WANT(SHAPE(0)), NONE, "", "" },
	{ "dns (maglev): its table's seed changed", hook_dns_maglev, NULL,
	  { { "/services/1/maglev_seed", "7" } }, NULL, NULL, NULL, WANT(SHAPE(1)), NONE, "", "" },
	{ "dns (maglev): its table's size changed", hook_dns_maglev, NULL,
	  { { "/services/1/maglev_size", "251" } }, NULL, NULL, NULL, WANT(SHAPE(1)), NONE, "", "" },
	{ "dns (maglev): its size and seed spelled out as the defaults: nothing to do",
	  hook_dns_maglev, NULL,
	  { { "/services/1/maglev_size", "65537" }, { "/services/1/maglev_seed", "2654435769" } },
	  NULL, NULL, NULL, NONE, NONE, "", "" },
	{ "dns (maglev): weights changed, no restart", hook_dns_maglev, NULL,
	  { { "/services/1/servers/0/weight", "70" }, { "/services/1/servers/1/weight", "30" } },
	  NULL, NULL, NULL, NONE, PLAN("dns: run 1 weights"), "", "" },
	{ "web: health interval changed", NULL, NULL, { { "/services/0/health/interval_ms", "2000" } },
	  NULL, NULL, NULL, WANT(SHAPE(0)), NONE, "", "" },
	{ "web: health path changed", NULL, NULL, { { "/services/0/health/http_path", "'/ready'" } },
	  NULL, NULL, NULL, WANT(SHAPE(0)), NONE, "", "" },
	{ "dns: health taken away", NULL, NULL, { { "/services/1/health", NULL } }, NULL, NULL, NULL,
	  WANT(SHAPE(1)), NONE, "", "" },
	{ "web: fail-safe disabled", NULL, NULL, { { "/services/0/failsafe/enabled", "false" } }, NULL,
	  NULL, NULL, WANT(SHAPE(0)), NONE, "", "" },
	{ "dns: fail-safe enabled", NULL, NULL, { { "/services/1/failsafe", "{'enabled': true}" } },
	  NULL, NULL, NULL, WANT(SHAPE(1)), NONE, "", "" },
	{ "web: fail-safe store_size changed", NULL, NULL,
	  { { "/services/0/failsafe/store_size", "131072" } }, NULL, NULL, NULL,
	  WANT(SHAPE(0)), NONE, "", "" },
	{ "web: persistence off", NULL, NULL, { { "/services/0/persistence_s", "0" } }, NULL, NULL,
	  NULL, WANT(SHAPE(0)), NONE, "", "" },
	{ "dns: persistence on", NULL, NULL, { { "/services/1/persistence_s", "60" } }, NULL, NULL,
	  NULL, WANT(SHAPE(1)), NONE, "", "" },
	{ "both shapes changed, a server's address too: one line per service, servers unchecked",
	  NULL, NULL,
	  { { "/services/0/scheduler", "'smooth'" }, { "/services/0/servers/1/address", "'10.1.0.14'" },
	    { "/services/1/port", "5353" } }, NULL, NULL, NULL,
	  WANT(SHAPE(0), SHAPE(1)), NONE, "", "" },

	/* servers */
	{ "n1: a new address under the same name", NULL, NULL,
	  { { "/services/0/servers/1/address", "'10.1.0.14'" } }, NULL, NULL, NULL,
	  WANT("services[0].servers[1]: server n1: a new address or port needs a new name "
	       "(remove and add)"), NONE, "", "" },
	{ "n2: a new port under the same name, beside a weight change", NULL, NULL,
	  { { "/services/0/servers/2/port", "8081" }, { "/services/0/servers/2/weight", "30" },
	    { "/services/0/servers/0/weight", "40" } }, NULL, NULL, NULL,
	  WANT("services[0].servers[2]: server n2: a new address or port needs a new name "
	       "(remove and add)"), PLAN("web: run 0 weights"), "", "" },
	{ "n3 added", NULL, NULL,
	  { { "/services/0/servers/-", n3 }, { "/services/0/servers/2/weight", "30" } }, NULL,
	  NULL, NULL, NONE, PLAN("web: run 0 add 3 weights"), "", "" },
	{ "n1 removed", NULL, NULL,
	  { { "/services/0/servers/1", NULL }, { "/services/0/servers/1/weight", "70" } }, NULL,
	  NULL, NULL, NONE, PLAN("web: run 0 remove 1 weights"), "", "" },
	{ "n0 and n2 removed, n3 added: the file's indexes and the running slots", NULL, NULL,
	  { { "/services/0/servers/2", NULL }, { "/services/0/servers/0", NULL },
	    { "/services/0/servers/-", n3 }, { "/services/0/servers/0/weight", "90" } }, NULL,
	  NULL, NULL, NONE, PLAN("web: run 0 add 1 remove 0,2 weights"), "", "" },
	{ "n1 being removed, back in the file: cancelled", NULL, run_n1_removing,
	  { { NULL } }, NULL, NULL, NULL, NONE, PLAN("web: run 0 cancel 1 weights"), "", "" },
	{ "n1 being removed, still not in the file: nothing to do for it", NULL, run_n1_removing,
	  { { "/services/0/servers/1", NULL }, { "/services/0/servers/0/weight", "60" } }, NULL,
	  NULL, NULL, NONE, PLAN("web: run 0 weights"), "", "" },
	{ "n1 being removed, back with another address: refused", NULL, run_n1_removing,
	  { { "/services/0/servers/1/address", "'10.1.0.14'" } }, NULL, NULL, NULL,
	  WANT("services[0].servers[1]: server n1: a new address or port needs a new name "
	       "(remove and add)"), NONE, "", "" },
	{ "n1 gone (its slot free), back in the file: added", NULL, run_n1_freed,
	  { { NULL } }, NULL, NULL, NULL, NONE, PLAN("web: run 0 add 1 weights"), "", "" },
	{ "n1 gone, back with another address: a new server", NULL, run_n1_freed,
	  { { "/services/0/servers/1/address", "'10.1.0.14'" } }, NULL, NULL, NULL,
	  NONE, PLAN("web: run 0 add 1 weights"), "", "" },
	{ "n2 gone (the slots end at n1), back in the file: added", NULL, run_n2_freed,
	  { { NULL } }, NULL, NULL, NULL, NONE, PLAN("web: run 0 add 2 weights"), "", "" },
	{ "n3 added through the API, not in the file: removed", NULL, run_n3_added,
	  { { NULL } }, NULL, NULL, NULL, NONE, PLAN("web: run 0 remove 3 weights"), "", "" },
	{ "n3 added through the API in n1's freed slot, not in the file; n1 in it", NULL,
	  run_n1_freed_n3_added, { { NULL } }, NULL, NULL, NULL,
	  NONE, PLAN("web: run 0 add 1 remove 1 weights"), "", "" },
	{ "n3 added through the API, in the file too", NULL, run_n3_added,
	  { { "/services/0/servers/-", n3_25 }, { "/services/0/servers/2/weight", "15" } },
	  NULL, NULL, NULL,
	  NONE, PLAN("web: run 0 weights"), "", "" },
	{ "n1 drained, in the file: left drained", NULL, run_n1_drained, { { NULL } }, NULL, NULL,
	  NULL, NONE, NONE, "", "" },
	{ "n1 drained, not in the file: removed", NULL, run_n1_drained,
	  { { "/services/0/servers/1", NULL }, { "/services/0/servers/1/weight", "70" } }, NULL,
	  NULL, NULL, NONE, PLAN("web: run 0 remove 1 weights"), "", "" },
	{ "n1 down, in the file: left down", NULL, run_n1_down, { { NULL } }, NULL, NULL, NULL,
	  NONE, NONE, "", "" },
	{ "n1 down, not in the file: removed", NULL, run_n1_down,
	  { { "/services/0/servers/1", NULL }, { "/services/0/servers/1/weight", "70" } }, NULL,
	  NULL, NULL, NONE, PLAN("web: run 0 remove 1 weights"), "", "" },
	{ "3 new servers, 2 free slots (2 being removed keep theirs)", hook_web_62,
	  run_s60_s61_removing, { { NULL } }, hook_web_60_3new, NULL, NULL,
	  WANT("services[0].servers: 3 new servers, 2 free slots (servers being removed keep "
	       "theirs until their flows end)"),
	  PLAN("web: run 0 add 60,61,62 weights"), "", "" },
	{ "2 new servers, 2 free slots", hook_web_62, run_s60_s61_removing, { { NULL } },
	  hook_web_60_2new, NULL, NULL, NONE, PLAN("web: run 0 add 60,61 weights"), "", "" },

	/* weights, adaptive, fail-safe */
	{ "web: weights changed", NULL, NULL,
	  { { "/services/0/servers/0/weight", "40" }, { "/services/0/servers/2/weight", "30" } },
	  NULL, NULL, NULL, NONE, PLAN("web: run 0 weights"), "", "" },
	{ "n0's weight set through the API: the file's again", NULL, run_n0_weight_50,
	  { { NULL } }, NULL, NULL, NULL, NONE, PLAN("web: run 0 weights"), "", "" },
	{ "web: adaptive step changed", NULL, NULL, { { "/services/0/adaptive/step", "2" } }, NULL,
	  NULL, NULL, NONE, PLAN("web: run 0 adaptive"), "", "" },
	{ "web: adaptive mode changed", NULL, NULL, { { "/services/0/adaptive/mode", "'fast'" } },
	  NULL, NULL, NULL, NONE, PLAN("web: run 0 adaptive"), "", "" },
	{ "dns: adaptive enabled", NULL, NULL, { { "/services/1/adaptive/enabled", "true" } }, NULL,
	  NULL, NULL, NONE, PLAN("dns: run 1 adaptive"), "", "" },
	{ "web's adaptive patched through the API: the file's again", NULL,
	  run_web_adaptive_patched, { { NULL } }, NULL, NULL, NULL,
	  NONE, PLAN("web: run 0 adaptive"), "", "" },
	{ "web: response_timeout_ms changed", NULL, NULL,
	  { { "/services/0/failsafe/response_timeout_ms", "3000" } }, NULL, NULL, NULL,
	  NONE, PLAN("web: run 0 failsafe"), "", "" },
	/* client_address: for new flows; a tcp mode needs the state kept from start */
	{ "web: proxy-v2 to proxy-v1", boot_web_proxy_v2, NULL,
	  { { "/services/0/client_address", "'proxy-v1'" } }, NULL, NULL, NULL,
	  NONE, PLAN("web: run 0 client_address"), "", "" },
	{ "web: proxy-v2 to none, dns none to proxy-v2", boot_web_proxy_v2, NULL,
	  { { "/services/0/client_address", "'none'" }, { "/services/1/client_address", "'proxy-v2'" } },
	  NULL, NULL, NULL, NONE, PLAN("web: run 0 client_address", "dns: run 1 client_address"), "", "" },
	{ "dns: proxy-v2 with no tcp client address at start", NULL, NULL,
	  { { "/services/1/client_address", "'proxy-v2'" } }, NULL, NULL, NULL,
	  NONE, PLAN("dns: run 1 client_address"), "", "" },
	{ "web: toa with no tcp client address at start", NULL, NULL,
	  { { "/services/0/client_address", "'toa'" } }, NULL, NULL, NULL,
	  WANT("services[0].client_address: no tcp service had a client_address at start (its "
	       "per-flow state is set up then); needs a restart"), NONE, "", "" },
	{ "web: max_replays changed", NULL, NULL, { { "/services/0/failsafe/max_replays", "1" } },
	  NULL, NULL, NULL, NONE, PLAN("web: run 0 failsafe"), "", "" },
	{ "web: fail-safe protocol changed", NULL, NULL,
	  { { "/services/0/failsafe/protocol", "'http'" } }, NULL, NULL, NULL,
	  NONE, PLAN("web: run 0 failsafe"), "", "" },
	{ "web: replay changed", NULL, NULL, { { "/services/0/failsafe/replay", "'idempotent'" } },
	  NULL, NULL, NULL, NONE, PLAN("web: run 0 failsafe"), "", "" },
	{ "web: hold_limit_kb changed", NULL, NULL,
	  { { "/services/0/failsafe/hold_limit_kb", "1024" } }, NULL, NULL, NULL,
	  NONE, PLAN("web: run 0 failsafe"), "", "" },
	{ "web: persistence_s changed, still on", NULL, NULL,
	  { { "/services/0/persistence_s", "60" } }, NULL, NULL, NULL,
	  NONE, PLAN("web: run 0 failsafe"), "", "" },
	{ "dns: the fail-safe's limits changed while it is off", NULL, NULL,
	  { { "/services/1/failsafe", "{'enabled': false, 'max_replays': 3}" } }, NULL, NULL, NULL,
	  NONE, PLAN("dns: run 1 failsafe"), "", "" },
	{ "everything web may change at once, dns its weights", NULL, NULL,
	  { { "/services/0/servers/1", NULL }, { "/services/0/servers/1/weight", "70" },
	    { "/services/0/adaptive/step", "3" }, { "/services/0/failsafe/max_replays", "4" },
	    { "/services/1/servers/0/weight", "20" }, { "/services/1/servers/1/weight", "80" } },
	  NULL, NULL, NULL, NONE,
	  PLAN("web: run 0 remove 1 weights adaptive failsafe", "dns: run 1 weights"), "", "" },

	/* new services */
	{ "web2 new: accepted", NULL, NULL, { { "/services/-", web2 } }, NULL, NULL, NULL,
	  NONE, PLAN("web2: new"), "", "web2" },
	{ "web2 new on maglev: accepted", NULL, NULL, { { "/services/-", web2 } }, hook_web2_maglev,
	  NULL, NULL, NONE, PLAN("web2: new"), "", "web2" },
	{ "web2 new, refused by the data plane with its reason", NULL, NULL,
	  { { "/services/-", web2_new_lip } }, NULL, "web2",
	  "local IP 10.1.0.2 is new: local ports for it are set up at start; needs a restart",
	  WANT("services[2]: new service web2: local IP 10.1.0.2 is new: local ports for it are "
	       "set up at start; needs a restart"), PLAN("web2: new"), "", "web2" },
	{ "web2 new on the address web leaves: web changes shape, web2 refused", NULL, NULL,
	  { { "/services/0/port", "8080" }, { "/services/-", web2_on_80 } }, NULL, NULL, NULL,
	  WANT(SHAPE(0), "services[2]: new service web2: service web has that address, port and "
	       "protocol"), PLAN("web2: new"), "", "web2" },
	{ "dns renamed dns2: its address is dns's until dns's flows end", NULL, NULL,
	  { { "/services/1", dns2_on_53 } }, NULL, NULL, NULL,
	  WANT(REMOVED_BY_FILE(1, "dns2", "dns")), PLAN("dns2: new"), "1", "dns2" },
	{ "dns being removed, dns2 on its address", NULL, run_dns_removing,
	  { { "/services/1", dns2_on_53 } }, NULL, NULL, NULL,
	  WANT(REMOVED_BY_FILE(1, "dns2", "dns")), PLAN("dns2: new"), "1", "dns2" },
	{ "dns gone, back in the file: a new service in its old slot", NULL, run_dns_removed,
	  { { NULL } }, NULL, NULL, NULL, NONE, PLAN("dns: new"), "", "dns" },
	{ "dns gone, dns2 on its address: a new service in dns's slot", NULL, run_dns_removed,
	  { { "/services/1", dns2_on_53 } }, NULL, NULL, NULL, NONE, PLAN("dns2: new"), "", "dns2" },
	{ "31 services, 2 removed and 2 new: one slot free, the second refused", hook_services_31,
	  NULL, { { NULL } }, hook_drop2_add2, NULL, NULL,
	  WANT("services[30]: new service new1: 32 services at most"),
	  PLAN("new0: new", "new1: new"), "29,30", "new0,new1" },
	{ "31 services, 1 removed and 1 new: the last slot", hook_services_31, NULL, { { NULL } },
	  hook_drop1_add1, NULL, NULL, NONE, PLAN("new0: new"), "30", "new0" },
	{ "32 services, the last gone: back in its own slot", hook_services_32, run_svc31_removed,
	  { { NULL } }, NULL, NULL, NULL, NONE, PLAN("svc31: new"), "", "svc31" },
	{ "32 services, one gone, another new: the data plane has no slot", hook_services_32,
	  run_svc31_removed, { { "/services/31/port", "2000" }, { "/services/31/name", "'new0'" } },
	  NULL, NULL, NULL, WANT("services[31]: new service new0: 32 services already"),
	  PLAN("new0: new"), "", "new0" },

	/* services removed */
	{ "dns removed", NULL, NULL, { { "/services/1", NULL } }, NULL, NULL, NULL,
	  NONE, NONE, "1", "" },
	{ "web removed: dns is services[0] of the file, still slot 1", NULL, NULL,
	  { { "/services/0", NULL } }, NULL, NULL, NULL, NONE, PLAN("dns: run 1"), "0", "" },
	{ "services in another order: matched by name", NULL, NULL, { { NULL } }, hook_web_last,
	  NULL, NULL,
	  NONE, PLAN("dns: run 1", "web: run 0"), "", "" },
	{ "dns being removed, not in the file: removed again", NULL, run_dns_removing,
	  { { "/services/1", NULL } }, NULL, NULL, NULL, NONE, NONE, "1", "" },
	{ "dns being removed, in the file: its servers are cancelled", NULL, run_dns_removing,
	  { { NULL } }, NULL, NULL, NULL, NONE, PLAN("dns: run 1 cancel 0,1 weights"), "", "" },
	{ "dns gone, not in the file: nothing to do", NULL, run_dns_removed,
	  { { "/services/1", NULL } }, NULL, NULL, NULL, NONE, NONE, "", "" },
};

/* ---- the runner ---- */

static void *zalloc(size_t n)
{
	void *p = calloc(1, n);

	assert_non_null(p);
	return p;
}

/* The base startup file changed by <boot>, then by <patches> (NULL: none) and
 * <hook>, as JSON text. */
static char *build(hook_fn boot, const struct patch *patches, hook_fn hook)
{
	json_t *root = jparse(base_text);
	char *out;
	int i;

	if (boot != NULL)
		boot(root);
	for (i = 0; patches != NULL && i < MAX_PATCHES && patches[i].ptr != NULL; i++)
		jset(root, patches[i].ptr, patches[i].val != NULL ? jparse(patches[i].val) : NULL);
	if (hook != NULL)
		hook(root);
	out = json_dumps(root, JSON_COMPACT);
	assert_non_null(out);
	json_decref(root);
	return out;
}

/* Parse <json>; it must be a valid startup file. */
static void must_parse(const char *json, struct nc_config *cfg)
{
	struct nc_errors *e = zalloc(sizeof(*e));

	if (nc_config_parse_string(json, cfg, e) != 0 || e->n != 0) {
		nc_errors_print(e, stderr);
		fail_msg("startup file rejected: %s", json);
	}
	free(e);
}

/* <got> and <want> (NULL-terminated, at most <max>) must be the same lines. */
static void expect_same(const char *what, char got[][NC_ERR_LINE_LEN], unsigned int n_got,
			const char *const *want, unsigned int max)
{
	unsigned int n = 0, i;
	bool same;

	while (n < max && want[n] != NULL)
		n++;
	same = n_got == n;
	for (i = 0; same && i < n; i++)
		same = strcmp(got[i], want[i]) == 0;
	if (same)
		return;
	fprintf(stderr, "%s expected:\n", what);
	for (i = 0; i < n; i++)
		fprintf(stderr, "  %s\n", want[i]);
	fprintf(stderr, "got:\n");
	for (i = 0; i < n_got; i++)
		fprintf(stderr, "  %s\n", got[i]);
	fail();
}

static void put(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void put(char *out, size_t len, const char *fmt, ...)
{
	size_t n = strlen(out);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out + n, len - n, fmt, ap);
	va_end(ap);
}

static void put_list(char *out, size_t len, const char *key, const int *v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		put(out, len, "%s%d", i == 0 ? key : ",", v[i]);
}

/* <x>, the plan of <ns> (services[<s>] of the file), as text; "" when it is
 * matched to the running slot <s> with nothing to change. */
static void plan_text(const struct nc_cfg_service *ns, unsigned int s, const struct nc_svc_plan *x,
		      char *out, size_t len)
{
	out[0] = '\0';
	if (x->run == (int)s && x->n_add == 0 && x->n_remove == 0 && x->n_cancel == 0 &&
	    !x->weights && !x->adaptive && !x->failsafe && !x->client_address)
		return;
	if (x->run < 0) {
		put(out, len, "%s: new", ns->name);
		assert_int_equal(x->n_add + x->n_remove + x->n_cancel, 0);
		assert_false(x->weights || x->adaptive || x->failsafe || x->client_address);
		return;
	}
	put(out, len, "%s: run %d", ns->name, x->run);
	put_list(out, len, " add ", x->add, x->n_add);
	put_list(out, len, " remove ", x->remove, x->n_remove);
	put_list(out, len, " cancel ", x->cancel, x->n_cancel);
	assert_true(x->weights == 0 || x->weights == 1);
	assert_true(x->adaptive == 0 || x->adaptive == 1);
	assert_true(x->failsafe == 0 || x->failsafe == 1);
	assert_true(x->client_address == 0 || x->client_address == 1);
	put(out, len, "%s%s%s%s", x->weights ? " weights" : "", x->adaptive ? " adaptive" : "",
	    x->failsafe ? " failsafe" : "", x->client_address ? " client_address" : "");
}

static void run_case(void **state)
{
	const struct plan_case *tc = *state;
	struct nc_config *boot = zalloc(sizeof(*boot)), *run = zalloc(sizeof(*run));
	struct nc_config *run_before = zalloc(sizeof(*run_before)), *nw = zalloc(sizeof(*nw));
	struct nc_reload_state *st = zalloc(sizeof(*st)), *st_before = zalloc(sizeof(*st_before));
	struct nc_svc_plan *pl = zalloc(NC_MAX_SERVICES * sizeof(*pl));
	struct nc_svc_plan *zero = zalloc(sizeof(*zero));
	struct nc_errors *e = zalloc(sizeof(*e));
	static char plans[NC_MAX_SERVICES][NC_ERR_LINE_LEN];
	uint8_t gone[NC_MAX_SERVICES];
	unsigned int s, n = 0;
	char gone_text[128] = "";
	char *text;

	text = build(tc->boot, NULL, NULL);
	must_parse(text, boot);
	free(text);
	state_init(st, boot, run);
	if (tc->running != NULL)
		tc->running(run, st);
	text = build(tc->boot, tc->file, tc->file_hook);
	must_parse(text, nw);
	free(text);

	memcpy(run_before, run, sizeof(*run));
	memcpy(st_before, st, sizeof(*st));
	memset(pl, 0xa5, NC_MAX_SERVICES * sizeof(*pl));   /* filled whole by the planner */
	memset(gone, 0xa5, sizeof(gone));
	memset(&dp_model, 0, sizeof(dp_model));
	dp_model.refuse = tc->refuse;
	dp_model.refuse_why = tc->refuse_why;

	nc_reload_plan(st, nw, pl, gone, e);

	expect_same("problems", e->line, e->n, tc->want, MAX_WANT);
	assert_int_equal(e->n_dropped, 0);
	for (s = 0; s < nw->n_services; s++) {
		plan_text(&nw->services[s], s, &pl[s], plans[n], sizeof(plans[n]));
		n += plans[n][0] != '\0';
	}
	expect_same("plans", plans, n, tc->plan, MAX_PLANS);
	for (s = nw->n_services; s < NC_MAX_SERVICES; s++)
		assert_memory_equal(&pl[s], zero, sizeof(*zero));
	for (s = 0; s < NC_MAX_SERVICES; s++) {
		assert_true(gone[s] <= 1);
		if (gone[s])
			put(gone_text, sizeof(gone_text), "%s%u", gone_text[0] != '\0' ? "," : "", s);
	}
	assert_string_equal(gone_text, tc->gone);
	assert_string_equal(dp_model.asked, tc->asked);
	/* the planner only reads the running state */
	assert_memory_equal(run, run_before, sizeof(*run));
	assert_memory_equal(st, st_before, sizeof(*st));

	free(boot);
	free(run);
	free(run_before);
	free(nw);
	free(st);
	free(st_before);
	free(pl);
	free(zero);
	free(e);
}

/* ---- main: one named cmocka test per case ---- */

int main(void)
{
	size_t i, n = sizeof(cases) / sizeof(cases[0]);
	struct CMUnitTest *t = calloc(n, sizeof(*t));
	int rc;

	if (t == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		t[i].name = cases[i].what;
		t[i].test_func = run_case;
		t[i].initial_state = (void *)(uintptr_t)&cases[i];
	}
	rc = _cmocka_run_group_tests("reload_plan", t, n, NULL, NULL);
	free(t);
	return rc != 0;
}
