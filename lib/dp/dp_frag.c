/* SPDX-License-Identifier: BSD-3-Clause
 * IPv4 and IPv6 fragments (dp_frag.h). The worker's rule holds here too: no lock,
 * allocation (but mbufs), log or syscall per packet; every fragment dropped
 * is counted once, under the reason that dropped it.
 *
 * DPDK's table (22.11, lib/ip_frag) never reassembles an overlapping set:
 * overlapping bytes make the fragments' sum exceed the datagram's size (or
 * leave a hole), and the whole set is freed. It does not say why, though,
 * and keeps the set until its last fragment or its timeout; so the ranges
 * of each datagram under way are kept here too, an overlap is dropped at
 * once under its own reason (RFC 1858) and so is every later fragment of
 * that datagram. Its earlier fragments stay in the table until they expire.
 * IPv6 (RFC 5722) asks the same: the whole datagram is dropped.
 *
 * IPv6 (DPDK's reassembly removes the Fragment header that it expects right
 * after the IPv6 header): a Fragment header after other extension headers
 * is refused, and so is one followed by anything but TCP or UDP (RFC 7112:
 * the first fragment carries the whole header chain, which is then the
 * IPv6 header and TCP/UDP alone). Leaving, a reassembled IPv6 datagram over
 * the MTU is cut again, as DPDK's rte_ipv6_fragment_packet cuts it (which
 * leaves the identification 0: each datagram gets one of the worker's own).
 * IPv6 routers never fragment, but the appliance is the source of what it
 * sends (full NAT: its own local IP or VIP); Linux does the same for a
 * datagram its netfilter reassembled (nf_conntrack_reasm, then
 * ip6_fragment on output).
 */
#include <unistd.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <rte_random.h>

#include "dp_fastpath.h"
#include "dp_frag.h"

int
nc_frag_dp_init(struct nc_dp *dp, int socket)
{
	static const struct rte_mbuf_dynflag reassembled = { .name = "nc_reassembled" };
	static unsigned int made;   /* names: several data planes in one process */
	char name[RTE_MEMPOOL_NAMESIZE];
	int bit;

	bit = rte_mbuf_dynflag_register(&reassembled);
	if (bit < 0)
		return -rte_errno;
	dp->frag_reassembled_flag = 1ULL << bit;
	/* a fragment's headers (Ethernet in the headroom, IPv4 - or IPv6 and its
	 * Fragment header - in the room) ... */
	made++;
	snprintf(name, sizeof(name), "ncfragd_%u_%u", (unsigned int)getpid() & 0xffff, made);
	dp->frag_direct = rte_pktmbuf_pool_create(name, NC_FRAG_POOL, 256, 0,
						  RTE_PKTMBUF_HEADROOM + sizeof(struct rte_ipv6_hdr) +
						  sizeof(struct rte_ipv6_fragment_ext),
						  socket);
	/* ... and its data: attached to the reassembled datagram's buffers */
	snprintf(name, sizeof(name), "ncfragi_%u_%u", (unsigned int)getpid() & 0xffff, made);
	dp->frag_indirect = rte_pktmbuf_pool_create(name, NC_FRAG_POOL, 256, 0, 0, socket);
	if (dp->frag_direct == NULL || dp->frag_indirect == NULL) {
		nc_frag_dp_free(dp);
		return -ENOMEM;
	}
	return 0;
}

void
nc_frag_dp_free(struct nc_dp *dp)
{
	rte_mempool_free(dp->frag_direct);
	rte_mempool_free(dp->frag_indirect);
	dp->frag_direct = dp->frag_indirect = NULL;
}

int
nc_frag_worker_init(struct nc_worker *w, int socket)
{
	RTE_BUILD_BUG_ON((NC_FRAG_SEEN & (NC_FRAG_SEEN - 1)) != 0);
	RTE_BUILD_BUG_ON(RTE_LIBRTE_IP_FRAG_MAX_FRAG >= NC_FRAG_POISONED);
	/* the table's clock is the worker's, in ms: its "cycles" are ms */
	w->frag_tbl = rte_ip_frag_table_create(NC_FRAG_BUCKETS, NC_FRAG_BUCKET_ENT,
					       NC_FRAG_MAX_ENTRIES, NC_FRAG_TIMEOUT_MS, socket);
	w->frag_seen = rte_zmalloc_socket("nc_frag_seen", NC_FRAG_SEEN * sizeof(*w->frag_seen),
					  RTE_CACHE_LINE_SIZE, socket);
	if (w->frag_tbl == NULL || w->frag_seen == NULL)
		return -ENOMEM;
	w->frag6_id = (uint32_t)rte_rand();   /* not guessable from outside (RFC 7739) */
	return 0;
}

