/* SPDX-License-Identifier: BSD-3-Clause
 * Netchestra test tools: shared helpers (see nc_tools.h).
 */
#include "nc_tools.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static unsigned
hist_index(uint64_t v)
{
	unsigned m, s;

	if (v < 2 * NC_HIST_SUB)
		return (unsigned)v;
	m = 63u - (unsigned)__builtin_clzll(v);
	s = m - NC_HIST_SUB_BITS;
	return NC_HIST_SUB * (s + 1) + (unsigned)(v >> s) - NC_HIST_SUB;
}

/* Middle of bucket <idx>: inverse of hist_index(). */
static double
hist_value(unsigned idx)
{
	unsigned s;
	uint64_t low;

	if (idx < 2 * NC_HIST_SUB)
		return idx;
	s = idx / NC_HIST_SUB - 1;
	low = (uint64_t)(idx % NC_HIST_SUB + NC_HIST_SUB) << s;
	return (double)low + (double)((1ULL << s) - 1) / 2.0;
}

void
nc_hist_add(struct nc_hist *h, uint64_t us)
{
	if (us > NC_HIST_MAX_US)
		us = NC_HIST_MAX_US;
	h->bucket[hist_index(us)]++;
	h->count++;
	h->sum_us += us;
	if (us > h->max_us)
		h->max_us = us;
}

void
nc_hist_merge(struct nc_hist *dst, const struct nc_hist *src)
{
	if (src->count == 0)
		return;
	for (unsigned i = 0; i < NC_HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	dst->count += src->count;
	dst->sum_us += src->sum_us;
	if (src->max_us > dst->max_us)
		dst->max_us = src->max_us;
}

double
nc_hist_quantile(const struct nc_hist *h, double q)
{
	uint64_t rank, seen = 0;
	double v;

	if (h->count == 0)
		return 0;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank == 0)
		rank = 1;
	for (unsigned i = 0; i < NC_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			v = hist_value(i);
			return v > (double)h->max_us ? (double)h->max_us : v;
		}
	}
	return (double)h->max_us;
}

double
nc_hist_mean(const struct nc_hist *h)
{
	return h->count ? (double)h->sum_us / (double)h->count : 0;
}

int
nc_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int
nc_parse_double(const char *s, double min_excl, double max, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0' || *s == ' ' || *s == '\t')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(v))
		return errno == ERANGE ? -ERANGE : -EINVAL;
	if (!(v > min_excl) || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int
nc_parse_ipv4(const char *s, struct in_addr *out)
{
	if (s == NULL || inet_pton(AF_INET, s, out) != 1)
		return -EINVAL;
	return 0;
}

int
nc_parse_ipv4_port(const char *s, struct sockaddr_in *out)
{
	char host[INET_ADDRSTRLEN];
	const char *colon;
	uint64_t port;
	size_t hlen;

	if (s == NULL)
		return -EINVAL;
	colon = strrchr(s, ':');
	if (colon == NULL)
		return -EINVAL;
	hlen = (size_t)(colon - s);
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	if (nc_parse_ipv4(host, &out->sin_addr) < 0)
		return -EINVAL;
	if (nc_parse_u64(colon + 1, 1, 65535, &port) < 0)
		return -EINVAL;
	out->sin_port = htons((uint16_t)port);
	return 0;
}

int
nc_parse_ip(const char *s, struct sockaddr_storage *out)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)out;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;

	if (s == NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

int
nc_parse_ip_port(const char *s, struct sockaddr_storage *out)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon, *h;
	uint64_t port;
	size_t hlen;

	if (s == NULL)
		return -EINVAL;
	if (s[0] != '[') {
		struct sockaddr_in sin;

		if (nc_parse_ipv4_port(s, &sin) < 0)
			return -EINVAL;
		memset(out, 0, sizeof(*out));
		memcpy(out, &sin, sizeof(sin));
		return 0;
	}
	/* "[IPv6]:PORT" */
	colon = strstr(s, "]:");
	if (colon == NULL)
		return -EINVAL;
	h = s + 1;
	hlen = (size_t)(colon - h);
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)out)->sin6_addr) != 1)
		return -EINVAL;
	if (nc_parse_u64(colon + 2, 1, 65535, &port) < 0)
		return -EINVAL;
	((struct sockaddr_in6 *)out)->sin6_family = AF_INET6;
	((struct sockaddr_in6 *)out)->sin6_port = htons((uint16_t)port);
	return 0;
}

socklen_t
nc_sockaddr_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

const char *
nc_ip_str(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
	const void *a = &((const struct sockaddr_in *)sa)->sin_addr;
	int af = AF_INET;

	if (sa->sa_family == AF_INET6) {
		a = &sin6->sin6_addr;
		af = AF_INET6;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			a = &sin6->sin6_addr.s6_addr[12];
			af = AF_INET;
		}
	}
	if (inet_ntop(af, a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

const char *
nc_sockaddr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	unsigned port = ntohs(((const struct sockaddr_in *)sa)->sin_port);

	if (sa->sa_family == AF_INET6)
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	nc_ip_str(sa, ip, sizeof(ip));
	if (strchr(ip, ':') != NULL)
		snprintf(buf, len, "[%s]:%u", ip, port);
	else
		snprintf(buf, len, "%s:%u", ip, port);
	return buf;
}

uint64_t
nc_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void
nc_sleep_us(uint64_t us)
{
	struct timespec ts = {
		.tv_sec = (time_t)(us / 1000000u),
		.tv_nsec = (long)(us % 1000000u) * 1000,
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void
nc_usage_fail(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see --help)\n");
	exit(2);
}
