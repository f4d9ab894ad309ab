/* SPDX-License-Identifier: BSD-3-Clause
 * The SIGHUP reload's plan: the startup file read again, checked against what
 * can change at run time and turned into changes per service. A configuration
 * diff over a plain snapshot of the running state, with no EAL and no DPDK
 * header, so that it is tested alone; reload.c builds the snapshot from the
 * data plane, prints the problems and applies the plan.
 */
#ifndef NC_RELOAD_PLAN_H
#define NC_RELOAD_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nc_config_types.h"

/* A server slot's admin state: the values of enum nc_admin_state (lib/dp's
 * nc_dp.h, which needs DPDK); reload.c checks at build time that they agree. */
enum nc_reload_admin {
	NC_RELOAD_ADMIN_UP = 0,
	NC_RELOAD_ADMIN_DRAIN,
	NC_RELOAD_ADMIN_DOWN,
	NC_RELOAD_ADMIN_REMOVING,
	NC_RELOAD_ADMIN_FREE,
};

/* One server slot of a running service, as the data plane's view shows it. */
struct nc_reload_slot {
	char name[NC_NAME_MAX];   /* empty in a free slot */
	uint8_t admin;            /* enum nc_reload_admin */
};

/* One running service slot. */
struct nc_reload_svc {
	bool live;                /* the data plane finds its name at this slot: not removed */
	uint16_t n_slots;         /* server slots in use, free ones below the last included */
	struct nc_reload_slot slot[NC_MAX_SERVERS];
};

/*
 * Can service <cs> (a valid startup-file service, not running) be added now?
 * Returns the service slot it would take - below run->n_services: a removed
 * service's slot used again - or a negative errno (-EEXIST: its name or its
 * address, port and protocol are taken) with the reason in <why> (<len> bytes).
 * <arg>: nc_reload_state's check_arg.
 */
typedef int (*nc_reload_check_add_fn)(const void *arg, const struct nc_cfg_service *cs,
				      char *why, size_t len);

/* The running state a reload is planned against. */
struct nc_reload_state {
	const struct nc_config *boot;   /* the startup file the appliance started with */
	const struct nc_config *run;    /* the running configuration (startup file plus run-time
					 * changes): run->n_services service slots, removed ones
					 * included; each service's servers by slot */
	struct nc_reload_svc svc[NC_MAX_SERVICES];   /* per slot of run->services */
	nc_reload_check_add_fn check_add;
	const void *check_arg;
	bool ca_ready;                  /* the data plane keeps client-address state: a TCP
					 * service may take a client_address at run time */
};

/* What one service of the new file asks. */
struct nc_svc_plan {
	int run;                          /* its running slot, -1: a new service */
	int add[NC_MAX_SERVERS];          /* new file's server index to add */
	unsigned int n_add;
	int remove[NC_MAX_SERVERS];       /* running slots to remove */
	unsigned int n_remove;
	int cancel[NC_MAX_SERVERS];       /* running slots being removed that come back */
	unsigned int n_cancel;
	int weights;                      /* weights or membership changed */
	int adaptive;                     /* adaptive settings changed */
	int failsafe;                     /* persistence_s or fail-safe limits changed */
	int client_address;               /* client_address changed (new flows only) */
};

/*
 * Check the new startup file <nw> (valid, as --check accepts it) against the
 * running state <st> and plan the changes. Services are matched by name:
 * <pl>[s] (NC_MAX_SERVICES entries, filled whole) says what nw->services[s]
 * asks; <gone> (NC_MAX_SERVICES entries, filled whole) marks the running
 * service slots that <nw> no longer has. Every change that needs a restart is
 * appended to <e> as one "json.path: reason" line; with any, the plan must not
 * be applied. Calls st->check_add once per new service. Any thread.
 */
void nc_reload_plan(const struct nc_reload_state *st, const struct nc_config *nw,
		    struct nc_svc_plan *pl, uint8_t *gone, struct nc_errors *e);

#endif /* NC_RELOAD_PLAN_H */
