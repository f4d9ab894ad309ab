/* SPDX-License-Identifier: BSD-3-Clause
 * The data-path fixture of the unit tests of lib/dp (test_dp_*.c, one file
 * per room) and lib/metrics: the lab, a data plane created for each test
 * without a NIC, packets built by pkt_build in through nc_worker_rx() and
 * out of nc_worker_tx_take(), the frames expected on the wire, counters,
 * health probes and the transaction fail-safe's segments. Every data-path
 * test ends with the mbuf pool as full as it started: nothing is lost or
 * leaked. Needs the EAL: --no-huge, no devices; one fake port (port id 0).
 * Every function runs on the test's thread, which plays the control lcore
 * and every worker in turn: none is multi-thread safe.
 */
#ifndef DP_FIXTURE_H
#define DP_FIXTURE_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "nc_dp.h"
#include "pkt_build.h"

/* ------------------------------------------------------------ the lab */

#define IP_PORT   PB_IP(10, 0, 0, 1)
#define IP_SA     PB_IP(10, 0, 0, 11)
#define IP_SB     PB_IP(10, 0, 0, 12)
#define IP_GW     PB_IP(10, 0, 0, 254)
#define IP_VIP    PB_IP(10, 0, 0, 100)
#define IP_LIP    PB_IP(10, 0, 0, 200)
#define IP_CLIENT PB_IP(192, 168, 1, 10)   /* behind the gateway */

#define WEB_PORT  80
#define WEB_SPORT 8080                     /* the servers' port for web */
#define DNS_PORT  5353

enum { SVC_WEB, SVC_DNS };
enum { SA, SB };

extern const uint8_t mac_port[6];
extern const uint8_t mac_gw[6];
extern const uint8_t mac_srv[2][6];
extern const uint32_t ip_srv[2];

/* The mbuf pool every packet of a test comes from (fx_eal_setup). */
extern struct rte_mempool *fx_pool;

struct fx {
	struct nc_config *cfg;
	struct nc_dp *dp;
	unsigned int n_workers;
	unsigned int avail0;
	int vclock;              /* the workers run on vnow_ms (fail-safe fixtures) */
	uint32_t vnow_ms;
	unsigned int tx_segs_max;   /* most segments of a frame take_chained() took */
};


/* Group setup: start the EAL with its files under <prefix> (one per test
 * program) and make fx_pool. 0 or -1. */
int fx_eal_setup(void **state, const char *prefix);

/* Group teardown: free fx_pool, stop the EAL. Returns 0. */
int fx_eal_teardown(void **state);

/* Second worker (lcores 1 and 2). */
void tweak_two_workers(struct nc_config *c);

/* Test setup: the data plane of the lab (cfg_lab in dp_fixture.c) changed by
 * <tweak> (NULL: none); every worker ticked; *<state>: the struct fx. 0 or -1. */
int fx_setup(void **state, void (*tweak)(struct nc_config *c));

/* As fx_setup(), the struct fx at the start of <size> zeroed bytes (at least
 * sizeof(struct fx)): a suite's own state follows it, freed with it. */
int fx_setup_ext(void **state, void (*tweak)(struct nc_config *c), size_t size);

/* As fx_setup(), the port sending single-segment frames only
 * (nc_dp_port_setup.tx_one_seg, as net_af_xdp). */
int fx_setup_one_seg(void **state, void (*tweak)(struct nc_config *c));

/* As fx_setup(), the port spreading packets over the workers' queues by RSS
 * with the default key (nc_dp_port_setup.rss_default_key). */
int fx_setup_rss(void **state, void (*tweak)(struct nc_config *c));

/* Test setup: the lab as it is. */
int setup_lab(void **state);

/* Test teardown: drop what the workers would still send, free the data plane
 * and the fixture. Returns 0. */
int fx_teardown(void **state);

/* Worker <i>. */
struct nc_worker *wk(struct fx *f, unsigned int i);

/*
 * Worker <i>'s clock, as its loop would set it. With a fail-safe service the
 * workers run on the test's own millisecond clock, which only fs_wait()
 * moves: a deadline is met by a test's step, never by a pause of a loaded
 * machine (response times, in microseconds, stay real).
 */
void tick(struct fx *f, unsigned int i);

/* ------------------------------------------------------ packets in, out */

struct frame {
	uint8_t b[PB_MAX_FRAME];
	uint32_t len;
};

/* An mbuf of fx_pool holding the frame built from <p>, from port 0. */
struct rte_mbuf *mk(const struct pb_pkt *p);

