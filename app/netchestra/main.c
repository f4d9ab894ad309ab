/* SPDX-License-Identifier: BSD-3-Clause
 * netchestra: the dispatcher appliance.
 *   netchestra --config FILE [--duration SECONDS] [--weights-log FILE]
 *   (SIGHUP: re-read FILE and apply it; an invalid FILE changes nothing)
 *   netchestra --config FILE --check
 *   netchestra --version
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "app.h"

volatile int nc_app_quit;
volatile int nc_app_quit_now;
volatile int nc_app_reload;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		nc_app_reload = 1;
	else if (nc_app_quit)
		nc_app_quit_now = 1;   /* a second signal: no drain */
	else
		nc_app_quit = 1;
}

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: netchestra -c FILE [--duration SECONDS] [--weights-log FILE]\n"
		"       netchestra -c FILE --check\n"
		"       netchestra --version\n"
		"  -c, --config FILE    JSON startup file (see config/README.md)\n"
		"      --check          validate FILE, print every problem, exit 0 if valid, 2 if not\n"
		"      --duration SECS  stop cleanly after SECS seconds\n"
		"      --weights-log FILE  append a CSV row per server after every monitor interval:\n"
		"                       time,service,server,weight,rt_us,state\n"
		"      --version        print the version\n");
}

#define EAL_ARGV_MAX (16 + 3 * NC_MAX_EAL_STRS)
#define DURATION_MAX_S (365u * 86400)   /* --duration */

/* EAL command line from the "eal" section. Strings point into cfg or static storage. */
static int
eal_argv(const struct nc_config *cfg, char **argv)
{
	static char mem[32];
	int n = 0;
	uint16_t i;
	int huge;

	argv[n++] = (char *)"netchestra";
	argv[n++] = (char *)"--lcores";
	argv[n++] = (char *)cfg->eal.lcores;
	argv[n++] = (char *)"--file-prefix";
	argv[n++] = (char *)cfg->eal.file_prefix;
	snprintf(mem, sizeof(mem), "%u", cfg->eal.memory_mb);
	huge = cfg->eal.huge == NC_HUGE_ON ||
	       (cfg->eal.huge == NC_HUGE_AUTO && nc_hugetlbfs_mounted() &&
		nc_huge_free_mb() >= cfg->eal.memory_mb);
	argv[n++] = (char *)"-m";
	argv[n++] = mem;
	/* hugepage files are unlinked once mapped, so nothing is left behind */
	argv[n++] = huge ? (char *)"--huge-unlink" : (char *)"--no-huge";
	for (i = 0; i < cfg->eal.n_vdevs; i++) {
		argv[n++] = (char *)"--vdev";
		argv[n++] = (char *)cfg->eal.vdevs[i];
	}
	for (i = 0; i < cfg->eal.n_allow; i++) {
		argv[n++] = (char *)"-a";
		argv[n++] = (char *)cfg->eal.allow[i];
	}
	/* virtual devices only: do not probe (and grab) every PCI NIC */
	if (cfg->eal.n_allow == 0 && cfg->eal.n_vdevs != 0)
		argv[n++] = (char *)"--no-pci";
	for (i = 0; i < cfg->eal.n_args; i++)
		argv[n++] = (char *)cfg->eal.args[i];
	argv[n] = NULL;
	printf("eal:");
	for (i = 1; i < n; i++)
		printf(" %s", argv[i]);
	printf("\n");
	return n;
}

/* Start-up modules, initialised in order and torn down in reverse. */
static int mod_eal_init(struct nc_app *a);
static void mod_eal_fini(struct nc_app *a);
static int mod_ports_init(struct nc_app *a) { return nc_ports_init(a); }
static void mod_ports_fini(struct nc_app *a) { nc_ports_fini(a); }
static int mod_dp_init(struct nc_app *a);
static void mod_dp_fini(struct nc_app *a);
static int mod_monitor_init(struct nc_app *a);
static void mod_monitor_fini(struct nc_app *a);
static int mod_workers_init(struct nc_app *a);
static void mod_workers_fini(struct nc_app *a);
static int mod_exc_init(struct nc_app *a) { return nc_exception_init(a); }
static void mod_exc_fini(struct nc_app *a) { nc_exception_fini(a); }
static int mod_cluster_init(struct nc_app *a) { return nc_cluster_app_init(a); }
static void mod_cluster_fini(struct nc_app *a) { nc_cluster_app_fini(a); }
static int mod_mgmt_init(struct nc_app *a) { return nc_mgmt_init(a); }
static void mod_mgmt_fini(struct nc_app *a) { nc_mgmt_fini(a); }

