/* SPDX-License-Identifier: BSD-3-Clause
 * management.tls_cert / tls_key in the startup file: both or neither, files
 * that cannot be read, are not PEM, hold an encrypted key or a key of another
 * certificate are --check errors on the key's JSON path; a good pair (paths
 * relative to the startup file too) loads, and nc_config_tls_load() hands the
 * HTTPS server the files' PEM text. Certificates and keys are made here with
 * GnuTLS: no file is pasted in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "nc_config.h"

/* A small valid startup file; %s: its management section. */
static const char base_fmt[] =
	"{\"eal\": {\"lcores\": \"0-1\", \"vdevs\": [\"net_null0\"]},"
	" \"workers\": {\"lcores\": [1]},"
	" \"ports\": [{\"name\": \"p0\", \"device\": \"net_null0\", \"ipv4\": [\"10.0.0.1/24\"],"
	"   \"mac\": \"02:00:00:00:00:01\"}],"
	" \"neighbors\": [{\"ipv4\": \"10.0.0.11\", \"mac\": \"02:00:00:00:00:11\"}],"
	" \"services\": [{\"name\": \"web\", \"vip\": \"10.0.0.1\", \"port\": 80, \"proto\": \"tcp\","
	"   \"local_ips\": [\"10.0.0.1\"],"
	"   \"servers\": [{\"name\": \"n0\", \"address\": \"10.0.0.11\", \"port\": 8080, \"weight\": 100}]}],"
	" \"management\": %s}";

static char dir[] = "/tmp/nc-test-tls-XXXXXX";

