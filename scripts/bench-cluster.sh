#!/usr/bin/env bash
# Several dispatchers behind the cluster lab's router (scripts/lab.sh up
# --dispatchers 3: lab-rtr learns the VIP 10.202.0.1 by BGP from each dispatcher
# and spreads flows over them by a Linux multipath route with the L4 hash), beside
# HAProxy behind the same router, one after the other on a fresh lab each:
#   netchestra  the appliance in lab-d0, lab-d1, lab-d2 as `lab.sh dispatcher start`
#               runs it (config/cluster/dK.json: maglev with persistence, lcores 0-1,
#               BGP and BFD 100 ms x 3 through its exception interface)
#   haproxy     HAProxy 2.6 mode tcp on the kernel of lab-d0 and lab-d1 (`lab.sh peer
#               haproxy start`: one thread, balance source with consistent hashing,
#               HTTP checks), announced by the same BIRD configuration (BFD on), with
#               the usual health-check loop behind BGP (scripts/vip-healthcheck.sh,
#               exabgp-healthcheck style): every 200 ms, the VIP is announced while
#               HAProxy listens and withdrawn at the first check that finds it gone
# The load: nc-client in lab-client against 10.202.0.1:80, C clients bound to C
# client addresses (so that the L4 hash spreads them), TCP with a new connection per
# request (5-request transactions) and keep-alive (one connection per 50-request
# transaction), 2 s limit per request; every answer checked (server, request sum).
# Part "throughput": requests/s, p99 latency, broken transactions and each
# instance's share of the frames lab-rtr sent them, through 1, 2 and 3 dispatchers
# (1 still behind lab-rtr, the same path) and 1 and 2 HAProxy instances.
# Part "failure": 2 instances under that load, instance 1 killed at --kill-at s
# (`lab.sh dispatcher kill 1`: SIGKILL to the appliance, its BIRD stays up; `lab.sh
# peer haproxy kill 1`: SIGKILL to HAProxy, its watcher and BIRD stay up): requests
# failed by kind (connect, timeout, reset, bad answer), broken transactions, the
# seconds in which requests failed, and the time from the SIGKILL (lab.sh prints it)
# until lab-rtr's route to the VIP lost its nexthop (polled every 20 ms).
# Nothing is asserted on time: the machine's CPUs are shared by every instance,
# BIRD, the clients and the servers. Results (client JSON, per-second lines, logs)
# also go to bench-out/cluster/. Tables at the end.
#
# As root (sudo where it is installed); the lab is shared: under its lock,
#   flock -o /run/netchestra-lab.lock scripts/bench-cluster.sh [--seconds 10]
#        [--fail-seconds 20] [--kill-at 5] [--clients 8] [--modes "close keepalive"]
#        [--parts "throughput failure"] [--peers "netchestra haproxy"]
# (--seconds: each throughput point; about 5 min in all with the defaults, under
# 2 min with --seconds 3 --fail-seconds 8 --kill-at 3). It leaves the lab down.
# flock -o: the daemons a lab command leaves running (BIRD, nc-backend) must not
# inherit the lock's descriptor, or the lock stays held after the command ends.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
SECS=10
FAIL_SECS=20
KILL_AT=5
CLIENTS=8
MODES="close keepalive"
PARTS="throughput failure"
PEERS="netchestra haproxy"
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) SECS=${2:?}; shift ;;
	--fail-seconds) FAIL_SECS=${2:?}; shift ;;
	--kill-at) KILL_AT=${2:?}; shift ;;
	--clients) CLIENTS=${2:?}; shift ;;
	--modes) MODES=${2:?}; shift ;;
	--parts) PARTS=${2:?}; shift ;;
	--peers) PEERS=${2:?}; shift ;;
	-h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "bench-cluster: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
[[ $SECS =~ ^[1-9][0-9]*$ && $FAIL_SECS =~ ^[1-9][0-9]*$ && $KILL_AT =~ ^[1-9][0-9]*$ ]] ||
	{ echo "bench-cluster: --seconds, --fail-seconds and --kill-at want whole seconds > 0" >&2; exit 2; }
