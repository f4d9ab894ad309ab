/* SPDX-License-Identifier: BSD-3-Clause
 * limits.* on the control lcore: a log line at most once a second for each
 * limit that refused new flows in that second. The workers refuse them on
 * their new-flow path (dp_fastpath.h, limits_refuse) and count them as
 * drops; the counters and the /metrics drop series are those.
 */
#include <inttypes.h>

#include "dp_priv.h"

static const struct {
	enum nc_drop why;
	const char *what;
} lim[NC_DP_LIMITS] = {
	{ NC_DROP_SOURCE_RATE, "clients over limits.new_flows_per_source" },
	{ NC_DROP_HALF_OPEN_MAX, "TCP, a service at limits.half_open_max handshakes under way" },
	{ NC_DROP_UDP_UNREPLIED_MAX, "UDP, a service at limits.udp_unreplied_max flows never answered" },
};

void
nc_dp_limits_poll(struct nc_dp *dp, uint64_t now)
{
	unsigned int i;
	uint16_t k;

	if (now - dp->ctl->limits_at < dp->tsc_hz)
		return;
	dp->ctl->limits_at = now;
	for (i = 0; i < NC_DP_LIMITS; i++) {
		uint64_t n = 0;

		for (k = 0; k < dp->n_workers; k++)
			n += __atomic_load_n(&dp->worker[k]->st.drop[lim[i].why], __ATOMIC_RELAXED);
		if (n != dp->ctl->limits_seen[i])
			NC_LOG(WARNING, DP, "limits: %" PRIu64 " new flow(s) refused in the last second: %s",
			       n - dp->ctl->limits_seen[i], lim[i].what);
		dp->ctl->limits_seen[i] = n;
	}
}
