#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Netchestra pcap replay tests: generate client traffic with nc-pktgen, run the
# appliance on a net_pcap port (rx_pcap in, tx_pcap out), verify the output with
# nc-pcap-check and the appliance's final drop counters.
#
# usage: tests/pcap/run.sh BUILD_DIR
#   KEEP=1 keeps the work directory (it is kept anyway when a case fails).
# Prints one PASS/FAIL line per case, then "N passed, N failed"; exits 1 if any failed.
set -euo pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
BUILD=$(cd "$1" && pwd)
APP=$BUILD/app/netchestra
GEN=$BUILD/app/nc-pktgen
CHECK=$BUILD/tests/pcap/nc-pcap-check
FS_CHECK=$(cd "$(dirname "$0")" && pwd)/failsafe_check.py
for b in "$APP" "$GEN" "$CHECK"; do
	if [[ ! -x $b ]]; then
		echo "missing $b (build it first: ninja -C $1)" >&2
		exit 2
	fi
done

WORK=$(mktemp -d /tmp/nc-pcap.XXXXXX)
PREFIX_BASE="ncpcap$$"
DURATION=3
PASSED=0
FAILED=0

KEEP_WORK=0
cleanup() {
	if [[ $KEEP_WORK -eq 0 ]]; then
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT

GW_MAC=02:00:00:00:00:fe
PORT_MAC=02:00:00:00:00:01

# note LOG: a case's diagnostics (indented, at most 40 lines) before its FAIL line.
note() {
	awk -v file="$1" 'NR <= 40 { print "    " $0 }
		END { if (NR > 40) printf "    ... %d more lines in %s\n", NR - 40, file }' "$1"
}

# write_config FILE NAME IN.pcap OUT.pcap SERVICES_JSON [LIMITS_JSON]
# One port p0 (10.0.0.1/24 clients' side, 10.1.0.1/24 servers' side), clients behind
# the gateway 10.0.0.254, servers 10.1.0.11.. with static neighbors, one worker.
write_config() {
	# tcp_timewait_s 0: local ports in the same order on every run (no start-up
	# rotation), so a second pass can replay replies captured in the first
	local file=$1 name=$2 in=$3 out=$4 services=$5 limits=${6:-'{ "tcp_timewait_s": 0 }'}
	local lim="\"limits\": $limits,"
	cat >"$file" <<EOF
{
  "eal": { "lcores": "0-1", "huge": "auto", "memory_mb": 256,
           "file_prefix": "${PREFIX_BASE}${name}",
           "vdevs": [ "net_pcap0,rx_pcap=$in,tx_pcap=$out" ] },
  "workers": { "lcores": [1] },
  "ports": [ { "name": "p0", "device": "net_pcap0",
               "ipv4": [ "10.0.0.1/24", "10.1.0.1/24" ], "mac": "$PORT_MAC" } ],
  "neighbors": [
    { "ipv4": "10.0.0.254", "mac": "$GW_MAC" },
    { "ipv4": "10.1.0.11", "mac": "02:00:00:00:01:11" },
    { "ipv4": "10.1.0.12", "mac": "02:00:00:00:01:12" },
    { "ipv4": "10.1.0.13", "mac": "02:00:00:00:01:13" },
    { "ipv4": "10.1.0.21", "mac": "02:00:00:00:01:21" },
    { "ipv4": "10.1.0.22", "mac": "02:00:00:00:01:22" } ],
  "routes": [ { "prefix": "0.0.0.0/0", "via": "10.0.0.254" } ],
  $lim
  "services": $services
}
EOF
}

# service NAME PROTO PORT SCHEDULER "addr:port:weight ..." [EXTRA] -> one service
# object; EXTRA: more of its keys, e.g. '"persistence_s": 30, '
service() {
	local name=$1 proto=$2 port=$3 sched=$4 servers=$5 extra=${6:-} i=0 sep="" s list=""
	for s in $servers; do
		IFS=: read -r addr sport weight <<<"$s"
		list+="$sep{ \"name\": \"${name}$i\", \"address\": \"$addr\", \"port\": $sport, \"weight\": $weight }"
		sep=", "
		i=$((i + 1))
	done
	printf '{ "name": "%s", "vip": "10.0.0.1", "port": %s, "proto": "%s", "local_ips": ["10.1.0.1"], %s"scheduler": "%s", "servers": [ %s ] }' \
		"$name" "$port" "$proto" "$extra" "$sched" "$list"
}

# write_config6 FILE NAME IN.pcap OUT.pcap SERVICES_JSON: write_config's port and
# neighbors with IPv6 beside IPv4: clients' side fd00::1/64 behind the gateway
# fd00::fe, servers' side fd01::1/64 with servers fd01::11.. as static neighbors;
# 65536 flows (IPv6 doubles the flow table: the default million would not fit
# memory_mb when another appliance holds the hugepages).
write_config6() {
	local file=$1 name=$2 in=$3 out=$4 services=$5
	cat >"$file" <<EOF
{
  "eal": { "lcores": "0-1", "huge": "auto", "memory_mb": 256,
           "file_prefix": "${PREFIX_BASE}${name}",
           "vdevs": [ "net_pcap0,rx_pcap=$in,tx_pcap=$out" ] },
  "workers": { "lcores": [1] },
  "ports": [ { "name": "p0", "device": "net_pcap0", "ipv4": [ "10.0.0.1/24" ],
               "ipv6": [ "fd00::1/64", "fd01::1/64" ], "mac": "$PORT_MAC" } ],
  "neighbors": [
    { "ipv4": "10.0.0.254", "mac": "$GW_MAC" },
    { "ipv6": "fd00::fe", "mac": "$GW_MAC" },
    { "ipv6": "fd01::11", "mac": "02:00:00:00:01:11" },
    { "ipv6": "fd01::12", "mac": "02:00:00:00:01:12" },
    { "ipv6": "fd01::13", "mac": "02:00:00:00:01:13" },
    { "ipv6": "fd01::21", "mac": "02:00:00:00:01:21" },
    { "ipv6": "fd01::22", "mac": "02:00:00:00:01:22" } ],
  "routes": [ { "prefix": "0.0.0.0/0", "via": "10.0.0.254" },
              { "prefix": "::/0", "via": "fd00::fe" } ],
  "limits": { "tcp_timewait_s": 0, "max_flows": 65536 },
  "services": $services
}
EOF
}

# service6 NAME PROTO PORT SCHEDULER "addr,port,weight ...": an IPv6 service on
# the VIP fd00::100 with the local address fd01::1.
service6() {
	local name=$1 proto=$2 port=$3 sched=$4 servers=$5 i=0 sep="" s list=""
	for s in $servers; do
		IFS=, read -r addr sport weight <<<"$s"
		list+="$sep{ \"name\": \"${name}$i\", \"address\": \"$addr\", \"port\": $sport, \"weight\": $weight }"
		sep=", "
		i=$((i + 1))
	done
	printf '{ "name": "%s", "vip": "fd00::100", "port": %s, "proto": "%s", "local_ips": ["fd01::1"], "scheduler": "%s", "servers": [ %s ] }' \
		"$name" "$port" "$proto" "$sched" "$list"
}

# run_app CONFIG NAME LOG [SECONDS]: run the appliance for SECONDS (default DURATION);
# its stdout goes to LOG.
run_app() {
	local cfg=$1 name=$2 log=$3 dur=${4:-$DURATION} rc=0
	timeout -k 5 $((dur + 30)) "$APP" -c "$cfg" --duration "$dur" >"$log" 2>"$log.err" || rc=$?
	rm -rf "/var/run/dpdk/${PREFIX_BASE}${name}"
	if [[ $rc -ne 0 ]]; then
		echo "netchestra exited with $rc; stderr:"
		tail -n 15 "$log.err"
		return 1
	fi
	if ! grep -q '^final drop\.' "$log"; then
		echo "netchestra printed no final drop counters"
		return 1
	fi
}

# check_drops LOG EXPECTED: every "final drop.<name> <n>" line of LOG must equal the
# "drop.<name> <n>" line of EXPECTED, 0 when EXPECTED has none; every reason in
# EXPECTED must be printed.
check_drops() {
	awk -v wantfile="$2" '
		FILENAME == wantfile { want[$1] = $2; next }
		/^final drop\./ {
			seen[$2] = 1
			w = ($2 in want) ? want[$2] : 0
			if ($3 != w) { printf "%s %s, want %s\n", $2, $3, w; bad = 1 }
		}
		END {
			for (k in want) if (!(k in seen)) { printf "%s not printed by the appliance\n", k; bad = 1 }
			exit bad
		}' "$2" "$1"
}

# check CHECK_ARGS...: run nc-pcap-check, show its output on failure.
check() {
	local out rc=0
	out=$("$CHECK" "$@" 2>&1) || rc=$?
	if [[ $rc -ne 0 ]]; then
		echo "nc-pcap-check $*"
		echo "$out"
		return 1
	fi
	echo "$out" | tail -n 1
}

# Case 1: TCP 30/70 and UDP 50/50, ARP and ICMP, then the servers' replies.
case_tcp_udp() {
	local d=$WORK/c1 svc
	mkdir -p "$d"
	svc="[ $(service web tcp 80 ratio "10.1.0.11:80:30 10.1.0.12:80:70"),
	       $(service dns udp 5353 ratio "10.1.0.21:5353:50 10.1.0.22:5353:50") ]"
	"$GEN" gen --out "$d/clients.pcap" --seed 101 --clients 40 --tcp-flows 30 \
		--udp-flows 30 --requests 3 --payload-min 16 --payload-max 900 \
		--src-mac $GW_MAC --dst-mac $PORT_MAC --syn-retransmit \
		--arp --arp-target 10.1.0.1,10.1.0.11,02:00:00:00:01:11 \
		--icmp --icmp-count 4 >/dev/null || return 1
	write_config "$d/p1.json" c1a "$d/clients.pcap" "$d/out1.pcap" "$svc"
	run_app "$d/p1.json" c1a "$d/app1.log" || return 1
	check --config "$d/p1.json" --in "$d/clients.pcap" --out "$d/out1.pcap" \
		--pattern web=0,1,1 --pattern dns=0,1 --expect-arp 2 --expect-echo 4 || return 1
	: >"$d/none"
	check_drops "$d/app1.log" "$d/none" || return 1

	"$GEN" reply --clients "$d/clients.pcap" --forwarded "$d/out1.pcap" \
		--out "$d/merged.pcap" --seed 101 >/dev/null || return 1
	write_config "$d/p2.json" c1b "$d/merged.pcap" "$d/out2.pcap" "$svc"
	run_app "$d/p2.json" c1b "$d/app2.log" || return 1
	check --config "$d/p2.json" --in "$d/merged.pcap" --out "$d/out2.pcap" \
		--pattern web=0,1,1 --pattern dns=0,1 --expect-arp 2 --expect-echo 4 \
		>"$d/check2.txt" || { cat "$d/check2.txt"; return 1; }
	cat "$d/check2.txt"
	if grep -q ' and 0 server packets' "$d/check2.txt"; then
		echo "the merged file held no server responses"
		return 1
	fi
	check_drops "$d/app2.log" "$d/none" || return 1
}

