#!/usr/bin/env bash
# Fuzz lib/http's HTTP/1.x framing: tests/fuzz/run.sh [SECONDS] (default 60).
# Builds fuzz_http.c straight against lib/http/http.c with clang and libFuzzer
# under AddressSanitizer + UndefinedBehaviorSanitizer (no meson), seeds a
# corpus with a handful of real requests and responses, and runs for SECONDS.
# Ends with one line "N passed, N failed": 1 passed when the fuzzer ran its
# time without a crash, leak, timeout or sanitizer report; else 1 failed, with
# the path of the input that reproduces it (run it again: <binary> <input>).
# Needs clang and its runtime libraries (Debian: clang-14 libclang-rt-14-dev).
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
out=${FUZZ_OUT:-build-fuzz}
result() { echo "$1 passed, $2 failed"; exit "$2"; }

cc=""
for c in clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14; do
	command -v "$c" >/dev/null 2>&1 && { cc=$c; break; }
done
[ -n "$cc" ] || { echo "fuzz: no clang found (scripts/deps.sh installs clang-14)"; result 0 1; }

mkdir -p "$out/corpus" "$out/artifacts" && rm -rf "$out/seeds" && mkdir -p "$out/seeds" || result 0 1
echo "fuzz: building $out/fuzz_http with $cc"
"$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Werror -Ilib/http lib/http/http.c tests/fuzz/fuzz_http.c -o "$out/fuzz_http" ||
	{ echo "fuzz: build failed"; result 0 1; }

# Seeds. The first byte: bit 0 response, bits 1-2 the method answered (GET,
# HEAD, CONNECT, POST), bits 3-5 how the stream is cut, bits 6-7 body skips.
seed() { printf "$2" >"$out/seeds/$1"; }
seed get '\000GET /index.html HTTP/1.1\r\nHost: a.example\r\nAccept: */*\r\n\r\n'
seed post-length '\110POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\nhello world'
seed post-chunked '\150POST /up HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5;n=v\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 1\r\n\r\n'
seed pipelined '\020\r\nGET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nPUT /b HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabcDELETE /c HTTP/1.1\r\nConnection: close, TE\r\n\r\n'
seed websocket '\030GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n'
seed connect '\040CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n'
seed resp-length '\101HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n'
seed resp-chunked '\351HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\n5;x=y\r\npedia\r\n0\r\nExpires: 0\r\n\r\n'
seed resp-close '\011HTTP/1.0 200 OK\r\nServer: old\r\n\r\nto the close'
seed resp-continue '\327HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'
seed resp-head '\003HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n'
seed resp-tunnel '\005HTTP/1.1 200 Connection Established\r\n\r\n\026\003\001\000\005hello'
seed resp-101 '\071HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\nConnection: upgrade\n\n\201\005hello'
# near the line bounds (NC_HTTP_LINE_MAX 8192, NC_HTTP_CHUNK_LINE_MAX 1024)
long=$(printf 'v%.0s' $(seq 8170))
seed long-lines "\030POST / HTTP/1.1\r\nX-Long: $long\r\nTransfer-Encoding: chunked\r\n\r\n3;${long:0:1016}\r\nabc\r\n0\r\n\r\n"

echo "fuzz: running $secs s (corpus $out/corpus, artifacts $out/artifacts)"
before=$(ls "$out/artifacts" | wc -l)
log="$out/fuzz.log"
"$out/fuzz_http" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len=16384 \
	-print_final_stats=1 -artifact_prefix="$out/artifacts/" "$out/corpus" "$out/seeds" >"$log" 2>&1
rc=$?
runs=$(awk '/^stat::number_of_executed_units:/ {print $2}' "$log")
took=$(awk '/^Done [0-9]+ runs in/ {print $5}' "$log")
cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9a-zA-Z]*' "$log" | tail -1)
echo "fuzz: ${runs:-?} runs in ${took:-?} s, ${cov:-no coverage line}"
if [ "$rc" -eq 0 ] && [ "$(ls "$out/artifacts" | wc -l)" -eq "$before" ]; then
	result 1 0
fi
tail -n 60 "$log"
repro=$(ls -t "$out"/artifacts/crash-* "$out"/artifacts/leak-* "$out"/artifacts/timeout-* \
	"$out"/artifacts/oom-* 2>/dev/null | head -1)
echo "fuzz: failed (exit $rc); reproducer: ${repro:-none written}; log: $log"
result 0 1
