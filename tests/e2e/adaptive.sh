#!/usr/bin/env bash
# End-to-end test of self-controlled load distribution, as the paper's Table 3:
# servers n0 n1 n2 cost 100000 / 10000000 / 100000000 loops per request, equal
# initial weights, 6 clients of steady load. With "paper" the weights must
# order n0 > n1 > n2 with n2 <= 10% within 120 s; with "fast" within 20 s and
# then hold. A server killed goes down within `fall` probes and comes back
# after it is restarted. Then the same over IPv6: web6 (IPv6 VIP over the
# servers' IPv6 addresses) in "fast" mode. Weights are read from --weights-log
# and from DPDK telemetry (dpdk-telemetry.py). Usage: tests/e2e/adaptive.sh BUILD_DIR
E2E_NAME=adaptive
# shellcheck source-path=SCRIPTDIR source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh" "$@"
CLIENT_PID=
VIP6=fd00:200::1

stop_client() {
	[ -n "$CLIENT_PID" ] || return 0
	kill "$CLIENT_PID" 2>/dev/null
	wait "$CLIENT_PID" 2>/dev/null
	CLIENT_PID=
}
e2e_cleanup() { stop_client; }

# Latest weights of service <2> (default web) in the weights log <1>: "w0 w1 w2 t"
# (t: seconds since the first row)
last_weights() {
	awk -F, -v s="${2:-web}" 'NR == 2 { t0 = $1 }
		$2 == s { w[$3] = $4; t = $1 }
		END { if (t0 != "") printf "%d %d %d %.1f\n", w["n0"], w["n1"], w["n2"], t - t0 }' "$1"
}

# start_load <name> [target]: 6 clients, 5-request transactions, a new connection per request
start_load() {
	ip netns exec lab-client "$NC_CLIENT" --json --quiet --target "${2:-$LAB_VIP:80}" --mode close \
		-c 6 -k 5 --duration 200 --timeout-ms 20000 >"$W/$1.client.json" 2>&1 &
	CLIENT_PID=$!
}

# settle <csv> <limit s> [service]: wait until n0 > n1 > n2 and n2 <= 10; prints "w0 w1 w2 t"
settle() {
	local i w
	for i in $(seq $(($2 + 5))); do
		sleep 1
		read -r -a w <<<"$(last_weights "$1" "${3:-web}")"
		[ "${#w[@]}" = 4 ] || continue
		if [ "${w[0]}" -gt "${w[1]}" ] && [ "${w[1]}" -gt "${w[2]}" ] && [ "${w[2]}" -le 10 ]; then
			echo "${w[*]}"
			return 0
		fi
		awk -v t="${w[3]}" -v l="$2" 'BEGIN { exit !(t > l) }' && break
	done
	echo "${w[*]:-none}"
	return 1
}

"$LAB" up --loops 100000,10000000,100000000 >"$W/lab.log" 2>&1 ||
	{ cat "$W/lab.log"; echo "0 passed, 1 failed"; exit 1; }

mode_cfg() {   # mode_cfg <out> <mode>: web adaptive in <mode>, equal weights
	jq --arg m "$2" '
		.services[0].servers[0].weight = 34 | .services[0].servers[1].weight = 33 |
		.services[0].servers[2].weight = 33 |
		.services[0].adaptive = { enabled: true, mode: $m, interval_ms: 1000, step: 1, min_weight: 1 }' \
		"$ROOT/config/lab.json" >"$1"
}

