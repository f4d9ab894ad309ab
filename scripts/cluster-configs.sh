#!/usr/bin/env bash
# The cluster lab's startup files config/cluster/d1.json and d2.json, made from
# d0.json (the one kept by hand), so that the three never drift apart, and their
# dual-stack variants d0-v6.json, d1-v6.json and d2-v6.json:
#
#   scripts/cluster-configs.sh           write d1.json, d2.json and dk-v6.json
#   scripts/cluster-configs.sh --check   exit 1 (naming the file) if they differ from d0.json's
#
# Dispatcher k (0..2) differs from d0 only in what is its own: eal.file_prefix
# nc-dk, its veth ends dk-p0 and dk-p1, front address 10.203.0.(2+k) (port p0's ipv4,
# host and bgp.router_id), back host 10.201.0.(201+k), local IPs 10.201.0.(1+2k) and
# 10.201.0.(2+2k) (port p1's ipv4 and every service's local_ips), cluster.id k and
# cluster.peers (the others' back host addresses and local IPs). dk-v6.json is dk.json
# with the IPv6 twins of its port addresses (fd00:203::(2+k), the next hop of its
# IPv6 VIP; local IPs fd00:201::(1+2k) and (2+2k), the peers' too), the back port's
# host6 fd00:201::(201+k) and the peers by theirs (the cluster channel over IPv6), a default route
# via lab-rtr's fd00:203::1 and the services web6 (TCP 80) and dns6 (UDP 5353) on the
# VIP fd00:202::1 over n0..n2's IPv6 addresses. Needs jq.
set -euo pipefail
DIR=$(cd "$(dirname "$0")/../config/cluster" && pwd)
check=0
case ${1:-} in
--check) check=1 ;;
"") ;;
*) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

variant() {   # variant <k>: d0.json made dispatcher k's
	jq --indent 2 --argjson k "$1" '
		def front: "10.203.0.\(2 + $k)";
		def lips: ["10.201.0.\(1 + 2 * $k)", "10.201.0.\(2 + 2 * $k)"];
		.eal.file_prefix = "nc-d\($k)" |
		.eal.vdevs |= map(sub("iface=d0-"; "iface=d\($k)-")) |
		.ports[0].ipv4 = ["\(front)/24"] | .ports[0].host = "\(front)/24" |
		.ports[1].ipv4 = (lips | map(. + "/24")) |
		.ports[1].host = "10.201.0.\(201 + $k)/24" |
		.cluster.id = $k |
		.cluster.peers = ([0, 1, 2] - [$k] | map({address: "10.201.0.\(201 + .)",
			local_ips: ["10.201.0.\(1 + 2 * .)", "10.201.0.\(2 + 2 * .)"]})) |
		.bgp.router_id = front |
		.services |= map(.local_ips = lips)' "$DIR/d0.json"
}

v6() {   # v6 <k>: dispatcher k's file made dual-stack, with web6 and dns6
	variant "$1" | jq --indent 2 --argjson k "$1" '
		def lips6($d): ["fd00:201::\(1 + 2 * $d)", "fd00:201::\(2 + 2 * $d)"];
		def lips6: lips6($k);
		.ports[0].ipv6 = ["fd00:203::\(2 + $k)/64"] |
		.ports[1].ipv6 = (lips6 | map(. + "/64")) |
		.ports[1].host6 = "fd00:201::\(201 + $k)/64" |
		.cluster.peers |= map((.address | ltrimstr("10.201.0.") | tonumber - 201) as $d |
			.local_ips += lips6($d) | .address = "fd00:201::\(201 + $d)") |
		.routes += [{prefix: "::/0", via: "fd00:203::1"}] |
		.services += [{name: "web6", vip: "fd00:202::1", port: 80, proto: "tcp",
			local_ips: lips6, scheduler: "ratio",
			servers: [{name: "n0", address: "fd00:201::11", port: 8080, weight: 34},
				{name: "n1", address: "fd00:201::12", port: 8080, weight: 33},
				{name: "n2", address: "fd00:201::13", port: 8080, weight: 33}],
			health: {type: "http", interval_ms: 2000, timeout_ms: 2000, rise: 2, fall: 3,
				http_path: "/health"}},
			{name: "dns6", vip: "fd00:202::1", port: 5353, proto: "udp",
			local_ips: lips6, scheduler: "ratio",
			servers: [{name: "n0", address: "fd00:201::11", port: 5353, weight: 34},
				{name: "n1", address: "fd00:201::12", port: 5353, weight: 33},
				{name: "n2", address: "fd00:201::13", port: 5353, weight: 33}],
			health: {type: "udp", interval_ms: 2000, timeout_ms: 2000, rise: 2, fall: 3,
				udp_payload_hex: "6e632d6865616c7468"}}]'
}

made() {   # made <k or k-v6>: the file dk.json or dk-v6.json
	case $1 in
	*-v6) v6 "${1%-v6}" ;;
	*) variant "$1" ;;
	esac
}

rc=0
for k in 1 2 0-v6 1-v6 2-v6; do
	f=$DIR/d$k.json
	if [ "$check" = 1 ]; then
		if ! made "$k" | cmp -s - "$f"; then
			echo "cluster-configs: $f is not what d0.json makes (run scripts/cluster-configs.sh)" >&2
			rc=1
		fi
	else
		made "$k" >"$f.tmp" && mv "$f.tmp" "$f"
	fi
done
exit "$rc"