/* Receive the frame built from <p> on worker <w>. */
void rx(struct fx *f, unsigned int w, const struct pb_pkt *p);

/* Everything worker <w> would transmit: copied out, mbufs freed. */
unsigned int take(struct fx *f, unsigned int w, struct frame *out, unsigned int max);

/* As take(), frames of several buffers too (a datagram reassembled and
 * sent whole), each copied out whole. */
unsigned int take_chained(struct fx *f, unsigned int w, struct frame *out, unsigned int max);

/* The <glen> bytes at <got> are the <wlen> at <want> (the first difference
 * printed). */
void assert_bytes(const uint8_t *got, uint32_t glen, const uint8_t *want, uint32_t wlen);

/* Worker <w> transmits nothing. */
void expect_none(struct fx *f, unsigned int w);

/* Worker <w> transmits exactly one frame, copied to <out>. */
void expect_one(struct fx *f, unsigned int w, struct frame *out);

/* The frame on the wire is exactly the one built from <want>. */
void assert_wire(const struct frame *got, const struct pb_pkt *want);

/* fx_pool is as full as when the test started. */
void assert_no_leak(struct fx *f);

/* The data plane's counters into <st>. */
void stats(struct fx *f, struct nc_dp_stats *st);

/* Drop counters are exactly <want> (NC_DROP_MAX entries). */
void assert_drops(struct fx *f, const uint64_t *want);

/* Drops of every reason, summed. */
uint64_t drops_total(struct fx *f);

/* Deliver <p> on worker <w>, let every worker take what was handed to it,
 * and return the one frame that comes out and the worker that sent it. */
unsigned int deliver(struct fx *f, unsigned int w, const struct pb_pkt *p, struct frame *out);

/* The queue a 2-queue NIC's RSS gives IPv4 or IPv6 TCP/UDP frame <p>: the
 * Toeplitz hash of its addresses and ports with the default key (DPDK's
 * rte_softrss), the redirection table round robin; the hash in <hash>. */
unsigned int nic_queue(const struct pb_pkt *p, uint32_t *hash);

/* deliver() of mbuf <m>, made by the caller (flags, hash). */
unsigned int deliver_m(struct fx *f, unsigned int w, struct rte_mbuf *m, struct frame *out);

/* Length of the frame built from <p>. */
uint32_t flen(const struct pb_pkt *p);

/* ------------------------------------------------------ expected frames */

/* The client's first packet to web (<proto> TCP, a SYN) or dns (UDP) from
 * port <sport>, through the gateway. */
void client_pkt(struct pb_pkt *p, uint8_t proto, uint16_t sport);

/* client -> VIP:port  becomes  LIP:lport -> server:sport, TTL - 1, MACs from
 * the neighbor table. */
struct pb_pkt nat_c2s(const struct pb_pkt *in, int server, uint16_t lport);

/* A packet from <server> to LIP:lport answering <client>. */
void server_pkt(struct pb_pkt *p, const struct pb_pkt *client, int server, uint16_t lport);

/* server:sport -> LIP:lport  becomes  VIP:port -> client, via the gateway. */
struct pb_pkt nat_s2c(const struct pb_pkt *in, const struct pb_pkt *client);

/* The server a forwarded frame goes to (SA or SB; fails otherwise). */
int server_of(const struct frame *fr);

/* The local port a forwarded frame comes from. */
uint16_t lport_of(const struct frame *fr);

/* The frame among <fr>[0, n) not yet marked in <used> that is <want> on the
 * wire, now marked; -1 if none (frames of one burst, in any order). */
int find_frame(const struct frame *fr, unsigned int n, uint8_t *used, const struct pb_pkt *want);

/* As find_frame(), failing the test (naming packet <i> of the burst) when
 * <want> is not among them. */
void expect_in_burst(const struct frame *fr, unsigned int n, uint8_t *used,
		     const struct pb_pkt *want, unsigned int i);

/* A flow as the client and the dispatcher see it. */
struct flow {
	struct pb_pkt c;     /* the client's first packet */
	int server;
	uint16_t lport;
	unsigned int owner;  /* worker that holds it */
};

/* Send the client's first packet <p> on worker <w>, check the forwarded
 * frame, and learn the server and local port it got. */
void open_flow(struct fx *f, unsigned int w, const struct pb_pkt *p, struct flow *fl);

/* open_flow() of a web SYN from <sport> on worker 0. */
void open_tcp(struct fx *f, uint16_t sport, struct flow *fl);

