/* SPDX-License-Identifier: BSD-3-Clause
 * management.tls_cert / tls_key checked with GnuTLS, the library the HTTPS
 * server uses, so that a pair --check accepts is one the server loads.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "config_priv.h"

int cfg_tls_check(const char *cert, size_t cert_len, const char *key, size_t key_len,
		  enum cfg_tls_side *side, char *why, size_t why_len)
{
	gnutls_datum_t cd = { (unsigned char *)(uintptr_t)cert, (unsigned int)cert_len };
	gnutls_datum_t kd = { (unsigned char *)(uintptr_t)key, (unsigned int)key_len };
	gnutls_certificate_credentials_t cred;
	gnutls_x509_privkey_t pk;
	gnutls_x509_crt_t *crts = NULL;
	unsigned int n_crts = 0, i;
	int rc;

	rc = gnutls_x509_crt_list_import2(&crts, &n_crts, &cd, GNUTLS_X509_FMT_PEM, 0);
	if (rc < 0) {
		*side = CFG_TLS_CERT;
		snprintf(why, why_len, "no PEM certificate (GnuTLS: %s)", gnutls_strerror(rc));
		return -EINVAL;
	}
	for (i = 0; i < n_crts; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);

	rc = gnutls_x509_privkey_init(&pk);
	if (rc == 0) {
		rc = gnutls_x509_privkey_import2(pk, &kd, GNUTLS_X509_FMT_PEM, NULL, 0);
		gnutls_x509_privkey_deinit(pk);
	}
	if (rc < 0) {
		*side = CFG_TLS_KEY;
		snprintf(why, why_len, "no PEM private key readable without a passphrase (GnuTLS: %s)",
			 gnutls_strerror(rc));
		return -EINVAL;
	}

	/* the pair as the server loads it: the key must be the certificate's */
	rc = gnutls_certificate_allocate_credentials(&cred);
	if (rc == 0) {
		rc = gnutls_certificate_set_x509_key_mem(cred, &cd, &kd, GNUTLS_X509_FMT_PEM);
		gnutls_certificate_free_credentials(cred);
	}
	if (rc == GNUTLS_E_CERTIFICATE_KEY_MISMATCH) {
		*side = CFG_TLS_KEY;
		snprintf(why, why_len, "not the private key of tls_cert's certificate");
		return -EINVAL;
	}
	if (rc < 0) {
		*side = CFG_TLS_CERT;
		snprintf(why, why_len, "GnuTLS refuses it with tls_key: %s", gnutls_strerror(rc));
		return -EINVAL;
	}
	return 0;
}
