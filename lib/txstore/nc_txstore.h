/* SPDX-License-Identifier: BSD-3-Clause
 * The transaction store: requests held until their server answers, one store
 * per worker (only its worker touches it: no lock, no atomic).
 *
 * Entries live in a slab of <size> slots. Two rte_rings of slot indexes carry
 * them: the free ring, and the timer ring in arrival order. A service has one
 * response limit, so arrival order is deadline order and the timer ring is
 * also the timer queue: expiry looks at its head only. Entries of one flow are
 * chained (first to last), so releasing a flow's entries is a walk of its
 * chain; a released entry stays in the timer ring as dead until it reaches
 * the head, where its slot goes back to the free ring.
 *
 * The store keeps an mbuf per entry (the caller's private copy of the
 * client's packet as it arrived) and frees it on release; the caller takes it
 * back on expiry (to replay it) and for replays on demand.
 */
#ifndef NC_TXSTORE_H
#define NC_TXSTORE_H

#include <stdint.h>

struct rte_mbuf;
struct nc_txstore;

#define NC_TX_NONE UINT32_MAX   /* "no entry" in chains */

/* Counters of one store. */
struct nc_txstore_stats {
	uint64_t held;          /* entries taken in */
	uint64_t released;      /* entries freed because the server answered */
	uint64_t expired;       /* entries found past their deadline (once each) */
	uint64_t taken;         /* entries handed to the caller for a replay */
	uint64_t full;          /* entries refused: no free slot */
	uint32_t in_use;        /* entries held now (not released, not expired) */
};

/*
 * Create a store of <size> entries (rounded up to a power of two, at least 2)
 * on <socket>. <name> names its rings (unique per process).
 * Returns NULL and sets rte_errno on failure.
 */
struct nc_txstore *nc_txstore_create(const char *name, uint32_t size, int socket);

/* Free the store and every mbuf it still holds. */
void nc_txstore_free(struct nc_txstore *s);

/*
 * Hold <m> for the flow <flow> (an opaque 32-bit id, e.g. its table index)
 * until <deadline_ms>, appending it to the chain whose head and tail slot
 * indexes the caller keeps in <*head>/<*tail> (both NC_TX_NONE when empty).
 * The store owns <m> from then on. Returns 0, or -ENOSPC when full (counted;
 * the caller keeps <m>).
 */
int nc_txstore_hold(struct nc_txstore *s, uint32_t flow, struct rte_mbuf *m,
		    uint32_t deadline_ms, uint32_t *head, uint32_t *tail);

/* As nc_txstore_hold(), but <m> goes into the chain right after slot <prev>
 * (NC_TX_NONE: at its head), not at its tail: the caller keeps its chain in
 * an order of its own (a TCP stream's bytes by sequence number). */
int nc_txstore_hold_after(struct nc_txstore *s, uint32_t flow, struct rte_mbuf *m,
			  uint32_t deadline_ms, uint32_t *head, uint32_t *tail, uint32_t prev);

/* Free every entry of the chain <*head>..<*tail> (the server answered);
 * the chain becomes empty. Returns how many were freed. */
unsigned int nc_txstore_release(struct nc_txstore *s, uint32_t *head, uint32_t *tail);

/*
 * Free the chain's entries from its head for as long as <done>(mbuf, <arg>)
 * says 1 (the server answered what they carry); the first entry it keeps,
 * and all after it, stay. Returns how many were freed.
 */
unsigned int nc_txstore_release_while(struct nc_txstore *s, uint32_t *head, uint32_t *tail,
				      int (*done)(const struct rte_mbuf *m, void *arg), void *arg);

/* The mbuf held at chain slot <slot> (a chain's head, or a <*next> from an
 * earlier call), still held; <*next>: the chain's next slot, NC_TX_NONE after
 * the tail. To walk a chain without taking it. */
const struct rte_mbuf *nc_txstore_at(const struct nc_txstore *s, uint32_t slot, uint32_t *next);

/*
 * The chain's first mbufs, in order, into <out> (at most <max>), taken out of
 * the store (the caller owns them); with more than <max>, the rest stays held
 * as the chain, so a caller loops until the chain is empty. For a replay.
 * Returns how many.
 */
unsigned int nc_txstore_take(struct nc_txstore *s, uint32_t *head, uint32_t *tail,
			     struct rte_mbuf **out, unsigned int max);

/*
 * The flow of the oldest live entry whose deadline has passed at <now_ms>
 * (wrap-around safe), or NC_TX_NONE. Dead entries met at the head are
 * recycled on the way. The entry stays in the store: the caller takes its
 * whole chain with nc_txstore_take() (or releases it), then calls again.
 */
uint32_t nc_txstore_expired(struct nc_txstore *s, uint32_t now_ms);

/*
 * The entry nc_txstore_expired() last reported, if it is still held (not
 * released or taken since), goes to the back of the timer queue with a new
 * <deadline_ms>: its request waits on. Returns 0, or -ENOENT (nothing to
 * re-arm). Call before the next nc_txstore_expired(). As arrival order is
 * deadline order, a deadline earlier than others already queued is met only
 * when it reaches the head.
 */
int nc_txstore_rearm(struct nc_txstore *s, uint32_t deadline_ms);

/* Counters. */
void nc_txstore_stats_get(const struct nc_txstore *s, struct nc_txstore_stats *out);

#endif /* NC_TXSTORE_H */
