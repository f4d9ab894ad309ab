#!/usr/bin/env bash
# Several dispatchers behind the cluster lab's router (scripts/lab.sh up
# --dispatchers 3: lab-rtr learns the VIP 10.202.0.1 by BGP from each dispatcher
# and spreads flows over them by a Linux multipath route with the L4 hash), beside
# HAProxy behind the same router, one after the other on a fresh lab each:
#   netchestra  the appliance in lab-d0, lab-d1, lab-d2 as `lab.sh dispatcher start`
#               runs it (config/cluster/dK.json: maglev with persistence, lcores 0-1,
#               BGP and BFD 100 ms x 3 through its exception interface, the cluster
#               channel with flow and transaction sync on, its default)
#   netchestra-nosync  the same with `"sync": false` in the cluster section (failure
#               part only)
#   haproxy     HAProxy 2.6 mode tcp on the kernel of lab-d0 and lab-d1 (`lab.sh peer
#               haproxy start`: one thread, balance source with consistent hashing,
#               HTTP checks), announced by the same BIRD configuration (BFD on), with
#               the usual health-check loop behind BGP (scripts/vip-healthcheck.sh,
#               exabgp-healthcheck style): every 200 ms, the VIP is announced while
#               HAProxy listens and withdrawn at the first check that finds it gone
#   haproxy-peers  the same HAProxy with its state shared the way HAProxy shares it: a
#               `peers` section joining the two instances over the back segment
#               (10.201.0.201-202:10000) and a stick table on the client address
#               (`stick on src`, 60 s like the appliance's persistence) synchronised
#               between them; first choice roundrobin, so that a client's server comes
#               from that shared table and not from a hash both compute alike (failure
#               part only). The run checks that it works: before the kill both
#               instances' tables must hold the same server for every client address
#               (a line under the tables: "in sync" or "peers not in sync"). What HAProxy
#               synchronises is that table, not connections: a connection open on the
#               killed instance dies with it, sync or not.
# The load: nc-client in lab-client against 10.202.0.1:80, C clients bound to C
# client addresses (so that the L4 hash spreads them), TCP with a new connection per
# request (5-request transactions) and keep-alive (one connection per 50-request
# transaction), 2 s limit per request; every answer checked (server, request sum).
# Part "throughput": requests/s, p99 latency, broken transactions and each
# instance's share of the frames lab-rtr sent them, through 1, 2 and 3 dispatchers
# (1 still behind lab-rtr, the same path) and 1 and 2 HAProxy instances
# (config/cluster/dK.json as it is, netchestra and haproxy only).
# Part "failure": 2 instances under that load, instance 1 killed at --kill-at s
# (`lab.sh dispatcher kill 1`: SIGKILL to the appliance, its BIRD stays up; `lab.sh
# peer haproxy kill 1`: SIGKILL to HAProxy, its watcher and BIRD stay up): requests
# failed by kind (connect, timeout, reset, bad answer), broken transactions, the
# seconds in which requests failed (their count, and the first and last counted from
# the kill), requests/s over the run and before and after the kill, and the time from
# the SIGKILL (lab.sh prints it) until lab-rtr's route to the VIP lost its nexthop
# (polled every 20 ms). The appliance runs there as a user would run it: both of its
# runs (netchestra, netchestra-nosync) start from a jq variant of config/cluster/dK.json
# (`lab.sh dispatcher start K --config`) with the transaction fail-safe on for both
# services (response limit 1 s, 2 replays, 65536 entries, protocol auto, replay all,
# 4096 KB held per connection; the cluster configurations have it off),
# cluster.sync true or false, and a cluster of the two that run: d2, which the part
# never starts, is left out of cluster.peers. (Listed but absent, it costs the live
# pair their channel with sync on: 2026-12-02, 8 s of keep-alive load on d0 and d1
# with config/cluster as it is, no kill, gave in two runs 1 and 3 peers declared dead
# while alive, 1 and 2 steps back to resync, 7 and 12 broken transactions and 136-340
# datagrams the kernel refused per dispatcher, against none of those with d2 left out
# or with sync off; README, "Several dispatchers". The throughput part meets it with one
# or two dispatchers running.) For both, the dispatchers' sync figures (GET
# /api/v1/cluster) before the kill and the survivor's after the run are printed too.
# Nothing is asserted on time: the machine's CPUs are shared by every instance,
# BIRD, the clients and the servers. Results (client JSON, per-second lines, logs,
# the startup files and HAProxy configurations used, the sync figures) also go to
# bench-out/cluster/. Tables at the end.
#
# As root (sudo where it is installed); the lab is shared: under its lock,
#   flock -o /run/netchestra-lab.lock scripts/bench-cluster.sh [--seconds 10]
#        [--fail-seconds 20] [--kill-at 5] [--clients 8] [--modes "close keepalive"]
#        [--parts "throughput failure"] [--runs 1]
#        [--peers "netchestra netchestra-nosync haproxy haproxy-peers"]
# (--runs: failure runs of each balancer and mode, the balancers taking turns: on
# this shared machine one run cannot tell a 10% difference in requests/s from noise;
# --seconds: each throughput point; about 8 min in all with the defaults, under
# 4 min with --seconds 3 --fail-seconds 8 --kill-at 3). It leaves the lab down.
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
PEERS="netchestra netchestra-nosync haproxy haproxy-peers"
RUNS=1
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) SECS=${2:?}; shift ;;
	--fail-seconds) FAIL_SECS=${2:?}; shift ;;
	--kill-at) KILL_AT=${2:?}; shift ;;
	--clients) CLIENTS=${2:?}; shift ;;
	--modes) MODES=${2:?}; shift ;;
	--parts) PARTS=${2:?}; shift ;;
	--peers) PEERS=${2:?}; shift ;;
	--runs) RUNS=${2:?}; shift ;;
	-h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "bench-cluster: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
