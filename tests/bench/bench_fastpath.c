/* SPDX-License-Identifier: BSD-3-Clause
 * bench-fastpath: the worker fast path measured in-process, with the harness
 * standing in for the NIC (nc_worker_rx() in, nc_worker_tx_take() out).
 *
 *   bench-fastpath [--flows N] [--passes P] [--max-flows M] [--huge | --no-huge]
 *                  [--mem MB] [--expire] [--seed S] [--sync] [--mem-needed]
 *                  [--client-address none|proxy-v1|proxy-v2|toa] [--family 4|6|64]
 *                  [--syn-proxy] [--workers 1|2]
 *
 * 1. New-flow set-up: N client SYNs from distinct (ip, port) pairs to the VIP,
 *    in bursts of 32, into an empty table; then one ACK per flow, so that every
 *    flow is established for step 3.
 * 2. Memory per flow: growth of the rte_malloc heap across nc_dp_create(),
 *    which preallocates the flow tables and local-port structures at max_flows,
 *    divided by max_flows.
 *    Also measured with a 1024-flow table: the part that does not grow.
 * 3. Established-flow forwarding: one prebuilt packet per flow, the flows in
 *    random order (so that lookups miss the cache as on a loaded box), half of
 *    them client -> VIP and half server -> local IP. The mbufs are visited in
 *    memory order, as a NIC's ring hands them out. Each pass feeds every
 *    packet through the worker in bursts of 32 (nc_worker_tick() per burst, as
 *    the worker loop) and "reflects" what comes out (swap MACs, IPs and ports,
 *    TTL back to 64, as the far end would answer), so that the next pass feeds
 *    it again as the other leg's packet. The dispatcher's cycles include the
 *    reflect step, which is also timed alone. Baseline: the same mbufs and
 *    burst loop, swapping the Ethernet addresses only.
 *
 * 4. New flows after churn (one worker, without --sync, --client-address and
 *    --syn-proxy): a random half of the flows reset by their clients and freed
 *    by the expiry scan (closing flows linger 1 s), then as many new clients'
 *    SYNs, timed: new flows/s into the slots and local ports closed flows
 *    left, in the order an appliance that has run a while hands them out.
 *
 * Step 1 also feeds each server's SYN-ACK (timed) between the SYNs and the ACKs.
 * With --sync, flow sync is on (nc_dp_sync_start(), as in a cluster): each
 * SYN-ACK reports its flow to the control lcore's ring and is held with the
 * record, which the harness takes after each burst as the control lcore would
 * (its share timed apart and printed; the frame checked to be the SYN-ACK);
 * the established flows' packets report nothing.
 * Also printed: the bytes a replica takes on a peer (the rte_hash of its
 * 16-byte key and the 96-byte entry of app/netchestra/sync.c).
 *
 * With --client-address MODE the service has that client_address. For the
 * PROXY modes step 1 also feeds each flow's server SYN-ACK (timed: the header
 * segment the appliance sends per new connection, taken out and counted), so
 * that step 3's established flows pay the sequence shift both ways.
 *
 * With --syn-proxy the service has syn_proxy "on": step 1 is the SYN proxy's
 * handshake. Each SYN is answered by the worker with a cookie SYN-ACK (timed:
 * SYN cookies answered per second), no flow made; each client's ACK of its
 * cookie opens the flow and sends its server a SYN (timed); each server's
 * SYN-ACK is acknowledged by the appliance. Step 3's established flows then
 * pay the sequence translation both ways.
 *
 * With --family 6 the service is IPv6 (VIP, local addresses and servers), with
 * --family 64 an IPv6 VIP over the same IPv4 servers (NAT64): the clients send
 * IPv6 and the servers answer in their own family, so that a NAT64 packet
 * changes family on each leg. Step 2 then also prints the IPv6 share: the heap
 * beyond an IPv4 data plane of the same size (flow entry, address entry and
 * the IPv6 hash, per flow).
 *
 * With --workers 2 the data plane has two workers, each polled on its own
 * lcore (the harness's main lcore and a second one), and each packet goes to
 * the worker a NIC's RSS would give it (rte_softrss of its addresses and
 * ports with the common 40-byte Toeplitz key, the low bit picking the queue,
 * the hash left in the mbuf): a packet whose flow another worker owns is
 * handed over through that worker's ring, as in the appliance. The data
 * plane is told the port's RSS, as the appliance's own ports tell it: a flow
 * is owned by the worker of its client's queue and its local port chosen so
 * that its server's answers reach that queue too, so nothing should cross;
 * --no-steer leaves it untold (flows owned by their key's hash, any local
 * port: half the packets cross). A pass is timed from both workers'
 * start to the end of the later one; cycles per packet are per core (the
 * pass's cycles times two over its packets), and the handoffs' share of the
 * packets is printed. The harness keeps at most LANE_BACKLOG packets between
 * receive and transmit over both (a lane waits rather than overrun its
 * peer's handoff ring while that lcore is descheduled). Step 1's set-up runs both workers in turn on the main
 * lcore (its new flows/s is one core's, handoffs included). IPv4 only,
 * without --sync, --client-address and --syn-proxy.
 *
 * Every forwarded packet of the first and of one last pass is checked
 * (addresses after full NAT, TTL, both checksums); a lost or wrong packet makes
 * the exit status 1. The last line printed is
 *     cycles/packet: dispatcher D baseline B ratio R
 * Exit status: 0, 1 on a lost or wrong packet, 2 on bad usage or set-up failure.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>
#include <rte_launch.h>
#include <rte_thash.h>

#include "nc_common.h"
#include "nc_config.h"
#include "nc_dp.h"
#include "nc_flow.h"
#include "nc_net.h"

#define BURST          32
#define OUT_MAX        1024       /* >= 2 x burst, as nc_worker_tx_take() asks */
#define DATA_ROOM      256        /* mbuf data room, headroom included */
#define TTL_FRESH      64
#define PAYLOAD        6          /* data packets: 14 + 20 + 20 + 6 = 60-byte frames */
#define HDRS_LEN       (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + \
			sizeof(struct rte_tcp_hdr))
#define DATA_LEN       (HDRS_LEN + PAYLOAD)
#define HDRS6_LEN      (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr) + \
			sizeof(struct rte_tcp_hdr))
#define DATA6_LEN      (HDRS6_LEN + PAYLOAD)
#define LPORTS_PER_LIP (NC_LPORT_MAX - NC_LPORT_MIN + 1)
#define CLIENT_PORTS   1024       /* client ports per client address */
#define CLIENT_PORT0   10000
#define SVC_PORT       80
#define SERVER_PORT    80
#define N_SERVERS      2
#define LONG_TIMEOUT_S 864000     /* no idle flow expires during a run */
#define EXPIRE_BUDGET  16         /* what nc_worker_main() checks per busy loop */
#define MAX_REPORTED   8          /* wrong packets described in full */
#define SMALL_FLOWS    1024       /* max_flows of the data plane measured for fixed memory */

/* Test network (host order): port 0 is 10.0.0.2/24 (VIP and gateway side) and
 * 10.1.0.1/24 (servers and local IPs); clients are beyond the gateway. */
#define PORT_IP_FRONT  RTE_IPV4(10, 0, 0, 2)
#define PORT_IP_BACK   RTE_IPV4(10, 1, 0, 1)
#define VIP            RTE_IPV4(10, 0, 0, 1)
#define GATEWAY        RTE_IPV4(10, 0, 0, 254)
#define SERVER0        RTE_IPV4(10, 1, 0, 11)
#define LIP0           RTE_IPV4(10, 1, 0, 100)
#define CLIENT0        RTE_IPV4(11, 0, 0, 1)

/* IPv6 (--family 6 and 64): the port is fd00::2/64 and fd01::1/64; VIP fd00::1,
 * gateway fd00::fe, servers fd01::b.., local IPs fd01::100..; clients
 * 2001:db8::<n> beyond the gateway. An address is a /96 and a low word. */
static const uint8_t net6_front[16] = { 0xfd, 0x00 };
static const uint8_t net6_back[16] = { 0xfd, 0x01 };
static const uint8_t net6_client[16] = { 0x20, 0x01, 0x0d, 0xb8 };
#define PORT6_FRONT    2
#define PORT6_BACK     1
#define VIP6           1
#define GATEWAY6       0xfe
#define SERVER6        0xb
#define LIP6           0x100
#define CLIENT6        1

static const struct rte_ether_addr port_mac = {{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }};
static const struct rte_ether_addr gw_mac = {{ 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe }};
static const struct rte_ether_addr srv_mac[N_SERVERS] = {
	{{ 0x02, 0x00, 0x00, 0x00, 0x01, 0x0b }},
	{{ 0x02, 0x00, 0x00, 0x00, 0x01, 0x0c }},
};

struct opts {
	uint32_t flows;
	uint32_t max_flows;    /* 0: flows + 1024 */
	uint32_t passes;
	uint32_t mem_mb;       /* 0: mem_needed_mb() */
	uint64_t seed;
	int huge;              /* -1: hugepages when enough are free, 0: no, 1: yes */
	int expire;            /* also run nc_worker_expire() per burst, as the worker loop */
	int mem_needed;        /* print the EAL memory a run needs and exit */
	int sync;              /* flow sync on */
	int ca;                /* --client-address: enum nc_client_addr */
	int family;            /* 4, 6 or 64 (NAT64) */
	int synp;              /* --syn-proxy: syn_proxy "on" */
	uint32_t workers;      /* --workers: 1 or 2 */
	int no_steer;          /* --no-steer: the data plane not told the port's RSS */
};

/* What step 1 learned about a flow: its local address and server (network order). */
struct flow_info {
	uint32_t lip;
	uint32_t srv_ip;
	uint16_t lport;
	uint16_t srv_port;
};

/* ... and with --family 6, its IPv6 local address and server */
struct flow_info6 {
	uint8_t lip[16];
	uint8_t srv[16];
};

/* The packets in flight: slot k holds the packet of flow slot_flow[k]. */
struct bench {
	struct nc_dp *dp;
	struct nc_worker *w;
	struct rte_mbuf **pkts;
	uint32_t *slot_flow;
	struct flow_info *fi;
	struct flow_info6 *fi6;  /* --family 6 */
	uint32_t n;              /* packets (slots) still in flight */
	uint32_t n_flows;
	uint16_t n_lips;
	uint64_t lost;
	uint64_t bad;
	uint64_t reflect_cyc;    /* checked passes: cycles of the reflect step */
	uint64_t reflect_pkts;
	int sync;                /* --sync */
	uint64_t sync_records;   /* --sync: records the workers reported */
	uint64_t sync_cyc;       /* ... and the cycles the harness spent draining them */
	int ca;                  /* --client-address */
	int family;              /* --family */
	int synp;                /* --syn-proxy */
	uint32_t workers;        /* --workers */
	struct nc_worker *w1;    /* --workers 2: the second worker */
};

#define REPLICA_ENTRY 96   /* app/netchestra/sync.c: struct rep (asserted there) */

static struct nc_config cfg;      /* large: kept off the stack */
static struct nc_dp_stats stats;

