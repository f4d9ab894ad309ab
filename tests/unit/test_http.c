/* SPDX-License-Identifier: BSD-3-Clause
 * lib/http: HTTP/1.x framing. A table of streams, each with the events it
 * must give, their stream offsets and the message read at HEADERS; every
 * stream is fed whole, split in two at every byte, one byte at a time, and
 * with its body bytes handed over as NULL skips, and every way must give
 * exactly those events. Then nc_http_eof, nc_http_idle, nc_http_body_left,
 * nc_http_persist and nc_http_idempotent. EAL-free.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nc_http.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------- the table */

struct want {
	uint8_t ev;               /* enum nc_http_event; NC_HTTP_EV_MORE ends a list */
	uint32_t off;             /* stream offset of the event */
	struct nc_http_msg msg;   /* at HEADERS */
};

struct framing_case {
	const char *desc;
	uint8_t dir;              /* enum nc_http_dir */
	uint8_t expect;           /* response: the request's method (nc_http_expect) */
	const char *in;           /* the stream: <in>, then <fill> <fill_n> times, then <tail> */
	size_t in_len;
	struct want want[24];
	const char *fill;
	uint32_t fill_n;
	const char *tail;
};

/* events: B(offset) BEGIN, H(offset, status, method, minor, body, flags)
 * HEADERS, E(offset) END, X(offset) ERROR */
