/* SPDX-License-Identifier: BSD-3-Clause
 * Health probes as frames: the control lcore builds each probe's frames and
 * feeds it the frames that come back. One probe in flight per server; it sends
 * from one of the appliance's local IPs and a probe port reserved for it, so
 * replies are told apart by (local IP, port) or, for ICMP, the echo id. IPv4
 * or IPv6 (the target's family): over IPv6, ICMP is ICMPv6 (echo request 128,
 * reply 129, destination unreachable 1).
 *
 *   tcp:  SYN -> SYN-ACK = good (round trip SYN -> SYN-ACK), then RST;
 *         RST or ICMP unreachable = bad.
 *   http: SYN -> SYN-ACK -> ACK + "GET <path> HTTP/1.0" -> first response
 *         segment: status 2xx/3xx = good (round trip request -> first byte),
 *         anything else = bad; then RST. The RST (not a FIN) leaves no
 *         TIME_WAIT socket on the server.
 *   udp:  datagram -> any datagram back = good; ICMP unreachable = bad.
 *   icmp: echo request -> echo reply with the same id and sequence = good.
 * No answer before the caller's timeout = bad (nc_probe_timeout).
 *
 * Works on plain byte buffers (no mbuf, no EAL): any thread, unit-testable.
 */
#ifndef NC_PROBE_H
#define NC_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include <rte_ether.h>

#include "nc_config_types.h"

/* What one probe talks to, and from where. Addresses and ports in network order. */
struct nc_probe_target {
	enum nc_health_type type;
	uint8_t family;                  /* AF_INET (or 0) or AF_INET6: which addresses count */
	struct rte_ether_addr src_mac;   /* our port's MAC */
	struct rte_ether_addr dst_mac;   /* next hop towards the server */
	uint32_t src_ip;                 /* IPv4: a local IP of the appliance */
	uint32_t dst_ip;                 /* IPv4: the server */
	uint8_t src_ip6[16];             /* IPv6: a local IP of the appliance */
	uint8_t dst_ip6[16];             /* IPv6: the server */
	uint16_t src_port;               /* the probe port; ICMP: the echo id */
	uint16_t dst_port;               /* the server's port (unused for ICMP) */
	const char *http_path;           /* http */
	uint8_t proxy;                   /* http: NC_CA_PROXY_V1 or _V2 (health.proxy):
	                                  * the request opens with that PROXY header naming
	                                  * the probe's own connection; 0: none */
	const uint8_t *udp_payload;      /* udp */
	uint16_t udp_payload_len;
};

enum nc_probe_state {
	NC_PROBE_IDLE = 0,
	NC_PROBE_SYN_SENT,      /* tcp, http */
	NC_PROBE_REQ_SENT,      /* http: request sent, waiting for the first response byte */
	NC_PROBE_UDP_SENT,
	NC_PROBE_ECHO_SENT,
};

/* One probe in flight (or none: IDLE). */
struct nc_probe {
	uint8_t state;               /* enum nc_probe_state */
	uint32_t isn;                /* our initial sequence number (host order) */
	uint32_t peer_next;          /* server's next sequence number (host order) */
	uint32_t req_len;            /* http: bytes of request sent */
	uint16_t echo_seq;           /* icmp (host order) */
	uint64_t t_sent_us;          /* when the timed part began */
};

/* Verdicts of nc_probe_input / nc_probe_timeout. */
#define NC_PROBE_PENDING  0     /* no verdict yet (or a frame that is not an answer) */
#define NC_PROBE_GOOD     1
#define NC_PROBE_BAD    (-1)

/* Room a caller should give for a probe frame. */
#define NC_PROBE_FRAME_MAX 1024

/*
 * Start a probe of <t>: build its first frame (TCP SYN with MSS 1460 and no
 * other option, UDP datagram, or ICMP echo request; IPv4: TTL 64, DF set,
 * both checksums valid; IPv6: hop limit 64, no extension header, the
 * upper-layer checksum with the pseudo-header) into <buf> of <cap> bytes.
 * <seed> varies the TCP initial sequence number and the echo sequence between
 * probes. Returns the frame length, or -EINVAL (type none, http without path,
 * a PROXY header over IPv6) / -ENOSPC.
 */
int nc_probe_start(struct nc_probe *p, const struct nc_probe_target *t, uint64_t now_us,
		   uint32_t seed, uint8_t *buf, size_t cap);

/*
 * Feed a frame received for this probe (Ethernet first, <len> bytes). Frames
 * that do not belong to it (other addresses, ports, id, sequence numbers) are
 * ignored: NC_PROBE_PENDING with nothing to send. It may build one frame to
 * send into <out> (<cap> bytes; *out_len = its length, else 0): the ACK with
 * the HTTP request, or the RST that ends a TCP probe. On NC_PROBE_GOOD,
 * *rt_us gets the round trip. After a verdict the probe is IDLE.
 */
int nc_probe_input(struct nc_probe *p, const struct nc_probe_target *t, const uint8_t *frame,
		   size_t len, uint64_t now_us, uint8_t *out, size_t cap, size_t *out_len,
		   uint32_t *rt_us);

/*
 * The probe's time is up: NC_PROBE_BAD (the probe becomes IDLE), and an RST to
 * abort a TCP connection the server may have half-opened in <out> (*out_len,
 * else 0). NC_PROBE_PENDING if the probe was IDLE.
 */
int nc_probe_timeout(struct nc_probe *p, const struct nc_probe_target *t, uint8_t *out,
		     size_t cap, size_t *out_len);

/*
 * Which probe a frame addressed to the appliance may answer: TCP or UDP ->
 * its destination IP and port; ICMP echo reply -> its destination IP and echo
 * id; ICMP destination unreachable -> source IP and port (TCP/UDP) or id (echo)
 * of the packet it quotes. Values in network order. Returns 0, or -EINVAL
 * when the frame cannot be a probe answer (malformed, other ICMP types, IPv6).
 */
int nc_probe_match(const uint8_t *frame, size_t len, uint32_t *local_ip, uint16_t *port_or_id);

/*
 * nc_probe_match for IPv6 frames (ICMPv6 echo reply, destination unreachable):
 * the local address into <local_ip6> (16 bytes). -EINVAL for an IPv4 frame.
 */
int nc_probe_match6(const uint8_t *frame, size_t len, uint8_t *local_ip6, uint16_t *port_or_id);

#endif /* NC_PROBE_H */