static inline uint32_t
client_ip(uint32_t f)
{
	return rte_cpu_to_be_32(CLIENT0 + f / CLIENT_PORTS);
}

static inline uint16_t
client_port(uint32_t f)
{
	return rte_cpu_to_be_16((uint16_t)(CLIENT_PORT0 + f % CLIENT_PORTS));
}

/* <net>'s /96 with <low> as the last 32 bits */
static inline void
ip6_make(uint8_t *a, const uint8_t *net, uint32_t low)
{
	uint32_t be = rte_cpu_to_be_32(low);

	memcpy(a, net, 12);
	memcpy(a + 12, &be, 4);
}

/* The low 32 bits of IPv6 address <a> if it is in <net>'s /96, else UINT32_MAX. */
static inline uint32_t
ip6_low(const uint8_t *a, const uint8_t *net)
{
	uint32_t be;

	if (memcmp(a, net, 12) != 0)
		return UINT32_MAX;
	memcpy(&be, a + 12, 4);
	return rte_be_to_cpu_32(be);
}

static uint16_t
lips_for(uint32_t flows)
{
	return (uint16_t)((flows + LPORTS_PER_LIP - 1) / LPORTS_PER_LIP);
}

/* EAL memory for a run, in MB: mbufs (448 B each with their pool header, plus
 * the pool's ring), the data plane's tables at max_flows (an IPv6 service
 * adds the IPv6 slots), and room for EAL. */
static uint32_t
mem_needed_mb(uint32_t flows, uint32_t max_flows, int family)
{
	uint64_t per_flow = family == 4 ? 320 : 640;

	/* and room for --sync's replica table (about 100 bytes per flow) */
	return (uint32_t)(256 + (((uint64_t)flows * 580 + (uint64_t)max_flows * per_flow) >> 20));
}

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: bench-fastpath [--flows N] [--passes P] [--max-flows M] [--huge | --no-huge]\n"
		"                      [--mem MB] [--expire] [--seed S] [--sync] [--mem-needed]\n"
		"  --flows N      flows to open and forward (default 1048576)\n"
		"  --passes P     timed passes over all flows, after one warm-up (default 5)\n"
		"  --max-flows M  limits.max_flows (default flows + 1024)\n"
		"  --huge         use hugepages (default: when enough are free and mounted)\n"
		"  --no-huge      use ordinary memory (4 KB pages)\n"
		"  --mem MB       EAL memory (default: what --mem-needed prints)\n"
		"  --expire       also call nc_worker_expire(w, %d) per burst, as the worker loop\n"
		"  --seed S       seed of the flow order (default 1)\n"
		"  --sync         flow sync on, as in a cluster: its cost per new flow and per\n"
		"                 established packet, and the bytes of a replica\n"
		"  --mem-needed   print the EAL memory in MB this run needs, and exit\n"
		"  --client-address none|proxy-v1|proxy-v2|toa\n"
		"                 the service's client_address: PROXY headers sent at the\n"
		"                 servers' SYN-ACKs (fed in step 1), the shift on every packet\n"
		"  --family 4|6|64\n"
		"                 the service over IPv4 (default), IPv6, or an IPv6 VIP over\n"
		"                 IPv4 servers (NAT64)\n"
		"  --syn-proxy    the service has syn_proxy \"on\": SYN cookies answered per\n"
		"                 second, and the translation on every established packet\n"
		"  --workers N    1 (default) or 2 workers, each on its own lcore, packets\n"
		"                 spread as RSS would, handoffs counted (IPv4, plain)\n"
		"  --no-steer     with --workers 2: the data plane is not told the port's\n"
		"                 RSS (flows owned by their key's hash, local ports not\n"
		"                 steered), as on ports whose RSS is unknown\n",
		EXPIRE_BUDGET);
}

static int
parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "flows", required_argument, NULL, 'f' },
		{ "passes", required_argument, NULL, 'p' },
		{ "max-flows", required_argument, NULL, 'M' },
		{ "huge", no_argument, NULL, 'H' },
		{ "no-huge", no_argument, NULL, 'N' },
		{ "mem", required_argument, NULL, 'm' },
		{ "expire", no_argument, NULL, 'e' },
		{ "seed", required_argument, NULL, 's' },
		{ "mem-needed", no_argument, NULL, 'q' },
		{ "sync", no_argument, NULL, 'S' },
		{ "client-address", required_argument, NULL, 'C' },
		{ "family", required_argument, NULL, 'F' },
		{ "syn-proxy", no_argument, NULL, 'Y' },
		{ "workers", required_argument, NULL, 'W' },
		{ "no-steer", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t max_lport_flows = (uint32_t)NC_MAX_LOCAL_IPS * LPORTS_PER_LIP;
	uint32_t v;
	int c;

	*o = (struct opts){ .flows = 1048576, .passes = 5, .seed = 1, .huge = -1, .family = 4,
			    .workers = 1 };
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (parse_u32(optarg, 1, max_lport_flows, &o->flows) < 0) {
				fprintf(stderr, "--flows: 1..%u (local ports of %d local IPs)\n",
					max_lport_flows, NC_MAX_LOCAL_IPS);
				return -EINVAL;
			}
			break;
		case 'p':
			if (parse_u32(optarg, 1, 1000, &o->passes) < 0) {
				fprintf(stderr, "--passes: 1..1000\n");
				return -EINVAL;
			}
			break;
		case 'M':
			if (parse_u32(optarg, SMALL_FLOWS, UINT32_MAX / 2, &o->max_flows) < 0) {
				fprintf(stderr, "--max-flows: %d or more\n", SMALL_FLOWS);
				return -EINVAL;
			}
			break;
		case 'H':
			o->huge = 1;
			break;
		case 'N':
			o->huge = 0;
			break;
		case 'm':
			if (parse_u32(optarg, 64, 1u << 20, &o->mem_mb) < 0) {
				fprintf(stderr, "--mem: 64..1048576 (MB)\n");
				return -EINVAL;
			}
			break;
		case 'e':
			o->expire = 1;
			break;
		case 's':
			if (parse_u32(optarg, 0, UINT32_MAX, &v) < 0) {
				fprintf(stderr, "--seed: a 32-bit number\n");
				return -EINVAL;
			}
			o->seed = v;
			break;
		case 'q':
			o->mem_needed = 1;
			break;
		case 'S':
			o->sync = 1;
			break;
		case 'C':
			for (v = 0; v <= NC_CA_TOA && strcmp(optarg, nc_client_addr_name((enum nc_client_addr)v)) != 0; v++)
				;
			if (v > NC_CA_TOA) {
				fprintf(stderr, "--client-address: none, proxy-v1, proxy-v2 or toa\n");
				return -EINVAL;
			}
			o->ca = (int)v;
			break;
		case 'F':
			if (parse_u32(optarg, 4, 64, &v) < 0 || (v != 4 && v != 6 && v != 64)) {
				fprintf(stderr, "--family: 4, 6 or 64\n");
				return -EINVAL;
			}
			o->family = (int)v;
			break;
		case 'Y':
			o->synp = 1;
			break;
		case 'W':
			if (parse_u32(optarg, 1, 2, &o->workers) < 0) {
				fprintf(stderr, "--workers: 1 or 2\n");
				return -EINVAL;
			}
			break;
		case 'R':
			o->no_steer = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -EINVAL;
	}
	if (o->family != 4 && (o->sync || o->ca != NC_CA_NONE || o->synp)) {
		fprintf(stderr, "--sync, --client-address and --syn-proxy: with --family 4 only\n");
		return -EINVAL;
	}
	if (o->synp && (o->sync || o->ca != NC_CA_NONE)) {
		fprintf(stderr, "--syn-proxy: without --sync and --client-address\n");
		return -EINVAL;
	}
	if (o->sync && (o->ca == NC_CA_PROXY_V1 || o->ca == NC_CA_PROXY_V2)) {
		fprintf(stderr, "--sync: without --client-address proxy-v1 or proxy-v2\n");
		return -EINVAL;
	}
	if (o->no_steer && o->workers != 2) {
		fprintf(stderr, "--no-steer: only with --workers 2\n");
		return -EINVAL;
	}
	if (o->workers == 2 && (o->family != 4 || o->sync || o->ca != NC_CA_NONE || o->synp)) {
		fprintf(stderr, "--workers 2: IPv4, without --sync, --client-address and --syn-proxy\n");
		return -EINVAL;
	}
	/* two workers: each table takes half, and RSS does not split evenly */
	if (o->max_flows == 0)
		o->max_flows = o->flows + (o->workers == 2 ? 16384 : 1024);
	if (o->max_flows < o->flows) {
		fprintf(stderr, "--max-flows %u is below --flows %u\n", o->max_flows, o->flows);
		return -EINVAL;
	}
	if (o->mem_mb == 0)
		o->mem_mb = mem_needed_mb(o->flows, o->max_flows, o->family);
	return 0;
}

/* --family 6 and 64: the port's IPv6 addresses, neighbors and default route,
 * and service <s> made IPv6 (its servers too with --family 6). */
