/* SPDX-License-Identifier: BSD-3-Clause
 * lib/affinity: client affinity entries, their expiry (lazy and incremental)
 * across the millisecond clock's wrap, moves, and a full table. Needs the EAL
 * (rte_hash): --no-huge, no devices.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_byteorder.h>
#include <rte_memory.h>

#include "nc_affinity.h"

static uint32_t
ip(unsigned int i)
{
	return rte_cpu_to_be_32(0x0a000000u | i);   /* 10.0.0.i */
}

/* Set, look up, move, per service. */
static void
test_set_lookup(void **state)
{
	struct nc_affinity *a = nc_affinity_create("aff_basic", 64, SOCKET_ID_ANY);

	(void)state;
	assert_non_null(a);
	assert_int_equal(nc_affinity_lookup(a, ip(1), 0, 1000), -ENOENT);
	assert_int_equal(nc_affinity_set(a, ip(1), 0, 2, 31000), 0);
	assert_int_equal(nc_affinity_lookup(a, ip(1), 0, 1000), 2);
	/* another service, another client: separate entries */
	assert_int_equal(nc_affinity_lookup(a, ip(1), 1, 1000), -ENOENT);
	assert_int_equal(nc_affinity_lookup(a, ip(2), 0, 1000), -ENOENT);
	assert_int_equal(nc_affinity_set(a, ip(1), 1, 5, 31000), 0);
	assert_int_equal(nc_affinity_lookup(a, ip(1), 1, 1000), 5);
	assert_int_equal(nc_affinity_lookup(a, ip(1), 0, 1000), 2);
	/* moved (a fail-over): the same entry, a new server and expiry */
	assert_int_equal(nc_affinity_set(a, ip(1), 0, 7, 40000), 0);
	assert_int_equal(nc_affinity_lookup(a, ip(1), 0, 35000), 7);
	assert_int_equal(nc_affinity_count(a), 2);
	/* server index 255 and 0 survive the packing */
	assert_int_equal(nc_affinity_set(a, ip(3), 0, 255, 50000), 0);
	assert_int_equal(nc_affinity_lookup(a, ip(3), 0, 1), 255);
	assert_int_equal(nc_affinity_set(a, ip(3), 0, 0, 50000), 0);
	assert_int_equal(nc_affinity_lookup(a, ip(3), 0, 1), 0);
	nc_affinity_free(a);
}

/* An entry lives until its expiry (exclusive), also across the clock's wrap;
 * a lookup of an expired entry removes it. */
static void
test_lazy_expiry(void **state)
{
	static const struct {
		uint32_t expire, now;
		int alive;
	} cases[] = {
		{ 31000, 30999, 1 },
		{ 31000, 31000, 0 },
		{ 31000, 90000, 0 },
		{ 0x00000010, 0xfffffff0, 1 },   /* expiry just past the wrap */
		{ 0x00000010, 0x00000010, 0 },
		{ 0xfffffff0, 0x00000010, 0 },   /* expired before the wrap */
	};
	struct nc_affinity *a = nc_affinity_create("aff_lazy", 64, SOCKET_ID_ANY);
	unsigned int i;

	(void)state;
	assert_non_null(a);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(nc_affinity_set(a, ip(i), 0, 1, cases[i].expire), 0);
		assert_int_equal(nc_affinity_lookup(a, ip(i), 0, cases[i].now),
				 cases[i].alive ? 1 : -ENOENT);
		/* removed when found expired, kept otherwise */
		assert_int_equal(nc_affinity_lookup(a, ip(i), 0, cases[i].now),
				 cases[i].alive ? 1 : -ENOENT);
	}
	assert_int_equal(nc_affinity_count(a), 2);
	nc_affinity_free(a);
}

/* Incremental expiry removes exactly the expired entries, within its budget. */
static void
test_incremental_expiry(void **state)
{
	struct nc_affinity *a = nc_affinity_create("aff_inc", 1024, SOCKET_ID_ANY);
	unsigned int i, removed = 0, rounds = 0;

	(void)state;
	assert_non_null(a);
	/* 600 entries: even ones expire at 1000, odd ones at 100000 */
	for (i = 0; i < 600; i++)
		assert_int_equal(nc_affinity_set(a, ip(i), 0, (uint8_t)(i % 3),
						 i % 2 ? 100000 : 1000), 0);
	assert_int_equal(nc_affinity_expire(a, 500, 1000), 0);   /* none yet */
	while (removed < 300 && rounds < 100) {
		unsigned int r = nc_affinity_expire(a, 2000, 16);

		assert_true(r <= 16);
		removed += r;
		rounds++;
	}
	assert_int_equal(removed, 300);
	assert_int_equal(nc_affinity_count(a), 300);
	for (i = 0; i < 600; i++)
		assert_int_equal(nc_affinity_lookup(a, ip(i), 0, 2000), i % 2 ? (int)(i % 3) : -ENOENT);
	nc_affinity_free(a);
}

/* A full table refuses new clients and keeps every old entry; an expired
 * entry's room is reusable. */
static void
test_full(void **state)
{
	struct nc_affinity *a = nc_affinity_create("aff_full", 8, SOCKET_ID_ANY);
	uint32_t cap, i;

	(void)state;
	assert_non_null(a);
	cap = nc_affinity_capacity(a);
	assert_true(cap >= 8);
	for (i = 0; i < cap; i++)
		assert_int_equal(nc_affinity_set(a, ip(i), 0, 1, 5000), 0);
	assert_int_equal(nc_affinity_set(a, ip(cap), 0, 1, 5000), -ENOSPC);
	/* updating an existing entry still works when full */
	assert_int_equal(nc_affinity_set(a, ip(0), 0, 2, 9000), 0);
	assert_int_equal(nc_affinity_lookup(a, ip(0), 0, 6000), 2);
	for (i = 1; i < cap; i++)
		assert_int_equal(nc_affinity_lookup(a, ip(i), 0, 100), 1);
	/* entry 1 expires: lookup removes it, a new client fits */
	assert_int_equal(nc_affinity_lookup(a, ip(1), 0, 5000), -ENOENT);
	assert_int_equal(nc_affinity_set(a, ip(cap), 0, 3, 9000), 0);
	assert_int_equal(nc_affinity_lookup(a, ip(cap), 0, 6000), 3);
	nc_affinity_free(a);
}