[ "$KILL_AT" -lt "$FAIL_SECS" ] || { echo "bench-cluster: --kill-at must come before --fail-seconds" >&2; exit 2; }
[[ $CLIENTS =~ ^[1-9][0-9]*$ ]] || { echo "bench-cluster: --clients wants N > 0" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench-cluster: run as root (sudo where it is installed): it creates network namespaces" >&2; exit 1; }
cd "$ROOT" || exit 1
scripts/deps.sh --peers || exit 1
{ [ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null; } && ninja -C "$BUILD" >/dev/null || exit 1
scripts/hugepages.sh 512 >/dev/null || true
export BUILD
LAB=$ROOT/scripts/lab.sh
STATE=/run/netchestra-lab
NC_CLIENT=$BUILD/tests/tools/nc-client
VIP=10.202.0.1
ADDRS=(10.200.0.10 10.200.0.11 10.200.0.12 10.200.0.13 10.200.0.14 10.200.0.15 10.200.0.16 10.200.0.17)
SRC=$(IFS=,; echo "${ADDRS[*]:0:$CLIENTS}")
OUT=$ROOT/bench-out/cluster
W=$(mktemp -d /tmp/nc-bench-cluster.XXXXXX)
mkdir -p "$OUT"
front_ip() { echo "10.203.0.$((2 + $1))"; }

cleanup() {
	"$LAB" down >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fresh_lab() {   # a new cluster lab of 3: no TIME_WAIT, conntrack or affinity left from a run
	"$LAB" down >/dev/null 2>&1
	"$LAB" up --dispatchers 3 >"$W/up.log" 2>&1 || { cat "$W/up.log" >&2; return 1; }
}

inst_start() {   # inst_start <peer> <K>: instance K of <peer>, announced through lab-rtr
	local cmd
	case $1 in
	netchestra) cmd=(dispatcher start "$2") ;;
	haproxy) cmd=(peer haproxy start "$2") ;;
	esac
	"$LAB" "${cmd[@]}" >"$W/start.log" 2>&1 || { echo "bench-cluster: lab.sh ${cmd[*]} failed:" >&2; cat "$W/start.log" >&2; return 1; }
}

inst_kill() {   # inst_kill <peer> <K>
	case $1 in
	netchestra) "$LAB" dispatcher kill "$2" ;;
	haproxy) "$LAB" peer haproxy kill "$2" ;;
	esac
}

# frames <K>: frames the switch has sent towards instance K (lab-rtr's share of the
# flows to it, plus a few of BGP, BFD and ARP)
frames() {
	ip -n lab-sw -s -j link show "sw-d$1-p0" 2>/dev/null | jq '.[0].stats64.tx.packets // 0' 2>/dev/null || echo 0
}

# client <mode> <seconds> <json out> [live file]: the load, in lab-client
client() {
	local k=5 live=()
	[ "$1" = keepalive ] && k=50
	[ $# -lt 4 ] || live=(--live "$4")
	ip netns exec lab-client "$NC_CLIENT" --json --quiet --target "$VIP:80" --proto tcp --mode "$1" \
		-c "$CLIENTS" -k "$k" --duration "$2" --timeout-ms 2000 --source "$SRC" "${live[@]}" >"$3" 2>/dev/null
}

save_logs() {   # save_logs <name>: the lab's logs of this run to bench-out/cluster
	local f
	for f in "$STATE"/d?.log "$STATE"/d?.bird.log "$STATE"/d?.haproxy.log "$STATE"/d?.watch.log "$STATE"/rtr.bird.log; do
		[ -f "$f" ] && cp "$f" "$OUT/$1.$(basename "$f")"
	done
}

host="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs"
echo "== $(date -u +%Y-%m-%d) on $host; $CLIENTS clients from $CLIENTS addresses, $SECS s per throughput point," \
	"failure runs $FAIL_SECS s with instance 1 killed at $KILL_AT s"

# ---- throughput --------------------------------------------------------------
declare -A TP
tp_point() {   # tp_point <peer> <instances> <mode>
	local p=$1 n=$2 m=$3 k before=() share="" f
	client "$m" 1 "$W/warm.json"   # ARP, BGP-learnt route in use, caches
	for ((k = 0; k < n; k++)); do before[k]=$(frames "$k"); done
	client "$m" "$SECS" "$W/r.json"
	for ((k = 0; k < n; k++)); do
		f=$(($(frames "$k") - before[k]))
		share="$share${share:+ }$f"
	done
	share=$(awk '{ t = 0; for (i = 1; i <= NF; i++) t += $i; s = "";
		for (i = 1; i <= NF; i++) s = s (i > 1 ? "/" : "") (t ? int(100 * $i / t + 0.5) : 0); print s }' <<<"$share")
	cp "$W/r.json" "$OUT/throughput-$p-$n-$m.json"
	TP[$p,$n,$m]=$(jq -r --arg s "$share" '"\(.rps | floor) \(.p99_ms | . * 100 | round / 100) \(.broken) \($s)"' "$W/r.json" 2>/dev/null ||
		echo "- - - -")
	echo "throughput $p x$n $m: ${TP[$p,$n,$m]} (req/s p99_ms broken share%)" >&2
}

if [[ " $PARTS " == *" throughput "* ]]; then
	for p in $PEERS; do
		case $p in netchestra) max=3 ;; haproxy) max=2 ;; *) echo "bench-cluster: unknown peer $p" >&2; continue ;; esac
		fresh_lab || continue
		for ((n = 1; n <= max; n++)); do
			inst_start "$p" $((n - 1)) || break
			for m in $MODES; do tp_point "$p" "$n" "$m"; done
		done
		save_logs "throughput-$p"
	done