static void
cfg_v6(struct nc_config *c, struct nc_cfg_service *s, int family, uint16_t n_lips)
{
	struct nc_cfg_port *p = &c->ports[0];
	struct nc_cfg_neighbor *nb;
	uint16_t i;

	ip6_make(p->ipv6[0].addr, net6_front, PORT6_FRONT);
	p->ipv6[0].len = 64;
	ip6_make(p->ipv6[1].addr, net6_back, PORT6_BACK);
	p->ipv6[1].len = 64;
	p->n_ipv6 = 2;
	nb = &c->neighbors[c->n_neighbors++];
	nb->family = AF_INET6;
	ip6_make(nb->ipv6, net6_front, GATEWAY6);
	memcpy(nb->mac, gw_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	c->routes[c->n_routes].family = AF_INET6;   /* ::/0 */
	ip6_make(c->routes[c->n_routes].via6, net6_front, GATEWAY6);
	c->n_routes++;
	s->family = AF_INET6;
	ip6_make(s->vip6, net6_front, VIP6);
	if (family == 64) {
		s->server_family = AF_INET;   /* IPv4 local IPs and servers as built */
		for (i = 0; i < N_SERVERS; i++)
			s->servers[i].family = AF_INET;
		return;
	}
	for (i = 0; i < N_SERVERS; i++) {
		nb = &c->neighbors[c->n_neighbors++];
		nb->family = AF_INET6;
		ip6_make(nb->ipv6, net6_back, SERVER6 + i);
		memcpy(nb->mac, srv_mac[i].addr_bytes, RTE_ETHER_ADDR_LEN);
		s->servers[i].family = AF_INET6;
		s->servers[i].address = 0;
		ip6_make(s->servers[i].address6, net6_back, SERVER6 + i);
	}
	for (i = 0; i < n_lips; i++)
		ip6_make(s->local_ips6[i], net6_back, LIP6 + i);
	s->n_local_ips6 = n_lips;
	s->n_local_ips = 0;
	s->server_family = AF_INET6;
}

/* One port, one TCP service VIP:80 over two servers at 50/50, a default route
 * via the gateway, enough local IPs for <flows> flows, timeouts that never
 * fire during a run; over IPv6 or NAT64 as <o>->family asks. */
static void
cfg_build(struct nc_config *c, const struct opts *o, uint16_t n_lips)
{
	struct nc_cfg_port *p = &c->ports[0];
	struct nc_cfg_service *s = &c->services[0];
	uint16_t i;

	memset(c, 0, sizeof(*c));
	c->workers.n_lcores = (uint16_t)o->workers;
	c->workers.lcores[0] = 1;
	c->workers.lcores[1] = 2;
	c->workers.burst = BURST;
	c->n_ports = 1;
	snprintf(p->name, sizeof(p->name), "bench0");
	snprintf(p->device, sizeof(p->device), "none");
	p->ipv4[0] = (struct nc_prefix){ .addr = PORT_IP_FRONT, .len = 24 };
	p->ipv4[1] = (struct nc_prefix){ .addr = PORT_IP_BACK, .len = 24 };
	p->n_ipv4 = 2;
	p->has_mac = true;
	memcpy(p->mac, port_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	c->neighbors[0].ipv4 = GATEWAY;
	memcpy(c->neighbors[0].mac, gw_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	for (i = 0; i < N_SERVERS; i++) {
		c->neighbors[1 + i].ipv4 = SERVER0 + i;
		memcpy(c->neighbors[1 + i].mac, srv_mac[i].addr_bytes, RTE_ETHER_ADDR_LEN);
	}
	c->n_neighbors = 1 + N_SERVERS;
	c->routes[0] = (struct nc_cfg_route){ .prefix = { .addr = 0, .len = 0 }, .via = GATEWAY };
	c->n_routes = 1;
	c->limits = (struct nc_cfg_limits){
		.max_flows = o->max_flows,
		.tcp_idle_s = LONG_TIMEOUT_S, .udp_idle_s = LONG_TIMEOUT_S,
		.tcp_fin_s = 1, .tcp_syn_s = LONG_TIMEOUT_S,   /* step 4 closes flows */
	};
	snprintf(s->name, sizeof(s->name), "bench");
	s->vip = VIP;
	s->port = SVC_PORT;
	s->proto = IPPROTO_TCP;
	for (i = 0; i < n_lips; i++)
		s->local_ips[i] = LIP0 + i;
	s->n_local_ips = n_lips;
	s->scheduler = NC_SCHED_RATIO;
	for (i = 0; i < N_SERVERS; i++) {
		snprintf(s->servers[i].name, sizeof(s->servers[i].name), "srv%u", i);
		s->servers[i].address = SERVER0 + i;
		s->servers[i].port = SERVER_PORT;
		s->servers[i].weight = 100 / N_SERVERS;
	}
	s->n_servers = N_SERVERS;
	s->client_address = (enum nc_client_addr)o->ca;
	s->syn_proxy = o->synp ? NC_SYNP_ON : NC_SYNP_OFF;
	c->n_services = 1;
	if (o->family != 4)
		cfg_v6(c, s, o->family, n_lips);
}

/* Build an Ethernet/IPv4/TCP frame to the port's MAC, TTL 64, checksums set. */
static void
pkt_build(struct rte_mbuf *m, const struct rte_ether_addr *src_mac, uint32_t sip, uint32_t dip,
	  uint16_t sport, uint16_t dport, uint8_t flags, uint16_t payload)
{
	uint16_t len = (uint16_t)(HDRS_LEN + payload);
	uint8_t *d;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	rte_pktmbuf_reset(m);
	d = (uint8_t *)rte_pktmbuf_append(m, len);   /* fits: data room checked at start */
	memset(d, 0, len);
	eth = (struct rte_ether_hdr *)d;
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	th = (struct rte_tcp_hdr *)(ip + 1);
	eth->dst_addr = port_mac;
	eth->src_addr = *src_mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - sizeof(*eth)));
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = TTL_FRESH;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = sip;
	ip->dst_addr = dip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->src_port = sport;
	th->dst_port = dport;
	th->sent_seq = RTE_BE32(1);
	th->recv_ack = (flags & RTE_TCP_ACK_FLAG) ? RTE_BE32(1) : 0;
	th->data_off = (uint8_t)(sizeof(*th) / 4) << 4;
	th->tcp_flags = flags;
	th->rx_win = RTE_BE16(65535);
	memset(th + 1, 'x', payload);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
}

/* Build an Ethernet/IPv6/TCP frame to the port's MAC, hop limit 64, checksum set. */
static void
pkt_build6(struct rte_mbuf *m, const struct rte_ether_addr *src_mac, const uint8_t *sip,
	   const uint8_t *dip, uint16_t sport, uint16_t dport, uint8_t flags, uint16_t payload)
{
	uint16_t len = (uint16_t)(HDRS6_LEN + payload);
	uint8_t *d;
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip;
	struct rte_tcp_hdr *th;

	rte_pktmbuf_reset(m);
	d = (uint8_t *)rte_pktmbuf_append(m, len);   /* fits: data room checked at start */
	memset(d, 0, len);
	eth = (struct rte_ether_hdr *)d;
	ip = (struct rte_ipv6_hdr *)(eth + 1);
	th = (struct rte_tcp_hdr *)(ip + 1);
	eth->dst_addr = port_mac;
	eth->src_addr = *src_mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(sizeof(*th) + payload));
	ip->proto = IPPROTO_TCP;
	ip->hop_limits = TTL_FRESH;
	memcpy(ip->src_addr, sip, 16);
	memcpy(ip->dst_addr, dip, 16);
	th->src_port = sport;
	th->dst_port = dport;
	th->sent_seq = RTE_BE32(1);
	th->recv_ack = (flags & RTE_TCP_ACK_FLAG) ? RTE_BE32(1) : 0;
	th->data_off = (uint8_t)(sizeof(*th) / 4) << 4;
	th->tcp_flags = flags;
	th->rx_win = RTE_BE16(65535);
	memset(th + 1, 'x', payload);
	th->cksum = rte_ipv6_udptcp_cksum(ip, th);
}

static __rte_noinline void
build_client_pkt(const struct bench *b, struct rte_mbuf *m, uint32_t f, uint8_t flags,
		 uint16_t payload)
{
	uint8_t cip[16], vip[16];

	if (b->family == 4) {
		pkt_build(m, &gw_mac, client_ip(f), rte_cpu_to_be_32(VIP), client_port(f),
			  RTE_BE16(SVC_PORT), flags, payload);
		return;
	}
	ip6_make(cip, net6_client, CLIENT6 + f / CLIENT_PORTS);
	ip6_make(vip, net6_front, VIP6);
	pkt_build6(m, &gw_mac, cip, vip, client_port(f), RTE_BE16(SVC_PORT), flags, payload);
}

/* The server's packet of flow <f>: IPv6 with --family 6, else IPv4. */
static void
build_server_pkt(const struct bench *b, struct rte_mbuf *m, uint32_t f, uint8_t flags,
		 uint16_t payload)
{
	const struct flow_info *fi = &b->fi[f];
	uint32_t s;

	if (b->family == 6) {
		const struct flow_info6 *fi6 = &b->fi6[f];

		s = ip6_low(fi6->srv, net6_back) - SERVER6;
		pkt_build6(m, &srv_mac[s], fi6->srv, fi6->lip, fi->srv_port, fi->lport, flags,
			   payload);
		return;
	}
	s = rte_be_to_cpu_32(fi->srv_ip) - SERVER0;
	pkt_build(m, &srv_mac[s], fi->srv_ip, fi->lip, fi->srv_port, fi->lport, flags, payload);
}

/*
 * Turn a forwarded packet into the far end's answer: swap MACs, IPs and ports,
 * TTL back to 64. Swapping two words is neutral to a one's-complement sum (and
 * the TCP pseudo-header holds both addresses), so only the IP checksum changes,
 * by the TTL word (RFC 1624).
 */
static __rte_always_inline void
reflect(struct rte_mbuf *m)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)d;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);   /* IHL 5: built so */
	struct rte_ether_addr a = eth->src_addr;
	uint16_t w_old, w_new, t16;
	uint8_t tp[2];   /* TTL and protocol, in memory order */
	uint32_t t32;

	eth->src_addr = eth->dst_addr;
	eth->dst_addr = a;
	t32 = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = t32;
	t16 = th->src_port;
	th->src_port = th->dst_port;
	th->dst_port = t16;
	/* the new TTL and protocol word made in registers and stored whole:
	 * read back after a byte store, it would wait for that store to reach
	 * the cache (no store forwarding), a cost charged to the dispatcher */
	memcpy(&w_old, &ip->time_to_live, sizeof(w_old));
	memcpy(tp, &w_old, sizeof(tp));
	tp[0] = TTL_FRESH;
	memcpy(&w_new, tp, sizeof(tp));
	memcpy(&ip->time_to_live, &w_new, sizeof(w_new));
	ip->hdr_checksum = nc_csum_adjust(ip->hdr_checksum, nc_csum_delta16(w_old, w_new));
}

/* reflect() for an IPv6 frame: no header checksum, and the TCP checksum's
 * pseudo-header holds both addresses, so nothing to adjust. */
static __rte_always_inline void
reflect6(struct rte_mbuf *m)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)d;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);   /* no extension headers */
	struct rte_ether_addr a = eth->src_addr;
	uint8_t t[16];
	uint16_t t16;

	eth->src_addr = eth->dst_addr;
	eth->dst_addr = a;
	memcpy(t, ip->src_addr, 16);
	memcpy(ip->src_addr, ip->dst_addr, 16);
	memcpy(ip->dst_addr, t, 16);
	t16 = th->src_port;
	th->src_port = th->dst_port;
	th->dst_port = t16;
	ip->hop_limits = TTL_FRESH;
}

/* NAT64: the client leg comes out IPv4, the server leg IPv6 */
static __rte_always_inline void
reflect_any(struct rte_mbuf *m)
{
	if (rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6))
		reflect6(m);
	else
		reflect(m);
}

static __rte_always_inline void
reflect_fam(struct rte_mbuf *m, const int family)
{
	if (family == 4)
		reflect(m);
	else if (family == 6)
		reflect6(m);
	else
		reflect_any(m);
}

static __rte_always_inline void
mac_swap(struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ether_addr a = eth->src_addr;

	eth->src_addr = eth->dst_addr;
	eth->dst_addr = a;
}

/* pkt_check() of an IPv6 frame: a reply to the client, or with --family 6
 * a request to the server. */
