#!/usr/bin/env bash
# Netchestra's test command: installs the Debian packages it needs, prepares
# hugepages (falls back to --no-huge), builds, and runs every test suite:
#   unit (cmocka), unit under AddressSanitizer + UBSan, libFuzzer targets (the
#   HTTP/1.x parser, the startup file, the cluster channel, the worker's receive
#   path, the management API, flow sync's records: their corpora replayed, then fuzzed), cli, the test client's retries, the cluster lab's scripts (BIRD rendering, startup
#   files, shellcheck), pcap replays,
#   end to end with real clients and servers in the namespace lab, the
#   appliance on AF_XDP ports where the kernel allows them, the cluster lab on
#   AF_PACKET ports (forwarding, also on AF_PACKET ports,
#   adaptive weights and health probes, transaction fail-safe, the demo,
#   independent clients and servers with the fail-safe on and off, the
#   client's address through PROXY headers at nginx and HAProxy, path MTU
#   discovery through the NAT behind narrower hops, management
#   API / metrics / netchestra-ctl / SIGHUP / dashboard in headless Chromium,
#   the management API over TLS, spoofed SYN and UDP floods from an attacker
#   in the lab with the limits (and the SYN proxy) on and off,
#   several dispatchers behind a router with BGP, BFD and ECMP, adaptive
#   weights agreed by two of them, and nothing lost when one of them dies).
# Ends with one summary line "N passed, N failed"; exits non-zero on any failure.
# As root (sudo where it is installed).
set -uo pipefail
[ "$(id -u)" = 0 ] || { echo "test: run as root (sudo where it is installed): it installs packages, reserves hugepages and creates network namespaces" >&2; exit 1; }
# shellcheck disable=SC2164 # the tree this script is in: it exists
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ASAN_BUILD=${ASAN_BUILD:-build-asan}

log() { printf '\n== %s\n' "$*"; }

# ---- packages -------------------------------------------------------------
scripts/deps.sh || exit 1

# ---- hugepages ------------------------------------------------------------
scripts/hugepages.sh 512 || echo "test.sh: no hugepages here; the appliance runs with --no-huge"

# ---- build ----------------------------------------------------------------
log "build ($BUILD)"
if [ -f "$BUILD/build.ninja" ]; then meson setup --reconfigure "$BUILD" >/dev/null; else meson setup "$BUILD" >/dev/null; fi || exit 1
ninja -C "$BUILD" || exit 1

passed=0; failed=0
count() {   # count <suite> <passed> <failed>
	printf '%-10s %s passed, %s failed\n' "$1" "$2" "$3" >>"$SUMMARY"
	passed=$((passed + $2)); failed=$((failed + $3))
}
SUMMARY=$(mktemp)
trap 'rm -f "$SUMMARY"' EXIT

# meson test output -> counts ("Ok: N", "Fail: N", "Timeout: N")
meson_suite() {   # meson_suite <name> <builddir> <meson test args...>
	local name=$1 dir=$2; shift 2
	local out; out=$(mktemp)
	meson test -C "$dir" --print-errorlogs "$@" 2>&1 | tee "$out"
	local ok fail to
	ok=$(awk '/^Ok:/ {print $2}' "$out"); fail=$(awk '/^Fail:/ {print $2}' "$out")
	to=$(awk '/^Timeout:/ {print $2}' "$out")
	[ -n "$ok" ] || { ok=0; fail=1; }
	count "$name" "${ok:-0}" "$(( ${fail:-0} + ${to:-0} ))"
	rm -f "$out"
}

log "unit tests"
meson_suite unit "$BUILD" --suite unit

log "unit tests under AddressSanitizer + UndefinedBehaviorSanitizer ($ASAN_BUILD)"
# shellcheck disable=SC2015 # "... && meson_suite || count": meson_suite ends with rm -f, it does not fail
if [ -f "$ASAN_BUILD/build.ninja" ]; then
	meson setup --reconfigure "$ASAN_BUILD" >/dev/null
else
	meson setup "$ASAN_BUILD" -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi && ninja -C "$ASAN_BUILD" >/dev/null &&
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
	meson_suite unit-asan "$ASAN_BUILD" --suite unit ||
	count unit-asan 0 1

out=$(mktemp)
log "fuzz: every libFuzzer target's corpus replayed, then fuzzed (HTTP/1.x framing 60 s; the startup file, the cluster channel, the worker's receive path, the management API, flow sync's records 20 s each; ASan + UBSan)"
tests/fuzz/run.sh 2>&1 | tee "$out"
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
count fuzz "${p:-0}" "${f:-1}"

log "command line"
tests/cli/run.sh "$BUILD" 2>&1 | tee "$out"
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
count cli "${p:-0}" "${f:-1}"

log "test tools: nc-client's UDP retries and duplicates against small local servers"
tests/tools/run.sh "$BUILD" 2>&1 | tee "$out"
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
count tools "${p:-0}" "${f:-1}"

log "scripts: BIRD configurations rendered, the cluster's startup files, shellcheck"
tests/scripts/run.sh "$BUILD" 2>&1 | tee "$out"
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
count scripts "${p:-0}" "${f:-1}"

log "pcap replays"
tests/pcap/run.sh "$BUILD" 2>&1 | tee "$out"
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
count pcap "${p:-0}" "${f:-1}"

