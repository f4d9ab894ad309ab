/* SPDX-License-Identifier: BSD-3-Clause
 * Reading Ethernet pcap files (see nc_test_support.h).
 */
#include <errno.h>
#include <stdio.h>
#include <pcap/pcap.h>

#include "nc_test_support.h"

int
pb_pcap_read(const char *path, const char *prog, pb_pcap_fn fn, void *arg)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	int got = 0, rc = 0;
	pcap_t *pc;

	pc = pcap_open_offline(path, err);
	if (pc == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, err);
		return -EIO;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		fprintf(stderr, "%s: %s: not an Ethernet capture\n", prog, path);
		pcap_close(pc);
		return -EINVAL;
	}
	while (rc == 0 && (got = pcap_next_ex(pc, &h, &data)) == 1)
		rc = fn(arg, data, h->caplen,
			(uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec);
	if (rc == 0 && got == PCAP_ERROR) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, pcap_geterr(pc));
		rc = -EIO;
	}
	pcap_close(pc);
	return rc;
}
