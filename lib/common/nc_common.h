/* SPDX-License-Identifier: BSD-3-Clause
 * Netchestra: definitions every component shares (logging, errors, helpers).
 */
#ifndef NC_COMMON_H
#define NC_COMMON_H

#include <stdint.h>
#include <string.h>
#include <rte_log.h>
#include <rte_branch_prediction.h>

/* One log type per component, registered in lib/common/common.c with
 * NC_LOG_REGISTER(FLOW, flow) as "netchestra.flow".
 * NC_LOG(ERR, FLOW, "x %d", 1) logs as "FLOW: x 1". */
#define NC_LOG_REGISTER(comp, name) \
	RTE_LOG_REGISTER(nc_logtype_##comp, netchestra.name, INFO)
#define NC_LOG(level, comp, fmt, ...) \
	rte_log(RTE_LOG_##level, nc_logtype_##comp, #comp ": " fmt "\n", ##__VA_ARGS__)

extern int nc_logtype_APP;
extern int nc_logtype_CTL;
extern int nc_logtype_FLOW;
extern int nc_logtype_NEIGH;
extern int nc_logtype_SCHED;
extern int nc_logtype_DP;
extern int nc_logtype_MON;

/* Project error codes, beyond errno values (negative returns, as errno). */
#define NC_EBASE 2000
enum nc_errcode {
	NC_ECONFIG = NC_EBASE, /* startup file invalid */
	NC_EPORT,              /* port set-up failed */
	NC_ENOPORTS,           /* no free local port left for a new flow */
	NC_EMAX
};

/* Text for a negative return code: the project's own or strerror(). */
const char *nc_strerror(int err);

/* Format an IPv4 address given in network byte order into buf (>= 16 bytes). */
const char *nc_ip4_str(uint32_t be_addr, char *buf, size_t len);

#define NC_IP4_STRLEN 16

/* Longest text of an address of either family, with its NUL (INET6_ADDRSTRLEN). */
#define NC_ADDR_STRLEN 46

/*
 * Format an address of either family into <buf> (NC_ADDR_STRLEN bytes hold
 * any): <family> AF_INET6 formats the 16 bytes at <ip6> (network order),
 * anything else (AF_INET, or 0 as in a hand-made config) <ip4_host> (host
 * order). Returns <buf> ("?" if it does not fit). Any thread.
 */
const char *nc_addr_str(int family, uint32_t ip4_host, const uint8_t *ip6, char *buf, size_t len);

/* Free hugepages on this machine in MB, from /proc/meminfo (0 if none). Any thread. */
unsigned long nc_huge_free_mb(void);

/* 1 if a hugetlbfs is mounted (EAL needs one to use hugepages), else 0. Any thread. */
int nc_hugetlbfs_mounted(void);

/* Whether IPv6 addresses <a> and <b> (any alignment) are equal: two 64-bit
 * compares, where a call to memcmp() would cost more than the compare. */
static inline int
nc_ip6_eq(const void *a, const void *b)
{
	uint64_t x[2], y[2];

	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

#endif /* NC_COMMON_H */
