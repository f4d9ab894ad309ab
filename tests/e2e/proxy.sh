#!/usr/bin/env bash
# End-to-end test of client_address: the client's real address reaches
# servers no one here wrote. In each of lab-n0..n2 run nginx
# (`listen ... proxy_protocol`, `$proxy_protocol_addr:$proxy_protocol_port`
# in its access log), HAProxy (`bind ... accept-proxy`, `%ci:%cp` in its log),
# dnsdist (`setProxyProtocolACL`, answering itself and logging each query's
# client) and nc-backend --proxy-protocol (TCP and UDP). Services on the VIP:
#   ngx-v1 8091 and ngx-v2 18091 -> nginx :8091 (proxy-v1 / proxy-v2; HTTP
#     probes that carry a header too: health.proxy, nginx refuses any without)
#   hap-v2 8092 -> HAProxy :8092 (proxy-v2)
#   be-v1 8093, be-v2 18093 -> nc-backend :8093 (proxy-v1 / proxy-v2)
#   be-fs 28093 -> nc-backend :8093, proxy-v2 with the transaction fail-safe
#   be-udp 5393/udp -> nc-backend :5393 (proxy-v2 per datagram)
#   dd-udp 5394/udp -> dnsdist :5394 (proxy-v2 per datagram)
#   ngx-fs 28091 -> nginx :8091, proxy-v2 with the transaction fail-safe
#   ngx-sp 38091 -> nginx :8091 and hap-sp 38092 -> HAProxy :8092, proxy-v1 and
#     proxy-v2 behind the SYN proxy ("syn_proxy": "on": the appliance answers
#     the client's SYN with a cookie, connects to the server at the client's
#     ACK and sends the header there)
# and on the IPv6 VIPs, the headers naming IPv6 clients (TCP6, AF_INET6):
#   ngx6-v1 18191 -> nginx [fd00:201::1x]:8091 (proxy-v1; HTTP probes with the
#     TCP6 line of their own connection)
#   hap6-v2 8192 -> HAProxy [fd00:201::1x]:8092 (proxy-v2)
#   ngx64-v2 28191 on the NAT64 VIP -> nginx 10.201.0.1x:8091 (proxy-v2 over IPv4)
#   dd6-udp 5395/udp -> dnsdist [fd00:201::1x]:5394 (proxy-v2 per datagram)
#   dd64-udp 5396/udp on the NAT64 VIP -> dnsdist 10.201.0.1x:5394 (likewise)
#   ngx6-sp 38191 -> nginx [fd00:201::1x]:8091 and hap6-sp 38192 -> HAProxy
#     [fd00:201::1x]:8092, proxy-v1 and proxy-v2 behind the SYN proxy over IPv6
#   hap64-sp 38193 on the NAT64 VIP -> HAProxy 10.201.0.1x:8092 (proxy-v2 over
#     IPv4) behind the SYN proxy: IPv6 cookies, IPv4 server connections
# Checks: every curl request (from 8 client addresses, a fixed source port
# each, and keep-alive connections of several requests) is logged by nginx
# and HAProxy with exactly its client's address and port, 100%, curl -6
# through the IPv6 services likewise with the client's IPv6 address; every DNS
# query (8 client addresses, a fixed port each) logged by dnsdist with its
# client's address and port, 100%; nc-client
# --expect-client-address self over TCP (close, keep-alive) and UDP gets
# every answer with its own address; with the fail-safe, nc-backend on n1
# killed mid-run (a connection per request, then keep-alive): no transaction
# broken, every answer still carrying the client's address; the appliance
# counted no header lost; nginx on n1 SIGKILLed under curl load through
# ngx-fs: every request answered, and logged by an nginx with its client.
# Usage: tests/e2e/proxy.sh BUILD_DIR (as root; the lab is shared: run it
# under flock -o /run/netchestra-lab.lock)
# shellcheck disable=SC2015 # "check && ok ... || bad ...": ok never fails
E2E_NAME=proxy
# shellcheck source-path=SCRIPTDIR source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh" "$@"

HERE=$ROOT/tests/e2e/proxy
URL=http://127.0.0.1:9180
BACKEND=$BUILD/tests/tools/nc-backend
SRCS=(10.200.0.10 10.200.0.11 10.200.0.12 10.200.0.13 10.200.0.14 10.200.0.15 10.200.0.16 10.200.0.17)
SRCS6=(fd00:200::10 fd00:200::11 fd00:200::12 fd00:200::13 fd00:200::14 fd00:200::15 fd00:200::16 fd00:200::17)
for b in nginx haproxy dnsdist curl jq; do
	command -v "$b" >/dev/null || e2e_give_up "missing $b (scripts/deps.sh installs it)"
done

PEER_PIDS=()
BE_PIDS=()
e2e_cleanup() {
	local p
	for p in "${PEER_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.5
}

