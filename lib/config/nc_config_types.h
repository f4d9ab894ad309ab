/* SPDX-License-Identifier: BSD-3-Clause
 * Netchestra startup configuration, as loaded from the JSON startup file.
 * Plain C types only (no EAL), so tools and tests can use them directly.
 *
 * Byte order: every IPv4 address and L4 port here is in HOST byte order; IPv6
 * addresses are bytes in network order. A family field of 0 (a hand-made
 * config) means AF_INET.
 * The data plane converts once when it builds its run-time tables.
 */
#ifndef NC_CONFIG_TYPES_H
#define NC_CONFIG_TYPES_H

#include <stdint.h>
#include <stdbool.h>

#define NC_NAME_MAX        32   /* names incl. NUL: ports, services, servers */
#define NC_DEVARG_MAX      256  /* one EAL vdev / allow / extra arg string */
#include "nc_limits.h"   /* NC_MAX_PORTS, NC_MAX_SERVICES, NC_MAX_SERVERS */

#define NC_MAX_EAL_STRS    16   /* vdevs, allow, args: entries each */
#define NC_MAX_WORKERS     32
#define NC_MAX_PORT_ADDRS  8    /* ipv4 prefixes per port */
#define NC_MAX_NEIGHBORS   256  /* static neighbors */
#define NC_MAX_ROUTES      64
#define NC_MAX_LOCAL_IPS   32   /* per service */
#define NC_MAX_LCORE_ID    127  /* highest lcore id accepted in eal.lcores */
#define NC_IFNAME_MAX      16   /* kernel interface names incl. NUL (IFNAMSIZ) */
#define NC_MAX_BGP_NEIGHBORS 8

enum nc_huge_mode {
	NC_HUGE_AUTO = 0, /* hugepages when the machine has free ones, else --no-huge */
	NC_HUGE_ON,       /* "on": require hugepages */
	NC_HUGE_OFF,      /* "off": always --no-huge */
};

enum nc_sched_kind {
	NC_SCHED_RATIO = 0, /* the paper's ratio rule */
	NC_SCHED_SMOOTH,    /* exact percentages over 100 slots, evenly spread */
	NC_SCHED_MAGLEV,    /* consistent hashing (Maglev): the same server for the same
			     * key on every dispatcher with the same servers and weights */
};

/* services[].maglev_size: entries of a Maglev lookup table, a prime in this range
 * (the permutations need a prime size). Bigger: shares closer to the weights and
 * less disruption, at one byte per entry per published table. */
#define NC_MAGLEV_SIZE_MIN      251
#define NC_MAGLEV_SIZE_MAX      1000003
#define NC_MAGLEV_SIZE_DEFAULT  65537
/* services[].maglev_seed default: 2^32 / golden ratio. Any fixed value does, as long
 * as every dispatcher of a cluster has the same one. */
#define NC_MAGLEV_SEED_DEFAULT  2654435769u

enum nc_health_type {
	NC_HEALTH_NONE = 0, /* no "health" section: servers are always up */
	NC_HEALTH_TCP,      /* SYN answered by SYN-ACK */
	NC_HEALTH_HTTP,     /* GET http_path answered with a 2xx or 3xx status */
	NC_HEALTH_UDP,      /* udp_payload answered by any datagram */
	NC_HEALTH_ICMP,     /* echo request answered by an echo reply */
};

enum nc_adaptive_mode {
	NC_ADAPT_PAPER = 0, /* the paper's rule: slowest -step, fastest +step */
	NC_ADAPT_FAST,      /* weights follow speed within a few intervals, then hold */
};

/* failsafe.protocol: how a TCP connection's requests are told apart. */
enum nc_fs_protocol {
	NC_FS_PROTO_AUTO = 0, /* HTTP/1.x when the client's first bytes are a request line, else opaque */
	NC_FS_PROTO_HTTP,     /* HTTP/1.x; a connection that is not is passed unprotected */
	NC_FS_PROTO_OPAQUE,   /* never parsed: the client's first flight is held until the first answer */
};

/* client_address: how a service's servers learn the client's address and port
 * under full NAT (they see the dispatcher's local address as the peer). */
enum nc_client_addr {
	NC_CA_NONE = 0,       /* nothing: the servers see the local address */
	NC_CA_PROXY_V1,       /* TCP: PROXY protocol v1 text header before the client's bytes */
	NC_CA_PROXY_V2,       /* TCP: PROXY v2 binary header; UDP: one per datagram */
	NC_CA_TOA,            /* TCP: option 254 (port, address) in the first data segment */
};

