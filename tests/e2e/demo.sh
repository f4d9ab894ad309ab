#!/usr/bin/env bash
# End-to-end test of the demo, the first thing a user runs: scripts/demo.sh
# for 20 s of TCP transactions with the fail-safe and affinity on, n1 killed
# (SIGKILL) at 6 s and n2 frozen (SIGSTOP) at 12 s, then its comparison run,
# the same failure with the fail-safe off on a fresh lab. The demo must exit 0,
# its summary count no broken transaction, its output carry the appliance's
# fail-over lines (the paper's figure 11), a recorded frame of its live view
# show n1 and n2 down, and the comparison line break transactions.
# Then the demo with --dispatchers 2 (the cluster lab: two dispatchers behind
# lab-rtr), the same failures, no comparison run: exit 0, 0 transactions
# broken, both dispatchers carrying flows (its summary line and its frames),
# each dispatcher's column group showing n1 and n2 down. DEMO_ONLY=single or
# cluster runs one part.
# Usage: tests/e2e/demo.sh BUILD_DIR
# shellcheck source-path=SCRIPTDIR
E2E_NAME=demo
# shellcheck source=e2e-lib.sh
. "$(dirname "$0")/e2e-lib.sh" "$@"

OUT=$W/demo.out
FRAMES=$W/frames.txt
if [ "${DEMO_ONLY:-}" != cluster ]; then
"$ROOT/scripts/demo.sh" --seconds 20 --fail-at 6 --freeze-at 12 --record "$FRAMES" >"$OUT" 2>&1
rc=$?
if [ "$rc" = 0 ]; then
	ok "the demo exits 0"
else
	bad "the demo exits 0 (exit $rc)" "$OUT"
fi

line=$(grep -E '^with the fail-safe \(n1 killed at 6 s, n2 frozen at 12 s, 20 s\): [0-9]+ transactions broken of [0-9]+$' "$OUT")
if [[ $line =~ :\ 0\ transactions\ broken\ of\ [1-9][0-9]*$ ]]; then
	ok "summary: $line"
else
	bad "summary: 0 transactions broken with the fail-safe (got '${line:-no summary line}')" "$OUT"
fi

if grep -q 'broken transaction detected: tcp .* -> web on n1 ' "$OUT" &&
	grep -q 'transaction continued on n[02]: tcp .* -> web$' "$OUT"; then
	ok "the appliance's fail-over lines: $(grep -m 1 -o 'broken transaction detected: tcp .* -> web on n1 .*' "$OUT")"
else
	bad "the appliance's fail-over lines (broken transaction detected ... on n1, transaction continued on ...)" "$OUT"
fi

# a frame's server rows: "n1     10.201.0.12:8080  down ..."
for n in n1 n2; do
	if grep -qE "^$n +[0-9.]+:[0-9]+ +down " "$FRAMES"; then
		ok "a recorded frame shows $n down ($(grep -c '^--- ' "$FRAMES") frames recorded)"
	else
		bad "a recorded frame shows $n down" "$FRAMES"
	fi
done

line=$(grep -E '^without the fail-safe \(same failure, [0-9]+ s\): ' "$OUT")
if [[ $line =~ :\ [1-9][0-9]*\ transactions\ broken\ of\ [0-9]+$ ]]; then
	ok "comparison: $line"
else
	bad "comparison: transactions broken without the fail-safe (got '${line:-no comparison line}')" "$OUT"
fi
fi

# ---- two dispatchers behind lab-rtr ----
if [ "${DEMO_ONLY:-}" != single ]; then
OUT=$W/cluster.out
FRAMES=$W/cluster-frames.txt
"$ROOT/scripts/demo.sh" --dispatchers 2 --seconds 20 --fail-at 6 --freeze-at 12 --compare off \
	--record "$FRAMES" >"$OUT" 2>&1
rc=$?
if [ "$rc" = 0 ]; then
	ok "--dispatchers 2: the demo exits 0"
else
	bad "--dispatchers 2: the demo exits 0 (exit $rc)" "$OUT"
fi
line=$(grep -E '^with the fail-safe \(n1 killed at 6 s, n2 frozen at 12 s, 20 s\): [0-9]+ transactions broken of [0-9]+$' "$OUT")
if [[ $line =~ :\ 0\ transactions\ broken\ of\ [1-9][0-9]*$ ]]; then
	ok "--dispatchers 2: summary: $line"
else
	bad "--dispatchers 2: summary: 0 transactions broken with the fail-safe (got '${line:-no summary line}')" "$OUT"
fi
line=$(grep -E '^flows per dispatcher \(ECMP at lab-rtr\): ' "$OUT")
if [[ $line =~ d0\ [1-9][0-9]*\ .*d1\ [1-9][0-9]*\  ]]; then
	ok "--dispatchers 2: both carried flows: $line"
else
	bad "--dispatchers 2: both dispatchers carry flows (got '${line:-no line}')" "$OUT"
fi
# a frame's dispatcher rows ("d0         ready ...") and server rows with a
# column group per dispatcher: "n1     10.201.0.12:8080 ... down ... down ..."
if grep -qE '^d0 +ready ' "$FRAMES" && grep -qE '^d1 +ready ' "$FRAMES" &&
	grep -q '^lab-rtr routes the VIP via: d0 d1$' "$FRAMES"; then
	ok "--dispatchers 2: recorded frames show d0 and d1 ready, lab-rtr routing the VIP via both"
else
	bad "--dispatchers 2: frames show both dispatchers ready and routed" "$FRAMES"
fi
for n in n1 n2; do
	if grep -qE "^$n +[0-9.]+:[0-9]+ +[0-9]+ +[0-9.]+ +down .* down " "$FRAMES"; then
		ok "--dispatchers 2: a recorded frame shows $n down on both dispatchers"
	else
		bad "--dispatchers 2: a recorded frame shows $n down on both dispatchers" "$FRAMES"
	fi
done
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