#define B(o) { NC_HTTP_EV_BEGIN, o, { 0 } }
#define H(o, st, m, mi, b, f) \
	{ NC_HTTP_EV_HEADERS, o, { st, NC_HTTP_M_##m, mi, NC_HTTP_BODY_##b, f } }
#define E(o) { NC_HTTP_EV_END, o, { 0 } }
#define X(o) { NC_HTTP_EV_ERROR, o, { 0 } }
#define REQ NC_HTTP_REQUEST, NC_HTTP_M_OTHER
#define RSP(m) NC_HTTP_RESPONSE, NC_HTTP_M_##m
#define IN(s) s, sizeof(s) - 1
#define FL_CLOSE NC_HTTP_F_CLOSE
#define FL_KEEP NC_HTTP_F_KEEP_ALIVE
#define FL_UPGRADE NC_HTTP_F_UPGRADE
#define FL_CONTINUE NC_HTTP_F_CONTINUE

/* a 64-byte header line, to fill header blocks up to their bound */
#define PAD "X-Pad: ppppppppppppppppppppppppppppppppppppppppppppppppppppppp\r\n"
_Static_assert(sizeof(PAD) - 1 == 64, "PAD is 64 bytes");

static const struct framing_case framing_cases[] = {
	/* ---- requests (offsets: B at a message's first byte, H right after the
	 * empty line, E right after the body) ---- */
	{ "GET, no body", REQ,
	  IN("GET /index.html HTTP/1.1\r\nHost: a.example\r\n"
	     "Accept: */*\r\n\r\n"),
	  { B(0), H(58, 0, GET, 1, NONE, 0), E(58) } },
	{ "HEAD, no body", REQ,
	  IN("HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n"),
	  { B(0), H(29, 0, HEAD, 1, NONE, 0), E(29) } },
	{ "POST with Content-Length", REQ,
	  IN("POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n"
	     "hello world"),
	  { B(0), H(52, 0, POST, 1, LENGTH, 0), E(63) } },
	{ "POST, Content-Length: 0", REQ,
	  IN("POST /empty HTTP/1.1\r\ncontent-length:0\r\n\r\n"),
	  { B(0), H(42, 0, POST, 1, LENGTH, 0), E(42) } },
	{ "POST chunked with extensions and trailers", REQ,
	  IN("POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "5;name=val\r\nhello\r\n6 ; ext ; q=\"a;b\"\r\n"
	     " world\r\n000\r\nX-Sum: 1\r\nX-Other: 2\r\n\r\n"),
	  { B(0), H(58, 0, POST, 1, CHUNKED, 0), E(133) } },
	{ "PUT chunked, LF-only lines, hex sizes", REQ,
	  IN("PUT /x HTTP/1.1\nTransfer-Encoding: Chunked\n\n"
	     "a\n0123456789\nA\n0123456789\n0\n\n"),
	  { B(0), H(44, 0, PUT, 1, CHUNKED, 0), E(73) } },
	{ "pipelined requests", REQ,
	  IN("GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
	     "POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\n"
	     "abc"
	     "DELETE /c HTTP/1.1\r\n\r\n"),
	  { B(0), H(28, 0, GET, 1, NONE, 0), E(28), B(28), H(67, 0, POST, 1, LENGTH, 0), E(70),
	    B(70), H(92, 0, DELETE, 1, NONE, 0), E(92) } },
	{ "methods: told case-sensitively, the rest OTHER", REQ,
	  IN("OPTIONS * HTTP/1.1\r\n\r\n"
	     "PATCH /p HTTP/1.1\r\n\r\n"
	     "TRACE / HTTP/1.1\r\n\r\n"
	     "get / HTTP/1.1\r\n\r\n"
	     "PROPFIND / HTTP/1.1\r\n\r\n"
	     "XCONNECT / HTTP/1.1\r\n\r\n"
	     "GETGETGETGET / HTTP/1.1\r\n\r\n"),
	  { B(0), H(22, 0, OPTIONS, 1, NONE, 0), E(22), B(22), H(43, 0, PATCH, 1, NONE, 0),
	    E(43), B(43), H(63, 0, TRACE, 1, NONE, 0), E(63), B(63),
	    H(81, 0, OTHER, 1, NONE, 0), E(81), B(81), H(104, 0, OTHER, 1, NONE, 0), E(104),
	    B(104), H(127, 0, OTHER, 1, NONE, 0), E(127), B(127), H(154, 0, OTHER, 1, NONE, 0),
	    E(154) } },
	{ "HTTP/1.0 request", REQ,
	  IN("GET / HTTP/1.0\r\nUser-Agent: old\r\n\r\n"),
	  { B(0), H(35, 0, GET, 0, NONE, 0), E(35) } },
	{ "HTTP/1.0 request with Keep-Alive", REQ,
	  IN("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"),
	  { B(0), H(42, 0, GET, 0, NONE, FL_KEEP), E(42) } },
	{ "Connection lists in odd case, over two fields", REQ,
	  IN("GET / HTTP/1.1\r\nConnection: TE, CLOSE\r\n"
	     "connection:keep-alive ,\t UpGrade  \r\n\r\n"),
	  { B(0), H(77, 0, GET, 1, NONE, FL_CLOSE | FL_KEEP | FL_UPGRADE), E(77) } },
	{ "Connection: no token in 'keep alive', 'closed', 'xclose', '\"close\"'", REQ,
	  IN("GET / HTTP/1.1\r\nConnection: keep alive, closed, xclose, \"close\",,\r\n"
	     "X-Close: close\r\n\r\n"),
	  { B(0), H(85, 0, GET, 1, NONE, 0), E(85) } },
	{ "Expect: 100-continue", REQ,
	  IN("PUT /big HTTP/1.1\r\nExpect: 100-Continue\r\n"
	     "Content-Length: 4\r\n\r\n"
	     "body"),
	  { B(0), H(62, 0, PUT, 1, LENGTH, FL_CONTINUE), E(66) } },
	{ "Expect: something else", REQ,
	  IN("PUT /big HTTP/1.1\r\nExpect: 100-continue-not\r\n"
	     "Content-Length: 1\r\n\r\n"
	     "b"),
	  { B(0), H(66, 0, PUT, 1, LENGTH, 0), E(67) } },
	{ "CONNECT has no body", REQ,
	  IN("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n"),
	  { B(0), H(55, 0, CONNECT, 1, NONE, 0), E(55) } },
	{ "Upgrade: websocket", REQ,
	  IN("GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
	     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	     "Sec-WebSocket-Version: 13\r\n\r\n"),
	  { B(0), H(144, 0, GET, 1, NONE, FL_UPGRADE), E(144) } },
	{ "Upgrade field alone", REQ,
	  IN("GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n"),
	  { B(0), H(32, 0, GET, 1, NONE, FL_UPGRADE), E(32) } },
	{ "empty lines before a request are skipped", REQ,
	  IN("\r\n\n\r\n\n"
	     "GET / HTTP/1.1\r\n\r\n"),
	  { B(6), H(24, 0, GET, 1, NONE, 0), E(24) } },
	{ "a fifth empty line is an error", REQ,
	  IN("\r\n\r\n\r\n\r\n\r"
	     "\nGET / HTTP/1.1\r\n\r\n"),
	  { X(9) } },
	{ "CRLF after a POST body, then the next request", REQ,
	  IN("POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n"
	     "hi"
	     "\r\n"
	     "GET / HTTP/1.1\r\n\r\n"),
	  { B(0), H(38, 0, POST, 1, LENGTH, 0), E(40), B(42), H(60, 0, GET, 1, NONE, 0), E(60) } },
	{ "Transfer-Encoding wins over Content-Length", REQ,
	  IN("POST / HTTP/1.1\r\nContent-Length: 100\r\n"
	     "Transfer-Encoding: chunked\r\n\r\n"
	     "0\r\n\r\n"),
	  { B(0), H(68, 0, POST, 1, CHUNKED, 0), E(73) } },
	{ "Transfer-Encoding gzip, chunked (two fields)", REQ,
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n"
	     "Transfer-Encoding: CHUNKED \r\n\r\n"
	     "1\r\nz\r\n0\r\n\r\n"),
	  { B(0), H(73, 0, POST, 1, CHUNKED, 0), E(84) } },
	{ "request whose last coding is not chunked: error", REQ,
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"
	     "0\r\n\r\n"),
	  { B(0), X(53) } },
	{ "request with an empty Transfer-Encoding: error", REQ,
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n"),
	  { B(0), X(39) } },
	{ "Transfer-Encoding in an HTTP/1.0 request: error", REQ,
	  IN("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "0\r\n\r\n"),
	  { B(0), X(47) } },
	{ "duplicate equal Content-Length (fields, list, leading zeros)", REQ,
	  IN("POST / HTTP/1.1\r\nContent-Length: 12\r\n"
	     "Content-Length: 012 , 12\r\nContent-Length:12\r\n\r\n"
	     "twelve bytes"),
	  { B(0), H(84, 0, POST, 1, LENGTH, 0), E(96) } },
	{ "Content-Length 0 repeated as 00", REQ,
	  IN("POST / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 00\r\n\r\n"),
	  { B(0), H(58, 0, POST, 1, LENGTH, 0), E(58) } },
	{ "different Content-Length: error", REQ,
	  IN("POST / HTTP/1.1\r\nContent-Length: 12\r\n"
	     "Content-Length: 1"
	     "3\r\n\r\n"),
	  { B(0), X(54) } },
	{ "Content-Length list 3, 30: error", REQ,
	  IN("POST / HTTP/1.1\r\nContent-Length: 3, 3"
	     "0\r\n\r\n"),
	  { B(0), X(37) } },
	{ "Content-Length 12 then 1: error at the line end", REQ,
	  IN("POST / HTTP/1.1\r\nContent-Length: 12\r\n"
	     "Content-Length: 1"
	     "\r\n\r\n"),
	  { B(0), X(54) } },
	{ "Content-Length with a sign: error", REQ,
	  IN("POST / HTTP/1.1\r\nContent-Length: "
	     "+5\r\n\r\n"),
	  { B(0), X(33) } },
	{ "Content-Length in hex: error", REQ,
	  IN("POST / HTTP/1.1\r\nContent-Length: 0"
	     "x5\r\n\r\n"),
	  { B(0), X(34) } },
	{ "Content-Length '5 5': error", REQ,
	  IN("POST / HTTP/1.1\r\nContent-Length: 5 "
	     "5\r\n\r\n"),
	  { B(0), X(35) } },
	{ "empty Content-Length: error", REQ,
	  IN("POST / HTTP/1.1\r\nContent-Length: "
	     "\r\n\r\n"),
	  { B(0), X(33) } },
	{ "Content-Length 2^62 is taken", REQ,
	  IN("POST / HTTP/1.1\r\nContent-Length: 4611686018427387904\r\n\r\n"
	     "partial body"),
	  { B(0), H(56, 0, POST, 1, LENGTH, 0) } },
	{ "Content-Length over 2^62: error", REQ,
	  IN("POST / HTTP/1.1\r\nContent-Length: 461168601842738790"
	     "5\r\n\r\n"),
	  { B(0), X(51) } },
	{ "obs-fold: error", REQ,
	  IN("GET / HTTP/1.1\r\nX-A: 1\r\n"
	     " 2\r\n\r\n"),
	  { B(0), X(24) } },
	{ "whitespace before the first field: error", REQ,
	  IN("GET / HTTP/1.1\r\n"
	     "\tHost: a\r\n\r\n"),
	  { B(0), X(16) } },
	{ "space before a colon: error", REQ,
	  IN("GET / HTTP/1.1\r\nHost"
	     " : a\r\n\r\n"),
	  { B(0), X(20) } },
	{ "empty field name: error", REQ,
	  IN("GET / HTTP/1.1\r\n"
	     ": a\r\n\r\n"),
	  { B(0), X(16) } },
	{ "bare CR ending the request line: error", REQ,
	  IN("GET / HTTP/1.1\r"
	     "Host: a\r\n\r\n"),
	  { B(0), X(15) } },
	{ "bare CR in a field value: error", REQ,
	  IN("GET / HTTP/1.1\r\nX-A: a\r"
	     "b\r\n\r\n"),
	  { B(0), X(23) } },
	{ "NUL in a field value: error", REQ,
	  IN("GET / HTTP/1.1\r\nX-A: a"
	     "\000b\r\n\r\n"),
	  { B(0), X(22) } },
	{ "two spaces after the method: error", REQ,
	  IN("GET "
	     " / HTTP/1.1\r\n\r\n"),
	  { B(0), X(4) } },
	{ "space after the version: error", REQ,
	  IN("GET / HTTP/1.1"
	     " \r\n\r\n"),
	  { B(0), X(14) } },
	{ "lower-case http: error", REQ,
	  IN("GET / "
	     "http/1.1\r\n\r\n"),
	  { B(0), X(6) } },
	{ "HTTP/0.9 request: error", REQ,
	  IN("GET /"
	     "\r\n"),
	  { B(0), X(5) } },
	{ "HTTP/2 preface: error", REQ,
	  IN("PRI * HTTP/"
	     "2.0\r\n\r\nSM\r\n\r\n"),
	  { B(0), X(11) } },
	{ "TLS ClientHello: error", REQ,
	  IN("\026\003\001\002\000\001\000\001\374\003\003\212\177"),
	  { X(0) } },
	{ "binary garbage: error", REQ,
	  IN("\000\377\0237\200GET / HTTP/1.1\r\n\r\n"),
	  { X(0) } },
	{ "chunk-size overflow: error", REQ,
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "1000000000000000"
	     "0\r\n"),
	  { B(0), H(47, 0, POST, 1, CHUNKED, 0), X(63) } },
	{ "chunk-size over 2^62: error", REQ,
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "400000000000000"
	     "1\r\n"),
	  { B(0), H(47, 0, POST, 1, CHUNKED, 0), X(62) } },
	{ "missing CRLF after chunk data: error", REQ,
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "5\r\nhello"
	     "X0\r\n\r\n"),
	  { B(0), H(47, 0, POST, 1, CHUNKED, 0), X(55) } },
	{ "chunk-size missing: error", REQ,
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     ";x\r\n"),
	  { B(0), H(47, 0, POST, 1, CHUNKED, 0), X(47) } },
	{ "space inside a chunk-size: error", REQ,
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "1 "
	     "0\r\n"),
	  { B(0), H(47, 0, POST, 1, CHUNKED, 0), X(49) } },
	{ "obs-fold in trailers: error", REQ,
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "0\r\nX-T: 1\r\n"
	     " 2\r\n\r\n"),
	  { B(0), H(47, 0, POST, 1, CHUNKED, 0), X(58) } },
	/* ---- responses ---- */
	{ "200 with Content-Length", RSP(GET),
	  IN("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	     "Content-Length: 5\r\n\r\n"
	     "hello"),
	  { B(0), H(64, 200, GET, 1, LENGTH, 0), E(69) } },
	{ "chunked response", RSP(GET),
	  IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "4\r\nwiki\r\n5\r\npedia\r\n0\r\n\r\n"),
	  { B(0), H(47, 200, GET, 1, CHUNKED, 0), E(71) } },
	{ "close-delimited response, HTTP/1.1", RSP(GET),
	  IN("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
	     "all of it, to the close"),
	  { B(0), H(45, 200, GET, 1, CLOSE, 0) } },
	{ "close-delimited response, HTTP/1.0", RSP(GET),
	  IN("HTTP/1.0 200 OK\r\n\r\n"
	     "data"),
	  { B(0), H(19, 200, GET, 0, CLOSE, 0) } },
	{ "HEAD response with Content-Length has no body", RSP(HEAD),
	  IN("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"),
	  { B(0), H(41, 200, HEAD, 1, NONE, 0), E(41) } },
	{ "100 Continue, then 200", RSP(PUT),
	  IN("HTTP/1.1 100 Continue\r\n\r\n"
	     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"
	     "ok"),
	  { B(0), H(25, 100, PUT, 1, NONE, 0), E(25), B(25), H(63, 200, PUT, 1, LENGTH, 0),
	    E(65) } },
	{ "103 Early Hints, then 200 to HEAD", RSP(HEAD),
	  IN("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n"
	     "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"),
	  { B(0), H(71, 103, HEAD, 1, NONE, 0), E(71), B(71), H(110, 200, HEAD, 1, NONE, 0),
	    E(110) } },
	{ "101 Switching Protocols: tunnel", RSP(GET),
	  IN("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	     "Connection: Upgrade\r\n\r\n"
	     "\201\005hello\210\000"),
	  { B(0), H(77, 101, GET, 1, TUNNEL, FL_UPGRADE) } },
	{ "2xx to CONNECT: tunnel", RSP(CONNECT),
	  IN("HTTP/1.1 200 Connection Established\r\n\r\n"
	     "\026\003\001\000\005hello"),
	  { B(0), H(39, 200, CONNECT, 1, TUNNEL, 0) } },
	{ "407 to CONNECT is no tunnel", RSP(CONNECT),
	  IN("HTTP/1.1 407 Proxy Authentication Required\r\n"
	     "Proxy-Authenticate: Basic realm=\"p\"\r\n"
	     "Content-Length: 6\r\n\r\n"
	     "denied"),
	  { B(0), H(102, 407, CONNECT, 1, LENGTH, 0), E(108) } },
	{ "204 with Content-Length has no body", RSP(DELETE),
	  IN("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"),
	  { B(0), H(47, 204, DELETE, 1, NONE, 0), E(47) } },
	{ "304 with Content-Length has no body", RSP(GET),
	  IN("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n"
	     "ETag: \"x\"\r\n\r\n"),
	  { B(0), H(60, 304, GET, 1, NONE, 0), E(60) } },
	{ "Transfer-Encoding gzip: close-delimited", RSP(GET),
	  IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"
	     "\037\213\010\000rest"),
	  { B(0), H(44, 200, GET, 1, CLOSE, 0) } },
	{ "Transfer-Encoding gzip, chunked: chunked", RSP(GET),
	  IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
	     "2\r\n\037\213\r\n0\r\n\r\n"),
	  { B(0), H(53, 200, GET, 1, CHUNKED, 0), E(65) } },
	{ "Transfer-Encoding chunked, gzip: close-delimited", RSP(GET),
	  IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n"
	     "Content-Length: 3\r\n\r\n"
	     "3\r\nabc\r\n0\r\n\r\n"),
	  { B(0), H(72, 200, GET, 1, CLOSE, 0) } },
	{ "Transfer-Encoding and Content-Length: chunked wins", RSP(GET),
	  IN("HTTP/1.1 200 OK\r\nContent-Length: 999\r\n"
	     "Transfer-Encoding: chunked\r\n\r\n"
	     "3\r\nabc\r\n0\r\n\r\n"),
	  { B(0), H(68, 200, GET, 1, CHUNKED, 0), E(81) } },
	{ "Transfer-Encoding chunked in HTTP/1.0: close-delimited", RSP(GET),
	  IN("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "3\r\nabc\r\n0\r\n\r\n"),
	  { B(0), H(47, 200, GET, 0, CLOSE, 0) } },
	{ "duplicate equal Content-Length in a response", RSP(GET),
	  IN("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n"
	     "abc"),
	  { B(0), H(57, 200, GET, 1, LENGTH, 0), E(60) } },
	{ "different Content-Length in a response: error", RSP(GET),
	  IN("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: "
	     "4\r\n\r\nabcd"),
	  { B(0), X(52) } },
	{ "status line without reason, with and without its SP", RSP(GET),
	  IN("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"
	     "HTTP/1.1 404 \r\nContent-Length: 1\r\n\r\n"
	     "x"),
	  { B(0), H(35, 200, GET, 1, LENGTH, 0), E(35), B(35), H(71, 404, OTHER, 1, LENGTH, 0),
	    E(72) } },
	{ "LF-only response lines", RSP(GET),
	  IN("HTTP/1.1 200 OK\nContent-Length: 3\n\n"
	     "abc"),
	  { B(0), H(35, 200, GET, 1, LENGTH, 0), E(38) } },
	{ "Connection: close and keep-alive on responses", RSP(GET),
	  IN("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n"
	     "a"
	     "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
	     "Content-Length: 0\r\n\r\n"),
	  { B(0), H(57, 200, GET, 1, LENGTH, FL_CLOSE), E(58), B(58),
	    H(120, 200, OTHER, 0, LENGTH, FL_KEEP), E(120) } },
	{ "Expect is no flag on a response", RSP(GET),
	  IN("HTTP/1.1 417 Expectation Failed\r\nExpect: 100-continue\r\n"
	     "Content-Length: 0\r\n\r\n"),
	  { B(0), H(76, 417, GET, 1, LENGTH, 0), E(76) } },
	{ "reason phrase with obs-text and tabs", RSP(GET),
	  IN("HTTP/1.1 200 \303\247a va\tbien\r\nContent-Length: 0\r\n\r\n"),
	  { B(0), H(47, 200, GET, 1, LENGTH, 0), E(47) } },
	{ "HTTP/2.0 status line: error", RSP(GET),
	  IN("HTTP/"
	     "2.0 200 OK\r\n\r\n"),
	  { B(0), X(5) } },
	{ "two-digit status: error", RSP(GET),
	  IN("HTTP/1.1 20"
	     " OK\r\n\r\n"),
	  { B(0), X(11) } },
	{ "four-digit status: error", RSP(GET),
	  IN("HTTP/1.1 200"
	     "0 OK\r\n\r\n"),
	  { B(0), X(12) } },
	{ "status 099: error", RSP(GET),
	  IN("HTTP/1.1 "
	     "099 OK\r\n\r\n"),
	  { B(0), X(9) } },
	{ "empty line before a status line: error", RSP(GET),
	  IN("\r\nHTTP/1.1 200 OK\r\n\r\n"),
	  { X(0) } },
	{ "binary garbage response: error", RSP(GET),
	  IN("\211PNG\r\n\032\n"),
	  { X(0) } },
	{ "HTML without a status line: error", RSP(GET),
	  IN("<html><body>hi</body></html>\n"),
	  { X(0) } },
	/* ---- bounds: each counts line ends ---- */
	{ "request line of NC_HTTP_LINE_MAX bytes", REQ,
	  IN("GET /"), { B(0), H(8194, 0, GET, 1, NONE, 0), E(8194) },
	  .fill = "a", .fill_n = 8176, .tail = " HTTP/1.1\r\n\r\n" },
	{ "request line one byte over: error", REQ,
	  IN("GET /"), { B(0), X(8192) },
	  .fill = "a", .fill_n = 8177, .tail = " HTTP/1.1\r\n\r\n" },
	{ "header line one byte over: error", REQ,
	  IN("GET / HTTP/1.1\r\nX-Long: "), { B(0), X(8208) },
	  .fill = "v", .fill_n = 8183, .tail = "\r\n\r\n" },
	{ "header block of NC_HTTP_HEAD_MAX bytes", REQ,
	  IN("GET / HTTP/1.1\r\n"), { B(0), H(65536, 0, GET, 1, NONE, 0), E(65536) },
	  .fill = PAD, .fill_n = 1023,
	  .tail = "X-Last: 123456789012345678901234567890123456\r\n\r\n" },
	{ "header block one byte over: error", REQ,
	  IN("GET / HTTP/1.1\r\n"), { B(0), X(65536) },
	  .fill = PAD, .fill_n = 1023,
	  .tail = "X-Last: 1234567890123456789012345678901234567\r\n\r\n" },
	{ "response header block of NC_HTTP_HEAD_MAX bytes", RSP(GET),
	  IN("HTTP/1.1 200 OK\r\n"), { B(0), H(65536, 200, GET, 1, CLOSE, 0) },
	  .fill = PAD, .fill_n = 1023,
	  .tail = "X-Last: 12345678901234567890123456789012345\r\n\r\n" },
	{ "chunk line of NC_HTTP_CHUNK_LINE_MAX bytes", REQ,
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;"),
	  { B(0), H(47, 0, POST, 1, CHUNKED, 0), E(1083) },
	  .fill = "e", .fill_n = 1020, .tail = "\r\nhello\r\n0\r\n\r\n" },
	{ "chunk line one byte over: error", REQ,
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;"),
	  { B(0), H(47, 0, POST, 1, CHUNKED, 0), X(1071) },
	  .fill = "e", .fill_n = 1021, .tail = "\r\nhello\r\n0\r\n\r\n" },
};

