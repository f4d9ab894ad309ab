/* SPDX-License-Identifier: BSD-3-Clause
 * nc-pktgen corrupt: copy a pcap file with one packet damaged in one way, so that
 * tests can prove the output checker notices.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "pktgen_priv.h"

enum corrupt_what {
	CW_IP_CSUM,   /* flip a bit of the IPv4 header checksum (IPv4 only) */
	CW_L4_CSUM,   /* flip a bit of the TCP/UDP checksum */
	CW_TTL,       /* TTL or hop limit one lower, IPv4 checksum fixed */
	CW_DST_MAC,   /* flip a bit of the destination MAC */
	CW_PAYLOAD,   /* flip a payload byte, L4 checksum fixed */
	CW_DROP,      /* leave the packet out */
	CW_DUP,       /* write the packet twice */
	CW_MAX
};

static const char *const cw_names[CW_MAX] = {
	[CW_IP_CSUM] = "ip-csum", [CW_L4_CSUM] = "l4-csum", [CW_TTL] = "ttl",
	[CW_DST_MAC] = "dst-mac", [CW_PAYLOAD] = "payload", [CW_DROP] = "drop",
	[CW_DUP] = "dup",
};

/* Whether frame <f> can take damage <w>. */
static bool
fits(const struct pg_frame *f, enum corrupt_what w)
{
	struct pg_pkt p;

	pg_parse(f->b, f->len, &p);
	if (!(p.ipv4 || p.ipv6) || !p.l4)
		return false;
	if (p.ipv6 && w == CW_IP_CSUM)
		return false;
	return w != CW_PAYLOAD || p.plen > 0;
}

static void
damage(struct pg_frame *f, enum corrupt_what w)
{
	struct pg_pkt p;
	uint32_t l4;

	pg_parse(f->b, f->len, &p);
	l4 = p.l4off;
	switch (w) {
	case CW_IP_CSUM:
		f->b[p.l3 + 10] ^= 0x01;
		break;
	case CW_L4_CSUM:
		f->b[l4 + (p.proto == IPPROTO_TCP ? 16 : 6)] ^= 0x01;
		break;
	case CW_TTL:
		if (p.ipv6) {
			f->b[p.l3 + 7]--;
			break;
		}
		f->b[p.l3 + 8]--;
		pb_ip_csum_fix(f->b);
		break;
	case CW_DST_MAC:
		f->b[5] ^= 0x01;
		break;
	case CW_PAYLOAD:
		f->b[p.payload - f->b] ^= 0x20;
		pg_l4_csum_fix(f->b);
		break;
	default:
		break;
	}
}

static int
run_corrupt(const char *in, const char *out, enum corrupt_what w, uint32_t pkt)
{
	struct pg_trace t;
	struct pg_writer wr;
	int rc;

	if ((rc = pg_trace_read(in, &t)) != 0)
		return rc;
	if (pkt == 0) {
		for (uint32_t i = 0; i < t.n && pkt == 0; i++)
			if (fits(&t.f[i], w))
				pkt = i + 1;
	}
	if (pkt == 0 || pkt > t.n || !fits(&t.f[pkt - 1], w)) {
		fprintf(stderr, "nc-pktgen corrupt: no packet in %s to damage with %s\n", in,
			cw_names[w]);
		pg_trace_free(&t);
		return -ENOENT;
	}
	if ((rc = pg_writer_open(&wr, out)) != 0) {
		pg_trace_free(&t);
		return rc;
	}
	for (uint32_t i = 0; i < t.n; i++) {
		if (i + 1 == pkt) {
			if (w == CW_DROP)
				continue;
			damage(&t.f[i], w);
			if (w == CW_DUP)
				pg_writer_put(&wr, &t.f[i]);
		}
		pg_writer_put(&wr, &t.f[i]);
	}
	rc = pg_writer_close(&wr);
	if (rc == 0)
		printf("nc-pktgen: %s: packet %u damaged (%s) -> %s\n", in, pkt, cw_names[w], out);
	pg_trace_free(&t);
	return rc;
}

static void
corrupt_usage(void)
{
	fprintf(stderr, "usage: nc-pktgen corrupt --in IN.pcap --out OUT.pcap "
			"--what ip-csum|l4-csum|ttl|dst-mac|payload|drop|dup [--packet N]\n"
			"  --packet N: 1-based; default the first IPv4 or IPv6 TCP/UDP packet that fits\n");
}

int
pg_cmd_corrupt(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "in", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "what", required_argument, NULL, 'w' },
		{ "packet", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *in = NULL, *out = NULL;
	int what = -1, c;
	uint32_t pkt = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'i': in = optarg; break;
		case 'o': out = optarg; break;
		case 'w':
			for (int k = 0; k < CW_MAX; k++)
				if (strcmp(optarg, cw_names[k]) == 0)
					what = k;
			if (what < 0) {
				fprintf(stderr, "nc-pktgen corrupt: unknown --what %s\n", optarg);
				return 2;
			}
			break;
		case 'p':
			if (pg_parse_u32(optarg, 1, UINT32_MAX, &pkt) != 0) {
				fprintf(stderr, "nc-pktgen corrupt: bad --packet %s\n", optarg);
				return 2;
			}
			break;
		case 'h':
			corrupt_usage();
			return 0;
		default:
			corrupt_usage();
			return 2;
		}
	}
	if (optind != argc || in == NULL || out == NULL || what < 0) {
		corrupt_usage();
		return 2;
	}
	return run_corrupt(in, out, (enum corrupt_what)what, pkt) == 0 ? 0 : 1;
}
