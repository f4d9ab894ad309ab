#!/usr/bin/env bash
# Build the libFuzzer targets: tests/fuzz/build.sh [TARGET...] (default: all).
# A meson build directory of its own ($FUZZ_BUILD, default build-fuzz) with
# clang, -Dfuzz=true and AddressSanitizer + UndefinedBehaviorSanitizer; every
# library carries the coverage counters, each target links libFuzzer.
# Targets land in $FUZZ_BUILD/tests/fuzz/fuzz_<name>. Needs clang and its
# runtime libraries (Debian: clang-14 libclang-rt-14-dev, scripts/deps.sh).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/fuzz/lib.sh
. tests/fuzz/lib.sh
cc=""
for c in clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14; do
	command -v "$c" >/dev/null 2>&1 && { cc=$c; break; }
done
[ -n "$cc" ] || { echo "fuzz: no clang found (scripts/deps.sh installs clang-14)" >&2; exit 1; }
mkdir -p "$FUZZ_BUILD" || exit 1
if [ ! -f "$FUZZ_BUILD/build.ninja" ]; then
	CC=$cc meson setup "$FUZZ_BUILD" -Dfuzz=true -Dtests=false -Dbuildtype=debug \
		-Db_sanitize=address,undefined -Db_lundef=false >"$FUZZ_BUILD/fuzz-setup.log" 2>&1 ||
		{ cat "$FUZZ_BUILD/fuzz-setup.log" >&2; echo "fuzz: meson setup $FUZZ_BUILD failed" >&2; exit 1; }
fi
targets=()
# shellcheck disable=SC2086
[ $# -ne 0 ] || set -- $FUZZ_TARGETS
for t in "$@"; do targets+=("tests/fuzz/fuzz_$t"); done
ninja -C "$FUZZ_BUILD" "${targets[@]}" >"$FUZZ_BUILD/fuzz-build.log" 2>&1 ||
	{ tail -40 "$FUZZ_BUILD/fuzz-build.log" >&2; echo "fuzz: build failed ($FUZZ_BUILD/fuzz-build.log)" >&2; exit 1; }