# Case 2: the paper's 25/75 -> A B B B.
case_ratio_25_75() {
	local d=$WORK/c2 svc
	mkdir -p "$d"
	svc="[ $(service web tcp 80 ratio "10.1.0.11:80:25 10.1.0.12:80:75"),
	       $(service dns udp 5353 ratio "10.1.0.21:5353:25 10.1.0.22:5353:75") ]"
	"$GEN" gen --out "$d/clients.pcap" --seed 202 --clients 40 --tcp-flows 40 \
		--udp-flows 24 --requests 2 --src-mac $GW_MAC --dst-mac $PORT_MAC >/dev/null || return 1
	write_config "$d/p.json" c2 "$d/clients.pcap" "$d/out.pcap" "$svc"
	run_app "$d/p.json" c2 "$d/app.log" || return 1
	check --config "$d/p.json" --in "$d/clients.pcap" --out "$d/out.pcap" \
		--pattern web=0,1,1,1 --pattern dns=0,1,1,1 || return 1
	: >"$d/none"
	check_drops "$d/app.log" "$d/none"
}

# Case 3: smooth scheduler, 20/30/50 over three servers: exact counts per 100 flows.
case_smooth() {
	local d=$WORK/c3 svc
	mkdir -p "$d"
	svc="[ $(service web tcp 80 smooth "10.1.0.11:80:20 10.1.0.12:80:30 10.1.0.13:80:50") ]"
	"$GEN" gen --out "$d/clients.pcap" --seed 303 --clients 100 --tcp-flows 100 \
		--udp-flows 0 --requests 1 --src-mac $GW_MAC --dst-mac $PORT_MAC >/dev/null || return 1
	write_config "$d/p.json" c3 "$d/clients.pcap" "$d/out.pcap" "$svc"
	run_app "$d/p.json" c3 "$d/app.log" || return 1
	check --config "$d/p.json" --in "$d/clients.pcap" --out "$d/out.pcap" \
		--counts web=20,30,50 || return 1
	: >"$d/none"
	check_drops "$d/app.log" "$d/none"
}

