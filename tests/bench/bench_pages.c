/* SPDX-License-Identifier: BSD-3-Clause
 * What a random cache line costs on this machine, by the tables it lies in:
 * the memory side of the fast path at 1M flows, without the data plane.
 *
 *   bench-pages [--mb M] [--iters N] [--no-huge]
 *
 * Each case walks <iters> random rows, prefetching the lines of the row 16
 * ahead and reading those of the current one, with a fixed chain of
 * arithmetic per row (about what a packet's other work gives the prefetches
 * to hide behind). A row is one line of one big table (a flow entry of a 1M
 * table, 64 MB), or lines of several big tables (an IPv6 flow's entry,
 * addresses and TCP windows, each in its own table), or as many lines side by
 * side in one table (the same bytes, one page), or a big table's line and a
 * small one's (a bucket or a local port's entry). Prints TSC cycles per row
 * for each case.
 *
 * On a virtual machine whose memory the host maps with 4 KB pages, each
 * random page is a nested page walk as well as a line: the cases show what
 * that costs next to the same lines in one page.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_cycles.h>
#include <rte_prefetch.h>

#define LINE   64
#define AHEAD  16
#define TABLES 3

struct table {
	uint8_t *p;
	size_t lines;
};

static void *
map(size_t bytes, int huge, int *got_huge)
{
	void *p = MAP_FAILED;

	if (huge)
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	*got_huge = p != MAP_FAILED;
	if (p == MAP_FAILED)
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "bench-pages: mmap of %zu MB: %s\n", bytes >> 20, strerror(errno));
		exit(1);
	}
	memset(p, 1, bytes);   /* fault every page in before timing */
	return p;
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* One case: per row, <k> lines at row index r of tables <t>[0..k-1] with
 * stride <stride> lines (1: tables apart; the lines of a row side by side
 * when all <t> are one table and stride k). <small>: the second line from a
 * table of <small_lines> lines instead. Returns TSC cycles per row. */
static double
walk(const struct table *t, unsigned int k, unsigned int stride, const uint32_t *row,
     uint32_t n, size_t small_lines)
{
	uint64_t sum = 0, t0, t1;
	uint32_t i;
	unsigned int j;

	t0 = rte_rdtsc_precise();
	for (i = 0; i + AHEAD < n; i++) {
		size_t a = row[i + AHEAD], c = row[i];

		for (j = 0; j < k; j++) {
			size_t la = small_lines != 0 && j == 1 ? a % small_lines : a * stride + (stride > 1 ? j : 0);

			rte_prefetch0(t[j].p + la * LINE);
		}
		for (j = 0; j < k; j++) {
			size_t lc = small_lines != 0 && j == 1 ? c % small_lines : c * stride + (stride > 1 ? j : 0);

			sum += *(volatile const uint64_t *)(t[j].p + lc * LINE);
		}
		for (j = 0; j < 24; j++)   /* the row's other work: a dependent chain */
			sum = sum * 3 + j;
	}
	t1 = rte_rdtsc_precise();
	if (sum == 42)
		printf(" ");   /* keeps the chain */
	return (double)(t1 - t0) / (double)(n - AHEAD);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "mb", required_argument, NULL, 'm' },
		{ "iters", required_argument, NULL, 'i' },
		{ "no-huge", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	size_t mb = 64, lines, small = (8u << 20) / LINE;
	uint32_t iters = 1u << 21, *row, i;
	int huge = 1, got_huge = 0, o;
	uint64_t s = 0x9e3779b97f4a7c15ull;
	struct table t[TABLES], one[TABLES];
	uint8_t *all;

	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (o == 'm')
			mb = strtoul(optarg, NULL, 10);
		else if (o == 'i')
			iters = (uint32_t)strtoul(optarg, NULL, 10);
		else if (o == 'n')
			huge = 0;
		else {
			fprintf(stderr, "usage: bench-pages [--mb M] [--iters N] [--no-huge]\n");
			return 2;
		}
	}
	if (mb < 8 || mb > 4096 || iters < 1024) {
		fprintf(stderr, "bench-pages: --mb 8..4096, --iters at least 1024\n");
		return 2;
	}
	lines = (mb << 20) / LINE;
	/* TABLES tables of <mb> each, in one mapping: also one table of
	 * TABLES * <mb> for the rows whose lines sit side by side */
	all = map(TABLES * lines * LINE, huge, &got_huge);
	for (i = 0; i < TABLES; i++) {
		t[i] = (struct table){ all + i * lines * LINE, lines };
		one[i] = (struct table){ all, TABLES * lines };
	}
	row = malloc(sizeof(*row) * iters);
	if (row == NULL)
		return 1;
	for (i = 0; i < iters; i++)
		row[i] = (uint32_t)(rnd(&s) % lines);
	printf("bench-pages: tables of %zu MB, %u rows, prefetch %d rows ahead, %s pages\n", mb,
	       iters, AHEAD, got_huge ? "2 MB huge" : "4 KB");
	walk(t, 1, 1, row, iters, 0);   /* warm-up */
	printf("1 line of a table:                   %6.1f cycles/row\n", walk(t, 1, 1, row, iters, 0));
	printf("2 lines, side by side in one table:  %6.1f cycles/row\n", walk(one, 2, 2, row, iters, 0));
	printf("2 lines, of 2 tables:                %6.1f cycles/row\n", walk(t, 2, 1, row, iters, 0));
	printf("3 lines, side by side in one table:  %6.1f cycles/row\n", walk(one, 3, 3, row, iters, 0));
	printf("3 lines, of 3 tables:                %6.1f cycles/row\n", walk(t, 3, 1, row, iters, 0));
	printf("a line of a table and of an 8 MB one: %4.1f cycles/row\n",
	       walk(t, 2, 1, row, iters, small));
	return 0;
}
