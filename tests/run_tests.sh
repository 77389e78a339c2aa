#!/usr/bin/env bash
# Runs every test binary given as arguments, then every tests/cli/*.sh script,
# and prints one closing line "N passed, N failed, N skipped". Exit 77 = skipped
# (counted as skipped, never as passed). Exit status is non-zero if any failed.
#
# Sanitizer reports (ASan, LeakSanitizer, UBSan, in a SAN=1 build) are written
# to files, through ASAN_OPTIONS and UBSAN_OPTIONS log_path, in one folder per
# test under $BUILD/sanitizer-logs: a report fails the test that produced it,
# whatever the exit status of the program that printed it (a leak on a path
# that exits 1 is as much a failure as one on a path that exits 0), and is
# printed. Options already in ASAN_OPTIONS and UBSAN_OPTIONS are kept.
# NMT_CLI_TESTS=0 runs the binaries given and not the CLI scripts
# (tests/cli/sanitizers.sh runs this script on programs of its own).
set -u
pass=0; fail=0; skip=0; failed=()
SAN_LOGS=$(mkdir -p "${BUILD:-build}" && cd "${BUILD:-build}" && pwd)/sanitizer-logs
rm -rf "$SAN_LOGS"
mkdir -p "$SAN_LOGS"
run_one() {
    local name=$1; shift
    local logs=$SAN_LOGS/${name//\//-}
    mkdir -p "$logs"
    local t0=$(date +%s.%N)
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$logs/asan" \
    UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$logs/ubsan:print_stacktrace=1" \
        "$@"; local rc=$?
    local dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
    local reports=$(find "$logs" -type f -size +0 | sort) why="exit $rc"
    if [ -n "$reports" ]; then
        echo "sanitizer reports from $name ($(wc -l <<<"$reports") processes):"
        for r in $reports; do
            echo "  $r:"
            head -n 40 "$r" | sed 's/^/    /'
        done
        why="sanitizer reports, exit $rc"
        rc=1   # a report fails the test, even one that passed or skipped
    fi
    case $rc in
        0) pass=$((pass+1)); echo "PASS $name (${dt}s)";;
        77) skip=$((skip+1)); echo "SKIP $name";;
        *) fail=$((fail+1)); failed+=("$name"); echo "FAIL $name ($why, ${dt}s)";;
    esac
}
for t in "$@"; do run_one "$(basename "$t")" "$t"; done
for s in tests/cli/*.sh; do
    [ -e "$s" ] && [ "${NMT_CLI_TESTS:-1}" != 0 ] || continue
    run_one "cli/$(basename "$s" .sh)" bash "$s"
done
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
