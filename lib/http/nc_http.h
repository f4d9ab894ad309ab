/* SPDX-License-Identifier: BSD-3-Clause
 * HTTP/1.x message framing (RFC 9112), incremental and pure: no EAL, no
 * allocation, no copy of the bytes, nothing read past what it is given.
 *
 * One parser per direction of a connection (requests from the client,
 * responses from the server). It is fed the direction's bytes in stream
 * order, in pieces of any size - a header block may be split at any byte -
 * and stops at every event, telling how many bytes it consumed before it;
 * the caller handles the event and feeds the rest again. From the events and
 * offsets the caller knows where each message starts, where its header block
 * ends, where it ends, and what its head said (struct nc_http_msg).
 *
 * Framing follows RFC 9112 section 6: Transfer-Encoding (chunked as the last
 * coding; a request with another final coding is an error, a response is
 * then delimited by the close), Content-Length (digits only; repeated equal
 * values allowed, different ones an error), otherwise a request has no body
 * and a response is delimited by the close. A response to HEAD, a 1xx, 204
 * and 304 have no body; 101 and a 2xx to CONNECT end HTTP on the connection
 * (BODY_TUNNEL). Bare LF ends a line as CRLF does; a CR not followed by LF
 * is an error. Up to NC_HTTP_EMPTY_MAX empty lines before a request line are
 * skipped (section 2.2); before a status line none are. Anything else - not
 * HTTP/1.x, a line folded (obs-fold), a space before a colon, a line or header
 * block over its bound, a bad chunk size - is an error, and the parser stays
 * in error: the caller treats the connection as something it cannot frame.
 *
 * Start lines: method SP request-target SP "HTTP/1." DIGIT (the method a
 * token, told case-sensitively; the target any visible bytes, obs-text
 * included), and "HTTP/1." DIGIT SP 3DIGIT [SP reason-phrase], status
 * 100..999, the SP before an empty reason optional. Header fields: a token
 * name right before the colon, OWS around the value, no control bytes but
 * HTAB in it. Those that frame are matched case-insensitively: Content-Length
 * (1*DIGIT with OWS, or a comma list of equal values, in one field or many;
 * at most 2^62), Transfer-Encoding (a comma list of codings, the last one
 * decides; also over several fields), Connection (close, keep-alive and
 * upgrade in comma lists, any number of fields), Upgrade, and in a request
 * Expect (100-continue). A Transfer-Encoding in an HTTP/1.0 message is faulty
 * framing (section 6.1): a request with it is an error, a response is
 * delimited by the close. Chunk sizes are hex, at most 2^62; chunk extensions
 * and trailer fields are skipped.
 *
 * Not thread-safe: one parser belongs to one connection's owner.
 */
#ifndef NC_HTTP_H
#define NC_HTTP_H

#include <stdint.h>

/* Methods the framing or the replay policy cares about; the rest are OTHER. */
enum nc_http_method {
	NC_HTTP_M_OTHER = 0,
	NC_HTTP_M_GET,
	NC_HTTP_M_HEAD,
	NC_HTTP_M_POST,
	NC_HTTP_M_PUT,
	NC_HTTP_M_DELETE,
	NC_HTTP_M_CONNECT,
	NC_HTTP_M_OPTIONS,
	NC_HTTP_M_TRACE,
	NC_HTTP_M_PATCH,
};

/* How a message's body is delimited; known from NC_HTTP_EV_HEADERS on. */
enum nc_http_body {
	NC_HTTP_BODY_NONE = 0,  /* the message ends with its header block */
	NC_HTTP_BODY_LENGTH,    /* Content-Length bytes follow */
	NC_HTTP_BODY_CHUNKED,   /* chunked transfer coding */
	NC_HTTP_BODY_CLOSE,     /* response: everything up to the connection's close */
	NC_HTTP_BODY_TUNNEL,    /* response 101, or 2xx to CONNECT: no HTTP after the header block */
};

/* nc_http_msg.flags */
#define NC_HTTP_F_CLOSE      0x01   /* Connection: close */
#define NC_HTTP_F_KEEP_ALIVE 0x02   /* Connection: keep-alive */
#define NC_HTTP_F_UPGRADE    0x04   /* an Upgrade header field, or upgrade in Connection
                                     * (RFC 9110 section 7.8 wants both; either one
                                     * is taken as an offer to switch protocols) */
#define NC_HTTP_F_CONTINUE   0x08   /* request: Expect: 100-continue */

/* What a message's start line and header block said. */
struct nc_http_msg {
	uint16_t status;        /* response: status code (100..999) */
	uint8_t method;         /* request: enum nc_http_method; response: the method
	                         * given to nc_http_expect() */
	uint8_t minor;          /* HTTP/1.<minor> (0..9) */
	uint8_t body;           /* enum nc_http_body */
	uint8_t flags;          /* NC_HTTP_F_* */
};

enum nc_http_dir { NC_HTTP_REQUEST = 0, NC_HTTP_RESPONSE = 1 };

