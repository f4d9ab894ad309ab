#!/usr/bin/env bash
# The lab's test client on its own, no root and no lab: nc-client's UDP
# retries (--retry-ms) against small UDP servers on 127.0.0.1 that answer
# every request once, never, only its second copy, every copy twice, every
# copy late, or the previous answer again before each -
# requests answered, retries, their answers and duplicates counted exactly, none failing
# a request - and its refusals of bad --retry-ms lines (exit 2, the exact
# line). Then the client's address: nc-backend --proxy-protocol behind small
# relays that open each connection (datagram) with a PROXY v1/v2 header as
# the dispatcher does, nc-client --expect-client-address checking every
# answer; a header naming another port, none at all, a v2 length too short
# for its addresses, and a plain backend reporting its peer. Then IPv6 on ::1:
# nc-backend listening on ::1 beside 127.0.0.1 and on :: (dual-stack),
# nc-client over TCP and UDP to [::1]:PORT checking its own address, the
# PROXY TCP6 and v2 AF_INET6 headers, failure lines naming [::1]:PORT, and
# the refusals of a bare IPv6 target and of mixed families.
# Usage: tests/tools/run.sh BUILD_DIR
# shellcheck disable=SC2015 # "check && ok ... || bad ...": ok never fails
set -uo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
CLIENT=$BUILD/tests/tools/nc-client
W=$(mktemp -d /tmp/nc-tools.XXXXXX)
SRV_PID=
pass=0; fail=0
ok()  { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; [ -z "${2:-}" ] || sed 's/^/    /' "$2" | tail -20; fail=$((fail + 1)); }
srv_stop() { [ -z "$SRV_PID" ] || { kill "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null; }; SRV_PID=; }
trap 'srv_stop; rm -rf "$W"' EXIT
[ -x "$CLIENT" ] || { echo "tools: no $CLIENT (build first)"; echo "0 passed, 1 failed"; exit 1; }
command -v jq >/dev/null || { echo "tools: no jq (scripts/deps.sh)"; echo "0 passed, 1 failed"; exit 1; }

# srv_start <mode>: a UDP server on 127.0.0.1 speaking nc-backend's protocol
# (the answer is "NAME SUM\n", SUM the FNV-1a 64 of the request's bytes):
#   once     every copy of a request answered once
#   silent   nothing answered
#   second   the first copy of each request dropped, later copies answered
#   twice    every copy answered twice
#   slow     every copy answered once, 600 ms after it came
#   prev     every request answered, after the answer to the peer's previous
#            request once more
# Its port in $PORT.
srv_start() {
	rm -f "$W/port"
	python3 - "$1" "$W/port" <<'PY' &
import socket, sys, threading
mode, portfile = sys.argv[1], sys.argv[2]
def fnv(b):
    h = 0xcbf29ce484222325
    for x in b:
        h = ((h ^ x) * 0x100000001b3) & 0xffffffffffffffff
    return h
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(portfile + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(portfile + ".tmp", portfile)
seen, prev = set(), {}
while True:
    req, peer = s.recvfrom(2048)
    answer = b"t0 %016x\n" % fnv(req)
    if mode == "silent":
        continue
    if mode == "second" and req not in seen:
        seen.add(req)
        continue
    if mode == "prev":
        if peer in prev:
            s.sendto(prev[peer], peer)
        prev[peer] = answer
    if mode == "slow":
        threading.Timer(0.6, s.sendto, (answer, peer)).start()
        continue
    for _ in range(2 if mode == "twice" else 1):
        s.sendto(answer, peer)
PY
	SRV_PID=$!
	for _ in $(seq 50); do [ -s "$W/port" ] && break; sleep 0.1; done
	PORT=$(cat "$W/port" 2>/dev/null)
}

# run <name> <nc-client args...>: JSON in $W/<name>.json, exit code in $W/<name>.rc
run() {
	local name=$1
	shift
	timeout 60 "$CLIENT" --json --quiet --target "127.0.0.1:$PORT" --proto udp "$@" \
		>"$W/$name.json" 2>"$W/$name.err"
	echo $? >"$W/$name.rc"
}
# got <name> <jq condition>: the run's JSON satisfies it
got() { jq -e "$2" "$W/$1.json" >/dev/null 2>&1; }
fig() { jq -c '{requests, ok, failed, broken, retries, retry_answers, duplicates, errors}' "$W/$1.json" 2>/dev/null; }

# ---- refusals ----
refuse() {   # refuse <what> <expected stderr line> <args...>
	local what=$1 want=$2 rc
	shift 2
	"$CLIENT" "$@" >"$W/o" 2>&1; rc=$?
	[ "$rc" = 2 ] && [ "$(cat "$W/o")" = "$want" ] && ok "refused: $what" || bad "refused: $what (exit $rc)" "$W/o"
}
refuse "--retry-ms over tcp" "nc-client: --retry-ms is for --proto udp (see --help)" \
	--target 127.0.0.1:9 --retry-ms 100
refuse "--retry-ms not below --timeout-ms" "nc-client: --retry-ms 2000 must be below --timeout-ms 2000 (see --help)" \
	--target 127.0.0.1:9 --proto udp --retry-ms 2000 --timeout-ms 2000
refuse "--retry-ms not a number" "nc-client: bad --retry-ms 'x': expected 0-3600000 (see --help)" \
	--target 127.0.0.1:9 --proto udp --retry-ms x
"$CLIENT" --help | grep -q -- '^  --retry-ms T ' && ok "--help lists --retry-ms" || bad "--help lists --retry-ms"

# ---- behaviour: 2 clients x 3 transactions x 5 requests = 30 requests ----
N=30
srv_start once
run once-noretry -c 2 -k 5 --transactions 3 --timeout-ms 2000
run once-retry -c 2 -k 5 --transactions 3 --timeout-ms 2000 --retry-ms 200
srv_stop
for r in once-noretry once-retry; do
	[ "$(cat "$W/$r.rc")" = 0 ] && got "$r" ".ok == $N and .failed == 0 and .retries == 0 and .duplicates == 0" &&
		ok "answered once ($r): $(fig "$r")" || bad "answered once ($r): $(fig "$r")" "$W/$r.err"
done

srv_start second
run second-close -c 2 -k 5 --transactions 3 --timeout-ms 2000 --retry-ms 200
run second-ka -c 2 -k 5 --transactions 3 --timeout-ms 2000 --retry-ms 200 --mode keepalive
srv_stop
for r in second-close second-ka; do
	[ "$(cat "$W/$r.rc")" = 0 ] && got "$r" ".ok == $N and .failed == 0 and .broken == 0 and .retries == $N and .duplicates == 0" &&
		ok "first copy lost ($r): every request answered after one retry, none failed: $(fig "$r")" ||
		bad "first copy lost ($r): $(fig "$r")" "$W/$r.err"
done

srv_start twice
run twice-close -c 2 -k 5 --transactions 3 --timeout-ms 1000 --retry-ms 500
run twice-ka -c 2 -k 5 --transactions 3 --timeout-ms 1000 --retry-ms 500 --mode keepalive
run twice-noretry -c 1 -k 5 --transactions 1 --timeout-ms 1000 --mode keepalive
srv_stop
for r in twice-close twice-ka; do
	[ "$(cat "$W/$r.rc")" = 0 ] && got "$r" ".ok == $N and .failed == 0 and .broken == 0 and .retries == 0 and .duplicates == $N" &&
		ok "every answer doubled ($r): one duplicate per request, none failed: $(fig "$r")" ||
		bad "every answer doubled ($r): $(fig "$r")" "$W/$r.err"
done
# without --retry-ms an answer to an earlier request is a bad reply, as before
[ "$(cat "$W/twice-noretry.rc")" = 1 ] && got twice-noretry '.failed == 1 and .errors.bad == 1 and .ok == 1' &&
	ok "every answer doubled, no --retry-ms: the stale answer fails the next request (bad): $(fig twice-noretry)" ||
	bad "every answer doubled, no --retry-ms: $(fig twice-noretry)" "$W/twice-noretry.err"

# a server slower than the retry interval answers the request and its copy:
# each retry gets its answer too, and none of them is a duplicate (the client
# asked twice); a server that answers a request sent once twice makes one
srv_start slow
run slow -c 2 -k 2 --transactions 2 --timeout-ms 3000 --retry-ms 400
srv_stop
[ "$(cat "$W/slow.rc")" = 0 ] && got slow '.ok == 8 and .failed == 0 and .retries >= 8 and .retry_answers == .retries and .duplicates == 0' &&
	ok "answered after 600 ms, retried after 400 ms: every request answered, each retry answered too, no duplicate: $(fig slow)" ||
	bad "answered after 600 ms, retried after 400 ms: $(fig slow)" "$W/slow.err"

# the answer to the previous request comes again just before the next one's,
# from one source port for all requests (--source-port-base): whichever socket
# the kernel hands it to, it is a duplicate, not a bad answer
srv_start prev
run prev-close -c 1 -k 5 --transactions 3 --timeout-ms 1000 --retry-ms 500 --source-port-base 47000
run prev-ka -c 1 -k 5 --transactions 3 --timeout-ms 1000 --retry-ms 500 --mode keepalive --source-port-base 47100
srv_stop
for r in prev-close prev-ka; do
	[ "$(cat "$W/$r.rc")" = 0 ] && got "$r" '.ok == 15 and .failed == 0 and .retries == 0 and .duplicates == 14' &&
		ok "the previous answer again before each ($r): 14 duplicates, none failed: $(fig "$r")" ||
		bad "the previous answer again before each ($r): $(fig "$r")" "$W/$r.err"
done

srv_start silent
run silent -c 1 -k 5 --transactions 1 --timeout-ms 1100 --retry-ms 300
srv_stop
[ "$(cat "$W/silent.rc")" = 1 ] && got silent '.requests == 1 and .ok == 0 and .failed == 1 and .errors.timeout == 1 and .retries == 3' &&
	ok "never answered: a timeout after 3 retries (300 ms apart, 1100 ms limit): $(fig silent)" ||
	bad "never answered: $(fig silent)" "$W/silent.err"

# the text report carries both counts
srv_start second
"$CLIENT" --target "127.0.0.1:$PORT" --proto udp -k 2 --transactions 1 --retry-ms 100 >"$W/text" 2>&1
srv_stop
grep -qx 'retries 2 retry_answers 0 duplicates 0' "$W/text" && ok "text report: 'retries 2 retry_answers 0 duplicates 0'" || bad "text report" "$W/text"

# ---- the client's address: nc-backend --proxy-protocol, --expect-client-address ----
BACKEND=$BUILD/tests/tools/nc-backend
BE_PID=; RELAY_PID=
be_stop() {
	[ -z "$RELAY_PID" ] || { kill "$RELAY_PID" 2>/dev/null; wait "$RELAY_PID" 2>/dev/null; }
	[ -z "$BE_PID" ] || { kill "$BE_PID" 2>/dev/null; wait "$BE_PID" 2>/dev/null; }
	RELAY_PID=; BE_PID=
}
trap 'srv_stop; be_stop; rm -rf "$W"' EXIT
BE_TCP=$((20000 + $$ % 20000)); BE_UDP=$((BE_TCP + 1))
# be_wait: the backend's TCP port accepts
be_wait() { for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$BE_TCP") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
# relay_start <tcp|udp> <v1|v2|lie|none> [6]: a relay on 127.0.0.1 (with 6:
# on ::1) in front of the backend that opens each connection (each datagram)
# with the PROXY header of its client's real address - as the dispatcher
# does - or one naming another port (lie), or none. Its port in $PORT.
relay_start() {
	rm -f "$W/port"
	python3 - "$1" "$2" "$BE_TCP" "$BE_UDP" "$W/port" "${3:-4}" <<'PY' &
import os, socket, struct, sys, threading
proto, mode, be_tcp, be_udp, portfile = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
v6 = sys.argv[6] == "6"
fam, here = (socket.AF_INET6, "::1") if v6 else (socket.AF_INET, "127.0.0.1")
def header(peer, dst, udp):
    ip, port = peer[0], peer[1]
    if mode == "lie":
        port = (port + 1) % 65536
    if mode == "none":
        return b""
    if mode == "v1":
        return b"PROXY TCP%d %s %s %d %d\r\n" % (6 if v6 else 4, ip.encode(), dst[0].encode(), port, dst[1])
    if v6:
        return (b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x21, 0x22 if udp else 0x21, 0, 36]) +
                socket.inet_pton(fam, ip) + socket.inet_pton(fam, dst[0]) + struct.pack("!HH", port, dst[1]))
    return (b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x21, 0x12 if udp else 0x11, 0, 12]) +
            socket.inet_aton(ip) + socket.inet_aton(dst[0]) + struct.pack("!HH", port, dst[1]))
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    try:
        b.shutdown(socket.SHUT_WR)
    except OSError:
        pass
def tcp_conn(c, peer, dst):
    s = socket.create_connection(("127.0.0.1", be_tcp))
    s.sendall(header(peer, dst, False))
    t = threading.Thread(target=pipe, args=(s, c), daemon=True)
    t.start()
    pipe(c, s)
    t.join()
    c.close(); s.close()
if proto == "tcp":
    l = socket.socket(fam); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind((here, 0)); l.listen(128)
else:
    l = socket.socket(fam, socket.SOCK_DGRAM); l.bind((here, 0))
open(portfile + ".tmp", "w").write(str(l.getsockname()[1])); os.rename(portfile + ".tmp", portfile)
if proto == "tcp":
    while True:
        c, peer = l.accept()
        threading.Thread(target=tcp_conn, args=(c, peer, l.getsockname()), daemon=True).start()
else:
    back = {}
    def answers(s, peer):
        while True:
            l.sendto(s.recv(65536), peer)
    while True:
        d, peer = l.recvfrom(65536)
        if peer not in back:
            back[peer] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            back[peer].connect(("127.0.0.1", be_udp))
            threading.Thread(target=answers, args=(back[peer], peer), daemon=True).start()
        back[peer].send(header(peer, l.getsockname(), True) + d)
PY
	RELAY_PID=$!
	for _ in $(seq 50); do [ -s "$W/port" ] && break; sleep 0.1; done
	PORT=$(cat "$W/port" 2>/dev/null)
}
# carun <name> <proto> <nc-client args...>: as run, over <proto>, to $HOST
HOST=127.0.0.1
carun() {
	local name=$1 proto=$2
	shift 2
	timeout 60 "$CLIENT" --json --quiet --target "$HOST:$PORT" --proto "$proto" "$@" \
		>"$W/$name.json" 2>"$W/$name.err"
	echo $? >"$W/$name.rc"
}
cafig() { jq -c '{requests, ok, failed, errors, client_addresses_checked}' "$W/$1.json" 2>/dev/null; }

