#!/usr/bin/env bash
# The namespace lab: real Linux clients and servers around the appliance, all on
# this machine, all on private test subnets inside namespaces made here. As
# root (sudo where it is installed):
#
#   scripts/lab.sh up [--one-arm] [--loops a,b,c] [--delay-ms a,b,c]
#   scripts/lab.sh down
#   scripts/lab.sh status
#   scripts/lab.sh restart-server N        (N = 0, 1, 2 or 3)
#
# Two-arm (default):
#   lab-client (10.200.0.10-17) --- br-front --- lab-p0  [appliance port p0, VIP 10.200.0.1]
#   lab-n0/1/2/3 (10.201.0.11-14) --- br-back --- lab-p1  [appliance port p1, local IP 10.201.0.1]
# One-arm (--one-arm): everything on br-front and one appliance port, lab-p0.
# The bridges live in the namespace lab-sw; lab-p0 and lab-p1 stay in the root
# namespace for net_af_packet, without addresses, IPv6, ARP replies or forwarding,
# so that only the appliance answers there. Hosts learn the VIP and the local IP by
# ARP from the appliance. Each server namespace runs nc-backend (HTTP on 8080,
# UDP on 5353) named n0, n1, n2, n3. n3 is a spare: in no service of config/lab.json,
# it is what the management tests add to a running appliance.
#
# Environment: BUILD (build dir, default build), NC_BACKEND (nc-backend binary).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
BACKEND=${NC_BACKEND:-$BUILD/tests/tools/nc-backend}
STATE=/run/netchestra-lab

SERVERS=(n0 n1 n2 n3)
CLIENT_IPS=(10.200.0.10 10.200.0.11 10.200.0.12 10.200.0.13 10.200.0.14 10.200.0.15 10.200.0.16 10.200.0.17)
FRONT_GW=10.200.0.1     # the VIP
BACK_GW=10.201.0.1      # the appliance's local IP
HTTP_PORT=8080
UDP_PORT=5353

die() { echo "lab: $*" >&2; exit 2; }
in_ns() { ip netns exec "$@"; }
server_ip() { echo "10.201.0.$((11 + $1))"; }

usage() {
	sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}

# A clean interface for the lab: no checksum or segmentation offloads (so that
# frames seen by AF_PACKET carry complete checksums and are at most one MTU) and
# no IPv6 chatter.
quiet_if() {   # quiet_if <ns or -> <dev>
	local ns=$1 dev=$2 run=()
	[ "$ns" = - ] || run=(ip netns exec "$ns")
	"${run[@]}" ethtool -K "$dev" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
	"${run[@]}" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" >/dev/null 2>&1 || true
}

veth() {   # veth <dev> <ns or -> <peer> <peer ns>
	local dev=$1 ns=$2 peer=$3 pns=$4
	if [ "$ns" = - ]; then
		ip link add "$dev" type veth peer name "$peer" netns "$pns"
	else
		ip -n "$ns" link add "$dev" type veth peer name "$peer" netns "$pns"
	fi
}

ns_add() {   # a namespace with lo up and IPv6 off
	ip netns add "$1"
	in_ns "$1" ip link set lo up
	in_ns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
}

root_port() {   # root_port <dev> <mac>: an appliance port end in the root namespace
	local dev=$1
	ip link set "$dev" address "$2"
	ip link set "$dev" mtu 1500
	sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" >/dev/null
	sysctl -qw "net.ipv4.conf.$dev.forwarding=0" "net.ipv4.conf.$dev.arp_ignore=8" >/dev/null
	quiet_if - "$dev"
	ip link set "$dev" up
}

topology_up() {   # topology_up <one-arm 0|1>
	local one=$1 i ns dev br
	ns_add lab-sw
	in_ns lab-sw ip link add br-front type bridge stp_state 0 forward_delay 0 mcast_snooping 0
	in_ns lab-sw ip link set br-front up
	if [ "$one" = 0 ]; then
		in_ns lab-sw ip link add br-back type bridge stp_state 0 forward_delay 0 mcast_snooping 0
		in_ns lab-sw ip link set br-back up
	fi
	sw_port() {   # sw_port <dev> <bridge>
		quiet_if lab-sw "$1"
		in_ns lab-sw ip link set "$1" master "$2"
		in_ns lab-sw ip link set "$1" up
	}

	veth lab-p0 - sw-p0 lab-sw
	root_port lab-p0 02:00:00:c8:00:01
	sw_port sw-p0 br-front
	br=br-front
	if [ "$one" = 0 ]; then
		veth lab-p1 - sw-p1 lab-sw
		root_port lab-p1 02:00:00:c9:00:01
		sw_port sw-p1 br-back
		br=br-back
	fi

	ns_add lab-client
	veth eth0 lab-client sw-client lab-sw
	in_ns lab-client ip link set eth0 address 02:00:00:c8:00:10
	quiet_if lab-client eth0
	for i in "${!CLIENT_IPS[@]}"; do
		in_ns lab-client ip addr add "${CLIENT_IPS[$i]}/24" dev eth0
	done
	in_ns lab-client ip link set eth0 up
	in_ns lab-client ip route add default via "$FRONT_GW"
	sw_port sw-client br-front

	for i in "${!SERVERS[@]}"; do
		ns=lab-${SERVERS[$i]}
		ns_add "$ns"
		veth eth0 "$ns" "sw-${SERVERS[$i]}" lab-sw
		in_ns "$ns" ip link set eth0 address "02:00:00:c9:00:1$i"
		quiet_if "$ns" eth0
		in_ns "$ns" ip addr add "$(server_ip "$i")/24" dev eth0
		in_ns "$ns" ip link set eth0 up
		in_ns "$ns" ip route add default via "$BACK_GW"
		sw_port "sw-${SERVERS[$i]}" "$br"
	done
	echo "$one" >"$STATE/one-arm"
}

