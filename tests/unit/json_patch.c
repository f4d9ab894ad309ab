/* SPDX-License-Identifier: BSD-3-Clause
 * Startup files for tests: JSON written with single quotes, and patched in
 * place by JSON pointer, so that a case states only what it changes in a
 * valid base file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "json_patch.h"

char *dq(const char *s)
{
	char *t = strdup(s), *p;

	assert_non_null(t);
	for (p = t; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	return t;
}

json_t *jparse(const char *text)
{
	char *t = dq(text);
	json_error_t je;
	json_t *v = json_loads(t, JSON_DECODE_ANY, &je);

	if (v == NULL)
		fail_msg("test JSON does not parse: %s: %s", je.text, t);
	free(t);
	return v;
}

/* Node at JSON pointer <ptr> ("/a/0/b"); with <last>, the parent and the last
 * token (copied to <last>) instead. */
static json_t *jwalk(json_t *root, const char *ptr, char *last, size_t last_len)
{
	json_t *cur = root;
	const char *p = ptr;

	assert_true(p[0] == '/');
	for (;;) {
		const char *tok = p + 1, *end = strchr(tok, '/');
		size_t n = end != NULL ? (size_t)(end - tok) : strlen(tok);
		char key[128];

		assert_true(n < sizeof(key));
		memcpy(key, tok, n);
		key[n] = '\0';
		if (end == NULL && last != NULL) {
			assert_true(n < last_len);
			strcpy(last, key);
			return cur;
		}
		if (json_is_object(cur))
			cur = json_object_get(cur, key);
		else if (json_is_array(cur))
			cur = json_array_get(cur, strtoul(key, NULL, 10));
		else
			cur = NULL;
		if (cur == NULL)
			fail_msg("no node at %s", ptr);
		if (end == NULL)
			return cur;
		p = end;
	}
}

json_t *jget(json_t *root, const char *ptr)
{
	return jwalk(root, ptr, NULL, 0);
}

/* Set (<val> non-NULL, reference stolen) or delete the node at <ptr>; "-" as the
 * last token appends to an array. */
void jset(json_t *root, const char *ptr, json_t *val)
{
	char last[128];
	json_t *parent = jwalk(root, ptr, last, sizeof(last));
	int rc;

	if (json_is_object(parent)) {
		rc = val != NULL ? json_object_set_new(parent, last, val)
				 : json_object_del(parent, last);
	} else if (json_is_array(parent)) {
		if (strcmp(last, "-") == 0)
			rc = json_array_append_new(parent, val);
		else if (val != NULL)
			rc = json_array_set_new(parent, strtoul(last, NULL, 10), val);
		else
			rc = json_array_remove(parent, strtoul(last, NULL, 10));
	} else {
		rc = -1;
	}
	if (rc != 0)
		fail_msg("cannot patch %s", ptr);
}

