#!/usr/bin/env bash
# The paper's Table 5 row "6 clients, one server failed": the same nc-client
# load (6 clients, 5-request transactions, a new connection or socket per
# request) through each balancer, on a fresh lab each, with server n1 killed
# (SIGKILL) a few seconds in:
#   netchestra    the transaction fail-safe on (affinity, HTTP/UDP probes);
#                 both its lcores on CPU 1, where the proxies run
#   haproxy-http  HAProxy mode http at its best fail-over: retries 3,
#                 retry-on all-retryable-errors, option redispatch, HTTP checks
#   haproxy-tcp   HAProxy mode tcp, option redispatch, TCP checks
#   direct        client-side round robin over the servers (round-robin DNS)
# over TCP, and over UDP where the peer can (netchestra, direct). Prints
# requests/s, broken transactions, failed requests, p99 latency, the
# seconds in which requests failed (their count, the first and the last
# counted from the kill), and what the balancer did about it: servers it
# took down and requests it moved.
# Then the false fail-overs: the same balancers with no server failing,
# independent client and servers (ab: HTTP/1.0, a connection per request,
# against Python's http.server speaking HTTP/1.1, which closes without
# saying so): every server taken down or request moved there is one a
# balancer did to a healthy server, and every failed request one it broke.
#
# As root (sudo where it is installed):
#   scripts/bench-failsafe.sh [--seconds 20] [--fail-at 5] [--clients 6]
#        [--peers "netchestra haproxy-http haproxy-tcp direct"] [--protos "tcp udp"]
#        [--phases "fail steady"]
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
SECS=20
FAIL_AT=5
CLIENTS=6
PEERS="netchestra haproxy-http haproxy-tcp direct"
PROTOS="tcp udp"
PHASES="fail steady"
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) SECS=${2:?}; shift ;;
	--fail-at) FAIL_AT=${2:?}; shift ;;
	--clients) CLIENTS=${2:?}; shift ;;
	--peers) PEERS=${2:?}; shift ;;
	--protos) PROTOS=${2:?}; shift ;;
	--phases) PHASES=${2:?}; shift ;;
	-h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "bench-failsafe: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || { echo "bench-failsafe: run as root (sudo where it is installed): it creates network namespaces" >&2; exit 1; }
