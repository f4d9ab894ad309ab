#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Netchestra fast-path benchmark: builds bench-fastpath (release) if needed,
# reserves hugepages when it can (and gives them back afterwards), runs it, and
# prints the date, the machine and the results. The last line is
#     cycles/packet: dispatcher D baseline B ratio R
#
#   scripts/bench-fastpath.sh [--sync-compare | --ca-compare | --synproxy-compare |
#                              --v6-compare | --workers-compare | --v4-only]
#                             [bench-fastpath options]
#       e.g. --flows 1048576 --passes 5 | --no-huge | --expire | --max-flows M
#
# --sync-compare: two runs in one sitting, flow sync on (bench-fastpath --sync)
# then off, and a summary of both: server SYN-ACKs/s (each reported with sync) and cycles per
# established-flow packet side by side, records and bytes per replica. The last
# line is then the run without sync's.
#
# --ca-compare: two runs in one sitting, the service with client_address
# proxy-v2 (bench-fastpath --client-address proxy-v2) then without: cycles per
# established-flow packet side by side (every packet shifted one way or the
# other) and the cost of a new flow's PROXY header (the server's SYN-ACK with
# the header segment). The last line is then the plain run's.
#
# --workers-compare: three runs in one sitting, one worker, then two
# (bench-fastpath --workers 2: each on its own lcore, packets spread as a
# NIC's RSS would, the data plane told the port's RSS: flows owned by their
# client's queue, local ports steered so that the answers reach it too),
# then two with --no-steer (flows owned by their key's hash, any local port:
# the other leg's owner reached through its handoff ring): packets per second
# over all workers, cycles per packet per core, the share of packets handed
# over, and the scaling. `--workers 2` alone runs the second. The last line
# is then the one-worker run's.
#
# --synproxy-compare: two runs in one sitting, the service with syn_proxy "on"
# (bench-fastpath --syn-proxy) then plain: SYN cookies answered per second per
# core beside new flows per second, and cycles per established-flow packet of
# the syn-proxied service beside the plain one. The last line is then the
# plain run's.
#
# --v6-compare (the default when no option is given): three runs in one
# sitting, the service over IPv4, IPv6 (bench-fastpath --family 6) and NAT64
# (--family 64): cycles per established-flow packet, their ratio to each run's
# baseline, new flows/s and bytes per flow side by side. The last line is then
# the IPv4 run's. --v4-only: the IPv4 run alone.
#
# Environment:
#   NC_BUILD_DIR   build directory (default: build, relative to the repository)
#   NC_BENCH_HUGE  0: never touch hugepages, run with --no-huge
# Needs root to reserve hugepages; without it (or when the kernel refuses), the
# benchmark runs on ordinary 4 KB pages and says so.
set -euo pipefail

# shellcheck source=scripts/bench-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

log() { echo "bench-fastpath.sh: $*" >&2; }

# ---- build ----
bench_built tests/bench/bench-fastpath
buildtype=$(meson introspect --buildoptions "$build" 2>/dev/null |
	python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "buildtype"))' \
	2>/dev/null || echo unknown)

# ---- hugepages ----
compare=0
if [ "${1:-}" = --sync-compare ]; then
	compare=1
	shift
elif [ "${1:-}" = --ca-compare ]; then
	compare=2
	shift
elif [ "${1:-}" = --synproxy-compare ]; then
	compare=4
	shift
elif [ "${1:-}" = --v6-compare ]; then
	compare=3
	shift
elif [ "${1:-}" = --workers-compare ]; then
	compare=5
	shift
elif [ "${1:-}" = --v4-only ]; then
	shift
elif [ $# -eq 0 ]; then
	compare=3
fi
want_huge=1
for a in "$@"; do
	case $a in
	--no-huge) want_huge=0 ;;
	--mem-needed | -h | --help) exec "$bench" "$@" ;;
	esac
done
[ "${NC_BENCH_HUGE:-1}" = 0 ] && want_huge=0

nr_file=/proc/sys/vm/nr_hugepages
orig_nr=
mounted_here=
restore() {
	if [ -n "$orig_nr" ]; then
		echo "$orig_nr" >"$nr_file" 2>/dev/null || log "could not give hugepages back (nr_hugepages was $orig_nr)"
	fi
	if [ -n "$mounted_here" ]; then
		umount "$mounted_here" 2>/dev/null || true
	fi
}
trap restore EXIT

meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }

mode=--no-huge
if [ "$want_huge" = 1 ]; then
	fam=()
	[ "$compare" = 3 ] && fam=(--family 6)   # the IPv6 runs need the most
	[ "$compare" = 5 ] && fam=(--workers 2)  # ... the two-worker run here
	need_mb=$("$bench" "$@" "${fam[@]}" --mem-needed)
	page_kb=$(meminfo Hugepagesize)
	if [ -n "$page_kb" ] && [ "$page_kb" -gt 0 ]; then
		need_pages=$(((need_mb * 1024 + page_kb - 1) / page_kb))
		free_pages=$(meminfo HugePages_Free)
		if [ "$free_pages" -lt "$need_pages" ] && [ -w "$nr_file" ]; then
			cur=$(cat "$nr_file")
			if echo $((cur + need_pages - free_pages)) >"$nr_file" 2>/dev/null; then
				orig_nr=$cur
			fi
			free_pages=$(meminfo HugePages_Free)
		fi
		if ! grep -q ' hugetlbfs ' /proc/mounts; then
			mkdir -p /dev/hugepages 2>/dev/null || true
			if mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null; then
				mounted_here=/dev/hugepages
			fi
		fi
		if [ "$free_pages" -ge "$need_pages" ] && grep -q ' hugetlbfs ' /proc/mounts; then
			mode=--huge
		else
			log "hugepages: $free_pages of $need_pages ${page_kb} kB pages free" \
				"or no hugetlbfs: running with --no-huge"
			restore
			orig_nr=
			mounted_here=
		fi
	fi
fi

# ---- run ----
cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "cpu: ${cpu:-unknown}, $(nproc) online CPUs, kernel $(uname -r)"
echo "build: $build (buildtype $buildtype), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo none)"
if [ "$buildtype" != release ]; then
	echo "WARNING: buildtype is $buildtype, not release: the figures are not representative"
fi
if [ "$compare" = 0 ]; then
	echo "command: $bench $mode${*:+ $*}"
	"$bench" "$mode" "$@" 2>&1
	exit
fi
on=$(mktemp) off=$(mktemp) r6=$(mktemp)
trap 'rm -f "$on" "$off" "$r6"; restore' EXIT
val() { sed -n "s/^$2: *\([0-9.]*\).*/\1/p" "$1" | head -n 1; }
cyc() { sed -n 's/^cycles\/packet: dispatcher \([0-9.]*\) baseline \([0-9.]*\).*/\1 \2/p' "$1"; }
if [ "$compare" = 3 ]; then
	echo "command: $bench $mode${*:+ $*}, then with --family 6, then --family 64"
	"$bench" "$mode" "$@" 2>&1 | tee "$on"
	"$bench" "$mode" "$@" --family 6 2>&1 | tee "$r6"
	"$bench" "$mode" "$@" --family 64 2>&1 | tee "$off"
	rat() { sed -n 's/^cycles\/packet: .* ratio \([0-9.]*\)$/\1/p' "$1"; }
	read -r d4 b4 <<<"$(cyc "$on")"
	read -r d6 b6 <<<"$(cyc "$r6")"
	read -r d64 b64 <<<"$(cyc "$off")"
	echo "== IPv4, IPv6 and NAT64 (same sitting)"
	printf '%-44s %12s %12s %12s\n' "" "IPv4" "IPv6" "NAT64"
	printf '%-44s %12s %12s %12s\n' "established: dispatcher cycles/packet" "$d4" "$d6" "$d64"
	printf '%-44s %12s %12s %12s\n' "baseline (MAC swap) cycles/packet" "$b4" "$b6" "$b64"
	printf '%-44s %12s %12s %12s\n' "ratio dispatcher / baseline" "$(rat "$on")" "$(rat "$r6")" \
		"$(rat "$off")"
	awk -v a="$d4" -v c="$d6" -v e="$d64" 'BEGIN {
		printf "%-44s %12s %12.2f %12.2f\n", "dispatcher cycles / IPv4'"'"'s", "1", c / a, e / a }'
	printf '%-44s %12s %12s %12s\n' "new flows/s (SYN)" "$(val "$on" 'new flows\/s')" \
		"$(val "$r6" 'new flows\/s')" "$(val "$off" 'new flows\/s')"
	printf '%-44s %12s %12s %12s\n' "new flows/s after churn (half closed, reopened)" \
		"$(val "$on" 'new flows\/s after churn')" "$(val "$r6" 'new flows\/s after churn')" \
		"$(val "$off" 'new flows\/s after churn')"
	printf '%-44s %12s %12s %12s\n' "bytes/flow (data plane heap / max_flows)" \
		"$(val "$on" 'memory\/flow')" "$(val "$r6" 'memory\/flow')" "$(val "$off" 'memory\/flow')"
	printf '%-44s %12s %12s %12s\n' "  of it the IPv6 slots (entry, address, hash)" "-" \
		"$(val "$r6" 'memory\/IPv6 flow')" "$(val "$off" 'memory\/IPv6 flow')"
	grep -h '^cycles/packet' "$on"
	exit
