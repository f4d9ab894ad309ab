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
#   --dispatchers N      1 (default: one appliance, as above) or 2..3: the
#                        cluster lab (scripts/lab.sh up --dispatchers N): N
#                        appliances in namespaces lab-d0.., each announcing the
#                        VIP 10.202.0.1 by BGP to lab-rtr, which spreads the
#                        clients' flows over them by ECMP; config/cluster/dK.json
#                        (maglev, the cluster channel: every dispatcher publishes
#                        the same weights) with the options above; the view gets
#                        a column group per dispatcher
#   --kill-dispatcher S  with --dispatchers: SIGKILL dispatcher d1's appliance S
#                        seconds in (default 0: never); the connections it
#                        carried are lost (no flow sync between dispatchers yet):
#                        reported, not failed on
#   -h, --help           this text
#
# Exit 0 when the run went through and, with the fail-safe on, no transaction
# broke (with --kill-dispatcher: whatever broke); 1 otherwise; 2 for a bad option.
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2015 # "test && test || bad_usage": bad_usage exits
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
DISPATCHERS=1
KILL_DISP=0

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
bad_usage() { echo "demo: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--seconds|--clients|--protocol|--loops|--adaptive|--failsafe|--affinity|--fail-at|--freeze-at|--compare|--record|--dispatchers|--kill-dispatcher)
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
	--dispatchers) DISPATCHERS=$2; shift ;;
	--kill-dispatcher) KILL_DISP=$2; shift ;;
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
[[ $DISPATCHERS =~ ^[1-3]$ ]] || bad_usage "--dispatchers wants 1, 2 or 3, got '$DISPATCHERS'"
whole --kill-dispatcher "$KILL_DISP" 0
[ "$KILL_DISP" = 0 ] || [ "$DISPATCHERS" -gt 1 ] || bad_usage "--kill-dispatcher wants --dispatchers 2 or 3"
[ "$KILL_DISP" -lt "$SECONDS_RUN" ] || bad_usage "--kill-dispatcher $KILL_DISP is not within the run (--seconds $SECONDS_RUN; 0 for never)"
[ -z "$ARM" ] || [ "$DISPATCHERS" = 1 ] || bad_usage "--one-arm has one dispatcher: not with --dispatchers $DISPATCHERS"
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

# with --dispatchers the VIP of the cluster lab's files, reached through lab-rtr
VIP=$LAB_VIP
[ "$DISPATCHERS" = 1 ] ||
	VIP=$(jq -r --arg s "$SVC" '.services[] | select(.name == $s) | .vip' "$ROOT/config/cluster/d0.json")

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

# shellcheck disable=SC2317 # run by the trap below
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

