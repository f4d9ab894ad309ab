/* SPDX-License-Identifier: BSD-3-Clause
 * Worker: IPv4 ICMP errors about a flow's packet, in their place among a
 * burst's legs. Fragmentation needed goes on to the flow's other leg as that
 * leg's own packet's (path MTU discovery through the full NAT); another
 * unreachable about a packet to a server is the fail-safe's failure signal.
 * Never on an ordinary packet's path: classify hands these over by type.
 */
#include "dp_failsafe.h"
#include "dp_icmp.h"
#include "dp_synproxy.h"
#include "dp_v6.h"

#define ICMP_FRAG_NEEDED 4   /* destination unreachable code: fragmentation needed and DF set */

uint32_t
nc_quote_seq_to_server(const struct nc_worker *w, const struct nc_flow *f, uint32_t idx,
		       uint32_t seq)
{
	if (f->key.proto != IPPROTO_TCP)
		return seq;
	/* the server's numbers reach the client plus the fail-safe
	 * splice's delta and the SYN proxy's */
	if (w->tfs != NULL && w->tb->svc[f->svc].failsafe && (w->tfs[idx].flags & NC_TFS_SPLICED))
		seq = nc_seq_to_server(seq, w->tfs[idx].delta);
	if (nc_sp_flow(w, f, idx))
		seq -= w->synp[idx].delta;   /* client's view = server's + delta */
	return seq;
}

void
nc_quote_l4_set(uint8_t *ql4, uint32_t n, uint8_t proto, uint16_t sport, uint16_t dport,
		uint32_t seq, uint16_t delta)
{
	uint16_t *ports = (uint16_t *)ql4, *c;
	uint32_t d = delta, seq_be = rte_cpu_to_be_32(seq), old;

	ports[0] = sport;
	ports[1] = dport;
	if (proto == IPPROTO_TCP) {
		memcpy(&old, ql4 + 4, sizeof(old));   /* frames sit 2-byte aligned */
		memcpy(ql4 + 4, &seq_be, sizeof(seq_be));
		d += nc_csum_delta32(old, seq_be);
	}
	if (proto == IPPROTO_TCP && n >= 18)
		c = (uint16_t *)(ql4 + 16);
	else if (proto == IPPROTO_UDP && n >= 8)
		c = (uint16_t *)(ql4 + 6);
	else
		return;
	if (proto == IPPROTO_UDP && *c == 0)
		return;   /* a UDP datagram sent without a checksum */
	*c = nc_csum_adjust(*c, d);
}

/*
 * Send ICMP error <m> (its quote rewritten; <len> ICMP bytes) on from <src>
 * to <dst> (network order), through <f>'s client (<to_client>) or server
 * next hop: a fresh outer header, the ICMP checksum over the whole message.
 */
static void
icmp4_send(struct nc_worker *w, struct rte_mbuf *m, struct nc_flow *f, uint32_t src, uint32_t dst,
	   uint16_t len, int to_client)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + sizeof(struct rte_ether_hdr));
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(d + L4_OFF);

	m->data_len = (uint16_t)(L4_OFF + len);   /* without the Ethernet padding */
	m->pkt_len = m->data_len;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + len));
	ip->packet_id = 0;
	ip->fragment_offset = 0;
	ip->time_to_live = 64;
	ip->src_addr = src;
	ip->dst_addr = dst;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, len);
	w->st.icmp_relayed++;
	if (to_client)
		tx_to_client(w, m, f);
	else
		tx_to(w, m, f->nh_server);
}

/* The quoted IPv4 header <q> as it would have left on the other leg: from
 * <src> to <dst>, its checksum again. */
static inline void
quote_ip_set(struct rte_ipv4_hdr *q, uint32_t src, uint32_t dst)
{
	q->src_addr = src;
	q->dst_addr = dst;
	q->hdr_checksum = 0;
	q->hdr_checksum = rte_ipv4_cksum(q);
}

