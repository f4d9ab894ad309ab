/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "nc_txstore.h"

/* Largest store: slot indexes stay far below NC_TX_NONE, and a ring of
 * RING_F_EXACT_SZ holding every slot stays within rte_ring's size limit. */
#define TXS_SIZE_MAX (1u << 28)

struct txs_entry {
	struct rte_mbuf *m;      /* NULL once dead */
	uint32_t flow;
	uint32_t deadline_ms;
	uint32_t next;           /* next slot of the same chain, NC_TX_NONE at its tail */
	uint8_t live;            /* held: not released, not taken */
	uint8_t reported;        /* already counted as expired */
};

struct nc_txstore {
	struct txs_entry *slab;
	struct rte_ring *free_ring;    /* slots ready for hold */
	struct rte_ring *timer_ring;   /* slots in arrival (= deadline) order */
	uint32_t size;
	/* The timer ring's head, already dequeued but not finished with (a live
	 * entry not yet expired, or expired but not yet taken), or NC_TX_NONE:
	 * rte_ring has no peek, so the head is kept here. */
	uint32_t head_slot;
	struct nc_txstore_stats stats;
};

struct nc_txstore *
nc_txstore_create(const char *name, uint32_t size, int socket)
{
	char fname[RTE_RING_NAMESIZE], tname[RTE_RING_NAMESIZE];
	struct nc_txstore *s;
	uint32_t i;
	int err;

	if (name == NULL || size > TXS_SIZE_MAX) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (snprintf(fname, sizeof(fname), "%s_f", name) >= (int)sizeof(fname) ||
	    snprintf(tname, sizeof(tname), "%s_t", name) >= (int)sizeof(tname)) {
		rte_errno = ENAMETOOLONG;
		return NULL;
	}
	size = rte_align32pow2(RTE_MAX(size, 2u));
	s = rte_zmalloc_socket("nc_txstore", sizeof(*s), RTE_CACHE_LINE_SIZE, socket);
	if (s == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	s->size = size;
	s->head_slot = NC_TX_NONE;
	s->slab = rte_zmalloc_socket("nc_txstore_slab", (size_t)size * sizeof(s->slab[0]),
				     RTE_CACHE_LINE_SIZE, socket);
	if (s->slab == NULL) {
		rte_errno = ENOMEM;
		goto fail;
	}
	/* fault the pages in now, not on the fast path (--no-huge heap is lazy) */
	memset(s->slab, 0, (size_t)size * sizeof(s->slab[0]));
	s->free_ring = rte_ring_create_elem(fname, sizeof(uint32_t), size, socket,
					    RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (s->free_ring == NULL)
		goto fail;
	s->timer_ring = rte_ring_create_elem(tname, sizeof(uint32_t), size, socket,
					     RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (s->timer_ring == NULL)
		goto fail;
	for (i = 0; i < size; i++) {
		s->slab[i].next = NC_TX_NONE;
		if (rte_ring_enqueue_elem(s->free_ring, &i, sizeof(uint32_t)) != 0) {
			rte_errno = ENOSPC;
			goto fail;
		}
	}
	return s;
fail:
	err = rte_errno;
	nc_txstore_free(s);
	rte_errno = err;
	return NULL;
}

void
nc_txstore_free(struct nc_txstore *s)
{
	uint32_t i;

	if (s == NULL)
		return;
	if (s->slab != NULL) {
		for (i = 0; i < s->size; i++)
			if (s->slab[i].live)
				rte_pktmbuf_free(s->slab[i].m);
		rte_free(s->slab);
	}
	rte_ring_free(s->free_ring);
	rte_ring_free(s->timer_ring);
	rte_free(s);
}

/* Send the dead entries at the timer ring's head back to the free ring; stop
 * at the first live one (left in head_slot) or when the ring is empty. */
static void
txs_recycle_dead(struct nc_txstore *s)
{
	uint32_t slot;

	for (;;) {
		if (s->head_slot == NC_TX_NONE &&
		    rte_ring_dequeue_elem(s->timer_ring, &s->head_slot, sizeof(uint32_t)) != 0) {
			s->head_slot = NC_TX_NONE;
			return;
		}
		if (s->slab[s->head_slot].live)
			return;
		/* every slot is in exactly one place (free ring, timer ring or
		 * head_slot) and each ring holds all of them: this cannot fail */
		slot = s->head_slot;
		s->head_slot = NC_TX_NONE;
		rte_ring_enqueue_elem(s->free_ring, &slot, sizeof(uint32_t));
	}
}

int
nc_txstore_hold(struct nc_txstore *s, uint32_t flow, struct rte_mbuf *m,
		uint32_t deadline_ms, uint32_t *head, uint32_t *tail)
{
	return nc_txstore_hold_after(s, flow, m, deadline_ms, head, tail, *tail);
}

int
nc_txstore_hold_after(struct nc_txstore *s, uint32_t flow, struct rte_mbuf *m,
		      uint32_t deadline_ms, uint32_t *head, uint32_t *tail, uint32_t prev)
{
	struct txs_entry *e;
	uint32_t slot;

	if (unlikely(rte_ring_dequeue_elem(s->free_ring, &slot, sizeof(uint32_t)) != 0)) {
		/* released entries may wait at the timer ring's head */
		txs_recycle_dead(s);
		if (rte_ring_dequeue_elem(s->free_ring, &slot, sizeof(uint32_t)) != 0) {
			s->stats.full++;
			return -ENOSPC;
		}
	}
	e = &s->slab[slot];
	e->m = m;
	e->flow = flow;
	e->deadline_ms = deadline_ms;
	e->live = 1;
	e->reported = 0;
	if (prev == NC_TX_NONE) {
		e->next = *head;
		*head = slot;
	} else {
		e->next = s->slab[prev].next;
		s->slab[prev].next = slot;
	}
	if (e->next == NC_TX_NONE)
		*tail = slot;
	/* cannot fail, as above */
	rte_ring_enqueue_elem(s->timer_ring, &slot, sizeof(uint32_t));
	s->stats.held++;
	s->stats.in_use++;
	return 0;
}

/* Mark the entry at <slot> dead; the next slot of its chain. */
static inline uint32_t
txs_kill(struct nc_txstore *s, uint32_t slot)
{
	struct txs_entry *e = &s->slab[slot];
	uint32_t next = e->next;

	e->m = NULL;
	e->live = 0;
	e->next = NC_TX_NONE;
	s->stats.in_use--;
	return next;
}

unsigned int
nc_txstore_release(struct nc_txstore *s, uint32_t *head, uint32_t *tail)
{
	uint32_t slot = *head;
	unsigned int n = 0;

	while (slot != NC_TX_NONE) {
		rte_pktmbuf_free(s->slab[slot].m);
		slot = txs_kill(s, slot);
		n++;
	}
	*head = NC_TX_NONE;
	*tail = NC_TX_NONE;
	s->stats.released += n;
	return n;
}

unsigned int
nc_txstore_release_while(struct nc_txstore *s, uint32_t *head, uint32_t *tail,
			 int (*done)(const struct rte_mbuf *m, void *arg), void *arg)
{
	uint32_t slot = *head;
	unsigned int n = 0;

	while (slot != NC_TX_NONE && done(s->slab[slot].m, arg)) {
		rte_pktmbuf_free(s->slab[slot].m);
		slot = txs_kill(s, slot);
		n++;
	}
	*head = slot;
	if (slot == NC_TX_NONE)
		*tail = NC_TX_NONE;
	s->stats.released += n;
	return n;
}

const struct rte_mbuf *
nc_txstore_at(const struct nc_txstore *s, uint32_t slot, uint32_t *next)
{
	*next = s->slab[slot].next;
	return s->slab[slot].m;
}

unsigned int
nc_txstore_take(struct nc_txstore *s, uint32_t *head, uint32_t *tail,
		struct rte_mbuf **out, unsigned int max)
{
	uint32_t slot = *head;
	unsigned int n = 0;

	while (slot != NC_TX_NONE && n < max) {
		out[n++] = s->slab[slot].m;
		slot = txs_kill(s, slot);
	}
	s->stats.taken += n;
	/* with more entries than <max>, the rest stays held as the chain */
	*head = slot;
	if (slot == NC_TX_NONE)
		*tail = NC_TX_NONE;
	return n;
}

uint32_t
nc_txstore_expired(struct nc_txstore *s, uint32_t now_ms)
{
	struct txs_entry *e;

	txs_recycle_dead(s);
	if (s->head_slot == NC_TX_NONE)
		return NC_TX_NONE;
	e = &s->slab[s->head_slot];
	if ((int32_t)(now_ms - e->deadline_ms) < 0)
		return NC_TX_NONE;
	if (!e->reported) {
		e->reported = 1;
		s->stats.expired++;
	}
	return e->flow;
}

int
nc_txstore_rearm(struct nc_txstore *s, uint32_t deadline_ms)
{
	uint32_t slot = s->head_slot;
	struct txs_entry *e;

	if (slot == NC_TX_NONE || !s->slab[slot].live)
		return -ENOENT;
	e = &s->slab[slot];
	e->deadline_ms = deadline_ms;
	e->reported = 0;
	s->head_slot = NC_TX_NONE;
	/* the slot leaves the head for the tail: cannot fail (every ring holds all slots) */
	rte_ring_enqueue_elem(s->timer_ring, &slot, sizeof(uint32_t));
	return 0;
}

void
nc_txstore_stats_get(const struct nc_txstore *s, struct nc_txstore_stats *out)
{
	*out = s->stats;
}