# Case 4: every malformed kind mixed into valid traffic; counters equal the manifest.
case_malformed() {
	local d=$WORK/c4 svc
	mkdir -p "$d"
	svc="[ $(service web tcp 80 ratio "10.1.0.11:80:50 10.1.0.12:80:50"),
	       $(service dns udp 5353 ratio "10.1.0.21:5353:50 10.1.0.22:5353:50") ]"
	"$GEN" gen --out "$d/clients.pcap" --seed 404 --clients 20 --tcp-flows 12 \
		--udp-flows 12 --requests 2 --src-mac $GW_MAC --dst-mac $PORT_MAC \
		--malformed --not-ours 192.0.2.7 --manifest "$d/manifest" >/dev/null || return 1
	if [[ $(grep -c '^drop\.' "$d/manifest") -lt 15 ]]; then
		echo "manifest names fewer than 15 drop reasons:"
		cat "$d/manifest"
		return 1
	fi
	write_config "$d/p.json" c4 "$d/clients.pcap" "$d/out.pcap" "$svc"
	run_app "$d/p.json" c4 "$d/app.log" || return 1
	check --config "$d/p.json" --in "$d/clients.pcap" --out "$d/out.pcap" || return 1
	check_drops "$d/app.log" "$d/manifest"
}

# Case 5: flow table of 8, 16 TCP flows: the first 8 complete, the rest refused.
case_flow_table_full() {
	local d=$WORK/c5 svc flows=16 max=8 requests=2
	mkdir -p "$d"
	svc="[ $(service web tcp 80 ratio "10.1.0.11:80:50 10.1.0.12:80:50") ]"
	"$GEN" gen --out "$d/clients.pcap" --seed 505 --clients 16 --tcp-flows $flows \
		--udp-flows 0 --requests $requests --src-mac $GW_MAC --dst-mac $PORT_MAC >/dev/null ||
		return 1
	write_config "$d/p.json" c5 "$d/clients.pcap" "$d/out.pcap" "$svc" '{ "max_flows": 8, "tcp_timewait_s": 0 }'
	run_app "$d/p.json" c5 "$d/app.log" || return 1
	check --config "$d/p.json" --in "$d/clients.pcap" --out "$d/out.pcap" \
		--max-new-flows $max || return 1
	# Refused flows: one SYN each hits the full table; their ACK, data, FIN and last
	# ACK then find no flow.
	printf 'drop.flow_table_full %d\ndrop.no_flow %d\n' $((flows - max)) \
		$(((flows - max) * (requests + 3))) >"$d/expected"
	check_drops "$d/app.log" "$d/expected"
}

# Case 6: the checker must reject wrong outputs with exit 1 (needs case 1's files).
case_checker_rejects() {
	local d=$WORK/c1 n=0 what out rc
	if [[ ! -s $d/out2.pcap ]]; then
		echo "case 1 produced no output to damage"
		return 1
	fi
	# expect_reject LABEL CHECK_ARGS...: nc-pcap-check must exit 1 with FAIL lines.
	expect_reject() {
		local label=$1
		shift
		rc=0
		out=$("$CHECK" "$@" 2>&1) || rc=$?
		if [[ $rc -ne 1 ]] || ! grep -q '^FAIL ' <<<"$out"; then
			echo "nc-pcap-check exited $rc on $label (want 1 with FAIL lines):"
			echo "$out" | tail -n 3
			return 1
		fi
		n=$((n + 1))
	}
	for what in ip-csum l4-csum ttl dst-mac payload drop dup; do
		"$GEN" corrupt --in "$d/out2.pcap" --out "$d/bad-$what.pcap" --what "$what" \
			>/dev/null || return 1
		expect_reject "damage '$what'" --config "$d/p2.json" --in "$d/merged.pcap" \
			--out "$d/bad-$what.pcap" || return 1
	done
	"$GEN" gen --out "$d/empty.pcap" --tcp-flows 0 --udp-flows 0 >/dev/null || return 1
	expect_reject "an empty output" --config "$d/p1.json" --in "$d/clients.pcap" \
		--out "$d/empty.pcap" || return 1
	expect_reject "the unrewritten input as output" --config "$d/p1.json" \
		--in "$d/clients.pcap" --out "$d/clients.pcap" || return 1
	expect_reject "a wrong --pattern" --config "$d/p1.json" --in "$d/clients.pcap" \
		--out "$d/out1.pcap" --pattern web=1,0,0 || return 1
	expect_reject "wrong --expect-echo" --config "$d/p1.json" --in "$d/clients.pcap" \
		--out "$d/out1.pcap" --expect-echo 5 || return 1
	echo "$n wrong outputs rejected"
}

