/* SPDX-License-Identifier: BSD-3-Clause
 * nc-flood: a bounded flood of spoofed TCP SYNs or UDP datagrams towards one
 * address and port, for the namespace lab (tests/e2e/flood.sh).
 *
 *   nc-flood --proto syn|udp --dst IP --dport N --src-net CIDR --count N --seconds S
 *            (--dev IFACE [--dst-mac MAC | --via IP] [--src-mac MAC] | --pcap FILE)
 *            [--rate PPS] [--batch N] [--payload N] [--seed N]
 *
 * Every frame has a source address drawn at random inside --src-net (which must
 * lie in a private range: 10/8, 172.16/12, 192.168/16, or for IPv6 the unique
 * local fd00::/8 - never the Internet's addresses), a random source port
 * (1024..65535) and, for SYNs, a random sequence number; its IPv4 and TCP/UDP
 * checksums are computed whole (nc_test_support), so a receiver takes it for a
 * real one. An IPv6 --dst (and --src-net) floods over IPv6: every host bit of
 * the prefix drawn, so a /48 spreads the sources over its 65,536 /64s, and
 * --dst-mac is required (the receiver routes its answers back through a
 * gateway: there is no --arp for IPv6). Frames go out
 * through an AF_PACKET socket on --dev in batches (sendmmsg, the qdisc
 * bypassed), as fast as the machine allows or paced to --rate; or into a pcap
 * file (--pcap) to be looked at. It stops after --count frames or --seconds,
 * whichever comes first (both are required: a flood here is always bounded),
 * and prints one JSON line: frames sent, send errors, seconds, frames a second,
 * distinct sources drawn (up to 65536 tracked).
 *
 * The destination MAC is --dst-mac, or the one the kernel's ARP table of the
 * network namespace holds for --via (default: --dst), complete: resolve it first
 * (ping the address).
 *
 * --arp: while it floods, answer ARP requests for addresses of --src-net on
 * --dev with the device's MAC, as a host owning that range would. A receiver
 * that learns a sender's MAC before it opens a flow for it (the appliance
 * does) then takes the spoofed frames; its answers come to this host, which
 * does not forward them: they die here, as a real flood's answers die at
 * addresses that never asked. Without it a spoofed source on the receiver's
 * own segment is never resolved.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pkt_build.h"

#define FL_MAX_COUNT    100000000ULL   /* frames, at most */
#define FL_MAX_SECONDS  600            /* seconds, at most */
#define FL_MAX_BATCH    256
#define FL_MAX_PAYLOAD  1400
#define FL_SEEN_BITS    65536          /* distinct sources tracked (a bitmap of host parts) */

struct opts {
	bool syn;                  /* SYN flood; else UDP */
	uint32_t dst;              /* host order */
	uint16_t dport;
	uint32_t net, mask;        /* the source network, host order */
	uint64_t count;
	double seconds;
	uint64_t rate;             /* frames a second; 0: as fast as possible */
	unsigned int batch;
	unsigned int payload;      /* UDP payload bytes */
	uint64_t seed;
	const char *dev;
	const char *pcap;
	bool have_dst_mac, have_src_mac;
	uint8_t dst_mac[6], src_mac[6];
	uint32_t via;              /* next hop whose MAC to use; 0: dst */
	bool arp;                  /* answer ARP for the source network */
	bool v6;                   /* IPv6: dst6, net6/plen6 instead */
	uint8_t dst6[16], net6[16];
	unsigned int plen6;
	int ifindex;
};

/* The ARP answering thread's state. */
struct arp_ctx {
	const struct opts *o;
	int fd;
	uint64_t replies;
};

static volatile sig_atomic_t stop_now;

static void
on_signal(int sig)
{
	(void)sig;
	stop_now = 1;
}

static void
usage(FILE *o)
{
	fputs("usage: nc-flood --proto syn|udp --dst IP --dport N --src-net CIDR --count N --seconds S\n"
	      "                (--dev IFACE [--dst-mac MAC | --via IP] [--src-mac MAC] | --pcap FILE)\n"
	      "                [--rate PPS] [--batch N] [--payload N] [--seed N]\n"
	      "  spoofed sources are drawn inside --src-net, which must be private\n"
	      "  (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16; IPv6: inside fd00::/8, with --dst-mac);\n"
	      "  --count <= 100000000, --seconds <= 600\n",
	      o);
}

static int
fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "nc-flood: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 2;
}

static bool
parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool
parse_ip(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

static bool
parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[6];
	char tail;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return false;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return true;
}