# ----------------------------------------------------------------- paper ----
mode_cfg "$W/paper.json" paper
if nc_start "$W/paper.json" "$W/paper.log" --weights-log "$W/paper.csv"; then
	start_load paper
	if got=$(settle "$W/paper.csv" 120); then
		ok "paper: weights n0 > n1 > n2, n2 <= 10% after ${got##* } s (n0 n1 n2 = ${got% *})"
	else
		bad "paper: n0 > n1 > n2 and n2 <= 10% within 120 s (last: $got)" "$W/paper.csv"
	fi
	# telemetry: same weights as the log, measured response times in server order
	j=$(tel /netchestra/servers,web)
	if jq -e '.["/netchestra/servers"] | (.name == ["n0","n1","n2"]) and (.state == ["up","up","up"])
		and ((.weight | add) == 100) and (.rt_avg_us[0] < .rt_avg_us[1]) and
		(.rt_avg_us[1] < .rt_avg_us[2]) and (.requests | all(. > 0)) and (.bytes | all(. > 0))' \
		<<<"$j" >/dev/null; then
		ok "telemetry /netchestra/servers,web: $(jq -c '.["/netchestra/servers"] | {weight, rt_avg_us, rt_p99_us}' <<<"$j")"
	else
		echo "$j" >"$W/tel.json"
		bad "telemetry /netchestra/servers,web" "$W/tel.json"
	fi
	j=$(tel /netchestra/services)
	# web and dns first; the lab's IPv6 services follow
	if jq -e '.["/netchestra/services"] | (.name[0:2] == ["web","dns"]) and
		(.adaptive[0:2] == ["paper","off"]) and (.health[0:2] == ["http","udp"]) and
		(.servers_up[0:2] == [3,3])' <<<"$j" >/dev/null; then
		ok "telemetry /netchestra/services: $(jq -c '.["/netchestra/services"] | {name, adaptive, health, servers_up}' <<<"$j")"
	else
		echo "$j" >"$W/tel.json"
		bad "telemetry /netchestra/services" "$W/tel.json"
	fi
	j=$(tel /netchestra/servers,nosuch)
	if jq -e '.["/netchestra/servers"].error | test("unknown service")' <<<"$j" >/dev/null; then
		ok "telemetry: unknown service answered with an error"
	else
		echo "$j" >"$W/tel.json"
		bad "telemetry: unknown service" "$W/tel.json"
	fi
	if nc_status "$W/paper.log" web | grep -Eq ' n0 w[0-9]+ [0-9.]+% [0-9.]+(us|ms) n1 w'; then
		ok "status line shows weights and response times: $(nc_status "$W/paper.log" web | sed 's/.*servers //')"
	else
		bad "status line with weights" "$W/paper.log"
	fi
	stop_client
	nc_stop || bad "paper: appliance stop" "$W/paper.log"
else
	bad "paper: appliance starts" "$W/paper.log"
fi

# ------------------------------------------------------------------ fast ----
# a fresh lab: no server TIME_WAIT sockets left from the paper run's connections
"$LAB" down >>"$W/lab.log" 2>&1
"$LAB" up --loops 100000,10000000,100000000 >>"$W/lab.log" 2>&1 || bad "fresh lab for fast" "$W/lab.log"
mode_cfg "$W/fast.json" fast
if nc_start "$W/fast.json" "$W/fast.log" --weights-log "$W/fast.csv"; then
	start_load fast
	if got=$(settle "$W/fast.csv" 20); then
		ok "fast: weights n0 > n1 > n2, n2 <= 10% after ${got##* } s (n0 n1 n2 = ${got% *})"
		# then holds steady: once it reports holding, at most 3 moves in the
		# next 10 intervals (the paper's rule moves every interval)
		for i in $(seq 40); do
			j=$(tel /netchestra/services)
			jq -e '.["/netchestra/services"].held[0] == 1' <<<"$j" >/dev/null && break
			sleep 0.5
		done
		m1=$(jq '.["/netchestra/services"].weight_moves[0]' <<<"$j")
		w1=$(last_weights "$W/fast.csv" | cut -d' ' -f1-3)
		sleep 10
		j=$(tel /netchestra/services)
		m2=$(jq '.["/netchestra/services"].weight_moves[0]' <<<"$j")
		if [ -n "$m1" ] && [ "$m1" != null ] && [ $((m2 - m1)) -le 3 ]; then
			ok "fast: holds steady: $((m2 - m1)) move(s) in 10 s after holding at $w1 (now $(last_weights "$W/fast.csv" | cut -d' ' -f1-3))"
		else
			bad "fast: holds steady (moves $m1 -> $m2 in 10 s)" "$W/fast.csv"
		fi
	else
		bad "fast: n0 > n1 > n2 and n2 <= 10% within 20 s (last: $got)" "$W/fast.csv"
	fi

	# a server killed goes down within fall (3) probes, 2 s apart (config/lab.json):
	# refused at once, so at most 2 intervals after the first failed probe
	bad0=$(tel /netchestra/servers,web | jq '.["/netchestra/servers"].probes_bad[1]')
	pid=$(cat /run/netchestra-lab/n1.pid)
	kill -9 "$pid"
	t0=$(date +%s.%N)
	down=
	while awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { exit !(b - a < 8) }'; do
		sleep 0.1
		j=$(tel /netchestra/servers,web)
		if jq -e '.["/netchestra/servers"].state[1] == "down"' <<<"$j" >/dev/null 2>&1; then
			down=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
			break
		fi
	done
	# down on its third bad probe: the first within one interval, two more
	# intervals on, at most fall x interval = 6 s (the poll adds up to 2 s on
	# a busy machine: starting python for each telemetry query)
	if [ -n "$down" ] && awk -v d="$down" 'BEGIN { exit !(d <= 8) }' &&
		jq -e --argjson b0 "${bad0:-0}" '.["/netchestra/servers"] | .weight[1] == 0 and
			((.weight | add) == 100) and .probes_bad[1] - $b0 == 3 and .down_count[1] == 1' \
			<<<"$j" >/dev/null; then
		ok "killed n1 down on its 3rd bad probe, $down s after the kill (fall 3, interval 2 s); its weight shared: $(jq -c '.["/netchestra/servers"].weight' <<<"$j")"
	else
		echo "$j" >"$W/tel.json"
		bad "killed n1 goes down within 3 probes (took: ${down:-more than 6} s)" "$W/tel.json"
	fi
	if nc_status "$W/fast.log" web | grep -q ' n1 w0 [0-9.]*% down'; then
		ok "status line shows n1 down"
	else
		bad "status line shows n1 down" "$W/fast.log"
	fi
	"$LAB" restart-server 1 >>"$W/lab.log" 2>&1
	t0=$(date +%s.%N)
	up=
	while awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { exit !(b - a < 8) }'; do
		sleep 0.1
		j=$(tel /netchestra/servers,web)
		if jq -e '.["/netchestra/servers"].state[1] == "up"' <<<"$j" >/dev/null 2>&1; then
			up=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
			break
		fi
	done
	if [ -n "$up" ] && jq -e '.["/netchestra/servers"] | .weight[1] >= 1 and ((.weight | add) == 100)' \
		<<<"$j" >/dev/null && grep -q 'server n1 .* up: 2 good http probes' "$W/fast.log"; then
		ok "restarted n1 back up after $up s (rise 2) at weight $(jq '.["/netchestra/servers"].weight[1]' <<<"$j"); log: $(grep -o 'server n1 .* down.*' "$W/fast.log" | head -1)"
	else
		echo "$j" >"$W/tel.json"
		bad "restarted n1 comes back up" "$W/tel.json"
	fi
	for i in $(seq 40); do   # dns probes n1 on their own schedule
		j=$(tel /netchestra/servers,dns)
		jq -e '.["/netchestra/servers"].state == ["up","up","up"]' <<<"$j" >/dev/null && break
		sleep 0.1
	done
	if jq -e '.["/netchestra/servers"] | .down_count[1] == 1 and .state == ["up","up","up"]' <<<"$j" >/dev/null; then
		ok "dns (udp probes) saw n1 go down and come back too"
	else
		echo "$j" >"$W/tel.json"
		bad "dns udp probes follow n1" "$W/tel.json"
	fi
	stop_client
	nc_stop || bad "fast: appliance stop" "$W/fast.log"
