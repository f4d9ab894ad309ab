# shellcheck shell=bash source-path=SCRIPTDIR
# Shell helpers for everything that runs the appliance in the namespace lab
# (scripts/demo.sh, tests/e2e/run.sh, scripts/bench-*.sh). Source it after
# setting ROOT (the repository) and BUILD (the build directory, absolute).
#
#   nc_start <config> <log> [netchestra args...]   start, wait until it forwards
#                                                   (on the lab's port kind:
#                                                   scripts/lab-ports.sh)
#   nc_stop                                         SIGINT, wait, return its exit code
#   nc_status <log> <service>                       its last status line for <service>
#   nc_final <log> <prefix>                         its "final <prefix>" line
#   client ...                                      run a command in lab-client
#   nc_client ...                                   run nc-client in lab-client
#   attacker ...                                    run a command in lab-attacker

# shellcheck disable=SC2034 # used by the scripts that source this
LAB_VIP=10.200.0.1
# shellcheck disable=SC2034 # used by the scripts that source this
LAB_ATTACKER=10.200.0.100      # lab-attacker's own address (scripts/lab.sh)
# shellcheck disable=SC2034 # used by the scripts that source this
LAB_SPOOF_NET=10.200.0.128/25  # the sources it may spoof: the clients' subnet, no host there
# shellcheck disable=SC2034 # used by the scripts that source this
LAB_SERVERS=(10.201.0.11 10.201.0.12 10.201.0.13)
NC_BIN=$BUILD/app/netchestra
NC_CLIENT=$BUILD/tests/tools/nc-client
NC_PID=
# shellcheck source=lab-ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/lab-ports.sh"

client() { ip netns exec lab-client "$@"; }
nc_client() { ip netns exec lab-client "$NC_CLIENT" "$@"; }
attacker() { ip netns exec lab-attacker "$@"; }

nc_start() {
	local cfg=$1 log=$2 run why
	shift 2
	run=$(lab_ports_cfg "$cfg") || { echo "nc_start: cannot put $cfg on $(lab_ports_pmd) ports" >&2; return 1; }
	nc_start_once "$run" "$log" "$@" && return 0
	[ "$(lab_ports)" = xdp ] || return 1
	# AF_XDP ports that did not come up (the PMD, libxdp or libbpf said why):
	# once more on net_af_packet, for the rest of this lab's life (lab.sh up
	# chooses again). Any other failure stays a failure.
	why=$(grep -iE 'xsk|xdp|bpf' "$log" | grep -iE 'fail|error|cannot|denied|not supported|invalid' | tail -1)
	[ -n "$why" ] || return 1
	# the kernel's own words, when libbpf passed them on (e.g. the veth peer's MTU)
	if grep -q 'Kernel error message: ' "$log"; then
		why=$(grep 'Kernel error message: ' "$log" | tail -1 | sed 's/.*Kernel error message: //')
	fi
	echo "AF_XDP not available here ($why): net_af_packet" >&2
	[ ! -d "$LAB_STATE" ] || echo packet >"$LAB_STATE/ports"
	[ "$run" = "$cfg" ] && lab_ports_file "$cfg" "$cfg" packet
	mv "$log" "$log.xdp"
	nc_start_once "$cfg" "$log" "$@"
}

nc_start_once() {   # nc_start_once <config> <log> [args...]: start as it is
	local cfg=$1 log=$2 i
	shift 2
	"$NC_BIN" -c "$cfg" "$@" >"$log" 2>&1 &
	NC_PID=$!
	# the first status line comes one second after the workers start
	for i in $(seq 300); do
		if grep -q '^\[ *[0-9.]*s\]' "$log" 2>/dev/null; then
			sleep 1   # let the port rings and the gratuitous ARPs settle
			return 0
		fi
		kill -0 "$NC_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "netchestra did not start ($log):" >&2
	tail -20 "$log" >&2
	kill -9 "$NC_PID" 2>/dev/null
	wait "$NC_PID" 2>/dev/null
	NC_PID=
	return 1
}

nc_stop() {
	local rc=0 i
	[ -n "$NC_PID" ] || return 0
	kill -INT "$NC_PID" 2>/dev/null
	for i in $(seq 150); do
		kill -0 "$NC_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$NC_PID" 2>/dev/null; then
		echo "netchestra did not stop on SIGINT; killed" >&2
		kill -9 "$NC_PID" 2>/dev/null
		rc=137
	fi
	wait "$NC_PID" 2>/dev/null
	i=$?
	[ "$rc" != 0 ] || rc=$i
	NC_PID=
	return "$rc"
}

nc_status() { grep "\] $2: " "$1" | tail -1; }
nc_final() { grep "^final $2" "$1" | tail -1; }
