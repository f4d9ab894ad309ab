#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Netchestra fast-path benchmark: builds bench-fastpath (release) if needed,
# reserves hugepages when it can (and gives them back afterwards), runs it, and
# prints the date, the machine and the results. The last line is
#     cycles/packet: dispatcher D baseline B ratio R
#
#   scripts/bench-fastpath.sh [bench-fastpath options]
#       e.g. --flows 1048576 --passes 5 | --no-huge | --expire | --max-flows M
#
# Environment:
#   NC_BUILD_DIR   build directory (default: build, relative to the repository)
#   NC_BENCH_HUGE  0: never touch hugepages, run with --no-huge
# Needs root to reserve hugepages; without it (or when the kernel refuses), the
# benchmark runs on ordinary 4 KB pages and says so.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${NC_BUILD_DIR:-build}
case $build in
/*) ;;
*) build=$root/$build ;;
esac
bench=$build/tests/bench/bench-fastpath

log() { echo "bench-fastpath.sh: $*" >&2; }

# ---- build ----
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$root" --buildtype=release >&2
fi
buildtype=$(meson introspect --buildoptions "$build" 2>/dev/null |
	python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "buildtype"))' \
	2>/dev/null || echo unknown)
ninja -C "$build" tests/bench/bench-fastpath >&2

# ---- hugepages ----
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
	need_mb=$("$bench" "$@" --mem-needed)
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
echo "command: $bench $mode${*:+ $*}"
"$bench" "$mode" "$@" 2>&1
