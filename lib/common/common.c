/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "nc_common.h"

NC_LOG_REGISTER(APP, app);
NC_LOG_REGISTER(CTL, ctl);
NC_LOG_REGISTER(FLOW, flow);
NC_LOG_REGISTER(NEIGH, neigh);
NC_LOG_REGISTER(SCHED, sched);
NC_LOG_REGISTER(DP, dp);
NC_LOG_REGISTER(MON, monitor);

static const char *const nc_errtext[NC_EMAX - NC_EBASE] = {
	[NC_ECONFIG - NC_EBASE] = "invalid startup file",
	[NC_EPORT - NC_EBASE] = "port set-up failed",
	[NC_ENOPORTS - NC_EBASE] = "no free local port",
};

const char *
nc_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= NC_EBASE && err < NC_EMAX)
		return nc_errtext[err - NC_EBASE];
	return strerror(err);
}

const char *
nc_ip4_str(uint32_t be_addr, char *buf, size_t len)
{
	struct in_addr a = { .s_addr = be_addr };

	if (inet_ntop(AF_INET, &a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

const char *
nc_addr_str(int family, uint32_t ip4_host, const uint8_t *ip6, char *buf, size_t len)
{
	struct in_addr a = { .s_addr = htonl(ip4_host) };
	const char *r;

	if (len == 0)
		return buf;
	if (family == AF_INET6)
		r = ip6 != NULL ? inet_ntop(AF_INET6, ip6, buf, (socklen_t)len) : NULL;
	else
		r = inet_ntop(AF_INET, &a, buf, (socklen_t)len);
	if (r == NULL)
		snprintf(buf, len, "?");
	return buf;
}

unsigned long
nc_huge_free_mb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	unsigned long free_pages = 0, size_kb = 0, v;
	char line[128];

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "HugePages_Free: %lu", &v) == 1)
			free_pages = v;
		else if (sscanf(line, "Hugepagesize: %lu kB", &v) == 1)
			size_kb = v;
	}
	fclose(f);
	return free_pages * size_kb / 1024;
}

int
nc_hugetlbfs_mounted(void)
{
	FILE *f = fopen("/proc/mounts", "r");
	char line[512];
	int found = 0;

	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, " hugetlbfs ") != NULL;
	fclose(f);
	return found;
}