/* ------------------------------------------------------------ the driver */

#define MAX_GOT 64

struct trace {
	struct want ev[MAX_GOT];
	unsigned int n;
	int overflow;
};

/* A case's stream, built from its parts; free() it. */
static uint8_t *
case_stream(const struct framing_case *c, uint32_t *n)
{
	size_t fl = c->fill != NULL ? strlen(c->fill) : 0;
	size_t tl = c->tail != NULL ? strlen(c->tail) : 0;
	size_t len = c->in_len + fl * c->fill_n + tl, o = c->in_len, k;
	uint8_t *s = malloc(len + 1);

	assert_non_null(s);
	memcpy(s, c->in, c->in_len);
	for (k = 0; k < c->fill_n; k++, o += fl)
		memcpy(s + o, c->fill, fl);
	memcpy(s + o, c->tail != NULL ? c->tail : "", tl);
	*n = (uint32_t)len;
	return s;
}

/*
 * Feed the <n> bytes at <s> to a parser for <c>: in the pieces [0, cut) and
 * [cut, n) (cut 0: whole), or in pieces of <step> bytes; while the parser has
 * body bytes left, they go as NULL skips of at most <skip> bytes (0: never).
 * Each call gets a heap copy of exactly its bytes, so that a read past them
 * is caught by AddressSanitizer. Records the events in <t>.
 */
