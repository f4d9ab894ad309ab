#!/usr/bin/env bash
# Reserve N 2 MB hugepages (default 512) and make sure hugetlbfs is mounted.
# Exit 0 when at least some are available, 1 otherwise. As root (sudo where
# it is installed).
set -u
[ "$(id -u)" = 0 ] || { echo "hugepages: run as root (sudo where it is installed): it reserves hugepages and mounts hugetlbfs" >&2; exit 1; }
want=${1:-512}
if [ -w /proc/sys/vm/nr_hugepages ]; then
	have=$(cat /proc/sys/vm/nr_hugepages)
	[ "$have" -ge "$want" ] || echo "$want" >/proc/sys/vm/nr_hugepages 2>/dev/null
fi
if ! grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
	mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null
fi
free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
echo "hugepages: ${free:-0} free of $(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)"
[ "${free:-0}" -gt 0 ] && grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts
