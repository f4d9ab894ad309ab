/* SPDX-License-Identifier: BSD-3-Clause
 * lib/sched builders: the paper's ratio rule (smallest weight counts as 1,
 * others divided and rounded half up, lightest server first, interleaved) and
 * the smooth builder (exact percentages, evenly spread). EAL-free.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "nc_sched.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))
#define END 0xffff   /* terminates expected slot lists */

static void
print_slots(const char *what, const uint16_t *s, int n)
{
	char line[1024];
	int i, o = 0;

	for (i = 0; i < n && o < (int)sizeof(line) - 8; i++)
		o += snprintf(line + o, sizeof(line) - (size_t)o, "%u ", s[i]);
	print_error("%s: %s\n", what, line);
}

/* Longest run of one server in the cycle, counted cyclically. */
static unsigned int
max_run(const uint16_t *s, unsigned int n, uint16_t server)
{
	unsigned int best = 0, i, run;

	for (i = 0; i < n; i++) {
		if (s[i] != server || s[(i + n - 1) % n] == server)
			continue;
		for (run = 0; run < n && s[(i + run) % n] == server; run++)
			;
		if (run > best)
			best = run;
	}
	if (best == 0 && n != 0 && s[0] == server)
		best = n;   /* the whole cycle */
	return best;
}

/* ------------------------------------------------------------------ ratio */

struct ratio_case {
	const char *desc;
	uint8_t weight[8];
	unsigned int n;
	uint16_t want[16];     /* exact cycle, END-terminated; want[0] == END: 0 slots */
};

static const struct ratio_case ratio_cases[] = {
	{ "30/70 is 1:2", { 30, 70 }, 2, { 0, 1, 1, END } },
	{ "25/75 is 1:3", { 25, 75 }, 2, { 0, 1, 1, 1, END } },
	{ "33/33/33 is 1:1:1", { 33, 33, 33 }, 3, { 0, 1, 2, END } },
	{ "33/33/34 rounds to 1:1:1", { 33, 33, 34 }, 3, { 0, 1, 2, END } },
	{ "50/50 is 1:1", { 50, 50 }, 2, { 0, 1, END } },
	{ "70/30: lightest first", { 70, 30 }, 2, { 1, 0, 0, END } },
	{ "75/25: lightest first", { 75, 25 }, 2, { 1, 0, 0, 0, END } },
	{ "40/60: 1.5 rounds up to 2", { 40, 60 }, 2, { 0, 1, 1, END } },
	{ "60/40: 1.5 rounds up, lightest first", { 60, 40 }, 2, { 1, 0, 0, END } },
	{ "20/50: 2.5 rounds up to 3", { 20, 50 }, 2, { 0, 1, 1, 1, END } },
	{ "35/65: 1.86 rounds to 2", { 35, 65 }, 2, { 0, 1, 1, END } },
	{ "45/55: 1.22 rounds to 1", { 45, 55 }, 2, { 0, 1, END } },
	{ "10/20/70 is 1:2:7", { 10, 20, 70 }, 3, { 0, 2, 2, 1, 2, 2, 2, 1, 2, 2, END } },
	{ "zero weight left out", { 0, 30, 70 }, 3, { 1, 2, 2, END } },
	{ "zero weights around", { 0, 25, 0, 75, 0 }, 5, { 1, 3, 3, 3, END } },
	{ "single server", { 100 }, 1, { 0, END } },
	{ "single non-zero server", { 0, 0, 100 }, 3, { 2, END } },
	{ "all zero: no slot", { 0, 0, 0 }, 3, { END } },
	{ "no server at all", { 0 }, 0, { END } },
};

