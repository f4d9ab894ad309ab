#!/usr/bin/env bash
# Command-line behaviour of build/app/netchestra: --version, --check (valid and
# invalid files, exact error lines), start-up refusals, status lines, clean stop
# on SIGTERM/SIGINT. Usage: tests/cli/run.sh BUILD_DIR
# shellcheck disable=SC2015 # "check && ok ... || bad ...": ok never fails
set -uo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NC="$ROOT/$BUILD/app/netchestra"
GEN="$ROOT/$BUILD/app/nc-pktgen"
W=$(mktemp -d /tmp/nc-cli.XXXXXX)
trap 'rm -rf "$W"' EXIT
pass=0; fail=0
ok()  { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/    /' "$2" | tail -20; fail=$((fail + 1)); }

# config <file> <rx pcap> <tx pcap> [weight of n1] [device]
config() {
	cat >"$1" <<JSON
{
  "eal": { "lcores": "0-1", "memory_mb": 256, "huge": "auto", "file_prefix": "nccli$$",
           "vdevs": ["net_pcap0,rx_pcap=$2,tx_pcap=$3"] },
  "workers": { "lcores": [1], "burst": 32, "idle_sleep_us": 50 },
  "ports": [ { "name": "p0", "device": "${5:-net_pcap0}", "mac": "02:00:00:00:00:01",
               "ipv4": ["10.0.0.1/24", "10.1.0.1/24"] } ],
  "neighbors": [ { "ipv4": "10.1.0.11", "mac": "02:00:00:00:01:11" },
                 { "ipv4": "10.1.0.12", "mac": "02:00:00:00:01:12" },
                 { "ipv4": "10.0.0.254", "mac": "02:00:00:00:00:fe" } ],
  "routes": [ { "prefix": "0.0.0.0/0", "via": "10.0.0.254" } ],
  "limits": { "max_flows": 4096 },
  "services": [ { "name": "web", "vip": "10.0.0.1", "port": 80, "proto": "tcp",
                  "local_ips": ["10.1.0.1"], "scheduler": "ratio",
                  "servers": [ { "name": "n0", "address": "10.1.0.11", "port": 8080, "weight": 30 },
                               { "name": "n1", "address": "10.1.0.12", "port": 8080, "weight": ${4:-70} } ] } ]
}
JSON
}

"$GEN" gen --out "$W/in.pcap" --seed 7 --tcp-flows 6 --udp-flows 0 --requests 2 \
	--src-mac 02:00:00:00:00:fe --dst-mac 02:00:00:00:00:01 >/dev/null 2>&1 || { echo "nc-pktgen failed"; exit 1; }

# 1. --version
out=$("$NC" --version); rc=$?
[ $rc -eq 0 ] && [[ "$out" =~ ^netchestra\ [0-9]+\.[0-9]+\.[0-9]+$ ]] && ok "--version" || bad "--version: rc=$rc '$out'"

# 2. --check on the reference file and on a generated valid file
for f in "$ROOT/config/netchestra.json" "$W/good.json"; do
	[ "$f" = "$W/good.json" ] && config "$f" "$W/in.pcap" "$W/out.pcap"
	"$NC" --check -c "$f" >"$W/o" 2>&1; rc=$?
	[ $rc -eq 0 ] && grep -q "valid" "$W/o" && ok "--check valid $(basename "$f")" || bad "--check valid $(basename "$f") rc=$rc" "$W/o"
done

# 3. --check on an invalid file: exit 2, the exact error line, nothing started
config "$W/bad.json" "$W/in.pcap" "$W/out.pcap" 0
"$NC" --check -c "$W/bad.json" >"$W/o" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -qx "services\[0\].servers\[1\].weight: must be 1..100, got 0" "$W/o" &&
	ok "--check invalid: exit 2 and the error line" || bad "--check invalid rc=$rc" "$W/o"
sed 's/"max_flows": 4096/"max_flows": 0/; s/"port": 80,/"port": 70000,/' "$W/bad.json" >"$W/bad3.json"
"$NC" --check -c "$W/bad3.json" >"$W/o" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "^limits.max_flows: " "$W/o" && grep -q "^services\[0\].port: " "$W/o" &&
	grep -q "^services\[0\].servers\[1\].weight: " "$W/o" && ok "--check invalid: every problem listed" ||
	bad "--check invalid: not every problem listed" "$W/o"

# a bad health section: exit 2 and exactly its three lines
config "$W/bad4.json" "$W/in.pcap" "$W/out.pcap"
sed -i 's|"scheduler": "ratio",|"scheduler": "ratio", "health": { "type": "udp", "timeout_ms": 2000, "http_path": "/x" },|' "$W/bad4.json"
"$NC" --check -c "$W/bad4.json" >"$W/o" 2>&1; rc=$?
printf '%s\n' 'services[0].health.type: "udp" needs a udp service' \
	'services[0].health.timeout_ms: must be at most interval_ms (1000), got 2000' \
	'services[0].health.http_path: only for type "http"' >"$W/want"
[ $rc -eq 2 ] && grep '^services' "$W/o" | cmp -s - "$W/want" &&
	ok "--check invalid health section: exit 2 and its error lines" || bad "--check invalid health section rc=$rc" "$W/o"

# a maglev service with a table size that is not a prime, too big, 0, or given to ratio:
# exit 2 and the JSON path with the reason
for c in "65536|must be a prime, got 65536 (65521 and 65537 are)" "1000033|must be 251..1000003, got 1000033" \
	"0|must be 251..1000003, got 0" "ratio|only for scheduler \"maglev\""; do
	size=${c%%|*} want="services[0].maglev_size: ${c#*|}"
	config "$W/bad5.json" "$W/in.pcap" "$W/out.pcap"
	if [ "$size" = ratio ]; then
		sed -i 's|"scheduler": "ratio",|"scheduler": "ratio", "maglev_size": 65537,|' "$W/bad5.json"
	else
		sed -i "s|\"scheduler\": \"ratio\",|\"scheduler\": \"maglev\", \"maglev_size\": $size,|" "$W/bad5.json"
	fi
	"$NC" --check -c "$W/bad5.json" >"$W/o" 2>&1; rc=$?
	[ $rc -eq 2 ] && [ "$(grep -c '^services' "$W/o")" -eq 1 ] && grep -qxF "$want" "$W/o" &&
		ok "--check maglev_size $size: exit 2 and its error line" || bad "--check maglev_size $size rc=$rc" "$W/o"
done
config "$W/mg.json" "$W/in.pcap" "$W/out.pcap"
sed -i 's|"scheduler": "ratio",|"scheduler": "maglev", "maglev_size": 251, "maglev_seed": 7,|' "$W/mg.json"
"$NC" --check -c "$W/mg.json" >"$W/o" 2>&1; rc=$?
[ $rc -eq 0 ] && ok "--check valid maglev service" || bad "--check valid maglev service rc=$rc" "$W/o"

# syn_proxy: "on"/"auto" with a threshold valid; a bad value, a threshold without
# "auto" or out of range, a UDP service: exit 2 and
# the line at its JSON path
config "$W/sp.json" "$W/in.pcap" "$W/out.pcap"
jq '.services[0].syn_proxy = "auto" | .services[0].syn_proxy_threshold = 500' "$W/sp.json" >"$W/spok.json"
"$NC" --check -c "$W/spok.json" >"$W/o" 2>&1; rc=$?
[ $rc -eq 0 ] && ok "--check valid syn_proxy auto" || bad "--check valid syn_proxy auto rc=$rc" "$W/o"
# with each client_address the service can send (the proxy's server connection sends it)
for ca in proxy-v1 proxy-v2 toa; do
	jq ".services[0].syn_proxy = \"on\" | .services[0].client_address = \"$ca\"" "$W/sp.json" >"$W/spca.json"
	"$NC" --check -c "$W/spca.json" >"$W/o" 2>&1; rc=$?
	[ $rc -eq 0 ] && ok "--check valid syn_proxy on with client_address $ca" ||
		bad "--check valid syn_proxy on with client_address $ca rc=$rc" "$W/o"
done
for c in '.services[0].syn_proxy = "yes"@services[0].syn_proxy: must be "off", "on" or "auto", got "yes"' \
	'.services[0].syn_proxy = true@services[0].syn_proxy: must be a string, got boolean' \
	'.services[0].syn_proxy = "on" | .services[0].syn_proxy_threshold = 10@services[0].syn_proxy_threshold: needs syn_proxy "auto"' \
	'.services[0].syn_proxy = "auto" | .services[0].syn_proxy_threshold = 1@services[0].syn_proxy_threshold: must be 2..10000000, got 1' \
	'.services[0].proto = "udp" | .services[0].syn_proxy = "on"@services[0].syn_proxy: "on" is for tcp services (SYN cookies)' \
	'.limits.syn_cookie_secret = "00112233"@limits.syn_cookie_secret: must be 64 hexadecimal digits (32 bytes), got 8 characters' \
	'.limits.syn_cookie_secret = ("0" * 63 + "g")@limits.syn_cookie_secret: must be 64 hexadecimal digits (32 bytes): '"'"'g'"'"' at 64 is not one'; do
	jq "${c%%@*}" "$W/sp.json" >"$W/spbad.json"
	"$NC" --check -c "$W/spbad.json" >"$W/o" 2>&1; rc=$?
	[ $rc -eq 2 ] && grep -qxF "${c#*@}" "$W/o" && ok "--check bad syn_proxy (${c%%@*}): exit 2 and its line" ||
		bad "--check bad syn_proxy (${c%%@*}) rc=$rc" "$W/o"
done

# a dual-stack config: IPv6 beside IPv4 on the port, an IPv6 neighbor, route and service
config "$W/v6.json" "$W/in.pcap" "$W/out.pcap"
jq '.ports[0].ipv6 = ["fd00:200::1/64", "fd00:201::1/64"]
	| .neighbors += [{ ipv6: "fd00:201::11", mac: "02:00:00:00:02:11" }]
	| .routes += [{ prefix: "::/0", via: "fd00:200::fe" }]
	| .services += [{ name: "web6", vip: "fd00:200::10", port: 80, proto: "tcp",
		local_ips: ["fd00:201::1"], persistence_prefix6: 64,
		servers: [{ name: "a0", address: "fd00:201::11", port: 8080, weight: 100 }] }]' \
	"$W/v6.json" >"$W/v6ok.json"
"$NC" --check -c "$W/v6ok.json" >"$W/o" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "valid" "$W/o" && ok "--check valid dual-stack config" || bad "--check valid dual-stack config rc=$rc" "$W/o"
# ... with a client address too
jq '.services[1].client_address = "proxy-v2"' "$W/v6ok.json" >"$W/v6ca.json"
"$NC" --check -c "$W/v6ca.json" >"$W/o" 2>&1; rc=$?
[ $rc -eq 0 ] && ok "--check IPv6 service with a client_address" || bad "--check IPv6 client_address rc=$rc" "$W/o"
# ... with syn_proxy; over IPv4 servers (NAT64) too
jq '.services[1].syn_proxy = "on"' "$W/v6ok.json" >"$W/v6sp.json"
"$NC" --check -c "$W/v6sp.json" >"$W/o" 2>&1; rc=$?
[ $rc -eq 0 ] && ok "--check IPv6 service with syn_proxy on" || bad "--check IPv6 syn_proxy rc=$rc" "$W/o"
jq '.services[1].local_ips = ["10.1.0.1"] | .services[1].servers[0].address = "10.1.0.11"' \
	"$W/v6sp.json" >"$W/v64sp.json"
"$NC" --check -c "$W/v64sp.json" >"$W/o" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "valid" "$W/o" &&
	ok "--check syn_proxy over NAT64" || bad "--check syn_proxy over NAT64 rc=$rc" "$W/o"
# ... and an IPv4 VIP over its IPv6 servers (not built): exit 2 and the line at its path
jq '.services[1].vip = "10.0.0.10" | del(.services[1].persistence_prefix6) |
	.services[1].local_ips = ["10.1.0.1"]' "$W/v6ok.json" >"$W/v6bad.json"
"$NC" --check -c "$W/v6bad.json" >"$W/o" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -qxF "services[1].servers: IPv4 VIP over IPv6 servers is not supported" "$W/o" &&
	ok "--check IPv4 VIP over IPv6 servers: exit 2 and its error line" || bad "--check IPv4 VIP over IPv6 servers rc=$rc" "$W/o"

# 4. starting on an invalid file refuses before EAL
"$NC" -c "$W/bad.json" --duration 1 >"$W/o" 2>&1; rc=$?
[ $rc -eq 2 ] && ! grep -q "^eal:" "$W/o" && ok "invalid file never starts" || bad "invalid file started rc=$rc" "$W/o"

# 5. unreadable file, bad arguments
"$NC" --check -c "$W/nope.json" >"$W/o" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "nope.json" "$W/o" && ok "missing file named" || bad "missing file rc=$rc" "$W/o"
# a FIFO (or any non-regular file) is refused at once, never waited on
mkfifo "$W/fifo.json"
timeout 10 "$NC" --check -c "$W/fifo.json" >"$W/o" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -qxF "$W/fifo.json: cannot read: not a regular file (a FIFO)" "$W/o" &&
	ok "--check on a FIFO: refused at once" || bad "--check on a FIFO rc=$rc (124: it blocked)" "$W/o"
# the size limit is exactly 16 MiB: that size loads, one byte more is refused naming the limit
for size in 16777216 16777217; do
	cp "$W/good.json" "$W/size.json"
	head -c $((size - $(stat -c %s "$W/good.json"))) /dev/zero | tr '\0' ' ' >>"$W/size.json"
	"$NC" --check -c "$W/size.json" >"$W/o" 2>&1; rc=$?
	if [ "$size" = 16777216 ]; then
		[ $rc -eq 0 ] && [ "$(stat -c %s "$W/size.json")" = 16777216 ] && grep -q ": valid$" "$W/o" &&
			ok "--check on a file of exactly 16 MiB: valid" || bad "--check on 16 MiB rc=$rc" "$W/o"
	else
		[ $rc -eq 2 ] && grep -qxF "$W/size.json: cannot read: 16777217 bytes, more than the limit of 16 MiB (16777216 bytes)" "$W/o" &&
			ok "--check on 16 MiB + 1 byte: refused with the limit" || bad "--check on 16 MiB + 1 rc=$rc" "$W/o"
	fi
done
rm -f "$W/size.json"
# strtod reads all of these; none is a number of seconds to run (nan ran forever)
for d in abc nan inf 1e300 "" 0 -1 31536001; do
	timeout 10 "$NC" -c "$W/good.json" --duration "$d" >"$W/o" 2>&1; rc=$?
	[ $rc -eq 2 ] && grep -q "^netchestra: --duration: expected seconds above 0 and at most 31536000, got '$d'$" "$W/o" &&
		! grep -q "^eal:" "$W/o" && ok "--duration '$d' refused" || bad "--duration '$d' rc=$rc" "$W/o"
done
"$NC" >"$W/o" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q usage "$W/o" && ok "no arguments: usage" || bad "no arguments rc=$rc" "$W/o"

# 6. a device that cannot be created (its rx file is missing): clean failure naming the module
config "$W/nodev.json" "$W/missing.pcap" "$W/out.pcap"
timeout 30 "$NC" -c "$W/nodev.json" --duration 2 >"$W/o" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q "start-up failed in module" "$W/o" && ok "device that fails: clean refusal" ||
	bad "device that fails rc=$rc" "$W/o"

# 6b. a flow table beyond eal.memory_mb (no hugepages: the heap cannot grow):
# exit 1, the worker and the part that did not fit named, ENOMEM (not a stale
# error of an earlier step)
config "$W/big.json" "$W/in.pcap" "$W/big.pcap"
jq '.eal.huge = "off" | .limits.max_flows = 3000000' "$W/big.json" >"$W/big2.json"
timeout 60 "$NC" -c "$W/big2.json" --duration 1 >"$W/o" 2>&1; rc=$?
[ $rc -eq 1 ] &&
	grep -q "worker 0: no memory for its flow table (limits.max_flows 3000000): raise eal.memory_mb or lower limits.max_flows$" "$W/o" &&
	grep -q "start-up failed in module dataplane: Cannot allocate memory$" "$W/o" &&
	ok "flow table beyond eal.memory_mb: refused, naming the worker's flow table" ||
	bad "flow table beyond eal.memory_mb rc=$rc" "$W/o"

# 7. --duration: runs, prints a status line a second, stops cleanly with final statistics
timeout 30 "$NC" -c "$W/good.json" --duration 2.5 >"$W/o" 2>&1; rc=$?
n=$(grep -c '^\[ *[0-9.]*s\] web: flows' "$W/o")
[ $rc -eq 0 ] && [ "$n" -ge 2 ] && grep -q "^final drop.no_flow 0$" "$W/o" &&
	grep -q "^final service web: flows_opened 6 " "$W/o" && ok "--duration: status lines and final statistics" ||
	bad "--duration rc=$rc status=$n" "$W/o"

# 8. SIGTERM and SIGINT stop it cleanly: exit 0, ports closed (tx pcap complete), final lines.
#    6 connections x 6 packets in; out: the same 36 plus one gratuitous ARP per port address.
for sig in TERM INT; do
	rm -f "$W/out.pcap"
	"$NC" -c "$W/good.json" >"$W/o" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do grep -q "running" "$W/o" && break; sleep 0.1; done
	sleep 1
	kill -$sig $pid
	wait $pid; rc=$?
	[ $rc -eq 0 ] && grep -q "netchestra stopping" "$W/o" && grep -q "^final port p0: rx 36 tx 38 " "$W/o" &&
		[ -s "$W/out.pcap" ] && ok "SIG$sig: clean stop" || bad "SIG$sig rc=$rc" "$W/o"
done

# management.tls_cert/tls_key: a good pair is valid; one without the other, a
# missing file and a key of another certificate are errors on their JSON path
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
	-keyout "$W/key.pem" -out "$W/cert.pem" >/dev/null 2>&1 &&
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=other \
	-keyout "$W/key2.pem" -out "$W/cert2.pem" >/dev/null 2>&1 || echo "openssl could not make test certificates"
for c in "cert.pem key.pem|" \
	"cert.pem -|management.tls_key: missing: tls_cert needs its private key (both or neither)" \
	"nope.pem key.pem|management.tls_cert: cannot read $W/nope.pem: No such file or directory" \
	"cert.pem key2.pem|management.tls_key: $W/key2.pem: not the private key of tls_cert's certificate"; do
	read -r cert key <<<"${c%%|*}"
	want=${c#*|}
	jq --arg d "$W" --arg c "$cert" --arg k "$key" '.management = { token_file: "token.good",
		tls_cert: ($d + "/" + $c) } | if $k == "-" then . else .management.tls_key = ($d + "/" + $k) end' \
		"$W/good.json" >"$W/tls.json"
	"$NC" --check -c "$W/tls.json" >"$W/o" 2>&1; rc=$?
	if [ -z "$want" ]; then
		[ $rc -eq 0 ] && ok "--check management TLS $cert $key: valid" || bad "--check management TLS $cert $key rc=$rc" "$W/o"
	else
		[ $rc -eq 2 ] && grep -qxF "$want" "$W/o" && [ "$(grep -c '^management' "$W/o")" = 1 ] &&
			ok "--check management TLS $cert $key: $want" || bad "--check management TLS $cert $key rc=$rc" "$W/o"
	fi
done

# 9. management: a token file that is missing, too short or a FIFO stops the start,
#    naming the module and the file; a good one serves the API until stopped
for case in missing short fifo good; do
	config "$W/mgmt.json" "$W/in.pcap" "$W/out.pcap"
	jq --arg t "$W/token.$case" '.management = { listen: "127.0.0.1:19181", token_file: $t }' \
		"$W/mgmt.json" >"$W/mgmt2.json"
	case $case in
	short) echo "abc" >"$W/token.short" ;;
	fifo) mkfifo "$W/token.fifo" ;;   # refused at once, never waited on
	good) head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$W/token.good" ;;
	esac
	if [ "$case" != good ]; then
		timeout -k 5 30 "$NC" -c "$W/mgmt2.json" --duration 2 >"$W/o" 2>&1; rc=$?
		[ $rc -eq 1 ] && grep -q "start-up failed in module management" "$W/o" &&
			grep -q "token.$case" "$W/o" && ok "management, token file $case: clean refusal" ||
			bad "management, token file $case rc=$rc" "$W/o"
		continue
	fi
	timeout 30 "$NC" -c "$W/mgmt2.json" --duration 3 >"$W/o" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do grep -q "^management: listening" "$W/o" && break; sleep 0.1; done
	code=$(curl -s -o "$W/api" -w '%{http_code}' --max-time 5 http://127.0.0.1:19181/api/v1/services)
	code2=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X DELETE \
		http://127.0.0.1:19181/api/v1/services/web/servers/n0)
	wait $pid; rc=$?
	[ $rc -eq 0 ] && [ "$code" = 200 ] && jq -e '.services[0].name == "web"' "$W/api" >/dev/null &&
		[ "$code2" = 401 ] && ok "management: API answers reads, refuses a change without the token" ||
		bad "management: rc=$rc GET $code DELETE $code2" "$W/o"
done

# 9b. management.listen on IPv6: "[::1]:PORT" serves the API there (curl -g and
#     netchestra-ctl with an http://[::1]:PORT URL; reads from ::1 are loopback,
#     a change still needs the token); bad IPv6 forms are refused by --check
#     with the JSON path
CTL="$ROOT/$BUILD/app/netchestra-ctl"
config "$W/mgmt6.json" "$W/in.pcap" "$W/out.pcap"
jq --arg t "$W/token.good" '.management = { listen: "[::1]:19182", token_file: $t }' \
	"$W/mgmt6.json" >"$W/mgmt6b.json"
timeout 30 "$NC" -c "$W/mgmt6b.json" --duration 4 >"$W/o" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q "^management: listening" "$W/o" && break; sleep 0.1; done
code=$(curl -g -s -o "$W/api6" -w '%{http_code}' --max-time 5 'http://[::1]:19182/api/v1/services')
code2=$(curl -g -s -o /dev/null -w '%{http_code}' --max-time 5 -X DELETE \
	'http://[::1]:19182/api/v1/services/web/servers/n0')
code4=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:19182/api/v1/services)
"$CTL" --url 'http://[::1]:19182' services >"$W/ctl6" 2>&1; crc=$?
"$CTL" --url 'http://[::1]:19182/' --token-file "$W/token.good" drain web n1 >"$W/ctl6d" 2>&1; drc=$?
"$CTL" --url 'http://[::1]:19182' --json service web >"$W/ctl6s" 2>&1
wait $pid; rc=$?
cat "$W/ctl6" "$W/ctl6d" "$W/ctl6s" >>"$W/o"
[ $rc -eq 0 ] && grep -qxF "management: listening on http://[::1]:19182/" "$W/o" &&
	[ "$code" = 200 ] && jq -e '.services[0].name == "web"' "$W/api6" >/dev/null && [ "$code2" = 401 ] &&
	[ "$code4" = 000 ] && [ $crc -eq 0 ] && grep -q "^web" "$W/ctl6" && grep -qw n1 "$W/ctl6" &&
	[ $drc -eq 0 ] && jq -e '.servers[] | select(.name == "n1") | .weight == 0' "$W/ctl6s" >/dev/null &&
	ok "management on [::1]: curl -g reads (200) and a change without the token 401, not on 127.0.0.1, netchestra-ctl lists and drains" ||
	bad "management on [::1]: rc=$rc GET $code DELETE $code2 v4 $code4 ctl $crc drain $drc" "$W/o"
