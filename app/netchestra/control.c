/* SPDX-License-Identifier: BSD-3-Clause
 * The control lcore's loop: control-plane packet work, the once-a-second
 * status line per service, and the final statistics.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include "app.h"
#include "nc_net.h"
#include "nc_sched.h"

#define CTL_IDLE_SLEEP_US 200

struct status_prev {
	uint64_t opened[NC_MAX_SERVICES];
	uint64_t pkts[NC_MAX_SERVICES];
};

/* "web: flows 12 open, +3/s, pkts +120/s, servers n0 w30 33.3% n1 w70 66.7%" */
static void
print_status(const struct nc_app *a, double t, double dt, struct status_prev *prev)
{
	static struct nc_dp_stats st;
	uint16_t s, i;

	nc_dp_stats_get(a->dp, &st);
	for (s = 0; s < a->cfg->n_services; s++) {
		const struct nc_cfg_service *cs = &a->cfg->services[s];
		const struct nc_svc_stats *ss = &st.svc[s];
		const struct nc_schedule *sch = nc_dp_schedule(a->dp, s);
		uint64_t pkts = ss->pkts_c2s + ss->pkts_s2c;
		char line[1024];
		int n;

		n = snprintf(line, sizeof(line), "[%7.1fs] %s: flows %" PRIu64 " open, %.0f new/s, %.0f pkt/s, servers",
			     t, cs->name, ss->flows_opened - ss->flows_closed,
			     (double)(ss->flows_opened - prev->opened[s]) / dt,
			     (double)(pkts - prev->pkts[s]) / dt);
		for (i = 0; i < cs->n_servers && n > 0 && (size_t)n < sizeof(line); i++)
			n += snprintf(line + n, sizeof(line) - (size_t)n, " %s w%u %.1f%%",
				      cs->servers[i].name, sch != NULL ? sch->server[i].weight : 0,
				      ss->flows_opened ? 100.0 * (double)ss->server_flows[i] /
				      (double)ss->flows_opened : 0.0);
		printf("%s\n", line);
		prev->opened[s] = ss->flows_opened;
		prev->pkts[s] = pkts;
	}
	fflush(stdout);
}

void
nc_control_run(struct nc_app *a)
{
	uint64_t hz = rte_get_tsc_hz(), start = rte_rdtsc(), last = start;
	uint64_t end = a->duration_s > 0 ? start + (uint64_t)(a->duration_s * (double)hz) : 0;
	struct status_prev prev;

	memset(&prev, 0, sizeof(prev));
	nc_dp_announce(a->dp);
	while (!nc_app_quit) {
		uint64_t now = rte_rdtsc();

		if (end != 0 && now >= end)
			break;
		if (now - last >= hz) {
			print_status(a, (double)(now - start) / (double)hz, (double)(now - last) / (double)hz,
				     &prev);
			last = now;
		}
		if (nc_dp_ctl_poll(a->dp) == 0)
			rte_delay_us_sleep(CTL_IDLE_SLEEP_US);
	}
}

void
nc_control_print_final(const struct nc_app *a)
{
	static struct nc_dp_stats st;
	struct nc_ctl_stats cs;
	uint16_t s, i;

	nc_dp_stats_get(a->dp, &st);
	nc_dp_ctl_stats_get(a->dp, &cs);
	nc_ports_print_final(a, &st);
	for (i = 0; i < NC_DROP_MAX; i++)
		printf("final drop.%s %" PRIu64 "\n", nc_drop_name[i], st.drop[i]);
	printf("final flows: tcp_port_early_reuse %" PRIu64 "\n", st.tcp_port_early_reuse);
	printf("final control: arp_replied %" PRIu64 " arp_learned %" PRIu64 " arp_requests_sent %" PRIu64
	       " arp_ignored %" PRIu64 " icmp_echo_replied %" PRIu64 " resolve_requests %" PRIu64
	       " resolve_held %" PRIu64 " resolve_dropped %" PRIu64 " tx_failed %" PRIu64 "\n",
	       cs.arp_replied, cs.arp_learned, cs.arp_requests_sent, cs.arp_ignored,
	       cs.icmp_echo_replied, cs.resolve_requests, cs.resolve_held, cs.resolve_dropped,
	       cs.tx_failed);
	for (s = 0; s < a->cfg->n_services; s++) {
		const struct nc_cfg_service *svc = &a->cfg->services[s];
		const struct nc_svc_stats *ss = &st.svc[s];

		printf("final service %s: flows_opened %" PRIu64 " flows_closed %" PRIu64
		       " pkts_c2s %" PRIu64 " pkts_s2c %" PRIu64 " bytes_c2s %" PRIu64 " bytes_s2c %" PRIu64,
		       svc->name, ss->flows_opened, ss->flows_closed, ss->pkts_c2s, ss->pkts_s2c,
		       ss->bytes_c2s, ss->bytes_s2c);
		for (i = 0; i < svc->n_servers; i++)
			printf(" %s %" PRIu64, svc->servers[i].name, ss->server_flows[i]);
		printf("\n");
	}
	fflush(stdout);
}
