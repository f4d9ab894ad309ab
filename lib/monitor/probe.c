/* SPDX-License-Identifier: BSD-3-Clause
 * Health-probe frames (see nc_probe.h): builders for the SYN, the HTTP request,
 * the RSTs, the UDP datagram and the echo request, and a strict reader for the
 * answers. Every input frame is untrusted: each length is checked before a
 * byte is read, and a frame counts only when it is a whole, unfragmented IPv4
 * packet with valid IP and L4 checksums, or an IPv6 packet (extension headers
 * as nc_pkt_parse6 takes them) with a valid upper-layer checksum (a corrupted
 * RST must not mark a server down, a corrupted SYN-ACK must not keep it up).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "nc_net.h"
#include "nc_probe.h"

#define PR_ETH_LEN    14u
#define PR_IP_LEN     ((uint32_t)sizeof(struct rte_ipv4_hdr))
#define PR_IP6_LEN    ((uint32_t)sizeof(struct rte_ipv6_hdr))
#define PR_TCP_LEN    ((uint32_t)sizeof(struct rte_tcp_hdr))
#define PR_UDP_LEN    ((uint32_t)sizeof(struct rte_udp_hdr))
#define PR_ICMP_LEN   ((uint32_t)sizeof(struct rte_icmp_hdr))
#define PR_HDRS_LEN   (PR_ETH_LEN + PR_IP_LEN)

#define PR_TTL        64
#define PR_WINDOW     65535
#define PR_MSS        1460
#define PR_OPT_MSS    2       /* TCP option kind */
#define PR_OPT_MSS_LEN 4
#define PR_ICMP_UNREACH 3     /* destination unreachable, any code */
#define PR_ICMP6_UNREACH 1    /* ICMPv6 destination unreachable, any code */

/* "HTTP/1.x NNN": the shortest response prefix that holds a status. */
#define PR_STATUS_LEN 12

static const char pr_echo_data[] = "netchestra probe";
#define PR_ECHO_DATA_LEN ((uint32_t)sizeof(pr_echo_data) - 1)   /* 16, no NUL sent */

/* One TCP segment to build. */
struct pr_seg {
	uint32_t seq, ack;      /* host order */
	uint8_t flags;
	uint16_t win;
	bool mss;               /* carry the MSS option (SYN) */
	const char *data;
	uint32_t data_len;
};

/* A received frame that passed every check, as pointers into it. */
struct pr_view {
	uint8_t v6;
	uint8_t proto;          /* IPv6: the upper layer's */
	const uint8_t *src, *dst;   /* addresses: 4 or 16 bytes */
	const uint8_t *l4;
	uint32_t l4_len;        /* TCP: segment; UDP: the datagram's length field; ICMP: message */
	const uint8_t *data;    /* TCP/UDP payload */
	uint32_t data_len;
};

/* The packet an ICMP error quotes: its addresses, protocol and first 8 L4 bytes. */
struct pr_quote {
	const uint8_t *src, *dst;
	uint8_t proto;
	const uint8_t *l4;
};

static bool
pr_is6(const struct nc_probe_target *t)
{
	return t->family == AF_INET6;
}

static uint32_t
pr_alen(const struct nc_probe_target *t)
{
	return pr_is6(t) ? 16 : 4;
}

static const uint8_t *
pr_src(const struct nc_probe_target *t)
{
	return pr_is6(t) ? t->src_ip6 : (const uint8_t *)&t->src_ip;
}

static const uint8_t *
pr_dst(const struct nc_probe_target *t)
{
	return pr_is6(t) ? t->dst_ip6 : (const uint8_t *)&t->dst_ip;
}

/* Ethernet and IP headers of a frame to <t>. */
static uint32_t
pr_hdrs_len(const struct nc_probe_target *t)
{
	return PR_ETH_LEN + (pr_is6(t) ? PR_IP6_LEN : PR_IP_LEN);
}

/* ICMP or ICMPv6, as <t>'s family has it. */
static uint8_t
pr_icmp_proto(const struct nc_probe_target *t)
{
	return pr_is6(t) ? NC_IPPROTO_ICMPV6 : IPPROTO_ICMP;
}

static uint16_t
pr_get16(const uint8_t *d)
{
	return (uint16_t)(d[0] << 8 | d[1]);
}

static uint32_t
pr_get32(const uint8_t *d)
{
	return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

/* Same 16 bits, as they lie in memory (network order). */
static uint16_t
pr_raw16(const uint8_t *d)
{
	uint16_t v;

	memcpy(&v, d, sizeof(v));
	return v;
}

/* murmur3's finaliser: a bijection on 32 bits that spreads every input bit. */
static uint32_t
pr_mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	x ^= x >> 16;
	return x;
}

/*
 * Initial sequence number: seed * odd constant, xor a hash of the target, then
 * mixed. Each step is a bijection of the seed, so for one target two seeds
 * never give the same ISN; two targets probed with the same seed differ too.
 */