enum pkt_kind
nc_icmp4_leg(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm, int owned_check,
	     uint16_t *owner)
{
	const struct nc_dp *dp = w->dp;
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)(d + pm->l4_off);
	const uint16_t len = pm->pay;   /* the ICMP message's bytes */
	const struct nc_addr_ent *ae;
	struct rte_ipv4_hdr *q;
	struct nc_flow *f;
	uint16_t *qports;
	uint32_t qseq_be, n;
	int32_t idx;
	int s;

	/* an IPv4 quote of TCP or UDP without options, with its first 8 bytes,
	 * in the first segment: the only kind our flows' packets make */
	if (pm->l4_off != L4_OFF || !rte_pktmbuf_is_contiguous(m) ||
	    len < sizeof(*ic) + sizeof(*q) + 8 || rte_pktmbuf_data_len(m) < L4_OFF + len)
		goto not_ours;
	q = (struct rte_ipv4_hdr *)(ic + 1);
	if (q->version_ihl != 0x45 ||
	    (q->next_proto_id != IPPROTO_TCP && q->next_proto_id != IPPROTO_UDP))
		goto not_ours;
	qports = (uint16_t *)(q + 1);
	n = len - (uint32_t)(sizeof(*ic) + sizeof(*q));
	memcpy(&qseq_be, qports + 2, sizeof(qseq_be));   /* frames sit 2-byte aligned */
	ae = nc_dp_addr_find(w->tb, q->src_addr);
	if (ae != NULL && ae->lip_plus1 != 0) {
		/* about a packet to a server, from a local IP and port */
		uint16_t lport = rte_be_to_cpu_16(qports[0]);

		if (dp->probing && lport >= dp->probe_lo && lport < dp->probe_hi)
			return PK_CTL;   /* a probe's: the control lcore's */
		if (owned_check && dp->n_workers > 1) {
			*owner = (uint16_t)(lport % dp->n_workers);
			if (*owner != w->id)
				return PK_HANDOFF;
		}
		idx = nc_flow_by_lport(w->flows, (uint16_t)(ae->lip_plus1 - 1), lport);
		if (idx < 0)
			goto no_flow;
		f = flow_at(w, (uint32_t)idx);
		if (nc_flow_is_v6only(f) || f->server_ip != q->dst_addr ||
		    f->server_port != qports[1] || f->key.proto != q->next_proto_id)
			goto no_flow;
		/* only the fail-safe acts on other unreachables */
		if (ic->icmp_code != ICMP_FRAG_NEEDED &&
		    !(w->tb->svc[f->svc].failsafe && w->txc != NULL))
			goto unsupported;
		/* a flow without windows (a plain service's): its relay's
		 * receiver judges the number against its own (Linux's
		 * tcp_v4_err), as behind any router */
		if (seq_kept4(w, f) &&
		    !(ic->icmp_code == ICMP_FRAG_NEEDED ?
		      seq_relayable(w, (uint32_t)idx, NC_SEQ_TO_SERVER, qseq_be) :
		      seq_in_window(w, (uint32_t)idx, NC_SEQ_TO_SERVER, qseq_be)))
			goto out_of_window;
		if (ic->icmp_code != ICMP_FRAG_NEEDED) {
			nc_fs_unreach(w, m, (uint32_t)idx);
			return PK_DROP;
		}
		if (nc_flow_is_64(f)) {   /* to its IPv6 client as packet too big */
			if (!nc_v64_icmp_to_client(w, m, idx))
				drop(w, m, NC_DROP_ICMP_UNSUPPORTED);
			return PK_DROP;
		}
		/* the server's path is narrower: the client hears it from the
		 * VIP, about its own packet to the VIP */
		quote_ip_set(q, f->key.src_ip, f->key.dst_ip);
		nc_quote_l4_set((uint8_t *)qports, n, q->next_proto_id, f->key.src_port,
				f->key.dst_port, nc_quote_seq_to_client(f, rte_be_to_cpu_32(qseq_be)),
				f->s2c_l4_delta);
		icmp4_send(w, m, f, f->key.dst_ip, f->key.src_ip, len, 1);
		return PK_DROP;
	}
	if (ic->icmp_code != ICMP_FRAG_NEEDED)
		goto not_ours;
	s = nc_dp_svc_by_tuple(w->tb, q->src_addr, qports[0], q->next_proto_id);
	if (s == 0)
		goto not_ours;
	{
		/* about a packet to a client, from a VIP: that flow's server */
		struct nc_flow_key k = {
			.src_ip = q->dst_addr, .dst_ip = q->src_addr,
			.src_port = qports[1], .dst_port = qports[0], .proto = q->next_proto_id,
		};
		uint32_t hash = nc_flow_hash(&k);

		if (owned_check && dp->n_workers > 1) {
			*owner = nc_dp_owner4(dp, w->tb, (unsigned int)(s - 1), &k, hash, NULL);
			if (*owner != w->id)
				return PK_HANDOFF;
		}
		idx = nc_flow_lookup(w->flows, &k, hash);
		if (idx < 0) {
			/* a router hashes its error by its own header: in a
			 * cluster, the flow may be a peer's */
			redirect_or_drop_as(w, m, NC_DROP_ICMP_NO_FLOW);
			return PK_DROP;
		}
	}
	f = flow_at(w, (uint32_t)idx);
	if (seq_kept4(w, f) && !seq_relayable(w, (uint32_t)idx, NC_SEQ_TO_CLIENT, qseq_be))
		goto out_of_window;
	/* the client's path is narrower: the server hears it from the local
	 * IP, about its own packet to it */
	quote_ip_set(q, f->server_ip, f->lip);
	nc_quote_l4_set((uint8_t *)qports, n, q->next_proto_id, f->server_port, f->lport,
			nc_quote_seq_to_server(w, f, (uint32_t)idx, rte_be_to_cpu_32(qseq_be)),
			f->c2s_l4_delta);
	icmp4_send(w, m, f, f->lip, f->server_ip, len, 0);
	return PK_DROP;
not_ours:
	/* quoting no packet of ours: it may answer a health probe */
	if (dp->probing)
		return PK_CTL;
unsupported:
	drop(w, m, NC_DROP_ICMP_UNSUPPORTED);
	return PK_DROP;
no_flow:
	drop(w, m, NC_DROP_ICMP_NO_FLOW);
	return PK_DROP;
out_of_window:
	drop(w, m, NC_DROP_ICMP_OUT_OF_WINDOW);
	return PK_DROP;
}
