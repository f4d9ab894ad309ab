#!/usr/bin/env bash
# The cluster lab's startup files config/cluster/d1.json and d2.json, made from
# d0.json (the one kept by hand), so that the three never drift apart:
#
#   scripts/cluster-configs.sh           write d1.json and d2.json
#   scripts/cluster-configs.sh --check   exit 1 (naming the file) if they differ from d0.json's
#
# Dispatcher k (0..2) differs from d0 only in what is its own: eal.file_prefix
# nc-dk, its veth ends dk-p0 and dk-p1, front address 10.203.0.(2+k) (port p0's ipv4,
# host and bgp.router_id), back host 10.201.0.(201+k), local IPs 10.201.0.(1+2k) and
# 10.201.0.(2+2k) (port p1's ipv4 and every service's local_ips), cluster.id k and
# cluster.peers (the others' back host addresses and local IPs). Needs jq.
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

rc=0
for k in 1 2; do
	f=$DIR/d$k.json
	if [ "$check" = 1 ]; then
		if ! variant "$k" | cmp -s - "$f"; then
			echo "cluster-configs: $f is not what d0.json makes (run scripts/cluster-configs.sh)" >&2
			rc=1
		fi
	else
		variant "$k" >"$f.tmp" && mv "$f.tmp" "$f"
	fi
done
exit "$rc"
