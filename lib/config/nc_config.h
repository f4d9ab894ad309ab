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

/* Print every line of <errs> to <out>, one per line. */
void nc_errors_print(const struct nc_errors *errs, FILE *out);

#endif /* NC_CONFIG_H */