void
nc_frag_worker_free(struct nc_worker *w)
{
	if (w->frag_dr.cnt != 0)
		rte_ip_frag_free_death_row(&w->frag_dr, 0);
	if (w->frag_tbl != NULL)
		rte_ip_frag_table_destroy(w->frag_tbl);
	rte_free(w->frag_seen);
	w->frag_tbl = NULL;
	w->frag_seen = NULL;
}

int
nc_frag_is_reassembled(const struct nc_dp *dp, const struct rte_mbuf *m)
{
	return (m->ol_flags & dp->frag_reassembled_flag) != 0;
}

/* Move the table's 64-bit clock on by the worker's 32-bit one (wraps). */
static inline void
frag_clock(struct nc_worker *w)
{
	w->frag_ms += (uint32_t)(w->now_ms - w->frag_last_ms);
	w->frag_last_ms = w->now_ms;
}

/* The datagram of IPv4 header <ip>. */
static inline void
frag_key4(const struct rte_ipv4_hdr *ip, struct nc_frag_key *k)
{
	memset(k, 0, sizeof(*k));
	k->src[0] = ip->src_addr;
	k->dst[0] = ip->dst_addr;
	k->id = ip->packet_id;
	k->proto = ip->next_proto_id;
}

/* The datagram of IPv6 header <ip> and its Fragment header <fh>. */
static inline void
frag_key6(const struct rte_ipv6_hdr *ip, const struct rte_ipv6_fragment_ext *fh,
	  struct nc_frag_key *k)
{
	memcpy(k->src, ip->src_addr, 16);
	memcpy(k->dst, ip->dst_addr, 16);
	k->id = fh->id;
	k->proto = fh->next_header;
	k->v6 = 1;
	k->pad[0] = k->pad[1] = 0;
}

/* The datagram of fragment <m> (a frame the table holds: IPv4, or IPv6 with
 * its Fragment header right after the IPv6 header). */
static void
frag_key_of(const struct rte_mbuf *m, struct nc_frag_key *k)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

	if (((const struct rte_ether_hdr *)d)->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(d + sizeof(struct rte_ether_hdr));

		frag_key6(ip, (const struct rte_ipv6_fragment_ext *)(ip + 1), k);
	} else {
		frag_key4((const struct rte_ipv4_hdr *)(d + sizeof(struct rte_ether_hdr)), k);
	}
}

static inline struct nc_frag_seen *
frag_seen_of(struct nc_worker *w, const struct nc_frag_key *k)
{
	uint32_t h = nc_hash32(k->id ^ (uint32_t)k->proto << 24);
	unsigned int i;

	for (i = 0; i < (k->v6 ? 4u : 1u); i++)
		h = nc_hash32(h ^ k->src[i] ^ nc_hash32(k->dst[i]));
	return &w->frag_seen[h & (NC_FRAG_SEEN - 1)];
}

/*
 * Note the range [<ofs>, <end>) of a fragment of datagram <k>. Returns 0, or
 * -1 when it overlaps one seen before (or the datagram had an overlap
 * already): then the datagram is marked so.
 */
static int
frag_seen_add(struct nc_worker *w, const struct nc_frag_key *k, uint16_t ofs, uint16_t end)
{
	struct nc_frag_seen *e = frag_seen_of(w, k);
	uint8_t i;

	if (memcmp(&e->k, k, sizeof(*k)) != 0 || w->now_ms - e->start_ms >= NC_FRAG_TIMEOUT_MS) {
		/* a new datagram (one that shares the slot is forgotten: the
		 * table still refuses its overlaps, only uncounted as such) */
		e->k = *k;
		e->start_ms = w->now_ms;
		e->n = 0;
	}
	if (e->n == NC_FRAG_POISONED)
		return -1;
	for (i = 0; i < e->n; i++)
		if (ofs < e->end[i] && e->ofs[i] < end) {
			e->n = NC_FRAG_POISONED;
			return -1;
		}
	if (e->n < RTE_LIBRTE_IP_FRAG_MAX_FRAG) {   /* beyond: the table refuses the set */
		e->ofs[e->n] = ofs;
		e->end[e->n] = end;
		e->n++;
	}
	return 0;
}

