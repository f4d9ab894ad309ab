#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Netchestra fast-path instruction count: bench-fastpath (release build) under
# valgrind's callgrind, which counts the instructions each function executes.
# Unlike cycles, the count does not move with a shared or busy machine, so a
# change to the fast path can be judged by it within one run; it says nothing
# of what the instructions wait for (memory, mispredicted branches), which
# scripts/bench-fastpath.sh measures.
#
#   scripts/bench-instructions.sh [--flows N] [--family 4|6|64]
#
# Counted: the data plane's own calls (nc_worker_rx, nc_worker_tx_take,
# nc_worker_tick) for the dispatcher; base_pass() (the MAC swap) for the
# baseline. Not counted: the harness's reflect step and packet checks. Each is
# the difference between a run of 20 and one of 60 timed passes over the same
# flows, divided by the 40 passes' packets, so opening the flows and starting
# the EAL drop out. Default 4,096 flows (each run takes seconds under
# valgrind; the count per packet does not depend on how many flows there are).
# The last line is
#     instructions/packet: dispatcher D baseline B ratio R
#
# Environment: NC_BUILD_DIR build directory (default: build).
set -euo pipefail

# shellcheck source=scripts/bench-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
flows=4096
family=4
while [ $# -gt 0 ]; do
	case $1 in
	--flows) flows=$2; shift 2 ;;
	--family) family=$2; shift 2 ;;
	*) echo "bench-instructions.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
case $flows in ''|*[!0-9]*) echo "bench-instructions.sh: --flows N" >&2; exit 2 ;; esac

bench_built tests/bench/bench-fastpath
command -v valgrind >/dev/null || bash "$root/scripts/deps.sh" --peers >&2
command -v valgrind >/dev/null || { echo "bench-instructions.sh: valgrind is missing" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# instructions counted in the functions <fn...> over a run of <passes> passes
count() {
	local passes=$1 out=$tmp/cg.$1.$2 t=()
	shift 2
	for fn in "$@"; do t+=(--toggle-collect="$fn"); done
	valgrind --tool=callgrind "${t[@]}" --callgrind-out-file="$out" \
		"$bench" --no-huge --flows "$flows" --family "$family" --passes "$passes" \
		>"$out.log" 2>&1 || { cat "$out.log" >&2; echo "bench-instructions.sh: bench-fastpath failed" >&2; exit 1; }
	callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
}

d20=$(count 20 d nc_worker_rx nc_worker_tx_take nc_worker_tick)
d60=$(count 60 d nc_worker_rx nc_worker_tx_take nc_worker_tick)
b20=$(count 20 b base_pass)
b60=$(count 60 b base_pass)
pkts=$((40 * flows))
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) CPUs"
echo "build: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown), $flows flows, family $family"
python3 - "$d20" "$d60" "$b20" "$b60" "$pkts" <<'EOF'
import sys
d20, d60, b20, b60, pkts = (int(x) for x in sys.argv[1:])
d = (d60 - d20) / pkts
b = (b60 - b20) / pkts
print(f"dispatcher: {d:.1f} instructions/packet (nc_worker_rx, nc_worker_tx_take, nc_worker_tick)")
print(f"baseline (MAC swap): {b:.1f} instructions/packet (base_pass)")
print(f"instructions/packet: dispatcher {d:.1f} baseline {b:.1f} ratio {d / b:.2f}")
EOF
