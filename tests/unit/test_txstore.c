/* SPDX-License-Identifier: BSD-3-Clause
 * lib/txstore: the transaction store (hold, release, take, expiry in deadline
 * order across the millisecond clock's wrap, a full store, slot recycling,
 * a long random run against a reference model).
 * Every test ends with the mbuf pool as full as it started: nothing leaked.
 * Needs the EAL (rte_ring, mbufs): --no-huge, no devices.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "nc_txstore.h"

#define POOL_N      4095
#define MAX_FLOWS   8
#define MAX_HELD    64

static struct rte_mempool *pool;
static unsigned int store_seq;

static struct nc_txstore *
store_open(uint32_t size)
{
	struct nc_txstore *s;
	char name[32];

	snprintf(name, sizeof(name), "ttxs%u", store_seq++);
	s = nc_txstore_create(name, size, SOCKET_ID_ANY);
	if (s == NULL)
		print_error("nc_txstore_create: %s\n", rte_strerror(rte_errno));
	assert_non_null(s);
	return s;
}

/* An mbuf carrying <tag> as its 4 data bytes (what a replay would send). */
static struct rte_mbuf *
mbuf_make(uint32_t tag)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint32_t *p;

	assert_non_null(m);
	p = (uint32_t *)rte_pktmbuf_append(m, sizeof(*p));
	assert_non_null(p);
	*p = tag;
	return m;
}

static uint32_t
mbuf_tag(const struct rte_mbuf *m)
{
	return *rte_pktmbuf_mtod(m, const uint32_t *);
}

/* Fail naming the step <i> (of a script, of a run, or of a case table). */
#define EXPECT(i, got, want) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (g_ != w_) \
		fail_msg("step %u: %s = %lld, want %lld", (unsigned int)(i), #got, g_, w_); \
} while (0)

static void
stats_check(unsigned int i, const struct nc_txstore *s, uint64_t held, uint64_t released,
	    uint64_t expired, uint64_t full, uint32_t in_use)
{
	struct nc_txstore_stats st;

	nc_txstore_stats_get(s, &st);
	EXPECT(i, st.held, held);
	EXPECT(i, st.released, released);
	EXPECT(i, st.expired, expired);
	EXPECT(i, st.full, full);
	EXPECT(i, st.in_use, in_use);
}

/* ------------------------------------------------------------ scripts */

enum op {
	OP_END,
	OP_HOLD,      /* flow, arg = deadline; expect = return code */
	OP_EXPIRE,    /* arg = now; expect = flow or NC_TX_NONE */
	OP_TAKE,      /* flow, arg = max; expect = how many */
	OP_RELEASE,   /* flow; expect = how many */
	OP_STATS,     /* st */
	OP_RELEASE_BELOW, /* flow, arg = tag: free the head entries with a tag below it;
			   * expect = how many */
	OP_REARM,     /* arg = new deadline; expect = return code */
};

struct stats_want {
	uint64_t held, released, expired, full;
	uint32_t in_use;
};

struct step {
	enum op op;
	uint32_t flow;
	uint32_t arg;
	int64_t expect;
	struct stats_want st;
};

struct script {
	uint32_t size;
	struct step steps[64];
};

#define NONE ((int64_t)NC_TX_NONE)
#define HOLD(f, d)          { OP_HOLD, f, d, 0, { 0 } }
#define HOLD_FULL(f, d)     { OP_HOLD, f, d, -ENOSPC, { 0 } }
#define EXPIRE(now, want)   { OP_EXPIRE, 0, now, want, { 0 } }
#define TAKE(f, max, want)  { OP_TAKE, f, max, want, { 0 } }
#define RELEASE(f, want)    { OP_RELEASE, f, 0, want, { 0 } }
#define STATS(h, r, e, fu, u) { OP_STATS, 0, 0, 0, { h, r, e, fu, u } }
#define RELEASE_BELOW(f, tag, want) { OP_RELEASE_BELOW, f, tag, want, { 0 } }
#define REARM(d, want)      { OP_REARM, 0, d, want, { 0 } }

