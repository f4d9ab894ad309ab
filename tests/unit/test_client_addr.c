/* SPDX-License-Identifier: BSD-3-Clause
 * lib/net's client-address builders and arithmetic (client_addr.c, nc_net.h):
 * the exact bytes of PROXY v1 and v2 headers (TCP and UDP) and of the TOA
 * option, against the texts of haproxy's proxy-protocol.txt and DPVS's toa
 * module; the sequence shift of a PROXY header and its way back, across
 * the 2^32 wrap. No EAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "nc_net.h"

#define IP(a, b, c, d) RTE_BE32((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))
#define PORT(p) RTE_BE16((uint16_t)(p))

struct v1_case {
	const char *what;
	uint32_t sip, dip;
	uint16_t sport, dport;
	const char *want;
};

static const struct v1_case v1_cases[] = {
	{ "a client", IP(192, 168, 1, 10), IP(10, 0, 0, 100), 40000, 80,
	  "PROXY TCP4 192.168.1.10 10.0.0.100 40000 80\r\n" },
	{ "the longest line", IP(255, 255, 255, 255), IP(255, 255, 255, 255), 65535, 65535,
	  "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n" },
	{ "zeros", IP(0, 0, 0, 0), IP(1, 0, 0, 9), 0, 1, "PROXY TCP4 0.0.0.0 1.0.0.9 0 1\r\n" },
	{ "digits at every place", IP(100, 20, 3, 109), IP(9, 99, 199, 10), 1024, 8080,
	  "PROXY TCP4 100.20.3.109 9.99.199.10 1024 8080\r\n" },
};

static void
test_proxy_v1(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(v1_cases) / sizeof(v1_cases[0]); i++) {
		const struct v1_case *c = &v1_cases[i];
		uint8_t out[NC_PROXY_V1_MAX + 8];
		unsigned int n;

		memset(out, 0xee, sizeof(out));
		n = nc_proxy_v1_build(out, c->sip, c->dip, PORT(c->sport), PORT(c->dport));
		print_message("%s\n", c->what);
		assert_int_equal(n, strlen(c->want));
		assert_memory_equal(out, c->want, n);
		assert_true(n <= NC_PROXY_V1_MAX);
		assert_int_equal(out[n], 0xee);   /* nothing written past it */
	}
	/* the longest TCP4 line is within the bound */
	assert_true(strlen(v1_cases[1].want) <= NC_PROXY_V1_MAX);
}

struct v1_6_case {
	const char *what;
	const char *src, *dst;   /* parsed by inet_pton */
	uint16_t sport, dport;
	const char *want;
};

static const struct v1_6_case v1_6_cases[] = {
	{ "a client", "fd00:200::10", "fd00:100::1", 40000, 80,
	  "PROXY TCP6 fd00:200::10 fd00:100::1 40000 80\r\n" },
	{ "the longest line", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, 65535,
	  "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n" },
	{ "the unspecified and loopback", "::", "::1", 0, 1, "PROXY TCP6 :: ::1 0 1\r\n" },
	{ "leading zeros dropped, lower case", "2001:0DB8:000a:0:0:0:00b0:0001", "1::", 1024, 8080,
	  "PROXY TCP6 2001:db8:a::b0:1 1:: 1024 8080\r\n" },
	{ "a single zero group is not compressed", "2001:db8:0:1:1:1:1:1", "fe80::1:0:0:1", 1, 2,
	  "PROXY TCP6 2001:db8:0:1:1:1:1:1 fe80::1:0:0:1 1 2\r\n" },
	{ "the first of two equal runs", "2001:0:0:1:0:0:1:1", "1:0:0:0:1:0:0:0", 3, 4,
	  "PROXY TCP6 2001::1:0:0:1:1 1::1:0:0:0 3 4\r\n" },
	{ "IPv4-mapped", "::ffff:192.168.1.10", "64:ff9b::10.0.0.1", 5, 6,
	  "PROXY TCP6 ::ffff:192.168.1.10 64:ff9b::a00:1 5 6\r\n" },
};

