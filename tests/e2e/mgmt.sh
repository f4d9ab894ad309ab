#!/usr/bin/env bash
# End-to-end test of the management interface on a running appliance in the
# namespace lab: every API endpoint, the token rule, bad JSON and bad values
# (a 4xx naming the field, nothing half-applied), servers added, drained and
# removed under nc-client load with no transaction broken, /metrics through
# promtool, netchestra-ctl, SIGHUP with a valid and an invalid startup file
# under load, and the dashboard in headless Chromium (a screenshot is kept in
# BUILD_DIR/test-artifacts/). Usage: tests/e2e/mgmt.sh BUILD_DIR
# shellcheck disable=SC2015 # "check && ok ... || bad ...": ok never fails
E2E_NAME=mgmt
# shellcheck source-path=SCRIPTDIR source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh" "$@"

URL=http://127.0.0.1:9180
CTL=$BUILD/app/netchestra-ctl
ART=$BUILD/test-artifacts
mkdir -p "$ART"
for b in "$CTL" "$(command -v promtool)"; do [ -x "$b" ] || e2e_give_up "missing $b"; done
"$LAB" up >"$W/lab.log" 2>&1 || e2e_give_up "lab up failed: $(tail -3 "$W/lab.log")"
TOKEN=$(cat "$ROOT/config/lab.token")

# cfg <out> [jq filter]: config/lab.json with the management interface on
# 127.0.0.1:9180 (the token made by lab.sh up), the fail-safe on for web
# (response limit 3 s: far above a lost SYN's 1 s retransmit, with headless
# Chromium sharing the two CPUs), then <filter>, on the lab's port kind
cfg() {
	jq --arg tok "$ROOT/config/lab.token" '.management = { listen: "127.0.0.1:9180", token_file: $tok } |
		.services[0].failsafe = { enabled: true, response_timeout_ms: 3000 } |
		'"${2:-.}" "$ROOT/config/lab.json" >"$1" &&
		lab_ports_cfg "$1" >/dev/null   # on the lab's ports, as nc_start would: a SIGHUP keeps them
}

# api <method> <path> [body] [token]: the status code on stdout, the body in $W/resp
api() {
	local args=(-s -o "$W/resp" -w '%{http_code}' -X "$1" --max-time 10)
	[ -z "${3:-}" ] || args+=(-H 'Content-Type: application/json' --data-binary "$3")
	[ -z "${4:-}" ] || args+=(-H "Authorization: Bearer $4")
	curl "${args[@]}" "$URL$2"
}
# expect <what> <code> <method> <path> [body] [token] [jq test on the body]
expect() {
	local what=$1 want=$2 got
	got=$(api "$3" "$4" "${5:-}" "${6:-}")
	if [ "$got" = "$want" ] && { [ -z "${7:-}" ] || jq -e "$7" "$W/resp" >/dev/null 2>&1; }; then
		ok "$what: $want $(head -c 160 "$W/resp")"
	else
		echo "got $got: $(head -c 400 "$W/resp")" >"$W/why"
		bad "$what: want $want" "$W/why"
	fi
}
srv() { curl -s --max-time 10 "$URL/api/v1/services/$1" | jq -c --arg s "$2" '.servers[] | select(.name == $s)'; }
flows_of() { srv "$1" "$2" | jq -r '.flows // -1'; }
load() {   # load <name> <seconds> <mode>: 6 TCP clients from 6 addresses, in the background
	timeout $(($2 + 30)) ip netns exec lab-client "$NC_CLIENT" --json --quiet --target "$LAB_VIP:80" \
		--mode "$3" -c 6 -k 5 --duration "$2" --timeout-ms 5000 \
		--source 10.200.0.10,10.200.0.11,10.200.0.12,10.200.0.13,10.200.0.14,10.200.0.15 \
		>"$W/$1.client.json" 2>"$W/$1.client.err" &
	LOAD_PID=$!
}
load_clean() {   # load_clean <name>: wait; every request answered, no transaction broken
	wait "$LOAD_PID"
	if jq -e '.requests > 100 and .failed == 0 and .broken == 0 and .ok == .requests' \
		"$W/$1.client.json" >/dev/null 2>&1; then
		ok "$1: $(jq -r '"\(.ok) requests answered of \(.requests), \(.completed)/\(.transactions) transactions complete, 0 broken"' "$W/$1.client.json")"
	else
		cat "$W/$1.client.json" "$W/$1.client.err" >"$W/why" 2>/dev/null
		bad "$1: every request answered, no transaction broken" "$W/why"
	fi
}

