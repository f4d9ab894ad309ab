/* SPDX-License-Identifier: BSD-3-Clause
 * nc-pktgen reply: play the servers behind the appliance.
 *
 * For each client packet (in order) the merged file gets that packet, then, if the
 * appliance forwarded it (same IPv4 ID, a source that is not the client), the
 * server's response to the forwarded packet, addressed back to the appliance:
 *   SYN          -> SYN|ACK (MSS), ISN = pg_server_isn(client 4-tuple)
 *   data         -> PSH|ACK carrying PG_RESP_LEN bytes naming the server and the
 *                   CRC-32 of the request bytes; seq = the request's ack number
 *   FIN          -> FIN|ACK
 *   pure ACK/RST -> nothing
 *   UDP          -> one reply datagram, same payload format
 * Responses swap the forwarded packet's MACs, addresses and ports, use TTL 64 and
 * IPv4 IDs unused by the client file. IPv6 alike, the flow label taking the
 * ID's part (forwarded copy found by flow label, labels unused by the clients).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "pktgen_priv.h"

#define SRV_TTL 64

struct reply {
	struct pg_ids *ids;
	struct pg_writer w;
	uint32_t n_fwd;
	uint32_t n_resp;
};

static int
resp_hdr(struct reply *r, const struct pg_frame *fw, const struct pg_pkt *f, struct pg_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	memcpy(ip->dmac, fw->b + 6, 6);
	memcpy(ip->smac, fw->b, 6);
	ip->sip = f->dip;
	ip->dip = f->sip;
	ip->v6 = f->ipv6;
	memcpy(ip->sip6, f->dip6, 16);
	memcpy(ip->dip6, f->sip6, 16);
	ip->ttl = SRV_TTL;
	ip->frag = 0x4000;
	if (pg_ids_next(r->ids, &ip->id) != 0) {
		fprintf(stderr, "nc-pktgen reply: out of unique IPv4 IDs\n");
		return -ENOSPC;
	}
	return 0;
}

static int
put_resp(struct reply *r, struct pg_frame *out, uint64_t ts_us)
{
	out->ts_us = ts_us;
	r->n_resp++;
	return pg_writer_put(&r->w, out);
}

/* Responses of the server to the forwarded TCP segment <f> of client packet <c>. */
static int
respond_tcp(struct reply *r, const struct pg_frame *cf, const struct pg_pkt *c,
	    const struct pg_frame *fw, const struct pg_pkt *f)
{
	static const uint8_t mss[4] = { TCPOPT_MAXSEG, TCPOLEN_MAXSEG, PG_MSS >> 8, PG_MSS & 0xff };
	uint8_t body[PG_RESP_LEN];
	struct pg_frame out;
	struct pg_tcp t = { .sport = f->dport, .dport = f->sport, .win = PG_SRV_WIN };
	struct pg_ip ip;
	uint64_t ts = cf->ts_us;
	int rc;

	if (f->flags & TH_RST)
		return 0;
	if ((f->flags & (TH_SYN | TH_ACK)) == TH_SYN) {
		if ((rc = resp_hdr(r, fw, f, &ip)) != 0)
			return rc;
		t.seq = pg_server_isn(pg_addr_key(c, true), c->sport, pg_addr_key(c, false),
				      c->dport);
		t.ack = f->seq + 1;
		t.flags = TH_SYN | TH_ACK;
		t.opt = mss;
		t.optlen = sizeof(mss);
		if ((rc = pg_build_tcp(&out, &ip, &t, NULL, 0)) != 0)
			return rc;
		return put_resp(r, &out, ts + 1);
	}
	t.seq = f->ack;
	if (f->plen > 0) {
		if ((rc = resp_hdr(r, fw, f, &ip)) != 0)
			return rc;
		pg_response_payload(body, f);
		t.ack = f->seq + f->plen;
		t.flags = TH_PUSH | TH_ACK;
		if ((rc = pg_build_tcp(&out, &ip, &t, body, sizeof(body))) != 0)
			return rc;
		if ((rc = put_resp(r, &out, ++ts)) != 0)
			return rc;
		t.seq += PG_RESP_LEN;
	}
	if (f->flags & TH_FIN) {
		if ((rc = resp_hdr(r, fw, f, &ip)) != 0)
			return rc;
		t.ack = f->seq + f->plen + 1;
		t.flags = TH_FIN | TH_ACK;
		if ((rc = pg_build_tcp(&out, &ip, &t, NULL, 0)) != 0)
			return rc;
		return put_resp(r, &out, ++ts);
	}
	return 0;
}

static int
respond_udp(struct reply *r, const struct pg_frame *cf, const struct pg_frame *fw,
	    const struct pg_pkt *f)
{
	uint8_t body[PG_RESP_LEN];
	struct pg_frame out;
	struct pg_ip ip;
	int rc;

	if ((rc = resp_hdr(r, fw, f, &ip)) != 0)
		return rc;
	pg_response_payload(body, f);
	if ((rc = pg_build_udp(&out, &ip, f->dport, f->sport, body, sizeof(body))) != 0)
		return rc;
	return put_resp(r, &out, cf->ts_us + 1);
}

