#!/usr/bin/env bash
# The namespace lab: real Linux clients and servers around the appliance, all on
# this machine, all on private test subnets inside namespaces made here. As
# root (sudo where it is installed):
#
#   scripts/lab.sh up [--one-arm] [--loops a,b,c] [--delay-ms a,b,c] [--dispatchers N] [--xdp | --packet]
#   scripts/lab.sh down
#   scripts/lab.sh status
#   scripts/lab.sh restart-server N        (N = 0, 1, 2 or 3)
#   scripts/lab.sh dispatcher start K [--config FILE] | stop K | kill K   (cluster lab)
#   scripts/lab.sh dispatcher freeze K | thaw K | unplug K | plug K         (cluster lab)
#   scripts/lab.sh peer haproxy start K [--config FILE] | stop K | kill K (cluster lab; lab-peer.sh)
#
# Two-arm (default):
#   lab-client (10.200.0.10-17) --- br-front --- lab-p0  [appliance port p0, VIP 10.200.0.1]
#   lab-attacker (10.200.0.100) --'
#   lab-n0/1/2/3 (10.201.0.11-14) --- br-back --- lab-p1  [appliance port p1, local IP 10.201.0.1]
# One-arm (--one-arm): everything on br-front and one appliance port, lab-p0.
# The bridges live in the namespace lab-sw; lab-p0 and lab-p1 stay in the root
# namespace for net_af_packet, without addresses, IPv6, ARP replies or forwarding,
# so that only the appliance answers there. Hosts learn the VIP and the local IP by
# ARP from the appliance. Each server namespace runs nc-backend (HTTP on 8080,
# UDP on 5353, on its IPv4 and its IPv6 address) named n0, n1, n2, n3. n3 is a
# spare: in no service of config/lab.json, it is what the management tests add to
# a running appliance.
#
# lab-attacker is a host on the clients' segment (br-front) in every mode, with
# the clients' gateway, for floods (app/nc-flood, tests/e2e/flood.sh): its
# spoofed sources stay inside the clients' subnet, in 10.200.0.128/25, where
# no host of the lab lives (nothing answers ARP for them).
#
# Dual-stack: every host address and route has an IPv6 twin in ULA space by one rule,
#   10.S.T.H/24  ->  fd00:S:T::H/64   (S, T and H keep their decimal digits)
# e.g. 10.200.0.10 -> fd00:200::10, the VIP 10.200.0.1 -> fd00:200::1, the local IP
# 10.201.0.1 -> fd00:201::1, n0 10.201.0.11 -> fd00:201::11, 10.203.0.1 -> fd00:203::1,
# the cluster VIPs 10.202.0.0/24 -> fd00:202::/64. Added with nodad (usable at once);
# default routes mirror the IPv4 ones. The appliance's veth ends (lab-p0, lab-p1,
# dK-p0, dK-p1) and the bridges in lab-sw have IPv6 disabled: the kernel sends no
# neighbour discovery there. The appliance does not forward IPv6 yet.
#
# Several dispatchers (--dispatchers N, N = 2 or 3; 1 is the lab above) behind a
# router that spreads flows over them by BGP + ECMP:
#   lab-client (10.200.0.10-17) --- br-front --- lab-rtr (10.200.0.254 | 10.203.0.1, BIRD)
#   lab-rtr --- br-disp --- lab-dK port p0 dK-p0 (host 10.203.0.(2+K), BGP + BFD)
#   lab-dK port p1 dK-p1 (host 10.201.0.(201+K), local IPs) --- br-back --- lab-n0..n3
# Each dispatcher K runs in its own namespace lab-dK: `dispatcher start K` starts
# the appliance there (config/cluster/dK.json), then BIRD on its exception interface
# (scripts/render-bird.py), and returns once lab-rtr routes the VIP 10.202.0.1
# through it (and fd00:202::1 via fd00:203::(2+K) with config/cluster/dK-v6.json);
# `stop K` is a clean stop (SIGTERM: the appliance withdraws the VIP and drains),
# `kill K` a crash (SIGKILL, the appliance alone: its BIRD stays up).
# `freeze K` stops the appliance where it is (SIGSTOP, its BIRD stays up) and
# `thaw K` lets it go on (SIGCONT); `unplug K` cuts its front link (the switch
# port of dK-p0 on br-disp goes down, so dK-p0 loses its carrier: nothing passes
# between it and lab-rtr) and `plug K` restores it.
#
# The appliance's ports: net_af_xdp on those veth ends by default (AF_XDP
# sockets behind the native XDP program the PMD attaches;
# drivers-cfg/net_af_xdp.json: scripts/lab-lib.sh's nc_start and `dispatcher
# start` rewrite the startup file's vdevs for it, scripts/lab-ports.sh), or
# with --packet net_af_packet (the startup files as written). AF_XDP falls back
# to net_af_packet, and says why, where the PMD or the kernel's AF_XDP sockets
# are missing. Without --xdp or --packet: NC_LAB_PORTS (xdp or packet), else xdp.
#
# Environment: BUILD (build dir, default build), NC_BACKEND (nc-backend binary),
# NC_LAB_PORTS (xdp or packet: the ports when up has neither --xdp nor --packet;
# default xdp).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
BACKEND=${NC_BACKEND:-$BUILD/tests/tools/nc-backend}
STATE=/run/netchestra-lab

