#!/usr/bin/env bash
# The health-check loop of a kernel balancer (HAProxy, nginx ...) behind BGP, in the
# way of exabgp's healthcheck: every --interval-ms (default 200) it checks that
# something listens on VIP:PORT in this network namespace (the balancer's process is
# alive: its listening socket dies with it) and keeps VIP/32 on DEV while it does,
# removes it on the first failed check. The routing daemon exports exactly the /32
# it finds on DEV (BIRD's direct protocol, scripts/render-bird.py), so the VIP is
# withdrawn within one interval of the balancer's death, and announced again within
# one interval of it listening. Transitions are logged with the wall-clock time.
# It never stops on its own; SIGTERM removes the VIP and exits.
#
#   scripts/vip-healthcheck.sh --vip IP --port N --dev IF [--interval-ms 200]
#
# As root, inside the balancer's namespace (scripts/lab.sh peer starts it there).
# The balancer binds the VIP whether or not it is on DEV (net.ipv4.ip_nonlocal_bind=1).
set -uo pipefail
VIP="" PORT="" DEV="" IV=200
while [ $# -gt 0 ]; do
	case $1 in
	--vip) VIP=${2:?}; shift ;;
	--port) PORT=${2:?}; shift ;;
	--dev) DEV=${2:?}; shift ;;
	--interval-ms) IV=${2:?}; shift ;;
	-h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "vip-healthcheck: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
if ! [[ $VIP =~ ^[0-9]+(\.[0-9]+){3}$ && $PORT =~ ^[0-9]+$ && -n $DEV && $IV =~ ^[1-9][0-9]*$ ]]; then
	echo "vip-healthcheck: want --vip IP --port N --dev IF [--interval-ms N]" >&2
	exit 2
fi
SLEEP=$(awk -v ms="$IV" 'BEGIN { printf "%.3f", ms / 1000 }')

log() { echo "$(date -u +%H:%M:%S.%3N) vip-healthcheck: $*"; }
listening() { ss -Hltn "src $VIP:$PORT" 2>/dev/null | grep -q .; }
announced() { ip -o addr show dev "$DEV" 2>/dev/null | grep -q " inet $VIP/32 "; }

trap 'ip addr del "$VIP/32" dev "$DEV" 2>/dev/null; log "stopped: $VIP withdrawn"; exit 0' TERM INT
log "watching $VIP:$PORT every $IV ms, announcing on $DEV"
state=
while :; do
	if listening; then
		if [ "$state" != up ]; then
			announced || ip addr add "$VIP/32" dev "$DEV" || log "cannot add $VIP/32 to $DEV"
			log "up: $VIP:$PORT listens, $VIP/32 on $DEV (announced)"
			state=up
		fi
	elif [ "$state" != down ]; then
		ip addr del "$VIP/32" dev "$DEV" 2>/dev/null
		log "down: nothing listens on $VIP:$PORT, $VIP/32 off $DEV (withdrawn)"
		state=down
	fi
	sleep "$SLEEP"
done
