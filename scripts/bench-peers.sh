#!/usr/bin/env bash
# Netchestra against what a user would run instead, in the same namespace lab,
# with the same three nc-backend servers and the same nc-client load, one after
# another in one run:
#   netchestra  the appliance on config/lab.json (both its lcores on one CPU,
#               the worker polling without idle sleeps, as on a dedicated core),
#               its ports net_af_packet
#   netchestra-xdp  the same on net_af_xdp ports (scripts/lab.sh up --xdp);
#               skipped, and said so, where AF_XDP is not available
#   haproxy     HAProxy mode tcp, balance roundrobin, one thread
#   nginx       nginx stream, round robin, one worker process
#   iptables    DNAT with statistic --mode nth (as kube-proxy), kernel forwarding
#               in the softirq of whoever sends: the clients' and servers' CPU 0
#   iptables-cpu1  the same with the forwarding on CPU 1, as every other
#               balancer (RPS on the router's two ports steers their receive
#               there): what the kernel's forwarding gives from another CPU
#   direct      client-side round robin over the servers (round-robin DNS)
# Each balancer is pinned to CPU 1; clients and servers to CPU 0 (iptables and
# direct run in the kernel's softirq, wherever the packets are processed: on
# CPU 0 a client's SYN is forwarded, answered by the server's kernel and
# forwarded back inside the client's own connect(), which no balancer on
# another CPU, nor a real network, can do).
# For 1..7 clients (the paper's Tables 4 and 5), each client running 5-request
# transactions, a new TCP connection per request, it prints requests/s and p99
# latency per balancer and Netchestra's ratio to each peer. Every point runs on
# a fresh lab with the balancer started anew.
#
# As root (sudo where it is installed):
#   scripts/bench-peers.sh [--seconds 5] [--clients "1 2 3 4 5 6 7"]
#        [--mode close|keepalive]
#        [--peers "netchestra haproxy nginx iptables iptables-cpu1 direct"]
#        [--ports packet|xdp|both] [--halt-poll NS|keep]
# Beside each point: the wake-ups the clients' and servers' CPU 0 took per
# request (rescheduling and function-call interrupts, from /proc/interrupts)
# and the machine's context switches per request (/proc/stat): what a
# balancer on the other CPU costs the CPU it shares with nobody in a real
# network, and the kernel's forwarding on CPU 0 does not.
# --ports: the appliance's ports, i.e. what "netchestra" in --peers stands for:
# netchestra (packet), netchestra-xdp (xdp, the default: the lab's own default
# kind; it falls back to packet where AF_XDP is missing) or both side by side.
# --halt-poll: the guest's cpuidle halt polling for the run (a KVM guest's
# idle CPU polls up to NS before it halts; the kernel's default 200000 unless
# the boot line sets it), restored after; keep leaves the machine's. On a VM
# whose boot line turns it off (haltpoll.guest_halt_poll_ns=0), a wake-up of
# the idle CPU 0 from CPU 1 costs an exit to the host, which every balancer on
# CPU 1 pays per packet at 1 client and the kernel's forwarding on CPU 0 never
# does: a cost of the host, which the run's header names. Default 200000.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
SECS=5
CLIENTS="1 2 3 4 5 6 7"
MODE=close
PEERS="netchestra haproxy nginx iptables iptables-cpu1 direct"
PORTS=xdp
HALT_POLL=200000
HALT_POLL_FILE=/sys/module/haltpoll/parameters/guest_halt_poll_ns
HALT_POLL_WAS=
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) SECS=${2:?}; shift ;;
	--clients) CLIENTS=${2:?}; shift ;;
	--mode) MODE=${2:?}; shift ;;
	--peers) PEERS=${2:?}; shift ;;
	--ports) PORTS=${2:?}; shift ;;
	--halt-poll) HALT_POLL=${2:?}; shift ;;
	-h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "bench-peers: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