cfg "$W/mgmt.json"
nc_start "$W/mgmt.json" "$W/mgmt.log" || e2e_give_up "the appliance did not start: $(tail -5 "$W/mgmt.log")"

# ---- reads (no token from loopback) ----
expect "GET services" 200 GET /api/v1/services "" "" \
	'([.services[].name] == ["web", "dns", "web6", "dns6", "web64"]) and
	 ([.services[0].servers[].name] == ["n0", "n1", "n2"]) and
	 (.services[2].vip == "fd00:200::1") and ([.services[2].servers[].address] == ["fd00:201::11", "fd00:201::12", "fd00:201::13"]) and
	 (.services[4].vip == "fd00:200::64") and (.services[4].servers[0].address == "10.201.0.11") and
	 (.services[0].servers[0] | has("state") and has("weight") and has("rt_avg_us") and has("rt_p99_us")
	  and has("flows_active") and has("requests_per_s") and has("held") and has("replays"))'
expect "GET one service" 200 GET /api/v1/services/web "" "" '.name == "web" and .failsafe.enabled == true'
expect "GET unknown service" 404 GET /api/v1/services/nope "" "" '.field == "service"'
expect "GET one server" 200 GET /api/v1/services/dns/servers/n2 "" "" '.name == "n2" and .port == 5353'
expect "GET unknown server" 404 GET /api/v1/services/web/servers/n9 "" "" '.field == "server"'
expect "GET unknown path" 404 GET /api/v1/nothing
expect "GET events" 200 GET "/api/v1/events?since=0" "" "" '.events | type == "array"'
expect "GET events, bad since" 400 GET "/api/v1/events?since=x" "" "" '.field == "since"'
# numbers in the query parsed strictly: never read as 0 ("every event")
for q in 99999999999999999999 9223372036854775808 "" -1 %2B1 %201 1x 0x10 "1&since=2"; do
	expect "GET events, since=$q" 400 GET "/api/v1/events?since=$q" "" "" \
		'.field == "since" and (.error | startswith("since: "))'
done
expect "GET events, since without a value" 400 GET "/api/v1/events?since" "" "" '.field == "since"'
expect "GET events, since the largest id" 200 GET "/api/v1/events?since=9223372036854775807" "" "" \
	'.events == []'
# a path is answered whole or refused: never cut to 511 bytes and then matched
# (here the cut would leave /api/v1/services/web and its slashes)
slashes=$(printf '/%.0s' $(seq 491))
expect "GET a path of exactly 511 bytes" 200 GET "/api/v1/services/web$slashes" "" "" '.name == "web"'
expect "GET a path of 522 bytes" 414 GET "/api/v1/services/web$slashes/servers/n0" "" "" \
	'.error == "request path longer than 511 bytes"'
expect "PATCH a path of 522 bytes" 414 PATCH "/api/v1/services/web$slashes/servers/n1" '{"weight": 40}' "$TOKEN"
# a %00 in a path stays text: it does not end the path early either
expect "GET a path with %00" 404 GET "/api/v1/services/web%00/servers/n0" "" "" '.field == "service"'
sleep 2   # a few monitor intervals
expect "GET history" 200 GET /api/v1/services/web/history "" "" \
	'.servers == ["n0", "n1", "n2"] and (.samples | length) >= 1 and (.samples[-1].weight | length) == 3'
