#!/usr/bin/env bash
# End-to-end test of the SYN proxy: Linux's own TCP (curl, nc-client) through a
# service with "syn_proxy": "on" in the namespace lab. Every connection's SYN
# is answered by the appliance with a cookie (timestamps, window scale and SACK
# carried in it as Linux's are), its ACK opens the flow and the connection to
# nc-backend, and the two sequence spaces are bridged: requests one per
# connection and keep-alive answered right, a 4 MB body (window scaling, SACK
# and timestamps in play on both sides) arrives whole, and the appliance's
# counters agree: a cookie per connection, each validated, none bad. Then the
# fail-safe on the proxied service: n1's nc-backend killed under a connection
# per request, then under keep-alive connections: every request still
# answered once (moved to another server with its connection). And a SYN
# made for a client that lands on its server's TIME_WAIT (the same local
# ports after a restart with tcp_timewait_s 0): reset there and sent again,
# every request answered. And SYNs made for the clients lost on the way
# (n1's firewall drops every other one): sent again when the client sends
# its request again, every request answered; and for a server that speaks
# first (SMTP), sent again on the appliance's own timer, every message sent.
# Usage: tests/e2e/synproxy.sh BUILD_DIR (as root, under the lab lock).
# shellcheck disable=SC2015 # "check && ok ... || bad ...": ok never fails
E2E_NAME=synproxy
# shellcheck source-path=SCRIPTDIR source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh" "$@"

cfg() { jq "$3" "$2" >"$1"; }
clean_run() { jq -e '.requests > 0 and .failed == 0 and .broken == 0 and .ok == .requests' "$1" >/dev/null; }
run_client() {
	local out=$1
	shift
	timeout 120 ip netns exec lab-client "$NC_CLIENT" --json "$@" >"$out" 2>"$out.err"
}

"$LAB" up >"$W/lab.log" 2>&1 || { cat "$W/lab.log"; echo "0 passed, 1 failed"; exit 1; }
cfg "$W/sp.json" "$ROOT/config/lab.json" '.services[0].syn_proxy = "on"'
if ! nc_start "$W/sp.json" "$W/nc.log"; then
	bad "the appliance starts with syn_proxy on" "$W/nc.log"
	echo "$pass passed, $fail failed"
	exit 1
fi

# curl, a connection per request
n=0
for i in $(seq 20); do
	code=$(client timeout 10 curl -s -o /dev/null -w '%{http_code}' "http://$LAB_VIP/r$i") || code=x
	[ "$code" = 200 ] && n=$((n + 1))
done
[ "$n" = 20 ] && ok "curl: 20 connections through SYN cookies, 20 answered 200" ||
	bad "curl: $n of 20 connections answered 200"

# a long body: the server's window scale and the client's SACK and timestamps in play
size=$(client timeout 30 curl -s -o /dev/null -w '%{size_download}' "http://$LAB_VIP/bytes/4194304") || size=0
[ "$size" = 4194304 ] && ok "curl: a 4 MB body arrives whole" || bad "curl: 4 MB body, $size bytes arrived"

run_client "$W/tcp.json" --target "$LAB_VIP:80" --proto tcp --mode close -c 4 -k 5 --duration 3 \
	--source 10.200.0.10,10.200.0.11,10.200.0.12
clean_run "$W/tcp.json" && ok "nc-client close: $(jq -r .ok "$W/tcp.json") answers, none broken" ||
	bad "nc-client close" "$W/tcp.json"
run_client "$W/ka.json" --target "$LAB_VIP:80" --proto tcp --mode keepalive -c 4 -k 5 --duration 3
clean_run "$W/ka.json" && ok "nc-client keep-alive: $(jq -r .ok "$W/ka.json") answers, none broken" ||
	bad "nc-client keep-alive" "$W/ka.json"

nc_stop
line=$(nc_final "$W/nc.log" "syn_proxy web")
ev() { sed -n "s/.* $1 \([0-9]*\).*/\1/p" <<<"$line"; }
if [ -n "$line" ] && [ "$(ev cookie_bad)" = 0 ] && [ "$(ev cookie_expired)" = 0 ] &&
	[ "$(ev cookie_sent)" -ge 21 ] && [ "$(ev cookie_valid)" = "$(ev opened)" ] &&
	[ "$(ev cookie_valid)" -ge 21 ]; then
	ok "counters: cookies sent $(ev cookie_sent), valid $(ev cookie_valid), connections bridged $(ev opened), none bad"
else
	bad "counters: '$line'" "$W/nc.log"
