/* SPDX-License-Identifier: BSD-3-Clause
 * SIGHUP: read the startup file again and apply it the way the management
 * API changes things (services and servers added, drained and removed,
 * weights, adaptive and fail-safe limits), without dropping established
 * flows. The file is
 * checked whole first - as --check does, then against what can change at run
 * time - and an invalid file changes nothing: the same error lines as --check
 * are printed and the running configuration stays.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "api.h"

/* What one service of the new file asks. */
struct svc_plan {
	int run;                          /* its running slot, -1: a new service */
	int add[NC_MAX_SERVERS];          /* new file's server index to add */
	unsigned int n_add;
	int remove[NC_MAX_SERVERS];       /* running slots to remove */
	unsigned int n_remove;
	int cancel[NC_MAX_SERVERS];       /* running slots being removed that come back */
	unsigned int n_cancel;
	int weights;                      /* weights or membership changed */
	int adaptive;
	int failsafe;
};

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
	return a->vip == b->vip && a->port == b->port && a->proto == b->proto &&
	       a->n_local_ips == b->n_local_ips &&
	       memcmp(a->local_ips, b->local_ips, a->n_local_ips * sizeof(a->local_ips[0])) == 0 &&
	       a->scheduler == b->scheduler && memcmp(&a->health, &b->health, sizeof(a->health)) == 0 &&
	       a->failsafe.enabled == b->failsafe.enabled &&
	       a->failsafe.store_size == b->failsafe.store_size &&
	       (a->persistence_s == 0) == (b->persistence_s == 0);
}

