#!/usr/bin/env bash
# End-to-end test of the transaction fail-safe, as the paper's transaction
# test: 6 nc-client clients run 5-request transactions - over UDP against the
# dns service (a socket per request), over TCP against web (a new connection
# per request, and keep-alive connections) - with persistence on; mid-run one
# server fails - killed with SIGKILL, frozen with SIGSTOP, or its link cut -
# and later a second one is frozen, leaving one. With the fail-safe on, every
# request is answered exactly once and no transaction breaks; with it off
# (the paper's round-robin row), transactions break. Usage: tests/e2e/failsafe.sh BUILD_DIR
E2E_NAME=failsafe
# shellcheck source-path=SCRIPTDIR source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh" "$@"

# cfg <out> <enabled>: web and dns with affinity, and they and the IPv6 services
# (web6, dns6, web64) with the fail-safe on or off;
# UDP flows (a socket per request) idle out after 2 s so the flow table never
# fills; servers cost 1000000 loops per request, so requests are in flight
# when a server fails; the response limit, 1 s, is far above their few
# milliseconds, so a loaded machine's slow answer is not taken for a failure
cfg() {
	jq --argjson on "$2" '.eal.memory_mb = 768 | .limits.udp_idle_s = 2 |
		(.services[0], .services[1]) |= (.persistence_s = 30) |
		(.services[0], .services[1], .services[2], .services[3], .services[4]) |=
		(.failsafe = { enabled: $on, response_timeout_ms: 1000, max_replays: 2, store_size: 8192 })' \
		"$ROOT/config/lab.json" >"$1"
}

pid_of() { cat "/run/netchestra-lab/n$1.pid"; }

# fail <how> <n>: make server n fail: kill (SIGKILL), stop (SIGSTOP), link (cut its link)
fail_server() {
	case $1 in
	kill) kill -9 "$(pid_of "$2")" ;;
	stop) kill -STOP "$(pid_of "$2")" ;;
	link) ip netns exec "lab-n$2" ip link set eth0 down ;;
	esac
}

# run <name> <enabled> <how> <proto> <mode>: a fresh lab, 12 s of load; at 3 s
# n1 fails by <how>, at 7 s n2 is frozen: only n0 is left. TARGET (the VIP,
# [IPv6] in brackets) and SOURCES (client addresses) from the environment.
run() {
	local name=$1 on=$2 how=$3 proto=$4 mode=$5 port=5353 client
	[ "$proto" = udp ] || port=80
	"$LAB" down >/dev/null 2>&1
	"$LAB" up --loops 1000000,1000000,1000000 >"$W/$name.lab.log" 2>&1 ||
		{ bad "$name: lab up" "$W/$name.lab.log"; return 1; }
	cfg "$W/$name.json" "$on"
	nc_start "$W/$name.json" "$W/$name.log" || { bad "$name: appliance starts" "$W/$name.log"; return 1; }
	# shellcheck disable=SC2086 # CLIENT_EXTRA: more options, one word each
	ip netns exec lab-client "$NC_CLIENT" --json --quiet --target "${TARGET:-$LAB_VIP}:$port" --proto "$proto" \
		--mode "$mode" -c 6 -k 5 --duration 12 --timeout-ms 5000 ${CLIENT_EXTRA:-} \
		--source "${SOURCES:-10.200.0.10,10.200.0.11,10.200.0.12,10.200.0.13,10.200.0.14,10.200.0.15}" \
		>"$W/$name.client.json" 2>"$W/$name.client.err" &
	client=$!
	sleep 3
	fail_server "$how" 1
	sleep 4
	fail_server stop 2
	wait "$client"
	kill -CONT "$(pid_of 2)" 2>/dev/null
	tel /netchestra/failsafe >"$W/$name.tel.json"
	nc_stop >/dev/null
	return 0
}