static const char *
pkt_check6(const struct bench *b, const struct rte_mbuf *m, uint32_t f, uint16_t payload)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)d;
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(eth + 1);
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(ip + 1);
	const struct flow_info *fi = &b->fi[f];
	uint16_t len = (uint16_t)(HDRS6_LEN + payload);
	uint8_t a[16];
	uint32_t s;

	if (b->family == 4)
		return "an IPv6 frame from an IPv4 service";
	if (rte_pktmbuf_data_len(m) != len || rte_pktmbuf_pkt_len(m) != len)
		return "frame length wrong";
	if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6 || ip->proto != IPPROTO_TCP ||
	    rte_be_to_cpu_16(ip->payload_len) != len - sizeof(*eth) - sizeof(*ip))
		return "not an IPv6/TCP frame of the right length";
	if (!rte_is_same_ether_addr(&eth->src_addr, &port_mac))
		return "source MAC is not the port's";
	if (ip->hop_limits != TTL_FRESH - 1)
		return "hop limit not decremented by exactly one";
	if (rte_ipv6_udptcp_cksum_verify(ip, th) != 0)
		return "TCP checksum wrong";
	if (ip6_low(ip->src_addr, net6_front) == VIP6) {
		if (th->src_port != RTE_BE16(SVC_PORT))
			return "reply does not come from the service port";
		ip6_make(a, net6_client, CLIENT6 + f / CLIENT_PORTS);
		if (memcmp(ip->dst_addr, a, 16) != 0 || th->dst_port != client_port(f))
			return "reply not addressed to the flow's client";
		if (!rte_is_same_ether_addr(&eth->dst_addr, &gw_mac))
			return "reply not sent to the gateway's MAC";
		return NULL;
	}
	if (b->family != 6)
		return "NAT64: an IPv6 frame towards a server";
	if (memcmp(ip->src_addr, b->fi6[f].lip, 16) != 0 || th->src_port != fi->lport)
		return "request not from the flow's local IP and port";
	if (memcmp(ip->dst_addr, b->fi6[f].srv, 16) != 0 || th->dst_port != fi->srv_port)
		return "request not to the flow's server";
	s = ip6_low(b->fi6[f].srv, net6_back) - SERVER6;
	if (s >= N_SERVERS || !rte_is_same_ether_addr(&eth->dst_addr, &srv_mac[s]))
		return "request not sent to its server's MAC";
	return NULL;
}

/*
 * Check a packet the dispatcher forwarded for flow <f> (b->fi[f]: its local
 * address and server) with <payload> bytes of data: frame length right, source
 * MAC the port's, TTL 63, both checksums right, and the addresses full NAT
 * must give:
 * client -> VIP became lip:lport -> server, to the server's MAC;
 * server -> lip:lport became VIP:80 -> client, to the gateway's MAC.
 * IPv6 frames: pkt_check6(). Returns NULL, or what is wrong.
 */
static const char *
pkt_check(const struct bench *b, const struct rte_mbuf *m, uint32_t f, uint16_t payload)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)d;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(ip + 1);
	const struct flow_info *fi = &b->fi[f];
	uint16_t len = (uint16_t)(HDRS_LEN + payload);
	uint32_t s;

	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6))
		return pkt_check6(b, m, f, payload);
	if (rte_pktmbuf_data_len(m) != len || rte_pktmbuf_pkt_len(m) != len)
		return "frame length changed";
	if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) || ip->version_ihl != RTE_IPV4_VHL_DEF ||
	    ip->next_proto_id != IPPROTO_TCP)
		return "not an IPv4/TCP frame any more";
	if (!rte_is_same_ether_addr(&eth->src_addr, &port_mac))
		return "source MAC is not the port's";
	if (ip->time_to_live != TTL_FRESH - 1)
		return "TTL not decremented by exactly one";
	if (rte_raw_cksum(ip, sizeof(*ip)) != 0xffff)
		return "IP header checksum wrong";
	if (rte_ipv4_udptcp_cksum_verify(ip, th) != 0)
		return "TCP checksum wrong";
	if (ip->src_addr == rte_cpu_to_be_32(VIP)) {
		if (b->family != 4)
			return "an IPv4 reply from an IPv6 VIP";
		if (th->src_port != RTE_BE16(SVC_PORT))
			return "reply does not come from the service port";
		if (ip->dst_addr != client_ip(f) || th->dst_port != client_port(f))
			return "reply not addressed to the flow's client";
		if (!rte_is_same_ether_addr(&eth->dst_addr, &gw_mac))
			return "reply not sent to the gateway's MAC";
		return NULL;
	}
	if (ip->src_addr != fi->lip || th->src_port != fi->lport)
		return "request not from the flow's local IP and port";
	if (ip->dst_addr != fi->srv_ip || th->dst_port != fi->srv_port)
		return "request not to the flow's server";
	s = rte_be_to_cpu_32(fi->srv_ip) - SERVER0;
	if (s >= N_SERVERS || !rte_is_same_ether_addr(&eth->dst_addr, &srv_mac[s]))
		return "request not sent to its server's MAC";
	return NULL;
}

static void
report_bad(struct bench *b, uint32_t f, const char *what)
{
	if (b->bad++ < MAX_REPORTED)
		fprintf(stderr, "wrong packet, flow %u: %s\n", f, what);
}

static void
print_drops(const struct nc_dp *dp)
{
	unsigned int r;

	nc_dp_stats_get(dp, &stats);
	for (r = 0; r < NC_DROP_MAX; r++)
		if (stats.drop[r] != 0)
			fprintf(stderr, "  dropped: %s: %" PRIu64 " (%s)\n", nc_drop_name[r],
				stats.drop[r], nc_drop_desc[r]);
}

/*
 * After a burst of <k> packets from slot <i>, the worker handed back <got> in
 * <out>, not always in the order given (NAT64 sends each family's packets
 * together). <fl>[j]
 * gets the flow of out[j]. The survivors stay in their slots' order (memory
 * order, as a NIC's ring would hand them out again), from slot <wr>.
 * Returns how many were kept.
 */
static uint16_t
keep_survivors(struct bench *b, uint32_t i, uint16_t k, struct rte_mbuf **out, uint16_t got,
	       uint32_t wr, uint32_t *fl)
{
	uint8_t sent[OUT_MAX];
	uint16_t a, j, kept = 0;

	memset(sent, 0, k);
	for (j = 0; j < got; j++) {
		for (a = 0; a < k && b->pkts[i + a] != out[j]; a++)
			;
		if (a == k || sent[a]) {
			/* the worker sent something it was not given: nothing to compare */
			fprintf(stderr, "fatal: the worker transmitted a packet it was not given\n");
			exit(1);
		}
		sent[a] = 1;
		fl[j] = b->slot_flow[i + a];
	}
	for (a = 0; a < k; a++) {
		if (!sent[a])
			continue;
		b->pkts[wr + kept] = b->pkts[i + a];
		b->slot_flow[wr + kept] = b->slot_flow[i + a];
		kept++;
	}
	b->lost += (uint64_t)(k - got);
	return kept;
}

/*
 * One dispatcher pass over every packet in flight: bursts through the worker,
 * then each forwarded packet reflected for the next pass. <verify>: check each
 * forwarded packet first and time the reflect step alone (not for timed
 * passes). <expire>: the worker loop's per-burst expiry scan as well.
 * Returns TSC cycles spent.
 */
static __rte_always_inline uint64_t
dp_pass(struct bench *b, const int verify, const int expire, const int family)
{
	struct nc_worker *w = b->w;
	struct rte_mbuf *out[OUT_MAX];
	uint32_t fl[OUT_MAX];
	uint32_t i, wr = 0, n = b->n;
	uint64_t t0, t1;
	uint16_t k, got, j;

	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i += k) {
		k = (uint16_t)RTE_MIN((uint32_t)BURST, n - i);
		nc_worker_tick(w);
		nc_worker_rx(w, 0, b->pkts + i, k);
		if (expire)
			nc_worker_expire(w, EXPIRE_BUDGET);
		got = nc_worker_tx_take(w, 0, out);
		if (unlikely(got != k || wr != i) ||
		    (verify && memcmp(out, b->pkts + i, got * sizeof(out[0])) != 0))
			keep_survivors(b, i, k, out, got, wr, fl);
		else if (verify)
			memcpy(fl, b->slot_flow + i, got * sizeof(fl[0]));
		if (verify) {
			uint64_t r0;

			for (j = 0; j < got; j++) {
				uint32_t f = fl[j];
				const char *why = pkt_check(b, out[j], f, PAYLOAD);

				if (why != NULL)
					report_bad(b, f, why);
			}
			/* the reflect step alone, on packets as warm as in a timed pass */
			r0 = rte_rdtsc_precise();
			for (j = 0; j < got; j++)
				reflect_fam(out[j], family);
			b->reflect_cyc += rte_rdtsc_precise() - r0;
			b->reflect_pkts += got;
		} else {
			for (j = 0; j < got; j++)
				reflect_fam(out[j], family);
		}
		wr += got;
	}
	t1 = rte_rdtsc_precise();
	b->n = wr;
	return t1 - t0;
}

/* dp_pass() for the family of <b>, with the family a constant in each copy */
static __rte_always_inline uint64_t
dp_pass_fam(struct bench *b, const int verify, const int expire)
{
	if (b->family == 6)
		return dp_pass(b, verify, expire, 6);
	if (b->family == 64)
		return dp_pass(b, verify, expire, 64);
	return dp_pass(b, verify, expire, 4);
}

/* Baseline pass: the same bursts and prefetch pattern as the worker
 * (next packets' data NC_RX_PREFETCH_AHEAD ahead), swapping Ethernet
 * addresses only. */
static __rte_noinline uint64_t
base_pass(struct bench *b)
{
	uint32_t i, n = b->n;
	uint64_t t0, t1;
	uint16_t k, j;

	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i += k) {
		struct rte_mbuf **p = b->pkts + i;

		k = (uint16_t)RTE_MIN((uint32_t)BURST, n - i);
		for (j = 0; j < k && j < NC_RX_PREFETCH_AHEAD; j++)
			rte_prefetch0(rte_pktmbuf_mtod(p[j], void *));
		for (j = 0; j < k; j++) {
			if (j + NC_RX_PREFETCH_AHEAD < k)
				rte_prefetch0(rte_pktmbuf_mtod(p[j + NC_RX_PREFETCH_AHEAD], void *));
			mac_swap(p[j]);
		}
	}
	t1 = rte_rdtsc_precise();
	return t1 - t0;
}

/* --sync: take the workers' records as the control lcore does (its cycles,
 * on its own lcore in the appliance, counted apart). */
static void
sync_drain(struct bench *b)
{
	static struct nc_sync_rec r[256];
	static struct nc_sync_addr6 r6[256];
	uint64_t t0 = rte_rdtsc_precise();
	unsigned int n, i;

	while ((n = nc_dp_sync_take(b->dp, r, r6, RTE_DIM(r))) != 0) {
		for (i = 0; i < n; i++)
			rte_pktmbuf_free(r[i].m);
		b->sync_records += n;
	}
	b->sync_cyc += rte_rdtsc_precise() - t0;
}

/* ------------------------------------------------------ --workers 2 */

static void *xcalloc(size_t n, size_t sz);

/* The receive queue of a 2-queue port's RSS for IPv4/TCP packet <m>: the
 * low bit of the Toeplitz hash of its addresses and ports (the common
 * 40-byte key NICs ship with, which the appliance sets), the redirection
 * table round robin. The hash is left in the mbuf, as a NIC leaves it. */
