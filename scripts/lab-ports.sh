# shellcheck shell=bash
# The kind of port the appliance gets in the namespace lab: net_af_xdp (the
# startup files' interfaces through AF_XDP sockets; the preset
# drivers-cfg/net_af_xdp.json), the lab's default where the PMD and the
# kernel allow it, or net_af_packet (the startup files as written), the fallback. Sourced by
# scripts/lab.sh and scripts/lab-lib.sh.
#
#   lab_ports                     the lab's kind: xdp or packet
#   lab_ports_pmd                 its DPDK driver: net_af_xdp or net_af_packet
#   lab_xdp_why                   nothing when AF_XDP can work here, else the reason
#   lab_ports_file <in> <out> [kind]   <in> with its lab vdevs on that kind's driver
#   lab_ports_cfg <startup file>  the file to start the appliance with
#
# The kind: what `lab.sh up` chose and wrote to $LAB_STATE/ports, else
# NC_LAB_PORTS (xdp or packet), else xdp where lab_xdp_why finds nothing
# missing, else packet.

LAB_STATE=/run/netchestra-lab
LAB_PORTS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_XDP_PRESET=$LAB_PORTS_ROOT/drivers-cfg/net_af_xdp.json
# the lab's own net_af_packet arguments (config/lab.json), for the way back
LAB_PACKET_ARGS=blocksz=4096,framesz=2048,framecnt=1024,qdisc_bypass=1

lab_ports() {
	local k
	k=$(cat "$LAB_STATE/ports" 2>/dev/null || true)
	[ -n "$k" ] || k=${NC_LAB_PORTS:-}
	if [ -z "$k" ]; then
		if [ -z "$(lab_xdp_why)" ]; then k=xdp; else k=packet; fi
	fi
	case $k in xdp|packet) echo "$k" ;; *) echo packet ;; esac
}

lab_ports_pmd() { if [ "$(lab_ports)" = xdp ]; then echo net_af_xdp; else echo net_af_packet; fi; }

# Whether the appliance can have AF_XDP ports on this machine: DPDK's PMD
# installed and the kernel's AF_XDP sockets (socket(AF_XDP = 44, SOCK_RAW):
# EAFNOSUPPORT without CONFIG_XDP_SOCKETS).
lab_xdp_why() {
	local dir
	dir=$(pkg-config --variable=pmdsdir libdpdk 2>/dev/null || true)
	if [ -z "$dir" ]; then
		dir=$(find /usr/lib /usr/local/lib -maxdepth 3 -type d -name 'pmds-*' 2>/dev/null | head -1)
	fi
	if ! compgen -G "${dir:-/nonexistent}/librte_net_af_xdp.so*" >/dev/null; then
		echo "no librte_net_af_xdp among DPDK's PMDs (${dir:-no PMD directory})"
		return 0
	fi
	python3 -c '
import socket
try:
    socket.socket(44, socket.SOCK_RAW).close()
except OSError as e:
    print("the kernel refuses AF_XDP sockets: " + (e.strerror or str(e)))' 2>&1
}

# lab_ports_file <in> <out> [xdp|packet]: every net_af_packetN / net_af_xdpN vdev
# of <in> (its iface kept, qpairs= <-> queue_count=) on the driver of <kind>
# (default: the lab's), ports[].device renamed with it; on xdp those ports also
# take the preset's rx_desc and tx_desc (4096: the appliance sizes its mbuf pool
# from them, and AF_XDP's fill and completion rings draw on that pool too).
# Other vdevs (net_tap exception paths) stay as they are. The way there
# also gives eal.memory_mb (when the file sets it) 48 MB per worker more: the
# mbuf pool of 4096 descriptors per port, 16,384 buffers more than of 1024.
# The way back to packet leaves the descriptor counts and memory as they are.
lab_ports_file() {
	local kind=${3:-$(lab_ports)} drv args port='{}'
	if [ "$kind" = xdp ]; then
		drv=net_af_xdp
		args=$(jq -r '.eal.vdevs[0] | sub("^[^,]*,iface=[^,]*,?"; "")' "$LAB_XDP_PRESET") || return 1
		port=$(jq -c '.port | {rx_desc, tx_desc}' "$LAB_XDP_PRESET") || return 1
	else
		drv=net_af_packet
		args=$LAB_PACKET_ARGS
	fi
	jq --arg drv "$drv" --arg args "$args" --argjson port "$port" '
		def lab_vdev: test("^net_af_(packet|xdp)[0-9]+,");
		def parts: capture("^(?<pmd>net_af_(packet|xdp))(?<n>[0-9]+),(?<rest>.*)$") |
			.kv = [.rest | split(",")[] | capture("^(?<k>[^=]*)=?(?<v>.*)$")];
		def queues: ([.kv[] | select(.k == "qpairs" or .k == "queue_count") | .v][0] // "1");
		def iface: [.kv[] | select(.k == "iface") | .v][0];
		def with_queues($q): if $drv == "net_af_xdp"
			then ($args | gsub("queue_count=[0-9]+"; "queue_count=\($q)"))
			else "qpairs=\($q)," + $args end;
		([.eal.vdevs // [] | .[] | select(test("^net_af_packet[0-9]+,"))] | length > 0) as $from_packet |
		(reduce (.eal.vdevs // [] | .[] | select(lab_vdev) | parts) as $p
			({}; .[$p.pmd + $p.n] = $drv + $p.n)) as $rename |
		.eal.vdevs |= map(if lab_vdev then (parts |
			"\($drv)\(.n),iface=\(iface)" + (with_queues(queues) | if . == "" then "" else "," + . end))
			else . end) |
		(if $drv == "net_af_xdp" and $from_packet and (.eal.memory_mb | type) == "number"
		 then .eal.memory_mb += 48 * ((.workers.lcores // [0]) | length) else . end) |
		.ports |= map(if $rename[.device] then .device = $rename[.device] |
			(if $drv == "net_af_xdp" then . + $port else . end) else . end)' "$1" >"$2.tmp" && mv "$2.tmp" "$2"
}

# lab_ports_cfg <startup file>: the file to start the appliance with: itself on
# packet ports; on xdp ports rewritten in place (a suite's own file, which a
# SIGHUP may reload), or for a file of config/ a copy beside it, .xdp-<name>
# (its relative token_file and secret_file still resolve; git ignores it).
lab_ports_cfg() {
	local cfg=$1 dir out
	if [ "$(lab_ports)" != xdp ]; then echo "$cfg"; return 0; fi
	dir=$(cd "$(dirname "$cfg")" && pwd) || return 1
	case $dir/ in
	"$LAB_PORTS_ROOT"/config/*) out=$dir/.xdp-$(basename "$cfg") ;;
	*) out=$cfg ;;
	esac
	lab_ports_file "$cfg" "$out" xdp || return 1
	echo "$out"
}
