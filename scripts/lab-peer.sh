# shellcheck shell=bash
# Kernel peers in the cluster lab, sourced by scripts/lab.sh (`lab.sh peer ...`):
# a balancer that runs on the kernel of a dispatcher's namespace lab-dK instead of
# the appliance, behind the same router, announced by the same BIRD configuration.
#
#   lab.sh peer haproxy start K [--config FILE]   HAProxy in lab-dK, announced
#   lab.sh peer haproxy stop K                    withdraw, let connections end (5 s), stop
#   lab.sh peer haproxy kill K                    SIGKILL HAProxy alone (the watcher and
#                                                 BIRD stay up: the watcher withdraws)
#
# start gives the namespace's veth ends the dispatcher's host addresses (front dK-p0
# 10.203.0.(2+K)/24 with a default route via lab-rtr, back dK-p1 10.201.0.(201+K)/24,
# ARP answered; beside them their IPv6 twins fd00:203::(2+K)/64 and fd00:201::(201+K)/64
# and a default route via fd00:203::1, by lab.sh's rule), starts HAProxy (default: mode tcp, balance source with consistent
# hashing over n0 n1 n2 on 8080 with HTTP checks, one thread; or FILE) binding
# 10.202.0.1:80 with net.ipv4.ip_nonlocal_bind=1, the health-check loop
# scripts/vip-healthcheck.sh (every 200 ms: while HAProxy listens, 10.202.0.1/32 sits
# on dK-p0; removed at the first failed check), and BIRD rendered by
# scripts/render-bird.py from config/cluster/dK.json with the exception interfaces
# replaced by the veth ends (same ASN, router id, hold time and BFD timers; the
# exported /32 is the one the watcher puts on dK-p0). It returns once lab-rtr routes
# the VIP through 10.203.0.(2+K). stop undoes all of it, so the appliance can start
# there again. Not both at once: start refuses while the appliance runs in lab-dK.
# Uses lab.sh's helpers and variables (STATE, in_ns, die, disp_check, bird_*, ...).

PEER_VIP=10.202.0.1
PEER_PORT=80
PEER_WATCH_MS=200

haproxy_pid_of() { pid_alive "$STATE/d$1.haproxy.pid" haproxy; }
watch_pid_of() { pid_alive "$STATE/d$1.watch.pid" vip-healthcheck; }

peer_net_up() {   # peer_net_up <K>: the kernel of lab-dK takes the dispatcher's host addresses
	local k=$1 ns=lab-d$1 dev
	for dev in "d$k-p0" "d$k-p1"; do
		in_ns "$ns" ip addr flush dev "$dev"
		in_ns "$ns" sysctl -qw "net.ipv4.conf.$dev.arp_ignore=0" "net.ipv6.conf.$dev.disable_ipv6=0" >/dev/null
	done
	addr_add "$ns" "d$k-p0" "$(disp_front_ip "$k")/24"
	addr_add "$ns" "d$k-p1" "$(disp_back_ip "$k")/24"
	in_ns "$ns" ip route replace default via "$RTR_DISP_IP" dev "d$k-p0"
	in_ns "$ns" ip -6 route replace default via "$(ip6 "$RTR_DISP_IP")" dev "d$k-p0"
	in_ns "$ns" sysctl -qw net.ipv4.ip_nonlocal_bind=1 >/dev/null
}

peer_net_down() {   # peer_net_down <K>: lab-dK's veth ends back as the appliance wants them
	local k=$1 ns=lab-d$1 dev
	in_ns "$ns" ip route del default 2>/dev/null || true
	in_ns "$ns" ip -6 route del default 2>/dev/null || true
	for dev in "d$k-p0" "d$k-p1"; do
		in_ns "$ns" ip addr flush dev "$dev" 2>/dev/null || true
		in_ns "$ns" sysctl -qw "net.ipv4.conf.$dev.arp_ignore=8" "net.ipv6.conf.$dev.disable_ipv6=1" \
			>/dev/null 2>&1 || true
	done
	in_ns "$ns" sysctl -qw net.ipv4.ip_nonlocal_bind=0 >/dev/null 2>&1 || true
}