/* Datagram <k> is complete: forget its ranges. */
static void
frag_seen_done(struct nc_worker *w, const struct nc_frag_key *k)
{
	struct nc_frag_seen *e = frag_seen_of(w, k);

	if (memcmp(&e->k, k, sizeof(*k)) == 0)
		memset(&e->k, 0, sizeof(e->k));
}

/*
 * Count the fragments the table put on the death row from <from> on. When
 * the fragment <in> is among them, the table refused its datagram (<key>):
 * those of it were refused; the others belonged to datagrams expired or
 * whose entry was reused (an expired entry of the same datagram too).
 */
static void
frag_count_dead(struct nc_worker *w, uint32_t from, const struct rte_mbuf *in,
		const struct nc_frag_key *key)
{
	struct nc_frag_key k;
	uint32_t i;

	for (i = from; in != NULL && i < w->frag_dr.cnt && w->frag_dr.row[i] != in; i++)
		;
	if (in == NULL || i == w->frag_dr.cnt)
		key = NULL;
	for (i = from; i < w->frag_dr.cnt; i++) {
		if (key != NULL) {
			frag_key_of(w->frag_dr.row[i], &k);
			if (memcmp(&k, key, sizeof(k)) == 0) {
				w->st.drop[NC_DROP_FRAG_REFUSED]++;
				continue;
			}
		}
		w->st.drop[NC_DROP_FRAG_EXPIRED]++;
	}
}

/* Room on the death row for the most one call of the table can free: a
 * stale entry and this set. */
static inline void
frag_dr_room(struct nc_worker *w)
{
	if (w->frag_dr.cnt > RTE_DIM(w->frag_dr.row) - 2 * (RTE_LIBRTE_IP_FRAG_MAX_FRAG + 1))
		rte_ip_frag_free_death_row(&w->frag_dr, 0);
}

/* The first fragment's <len> bytes at <l4> (<proto>) are too few for the
 * whole TCP/UDP header; or a TCP fragment at offset 8, where it could
 * rewrite the flags of a first one cut short (RFC 3128, RFC 7112). */
static inline int
frag_tiny(uint32_t ofs, uint32_t len, uint8_t proto, const uint8_t *l4)
{
	if (ofs != 0)
		return ofs == 8 && proto == IPPROTO_TCP;
	if (proto == IPPROTO_UDP)
		return len < sizeof(struct rte_udp_hdr);
	return len < sizeof(struct rte_tcp_hdr) ||
	       len < (uint32_t)(((const struct rte_tcp_hdr *)l4)->data_off >> 4) * 4;
}