# shellcheck disable=SC2164 # ROOT is where cd just found the tree
cd "$ROOT"
scripts/deps.sh --peers || exit 1
{ [ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null; } && ninja -C "$BUILD" >/dev/null || exit 1
scripts/hugepages.sh 512 >/dev/null || true
export BUILD
# shellcheck source-path=SCRIPTDIR source=lab-lib.sh
. "$ROOT/scripts/lab-lib.sh"
W=$(mktemp -d /tmp/nc-bench-failsafe.XXXXXX)
PEER_PID=
# shellcheck source-path=SCRIPTDIR source=peer-lib.sh
. "$ROOT/scripts/peer-lib.sh"
LOOPS=1000000,1000000,1000000   # requests in flight when the server dies
OUT=$ROOT/bench-out/failsafe     # each run's client JSON and per-second lines
SRV_PORT=8080                    # the servers' HTTP port (nc-backend; the steady phase: 8081)
PY_PIDS=
mkdir -p "$OUT"

peer_stop() {
	# shellcheck disable=SC2086 # PY_PIDS: one word per pid
	[ -z "$PY_PIDS" ] || { kill $PY_PIDS 2>/dev/null; wait $PY_PIDS 2>/dev/null; PY_PIDS=; }
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
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

haproxy_start() {   # haproxy_start http|tcp
	local m=$1 check adjust
	kernel_on
	# mode http: nc-client checks that the server saw its exact request bytes,
	# so header names keep their case and each request has its own connection
	if [ "$m" = http ]; then
		check="option httpchk GET /health
		    retry-on all-retryable-errors
		    option httpclose
		    option h1-case-adjust-bogus-server"
		adjust="h1-case-adjust host Host
		    h1-case-adjust user-agent User-Agent
		    h1-case-adjust connection Connection"
	else
		check=""
		adjust=""
	fi
	cat >"$W/haproxy.cfg" <<-EOF
	global
	    nbthread 1
	    maxconn 8000
	    stats socket $W/haproxy.sock
	    $adjust
	defaults
	    mode $m
	    timeout connect 1s
	    timeout client 30s
	    timeout server 2s
	    retries 3
	    option redispatch
	frontend web
	    bind $LAB_VIP:80
	    default_backend servers
	backend servers
	    balance roundrobin
	    $check
	    server n0 ${LAB_SERVERS[0]}:$SRV_PORT check inter 1s fall 3 rise 2
	    server n1 ${LAB_SERVERS[1]}:$SRV_PORT check inter 1s fall 3 rise 2
	    server n2 ${LAB_SERVERS[2]}:$SRV_PORT check inter 1s fall 3 rise 2
	EOF
	taskset -c 1 haproxy -db -f "$W/haproxy.cfg" >"$W/haproxy.log" 2>&1 &
	PEER_PID=$!
	wait_listen "$LAB_VIP" 80
}

# peer_start <peer> <proto>: writes the nc-client target list to $W/target
# (not a command substitution: the peer must outlive it)
peer_start() {
	case $1 in
	netchestra)
		# as in bench-peers: both lcores on CPU 1 (the peers' CPU), the worker
		# polling without idle sleeps as on a dedicated core
		jq --argjson port "$SRV_PORT" '.eal.lcores = "0@1,1@1" | .workers.idle_sleep_us = 0 |
			.eal.memory_mb = 768 | .limits.udp_idle_s = 2 | .services[0].servers[].port = $port |
			(.services[0], .services[1]) |= (.persistence_s = 30 |
			.failsafe = { enabled: true, response_timeout_ms: 1000, max_replays: 2,
				      store_size: 8192 })' config/lab.json >"$W/nc.json"
		nc_start "$W/nc.json" "$W/netchestra.log" >/dev/null || return 1
		if [ "$2" = udp ]; then echo "$LAB_VIP:5353"; else echo "$LAB_VIP:80"; fi >"$W/target"
		;;
	haproxy-http) haproxy_start http || return 1; echo "$LAB_VIP:80" >"$W/target" ;;
	haproxy-tcp) haproxy_start tcp || return 1; echo "$LAB_VIP:80" >"$W/target" ;;
	direct)
		kernel_on
		sysctl -qw net.ipv4.ip_forward=1 >/dev/null
		local port=8080
		[ "$2" = udp ] && port=5353
		echo "${LAB_SERVERS[0]}:$port,${LAB_SERVERS[1]}:$port,${LAB_SERVERS[2]}:$port" >"$W/target"
		;;
	*) echo "bench-failsafe: unknown peer $1" >&2; return 1 ;;
	esac
}

# acted <peer> <proto>: "<servers taken down> <requests moved>" by the balancer of the
# run that just ended ("- -" for none): Netchestra's final lines (down_count
# per server; the fail-safe's replays), HAProxy's stats (chkdown per server;
# retries and redispatches). Call before peer_stop for HAProxy, after it for
# Netchestra (its final lines come at its stop).
acted() {   # acted <peer> <proto>
	case $1 in
	netchestra)
		# the service under test: web (tcp) or dns (udp)
		awk -v s="$([ "$2" = udp ] && echo dns || echo web)" '
		     index($0, "final server " s "/") == 1 { for (i = 1; i < NF; i++) if ($i == "down_count") d += $(i + 1) }
		     index($0, "final failsafe " s ":") == 1 { for (i = 1; i < NF; i++) if ($i == "replays") r += $(i + 1) }
		     END { printf "%d %d\n", d, r }' "$W/netchestra.log" ;;
	haproxy-*)
		# show stat CSV: pxname,svname,...; chkdown, wretr, wredis by header name
		echo "show stat" | socat -t 2 stdio "unix-connect:$W/haproxy.sock" 2>/dev/null |
			awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
				 $1 == "servers" && $2 != "BACKEND" { d += $c["chkdown"]; r += $c["wretr"] + $c["wredis"] }
				 END { printf "%d %d\n", d, r }' ;;
	*) echo "- -" ;;
	esac
}

