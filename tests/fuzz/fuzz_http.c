/* SPDX-License-Identifier: BSD-3-Clause
 * libFuzzer target for lib/http (tests/fuzz/run.sh builds and runs it).
 *
 * The first input byte chooses the direction (bit 0), the method a response
 * answers (bits 1-2), how the stream is cut (bits 3-5) and how body bytes are
 * handed over as NULL skips (bits 6-7); the rest is the stream. It is fed
 * whole, then cut that way with body bytes skipped as far as
 * nc_http_body_left() allows. Beyond running clean under ASan and UBSan, both
 * feeds must give the same events at the same offsets with the same messages,
 * in an order the contract allows, and end in the same state: else abort().
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nc_http.h"

struct event {
	uint8_t ev;
	uint32_t off;
	struct nc_http_msg msg;   /* at HEADERS */
	uint64_t left;            /* nc_http_body_left() at HEADERS */
};

struct trace {
	struct event *ev;
	size_t n, cap;
	int eof, idle, failed;
	uint64_t left;
};

static const uint8_t methods[4] = {
	NC_HTTP_M_GET, NC_HTTP_M_HEAD, NC_HTTP_M_CONNECT, NC_HTTP_M_POST,
};
static const uint32_t steps[8] = { 0, 1, 2, 3, 7, 61, 256, 0 };   /* 0 at 7: varying sizes */
static const uint32_t skips[4] = { 0, UINT32_MAX, 1, 5 };

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

/* The next piece's size: <step>, or when that is 0 one drawn from a small
 * generator seeded by the control byte. */
static uint32_t
piece(uint32_t step, uint32_t *seed)
{
	if (step != 0)
		return step;
	*seed = *seed * 1103515245u + 12345u;
	return 1 + (*seed >> 16) % 97;
}

/*
 * Feed <s> (<n> bytes): whole when <step> and <varying> are 0, else in pieces;
 * body bytes as NULL skips of at most <skip> (0: never). Every call gets a
 * heap copy of exactly its bytes. Checks the order of the events as they come.
 */
static void
feed(uint8_t dir, uint8_t method, const uint8_t *s, uint32_t n, uint32_t step, int varying,
     uint32_t skip, uint32_t seed, struct trace *t)
{
	struct nc_http_parser p;
	uint32_t pos = 0, end, used;
	uint8_t last = NC_HTTP_EV_END;   /* as if a message had just ended */
	uint8_t body = NC_HTTP_BODY_NONE;

	nc_http_init(&p, dir);
	nc_http_expect(&p, method);
	t->n = 0;
	do {
		end = step == 0 && !varying ? n : pos + piece(step, &seed);
		if (end > n)
			end = n;
		for (;;) {
			uint32_t k = end - pos;
			uint64_t left = nc_http_body_left(&p);
			enum nc_http_event ev;
			struct event *e;

			if (skip != 0 && left != 0 && k != 0) {
				if (k > skip)
					k = skip;
				if (k > left)
					k = (uint32_t)left;
				ev = nc_http_feed(&p, NULL, k, &used);
			} else {
				uint8_t *copy = malloc(k + 1);

				CHECK(copy != NULL);
				memcpy(copy + 1, s + pos, k);
				ev = nc_http_feed(&p, copy + 1, k, &used);
				free(copy);
			}
			CHECK(used <= k);
			pos += used;
			if (ev == NC_HTTP_EV_MORE) {
				CHECK(used == k);
				if (pos == end)
					break;
				continue;
			}
			CHECK(t->n < t->cap);   /* every event but END after HEADERS moves on */
			e = &t->ev[t->n++];
			memset(e, 0, sizeof(*e));
			e->ev = (uint8_t)ev;
			e->off = pos;
			/* the contract's order: BEGIN HEADERS [END], ERROR anywhere */
			switch (ev) {
			case NC_HTTP_EV_BEGIN:
				CHECK(last == NC_HTTP_EV_END && pos < n);
				CHECK(dir == NC_HTTP_RESPONSE ? s[pos] == 'H' :
				      s[pos] > ' ' && s[pos] < 0x7f);
				break;
			case NC_HTTP_EV_HEADERS:
				CHECK(last == NC_HTTP_EV_BEGIN);
				e->msg = p.msg;
				e->left = nc_http_body_left(&p);
				body = p.msg.body;
				CHECK(p.msg.minor <= 9 && body <= NC_HTTP_BODY_TUNNEL);
				if (dir == NC_HTTP_REQUEST)
					CHECK(p.msg.status == 0 && body <= NC_HTTP_BODY_CHUNKED);
				else
					CHECK(p.msg.status >= 100 && p.msg.status <= 999);
				if (body == NC_HTTP_BODY_CLOSE || body == NC_HTTP_BODY_TUNNEL)
					CHECK(e->left == UINT64_MAX);
				break;
			case NC_HTTP_EV_END:
				CHECK(last == NC_HTTP_EV_HEADERS && body != NC_HTTP_BODY_CLOSE &&
				      body != NC_HTTP_BODY_TUNNEL);
				if (body == NC_HTTP_BODY_NONE || body == NC_HTTP_BODY_LENGTH)
					CHECK(pos - t->ev[t->n - 2].off == t->ev[t->n - 2].left);
				CHECK(nc_http_idle(&p));
				break;
			default:
				CHECK(ev == NC_HTTP_EV_ERROR && nc_http_failed(&p));
				break;
			}
			last = (uint8_t)ev;
			if (ev == NC_HTTP_EV_ERROR) {
				ev = nc_http_feed(&p, s, n, &used);   /* it stays in error */
				CHECK(ev == NC_HTTP_EV_ERROR && used == 0);
				break;
			}
		}
	} while (end != n && last != NC_HTTP_EV_ERROR);
	t->left = nc_http_body_left(&p);
	t->idle = nc_http_idle(&p);
	t->failed = nc_http_failed(&p);
	t->eof = nc_http_eof(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace a, b;
	uint8_t ctl, dir, method;
	uint32_t n, step;
	size_t k;

	if (size < 1 || size > UINT32_MAX / 4)
		return 0;
	ctl = data[0];
	dir = ctl & 1 ? NC_HTTP_RESPONSE : NC_HTTP_REQUEST;
	method = methods[(ctl >> 1) & 3];
	step = steps[(ctl >> 3) & 7];
	n = (uint32_t)size - 1;
	/* events: at most BEGIN and HEADERS per byte consumed, END after them */
	a.cap = b.cap = 3 * (size_t)n + 4;
	a.ev = calloc(a.cap, sizeof(*a.ev));
	b.ev = calloc(b.cap, sizeof(*b.ev));
	CHECK(a.ev != NULL && b.ev != NULL);

	feed(dir, method, data + 1, n, 0, 0, 0, 0, &a);
	feed(dir, method, data + 1, n, step, ((ctl >> 3) & 7) == 7, skips[ctl >> 6], ctl, &b);

	CHECK(a.n == b.n);
	for (k = 0; k < a.n; k++)
		CHECK(a.ev[k].ev == b.ev[k].ev && a.ev[k].off == b.ev[k].off &&
		      memcmp(&a.ev[k].msg, &b.ev[k].msg, sizeof(a.ev[k].msg)) == 0 &&
		      a.ev[k].left == b.ev[k].left);
	CHECK(a.left == b.left && a.idle == b.idle && a.failed == b.failed && a.eof == b.eof);
	free(a.ev);
	free(b.ev);
	return 0;
}
