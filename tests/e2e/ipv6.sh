#!/usr/bin/env bash
# End-to-end, IPv6: the lab's services on the IPv6 VIPs (config/lab.json: web6
# tcp/80 and dns6 udp/5353 on fd00:200::1 over the servers' IPv6 addresses;
# web64 tcp/80 on fd00:200::64 over their IPv4 addresses, NAT64) with real
# Linux clients - ping -6, curl -6, wrk, Python's http.client and nc-client -
# while the IPv4 services run beside them. Bounded: every client
# run has a duration or a count and a timeout.
# Usage: tests/e2e/ipv6.sh BUILD_DIR
E2E_NAME=e2e-ipv6
# shellcheck source-path=SCRIPTDIR source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh" "$@"

VIP6=fd00:200::1
VIP64=fd00:200::64
client() { ip netns exec lab-client "$@"; }

clean_run() {   # every request answered correctly, every transaction complete
	jq -e '.requests > 0 and .failed == 0 and .broken == 0 and .ok == .requests' "$1" >/dev/null
}
run_client() {   # run_client <json out> nc-client args...
	local out=$1
	shift
	timeout 120 ip netns exec lab-client "$NC_CLIENT" --json "$@" >"$out" 2>"$out.err"
}
# the three servers each answered some of <json>'s requests
all_servers() { jq -e '[.servers[] | .responses // 0 | select(. > 0)] | length == 3' "$1" >/dev/null; }

"$LAB" up >"$W/lab.log" 2>&1 || { cat "$W/lab.log"; echo "0 passed, 1 failed"; exit 1; }
if ! nc_start "$ROOT/config/lab.json" "$W/nc.log"; then
	bad "ipv6: appliance starts on the lab" "$W/nc.log"
	echo "$pass passed, $((fail + 1)) failed"
	exit 1
fi

# The VIP answers neighbor solicitations and echo requests.
if client ping -6 -c 5 -i 0.2 -W 2 "$VIP6" >"$W/ping.txt" 2>&1 && grep -q " 0% packet loss" "$W/ping.txt" &&
	client ip -6 neigh show "$VIP6" | grep -q lladdr; then
	ok "ping -6 the VIP: 5 of 5 answered, its MAC learned by neighbor discovery"
else
	bad "ping -6 the VIP" "$W/ping.txt"
fi

# curl -6 from four client addresses: 200, the server's name and the request's sum.
: >"$W/curl.txt"
curl_ok=1
for i in $(seq 0 11); do
	src=fd00:200::1$((i % 4))
	client curl -6 -sS -m 5 -D "$W/h" -o "$W/b" --interface "$src" "http://[$VIP6]/curl6/$i" \
		2>>"$W/curl.txt" || { curl_ok=0; continue; }
	name=$(awk -F': ' 'tolower($1) == "x-server" {print $2}' "$W/h" | tr -d '\r')
	sum=$(awk -F': ' 'tolower($1) == "x-request-sum" {print $2}' "$W/h" | tr -d '\r')
	head -1 "$W/h" | grep -q ' 200 ' && [ "$(cat "$W/b")" = "$name $sum" ] || curl_ok=0
	echo "$src $name" >>"$W/curl.txt"
done
if [ "$curl_ok" = 1 ] && [ "$(awk '{print $2}' "$W/curl.txt" | sort -u | wc -l)" = 3 ]; then
	ok "curl -6 through the IPv6 VIP: 12 responses from 4 client addresses, all three servers"
else
	bad "curl -6 through the IPv6 VIP" "$W/curl.txt"
fi

# wrk over IPv6: keep-alive load, no socket error, no non-2xx response.
client timeout 30 wrk -t 1 -c 8 -d 3s --timeout 5s "http://[$VIP6]/wrk6" >"$W/wrk.txt" 2>&1
if grep -q "Requests/sec" "$W/wrk.txt" && ! grep -q "Socket errors\|Non-2xx" "$W/wrk.txt" &&
	[ "$(awk '/requests in/ {print $1}' "$W/wrk.txt")" -gt 100 ]; then
	ok "wrk over IPv6: $(awk '/requests in/ {print $1}' "$W/wrk.txt") requests, no error"
else
	bad "wrk over IPv6" "$W/wrk.txt"
fi

# Python's http.client: keep-alive and Connection: close, bodies checked.
cat >"$W/py6.py" <<'EOF'
import http.client, sys
vip, n = sys.argv[1], int(sys.argv[2])
good = 0
c = http.client.HTTPConnection(vip, 80, timeout=5)
for i in range(n):                      # one connection, n requests
    c.request("GET", "/py6/ka/%d" % i)
    r = c.getresponse()
    body = r.read().decode()
    good += r.status == 200 and body.split()[0] == r.getheader("X-Server")
