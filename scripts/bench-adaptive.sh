#!/usr/bin/env bash
# Self-controlled load distribution on the paper's Table 2/3 workload: servers
# n0 n1 n2 in the namespace lab cost 100000 / 10000000 / 100000000 loops per
# request; the same nc-client load (6 clients, 5-request transactions, a new
# TCP connection per request) runs for the same time against the appliance
# with, one after another in one run:
#   static  equal weights 34/33/33, adaptive off
#   paper   the paper's rule: every second the slowest server -1, the fastest +1
#   fast    weights follow server speed within a few intervals, then hold
# It prints each mode's weight timeline (as the paper's Table 3), requests/s,
# p99 latency, the time its weights took to cover 90% of their move (t90) and
# to settle (from then on never more than 2 points from their final values),
# and plots the weights over time with gnuplot (PNG).
#
# As root (sudo where it is installed):
#   scripts/bench-adaptive.sh [--seconds 60] [--clients 6]
#        [--modes "static paper fast"] [--out DIR (default bench-out/adaptive)]
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
SECS=60
CLIENTS=6
MODES="static paper fast"
OUT=$ROOT/bench-out/adaptive
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) SECS=${2:?}; shift ;;
	--clients) CLIENTS=${2:?}; shift ;;
	--modes) MODES=${2:?}; shift ;;
	--out) OUT=${2:?}; shift ;;
	-h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "bench-adaptive: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || { echo "bench-adaptive: run as root (sudo where it is installed): it creates network namespaces" >&2; exit 1; }