code=$(curl -s -o "$W/index.html" -w '%{http_code}' "$URL/")
if [ "$code" = 200 ] && grep -qi '<html' "$W/index.html" && ! grep -Eqi '(src|href)="https?://' "$W/index.html"; then
	ok "GET / serves the dashboard, nothing from other hosts ($(wc -c <"$W/index.html") bytes)"
else
	bad "GET / serves the dashboard ($code)"
fi
expect "wrong method" 405 POST /api/v1/services '{}' "$TOKEN"

# ---- the token rule ----
expect "change without a token" 401 PATCH /api/v1/services/web/servers/n1 '{"weight": 40}' ""
expect "change with a wrong token" 401 PATCH /api/v1/services/web/servers/n1 '{"weight": 40}' "x$TOKEN"
w_before=$(curl -s "$URL/api/v1/services/web" | jq -c '[.servers[].weight]')

# ---- bad input: 4xx naming the field, nothing applied ----
expect "bad JSON" 400 PATCH /api/v1/services/web/servers/n1 '{"weight": ' "$TOKEN" '.error | test("invalid JSON")'
expect "weight 0" 400 PATCH /api/v1/services/web/servers/n1 '{"weight": 0}' "$TOKEN" '.field == "weight"'
expect "weight as text" 400 PATCH /api/v1/services/web/servers/n1 '{"weight": "40"}' "$TOKEN" '.field == "weight"'
expect "bad state" 400 PATCH /api/v1/services/web/servers/n1 '{"state": "sideways"}' "$TOKEN" '.field == "state"'
expect "good weight, bad state" 400 PATCH /api/v1/services/web/servers/n1 '{"weight": 40, "state": "x"}' "$TOKEN" '.field == "state"'
expect "unknown key" 400 PATCH /api/v1/services/web/servers/n1 '{"colour": "red"}' "$TOKEN" '.field == "colour"'
expect "add: unreachable address" 400 POST /api/v1/services/web/servers \
	'{"name": "n9", "address": "10.9.9.9", "port": 8080}' "$TOKEN" '.field == "address"'
expect "add: the VIP as a server" 400 POST /api/v1/services/web/servers \
	'{"name": "n9", "address": "10.200.0.1", "port": 8080}' "$TOKEN" '.field == "address"'
expect "add: name taken" 400 POST /api/v1/services/web/servers \
	'{"name": "n0", "address": "10.201.0.14", "port": 8080}' "$TOKEN" '.field == "name"'
expect "add: no port" 400 POST /api/v1/services/web/servers \
	'{"name": "n9", "address": "10.201.0.14"}' "$TOKEN" '.field == "port"'
expect "adaptive step 99" 400 PATCH /api/v1/services/web '{"adaptive": {"step": 99}}' "$TOKEN" \
	'.field == "adaptive.step"'
expect "remove unknown server" 404 DELETE /api/v1/services/web/servers/n9 "" "$TOKEN"
big=$(head -c 70000 /dev/zero | tr '\0' ' ')
expect "body over 64 KiB" 413 PATCH /api/v1/services/web/servers/n1 "{\"weight\": 40$big}" "$TOKEN"
w_after=$(curl -s "$URL/api/v1/services/web" | jq -c '[.servers[].weight]')
if [ "$w_before" = "$w_after" ] && [ "$(jq -r '[.services[0].servers[].name] | join(",")' <(curl -s "$URL/api/v1/services"))" = n0,n1,n2 ]; then
	ok "nothing half-applied: weights $w_after, servers n0,n1,n2"
else
	bad "nothing half-applied: weights $w_before -> $w_after"
fi

# ---- add, drain, remove under load ----
load api 40 close
sleep 3
expect "add n3 under load" 201 POST /api/v1/services/web/servers \
	'{"name": "n3", "address": "10.201.0.14", "port": 8080, "weight": 25}' "$TOKEN" \
	'.name == "n3" and .state == "down" and .weight == 0'