static void
drive(const struct framing_case *c, const uint8_t *s, uint32_t n, uint32_t cut, uint32_t step,
      uint32_t skip, struct trace *t)
{
	struct nc_http_parser p;
	uint32_t pos = 0, end;

	nc_http_init(&p, c->dir);
	if (c->dir == NC_HTTP_RESPONSE)
		nc_http_expect(&p, c->expect);
	t->n = 0;
	t->overflow = 0;
	do {
		if (step != 0)
			end = n - pos > step ? pos + step : n;
		else
			end = cut > pos ? cut : n;
		for (;;) {
			uint32_t k = end - pos, used = UINT32_MAX;
			uint64_t body = nc_http_body_left(&p);
			uint8_t *copy = NULL;
			enum nc_http_event ev;

			if (skip != 0 && body != 0 && k != 0) {
				if (k > skip)
					k = skip;
				if (k > body)
					k = (uint32_t)body;
				ev = nc_http_feed(&p, NULL, k, &used);
			} else {
				copy = malloc(k + 1);
				assert_non_null(copy);
				memcpy(copy + 1, s + pos, k);
				ev = nc_http_feed(&p, copy + 1, k, &used);
				free(copy);
			}
			assert_true(used <= k);
			pos += used;
			if (ev == NC_HTTP_EV_MORE) {
				assert_int_equal(used, k);
				if (pos == end)
					break;
				continue;
			}
			if (t->n == MAX_GOT) {
				t->overflow = 1;
				return;
			}
			t->ev[t->n].ev = (uint8_t)ev;
			t->ev[t->n].off = pos;
			memset(&t->ev[t->n].msg, 0, sizeof(t->ev[t->n].msg));
			if (ev == NC_HTTP_EV_HEADERS)
				t->ev[t->n].msg = p.msg;
			t->n++;
			if (ev == NC_HTTP_EV_ERROR) {
				/* it stays in error */
				assert_true(nc_http_failed(&p));
				assert_int_equal(nc_http_feed(&p, s, n, &used), NC_HTTP_EV_ERROR);
				assert_int_equal(used, 0);
				return;
			}
		}
	} while (end != n);
}