/* <net>/<len> lies wholly inside one of the private IPv4 ranges (RFC 1918). */
static bool
private_net(uint32_t net, unsigned int len)
{
	static const struct { uint32_t net; unsigned int len; } priv[] = {
		{ 0x0a000000, 8 }, { 0xac100000, 12 }, { 0xc0a80000, 16 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(priv) / sizeof(priv[0]); i++) {
		uint32_t m = ~0u << (32 - priv[i].len);

		if (len >= priv[i].len && (net & m) == priv[i].net)
			return true;
	}
	return false;
}

/* fd00:210::/48 -> net6, plen6: inside fd00::/8, the host bits zero, one at least. */
static int
parse_net6(const char *addr, const char *plen, const char *s, struct opts *o)
{
	struct in6_addr a;
	uint64_t len;
	unsigned int i;

	if (inet_pton(AF_INET6, addr, &a) != 1 || !parse_u64(plen, 8, 127, &len))
		return fail("--src-net: want an IPv6 PREFIX/LEN (LEN 8..127), got '%s'", s);
	memcpy(o->net6, a.s6_addr, 16);
	o->plen6 = (unsigned int)len;
	for (i = o->plen6; i < 128; i++)
		if (o->net6[i / 8] & (0x80u >> (i % 8)))
			return fail("--src-net: '%s' has host bits set", s);
	if (o->net6[0] != 0xfd)
		return fail("--src-net: '%s' is not inside fd00::/8: nc-flood spoofs private addresses only",
			    s);
	o->v6 = true;
	return 0;
}

/* 10.200.0.128/25 -> net, mask; the host bits of the address must be zero.
 * An IPv6 prefix: parse_net6(). */
static int
parse_net(const char *s, struct opts *o)
{
	char buf[64], *slash;
	uint64_t len;

	if (strlen(s) >= sizeof(buf))
		return fail("--src-net: want A.B.C.D/LEN, got '%s'", s);
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash == NULL)
		return fail("--src-net: want A.B.C.D/LEN, got '%s'", s);
	*slash = '\0';
	if (strchr(buf, ':') != NULL)
		return parse_net6(buf, slash + 1, s, o);
	if (!parse_ip(buf, &o->net) || !parse_u64(slash + 1, 8, 32, &len))
		return fail("--src-net: want A.B.C.D/LEN (LEN 8..32), got '%s'", s);
	o->mask = len == 32 ? ~0u : ~(~0u >> len);
	if ((o->net & ~o->mask) != 0)
		return fail("--src-net: '%s' has host bits set", s);
	if (!private_net(o->net, (unsigned int)len))
		return fail("--src-net: '%s' is not inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16: "
			    "nc-flood spoofs private addresses only", s);
	return 0;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "proto", required_argument, NULL, 'P' }, { "dst", required_argument, NULL, 'd' },
		{ "dport", required_argument, NULL, 'p' }, { "src-net", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' }, { "seconds", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' }, { "batch", required_argument, NULL, 'b' },
		{ "payload", required_argument, NULL, 'l' }, { "seed", required_argument, NULL, 'S' },
		{ "dev", required_argument, NULL, 'i' }, { "pcap", required_argument, NULL, 'w' },
		{ "dst-mac", required_argument, NULL, 'M' }, { "src-mac", required_argument, NULL, 'm' },
		{ "via", required_argument, NULL, 'v' }, { "help", no_argument, NULL, 'h' },
		{ "arp", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_proto = false, have_dst = false, have_port = false, have_net = false;
	bool have_count = false, have_secs = false, dst_v6 = false;
	struct in6_addr a6;
	uint64_t v;
	char *end;
	int c, r;

	memset(o, 0, sizeof(*o));
	o->batch = 64;
	o->payload = 16;
	o->seed = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'P':
			if (strcmp(optarg, "syn") != 0 && strcmp(optarg, "udp") != 0)
				return fail("--proto: want syn or udp, got '%s'", optarg);
			o->syn = strcmp(optarg, "syn") == 0;
			have_proto = true;
			break;
		case 'd':
			if (inet_pton(AF_INET6, optarg, &a6) == 1) {
				memcpy(o->dst6, a6.s6_addr, 16);
				dst_v6 = true;
			} else if (!parse_ip(optarg, &o->dst)) {
				return fail("--dst: want an IPv4 or IPv6 address, got '%s'", optarg);
			}
			have_dst = true;
			break;
		case 'p':
			if (!parse_u64(optarg, 1, 65535, &v))
				return fail("--dport: want 1..65535, got '%s'", optarg);
			o->dport = (uint16_t)v;
			have_port = true;
			break;
		case 's':
			r = parse_net(optarg, o);
			if (r != 0)
				return r;
			have_net = true;
			break;
		case 'n':
			if (!parse_u64(optarg, 1, FL_MAX_COUNT, &o->count))
				return fail("--count: want 1..100000000, got '%s'", optarg);
			have_count = true;
			break;
		case 't':
			errno = 0;
			o->seconds = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' || !(o->seconds > 0) ||
			    o->seconds > FL_MAX_SECONDS)
				return fail("--seconds: want more than 0, at most 600, got '%s'", optarg);
			have_secs = true;
			break;
		case 'r':
			if (!parse_u64(optarg, 0, 100000000, &o->rate))
				return fail("--rate: want 0 (as fast as possible) .. 100000000, got '%s'", optarg);
			break;
		case 'b':
			if (!parse_u64(optarg, 1, FL_MAX_BATCH, &v))
				return fail("--batch: want 1..256, got '%s'", optarg);
			o->batch = (unsigned int)v;
			break;
		case 'l':
			if (!parse_u64(optarg, 0, FL_MAX_PAYLOAD, &v))
				return fail("--payload: want 0..1400, got '%s'", optarg);
			o->payload = (unsigned int)v;
			break;
		case 'S':
			if (!parse_u64(optarg, 0, UINT64_MAX, &o->seed))
				return fail("--seed: want a non-negative integer, got '%s'", optarg);
			break;
		case 'i':
			o->dev = optarg;
			break;
		case 'w':
			o->pcap = optarg;
			break;
		case 'M':
			if (!parse_mac(optarg, o->dst_mac))
				return fail("--dst-mac: want aa:bb:cc:dd:ee:ff, got '%s'", optarg);
			o->have_dst_mac = true;
			break;
		case 'm':
			if (!parse_mac(optarg, o->src_mac))
				return fail("--src-mac: want aa:bb:cc:dd:ee:ff, got '%s'", optarg);
			o->have_src_mac = true;
			break;
		case 'v':
			if (!parse_ip(optarg, &o->via))
				return fail("--via: want an IPv4 address, got '%s'", optarg);
			break;
		case 'a':
			o->arp = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return fail("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return fail("unexpected argument '%s'", argv[optind]);
	if (!have_proto || !have_dst || !have_port || !have_net)
		return fail("%s", "--proto, --dst, --dport and --src-net are required");
	if (!have_count || !have_secs)
		return fail("%s", "--count and --seconds are both required: a flood is always bounded");
	if ((o->dev == NULL) == (o->pcap == NULL))
		return fail("%s", "one of --dev (send) or --pcap (write a file) is required");
	if (o->pcap != NULL && (o->via != 0 || o->rate != 0 || o->arp))
		return fail("%s", "--via, --rate and --arp are for --dev");
	if (o->have_dst_mac && o->via != 0)
		return fail("%s", "--dst-mac or --via, not both");
	if (dst_v6 != o->v6)
		return fail("%s", "--dst and --src-net: both IPv4 or both IPv6");
	if (o->v6 && (o->arp || o->via != 0))
		return fail("%s", "--arp and --via are for IPv4 (an IPv6 flood's answers go back "
			    "through a route: give --dst-mac)");
	if (o->v6 && o->dev != NULL && !o->have_dst_mac)
		return fail("%s", "an IPv6 flood on --dev needs --dst-mac");
	return 0;
}

