/* SPDX-License-Identifier: BSD-3-Clause
 * The management API's answers (app/netchestra/api.c) on the data-path
 * fixture's lab, nc_api_handle() called as the management server calls it
 * on the control lcore: the status and the JSON body a client gets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "app.h"
#include "api.h"
#include "dp_fixture.h"

struct api_fx {
	struct fx f;            /* first: fx_setup_ext's */
	struct nc_app a;
};

static int
setup_api(void **state)
{
	struct api_fx *t;

	if (fx_setup_ext(state, NULL, sizeof(*t)) != 0)
		return -1;
	t = *state;
	t->a.cfg = t->f.cfg;
	t->a.dp = t->f.dp;
	return nc_api_init(&t->a);
}

static int
teardown_api(void **state)
{
	struct api_fx *t = *state;

	nc_api_fini(&t->a);
	return fx_teardown(state);
}

/* Answer <method> <path>: its status, its JSON body parsed into *<body>. */
static unsigned int
ask(struct api_fx *t, const char *method, const char *path, json_t **body)
{
	struct nc_api_req r;
	json_error_t je;

	memset(&r, 0, sizeof(r));
	snprintf(r.method, sizeof(r.method), "%s", method);
	snprintf(r.path, sizeof(r.path), "%s", path);
	nc_api_handle(&t->a, &r);
	assert_non_null(r.out);
	assert_string_equal(r.ctype, "application/json");
	*body = json_loadb(r.out, r.out_len, 0, &je);
	if (*body == NULL)
		fail_msg("not JSON (%s): %.*s", je.text, (int)r.out_len, r.out);
	free(r.out);
	return r.status;
}

/* A path that is not UTF-8 (libmicrohttpd unescapes %ff to the byte) gets
 * its 404 with an error naming the path, its bytes written \xNN. */
static void
test_not_utf8_path(void **state)
{
	json_t *j;

	assert_int_equal(ask(*state, "GET", "/api/v1/\xff\xfe" "drain", &j), 404);
	assert_string_equal(json_string_value(json_object_get(j, "error")),
			    "no such path: /api/v1/\\xff\\xfedrain");
	json_decref(j);
	assert_int_equal(ask(*state, "GET", "/api/v1/services/w\xc3" "b", &j), 404);
	assert_string_equal(json_string_value(json_object_get(j, "error")),
			    "no service named \"w\\xc3b\"");
	assert_string_equal(json_string_value(json_object_get(j, "field")), "service");
	json_decref(j);
	/* UTF-8 is kept as it is */
	assert_int_equal(ask(*state, "GET", "/api/v1/services/w\xc3\xa9" "b", &j), 404);
	assert_string_equal(json_string_value(json_object_get(j, "error")),
			    "no service named \"w\xc3\xa9" "b\"");
	json_decref(j);
}

/* A service's answer carries its fail-safe object whole: every counter the
 * data plane keeps for it, as numbers (the JSON is packed from a format
 * string; a counter added to one side only must not go unnoticed). */
static void
test_service_failsafe(void **state)
{
	static const char *const counters[] = {
		"held_now", "held", "replays", "resets", "store_full", "fin_kept", "waited",
		"move_waited", "syn_resent", "stale_tuple", "reconnects", "early", "opaque",
		"unframed", "abandoned",
	};
	json_t *j, *fs;
	unsigned int i;

	assert_int_equal(ask(*state, "GET", "/api/v1/services/web", &j), 200);
	assert_string_equal(json_string_value(json_object_get(j, "name")), "web");
	fs = json_object_get(j, "failsafe");
	assert_true(json_is_object(fs));
	assert_true(json_is_boolean(json_object_get(fs, "enabled")));
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		if (!json_is_integer(json_object_get(fs, counters[i])))
			fail_msg("failsafe.%s is not a number", counters[i]);
		assert_int_equal(json_integer_value(json_object_get(fs, counters[i])), 0);
	}
	assert_true(json_is_integer(json_object_get(fs, "hold_limit_kb")));
	json_decref(j);
}

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestapi"); }

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_not_utf8_path, setup_api, teardown_api),
		cmocka_unit_test_setup_teardown(test_service_failsafe, setup_api, teardown_api),
	};

	return cmocka_run_group_tests_name("api", tests, eal_setup, fx_eal_teardown);
}