up=0
for _ in $(seq 150); do   # up after rise (2) good probes, 2 s apart
	if [ "$(srv web n3 | jq -r .state)" = up ]; then up=1; break; fi
	sleep 0.1
done
[ "$up" = 1 ] && ok "added n3 comes up after its health probes: $(srv web n3 | jq -c '{state, weight, probes_good}')" ||
	bad "added n3 comes up after its health probes: $(srv web n3)"
expect "drain n1 under load" 200 PATCH /api/v1/services/web/servers/n1 '{"state": "drain"}' "$TOKEN" \
	'.state == "drain" and .weight == 0'
sleep 1   # requests already dispatched finish
f1=$(flows_of web n1)
expect "remove n2 under load" 202 DELETE /api/v1/services/web/servers/n2 "" "$TOKEN" '.state == "removing"'
gone=0
for _ in $(seq 100); do
	if [ -z "$(srv web n2)" ]; then gone=1; break; fi
	sleep 0.1
done
[ "$gone" = 1 ] && ok "n2 removed once its flows ended" || bad "n2 removed once its flows ended: $(srv web n2)"
n0a=$(flows_of web n0)
sleep 4
f2=$(flows_of web n1)
f3=$(flows_of web n3)
n0b=$(flows_of web n0)
if [ "$f1" -ge 0 ] && [ "$f1" = "$f2" ] && [ "$f3" -gt 0 ] && [ "$n0b" -gt "$n0a" ] && kill -0 "$LOAD_PID"; then
	ok "drained n1 got no new flow in 4 s under load ($f1 flows; n0 got $((n0b - n0a)) meanwhile); added n3 got $f3"
else
	bad "drained n1 got no new flow ($f1 -> $f2) while n0 got flows ($n0a -> $n0b), added n3 got flows ($f3)"
fi
expect "enable n1" 200 PATCH /api/v1/services/web/servers/n1 '{"state": "up"}' "$TOKEN" '.state == "up" and .weight > 0'
expect "weight 60 for n0" 200 PATCH /api/v1/services/web/servers/n0 '{"weight": 60}' "$TOKEN" '.weight == 60'
expect "adaptive fast" 200 PATCH /api/v1/services/web '{"adaptive": {"enabled": true, "mode": "fast"}}' "$TOKEN" \
	'.adaptive.enabled == true and .adaptive.mode == "fast"'
sleep 3
f4=$(flows_of web n1)
[ "$f4" -gt "$f2" ] && ok "enabled n1 gets flows again ($f2 -> $f4)" || bad "enabled n1 gets flows again ($f2 -> $f4)"
load_clean api
expect "events of the changes" 200 GET "/api/v1/events?since=0" "" "" \
	'[.events[].text] | (any(test("n3 added")) and any(test("n1: drain")) and any(test("n2 removed")))'

# ---- an IPv6 server added, drained and removed (web6) ----
load6_pid=""
ip netns exec lab-client "$NC_CLIENT" --json --quiet --target "[fd00:200::1]:80" --mode close -c 2 -k 5 \
	--duration 30 --timeout-ms 5000 >"$W/api6.client.json" 2>"$W/api6.client.err" &
load6_pid=$!
sleep 2
expect "add an IPv6 server to web6" 201 POST /api/v1/services/web6/servers \
	'{"name": "n3", "address": "fd00:201::14", "port": 8080, "weight": 25}' "$TOKEN" \
	'.name == "n3" and .address == "fd00:201::14" and .state == "down"'
expect "add an IPv4 server to web6" 400 POST /api/v1/services/web6/servers \
	'{"name": "n4", "address": "10.201.0.14", "port": 8080, "weight": 25}' "$TOKEN" '.field == "address"'
up=0
for _ in $(seq 150); do   # up after rise (2) good IPv6 probes, 2 s apart
	if [ "$(srv web6 n3 | jq -r .state)" = up ]; then up=1; break; fi
	sleep 0.1
