# shellcheck shell=bash
# Shell helpers for benchmarks that run other balancers in the namespace lab
# (scripts/bench-peers.sh, scripts/bench-failsafe.sh). Source it after
# scripts/lab-lib.sh, with W set to the benchmark's work directory.
#
#   kernel_on / kernel_off   the root namespace holds the VIP and the servers'
#                            gateway (for kernel-based peers), or stops being a router
#                            (its ports' receive steering, RPS, off again)
#   wait_listen <ip> <port>  wait up to 5 s for a listening socket
#   fresh_lab [lab.sh up args]   a new lab: no server TIME_WAIT or conntrack state
#                            left by the previous run; servers on CPU 0

PEER_FWD0=$(sysctl -n net.ipv4.ip_forward)

kernel_off() {
	ip addr flush dev lab-p0 2>/dev/null
	ip addr flush dev lab-p1 2>/dev/null
	sysctl -qw "net.ipv4.ip_forward=$PEER_FWD0" >/dev/null
	for d in lab-p0 lab-p1; do
		sysctl -qw "net.ipv4.conf.$d.forwarding=0" "net.ipv4.conf.$d.arp_ignore=8" >/dev/null 2>&1
	done
	iptables -t nat -D PREROUTING -d "$LAB_VIP" -p tcp --dport 80 -j NC-LAB 2>/dev/null
	iptables -t nat -F NC-LAB 2>/dev/null
	iptables -t nat -X NC-LAB 2>/dev/null
	for q in /sys/class/net/lab-p0/queues/rx-* /sys/class/net/lab-p1/queues/rx-*; do
		if [ -w "$q/rps_cpus" ]; then echo 0 >"$q/rps_cpus"; fi
	done
}

kernel_on() {
	ip addr add "$LAB_VIP/24" dev lab-p0
	ip addr add 10.201.0.1/24 dev lab-p1
	sysctl -qw net.ipv4.conf.lab-p0.arp_ignore=0 net.ipv4.conf.lab-p1.arp_ignore=0 >/dev/null
	client ip neigh flush dev eth0
	for n in 0 1 2; do ip netns exec "lab-n$n" ip neigh flush dev eth0; done
}

wait_listen() {
	for _ in $(seq 50); do
		ss -Hltn "src $1:$2" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

fresh_lab() {
	"$ROOT/scripts/lab.sh" down >/dev/null 2>&1
	"$ROOT/scripts/lab.sh" up "$@" >/dev/null || return 1
	for n in 0 1 2; do
		for pid in $(ip netns pids "lab-n$n"); do taskset -a -p -c 0 "$pid" >/dev/null; done
	done
}
