#!/usr/bin/env bash
# End-to-end test of flow and transaction sync between dispatchers and the
# takeover of a dead one's local addresses: nothing lost when a dispatcher
# dies. The cluster lab with 2 dispatchers (scripts/lab.sh up --dispatchers 2),
# both services fail-safe (response limit 1 s for dns, 2 s for web), sync on.
# Each case runs three nc-clients at once for 30 s from the 6 client addresses
# 10.200.0.10-15 (bound with --source, so that lab-rtr's ECMP spreads them),
# 5-request transactions against 10.202.0.1: TCP with a new connection per
# request, TCP keep-alive (50 ms between requests, so that connections are
# open on both dispatchers at any moment) and UDP with a socket per request
# retried as a resolver does (--retry-ms 3000). Something happens to
# dispatcher 1 a third of the way in:
#   a) killed (SIGKILL, lab.sh dispatcher kill 1): every request answered,
#      none failed, no transaction broken, no duplicate answer (an answer to
#      a retry of the client's own is not one); d0 logs that it
#      took over d1's local IPs 10.201.0.3 and 10.201.0.4; the UDP requests d0
#      replayed for d1 (its log's fail-over lines) are reported;
#   d) (d1 dead since a) started again under load: it resyncs ("synced" in its
#      log), carries flows again (its API's flow counters grow), nothing broken;
#   e) killed again, and server n1 killed (SIGKILL to its nc-backend) 2 s later
#      while d1 is dead: nothing broken;
#   b) frozen (SIGSTOP) for 10 s, then thawed: nothing broken; d1 logs that it
#      stalled and stepped back to resync, d0 that it gave 10.201.0.3 back once
#      d1 had resynced, and afterwards exactly one MAC, d1's, answers ARP for
#      10.201.0.3 (who-has sent from lab-n3): no split brain;
#   c) its front link cut (lab.sh dispatcher unplug 1; back link and cluster
#      channel up): nothing broken;
#   j) nothing killed, both dispatchers up for two thirds of a run, 1% of the TCP
#      segments leaving the clients' and the servers' namespaces dropped (nft):
#      every request answered, none broken. A SYN whose answer was lost is
#      sent again, and lab-rtr may send it to the other dispatcher (it spreads
#      by the sender's hash, which Linux changes at each timeout); the client
#      takes the first SYN-ACK and acknowledges it often through the other
#      one, which must pass it on to the first (the counts of such
#      connections are reported); curl alongside, a GET at a time from the
#      six client addresses in turn: every one answered 200;
#   f) killed with sync off on both: transactions break (the control: the
#      same load and failure must break something, or the cases above prove
#      nothing);
#   h) client addresses: two more services on the VIP, "client_address":
#      "proxy-v2", fail-safe like the others: ngx 8091 -> nginx :8091 in
#      lab-n0..n2 (`listen ... proxy_protocol`) and hap 8092 -> HAProxy :8092
#      there (`bind ... accept-proxy`), each answering with the client the
#      header named and the local IP it was reached through; Python http.client
#      keep-alive connections to each (one from each client address, a GET
#      every 100 ms on the same connection for the whole run), d1 killed: every
#      request answered with its own client's address and port (the header the
#      connection opened with, the stream's shift kept by d0 after the
#      takeover), no connection opened again, and some of the connections
#      reached their server through d1's local IPs and were answered after the
#      kill;
#   i) as a) for 20 s, web behind the SYN proxy ("syn_proxy": "on", both dispatchers
#      with one cookie key): every request answered, none broken, no
#      duplicate - each TCP connection opened by a cookie, those through d1
#      bridged by d0 from their records, whose requests reached their
#      servers only once the records had left; d0 opened connections through
#      valid cookies and refused none of d1's proxied flows (its counters);
#   g) IPv6: both dispatchers on config/cluster/dK-v6.json (web6 and dns6 on
#      fd00:202::1, fail-safe, over the servers' IPv6 addresses), the same
#      three clients over IPv6 from fd00:200::10-15, d1 killed: every request
#      answered, none broken, no duplicate; d0 takes over d1's IPv4 and IPv6
#      local IPs (fd00:201::3 and fd00:201::4 announced by unsolicited
#      Neighbor Advertisements). The cluster channel runs over IPv6 there
#      (peers by their back ports' host6 fd00:201::(201+K)): both APIs show
#      it up between those addresses, ss -u6 the sockets, lab-n0 pings both.
# Times (takeover after the kill, resync, give-back) are reported, never
# asserted: two CPUs carry everything here; so is what each dispatcher's
# fail-safe logged during each run (broken transactions detected, given up,
# servers taken down). Each step also leaves a line "== cluster-sync: ..." in
# both dispatchers' logs, kept in the work directory with KEEP=1. The cases
# run one after another on the same dispatchers, as a cluster lives through
# its failures. About 13 minutes.
# CLUSTER_SYNC_CASES chooses and orders the cases (default "a d e b c j f g h i"; each
# brings the dispatchers to the state it needs); CLUSTER_SYNC_SECONDS the
# length of each run (default 30, the event at a third of it);
# CLUSTER_SYNC_CFG_FILTER a jq filter applied last to both startup files.
# Usage: tests/e2e/cluster-sync.sh BUILD_DIR
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2015 # "check && ok ... || bad ...": ok never fails
E2E_NAME=cluster-sync
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh" "$@"

VIP=10.202.0.1
N=2
SRC_LIST=10.200.0.10,10.200.0.11,10.200.0.12,10.200.0.13,10.200.0.14,10.200.0.15
CTL=$BUILD/app/netchestra-ctl
STATE=/run/netchestra-lab
RUN=${CLUSTER_SYNC_SECONDS:-30}
AT=$((RUN / 3))
CASES=${CLUSTER_SYNC_CASES:-a d e b c j f g h i}
LIPS=(10.201.0.3 10.201.0.4)          # d1's local IPs
VIP6=fd00:202::1
SRC6_LIST=fd00:200::10,fd00:200::11,fd00:200::12,fd00:200::13,fd00:200::14,fd00:200::15
LIPS6=(fd00:201::3 fd00:201::4)       # and its IPv6 ones (dK-v6.json)
V6=""                                 # "-v6": the cases run on the dK-v6.json files
CUR_V6=""                             # the files the dispatchers run with
PP=""                                 # "-pp": with case h's services ngx, hap, hapsp (PROXY v2)
SP=""                                 # "-sp": web behind the SYN proxy (case i)
# case h's SYN cookies, the same key on both dispatchers (a client's ACK may reach either)
SYN_SECRET=5eed0c00c1e5eed0c00c1e5eed0c00c1e5eed0c00c1e5eed0c00c1e5eed0c00c
CUR_PP=""
CUR_SP=""
PEER_PIDS=()                          # case h's nginx and HAProxy, one of each per server
D1_MAC=02:00:00:c9:d1:01              # d1's back port (lab.sh disp_mac 1 c9)
CUR_SYNC=""                           # the sync setting the dispatchers run with
D1_KILLED=0                           # d1 is down, SIGKILLed under load by a case
LOAD_PIDS=()
for b in bird birdc jq python3; do command -v "$b" >/dev/null || e2e_give_up "missing $b (scripts/deps.sh)"; done
[ -x "$CTL" ] || e2e_give_up "missing $CTL"
[[ $RUN =~ ^[0-9]+$ ]] && [ "$RUN" -ge 9 ] || e2e_give_up "CLUSTER_SYNC_SECONDS: want 9 or more, got '$RUN'"

