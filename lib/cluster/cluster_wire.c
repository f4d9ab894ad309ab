/* SPDX-License-Identifier: BSD-3-Clause
 * The cluster channel's wire format (nc_cluster.h): message building and
 * sealing, checking, the records' walk, and the configuration digest.
 * Pure functions over buffers (OpenSSL's libcrypto for HMAC-SHA256 and
 * SHA-256), no EAL, any thread.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cluster_priv.h"

const char *const nc_cl_rx_name[NC_CL_RX_MAX] = {
#define NC_CL_RX_NAME(e, n, d) #n,
	NC_CL_FOREACH_RX(NC_CL_RX_NAME)
#undef NC_CL_RX_NAME
};

const char *const nc_cl_rx_desc[NC_CL_RX_MAX] = {
#define NC_CL_RX_DESC(e, n, d) d,
	NC_CL_FOREACH_RX(NC_CL_RX_DESC)
#undef NC_CL_RX_DESC
};

/* ---- big-endian helpers ---- */

void
cl_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
cl_put32(uint8_t *p, uint32_t v)
{
	cl_put16(p, (uint16_t)(v >> 16));
	cl_put16(p + 2, (uint16_t)v);
}

void
cl_put64(uint8_t *p, uint64_t v)
{
	cl_put32(p, (uint32_t)(v >> 32));
	cl_put32(p + 4, (uint32_t)v);
}

uint16_t
cl_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t
cl_get32(const uint8_t *p)
{
	return (uint32_t)cl_get16(p) << 16 | cl_get16(p + 2);
}

uint64_t
cl_get64(const uint8_t *p)
{
	return (uint64_t)cl_get32(p) << 32 | cl_get32(p + 4);
}

/* ---- messages ---- */

void
nc_cl_msg_init(struct nc_cl_msg *m, uint8_t type, uint8_t id, uint64_t epoch)
{
	memset(m->buf, 0, NC_CL_HDR_LEN);
	cl_put32(m->buf, NC_CL_MAGIC);
	m->buf[4] = NC_CL_VERSION;
	m->buf[5] = type;
	m->buf[6] = NC_CL_AF_INET;
	m->buf[7] = id;
	cl_put64(m->buf + 16, epoch);
	m->len = NC_CL_HDR_LEN;
	m->n_rec = 0;
}

int
nc_cl_msg_add(struct nc_cl_msg *m, uint16_t type, const void *val, size_t len)
{
	if (len > UINT16_MAX)
		return -EINVAL;
	if (m->len + 4 + len + NC_CL_MAC_LEN > NC_CL_MSG_MAX)
		return -ENOSPC;
	cl_put16(m->buf + m->len, type);
	cl_put16(m->buf + m->len + 2, (uint16_t)len);
	if (len != 0)
		memcpy(m->buf + m->len + 4, val, len);
	m->len += 4 + len;
	m->n_rec++;
	return 0;
}

static int
hmac(const uint8_t *key, size_t key_len, const uint8_t *d, size_t len, uint8_t out[NC_CL_MAC_LEN])
{
	unsigned int n = 0;

	if (HMAC(EVP_sha256(), key, (int)key_len, d, len, out, &n) == NULL || n != NC_CL_MAC_LEN)
		return -EIO;
	return 0;
}

size_t
nc_cl_msg_seal(struct nc_cl_msg *m, uint64_t seq, const uint8_t *key, size_t key_len)
{
	cl_put16(m->buf + 8, (uint16_t)(m->len - NC_CL_HDR_LEN));
	cl_put64(m->buf + 24, seq);
	if (hmac(key, key_len, m->buf, m->len, m->buf + m->len) != 0)
		return 0;
	return m->len + NC_CL_MAC_LEN;
}

enum nc_cl_rx
nc_cl_msg_check(const uint8_t *d, size_t len, const uint8_t *key, size_t key_len,
		struct nc_cl_hdr *h, const uint8_t **payload)
{
	uint8_t mac[NC_CL_MAC_LEN];

