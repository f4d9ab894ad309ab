#!/usr/bin/env bash
# End-to-end interoperability test of the appliance with independent clients
# and servers (none of the project's own). In each of lab-n0, lab-n1, lab-n2
# run nginx (plain, TLS, keepalive_timeout 0, keepalive_timeout 1s),
# lighttpd, Python's http.server (HTTP/1.0 and HTTP/1.1), socat echo, a socat
# sink (one-way: reads until EOF, answers nothing) and redis-server. Every
# kind of server is a service twice on the VIP: "<kind>-on" with the
# transaction fail-safe on (VIP port = the server's port) and "<kind>-off"
# with it off (port + 10000).
#
# Phase 1, no server fails: each cell runs one client (curl, ab, wrk, h2load,
# http.client, raw sockets, pipelined requests, socat-style echo and sink,
# redis) against the -on and the -off service at once; both must give every
# answer right and the same answers (reuse: a connection dropped with a reset
# the appliance never sees, then a new one from the same port). Four cells
# run on a lossy network (one data segment in ten dropped on the switch:
# answers past a hole, a FIN before the answer it closes). curl clients give
# up on an nginx answer that
# never comes: nginx's close after theirs is no failure. Then the
# appliance's API must show no replay, no reset and no server taken down on
# any service (nothing failed).
# Phase 2, one server fails: on a fresh lab, a set of cells runs against the
# -on services for 10 s while at 3 s every server process of lab-n1 is killed
# (SIGKILL), frozen (SIGSTOP), or its link is cut; HTTP requests must all be
# answered right; opaque protocols (TLS, echo, redis) may see a reset or close
# (counted by the appliance) but never hang; n1 and only n1 is taken down.
# 'lossy' kills n1 the same way under the HTTP cells on the lossy network of
# phase 1 (the response limit 15 s: failures are heard from n1's resets), its
# clients waiting 15 s: the held requests with holes move whole.
#
# Usage: tests/e2e/interop.sh BUILD_DIR
#   INTEROP_ONLY=phase1|phase2   one phase (default both)
#   INTEROP_CELLS=REGEX          only the cells whose name matches (both phases)
#   INTEROP_FAILS="kill stop link lossy"   phase 2's failures
E2E_NAME=interop
# shellcheck source-path=SCRIPTDIR source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh" "$@"

HERE=$ROOT/tests/e2e/interop
URL=http://127.0.0.1:9180
ONLY=${INTEROP_ONLY:-all}
CELLS=${INTEROP_CELLS:-.}
FAILS=${INTEROP_FAILS:-kill stop link lossy}
SRCS=10.200.0.10,10.200.0.11,10.200.0.12,10.200.0.13,10.200.0.14,10.200.0.15,10.200.0.16,10.200.0.17
FIXED='netchestra interop: a fixed body'
PY=$(command -v python3) || e2e_give_up "python3 missing"
for b in nginx lighttpd socat redis-server openssl curl jq; do
	command -v "$b" >/dev/null || e2e_give_up "missing $b (scripts/deps.sh installs it)"
done
case $ONLY in all | phase1 | phase2) ;; *) e2e_give_up "INTEROP_ONLY: phase1 or phase2, got '$ONLY'" ;; esac

# the kinds of server: name, port in the server namespaces, health probe
KINDS=(nginx:8081:http tls:8443:tcp ka0:8082:http ka1:8083:http lighttpd:8084:http
	py10:8085:http py11:8086:http echo:8087:tcp sink:8088:tcp redis:6379:tcp)
declare -A PORT
for k in "${KINDS[@]}"; do IFS=: read -r n p _ <<<"$k"; PORT[$n]=$p; done

# ---- the servers -----------------------------------------------------------

PEER_PIDS=()
CLIENT_PIDS=()
e2e_cleanup() {
	local p
	for p in "${CLIENT_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	peers_stop
}

# the document root all servers share (the clients read it for the expected
# bodies), the 1 MiB POST body and the TLS certificate
mkdir -p "$W/www" "$W/sink" "$W/p1" "$W/p2"
printf '%s\n' "$FIXED" >"$W/www/fixed"
echo ok >"$W/www/health"
head -c 1000 /dev/urandom >"$W/www/f1k"
head -c 65659 /dev/urandom >"$W/www/f64k"
head -c 1000003 /dev/urandom >"$W/www/f1m"
head -c 1048576 /dev/urandom >"$W/post1m"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$LAB_VIP" \
	-keyout "$W/tls.key" -out "$W/tls.crt" >"$W/openssl.log" 2>&1 ||
	e2e_give_up "openssl could not make a certificate: $(tail -2 "$W/openssl.log")"

peer() {   # peer <n> <name> <command...>: a server in lab-n<n>, its pid kept
	ip netns exec "lab-n$1" "${@:3}" </dev/null >>"$W/n$1/$2.out" 2>&1 &
	PEER_PIDS+=("$!")
	disown "$!"   # no job notice when phase 2 kills it
}

