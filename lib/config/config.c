/* SPDX-License-Identifier: BSD-3-Clause
 * Netchestra startup file: JSON (jansson) to struct nc_config, validated strictly.
 *
 * Two passes. The first walks the document: key names, JSON types, ranges, formats
 * and duplicates inside one list. The second checks references between sections
 * (on-link addresses, reachability, worker lcores against eal.lcores, port devices
 * against the EAL device lists). A second-pass check runs only when the values it
 * depends on were valid, so one mistake gives one line, not a cascade. Every problem
 * is reported; nothing falls back to a default.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <jansson.h>

#include "nc_config.h"
#include "nc_parse.h"
#include "config_priv.h"

#define PATH_LEN       192
#define NC_MAX_CPU_ID  1023          /* CPU_SETSIZE - 1: cpu ids after '@' */
#define FILE_MAX       (16u << 20)   /* largest startup file read */
#define SHOW_MAX       72            /* user text quoted in a message */

struct ctx {
	struct nc_errors *e;
	struct nc_config *cfg;
	bool lcores_ok;                   /* eal.lcores parsed */
	bool vdevs_ok;                    /* every eal.vdevs entry parsed */
	bool allow_ok;                    /* every eal.allow entry parsed */
	bool worker_ok[NC_MAX_WORKERS];
	bool ports_ok;                    /* ports parsed with every address valid */
	bool port_addr_ok[NC_MAX_PORTS][NC_MAX_PORT_ADDRS];
	bool port_addr6_ok[NC_MAX_PORTS][NC_MAX_PORT_ADDRS];
	bool port_dev_ok[NC_MAX_PORTS];
	bool nb_ok[NC_MAX_NEIGHBORS];
	bool routes_ok;                   /* every route prefix valid */
	bool rt_prefix_ok[NC_MAX_ROUTES];
	bool rt_via_ok[NC_MAX_ROUTES];
	bool svc_vip_ok[NC_MAX_SERVICES];
	bool svc_lip_ok[NC_MAX_SERVICES][NC_MAX_LOCAL_IPS];
	bool srv_addr_ok[NC_MAX_SERVICES][NC_MAX_SERVERS];
	bool port_exc_given[NC_MAX_PORTS];   /* ports[i].exception present */
	bool port_host_ok[NC_MAX_PORTS];
	bool port_host6_ok[NC_MAX_PORTS];
};

/* ---- error lines ---- */

static void errs_reset(struct nc_errors *e)
{
	e->n = 0;
	e->n_dropped = 0;
}

static void __attribute__((format(printf, 3, 4)))
err_add(struct nc_errors *e, const char *path, const char *fmt, ...)
{
	va_list ap;
	char *l;
	int k;

	if (e->n >= NC_ERR_LINES_MAX) {
		e->n_dropped++;
		return;
	}
	l = e->line[e->n++];
	k = snprintf(l, NC_ERR_LINE_LEN, "%s: ", path);
	if (k < 0 || k >= NC_ERR_LINE_LEN)
		return;
	va_start(ap, fmt);
	if (vsnprintf(l + k, NC_ERR_LINE_LEN - k, fmt, ap) < 0)
		l[k] = '\0';
	va_end(ap);
}

#define ERR(c, path, ...) err_add((c)->e, (path), __VA_ARGS__)

/* User text made safe to quote in one line: control characters become '?',
 * long text is cut with "...". */
static const char *show(const char *s, char *buf, size_t n)
{
	size_t i, len = strlen(s);
	size_t keep = len < n ? len : n - 4;

	for (i = 0; i < keep; i++)
		buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	if (keep < len) {
		memcpy(buf + keep, "...", 3);
		keep += 3;
	}
	buf[keep] = '\0';
	return buf;
}

/* ---- files ---- */

enum { FILE_OK, FILE_NO_OPEN, FILE_NO_READ, FILE_TOO_BIG };

/*
 * Read the regular file <path> whole, at most <max> bytes, into a malloc'd
 * buffer *<out> with a NUL after its *<len> bytes. Opened without blocking
 * and refused unless it is a regular file: a FIFO or a device would block or
 * never end. Returns FILE_OK; FILE_NO_OPEN or FILE_NO_READ with <why> (<n>
 * bytes) saying why; FILE_TOO_BIG with *<len> the size seen (above <max>).
 */
static int read_file(const char *path, size_t max, char **out, size_t *len, char *why, size_t n)
{
	static const struct { mode_t type; const char *name; } kinds[] = {
		{ S_IFIFO, "a FIFO" }, { S_IFCHR, "a character device" },
		{ S_IFBLK, "a block device" }, { S_IFSOCK, "a socket" },
	};
	size_t got = 0, cap, i;
	struct stat st;
	char *buf = NULL;
	int fd, rc = FILE_NO_READ;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(why, n, "%s", strerror(errno));
		return FILE_NO_OPEN;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(why, n, "%s", strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(why, n, "%s", strerror(EISDIR));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		const char *kind = "not a file";

		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if ((st.st_mode & S_IFMT) == kinds[i].type)
				kind = kinds[i].name;
		snprintf(why, n, "not a regular file (%s)", kind);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		*len = (size_t)st.st_size;
		rc = FILE_TOO_BIG;
		goto out;
	}
	/* the size is a hint (a file may grow, /proc files say 0): read to the
	 * end, one byte past <max> at most; room for a NUL after the text */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	if (buf == NULL) {
		snprintf(why, n, "%s", strerror(ENOMEM));
		goto out;
	}
	for (;;) {
		ssize_t r;

		if (got == cap) {
			char *nb;

			if (cap > max)
				break;   /* too big, below */
			cap = cap <= max / 2 ? cap * 2 + 4096 : max + 1;
			if (cap > max + 1)
				cap = max + 1;
			nb = realloc(buf, cap + 1);
			if (nb == NULL) {
				snprintf(why, n, "%s", strerror(ENOMEM));
				goto out;
			}
			buf = nb;
		}
		r = read(fd, buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, n, "%s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got > max) {
		*len = got;
		rc = FILE_TOO_BIG;
		goto out;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
	rc = FILE_OK;
out:
	if (buf != NULL)
		explicit_bzero(buf, got);   /* it may be a secret or a key */
	free(buf);
	close(fd);
	return rc;
}

/* <path> as given, or next to the startup file <src> when relative (and <src>
 * has a folder), into <full> (<n> bytes). */
static void path_near(char *full, size_t n, const char *path, const char *src)
{
	const char *slash = src != NULL ? strrchr(src, '/') : NULL;

	if (path[0] != '/' && slash != NULL)
		snprintf(full, n, "%.*s/%s", (int)(slash - src), src, path);
	else
		snprintf(full, n, "%s", path);
}

/* ---- paths ---- */

static void path_key(char *out, const char *parent, const char *key)
{
	int r;

	if (parent[0] == '\0')
		r = snprintf(out, PATH_LEN, "%s", key);
	else
		r = snprintf(out, PATH_LEN, "%s.%s", parent, key);
	if (r < 0)
		out[0] = '\0';
}

static void path_idx(char *out, const char *parent, size_t i)
{
	if (snprintf(out, PATH_LEN, "%s[%zu]", parent, i) < 0)
		out[0] = '\0';
}

/* ---- JSON types ---- */

static const char *jtype(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "real";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	case JSON_NULL: return "null";
	}
	return "unknown";
}

static bool want_object(struct ctx *c, const json_t *v, const char *path)
{
	if (json_is_object(v))
		return true;
	ERR(c, path, "must be an object, got %s", jtype(v));
	return false;
}

static bool want_string(struct ctx *c, const json_t *v, const char *path)
{
	if (json_is_string(v))
		return true;
	ERR(c, path, "must be a string, got %s", jtype(v));
	return false;
}

/* Report every key of <obj> not in the NULL-terminated <allowed> list. */
static void check_keys(struct ctx *c, json_t *obj, const char *path,
		       const char *const *allowed)
{
	char p[PATH_LEN];
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach(obj, k, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(k, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			char s[SHOW_MAX];

			path_key(p, path, show(k, s, sizeof(s)));
			ERR(c, p, "unknown key");
		}
	}
}

/* Member <key> of <obj>, its path in <kpath>; NULL when absent, reported when
 * <required>. */
static json_t *member(struct ctx *c, json_t *obj, const char *path, const char *key,
		      bool required, char *kpath)
{
	json_t *v = json_object_get(obj, key);

	path_key(kpath, path, key);
	if (v == NULL && required)
		ERR(c, kpath, "missing required key");
	return v;
}

/* Integer in min..max. Reals, booleans, strings and out-of-range values fail. */
static bool get_int(struct ctx *c, const json_t *v, const char *path,
		    long long min, long long max, long long *out)
{
	long long x;

	if (!json_is_integer(v)) {
		ERR(c, path, "must be an integer, got %s", jtype(v));
		return false;
	}
	x = json_integer_value(v);
	if (x < min || x > max) {
		ERR(c, path, "must be %lld..%lld, got %lld", min, max, x);
		return false;
	}
	*out = x;
	return true;
}

/* JSON true or false. Integers, strings and null fail. */
static bool get_bool(struct ctx *c, const json_t *v, const char *path, bool *out)
{
	if (!json_is_boolean(v)) {
		ERR(c, path, "must be a boolean, got %s", jtype(v));
		return false;
	}
	*out = json_is_true(v);
	return true;
}

/* Optional integer member: <def> when absent. Returns false on a bad value. */
static bool opt_u32(struct ctx *c, json_t *obj, const char *path, const char *key,
		    long long min, long long max, uint32_t def, uint32_t *dst)
{
	char p[PATH_LEN];
	json_t *v = member(c, obj, path, key, false, p);
	long long x;

	if (v == NULL) {
		*dst = def;
		return true;
	}
	if (!get_int(c, v, p, min, max, &x))
		return false;
	*dst = (uint32_t)x;
	return true;
}

/* Non-empty string shorter than <cap> bytes, copied to <dst>. */
static bool get_str(struct ctx *c, const json_t *v, const char *path, size_t cap,
		    char *dst)
{
	size_t len;

	if (!want_string(c, v, path))
		return false;
	len = json_string_length(v);
	if (len == 0) {
		ERR(c, path, "must not be empty");
		return false;
	}
	if (len >= cap) {
		ERR(c, path, "must be at most %zu bytes long, got %zu", cap - 1, len);
		return false;
	}
	memcpy(dst, json_string_value(v), len + 1);
	return true;
}

/* A name: 1..NC_NAME_MAX-1 characters of [A-Za-z0-9._-], so that it can be
 * printed in logs, management replies and metric labels as it is. */
static bool get_name(struct ctx *c, const json_t *v, const char *path, char *dst)
{
	char s[SHOW_MAX];
	const char *p;

	if (!get_str(c, v, path, NC_NAME_MAX, dst))
		return false;
	for (p = dst; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-')
			continue;
		ERR(c, path, "may contain only A-Z a-z 0-9 . _ -, got \"%s\"",
		    show(dst, s, sizeof(s)));
		dst[0] = '\0';
		return false;
	}
	return true;
}

/* Array of <min>..<max> entries. Returns how many to read (at most <max>), or -1
 * when <v> is not an array. */
static int get_array(struct ctx *c, const json_t *v, const char *path, size_t min,
		     size_t max)
{
	size_t n;

	if (!json_is_array(v)) {
		ERR(c, path, "must be an array, got %s", jtype(v));
		return -1;
	}
	n = json_array_size(v);
	if (n < min) {
		if (min == 1)
			ERR(c, path, "must not be empty");
		else
			ERR(c, path, "must have at least %zu entries, got %zu", min, n);
	}
	if (n > max) {
		ERR(c, path, "must have at most %zu entries, got %zu", max, n);
		n = max;
	}
	return (int)n;
}

/* String member matched against <names>: index into it, or -1. */
static int get_enum(struct ctx *c, const json_t *v, const char *path,
		    const char *const *names, const char *expect)
{
	char s[SHOW_MAX];
	int i;

	if (!want_string(c, v, path))
		return -1;
	for (i = 0; names[i] != NULL; i++)
		if (strcmp(json_string_value(v), names[i]) == 0)
			return i;
	ERR(c, path, "must be %s, got \"%s\"", expect,
	    show(json_string_value(v), s, sizeof(s)));
	return -1;
}

/* ---- IPv4 and MAC text ---- */

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* Dotted quad, exactly four decimal parts 0..255 without leading zeros, from
 * s[0..len). Host byte order. */
static bool ip_parse_n(const char *s, size_t len, uint32_t *out)
{
	const char *end = s + len;
	uint32_t a = 0;
	int i;

	for (i = 0; i < 4; i++) {
		const char *st = s;
		unsigned int v = 0;

		while (s < end && is_digit(*s) && s - st < 3)
			v = v * 10 + (unsigned int)(*s++ - '0');
		if (s == st || (s - st > 1 && *st == '0') || v > 255)
			return false;
		a = a << 8 | v;
		if (i < 3) {
			if (s >= end || *s != '.')
				return false;
			s++;
		}
	}
	if (s != end)
		return false;
	*out = a;
	return true;
}

static const char *ip_fmt(uint32_t a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
		 a & 0xff);
	return buf;
}

static uint32_t len_mask(unsigned int len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

/* A unicast host address: not 0/8, 127/8, multicast 224/4 or reserved 240/4. */
static bool ip_is_host(uint32_t a)
{
	uint32_t first = a >> 24;

	return first != 0 && first != 127 && first < 224;
}

/* IPv4 address string member, checked to be a unicast host address. */
static bool get_ip(struct ctx *c, const json_t *v, const char *path, uint32_t *out)
{
	char s[SHOW_MAX], b[16];
	const char *t;

	if (!want_string(c, v, path))
		return false;
	t = json_string_value(v);
	if (!ip_parse_n(t, strlen(t), out)) {
		ERR(c, path, "not an IPv4 address: \"%s\"", show(t, s, sizeof(s)));
		return false;
	}
	if (!ip_is_host(*out)) {
		ERR(c, path, "must be a unicast host address, got %s", ip_fmt(*out, b));
		return false;
	}
	return true;
}

/* The "/len" of prefix text <t>: its slash, with <*len> its 1 to <digits>
 * decimal digits (no leading zero); NULL when there is none such. */
static const char *prefix_len(const char *t, int digits, unsigned int *len)
{
	const char *slash = strchr(t, '/'), *st, *q;

	if (slash == NULL)
		return NULL;
	st = q = slash + 1;
	*len = 0;
	while (is_digit(*q) && q - st < digits)
		*len = *len * 10 + (unsigned int)(*q++ - '0');
	if (q == st || *q != '\0' || (q - st > 1 && *st == '0'))
		return NULL;
	return slash;
}

/* "a.b.c.d/len" with len in minlen..32. Host bits are not checked here. */
static bool get_prefix(struct ctx *c, const json_t *v, const char *path,
		       unsigned int minlen, struct nc_prefix *out)
{
	char s[SHOW_MAX];
	const char *t, *slash;
	unsigned int len = 0;

	if (!want_string(c, v, path))
		return false;
	t = json_string_value(v);
	slash = prefix_len(t, 3, &len);
	if (slash == NULL || !ip_parse_n(t, (size_t)(slash - t), &out->addr)) {
		ERR(c, path, "not an IPv4 prefix (a.b.c.d/len): \"%s\"",
		    show(t, s, sizeof(s)));
		return false;
	}
	if (len < minlen || len > 32) {
		ERR(c, path, "prefix length must be %u..32, got %u", minlen, len);
		return false;
	}
	out->len = (uint8_t)len;
	return true;
}

/* ---- IPv6 text ---- */

#define IP6_STR 46   /* INET6_ADDRSTRLEN */

/* RFC 4291 text form (inet_pton: "::" and an IPv4 tail allowed, no zone id),
 * from s[0..len). Network byte order. */
static bool ip6_parse_n(const char *s, size_t len, uint8_t out[16])
{
	char buf[IP6_STR];

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, out) == 1;
}

static const char *ip6_fmt(const uint8_t a[16], char *buf)
{
	if (inet_ntop(AF_INET6, a, buf, IP6_STR) == NULL)
		snprintf(buf, IP6_STR, "?");
	return buf;
}

/* The first <len> bits of <a> and <b> are equal. */
static bool ip6_match(const uint8_t a[16], const uint8_t b[16], unsigned int len)
{
	unsigned int n = len / 8, r = len % 8;

	if (memcmp(a, b, n) != 0)
		return false;
	return r == 0 || ((a[n] ^ b[n]) & (uint8_t)(0xff << (8 - r))) == 0;
}

/* <a> with every bit after the first <len> cleared, into <out>. */
static void ip6_net(const uint8_t a[16], unsigned int len, uint8_t out[16])
{
	unsigned int i;

	for (i = 0; i < 16; i++) {
		if (i * 8 + 8 <= len)
			out[i] = a[i];
		else if (i * 8 >= len)
			out[i] = 0;
		else
			out[i] = a[i] & (uint8_t)(0xff << (8 - len % 8));
	}
}

/* Why <a> cannot be a unicast host address: unspecified, loopback, multicast,
 * link-local (needs a zone; the data plane makes its own) or IPv4-mapped (write
 * the IPv4 form). NULL when it can. */
static const char *ip6_not_host(const uint8_t a[16])
{
	static const uint8_t zero[16], mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
		return a[15] == 0 ? "unspecified" : "loopback";
	if (a[0] == 0xff)
		return "multicast";
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return "link-local";
	if (memcmp(a, mapped, 12) == 0)
		return "IPv4-mapped";
	return NULL;
}

/* IPv6 address string, checked to be a unicast host address. */
static bool get_ip6(struct ctx *c, const json_t *v, const char *path, uint8_t out[16])
{
	char s[SHOW_MAX], b[IP6_STR];
	const char *t, *why;

	if (!want_string(c, v, path))
		return false;
	t = json_string_value(v);
	if (!ip6_parse_n(t, strlen(t), out)) {
		ERR(c, path, "not an IPv6 address: \"%s\"", show(t, s, sizeof(s)));
		return false;
	}
	if ((why = ip6_not_host(out)) != NULL) {
		ERR(c, path, "must be a unicast host address, got %s (%s)", ip6_fmt(out, b), why);
		return false;
	}
	return true;
}