/* A flow as the caller keeps it: its chain, and (for checking) the tags of
 * its held mbufs in order. */
struct flow_state {
	uint32_t head, tail;
	uint32_t tags[MAX_HELD];
	unsigned int n;
};

/* Several flows interleaved: expiry follows deadline (= arrival) order, a
 * chain is taken in order, a middle flow released early leaves dead entries
 * that expiry skips and recycles (all 16 slots usable again afterwards). */
static const struct script script_order = { 16, {
	HOLD(0, 100), HOLD(1, 110), HOLD(0, 120), HOLD(2, 130), HOLD(1, 140),
	HOLD(2, 150), HOLD(0, 160),
	STATS(7, 0, 0, 0, 7),
	EXPIRE(99, NONE),
	EXPIRE(100, 0),
	EXPIRE(101, 0),                 /* not taken yet: same flow, counted once */
	STATS(7, 0, 1, 0, 7),
	TAKE(0, 16, 3),
	RELEASE(1, 2),                  /* the server answered flow 1 */
	STATS(7, 2, 1, 0, 2),
	EXPIRE(129, NONE),
	EXPIRE(1000, 2),                /* flow 0's and 1's dead entries skipped */
	TAKE(2, 16, 2),
	EXPIRE(5000, NONE),
	STATS(7, 2, 2, 0, 0),
	HOLD(3, 2000), HOLD(3, 2001), HOLD(3, 2002), HOLD(3, 2003),
	HOLD(4, 2004), HOLD(4, 2005), HOLD(4, 2006), HOLD(4, 2007),
	HOLD(5, 2008), HOLD(5, 2009), HOLD(5, 2010), HOLD(5, 2011),
	HOLD(6, 2012), HOLD(6, 2013), HOLD(6, 2014), HOLD(6, 2015),
	HOLD_FULL(7, 2016),
	STATS(23, 2, 2, 1, 16),
	EXPIRE(2013, 3),
	RELEASE(3, 4), RELEASE(4, 4), RELEASE(5, 4),
	EXPIRE(2011, NONE),             /* 12 dead heads recycled */
	EXPIRE(2012, 6),
	TAKE(6, 2, 2),                  /* at most 2: the other 2 stay held */
	EXPIRE(2013, NONE),
	EXPIRE(2014, 6),
	TAKE(6, 16, 2),
	STATS(23, 14, 5, 1, 0),
	{ OP_END, 0, 0, 0, { 0 } },
} };

/* The server answers: a flow's entries are freed at once, nothing else moves. */
static const struct script script_release = { 8, {
	HOLD(0, 10), HOLD(1, 11), HOLD(0, 12), HOLD(0, 13),
	RELEASE(0, 3),
	STATS(4, 3, 0, 0, 1),
	RELEASE(0, 0),                  /* empty chain */
	EXPIRE(10, NONE),
	EXPIRE(11, 1),
	RELEASE(1, 1),                  /* answered after expiry was reported */
	STATS(4, 4, 1, 0, 0),
	EXPIRE(100, NONE),
	HOLD(0, 200),                   /* a released chain is a fresh chain */
	EXPIRE(200, 0),
	TAKE(0, 4, 1),
	STATS(5, 4, 2, 0, 0),
	{ OP_END, 0, 0, 0, { 0 } },
} };

/* Deadlines across the 2^32 ms wrap. */
static const struct script script_wrap = { 8, {
	HOLD(0, 0xfffffff8u), HOLD(1, 0x00000010u),
	EXPIRE(0xfffffff0u, NONE),
	EXPIRE(0xfffffff7u, NONE),
	EXPIRE(0xfffffff8u, 0),
	TAKE(0, 8, 1),
	EXPIRE(0xfffffff9u, NONE),      /* 0x10 is 23 ms later, not 4e9 earlier */
	EXPIRE(0x0000000fu, NONE),
	EXPIRE(0x00000010u, 1),
	EXPIRE(0x00000020u, 1),
	TAKE(1, 8, 1),
	STATS(2, 0, 2, 0, 0),
	{ OP_END, 0, 0, 0, { 0 } },
} };