# peers_start <n>...: every server of the suite in lab-n<n>; returns when all
# listen (1 after 10 s)
peers_start() {
	local i addr d port up
	for i; do
		addr=10.201.0.$((11 + i)) d=$W/n$i
		mkdir -p "$d/tmp"
		sed -e "s|@ADDR@|$addr|g; s|@DIR@|$d|g; s|@WWW@|$W/www|g; s|@FIXED@|$FIXED\\\\n|g" \
			-e "s|@CERT@|$W/tls.crt|g; s|@KEY@|$W/tls.key|g" "$HERE/nginx.conf.in" >"$d/nginx.conf"
		sed -e "s|@ADDR@|$addr|g; s|@DIR@|$d|g; s|@WWW@|$W/www|g" "$HERE/lighttpd.conf.in" >"$d/lighttpd.conf"
		peer "$i" nginx nginx -c "$d/nginx.conf" -e "$d/nginx-error.log"
		peer "$i" lighttpd lighttpd -D -f "$d/lighttpd.conf"
		peer "$i" py10 "$PY" "$HERE/httpd.py" --bind "$addr" --port 8085 --root "$W/www" --protocol HTTP/1.0
		peer "$i" py11 "$PY" "$HERE/httpd.py" --bind "$addr" --port 8086 --root "$W/www" --protocol HTTP/1.1
		peer "$i" echo socat "TCP-LISTEN:8087,bind=$addr,reuseaddr,fork,backlog=128" PIPE
		peer "$i" sink socat -u "TCP-LISTEN:8088,bind=$addr,reuseaddr,fork,backlog=128" \
			"EXEC:$HERE/sink.sh $W/sink n$i"
		peer "$i" redis redis-server --bind "$addr" --port 6379 --protected-mode no --save "" \
			--appendonly no --dir "$d" --logfile "$d/redis.log"
	done
	for _ in $(seq 100); do
		up=1
		for i; do
			for port in "${PORT[@]}"; do
				ip netns exec "lab-n$i" ss -Hltn "sport = :$port" | grep -q . || { up=0; break 2; }
			done
		done
		[ "$up" = 0 ] || return 0
		sleep 0.1
	done
	for i; do tail -n 3 "$W/n$i"/*.out "$W/n$i"/*-error.log 2>/dev/null; done >"$W/peers.why"
	return 1
}

# peers_alive <pid>...: those still running as servers of this suite (this
# shell's children: the pid of a server that exited may be another process's)
peers_alive() {
	local p
	for p; do
		[ "$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f2)" != "$$" ] || echo "$p"
	done
}

peers_stop() {   # every server the suite started (frozen ones thawed first)
	local pids
	# shellcheck disable=SC2046
	set -- $(peers_alive "${PEER_PIDS[@]}")
	PEER_PIDS=()
	[ $# -gt 0 ] || return 0
	kill -CONT "$@" 2>/dev/null
	kill "$@" 2>/dev/null
	for _ in $(seq 30); do
		mapfile -t pids < <(peers_alive "$@")
		[ "${#pids[@]}" -gt 0 ] || return 0
		sleep 0.1
	done
	kill -9 "${pids[@]}" 2>/dev/null
}

# ---- the appliance ---------------------------------------------------------

# cfg <out>: config/lab.json's ports, two services per kind over n0, n1, n2
# (the lab's local IPs and weights, the kind's port), HTTP or TCP probes every
# second (answered within a second; down after 3 bad ones), the fail-safe on
# (response limit 1 s, far above these servers' milliseconds) or off, and the
# management API on
cfg() {
	local kinds
	kinds=$(printf '%s\n' "${KINDS[@]}" | jq -R 'split(":") | {name: .[0], port: (.[1] | tonumber), health: .[2]}' | jq -s .)
	jq --arg tok "$ROOT/config/lab.token" --argjson kinds "$kinds" '
		.eal.memory_mb = 768 |
		.management = { listen: "127.0.0.1:9180", token_file: $tok } |
		.services[0] as $web |
		.services = [ $kinds[] as $k | (true, false) as $on | {
			name: ($k.name + (if $on then "-on" else "-off" end)),
			vip: $web.vip, port: (if $on then $k.port else $k.port + 10000 end), proto: "tcp",
			local_ips: $web.local_ips, scheduler: "ratio",
			servers: [ $web.servers[] | .port = $k.port ],
			health: ({ type: $k.health, interval_ms: 1000, timeout_ms: 1000, rise: 2, fall: 3 } +
				(if $k.health == "http" then { http_path: "/health" } else {} end)),
			failsafe: { enabled: $on, response_timeout_ms: 1000, max_replays: 2, store_size: 16384 } } ]' \
		"$ROOT/config/lab.json" >"$1"
}

api_services() { curl -s --max-time 5 "$URL/api/v1/services"; }

# setup <name>: a fresh lab, the servers, the appliance
RUN=
setup() {
	RUN=$1
	"$LAB" down >/dev/null 2>&1
	"$LAB" up >"$W/$1.lab.log" 2>&1 || { bad "$1: lab up" "$W/$1.lab.log"; return 1; }
	peers_start 0 1 2 || { bad "$1: the servers start in lab-n0..n2" "$W/peers.why"; return 1; }
	cfg "$W/$1.json"
	nc_start "$W/$1.json" "$W/$1.log" || { bad "$1: the appliance starts" "$W/$1.log"; return 1; }
	# every server up in every service (the probes' first rounds)
	for _ in $(seq 50); do
		api_services | jq -e '[.services[].servers[].state] | length == 60 and all(. == "up")' >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	api_services >"$W/$1.why"
	bad "$1: every server up in every service" "$W/$1.why"
	return 1
}

teardown() {
	nc_stop >/dev/null
	peers_stop
	"$LAB" down >/dev/null 2>&1
}

# failsafe_limit <ms>: the fail-safe's response limit on every service of
# this run (setup's), by a SIGHUP of its startup file (rewritten in place,
# its ports kept)
failsafe_limit() {
	local f=$W/$RUN.json n
	n=$(grep -c 'reload: .* applied' "$W/$RUN.log")
	jq --argjson ms "$1" '.services[].failsafe.response_timeout_ms = $ms' "$f" >"$f.new" && mv "$f.new" "$f" ||
		return 1
	kill -HUP "$NC_PID"
	for _ in $(seq 50); do
		[ "$(grep -c 'reload: .* applied' "$W/$RUN.log")" -gt "$n" ] && return 0
		sleep 0.1
	done
	return 1
}

# lossy on|off: one in ten segments with data (PSH) from the clients and the
# servers dropped on the switch (nftables numgen in lab-sw: the kernel has no
# netem), the response limit 15 s and the clients' 15 s (their cells): a
# segment lost five times running (its resends 0.2, 0.4, 0.8, 1.6, 3.2 s
# apart) is still an answer in time, not a failure; off: how many were
# dropped, and the appliance's fs_gap drops. <label>: the checks' names.
lossy() {   # lossy on|off <label>
	local n gap why=$W/$RUN.lossy.why
	if [ "$1" = on ]; then
		if ! failsafe_limit 15000; then
			tail -5 "$W/$RUN.log" >"$why"
			bad "$2: a SIGHUP sets the response limit to 15 s" "$why"
			return 1
		fi
		ip netns exec lab-sw nft -f - >"$why" 2>&1 <<-'EOF' && return 0
			table bridge lossy {
				chain forward {
					type filter hook forward priority 0; policy accept;
					iifname { "sw-client", "sw-n0", "sw-n1", "sw-n2" } tcp flags & psh == psh numgen random mod 10 == 0 counter drop
				}
			}
		EOF
		bad "$2: nftables drops one data segment in ten on lab-sw" "$why"
		failsafe_limit 1000
		return 1
	fi
	n=$(ip netns exec lab-sw nft -j list table bridge lossy 2>/dev/null |
		jq '[.nftables[].rule? | select(.) | .expr[] | .counter? | select(.) | .packets] | add // 0')
	ip netns exec lab-sw nft delete table bridge lossy
	failsafe_limit 1000 || bad "$2: a SIGHUP sets the response limit back to 1 s"
	gap=$(curl -s --max-time 5 "$URL/metrics" | awk '/^netchestra_drops_total\{reason="fs_gap"\}/ {print $2}')
	if [ "${n:-0}" -gt 0 ]; then
		ok "$2: the switch dropped $n data segments (the appliance dropped ${gap:-?} past a gap, fs_gap)"
	else
		echo "dropped: ${n:-none}" >"$why"
		bad "$2: the switch dropped data segments" "$why"
	fi
}

# giveup: clients that give up on an answer that never comes (curl's 0.4 s
# limit on nginx's /slow; the response limit 15 s meanwhile, so that only the
# closes can decide); nginx ends each request with 499 and closes: its answer
# to the client's close, not a failure - nothing may move, be reset, be taken
# down or stay held
giveup() {
	local n=8 k p timeouts=0 got pids=() f=$W/p1/giveup
	failsafe_limit 15000 || { bad "phase 1 giveup: a SIGHUP sets the response limit to 15 s"; return; }
	api_services >"$f.before.json"
	for k in $(seq "$n"); do
		ip netns exec lab-client curl -s -o /dev/null --max-time 0.4 "http://$LAB_VIP:${PORT[nginx]}/slow" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p"
		[ $? != 28 ] || timeouts=$((timeouts + 1))
	done
	settled "$f.after.json" nginx
	failsafe_limit 1000 || bad "phase 1 giveup: a SIGHUP sets the response limit back to 1 s"
	cell_counters "$f.before.json" "$f.after.json" nginx >"$f.counters.json"
	got=$(cat "$W"/n*/slow.log 2>/dev/null | grep -c '" 499 ')
	if [ "$timeouts" = "$n" ] && [ "$got" = "$n" ] &&
		jq -e --argjson n "$n" '.ok and .held >= $n' "$f.counters.json" >/dev/null 2>&1 &&
		jq -e '.services[] | select(.name == "nginx-on") | .failsafe.held_now == 0' "$f.after.json" >/dev/null 2>&1; then
		ok "phase 1 giveup: $n curl clients gave up on nginx's /slow, each logged 499 by nginx; nothing moved, reset or taken down ($(jq -r '"\(.held) held"' "$f.counters.json"))"
	else
		{
			echo "curl timeouts: $timeouts of $n; nginx's 499s: $got"
			cat "$f.counters.json"
			jq -c '.services[] | select(.name == "nginx-on") | .failsafe' "$f.after.json"
			grep -E "MON: .*nginx-on" "$W/phase1.log" | grep -vF -f "$W/p1/mon.seen" | head -4
		} >"$f.why"
		bad "phase 1 giveup: clients that give up on nginx's /slow: nothing moved, reset or taken down" "$f.why"
	fi
	grep -E "MON: " "$W/phase1.log" >"$W/p1/mon.seen"
}

