/* SPDX-License-Identifier: BSD-3-Clause
 * nc-pktgen internals: PRNG, frame builders, pcap read/write. Byte order,
 * checksums and pcap reading come from the test-support library
 * (nc_test_support.h). Plain libpcap and the netinet headers; no DPDK.
 * Addresses are host byte order everywhere in this tool except inside frame bytes.
 */
#ifndef PKTGEN_PRIV_H
#define PKTGEN_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pcap/pcap.h>

#include "nc_net_types.h"
#include "nc_test_support.h"

#define PG_FRAME_MAX     2048
#define PG_ETH_LEN       PB_ETH_LEN  /* the checksum helpers read IPv4 there */
#define PG_ETH_MIN       60      /* minimum Ethernet frame without FCS */
#define PG_MAX_PACKETS   60000   /* keep IP IDs unique within one file */
#define PG_RESP_LEN      64      /* every server response payload, fixed size */
#define PG_TCP_WIN       64240
#define PG_SRV_WIN       65160
#define PG_MSS           1460

/* Deterministic PRNG (splitmix64): same seed, same sequence, any platform. */
struct pg_rng {
	uint64_t s;
};

/* Seed <r> with <seed> mixed with a stream number <stream>. */
void pg_rng_seed(struct pg_rng *r, uint64_t seed, uint64_t stream);
/* Next 64 random bits. */
uint64_t pg_rng_next(struct pg_rng *r);
/* Uniform integer in [lo, hi] (inclusive); lo <= hi. */
uint32_t pg_rng_range(struct pg_rng *r, uint32_t lo, uint32_t hi);

/* One Ethernet frame and its capture time (microseconds since the epoch). */
struct pg_frame {
	uint8_t b[PG_FRAME_MAX];
	uint32_t len;
	uint64_t ts_us;
};

/* IP header fields for the builders. IPv6 (<v6>): the addresses are <sip6>,
 * <dip6>, <tos> the traffic class, <ttl> the hop limit and <id> the flow label,
 * which the appliance leaves as it is: unique per packet, it matches a
 * forwarded IPv6 packet to its input as the ID does for IPv4. */
struct pg_ip {
	uint8_t dmac[6];
	uint8_t smac[6];
	uint32_t sip;       /* host order */
	uint32_t dip;       /* host order */
	uint16_t id;
	uint8_t ttl;
	uint8_t tos;
	uint16_t frag;      /* flags + fragment offset field, host order */
	bool v6;
	uint8_t sip6[16];
	uint8_t dip6[16];
};

/* TCP header fields for pg_build_tcp(). */
struct pg_tcp {
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;      /* TH_* */
	uint16_t win;
	const uint8_t *opt; /* options, a multiple of 4 bytes */
	uint8_t optlen;
};

/* Build Ethernet + IPv4 or IPv6 + TCP/UDP/ICMP (ICMPv6 over IPv6) frames into
 * <f>, all checksums right and frames padded to 60 bytes. Return 0, or
 * -EMSGSIZE when it does not fit. */
int pg_build_tcp(struct pg_frame *f, const struct pg_ip *ip, const struct pg_tcp *tcp,
		 const uint8_t *pl, uint32_t plen);
int pg_build_udp(struct pg_frame *f, const struct pg_ip *ip, uint16_t sport, uint16_t dport,
		 const uint8_t *pl, uint32_t plen);
int pg_build_icmp(struct pg_frame *f, const struct pg_ip *ip, uint8_t type, uint8_t code,
		  uint16_t id, uint16_t seq, const uint8_t *pl, uint32_t plen);
/* Build an IPv4 or IPv6 packet with protocol (next header) <proto> and an
 * opaque payload. */
int pg_build_ipv4_raw(struct pg_frame *f, const struct pg_ip *ip, uint8_t proto,
		      const uint8_t *pl, uint32_t plen);
/* Build an ARP frame (Ethernet/IPv4), operation <op> (1 request, 2 reply). */
void pg_build_arp(struct pg_frame *f, const uint8_t dmac[6], const uint8_t smac[6], uint16_t op,
		  const uint8_t sha[6], uint32_t spa, const uint8_t tha[6], uint32_t tpa);

/* Build a Neighbor Solicitation for <target> from <sip6>/<smac> to its
 * solicited-node multicast address, with a source link-layer option. */
void pg_build_ns(struct pg_frame *f, const uint8_t smac[6], const uint8_t sip6[16],
		 const uint8_t target[16]);

/* A parsed IPv4 TCP/UDP/ICMP frame, or IPv6 without extension headers
 * (pointers into the frame). */