struct rte_mbuf *
nc_frag_in4(struct nc_worker *w, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							  sizeof(struct rte_ether_hdr));
	uint16_t fo = rte_be_to_cpu_16(ip->fragment_offset);
	uint32_t ofs = (uint32_t)(fo & RTE_IPV4_HDR_OFFSET_MASK) * 8;
	uint32_t len = (uint32_t)rte_be_to_cpu_16(ip->total_length) - sizeof(*ip);
	uint32_t frame = sizeof(struct rte_ether_hdr) + sizeof(*ip) + len;
	const uint8_t *l4 = (const uint8_t *)(ip + 1);
	struct nc_frag_key key;
	struct rte_mbuf *r;
	uint32_t n0;

	if (unlikely(ip->next_proto_id != IPPROTO_TCP && ip->next_proto_id != IPPROTO_UDP) ||
	    unlikely(len == 0 || ((fo & RTE_IPV4_HDR_MF_FLAG) && (len & 7) != 0) ||
		     ofs + len > UINT16_MAX - sizeof(*ip))) {
		drop(w, m, NC_DROP_IP_FRAGMENT);
		return NULL;
	}
	/* RFC 3128: the first fragment holds the whole TCP/UDP header (so the
	 * reassembled datagram's first buffer does) */
	if (frag_tiny(ofs, len, ip->next_proto_id, l4)) {
		drop(w, m, NC_DROP_FRAG_TINY);
		return NULL;
	}
	frag_clock(w);
	frag_key4(ip, &key);
	if (frag_seen_add(w, &key, (uint16_t)ofs, (uint16_t)(ofs + len)) < 0) {
		drop(w, m, NC_DROP_FRAG_OVERLAP);
		return NULL;
	}
	/* the table chains the fragments' buffers as they are: no padding */
	if (rte_pktmbuf_data_len(m) > frame)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - frame));
	m->l2_len = sizeof(struct rte_ether_hdr);
	m->l3_len = sizeof(*ip);
	frag_dr_room(w);
	n0 = w->frag_dr.cnt;
	r = rte_ipv4_frag_reassemble_packet(w->frag_tbl, &w->frag_dr, m, w->frag_ms, ip);
	if (unlikely(w->frag_dr.cnt != n0))
		frag_count_dead(w, n0, m, &key);
	if (r == NULL)
		return NULL;
	/* the table zeroed the checksum and asks the NIC for it: not every
	 * port offloads it, and the rewrite adjusts it by delta */
	ip = rte_pktmbuf_mtod_offset(r, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	/* its first fragment's RSS hash, if any, is of the addresses alone:
	 * the datagram's owner is computed from its ports (nc_dp_owner4) */
	r->ol_flags &= ~(RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_RX_RSS_HASH);
	r->ol_flags |= w->dp->frag_reassembled_flag;
	frag_seen_done(w, &key);
	w->st.frag_reassembled++;
	return r;
}

/* Take the <n> bytes after IPv6 frame <m>'s fixed header out (the Ethernet
 * and IPv6 headers move up over them, in the first buffer); what followed
 * them is next header <nh>. */
static void
v6_cut(struct rte_mbuf *m, uint16_t n, uint8_t nh)
{
	const uint16_t l3 = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr);
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv6_hdr *ip;

	memmove(d + n, d, l3);
	rte_pktmbuf_adj(m, n);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, sizeof(struct rte_ether_hdr));
	ip->proto = nh;
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ip->payload_len) - n));
}

struct rte_mbuf *
nc_frag_in6(struct nc_worker *w, struct rte_mbuf *m, uint16_t fh_off)
{
	const uint16_t l3 = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr);
	struct rte_ipv6_hdr *ip;
	struct rte_ipv6_fragment_ext *fh;
	uint16_t fd, plen;
	uint32_t ofs, len, frame;
	struct nc_frag_key key;
	struct rte_mbuf *r;
	uint8_t nh;
	uint32_t n0;

	/* the parser checked the Fragment header is within the payload, and
	 * that what comes before it is destination options or a routing header
	 * with no segment left: ours to read and pass over, as on an
	 * unfragmented packet. DPDK's reassembly wants the Fragment header
	 * right after the IPv6 header: they go (each fragment repeats them,
	 * RFC 8200 4.5). */
	if (unlikely(fh_off != l3))
		v6_cut(m, (uint16_t)(fh_off - l3), NC_IP6_FRAGMENT);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, sizeof(struct rte_ether_hdr));
	fh = (struct rte_ipv6_fragment_ext *)(ip + 1);
	plen = rte_be_to_cpu_16(ip->payload_len);
	fd = rte_be_to_cpu_16(fh->frag_data);
	ofs = (uint32_t)(fd & ~7u);        /* 13 bits of 8-byte units, then 2 reserved, M */
	len = (uint32_t)plen - sizeof(*fh);
	frame = l3 + plen;
	nh = fh->next_header;
	if (ofs == 0 && !(fd & 1)) {
		/* RFC 6946: an atomic fragment is the whole packet, whatever
		 * its identification; no reassembly, the header goes */
		v6_cut(m, sizeof(*fh), nh);
		w->st.frag_atomic++;
		return m;
	}
	if (unlikely(nh != IPPROTO_TCP && nh != IPPROTO_UDP) ||
	    unlikely(len == 0 || ((fd & 1) && (len & 7) != 0) || ofs + len > UINT16_MAX)) {
		drop(w, m, NC_DROP_IP_FRAGMENT);
		return NULL;
	}
	if (frag_tiny(ofs, len, nh, (const uint8_t *)(fh + 1))) {
		drop(w, m, NC_DROP_FRAG_TINY);
		return NULL;
	}
	frag_clock(w);
	frag_key6(ip, fh, &key);
	if (frag_seen_add(w, &key, (uint16_t)ofs, (uint16_t)(ofs + len)) < 0) {
		drop(w, m, NC_DROP_FRAG_OVERLAP);
		return NULL;
	}
	if (rte_pktmbuf_data_len(m) > frame)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - frame));
	m->l2_len = sizeof(struct rte_ether_hdr);
	m->l3_len = sizeof(*ip) + sizeof(*fh);
	frag_dr_room(w);
	n0 = w->frag_dr.cnt;
	r = rte_ipv6_frag_reassemble_packet(w->frag_tbl, &w->frag_dr, m, w->frag_ms, ip, fh);
	if (unlikely(w->frag_dr.cnt != n0))
		frag_count_dead(w, n0, m, &key);
	if (r == NULL)
		return NULL;
	/* the table took the Fragment header out (the IPv6 header's next
	 * header is TCP/UDP again) and set the payload length; it is written
	 * again from the chain, which the parser checks it against, so that
	 * the two cannot disagree whatever the table's version does */
	ip = rte_pktmbuf_mtod_offset(r, struct rte_ipv6_hdr *, sizeof(struct rte_ether_hdr));
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(rte_pktmbuf_pkt_len(r) - l3));
	r->ol_flags &= ~RTE_MBUF_F_RX_RSS_HASH;   /* of the addresses alone, as in IPv4 */
	r->ol_flags |= w->dp->frag_reassembled_flag;
	frag_seen_done(w, &key);
	w->st.frag_reassembled++;
	w->st.frag6_reassembled++;
	return r;
}

