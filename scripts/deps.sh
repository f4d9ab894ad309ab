#!/usr/bin/env bash
# Install the Debian packages Netchestra needs that are missing.
#   scripts/deps.sh            build, unit, fuzz, pcap and end-to-end tests, the demo
#                              (GnuTLS to check the management API's TLS pair,
#                              bird2 for the cluster lab's BGP and BFD,
#                              prometheus for promtool, chromium for the dashboard test,
#                              clang and its runtime libraries for libFuzzer; nginx,
#                              lighttpd, socat, redis, h2load, ab and openssl for the
#                              interop suite's independent clients and servers,
#                              haproxy and dnsdist for the client-address suite)
#   scripts/deps.sh --peers    also the load balancers the benchmarks compare with
#                              (and valgrind for bench-instructions.sh)
# Services in installed packages (nginx, lighttpd, redis, haproxy, dnsdist) are not
# started: the tests and benchmarks run them with their own configuration.
set -uo pipefail
PKGS="dpdk dpdk-dev libdpdk-dev libjansson-dev libnuma-dev libpcap-dev libcmocka-dev
      libmicrohttpd-dev libgnutls28-dev libcurl4-openssl-dev libssl-dev
      meson ninja-build pkg-config gcc python3 iproute2 ethtool iputils-ping curl wrk jq procps
      clang-14 libclang-rt-14-dev prometheus chromium
      nginx-light lighttpd socat redis-server redis-tools nghttp2-client apache2-utils openssl
      bird2 haproxy dnsdist nftables"
# Node.js for the dashboard's browser test: Debian's unless one is installed
command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"
[ "${1:-}" != --peers ] || PKGS="$PKGS libnginx-mod-stream iptables gnuplot-nox valgrind"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -n "$missing" ] || exit 0
echo "deps: installing$missing"
[ "$(id -u)" = 0 ] || { echo "deps: run as root (sudo where it is installed): it installs$missing" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
# keep package scripts from starting services while installing
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
fi
ok=0
# shellcheck disable=SC2086 # missing: one word per package
apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null && ok=1
[ "$made_policy" = 0 ] || rm -f "$policy"
[ "$ok" = 1 ] || { echo "deps: cannot install:$missing" >&2; exit 1; }
