#!/usr/bin/env bash
# End-to-end test of the appliance under a spoofed flood. lab-attacker (on the
# clients' segment) runs nc-flood for 20 s at the highest rate it reaches,
# sources drawn in 10.200.0.128/25 (the clients' subnet, where no host lives),
# answering ARP for them (--arp: the appliance resolves a client's MAC before
# it opens its flow; their answers then reach lab-attacker and die there),
# while 6 nc-client clients (from 6 of lab-client's addresses) run 5-request
# transactions, a connection or a socket per request, pausing 500 ms after
# each answer (under 2 new flows a second each, as real clients open them):
#   syn-proxy-on, syn-proxy-auto  SYN flood at web with "syn_proxy" on / auto:
#                    >= 99% of the transactions complete, the flow table and
#                    every local IP's port pool stay below 10% full
#                    (skipped, not passed, where the appliance does not know
#                    the key yet: --check refuses it)
#   syn-limits       the same SYN flood, no SYN proxy, limits.half_open_max and
#                    new_flows_per_source on: the same checks
#   syn-off          the same SYN flood, nothing on: the appliance stays up
#                    and the harm shows (the table past 10% or flows refused
#                    as table full); the clients' losses are reported
#   syn-unresolved   the same, but nothing answers ARP for the spoofed sources
#                    (nc-flood without --arp): >= 99%, < 10% - the appliance
#                    opens no flow for a neighbour it could not resolve
#   udp-limits       UDP flood at dns (5353) with limits.udp_unreplied_max,
#                    udp_unreplied_s and new_flows_per_source: >= 99%, < 10%
#   udp-off          the same UDP flood without them: up, the harm shows
# and over IPv6, against web6 and dns6 on fd00:200::1 from 6 of lab-client's
# IPv6 addresses, the flood's sources drawn in fd00:210::/48 (every host bit:
# spread over its 65,536 /64s, each a source to the limits) and routed back
# through lab-attacker (a route fd00:210::/48 via fd00:200::100, where the
# answers die):
#   syn6-limits      SYN flood at web6, half_open_max as above and sources
#                    counted by /48 (limits.source_prefix6 48): >= 99%, < 10%
#   syn6-proxy-on    the same flood at web6 with "syn_proxy" on, no limits:
#                    >= 99%, < 10% (skipped where --check refuses it)
#   syn64-proxy-on   the same flood at web64 (NAT64: fd00:200::64 over the
#                    servers' IPv4 addresses) with "syn_proxy" on, no limits:
#                    >= 99%, < 10%
#   syn6-off         the same flood, nothing on: up, the harm shows
#   udp6-limits      UDP flood at dns6, the UDP limits above, by /48: >= 99%, < 10%
# With sources counted by /64 (the default) such a flood is 65,536 sources and
# fills half_open_max at once, refusing the clients' handshakes with it. The
# clients' six addresses are one source too (one /48): its rate is 40 a second.
# Figures read from /metrics (management API on 127.0.0.1:9180) once a
# second: netchestra_flows_open / _max, netchestra_local_ports_used / _size,
# netchestra_service_half_open, _udp_unreplied, the drops, port p0's
# received and missed packets. Nothing is asserted on time.
# Usage: tests/e2e/flood.sh BUILD_DIR (as root; under flock -o /run/netchestra-lab.lock)
# Environment: FLOOD_S (20), NC_FLOOD (the nc-flood binary, default
# BUILD_DIR/app/nc-flood), CASES (all: "syn-proxy-on syn-proxy-auto syn-limits
# syn-off syn-unresolved udp-limits udp-off syn6-limits syn6-proxy-on
# syn64-proxy-on syn6-off udp6-limits").
# shellcheck source-path=SCRIPTDIR
E2E_NAME=flood
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh" "$@"