/* fd00:300:0:<i>::<j>: client <j> of /64 number <i> */
static void
ip6(uint8_t *a, unsigned int i, unsigned int j)
{
	memset(a, 0, 16);
	a[0] = 0xfd;
	a[3] = 0x03;
	a[6] = (uint8_t)(i >> 8);
	a[7] = (uint8_t)i;
	a[14] = (uint8_t)(j >> 8);
	a[15] = (uint8_t)j;
}

/* The key of an IPv6 client: its first <plen> bits, the rest cleared. */
static void
test_prefix6(void **state)
{
	static const struct {
		uint8_t plen;
		uint8_t want[16];
	} cases[] = {
		{ 1, { 0x80 } },
		{ 7, { 0xfe } },
		{ 8, { 0xff } },
		{ 9, { 0xff, 0x80 } },
		{ 64, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
		{ 65, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80 } },
		{ 127, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe } },
		{ 128, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
	};
	uint8_t ones[16], got[16];
	unsigned int i;

	(void)state;
	memset(ones, 0xff, 16);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nc_affinity_prefix6(ones, cases[i].plen, got);
		assert_memory_equal(got, cases[i].want, 16);
	}
}

/* IPv6 table: two clients of one /64 share an entry keyed by their /64 and
 * have one each keyed by their /128; services apart; lazy and incremental
 * expiry as IPv4's; an IPv4 table beside it is untouched. */
static void
test_v6(void **state)
{
	struct nc_affinity *a = nc_affinity_create6("aff_v6", 1024, SOCKET_ID_ANY);
	struct nc_affinity *a4 = nc_affinity_create("aff_v6_4", 64, SOCKET_ID_ANY);
	uint8_t c1[16], c2[16], k1[16], k2[16];
	unsigned int i, removed = 0, rounds = 0;

	(void)state;
	assert_non_null(a);
	assert_non_null(a4);
	ip6(c1, 1, 1);
	ip6(c2, 1, 2);
	/* per /64: the second client finds the first one's server */
	nc_affinity_prefix6(c1, 64, k1);
	nc_affinity_prefix6(c2, 64, k2);
	assert_int_equal(nc_affinity_lookup6(a, k1, 0, 1000), -ENOENT);
	assert_int_equal(nc_affinity_set6(a, k1, 0, 2, 31000), 0);
	assert_int_equal(nc_affinity_lookup6(a, k2, 0, 1000), 2);
	assert_int_equal(nc_affinity_lookup6(a, k2, 1, 1000), -ENOENT);
	/* per /128: each its own */
	nc_affinity_prefix6(c1, 128, k1);
	nc_affinity_prefix6(c2, 128, k2);
	assert_int_equal(nc_affinity_set6(a, k1, 1, 3, 31000), 0);
	assert_int_equal(nc_affinity_lookup6(a, k1, 1, 1000), 3);
	assert_int_equal(nc_affinity_lookup6(a, k2, 1, 1000), -ENOENT);
	assert_int_equal(nc_affinity_set6(a, k2, 1, 255, 31000), 0);
	assert_int_equal(nc_affinity_lookup6(a, k2, 1, 1000), 255);
	assert_int_equal(nc_affinity_count(a), 3);
	assert_int_equal(nc_affinity_count(a4), 0);
	/* lazy expiry */
	assert_int_equal(nc_affinity_lookup6(a, k1, 1, 31000), -ENOENT);
	assert_int_equal(nc_affinity_count(a), 2);
	/* incremental: 600 /64s, the even ones expire at 1000 */
	for (i = 0; i < 600; i++) {
		ip6(c1, 100 + i, 7);
		nc_affinity_prefix6(c1, 64, k1);
		assert_int_equal(nc_affinity_set6(a, k1, 0, (uint8_t)(i % 3), i % 2 ? 100000 : 1000), 0);
	}
	while (removed < 302 && rounds < 100) {
		removed += nc_affinity_expire(a, 40000, 16);
		rounds++;
	}
	assert_int_equal(removed, 302);   /* and the two of the first part */
	assert_int_equal(nc_affinity_count(a), 300);
	for (i = 0; i < 600; i++) {
		ip6(c1, 100 + i, 9);
		nc_affinity_prefix6(c1, 64, k1);
		assert_int_equal(nc_affinity_lookup6(a, k1, 0, 40000), i % 2 ? (int)(i % 3) : -ENOENT);
	}
	nc_affinity_free(a);
	nc_affinity_free(a4);
}

static int
eal_setup(void **state)
{
	char *argv[] = { "test", "--no-huge", "-m", "128", "--no-pci", "-l", "0", "--no-shconf",
			 "--file-prefix", "nctestaff", "--log-level", "lib.eal:error", NULL };

	(void)state;
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
		print_error("rte_eal_init: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static int
eal_teardown(void **state)
{
	(void)state;
	rte_eal_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_lookup),
		cmocka_unit_test(test_lazy_expiry),
		cmocka_unit_test(test_incremental_expiry),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_prefix6),
		cmocka_unit_test(test_v6),
	};

	return cmocka_run_group_tests_name("affinity", tests, eal_setup, eal_teardown);
}
