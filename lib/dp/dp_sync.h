/* SPDX-License-Identifier: BSD-3-Clause
 * Flow sync's hooks in the worker (dp_sync.c): the legs and the fail-safe
 * call them at the moments a peer dispatcher needs to hear of (a flow
 * established, moved, closed; a request held, answered), each a test of one
 * flag when sync is off or the flow is not synced. Worker lcore only; never
 * included outside lib/dp.
 */
#ifndef NC_DP_SYNC_H
#define NC_DP_SYNC_H

#include "dp_priv.h"

/* Report flow <f> to the control lcore (<op>, held request <m> with
 * <ttl_ms> to its deadline: a reference of the record's own is taken; TCP,
 * <tcp> where the connection stands). */
void nc_sync_emit(struct nc_worker *w, const struct nc_flow *f, uint8_t op, struct rte_mbuf *m,
		  uint32_t ttl_ms, uint8_t flags, const struct nc_sync_tcp *tcp);

/* Flow <f> was accepted by its server (TCP: its SYN-ACK), or moved: the
 * peers get (or update) it. */
static inline void
sync_flow(struct nc_worker *w, struct nc_flow *f)
{
	if (unlikely(w->dp->sync)) {
		f->sync |= NC_FLOW_SYNCED;
		nc_sync_emit(w, f, NC_SYNC_FLOW, NULL, 0, 0, NULL);
	}
}

/* Report <op> of flow <f> with frame <m> for its client (rewritten), which
 * the control lcore sends once the record has left: the SYN-ACK of a flow
 * its server accepted (NC_SYNC_FLOW), the answer that releases a held UDP
 * request (NC_SYNC_RELEASE). */
void sync_with_frame(struct nc_worker *w, struct nc_flow *f, uint8_t op, struct rte_mbuf *m,
		     uint16_t l4_off);

/* Proxied flow <f> (the SYN proxy's) was accepted by its server, whose
 * SYN-ACK <m> the appliance answers in the client's place: the peers get
 * it, bridge and all, and <m> comes back to this worker once the record
 * left (nc_dp_sync_frame_back), so that its request reaches the server only
 * then: 0, <m> taken. 1 when the record could not be queued: <m> is the
 * caller's to answer now. */
int nc_sync_proxied(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m);

/* A client segment with flags <fl> on TCP flow <idx>, in its handshake here,
 * acknowledges a SYN-ACK a peer passed (nc_sync_answered_elsewhere in
 * dp_sync.c): 1 (counted) when the connection is the peer's. */
int nc_sync_answered_elsewhere(struct nc_worker *w, uint32_t idx, uint8_t fl);

/* A synced flow closes. */
static inline void
sync_close(struct nc_worker *w, const struct nc_flow *f)
{
	if (unlikely(f->sync & NC_FLOW_SYNCED))
		nc_sync_emit(w, f, NC_SYNC_CLOSE, NULL, 0, 0, NULL);
}

/* A synced flow holds request <m> (its private copy) for <ttl_ms>. */
static inline void
sync_held(struct nc_worker *w, const struct nc_flow *f, struct rte_mbuf *m, uint32_t ttl_ms)
{
	if (unlikely(f->sync & NC_FLOW_SYNCED))
		nc_sync_emit(w, f, NC_SYNC_HELD, m, ttl_ms, 0, NULL);
}

/* What a synced flow held was answered. */
static inline void
sync_release(struct nc_worker *w, const struct nc_flow *f)
{
	if (unlikely(f->sync & NC_FLOW_SYNCED))
		nc_sync_emit(w, f, NC_SYNC_RELEASE, NULL, 0, 0, NULL);
}

#endif /* NC_DP_SYNC_H */