/* "addr/len" with len in minlen..128. Host bits are not checked here. */
static bool get_prefix6(struct ctx *c, const json_t *v, const char *path,
			unsigned int minlen, struct nc_prefix6 *out)
{
	char s[SHOW_MAX];
	const char *t, *slash;
	unsigned int len = 0;

	if (!want_string(c, v, path))
		return false;
	t = json_string_value(v);
	slash = prefix_len(t, 4, &len);
	if (slash == NULL || !ip6_parse_n(t, (size_t)(slash - t), out->addr)) {
		ERR(c, path, "not an IPv6 prefix (addr/len): \"%s\"", show(t, s, sizeof(s)));
		return false;
	}
	if (len < minlen || len > 128) {
		ERR(c, path, "prefix length must be %u..128, got %u", minlen, len);
		return false;
	}
	out->len = (uint8_t)len;
	return true;
}

/* An address of either family: IPv6 when the text holds a ':', so that an
 * IPv4 typo is still reported as one. Sets *family; the address goes to <v4>
 * or <v6>. */
static bool get_ip_any(struct ctx *c, const json_t *v, const char *path, uint8_t *family,
		       uint32_t *v4, uint8_t v6[16])
{
	if (json_is_string(v) && strchr(json_string_value(v), ':') != NULL) {
		*family = AF_INET6;
		return get_ip6(c, v, path, v6);
	}
	*family = AF_INET;
	return get_ip(c, v, path, v4);
}