done
sleep 3
f3=$(flows_of web6 n3)
[ "$up" = 1 ] && [ "${f3:-0}" -gt 0 ] && ok "added IPv6 server n3 comes up after its IPv6 probes and gets flows ($f3)" ||
	bad "added IPv6 server n3 comes up and gets flows: $(srv web6 n3)"
# shellcheck disable=SC1007 # NETCHESTRA_TOKEN= : ctl runs with an empty token
if NETCHESTRA_TOKEN= NETCHESTRA_URL=$URL "$CTL" services >"$W/ctl6.txt" 2>&1 &&
	grep -q '^web6 \[fd00:200::1\]:80/tcp' "$W/ctl6.txt" && grep -Eq '^n3 +\[fd00:201::14\]:8080 +up' "$W/ctl6.txt"; then
	ok "ctl services: web6 on [fd00:200::1]:80, n3 at [fd00:201::14]:8080"
else
	bad "ctl services with IPv6" "$W/ctl6.txt"
fi
NETCHESTRA_TOKEN=$TOKEN NETCHESTRA_URL=$URL "$CTL" drain web6 n3 >"$W/ctl.out" 2>&1 && sleep 1 &&
	f1=$(flows_of web6 n3) && sleep 3 && [ "$(flows_of web6 n3)" = "$f1" ] &&
	ok "ctl drain web6 n3: no new flow in 3 s ($f1)" || bad "ctl drain web6 n3" "$W/ctl.out"
expect "remove the IPv6 server" 202 DELETE /api/v1/services/web6/servers/n3 "" "$TOKEN" '.state == "removing"'
gone=0
for _ in $(seq 100); do
	if [ -z "$(srv web6 n3)" ]; then gone=1; break; fi
	sleep 0.1
done
kill -INT "$load6_pid" 2>/dev/null
wait "$load6_pid"
[ "$gone" = 1 ] && jq -e '.requests > 50 and .failed == 0 and .ok == .requests' "$W/api6.client.json" >/dev/null &&
	ok "IPv6 server removed once its flows ended; web6 load: $(jq -r '"\(.ok) of \(.requests) answered"' "$W/api6.client.json")" ||
	bad "IPv6 server removed, web6 load all answered: $(srv web6 n3)" "$W/api6.client.json"

# ---- /metrics ----
code=$(curl -s -o "$W/metrics.txt" -w '%{http_code}' "$URL/metrics")
if [ "$code" = 200 ] && promtool check metrics <"$W/metrics.txt" >"$W/promtool.out" 2>&1 &&
	grep -q '^netchestra_server_requests_total{service="web",server="n0"} [1-9]' "$W/metrics.txt" &&
	grep -q '^netchestra_response_time_seconds_bucket{service="web",server="n3",le="+Inf"} [1-9]' "$W/metrics.txt"; then
	ok "/metrics passes promtool check metrics ($(grep -vc '^#' "$W/metrics.txt") samples)"
else
	cat "$W/promtool.out" >"$W/why" 2>/dev/null; head -30 "$W/metrics.txt" >>"$W/why"
	bad "/metrics passes promtool check metrics ($code)" "$W/why"
fi

# ---- netchestra-ctl ----
export NETCHESTRA_URL=$URL
# shellcheck disable=SC1007 # NETCHESTRA_TOKEN= : ctl runs with an empty token
if NETCHESTRA_TOKEN= "$CTL" services >"$W/ctl.txt" 2>&1 && grep -q '^web 10.200.0.1:80/tcp' "$W/ctl.txt" &&
	grep -Eq '^n3 +10.201.0.14:8080 +up' "$W/ctl.txt"; then
	ok "ctl services: a table per service"
else
	bad "ctl services" "$W/ctl.txt"
fi
"$CTL" --json services >"$W/ctl.json" 2>&1 && jq -e '.services[0].name == "web"' "$W/ctl.json" >/dev/null &&
	ok "ctl --json services" || bad "ctl --json services" "$W/ctl.json"