c.close()
for i in range(n):                      # a connection per request, closed by the server
    c = http.client.HTTPConnection(vip, 80, timeout=5)
    c.request("GET", "/py6/close/%d" % i, headers={"Connection": "close"})
    r = c.getresponse()
    body = r.read().decode()
    good += r.status == 200 and body.split()[0] == r.getheader("X-Server")
    c.close()
print(good)
EOF
py=$(client timeout 60 python3 "$W/py6.py" "$VIP6" 20 2>"$W/py6.err")
if [ "$py" = 40 ]; then
	ok "Python http.client over IPv6: 40 of 40 (20 keep-alive, 20 Connection: close)"
else
	echo "answered: $py" >>"$W/py6.err"
	bad "Python http.client over IPv6" "$W/py6.err"
fi

# nc-client over IPv6, while the IPv4 service runs beside it: TCP close,
# keep-alive (never split across servers) and UDP, every answer right.
run_client "$W/tcp4.json" --target "$LAB_VIP:80" --proto tcp --mode close -c 2 -k 5 --duration 4 &
v4=$!
run_client "$W/tcp6.json" --target "[$VIP6]:80" --proto tcp --mode close -c 4 -k 5 --duration 4 \
	--source fd00:200::10,fd00:200::11,fd00:200::12
wait "$v4"
if clean_run "$W/tcp6.json" && all_servers "$W/tcp6.json" && clean_run "$W/tcp4.json"; then
	ok "nc-client tcp close over IPv6: $(jq -r '.ok' "$W/tcp6.json") answered, 0 broken, all servers; IPv4 beside it: $(jq -r '.ok' "$W/tcp4.json") answered"
else
	bad "nc-client tcp close over IPv6 (IPv4 beside it)" "$W/tcp6.json"
fi
run_client "$W/ka6.json" --target "[$VIP6]:80" --proto tcp --mode keepalive -c 6 -k 5 --duration 3
if clean_run "$W/ka6.json" && jq -e '.split_flows == 0 and .moved_transactions == 0' "$W/ka6.json" >/dev/null; then
	ok "nc-client keep-alive over IPv6: $(jq -r '.ok' "$W/ka6.json") answered, no connection split"
else
	bad "nc-client keep-alive over IPv6" "$W/ka6.json"
fi
run_client "$W/udp6.json" --target "[$VIP6]:5353" --proto udp --mode close -c 4 -k 5 --duration 3 \
	--timeout-ms 2000
if clean_run "$W/udp6.json" && all_servers "$W/udp6.json"; then
	ok "nc-client udp over IPv6: $(jq -r '.ok' "$W/udp6.json") datagrams answered, all servers"
else
	bad "nc-client udp over IPv6" "$W/udp6.json"
fi

# IPv6 datagrams larger than the MTU from Python's socket: the client's kernel
# sends them in IPv6 fragments, which reach the appliance as they are (the
# AF_PACKET ports' kernel defragments IPv4 only); the appliance joins them,
# cuts the datagram again towards the server, whose kernel joins it; the
# FNV-1a sum in nc-backend's answer must be the sum of what was sent.
client python3 "$ROOT/tests/e2e/udp_sum.py" "$VIP6" 5353 1500 4000 9000 >"$W/frag6.txt" 2>&1
if grep -q "^whole 3 of 3" "$W/frag6.txt"; then
	ok "fragmented udp over IPv6: 1,500- to 9,000-byte datagrams from Python's socket reach nc-backend whole (its FNV-1a sums match)"
else
	bad "fragmented udp over IPv6" "$W/frag6.txt"
fi
# The same with destination options and a segment routing header (no segment
# left) before each Fragment header, as the client's kernel puts them for a
# socket with IPV6_RTHDRDSTOPTS and IPV6_RTHDR: the appliance passes over
# them in each fragment and joins the datagram.
client python3 "$ROOT/tests/e2e/udp_sum.py" --ext "$VIP6" 5353 1500 4000 9000 >"$W/ext6.txt" 2>&1
ext=$(sed -n 's/^ext-before-frag \([0-9]*\)$/\1/p' "$W/ext6.txt")
if grep -q "^whole 3 of 3" "$W/ext6.txt" && [ "${ext:-0}" -ge 3 ]; then
	ok "fragmented udp over IPv6 with destination options and a routing header before each Fragment header ($ext such fragments from the client's kernel): 3 of 3 datagrams reach nc-backend whole"
else
	bad "fragmented udp over IPv6, extension headers before the Fragment header" "$W/ext6.txt"
fi

# NAT64: the second IPv6 VIP over the servers' IPv4 addresses. The servers
# see the IPv4 local addresses; the clients get every answer right.
if client ping -6 -c 3 -i 0.2 -W 2 "$VIP64" >"$W/ping64.txt" 2>&1 && grep -q " 0% packet loss" "$W/ping64.txt"; then
	ok "ping -6 the NAT64 VIP: 3 of 3 answered"
