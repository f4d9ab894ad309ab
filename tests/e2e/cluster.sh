#!/usr/bin/env bash
# End-to-end test of several dispatchers behind a router (scripts/lab.sh up
# --dispatchers N): each dispatcher's BIRD announces the VIP 10.202.0.1 by BGP
# (BFD on) through the appliance's exception interface, and lab-rtr spreads
# flows over them by Linux ECMP with the L4 hash. With 2 dispatchers, then 3:
# every dispatcher's nexthop on lab-rtr's route to the VIP and its BGP and BFD
# sessions up; curl from 6 client addresses and nc-client (TCP with a new
# connection per request, TCP keep-alive, UDP) from the same 6 all answered;
# every dispatcher carried flows (its own API's counters); one dispatcher
# killed (SIGKILL, its BIRD left up): its nexthop leaves lab-rtr's route (the
# time from SIGKILL is printed, not asserted: BFD should make it well under a
# second) and new connections then all succeed through the others. With 2, the
# killed one started again comes back, and a clean stop (SIGTERM) returns with
# its path withdrawn. Then, with 2, IPv6: both dispatchers restarted on
# config/cluster/dK-v6.json (flow sync on, web6 and dns6 on the IPv6 VIP fd00:202::1 over
# the servers' IPv6 addresses, announced as /128 in the same BGP sessions):
# lab-rtr's IPv6 route to it has both dispatchers' fd00:203::(2+K) as nexthops,
# curl -6 and nc-client from fd00:200::10-17 all answered through both, and one
# stopped cleanly: its IPv6 path withdrawn, the clients still answered.
# Usage: tests/e2e/cluster.sh BUILD_DIR
#
# Structure for the checks still to come (maglev persistence across
# dispatchers, drain under load, configuration mismatch, forged messages,
# adaptive weights in a cluster): each check is a function over the running
# dispatchers (DISP, a list of K), called from phase(); add a function and one
# call there. dcfg's jq filter makes per-dispatcher variants of the files.
# CLUSTER_DISPATCHERS="2 3" chooses the phases; CLUSTER_CFG_FILTER is a jq
# filter applied to every dispatcher's startup file (default: none).
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2015 # "check && ok ... || bad ...": ok never fails
E2E_NAME=cluster
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh" "$@"

VIP=10.202.0.1
SOURCES=(10.200.0.10 10.200.0.11 10.200.0.12 10.200.0.13 10.200.0.14 10.200.0.15)
SRC_LIST=$(IFS=,; echo "${SOURCES[*]}")
VIP6=fd00:202::1
SOURCES6=(fd00:200::10 fd00:200::11 fd00:200::12 fd00:200::13 fd00:200::14 fd00:200::15 fd00:200::16 fd00:200::17)
SRC6_LIST=$(IFS=,; echo "${SOURCES6[*]}")
CTL=$BUILD/app/netchestra-ctl
STATE=/run/netchestra-lab
DISP=()
NOBFD=""   # the dispatcher running without BFD, if any
for b in bird birdc jq curl; do command -v "$b" >/dev/null || e2e_give_up "missing $b (scripts/deps.sh)"; done
[ -x "$CTL" ] || e2e_give_up "missing $CTL"