# client <out> <kind> <service port> <label> [options...]: one client run in
# lab-client, bounded, in the background (its pid in CLIENT_PID)
client() {
	local out=$1 ck=$2 port=$3 label=$4
	shift 4
	timeout -k 5 150 ip netns exec lab-client "$PY" "$HERE/client.py" "$ck" --target "$LAB_VIP:$port" \
		--label "$label" --www "$W/www" --sources "$SRCS" "$@" >"$out" 2>"${out%.json}.err" &
	CLIENT_PID=$!
	CLIENT_PIDS+=("$CLIENT_PID")
}

# one line of a client's result: "ok/want ok" [failures] [info]
summary() {
	jq -r '"\(.ok)/\(.want // .requests) ok" +
		(if (.fail | length) > 0 then " (" + (.fail | to_entries | map("\(.key) \(.value)") | join(", ")) + ")" else "" end) +
		(if (.info | length) > 0 then " [" + (.info | to_entries | map("\(.key) \(.value)") | join(", ")) + "]" else "" end)' "$1" 2>/dev/null ||
		echo "no result ($(tail -c 200 "${1%.json}.err" 2>/dev/null | tr '\n' ' '))"
}

# fs_counts <api json> <service>: "replays R, resets X, down D" (D: servers' down_count summed)
fs_counts() {
	jq -r --arg s "$2" '.services[] | select(.name == $s) |
		"replays \(.failsafe.replays), resets \(.failsafe.resets), down \([.servers[].down_count] | add)"' "$1" 2>/dev/null
}