FLOOD=${NC_FLOOD:-$BUILD/app/nc-flood}
URL=http://127.0.0.1:9180
FLOOD_S=${FLOOD_S:-20}
THINK_MS=500
CLIENT_S=$((FLOOD_S + 4))
SOURCES=10.200.0.10,10.200.0.11,10.200.0.12,10.200.0.13,10.200.0.14,10.200.0.15
CASES=${CASES:-syn-proxy-on syn-proxy-auto syn-limits syn-off syn-unresolved udp-limits udp-off syn6-limits syn6-proxy-on syn64-proxy-on syn6-off udp6-limits}
# the IPv6 cases' addresses (scripts/lab.sh: each IPv4 address's IPv6 twin)
VIP6=fd00:200::1
VIP64=fd00:200::64                     # web64: NAT64 over the servers' IPv4 addresses
SOURCES6=fd00:200::10,fd00:200::11,fd00:200::12,fd00:200::13,fd00:200::14,fd00:200::15
SPOOF6=fd00:210::/48
ROUTE6='.routes = ((.routes // []) + [{ prefix: "fd00:210::/48", via: "fd00:200::100" }])'
skipped=0

[ -x "$FLOOD" ] || e2e_give_up "missing $FLOOD"
command -v curl >/dev/null || e2e_give_up "curl missing"
"$LAB" up >"$W/lab.log" 2>&1 || e2e_give_up "lab up failed: $(tail -3 "$W/lab.log")"
[ -e /run/netns/lab-attacker ] || e2e_give_up "lab.sh up made no lab-attacker"

# cfg <out> [jq filter]: config/lab.json with the management interface on
# 127.0.0.1:9180, then <filter>
cfg() {
	jq --arg tok "$ROOT/config/lab.token" '.management = { listen: "127.0.0.1:9180", token_file: $tok } |
		'"${2:-.}" "$ROOT/config/lab.json" >"$1"
}

# The limits that hold a flood from 126 spoofed sources back: each source
# 2 new flows a second (4 at once), so the flood opens at most about 250
# flows a second after a first 500; a handshake it leaves half-open lives
# tcp_syn_s (10 s, longer while the server resends its SYN-ACK), the cap
# stops anything beyond 6000 (9% of the table). A shorter tcp_syn_s would
# keep fewer, and end a client's connection whose first ACK the loaded
# machine loses for that long. The clients stay under the per-source rate:
# each opens a flow, waits for its answer, then pauses THINK_MS (500 ms). The
# servers answer the spoofed UDP queries, as DNS servers do, which makes those
# flows answered ones: they live udp_idle_s, 5 s here (about 250 * 5 + 500).
LIMITS='.limits.new_flows_per_source = 2 | .limits.new_flows_burst = 4'
SYN_LIMITS="$LIMITS"' | .limits.half_open_max = 6000'
UDP_LIMITS="$LIMITS"' | .limits.udp_unreplied_s = 2 | .limits.udp_unreplied_max = 4000 | .limits.udp_idle_s = 5'
# IPv6: sources counted by /48, each 40 new flows a second (the clients' /48 among them)
LIMITS6='.limits.source_prefix6 = 48 | .limits.new_flows_per_source = 40 | .limits.new_flows_burst = 80'

# Does this appliance know "syn_proxy"? --check on a file with it; and on
# an IPv6 service?
WEB6_SYNP='(.services[] | select(.name == "web6")).syn_proxy = "on"'
WEB64_SYNP='(.services[] | select(.name == "web64")).syn_proxy = "on"'
cfg "$W/probe.json" '.services[0].syn_proxy = "on"'
if "$NC_BIN" --check -c "$W/probe.json" >"$W/probe.out" 2>&1; then
	SYN_PROXY=1
else
	SYN_PROXY=0
fi
cfg "$W/probe6.json" "$WEB6_SYNP"
if "$NC_BIN" --check -c "$W/probe6.json" >"$W/probe6.out" 2>&1; then
	SYN_PROXY6=1
else
	SYN_PROXY6=0
fi