topology_ok() {   # the namespaces and ports of mode <one-arm 0|1> all exist
	local one=$1 n
	[ -f "$STATE/one-arm" ] && [ "$(cat "$STATE/one-arm")" = "$one" ] || return 1
	for n in lab-sw lab-client lab-n0 lab-n1 lab-n2 lab-n3; do
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
		--port "$HTTP_PORT" --udp-port "$UDP_PORT" $args \
		</dev/null >>"$STATE/n$i.log" 2>&1 &
	pid=$!
	echo "$pid" >"$STATE/n$i.pid"
	# ready when it listens
	for _ in $(seq 50); do
		if in_ns "lab-$name" ss -Hltn "sport = :$HTTP_PORT" 2>/dev/null | grep -q .; then return 0; fi
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

cmd_up() {
	local one=0 loops=0 delay=0 i args
	while [ $# -gt 0 ]; do
		case $1 in
		--one-arm) one=1 ;;
		--two-arm) one=0 ;;
		--loops) loops=${2:?--loops needs a,b,c}; shift ;;
		--delay-ms) delay=${2:?--delay-ms needs a,b,c}; shift ;;
		*) die "up: unknown option $1" ;;
		esac
		shift
	done
	[[ $loops =~ ^[0-9]+(,[0-9]+){0,2}$ ]] || die "--loops: want N or a,b,c (non-negative integers), got '$loops'"
	[[ $delay =~ ^[0-9]+(,[0-9]+){0,2}$ ]] || die "--delay-ms: want N or a,b,c (non-negative integers), got '$delay'"
	[ -x "$BACKEND" ] || die "no nc-backend at $BACKEND (build first: ninja -C build)"
	mkdir -p "$STATE"
	# the management token of config/lab.json ("token_file": "lab.token")
	if [ ! -s "$ROOT/config/lab.token" ]; then
		(umask 077; od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$ROOT/config/lab.token")
	fi
	if ! topology_ok "$one"; then
		teardown
		mkdir -p "$STATE"
		topology_up "$one"
	fi
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
	for n in lab-n0 lab-n1 lab-n2 lab-n3 lab-client lab-sw; do
		if [ -e "/run/netns/$n" ]; then
			pids=$(ip netns pids "$n" 2>/dev/null || true)
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
		if [ "$(cat "$STATE/one-arm")" = 1 ]; then mode=one-arm; else mode=two-arm; fi
	fi
	echo "lab: $mode"
	[ "$mode" != down ] || return 0
	if [ "$mode" = two-arm ]; then
		echo "  port p0: lab-p0 $(cat /sys/class/net/lab-p0/address 2>/dev/null || echo missing) (clients, VIP $FRONT_GW)"
		echo "  port p1: lab-p1 $(cat /sys/class/net/lab-p1/address 2>/dev/null || echo missing) (servers, local IP $BACK_GW)"
	else
		echo "  port p0: lab-p0 $(cat /sys/class/net/lab-p0/address 2>/dev/null || echo missing) (clients and servers, VIP $FRONT_GW, local IP $BACK_GW)"
	fi
	echo "  lab-client: ${CLIENT_IPS[*]}"
	for i in "${!SERVERS[@]}"; do
		pid=$(backend_pid "$i")
		if [ -n "$pid" ]; then pid="pid $pid"; else pid="not running"; fi
		printf '  lab-%s: %s  nc-backend %s, %s\n' "${SERVERS[$i]}" "$(server_ip "$i")" \
			"$pid" "$(cat "$STATE/n$i.args" 2>/dev/null)"
	done
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
up|down|status|restart-server)
	[ "$(id -u)" = 0 ] || { echo "lab: run as root (sudo where it is installed): it creates network namespaces" >&2; exit 1; } ;;
esac
case $cmd in
up) cmd_up "$@" ;;
down) cmd_down ;;
status) cmd_status ;;
restart-server) cmd_restart_server "$@" ;;
*) usage ;;
esac
