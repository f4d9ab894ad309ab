#!/usr/bin/env bash
# The cluster lab's scripts on their own, no namespace and no root needed:
# scripts/render-bird.py (config/cluster/d0.json rendered line by line, the
# variants of the startup file it follows, BIRD itself parsing what it renders
# (bird -p), every invalid or missing section an error naming its JSON path with
# nothing written), the IPv6 VIPs of the dual-stack variants dK-v6.json (an ipv6
# channel, its next hop the port's first IPv6 address; the router's ipv6 kernel
# and BGP channels), scripts/cluster-configs.sh --check (d1.json, d2.json and the
# -v6 files are what d0.json makes), the appliance's --check on the six files,
# the lab's startup files rewritten for AF_XDP ports (scripts/lab-ports.sh), and shellcheck
# on the cluster lab's shell scripts. Usage: tests/scripts/run.sh [BUILD_DIR]
# shellcheck disable=SC2015 # "check && ok ... || bad ...": ok never fails
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
RENDER=$ROOT/scripts/render-bird.py
D0=$ROOT/config/cluster/d0.json
W=$(mktemp -d /tmp/nc-scripts.XXXXXX)
trap 'rm -rf "$W"' EXIT
pass=0; fail=0
ok()  { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; [ -z "${2:-}" ] || sed 's/^/    /' "$2" | tail -20; fail=$((fail + 1)); }

# has <file> <line>...: every line is in <file>, exactly (leading tabs ignored)
has() {
	local f=$1 l
	shift
	for l in "$@"; do
		sed 's/^\t*//' "$f" | grep -qxF "$l" || { echo "missing line: $l" >>"$f.why"; return 1; }
	done
}
# variant <out> <jq filter>: d0.json changed
variant() { jq "$2" "$D0" >"$1"; }
# birdok <conf>: BIRD parses it
birdok() { bird -p -c "$1" >"$1.bird" 2>&1; }

# ---- d0.json as shipped ----
if python3 "$RENDER" "$D0" >"$W/d0.conf" 2>"$W/d0.err" &&
	has "$W/d0.conf" 'router id 10.203.0.2;' 'local as 65001;' 'hold time 3;' 'bfd on;' \
		'import where net ~ [ 10.202.0.1/32 ];' 'interface "nc-p0";' 'interface "nc-p0" {' \
		'interval 100 ms;' 'multiplier 3;' 'export where proto = "vips" && net ~ [ 10.202.0.1/32 ];' \
		'import none;' 'local 10.203.0.2 as 65001;' 'neighbor 10.203.0.1 as 65000;' &&
	[ "$(grep -c '^protocol bgp ' "$W/d0.conf")" = 1 ] && ! grep -q 'nc-p1' "$W/d0.conf"; then
	ok "render d0.json: router id, ASN, hold time, BFD, one session to 10.203.0.1 on nc-p0, the VIP alone"
else
	cat "$W/d0.err" "$W/d0.conf.why" >"$W/why" 2>/dev/null
	bad "render d0.json" "$W/why"
fi
if [ "$(python3 "$RENDER" --ifaces "$D0")" = "nc-p0 10.203.0.2/24" ] &&
	[ "$(python3 "$RENDER" --vips "$D0")" = "10.202.0.1" ]; then
	ok "--ifaces and --vips of d0.json: nc-p0 10.203.0.2/24, 10.202.0.1"
else
	bad "--ifaces and --vips of d0.json"
fi

# ---- what BIRD itself makes of it ----
if ! command -v bird >/dev/null; then
	bad "bird -p: no bird (scripts/deps.sh installs bird2)"