	if (len < NC_CL_HDR_LEN + NC_CL_MAC_LEN || len > NC_CL_MSG_MAX)
		return NC_CL_RX_MALFORMED;
	h->magic = cl_get32(d);
	h->version = d[4];
	h->type = d[5];
	h->af = d[6];
	h->id = d[7];
	h->payload_len = cl_get16(d + 8);
	h->flags = cl_get16(d + 10);
	h->epoch = cl_get64(d + 16);
	h->seq = cl_get64(d + 24);
	if (h->magic != NC_CL_MAGIC)
		return NC_CL_RX_MALFORMED;
	/* before the length: another version may lay its message out otherwise */
	if (h->version != NC_CL_VERSION)
		return NC_CL_RX_VERSION;
	if ((size_t)NC_CL_HDR_LEN + h->payload_len + NC_CL_MAC_LEN != len)
		return NC_CL_RX_MALFORMED;
	if (hmac(key, key_len, d, len - NC_CL_MAC_LEN, mac) != 0 ||
	    CRYPTO_memcmp(mac, d + len - NC_CL_MAC_LEN, NC_CL_MAC_LEN) != 0)
		return NC_CL_RX_BAD_AUTH;
	/* authenticated from here on; the address family is ours or unknown */
	if (h->af != NC_CL_AF_INET)
		return NC_CL_RX_VERSION;
	*payload = d + NC_CL_HDR_LEN;
	return NC_CL_RX_OK;
}

int
nc_cl_rec_next(const uint8_t *payload, size_t plen, size_t *off, uint16_t *type,
	       const uint8_t **val, uint16_t *vlen)
{
	size_t o = *off;

	if (o == plen)
		return 0;
	if (o + 4 > plen)
		return -EBADMSG;
	*type = cl_get16(payload + o);
	*vlen = cl_get16(payload + o + 2);
	if (o + 4 + *vlen > plen)
		return -EBADMSG;
	*val = payload + o + 4;
	*off = o + 4 + *vlen;
	return 1;
}

/* ---- configuration digest ---- */

static void
dig_u32(EVP_MD_CTX *x, uint32_t v)
{
	uint8_t b[4];

	cl_put32(b, v);
	EVP_DigestUpdate(x, b, sizeof(b));
}

static void
dig_str(EVP_MD_CTX *x, const char *s)
{
	size_t n = strnlen(s, NC_NAME_MAX);

	dig_u32(x, (uint32_t)n);
	EVP_DigestUpdate(x, s, n);
}

void
nc_cluster_service_digest(const struct nc_cfg_service *svc, uint8_t out[NC_CL_DIGEST_LEN])
{
	const struct nc_cfg_adaptive *ad = &svc->adaptive;
	const struct nc_cfg_failsafe *fs = &svc->failsafe;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	EVP_MD_CTX *x = EVP_MD_CTX_new();

	memset(out, 0, NC_CL_DIGEST_LEN);
	if (x == NULL || EVP_DigestInit_ex(x, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(x);
		return;
	}
	/* a canonical serialisation, field by field (never a struct's bytes:
	 * padding and layout are not part of the configuration); version tag first */
	dig_u32(x, 1);
	dig_str(x, svc->name);
	dig_u32(x, svc->vip);
	/* IPv6 addresses only where there are some: an IPv4 service's digest is unchanged */
	if (svc->family == AF_INET6)
		EVP_DigestUpdate(x, svc->vip6, 16);
	dig_u32(x, svc->port);
	dig_u32(x, svc->proto);
	dig_u32(x, (uint32_t)svc->scheduler);
	dig_u32(x, svc->maglev_size);   /* 0 unless the scheduler is maglev */
	dig_u32(x, svc->maglev_seed);
	dig_u32(x, svc->persistence_s);
	dig_u32(x, svc->n_servers);
	for (i = 0; i < svc->n_servers; i++) {
		dig_str(x, svc->servers[i].name);
		dig_u32(x, svc->servers[i].address);
		if (svc->servers[i].family == AF_INET6)
			EVP_DigestUpdate(x, svc->servers[i].address6, 16);
		dig_u32(x, svc->servers[i].port);
		dig_u32(x, svc->servers[i].weight);
	}
	dig_u32(x, ad->enabled);
	dig_u32(x, (uint32_t)ad->mode);
	dig_u32(x, ad->interval_ms);
	dig_u32(x, ad->step);
	dig_u32(x, ad->min_weight);
	dig_u32(x, fs->enabled);
	dig_u32(x, fs->response_timeout_ms);
	dig_u32(x, fs->max_replays);
	dig_u32(x, fs->store_size);
	dig_u32(x, (uint32_t)fs->protocol);
	dig_u32(x, (uint32_t)fs->replay);
	dig_u32(x, fs->hold_limit_kb);
	if (EVP_DigestFinal_ex(x, md, &n) == 1 && n >= NC_CL_DIGEST_LEN)
		memcpy(out, md, NC_CL_DIGEST_LEN);
	EVP_MD_CTX_free(x);
}
