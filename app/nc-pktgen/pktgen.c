/* SPDX-License-Identifier: BSD-3-Clause
 * nc-pktgen: reproducible pcap traffic for Netchestra's pcap tests.
 *   gen      client traffic towards the VIP (TCP, UDP, ARP, ICMP, malformed)
 *   reply    play the servers: merge their responses to forwarded packets
 *   corrupt  damage one packet of a capture (to test the checker)
 */
#include <stdio.h>
#include <string.h>

#include "pktgen_priv.h"

static void
usage(void)
{
	fprintf(stderr,
		"usage: nc-pktgen gen --out FILE [options]   (nc-pktgen gen --help)\n"
		"       nc-pktgen reply --clients C.pcap --forwarded OUT.pcap --out M.pcap [--seed N]\n"
		"       nc-pktgen corrupt --in IN.pcap --out OUT.pcap --what KIND [--packet N]\n");
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage();
		return 2;
	}
	if (strcmp(argv[1], "gen") == 0)
		return pg_cmd_gen(argc - 1, argv + 1);
	if (strcmp(argv[1], "reply") == 0)
		return pg_cmd_reply(argc - 1, argv + 1);
	if (strcmp(argv[1], "corrupt") == 0)
		return pg_cmd_corrupt(argc - 1, argv + 1);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage();
		return 0;
	}
	fprintf(stderr, "nc-pktgen: unknown command %s\n", argv[1]);
	usage();
	return 2;
}