else
	for k in 0 1 2; do
		python3 "$RENDER" -o "$W/d$k.conf" "$ROOT/config/cluster/d$k.json" && birdok "$W/d$k.conf" &&
			has "$W/d$k.conf" "router id 10.203.0.$((2 + k));" "local 10.203.0.$((2 + k)) as 65001;" &&
			ok "d$k.json: BIRD parses its configuration (bird -p), router id 10.203.0.$((2 + k))" ||
			bad "d$k.json rendered and parsed" "$W/d$k.conf.bird"
	done
	python3 "$RENDER" --router --router-id 10.203.0.1 --asn 65000 --iface eth-disp --accept 10.202.0.0/24 \
		--neighbor d0=10.203.0.2:65001 --neighbor d1=10.203.0.3:65001 --neighbor d2=10.203.0.4:65001 \
		-o "$W/rtr.conf" && birdok "$W/rtr.conf" &&
		has "$W/rtr.conf" 'merge paths on;' 'export where source = RTS_BGP;' 'interface "eth-disp" {' \
			'import where net ~ [ 10.202.0.0/24{32,32} ];' 'neighbor 10.203.0.4 as 65001;' &&
		[ "$(grep -c '^protocol bgp ' "$W/rtr.conf")" = 3 ] &&
		ok "router: three sessions, BFD on eth-disp, /32s of 10.202.0.0/24 merged into multipath routes; bird -p" ||
		bad "router configuration" "$W/rtr.conf.bird"
	! grep -q 'ipv6 {' "$W/rtr.conf" && ! grep -q 'ipv6 {' "$W/d0.conf" &&
		ok "no IPv6 VIP, no --accept6: no ipv6 channel rendered" ||
		bad "no ipv6 channel without IPv6 VIPs" "$W/rtr.conf"
	python3 "$RENDER" --router --router-id 10.203.0.1 --asn 65000 --iface eth-disp --accept 10.202.0.0/24 \
		--accept6 fd00:202::/64 --neighbor d0=10.203.0.2:65001 --neighbor d1=10.203.0.3:65001 \
		-o "$W/rtr6.conf" && birdok "$W/rtr6.conf" &&
		has "$W/rtr6.conf" 'import where net ~ [ 10.202.0.0/24{32,32} ];' \
			'import where net ~ [ fd00:202::/64{128,128} ];' &&
		[ "$(grep -c '^protocol kernel' "$W/rtr6.conf")" = 2 ] && [ "$(grep -c 'merge paths on;' "$W/rtr6.conf")" = 2 ] &&
		[ "$(grep -c '^	ipv6 {' "$W/rtr6.conf")" = 2 ] &&
		ok "router with --accept6: /128s of fd00:202::/64 taken in the same sessions and merged into the kernel's IPv6 table; bird -p" ||
		bad "router configuration with --accept6" "$W/rtr6.conf.bird"
	for k in 0 1 2; do
		f=$ROOT/config/cluster/d$k-v6.json
		python3 "$RENDER" -o "$W/d$k-v6.conf" "$f" 2>"$W/d$k-v6.err" && birdok "$W/d$k-v6.conf" &&
			has "$W/d$k-v6.conf" 'import where net ~ [ 10.202.0.1/32 ];' \
				'import where net ~ [ fd00:202::1/128 ];' \
				'export where proto = "vips" && net ~ [ 10.202.0.1/32 ];' \
				'export where proto = "vips" && net ~ [ fd00:202::1/128 ];' \
				"next hop address fd00:203::$((2 + k));" "neighbor 10.203.0.1 as 65000;" &&
			[ "$(grep -c '^protocol bgp ' "$W/d$k-v6.conf")" = 1 ] &&
			[ "$(python3 "$RENDER" --vips "$f" | tr '\n' ' ')" = "10.202.0.1 fd00:202::1 " ] &&
			ok "d$k-v6.json: fd00:202::1/128 in an ipv6 channel of the one session, next hop fd00:203::$((2 + k)); bird -p" ||
			{ cat "$W/d$k-v6.err" "$W/d$k-v6.conf.why" "$W/d$k-v6.conf.bird" >"$W/why" 2>/dev/null
			  bad "d$k-v6.json rendered and parsed" "$W/why"; }
	done
fi
D0V6=$ROOT/config/cluster/d0-v6.json
jq '.services |= map(select(.name == "web6"))' "$D0V6" >"$W/only6.json"
if python3 "$RENDER" -o "$W/only6.conf" "$W/only6.json" 2>"$W/only6.err" &&
	has "$W/only6.conf" 'import none;' 'export none;' 'import where net ~ [ fd00:202::1/128 ];' &&
	{ ! command -v bird >/dev/null || birdok "$W/only6.conf"; }; then
	ok "IPv6 VIPs alone: the ipv4 channels import and export nothing"
else
	cat "$W/only6.err" "$W/only6.conf.why" "$W/only6.conf.bird" >"$W/why" 2>/dev/null
	bad "IPv6 VIPs alone" "$W/why"