/* syn_proxy: who answers a TCP service's client SYNs. */
enum nc_syn_proxy {
	NC_SYNP_OFF = 0,      /* the servers (the SYN goes on, a flow opens) */
	NC_SYNP_ON,           /* the appliance, with a SYN cookie: a flow opens at the
	                       * client's valid ACK */
	NC_SYNP_AUTO,         /* the appliance while the service's handshakes under way
	                       * are above syn_proxy_threshold (until below half of it) */
};
#define NC_SYNP_THRESHOLD_DEFAULT 1000

/* failsafe.replay: which held requests may go to another server. */
enum nc_fs_replay {
	NC_FS_REPLAY_ALL = 0,    /* every held request (the paper's rule) */
	NC_FS_REPLAY_IDEMPOTENT, /* TCP: a request that is not idempotent only while its
				  * server cannot have received all of it */
};

struct nc_prefix {
	uint32_t addr;  /* host order */
	uint8_t len;    /* 0..32 */
};

/* An IPv6 address or prefix: 16 bytes in network order, as on the wire (IPv6
 * has no host order to speak of; every user of it compares or copies bytes). */
struct nc_prefix6 {
	uint8_t addr[16];
	uint8_t len;    /* 0..128 */
};

struct nc_cfg_eal {
	char lcores[64];            /* EAL --lcores string, e.g. "0-1" */
	uint64_t lcore_mask[2];     /* lcore ids named by lcores (bit i = lcore i) */
	uint16_t main_lcore;        /* lowest lcore id in lcores: EAL's main lcore */
	uint32_t memory_mb;
	enum nc_huge_mode huge;
	char file_prefix[64];
	char vdevs[NC_MAX_EAL_STRS][NC_DEVARG_MAX];
	uint16_t n_vdevs;
	char allow[NC_MAX_EAL_STRS][NC_DEVARG_MAX];
	uint16_t n_allow;
	char args[NC_MAX_EAL_STRS][NC_DEVARG_MAX];
	uint16_t n_args;
};

struct nc_cfg_workers {
	uint16_t lcores[NC_MAX_WORKERS];
	uint16_t n_lcores;
	uint16_t burst;          /* rx/tx burst size, 1..512 */
	uint32_t idle_sleep_us;  /* 0: spin with rte_pause only */
};

struct nc_cfg_port {
	char name[NC_NAME_MAX];
	char device[NC_DEVARG_MAX];   /* DPDK device name, e.g. "net_pcap0" or a PCI address */
	struct nc_prefix ipv4[NC_MAX_PORT_ADDRS];
	uint16_t n_ipv4;
	struct nc_prefix6 ipv6[NC_MAX_PORT_ADDRS];   /* "ipv6": the port's IPv6 addresses
	                               * with their on-link prefixes, as "ipv4" */
	uint16_t n_ipv6;
	uint16_t rx_desc;             /* "rx_desc", default 1024 */
	uint16_t tx_desc;             /* "tx_desc", default 1024 */
	bool has_mac;                 /* "mac" given: set the port's MAC to <mac> */
	uint8_t mac[6];               /* unicast, non-zero */
	bool has_host;                /* "host" given */
	struct nc_prefix host;        /* "host": the dispatcher's own address on this port
	                               * (routing daemon, SSH, cluster channel), in one of
	                               * the port's ipv4 subnets; may be one of them */
	bool has_host6;               /* "host6" given */
	struct nc_prefix6 host6;      /* "host6": the dispatcher's own IPv6 address on this
	                               * port, in one of its ipv6 subnets; may be one of them */
	bool exception;               /* "exception.enabled" (or the top-level section):
	                               * a kernel TAP interface carries <host> and <host6>; frames
	                               * for it that the data plane does not answer go
	                               * to the kernel, the kernel's go out of the port */
	char exc_ifname[NC_IFNAME_MAX];   /* "exception.ifname", default "nc-<name>" */
};

struct nc_cfg_neighbor {
	uint8_t family;   /* AF_INET: "ipv4"; AF_INET6: "ipv6" */
	uint32_t ipv4;
	uint8_t ipv6[16];
	uint8_t mac[6];
};

struct nc_cfg_route {
	struct nc_prefix prefix;
	uint32_t via;
	uint8_t family;   /* AF_INET or AF_INET6: of "prefix" and "via" (the same) */
	struct nc_prefix6 prefix6;
	uint8_t via6[16];
};

