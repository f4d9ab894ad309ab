/* SPDX-License-Identifier: BSD-3-Clause
 * Receive-side scaling, predicted (nc_net.h): the per-byte tables of the
 * Toeplitz hash. Any lcore, no allocation.
 */
#include <rte_thash.h>

#include "nc_net.h"

const uint8_t nc_rss_key_default[NC_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

void
nc_rss_init(struct nc_rss *r, const uint8_t key[NC_RSS_KEY_LEN])
{
	unsigned int pos, v;

	/* rte_softrss() reads the tuple as host-order 32-bit words holding
	 * the packet's bytes in network order */
	for (pos = 0; pos < RTE_DIM(r->v4); pos++)
		for (v = 0; v < 256; v++) {
			uint32_t t[3] = { 0, 0, 0 };

			t[pos / 4] = (uint32_t)v << (8 * (3 - pos % 4));
			r->v4[pos][v] = (uint8_t)rte_softrss(t, RTE_DIM(t), key);
		}
	for (pos = 0; pos < RTE_DIM(r->v6); pos++)
		for (v = 0; v < 256; v++) {
			uint32_t t[9] = { 0 };

			t[pos / 4] = (uint32_t)v << (8 * (3 - pos % 4));
			r->v6[pos][v] = (uint8_t)rte_softrss(t, RTE_DIM(t), key);
		}
}