else
	bad "fast: appliance starts" "$W/fast.log"
fi

# ------------------------------------------------------------------ ipv6 ----
# web6 alone over the same servers' IPv6 addresses, "fast": the same order
"$LAB" down >>"$W/lab.log" 2>&1
"$LAB" up --loops 100000,10000000,100000000 >>"$W/lab.log" 2>&1 || bad "fresh lab for ipv6" "$W/lab.log"
jq '.services |= map(select(.name == "web6")) |
	.services[0].servers |= map(.weight = 33) | .services[0].servers[0].weight = 34 |
	.services[0].adaptive = { enabled: true, mode: "fast", interval_ms: 1000, step: 1, min_weight: 1 }' \
	"$ROOT/config/lab.json" >"$W/ipv6.json"
if nc_start "$W/ipv6.json" "$W/ipv6.log" --weights-log "$W/ipv6.csv"; then
	start_load ipv6 "[$VIP6]:80"
	if got=$(settle "$W/ipv6.csv" 20 web6); then
		ok "ipv6: web6 weights n0 > n1 > n2, n2 <= 10% after ${got##* } s (n0 n1 n2 = ${got% *})"
	else
		bad "ipv6: web6 n0 > n1 > n2 and n2 <= 10% within 20 s (last: $got)" "$W/ipv6.csv"
	fi
	j=$(tel /netchestra/servers,web6)
	if jq -e '.["/netchestra/servers"] | (.name == ["n0","n1","n2"]) and ((.weight | add) == 100)
		and (.rt_avg_us[0] < .rt_avg_us[2]) and (.requests | all(. > 0))' <<<"$j" >/dev/null; then
		ok "ipv6: telemetry /netchestra/servers,web6: $(jq -c '.["/netchestra/servers"] | {weight, rt_avg_us}' <<<"$j")"
	else
		echo "$j" >"$W/tel.json"
		bad "ipv6: telemetry /netchestra/servers,web6" "$W/tel.json"
	fi
	stop_client
	nc_stop || bad "ipv6: appliance stop" "$W/ipv6.log"
else
	bad "ipv6: appliance starts" "$W/ipv6.log"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
