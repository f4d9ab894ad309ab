#!/usr/bin/env bash
# Netchestra's main job, in one command on a fresh machine, as root (sudo where
# it is installed):
#
#   ./scripts/demo.sh [options]
#
# Installs what is missing, builds, brings up the namespace lab (scripts/lab.sh:
# a client namespace, three server namespaces running nc-backend), starts the
# appliance on config/lab.json with the transaction fail-safe and client
# affinity on, and drives nc-client transactions (5 requests each) through the
# VIP while a live view updates every second: each server's state, weight and
# share from the appliance, the requests/s and response time the clients
# measured, the requests the fail-safe holds and replays per second, the
# appliance's fail-over log lines as they occur, and the clients' count of
# broken transactions. Mid-run, as the paper's figure 9 experiment, server n1
# is killed (SIGKILL) and later n2 is frozen (SIGSTOP), leaving n0. The summary
# puts beside the run what a short second run on a fresh lab, the same failure
# at the same relative time with the fail-safe off, broke. Everything is torn
# down on exit or Ctrl-C.
#
#   --seconds N          length of the run (default 30)
#   --clients N          client threads, each from its own lab address (default 6)
#   --protocol P         tcp: a new TCP connection per request (service web, :80);
#                        keepalive: one connection per transaction (web);
#                        udp: a socket per request (service dns, :5353) (default tcp)
#   --loops a,b,c        per-request cost of n0, n1, n2 in loop turns (default
#                        100000,1000000,4000000; the paper's Table 2 spins
#                        100000 / 10000000 / 100000000)
#   --adaptive M         weight controller: paper (every second the slowest
#                        server -1, the fastest +1), fast or off (default paper)
#   --failsafe on|off    the transaction fail-safe: response limit 1000 ms,
#                        2 replays per request (default on; off shows the breakage)
#   --affinity on|off    client affinity, 30 s (default on: a client address stays
#                        with its server, so shares follow the weights only as
#                        clients move)
#   --fail-at S          kill n1 with SIGKILL S seconds in (default a third of the
#                        run; 0: never)
#   --freeze-at S        freeze n2 with SIGSTOP S seconds in, after --fail-at
#                        (default two thirds of the run; 0: never); it is
#                        resumed (SIGCONT) when the clients are done
#   --compare on|off     after the run, the same failure with the fail-safe off on
#                        a fresh lab for a third of --seconds (at least 6 s), its
#                        broken transactions in the summary (default on)
#   --record FILE        append every frame of the live view to FILE as plain
#                        text, each after a line with its time
#   --one-arm            clients, servers and the appliance's one port on one bridge
#   -h, --help           this text
#
# Exit 0 when the run went through and, with the fail-safe on, no transaction
# broke; 1 otherwise; 2 for a bad option.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
SECONDS_RUN=30
CLIENTS=6
PROTOCOL=tcp
LOOPS=100000,1000000,4000000
ARM=
ADAPTIVE=paper
FAILSAFE=on
AFFINITY=on
FAIL_AT=
FREEZE_AT=
COMPARE=on
RECORD=

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
bad_usage() { echo "demo: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--seconds|--clients|--protocol|--loops|--adaptive|--failsafe|--affinity|--fail-at|--freeze-at|--compare|--record)
		[ $# -ge 2 ] || bad_usage "$1 wants a value (see --help)" ;;
	esac
	case $1 in
	--seconds) SECONDS_RUN=$2; shift ;;
	--clients) CLIENTS=$2; shift ;;
	--protocol) PROTOCOL=$2; shift ;;
	--loops) LOOPS=$2; shift ;;
	--adaptive) ADAPTIVE=$2; shift ;;
	--failsafe) FAILSAFE=$2; shift ;;
	--affinity) AFFINITY=$2; shift ;;
	--fail-at) FAIL_AT=$2; shift ;;
	--freeze-at) FREEZE_AT=$2; shift ;;
	--compare) COMPARE=$2; shift ;;
	--record) RECORD=$2; shift ;;
	--one-arm) ARM=--one-arm ;;
	-h|--help) usage; exit 0 ;;
	*) bad_usage "unknown option $1 (see --help)" ;;
	esac
	shift
