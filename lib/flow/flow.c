/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_vect.h>

#include "nc_flow.h"

/* A local port's resting: a TCP flow that freed it left its 4-tuple with its
 * server, which may hold it in TIME_WAIT until the rest ends. The last server
 * it rests for (rest bit <bit>, nc_flow_rest_bit) keeps its own end; the ones
 * before it share one end, the latest of theirs, so a port used for A and
 * then for B is ready for A again when A's time is over, not B's. Kept in 8
 * bytes (one per port of every local IP): the earlier servers' bits folded to
 * 16 and their end as a step count before the last one's, rounded to end
 * later. Every approximation rests longer, never shorter. */
struct lport_rest {
	uint32_t until_ms;      /* the last server's rest ends */
	uint16_t old_servers;   /* the earlier ones' bits, folded (1 << (bit & 15)) */
	uint8_t bit;            /* the last server's */
	uint8_t old_ago;        /* theirs ends (old_ago << rest_shift) ms before until_ms */
};

/* Free local ports of one local IP, first in first out: a port is reused as
 * late as possible. A port freed by a TCP flow also rests for its server until
 * that server has surely left TIME_WAIT on the 4-tuple: a SYN landing on a
 * server's TIME_WAIT socket is answered with a bare ACK (clients' TCP
 * timestamps are random per connection), which costs the client a reset and
 * its SYN again (the fail-safe mends it itself: stale_tuple). */
struct lport_fifo {
	uint16_t *port;
	struct lport_rest *rest;   /* per port number this table owns: its resting (rest_of) */
	uint32_t mask;       /* ring size - 1 (power of two) */
	uint32_t head;       /* next to take */
	uint32_t count;
	uint32_t unused;     /* ports at the head never used since start: always ready */
	uint32_t size;       /* ports this table owns on the local IP (free or not) */
	uint16_t n_workers;  /* the table owns the ports p % n_workers == its worker */
	uint8_t rest_shift;  /* lport_rest.old_ago's step: tcp_reuse_ms >> it fits 8 bits */
	uint8_t steer_bits;  /* bits of its answers' queue (nc_flow_table_steer); 0: not steered */
	uint8_t steer_share; /* the local IP's share of that queue */
	uint16_t steer_mask[NC_STEER_BITS_MAX];   /* a port's share, bit j: parity(port & [j]) */
};

/* The resting of port <p> of <f>: the table's ports are apart by n_workers. */
static inline struct lport_rest *
rest_of(const struct lport_fifo *f, uint16_t p)
{
	return &f->rest[f->n_workers == 1 ? p : p / f->n_workers];
}

/*
 * The client-key tables (one per family): cuckoo buckets of one cache line,
 * each holding NC_FT_WAYS 16-bit signatures and the flow indexes beside them;
 * the key itself is the flow's own (an IPv4 flow's nc_flow.key, in the flow's
 * line; an IPv6 flow's ports there and its addresses in its nc_flow6_addr),
 * so an IPv4 lookup touches one bucket line and the flow line it then needs
 * anyway (rte_hash adds a key store line between them). A key lives in its
 * primary bucket (from its hash) or the other one (the primary plus an offset
 * made of its signature, modulo the bucket count; a way's alt_ways bit says
 * which of the two it is in, so a displaced entry finds its other bucket
 * without its key; the bucket count need not be a power of two, so the table
 * is no bigger than its fill calls for). At most half the ways are ever used, so an insert rarely
 * moves anything; when both buckets are full a short search (NC_FT_DEPTH
 * moves) finds room before anything moves, and failing that the insert fails
 * (counted by the caller as a full table): no entry is ever lost. A bucket
 * counts the entries of its keys that live in their other bucket ("spilled");
 * while that is 0, which at this fill it nearly always is, a key its ways do
 * not hold is known absent without a look at the other bucket: a new flow's
 * lookup costs one bucket line, not two.
 */
#define NC_FT_WAYS  8
#define NC_FT_DEPTH 3
#define NC_FT_BULK  64   /* keys per staged round of nc_flow_lookup_bulk() */
#define FT_NONE     UINT32_MAX

struct ft_bucket {
	uint16_t sig[NC_FT_WAYS];   /* 0: empty way */
	uint32_t idx[NC_FT_WAYS];   /* flow index */
	uint16_t spilled;           /* entries whose primary bucket this is, in their other one */
	uint8_t alt_ways;           /* ways holding an entry whose primary is the other bucket */
	uint8_t pad[13];
} __rte_cache_aligned;

/*
 * A family's free flow slots: a bit each (set: free), and a summary bit per
 * word of them (set: the word has one). A new flow takes the first free slot
 * from where the last one was taken, going up: the flow lines it writes come
 * in address order whatever order flows closed in, and the slot a few flows
 * ahead is known in time to fetch its line (ft_take_slot). A free list linked
 * through the slots themselves would make each new flow wait for the line of
 * the slot it takes to learn the next one: one memory latency a flow once the
 * slots closed in random order. The bits cost 1/8 byte a slot.
 */
#define FT_TAKE_AHEAD 4   /* the slot this many new flows ahead: its line fetched */

struct ft {
	struct ft_bucket *bkt;   /* n_bkt of them */
	uint32_t n_bkt;
	uint32_t first;          /* the family's first slot */
	uint64_t *free_bits;     /* bit i of word w: slot first + 64 w + i is free */
	uint64_t *free_sum;      /* bit i of word s: free_bits[64 s + i] != 0 */
	uint32_t n_words;        /* of free_bits */
	uint32_t cur;            /* the word the next take starts from */
	uint32_t n_free;
};

struct nc_flow_table {
	struct ft ft4;           /* IPv4 client keys: slots 0 .. slots - 1 */
	struct ft ft6;           /* IPv6 ones: slots .. slots + slots6 - 1 */
	struct nc_flow *flows;   /* IPv4 flows, then IPv6 ones */
	uint32_t capacity;       /* flows allowed */
	uint32_t slots;          /* IPv4 entries in flows[] */
	uint32_t slots6;         /* IPv6 entries after them; 0: none */
	struct nc_flow6_addr *a6;   /* slots6 */
	uint32_t n;              /* open flows */
	uint32_t expire_cursor;
	uint16_t worker;
	uint16_t n_workers;
	uint16_t n_lips;
	uint32_t *lport_map;     /* [lip_idx << 16 | lport] = flow index + 1 */
	uint32_t now_ms;         /* the owner's clock (nc_flow_set_clock) */
	uint32_t tcp_reuse_ms;   /* cooling time of a port after a TCP flow */
	uint32_t rest_max_ms;    /* the longest it has been: no rest ends later */
	uint64_t early_reuse;    /* TCP flows given a port still cooling */
	uint64_t steer_missed;   /* flows given a port whose answers reach another queue */
	struct lport_fifo fifo[];
};

