/* SPDX-License-Identifier: BSD-3-Clause
 * The VIP announcement. The routing daemon beside the appliance announces the
 * /32 and /128 addresses it finds on the kernel interfaces facing its BGP neighbors;
 * this file puts a VIP there exactly while the appliance is ready to serve it
 * (every port up, at least one server of a live service on it up, not
 * draining, not stopping) and takes it away otherwise. A dead appliance takes
 * its interfaces - and the daemon's sessions through the data plane - with
 * it, so the routers withdraw its path without any of this.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "app.h"
#include "nc_hostif.h"

#define ANNOUNCE_CHECK_MS 100

uint32_t
nc_announce_ports(const struct nc_config *cfg)
{
	uint32_t set = 0;
	uint16_t i;

	if (!cfg->bgp.enabled)
		return 0;
	for (i = 0; i < cfg->bgp.n_neighbors; i++)
		if (cfg->ports[cfg->bgp.neighbors[i].port].exception)
			set |= 1u << cfg->bgp.neighbors[i].port;
	return set;
}

static bool
ports_up(const struct nc_app *a)
{
	uint16_t p;

	for (p = 0; p < a->cfg->n_ports; p++) {
		struct rte_eth_link link;

		if (rte_eth_link_get_nowait(a->port[p].port_id, &link) != 0 ||
		    link.link_status != RTE_ETH_LINK_UP)
			return false;
	}
	return true;
}

bool
nc_announce_any6(const struct nc_config *cfg)
{
	uint16_t s;

	for (s = 0; s < cfg->n_services; s++)
		if (cfg->services[s].family == AF_INET6)
			return true;
	return false;
}

/* Put service view <v>'s VIP on, or take it off, every facing interface:
 * an IPv4 VIP as /32, an IPv6 one as /128. */
static void
vip_set(struct nc_app *a, const struct nc_service_view *v, bool on, const char *why)
{
	const struct nc_config *cfg = a->cfg;
	uint32_t set = nc_announce_ports(cfg);
	char ip[NC_ADDR_STRLEN];
	uint16_t p;

	nc_addr_str(v->family, v->vip, v->vip6, ip, sizeof(ip));
	for (p = 0; p < cfg->n_ports; p++) {
		int r;

		if (!(set & (1u << p)))
			continue;
		if (v->family == AF_INET6)
			r = nc_hostif_addr6(cfg->ports[p].exc_ifname, v->vip6, 128, on);
		else
			r = nc_hostif_addr(cfg->ports[p].exc_ifname, v->vip, 32, on);
		if (r != 0)
			NC_LOG(ERR, APP, "%s %s on %s: %s", on ? "announce" : "withdraw", ip,
			       cfg->ports[p].exc_ifname, strerror(-r));
	}
	printf("%s %s (%s)\n", on ? "announce" : "withdraw", ip, why);
}

static bool
same_vip(const struct nc_service_view *a, const struct nc_service_view *b)
{
	if (a->family != b->family)
		return false;
	return a->family == AF_INET6 ? memcmp(a->vip6, b->vip6, 16) == 0 : a->vip == b->vip;
}

/* The first live service index with the VIP of <views>[<s>]: the one that records its state. */
static int
vip_owner(const struct nc_dp *dp, uint16_t s, const struct nc_service_view *views)
{
	uint16_t t;

	for (t = 0; t < nc_dp_n_services(dp); t++)
		if (views[t].state != NC_SVC_REMOVED && same_vip(&views[t], &views[s]))
			return t;
	return -1;
}

void
nc_announce_poll(struct nc_app *a)
{
	static struct nc_service_view views[NC_MAX_SERVICES];
	uint64_t now = rte_rdtsc(), hz = rte_get_tsc_hz();
	uint16_t s, n;
	bool up;

	if (nc_announce_ports(a->cfg) == 0 || now - a->announce_last < hz / 1000 * ANNOUNCE_CHECK_MS)
		return;
	a->announce_last = now;
	up = ports_up(a);
	n = nc_dp_n_services(a->dp);
	for (s = 0; s < n; s++)
		nc_dp_service_view(a->dp, s, &views[s], NULL, 0);
	for (s = 0; s < n; s++) {
		bool ready = false;
		const char *why;
		uint16_t t;

		if (vip_owner(a->dp, s, views) != s) {
			a->announced[s] = 0;   /* another service of the VIP speaks for it */
			continue;
		}
		for (t = s; t < n; t++)
			if (views[t].state != NC_SVC_REMOVED && same_vip(&views[t], &views[s]) && views[t].n_up > 0)
				ready = true;
		why = a->stopping ? "stopping" : a->draining ? "draining" : !up ? "a port is down" :
		      a->resyncing ? "resyncing flows" : !ready ? "no server up" : "ready";
		ready = ready && up && !a->stopping && !a->resyncing &&
			!(a->draining && now >= a->withdraw_at);
		if (ready != (a->announced[s] != 0)) {
			vip_set(a, &views[s], ready, why);
			a->announced[s] = ready;
		}
	}
}

void
nc_announce_withdraw_all(struct nc_app *a)
{
	static struct nc_service_view views[NC_MAX_SERVICES];
	uint16_t s;

	for (s = 0; s < nc_dp_n_services(a->dp); s++) {
		if (!a->announced[s])
			continue;
		nc_dp_service_view(a->dp, s, &views[s], NULL, 0);
		vip_set(a, &views[s], false, a->stopping ? "stopping" : "draining");
		a->announced[s] = 0;
	}
}
