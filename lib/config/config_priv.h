/* SPDX-License-Identifier: BSD-3-Clause
 * Private to lib/config: the checks that need a library beyond jansson.
 */
#ifndef NC_CONFIG_PRIV_H
#define NC_CONFIG_PRIV_H

#include <stddef.h>

/* Which file of the pair a TLS problem is about. */
enum cfg_tls_side { CFG_TLS_CERT, CFG_TLS_KEY };

/*
 * Check the PEM certificate (chain) <cert> and private key <key> (<cert_len>,
 * <key_len> bytes) as the HTTPS server (libmicrohttpd over GnuTLS) will load
 * them: at least one certificate, a key readable without a passphrase, and
 * the key matching the first certificate. Returns 0, or -EINVAL with *<side>
 * naming the file at fault and <why> (<why_len> bytes) the reason. Any thread.
 */
int cfg_tls_check(const char *cert, size_t cert_len, const char *key, size_t key_len,
		  enum cfg_tls_side *side, char *why, size_t why_len);

#endif /* NC_CONFIG_PRIV_H */