"$BACKEND" --name pp --port "$BE_TCP" --udp-port "$BE_UDP" --proxy-protocol --quiet & BE_PID=$!
if ! be_wait; then
	bad "nc-backend --proxy-protocol did not start"
else
	for m in v1 v2; do
		relay_start tcp "$m"
		carun "ca-tcp-$m" tcp -c 2 -k 3 --transactions 2 --expect-client-address self
		carun "ca-tcp-$m-ka" tcp -c 2 -k 3 --transactions 2 --mode keepalive --expect-client-address 127.0.0.1
		kill "$RELAY_PID"; wait "$RELAY_PID" 2>/dev/null; RELAY_PID=
		for r in "ca-tcp-$m" "ca-tcp-$m-ka"; do
			[ "$(cat "$W/$r.rc")" = 0 ] && got "$r" '.ok == 12 and .failed == 0 and .client_addresses_checked == 12' &&
				ok "tcp PROXY $m: every answer reports the client's address ($r): $(cafig "$r")" ||
				bad "tcp PROXY $m ($r): $(cafig "$r")" "$W/$r.err"
		done
	done
	relay_start udp v2
	carun ca-udp udp -c 2 -k 3 --transactions 2 --expect-client-address self
	kill "$RELAY_PID"; wait "$RELAY_PID" 2>/dev/null; RELAY_PID=
	[ "$(cat "$W/ca-udp.rc")" = 0 ] && got ca-udp '.ok == 12 and .failed == 0 and .client_addresses_checked == 12' &&
		ok "udp PROXY v2: every reply reports the client's address: $(cafig ca-udp)" ||
		bad "udp PROXY v2: $(cafig ca-udp)" "$W/ca-udp.err"
	# a header naming another port, and none at all: the check fails them
	relay_start tcp lie
	carun ca-lie tcp -c 1 -k 3 --transactions 1 --expect-client-address self
	kill "$RELAY_PID"; wait "$RELAY_PID" 2>/dev/null; RELAY_PID=
	[ "$(cat "$W/ca-lie.rc")" = 1 ] && got ca-lie '.ok == 0 and .errors.bad == 1 and .client_addresses_checked == 0' && ok "a header with another port: a bad response: $(cafig ca-lie)" ||
		bad "a header with another port: $(cafig ca-lie)" "$W/ca-lie.err"
	relay_start tcp none
	carun ca-none tcp -c 1 -k 3 --transactions 1 --expect-client-address self
	kill "$RELAY_PID"; wait "$RELAY_PID" 2>/dev/null; RELAY_PID=
	[ "$(cat "$W/ca-none.rc")" = 1 ] && got ca-none '.ok == 0 and .errors.bad == 1' && ok "no header: the backend refuses (400): $(cafig ca-none)" ||
		bad "no header: $(cafig ca-none)" "$W/ca-none.err"
	# the exact answer to a v2 header: the address it names, the sum of the request alone;
	# a v2 header whose length cannot hold its addresses gets 400
	python3 - "$BE_TCP" >"$W/ca-raw" 2>&1 <<'PY'