static void
test_ratio_table(void **state)
{
	unsigned int i, fails = 0;

	(void)state;
	for (i = 0; i < DIM(ratio_cases); i++) {
		const struct ratio_case *c = &ratio_cases[i];
		uint16_t slots[NC_SCHED_MAX_SLOTS];
		int n, want_n = 0;

		while (c->want[want_n] != END)
			want_n++;
		memset(slots, 0xee, sizeof(slots));
		n = nc_sched_build_ratio(c->weight, c->n, slots, NC_SCHED_MAX_SLOTS);
		if (n != want_n || memcmp(slots, c->want, (size_t)want_n * sizeof(slots[0])) != 0) {
			print_error("case '%s': %d slots, want %d\n", c->desc, n, want_n);
			if (n > 0)
				print_slots("  got ", slots, n);
			fails++;
			continue;
		}
		/* nothing written beyond the cycle */
		if (want_n < NC_SCHED_MAX_SLOTS && slots[want_n] != 0xeeee) {
			print_error("case '%s': wrote beyond slot %d\n", c->desc, want_n);
			fails++;
		}
		/* same answer through the dispatcher */
		{
			uint16_t again[NC_SCHED_MAX_SLOTS];

			assert_int_equal(nc_sched_build(NC_SCHED_RATIO, c->weight, c->n, again,
							NC_SCHED_MAX_SLOTS), want_n);
			assert_memory_equal(again, slots, (size_t)want_n * sizeof(slots[0]));
		}
	}
	assert_int_equal(fails, 0);
}

/* Every rounding of w / wmin, for every pair of percentages: counts are
 * round-half-up, the cycle starts at the lightest server and interleaves
 * (the heavy server never runs longer than its count needs). */
static void
test_ratio_rounding_all_pairs(void **state)
{
	unsigned int a, b;

	(void)state;
	for (a = 1; a <= 100; a++)
		for (b = 1; b <= 100; b++) {
			uint8_t w[2] = { (uint8_t)a, (uint8_t)b };
			unsigned int lo = a <= b ? a : b, hi = a <= b ? b : a;
			unsigned int light = a <= b ? 0 : 1;
			/* exact rational rounding: count = floor(hi / lo + 1/2) */
			unsigned int want_heavy = (2 * hi + lo) / (2 * lo), cnt[2] = { 0, 0 };
			uint16_t s[NC_SCHED_MAX_SLOTS];
			int n = nc_sched_build_ratio(w, 2, s, NC_SCHED_MAX_SLOTS), i;

			assert_int_equal(n, 1 + (int)want_heavy);
			for (i = 0; i < n; i++)
				cnt[s[i]]++;
			assert_int_equal(cnt[light], 1);
			assert_int_equal(cnt[1 - light], want_heavy);
			assert_int_equal(s[0], light);
			if (a == b)
				continue;
			/* 1:k has one light slot: the heavy run is the rest of the cycle */
			assert_int_equal(max_run(s, (unsigned int)n, (uint16_t)(1 - light)), want_heavy);
		}
}

/*
 * No burst: in every cyclic window of L slots a server with <count> of
 * <total> slots appears within two of L * count / total times. Smooth
 * weighted round robin keeps every prefix of its cycle within one of the
 * ideal; a window is the difference of two prefixes, hence two.
 */
static int
windows_even(const uint16_t *s, unsigned int total, const unsigned int *count, unsigned int n)
{
	unsigned int start, len, i;

	for (start = 0; start < total; start++) {
		unsigned int cnt[NC_MAX_SERVERS] = { 0 };

		for (len = 1; len <= total; len++) {
			cnt[s[(start + len - 1) % total]]++;
			for (i = 0; i < n; i++) {
				long dev = (long)cnt[i] * total - (long)len * count[i];

				if (dev <= -2 * (long)total || dev >= 2 * (long)total) {
					print_error("server %u: %u times in %u slots from slot %u\n", i,
						    cnt[i], len, start);
					print_slots("  slots", s, (int)total);
					return 0;
				}
			}
		}
	}
	return 1;
}

/* Three servers: each weight becomes round(w / wmin) slots, lightest first,
 * spread without bursts. */
static void
test_ratio_three_servers(void **state)
{
	static const uint8_t w3[][3] = {
		{ 10, 20, 70 }, { 20, 30, 50 }, { 5, 15, 80 }, { 30, 30, 40 }, { 50, 25, 25 },
		{ 12, 44, 44 }, { 1, 1, 98 }, { 40, 10, 50 },
	};
	unsigned int k;

	(void)state;
	for (k = 0; k < DIM(w3); k++) {
		uint16_t s[NC_SCHED_MAX_SLOTS];
		unsigned int cnt[3] = { 0 }, want[3], wmin = 255, light = 0, i, total = 0;
		int n = nc_sched_build_ratio(w3[k], 3, s, NC_SCHED_MAX_SLOTS);

		for (i = 0; i < 3; i++)
			if (w3[k][i] < wmin) {
				wmin = w3[k][i];
				light = i;
			}
		for (i = 0; i < 3; i++) {
			want[i] = (2u * w3[k][i] + wmin) / (2u * wmin);
			total += want[i];
		}
		assert_int_equal(n, total);
		for (i = 0; i < (unsigned int)n; i++)
			cnt[s[i]]++;
		for (i = 0; i < 3; i++)
			assert_int_equal(cnt[i], want[i]);
		assert_int_equal(s[0], light);
		assert_true(windows_even(s, total, want, 3));
	}
}