# metrics_line <file>: one line of figures from a /metrics text:
#   flows_open flows_max ports_used ports_size half_open(web) unreplied(dns) rx(p0) missed(p0)
# where the ports are those of the fullest local IP's pool (web6 and dns6 with FAM 6,
# web64 with FAM 64).
FAM=4
metrics_line() {
	local web=web dns=dns
	[ "$FAM" = 4 ] || web=web6 dns=dns6
	[ "$FAM" != 64 ] || web=web64
	awk -v web="$web" -v dns="$dns" '
	function lbl(s,   a) { match(s, /local_ip="[^"]*"/); return substr(s, RSTART, RLENGTH) }
	$1 == "netchestra_flows_open" { fo = $2 }
	$1 == "netchestra_flows_max" { fm = $2 }
	$1 ~ /^netchestra_local_ports_used\{/ { used[lbl($1)] = $2 }
	$1 ~ /^netchestra_local_ports_size\{/ { size[lbl($1)] = $2 }
	$1 == "netchestra_service_half_open{service=\"" web "\"}" { ho = $2 }
	$1 == "netchestra_service_udp_unreplied{service=\"" dns "\"}" { ur = $2 }
	$1 == "netchestra_port_rx_packets_total{port=\"p0\"}" { rx = $2 }
	$1 == "netchestra_port_rx_missed_total{port=\"p0\"}" { mi = $2 }
	END {
		pu = 0; ps = 1; best = -1
		for (k in used) if (size[k] > 0 && used[k] / size[k] > best) { best = used[k] / size[k]; pu = used[k]; ps = size[k] }
		if (fm == "") exit 1
		print fo + 0, fm + 0, pu + 0, ps + 0, ho + 0, ur + 0, rx + 0, mi + 0
	}' "$1"
}

scrape() { curl -s --max-time 5 -o "$1" "$URL/metrics"; }   # scrape <file>

# sampler <out>: a metrics_line a second into <out> until killed
sampler() {
	while :; do
		if scrape "$W/sample.txt"; then metrics_line "$W/sample.txt" >>"$1" 2>/dev/null; fi
		sleep 1
	done
}

drop_of() { awk -v r="$2" '$1 == "netchestra_drops_total{reason=\"" r "\"}" { print $2 + 0 }' "$1"; }

# run <name> <syn|udp> <jq filter>: the appliance with <filter>; the clients
# for CLIENT_S s, the flood starting 2 s into them for FLOOD_S s. Leaves
# $W/<name>.{client.json,flood.json,samples,before.txt,after.txt} and sets ALIVE.
# With FAM 6 over IPv6: VIP6, SOURCES6, SPOOF6, the VIP's MAC given to nc-flood;
# FAM 64 the same at VIP64.
run() {
	local name=$1 proto=$2 filter=$3 port=80 client spid vip=$LAB_VIP target=$LAB_VIP
	local src=$SOURCES net=$LAB_SPOOF_NET mac
	[ "$proto" = syn ] || port=5353
	[ "$FAM" = 4 ] || vip=$VIP6 target="[$VIP6]" src=$SOURCES6 net=$SPOOF6
	[ "$FAM" != 64 ] || vip=$VIP64 target="[$VIP64]"
	cfg "$W/$name.json" "$filter"
	nc_start "$W/$name.json" "$W/$name.log" || { bad "$name: appliance starts" "$W/$name.log"; return 1; }
	# the attacker learns the VIP's MAC as any host does (the appliance answers
	# ARP and Neighbor Solicitations)
	attacker ping -c 1 -W 2 "$vip" >/dev/null 2>&1 || attacker ping -c 1 -W 2 "$vip" >/dev/null 2>&1
	if [ "$FAM" != 4 ]; then
		mac=$(attacker ip -6 neigh show "$vip" dev eth0 | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
		local FLOOD_ARGS="--dst-mac ${mac:-00:00:00:00:00:00}"
	fi	# patient clients, as real ones are: TCP retransmits a lost SYN after 1, 3
	# and 7 s; a UDP query is sent again every 500 ms, as resolvers do
	local cargs=(--proto tcp)
	[ "$proto" = syn ] || cargs=(--proto udp --retry-ms 500)
	nc_client --json --quiet --target "$target:$port" "${cargs[@]}" --mode close -c 6 -k 5 \
		--duration "$CLIENT_S" --think-ms "$THINK_MS" --timeout-ms 10000 --source "$src" \
		>"$W/$name.client.json" 2>"$W/$name.client.err" &
	client=$!
	: >"$W/$name.samples"
	sampler "$W/$name.samples" &
	spid=$!
	sleep 2
	scrape "$W/$name.before.txt"
	# shellcheck disable=SC2086 # FLOOD_ARGS: words
	attacker "$FLOOD" --dev eth0 --proto "$proto" --dst "$vip" --dport "$port" \
		--src-net "$net" --count 100000000 --seconds "$FLOOD_S" ${FLOOD_ARGS---arp} \
		>"$W/$name.flood.json" 2>"$W/$name.flood.err"
	scrape "$W/$name.after.txt"
	wait "$client"
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	ALIVE=0
	if kill -0 "$NC_PID" 2>/dev/null && scrape "$W/$name.end.txt" && metrics_line "$W/$name.end.txt" >/dev/null; then
		ALIVE=1
	fi
	nc_stop >/dev/null
	return 0
}

# figures <name>: the case's numbers on one line; sets PCT (transactions
# complete, percent), FLOWS_PCT and PORTS_PCT (peaks, percent of full),
# PEAK_HALF, PEAK_UNREPLIED, TABLE_FULL (flows refused as table full),
# HAVE_PEAKS (1: /metrics gave the table gauges)
figures() {
	local n=$1 c=$W/$1.client.json f=$W/$1.flood.json peak before after
	PCT=$(jq -r 'if .transactions > 0 then (10000 * .completed / .transactions | floor) / 100 else 0 end' "$c" 2>/dev/null)
	peak=$(awk 'BEGIN { f = 0; p = 0; h = 0; u = 0 }
		{ if ($2 > 0 && $1 / $2 > f) f = $1 / $2; if ($4 > 0 && $3 / $4 > p) p = $3 / $4
		  if ($5 > h) h = $5; if ($6 > u) u = $6 }
		END { printf "%.2f %.2f %d %d\n", 100 * f, 100 * p, h, u }' "$W/$n.samples")
	read -r FLOWS_PCT PORTS_PCT PEAK_HALF PEAK_UNREPLIED <<<"$peak"
	before=$(metrics_line "$W/$n.before.txt" 2>/dev/null)
	after=$(metrics_line "$W/$n.after.txt" 2>/dev/null)
	RX=$(awk -v a="$before" -v b="$after" 'BEGIN { split(a, x, " "); split(b, y, " "); print y[7] - x[7], y[8] - x[8] }')
	TABLE_FULL=$(($(drop_of "$W/$n.after.txt" flow_table_full || echo 0) + 0))
	FIG="$(jq -r '"\(.completed)/\(.transactions) transactions complete'" ($PCT%)"', \(.failed) of \(.requests) requests failed"' "$c" 2>/dev/null);"
	FIG+=" flood $(jq -r '"\(.sent) frames in \(.seconds) s (\(.rate_pps) a second, \(.sources) sources)"' "$f" 2>/dev/null),"
	FIG+=" p0 received ${RX% *} (missed ${RX#* }; $(jq -r --argjson r "${RX% *}" 'if .sent > 0 then (1000 * (1 - $r / .sent) | floor) / 10 else 0 end' "$f" 2>/dev/null)% of the flood lost before the appliance, about);"
	HAVE_PEAKS=0
	if [ -s "$W/$n.samples" ]; then
		HAVE_PEAKS=1
		FIG+=" peaks: flow table ${FLOWS_PCT}%, port pool ${PORTS_PCT}%, half-open $PEAK_HALF, UDP unanswered $PEAK_UNREPLIED;"
	else
		FIG+=" peaks unknown: /metrics never had netchestra_flows_max (an appliance without the table gauges);"
	fi
	FIG+=" drops: table full $TABLE_FULL, source_rate $(drop_of "$W/$n.after.txt" source_rate),"
	FIG+=" half_open_max $(drop_of "$W/$n.after.txt" half_open_max), udp_unreplied_max $(drop_of "$W/$n.after.txt" udp_unreplied_max)"
	echo "$n: $FIG" >>"$W/figures.txt"
}

# protected <name> <what>: >= 99% of the transactions complete, the table and
# the pools below 10%, the appliance up
protected() {
	local n=$1
	figures "$n"
	if [ "$ALIVE" = 1 ] && [ "$HAVE_PEAKS" = 1 ] && jq -e '.transactions >= 12 and .completed >= 0.99 * .transactions' \
		"$W/$n.client.json" >/dev/null 2>&1 && jq -e '.sent > 0' "$W/$n.flood.json" >/dev/null 2>&1 &&
		awk -v f="$FLOWS_PCT" -v p="$PORTS_PCT" 'BEGIN { exit !(f < 10 && p < 10) }'; then
		ok "$n: $2: $FIG"
	else
		cat "$W/$n.client.json" "$W/$n.flood.json" "$W/$n.flood.err" "$W/$n.samples" >"$W/why" 2>/dev/null
		bad "$n: $2 (>= 99% complete, table and pools < 10%, appliance up): $FIG" "$W/why"
	fi
}

# harmed <name> <what>: the appliance up, the flood's harm visible: the
# table past the 10% the protected cases stay under, or flows refused
harmed() {
	local n=$1
	figures "$n"
	if [ "$ALIVE" = 1 ] && [ "$HAVE_PEAKS" = 1 ] && jq -e '.sent > 0' "$W/$n.flood.json" >/dev/null 2>&1 &&
		awk -v f="$FLOWS_PCT" -v t="$TABLE_FULL" 'BEGIN { exit !(f >= 10 || t > 0) }'; then
		ok "$n: $2: $FIG"
	else
		cat "$W/$n.client.json" "$W/$n.flood.json" "$W/$n.flood.err" "$W/$n.samples" >"$W/why" 2>/dev/null
		bad "$n: $2 (appliance up, table past 10% or flows refused): $FIG" "$W/why"
	fi
}

for c in $CASES; do
	case $c in
	syn-proxy-on | syn-proxy-auto)
		if [ "$SYN_PROXY" = 0 ]; then
			echo "SKIP $c: this appliance does not know services[].syn_proxy ($(head -1 "$W/probe.out"))"
			skipped=$((skipped + 1))
			continue
		fi
		run "$c" syn ".services[0].syn_proxy = \"${c#syn-proxy-}\"" &&
			protected "$c" "SYN flood, syn_proxy ${c#syn-proxy-}"
		;;
	syn-limits)
		run "$c" syn "$SYN_LIMITS" &&
			protected "$c" "SYN flood, half_open_max 6000 + new_flows_per_source 2, no SYN proxy"
		;;
	syn-off)
		run "$c" syn '.' && harmed "$c" "SYN flood, no SYN proxy, no limits"
		;;
	syn-unresolved)
		# nothing answers ARP for the spoofed sources: the appliance, which
		# learns a client's MAC before it opens its flow, opens none
		FLOOD_ARGS="" run "$c" syn '.' &&
			protected "$c" "SYN flood, nothing on, sources nobody answers ARP for"
		;;
	udp-limits)
		run "$c" udp "$UDP_LIMITS" &&
			protected "$c" "UDP flood, udp_unreplied_max 4000 + udp_unreplied_s 2 + new_flows_per_source 2"
		;;
	udp-off)
		run "$c" udp '.' && harmed "$c" "UDP flood, no limits"
		;;
	syn6-limits)
		FAM=6 run "$c" syn "$ROUTE6 | $SYN_LIMITS | $LIMITS6" &&
			FAM=6 protected "$c" "IPv6 SYN flood from a /48, half_open_max 6000 + new_flows_per_source 40 by /48, no SYN proxy"
		;;
	syn6-proxy-on)
		if [ "$SYN_PROXY6" = 0 ]; then
			echo "SKIP $c: this appliance does not take syn_proxy on an IPv6 service ($(head -1 "$W/probe6.out"))"
			skipped=$((skipped + 1))
			continue
		fi
		FAM=6 run "$c" syn "$ROUTE6 | $WEB6_SYNP" &&
			FAM=6 protected "$c" "IPv6 SYN flood from a /48, syn_proxy on, no limits"
		;;
	syn64-proxy-on)
		FAM=64 run "$c" syn "$ROUTE6 | $WEB64_SYNP" &&
			FAM=64 protected "$c" "IPv6 SYN flood from a /48 at a NAT64 service, syn_proxy on, no limits"
		;;
	syn6-off)
		FAM=6 run "$c" syn "$ROUTE6" && FAM=6 harmed "$c" "IPv6 SYN flood from a /48, no limits"
		;;
	udp6-limits)
		FAM=6 run "$c" udp "$ROUTE6 | $UDP_LIMITS | $LIMITS6" &&
			FAM=6 protected "$c" "IPv6 UDP flood from a /48, udp_unreplied_max 4000 + udp_unreplied_s 2 + new_flows_per_source 40 by /48"
		;;
	*) bad "unknown case $c" ;;
	esac
done

[ ! -f "$W/figures.txt" ] || { echo "figures:"; sed 's/^/  /' "$W/figures.txt"; }
[ "$skipped" = 0 ] || echo "$skipped case(s) skipped"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