/* The MAC the ARP table of this network namespace holds for <ip> on <dev>,
 * complete (flag 0x2). */
static int
arp_lookup(const char *dev, uint32_t ip, uint8_t *mac)
{
	char line[256], want[INET_ADDRSTRLEN], addr[64], hw[64], mask[64], ifn[64];
	unsigned int type, flags;
	struct in_addr a = { .s_addr = htonl(ip) };
	FILE *f = fopen("/proc/net/arp", "r");
	int r = -ENOENT;

	if (f == NULL)
		return -errno;
	inet_ntop(AF_INET, &a, want, sizeof(want));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%63s 0x%x 0x%x %63s %63s %63s", addr, &type, &flags, hw, mask, ifn) != 6)
			continue;
		if (strcmp(addr, want) == 0 && strcmp(ifn, dev) == 0 && (flags & 0x2) != 0 &&
		    parse_mac(hw, mac)) {
			r = 0;
			break;
		}
	}
	fclose(f);
	return r;
}

/* xorshift64*: fast, seeded, good enough to scatter sources and ports. */
static inline uint64_t
rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* Frame <f> (a copy of the template) made the next one: a random source in the
 * network and source port, a random sequence number (SYN), both checksums
 * computed again from scratch. */
static void
next_frame(const struct opts *o, uint8_t *f, uint64_t *rs, uint8_t *seen, uint32_t *distinct)
{
	uint64_t r = rnd(rs);
	uint32_t host = (uint32_t)r & ~o->mask;
	uint32_t l4 = pb_l4_off(f);
	uint16_t sport = (uint16_t)(1024 + (uint32_t)(r >> 32) % (65536 - 1024));
	uint32_t bit = host % FL_SEEN_BITS;

	/* not the network's own address nor its broadcast, where it has more than two */
	if (o->mask < 0xfffffffe) {
		uint32_t span = ~o->mask + 1;

		host = 1 + (uint32_t)(r % (span - 2));
		bit = host % FL_SEEN_BITS;
	}
	if (!(seen[bit / 8] & (1u << (bit % 8)))) {
		seen[bit / 8] |= (uint8_t)(1u << (bit % 8));
		(*distinct)++;
	}
	pb_put32(f + PB_IP_OFF + 12, o->net | host);
	pb_put16(f + PB_IP_OFF + 4, (uint16_t)(r >> 48));   /* IP ID */
	pb_put16(f + l4, sport);
	if (o->syn)
		pb_put32(f + l4 + 4, (uint32_t)(rnd(rs) >> 16));
	pb_ip_csum_fix(f);
	pb_l4_csum_fix(f);
}

