/* SPDX-License-Identifier: BSD-3-Clause
 * lib/dp's memory layout, as the fast path relies on it: a flow is one cache
 * line; the fail-safe's per-flow state three at most; in struct nc_dp what
 * the workers read per packet shares no cache line with what the control
 * lcore writes (its signals to the workers on a line of their own, its own
 * state in another allocation); a worker's counters on lines of their own.
 * Only offsets and sizes: no EAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dp_failsafe.h"

#define LINE(off) ((off) / RTE_CACHE_LINE_SIZE)
#define END(type, field) (offsetof(type, field) + sizeof(((type *)0)->field) - 1)

static void
test_flow_line(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct nc_flow), RTE_CACHE_LINE_SIZE);
	assert_true(sizeof(struct nc_tcpfs) <= 3 * RTE_CACHE_LINE_SIZE);
	assert_true(sizeof(struct nc_http_parser) <= 32);
}

static void
test_dp_by_writer(void **state)
{
	size_t signals = offsetof(struct nc_dp, down_gen);

	(void)state;
	/* the signals start a line, after every field read per packet */
	assert_int_equal(signals % RTE_CACHE_LINE_SIZE, 0);
	assert_true(LINE(END(struct nc_dp, worker)) < LINE(signals));
	assert_true(LINE(END(struct nc_dp, tables)) < LINE(signals));
	assert_true(LINE(END(struct nc_dp, probe_base)) < LINE(signals));
	assert_int_equal(LINE(END(struct nc_dp, stop)), LINE(signals));
	/* the control lcore's own state: behind a pointer on yet another line */
	assert_true(LINE(offsetof(struct nc_dp, ctl)) > LINE(END(struct nc_dp, stop)));
	assert_true(sizeof(struct nc_dp) < sizeof(struct nc_dp_ctl));
}

static void
test_worker_counters(void **state)
{
	(void)state;
	assert_int_equal(offsetof(struct nc_worker, st) % RTE_CACHE_LINE_SIZE, 0);
	assert_int_equal(sizeof(struct nc_worker) % RTE_CACHE_LINE_SIZE, 0);
	assert_int_equal(sizeof(struct nc_dp_stats) % sizeof(uint64_t), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_line),
		cmocka_unit_test(test_dp_by_writer),
		cmocka_unit_test(test_worker_counters),
	};

	return cmocka_run_group_tests_name("dp_layout", tests, NULL, NULL);
}