static uint32_t
pr_isn(const struct nc_probe_target *t, uint32_t seed)
{
	uint32_t a = t->dst_ip, w[4];
	uint32_t tgt;

	if (pr_is6(t)) {
		memcpy(w, t->dst_ip6, sizeof(w));
		a = w[0] ^ w[1] ^ w[2] ^ w[3];
	}
	tgt = pr_mix32(a ^ ((uint32_t)t->src_port << 16 | t->dst_port));

	return pr_mix32(seed * 2654435761u ^ tgt);
}

/*
 * Non-complemented one's-complement sum of a TCP, UDP or ICMPv6 message of
 * <l4_len> bytes and its pseudo header, between addresses <src> and <dst> of
 * <alen> bytes (4 or 16). Words are summed as raw memory (RFC 1071 2(B)), so
 * the addresses are added as they are stored and the protocol and length in
 * network order. IPv4's pseudo-header (zero, protocol, 16-bit length) and
 * IPv6's (32-bit length, three zeros, next header; RFC 8200 8.1) sum the same
 * for a length below 64 KiB.
 */
static uint16_t
pr_l4_sum(const uint8_t *src, const uint8_t *dst, uint32_t alen, uint8_t proto, const void *l4,
	  uint32_t l4_len)
{
	uint32_t sum;

	sum = __rte_raw_cksum(src, alen, 0);
	sum = __rte_raw_cksum(dst, alen, sum);
	sum += rte_cpu_to_be_16((uint16_t)proto) + rte_cpu_to_be_16((uint16_t)l4_len);
	sum = __rte_raw_cksum(l4, l4_len, sum);
	return __rte_raw_cksum_reduce(sum);
}

/* The checksum to store in an L4 message of <t> with its checksum field 0. */
static uint16_t
pr_t_csum(const struct nc_probe_target *t, uint8_t proto, const void *l4, uint32_t l4_len)
{
	if (proto == IPPROTO_ICMP)
		return (uint16_t)~rte_raw_cksum(l4, l4_len);    /* no pseudo-header */
	return (uint16_t)~pr_l4_sum(pr_src(t), pr_dst(t), pr_alen(t), proto, l4, l4_len);
}

/* Ethernet and IP headers of a frame to <t>; returns where its L4 header goes. */
static uint8_t *
pr_put_ip(uint8_t *buf, const struct nc_probe_target *t, uint8_t proto, uint32_t l4_len,
	  uint16_t ip_id)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + PR_ETH_LEN);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(buf + PR_ETH_LEN);

	memcpy(buf, t->dst_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(buf + RTE_ETHER_ADDR_LEN, t->src_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	if (pr_is6(t)) {
		buf[12] = RTE_ETHER_TYPE_IPV6 >> 8;
		buf[13] = RTE_ETHER_TYPE_IPV6 & 0xff;
		ip6->vtc_flow = RTE_BE32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)l4_len);
		ip6->proto = proto;
		ip6->hop_limits = PR_TTL;
		memcpy(ip6->src_addr, t->src_ip6, 16);
		memcpy(ip6->dst_addr, t->dst_ip6, 16);
		return buf + PR_ETH_LEN + PR_IP6_LEN;
	}
	buf[12] = RTE_ETHER_TYPE_IPV4 >> 8;
	buf[13] = RTE_ETHER_TYPE_IPV4 & 0xff;
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(PR_IP_LEN + l4_len));
	ip->packet_id = rte_cpu_to_be_16(ip_id);
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = PR_TTL;
	ip->next_proto_id = proto;
	ip->hdr_checksum = 0;
	ip->src_addr = t->src_ip;
	ip->dst_addr = t->dst_ip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return buf + PR_HDRS_LEN;
}

/* IP id of the TCP frames of a probe: any value will do (DF is set, RFC 6864). */
static uint16_t
pr_tcp_ip_id(const struct nc_probe *p, unsigned int nth)
{
	return (uint16_t)((p->isn >> 16) + nth);
}

/* TCP segment <s> from the probe port to the server into <buf>. Returns the
 * frame length, 0 if it does not fit in <cap> bytes. */
static size_t
pr_put_tcp(uint8_t *buf, size_t cap, const struct nc_probe_target *t, uint16_t ip_id,
	   const struct pr_seg *s)
{
	uint32_t hlen = PR_TCP_LEN + (s->mss ? PR_OPT_MSS_LEN : 0);
	uint32_t l4_len = hlen + s->data_len;
	size_t len = pr_hdrs_len(t) + l4_len;
	struct rte_tcp_hdr *th;
	uint8_t *opt;

	if (buf == NULL || len > cap)
		return 0;
	th = (struct rte_tcp_hdr *)pr_put_ip(buf, t, IPPROTO_TCP, l4_len, ip_id);
	th->src_port = t->src_port;
	th->dst_port = t->dst_port;
	th->sent_seq = rte_cpu_to_be_32(s->seq);
	th->recv_ack = rte_cpu_to_be_32(s->ack);
	th->data_off = (uint8_t)(hlen / 4 << 4);
	th->tcp_flags = s->flags;
	th->rx_win = rte_cpu_to_be_16(s->win);
	th->cksum = 0;
	th->tcp_urp = 0;
	opt = (uint8_t *)th + PR_TCP_LEN;
	if (s->mss) {
		opt[0] = PR_OPT_MSS;
		opt[1] = PR_OPT_MSS_LEN;
		opt[2] = PR_MSS >> 8;
		opt[3] = PR_MSS & 0xff;
	}
	if (s->data_len != 0)
		memcpy((uint8_t *)th + hlen, s->data, s->data_len);
	th->cksum = pr_t_csum(t, IPPROTO_TCP, th, l4_len);
	return len;
}

