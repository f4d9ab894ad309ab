#!/usr/bin/env bash
# The fuzz suite: tests/fuzz/run.sh [SECONDS] (default 20). Builds every
# libFuzzer target under AddressSanitizer + UndefinedBehaviorSanitizer
# (tests/fuzz/build.sh), replays each target's checked-in corpus
# (tests/fuzz/corpus/<target>: the regression inputs, every crash found kept
# there) and then fuzzes each target SECONDS from it (the HTTP framer 60 s
# at the default, as before). Targets (tests/fuzz/fuzz_<target>.c): http,
# config, cluster, worker, api, sync.
# One PASS/FAIL line per target (its replay and its run), then
# "N passed, N failed"; a failure names the reproducer.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
secs=${1:-20}
# shellcheck source=tests/fuzz/lib.sh
. tests/fuzz/lib.sh
passed=0 failed=0
result() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

echo "fuzz: building the targets in $FUZZ_BUILD"
if ! tests/fuzz/build.sh; then
	failed=$(wc -w <<<"$FUZZ_TARGETS")
	result
fi
for t in $FUZZ_TARGETS; do
	s=$secs
	[ "$t" != http ] || [ "$secs" -ne 20 ] || s=60
	if fuzz_run "$t" 0 && fuzz_run "$t" "$s"; then
		echo "PASS fuzz $t: corpus replayed, $s s fuzzed"
		passed=$((passed + 1))
	else
		echo "FAIL fuzz $t"
		failed=$((failed + 1))
	fi
done
result