/* Plan the servers of running service <rs> (slot <k>) for <ns>. */
static void
plan_servers(const struct nc_app *a, unsigned int si, unsigned int k, const struct nc_cfg_service *ns,
	     const struct nc_cfg_service *rs, struct svc_plan *x, struct nc_errors *e)
{
	static struct nc_server_view v[NC_MAX_SERVERS];
	unsigned int slots_free = 0;
	char p[96];
	uint16_t i;
	int n;

	n = nc_dp_service_view(a->dp, k, NULL, v, NC_MAX_SERVERS);
	for (i = 0; i < (uint16_t)n; i++)
		slots_free += v[i].admin == NC_ADMIN_FREE;
	slots_free += NC_MAX_SERVERS - (unsigned int)n;
	for (i = 0; i < ns->n_servers; i++) {
		const struct nc_cfg_server *f = &ns->servers[i];
		int j = nc_dp_server_find(a->dp, k, f->name);

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
		if (v[j].admin == NC_ADMIN_REMOVING)
			x->cancel[x->n_cancel++] = j;
		if (rs->servers[j].weight != f->weight)
			x->weights = 1;
	}
	for (i = 0; i < (uint16_t)n; i++) {
		uint16_t j;

		if (v[i].admin == NC_ADMIN_FREE || v[i].admin == NC_ADMIN_REMOVING)
			continue;
		for (j = 0; j < ns->n_servers && strcmp(ns->servers[j].name, v[i].name) != 0; j++)
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

/* Check <nw> against the running state and plan the changes; problems go to
 * <e>. Services are matched by name; running ones missing from <nw> are
 * marked in <gone>. */
static void
plan(const struct nc_app *a, const struct nc_config *nw, struct svc_plan *pl, uint8_t *gone,
     struct nc_errors *e)
{
	const struct nc_config *run = nc_dp_config(a->dp);
	const struct nc_config *boot = a->cfg;
	unsigned int adds = 0, free_slots = NC_MAX_SERVICES - nc_dp_n_services(a->dp);
	char p[96], why[160];
	uint16_t s, k;

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
	for (k = 0; k < nc_dp_n_services(a->dp); k++) {
		int found = 0;

		if (nc_dp_service_find(a->dp, run->services[k].name) != k)
			continue;   /* removed, or a removing one's name came back */
		for (s = 0; s < nw->n_services; s++)
			found |= strcmp(nw->services[s].name, run->services[k].name) == 0;
		gone[k] = !found;
	}
	for (s = 0; s < nw->n_services; s++) {
		const struct nc_cfg_service *ns = &nw->services[s];
		struct svc_plan *x = &pl[s];
		int r;

		snprintf(p, sizeof(p), "services[%u]", s);
		x->run = nc_dp_service_find(a->dp, ns->name);
		if (x->run < 0) {
			/* a new service: what it needs must exist from the start */
			r = nc_dp_service_check_add(a->dp, ns, why, sizeof(why));
			if (r == -EEXIST) {
				/* its address may belong to a service this file removes */
				for (k = 0; k < nc_dp_n_services(a->dp); k++)
					if (gone[k] && run->services[k].vip == ns->vip &&
					    run->services[k].port == ns->port &&
					    run->services[k].proto == ns->proto)
						break;
				if (k < nc_dp_n_services(a->dp))
					snprintf(why, sizeof(why), "service %s, which this file removes, "
						 "has that address, port and protocol until its flows end: "
						 "reload again then", run->services[k].name);
			}
			if (r < 0)
				problem(e, p, "new service %s: %s", ns->name, why);
			else if (r >= 0 && (unsigned int)r >= nc_dp_n_services(a->dp) && ++adds > free_slots)
				problem(e, p, "new service %s: %u services at most", ns->name,
					NC_MAX_SERVICES);
			continue;
		}
		if (!same_service_shape(ns, &run->services[x->run])) {
			problem(e, p, "vip, port, protocol, local_ips, scheduler, health, failsafe "
				"enabled/store_size or persistence on/off changed; needs a restart "
				"(or a new name: remove and add)");
			continue;
		}
		plan_servers(a, s, (unsigned int)x->run, ns, &run->services[x->run], x, e);
	}
}

/* Apply a checked plan. Returns the changes made. */
static unsigned int
apply(struct nc_app *a, const struct nc_config *nw, const struct svc_plan *pl, const uint8_t *gone)
{
	unsigned int changes = 0, k, n = nc_dp_n_services(a->dp);
	uint16_t s, i;

	for (k = 0; k < n; k++)
		if (gone[k])
			changes += nc_dp_service_remove(a->dp, k) == 0;
	for (s = 0; s < nw->n_services; s++) {
		const struct nc_cfg_service *ns = &nw->services[s];
		const struct svc_plan *x = &pl[s];
		const struct nc_cfg_service *rs;
		uint8_t w[NC_MAX_SERVERS];
		unsigned int q;

		if (x->run < 0) {
			changes += nc_dp_service_add(a->dp, ns) >= 0;
			continue;
		}
		q = (unsigned int)x->run;
		for (k = 0; k < x->n_cancel; k++)
			changes += nc_dp_server_set_admin(a->dp, q, (unsigned int)x->cancel[k], NC_ADMIN_UP) == 0;
		for (k = 0; k < x->n_add; k++)
			changes += nc_dp_server_add(a->dp, q, &ns->servers[x->add[k]]) >= 0;
		for (k = 0; k < x->n_remove; k++)
			changes += nc_dp_server_set_admin(a->dp, q, (unsigned int)x->remove[k],
							  NC_ADMIN_REMOVING) == 0;
		rs = &nc_dp_config(a->dp)->services[q];
		if (x->weights) {
			/* the file's weights for its servers; the ones leaving keep theirs */
			for (i = 0; i < rs->n_servers; i++) {
				int k2 = -1;
				uint16_t j;

				for (j = 0; j < ns->n_servers; j++)
					if (rs->servers[i].name[0] != '\0' &&
					    strcmp(ns->servers[j].name, rs->servers[i].name) == 0)
						k2 = j;
				w[i] = k2 >= 0 ? ns->servers[k2].weight :
				       rs->servers[i].weight != 0 ? rs->servers[i].weight : 1;
			}
			changes += nc_dp_service_set_weights(a->dp, q, w) == 0;
		}
		if (x->adaptive)
			changes += nc_dp_service_set_adaptive(a->dp, q, &ns->adaptive) == 0;
		if (x->failsafe)
			changes += nc_dp_service_set_failsafe(a->dp, q, ns->persistence_s,
							      &ns->failsafe) == 0;
	}
	return changes;
}

int
nc_reload(struct nc_app *a)
{
	static struct nc_errors errs;
	static struct svc_plan pl[NC_MAX_SERVICES];
	static uint8_t gone[NC_MAX_SERVICES];
	struct nc_config *nw = calloc(1, sizeof(*nw));
	unsigned int changes;

	if (nw == NULL)
		return -ENOMEM;
	printf("reload: reading %s (SIGHUP)\n", a->config_path);
	memset(pl, 0, sizeof(pl));
	memset(gone, 0, sizeof(gone));
	if (nc_config_load(a->config_path, nw, &errs) == 0)
		plan(a, nw, pl, gone, &errs);
	if (errs.n != 0 || errs.n_dropped != 0) {
		nc_errors_print(&errs, stderr);
		fprintf(stderr, "%s: invalid, %u problem(s)\n", a->config_path, errs.n + errs.n_dropped);
		fprintf(stderr, "reload: rejected; the running configuration stays\n");
		fflush(stderr);
		free(nw);
		return -EINVAL;
	}
	changes = apply(a, nw, pl, gone);
	printf("reload: %s applied, %u change(s)\n", a->config_path, changes);
	{
		char text[128];

		snprintf(text, sizeof(text), "reload: startup file applied, %u change(s)", changes);
		nc_api_on_event(a, NC_EV_CONFIG, "", NULL, text);
	}
	fflush(stdout);
	free(nw);
	return 0;
}