/*
 * The HTTP request of <t> into <dst> (<cap> bytes, may be 0), after the
 * PROXY header <t> asks for (servers that require one refuse a request
 * without it). Host names the server's address ("[...]" for IPv6, RFC 3986).
 * Returns its length (without the NUL snprintf adds), or -EINVAL when there
 * is no path, or the path holds a byte that cannot be in a request line
 * (space, control).
 */
static int
pr_http_request(const struct nc_probe_target *t, char *dst, size_t cap)
{
	const uint8_t *ip = (const uint8_t *)&t->dst_ip;
	char host[INET6_ADDRSTRLEN + 2];
	char a6[INET6_ADDRSTRLEN];
	uint8_t h[NC_PROXY_V1_MAX];
	unsigned int hl = 0;
	const char *c;
	int n;

	if (t->http_path == NULL || t->http_path[0] == '\0')
		return -EINVAL;
	for (c = t->http_path; *c != '\0'; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f)
			return -EINVAL;
	if (pr_is6(t)) {
		if (inet_ntop(AF_INET6, t->dst_ip6, a6, sizeof(a6)) == NULL)
			return -EINVAL;
		snprintf(host, sizeof(host), "[%s]", a6);
	} else {
		snprintf(host, sizeof(host), "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
	}
	if (t->proxy == NC_CA_PROXY_V1 && pr_is6(t))
		hl = nc_proxy_v1_build6(h, t->src_ip6, t->dst_ip6, t->src_port, t->dst_port);
	else if (t->proxy == NC_CA_PROXY_V1)
		hl = nc_proxy_v1_build(h, t->src_ip, t->dst_ip, t->src_port, t->dst_port);
	else if (t->proxy == NC_CA_PROXY_V2 && pr_is6(t))
		hl = nc_proxy_v2_build6(h, IPPROTO_TCP, t->src_ip6, t->dst_ip6, t->src_port, t->dst_port);
	else if (t->proxy == NC_CA_PROXY_V2)
		hl = nc_proxy_v2_build(h, IPPROTO_TCP, t->src_ip, t->dst_ip, t->src_port, t->dst_port);
	n = snprintf(dst != NULL && cap > hl ? dst + hl : NULL, dst != NULL && cap > hl ? cap - hl : 0,
		     "GET %s HTTP/1.0\r\nHost: %s\r\n"
		     "User-Agent: netchestra-health\r\nConnection: close\r\n\r\n",
		     t->http_path, host);
	if (dst != NULL && cap > hl)
		memcpy(dst, h, hl);
	return n < 0 ? n : (int)hl + n;
}

/* Largest HTTP request: the ACK segment that carries it must fit one probe
 * frame (PR_REQ_MAX: over IPv4, the larger). */
#define PR_REQ_MAX (NC_PROBE_FRAME_MAX - PR_HDRS_LEN - PR_TCP_LEN)

static uint32_t
pr_req_max(const struct nc_probe_target *t)
{
	return NC_PROBE_FRAME_MAX - pr_hdrs_len(t) - PR_TCP_LEN;
}

static uint32_t
pr_elapsed(uint64_t from_us, uint64_t now_us)
{
	uint64_t d = now_us > from_us ? now_us - from_us : 0;

	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

int
nc_probe_start(struct nc_probe *p, const struct nc_probe_target *t, uint64_t now_us,
	       uint32_t seed, uint8_t *buf, size_t cap)
{
	struct nc_probe np;
	struct pr_seg syn = { .flags = RTE_TCP_SYN_FLAG, .win = PR_WINDOW, .mss = true };
	uint32_t hdrs;
	struct rte_udp_hdr *uh;
	struct rte_icmp_hdr *ic;
	uint32_t l4_len;
	size_t len = 0;
	int req;

	if (p == NULL || t == NULL)
		return -EINVAL;
	memset(&np, 0, sizeof(np));
	hdrs = pr_hdrs_len(t);
	switch (t->type) {
	case NC_HEALTH_HTTP:
		req = pr_http_request(t, NULL, 0);
		if (req < 0 || (uint32_t)req > pr_req_max(t))
			return -EINVAL;
		np.req_len = (uint32_t)req;
		/* fall through */
	case NC_HEALTH_TCP:
		np.isn = pr_isn(t, seed);
		syn.seq = np.isn;
		len = pr_put_tcp(buf, cap, t, pr_tcp_ip_id(&np, 0), &syn);
		np.state = NC_PROBE_SYN_SENT;
		break;
	case NC_HEALTH_UDP:
		if (t->udp_payload == NULL && t->udp_payload_len != 0)
			return -EINVAL;
		l4_len = PR_UDP_LEN + t->udp_payload_len;
		if (buf == NULL || hdrs + l4_len > cap)
			return -ENOSPC;
		uh = (struct rte_udp_hdr *)pr_put_ip(buf, t, IPPROTO_UDP, l4_len,
						     (uint16_t)(pr_mix32(seed) >> 16));
		uh->src_port = t->src_port;
		uh->dst_port = t->dst_port;
		uh->dgram_len = rte_cpu_to_be_16((uint16_t)l4_len);
		uh->dgram_cksum = 0;
		if (t->udp_payload_len != 0)
			memcpy(uh + 1, t->udp_payload, t->udp_payload_len);
		uh->dgram_cksum = pr_t_csum(t, IPPROTO_UDP, uh, l4_len);
		if (uh->dgram_cksum == 0)
			uh->dgram_cksum = 0xffff;    /* 0 would mean "no checksum" (RFC 768) */
		len = hdrs + l4_len;
		np.state = NC_PROBE_UDP_SENT;
		break;
	case NC_HEALTH_ICMP:
		l4_len = PR_ICMP_LEN + PR_ECHO_DATA_LEN;
		if (buf == NULL || hdrs + l4_len > cap)
			return -ENOSPC;
		np.echo_seq = (uint16_t)seed;
		ic = (struct rte_icmp_hdr *)pr_put_ip(buf, t, pr_icmp_proto(t), l4_len,
						      (uint16_t)(pr_mix32(seed) >> 16));
		ic->icmp_type = pr_is6(t) ? NC_ICMP6_ECHO_REQUEST : RTE_IP_ICMP_ECHO_REQUEST;
		ic->icmp_code = 0;
		ic->icmp_cksum = 0;
		ic->icmp_ident = t->src_port;
		ic->icmp_seq_nb = rte_cpu_to_be_16(np.echo_seq);
		memcpy(ic + 1, pr_echo_data, PR_ECHO_DATA_LEN);
		ic->icmp_cksum = pr_t_csum(t, pr_icmp_proto(t), ic, l4_len);
		len = hdrs + l4_len;
		np.state = NC_PROBE_ECHO_SENT;
		break;
	default:
		return -EINVAL;
	}
	if (len == 0)
		return -ENOSPC;
	np.t_sent_us = now_us;
	*p = np;
	return (int)len;
}

/*
 * The upper layer of <v> (proto, l4 and l4_len set from the IP header): a
 * complete TCP, UDP or ICMP / ICMPv6 header with a valid checksum (UDP over
 * IPv4: 0 means none). Returns 0 or -EINVAL.
 */
static int
pr_view_l4(struct pr_view *v)
{
	uint32_t alen = v->v6 ? 16 : 4, hlen;

	switch (v->proto) {
	case IPPROTO_TCP:
		if (v->l4_len < PR_TCP_LEN)
			return -EINVAL;
		hlen = (uint32_t)(v->l4[12] >> 4) * 4;
		if (hlen < PR_TCP_LEN || hlen > v->l4_len ||
		    pr_l4_sum(v->src, v->dst, alen, IPPROTO_TCP, v->l4, v->l4_len) != 0xffff)
			return -EINVAL;
		v->data = v->l4 + hlen;
		v->data_len = v->l4_len - hlen;
		return 0;
	case IPPROTO_UDP:
		if (v->l4_len < PR_UDP_LEN)
			return -EINVAL;
		hlen = pr_get16(v->l4 + 4);           /* the datagram's own length */
		if (hlen < PR_UDP_LEN || hlen > v->l4_len)
			return -EINVAL;
		if ((v->v6 || pr_raw16(v->l4 + 6) != 0) &&
		    pr_l4_sum(v->src, v->dst, alen, IPPROTO_UDP, v->l4, hlen) != 0xffff)
			return -EINVAL;
		v->l4_len = hlen;
		v->data = v->l4 + PR_UDP_LEN;
		v->data_len = hlen - PR_UDP_LEN;
		return 0;
	case IPPROTO_ICMP:
	case NC_IPPROTO_ICMPV6:
		if ((v->proto == NC_IPPROTO_ICMPV6) != v->v6 || v->l4_len < PR_ICMP_LEN)
			return -EINVAL;
		if (v->v6 ? pr_l4_sum(v->src, v->dst, alen, NC_IPPROTO_ICMPV6, v->l4, v->l4_len) != 0xffff :
		    rte_raw_cksum(v->l4, v->l4_len) != 0xffff)
			return -EINVAL;
		v->data = v->l4 + PR_ICMP_LEN;
		v->data_len = v->l4_len - PR_ICMP_LEN;
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * Check a received frame and point <v> into it. Returns 0, or -EINVAL unless
 * it is Ethernet / IPv4 (no fragment, total length within the frame, valid
 * header checksum, options allowed) or Ethernet / IPv6 (as nc_pkt_parse6
 * accepts it: payload within the frame, no fragment, no hop-by-hop header)
 * carrying a complete TCP, UDP or ICMP (ICMPv6) header with a valid checksum.
 * Ethernet padding past the IP packet is ignored.
 */
static int
pr_view_frame(const uint8_t *f, size_t len, struct pr_view *v)
{
	const struct rte_ipv4_hdr *ip;
	const struct rte_ipv6_hdr *ip6;
	uint32_t ihl, tot;
	struct nc_pkt pk;

	if (f == NULL || len < PR_HDRS_LEN)
		return -EINVAL;
	if (pr_get16(f + 12) == RTE_ETHER_TYPE_IPV6) {
		if (len > UINT32_MAX || nc_pkt_parse6(f, (uint32_t)len, &pk) != NC_DROP_MAX)
			return -EINVAL;
		ip6 = (const struct rte_ipv6_hdr *)(f + PR_ETH_LEN);
		v->v6 = 1;
		v->proto = pk.proto;
		v->src = ip6->src_addr;
		v->dst = ip6->dst_addr;
		v->l4 = f + pk.l4_off;
		v->l4_len = pk.l4_len;
		return pr_view_l4(v);
	}
	if (pr_get16(f + 12) != RTE_ETHER_TYPE_IPV4)
		return -EINVAL;
	ip = (const struct rte_ipv4_hdr *)(f + PR_ETH_LEN);
	if ((ip->version_ihl >> 4) != 4)
		return -EINVAL;
	ihl = (uint32_t)(ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * 4;
	tot = rte_be_to_cpu_16(ip->total_length);
	if (ihl < PR_IP_LEN || tot < ihl || tot > len - PR_ETH_LEN)
		return -EINVAL;
	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		return -EINVAL;
	if (rte_raw_cksum(ip, ihl) != 0xffff)
		return -EINVAL;
	v->v6 = 0;
	v->proto = ip->next_proto_id;
	v->src = (const uint8_t *)&ip->src_addr;
	v->dst = (const uint8_t *)&ip->dst_addr;
	v->l4 = (const uint8_t *)ip + ihl;
	v->l4_len = tot - ihl;
	return pr_view_l4(v);
}

/* Is <v> an ICMP (ICMPv6) destination unreachable? */
static bool
pr_is_unreach(const struct pr_view *v)
{
	return v->v6 ? v->proto == NC_IPPROTO_ICMPV6 && v->l4[0] == PR_ICMP6_UNREACH :
		v->proto == IPPROTO_ICMP && v->l4[0] == PR_ICMP_UNREACH;
}

/*
 * The packet quoted by the destination unreachable <v>: over IPv4 an IPv4
 * header (options allowed, not a later fragment) followed by at least 8 bytes
 * of its L4 header (RFC 792); over IPv6 an IPv6 header straight followed by
 * at least 8 bytes of TCP, UDP or ICMPv6 (what the probe sends; RFC 4443 3.1);
 * all within the ICMP message. Returns 0 or -EINVAL.
 */
static int
pr_view_quote(const struct pr_view *v, struct pr_quote *q)
{
	const struct rte_ipv4_hdr *ip;
	const struct rte_ipv6_hdr *ip6;
	uint32_t qihl;

	if (!pr_is_unreach(v))
		return -EINVAL;
	if (v->v6) {
		if (v->data_len < PR_IP6_LEN + 8 || (v->data[0] >> 4) != 6)
			return -EINVAL;
		ip6 = (const struct rte_ipv6_hdr *)v->data;
		q->src = ip6->src_addr;
		q->dst = ip6->dst_addr;
		q->proto = ip6->proto;
		q->l4 = v->data + PR_IP6_LEN;
		return 0;
	}
	if (v->data_len < PR_IP_LEN)
		return -EINVAL;
	ip = (const struct rte_ipv4_hdr *)v->data;
	if ((ip->version_ihl >> 4) != 4)
		return -EINVAL;
	qihl = (uint32_t)(ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * 4;
	if (qihl < PR_IP_LEN || v->data_len < qihl + 8)
		return -EINVAL;
	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK))
		return -EINVAL;
	q->src = (const uint8_t *)&ip->src_addr;
	q->dst = (const uint8_t *)&ip->dst_addr;
	q->proto = ip->next_proto_id;
	q->l4 = v->data + qihl;
	return 0;
}

/* L4 protocol of what the probe of <t> sent in its state. */
static uint8_t
pr_state_proto(const struct nc_probe *p, const struct nc_probe_target *t)
{
	switch (p->state) {
	case NC_PROBE_SYN_SENT:
	case NC_PROBE_REQ_SENT:
		return IPPROTO_TCP;
	case NC_PROBE_UDP_SENT:
		return IPPROTO_UDP;
	case NC_PROBE_ECHO_SENT:
		return pr_icmp_proto(t);
	default:
		return 0;
	}
}

/*
 * Does the ICMP error <v> quote a packet this probe sent? Same addresses and
 * protocol; TCP and UDP: both ports, and for TCP a sequence number we sent
 * (the SYN, or the request segment once it is out; RFC 5927 4.1) so a blind
 * forged error cannot end a probe; ICMP: an echo request with our id and
 * sequence.
 */
static bool
pr_quotes_probe(const struct nc_probe *p, const struct nc_probe_target *t,
		const struct pr_view *v)
{
	uint8_t proto = pr_state_proto(p, t);
	struct pr_quote q;
	uint32_t seq_off;

	if (pr_view_quote(v, &q) != 0 || q.proto != proto ||
	    memcmp(q.src, pr_src(t), pr_alen(t)) != 0 || memcmp(q.dst, pr_dst(t), pr_alen(t)) != 0)
		return false;
	switch (proto) {
	case IPPROTO_TCP:
		seq_off = pr_get32(q.l4 + 4) - p->isn;
		if (seq_off > (p->state == NC_PROBE_REQ_SENT ? 1u : 0u))
			return false;
		/* fall through */
	case IPPROTO_UDP:
		return pr_raw16(q.l4) == t->src_port && pr_raw16(q.l4 + 2) == t->dst_port;
	case IPPROTO_ICMP:
	case NC_IPPROTO_ICMPV6:
		return q.l4[0] == (pr_is6(t) ? NC_ICMP6_ECHO_REQUEST : RTE_IP_ICMP_ECHO_REQUEST) &&
			pr_raw16(q.l4 + 4) == t->src_port && pr_get16(q.l4 + 6) == p->echo_seq;
	default:
		return false;
	}
}

/* End the probe with <verdict>; a good one reports its round trip. */
static int
pr_verdict(struct nc_probe *p, int verdict, uint64_t now_us, uint32_t *rt_us)
{
	if (verdict == NC_PROBE_GOOD && rt_us != NULL)
		*rt_us = pr_elapsed(p->t_sent_us, now_us);
	p->state = NC_PROBE_IDLE;
	return verdict;
}

/*
 * Status of an HTTP/1.x response from its first bytes: the 3-digit code, or
 * -1 when they do not start with "HTTP/1.<digit> <3 digits>" (also when fewer
 * than PR_STATUS_LEN bytes came: the first segment must hold the status).
 */
static int
pr_http_status(const uint8_t *d, uint32_t n)
{
#define PR_DIGIT(c) ((c) >= '0' && (c) <= '9')
	if (n < PR_STATUS_LEN || memcmp(d, "HTTP/1.", 7) != 0 || !PR_DIGIT(d[7]) || d[8] != ' ' ||
	    !PR_DIGIT(d[9]) || !PR_DIGIT(d[10]) || !PR_DIGIT(d[11]) ||
	    (n > PR_STATUS_LEN && PR_DIGIT(d[12])))
		return -1;
	return (d[9] - '0') * 100 + (d[10] - '0') * 10 + (d[11] - '0');
#undef PR_DIGIT
}

/*
 * SYN_SENT: the answer to our SYN. RFC 793 3.9 (SYN-SENT): an RST counts only
 * when it acknowledges the SYN (ACK set, ack = ISN + 1), the way a closed port
 * answers; a SYN-ACK only with ack = ISN + 1. Everything else is ignored.
 */
static int
pr_input_syn_sent(struct nc_probe *p, const struct nc_probe_target *t, const struct pr_view *v,
		  uint64_t now_us, uint8_t *out, size_t cap, size_t *out_len, uint32_t *rt_us)
{
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)v->l4;
	uint8_t flags = th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG |
					 RTE_TCP_FIN_FLAG);
	uint32_t ack = rte_be_to_cpu_32(th->recv_ack);
	struct pr_seg s = { .seq = p->isn + 1 };
	char req[PR_REQ_MAX + 1];
	int n;

	if (!(flags & RTE_TCP_ACK_FLAG))
		return NC_PROBE_PENDING;
	if (ack != p->isn + 1) {
		/* RFC 793, SYN-SENT: an unacceptable ACK - from a connection the
		 * server still has on this address and port, an earlier probe's
		 * whose end it missed - gets a reset at its acknowledgement, which
		 * ends that connection; without it every later probe from this
		 * port would meet the same ACK */
		if (!(flags & RTE_TCP_RST_FLAG)) {
			struct pr_seg rst = { .seq = ack, .flags = RTE_TCP_RST_FLAG };

			*out_len = pr_put_tcp(out, cap, t, pr_tcp_ip_id(p, 1), &rst);
		}
		return NC_PROBE_PENDING;
	}
	if (flags & RTE_TCP_RST_FLAG)
		return pr_verdict(p, NC_PROBE_BAD, now_us, rt_us);
	if (flags != (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG))
		return NC_PROBE_PENDING;
	s.ack = rte_be_to_cpu_32(th->sent_seq) + 1;
	if (t->type == NC_HEALTH_HTTP) {
		n = pr_http_request(t, req, sizeof(req));
		if (n < 0 || (uint32_t)n > pr_req_max(t))
			return NC_PROBE_PENDING;
		s.flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
		s.win = PR_WINDOW;
		s.data = req;
		s.data_len = (uint32_t)n;
		*out_len = pr_put_tcp(out, cap, t, pr_tcp_ip_id(p, 1), &s);
		/* Without room for the request, stay in SYN_SENT: the server sends
		 * its SYN-ACK again, or the timeout ends the probe. */
		if (*out_len == 0)
			return NC_PROBE_PENDING;
		p->state = NC_PROBE_REQ_SENT;
		p->peer_next = s.ack;
		p->req_len = (uint32_t)n;
		p->t_sent_us = now_us;
		return NC_PROBE_PENDING;
	}
	p->peer_next = s.ack;
	s.flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
	*out_len = pr_put_tcp(out, cap, t, pr_tcp_ip_id(p, 1), &s);
	return pr_verdict(p, NC_PROBE_GOOD, now_us, rt_us);
}

/*
 * REQ_SENT: waiting for the first response byte. An RST counts only at the
 * exact next sequence number (RFC 5961 3.2); other segments must acknowledge
 * something we sent (ISN + 1 .. ISN + 1 + request) and start at the next
 * sequence number. A FIN without data, or the status of the first data, ends
 * the probe with our RST at the end of the request.
 */
static int
pr_input_req_sent(struct nc_probe *p, const struct nc_probe_target *t, const struct pr_view *v,
		  uint64_t now_us, uint8_t *out, size_t cap, size_t *out_len, uint32_t *rt_us)
{
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)v->l4;
	uint8_t flags = th->tcp_flags;
	uint32_t seq = rte_be_to_cpu_32(th->sent_seq);
	uint32_t ack = rte_be_to_cpu_32(th->recv_ack);
	struct pr_seg rst = { .seq = p->isn + 1 + p->req_len,
			      .flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG };
	int status, verdict;

	if (seq != p->peer_next)
		return NC_PROBE_PENDING;
	if (flags & RTE_TCP_RST_FLAG)
		return pr_verdict(p, NC_PROBE_BAD, now_us, rt_us);
	if ((flags & RTE_TCP_SYN_FLAG) || !(flags & RTE_TCP_ACK_FLAG) ||
	    ack - (p->isn + 1) > p->req_len)
		return NC_PROBE_PENDING;
	if (v->data_len == 0) {
		if (!(flags & RTE_TCP_FIN_FLAG))
			return NC_PROBE_PENDING;
		verdict = NC_PROBE_BAD;
	} else {
		status = pr_http_status(v->data, v->data_len);
		verdict = status >= 200 && status <= 399 ? NC_PROBE_GOOD : NC_PROBE_BAD;
	}
	rst.ack = seq + v->data_len + (flags & RTE_TCP_FIN_FLAG ? 1 : 0);
	*out_len = pr_put_tcp(out, cap, t, pr_tcp_ip_id(p, 2), &rst);
	return pr_verdict(p, verdict, now_us, rt_us);
}

int
nc_probe_input(struct nc_probe *p, const struct nc_probe_target *t, const uint8_t *frame,
	       size_t len, uint64_t now_us, uint8_t *out, size_t cap, size_t *out_len,
	       uint32_t *rt_us)
{
	const struct rte_icmp_hdr *ic;
	const struct rte_udp_hdr *uh;
	const struct rte_tcp_hdr *th;
	struct pr_view v;
	size_t unused;

	if (out_len == NULL)
		out_len = &unused;
	*out_len = 0;
	if (out == NULL)
		cap = 0;
	if (p == NULL || t == NULL || p->state == NC_PROBE_IDLE ||
	    pr_view_frame(frame, len, &v) != 0 || v.v6 != pr_is6(t) ||
	    memcmp(v.dst, pr_src(t), pr_alen(t)) != 0)
		return NC_PROBE_PENDING;
	/* Destination unreachable may come from any router on the way. */
	if (pr_is_unreach(&v))
		return pr_quotes_probe(p, t, &v) ?
			pr_verdict(p, NC_PROBE_BAD, now_us, rt_us) : NC_PROBE_PENDING;
	if (memcmp(v.src, pr_dst(t), pr_alen(t)) != 0 || v.proto != pr_state_proto(p, t))
		return NC_PROBE_PENDING;
	switch (p->state) {
	case NC_PROBE_SYN_SENT:
	case NC_PROBE_REQ_SENT:
		th = (const struct rte_tcp_hdr *)v.l4;
		if (th->src_port != t->dst_port || th->dst_port != t->src_port)
			return NC_PROBE_PENDING;
		if (p->state == NC_PROBE_SYN_SENT)
			return pr_input_syn_sent(p, t, &v, now_us, out, cap, out_len, rt_us);
		return pr_input_req_sent(p, t, &v, now_us, out, cap, out_len, rt_us);
	case NC_PROBE_UDP_SENT:
		uh = (const struct rte_udp_hdr *)v.l4;
		if (uh->src_port != t->dst_port || uh->dst_port != t->src_port)
			return NC_PROBE_PENDING;
		return pr_verdict(p, NC_PROBE_GOOD, now_us, rt_us);
	case NC_PROBE_ECHO_SENT:
		ic = (const struct rte_icmp_hdr *)v.l4;
		if (ic->icmp_type != (v.v6 ? NC_ICMP6_ECHO_REPLY : RTE_IP_ICMP_ECHO_REPLY) ||
		    ic->icmp_code != 0 ||
		    ic->icmp_ident != t->src_port || rte_be_to_cpu_16(ic->icmp_seq_nb) != p->echo_seq)
			return NC_PROBE_PENDING;
		return pr_verdict(p, NC_PROBE_GOOD, now_us, rt_us);
	default:
		return NC_PROBE_PENDING;
	}
}

int
nc_probe_timeout(struct nc_probe *p, const struct nc_probe_target *t, uint8_t *out,
		 size_t cap, size_t *out_len)
{
	struct pr_seg rst = { .flags = RTE_TCP_RST_FLAG };
	size_t unused;

	if (out_len == NULL)
		out_len = &unused;
	*out_len = 0;
	if (out == NULL)
		cap = 0;
	if (p == NULL || p->state == NC_PROBE_IDLE)
		return NC_PROBE_PENDING;
	if (t != NULL && p->state == NC_PROBE_SYN_SENT) {
		/* The server may sit in SYN-RECEIVED: RST at the sequence it expects. */
		rst.seq = p->isn + 1;
		*out_len = pr_put_tcp(out, cap, t, pr_tcp_ip_id(p, 2), &rst);
	} else if (t != NULL && p->state == NC_PROBE_REQ_SENT) {
		rst.seq = p->isn + 1 + p->req_len;
		rst.ack = p->peer_next;
		rst.flags |= RTE_TCP_ACK_FLAG;
		*out_len = pr_put_tcp(out, cap, t, pr_tcp_ip_id(p, 2), &rst);
	}
	p->state = NC_PROBE_IDLE;
	return NC_PROBE_BAD;
}

/* nc_probe_match of either family: <local> points into <frame>. */
static int
pr_match(const uint8_t *frame, size_t len, struct pr_view *v, const uint8_t **local,
	 uint16_t *port_or_id)
{
	uint8_t echo_req, echo_rep;
	struct pr_quote q;

	if (pr_view_frame(frame, len, v) != 0)
		return -EINVAL;
	echo_req = v->v6 ? NC_ICMP6_ECHO_REQUEST : RTE_IP_ICMP_ECHO_REQUEST;
	echo_rep = v->v6 ? NC_ICMP6_ECHO_REPLY : RTE_IP_ICMP_ECHO_REPLY;
	switch (v->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		*local = v->dst;
		*port_or_id = pr_raw16(v->l4 + 2);
		return 0;
	case IPPROTO_ICMP:
	case NC_IPPROTO_ICMPV6:
		break;
	default:
		return -EINVAL;
	}
	if (v->l4[0] == echo_rep && v->l4[1] == 0) {
		*local = v->dst;
		*port_or_id = pr_raw16(v->l4 + 4);
		return 0;
	}
	if (pr_view_quote(v, &q) != 0)
		return -EINVAL;
	switch (q.proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		*port_or_id = pr_raw16(q.l4);
		break;
	case IPPROTO_ICMP:
	case NC_IPPROTO_ICMPV6:
		if (q.proto != (v->v6 ? NC_IPPROTO_ICMPV6 : IPPROTO_ICMP) || q.l4[0] != echo_req)
			return -EINVAL;
		*port_or_id = pr_raw16(q.l4 + 4);
		break;
	default:
		return -EINVAL;
	}
	*local = q.src;
	return 0;
}

int
nc_probe_match(const uint8_t *frame, size_t len, uint32_t *local_ip, uint16_t *port_or_id)
{
	const uint8_t *local;
	struct pr_view v;
	uint16_t port;

	if (pr_match(frame, len, &v, &local, &port) != 0 || v.v6)
		return -EINVAL;
	memcpy(local_ip, local, 4);
	*port_or_id = port;
	return 0;
}

int
nc_probe_match6(const uint8_t *frame, size_t len, uint8_t *local_ip6, uint16_t *port_or_id)
{
	const uint8_t *local;
	struct pr_view v;
	uint16_t port;

	if (pr_match(frame, len, &v, &local, &port) != 0 || !v.v6)
		return -EINVAL;
	memcpy(local_ip6, local, 16);
	*port_or_id = port;
	return 0;
}
