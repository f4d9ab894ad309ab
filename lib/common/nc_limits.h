/* SPDX-License-Identifier: BSD-3-Clause
 * Bounds every component sizes its tables by, defined once. No dependency:
 * the startup file's parser, the schedules, the data plane and the tools
 * that read its counters all include it.
 */
#ifndef NC_LIMITS_H
#define NC_LIMITS_H

#define NC_MAX_PORTS    8    /* ports */
#define NC_MAX_SERVICES 32   /* services */
#define NC_MAX_SERVERS  64   /* servers per service (a flow names its server in a byte) */

#endif /* NC_LIMITS_H */