uint32_t
nc_flow_hash(const struct nc_flow_key *k)
{
	const uint64_t *w = (const uint64_t *)k;

	RTE_BUILD_BUG_ON(sizeof(struct nc_flow_key) != 16);
	return rte_hash_crc_8byte(w[1], rte_hash_crc_8byte(w[0], 0x5bd1e995));
}

uint32_t
nc_flow6_hash(const struct nc_flow6_key *k)
{
	RTE_BUILD_BUG_ON(sizeof(struct nc_flow6_key) != 40);
	return rte_hash_crc(k, sizeof(*k), 0x5bd1e995);
}

/* ---------------------------------------------- the IPv4 client-key table */

static inline uint16_t
ft_sig(uint32_t hash)
{
	uint16_t sig = (uint16_t)(hash >> 16);

	return sig != 0 ? sig : 1;   /* 0 marks an empty way */
}

/* The primary bucket of a key of <hash>: its hash mixed (so that the bucket
 * does not follow the signature's bits), scaled to the bucket count. */
static inline uint32_t
ft_bucket_of(const struct ft *ft, uint32_t hash)
{
	return (uint32_t)((uint64_t)(hash * 0x9e3779b1u) * ft->n_bkt >> 32);
}

/* A signature's offset from its key's primary bucket to its other one:
 * 1 .. n_bkt - 1, so the two always differ. */
static inline uint32_t
ft_offset(const struct ft *ft, uint16_t sig)
{
	return 1 + (uint32_t)((uint64_t)((uint32_t)sig * 0x85ebca6bu) * (ft->n_bkt - 1) >> 32);
}

/* The other bucket of a key whose primary is <b> (signature <sig>). */
static inline uint32_t
ft_alt(const struct ft *ft, uint32_t b, uint16_t sig)
{
	uint32_t a = b + ft_offset(ft, sig);

	return a >= ft->n_bkt ? a - ft->n_bkt : a;
}

/* The primary bucket of a key held in its other bucket <b>. */
static inline uint32_t
ft_primary(const struct ft *ft, uint32_t b, uint16_t sig)
{
	uint32_t o = ft_offset(ft, sig);

	return b >= o ? b - o : b + ft->n_bkt - o;
}

/* Ways of bucket <b> whose signature is <sig>, a bit each. */
static inline uint32_t
ft_match(const struct ft_bucket *b, uint16_t sig)
{
#if defined(__SSE2__)
	/* the 8 signatures in one compare; packed to a byte each, a bit each */
	RTE_BUILD_BUG_ON(NC_FT_WAYS != 8 || offsetof(struct ft_bucket, sig) != 0);
	__m128i eq = _mm_cmpeq_epi16(_mm_load_si128((const __m128i *)b->sig),
				     _mm_set1_epi16((short)sig));

	return (uint32_t)_mm_movemask_epi8(_mm_packs_epi16(eq, _mm_setzero_si128()));
#else
	uint32_t m = 0, j;

	for (j = 0; j < NC_FT_WAYS; j++)
		m |= (uint32_t)(b->sig[j] == sig) << j;
	return m;
#endif
}

/* Flow slot <idx> holds key <k> (struct nc_flow_key, or with <v6>
 * struct nc_flow6_key). */
static inline int
ft_eq(const struct nc_flow_table *t, int v6, uint32_t idx, const void *k)
{
	const struct nc_flow *f = &t->flows[idx];

	if (!v6) {
		uint64_t x[2], y[2];

		memcpy(x, &f->key, sizeof(x));
		memcpy(y, k, sizeof(y));   /* a packet's key may be 4-aligned only */
		return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
	} else {
		const struct nc_flow6_key *k6 = k;
		const struct nc_flow6_addr *a = &t->a6[idx - t->slots];

		return f->key.src_port == k6->src_port && f->key.dst_port == k6->dst_port &&
		       f->key.proto == k6->proto && nc_ip6_eq(a->client, k6->src_ip) &&
		       nc_ip6_eq(a->vip, k6->dst_ip);
	}
}

/* The flow of key <k> among the ways <m> of bucket <b>, or -ENOENT. */
static inline int32_t
ft_find(const struct nc_flow_table *t, int v6, const struct ft_bucket *b, uint32_t m,
	const void *k)
{
	while (m != 0) {
		uint32_t idx = b->idx[__builtin_ctz(m)];

		if (likely(ft_eq(t, v6, idx, k)))
			return (int32_t)idx;
		m &= m - 1;
	}
	return -ENOENT;
}

static inline int32_t
ft_lookup(const struct nc_flow_table *t, int v6, const void *k, uint32_t hash)
{
	const struct ft *ft = v6 ? &t->ft6 : &t->ft4;
	uint16_t sig = ft_sig(hash);
	uint32_t b = ft_bucket_of(ft, hash);
	int32_t pos = ft_find(t, v6, &ft->bkt[b], ft_match(&ft->bkt[b], sig), k);

	if (pos >= 0 || ft->bkt[b].spilled == 0)
		return pos;
	b = ft_alt(ft, b, sig);
	return ft_find(t, v6, &ft->bkt[b], ft_match(&ft->bkt[b], sig), k);
}

/* The first word of free_bits from <w> on (round the end) with a free slot;
 * there is one (n_free != 0). Reads at most the summary's words, one per
 * 4,096 slots (256 at 1M), and then only when the cursor's word is used up. */
static inline uint32_t
ft_free_word(const struct ft *ft, uint32_t w)
{
	uint32_t s = w >> 6, n_sum = (ft->n_words + 63) >> 6;
	uint64_t m = ft->free_sum[s] & (~0ull << (w & 63));

	while (m == 0) {
		s = s + 1 == n_sum ? 0 : s + 1;
		m = ft->free_sum[s];
	}
	return s << 6 | (uint32_t)__builtin_ctzll(m);
}

/* Take a free slot of family <ft> of <t> (n_free != 0): the first from the
 * cursor on. The lines of the slot FT_TAKE_AHEAD takes later (its flow, and
 * an IPv6 slot's addresses) are fetched now: they are written then. When
 * this word has fewer free slots left, the next word's first. */
static inline uint32_t
ft_take_slot(const struct nc_flow_table *t, struct ft *ft)
{
	uint32_t w = ft->free_bits[ft->cur] != 0 ? ft->cur : ft_free_word(ft, ft->cur);
	uint64_t m = ft->free_bits[w], ahead;
	uint32_t rel = (w << 6) + (uint32_t)__builtin_ctzll(m), a;

	RTE_BUILD_BUG_ON(FT_TAKE_AHEAD != 4);   /* three lowest bits cleared below */
	m &= m - 1;
	ft->free_bits[w] = m;
	if (m == 0)
		ft->free_sum[w >> 6] &= ~(1ull << (w & 63));
	ft->cur = w;
	ft->n_free--;
	ahead = m & (m - 1);
	ahead &= ahead - 1;
	ahead &= ahead - 1;
	if (ahead != 0)
		a = (w << 6) + (uint32_t)__builtin_ctzll(ahead);
	else if (w + 1 < ft->n_words && (ahead = ft->free_bits[w + 1]) != 0)
		a = ((w + 1) << 6) + (uint32_t)__builtin_ctzll(ahead);
	else
		return ft->first + rel;
	rte_prefetch0(&t->flows[ft->first + a]);
	if (ft == &t->ft6)
		rte_prefetch0(&t->a6[a]);
	return ft->first + rel;
}