done
whole() { [[ $2 =~ ^[0-9]+$ ]] && [ "$2" -ge "$3" ] || bad_usage "$1 wants a whole number >= $3, got '$2'"; }
whole --seconds "$SECONDS_RUN" 1
whole --clients "$CLIENTS" 1
[ -n "$FAIL_AT" ] || FAIL_AT=$((SECONDS_RUN / 3))
[ -n "$FREEZE_AT" ] || FREEZE_AT=$((SECONDS_RUN * 2 / 3))
whole --fail-at "$FAIL_AT" 0
whole --freeze-at "$FREEZE_AT" 0
[ "$FAIL_AT" -lt "$SECONDS_RUN" ] || bad_usage "--fail-at $FAIL_AT is not within the run (--seconds $SECONDS_RUN; 0 for never)"
[ "$FREEZE_AT" -lt "$SECONDS_RUN" ] || bad_usage "--freeze-at $FREEZE_AT is not within the run (--seconds $SECONDS_RUN; 0 for never)"
[ "$FAIL_AT" = 0 ] || [ "$FREEZE_AT" = 0 ] || [ "$FREEZE_AT" -gt "$FAIL_AT" ] ||
	bad_usage "--freeze-at $FREEZE_AT must come after --fail-at $FAIL_AT (0 for never)"