[[ $SECS =~ ^[1-9][0-9]*$ && $FAIL_SECS =~ ^[1-9][0-9]*$ && $KILL_AT =~ ^[1-9][0-9]*$ ]] ||
	{ echo "bench-cluster: --seconds, --fail-seconds and --kill-at want whole seconds > 0" >&2; exit 2; }
[ "$KILL_AT" -lt "$FAIL_SECS" ] || { echo "bench-cluster: --kill-at must come before --fail-seconds" >&2; exit 2; }
[[ $CLIENTS =~ ^[1-9][0-9]*$ ]] || { echo "bench-cluster: --clients wants N > 0" >&2; exit 2; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "bench-cluster: --runs wants N > 0" >&2; exit 2; }
for p in $PEERS; do
	case $p in netchestra|netchestra-nosync|haproxy|haproxy-peers) ;;
	*) echo "bench-cluster: unknown peer $p (netchestra netchestra-nosync haproxy haproxy-peers)" >&2; exit 2 ;;
	esac
done
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
CTL=$BUILD/app/netchestra-ctl
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

# nc_variant <sync true|false> <K> <out>: config/cluster/dK.json with cluster.sync, the
# fail-safe on for every service, and as peers only the other of the two instances the
# failure part runs, dispatcher 2 left out (its relative paths made absolute: the copy
# lives elsewhere)
nc_variant() {
	jq --argjson sync "$1" --arg dir "$ROOT/config/cluster" '
		def abs: if startswith("/") then . else "\($dir)/\(.)" end;
		.cluster.sync = $sync |
		.cluster.peers |= map(select((.address? // .) as $a | ["10.201.0.201", "10.201.0.202"] | index($a))) |
		.cluster.secret_file |= abs | .management.token_file |= abs |
		.services[].failsafe = { enabled: true, response_timeout_ms: 1000, max_replays: 2,
			store_size: 65536, protocol: "auto", replay: "all", hold_limit_kb: 4096 }' \
		"$ROOT/config/cluster/d$2.json" >"$3"
}

# haproxy_peers_cfg <K>: lab-peer.sh's HAProxy with a stick table on the client address
# synchronised between d0 and d1 by a peers section over the back segment
haproxy_peers_cfg() {
	local k=$1 i
	cat <<-EOF
	# bench-cluster.sh haproxy-peers, instance $k
	global
	    nbthread 1
	    maxconn 8000
	    stats socket $STATE/d$k.haproxy.sock mode 600 level admin
	    localpeer d$k
	peers lab
	    peer d0 10.201.0.201:10000
	    peer d1 10.201.0.202:10000
	defaults
	    mode tcp
	    timeout connect 2s
	    timeout client 30s
	    timeout server 30s
	frontend web
	    bind $VIP:80
	    default_backend servers
	backend servers
	    # the server of a client: the first from roundrobin, then the shared table's
	    balance roundrobin
	    stick-table type ip size 100k expire 60s peers lab
	    stick on src
	    option httpchk GET /health
	EOF
	for i in 0 1 2; do
		echo "    server n$i 10.201.0.$((11 + i)):8080 check inter 2s fall 3 rise 2"
	done
}

# inst_start <peer> <K> [as-is]: instance K of <peer>, announced through lab-rtr;
# as-is: netchestra from config/cluster/dK.json and haproxy from lab-peer.sh's own
# configuration, unchanged (the throughput part)
inst_start() {
	local cmd=()
	case $1/${3:-} in
	netchestra/as-is) cmd=(dispatcher start "$2") ;;
	haproxy*/as-is) cmd=(peer haproxy start "$2") ;;
	netchestra/*) nc_variant true "$2" "$W/$1.d$2.json" && cmd=(dispatcher start "$2" --config "$W/$1.d$2.json") ;;
	netchestra-nosync/*) nc_variant false "$2" "$W/$1.d$2.json" && cmd=(dispatcher start "$2" --config "$W/$1.d$2.json") ;;
	haproxy/*) cmd=(peer haproxy start "$2") ;;
	haproxy-peers/*) haproxy_peers_cfg "$2" >"$W/$1.d$2.cfg" && cmd=(peer haproxy start "$2" --config "$W/$1.d$2.cfg") ;;
	esac
	[ ${#cmd[@]} -gt 0 ] || { echo "bench-cluster: cannot write the startup file of $1 $2" >&2; return 1; }
	"$LAB" "${cmd[@]}" >"$W/start.log" 2>&1 || { echo "bench-cluster: lab.sh ${cmd[*]} failed:" >&2; cat "$W/start.log" >&2; return 1; }
}

inst_kill() {   # inst_kill <peer> <K>
	case $1 in
	netchestra*) "$LAB" dispatcher kill "$2" ;;
	haproxy*) "$LAB" peer haproxy kill "$2" ;;
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
		case $p in netchestra) max=3 ;; haproxy) max=2 ;; *) continue ;; esac   # the others: failure part only
		fresh_lab || continue
		for ((n = 1; n <= max; n++)); do
			inst_start "$p" $((n - 1)) as-is || break
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

# sync_get <K> <out>: dispatcher K's GET /api/v1/cluster (its sync figures), "{}" if
# it does not answer
sync_get() {
	ip netns exec "lab-d$1" timeout 5 "$CTL" --json cluster >"$2" 2>/dev/null || echo '{}' >"$2"
}

# hap_cmd <K> <command>: a command on instance K's HAProxy stats socket
hap_cmd() {
	echo "$2" | socat -t 2 stdio "unix-connect:$STATE/d$1.haproxy.sock" 2>/dev/null
}

# peers_check <out>: are the two HAProxy instances' stick tables one? Writes
# "<d0's session to d1>/<d1's to d0> <client addresses with the same server on both>/<in either>"
peers_check() {
	local k o
	for k in 0 1; do
		o=$((1 - k))
		hap_cmd "$k" "show peers" >"$W/peers-d$k.txt"
		hap_cmd "$k" "show table servers" >"$W/table-d$k.txt"
		sed -n "s/.* id=d$o(remote[^ ]* .*last_status=\([A-Z]*\).*/\1/p" "$W/peers-d$k.txt" | head -1 >"$W/peer-st-d$k"
	done
	echo "$(cat "$W/peer-st-d0" 2>/dev/null)/$(cat "$W/peer-st-d1" 2>/dev/null)" \
		"$(awk '{ f = FILENAME == ARGV[1] ? 1 : 2; k = s = ""; for (i = 1; i <= NF; i++) {
				if ($i ~ /^key=/) k = substr($i, 5); if ($i ~ /^server_id=/) s = substr($i, 11) }
			if (k == "") next; seen[k] = 1; srv[f, k] = s }
			END { n = a = 0; for (k in seen) { n++; if (srv[1, k] != "" && srv[1, k] == srv[2, k]) a++ }
			      printf "%d/%d", a, n }' "$W/table-d0.txt" "$W/table-d1.txt")" >"$1"
}

