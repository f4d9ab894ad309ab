/* SPDX-License-Identifier: BSD-3-Clause
 * The management API's answers (/api/v1/..., /metrics), built on the control
 * lcore from the data plane's state. Private to app/netchestra.
 */
#ifndef NC_API_H
#define NC_API_H

#include <stdbool.h>
#include <stddef.h>

#include "nc_dp.h"

struct nc_app;

/* Longest URL path answered; a longer one gets 414, never a cut copy. */
#define NC_API_PATH_MAX 511

/* One HTTP request as the management server passes it on, and its answer. */
struct nc_api_req {
	char method[8];
	char path[NC_API_PATH_MAX + 1];   /* URL path, already unescaped */
	char since[24];           /* ?since= for /api/v1/events as given (any u64 fits) */
	unsigned int since_count; /* times the query named since (with or without a value) */
	bool since_cut;           /* its value did not fit since[] (or held a NUL byte) */
	char *body;               /* request body (NUL-terminated) or NULL */
	size_t body_len;
	/* answer */
	unsigned int status;
	const char *ctype;
	char *out;                /* malloc'd */
	size_t out_len;
};

/* Set up the API's state (history, events) and hook the monitor. Control lcore. */
int nc_api_init(struct nc_app *a);
void nc_api_fini(struct nc_app *a);

/* Monitor hooks: record a history sample (after each interval of a service)
 * and an event. Control lcore. */
void nc_api_on_interval(unsigned int svc, const struct nc_service_view *sv,
			const struct nc_server_view *v, unsigned int n);
void nc_api_on_event(void *arg, enum nc_event_kind kind, const char *service, const char *server,
		     const char *text);

/* Answer <r>. Control lcore only. */
void nc_api_handle(struct nc_app *a, struct nc_api_req *r);

/* {"error": <msg>, "field": <field>} (field left out when NULL) into a malloc'd buffer. */
void nc_api_error_body(const char *msg, const char *field, char **out, size_t *len);

#endif /* NC_API_H */