/* Four slots: the fifth hold is refused and counted, the caller keeps its
 * mbuf. Released slots come back once they reach the timer ring's head,
 * through expiry or through hold itself; behind a live head they wait. */
static const struct script script_full = { 4, {
	HOLD(0, 10), HOLD(1, 11), HOLD(0, 12), HOLD(1, 13),
	HOLD_FULL(2, 14),
	STATS(4, 0, 0, 1, 4),
	RELEASE(0, 2),
	EXPIRE(5, NONE),                /* recycles the dead head */
	HOLD(2, 20),
	HOLD_FULL(2, 21),               /* the other dead slot is behind flow 1's */
	STATS(5, 2, 0, 2, 3),
	RELEASE(1, 2),
	HOLD(3, 30),                    /* hold recycles the 3 dead heads itself */
	HOLD(3, 31),
	HOLD(3, 32),
	HOLD_FULL(3, 33),
	STATS(8, 4, 0, 3, 4),
	EXPIRE(20, 2),
	TAKE(2, 8, 1),
	EXPIRE(31, 3),
	RELEASE(3, 3),
	EXPIRE(40, NONE),
	STATS(8, 7, 2, 3, 0),
	{ OP_END, 0, 0, 0, { 0 } },
} };

/* Part of a chain answered: its head entries (tags 1, 3 of flow 0) are
 * freed, the rest stays in order and walkable; a tag below the head frees
 * nothing; the whole rest at once empties the chain. */
static const struct script script_release_while = { 8, {
	HOLD(0, 10), HOLD(1, 11), HOLD(0, 12), HOLD(0, 13), HOLD(0, 14),
	RELEASE_BELOW(0, 4, 2),
	STATS(5, 2, 0, 0, 3),
	RELEASE_BELOW(0, 1, 0),
	RELEASE_BELOW(1, 100, 1),
	EXPIRE(12, NONE),               /* dead heads recycled: flow 0's next is 13 */
	EXPIRE(13, 0),
	RELEASE_BELOW(0, 6, 2),
	STATS(5, 5, 1, 0, 0),
	EXPIRE(100, NONE),
	{ OP_END, 0, 0, 0, { 0 } },
} };

/* An expired entry re-armed goes behind the others with its new deadline
 * and stays in its chain (taken in order); one released or taken since it
 * was reported cannot be re-armed; nor can anything before a report. */
static const struct script script_rearm = { 8, {
	REARM(50, -ENOENT),
	HOLD(0, 10), HOLD(1, 11), HOLD(0, 12),
	EXPIRE(10, 0),
	REARM(30, 0),
	EXPIRE(10, NONE),
	EXPIRE(11, 1),
	RELEASE(1, 1),
	REARM(40, -ENOENT),
	EXPIRE(29, 0),                  /* flow 0's second entry (12) */
	REARM(31, 0),
	EXPIRE(30, 0),                  /* the first one again, at its new deadline */
	STATS(3, 1, 4, 0, 2),
	TAKE(0, 8, 2),                  /* still in hold order */
	EXPIRE(100, NONE),
	{ OP_END, 0, 0, 0, { 0 } },
} };

/* A size is rounded up to a power of two, at least 2. */
static const struct script script_size3 = { 3, {
	HOLD(0, 1), HOLD(0, 2), HOLD(0, 3), HOLD(0, 4), HOLD_FULL(0, 5),
	RELEASE(0, 4),
	{ OP_END, 0, 0, 0, { 0 } },
} };

static const struct script script_size0 = { 0, {
	HOLD(0, 1), HOLD(1, 2), HOLD_FULL(2, 3),
	EXPIRE(1, 0),
	TAKE(0, 1, 1),
	HOLD(2, 3),
	RELEASE(1, 1), RELEASE(2, 1),
	STATS(3, 2, 1, 1, 0),
	{ OP_END, 0, 0, 0, { 0 } },
} };

static int
tag_below(const struct rte_mbuf *m, void *arg)
{
	return mbuf_tag(m) < *(const uint32_t *)arg;
}

