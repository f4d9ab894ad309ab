/* SPDX-License-Identifier: BSD-3-Clause
 * Port and mbuf pool set-up.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "app.h"
#include "nc_net.h"

#define MBUF_CACHE 256
#define RETA_MAX   4096   /* redirection table entries set, at most */

static unsigned int
pool_size(const struct nc_config *cfg)
{
	unsigned int nw = cfg->workers.n_lcores, n = 0, p;

	for (p = 0; p < cfg->n_ports; p++)
		n += nw * (cfg->ports[p].rx_desc + cfg->ports[p].tx_desc);
	/* TX buffers and bursts in flight, handoff rings, per-lcore caches */
	n += nw * (cfg->n_ports * 2u * cfg->workers.burst + 2 * NC_MAX_WORKERS);
	if (nw > 1)
		n += nw * 4096;
	n += (nw + 1) * MBUF_CACHE * 2 + 4096;
	return rte_align32pow2(n) - 1;
}

/*
 * Whether port <port_id>, spreading over <nq> queues by RSS, does it as the
 * data plane predicts (nc_rss4): its redirection table is set here round
 * robin over the queues, its key and hash types read back - the default key
 * over IPv4 and IPv6 TCP and UDP addresses and ports. A port that cannot say
 * so (no table, another key size, a table not set) is not predicted: its
 * flows are owned by their key's hash and their answers may be handed over.
 */
static bool
rss_predictable(uint16_t port_id, const struct rte_eth_dev_info *info, uint16_t nq)
{
	static struct rte_eth_rss_reta_entry64 reta[RETA_MAX / RTE_ETH_RETA_GROUP_SIZE];
	const uint64_t need = RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP |
		RTE_ETH_RSS_NONFRAG_IPV6_TCP | RTE_ETH_RSS_NONFRAG_IPV6_UDP;
	uint8_t key[NC_RSS_KEY_LEN];
	struct rte_eth_rss_conf rc = { .rss_key = key, .rss_key_len = sizeof(key) };
	uint16_t i;

	if (info->reta_size == 0 || info->reta_size > RETA_MAX || info->reta_size % nq != 0 ||
	    info->hash_key_size != NC_RSS_KEY_LEN)
		return false;
	memset(reta, 0, sizeof(reta));
	for (i = 0; i < info->reta_size; i++) {
		reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ULL << (i % RTE_ETH_RETA_GROUP_SIZE);
		reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] = i % nq;
	}
	if (rte_eth_dev_rss_reta_update(port_id, reta, info->reta_size) != 0 ||
	    rte_eth_dev_rss_hash_conf_get(port_id, &rc) != 0)
		return false;
	return rc.rss_key_len == NC_RSS_KEY_LEN &&
	       memcmp(key, nc_rss_key_default, NC_RSS_KEY_LEN) == 0 && (rc.rss_hf & need) == need;
}

