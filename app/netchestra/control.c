/* SPDX-License-Identifier: BSD-3-Clause
 * The control lcore's loop: control-plane packet work, the once-a-second
 * status line per service, and the final statistics.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include <rte_cycles.h>

#include "app.h"
#include "api.h"
#include "nc_net.h"
#include "nc_dp_metrics.h"
#include "nc_sched.h"

#define CTL_IDLE_SLEEP_US 200
#define STOP_DRAIN_S      5     /* a clean stop's longest wait for open flows, without a cluster */

struct status_prev {
	uint64_t opened[NC_MAX_SERVICES];
	uint64_t pkts[NC_MAX_SERVICES];
};

/* Response time for the status line: "850us", "12.3ms", "-" (no sample), "down". */
static const char *
rt_str(const struct nc_server_view *v, char *buf, size_t len)
{
	if (v->admin != NC_ADMIN_UP)
		snprintf(buf, len, "%s", nc_admin_state_name(v->admin));
	else if (!v->up)
		snprintf(buf, len, "down");
	else if (v->rt_samples == 0)
		snprintf(buf, len, "-");
	else if (v->rt_avg_us < 1000)
		snprintf(buf, len, "%uus", v->rt_avg_us);
	else
		snprintf(buf, len, "%.1fms", v->rt_avg_us / 1000.0);
	return buf;
}

/*
 * "web: flows 12 open, 3 new/s, 120 pkt/s, servers n0 w30 33.3% 850us n1 w70 66.7% 1.2ms"
 * per server: weight now, share of the flows since start, response time of
 * the monitor's last interval (or "down").
 */
static void
print_status(const struct nc_app *a, double t, double dt, struct status_prev *prev)
{
	static struct nc_dp_stats st;
	static struct nc_server_view v[NC_MAX_SERVERS];
	uint16_t s, i;

	nc_dp_stats_get(a->dp, &st);
	for (s = 0; s < nc_dp_n_services(a->dp); s++) {
		const struct nc_cfg_service *cs = &nc_dp_config(a->dp)->services[s];
		const struct nc_svc_stats *ss = &st.svc[s];
		uint64_t pkts = ss->pkts_c2s + ss->pkts_s2c;
		struct nc_service_view sv;
		char line[1536], rt[16];
		int n, nv;

		nv = nc_dp_service_view(a->dp, s, &sv, v, NC_MAX_SERVERS);
		if (sv.state == NC_SVC_REMOVED)
			continue;
		n = snprintf(line, sizeof(line), "[%7.1fs] %s: flows %" PRIu64 " open, %.0f new/s, %.0f pkt/s, servers",
			     t, cs->name, ss->flows_opened - ss->flows_closed,
			     (double)(ss->flows_opened - prev->opened[s]) / dt,
			     (double)(pkts - prev->pkts[s]) / dt);
		for (i = 0; i < nv && n > 0 && (size_t)n < sizeof(line); i++)
			if (v[i].admin != NC_ADMIN_FREE)
				n += snprintf(line + n, sizeof(line) - (size_t)n, " %s w%u %.1f%% %s",
				      cs->servers[i].name, v[i].weight,
				      ss->flows_opened ? 100.0 * (double)ss->server_flows[i] /
				      (double)ss->flows_opened : 0.0, rt_str(&v[i], rt, sizeof(rt)));
		printf("%s\n", line);
		prev->opened[s] = ss->flows_opened;
		prev->pkts[s] = pkts;
	}
	fflush(stdout);
}

/* One CSV row per server after each interval: time,service,server,weight,rt_us,state
 * (time: Unix seconds with milliseconds; rt_us: 0 when the interval had no sample). */
static void
on_interval(void *arg, unsigned int svc, const struct nc_service_view *sv,
	    const struct nc_server_view *v, unsigned int n)
{
	struct nc_app *a = arg;
	struct timeval tv;
	unsigned int i;

	nc_api_on_interval(svc, sv, v, n);
	if (a->weights_log == NULL)
		return;
	gettimeofday(&tv, NULL);
	for (i = 0; i < n; i++)
		if (v[i].admin != NC_ADMIN_FREE)
			fprintf(a->weights_log, "%ld.%03ld,%s,%s,%u,%u,%s\n", (long)tv.tv_sec,
			(long)(tv.tv_usec / 1000), sv->name, v[i].name, v[i].weight,
			v[i].rt_samples != 0 ? v[i].rt_avg_us : 0, v[i].up ? "up" : "down");
	fflush(a->weights_log);
}

int
nc_weights_log_open(struct nc_app *a)
{
	nc_dp_set_interval_cb(a->dp, on_interval, a);
	if (a->weights_log_path == NULL)
		return 0;
	a->weights_log = fopen(a->weights_log_path, "a");
	if (a->weights_log == NULL) {
		int e = errno;

		NC_LOG(ERR, APP, "--weights-log %s: %s", a->weights_log_path, strerror(e));
		return -e;
	}
	if (ftell(a->weights_log) == 0)
		fprintf(a->weights_log, "time,service,server,weight,rt_us,state\n");
	return 0;
}