static const char *mac_fmt(const uint8_t m[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

/* "xx:xx:xx:xx:xx:xx", a non-zero unicast address. */
static bool get_mac(struct ctx *c, const json_t *v, const char *path, uint8_t m[6])
{
	char s[SHOW_MAX], b[18];
	const char *t;
	int i;

	if (!want_string(c, v, path))
		return false;
	t = json_string_value(v);
	for (i = 0; i < 6 && strlen(t) == 17; i++) {
		int hi = nc_hex_digit(t[3 * i]), lo = nc_hex_digit(t[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && t[3 * i + 2] != ':'))
			break;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	if (i < 6) {
		ERR(c, path, "not a MAC address (xx:xx:xx:xx:xx:xx): \"%s\"",
		    show(t, s, sizeof(s)));
		return false;
	}
	if ((m[0] & 1) || (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0) {
		ERR(c, path, "must be a non-zero unicast MAC address, got %s", mac_fmt(m, b));
		return false;
	}
	return true;
}

/* ---- eal.lcores: the EAL --lcores grammar ----
 * list  := item (',' item)*
 * item  := set ('@' set)?          lcores, then the cpus they run on
 * set   := range | '(' range (',' range)* ')'
 * range := N | N '-' M
 */
#define LC_WORDS ((NC_MAX_CPU_ID + 1) / 64)

struct lc_parse {
	const char *s;     /* whole text */
	const char *p;     /* cursor */
	char *why;         /* reason on failure */
	size_t why_len;
};

static void bit_set(uint64_t *w, unsigned int i)
{
	w[i / 64] |= UINT64_C(1) << (i % 64);
}

static bool bit_test(const uint64_t *w, unsigned int i)
{
	return (w[i / 64] >> (i % 64)) & 1;
}

static bool lc_syntax(struct lc_parse *lp)
{
	char s[SHOW_MAX];

	snprintf(lp->why, lp->why_len,
		 "invalid lcore list \"%s\" at character %d (items are N, N-M, N@C or (N-M)@C, comma-separated)",
		 show(lp->s, s, sizeof(s)), (int)(lp->p - lp->s) + 1);
	return false;
}

/* A decimal id up to <max>; <what> names it in the reason. */
static bool lc_num(struct lc_parse *lp, unsigned int max, const char *what,
		   unsigned int *out)
{
	const char *st = lp->p;
	unsigned long v = 0;

	if (!is_digit(*lp->p))
		return lc_syntax(lp);
	while (is_digit(*lp->p)) {
		if (v <= 1000000)
			v = v * 10 + (unsigned long)(*lp->p - '0');
		lp->p++;
	}
	if (v > max) {
		snprintf(lp->why, lp->why_len, "%s %.*s is out of range 0..%u", what,
			 (int)(lp->p - st) > 20 ? 20 : (int)(lp->p - st), st, max);
		return false;
	}
	*out = (unsigned int)v;
	return true;
}

static bool lc_range(struct lc_parse *lp, unsigned int max, const char *what,
		     uint64_t *set)
{
	unsigned int a, b, i;

	if (!lc_num(lp, max, what, &a))
		return false;
	b = a;
	if (*lp->p == '-') {
		lp->p++;
		if (!lc_num(lp, max, what, &b))
			return false;
		if (b < a) {
			snprintf(lp->why, lp->why_len, "reversed %s range %u-%u", what, a, b);
			return false;
		}
	}
	for (i = a; i <= b; i++)
		bit_set(set, i);
	return true;
}

static bool lc_set(struct lc_parse *lp, unsigned int max, const char *what,
		   uint64_t *set)
{
	if (*lp->p != '(')
		return lc_range(lp, max, what, set);
	lp->p++;
	for (;;) {
		if (!lc_range(lp, max, what, set))
			return false;
		if (*lp->p == ')') {
			lp->p++;
			return true;
		}
		if (*lp->p != ',')
			return lc_syntax(lp);
		lp->p++;
	}
}

/* Parse the EAL --lcores text <s> into <mask> (bit i = lcore i). On failure,
 * <why> holds the reason. */
static bool lcores_parse(const char *s, uint64_t mask[2], char *why, size_t why_len)
{
	struct lc_parse lp = { .s = s, .p = s, .why = why, .why_len = why_len };
	uint64_t all[LC_WORDS] = { 0 };

	for (;;) {
		uint64_t item[LC_WORDS] = { 0 }, cpus[LC_WORDS] = { 0 };
		unsigned int i;

		if (!lc_set(&lp, NC_MAX_LCORE_ID, "lcore", item))
			return false;
		if (*lp.p == '@') {
			lp.p++;
			if (!lc_set(&lp, NC_MAX_CPU_ID, "cpu", cpus))
				return false;
		}
		for (i = 0; i <= NC_MAX_LCORE_ID; i++) {
			if (!bit_test(item, i))
				continue;
			if (bit_test(all, i)) {
				snprintf(why, why_len, "lcore %u is listed twice", i);
				return false;
			}
			bit_set(all, i);
		}
		if (*lp.p == '\0')
			break;
		if (*lp.p != ',')
			return lc_syntax(&lp);
		lp.p++;
	}
	mask[0] = all[0];
	mask[1] = all[1];
	return true;
}

static bool lcore_in(const uint64_t mask[2], unsigned int i)
{
	return i <= NC_MAX_LCORE_ID && bit_test(mask, i);
}

/* ---- PCI addresses ---- */

/* "DDDD:BB:DD.F" or "BB:DD.F" (hex; device <= 0x1f, function <= 7), from
 * s[0..len). Written in full lower-case form to <norm> (13 bytes). */
static bool pci_parse_n(const char *s, size_t len, char *norm)
{
	unsigned int dom = 0, bus, dev, fn;
	const char *t = s;

	if (len == 12) {
		int i;

		for (i = 0; i < 4; i++) {
			if (nc_hex_digit(t[i]) < 0)
				return false;
			dom = dom << 4 | (unsigned int)nc_hex_digit(t[i]);
		}
		if (t[4] != ':')
			return false;
		t += 5;
	} else if (len != 7) {
		return false;
	}
	if (nc_hex_digit(t[0]) < 0 || nc_hex_digit(t[1]) < 0 || t[2] != ':' || nc_hex_digit(t[3]) < 0 ||
	    nc_hex_digit(t[4]) < 0 || t[5] != '.' || !is_digit(t[6]))
		return false;
	bus = (unsigned int)(nc_hex_digit(t[0]) << 4 | nc_hex_digit(t[1]));
	dev = (unsigned int)(nc_hex_digit(t[3]) << 4 | nc_hex_digit(t[4]));
	fn = (unsigned int)(t[6] - '0');
	if (dev > 0x1f || fn > 7)
		return false;
	return snprintf(norm, 13, "%04x:%02x:%02x.%u", dom, bus, dev, fn) == 12;
}

/* Length of the device name at the head of an EAL device argument ("name,k=v"). */
static size_t devname_len(const char *s)
{
	const char *comma = strchr(s, ',');

	return comma != NULL ? (size_t)(comma - s) : strlen(s);
}

/* The device of an EAL device argument, PCI addresses in full form. */
static void devname_norm(const char *s, char *out, size_t cap)
{
	size_t n = devname_len(s);

	if (pci_parse_n(s, n, out))
		return;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* ---- eal ---- */

/* EAL options the loader builds from keys; eal.args may not repeat them. */
static const struct {
	const char *opt;
	const char *key;
} eal_owned[] = {
	{ "-l", "eal.lcores" }, { "-c", "eal.lcores" }, { "--lcores", "eal.lcores" },
	{ "--main-lcore", "eal.lcores" }, { "-m", "eal.memory_mb" },
	{ "--socket-mem", "eal.memory_mb" }, { "--no-huge", "eal.huge" },
	{ "--file-prefix", "eal.file_prefix" }, { "--vdev", "eal.vdevs" },
	{ "-a", "eal.allow" }, { "--allow", "eal.allow" },
};

static const char *eal_owned_key(const char *arg)
{
	size_t i;

	for (i = 0; i < sizeof(eal_owned) / sizeof(eal_owned[0]); i++) {
		const char *o = eal_owned[i].opt;
		size_t n = strlen(o);

		if (strncmp(arg, o, n) != 0)
			continue;
		if (o[1] != '-' && arg[1] != '-')        /* "-l", "-l0-1" */
			return eal_owned[i].key;
		if (arg[n] == '\0' || arg[n] == '=')    /* "--vdev", "--vdev=x" */
			return eal_owned[i].key;
	}
	return NULL;
}

/* eal.vdevs / eal.allow / eal.args. <kind>: 0 vdevs, 1 allow, 2 args. */
static bool parse_eal_strs(struct ctx *c, json_t *eal, const char *key, int kind,
			   char (*dst)[NC_DEVARG_MAX], uint16_t *n_dst)
{
	char p[PATH_LEN], ip[PATH_LEN], s[SHOW_MAX];
	json_t *v = member(c, eal, "eal", key, false, p);
	bool ok = true;
	int n, i, j;

	if (v == NULL)
		return true;
	n = get_array(c, v, p, 0, NC_MAX_EAL_STRS);
	if (n < 0)
		return false;
	if ((size_t)n < json_array_size(v))
		ok = false;
	*n_dst = (uint16_t)n;
	for (i = 0; i < n; i++) {
		path_idx(ip, p, (size_t)i);
		if (!get_str(c, json_array_get(v, (size_t)i), ip, NC_DEVARG_MAX, dst[i])) {
			ok = false;
			continue;
		}
		if (kind == 2) {
			const char *owner = eal_owned_key(dst[i]);

			if (owner != NULL) {
				ERR(c, ip, "\"%s\" is set from %s; use that key",
				    show(dst[i], s, sizeof(s)), owner);
				ok = false;
			}
			continue;
		}
		if (devname_len(dst[i]) == 0) {
			ERR(c, ip, "must start with a device name, got \"%s\"",
			    show(dst[i], s, sizeof(s)));
			ok = false;
			dst[i][0] = '\0';
			continue;
		}
		for (j = 0; j < i; j++) {
			char a[NC_DEVARG_MAX], b[NC_DEVARG_MAX], jp[PATH_LEN];

			if (dst[j][0] == '\0')
				continue;
			devname_norm(dst[i], a, sizeof(a));
			devname_norm(dst[j], b, sizeof(b));
			if (strcmp(a, b) == 0) {
				path_idx(jp, p, (size_t)j);
				ERR(c, ip, "duplicate device \"%s\" (same as %s)",
				    show(a, s, sizeof(s)), jp);
				ok = false;
				break;
			}
		}
	}
	return ok;
}

static void parse_eal(struct ctx *c, json_t *root)
{
	static const char *const keys[] = { "lcores", "memory_mb", "huge", "file_prefix",
		"vdevs", "allow", "args", NULL };
	static const char *const huge_names[] = { "auto", "on", "off", NULL };
	struct nc_cfg_eal *eal = &c->cfg->eal;
	char p[PATH_LEN], s[SHOW_MAX];
	json_t *o = member(c, root, "", "eal", true, p), *v;

	if (o == NULL || !want_object(c, o, "eal"))
		return;
	check_keys(c, o, "eal", keys);

	v = member(c, o, "eal", "lcores", true, p);
	if (v != NULL && get_str(c, v, p, sizeof(eal->lcores), eal->lcores)) {
		char why[NC_ERR_LINE_LEN];

		if (lcores_parse(eal->lcores, eal->lcore_mask, why, sizeof(why))) {
			unsigned int i;

			for (i = 0; !lcore_in(eal->lcore_mask, i); i++)
				;
			eal->main_lcore = (uint16_t)i;
			c->lcores_ok = true;
		} else {
			ERR(c, p, "%s", why);
		}
	}

	opt_u32(c, o, "eal", "memory_mb", 64, 1048576, 256, &eal->memory_mb);

	v = member(c, o, "eal", "huge", false, p);
	if (v == NULL) {
		eal->huge = NC_HUGE_AUTO;
	} else {
		int h = get_enum(c, v, p, huge_names, "\"auto\", \"on\" or \"off\"");

		if (h >= 0)
			eal->huge = (enum nc_huge_mode)h;
	}

	v = member(c, o, "eal", "file_prefix", false, p);
	if (v == NULL) {
		strcpy(eal->file_prefix, "nc");
	} else if (want_string(c, v, p)) {
		const char *t = json_string_value(v);
		size_t n = strlen(t), i;

		for (i = 0; i < n; i++)
			if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z') ||
			      is_digit(t[i]) || t[i] == '_' || t[i] == '-'))
				break;
		if (n == 0 || n >= sizeof(eal->file_prefix) || i < n)
			ERR(c, p, "must match [A-Za-z0-9_-]{1,63}, got \"%s\"",
			    show(t, s, sizeof(s)));
		else
			memcpy(eal->file_prefix, t, n + 1);
	}

	c->vdevs_ok = parse_eal_strs(c, o, "vdevs", 0, eal->vdevs, &eal->n_vdevs);
	c->allow_ok = parse_eal_strs(c, o, "allow", 1, eal->allow, &eal->n_allow);
	parse_eal_strs(c, o, "args", 2, eal->args, &eal->n_args);
}

/* ---- workers ---- */

static void parse_workers(struct ctx *c, json_t *root)
{
	static const char *const keys[] = { "lcores", "burst", "idle_sleep_us", NULL };
	struct nc_cfg_workers *w = &c->cfg->workers;
	char p[PATH_LEN], ip[PATH_LEN], jp[PATH_LEN];
	json_t *o = member(c, root, "", "workers", true, p), *v;
	uint32_t burst;
	int n, i, j;

	if (o == NULL || !want_object(c, o, "workers"))
		return;
	check_keys(c, o, "workers", keys);

	v = member(c, o, "workers", "lcores", true, p);
	if (v != NULL && (n = get_array(c, v, p, 1, NC_MAX_WORKERS)) > 0) {
		w->n_lcores = (uint16_t)n;
		for (i = 0; i < n; i++) {
			long long x;

			path_idx(ip, p, (size_t)i);
			if (!get_int(c, json_array_get(v, (size_t)i), ip, 0, NC_MAX_LCORE_ID, &x))
				continue;
			w->lcores[i] = (uint16_t)x;
			c->worker_ok[i] = true;
			for (j = 0; j < i; j++) {
				if (c->worker_ok[j] && w->lcores[j] == w->lcores[i]) {
					path_idx(jp, p, (size_t)j);
					ERR(c, ip, "duplicate lcore %lld (same as %s)", x, jp);
					c->worker_ok[i] = false;
					break;
				}
			}
		}
	}
	if (opt_u32(c, o, "workers", "burst", 1, 512, 32, &burst))
		w->burst = (uint16_t)burst;
	opt_u32(c, o, "workers", "idle_sleep_us", 0, 100000, 20, &w->idle_sleep_us);
}

/* ---- ports ---- */

static void parse_port_addrs(struct ctx *c, json_t *po, const char *path, size_t pi)
{
	struct nc_cfg_port *port = &c->cfg->ports[pi];
	char p[PATH_LEN], ip[PATH_LEN], b[16], b2[16];
	/* a port needs an address of either family */
	json_t *v = member(c, po, path, "ipv4", json_object_get(po, "ipv6") == NULL, p);
	int n = 0, i;

	if (v == NULL && json_object_get(po, "ipv6") != NULL)
		return;
	if (v == NULL || (n = get_array(c, v, p, 1, NC_MAX_PORT_ADDRS)) <= 0 ||
	    (size_t)n < json_array_size(v)) {
		c->ports_ok = false;
		if (v == NULL || n <= 0)
			return;
	}
	port->n_ipv4 = (uint16_t)n;
	for (i = 0; i < n; i++) {
		struct nc_prefix *pf = &port->ipv4[i];
		uint32_t m, net;

		path_idx(ip, p, (size_t)i);
		if (!get_prefix(c, json_array_get(v, (size_t)i), ip, 1, pf)) {
			c->ports_ok = false;
			continue;
		}
		m = len_mask(pf->len);
		net = pf->addr & m;
		if (!ip_is_host(pf->addr)) {
			ERR(c, ip, "must be a unicast host address, got %s", ip_fmt(pf->addr, b));
		} else if (pf->len <= 30 && pf->addr == net) {
			ERR(c, ip, "%s is the network address of %s/%u", ip_fmt(pf->addr, b),
			    ip_fmt(net, b2), pf->len);
		} else if (pf->len <= 30 && pf->addr == (net | ~m)) {
			ERR(c, ip, "%s is the broadcast address of %s/%u", ip_fmt(pf->addr, b),
			    ip_fmt(net, b2), pf->len);
		} else {
			c->port_addr_ok[pi][i] = true;
			continue;
		}
		c->ports_ok = false;
	}
}

/* "ipv6": ["addr/len", ...], as "ipv4": the port's own addresses with their
 * on-link prefixes. An address whose host bits are all zero (the subnet-router
 * anycast address) is refused as the ipv4 network address is. */
static void parse_port_addrs6(struct ctx *c, json_t *po, const char *path, size_t pi)
{
	struct nc_cfg_port *port = &c->cfg->ports[pi];
	char p[PATH_LEN], ip[PATH_LEN], b[IP6_STR], b2[IP6_STR];
	json_t *v = member(c, po, path, "ipv6", false, p);
	int n = 0, i;

	if (v == NULL)
		return;
	if ((n = get_array(c, v, p, 1, NC_MAX_PORT_ADDRS)) <= 0 ||
	    (size_t)n < json_array_size(v)) {
		c->ports_ok = false;
		if (n <= 0)
			return;
	}
	port->n_ipv6 = (uint16_t)n;
	for (i = 0; i < n; i++) {
		struct nc_prefix6 *pf = &port->ipv6[i];
		uint8_t net[16];
		const char *why;

		path_idx(ip, p, (size_t)i);
		if (!get_prefix6(c, json_array_get(v, (size_t)i), ip, 1, pf)) {
			c->ports_ok = false;
			continue;
		}
		ip6_net(pf->addr, pf->len, net);
		if ((why = ip6_not_host(pf->addr)) != NULL) {
			ERR(c, ip, "must be a unicast host address, got %s (%s)",
			    ip6_fmt(pf->addr, b), why);
		} else if (pf->len <= 126 && memcmp(pf->addr, net, 16) == 0) {
			ERR(c, ip, "%s is the subnet-router anycast address of %s/%u",
			    ip6_fmt(pf->addr, b), ip6_fmt(net, b2), pf->len);
		} else {
			c->port_addr6_ok[pi][i] = true;
			continue;
		}
		c->ports_ok = false;
	}
}

/* check_port_addr_clash() for the ipv6 addresses of port <pi>. */
static void check_port_addr6_clash(struct ctx *c, size_t pi)
{
	const struct nc_cfg_port *ports = c->cfg->ports;
	char ip[PATH_LEN], jp[PATH_LEN], b[IP6_STR], b2[IP6_STR];
	size_t i, qj, j;

	for (i = 0; i < ports[pi].n_ipv6; i++) {
		const struct nc_prefix6 *a = &ports[pi].ipv6[i];
		bool done = false;

		if (!c->port_addr6_ok[pi][i])
			continue;
		snprintf(ip, sizeof(ip), "ports[%zu].ipv6[%zu]", pi, i);
		for (qj = 0; qj <= pi && !done; qj++) {
			for (j = 0; j < ports[qj].n_ipv6 && !done; j++) {
				const struct nc_prefix6 *o = &ports[qj].ipv6[j];
				unsigned int m = a->len < o->len ? a->len : o->len;
				uint8_t na[16], no[16];

				if ((qj == pi && j >= i) || !c->port_addr6_ok[qj][j])
					continue;
				snprintf(jp, sizeof(jp), "ports[%zu].ipv6[%zu]", qj, j);
				if (memcmp(a->addr, o->addr, 16) == 0) {
					ERR(c, ip, "duplicate address %s (same as %s)",
					    ip6_fmt(a->addr, b), jp);
					done = true;
				} else if (qj != pi && ip6_match(a->addr, o->addr, m)) {
					ip6_net(a->addr, a->len, na);
					ip6_net(o->addr, o->len, no);
					ERR(c, ip, "subnet %s/%u overlaps %s (%s/%u)",
					    ip6_fmt(na, b), a->len, jp, ip6_fmt(no, b2), o->len);
					done = true;
				}
			}
		}
	}
}

/* Addresses of port <pi> against those of every earlier port: one address on
 * two interfaces, or subnets of two ports that overlap (the egress port of an
 * address in both would be ambiguous). Within one port, secondary addresses of
 * one subnet are allowed; the same address twice is not. */
static void check_port_addr_clash(struct ctx *c, size_t pi)
{
	const struct nc_cfg_port *ports = c->cfg->ports;
	char ip[PATH_LEN], jp[PATH_LEN], b[16], b2[16];
	size_t i, qj, j;

	for (i = 0; i < ports[pi].n_ipv4; i++) {
		const struct nc_prefix *a = &ports[pi].ipv4[i];
		bool done = false;

		if (!c->port_addr_ok[pi][i])
			continue;
		snprintf(ip, sizeof(ip), "ports[%zu].ipv4[%zu]", pi, i);
		for (qj = 0; qj <= pi && !done; qj++) {
			for (j = 0; j < ports[qj].n_ipv4 && !done; j++) {
				const struct nc_prefix *o = &ports[qj].ipv4[j];
				uint32_t m = len_mask(a->len < o->len ? a->len : o->len);

				if ((qj == pi && j >= i) || !c->port_addr_ok[qj][j])
					continue;
				snprintf(jp, sizeof(jp), "ports[%zu].ipv4[%zu]", qj, j);
				if (a->addr == o->addr) {
					ERR(c, ip, "duplicate address %s (same as %s)",
					    ip_fmt(a->addr, b), jp);
					done = true;
				} else if (qj != pi && (a->addr & m) == (o->addr & m)) {
					ERR(c, ip, "subnet %s/%u overlaps %s (%s/%u)",
					    ip_fmt(a->addr & len_mask(a->len), b), a->len, jp,
					    ip_fmt(o->addr & len_mask(o->len), b2), o->len);
					done = true;
				}
			}
		}
	}
}

/* A kernel interface name: a name (get_name) of at most NC_IFNAME_MAX - 1
 * bytes, copied to <dst> (NC_IFNAME_MAX bytes) only when valid. */
static bool get_ifname(struct ctx *c, const json_t *v, const char *path, char *dst)
{
	char name[NC_NAME_MAX];

	if (!get_name(c, v, path, name))
		return false;
	if (strlen(name) >= NC_IFNAME_MAX) {
		ERR(c, path, "must be at most %d bytes long (a kernel interface name)", NC_IFNAME_MAX - 1);
		return false;
	}
	memcpy(dst, name, strlen(name) + 1);
	return true;
}

/* "host": "a.b.c.d/len", the dispatcher's own address on the port, in one of
 * the port's ipv4 subnets (it may be one of its ipv4 addresses, then shared by
 * the data plane, which answers ARP and echo for it, and the kernel).
 * "exception": {"enabled": bool, "ifname": "nc-p0"}. */
static void parse_port_host(struct ctx *c, json_t *po, const char *path, size_t pi)
{
	static const char *const ekeys[] = { "enabled", "ifname", NULL };
	struct nc_cfg_port *port = &c->cfg->ports[pi];
	char kp[PATH_LEN], ep[PATH_LEN], b[16];
	json_t *v = member(c, po, path, "host", false, kp), *e;
	size_t j;

	if (v != NULL && get_prefix(c, v, kp, 1, &port->host)) {
		bool in = false;

		for (j = 0; j < port->n_ipv4 && !in; j++) {
			const struct nc_prefix *pf = &port->ipv4[j];

			in = c->port_addr_ok[pi][j] && pf->len == port->host.len &&
			     ((pf->addr ^ port->host.addr) & len_mask(pf->len)) == 0;
		}
		if (!ip_is_host(port->host.addr))
			ERR(c, kp, "must be a unicast host address, got %s", ip_fmt(port->host.addr, b));
		else if (!in && c->ports_ok)
			ERR(c, kp, "%s/%u is in none of this port's ipv4 subnets", ip_fmt(port->host.addr, b),
			    port->host.len);
		else
			c->port_host_ok[pi] = true;
		port->has_host = true;
	}
	v = member(c, po, path, "host6", false, kp);
	if (v != NULL && get_prefix6(c, v, kp, 1, &port->host6)) {
		char b6[IP6_STR], n6[IP6_STR];
		uint8_t net[16];
		const char *why;
		bool in = false;

		for (j = 0; j < port->n_ipv6 && !in; j++) {
			const struct nc_prefix6 *pf = &port->ipv6[j];

			in = c->port_addr6_ok[pi][j] && pf->len == port->host6.len &&
			     ip6_match(pf->addr, port->host6.addr, pf->len);
		}
		ip6_net(port->host6.addr, port->host6.len, net);
		if ((why = ip6_not_host(port->host6.addr)) != NULL)
			ERR(c, kp, "must be a unicast host address, got %s (%s)",
			    ip6_fmt(port->host6.addr, b6), why);
		else if (port->host6.len <= 126 && memcmp(port->host6.addr, net, 16) == 0)
			ERR(c, kp, "%s is the subnet-router anycast address of %s/%u",
			    ip6_fmt(port->host6.addr, b6), ip6_fmt(net, n6), port->host6.len);
		else if (!in && c->ports_ok)
			ERR(c, kp, "%s/%u is in none of this port's ipv6 subnets",
			    ip6_fmt(port->host6.addr, b6), port->host6.len);
		else
			c->port_host6_ok[pi] = true;
		port->has_host6 = true;
	}
	{
		size_t l = strnlen(port->name, NC_IFNAME_MAX - 4);

		memcpy(port->exc_ifname, "nc-", 3);
		memcpy(port->exc_ifname + 3, port->name, l);
		port->exc_ifname[3 + l] = '\0';
	}
	e = member(c, po, path, "exception", false, ep);
	if (e == NULL || !want_object(c, e, ep))
		return;
	c->port_exc_given[pi] = true;
	check_keys(c, e, ep, ekeys);
	v = member(c, e, ep, "enabled", true, kp);
	if (v != NULL && get_bool(c, v, kp, &port->exception) && port->exception &&
	    !port->has_host && !port->has_host6)
		ERR(c, kp, "an exception interface needs %s.host or %s.host6", path, path);
	v = member(c, e, ep, "ifname", false, kp);
	if (v != NULL)
		get_ifname(c, v, kp, port->exc_ifname);
}

static void parse_ports(struct ctx *c, json_t *root)
{
	static const char *const keys[] = { "name", "device", "ipv4", "ipv6", "mac",
		"rx_desc", "tx_desc", "host", "host6", "exception", NULL };
	char p[PATH_LEN], ep[PATH_LEN], kp[PATH_LEN], jp[PATH_LEN], s[SHOW_MAX], b[18];
	json_t *arr = member(c, root, "", "ports", true, p);
	int n, i, j;

	if (arr == NULL || (n = get_array(c, arr, "ports", 1, NC_MAX_PORTS)) <= 0)
		return;
	c->ports_ok = true;
	c->cfg->n_ports = (uint16_t)n;
	for (i = 0; i < n; i++) {
		struct nc_cfg_port *port = &c->cfg->ports[i];
		json_t *po = json_array_get(arr, (size_t)i), *v;
		uint32_t desc;

		path_idx(ep, "ports", (size_t)i);
		if (!want_object(c, po, ep)) {
			c->ports_ok = false;
			continue;
		}
		check_keys(c, po, ep, keys);

		v = member(c, po, ep, "name", true, kp);
		if (v != NULL && get_name(c, v, kp, port->name)) {
			for (j = 0; j < i; j++) {
				if (strcmp(c->cfg->ports[j].name, port->name) == 0) {
					snprintf(jp, sizeof(jp), "ports[%d].name", j);
					ERR(c, kp, "duplicate name \"%s\" (same as %s)", port->name, jp);
					break;
				}
			}
		}

		v = member(c, po, ep, "device", true, kp);
		if (v != NULL && get_str(c, v, kp, NC_DEVARG_MAX, port->device)) {
			char norm[13];

			/* PCI addresses are stored in the full form DPDK names ports by. */
			if (pci_parse_n(port->device, strlen(port->device), norm))
				memcpy(port->device, norm, sizeof(norm));
			c->port_dev_ok[i] = true;
			for (j = 0; j < i; j++) {
				if (c->port_dev_ok[j] &&
				    strcmp(c->cfg->ports[j].device, port->device) == 0) {
					snprintf(jp, sizeof(jp), "ports[%d].device", j);
					ERR(c, kp, "duplicate device \"%s\" (same as %s)",
					    show(port->device, s, sizeof(s)), jp);
					c->port_dev_ok[i] = false;
					break;
				}
			}
		}

		parse_port_addrs(c, po, ep, (size_t)i);
		parse_port_addrs6(c, po, ep, (size_t)i);

		v = member(c, po, ep, "mac", false, kp);
		if (v != NULL && get_mac(c, v, kp, port->mac)) {
			port->has_mac = true;
			for (j = 0; j < i; j++) {
				if (c->cfg->ports[j].has_mac &&
				    memcmp(c->cfg->ports[j].mac, port->mac, 6) == 0) {
					snprintf(jp, sizeof(jp), "ports[%d].mac", j);
					ERR(c, kp, "duplicate MAC %s (same as %s)",
					    mac_fmt(port->mac, b), jp);
					break;
				}
			}
		}

		if (opt_u32(c, po, ep, "rx_desc", 64, 16384, 1024, &desc))
			port->rx_desc = (uint16_t)desc;
		if (opt_u32(c, po, ep, "tx_desc", 64, 16384, 1024, &desc))
			port->tx_desc = (uint16_t)desc;

		check_port_addr_clash(c, (size_t)i);
		check_port_addr6_clash(c, (size_t)i);
		parse_port_host(c, po, ep, (size_t)i);
	}
}

/* ---- neighbors, routes, limits ---- */

static void parse_neighbors(struct ctx *c, json_t *root)
{
	static const char *const keys[] = { "ipv4", "ipv6", "mac", NULL };
	char p[PATH_LEN], ep[PATH_LEN], kp[PATH_LEN], jp[PATH_LEN], b[IP6_STR];
	json_t *arr = member(c, root, "", "neighbors", false, p);
	int n, i, j;

	if (arr == NULL || (n = get_array(c, arr, "neighbors", 0, NC_MAX_NEIGHBORS)) <= 0)
		return;
	c->cfg->n_neighbors = (uint16_t)n;
	for (i = 0; i < n; i++) {
		struct nc_cfg_neighbor *nb = &c->cfg->neighbors[i];
		json_t *o = json_array_get(arr, (size_t)i), *v;

		path_idx(ep, "neighbors", (size_t)i);
		if (!want_object(c, o, ep))
			continue;
		check_keys(c, o, ep, keys);
		nb->family = AF_INET;
		v = member(c, o, ep, "ipv6", false, kp);
		if (v != NULL) {
			nb->family = AF_INET6;
			if (json_object_get(o, "ipv4") != NULL)
				ERR(c, kp, "give ipv4 or ipv6, not both");
			else if (get_ip6(c, v, kp, nb->ipv6))
				c->nb_ok[i] = true;
			for (j = 0; c->nb_ok[i] && j < i; j++) {
				const struct nc_cfg_neighbor *q = &c->cfg->neighbors[j];

				if (c->nb_ok[j] && q->family == AF_INET6 &&
				    memcmp(q->ipv6, nb->ipv6, 16) == 0) {
					snprintf(jp, sizeof(jp), "neighbors[%d].ipv6", j);
					ERR(c, kp, "duplicate address %s (same as %s)",
					    ip6_fmt(nb->ipv6, b), jp);
					c->nb_ok[i] = false;
				}
			}
			v = NULL;
		} else {
			v = member(c, o, ep, "ipv4", true, kp);
		}
		if (v != NULL && get_ip(c, v, kp, &nb->ipv4)) {
			c->nb_ok[i] = true;
			for (j = 0; j < i; j++) {
				if (c->nb_ok[j] && c->cfg->neighbors[j].family == AF_INET &&
				    c->cfg->neighbors[j].ipv4 == nb->ipv4) {
					snprintf(jp, sizeof(jp), "neighbors[%d].ipv4", j);
					ERR(c, kp, "duplicate address %s (same as %s)",
					    ip_fmt(nb->ipv4, b), jp);
					c->nb_ok[i] = false;
					break;
				}
			}
		}
		v = member(c, o, ep, "mac", true, kp);
		if (v != NULL)
			get_mac(c, v, kp, nb->mac);
	}
}

/* routes[i].prefix of an IPv6 route: no host bits, not a duplicate. */
static void parse_route6_prefix(struct ctx *c, const json_t *v, const char *kp, size_t i)
{
	struct nc_cfg_route *rt = &c->cfg->routes[i];
	char jp[PATH_LEN], b[IP6_STR], b2[IP6_STR];
	uint8_t net[16];
	size_t j;

	if (!get_prefix6(c, v, kp, 0, &rt->prefix6))
		return;
	ip6_net(rt->prefix6.addr, rt->prefix6.len, net);
	if (memcmp(net, rt->prefix6.addr, 16) != 0) {
		ERR(c, kp, "host bits set in %s/%u (network is %s/%u)",
		    ip6_fmt(rt->prefix6.addr, b), rt->prefix6.len, ip6_fmt(net, b2),
		    rt->prefix6.len);
		return;
	}
	c->rt_prefix_ok[i] = true;
	for (j = 0; j < i; j++) {
		const struct nc_cfg_route *o = &c->cfg->routes[j];

		if (c->rt_prefix_ok[j] && o->family == AF_INET6 &&
		    o->prefix6.len == rt->prefix6.len && memcmp(o->prefix6.addr, net, 16) == 0) {
			snprintf(jp, sizeof(jp), "routes[%zu].prefix", j);
			ERR(c, kp, "duplicate prefix %s/%u (same as %s)", ip6_fmt(net, b),
			    rt->prefix6.len, jp);
			break;
		}
	}
}

static void parse_routes(struct ctx *c, json_t *root)
{
	static const char *const keys[] = { "prefix", "via", NULL };
	char p[PATH_LEN], ep[PATH_LEN], kp[PATH_LEN], jp[PATH_LEN], b[16], b2[16];
	json_t *arr = member(c, root, "", "routes", false, p);
	int n, i, j;

	c->routes_ok = true;
	if (arr == NULL)
		return;
	n = get_array(c, arr, "routes", 0, NC_MAX_ROUTES);
	if (n < 0 || (size_t)n < json_array_size(arr))
		c->routes_ok = false;
	if (n <= 0)
		return;
	c->cfg->n_routes = (uint16_t)n;
	for (i = 0; i < n; i++) {
		struct nc_cfg_route *rt = &c->cfg->routes[i];
		json_t *o = json_array_get(arr, (size_t)i), *v;

		path_idx(ep, "routes", (size_t)i);
		if (!want_object(c, o, ep)) {
			c->routes_ok = false;
			continue;
		}
		check_keys(c, o, ep, keys);
		v = member(c, o, ep, "prefix", true, kp);
		rt->family = AF_INET;
		if (v != NULL && json_is_string(v) && strchr(json_string_value(v), ':') != NULL) {
			rt->family = AF_INET6;
			parse_route6_prefix(c, v, kp, (size_t)i);
		} else if (v != NULL && get_prefix(c, v, kp, 0, &rt->prefix)) {
			uint32_t net = rt->prefix.addr & len_mask(rt->prefix.len);

			if (net != rt->prefix.addr) {
				ERR(c, kp, "host bits set in %s/%u (network is %s/%u)",
				    ip_fmt(rt->prefix.addr, b), rt->prefix.len, ip_fmt(net, b2),
				    rt->prefix.len);
			} else {
				c->rt_prefix_ok[i] = true;
				for (j = 0; j < i; j++) {
					const struct nc_prefix *o2 = &c->cfg->routes[j].prefix;

					if (c->rt_prefix_ok[j] && c->cfg->routes[j].family == AF_INET &&
					    o2->addr == net &&
					    o2->len == rt->prefix.len) {
						snprintf(jp, sizeof(jp), "routes[%d].prefix", j);
						ERR(c, kp, "duplicate prefix %s/%u (same as %s)",
						    ip_fmt(net, b), rt->prefix.len, jp);
						break;
					}
				}
			}
		}
		if (!c->rt_prefix_ok[i])
			c->routes_ok = false;
		v = member(c, o, ep, "via", true, kp);
		if (v != NULL) {
			uint8_t fam;

			if (get_ip_any(c, v, kp, &fam, &rt->via, rt->via6)) {
				if (fam != rt->family)
					ERR(c, kp, "must be an %s address, as the prefix",
					    rt->family == AF_INET6 ? "IPv6" : "IPv4");
				else
					c->rt_via_ok[i] = true;
			}
		}
	}
}

/* limits.syn_cookie_secret: exactly 64 hexadecimal digits (32 bytes). */
static void parse_syn_cookie_secret(struct ctx *c, json_t *o, struct nc_cfg_limits *l)
{
	char kp[PATH_LEN];
	json_t *v = member(c, o, "limits", "syn_cookie_secret", false, kp);
	const char *t;
	size_t i;

	if (v == NULL || !want_string(c, v, kp))
		return;
	t = json_string_value(v);
	if (strlen(t) != 64) {
		ERR(c, kp, "must be 64 hexadecimal digits (32 bytes), got %zu characters", strlen(t));
		return;
	}
	for (i = 0; i < 32; i++) {
		int hi = nc_hex_digit(t[2 * i]), lo = nc_hex_digit(t[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			ERR(c, kp, "must be 64 hexadecimal digits (32 bytes): '%c' at %zu is not one",
			    hi < 0 ? t[2 * i] : t[2 * i + 1], hi < 0 ? 2 * i + 1 : 2 * i + 2);
			return;
		}
		l->syn_cookie_secret[i] = (uint8_t)(hi << 4 | lo);
	}
	l->has_syn_cookie_secret = true;
}

static void parse_limits(struct ctx *c, json_t *root)
{
	static const char *const keys[] = { "max_flows", "tcp_idle_s", "udp_idle_s",
		"tcp_fin_s", "tcp_syn_s", "tcp_timewait_s", "udp_unreplied_s", "new_flows_per_source",
		"new_flows_burst", "half_open_max", "udp_unreplied_max", "source_prefix6",
		"syn_cookie_secret", NULL };
	struct nc_cfg_limits *l = &c->cfg->limits;
	char p[PATH_LEN];
	json_t *o = member(c, root, "", "limits", false, p);

	if (o == NULL) {
		l->max_flows = 1048576;
		l->tcp_idle_s = 300;
		l->udp_idle_s = 30;
		l->tcp_fin_s = 2;
		l->tcp_syn_s = 10;
		l->tcp_timewait_s = 60;
		l->udp_unreplied_s = 10;
		l->new_flows_burst = 1;
		l->source_prefix6 = 64;
		return;
	}
	if (!want_object(c, o, "limits"))
		return;
	check_keys(c, o, "limits", keys);
	opt_u32(c, o, "limits", "max_flows", 1, 67108864, 1048576, &l->max_flows);
	opt_u32(c, o, "limits", "tcp_idle_s", 1, 86400, 300, &l->tcp_idle_s);
	opt_u32(c, o, "limits", "udp_idle_s", 1, 86400, 30, &l->udp_idle_s);
	opt_u32(c, o, "limits", "tcp_fin_s", 1, 300, 2, &l->tcp_fin_s);
	opt_u32(c, o, "limits", "tcp_syn_s", 1, 300, 10, &l->tcp_syn_s);
	opt_u32(c, o, "limits", "tcp_timewait_s", 0, 600, 60, &l->tcp_timewait_s);
	opt_u32(c, o, "limits", "udp_unreplied_s", 1, 86400, 10, &l->udp_unreplied_s);
	opt_u32(c, o, "limits", "new_flows_per_source", 0, 100000000, 0, &l->new_flows_per_source);
	opt_u32(c, o, "limits", "new_flows_burst", 1, 100000000, l->new_flows_per_source != 0 ? l->new_flows_per_source : 1,
		&l->new_flows_burst);
	opt_u32(c, o, "limits", "half_open_max", 0, 67108864, 0, &l->half_open_max);
	opt_u32(c, o, "limits", "udp_unreplied_max", 0, 67108864, 0, &l->udp_unreplied_max);
	opt_u32(c, o, "limits", "source_prefix6", 16, 64, 64, &l->source_prefix6);
	parse_syn_cookie_secret(c, o, l);
	if (l->udp_unreplied_s > l->udp_idle_s && json_object_get(o, "udp_unreplied_s") != NULL) {
		char kp[PATH_LEN];

		path_key(kp, "limits", "udp_unreplied_s");
		ERR(c, kp, "%u s is longer than limits.udp_idle_s (%u s): an unanswered flow would outlive "
		    "an answered one", l->udp_unreplied_s, l->udp_idle_s);
	}
}

/* ---- services ---- */

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* services[si].servers. Returns true when the whole list was read (an array of
 * 1..NC_MAX_SERVERS entries), so that n_servers is the number of servers given. */
static bool parse_servers(struct ctx *c, json_t *so, const char *sp, size_t si)
{
	static const char *const keys[] = { "name", "address", "port", "weight", NULL };
	struct nc_cfg_service *svc = &c->cfg->services[si];
	char p[PATH_LEN], ep[PATH_LEN], kp[PATH_LEN], jp[PATH_LEN], b[IP6_STR];
	json_t *arr = member(c, so, sp, "servers", true, p);
	bool port_ok[NC_MAX_SERVERS] = { false };
	bool weights_ok = true;
	unsigned int sum = 0;
	int n, i, j;

	if (arr == NULL || (n = get_array(c, arr, p, 1, NC_MAX_SERVERS)) <= 0)
		return false;
	svc->n_servers = (uint16_t)n;
	for (i = 0; i < n; i++) {
		struct nc_cfg_server *srv = &svc->servers[i];
		json_t *o = json_array_get(arr, (size_t)i), *v;
		long long x;

		path_idx(ep, p, (size_t)i);
		if (!want_object(c, o, ep)) {
			weights_ok = false;
			continue;
		}
		check_keys(c, o, ep, keys);

		v = member(c, o, ep, "name", true, kp);
		if (v != NULL && get_name(c, v, kp, srv->name)) {
			for (j = 0; j < i; j++) {
				if (strcmp(svc->servers[j].name, srv->name) == 0) {
					char sp2[PATH_LEN];

					path_idx(sp2, p, (size_t)j);
					path_key(jp, sp2, "name");
					ERR(c, kp, "duplicate name \"%s\" (same as %s)", srv->name, jp);
					break;
				}
			}
		}
		v = member(c, o, ep, "address", true, kp);
		if (v != NULL && get_ip_any(c, v, kp, &srv->family, &srv->address, srv->address6))
			c->srv_addr_ok[si][i] = true;
		v = member(c, o, ep, "port", true, kp);
		if (v != NULL && get_int(c, v, kp, 1, 65535, &x)) {
			srv->port = (uint16_t)x;
			port_ok[i] = true;
		}
		v = member(c, o, ep, "weight", true, kp);
		if (v != NULL && get_int(c, v, kp, 1, 100, &x)) {
			srv->weight = (uint8_t)x;
			sum += (unsigned int)x;
		} else {
			weights_ok = false;
		}

		if (!c->srv_addr_ok[si][i] || !port_ok[i])
			continue;
		for (j = 0; j < i; j++) {
			const struct nc_cfg_server *q = &svc->servers[j];

			if (!c->srv_addr_ok[si][j] || !port_ok[j] || q->family != srv->family ||
			    q->port != srv->port)
				continue;
			if (srv->family == AF_INET && q->address == srv->address) {
				path_idx(jp, p, (size_t)j);
				ERR(c, ep, "duplicate server %s:%u (same as %s)",
				    ip_fmt(srv->address, b), srv->port, jp);
				break;
			}
			if (srv->family == AF_INET6 && memcmp(q->address6, srv->address6, 16) == 0) {
				path_idx(jp, p, (size_t)j);
				ERR(c, ep, "duplicate server [%s]:%u (same as %s)",
				    ip6_fmt(srv->address6, b), srv->port, jp);
				break;
			}
		}
	}
	/* one family per service: the first valid server's */
	for (i = 0; i < n; i++) {
		const struct nc_cfg_server *srv = &svc->servers[i];

		if (!c->srv_addr_ok[si][i])
			continue;
		if (svc->server_family == 0) {
			svc->server_family = srv->family;
			j = i;
		} else if (srv->family != svc->server_family) {
			path_idx(ep, p, (size_t)i);
			path_key(kp, ep, "address");
			path_idx(jp, p, (size_t)j);
			ERR(c, kp, "an %s server among %s ones (%s): all servers of a service are of one family",
			    srv->family == AF_INET6 ? "IPv6" : "IPv4",
			    srv->family == AF_INET6 ? "IPv4" : "IPv6", jp);
			c->srv_addr_ok[si][i] = false;
			break;
		}
	}
	if (weights_ok && (size_t)n == json_array_size(arr) && sum != 100)
		ERR(c, p, "weights must sum to 100, got %u", sum);
	return (size_t)n == json_array_size(arr);
}

/* Defaults of a service's optional sections, filled whether they are given or not. */
static void service_defaults(struct nc_cfg_service *svc)
{
	struct nc_cfg_health *h = &svc->health;
	struct nc_cfg_adaptive *a = &svc->adaptive;
	struct nc_cfg_failsafe *f = &svc->failsafe;

	svc->persistence_s = 0;
	svc->client_address = NC_CA_NONE;
	svc->syn_proxy = NC_SYNP_OFF;
	svc->syn_proxy_threshold = NC_SYNP_THRESHOLD_DEFAULT;
	h->proxy = false;
	svc->maglev_size = NC_MAGLEV_SIZE_DEFAULT;
	svc->maglev_seed = NC_MAGLEV_SEED_DEFAULT;
	h->type = NC_HEALTH_NONE;
	h->interval_ms = 1000;
	h->timeout_ms = 500;
	h->rise = 2;
	h->fall = 3;
	strcpy(h->http_path, "/health");
	h->udp_payload_len = 0;
	a->enabled = false;
	a->mode = NC_ADAPT_PAPER;
	a->interval_ms = 1000;
	a->step = 1;
	a->min_weight = 1;
	f->enabled = false;
	f->response_timeout_ms = 2000;
	f->max_replays = 2;
	f->store_size = 65536;
	f->protocol = NC_FS_PROTO_AUTO;
	f->replay = NC_FS_REPLAY_ALL;
	f->hold_limit_kb = 4096;
}

/* health.http_path: 1..NC_HTTP_PATH_MAX-1 bytes, starting with '/', of printable
 * ASCII without spaces (0x21..0x7e): it goes into the request line as it is. */
static bool get_http_path(struct ctx *c, const json_t *v, const char *path, char *dst)
{
	char buf[NC_HTTP_PATH_MAX], s[SHOW_MAX];
	size_t len, i;

	if (!get_str(c, v, path, sizeof(buf), buf))
		return false;
	len = json_string_length(v);
	if (buf[0] != '/') {
		ERR(c, path, "must start with '/', got \"%s\"", show(buf, s, sizeof(s)));
		return false;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (ch < 0x21 || ch > 0x7e) {
			ERR(c, path, "may contain only printable ASCII 0x21..0x7e (no spaces), got \"%s\"",
			    show(buf, s, sizeof(s)));
			return false;
		}
	}
	memcpy(dst, buf, len + 1);
	return true;
}

/* health.udp_payload_hex: an even number of hex digits (either case), at most
 * two per byte of NC_UDP_PAYLOAD_MAX; may be empty. Decoded into <dst>. */
static bool get_hex(struct ctx *c, const json_t *v, const char *path, uint8_t *dst,
		    uint16_t *n_dst)
{
	char s[SHOW_MAX];
	const char *t;
	size_t len, i;

	if (!want_string(c, v, path))
		return false;
	t = json_string_value(v);
	len = json_string_length(v);
	if (len > 2 * NC_UDP_PAYLOAD_MAX) {
		ERR(c, path, "must be at most %u hex digits (%u bytes), got %zu",
		    2 * NC_UDP_PAYLOAD_MAX, NC_UDP_PAYLOAD_MAX, len);
		return false;
	}
	for (i = 0; i < len; i++) {
		if (nc_hex_digit(t[i]) < 0) {
			ERR(c, path, "may contain only hex digits 0-9 a-f A-F, got \"%s\"",
			    show(t, s, sizeof(s)));
			return false;
		}
	}
	if (len % 2 != 0) {
		ERR(c, path, "must have an even number of hex digits, got %zu", len);
		return false;
	}
	for (i = 0; i < len / 2; i++)
		dst[i] = (uint8_t)(nc_hex_digit(t[2 * i]) << 4 | nc_hex_digit(t[2 * i + 1]));
	*n_dst = (uint16_t)(len / 2);
	return true;
}

/* services[i].health: the probe and its timing. <proto_ok>: svc->proto is valid,
 * so the probe type can be checked against it. */
static void parse_health(struct ctx *c, json_t *so, const char *sp,
			 struct nc_cfg_service *svc, bool proto_ok)
{
	static const char *const keys[] = { "type", "interval_ms", "timeout_ms", "rise",
		"fall", "http_path", "udp_payload_hex", "proxy", NULL };
	/* "icmpv6": another name of "icmp", which is ICMPv6 on an IPv6 service */
	static const char *const types[] = { "tcp", "http", "udp", "icmp", "icmpv6", NULL };
	static const enum nc_health_type type_of[] = { NC_HEALTH_TCP, NC_HEALTH_HTTP,
		NC_HEALTH_UDP, NC_HEALTH_ICMP, NC_HEALTH_ICMP };
	struct nc_cfg_health *h = &svc->health;
	char hp[PATH_LEN], kp[PATH_LEN];
	json_t *o = member(c, so, sp, "health", false, hp), *v;
	bool type_ok = false, interval_ok, timeout_ok;
	uint32_t x;
	int k;

	if (o == NULL || !want_object(c, o, hp))
		return;
	check_keys(c, o, hp, keys);

	v = member(c, o, hp, "type", true, kp);
	if (v != NULL &&
	    (k = get_enum(c, v, kp, types, "\"tcp\", \"http\", \"udp\", \"icmp\" or \"icmpv6\"")) >= 0) {
		h->type = type_of[k];
		type_ok = true;
		if (proto_ok && h->type != NC_HEALTH_ICMP) {
			uint8_t need = h->type == NC_HEALTH_UDP ? IPPROTO_UDP : IPPROTO_TCP;

			if (svc->proto != need)
				ERR(c, kp, "\"%s\" needs a %s service", types[k], proto_name(need));
		}
	}

	interval_ok = opt_u32(c, o, hp, "interval_ms", 50, 3600000, 1000, &h->interval_ms);
	timeout_ok = opt_u32(c, o, hp, "timeout_ms", 10, 3600000, 500, &h->timeout_ms);
	if (interval_ok && timeout_ok && h->timeout_ms > h->interval_ms) {
		v = member(c, o, hp, "timeout_ms", false, kp);
		ERR(c, kp, "must be at most interval_ms (%u), got %u%s", h->interval_ms,
		    h->timeout_ms, v == NULL ? " (the default)" : "");
	}
	if (opt_u32(c, o, hp, "rise", 1, 100, 2, &x))
		h->rise = (uint8_t)x;
	if (opt_u32(c, o, hp, "fall", 1, 100, 3, &x))
		h->fall = (uint8_t)x;

	/* Type-specific keys: with the type unknown, only their format is checked. */
	v = member(c, o, hp, "http_path", false, kp);
	if (v != NULL) {
		if (type_ok && h->type != NC_HEALTH_HTTP)
			ERR(c, kp, "only for type \"http\"");
		else
			get_http_path(c, v, kp, h->http_path);
	}
	v = member(c, o, hp, "udp_payload_hex", false, kp);
	if (v != NULL) {
		if (type_ok && h->type != NC_HEALTH_UDP)
			ERR(c, kp, "only for type \"udp\"");
		else
			get_hex(c, v, kp, h->udp_payload, &h->udp_payload_len);
	}
	/* a probe opens with a PROXY header only where the servers expect one */
	v = member(c, o, hp, "proxy", false, kp);
	if (v != NULL && get_bool(c, v, kp, &h->proxy) && h->proxy) {
		/* a tcp probe sends no byte: only an http one carries a header */
		if (type_ok && h->type != NC_HEALTH_HTTP)
			ERR(c, kp, "only for type \"http\"");
		else if (svc->client_address != NC_CA_PROXY_V1 &&
			 svc->client_address != NC_CA_PROXY_V2)
			ERR(c, kp, "needs client_address \"proxy-v1\" or \"proxy-v2\"");
	}
}

/* services[si].adaptive: the weight controller. <servers_ok>: the whole servers
 * list was read, so n_servers counts every server given. */
static void parse_adaptive(struct ctx *c, json_t *so, const char *sp, size_t si,
			   bool servers_ok)
{
	static const char *const keys[] = { "enabled", "mode", "interval_ms", "step",
		"min_weight", NULL };
	static const char *const modes[] = { "paper", "fast", NULL };
	struct nc_cfg_service *svc = &c->cfg->services[si];
	struct nc_cfg_adaptive *a = &svc->adaptive;
	char ap[PATH_LEN], kp[PATH_LEN], sv[PATH_LEN], wp[PATH_LEN];
	json_t *o = member(c, so, sp, "adaptive", false, ap), *v;
	bool min_ok;
	uint32_t x;
	size_t j;
	int k;

	if (o == NULL || !want_object(c, o, ap))
		return;
	check_keys(c, o, ap, keys);

	v = member(c, o, ap, "enabled", false, kp);
	if (v != NULL)
		get_bool(c, v, kp, &a->enabled);
	v = member(c, o, ap, "mode", false, kp);
	if (v != NULL && (k = get_enum(c, v, kp, modes, "\"paper\" or \"fast\"")) >= 0)
		a->mode = (enum nc_adaptive_mode)k;
	opt_u32(c, o, ap, "interval_ms", 100, 3600000, 1000, &a->interval_ms);
	if (opt_u32(c, o, ap, "step", 1, 50, 1, &x))
		a->step = (uint8_t)x;
	min_ok = opt_u32(c, o, ap, "min_weight", 1, 100, 1, &x);
	if (min_ok)
		a->min_weight = (uint8_t)x;

	if (!min_ok || !servers_ok)
		return;
	/* Every up server keeps at least min_weight of 100. */
	if ((unsigned int)a->min_weight * svc->n_servers > 100) {
		path_key(kp, ap, "min_weight");
		ERR(c, kp, "%u x %u servers exceeds 100", a->min_weight, svc->n_servers);
		return;
	}
	if (!a->enabled)
		return;
	for (j = 0; j < svc->n_servers; j++) {
		uint8_t w = svc->servers[j].weight;   /* 0: missing or invalid, reported */

		if (w == 0 || w >= a->min_weight)
			continue;
		path_key(kp, sp, "servers");
		path_idx(sv, kp, j);
		path_key(wp, sv, "weight");
		ERR(c, wp, "%u is below adaptive.min_weight %u", w, a->min_weight);
	}
}

/* failsafe.protocol and failsafe.replay, in enum order */
static const char *const fs_protocols[] = { "auto", "http", "opaque", NULL };
static const char *const fs_replays[] = { "all", "idempotent", NULL };

const char *nc_fs_protocol_name(enum nc_fs_protocol p)
{
	return (unsigned int)p < (sizeof(fs_protocols) / sizeof(fs_protocols[0])) - 1 ? fs_protocols[p] : "?";
}

/* client_address, in enum order */
static const char *const client_addrs[] = { "none", "proxy-v1", "proxy-v2", "toa", NULL };

const char *nc_client_addr_name(enum nc_client_addr a)
{
	return (unsigned int)a < (sizeof(client_addrs) / sizeof(client_addrs[0])) - 1 ?
		client_addrs[a] : "?";
}

/* services[i].client_address: TCP takes every mode, UDP "proxy-v2" (one
 * header per datagram) or "none"; <proto_ok>: svc->proto is known. */
static void parse_client_address(struct ctx *c, json_t *o, const char *ep,
				 struct nc_cfg_service *svc, bool proto_ok)
{
	char kp[PATH_LEN];
	json_t *v = member(c, o, ep, "client_address", false, kp);
	int k;

	svc->client_address = NC_CA_NONE;
	if (v == NULL)
		return;
	k = get_enum(c, v, kp, client_addrs, "\"none\", \"proxy-v1\", \"proxy-v2\" or \"toa\"");
	if (k < 0)
		return;
	if (proto_ok && svc->proto == IPPROTO_UDP && k != NC_CA_NONE && k != NC_CA_PROXY_V2) {
		ERR(c, kp, "\"%s\" is for tcp services; udp takes \"proxy-v2\" or \"none\"",
		    client_addrs[k]);
		return;
	}
	svc->client_address = (enum nc_client_addr)k;
}

/* syn_proxy, in enum order */
static const char *const syn_proxies[] = { "off", "on", "auto", NULL };

const char *nc_syn_proxy_name(enum nc_syn_proxy m)
{
	return (unsigned int)m < (sizeof(syn_proxies) / sizeof(syn_proxies[0])) - 1 ?
		syn_proxies[m] : "?";
}

/* services[i].syn_proxy and syn_proxy_threshold: TCP services only (either
 * family, NAT64 too), the threshold with "auto" only; <proto_ok>: svc->proto
 * is known. */
static void parse_syn_proxy(struct ctx *c, json_t *o, const char *ep, struct nc_cfg_service *svc,
			    bool proto_ok)
{
	char kp[PATH_LEN], tp[PATH_LEN];
	json_t *v = member(c, o, ep, "syn_proxy", false, kp);
	json_t *t = member(c, o, ep, "syn_proxy_threshold", false, tp);
	int k = NC_SYNP_OFF;

	if (v != NULL) {
		k = get_enum(c, v, kp, syn_proxies, "\"off\", \"on\" or \"auto\"");
		if (k < 0)
			return;
		if (proto_ok && svc->proto != IPPROTO_TCP && k != NC_SYNP_OFF) {
			ERR(c, kp, "\"%s\" is for tcp services (SYN cookies)", syn_proxies[k]);
			return;
		}
		svc->syn_proxy = (enum nc_syn_proxy)k;
	}
	if (t != NULL && k != NC_SYNP_AUTO) {
		ERR(c, tp, "needs syn_proxy \"auto\"");
		return;
	}
	opt_u32(c, o, ep, "syn_proxy_threshold", 2, 10000000, NC_SYNP_THRESHOLD_DEFAULT,
		&svc->syn_proxy_threshold);
}

const char *nc_fs_replay_name(enum nc_fs_replay r)
{
	return (unsigned int)r < (sizeof(fs_replays) / sizeof(fs_replays[0])) - 1 ? fs_replays[r] : "?";
}

/* services[i].failsafe: the transaction fail-safe's holding and replay limits. */
static void parse_failsafe(struct ctx *c, json_t *so, const char *sp,
			   struct nc_cfg_service *svc)
{
	static const char *const keys[] = { "enabled", "response_timeout_ms",
		"max_replays", "store_size", "protocol", "replay", "hold_limit_kb", NULL };
	struct nc_cfg_failsafe *f = &svc->failsafe;
	char fp[PATH_LEN], kp[PATH_LEN];
	json_t *o = member(c, so, sp, "failsafe", false, fp), *v;
	uint32_t x;
	int k;

	if (o == NULL || !want_object(c, o, fp))
		return;
	check_keys(c, o, fp, keys);

	v = member(c, o, fp, "enabled", false, kp);
	if (v != NULL)
		get_bool(c, v, kp, &f->enabled);
	opt_u32(c, o, fp, "response_timeout_ms", 10, 600000, 2000, &f->response_timeout_ms);
	if (opt_u32(c, o, fp, "max_replays", 0, 16, 2, &x))
		f->max_replays = (uint8_t)x;
	opt_u32(c, o, fp, "store_size", 64, 4194304, 65536, &f->store_size);
	v = member(c, o, fp, "protocol", false, kp);
	if (v != NULL && (k = get_enum(c, v, kp, fs_protocols, "\"auto\", \"http\" or \"opaque\"")) >= 0)
		f->protocol = (enum nc_fs_protocol)k;
	v = member(c, o, fp, "replay", false, kp);
	if (v != NULL && (k = get_enum(c, v, kp, fs_replays, "\"all\" or \"idempotent\"")) >= 0)
		f->replay = (enum nc_fs_replay)k;
	opt_u32(c, o, fp, "hold_limit_kb", 1, 1048576, 4096, &f->hold_limit_kb);
}

/* A prime? Trial division: called once per service at load time. */
static bool is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 2)
		return false;
	for (d = 2; d <= n / d; d++)
		if (n % d == 0)
			return false;
	return true;
}

/* The largest prime below <n> and the smallest above it, for the error line. */
static void primes_around(uint32_t n, uint32_t *below, uint32_t *above)
{
	*below = n - 1;
	while (*below > 2 && !is_prime(*below))
		(*below)--;
	*above = n + 1;
	while (!is_prime(*above))
		(*above)++;
}

/* services[i].maglev_size and maglev_seed (defaults NC_MAGLEV_SIZE_DEFAULT and
 * NC_MAGLEV_SEED_DEFAULT): with any other scheduler they are refused, not
 * ignored. <sched_ok>: the scheduler is valid (or absent), so that a key can be
 * said not to belong to it. */
static void parse_maglev(struct ctx *c, json_t *o, const char *ep, struct nc_cfg_service *svc,
			 bool sched_ok)
{
	static const char *const keys[] = { "maglev_size", "maglev_seed" };
	char kp[PATH_LEN];
	uint32_t below, above;
	unsigned int i;

	if (svc->scheduler != NC_SCHED_MAGLEV) {
		for (i = 0; i < 2; i++)
			if (member(c, o, ep, keys[i], false, kp) != NULL && sched_ok)
				ERR(c, kp, "only for scheduler \"maglev\"");
		return;
	}
	if (opt_u32(c, o, ep, "maglev_size", NC_MAGLEV_SIZE_MIN, NC_MAGLEV_SIZE_MAX,
		    NC_MAGLEV_SIZE_DEFAULT, &svc->maglev_size) && !is_prime(svc->maglev_size)) {
		member(c, o, ep, "maglev_size", false, kp);
		primes_around(svc->maglev_size, &below, &above);
		ERR(c, kp, "must be a prime, got %u (%u and %u are)", svc->maglev_size,
		    below, above);
	}
	opt_u32(c, o, ep, "maglev_seed", 0, UINT32_MAX, NC_MAGLEV_SEED_DEFAULT, &svc->maglev_seed);
}

/* services[si].persistence_prefix6, default 128: for an IPv6 vip only (refused
 * on an IPv4 one rather than ignored). */
static void parse_persistence_prefix6(struct ctx *c, json_t *o, const char *ep, size_t si)
{
	struct nc_cfg_service *svc = &c->cfg->services[si];
	char kp[PATH_LEN];
	uint32_t x;

	svc->persistence_prefix6 = 128;
	if (member(c, o, ep, "persistence_prefix6", false, kp) == NULL)
		return;
	if (c->svc_vip_ok[si] && svc->family != AF_INET6) {
		ERR(c, kp, "only for an IPv6 vip");
		return;
	}
	if (opt_u32(c, o, ep, "persistence_prefix6", 1, 128, 128, &x))
		svc->persistence_prefix6 = (uint8_t)x;
}

/* Keep services[si].local_ips of the servers' family (<fam>: each entry's,
 * read by parse_services), in local_ips or local_ips6; the others are errors.
 * With no valid server the vip's family stands in. */
static void set_local_ips(struct ctx *c, const char *ep, size_t si, const uint8_t *fam)
{
	struct nc_cfg_service *svc = &c->cfg->services[si];
	uint8_t want = svc->server_family != 0 ? svc->server_family : svc->family;
	uint16_t n = svc->n_local_ips, j;
	char kp[PATH_LEN], ip[PATH_LEN];

	path_key(kp, ep, "local_ips");
	for (j = 0; j < n; j++) {
		if (!c->svc_lip_ok[si][j] || fam[j] == want)
			continue;
		path_idx(ip, kp, j);
		ERR(c, ip, "must be an %s address, as the %s", want == AF_INET6 ? "IPv6" : "IPv4",
		    svc->server_family != 0 ? "servers" : "vip");
		c->svc_lip_ok[si][j] = false;
	}
	if (want != AF_INET6)
		return;
	svc->n_local_ips6 = n;
	svc->n_local_ips = 0;
	memset(svc->local_ips, 0, sizeof(svc->local_ips));
}

/*
 * What a service cannot have yet: the data plane carries IPv6 full NAT and
 * NAT64 with every scheduler, affinity, adaptive weights, the fail-safe and
 * flow sync. Each refusal is one line here, to be lifted when the data plane
 * learns it.
 */
static void check_v6_support(struct ctx *c, const char *ep, size_t si)
{
	const struct nc_cfg_service *svc = &c->cfg->services[si];
	char kp[PATH_LEN];

	if (!c->svc_vip_ok[si])
		return;
	path_key(kp, ep, "servers");
	if (svc->family != AF_INET6 && svc->server_family == AF_INET6)
		ERR(c, kp, "IPv4 VIP over IPv6 servers is not supported");
}

static void parse_services(struct ctx *c, json_t *root)
{
	static const char *const keys[] = { "name", "vip", "port", "proto", "local_ips",
		"scheduler", "persistence_s", "servers", "health", "adaptive", "failsafe",
		"maglev_size", "maglev_seed", "client_address", "persistence_prefix6", "syn_proxy",
		"syn_proxy_threshold", NULL };
	static const char *const protos[] = { "tcp", "udp", NULL };
	static const char *const scheds[] = { "ratio", "smooth", "maglev", NULL };
	char p[PATH_LEN], ep[PATH_LEN], kp[PATH_LEN], ip[PATH_LEN], jp[PATH_LEN], b[IP6_STR];
	json_t *arr = member(c, root, "", "services", true, p);
	bool key_ok[NC_MAX_SERVICES] = { false };
	int n, i, j, k;

	if (arr == NULL || (n = get_array(c, arr, "services", 1, NC_MAX_SERVICES)) <= 0)
		return;
	c->cfg->n_services = (uint16_t)n;
	for (i = 0; i < n; i++) {
		struct nc_cfg_service *svc = &c->cfg->services[i];
		json_t *o = json_array_get(arr, (size_t)i), *v;
		bool port_ok = false, proto_ok = false, servers_ok;
		uint8_t lip_family[NC_MAX_LOCAL_IPS];
		long long x;

		service_defaults(svc);
		path_idx(ep, "services", (size_t)i);
		if (!want_object(c, o, ep))
			continue;
		check_keys(c, o, ep, keys);

		v = member(c, o, ep, "name", true, kp);
		if (v != NULL && get_name(c, v, kp, svc->name)) {
			for (j = 0; j < i; j++) {
				if (strcmp(c->cfg->services[j].name, svc->name) == 0) {
					snprintf(jp, sizeof(jp), "services[%d].name", j);
					ERR(c, kp, "duplicate name \"%s\" (same as %s)", svc->name, jp);
					break;
				}
			}
		}
		v = member(c, o, ep, "vip", true, kp);
		svc->family = AF_INET;
		if (v != NULL && get_ip_any(c, v, kp, &svc->family, &svc->vip, svc->vip6))
			c->svc_vip_ok[i] = true;
		v = member(c, o, ep, "port", true, kp);
		if (v != NULL && get_int(c, v, kp, 1, 65535, &x)) {
			svc->port = (uint16_t)x;
			port_ok = true;
		}
		v = member(c, o, ep, "proto", true, kp);
		if (v != NULL && (k = get_enum(c, v, kp, protos, "\"tcp\" or \"udp\"")) >= 0) {
			svc->proto = k == 0 ? IPPROTO_TCP : IPPROTO_UDP;
			proto_ok = true;
		}

		v = member(c, o, ep, "local_ips", true, kp);
		/* both families are read here; set_local_ips() keeps the servers' one */
		if (v != NULL && (k = get_array(c, v, kp, 1, NC_MAX_LOCAL_IPS)) > 0) {
			svc->n_local_ips = (uint16_t)k;
			for (j = 0; j < k; j++) {
				int q;

				path_idx(ip, kp, (size_t)j);
				if (!get_ip_any(c, json_array_get(v, (size_t)j), ip, &lip_family[j],
						&svc->local_ips[j], svc->local_ips6[j]))
					continue;
				c->svc_lip_ok[i][j] = true;
				for (q = 0; q < j; q++) {
					if (!c->svc_lip_ok[i][q] || lip_family[q] != lip_family[j])
						continue;
					if (lip_family[j] == AF_INET ?
					    svc->local_ips[q] != svc->local_ips[j] :
					    memcmp(svc->local_ips6[q], svc->local_ips6[j], 16) != 0)
						continue;
					path_idx(jp, kp, (size_t)q);
					ERR(c, ip, "duplicate address %s (same as %s)",
					    lip_family[j] == AF_INET ? ip_fmt(svc->local_ips[j], b) :
					    ip6_fmt(svc->local_ips6[j], b), jp);
					break;
				}
			}
		}

		v = member(c, o, ep, "scheduler", false, kp);
		if (v == NULL) {
			svc->scheduler = NC_SCHED_RATIO;
		} else {
			k = get_enum(c, v, kp, scheds, "\"ratio\", \"smooth\" or \"maglev\"");
			if (k >= 0)
				svc->scheduler = (enum nc_sched_kind)k;
		}
		parse_maglev(c, o, ep, svc, v == NULL || k >= 0);
		opt_u32(c, o, ep, "persistence_s", 0, 86400, 0, &svc->persistence_s);
		parse_persistence_prefix6(c, o, ep, (size_t)i);

		servers_ok = parse_servers(c, o, ep, (size_t)i);
		set_local_ips(c, ep, (size_t)i, lip_family);
		parse_client_address(c, o, ep, svc, proto_ok);
		parse_syn_proxy(c, o, ep, svc, proto_ok);
		parse_health(c, o, ep, svc, proto_ok);
		parse_adaptive(c, o, ep, (size_t)i, servers_ok);
		parse_failsafe(c, o, ep, svc);
		check_v6_support(c, ep, (size_t)i);

		key_ok[i] = c->svc_vip_ok[i] && port_ok && proto_ok;
		for (j = 0; key_ok[i] && j < i; j++) {
			const struct nc_cfg_service *q = &c->cfg->services[j];

			if (!key_ok[j] || q->family != svc->family || q->port != svc->port ||
			    q->proto != svc->proto)
				continue;
			if (svc->family == AF_INET ? q->vip != svc->vip :
			    memcmp(q->vip6, svc->vip6, 16) != 0)
				continue;
			path_idx(jp, "services", (size_t)j);
			if (svc->family == AF_INET)
				ERR(c, ep, "duplicate service %s:%u/%s (same as %s)",
				    ip_fmt(svc->vip, b), svc->port, proto_name(svc->proto), jp);
			else
				ERR(c, ep, "duplicate service [%s]:%u/%s (same as %s)",
				    ip6_fmt(svc->vip6, b), svc->port, proto_name(svc->proto), jp);
			break;
		}
	}
}

/* ---- second pass: references between sections ---- */

/* The valid port address whose subnet holds <a>, as its path; false if none. */
static bool find_subnet(const struct ctx *c, uint32_t a, char *which, size_t *pi,
			size_t *ai)
{
	size_t i, j;

	for (i = 0; i < c->cfg->n_ports; i++) {
		for (j = 0; j < c->cfg->ports[i].n_ipv4; j++) {
			const struct nc_prefix *pf = &c->cfg->ports[i].ipv4[j];
			uint32_t m = len_mask(pf->len);

			if (c->port_addr_ok[i][j] && (a & m) == (pf->addr & m)) {
				snprintf(which, PATH_LEN, "ports[%zu].ipv4[%zu]", i, j);
				*pi = i;
				*ai = j;
				return true;
			}
		}
	}
	return false;
}

/* <a> must be a host of a port subnet (not its network or broadcast address).
 * Skipped when a port address is invalid, as every answer would be a guess. */
static bool check_onlink(struct ctx *c, uint32_t a, const char *path)
{
	char which[PATH_LEN], b[16], b2[16];
	const struct nc_prefix *pf;
	size_t pi, ai;
	uint32_t m;

	if (!c->ports_ok)
		return true;
	if (!find_subnet(c, a, which, &pi, &ai)) {
		ERR(c, path, "%s is not on-link (in no port subnet)", ip_fmt(a, b));
		return false;
	}
	pf = &c->cfg->ports[pi].ipv4[ai];
	m = len_mask(pf->len);
	if (pf->len <= 30 && (a == (pf->addr & m) || a == (pf->addr | ~m))) {
		ERR(c, path, "%s is the %s address of %s (%s/%u)", ip_fmt(a, b),
		    a == (pf->addr & m) ? "network" : "broadcast", which,
		    ip_fmt(pf->addr & m, b2), pf->len);
		return false;
	}
	return true;
}

/* <a> is one of the appliance's addresses (a port address, a VIP, a local IP):
 * its first path in <which>. */
static bool own_address(const struct ctx *c, uint32_t a, char *which)
{
	const struct nc_config *cfg = c->cfg;
	size_t i, j;

	for (i = 0; i < cfg->n_ports; i++)
		for (j = 0; j < cfg->ports[i].n_ipv4; j++)
			if (c->port_addr_ok[i][j] && cfg->ports[i].ipv4[j].addr == a) {
				snprintf(which, PATH_LEN, "ports[%zu].ipv4[%zu]", i, j);
				return true;
			}
	for (i = 0; i < cfg->n_ports; i++)
		if (c->port_host_ok[i] && cfg->ports[i].host.addr == a) {
			snprintf(which, PATH_LEN, "ports[%zu].host", i);
			return true;
		}
	for (i = 0; i < cfg->n_services; i++) {
		if (c->svc_vip_ok[i] && cfg->services[i].family != AF_INET6 &&
		    cfg->services[i].vip == a) {
			snprintf(which, PATH_LEN, "services[%zu].vip", i);
			return true;
		}
		for (j = 0; j < cfg->services[i].n_local_ips; j++)
			if (c->svc_lip_ok[i][j] && cfg->services[i].local_ips[j] == a) {
				snprintf(which, PATH_LEN, "services[%zu].local_ips[%zu]", i, j);
				return true;
			}
	}
	return false;
}

static bool check_not_own(struct ctx *c, uint32_t a, const char *path)
{
	char which[PATH_LEN], b[16];

	if (!own_address(c, a, which))
		return true;
	ERR(c, path, "%s is the appliance's own address (%s)", ip_fmt(a, b), which);
	return false;
}

/* find_subnet() for an IPv6 address: the port ipv6 prefix that holds <a>. */
static bool find_subnet6(const struct ctx *c, const uint8_t a[16], char *which, size_t *pi,
			 size_t *ai)
{
	size_t i, j;

	for (i = 0; i < c->cfg->n_ports; i++) {
		for (j = 0; j < c->cfg->ports[i].n_ipv6; j++) {
			const struct nc_prefix6 *pf = &c->cfg->ports[i].ipv6[j];

			if (c->port_addr6_ok[i][j] && ip6_match(a, pf->addr, pf->len)) {
				snprintf(which, PATH_LEN, "ports[%zu].ipv6[%zu]", i, j);
				*pi = i;
				*ai = j;
				return true;
			}
		}
	}
	return false;
}

/* check_onlink() for an IPv6 address: in a port ipv6 prefix, not its
 * subnet-router anycast address. */
static bool check_onlink6(struct ctx *c, const uint8_t a[16], const char *path)
{
	char which[PATH_LEN], b[IP6_STR], b2[IP6_STR];
	const struct nc_prefix6 *pf;
	uint8_t net[16];
	size_t pi, ai;

	if (!c->ports_ok)
		return true;
	if (!find_subnet6(c, a, which, &pi, &ai)) {
		ERR(c, path, "%s is not on-link (in no port subnet)", ip6_fmt(a, b));
		return false;
	}
	pf = &c->cfg->ports[pi].ipv6[ai];
	ip6_net(pf->addr, pf->len, net);
	if (pf->len <= 126 && memcmp(a, net, 16) == 0) {
		ERR(c, path, "%s is the subnet-router anycast address of %s (%s/%u)", ip6_fmt(a, b),
		    which, ip6_fmt(net, b2), pf->len);
		return false;
	}
	return true;
}

/* own_address() for an IPv6 address. */
static bool own_address6(const struct ctx *c, const uint8_t a[16], char *which)
{
	const struct nc_config *cfg = c->cfg;
	size_t i, j;

	for (i = 0; i < cfg->n_ports; i++)
		for (j = 0; j < cfg->ports[i].n_ipv6; j++)
			if (c->port_addr6_ok[i][j] && memcmp(cfg->ports[i].ipv6[j].addr, a, 16) == 0) {
				snprintf(which, PATH_LEN, "ports[%zu].ipv6[%zu]", i, j);
				return true;
			}
	for (i = 0; i < cfg->n_ports; i++)
		if (c->port_host6_ok[i] && memcmp(cfg->ports[i].host6.addr, a, 16) == 0) {
			snprintf(which, PATH_LEN, "ports[%zu].host6", i);
			return true;
		}
	for (i = 0; i < cfg->n_services; i++) {
		if (c->svc_vip_ok[i] && cfg->services[i].family == AF_INET6 &&
		    memcmp(cfg->services[i].vip6, a, 16) == 0) {
			snprintf(which, PATH_LEN, "services[%zu].vip", i);
			return true;
		}
		for (j = 0; j < cfg->services[i].n_local_ips6; j++)
			if (c->svc_lip_ok[i][j] && memcmp(cfg->services[i].local_ips6[j], a, 16) == 0) {
				snprintf(which, PATH_LEN, "services[%zu].local_ips[%zu]", i, j);
				return true;
			}
	}
	return false;
}

static bool check_not_own6(struct ctx *c, const uint8_t a[16], const char *path)
{
	char which[PATH_LEN], b[IP6_STR];

	if (!own_address6(c, a, which))
		return true;
	ERR(c, path, "%s is the appliance's own address (%s)", ip6_fmt(a, b), which);
	return false;
}

static void cross_workers(struct ctx *c)
{
	const struct nc_cfg_eal *eal = &c->cfg->eal;
	const struct nc_cfg_workers *w = &c->cfg->workers;
	char p[PATH_LEN], s[SHOW_MAX];
	size_t i;

	if (!c->lcores_ok)
		return;
	for (i = 0; i < w->n_lcores; i++) {
		if (!c->worker_ok[i])
			continue;
		snprintf(p, sizeof(p), "workers.lcores[%zu]", i);
		if (w->lcores[i] == eal->main_lcore)
			ERR(c, p, "lcore %u is the main lcore (the lowest in eal.lcores)",
			    w->lcores[i]);
		else if (!lcore_in(eal->lcore_mask, w->lcores[i]))
			ERR(c, p, "lcore %u is not in eal.lcores \"%s\"", w->lcores[i],
			    show(eal->lcores, s, sizeof(s)));
	}
}

/* A port device must be something EAL will create: a PCI device (when eal.allow
 * is set, one of its entries) or a device named by eal.vdevs or eal.allow. */
static void cross_devices(struct ctx *c)
{
	const struct nc_cfg_eal *eal = &c->cfg->eal;
	char p[PATH_LEN], s[SHOW_MAX], d[NC_DEVARG_MAX];
	size_t i, j;

	if (!c->vdevs_ok || !c->allow_ok)
		return;
	for (i = 0; i < c->cfg->n_ports; i++) {
		const char *dev = c->cfg->ports[i].device;
		char norm[13];
		bool pci = pci_parse_n(dev, strlen(dev), norm), found = false;

		if (!c->port_dev_ok[i])
			continue;
		snprintf(p, sizeof(p), "ports[%zu].device", i);
		for (j = 0; j < eal->n_allow && !found; j++) {
			devname_norm(eal->allow[j], d, sizeof(d));
			found = strcmp(d, dev) == 0;
		}
		for (j = 0; j < eal->n_vdevs && !found && !pci; j++) {
			devname_norm(eal->vdevs[j], d, sizeof(d));
			found = strcmp(d, dev) == 0;
		}
		if (found || (pci && eal->n_allow == 0))
			continue;
		if (pci)
			ERR(c, p, "PCI device %s is not in eal.allow", dev);
		else
			ERR(c, p, "\"%s\" is not a PCI address and names no eal.vdevs or eal.allow entry",
			    show(dev, s, sizeof(s)));
	}
}

static void cross_neighbors_routes(struct ctx *c)
{
	const struct nc_config *cfg = c->cfg;
	char p[PATH_LEN];
	size_t i;

	for (i = 0; i < cfg->n_neighbors; i++) {
		const struct nc_cfg_neighbor *nb = &cfg->neighbors[i];

		if (!c->nb_ok[i])
			continue;
		if (nb->family == AF_INET6) {
			snprintf(p, sizeof(p), "neighbors[%zu].ipv6", i);
			if (check_not_own6(c, nb->ipv6, p))
				check_onlink6(c, nb->ipv6, p);
			continue;
		}
		snprintf(p, sizeof(p), "neighbors[%zu].ipv4", i);
		if (check_not_own(c, nb->ipv4, p))
			check_onlink(c, nb->ipv4, p);
	}
	for (i = 0; i < cfg->n_routes; i++) {
		const struct nc_cfg_route *rt = &cfg->routes[i];

		if (!c->rt_via_ok[i])
			continue;
		snprintf(p, sizeof(p), "routes[%zu].via", i);
		if (rt->family == AF_INET6) {
			if (check_not_own6(c, rt->via6, p))
				check_onlink6(c, rt->via6, p);
		} else if (check_not_own(c, rt->via, p)) {
			check_onlink(c, rt->via, p);
		}
	}
}

static bool routed(const struct ctx *c, uint32_t a)
{
	size_t i;

	for (i = 0; i < c->cfg->n_routes; i++) {
		const struct nc_prefix *pf = &c->cfg->routes[i].prefix;

		if (c->rt_prefix_ok[i] && c->cfg->routes[i].family != AF_INET6 &&
		    (a & len_mask(pf->len)) == pf->addr)
			return true;
	}
	return false;
}

static bool routed6(const struct ctx *c, const uint8_t a[16])
{
	size_t i;

	for (i = 0; i < c->cfg->n_routes; i++) {
		const struct nc_cfg_route *rt = &c->cfg->routes[i];

		if (c->rt_prefix_ok[i] && rt->family == AF_INET6 &&
		    ip6_match(a, rt->prefix6.addr, rt->prefix6.len))
			return true;
	}
	return false;
}

/* cross_services() for the addresses of IPv6 service <i>. */
static void cross_service6(struct ctx *c, size_t i)
{
	const struct nc_cfg_service *svc = &c->cfg->services[i];
	char p[PATH_LEN], which[PATH_LEN], b[IP6_STR];
	size_t j, pi, ai;

	/* with BGP the routers learn the VIP from the announcement */
	if (c->svc_vip_ok[i] && svc->family == AF_INET6 &&
	    (!c->cfg->bgp.enabled || find_subnet6(c, svc->vip6, which, &pi, &ai))) {
		snprintf(p, sizeof(p), "services[%zu].vip", i);
		check_onlink6(c, svc->vip6, p);
	}
	for (j = 0; j < svc->n_local_ips6; j++) {
		if (!c->svc_lip_ok[i][j])
			continue;
		snprintf(p, sizeof(p), "services[%zu].local_ips[%zu]", i, j);
		check_onlink6(c, svc->local_ips6[j], p);
	}
	for (j = 0; j < svc->n_servers; j++) {
		const uint8_t *a = svc->servers[j].address6;

		if (!c->srv_addr_ok[i][j] || svc->servers[j].family != AF_INET6)
			continue;
		snprintf(p, sizeof(p), "services[%zu].servers[%zu].address", i, j);
		if (!check_not_own6(c, a, p) || !c->ports_ok)
			continue;
		if (find_subnet6(c, a, which, &pi, &ai))
			check_onlink6(c, a, p);
		else if (c->routes_ok && !routed6(c, a))
			ERR(c, p, "%s is reached by no port subnet or route", ip6_fmt(a, b));
	}
}

static void cross_services(struct ctx *c)
{
	const struct nc_config *cfg = c->cfg;
	char p[PATH_LEN], which[PATH_LEN], b[16];
	size_t i, j, pi, ai;

	for (i = 0; i < cfg->n_services; i++) {
		const struct nc_cfg_service *svc = &cfg->services[i];

		if (svc->family == AF_INET6 || svc->server_family == AF_INET6) {
			cross_service6(c, i);
			if (svc->family == AF_INET6)
				continue;
		}
		/* with BGP the routers learn the VIP from the announcement */
		if (c->svc_vip_ok[i] && (!cfg->bgp.enabled || find_subnet(c, svc->vip, which, &pi, &ai))) {
			snprintf(p, sizeof(p), "services[%zu].vip", i);
			check_onlink(c, svc->vip, p);
		}
		for (j = 0; j < svc->n_local_ips; j++) {
			if (!c->svc_lip_ok[i][j])
				continue;
			snprintf(p, sizeof(p), "services[%zu].local_ips[%zu]", i, j);
			check_onlink(c, svc->local_ips[j], p);
		}
		for (j = 0; j < svc->n_servers; j++) {
			uint32_t a = svc->servers[j].address;

			if (!c->srv_addr_ok[i][j] || svc->servers[j].family == AF_INET6)
				continue;
			snprintf(p, sizeof(p), "services[%zu].servers[%zu].address", i, j);
			if (!check_not_own(c, a, p) || !c->ports_ok)
				continue;
			if (find_subnet(c, a, which, &pi, &ai))
				check_onlink(c, a, p);
			else if (c->routes_ok && !routed(c, a))
				ERR(c, p, "%s is reached by no port subnet or route",
				    ip_fmt(a, b));
		}
	}
}

/* ---- management ---- */

/*
 * management.tls_cert and tls_key (paths in <m>, a relative one next to the
 * startup file <src>) read and checked: each problem appended to <e> on its
 * key's path. On success the PEM texts, NUL-terminated, in *<cert> and *<key>
 * (malloc'd; the key to be wiped: tls_free()).
 */
static int tls_read(struct nc_errors *e, const struct nc_cfg_management *m, const char *src,
		    char **cert, char **key)
{
	static const char *const keys[2] = { "management.tls_cert", "management.tls_key" };
	const char *paths[2] = { m->tls_cert, m->tls_key };
	char full[NC_PATH_MAX + PATH_LEN], s[SHOW_MAX], why[192], *buf[2] = { NULL, NULL };
	size_t len[2] = { 0, 0 };
	enum cfg_tls_side side;
	int i, bad = 0;

	for (i = 0; i < 2; i++) {
		path_near(full, sizeof(full), paths[i], src);
		switch (read_file(full, NC_TLS_PEM_MAX, &buf[i], &len[i], why, sizeof(why))) {
		case FILE_OK:
			if (strlen(buf[i]) != len[i]) {
				err_add(e, keys[i], "%s holds a NUL byte: not PEM text",
					show(full, s, sizeof(s)));
				bad = 1;
			}
			break;
		case FILE_TOO_BIG:
			err_add(e, keys[i], "%s is larger than %u KiB", show(full, s, sizeof(s)),
				NC_TLS_PEM_MAX >> 10);
			bad = 1;
			break;
		default:
			err_add(e, keys[i], "cannot read %s: %s", show(full, s, sizeof(s)), why);
			bad = 1;
		}
	}
	if (!bad && cfg_tls_check(buf[0], len[0], buf[1], len[1], &side, why, sizeof(why)) != 0) {
		path_near(full, sizeof(full), paths[side], src);
		err_add(e, keys[side], "%s: %s", show(full, s, sizeof(s)), why);
		bad = 1;
	}
	if (bad) {
		free(buf[0]);
		if (buf[1] != NULL)
			explicit_bzero(buf[1], len[1]);
		free(buf[1]);
		return -EINVAL;
	}
	*cert = buf[0];
	*key = buf[1];
	return 0;
}

static void tls_free(char *cert, char *key)
{
	free(cert);
	if (key != NULL)
		explicit_bzero(key, strlen(key));
	free(key);
}

/* management.listen at <kp>: "IPv4:PORT" or "[IPv6]:PORT" into <m>. An IPv6
 * address is unicast or "::" (every address), without a zone: a link-local or
 * multicast one is refused, as is an IPv4-mapped one (write the IPv4 form). */
static void listen_parse(struct ctx *c, const char *kp, const char *addr,
			 struct nc_cfg_management *m)
{
	const char *colon = strrchr(addr, ':');
	uint64_t port = 0;
	char b[SHOW_MAX + 8];
	bool ok;

	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');
		uint8_t a6[16];

		ok = close != NULL && close[1] == ':' && colon == close + 1 &&
		     nc_parse_u64(colon + 1, 1, 65535, &port) == 0 &&
		     ip6_parse_n(addr + 1, (size_t)(close - addr - 1), a6);
		if (!ok) {
			ERR(c, kp, "expected \"IPv4:PORT\" or \"[IPv6]:PORT\" (port 1..65535), got %s",
			    show(addr, b, sizeof(b)));
			return;
		}
		if (a6[0] == 0xff || (a6[0] == 0xfe && (a6[1] & 0xc0) == 0x80)) {
			ERR(c, kp, "%s: a %s address cannot be listened on here (no zone), give a "
			    "global, unique-local or loopback one", show(addr, b, sizeof(b)),
			    a6[0] == 0xff ? "multicast" : "link-local");
			return;
		}
		if (memcmp(a6, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
			ERR(c, kp, "%s: an IPv4-mapped address, write it as \"IPv4:PORT\"",
			    show(addr, b, sizeof(b)));
			return;
		}
		memcpy(m->listen_ip6, a6, 16);
		m->listen_v6 = true;
		m->listen_port = (uint16_t)port;
		return;
	}
	ok = colon != NULL && nc_parse_u64(colon + 1, 1, 65535, &port) == 0 &&
	     ip_parse_n(addr, (size_t)(colon - addr), &m->listen_ip);
	if (!ok) {
		ERR(c, kp, "expected \"IPv4:PORT\" or \"[IPv6]:PORT\" (port 1..65535), got %s",
		    show(addr, b, sizeof(b)));
		return;
	}
	m->listen_port = (uint16_t)port;
}

/* "management": {"listen": "IP:PORT", "token_file": PATH,
 * "tls_cert": PATH, "tls_key": PATH} (the TLS pair both or neither) */
static void parse_management(struct ctx *c, json_t *root, const char *src)
{
	static const char *const keys[] = { "listen", "token_file", "tls_cert", "tls_key", NULL };
	struct nc_cfg_management *m = &c->cfg->management;
	char p[PATH_LEN], kp[PATH_LEN], addr[64];
	json_t *o = member(c, root, "", "management", false, p), *v;
	bool cert_ok = false, key_ok = false;

	m->listen_ip = 0x7f000001;   /* 127.0.0.1 */
	m->listen_port = 9180;
	if (o == NULL || !want_object(c, o, "management"))
		return;
	m->enabled = true;
	check_keys(c, o, "management", keys);
	v = member(c, o, "management", "listen", false, kp);
	if (v != NULL && get_str(c, v, kp, sizeof(addr), addr))
		listen_parse(c, kp, addr, m);
	v = member(c, o, "management", "token_file", true, kp);
	if (v != NULL)
		get_str(c, v, kp, sizeof(m->token_file), m->token_file);
	v = member(c, o, "management", "tls_cert", false, kp);
	if (v != NULL)
		cert_ok = get_str(c, v, kp, sizeof(m->tls_cert), m->tls_cert);
	v = member(c, o, "management", "tls_key", false, kp);
	if (v != NULL)
		key_ok = get_str(c, v, kp, sizeof(m->tls_key), m->tls_key);
	if (json_object_get(o, "tls_cert") != NULL && json_object_get(o, "tls_key") == NULL)
		ERR(c, "management.tls_key", "missing: tls_cert needs its private key (both or neither)");
	else if (json_object_get(o, "tls_key") != NULL && json_object_get(o, "tls_cert") == NULL)
		ERR(c, "management.tls_cert", "missing: tls_key needs its certificate (both or neither)");
	if (cert_ok && key_ok) {
		char *cert, *key;

		m->tls = true;
		if (tls_read(c->e, m, src, &cert, &key) == 0)
			tls_free(cert, key);
	}
}

/* ---- exception path and BGP ---- */

/* "exception": {"enabled": bool, "ifname": NAME}: the default for every port
 * with a host that has no "exception" of its own (an ifname names one
 * interface: only with one such port). Then each host address against the
 * other addresses, and interface names against each other. */
static void parse_exception(struct ctx *c, json_t *root)
{
	static const char *const keys[] = { "enabled", "ifname", NULL };
	const struct nc_config *cfg = c->cfg;
	char p[PATH_LEN], kp[PATH_LEN], b[16], ifname[NC_IFNAME_MAX] = "";
	json_t *o = member(c, root, "", "exception", false, p), *v;
	bool on = false;
	size_t i, j, k, n_hosts = 0;

	if (o != NULL && want_object(c, o, "exception")) {
		check_keys(c, o, "exception", keys);
		v = member(c, o, "exception", "enabled", true, kp);
		if (v != NULL)
			get_bool(c, v, kp, &on);
		v = member(c, o, "exception", "ifname", false, kp);
		for (i = 0; i < cfg->n_ports; i++)
			n_hosts += (cfg->ports[i].has_host || cfg->ports[i].has_host6) &&
				   !c->port_exc_given[i];
		if (v != NULL && get_ifname(c, v, kp, ifname)) {
			if (n_hosts > 1) {
				ERR(c, kp, "names one interface, but %zu ports have a host and no exception "
				    "of their own: give each its ports[].exception.ifname", n_hosts);
				ifname[0] = '\0';
			}
		}
	}
	for (i = 0; i < cfg->n_ports; i++) {
		struct nc_cfg_port *port = &c->cfg->ports[i];

		if (!c->port_exc_given[i] && (port->has_host || port->has_host6)) {
			port->exception = on;
			if (ifname[0] != '\0')
				memcpy(port->exc_ifname, ifname, strlen(ifname) + 1);
		}
		if (c->port_host6_ok[i]) {
			char b6[IP6_STR];

			snprintf(kp, sizeof(kp), "ports[%zu].host6", i);
			for (j = 0; j < cfg->n_services; j++) {
				const struct nc_cfg_service *sv = &cfg->services[j];

				if (c->svc_vip_ok[j] && sv->family == AF_INET6 &&
				    memcmp(sv->vip6, port->host6.addr, 16) == 0)
					ERR(c, kp, "%s is services[%zu].vip", ip6_fmt(port->host6.addr, b6), j);
				for (k = 0; k < sv->n_local_ips6; k++)
					if (c->svc_lip_ok[j][k] &&
					    memcmp(sv->local_ips6[k], port->host6.addr, 16) == 0)
						ERR(c, kp, "%s is services[%zu].local_ips[%zu]",
						    ip6_fmt(port->host6.addr, b6), j, k);
			}
		}
		if (c->port_host_ok[i]) {
			snprintf(kp, sizeof(kp), "ports[%zu].host", i);
			for (j = 0; j < cfg->n_services; j++) {
				if (c->svc_vip_ok[j] && cfg->services[j].family != AF_INET6 &&
				    cfg->services[j].vip == port->host.addr)
					ERR(c, kp, "%s is services[%zu].vip", ip_fmt(port->host.addr, b), j);
				for (k = 0; k < cfg->services[j].n_local_ips; k++)
					if (c->svc_lip_ok[j][k] &&
					    cfg->services[j].local_ips[k] == port->host.addr)
						ERR(c, kp, "%s is services[%zu].local_ips[%zu]",
						    ip_fmt(port->host.addr, b), j, k);
			}
		}
		if (!c->port_host_ok[i] && !c->port_host6_ok[i])
			continue;
		if (!port->exception)
			continue;
		for (j = 0; j < i; j++)
			if (cfg->ports[j].exception &&
			    strcmp(cfg->ports[j].exc_ifname, port->exc_ifname) == 0) {
				snprintf(kp, sizeof(kp), "ports[%zu].exception.ifname", i);
				ERR(c, kp, "duplicate interface name \"%s\" (same as ports[%zu])",
				    port->exc_ifname, j);
			}
	}
}

/* "bgp": {"asn", "router_id", "hold_s", "neighbors": [{"address", "asn"}],
 * "bfd": {"enabled", "interval_ms", "multiplier"}}. Each neighbor must be on
 * the subnet of a port with an exception interface: the routing daemon's
 * session runs through it. */
static void parse_bgp(struct ctx *c, json_t *root)
{
	static const char *const keys[] = { "asn", "router_id", "hold_s", "neighbors", "bfd", NULL };
	static const char *const nkeys[] = { "address", "asn", NULL };
	static const char *const bkeys[] = { "enabled", "interval_ms", "multiplier", NULL };
	struct nc_cfg_bgp *g = &c->cfg->bgp;
	char p[PATH_LEN], kp[PATH_LEN], ep[PATH_LEN], np[PATH_LEN], b[16];
	json_t *o = member(c, root, "", "bgp", false, p), *v, *arr;
	long long x;
	uint32_t u;
	int n, i, first_port = -1;

	if (o == NULL || !want_object(c, o, "bgp"))
		return;
	g->enabled = true;
	check_keys(c, o, "bgp", keys);
	v = member(c, o, "bgp", "asn", true, kp);
	if (v != NULL && get_int(c, v, kp, 1, 4294967294LL, &x))
		g->asn = (uint32_t)x;
	v = member(c, o, "bgp", "hold_s", false, kp);
	g->hold_s = 3;
	if (v != NULL && get_int(c, v, kp, 0, 65535, &x)) {
		if (x == 1 || x == 2)
			ERR(c, kp, "must be 0 or 3..65535 (RFC 4271), got %lld", x);
		else
			g->hold_s = (uint16_t)x;
	}
	arr = member(c, o, "bgp", "neighbors", true, np);
	n = arr != NULL ? get_array(c, arr, np, 1, NC_MAX_BGP_NEIGHBORS) : -1;
	for (i = 0; i < n; i++) {
		struct nc_cfg_bgp_neighbor *nb = &g->neighbors[i];
		json_t *e = json_array_get(arr, (size_t)i);
		size_t pi, ai;
		char which[PATH_LEN];

		path_idx(ep, np, (size_t)i);
		if (!want_object(c, e, ep))
			continue;
		check_keys(c, e, ep, nkeys);
		v = member(c, e, ep, "asn", true, kp);
		if (v != NULL && get_int(c, v, kp, 1, 4294967294LL, &x))
			nb->asn = (uint32_t)x;
		v = member(c, e, ep, "address", true, kp);
		if (v == NULL || !get_ip_any(c, v, kp, &nb->family, &nb->address, nb->address6))
			continue;
		if (nb->family == AF_INET6) {
			char b6[IP6_STR];

			if (!check_not_own6(c, nb->address6, kp) || !c->ports_ok)
				continue;
			if (!find_subnet6(c, nb->address6, which, &pi, &ai) ||
			    !c->cfg->ports[pi].exception || !c->cfg->ports[pi].has_host6) {
				ERR(c, kp, "%s is on no port subnet with an exception interface and a host6 "
				    "(ports[].host6 and exception)", ip6_fmt(nb->address6, b6));
				continue;
			}
		} else {
			if (!check_not_own(c, nb->address, kp) || !c->ports_ok)
				continue;
			if (!find_subnet(c, nb->address, which, &pi, &ai) || !c->cfg->ports[pi].exception ||
			    !c->cfg->ports[pi].has_host) {
				ERR(c, kp, "%s is on no port subnet with an exception interface (ports[].host "
				    "and exception)", ip_fmt(nb->address, b));
				continue;
			}
		}
		nb->port = (uint16_t)pi;
		if (g->n_neighbors == 0)
			first_port = (int)pi;
		g->n_neighbors = (uint16_t)(i + 1);
	}
	v = member(c, o, "bgp", "router_id", false, kp);
	if (v != NULL)
		get_ip(c, v, kp, &g->router_id);
	else if (first_port >= 0 && c->cfg->ports[first_port].has_host)
		g->router_id = c->cfg->ports[first_port].host.addr;
	else if (first_port >= 0)
		ERR(c, "bgp.router_id", "missing: ports[%d], facing neighbors[0], has no host (an IPv4 "
		    "address) to take it from", first_port);
	g->bfd = true;
	g->bfd_interval_ms = 100;
	g->bfd_multiplier = 3;
	v = member(c, o, "bgp", "bfd", false, ep);
	if (v != NULL && want_object(c, v, ep)) {
		json_t *en;

		check_keys(c, v, ep, bkeys);
		en = member(c, v, ep, "enabled", false, kp);
		if (en != NULL)
			get_bool(c, en, kp, &g->bfd);
		opt_u32(c, v, ep, "interval_ms", 10, 10000, 100, &g->bfd_interval_ms);
		if (opt_u32(c, v, ep, "multiplier", 1, 255, 3, &u))
			g->bfd_multiplier = (uint8_t)u;
	}
}

/* ---- cluster ---- */

/* Read the cluster secret from <path> (relative: next to the startup file
 * <src>, as management.token_file): 16..4096 bytes after one trailing newline
 * is stripped. Problems are reported on <kp>. */
static void read_secret(struct ctx *c, const char *kp, const char *path, const char *src)
{
	struct nc_cfg_cluster *cl = &c->cfg->cluster;
	char full[NC_PATH_MAX + PATH_LEN], s[SHOW_MAX], why[128], *buf;
	size_t len, n;

	path_near(full, sizeof(full), path, src);
	/* room for a trailing "\r\n" after the longest secret */
	switch (read_file(full, NC_CLUSTER_SECRET_MAX + 2, &buf, &len, why, sizeof(why))) {
	case FILE_OK:
		break;
	case FILE_TOO_BIG:
		ERR(c, kp, "%s is larger than %u bytes", show(full, s, sizeof(s)), NC_CLUSTER_SECRET_MAX);
		return;
	default:
		ERR(c, kp, "cannot read %s: %s", show(full, s, sizeof(s)), why);
		return;
	}
	n = len;
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n > NC_CLUSTER_SECRET_MAX) {
		ERR(c, kp, "%s is larger than %u bytes", show(full, s, sizeof(s)), NC_CLUSTER_SECRET_MAX);
	} else if (n < NC_CLUSTER_SECRET_MIN) {
		ERR(c, kp, "%s holds %zu bytes, the secret needs at least %u", show(full, s, sizeof(s)),
		    n, NC_CLUSTER_SECRET_MIN);
	} else {
		memcpy(cl->secret, buf, n);
		cl->secret_len = (uint16_t)n;
	}
	explicit_bzero(buf, len);
	free(buf);
}

/* cluster.peers[i].local_ips: the addresses a survivor takes over when that
 * dispatcher dies, of either family, so each must be on-link here too and
 * none ours or another peer's. */
static void parse_peer_lips(struct ctx *c, json_t *arr, const char *ep, unsigned int peer)
{
	struct nc_cfg_cluster *cl = &c->cfg->cluster;
	char kp[PATH_LEN], b[IP6_STR];
	int n = get_array(c, arr, ep, 1, NC_MAX_LOCAL_IPS), i;
	unsigned int q, k;

	for (i = 0; i < n; i++) {
		uint8_t fam, a6[16];
		uint32_t a = 0;
		bool dup = false;

		path_idx(kp, ep, (size_t)i);
		if (!get_ip_any(c, json_array_get(arr, (size_t)i), kp, &fam, &a, a6))
			continue;
		if (fam == AF_INET6) {
			if (!check_not_own6(c, a6, kp) || !check_onlink6(c, a6, kp))
				continue;
			for (q = 0; q <= peer && !dup; q++)
				for (k = 0; k < cl->peer_n_lips6[q] && !dup; k++)
					if (memcmp(cl->peer_lips6[q][k], a6, 16) == 0) {
						ERR(c, kp, "%s is also cluster.peers[%u].local_ips",
						    ip6_fmt(a6, b), q);
						dup = true;
					}
			if (!dup)
				memcpy(cl->peer_lips6[peer][cl->peer_n_lips6[peer]++], a6, 16);
			continue;
		}
		if (!check_not_own(c, a, kp) || !check_onlink(c, a, kp))
			continue;
		for (q = 0; q <= peer && !dup; q++)
			for (k = 0; k < cl->peer_n_lips[q] && !dup; k++)
				if (cl->peer_lips[q][k] == a) {
					ERR(c, kp, "%s is also cluster.peers[%u].local_ips[%u]",
					    ip_fmt(a, b), q, k);
					dup = true;
				}
		if (!dup)
			cl->peer_lips[peer][cl->peer_n_lips[peer]++] = a;
	}
}

/* "cluster": {"id", "peers", "sync_port", "secret_file", "heartbeat_ms",
 * "dead_ms", "drain_s", "sync", "sync_max_flows", "sync_max_held"}. The
 * channel runs from this dispatcher's host address on the port whose subnet
 * holds the peers, through its exception interface (the kernel owns the
 * address), so every peer must be on one such subnet. A peer is its address,
 * or {"address", "local_ips"}: with sync on, its local IPs are needed. */
static void parse_cluster(struct ctx *c, json_t *root, const char *src)
{
	static const char *const keys[] = { "id", "peers", "sync_port", "secret_file",
		"heartbeat_ms", "dead_ms", "drain_s", "sync", "sync_max_flows", "sync_max_held", NULL };
	static const char *const peer_keys[] = { "address", "local_ips", NULL };
	struct nc_cfg_cluster *cl = &c->cfg->cluster;
	const struct nc_config *cfg = c->cfg;
	char p[PATH_LEN], kp[PATH_LEN], ep[PATH_LEN], jp[PATH_LEN], b[16];
	json_t *o = member(c, root, "", "cluster", false, p), *v, *arr;
	int first_port = -1, n, i, j;
	bool hb_ok;
	long long x;
	uint32_t u;

	if (o == NULL || !want_object(c, o, "cluster"))
		return;
	cl->enabled = true;
	check_keys(c, o, "cluster", keys);
	v = member(c, o, "cluster", "id", true, kp);
	if (v != NULL && get_int(c, v, kp, 0, NC_CLUSTER_MAX_ID, &x))
		cl->id = (uint8_t)x;
	if (opt_u32(c, o, "cluster", "sync_port", 1, 65535, 7788, &u))
		cl->sync_port = (uint16_t)u;
	hb_ok = opt_u32(c, o, "cluster", "heartbeat_ms", 10, 10000, 100, &cl->heartbeat_ms);
	v = member(c, o, "cluster", "dead_ms", false, kp);
	cl->dead_ms = 5 * cl->heartbeat_ms;
	if (v != NULL && get_int(c, v, kp, 11, 600000, &x)) {
		if (hb_ok && (uint32_t)x <= cl->heartbeat_ms)
			ERR(c, kp, "must be above heartbeat_ms (%u), got %lld", cl->heartbeat_ms, x);
		else
			cl->dead_ms = (uint32_t)x;
	}
	opt_u32(c, o, "cluster", "drain_s", 0, 3600, 5, &cl->drain_s);
	cl->sync = true;
	v = member(c, o, "cluster", "sync", false, kp);
	if (v != NULL)
		get_bool(c, v, kp, &cl->sync);
	opt_u32(c, o, "cluster", "sync_max_flows", 1, 16777216, 65536, &cl->sync_max_flows);
	opt_u32(c, o, "cluster", "sync_max_held", 0, 1048576, 4096, &cl->sync_max_held);
	v = member(c, o, "cluster", "secret_file", true, kp);
	if (v != NULL && get_str(c, v, kp, sizeof(cl->secret_file), cl->secret_file))
		read_secret(c, kp, cl->secret_file, src);

	arr = member(c, o, "cluster", "peers", true, ep);
	n = arr != NULL ? get_array(c, arr, ep, 1, NC_CLUSTER_MAX_PEERS) : -1;
	for (i = 0; i < n; i++) {
		uint32_t a = 0;
		uint8_t a6[16], fam = AF_INET;
		char b6[IP6_STR];
		const char *hk;
		bool dup = false;

		json_t *pe = json_array_get(arr, (size_t)i), *lv = NULL;

		path_idx(kp, ep, (size_t)i);
		if (json_is_object(pe)) {
			char op[PATH_LEN];

			snprintf(op, sizeof(op), "%s", kp);
			check_keys(c, pe, op, peer_keys);
			lv = member(c, pe, op, "local_ips", cl->sync, jp);
			pe = member(c, pe, op, "address", true, kp);
			if (pe == NULL)
				continue;
		} else if (cl->sync && json_is_string(pe)) {
			ERR(c, kp, "with cluster.sync, a peer is {\"address\", \"local_ips\"}: "
			    "the local IPs a survivor takes over when it dies");
		}
		if (!get_ip_any(c, pe, kp, &fam, &a, a6))
			continue;
		if (cl->n_peers > 0 && fam != cl->family) {
			ERR(c, kp, "%s is %s, cluster.peers[0] %s: the channel has one family",
			    fam == AF_INET6 ? ip6_fmt(a6, b6) : ip_fmt(a, b),
			    fam == AF_INET6 ? "IPv6" : "IPv4", fam == AF_INET6 ? "IPv4" : "IPv6");
			continue;
		}
		cl->family = fam;
		if (fam == AF_INET6) {
			memcpy(cl->peers6[cl->n_peers], a6, 16);
			a = 0;
		}
		cl->peers[cl->n_peers] = a;
		cl->peer_n_lips[cl->n_peers] = 0;
		cl->peer_n_lips6[cl->n_peers] = 0;
		if (lv != NULL)
			parse_peer_lips(c, lv, jp, cl->n_peers);
		for (j = 0; j < cl->n_peers && !dup; j++)
			if (fam == AF_INET6 ? memcmp(cl->peers6[j], a6, 16) == 0 : cl->peers[j] == a) {
				snprintf(jp, sizeof(jp), "cluster.peers[%d]", j);
				ERR(c, kp, "duplicate address %s (same as %s)",
				    fam == AF_INET6 ? ip6_fmt(a6, b6) : ip_fmt(a, b), jp);
				dup = true;
			}
		if (dup || !(fam == AF_INET6 ? check_not_own6(c, a6, kp) : check_not_own(c, a, kp)) ||
		    !c->ports_ok)
			continue;
		/* the port whose host (host6) subnet holds the peer */
		for (j = 0; j < cfg->n_ports; j++) {
			const struct nc_prefix *h = &cfg->ports[j].host;
			const struct nc_prefix6 *h6 = &cfg->ports[j].host6;

			if (fam == AF_INET6 ? c->port_host6_ok[j] && ip6_match(a6, h6->addr, h6->len) :
			    c->port_host_ok[j] && (a & len_mask(h->len)) == (h->addr & len_mask(h->len)))
				break;
		}
		hk = fam == AF_INET6 ? "host6" : "host";
		if (fam == AF_INET6)
			ip6_fmt(a6, b6);
		else
			ip_fmt(a, b6);
		if (j == cfg->n_ports) {
			ERR(c, kp, "%s: no ports[].%s on its subnet (the channel runs from the "
			    "dispatcher's host address)", b6, hk);
		} else if (!cfg->ports[j].exception) {
			ERR(c, kp, "%s: ports[%d].%s has no exception interface (the channel's "
			    "socket is the kernel's)", b6, j, hk);
		} else if (first_port >= 0 && j != first_port) {
			ERR(c, kp, "%s is on ports[%d].%s's subnet, the peers before it on "
			    "ports[%d].%s's: the channel has one source address", b6, j, hk,
			    first_port, hk);
		} else {
			first_port = j;
			cl->port = (uint16_t)j;
			cl->bind_addr = fam == AF_INET6 ? 0 : cfg->ports[j].host.addr;
			if (fam == AF_INET6)
				memcpy(cl->bind_addr6, cfg->ports[j].host6.addr, 16);
		}
		cl->n_peers++;
	}
}

/* ---- run-time changes (management API) ---- */

/* A ctx over a running, valid <cfg>: every address of it counts as checked. */
static struct ctx *ctx_running(const struct nc_config *cfg, struct nc_errors *errs)
{
	struct ctx *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->e = errs;
	c->cfg = (struct nc_config *)cfg;   /* read only below */
	c->ports_ok = c->routes_ok = true;
	memset(c->port_addr_ok, true, sizeof(c->port_addr_ok));
	memset(c->port_addr6_ok, true, sizeof(c->port_addr6_ok));
	memset(c->rt_prefix_ok, true, sizeof(c->rt_prefix_ok));
	memset(c->svc_vip_ok, true, sizeof(c->svc_vip_ok));
	memset(c->svc_lip_ok, true, sizeof(c->svc_lip_ok));
	return c;
}

/* Parse a JSON object body; NULL after reporting the problem as field "$". */
static json_t *body_object(struct ctx *c, const char *body, size_t len)
{
	json_error_t je;
	json_t *o = json_loadb(body != NULL ? body : "", len, JSON_REJECT_DUPLICATES, &je);

	if (o == NULL) {
		ERR(c, "$", "invalid JSON: %s (line %d, column %d)", je.text, je.line, je.column);
		return NULL;
	}
	if (!want_object(c, o, "$")) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int nc_config_parse_server(const char *body, size_t len, const struct nc_config *cfg,
			   unsigned int si, struct nc_cfg_server *out, struct nc_errors *errs)
{
	static const char *const keys[] = { "name", "address", "port", "weight", NULL };
	const struct nc_cfg_service *svc;
	struct ctx *c;
	json_t *o, *v;
	char p[PATH_LEN], b[IP6_STR];
	long long x;
	bool addr_ok = false, port_ok = false, got;
	uint16_t j;

	if (cfg == NULL || out == NULL || errs == NULL || si >= cfg->n_services)
		return -EINVAL;
	errs_reset(errs);
	memset(out, 0, sizeof(*out));
	svc = &cfg->services[si];
	c = ctx_running(cfg, errs);
	if (c == NULL)
		return -ENOMEM;
	o = body_object(c, body, len);
	if (o != NULL) {
		check_keys(c, o, "", keys);
		v = member(c, o, "", "name", true, p);
		if (v != NULL && get_name(c, v, p, out->name))
			for (j = 0; j < svc->n_servers; j++)
				if (strcmp(svc->servers[j].name, out->name) == 0) {
					ERR(c, p, "a server named \"%s\" exists in %s", out->name, svc->name);
					break;
				}
		v = member(c, o, "", "address", true, p);
		got = v != NULL && get_ip_any(c, v, p, &out->family, &out->address, out->address6);
		if (got && out->family != (svc->server_family == AF_INET6 ? AF_INET6 : AF_INET)) {
			ERR(c, p, "must be an %s address, as the service's servers",
			    out->family == AF_INET6 ? "IPv4" : "IPv6");
		} else if (got && out->family == AF_INET6) {
			char which[PATH_LEN];
			size_t pi, ai;

			if (!check_not_own6(c, out->address6, p))
				;
			else if (find_subnet6(c, out->address6, which, &pi, &ai))
				addr_ok = check_onlink6(c, out->address6, p);
			else if (!(addr_ok = routed6(c, out->address6)))
				ERR(c, p, "%s is reached by no port subnet or route", ip6_fmt(out->address6, b));
		} else if (got && check_not_own(c, out->address, p)) {
			char which[PATH_LEN];
			size_t pi, ai;

			if (find_subnet(c, out->address, which, &pi, &ai))
				addr_ok = check_onlink(c, out->address, p);
			else if (!(addr_ok = routed(c, out->address)))
				ERR(c, p, "%s is reached by no port subnet or route", ip_fmt(out->address, b));
		}
		v = member(c, o, "", "port", true, p);
		if (v != NULL && get_int(c, v, p, 1, 65535, &x)) {
			out->port = (uint16_t)x;
			port_ok = true;
		}
		v = member(c, o, "", "weight", false, p);
		if (v != NULL && get_int(c, v, p, 1, 100, &x))
			out->weight = (uint8_t)x;
		if (addr_ok && port_ok)
			for (j = 0; j < svc->n_servers; j++)
				if (svc->servers[j].name[0] != '\0' && svc->servers[j].port == out->port &&
				    (out->family == AF_INET6 ?
				     memcmp(svc->servers[j].address6, out->address6, 16) == 0 :
				     svc->servers[j].address == out->address)) {
					if (out->family == AF_INET6)
						ERR(c, "address", "[%s]:%u is server %s already",
						    ip6_fmt(out->address6, b), out->port, svc->servers[j].name);
					else
						ERR(c, "address", "%s:%u is server %s already",
						    ip_fmt(out->address, b), out->port, svc->servers[j].name);
					break;
				}
		json_decref(o);
	}
	free(c);
	return errs->n == 0 && errs->n_dropped == 0 ? 0 : -EINVAL;
}

int nc_config_patch_service(const char *body, size_t len, const struct nc_cfg_service *cur,
			    unsigned int n_servers, struct nc_service_patch *out,
			    struct nc_errors *errs)
{
	static const char *const top[] = { "adaptive", "client_address", NULL };
	static const char *const keys[] = { "enabled", "mode", "interval_ms", "step",
		"min_weight", NULL };
	static const char *const modes[] = { "paper", "fast", NULL };
	struct nc_cfg_adaptive *ad;
	struct nc_config *none;
	struct ctx *c;
	json_t *o, *a, *v;
	char p[PATH_LEN];
	long long x;
	int k;

	if (cur == NULL || out == NULL || errs == NULL)
		return -EINVAL;
	errs_reset(errs);
	memset(out, 0, sizeof(*out));
	out->adaptive = cur->adaptive;
	out->client_address = cur->client_address;
	ad = &out->adaptive;
	none = calloc(1, sizeof(*none));
	c = none != NULL ? ctx_running(none, errs) : NULL;
	if (c == NULL) {
		free(none);
		return -ENOMEM;
	}
	o = body_object(c, body, len);
	if (o != NULL) {
		check_keys(c, o, "", top);
		a = member(c, o, "", "adaptive", false, p);
		v = member(c, o, "", "client_address", false, p);
		if (a == NULL && v == NULL)
			ERR(c, "$", "nothing to change: \"adaptive\" or \"client_address\"");
		if (a != NULL && want_object(c, a, "adaptive")) {
			out->has_adaptive = true;
			check_keys(c, a, "adaptive", keys);
			if ((v = member(c, a, "adaptive", "enabled", false, p)) != NULL)
				get_bool(c, v, p, &ad->enabled);
			if ((v = member(c, a, "adaptive", "mode", false, p)) != NULL &&
			    (k = get_enum(c, v, p, modes, "\"paper\" or \"fast\"")) >= 0)
				ad->mode = (enum nc_adaptive_mode)k;
			if ((v = member(c, a, "adaptive", "interval_ms", false, p)) != NULL &&
			    get_int(c, v, p, 100, 3600000, &x))
				ad->interval_ms = (uint32_t)x;
			if ((v = member(c, a, "adaptive", "step", false, p)) != NULL &&
			    get_int(c, v, p, 1, 50, &x))
				ad->step = (uint8_t)x;
			if ((v = member(c, a, "adaptive", "min_weight", false, p)) != NULL &&
			    get_int(c, v, p, 1, 100, &x)) {
				ad->min_weight = (uint8_t)x;
				if (x * n_servers > 100)
					ERR(c, p, "%lld x %u servers exceeds 100", x, n_servers);
			}
		}
		v = member(c, o, "", "client_address", false, p);
		if (v != NULL &&
		    (k = get_enum(c, v, p, client_addrs,
				  "\"none\", \"proxy-v1\", \"proxy-v2\" or \"toa\"")) >= 0) {
			if (cur->proto == IPPROTO_UDP && k != NC_CA_NONE && k != NC_CA_PROXY_V2)
				ERR(c, p, "\"%s\" is for tcp services; udp takes \"proxy-v2\" or \"none\"",
				    client_addrs[k]);
			else if (cur->health.proxy && k != NC_CA_PROXY_V1 && k != NC_CA_PROXY_V2)
				ERR(c, p, "its probes carry a PROXY header (health.proxy): \"proxy-v1\" or "
				    "\"proxy-v2\"");
			else
				out->has_client_address = true;
			out->client_address = (enum nc_client_addr)k;
		}
		json_decref(o);
	}
	free(c);
	free(none);
	return errs->n == 0 && errs->n_dropped == 0 ? 0 : -EINVAL;
}

/* ---- entry points ---- */

static int parse_root(json_t *root, struct nc_config *cfg, struct nc_errors *errs,
		      const char *src)
{
	static const char *const keys[] = { "eal", "workers", "ports", "neighbors",
		"routes", "limits", "services", "management", "exception", "bgp", "cluster", NULL };
	struct ctx *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		err_add(errs, "$", "out of memory");
		return -ENOMEM;
	}
	c->e = errs;
	c->cfg = cfg;
	if (want_object(c, root, "$")) {
		check_keys(c, root, "", keys);
		parse_eal(c, root);
		parse_workers(c, root);
		parse_ports(c, root);
		parse_neighbors(c, root);
		parse_routes(c, root);
		parse_limits(c, root);
		parse_services(c, root);
		parse_management(c, root, src);

		cross_workers(c);
		cross_devices(c);
		cross_neighbors_routes(c);
		parse_exception(c, root);
		parse_bgp(c, root);
		parse_cluster(c, root, src);
		cross_services(c);
	}
	free(c);
	if (errs->n == 0 && errs->n_dropped == 0)
		return 0;
	memset(cfg, 0, sizeof(*cfg));
	return -EINVAL;
}

/* Parse <len> bytes of JSON named <src> in messages. */
static int parse_buf(const char *src, const char *buf, size_t len,
		     struct nc_config *cfg, struct nc_errors *errs)
{
	json_error_t je;
	json_t *root;
	int rc;

	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		char where[PATH_LEN];

		snprintf(where, sizeof(where), "%s:%d:%d", src, je.line, je.column);
		err_add(errs, where, "invalid JSON: %s", je.text);
		return -EINVAL;
	}
	/* a relative path in the file (cluster.secret_file) is next to it */
	rc = parse_root(root, cfg, errs, strcmp(src, "<string>") != 0 ? src : NULL);
	json_decref(root);
	return rc;
}