# Case 7: UDP fail-safe, no server ever replies: each held request goes out to its
# server, then once more, byte for byte but for the destination, to the other one
# after response_timeout_ms; with max_replays 1 the second deadline gives the
# request up (reset) rather than sending it a third time. One client with
# affinity: every flow starts on the same server, so the replays' target is up
# whatever order the control lcore marks the servers down in.
case_failsafe_udp_replay() {
	local d=$WORK/c7 svc fs n=4 timeout_ms=200 what last rc out
	mkdir -p "$d"
	fs="\"persistence_s\": 30, \"failsafe\": { \"enabled\": true,
	    \"response_timeout_ms\": $timeout_ms, \"max_replays\": 1, \"store_size\": 1024 }, "
	svc="[ $(service dns udp 5353 ratio "10.1.0.21:5353:50 10.1.0.22:5353:50" "$fs") ]"
	"$GEN" gen --out "$d/clients.pcap" --seed 707 --clients 1 --tcp-flows 0 --udp-flows $n \
		--requests 1 --payload-min 20 --payload-max 600 --src-mac $GW_MAC \
		--dst-mac $PORT_MAC >/dev/null || return 1
	write_config "$d/p.json" c7 "$d/clients.pcap" "$d/out.pcap" "$svc"
	run_app "$d/p.json" c7 "$d/app.log" 2 || return 1
	# fs_check OUT.pcap: the replay checks against the run's log
	fs_check() {
		python3 "$FS_CHECK" --in "$d/clients.pcap" --out "$1" --vip 10.0.0.1 --port 5353 \
			--local-ip 10.1.0.1 --port-mac $PORT_MAC \
			--first 10.1.0.21:5353=02:00:00:00:01:21 \
			--second 10.1.0.22:5353=02:00:00:00:01:22 --min-gap-ms $((timeout_ms - 5)) \
			--log "$d/app.log" --svc dns \
			--expect "held=$n,released=0,replays=$n,resets=$n,store_full=0,affinity_hits=$((n - 1))"
	}
	out=$(fs_check "$d/out.pcap") || { echo "$out"; return 1; }
	echo "$out"
	: >"$d/none"
	check_drops "$d/app.log" "$d/none" || return 1
	# the check must reject a damaged replay (the last frame is one), a lost or
	# doubled first copy, and the input passed off as the output
	last=$(python3 "$FS_CHECK" --count "$d/out.pcap") || return 1
	for what in ip-csum l4-csum ttl dst-mac payload drop dup; do
		"$GEN" corrupt --in "$d/out.pcap" --out "$d/bad-$what.pcap" --what "$what" \
			--packet "$last" >/dev/null || return 1
	done
	"$GEN" corrupt --in "$d/out.pcap" --out "$d/bad-first-drop.pcap" --what drop >/dev/null ||
		return 1
	"$GEN" corrupt --in "$d/out.pcap" --out "$d/bad-first-dup.pcap" --what dup >/dev/null ||
		return 1
	cp "$d/clients.pcap" "$d/bad-input.pcap"
	for what in ip-csum l4-csum ttl dst-mac payload drop dup first-drop first-dup input; do
		rc=0
		out=$(fs_check "$d/bad-$what.pcap") || rc=$?
		if [[ $rc -ne 1 ]] || ! grep -q '^FAIL ' <<<"$out"; then
			echo "failsafe_check.py exited $rc on damage '$what' (want 1 with FAIL lines):"
			echo "$out" | tail -n 3
			return 1
		fi
	done
	echo "10 wrong outputs rejected"
}

# syn_servers PCAP: the server address of every forwarded TCP SYN (no ACK), in order.
syn_servers() {
	python3 - "$1" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
end = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
off = 24
while off + 16 <= len(data):
    caplen = struct.unpack(end + "I", data[off + 8:off + 12])[0]
    f = data[off + 16:off + 16 + caplen]
    off += 16 + caplen
    if len(f) < 34 or f[12:14] != b"\x08\x00" or f[23] != 6:
        continue
    l4 = 14 + (f[14] & 0xf) * 4
    if len(f) > l4 + 13 and f[l4 + 13] & 0x12 == 0x02:
        print(".".join(str(b) for b in f[30:34]))
PY
}

# Case 8: maglev 50/30/20 with persistence (the key: the client's address), the
# same clients through two runs whose servers are listed in opposite orders:
# every client's SYN goes to the same server in both, every server gets some.
case_maglev() {
	local d=$WORK/c8 a b n
	mkdir -p "$d"
	a="[ $(service web tcp 80 maglev "10.1.0.11:80:50 10.1.0.12:80:30 10.1.0.13:80:20" \
		'"persistence_s": 30, "maglev_size": 65537, "maglev_seed": 12345, ') ]"
	b="[ $(service web tcp 80 maglev "10.1.0.13:80:20 10.1.0.12:80:30 10.1.0.11:80:50" \
		'"persistence_s": 30, "maglev_size": 65537, "maglev_seed": 12345, ') ]"
	"$GEN" gen --out "$d/clients.pcap" --seed 808 --clients 100 --tcp-flows 100 \
		--udp-flows 0 --requests 1 --src-mac $GW_MAC --dst-mac $PORT_MAC >/dev/null || return 1
	write_config "$d/a.json" c8a "$d/clients.pcap" "$d/out_a.pcap" "$a"
	write_config "$d/b.json" c8b "$d/clients.pcap" "$d/out_b.pcap" "$b"
	run_app "$d/a.json" c8a "$d/app_a.log" || return 1
	run_app "$d/b.json" c8b "$d/app_b.log" || return 1
	check --config "$d/a.json" --in "$d/clients.pcap" --out "$d/out_a.pcap" || return 1
	check --config "$d/b.json" --in "$d/clients.pcap" --out "$d/out_b.pcap" || return 1
	syn_servers "$d/out_a.pcap" >"$d/syn_a"
	syn_servers "$d/out_b.pcap" >"$d/syn_b"
	n=$(wc -l <"$d/syn_a")
	if [[ $n -ne 100 ]] || ! cmp -s "$d/syn_a" "$d/syn_b"; then
		echo "SYNs forwarded: $n and $(wc -l <"$d/syn_b"); first differences:"
		diff "$d/syn_a" "$d/syn_b" | head -5
		return 1
	fi
	sort "$d/syn_a" | uniq -c | awk '{ printf "%s %d, ", $2, $1 } END { print "same in both runs" }'
	[[ $(sort -u "$d/syn_a" | wc -l) -eq 3 ]] || { echo "a server got no client"; return 1; }
	: >"$d/none"
	check_drops "$d/app_a.log" "$d/none" && check_drops "$d/app_b.log" "$d/none"
}