static const char *const ev_names[] = { "MORE", "BEGIN", "HEADERS", "END", "ERROR" };

static void
print_trace(const char *what, const struct want *ev, unsigned int n)
{
	unsigned int k;

	print_error("  %s:", what);
	for (k = 0; k < n; k++) {
		const struct nc_http_msg *m = &ev[k].msg;

		print_error(" %s@%u", ev[k].ev < DIM(ev_names) ? ev_names[ev[k].ev] : "?", ev[k].off);
		if (ev[k].ev == NC_HTTP_EV_HEADERS)
			print_error("(status %u %s 1.%u body %u flags 0x%x)", m->status,
				    nc_http_method_name(m->method), m->minor, m->body, m->flags);
	}
	print_error("\n");
}

/* The trace is the case's list of events; prints both when not. */
static int
trace_ok(const struct framing_case *c, const struct trace *t, const char *mode, uint32_t arg)
{
	unsigned int n = 0, k;
	int ok;

	while (n < DIM(c->want) && c->want[n].ev != NC_HTTP_EV_MORE)
		n++;
	ok = !t->overflow && t->n == n;
	for (k = 0; ok && k < n; k++)
		ok = t->ev[k].ev == c->want[k].ev && t->ev[k].off == c->want[k].off &&
		     memcmp(&t->ev[k].msg, &c->want[k].msg, sizeof(t->ev[k].msg)) == 0;
	if (!ok) {
		print_error("case '%s', %s %u:\n", c->desc, mode, arg);
		print_trace("want", c->want, n);
		print_trace("got ", t->ev, t->n);
	}
	return ok;
}

