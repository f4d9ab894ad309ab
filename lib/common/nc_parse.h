/* SPDX-License-Identifier: BSD-3-Clause
 * Strict parsing of numbers written by people and other programs (query
 * strings, command-line arguments, "IP:PORT" text). Header only and free of
 * DPDK, so that the startup file's parser, the appliance and netchestra-ctl
 * share it.
 */
#ifndef NC_PARSE_H
#define NC_PARSE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/* The value of hexadecimal digit <ch> (either case), or -1. Any thread. */
static inline int
nc_hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * <len> bytes at <s> as a whole number in <min>..<max>: decimal digits only
 * (no sign, space, "0x" or anything after them; leading zeros allowed).
 * Returns 0 and sets *<out>; -EINVAL for empty text or a byte that is not a
 * digit, -ERANGE for a number outside <min>..<max> (overflow included).
 * strtoull() is not used: it takes a sign, leading spaces and trailing text,
 * and answers ULLONG_MAX on overflow. Any thread.
 */
static inline int
nc_parse_u64_n(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	int range = 0;
	size_t i;

	if (s == NULL || len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;   /* junk is reported before overflow */
		d = (unsigned int)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			range = 1;
		else
			v = v * 10 + d;
	}
	if (range || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* As nc_parse_u64_n() for the NUL-terminated <s>. */
static inline int
nc_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	size_t len = 0;

	if (s != NULL)
		while (s[len] != '\0')
			len++;
	return nc_parse_u64_n(s, len, min, max, out);
}

#endif /* NC_PARSE_H */