enum nc_http_event {
	NC_HTTP_EV_MORE = 0,   /* every byte given was consumed */
	NC_HTTP_EV_BEGIN,      /* a message starts at the returned offset: its first byte
	                        * (past any empty lines before a request) is not consumed;
	                        * only given for a byte that can start one (a token byte
	                        * for a request, 'H' for a response), else ERROR */
	NC_HTTP_EV_HEADERS,    /* the header block ended just before the offset: msg is known */
	NC_HTTP_EV_END,        /* the message ended just before the offset; with no body
	                        * it comes on the call after HEADERS, at the same offset.
	                        * Never for BODY_CLOSE or BODY_TUNNEL (see nc_http_eof) */
	NC_HTTP_EV_ERROR,      /* not HTTP/1.x, or malformed, at about the offset */
};

/*
 * Bounds in bytes, line ends included; the byte past one is an error.
 * LINE_MAX: a start line, header or trailer line. HEAD_MAX: a header block,
 * start line to empty line; after a chunked body's last chunk, that chunk's
 * line and the trailer section. CHUNK_LINE_MAX: a chunk-size line with its
 * extensions (and the CRLF that ended the chunk data before it).
 */
#define NC_HTTP_LINE_MAX   8192
#define NC_HTTP_HEAD_MAX   65536
#define NC_HTTP_CHUNK_LINE_MAX 1024
/* Empty lines skipped before a request line; one more is an error. */
#define NC_HTTP_EMPTY_MAX  4

/* One direction's parser. Its fields are private but for msg (read it from
 * NC_HTTP_EV_HEADERS until the next NC_HTTP_EV_BEGIN). 32 bytes at most. */
struct nc_http_parser {
	uint64_t remain;        /* body or chunk bytes left; Content-Length, chunk-size
	                         * or request method being read */
	struct nc_http_msg msg;
	uint8_t dir;            /* enum nc_http_dir */
	uint8_t state;
	uint8_t sub;            /* position in a literal / a token; state after a CR */
	uint8_t hdr;            /* the header field being read */
	uint8_t mask;           /* candidates still matching (names, tokens) */
	uint8_t bits;           /* framing facts gathered over the header block */
	uint8_t expect;         /* response: the request's method (nc_http_expect) */
	uint8_t pad;
	uint16_t line;          /* bytes of the current line; empty lines before a request */
	uint32_t head;          /* bytes of the current header block */
};

/* Ready <p> for direction <dir>, at the start of a stream. */
void nc_http_init(struct nc_http_parser *p, enum nc_http_dir dir);

/*
 * Response parser: the next response answers a request with method <method>
 * (enum nc_http_method; HEAD: no body, CONNECT: a 2xx is a tunnel). Call it
 * at NC_HTTP_EV_BEGIN (or before the response's first byte); an interim 1xx
 * does not consume it, so it holds for the final response too. A final
 * response consumes it: the next one answers NC_HTTP_M_OTHER unless told.
 */
void nc_http_expect(struct nc_http_parser *p, uint8_t method);

/*
 * Feed the next <len> bytes of the stream at <buf>. Returns the event at
 * which it stopped and in <*used> how many bytes it consumed before it
 * (NC_HTTP_EV_MORE: all of them). Call again with the rest after an event.
 * <buf> NULL: <len> bytes that the caller cannot show (lost, or not to be
 * read) which must be body bytes - at most nc_http_body_left() - else it is
 * an error.
 * After a CONNECT request or an offer to upgrade, the request direction
 * carries HTTP only until the response says otherwise (BODY_TUNNEL): the
 * caller then stops feeding it.
 */
enum nc_http_event nc_http_feed(struct nc_http_parser *p, const uint8_t *buf, uint32_t len,
				uint32_t *used);

/*
 * Body bytes that follow before the parser needs to see framing again: the
 * rest of a Content-Length body or of a chunk's data; UINT64_MAX when the
 * rest of the stream is body (close-delimited, tunnel); 0 otherwise (a start
 * line, headers, a chunk-size line or trailers come next, or an error).
 */
uint64_t nc_http_body_left(const struct nc_http_parser *p);

/* At a message boundary: nothing of a message is pending (start, or just after
 * an END). */
int nc_http_idle(const struct nc_http_parser *p);

/* In error (it stays so). */
int nc_http_failed(const struct nc_http_parser *p);

/*
 * The stream ends here (the peer's FIN). Returns 1 when that ends the stream
 * cleanly: at a message boundary (also with END still to be given after a
 * HEADERS), or ending a close-delimited body (that message is then complete:
 * the parser is idle) or a tunnel; 0 when a message is cut short, or in error.
 */
int nc_http_eof(struct nc_http_parser *p);

/* The connection persists after the exchange of request <req> and response
 * <resp> (RFC 9112 section 9.3, as both sides see it): neither says close,
 * each is HTTP/1.1 or said keep-alive, and the response is not delimited by
 * the close or a tunnel. */
int nc_http_persist(const struct nc_http_msg *req, const struct nc_http_msg *resp);

/* A method is idempotent (RFC 9110 section 9.2.2): GET, HEAD, PUT, DELETE,
 * OPTIONS, TRACE. */
int nc_http_idempotent(uint8_t method);

/* The method's name ("GET", ...; "other"). */
const char *nc_http_method_name(uint8_t method);

#endif /* NC_HTTP_H */