/* Split points worth trying in a stream of <n> bytes: all of them in a short
 * stream; in a long one every 61st and those near an expected event. */
static int
cut_tried(const struct framing_case *c, uint32_t n, uint32_t cut)
{
	unsigned int k;

	if (n <= 2048 || cut % 61 == 0 || n - cut < 8)
		return 1;
	for (k = 0; k < DIM(c->want) && c->want[k].ev != NC_HTTP_EV_MORE; k++)
		if (cut + 8 > c->want[k].off && cut < c->want[k].off + 8)
			return 1;
	return 0;
}

static void
test_framing_table(void **state)
{
	unsigned int i, fails = 0;

	(void)state;
	for (i = 0; i < DIM(framing_cases); i++) {
		const struct framing_case *c = &framing_cases[i];
		struct trace t;
		uint32_t n, cut;
		uint8_t *s = case_stream(c, &n);

		drive(c, s, n, 0, 0, 0, &t);
		if (!trace_ok(c, &t, "whole", n)) {
			fails++;
			free(s);
			continue;   /* the other ways would only repeat it */
		}
		for (cut = 1; cut < n; cut++) {
			if (!cut_tried(c, n, cut))
				continue;
			drive(c, s, n, cut, 0, 0, &t);
			if (!trace_ok(c, &t, "split at", cut)) {
				fails++;
				break;
			}
		}
		drive(c, s, n, 0, 1, 0, &t);
		fails += !trace_ok(c, &t, "one byte at a time", 1);
		drive(c, s, n, 0, 0, UINT32_MAX, &t);
		fails += !trace_ok(c, &t, "whole, body as one NULL skip", n);
		drive(c, s, n, 0, 0, 3, &t);
		fails += !trace_ok(c, &t, "whole, body as NULL skips of", 3);
		drive(c, s, n, 0, 1, 1, &t);
		fails += !trace_ok(c, &t, "one byte at a time, body as NULL skips of", 1);
		free(s);
	}
	assert_int_equal(fails, 0);
}

/* ------------------------------------------------------------------ eof */

/* Feed <in> whole; returns the last event other than MORE. */
static enum nc_http_event
feed_all(struct nc_http_parser *p, const char *in, size_t len)
{
	enum nc_http_event last = NC_HTTP_EV_MORE, ev;
	uint32_t pos = 0, used;

	do {
		ev = nc_http_feed(p, (const uint8_t *)in + pos, (uint32_t)len - pos, &used);
		pos += used;
		if (ev != NC_HTTP_EV_MORE)
			last = ev;
	} while (ev != NC_HTTP_EV_MORE && ev != NC_HTTP_EV_ERROR);
	return last;
}

struct eof_case {
	const char *desc;
	uint8_t dir, expect;
	const char *in;
	size_t in_len;
	int eof;         /* nc_http_eof() */
	int idle;        /* nc_http_idle() after it */
};

#define CHUNKED_HEAD "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"

static const struct eof_case eof_cases[] = {
	{ "nothing at all", REQ, IN(""), 1, 1 },
	{ "after a whole request", REQ, IN("GET / HTTP/1.1\r\n\r\n"), 1, 1 },
	{ "after a whole chunked request", REQ, IN(CHUNKED_HEAD "1\r\na\r\n0\r\n\r\n"), 1, 1 },
	{ "after empty lines only", REQ, IN("\r\n\r\n"), 1, 1 },
	{ "cut in the request line", REQ, IN("GET / HT"), 0, 0 },
	{ "cut in the headers", REQ, IN("GET / HTTP/1.1\r\nHost: a\r\n"), 0, 0 },
	{ "cut before the empty line's LF", REQ, IN("GET / HTTP/1.1\r\n\r"), 0, 0 },
	{ "cut in a Content-Length body", REQ,
	  IN("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel"), 0, 0 },
	{ "cut before a Content-Length body", REQ,
	  IN("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"), 0, 0 },
	{ "cut in a chunk-size line", REQ, IN(CHUNKED_HEAD "5"), 0, 0 },
	{ "cut in a chunk", REQ, IN(CHUNKED_HEAD "5\r\nhel"), 0, 0 },
	{ "cut before a chunk's CRLF", REQ, IN(CHUNKED_HEAD "5\r\nhello"), 0, 0 },
	{ "cut in the trailers", REQ, IN(CHUNKED_HEAD "5\r\nhello\r\n0\r\nX-T: 1\r\n"), 0, 0 },
	{ "after an error", REQ, IN("\026\003\001\002"), 0, 0 },
	{ "after a whole response", RSP(GET), IN("HTTP/1.1 204 No Content\r\n\r\n"), 1, 1 },
	{ "ends a close-delimited body", RSP(GET), IN("HTTP/1.1 200 OK\r\n\r\nthe body"), 1, 1 },
	{ "ends an empty close-delimited body", RSP(GET), IN("HTTP/1.0 200 OK\r\n\r\n"), 1, 1 },
	{ "ends a tunnel", RSP(CONNECT), IN("HTTP/1.1 200 OK\r\n\r\n\026\003\001"), 1, 0 },
	{ "cut in a response's Content-Length body", RSP(GET),
	  IN("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nab"), 0, 0 },
	{ "cut in a chunked response", RSP(GET),
	  IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"), 0, 0 },
	{ "cut in a status line", RSP(GET), IN("HTTP/1.1 2"), 0, 0 },
};

static void
test_eof_table(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < DIM(eof_cases); i++) {
		const struct eof_case *c = &eof_cases[i];
		struct nc_http_parser p;
		int eof, idle;

		nc_http_init(&p, c->dir);
		nc_http_expect(&p, c->expect);
		feed_all(&p, c->in, c->in_len);
		eof = nc_http_eof(&p);
		idle = nc_http_idle(&p);
		if (eof != c->eof || idle != c->idle) {
			print_error("case '%s': eof %d idle %d, want %d %d\n", c->desc, eof, idle,
				    c->eof, c->idle);
			fail();
		}
	}
}

