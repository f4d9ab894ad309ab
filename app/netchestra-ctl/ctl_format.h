/* SPDX-License-Identifier: BSD-3-Clause
 * netchestra-ctl: the pure half of the management API client. Human tables
 * from the API's JSON (services, one service, events, change confirmations,
 * error lines) and the parsers of command arguments (ADDR:PORT, numbers,
 * adaptive key=value, the bearer token). No network, no global state: any
 * thread, and unit tests call them directly.
 */
#ifndef NC_CTL_FORMAT_H
#define NC_CTL_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define NC_CTL_ADDR_MAX 46   /* the longest IPv6 text (INET6_ADDRSTRLEN) and its NUL */

/*
 * Print GET /api/v1/services (<root>: {"services": [SERVICE, ...]}) to <out>:
 * per service a header line
 *   "web 10.200.0.1:80/tcp adaptive fast failsafe on (held 3, replays 5, resets 0)"
 * and an aligned table SERVER ADDRESS STATE WEIGHT RT_AVG RT_P99 FLOWS REQ/S
 * HELD REPLAYS, a blank line between services. A missing or mistyped field
 * prints "-". Returns 0, -EINVAL when <root> holds no "services" array
 * (nothing printed), -ENOMEM.
 */
int nc_ctl_print_services(FILE *out, const json_t *root);

/*
 * Print GET /api/v1/services/{name} (<svc>: one SERVICE) to <out>: the header
 * line, the service's settings and counters, and a wider server table (admin
 * state and probe health apart, totals, probes, times down). Returns 0,
 * -EINVAL when <svc> is not a JSON object, -ENOMEM.
 */
int nc_ctl_print_service(FILE *out, const json_t *svc);

/*
 * Print GET /api/v1/events (<root>: {"events": [...], "next": N}) to <out> as a
 * table ID TIME KIND SERVICE SERVER TEXT, the time in the local time zone with
 * milliseconds; "no events" when the list is empty. Returns 0, -EINVAL when
 * <root> holds no "events" array (nothing printed), -ENOMEM.
 */
int nc_ctl_print_events(FILE *out, const json_t *root);

/*
 * Print GET /api/v1/cluster (<root>) to <out>: without a cluster
 * "no cluster section (a single dispatcher)"; else the line
 *   "cluster id 0, ready, draining off, channel 10.2.0.5:7788 (heartbeat 100 ms, dead 500 ms)"
 * a table PEER ID STATE SAID HEARD RTT CONFIG (the peers' configuration digests:
 * "same", or the services that differ) WEIGHTS (what each published last,
 * "web 34/33/33"), the own services' line(s) "web: synced, interval N,
 * merged from 3, weights 34/33/33", and the channel's counters
 * "channel: tx N, rx ok N, malformed N, bad_auth N, replayed N, version N,
 * unknown_peer N". Returns 0, -EINVAL when <root> is not an object with
 * "enabled", -ENOMEM.
 */
int nc_ctl_print_cluster(FILE *out, const json_t *root);

/*
 * One-line confirmation of a server change from the SERVER the API answered
 * (<server>, may be NULL or odd): "web/n1: drain, weight 0"; with <added>
 * "web/n3: added 10.201.0.14:8080, up, weight 20"; ", probes down" appended
 * when the server is up but its probes fail. <svc> and <srv> are the names
 * given on the command line (the answer's "name" wins for the server).
 */
void nc_ctl_print_server_change(FILE *out, const char *svc, const char *srv,
				const json_t *server, bool added);

/*
 * One-line confirmation of an adaptive change from the SERVICE the API
 * answered: "web: adaptive on, mode fast, interval 1000 ms, step 1, min weight 1".
 */
void nc_ctl_print_adaptive_change(FILE *out, const char *svc, const json_t *service);

/*
 * Text of an API error answer into <buf> (always NUL-terminated):
 * "<status> <error> (field <field>)" from the body {"error": ..., "field": ...};
 * without a usable JSON body the status's reason phrase ("404 Not Found").
 * Control characters of the body become '?'.
 */
void nc_ctl_format_api_error(char *buf, size_t len, long status, const char *body,
			     size_t body_len);

/*
 * Parse an unsigned decimal <s> (digits only: no sign, no space, no 0x) into
 * <out>, which is left untouched on error. Returns 0, -EINVAL (not a number),
 * -ERANGE (outside <min>..<max>).
 */
int nc_ctl_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * Parse "ADDR:PORT" (dotted IPv4) or "[ADDR6]:PORT" (IPv6), port 1..65535,
 * into <addr> (canonical text, NC_CTL_ADDR_MAX bytes) and <port>. Returns 0,
 * -EINVAL (no ':', bad address, bad port), -ERANGE (port 0 or above 65535).
 */
int nc_ctl_parse_addr_port(const char *s, char addr[NC_CTL_ADDR_MAX], uint16_t *port);

/*
 * Parse a time in seconds, decimals allowed ("5", "0.5"), into milliseconds
 * (rounded up, at least 1). Returns 0, -EINVAL (not a number), -ERANGE (not
 * above 0 or above <max_s>).
 */
int nc_ctl_parse_seconds(const char *s, double max_s, long *ms);

/*
 * Add one adaptive "key=value" to the JSON object <adaptive> with its proper
 * JSON type: enabled=true|false (boolean), mode=paper|fast (string),
 * interval_ms=, step=, min_weight= (unsigned integers; the server checks the
 * ranges and names the field at fault). Returns 0, or -EINVAL with a message
 * in <err> (unknown key, no '=', bad value, key given twice), -ENOMEM.
 */
int nc_ctl_adaptive_add(json_t *adaptive, const char *kv, char *err, size_t err_len);

/*
 * Strip the surrounding whitespace of a bearer token in place and return its
 * start in <tok>. Returns 0, -ENODATA (nothing left), -EINVAL (a control or
 * non-ASCII character inside, which cannot go in an HTTP header).
 */
int nc_ctl_token_trim(char *s, char **tok);

#endif /* NC_CTL_FORMAT_H */