else
	bad "ping -6 the NAT64 VIP" "$W/ping64.txt"
fi
: >"$W/curl64.txt"
curl_ok=1
for i in $(seq 0 8); do
	client curl -6 -sS -m 5 -D "$W/h" -o "$W/b" "http://[$VIP64]/curl64/$i" 2>>"$W/curl64.txt" ||
		{ curl_ok=0; continue; }
	name=$(awk -F': ' 'tolower($1) == "x-server" {print $2}' "$W/h" | tr -d '\r')
	sum=$(awk -F': ' 'tolower($1) == "x-request-sum" {print $2}' "$W/h" | tr -d '\r')
	from=$(awk -F': ' 'tolower($1) == "x-client-address" {print $2}' "$W/h" | tr -d '\r')
	head -1 "$W/h" | grep -q ' 200 ' && [ "$(cat "$W/b")" = "$name $sum" ] || curl_ok=0
	case $from in 10.201.0.[1-4]:*) ;; *) curl_ok=0 ;; esac
	echo "$name $from" >>"$W/curl64.txt"
done
if [ "$curl_ok" = 1 ] && [ "$(awk '{print $1}' "$W/curl64.txt" | sort -u | wc -l)" = 3 ]; then
	ok "curl -6 through NAT64: 9 responses, all three IPv4 servers, each seeing an IPv4 local address"
else
	bad "curl -6 through NAT64" "$W/curl64.txt"
fi
client timeout 30 wrk -t 1 -c 8 -d 3s --timeout 5s "http://[$VIP64]/wrk64" >"$W/wrk64.txt" 2>&1
if grep -q "Requests/sec" "$W/wrk64.txt" && ! grep -q "Socket errors\|Non-2xx" "$W/wrk64.txt" &&
	[ "$(awk '/requests in/ {print $1}' "$W/wrk64.txt")" -gt 100 ]; then
	ok "wrk through NAT64: $(awk '/requests in/ {print $1}' "$W/wrk64.txt") requests, no error"
else
	bad "wrk through NAT64" "$W/wrk64.txt"
fi
py=$(client timeout 60 python3 "$W/py6.py" "$VIP64" 10 2>"$W/py64.err")
if [ "$py" = 20 ]; then
	ok "Python http.client through NAT64: 20 of 20 (10 keep-alive, 10 Connection: close)"
else
	echo "answered: $py" >>"$W/py64.err"
	bad "Python http.client through NAT64" "$W/py64.err"
fi
run_client "$W/tcp64.json" --target "[$VIP64]:80" --proto tcp --mode close -c 4 -k 5 --duration 3
if clean_run "$W/tcp64.json" && all_servers "$W/tcp64.json"; then
	ok "nc-client tcp close through NAT64: $(jq -r '.ok' "$W/tcp64.json") answered, 0 broken, all servers"
else
	bad "nc-client tcp close through NAT64" "$W/tcp64.json"
fi

# The appliance's own account: flows of web6 and dns6, nothing dropped that
# should not be (the lab's kernels send router solicitations, counted as ICMPv6
# we do not answer, and MLD reports, whose hop-by-hop router alert is dropped;
# an ICMPv6 error about a flow gone or a segment acknowledged is not acted on).
nc_stop >/dev/null 2>&1
web6=$(nc_final "$W/nc.log" "service web6:" | sed -n 's/.*flows_opened \([0-9]*\).*/\1/p')
dns6=$(nc_final "$W/nc.log" "service dns6:" | sed -n 's/.*flows_opened \([0-9]*\).*/\1/p')
web64=$(nc_final "$W/nc.log" "service web64:" | sed -n 's/.*flows_opened \([0-9]*\).*/\1/p')
nd=$(nc_final "$W/nc.log" "control:" | sed -n 's/.*nd_replied \([0-9]*\).*/\1/p')
bad_drops=$(grep '^final drop\.' "$W/nc.log" | grep -v ' 0$' |
	grep -v 'drop\.\(icmp_unsupported\|icmp_no_flow\|icmp_out_of_window\|not_for_us\|l2_other_host\|ip6_hop_by_hop\) ' || true)
if [ "${web6:-0}" -gt 0 ] && [ "${dns6:-0}" -gt 0 ] && [ "${web64:-0}" -gt 0 ] && [ "${nd:-0}" -gt 0 ] &&
	[ -z "$bad_drops" ]; then
	ok "appliance counters: web6 $web6 flows, dns6 $dns6, web64 $web64, $nd solicitations answered, no forwarding drop"
else
	{ grep '^final' "$W/nc.log"; echo "unexpected: $bad_drops"; } >"$W/final.txt"
	bad "appliance counters" "$W/final.txt"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