/* next_frame() for an IPv6 frame: every host bit of the prefix drawn (never
 * all zero, the subnet's router anycast), the source port, a SYN's sequence
 * number; the checksum computed again. */
static void
next_frame6(const struct opts *o, uint8_t *f, uint64_t *rs, uint8_t *seen, uint32_t *distinct)
{
	const uint32_t l4 = PB_IP_OFF + 40;
	uint8_t src[16];
	uint64_t r[2] = { rnd(rs), rnd(rs) };
	uint16_t sport = (uint16_t)(1024 + (uint32_t)(rnd(rs) >> 32) % (65536 - 1024));
	uint32_t bit, i;
	bool any = false;

	memcpy(src, r, sizeof(src));
	for (i = 0; i < 128; i++) {
		uint8_t m = (uint8_t)(0x80u >> (i % 8));

		if (i < o->plen6)
			src[i / 8] = (uint8_t)((src[i / 8] & ~m) | (o->net6[i / 8] & m));
		else
			any |= (src[i / 8] & m) != 0;
	}
	if (!any)
		src[15] |= 1;
	bit = pb_get32(src + 12) % FL_SEEN_BITS;
	if (!(seen[bit / 8] & (1u << (bit % 8)))) {
		seen[bit / 8] |= (uint8_t)(1u << (bit % 8));
		(*distinct)++;
	}
	memcpy(f + PB_IP_OFF + 8, src, sizeof(src));
	pb_put16(f + l4, sport);
	if (o->syn)
		pb_put32(f + l4 + 4, (uint32_t)(rnd(rs) >> 16));
	pb_l4_csum6_fix(f, l4, o->syn ? IPPROTO_TCP : IPPROTO_UDP, pb_get16(f + PB_IP_OFF + 4));
}

/* Answer the ARP requests for addresses of the source network until the
 * flood stops (polls every 100 ms). */
static void *
arp_main(void *arg)
{
	struct arp_ctx *a = arg;
	const struct opts *o = a->o;
	uint8_t rq[128], rp[42];

	while (!stop_now) {
		struct pollfd pfd = { .fd = a->fd, .events = POLLIN };
		uint32_t tip;
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = recv(a->fd, rq, sizeof(rq), MSG_DONTWAIT);
		/* Ethernet, ARP for IPv4 over Ethernet, a request */
		if (n < 42 || pb_get16(rq + 12) != 0x0806 || pb_get16(rq + 14) != 1 ||
		    pb_get16(rq + 16) != 0x0800 || rq[18] != 6 || rq[19] != 4 || pb_get16(rq + 20) != 1)
			continue;
		tip = pb_get32(rq + 38);
		if ((tip & o->mask) != o->net)
			continue;
		memcpy(rp, rq + 22, 6);                 /* to the asker */
		memcpy(rp + 6, o->src_mac, 6);
		pb_put16(rp + 12, 0x0806);
		pb_put16(rp + 14, 1);
		pb_put16(rp + 16, 0x0800);
		rp[18] = 6;
		rp[19] = 4;
		pb_put16(rp + 20, 2);                   /* reply */
		memcpy(rp + 22, o->src_mac, 6);         /* sender: us, for the asked address */
		pb_put32(rp + 28, tip);
		memcpy(rp + 32, rq + 22, 6);            /* target: the asker */
		memcpy(rp + 38, rq + 28, 4);
		if (send(a->fd, rp, sizeof(rp), 0) == (ssize_t)sizeof(rp))
			a->replies++;
	}
	return NULL;
}