# ---- phase 1: nobody fails --------------------------------------------------

# settled <out> <kind>: the API's services into <out> once nothing is held
# on <kind>-on any more (at most 3 s: a held request's deadline is 1 s)
settled() {
	for _ in $(seq 15); do
		api_services >"$1"
		jq -e --arg s "$2-on" '.services[] | select(.name == $s) | .failsafe.held_now == 0' "$1" >/dev/null 2>&1 && return
		sleep 0.2
	done
}

# what the appliance did on <kind>-on and <kind>-off between two API reads:
# {held, replays, resets, down (servers' down_count summed), off_held, off_down}
# with "ok": the fail-safe held requests on -on, nothing on -off, and no
# replay, reset or server taken down on either
cell_counters() {   # cell_counters <before> <after> <kind>
	jq -n --slurpfile b "$1" --slurpfile a "$2" --arg on "$3-on" --arg off "$3-off" '
		def svc($d; $n): $d[0].services[] | select(.name == $n);
		def down($s): [$s.servers[].down_count] | add;
		{ held: (svc($a; $on).failsafe.held - svc($b; $on).failsafe.held),
		  replays: (svc($a; $on).failsafe.replays - svc($b; $on).failsafe.replays),
		  resets: (svc($a; $on).failsafe.resets - svc($b; $on).failsafe.resets),
		  down: (down(svc($a; $on)) - down(svc($b; $on))),
		  off_held: (svc($a; $off).failsafe.held - svc($b; $off).failsafe.held),
		  off_down: (down(svc($a; $off)) - down(svc($b; $off))) } |
		.ok = (.held > 0 and .replays == 0 and .resets == 0 and .down == 0 and .off_held == 0 and .off_down == 0)' 2>/dev/null
}

