# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the microbenchmark scripts (bench-fastpath.sh, bench-instructions.sh,
# bench-pages.sh). bench_built TARGET sets root (the repository), build
# (NC_BUILD_DIR, default build, relative to the repository) and bench (TARGET's
# path in it), sets up a release build there when there is none, and builds
# TARGET (ninja's output on stderr).
# shellcheck shell=bash disable=SC2034 # root, build and bench are for the caller
bench_built() {
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	build=${NC_BUILD_DIR:-build}
	case $build in
	/*) ;;
	*) build=$root/$build ;;
	esac
	bench=$build/$1
	[ -f "$build/build.ninja" ] || meson setup "$build" "$root" --buildtype=release >&2
	ninja -C "$build" "$1" >&2
}