# Case 9: the client's address for the servers. Pass 1 tells the local ports
# of the clients' SYNs; pass 2 carries whole conversations (servers answering
# at those ports): every frame out is checked - PROXY v1/v2 header segments
# (bytes, sequence and acknowledgement numbers, checksums), the shift of both
# legs across them, a header retransmitted until the reset when its server
# never acknowledges it, TOA option bytes, PROXY v2 per UDP datagram and the
# one too big for the MTU - and the checker must reject damaged outputs.
case_client_address() {
	local d=$WORK/c9 svc py hdr what rc out
	py=$(cd "$(dirname "$0")" && pwd)/client_addr_case.py
	mkdir -p "$d"
	svc="[ $(service pv1 tcp 80 ratio "10.1.0.11:80:100" '"client_address": "proxy-v1", '),
	       $(service pv2 tcp 81 ratio "10.1.0.12:81:100" '"client_address": "proxy-v2", '),
	       $(service toa tcp 82 ratio "10.1.0.13:82:100" '"client_address": "toa", '),
	       $(service dns udp 5353 ratio "10.1.0.21:5353:100" '"client_address": "proxy-v2", ') ]"
	python3 "$py" gen1 "$d/syns.pcap" || return 1
	write_config "$d/p1.json" c9a "$d/syns.pcap" "$d/out1.pcap" "$svc"
	run_app "$d/p1.json" c9a "$d/app1.log" || return 1
	python3 "$py" gen2 "$d/out1.pcap" "$d/in2.pcap" || return 1
	write_config "$d/p2.json" c9b "$d/in2.pcap" "$d/out2.pcap" "$svc"
	run_app "$d/p2.json" c9b "$d/app2.log" || return 1
	python3 "$py" check "$d/in2.pcap" "$d/out2.pcap" "$d/app2.log" || return 1
	printf 'drop.ca_too_big 1\n' >"$d/expected"
	check_drops "$d/app2.log" "$d/expected" || return 1
	hdr=$(python3 "$py" first-header "$d/out2.pcap") || { echo "no header frame"; return 1; }
	for what in l4-csum payload drop dup; do
		"$GEN" corrupt --in "$d/out2.pcap" --out "$d/bad-$what.pcap" --what "$what" \
			--packet "$hdr" >/dev/null || return 1
		rc=0
		out=$(python3 "$py" check "$d/in2.pcap" "$d/bad-$what.pcap" "$d/app2.log") || rc=$?
		if [[ $rc -ne 1 ]] || ! grep -q '^FAIL ' <<<"$out"; then
			echo "client_addr_case.py exited $rc on damage '$what' (want 1 with FAIL lines)"
			return 1
		fi
	done
	echo "4 damaged outputs rejected"
}

# gen6 ARGS...: nc-pktgen gen for IPv6 clients (2001:db8:c::1..) to the VIP fd00::100
# behind the gateway fd00::fe.
gen6() {
	"$GEN" gen --ipv6 --vip fd00::100 --client-base 2001:db8:c::1 --gw-ip fd00::fe \
		--src-mac $GW_MAC --dst-mac $PORT_MAC "$@" >/dev/null
}

# Case 10: case 1 over IPv6. TCP 30/70 and UDP 50/50, a Neighbor Solicitation
# for the VIP and ICMPv6 echo requests, then the servers' replies: every field
# of both legs (addresses, ports, hop limit - 1, flow label, TCP/UDP checksum
# recomputed over the IPv6 pseudo header, MACs), the solicited advertisement's
# bytes, the echo replies and the ratio sequences.
case_v6_two_arm() {
	local d=$WORK/c10 svc
	mkdir -p "$d"
	svc="[ $(service6 web tcp 80 ratio "fd01::11,80,30 fd01::12,80,70"),
	       $(service6 dns udp 5353 ratio "fd01::21,5353,50 fd01::22,5353,50") ]"
	gen6 --out "$d/clients.pcap" --seed 1001 --clients 40 --tcp-flows 30 --udp-flows 30 \
		--requests 3 --payload-min 16 --payload-max 900 --syn-retransmit --arp \
		--icmp --icmp-count 4 || return 1
	write_config6 "$d/p1.json" c10a "$d/clients.pcap" "$d/out1.pcap" "$svc"
	run_app "$d/p1.json" c10a "$d/app1.log" || return 1
	check --config "$d/p1.json" --in "$d/clients.pcap" --out "$d/out1.pcap" \
		--pattern web=0,1,1 --pattern dns=0,1 --expect-nd 1 --expect-echo 4 || return 1
	: >"$d/none"
	check_drops "$d/app1.log" "$d/none" || return 1

	"$GEN" reply --clients "$d/clients.pcap" --forwarded "$d/out1.pcap" \
		--out "$d/merged.pcap" --seed 1001 >/dev/null || return 1
	write_config6 "$d/p2.json" c10b "$d/merged.pcap" "$d/out2.pcap" "$svc"
	run_app "$d/p2.json" c10b "$d/app2.log" || return 1
	check --config "$d/p2.json" --in "$d/merged.pcap" --out "$d/out2.pcap" \
		--pattern web=0,1,1 --pattern dns=0,1 --expect-nd 1 --expect-echo 4 \
		>"$d/check2.txt" || { cat "$d/check2.txt"; return 1; }
	cat "$d/check2.txt"
	if grep -q ' and 0 server packets' "$d/check2.txt"; then
		echo "the merged file held no server responses"
		return 1
	fi
	check_drops "$d/app2.log" "$d/none"
}

# Case 11: every IPv6 malformed kind (each extension header drop, truncated,
# payload length 0 and past the frame, ...) mixed into valid IPv6 traffic;
# counters equal the manifest.
case_v6_malformed() {
	local d=$WORK/c11 svc
	mkdir -p "$d"
	svc="[ $(service6 web tcp 80 ratio "fd01::11,80,50 fd01::12,80,50"),
	       $(service6 dns udp 5353 ratio "fd01::21,5353,50 fd01::22,5353,50") ]"
	gen6 --out "$d/clients.pcap" --seed 1101 --clients 20 --tcp-flows 12 --udp-flows 12 \
		--requests 2 --malformed --manifest "$d/manifest" || return 1
	for r in ip6_hop_by_hop ip6_routing ip6_ext_unknown ip6_ext_chain frag_tiny \
		ip6_bad_header ip_bad_len short_frame; do
		if ! grep -q "^drop\.$r " "$d/manifest"; then
			echo "manifest has no drop.$r:"
			cat "$d/manifest"
			return 1
		fi
	done
	write_config6 "$d/p.json" c11 "$d/clients.pcap" "$d/out.pcap" "$svc"
	run_app "$d/p.json" c11 "$d/app.log" || return 1
	check --config "$d/p.json" --in "$d/clients.pcap" --out "$d/out.pcap" || return 1
	check_drops "$d/app.log" "$d/manifest"
}

# Case 12: the ratio and smooth sequences over IPv6: ratio 25/75 -> 0,1,1,1
# (TCP), smooth 20/30/50 exact over 100 UDP flows.
case_v6_ratio() {
	local d=$WORK/c12 svc
	mkdir -p "$d"
	svc="[ $(service6 web tcp 80 ratio "fd01::11,80,25 fd01::12,80,75"),
	       $(service6 dns udp 5353 smooth "fd01::21,5353,20 fd01::22,5353,30 fd01::13,5353,50") ]"
	gen6 --out "$d/clients.pcap" --seed 1201 --clients 100 --tcp-flows 40 --udp-flows 100 \
		--requests 1 || return 1
	write_config6 "$d/p.json" c12 "$d/clients.pcap" "$d/out.pcap" "$svc"
	run_app "$d/p.json" c12 "$d/app.log" || return 1
	check --config "$d/p.json" --in "$d/clients.pcap" --out "$d/out.pcap" \
		--pattern web=0,1,1,1 --counts dns=20,30,50 || return 1
	: >"$d/none"
	check_drops "$d/app.log" "$d/none"
}