/* A socket on --dev that receives ARP and sends frames. -1 on error. */
static int
open_arp(const struct opts *o)
{
	struct sockaddr_ll sll;
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ARP));

	if (fd < 0) {
		fprintf(stderr, "nc-flood: ARP socket: %s\n", strerror(errno));
		return -1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = o->ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		fprintf(stderr, "nc-flood: bind ARP socket to %s: %s\n", o->dev, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
open_dev(struct opts *o, int *ifindex)
{
	struct sockaddr_ll sll;
	struct ifreq ifr;
	int fd, one = 1, sndbuf = 4 << 20;

	if (strlen(o->dev) >= IFNAMSIZ)
		return fail("--dev: no interface '%s'", o->dev);
	*ifindex = (int)if_nametoindex(o->dev);
	if (*ifindex == 0)
		return fail("--dev: no interface '%s' in this network namespace", o->dev);
	fd = socket(AF_PACKET, SOCK_RAW, 0);   /* protocol 0: receives nothing */
	if (fd < 0) {
		fprintf(stderr, "nc-flood: AF_PACKET socket: %s (run as root)\n", strerror(errno));
		return -1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = *ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		fprintf(stderr, "nc-flood: bind to %s: %s\n", o->dev, strerror(errno));
		close(fd);
		return -1;
	}
	/* straight to the driver; best effort */
	(void)setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (!o->have_src_mac) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o->dev);
		if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) {
			fprintf(stderr, "nc-flood: MAC of %s: %s\n", o->dev, strerror(errno));
			close(fd);
			return -1;
		}
		memcpy(o->src_mac, ifr.ifr_hwaddr.sa_data, 6);
	}
	if (!o->have_dst_mac) {
		uint32_t hop = o->via != 0 ? o->via : o->dst;
		struct in_addr a = { .s_addr = htonl(hop) };

		if (arp_lookup(o->dev, hop, o->dst_mac) != 0) {
			fprintf(stderr, "nc-flood: no complete ARP entry for %s on %s: resolve it first "
				"(ping it) or give --dst-mac\n", inet_ntoa(a), o->dev);
			close(fd);
			return -1;
		}
	}
	return fd;
}