static void
test_ratio_enospc(void **state)
{
	static const uint8_t w[] = { 30, 70 };
	static const uint8_t big[] = { 1, 100, 100, 100, 100, 100, 100 };   /* 601 slots */
	uint16_t s[NC_SCHED_MAX_SLOTS + 8];

	(void)state;
	assert_int_equal(nc_sched_build_ratio(w, 2, s, 2), -ENOSPC);
	assert_int_equal(nc_sched_build_ratio(w, 2, s, 3), 3);
	assert_int_equal(nc_sched_build_ratio(big, DIM(big), s, NC_SCHED_MAX_SLOTS + 8), -ENOSPC);
	assert_int_equal(nc_sched_build_ratio(w, NC_MAX_SERVERS + 1, s, 3), -EINVAL);
}

/* ----------------------------------------------------------------- smooth */

struct smooth_case {
	const char *desc;
	uint8_t weight[8];
	unsigned int n;
};

static const struct smooth_case smooth_cases[] = {
	{ "30/70", { 30, 70 }, 2 },
	{ "70/30", { 70, 30 }, 2 },
	{ "25/75", { 25, 75 }, 2 },
	{ "50/50", { 50, 50 }, 2 },
	{ "1/99", { 1, 99 }, 2 },
	{ "33/33/34", { 33, 33, 34 }, 3 },
	{ "10/20/70", { 10, 20, 70 }, 3 },
	{ "5/15/30/50", { 5, 15, 30, 50 }, 4 },
	{ "0/40/0/60 (zeros left out)", { 0, 40, 0, 60 }, 4 },
	{ "8 servers of 8", { 8, 8, 8, 8, 8, 8, 8, 8 }, 8 },
	{ "100", { 100 }, 1 },
};

/*
 * Exact counts (weight slots each over sum(weight) slots) and evenness:
 * after any prefix of k picks a server with weight w has been picked within
 * one of k * w / total times, every cyclic window is within two, and with two
 * servers the heavier never runs longer than its share forces,
 * ceil(w / (total - w)).
 */
static void
test_smooth_table(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < DIM(smooth_cases); i++) {
		const struct smooth_case *c = &smooth_cases[i];
		uint16_t s[NC_SCHED_MAX_SLOTS];
		unsigned int total = 0, cnt[8] = { 0 }, w[8], j, k;
		int n;

		for (j = 0; j < c->n; j++) {
			w[j] = c->weight[j];
			total += w[j];
		}
		n = nc_sched_build_smooth(c->weight, c->n, s, NC_SCHED_MAX_SLOTS);
		if (n != (int)total) {
			print_error("case '%s': %d slots, want %u\n", c->desc, n, total);
			fail();
		}
		for (k = 0; k < total; k++) {
			assert_true(s[k] < c->n);
			cnt[s[k]]++;
			for (j = 0; j < c->n; j++) {
				/* |picks - (k+1) w / total| < 1, in integers */
				long dev = (long)cnt[j] * total - (long)(k + 1) * w[j];

				if (dev <= -(long)total || dev >= (long)total) {
					print_error("case '%s': server %u after %u picks: %u\n", c->desc,
						    j, k + 1, cnt[j]);
					print_slots("  slots", s, n);
					fail();
				}
			}
		}
		for (j = 0; j < c->n; j++)
			assert_int_equal(cnt[j], w[j]);
		if (!windows_even(s, total, w, c->n)) {
			print_error("case '%s'\n", c->desc);
			fail();
		}
		for (j = 0; j < c->n && c->n == 2; j++) {
			unsigned int others = total - w[j];

			if (w[j] != 0 && others != 0 &&
			    max_run(s, total, (uint16_t)j) > (w[j] + others - 1) / others) {
				print_error("case '%s': server %u runs %u\n", c->desc, j,
					    max_run(s, total, (uint16_t)j));
				fail();
			}
		}
		/* the same through the dispatcher */
		{
			uint16_t again[NC_SCHED_MAX_SLOTS];

			assert_int_equal(nc_sched_build(NC_SCHED_SMOOTH, c->weight, c->n, again,
							NC_SCHED_MAX_SLOTS), n);
			assert_memory_equal(again, s, (size_t)n * sizeof(s[0]));
		}
	}
}