host="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs"
echo "== $(date -u +%Y-%m-%d) on $host; $CLIENTS clients, 5 requests per transaction, $SECS s, n1 killed at $FAIL_AT s"
declare -A ROW STEADY
case " $PHASES " in *" fail "*) ;; *) PROTOS="" ;; esac
for proto in $PROTOS; do
	for p in $PEERS; do
		case $p/$proto in haproxy-*/udp) continue ;; esac
		if ! fresh_lab --loops "$LOOPS" || ! peer_start "$p" "$proto"; then
			echo "$p: could not start" >&2
			peer_stop
			continue
		fi
		target=$(cat "$W/target")
		rm -f "$W/live.jsonl"
		t0=$EPOCHREALTIME
		ip netns exec lab-client taskset -c 0 "$NC_CLIENT" --json --quiet --target "$target" \
			--proto "$proto" --mode close -c "$CLIENTS" -k 5 --duration "$SECS" --timeout-ms 5000 \
			--source 10.200.0.10,10.200.0.11,10.200.0.12,10.200.0.13,10.200.0.14,10.200.0.15 \
			--live "$W/live.jsonl" >"$W/r.json" 2>/dev/null &
		cpid=$!
		sleep "$FAIL_AT"
		kill -9 "$(cat /run/netchestra-lab/n1.pid)"
		koff=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
		wait "$cpid"
		# the seconds in which requests failed: each --live line is a second and carries
		# the running total of failed requests, so a second with errors is one where that
		# total grew; failures after the last line (requests finishing past --seconds)
		# count as one more second. "count (+first..+last)", counted from the kill: +1 is
		# the line whose second holds the kill. The kill's time in the client's clock is
		# taken from the client's launch, a few ms before the client's clock starts, and
		# the kill comes on a tick: failures in those few ms land in the line before (+0).
		cost=$(jq -rs --argjson k "$koff" --argjson total "$(jq '.failed // 0' "$W/r.json" 2>/dev/null || echo 0)" '
			[foreach .[] as $l ({p: 0, t: null}; {p: $l.failed, t: (if $l.failed > .p then $l.t else null end)}; .t)
			 | select(. != null) | . - $k | ceil + 0] as $s |
			(if $total > (last.failed // 0) then $s + [((last.t // 0) - $k | ceil) + 1] else $s end) |
			def signed: if . > 0 then "+\(.)" else tostring end;
			if length == 0 then "0" else "\(length) (\(min | signed)..\(max | signed))" end' "$W/live.jsonl" 2>/dev/null || echo "?")
		ROW[$proto,$p]=$(jq -r --arg c "$cost" '"\(.rps | floor)|\(.broken)|\(.failed)|\(.p99_ms | . * 100 | round / 100)|\($c)"' "$W/r.json")
		case $p in haproxy-*) did=$(acted "$p" "$proto") ;; esac
		cp "$W/r.json" "$OUT/$proto-$p.json"
		cp "$W/live.jsonl" "$OUT/$proto-$p.live.jsonl"
		[ -f "$W/haproxy.log" ] && cp "$W/haproxy.log" "$OUT/$proto-$p.haproxy.log"
		peer_stop
		case $p in haproxy-*) ;; *) did=$(acted "$p" "$proto") ;; esac
		ROW[$proto,$p]="${ROW[$proto,$p]}|${did// /|}"
		echo "$proto $p: ${ROW[$proto,$p]} (req/s|broken|failed|p99_ms|errors s|downs|moved)" >&2
	done
done

# Python's http.server (HTTP/1.1) on 8081 in n0, n1, n2, on CPU 0
py_servers_up() {
	local n
	for n in 0 1 2; do
		ip netns exec "lab-n$n" taskset -c 0 python3 "$ROOT/tests/e2e/interop/httpd.py" \
			--bind "${LAB_SERVERS[$n]}" --port 8081 --root "$W/www" --protocol HTTP/1.1 &
		PY_PIDS="$PY_PIDS $!"
	done
	for n in 0 1 2; do   # a start may take seconds (a name lookup in the namespace)
		for _ in $(seq 200); do
			ip netns exec "lab-n$n" ss -Hltn "sport = :8081" | grep -q . && continue 2
			sleep 0.1
		done
		return 1
	done
}