/* Slot <idx> of <ft> free again. */
static inline void
ft_give_slot(struct ft *ft, uint32_t idx)
{
	uint32_t i = idx - ft->first, w = i >> 6;

	ft->free_bits[w] |= 1ull << (i & 63);
	ft->free_sum[w >> 6] |= 1ull << (w & 63);
	ft->n_free++;
}

/* A free way of bucket <b>, or -1. */
static inline int
ft_free_way(const struct ft_bucket *b)
{
	uint32_t m = ft_match(b, 0);

	return m != 0 ? __builtin_ctz(m) : -1;
}

/*
 * Room in bucket <b> for an entry, moving at most <depth> entries each to its
 * other bucket: the way freed in <b>, or -1 (nothing moved). Depth first,
 * the moves made from the free way found back to <b>.
 */
static int
ft_make_room(struct ft *ft, uint32_t b, unsigned int depth)
{
	struct ft_bucket *bk = &ft->bkt[b];
	int j, w;

	if ((w = ft_free_way(bk)) >= 0)
		return w;
	if (depth == 0)
		return -1;
	for (j = 0; j < NC_FT_WAYS; j++) {
		/* its other bucket: back to its primary, or out to the other */
		uint32_t alt = bk->alt_ways >> j & 1 ? ft_primary(ft, b, bk->sig[j]) :
						       ft_alt(ft, b, bk->sig[j]);

		if ((w = ft_make_room(ft, alt, depth - 1)) < 0)
			continue;
		ft->bkt[alt].sig[w] = bk->sig[j];
		ft->bkt[alt].idx[w] = bk->idx[j];
		if (bk->alt_ways >> j & 1) {   /* back to its primary, <alt> */
			ft->bkt[alt].spilled--;
			bk->alt_ways &= (uint8_t)~(1u << j);
		} else {                        /* out of its primary, <b> */
			bk->spilled++;
			ft->bkt[alt].alt_ways |= (uint8_t)(1u << w);
		}
		bk->sig[j] = 0;
		return j;
	}
	return -1;
}

/* A free slot of table <ft> for a key of <hash>: the slot, in the table
 * (the caller sets the key before the next lookup), or -ENOSPC (nothing
 * taken). */
static int32_t
ft_add(const struct nc_flow_table *t, struct ft *ft, uint32_t hash)
{
	uint16_t sig = ft_sig(hash);
	uint32_t b1 = ft_bucket_of(ft, hash), b2 = ft_alt(ft, b1, sig), b = b1, idx;
	int w = ft_free_way(&ft->bkt[b1]);

	if (unlikely(ft->n_free == 0))
		return -ENOSPC;
	if (w < 0) {
		b = b2;
		w = ft_free_way(&ft->bkt[b2]);
	}
	if (w < 0) {
		b = b1;
		w = ft_make_room(ft, b1, NC_FT_DEPTH);
	}
	if (w < 0) {
		b = b2;
		w = ft_make_room(ft, b2, NC_FT_DEPTH);
	}
	if (unlikely(w < 0))
		return -ENOSPC;
	idx = ft_take_slot(t, ft);
	ft->bkt[b].idx[w] = idx;
	ft->bkt[b].sig[w] = sig;
	if (b != b1) {
		ft->bkt[b1].spilled++;
		ft->bkt[b].alt_ways |= (uint8_t)(1u << w);
	}
	return (int32_t)idx;
}

/* Flow slot <idx> (its key's <hash>) out of table <ft>, free again. */
static void
ft_del(struct ft *ft, uint32_t hash, uint32_t idx)
{
	uint16_t sig = ft_sig(hash);
	uint32_t b1 = ft_bucket_of(ft, hash), b = b1, pass, m;

	for (pass = 0; pass < 2; pass++, b = ft_alt(ft, b, sig)) {
		for (m = ft_match(&ft->bkt[b], sig); m != 0; m &= m - 1) {
			uint32_t j = (uint32_t)__builtin_ctz(m);

			if (ft->bkt[b].idx[j] == idx) {
				ft->bkt[b].sig[j] = 0;
				if (pass == 1) {   /* in its other bucket */
					ft->bkt[b1].spilled--;
					ft->bkt[b].alt_ways &= (uint8_t)~(1u << j);
				}
				ft_give_slot(ft, idx);
				return;
			}
		}
	}
}

/* Table <ft> for slots <first> .. <first> + <n> - 1, empty: 0 or -ENOMEM
 * (nothing kept: ft_free() is a no-op on it). */
static int
ft_init(struct ft *ft, uint32_t first, uint32_t n, int socket)
{
	/* ways for twice the slots: at most half of them used */
	RTE_BUILD_BUG_ON(sizeof(struct ft_bucket) != RTE_CACHE_LINE_SIZE);
	RTE_BUILD_BUG_ON(NC_FT_WAYS > 8);   /* alt_ways: a bit per way */
	uint32_t n_bkt = RTE_MAX((uint32_t)(((uint64_t)2 * n + NC_FT_WAYS - 1) / NC_FT_WAYS), 2u), i;
	uint32_t n_words = (n + 63) / 64, n_sum = (n_words + 63) / 64;

	ft->n_bkt = n_bkt;
	ft->bkt = rte_malloc_socket("nc_flow_buckets", (size_t)n_bkt * sizeof(*ft->bkt),
				    RTE_CACHE_LINE_SIZE, socket);
	ft->free_bits = rte_malloc_socket("nc_flow_free", (size_t)n_words * sizeof(uint64_t),
					  RTE_CACHE_LINE_SIZE, socket);
	ft->free_sum = rte_malloc_socket("nc_flow_free_sum", (size_t)n_sum * sizeof(uint64_t),
					 RTE_CACHE_LINE_SIZE, socket);
	if (ft->bkt == NULL || ft->free_bits == NULL || ft->free_sum == NULL) {
		rte_free(ft->bkt);
		rte_free(ft->free_bits);
		rte_free(ft->free_sum);
		memset(ft, 0, sizeof(*ft));
		return -ENOMEM;
	}
	/* fault the pages in now, not on the fast path (--no-huge heap is lazy) */
	memset(ft->bkt, 0, (size_t)n_bkt * sizeof(*ft->bkt));
	memset(ft->free_sum, 0, (size_t)n_sum * sizeof(uint64_t));
	for (i = 0; i < n_words; i++) {   /* every slot free; none past the last */
		ft->free_bits[i] = i + 1 < n_words || n % 64 == 0 ? ~0ull : (1ull << (n % 64)) - 1;
		ft->free_sum[i >> 6] |= 1ull << (i & 63);
	}
	ft->first = first;
	ft->n_words = n_words;
	ft->cur = 0;
	ft->n_free = n;
	return 0;
}

