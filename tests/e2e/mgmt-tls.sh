#!/usr/bin/env bash
# End-to-end test of the management interface over TLS: a throwaway
# self-signed certificate made with openssl, the lab appliance started with
# management.tls_cert/tls_key, then curl (OpenSSL, another TLS stack than the
# server's GnuTLS) checking the certificate with --cacert: reads and changes
# with the bearer token, 401 for a change without it or with a wrong one,
# the dashboard and /metrics over HTTPS; plain HTTP to the TLS port and a
# client that does not trust the certificate get nothing; TLS 1.1 is refused;
# netchestra-ctl with --cacert, $NETCHESTRA_CACERT and --insecure, and its
# hints without them; clients through the VIP served all the while.
# Usage: tests/e2e/mgmt-tls.sh BUILD_DIR
# shellcheck disable=SC2015 # "check && ok ... || bad ...": ok never fails
E2E_NAME=mgmt-tls
# shellcheck source-path=SCRIPTDIR source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh" "$@"

PORT=9443
URL=https://127.0.0.1:$PORT
CTL=$BUILD/app/netchestra-ctl
for b in "$CTL" "$(command -v openssl)" "$(command -v curl)"; do [ -x "$b" ] || e2e_give_up "missing $b"; done
"$LAB" up >"$W/lab.log" 2>&1 || e2e_give_up "lab up failed: $(tail -3 "$W/lab.log")"
TOKEN=$(cat "$ROOT/config/lab.token")

# a self-signed certificate for 127.0.0.1 (curl checks the IP against its subjectAltName)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=netchestra-test \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$W/key.pem" -out "$W/cert.pem" >"$W/openssl.log" 2>&1 ||
	e2e_give_up "openssl could not make a certificate: $(tail -3 "$W/openssl.log")"
jq --arg tok "$ROOT/config/lab.token" --arg c "$W/cert.pem" --arg k "$W/key.pem" --arg l "127.0.0.1:$PORT" \
	'.management = { listen: $l, token_file: $tok, tls_cert: $c, tls_key: $k }' \
	"$ROOT/config/lab.json" >"$W/tls.json"
"$NC_BIN" --check -c "$W/tls.json" >"$W/check.out" 2>&1 || e2e_give_up "--check: $(cat "$W/check.out")"
nc_start "$W/tls.json" "$W/nc.log" || e2e_give_up "the appliance did not start: $(tail -5 "$W/nc.log")"
grep -qxF "management: listening on $URL/" "$W/nc.log" && ok "management: listening on $URL/" ||
	bad "the start line names https" "$W/nc.log"

# clients through the VIP while the API is used over TLS
ip netns exec lab-client "$NC_CLIENT" --json --quiet --target "$LAB_VIP:80" --mode close -c 4 -k 5 \
	--duration 15 --timeout-ms 5000 >"$W/client.json" 2>"$W/client.err" &
LOAD_PID=$!

# api <method> <path> [body] [token] [curl options...]: the status code on stdout, the body in $W/resp
api() {
	local m=$1 p=$2 body=${3:-} tok=${4:-}
	shift 4 2>/dev/null || shift $#
	local args=(-s -o "$W/resp" -w '%{http_code}' -X "$m" --max-time 10 --cacert "$W/cert.pem")
	[ -z "$body" ] || args+=(-H 'Content-Type: application/json' --data-binary "$body")
	[ -z "$tok" ] || args+=(-H "Authorization: Bearer $tok")
	curl "${args[@]}" "$@" "$URL$p"
}
# expect <what> <code> <method> <path> [body] [token] [jq test on the body]
expect() {
	local what=$1 want=$2 got
	got=$(api "$3" "$4" "${5:-}" "${6:-}")
	if [ "$got" = "$want" ] && { [ -z "${7:-}" ] || jq -e "$7" "$W/resp" >/dev/null 2>&1; }; then
		ok "$what: $want $(head -c 120 "$W/resp")"
	else
		echo "got $got: $(head -c 400 "$W/resp")" >"$W/why"
		bad "$what: want $want" "$W/why"
	fi
}

# ---- the API over HTTPS, the token rule as over HTTP ----
expect "GET services with the token" 200 GET /api/v1/services "" "$TOKEN" \
	'[.services[].name] | index("web") != null'
expect "GET services from loopback without a token (reads are free there, as over HTTP)" 200 \
	GET /api/v1/services/web "" "" '.name == "web"'
expect "change without a token" 401 PATCH /api/v1/services/web/servers/n1 '{"weight": 40}' "" \
	'.error == "missing or wrong bearer token"'
expect "change with a wrong token" 401 PATCH /api/v1/services/web/servers/n1 '{"weight": 40}' "x$TOKEN"
expect "change with the token" 200 PATCH /api/v1/services/web/servers/n1 '{"weight": 40}' "$TOKEN" \
	'.weight == 40'
expect "a path over 511 bytes" 414 GET "/api/v1/services/$(printf 'x%.0s' $(seq 520))" "" "" \
	'.error == "request path longer than 511 bytes"'