struct pg_pkt {
	bool ipv4;          /* Ethernet type IPv4 and an IPv4 header that fits */
	bool ipv6;          /* Ethernet type IPv6, version 6, payload within the frame */
	uint32_t l3;        /* offset of the IP header */
	uint32_t l4off;     /* offset of the L4 header */
	uint32_t sip, dip;  /* host order */
	uint8_t sip6[16], dip6[16];
	uint16_t id;        /* IPv6: the flow label's low 16 bits */
	uint8_t proto;
	uint8_t ttl;
	bool l4;            /* a complete TCP/UDP header follows */
	uint16_t sport, dport;
	uint32_t seq, ack;  /* TCP */
	uint8_t flags;      /* TCP */
	const uint8_t *payload;
	uint32_t plen;
};

/* Parse <b>/<len> into <p>; never fails, flags say what was found. */
void pg_parse(const uint8_t *b, uint32_t len, struct pg_pkt *p);

/* Frames read from a pcap file, in file order. */
struct pg_trace {
	struct pg_frame *f;
	uint32_t n;
	uint32_t cap;
};

/* Read every frame of the Ethernet pcap <path> into <t>. 0 or -errno; prints why. */
int pg_trace_read(const char *path, struct pg_trace *t);
/* Release the frames of <t>. */
void pg_trace_free(struct pg_trace *t);

/* Ethernet pcap writer. The file holds only what is given: no clock, no host data,
 * so the same frames always give the same bytes. */
struct pg_writer {
	pcap_t *dead;
	pcap_dumper_t *d;
	uint32_t n;
};

/* Create <path>; 0 or -errno (the reason is printed). */
int pg_writer_open(struct pg_writer *w, const char *path);
/* Append <f> with its timestamp <f->ts_us>; returns 0. */
int pg_writer_put(struct pg_writer *w, const struct pg_frame *f);
/* Flush and close; returns 0 or -EIO when the file could not be written. */
int pg_writer_close(struct pg_writer *w);

/* The server's initial sequence number for a connection, a pure function of the
 * client's 4-tuple (client ip:port -> vip:port). `gen` uses it for the client's
 * acknowledgement numbers, `reply` for the SYN|ACK, so merged files hold a
 * coherent TCP conversation. */
uint32_t pg_server_isn(uint32_t cip, uint16_t cport, uint32_t vip, uint16_t vport);

/* A 32-bit stand-in for an address in pg_server_isn() and the response
 * payload: IPv4 as it is, IPv6 its CRC-32. */
uint32_t pg_addr_key(const struct pg_pkt *p, bool src);

/* Fix the TCP or UDP checksum of the IPv4 or IPv6 frame <f> after a change. */
void pg_l4_csum_fix(uint8_t *f);

/* CRC-32 (IEEE 802.3) of <len> bytes. */
uint32_t pg_crc32(const uint8_t *p, size_t len);

/* Fill <out> (PG_RESP_LEN bytes) with the server's response to the forwarded
 * request <f>: its server's address and port, the request's length and CRC. */
void pg_response_payload(uint8_t out[PG_RESP_LEN], const struct pg_pkt *f);

/* Parse helpers for command lines: 0 on success, -EINVAL otherwise. */
int pg_parse_ip(const char *s, uint32_t *ip);
int pg_parse_ip6(const char *s, uint8_t ip[16]);
int pg_parse_mac(const char *s, uint8_t mac[6]);
int pg_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *v);
int pg_parse_u64(const char *s, uint64_t *v);
const char *pg_ip_str(uint32_t ip, char buf[16]);

/* A permutation of the IPv4 IDs 1..65535 drawn from <seed>: pg_ids_next() gives
 * the next ID that is not marked used. */
struct pg_ids {
	uint16_t perm[65535];
	uint32_t pos;
	uint8_t used[65536];
};
void pg_ids_init(struct pg_ids *ids, uint64_t seed);
/* Mark <id> as taken so pg_ids_next() never returns it. */
void pg_ids_mark(struct pg_ids *ids, uint16_t id);
/* Next free ID, or -ENOSPC when all 65535 are used. */
int pg_ids_next(struct pg_ids *ids, uint16_t *id);

/* Subcommands: argv[0] is the subcommand name. Exit status: 0 done, 1 failed,
 * 2 usage error. */
int pg_cmd_gen(int argc, char **argv);
int pg_cmd_reply(int argc, char **argv);
int pg_cmd_corrupt(int argc, char **argv);

#endif /* PKTGEN_PRIV_H */
