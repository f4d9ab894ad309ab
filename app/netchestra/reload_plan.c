/* SPDX-License-Identifier: BSD-3-Clause
 * The SIGHUP reload's plan (see reload_plan.h): what the data plane was built
 * with must not change; a running service keeps its shape and may change its
 * servers, weights, adaptive and fail-safe settings; new services must be
 * addable; running ones the file no longer has are removed. Pure: it reads
 * only its arguments.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>

#include "reload_plan.h"

static void __attribute__((format(printf, 3, 4)))
problem(struct nc_errors *e, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (e->n == NC_ERR_LINES_MAX) {
		e->n_dropped++;
		return;
	}
	n = snprintf(e->line[e->n], NC_ERR_LINE_LEN, "%s: ", path);
	va_start(ap, fmt);
	vsnprintf(e->line[e->n] + n, NC_ERR_LINE_LEN - (size_t)n, fmt, ap);
	va_end(ap);
	e->n++;
}

static int
same_service_shape(const struct nc_cfg_service *a, const struct nc_cfg_service *b)
{
	return a->family == b->family && a->vip == b->vip &&
	       memcmp(a->vip6, b->vip6, sizeof(a->vip6)) == 0 && a->port == b->port &&
	       a->proto == b->proto && a->server_family == b->server_family &&
	       a->n_local_ips == b->n_local_ips &&
	       memcmp(a->local_ips, b->local_ips, a->n_local_ips * sizeof(a->local_ips[0])) == 0 &&
	       a->n_local_ips6 == b->n_local_ips6 &&
	       memcmp(a->local_ips6, b->local_ips6, a->n_local_ips6 * sizeof(a->local_ips6[0])) == 0 &&
	       a->scheduler == b->scheduler &&
	       (a->scheduler != NC_SCHED_MAGLEV ||   /* the table's size and seed are the scheduler's */
		(a->maglev_size == b->maglev_size && a->maglev_seed == b->maglev_seed)) &&
	       memcmp(&a->health, &b->health, sizeof(a->health)) == 0 &&
	       a->failsafe.enabled == b->failsafe.enabled &&
	       a->failsafe.store_size == b->failsafe.store_size &&
	       (a->persistence_s == 0) == (b->persistence_s == 0) &&
	       a->syn_proxy == b->syn_proxy && a->syn_proxy_threshold == b->syn_proxy_threshold;
}

/* Running service slot named <name>, or -ENOENT. */
static int
service_find(const struct nc_reload_state *st, const char *name)
{
	uint16_t k;

	for (k = 0; k < st->run->n_services; k++)
		if (st->svc[k].live && strcmp(st->run->services[k].name, name) == 0)
			return k;
	return -ENOENT;
}

/* Server slot of <v> named <name> (free slots skipped), or -ENOENT. */
static int
server_find(const struct nc_reload_svc *v, const char *name)
{
	uint16_t i;

	for (i = 0; i < v->n_slots; i++)
		if (v->slot[i].admin != NC_RELOAD_ADMIN_FREE && strcmp(v->slot[i].name, name) == 0)
			return i;
	return -ENOENT;
}

/* Plan the servers of running service <rs> (its slots in <v>) for <ns>,
 * services[<si>] of the new file. */
static void
plan_servers(const struct nc_reload_svc *v, unsigned int si, const struct nc_cfg_service *ns,
	     const struct nc_cfg_service *rs, struct nc_svc_plan *x, struct nc_errors *e)
{
	unsigned int slots_free = 0;
	char p[96];
	uint16_t i;

	for (i = 0; i < v->n_slots; i++)
		slots_free += v->slot[i].admin == NC_RELOAD_ADMIN_FREE;
	slots_free += NC_MAX_SERVERS - (unsigned int)v->n_slots;
	for (i = 0; i < ns->n_servers; i++) {
		const struct nc_cfg_server *f = &ns->servers[i];
		int j = server_find(v, f->name);

		if (j < 0) {
			x->add[x->n_add++] = i;
			continue;
		}
		if (rs->servers[j].address != f->address || rs->servers[j].port != f->port) {
			snprintf(p, sizeof(p), "services[%u].servers[%u]", si, i);
			problem(e, p, "server %s: a new address or port needs a new name (remove "
				"and add)", f->name);
			continue;
		}
		if (v->slot[j].admin == NC_RELOAD_ADMIN_REMOVING)
			x->cancel[x->n_cancel++] = j;
		if (rs->servers[j].weight != f->weight)
			x->weights = 1;
	}
	for (i = 0; i < v->n_slots; i++) {
		uint16_t j;

		if (v->slot[i].admin == NC_RELOAD_ADMIN_FREE ||
		    v->slot[i].admin == NC_RELOAD_ADMIN_REMOVING)
			continue;
		for (j = 0; j < ns->n_servers && strcmp(ns->servers[j].name, v->slot[i].name) != 0; j++)
			;
		if (j == ns->n_servers)
			x->remove[x->n_remove++] = i;
	}
	if (x->n_add > slots_free) {
		snprintf(p, sizeof(p), "services[%u].servers", si);
		problem(e, p, "%u new servers, %u free slots (servers being removed keep theirs "
			"until their flows end)", x->n_add, slots_free);
	}
	if (x->n_add || x->n_remove || x->n_cancel)
		x->weights = 1;
	x->adaptive = memcmp(&ns->adaptive, &rs->adaptive, sizeof(ns->adaptive)) != 0;
	x->failsafe = ns->persistence_s != rs->persistence_s ||
		      ns->failsafe.response_timeout_ms != rs->failsafe.response_timeout_ms ||
		      ns->failsafe.max_replays != rs->failsafe.max_replays ||
		      ns->failsafe.protocol != rs->failsafe.protocol ||
		      ns->failsafe.replay != rs->failsafe.replay ||
		      ns->failsafe.hold_limit_kb != rs->failsafe.hold_limit_kb;
}