static unsigned int
rss_queue(struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								sizeof(struct rte_ether_hdr));
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(ip + 1);
	uint32_t t[3] = { rte_be_to_cpu_32(ip->src_addr), rte_be_to_cpu_32(ip->dst_addr),
			  (uint32_t)rte_be_to_cpu_16(th->src_port) << 16 | rte_be_to_cpu_16(th->dst_port) };

	m->hash.rss = rte_softrss(t, 3, nc_rss_key_default);
	m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
	return m->hash.rss & 1;
}

/* The flow a packet's mbuf carries (--workers 2: outputs come back from
 * either worker, in no fixed order). */
static inline uint32_t *
mbuf_flow(struct rte_mbuf *m)
{
	return (uint32_t *)rte_mbuf_to_priv(m);
}

/* Split slots [0, n) into the two workers' receive queues. */
static void
rss_split(struct bench *b, struct rte_mbuf **q0, uint32_t *n0, struct rte_mbuf **q1, uint32_t *n1)
{
	uint32_t i;

	*n0 = *n1 = 0;
	for (i = 0; i < b->n; i++) {
		if (rss_queue(b->pkts[i]) == 0)
			q0[(*n0)++] = b->pkts[i];
		else
			q1[(*n1)++] = b->pkts[i];
	}
}

/* feed_all() with two workers, both on this lcore in turn: each its queue's
 * bursts, then both rings of handed-over packets, until every packet came
 * out. Returns the TSC cycles spent. */
static uint64_t
feed_two(struct bench *b)
{
	struct nc_worker *w[2] = { b->w, b->w1 };
	struct rte_mbuf *o[OUT_MAX], **q[2];
	uint32_t nq[2], at[2] = { 0, 0 }, out = 0;
	uint64_t t0, t1;
	unsigned int k;

	q[0] = xcalloc(b->n, sizeof(q[0][0]));
	q[1] = xcalloc(b->n, sizeof(q[1][0]));
	rss_split(b, q[0], &nq[0], q[1], &nq[1]);
	t0 = rte_rdtsc_precise();
	while (out < b->n) {
		uint32_t moved = 0;

		for (k = 0; k < 2; k++) {
			if (at[k] < nq[k]) {
				uint16_t n = (uint16_t)RTE_MIN((uint32_t)BURST, nq[k] - at[k]);

				nc_worker_tick(w[k]);
				nc_worker_rx(w[k], 0, q[k] + at[k], n);
				at[k] += n;
				moved += n;
			}
			moved += nc_worker_handoff_poll(w[k]);
			out += nc_worker_tx_take(w[k], 0, o);
		}
		if (moved == 0)
			break;
	}
	t1 = rte_rdtsc_precise();
	free(q[0]);
	free(q[1]);
	if (out != b->n) {
		fprintf(stderr, "fatal: two workers: %u packets in, %u out\n", b->n, out);
		print_drops(b->dp);
		exit(1);
	}
	return t1 - t0;
}

/* One worker's lane of a two-worker pass, run on its own lcore. */
struct lane {
	struct nc_worker *w;
	struct rte_mbuf **in, **out;
	uint32_t n_in, n_out;
	int reflect;
};

static uint32_t lanes_total;   /* packets of the pass */
static uint32_t lanes_in;      /* ... received by both so far (atomic) */
static uint32_t lanes_out;     /* ... forwarded so far by both (atomic) */

#define LANE_IDLE_S   5   /* no packet moved for this long: something was lost (the
			   * peer's lcore may be descheduled for a while: never sooner) */
/* Packets received and not yet forwarded, at most, before a lane stops
 * receiving: half a handoff ring. A harness feeds as fast as a worker
 * takes, so a lane whose peer lost its CPU for a while would overrun the
 * peer's ring; a NIC would drop at its queue, here the lane waits. */
#define LANE_BACKLOG  2048u

static int
lane_run(void *arg)
{
	struct lane *l = arg;
	struct rte_mbuf *o[OUT_MAX];
	uint64_t quiet_since = rte_rdtsc(), idle_tsc = LANE_IDLE_S * rte_get_tsc_hz();
	uint32_t i = 0;
	uint16_t got, j;

	while (i < l->n_in || __atomic_load_n(&lanes_out, __ATOMIC_ACQUIRE) < lanes_total) {
		unsigned int moved = 0;

		if (i < l->n_in && __atomic_load_n(&lanes_in, __ATOMIC_RELAXED) -
				   __atomic_load_n(&lanes_out, __ATOMIC_RELAXED) < LANE_BACKLOG) {
			uint16_t k = (uint16_t)RTE_MIN((uint32_t)BURST, l->n_in - i);

			nc_worker_tick(l->w);
			nc_worker_rx(l->w, 0, l->in + i, k);
			__atomic_fetch_add(&lanes_in, k, __ATOMIC_RELAXED);
			i += k;
			moved = k;
		}
		moved += nc_worker_handoff_poll(l->w);
		got = nc_worker_tx_take(l->w, 0, o);
		for (j = 0; j < got; j++) {
			if (l->reflect)
				reflect(o[j]);
			l->out[l->n_out++] = o[j];
		}
		if (got != 0)
			__atomic_fetch_add(&lanes_out, got, __ATOMIC_RELEASE);
		if (moved != 0 || got != 0)
			quiet_since = rte_rdtsc();
		else if (rte_rdtsc() - quiet_since > idle_tsc)
			break;
	}
	return 0;
}

/*
 * dp_pass() with two workers on two lcores: every packet in flight to its
 * RSS queue (not timed), then both lanes at once, each forwarded packet
 * reflected by its lane; <verify>: checked first, then reflected. Returns
 * the TSC cycles from the start of both to the end of the later.
 */
static uint64_t
dp_pass_two(struct bench *b, const int verify)
{
	static struct lane l[2];
	uint32_t i, n;
	uint64_t t0, t1;

	for (i = 0; i < 2; i++) {
		free(l[i].in);
		free(l[i].out);
		l[i] = (struct lane){ .w = i == 0 ? b->w : b->w1, .reflect = !verify };
		l[i].in = xcalloc(b->n, sizeof(l[i].in[0]));
		l[i].out = xcalloc(b->n, sizeof(l[i].out[0]));
	}
	rss_split(b, l[0].in, &l[0].n_in, l[1].in, &l[1].n_in);
	lanes_total = b->n;
	__atomic_store_n(&lanes_in, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&lanes_out, 0, __ATOMIC_RELEASE);
	t0 = rte_rdtsc_precise();
	if (rte_eal_remote_launch(lane_run, &l[1], rte_get_next_lcore(-1, 1, 0)) != 0) {
		fprintf(stderr, "fatal: cannot launch the second worker's lcore\n");
		exit(2);
	}
	lane_run(&l[0]);
	rte_eal_mp_wait_lcore();
	t1 = rte_rdtsc_precise();
	n = 0;
	for (i = 0; i < 2; i++) {
		memcpy(b->pkts + n, l[i].out, l[i].n_out * sizeof(b->pkts[0]));
		n += l[i].n_out;
	}
	b->lost += b->n - n;
	b->n = n;
	for (i = 0; i < n; i++) {
		uint32_t f = *mbuf_flow(b->pkts[i]);

		b->slot_flow[i] = f;
		if (verify) {
			const char *why = pkt_check(b, b->pkts[i], f, PAYLOAD);

			if (why != NULL)
				report_bad(b, f, why);
			reflect(b->pkts[i]);
		}
	}
	return t1 - t0;
}

/* Feed slots [0, n) once, in bursts, without checks; setup stages must lose
 * nothing. Returns TSC cycles spent by the worker (with --sync, the
 * harness's draining of the records left out). */
static uint64_t
feed_all(struct bench *b)
{
	struct rte_mbuf *out[OUT_MAX];
	uint32_t i, n = b->n;
	uint64_t t0, t1, cyc0 = b->sync_cyc;
	uint16_t k, got;

	if (b->workers == 2)
		return feed_two(b);
	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i += k) {
		k = (uint16_t)RTE_MIN((uint32_t)BURST, n - i);
		nc_worker_tick(b->w);
		nc_worker_rx(b->w, 0, b->pkts + i, k);
		got = nc_worker_tx_take(b->w, 0, out);
		if (b->sync)
			sync_drain(b);
		if (unlikely(got != k || memcmp(out, b->pkts + i, k * sizeof(out[0])) != 0)) {
			fprintf(stderr, "fatal: burst at packet %u: %u in, %u out\n", i,
				(unsigned int)k, (unsigned int)got);
			print_drops(b->dp);
			exit(1);
		}
	}
	t1 = rte_rdtsc_precise();
	return t1 - t0 - (b->sync ? b->sync_cyc - cyc0 : 0);
}

/* --client-address proxy-*: feed the servers' SYN-ACKs of slots [0, n); each
 * comes out after the header segment the appliance sends its server, which
 * is counted in *<headers>, checked to be one (PSH|ACK with bytes, to the
 * SYN-ACK's sender) and freed. Returns TSC cycles spent by the worker. */
static uint64_t
feed_synacks(struct bench *b, uint64_t *headers)
{
	struct rte_mbuf *out[OUT_MAX];
	uint32_t i, n = b->n;
	uint64_t t0, t1;
	uint16_t k, got, j, kept;

	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i += k) {
		k = (uint16_t)RTE_MIN((uint32_t)BURST, n - i);
		nc_worker_tick(b->w);
		nc_worker_rx(b->w, 0, b->pkts + i, k);
		got = nc_worker_tx_take(b->w, 0, out);
		for (j = 0, kept = 0; j < got; j++) {
			const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(out[j], const struct rte_tcp_hdr *,
				sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr));

			if (kept < k && out[j] == b->pkts[i + kept]) {
				kept++;
				continue;
			}
			if (th->tcp_flags != (RTE_TCP_PSH_FLAG | RTE_TCP_ACK_FLAG) ||
			    rte_pktmbuf_pkt_len(out[j]) <= HDRS_LEN) {
				fprintf(stderr, "fatal: an unexpected frame among the SYN-ACKs\n");
				exit(1);
			}
			(*headers)++;
			rte_pktmbuf_free(out[j]);
		}
		if (unlikely(kept != k)) {
			fprintf(stderr, "fatal: SYN-ACK burst at packet %u: %u in, %u forwarded\n", i,
				(unsigned int)k, (unsigned int)kept);
			print_drops(b->dp);
			exit(1);
		}
	}
	t1 = rte_rdtsc_precise();
	return t1 - t0;
}

/* --sync: feed the servers' SYN-ACKs of slots [0, n). Each is held back
 * with its flow's record for the peers (the control lcore sends the record,
 * then the frame): taken from the ring as the control lcore would, each
 * record checked to carry the SYN-ACK fed, in order. Returns TSC cycles spent
 * by the worker, the taking left out. */