/* Right after HEADERS of a message without a body, END still to come: the
 * stream may end there; with a body to come it may not. */
static void
test_eof_after_headers(void **state)
{
	static const uint8_t none[] = "GET / HTTP/1.1\r\n\r\n";
	static const char some[] = "POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\n";
	struct nc_http_parser p;
	uint32_t used;

	(void)state;
	nc_http_init(&p, NC_HTTP_REQUEST);
	assert_int_equal(nc_http_feed(&p, none, sizeof(none) - 1, &used), NC_HTTP_EV_BEGIN);
	assert_int_equal(nc_http_feed(&p, none, sizeof(none) - 1, &used), NC_HTTP_EV_HEADERS);
	assert_int_equal(used, sizeof(none) - 1);
	assert_int_equal(nc_http_eof(&p), 1);
	assert_int_equal(nc_http_feed(&p, NULL, 0, &used), NC_HTTP_EV_END);
	assert_true(nc_http_idle(&p));

	nc_http_init(&p, NC_HTTP_REQUEST);
	assert_int_equal(feed_all(&p, some, sizeof(some) - 1), NC_HTTP_EV_HEADERS);
	assert_int_equal(nc_http_eof(&p), 0);
}

/* ------------------------------------------------- idle, failed, body left */

static void
test_idle(void **state)
{
	static const uint8_t req[] = "GET / HTTP/1.1\r\n\r\n";
	struct nc_http_parser p;
	uint32_t used;

	(void)state;
	nc_http_init(&p, NC_HTTP_REQUEST);
	assert_true(nc_http_idle(&p));
	assert_false(nc_http_failed(&p));
	assert_int_equal(nc_http_feed(&p, req, 2, &used), NC_HTTP_EV_BEGIN);
	assert_int_equal(used, 0);
	assert_false(nc_http_idle(&p));
	assert_int_equal(nc_http_feed(&p, req, 2, &used), NC_HTTP_EV_MORE);
	assert_false(nc_http_idle(&p));
	assert_int_equal(nc_http_feed(&p, req + 2, sizeof(req) - 3, &used), NC_HTTP_EV_HEADERS);
	assert_false(nc_http_idle(&p));
	assert_int_equal(nc_http_feed(&p, req, 0, &used), NC_HTTP_EV_END);
	assert_true(nc_http_idle(&p));
	/* empty lines between requests are no message */
	assert_int_equal(nc_http_feed(&p, (const uint8_t *)"\r\n\r", 3, &used), NC_HTTP_EV_MORE);
	assert_true(nc_http_idle(&p));
	assert_int_equal(nc_http_feed(&p, (const uint8_t *)"x", 1, &used), NC_HTTP_EV_ERROR);
	assert_false(nc_http_idle(&p));
	assert_true(nc_http_failed(&p));
}