/* Client packet <p> on an open flow is forwarded to its server and port. */
void c2s_ok(struct fx *f, const struct flow *fl, const struct pb_pkt *p);

/* Server packet <p> on an open flow reaches the client as VIP:port. */
void s2c_ok(struct fx *f, const struct flow *fl, const struct pb_pkt *p);

/* The client's next segment on <fl> with <flags>. */
void client_seg(struct pb_pkt *p, const struct flow *fl, uint8_t flags);

/* <fl>'s server's segment with <flags>, answering the client's first. */
void server_seg(struct pb_pkt *p, const struct flow *fl, uint8_t flags);

/* ICMP echo request from the client to <dip> with <payload> (<len> bytes). */
void echo_request(struct pb_pkt *p, uint32_t dip, const uint8_t *payload, uint16_t len);

/* -------------------------------------------------- control lcore path */

/* One round of the control lcore, and worker 0 sends what it was given. */
void ctl_round(struct fx *f);

/* Sleep <ms> milliseconds of real time. */
void sleep_ms(unsigned int ms);

/* Service <svc>'s summary and both servers' views. */
void mon_view(struct fx *f, unsigned int svc, struct nc_service_view *sv, struct nc_server_view *v);

/* ------------------------------------------------------- health probes */

/* NC_PROBE_PORT_BASE, NC_PROBE_FIRST_MS: dp_priv.h. */
#define PROBE_PORT(s) ((uint16_t)(NC_PROBE_PORT_BASE + (s)))   /* web's servers */
#define PROBE_WAIT_MS 55       /* past web's probe interval (50 ms) */

/* Health section as the config loader would fill it (every field). */
void health_set(struct nc_cfg_service *s, enum nc_health_type type);

/* web probed with TCP every 50 ms (timeout 40, rise 2, fall 2). */
void tweak_health(struct nc_config *c);

/* The probes of web's servers as seen on the wire. */
struct probes {
	uint32_t isn[2];         /* sequence number of the last SYN to each server */
	unsigned int syn[2];     /* SYNs in the last round */
	unsigned int rst[2];     /* RSTs ending an unanswered probe, last round */
	unsigned int to_ctl;     /* answers the test passed to the control lcore */
};

/* Wait <ms>, let the control lcore run its probes and check what it sends:
 * SYNs, and bare RSTs (seq = ISN + 1) after a probe that timed out. */
void probe_round(struct fx *f, struct probes *pr, unsigned int ms);

/* Server <s>'s TCP segment to its probe port. */
void probe_reply(struct pb_pkt *p, int s, uint8_t flags, uint32_t seq, uint32_t ack);

/* <p> reaches the control lcore through worker 0, nothing is sent at once. */
void to_ctl(struct fx *f, struct probes *pr, const struct pb_pkt *p);

/* Server <s> accepts its probe with a SYN-ACK: the control lcore ends the
 * probe with RST|ACK at ISN + 1, acknowledging the server's SYN. */
void answer_synack(struct fx *f, struct probes *pr, int s);

/* Server <s> refuses its probe: RST|ACK acknowledging the SYN (closed port). */
void answer_rst(struct fx *f, struct probes *pr, int s);

/* ------------------------------------------- transaction fail-safe */

/* <s> holds each request until its server answers: <timeout_ms>,
 * <max_replays> moves, a store of 64 entries per worker. */
void failsafe_set(struct nc_cfg_service *s, uint32_t timeout_ms, uint8_t max_replays);

/* The fail-safe view of dns. */
void fs_view(struct fx *f, struct nc_failsafe_view *v);

/* The private copies of held requests come back to their pool too: what is
 * missing from it is exactly what the stores hold. */
void assert_txpool(struct fx *f);

/* A fail-safe test's end: nothing dropped, the control lcore's round run,
 * every private copy back in its pool, nothing leaked. */
void assert_fs_clean(struct fx *f);

/* Let <ms> pass, then run worker <w>'s fail-safe; returns the flows it handled. */
unsigned int fs_wait(struct fx *f, unsigned int w, unsigned int ms);

/* dns request from <sip>:<sport> with a payload of <len> bytes of <q>. */
void dns_req(struct pb_pkt *p, uint32_t sip, uint16_t sport, const uint8_t *q, uint16_t len);

/* Every fail-safe counter of service <svc> is as given. */
void assert_fs_svc(struct fx *f, unsigned int svc, uint64_t held_now, uint64_t held,
		   uint64_t released, uint64_t replays, uint64_t resets, uint64_t fo_a,
		   uint64_t fo_b);