# config_cluster <K> <out> <fail-safe true|false>: dispatcher K's file of the
# cluster lab (config/cluster/dK.json: maglev, the cluster channel, BGP) with
# its peers cut to the N dispatchers present, the token and the channel's
# secret that lab.sh made, and the services set as config sets them (the same
# on every dispatcher: the cluster channel merges only equal configurations)
config_cluster() {
	jq --argjson n "$DISPATCHERS" --argjson fs "$3" --argjson aff "$([ "$AFFINITY" = on ] && echo 30 || echo 0)" \
		--arg mode "$ADAPTIVE" --arg root "$ROOT" '
		.management.token_file = "\($root)/config/lab.token" |
		.cluster.secret_file = "\($root)/config/cluster/secret" |
		.cluster.peers |= map(select(((.address? // .) | ltrimstr("10.201.0.") | tonumber) - 201 < $n)) |
		.limits.udp_idle_s = 2 |
		.services |= map(
			.persistence_s = $aff |
			.failsafe = { enabled: $fs, response_timeout_ms: 1000, max_replays: 2, store_size: 8192 } |
			.adaptive = (if $mode == "off" then { enabled: false }
				else { enabled: true, mode: $mode, interval_ms: 1000, step: 1, min_weight: 1 } end))' \
		"$ROOT/config/cluster/d$1.json" >"$2"
}

# failures <log> <kill at> <freeze at> [<d1 killed at>]: in the background, kill
# n1, freeze n2 and kill dispatcher d1's appliance (lab.sh dispatcher kill 1)
# that many seconds from now (0: never), in time order; each one a line "<time
# in microseconds>\tdemo: ..." in <log>, the frozen pid in $W/frozen
failures() {
	local log=$1 sp="" pid t at what was=0
	trap '[ -z "$sp" ] || kill "$sp" 2>/dev/null; exit 0' TERM
	while read -r at what; do
		sleep "$(awk -v a="$at" -v b="$was" 'BEGIN { print a - b }')" & sp=$!; wait "$sp"; sp=
		was=$at
		case $what in
		kill)
			pid=$(server_pid 1) t=$(now_us)
			kill -KILL "$pid" && printf '%s\tdemo: n1 killed (SIGKILL to its nc-backend, pid %s)\n' "$t" "$pid" >>"$log" ;;
		freeze)
			pid=$(server_pid 2) t=$(now_us)
			echo "$pid" >"$W/frozen"
			kill -STOP "$pid" && printf '%s\tdemo: n2 frozen (SIGSTOP to its nc-backend, pid %s)\n' "$t" "$pid" >>"$log" ;;
		dispatcher)
			pid=$(cat "$LAB_STATE/d1.pid" 2>/dev/null) t=$(now_us)
			"$ROOT/scripts/lab.sh" dispatcher kill 1 >/dev/null 2>&1 && touch "$W/d1.killed" &&
				printf '%s\tdemo: d1 killed (SIGKILL to its appliance, pid %s; its BIRD stays up)\n' "$t" "$pid" >>"$log" ;;
		esac
	done < <(printf '%s kill\n%s freeze\n%s dispatcher\n' "$2" "$3" "${4:-0}" | awk '$1 != 0' | sort -s -g -k1,1)
}

# plan <kill at> <freeze at> <seconds> [<d1 killed at>]: the failures in words
plan() {
	local p=
	[ "$1" = 0 ] || p="n1 killed at $1 s"
	[ "$2" = 0 ] || p="${p:+$p, }n2 frozen at $2 s"
	[ "${4:-0}" = 0 ] || p="${p:+$p, }d1 killed at $4 s"
	echo "${p:-no server failed}, $3 s"
}

# dispatchers_start <name> <fail-safe true|false>: every dispatcher of the
# cluster lab on its file $W/<name>-dK.json, one after the other (lab.sh
# returns once lab-rtr routes the VIP through it)
dispatchers_start() {
	local k
	rm -f "$W/d1.killed"
	for ((k = 0; k < DISPATCHERS; k++)); do
		config_cluster "$k" "$W/$1-d$k.json" "$2" &&
			scripts/lab.sh dispatcher start "$k" --config "$W/$1-d$k.json" || return 1
	done
}

# dispatchers_stop <name>: a clean stop of every dispatcher still running, all
# at once (each withdraws the VIP, drains, exits; then its BIRD stops), each
# log kept as $W/<name>-dK.log; non-zero when one that was not killed did not
# stop cleanly or printed no final statistics
dispatchers_stop() {
	local k rc=0 pids=()
	for ((k = 0; k < DISPATCHERS; k++)); do
		scripts/lab.sh dispatcher stop "$k" >"$W/$1-stop$k.txt" 2>&1 &
		pids+=($!)
	done
	for k in "${!pids[@]}"; do
		wait "${pids[$k]}" || rc=1
		cp "$LAB_STATE/d$k.log" "$W/$1-d$k.log" 2>/dev/null
		if [ "$k" != 1 ] || [ ! -f "$W/d1.killed" ]; then
			grep -q "^final service $SVC" "$W/$1-d$k.log" 2>/dev/null || rc=1
		fi
	done
	return "$rc"
}

FS_ON=$([ "$FAILSAFE" = on ] && echo true || echo false)
if [ "$DISPATCHERS" = 1 ]; then
	step "lab"
	scripts/lab.sh up $ARM --loops "$LOOPS" || exit 1
	config "$W/demo.json" "$FS_ON"
	step "appliance (service $SVC: fail-safe $FAILSAFE, affinity $AFFINITY, weights $ADAPTIVE)"
	nc_start "$W/demo.json" "$W/netchestra.log" || exit 1
	grep '^port \|^management' "$W/netchestra.log"
	echo "dashboard: http://127.0.0.1:9180/ (token: config/lab.token); $BUILD/app/netchestra-ctl services"
else
	step "lab: $DISPATCHERS dispatchers behind lab-rtr"
	scripts/lab.sh up --dispatchers "$DISPATCHERS" --loops "$LOOPS" || exit 1
	step "dispatchers (service $SVC: maglev, fail-safe $FAILSAFE, affinity $AFFINITY, weights $ADAPTIVE through the cluster channel)"
	dispatchers_start run "$FS_ON" || exit 1
	echo "each dispatcher's API in its namespace: ip netns exec lab-d0 $BUILD/app/netchestra-ctl cluster"
fi

# ---- the live view ----------------------------------------------------------
if [ "$DISPATCHERS" = 1 ]; then
	EV_NEXT=$(curl -s -m 2 "$API/events" | jq -r '.next // 0' 2>/dev/null)
	[[ $EV_NEXT =~ ^[0-9]+$ ]] || EV_NEXT=0
fi
PREV_US="" PREV_HELD=0 PREV_REPLAYS=0 FRAME_S=0
COLS=200
[ ! -t 1 ] || COLS=$(tput cols 2>/dev/null || echo 200)

# failsafe_rates <held> <replays> <resets> <ts_us> <what>: the fail-safe line,
# held and replayed per second since the previous frame, and the totals
failsafe_rates() {
	local per=$((($4 - ${PREV_US:-$T0_US}) / 1000))
	[ "$per" -gt 0 ] || per=1
	printf 'fail-safe: %s held/s, %s replayed/s%s (so far: %s held, %s replayed, %s reset)\n' \
		$((($1 - PREV_HELD) * 1000 / per)) $((($2 - PREV_REPLAYS) * 1000 / per)) "$5" "$1" "$2" "$3"
	PREV_HELD=$1 PREV_REPLAYS=$2 PREV_US=$4
}

# frame: the view as plain text on stdout; keeps the counters it differences.
# One jq reads the service from the API, the clients' last --live line and the
# new events, and gives tagged lines: N (the next event id), E (an event of the
# service: time in microseconds, text), S (a server), C (the clients), F (the
# fail-safe's counters).
frame() {
	local svc live ts tag a b c d e f g h i held='' replays='' resets=''
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
		failsafe_rates "$held" "$replays" "$resets" "$ts" ""
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

# ---- the live view of several dispatchers ------------------------------------
# What the last frame saw of each dispatcher K, kept when it stops answering:
# its state, flows scheduled, fail-safe counters, next event id.
D_STATE=() D_FLOWS=() D_HELD=() D_REPL=() D_RESETS=() D_EVN=()

# disp_api <K> <path>: dispatcher K's management API, in its namespace
disp_api() { ip netns exec "lab-d$1" curl -s -m 2 "$API/$2" 2>/dev/null; }

# vip_via: the dispatchers lab-rtr routes the VIP through (its nexthops, the
# dispatchers' front addresses 10.203.0.(2+K)), "d0 d1 ..."
vip_via() {
	ip -n lab-rtr route show "$VIP" 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) if ($i == "via") { split($(i + 1), a, "."); print "d" a[4] - 2 } }' |
		sort | tr '\n' ' ' | sed 's/ $//'
}