/* Chain <m> in one buffer, for a port that sends single segments only: in
 * its first buffer when that has the room (a datagram reassembled within the
 * MTU), else copied into one of the pool its data came from (a fragment: a
 * header buffer and the datagram's). NULL when neither can be (<m> freed). */
static struct rte_mbuf *
frag_whole(struct rte_mbuf *m)
{
	const struct rte_mbuf *seg = m->next;
	struct rte_mempool *mp;
	struct rte_mbuf *c;

	if (rte_pktmbuf_linearize(m) == 0)
		return m;
	mp = RTE_MBUF_CLONED(seg) ? rte_mbuf_from_indirect((struct rte_mbuf *)(uintptr_t)seg)->pool :
				    seg->pool;
	c = rte_pktmbuf_copy(m, mp, 0, UINT32_MAX);
	rte_pktmbuf_free(m);
	if (c != NULL && c->nb_segs > 1) {
		rte_pktmbuf_free(c);
		c = NULL;
	}
	return c;
}

/* Buffer <m> for port <pidx>: 0, or -1 when it is dropped (counted): the
 * buffer full, or a chain that cannot be made one segment for a port that
 * sends only those. */
static inline int
frag_buffer(struct nc_worker *w, struct rte_mbuf *m, uint16_t pidx)
{
	struct nc_txbuf *tb = &w->tx[pidx];

	if (m->nb_segs > 1 && w->dp->tx_one_seg[pidx]) {
		m = frag_whole(m);
		if (m == NULL) {
			w->st.drop[NC_DROP_TX_CHAINED]++;
			return -1;
		}
	}
	if (unlikely(tb->n == NC_TXB_MAX)) {
		drop(w, m, NC_DROP_TX_FULL);
		return -1;
	}
	tb->m[tb->n++] = m;
	return 0;
}

/* IPv6 chain <m> over the MTU (<eth> its Ethernet header, <m> from its IPv6
 * header on): cut to the MTU, each fragment with one identification of the
 * worker's - never 0, not guessable from outside (RFC 7739) - and buffered. */