# shellcheck disable=SC2164 # ROOT is where cd just found the tree
cd "$ROOT"
scripts/deps.sh --peers || exit 1
{ [ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null; } && ninja -C "$BUILD" >/dev/null || exit 1
scripts/hugepages.sh 256 >/dev/null || true
export BUILD
# shellcheck source-path=SCRIPTDIR source=lab-lib.sh
. "$ROOT/scripts/lab-lib.sh"
mkdir -p "$OUT"
W=$(mktemp -d /tmp/nc-bench-adaptive.XXXXXX)
cleanup() {
	nc_stop >/dev/null 2>&1
	"$ROOT/scripts/lab.sh" down >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# Settling time of a weights log: the first interval after which no web weight
# is ever more than 2 points from its final value. Prints seconds.
settle_time() {
	awk -F, 'NR == 1 { next } $2 != "web" { next }
		{ if (t0 == "") t0 = $1; k = $1 - t0; key[++n] = k; srv[n] = $3; w[n] = $4; last[$3] = $4 }
		END { s = 0; for (i = 1; i <= n; i++) { d = w[i] - last[srv[i]];
			if (d > 2 || d < -2) s = key[i] + 1 } printf "%.0f\n", s }' "$1"
}

# Rise time of a weights log: the first interval at which every web weight has
# covered 90% of its way from the first interval's weight to its final one.
rise_time() {
	awk -F, 'NR == 1 { next } $2 != "web" { next }
		{ if (t0 == "") t0 = $1; k = $1 - t0; if (!($3 in first)) first[$3] = $4
		  key[++n] = k; srv[n] = $3; w[n] = $4; last[$3] = $4 }
		END { for (i = 1; i <= n; i++) { s = srv[i]; d = last[s] - first[s]
			ok[key[i], s] = (d == 0) || ((w[i] - first[s]) / d >= 0.9) }
		      for (i = 1; i <= n; i++) { all = 1
			for (s in last) if (!ok[key[i], s]) all = 0
			if (all) { printf "%.0f\n", key[i]; exit } }
		      print "-" }' "$1"
}

# Weights at t = 0, 10, 20, ... s: "t n0 n1 n2" rows (the last row at or before t).
timeline() {
	awk -F, -v step=10 -v end="$SECS" 'NR == 1 { next } $2 != "web" { next }
		{ if (t0 == "") t0 = $1; k = $1 - t0; w[$3] = $4
		  if ($3 == "n2") { T[++n] = k; a[n] = w["n0"]; b[n] = w["n1"]; c[n] = w["n2"] } }
		END { for (t = 0; t <= end; t += step) { j = 0
			for (i = 1; i <= n; i++) if (T[i] <= t + 0.5) j = i
			if (j) printf "%d %d %d %d\n", t, a[j], b[j], c[j] } }' "$1"
}

for mode in $MODES; do
	if [ "$mode" = static ]; then
		filter='.services[0].adaptive.enabled = false'
	else
		filter=".services[0].adaptive = { enabled: true, mode: \"$mode\", interval_ms: 1000, step: 1, min_weight: 1 }"
	fi
	jq ".services[0].servers[0].weight = 34 | .services[0].servers[1].weight = 33 |
		.services[0].servers[2].weight = 33 | $filter" config/lab.json >"$W/$mode.json"
	rm -f "$OUT/$mode.csv"
	echo "bench-adaptive: $mode, $SECS s, $CLIENTS clients" >&2
	# a fresh lab per mode: no server TIME_WAIT sockets or backlog from the last one
	scripts/lab.sh down >/dev/null 2>&1
	scripts/lab.sh up --loops 100000,10000000,100000000 >"$W/lab.log" 2>&1 || { cat "$W/lab.log"; exit 1; }
	nc_start "$W/$mode.json" "$OUT/$mode.log" --weights-log "$OUT/$mode.csv" || exit 1
	timeout $((SECS + 60)) ip netns exec lab-client "$NC_CLIENT" --json --quiet \
		--target "$LAB_VIP:80" --mode close -c "$CLIENTS" -k 5 --duration "$SECS" \
		--timeout-ms 30000 >"$OUT/$mode.client.json" 2>"$W/$mode.client.err"
	nc_stop >/dev/null
done

{
	echo "Weights over time (web: n0 n1 n2, percent), as the paper's Table 3"
	printf '%6s' "t(s)"
	for mode in $MODES; do printf ' | %-12s' "$mode"; done
	echo
	for mode in $MODES; do timeline "$OUT/$mode.csv" >"$W/$mode.tl"; done
	# shellcheck disable=SC2086 # MODES: one word per mode
	first=$(set -- $MODES; echo "$1")
	while read -r t _; do
		printf '%6s' "$t"
		for mode in $MODES; do
			printf ' | %-12s' "$(awk -v t="$t" '$1 == t { printf "%d %d %d", $2, $3, $4 }' "$W/$mode.tl")"
		done
		echo
	done <"$W/$first.tl"
	echo
	printf '%-8s %9s %8s %8s %7s %7s %9s %s\n' mode "req/s" "p50 ms" "p99 ms" broken "t90 s" \
		"settle s" "final n0/n1/n2"
	for mode in $MODES; do
		c=$OUT/$mode.client.json
		fw=$(awk -F, '$2 == "web" { w[$3] = $4 } END { printf "%d/%d/%d", w["n0"], w["n1"], w["n2"] }' "$OUT/$mode.csv")
		# shellcheck disable=SC2015 # "static && echo - || ...": echo never fails
		printf '%-8s %9.0f %8.2f %8.2f %7d %7s %9s %s\n' "$mode" "$(jq .rps "$c")" "$(jq .p50_ms "$c")" \
			"$(jq .p99_ms "$c")" "$(jq .broken "$c")" \
			"$([ "$mode" = static ] && echo - || rise_time "$OUT/$mode.csv")" \
			"$([ "$mode" = static ] && echo - || settle_time "$OUT/$mode.csv")" "$fw"
	done
} | tee "$OUT/summary.txt"

if [ -f "$OUT/paper.csv" ] && [ -f "$OUT/fast.csv" ]; then
	p=$(settle_time "$OUT/paper.csv"); f=$(settle_time "$OUT/fast.csv")
	pr=$(rise_time "$OUT/paper.csv"); fr=$(rise_time "$OUT/fast.csv")
	awk -v p="$p" -v f="$f" -v pr="$pr" -v fr="$fr" 'BEGIN {
		printf "fast settles %.1fx sooner than paper (%s s vs %s s); reaches 90%% of its move %.1fx sooner (%s s vs %s s)\n",
			p / (f > 0 ? f : 1), f, p, pr / (fr > 0 ? fr : 1), fr, pr }' | tee -a "$OUT/summary.txt"
fi

# One panel per mode: weights over time.
plot=$W/plot.gp
{
	echo "set terminal pngcairo size $((420 * $(wc -w <<<"$MODES"))),360 font 'sans,9'"
	echo "set output '$OUT/adaptive.png'"
	echo "set datafile separator ','"
	echo "set multiplot layout 1,$(wc -w <<<"$MODES")"
	echo "set yrange [0:100]; set xrange [0:$SECS]; set grid; set key right center"
	echo "set xlabel 'time (s)'; set ylabel 'weight (%)'"
	for mode in $MODES; do
		t0=$(awk -F, 'NR == 2 { print $1; exit }' "$OUT/$mode.csv")
		echo "set title '$mode'"
		printf "plot"
		sep=""
		for n in n0 n1 n2; do
			printf "%s '< grep \",web,%s,\" %s' using (\$1-%s):4 with lines lw 2 title '%s'" \
				"$sep" "$n" "$OUT/$mode.csv" "$t0" "$n"
			sep=","
		done
		echo
	done
	echo "unset multiplot"
} >"$plot"
if command -v gnuplot >/dev/null && gnuplot "$plot" 2>"$W/gnuplot.err"; then
	echo "plot: $OUT/adaptive.png"
else
	echo "bench-adaptive: gnuplot failed:" >&2
	cat "$W/gnuplot.err" >&2
fi
