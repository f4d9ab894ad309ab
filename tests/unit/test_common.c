/* SPDX-License-Identifier: BSD-3-Clause
 * lib/common's address text: both families, the family 0 of a hand-made
 * config, buffers too small, and what an operator reads for the usual
 * IPv6 shapes (compressed zeros, IPv4-mapped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "nc_common.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

static void
test_addr_str(void **state)
{
	static const struct {
		const char *desc;
		int family;
		uint32_t ip4;
		uint8_t ip6[16];
		size_t len;
		const char *want;
	} tc[] = {
		{ "IPv4", AF_INET, 0x0ac80001, { 0 }, NC_ADDR_STRLEN, "10.200.0.1" },
		{ "family 0 is IPv4", 0, 0xc0a80a0b, { 0 }, NC_ADDR_STRLEN, "192.168.10.11" },
		{ "longest IPv4", AF_INET, 0xffffffff, { 0 }, NC_IP4_STRLEN, "255.255.255.255" },
		{ "IPv4 too small", AF_INET, 0xffffffff, { 0 }, 15, "?" },
		{ "IPv6 compressed", AF_INET6, 0,
		  { 0xfd, 0x00, 0x02, 0x00, [14] = 0x01, [15] = 0x00 }, NC_ADDR_STRLEN,
		  "fd00:200::100" },
		{ "IPv6 loopback", AF_INET6, 0, { [15] = 1 }, NC_ADDR_STRLEN, "::1" },
		{ "IPv6 ignores the IPv4 word", AF_INET6, 0x0a000001, { 0x20, 0x01, 0x0d, 0xb8 },
		  NC_ADDR_STRLEN, "2001:db8::" },
		{ "IPv4-mapped", AF_INET6, 0, { [10] = 0xff, [11] = 0xff, 10, 0, 0, 1 },
		  NC_ADDR_STRLEN, "::ffff:10.0.0.1" },
		{ "longest IPv6", AF_INET6, 0,
		  { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		    255, 255 }, NC_ADDR_STRLEN, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
		{ "IPv6 too small", AF_INET6, 0, { [15] = 1 }, 2, "?" },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < DIM(tc); i++) {
		char buf[NC_ADDR_STRLEN];
		const char *r;

		memset(buf, 'x', sizeof(buf));
		r = nc_addr_str(tc[i].family, tc[i].ip4, tc[i].ip6, buf, tc[i].len);
		assert_ptr_equal(r, buf);
		if (strcmp(buf, tc[i].want) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", tc[i].desc, buf, tc[i].want);
	}
}

/* No IPv6 bytes to read: a marker, not a crash. */
static void
test_addr_str_null6(void **state)
{
	char buf[NC_ADDR_STRLEN];

	(void)state;
	assert_string_equal(nc_addr_str(AF_INET6, 0, NULL, buf, sizeof(buf)), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_str),
		cmocka_unit_test(test_addr_str_null6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