code=$(curl -s -o "$W/index.html" -w '%{http_code}' --max-time 10 --cacert "$W/cert.pem" "$URL/")
[ "$code" = 200 ] && grep -qi '<html' "$W/index.html" && ok "GET / serves the dashboard over HTTPS" ||
	bad "GET / over HTTPS ($code)"
code=$(curl -s -o "$W/metrics.txt" -w '%{http_code}' --max-time 10 --cacert "$W/cert.pem" "$URL/metrics")
[ "$code" = 200 ] && grep -q '^netchestra_server_requests_total{service="web",server="n0"} ' "$W/metrics.txt" &&
	ok "GET /metrics over HTTPS" || bad "GET /metrics over HTTPS ($code)"

# ---- what is not let in ----
curl -s -o /dev/null --max-time 10 "http://127.0.0.1:$PORT/api/v1/services" 2>"$W/plain.err"
rc=$?
[ "$rc" != 0 ] && ok "plain HTTP to the TLS port gets no answer (curl exit $rc)" ||
	bad "plain HTTP to the TLS port answered"
curl -s -o /dev/null --max-time 10 "$URL/api/v1/services" 2>"$W/noca.err"
rc=$?
[ "$rc" = 60 ] && ok "a client that does not trust the certificate stops (curl exit 60)" ||
	bad "a client without --cacert: curl exit $rc, want 60"
# curl can speak TLS 1.1 (OpenSSL at security level 0): the server must refuse it
curl -s -o /dev/null --max-time 10 --cacert "$W/cert.pem" --tlsv1.1 --tls-max 1.1 \
	--ciphers 'DEFAULT@SECLEVEL=0' "$URL/api/v1/services"
rc=$?
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$W/cert.pem" --tlsv1.2 --tls-max 1.2 \
	"$URL/api/v1/services")
[ "$rc" != 0 ] && [ "$code" = 200 ] && ok "TLS 1.1 refused (curl exit $rc), TLS 1.2 answered" ||
	bad "TLS 1.1 refused (curl exit $rc), TLS 1.2 answered ($code)"
expect "still serving after them" 200 GET /api/v1/events "" "$TOKEN" '.events | type == "array"'

# ---- netchestra-ctl over HTTPS ----
if "$CTL" --url "$URL" --cacert "$W/cert.pem" services >"$W/ctl.txt" 2>&1 &&
	grep -q '^web 10.200.0.1:80/tcp' "$W/ctl.txt"; then
	ok "ctl --cacert services: a table per service"
else
	bad "ctl --cacert services" "$W/ctl.txt"
fi
NETCHESTRA_TOKEN=$TOKEN NETCHESTRA_CACERT=$W/cert.pem "$CTL" --url "$URL" drain web n1 >"$W/ctl.out" 2>&1 &&
	[ "$(api GET /api/v1/services/web/servers/n1 && jq -r .state "$W/resp")" = "200drain" ] &&
	ok "ctl drain over HTTPS with \$NETCHESTRA_CACERT: $(cat "$W/ctl.out")" || bad "ctl drain over HTTPS" "$W/ctl.out"
NETCHESTRA_TOKEN=$TOKEN "$CTL" --url "$URL" --insecure enable web n1 >"$W/ctl.out" 2>&1 &&
	[ "$(api GET /api/v1/services/web/servers/n1 && jq -r .state "$W/resp")" = "200up" ] &&
	ok "ctl --insecure enable: $(cat "$W/ctl.out")" || bad "ctl --insecure enable" "$W/ctl.out"
NETCHESTRA_TOKEN=wrong-token "$CTL" --url "$URL" --cacert "$W/cert.pem" down web n1 >"$W/ctl.out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q 401 "$W/ctl.out" && ok "ctl with a wrong token over HTTPS: exit 1, $(cat "$W/ctl.out")" ||
	bad "ctl with a wrong token over HTTPS: exit 1 (got $rc)" "$W/ctl.out"
"$CTL" --url "$URL" services >"$W/ctl.out" 2>&1
rc=$?
[ "$rc" = 3 ] && grep -q -- "--cacert FILE" "$W/ctl.out" &&
	ok "ctl without --cacert: exit 3 and the way out ($(head -1 "$W/ctl.out"))" || bad "ctl without --cacert (exit $rc)" "$W/ctl.out"
"$CTL" --url "http://127.0.0.1:$PORT" services >"$W/ctl.out" 2>&1
rc=$?
[ "$rc" = 3 ] && grep -q "https://" "$W/ctl.out" &&
	ok "ctl with http:// to the TLS port: exit 3, $(cat "$W/ctl.out")" || bad "ctl with http:// (exit $rc)" "$W/ctl.out"

wait "$LOAD_PID"
jq -e '.requests > 50 and .failed == 0 and .ok == .requests' "$W/client.json" >/dev/null 2>&1 &&
	ok "clients through the VIP meanwhile: $(jq -r '"\(.ok) of \(.requests) answered"' "$W/client.json")" ||
	bad "clients through the VIP meanwhile" "$W/client.json"

nc_stop >/dev/null
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