import socket, struct, sys
port = int(sys.argv[1])
def fnv(b):
    h = 0xcbf29ce484222325
    for x in b:
        h = ((h ^ x) * 0x100000001b3) & 0xffffffffffffffff
    return h
def ask(hdr, req):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(hdr + req)
    out = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
    return out
req = b"GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
sig = b"\r\n\r\n\x00\r\nQUIT\n"
good = sig + bytes([0x21, 0x11, 0, 12]) + bytes([198, 51, 100, 7, 10, 0, 0, 1]) + struct.pack("!HH", 65000, 80)
r = ask(good, req)
assert r.startswith(b"HTTP/1.1 200"), r[:40]
assert b"\r\nX-Client-Address: 198.51.100.7:65000\r\n" in r, r
assert (b"\r\nX-Request-Sum: %016x\r\n" % fnv(req)) in r, r
short = sig + bytes([0x21, 0x11, 0, 8]) + bytes(8)
r = ask(short, req)
assert r.startswith(b"HTTP/1.1 400"), r[:40]
r = ask(b"PROXY TCP4 192.0.2.1 10.0.0.1 1234 80\r\n", req)
assert b"\r\nX-Client-Address: 192.0.2.1:1234\r\n" in r, r
print("ok")
PY
	[ "$(cat "$W/ca-raw")" = ok ] && ok "nc-backend: a v2 header's address and the request's own sum; a v2 length too short for its addresses: 400; v1" ||
		bad "nc-backend raw PROXY headers" "$W/ca-raw"
