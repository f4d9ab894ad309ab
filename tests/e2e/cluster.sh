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
# its path withdrawn. Usage: tests/e2e/cluster.sh BUILD_DIR
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
CTL=$BUILD/app/netchestra-ctl
STATE=/run/netchestra-lab
DISP=()
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

# dcfg <K> <N> [jq filter]: dispatcher K's startup file for a lab of N
# dispatchers, in $W: config/cluster/dK.json with its peers cut to those
# present, its token and secret files where the lab made them, then
# CLUSTER_CFG_FILTER and <filter>. Prints its path.
dcfg() {
	local k=$1 n=$2 out=$W/d$1.json
	jq --argjson n "$n" --arg root "$ROOT" '
		.management.token_file = "\($root)/config/lab.token" |
		if .cluster then
			.cluster.secret_file = "\($root)/config/cluster/secret" |
			.cluster.peers |= map(select((ltrimstr("10.201.0.") | tonumber) - 201 < $n))
		else . end |
		'"${CLUSTER_CFG_FILTER:-.}"' | '"${3:-.}" "$ROOT/config/cluster/d$k.json" >"$out" || return 1
	echo "$out"
}

# flows <K>: flows dispatcher K has scheduled, all services (its API, in its namespace)
flows() {
	ip netns exec "lab-d$1" "$CTL" --json services 2>/dev/null |
		jq '[.services[].servers[].flows // 0] | add // 0' 2>/dev/null || echo 0
}

start() {   # start <K> <N>: lab.sh dispatcher start, a check of its own
	local k=$1 cfg t0
	cfg=$(dcfg "$k" "$2") || { bad "d$k: its startup file"; return 1; }
	t0=$(now_ms)
	if "$LAB" dispatcher start "$k" --config "$cfg" >"$W/start$k.log" 2>&1; then
		ok "d$k started, lab-rtr routes $VIP through $(front_ip "$k") ($(($(now_ms) - t0)) ms)"
	else
		bad "d$k started and announced" "$W/start$k.log"
		return 1
	fi
}

# ---- checks over the running dispatchers (DISP) ----

check_routes() {   # lab-rtr: one multipath route with a nexthop per dispatcher; BGP and BFD up
	local k est=0 bfd=0
	rtr show protocols >"$W/protocols" 2>&1
	rtr show bfd sessions >"$W/bfd" 2>&1
	for k in "${DISP[@]}"; do
		grep -qE "^d$k +BGP .* up .*Established" "$W/protocols" && est=$((est + 1))
		grep -qE "^$(front_ip "$k" | sed 's/\./\\./g') +eth-disp +Up" "$W/bfd" && bfd=$((bfd + 1))
	done
	if [ "$(hops)" = "$(want_hops "${DISP[@]}")" ] && [ "$est" = "${#DISP[@]}" ] && [ "$bfd" = "${#DISP[@]}" ]; then
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

# check_kill <K>: SIGKILL dispatcher K's appliance (its BIRD stays up); its
# nexthop must leave lab-rtr's route; the time from SIGKILL is printed, not asserted
check_kill() {
	local k=$1 t0 t1 i gone=0 rest=()
	for i in "${DISP[@]}"; do [ "$i" = "$k" ] || rest+=("$i"); done
	"$LAB" dispatcher kill "$k" >"$W/kill$k.log" 2>&1 || { bad "d$k killed" "$W/kill$k.log"; return 1; }
	t0=$(sed -n 's/.*SIGKILL at \([0-9]*\) ms.*/\1/p' "$W/kill$k.log")
	for ((i = 0; i < 3000; i++)); do   # 30 s, far beyond a hold time
		if [ "$(hops)" = "$(want_hops "${rest[@]}")" ]; then gone=1; break; fi
		sleep 0.01
	done
	t1=$(now_ms)
	if [ "$gone" = 1 ] && [ -n "$t0" ]; then
		ok "d$k killed (SIGKILL, its BIRD left up): its nexthop left lab-rtr's route $((t1 - t0)) ms later; left: $(hops)"
		echo "d$k SIGKILLed with ${#DISP[@]} dispatchers up: its path withdrawn from lab-rtr $((t1 - t0)) ms later" >>"$W/times"
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

# ---- the phases ----

phase() {   # phase <N>: a fresh lab of N dispatchers
	local n=$1 k
	"$LAB" down >/dev/null 2>&1
	"$LAB" up --dispatchers "$n" >"$W/lab$n.log" 2>&1 || { bad "lab up --dispatchers $n" "$W/lab$n.log"; return 1; }
	DISP=()
	for ((k = 0; k < n; k++)); do
		start "$k" "$n" || return 1
		DISP+=("$k")
	done
	check_routes
	check_curl "$n dispatchers"
	check_clients "$n dispatchers"
	check_spread
	# (later: maglev persistence across dispatchers, config mismatch, forged messages ...)
	check_kill $((n - 1))
	check_routes
	check_curl "$n dispatchers, d$((n - 1)) killed"
	run_client "after-kill-$n" --target "$VIP:80" --proto tcp --mode close -c 6 -k 5 --duration 3 --timeout-ms 5000
	clean_run "$W/after-kill-$n.json" &&
		ok "d$((n - 1)) killed: new connections all answered through the others: $(jq -r '"\(.ok) of \(.requests)"' "$W/after-kill-$n.json")" ||
		bad "d$((n - 1)) killed: new connections through the others" "$W/after-kill-$n.json"
	if [ "$n" = 2 ]; then
		start 1 "$n" && DISP+=(1) && check_routes
		check_stop 0
		check_curl "d0 stopped"
	fi
}

for n in ${CLUSTER_DISPATCHERS:-2 3}; do
	echo "-- $n dispatchers"
	phase "$n"
done
[ ! -f "$W/times" ] || sed 's/^/cluster: /' "$W/times"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