/* The chain as nc_txstore_at() walks it holds exactly the flow's tags. */
static void
chain_check(unsigned int i, const struct nc_txstore *s, const struct flow_state *f)
{
	uint32_t slot = f->head, next;
	unsigned int k = 0;

	if (f->n == 0) {
		EXPECT(i, f->head, NC_TX_NONE);
		EXPECT(i, f->tail, NC_TX_NONE);
		return;
	}
	while (slot != NC_TX_NONE) {
		const struct rte_mbuf *m = nc_txstore_at(s, slot, &next);

		assert_true(k < f->n);
		EXPECT(i, mbuf_tag(m), f->tags[k]);
		if (next == NC_TX_NONE)
			EXPECT(i, slot, f->tail);
		slot = next;
		k++;
	}
	EXPECT(i, k, f->n);
}

static void
test_script(void **state)
{
	const struct script *sc = *state;
	struct flow_state fl[MAX_FLOWS];
	struct rte_mbuf *out[MAX_HELD];
	const unsigned int avail0 = rte_mempool_avail_count(pool);
	struct nc_txstore *s = store_open(sc->size);
	uint32_t tag = 1;
	unsigned int i, k, n, avail;

	for (i = 0; i < MAX_FLOWS; i++) {
		fl[i].head = NC_TX_NONE;
		fl[i].tail = NC_TX_NONE;
		fl[i].n = 0;
	}
	for (i = 0; sc->steps[i].op != OP_END; i++) {
		const struct step *st = &sc->steps[i];
		struct flow_state *f = &fl[st->flow];
		struct rte_mbuf *m;
		int rc;

		switch (st->op) {
		case OP_HOLD:
			m = mbuf_make(tag);
			rc = nc_txstore_hold(s, st->flow, m, st->arg, &f->head, &f->tail);
			EXPECT(i, rc, st->expect);
			if (rc == 0) {
				f->tags[f->n++] = tag;
			} else {
				/* still the caller's: untouched, chain unchanged */
				assert_int_equal(rte_mbuf_refcnt_read(m), 1);
				assert_int_equal(mbuf_tag(m), tag);
				rte_pktmbuf_free(m);
			}
			tag++;
			break;
		case OP_EXPIRE:
			EXPECT(i, nc_txstore_expired(s, st->arg), st->expect);
			break;
		case OP_TAKE:
			n = nc_txstore_take(s, &f->head, &f->tail, out, st->arg);
			EXPECT(i, n, st->expect);
			for (k = 0; k < n; k++) {
				EXPECT(i, mbuf_tag(out[k]), f->tags[k]);
				rte_pktmbuf_free(out[k]);
			}
			memmove(f->tags, f->tags + n, (f->n - n) * sizeof(f->tags[0]));
			f->n -= n;
			if (f->n == 0) {
				assert_int_equal(f->head, NC_TX_NONE);
				assert_int_equal(f->tail, NC_TX_NONE);
			} else {
				assert_int_not_equal(f->head, NC_TX_NONE);
			}
			break;
		case OP_RELEASE:
			avail = rte_mempool_avail_count(pool);
			n = nc_txstore_release(s, &f->head, &f->tail);
			EXPECT(i, n, st->expect);
			EXPECT(i, n, f->n);
			/* freed at once */
			assert_int_equal(rte_mempool_avail_count(pool), avail + n);
			assert_int_equal(f->head, NC_TX_NONE);
			assert_int_equal(f->tail, NC_TX_NONE);
			f->n = 0;
			break;
		case OP_STATS:
			stats_check(i, s, st->st.held, st->st.released, st->st.expired,
				    st->st.full, st->st.in_use);
			break;
		case OP_REARM:
			EXPECT(i, nc_txstore_rearm(s, st->arg), st->expect);
			break;
		case OP_RELEASE_BELOW:
			avail = rte_mempool_avail_count(pool);
			n = nc_txstore_release_while(s, &f->head, &f->tail, tag_below, (void *)&st->arg);
			EXPECT(i, n, st->expect);
			assert_int_equal(rte_mempool_avail_count(pool), avail + n);
			memmove(f->tags, f->tags + n, (f->n - n) * sizeof(f->tags[0]));
			f->n -= n;
			chain_check(i, s, f);
			break;
		case OP_END:
			break;
		}
	}
	/* whatever a script leaves held goes back with the store */
	nc_txstore_free(s);
	assert_int_equal(rte_mempool_avail_count(pool), avail0);
}

