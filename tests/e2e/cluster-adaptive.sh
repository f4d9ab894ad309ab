#!/usr/bin/env bash
# End-to-end test of adaptive weights in a cluster of 2 dispatchers behind
# lab-rtr (scripts/lab.sh up --dispatchers 2), the paper's Table 2/3 workload
# as tests/e2e/adaptive.sh runs it on one dispatcher: servers n0 n1 n2 cost
# 100000 / 10000000 / 100000000 loops per request, equal initial weights
# (34/33/33), 6 clients from 6 addresses (a new connection per request) through
# the router to the VIP 10.202.0.1, which ECMP spreads over both dispatchers.
# Service web has the paper's rule on (interval 1 s), maglev, no affinity; the
# cluster channel merges both dispatchers' measurements at each wall-clock
# aligned interval. Checks:
# - both dispatchers carry flows (each one's own API);
# - they publish the same weights at every interval: both APIs (GET
#   /api/v1/cluster: the interval each published last and its weights) polled
#   through the run, every interval seen from both compared, none may differ;
#   both synced, with 2 contributors to the merges;
# - the weights reach the single-dispatcher run's shape on both (adaptive.sh's
#   assertion): n0 > n1 > n2 and n2 <= 10% within 120 s;
# - each one's history (GET .../history: the rows --weights-log writes, one per
#   interval) ends on the same weights, and their rows paired by the interval
#   their time falls in agree (printed; the time of a row is not asserted on).
# CLUSTER_ADAPTIVE_MODE=fast runs the other controller (within 20 s).
# Usage: tests/e2e/cluster-adaptive.sh BUILD_DIR
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2015 # "check && ok ... || bad ...": ok never fails
E2E_NAME=cluster-adaptive
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh" "$@"

VIP=10.202.0.1
N=2
MODE=${CLUSTER_ADAPTIVE_MODE:-paper}
LIMIT=120
[ "$MODE" = paper ] || LIMIT=20
SOURCES=10.200.0.10,10.200.0.11,10.200.0.12,10.200.0.13,10.200.0.14,10.200.0.15
API=http://127.0.0.1:9180/api/v1
CLIENT_PID=
POLL_PID=
for b in bird birdc jq curl; do command -v "$b" >/dev/null || e2e_give_up "missing $b (scripts/deps.sh)"; done

stop_bg() {
	local p
	for p in "$CLIENT_PID" "$POLL_PID"; do
		[ -n "$p" ] || continue
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	CLIENT_PID=''
	POLL_PID=''
}
# the dispatchers' logs kept in $W (KEEP=1 keeps it)
e2e_cleanup() { stop_bg; cp /run/netchestra-lab/d[0-9].log "$W/" 2>/dev/null; }

api() { ip netns exec "lab-d$1" curl -s -m 2 "$API/$2" 2>/dev/null; }   # api <K> <path>

