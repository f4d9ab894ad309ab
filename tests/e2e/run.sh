#!/usr/bin/env bash
# End-to-end tests: real Linux TCP/UDP clients and servers in the namespace lab
# (scripts/lab.sh), the appliance between them on net_af_xdp ports where the
# kernel allows them, or on net_af_packet ports (NC_LAB_PORTS=packet, or the
# fallback; scripts/lab-ports.sh; the first line says which).
# Two-arm, then one-arm. Bounded: every client run has a duration or a count
# and a timeout. Usage: tests/e2e/run.sh BUILD_DIR
E2E_NAME=e2e
# shellcheck source-path=SCRIPTDIR source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh" "$@"

# cfg <out> <base config> <jq filter>: a variant of a lab startup file
cfg() { jq "$3" "$2" >"$1"; }

# Every request answered correctly and every transaction complete.
clean_run() {   # clean_run <json>
	jq -e '.requests > 0 and .failed == 0 and .broken == 0 and .ok == .requests' "$1" >/dev/null
}

# Shares of n0 n1 n2 (percent of responses) within <tol> points of <a b c>.
shares_near() {   # shares_near <json> <tol> <a> <b> <c>
	jq -e --argjson t "$2" --argjson a "$3" --argjson b "$4" --argjson c "$5" '
		def pct(n): ((.servers[n].responses // 0) * 100 / .ok);
		(pct("n0") - $a | fabs) <= $t and (pct("n1") - $b | fabs) <= $t and
		(pct("n2") - $c | fabs) <= $t' "$1" >/dev/null
}

# The appliance's own count of flows per server for <svc>: "n0 N n1 N n2 N".
final_servers() { nc_final "$1" "service $2:" | sed 's/.*bytes_s2c [0-9]* //'; }

# Open flows of <svc> in the appliance's last status line.
open_flows() { nc_status "$1" "$2" | sed -n 's/.*: flows \([0-9]*\) open.*/\1/p'; }

run_client() {   # run_client <json out> nc-client args...: bounded, JSON kept
	local out=$1
	shift
	timeout 120 ip netns exec lab-client "$NC_CLIENT" --json "$@" >"$out" 2>"$out.err"
}

# ---------------------------------------------------------------- two-arm ----
"$LAB" up >"$W/lab.log" 2>&1 || { cat "$W/lab.log"; echo "0 passed, 1 failed"; exit 1; }
grep -h '^lab: AF_XDP' "$W/lab.log" || true
echo "lab ports: $(lab_ports_pmd)"
BASE=$ROOT/config/lab.json
# web: smooth 20/30/50 (exact percentages); dns: ratio 25/25/50 (1:1:2)
cfg "$W/e2e.json" "$BASE" '
	.services[0].scheduler = "smooth" |
	.services[0].servers[0].weight = 20 | .services[0].servers[1].weight = 30 |
	.services[0].servers[2].weight = 50 |
	.services[1].servers[0].weight = 25 | .services[1].servers[1].weight = 25 |
	.services[1].servers[2].weight = 50'
if ! nc_start "$W/e2e.json" "$W/nc.log"; then
	bad "two-arm: appliance starts on the lab" "$W/nc.log"
	echo "$pass passed, $((fail + 1)) failed"
	exit 1
fi

# TCP, a new connection per request: every response right, 20/30/50 by flows.
run_client "$W/tcp.json" --target "$LAB_VIP:80" --proto tcp --mode close -c 6 -k 5 \
	--duration 4 --source 10.200.0.10,10.200.0.11,10.200.0.12
if clean_run "$W/tcp.json" && shares_near "$W/tcp.json" 3 20 30 50; then
	ok "two-arm tcp close: $(jq -r '"\(.ok) responses, 0 broken, shares \(.servers.n0.responses)/\(.servers.n1.responses)/\(.servers.n2.responses)"' "$W/tcp.json")"
else
	bad "two-arm tcp close" "$W/tcp.json"
fi

# TCP keep-alive: 5 requests per connection, never split across servers.
run_client "$W/ka.json" --target "$LAB_VIP:80" --proto tcp --mode keepalive -c 6 -k 5 --duration 3
if clean_run "$W/ka.json" && jq -e '.split_flows == 0 and .moved_transactions == 0' "$W/ka.json" >/dev/null &&
	shares_near "$W/ka.json" 5 20 30 50; then
	ok "two-arm tcp keep-alive: $(jq -r '.ok' "$W/ka.json") responses, no connection split"
else
	bad "two-arm tcp keep-alive" "$W/ka.json"
fi

# UDP, a new socket per request: ratio 1:1:2.
run_client "$W/udp.json" --target "$LAB_VIP:5353" --proto udp --mode close -c 4 -k 5 --duration 3 \
	--timeout-ms 2000
if clean_run "$W/udp.json" && shares_near "$W/udp.json" 3 25 25 50; then
	ok "two-arm udp: $(jq -r '.ok' "$W/udp.json") datagrams answered, shares 25/25/50"
else
	bad "two-arm udp" "$W/udp.json"
fi

# UDP, one socket per 5-request transaction: the flow stays on one server.
run_client "$W/udpka.json" --target "$LAB_VIP:5353" --proto udp --mode keepalive -c 4 -k 5 \
	--duration 3 --timeout-ms 2000
if clean_run "$W/udpka.json" && jq -e '.split_flows == 0' "$W/udpka.json" >/dev/null; then
	ok "two-arm udp flows: $(jq -r '.ok' "$W/udpka.json") datagrams, no flow split"
else
	bad "two-arm udp flows" "$W/udpka.json"
fi

# Datagrams larger than the MTU from Python's socket: the client's kernel cuts
# them into fragments; under AF_PACKET ports the appliance's kernel joins them
# before the appliance sees them (DPDK's PMD sets PACKET_FANOUT_FLAG_DEFRAG:
# frames up to the ring's 2,048-byte slots), under AF_XDP ports the fragments
# reach the appliance as they are and it joins them; it cuts the datagram
# again towards the server, whose kernel joins it; nc-backend's answer carries
# the FNV-1a sum of what it got, which must be the sum of what was sent.
# net_af_xdp (DPDK 22.11) sends single-segment frames only: there the
# appliance copies each piece it cuts into one buffer before it leaves.
client python3 "$ROOT/tests/e2e/udp_sum.py" "$LAB_VIP" 5353 1473 1900 >"$W/frag.txt" 2>&1
if grep -q "^whole 2 of 2" "$W/frag.txt"; then
	ok "fragmented udp: 1,473- and 1,900-byte datagrams from Python's socket reach nc-backend whole (its FNV-1a sums match)"
else
	bad "fragmented udp through the VIP" "$W/frag.txt"
fi

# curl from eight client addresses: 200, the server's name, the request's sum.
: >"$W/curl.txt"
curl_ok=1
for i in $(seq 0 23); do
	src=10.200.0.1$((i % 8))
	client curl -sS -m 5 -D "$W/h" -o "$W/b" --interface "$src" "http://$LAB_VIP/curl/$i" 2>>"$W/curl.txt" ||
		{ curl_ok=0; continue; }
	name=$(awk -F': ' 'tolower($1) == "x-server" {print $2}' "$W/h" | tr -d '\r')
	sum=$(awk -F': ' 'tolower($1) == "x-request-sum" {print $2}' "$W/h" | tr -d '\r')
	head -1 "$W/h" | grep -q ' 200 ' && [ "$(cat "$W/b")" = "$name $sum" ] || curl_ok=0
	echo "$src $name" >>"$W/curl.txt"
done
if [ "$curl_ok" = 1 ] && [ "$(awk '{print $2}' "$W/curl.txt" | sort -u | wc -l)" = 3 ]; then
	ok "curl through the VIP: 24 responses from 8 client addresses, all three servers"
else
	bad "curl through the VIP" "$W/curl.txt"
fi

# wrk: keep-alive load, no socket error and no non-2xx response.
client timeout 30 wrk -t 1 -c 8 -d 3s --timeout 5s "http://$LAB_VIP/wrk" >"$W/wrk.txt" 2>&1
if grep -q "Requests/sec" "$W/wrk.txt" && ! grep -q "Socket errors\|Non-2xx" "$W/wrk.txt" &&
	[ "$(awk '/requests in/ {print $1}' "$W/wrk.txt")" -gt 100 ]; then
	ok "wrk through the VIP: $(awk '/requests in/ {print $1}' "$W/wrk.txt") requests, no error"
else
	bad "wrk through the VIP" "$W/wrk.txt"
fi

# ARP: hosts learn the VIP and the local IP from the appliance itself.
client ip neigh flush dev eth0 >/dev/null 2>&1
ip netns exec lab-n1 ip neigh flush dev eth0 >/dev/null 2>&1
client ping -c 1 -W 2 "$LAB_VIP" >/dev/null 2>&1
ip netns exec lab-n1 ping -c 1 -W 2 10.201.0.1 >/dev/null 2>&1
mac_vip=$(client ip neigh show "$LAB_VIP" dev eth0 | awk '{print $3}')
mac_lip=$(ip netns exec lab-n1 ip neigh show 10.201.0.1 dev eth0 | awk '{print $3}')
if [ "$mac_vip" = "$(cat /sys/class/net/lab-p0/address)" ] &&
	[ "$mac_lip" = "$(cat /sys/class/net/lab-p1/address)" ]; then
	ok "ARP: VIP is at $mac_vip (port p0), local IP at $mac_lip (port p1)"
else
	{ echo "VIP -> '$mac_vip', local IP -> '$mac_lip'"; client ip neigh; } >"$W/arp.txt"
	bad "ARP answered by the appliance" "$W/arp.txt"
fi

# ICMP echo to the VIP (clients) and to the local IP (servers).
if client ping -c 5 -i 0.2 -W 2 "$LAB_VIP" >"$W/ping.txt" 2>&1 && grep -q " 0% packet loss" "$W/ping.txt" &&
	ip netns exec lab-n0 ping -c 2 -i 0.2 -W 2 10.201.0.1 >>"$W/ping.txt" 2>&1; then
	ok "ICMP echo: VIP and local IP answer, 0% loss"
else
	bad "ICMP echo" "$W/ping.txt"
fi

nc_stop; rc=$?
if [ $rc -eq 0 ] && [ "$(final_servers "$W/nc.log" web | awk '{print ($2 > 0 && $4 > 0 && $6 > 0)}')" = 1 ]; then
	ok "appliance stops cleanly; web flows per server: $(final_servers "$W/nc.log" web)"
else
	bad "appliance stop (rc=$rc)" "$W/nc.log"
fi

# Stopped and started again with the lab kept: traffic flows again.
if nc_start "$W/e2e.json" "$W/nc2.log"; then
	run_client "$W/again.json" --target "$LAB_VIP:80" --mode close -c 3 -k 5 --duration 2
	if clean_run "$W/again.json"; then
		ok "restart with the lab kept: $(jq -r '.ok' "$W/again.json") responses"
	else
		bad "restart with the lab kept" "$W/again.json"
	fi
	# the lab's own operations: up again changes nothing, restart-server N
	# replaces one server and traffic goes on to all three
	pids0=$(cat /run/netchestra-lab/n*.pid)
	"$LAB" up >"$W/lab2.log" 2>&1
	pids1=$(cat /run/netchestra-lab/n*.pid)
	"$LAB" restart-server 1 >>"$W/lab2.log" 2>&1
	pids2=$(cat /run/netchestra-lab/n*.pid)
	run_client "$W/rs.json" --target "$LAB_VIP:80" --mode close -c 3 -k 5 --duration 2
	if [ "$pids0" = "$pids1" ] && [ "$(sed -n 2p <<<"$pids2")" != "$(sed -n 2p <<<"$pids1")" ] &&
		[ "$(sed -n 1p <<<"$pids2")$(sed -n 3p <<<"$pids2")" = "$(sed -n 1p <<<"$pids1")$(sed -n 3p <<<"$pids1")" ] &&
		clean_run "$W/rs.json" && jq -e '.servers.n1.responses > 0' "$W/rs.json" >/dev/null; then
		ok "lab: up again keeps the servers, restart-server 1 replaces n1 only, traffic continues"
	else
		{ echo "pids $pids0 | $pids1 | $pids2"; cat "$W/lab2.log" "$W/rs.json"; } >"$W/lab2.txt"
		bad "lab up again / restart-server" "$W/lab2.txt"
	fi
	nc_stop
else
	bad "restart with the lab kept: start" "$W/nc2.log"
fi

# Idle expiry: UDP flows idle 2 s, TCP flows idle 3 s are removed.
cfg "$W/idle.json" "$W/e2e.json" '.limits.udp_idle_s = 2 | .limits.tcp_idle_s = 3'
if nc_start "$W/idle.json" "$W/nc3.log"; then
	run_client "$W/idle-u.json" --target "$LAB_VIP:5353" --proto udp --mode keepalive -c 4 -k 2 \
		--transactions 1
	# keep-alive TCP connections that stay open, idle, until after the timeout
	# (the holder outlives the wait below: the flows must go by idle expiry,
	# not by the connections' FINs)
	client timeout 30 bash -c "exec 3<>/dev/tcp/$LAB_VIP/80 4<>/dev/tcp/$LAB_VIP/80
		while [ ! -e '$W/idle.stop' ] && [ \$SECONDS -lt 25 ]; do sleep 0.1; done" &
	holder=$!
	# seen open: 4 UDP flows and 2 TCP flows, each in some status line (a
	# slow start of the holder may see the UDP flows gone before its own open)
	open1=; open1t=
	for _ in $(seq 50); do
		grep -q '\] dns: flows 4 open' "$W/nc3.log" && open1=4
		grep -q '\] web: flows 2 open' "$W/nc3.log" && open1t=2
		[ "$open1" = 4 ] && [ "$open1t" = 2 ] && break
		sleep 0.1
	done
	t0=$(date +%s.%N)
	# then gone, both, within a few seconds of their idle limits
	for _ in $(seq 80); do
		open2=$(open_flows "$W/nc3.log" dns); open2t=$(open_flows "$W/nc3.log" web)
		[ "$open2" = 0 ] && [ "$open2t" = 0 ] && break
		sleep 0.1
	done
	took=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	touch "$W/idle.stop"
	wait "$holder" 2>/dev/null
	if clean_run "$W/idle-u.json" && [ "$open1" = 4 ] && [ "$open2" = 0 ] &&
		[ "$open1t" = 2 ] && [ "$open2t" = 0 ]; then
		ok "idle expiry: udp flows 4 (2 s limit) and idle tcp flows 2 (3 s limit) gone ${took}s after seen"
	else
		echo "udp open $open1 -> $open2, tcp open $open1t -> $open2t, ${took}s" >>"$W/nc3.log"
		bad "idle expiry" "$W/nc3.log"
	fi
	nc_stop
else
	bad "idle expiry: start" "$W/nc3.log"
fi

# Flow table full: 8 flows fit; a 9th is refused and counted; the 8 old
# flows (same source ports again) are still served.
cfg "$W/full.json" "$W/e2e.json" '.limits.max_flows = 8'
if nc_start "$W/full.json" "$W/nc4.log"; then
	run_client "$W/full1.json" --target "$LAB_VIP:5353" --proto udp --mode keepalive -c 8 -k 1 \
		--transactions 1 --source-port-base 41000 --timeout-ms 2000
	run_client "$W/full2.json" --target "$LAB_VIP:5353" --proto udp --mode keepalive -c 2 -k 1 \
		--transactions 1 --source-port-base 42000 --timeout-ms 1000
	run_client "$W/full3.json" --target "$LAB_VIP:5353" --proto udp --mode keepalive -c 8 -k 3 \
		--transactions 1 --source-port-base 41000 --timeout-ms 2000
	nc_stop
	refused=$(nc_final "$W/nc4.log" "drop.flow_table_full" | awk '{print $3}')
	if clean_run "$W/full1.json" && jq -e '.ok == 0 and .failed == 2' "$W/full2.json" >/dev/null &&
		clean_run "$W/full3.json" && jq -e '.ok == 24' "$W/full3.json" >/dev/null &&
		[ "${refused:-0}" -ge 2 ]; then
		ok "flow table full: 8 flows served, new ones refused ($refused counted), old ones unaffected"
	else
		cat "$W/full1.json" "$W/full2.json" "$W/full3.json" >>"$W/nc4.log"
		bad "flow table full" "$W/nc4.log"
	fi
else
	bad "flow table full: start" "$W/nc4.log"
fi

# Flow slots used again: 100 fit (two words of the flow table's free-slot
# bits); three rounds of 70 curl connections, each a flow that closes and
# lingers tcp_fin_s (1 s), a few seconds apart, so the later rounds take the
# slots the first freed, round the end of the table. Every answer 200, none
# refused as a full table.
cfg "$W/reuse.json" "$W/e2e.json" '.limits.max_flows = 100 | .limits.tcp_fin_s = 1'
if nc_start "$W/reuse.json" "$W/nc5.log"; then
	n=0
	for r in 1 2 3; do
		for i in $(seq 1 70); do
			[ "$(client curl -s -o /dev/null -w '%{http_code}' -m 5 "http://$LAB_VIP/reuse/$r/$i")" = 200 ] &&
				n=$((n + 1))
		done
		sleep 3
	done
	nc_stop
	full=$(nc_final "$W/nc5.log" "drop.flow_table_full" | awk '{print $3}')
	if [ "$n" = 210 ] && [ "${full:-0}" = 0 ]; then
		ok "flow slots used again: 210 curl answers through a table of 100 flows, in three rounds, none refused"
	else
		echo "answers $n/210, refused as full ${full:-0}" >>"$W/nc5.log"
		bad "flow slots used again" "$W/nc5.log"
	fi
else
	bad "flow slots used again: start" "$W/nc5.log"
fi

# Two workers on the lab's two CPUs (three lcores: the control lcore and
# worker 1 share CPU 0): each port has two queues, the kernel's AF_PACKET
# fanout spreads frames over them by its own hash, so a packet often reaches
# the worker that does not own its flow and is handed over. Every request
# answered (nc-client close, keep-alive, UDP; curl), handoffs counted, none
# lost to a full ring.
# On net_af_xdp ports the case cannot run: DPDK 22.11's PMD counts a device's
# queues in ethtool's combined channels, a veth has only RX and TX ones, so
# the PMD refuses queue_count=2 ("Specified queue count 2 is larger than
# combined queue count"). It runs on net_af_packet (e2e-packet).
cfg "$W/two.json" "$W/e2e.json" '.eal.lcores = "0@0,1@1,2@0" | .workers.lcores = [1, 2] |
	.eal.vdevs |= map(sub("qpairs=1"; "qpairs=2"))'
if [ "$(lab_ports)" = xdp ]; then
	echo "NOTE two workers: not on net_af_xdp ports (DPDK 22.11's PMD takes one queue on a veth: it has no combined channels); e2e-packet checks it"
elif nc_start "$W/two.json" "$W/nc6.log"; then
	run_client "$W/two-tcp.json" --target "$LAB_VIP:80" --proto tcp --mode close -c 6 -k 5 \
		--duration 3 --source 10.200.0.10,10.200.0.11,10.200.0.12
	run_client "$W/two-ka.json" --target "$LAB_VIP:80" --proto tcp --mode keepalive -c 6 -k 5 --duration 3
	run_client "$W/two-udp.json" --target "$LAB_VIP:5353" --proto udp --mode close -c 4 -k 5 \
		--duration 3 --timeout-ms 2000
	n=0
	for i in $(seq 10); do
		[ "$(client curl -s -o /dev/null -w '%{http_code}' -m 5 "http://$LAB_VIP/two/$i")" = 200 ] &&
			n=$((n + 1))
	done
	nc_stop
	ho=$(nc_final "$W/nc6.log" "workers:")
	full=$(nc_final "$W/nc6.log" "drop.handoff_full" | awk '{print $3}')
	if clean_run "$W/two-tcp.json" && clean_run "$W/two-ka.json" && clean_run "$W/two-udp.json" &&
		[ "$n" = 10 ] && grep -q '^final workers: 2 handoff_out [1-9]' <<<"$ho" && [ "${full:-1}" = 0 ]; then
		ok "two workers: $(jq -r .ok "$W/two-tcp.json") close, $(jq -r .ok "$W/two-ka.json") keep-alive, $(jq -r .ok "$W/two-udp.json") UDP and 10 curl answers, none broken; ${ho#final workers: 2 }"
	else
		cat "$W/two-tcp.json" "$W/two-ka.json" "$W/two-udp.json" >>"$W/nc6.log"
		bad "two workers: every request answered, handoffs counted, none lost ($n/10 curl; '$ho')" "$W/nc6.log"
	fi
else
	bad "two workers: start" "$W/nc6.log"
fi

# ---------------------------------------------------------------- one-arm ----
"$LAB" up --one-arm >"$W/lab.log" 2>&1 || { bad "one-arm lab" "$W/lab.log"; }
cfg "$W/one.json" "$ROOT/config/lab-one-arm.json" '
	.services[0].scheduler = "smooth" |
	.services[0].servers[0].weight = 20 | .services[0].servers[1].weight = 30 |
	.services[0].servers[2].weight = 50'
if nc_start "$W/one.json" "$W/nc5.log"; then
	run_client "$W/one-tcp.json" --target "$LAB_VIP:80" --mode close -c 6 -k 5 --duration 3
	if clean_run "$W/one-tcp.json" && shares_near "$W/one-tcp.json" 3 20 30 50; then
		ok "one-arm tcp close: $(jq -r '.ok' "$W/one-tcp.json") responses, shares 20/30/50"
	else
		bad "one-arm tcp close" "$W/one-tcp.json"
	fi
	run_client "$W/one-ka.json" --target "$LAB_VIP:80" --mode keepalive -c 4 -k 5 --duration 2
	if clean_run "$W/one-ka.json" && jq -e '.split_flows == 0' "$W/one-ka.json" >/dev/null; then
		ok "one-arm tcp keep-alive: $(jq -r '.ok' "$W/one-ka.json") responses, no connection split"
	else
		bad "one-arm tcp keep-alive" "$W/one-ka.json"
	fi
	run_client "$W/one-udp.json" --target "$LAB_VIP:5353" --proto udp --mode close -c 4 -k 5 --duration 2 \
		--timeout-ms 2000
	if clean_run "$W/one-udp.json" && shares_near "$W/one-udp.json" 4 34 33 33; then
		ok "one-arm udp: $(jq -r '.ok' "$W/one-udp.json") datagrams answered"
	else
		bad "one-arm udp" "$W/one-udp.json"
	fi
	if client curl -sS -m 5 "http://$LAB_VIP/one-arm" >"$W/one-curl.txt" 2>&1; then
		ok "one-arm curl: $(cat "$W/one-curl.txt")"
	else
		bad "one-arm curl" "$W/one-curl.txt"
	fi
	nc_stop || bad "one-arm: appliance stop" "$W/nc5.log"
else
	bad "one-arm: start" "$W/nc5.log"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