case $PROTOCOL in tcp|udp|keepalive) ;; *) bad_usage "--protocol wants tcp, udp or keepalive" ;; esac
case $ADAPTIVE in paper|fast|off) ;; *) bad_usage "--adaptive wants paper, fast or off" ;; esac
case $FAILSAFE in on|off) ;; *) bad_usage "--failsafe wants on or off" ;; esac
case $AFFINITY in on|off) ;; *) bad_usage "--affinity wants on or off" ;; esac
case $COMPARE in on|off) ;; *) bad_usage "--compare wants on or off" ;; esac
[[ $LOOPS =~ ^[0-9]+(,[0-9]+){0,2}$ ]] || bad_usage "--loops wants N or a,b,c, got '$LOOPS'"
if [ -n "$RECORD" ]; then
	case $RECORD in /*) ;; *) RECORD=$PWD/$RECORD ;; esac
	: >>"$RECORD" || bad_usage "--record: cannot write $RECORD"
fi
[ "$(id -u)" = 0 ] || { echo "demo: run as root (sudo where it is installed): it creates network namespaces" >&2; exit 1; }

cd "$ROOT" || exit 1
step() { printf '\n== %s\n' "$*"; }
step "packages"
scripts/deps.sh || exit 1
step "build"
{ [ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null; } && ninja -C "$BUILD" >/dev/null || exit 1
echo "built $BUILD/app/netchestra"
scripts/hugepages.sh 512 || echo "no hugepages here: the appliance runs with --no-huge"

export BUILD
# shellcheck source=lab-lib.sh
. "$ROOT/scripts/lab-lib.sh"
API=http://127.0.0.1:9180/api/v1
LAB_STATE=/run/netchestra-lab
W=$(mktemp -d /tmp/nc-demo.XXXXXX)
CLIENT_PID=
FAILER_PID=

case $PROTOCOL in
tcp) SVC=web PORT=80 PROTO=tcp MODE=close HOW="TCP, a new connection per request" ;;
keepalive) SVC=web PORT=80 PROTO=tcp MODE=keepalive HOW="TCP, one connection per transaction" ;;
udp) SVC=dns PORT=5353 PROTO=udp MODE=close HOW="UDP, a socket per request" ;;
esac
# each client from its own address (the lab client's 8, in turn), so that
# affinity keeps each client, not all of them, with one server
SOURCES=$(seq -s, -f '10.200.0.%g' 10 $((10 + (CLIENTS < 8 ? CLIENTS : 8) - 1)))

now_us() { local t=${EPOCHREALTIME/[.,]/}; echo "$((10#$t))"; }
server_pid() { cat "$LAB_STATE/n$1.pid" 2>/dev/null; }

# resume a frozen n2 and stop the failure schedule
failures_end() {
	if [ -n "$FAILER_PID" ]; then
		kill "$FAILER_PID" 2>/dev/null
		wait "$FAILER_PID" 2>/dev/null
		FAILER_PID=
	fi
	[ ! -f "$W/frozen" ] || kill -CONT "$(cat "$W/frozen")" 2>/dev/null
	rm -f "$W/frozen"
}

cleanup() {
	[ -z "$CLIENT_PID" ] || kill "$CLIENT_PID" 2>/dev/null
	failures_end
	nc_stop >/dev/null 2>&1
	"$ROOT/scripts/lab.sh" down >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted, tearing down"; exit 130' INT TERM

# config <out> <fail-safe true|false>: the lab's file with the management
# interface on loopback (the token lab.sh made), both services with the
# fail-safe of tests/e2e/failsafe.sh (response limit 1 s, far above the
# servers' milliseconds, so a loaded machine's slow answer is no failure),
# affinity, the weight controller; UDP flows (a socket per request) idle out
# after 2 s so that the flow table never fills. One-arm takes the two-arm
# file's health probes.
config() {
	local base=$ROOT/config/lab.json
	[ -z "$ARM" ] || base=$ROOT/config/lab-one-arm.json
	jq --argjson fs "$2" --argjson aff "$([ "$AFFINITY" = on ] && echo 30 || echo 0)" \
		--arg mode "$ADAPTIVE" --arg token "$ROOT/config/lab.token" \
		--slurpfile lab "$ROOT/config/lab.json" '
		.eal.memory_mb = 768 | .limits.udp_idle_s = 2 |
		.management = { listen: "127.0.0.1:9180", token_file: $token } |
		.services |= [ to_entries[] | .key as $i | .value |
			.health = $lab[0].services[$i].health |
			.persistence_s = $aff |
			.failsafe = { enabled: $fs, response_timeout_ms: 1000, max_replays: 2, store_size: 8192 } |
			.adaptive = (if $mode == "off" then { enabled: false }
				else { enabled: true, mode: $mode, interval_ms: 1000, step: 1, min_weight: 1 } end) ]' \
		"$base" >"$1"
}

# failures <log> <kill at> <freeze at>: in the background, kill n1 and freeze
# n2 that many seconds from now (0: never); each one a line "<time in
# microseconds>\tdemo: ..." in <log>, the frozen pid in $W/frozen
failures() {
	local log=$1 k=$2 f=$3 sp="" pid t
	trap '[ -z "$sp" ] || kill "$sp" 2>/dev/null; exit 0' TERM
	if [ "$k" != 0 ]; then
		sleep "$k" & sp=$!; wait "$sp"; sp=
		pid=$(server_pid 1) t=$(now_us)
		kill -KILL "$pid" && printf '%s\tdemo: n1 killed (SIGKILL to its nc-backend, pid %s)\n' "$t" "$pid" >>"$log"
	fi
	if [ "$f" != 0 ]; then
		sleep "$(awk -v f="$f" -v k="$k" 'BEGIN { print f - k }')" & sp=$!; wait "$sp"; sp=
		pid=$(server_pid 2) t=$(now_us)
		echo "$pid" >"$W/frozen"
		kill -STOP "$pid" && printf '%s\tdemo: n2 frozen (SIGSTOP to its nc-backend, pid %s)\n' "$t" "$pid" >>"$log"
	fi
}

# plan <kill at> <freeze at> <seconds>: the failures in words
plan() {
	local p=
	[ "$1" = 0 ] || p="n1 killed at $1 s"
	[ "$2" = 0 ] || p="${p:+$p, }n2 frozen at $2 s"
	echo "${p:-no server failed}, $3 s"
}

step "lab"
scripts/lab.sh up $ARM --loops "$LOOPS" || exit 1
FS_ON=$([ "$FAILSAFE" = on ] && echo true || echo false)
config "$W/demo.json" "$FS_ON"
step "appliance (service $SVC: fail-safe $FAILSAFE, affinity $AFFINITY, weights $ADAPTIVE)"
nc_start "$W/demo.json" "$W/netchestra.log" || exit 1
grep '^port \|^management' "$W/netchestra.log"
echo "dashboard: http://127.0.0.1:9180/ (token: config/lab.token); $BUILD/app/netchestra-ctl services"

# ---- the live view ----------------------------------------------------------
EV_NEXT=$(curl -s -m 2 "$API/events" | jq -r '.next // 0' 2>/dev/null)
[[ $EV_NEXT =~ ^[0-9]+$ ]] || EV_NEXT=0
PREV_US="" PREV_HELD=0 PREV_REPLAYS=0 FRAME_S=0
COLS=200
[ ! -t 1 ] || COLS=$(tput cols 2>/dev/null || echo 200)

# frame: the view as plain text on stdout; keeps the counters it differences.
# One jq reads the service from the API, the clients' last --live line and the
# new events, and gives tagged lines: N (the next event id), E (an event of the
# service: time in microseconds, text), S (a server), C (the clients), F (the
# fail-safe's counters).
frame() {
	local svc live ts tag a b c d e f g h i held='' replays='' resets='' per
	svc=$(curl -s -m 2 "$API/services/$SVC")
	live=$(tail -n 1 "$W/live.jsonl" 2>/dev/null)
	curl -s -m 2 "$API/events?since=$EV_NEXT" >"$W/ev.json"
	ts=$(now_us)
	FRAME_S=$(((ts - T0_US) / 1000000))
	printf 'Netchestra demo - service %s (%s), VIP %s:%s - %s clients - %s s of %s s' \
		"$SVC" "$HOW" "$LAB_VIP" "$PORT" "$CLIENTS" "$FRAME_S" "$SECONDS_RUN"
	[ "$FRAME_S" -le "$SECONDS_RUN" ] || printf ' (the last requests waiting for answers)'
	echo
	if [ "$FAILSAFE" = on ]; then
		printf 'fail-safe on (response limit 1000 ms, 2 replays)'
	else
		printf 'fail-safe OFF'
	fi
	printf ', affinity %s, weights %s - %s\n\n' "$AFFINITY" "$ADAPTIVE" "$(plan "$FAIL_AT" "$FREEZE_AT" "$SECONDS_RUN")"
	printf '%-6s %-17s %-5s %6s %6s %7s %8s %9s %5s\n' server address state weight share \
		'req/s' 'resp ms' 'moved off' held
	while IFS=$'\t' read -r tag a b c d e f g h i; do
		case $tag in
		N) EV_NEXT=$a ;;
		E) printf '%s\t%s\n' "$a" "$b" >>"$W/events" ;;
		S) printf '%-6s %-17s %-5s %6s %5.1f%% %7.0f %8.2f %9s %5s\n' "$a" "$b" "$c" "$d" "$e" "$f" "$g" "$h" "$i" ;;
		C) printf '\nclients:   %.0f req/s, %s answered, %s failed, broken transactions %s\n' "$a" "$b" "$c" "$d" ;;
		F) held=$a replays=$b resets=$c ;;
		esac
	done < <(jq -nr --arg svc "$svc" --arg live "$live" --rawfile ev "$W/ev.json" --arg name "$SVC" '
		($svc | try fromjson catch {}) as $s | ($live | try fromjson catch {}) as $l |
		($ev | try fromjson catch {}) as $e |
		(if $e.next then "N\t\($e.next)" else empty end),
		($e.events // [] | .[] | select(.service == $name) | "E\t\(.t * 1000000 | floor)\t\(.text)"),
		(($s.servers // []) as $srv | ($srv | map(.flows) | add // 0) as $all | $srv[] |
		 ["S", .name, "\(.address):\(.port)", .state, .weight,
		  (if $all > 0 then .flows * 100 / $all else 0 end),
		  ($l.servers[.name].rps // 0), ($l.servers[.name].avg_ms // 0), .replays, .held] | @tsv),
		(["C", $l.rps // 0, $l.ok // 0, $l.failed // 0, $l.broken // 0] | @tsv),
		(["F", $s.failsafe.held // 0, $s.failsafe.replays // 0, $s.failsafe.resets // 0] | @tsv)')
	if [ "$FAILSAFE" = off ]; then
		printf 'fail-safe: off - nothing held, nothing replayed\n'
	elif [ -n "$held" ]; then
		per=$(((ts - ${PREV_US:-$T0_US}) / 1000))
		[ "$per" -gt 0 ] || per=1
		printf 'fail-safe: %s held/s, %s replayed/s (so far: %s held, %s replayed, %s reset)\n' \
			$(((held - PREV_HELD) * 1000 / per)) $(((replays - PREV_REPLAYS) * 1000 / per)) \
			"$held" "$replays" "$resets"
		PREV_HELD=$held PREV_REPLAYS=$replays PREV_US=$ts
	fi
	printf '\nevents (the appliance'"'"'s log of fail-overs and server states, the last 8):\n'
	if [ -s "$W/events" ]; then
		while IFS=$'\t' read -r a b; do
			a=$(((a - T0_US) / 100000))
			printf '%5d.%d s  %s\n' $((a / 10)) $((a % 10)) "$b"
		done < <(sort -s -n -k1,1 "$W/events" | tail -n 8)
	else
		echo "  (none yet)"
	fi
}

# show: one frame on the screen (redrawn in place on a terminal) and in --record
show() {
	frame >"$W/frame"
	if [ -t 1 ]; then
		printf '\033[H\033[J'
		cut -c "1-$COLS" "$W/frame"
	else
		cat "$W/frame"
		echo
	fi
	if [ -n "$RECORD" ]; then
		{ printf -- '--- %(%F %T)T (%s s into the run)\n' -1 "$FRAME_S"; cat "$W/frame"; } >>"$RECORD"
	fi
}

# ---- the run ------------------------------------------------------------------
step "traffic: $CLIENTS clients, 5-request transactions ($HOW), $SECONDS_RUN s; $(plan "$FAIL_AT" "$FREEZE_AT" "$SECONDS_RUN")"
: >"$W/events"
T0_US=$(now_us)
nc_client --target "$LAB_VIP:$PORT" --proto "$PROTO" --mode "$MODE" -c "$CLIENTS" -k 5 \
	--source "$SOURCES" --duration "$SECONDS_RUN" --timeout-ms 5000 --quiet \
	--live "$W/live.jsonl" >"$W/client.txt" 2>&1 &
CLIENT_PID=$!
failures "$W/events" "$FAIL_AT" "$FREEZE_AT" &
FAILER_PID=$!
[ -t 1 ] && printf '\033[H\033[J'
# a frame half a second after each of the clients' own once-a-second lines,
# from their first on
while kill -0 "$CLIENT_PID" 2>/dev/null; do
	d=$(($(now_us) - T0_US))
	next=$(((d + 500000) / 1000000 * 1000000 + 500000))
	[ "$next" -ge 1500000 ] || next=1500000
	d=$((next - d))
	sleep "$(printf '%d.%06d' $((d / 1000000)) $((d % 1000000)))"
	kill -0 "$CLIENT_PID" 2>/dev/null || break
	show
done
wait "$CLIENT_PID"
CLIENT_PID=
failures_end
show
nc_stop
STOP_RC=$?
cp "$W/netchestra.log" "$W/run.log"
read -r TXNS BROKEN < <(sed -n 's/^transactions \([0-9]*\) completed [0-9]* broken \([0-9]*\).*/\1 \2/p' "$W/client.txt")

