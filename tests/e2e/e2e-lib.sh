# shellcheck shell=bash source-path=SCRIPTDIR
# Common start of the end-to-end suites (run.sh, adaptive.sh, failsafe.sh):
# set E2E_NAME, then source this with the suite's arguments (BUILD_DIR).
# It sets ROOT, BUILD, LAB, W (the work directory, kept with KEEP=1), the
# lab helpers (scripts/lab-lib.sh), ok/bad with their pass/fail counts, tel
# (one DPDK telemetry reply), and a cleanup on exit that stops the appliance
# and takes the lab down (a suite may define e2e_cleanup for more). It ends
# the suite at once: without root in one line, before anything else, and
# without the built programs as one failure.
set -uo pipefail
[ "$(id -u)" = 0 ] || { echo "$0: run as root (sudo where it is installed): it creates network namespaces" >&2; exit 1; }
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export BUILD
# shellcheck source=../../scripts/lab-lib.sh
. "$ROOT/scripts/lab-lib.sh"
LAB=$ROOT/scripts/lab.sh
W=$(mktemp -d "/tmp/nc-$E2E_NAME.XXXXXX")
pass=0; fail=0
ok()  { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; [ -z "${2:-}" ] || sed 's/^/    /' "$2" | tail -40; fail=$((fail + 1)); }
e2e_give_up() { echo "$E2E_NAME: $1"; echo "0 passed, 1 failed"; exit 1; }

cleanup() {
	if declare -F e2e_cleanup >/dev/null; then e2e_cleanup; fi
	nc_stop >/dev/null 2>&1
	"$LAB" down >/dev/null 2>&1
	[ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for b in "$NC_BIN" "$NC_CLIENT" "$BUILD/tests/tools/nc-backend"; do
	[ -x "$b" ] || e2e_give_up "missing $b"
done
TELEMETRY=$(command -v dpdk-telemetry.py) || e2e_give_up "dpdk-telemetry.py missing"
# tel <command>: one telemetry reply (JSON) from the running lab appliance
tel() { echo "$1" | timeout 10 python3 "$TELEMETRY" -f nc-lab 2>/dev/null | tail -1; }