static void
test_smooth_limits(void **state)
{
	static const uint8_t w[] = { 30, 70 };
	static const uint8_t zero[] = { 0, 0 };
	uint16_t s[NC_SCHED_MAX_SLOTS];

	(void)state;
	assert_int_equal(nc_sched_build_smooth(w, 2, s, 99), -ENOSPC);
	assert_int_equal(nc_sched_build_smooth(w, 2, s, 100), 100);
	assert_int_equal(nc_sched_build_smooth(zero, 2, s, 100), 0);
	assert_int_equal(nc_sched_build_smooth(w, 0, s, 100), 0);
	assert_int_equal(nc_sched_build_smooth(w, NC_MAX_SERVERS + 1, s, 100), -EINVAL);
	assert_int_equal(nc_sched_build(NC_SCHED_SMOOTH, w, 2, s, 99), -ENOSPC);
	assert_int_equal(nc_sched_build((enum nc_sched_kind)7, w, 2, s, 100), -EINVAL);
}

/* The paper's sequence as a worker walks the cycle: new flows go A B B A B B. */
static void
test_ratio_walk(void **state)
{
	static const uint8_t w[] = { 30, 70 };
	static const char want[] = "ABBABBABBABB";
	uint16_t s[NC_SCHED_MAX_SLOTS];
	int n = nc_sched_build_ratio(w, 2, s, NC_SCHED_MAX_SLOTS);
	char got[sizeof(want)];
	unsigned int cursor = 0, i;

	(void)state;
	assert_int_equal(n, 3);
	for (i = 0; i < sizeof(want) - 1; i++)
		got[i] = (char)('A' + s[cursor++ % (unsigned int)n]);
	got[i] = '\0';
	assert_string_equal(got, want);
}

/* 64 servers, every weight 1..255: both builders stay within their limits. */
static void
test_builders_max_servers(void **state)
{
	uint8_t w[NC_MAX_SERVERS];
	uint16_t s[NC_SCHED_MAX_SLOTS];
	unsigned int i, total = 0, cnt[NC_MAX_SERVERS] = { 0 };
	int n;

	(void)state;
	for (i = 0; i < NC_MAX_SERVERS; i++) {
		w[i] = (uint8_t)(1 + i % 7);
		total += w[i];
	}
	n = nc_sched_build_smooth(w, NC_MAX_SERVERS, s, NC_SCHED_MAX_SLOTS);
	assert_int_equal(n, total);
	for (i = 0; i < total; i++)
		cnt[s[i]]++;
	for (i = 0; i < NC_MAX_SERVERS; i++) {
		assert_int_equal(cnt[i], w[i]);
		cnt[i] = w[i];
	}
	assert_true(windows_even(s, total, cnt, NC_MAX_SERVERS));
	/* the ratio rule reduces by the smallest weight (1 here): same counts */
	n = nc_sched_build_ratio(w, NC_MAX_SERVERS, s, NC_SCHED_MAX_SLOTS);
	assert_int_equal(n, total);
	assert_int_equal(s[0], 0);
}

static void
test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(nc_sched_kind_name(NC_SCHED_RATIO), "ratio");
	assert_string_equal(nc_sched_kind_name(NC_SCHED_SMOOTH), "smooth");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratio_table),
		cmocka_unit_test(test_ratio_rounding_all_pairs),
		cmocka_unit_test(test_ratio_three_servers),
		cmocka_unit_test(test_ratio_enospc),
		cmocka_unit_test(test_ratio_walk),
		cmocka_unit_test(test_smooth_table),
		cmocka_unit_test(test_smooth_limits),
		cmocka_unit_test(test_builders_max_servers),
		cmocka_unit_test(test_kind_names),
	};

	return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