int nc_config_parse_string(const char *json, struct nc_config *cfg, struct nc_errors *errs)
{
	if (cfg == NULL || errs == NULL)
		return -EINVAL;
	errs_reset(errs);
	memset(cfg, 0, sizeof(*cfg));
	if (json == NULL) {
		err_add(errs, "<string>", "no JSON text given");
		return -EINVAL;
	}
	return parse_buf("<string>", json, strlen(json), cfg, errs);
}

int nc_config_load(const char *path, struct nc_config *cfg, struct nc_errors *errs)
{
	char why[128], *buf;
	size_t len;
	int rc;

	if (cfg == NULL || errs == NULL)
		return -EINVAL;
	errs_reset(errs);
	memset(cfg, 0, sizeof(*cfg));
	if (path == NULL) {
		err_add(errs, "<file>", "no file name given");
		return -EINVAL;
	}
	switch (read_file(path, FILE_MAX, &buf, &len, why, sizeof(why))) {
	case FILE_OK:
		break;
	case FILE_NO_OPEN:
		err_add(errs, path, "cannot open: %s", why);
		return -EINVAL;
	case FILE_TOO_BIG:
		err_add(errs, path, "cannot read: %zu bytes, more than the limit of %u MiB (%u bytes)",
			len, FILE_MAX >> 20, FILE_MAX);
		return -EINVAL;
	default:
		err_add(errs, path, "cannot read: %s", why);
		return -EINVAL;
	}
	rc = parse_buf(path, buf, len, cfg, errs);
	free(buf);
	return rc;
}

int nc_config_tls_load(const struct nc_cfg_management *m, const char *config_path, char **cert,
		       char **key, struct nc_errors *errs)
{
	if (m == NULL || cert == NULL || key == NULL || errs == NULL)
		return -EINVAL;
	errs_reset(errs);
	*cert = NULL;
	*key = NULL;
	if (!m->tls)
		return -ENODATA;
	return tls_read(errs, m, config_path, cert, key);
}

void nc_config_tls_free(char *cert, char *key)
{
	tls_free(cert, key);
}

void nc_errors_print(const struct nc_errors *errs, FILE *out)
{
	unsigned int i;

	for (i = 0; i < errs->n; i++)
		fprintf(out, "%s\n", errs->line[i]);
	if (errs->n_dropped > 0)
		fprintf(out, "(%u more problems not shown)\n", errs->n_dropped);
}
