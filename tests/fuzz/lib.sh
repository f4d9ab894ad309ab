# shellcheck shell=bash
# Shared by tests/fuzz/run.sh and scripts/fuzz.sh (sourced, from the top of
# the tree, after tests/fuzz/build.sh). The targets, and one run of one.

# shellcheck disable=SC2034 # used by the scripts that source this
FUZZ_TARGETS="http config cluster worker api sync"
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}

# Longest input per target (bytes): a frame list, a startup file, ...
fuzz_max_len() {
	case $1 in
	http) echo 16384 ;;
	config) echo 65536 ;;
	worker) echo 16384 ;;
	*) echo 4096 ;;
	esac
}

# fuzz_run TARGET SECONDS: SECONDS 0 replays tests/fuzz/corpus/TARGET once
# (every input run once); more fuzzes that long from it, new inputs kept in
# $FUZZ_BUILD/corpus/TARGET. Prints the executions and the coverage reached;
# on a crash, leak, timeout or sanitizer report the reproducer's path and
# returns 1.
fuzz_run() {
	local t=$1 secs=$2 bin="$FUZZ_BUILD/tests/fuzz/fuzz_$1" work="$FUZZ_BUILD/corpus/$1"
	local art="$FUZZ_BUILD/artifacts/$1" log="$FUZZ_BUILD/fuzz-$1.log" rc runs took cov repro
	local dirs=("tests/fuzz/corpus/$t") opts=(-runs=0)

	mkdir -p "$work" "$art" || return 1
	if [ "$secs" -gt 0 ]; then
		dirs=("$work" "tests/fuzz/corpus/$t")
		opts=(-max_total_time="$secs")
	fi
	rm -f "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-*
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$bin" "${opts[@]}" -rss_limit_mb=4096 -timeout=20 -max_len="$(fuzz_max_len "$t")" \
		-print_final_stats=1 -artifact_prefix="$art/" "${dirs[@]}" >"$log" 2>&1
	rc=$?
	runs=$(awk '/^stat::number_of_executed_units:/ {print $2}' "$log")
	took=$(awk '/^Done [0-9]+ runs in/ {print $5}' "$log")
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9a-zA-Z]*' "$log" | tail -1)
	# shellcheck disable=SC2012 # libFuzzer names them crash-<sha1>: no odd characters
	repro=$(ls -t "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-* 2>/dev/null | head -1)
	echo "fuzz $t: ${runs:-?} executions in ${took:-?} s, ${cov:-no coverage line}"
	if [ "$rc" -eq 0 ] && [ -z "$repro" ]; then
		return 0
	fi
	grep -E 'ERROR|SUMMARY|check failed|runtime error|^    #[0-9]' "$log" | head -30
	if [ -n "$repro" ]; then
		echo "fuzz $t: FAILED (exit $rc); reproducer: $repro (run it again: $bin $repro); log: $log"
	else
		echo "fuzz $t: FAILED (exit $rc), no reproducer written; log: $log"
	fi
	return 1
}