static void
frag_tx6(struct nc_worker *w, struct rte_mbuf *m, uint16_t pidx, const struct rte_ether_hdr *eth,
	 uint16_t port)
{
	const struct nc_dp *dp = w->dp;
	struct rte_mbuf *out[NC_FRAG_OUT_MAX];
	uint32_t id;
	int32_t n, i;

	n = rte_ipv6_fragment_packet(m, out, NC_FRAG_OUT_MAX, RTE_ETHER_MTU, dp->frag_direct,
				     dp->frag_indirect);
	rte_pktmbuf_free(m);
	if (unlikely(n < 0)) {
		w->st.drop[NC_DROP_FRAG_NO_MBUF]++;
		return;
	}
	id = nc_hash32(w->frag6_id++ ^ (uint32_t)w->id << 24);
	id += id == 0;
	w->st.frag_fragmented++;
	w->st.frag6_fragmented++;
	for (i = 0; i < n; i++) {
		struct rte_ether_hdr *e = (struct rte_ether_hdr *)rte_pktmbuf_prepend(out[i], sizeof(*eth));
		struct rte_ipv6_fragment_ext *fh = (struct rte_ipv6_fragment_ext *)
			((uint8_t *)(e + 1) + sizeof(struct rte_ipv6_hdr));

		memcpy(e, eth, sizeof(*eth));
		fh->id = rte_cpu_to_be_32(id);
		out[i]->ol_flags = 0;
		out[i]->port = port;
		if (frag_buffer(w, out[i], pidx) == 0)
			w->st.frag_out++;
	}
}

void
nc_frag_tx(struct nc_worker *w, struct rte_mbuf *m, uint16_t pidx)
{
	const struct nc_dp *dp = w->dp;
	struct rte_mbuf *out[NC_FRAG_OUT_MAX];
	struct rte_ether_hdr eth;
	const struct rte_ipv4_hdr *ip;
	uint16_t port = m->port, et;
	int32_t n, i;

	et = rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type;
	if (rte_pktmbuf_pkt_len(m) <= sizeof(eth) + RTE_ETHER_MTU ||
	    (et != RTE_BE16(RTE_ETHER_TYPE_IPV4) && et != RTE_BE16(RTE_ETHER_TYPE_IPV6))) {
		frag_buffer(w, m, pidx);
		return;
	}
	/* the fragmenters take and give packets that start at the IP header */
	memcpy(&eth, rte_pktmbuf_mtod(m, void *), sizeof(eth));
	if (et == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		rte_pktmbuf_adj(m, sizeof(eth));
		frag_tx6(w, m, pidx, &eth, port);
		return;
	}
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(eth));
	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)) {
		drop(w, m, NC_DROP_FRAG_DF);
		return;
	}
	rte_pktmbuf_adj(m, sizeof(eth));
	n = rte_ipv4_fragment_packet(m, out, NC_FRAG_OUT_MAX, RTE_ETHER_MTU, dp->frag_direct,
				     dp->frag_indirect);
	rte_pktmbuf_free(m);   /* the fragments hold its buffers now */
	if (unlikely(n < 0)) {
		w->st.drop[NC_DROP_FRAG_NO_MBUF]++;
		return;
	}
	w->st.frag_fragmented++;
	for (i = 0; i < n; i++) {
		struct rte_ether_hdr *e = (struct rte_ether_hdr *)rte_pktmbuf_prepend(out[i], sizeof(eth));
		struct rte_ipv4_hdr *fip = (struct rte_ipv4_hdr *)(e + 1);

		memcpy(e, &eth, sizeof(eth));
		fip->hdr_checksum = 0;
		fip->hdr_checksum = rte_ipv4_cksum(fip);
		out[i]->ol_flags = 0;
		out[i]->port = port;
		if (frag_buffer(w, out[i], pidx) == 0)
			w->st.frag_out++;
	}
}

void
nc_frag_flush(struct nc_worker *w)
{
	if (w->frag_dr.cnt != 0)
		rte_ip_frag_free_death_row(&w->frag_dr, 3);
}

void
nc_frag_expire(struct nc_worker *w)
{
	uint32_t n0 = w->frag_dr.cnt;

	frag_clock(w);
	rte_ip_frag_table_del_expired_entries(w->frag_tbl, &w->frag_dr, w->frag_ms);
	if (w->frag_dr.cnt != n0)
		frag_count_dead(w, n0, NULL, NULL);
	nc_frag_flush(w);
}