declare -A FL SY
POLL_MS=""
fail_run() {   # fail_run <peer> <mode> <run>
	local p=$1 m=$2 r=$3 n=$1-$2-$3 cpid wpid hop t_start dead gone polls span wd err_s ms koff rates rest total k f
	fresh_lab || return 1
	inst_start "$p" 0 || return 1
	inst_start "$p" 1 || return 1
	hop=$(front_ip 1)
	client "$m" 1 "$W/warm.json"
	rm -f "$W/live.jsonl" "$W/watch" "$W"/sync-*.json "$W/peers"
	t_start=$EPOCHREALTIME
	client "$m" "$FAIL_SECS" "$W/r.json" "$W/live.jsonl" &
	cpid=$!
	sleep $((KILL_AT - 1))
	route_watch "$hop" "$W/watch" &
	wpid=$!
	# the state shared before the kill: each dispatcher's sync figures, or whether the
	# HAProxy instances' stick tables agree; then the kill on time
	case $p in
	netchestra*) for k in 0 1; do sync_get "$k" "$W/sync-before-d$k.json"; done ;;
	haproxy-peers) peers_check "$W/peers" ;;
	esac
	rest=$(awk -v s="$t_start" -v k="$KILL_AT" -v n="$EPOCHREALTIME" 'BEGIN { r = s + k - n; printf "%.3f", (r > 0 ? r : 0) }')
	sleep "$rest"
	inst_kill "$p" 1 >"$W/kill.log" 2>&1 || cat "$W/kill.log" >&2
	wait "$wpid"
	wait "$cpid"
	case $p in netchestra*) sync_get 0 "$W/sync-after-d0.json" ;; esac
	read -r gone polls span <"$W/watch"
	# the kill: lab.sh prints when it sent SIGKILL (ms since the epoch)
	dead=$(sed -n 's/.*SIGKILL at \([0-9]*\) ms.*/\1/p' "$W/kill.log" | awk '{ printf "%.3f", $1 / 1000 }')
	[ -n "$dead" ] || dead=-
	# ms from the kill to the route without its hop; the polls' mean interval
	# ("<": gone at the first poll, a second before the kill: it left earlier still)
	wd=$(awk -v d="$dead" -v g="$gone" -v p="$polls" 'BEGIN { if (d == "-" || g == "-") print "-";
		else printf "%s%d", (p == 1 ? "<" : ""), (g - d) * 1000 }')
	ms=$(awk -v p="$polls" -v s="$span" 'BEGIN { printf "%d", (p > 1 ? s * 1000 / (p - 1) : 0) }')
	[ "$polls" -le 1 ] || POLL_MS="$POLL_MS $ms"
	# the kill in the client's time (its --live lines count from its start)
	koff=$(awk -v d="$dead" -v s="$t_start" 'BEGIN { printf "%.3f", (d == "-" ? 0 : d - s) }')
	total=$(jq '.failed // 0' "$W/r.json" 2>/dev/null) || total=0
	# the seconds in which requests failed: each --live line is a second and carries the
	# running total of failed requests, so a second with errors is one where that total
	# grew; failures after the last line (requests finishing past --fail-seconds) count
	# as one more second. "count (+first..+last)", seconds counted from the kill (+1:
	# the line whose second holds the kill).
	err_s=$(jq -rs --argjson k "$koff" --argjson total "${total:-0}" '
		[foreach .[] as $l ({p: 0, t: null}; {p: $l.failed, t: (if $l.failed > .p then $l.t else null end)}; .t)
		 | select(. != null) | . - $k | ceil + 0] as $s |
		(if $total > (last.failed // 0) then $s + [((last.t // 0) - $k | ceil) + 1] else $s end) |
		def signed: if . > 0 then "+\(.)" else tostring end;
		if length == 0 then "0" else "\(length) (\(min | signed)..\(max | signed))" end' "$W/live.jsonl" 2>/dev/null || echo "?")
	# requests/s before the kill (from the start) and after it (to the last line)
	rates=$(jq -rs --argjson k "$koff" '
		([.[] | select(.t <= $k)] | last) as $b | last as $e |
		if $b == null or $e == null then "- -"
		else "\($b.ok / $b.t | floor) \(if $e.t > $b.t then (($e.ok - $b.ok) / ($e.t - $b.t) | floor) else "-" end)" end' \
		"$W/live.jsonl" 2>/dev/null || echo "- -")
	cp "$W/r.json" "$OUT/failure-$n.json"
	cp "$W/live.jsonl" "$OUT/failure-$n.live.jsonl"
	for k in 0 1; do
		[ ! -f "$W/$p.d$k.json" ] || cp "$W/$p.d$k.json" "$OUT/failure-$p.d$k.json"
		[ ! -f "$W/$p.d$k.cfg" ] || cp "$W/$p.d$k.cfg" "$OUT/failure-$p.d$k.haproxy.cfg"
	done
	save_logs "failure-$n"
	FL[$p,$m,$r]=$(jq -r --arg w "$wd" --arg e "$err_s" --arg r "$rates" '"\(.rps | floor)|\($r | split(" ") | join("|"))|\(.p99_ms | . * 100 | round / 100)|\(.broken)|\(.failed)|\(.errors.connect)|\(.errors.timeout)|\(.errors.reset)|\(.errors.bad)|\($e)|\($w)"' "$W/r.json" 2>/dev/null ||
		echo "-|-|-|-|-|-|-|-|-|-|-|$wd")
	echo "failure $p $m run $r: ${FL[$p,$m,$r]} (req/s|before|after|p99_ms|broken|failed|connect|timeout|reset|bad|error s|withdrawn ms; polls every ~$ms ms)" >&2
	case $p in
	netchestra*)
		for f in "$W"/sync-*.json; do cp "$f" "$OUT/failure-$n.$(basename "$f")"; done
		# each one's state before the kill; what the survivor did from its start to the
		# run's end (its counters are totals: a takeover before the kill counts too)
		SY[$p,$m,$r]=$(jq -rs '(.[0].sync // {}) as $b0 | (.[1].sync // {}) as $b1 | (.[2].sync // {}) as $a |
			def v($o; $f): if $o | has($f) then $o[$f] | tostring else "-" end;
			[v($b0; "enabled"), "\(v($b0; "synced"))/\(v($b1; "synced"))", "\(v($b0; "replicas"))/\(v($b1; "replicas"))",
			 "\(v($b0; "held"))/\(v($b1; "held"))", v($a; "adopted"), v($a; "adopted_held"), v($a; "redirected"),
			 v($a; "miss_dropped"), v($a; "gaps"), v($a; "stepped_back"),
			 ([($a.holding // [])[] | .address] | if length == 0 then "-" else join(",") end)] | join("|")' \
			"$W/sync-before-d0.json" "$W/sync-before-d1.json" "$W/sync-after-d0.json" 2>/dev/null || echo "-|-|-|-|-|-|-|-|-|-|-")
		echo "failure $p $m run $r sync: ${SY[$p,$m,$r]} (enabled|synced, replicas, held d0/d1 before the kill|adopted|adopted_held|redirected|miss_dropped|gaps|stepped_back|holding, d0 after)" >&2 ;;
	haproxy-peers)
		cp "$W/peers" "$OUT/failure-$n.peers"
		SY[$p,$m,$r]=$(cat "$W/peers" 2>/dev/null || echo "- -")
		echo "failure $p $m run $r peers before the kill: ${SY[$p,$m,$r]} (sessions d0->d1/d1->d0, clients with the same server on both/all)" >&2 ;;
	esac
}

if [[ " $PARTS " == *" failure "* ]]; then
	for ((r = 1; r <= RUNS; r++)); do
		for p in $PEERS; do
			for m in $MODES; do
				fail_run "$p" "$m" "$r" || echo "bench-cluster: failure $p $m run $r: could not run" >&2
			done
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
	echo "== failure: 2 instances, instance 1 killed (SIGKILL) at $KILL_AT s of $FAIL_SECS s, $RUNS run(s) of each (the"
	echo "   balancers in turn). req/s: over the run, before the kill, after it; failed requests by kind; error s:"
	echo "   seconds in which requests failed (first..last, counted from the kill); withdrawn: ms from the SIGKILL"
	echo "   (as lab.sh printed it) to lab-rtr's route without its nexthop, negative if it left before the kill,"
	echo "   \"<\" if it was gone at the first poll, a second before the kill (polls every 20 ms took" \
		"$(tr ' ' '\n' <<<"${POLL_MS# }" | sort -n | sed -n '1h; $ { H; x; s/\n/-/; p }') ms"
	echo "   apart on average, the least and most of a run: the resolution of that column). netchestra: sync on,"
	echo "   netchestra-nosync: off, both with the fail-safe on"
	printf '%-17s %-9s %3s %6s %6s %6s %7s %6s %6s %7s %7s %5s %3s %-13s %9s\n' balancer mode run "req/s" before after \
		"p99 ms" broken failed connect timeout reset bad "error s" withdrawn
	for p in $PEERS; do
		for m in $MODES; do
			for ((r = 1; r <= RUNS; r++)); do
				[ -n "${FL[$p,$m,$r]:-}" ] || continue
				IFS='|' read -r rps rb ra p99 broken failed con tmo rst bad errs wd <<<"${FL[$p,$m,$r]}"
				printf '%-17s %-9s %3s %6s %6s %6s %7s %6s %6s %7s %7s %5s %3s %-13s %9s\n' "$p" "$m" "$r" "$rps" \
					"$rb" "$ra" "$p99" "$broken" "$failed" "$con" "$tmo" "$rst" "$bad" "$errs" "$wd ms"
			done
		done
	done
	hdr=0
	for p in $PEERS; do
		case $p in netchestra*) ;; *) continue ;; esac
		for m in $MODES; do
			for ((r = 1; r <= RUNS; r++)); do
				[ -n "${SY[$p,$m,$r]:-}" ] || continue
				if [ "$hdr" = 0 ]; then
					echo
					echo "== sync (GET /api/v1/cluster), d0/d1 1 s before the kill: synced with its peer, flows held for"
					echo "   the other (replicas), held requests (held); the survivor d0 after the run, totals since its"
					echo "   start: flows and held requests it took over (adopted, adopted_held), packets it sent on to"
					echo "   the peer with the flow (redirected), packets of flows it did not know (miss_dropped), channel"
					echo "   gaps, times it stepped back to resync, and the local addresses it answers for a dead peer"
					printf '%-17s %-9s %3s %-5s %-11s %-11s %-7s %7s %7s %10s %7s %4s %7s %s\n' balancer mode run sync \
						synced replicas held adopted "ad.held" redirected "missed" gaps stepped holding
					hdr=1
				fi
				IFS='|' read -r en syn rep held ad adh red miss gaps back hold <<<"${SY[$p,$m,$r]}"
				printf '%-17s %-9s %3s %-5s %-11s %-11s %-7s %7s %7s %10s %7s %4s %7s %s\n' "$p" "$m" "$r" "$en" "$syn" \
					"$rep" "$held" "$ad" "$adh" "$red" "$miss" "$gaps" "$back" "$hold"
			done
		done
	done
	for m in $MODES; do
		for ((r = 1; r <= RUNS; r++)); do
			[ -n "${SY[haproxy-peers,$m,$r]:-}" ] || continue
			read -r st agree <<<"${SY[haproxy-peers,$m,$r]}"
			ok="in sync"
			[[ $st == ESTA/ESTA && -n $agree && ${agree%/*} == "${agree#*/}" && ${agree#*/} != 0 ]] || ok="peers not in sync"
			echo "haproxy-peers $m run $r, 1 s before the kill: peer sessions d0->d1/d1->d0 $st, clients with the" \
				"same server in both stick tables $agree: $ok"
		done
	done
fi
