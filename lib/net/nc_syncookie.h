/* SPDX-License-Identifier: BSD-3-Clause
 * SYN cookies (syn_proxy): the initial sequence number of the appliance's
 * SYN-ACK carries what it must know at the client's ACK, so that a SYN costs
 * no memory. Pure functions, no DPDK: any thread.
 *
 * As Linux's (net/ipv4/syncookies.c, secure_tcp_syn_cookie):
 *
 *   cookie = H(k0; tuple) + client ISN + (count << 24)
 *            + ((H(k1; tuple, count) + MSS index) mod 2^24)
 *
 * with H a SipHash-2-4 keyed with the dispatcher's secret, <count> a coarse
 * clock (NC_SYNCOOKIE_PERIOD_MS a step, 8 bits kept) and the MSS index into
 * nc_syncookie_mss[]. At the ACK (its acknowledgement - 1 is the cookie, its
 * sequence number - 1 the client's ISN) the first hash and the ISN come off:
 * the top 8 bits are the count; the second hash (at that count) comes off
 * the low 24 bits, leaving the MSS index, which must be a valid one; the
 * cookie is good while less than NC_SYNCOOKIE_AGE counts old. A forged cookie leaves a random 24-bit value:
 * 4 chances in 2^24 to pass.
 *
 * The client's window scale and SACK-permitted cannot fit too; as Linux's
 * cookie_init_timestamp, they ride in the low 6 bits of the SYN-ACK's
 * timestamp value, which the client echoes in every segment (its TSecr).
 * Without timestamps the connection has neither.
 *
 * The tuple H reads is the client's as it sent it: an IPv4 connection's
 * two addresses in one 64-bit word, an IPv6 connection's two 128-bit
 * addresses whole in four (never folded: a fold has other addresses that
 * give the same value, each a cookie of ours for another client), then the
 * ports and the count in the last word.
 */
#ifndef NC_SYNCOOKIE_H
#define NC_SYNCOOKIE_H

#include <stdint.h>
#include <string.h>

#define NC_SYNCOOKIE_PERIOD_SHIFT 16      /* count: the millisecond clock >> 16 (65.5 s) */
#define NC_SYNCOOKIE_AGE          2       /* counts a cookie is good for: 65-131 s */
#define NC_SYNCOOKIE_MSS_N        4
#define NC_SYNCOOKIE_TS_MASK      0x3fu   /* TSval bits carrying the options */
#define NC_SYNCOOKIE_TS_WS_NONE   0xfu    /* no window scale */
#define NC_SYNCOOKIE_TS_SACK      0x10u

/* The MSS values a cookie can carry (Linux's msstab): a client's MSS is
 * rounded down to one of them. */
static const uint16_t nc_syncookie_mss[NC_SYNCOOKIE_MSS_N] = { 536, 1300, 1440, 1460 };

#define NC_SIP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define NC_SIP_ROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = NC_SIP_ROTL(v1, 13); v1 ^= v0; v0 = NC_SIP_ROTL(v0, 32); \
	v2 += v3; v3 = NC_SIP_ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = NC_SIP_ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = NC_SIP_ROTL(v1, 17); v1 ^= v2; v2 = NC_SIP_ROTL(v2, 32); \
	} while (0)

/* SipHash-2-4 of the <n> 64-bit words <w> (8 * <n> bytes, <n> < 32) under
 * key <k>. */
