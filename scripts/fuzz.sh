#!/usr/bin/env bash
# Fuzz one target for longer: scripts/fuzz.sh TARGET SECONDS
#   TARGET: http (lib/http's HTTP/1 framer), config (the startup file's
#   loader), cluster (the cluster channel's receive side), worker (the
#   worker's receive path and the control lcore's handling of what it passes
#   up, on tests/fuzz/worker.json), api (the management API's answers), sync
#   (flow sync's records from peers, app/netchestra/sync.c).
# Builds the target if needed (tests/fuzz/build.sh: clang, libFuzzer, ASan +
# UBSan, in build-fuzz), starts from tests/fuzz/corpus/TARGET and what earlier
# runs kept in build-fuzz/corpus/TARGET, and prints the executions and the
# coverage reached (cov: edges, ft: features) at the end. A crash, leak,
# timeout or sanitizer report prints the reproducer's path; keep it in
# tests/fuzz/corpus/TARGET once fixed. Exit 0 when the run was clean.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tests/fuzz/lib.sh
. tests/fuzz/lib.sh
usage() { echo "usage: scripts/fuzz.sh TARGET SECONDS (TARGET: ${FUZZ_TARGETS// /, })" >&2; exit 2; }
[ $# -eq 2 ] || usage
[[ " $FUZZ_TARGETS " == *" $1 "* ]] || usage
if ! [[ $2 =~ ^[0-9]+$ ]] || [ "$2" -eq 0 ]; then usage; fi
tests/fuzz/build.sh "$1" || exit 1
fuzz_run "$1" "$2"