fi

# ---- variants of the startup file ----
variant "$W/v1.json" 'del(.ports[].exception) | .exception = {enabled: true} | del(.bgp.router_id) |
	.bgp.bfd.enabled = false | .bgp.hold_s = 9 |
	.services += [.services[0] | .name = "web2" | .vip = "10.202.0.7"]'
if python3 "$RENDER" -o "$W/v1.conf" "$W/v1.json" 2>"$W/v1.err" &&
	has "$W/v1.conf" 'router id 10.203.0.2;' 'interface "nc-p0";' 'bfd off;' 'hold time 9;' \
		'import where net ~ [ 10.202.0.1/32, 10.202.0.7/32 ];' &&
	! grep -q '^protocol bfd' "$W/v1.conf" && { ! command -v bird >/dev/null || birdok "$W/v1.conf"; }; then
	ok "top-level exception (nc-<port>), router id from the host facing the neighbour, BFD off, two VIPs"
else
	cat "$W/v1.err" "$W/v1.conf.why" "$W/v1.conf.bird" >"$W/why" 2>/dev/null
	bad "variant: top-level exception, default router id, BFD off, two VIPs" "$W/why"
fi
variant "$W/v2.json" '.ports[0].exception.ifname = "ext0" | .ports[1].ipv4 += ["10.204.0.1/24"] |
	.ports[1].host = "10.204.0.2/24" |
	.bgp.neighbors += [{address: "10.204.0.1", asn: 65010}] | .bgp.bfd.interval_ms = 50'
if python3 "$RENDER" -o "$W/v2.conf" "$W/v2.json" 2>"$W/v2.err" &&
	has "$W/v2.conf" 'interface "ext0", "nc-p1";' 'interface "ext0", "nc-p1" {' 'interval 50 ms;' \
		'local 10.204.0.2 as 65001;' 'neighbor 10.204.0.1 as 65010;' 'description "10.204.0.1 on nc-p1";' &&
	[ "$(python3 "$RENDER" --ifaces "$W/v2.json" | tr '\n' ' ')" = "ext0 10.203.0.2/24 nc-p1 10.204.0.2/24 " ] &&
	{ ! command -v bird >/dev/null || birdok "$W/v2.conf"; }; then
	ok "two neighbours on two ports: a session each from its port's host, both interfaces watched"
else
	cat "$W/v2.err" "$W/v2.conf.why" "$W/v2.conf.bird" >"$W/why" 2>/dev/null
	bad "variant: two neighbours on two ports" "$W/why"
fi

# an IPv6 neighbour (bgp.neighbors[].address): the session from the port's host6,
# the IPv4 VIPs with the port's IPv4 host as next hop, the IPv6 ones as before
jq '.ports[0].host6 = "fd00:203::2/64" | .bgp.neighbors[0].address = "fd00:203::1"' "$D0V6" >"$W/v3.json"
if python3 "$RENDER" -o "$W/v3.conf" "$W/v3.json" 2>"$W/v3.err" &&
	has "$W/v3.conf" 'router id 10.203.0.2;' 'local fd00:203::2 as 65001;' 'neighbor fd00:203::1 as 65000;' \
		'description "fd00:203::1 on nc-p0";' 'next hop address 10.203.0.2;' 'next hop address fd00:203::2;' \
		'export where proto = "vips" && net ~ [ 10.202.0.1/32 ];' \
		'export where proto = "vips" && net ~ [ fd00:202::1/128 ];' &&
	[ "$(grep -c '^protocol bgp ' "$W/v3.conf")" = 1 ] &&
	[ "$(python3 "$RENDER" --ifaces "$W/v3.json")" = "nc-p0 fd00:203::2/64" ] &&
	{ ! command -v bird >/dev/null || birdok "$W/v3.conf"; }; then
	ok "an IPv6 neighbour: the session from nc-p0's host6 fd00:203::2, IPv4 VIPs next hop 10.203.0.2, IPv6 VIPs fd00:203::2; bird -p"
else
	cat "$W/v3.err" "$W/v3.conf.why" "$W/v3.conf.bird" >"$W/why" 2>/dev/null
	bad "variant: an IPv6 neighbour" "$W/why"
fi