static void
ft_free(struct ft *ft)
{
	rte_free(ft->bkt);
	rte_free(ft->free_bits);
	rte_free(ft->free_sum);
}

struct nc_flow_table *
nc_flow_table_create(const char *name, uint32_t capacity, int socket, uint16_t worker,
		     uint16_t n_workers, uint16_t n_lips, uint32_t *lport_map,
		     int (*skip)(uint16_t lip_idx, uint16_t port, void *arg), void *skip_arg)
{
	struct nc_flow_table *t;
	uint32_t per_lip;
	uint16_t l;

	RTE_SET_USED(name);

	RTE_BUILD_BUG_ON(sizeof(struct nc_flow) != RTE_CACHE_LINE_SIZE);
	if (capacity == 0 || n_workers == 0 || worker >= n_workers) {
		rte_errno = EINVAL;
		return NULL;
	}
	per_lip = (NC_LPORT_MAX - NC_LPORT_MIN + 1) / n_workers + 1;
	t = rte_zmalloc_socket("nc_flow_table", sizeof(*t) + n_lips * sizeof(t->fifo[0]),
			       RTE_CACHE_LINE_SIZE, socket);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->capacity = capacity;
	t->slots = RTE_MAX(capacity, 8u);
	t->worker = worker;
	t->n_workers = n_workers;
	t->n_lips = n_lips;
	t->lport_map = lport_map;
	t->flows = rte_zmalloc_socket("nc_flows", (size_t)t->slots * sizeof(struct nc_flow),
				      RTE_CACHE_LINE_SIZE, socket);
	if (t->flows == NULL)
		goto nomem;
	/* fault the pages in now, not on the fast path (--no-huge heap is lazy) */
	memset(t->flows, 0, (size_t)t->slots * sizeof(struct nc_flow));
	if (ft_init(&t->ft4, 0, t->slots, socket) != 0)
		goto nomem;
	for (l = 0; l < n_lips; l++) {
		struct lport_fifo *f = &t->fifo[l];
		uint32_t p;

		f->mask = rte_align32pow2(per_lip) - 1;
		f->port = rte_malloc_socket("nc_lports", (f->mask + 1) * sizeof(uint16_t), 0, socket);
		f->n_workers = n_workers;
		f->rest = rte_zmalloc_socket("nc_lports_rest",
					     (NC_LPORT_MAX / n_workers + 1) * sizeof(f->rest[0]), 0, socket);
		if (f->port == NULL || f->rest == NULL)
			goto nomem;
		for (p = NC_LPORT_MIN; p <= NC_LPORT_MAX; p++) {
			if (p % n_workers != worker)
				continue;
			if (skip != NULL && skip(l, (uint16_t)p, skip_arg))
				continue;
			f->port[f->count++] = (uint16_t)p;
		}
		f->unused = f->count;
		f->size = f->count;
	}
	return t;
nomem:
	rte_errno = ENOMEM;
	nc_flow_table_free(t);
	return NULL;
}

int
nc_flow_table_add_v6(struct nc_flow_table *t, int socket)
{
	struct nc_flow *flows;
	size_t sz = (size_t)t->slots * sizeof(struct nc_flow);

	if (t->slots6 != 0)
		return 0;
	flows = rte_zmalloc_socket("nc_flows", 2 * sz, RTE_CACHE_LINE_SIZE, socket);
	t->a6 = rte_zmalloc_socket("nc_flows6", (size_t)t->slots * sizeof(*t->a6),
				   RTE_CACHE_LINE_SIZE, socket);
	if (flows != NULL && t->a6 != NULL) {
		memset(flows, 0, 2 * sz);   /* fault the pages in now */
		memset(t->a6, 0, (size_t)t->slots * sizeof(*t->a6));
		memcpy(flows, t->flows, sz);
	}
	if (flows == NULL || t->a6 == NULL || ft_init(&t->ft6, t->slots, t->slots, socket) != 0) {
		rte_free(flows);
		rte_free(t->a6);
		t->a6 = NULL;
		return -ENOMEM;
	}
	rte_free(t->flows);
	t->flows = flows;
	t->slots6 = t->slots;
	return 0;
}

void
nc_flow_table_free(struct nc_flow_table *t)
{
	uint16_t l;

	if (t == NULL)
		return;
	for (l = 0; l < t->n_lips; l++) {
		rte_free(t->fifo[l].port);
		rte_free(t->fifo[l].rest);
	}
	ft_free(&t->ft4);
	ft_free(&t->ft6);
	rte_free(t->flows);
	rte_free(t->a6);
	rte_free(t);
}

/* The lookup's steps for either family's table (<v6>: the IPv6 one, whose
 * flows' address lines are prefetched with their flow lines). */
static inline void
probe_start(const struct nc_flow_table *t, int v6, const uint32_t *hash, uint32_t n,
	    struct nc_flow_probe *pr)
{
	const struct ft *ft = v6 ? &t->ft6 : &t->ft4;
	uint32_t i;

	for (i = 0; i < n; i++) {
		pr[i].sig = ft_sig(hash[i]);
		pr[i].bkt = ft_bucket_of(ft, hash[i]);
		pr[i].other = 0;
		rte_prefetch0(&ft->bkt[pr[i].bkt]);
	}
}

static inline void
probe_ways(const struct nc_flow_table *t, int v6, struct nc_flow_probe *pr, uint32_t n)
{
	const struct ft *ft = v6 ? &t->ft6 : &t->ft4;
	uint32_t i, j;

	RTE_BUILD_BUG_ON(NC_FT_WAYS > 8);   /* a bit each in nc_flow_probe.ways */
	for (i = 0; i < n; i++) {
		const struct ft_bucket *b = &ft->bkt[pr[i].bkt];

		pr[i].idx = FT_NONE;
		pr[i].ways = (uint8_t)ft_match(b, pr[i].sig);
		if (pr[i].ways == 0) {
			if (b->spilled != 0) {   /* its other bucket may hold it */
				pr[i].bkt = ft_alt(ft, pr[i].bkt, pr[i].sig);
				pr[i].other = 1;
				rte_prefetch0(&ft->bkt[pr[i].bkt]);
			}
			continue;
		}
		for (j = pr[i].ways; j != 0; j &= j - 1) {
			pr[i].idx = b->idx[__builtin_ctz(j)];
			rte_prefetch0(&t->flows[pr[i].idx]);
			if (v6)
				rte_prefetch0(&t->a6[pr[i].idx - t->slots]);
		}
	}
}