# frame_cluster: the view of --dispatchers N as plain text on stdout. Per
# dispatcher one jq reads its service, its cluster view and its new events and
# gives tagged lines: N (the next event id), E (an event: time in microseconds,
# text), D (the dispatcher: state, flows scheduled, open, requests/s, the
# interval it published last and its weights, synced, fail-safe counters), P (a
# peer as it hears it: name, state, its said state, digest match, the interval
# and weights that peer published last), S (a server as this dispatcher
# publishes it).
frame_cluster() {
	local live ts k tag a b c d e f g h i j all=0 held=0 replays=0 resets=0 via srv rps ms x
	local -A cell=() addr=() peers=() pub=() row=()
	local names=() agree=
	live=$(tail -n 1 "$W/live.jsonl" 2>/dev/null)
	jq -e . >/dev/null 2>&1 <<<"$live" || live='{}'
	for ((k = 0; k < DISPATCHERS; k++)); do
		disp_api "$k" "services/$SVC" >"$W/svc$k.json"
		disp_api "$k" cluster >"$W/cl$k.json"
		disp_api "$k" "events?since=${D_EVN[k]:-0}" >"$W/ev$k.json"
	done
	ts=$(now_us)
	FRAME_S=$(((ts - T0_US) / 1000000))
	via=$(vip_via)
	if [ "$via" != "$VIA_PREV" ]; then
		printf '%s\tlab-rtr: the VIP via %s\n' "$ts" "${via:-nobody}" >>"$W/events"
		VIA_PREV=$via
	fi
	for ((k = 0; k < DISPATCHERS; k++)); do
		if [ ! -s "$W/svc$k.json" ]; then
			if [ "$k" = 1 ] && [ -f "$W/d1.killed" ]; then D_STATE[k]=killed; else D_STATE[k]=silent; fi
			row[$k]=$(printf '%6s %6s %10s' - - -)
			continue
		fi
		while IFS=$'\t' read -r tag a b c d e f g h i j; do
			case $tag in
			N) D_EVN[k]=$a ;;
			E) printf '%s\td%s: %s\n' "$a" "$k" "$b" >>"$W/events" ;;
			D) D_STATE[k]=$a D_FLOWS[k]=$b D_HELD[k]=$h D_REPL[k]=$i D_RESETS[k]=$j
			   [ "$f" = true ] || D_STATE[k]="$a, not synced"
			   row[$k]=$(printf '%6s %6.0f %10s' "$c" "$d" "$e")
			   [ "$e" = - ] || pub[d$k,$e]=$g ;;
			P) peers[$k]="${peers[$k]:+${peers[$k]}; }$a $b"
			   if [ "$c" != - ]; then
				if [ "$b" = up ]; then peers[$k]+=", $c"; else peers[$k]+=" (last said $c)"; fi
			   fi
			   [ "$d" != false ] || peers[$k]+=", CONFIGURATION DIFFERS"
			   [ "$e" = - ] || [ -n "${pub[$a,$e]:-}" ] || pub[$a,$e]=$f ;;
			S) [ -n "${addr[$a]:-}" ] || names+=("$a")
			   addr[$a]=$b
			   cell[$a,$k]=$(printf '%-5s %6s %5.1f%% %5s %5s' "$c" "$d" "$e" "$f" "$g") ;;
			esac
		done < <(jq -nr --rawfile s "$W/svc$k.json" --rawfile cl "$W/cl$k.json" --rawfile ev "$W/ev$k.json" --arg name "$SVC" '
			($s | try fromjson catch {}) as $s | ($cl | try fromjson catch {}) as $c |
			($ev | try fromjson catch {}) as $e |
			def ws: if . == null then "-" else to_entries | map("\(.key) \(.value)") | join(" ") end;
			(if $e.next then "N\t\($e.next)" else empty end),
			($e.events // [] | .[] | select(.service == $name or .service == "" or .service == null) |
			 "E\t\(.t * 1000000 | floor)\t\(.text)"),
			(($c.services // []) | map(select(.name == $name)) | .[0] // {}) as $cs |
			(["D", $c.state // "-", ($s.servers // [] | map(.flows) | add // 0), $s.flows_active // 0,
			  $s.requests_per_s // 0, $cs.interval // "-", $cs.synced // "-", ($cs.weights | ws),
			  $s.failsafe.held // 0, $s.failsafe.replays // 0, $s.failsafe.resets // 0] | @tsv),
			($c.peers // [] | .[] | ((.services // []) | map(select(.name == $name)) | .[0] // {}) as $ps |
			 ["P", (if .id != null then "d\(.id)" else .address end), .state, .said // "-",
			  ($ps.digest_match | tostring), $ps.interval // "-", ($ps.weights | ws)] | @tsv),
			(($s.servers // []) as $srv | ($srv | map(.flows) | add // 0) as $all | $srv[] |
			 ["S", .name, "\(.address):\(.port)", .state, .weight,
			  (if $all > 0 then .flows * 100 / $all else 0 end), .replays, .held] | @tsv)')
	done
	for ((k = 0; k < DISPATCHERS; k++)); do
		all=$((all + ${D_FLOWS[k]:-0}))
		held=$((held + ${D_HELD[k]:-0})) replays=$((replays + ${D_REPL[k]:-0})) resets=$((resets + ${D_RESETS[k]:-0}))
	done
	# the weights the answering dispatchers published at the latest interval
	# all of them are known at (their own word or a peer's)
	for x in $(printf '%s\n' "${!pub[@]}" | sed 's/^[^,]*,//' | sort -rn | uniq); do
		a='' b=1
		for ((k = 0; k < DISPATCHERS; k++)); do
			case ${D_STATE[k]} in killed|silent) continue ;; esac
			[ -n "${pub[d$k,$x]:-}" ] || { b=0; break; }
			if [ -z "$a" ]; then a=${pub[d$k,$x]}; elif [ "$a" != "${pub[d$k,$x]}" ]; then b=2; fi
		done
		[ "$b" != 0 ] || continue
		if [ "$b" = 1 ]; then
			agree="the same on every dispatcher answering at interval $x: $a"
		else
			agree="DIFFERENT at interval $x:"
			for ((k = 0; k < DISPATCHERS; k++)); do
				[ -z "${pub[d$k,$x]:-}" ] || agree+=" d$k ${pub[d$k,$x]};"
			done
		fi
		break
	done

	printf 'Netchestra demo - %s dispatchers behind lab-rtr (BGP, ECMP) - service %s (%s), VIP %s:%s - %s clients - %s s of %s s' \
		"$DISPATCHERS" "$SVC" "$HOW" "$VIP" "$PORT" "$CLIENTS" "$FRAME_S" "$SECONDS_RUN"
	[ "$FRAME_S" -le "$SECONDS_RUN" ] || printf ' (the last requests waiting for answers)'
	echo
	if [ "$FAILSAFE" = on ]; then
		printf 'fail-safe on (response limit 1000 ms, 2 replays)'
	else
		printf 'fail-safe OFF'
	fi
	printf ', affinity %s, weights %s, maglev - %s\n' "$AFFINITY" "$ADAPTIVE" \
		"$(plan "$FAIL_AT" "$FREEZE_AT" "$SECONDS_RUN" "$KILL_DISP")"
	printf 'lab-rtr routes the VIP via: %s\n\n' "${via:-nobody}"

	printf '%-10s %-16s %7s %6s %6s %6s %10s  %s\n' dispatcher state flows share open 'req/s' interval \
		'its peers, as it hears them'
	for ((k = 0; k < DISPATCHERS; k++)); do
		printf '%-10s %-16s %7s %5.1f%% %s  %s\n' "d$k" "${D_STATE[k]}" "${D_FLOWS[k]:-0}" \
			"$(awk -v f="${D_FLOWS[k]:-0}" -v a="$all" 'BEGIN { print (a > 0 ? f * 100 / a : 0) }')" \
			"${row[$k]}" "${peers[$k]:--}"
	done
	printf 'weights published: %s\n' "${agree:-(none yet)}"

	echo
	printf '%-6s %-17s %7s %8s' '' '' clients ''
	for ((k = 0; k < DISPATCHERS; k++)); do printf '   %-31s' "d$k (as it publishes)"; done
	printf '\n%-6s %-17s %7s %8s' server address 'req/s' 'resp ms'
	for ((k = 0; k < DISPATCHERS; k++)); do printf '   %-5s %6s %6s %5s %5s' state weight share moved held; done
	echo
	for srv in "${names[@]}"; do
		read -r rps ms < <(jq -r --arg n "$srv" '"\(.servers[$n].rps // 0) \(.servers[$n].avg_ms // 0)"' <<<"$live")
		printf '%-6s %-17s %7.0f %8.2f' "$srv" "${addr[$srv]}" "${rps:-0}" "${ms:-0}"
		for ((k = 0; k < DISPATCHERS; k++)); do printf '   %-31s' "${cell[$srv,$k]:--}"; done
		echo
	done
	jq -r '"\nclients:   \(.rps // 0 | round) req/s, \(.ok // 0) answered, \(.failed // 0) failed, broken transactions \(.broken // 0)"' <<<"$live"
	if [ "$FAILSAFE" = off ]; then
		printf 'fail-safe: off - nothing held, nothing replayed\n'
	else
		failsafe_rates "$held" "$replays" "$resets" "$ts" ", all dispatchers"
	fi
	printf '\nevents (the dispatchers'"'"' fail-overs and server states, lab-rtr'"'"'s route, the last 8):\n'
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
	if [ "$DISPATCHERS" = 1 ]; then frame >"$W/frame"; else frame_cluster >"$W/frame"; fi
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
step "traffic: $CLIENTS clients, 5-request transactions ($HOW), $SECONDS_RUN s; $(plan "$FAIL_AT" "$FREEZE_AT" "$SECONDS_RUN" "$KILL_DISP")"
: >"$W/events"
[ "$DISPATCHERS" = 1 ] || VIA_PREV=$(vip_via)
T0_US=$(now_us)
nc_client --target "$VIP:$PORT" --proto "$PROTO" --mode "$MODE" -c "$CLIENTS" -k 5 \
	--source "$SOURCES" --duration "$SECONDS_RUN" --timeout-ms 5000 --quiet \
	--live "$W/live.jsonl" >"$W/client.txt" 2>&1 &
CLIENT_PID=$!
failures "$W/events" "$FAIL_AT" "$FREEZE_AT" "$KILL_DISP" &
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
if [ "$DISPATCHERS" = 1 ]; then
	nc_stop
	STOP_RC=$?
	cp "$W/netchestra.log" "$W/run.log"
else
	dispatchers_stop run
	STOP_RC=$?
fi
read -r TXNS BROKEN < <(sed -n 's/^transactions \([0-9]*\) completed [0-9]* broken \([0-9]*\).*/\1 \2/p' "$W/client.txt")

# ---- the same failure without the fail-safe -----------------------------------
CMP_LINE=
if [ "$COMPARE" = on ] && [ "$FAILSAFE" = on ] && { [ "$FAIL_AT" != 0 ] || [ "$FREEZE_AT" != 0 ] || [ "$KILL_DISP" != 0 ]; }; then
	CMP_S=$((SECONDS_RUN / 3 > 6 ? SECONDS_RUN / 3 : 6))
	scale() { awk -v x="$1" -v a="$CMP_S" -v b="$SECONDS_RUN" 'BEGIN { printf "%g", int(x * a / b * 10 + 0.5) / 10 }'; }
	CK=$(scale "$FAIL_AT") CF=$(scale "$FREEZE_AT") CD=$(scale "$KILL_DISP")
	step "the same failure without the fail-safe: a fresh lab, $(plan "$CK" "$CF" "$CMP_S" "$CD")"
	cmp_start() {   # a fresh lab, the appliance or the dispatchers with the fail-safe off
		"$ROOT/scripts/lab.sh" down >/dev/null || return 1
		if [ "$DISPATCHERS" = 1 ]; then
			scripts/lab.sh up $ARM --loops "$LOOPS" >"$W/cmp-lab.log" &&
				config "$W/cmp.json" false && nc_start "$W/cmp.json" "$W/cmp.log"
		else
			scripts/lab.sh up --dispatchers "$DISPATCHERS" --loops "$LOOPS" >"$W/cmp-lab.log" &&
				dispatchers_start cmp false >>"$W/cmp-lab.log"
		fi
	}
	if cmp_start; then
		nc_client --target "$VIP:$PORT" --proto "$PROTO" --mode "$MODE" -c "$CLIENTS" -k 5 \
			--source "$SOURCES" --duration "$CMP_S" --timeout-ms 5000 --quiet --json \
			>"$W/cmp.json.out" 2>/dev/null &
		CLIENT_PID=$!
		failures "$W/cmp-events" "$CK" "$CF" "$CD" &
		FAILER_PID=$!
		wait "$CLIENT_PID"
		CLIENT_PID=
		failures_end
		if [ "$DISPATCHERS" = 1 ]; then nc_stop >/dev/null; else dispatchers_stop cmp; fi
		CMP_LINE=$(jq -r --arg s "$CMP_S" '"without the fail-safe (same failure, \($s) s): \(.broken) transactions broken of \(.transactions)"' "$W/cmp.json.out" 2>/dev/null)
	fi
	[ -n "$CMP_LINE" ] || CMP_LINE="without the fail-safe (same failure, $CMP_S s): the run did not complete (see above)"
	echo "done"
fi

step "summary"
cat "$W/client.txt"
echo
FO='broken transaction detected|transaction continued|transaction given up'
if [ "$DISPATCHERS" = 1 ]; then
	grep -E "^final (service|failsafe) $SVC" "$W/run.log"
	N_LOG=$(grep -cE "$FO" "$W/run.log")
	if [ "$N_LOG" -gt 0 ]; then
		echo
		echo "the appliance's log of the fail-overs (the paper's figure 11), the first 6 of $N_LOG lines:"
		grep -E "$FO" "$W/run.log" | head -n 6
	fi
else
	# each dispatcher's final lines and fail-over lines, "dK: " before each
	for ((k = 0; k < DISPATCHERS; k++)); do
		if [ "$k" = 1 ] && [ -f "$W/d1.killed" ]; then
			echo "d1: killed at $KILL_DISP s (SIGKILL): no final statistics"
		else
			grep -E "^final (service|failsafe) $SVC" "$W/run-d$k.log" | sed "s/^/d$k: /"
		fi
		grep -E "$FO" "$W/run-d$k.log" | sed "s/^/d$k: /" >>"$W/fail-overs"
	done
	N_LOG=$(grep -c . "$W/fail-overs" 2>/dev/null)
	if [ "${N_LOG:-0}" -gt 0 ]; then
		echo
		echo "the dispatchers' logs of the fail-overs (the paper's figure 11), the first 6 of $N_LOG lines:"
		head -n 6 "$W/fail-overs"
	fi
fi
echo
if [ "$FAILSAFE" = on ]; then
	printf 'with the fail-safe (%s): %s transactions broken of %s\n' \
		"$(plan "$FAIL_AT" "$FREEZE_AT" "$SECONDS_RUN" "$KILL_DISP")" "${BROKEN:-?}" "${TXNS:-?}"
else
	printf 'without the fail-safe (%s): %s transactions broken of %s\n' \
		"$(plan "$FAIL_AT" "$FREEZE_AT" "$SECONDS_RUN" "$KILL_DISP")" "${BROKEN:-?}" "${TXNS:-?}"
fi
[ -z "$CMP_LINE" ] || echo "$CMP_LINE"
if [ "$DISPATCHERS" -gt 1 ]; then
	# the flows each dispatcher scheduled, as the last frame saw them
	all=0 line=
	for ((k = 0; k < DISPATCHERS; k++)); do all=$((all + ${D_FLOWS[k]:-0})); done
	for ((k = 0; k < DISPATCHERS; k++)); do
		line="$line${line:+, }d$k $(awk -v f="${D_FLOWS[k]:-0}" -v a="$all" 'BEGIN { printf "%d (%.1f%%)", f, (a > 0 ? f * 100 / a : 0) }')"
	done
	echo "flows per dispatcher (ECMP at lab-rtr): $line"
	if [ "$KILL_DISP" != 0 ]; then
		echo "d1 was killed at $KILL_DISP s: a connection in flight on it then is lost (no flow sync between dispatchers yet: the others have no state for it), its request times out (5 s) and counts above as broken; a new connection sent to d1 before lab-rtr's BFD took its path down waits for its SYN retransmit (1 s)"
	fi
fi

[ -n "$TXNS" ] && [ "$TXNS" -gt 0 ] || { echo "demo: the clients completed no transaction" >&2; exit 1; }
[ "$STOP_RC" = 0 ] || { echo "demo: the appliance did not stop cleanly (exit $STOP_RC)" >&2; exit 1; }
if [ "$FAILSAFE" = on ] && [ "$BROKEN" != 0 ] && [ "$KILL_DISP" = 0 ]; then
	echo "demo: $BROKEN transactions broke with the fail-safe on" >&2
	exit 1
fi
exit 0