/* Find the forwarded copy of client packet <c> in <fwd> (index chain by ID). */
static int32_t
find_forwarded(const struct pg_trace *fwd, const int32_t *head, const int32_t *next,
	       const struct pg_pkt *c, struct pg_pkt *f)
{
	for (int32_t i = head[c->id]; i >= 0; i = next[i]) {
		pg_parse(fwd->f[i].b, fwd->f[i].len, f);
		if (f->ipv4 != c->ipv4 || !f->l4 || f->id != c->id || f->proto != c->proto)
			continue;
		if (f->ipv6 ? memcmp(f->sip6, c->sip6, 16) != 0 && memcmp(f->dip6, c->sip6, 16) != 0 :
			      f->sip != c->sip && f->dip != c->sip)
			return i;
	}
	return -1;
}

static int
run_reply(const char *clients, const char *fwd_path, const char *out, uint64_t seed)
{
	struct pg_trace ct, ft;
	struct reply r;
	int32_t *head = NULL, *next = NULL;
	uint32_t n_ip = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	if ((rc = pg_trace_read(clients, &ct)) != 0)
		return rc;
	if ((rc = pg_trace_read(fwd_path, &ft)) != 0) {
		pg_trace_free(&ct);
		return rc;
	}
	r.ids = malloc(sizeof(*r.ids));
	head = malloc(65536 * sizeof(*head));
	next = malloc((ft.n ? ft.n : 1) * sizeof(*next));
	if (r.ids == NULL || head == NULL || next == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	pg_ids_init(r.ids, seed ^ 0x5e7e5e7eULL);
	/* Every ID of the client file is taken, whatever the frame's validity. */
	for (uint32_t i = 0; i < ct.n; i++) {
		const uint8_t *b = ct.f[i].b;

		if (ct.f[i].len >= PG_ETH_LEN + 6 && b[12] == 0x08 && b[13] == 0x00) {
			pg_ids_mark(r.ids, (uint16_t)(b[18] << 8 | b[19]));
			n_ip++;
		} else if (ct.f[i].len >= PG_ETH_LEN + 4 && b[12] == 0x86 && b[13] == 0xdd) {
			pg_ids_mark(r.ids, (uint16_t)(b[16] << 8 | b[17]));
			n_ip++;
		}
	}
	memset(head, 0xff, 65536 * sizeof(*head));
	for (int32_t i = (int32_t)ft.n - 1; i >= 0; i--) {
		struct pg_pkt f;

		pg_parse(ft.f[i].b, ft.f[i].len, &f);
		next[i] = -1;
		if (!f.ipv4 && !f.ipv6)
			continue;
		next[i] = head[f.id];
		head[f.id] = i;
	}
	if ((rc = pg_writer_open(&r.w, out)) != 0)
		goto out;
	for (uint32_t i = 0; i < ct.n && rc == 0; i++) {
		struct pg_pkt c, f;
		int32_t k;

		pg_writer_put(&r.w, &ct.f[i]);
		pg_parse(ct.f[i].b, ct.f[i].len, &c);
		if ((!c.ipv4 && !c.ipv6) || !c.l4 || (k = find_forwarded(&ft, head, next, &c, &f)) < 0)
			continue;
		r.n_fwd++;
		if (f.proto == IPPROTO_TCP)
			rc = respond_tcp(&r, &ct.f[i], &c, &ft.f[k], &f);
		else
			rc = respond_udp(&r, &ct.f[i], &ft.f[k], &f);
		if (rc != 0)
			fprintf(stderr, "nc-pktgen reply: client packet %u: %s\n", i + 1,
				strerror(-rc));
	}
	if (pg_writer_close(&r.w) != 0 && rc == 0) {
		fprintf(stderr, "nc-pktgen reply: %s: write failed\n", out);
		rc = -EIO;
	}
	if (rc == 0)
		printf("nc-pktgen: merged %u client packets (%u IP), %u forwarded, "
		       "%u server responses -> %s\n", ct.n, n_ip, r.n_fwd, r.n_resp, out);
out:
	free(next);
	free(head);
	free(r.ids);
	pg_trace_free(&ct);
	pg_trace_free(&ft);
	return rc;
}

static void
reply_usage(void)
{
	fprintf(stderr, "usage: nc-pktgen reply --clients CLIENTS.pcap --forwarded OUT.pcap "
			"--out MERGED.pcap [--seed N]\n");
}

int
pg_cmd_reply(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "clients", required_argument, NULL, 'c' },
		{ "forwarded", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *clients = NULL, *fwd = NULL, *out = NULL;
	uint64_t seed = 1;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'c': clients = optarg; break;
		case 'f': fwd = optarg; break;
		case 'o': out = optarg; break;
		case 's':
			if (pg_parse_u64(optarg, &seed) != 0) {
				fprintf(stderr, "nc-pktgen reply: bad --seed %s\n", optarg);
				return 2;
			}
			break;
		case 'h':
			reply_usage();
			return 0;
		default:
			reply_usage();
			return 2;
		}
	}
	if (optind != argc || clients == NULL || fwd == NULL || out == NULL) {
		reply_usage();
		return 2;
	}
	return run_reply(clients, fwd, out, seed) == 0 ? 0 : 1;
}