static inline void
probe_end(const struct nc_flow_table *t, int v6, const struct nc_flow_probe *pr,
	  const void *const *keys, uint32_t n, int32_t *pos)
{
	const struct ft *ft = v6 ? &t->ft6 : &t->ft4;
	uint32_t i;

	for (i = 0; i < n; i++) {
		const struct ft_bucket *b = &ft->bkt[pr[i].bkt];
		uint32_t m = pr[i].other ? ft_match(b, pr[i].sig) : pr[i].ways;
		int32_t p = ft_find(t, v6, b, m, keys[i]);

		/* a signature's ways in the primary bucket, none the key's:
		 * the other bucket still may hold it */
		if (unlikely(p < 0 && m != 0 && !pr[i].other && b->spilled != 0)) {
			b = &ft->bkt[ft_alt(ft, pr[i].bkt, pr[i].sig)];
			p = ft_find(t, v6, b, ft_match(b, pr[i].sig), keys[i]);
		}
		pos[i] = p;
	}
}

void
nc_flow_probe_start(const struct nc_flow_table *t, const uint32_t *hash, uint32_t n,
		    struct nc_flow_probe *pr)
{
	probe_start(t, 0, hash, n, pr);
}

void
nc_flow_probe_ways(const struct nc_flow_table *t, struct nc_flow_probe *pr, uint32_t n)
{
	probe_ways(t, 0, pr, n);
}

void
nc_flow_probe_end(const struct nc_flow_table *t, const struct nc_flow_probe *pr,
		  const struct nc_flow_key *const *keys, uint32_t n, int32_t *pos)
{
	probe_end(t, 0, pr, (const void *const *)keys, n, pos);
}

/* The IPv6 table's steps: none while it does not exist (every key absent). */
void
nc_flow6_probe_start(const struct nc_flow_table *t, const uint32_t *hash, uint32_t n,
		     struct nc_flow_probe *pr)
{
	if (likely(t->slots6 != 0))
		probe_start(t, 1, hash, n, pr);
}

void
nc_flow6_probe_ways(const struct nc_flow_table *t, struct nc_flow_probe *pr, uint32_t n)
{
	uint32_t i;

	if (likely(t->slots6 != 0)) {
		probe_ways(t, 1, pr, n);
		return;
	}
	for (i = 0; i < n; i++) {
		pr[i].ways = pr[i].other = 0;
		pr[i].idx = FT_NONE;
	}
}

void
nc_flow6_probe_end(const struct nc_flow_table *t, const struct nc_flow_probe *pr,
		   const struct nc_flow6_key *const *keys, uint32_t n, int32_t *pos)
{
	uint32_t i;

	if (likely(t->slots6 != 0)) {
		probe_end(t, 1, pr, (const void *const *)keys, n, pos);
		return;
	}
	for (i = 0; i < n; i++)
		pos[i] = -ENOENT;
}

/* The three steps over the whole burst, each one's loads prefetched by the
 * step before. */
void
nc_flow_lookup_bulk(struct nc_flow_table *t, const struct nc_flow_key **keys,
		    const uint32_t *hash, uint32_t n, int32_t *pos)
{
	struct nc_flow_probe pr[NC_FT_BULK];
	uint32_t done, k;

	for (done = 0; done < n; done += k) {
		k = RTE_MIN(n - done, (uint32_t)NC_FT_BULK);
		nc_flow_probe_start(t, hash + done, k, pr);
		nc_flow_probe_ways(t, pr, k);
		nc_flow_probe_end(t, pr, keys + done, k, pos + done);
	}
}

int32_t
nc_flow_lookup(struct nc_flow_table *t, const struct nc_flow_key *k, uint32_t hash)
{
	return ft_lookup(t, 0, k, hash);
}

static void
reverse(uint16_t *a, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n / 2; i++) {
		uint16_t x = a[i];

		a[i] = a[n - 1 - i];
		a[n - 1 - i] = x;
	}
}

void
nc_flow_set_tcp_reuse(struct nc_flow_table *t, uint32_t cool_ms, uint64_t wall_ms)
{
	uint16_t l;

	t->tcp_reuse_ms = cool_ms;
	t->rest_max_ms = RTE_MAX(t->rest_max_ms, cool_ms);
	for (l = 0; l < t->n_lips; l++) {
		struct lport_fifo *f = &t->fifo[l];
		uint32_t r;

		f->rest_shift = 0;
		while ((cool_ms >> f->rest_shift) > UINT8_MAX)
			f->rest_shift++;
		/* only a fresh table: its ports sit in slots 0..count-1 */
		if (f->count == 0 || f->unused != f->count || f->head != 0)
			continue;
		/* where a cursor moving through all ports once per cool_ms
		 * would be now */
		r = cool_ms == 0 ? 0 : (uint32_t)((wall_ms % cool_ms) * f->count / cool_ms);
		reverse(f->port, r);
		reverse(f->port + r, f->count - r);
		reverse(f->port, f->count);
	}
}

void
nc_flow_set_clock(struct nc_flow_table *t, uint32_t now_ms)
{
	t->now_ms = now_ms;
}

uint64_t
nc_flow_early_reuse(const struct nc_flow_table *t)
{
	return t->early_reuse;
}

int
nc_flow_table_steer(struct nc_flow_table *t, uint16_t lip, uint8_t bits, const uint16_t *port_mask,
		    uint8_t share)
{
	struct lport_fifo *f;

	if (bits > NC_STEER_BITS_MAX || lip >= t->n_lips)
		return -EINVAL;
	f = &t->fifo[lip];
	f->steer_bits = bits;
	f->steer_share = share;
	memset(f->steer_mask, 0, sizeof(f->steer_mask));
	if (bits != 0)
		memcpy(f->steer_mask, port_mask, bits * sizeof(port_mask[0]));
	return 0;
}

uint64_t
nc_flow_steer_missed(const struct nc_flow_table *t)
{
	return t->steer_missed;
}

#define NC_LPORT_SCAN 8   /* free ports looked at for one that does not rest for the server */
#define NC_LPORT_STEER_SCAN 64   /* ... and for one of a share: of 8 shares, one is
				  * missing from 64 ports about once in 5,000 */

/* When the rest of the servers before the last one of <r> ends. */
static inline uint32_t
rest_old_until(const struct lport_fifo *f, const struct lport_rest *r)
{
	return r->until_ms - ((uint32_t)r->old_ago << f->rest_shift);
}

/* A rest ending at <until> is under way at <now> (worker clock, ms): it ends
 * after now, and at most <max_ms> (the longest rest given) after it. An end
 * further ahead is one long past, the 32-bit clock having gone round: a port
 * given back 24.8 days before and unused since has rested (a signed
 * difference would call it resting for as long again), as one given back
 * 49.7 days before has but for a rest's length. */
static inline int
rest_ongoing(uint32_t now, uint32_t until, uint32_t max_ms)
{
	return until - now - 1u < max_ms;
}

/* Port <p> of <f> may carry a TCP flow to a server of rest bit <rest>:
 * rested, or resting only for other servers. */