static void
test_body_left(void **state)
{
	static const char chunked[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	static const char length[] = "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n";
	static const char huge[] = "POST / HTTP/1.1\r\nContent-Length: 4611686018427387904\r\n\r\n";
	struct nc_http_parser p;
	uint32_t used;

	(void)state;
	/* chunked: the chunk's data only, never the framing around it */
	nc_http_init(&p, NC_HTTP_RESPONSE);
	nc_http_expect(&p, NC_HTTP_M_GET);
	assert_int_equal(nc_http_body_left(&p), 0);
	assert_int_equal(feed_all(&p, chunked, sizeof(chunked) - 1), NC_HTTP_EV_HEADERS);
	assert_int_equal(nc_http_body_left(&p), 0);
	assert_int_equal(feed_all(&p, "5\r\nhe", 5), NC_HTTP_EV_MORE);
	assert_int_equal(nc_http_body_left(&p), 3);
	assert_int_equal(nc_http_feed(&p, NULL, 3, &used), NC_HTTP_EV_MORE);
	assert_int_equal(used, 3);
	assert_int_equal(nc_http_body_left(&p), 0);
	/* the CRLF after the data must be seen */
	assert_int_equal(nc_http_feed(&p, NULL, 2, &used), NC_HTTP_EV_ERROR);
	assert_int_equal(used, 0);
	assert_true(nc_http_failed(&p));

	/* more than is left: an error */
	nc_http_init(&p, NC_HTTP_REQUEST);
	assert_int_equal(feed_all(&p, length, sizeof(length) - 1), NC_HTTP_EV_HEADERS);
	assert_int_equal(nc_http_body_left(&p), 10);
	assert_int_equal(nc_http_feed(&p, NULL, 4, &used), NC_HTTP_EV_MORE);
	assert_int_equal(nc_http_body_left(&p), 6);
	assert_int_equal(nc_http_feed(&p, NULL, 7, &used), NC_HTTP_EV_ERROR);
	nc_http_init(&p, NC_HTTP_REQUEST);
	assert_int_equal(feed_all(&p, length, sizeof(length) - 1), NC_HTTP_EV_HEADERS);
	assert_int_equal(nc_http_feed(&p, NULL, 10, &used), NC_HTTP_EV_END);
	assert_int_equal(used, 10);
	assert_int_equal(nc_http_body_left(&p), 0);
	assert_true(nc_http_idle(&p));

	/* the bound itself */
	nc_http_init(&p, NC_HTTP_REQUEST);
	assert_int_equal(feed_all(&p, huge, sizeof(huge) - 1), NC_HTTP_EV_HEADERS);
	assert_true(nc_http_body_left(&p) == UINT64_C(1) << 62);

	/* close-delimited: the rest of the stream */
	nc_http_init(&p, NC_HTTP_RESPONSE);
	assert_int_equal(feed_all(&p, "HTTP/1.1 200 OK\r\n\r\n", 19), NC_HTTP_EV_HEADERS);
	assert_true(nc_http_body_left(&p) == UINT64_MAX);
	assert_int_equal(nc_http_feed(&p, NULL, UINT32_MAX, &used), NC_HTTP_EV_MORE);
	assert_int_equal(used, UINT32_MAX);

	/* no body bytes in a header block; nothing skipped is fine */
	nc_http_init(&p, NC_HTTP_REQUEST);
	assert_int_equal(nc_http_feed(&p, NULL, 0, &used), NC_HTTP_EV_MORE);
	assert_int_equal(feed_all(&p, "GET / HT", 8), NC_HTTP_EV_BEGIN);
	assert_int_equal(nc_http_body_left(&p), 0);
	assert_int_equal(nc_http_feed(&p, NULL, 0, &used), NC_HTTP_EV_MORE);
	assert_int_equal(nc_http_feed(&p, NULL, 1, &used), NC_HTTP_EV_ERROR);
}

/* ---------------------------------------------------------------- persist */

struct persist_case {
	const char *desc;
	const char *req, *resp;
	int want;
};

#define GET11 "GET / HTTP/1.1\r\n\r\n"
#define GET10 "GET / HTTP/1.0\r\n\r\n"
#define GET10_KEEP "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
#define OK11 "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
#define OK10 "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"
#define OK10_KEEP "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n"

static const struct persist_case persist_cases[] = {
	{ "1.1 and 1.1", GET11, OK11, 1 },
	{ "1.0 request", GET10, OK11, 0 },
	{ "1.0 request with keep-alive", GET10_KEEP, OK11, 1 },
	{ "1.0 response", GET11, OK10, 0 },
	{ "1.0 response with keep-alive", GET11, OK10_KEEP, 1 },
	{ "1.0 with keep-alive on both sides", GET10_KEEP, OK10_KEEP, 1 },
	{ "1.0 keep-alive request, 1.0 response without", GET10_KEEP, OK10, 0 },
	{ "1.0 request without keep-alive, 1.0 response with", GET10, OK10_KEEP, 0 },
	{ "close on the request", "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", OK11, 0 },
	{ "close on the response", GET11,
	  "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 0 },
	{ "keep-alive and close on a 1.0 request",
	  "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", OK10_KEEP, 0 },
	{ "close-delimited response", GET11, "HTTP/1.1 200 OK\r\n\r\n", 0 },
	{ "chunked response", GET11,
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 1 },
	{ "HEAD response without a length", "HEAD / HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\n", 1 },
	{ "204 without a length", "DELETE /x HTTP/1.1\r\n\r\n", "HTTP/1.1 204 No Content\r\n\r\n", 1 },
	{ "after 100 Continue",
	  "PUT /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
	  "HTTP/1.1 100 Continue\r\n\r\n" OK11, 1 },
	{ "101 tunnel", "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
	  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
	  0 },
	{ "CONNECT tunnel", "CONNECT a:443 HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\n", 0 },
	{ "407 to CONNECT, with a length", "CONNECT a:443 HTTP/1.1\r\n\r\n",
	  "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n", 1 },
};

/* The message of the last HEADERS that <in> gives. */
static void
parse_head(enum nc_http_dir dir, uint8_t expect, const char *in, struct nc_http_msg *msg)
{
	struct nc_http_parser p;
	enum nc_http_event ev;
	uint32_t pos = 0, used, len = (uint32_t)strlen(in);
	int seen = 0;

	nc_http_init(&p, dir);
	nc_http_expect(&p, expect);
	do {
		ev = nc_http_feed(&p, (const uint8_t *)in + pos, len - pos, &used);
		pos += used;
		if (ev == NC_HTTP_EV_HEADERS) {
			*msg = p.msg;
			seen = 1;
		}
		assert_int_not_equal(ev, NC_HTTP_EV_ERROR);
	} while (ev != NC_HTTP_EV_MORE);
	assert_true(seen);
}

static void
test_persist_table(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < DIM(persist_cases); i++) {
		const struct persist_case *c = &persist_cases[i];
		struct nc_http_msg req, resp;

		parse_head(NC_HTTP_REQUEST, NC_HTTP_M_OTHER, c->req, &req);
		parse_head(NC_HTTP_RESPONSE, req.method, c->resp, &resp);
		if (nc_http_persist(&req, &resp) != c->want) {
			print_error("case '%s': persist %d, want %d\n", c->desc, !c->want, c->want);
			fail();
		}
	}
}

/* ---------------------------------------------------------------- methods */

static void
test_methods(void **state)
{
	static const struct {
		uint8_t method;
		const char *name;
		int idempotent;
	} methods[] = {
		{ NC_HTTP_M_OTHER, "other", 0 },     { NC_HTTP_M_GET, "GET", 1 },
		{ NC_HTTP_M_HEAD, "HEAD", 1 },       { NC_HTTP_M_POST, "POST", 0 },
		{ NC_HTTP_M_PUT, "PUT", 1 },         { NC_HTTP_M_DELETE, "DELETE", 1 },
		{ NC_HTTP_M_CONNECT, "CONNECT", 0 }, { NC_HTTP_M_OPTIONS, "OPTIONS", 1 },
		{ NC_HTTP_M_TRACE, "TRACE", 1 },     { NC_HTTP_M_PATCH, "PATCH", 0 },
		{ 200, "other", 0 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < DIM(methods); i++) {
		assert_string_equal(nc_http_method_name(methods[i].method), methods[i].name);
		assert_int_equal(nc_http_idempotent(methods[i].method), methods[i].idempotent);
	}
	assert_true(sizeof(struct nc_http_parser) <= 32);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_framing_table),
		cmocka_unit_test(test_eof_table),
		cmocka_unit_test(test_eof_after_headers),
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_body_left),
		cmocka_unit_test(test_persist_table),
		cmocka_unit_test(test_methods),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