void
nc_weights_log_close(struct nc_app *a)
{
	if (a->dp != NULL)
		nc_dp_set_interval_cb(a->dp, NULL, NULL);
	if (a->weights_log == NULL)
		return;
	fclose(a->weights_log);
	a->weights_log = NULL;
}

/*
 * A clean stop with BGP: withdraw every VIP first, then keep forwarding while
 * the routers move new flows to the other dispatchers and the open ones end
 * (the peers send this one the segments of its connections that the routers
 * now hand them), for at most cluster.drain_s seconds (STOP_DRAIN_S without
 * a cluster; a second signal ends it at once). The ports stop only after.
 */
static void
stop_drain(struct nc_app *a)
{
	uint64_t hz = rte_get_tsc_hz(), start = rte_rdtsc(), last = 0, n = 0;
	unsigned int drain_s = a->cfg->cluster.enabled ? a->cfg->cluster.drain_s : STOP_DRAIN_S;

	if (!a->cfg->bgp.enabled)
		return;
	a->stopping = true;
	/* the peers first: they redirect the connections the routers move */
	if (a->cl != NULL) {
		uint64_t until = rte_rdtsc() + hz / 1000 * NC_DRAIN_TELL_MS;

		nc_cluster_app_say(a);
		while (rte_rdtsc() < until && !nc_app_quit_now) {
			nc_cluster_app_poll(a);
			if (nc_dp_ctl_poll(a->dp) + nc_mgmt_poll(a) == 0)
				rte_delay_us_sleep(CTL_IDLE_SLEEP_US);
		}
	}
	nc_announce_withdraw_all(a);
	printf("draining: VIPs withdrawn, %" PRIu64 " flow(s) open, waiting up to %u s\n", nc_dp_flow_count(a->dp),
	       drain_s);
	while (nc_app_quit == 1 && !nc_app_quit_now) {
		uint64_t now = rte_rdtsc();

		if (now - start >= (uint64_t)drain_s * hz)
			break;
		/* the first second lets the routers converge before flows are counted */
		if (now - last >= hz / 10 && now - start >= hz) {
			last = now;
			n = nc_dp_flow_count(a->dp);
			if (n == 0)
				break;
		}
		nc_cluster_app_poll(a);   /* heartbeats say draining: peers redirect */
		if (nc_dp_ctl_poll(a->dp) + nc_mgmt_poll(a) == 0)
			rte_delay_us_sleep(CTL_IDLE_SLEEP_US);
	}
	printf("drained in %.1f s, %" PRIu64 " flow(s) left\n", (double)(rte_rdtsc() - start) / (double)hz,
	       nc_dp_flow_count(a->dp));
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
		if (nc_app_reload) {
			nc_app_reload = 0;
			nc_reload(a);
		}
		nc_announce_poll(a);
		nc_cluster_app_poll(a);
		if (nc_dp_ctl_poll(a->dp) + nc_mgmt_poll(a) == 0)
			rte_delay_us_sleep(CTL_IDLE_SLEEP_US);
	}
	if (nc_app_quit == 1 && !nc_app_quit_now)
		stop_drain(a);
	nc_cluster_app_stop(a);   /* the peers stop counting on this one at once */
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
	printf("final flows: tcp_port_early_reuse %" PRIu64 " redirected %" PRIu64 " icmp_relayed %" PRIu64 "\n",
	       st.tcp_port_early_reuse, st.redirected, st.icmp_relayed);
	printf("final workers: %u handoff_out %" PRIu64 " handoff_in %" PRIu64
	       " steer_missed %" PRIu64 "\n",
	       (unsigned int)a->cfg->workers.n_lcores, st.handoff_out, st.handoff_in,
	       st.lport_steer_missed);
	printf("final fragments: reassembled %" PRIu64 " fragmented %" PRIu64 " out %" PRIu64 "\n",
	       st.frag_reassembled, st.frag_fragmented, st.frag_out);
	printf("final fragments6: reassembled %" PRIu64 " fragmented %" PRIu64 " atomic %" PRIu64 "\n",
	       st.frag6_reassembled, st.frag6_fragmented, st.frag_atomic);
	printf("final control: arp_replied %" PRIu64 " arp_learned %" PRIu64 " arp_requests_sent %" PRIu64
	       " arp_ignored %" PRIu64 " icmp_echo_replied %" PRIu64 " resolve_requests %" PRIu64
	       " resolve_held %" PRIu64 " resolve_dropped %" PRIu64 " probe_unmatched %" PRIu64
	       " tx_failed %" PRIu64 " exc_to_kernel %" PRIu64 " exc_from_kernel %" PRIu64
	       " exc_dropped %" PRIu64 " nd_replied %" PRIu64 " nd_learned %" PRIu64
	       " nd_solicits_sent %" PRIu64 " nd_ignored %" PRIu64 " icmp6_echo_replied %" PRIu64 "\n",
	       cs.arp_replied, cs.arp_learned, cs.arp_requests_sent, cs.arp_ignored,
	       cs.icmp_echo_replied, cs.resolve_requests, cs.resolve_held, cs.resolve_dropped,
	       cs.probe_unmatched, cs.tx_failed, cs.exc_to_kernel, cs.exc_from_kernel, cs.exc_dropped,
	       cs.nd_replied, cs.nd_learned, cs.nd_solicits_sent, cs.nd_ignored, cs.icmp6_echo_replied);
	printf("final neighbors: taken %" PRIu64 " unicast_probes %" PRIu64 " evicted %" PRIu64
	       " expired %" PRIu64 " full %" PRIu64 "\n", cs.neigh_taken, cs.neigh_unicast_probes,
	       cs.neigh_evicted, cs.neigh_expired, cs.neigh_full);
	for (s = 0; s < nc_dp_n_services(a->dp); s++) {
		const struct nc_cfg_service *svc = &nc_dp_config(a->dp)->services[s];
		const struct nc_svc_stats *ss = &st.svc[s];

		printf("final service %s: flows_opened %" PRIu64 " flows_closed %" PRIu64
		       " pkts_c2s %" PRIu64 " pkts_s2c %" PRIu64 " bytes_c2s %" PRIu64 " bytes_s2c %" PRIu64,
		       svc->name, ss->flows_opened, ss->flows_closed, ss->pkts_c2s, ss->pkts_s2c,
		       ss->bytes_c2s, ss->bytes_s2c);
		for (i = 0; i < svc->n_servers; i++)
			if (svc->servers[i].name[0] != '\0')
				printf(" %s %" PRIu64, svc->servers[i].name, ss->server_flows[i]);
		printf("\n");
	}
	for (s = 0; s < nc_dp_n_services(a->dp); s++) {
		const struct nc_cfg_service *fsc = &nc_dp_config(a->dp)->services[s];
		struct nc_failsafe_view fs;

		if (!fsc->failsafe.enabled && fsc->persistence_s == 0)
			continue;
		nc_dp_failsafe_view(a->dp, s, &fs);
		printf("final failsafe %s: held %" PRIu64 " released %" PRIu64 " replays %" PRIu64
		       " resets %" PRIu64 " store_full %" PRIu64 " affinity_hits %" PRIu64
		       " fin_kept %" PRIu64 " waited %" PRIu64 " reconnects %" PRIu64
		       " early %" PRIu64 " opaque %" PRIu64 " unframed %" PRIu64
		       " abandoned %" PRIu64 " syn_resent %" PRIu64 " stale_tuple %" PRIu64
		       " move_waited %" PRIu64 "\n",
		       fsc->name, fs.held, fs.released, fs.replays, fs.resets,
		       fs.store_full, fs.affinity_hits, fs.fin_kept, fs.waited, fs.reconnects,
		       fs.early, fs.opaque, fs.unframed, fs.abandoned, fs.syn_resent,
		       fs.stale_tuple, fs.move_waited);
	}
	for (s = 0; s < nc_dp_n_services(a->dp); s++) {
		const struct nc_cfg_service *cas = &nc_dp_config(a->dp)->services[s];

		if (cas->client_address == NC_CA_NONE)
			continue;
		printf("final client_address %s: %s", cas->name, nc_client_addr_name(cas->client_address));
		for (i = 0; i < NC_CA_EV_MAX; i++)
			printf(" %s %" PRIu64, nc_ca_event_name[i], st.svc[s].ca[i]);
		printf("\n");
	}
	for (s = 0; s < nc_dp_n_services(a->dp); s++) {
		const struct nc_cfg_service *sps = &nc_dp_config(a->dp)->services[s];

		if (sps->syn_proxy == NC_SYNP_OFF)
			continue;
		printf("final syn_proxy %s: %s", sps->name, nc_syn_proxy_name(sps->syn_proxy));
		for (i = 0; i < NC_SP_EV_MAX; i++)
			printf(" %s %" PRIu64, nc_sp_event_name[i], st.svc[s].sp[i]);
		printf("\n");
	}
	nc_dp_mon_refresh(a->dp);
	for (s = 0; s < nc_dp_n_services(a->dp); s++) {
		static struct nc_server_view v[NC_MAX_SERVERS];
		struct nc_service_view sv;
		int n = nc_dp_service_view(a->dp, s, &sv, v, NC_MAX_SERVERS);

		for (i = 0; n > 0 && i < n; i++)
			if (v[i].admin != NC_ADMIN_FREE)
				printf("final server %s/%s: %s weight %u flows %" PRIu64 " requests %" PRIu64
			       " responses %" PRIu64 " bytes %" PRIu64 " probes_good %" PRIu64
			       " probes_bad %" PRIu64 " down_count %u\n", sv.name, v[i].name,
			       v[i].up ? "up" : "down", v[i].weight, v[i].flows, v[i].requests,
			       v[i].responses, v[i].bytes, v[i].probes_good, v[i].probes_bad,
			       v[i].down_count);
	}
	fflush(stdout);
}