NETCHESTRA_TOKEN=$TOKEN "$CTL" drain web n3 >"$W/ctl.out" 2>&1 && [ "$(srv web n3 | jq -r .state)" = drain ] &&
	ok "ctl drain web n3: $(cat "$W/ctl.out")" || bad "ctl drain web n3" "$W/ctl.out"
NETCHESTRA_TOKEN=$TOKEN "$CTL" weight web n1 40 >"$W/ctl.out" 2>&1 && [ "$(srv web n1 | jq -r .weight)" = 40 ] &&
	ok "ctl weight web n1 40: $(cat "$W/ctl.out")" || bad "ctl weight web n1 40" "$W/ctl.out"
NETCHESTRA_TOKEN=wrong-token "$CTL" enable web n3 >"$W/ctl.out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q 401 "$W/ctl.out" && ok "ctl with a wrong token: exit 1, $(cat "$W/ctl.out")" ||
	bad "ctl with a wrong token: exit 1 (got $rc)" "$W/ctl.out"
NETCHESTRA_TOKEN=$TOKEN "$CTL" enable web n3 >/dev/null 2>&1

# ---- the dashboard in headless Chromium ----
DASH=$ROOT/tests/dashboard
if [ -d "$DASH/node_modules/playwright-core" ] && [ -x /usr/bin/chromium ]; then
	load dash 90 close   # stopped (SIGINT) once the drain is checked
	sleep 1
	timeout 90 node "$DASH/dashboard.mjs" --url "$URL" --token "$TOKEN" --service web \
		--servers n0,n1,n3 --drain n1 --screenshot "$ART/dashboard.png" >"$W/dash.out" 2>&1
	rc=$?
	sed 's/^/    /' "$W/dash.out"
	[ "$rc" = 0 ] && ok "dashboard: loads clean, shows n0 n1 n3, chart updates, drain button (screenshot $ART/dashboard.png)" ||
		bad "dashboard" "$W/dash.out"
	sleep 1
	f1=$(flows_of web n1); n0a=$(flows_of web n0); sleep 4; f2=$(flows_of web n1); n0b=$(flows_of web n0)
	[ "$f1" = "$f2" ] && [ "$n0b" -gt "$n0a" ] && [ "$(srv web n1 | jq -r .state)" = drain ] &&
		kill -0 "$LOAD_PID" &&
		ok "drained from the dashboard: n1 got no new flow in 4 s under load ($f1 flows; n0 got $((n0b - n0a)) meanwhile)" ||
		bad "drained from the dashboard: n1 got no new flow ($f1 -> $f2) while n0 got flows ($n0a -> $n0b)"
	kill -INT "$LOAD_PID" 2>/dev/null
	load_clean dash
	api PATCH /api/v1/services/web/servers/n1 '{"state": "up"}' "$TOKEN" >/dev/null
else
	bad "dashboard: playwright-core (tests/dashboard/node_modules) and /usr/bin/chromium needed"
fi

# ---- SIGHUP: a valid file, then an invalid one, under load ----
load hup 14 keepalive
sleep 3
cfg "$W/mgmt.json" '.services[0].servers = [
	{name: "n0", address: "10.201.0.11", port: 8080, weight: 70},
	{name: "n1", address: "10.201.0.12", port: 8080, weight: 30}]'
kill -HUP "$NC_PID"
ok_hup=0
for _ in $(seq 50); do
	if grep -q 'reload: .* applied' "$W/mgmt.log"; then ok_hup=1; break; fi
	sleep 0.1
done
sleep 0.5
got=$(curl -s "$URL/api/v1/services/web" | jq -c '[.servers[] | select(.state != "removing") | {(.name): .weight}] | add')
[ "$ok_hup" = 1 ] && [ "$got" = '{"n0":70,"n1":30}' ] && ok "SIGHUP, valid file: web is now $got (n3 removing)" ||
	bad "SIGHUP, valid file: web $got" "$W/mgmt.log"