static int
port_init(struct nc_app *a, uint16_t pidx)
{
	const struct nc_cfg_port *cp = &a->cfg->ports[pidx];
	uint16_t nq = a->cfg->workers.n_lcores;
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t port_id, rxd = cp->rx_desc, txd = cp->tx_desc, q;
	int r, soft_mac = 0;

	if (rte_eth_dev_get_port_by_name(cp->device, &port_id) != 0) {
		NC_LOG(ERR, APP, "ports[%u] %s: device %s not found (is it in eal.vdevs or eal.allow?)",
		       pidx, cp->name, cp->device);
		return -ENODEV;
	}
	r = rte_eth_dev_info_get(port_id, &info);
	if (r != 0)
		return r;
	if (info.max_rx_queues < nq || info.max_tx_queues < nq) {
		NC_LOG(ERR, APP, "ports[%u] %s: %u workers need %u RX and TX queues, device has %u/%u",
		       pidx, cp->name, nq, nq, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	if (nq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			info.flow_type_rss_offloads;
		if (conf.rx_adv_conf.rss_conf.rss_hf == 0)
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
		/* the key the data plane predicts the queues with */
		if (info.hash_key_size == NC_RSS_KEY_LEN) {
			conf.rx_adv_conf.rss_conf.rss_key = (uint8_t *)(uintptr_t)nc_rss_key_default;
			conf.rx_adv_conf.rss_conf.rss_key_len = NC_RSS_KEY_LEN;
		}
	}
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	r = rte_eth_dev_configure(port_id, nq, nq, &conf);
	if (r != 0) {
		NC_LOG(ERR, APP, "ports[%u] %s: configure: %s", pidx, cp->name, rte_strerror(-r));
		return r;
	}
	r = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &rxd, &txd);
	if (r != 0)
		return r;
	for (q = 0; q < nq; q++) {
		r = rte_eth_rx_queue_setup(port_id, q, rxd, rte_eth_dev_socket_id(port_id), NULL, a->pool);
		if (r == 0)
			r = rte_eth_tx_queue_setup(port_id, q, txd, rte_eth_dev_socket_id(port_id), NULL);
		if (r != 0) {
			NC_LOG(ERR, APP, "ports[%u] %s: queue %u: %s", pidx, cp->name, q, rte_strerror(-r));
			return r;
		}
	}
	if (cp->has_mac) {
		struct rte_ether_addr mac;

		memcpy(mac.addr_bytes, cp->mac, RTE_ETHER_ADDR_LEN);
		r = rte_eth_dev_default_mac_addr_set(port_id, &mac);
		if (r != 0 && r != -ENOTSUP) {
			NC_LOG(ERR, APP, "ports[%u] %s: cannot set mac: %s", pidx, cp->name, rte_strerror(-r));
			return r;
		}
		/* A device that cannot change its MAC (net_pcap) still gets frames
		 * for the configured one: the port is promiscuous and the fast path
		 * filters on the MAC the appliance uses. */
		soft_mac = r == -ENOTSUP;
	}
	r = rte_eth_dev_start(port_id);
	if (r != 0) {
		NC_LOG(ERR, APP, "ports[%u] %s: start: %s", pidx, cp->name, rte_strerror(-r));
		return r;
	}
	a->port_started[pidx] = 1;
	/* frames for our MAC only reach us reliably in promiscuous mode on
	 * virtual devices; the fast path filters by destination MAC itself */
	rte_eth_promiscuous_enable(port_id);
	if (soft_mac)
		memcpy(a->port[pidx].mac.addr_bytes, cp->mac, RTE_ETHER_ADDR_LEN);
	else
		rte_eth_macaddr_get(port_id, &a->port[pidx].mac);
	a->port[pidx].port_id = port_id;
	a->port[pidx].tx_one_seg = !(info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	a->port[pidx].rss_default_key = conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS &&
		rss_predictable(port_id, &info, nq);
	{
		char mac[RTE_ETHER_ADDR_FMT_SIZE], addrs[256] = "";
		uint16_t i;

		rte_ether_format_addr(mac, sizeof(mac), &a->port[pidx].mac);
		for (i = 0; i < cp->n_ipv4; i++) {
			size_t l = strlen(addrs);
			uint32_t ip = cp->ipv4[i].addr;

			snprintf(addrs + l, sizeof(addrs) - l, " %u.%u.%u.%u/%u", ip >> 24, (ip >> 16) & 0xff,
				 (ip >> 8) & 0xff, ip & 0xff, cp->ipv4[i].len);
		}
		printf("port %s (%s): mac %s, %u rx/tx queues%s, %u/%u descriptors, ipv4%s\n",
		       cp->name, cp->device, mac, nq,
		       a->port[pidx].rss_default_key ? " (RSS predicted)" : "", rxd, txd, addrs);
	}
	return 0;
}

int
nc_ports_init(struct nc_app *a)
{
	unsigned int n = pool_size(a->cfg);
	uint16_t p;
	int r;

	a->pool = rte_pktmbuf_pool_create("nc_pool", n, MBUF_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  a->socket);
	a->ctl_pool = rte_pktmbuf_pool_create("nc_ctl_pool", 1023, 32, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					      a->socket);
	if (a->pool == NULL || a->ctl_pool == NULL) {
		NC_LOG(ERR, APP, "mbuf pool of %u: %s (raise eal.memory_mb)", n, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (p = 0; p < a->cfg->n_ports; p++) {
		r = port_init(a, p);
		if (r != 0)
			return r;
	}
	return 0;
}

void
nc_ports_fini(struct nc_app *a)
{
	uint16_t p;

	for (p = 0; p < a->cfg->n_ports; p++) {
		if (!a->port_started[p])
			continue;
		rte_eth_dev_stop(a->port[p].port_id);
		rte_eth_dev_close(a->port[p].port_id);
		a->port_started[p] = 0;
	}
}

void
nc_ports_print_final(const struct nc_app *a, const struct nc_dp_stats *st)
{
	uint16_t p;

	for (p = 0; p < a->cfg->n_ports; p++) {
		struct rte_eth_stats es = { 0 };

		if (a->port_started[p])
			rte_eth_stats_get(a->port[p].port_id, &es);
		printf("final port %s: rx %" PRIu64 " tx %" PRIu64 " rx_missed %" PRIu64
		       " rx_errors %" PRIu64 " tx_errors %" PRIu64 "\n", a->cfg->ports[p].name,
		       st->rx[p], st->tx[p], es.imissed, es.ierrors, es.oerrors);
	}
}
