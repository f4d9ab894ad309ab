/* SPDX-License-Identifier: BSD-3-Clause
 * HTTP/1.x message framing: a byte-level state machine (RFC 9112). Pure: no
 * EAL, no allocation; it keeps nothing of the stream but its 32 bytes, so
 * header names and the tokens that matter are matched as they stream by
 * (a position in <sub> and the candidates still matching in <mask>).
 *
 * Each byte of framing costs O(1); body bytes (Content-Length, chunk data,
 * close-delimited, tunnel) are skipped by arithmetic. An event is given at
 * the same stream offset however the stream is cut into pieces.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "nc_http.h"

_Static_assert(sizeof(struct nc_http_parser) <= 32, "nc_http_parser grew past 32 bytes");
_Static_assert(NC_HTTP_LINE_MAX <= UINT16_MAX, "nc_http_parser.line counts a line");
_Static_assert(NC_HTTP_CHUNK_LINE_MAX <= NC_HTTP_LINE_MAX, "so does a chunk line");

/* Content-Length and chunk sizes are bounded so that the arithmetic never
 * overflows (and far beyond any real body). */
#define LENGTH_MAX (UINT64_C(1) << 62)

/*
 * States. Up to S_ERROR no byte counts against a bound (the first two read
 * the empty lines before a request, the others give events or skip body
 * bytes); from S_METHOD on every byte does: header block lines (and trailers)
 * against NC_HTTP_LINE_MAX and NC_HTTP_HEAD_MAX, from S_DATA_END on chunk
 * lines against NC_HTTP_CHUNK_LINE_MAX.
 */
enum {
	S_IDLE,         /* between messages (requests: skipping empty lines) */
	S_IDLE_LF,      /* an empty line's CR seen */
	S_HEADERS,      /* the header block ended: frame the body, give HEADERS */
	S_END,          /* give END */
	S_BODY,         /* Content-Length body: <remain> bytes */
	S_DATA,         /* chunk data: <remain> bytes */
	S_CLOSE,        /* the rest of the stream is body (close-delimited, tunnel) */
	S_ERROR,
	S_METHOD,       /* request method, packed into <remain> */
	S_TARGET,       /* request-target; <sub> 1 once it has a byte */
	S_VERSION,      /* "HTTP/1." at <sub> 0..6, the minor digit at 7, then 8 */
	S_STATUS,       /* status code: <sub> digits */
	S_REASON,
	S_FIELD,        /* a header (or trailer) line starts */
	S_NAME,         /* field name: <sub> bytes, <mask> names still matching */
	S_VALUE,        /* field value of header <hdr> */
	S_LF,           /* a CR seen: LF must follow, then state <sub> */
	S_DATA_END,     /* CRLF after chunk data */
	S_SIZE,         /* chunk-size; <mask>: CH_* */
	S_EXT,          /* chunk extensions, skipped */
	S_CHUNK_LF,     /* a CR seen on a chunk line: LF must follow, then state <sub> */
};

/* <bits>: framing facts gathered over a header block */
#define B_LENGTH  0x01  /* a Content-Length value is in <remain> */
#define B_TE      0x02  /* a Transfer-Encoding field */
#define B_CHUNKED 0x04  /* its last coding so far is chunked */
#define B_TRAILER 0x08  /* the fields are a chunked body's trailers */

/* <mask> in a Content-Length value, in a chunk-size */
#define L_DIGIT   0x01  /* the element has a digit */
#define L_WS      0x02  /* and whitespace after its digits */
#define CH_DIGIT  0x01
#define CH_WS     0x02

/* <sub> in a list value once the element's token has ended (whitespace after
 * it, or no candidate left) */
#define TOK_DONE  0xff

/* Header fields whose value matters, lower case; bit i of <mask> is name i. */
enum { H_LENGTH, H_TE, H_CONNECTION, H_UPGRADE, H_EXPECT, H_OTHER };
static const char *const field_names[H_OTHER] = {
	[H_LENGTH] = "content-length",
	[H_TE] = "transfer-encoding",
	[H_CONNECTION] = "connection",
	[H_UPGRADE] = "upgrade",
	[H_EXPECT] = "expect",
};
#define NAMES_REQUEST  0x1f   /* all five */
#define NAMES_RESPONSE 0x0f   /* Expect only means something in a request */