fi

# ---- failure -----------------------------------------------------------------
# route_watch <hop> <out>: polls lab-rtr's route to the VIP every 20 ms (and the
# time an `ip` takes) until it has no nexthop <hop> (30 s at most); writes
# "<route lost> <polls> <span>" (epoch seconds of the first poll that saw <hop> gone,
# "-" if none did; polls made; seconds they took)
route_watch() {
	local hop=$1 gone=- now r t0=$EPOCHREALTIME polls=0
	while [ "$gone" = - ]; do
		now=$EPOCHREALTIME
		polls=$((polls + 1))
		r=$(ip -n lab-rtr route show "$VIP" 2>/dev/null)
		[[ $r == *"via $hop "* ]] || gone=$now
		awk -v a="$t0" -v b="$now" 'BEGIN { exit !(b - a > 30) }' && break
		sleep 0.02
	done
	echo "$gone $polls $(awk -v a="$t0" -v b="$now" 'BEGIN { print b - a }')" >"$2"
}

declare -A FL
POLL_MS=""
fail_run() {   # fail_run <peer> <mode>
	local p=$1 m=$2 cpid wpid hop t_start dead gone polls span wd err_s ms
	fresh_lab || return 1
	inst_start "$p" 0 || return 1
	inst_start "$p" 1 || return 1
	hop=$(front_ip 1)
	client "$m" 1 "$W/warm.json"
	rm -f "$W/live.jsonl" "$W/watch"
	t_start=$EPOCHREALTIME
	client "$m" "$FAIL_SECS" "$W/r.json" "$W/live.jsonl" &
	cpid=$!
	sleep $((KILL_AT - 1))
	route_watch "$hop" "$W/watch" &
	wpid=$!
	sleep 1
	inst_kill "$p" 1 >"$W/kill.log" 2>&1 || cat "$W/kill.log" >&2
	wait "$wpid"
	wait "$cpid"
	read -r gone polls span <"$W/watch"
	# the kill: lab.sh prints when it sent SIGKILL (ms since the epoch)
	dead=$(sed -n 's/.*SIGKILL at \([0-9]*\) ms.*/\1/p' "$W/kill.log" | awk '{ printf "%.3f", $1 / 1000 }')
	[ -n "$dead" ] || dead=-
	# ms from the kill to the route without its hop; the polls' mean interval
	wd=$(awk -v d="$dead" -v g="$gone" 'BEGIN { if (d == "-" || g == "-") print "-"; else printf "%d", (g - d) * 1000 }')
	ms=$(awk -v p="$polls" -v s="$span" 'BEGIN { printf "%d", (p > 1 ? s * 1000 / (p - 1) : 0) }')
	POLL_MS="$POLL_MS $ms"
	# seconds of the run (after the kill) in which requests failed: "count (first..last)"
	err_s=$(jq -rs --argjson k "$(awk -v d="$dead" -v s="$t_start" 'BEGIN { printf "%.3f", (d == "-" ? 0 : d - s) }')" '
		[foreach .[] as $l ({p: 0, t: null}; {p: $l.failed, t: (if $l.failed > .p then $l.t else null end)}; .t)
		 | select(. != null) | . - $k | ceil] |
		if length == 0 then "0" else "\(length) (+\(min)..+\(max))" end' "$W/live.jsonl" 2>/dev/null || echo "?")
	cp "$W/r.json" "$OUT/failure-$p-$m.json"
	cp "$W/live.jsonl" "$OUT/failure-$p-$m.live.jsonl"
	save_logs "failure-$p-$m"
	FL[$p,$m]=$(jq -r --arg w "$wd" --arg e "$err_s" '"\(.rps | floor)|\(.p99_ms | . * 100 | round / 100)|\(.broken)|\(.failed)|\(.errors.connect)|\(.errors.timeout)|\(.errors.reset)|\(.errors.bad)|\($e)|\($w)"' "$W/r.json" 2>/dev/null ||
		echo "-|-|-|-|-|-|-|-|-|$wd")
	echo "failure $p $m: ${FL[$p,$m]} (req/s|p99_ms|broken|failed|connect|timeout|reset|bad|error s|withdrawn ms; polls every ~$ms ms)" >&2
}

if [[ " $PARTS " == *" failure "* ]]; then
	for p in $PEERS; do
		case $p in netchestra|haproxy) ;; *) continue ;; esac
		for m in $MODES; do
			fail_run "$p" "$m" || echo "bench-cluster: failure $p $m: could not run" >&2
		done
	done