SERVERS=(n0 n1 n2 n3)
CLIENT_IPS=(10.200.0.10 10.200.0.11 10.200.0.12 10.200.0.13 10.200.0.14 10.200.0.15 10.200.0.16 10.200.0.17)
ATTACKER_IP=10.200.0.100   # lab-attacker, on br-front beside the clients
FRONT_GW=10.200.0.1     # the VIP
BACK_GW=10.201.0.1      # the appliance's local IP
HTTP_PORT=8080
UDP_PORT=5353

# the cluster lab (--dispatchers N >= 2)
MAX_DISPATCHERS=3
RTR_CLIENT_IP=10.200.0.254   # lab-rtr on the clients' segment: their default route
RTR_DISP_IP=10.203.0.1       # lab-rtr on the dispatchers' front segment: their BGP neighbour
RTR_ASN=65000
DISP_ASN=65001
CLUSTER_VIPS=10.202.0.0/24   # what lab-rtr accepts from the dispatchers (/32 routes)
CLUSTER_VIPS6=fd00:202::/64  # and of IPv6 VIPs (/128 routes, in the same sessions)
RENDER=$ROOT/scripts/render-bird.py
# shellcheck source-path=SCRIPTDIR source=lab-ports.sh
. "$ROOT/scripts/lab-ports.sh"

die() { echo "lab: $*" >&2; exit 2; }
in_ns() { ip netns exec "$@"; }
server_ip() { echo "10.201.0.$((11 + $1))"; }
disp_front_ip() { echo "10.203.0.$((2 + $1))"; }     # dispatcher K's front host (BGP)
disp_back_ip() { echo "10.201.0.$((201 + $1))"; }    # dispatcher K's back host (cluster channel)
disp_mac() { printf '02:00:00:%s:d%d:01' "$2" "$1"; } # disp_mac K cb|c9: front (10.203) or back (10.201)