front_ip() { echo "10.203.0.$((2 + $1))"; }
# hops: lab-rtr's nexthops to the VIP, sorted, on one line
hops() {
	ip -n lab-rtr route show "$VIP" | awk '{ for (i = 1; i < NF; i++) if ($i == "via") print $(i + 1) }' |
		sort | tr '\n' ' ' | sed 's/ $//'
}
want_hops() { local k; for k in "$@"; do front_ip "$k"; done | sort | tr '\n' ' ' | sed 's/ $//'; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
rtr() { birdc -s "$STATE/rtr.bird.ctl" "$@"; }

# dcfg <K> <N> [jq filter] [-v6]: dispatcher K's startup file for a lab of N
# dispatchers, in $W: config/cluster/dK.json (dK-v6.json) with its peers cut to
# those present, its token and secret files where the lab made them, then
# CLUSTER_CFG_FILTER and <filter>. Prints its path.
dcfg() {
	local k=$1 n=$2 out=$W/d$1${4:-}.json
	jq --argjson n "$n" --arg root "$ROOT" '
		.management.token_file = "\($root)/config/lab.token" |
		if .cluster then
			.cluster.secret_file = "\($root)/config/cluster/secret" |
			.cluster.peers |= map(select(((.address? // .) | ltrimstr("10.201.0.") |
				ltrimstr("fd00:201::") | tonumber) - 201 < $n))
		else . end |
		'"${CLUSTER_CFG_FILTER:-.}"' | '"${3:-.}" "$ROOT/config/cluster/d$k${4:-}.json" >"$out" || return 1
	echo "$out"
}

# flows <K>: flows dispatcher K has scheduled, all services (its API, in its namespace)
flows() {
	ip netns exec "lab-d$1" "$CTL" --json services 2>/dev/null |
		jq '[.services[].servers[].flows // 0] | add // 0' 2>/dev/null || echo 0
}

start() {   # start <K> <N> [jq filter] [-v6]: lab.sh dispatcher start, a check of its own
	local k=$1 cfg t0
	cfg=$(dcfg "$k" "$2" "${3:-.}" "${4:-}") || { bad "d$k: its startup file"; return 1; }
	t0=$(now_ms)
	if "$LAB" dispatcher start "$k" --config "$cfg" >"$W/start$k.log" 2>&1; then
		ok "d$k started, lab-rtr routes $VIP through $(front_ip "$k") ($(($(now_ms) - t0)) ms)"
	else
		bad "d$k started and announced" "$W/start$k.log"
		return 1
	fi
}

# ---- checks over the running dispatchers (DISP) ----

# check_routes: lab-rtr has one multipath route with a nexthop per dispatcher,
# its BGP sessions established and BFD sessions up (but $NOBFD's)
check_routes() {
	local k i est=0 bfd=0 want_bfd=0
	for k in "${DISP[@]}"; do [ "$k" = "$NOBFD" ] || want_bfd=$((want_bfd + 1)); done
	# a BFD session comes up a moment after the route (its slow start): up to 10 s
	for ((i = 0; i < 100; i++)); do
		est=0 bfd=0
		rtr show protocols >"$W/protocols" 2>&1
		rtr show bfd sessions >"$W/bfd" 2>&1
		for k in "${DISP[@]}"; do
			grep -qE "^d$k +BGP .* up .*Established" "$W/protocols" && est=$((est + 1))
			grep -qE "^$(front_ip "$k" | sed 's/\./\\./g') +eth-disp +Up" "$W/bfd" && bfd=$((bfd + 1))
		done
		[ "$(hops)" = "$(want_hops "${DISP[@]}")" ] && [ "$est" = "${#DISP[@]}" ] && [ "$bfd" = "$want_bfd" ] && break
		sleep 0.1
	done
	if [ "$(hops)" = "$(want_hops "${DISP[@]}")" ] && [ "$est" = "${#DISP[@]}" ] && [ "$bfd" = "$want_bfd" ]; then
		ok "${#DISP[@]} dispatchers: lab-rtr routes $VIP via $(hops); ${est} BGP sessions established, ${bfd} BFD sessions up"
	else
		{ ip -n lab-rtr route show "$VIP"; cat "$W/protocols" "$W/bfd"; } >"$W/why" 2>&1
		bad "${#DISP[@]} dispatchers: nexthops '$(hops)', want '$(want_hops "${DISP[@]}")'; $est established, $bfd BFD up" "$W/why"
	fi
}

# Every request answered correctly and every transaction complete.
clean_run() { jq -e '.requests > 0 and .failed == 0 and .broken == 0 and .ok == .requests' "$1" >/dev/null 2>&1; }

run_client() {   # run_client <name> nc-client args...: bounded, from the 6 addresses, JSON kept
	local name=$1
	shift
	timeout 60 ip netns exec lab-client "$NC_CLIENT" --json --quiet --source "$SRC_LIST" "$@" \
		>"$W/$name.json" 2>"$W/$name.err"
}

check_curl() {   # check_curl <what>: curl (independent of our tools) from each address, a new connection each
	local what=$1 s i n=0 good=0 out
	for s in "${SOURCES[@]}"; do
		for i in 1 2 3; do
			n=$((n + 1))
			out=$(ip netns exec lab-client curl -s --max-time 5 --interface "$s" -w ' %{http_code}' "http://$VIP/") &&
				[[ $out =~ ^n[0-2]\ .*\ 200$ ]] && good=$((good + 1))
		done
	done
	if [ "$good" = "$n" ]; then
		ok "$what: curl from ${#SOURCES[@]} client addresses, $good/$n answered 200 by n0..n2"
	else
		bad "$what: curl from ${#SOURCES[@]} client addresses: $good/$n answered"
	fi
}

check_clients() {   # check_clients <what>: nc-client over TCP (close, keep-alive) and UDP
	local what=$1
	run_client "$what-tcp" --target "$VIP:80" --proto tcp --mode close -c 6 -k 5 --duration 3 --timeout-ms 5000
	clean_run "$W/$what-tcp.json" &&
		ok "$what: nc-client tcp, new connection per request: $(jq -r '"\(.ok) answered of \(.requests), 0 broken"' "$W/$what-tcp.json")" ||
		bad "$what: nc-client tcp close" "$W/$what-tcp.json"
	run_client "$what-ka" --target "$VIP:80" --proto tcp --mode keepalive -c 6 -k 5 --duration 3 --timeout-ms 5000
	clean_run "$W/$what-ka.json" && jq -e '.split_flows == 0' "$W/$what-ka.json" >/dev/null &&
		ok "$what: nc-client tcp keep-alive: $(jq -r '"\(.ok) answered of \(.requests), no connection split"' "$W/$what-ka.json")" ||
		bad "$what: nc-client tcp keep-alive" "$W/$what-ka.json"
	run_client "$what-udp" --target "$VIP:5353" --proto udp --mode close -c 6 -k 5 --duration 3 --timeout-ms 2000
	clean_run "$W/$what-udp.json" &&
		ok "$what: nc-client udp: $(jq -r '"\(.ok) datagrams answered of \(.requests)"' "$W/$what-udp.json")" ||
		bad "$what: nc-client udp" "$W/$what-udp.json"
}

check_spread() {   # every dispatcher carried flows, by its own counters
	local k f line="" idle=0
	for k in "${DISP[@]}"; do
		f=$(flows "$k")
		line="$line d$k $f"
		[ "$f" -gt 0 ] || idle=$((idle + 1))
	done
	[ "$idle" = 0 ] && ok "every dispatcher carried flows (flows per dispatcher:$line)" ||
		bad "every dispatcher carried flows (flows per dispatcher:$line)"
}

# check_persistence: web is maglev with persistence_s, so a client address's
# connections reach one server whichever dispatcher the router's L4 hash sends
# each one through (nothing shared between the dispatchers but the startup file)
check_persistence() {
	local s i out srv before=() after line="" crossed=0 same=0 k
	for k in "${DISP[@]}"; do before[k]=$(flows "$k"); done
	for s in "${SOURCES[@]}"; do
		srv=""
		for i in 1 2 3 4 5 6 7 8; do
			out=$(ip netns exec lab-client curl -s --max-time 5 --interface "$s" "http://$VIP/") || out="error"
			srv+="${out%% *} "
		done
		line+=" $s:$(echo "$srv" | tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ',' | sed 's/,$//')"
		[ "$(echo "$srv" | tr ' ' '\n' | sed '/^$/d' | sort -u | wc -l)" = 1 ] && [[ $srv == n* ]] && same=$((same + 1))
	done
	# the servers' flow counters are published by each dispatcher's control
	# lcore, not at once: read them until both moved, 5 s at most
	for i in $(seq 25); do
		crossed=0
		for k in "${DISP[@]}"; do
			after=$(flows "$k")
			[ "$after" -gt "${before[k]}" ] && crossed=$((crossed + 1))
		done
		[ "$crossed" -ge 2 ] && break
		sleep 0.2
	done
	if [ "$same" = "${#SOURCES[@]}" ] && [ "$crossed" -ge 2 ]; then
		ok "maglev with persistence: each client address on one server over 8 connections through $crossed dispatchers ($line)"
	else
		bad "maglev with persistence: one server per client address across dispatchers ($same of ${#SOURCES[@]} addresses on one server; $crossed dispatchers crossed;$line)"
	fi
}

# cluster_json <K>: dispatcher K's GET /api/v1/cluster
cluster_json() { ip netns exec "lab-d$1" "$CTL" --json cluster 2>/dev/null; }

# check_forged: datagrams to d0's channel port from a server's address on the
# back segment - a short one, and a well-formed header with a wrong HMAC - are
# counted (rx_malformed, rx_bad_auth) and dropped; the peers stay up
check_forged() {
	local b a peers
	b=$(cluster_json 0) || { bad "forged channel messages: d0's cluster view"; return; }
	ip netns exec lab-n3 python3 - "10.201.0.201" 7788 <<'PY'
import socket, struct, sys, os
addr = (sys.argv[1], int(sys.argv[2]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"NCCL\x01", addr)                                   # shorter than a header
payload = struct.pack("!HH", 1, 16) + bytes(16)               # one record
hdr = struct.pack("!IBBBBHHIQQ", 0x4e43434c, 1, 1, 4, 1, len(payload), 0, 0, 1, 10**9)
s.sendto(hdr + payload + os.urandom(32), addr)                # forged: no secret, random HMAC
PY
	sleep 0.5
	a=$(cluster_json 0)
	peers=$(echo "$a" | jq -r '[.peers[] | select(.state == "up")] | length')
	if [ "$(echo "$a" | jq '.channel.rx_malformed')" -gt "$(echo "$b" | jq '.channel.rx_malformed')" ] &&
		[ "$(echo "$a" | jq '.channel.rx_bad_auth')" -gt "$(echo "$b" | jq '.channel.rx_bad_auth')" ] &&
		[ "$peers" = $((${#DISP[@]} - 1)) ]; then
		ok "forged channel messages dropped and counted: rx_malformed $(echo "$b" | jq .channel.rx_malformed) -> $(echo "$a" | jq .channel.rx_malformed), rx_bad_auth $(echo "$b" | jq .channel.rx_bad_auth) -> $(echo "$a" | jq .channel.rx_bad_auth); $peers peer(s) still up"
	else
		echo "$b" >"$W/forged.before"; echo "$a" >"$W/forged.after"
		bad "forged channel messages counted (malformed, bad_auth) and the peers still up ($peers)" "$W/forged.after"
	fi
}

# check_drain_under_load <K>: clients keep running (TCP new connection per
# request, keep-alive, UDP) while dispatcher K stops cleanly: it withdraws,
# the router moves its connections to the others, which send their segments
# on to it while it drains; nothing breaks
check_drain_under_load() {
	local k=$1 i rest=() pids=() ok_all=1 m r0 r1 survivor cgood cn
	for i in "${DISP[@]}"; do [ "$i" = "$k" ] || rest+=("$i"); done
	survivor=${rest[0]}
	r0=$(cluster_json "$survivor" | jq '.redirected')
	run_client "drain-tcp" --target "$VIP:80" --proto tcp --mode close -c 4 -k 5 --duration 6 --timeout-ms 5000 &
	pids+=($!)
	run_client "drain-ka" --target "$VIP:80" --proto tcp --mode keepalive -c 4 -k 20 --think-ms 50 --duration 6 --timeout-ms 5000 &
	pids+=($!)
	run_client "drain-udp" --target "$VIP:5353" --proto udp --mode close -c 4 -k 5 --duration 6 --timeout-ms 2000 &
	pids+=($!)
	# curl too (not ours): a new connection per request from each address, 6 s
	(
		end=$(($(date +%s) + 6)) good=0 n=0
		while [ "$(date +%s)" -lt "$end" ]; do
			for s in "${SOURCES[@]}"; do
				n=$((n + 1))
				out=$(ip netns exec lab-client curl -s --max-time 5 --interface "$s" -w ' %{http_code}' "http://$VIP/") &&
					[[ $out =~ ^n[0-2]\ .*\ 200$ ]] && good=$((good + 1))
			done
		done
		echo "$good $n" >"$W/drain-curl"
	) &
	pids+=($!)
	sleep 2
	"$LAB" dispatcher stop "$k" >"$W/drainstop$k.log" 2>&1 || ok_all=0
	for i in "${pids[@]}"; do wait "$i"; done
	for m in tcp ka udp; do clean_run "$W/drain-$m.json" || ok_all=0; done
	read -r cgood cn <"$W/drain-curl" 2>/dev/null || cgood=0 cn=-1
	[ "$cgood" = "$cn" ] && [ "$cn" -gt 0 ] || ok_all=0
	r1=$(cluster_json "$survivor" | jq '.redirected')
	if [ "$ok_all" = 1 ] && [ "$(hops)" = "$(want_hops "${rest[@]}")" ]; then
		ok "d$k stopped cleanly under load, nothing broken: tcp $(jq -r '"\(.ok)/\(.requests)"' "$W/drain-tcp.json"), keep-alive $(jq -r '"\(.ok)/\(.requests)"' "$W/drain-ka.json"), udp $(jq -r '"\(.ok)/\(.requests)"' "$W/drain-udp.json"), curl $cgood/$cn answered; d$survivor sent $((r1 - r0)) segment(s) of d$k's connections on to it while it drained"
	else
		bad "d$k stopped cleanly under load: every request answered (tcp $(jq -c '{ok,failed,broken}' "$W/drain-tcp.json" 2>/dev/null), ka $(jq -c '{ok,failed,broken}' "$W/drain-ka.json" 2>/dev/null), udp $(jq -c '{ok,failed,broken}' "$W/drain-udp.json" 2>/dev/null), curl $cgood/$cn); hops '$(hops)'" "$W/drainstop$k.log"
	fi
	DISP=("${rest[@]}")
}

# check_mismatch <K> <N>: dispatcher K restarted with web's server n2 at
# another weight: the others show its digest for web as not matching, and log it
check_mismatch() {
	local k=$1 n=$2 cfg j match rest=()
	"$LAB" dispatcher stop "$k" >/dev/null 2>&1
	cfg=$(dcfg "$k" "$n" '(.services[] | select(.name == "web") | .servers[2].weight) |= 30 |
		(.services[] | select(.name == "web") | .servers[0].weight) |= 37') || { bad "d$k: a mismatched startup file"; return; }
	"$LAB" dispatcher start "$k" --config "$cfg" >"$W/mismatch$k.log" 2>&1 || { bad "d$k started with another weight" "$W/mismatch$k.log"; return; }
	for ((j = 0; j < 50; j++)); do
		match=$(cluster_json 0 | jq -r --arg a "10.201.0.$((201 + k))" \
			'.peers[] | select(.address == $a) | .services[] | select(.name == "web") | .digest_match')
		[ "$match" = false ] && break
		sleep 0.1
	done
	if [ "$match" = false ] && grep -q "configuration differs from peer 10.201.0.$((201 + k))" "$STATE/d0.log"; then
		ok "configuration mismatch shown: d0 sees d$k's web digest_match false and logged: $(grep -m1 -o "cluster: service web: configuration differs from peer 10.201.0.$((201 + k))[^']*" "$STATE/d0.log")"
	else
		bad "configuration mismatch shown on d0 for d$k (digest_match '$match')" "$STATE/d0.log"
	fi
	"$LAB" dispatcher stop "$k" >/dev/null 2>&1
	for j in "${DISP[@]}"; do [ "$j" = "$k" ] || rest+=("$j"); done
	DISP=("${rest[@]}")
}

# check_kill <K>: SIGKILL dispatcher K's appliance (its BIRD stays up); its
# nexthop must leave lab-rtr's route; the time from SIGKILL is printed, not asserted
check_kill() {
	local k=$1 how=${2:-BFD} t0 t1 i gone=0 killer rest=()
	for i in "${DISP[@]}"; do [ "$i" = "$k" ] || rest+=("$i"); done
	# watched from before SIGKILL: lab.sh returns only once the process is gone
	"$LAB" dispatcher kill "$k" >"$W/kill$k.log" 2>&1 &
	killer=$!
	for ((i = 0; i < 3000; i++)); do   # 30 s, far beyond a hold time
		if [ "$(hops)" = "$(want_hops "${rest[@]}")" ]; then gone=1; break; fi
		sleep 0.01
	done
	t1=$(now_ms)
	wait "$killer" || { bad "d$k killed" "$W/kill$k.log"; return 1; }
	t0=$(sed -n 's/.*SIGKILL at \([0-9]*\) ms.*/\1/p' "$W/kill$k.log")
	if [ "$gone" = 1 ] && [ -n "$t0" ]; then
		ok "d$k killed (SIGKILL, its BIRD left up; $how): its nexthop left lab-rtr's route $((t1 - t0)) ms later; left: $(hops)"
		echo "d$k SIGKILLed with ${#DISP[@]} dispatchers up ($how): its path withdrawn from lab-rtr $((t1 - t0)) ms later" >>"$W/times"
	else
		bad "d$k killed: its nexthop still on lab-rtr's route after 30 s: $(hops)" "$W/kill$k.log"
	fi
	DISP=("${rest[@]}")
}

# check_stop <K>: a clean stop (SIGTERM): lab.sh waits for it, its path is
# withdrawn; whether that happened while it still drained is printed
check_stop() {
	local k=$1 t0 t1="" i pid while="as it exited" stopper rest=()
	for i in "${DISP[@]}"; do [ "$i" = "$k" ] || rest+=("$i"); done
	pid=$(cat "$STATE/d$k.pid" 2>/dev/null)
	t0=$(now_ms)
	"$LAB" dispatcher stop "$k" >"$W/stop$k.log" 2>&1 &
	stopper=$!
	for ((i = 0; i < 6000; i++)); do   # 60 s: cluster.drain_s is 5
		if [ "$(hops)" = "$(want_hops "${rest[@]}")" ]; then
			t1=$(now_ms)
			! kill -0 "$pid" 2>/dev/null || while="while it drained"
			break
		fi
		sleep 0.01
	done
	if wait "$stopper" && [ -n "$t1" ] && [ "$(hops)" = "$(want_hops "${rest[@]}")" ]; then
		ok "d$k stopped (SIGTERM): its path withdrawn $((t1 - t0)) ms later, $while; $(cat "$W/stop$k.log")"
		echo "d$k stopped with SIGTERM: its path withdrawn from lab-rtr $((t1 - t0)) ms later, $while" >>"$W/times"
	else
		bad "d$k stopped cleanly and withdrawn (hops '$(hops)')" "$W/stop$k.log"
	fi
	DISP=("${rest[@]}")
}

# ---- IPv6 (the dK-v6.json files) ----

hops6() {   # lab-rtr's nexthops to the IPv6 VIP, sorted, on one line
	ip -n lab-rtr -6 route show "$VIP6" | awk '{ for (i = 1; i < NF; i++) if ($i == "via") print $(i + 1) }' |
		sort | tr '\n' ' ' | sed 's/ $//'
}
want_hops6() { local k; for k in "$@"; do echo "fd00:203::$((2 + k))"; done | sort | tr '\n' ' ' | sed 's/ $//'; }
# flows6 <K>: flows dispatcher K has scheduled for web6
flows6() {
	ip netns exec "lab-d$1" "$CTL" --json services 2>/dev/null |
		jq '[.services[] | select(.name == "web6") | .servers[].flows // 0] | add // 0' 2>/dev/null || echo 0
}

check_routes6() {   # lab-rtr's IPv6 route to the VIP: a nexthop per dispatcher (up to 10 s)
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(hops6)" = "$(want_hops6 "${DISP[@]}")" ] && break
		sleep 0.1
	done
	if [ "$(hops6)" = "$(want_hops6 "${DISP[@]}")" ]; then
		ok "IPv6, ${#DISP[@]} dispatcher(s): lab-rtr routes $VIP6 via $(hops6) ($(ip -n lab-rtr -6 route show "$VIP6" | grep -c nexthop) nexthops)"
	else
		ip -n lab-rtr -6 route show "$VIP6" >"$W/why6" 2>&1
		bad "IPv6: lab-rtr's nexthops to $VIP6 '$(hops6)', want '$(want_hops6 "${DISP[@]}")'" "$W/why6"
	fi
}

check_curl6() {   # check_curl6 <what>: curl -6 from each IPv6 client address, a new connection each
	local what=$1 s i n=0 good=0 out
	for s in "${SOURCES6[@]}"; do
		for i in 1 2; do
			n=$((n + 1))
			out=$(ip netns exec lab-client curl -6 -s --max-time 5 --interface "$s" -w ' %{http_code}' "http://[$VIP6]/") &&
				[[ $out =~ ^n[0-2]\ .*\ 200$ ]] && good=$((good + 1))
		done
	done
	if [ "$good" = "$n" ]; then
		ok "$what: curl -6 from ${#SOURCES6[@]} client addresses to [$VIP6]:80, $good/$n answered 200 by n0..n2"
	else
		bad "$what: curl -6 from ${#SOURCES6[@]} client addresses to [$VIP6]:80: $good/$n answered"
	fi
}

check_clients6() {   # check_clients6 <what>: nc-client over TCP (close, keep-alive) to the IPv6 VIP
	local what=$1
	timeout 60 ip netns exec lab-client "$NC_CLIENT" --json --quiet --source "$SRC6_LIST" --target "[$VIP6]:80" \
		--proto tcp --mode close -c 8 -k 5 --duration 3 --timeout-ms 5000 >"$W/$what-tcp6.json" 2>"$W/$what-tcp6.err"
	clean_run "$W/$what-tcp6.json" &&
		ok "$what: nc-client to [$VIP6]:80, new connection per request: $(jq -r '"\(.ok) answered of \(.requests), 0 broken"' "$W/$what-tcp6.json")" ||
		bad "$what: nc-client tcp close to [$VIP6]:80" "$W/$what-tcp6.json"
	timeout 60 ip netns exec lab-client "$NC_CLIENT" --json --quiet --source "$SRC6_LIST" --target "[$VIP6]:80" \
		--proto tcp --mode keepalive -c 8 -k 5 --duration 2 --timeout-ms 5000 >"$W/$what-ka6.json" 2>"$W/$what-ka6.err"
	clean_run "$W/$what-ka6.json" && jq -e '.split_flows == 0' "$W/$what-ka6.json" >/dev/null &&
		ok "$what: nc-client keep-alive to [$VIP6]:80: $(jq -r '"\(.ok) answered of \(.requests), no connection split"' "$W/$what-ka6.json")" ||
		bad "$what: nc-client tcp keep-alive to [$VIP6]:80" "$W/$what-ka6.json"
}

check_spread6() {   # every dispatcher carried web6 flows, by its own counters
	local k f line="" idle=0
	for k in "${DISP[@]}"; do
		f=$(flows6 "$k")
		line="$line d$k $f"
		[ "$f" -gt 0 ] || idle=$((idle + 1))
	done
	[ "$idle" = 0 ] && ok "IPv6: every dispatcher carried web6 flows (flows per dispatcher:$line)" ||
		bad "IPv6: every dispatcher carried web6 flows (flows per dispatcher:$line)"
}

# phase_v6: the lab of 2, its dispatchers restarted on the -v6 files
phase_v6() {
	local k t0 t1="" i pid stopper while="as it exited"
	for k in "${DISP[@]}"; do "$LAB" dispatcher stop "$k" >/dev/null 2>&1; done
	DISP=()
	for k in 0 1; do
		start "$k" 2 . -v6 || return 1
		DISP+=("$k")
	done
	check_routes
	check_routes6
	check_curl6 "IPv6, 2 dispatchers"
	check_clients6 "IPv6, 2 dispatchers"
	check_spread6
	# d0 stopped cleanly: both its paths withdrawn, the IPv6 clients answered through d1
	pid=$(cat "$STATE/d0.pid" 2>/dev/null)
	t0=$(now_ms)
	"$LAB" dispatcher stop 0 >"$W/stop6.log" 2>&1 &
	stopper=$!
	for ((i = 0; i < 6000; i++)); do
		if [ "$(hops6)" = "$(want_hops6 1)" ]; then
			t1=$(now_ms)
			! kill -0 "$pid" 2>/dev/null || while="while it drained"
			break
		fi
		sleep 0.01
	done
	check_curl6 "IPv6, d0 stopping"
	wait "$stopper" || bad "IPv6: d0 stopped cleanly" "$W/stop6.log"
	DISP=(1)
	if [ -n "$t1" ] && [ "$(hops6)" = "$(want_hops6 1)" ] && [ "$(hops)" = "$(want_hops 1)" ]; then
		ok "IPv6: d0 stopped (SIGTERM): its IPv6 path withdrawn $((t1 - t0)) ms later, $while; lab-rtr routes $VIP6 via $(hops6), $VIP via $(hops)"
	else
		bad "IPv6: d0 stopped, its IPv6 path withdrawn (IPv6 hops '$(hops6)', IPv4 '$(hops)')" "$W/stop6.log"
	fi
	check_clients6 "IPv6, d0 stopped"
}

# ---- the phases ----

phase() {   # phase <N>: a fresh lab of N dispatchers
	local n=$1 k
	"$LAB" down >/dev/null 2>&1
	"$LAB" up --dispatchers "$n" >"$W/lab$n.log" 2>&1 || { bad "lab up --dispatchers $n" "$W/lab$n.log"; return 1; }
	DISP=()
	NOBFD=""
	for ((k = 0; k < n; k++)); do
		# with 3, d1 runs without BFD: its death is noticed by the BGP hold timer
		if [ "$n" = 3 ] && [ "$k" = 1 ]; then
			NOBFD=1
			start "$k" "$n" '.bgp.bfd.enabled = false' || return 1
		else
			start "$k" "$n" || return 1
		fi
		DISP+=("$k")
	done
	check_routes
	check_curl "$n dispatchers"
	check_clients "$n dispatchers"
	check_spread
	check_persistence
	check_forged
	check_kill $((n - 1))
	check_routes
	check_curl "$n dispatchers, d$((n - 1)) killed"
	run_client "after-kill-$n" --target "$VIP:80" --proto tcp --mode close -c 6 -k 5 --duration 3 --timeout-ms 5000
	clean_run "$W/after-kill-$n.json" &&
		ok "d$((n - 1)) killed: new connections all answered through the others: $(jq -r '"\(.ok) of \(.requests)"' "$W/after-kill-$n.json")" ||
		bad "d$((n - 1)) killed: new connections through the others" "$W/after-kill-$n.json"
	if [ "$n" = 3 ]; then
		check_kill 1 "hold timer, no BFD"
		check_curl "3 dispatchers, d2 and d1 killed"
	fi
	if [ "$n" = 2 ]; then
		start 1 "$n" && DISP+=(1) && check_routes
		check_mismatch 1 "$n"
		start 1 "$n" && DISP+=(1) && check_routes
		check_drain_under_load 1
		start 1 "$n" && DISP+=(1) && check_routes
		check_stop 0
		check_curl "d0 stopped"
		phase_v6
	fi
	cp "$STATE/rtr.bird.log" "$W/rtr$n.bird.log" 2>/dev/null   # kept with KEEP=1
}

for n in ${CLUSTER_DISPATCHERS:-2 3}; do
	echo "-- $n dispatchers"
	phase "$n"
done
[ ! -f "$W/times" ] || sed 's/^/cluster: /' "$W/times"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