sleep 2
cp "$W/mgmt.json" "$W/good.json"
jq '.workers.burst = 64 | .services[1].port = 99999' "$W/good.json" >"$W/mgmt.json"
"$NC_BIN" -c "$W/mgmt.json" --check >"$W/check.out" 2>&1
lines_before=$(wc -l <"$W/mgmt.log")
kill -HUP "$NC_PID"
for _ in $(seq 50); do grep -q 'reload: rejected' "$W/mgmt.log" && break; sleep 0.1; done
tail -n +"$((lines_before + 1))" "$W/mgmt.log" | grep -v '^\[ *[0-9.]*s\]' >"$W/hup.out"
grep -v '^reload:' "$W/hup.out" | grep -v '^\(MON\|DP\|APP\):' >"$W/hup.errs"
after=$(curl -s "$URL/api/v1/services/web" | jq -c '[.servers[] | select(.state != "removing") | {(.name): .weight}] | add')
if grep -q 'reload: rejected; the running configuration stays' "$W/hup.out" &&
	grep -Fxf "$W/check.out" "$W/hup.errs" | diff -q - "$W/check.out" >/dev/null &&
	[ "$after" = "$got" ]; then
	ok "SIGHUP, invalid file: rejected with the --check lines ($(grep -c . "$W/check.out")), web stays $after"
else
	{ echo "--check:"; cat "$W/check.out"; echo "reload:"; cat "$W/hup.out"; echo "web: $after"; } >"$W/why"
	bad "SIGHUP, invalid file rejected with the --check lines, running config stays" "$W/why"
fi
load_clean hup

# ---- SIGHUP: services added and removed ----
names() { curl -s --max-time 10 "$URL/api/v1/services" | jq -c '[.services[] | .name + ":" + .state] | sort'; }
jq '.services[1] = (.services[0] | .name = "web2" | .port = 8081 |
	.servers = [.servers[0], .servers[1]] | .servers[0].weight = 50 | .servers[1].weight = 50)' \
	"$W/good.json" >"$W/mgmt.json"
kill -HUP "$NC_PID"
got=""
for _ in $(seq 50); do
	got=$(names)
	[ "$got" = '["dns6:live","web2:live","web64:live","web6:live","web:live"]' ] && break
	sleep 0.2