# Case 13: the checker must reject damaged IPv6 outputs with exit 1 (needs case
# 10's files): a client or server leg's TCP/UDP checksum, hop limit, MAC or
# payload, a lost or doubled packet, a wrong ND count, the input as output.
case_v6_checker_rejects() {
	local d=$WORK/c10 n=0 what out rc
	if [[ ! -s $d/out2.pcap ]]; then
		echo "case 10 produced no output to damage"
		return 1
	fi
	reject6() {
		local label=$1
		shift
		rc=0
		out=$("$CHECK" "$@" 2>&1) || rc=$?
		if [[ $rc -ne 1 ]] || ! grep -q '^FAIL ' <<<"$out"; then
			echo "nc-pcap-check exited $rc on $label (want 1 with FAIL lines):"
			echo "$out" | tail -n 3
			return 1
		fi
		n=$((n + 1))
	}
	for what in l4-csum ttl dst-mac payload drop dup; do
		"$GEN" corrupt --in "$d/out2.pcap" --out "$d/bad-$what.pcap" --what "$what" \
			>/dev/null || return 1
		reject6 "damage '$what'" --config "$d/p2.json" --in "$d/merged.pcap" \
			--out "$d/bad-$what.pcap" || return 1
	done
	reject6 "the unrewritten input as output" --config "$d/p1.json" \
		--in "$d/clients.pcap" --out "$d/clients.pcap" || return 1
	reject6 "wrong --expect-nd" --config "$d/p1.json" --in "$d/clients.pcap" \
		--out "$d/out1.pcap" --expect-nd 2 || return 1
	reject6 "a wrong --pattern" --config "$d/p1.json" --in "$d/clients.pcap" \
		--out "$d/out1.pcap" --pattern web=1,0,0 || return 1
	echo "$n wrong IPv6 outputs rejected"
}

# Case 14: ICMP errors in and out of window (RFC 5927; tests/pcap/icmp_case.py
# makes the traffic and checks every frame out). Pass 1 tells the local ports;
# pass 2 carries the handshakes and held requests, then unreachables and
# packets too big: out of window (past the bytes sent, before the ISN) or of
# no flow (another local port, client port or server), nothing on the wire and
# counted; in window, the fail-safe's move (RST to the old server, SYN to the
# other) and packet too big relayed on both IPv6 legs. A damaged output (a
# frame lost or doubled) must be rejected.
case_icmp_window() {
	local d=$WORK/c14 py svc what rc out
	py=$(cd "$(dirname "$0")" && pwd)/icmp_case.py
	mkdir -p "$d"
	svc="[ $(service web tcp 80 ratio "10.1.0.11:80:50 10.1.0.12:80:50" \
		'"failsafe": { "enabled": true, "response_timeout_ms": 20000, "max_replays": 2, "store_size": 1024 }, '),
	       $(service6 web6 tcp 80 ratio "fd01::11,80,50 fd01::12,80,50") ]"
	# write_config's IPv4 lab with write_config6's IPv6 beside it
	icmp_config() {
		cat >"$1" <<EOF
{
  "eal": { "lcores": "0-1", "huge": "auto", "memory_mb": 256,
           "file_prefix": "${PREFIX_BASE}$2",
           "vdevs": [ "net_pcap0,rx_pcap=$3,tx_pcap=$4" ] },
  "workers": { "lcores": [1] },
  "ports": [ { "name": "p0", "device": "net_pcap0", "ipv4": [ "10.0.0.1/24", "10.1.0.1/24" ],
               "ipv6": [ "fd00::1/64", "fd01::1/64" ], "mac": "$PORT_MAC" } ],
  "neighbors": [
    { "ipv4": "10.0.0.254", "mac": "$GW_MAC" },
    { "ipv4": "10.1.0.11", "mac": "02:00:00:00:01:11" },
    { "ipv4": "10.1.0.12", "mac": "02:00:00:00:01:12" },
    { "ipv6": "fd00::fe", "mac": "$GW_MAC" },
    { "ipv6": "fd01::11", "mac": "02:00:00:00:01:11" },
    { "ipv6": "fd01::12", "mac": "02:00:00:00:01:12" } ],
  "routes": [ { "prefix": "0.0.0.0/0", "via": "10.0.0.254" },
              { "prefix": "::/0", "via": "fd00::fe" } ],
  "limits": { "tcp_timewait_s": 0, "max_flows": 65536 },
  "services": $svc
}
EOF
	}
	python3 "$py" gen1 "$d/syns.pcap" || return 1
	icmp_config "$d/p1.json" c14a "$d/syns.pcap" "$d/out1.pcap"
	run_app "$d/p1.json" c14a "$d/app1.log" || return 1
	python3 "$py" gen2 "$d/out1.pcap" "$d/in2.pcap" || return 1
	icmp_config "$d/p2.json" c14b "$d/in2.pcap" "$d/out2.pcap"
	run_app "$d/p2.json" c14b "$d/app2.log" || return 1
	python3 "$py" check "$d/in2.pcap" "$d/out2.pcap" "$d/app2.log" || return 1
	python3 "$py" expected-drops >"$d/expected" || return 1
	check_drops "$d/app2.log" "$d/expected" || return 1
	for what in drop dup; do
		"$GEN" corrupt --in "$d/out2.pcap" --out "$d/bad-$what.pcap" --what "$what" \
			>/dev/null || return 1
		rc=0
		out=$(python3 "$py" check "$d/in2.pcap" "$d/bad-$what.pcap" "$d/app2.log") || rc=$?
		if [[ $rc -ne 1 ]] || ! grep -q '^FAIL ' <<<"$out"; then
			echo "icmp_case.py exited $rc on damage '$what' (want 1 with FAIL lines)"
			return 1
		fi
	done
	echo "2 damaged outputs rejected"
}