fi
"$LAB" down >/dev/null 2>&1

# ---- tables --------------------------------------------------------------------
if [[ " $PARTS " == *" throughput "* ]]; then
	echo
	echo "== throughput through lab-rtr: requests/s, p99 ms, broken transactions, share of frames per instance (%)"
	echo "   ($CLIENTS clients from $CLIENTS addresses, $SECS s per point; close: a connection per request, 5-request"
	echo "   transactions; keepalive: a connection per 50-request transaction)"
	printf '%-11s %-9s %-10s %8s %8s %7s %9s\n' balancer instances mode "req/s" "p99 ms" broken share
	for p in $PEERS; do
		for n in 1 2 3; do
			for m in $MODES; do
				[ -n "${TP[$p,$n,$m]:-}" ] || continue
				read -r rps p99 broken share <<<"${TP[$p,$n,$m]}"
				printf '%-11s %-9s %-10s %8s %8s %7s %9s\n' "$p" "$n" "$m" "$rps" "$p99" "$broken" "$share"
			done
		done
	done
fi
if [[ " $PARTS " == *" failure "* ]]; then
	echo
	echo "== failure: 2 instances, instance 1 killed (SIGKILL) at $KILL_AT s of $FAIL_SECS s; failed requests by kind;"
	echo "   error s: seconds with failed requests (first..last, counted from the kill); withdrawn: ms from the"
	echo "   SIGKILL (as lab.sh printed it) to lab-rtr's route without its nexthop (polls every 20 ms took"
	echo "   ${POLL_MS# } ms apart on average, run by run: the resolution of that column)"
	printf '%-11s %-10s %7s %7s %7s %7s %8s %8s %6s %4s %-14s %10s\n' balancer mode "req/s" "p99 ms" broken failed \
		connect timeout reset bad "error s" "withdrawn"
	for p in $PEERS; do
		for m in $MODES; do
			[ -n "${FL[$p,$m]:-}" ] || continue
			IFS='|' read -r rps p99 broken failed con tmo rst bad errs wd <<<"${FL[$p,$m]}"
			printf '%-11s %-10s %7s %7s %7s %7s %8s %8s %6s %4s %-14s %10s\n' "$p" "$m" "$rps" "$p99" "$broken" \
				"$failed" "$con" "$tmo" "$rst" "$bad" "$errs" "$wd ms"
		done
	done
fi