# ---- the same failure without the fail-safe -----------------------------------
CMP_LINE=
if [ "$COMPARE" = on ] && [ "$FAILSAFE" = on ] && { [ "$FAIL_AT" != 0 ] || [ "$FREEZE_AT" != 0 ]; }; then
	CMP_S=$((SECONDS_RUN / 3 > 6 ? SECONDS_RUN / 3 : 6))
	scale() { awk -v x="$1" -v a="$CMP_S" -v b="$SECONDS_RUN" 'BEGIN { printf "%g", int(x * a / b * 10 + 0.5) / 10 }'; }
	CK=$(scale "$FAIL_AT") CF=$(scale "$FREEZE_AT")
	step "the same failure without the fail-safe: a fresh lab, $(plan "$CK" "$CF" "$CMP_S")"
	if "$ROOT/scripts/lab.sh" down >/dev/null && scripts/lab.sh up $ARM --loops "$LOOPS" >"$W/cmp-lab.log" &&
		config "$W/cmp.json" false && nc_start "$W/cmp.json" "$W/cmp.log"; then
		nc_client --target "$LAB_VIP:$PORT" --proto "$PROTO" --mode "$MODE" -c "$CLIENTS" -k 5 \
			--source "$SOURCES" --duration "$CMP_S" --timeout-ms 5000 --quiet --json \
			>"$W/cmp.json.out" 2>/dev/null &
		CLIENT_PID=$!
		failures "$W/cmp-events" "$CK" "$CF" &
		FAILER_PID=$!
		wait "$CLIENT_PID"
		CLIENT_PID=
		failures_end
		nc_stop >/dev/null
		CMP_LINE=$(jq -r --arg s "$CMP_S" '"without the fail-safe (same failure, \($s) s): \(.broken) transactions broken of \(.transactions)"' "$W/cmp.json.out" 2>/dev/null)
	fi
	[ -n "$CMP_LINE" ] || CMP_LINE="without the fail-safe (same failure, $CMP_S s): the run did not complete (see above)"
	echo "done"