/* ------------------------------------------------------------ free */

/* free() with entries still held (some flows answered, some taken) frees
 * their mbufs. */
static void
test_free_held(void **state)
{
	const unsigned int avail0 = rte_mempool_avail_count(pool);
	uint32_t head[4], tail[4], i;
	struct rte_mbuf *out[8];
	struct nc_txstore *s;

	(void)state;
	nc_txstore_free(NULL);
	s = store_open(32);
	for (i = 0; i < 4; i++)
		head[i] = tail[i] = NC_TX_NONE;
	for (i = 0; i < 24; i++)
		assert_int_equal(nc_txstore_hold(s, i % 4, mbuf_make(i), 1000 + i,
						 &head[i % 4], &tail[i % 4]), 0);
	assert_int_equal(rte_mempool_avail_count(pool), avail0 - 24);
	assert_int_equal(nc_txstore_release(s, &head[1], &tail[1]), 6);
	assert_int_equal(nc_txstore_take(s, &head[2], &tail[2], out, 8), 6);
	for (i = 0; i < 6; i++) {
		assert_int_equal(mbuf_tag(out[i]), 2 + 4 * i);
		rte_pktmbuf_free(out[i]);
	}
	assert_int_equal(nc_txstore_expired(s, 1000), 0);
	stats_check(0, s, 24, 6, 1, 0, 12);
	nc_txstore_free(s);
	assert_int_equal(rte_mempool_avail_count(pool), avail0);
}

/* ------------------------------------------------------------ create */