# ---- invalid or missing sections: exit 1, the JSON path, nothing written ----
# refused <what> <jq filter or @text> <expected message (fixed string)>
refused() {
	local f=$W/bad.json rc
	rm -f "$W/bad.conf"
	case $2 in
	@*) printf '%s' "${2#@}" >"$f" ;;
	*) variant "$f" "$2" ;;
	esac
	python3 "$RENDER" -o "$W/bad.conf" "$f" >"$W/bad.out" 2>"$W/bad.err"; rc=$?
	if [ "$rc" = 1 ] && [ "$(wc -l <"$W/bad.err")" = 1 ] && grep -qF "render-bird: $f: $3" "$W/bad.err" &&
		[ ! -e "$W/bad.conf" ]; then
		ok "refused, $1: $(cat "$W/bad.err")"
	else
		echo "rc=$rc" | cat - "$W/bad.err" >"$W/why"
		bad "refused, $1 (want exit 1 and '$3')" "$W/why"
	fi
}
refused "no bgp" 'del(.bgp)' "bgp: missing: the startup file announces no VIP (no bgp section)"
refused "no neighbour" '.bgp.neighbors = []' "bgp.neighbors: must hold 1..8 neighbours, got 0"
refused "ASN a string" '.bgp.asn = "65001"' 'bgp.asn: must be an int, got "65001"'
refused "ASN 0" '.bgp.asn = 0' "bgp.asn: must be 1..4294967294, got 0"
refused "hold time 2" '.bgp.hold_s = 2' "bgp.hold_s: must be 0 or 3..65535 (RFC 4271), got 2"
refused "unknown key" '.bgp.peers = []' "bgp.peers: unknown key"
refused "BFD interval 5 ms" '.bgp.bfd.interval_ms = 5' "bgp.bfd.interval_ms: must be 10..10000, got 5"
refused "bad neighbour address" '.bgp.neighbors[0].address = "10.203.0.256"' \
	'bgp.neighbors[0].address: must be an IPv4 address, got "10.203.0.256"'
refused "neighbour on no host subnet" '.bgp.neighbors[0].address = "10.9.9.9"' \
	"bgp.neighbors[0].address: 10.9.9.9 is on no port's host subnet (ports[].host)"
refused "neighbour facing a port without exception interface" '.ports[0].exception.enabled = false' \
	"bgp.neighbors[0].address: 10.203.0.1 faces ports[0], which has no exception interface"
refused "bad host" '.ports[0].host = "10.203.0.2"' 'ports[0].host: must be a.b.c.d/len, got "10.203.0.2"'
refused "interface name too long" '.ports[0].exception.ifname = "a-very-long-name0"' \
	'ports[0].exception.ifname: must be 1..15 bytes'
refused "no services" 'del(.services)' "services: missing"
refused "not JSON" '@{"bgp": ' "invalid JSON: Expecting value (line 1, column 9)"
refused "bad IPv6 VIP" '.services[0].vip = "fd00:202::g"' 'services[0].vip: must be an IPv6 address, got "fd00:202::g"'
refused "IPv6 VIP, the facing port without ipv6" '.services[0].vip = "fd00:202::1"' \
	"ports[0].ipv6: missing: the next hop of the IPv6 VIPs announced to 10.203.0.1 is the first IPv6 address of ports[0]"
refused "IPv6 neighbour on no host6 subnet" '.bgp.neighbors[0].address = "fd00:203::1"' \
	"bgp.neighbors[0].address: fd00:203::1 is on no port's host6 subnet (ports[].host6)"
refused "bad host6" '.ports[0].host6 = "fd00:203::2"' 'ports[0].host6: must be addr/len (IPv6), got "fd00:203::2"'
refused "IPv6 neighbour, no IPv4 host for the router id" \
	'.ports[0].host6 = "fd00:203::2/64" | del(.ports[0].host) | del(.bgp.router_id) | .bgp.neighbors[0].address = "fd00:203::1"' \
	"bgp.router_id: missing: ports[0], facing neighbors[0], has no host (an IPv4 address) to take it from"
refused "IPv6 session, an IPv4 VIP, no IPv4 host" \
	'.ports[0].host6 = "fd00:203::2/64" | del(.ports[0].host) | .bgp.router_id = "10.203.0.2" | .bgp.neighbors[0].address = "fd00:203::1"' \
	"ports[0].host: missing: the next hop of the IPv4 VIPs announced to fd00:203::1 (an IPv6 session) is the IPv4 host address of ports[0]"