fi
be_stop
# without --proxy-protocol the backend reports its peer: the client itself
"$BACKEND" --name plain --port "$BE_TCP" --udp-port 0 --quiet & BE_PID=$!
if be_wait; then
	PORT=$BE_TCP
	carun ca-direct tcp -c 1 -k 3 --transactions 2 --expect-client-address self
	carun ca-other tcp -c 1 -k 3 --transactions 1 --expect-client-address 10.9.9.9
	got ca-direct '.ok == 6 and .client_addresses_checked == 6' &&
		ok "no PROXY header: the peer's address is reported and checked: $(cafig ca-direct)" ||
		bad "no PROXY header, direct: $(cafig ca-direct)" "$W/ca-direct.err"
	[ "$(cat "$W/ca-other.rc")" = 1 ] && got ca-other '.ok == 0 and .errors.bad == 1' &&
		ok "--expect-client-address 10.9.9.9 against 127.0.0.1: a bad response: $(cafig ca-other)" ||
		bad "--expect-client-address of another address: $(cafig ca-other)" "$W/ca-other.err"
else
	bad "nc-backend did not start"
fi
be_stop
refuse "--expect-client-address not an address" \
	"nc-client: bad --expect-client-address 'me': expected self or an IPv4 or IPv6 address (see --help)" \
	--target 127.0.0.1:9 --expect-client-address me

