/* SPDX-License-Identifier: BSD-3-Clause
 * Startup files for tests: JSON written with single quotes, and patched in
 * place by JSON pointer, so that a case states only what it changes in a
 * valid base file. Failures end the running cmocka test.
 */
#ifndef JSON_PATCH_H
#define JSON_PATCH_H

#include <jansson.h>

/* A copy of <s> (to free) with every single quote turned into a double quote. */
char *dq(const char *s);

/* Parse <text>, single-quoted as dq() takes it: a new reference. */
json_t *jparse(const char *text);

/* Node at JSON pointer <ptr> ("/a/0/b") of <root>: a borrowed reference. */
json_t *jget(json_t *root, const char *ptr);

/* Set (<val> non-NULL, reference stolen) or delete the node at <ptr>; "-" as the
 * last token appends to an array. */
void jset(json_t *root, const char *ptr, json_t *val);

#endif /* JSON_PATCH_H */