void
nc_reload_plan(const struct nc_reload_state *st, const struct nc_config *nw,
	       struct nc_svc_plan *pl, uint8_t *gone, struct nc_errors *e)
{
	const struct nc_config *run = st->run;
	const struct nc_config *boot = st->boot;
	unsigned int adds = 0, free_slots = NC_MAX_SERVICES - run->n_services;
	char p[96], why[160];
	uint16_t s, k;

	memset(pl, 0, NC_MAX_SERVICES * sizeof(*pl));
	memset(gone, 0, NC_MAX_SERVICES * sizeof(*gone));
	/* what the data plane was built with cannot change while it runs */
	if (memcmp(&nw->eal, &boot->eal, sizeof(nw->eal)) != 0)
		problem(e, "eal", "changed; needs a restart");
	if (memcmp(&nw->workers, &boot->workers, sizeof(nw->workers)) != 0)
		problem(e, "workers", "changed; needs a restart");
	if (nw->n_ports != boot->n_ports || memcmp(nw->ports, boot->ports, sizeof(nw->ports)) != 0)
		problem(e, "ports", "changed; needs a restart");
	if (nw->n_neighbors != boot->n_neighbors ||
	    memcmp(nw->neighbors, boot->neighbors, sizeof(nw->neighbors)) != 0)
		problem(e, "neighbors", "changed; needs a restart");
	if (nw->n_routes != boot->n_routes || memcmp(nw->routes, boot->routes, sizeof(nw->routes)) != 0)
		problem(e, "routes", "changed; needs a restart");
	if (memcmp(&nw->limits, &boot->limits, sizeof(nw->limits)) != 0)
		problem(e, "limits", "changed; needs a restart");
	if (memcmp(&nw->management, &boot->management, sizeof(nw->management)) != 0)
		problem(e, "management", "changed; needs a restart");
	if (memcmp(&nw->cluster, &boot->cluster, sizeof(nw->cluster)) != 0)
		problem(e, "cluster", "changed (or its secret file); needs a restart");
	for (k = 0; k < run->n_services; k++) {
		int found = 0;

		if (!st->svc[k].live)
			continue;   /* removed, or a removing one's name came back */
		for (s = 0; s < nw->n_services; s++)
			found |= strcmp(nw->services[s].name, run->services[k].name) == 0;
		gone[k] = !found;
	}
	for (s = 0; s < nw->n_services; s++) {
		const struct nc_cfg_service *ns = &nw->services[s];
		struct nc_svc_plan *x = &pl[s];
		int r;

		snprintf(p, sizeof(p), "services[%u]", s);
		x->run = service_find(st, ns->name);
		if (x->run < 0) {
			/* a new service: what it needs must exist from the start */
			r = st->check_add(st->check_arg, ns, why, sizeof(why));
			if (r == -EEXIST) {
				/* its address may belong to a service this file removes */
				for (k = 0; k < run->n_services; k++)
					if (gone[k] && run->services[k].vip == ns->vip &&
					    run->services[k].port == ns->port &&
					    run->services[k].proto == ns->proto)
						break;
				if (k < run->n_services)
					snprintf(why, sizeof(why), "service %s, which this file removes, "
						 "has that address, port and protocol until its flows end: "
						 "reload again then", run->services[k].name);
			}
			if (r < 0)
				problem(e, p, "new service %s: %s", ns->name, why);
			else if (r >= 0 && (unsigned int)r >= run->n_services && ++adds > free_slots)
				problem(e, p, "new service %s: %u services at most", ns->name,
					NC_MAX_SERVICES);
			continue;
		}
		if (!same_service_shape(ns, &run->services[x->run])) {
			problem(e, p, "vip, port, protocol, local_ips, scheduler, health, failsafe "
				"enabled/store_size, persistence on/off or syn_proxy changed; needs a restart "
				"(or a new name: remove and add)");
			continue;
		}
		plan_servers(&st->svc[x->run], s, ns, &run->services[x->run], x, e);
		if (ns->client_address != run->services[x->run].client_address) {
			if (ns->proto == IPPROTO_TCP && ns->client_address != NC_CA_NONE &&
			    !st->ca_ready) {
				snprintf(p, sizeof(p), "services[%u].client_address", s);
				problem(e, p, "no tcp service had a client_address at start (its "
					"per-flow state is set up then); needs a restart");
			} else {
				x->client_address = 1;
			}
		}
	}
}