# ---- IPv6 on ::1 ----
# a backend on 127.0.0.1 and ::1 (a socket each): the client reaches both,
# over TCP and UDP; the backend reports the IPv6 client as [::1]:PORT
"$BACKEND" --name six --listen 127.0.0.1 --listen ::1 --port "$BE_TCP" --udp-port "$BE_UDP" --quiet & BE_PID=$!
if be_wait; then
	HOST='[::1]'; PORT=$BE_TCP
	carun v6-tcp tcp -c 2 -k 3 --transactions 2 --expect-client-address self
	carun v6-tcp-ka tcp -c 2 -k 3 --transactions 2 --mode keepalive --expect-client-address ::1 --source ::1
	PORT=$BE_UDP
	carun v6-udp udp -c 2 -k 3 --transactions 2
	carun v6-udp-ka udp -c 2 -k 3 --transactions 2 --mode keepalive --source ::1
	HOST=127.0.0.1
	carun v6-beside-v4 udp -c 2 -k 3 --transactions 2
	for r in v6-tcp v6-tcp-ka v6-udp v6-udp-ka v6-beside-v4; do
		[ "$(cat "$W/$r.rc")" = 0 ] && got "$r" '.ok == 12 and .failed == 0 and (.servers | has("six"))' &&
			ok "IPv6: nc-backend --listen 127.0.0.1 --listen ::1, every request answered ($r): $(cafig "$r")" ||
			bad "IPv6 ($r): $(cafig "$r")" "$W/$r.err"
	done
	for r in v6-tcp v6-tcp-ka; do
		got "$r" '.client_addresses_checked == 12' && ok "IPv6: the backend reports [::1]:PORT ($r)" ||
			bad "IPv6: the client address ($r): $(cafig "$r")" "$W/$r.err"
	done
	# failure lines name the IPv6 target and the socket's own address
	"$CLIENT" --target "[::1]:$BE_TCP" -k 1 --transactions 1 --expect-client-address 10.9.9.9 >/dev/null 2>"$W/v6-line"
	grep -Eq "^nc-client: client 0 transaction 0 request 0 to \[::1\]:$BE_TCP from \[::1\]:[0-9]+ at .*: client address reported \[::1\]:[0-9]+, want 10\.9\.9\.9:\* \[bad\]$" "$W/v6-line" &&
		ok "IPv6: a failure line names [::1]:PORT, to and from" || bad "IPv6: the failure line" "$W/v6-line"
