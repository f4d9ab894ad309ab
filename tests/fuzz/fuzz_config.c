/* SPDX-License-Identifier: BSD-3-Clause
 * libFuzzer target for lib/config: the input is a startup file's text.
 *
 * The loader must give a valid configuration or at least one error line
 * "path: reason", never both, never a crash, leak or sanitizer report. The
 * text is parsed twice to check the result does not depend on what a
 * previous parse left behind (the same verdict, the same lines).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nc_config.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nc_config cfg;
	static struct nc_errors errs, errs2;
	char *text = malloc(size + 1);
	unsigned int i;
	int rc, rc2;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	rc = nc_config_parse_string(text, &cfg, &errs);
	CHECK(rc == 0 || rc == -EINVAL);
	CHECK(rc == 0 ? errs.n == 0 : errs.n > 0);
	CHECK(errs.n <= NC_ERR_LINES_MAX);
	for (i = 0; i < errs.n; i++)
		CHECK(errs.line[i][0] != '\0');
	rc2 = nc_config_parse_string(text, &cfg, &errs2);
	CHECK(rc2 == rc && errs2.n == errs.n);
	for (i = 0; i < errs.n; i++)
		CHECK(strcmp(errs.line[i], errs2.line[i]) == 0);
	free(text);
	return 0;
}