static void
test_create(void **state)
{
	char name[40];
	struct nc_txstore *s, *t;

	(void)state;
	rte_errno = 0;
	assert_null(nc_txstore_create(NULL, 8, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	/* ring names are <name>_f and <name>_t: within RTE_RING_NAMESIZE with
	 * their NUL, <name> has at most RTE_RING_NAMESIZE - 3 characters */
	memset(name, 'n', sizeof(name));
	name[RTE_RING_NAMESIZE - 2] = '\0';
	rte_errno = 0;
	assert_null(nc_txstore_create(name, 8, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, ENAMETOOLONG);
	name[RTE_RING_NAMESIZE - 3] = '\0';
	s = nc_txstore_create(name, 8, SOCKET_ID_ANY);
	assert_non_null(s);
	/* names are unique per process */
	rte_errno = 0;
	assert_null(nc_txstore_create(name, 8, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EEXIST);
	nc_txstore_free(s);
	/* and free again once freed */
	t = nc_txstore_create(name, 8, SOCKET_ID_ANY);
	assert_non_null(t);
	nc_txstore_free(t);
	rte_errno = 0;
	assert_null(nc_txstore_create("ttxsbig", UINT32_MAX, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
}

/* ------------------------------------------------------------ random run */

/* The reference model: the timer queue as a plain FIFO of entries; slots
 * free = size - queued (dead entries keep their slot until they reach the
 * head); dead heads are dropped by expiry, and by hold when no slot is free. */
struct model_entry {
	uint32_t flow, deadline, tag;
	int live, reported;
};

struct model {
	struct model_entry q[64];    /* circular, index mod 64 (size <= 64) */
	uint32_t qhead, qtail;       /* absolute positions */
	uint32_t size;
	uint32_t chain[MAX_FLOWS][64];   /* absolute queue positions, in order */
	unsigned int chain_n[MAX_FLOWS];
	uint64_t held, released, expired, full;
	uint32_t in_use;
};

static struct model_entry *
model_at(struct model *md, uint32_t pos)
{
	return &md->q[pos % RTE_DIM(md->q)];
}

static void
model_drop_dead(struct model *md)
{
	while (md->qhead != md->qtail && !model_at(md, md->qhead)->live)
		md->qhead++;
}

/* Hold as the <at>th of <flow>'s chain (its length: at the tail). */
static int
model_hold(struct model *md, uint32_t flow, uint32_t deadline, uint32_t tag, unsigned int at)
{
	struct model_entry *e;

	if (md->qtail - md->qhead == md->size)
		model_drop_dead(md);
	if (md->qtail - md->qhead == md->size) {
		md->full++;
		return -ENOSPC;
	}
	e = model_at(md, md->qtail);
	e->flow = flow;
	e->deadline = deadline;
	e->tag = tag;
	e->live = 1;
	e->reported = 0;
	memmove(md->chain[flow] + at + 1, md->chain[flow] + at,
		(md->chain_n[flow] - at) * sizeof(md->chain[flow][0]));
	md->chain[flow][at] = md->qtail++;
	md->chain_n[flow]++;
	md->held++;
	md->in_use++;
	return 0;
}

static uint32_t
model_expired(struct model *md, uint32_t now)
{
	struct model_entry *e;

	model_drop_dead(md);
	if (md->qhead == md->qtail)
		return NC_TX_NONE;
	e = model_at(md, md->qhead);
	if ((int32_t)(now - e->deadline) < 0)
		return NC_TX_NONE;
	if (!e->reported) {
		e->reported = 1;
		md->expired++;
	}
	return e->flow;
}

/* The first <n> entries of <flow>'s chain go dead; their tags into <tags>. */
static void
model_kill(struct model *md, uint32_t flow, unsigned int n, uint32_t *tags)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct model_entry *e = model_at(md, md->chain[flow][i]);

		tags[i] = e->tag;
		e->live = 0;
	}
	memmove(md->chain[flow], md->chain[flow] + n,
		(md->chain_n[flow] - n) * sizeof(md->chain[flow][0]));
	md->chain_n[flow] -= n;
	md->in_use -= n;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t
rng(uint32_t bound)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)((rng_state >> 11) % bound);
}

/* 10000 random holds (one in four into the chain, not at its tail),
 * releases, expiries, takes (whole and partial) on a 16-slot store, the
 * clock crossing the 2^32 ms wrap; after every step the counters match the
 * model, and every mbuf comes back in the chain's order. */
static void
test_random_run(void **state)
{
	enum { SIZE = 16, N_FLOWS = 6, TIMEOUT = 20, STEPS = 10000 };
	const unsigned int avail0 = rte_mempool_avail_count(pool);
	uint32_t head[N_FLOWS], tail[N_FLOWS], want[64];
	struct rte_mbuf *out[64];
	struct model *md = calloc(1, sizeof(*md));
	uint32_t now = 0xffffff00u, tag = 1, flow, f, i;
	uint64_t n_expired = 0, n_full = 0, n_partial = 0, n_recycled_by_hold = 0, n_inserted = 0;
	struct nc_txstore *s;
	unsigned int n, k, r;

	(void)state;
	assert_non_null(md);
	md->size = SIZE;
	s = store_open(SIZE);
	for (f = 0; f < N_FLOWS; f++)
		head[f] = tail[f] = NC_TX_NONE;
	for (i = 0; i < STEPS; i++) {
		r = rng(100);
		now += rng(3);
		f = rng(N_FLOWS);
		if (r < 50) {
			struct rte_mbuf *m = mbuf_make(tag);
			int full_before = md->qtail - md->qhead == SIZE && md->in_use < SIZE;
			unsigned int at = md->chain_n[f];
			uint32_t prev = tail[f], next;
			int rc;

			if (rng(4) == 0) {
				/* into the chain, after its (at - 1)th or at its head */
				at = rng(md->chain_n[f] + 1);
				prev = NC_TX_NONE;
				for (k = 0, next = head[f]; k < at; k++) {
					prev = next;
					nc_txstore_at(s, prev, &next);
				}
				n_inserted++;
			}
			rc = nc_txstore_hold_after(s, f, m, now + TIMEOUT, &head[f], &tail[f], prev);
			EXPECT(i, rc, model_hold(md, f, now + TIMEOUT, tag, at));
			if (rc != 0) {
				rte_pktmbuf_free(m);
				n_full++;
			} else if (full_before) {
				n_recycled_by_hold++;
			}
			tag++;
		} else if (r < 65) {
			k = md->chain_n[f];
			model_kill(md, f, k, want);
			md->released += k;
			n = rte_mempool_avail_count(pool);
			assert_int_equal(nc_txstore_release(s, &head[f], &tail[f]), k);
			assert_int_equal(rte_mempool_avail_count(pool), n + k);
		} else if (r < 95) {
			flow = nc_txstore_expired(s, now);
			EXPECT(i, flow, model_expired(md, now));
			if (flow != NC_TX_NONE) {
				n_expired++;
				r = rng(10);
				if (r < 6) {            /* replay the whole chain */
					k = md->chain_n[flow];
					model_kill(md, flow, k, want);
					n = nc_txstore_take(s, &head[flow], &tail[flow], out, 64);
					assert_int_equal(n, k);
					for (k = 0; k < n; k++) {
						assert_int_equal(mbuf_tag(out[k]), want[k]);
						rte_pktmbuf_free(out[k]);
					}
				} else if (r < 8) {     /* answered after all */
					k = md->chain_n[flow];
					model_kill(md, flow, k, want);
					md->released += k;
					assert_int_equal(nc_txstore_release(s, &head[flow],
									    &tail[flow]), k);
				}                       /* else: left for the next call */
			}
		} else {                                /* a replay of at most 2 */
			k = RTE_MIN(md->chain_n[f], 2u);
			model_kill(md, f, k, want);
			n = nc_txstore_take(s, &head[f], &tail[f], out, 2);
			assert_int_equal(n, k);
			for (k = 0; k < n; k++) {
				assert_int_equal(mbuf_tag(out[k]), want[k]);
				rte_pktmbuf_free(out[k]);
			}
			n_partial += n;
		}
		for (flow = 0; flow < N_FLOWS; flow++)
			assert_int_equal(head[flow] == NC_TX_NONE, md->chain_n[flow] == 0);
		stats_check(i, s, md->held, md->released, md->expired, md->full, md->in_use);
		assert_int_equal(rte_mempool_avail_count(pool), avail0 - md->in_use);
	}
	/* the run went through every path */
	assert_true(now < 0xffffff00u);
	assert_true(n_expired > 100);
	assert_true(n_full > 10);
	assert_true(n_partial > 10);
	assert_true(n_recycled_by_hold > 10);
	assert_true(n_inserted > 100);
	nc_txstore_free(s);
	free(md);
	assert_int_equal(rte_mempool_avail_count(pool), avail0);
}

/* ------------------------------------------------------------ sequence numbers */

/* ------------------------------------------------------------ main */

static int
eal_setup(void **state)
{
	char *argv[] = { "test", "--no-huge", "-m", "256", "--no-pci", "-l", "0", "--no-shconf",
			 "--file-prefix", "nctesttxs", "--log-level", "lib.eal:error", NULL };

	(void)state;
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		print_error("rte_eal_init: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	pool = rte_pktmbuf_pool_create("ttxs_pool", POOL_N, 0, 0, 256, SOCKET_ID_ANY);
	if (pool == NULL) {
		print_error("rte_pktmbuf_pool_create: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static int
eal_teardown(void **state)
{
	(void)state;
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}

#define SCRIPT(name) { "script_" #name, test_script, NULL, NULL, (void *)&script_##name }

int
main(void)
{
	const struct CMUnitTest tests[] = {
		SCRIPT(order),
		SCRIPT(release),
		SCRIPT(wrap),
		SCRIPT(full),
		SCRIPT(release_while),
		SCRIPT(rearm),
		SCRIPT(size3),
		SCRIPT(size0),
		cmocka_unit_test(test_free_held),
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_random_run),
	};

	return cmocka_run_group_tests_name("txstore", tests, eal_setup, eal_teardown);
}