peer() {   # peer <n> <name> <command...>: a server in lab-n<n>, its pid kept
	ip netns exec "lab-n$1" "${@:3}" </dev/null >>"$W/n$1/$2.out" 2>&1 &
	PEER_PIDS+=("$!")
	disown "$!"   # no job notice when one is killed
}

peers_start() {   # every server in lab-n0..n2; 1 when they do not all listen after 10 s
	local i addr d up port
	for i in 0 1 2; do
		addr=10.201.0.$((11 + i)) addr6=fd00:201::$((11 + i)) d=$W/n$i
		mkdir -p "$d/tmp"
		sed -e "s|@ADDR@|$addr|g; s|@ADDR6@|$addr6|g; s|@DIR@|$d|g" "$HERE/nginx.conf.in" >"$d/nginx.conf"
		sed -e "s|@ADDR@|$addr|g; s|@ADDR6@|$addr6|g" "$HERE/haproxy.cfg.in" >"$d/haproxy.cfg"
		peer "$i" nginx nginx -c "$d/nginx.conf" -e "$d/nginx-error.log"
		peer "$i" haproxy haproxy -db -f "$d/haproxy.cfg"
		sed -e "s|@ADDR@|$addr|g; s|@ADDR6@|$addr6|g; s|@DIR@|$d|g" "$HERE/dnsdist.conf.in" >"$d/dnsdist.conf"
		peer "$i" dnsdist dnsdist --supervised --disable-syslog -C "$d/dnsdist.conf"
		peer "$i" backend "$BACKEND" --name "p$i" --listen "$addr" --port 8093 --udp-port 5393 \
			--loops 200000 --proxy-protocol
		BE_PIDS[i]=${PEER_PIDS[-1]}
	done
	for _ in $(seq 100); do
		up=1
		for i in 0 1 2; do
			for port in 8091 8092 8093; do
				ip netns exec "lab-n$i" ss -Hltn "sport = :$port" | grep -q . || { up=0; break 2; }
			done
			ip netns exec "lab-n$i" ss -Hlun "sport = :5394" | grep -q . || { up=0; break; }
		done
		[ "$up" = 0 ] || return 0
		sleep 0.1
	done
	return 1
}

# cfg <out>: config/lab.json's ports and addresses, the services above
cfg() {
	jq --arg tok "$ROOT/config/lab.token" '
		.eal.memory_mb = 768 | .limits.udp_idle_s = 2 |
		.management = { listen: "127.0.0.1:9180", token_file: $tok } |
		.services[0] as $web |
		(.services[] | select(.name == "web6")) as $web6 |
		(.services[] | select(.name == "web64")) as $web64 |
		def svc_on($base; $name; $port; $sport; $proto; $ca; $health):
			{ name: $name, vip: $base.vip, port: $port, proto: $proto, local_ips: $base.local_ips,
			  scheduler: "ratio", client_address: $ca,
			  servers: [ $base.servers[] | .port = $sport ], health: $health };
		def svc($name; $port; $sport; $proto; $ca; $health):
			svc_on($web; $name; $port; $sport; $proto; $ca; $health);
		def http: { type: "http", interval_ms: 1000, timeout_ms: 1000, rise: 2, fall: 3,
			    http_path: "/health", proxy: true };
		def tcp: { type: "tcp", interval_ms: 1000, timeout_ms: 1000, rise: 2, fall: 2 };
		.services = [
			svc("ngx-v1"; 8091; 8091; "tcp"; "proxy-v1"; http),
			svc("ngx-v2"; 18091; 8091; "tcp"; "proxy-v2"; http),
			svc("hap-v2"; 8092; 8092; "tcp"; "proxy-v2"; tcp),
			svc("be-v1"; 8093; 8093; "tcp"; "proxy-v1"; tcp),
			svc("be-v2"; 18093; 8093; "tcp"; "proxy-v2"; tcp),
			(svc("be-fs"; 28093; 8093; "tcp"; "proxy-v2"; tcp) |
			 .failsafe = { enabled: true, response_timeout_ms: 1000, max_replays: 2, store_size: 8192 }),
			svc("be-udp"; 5393; 5393; "udp"; "proxy-v2"; { type: "icmp", interval_ms: 1000, timeout_ms: 1000 }),
			svc("dd-udp"; 5394; 5394; "udp"; "proxy-v2"; { type: "icmp", interval_ms: 1000, timeout_ms: 1000 }),
			(svc("ngx-fs"; 28091; 8091; "tcp"; "proxy-v2"; http) |
			 .failsafe = { enabled: true, response_timeout_ms: 1000, max_replays: 2, store_size: 8192 }),
			(svc("ngx-sp"; 38091; 8091; "tcp"; "proxy-v1"; http) | .syn_proxy = "on"),
			(svc("hap-sp"; 38092; 8092; "tcp"; "proxy-v2"; tcp) | .syn_proxy = "on"),
			svc_on($web6; "ngx6-v1"; 18191; 8091; "tcp"; "proxy-v1"; http),
			svc_on($web6; "hap6-v2"; 8192; 8092; "tcp"; "proxy-v2"; tcp),
			(svc_on($web6; "ngx6-sp"; 38191; 8091; "tcp"; "proxy-v1"; http) | .syn_proxy = "on"),
			(svc_on($web6; "hap6-sp"; 38192; 8092; "tcp"; "proxy-v2"; tcp) | .syn_proxy = "on"),
			(svc_on($web64; "hap64-sp"; 38193; 8092; "tcp"; "proxy-v2"; tcp) | .syn_proxy = "on"),
			svc_on($web64; "ngx64-v2"; 28191; 8091; "tcp"; "proxy-v2"; http),
			svc_on($web6; "dd6-udp"; 5395; 5394; "udp"; "proxy-v2"; { type: "icmp", interval_ms: 1000, timeout_ms: 1000 }),
			svc_on($web64; "dd64-udp"; 5396; 5394; "udp"; "proxy-v2"; { type: "icmp", interval_ms: 1000, timeout_ms: 1000 })
		]' "$ROOT/config/lab.json" >"$1"
}

