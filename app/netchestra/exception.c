/* SPDX-License-Identifier: BSD-3-Clause
 * The exception path's kernel interfaces: per port with a host address (host,
 * host6 or both) and "exception" on, a TAP device (DPDK net_tap) named by the
 * startup file, with the port's MAC and the host addresses, attached to the
 * data plane. A routing
 * daemon, sshd or the cluster channel use it as an ordinary interface; its
 * traffic crosses the data plane, so it dies with the appliance.
 */
#include <errno.h>
#include <stdio.h>
#include <arpa/inet.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_ethdev.h>
#include <rte_errno.h>

#include "app.h"
#include "nc_hostif.h"

#define EXC_DESC     256
#define EXC_POOL     2047

static void
tap_name(uint16_t pidx, char *buf, size_t len)
{
	snprintf(buf, len, "net_tap_exc%u", pidx);
}

/* "<host>/<len>", "<host6>/<len>" or both, comma-separated, into <buf>. */
static void
host_str(const struct nc_cfg_port *cp, char *buf, size_t len)
{
	char ip[NC_IP4_STRLEN], ip6[INET6_ADDRSTRLEN];
	int n = 0;

	buf[0] = '\0';
	if (cp->has_host)
		n = snprintf(buf, len, "%s/%u", nc_ip4_str(rte_cpu_to_be_32(cp->host.addr), ip, sizeof(ip)),
			     cp->host.len);
	if (cp->has_host6 && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%s%s/%u", n > 0 ? ", " : "",
			 inet_ntop(AF_INET6, cp->host6.addr, ip6, sizeof(ip6)), cp->host6.len);
}

/* Create, start and address port <pidx>'s kernel interface. */
static int
exc_port_init(struct nc_app *a, uint16_t pidx)
{
	const struct nc_cfg_port *cp = &a->cfg->ports[pidx];
	struct rte_eth_conf conf = { 0 };
	char name[32], args[96], mac[RTE_ETHER_ADDR_FMT_SIZE], hs[NC_IP4_STRLEN + INET6_ADDRSTRLEN + 16];
	uint16_t tp;
	int r;

	tap_name(pidx, name, sizeof(name));
	rte_ether_format_addr(mac, sizeof(mac), &a->port[pidx].mac);
	snprintf(args, sizeof(args), "iface=%s,mac=%s", cp->exc_ifname, mac);
	r = rte_vdev_init(name, args);
	if (r != 0) {
		NC_LOG(ERR, APP, "ports[%u] %s: exception interface %s: %s", pidx, cp->name, cp->exc_ifname,
		       rte_strerror(-r));
		return r;
	}
	a->exc_created[pidx] = 1;
	r = rte_eth_dev_get_port_by_name(name, &tp);
	if (r == 0)
		r = rte_eth_dev_configure(tp, 1, 1, &conf);
	if (r == 0)
		r = rte_eth_rx_queue_setup(tp, 0, EXC_DESC, (unsigned int)a->socket, NULL, a->exc_pool);
	if (r == 0)
		r = rte_eth_tx_queue_setup(tp, 0, EXC_DESC, (unsigned int)a->socket, NULL);
	if (r == 0)
		r = rte_eth_dev_start(tp);
	if (r != 0) {
		NC_LOG(ERR, APP, "ports[%u] %s: exception interface %s: %s", pidx, cp->name, cp->exc_ifname,
		       rte_strerror(-r));
		return r;
	}
	a->exc_port[pidx] = tp;
	/* the kernel must not chatter IPv6 (router solicitations, DAD) out of the
	 * port; one with a host6, or facing routers that will carry IPv6 VIPs,
	 * keeps IPv6, quiet (no link-local address: its own solicitations come
	 * from host6) */
	if (cp->has_host6 ||
	    ((nc_announce_ports(a->cfg) & (1u << pidx)) && nc_announce_any6(a->cfg))) {
		r = nc_hostif_ipv6_quiet(cp->exc_ifname);
		if (r != 0) {
			NC_LOG(ERR, APP, "ports[%u] %s: %s: IPv6 for the IPv6 VIPs: %s", pidx, cp->name,
			       cp->exc_ifname, strerror(-r));
			return r;
		}
	} else {
		nc_hostif_ipv6_off(cp->exc_ifname);
	}
	r = cp->has_host ? nc_hostif_addr(cp->exc_ifname, cp->host.addr, cp->host.len, true) : 0;
	if (r == 0 && cp->has_host6)
		r = nc_hostif_addr6(cp->exc_ifname, cp->host6.addr, cp->host6.len, true);
	if (r == 0)
		r = nc_hostif_up(cp->exc_ifname);
	host_str(cp, hs, sizeof(hs));
	if (r != 0) {
		NC_LOG(ERR, APP, "ports[%u] %s: %s: cannot set %s up: %s", pidx, cp->name, cp->exc_ifname,
		       hs, strerror(-r));
		return r;
	}
	nc_dp_exc_attach(a->dp, pidx, tp);
	printf("port %s: exception interface %s, host %s\n", cp->name, cp->exc_ifname, hs);
	return 0;
}

int
nc_exception_init(struct nc_app *a)
{
	uint16_t p;
	int r, any = 0;

	for (p = 0; p < a->cfg->n_ports; p++) {
		a->exc_port[p] = NC_DP_NO_EXC;
		any |= a->cfg->ports[p].exception;
	}
	if (!any)
		return 0;
	a->exc_pool = rte_pktmbuf_pool_create("nc_exc_pool", EXC_POOL, 32, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					      a->socket);
	if (a->exc_pool == NULL) {
		NC_LOG(ERR, APP, "exception interfaces: mbuf pool: %s", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (p = 0; p < a->cfg->n_ports; p++) {
		if (!a->cfg->ports[p].exception)
			continue;
		r = exc_port_init(a, p);
		if (r != 0)
			return r;
	}
	return 0;
}

void
nc_exception_fini(struct nc_app *a)
{
	char name[32];
	uint16_t p;

	for (p = 0; p < a->cfg->n_ports; p++) {
		if (a->exc_port[p] != NC_DP_NO_EXC) {
			if (a->dp != NULL)
				nc_dp_exc_attach(a->dp, p, NC_DP_NO_EXC);
			rte_eth_dev_stop(a->exc_port[p]);
			rte_eth_dev_close(a->exc_port[p]);
			a->exc_port[p] = NC_DP_NO_EXC;
		}
		if (a->exc_created[p]) {
			tap_name(p, name, sizeof(name));
			rte_vdev_uninit(name);
			a->exc_created[p] = 0;
		}
	}
	rte_mempool_free(a->exc_pool);
	a->exc_pool = NULL;
}