ip6() {   # ip6 <IPv4 address[/24]>: its IPv6 twin, 10.S.T.H[/24] -> fd00:S:T::H[/64]
	local a=${1%/*} len="" o
	[ "$a" = "$1" ] || len=/64
	IFS=. read -r -a o <<<"$a"
	if [ "${o[2]}" = 0 ]; then echo "fd00:${o[1]}::${o[3]}$len"; else echo "fd00:${o[1]}:${o[2]}::${o[3]}$len"; fi
}

addr_add() {   # addr_add <ns> <dev> <IPv4/24>: the address and its IPv6 twin
	in_ns "$1" ip addr add "$3" dev "$2"
	in_ns "$1" ip -6 addr add "$(ip6 "$3")" dev "$2" nodad
}

route_default() {   # route_default <ns> <IPv4 gateway> [ip route args...]: IPv4 and IPv6 default routes
	local ns=$1 gw=$2
	shift 2
	in_ns "$ns" ip route add default via "$gw" "$@"
	in_ns "$ns" ip -6 route add default via "$(ip6 "$gw")" "$@"
}

usage() {
	sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 2
}

# A clean interface for the lab: no checksum or segmentation offloads (so that
# frames seen by AF_PACKET carry complete checksums and are at most one MTU).
quiet_if() {   # quiet_if <ns or -> <dev>
	local ns=$1 dev=$2 run=()
	[ "$ns" = - ] || run=(ip netns exec "$ns")
	"${run[@]}" ethtool -K "$dev" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
}

no_ipv6() {   # no_ipv6 <ns or -> <dev>: no IPv6 on <dev>, so no neighbour discovery either
	local ns=$1 dev=$2 run=()
	[ "$ns" = - ] || run=(ip netns exec "$ns")
	"${run[@]}" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" >/dev/null
}

veth() {   # veth <dev> <ns or -> <peer> <peer ns>
	local dev=$1 ns=$2 peer=$3 pns=$4
	if [ "$ns" = - ]; then
		ip link add "$dev" type veth peer name "$peer" netns "$pns"
	else
		ip -n "$ns" link add "$dev" type veth peer name "$peer" netns "$pns"
	fi
}

ns_add() {   # ns_add <ns> [no-ipv6]: a namespace with lo up, IPv6 on without DAD (or off)
	ip netns add "$1"
	in_ns "$1" ip link set lo up
	if [ "${2:-}" = no-ipv6 ]; then
		in_ns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	else
		in_ns "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 >/dev/null
	fi
}

root_port() {   # root_port <dev> <mac>: an appliance port end in the root namespace
	local dev=$1
	ip link set "$dev" address "$2"
	ip link set "$dev" mtu 1500
	no_ipv6 - "$dev"
	sysctl -qw "net.ipv4.conf.$dev.forwarding=0" "net.ipv4.conf.$dev.arp_ignore=8" >/dev/null
	quiet_if - "$dev"
	ip link set "$dev" up
}

bridge_add() {   # bridge_add <name>: a bridge in lab-sw
	in_ns lab-sw ip link add "$1" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
	in_ns lab-sw ip link set "$1" up
}

sw_port() {   # sw_port <dev> <bridge>: a veth end in lab-sw joins a bridge
	quiet_if lab-sw "$1"
	no_ipv6 lab-sw "$1"
	in_ns lab-sw ip link set "$1" master "$2"
	in_ns lab-sw ip link set "$1" up
}

topology_up() {   # topology_up <one-arm 0|1>
	local one=$1 i ns dev br
	ns_add lab-sw no-ipv6
	bridge_add br-front
	[ "$one" = 1 ] || bridge_add br-back
	veth lab-p0 - sw-p0 lab-sw
	root_port lab-p0 02:00:00:c8:00:01
	sw_port sw-p0 br-front
	br="br-front"
	if [ "$one" = 0 ]; then
		veth lab-p1 - sw-p1 lab-sw
		root_port lab-p1 02:00:00:c9:00:01
		sw_port sw-p1 br-back
		br="br-back"
	fi

	client_up "$FRONT_GW"
	attacker_up "$FRONT_GW"
	for i in "${!SERVERS[@]}"; do
		server_up "$i" "$br" "$BACK_GW"
	done
	echo "$one" >"$STATE/one-arm"
}

client_up() {   # client_up <default gateway>: lab-client on br-front
	local i
	ns_add lab-client
	veth eth0 lab-client sw-client lab-sw
	in_ns lab-client ip link set eth0 address 02:00:00:c8:00:10
	quiet_if lab-client eth0
	for i in "${!CLIENT_IPS[@]}"; do
		addr_add lab-client eth0 "${CLIENT_IPS[$i]}/24"
	done
	in_ns lab-client ip link set eth0 up
	route_default lab-client "$1"
	sw_port sw-client br-front
}

attacker_up() {   # attacker_up <default gateway>: lab-attacker on br-front, one address
	ns_add lab-attacker
	veth eth0 lab-attacker sw-attacker lab-sw
	in_ns lab-attacker ip link set eth0 address 02:00:00:c8:00:64
	quiet_if lab-attacker eth0
	addr_add lab-attacker eth0 "$ATTACKER_IP/24"
	in_ns lab-attacker ip link set eth0 up
	route_default lab-attacker "$1"
	sw_port sw-attacker br-front
}

server_up() {   # server_up N <bridge> <default gateway or ->: server N's namespace
	local i=$1 ns=lab-${SERVERS[$1]}
	ns_add "$ns"
	veth eth0 "$ns" "sw-${SERVERS[$i]}" lab-sw
	in_ns "$ns" ip link set eth0 address "02:00:00:c9:00:1$i"
	quiet_if "$ns" eth0
	addr_add "$ns" eth0 "$(server_ip "$i")/24"
	in_ns "$ns" ip link set eth0 up
	[ "$3" = - ] || route_default "$ns" "$3"
	sw_port "sw-${SERVERS[$i]}" "$2"
}

# ---- the cluster lab --------------------------------------------------------

ns_port() {   # ns_port <ns> <dev> <mac>: an appliance port end in a dispatcher's namespace
	local ns=$1 dev=$2
	in_ns "$ns" ip link set "$dev" address "$3"
	in_ns "$ns" ip link set "$dev" mtu 1500
	# Like root_port, and more: the namespace's kernel holds the dispatcher's host
	# addresses (on the appliance's exception interfaces), and would take frames for
	# them straight off this veth, beside the appliance. Strict reverse-path filtering
	# drops them (their sources route through the exception interface, or nowhere),
	# so the kernel only hears what the appliance passes it.
	in_ns "$ns" sysctl -qw "net.ipv4.conf.$dev.forwarding=0" "net.ipv4.conf.$dev.arp_ignore=8" \
		"net.ipv4.conf.$dev.rp_filter=1" >/dev/null
	no_ipv6 "$ns" "$dev"
	quiet_if "$ns" "$dev"
	in_ns "$ns" ip link set "$dev" up
}

cluster_topology_up() {   # cluster_topology_up <dispatchers>
	local n=$1 i k ns
	ns_add lab-sw no-ipv6
	bridge_add br-front
	bridge_add br-disp
	bridge_add br-back
	client_up "$RTR_CLIENT_IP"
	attacker_up "$RTR_CLIENT_IP"

	ns_add lab-rtr
	veth eth-client lab-rtr sw-rtr-c lab-sw
	veth eth-disp lab-rtr sw-rtr-d lab-sw
	in_ns lab-rtr ip link set eth-client address 02:00:00:c8:00:fe
	in_ns lab-rtr ip link set eth-disp address 02:00:00:cb:00:01
	for i in eth-client eth-disp; do quiet_if lab-rtr "$i"; done
	addr_add lab-rtr eth-client "$RTR_CLIENT_IP/24"
	addr_add lab-rtr eth-disp "$RTR_DISP_IP/24"
	in_ns lab-rtr ip link set eth-client up
	in_ns lab-rtr ip link set eth-disp up
	# forward, and spread flows over a multipath route's nexthops by their L4 hash
	in_ns lab-rtr sysctl -qw net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1 \
		net.ipv6.conf.all.forwarding=1 net.ipv6.fib_multipath_hash_policy=1 >/dev/null
	sw_port sw-rtr-c br-front
	sw_port sw-rtr-d br-disp

	for ((k = 0; k < n; k++)); do
		ns=lab-d$k
		ns_add "$ns"
		veth "d$k-p0" "$ns" "sw-d$k-p0" lab-sw
		veth "d$k-p1" "$ns" "sw-d$k-p1" lab-sw
		ns_port "$ns" "d$k-p0" "$(disp_mac "$k" cb)"
		ns_port "$ns" "d$k-p1" "$(disp_mac "$k" c9)"
		sw_port "sw-d$k-p0" br-disp
		sw_port "sw-d$k-p1" br-back
	done

	# servers answer the dispatchers' local IPs on their own segment: no route needed
	for i in "${!SERVERS[@]}"; do
		server_up "$i" br-back -
	done
	echo "$n" >"$STATE/dispatchers"
}

cluster_topology_ok() {   # the namespaces of a cluster lab of <dispatchers> all exist
	local n=$1 k ns
	[ -f "$STATE/dispatchers" ] && [ "$(cat "$STATE/dispatchers")" = "$n" ] || return 1
	for ns in lab-sw lab-client lab-attacker lab-rtr lab-n0 lab-n1 lab-n2 lab-n3; do
		[ -e "/run/netns/$ns" ] || return 1
	done
	for ((k = 0; k < n; k++)); do
		[ -e "/run/netns/lab-d$k" ] || return 1
	done
	return 0
}

dispatchers() { cat "$STATE/dispatchers" 2>/dev/null || echo 0; }

pid_alive() {   # pid_alive <pid file> <program>: the pid, if it runs <program>
	local pid
	[ -f "$1" ] || return 0
	pid=$(cat "$1")
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -qa "$2" "/proc/$pid/cmdline" 2>/dev/null; then
		echo "$pid"
	fi
}

wait_gone() {   # wait_gone <pid> <tenths of a second>: 0 once it has exited
	local i
	for ((i = 0; i < $2; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	! kill -0 "$1" 2>/dev/null
}

bird_pid() { pid_alive "$STATE/$1.bird.pid" bird; }   # bird_pid rtr|dK
birdc_to() { birdc -s "$STATE/$1.bird.ctl" "${@:2}"; } # birdc_to rtr|dK <command...>

bird_start() {   # bird_start <ns> <rtr|dK>: BIRD on $STATE/<who>.bird.conf, in the foreground of its own session
	local ns=$1 who=$2 pid i
	setsid ip netns exec "$ns" bird -f -c "$STATE/$who.bird.conf" -s "$STATE/$who.bird.ctl" \
		-P "$STATE/$who.bird.pid" </dev/null >>"$STATE/$who.bird.log" 2>&1 &
	pid=$!
	echo "$pid" >"$STATE/$who.bird.pid"
	for ((i = 0; i < 50; i++)); do
		if birdc_to "$who" show status >/dev/null 2>&1; then return 0; fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "lab: BIRD in $ns did not start; its log ($STATE/$who.bird.log):" >&2
	tail -5 "$STATE/$who.bird.log" >&2
	return 1
}

bird_stop() {   # bird_stop <rtr|dK>
	local pid
	pid=$(bird_pid "$1")
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait_gone "$pid" 50 || kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$STATE/$1.bird.pid" "$STATE/$1.bird.ctl"
}

router_up() {   # router_up <dispatchers>: lab-rtr's BIRD, one session per dispatcher
	local n=$1 k args=()
	[ -z "$(bird_pid rtr)" ] || return 0
	for ((k = 0; k < n; k++)); do
		args+=(--neighbor "d$k=$(disp_front_ip "$k"):$DISP_ASN")
	done
	python3 "$RENDER" --router --router-id "$RTR_DISP_IP" --asn "$RTR_ASN" --iface eth-disp \
		--accept "$CLUSTER_VIPS" --accept6 "$CLUSTER_VIPS6" "${args[@]}" -o "$STATE/rtr.bird.conf" ||
		die "cannot render lab-rtr's BIRD configuration"
	bird_start lab-rtr rtr || die "BIRD did not start in lab-rtr"
}

topology_ok() {   # the namespaces and ports of mode <one-arm 0|1> all exist
	local one=$1 n
	[ -f "$STATE/one-arm" ] && [ "$(cat "$STATE/one-arm")" = "$one" ] || return 1
	for n in lab-sw lab-client lab-attacker lab-n0 lab-n1 lab-n2 lab-n3; do
		[ -e "/run/netns/$n" ] || return 1
	done
	ip link show lab-p0 >/dev/null 2>&1 || return 1
	if [ "$one" = 0 ]; then ip link show lab-p1 >/dev/null 2>&1 || return 1; fi
	return 0
}

backend_pid() {   # pid of server N's nc-backend, empty when not running
	local f=$STATE/n$1.pid pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	if kill -0 "$pid" 2>/dev/null && grep -qa nc-backend "/proc/$pid/cmdline" 2>/dev/null; then
		echo "$pid"
	fi
}

backend_stop() {
	local pid i
	pid=$(backend_pid "$1")
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$STATE/n$1.pid"
}

backend_start() {   # backend_start N: from the saved per-server arguments
	local i=$1 name=${SERVERS[$1]} args pid
	args=$(cat "$STATE/n$i.args")
	# shellcheck disable=SC2086
	setsid ip netns exec "lab-$name" "$BACKEND" --name "$name" --listen "$(server_ip "$i")" \
		--listen "$(ip6 "$(server_ip "$i")")" --port "$HTTP_PORT" --udp-port "$UDP_PORT" $args \
		</dev/null >>"$STATE/n$i.log" 2>&1 &
	pid=$!
	echo "$pid" >"$STATE/n$i.pid"
	# ready when it listens: TCP and UDP, IPv4 and IPv6
	for _ in $(seq 50); do
		if [ "$(in_ns "lab-$name" ss -Hltun "( sport = :$HTTP_PORT or sport = :$UDP_PORT )" 2>/dev/null |
			wc -l)" -ge 4 ]; then return 0; fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	die "nc-backend $name did not start (see $STATE/n$i.log)"
}

pick() {   # pick <comma list> <index> <default>
	local IFS=, a
	read -r -a a <<<"$1"
	if [ "${#a[@]}" -eq 1 ]; then echo "${a[0]}"; else echo "${a[$2]:-$3}"; fi
}

# ports_up <xdp|packet>: the appliance ports' kind for this lab, in $STATE/ports.
# The veth ends need nothing more for AF_XDP: one active queue pair (what
# queue_count=1 binds), MTU 1500, native XDP. An XDP program left attached by
# an appliance killed on AF_XDP ports stays: the next AF_XDP start takes the
# interface over, and with no socket in its map libxdp's program passes frames
# to the kernel (net_af_packet still sees them).
ports_up() {
	local kind=$1 why
	if [ "$kind" = xdp ]; then
		why=$(lab_xdp_why)
		if [ -n "$why" ]; then
			echo "lab: AF_XDP not available here ($why): net_af_packet"
			kind=packet
		fi
	fi
	echo "$kind" >"$STATE/ports"
}

cmd_up() {
	local one=0 loops=0 delay=0 n=1 i args ports=${NC_LAB_PORTS:-}
	while [ $# -gt 0 ]; do
		case $1 in
		--one-arm) one=1 ;;
		--two-arm) one=0 ;;
		--loops) loops=${2:?--loops needs a,b,c}; shift ;;
		--delay-ms) delay=${2:?--delay-ms needs a,b,c}; shift ;;
		--dispatchers) n=${2:?--dispatchers needs N}; shift ;;
		--xdp) ports=xdp ;;
		--packet) ports=packet ;;
		*) die "up: unknown option $1" ;;
		esac
		shift
	done
	[[ $loops =~ ^[0-9]+(,[0-9]+){0,2}$ ]] || die "--loops: want N or a,b,c (non-negative integers), got '$loops'"
	[[ $delay =~ ^[0-9]+(,[0-9]+){0,2}$ ]] || die "--delay-ms: want N or a,b,c (non-negative integers), got '$delay'"
	if ! [[ $n =~ ^[1-9]$ ]] || [ "$n" -gt "$MAX_DISPATCHERS" ]; then
		die "--dispatchers: want 1..$MAX_DISPATCHERS, got '$n'"
	fi
	[ "$n" = 1 ] || [ "$one" = 0 ] || die "--one-arm has one dispatcher: not with --dispatchers $n"
	# the default: AF_XDP, the cluster lab's too
	[ -n "$ports" ] || ports=xdp
	case $ports in xdp|packet) ;; *) die "NC_LAB_PORTS: want xdp or packet, got '$ports'" ;; esac
	[ -x "$BACKEND" ] || die "no nc-backend at $BACKEND (build first: ninja -C build)"
	if [ "$n" -gt 1 ]; then
		command -v bird >/dev/null || die "no bird (scripts/deps.sh installs bird2)"
		command -v birdc >/dev/null || die "no birdc (scripts/deps.sh installs bird2)"
		command -v python3 >/dev/null || die "no python3 (scripts/deps.sh installs it)"
	fi
	mkdir -p "$STATE"
	# the management token of config/lab.json ("token_file": "lab.token")
	if [ ! -s "$ROOT/config/lab.token" ]; then
		(umask 077; od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$ROOT/config/lab.token")
	fi
	if [ "$n" = 1 ]; then
		if ! topology_ok "$one"; then
			teardown
			mkdir -p "$STATE"
			topology_up "$one"
		fi
	else
		# the cluster channel's secret of config/cluster/dK.json ("secret_file": "secret"):
		# made here, for the lab only, like config/lab.token
		if [ ! -s "$ROOT/config/cluster/secret" ]; then
			(umask 077; od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$ROOT/config/cluster/secret")
		fi
		if ! cluster_topology_ok "$n"; then
			teardown
			mkdir -p "$STATE"
			cluster_topology_up "$n"
		fi
		router_up "$n"
	fi
	ports_up "$ports"
	for i in "${!SERVERS[@]}"; do
		args="--loops $(pick "$loops" "$i" 0) --delay-ms $(pick "$delay" "$i" 0)"
		if [ -n "$(backend_pid "$i")" ] && [ "$(cat "$STATE/n$i.args" 2>/dev/null)" = "$args" ]; then
			continue
		fi
		backend_stop "$i"
		echo "$args" >"$STATE/n$i.args"
		backend_start "$i"
	done
	cmd_status
}

# Remove everything the lab made, whatever state it is in.
teardown() {
	local n pids
	for n in lab-d0 lab-d1 lab-d2 lab-rtr lab-n0 lab-n1 lab-n2 lab-n3 lab-client lab-attacker lab-sw; do
		if [ -e "/run/netns/$n" ]; then
			pids=$(ip netns pids "$n" 2>/dev/null || true)
			# shellcheck disable=SC2086 # one word per pid
			[ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
			ip netns del "$n" 2>/dev/null || true
		fi
	done
	ip link del lab-p0 2>/dev/null || true
	ip link del lab-p1 2>/dev/null || true
	rm -rf "$STATE"
}

cmd_down() {
	teardown
	echo "lab: down"
}

cmd_status() {
	local i pid mode=down
	if [ -f "$STATE/one-arm" ]; then
		if [ "$(cat "$STATE/one-arm")" = 1 ]; then mode="one-arm"; else mode="two-arm"; fi
	elif [ -f "$STATE/dispatchers" ]; then
		mode="cluster of $(dispatchers) dispatchers"
	fi
	echo "lab: $mode"
	[ "$mode" != down ] || return 0
	echo "  appliance ports: $(lab_ports_pmd)"
	if [ -f "$STATE/dispatchers" ]; then
		cluster_status
	elif [ "$mode" = two-arm ]; then
		echo "  port p0: lab-p0 $(cat /sys/class/net/lab-p0/address 2>/dev/null || echo missing) (clients, VIP $FRONT_GW)"
		echo "  port p1: lab-p1 $(cat /sys/class/net/lab-p1/address 2>/dev/null || echo missing) (servers, local IP $BACK_GW)"
	else
		echo "  port p0: lab-p0 $(cat /sys/class/net/lab-p0/address 2>/dev/null || echo missing) (clients and servers, VIP $FRONT_GW, local IP $BACK_GW)"
	fi
	echo "  lab-client: ${CLIENT_IPS[*]}"
	echo "              $(for i in "${CLIENT_IPS[@]}"; do ip6 "$i"; done | xargs)"
	echo "  lab-attacker: $ATTACKER_IP $(ip6 "$ATTACKER_IP") (spoofs 10.200.0.128/25 with app/nc-flood)"
	for i in "${!SERVERS[@]}"; do
		pid=$(backend_pid "$i")
		if [ -n "$pid" ]; then pid="pid $pid"; else pid="not running"; fi
		printf '  lab-%s: %s  nc-backend %s, %s\n' "${SERVERS[$i]}" "$(server_ip "$i")" \
			"$pid" "$(cat "$STATE/n$i.args" 2>/dev/null)"
		printf '          %s\n' "$(ip6 "$(server_ip "$i")")"
	done
	[ ! -f "$STATE/dispatchers" ] || cluster_routes
}

running() {   # running <pid or empty>: "pid N" or "not running"
	if [ -n "$1" ]; then echo "pid $1"; else echo "not running"; fi
}

cluster_status() {
	local k pid extra
	printf '  lab-rtr: %s (clients) | %s (dispatchers), AS %s, BIRD %s\n' "$RTR_CLIENT_IP" "$RTR_DISP_IP" \
		"$RTR_ASN" "$(running "$(bird_pid rtr)")"
	for ((k = 0; k < $(dispatchers); k++)); do
		printf '  lab-d%d: p0 d%d-p0 %s host %s | p1 d%d-p1 %s host %s, local IPs 10.201.0.%d-%d\n' \
			"$k" "$k" "$(disp_mac "$k" cb)" "$(disp_front_ip "$k")" "$k" "$(disp_mac "$k" c9)" \
			"$(disp_back_ip "$k")" $((1 + 2 * k)) $((2 + 2 * k))
		pid=$(nc_pid_of "$k")
		extra=""
		[ -z "$pid" ] || [ "$(proc_state "$pid")" != T ] || extra+=", frozen"
		front_link_up "$k" || extra+=", front link unplugged"
		printf '         appliance %s%s, BIRD %s%s\n' "$(running "$pid")" \
			"$(sed -n '1s/^/, -c /p' "$STATE/d$k.config" 2>/dev/null)" "$(running "$(bird_pid "d$k")")" "$extra"
	done
}

cluster_routes() {
	echo "  BGP sessions of lab-rtr (birdc show protocols):"
	birdc_to rtr show protocols 2>&1 | sed '1d; s/^/    /'
	echo "  routes lab-rtr learnt by BGP (ip route show proto bird):"
	ip -n lab-rtr route show proto bird 2>&1 | sed 's/^/    /'
	ip -n lab-rtr -6 route show proto bird 2>&1 | sed 's/^/    /'
}

# ---- dispatchers of the cluster lab ----------------------------------------

NC_BIN=$BUILD/app/netchestra

nc_pid_of() { pid_alive "$STATE/d$1.pid" netchestra; }

disp_check() {   # disp_check <K>: K is a dispatcher of the running cluster lab
	local n
	n=$(dispatchers)
	[ "$n" -gt 1 ] || die "dispatcher: the cluster lab is not up (lab.sh up --dispatchers N)"
	if ! [[ $1 =~ ^[0-9]$ ]] || [ "$1" -ge "$n" ]; then
		die "dispatcher: want 0..$((n - 1)), got '$1'"
	fi
}

vip_hops() {   # vip_hops <vip>: the nexthops of lab-rtr's route to <vip> (IPv4 or IPv6), one a line
	local f=-4
	[[ $1 != *:* ]] || f=-6
	ip -n lab-rtr "$f" route show "$1" 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == "via") print $(i + 1) }'
}

disp_fail() {   # disp_fail <K> <why>: the logs, dispatcher K stopped, exit
	local k=$1
	{
		echo "lab: dispatcher $k: $2"
		echo "  appliance log ($STATE/d$k.log), last lines:"
		tail -15 "$STATE/d$k.log" 2>/dev/null | sed 's/^/    /'
		echo "  its BIRD's log ($STATE/d$k.bird.log), last lines:"
		tail -8 "$STATE/d$k.bird.log" 2>/dev/null | sed 's/^/    /'
		echo "  its BIRD's sessions:"
		birdc_to "d$k" show protocols 2>&1 | sed '1d; s/^/    /'
		echo "  lab-rtr's sessions:"
		birdc_to rtr show protocols 2>&1 | sed '1d; s/^/    /'
		echo "  lab-rtr's BGP routes:"
		ip -n lab-rtr route show proto bird 2>&1 | sed 's/^/    /'
		ip -n lab-rtr -6 route show proto bird 2>&1 | sed 's/^/    /'
		echo "  (dispatcher $k stopped)"
	} >&2
	disp_down "$k" 0 >/dev/null 2>&1
	exit 1
}

disp_down() {   # disp_down <K> <seconds>: SIGTERM, up to <seconds> to exit, then SIGKILL; BIRD stopped
	local k=$1 pid rc=0
	pid=$(nc_pid_of "$k")
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		kill -CONT "$pid" 2>/dev/null || true   # a frozen one acts on it once thawed
		if ! wait_gone "$pid" $(($2 * 10)); then
			kill -9 "$pid" 2>/dev/null || true
			wait_gone "$pid" 50 || true
			rc=1
		fi
	fi
	rm -f "$STATE/d$k.pid" "$STATE/d$k.frozen"
	bird_stop "d$k"
	return "$rc"
}

cmd_dispatcher_start() {
	local k=${1:-} cfg="" run pid ifaces vips vip ifname host front="" up=0 i
	[ $# -eq 0 ] || shift
	while [ $# -gt 0 ]; do
		case $1 in
		--config) cfg=${2:?--config needs FILE}; shift ;;
		*) die "dispatcher start: unknown option $1" ;;
		esac
		shift
	done
	disp_check "$k"
	cfg=${cfg:-$ROOT/config/cluster/d$k.json}
	[ -f "$cfg" ] || die "dispatcher start: no startup file $cfg"
	cfg=$(cd "$(dirname "$cfg")" && pwd)/$(basename "$cfg")
	[ -x "$NC_BIN" ] || die "no appliance at $NC_BIN (build first: ninja -C build)"
	pid=$(nc_pid_of "$k")
	[ -z "$pid" ] || die "dispatcher $k runs already (pid $pid): dispatcher stop $k first"
	front_link_up "$k" || die "dispatcher $k: its front link is unplugged (dispatcher plug $k first)"
	rm -f "$STATE/d$k.frozen"
	# what BIRD needs, before anything starts: a file that cannot be announced stops here
	ifaces=$(python3 "$RENDER" --ifaces "$cfg") || die "dispatcher start: $cfg announces nothing (above)"
	vips=$(python3 "$RENDER" --vips "$cfg") || die "dispatcher start: $cfg announces nothing (above)"
	vips=${vips//$'\n'/ }
	bird_stop "d$k"   # one left running by dispatcher kill
	python3 "$RENDER" -o "$STATE/d$k.bird.conf" "$cfg" || die "dispatcher start: cannot render BIRD's configuration"
	echo "$cfg" >"$STATE/d$k.config"
	run=$(lab_ports_cfg "$cfg") || die "dispatcher start: cannot put $cfg on $(lab_ports_pmd) ports"
	echo "== lab.sh dispatcher start $k: $NC_BIN -c $run" >>"$STATE/d$k.log"
	setsid ip netns exec "lab-d$k" "$NC_BIN" -c "$run" </dev/null >>"$STATE/d$k.log" 2>&1 &
	pid=$!
	echo "$pid" >"$STATE/d$k.pid"
	# its exception interfaces up with their host addresses (EAL may take a while)
	for ((i = 0; i < 600 && up == 0; i++)); do
		up=1
		while read -r ifname host; do
			ip -n "lab-d$k" -o addr show dev "$ifname" up 2>/dev/null |
				grep -qF -e " inet $host " -e " inet6 $host " || up=0
		done <<<"$ifaces"
		[ "$up" = 1 ] && break
		kill -0 "$pid" 2>/dev/null || disp_fail "$k" "the appliance exited"
		sleep 0.1
	done
	[ "$up" = 1 ] || disp_fail "$k" "no exception interface with its host address (${ifaces//$'\n'/, }) within 60 s"
	bird_start "lab-d$k" "d$k" || disp_fail "$k" "BIRD did not start"
	# ready once lab-rtr routes every VIP through it (servers up, BGP and BFD up);
	# an IPv6 VIP via the IPv6 twin of the front address (the lab's files)
	front=$(sed -n '1s/^[^ ]* \([0-9.]*\)\/.*/\1/p' <<<"$ifaces")
	for ((i = 0; i < 600; i++)); do
		up=1
		for vip in $vips; do
			if [[ $vip == *:* ]]; then
				vip_hops "$vip" | grep -qxF "$(ip6 "$front")" || up=0
			else
				vip_hops "$vip" | grep -qxF "$front" || up=0
			fi
		done
		[ "$up" = 0 ] || break
		kill -0 "$pid" 2>/dev/null || disp_fail "$k" "the appliance exited"
		sleep 0.1
	done
	[ "$up" = 1 ] || disp_fail "$k" "lab-rtr does not route $vips through $front after 60 s"
	echo "lab: dispatcher $k up (appliance pid $pid, BIRD pid $(bird_pid "d$k")): lab-rtr routes $vips via $front"
}

cmd_dispatcher_stop() {
	local k=${1:-} pid drain t0 t1
	disp_check "$k"
	pid=$(nc_pid_of "$k")
	if [ -z "$pid" ]; then
		bird_stop "d$k"
		echo "lab: dispatcher $k was not running (its BIRD stopped)"
		return 0
	fi
	# it withdraws its VIPs at once, then waits cluster.drain_s for flows to finish
	drain=$(jq -r '.cluster.drain_s // 5' "$(cat "$STATE/d$k.config")" 2>/dev/null) || drain=5
	t0=$(date +%s%N)
	if disp_down "$k" $((drain + 30)); then
		t1=$(date +%s%N)
		echo "lab: dispatcher $k stopped cleanly in $(((t1 - t0) / 1000000)) ms (its BIRD stopped)"
	else
		die "dispatcher $k did not exit within $((drain + 30)) s of SIGTERM: killed (see $STATE/d$k.log)"
	fi
}

cmd_dispatcher_kill() {
	local k=${1:-} pid t
	disp_check "$k"
	pid=$(nc_pid_of "$k")
	[ -n "$pid" ] || die "dispatcher $k is not running"
	kill -9 "$pid"
	t=$(date +%s%3N)
	wait_gone "$pid" 100 || die "dispatcher $k (pid $pid) still there 10 s after SIGKILL"
	rm -f "$STATE/d$k.pid" "$STATE/d$k.frozen"
	echo "lab: dispatcher $k killed (SIGKILL at $t ms since the epoch, gone $(($(date +%s%3N) - t)) ms later; its BIRD stays up)"
}

proc_state() { sed 's/.*) //; s/ .*//' "/proc/$1/stat" 2>/dev/null; }   # R, S, T (stopped) ...

cmd_dispatcher_freeze() {
	local k=${1:-} pid t i
	disp_check "$k"
	pid=$(nc_pid_of "$k")
	[ -n "$pid" ] || die "dispatcher $k is not running"
	[ "$(proc_state "$pid")" != T ] || die "dispatcher $k (pid $pid) is frozen already"
	kill -STOP "$pid"
	t=$(date +%s%3N)
	for ((i = 0; i < 100; i++)); do
		[ "$(proc_state "$pid")" = T ] && break
		sleep 0.1
	done
	[ "$(proc_state "$pid")" = T ] || die "dispatcher $k (pid $pid) not stopped 10 s after SIGSTOP"
	echo "$t" >"$STATE/d$k.frozen"
	echo "lab: dispatcher $k frozen (SIGSTOP at $t ms since the epoch; its BIRD stays up)"
}

cmd_dispatcher_thaw() {
	local k=${1:-} pid t since
	disp_check "$k"
	pid=$(nc_pid_of "$k")
	[ -n "$pid" ] || die "dispatcher $k is not running"
	[ "$(proc_state "$pid")" = T ] || die "dispatcher $k (pid $pid) is not frozen"
	kill -CONT "$pid"
	t=$(date +%s%3N)
	since=$(cat "$STATE/d$k.frozen" 2>/dev/null || echo "")
	rm -f "$STATE/d$k.frozen"
	echo "lab: dispatcher $k thawed (SIGCONT at $t ms since the epoch${since:+, frozen for $((t - since)) ms})"
}

front_link() { echo "sw-d$1-p0"; }   # front_link <K>: dK-p0's switch port on br-disp, in lab-sw

front_link_up() {   # front_link_up <K>: 0 when its switch port is up
	ip -n lab-sw -o link show "$(front_link "$1")" 2>/dev/null | grep -q '[<,]UP[,>]'
}

cmd_dispatcher_unplug() {
	local k=${1:-} t
	disp_check "$k"
	ip -n lab-sw link show "$(front_link "$k")" >/dev/null 2>&1 || die "dispatcher $k: no front link $(front_link "$k") in lab-sw"
	front_link_up "$k" || die "dispatcher $k: its front link is unplugged already"
	ip -n lab-sw link set "$(front_link "$k")" down
	t=$(date +%s%3N)
	echo "$t" >"$STATE/d$k.unplugged"
	echo "lab: dispatcher $k unplugged (its front link d$k-p0 -- br-disp down at $t ms since the epoch; lab-rtr no longer reaches it)"
}

cmd_dispatcher_plug() {
	local k=${1:-} t since
	disp_check "$k"
	ip -n lab-sw link show "$(front_link "$k")" >/dev/null 2>&1 || die "dispatcher $k: no front link $(front_link "$k") in lab-sw"
	! front_link_up "$k" || die "dispatcher $k: its front link is plugged in already"
	ip -n lab-sw link set "$(front_link "$k")" up
	t=$(date +%s%3N)
	since=$(cat "$STATE/d$k.unplugged" 2>/dev/null || echo "")
	rm -f "$STATE/d$k.unplugged"
	echo "lab: dispatcher $k plugged in (its front link up at $t ms since the epoch${since:+, cut for $((t - since)) ms})"
}

cmd_dispatcher() {
	local sub=${1:-}
	[ $# -eq 0 ] || shift
	case $sub in
	start) cmd_dispatcher_start "$@" ;;
	stop) cmd_dispatcher_stop "$@" ;;
	kill) cmd_dispatcher_kill "$@" ;;
	freeze) cmd_dispatcher_freeze "$@" ;;
	thaw) cmd_dispatcher_thaw "$@" ;;
	unplug) cmd_dispatcher_unplug "$@" ;;
	plug) cmd_dispatcher_plug "$@" ;;
	*) die "dispatcher: want start K [--config FILE], stop K, kill K, freeze K, thaw K, unplug K or plug K" ;;
	esac
}

cmd_restart_server() {
	local i=${1:-}
	[[ $i =~ ^[0-3]$ ]] || die "restart-server: want 0, 1, 2 or 3, got '${i}'"
	[ -f "$STATE/n$i.args" ] || die "the lab is not up"
	backend_stop "$i"
	backend_start "$i"
	echo "lab: ${SERVERS[$i]} restarted (pid $(backend_pid "$i"))"
}

cmd=${1:-}
[ $# -eq 0 ] || shift
case $cmd in
up|down|status|restart-server|dispatcher|peer)
	[ "$(id -u)" = 0 ] || { echo "lab: run as root (sudo where it is installed): it creates network namespaces" >&2; exit 1; } ;;
esac
case $cmd in
up) cmd_up "$@" ;;
down) cmd_down ;;
status) cmd_status ;;
restart-server) cmd_restart_server "$@" ;;
dispatcher) cmd_dispatcher "$@" ;;
peer)
	# shellcheck source-path=SCRIPTDIR source=lab-peer.sh
	. "$ROOT/scripts/lab-peer.sh"
	cmd_peer "$@" ;;
*) usage ;;
esac