case $PORTS in
packet) ;;
xdp) PEERS=" $PEERS "; PEERS=${PEERS/ netchestra / netchestra-xdp } ;;
both) PEERS=" $PEERS "; PEERS=${PEERS/ netchestra / netchestra netchestra-xdp } ;;
*) echo "bench-peers: --ports: want packet, xdp or both, got '$PORTS'" >&2; exit 2 ;;
esac
case $HALT_POLL in
keep) ;;
''|*[!0-9]*) echo "bench-peers: --halt-poll: want nanoseconds or keep, got '$HALT_POLL'" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || { echo "bench-peers: run as root (sudo where it is installed): it creates network namespaces" >&2; exit 1; }
cd "$ROOT" || exit 1
scripts/deps.sh --peers || exit 1
{ [ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null; } && ninja -C "$BUILD" >/dev/null || exit 1
scripts/hugepages.sh 256 >/dev/null || true
export BUILD
# shellcheck source=scripts/lab-lib.sh
. "$ROOT/scripts/lab-lib.sh"
W=$(mktemp -d /tmp/nc-bench-peers.XXXXXX)
PEER_PID=
# shellcheck source=scripts/peer-lib.sh
. "$ROOT/scripts/peer-lib.sh"
peer_stop() {
	if [ -n "$PEER_PID" ]; then
		kill "$PEER_PID" 2>/dev/null
		wait "$PEER_PID" 2>/dev/null
		PEER_PID=
	fi
	nc_stop >/dev/null 2>&1
	kernel_off
}
cleanup() {
	peer_stop
	"$ROOT/scripts/lab.sh" down >/dev/null 2>&1
	[ -z "$HALT_POLL_WAS" ] || echo "$HALT_POLL_WAS" >"$HALT_POLL_FILE"
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

peer_start() {   # peer_start <name>: returns the target list for nc-client
	local p=$1
	case $p in
	netchestra|netchestra-xdp)
		# a dedicated core: the worker polls without idle sleeps
		jq '.eal.lcores = "0@1,1@1" | .eal.file_prefix = "nc-bench" | .workers.idle_sleep_us = 0' \
			config/lab.json >"$W/nc.json"
		nc_start "$W/nc.json" "$W/netchestra.log" || return 1
		;;
	haproxy)
		kernel_on
		cat >"$W/haproxy.cfg" <<-EOF
		global
		    nbthread 1
		    maxconn 8000
		defaults
		    mode tcp
		    timeout connect 5s
		    timeout client 30s
		    timeout server 30s
		frontend web
		    bind $LAB_VIP:80
		    default_backend servers
		backend servers
		    balance roundrobin
		    server n0 ${LAB_SERVERS[0]}:8080
		    server n1 ${LAB_SERVERS[1]}:8080
		    server n2 ${LAB_SERVERS[2]}:8080
		EOF
		taskset -c 1 haproxy -db -f "$W/haproxy.cfg" >"$W/haproxy.log" 2>&1 &
		PEER_PID=$!
		wait_listen "$LAB_VIP" 80 || return 1
		;;
	nginx)
		kernel_on
		mkdir -p "$W/nginx"
		cat >"$W/nginx.conf" <<-EOF
		load_module /usr/lib/nginx/modules/ngx_stream_module.so;
		daemon off;
		master_process off;
		worker_processes 1;
		pid $W/nginx/nginx.pid;
		error_log $W/nginx/error.log warn;
		events { worker_connections 20000; }
		stream {
		    upstream servers {
		        server ${LAB_SERVERS[0]}:8080;
		        server ${LAB_SERVERS[1]}:8080;
		        server ${LAB_SERVERS[2]}:8080;
		    }
		    server { listen $LAB_VIP:80; proxy_pass servers; }
		}
		EOF
		taskset -c 1 nginx -p "$W/nginx" -c "$W/nginx.conf" >"$W/nginx.log" 2>&1 &
		PEER_PID=$!
		wait_listen "$LAB_VIP" 80 || return 1
		;;
	iptables|iptables-cpu1)
		kernel_on
		if [ "$p" = iptables-cpu1 ]; then
			for q in /sys/class/net/lab-p0/queues/rx-* /sys/class/net/lab-p1/queues/rx-*; do
				echo 2 >"$q/rps_cpus" || return 1
			done
		fi
		sysctl -qw net.ipv4.ip_forward=1 >/dev/null
		iptables -t nat -N NC-LAB || return 1
		iptables -t nat -A NC-LAB -p tcp -m statistic --mode nth --every 3 --packet 0 \
			-j DNAT --to-destination "${LAB_SERVERS[0]}:8080"
		iptables -t nat -A NC-LAB -p tcp -m statistic --mode nth --every 2 --packet 0 \
			-j DNAT --to-destination "${LAB_SERVERS[1]}:8080"
		iptables -t nat -A NC-LAB -p tcp -j DNAT --to-destination "${LAB_SERVERS[2]}:8080"
		iptables -t nat -A PREROUTING -d "$LAB_VIP" -p tcp --dport 80 -j NC-LAB || return 1
		;;
	direct)
		kernel_on
		sysctl -qw net.ipv4.ip_forward=1 >/dev/null
		echo "${LAB_SERVERS[0]}:8080,${LAB_SERVERS[1]}:8080,${LAB_SERVERS[2]}:8080" >"$W/target"
		return 0
		;;
	*) echo "bench-peers: unknown peer $p" >&2; return 1 ;;
	esac
	echo "$LAB_VIP:80" >"$W/target"
}

host="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs"
# the guest's halt polling set for the run unless keep; HALT_POLL_SAID what it is
if [ ! -w "$HALT_POLL_FILE" ]; then
	HALT_POLL_SAID="no cpuidle halt polling here"
else
	if [ "$HALT_POLL" != keep ]; then
		HALT_POLL_WAS=$(cat "$HALT_POLL_FILE")
		echo "$HALT_POLL" >"$HALT_POLL_FILE" || { echo "bench-peers: cannot set $HALT_POLL_FILE" >&2; exit 1; }
	fi
	boot=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^haltpoll.guest_halt_poll_ns=//p')
	[ -n "$boot" ] || boot="none: the kernel's default"
	HALT_POLL_SAID="halt polling $(cat "$HALT_POLL_FILE") ns (the boot line's $boot)"