static const struct module {
	const char *name;
	int (*init)(struct nc_app *a);
	void (*fini)(struct nc_app *a);
} modules[] = {
	{ "eal", mod_eal_init, mod_eal_fini },
	{ "ports", mod_ports_init, mod_ports_fini },
	{ "dataplane", mod_dp_init, mod_dp_fini },
	{ "exception", mod_exc_init, mod_exc_fini },
	{ "monitor", mod_monitor_init, mod_monitor_fini },
	{ "cluster", mod_cluster_init, mod_cluster_fini },
	{ "management", mod_mgmt_init, mod_mgmt_fini },
	{ "workers", mod_workers_init, mod_workers_fini },
};

static int
mod_eal_init(struct nc_app *a)
{
	char *argv[EAL_ARGV_MAX];
	int argc = eal_argv(a->cfg, argv);

	if (rte_eal_init(argc, argv) < 0)
		return -rte_errno;
	a->socket = (int)rte_socket_id();
	return 0;
}

static void
mod_eal_fini(struct nc_app *a)
{
	RTE_SET_USED(a);
	rte_eal_cleanup();
}

static int
mod_dp_init(struct nc_app *a)
{
	a->dp = nc_dp_create(a->cfg, a->port, a->ctl_pool, a->socket);
	return a->dp == NULL ? -rte_errno : 0;
}

static void
mod_dp_fini(struct nc_app *a)
{
	nc_dp_free(a->dp);
	a->dp = NULL;
}

/* Telemetry commands and the weights log: readers of the monitor's views. */
static int
mod_monitor_init(struct nc_app *a)
{
	int r = nc_weights_log_open(a);

	if (r != 0)
		return r;
	r = nc_telemetry_init(a);
	if (r != 0)
		NC_LOG(ERR, APP, "telemetry commands could not be registered");
	return r;
}

static void
mod_monitor_fini(struct nc_app *a)
{
	nc_telemetry_fini(a);
	nc_weights_log_close(a);
}

static int
mod_workers_init(struct nc_app *a)
{
	unsigned int i;

	for (i = 0; i < a->cfg->workers.n_lcores; i++) {
		unsigned int lc = a->cfg->workers.lcores[i];
		int r;

		if (!rte_lcore_is_enabled(lc) || lc == rte_get_main_lcore()) {
			NC_LOG(ERR, APP, "workers.lcores[%u]: lcore %u is not a worker lcore of EAL", i, lc);
			return -EINVAL;
		}
		r = rte_eal_remote_launch(nc_worker_main, nc_dp_worker(a->dp, i), lc);
		if (r != 0)
			return r;
		a->workers_launched++;
	}
	return 0;
}

static void
mod_workers_fini(struct nc_app *a)
{
	if (a->dp != NULL)
		nc_dp_stop(a->dp);
	rte_eal_mp_wait_lcore();
	a->workers_launched = 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "duration", required_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },
		{ "weights-log", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct nc_errors errs;
	struct nc_app app = { 0 };
	int check = 0, o, m, r = 0;
	char *end;

	while ((o = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			app.config_path = optarg;
			break;
		case 'k':
			check = 1;
			break;
		case 'd':
			app.duration_s = strtod(optarg, &end);
			/* strtod also reads "nan" (never ends), "inf" and 1e300 (no
			 * tick count): a finite number of seconds up to a year */
			if (end == optarg || *end != '\0' || !isfinite(app.duration_s) ||
			    app.duration_s <= 0 || app.duration_s > DURATION_MAX_S) {
				fprintf(stderr, "netchestra: --duration: expected seconds above 0 and at most %u, "
					"got '%s'\n", DURATION_MAX_S, optarg);
				return 2;
			}
			break;
		case 'w':
			app.weights_log_path = optarg;
			break;
		case 'V':
			printf("netchestra %s\n", NC_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (app.config_path == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	app.cfg = calloc(1, sizeof(*app.cfg));
	if (app.cfg == NULL)
		return 1;
	if (nc_config_load(app.config_path, app.cfg, &errs) != 0) {
		nc_errors_print(&errs, stderr);
		fprintf(stderr, "%s: invalid, %u problem(s)\n", app.config_path, errs.n + errs.n_dropped);
		free(app.cfg);
		return 2;
	}
	if (check) {
		printf("%s: valid\n", app.config_path);
		free(app.cfg);
		return 0;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (m = 0; m < (int)RTE_DIM(modules); m++) {
		r = modules[m].init(&app);
		if (r != 0) {
			fprintf(stderr, "netchestra: start-up failed in module %s: %s\n", modules[m].name,
				nc_strerror(r));
			break;
		}
	}
	if (m == (int)RTE_DIM(modules)) {
		printf("netchestra %s running: %u worker(s), %u service(s)\n", NC_VERSION,
		       app.cfg->workers.n_lcores, app.cfg->n_services);
		nc_control_run(&app);
		printf("netchestra stopping\n");
		/* workers stop first, so the final counters are complete */
		modules[--m].fini(&app);
		nc_control_print_final(&app);
	}
	while (m-- > 0)
		modules[m].fini(&app);
	free(app.cfg);
	return r == 0 ? 0 : 1;
}