# cell <name> <server kind> <client kind> [client options...]: the client
# against <kind>-on and <kind>-off at the same time: both all right and
# alike, and the appliance replayed, reset and took down nothing meanwhile
cell() {
	local name=$1 kind=$2 ck=$3 on off f=$W/p1/$1 cnt
	shift 3
	[[ $name =~ $CELLS ]] || return 0
	api_services >"$f.before.json"
	client "$f.on.json" "$ck" "${PORT[$kind]}" "$name-on" "$@"
	on=$CLIENT_PID
	client "$f.off.json" "$ck" "$((PORT[$kind] + 10000))" "$name-off" "$@"
	off=$CLIENT_PID
	wait "$on" "$off"
	CLIENT_PIDS=()
	settled "$f.after.json" "$kind"
	cell_counters "$f.before.json" "$f.after.json" "$kind" >"$f.counters.json"
	cnt=$(jq -r '"\(.held) held, \(.replays) replays, \(.resets) resets, \(.down) servers taken down on \($k)-on; \(.off_down) on \($k)-off"' \
		--arg k "$kind" "$f.counters.json" 2>/dev/null)
	if jq -e -s '.[0].pass and .[1].pass and .[0].statuses == .[1].statuses and
		(.[0].want == null or .[0].requests == .[1].requests)' "$f.on.json" "$f.off.json" >/dev/null 2>&1 &&
		jq -e .ok "$f.counters.json" >/dev/null 2>&1; then
		ok "phase 1 $name: on $(summary "$f.on.json"); off $(summary "$f.off.json"); appliance: $cnt"
	else
		{
			echo "fail-safe on:  $(summary "$f.on.json")"
			jq -r '.examples[] | "  " + .' "$f.on.json" 2>/dev/null
			echo "fail-safe off: $(summary "$f.off.json")"
			jq -r '.examples[] | "  " + .' "$f.off.json" 2>/dev/null
			jq -r -s '"statuses on \(.[0].statuses | tojson), off \(.[1].statuses | tojson)"' \
				"$f.on.json" "$f.off.json" 2>/dev/null
			echo "appliance during the cell: ${cnt:-no API answer}"
			grep -E "MON: .*$kind-on" "$W/phase1.log" | grep -vF -f "$W/p1/mon.seen" | head -4
			# the drops so far (a lost segment shows as a port's missed
			# frames or the fail-safe's fs_gap)
			curl -s --max-time 5 "$URL/metrics" | grep -E "^netchestra_(drop[a-z_]*|port_rx_(missed|errors|nombuf)_total|port_tx_errors_total)" |
				grep -v " 0$" | head -12
		} >"$f.why"
		bad "phase 1 $name: on and off all right and alike, nothing replayed, reset or taken down" "$f.why"
	fi
	grep -E "MON: " "$W/phase1.log" >"$W/p1/mon.seen"
}

# reuse: a client drops a connection after its server closed it (or while
# the server closes it for idling) and its reset never reaches the appliance
# (dropped in lab-client: RST|ACK from the cells' ports), then opens a new
# connection from the same address and port, as a client that binds its
# port does; that connection must be answered at once: the old flow's
# server side is closed, or hidden by the fail-safe (nginx's idle close).
# The drop counter must show every reset dropped. On the -on services
# (source ports 20000-20999) the new connection opens a flow of its own at
# once: the old server side never answers its SYN, so the client never
# resets a stray answer (a reset without ACK, counted; the -off services'
# clients do: their SYN meets the server's old connection, see README).
# Python's sockets, nginx.
reuse() {
	local why=$W/p1/reuse.why n stray aborts=0 f
	[[ reuse =~ $CELLS ]] || return 0
	if ! ip netns exec lab-client nft -f - >"$why" 2>&1 <<-'EOF'
		table inet reuse {
			counter aborts {}
			counter stray_on {}
			chain output {
				type filter hook output priority 0; policy accept;
				tcp sport 20000-21999 tcp flags & (rst | ack) == rst | ack counter name aborts drop
				tcp sport 20000-20999 tcp flags & (rst | ack) == rst counter name stray_on
			}
		}
	EOF
	then
		bad "reuse: nftables drops the clients' resets in lab-client" "$why"
		return
	fi
	cell reuse-idle-ka1 ka1 reuse --reuse idle --idle 1.5 --ops 12 -c 4 --path /fixed
	cell reuse-close-nginx nginx reuse --reuse close --ops 12 -c 4 --path /f1k
	n=$(ip netns exec lab-client nft -j list counter inet reuse aborts 2>/dev/null | jq '.nftables[].counter? | select(.) | .packets')
	stray=$(ip netns exec lab-client nft -j list counter inet reuse stray_on 2>/dev/null | jq '.nftables[].counter? | select(.) | .packets')
	ip netns exec lab-client nft delete table inet reuse
	for f in "$W"/p1/reuse-*.on.json "$W"/p1/reuse-*.off.json; do
		aborts=$((aborts + $(jq '.info.aborts // 0' "$f" 2>/dev/null || echo 0)))
	done
	if [ "$aborts" -gt 0 ] && [ "${n:-0}" = "$aborts" ]; then
		ok "reuse: lab-client dropped all $n resets of the dropped connections (none reached the appliance)"
	else
		echo "dropped ${n:-none}, connections dropped by the clients $aborts" >"$why"
		bad "reuse: lab-client dropped every reset of the dropped connections" "$why"
	fi
	if [ "${stray:-x}" = 0 ]; then
		ok "reuse: no new connection to a fail-safe service met the old one's server side (no stray reset from its client)"
	else
		echo "resets without ACK from the -on services' clients: ${stray:-none read}" >"$why"
		bad "reuse: no new connection to a fail-safe service met the old one's server side" "$why"
	fi
}