struct nc_cfg_limits {
	uint32_t max_flows;   /* default 1048576 */
	uint32_t tcp_idle_s;  /* default 300 */
	uint32_t udp_idle_s;  /* default 30 */
	uint32_t tcp_fin_s;   /* linger after FIN both ways or RST; default 2 */
	uint32_t tcp_syn_s;   /* a flow whose handshake never completes; default 10 */
	uint32_t tcp_timewait_s; /* a local port rests this long after a TCP flow; default 60 */
	/* against floods (0: off) */
	uint32_t udp_unreplied_s;      /* a UDP flow its server never answered; default 10 */
	uint32_t new_flows_per_source; /* per second from one client (IPv6: its prefix of
	                                * source_prefix6 bits) */
	uint32_t new_flows_burst;      /* ... at once; default the rate */
	uint32_t half_open_max;        /* TCP flows of one service whose handshake is under way */
	uint32_t udp_unreplied_max;    /* UDP flows of one service never answered */
	uint32_t source_prefix6;       /* an IPv6 client's source for new_flows_per_source:
	                                * its first 16..64 bits; default 64 */
	bool has_syn_cookie_secret;    /* "syn_cookie_secret" given: 64 hex digits */
	uint8_t syn_cookie_secret[32]; /* the SYN cookies' key (syn_proxy); random at start
	                                * when not given. Dispatchers that share it (and a
	                                * synchronised clock) accept each other's cookies */
};

struct nc_cfg_server {
	char name[NC_NAME_MAX];
	uint32_t address;
	uint16_t port;
	uint8_t weight;   /* percent, 1..100 */
	uint8_t family;   /* AF_INET or AF_INET6: of "address" */
	uint8_t address6[16];
};

#define NC_HTTP_PATH_MAX    128  /* incl. NUL */
#define NC_UDP_PAYLOAD_MAX  256  /* bytes (512 hex digits) */

/* "health": active probes from the control lcore through the ports. */
struct nc_cfg_health {
	enum nc_health_type type;     /* "type"; NC_HEALTH_NONE when the section is absent */
	uint32_t interval_ms;         /* "interval_ms", default 1000, 50..3600000 */
	uint32_t timeout_ms;          /* "timeout_ms", default 500, 10..interval_ms */
	uint8_t rise;                 /* "rise", default 2, 1..100: good probes to come up */
	uint8_t fall;                 /* "fall", default 3, 1..100: bad probes to go down */
	char http_path[NC_HTTP_PATH_MAX];   /* "http_path", default "/health" */
	bool proxy;                   /* "proxy", default false: http probes of a service
	                               * with a PROXY client_address open their request with
	                               * the header (the probe's own connection), for servers
	                               * that refuse requests without one */
	uint8_t udp_payload[NC_UDP_PAYLOAD_MAX];   /* "udp_payload_hex", default empty */
	uint16_t udp_payload_len;
};

/* "adaptive": the weight controller. */
struct nc_cfg_adaptive {
	bool enabled;                 /* "enabled", default false: static weights */
	enum nc_adaptive_mode mode;   /* "mode": "paper" (default) or "fast" */
	uint32_t interval_ms;         /* "interval_ms", default 1000, 100..3600000 */
	uint8_t step;                 /* "step", default 1, 1..50 (percent moved per interval) */
	uint8_t min_weight;           /* "min_weight", default 1, 1..100/servers */
};

/* "failsafe": the transaction fail-safe. Each request (client packets on a flow that
 * its server has not answered yet) is held until the first response bytes; on a
 * server failure the flow moves to another up server and the held requests are
 * replayed there. */
struct nc_cfg_failsafe {
	bool enabled;                 /* "enabled", default false: nothing held */
	uint32_t response_timeout_ms; /* "response_timeout_ms", default 2000, 10..600000:
	                               * a held request unanswered this long is a failure */
	uint8_t max_replays;          /* "max_replays", default 2, 0..16: moves per request
	                               * before the client is reset */
	uint32_t store_size;          /* "store_size", default 65536, 64..4194304: entries
	                               * of the transaction store per worker */
	enum nc_fs_protocol protocol; /* "protocol": "auto" (default), "http" or "opaque" */
	enum nc_fs_replay replay;     /* "replay": "all" (default) or "idempotent" */
	uint32_t hold_limit_kb;       /* "hold_limit_kb", default 4096, 1..1048576: request
	                               * bytes held per TCP connection; a request past it
	                               * is not held (counted) */
};