# no server fails: ab (HTTP/1.0, a new connection per request) through each
# TCP balancer to Python's http.server (HTTP/1.1) on 8081 in n0, n1, n2; a
# server taken down or a request moved is a false fail-over
case " $PHASES " in *" steady "*) STEADY_ON=1 ;; *) STEADY_ON=0 ;; esac
mkdir -p "$W/www"
head -c 600 /dev/zero | tr '\0' x >"$W/www/index.html"
echo ok >"$W/www/health"
for p in $PEERS; do
	[ "$STEADY_ON" = 1 ] || break
	[ "$p" != direct ] || continue
	SRV_PORT=8081
	if ! fresh_lab || ! py_servers_up; then
		echo "$p: could not start the lab" >&2
		peer_stop
		continue
	fi
	if ! peer_start "$p" tcp; then
		echo "$p: could not start" >&2
		peer_stop
		continue
	fi
	ip netns exec lab-client taskset -c 0 timeout $((SECS + 30)) ab -q -c "$CLIENTS" -t "$SECS" \
		-n 10000000 -s 5 "http://$LAB_VIP/index.html" >"$W/ab.txt" 2>&1
	case $p in haproxy-*) did=$(acted "$p" tcp) ;; esac
	peer_stop
	case $p in netchestra) did=$(acted "$p" tcp) ;; esac
	cp "$W/ab.txt" "$OUT/steady-$p.ab.txt"
	# an ab stopped by its 5 s timeout (a request that hangs) says so
	STEADY[$p]="$(awk '/^Requests per second:/ { r = int($4) }
		/^Complete requests:/ { c = $3 } /^Failed requests:/ { f = $3 }
		/^Non-2xx responses:/ { x = $3 } / 99% / { p = $2 }
		/^Total of [0-9]+ requests completed/ { c = $3; hung = 1 }
		END { printf "%s %s %s %d", (r == "" ? "-" : r), (hung ? "hung" : f + x), (p == "" ? "-" : p), c }' \
		"$W/ab.txt") $did"
	echo "steady $p: ${STEADY[$p]} (req/s failed p99_ms completed downs moved)" >&2
done

echo
if [ -n "$PROTOS" ]; then
	echo "n1 killed at $FAIL_AT s (errors s: seconds in which requests failed, first..last counted from the kill,"
	echo "+0 the second that ends at it; downs: servers the balancer took down; moved: requests it sent to another"
	echo "server)"
	printf '%-6s %-14s %8s %8s %8s %9s %-13s %6s %6s\n' proto balancer "req/s" broken failed "p99 ms" \
		"errors s" downs moved
	for proto in $PROTOS; do
		for p in $PEERS; do
			[ -n "${ROW[$proto,$p]:-}" ] || continue
			IFS='|' read -r rps broken failed p99 cost downs moved <<<"${ROW[$proto,$p]}"
			printf '%-6s %-14s %8s %8s %8s %9s %-13s %6s %6s\n' "$proto" "$p" "$rps" "$broken" \
				"$failed" "$p99" "$cost" "$downs" "$moved"
		done
	done
fi
if [ "$STEADY_ON" = 1 ]; then
	echo
	echo "no server failing, ab (HTTP/1.0) to Python's http.server (HTTP/1.1): false fail-overs are downs"
	echo "and moved above 0; failed \"hung\": ab stopped at a request unanswered for 5 s"
	printf '%-14s %8s %8s %8s %10s %6s %6s\n' balancer "req/s" failed "p99 ms" completed downs moved
	for p in $PEERS; do
		[ -n "${STEADY[$p]:-}" ] || continue
		read -r rps failed p99 completed downs moved <<<"${STEADY[$p]}"
		printf '%-14s %8s %8s %8s %10s %6s %6s\n' "$p" "$rps" "$failed" "$p99" "$completed" "$downs" "$moved"
	done
fi