fi
# A proxied connection's SYN landing on its server's TIME_WAIT: with
# limits.tcp_timewait_s 0 a restarted appliance gives its new flows the local
# ports its previous run gave, in the same order, so each of curl's
# connections in the second round reaches n1 (the only server) from a
# 4-tuple n1 still holds (Connection: close: n1 closed first). n1 answers the
# SYN the appliance made for the client with a bare ACK of the old connection
# unless its sequence number is past that connection's; the client, whose
# handshake was the cookie's, never sees it: the appliance resets the 4-tuple
# and sends the SYN again. Every request answered, counted as stale_tuple.
STALE_N=24
client_rsts() { ip netns exec lab-client nstat -az TcpOutRsts | awk '$1 == "TcpOutRsts" {print $2}'; }
cfg "$W/stale.json" "$ROOT/config/lab.json" '.limits.tcp_timewait_s = 0 | .services[0].syn_proxy = "on" |
	.services[0].servers = [{name: "n1", address: "10.201.0.12", port: 8080, weight: 100}]'
: >"$W/stale.codes"
for round in 1 2; do
	nc_start "$W/stale.json" "$W/stale$round.log" || { bad "stale: the appliance starts" "$W/stale$round.log"; break; }
	r0=$(client_rsts)
	for i in $(seq "$STALE_N"); do
		client curl -sS -m 10 -H 'Connection: close' -o /dev/null -w "$round %{http_code}\n" \
			"http://$LAB_VIP/stale/$round/$i" >>"$W/stale.codes" 2>>"$W/stale.err"
	done
	echo $(($(client_rsts) - r0)) >"$W/stale$round.rsts"
	nc_stop >/dev/null
done
line=$(nc_final "$W/stale1.log" "syn_proxy web")
s1=$(ev stale_tuple)
line=$(nc_final "$W/stale2.log" "syn_proxy web")
s2=$(ev stale_tuple)
answered=$(grep -c '^[12] 200$' "$W/stale.codes")
if [ "$answered" = $((2 * STALE_N)) ] && [ "$s1" = 0 ] && [ "${s2:-0}" -gt 0 ] &&
	[ "$(cat "$W/stale2.rsts")" = 0 ]; then
	ok "SYNs made for the client on n1's TIME_WAIT (a restart with tcp_timewait_s 0 gives the same local ports): curl got $answered of $((2 * STALE_N)) answers, $s2 stale 4-tuples reset in the second round and their SYNs sent again, no reset from the client's TCP"
else
	{ echo "answered $answered of $((2 * STALE_N)); stale_tuple round 1: $s1, round 2: $s2; client resets in round 2: $(cat "$W/stale2.rsts")"
	  cat "$W/stale.err"; grep -E 'final syn_proxy' "$W/stale2.log"; } >"$W/stale.why" 2>/dev/null
	bad "SYNs made for the client on n1's TIME_WAIT: every curl request answered, stale 4-tuples mended" "$W/stale.why"
fi

# SYNs made for the clients lost on the way: n1's firewall drops every
# other SYN from a client's local port (nftables, numgen; not the health
# probes', whose ports lie below 4096). The client, whose handshake was the
# cookie's, sends its request again after its retransmission timeout; the
# appliance, still waiting for the server, sends the SYN again then. Every
# request answered well within curl's limit (without it, a lost SYN waited
# for the flow's tcp_syn_s and the client's next retransmission).
LOSS_N=10
cfg "$W/loss.json" "$ROOT/config/lab.json" '.services[0].syn_proxy = "on" |
	.services[0].servers = [{name: "n1", address: "10.201.0.12", port: 8080, weight: 100}]'