fi

step "summary"
cat "$W/client.txt"
echo
grep -E "^final (service|failsafe) $SVC" "$W/run.log"
N_LOG=$(grep -cE 'broken transaction detected|transaction continued|transaction given up' "$W/run.log")
if [ "$N_LOG" -gt 0 ]; then
	echo
	echo "the appliance's log of the fail-overs (the paper's figure 11), the first 6 of $N_LOG lines:"
	grep -E 'broken transaction detected|transaction continued|transaction given up' "$W/run.log" | head -n 6
fi
echo
if [ "$FAILSAFE" = on ]; then
	printf 'with the fail-safe (%s): %s transactions broken of %s\n' \
		"$(plan "$FAIL_AT" "$FREEZE_AT" "$SECONDS_RUN")" "${BROKEN:-?}" "${TXNS:-?}"
else
	printf 'without the fail-safe (%s): %s transactions broken of %s\n' \
		"$(plan "$FAIL_AT" "$FREEZE_AT" "$SECONDS_RUN")" "${BROKEN:-?}" "${TXNS:-?}"
fi
[ -z "$CMP_LINE" ] || echo "$CMP_LINE"

[ -n "$TXNS" ] && [ "$TXNS" -gt 0 ] || { echo "demo: the clients completed no transaction" >&2; exit 1; }
[ "$STOP_RC" = 0 ] || { echo "demo: the appliance did not stop cleanly (exit $STOP_RC)" >&2; exit 1; }
if [ "$FAILSAFE" = on ] && [ "$BROKEN" != 0 ]; then
	echo "demo: $BROKEN transactions broke with the fail-safe on" >&2
	exit 1
fi
exit 0