phase1() {
	local s
	setup phase1 || { teardown; return; }
	: >"$W/p1/mon.seen"
	# curl: HTTP/1.1 keep-alive, several URLs per invocation
	for s in nginx lighttpd py11 ka0; do
		cell "curl-keepalive-$s" "$s" curl --ops 60 -c 4 --paths /fixed,/f1k,/f64k,/f1m,/f1k
	done
	# curl --http1.0 and Connection: close (a connection per URL, closed by the server)
	for s in nginx lighttpd py10 py11; do
		cell "curl-http1.0-$s" "$s" curl --http10 --ops 60 -c 4 --paths /fixed,/f1k,/f64k,/f1k,/fixed
	done
	for s in nginx lighttpd py10 py11; do
		cell "curl-close-$s" "$s" curl --close --ops 60 -c 4 --paths /fixed,/f1k,/f64k,/f1k,/fixed
	done
	cell curl-tls tls curl --tls --ops 75 -c 4 --paths /fixed,/f1k,/f64k,/fixed
	# 1 MiB POSTs with and without Expect: 100-continue: the body checked by
	# the Python server (length, sha256); nginx's /early answers at once (and
	# reads the body to discard it), lighttpd's 404 comes before the body is
	# read and closes the connection
	for e in 100 none; do
		cell "post-expect-$e-py11" py11 post --expect "$e" --ops 10 -c 2 --per-op 3 --path /upload \
			--body "$W/post1m" --answer digest
		cell "post-expect-$e-nginx-early" nginx post --expect "$e" --ops 10 -c 2 --per-op 3 --path /early \
			--body "$W/post1m" --answer early
		cell "post-expect-$e-lighttpd-404" lighttpd post --expect "$e" --ops 10 -c 2 --per-op 3 --path /nothing \
			--body "$W/post1m" --answer 404
	done
	# ab: HTTP/1.0, a connection per request (-k: keep-alive)
	for s in nginx lighttpd py10 py11; do
		cell "ab-$s" "$s" ab --ops 1000 -c 4 --path /f1k
	done
	for s in nginx lighttpd; do
		cell "ab-k-$s" "$s" ab --keepalive --ops 1000 -c 4 --path /f1k
	done
	cell wrk-nginx nginx wrk --duration 3 -c 2 --path /f1k
	cell h2load-h1-nginx nginx h2load --ops 1000 -c 4 --path /f1k
	# Python http.client keep-alive: GET, HEAD (and POST to py11)
	for s in nginx lighttpd ka0; do
		cell "http.client-$s" "$s" http --ops 30 -c 4 --per-op 10 --paths /fixed,/f1k,/f64k
	done
	cell http.client-py11 py11 http --post --ops 30 -c 4 --per-op 10 --paths /fixed,/f1k,/f64k
	# keep-alive clients idle 1.5 s between requests, past nginx's 1 s
	cell idle-keepalive-ka1 ka1 idle --ops 8 -c 8 --per-op 4 --idle 1.5 --paths /fixed,/f1k
	# a new connection from the port of one whose end the appliance never saw
	reuse
	# read to EOF: HTTP/1.0 GET, HTTP/1.1 GET with Connection: close
	for s in nginx lighttpd py10 py11; do
		cell "raw-http1.0-$s" "$s" raw --version 1.0 --ops 200 -c 4 --path /f64k
		cell "raw-close-$s" "$s" raw --version close --ops 200 -c 4 --path /f1k
	done
	# pipelined: three GETs in one write, the last with Connection: close
	for s in lighttpd nginx; do
		cell "pipeline-small-$s" "$s" pipeline --ops 300 -c 4 --paths /fixed,/f1k,/fixed
		cell "pipeline-mixed-$s" "$s" pipeline --ops 300 -c 4 --paths /f1k,/fixed,/f64k
	done
	# a lossy network: segments arrive past a gap (a server's FIN before
	# the answer it closes) and their senders resend them
	if [[ lossy =~ $CELLS ]] && lossy on "phase 1 lossy"; then
		cell lossy-raw-close-nginx nginx raw --timeout 15 --version close --ops 200 -c 4 --path /f1k
		cell lossy-pipeline-small-nginx nginx pipeline --timeout 15 --ops 100 -c 4 --paths /fixed,/f1k,/fixed
		cell lossy-http.client-lighttpd lighttpd http --timeout 15 --ops 20 -c 4 --per-op 10 \
			--paths /fixed,/f1k,/f64k
		cell lossy-http.client-py11 py11 http --timeout 15 --post --ops 10 -c 4 --per-op 10 \
			--paths /fixed,/f1k,/f64k
		lossy off "phase 1 lossy"
	fi
	[[ giveup =~ $CELLS ]] && giveup
	cell echo echo echo --ops 300 -c 4 --min-size 1 --max-size 65536
	cell sink sink sink --ops 200 -c 4 --min-size 1 --max-size 65536 --dir "$W/sink"
	cell redis-resp redis redis --ops 100 -c 4 --per-op 10
	cell redis-benchmark redis redis-benchmark --ops 5000 -c 4

	# nothing failed: no replay, no reset, no server taken down, anywhere
	sleep 2
	api_services >"$W/p1/api.json"
	local svc
	for svc in $(jq -r '.services[].name' "$W/p1/api.json"); do
		if jq -e --arg s "$svc" '.services[] | select(.name == $s) |
			.failsafe.replays == 0 and .failsafe.resets == 0 and
			all(.servers[]; .down_count == 0 and .state == "up")' "$W/p1/api.json" >/dev/null; then
			ok "phase 1 $svc: nothing replayed, reset or taken down ($(fs_counts "$W/p1/api.json" "$svc"), $(jq -r --arg s "$svc" '.services[] | select(.name == $s) | "held \(.failsafe.held), requests \([.servers[].requests] | add)"' "$W/p1/api.json"))"
		else
			jq --arg s "$svc" '.services[] | select(.name == $s) | {failsafe, servers: [.servers[] | {name, state, down_count, probes_bad, replays}]}' \
				"$W/p1/api.json" >"$W/p1/$svc.why"
			grep -E "MON|broken transaction|given up|continued" "$W/phase1.log" | grep -- "$svc" | head -8 >>"$W/p1/$svc.why"
			bad "phase 1 $svc: no replay, reset or server down when no server fails ($(fs_counts "$W/p1/api.json" "$svc"))" "$W/p1/$svc.why"
		fi
	done
	[ "$(jq '.services | length' "$W/p1/api.json" 2>/dev/null)" = 20 ] ||
		bad "phase 1: the API lists the 20 services ($(jq -c '[.services[].name]' "$W/p1/api.json" 2>/dev/null))"
	teardown
}