haproxy_default_cfg() {   # haproxy_default_cfg <K>: the default configuration on stdout
	local i
	cat <<-EOF
	# lab.sh peer haproxy start $1: HAProxy in lab-d$1 in place of the appliance
	global
	    nbthread 1
	    maxconn 8000
	    stats socket $STATE/d$1.haproxy.sock mode 600 level admin
	defaults
	    mode tcp
	    timeout connect 2s
	    timeout client 30s
	    timeout server 30s
	frontend web
	    bind $PEER_VIP:$PEER_PORT
	    default_backend servers
	backend servers
	    # the same server for a client on every instance, like maglev with persistence
	    balance source
	    hash-type consistent
	    option httpchk GET /health
	EOF
	for i in 0 1 2; do
		echo "    server ${SERVERS[$i]} $(server_ip "$i"):$HTTP_PORT check inter 2s fall 3 rise 2"
	done
}

peer_leftovers_stop() {   # peer_leftovers_stop <K>: the watcher and BIRD of a killed HAProxy
	local pid
	pid=$(watch_pid_of "$1")
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait_gone "$pid" 20 || kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$STATE/d$1.watch.pid"
	bird_stop "d$1"
}

peer_fail() {   # peer_fail <K> <why>: logs, everything of the peer stopped, exit
	local k=$1 pid
	{
		echo "lab: peer haproxy $k: $2"
		echo "  HAProxy's log ($STATE/d$k.haproxy.log), last lines:"
		tail -8 "$STATE/d$k.haproxy.log" 2>/dev/null | sed 's/^/    /'
		echo "  the watcher's log ($STATE/d$k.watch.log), last lines:"
		tail -4 "$STATE/d$k.watch.log" 2>/dev/null | sed 's/^/    /'
		echo "  its BIRD's sessions:"
		birdc_to "d$k" show protocols 2>&1 | sed '1d; s/^/    /'
	} >&2
	pid=$(haproxy_pid_of "$k")
	[ -z "$pid" ] || kill -9 "$pid" 2>/dev/null || true
	rm -f "$STATE/d$k.haproxy.pid"
	peer_leftovers_stop "$k"
	peer_net_down "$k"
	exit 1
}

cmd_peer_haproxy_start() {
	local k=${1:-} cfg="" pid front i
	[ $# -eq 0 ] || shift
	while [ $# -gt 0 ]; do
		case $1 in
		--config) cfg=${2:?--config needs FILE}; shift ;;
		*) die "peer haproxy start: unknown option $1" ;;
		esac
		shift
	done
	disp_check "$k"
	command -v haproxy >/dev/null || die "no haproxy (scripts/deps.sh --peers installs it)"
	pid=$(nc_pid_of "$k")
	[ -z "$pid" ] || die "the appliance runs in lab-d$k (pid $pid): dispatcher stop $k first"
	pid=$(haproxy_pid_of "$k")
	[ -z "$pid" ] || die "HAProxy runs in lab-d$k already (pid $pid): peer haproxy stop $k first"
	peer_leftovers_stop "$k"
	if [ -n "$cfg" ]; then
		[ -f "$cfg" ] || die "peer haproxy start: no file $cfg"
		cp "$cfg" "$STATE/d$k.haproxy.cfg"
	else
		haproxy_default_cfg "$k" >"$STATE/d$k.haproxy.cfg"
	fi
	haproxy -c -q -f "$STATE/d$k.haproxy.cfg" || die "peer haproxy start: $STATE/d$k.haproxy.cfg is invalid (above)"
	# BIRD's file: the dispatcher's, its exception interfaces replaced by the veth ends
	jq --argjson k "$k" '.ports[] |= (.exception = { enabled: true, ifname: "d\($k)-\(.name)" })' \
		"$ROOT/config/cluster/d$k.json" >"$STATE/d$k.peer.json" || die "peer haproxy start: cannot read config/cluster/d$k.json"
	python3 "$RENDER" -o "$STATE/d$k.bird.conf" "$STATE/d$k.peer.json" || die "peer haproxy start: cannot render BIRD's configuration"
	peer_net_up "$k"
	echo "== lab.sh peer haproxy start $k" >>"$STATE/d$k.haproxy.log"
	setsid ip netns exec "lab-d$k" haproxy -db -f "$STATE/d$k.haproxy.cfg" </dev/null >>"$STATE/d$k.haproxy.log" 2>&1 &
	echo $! >"$STATE/d$k.haproxy.pid"
	for ((i = 0; i < 50; i++)); do
		in_ns "lab-d$k" ss -Hltn "src $PEER_VIP:$PEER_PORT" 2>/dev/null | grep -q . && break
		[ -n "$(haproxy_pid_of "$k")" ] || peer_fail "$k" "HAProxy exited"
		sleep 0.1
	done
	[ "$i" -lt 50 ] || peer_fail "$k" "HAProxy does not listen on $PEER_VIP:$PEER_PORT after 5 s"
	setsid ip netns exec "lab-d$k" "$ROOT/scripts/vip-healthcheck.sh" --vip "$PEER_VIP" --port "$PEER_PORT" \
		--dev "d$k-p0" --interval-ms "$PEER_WATCH_MS" </dev/null >>"$STATE/d$k.watch.log" 2>&1 &
	echo $! >"$STATE/d$k.watch.pid"
	bird_start "lab-d$k" "d$k" || peer_fail "$k" "BIRD did not start"
	front=$(disp_front_ip "$k")
	for ((i = 0; i < 600; i++)); do
		vip_hops "$PEER_VIP" | grep -qxF "$front" && break
		[ -n "$(haproxy_pid_of "$k")" ] || peer_fail "$k" "HAProxy exited"
		sleep 0.1
	done
	[ "$i" -lt 600 ] || peer_fail "$k" "lab-rtr does not route $PEER_VIP through $front after 60 s"
	echo "lab: peer haproxy $k up (HAProxy pid $(haproxy_pid_of "$k"), watcher pid $(watch_pid_of "$k"), BIRD pid $(bird_pid "d$k")): lab-rtr routes $PEER_VIP via $front"
}