static uint64_t
feed_synacks_sync(struct bench *b)
{
	static struct nc_sync_rec r[256];
	static struct nc_sync_addr6 r6[256];
	struct rte_mbuf *out[OUT_MAX];
	uint64_t t0, t1, d0, cyc0 = b->sync_cyc;
	uint32_t i, n = b->n;
	unsigned int got, j, held;
	uint16_t k;

	t0 = rte_rdtsc_precise();
	for (i = 0; i < n; i += k) {
		k = (uint16_t)RTE_MIN((uint32_t)BURST, n - i);
		nc_worker_tick(b->w);
		nc_worker_rx(b->w, 0, b->pkts + i, k);
		if (nc_worker_tx_take(b->w, 0, out) != 0) {
			fprintf(stderr, "fatal: a SYN-ACK left before its flow's record\n");
			exit(1);
		}
		d0 = rte_rdtsc_precise();
		held = 0;
		while ((got = nc_dp_sync_take(b->dp, r, r6, RTE_DIM(r))) != 0) {
			for (j = 0; j < got; j++)
				if (r[j].op != NC_SYNC_FLOW || held >= k || r[j].m != b->pkts[i + held++]) {
					fprintf(stderr, "fatal: a record without its SYN-ACK\n");
					exit(1);
				}
			b->sync_records += got;
		}
		b->sync_cyc += rte_rdtsc_precise() - d0;
		if (held != k) {
			fprintf(stderr, "fatal: SYN-ACK burst at packet %u: %u in, %u held\n", i,
				(unsigned int)k, held);
			print_drops(b->dp);
			exit(1);
		}
	}
	t1 = rte_rdtsc_precise();
	return t1 - t0 - (b->sync_cyc - cyc0);
}

/*
 * Without hugepages the EAL heap is ordinary anonymous memory that the kernel
 * maps on first touch, and rte_zmalloc() skips zeroing memory fresh from the
 * kernel: the data plane's tables would take their page faults inside the
 * timed steps. Touch the whole free heap once, as hugepages are at start-up.
 */
static void
heap_prefault(int socket)
{
	struct rte_malloc_socket_stats st;
	size_t sz;
	void *p;

	rte_malloc_get_socket_stats(socket, &st);
	sz = st.greatest_free_size > (1 << 20) ? st.greatest_free_size - (1 << 20) : 0;
	p = sz != 0 ? rte_malloc_socket("ncbench_prefault", sz, 0, socket) : NULL;
	if (p == NULL)
		return;
	memset(p, 0, sz);
	rte_free(p);
}

/* --sync: what a replica of one flow costs a peer: its key in an rte_hash
 * made as app/netchestra/sync.c makes it (heap growth over <n> keys) and
 * its entry. */
static void
replica_bytes(int socket, uint32_t n)
{
	struct rte_malloc_socket_stats m0, m1;
	struct rte_hash_parameters hp = {
		.name = "bench_replicas", .entries = n, .key_len = 16,
		.hash_func = rte_hash_crc, .socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct rte_hash *h;

	rte_malloc_get_socket_stats(socket, &m0);
	h = rte_hash_create(&hp);
	rte_malloc_get_socket_stats(socket, &m1);
	if (h == NULL) {
		printf("bytes/replica: (a table of %u keys does not fit: try --mem)\n", n);
		return;
	}
	printf("bytes/replica: %.0f (rte_hash key slot %.0f + entry %d), wire record 44 bytes\n",
	       (double)(m1.heap_allocsz_bytes - m0.heap_allocsz_bytes) / n + REPLICA_ENTRY,
	       (double)(m1.heap_allocsz_bytes - m0.heap_allocsz_bytes) / n, REPLICA_ENTRY);
	rte_hash_free(h);
}

/* xorshift64*: a fixed, seedable flow order. */
static uint64_t
rnd_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* "1M" for 1048576, "64K" for 65536, else the number. */
static const char *
count_str(uint32_t n, char *buf, size_t len)
{
	if (n % (1u << 20) == 0)
		snprintf(buf, len, "%uM", n >> 20);
	else if (n % 1024 == 0)
		snprintf(buf, len, "%uK", n >> 10);
	else
		snprintf(buf, len, "%u", n);
	return buf;
}

static void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (p == NULL) {
		fprintf(stderr, "out of memory (%zu x %zu bytes)\n", n, sz);
		exit(2);
	}
	return p;
}

/* The TCP header of IPv4 frame <m> (no IP options: the frames made here). */
static struct rte_tcp_hdr *
tcp_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *,
				       sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr));
}

/* Set segment <m>'s sequence and acknowledgement numbers, checksum afresh. */
static void
seq_set(struct rte_mbuf *m, uint32_t seq, uint32_t ack)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							  sizeof(struct rte_ether_hdr));
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
}

/*
 * Step 1 with --syn-proxy: one SYN per flow, each answered with a cookie
 * SYN-ACK in its own buffer (timed: cookies answered/s), no flow made; the
 * client's ACK of each cookie (timed: a flow opened, a SYN sent to its
 * server, from which the flow's local address and server are learnt); each
 * server's SYN-ACK, acknowledged by the appliance (timed). Every frame the
 * appliance makes is checked (flags, addresses, numbers, checksum).
 */
static int
step_synproxy(struct bench *b, uint64_t hz)
{
	uint32_t f, *cookie = xcalloc(b->n_flows, sizeof(*cookie));
	uint64_t cyc;
	double secs;

	for (f = 0; f < b->n_flows; f++) {
		build_client_pkt(b, b->pkts[f], f, RTE_TCP_SYN_FLAG, 0);
		b->slot_flow[f] = f;
	}
	cyc = feed_all(b);
	secs = (double)cyc / (double)hz;
	printf("syn cookies/s: %.0f (%.1f ns/SYN, %.0f cycles)\n", b->n_flows / secs,
	       secs * 1e9 / b->n_flows, (double)cyc / b->n_flows);
	for (f = 0; f < b->n_flows; f++) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(b->pkts[f], struct rte_ipv4_hdr *,
								  sizeof(struct rte_ether_hdr));
		const struct rte_tcp_hdr *th = tcp_of(b->pkts[f]);

		if (th->tcp_flags != (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG) ||
		    ip->src_addr != rte_cpu_to_be_32(VIP) || ip->dst_addr != client_ip(f) ||
		    th->dst_port != client_port(f) || th->recv_ack != RTE_BE32(2) ||
		    rte_ipv4_udptcp_cksum_verify(ip, th) != 0)
			report_bad(b, f, "not the cookie SYN-ACK its SYN asks for");
		cookie[f] = rte_be_to_cpu_32(th->sent_seq);
	}
	if (nc_dp_flow_count(b->dp) != 0) {
		fprintf(stderr, "fatal: cookies made %" PRIu64 " flows\n", nc_dp_flow_count(b->dp));
		free(cookie);
		return -1;
	}
	for (f = 0; f < b->n_flows; f++) {
		build_client_pkt(b, b->pkts[f], f, RTE_TCP_ACK_FLAG, 0);
		seq_set(b->pkts[f], 2, cookie[f] + 1);
	}
	cyc = feed_all(b);
	secs = (double)cyc / (double)hz;
	printf("cookie ACKs/s (a flow opened, its server sent a SYN): %.0f (%.1f ns/flow)\n",
	       b->n_flows / secs, secs * 1e9 / b->n_flows);
	free(cookie);
	for (f = 0; f < b->n_flows; f++) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(b->pkts[f], struct rte_ipv4_hdr *,
								  sizeof(struct rte_ether_hdr));
		const struct rte_tcp_hdr *th = tcp_of(b->pkts[f]);
		struct flow_info *fi = &b->fi[f];

		fi->lip = ip->src_addr;
		fi->srv_ip = ip->dst_addr;
		fi->lport = th->src_port;
		fi->srv_port = th->dst_port;
		if (th->tcp_flags != RTE_TCP_SYN_FLAG || th->sent_seq != RTE_BE32(1) ||
		    rte_be_to_cpu_32(ip->src_addr) - LIP0 >= b->n_lips ||
		    rte_be_to_cpu_32(ip->dst_addr) - SERVER0 >= N_SERVERS ||
		    rte_ipv4_udptcp_cksum_verify(ip, th) != 0)
			report_bad(b, f, "not a SYN with the client's ISN from a local IP to a server");
	}
	printf("flows opened: %" PRIu64 "\n", nc_dp_flow_count(b->dp));
	if (nc_dp_flow_count(b->dp) != b->n_flows) {
		fprintf(stderr, "fatal: %u valid cookies opened %" PRIu64 " flows\n", b->n_flows,
			nc_dp_flow_count(b->dp));
		return -1;
	}
	for (f = 0; f < b->n_flows; f++) {
		build_server_pkt(b, b->pkts[f], f, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 0);
		seq_set(b->pkts[f], 1000, 2);
	}
	cyc = feed_all(b);
	secs = (double)cyc / (double)hz;
	printf("server SYN-ACKs acknowledged/s: %.0f (%.1f ns/flow)\n", b->n_flows / secs,
	       secs * 1e9 / b->n_flows);
	for (f = 0; f < b->n_flows; f++) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(b->pkts[f], struct rte_ipv4_hdr *,
								  sizeof(struct rte_ether_hdr));
		const struct rte_tcp_hdr *th = tcp_of(b->pkts[f]);

		if (th->tcp_flags != RTE_TCP_ACK_FLAG || th->recv_ack != RTE_BE32(1001) ||
		    ip->dst_addr != b->fi[f].srv_ip || th->src_port != b->fi[f].lport ||
		    rte_ipv4_udptcp_cksum_verify(ip, th) != 0)
			report_bad(b, f, "not the appliance's ACK of its server's SYN-ACK");
	}
	return b->bad == 0 ? 0 : -1;
}

/*
 * Step 1: one SYN per flow through the worker, timed; then check what came
 * out and learn each flow's local address and server; then one ACK per flow
 * so that every flow is established.
 */