python3 "$RENDER" "$W/none.json" >/dev/null 2>"$W/e"; rc=$?
[ "$rc" = 1 ] && grep -qF "render-bird: $W/none.json: cannot read: No such file or directory" "$W/e" &&
	ok "refused, a missing file: $(cat "$W/e")" || bad "refused, a missing file (rc=$rc)" "$W/e"
python3 "$RENDER" >/dev/null 2>"$W/e"; rc=$?
[ "$rc" = 2 ] && ok "no startup file: usage, exit 2" || bad "no startup file: want exit 2, got $rc" "$W/e"

# ---- the three startup files ----
"$ROOT/scripts/cluster-configs.sh" --check 2>"$W/e" &&
	ok "config/cluster/d1.json, d2.json and d0..d2-v6.json are what d0.json makes (cluster-configs.sh --check)" ||
	bad "cluster-configs.sh --check" "$W/e"
if [ -x "$BUILD/app/netchestra" ]; then
	# the lab makes the token and the secret (lab.sh up): stand-ins here, in $W
	printf 'test-token-0123456789\n' >"$W/token"
	printf 'test-secret-0123456789abcdef\n' >"$W/secret"
	for k in 0 1 2 0-v6 1-v6 2-v6; do
		jq --arg w "$W" '.management.token_file = "\($w)/token" | .cluster.secret_file = "\($w)/secret"' \
			"$ROOT/config/cluster/d$k.json" >"$W/check$k.json"
		"$BUILD/app/netchestra" --check -c "$W/check$k.json" >"$W/c" 2>&1 &&
			ok "netchestra --check config/cluster/d$k.json" || bad "netchestra --check config/cluster/d$k.json" "$W/c"
	done
	# a peer's IPv6 local IP off-link: refused at its path
	jq --arg w "$W" '.management.token_file = "\($w)/token" | .cluster.secret_file = "\($w)/secret" |
		.cluster.peers[0].local_ips[2] = "fd00:999::3"' "$D0V6" >"$W/sync6.json"
	want6='cluster.peers[0].local_ips[2]: fd00:999::3 is not on-link (in no port subnet)'
	! "$BUILD/app/netchestra" --check -c "$W/sync6.json" >"$W/c" 2>&1 && grep -qF "$want6" "$W/c" &&
		ok "d0-v6.json with a peer's IPv6 local IP off-link: refused, $want6" ||
		bad "d0-v6.json with a peer's IPv6 local IP off-link refused at cluster.peers[0].local_ips[2]" "$W/c"
	# the lab's startup files on AF_XDP ports (scripts/lab-ports.sh): every
	# af_packet vdev on net_af_xdp with its interface, one queue per qpair, the
	# ports' devices renamed with the preset's 4096 descriptors, eal.memory_mb
	# 48 MB more (one worker), the file valid; and back to the file as written,
	# but for the descriptor counts and the memory
	# shellcheck source=scripts/lab-ports.sh
	. "$ROOT/scripts/lab-ports.sh"
	for f in lab.json lab-one-arm.json cluster/check0.json cluster/check2-v6.json; do
		case $f in
		cluster/*) src=$W/${f#cluster/} ;;
		*) src=$ROOT/config/$f ;;
		esac
		want=$(jq -c '[.eal.vdevs[] | capture("^net_af_packet(?<n>[0-9]+),iface=(?<i>[^,]+),qpairs=(?<q>[0-9]+)") |
			"net_af_xdp\(.n),iface=\(.i),start_queue=0,queue_count=\(.q)"]' "$src")
		if lab_ports_file "$src" "$W/xdp.json" xdp 2>"$W/c" &&
			[ "$(jq -c .eal.vdevs "$W/xdp.json")" = "$want" ] && [ "$want" != "[]" ] &&
			jq -e '[.ports[] | select(.device | startswith("net_af_xdp")) | .rx_desc == 4096 and .tx_desc == 4096] |
				length > 0 and all' "$W/xdp.json" >/dev/null &&
			jq -e '[.ports[].device] | all(startswith("net_af_xdp"))' "$W/xdp.json" >/dev/null &&
			[ "$(jq '.eal.memory_mb' "$W/xdp.json")" = \
				"$(jq '.eal.memory_mb | if . then . + 48 else . end' "$src")" ] &&
			"$BUILD/app/netchestra" --check -c "$W/xdp.json" >"$W/c" 2>&1 &&
			lab_ports_file "$W/xdp.json" "$W/back.json" packet 2>>"$W/c" &&
			[ "$(jq -S -c 'del(.ports[].rx_desc, .ports[].tx_desc, .eal.memory_mb)' "$W/back.json")" = \
				"$(jq -S -c 'del(.ports[].rx_desc, .ports[].tx_desc, .eal.memory_mb)' "$src")" ]; then
			ok "lab ports on net_af_xdp: ${f/check/d} valid with $want, 4096 descriptors and 48 MB more memory, and back to net_af_packet as written (but those)"
		else
			{ echo "want $want"; cat "$W/xdp.json"; } >>"$W/c" 2>/dev/null
			bad "lab ports on net_af_xdp: $f" "$W/c"
		fi
	done
else
	bad "netchestra --check: no $BUILD/app/netchestra (build first)"
fi

# ---- shellcheck on the cluster lab's scripts ----
if command -v shellcheck >/dev/null; then
	(cd "$ROOT" && shellcheck -x scripts/lab.sh scripts/cluster-configs.sh tests/scripts/run.sh \
		tests/e2e/cluster.sh scripts/demo.sh tests/e2e/demo.sh tests/e2e/cluster-adaptive.sh \
		tests/e2e/cluster-sync.sh tests/tools/run.sh tests/e2e/flood.sh tests/e2e/pmtu.sh \
		scripts/lab-peer.sh scripts/vip-healthcheck.sh scripts/bench-cluster.sh \
		scripts/fuzz.sh tests/fuzz/run.sh tests/fuzz/build.sh scripts/bench-instructions.sh \
		scripts/bench-fastpath.sh scripts/bench-pages.sh scripts/bench-peers.sh \
		scripts/lab-lib.sh scripts/lab-ports.sh scripts/peer-lib.sh scripts/bench-lib.sh \
		scripts/bench-adaptive.sh scripts/bench-failsafe.sh scripts/deps.sh scripts/hugepages.sh \
		scripts/test.sh .ci/run tests/cli/run.sh tests/pcap/run.sh tests/fuzz/lib.sh \
		tests/e2e/e2e-lib.sh tests/e2e/run.sh tests/e2e/adaptive.sh tests/e2e/failsafe.sh \
		tests/e2e/interop.sh tests/e2e/interop/sink.sh tests/e2e/proxy.sh tests/e2e/synproxy.sh \
		tests/e2e/ipv6.sh tests/e2e/mgmt.sh tests/e2e/mgmt-tls.sh) >"$W/sc" 2>&1 &&
		ok "shellcheck: lab.sh, cluster-configs.sh, tests/scripts/run.sh, tests/e2e/cluster.sh, demo.sh, tests/e2e/demo.sh, tests/e2e/cluster-adaptive.sh, tests/e2e/cluster-sync.sh, tests/tools/run.sh, tests/e2e/flood.sh, tests/e2e/pmtu.sh, lab-peer.sh, vip-healthcheck.sh, bench-cluster.sh, fuzz.sh, tests/fuzz/run.sh, tests/fuzz/build.sh, bench-instructions.sh, bench-fastpath.sh, bench-pages.sh, bench-peers.sh, lab-lib.sh, lab-ports.sh, peer-lib.sh, bench-lib.sh, bench-adaptive.sh, bench-failsafe.sh, deps.sh, hugepages.sh, test.sh, .ci/run, tests/cli/run.sh, tests/pcap/run.sh, tests/fuzz/lib.sh, tests/e2e/e2e-lib.sh, tests/e2e/run.sh, tests/e2e/adaptive.sh, tests/e2e/failsafe.sh, tests/e2e/interop.sh, tests/e2e/interop/sink.sh, tests/e2e/proxy.sh, tests/e2e/synproxy.sh, tests/e2e/ipv6.sh, tests/e2e/mgmt.sh, tests/e2e/mgmt-tls.sh" ||
		bad "shellcheck" "$W/sc"
else
	bad "shellcheck: not installed"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
