/* SPDX-License-Identifier: BSD-3-Clause
 * Netchestra test tools: helpers shared by nc-backend and nc-client
 * (FNV-1a 64 request sums, latency histogram, strict argument parsing, clocks).
 * Plain libc; no EAL.
 */
#ifndef NC_TOOLS_H
#define NC_TOOLS_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* FNV-1a 64: offset basis and prime. */
#define NC_FNV64_INIT 0xcbf29ce484222325ULL
#define NC_FNV64_PRIME 0x100000001b3ULL

/* Continue an FNV-1a 64 hash <h> over <len> bytes at <buf>; start with
 * NC_FNV64_INIT. Returns the new hash. Any thread. */
static inline uint64_t
nc_fnv1a64(uint64_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= NC_FNV64_PRIME;
	}
	return h;
}

/* Log-scale latency histogram in microseconds.
 * Values below 2 * NC_HIST_SUB are counted exactly; above, each power of two
 * [2^m, 2^(m+1)) is split into NC_HIST_SUB equal buckets, so a bucket is at
 * most 1/NC_HIST_SUB (0.8 %) wide relative to its values: 2-3 significant
 * digits. Values above NC_HIST_MAX_US (60 s) are counted as NC_HIST_MAX_US.
 * Bucket of v >= 2*SUB, with m = floor(log2 v) and s = m - SUB_BITS:
 *   index = SUB * (s + 1) + (v >> s) - SUB
 * since (v >> s) lies in [SUB, 2*SUB). */
#define NC_HIST_SUB_BITS 7
#define NC_HIST_SUB (1u << NC_HIST_SUB_BITS)
#define NC_HIST_MAX_US 60000000ULL
/* floor(log2(60e6)) = 25, so s <= 18 and index < SUB * 20. */
#define NC_HIST_BUCKETS (NC_HIST_SUB * 20)

struct nc_hist {
	uint64_t count;
	uint64_t sum_us;
	uint64_t max_us;
	uint64_t bucket[NC_HIST_BUCKETS];
};

/* Record one value <us> into <h>. Not thread safe: one writer per histogram. */
void nc_hist_add(struct nc_hist *h, uint64_t us);

/* Add every count of <src> into <dst>. Not thread safe. */
void nc_hist_merge(struct nc_hist *dst, const struct nc_hist *src);

/* Value (microseconds) at quantile <q> in [0, 1] of <h>: the middle of the
 * bucket holding the ceil(q * count)-th value, never above the largest value
 * seen. 0 for an empty histogram. */
double nc_hist_quantile(const struct nc_hist *h, double q);

/* Mean of <h> in microseconds, 0 when empty. */
double nc_hist_mean(const struct nc_hist *h);

/* Parse <s> as a plain decimal (digits only, no sign or blanks) within
 * [<min>, <max>] into <out>. Returns 0, -EINVAL (not a number) or -ERANGE. */
int nc_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Parse <s> as a finite decimal number within (<min_excl>, <max>] into <out>.
 * Returns 0, -EINVAL or -ERANGE. */
int nc_parse_double(const char *s, double min_excl, double max, double *out);

/* Parse an IPv4 dotted quad <s> (no host names: nothing is resolved) into
 * <out> (network byte order). Returns 0 or -EINVAL. */
int nc_parse_ipv4(const char *s, struct in_addr *out);

/* Parse "IPv4:PORT" (port 1-65535) into <out>. Returns 0 or -EINVAL. */
int nc_parse_ipv4_port(const char *s, struct sockaddr_in *out);

/* Room for "[IPv6]:PORT" and its NUL. */
#define NC_ADDR_STRLEN (INET6_ADDRSTRLEN + 8)

/* Parse an address with no port, an IPv4 dotted quad or a bare IPv6 literal
 * (no brackets, no scope, no host names), into <out> as a sockaddr_in or
 * sockaddr_in6 with port 0. Returns 0 or -EINVAL. */
int nc_parse_ip(const char *s, struct sockaddr_storage *out);

/* Parse "IPv4:PORT" or "[IPv6]:PORT" (port 1-65535) into <out>.
 * Returns 0 or -EINVAL. */
int nc_parse_ip_port(const char *s, struct sockaddr_storage *out);

/* Length of the sockaddr_in or sockaddr_in6 in <ss>, by its family. */
socklen_t nc_sockaddr_len(const struct sockaddr_storage *ss);

/* Format the address of <sa> (IPv4 or IPv6) into <buf> of <len> bytes
 * (>= NC_ADDR_STRLEN): "a.b.c.d" or an IPv6 literal; an IPv4-mapped IPv6
 * address (a dual-stack socket's IPv4 peer) as its IPv4 address. */
const char *nc_ip_str(const struct sockaddr *sa, char *buf, size_t len);

/* Format <sa> as "a.b.c.d:port" or "[IPv6]:port" (an IPv4-mapped IPv6
 * address as IPv4) into <buf> of <len> bytes (>= NC_ADDR_STRLEN). */
const char *nc_sockaddr_str(const struct sockaddr *sa, char *buf, size_t len);

/* CLOCK_MONOTONIC in microseconds. Any thread. */
uint64_t nc_now_us(void);

/* Sleep <us> microseconds (resumes after signals). Any thread. */
void nc_sleep_us(uint64_t us);

/* Print "<prog>: <message> (see --help)" on stderr and exit with status 2:
 * the one-line answer to a bad command line. */
void nc_usage_fail(const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

#endif /* NC_TOOLS_H */