/* Tokens of the list-valued fields; bit i of <mask> is token i. */
static const char *const tokens[H_OTHER][3] = {
	[H_TE] = { "chunked" },
	[H_CONNECTION] = { "close", "keep-alive", "upgrade" },
	[H_EXPECT] = { "100-continue" },
};
static const uint8_t tokens_all[H_OTHER + 1] = {
	[H_TE] = 0x1, [H_CONNECTION] = 0x7, [H_EXPECT] = 0x1,
};
/* a Connection token's bit is its flag */
_Static_assert(NC_HTTP_F_CLOSE == 1 << 0 && NC_HTTP_F_KEEP_ALIVE == 1 << 1 &&
	       NC_HTTP_F_UPGRADE == 1 << 2, "Connection token i is flag bit i");

static const char *const method_names[] = {
	[NC_HTTP_M_OTHER] = "other",
	[NC_HTTP_M_GET] = "GET",
	[NC_HTTP_M_HEAD] = "HEAD",
	[NC_HTTP_M_POST] = "POST",
	[NC_HTTP_M_PUT] = "PUT",
	[NC_HTTP_M_DELETE] = "DELETE",
	[NC_HTTP_M_CONNECT] = "CONNECT",
	[NC_HTTP_M_OPTIONS] = "OPTIONS",
	[NC_HTTP_M_TRACE] = "TRACE",
	[NC_HTTP_M_PATCH] = "PATCH",
};
#define METHODS (sizeof(method_names) / sizeof(method_names[0]))

/* Byte classes (RFC 9110 section 5.6.2 tchar; VCHAR and obs-text; field
 * value bytes: those and SP, HTAB). */
#define C_TCHAR 0x01
#define C_VCHAR 0x02
#define C_FIELD 0x04
#define T (C_TCHAR | C_VCHAR | C_FIELD)
#define V (C_VCHAR | C_FIELD)
static const uint8_t cls[256] = {
	['\t'] = C_FIELD, [' '] = C_FIELD,
	['!'] = T, ['"'] = V, ['#' ... '\''] = T, ['(' ... ')'] = V, ['*' ... '+'] = T,
	[','] = V, ['-' ... '.'] = T, ['/'] = V, ['0' ... '9'] = T, [':' ... '@'] = V,
	['A' ... 'Z'] = T, ['[' ... ']'] = V, ['^' ... 'z'] = T, ['{'] = V, ['|'] = T,
	['}'] = V, ['~'] = T, [0x80 ... 0xff] = V,
};
#undef T
#undef V

static const uint64_t pow10[19] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
	UINT64_C(10000000000), UINT64_C(100000000000), UINT64_C(1000000000000),
	UINT64_C(10000000000000), UINT64_C(100000000000000), UINT64_C(1000000000000000),
	UINT64_C(10000000000000000), UINT64_C(100000000000000000),
	UINT64_C(1000000000000000000),
};

static inline int
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static inline int
is_eol(uint8_t c)
{
	return c == '\r' || c == '\n';
}