/* ------------------------------------------- TCP transaction fail-safe */

/* web holds each request until its server answers: 30 ms, 2 moves. */
void tweak_tcpfs(struct nc_config *c);

/* Test setup: the lab with tweak_tcpfs. */
int setup_tcpfs(void **state);

/* A client SYN's options as Linux sends them: MSS 1460, SACK-permitted,
 * timestamps, NOP, window scale 7; and what a fail-safe service's server
 * sees (MSS and SACK-permitted: a second server can keep them). */
extern const uint8_t syn_opts[20];
extern const uint8_t syn_opts_stripped[20];
extern const uint8_t mss_opt[4];
/* MSS 1460 and SACK-permitted, as Linux lays them without timestamps. */
extern const uint8_t mss_sack_opt[8];

/* Receive on worker 0 the frame of <p> with the TCP option bytes <opt>
 * (<olen>, a multiple of 4) in place of pb_build's NOPs. */
void rx_opt(struct fx *f, const struct pb_pkt *p, const uint8_t *opt, uint8_t olen);

/* The frame on the wire is exactly <want> with the TCP options <opt>. */
void assert_wire_opt(const struct frame *got, const struct pb_pkt *want, const uint8_t *opt,
		     uint8_t olen);

/* A TCP segment's flags, numbers and payload set in <p>. */
void tc_set(struct pb_pkt *p, uint8_t flags, uint32_t seq, uint32_t ack, const void *pay,
	    uint16_t len);

/* A segment of web connection <fl> from the client. */
void tc_client(struct pb_pkt *p, const struct flow *fl, uint8_t flags, uint32_t seq, uint32_t ack,
	       const void *pay, uint16_t len);

/* A segment of web connection <fl> from <server>. */
void tc_server(struct pb_pkt *p, const struct flow *fl, int server, uint8_t flags, uint32_t seq,
	       uint32_t ack, const void *pay, uint16_t len);

/* A bare segment the dispatcher makes itself for connection <fl>: to
 * <server> from the local IP, or (server < 0) to the client from the VIP. */
void tc_own(struct pb_pkt *p, const struct flow *fl, int server, uint8_t flags, uint32_t seq,
	    uint32_t ack);

/* The client's SYN from <sport> with sequence number <isn>, the full
 * option set if <opts>: it reaches a with the options it may keep. */
void tc_syn(struct fx *f, uint16_t sport, uint32_t isn, int opts, struct flow *fl);

/* A whole handshake with a: client ISN <c>, a's ISN <a>. */
void tc_connect(struct fx *f, uint16_t sport, uint32_t c, uint32_t a, int opts, struct flow *fl);

/* The PROXY v2 header (28 bytes) of the fixture's client IP_CLIENT:<sport>
 * to VIP:<vport> over <proto>. */
void proxy_v2_of(uint8_t *h, uint8_t proto, uint16_t sport, uint16_t vport);

/* The client-address header segment to server <s> of <fl> at <seq>
 * acknowledging <ack>, carrying <h> (<n> bytes), window <win>. */
void hdr_seg(struct pb_pkt *p, const struct flow *fl, int s, uint32_t seq, uint32_t ack,
	     const uint8_t *h, uint16_t n, uint16_t win);

/* Publish web with b up or not, at the weights the monitor has (a test
 * opening connections on a only; the monitor's state is untouched). */
void web_b_up(struct fx *f, uint8_t up);

/* The same for service <svc> (two servers, a and b); for its server <server>. */
void svc_b_up(struct fx *f, unsigned int svc, uint8_t up);
void svc_server_up(struct fx *f, unsigned int svc, unsigned int server, uint8_t up);

/* Fail-safe counters of web beyond assert_fs_svc's. */
void fs_web(struct fx *f, struct nc_failsafe_view *v);

/* The appliance moves connection <fl> itself: with <rst>, the old server
 * gets an RST at <rst_seq> from the old local port; then server <to> a SYN
 * at <syn_seq> from a new local port (with the client's MSS if <mss>, and
 * SACK-permitted too if it is 2). <fl> follows: its server and local port
 * are the new ones. */
void expect_move(struct fx *f, struct flow *fl, int rst, uint32_t rst_seq, int to,
		 uint32_t syn_seq, int mss);

/* The new server answers the appliance's SYN with ISN <isn>: the appliance
 * acknowledges it (at <start>) and sends it the held client segments
 * <held>[0..n) in order, acknowledging <ack> in the new server's space. */
void expect_splice(struct fx *f, const struct flow *fl, uint32_t isn, uint32_t start,
		   const struct pb_pkt *held, unsigned int n, uint32_t ack);

/* Server <fl->server>'s segment reaches the client at <client_seq>. */
void s2c_at(struct fx *f, const struct flow *fl, const struct pb_pkt *p, uint32_t client_seq);

/* ------------------------------------------------------------ IPv6 lab */

enum { SVC_WEB6 = 2, SVC_DNS6 = 3 };

/* fd00::1 (port), fd00::100 (VIP), fd00::200 (local IP), fd00::fe (gateway),
 * 2001:db8:1::10 (client, behind the gateway), fd00::11 and fd00::12 (servers
 * SA, SB); set by tweak_v6(). */
extern uint8_t ip6_port[16], ip6_vip[16], ip6_lip[16], ip6_gw[16], ip6_client[16],
	ip6_srv[2][16];

/* The lab dual-stack: fd00::1/64 on the port, static servers and gateway,
 * ::/0 via the gateway; web6 tcp/80 (30/70) and dns6 udp/5353 (50/50) on
 * fd00::100 with local address fd00::200. */
void tweak_v6(struct nc_config *c);

/* IPv6 frames: the client's first packet to web6 (TCP) or dns6 (UDP) from
 * <sport>; it as sent to <server> from the local address and <lport>; the
 * server's answer to it; that as the client gets it. */
void client6(struct pb_pkt *p, uint8_t proto, uint16_t sport);
struct pb_pkt nat6_c2s(const struct pb_pkt *in, int server, uint16_t lport);
void server6(struct pb_pkt *p, const struct pb_pkt *client, int server, uint16_t lport);
struct pb_pkt nat6_s2c(const struct pb_pkt *in, const struct pb_pkt *client);
/* The server (SA, SB) and local port of an IPv6 frame sent to a server. */
int server6_of(const struct frame *fr);
uint16_t lport6_of(const struct frame *fr);
/* Open a flow with the client's first packet <p>: forwarded to a server
 * from the local address, every byte as built from scratch. */
void open6(struct fx *f, const struct pb_pkt *p, int *server, uint16_t *lport);

/* NAT64 beside them: web64 tcp/80 and dns64 udp/5353 on fd00::164
 * (ip6_vip64) over the IPv4 servers and local IP (tweak_v6_64); the IPv4
 * packet a client packet <in> becomes for <server> from <lport>; the IPv6
 * packet the server's answer <in> becomes for <client>; the server (SA, SB)
 * an IPv4 frame went to. */
enum { SVC_WEB64 = 4, SVC_DNS64 = 5 };
extern uint8_t ip6_vip64[16];
void svc64(struct nc_config *c, unsigned int si, const char *name, uint8_t proto, uint16_t port,
	   uint16_t sport);
void tweak_v6_64(struct nc_config *c);
struct pb_pkt nat64_c2s(const struct pb_pkt *in, int server, uint16_t lport);
struct pb_pkt nat64_s2c(const struct pb_pkt *in, const struct pb_pkt *client);
int server4_of(const struct frame *fr);

/* ------------------------------------------------------- ICMP errors */

/* An ICMP error frame about the packet in <quoted> (a whole frame; its
 * first <qlen> IP bytes in <buf>, the quote): ICMPv6 (<v6>) type <type>
 * with <mtu>, or ICMPv4 type 3 code 4 (fragmentation needed) with <mtu>.
 * The caller sets its MACs and addresses. */
void icmp_err(struct pb_pkt *p, int v6, uint8_t type, uint32_t mtu, const struct frame *quoted,
	      uint8_t *buf, uint16_t qlen);

/* The quote of ICMP error <fr> (outer L3 header <outer> bytes, ICMP 8) is
 * <orig>'s first <qlen> IP bytes as it left its sender, but for the hop
 * limit or TTL a router took off (and IPv4's identification and header
 * checksum). */
void assert_quote(const struct frame *fr, uint16_t outer, const struct frame *orig, uint16_t qlen,
		  int v6);

/* ICMP error <out> went from <sip> to <dip> (host order) through <mac>,
 * fragmentation needed naming <mtu>, every checksum right. */
void assert_frag_needed(const struct frame *out, const uint8_t *mac, uint32_t sip, uint32_t dip,
			uint16_t mtu);

#endif /* DP_FIXTURE_H */