# syn_loss_on <port>: n1 drops every other SYN to <port> from a client's
# local port; syn_loss_off prints how many it dropped and ends it
syn_loss_on() {
	ip netns exec lab-n1 nft -f - <<-NFT
	table inet sploss {
		chain input {
			type filter hook input priority 0;
			tcp dport $1 tcp sport >= 4096 tcp flags & (syn | ack) == syn numgen inc mod 2 == 0 counter drop
		}
	}
	NFT
}
syn_loss_off() {
	ip netns exec lab-n1 nft list table inet sploss | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
	ip netns exec lab-n1 nft delete table inet sploss
}
if nc_start "$W/loss.json" "$W/loss.log"; then
	syn_loss_on 8080
	n=0
	for i in $(seq "$LOSS_N"); do
		[ "$(client curl -s -m 8 -o /dev/null -w '%{http_code}' "http://$LAB_VIP/loss/$i")" = 200 ] &&
			n=$((n + 1))
	done
	dropped=$(syn_loss_off)
	nc_stop >/dev/null
	line=$(nc_final "$W/loss.log" "syn_proxy web")
	if [ "$n" = "$LOSS_N" ] && [ "${dropped:-0}" -gt 0 ] && [ "$(ev syn_again)" -gt 0 ] 2>/dev/null; then
		ok "SYNs made for the clients lost ($dropped dropped by n1's firewall): $n of $LOSS_N curl requests answered, $(ev syn_again) SYNs sent again (at the client's retransmission of its request, or the appliance's timer)"
	else
		bad "SYNs made for the clients lost: every curl request answered (got $n of $LOSS_N; $dropped SYNs dropped; '$line')" "$W/loss.log"
	fi
else
	bad "loss: the appliance starts" "$W/loss.log"
fi

# A server that speaks first (SMTP: Python's smtpd in lab-n1, smtplib in the
# client) behind the SYN proxy, n1's firewall dropping every other SYN to it:
# the client, waiting for the banner, sends nothing that would stand for a
# timer; the appliance sends the SYN again after a second. Every message
# delivered within smtplib's 8 s (without that timer, a lost SYN left the
# connection waiting for the flow's tcp_syn_s, 10 s, and then for nothing).
SMTP_N=8
cfg "$W/smtp.json" "$ROOT/config/lab.json" '.services += [.services[0] | .name = "smtp" | .port = 25 |
	.syn_proxy = "on" | del(.health) | .servers = [{name: "n1", address: "10.201.0.12", port: 2525, weight: 100}]]'
ip netns exec lab-n1 python3 -W ignore -u -m smtpd -n -c DebuggingServer 10.201.0.12:2525 >"$W/smtpd.out" 2>&1 &
smtpd=$!
if nc_start "$W/smtp.json" "$W/smtp.log"; then
	syn_loss_on 2525
	sent=$(client python3 - "$LAB_VIP" "$SMTP_N" 2>"$W/smtp.err" <<'PY'
import smtplib, sys
vip, n, ok = sys.argv[1], int(sys.argv[2]), 0
for i in range(n):
    try:
        with smtplib.SMTP(vip, 25, timeout=8) as s:
            s.sendmail("a@lab.test", ["b@lab.test"], f"Subject: m{i}\r\n\r\nspbody-{i}\r\n")
            ok += 1
    except Exception as e:
        print(f"message {i}: {e!r}", file=sys.stderr)
print(ok)
PY
)
	dropped=$(syn_loss_off)
	nc_stop >/dev/null
	got=$(grep -c 'spbody-[0-9]' "$W/smtpd.out")   # DebuggingServer prints b'spbody-N'
	line=$(nc_final "$W/smtp.log" "syn_proxy smtp")
	if [ "$sent" = "$SMTP_N" ] && [ "$got" = "$SMTP_N" ] && [ "${dropped:-0}" -gt 0 ] &&
		[ "$(ev syn_timer)" -gt 0 ] 2>/dev/null; then
		ok "a server that speaks first (smtplib to Python's smtpd), $dropped SYNs dropped by n1's firewall: $sent of $SMTP_N messages sent, $got delivered, $(ev syn_timer) SYNs sent again on the appliance's timer"
	else
		{ echo "sent $sent of $SMTP_N, delivered $got, $dropped SYNs dropped; '$line'"; cat "$W/smtp.err"; } >"$W/smtp.why"
		bad "a server that speaks first behind the SYN proxy, SYNs lost: every message delivered" "$W/smtp.why"
	fi
else
	bad "smtp: the appliance starts" "$W/smtp.log"
fi
kill "$smtpd" 2>/dev/null
wait "$smtpd" 2>/dev/null