# check <name> <proto> <svc index> [svc name]: every request answered once, nothing broken
check() {
	local name=$1 proto=$2 si=$3 c=$W/$1.client.json svc=${4:-}
	[ -n "$svc" ] || svc=$([ "$si" = 0 ] && echo web || echo dns)
	if jq -e '.requests > 500 and .failed == 0 and .broken == 0 and .ok == .requests and
		.completed == .transactions' "$c" >/dev/null &&
		jq -e --argjson i "$si" '.["/netchestra/failsafe"] | .replays[$i] > 0 and .resets[$i] == 0' \
			"$W/$name.tel.json" >/dev/null &&
		grep -q "broken transaction detected: $proto .* on n1" "$W/$name.log" &&
		grep -q "transaction continued on n[02]: $proto" "$W/$name.log"; then
		ok "$name: $(jq -r '"\(.ok) requests answered of \(.requests), \(.completed)/\(.transactions) transactions complete, 0 broken"' "$c"); $(jq -c --argjson i "$si" --arg k "${svc}_failed_over" '.["/netchestra/failsafe"] | {replays: .replays[$i], failed_over: .[$k]}' "$W/$name.tel.json")"
	else
		cat "$c" "$W/$name.tel.json" >"$W/$name.why" 2>/dev/null
		{ grep MON "$W/$name.log" | head -5; grep "given up" "$W/$name.log"; } >>"$W/$name.why"
		bad "$name: every request answered once, nothing broken" "$W/$name.why"
	fi
}

for how in kill stop link; do
	run "udp-$how" true "$how" udp close && check "udp-$how" udp 1
done
for how in kill stop link; do
	run "tcp-close-$how" true "$how" tcp close && check "tcp-close-$how" tcp 0
done
for how in kill stop link; do
	run "tcp-keepalive-$how" true "$how" tcp keepalive && check "tcp-keepalive-$how" tcp 0
done

# Keep-alive clients (50 requests a connection) that pause 1 s after each
# answer, servers at no cost per request: n1 is killed half-way between two
# rounds of requests (the clients keep in step), so its connections are idle
# and its kernel closes them with a FIN. The FIN is kept from the clients and each
# one's next request goes on a new connection to another server: nothing
# breaks (without this the clients would see their connections end and their
# next requests fail).
"$LAB" down >/dev/null 2>&1
if "$LAB" up >"$W/idle.lab.log" 2>&1 && cfg "$W/idle.json" true &&
	nc_start "$W/idle.json" "$W/idle.log"; then
	ip netns exec lab-client "$NC_CLIENT" --json --quiet --target "$LAB_VIP:80" --mode keepalive \
		-c 6 -k 50 --duration 8 --think-ms 1000 --timeout-ms 5000 \
		--source 10.200.0.10,10.200.0.11,10.200.0.12,10.200.0.13,10.200.0.14,10.200.0.15 \
		>"$W/idle.client.json" 2>&1 &
	client=$!
	sleep 3.5
	fail_server kill 1
	wait "$client"
	nc_stop >/dev/null
	if jq -e '.requests > 30 and .failed == 0 and .broken == 0 and .ok == .requests' \
		"$W/idle.client.json" >/dev/null && nc_final "$W/idle.log" "failsafe web:" | grep -q 'fin_kept [1-9]'; then
		ok "idle keep-alive connections of a killed server: $(jq -r '"\(.ok) requests answered of \(.requests), 0 broken"' "$W/idle.client.json"); FINs kept: $(nc_final "$W/idle.log" "failsafe web:" | grep -o 'fin_kept [0-9]*')"
	else
		{ cat "$W/idle.client.json"; grep MON "$W/idle.log"; nc_final "$W/idle.log" "failsafe web:"; } >"$W/idle.why"
		bad "idle keep-alive connections of a killed server: nothing broken, kept FINs counted" "$W/idle.why"
	fi
else
	bad "idle keep-alive: lab and appliance start" "$W/idle.log"
fi