load_stop() {
	local p
	for p in "${LOAD_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	LOAD_PIDS=()
}
# the dispatchers' logs kept in $W (KEEP=1 keeps it)
e2e_cleanup() { load_stop; peers_stop; cp "$STATE"/d[0-9].log "$W/" 2>/dev/null; }

now_ms() { date +%s%3N; }
sleep_until() {   # sleep_until <epoch ms>
	local ms=$(($1 - $(now_ms)))
	[ "$ms" -le 0 ] || sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
}

# dcfg <K> <sync true|false>: dispatcher K's startup file in $W:
# config/cluster/dK$V6.json with its peers cut to the N present (an entry is an
# object with .address, or a plain address), the lab's token and secret,
# sync on or off, with PP set case h's services beside web's (the same VIP
# and local IPs, PROXY v2 headers): ngx to nginx on the servers' port 8091
# (HTTP probes that carry a header), hap to HAProxy on 8092 (TCP probes),
# hapsp to HAProxy on 8093 behind the SYN proxy (syn_proxy on, a cookie key
# both share); every service fail-safe, then CLUSTER_SYNC_CFG_FILTER.
# Prints its path.
dcfg() {
	local out=$W/d$1$V6$PP$SP-sync-$2.json
	jq --argjson n "$N" --arg root "$ROOT" --argjson sync "$2" --arg pp "$PP" --arg sp "$SP" \
		--arg secret "$SYN_SECRET" '
		.management.token_file = "\($root)/config/lab.token" |
		.cluster.secret_file = "\($root)/config/cluster/secret" |
		.cluster.peers |= map(select((if type == "object" then .address else . end |
			ltrimstr("10.201.0.") | ltrimstr("fd00:201::") | tonumber) - 201 < $n)) |
		.cluster.sync = $sync |
		def pp($name; $port; $health): .services[0] | .name = $name | .port = $port |
			del(.persistence_s) | .client_address = "proxy-v2" | .servers |= map(.port = $port) |
			.health = $health;
		(if $pp == "" then . else .services += [
			pp("ngx"; 8091; { type: "http", interval_ms: 1000, timeout_ms: 1000, rise: 2, fall: 3,
					  http_path: "/health", proxy: true }),
			pp("hap"; 8092; { type: "tcp", interval_ms: 1000, timeout_ms: 1000, rise: 2, fall: 2 }),
			(pp("hapsp"; 8093; { type: "tcp", interval_ms: 1000, timeout_ms: 1000, rise: 2, fall: 2 }) |
			 .syn_proxy = "on")] |
			.limits.syn_cookie_secret = $secret
		 end) |
		(if $sp == "" then . else (.services[0].syn_proxy = "on") | .limits.syn_cookie_secret = $secret end) |
		.services |= map(.failsafe = { enabled: true, max_replays: 2,
			response_timeout_ms: (if .proto == "udp" then 1000 else 2000 end) }) |
		'"${CLUSTER_SYNC_CFG_FILTER:-.}" "$ROOT/config/cluster/d$1$V6.json" >"$out" || return 1
	echo "$out"
}

api_cluster() { ip netns exec "lab-d$1" "$CTL" --json cluster 2>/dev/null; }
# flows <K>: flows dispatcher K has scheduled, all services (its own API)
flows() {
	ip netns exec "lab-d$1" "$CTL" --json services 2>/dev/null |
		jq '[.services[].servers[].flows // 0] | add // 0' 2>/dev/null || echo 0
}
# metric <K> <name{labels}>: that sample of dispatcher K's /metrics
metric() {
	ip netns exec "lab-d$1" curl -s --max-time 5 http://127.0.0.1:9180/metrics 2>/dev/null |
		awk -v k="$2" '$1 == k { print $2 }'
}
# sync_fig <K> <jq keys>: those members of dispatcher K's "sync" object, compact
sync_fig() { api_cluster "$1" | jq -c ".sync | {$2}" 2>/dev/null || echo "(no answer)"; }
# note <text>: a line "== cluster-sync: <text>" in every dispatcher's log, between
# its own lines, so that a log read later shows when the test did what
note() { local k; for k in 0 1; do echo "== cluster-sync: $*" >>"$STATE/d$k.log"; done; }
running() { [ -n "$(cat "$STATE/d$1.pid" 2>/dev/null)" ] && kill -0 "$(cat "$STATE/d$1.pid")" 2>/dev/null; }
vip_hops() { ip -n lab-rtr route show "$VIP" | awk '{ for (i = 1; i < NF; i++) if ($i == "via") print $(i + 1) }' | sort | tr '\n' ' '; }

# dispatcher logs from an offset: mark <K> (its size now), since <K> <mark>
# (without the status lines); has <fixed string>: stdin has a line with it (all
# of stdin read: grep -q's early exit fails the pipe under pipefail)
mark() { stat -c %s "$STATE/d$1.log" 2>/dev/null || echo 0; }
since() { tail -c +$(($2 + 1)) "$STATE/d$1.log" 2>/dev/null | grep -v '^\[ *[0-9.]*s\] '; }
has() { [ "$(grep -cF -- "$1")" -gt 0 ]; }
# wait_log <K> <mark> <fixed string> <seconds>: 0 once dK's log has a line with
# it after <mark>; prints the ms waited
wait_log() {
	local t0 i
	t0=$(now_ms)
	for ((i = 0; i < $4 * 20; i++)); do
		if since "$1" "$2" | has "$3"; then echo $(($(now_ms) - t0)); return 0; fi
		sleep 0.05
	done
	return 1
}

# start_disp <K> <sync>: lab.sh dispatcher start; with sync on and the other
# dispatcher running, synced (its bulk copy received) within 30 s
start_disp() {
	local k=$1 cfg m t0 wait=0
	cfg=$(dcfg "$k" "$2") || { bad "d$k: its startup file"; return 1; }
	jq -e '.cluster.sync == true' "$cfg" >/dev/null && running $((1 - k)) && wait=1
	m=$(mark "$k")
	t0=$(now_ms)
	if ! "$LAB" dispatcher start "$k" --config "$cfg" >"$W/start$k.log" 2>&1; then
		bad "d$k started (sync $2)" "$W/start$k.log"
		return 1
	fi
	if [ "$wait" = 1 ] && ! wait_log "$k" "$m" "cluster: synced" 30 >/dev/null; then
		since "$k" "$m" >"$W/why"
		bad "d$k started with sync on: 'cluster: synced' in its log within 30 s" "$W/why"
		return 1
	fi
	[ "$k" != 1 ] || D1_KILLED=0
	echo "d$k started (sync $2) in $(($(now_ms) - t0)) ms" >>"$W/times"
}