static int
step_new_flows(struct bench *b, uint64_t hz)
{
	uint32_t f, per_srv[N_SERVERS] = { 0 };
	uint8_t *lport_used;
	uint64_t cyc;
	double secs;

	for (f = 0; f < b->n_flows; f++) {
		build_client_pkt(b, b->pkts[f], f, RTE_TCP_SYN_FLAG, 0);
		b->slot_flow[f] = f;
	}
	cyc = feed_all(b);
	secs = (double)cyc / (double)hz;
	printf("new flows/s: %.0f (%.1f ns/flow)\n", b->n_flows / secs, secs * 1e9 / b->n_flows);

	/* no (local IP, local port) may serve two flows */
	lport_used = xcalloc((size_t)b->n_lips << 16, 1);
	for (f = 0; f < b->n_flows; f++) {
		const uint8_t *d = rte_pktmbuf_mtod(b->pkts[f], const uint8_t *);
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(d + sizeof(struct rte_ether_hdr));
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)ip;
		const struct rte_tcp_hdr *th;
		struct flow_info *fi = &b->fi[f];
		uint32_t lip, s;
		uint16_t lport;
		const char *why;

		if (b->family == 6) {
			th = (const struct rte_tcp_hdr *)(ip6 + 1);
			lip = ip6_low(ip6->src_addr, net6_back) - LIP6;
			s = ip6_low(ip6->dst_addr, net6_back) - SERVER6;
			memcpy(b->fi6[f].lip, ip6->src_addr, 16);
			memcpy(b->fi6[f].srv, ip6->dst_addr, 16);
		} else {
			th = (const struct rte_tcp_hdr *)(ip + 1);
			lip = rte_be_to_cpu_32(ip->src_addr) - LIP0;
			s = rte_be_to_cpu_32(ip->dst_addr) - SERVER0;
			fi->lip = ip->src_addr;
			fi->srv_ip = ip->dst_addr;
		}
		lport = rte_be_to_cpu_16(th->src_port);
		fi->lport = th->src_port;
		fi->srv_port = th->dst_port;
		if (lip >= b->n_lips || lport < NC_LPORT_MIN) {
			report_bad(b, f, "SYN not from a local IP and port");
			continue;
		}
		if (s >= N_SERVERS || th->dst_port != RTE_BE16(SERVER_PORT)) {
			report_bad(b, f, "SYN not sent to a server");
			continue;
		}
		if (lport_used[lip << 16 | lport]++ != 0)
			report_bad(b, f, "local IP and port already used by another flow");
		why = pkt_check(b, b->pkts[f], f, 0);
		if (why != NULL)
			report_bad(b, f, why);
		if (th->tcp_flags != RTE_TCP_SYN_FLAG)
			report_bad(b, f, "TCP flags changed");
		per_srv[s]++;
	}
	free(lport_used);
	printf("flows opened: %" PRIu64 ", per server: %u / %u\n",
	       nc_dp_flow_count(b->dp), per_srv[0], per_srv[1]);
	if (nc_dp_flow_count(b->dp) != b->n_flows) {
		fprintf(stderr, "fatal: %u SYNs opened %" PRIu64 " flows\n", b->n_flows,
			nc_dp_flow_count(b->dp));
		return -1;
	}

	if (b->ca != NC_CA_PROXY_V1 && b->ca != NC_CA_PROXY_V2) {
		/* each server accepts (with sync, the flow's report to the peers) */
		for (f = 0; f < b->n_flows; f++)
			build_server_pkt(b, b->pkts[f], f, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 0);
		cyc = b->sync ? feed_synacks_sync(b) : feed_all(b);
		secs = (double)cyc / (double)hz;
		printf("server SYN-ACKs/s: %.0f (%.1f ns/flow)%s\n", b->n_flows / secs,
		       secs * 1e9 / b->n_flows, b->sync ? ", each held for its flow's record to the peers" : "");
	}
	if (b->ca == NC_CA_PROXY_V1 || b->ca == NC_CA_PROXY_V2) {
		uint64_t headers = 0;

		for (f = 0; f < b->n_flows; f++)
			build_server_pkt(b, b->pkts[f], f, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 0);
		cyc = feed_synacks(b, &headers);
		secs = (double)cyc / (double)hz;
		printf("server SYN-ACKs with a PROXY header each/s: %.0f (%.1f ns/flow), %" PRIu64
		       " headers sent\n", b->n_flows / secs, secs * 1e9 / b->n_flows, headers);
		if (headers != b->n_flows) {
			fprintf(stderr, "fatal: %" PRIu64 " headers for %u flows\n", headers, b->n_flows);
			return -1;
		}
		/* each server acknowledges its header (and more): established
		 * flows then shift in line, as on a real connection */
		for (f = 0; f < b->n_flows; f++) {
			struct rte_ipv4_hdr *ip;
			struct rte_tcp_hdr *th;

			build_server_pkt(b, b->pkts[f], f, RTE_TCP_ACK_FLAG, 0);
			ip = rte_pktmbuf_mtod_offset(b->pkts[f], struct rte_ipv4_hdr *,
						     sizeof(struct rte_ether_hdr));
			th = (struct rte_tcp_hdr *)(ip + 1);
			th->recv_ack = RTE_BE32(1 + 256);
			th->cksum = 0;
			th->cksum = rte_ipv4_udptcp_cksum(ip, th);
		}
		feed_all(b);
	}
	for (f = 0; f < b->n_flows; f++)
		build_client_pkt(b, b->pkts[f], f, RTE_TCP_ACK_FLAG, 0);
	cyc = feed_all(b);
	secs = (double)cyc / (double)hz;
	printf("handshakes completed/s: %.0f (%.1f ns/flow)\n", b->n_flows / secs,
	       secs * 1e9 / b->n_flows);
	if (b->sync) {
		nc_dp_stats_get(b->dp, &stats);
		printf("sync records: %" PRIu64 " (%" PRIu64 " lost to a full ring), the control lcore's "
		       "drain %.1f ns/record\n", b->sync_records, stats.sync_ring_full,
		       b->sync_records ? (double)b->sync_cyc / (double)hz * 1e9 / (double)b->sync_records : 0.0);
	}
	for (f = 0; f < b->n_flows; f++) {
		const char *why = pkt_check(b, b->pkts[f], f, 0);

		if (why != NULL)
			report_bad(b, f, why);
	}
	return b->bad == 0 ? 0 : -1;
}

/*
 * Step 4: new flows into a table that has had flows close. A random half of
 * the flows (step 3's first slots, in its random order) are reset by their
 * clients; closing flows linger tcp_fin_s (1 s), so after that the expiry scan
 * frees their slots and local ports (as the worker loop's would, in slot
 * order). Then as many new clients' SYNs, timed: new flows/s into the slots
 * and ports the closed flows left, as on an appliance that has run for a
 * while rather than one just started. Returns 0, or -1 when a SYN opened no
 * flow.
 */
static int
step_reopen(struct bench *b, uint64_t hz, uint32_t max_flows)
{
	uint32_t half = b->n_flows / 2, k;
	uint64_t closed, cyc, open0;
	double secs;

	for (k = 0; k < half; k++)
		build_client_pkt(b, b->pkts[k], b->slot_flow[k], RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0);
	b->n = half;
	feed_all(b);
	rte_delay_ms(1100);
	nc_worker_tick(b->w);
	closed = nc_worker_expire(b->w, 2 * max_flows + 16);
	open0 = nc_dp_flow_count(b->dp);
	if (closed != half) {
		fprintf(stderr, "fatal: %u resets closed %" PRIu64 " flows\n", half, closed);
		return -1;
	}
	for (k = 0; k < half; k++)
		build_client_pkt(b, b->pkts[k], b->n_flows + k, RTE_TCP_SYN_FLAG, 0);
	cyc = feed_all(b);
	secs = (double)cyc / (double)hz;
	printf("new flows/s after churn: %.0f (%.1f ns/flow; half the flows closed in random "
	       "order, as many opened in their place)\n", half / secs, secs * 1e9 / half);
	if (nc_dp_flow_count(b->dp) != open0 + half) {
		fprintf(stderr, "fatal: %u SYNs opened %" PRIu64 " flows\n", half,
			nc_dp_flow_count(b->dp) - open0);
		return -1;
	}
	b->n = b->n_flows;   /* every mbuf back in the harness's hands */
	return 0;
}

/* Step 3's packets: slot k carries flow perm[k] (random order); flows with an
 * even number start as client -> VIP, odd ones as server -> local IP. */
static void
prepare_forwarding(struct bench *b, uint64_t seed)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 1;
	uint32_t k;

	for (k = 0; k < b->n_flows; k++)
		b->slot_flow[k] = k;
	for (k = b->n_flows - 1; k > 0; k--) {
		uint32_t j = (uint32_t)(rnd_next(&s) % (k + 1));
		uint32_t t = b->slot_flow[k];

		b->slot_flow[k] = b->slot_flow[j];
		b->slot_flow[j] = t;
	}
	for (k = 0; k < b->n_flows; k++) {
		uint32_t f = b->slot_flow[k];

		if (b->workers == 2)
			*mbuf_flow(b->pkts[k]) = f;
		if (f & 1)
			build_server_pkt(b, b->pkts[k], f, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG,
					 PAYLOAD);
		else
			build_client_pkt(b, b->pkts[k], f, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG,
					 PAYLOAD);
	}
}

/* Cycles/packet of each pass (<cyc>[p] cycles for <pkts>[p] packets), and of
 * the best one (the least disturbed by other work on a shared machine). */
static void
print_passes(const char *what, const uint64_t *cyc, const uint32_t *pkts, uint32_t passes)
{
	double best = 0, v;
	uint32_t p;

	printf("%s per pass:", what);
	for (p = 0; p < passes; p++) {
		v = (double)cyc[p] / RTE_MAX(pkts[p], 1u);
		printf(" %.1f", v);
		if (p == 0 || v < best)
			best = v;
	}
	printf(" cycles/packet (best %.1f)\n", best);
}