static inline int
is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* Value of hex digit <c>, -1 if it is none. */
static inline int
hex_value(uint8_t c)
{
	if (is_digit(c))
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decimal digits of <v> (0 for 0). */
static unsigned int
decimal_digits(uint64_t v)
{
	unsigned int n = 0;

	while (n < 19 && v >= pow10[n])
		n++;
	return n;
}

/*
 * Candidates of <mask> (bit i: cand[i]) whose byte at <pos> is <c>. <c> is a
 * tchar or a field value byte other than SP/HTAB, so c | 0x20 folds exactly
 * the upper-case letters onto the lower-case candidates ('-' and digits stay;
 * no other byte of those classes lands on a letter, a digit or '-').
 * Reading cand[i][pos] is safe: bit i is set only while cand[i][0..pos-1]
 * matched bytes that are not NUL.
 */
static inline uint8_t
match(const char *const *cand, uint8_t mask, uint8_t pos, uint8_t c)
{
	unsigned int m = mask, b;

	while (m != 0) {
		b = (unsigned int)__builtin_ctz(m);
		m &= m - 1;
		if ((uint8_t)cand[b][pos] != (c | 0x20))
			mask &= (uint8_t)~(1u << b);
	}
	return mask;
}

/* Candidates of <mask> that end at <pos>. */
static inline uint8_t
match_end(const char *const *cand, uint8_t mask, uint8_t pos)
{
	unsigned int m = mask, b;

	while (m != 0) {
		b = (unsigned int)__builtin_ctz(m);
		m &= m - 1;
		if (cand[b][pos] != '\0')
			mask &= (uint8_t)~(1u << b);
	}
	return mask;
}

/* The method packed into <v> (its bytes, most significant first). A packed
 * name of 8 bytes or more has a non-zero top byte, so it equals no name
 * here (7 bytes at most) whatever the shifts dropped. */
static uint8_t
method_of(uint64_t v)
{
	unsigned int m;

	for (m = NC_HTTP_M_GET; m < METHODS; m++) {
		const char *s = method_names[m];
		uint64_t w = 0;

		while (*s != '\0')
			w = w << 8 | (uint8_t)*s++;
		if (w == v)
			return (uint8_t)m;
	}
	return NC_HTTP_M_OTHER;
}

/*
 * Consume the bytes of class <c_mask> from buf[i] on, as far as the line bound
 * <max> and the header block bound leave room; returns where it stopped. The
 * byte that would pass a bound is left to the caller's count, which fails.
 */
static inline uint32_t
run(struct nc_http_parser *p, const uint8_t *buf, uint32_t i, uint32_t len, uint8_t c_mask,
    uint32_t max)
{
	uint32_t room = max - p->line, end, j = i;

	if (room > NC_HTTP_HEAD_MAX - p->head)
		room = NC_HTTP_HEAD_MAX - p->head;
	end = len - i < room ? len : i + room;
	while (j < end && (cls[buf[j]] & c_mask))
		j++;
	p->line = (uint16_t)(p->line + (j - i));
	p->head += j - i;
	return j;
}

/* The line ends at <c> (CR or LF); the stream goes on in state <next>. */
static inline void
eol(struct nc_http_parser *p, uint8_t c, uint8_t next)
{
	if (c == '\n') {
		p->line = 0;
		p->state = next;
	} else {
		p->sub = next;
		p->state = p->state >= S_DATA_END ? S_CHUNK_LF : S_LF;
	}
}

static void
begin(struct nc_http_parser *p)
{
	memset(&p->msg, 0, sizeof(p->msg));
	p->remain = 0;
	p->sub = 0;
	p->hdr = H_OTHER;
	p->mask = 0;
	p->bits = 0;
	p->line = 0;
	p->head = 0;
	p->state = p->dir == NC_HTTP_REQUEST ? S_METHOD : S_VERSION;
}

/* A header name ended at its colon. */
static void
name_end(struct nc_http_parser *p)
{
	uint8_t m = p->mask != 0 ? match_end(field_names, p->mask, p->sub) : 0;

	p->hdr = m != 0 ? (uint8_t)__builtin_ctz(m) : H_OTHER;
	p->mask = tokens_all[p->hdr];
	p->sub = 0;
	if (p->hdr == H_TE)
		p->bits |= B_TE;
	else if (p->hdr == H_UPGRADE)
		p->msg.flags |= NC_HTTP_F_UPGRADE;
	p->state = S_VALUE;
}

/* A Content-Length list element ended (at a comma or the line end): it had
 * digits, and a repeated value spelled the first one out. */
static int
length_end(struct nc_http_parser *p)
{
	if (!(p->mask & L_DIGIT))
		return -1;
	if (p->bits & B_LENGTH) {
		if (p->sub != decimal_digits(p->remain))
			return -1;
	} else {
		p->bits |= B_LENGTH;
	}
	p->mask = 0;
	p->sub = 0;
	return 0;
}

/*
 * A byte of a Content-Length value: 1*DIGIT with OWS around, or a comma list
 * of them. The first value is read into <remain>; a later one (in the list or
 * another field) is compared digit by digit with it - <sub> digits matched,
 * leading zeros aside - as there is no room to read it beside.
 */
static int
length_byte(struct nc_http_parser *p, uint8_t c)
{
	unsigned int d, n;

	if (c == ',')
		return length_end(p);
	if (is_ows(c)) {
		if (p->mask & L_DIGIT)
			p->mask |= L_WS;
		return 0;
	}
	if (!is_digit(c) || (p->mask & L_WS))
		return -1;
	p->mask |= L_DIGIT;
	d = c - '0';
	if (!(p->bits & B_LENGTH)) {
		if (p->remain > (LENGTH_MAX - d) / 10)
			return -1;
		p->remain = p->remain * 10 + d;
		return 0;
	}
	if (p->sub == 0 && d == 0)
		return 0;
	n = decimal_digits(p->remain);
	if (p->sub >= n || p->remain / pow10[n - 1 - p->sub] % 10 != d)
		return -1;
	p->sub++;
	return 0;
}

/* A list element of Transfer-Encoding, Connection or Expect ended. */
static void
token_end(struct nc_http_parser *p)
{
	uint8_t m = p->mask;

	if (p->sub == 0)
		return;   /* empty element */
	if (p->sub != TOK_DONE)
		m = match_end(tokens[p->hdr], m, p->sub);
	if (p->hdr == H_TE)
		p->bits = (uint8_t)(m != 0 ? p->bits | B_CHUNKED : p->bits & ~B_CHUNKED);
	else if (p->hdr == H_CONNECTION)
		p->msg.flags |= m;
	else if (m != 0)
		p->msg.flags |= NC_HTTP_F_CONTINUE;
	p->mask = tokens_all[p->hdr];
	p->sub = 0;
}

/*
 * A byte of a list value: elements split at commas, each one token matched
 * whole (case-insensitive) with OWS around it; "keep alive" is no token.
 * Quoted strings are not followed: a comma in one splits the element there.
 * None of these tokens is quoted, and when a value's last comma is inside a
 * quoted string its last element holds the closing quote, so a last coding
 * is never taken for chunked out of one.
 */
static void
token_byte(struct nc_http_parser *p, uint8_t c)
{
	if (c == ',') {
		token_end(p);
	} else if (is_ows(c)) {
		if (p->sub != 0 && p->sub != TOK_DONE) {
			p->mask = match_end(tokens[p->hdr], p->mask, p->sub);
			p->sub = TOK_DONE;
		}
	} else if (p->sub == TOK_DONE) {
		p->mask = 0;
	} else {
		p->mask = match(tokens[p->hdr], p->mask, p->sub, c);
		p->sub = p->mask != 0 ? p->sub + 1 : TOK_DONE;
	}
}

/*
 * The header block ended: the message's framing (RFC 9112 section 6.3).
 * Transfer-Encoding wins over Content-Length; in an HTTP/1.0 message it means
 * faulty framing (section 6.1): a request is an error, a response ends with
 * the close. Returns -1 for a request that cannot be framed.
 */
static int
frame(struct nc_http_parser *p)
{
	struct nc_http_msg *m = &p->msg;
	int te_chunked = (p->bits & B_CHUNKED) && m->minor != 0;

	if (p->dir == NC_HTTP_REQUEST) {
		if (m->method == NC_HTTP_M_CONNECT)
			m->body = NC_HTTP_BODY_NONE;
		else if (!(p->bits & B_TE))
			m->body = p->bits & B_LENGTH ? NC_HTTP_BODY_LENGTH : NC_HTTP_BODY_NONE;
		else if (te_chunked)
			m->body = NC_HTTP_BODY_CHUNKED;
		else
			return -1;
	} else {
		m->method = p->expect;
		if (m->status < 200) {
			/* interim: the final response still answers the same request */
			m->body = m->status == 101 ? NC_HTTP_BODY_TUNNEL : NC_HTTP_BODY_NONE;
		} else {
			p->expect = NC_HTTP_M_OTHER;
			if (m->method == NC_HTTP_M_HEAD || m->status == 204 || m->status == 304)
				m->body = NC_HTTP_BODY_NONE;
			else if (m->method == NC_HTTP_M_CONNECT && m->status < 300)
				m->body = NC_HTTP_BODY_TUNNEL;
			else if (p->bits & B_TE)
				m->body = te_chunked ? NC_HTTP_BODY_CHUNKED : NC_HTTP_BODY_CLOSE;
			else if (p->bits & B_LENGTH)
				m->body = NC_HTTP_BODY_LENGTH;
			else
				m->body = NC_HTTP_BODY_CLOSE;
		}
	}
	switch (m->body) {
	case NC_HTTP_BODY_NONE:
		p->state = S_END;
		break;
	case NC_HTTP_BODY_LENGTH:
		p->state = p->remain != 0 ? S_BODY : S_END;
		break;
	case NC_HTTP_BODY_CHUNKED:
		p->remain = 0;
		p->mask = 0;
		p->line = 0;
		p->head = 0;
		p->state = S_SIZE;
		break;
	default:
		p->state = S_CLOSE;
	}
	return 0;
}

/* A chunk-size line ended: chunk data follows, or after the last chunk the
 * trailer section (counted with the last chunk's line against
 * NC_HTTP_HEAD_MAX). */
static inline void
chunk_line_end(struct nc_http_parser *p, uint8_t c)
{
	if (p->remain == 0)
		p->bits |= B_TRAILER;
	eol(p, c, p->remain != 0 ? S_DATA : S_FIELD);
}

void
nc_http_init(struct nc_http_parser *p, enum nc_http_dir dir)
{
	memset(p, 0, sizeof(*p));
	p->dir = (uint8_t)dir;
	p->state = S_IDLE;
	p->expect = NC_HTTP_M_OTHER;
}

void
nc_http_expect(struct nc_http_parser *p, uint8_t method)
{
	p->expect = method;
}

uint64_t
nc_http_body_left(const struct nc_http_parser *p)
{
	switch (p->state) {
	case S_BODY:
	case S_DATA:
		return p->remain;
	case S_CLOSE:
		return UINT64_MAX;
	default:
		return 0;
	}
}

int
nc_http_idle(const struct nc_http_parser *p)
{
	return p->state == S_IDLE || p->state == S_IDLE_LF;
}

int
nc_http_failed(const struct nc_http_parser *p)
{
	return p->state == S_ERROR;
}

int
nc_http_eof(struct nc_http_parser *p)
{
	switch (p->state) {
	case S_IDLE:
	case S_IDLE_LF:
	case S_END:
		return 1;
	case S_CLOSE:
		if (p->msg.body == NC_HTTP_BODY_CLOSE)
			p->state = S_IDLE;   /* the close ended the message */
		return 1;
	default:
		return 0;
	}
}

enum nc_http_event
nc_http_feed(struct nc_http_parser *p, const uint8_t *buf, uint32_t len, uint32_t *used)
{
	uint32_t i = 0, n, max;
	uint8_t c;
	int d;

	/* Without the bytes only body bytes can be skipped; the states below
	 * then never read <buf>: body states take <len> by arithmetic and the
	 * first state after a body stops at i == len. */
	if (buf == NULL && len > nc_http_body_left(p))
		goto fail;
	for (;;) {
		switch (p->state) {
		case S_HEADERS:
			if (frame(p) < 0)
				goto fail;
			*used = i;
			return NC_HTTP_EV_HEADERS;
		case S_END:
			p->state = S_IDLE;
			p->line = 0;
			*used = i;
			return NC_HTTP_EV_END;
		case S_BODY:
		case S_DATA:
			n = p->remain < len - i ? (uint32_t)p->remain : len - i;
			p->remain -= n;
			i += n;
			if (p->remain != 0) {
				*used = i;
				return NC_HTTP_EV_MORE;
			}
			if (p->state == S_BODY) {
				p->state = S_END;
			} else {
				p->mask = 0;
				p->line = 0;
				p->head = 0;
				p->state = S_DATA_END;
			}
			continue;
		case S_CLOSE:
			*used = len;
			return NC_HTTP_EV_MORE;
		case S_ERROR:
			goto fail;
		default:
			break;
		}
		if (i == len) {
			*used = i;
			return NC_HTTP_EV_MORE;
		}
		c = buf[i];
		if (p->state >= S_METHOD) {
			max = p->state >= S_DATA_END ? NC_HTTP_CHUNK_LINE_MAX : NC_HTTP_LINE_MAX;
			if (p->line == max || p->head == NC_HTTP_HEAD_MAX)
				goto fail;
			p->line++;
			p->head++;
		}
		switch (p->state) {
		case S_IDLE:
			if (p->dir == NC_HTTP_REQUEST && is_eol(c)) {
				if (c == '\r')
					p->state = S_IDLE_LF;
				else if (++p->line > NC_HTTP_EMPTY_MAX)
					goto fail;
				break;
			}
			if (p->dir == NC_HTTP_REQUEST ? !(cls[c] & C_TCHAR) : c != 'H')
				goto fail;
			begin(p);
			*used = i;
			return NC_HTTP_EV_BEGIN;
		case S_IDLE_LF:
			if (c != '\n' || ++p->line > NC_HTTP_EMPTY_MAX)
				goto fail;
			p->state = S_IDLE;
			break;
		case S_METHOD:
			if (cls[c] & C_TCHAR) {
				p->remain = p->remain << 8 | c;
				break;
			}
			if (c != ' ')
				goto fail;
			p->msg.method = method_of(p->remain);
			p->remain = 0;
			p->state = S_TARGET;
			break;
		case S_TARGET:
			if (cls[c] & C_VCHAR) {
				p->sub = 1;
				i = run(p, buf, i + 1, len, C_VCHAR, NC_HTTP_LINE_MAX);
				continue;
			}
			if (c != ' ' || p->sub == 0)
				goto fail;
			p->sub = 0;
			p->state = S_VERSION;
			break;
		case S_VERSION:
			if (p->sub < 7) {
				if (c != (uint8_t)"HTTP/1."[p->sub++])
					goto fail;
			} else if (p->sub == 7) {
				if (!is_digit(c))
					goto fail;
				p->msg.minor = c - '0';
				p->sub++;
			} else if (p->dir == NC_HTTP_RESPONSE && c == ' ') {
				p->sub = 0;
				p->state = S_STATUS;
			} else if (p->dir == NC_HTTP_REQUEST && is_eol(c)) {
				eol(p, c, S_FIELD);
			} else {
				goto fail;
			}
			break;
		case S_STATUS:
			if (p->sub < 3) {
				if (!is_digit(c) || (p->sub == 0 && c == '0'))
					goto fail;
				p->msg.status = (uint16_t)(p->msg.status * 10 + (c - '0'));
				p->sub++;
			} else if (c == ' ') {
				p->state = S_REASON;   /* the reason phrase may be empty */
			} else if (is_eol(c)) {
				eol(p, c, S_FIELD);    /* leniency: no SP before an empty reason */
			} else {
				goto fail;
			}
			break;
		case S_REASON:
			if (cls[c] & C_FIELD) {
				i = run(p, buf, i + 1, len, C_FIELD, NC_HTTP_LINE_MAX);
				continue;
			}
			if (!is_eol(c))
				goto fail;
			eol(p, c, S_FIELD);
			break;
		case S_FIELD:
			if (is_eol(c)) {
				eol(p, c, p->bits & B_TRAILER ? S_END : S_HEADERS);
				break;
			}
			/* whitespace here is obs-fold (or before the first field) */
			if (!(cls[c] & C_TCHAR))
				goto fail;
			p->mask = p->bits & B_TRAILER ? 0 :
				  p->dir == NC_HTTP_REQUEST ? NAMES_REQUEST : NAMES_RESPONSE;
			p->sub = 0;
			p->state = S_NAME;
			/* fall through */
		case S_NAME:
			if (cls[c] & C_TCHAR) {
				if (p->mask == 0) {
					i = run(p, buf, i + 1, len, C_TCHAR, NC_HTTP_LINE_MAX);
					continue;
				}
				p->mask = match(field_names, p->mask, p->sub, c);
				p->sub++;
				break;
			}
			if (c != ':')    /* whitespace before the colon too */
				goto fail;
			name_end(p);
			break;
		case S_VALUE:
			if (is_eol(c)) {
				if (p->hdr == H_LENGTH) {
					if (length_end(p) < 0)
						goto fail;
				} else if (tokens_all[p->hdr] != 0) {
					token_end(p);
				}
				eol(p, c, S_FIELD);
				break;
			}
			if (!(cls[c] & C_FIELD))
				goto fail;
			if (p->hdr == H_LENGTH) {
				if (length_byte(p, c) < 0)
					goto fail;
			} else if (tokens_all[p->hdr] != 0) {
				token_byte(p, c);
			} else {
				i = run(p, buf, i + 1, len, C_FIELD, NC_HTTP_LINE_MAX);
				continue;
			}
			break;
		case S_LF:
		case S_CHUNK_LF:
			if (c != '\n')
				goto fail;
			p->line = 0;
			p->state = p->sub;
			break;
		case S_DATA_END:
			if (!is_eol(c))
				goto fail;
			eol(p, c, S_SIZE);
			break;
		case S_SIZE:
			d = hex_value(c);
			if (d >= 0) {
				if ((p->mask & CH_WS) ||
				    p->remain > (LENGTH_MAX - (unsigned int)d) >> 4)
					goto fail;
				p->remain = p->remain << 4 | (unsigned int)d;
				p->mask |= CH_DIGIT;
				break;
			}
			if (!(p->mask & CH_DIGIT))
				goto fail;
			if (is_ows(c))
				p->mask |= CH_WS;
			else if (c == ';')
				p->state = S_EXT;
			else if (is_eol(c))
				chunk_line_end(p, c);
			else
				goto fail;
			break;
		case S_EXT:
			if (cls[c] & C_FIELD) {
				i = run(p, buf, i + 1, len, C_FIELD, NC_HTTP_CHUNK_LINE_MAX);
				continue;
			}
			if (!is_eol(c))
				goto fail;
			chunk_line_end(p, c);
			break;
		}
		i++;
	}
fail:
	p->state = S_ERROR;
	*used = i;
	return NC_HTTP_EV_ERROR;
}

int
nc_http_persist(const struct nc_http_msg *req, const struct nc_http_msg *resp)
{
	if ((req->flags | resp->flags) & NC_HTTP_F_CLOSE)
		return 0;
	if ((req->minor == 0 && !(req->flags & NC_HTTP_F_KEEP_ALIVE)) ||
	    (resp->minor == 0 && !(resp->flags & NC_HTTP_F_KEEP_ALIVE)))
		return 0;
	return resp->body != NC_HTTP_BODY_CLOSE && resp->body != NC_HTTP_BODY_TUNNEL;
}

int
nc_http_idempotent(uint8_t method)
{
	switch (method) {
	case NC_HTTP_M_GET:
	case NC_HTTP_M_HEAD:
	case NC_HTTP_M_PUT:
	case NC_HTTP_M_DELETE:
	case NC_HTTP_M_OPTIONS:
	case NC_HTTP_M_TRACE:
		return 1;
	default:
		return 0;
	}
}

const char *
nc_http_method_name(uint8_t method)
{
	return method < METHODS ? method_names[method] : method_names[NC_HTTP_M_OTHER];
}