fi
echo "== $(date -u +%Y-%m-%d) on $host; $SECS s per point, nc-client tcp $MODE, 5 requests per transaction; $HALT_POLL_SAID"

declare -A RPS P99 WAKE CTXT
# cpu0_wakeups: CPU 0's rescheduling and function-call interrupts so far, and
# the machine's context switches
cpu0_wakeups() {
	awk '$1 == "RES:" || $1 == "CAL:" { w += $2 } END { printf "%d ", w }' /proc/interrupts
	awk '$1 == "ctxt" { print $2 }' /proc/stat
}
# one_point <peer> <clients> [lab.sh up args]: a fresh lab, <peer> started,
# a warm-up, then one measured point; 1 when it could not run
one_point() {
	local p=$1 c=$2 broken
	shift 2
	if ! fresh_lab "$@"; then
		echo "$p: the lab did not come up" >&2
		return 1
	fi
	if [ "$p" = netchestra-xdp ] && [ "$(lab_ports)" != xdp ]; then
		echo "$p: skipped, AF_XDP not available here ($(lab_xdp_why))" >&2
		return 1
	fi
	if ! peer_start "$p"; then
		echo "$p: could not start" >&2
		peer_stop
		return 1
	fi
	target=$(cat "$W/target")
	# warm up: ARP, connection tracking, caches
	ip netns exec lab-client taskset -c 0 "$NC_CLIENT" --target "$target" -c 2 -k 5 --duration 1 >/dev/null 2>&1
	read -r w0 x0 < <(cpu0_wakeups)
	ip netns exec lab-client taskset -c 0 "$NC_CLIENT" --target "$target" --proto tcp --mode "$MODE" \
		-c "$c" -k 5 --duration "$SECS" --timeout-ms 5000 --json >"$W/r.json" 2>/dev/null
	read -r w1 x1 < <(cpu0_wakeups)
	RPS[$p,$c]=$(jq -r '.rps | floor' "$W/r.json" 2>/dev/null || echo 0)
	P99[$p,$c]=$(jq -r '.p99_ms | . * 100 | round / 100' "$W/r.json" 2>/dev/null || echo -)
	broken=$(jq -r '.broken' "$W/r.json" 2>/dev/null || echo "?")
	reqs=$(jq -r '.requests // 0' "$W/r.json" 2>/dev/null || echo 0)
	WAKE[$p,$c]=$(awk -v d=$((w1 - w0)) -v r="$reqs" 'BEGIN { if (r > 0) printf "%.2f", d / r; else print "-" }')
	CTXT[$p,$c]=$(awk -v d=$((x1 - x0)) -v r="$reqs" 'BEGIN { if (r > 0) printf "%.1f", d / r; else print "-" }')
	printf '%-14s clients %d: %6s req/s  p99 %6s ms  broken %s  CPU 0 wake-ups %s/req  context switches %s/req\n' \
		"$p" "$c" "${RPS[$p,$c]}" "${P99[$p,$c]}" "$broken" "${WAKE[$p,$c]}" "${CTXT[$p,$c]}"
	peer_stop
	return 0
}

for p in $PEERS; do
	ports=--packet
	[ "$p" != netchestra-xdp ] || ports=--xdp
	for c in $CLIENTS; do
		# every point on a fresh lab (no TIME_WAIT, conntrack or flow state left
		# by the one before): at ~10k new connections/s, points run back to back
		# on one lab make the servers' TIME_WAIT 4-tuples come round again
		one_point "$p" "$c" "$ports" || break
	done
done

# table <title> <array A> <between> <array B> <after>: a row per client count,
# a column per peer, each cell "A<between>B<after>"
table() {
	local -n ta=$2 tb=$4
	echo
	echo "== $1"
	printf '%-8s' clients
	for p in $PEERS; do printf ' %18s' "$p"; done
	echo
	for c in $CLIENTS; do
		printf '%-8s' "$c"
		for p in $PEERS; do printf ' %18s' "${ta[$p,$c]:--}$3${tb[$p,$c]:--}$5"; done
		echo
	done
}
table "requests/s (p99 ms), nc-client tcp $MODE, $SECS s per point" RPS " (" P99 ")"
table "CPU 0 wake-up interrupts per request / context switches per request" WAKE " / " CTXT ""
for n in $PEERS; do
	[[ $n == netchestra* ]] || continue
	echo
	echo "== $n requests/s as a ratio of each peer's"
	printf '%-8s' clients
	for p in $PEERS; do [[ $p == netchestra* ]] || printf ' %10s' "$p"; done
	echo
	for c in $CLIENTS; do
		printf '%-8s' "$c"
		for p in $PEERS; do
			[[ $p == netchestra* ]] && continue
			awk -v a="${RPS[$n,$c]:-0}" -v b="${RPS[$p,$c]:-0}" \
				'BEGIN { if (b > 0) printf " %10.2f", a / b; else printf " %10s", "-" }'
		done
		echo
	done
done