else
	bad "nc-backend --listen 127.0.0.1 --listen ::1 did not start"
fi
be_stop
# a backend on :: takes IPv4 too, and reports an IPv4 client as such
"$BACKEND" --name dual --listen :: --port "$BE_TCP" --udp-port "$BE_UDP" --quiet & BE_PID=$!
if be_wait; then
	PORT=$BE_TCP
	HOST=127.0.0.1 carun dual-v4 tcp -c 1 -k 3 --transactions 2 --expect-client-address 127.0.0.1
	HOST='[::1]' carun dual-v6 tcp -c 1 -k 3 --transactions 2 --expect-client-address self
	PORT=$BE_UDP
	HOST=127.0.0.1 carun dual-v4-udp udp -c 1 -k 3 --transactions 2
	HOST='[::1]' carun dual-v6-udp udp -c 1 -k 3 --transactions 2
	for r in dual-v4 dual-v6 dual-v4-udp dual-v6-udp; do
		[ "$(cat "$W/$r.rc")" = 0 ] && got "$r" '.ok == 6 and .failed == 0' &&
			ok "IPv6: nc-backend --listen :: answers IPv4 and IPv6 ($r): $(cafig "$r")" ||
			bad "IPv6: --listen :: ($r): $(cafig "$r")" "$W/$r.err"
	done
