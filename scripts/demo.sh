#!/usr/bin/env bash
# Netchestra's main job, in one command on a fresh machine:
#
#   sudo ./scripts/demo.sh [--seconds 30] [--clients 6] [--loops a,b,c]
#                          [--adaptive paper|fast|off] [--one-arm]
#
# Installs what is missing, builds, brings up the namespace lab (scripts/lab.sh:
# a client namespace, three server namespaces running nc-backend), starts the
# appliance on config/lab.json, drives nc-client transactions (5 requests each,
# a new TCP connection per request) through the VIP for --seconds while a live
# per-server view updates, prints a summary and tears everything down on exit
# or Ctrl-C. --loops sets each server's per-request cost (the paper's Table 2
# spins 100000 / 10000000 / 100000000 times). --adaptive picks the weight
# controller (default paper: the slowest server -1, the fastest +1 each second).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
SECONDS_RUN=30
CLIENTS=6
LOOPS=100000,1000000,4000000
ARM=
ADAPTIVE=paper
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) SECONDS_RUN=${2:?}; shift ;;
	--clients) CLIENTS=${2:?}; shift ;;
	--loops) LOOPS=${2:?}; shift ;;
	--one-arm) ARM=--one-arm ;;
	--adaptive) ADAPTIVE=${2:?}; shift ;;
	-h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
[[ $SECONDS_RUN =~ ^[0-9]+$ ]] && [ "$SECONDS_RUN" -ge 1 ] || { echo "demo: --seconds wants a whole number >= 1" >&2; exit 2; }
[[ $CLIENTS =~ ^[0-9]+$ ]] && [ "$CLIENTS" -ge 1 ] || { echo "demo: --clients wants a whole number >= 1" >&2; exit 2; }
case $ADAPTIVE in paper|fast|off) ;; *) echo "demo: --adaptive wants paper, fast or off" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "demo: run as root (sudo ./scripts/demo.sh): it creates network namespaces" >&2; exit 1; }

cd "$ROOT"
step() { printf '\n== %s\n' "$*"; }
step "packages"
scripts/deps.sh || exit 1
step "build"
{ [ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null; } && ninja -C "$BUILD" >/dev/null || exit 1
echo "built $BUILD/app/netchestra"
scripts/hugepages.sh 256 || echo "no hugepages here: the appliance runs with --no-huge"

export BUILD
# shellcheck source=lab-lib.sh
. "$ROOT/scripts/lab-lib.sh"
W=$(mktemp -d /tmp/nc-demo.XXXXXX)
CLIENT_PID=
cleanup() {
	[ -z "$CLIENT_PID" ] || kill "$CLIENT_PID" 2>/dev/null
	nc_stop >/dev/null 2>&1
	"$ROOT/scripts/lab.sh" down >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted, tearing down"; exit 130' INT TERM

step "lab"
scripts/lab.sh up $ARM --loops "$LOOPS" || exit 1
BASE=$ROOT/config/lab.json
[ -z "$ARM" ] || BASE=$ROOT/config/lab-one-arm.json
CFG=$W/demo.json
# the management interface on loopback, with the token lab.sh made
MGMT=".management = { listen: \"127.0.0.1:9180\", token_file: \"$ROOT/config/lab.token\" }"
if [ "$ADAPTIVE" = off ]; then
	jq "$MGMT | .services[0].adaptive.enabled = false" "$BASE" >"$CFG"
else
	jq --arg m "$ADAPTIVE" "$MGMT"' | .services[0].adaptive = { enabled: true, mode: $m, interval_ms: 1000,
		step: 1, min_weight: 1 }' "$BASE" >"$CFG"
fi
step "appliance ($BASE, web weights: $ADAPTIVE)"
nc_start "$CFG" "$W/netchestra.log" || exit 1
grep '^port \|^management' "$W/netchestra.log"
echo "dashboard: http://127.0.0.1:9180/ (token: config/lab.token); build/app/netchestra-ctl services"

step "traffic: $CLIENTS clients, 5-request transactions, ${SECONDS_RUN} s"
nc_client --target "$LAB_VIP:80" --proto tcp --mode close -c "$CLIENTS" -k 5 \
	--duration "$SECONDS_RUN" --timeout-ms 10000 --live "$W/live.jsonl" >"$W/client.txt" 2>&1 &
CLIENT_PID=$!

# One screen per second: the appliance's weights and shares (its status line)
# beside what the clients measured per server (nc-client --live).
view() {
	local status live t
	status=$(nc_status "$W/netchestra.log" web)
	live=$(tail -n 1 "$W/live.jsonl" 2>/dev/null)
	[ -n "$live" ] || live='{}'
	t=$(jq -r '.t // 0 | floor' <<<"$live")
	[ -t 1 ] && printf '\033[H\033[J'
	printf 'Netchestra demo - service web, VIP %s:80 - %s clients - %ss of %ss\n\n' \
		"$LAB_VIP" "$CLIENTS" "$t" "$SECONDS_RUN"
	printf '%-6s %-18s %7s %8s %9s %10s\n' server address weight share 'req/s' 'resp ms'
	for i in 0 1 2; do
		local n=n$i w share rps ms
		w=$(sed -n "s/.* $n w\([0-9]*\) .*/\1/p" <<<"$status")
		share=$(sed -n "s/.* $n w[0-9]* \([0-9.]*%\).*/\1/p" <<<"$status")
		rps=$(jq -r --arg n "$n" '.servers[$n].rps // 0 | . * 10 | round / 10' <<<"$live")
		ms=$(jq -r --arg n "$n" '.servers[$n].avg_ms // 0 | . * 100 | round / 100' <<<"$live")
		printf '%-6s %-18s %7s %8s %9s %10s\n' "$n" "${LAB_SERVERS[$i]}:8080" "${w:--}" "${share:--}" "$rps" "$ms"
	done
	printf '\n%s\n' "$(jq -r '"total \(.rps // 0 | round) req/s   answered \(.ok // 0)   broken transactions \(.broken // 0)"' <<<"$live")"
	printf 'appliance: %s\n' "$(sed 's/^\[ *\([0-9.]*s\)\] web: /\1 /' <<<"$status")"
}
[ -t 1 ] && printf '\033[H\033[J'
while kill -0 "$CLIENT_PID" 2>/dev/null; do
	view
	sleep 1
done
wait "$CLIENT_PID"
CLIENT_PID=
view

step "summary"
cat "$W/client.txt"
nc_stop
echo
grep -E '^final (service|port)' "$W/netchestra.log"