static void write_file(const char *name, const void *b, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static char *read_all(const char *name)
{
	char path[256], *b = malloc(1 << 20);
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_non_null(b);
	n = fread(b, 1, (1 << 20) - 1, f);
	fclose(f);
	b[n] = '\0';
	return b;
}

static void write_datum(const char *name, gnutls_datum_t *d)
{
	write_file(name, d->data, d->size);
	gnutls_free(d->data);
}

/* A P-256 key and its self-signed certificate for 127.0.0.1 in <cert_name>
 * and <key_name>; <enc_name> (if not NULL): the key as PKCS#8 under a
 * passphrase. */
static void make_pair(const char *cert_name, const char *key_name, const char *enc_name)
{
	gnutls_x509_privkey_t k;
	gnutls_x509_crt_t c;
	gnutls_datum_t d;
	time_t now = time(NULL);

	assert_int_equal(gnutls_x509_privkey_init(&k), 0);
	assert_int_equal(gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA,
			 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
	assert_int_equal(gnutls_x509_crt_init(&c), 0);
	assert_int_equal(gnutls_x509_crt_set_version(c, 3), 0);
	assert_int_equal(gnutls_x509_crt_set_serial(c, "\x01", 1), 0);
	assert_int_equal(gnutls_x509_crt_set_activation_time(c, now - 60), 0);
	assert_int_equal(gnutls_x509_crt_set_expiration_time(c, now + 3600), 0);
	assert_int_equal(gnutls_x509_crt_set_dn_by_oid(c, GNUTLS_OID_X520_COMMON_NAME, 0,
						       "127.0.0.1", 9), 0);
	assert_int_equal(gnutls_x509_crt_set_key(c, k), 0);
	assert_int_equal(gnutls_x509_crt_sign2(c, c, k, GNUTLS_DIG_SHA256, 0), 0);
	assert_int_equal(gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_PEM, &d), 0);
	write_datum(cert_name, &d);
	assert_int_equal(gnutls_x509_privkey_export2(k, GNUTLS_X509_FMT_PEM, &d), 0);
	write_datum(key_name, &d);
	if (enc_name != NULL) {
		assert_int_equal(gnutls_x509_privkey_export2_pkcs8(k, GNUTLS_X509_FMT_PEM, "passphrase",
								    0, &d), 0);
		write_datum(enc_name, &d);
	}
	gnutls_x509_crt_deinit(c);
	gnutls_x509_privkey_deinit(k);
}

static int setup(void **state)
{
	static char big[(256 << 10) + 1];
	char path[256], *key;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	make_pair("cert.pem", "key.pem", "key-enc.pem");
	make_pair("other.pem", "other-key.pem", NULL);
	write_file("junk.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
		   "-----END CERTIFICATE-----\n", 69);
	/* the good key with a NUL byte after it: the server would read a shorter text */
	key = read_all("key.pem");
	write_file("key-nul.pem", key, strlen(key) + 1);
	free(key);
	memset(big, '\n', sizeof(big));
	write_file("big.pem", big, sizeof(big));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	return mkfifo(path, 0600);
}

static int teardown(void **state)
{
	static const char *const names[] = { "cert.pem", "key.pem", "key-enc.pem", "other.pem",
		"other-key.pem", "junk.pem", "key-nul.pem", "big.pem", "fifo", "n.json" };
	char path[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	return rmdir(dir);
}

struct tls_case {
	const char *name;
	const char *mgmt;      /* the management section; %s: the folder */
	const char *want[3];   /* the problem lines, %s: the folder (up to "(GnuTLS:" where the
				* reason is GnuTLS's text); none: valid */
};

static const struct tls_case cases[] = {
	{ "no TLS", "{\"token_file\": \"/t\"}", { NULL } },
	{ "a good pair", "{\"token_file\": \"/t\", \"tls_cert\": \"%s/cert.pem\", "
	  "\"tls_key\": \"%s/key.pem\"}", { NULL } },
	{ "cert without key", "{\"token_file\": \"/t\", \"tls_cert\": \"%s/cert.pem\"}",
	  { "management.tls_key: missing: tls_cert needs its private key (both or neither)" } },
	{ "key without cert", "{\"token_file\": \"/t\", \"tls_key\": \"%s/key.pem\"}",
	  { "management.tls_cert: missing: tls_key needs its certificate (both or neither)" } },
	{ "cert empty", "{\"token_file\": \"/t\", \"tls_cert\": \"\", \"tls_key\": \"%s/key.pem\"}",
	  { "management.tls_cert: must not be empty" } },
	{ "key a number", "{\"token_file\": \"/t\", \"tls_cert\": \"%s/cert.pem\", \"tls_key\": 7}",
	  { "management.tls_key: must be a string, got integer" } },
	{ "both missing files", "{\"token_file\": \"/t\", \"tls_cert\": \"%s/none.pem\", "
	  "\"tls_key\": \"%s/none-key.pem\"}",
	  { "management.tls_cert: cannot read %s/none.pem: No such file or directory",
	    "management.tls_key: cannot read %s/none-key.pem: No such file or directory" } },
	{ "key a folder", "{\"token_file\": \"/t\", \"tls_cert\": \"%s/cert.pem\", \"tls_key\": \"%s\"}",
	  { "management.tls_key: cannot read %s: Is a directory" } },
	{ "cert a FIFO", "{\"token_file\": \"/t\", \"tls_cert\": \"%s/fifo\", \"tls_key\": \"%s/key.pem\"}",
	  { "management.tls_cert: cannot read %s/fifo: not a regular file (a FIFO)" } },
	{ "cert over 256 KiB", "{\"token_file\": \"/t\", \"tls_cert\": \"%s/big.pem\", "
	  "\"tls_key\": \"%s/key.pem\"}", { "management.tls_cert: %s/big.pem is larger than 256 KiB" } },
	{ "cert not PEM", "{\"token_file\": \"/t\", \"tls_cert\": \"%s/junk.pem\", "
	  "\"tls_key\": \"%s/key.pem\"}", { "management.tls_cert: %s/junk.pem: no PEM certificate (GnuTLS:" } },
	{ "cert and key swapped", "{\"token_file\": \"/t\", \"tls_cert\": \"%s/key.pem\", "
	  "\"tls_key\": \"%s/cert.pem\"}", { "management.tls_cert: %s/key.pem: no PEM certificate (GnuTLS:" } },
	{ "key is a certificate", "{\"token_file\": \"/t\", \"tls_cert\": \"%s/cert.pem\", "
	  "\"tls_key\": \"%s/other.pem\"}", { "management.tls_key: %s/other.pem: no PEM private key "
	  "readable without a passphrase (GnuTLS:" } },
	{ "key under a passphrase", "{\"token_file\": \"/t\", \"tls_cert\": \"%s/cert.pem\", "
	  "\"tls_key\": \"%s/key-enc.pem\"}", { "management.tls_key: %s/key-enc.pem: no PEM private key "
	  "readable without a passphrase (GnuTLS:" } },
	{ "key of another certificate", "{\"token_file\": \"/t\", \"tls_cert\": \"%s/cert.pem\", "
	  "\"tls_key\": \"%s/other-key.pem\"}", { "management.tls_key: %s/other-key.pem: not the private "
	  "key of tls_cert's certificate" } },
	{ "key with a NUL byte", "{\"token_file\": \"/t\", \"tls_cert\": \"%s/cert.pem\", "
	  "\"tls_key\": \"%s/key-nul.pem\"}", { "management.tls_key: %s/key-nul.pem holds a NUL byte: "
	  "not PEM text" } },
};

/* <fmt> with every %s the folder (up to three). */
static void fill(char *out, size_t n, const char *fmt)
{
	snprintf(out, n, fmt, dir, dir, dir);
}

static void test_cases(void **state)
{
	static struct nc_config cfg;
	static struct nc_errors e;
	char mgmt[1024], json[4096], want[NC_ERR_LINE_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tls_case *tc = &cases[i];
		unsigned int k, n_want = 0;
		int rc;

		fill(mgmt, sizeof(mgmt), tc->mgmt);
		snprintf(json, sizeof(json), base_fmt, mgmt);
		rc = nc_config_parse_string(json, &cfg, &e);
		while (n_want < 3 && tc->want[n_want] != NULL)
			n_want++;
		if (e.n != n_want || rc != (n_want == 0 ? 0 : -EINVAL)) {
			for (k = 0; k < e.n; k++)
				print_message("  got: %s\n", e.line[k]);
			fail_msg("%s: rc %d, %u line(s), want %u", tc->name, rc, e.n, n_want);
		}
		for (k = 0; k < n_want; k++) {
			fill(want, sizeof(want), tc->want[k]);
			if (strncmp(e.line[k], want, strlen(want)) != 0)
				fail_msg("%s: got \"%s\", want \"%s\"", tc->name, e.line[k], want);
		}
		if (n_want == 0)
			assert_int_equal(cfg.management.tls, strstr(tc->mgmt, "tls_cert") != NULL);
	}
}

/* Relative paths are next to the startup file; nc_config_tls_load() returns
 * the files' text as loaded, and nothing when the section has no TLS. */
static void test_load_relative(void **state)
{
	static struct nc_config cfg;
	static struct nc_errors e;
	char json[4096], path[256], *cert = NULL, *key = NULL, *want;
	FILE *f;

	(void)state;
	snprintf(json, sizeof(json), base_fmt,
		 "{\"token_file\": \"t\", \"tls_cert\": \"cert.pem\", \"tls_key\": \"key.pem\"}");
	snprintf(path, sizeof(path), "%s/n.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(json, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(nc_config_load(path, &cfg, &e), 0);
	assert_true(cfg.management.tls);
	assert_string_equal(cfg.management.tls_cert, "cert.pem");

	assert_int_equal(nc_config_tls_load(&cfg.management, path, &cert, &key, &e), 0);
	assert_int_equal(e.n, 0);
	want = read_all("cert.pem");
	assert_string_equal(cert, want);
	free(want);
	want = read_all("key.pem");
	assert_string_equal(key, want);
	free(want);
	nc_config_tls_free(cert, key);

	/* the same file read from elsewhere: the relative paths do not resolve */
	assert_int_equal(nc_config_tls_load(&cfg.management, "n.json", &cert, &key, &e), -EINVAL);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.line[0], "management.tls_cert: cannot read cert.pem: No such file or directory");
	assert_null(cert);
	assert_null(key);

	cfg.management.tls = false;
	assert_int_equal(nc_config_tls_load(&cfg.management, path, &cert, &key, &e), -ENODATA);
	assert_null(cert);
	assert_null(key);
	nc_config_tls_free(NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_load_relative),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