int
main(int argc, char **argv)
{
	static uint8_t seen[FL_SEEN_BITS / 8];
	static uint8_t frames[FL_MAX_BATCH][PB_MAX_FRAME];
	static uint8_t payload[FL_MAX_PAYLOAD];
	struct mmsghdr msgs[FL_MAX_BATCH];
	struct iovec iov[FL_MAX_BATCH];
	struct sockaddr_ll to;
	uint8_t tmpl[PB_MAX_FRAME];
	uint64_t sent = 0, errors = 0, rs;
	uint32_t len, distinct = 0, i;
	pcap_dumper_t *dump = NULL;
	pcap_t *dead = NULL;
	struct arp_ctx arp = { .fd = -1 };
	pthread_t arp_thread;
	struct pb_pkt p;
	struct opts o;
	double t0, t1, el;
	int fd = -1, ifindex = 0, r;

	r = parse_args(argc, argv, &o);
	if (r != 0)
		return r;
	if (o.dev != NULL) {
		fd = open_dev(&o, &ifindex);
		if (fd < 0)
			return 1;
		o.ifindex = ifindex;
		if (o.arp) {
			arp.o = &o;
			arp.fd = open_arp(&o);
			if (arp.fd < 0 || pthread_create(&arp_thread, NULL, arp_main, &arp) != 0) {
				fprintf(stderr, "nc-flood: cannot answer ARP\n");
				return 1;
			}
		}
	} else {
		dead = pcap_open_dead(DLT_EN10MB, 65535);
		dump = dead != NULL ? pcap_dump_open(dead, o.pcap) : NULL;
		if (dump == NULL) {
			fprintf(stderr, "nc-flood: cannot write %s: %s\n", o.pcap,
				dead != NULL ? pcap_geterr(dead) : "pcap_open_dead failed");
			return 1;
		}
	}

	/* the template: everything but what next_frame() draws */
	if (o.v6) {
		pb_init6(&p, o.syn ? IPPROTO_TCP : IPPROTO_UDP);
		memcpy(p.sip6, o.net6, 16);
		p.sip6[15] |= 1;
		memcpy(p.dip6, o.dst6, 16);
	} else {
		pb_init(&p, o.syn ? IPPROTO_TCP : IPPROTO_UDP);
		p.sip = o.net | 1;
		p.dip = o.dst;
	}
	memcpy(p.dst_mac, o.dst_mac, 6);
	memcpy(p.src_mac, o.src_mac, 6);
	p.sport = 1024;
	p.dport = o.dport;
	p.ttl = 64;
	if (o.syn) {
		p.tcp_flags = PB_TCP_SYN;
		p.window = 64240;
	} else {
		memset(payload, 'f', o.payload);
		p.payload = payload;
		p.payload_len = (uint16_t)o.payload;
	}
	len = pb_build(&p, tmpl, sizeof(tmpl));
	if (len == 0) {
		fprintf(stderr, "nc-flood: cannot build the frame\n");
		return 1;
	}
	for (i = 0; i < o.batch; i++) {
		memcpy(frames[i], tmpl, len);
		iov[i].iov_base = frames[i];
		iov[i].iov_len = len;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &to;
		msgs[i].msg_hdr.msg_namelen = sizeof(to);
	}
	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_ifindex = ifindex;
	to.sll_halen = 6;
	memcpy(to.sll_addr, o.dst_mac, 6);
	to.sll_protocol = htons(o.v6 ? ETH_P_IPV6 : ETH_P_IP);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rs = o.seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
	if (rs == 0)
		rs = 1;
	t0 = now_s();
	t1 = t0;
	while (sent < o.count && !stop_now) {
		unsigned int n = o.batch, k;

		if (o.count - sent < n)
			n = (unsigned int)(o.count - sent);
		for (k = 0; k < n; k++) {
			if (o.v6)
				next_frame6(&o, frames[k], &rs, seen, &distinct);
			else
				next_frame(&o, frames[k], &rs, seen, &distinct);
		}
		if (dump != NULL) {
			for (k = 0; k < n; k++) {
				struct pcap_pkthdr h = { .caplen = len, .len = len };

				h.ts.tv_sec = (time_t)(sent / 1000000);
				h.ts.tv_usec = (suseconds_t)(sent % 1000000);
				pcap_dump((u_char *)dump, &h, frames[k]);
				sent++;
			}
		} else {
			k = 0;
			while (k < n && !stop_now) {
				int m = sendmmsg(fd, msgs + k, n - k, 0);

				if (m < 0) {
					if (errno == EINTR)
						continue;
					/* the device's queue is full (ENOBUFS): a frame lost */
					errors++;
					k++;
					continue;
				}
				sent += (uint64_t)m;
				k += (unsigned int)m;
			}
		}
		t1 = now_s();
		if (t1 - t0 >= o.seconds)
			break;
		if (o.rate != 0) {
			/* ahead of the rate: wait until the frames sent are due */
			double due = t0 + (double)(sent + errors) / (double)o.rate;

			if (due > t1) {
				struct timespec ts;
				double d = due - t1;

				ts.tv_sec = (time_t)d;
				ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
				nanosleep(&ts, NULL);
			}
		}
	}
	t1 = now_s();
	el = t1 - t0;
	if (arp.fd >= 0) {
		stop_now = 1;
		pthread_join(arp_thread, NULL);
		close(arp.fd);
	}
	if (dump != NULL) {
		pcap_dump_close(dump);
		pcap_close(dead);
	}
	if (fd >= 0)
		close(fd);
	printf("{\"proto\": \"%s\", \"sent\": %" PRIu64 ", \"errors\": %" PRIu64
	       ", \"seconds\": %.3f, \"rate_pps\": %.0f, \"sources\": %" PRIu32
	       ", \"frame_bytes\": %" PRIu32 ", \"arp_replies\": %" PRIu64 "}\n",
	       o.syn ? "syn" : "udp", sent, errors, el, el > 0 ? (double)sent / el : 0.0, distinct, len,
	       arp.replies);
	return 0;
}
