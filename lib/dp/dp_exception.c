/* SPDX-License-Identifier: BSD-3-Clause
 * The exception path: a port's host address belongs to a kernel interface (a
 * TAP device the app creates) so that unmodified daemons - the routing daemon
 * with its BGP and BFD sessions, SSH, the cluster channel - run beside the
 * appliance. Frames for the host address that the data plane does not answer
 * itself reach the kernel here; what the kernel sends leaves through worker 0
 * like the control lcore's own frames. The sessions cross the data plane, so
 * they die with it. Control lcore only; a few frames per second, each a
 * write(2) into the TAP device: never the workers' path.
 */
#include <rte_ethdev.h>

#include "dp_priv.h"

#define EXC_BURST 32
#define EXC_ROUNDS 16   /* bursts per port and poll at most */

void
nc_dp_exc_attach(struct nc_dp *dp, uint16_t pidx, uint16_t tap_port_id)
{
	if (pidx < dp->n_ports)
		dp->ctl->exc_port[pidx] = tap_port_id;
}

void
nc_dp_exc_input(struct nc_dp *dp, struct rte_mbuf *m, uint16_t pidx)
{
	uint16_t tap = pidx < dp->n_ports ? dp->ctl->exc_port[pidx] : NC_DP_NO_EXC;

	if (tap == NC_DP_NO_EXC || rte_eth_tx_burst(tap, 0, &m, 1) != 1) {
		dp->ctl->st.exc_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	dp->ctl->st.exc_to_kernel++;
}

unsigned int
nc_dp_exc_poll(struct nc_dp *dp)
{
	struct rte_mbuf *pkts[EXC_BURST];
	unsigned int total = 0, r;
	bool more = false;
	uint16_t p, n, i;

	for (p = 0; p < dp->n_ports; p++) {
		uint16_t tap = dp->ctl->exc_port[p];

		if (tap == NC_DP_NO_EXC)
			continue;
		/* all the kernel sent, up to a bound: what the cluster channel
		 * sent is ahead of any frame queued after it (nc_dp_ctl_tx_drained) */
		for (r = 0; r < EXC_ROUNDS; r++) {
			n = rte_eth_rx_burst(tap, 0, pkts, EXC_BURST);
			for (i = 0; i < n; i++)
				nc_dp_ctl_tx(dp, p, pkts[i]);
			dp->ctl->st.exc_from_kernel += n;
			total += n;
			if (n < EXC_BURST)
				break;
		}
		if (r == EXC_ROUNDS)
			more = true;
	}
	dp->ctl->exc_more = more;
	return total;
}

bool
nc_dp_ctl_tx_drained(const struct nc_dp *dp)
{
	return !dp->ctl->exc_more && rte_ring_empty(dp->ctl_tx);
}