fi
if [ "$compare" = 5 ]; then
	echo "command: $bench $mode${*:+ $*}, then with --workers 2, then --workers 2 --no-steer"
	"$bench" "$mode" "$@" 2>&1 | tee "$off"
	"$bench" "$mode" "$@" --workers 2 2>&1 | tee "$on"
	"$bench" "$mode" "$@" --workers 2 --no-steer 2>&1 | tee "$r6"
	read -r d1 b1 <<<"$(cyc "$off")"
	read -r d2 b2 <<<"$(cyc "$on")"
	read -r d3 b3 <<<"$(cyc "$r6")"
	mpps1=$(sed -n 's/^dispatcher: \([0-9.]*\) Mpps.*/\1/p' "$off")
	mpps2=$(sed -n 's/^2 workers: \([0-9.]*\) Mpps over both.*/\1/p' "$on")
	mpps3=$(sed -n 's/^2 workers: \([0-9.]*\) Mpps over both.*/\1/p' "$r6")
	share2=$(sed -n 's/.*handoffs \([0-9.]*\)% of the packets.*/\1/p' "$on")
	share3=$(sed -n 's/.*handoffs \([0-9.]*\)% of the packets.*/\1/p' "$r6")
	echo "== one worker beside two (same sitting; the two lcores share $(nproc) CPUs with the harness)"
	printf '%-44s %12s %12s %12s\n' "" "1 worker" "2 workers" "2, no steer"
	printf '%-44s %12s %12s %12s\n' "established: Mpps over all workers" "$mpps1" "$mpps2" "$mpps3"
	printf '%-44s %12s %12s %12s\n' "dispatcher cycles/packet per core" "$d1" "$d2" "$d3"
	printf '%-44s %12s %12s %12s\n' "baseline (MAC swap) cycles/packet" "$b1" "$b2" "$b3"
	printf '%-44s %12s %12s %12s\n' "packets handed to the other worker" "-" "$share2%" "$share3%"
	printf '%-44s %12s %12s %12s\n' "new flows/s (set-up on one lcore)" "$(val "$off" 'new flows\/s')" \
		"$(val "$on" 'new flows\/s')" "$(val "$r6" 'new flows\/s')"
	awk -v a="$mpps1" -v b="$mpps2" -v c="$mpps3" \
		'BEGIN { printf "scaling, 2 workers / 1: %.2f (no steer: %.2f)\n", b / a, c / a }'
	grep -h '^cycles/packet' "$off"
	exit
