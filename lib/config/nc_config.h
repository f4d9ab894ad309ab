/* SPDX-License-Identifier: BSD-3-Clause
 * Netchestra startup file: load, validate, free. No EAL needed; any thread.
 */
#ifndef NC_CONFIG_H
#define NC_CONFIG_H

#include <stdio.h>
#include "nc_config_types.h"

/* Parse and fully validate the JSON text <json> into <cfg> (zeroed first, defaults
 * applied). Every problem found is appended to <errs> (reset first) as one line
 * "path: reason". Returns 0 if valid, -EINVAL if any problem was found. */
int nc_config_parse_string(const char *json, struct nc_config *cfg, struct nc_errors *errs);

/* As nc_config_parse_string() for the file at <path>; an unreadable file or JSON
 * syntax error is reported as one line naming the file, line and column. */
int nc_config_load(const char *path, struct nc_config *cfg, struct nc_errors *errs);

/*
 * The management interface's TLS certificate (chain) and private key named by
 * <m> (loaded from the startup file <config_path>; a relative path is next to
 * it), read and checked as the loader checks them. On success *<cert> and
 * *<key> hold their PEM text, NUL-terminated, for the HTTPS server; release
 * both with nc_config_tls_free(), which wipes the key. Problems are appended
 * to <errs> (reset first) as "management.tls_key: reason". Returns 0,
 * -EINVAL (a problem; nothing returned) or -ENODATA (<m> has no TLS pair).
 * Any thread (the control lcore, at start-up).
 */
int nc_config_tls_load(const struct nc_cfg_management *m, const char *config_path, char **cert,
		       char **key, struct nc_errors *errs);

/* Free what nc_config_tls_load() returned (NULL is fine); the key is wiped first. */
void nc_config_tls_free(char *cert, char *key);

/*
 * Management API: parse the body of a server to add to service <svc> of the
 * running <cfg>: {"name", "address", "port", "weight" (optional, 0 when
 * absent)}. Checks the name and address:port are new in the service and the
 * address is not the appliance's own and is reached by a port subnet or a
 * route. Error paths are the field names. Returns 0 or -EINVAL.
 */
int nc_config_parse_server(const char *body, size_t len, const struct nc_config *cfg,
			   unsigned int svc, struct nc_cfg_server *out, struct nc_errors *errs);

/* What a PATCH of a service changes: each part only when given. */
struct nc_service_patch {
	bool has_adaptive;
	struct nc_cfg_adaptive adaptive;      /* <cur>'s, with the body's keys */
	bool has_client_address;
	enum nc_client_addr client_address;
};

/*
 * Management API: read the body {"adaptive": {any subset of its keys},
 * "client_address": "..."} (one of them at least) against <cur> into <out>,
 * with the startup file's ranges and rules: <n_servers> servers must each fit
 * min_weight; a udp service takes "proxy-v2" or "none", and one whose probes
 * carry a header (health.proxy) a PROXY mode. Returns 0 or -EINVAL.
 */
int nc_config_patch_service(const char *body, size_t len, const struct nc_cfg_service *cur,
			    unsigned int n_servers, struct nc_service_patch *out,
			    struct nc_errors *errs);

/* The startup file's name of a failsafe.protocol / failsafe.replay value. Any thread. */
const char *nc_fs_protocol_name(enum nc_fs_protocol p);
const char *nc_fs_replay_name(enum nc_fs_replay r);
const char *nc_client_addr_name(enum nc_client_addr a);
/* "off", "on" or "auto"; "?" out of range. */
const char *nc_syn_proxy_name(enum nc_syn_proxy m);

/* Print every line of <errs> to <out>, one per line. */
void nc_errors_print(const struct nc_errors *errs, FILE *out);

#endif /* NC_CONFIG_H */