api_services() { curl -s --max-time 5 "$URL/api/v1/services"; }
# patch <service> <body>: PATCH it with the lab's token; the status code, the body in $W/patch.json
patch() {
	curl -s -o "$W/patch.json" -w '%{http_code}' -X PATCH --max-time 5 -H 'Content-Type: application/json' \
		-H "Authorization: Bearer $(cat "$ROOT/config/lab.token")" --data-binary "$2" "$URL/api/v1/services/$1"
}

"$LAB" down >/dev/null 2>&1
"$LAB" up >"$W/lab.log" 2>&1 || { bad "lab up" "$W/lab.log"; echo "$pass passed, $fail failed"; exit 1; }
if ! peers_start; then
	for i in 0 1 2; do tail -n 3 "$W/n$i"/*.out "$W/n$i"/nginx-error.log 2>/dev/null; done >"$W/peers.why"
	bad "nginx, HAProxy and nc-backend listen in lab-n0..n2" "$W/peers.why"
	echo "$pass passed, $fail failed"; exit 1
fi
cfg "$W/proxy.json"
"$NC_BIN" -c "$W/proxy.json" --check >"$W/check.log" 2>&1 &&
	ok "the startup file passes --check (client_address and health.proxy)" ||
	bad "the startup file passes --check" "$W/check.log"
nc_start "$W/proxy.json" "$W/proxy.log" || { bad "the appliance starts" "$W/proxy.log"; echo "$pass passed, $fail failed"; exit 1; }
# every server up (the HTTP probes pass only with their PROXY header)
for _ in $(seq 50); do
	api_services | jq -e '[.services[].servers[].state] | length == 57 and all(. == "up")' >/dev/null 2>&1 && break
	sleep 0.2
done
api_services >"$W/up.json"
jq -e '[.services[].servers[].state] | length == 57 and all(. == "up")' "$W/up.json" >/dev/null 2>&1 &&
	ok "every server up, nginx's through HTTP probes that carry a PROXY header" ||
	bad "every server up" "$W/up.json"

# ---- curl against nginx and HAProxy: every request logged with its client --
: >"$W/want"
n=0
for svc in ngx-v1:8091 ngx-v2:18091 hap-v2:8092 ngx-sp:38091 hap-sp:38092; do
	IFS=: read -r name port <<<"$svc"
	for i in $(seq 24); do
		src=${SRCS[$((i % 8))]} lp=$((22000 + n))
		n=$((n + 1))
		body=$(ip netns exec lab-client curl -s --max-time 5 --interface "$src" --local-port "$lp" \
			"http://$LAB_VIP:$port/r/$name/$i")
		case $body in nginx*|haproxy*) ;; *) echo "$name $i: '$body'" >>"$W/curl.bad" ;; esac
		echo "$src:$lp /r/$name/$i 200" >>"$W/want"
	done
	# keep-alive: four requests on one connection, each logged with its port
	src=${SRCS[3]} lp=$((22000 + n))
	n=$((n + 1))
	ip netns exec lab-client curl -s --max-time 5 --interface "$src" --local-port "$lp" \
		"http://$LAB_VIP:$port/k/$name/1" "http://$LAB_VIP:$port/k/$name/2" \
		"http://$LAB_VIP:$port/k/$name/3" "http://$LAB_VIP:$port/k/$name/4" >"$W/ka-$name.out" 2>&1
	[ "$(grep -c . "$W/ka-$name.out")" = 4 ] || echo "$name keep-alive: $(tr '\n' ' ' <"$W/ka-$name.out")" >>"$W/curl.bad"
	for k in 1 2 3 4; do echo "$src:$lp /k/$name/$k 200" >>"$W/want"; done
done
sleep 1   # HAProxy and nginx write their lines
cat "$W"/n?/access.log "$W"/n?/haproxy.out 2>/dev/null | grep -E ' /(r|k)/' | sort >"$W/got"
sort "$W/want" >"$W/want.sorted"
if [ ! -s "$W/curl.bad" ] && cmp -s "$W/want.sorted" "$W/got"; then
	ok "curl: all $(wc -l <"$W/want") requests (nginx v1, nginx v2, HAProxy v2, and behind the SYN proxy nginx v1 and HAProxy v2; 5 keep-alive connections) logged with their client's address and port"
else
	{ cat "$W/curl.bad" 2>/dev/null; diff "$W/want.sorted" "$W/got" | head -20; } >"$W/curl.why"
	bad "curl: every request logged by nginx and HAProxy with its client's address and port" "$W/curl.why"
fi
# behind the SYN proxy every connection above came through a cookie (24 one
# request each, one keep-alive), and none was bad
curl -s --max-time 5 "$URL/metrics" >"$W/sp-metrics.txt"
spv() { sed -n "s/^netchestra_syn_proxy_events_total{service=\"$1\",event=\"$2\"} \([0-9]*\)$/\1/p" "$W/sp-metrics.txt"; }
if [ "$(spv ngx-sp cookie_valid)" -ge 25 ] && [ "$(spv hap-sp cookie_valid)" -ge 25 ] &&
	[ "$(spv ngx-sp opened)" = "$(spv ngx-sp cookie_valid)" ] && [ "$(spv hap-sp opened)" = "$(spv hap-sp cookie_valid)" ] &&
	[ "$(spv ngx-sp cookie_bad)" = 0 ] && [ "$(spv hap-sp cookie_bad)" = 0 ]; then
	ok "SYN proxy: ngx-sp $(spv ngx-sp cookie_valid) and hap-sp $(spv hap-sp cookie_valid) connections opened by valid cookies and bridged, none bad; their headers reached nginx and HAProxy (above)"
else
	bad "SYN proxy: every ngx-sp and hap-sp connection through a valid cookie" "$W/sp-metrics.txt"
fi
grep -h -v -E ' /(r|k)/' "$W"/n?/access.log 2>/dev/null | grep -q ' /health 200' &&
	ok "nginx logs the probes' own addresses (health.proxy): $(grep -h ' /health ' "$W"/n?/access.log | head -1)" ||
	bad "nginx answered the probes carrying a PROXY header" "$W/n0/nginx-error.log"

# ---- curl -6 through the IPv6 VIPs: logged with the client's IPv6 address --
# nginx over IPv6 (a TCP6 line), HAProxy over IPv6 (AF_INET6), nginx over IPv4
# through NAT64 (AF_INET6 too: the client is IPv6); 8 client addresses, a
# fixed port each, and a keep-alive connection of two requests per service
VIP6=$(jq -r '.services[] | select(.name == "web6") | .vip' "$ROOT/config/lab.json")
VIP64=$(jq -r '.services[] | select(.name == "web64") | .vip' "$ROOT/config/lab.json")
: >"$W/want6"
n=0
for svc in ngx6-v1:$VIP6:18191 hap6-v2:$VIP6:8192 ngx64-v2:$VIP64:28191 ngx6-sp:$VIP6:38191 hap6-sp:$VIP6:38192 \
	hap64-sp:$VIP64:38193; do
	name=${svc%%:*} port=${svc##*:} vip=${svc#*:}
	vip=${vip%:*}
	for i in $(seq 8); do
		src=${SRCS6[$((i % 8))]} lp=$((25000 + n))
		n=$((n + 1))
		body=$(ip netns exec lab-client curl -6 -s --max-time 5 --interface "$src" --local-port "$lp" \
			"http://[$vip]:$port/r6/$name/$i")
		case $body in nginx*|haproxy*) ;; *) echo "$name $i: '$body'" >>"$W/curl6.bad" ;; esac
		echo "$src:$lp /r6/$name/$i 200" >>"$W/want6"
	done
	src=${SRCS6[5]} lp=$((25000 + n))
	n=$((n + 1))
	ip netns exec lab-client curl -6 -s --max-time 5 --interface "$src" --local-port "$lp" \
		"http://[$vip]:$port/k6/$name/1" "http://[$vip]:$port/k6/$name/2" >"$W/ka6-$name.out" 2>&1
	[ "$(grep -c . "$W/ka6-$name.out")" = 2 ] || echo "$name keep-alive: $(tr '\n' ' ' <"$W/ka6-$name.out")" >>"$W/curl6.bad"
	for k in 1 2; do echo "$src:$lp /k6/$name/$k 200" >>"$W/want6"; done
done
sleep 1   # HAProxy and nginx write their lines
cat "$W"/n?/access.log "$W"/n?/haproxy.out 2>/dev/null | grep -E ' /(r6|k6)/' | sort >"$W/got6"
sort "$W/want6" >"$W/want6.sorted"
if [ ! -s "$W/curl6.bad" ] && cmp -s "$W/want6.sorted" "$W/got6"; then
	ok "curl -6: all $(wc -l <"$W/want6") requests (nginx TCP6 v1, HAProxy v2 AF_INET6, nginx v2 AF_INET6 through NAT64, behind the SYN proxy over IPv6 nginx TCP6 v1 and HAProxy v2, and through NAT64 HAProxy v2 AF_INET6; 6 keep-alive connections) logged with their client's IPv6 address and port, e.g. $(grep -h ' /r6/ngx64-v2/1 ' "$W/got6")"
else
	{ cat "$W/curl6.bad" 2>/dev/null; diff "$W/want6.sorted" "$W/got6" | head -20; } >"$W/curl6.why"
	bad "curl -6: every request logged by nginx and HAProxy with its client's IPv6 address and port" "$W/curl6.why"
fi
# behind the SYN proxy over IPv6 and NAT64: every connection above (8 one
# request each, one keep-alive) through a cookie of the IPv6 tuple, none bad
curl -s --max-time 5 "$URL/metrics" >"$W/sp6-metrics.txt"
spv6() { sed -n "s/^netchestra_syn_proxy_events_total{service=\"$1\",event=\"$2\"} \([0-9]*\)$/\1/p" "$W/sp6-metrics.txt"; }
sp6_ok=1
for s in ngx6-sp hap6-sp hap64-sp; do
	[ "$(spv6 $s cookie_valid)" -ge 9 ] && [ "$(spv6 $s opened)" = "$(spv6 $s cookie_valid)" ] &&
		[ "$(spv6 $s cookie_bad)" = 0 ] || sp6_ok=0
done
if [ "$sp6_ok" = 1 ]; then
	ok "SYN proxy over IPv6: ngx6-sp $(spv6 ngx6-sp cookie_valid), hap6-sp $(spv6 hap6-sp cookie_valid) and through NAT64 hap64-sp $(spv6 hap64-sp cookie_valid) connections opened by valid cookies and bridged, none bad; their headers reached nginx and HAProxy (above)"
else
	bad "SYN proxy over IPv6 and NAT64: every ngx6-sp, hap6-sp and hap64-sp connection through a valid cookie" "$W/sp6-metrics.txt"
fi
grep -h '^fd00:201::[0-9]*:[0-9]* /health 200' "$W"/n?/access.log 2>/dev/null | grep -q . &&
	ok "nginx logs the IPv6 probes' own addresses (health.proxy over IPv6): $(grep -h '^fd00:201::[0-9]*:[0-9]* /health ' "$W"/n?/access.log | head -1)" ||
	bad "nginx answered the IPv6 probes carrying a TCP6 line" "$W/n0/nginx-error.log"

# ---- the API changes the mode for new flows ---------------------------------
# HAProxy's accept-proxy takes v1 and v2 and refuses a connection without one
hap_curl() {   # hap_curl <tag> <n>: n requests to hap-v2 from fixed ports; "<answered> <logged> <n>"
	local i good=0 logged=0 src lp out
	: >"$W/hap-$1.want"
	for i in $(seq "$2"); do
		src=${SRCS[$((i % 8))]} lp=$((24000 + HAP_N))
		HAP_N=$((HAP_N + 1))
		out=$(ip netns exec lab-client curl -s --max-time 3 --interface "$src" --local-port "$lp" \
			"http://$LAB_VIP:8092/a/$1/$i") && [[ $out == haproxy* ]] && good=$((good + 1))
		echo "$src:$lp /a/$1/$i 200" >>"$W/hap-$1.want"
	done
	sleep 1   # HAProxy writes its lines
	while read -r line; do
		grep -qxF "$line" "$W"/n?/haproxy.out 2>/dev/null && logged=$((logged + 1))
	done <"$W/hap-$1.want"
	echo "$good $logged $2"
}
HAP_N=0
c1=$(patch hap-v2 '{"client_address": "proxy-v1"}')
sleep 0.5
read -r g1 l1 n1 <<<"$(hap_curl v1 8)"
c2=$(patch hap-v2 '{"client_address": "none"}')
sleep 0.5
read -r g2 l2 n2 <<<"$(hap_curl none 4)"
# back through netchestra-ctl
ctl3=$(NETCHESTRA_URL=$URL "$BUILD/app/netchestra-ctl" --token-file "$ROOT/config/lab.token" \
	client-address hap-v2 proxy-v2 2>&1) && c3=200 || c3=$?
m3=$(api_services | jq -r '.services[] | select(.name == "hap-v2") | .client_address.mode' 2>/dev/null)
c4=$(patch dd-udp '{"client_address": "toa"}')
jq -c . "$W/patch.json" >"$W/patch-toa.json" 2>/dev/null
if [ "$c1$c2$c3" = 200200200 ] && [ "$m3" = proxy-v2 ] && [ "$g1" = "$n1" ] && [ "$l1" = "$n1" ] && [ "$g2" = 0 ] && [ "$l2" = 0 ] && [ "$c4" = 400 ] &&
	jq -e '.error | test("\"toa\" is for tcp services")' "$W/patch-toa.json" >/dev/null 2>&1; then
	ok "API: PATCH client_address proxy-v1 -> $g1/$n1 new connections answered, $l1 logged by HAProxy with their client; none -> HAProxy refuses all $n2 (no header); back to $m3 ('$ctl3'); toa on a udp service refused: $(cat "$W/patch-toa.json")"
else
	echo "codes $c1 $c2 $c3 $c4 ($ctl3), mode $m3, v1 $g1 answered $l1 logged of $n1, none $g2 answered $l2 logged of $n2; $(cat "$W/patch-toa.json" 2>/dev/null)" >"$W/patch.why"
	bad "API: PATCH client_address changes what new connections carry" "$W/patch.why"
fi

# ---- dnsdist: every query logged with its client -----------------------------
ip netns exec lab-client python3 "$HERE/dns_queries.py" "$LAB_VIP" 5394 48 43000 \
	"$(IFS=,; echo "${SRCS[*]}")" >"$W/dns.want" 2>"$W/dns.err"
dns_rc=$?
sleep 1   # dnsdist writes its lines
sed -n 's/^\[[0-9.]*\] Packet from \([0-9.:]*\) for \(q[0-9]*\.example\.\) A .*/\1 \2/p' \
	"$W"/n?/dnsdist.log 2>/dev/null | sort -u >"$W/dns.got"
sort "$W/dns.want" >"$W/dns.want.sorted"
if [ "$dns_rc" = 0 ] && [ "$(wc -l <"$W/dns.want")" = 48 ] && cmp -s "$W/dns.want.sorted" "$W/dns.got" &&
	[ "$(cat "$W"/n?/dnsdist.log | grep -c 'Packet from 10\.201\.')" = 0 ]; then
	ok "dnsdist: all 48 DNS queries (8 client addresses, a port each) answered and logged with their client's address and port, none with a local IP's; servers: $(for i in 0 1 2; do printf 'n%s %s ' "$i" "$(grep -c 'Packet from' "$W/n$i/dnsdist.log" 2>/dev/null)"; done)"
else
	{ cat "$W/dns.err"; diff "$W/dns.want.sorted" "$W/dns.got" | head -20; } >"$W/dns.why"
	bad "dnsdist: every DNS query answered and logged with its client's address and port" "$W/dns.why"
fi

# ---- dnsdist over IPv6 and NAT64: every query logged with its IPv6 client ----
: >"$W/dns6.want"
dns6_rc=0
for svc in dd6-udp:$VIP6:5395:43100 dd64-udp:$VIP64:5396:43200; do
	name=${svc%%:*} rest=${svc#*:}
	lp0=${rest##*:} rest=${rest%:*}
	port=${rest##*:} vip=${rest%:*}
	ip netns exec lab-client python3 "$HERE/dns_queries.py" "$vip" "$port" 16 "$lp0" \
		"$(IFS=,; echo "${SRCS6[*]}")" >>"$W/dns6.want" 2>>"$W/dns6.err" || dns6_rc=1
done
sleep 1   # dnsdist writes its lines
# dnsdist names an IPv6 client [address]:port or address:port
sed -n 's/^\[[0-9.]*\] Packet from \[\{0,1\}\(fd00:200:[0-9a-f:]*\)\]\{0,1\}:\([0-9]*\) for \(q[0-9]*\.example\.\) A .*/\1:\2 \3/p' \
	"$W"/n?/dnsdist.log 2>/dev/null | sort -u >"$W/dns6.got"
sort "$W/dns6.want" >"$W/dns6.want.sorted"
if [ "$dns6_rc" = 0 ] && [ "$(wc -l <"$W/dns6.want")" = 32 ] && cmp -s "$W/dns6.want.sorted" "$W/dns6.got"; then
	ok "dnsdist: all 32 DNS queries from 8 IPv6 client addresses (16 over IPv6, 16 through NAT64 over IPv4; PROXY v2 AF_INET6 per datagram) answered and logged with their client's IPv6 address and port, e.g. $(grep -h 'Packet from .*fd00:200::' "$W"/n?/dnsdist.log | head -1 | cut -d' ' -f2-5)"
else
	{ cat "$W/dns6.err"; diff "$W/dns6.want.sorted" "$W/dns6.got" | head -20; } >"$W/dns6.why"
	bad "dnsdist: every DNS query from an IPv6 client logged with its address and port" "$W/dns6.why"
fi

# ---- nc-client checks the address every answer reports ---------------------
ncrun() {   # ncrun <name> <port> <proto> <mode> [extra...]
	local name=$1 port=$2 proto=$3 mode=$4
	shift 4
	ip netns exec lab-client "$NC_CLIENT" --json --quiet --target "$LAB_VIP:$port" --proto "$proto" \
		--mode "$mode" -c 4 -k 5 --timeout-ms 5000 --expect-client-address self \
		--source "$(IFS=,; echo "${SRCS[*]}")" "$@" >"$W/$name.json" 2>"$W/$name.err"
}
fig() { jq -c '{requests, ok, failed, broken, errors, client_addresses_checked, servers: (.servers | keys)}' "$W/$1.json" 2>/dev/null; }
ncrun be-v1-close 8093 tcp close --duration 3
ncrun be-v2-keepalive 18093 tcp keepalive --duration 3
ncrun be-udp 5393 udp close --duration 3
for r in be-v1-close be-v2-keepalive be-udp; do
	jq -e '.ok > 0 and .failed == 0 and .client_addresses_checked == .ok and (.servers | length) == 3' \
		"$W/$r.json" >/dev/null 2>&1 &&
		ok "nc-client $r: every answer carries the client's own address and port: $(fig "$r")" ||
		bad "nc-client $r: $(fig "$r")" "$W/$r.err"
done

# ---- the fail-safe: a server killed mid-run, the header on the new one -----
ncrun be-fs 28093 tcp close --duration 10 &
client=$!
sleep 3
kill -9 "${BE_PIDS[1]}"
wait "$client"
# n1 answered before it died: the kill hit live traffic
jq -e '.ok > 0 and .failed == 0 and .broken == 0 and .client_addresses_checked == .ok and
	(.servers | has("p1"))' "$W/be-fs.json" >/dev/null 2>&1 &&
	ok "fail-safe: nc-backend on n1 killed mid-run, no transaction broken, every answer with the client's address: $(fig be-fs)" ||
	bad "fail-safe with proxy-v2, n1 killed: $(fig be-fs)" "$W/be-fs.err"

# keep-alive: n1 back, then killed again under keep-alive transactions
peer 1 backend "$BACKEND" --name p1 --listen 10.201.0.12 --port 8093 --udp-port 5393 \
	--loops 200000 --proxy-protocol
BE_PIDS[1]=${PEER_PIDS[-1]}
for _ in $(seq 50); do
	api_services | jq -e '.services[] | select(.name == "be-fs") | [.servers[].state] | all(. == "up")' \
		>/dev/null 2>&1 && break
	sleep 0.2
done
ncrun be-fs-ka 28093 tcp keepalive --duration 10 &
client=$!
sleep 3
kill -9 "${BE_PIDS[1]}"
wait "$client"
jq -e '.ok > 0 and .failed == 0 and .broken == 0 and .client_addresses_checked == .ok and
	(.servers | has("p1"))' "$W/be-fs-ka.json" >/dev/null 2>&1 &&
	ok "fail-safe, keep-alive: n1 back, then killed again mid-run, no transaction broken, every answer with the client's address: $(fig be-fs-ka)" ||
	bad "fail-safe with proxy-v2, keep-alive, n1 killed: $(fig be-fs-ka)" "$W/be-fs-ka.err"

# ---- nginx killed under the fail-safe: every request logged with its client --
# (the fixed source ports of this file's curl requests lie below the client
# namespace's ephemeral range, 32768-60999: an nc-client run before leaves
# sockets in TIME_WAIT on ports of that range, and a curl binding one of them
# failed with "Address already in use")
# three curl loops (a connection per request, a fixed source port each) for
# 8 s; every nginx process of lab-n1 SIGKILLed at 3 s: each request answered
# 200 by nginx with its own client's address and port (the PROXY header's, in
# the body), and logged by the nginx that answered it, replayed ones
# included - but for an answer of n1's sent as it was killed, before its log
# line (nginx logs after it answers): its body is then the proof
N1_ADDR=10.201.0.12
ngx_loop() {   # ngx_loop <k>: requests from source SRCS[k] and SRCS[k+3] until the end
	local i=0 src lp out end=$(($(date +%s) + 8))
	while [ "$(date +%s)" -lt "$end" ] && [ "$i" -lt 2000 ]; do
		src=${SRCS[$(($1 + 3 * (i % 2)))]} lp=$((26000 + $1 * 2000 + i))
		out=$(ip netns exec lab-client curl -sS --max-time 8 --interface "$src" --local-port "$lp" \
			"http://$LAB_VIP:28091/f/$1/$i" 2>"$W/fs-ngx.curl.$1") && [[ $out == "nginx "*" $src:$lp" ]] ||
			echo "$src:$lp /f/$1/$i at $(date +%T.%N | cut -c1-12): '$out' ($(tr -d '\n' <"$W/fs-ngx.curl.$1"))" >>"$W/fs-ngx.bad"
		echo "$src:$lp /f/$1/$i 200" >>"$W/fs-ngx.want.$1"
		[[ $out == "nginx $N1_ADDR "* ]] && echo "$src:$lp /f/$1/$i 200" >>"$W/fs-ngx.n1.$1"
		i=$((i + 1))
	done
}
pids=()
for k in 0 1 2; do ngx_loop "$k" & pids+=($!); done
sleep 3
n1_killed=$(date +%T.%N | cut -c1-12)
for p in $(ip netns pids lab-n1); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = nginx ] && kill -9 "$p"
done
wait "${pids[@]}"
sleep 1
cat "$W"/fs-ngx.want.? | sort >"$W/fs-ngx.want"
cat "$W"/fs-ngx.n1.? 2>/dev/null | sort >"$W/fs-ngx.n1"
cat "$W"/n?/access.log 2>/dev/null | grep ' /f/' | sort -u >"$W/fs-ngx.got"
api_services >"$W/fs-ngx.json"
n1_log=$(grep -c ' /f/' "$W/n1/access.log" 2>/dev/null)
# answered but in no log: only n1's, as it died
comm -23 "$W/fs-ngx.want" "$W/fs-ngx.got" >"$W/fs-ngx.unlogged"
comm -23 "$W/fs-ngx.unlogged" "$W/fs-ngx.n1" >"$W/fs-ngx.unexplained"
if [ ! -s "$W/fs-ngx.bad" ] && [ "$(wc -l <"$W/fs-ngx.want")" -gt 30 ] &&
	[ ! -s "$W/fs-ngx.unexplained" ] && [ -z "$(comm -13 "$W/fs-ngx.want" "$W/fs-ngx.got")" ] &&
	[ "${n1_log:-0}" -gt 0 ] &&
	jq -e '.services[] | select(.name == "ngx-fs") | .failsafe.replays > 0 or ([.servers[] | select(.name == "n1") | .state] == ["down"])' \
		"$W/fs-ngx.json" >/dev/null 2>&1; then
	ok "fail-safe, nginx on n1 killed mid-run: all $(wc -l <"$W/fs-ngx.want") curl requests answered 200 by nginx with their own client's address and port, and logged (n1 logged $n1_log before it died, $(wc -l <"$W/fs-ngx.unlogged") more answered as it died); $(jq -c '.services[] | select(.name == "ngx-fs") | {replays: .failsafe.replays, resets: .failsafe.resets, n1: ([.servers[] | select(.name == "n1") | .state][0])}' "$W/fs-ngx.json")"
else
	{ head -5 "$W/fs-ngx.bad" 2>/dev/null; echo "answered, in no log, not by n1:"; head -5 "$W/fs-ngx.unexplained"
	  echo "logged, not asked:"; comm -13 "$W/fs-ngx.want" "$W/fs-ngx.got" | head -5; echo "n1 logged ${n1_log:-0}"
	  echo "n1's nginx killed at $n1_killed; the appliance:"
	  grep -vE '^\[ ' "$W/proxy.log" | grep -E -- '-> ngx-fs|MON: ngx-fs|^final failsafe ngx-fs' | head -8; } >"$W/fs-ngx.why"
	bad "fail-safe, nginx on n1 killed mid-run: every request answered and logged with its client" "$W/fs-ngx.why"
fi

api_services >"$W/end.json"
jq -e '[.services[] | .client_address.header_lost == 0 and .client_address.header_no_mbuf == 0] | all' "$W/end.json" >/dev/null 2>&1 &&
	jq -e '[.services[] | select(.proto == "tcp") | .client_address.header_sent > 0] | all' "$W/end.json" >/dev/null 2>&1 &&
	jq -e '[.services[] | select(.proto == "udp") | .client_address.udp_header > 0] | all' "$W/end.json" >/dev/null 2>&1 &&
	ok "appliance: headers sent on every TCP service, none lost; UDP headers: $(jq -c '[.services[] | {(.name): .client_address | {header_sent, header_resent, udp_header}}] | add' "$W/end.json")" ||
	bad "appliance's client_address counters" "$W/end.json"
jq -e '.services[] | select(.name == "be-fs") | .failsafe.replays > 0' "$W/end.json" >/dev/null 2>&1 &&
	ok "fail-safe moved requests off n1: $(jq -c '.services[] | select(.name == "be-fs") | .failsafe | {replays, resets}' "$W/end.json")" ||
	bad "the fail-safe moved requests off n1" "$W/end.json"

nc_stop >/dev/null
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