# A server that refuses what the cookie's SYN-ACK already gave the client:
# n1's kernel with timestamps, SACK and window scaling off answers the SYN
# made for the client without them. The appliance then passes the client's
# options on untranslated and rescales nothing of the server's; Linux's curl,
# which negotiated all three with the cookie, takes the server's segments
# without them (RFC 7323 lets it). Every request answered, a 4 MB body whole
# over a path that loses some of the server's segments.
saved=$(ip netns exec lab-n1 sysctl -n net.ipv4.tcp_timestamps net.ipv4.tcp_sack net.ipv4.tcp_window_scaling | tr '\n' ' ')
ip netns exec lab-n1 sysctl -qw net.ipv4.tcp_timestamps=0 net.ipv4.tcp_sack=0 net.ipv4.tcp_window_scaling=0
if nc_start "$W/loss.json" "$W/bare.log"; then
	n=0
	for i in $(seq 10); do
		[ "$(client curl -s -m 8 -o /dev/null -w '%{http_code}' "http://$LAB_VIP/bare/$i")" = 200 ] && n=$((n + 1))
	done
	# the body over a lossy path (one of n1's full sends in 50 dropped):
	# recovered without SACK or timestamps, the client's SACK blocks ignored
	ip netns exec lab-n1 nft -f - <<'NFT'
table inet spbare {
	chain output {
		type filter hook output priority 0;
		tcp sport 8080 meta length > 1000 numgen inc mod 50 == 0 counter drop
	}
}
NFT
	client timeout 60 curl -s -o "$W/bare.body" "http://$LAB_VIP/bytes/4194304"
	# nc-backend's body: its name and the request's sum, 'x' to the size, '\n'
	size=$(stat -c %s "$W/bare.body" 2>/dev/null || echo 0)
	body_ok=0
	head -1 "$W/bare.body" | grep -qx 'n1 [0-9a-f]\{16\}' && [ "$(sed 1d "$W/bare.body" | tr -d 'x\n' | wc -c)" = 0 ] &&
		[ "$size" = 4194304 ] && body_ok=1
	lost=$(ip netns exec lab-n1 nft list table inet spbare | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
	ip netns exec lab-n1 nft delete table inet spbare
	nc_stop >/dev/null
	line=$(nc_final "$W/bare.log" "syn_proxy web")
	if [ "$n" = 10 ] && [ "$body_ok" = 1 ] && [ "${lost:-0}" -gt 0 ] && [ "$(ev opened)" -ge 11 ] 2>/dev/null; then
		ok "a server refusing timestamps, SACK and window scaling (n1's sysctls): curl got 10 of 10 answers and a 4 MB body byte for byte with $lost of n1's sends dropped, through $(ev opened) proxied connections"
	else
		bad "a server refusing timestamps, SACK and window scaling: curl $n of 10, 4 MB body $size bytes (right: $body_ok), $lost segments lost; '$line'" "$W/bare.log"
	fi
else
	bad "bare: the appliance starts" "$W/bare.log"
fi
read -r ts sack ws <<<"$saved"
ip netns exec lab-n1 sysctl -qw net.ipv4.tcp_timestamps="$ts" net.ipv4.tcp_sack="$sack" net.ipv4.tcp_window_scaling="$ws"

# the fail-safe on proxied connections: n1 killed under load (servers cost
# 200000 loops a request, so requests are in flight; the response limit, 3 s,
# far above a loaded machine's slow answer), nothing broken
"$LAB" down >/dev/null 2>&1
"$LAB" up --loops 200000,200000,200000 >"$W/lab2.log" 2>&1 ||
	{ cat "$W/lab2.log"; echo "$pass passed, $((fail + 1)) failed"; exit 1; }
cfg "$W/spfs.json" "$ROOT/config/lab.json" '.eal.memory_mb = 768 | .services[0].syn_proxy = "on" |
	.services[0].failsafe = { enabled: true, response_timeout_ms: 3000, max_replays: 2, store_size: 8192 }'
if nc_start "$W/spfs.json" "$W/nc2.log"; then
	for mode in close keepalive; do
		ip netns exec lab-client "$NC_CLIENT" --json --quiet --target "$LAB_VIP:80" --proto tcp \
			--mode $mode -c 6 -k 5 --duration 8 --timeout-ms 5000 \
			--source 10.200.0.10,10.200.0.11,10.200.0.12,10.200.0.13,10.200.0.14,10.200.0.15 \
			>"$W/fs-$mode.json" 2>"$W/fs-$mode.err" &
		client=$!
		sleep 3
		kill -9 "$(cat /run/netchestra-lab/n1.pid)"
		wait "$client"
		"$LAB" restart-server 1 >/dev/null 2>&1
		sleep 2
		if jq -e '.requests > 100 and .failed == 0 and .broken == 0 and .ok == .requests and
			.completed == .transactions' "$W/fs-$mode.json" >/dev/null; then
			ok "fail-safe, tcp $mode, n1 killed: $(jq -r '"\(.ok) answers of \(.requests), 0 broken"' "$W/fs-$mode.json")"
		else
			bad "fail-safe, tcp $mode, n1 killed: every request answered once" "$W/fs-$mode.json"
		fi
	done
	nc_stop
	line=$(nc_final "$W/nc2.log" "syn_proxy web")
	fs=$(nc_final "$W/nc2.log" "failsafe web:")
	if [ -n "$line" ] && [ "$(ev cookie_bad)" = 0 ] && [ "$(ev cookie_valid)" -gt 0 ] &&
		grep -q 'replays [1-9]' <<<"$fs" && grep -q 'resets 0 ' <<<"$fs"; then
		ok "fail-safe counters: $(grep -o 'replays [0-9]*' <<<"$fs") on proxied connections, cookies valid $(ev cookie_valid), none bad"
	else
		bad "fail-safe counters: '$line' '$fs'" "$W/nc2.log"
	fi
else
	bad "the appliance starts with syn_proxy and the fail-safe" "$W/nc2.log"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