static inline uint64_t
nc_siphash_u64s(const uint64_t k[2], const uint64_t *w, unsigned int n)
{
	uint64_t v0 = k[0] ^ 0x736f6d6570736575ULL, v1 = k[1] ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k[0] ^ 0x6c7967656e657261ULL, v3 = k[1] ^ 0x7465646279746573ULL;
	const uint64_t last = (uint64_t)(n * 8) << 56;
	unsigned int i;

	for (i = 0; i < n; i++) {
		v3 ^= w[i]; NC_SIP_ROUND(v0, v1, v2, v3); NC_SIP_ROUND(v0, v1, v2, v3); v0 ^= w[i];
	}
	v3 ^= last; NC_SIP_ROUND(v0, v1, v2, v3); NC_SIP_ROUND(v0, v1, v2, v3); v0 ^= last;
	v2 ^= 0xff;
	NC_SIP_ROUND(v0, v1, v2, v3); NC_SIP_ROUND(v0, v1, v2, v3);
	NC_SIP_ROUND(v0, v1, v2, v3); NC_SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* SipHash-2-4 of the two 64-bit words <a>, <b> (16 bytes) under key <k>. */
static inline uint64_t
nc_siphash_2u64(const uint64_t k[2], uint64_t a, uint64_t b)
{
	const uint64_t w[2] = { a, b };

	return nc_siphash_u64s(k, w, 2);
}

/* The secret: two SipHash keys (the first hash's, the second's). */
struct nc_syncookie_key {
	uint64_t k[2][2];
};

/*
 * A connection's 4-tuple as the client sent it, as the hashes read it: the
 * addresses in w[0] (IPv4: source << 32 | destination, network order as
 * they sit in the packet) or w[0..3] (IPv6: the source's 16 bytes, then the
 * destination's, as they sit in the packet), the ports (network order) in
 * the top 32 bits of the last word, whose low 32 take the count.
 */
struct nc_syncookie_tuple {
	uint64_t w[5];
	unsigned int n;           /* words hashed: 2 (IPv4) or 5 (IPv6) */
};

static inline void
nc_syncookie_tuple4(struct nc_syncookie_tuple *t, uint32_t saddr, uint32_t daddr,
		    uint16_t sport, uint16_t dport)
{
	t->w[0] = (uint64_t)saddr << 32 | daddr;
	t->w[1] = (uint64_t)sport << 48 | (uint64_t)dport << 32;
	t->n = 2;
}

static inline void
nc_syncookie_tuple6(struct nc_syncookie_tuple *t, const uint8_t saddr[16],
		    const uint8_t daddr[16], uint16_t sport, uint16_t dport)
{
	memcpy(&t->w[0], saddr, 16);
	memcpy(&t->w[2], daddr, 16);
	t->w[4] = (uint64_t)sport << 48 | (uint64_t)dport << 32;
	t->n = 5;
}

/* Hash <which> (0 or 1) of tuple <t> at time counter <count>. */
static inline uint32_t
nc_syncookie_thash(const struct nc_syncookie_key *key, unsigned int which,
		   const struct nc_syncookie_tuple *t, uint32_t count)
{
	uint64_t w[5];
	unsigned int i;

	for (i = 0; i + 1 < t->n; i++)
		w[i] = t->w[i];
	w[t->n - 1] = t->w[t->n - 1] | count;
	return (uint32_t)nc_siphash_u64s(key->k[which], w, t->n);
}

/* The time counter of the millisecond clock <now_ms>. */
static inline uint32_t
nc_syncookie_count(uint32_t now_ms)
{
	return now_ms >> NC_SYNCOOKIE_PERIOD_SHIFT;
}

/* The index of the largest table MSS not above the client's <mss> (0: none
 * given, which RFC 9293 reads as 536). */
static inline uint32_t
nc_syncookie_mss_index(uint16_t mss)
{
	uint32_t i;

	for (i = NC_SYNCOOKIE_MSS_N - 1; i > 0; i--)
		if (mss >= nc_syncookie_mss[i])
			return i;
	return 0;
}

/* The cookie of a SYN with sequence number <isn> (host order) on tuple <t>,
 * at time counter <count>, carrying MSS index <mssi>. */
static inline uint32_t
nc_syncookie_make_t(const struct nc_syncookie_key *key, const struct nc_syncookie_tuple *t,
		    uint32_t isn, uint32_t count, uint32_t mssi)
{
	return nc_syncookie_thash(key, 0, t, 0) + isn + (count << 24) +
	       ((nc_syncookie_thash(key, 1, t, count) + mssi) & 0xffffff);
}

/* As nc_syncookie_make_t(), on an IPv4 4-tuple. */
static inline uint32_t
nc_syncookie_make(const struct nc_syncookie_key *key, uint32_t saddr, uint32_t daddr,
		  uint16_t sport, uint16_t dport, uint32_t isn, uint32_t count, uint32_t mssi)
{
	struct nc_syncookie_tuple t;

	nc_syncookie_tuple4(&t, saddr, daddr, sport, dport);
	return nc_syncookie_make_t(key, &t, isn, count, mssi);
}

/* Cookie <cookie> (the client's acknowledgement - 1) of a client whose ISN
 * was <isn> (its sequence number - 1) on tuple <t>, at time counter <now>:
 * its MSS index (>= 0), -1 a cookie of ours too old, -2 no cookie of ours
 * (forged, or an MSS index no cookie carries). The second hash is checked
 * at the count the cookie says whatever its age, so that a forged one
 * (whose count is as random as the rest) is told from an expired one; a
 * cookie more than 256 counts old (4.6 hours) passes for forged. */
static inline int
nc_syncookie_check_t(const struct nc_syncookie_key *key, const struct nc_syncookie_tuple *t,
		     uint32_t isn, uint32_t cookie, uint32_t now)
{
	uint32_t c = cookie - nc_syncookie_thash(key, 0, t, 0) - isn;
	uint32_t age = (now - (c >> 24)) & 0xff;   /* the counter's 8 bits against the clock's */
	uint32_t mssi;

	mssi = (c - nc_syncookie_thash(key, 1, t, now - age)) & 0xffffff;
	if (mssi >= NC_SYNCOOKIE_MSS_N)
		return -2;
	return age < NC_SYNCOOKIE_AGE ? (int)mssi : -1;
}

/* As nc_syncookie_check_t(), on an IPv4 4-tuple. */
static inline int
nc_syncookie_check(const struct nc_syncookie_key *key, uint32_t saddr, uint32_t daddr,
		   uint16_t sport, uint16_t dport, uint32_t isn, uint32_t cookie, uint32_t now)
{
	struct nc_syncookie_tuple t;

	nc_syncookie_tuple4(&t, saddr, daddr, sport, dport);
	return nc_syncookie_check_t(key, &t, isn, cookie, now);
}

/*
 * The SYN-ACK's timestamp value (cookie_init_timestamp): the clock <ts_now>
 * with its low 6 bits holding the client's window scale <ws> (0..14, or
 * NC_SYNCOOKIE_TS_WS_NONE) and NC_SYNCOOKIE_TS_SACK; never ahead of the
 * clock.
 */
static inline uint32_t
nc_syncookie_ts(uint32_t ts_now, uint32_t ws, int sack)
{
	uint32_t opts = ws | (sack ? NC_SYNCOOKIE_TS_SACK : 0);
	uint32_t ts = (ts_now & ~NC_SYNCOOKIE_TS_MASK) | opts;

	if (ts > ts_now)
		ts -= NC_SYNCOOKIE_TS_MASK + 1;
	return ts;
}

/* The options the client's echo <tsecr> of that value carries: 0, or -1 for
 * a window scale no SYN can carry (above 14: no cookie of ours). */
static inline int
nc_syncookie_ts_decode(uint32_t tsecr, uint32_t *ws, int *sack)
{
	*ws = tsecr & NC_SYNCOOKIE_TS_WS_NONE;
	*sack = !!(tsecr & NC_SYNCOOKIE_TS_SACK);
	return *ws > 14 && *ws != NC_SYNCOOKIE_TS_WS_NONE ? -1 : 0;
}

#endif /* NC_SYNCOOKIE_H */