else
	bad "nc-backend --listen :: did not start"
fi
be_stop
# PROXY TCP6 and v2 AF_INET6 headers from a relay on ::1
"$BACKEND" --name pp6 --port "$BE_TCP" --udp-port "$BE_UDP" --proxy-protocol --quiet & BE_PID=$!
if be_wait; then
	HOST='[::1]'
	for m in v1 v2; do
		relay_start tcp "$m" 6
		carun "ca6-tcp-$m" tcp -c 2 -k 3 --transactions 2 --expect-client-address self
		kill "$RELAY_PID"; wait "$RELAY_PID" 2>/dev/null; RELAY_PID=
	done
	relay_start udp v2 6
	carun ca6-udp udp -c 2 -k 3 --transactions 2 --expect-client-address self
	kill "$RELAY_PID"; wait "$RELAY_PID" 2>/dev/null; RELAY_PID=
	HOST=127.0.0.1
	for r in ca6-tcp-v1 ca6-tcp-v2 ca6-udp; do
		[ "$(cat "$W/$r.rc")" = 0 ] && got "$r" '.ok == 12 and .failed == 0 and .client_addresses_checked == 12' &&
			ok "IPv6 PROXY header: every answer reports [::1]:PORT ($r): $(cafig "$r")" ||
			bad "IPv6 PROXY header ($r): $(cafig "$r")" "$W/$r.err"
	done
	python3 - "$BE_TCP" >"$W/ca6-raw" 2>&1 <<'PY'
import socket, struct, sys
port = int(sys.argv[1])
def ask(hdr, req):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(hdr + req)
    out = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
    return out
req = b"GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
sig = b"\r\n\r\n\x00\r\nQUIT\n"
a6 = lambda s: socket.inet_pton(socket.AF_INET6, s)
r = ask(sig + bytes([0x21, 0x21, 0, 36]) + a6("2001:db8::7") + a6("fd00:200::1") + struct.pack("!HH", 65000, 80), req)
assert b"\r\nX-Client-Address: [2001:db8::7]:65000\r\n" in r, r
r = ask(sig + bytes([0x21, 0x21, 0, 12]) + bytes(12), req)
assert r.startswith(b"HTTP/1.1 400"), r[:40]
r = ask(b"PROXY TCP6 2001:db8:0:0::9 fd00:200::1 1234 80\r\n", req)
assert b"\r\nX-Client-Address: [2001:db8::9]:1234\r\n" in r, r
r = ask(b"PROXY TCP6 192.0.2.1 fd00:200::1 1234 80\r\n", req)
assert r.startswith(b"HTTP/1.1 400"), r[:40]
print("ok")
PY
	[ "$(cat "$W/ca6-raw")" = ok ] && ok "nc-backend: a v2 AF_INET6 header's address, a TCP6 line's in canonical form; a length too short, an IPv4 address in TCP6: 400" ||
		bad "nc-backend raw IPv6 PROXY headers" "$W/ca6-raw"
else
	bad "nc-backend --proxy-protocol did not start"
fi
be_stop
refuse "an IPv6 target without brackets" \
	"nc-client: bad --target '::1:80': expected IPv4:PORT or [IPv6]:PORT[,...] (see --help)" --target ::1:80
refuse "--source of another family than the target" \
	"nc-client: --source and --target mix IPv4 and IPv6 (see --help)" --target '[::1]:9' --source 127.0.0.1
"$BACKEND" --name x --listen '[::1]' >"$W/o" 2>&1
[ $? = 2 ] && [ "$(cat "$W/o")" = "nc-backend: bad --listen '[::1]': expected an IPv4 or IPv6 address (see --help)" ] &&
	ok "refused: nc-backend --listen with brackets" || bad "refused: nc-backend --listen with brackets" "$W/o"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