# shellcheck source-path=SCRIPTDIR source=lab-ports.sh
. scripts/lab-ports.sh
why=$(lab_xdp_why)
log "end to end (namespace lab, the appliance on AF_XDP ports where the kernel allows them)"
tests/e2e/run.sh "$BUILD" 2>&1 | tee "$out"
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
count e2e "${p:-0}" "${f:-1}"
if [ -n "$why" ]; then
	echo "e2e: AF_XDP not available here ($why): every suite runs on net_af_packet" | tee -a "$SUMMARY"
elif grep -q '^lab ports: net_af_xdp$' "$out" && ! grep -q '^AF_XDP not available here' "$out"; then
	echo "e2e: ran on net_af_xdp ports" | tee -a "$SUMMARY"
else
	echo "e2e: fell back to net_af_packet: $(grep -m1 -h 'AF_XDP not available here' "$out")" | tee -a "$SUMMARY"
fi

if [ -z "$why" ]; then
	log "end to end on AF_PACKET ports: the same suite with the appliance on net_af_packet, the fallback (namespace lab)"
	NC_LAB_PORTS=packet tests/e2e/run.sh "$BUILD" 2>&1 | tee "$out"
	read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
	count e2e-packet "${p:-0}" "${f:-1}"
fi

log "end to end: adaptive weights and health probes (namespace lab)"
tests/e2e/adaptive.sh "$BUILD" 2>&1 | tee "$out"
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
count e2e-adaptive "${p:-0}" "${f:-1}"

log "end to end: transaction fail-safe over UDP, TCP and TCP keep-alive (namespace lab)"
tests/e2e/failsafe.sh "$BUILD" 2>&1 | tee "$out"
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
count e2e-failsafe "${p:-0}" "${f:-1}"

log "end to end: the demo, a server killed and one frozen under the fail-safe (namespace lab)"
tests/e2e/demo.sh "$BUILD" 2>&1 | tee "$out"
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
count e2e-demo "${p:-0}" "${f:-1}"

log "end to end: independent clients and servers with the fail-safe on and off (namespace lab)"
tests/e2e/interop.sh "$BUILD" 2>&1 | tee "$out"
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
count e2e-interop "${p:-0}" "${f:-1}"

log "end to end: the client's address at nginx, HAProxy and nc-backend through PROXY v1/v2 (namespace lab)"
tests/e2e/proxy.sh "$BUILD" 2>&1 | tee "$out"
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
count e2e-proxy "${p:-0}" "${f:-1}"

log "end to end: Linux TCP through SYN cookies, syn_proxy on (namespace lab)"
tests/e2e/synproxy.sh "$BUILD" 2>&1 | tee "$out"
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
count e2e-synproxy "${p:-0}" "${f:-1}"

log "end to end: IPv6 and NAT64 with ping -6, curl -6, wrk, Python http.client and nc-client (namespace lab)"
tests/e2e/ipv6.sh "$BUILD" 2>&1 | tee "$out"
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
count e2e-ipv6 "${p:-0}" "${f:-1}"

log "end to end: path MTU discovery through the NAT, nginx and http.server behind narrower hops, IPv4 and IPv6 (namespace lab)"
tests/e2e/pmtu.sh "$BUILD" 2>&1 | tee "$out"
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
count e2e-pmtu "${p:-0}" "${f:-1}"

log "end to end: spoofed SYN and UDP floods from lab-attacker against the limits (and the SYN proxy), and without them (namespace lab)"
tests/e2e/flood.sh "$BUILD" 2>&1 | tee "$out"
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
count e2e-flood "${p:-0}" "${f:-1}"

log "end to end: management API, metrics, netchestra-ctl, SIGHUP, dashboard (namespace lab)"
# the dashboard test's browser driver (playwright-core, pinned in package-lock.json)
[ -d tests/dashboard/node_modules/playwright-core ] ||
	(cd tests/dashboard && npm ci --no-audit --no-fund --loglevel=error) ||
	echo "test.sh: npm ci in tests/dashboard failed; the dashboard check will fail"
tests/e2e/mgmt.sh "$BUILD" 2>&1 | tee "$out"
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
count e2e-mgmt "${p:-0}" "${f:-1}"

log "end to end: the management interface over TLS, curl and netchestra-ctl (namespace lab)"
tests/e2e/mgmt-tls.sh "$BUILD" 2>&1 | tee "$out"
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
count e2e-mgmt-tls "${p:-0}" "${f:-1}"

log "end to end: several dispatchers behind a router, BGP + BFD + ECMP (namespace lab)"
tests/e2e/cluster.sh "$BUILD" 2>&1 | tee "$out"
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
count e2e-cluster "${p:-0}" "${f:-1}"

log "end to end: adaptive weights in a cluster of two dispatchers behind a router (namespace lab)"
tests/e2e/cluster-adaptive.sh "$BUILD" 2>&1 | tee "$out"
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
count e2e-cluster-adaptive "${p:-0}" "${f:-1}"

log "end to end: nothing lost when a dispatcher is killed, restarted, frozen or cut off, or its paths lose segments, sync off as the control (namespace lab)"
tests/e2e/cluster-sync.sh "$BUILD" 2>&1 | tee "$out"
read -r p f < <(awk '/^[0-9]+ passed, [0-9]+ failed$/ {print $1, $3}' "$out")
count e2e-cluster-sync "${p:-0}" "${f:-1}"
rm -f "$out"

log "summary"
cat "$SUMMARY"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