fi
if [ "$compare" = 4 ]; then
	echo "command: $bench $mode${*:+ $*} --syn-proxy, then without"
	"$bench" "$mode" "$@" --syn-proxy 2>&1 | tee "$on"
	"$bench" "$mode" "$@" 2>&1 | tee "$off"
	read -r d_on b_on <<<"$(cyc "$on")"
	read -r d_off b_off <<<"$(cyc "$off")"
	echo "== syn_proxy on beside off (same sitting)"
	printf '%-44s %14s %14s\n' "" "syn_proxy on" "off"
	printf '%-44s %14s %14s\n' "SYN cookies answered/s (one core)" "$(val "$on" 'syn cookies\/s')" "-"
	printf '%-44s %14s %14s\n' "new flows/s (SYN forwarded)" "-" "$(val "$off" 'new flows\/s')"
	printf '%-44s %14s %14s\n' "cookie ACKs/s (flow opened, SYN to server)" \
		"$(val "$on" 'cookie ACKs\/s (a flow opened, its server sent a SYN)')" "-"
	printf '%-44s %14s %14s\n' "established: dispatcher cycles/packet" "$d_on" "$d_off"
	printf '%-44s %14s %14s\n' "baseline (MAC swap) cycles/packet" "$b_on" "$b_off"
	awk -v a="$d_on" -v b="$d_off" -v x="$b_on" -v y="$b_off" 'BEGIN {
		printf "established-flow cycles, syn_proxy on / off: %.3f (baseline %.3f: the run-to-run spread)\n", a / b, x / y }'
	grep -h '^cycles/packet' "$off"
	exit
fi
if [ "$compare" = 2 ]; then
	echo "command: $bench $mode${*:+ $*} --client-address proxy-v2, then without"
	"$bench" "$mode" "$@" --client-address proxy-v2 2>&1 | tee "$on"
	"$bench" "$mode" "$@" 2>&1 | tee "$off"
	read -r d_on b_on <<<"$(cyc "$on")"
	read -r d_off b_off <<<"$(cyc "$off")"
	echo "== client_address proxy-v2 beside none (same sitting)"
	printf '%-44s %14s %14s\n' "" "proxy-v2" "none"
	printf '%-44s %14s %14s\n' "new flows/s (SYN)" "$(val "$on" 'new flows\/s')" "$(val "$off" 'new flows\/s')"
	printf '%-44s %14s %14s\n' "server SYN-ACK + PROXY header segment/s" \
		"$(val "$on" 'server SYN-ACKs with a PROXY header each\/s')" "-"
	printf '%-44s %14s %14s\n' "established: dispatcher cycles/packet" "$d_on" "$d_off"
	printf '%-44s %14s %14s\n' "baseline (MAC swap) cycles/packet" "$b_on" "$b_off"
	awk -v a="$d_on" -v b="$d_off" -v x="$b_on" -v y="$b_off" 'BEGIN {
		printf "established-flow cycles, proxy-v2 / none: %.3f (baseline %.3f: the run-to-run spread)\n", a / b, x / y }'
	grep -h '^cycles/packet' "$off"
	exit
fi
echo "command: $bench $mode${*:+ $*} --sync, then without --sync"
"$bench" "$mode" "$@" --sync 2>&1 | tee "$on"
"$bench" "$mode" "$@" 2>&1 | tee "$off"
read -r d_on b_on <<<"$(cyc "$on")"
read -r d_off b_off <<<"$(cyc "$off")"
echo "== flow sync on beside off (same sitting)"
printf '%-44s %14s %14s\n' "" "sync on" "sync off"
printf '%-44s %14s %14s\n' "new flows/s (SYN)" "$(val "$on" 'new flows\/s')" "$(val "$off" 'new flows\/s')"
printf '%-44s %14s %14s\n' "server SYN-ACKs/s (reported with sync)" \
	"$(val "$on" 'server SYN-ACKs\/s')" "$(val "$off" 'server SYN-ACKs\/s')"
printf '%-44s %14s %14s\n' "handshakes completed/s" \
	"$(val "$on" 'handshakes completed\/s')" "$(val "$off" 'handshakes completed\/s')"
printf '%-44s %14s %14s\n' "established: dispatcher cycles/packet" "$d_on" "$d_off"
printf '%-44s %14s %14s\n' "baseline (MAC swap) cycles/packet" "$b_on" "$b_off"
awk -v a="$d_on" -v b="$d_off" -v x="$b_on" -v y="$b_off" 'BEGIN {
	printf "established-flow cycles, sync on / off: %.3f (baseline on / off %.3f: the run-to-run spread)\n", a / b, x / y }'
grep -h '^sync records\|^bytes/replica' "$on"
grep -h '^cycles/packet' "$off"