int
main(int argc, char **argv)
{
	struct opts o, o_small;
	struct bench b = { 0 };
	char mem[16], c1[16];
	size_t small_bytes, big_bytes, v4_bytes = 0;
	char *eal[16];
	int n_eal = 0, huge, rc = 0;
	struct rte_mempool *pool = NULL, *ctl_pool = NULL;
	struct rte_malloc_socket_stats ms0, ms1;
	struct nc_dp_port_setup ps = { 0 };
	uint64_t hz, rx0, tx0, ho0, n_in, n_out, d_cyc = 0, b_cyc = 0, d_pkts = 0, b_pkts = 0;
	uint64_t *pass_cyc = NULL;
	uint32_t *pass_pkts = NULL;
	uint32_t p, f;
	int socket;
	double d_cpp, b_cpp, r_cpp;

	setvbuf(stdout, NULL, _IOLBF, 0);   /* keep stdout and stderr lines in order */
	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	if (o.mem_needed) {
		printf("%u\n", o.mem_mb);
		return 0;
	}
	huge = o.huge >= 0 ? o.huge : (nc_hugetlbfs_mounted() && nc_huge_free_mb() >= o.mem_mb);
	snprintf(mem, sizeof(mem), "%u", o.mem_mb);
	eal[n_eal++] = argv[0];
	eal[n_eal++] = (char *)"--lcores";
	eal[n_eal++] = o.workers == 2 ? (char *)"0-1" : (char *)"0";
	eal[n_eal++] = (char *)"--file-prefix";
	eal[n_eal++] = (char *)"ncbench";
	eal[n_eal++] = (char *)"--no-pci";
	eal[n_eal++] = (char *)"--no-telemetry";
	eal[n_eal++] = (char *)"--log-level";
	eal[n_eal++] = (char *)"lib.eal:warning";
	eal[n_eal++] = (char *)"-m";
	eal[n_eal++] = mem;
	/* hugepage files are unlinked once mapped, so nothing is left behind */
	eal[n_eal++] = huge ? (char *)"--huge-unlink" : (char *)"--no-huge";
	eal[n_eal] = NULL;
	if (rte_eal_init(n_eal, eal) < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	socket = (int)rte_socket_id();
	hz = rte_get_tsc_hz();
	b.n_flows = o.flows;
	b.n_lips = lips_for(o.flows);
	b.family = o.family;
	printf("bench-fastpath: %u flows (max_flows %u, %u local IPs), %s, burst %d, %u timed passes "
	       "after 1 warm-up, %s, EAL memory %u MB, TSC %.0f MHz, lcore %u\n",
	       o.flows, o.max_flows, b.n_lips, o.family == 4 ? "IPv4" : o.family == 6 ? "IPv6" :
	       "NAT64 (IPv6 clients, IPv4 servers)", BURST, o.passes,
	       huge ? "hugepages" : "no hugepages (4 KB pages)", o.mem_mb, hz / 1e6,
	       rte_lcore_id());

	RTE_BUILD_BUG_ON(RTE_PKTMBUF_HEADROOM + DATA6_LEN > DATA_ROOM);
	/* two workers: each mbuf names its flow in its private area (a packet
	 * comes back from either worker); one worker: the layout as ever */
	pool = rte_pktmbuf_pool_create("ncbench_pkts", o.flows, 0,
				       o.workers == 2 ? RTE_MBUF_PRIV_ALIGN * 2 : 0, DATA_ROOM, socket);
	ctl_pool = rte_pktmbuf_pool_create("ncbench_ctl", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (pool == NULL || ctl_pool == NULL) {
		fprintf(stderr, "mbuf pools (%u mbufs): %s; try --mem\n", o.flows,
			rte_strerror(rte_errno));
		rc = 2;
		goto out_pools;
	}
	b.pkts = xcalloc(o.flows, sizeof(b.pkts[0]));
	b.slot_flow = xcalloc(o.flows, sizeof(b.slot_flow[0]));
	b.fi = xcalloc(o.flows, sizeof(b.fi[0]));
	if (o.family == 6)
		b.fi6 = xcalloc(o.flows, sizeof(b.fi6[0]));
	pass_cyc = xcalloc(o.passes, sizeof(pass_cyc[0]));
	pass_pkts = xcalloc(o.passes, sizeof(pass_pkts[0]));
	if (rte_pktmbuf_alloc_bulk(pool, b.pkts, o.flows) != 0) {
		fprintf(stderr, "cannot take %u mbufs from the pool\n", o.flows);
		rc = 2;
		goto out_pools;
	}
	b.n = o.flows;
	if (!huge)
		heap_prefault(socket);

	/* Step 2 first: the heap around nc_dp_create() alone; once with a table
	 * of SMALL_FLOWS flows for the part that does not grow with max_flows */
	ps.port_id = 0;
	ps.mac = port_mac;
	/* the NIC of --workers 2 spreads by the default key (rss_queue) */
	ps.rss_default_key = o.workers == 2 && !o.no_steer;
	o_small = o;
	o_small.max_flows = SMALL_FLOWS;
	cfg_build(&cfg, &o_small, b.n_lips);
	rte_malloc_get_socket_stats(socket, &ms0);
	b.dp = nc_dp_create(&cfg, &ps, ctl_pool, socket);
	rte_malloc_get_socket_stats(socket, &ms1);
	if (b.dp == NULL) {
		fprintf(stderr, "nc_dp_create (max_flows %u): %s\n", SMALL_FLOWS, rte_strerror(rte_errno));
		rc = 2;
		goto out_mbufs;
	}
	small_bytes = ms1.heap_allocsz_bytes - ms0.heap_allocsz_bytes;
	nc_dp_free(b.dp);
	if (o.family != 4) {
		/* the same data plane over IPv4: what the IPv6 slots add */
		o_small = o;
		o_small.family = 4;
		cfg_build(&cfg, &o_small, b.n_lips);
		rte_malloc_get_socket_stats(socket, &ms0);
		b.dp = nc_dp_create(&cfg, &ps, ctl_pool, socket);
		rte_malloc_get_socket_stats(socket, &ms1);
		if (b.dp == NULL) {
			fprintf(stderr, "nc_dp_create (IPv4): %s; try --mem\n", rte_strerror(rte_errno));
			rc = 2;
			goto out_mbufs;
		}
		v4_bytes = ms1.heap_allocsz_bytes - ms0.heap_allocsz_bytes;
		nc_dp_free(b.dp);
	}
	cfg_build(&cfg, &o, b.n_lips);
	rte_malloc_get_socket_stats(socket, &ms0);
	b.dp = nc_dp_create(&cfg, &ps, ctl_pool, socket);
	rte_malloc_get_socket_stats(socket, &ms1);
	if (b.dp == NULL) {
		fprintf(stderr, "nc_dp_create: %s; try --mem\n", rte_strerror(rte_errno));
		rc = 2;
		goto out_mbufs;
	}
	b.w = nc_dp_worker(b.dp, 0);
	b.workers = o.workers;
	if (o.workers == 2)
		b.w1 = nc_dp_worker(b.dp, 1);
	b.ca = o.ca;
	b.synp = o.synp;
	if (o.sync) {
		if (nc_dp_sync_start(b.dp, 0) != 0) {
			fprintf(stderr, "nc_dp_sync_start: out of memory; try --mem\n");
			rc = 2;
			goto out_dp;
		}
		b.sync = 1;
	}

	/* Step 1 */
	if ((b.synp ? step_synproxy(&b, hz) : step_new_flows(&b, hz)) < 0) {
		print_drops(b.dp);
		rc = 1;
		goto out_dp;
	}
	big_bytes = ms1.heap_allocsz_bytes - ms0.heap_allocsz_bytes;
	printf("memory/flow: %.0f bytes (both directions' table entries and flow state, at %s flows)%s\n",
	       (double)big_bytes / o.max_flows, count_str(o.max_flows, c1, sizeof(c1)),
	       o.family == 4 ? "" : ", the IPv4 and the IPv6 slots");
	printf("  data plane heap: %.1f MB at max_flows %u, %.1f MB at max_flows %u (routes, "
	       "neighbors, rings, local-port map): %.0f bytes per further flow\n",
	       (double)big_bytes / (1 << 20), o.max_flows, (double)small_bytes / (1 << 20),
	       SMALL_FLOWS, o.max_flows > SMALL_FLOWS ?
	       ((double)big_bytes - (double)small_bytes) / (o.max_flows - SMALL_FLOWS) : 0.0);

	if (o.family != 4)
		printf("memory/IPv6 flow: %.0f bytes beyond an IPv4 data plane of the same max_flows "
		       "(a second flow entry 64, its address entry 64 and the IPv6 hash's share)\n",
		       ((double)big_bytes - (double)v4_bytes) / o.max_flows);
	if (o.sync)
		replica_bytes(socket, o.flows);

	/* Step 3 */
	prepare_forwarding(&b, o.seed);
	nc_dp_stats_get(b.dp, &stats);
	rx0 = stats.rx[0];
	tx0 = stats.tx[0];
	ho0 = stats.handoff_out;
	if (o.workers == 2)
		dp_pass_two(&b, 1);
	else if (o.expire)
		dp_pass_fam(&b, 1, 1);
	else
		dp_pass_fam(&b, 1, 0);
	for (p = 0; p < o.passes; p++) {
		pass_pkts[p] = b.n;
		if (o.workers == 2)   /* cycles per packet per core: both cores' */
			pass_cyc[p] = 2 * dp_pass_two(&b, 0);
		else
			pass_cyc[p] = o.expire ? dp_pass_fam(&b, 0, 1) : dp_pass_fam(&b, 0, 0);
		d_cyc += pass_cyc[p];
		d_pkts += pass_pkts[p];
	}
	d_cpp = (double)d_cyc / (double)RTE_MAX(d_pkts, 1ull);
	print_passes(o.workers == 2 ? "dispatcher (per core, 2 workers)" : "dispatcher", pass_cyc,
		     pass_pkts, o.passes);
	/* one more checked pass: nothing may have drifted over the timed ones */
	if (o.workers == 2)
		dp_pass_two(&b, 1);
	else if (o.expire)
		dp_pass_fam(&b, 1, 1);
	else
		dp_pass_fam(&b, 1, 0);
	nc_dp_stats_get(b.dp, &stats);
	n_in = stats.rx[0] - rx0;
	n_out = stats.tx[0] - tx0;
	if (o.workers == 2)
		printf("2 workers: %.2f Mpps over both lcores, %.1f cycles/packet per core; handoffs "
		       "%.1f%% of the packets received (the other leg's owner, as RSS spreads them)\n",
		       2.0 * (double)hz / d_cpp / 1e6, d_cpp,
		       100.0 * (double)(stats.handoff_out - ho0) / (double)RTE_MAX(n_in, 1ull));

	base_pass(&b);
	for (p = 0; p < o.passes; p++) {
		pass_pkts[p] = b.n;
		pass_cyc[p] = base_pass(&b);
		b_cyc += pass_cyc[p];
		b_pkts += pass_pkts[p];
	}
	b_cpp = (double)b_cyc / (double)RTE_MAX(b_pkts, 1ull);
	print_passes("baseline", pass_cyc, pass_pkts, o.passes);
	r_cpp = b.reflect_pkts != 0 ? (double)b.reflect_cyc / (double)b.reflect_pkts : 0.0;

	if (o.workers == 2)
		printf("dispatcher: %.2f Mpps per core, %.1f cycles/packet per core, legs 50%% client->VIP, "
		       "50%% server->local IP; includes the harness's reflect step in each lane and "
		       "nc_worker_tick() per burst\n", (double)hz / d_cpp / 1e6, d_cpp);
	else
		printf("dispatcher: %.2f Mpps, %.1f cycles/packet, legs 50%% client->VIP, 50%% server->local IP; "
		       "includes the harness's reflect step (%.1f cycles/packet alone, timed in the checked "
		       "passes) and nc_worker_tick() per burst%s\n",
		       (double)hz / d_cpp / 1e6, d_cpp, r_cpp,
		       o.expire ? " and nc_worker_expire(16) per burst" : "");
	printf("baseline (MAC swap): %.2f Mpps, %.1f cycles/packet\n", (double)hz / b_cpp / 1e6, b_cpp);
	printf("dispatcher packets in %" PRIu64 ", out %" PRIu64 ", lost %" PRIu64 ", wrong %" PRIu64 "\n",
	       n_in, n_out, b.lost, b.bad);
	if (n_out != n_in || b.lost != 0 || b.bad != 0 || b.n != o.flows) {
		fprintf(stderr, "FAIL: %" PRIu64 " packets lost, %" PRIu64 " wrong\n",
			RTE_MAX(n_in - n_out, b.lost), b.bad);
		print_drops(b.dp);
		rc = 1;
	}
	if (rc == 0 && o.workers == 1 && !o.sync && !o.synp && o.ca == NC_CA_NONE &&
	    step_reopen(&b, hz, o.max_flows) != 0) {
		print_drops(b.dp);
		rc = 1;
	}
	printf("cycles/packet: dispatcher %.1f baseline %.1f ratio %.2f\n", d_cpp, b_cpp, d_cpp / b_cpp);

out_dp:
	nc_dp_free(b.dp);
out_mbufs:
	for (f = 0; f < b.n; f++)
		rte_pktmbuf_free(b.pkts[f]);
out_pools:
	free(pass_cyc);
	free(pass_pkts);
	free(b.fi6);
	free(b.fi);
	free(b.slot_flow);
	free(b.pkts);
	rte_mempool_free(ctl_pool);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return rc;
}