# A server frozen in the middle of a response: what reached the client cannot
# be continued from another server (no mixed response), so the client is reset
# cleanly as soon as the monitor takes the server down (HTTP: the response's
# Content-Length says it is unfinished); without the fail-safe it waits for its
# own timeout. n1 alone serves web; its link is slowed to 8 Mbit/s so that
# the 16 MiB response is under way when n1 is frozen, 2 s in.
partial() {   # partial <name> <enabled>
	local name=$1 on=$2 t0 t1
	"$LAB" down >/dev/null 2>&1
	"$LAB" up >"$W/$name.lab.log" 2>&1 || { bad "$name: lab up" "$W/$name.lab.log"; return 1; }
	ip netns exec lab-n1 tc qdisc add dev eth0 root tbf rate 8mbit burst 32kbit latency 400ms ||
		{ bad "$name: tc tbf on lab-n1"; return 1; }
	jq --argjson on "$on" '.eal.memory_mb = 768 |
		.services[0].servers = [{name: "n1", address: "10.201.0.12", port: 8080, weight: 100}] |
		.services[0].failsafe = { enabled: $on, response_timeout_ms: 1000 }' \
		"$ROOT/config/lab.json" >"$W/$name.json"
	nc_start "$W/$name.json" "$W/$name.log" || { bad "$name: appliance starts" "$W/$name.log"; return 1; }
	t0=$(date +%s.%N)
	ip netns exec lab-client "$NC_CLIENT" --json --quiet --target "$LAB_VIP:80" --bytes 16777216 \
		-c 1 -k 1 --transactions 1 --timeout-ms 25000 >"$W/$name.client.json" 2>&1 &
	local client=$!
	sleep 2
	kill -STOP "$(pid_of 1)"
	wait "$client"
	t1=$(date +%s.%N)
	kill -CONT "$(pid_of 1)" 2>/dev/null
	nc_stop >/dev/null
	PARTIAL_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
}
partial partial-on true
if jq -e '.failed == 1' "$W/partial-on.client.json" >/dev/null &&
	awk -v t="$PARTIAL_S" 'BEGIN { exit !(t < 16) }' &&
	grep -q "transaction given up: tcp .* -> web (it cannot move: part of a response reached the client" \
		"$W/partial-on.log" &&
	nc_final "$W/partial-on.log" "failsafe web:" | grep -q 'resets [1-9]'; then
	ok "server frozen mid-response: the client is reset after $PARTIAL_S s (when n1 goes down), counted: $(nc_final "$W/partial-on.log" "failsafe web:" | grep -o 'resets [0-9]*')"
else
	{ cat "$W/partial-on.client.json"; grep -E 'MON|final failsafe' "$W/partial-on.log"; } >"$W/partial.why" 2>/dev/null
	bad "server frozen mid-response: client reset when n1 goes down (took ${PARTIAL_S:-?} s)" "$W/partial.why"
fi
partial partial-off false
if jq -e '.failed == 1' "$W/partial-off.client.json" >/dev/null &&
	awk -v t="$PARTIAL_S" 'BEGIN { exit !(t >= 24) }'; then
	ok "the same without the fail-safe: the client waits for its own 25 s timeout ($PARTIAL_S s)"
else
	bad "without the fail-safe the client waits for its timeout (took ${PARTIAL_S:-?} s)" "$W/partial-off.client.json"
fi