# ---- phase 2: n1 fails ------------------------------------------------------

# the cells of phase 2: name, kind, client kind, opaque or http, options
P2_CELLS=(
	"http.client-py11|py11|http|http|-c 2 --rate 2 --per-op 5 --post --big-every 8 --paths /fixed,/f1k"
	"curl-keepalive-nginx|nginx|curl|http|-c 1 --rate 3 --paths /fixed,/f1k,/fixed"
	"raw-close-nginx|nginx|raw|http|-c 1 --rate 8 --version close --path /f1k"
	"raw-http1.0-lighttpd|lighttpd|raw|http|-c 1 --rate 8 --version 1.0 --path /f1k"
	"pipeline-nginx|nginx|pipeline|http|-c 1 --rate 5 --paths /f1k,/fixed,/f1k"
	"post-expect-100-py11|py11|post|http|-c 1 --rate 1 --per-op 2 --path /upload --answer digest --body $W/post1m"
	"curl-tls|tls|curl|opaque|-c 1 --rate 3 --tls --paths /fixed,/f1k"
	"echo|echo|echo|opaque|-c 1 --rate 8 --min-size 1 --max-size 16384"
	"redis-resp|redis|redis|opaque|-c 1 --rate 4 --per-op 3"
)

N1_STOPPED=()
fail_n1() {   # fail_n1 kill|stop|link
	local pids
	mapfile -t pids < <(ip netns pids lab-n1)
	case $1 in
	kill) kill -9 "${pids[@]}" ;;
	stop) N1_STOPPED=("${pids[@]}"); kill -STOP "${pids[@]}" ;;
	link) ip netns exec lab-n1 ip link set eth0 down ;;
	esac
}

restore_n1() {   # restore_n1 kill|stop|link: n1 serves again
	case $1 in
	kill) peers_start 1 || echo "n1's servers did not start again" >>"$W/p2/$1.notes" ;;
	stop) kill -CONT "${N1_STOPPED[@]}" ;;
	link) ip netns exec lab-n1 ip link set eth0 up && ip netns exec lab-n1 ip route replace default via 10.201.0.1 ;;
	esac
}

# p2_cell <how> <name> <type>: the cell runs in this phase 2. On the lossy
# network only the HTTP cells: there a TLS handshake or an echo stream spans
# resends long enough for n1's SIGKILL to land after its first server byte,
# where nothing can move it and n1's kernel closes it (not the appliance:
# no reset of its own to count), which is not what 'lossy' tests
p2_cell() {
	[[ $2 =~ $CELLS ]] && { [ "$1" != lossy ] || [ "$3" = http ]; }
}