cmd_peer_haproxy_stop() {
	local k=${1:-} pid wpid front i
	disp_check "$k"
	pid=$(haproxy_pid_of "$k")
	front=$(disp_front_ip "$k")
	# withdraw first (the watcher's exit removes the VIP), then let connections end
	wpid=$(watch_pid_of "$k")
	if [ -n "$wpid" ]; then
		kill "$wpid" 2>/dev/null || true
		wait_gone "$wpid" 20 || kill -9 "$wpid" 2>/dev/null || true
	fi
	rm -f "$STATE/d$k.watch.pid"
	in_ns "lab-d$k" ip addr del "$PEER_VIP/32" dev "d$k-p0" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		vip_hops "$PEER_VIP" | grep -qxF "$front" || break
		sleep 0.1
	done
	if [ -n "$pid" ]; then
		kill -USR1 "$pid" 2>/dev/null || true   # soft stop: no new connections, the open ones finish
		wait_gone "$pid" 50 || { kill -9 "$pid" 2>/dev/null || true; wait_gone "$pid" 50 || true; }
	fi
	rm -f "$STATE/d$k.haproxy.pid"
	peer_leftovers_stop "$k"
	peer_net_down "$k"
	echo "lab: peer haproxy $k stopped${pid:+ (HAProxy pid $pid)}; lab-d$k is ready for the appliance again"
}

cmd_peer_haproxy_kill() {
	local k=${1:-} pid t
	disp_check "$k"
	pid=$(haproxy_pid_of "$k")
	[ -n "$pid" ] || die "HAProxy is not running in lab-d$k"
	kill -9 "$pid"
	t=$(date +%s%3N)
	wait_gone "$pid" 50 || die "HAProxy in lab-d$k (pid $pid) still there after SIGKILL"
	rm -f "$STATE/d$k.haproxy.pid"
	echo "lab: peer haproxy $k killed (SIGKILL at $t ms since the epoch; its watcher and BIRD stay up)"
}

cmd_peer() {
	local kind=${1:-} sub=${2:-}
	[ $# -lt 2 ] || shift 2
	case $kind/$sub in
	haproxy/start) cmd_peer_haproxy_start "$@" ;;
	haproxy/stop) cmd_peer_haproxy_stop "$@" ;;
	haproxy/kill) cmd_peer_haproxy_kill "$@" ;;
	*) die "peer: want haproxy start K [--config FILE], haproxy stop K or haproxy kill K" ;;
	esac
}