done
body=$(ip netns exec lab-client curl -s --max-time 5 http://10.200.0.1:8081/ 2>&1)
if [ "$got" = '["dns6:live","web2:live","web64:live","web6:live","web:live"]' ] && [[ $body == n[01]\ * ]]; then
	ok "SIGHUP adds web2 (answers on :8081: $body) and removes dns"
else
	bad "SIGHUP adds web2 and removes dns: $got, curl :8081 '$body'" "$W/mgmt.log"
fi
cp "$W/good.json" "$W/mgmt.json"
kill -HUP "$NC_PID"
for _ in $(seq 100); do   # web2's connection lingers tcp_fin_s, then it is gone
	got=$(names)
	[ "$got" = '["dns6:live","dns:live","web64:live","web6:live","web:live"]' ] && break
	sleep 0.2
done
dns=$(ip netns exec lab-client "$NC_CLIENT" --json --target "$LAB_VIP:5353" --proto udp -c 1 -k 5 \
	--transactions 2 --timeout-ms 2000 2>/dev/null | jq -r '"\(.ok)/\(.requests)"')
[ "$got" = '["dns6:live","dns:live","web64:live","web6:live","web:live"]' ] && [ "$dns" = 10/10 ] &&
	ok "SIGHUP brings dns back in its old slot (answers $dns) and removes web2" ||
	bad "SIGHUP brings dns back and removes web2: $got, dns $dns" "$W/mgmt.log"

# ---- SIGHUP: an IPv6 service's VIP changed (its shape: a restart) ----
i6=$(jq '[.services[].name] | index("web6")' "$W/good.json")
jq --argjson i "$i6" '.services[$i].vip = "fd00:200::2"' "$W/good.json" >"$W/mgmt.json"
lines_before=$(wc -l <"$W/mgmt.log")
kill -HUP "$NC_PID"
for _ in $(seq 50); do grep -q 'reload: rejected' <(tail -n +"$((lines_before + 1))" "$W/mgmt.log") && break; sleep 0.1; done
tail -n +"$((lines_before + 1))" "$W/mgmt.log" | grep -v '^\[ *[0-9.]*s\]' >"$W/hup6.out"
body=$(ip netns exec lab-client curl -6 -s --max-time 5 "http://[fd00:200::1]/" 2>&1)
if grep -q 'reload: rejected; the running configuration stays' "$W/hup6.out" &&
	grep -q "^services\[$i6\]: vip, port, protocol, local_ips, .*needs a restart" "$W/hup6.out" &&
	[[ $body == n[0-2]\ * ]]; then
	ok "SIGHUP moving web6 to another IPv6 VIP: rejected (services[$i6] needs a restart), web6 still answers curl -6 on fd00:200::1 ($body)"
else
	{ cat "$W/hup6.out"; echo "curl -6: $body"; } >"$W/why"
	bad "SIGHUP moving web6 to another IPv6 VIP rejected, web6 still answering" "$W/why"
fi
cp "$W/good.json" "$W/mgmt.json"

# ---- SIGHUP: an IPv6 service added on a new VIP, then removed ----
# web6b is web6 on fd00:200::2: the appliance answers Neighbor Discovery for
# the new VIP, its servers come up after their probes, curl -6 gets answers
live5='["dns6:live","dns:live","web64:live","web6:live","web:live"]'
live6='["dns6:live","dns:live","web64:live","web6:live","web6b:live","web:live"]'
jq --argjson i "$i6" '.services += [.services[$i] | .name = "web6b" | .vip = "fd00:200::2"]' \
	"$W/good.json" >"$W/mgmt.json"
kill -HUP "$NC_PID"
got="" body=""
for _ in $(seq 100); do
	got=$(names)
	if [ "$got" = "$live6" ]; then
		body=$(ip netns exec lab-client curl -6 -s --max-time 2 "http://[fd00:200::2]/" 2>&1)
		[[ $body == n[0-2]\ * ]] && break
	fi
	sleep 0.2
done
vip=$(curl -s --max-time 10 "$URL/api/v1/services/web6b" | jq -r '.vip')
n=0
for _ in $(seq 6); do
	b=$(ip netns exec lab-client curl -6 -s --max-time 5 "http://[fd00:200::2]/" 2>&1)
	[[ $b == n[0-2]\ * ]] && n=$((n + 1))
done
if [ "$got" = "$live6" ] && [[ $body == n[0-2]\ * ]] && [ "$vip" = fd00:200::2 ] && [ "$n" = 6 ]; then
	ok "SIGHUP adds IPv6 service web6b on a new VIP $vip: curl -6 answered 7 of 7 ($body)"
else
	bad "SIGHUP adds IPv6 service web6b on fd00:200::2: $got, vip '$vip', curl -6 '$body', $n of 6 more" "$W/mgmt.log"
fi
cp "$W/good.json" "$W/mgmt.json"
kill -HUP "$NC_PID"
for _ in $(seq 100); do   # its connections linger tcp_fin_s, then it is gone
	got=$(names)
	[ "$got" = "$live5" ] && break
	sleep 0.2
done
body=$(ip netns exec lab-client curl -6 -s --max-time 5 "http://[fd00:200::1]/" 2>&1)
[ "$got" = "$live5" ] && [[ $body == n[0-2]\ * ]] &&
	ok "SIGHUP removes web6b, web6 answers curl -6 throughout ($body)" ||
	bad "SIGHUP removes web6b: $got, web6 curl -6 '$body'" "$W/mgmt.log"

nc_stop >/dev/null
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
