#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# What a random cache line costs on this machine, by the tables it lies in
# (tests/bench/bench_pages.c): builds bench-pages (release) if needed and
# runs it for tables of 64 MB (a flow entry's table at 1M flows) and of 256 MB,
# on 2 MB pages when they can be had (reserved here for the run as root,
# given back after), else on 4 KB pages. The memory side of
# scripts/bench-fastpath.sh's figures: a packet that reaches its flow through
# more pages pays for each page, not only for each line.
#
#   scripts/bench-pages.sh [bench-pages options, e.g. --iters 4194304]
#
# Environment: NC_BUILD_DIR (default: build, relative to the repository).
set -euo pipefail

# shellcheck source=scripts/bench-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
bench_built tests/bench/bench-pages

# 3 tables of 256 MB on 2 MB pages: 384 pages free
need=384
nr_file=/proc/sys/vm/nr_hugepages
orig_nr=
free_pages() { awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo; }
if [ "$(free_pages)" -lt "$need" ] && [ -w "$nr_file" ]; then
	orig_nr=$(cat "$nr_file")
	echo $((orig_nr + need - $(free_pages))) >"$nr_file" 2>/dev/null || true
	trap 'echo "$orig_nr" >"$nr_file" 2>/dev/null || true' EXIT
fi
[ "$(free_pages)" -lt "$need" ] && echo "bench-pages.sh: fewer than $need free 2 MB pages: 4 KB pages where they run out" >&2

for mb in 64 256; do
	"$bench" --mb "$mb" "$@"
done