for v in "[fe80::1]:9180|management.listen: [fe80::1]:9180: a link-local address cannot be listened on here (no zone), give a global, unique-local or loopback one" \
	"[::1]|management.listen: expected \"IPv4:PORT\" or \"[IPv6]:PORT\" (port 1..65535), got [::1]" \
	"::1:9180|management.listen: expected \"IPv4:PORT\" or \"[IPv6]:PORT\" (port 1..65535), got ::1:9180"; do
	addr=${v%%|*} want=${v#*|}
	jq --arg a "$addr" --arg t "$W/token.good" '.management = { listen: $a, token_file: $t }' \
		"$W/mgmt6.json" >"$W/mgmt6c.json"
	"$NC" --check -c "$W/mgmt6c.json" >"$W/o" 2>&1; rc=$?
	[ $rc -eq 2 ] && grep -qxF "$want" "$W/o" && ok "--check management.listen $addr: refused by path" ||
		bad "--check management.listen $addr rc=$rc" "$W/o"
done

# nc-flood: bounded, private sources only, well-formed frames (checked here
# independently: every checksum, the source inside the network), and the
# appliance takes each SYN as a new flow
FLOOD="$ROOT/$BUILD/app/nc-flood"
flood_refused() {   # flood_refused <what> <expected stderr text> <args...>
	local what=$1 want=$2
	shift 2
	"$FLOOD" "$@" >"$W/o" 2>&1; rc=$?
	[ $rc -eq 2 ] && grep -qF -- "$want" "$W/o" && ok "nc-flood refuses $what" || bad "nc-flood refuses $what: rc=$rc" "$W/o"
}
FL=(--proto syn --dst 10.0.0.1 --dport 80 --pcap "$W/fl.pcap")
flood_refused "a public source network" "is not inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16" \
	"${FL[@]}" --src-net 8.8.8.0/24 --count 10 --seconds 1
flood_refused "no --count" "--count and --seconds are both required" "${FL[@]}" --src-net 10.9.0.0/24 --seconds 1
flood_refused "no --seconds" "--count and --seconds are both required" "${FL[@]}" --src-net 10.9.0.0/24 --count 10
flood_refused "over 600 s" "--seconds: want more than 0, at most 600" "${FL[@]}" --src-net 10.9.0.0/24 --count 10 --seconds 601
flood_refused "host bits in the network" "has host bits set" "${FL[@]}" --src-net 10.9.0.1/24 --count 10 --seconds 1
flood_refused "a network wider than the private range" "is not inside" "${FL[@]}" --src-net 172.0.0.0/11 --count 10 --seconds 1
# flood_check <pcap> <proto> <count>: every frame checked; prints the distinct
# (source, port) pairs. IPv4 frames from 10.9.0.0/24 to 10.0.0.1; IPv6 ones from
# fd00:210::/48 to fd00:202::1, in more than 400 of its /64s.
flood_check() {
	python3 - "$@" <<'PY'
import struct, sys
path, proto, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return s
d = open(path, "rb").read()
off, n, pairs, srcs, nets = 24, 0, set(), set(), set()
while off < len(d):
    _, _, caplen, _ = struct.unpack("<IIII", d[off:off + 16]); f = d[off + 16:off + 16 + caplen]; off += 16 + caplen
    assert f[0:6] == bytes.fromhex("020000000001") and f[6:12] == bytes.fromhex("0200000000fe"), "MACs"
    if f[12:14] == b"\x86\xdd":
        assert f[14] >> 4 == 6, "IPv6"
        ip = f[14:54]; plen = struct.unpack("!H", ip[4:6])[0]; src, dst, nh = ip[8:24], ip[24:40], ip[6]
        assert dst == bytes.fromhex("fd000202" + "00" * 11 + "01") and src[:6] == bytes.fromhex("fd0002100000"), "addresses"
        l4 = f[54:54 + plen]
        pseudo = src + dst + struct.pack("!IxxxB", plen, nh)
        nets.add(src[:8])
    else:
        assert f[12:14] == b"\x08\x00" and f[14] == 0x45, "IPv4, IHL 5"
        ip = f[14:34]; tot = struct.unpack("!H", ip[2:4])[0]; nh = ip[9]
        assert csum(ip) == 0xffff, "IPv4 header checksum"
        src, dst = ip[12:16], ip[16:20]
        assert dst == bytes([10, 0, 0, 1]) and src[:3] == bytes([10, 9, 0]) and src[3] not in (0, 255), "addresses"
        l4 = f[34:14 + tot]
        pseudo = src + dst + struct.pack("!BBH", 0, nh, len(l4))
    assert csum(pseudo + l4) == 0xffff, "L4 checksum"
    sport, dport = struct.unpack("!HH", l4[:4])
    assert dport == 80 and sport >= 1024, "ports"
    if proto == "syn":
        assert nh == 6 and l4[13] == 0x02 and len(l4) == 20, "a bare SYN"
    else:
        assert nh == 17 and struct.unpack("!H", l4[4:6])[0] == len(l4), "UDP length"
    pairs.add((src, sport)); srcs.add(src); n += 1
assert n == want, "%d frames, want %d" % (n, want)
assert len(srcs) > 200, "only %d sources" % len(srcs)
assert not nets or len(nets) > 400, "only %d /64s" % len(nets)
print(len(pairs))
PY
}
for proto in syn udp; do
	"$FLOOD" --proto "$proto" --dst 10.0.0.1 --dport 80 --src-net 10.9.0.0/24 --count 500 --seconds 10 \
		--pcap "$W/fl-$proto.pcap" --dst-mac 02:00:00:00:00:01 --src-mac 02:00:00:00:00:fe --seed 3 >"$W/fl.json" 2>"$W/o"; rc=$?
	if [ $rc -eq 0 ] && jq -e '.sent == 500 and .errors == 0 and .sources > 200' "$W/fl.json" >/dev/null &&
		pairs=$(flood_check "$W/fl-$proto.pcap" "$proto" 500 2>>"$W/o"); then
		ok "nc-flood --proto $proto: 500 frames, checksums right, $(jq -r .sources "$W/fl.json") sources inside 10.9.0.0/24"
	else
		cat "$W/fl.json" >>"$W/o"
		bad "nc-flood --proto $proto: 500 well-formed frames rc=$rc" "$W/o"
	fi
	[ "$proto" = syn ] && flood_pairs=${pairs:-0}
done
# IPv6: unique local sources only, one family, a gateway's MAC given; the
# frames checked as above (every host bit of a /48 drawn: sources in many /64s)
FL6=(--proto syn --dst fd00:202::1 --dport 80 --count 10 --seconds 1)
flood_refused "an IPv6 source network outside fd00::/8" "is not inside fd00::/8" \
	"${FL6[@]}" --src-net 2001:db8::/48 --pcap "$W/fl.pcap"
flood_refused "an IPv6 network with host bits" "has host bits set" "${FL6[@]}" --src-net fd00:210::1/48 --pcap "$W/fl.pcap"
flood_refused "an IPv4 destination with IPv6 sources" "both IPv4 or both IPv6" \
	--proto syn --dst 10.0.0.1 --dport 80 --count 10 --seconds 1 --src-net fd00:210::/48 --pcap "$W/fl.pcap"
flood_refused "--arp over IPv6" "--arp and --via are for IPv4" "${FL6[@]}" --src-net fd00:210::/48 --dev lo --arp
flood_refused "an IPv6 flood without --dst-mac" "needs --dst-mac" "${FL6[@]}" --src-net fd00:210::/48 --dev lo
for proto in syn udp; do
	"$FLOOD" --proto "$proto" --dst fd00:202::1 --dport 80 --src-net fd00:210::/48 --count 500 --seconds 10 \
		--pcap "$W/fl6-$proto.pcap" --dst-mac 02:00:00:00:00:01 --src-mac 02:00:00:00:00:fe --seed 3 >"$W/fl.json" 2>"$W/o"; rc=$?
	if [ $rc -eq 0 ] && jq -e '.sent == 500 and .errors == 0' "$W/fl.json" >/dev/null &&
		flood_check "$W/fl6-$proto.pcap" "$proto" 500 >/dev/null 2>>"$W/o"
	then
		ok "nc-flood --proto $proto over IPv6: 500 frames, checksums right, sources inside fd00:210::/48 in more than 400 of its /64s"
	else
		cat "$W/fl.json" >>"$W/o"
		bad "nc-flood --proto $proto over IPv6: 500 well-formed frames rc=$rc" "$W/o"
	fi
done
# the appliance opens a flow for each SYN (replies go by the default route: no ARP)
config "$W/flood.json" "$W/fl-syn.pcap" "$W/fl-out.pcap"
timeout 30 "$NC" -c "$W/flood.json" --duration 2.5 >"$W/o" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "^final service web: flows_opened $flood_pairs " "$W/o" && grep -q "^final drop.ip_bad_csum 0$" "$W/o" &&
	ok "nc-flood's SYNs open $flood_pairs flows on the appliance" || bad "nc-flood's SYNs open $flood_pairs flows rc=$rc" "$W/o"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
