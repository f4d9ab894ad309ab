/* SPDX-License-Identifier: BSD-3-Clause
 * nc-pcap-check internals: capture reading, packet parsing, a small hash map and
 * next-hop resolution from the startup file. Byte order, checksums and pcap
 * reading come from the test-support library (nc_test_support.h).
 */
#ifndef CHECK_PRIV_H
#define CHECK_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nc_config.h"
#include "nc_test_support.h"

#define CK_ETH_LEN ((uint32_t)PB_ETH_LEN)  /* the checksum helpers read IPv4 there */

/* One captured frame. */
struct ck_frame {
	uint8_t *b;
	uint32_t len;
};

struct ck_trace {
	struct ck_frame *f;
	uint32_t n;
	uint32_t cap;
};

/* Read the Ethernet pcap <path>; prints the reason and returns -errno on failure. */
int ck_trace_read(const char *path, struct ck_trace *t);
/* Release the frames of <t>. */
void ck_trace_free(struct ck_trace *t);

/*
 * IPv6 addresses take the checker's 32-bit address slots as handles:
 * CK_V6_TAG | the address's index in a table of the IPv6 addresses met so far,
 * one handle per address. Flows, maps and messages then treat both families
 * alike. IPv4 240.0.0.0/4 (reserved) would read as handles: never in a test.
 */
#define CK_V6_TAG  0xf0000000u
#define CK_IP_STR  46         /* INET6_ADDRSTRLEN */

/* The handle of the IPv6 address <ip>; aborts when the table is full. */
uint32_t ck_ip6_handle(const uint8_t ip[16]);
/* The address of handle <h>. */
const uint8_t *ck_ip6_of(uint32_t h);
static inline bool
ck_is_v6(uint32_t ip)
{
	return (ip & CK_V6_TAG) == CK_V6_TAG;
}

/* Replace the IPv6 services' VIPs, local addresses and server addresses of
 * <cfg> by their handles in the IPv4 fields (vip, local_ips, address). */
void ck_cfg_handles(struct nc_config *cfg);

/* What a frame holds, as far as it can be read; no validity judgement. */
struct ck_pkt {
	const uint8_t *b;
	uint32_t len;
	uint16_t etype;
	bool ip;              /* IPv4 ethertype and 20 header bytes present, or
	                       * IPv6 (v6) and its 40 */
	bool v6;              /* IPv6: sip/dip handles, tos the traffic class, ttl
	                       * the hop limit, id the flow label's low 16 bits, tot
	                       * 40 + payload length, ihl 40 + extension headers */
	uint32_t label;       /* IPv6 flow label */
	int drop6;            /* IPv6: the parser's drop reason (enum nc_drop) for
	                       * the header chain, NC_DROP_MAX when it passes */
	uint8_t ver;
	uint32_t ihl;         /* header length in bytes */
	uint8_t tos;
	uint16_t tot;
	uint16_t id;
	uint16_t frag;        /* flags + offset */
	uint8_t ttl;
	uint8_t proto;
	uint32_t sip, dip;    /* host order */
	bool ip_sane;         /* version 4, IHL >= 5, total length within the frame */
	uint32_t l4off;       /* frame offset of the L4 header (when ip_sane) */
	uint32_t l4len;       /* tot - ihl */
	bool l4;              /* complete TCP/UDP/ICMP header inside the IP payload */
	uint16_t sport, dport;/* TCP/UDP */
	uint32_t thl;         /* TCP header length, 8 for UDP, 8 for ICMP */
	uint8_t tcp_flags;
	uint16_t udp_len;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;
	uint32_t poff, plen;  /* payload */
};

/* Fill <p> from the frame <b>/<len>; flags say how far it could be read. */
void ck_parse(const uint8_t *b, uint32_t len, struct ck_pkt *p);

/* Open-addressing map from a 128-bit key to a non-negative int32. */
struct ck_map {
	uint64_t *k1, *k2;
	int32_t *v;
	uint32_t mask;
	uint32_t n;
};

/* Empty map sized for about <expect> keys (it grows); 0 or -ENOMEM. */
int ck_map_init(struct ck_map *m, uint32_t expect);
/* Release the map's memory. */
void ck_map_free(struct ck_map *m);
/* Value for the key or -1. */
int32_t ck_map_get(const struct ck_map *m, uint64_t k1, uint64_t k2);
/* Insert or replace; 0 or -ENOMEM. */
int ck_map_put(struct ck_map *m, uint64_t k1, uint64_t k2, int32_t v);

/* The MAC the appliance must send to for <ip> (an IPv6 handle too): the next hop is <ip> itself when
 * a port prefix holds it, else the longest matching route's via; its MAC comes
 * from the static neighbors. Returns false when either is missing; *nh gets the
 * next hop (0 if there is no route). */
bool ck_nexthop_mac(const struct nc_config *cfg, uint32_t ip, uint32_t *nh, uint8_t mac[6]);

/* Whether <ip> (an IPv6 handle too) is an address of the appliance: a port
 * address, a VIP, a local IP. */
bool ck_is_ours(const struct nc_config *cfg, uint32_t ip);

/* Dotted quad of the host-order <ip>, or the IPv6 text of a handle / colon form
 * of <mac>, written to <buf>. */
const char *ck_ip_str(uint32_t ip, char buf[CK_IP_STR]);
const char *ck_mac_str(const uint8_t *mac, char buf[18]);

#endif /* CHECK_PRIV_H */