# pair <sync> [K...]: dispatchers K (default 0 and 1) running with sync <sync>
# (both stopped first if they ran with the other setting), d1's front link
# plugged in, n1 serving
pair() {
	local sync=$1 k
	shift
	[ $# -gt 0 ] || set -- 0 1
	if [ -n "$CUR_SYNC" ] && { [ "$CUR_SYNC" != "$sync" ] || [ "$CUR_V6" != "$V6" ] ||
				   [ "$CUR_PP" != "$PP" ] || [ "$CUR_SP" != "$SP" ]; }; then
		for k in 0 1; do "$LAB" dispatcher stop "$k" >/dev/null 2>&1; done
	fi
	CUR_SYNC=$sync CUR_V6=$V6 CUR_PP=$PP CUR_SP=$SP
	"$LAB" dispatcher plug 1 >/dev/null 2>&1
	for k in "$@"; do running "$k" || start_disp "$k" "$sync" || return 1; done
	server_back 1
}

# server_back <N>: server N's nc-backend running and up on both dispatchers (15 s)
server_back() {
	local i k up
	[ -n "$(cat "$STATE/n$1.pid" 2>/dev/null)" ] && kill -0 "$(cat "$STATE/n$1.pid")" 2>/dev/null ||
		"$LAB" restart-server "$1" >/dev/null 2>&1
	for ((i = 0; i < 75; i++)); do
		up=0
		for k in 0 1; do
			running "$k" || { up=$((up + 1)); continue; }
			ip netns exec "lab-d$k" "$CTL" --json services 2>/dev/null |
				jq -e --arg n "n$1" 'all(.services[].servers[] | select(.name == $n); .state == "up")' \
				>/dev/null 2>&1 && up=$((up + 1))
		done
		[ "$up" = 2 ] && return 0
		sleep 0.2
	done
	echo "cluster-sync: server n$1 not up on every dispatcher after 15 s" >&2
}

# fs_lines <K> <mark>: what dispatcher K's fail-safe logged since <mark>, counted
fs_lines() {
	since "$1" "$2" | awk '/broken transaction detected/ { d++ } /\(its dispatcher failed\)/ { f++ }
		/transaction given up/ { g++ } /: server n[0-9]+ down:/ { s++ }
		END { printf "%d broken transaction(s) detected (%d of a failed dispatcher), %d given up, %d server(s) taken down", d, f, g, s }'
}

# load_start <name>: the three clients in the background, for RUN seconds (to
# the IPv6 VIP from the IPv6 sources when V6 is set)
load_start() {
	local name=$1 src=$SRC_LIST vip=$VIP
	[ -z "$V6" ] || src=$SRC6_LIST vip="[$VIP6]"
	LOAD_NAME=$name LOAD_M0=$(mark 0) LOAD_M1=$(mark 1)
	ip netns exec lab-client "$NC_CLIENT" --json --source "$src" -c 6 -k 5 --duration "$RUN" \
		--target "$vip:80" --proto tcp --mode close --timeout-ms 10000 >"$W/$name-tcp.json" 2>"$W/$name-tcp.err" &
	LOAD_PIDS=($!)
	ip netns exec lab-client "$NC_CLIENT" --json --source "$src" -c 6 -k 5 --duration "$RUN" \
		--target "$vip:80" --proto tcp --mode keepalive --think-ms 50 --timeout-ms 10000 \
		>"$W/$name-ka.json" 2>"$W/$name-ka.err" &
	LOAD_PIDS+=($!)
	ip netns exec lab-client "$NC_CLIENT" --json --source "$src" -c 6 -k 5 --duration "$RUN" \
		--target "$vip:5353" --proto udp --mode close --retry-ms 3000 --timeout-ms 10000 \
		>"$W/$name-udp.json" 2>"$W/$name-udp.err" &
	LOAD_PIDS+=($!)
	T0=$(now_ms)
	note "case $name: load started ($RUN s)"
}

load_wait() {   # the clients' end (their run, their last requests' limit, and a margin)
	local p i
	for ((i = 0; i < (RUN + 20) * 10; i++)); do
		for p in "${LOAD_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && break; p=; done
		[ -n "$p" ] || break
		sleep 0.1
	done
	load_stop
	note "load over"
	echo "cluster-sync: $LOAD_NAME) fail-safe lines during the run: d0 $(fs_lines 0 "$LOAD_M0"); d1 $(fs_lines 1 "$LOAD_M1"); connections whose client took the other's SYN-ACK, since each started: d0 $(sync_fig 0 answered_elsewhere), d1 $(sync_fig 1 answered_elsewhere)"
}

# figures <name>: FIG, one line over the three clients, and their BROKEN,
# FAILED and DUPS summed; CLEAN 1 when every request of the three was answered
figures() {
	local m f line=""
	BROKEN=0 FAILED=0 DUPS=0 CLEAN=1
	for m in tcp ka udp; do
		f=$W/$1-$m.json
		if ! jq -e '.requests > 0' "$f" >/dev/null 2>&1; then
			line+="$m: no report; "
			CLEAN=0 BROKEN=$((BROKEN + 1))
			continue
		fi
		line+="$m $(jq -r '"\(.ok)/\(.requests) answered, \(.failed) failed, \(.broken) broken" +
			(if .proto == "udp" then ", \(.retries) retries (\(.retry_answers) answered twice), \(.duplicates) duplicates" else "" end) +
			", p99 \(.p99_ms) ms"' "$f"); "
		BROKEN=$((BROKEN + $(jq .broken "$f"))) FAILED=$((FAILED + $(jq .failed "$f")))
		DUPS=$((DUPS + $(jq .duplicates "$f")))
		jq -e '.ok == .requests and .failed == 0 and .broken == 0' "$f" >/dev/null || CLEAN=0
	done
	FIG=${line%; }
}

# why <name>: the clients' reports and failure lines, for a FAIL
why() {
	local m
	for m in tcp ka udp; do
		echo "$m: $(jq -c '{requests, ok, failed, broken, errors, retries, retry_answers, duplicates}' "$W/$1-$m.json" 2>/dev/null)"
		head -5 "$W/$1-$m.err" 2>/dev/null
	done >"$W/$1.why"
	# what the dispatchers logged about the first broken clients' connections;
	# then what else each logged during the run (servers down and up, the
	# cluster's events, stalls) without its fail-safe's per-transaction
	# lines, and its packets dropped so far by reason (those not 0)
	local a k mk
	{
		for a in $(grep -ho 'from [0-9.]*:[0-9]*' "$W/$1"-*.err 2>/dev/null | awk '{ print $2 }' | sort -u | head -3); do
			for k in 0 1; do
				grep -F "$a " "$STATE/d$k.log" 2>/dev/null | tail -12 | sed "s/^/    d$k: /"
			done
		done
		for k in 0 1; do
			mk=${LOAD_M0:-0}
			[ "$k" = 0 ] || mk=${LOAD_M1:-0}
			since "$k" "$mk" | grep -vE 'MON: (broken transaction|transaction (continued|given up))' |
				tail -8 | sed "s/^/    d$k during the run: /"
			running "$k" || continue
			echo "    d$k drops: $(ip netns exec "lab-d$k" "$CTL" metrics 2>/dev/null | awk '
				/^netchestra_drops_total\{/ && $2 != 0 { sub(/^netchestra_drops_total/, ""); printf "%s %s; ", $1, $2 }')"
		done
	} >>"$W/$1.why"
	echo "$W/$1.why"
}

# took_over <K> <mark>: the local IPs dispatcher K's log says it took over since <mark>
took_over() { since "$1" "$2" | grep -o 'cluster: took over [0-9a-f.:]* from dispatcher [0-9]*' | awk '{ print $4 }' | sort -u | tr '\n' ' '; }
replays() {   # replays <K> <mark>: "N detected, M continued" of UDP fail-over lines since <mark>
	echo "$(since "$1" "$2" | grep -c 'broken transaction detected: udp .*(its dispatcher failed)') detected, $(since "$1" "$2" | grep -c 'transaction continued on [^:]*: udp') continued"
}

# arp_macs <ip>: the MACs answering who-has <ip> from lab-n3 (3 requests,
# 1.5 s), "MAC count" a line, sorted
arp_macs() {
	ip netns exec lab-n3 python3 - eth0 10.201.0.14 "$1" <<'PY'
import socket, struct, sys, time
ifname, src, target = sys.argv[1], socket.inet_aton(sys.argv[2]), socket.inet_aton(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind((ifname, 0x0806))
mac = s.getsockname()[4]
arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + src + bytes(6) + target
frame = b"\xff" * 6 + mac + b"\x08\x06" + arp
frame += bytes(60 - len(frame))
s.settimeout(0.05)
seen, sent, nxt, end = {}, 0, 0.0, time.time() + 1.5
while time.time() < end:
    if sent < 3 and time.time() >= nxt:
        s.send(frame); sent += 1; nxt = time.time() + 0.3
    try:
        f = s.recv(2048)
    except socket.timeout:
        continue
    # a reply to us (not a gratuitous one) from the owner of <target>
    if len(f) >= 42 and f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x02" and \
            f[28:32] == target and f[32:38] == mac and f[38:42] == src:
        m = ":".join("%02x" % b for b in f[22:28])
        seen[m] = seen.get(m, 0) + 1
for m in sorted(seen):
    print(m, seen[m])
PY
}

# announced <seconds>: the gratuitous ARPs and unsolicited Neighbor
# Advertisements lab-n3 hears in that time, "MAC address count" a line, sorted
announced() {
	ip netns exec lab-n3 python3 - eth0 "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind((sys.argv[1], 0x0003))
s.settimeout(0.1)
seen, end = {}, time.time() + float(sys.argv[2])
while time.time() < end:
    try:
        f = s.recv(2048)
    except socket.timeout:
        continue
    mac, addr = ":".join("%02x" % b for b in f[6:12]), None
    # an ARP request whose sender and target are the same address
    if len(f) >= 42 and f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x01" and f[28:32] == f[38:42]:
        addr = socket.inet_ntoa(f[28:32])
    # an ICMPv6 Neighbor Advertisement without the solicited flag
    elif len(f) >= 78 and f[12:14] == b"\x86\xdd" and f[20] == 58 and f[54] == 136 and not f[58] & 0x40:
        addr = socket.inet_ntop(socket.AF_INET6, f[62:78])
    if addr:
        seen[mac + " " + addr] = seen.get(mac + " " + addr, 0) + 1
for k in sorted(seen):
    print(k, seen[k])
PY
}

# ---- the cases ----

# kill_run <case>: d1 killed a third of the way into the three loads (cases
# a and i), the dispatchers as the caller brought them up
kill_run() {
	local c=$1 m0 t d killer seen=""
	m0=$(mark 0)
	load_start "$c"
	sleep_until $((T0 + AT * 1000))
	note "d1 killed"
	# watched from before SIGKILL: lab.sh returns only once the process is gone
	"$LAB" dispatcher kill 1 >"$W/$c-kill.log" 2>&1 &
	killer=$!
	wait_log 0 "$m0" "cluster: took over ${LIPS[1]}" 10 >/dev/null && seen=$(now_ms)
	wait "$killer" || bad "$c) d1 killed" "$W/$c-kill.log"
	D1_KILLED=1
	t=$(sed -n 's/.*SIGKILL at \([0-9]*\) ms.*/\1/p' "$W/$c-kill.log")
	if [ -n "$seen" ] && [ -n "$t" ]; then
		echo "$c) d1 killed: d0 logged it took over ${LIPS[*]} $((seen - t)) ms after the SIGKILL (50 ms polls; $(sed -n 's/.*\(gone [0-9]* ms later\).*/the appliance \1/p' "$W/$c-kill.log"))" >>"$W/times"
	fi
	load_wait
	figures "$c"
	[ "$CLEAN" = 1 ] && [ "$DUPS" = 0 ] &&
		ok "$c) d1 killed at $AT s of $RUN: every request answered, 0 failed, 0 broken, 0 duplicates ($FIG)" ||
		bad "$c) d1 killed at $AT s of $RUN: every request answered, none failed, none broken, no duplicate ($FIG)" "$(why "$c")"
	d=$(took_over 0 "$m0")
	[ "$d" = "${LIPS[*]} " ] &&
		ok "$c) d0 took over d1's local IPs: $(since 0 "$m0" | grep -o 'cluster: took over .*' | tr '\n' ';' | sed 's/;$//')" ||
		{ since 0 "$m0" | grep 'cluster:' >"$W/why"; bad "$c) d0's log: took over ${LIPS[*]} from dispatcher 1 (got: '$d')" "$W/why"; }
	echo "cluster-sync: $c) UDP requests d0 replayed for d1 (its log): $(replays 0 "$m0"); d0's sync: $(sync_fig 0 'adopted, adopted_held, miss_adopted, miss_dropped, redirected, holding')"
	since 0 "$m0" | grep -m2 -E 'broken transaction detected: udp|transaction continued on [^:]*: udp' | sed 's/^/cluster-sync:   d0: /'
}

case_a() {   # d1 killed
	pair true || return
	kill_run a
}

case_i() {   # d1 killed, web behind the SYN proxy (a shorter run: case a's other checks hold)
	local sp valid RUN=$((RUN * 2 / 3)) AT=$((AT * 2 / 3))
	SP=-sp
	pair true || { SP=""; return; }
	kill_run i
	# every TCP connection of the run opened by a cookie (d0's, and d1's before
	# the kill), the ones through d1 bridged by d0 from their records
	sp='netchestra_syn_proxy_events_total{service="web",event='
	valid=$(metric 0 "${sp}\"cookie_valid\"}")
	[ "${valid:-0}" -gt 0 ] && [ "$(api_cluster 0 | jq '.sync.adopt_unproxied' 2>/dev/null)" = 0 ] &&
		ok "i) web behind the SYN proxy: d0 opened $valid connections through valid cookies and refused none of d1's proxied flows (stale_tuple $(metric 0 "${sp}\"stale_tuple\"}"), back_full $(api_cluster 0 | jq '.sync.back_full' 2>/dev/null))" ||
		bad "i) web behind the SYN proxy: connections opened through valid cookies on d0 (got ${valid:-none}), none of d1's refused ($(sync_fig 0 'adopt_unproxied, back_full'))"
	SP=""
}

case_d() {   # d1 started again under load, after a kill
	local m0 m1 t0 f1 f2
	# d1 dead as a case left it (a), or killed here with d0 running
	if [ "$D1_KILLED" = 1 ] && ! running 1; then
		pair true 0 || return
	else
		pair true || return
		"$LAB" dispatcher kill 1 >/dev/null 2>&1
		sleep 2
	fi
	m0=$(mark 0)
	m1=$(mark 1)
	load_start d
	sleep_until $((T0 + AT * 1000))
	t0=$(now_ms)
	note "d1 starting"
	if "$LAB" dispatcher start 1 --config "$(dcfg 1 true)" >"$W/d-start.log" 2>&1; then
		D1_KILLED=0
		echo "d) d1 started again under load: synced and announcing the VIP (lab.sh returned) $(($(now_ms) - t0)) ms after lab.sh began" >>"$W/times"
	else
		bad "d) d1 started again under load" "$W/d-start.log"
	fi
	f1=$(flows 1)
	if wait_log 1 "$m1" "cluster: synced" 20 >/dev/null; then
		ok "d) d1 resynced under load: $(since 1 "$m1" | grep -m1 -o 'cluster: synced.*')"
	else
		since 1 "$m1" | tail -20 >"$W/why"
		bad "d) d1 resynced under load: 'cluster: synced' in its log" "$W/why"
	fi
	load_wait
	f2=$(flows 1)
	[ "$f2" -gt "$f1" ] && ok "d) d1 carries flows again: its flow counters $f1 -> $f2 from its start to the end of the run" ||
		bad "d) d1 carries flows again: its flow counters $f1 -> $f2"
	figures d
	[ "$CLEAN" = 1 ] && ok "d) d1 started again under load: 0 broken ($FIG)" ||
		bad "d) d1 started again under load: 0 broken ($FIG)" "$(why d)"
	echo "cluster-sync: d) d0 gave back: $(since 0 "$m0" | grep -o 'gave back [0-9.]* to dispatcher [0-9]*' | tr '\n' ';' | sed 's/;$//'); d1's sync: $(sync_fig 1 'synced, replicas, tx_records, rx_records, gaps')"
}

case_e() {   # d1 killed, then server n1 while d1 is dead
	local m0 pid
	pair true || return
	m0=$(mark 0)
	load_start e
	sleep_until $((T0 + AT * 1000))
	note "d1 killed"
	"$LAB" dispatcher kill 1 >"$W/e-kill.log" 2>&1 || bad "e) d1 killed" "$W/e-kill.log"
	D1_KILLED=1
	sleep_until $((T0 + AT * 1000 + 2000))
	note "n1 killed"
	pid=$(cat "$STATE/n1.pid" 2>/dev/null)
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || bad "e) server n1 killed (no nc-backend pid)"
	load_wait
	figures e
	[ "$CLEAN" = 1 ] && ok "e) d1 killed at $AT s, server n1 killed 2 s later while d1 is dead: 0 broken ($FIG)" ||
		bad "e) d1 killed, then server n1 while d1 is dead: 0 broken ($FIG)" "$(why e)"
	echo "cluster-sync: e) d0 took over: $(took_over 0 "$m0")"
	server_back 1
}

case_b() {   # d1 frozen 10 s, then thawed
	local m0 m1 t ms macs heard
	pair true || return
	m0=$(mark 0)
	m1=$(mark 1)
	load_start b
	sleep_until $((T0 + AT * 1000))
	note "d1 frozen"
	"$LAB" dispatcher freeze 1 >"$W/b-freeze.log" 2>&1 || bad "b) d1 frozen" "$W/b-freeze.log"
	if ms=$(wait_log 0 "$m0" "cluster: took over ${LIPS[1]}" 10); then
		echo "b) d1 frozen: d0 logged it took over its local IPs within $ms ms of lab.sh's return" >>"$W/times"
	fi
	sleep_until $((T0 + 2 * AT * 1000))
	note "d1 thawed"
	"$LAB" dispatcher thaw 1 >"$W/b-thaw.log" 2>&1 || bad "b) d1 thawed" "$W/b-thaw.log"
	t=$(now_ms)
	if wait_log 1 "$m1" "stepping back to resync" 10 >/dev/null; then
		ok "b) d1 thawed after $AT s frozen, stepped back: $(since 1 "$m1" | grep -E -o 'cluster: (stalled|.*stepping back).*' | head -2 | tr '\n' ';' | sed 's/;$//')"
	else
		since 1 "$m1" | tail -20 >"$W/why"
		bad "b) d1 thawed: 'cluster: stalled N ms: stepping back to resync' in its log" "$W/why"
	fi
	if ms=$(wait_log 0 "$m0" "cluster: gave back ${LIPS[0]} to dispatcher 1" 30); then
		echo "b) d1 thawed: d0 logged it gave ${LIPS[0]} back $(($(now_ms) - t)) ms after SIGCONT" >>"$W/times"
	fi
	load_wait
	figures b
	[ "$CLEAN" = 1 ] && ok "b) d1 frozen at $AT s, thawed at $((2 * AT)) s: 0 broken ($FIG)" ||
		bad "b) d1 frozen and thawed: 0 broken ($FIG)" "$(why b)"
	# split brain avoided: d1 resynced, then d0 gave its address back, and only one answers ARP for it
	if since 1 "$m1" | sed -n '/stepping back to resync/,$p' | has 'cluster: synced' &&
		since 0 "$m0" | has "cluster: gave back ${LIPS[0]} to dispatcher 1"; then
		ok "b) d1 resynced after stepping back, then d0 gave ${LIPS[0]} back: $(since 0 "$m0" | grep -o 'cluster: gave back .*' | tr '\n' ';' | sed 's/;$//')"
	else
		{ since 0 "$m0" | grep 'cluster:'; echo ---; since 1 "$m1" | grep 'cluster:'; } >"$W/why"
		bad "b) d1 resynced ('cluster: synced' after stepping back) and d0 gave ${LIPS[0]} back to dispatcher 1" "$W/why"
	fi
	macs=$(arp_macs "${LIPS[0]}")
	[ "$(echo "$macs" | sed '/^$/d' | wc -l)" = 1 ] && [ "${macs%% *}" = "$D1_MAC" ] &&
		ok "b) no split brain: only d1 ($D1_MAC) answers ARP for ${LIPS[0]} (who-has from lab-n3: $(echo "$macs" | tr '\n' ' ')replies); lab-n0 has: $(ip -n lab-n0 neigh show "${LIPS[0]}" | tr -s ' ')" ||
		bad "b) only d1 ($D1_MAC) answers ARP for ${LIPS[0]}: got '$(echo "$macs" | tr '\n' ';')'"
	# each announces an address it takes four times within 1.7 s, then no more
	heard=$(announced 3)
	[ -z "$heard" ] && ok "b) no gratuitous ARP in 3 s, seconds after d1 took its addresses back" ||
		bad "b) no gratuitous ARP in 3 s, seconds after d1 took its addresses back: heard $(echo "$heard" | tr '\n' ';')"
}

case_c() {   # d1's front link cut
	local m0 m1 r0 r1 i
	pair true || return
	m0=$(mark 0)
	m1=$(mark 1)
	r0=$(sync_fig 0 'redirected, miss_adopted, miss_dropped'; sync_fig 1 'redirected, miss_adopted, miss_dropped')
	load_start c
	sleep_until $((T0 + AT * 1000))
	note "d1 unplugged"
	"$LAB" dispatcher unplug 1 >"$W/c-unplug.log" 2>&1 || bad "c) d1 unplugged" "$W/c-unplug.log"
	load_wait
	r1=$(sync_fig 0 'redirected, miss_adopted, miss_dropped'; sync_fig 1 'redirected, miss_adopted, miss_dropped')
	figures c
	[ "$CLEAN" = 1 ] && ok "c) d1's front link cut at $AT s of $RUN: 0 broken ($FIG)" ||
		bad "c) d1's front link cut: 0 broken ($FIG)" "$(why c)"
	echo "cluster-sync: c) d0's and d1's sync counters before $(echo "$r0" | tr '\n' ' ')after $(echo "$r1" | tr '\n' ' '); d0 took over: '$(took_over 0 "$m0")'; d1's cluster lines: $(since 1 "$m1" | grep -c 'cluster:')"
	note "d1 plugged in"
	"$LAB" dispatcher plug 1 >"$W/c-plug.log" 2>&1 || bad "c) d1 plugged in again" "$W/c-plug.log"
	for ((i = 0; i < 100; i++)); do
		[ "$(vip_hops)" = "10.203.0.2 10.203.0.3 " ] && break
		sleep 0.1
	done
	[ "$(vip_hops)" = "10.203.0.2 10.203.0.3 " ] && ok "c) d1 plugged in again: lab-rtr routes $VIP via $(vip_hops)" ||
		bad "c) d1 plugged in again: lab-rtr routes $VIP via both (got '$(vip_hops)')"
}

# lossy <on|off>: 1% of the TCP segments leaving the clients' and the servers'
# namespaces dropped (nft's random numbers), or none
lossy() {
	local ns
	for ns in lab-client lab-n0 lab-n1 lab-n2; do
		ip netns exec "$ns" nft delete table inet nc_loss 2>/dev/null
		[ "$1" = on ] || continue
		ip netns exec "$ns" nft -f - <<-EOF || return 1
			table inet nc_loss {
				chain out {
					type filter hook output priority 0;
					meta l4proto tcp numgen random mod 1000 < 10 drop
				}
			}
		EOF
	done
}

# curl_loop <seconds> <out>: curl GETs of the VIP one after another from the six
# client addresses in turn (ECMP spreads them) for <seconds>, each line of <out>
# the HTTP status (000: no answer within 10 s)
curl_loop() {
	local end=$((SECONDS + $1)) i=0
	while [ "$SECONDS" -lt "$end" ]; do
		ip netns exec lab-client curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 \
			--interface "10.200.0.$((10 + i % 6))" "http://$VIP/j/$i" >>"$2" 2>/dev/null
		i=$((i + 1))
	done
}

case_j() {   # lossy paths, both dispatchers up (two thirds of a run)
	local RUN=$((RUN * 2 / 3)) cpid n ok200
	pair true || return
	if ! lossy on; then
		bad "j) 1% of the TCP segments dropped in the lab's namespaces (nft)"
		lossy off
		return
	fi
	: >"$W/j-curl.txt"
	curl_loop "$RUN" "$W/j-curl.txt" &
	cpid=$!
	load_start j
	load_wait
	wait "$cpid"
	lossy off
	figures j
	[ "$CLEAN" = 1 ] && ok "j) 1% of the TCP segments lost both ways, both dispatchers up for $RUN s: 0 broken ($FIG)" ||
		bad "j) 1% of the TCP segments lost both ways, both dispatchers up: 0 broken ($FIG)" "$(why j)"
	n=$(wc -l <"$W/j-curl.txt")
	ok200=$(grep -c '^200$' "$W/j-curl.txt")
	[ "$n" -gt 0 ] && [ "$ok200" = "$n" ] &&
		ok "j) curl alongside: $n requests from the six client addresses, every one answered 200" ||
		bad "j) curl alongside: every request answered 200 (got $ok200 of $n; status counts: $(sort "$W/j-curl.txt" | uniq -c | tr -s ' \n' ' '))"
	echo "cluster-sync: j) d0's sync: $(sync_fig 0 'redirected, miss_dropped')"
}

case_f() {   # d1 killed with sync off
	local m0 f1 lb
	pair false || return
	m0=$(mark 0)
	load_start f
	# and twelve connections that live through the whole run: each one through d1
	# must break (the three clients' own connections are short, and the few of
	# them in flight through d1 at the kill may all be clear of it)
	ip netns exec lab-client "$NC_CLIENT" --json --source "$SRC_LIST" -c 12 -k 1000000 --duration "$RUN" \
		--target "$VIP:80" --proto tcp --mode keepalive --think-ms 100 --timeout-ms 10000 \
		>"$W/f-long.json" 2>"$W/f-long.err" &
	LOAD_PIDS+=($!)
	sleep_until $((T0 + AT * 1000))
	f1=$(flows 1)
	note "d1 killed"
	"$LAB" dispatcher kill 1 >"$W/f-kill.log" 2>&1 || bad "f) d1 killed" "$W/f-kill.log"
	D1_KILLED=1
	load_wait
	figures f
	lb=$(jq .broken "$W/f-long.json" 2>/dev/null || echo 0)
	[ "$f1" -gt 0 ] && [ "$((BROKEN + lb))" -gt 0 ] &&
		ok "f) sync off, d1 killed at $AT s of $RUN (it had opened $f1 flows): $((BROKEN + lb)) transactions broken, as expected ($lb of 12 lifelong keep-alive connections; $FIG)" ||
		bad "f) sync off, d1 killed (it had opened $f1 flows): transactions broken (none were: $FIG; lifelong $(jq -c '{requests, ok, broken}' "$W/f-long.json" 2>/dev/null))" "$(why f)"
	echo "cluster-sync: f) d0 took over with sync off: '$(took_over 0 "$m0")'"
}

# chan6: with the dK-v6.json files the cluster channel runs over IPv6 between
# the back ports' host6 addresses: each dispatcher's API shows its own and its
# peer's (up, heard), its namespace's kernel a UDP/IPv6 socket on its host6, and
# lab-n0 pings both host6 addresses (answered by the data planes)
chan6() {
	local k i good=0 a p
	for k in 0 1; do
		a=fd00:201::$((201 + k)) p=fd00:201::$((202 - k))
		for ((i = 0; i < 50; i++)); do
			api_cluster "$k" | jq -e --arg a "$a" --arg p "$p" '.address == $a and
				([.peers[] | select(.address == $p and .state == "up")] | length) == 1 and
				.channel.rx_ok > 0' >/dev/null 2>&1 && break
			sleep 0.2
		done
		api_cluster "$k" >"$W/g-chan-d$k.json"
		ip netns exec "lab-d$k" ss -u6 -n -l >"$W/g-ss-d$k.txt" 2>&1
		jq -e --arg a "$a" --arg p "$p" '.address == $a and
			([.peers[] | select(.address == $p and .state == "up")] | length) == 1 and
			.channel.rx_ok > 0' "$W/g-chan-d$k.json" >/dev/null 2>&1 &&
			grep -qF "[$a]:7788" "$W/g-ss-d$k.txt" &&
			ip netns exec lab-n0 ping -6 -c 2 -i 0.2 -W 2 "$a" >"$W/g-ping-d$k.txt" 2>&1 &&
			good=$((good + 1))
	done
	[ "$good" = 2 ] &&
		ok "g) the cluster channel over IPv6: d0 on [fd00:201::201]:7788 and d1 on [fd00:201::202]:7788 (ss -u6), each the other's peer, up, $(jq -r '.channel.rx_ok' "$W/g-chan-d0.json") and $(jq -r '.channel.rx_ok' "$W/g-chan-d1.json") datagrams accepted; lab-n0 pings both host6 addresses" ||
		{ cat "$W"/g-chan-d?.json "$W"/g-ss-d?.txt "$W"/g-ping-d?.txt >"$W/why" 2>/dev/null
		  bad "g) the cluster channel over IPv6 (APIs, ss -u6, ping -6)" "$W/why"; }
}

case_g() {   # IPv6: d1 killed
	local m0 d want heard
	V6=-v6
	pair true || { V6=""; return; }
	chan6
	m0=$(mark 0)
	load_start g
	sleep_until $((T0 + AT * 1000))
	note "d1 killed (IPv6)"
	"$LAB" dispatcher kill 1 >"$W/g-kill.log" 2>&1 || bad "g) d1 killed" "$W/g-kill.log"
	D1_KILLED=1
	load_wait
	figures g
	[ "$CLEAN" = 1 ] && [ "$DUPS" = 0 ] &&
		ok "g) IPv6: d1 killed at $AT s of $RUN: every request answered, 0 failed, 0 broken, 0 duplicates ($FIG)" ||
		bad "g) IPv6: d1 killed: every request answered, none failed, none broken, no duplicate ($FIG)" "$(why g)"
	d=$(took_over 0 "$m0")
	want=$(printf '%s\n' "${LIPS[@]}" "${LIPS6[@]}" | sort -u | tr '\n' ' ')
	[ "$d" = "$want" ] &&
		ok "g) d0 took over d1's IPv4 and IPv6 local IPs: $(since 0 "$m0" | grep -o 'cluster: took over .*' | tr '\n' ';' | sed 's/;$//')" ||
		{ since 0 "$m0" | grep 'cluster:' >"$W/why"; bad "g) d0's log: took over $want(got: '$d')" "$W/why"; }
	echo "cluster-sync: g) UDP requests d0 replayed for d1 (its log): $(replays 0 "$m0"); d0's sync: $(sync_fig 0 'adopted, adopted_held, miss_adopted, miss_dropped, redirected, holding')"
	# as case b, over IPv6: its own addresses and d1's, announced when taken only
	heard=$(announced 3)
	[ -z "$heard" ] && ok "g) no unsolicited Neighbor Advertisement or gratuitous ARP in 3 s, seconds after d0 took d1's addresses" ||
		bad "g) no unsolicited Neighbor Advertisement or gratuitous ARP in 3 s, seconds after d0 took d1's addresses: heard $(echo "$heard" | tr '\n' ';')"
	V6=""
}

# peers_start: case h's servers in lab-n0..n2, on the server's address, a
# PROXY header required: nginx on 8091 and HAProxy on 8092 and 8093, each answering
# "<client>:<port> <its peer>" (the client the header named, the local IP it
# came through); 1 when one does not listen after 10 s. peers_stop: them gone.
peers_start() {
	local i d addr
	for i in 0 1 2; do
		d=$W/peers$i addr=10.201.0.$((11 + i))
		mkdir -p "$d/tmp"
		cat >"$d/nginx.conf" <<EOF
user root;
worker_processes 1;
daemon off;
pid $d/nginx.pid;
error_log $d/nginx-error.log warn;
events { worker_connections 1024; }
http {
	log_format pp '\$proxy_protocol_addr:\$proxy_protocol_port \$remote_addr \$request_uri \$status';
	access_log $d/access.log pp;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	keepalive_timeout 120s;
	keepalive_requests 100000;
	server {
		listen $addr:8091 proxy_protocol;
		location / { return 200 "\$proxy_protocol_addr:\$proxy_protocol_port \$remote_addr\n"; }
	}
}
EOF
		cat >"$d/haproxy.cfg" <<EOF
global
	maxconn 1000
defaults
	mode http
	timeout connect 2s
	timeout client 120s
	timeout server 10s
	timeout http-keep-alive 120s
frontend fe
	bind $addr:8092 accept-proxy
	bind $addr:8093 accept-proxy
	http-request return status 200 content-type text/plain lf-string "%ci:%cp %[fc_src]\n"
EOF
		ip netns exec "lab-n$i" nginx -c "$d/nginx.conf" -e "$d/nginx-error.log" </dev/null >"$d/nginx.out" 2>&1 &
		PEER_PIDS+=($!)
		ip netns exec "lab-n$i" haproxy -db -f "$d/haproxy.cfg" </dev/null >"$d/haproxy.out" 2>&1 &
		PEER_PIDS+=($!)
	done
	for ((i = 0; i < 50; i++)); do
		for d in 0 1 2; do
			[ "$(ip netns exec "lab-n$d" ss -Hltn "( sport = 8091 or sport = 8092 or sport = 8093 )" | wc -l)" -ge 3 ] ||
				{ sleep 0.2; continue 2; }
		done
		return 0
	done
	return 1
}
peers_stop() {
	local p
	for p in "${PEER_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	PEER_PIDS=()
}

case_h() {   # client addresses: PROXY v2 connections to nginx and HAProxy, d1 killed
	local m0 p f d1conns=0 spconns=0 n all=1 line="" valid
	for p in nginx haproxy; do command -v "$p" >/dev/null || { bad "h) $p installed (scripts/deps.sh)"; return; }; done
	peers_start || { cat "$W"/peers0/*.out >"$W/why" 2>/dev/null; bad "h) nginx and HAProxy listening on :8091, :8092 and :8093 in lab-n0..n2" "$W/why"; peers_stop; return; }
	PP=-pp
	pair true || { PP=""; peers_stop; return; }
	m0=$(mark 0)
	note "case h: load started ($RUN s)"
	LOAD_PIDS=()
	for p in 8091 8092 8093; do
		# two a source behind the SYN proxy: some reach d1 in nearly every run
		ip netns exec lab-client python3 "$ROOT/tests/e2e/proxy/keepalive_check.py" --target "$VIP:$p" \
			--source "$SRC_LIST" --per-source "$([ "$p" = 8093 ] && echo 2 || echo 1)" \
			--duration "$RUN" --think-ms 100 >"$W/h-$p.json" 2>"$W/h-$p.err" &
		LOAD_PIDS+=($!)
	done
	T0=$(now_ms)
	sleep_until $((T0 + AT * 1000))
	note "d1 killed (PROXY v2 connections to nginx and HAProxy)"
	"$LAB" dispatcher kill 1 >"$W/h-kill.log" 2>&1 || bad "h) d1 killed" "$W/h-kill.log"
	D1_KILLED=1
	for p in "${LOAD_PIDS[@]}"; do wait "$p"; done
	LOAD_PIDS=()
	note "load over"
	: >"$W/why"
	for p in 8091 8092 8093; do
		f=$W/h-$p.json
		# connections that reached their server through d1's local IPs and, never opened
		# again, were answered after the kill
		n=$(jq --argjson at "$AT" --arg a "${LIPS[0]}" --arg b "${LIPS[1]}" \
			'[.connections[] | select(((.via | index($a)) or (.via | index($b))) and .reconnects == 0 and .last_ok_s > $at + 1)] | length' \
			"$f" 2>/dev/null || echo 0)
		if [ "$p" = 8093 ]; then spconns=${n:-0}; else d1conns=$((d1conns + ${n:-0})); fi
		line+="$(case $p in 8091) echo nginx ;; 8092) echo HAProxy ;; *) echo "HAProxy behind the SYN proxy" ;; esac) $(jq -c '{requests, ok, wrong, failed, reconnects}' "$f" 2>/dev/null || echo '(no report)'); "
		jq -e '.requests > 0 and .ok == .requests and .wrong == 0 and .failed == 0 and .reconnects == 0' \
			"$f" >/dev/null 2>&1 ||
			{ all=0; { echo "$p:"; jq -c '{requests, ok, wrong, failed, reconnects, errors}' "$f"; cat "$W/h-$p.err"; } >>"$W/why" 2>&1; }
	done
	[ "$all" = 1 ] &&
		ok "h) PROXY v2 keep-alive connections to nginx and HAProxy, and to HAProxy behind the SYN proxy, d1 killed at $AT s of $RUN: every request answered with its own client's address and port, no connection broken (${line%; })" ||
		bad "h) PROXY v2 keep-alive connections to nginx and HAProxy, and behind the SYN proxy, d1 killed: every request answered with its own client's address, none broken (${line%; })" "$W/why"
	[ "$d1conns" -gt 0 ] &&
		ok "h) $d1conns of 12 connections reached their server through d1's local IPs and went on after the kill (d0 took over $(took_over 0 "$m0" | sed 's/ $//'))" ||
		bad "h) some connections reached their server through d1's local IPs and went on after the kill (got $d1conns; via: $(jq -sc '[.[].connections[].via] | flatten | unique' "$W"/h-809[12].json 2>/dev/null))"
	# the SYN proxy's: opened by d1's cookies, bridged by d0 after the kill
	valid=$(metric 0 'netchestra_syn_proxy_events_total{service="hapsp",event="cookie_valid"}')
	[ "$spconns" -gt 0 ] && [ "${valid:-0}" -gt 0 ] &&
		ok "h) $spconns of 12 connections behind the SYN proxy reached their server through d1's local IPs and went on after the kill, bridged by d0 ($valid opened by d0's own cookies)" ||
		bad "h) connections behind the SYN proxy through d1's local IPs went on after the kill (got $spconns; d0's valid cookies: ${valid:-none}; via: $(jq -c '[.connections[].via] | flatten | unique' "$W/h-8093.json" 2>/dev/null))"
	[ "$(api_cluster 0 | jq '.sync.adopt_unproxied' 2>/dev/null)" = 0 ] ||
		bad "h) d0 installed every proxied flow of d1's ($(sync_fig 0 'adopt_unproxied'))"
	echo "cluster-sync: h) nginx logged $(cat "$W"/peers?/access.log 2>/dev/null | grep -c ' /ka/') requests; d0's sync: $(sync_fig 0 'adopted, adopted_held, miss_adopted, miss_dropped, redirected, holding')"
	PP=""
	peers_stop
}

# ---- run ----

"$LAB" down >/dev/null 2>&1
if ! "$LAB" up --dispatchers "$N" >"$W/lab.log" 2>&1; then
	bad "lab up --dispatchers $N" "$W/lab.log"
	echo "$pass passed, $fail failed"
	exit 1
fi
for c in $CASES; do
	case $c in
	a|b|c|d|e|f|g|h|i|j) echo "-- case $c"; "case_$c" ;;
	*) bad "CLUSTER_SYNC_CASES: no case '$c' (a b c d e f g h i j)" ;;
	esac
done
[ ! -f "$W/times" ] || sed 's/^/cluster-sync: /' "$W/times"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
