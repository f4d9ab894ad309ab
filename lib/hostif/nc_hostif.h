/* SPDX-License-Identifier: BSD-3-Clause
 * Kernel interfaces beside the appliance (the exception path's TAP
 * interfaces): their addresses and link state, through rtnetlink. EAL-free.
 * Control lcore only; each call is a few syscalls, never on the packet path.
 */
#ifndef NC_HOSTIF_H
#define NC_HOSTIF_H

#include <stdbool.h>
#include <stdint.h>

/* Add (<add> true) or remove IPv4 address <ip>/<len> (host order) on the
 * interface <ifname> of the caller's network namespace. Adding an address
 * that is there, or removing one that is not, succeeds. 0 or -errno. */
int nc_hostif_addr(const char *ifname, uint32_t ip, uint8_t len, bool add);

/* Add or remove IPv6 address <ip>/<len> (network order) on <ifname>, as
 * nc_hostif_addr; added without duplicate address detection (usable at once).
 * IPv6 must be on there (nc_hostif_ipv6_quiet). 0 or -errno. */
int nc_hostif_addr6(const char *ifname, const uint8_t ip[16], uint8_t len, bool add);

/* Set interface <ifname> up. 0 or -errno. */
int nc_hostif_up(const char *ifname);

/* Turn IPv6 off on <ifname> (no link-local address, no router solicitation
 * or DAD leaving through it). 0 or -errno. */
int nc_hostif_ipv6_off(const char *ifname);

/* IPv6 on <ifname> for the addresses put there, but quiet: no link-local
 * address, no router solicitation, no DAD. 0 or -errno. */
int nc_hostif_ipv6_quiet(const char *ifname);

#endif /* NC_HOSTIF_H */