# Case 15: neighbors and sources (tests/pcap/neigh_case.py makes the frames and
# checks what leaves): ARP with bad sender MACs for a server resolved by ARP, a
# gratuitous ARP for the VIP, ARP not for us, a static neighbor's reply, SYNs
# and an echo request from martian sources, from the VIP and from the server,
# impossible TCP flags: nothing learned, answered or forwarded but the one good
# ARP request's reply, every frame under its drop reason.
case_neigh() {
	local d=$WORK/c15 svc py
	py=$(cd "$(dirname "$0")" && pwd)/neigh_case.py
	mkdir -p "$d"
	svc="[ $(service web tcp 80 ratio "10.1.0.31:80:100") ]"
	python3 "$py" gen "$d/in.pcap" || return 1
	write_config "$d/p.json" c15 "$d/in.pcap" "$d/out.pcap" "$svc"
	run_app "$d/p.json" c15 "$d/app.log" || return 1
	python3 "$py" check "$d/in.pcap" "$d/out.pcap" || return 1
	printf '%s\n' "drop.arp_invalid 4" "drop.arp_conflict 1" "drop.arp_not_for_us 1" \
		"drop.neigh_reply_static 1" "drop.src_martian 5" "drop.src_ours 1" \
		"drop.src_server 1" "drop.tcp_bad_flags 3" "drop.neigh_unresolved 1" >"$d/expected"
	check_drops "$d/app.log" "$d/expected" || return 1
	grep '^final neighbors:' "$d/app.log"
}

# Case 16: IPv4 fragments (tests/pcap/frag_case.py cuts the datagrams and joins
# what leaves): UDP requests in fragments in order and reversed reach the
# server whole, one longer than the MTU cut again; pass 2 adds the server's
# fragmented answers, which reach the clients from the VIP; tiny TCP
# fragments counted (RFC 3128), the final fragment counters; the checker
# rejects an output with a frame lost or doubled.
case_frag() {
	local d=$WORK/c16 svc py what rc out
	py=$(cd "$(dirname "$0")" && pwd)/frag_case.py
	mkdir -p "$d"
	svc="[ $(service dns udp 5353 ratio "10.1.0.11:5353:100") ]"
	python3 "$py" gen1 "$d/in1.pcap" || return 1
	write_config "$d/p1.json" c16a "$d/in1.pcap" "$d/out1.pcap" "$svc"
	run_app "$d/p1.json" c16a "$d/app1.log" || return 1
	python3 "$py" check1 "$d/in1.pcap" "$d/out1.pcap" || return 1
	python3 "$py" gen2 "$d/out1.pcap" "$d/in2.pcap" || return 1
	write_config "$d/p2.json" c16b "$d/in2.pcap" "$d/out2.pcap" "$svc"
	# 6 s: the incomplete datagrams' 2 s run out well before the end
	run_app "$d/p2.json" c16b "$d/app2.log" 6 || return 1
	python3 "$py" check2 "$d/in2.pcap" "$d/out2.pcap" || return 1
	python3 "$py" expected-drops >"$d/expected" || return 1
	check_drops "$d/app2.log" "$d/expected" || return 1
	if ! grep -qx 'final fragments: reassembled 4 fragmented 2 out 5' "$d/app2.log"; then
		echo "fragment counters: $(grep '^final fragments' "$d/app2.log")"
		return 1
	fi
	for what in drop dup; do
		"$GEN" corrupt --in "$d/out2.pcap" --out "$d/bad-$what.pcap" --what "$what" \
			>/dev/null || return 1
		rc=0
		out=$(python3 "$py" check2 "$d/in2.pcap" "$d/bad-$what.pcap") || rc=$?
		if [[ $rc -ne 1 ]] || ! grep -q '^FAIL ' <<<"$out"; then
			echo "frag_case.py exited $rc on damage '$what' (want 1 with FAIL lines)"
			return 1
		fi
	done
	echo "2 damaged outputs rejected"
	grep '^final fragments' "$d/app2.log"
}

# Case 17: IPv6 fragments (tests/pcap/frag6_case.py cuts the datagrams and
# joins what leaves): UDP requests in IPv6 fragments in order and reversed
# reach the IPv6 server whole, one longer than the MTU cut again (a
# Fragment header of the appliance's own identification), one to a NAT64
# service reaches the IPv4 server as IPv4 fragments (DF clear), an atomic
# fragment goes on whole; pass 2 adds the servers' fragmented answers (IPv6,
# and IPv4 for NAT64), which reach the clients from the VIPs, cut again to
# the MTU as IPv6 fragments; destination options before each Fragment header
# passed over; tiny TCP fragments and a Fragment header after a hop-by-hop
# header counted; every header field and checksum; the
# final fragment counters; the checker rejects an output with a frame lost
# or doubled.
config_frag6() {
	local file=$1 name=$2 in=$3 out=$4
	cat >"$file" <<EOF
{
  "eal": { "lcores": "0-1", "huge": "auto", "memory_mb": 256,
           "file_prefix": "${PREFIX_BASE}${name}",
           "vdevs": [ "net_pcap0,rx_pcap=$in,tx_pcap=$out" ] },
  "workers": { "lcores": [1] },
  "ports": [ { "name": "p0", "device": "net_pcap0", "ipv4": [ "10.0.0.1/24", "10.1.0.1/24" ],
               "ipv6": [ "fd00::1/64", "fd01::1/64" ], "mac": "$PORT_MAC" } ],
  "neighbors": [
    { "ipv4": "10.0.0.254", "mac": "$GW_MAC" },
    { "ipv4": "10.1.0.11", "mac": "02:00:00:00:01:11" },
    { "ipv6": "fd00::fe", "mac": "$GW_MAC" },
    { "ipv6": "fd01::11", "mac": "02:00:00:00:01:11" } ],
  "routes": [ { "prefix": "0.0.0.0/0", "via": "10.0.0.254" },
              { "prefix": "::/0", "via": "fd00::fe" } ],
  "limits": { "tcp_timewait_s": 0, "max_flows": 65536 },
  "services": [
    { "name": "dns6", "vip": "fd00::100", "port": 5353, "proto": "udp", "local_ips": ["fd01::1"],
      "scheduler": "ratio", "servers": [ { "name": "a", "address": "fd01::11", "port": 5353, "weight": 100 } ] },
    { "name": "dns64", "vip": "fd00::164", "port": 5353, "proto": "udp", "local_ips": ["10.1.0.1"],
      "scheduler": "ratio", "servers": [ { "name": "a", "address": "10.1.0.11", "port": 5353, "weight": 100 } ] } ]
}
EOF
}