# dcfg <K>: dispatcher K's startup file in $W (config/cluster/dK.json with its
# peers cut to the N present, the lab's token and secret, web adaptive in MODE
# without affinity, so that new connections follow the weights); prints its path
dcfg() {
	jq --argjson n "$N" --arg root "$ROOT" --arg m "$MODE" '
		.management.token_file = "\($root)/config/lab.token" |
		.cluster.secret_file = "\($root)/config/cluster/secret" |
		.cluster.peers |= map(select(((.address? // .) | ltrimstr("10.201.0.") | tonumber) - 201 < $n)) |
		.services |= map(if .name == "web" then
			del(.persistence_s) |
			.servers[0].weight = 34 | .servers[1].weight = 33 | .servers[2].weight = 33 |
			.adaptive = { enabled: true, mode: $m, interval_ms: 1000, step: 1, min_weight: 1 }
			else . end)' "$ROOT/config/cluster/d$1.json" >"$W/d$1.json" && echo "$W/d$1.json"
}

# poll: every quarter second, each dispatcher's own last published interval of
# web and its weights, one line "K interval w0 w1 w2" in $W/published
poll() {
	local k
	while :; do
		for ((k = 0; k < N; k++)); do
			api "$k" cluster | jq -r --arg k "$k" '.services[]? | select(.name == "web" and .interval != null
				and .weights != null) | "\($k) \(.interval) \(.weights.n0) \(.weights.n1) \(.weights.n2)"' \
				>>"$W/published" 2>/dev/null
		done
		sleep 0.25
	done
}

# last <K>: dispatcher K's latest published web weights "w0 w1 w2 t" (t: seconds
# since the load started), from its API
last() {
	api "$1" services/web | jq -r --argjson t0 "$T0" '
		(.servers | map({(.name): .weight}) | add) as $w | "\($w.n0) \($w.n1) \($w.n2) \(now - $t0 | floor)"'
}

# settle <limit s>: wait until both dispatchers publish n0 > n1 > n2 and n2 <= 10
# (tests/e2e/adaptive.sh's shape); prints "d0: w0 w1 w2 t, d1: ..."
settle() {
	local i k w got all
	for ((i = 0; i < $1 + 5; i++)); do
		sleep 1
		all=1 got=''
		for ((k = 0; k < N; k++)); do
			read -r -a w <<<"$(last "$k")"
			got="$got${got:+, }d$k: ${w[*]:-none}"
			[ "${#w[@]}" = 4 ] && [ "${w[0]}" -gt "${w[1]}" ] && [ "${w[1]}" -gt "${w[2]}" ] &&
				[ "${w[2]}" -le 10 ] || all=0
		done
		if [ "$all" = 1 ]; then echo "$got"; return 0; fi
		[ "$(($(date +%s) - T0))" -le "$1" ] || break
	done
	echo "$got"
	return 1
}

"$LAB" down >/dev/null 2>&1
if ! "$LAB" up --dispatchers "$N" --loops 100000,10000000,100000000 >"$W/lab.log" 2>&1; then
	bad "lab up --dispatchers $N" "$W/lab.log"
	echo "$pass passed, $fail failed"
	exit 1
fi
for ((k = 0; k < N; k++)); do
	if cfg=$(dcfg "$k") && "$LAB" dispatcher start "$k" --config "$cfg" >"$W/start$k.log" 2>&1; then
		ok "d$k started with web adaptive ($MODE, maglev): $(tail -1 "$W/start$k.log" | sed 's/^lab: //')"
	else
		bad "d$k started" "$W/start$k.log"
		echo "$pass passed, $fail failed"
		exit 1
	fi
done

# joined: both synced and publishing the same weights for the same interval
# (a dispatcher that starts adopts the running one's weights; the load starts
# from there, so the intervals compared below are those of a formed cluster)
joined=
for ((i = 0; i < 60; i++)); do
	for ((k = 0; k < N; k++)); do
		api "$k" cluster | jq -r '.services[]? | select(.name == "web" and .synced) | "\(.interval) \(.weights | tojson)"'
	done >"$W/join"
	if [ "$(wc -l <"$W/join")" = "$N" ] && [ "$(sort -u "$W/join" | wc -l)" = 1 ]; then joined=1; break; fi
	sleep 0.5
done
if [ -n "$joined" ]; then
	ok "joined: both synced, publishing the same weights at interval $(cut -d' ' -f1 "$W/join" | head -1): $(cut -d' ' -f2 "$W/join" | head -1)"
else
	bad "joined: both synced with the same weights within 30 s" "$W/join"
fi
# how d1 joined, from the logs: an adoption at once, or its own weights first
# (no peer heard within dead_ms) and the reference's one interval later
cp /run/netchestra-lab/d[0-9].log "$W/" 2>/dev/null
grep -h 'cluster: service web' "$W/d1.log" 2>/dev/null | sed 's/^.*cluster: /cluster-adaptive: d1 joining: /'

: >"$W/published"
poll &
POLL_PID=$!
T0=$(date +%s)
ip netns exec lab-client "$NC_CLIENT" --json --quiet --target "$VIP:80" --proto tcp --mode close \
	--source "$SOURCES" -c 6 -k 5 --duration 200 --timeout-ms 20000 >"$W/client.json" 2>&1 &
CLIENT_PID=$!

if got=$(settle "$LIMIT"); then
	ok "$MODE, 2 dispatchers: both publish n0 > n1 > n2 with n2 <= 10% within $LIMIT s ($got; n0 n1 n2, s since the load began)"
else
	bad "$MODE, 2 dispatchers: both publish n0 > n1 > n2 with n2 <= 10% within $LIMIT s (last: $got)"
fi
sleep 5   # a few intervals more at the settled weights
stop_bg

# every dispatcher carried flows, by its own counters
line=''
idle=0
for ((k = 0; k < N; k++)); do
	f=$(api "$k" services/web | jq '[.servers[].flows] | add // 0' 2>/dev/null)
	line="$line d$k ${f:-0}"
	[ "${f:-0}" -gt 0 ] || idle=1
done
[ "$idle" = 0 ] && ok "both dispatchers carried web flows (flows:$line)" || bad "both dispatchers carried web flows (flows:$line)"

# the same weights per interval: every interval both were seen publishing
read -r common differ < <(awk '
	{ key = $2; w = $3 " " $4 " " $5; if (!(key SUBSEP $1 in seen)) { seen[key, $1] = w } }
	END { for (x in seen) { split(x, p, SUBSEP); if (p[2] == 0 && ((p[1], 1) in seen)) {
		c++; if (seen[x] != seen[p[1], 1]) { d++; print "interval " p[1] ": d0 " seen[x] " d1 " seen[p[1], 1] > "/dev/stderr" } } }
		print c + 0, d + 0 }' "$W/published" 2>"$W/differ")
if [ "${common:-0}" -ge 10 ] && [ "${differ:-1}" = 0 ]; then
	ok "the same weights published by d0 and d1 at each of $common intervals seen from both (GET /api/v1/cluster, polled)"
else
	{ cat "$W/differ"; tail -20 "$W/published"; } >"$W/why"
	bad "the same weights at every interval: $common intervals seen from both, $differ differ (want >= 10 and 0)" "$W/why"
fi

# synced, both contributing to every merge now
for ((k = 0; k < N; k++)); do api "$k" cluster >"$W/cluster$k.json"; done
if jq -e -s 'all(.[]; .services[] | select(.name == "web") | .synced and .contributors == 2)' \
	"$W/cluster0.json" "$W/cluster1.json" >/dev/null 2>&1; then
	ok "both synced, 2 contributors per merge: $(jq -r -s 'map(.services[] | select(.name == "web") |
		"merges \(.merges) (partial \(.merges_partial)), adopted \(.adopted)") | "d0 \(.[0]), d1 \(.[1])"' "$W/cluster0.json" "$W/cluster1.json")"
else
	bad "both synced with 2 contributors" "$W/cluster0.json"
fi

# the history (the --weights-log rows): the same last weights; rows paired by
# the interval their time falls in (printed, not asserted: a row's time is when
# its merge completed)
for ((k = 0; k < N; k++)); do
	api "$k" services/web/history | jq -r '.servers as $n | .samples[] |
		"\(.t * 1000 | floor) \(.weight | join(" "))"' >"$W/history$k"
done
# the last interval both logged (their rows paired by the second their time
# falls in: a row is written when its interval's merge completes, well within it)
read -r kl h0 h1 < <(awk 'FNR == 1 { f++ } { k = int($1 / 1000); $1 = ""; sub(/^ /, ""); gsub(/ /, "/"); w[f, k] = $0 }
	f == 2 && ((1, k) in w) { last = k } END { if (last) print last, w[1, last], w[2, last] }' "$W/history0" "$W/history1")
if [ -n "${h0:-}" ] && [ "$h0" = "$h1" ]; then
	ok "their histories (the --weights-log rows, $(wc -l <"$W/history0") and $(wc -l <"$W/history1") intervals) agree on the last interval both logged: $h0"
else
	bad "their histories agree on the last interval both logged (${kl:-none}: d0 '${h0:-}', d1 '${h1:-}')" "$W/history1"
fi
# (rows of the intervals after the one both were seen joined at: a row comes
# in the second after its interval)
J=$(cut -d' ' -f1 "$W/join" | head -1)
awk -v j="${J:-0}" 'FNR == 1 { f++ } int($1 / 1000) > j + 1 { k = int($1 / 1000); $1 = ""; w[f, k] = $0
		if (f == 2 && ((1, k) in w)) { n++; if (w[1, k] != $0) d++ } }
	END { printf "cluster-adaptive: history rows after the join paired by interval: %d, differing %d\n", n, d }' \
	"$W/history0" "$W/history1"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