# A SYN landing on its server's TIME_WAIT: with limits.tcp_timewait_s 0 a
# restarted appliance gives its new flows the local ports its previous run
# gave, in the same order, so each of curl's connections in the second round
# comes to n1 from a 4-tuple n1 still holds (Connection: close: n1 closed
# first). n1 answers such a SYN with a bare ACK unless the SYN's sequence
# number is past that connection's (Linux then takes it as a new one): the
# appliance resets the 4-tuple and sends the held SYN again. Every request is
# answered, the client's TCP never sees the stale ACK (it sends no reset), and
# the appliance counts what it mended (stale_tuple).
STALE_N=24
client_rsts() {   # resets the clients' TCP sent so far
	ip netns exec lab-client nstat -az TcpOutRsts | awk '$1 == "TcpOutRsts" {print $2}'
}
stale() {
	local round i r0
	"$LAB" down >/dev/null 2>&1
	"$LAB" up >"$W/stale.lab.log" 2>&1 || { bad "stale: lab up" "$W/stale.lab.log"; return 1; }
	jq '.eal.memory_mb = 768 | .limits.tcp_timewait_s = 0 |
		.services[0].servers = [{name: "n1", address: "10.201.0.12", port: 8080, weight: 100}] |
		.services[0].failsafe = { enabled: true, response_timeout_ms: 1000 }' \
		"$ROOT/config/lab.json" >"$W/stale.json"
	: >"$W/stale.codes"
	for round in 1 2; do
		nc_start "$W/stale.json" "$W/stale$round.log" ||
			{ bad "stale: appliance starts" "$W/stale$round.log"; return 1; }
		r0=$(client_rsts)
		for i in $(seq "$STALE_N"); do
			ip netns exec lab-client curl -sS -m 10 -H 'Connection: close' -o /dev/null \
				-w "$round %{http_code}\n" "http://$LAB_VIP/stale/$round/$i" >>"$W/stale.codes" 2>>"$W/stale.err"
		done
		echo $(($(client_rsts) - r0)) >"$W/stale$round.rsts"
		nc_stop >/dev/null
	done
}
if stale; then
	s1=$(nc_final "$W/stale1.log" "failsafe web:" | grep -o 'stale_tuple [0-9]*')
	s2=$(nc_final "$W/stale2.log" "failsafe web:" | grep -o 'stale_tuple [0-9]*')
	answered=$(grep -c '^[12] 200$' "$W/stale.codes")
	if [ "$answered" = $((2 * STALE_N)) ] && [ "$s1" = "stale_tuple 0" ] && [ "${s2#stale_tuple }" -gt 0 ] 2>/dev/null &&
		[ "$(cat "$W/stale2.rsts")" = 0 ]; then
		ok "SYNs on n1's TIME_WAIT (a restart with tcp_timewait_s 0 gives the same local ports): curl got $answered of $((2 * STALE_N)) answers, the second round's stale 4-tuples reset and their SYNs sent again (${s2}), no reset from the client's TCP"
	else
		{ echo "answered $answered of $((2 * STALE_N)); round 1: $s1; round 2: $s2; client resets in round 2: $(cat "$W/stale2.rsts")"
		  cat "$W/stale.err"; grep -E 'MON|final failsafe' "$W/stale2.log"; } >"$W/stale.why" 2>/dev/null
		bad "SYNs on n1's TIME_WAIT: every curl request answered, stale 4-tuples mended by the appliance" "$W/stale.why"
	fi
fi

# Over IPv6: web6 and dns6 (the servers' IPv6 addresses) and web64 (their IPv4
# ones, NAT64) with the fail-safe, the same kill and freeze; no affinity on
# them (the requests of a transaction may go to any server up).
V6_SOURCES=fd00:200::10,fd00:200::11,fd00:200::12,fd00:200::13,fd00:200::14,fd00:200::15
TARGET="[fd00:200::1]" SOURCES=$V6_SOURCES run udp6-kill true kill udp close && check udp6-kill udp 3 dns6
TARGET="[fd00:200::1]" SOURCES=$V6_SOURCES run tcp6-close-stop true stop tcp close &&
	check tcp6-close-stop tcp 2 web6
TARGET="[fd00:200::1]" SOURCES=$V6_SOURCES run tcp6-keepalive-kill true kill tcp keepalive &&
	check tcp6-keepalive-kill tcp 2 web6
TARGET="[fd00:200::64]" SOURCES=$V6_SOURCES run tcp64-close-kill true kill tcp close &&
	check tcp64-close-kill tcp 4 web64

# the paper's round-robin row: the same failures without the fail-safe break transactions
for proto in udp tcp; do
	run "off-$proto" false kill "$proto" close || continue
	if jq -e '.broken > 0 and .failed > 0' "$W/off-$proto.client.json" >/dev/null; then
		ok "fail-safe off, $proto, same failures: $(jq -r '"\(.broken) transactions broken, \(.failed) requests failed of \(.requests)"' "$W/off-$proto.client.json") (the difference the fail-safe makes)"
	else
		bad "fail-safe off, $proto: transactions break" "$W/off-$proto.client.json"
	fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