/* The TCP6 line: the table's text, and inet_ntop()'s text of both addresses */
static void
test_proxy_v1_tcp6(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(v1_6_cases) / sizeof(v1_6_cases[0]); i++) {
		const struct v1_6_case *c = &v1_6_cases[i];
		uint8_t src[16], dst[16], out[NC_PROXY_V1_MAX + 8];
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], line[160];
		unsigned int n;

		print_message("%s\n", c->what);
		assert_int_equal(inet_pton(AF_INET6, c->src, src), 1);
		assert_int_equal(inet_pton(AF_INET6, c->dst, dst), 1);
		memset(out, 0xee, sizeof(out));
		n = nc_proxy_v1_build6(out, src, dst, PORT(c->sport), PORT(c->dport));
		assert_int_equal(n, strlen(c->want));
		assert_memory_equal(out, c->want, n);
		assert_true(n <= NC_PROXY_V1_MAX);
		assert_int_equal(out[n], 0xee);
		snprintf(line, sizeof(line), "PROXY TCP6 %s %s %u %u\r\n",
			 inet_ntop(AF_INET6, src, a, sizeof(a)), inet_ntop(AF_INET6, dst, b, sizeof(b)),
			 c->sport, c->dport);
		assert_int_equal(n, strlen(line));
		assert_memory_equal(out, line, n);
	}
	/* the longest line is exactly the bound */
	assert_int_equal(strlen(v1_6_cases[1].want), NC_PROXY_V1_MAX);
}

/* Every run of zero groups at every place, against inet_ntop() */
static void
test_proxy_v1_tcp6_runs(void **state)
{
	unsigned int mask;

	(void)state;
	for (mask = 0; mask < 256; mask++) {
		uint8_t ip[16], out[NC_PROXY_V1_MAX];
		char a[INET6_ADDRSTRLEN], line[160];
		unsigned int g, n;

		for (g = 0; g < 8; g++) {
			ip[2 * g] = (mask >> g) & 1 ? (uint8_t)(g == 5 ? 0xff : 0) : 0;
			ip[2 * g + 1] = (mask >> g) & 1 ? (uint8_t)(g == 5 ? 0xff : 0x10 + g) : 0;
		}
		n = nc_proxy_v1_build6(out, ip, ip, PORT(1), PORT(2));
		inet_ntop(AF_INET6, ip, a, sizeof(a));
		snprintf(line, sizeof(line), "PROXY TCP6 %s %s 1 2\r\n", a, a);
		assert_int_equal(n, strlen(line));
		assert_memory_equal(out, line, n);
	}
}

static void
test_proxy_v2(void **state)
{
	static const uint8_t want_tcp[NC_PROXY_V2_LEN] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
		0x21, 0x11, 0x00, 0x0c,
		192, 168, 1, 10, 10, 0, 0, 100, 0x9c, 0x40, 0x00, 0x50,
	};
	static const uint8_t want_udp[NC_PROXY_V2_LEN] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
		0x21, 0x12, 0x00, 0x0c,
		172, 16, 0, 1, 10, 0, 0, 100, 0xff, 0xff, 0x00, 0x35,
	};
	uint8_t out[NC_PROXY_V2_LEN + 4];

	(void)state;
	memset(out, 0xee, sizeof(out));
	assert_int_equal(nc_proxy_v2_build(out, IPPROTO_TCP, IP(192, 168, 1, 10), IP(10, 0, 0, 100),
					   PORT(40000), PORT(80)), NC_PROXY_V2_LEN);
	assert_memory_equal(out, want_tcp, NC_PROXY_V2_LEN);
	assert_int_equal(out[NC_PROXY_V2_LEN], 0xee);
	assert_int_equal(nc_proxy_v2_build(out, IPPROTO_UDP, IP(172, 16, 0, 1), IP(10, 0, 0, 100),
					   PORT(65535), PORT(53)), NC_PROXY_V2_LEN);
	assert_memory_equal(out, want_udp, NC_PROXY_V2_LEN);
	/* the length field says what follows the 16 fixed bytes */
	assert_int_equal(out[14] << 8 | out[15], NC_PROXY_V2_LEN - 16);
}

static void
test_proxy_v2_inet6(void **state)
{
	static const uint8_t want_tcp[NC_PROXY_V2_LEN6] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
		0x21, 0x21, 0x00, 0x24,
		0xfd, 0x00, 0x02, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
		0xfd, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0x9c, 0x40, 0x00, 0x50,
	};
	uint8_t src[16], dst[16], out[NC_PROXY_V2_LEN6 + 4];

	(void)state;
	inet_pton(AF_INET6, "fd00:200::10", src);
	inet_pton(AF_INET6, "fd00:100::1", dst);
	memset(out, 0xee, sizeof(out));
	assert_int_equal(nc_proxy_v2_build6(out, IPPROTO_TCP, src, dst, PORT(40000), PORT(80)),
			 NC_PROXY_V2_LEN6);
	assert_memory_equal(out, want_tcp, NC_PROXY_V2_LEN6);
	assert_int_equal(out[NC_PROXY_V2_LEN6], 0xee);
	/* UDP: DGRAM over AF_INET6; the rest alike */
	assert_int_equal(nc_proxy_v2_build6(out, IPPROTO_UDP, src, dst, PORT(40000), PORT(80)),
			 NC_PROXY_V2_LEN6);
	assert_int_equal(out[13], 0x22);
	out[13] = 0x21;
	assert_memory_equal(out, want_tcp, NC_PROXY_V2_LEN6);
	assert_int_equal(out[14] << 8 | out[15], NC_PROXY_V2_LEN6 - 16);
}

