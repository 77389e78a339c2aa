#!/usr/bin/env bash
# Runs every test binary given as arguments, then every tests/cli/*.sh script,
# and prints one closing line "N passed, N failed, N skipped". Exit 77 = skipped
# (counted as skipped, never as passed). Exit status is non-zero if any failed.
set -u
pass=0; fail=0; skip=0; failed=()
run_one() {
    local name=$1; shift
    local t0=$(date +%s.%N)
    "$@"; local rc=$?
    local dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
    case $rc in
        0) pass=$((pass+1)); echo "PASS $name (${dt}s)";;
        77) skip=$((skip+1)); echo "SKIP $name";;
        *) fail=$((fail+1)); failed+=("$name"); echo "FAIL $name (exit $rc, ${dt}s)";;
    esac
}
for t in "$@"; do run_one "$(basename "$t")" "$t"; done
for s in tests/cli/*.sh; do
    [ -e "$s" ] || continue
    run_one "cli/$(basename "$s" .sh)" bash "$s"
done
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