case_frag6() {
	local d=$WORK/c17 py what rc out
	py=$(cd "$(dirname "$0")" && pwd)/frag6_case.py
	mkdir -p "$d"
	python3 "$py" gen1 "$d/in1.pcap" || return 1
	config_frag6 "$d/p1.json" c17a "$d/in1.pcap" "$d/out1.pcap"
	run_app "$d/p1.json" c17a "$d/app1.log" || return 1
	python3 "$py" check1 "$d/in1.pcap" "$d/out1.pcap" || return 1
	python3 "$py" gen2 "$d/out1.pcap" "$d/in2.pcap" || return 1
	config_frag6 "$d/p2.json" c17b "$d/in2.pcap" "$d/out2.pcap"
	run_app "$d/p2.json" c17b "$d/app2.log" || return 1
	python3 "$py" check2 "$d/in2.pcap" "$d/out2.pcap" || return 1
	python3 "$py" expected-drops >"$d/expected" || return 1
	check_drops "$d/app2.log" "$d/expected" || return 1
	if ! grep -qx 'final fragments: reassembled 7 fragmented 4 out 9' "$d/app2.log" ||
		! grep -qx 'final fragments6: reassembled 6 fragmented 3 atomic 1' "$d/app2.log"; then
		echo "fragment counters: $(grep '^final fragments' "$d/app2.log")"
		return 1
	fi
	for what in drop dup; do
		"$GEN" corrupt --in "$d/out2.pcap" --out "$d/bad-$what.pcap" --what "$what" \
			>/dev/null || return 1
		rc=0
		out=$(python3 "$py" check2 "$d/in2.pcap" "$d/bad-$what.pcap") || rc=$?
		if [[ $rc -ne 1 ]] || ! grep -q '^FAIL ' <<<"$out"; then
			echo "frag6_case.py exited $rc on damage '$what' (want 1 with FAIL lines)"
			return 1
		fi
	done
	echo "2 damaged outputs rejected"
	grep '^final fragments' "$d/app2.log"
}

# Case 18: SYN cookies (tests/pcap/syncookie_case.py computes them from the
# secret the config gives): SYNs answered with cookies, valid ACKs open flows
# and their servers get SYNs, forged, expired and wrong-MSS-index ACKs dropped
case_syncookie() {
	local d=$WORK/c18 svc py secret
	py=$(cd "$(dirname "$0")" && pwd)/syncookie_case.py
	mkdir -p "$d"
	secret=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
	svc="[ $(service web tcp 80 ratio "10.1.0.11:80:100" '"syn_proxy": "on", ') ]"
	python3 "$py" gen "$d/in.pcap" "$secret" || return 1
	write_config "$d/p.json" c18 "$d/in.pcap" "$d/out.pcap" "$svc" \
		"{ \"tcp_timewait_s\": 0, \"syn_cookie_secret\": \"$secret\" }"
	run_app "$d/p.json" c18 "$d/app.log" || return 1
	python3 "$py" check "$d/in.pcap" "$d/out.pcap" "$d/app.log" "$secret" || return 1
	printf 'drop.syncookie_bad 2\ndrop.syncookie_expired 1\n' >"$d/expected"
	check_drops "$d/app.log" "$d/expected" || return 1
	# the checker is not fooled: another secret's cookies, a payload byte flipped
	local rc=0 out other
	other=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
	out=$(python3 "$py" check "$d/in.pcap" "$d/out.pcap" "$d/app.log" "$other") || rc=$?
	if [[ $rc -ne 1 ]] || ! grep -q '^FAIL .*cookie' <<<"$out"; then
		echo "syncookie_case.py exited $rc with another secret (want 1 with FAIL lines)"
		return 1
	fi
	"$GEN" corrupt --in "$d/out.pcap" --out "$d/bad.pcap" --what l4-csum --packet 1 >/dev/null || return 1
	rc=0
	out=$(python3 "$py" check "$d/in.pcap" "$d/bad.pcap" "$d/app.log" "$secret") || rc=$?
	if [[ $rc -ne 1 ]] || ! grep -q '^FAIL ' <<<"$out"; then
		echo "syncookie_case.py exited $rc on a damaged checksum (want 1 with FAIL lines)"
		return 1
	fi
	echo "2 damaged checks rejected"
}

run_case() {
	local title=$1 fn=$2 log rc=0
	log=$WORK/$fn.log
	"$fn" >"$log" 2>&1 || rc=$?
	if [[ $rc -eq 0 ]]; then
		PASSED=$((PASSED + 1))
		echo "PASS $title"
	else
		FAILED=$((FAILED + 1))
		note "$log"
		echo "FAIL $title"
	fi
}

run_case "1 tcp+udp ratio 30/70 and 50/50, arp, icmp echo, server replies (2 passes)" case_tcp_udp
run_case "2 ratio 25/75 -> 0,1,1,1" case_ratio_25_75
run_case "3 smooth 20/30/50 over 100 flows" case_smooth
run_case "4 malformed packets: drop counters equal the manifest" case_malformed
run_case "5 flow table full (max_flows 8, 16 flows)" case_flow_table_full
run_case "6 nc-pcap-check rejects damaged outputs" case_checker_rejects
run_case "7 udp fail-safe: unanswered requests replayed once to the other server" case_failsafe_udp_replay
run_case "8 maglev 50/30/20: the same server per client in two runs, servers listed in opposite orders" case_maglev
run_case "9 client address: PROXY v1/v2 header segments, shifted legs, a header retransmitted to the reset, TOA, PROXY v2 per datagram" case_client_address
run_case "10 IPv6 two-arm: every field of both legs, ND and echo replies (2 passes)" case_v6_two_arm
run_case "11 IPv6 malformed: drop counters equal the manifest" case_v6_malformed
run_case "12 IPv6 ratio 25/75 -> 0,1,1,1 and smooth 20/30/50 over 100 flows" case_v6_ratio
run_case "13 nc-pcap-check rejects damaged IPv6 outputs" case_v6_checker_rejects
run_case "14 ICMP errors in and out of window: out of window and of no flow counted, nothing on the wire; in window a fail-safe move and packets too big relayed" case_icmp_window
run_case "15 neighbors and sources: bad sender MACs, gratuitous ARP for the VIP, martian sources, impossible TCP flags" case_neigh
run_case "16 IPv4 fragments: reassembled on both legs, cut again to the MTU, tiny, overlapping and never completed fragments counted" case_frag
run_case "17 IPv6 fragments: reassembled on both legs and across NAT64, cut again to the MTU, atomic fragments whole, tiny and misplaced fragments counted" case_frag6
run_case "18 SYN cookies: SYN-ACKs with cookies, valid ACKs open flows, forged, expired and wrong-MSS-index ACKs dropped" case_syncookie

if [[ $FAILED -ne 0 || ${KEEP:-0} == 1 ]]; then
	KEEP_WORK=1
	echo "work directory kept: $WORK"
fi
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