struct nc_cfg_service {
	char name[NC_NAME_MAX];
	uint8_t family;   /* AF_INET or AF_INET6: of "vip" */
	uint32_t vip;
	uint8_t vip6[16];
	uint16_t port;
	uint8_t proto;    /* IPPROTO_TCP (6) or IPPROTO_UDP (17) */
	/* "local_ips": of the servers' family (an IPv6 service over IPv4 servers,
	 * NAT64, takes IPv4 local addresses); one of the two lists is used */
	uint32_t local_ips[NC_MAX_LOCAL_IPS];
	uint16_t n_local_ips;
	uint8_t local_ips6[NC_MAX_LOCAL_IPS][16];
	uint16_t n_local_ips6;
	uint8_t server_family;    /* derived: AF_INET or AF_INET6, every server's */
	enum nc_sched_kind scheduler;
	uint32_t maglev_size;     /* "maglev_size", scheduler maglev only: a prime,
	                           * NC_MAGLEV_SIZE_MIN..MAX, default NC_MAGLEV_SIZE_DEFAULT
	                           * (0 in a hand-made config: the default) */
	uint32_t maglev_seed;     /* "maglev_seed", scheduler maglev only: 0..4294967295,
	                           * default NC_MAGLEV_SEED_DEFAULT */
	struct nc_cfg_server servers[NC_MAX_SERVERS];
	uint16_t n_servers;
	uint32_t persistence_s;   /* "persistence_s", default 0, 0..86400: a client address's
	                           * new flows go to the server first chosen for it while
	                           * its affinity entry lives; 0: no affinity */
	uint8_t persistence_prefix6;  /* "persistence_prefix6", default 128, 1..128: an IPv6
	                           * client's affinity is per this prefix of its address
	                           * (64: per /64) */
	enum nc_client_addr client_address;   /* "client_address", default "none"; TCP:
	                           * "proxy-v1", "proxy-v2", "toa"; UDP: "proxy-v2" only.
	                           * A reload changes it for new flows only */
	enum nc_syn_proxy syn_proxy;  /* "syn_proxy", default "off"; TCP only */
	uint32_t syn_proxy_threshold; /* "syn_proxy_threshold", syn_proxy "auto" only: on
	                           * above this many handshakes under way (the service's,
	                           * all workers), off below half of it; default
	                           * NC_SYNP_THRESHOLD_DEFAULT, 2..10000000 */
	struct nc_cfg_health health;
	struct nc_cfg_adaptive adaptive;
	struct nc_cfg_failsafe failsafe;
};

#define NC_PATH_MAX 256   /* file paths incl. NUL */

/* "management": the HTTP management interface (API, metrics, dashboard). */
struct nc_cfg_management {
	bool enabled;                 /* the section is present */
	uint32_t listen_ip;           /* "listen" "IP:PORT", default 127.0.0.1:9180 (host order) */
	uint16_t listen_port;
	bool listen_v6;               /* "listen" was "[IPv6]:PORT": listen_ip6, not listen_ip */
	uint8_t listen_ip6[16];       /* network order */
	char token_file[NC_PATH_MAX]; /* "token_file": the bearer token every change needs */
	bool tls;                     /* both tls_cert and tls_key given: HTTPS only */
	char tls_cert[NC_PATH_MAX];   /* "tls_cert": PEM certificate (chain), checked at load */
	char tls_key[NC_PATH_MAX];    /* "tls_key": PEM private key of its first certificate */
};

#define NC_TLS_PEM_MAX (256u << 10)   /* largest tls_cert or tls_key file read */

/* "bgp": what the routing daemon beside the appliance announces (its config is
 * rendered from this by scripts/render-bird.py); the appliance itself only
 * checks it and announces the VIPs on the exception interface facing the
 * neighbors while it is ready to serve them. */
struct nc_cfg_bgp_neighbor {
	uint8_t family;               /* AF_INET, or AF_INET6: address6 */
	uint32_t address;             /* "address": on a port subnet with an exception interface
	                               * and a host (IPv6: host6) there, the session's source */
	uint8_t address6[16];
	uint32_t asn;                 /* "asn" */
	uint16_t port;                /* the port whose subnet holds it (derived) */
};

struct nc_cfg_bgp {
	bool enabled;                 /* the section is present */
	uint32_t asn;                 /* "asn", 1..4294967294 */
	uint32_t router_id;           /* "router_id", default: the host address facing neighbors[0] */
	uint16_t hold_s;              /* "hold_s", default 3: 0 or 3..65535 */
	struct nc_cfg_bgp_neighbor neighbors[NC_MAX_BGP_NEIGHBORS];
	uint16_t n_neighbors;         /* "neighbors", 1..8 */
	bool bfd;                     /* "bfd.enabled", default true */
	uint32_t bfd_interval_ms;     /* "bfd.interval_ms", default 100, 10..10000 */
	uint8_t bfd_multiplier;       /* "bfd.multiplier", default 3, 1..255 */
};

/* "cluster": the cluster channel between dispatchers behind one ECMP router
 * (lib/cluster). Bounds shared with lib/cluster. */
#define NC_CLUSTER_MAX_PEERS  7
#define NC_CLUSTER_MAX_ID     15
#define NC_CLUSTER_SECRET_MIN 16     /* bytes */
#define NC_CLUSTER_SECRET_MAX 4096

struct nc_cfg_cluster {
	bool enabled;                 /* the section is present */
	uint8_t id;                   /* "id", 0..15, distinct per dispatcher */
	uint8_t family;               /* AF_INET6: the peers are IPv6 (peers6, bind_addr6) */
	uint32_t peers[NC_CLUSTER_MAX_PEERS];   /* "peers": the other dispatchers' host addresses */
	uint8_t peers6[NC_CLUSTER_MAX_PEERS][16];   /* ... their host6 addresses (family AF_INET6) */
	uint16_t n_peers;             /* 1..7 */
	/* "peers"[i].local_ips: that dispatcher's local IPs, which a survivor
	 * takes over on the back segment when it dies (flow sync) */
	uint32_t peer_lips[NC_CLUSTER_MAX_PEERS][NC_MAX_LOCAL_IPS];
	uint16_t peer_n_lips[NC_CLUSTER_MAX_PEERS];
	uint8_t peer_lips6[NC_CLUSTER_MAX_PEERS][NC_MAX_LOCAL_IPS][16];   /* its IPv6 ones */
	uint16_t peer_n_lips6[NC_CLUSTER_MAX_PEERS];
	bool sync;                    /* "sync", default true: flows and held requests
	                               * replicated to the peers, taken over when one dies */
	uint32_t sync_max_flows;      /* "sync_max_flows", default 65536: replicas held */
	uint32_t sync_max_held;       /* "sync_max_held", default 4096: held requests
	                               * replicated per peer */
	uint16_t sync_port;           /* "sync_port", default 7788: UDP, same on every dispatcher */
	char secret_file[NC_PATH_MAX];   /* "secret_file": the shared HMAC secret, read at load */
	uint8_t secret[NC_CLUSTER_SECRET_MAX];
	uint16_t secret_len;          /* 16..4096 (one trailing newline stripped) */
	uint32_t heartbeat_ms;        /* "heartbeat_ms", default 100, 10..10000 */
	uint32_t dead_ms;             /* "dead_ms", default 5 x heartbeat_ms, above heartbeat_ms */
	uint32_t drain_s;             /* "drain_s", default 5, 0..3600: the drain's wait */
	uint16_t port;                /* derived: the port whose host subnet holds the peers */
	uint32_t bind_addr;           /* derived: that port's host address (the channel's source) */
	uint8_t bind_addr6[16];       /* derived, IPv6 peers: that port's host6 address */
};

struct nc_config {
	struct nc_cfg_eal eal;
	struct nc_cfg_workers workers;
	struct nc_cfg_port ports[NC_MAX_PORTS];
	uint16_t n_ports;
	struct nc_cfg_neighbor neighbors[NC_MAX_NEIGHBORS];
	uint16_t n_neighbors;
	struct nc_cfg_route routes[NC_MAX_ROUTES];
	uint16_t n_routes;
	struct nc_cfg_limits limits;
	struct nc_cfg_service services[NC_MAX_SERVICES];
	uint16_t n_services;
	struct nc_cfg_management management;
	struct nc_cfg_bgp bgp;
	struct nc_cfg_cluster cluster;
};

/* Validation problems: one line each, "json.path: reason". */
#define NC_ERR_LINES_MAX 64
#define NC_ERR_LINE_LEN  256
struct nc_errors {
	unsigned int n;          /* lines stored (at most NC_ERR_LINES_MAX) */
	unsigned int n_dropped;  /* further lines not stored */
	char line[NC_ERR_LINES_MAX][NC_ERR_LINE_LEN];
};

#endif /* NC_CONFIG_TYPES_H */