static inline int
port_ready(const struct lport_fifo *f, uint16_t p, uint32_t now_ms, uint32_t max_ms, uint8_t rest)
{
	const struct lport_rest *r = rest_of(f, p);
	uint32_t old_until = rest_old_until(f, r);

	return (!rest_ongoing(now_ms, r->until_ms, max_ms) || r->bit != rest) &&
	       (!rest_ongoing(now_ms, old_until, max_ms) || !(r->old_servers >> (rest & 15) & 1));
}

/* The next port of <f> may carry a TCP flow to a server of rest bit <rest>:
 * never used, or ready; else one of the next NC_LPORT_SCAN free ports that is
 * ready changes places with it (the order barely changes: the servers' rest
 * sets differ, so a port resting for one is ready for another). */
static inline int
fifo_ready(struct lport_fifo *f, uint32_t now_ms, uint32_t max_ms, uint8_t rest)
{
	uint32_t j, n;

	if (f->unused != 0 || port_ready(f, f->port[f->head & f->mask], now_ms, max_ms, rest))
		return 1;
	n = RTE_MIN(f->count, (uint32_t)NC_LPORT_SCAN);
	for (j = 1; j < n; j++) {
		uint16_t *a = &f->port[f->head & f->mask], *b = &f->port[(f->head + j) & f->mask];

		if (port_ready(f, *b, now_ms, max_ms, rest)) {
			uint16_t x = *a;

			*a = *b;
			*b = x;
			return 1;
		}
	}
	return 0;
}

/* The share of port <p> (host order) of <f> in the queue its answers reach. */
static inline uint8_t
port_share(const struct lport_fifo *f, uint16_t p)
{
	uint8_t c = 0;
	unsigned int j;

	for (j = 0; j < f->steer_bits; j++)
		c |= (uint8_t)(__builtin_parity(p & f->steer_mask[j]) << j);
	return c;
}

/* Among the next NC_LPORT_STEER_SCAN free ports of <f>, the first of share <share>
 * that may carry the flow (for TCP: never used, or ready for rest bit
 * <rest>) changes places with the next port: 1, or 0 if none is. */
static int
fifo_steer(const struct nc_flow_table *t, struct lport_fifo *f, int tcp, uint8_t rest,
	   uint8_t share)
{
	uint32_t j, n = RTE_MIN(f->count, (uint32_t)NC_LPORT_STEER_SCAN);

	for (j = 0; j < n; j++) {
		uint16_t *a = &f->port[f->head & f->mask], *b = &f->port[(f->head + j) & f->mask];

		if (port_share(f, *b) == share &&
		    (!tcp || j < f->unused || port_ready(f, *b, t->now_ms, t->rest_max_ms, rest))) {
			uint16_t x = *a;

			/* a used port never enters the unused ones at the head:
			 * j < unused swaps two unused ones */
			*a = *b;
			*b = x;
			return 1;
		}
	}
	return 0;
}

/* The next port of the first steered local IP of <lips> (in turn from <c0>)
 * with a free one whose answers reach the queue <steer> (nc_flow_add()) and
 * that may carry the flow, moved to its fifo's head: the local IP's
 * position in <lips>; -1 if none, -2 if none of <lips> is steered. */
static int
lip_steer(struct nc_flow_table *t, int tcp, uint8_t rest, uint8_t steer, const uint16_t *lips,
	  uint16_t n_lips, uint16_t c0)
{
	int ret = -2;
	uint16_t i, c;

	for (i = 0, c = c0; i < n_lips; i++, c = (uint16_t)(c + 1 == n_lips ? 0 : c + 1)) {
		struct lport_fifo *f = &t->fifo[lips[c]];

		if (f->steer_bits == 0)
			continue;
		ret = -1;
		if (f->count != 0 && fifo_steer(t, f, tcp, rest,
						(uint8_t)((steer ^ f->steer_share) &
							  ((1u << f->steer_bits) - 1))))
			return c;
	}
	return ret;
}

/* Take a free local port for a new (or moved) flow to a server of rest bit
 * <rest>: on the next local IP in turn of <lips> with one; for TCP, one whose
 * next port does not rest for that server, else (all resting) the first with
 * a port, counted. With <steer> (not NC_LPORT_ANY) and a steered local IP
 * among <lips>, a port whose answers reach that queue first, any port
 * (counted) when none of the next NC_LPORT_STEER_SCAN of any is. 0, or
 * -NC_ENOPORTS. */
static int
lport_take(struct nc_flow_table *t, int tcp, uint8_t rest, uint8_t steer, const uint16_t *lips,
	   uint16_t n_lips, uint16_t *lip_cursor, uint16_t *lip, uint16_t *port)
{
	struct lport_fifo *fifo = NULL;
	int cooling = -1;
	uint16_t i, c = 0;

	c = *lip_cursor >= n_lips ? 0 : *lip_cursor;
	if (steer != NC_LPORT_ANY) {
		int s = lip_steer(t, tcp, rest, steer, lips, n_lips, c);

		if (s >= 0) {
			c = (uint16_t)s;
			fifo = &t->fifo[lips[c]];
			goto take;
		}
		if (s == -1)
			t->steer_missed++;
	}
	/* the cursor wraps by a compare: a division per new flow costs more
	 * than the rest of the port's choice */
	for (i = 0; i < n_lips; i++, c = (uint16_t)(c + 1 == n_lips ? 0 : c + 1)) {
		if (t->fifo[lips[c]].count == 0)
			continue;
		if (!tcp || fifo_ready(&t->fifo[lips[c]], t->now_ms, t->rest_max_ms, rest)) {
			fifo = &t->fifo[lips[c]];
			break;
		}
		if (cooling < 0)
			cooling = c;
	}
	if (fifo == NULL && cooling >= 0) {
		c = (uint16_t)cooling;
		fifo = &t->fifo[lips[c]];
		t->early_reuse++;
	}
	if (unlikely(fifo == NULL))
		return -NC_ENOPORTS;
take:
	*lip = lips[c];
	*lip_cursor = (uint16_t)(c + 1 == n_lips ? 0 : c + 1);
	*port = fifo->port[fifo->head & fifo->mask];
	fifo->head++;
	fifo->count--;
	if (fifo->unused != 0)
		fifo->unused--;
	if (fifo->unused == 0 && fifo->count != 0) {
		/* the port this local IP gives next (n_lips new flows from now),
		 * one used before, so in the order flows closed: its rest entry,
		 * read then, and its map entry, written then (unused ones come
		 * in the order of their numbers) */
		uint16_t nx = fifo->port[fifo->head & fifo->mask];

		rte_prefetch0(rest_of(fifo, nx));
		rte_prefetch0(&t->lport_map[(uint32_t)lips[c] << 16 | nx]);
	}
	return 0;
}