static void
test_toa6(void **state)
{
	static const uint8_t want[NC_TOA6_LEN] = {
		254, 20, 0x9c, 0x40,
		0xfd, 0x00, 0x02, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x17,
	};
	uint8_t ip[16], out[NC_TOA6_LEN];

	(void)state;
	inet_pton(AF_INET6, "fd00:200::17", ip);
	nc_toa6_build(out, ip, PORT(40000));
	assert_memory_equal(out, want, NC_TOA6_LEN);
}

static void
test_toa(void **state)
{
	static const uint8_t want[NC_TOA_LEN] = { 254, 8, 0x9c, 0x40, 192, 168, 1, 10 };
	uint8_t out[NC_TOA_LEN];

	(void)state;
	nc_toa_build(out, IP(192, 168, 1, 10), PORT(40000));
	assert_memory_equal(out, want, NC_TOA_LEN);
}

struct shift_case {
	const char *what;
	uint32_t hdr, len, in, want;
};

/* nc_ack_shift_in(in, hdr, len) */
static const struct shift_case ack_cases[] = {
	{ "the SYN only", 1001, 28, 1001, 1001 },
	{ "the header partly", 1001, 28, 1010, 1001 },
	{ "the header's last byte missing", 1001, 28, 1028, 1001 },
	{ "the header whole", 1001, 28, 1029, 1001 },
	{ "client bytes past it", 1001, 28, 1129, 1101 },
	{ "before the header (an old segment)", 1001, 28, 900, 900 },
	{ "across the wrap: the whole header", 0xfffffff0u, 56, 0x00000028u, 0xfffffff0u },
	{ "across the wrap: all but its last byte", 0xfffffff0u, 56, 0x00000027u, 0xfffffff0u },
	{ "across the wrap: past it", 0xfffffff0u, 56, 0x00000029u, 0xfffffff1u },
	{ "across the wrap: far past it", 0xfffffff0u, 56, 0x00001000u, 0x00000fc8u },
	{ "header ending at the wrap", 0xffffffe4u, 28, 0x00000000u, 0xffffffe4u },
	{ "one past the wrap", 0xffffffe4u, 28, 0x00000001u, 0xffffffe5u },
	{ "shifted back across the wrap", 0x00000005u, 28, 0x00000021u + 10, 0x0000000fu },
};

static void
test_seq_shift(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(ack_cases) / sizeof(ack_cases[0]); i++) {
		const struct shift_case *c = &ack_cases[i];

		print_message("%s\n", c->what);
		assert_int_equal(nc_ack_shift_in(c->in, c->hdr, c->len), c->want);
	}
	/* out and back: every client byte past the header lands where it was */
	for (i = 0; i < 64; i++) {
		uint32_t hdr = 0xffffffe0u + i, seq = hdr + 7 * i, len = 1 + i % 56;
		uint32_t out = nc_seq_shift_out(seq, len);

		assert_int_equal(out, seq + len);
		/* the server acknowledging byte <seq>'s successor */
		assert_int_equal(nc_ack_shift_in(out + 1, hdr, len), seq + 1);
	}
	/* the shift and the fail-safe's splice delta commute: one moves the
	 * client's numbers, the other the server's */
	assert_int_equal(nc_seq_to_server(nc_ack_shift_in(0x10u + 28 + 5, 0x10u, 28), 0),
			 0x10u + 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proxy_v1),
		cmocka_unit_test(test_proxy_v1_tcp6),
		cmocka_unit_test(test_proxy_v1_tcp6_runs),
		cmocka_unit_test(test_proxy_v2),
		cmocka_unit_test(test_proxy_v2_inet6),
		cmocka_unit_test(test_toa),
		cmocka_unit_test(test_toa6),
		cmocka_unit_test(test_seq_shift),
	};

	return cmocka_run_group_tests_name("client_addr", tests, NULL, NULL);
}