phase2() {   # phase2 kill|stop|link|lossy
	local how=$1 failure=$1 timeout=8 c name kind ck type opts pids=() f api=$W/p2/$1.api.json used=() used_json svc_resets
	[ "$how" = lossy ] && { failure="kill"; timeout=15; }
	setup "phase2-$how" || { teardown; return; }
	if [ "$how" = lossy ] && ! lossy on "phase 2 lossy"; then
		teardown
		return
	fi
	for c in "${P2_CELLS[@]}"; do
		IFS='|' read -r name kind ck type opts <<<"$c"
		p2_cell "$how" "$name" "$type" || continue
		used+=("$kind-on")
		# shellcheck disable=SC2086
		client "$W/p2/$how-$name.json" "$ck" "${PORT[$kind]}" "p2-$how-$name" \
			--duration 10 --timeout "$timeout" --max-fail 100000 $opts
		pids+=("$CLIENT_PID")
	done
	sleep 3
	fail_n1 "$failure"
	sleep 5
	restore_n1 "$failure"
	wait "${pids[@]}"
	CLIENT_PIDS=()
	sleep 1
	api_services >"$api"
	[ "$how" = lossy ] && lossy off "phase 2 lossy"
	used_json=$(printf '%s\n' "${used[@]}" | jq -R . | jq -s -c .)
	for c in "${P2_CELLS[@]}"; do
		IFS='|' read -r name kind ck type opts <<<"$c"
		p2_cell "$how" "$name" "$type" || continue
		f=$W/p2/$how-$name.json
		svc_resets=$(jq -r --arg s "$kind-on" '.services[] | select(.name == $s) | .failsafe.resets' "$api" 2>/dev/null)
		if [ "$type" = http ]; then
			if jq -e '.pass' "$f" >/dev/null 2>&1; then
				ok "phase 2 $how n1, $name: every request answered right: $(summary "$f"); $kind-on: $(fs_counts "$api" "$kind-on")"
			else
				{ summary "$f"; jq -r '.examples[]' "$f" 2>/dev/null; echo "$kind-on: $(fs_counts "$api" "$kind-on")"; } >"$f.why"
				bad "phase 2 $how n1, $name: every HTTP request answered right" "$f.why"
			fi
		else
			# opaque: right answers, or a reset / close the appliance counted; no hang
			if jq -e --argjson resets "${svc_resets:-0}" '.requests > 0 and
				((.fail | keys) - ["reset", "eof", "partial"] | length) == 0 and
				([.fail[]] | add // 0) <= $resets' "$f" >/dev/null 2>&1; then
				ok "phase 2 $how n1, $name: answered right or reset cleanly, no hang: $(summary "$f"); $kind-on: $(fs_counts "$api" "$kind-on")"
			else
				{ summary "$f"; jq -r '.examples[]' "$f" 2>/dev/null; echo "$kind-on: $(fs_counts "$api" "$kind-on")"; } >"$f.why"
				bad "phase 2 $how n1, $name: answers right, or resets counted by the appliance; no hang" "$f.why"
			fi
		fi
	done
	# n1 down: on every service; a frozen server still completes TCP
	# handshakes, so after SIGSTOP only where an HTTP probe or a held request
	# of this run's traffic found it
	if jq -e --arg how "$how" --argjson used "$used_json" '[.services[] |
		select($how != "stop" or .health == "http" or (.name | IN($used[]))) |
		.servers[] | select(.name == "n1") | .down_count >= 1] | length > 0 and all' "$api" >/dev/null 2>&1; then
		ok "phase 2 $how n1: n1 taken down on $(jq -r '[.services[] | select(.servers[] | .name == "n1" and .down_count >= 1)] | length' "$api") services (all$([ "$how" != stop ] || echo " with HTTP probes or this run's traffic"); n1 now: $(jq -r '[.services[].servers[] | select(.name == "n1") | .state] | group_by(.) | map("\(.[0]) \(length)") | join(", ")' "$api"))"
	else
		jq -c '.services[] | {name, health, n1: (.servers[] | select(.name == "n1") | {state, down_count, probes_bad})}' "$api" >"$W/p2/$how.n1.why" 2>&1
		bad "phase 2 $how n1: n1 taken down on every service$([ "$how" != stop ] || echo " with HTTP probes or this run's traffic")" "$W/p2/$how.n1.why"
	fi
	if jq -e '[.services[].servers[] | select(.name != "n1") | .down_count == 0] | length == 40 and all' "$api" >/dev/null 2>&1; then
		ok "phase 2 $how n1: nothing taken down on n0 and n2"
	else
		jq -c '.services[] | {name, down: [.servers[] | select(.name != "n1" and .down_count > 0) | {name, state, down_count}]} | select(.down | length > 0)' \
			"$api" >"$W/p2/$how.others.why" 2>&1
		# why they went down first, then what moved to them; the drops and
		# the fail-safe's counters beside it
		# shellcheck disable=SC2129 # one append per source of evidence, as written
		grep -E "MON: .*(server n[02] .*down|on n[02] \()" "$W/phase2-$how.log" | head -12 >>"$W/p2/$how.others.why"
		grep -E "MON" "$W/phase2-$how.log" | grep -v ' n1' | head -4 >>"$W/p2/$how.others.why"
		curl -s --max-time 5 "$URL/metrics" | grep -E "^netchestra_(drop[a-z_]*|failsafe_[a-z_]+_total|port_rx_(missed|errors|nombuf)_total|port_tx_errors_total)" |
			grep -v " 0$" >>"$W/p2/$how.others.why"
		bad "phase 2 $how n1: nothing taken down on n0 and n2" "$W/p2/$how.others.why"
	fi
	if jq -e '[.services[].servers[] | select(.name == "n1") | .replays] | add > 0' "$api" >/dev/null 2>&1; then
		ok "phase 2 $how n1: requests held on n1 were moved to other servers ($(jq -r '[.services[] | {name, r: (.servers[] | select(.name == "n1") | .replays)} | select(.r > 0) | "\(.name) \(.r)"] | join(", ")' "$api"))"
	else
		jq -c '.services[] | {name, failsafe, n1: (.servers[] | select(.name == "n1"))}' "$api" >"$W/p2/$how.replays.why" 2>&1
		bad "phase 2 $how n1: requests held on n1 were moved to other servers" "$W/p2/$how.replays.why"
	fi
	teardown
}

[ "$ONLY" = phase2 ] || phase1
if [ "$ONLY" != phase1 ]; then
	for how in $FAILS; do
		case $how in kill | stop | link | lossy) phase2 "$how" ;; *) bad "INTEROP_FAILS: unknown failure '$how'" ;; esac
	done
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
