/* SPDX-License-Identifier: BSD-3-Clause
 * SIGHUP: read the startup file again and apply it the way the management
 * API changes things (services and servers added, drained and removed,
 * weights, adaptive and fail-safe limits), without dropping established
 * flows. The file is
 * checked whole first - as --check does, then against what can change at run
 * time (the plan, reload_plan.c, over a snapshot of the running state taken
 * here) - and an invalid file changes nothing: the same error lines as --check
 * are printed and the running configuration stays.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "api.h"
#include "reload_plan.h"

/* The data plane's check for a new service; <arg>: the data plane. */
static int
check_add(const void *arg, const struct nc_cfg_service *cs, char *why, size_t len)
{
	return nc_dp_service_check_add(arg, cs, why, len);
}

/* The running state the planner needs, read from the data plane into <st>. */
static void
snapshot(const struct nc_app *a, struct nc_reload_state *st)
{
	static struct nc_server_view v[NC_MAX_SERVERS];
	const struct nc_config *run = nc_dp_config(a->dp);
	unsigned int k;
	int n, i;

	/* the planner's admin states are the data plane's */
	RTE_BUILD_BUG_ON((int)NC_RELOAD_ADMIN_UP != (int)NC_ADMIN_UP);
	RTE_BUILD_BUG_ON((int)NC_RELOAD_ADMIN_DRAIN != (int)NC_ADMIN_DRAIN);
	RTE_BUILD_BUG_ON((int)NC_RELOAD_ADMIN_DOWN != (int)NC_ADMIN_DOWN);
	RTE_BUILD_BUG_ON((int)NC_RELOAD_ADMIN_REMOVING != (int)NC_ADMIN_REMOVING);
	RTE_BUILD_BUG_ON((int)NC_RELOAD_ADMIN_FREE != (int)NC_ADMIN_FREE);
	RTE_BUILD_BUG_ON(sizeof(st->svc[0].slot[0].name) != sizeof(v[0].name));
	memset(st, 0, sizeof(*st));
	st->boot = a->cfg;
	st->run = run;
	st->check_add = check_add;
	st->check_arg = a->dp;
	st->ca_ready = nc_dp_client_address_ready(a->dp);
	for (k = 0; k < nc_dp_n_services(a->dp); k++) {
		struct nc_reload_svc *sv = &st->svc[k];

		sv->live = nc_dp_service_find(a->dp, run->services[k].name) == (int)k;
		n = nc_dp_service_view(a->dp, k, NULL, v, NC_MAX_SERVERS);
		for (i = 0; i < n; i++) {
			memcpy(sv->slot[i].name, v[i].name, sizeof(sv->slot[i].name));
			sv->slot[i].admin = v[i].admin;
		}
		sv->n_slots = n > 0 ? (uint16_t)n : 0;
	}
}

/* Apply a checked plan. Returns the changes made. */
static unsigned int
apply(struct nc_app *a, const struct nc_config *nw, const struct nc_svc_plan *pl,
      const uint8_t *gone)
{
	unsigned int changes = 0, k, n = nc_dp_n_services(a->dp);
	uint16_t s, i;

	for (k = 0; k < n; k++)
		if (gone[k])
			changes += nc_dp_service_remove(a->dp, k) == 0;
	for (s = 0; s < nw->n_services; s++) {
		const struct nc_cfg_service *ns = &nw->services[s];
		const struct nc_svc_plan *x = &pl[s];
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
		if (x->client_address)
			changes += nc_dp_service_set_client_address(a->dp, q, ns->client_address) == 0;
	}
	return changes;
}

int
nc_reload(struct nc_app *a)
{
	static struct nc_errors errs;
	static struct nc_reload_state st;
	static struct nc_svc_plan pl[NC_MAX_SERVICES];
	static uint8_t gone[NC_MAX_SERVICES];
	struct nc_config *nw = calloc(1, sizeof(*nw));
	unsigned int changes;

	if (nw == NULL)
		return -ENOMEM;
	printf("reload: reading %s (SIGHUP)\n", a->config_path);
	memset(pl, 0, sizeof(pl));
	memset(gone, 0, sizeof(gone));
	if (nc_config_load(a->config_path, nw, &errs) == 0) {
		snapshot(a, &st);
		nc_reload_plan(&st, nw, pl, gone, &errs);
	}
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