/* Give local port <port> (host order) of local IP <lip> back; after a TCP
 * flow to a server of rest bit <rest> it rests for that server, and still for
 * those it rested for whose time is not over (struct lport_rest). */
static void
lport_give(struct nc_flow_table *t, uint16_t lip, uint16_t port, int tcp, uint8_t rest)
{
	struct lport_fifo *fifo = &t->fifo[lip];

	t->lport_map[(uint32_t)lip << 16 | port] = 0;
	fifo->port[(fifo->head + fifo->count) & fifo->mask] = port;
	fifo->count++;
	if (tcp) {
		struct lport_rest *r = rest_of(fifo, port);
		uint32_t until = t->now_ms + t->tcp_reuse_ms;
		uint32_t old_until = rest_old_until(fifo, r);

		if (!rest_ongoing(t->now_ms, old_until, t->rest_max_ms))
			r->old_servers = 0;
		if (rest_ongoing(t->now_ms, r->until_ms, t->rest_max_ms) && r->bit != rest) {
			/* the last server's rest joins the earlier ones': every
			 * rest lasts tcp_reuse_ms, so its end is the latest */
			r->old_servers |= (uint16_t)(1u << (r->bit & 15));
			old_until = r->until_ms;
		}
		/* both ends are within tcp_reuse_ms of now while old_servers
		 * is not empty: the step count fits; rounded down, it ends later */
		r->old_ago = r->old_servers == 0 ? 0 :
			(uint8_t)((until - old_until) >> fifo->rest_shift);
		r->bit = rest;
		r->until_ms = until;
	}
}

/* Take port <port> (host order) of local IP <lip> out of its free list, if
 * there: the list closes over the gap. Off the fast path (an adoption). */
static void
lport_unlist(struct nc_flow_table *t, uint16_t lip, uint16_t port)
{
	struct lport_fifo *fifo = &t->fifo[lip];
	uint32_t i, j;

	for (i = 0; i < fifo->count; i++)
		if (fifo->port[(fifo->head + i) & fifo->mask] == port)
			break;
	if (i == fifo->count)
		return;
	for (j = i; j + 1 < fifo->count; j++) {
		uint32_t a = (fifo->head + j) & fifo->mask, b = (fifo->head + j + 1) & fifo->mask;

		fifo->port[a] = fifo->port[b];
	}
	fifo->count--;
	if (i < fifo->unused)
		fifo->unused--;
}

struct nc_flow *
nc_flow_add(struct nc_flow_table *t, const struct nc_flow_key *k, uint32_t hash,
	    const uint16_t *lips, uint16_t n_lips, uint16_t *lip_cursor, uint8_t rest, uint8_t steer,
	    int *err)
{
	struct nc_flow *f;
	uint16_t lip, port;
	int32_t pos;

	if (unlikely(t->n >= t->capacity)) {
		*err = -ENOSPC;
		return NULL;
	}
	if (unlikely(lport_take(t, k->proto == IPPROTO_TCP, rest, steer, lips, n_lips, lip_cursor,
				&lip, &port) != 0)) {
		*err = -NC_ENOPORTS;
		return NULL;
	}
	pos = ft_add(t, &t->ft4, hash);
	if (unlikely(pos < 0)) {
		lport_give(t, lip, port, 0, 0);
		*err = -ENOSPC;
		return NULL;
	}
	f = &t->flows[pos];
	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->rest = rest;
	f->lip_idx = lip;
	f->lport = rte_cpu_to_be_16(port);
	f->state = k->proto == IPPROTO_TCP ? NC_FLOW_SYN : NC_FLOW_UDP;
	t->lport_map[(uint32_t)lip << 16 | port] = (uint32_t)pos + 1;
	t->n++;
	return f;
}

int32_t
nc_flow6_lookup(struct nc_flow_table *t, const struct nc_flow6_key *k, uint32_t hash)
{
	if (unlikely(t->slots6 == 0))
		return -ENOENT;
	return ft_lookup(t, 1, k, hash);
}

/* IPv6 flow slot <pos>'s addresses as it opens: its key's, and the rest
 * zeros (a NAT64 flow's windows there start unknown). */
static void
addr6_open(struct nc_flow_table *t, uint32_t pos, const struct nc_flow6_key *k)
{
	struct nc_flow6_addr *a = &t->a6[pos - t->slots];

	memcpy(a->client, k->src_ip, 16);
	memcpy(a->vip, k->dst_ip, 16);
	memset(a->lip, 0, sizeof(a->lip) + sizeof(a->server));
}

struct nc_flow *
nc_flow6_add(struct nc_flow_table *t, const struct nc_flow6_key *k, uint32_t hash,
	     const uint16_t *lips, uint16_t n_lips, uint16_t *lip_cursor, uint8_t rest, uint8_t steer,
	     int *err)
{
	struct nc_flow *f;
	uint16_t lip, port;
	int32_t pos;

	if (unlikely(t->n >= t->capacity || t->slots6 == 0)) {
		*err = -ENOSPC;
		return NULL;
	}
	if (unlikely(lport_take(t, k->proto == IPPROTO_TCP, rest, steer, lips, n_lips, lip_cursor,
				&lip, &port) != 0)) {
		*err = -NC_ENOPORTS;
		return NULL;
	}
	pos = ft_add(t, &t->ft6, hash);
	if (unlikely(pos < 0)) {
		lport_give(t, lip, port, 0, 0);
		*err = -ENOSPC;
		return NULL;
	}
	f = &t->flows[pos];
	memset(f, 0, sizeof(*f));
	f->key.src_port = k->src_port;
	f->key.dst_port = k->dst_port;
	f->key.proto = k->proto;
	f->key.pad[0] = NC_FLOW_KEY_V6;
	f->rest = rest;
	f->lip_idx = lip;
	f->lport = rte_cpu_to_be_16(port);
	f->state = k->proto == IPPROTO_TCP ? NC_FLOW_SYN : NC_FLOW_UDP;
	addr6_open(t, (uint32_t)pos, k);
	t->lport_map[(uint32_t)lip << 16 | port] = (uint32_t)pos + 1;
	t->n++;
	return f;
}

struct nc_flow6_addr *
nc_flow6_addr_at(struct nc_flow_table *t, uint32_t idx)
{
	return idx >= t->slots && idx < t->slots + t->slots6 ? &t->a6[idx - t->slots] : NULL;
}

struct nc_flow6_addr *
nc_flow6_addrs(struct nc_flow_table *t, uint32_t *first, uint32_t *n)
{
	*first = t->slots;
	*n = t->slots6;
	return t->a6;
}

/* The checks of an adoption, and port <lport> of <lip_idx> out of its free
 * list: 0, or the error (nc_flow_adopt()). */
static int
adopt_check(struct nc_flow_table *t, int v6, const void *k, uint32_t hash, uint16_t lip_idx,
	    uint16_t lport)
{
	if (lip_idx >= t->n_lips || lport < NC_LPORT_MIN || lport % t->n_workers != t->worker)
		return -EINVAL;
	if (t->n >= t->capacity || (v6 && t->slots6 == 0))
		return -ENOSPC;
	if (t->lport_map[(uint32_t)lip_idx << 16 | lport] != 0 || ft_lookup(t, v6, k, hash) >= 0)
		return -EEXIST;
	/* a port of this local IP's free list: it leaves the list (it is
	 * returned there when the flow closes, as any) */
	lport_unlist(t, lip_idx, lport);
	return 0;
}

/* Flow slot <idx> taken by an adoption: the caller set its key. */
static struct nc_flow *
adopt_slot(struct nc_flow_table *t, uint32_t idx, uint8_t proto, uint16_t lip_idx, uint16_t lport)
{
	struct nc_flow *f = &t->flows[idx];

	f->lip_idx = lip_idx;
	f->lport = rte_cpu_to_be_16(lport);
	f->state = proto == IPPROTO_TCP ? NC_FLOW_SYN : NC_FLOW_UDP;
	t->lport_map[(uint32_t)lip_idx << 16 | lport] = idx + 1;
	t->n++;
	return f;
}

struct nc_flow *
nc_flow_adopt(struct nc_flow_table *t, const struct nc_flow_key *k, uint32_t hash,
	      uint16_t lip_idx, uint16_t lport, int *err)
{
	struct nc_flow *f;
	int32_t pos;

	*err = adopt_check(t, 0, k, hash, lip_idx, lport);
	if (*err != 0)
		return NULL;
	pos = ft_add(t, &t->ft4, hash);
	if (pos < 0) {
		*err = -ENOSPC;
		return NULL;
	}
	f = &t->flows[pos];
	memset(f, 0, sizeof(*f));
	f->key = *k;
	return adopt_slot(t, (uint32_t)pos, k->proto, lip_idx, lport);
}

struct nc_flow *
nc_flow6_adopt(struct nc_flow_table *t, const struct nc_flow6_key *k, uint32_t hash,
	       uint16_t lip_idx, uint16_t lport, int *err)
{
	struct nc_flow *f;
	int32_t pos;

	*err = adopt_check(t, 1, k, hash, lip_idx, lport);
	if (*err != 0)
		return NULL;
	pos = ft_add(t, &t->ft6, hash);
	if (pos < 0) {
		*err = -ENOSPC;
		return NULL;
	}
	f = &t->flows[pos];
	memset(f, 0, sizeof(*f));
	f->key.src_port = k->src_port;
	f->key.dst_port = k->dst_port;
	f->key.proto = k->proto;
	f->key.pad[0] = NC_FLOW_KEY_V6;
	addr6_open(t, (uint32_t)pos, k);
	return adopt_slot(t, (uint32_t)pos, k->proto, lip_idx, lport);
}

int
nc_flow_move_lport(struct nc_flow_table *t, uint32_t idx, const uint16_t *lips, uint16_t n_lips,
		   uint16_t *lip_cursor, uint8_t rest, uint8_t steer)
{
	struct nc_flow *f = &t->flows[idx];
	int tcp = f->key.proto == IPPROTO_TCP;
	uint16_t lip, port;

	if (f->state == NC_FLOW_FREE)
		return -ENOENT;
	/* the new port first, so the old one (cooling) is not taken again */
	if (lport_take(t, tcp, rest, steer, lips, n_lips, lip_cursor, &lip, &port) != 0)
		return -NC_ENOPORTS;
	lport_give(t, f->lip_idx, rte_be_to_cpu_16(f->lport), tcp, f->rest);
	f->rest = rest;
	f->lip_idx = lip;
	f->lport = rte_cpu_to_be_16(port);
	t->lport_map[(uint32_t)lip << 16 | port] = idx + 1;
	return 0;
}

void
nc_flow_del(struct nc_flow_table *t, uint32_t idx)
{
	struct nc_flow *f = &t->flows[idx];

	if (f->state == NC_FLOW_FREE)
		return;
	if (idx >= t->slots) {
		const struct nc_flow6_addr *a = &t->a6[idx - t->slots];
		struct nc_flow6_key k6;

		nc_flow6_key_set(&k6, a->client, a->vip, f->key.src_port, f->key.dst_port,
				 f->key.proto);
		ft_del(&t->ft6, nc_flow6_hash(&k6), idx);
	} else {
		ft_del(&t->ft4, nc_flow_hash(&f->key), idx);
	}
	lport_give(t, f->lip_idx, rte_be_to_cpu_16(f->lport), f->key.proto == IPPROTO_TCP, f->rest);
	f->state = NC_FLOW_FREE;
	t->n--;
}

struct nc_flow *
nc_flow_at(struct nc_flow_table *t, uint32_t idx)
{
	return &t->flows[idx];
}

int32_t
nc_flow_by_lport(const struct nc_flow_table *t, uint16_t lip_idx, uint16_t lport)
{
	uint32_t v;

	if (unlikely(lip_idx >= t->n_lips))
		return -ENOENT;
	v = t->lport_map[(uint32_t)lip_idx << 16 | lport];
	return v == 0 ? -ENOENT : (int32_t)(v - 1);
}

uint32_t
nc_flow_expire(struct nc_flow_table *t, uint32_t now_ms, uint32_t budget,
	       void (*on_close)(const struct nc_flow *f, void *arg), void *arg)
{
	uint32_t i, closed = 0, c = t->expire_cursor;

	if (t->n == 0)
		return 0;
	for (i = 0; i < budget; i++) {
		struct nc_flow *f = &t->flows[c];

		if (f->state != NC_FLOW_FREE && (int32_t)(now_ms - f->expire_ms) >= 0) {
			if (on_close != NULL)
				on_close(f, arg);
			nc_flow_del(t, c);
			closed++;
		}
		if (++c == t->slots + t->slots6)
			c = 0;
	}
	t->expire_cursor = c;
	return closed;
}

/* The owner writes <n> and the pools' counts with plain stores; other lcores
 * (metrics, drain) read them with relaxed loads: a figure, never a decision. */
uint32_t
nc_flow_count(const struct nc_flow_table *t)
{
	return __atomic_load_n(&t->n, __ATOMIC_RELAXED);
}

uint32_t
nc_flow_slots(const struct nc_flow_table *t)
{
	return t->slots + t->slots6;
}

uint32_t
nc_flow_capacity(const struct nc_flow_table *t)
{
	return t->capacity;
}

uint32_t
nc_flow_free_lports(const struct nc_flow_table *t, uint16_t lip_idx)
{
	return lip_idx < t->n_lips ? __atomic_load_n(&t->fifo[lip_idx].count, __ATOMIC_RELAXED) : 0;
}

uint32_t
nc_flow_pool_lports(const struct nc_flow_table *t, uint16_t lip_idx)
{
	return lip_idx < t->n_lips ? t->fifo[lip_idx].size : 0;
}
