#!/usr/bin/env bash
# The sanitizer suite's net (make check-san, CI's make SAN=1 test): a report of
# ASan, LeakSanitizer or UBSan fails the test whose program printed it, whatever
# that program's exit status. tests/run_tests.sh is run here on small programs
# of our own, built with the sanitizers as the SAN=1 build is (Makefile):
#  - a leak in a program that exits 1, as nmt does on an error path;
#  - undefined behaviour (UBSan stops the program with exit 1);
#  - a heap overflow in a program whose exit status nobody checks (a pipe);
#  - and, for comparison, a clean program exiting 1 (a failure, without
#    report) and one exiting 0 (a pass).
# Skipped when the compiler cannot build with -fsanitize=address,undefined.
source "$(dirname "$0")/lib.sh"

CC=${CC:-cc}
SANFLAGS=(-g -fsanitize=address,undefined -fno-sanitize-recover=undefined)
echo 'int main(void) { return 0; }' >"$TMP/probe.c"
"$CC" "${SANFLAGS[@]}" "$TMP/probe.c" -o "$TMP/probe" 2>/dev/null || skip "$CC cannot build with the sanitizers"
# as the Makefile links them (GCC: the runtimes linked statically, else not every report follows log_path)
"$CC" "${SANFLAGS[@]}" -static-libasan -static-libubsan "$TMP/probe.c" -o "$TMP/probe" 2>/dev/null &&
    SANFLAGS+=(-static-libasan -static-libubsan)

build() {   # build NAME SOURCE
    printf '%s\n' "$2" >"$TMP/$1.c"
    "$CC" "${SANFLAGS[@]}" "$TMP/$1.c" -o "$TMP/$1" || { fail "cannot build $1"; return 1; }
}
build leak_exit1 '#include <stdlib.h>
#include <stdio.h>
int main(void) { char *p = malloc(64); p[0] = 1; p = NULL; fprintf(stderr, "an error\n"); return 1; }'
build ub_exit '#include <limits.h>
#include <stdio.h>
int main(int argc, char **argv) { int x = INT_MAX; x += argc; printf("%d\n", x); return 0; }'
build overflow_piped '#include <stdlib.h>
#include <stdio.h>
int main(int argc, char **argv) { char *p = malloc(8); p[8 + argc] = 1; printf("%d\n", p[0]); free(p); return 0; }'
build clean_exit1 'int main(void) { return 1; }'
build clean_exit0 'int main(void) { return 0; }'
# a program whose exit status is lost: the suite's scripts do that (a pipe, $(...))
cat >"$TMP/piped.sh" <<EOS
#!/usr/bin/env bash
"$TMP/overflow_piped" | cat >/dev/null
exit 0
EOS
chmod +x "$TMP/piped.sh"

runner() {   # runner PROGRAM...: tests/run_tests.sh on the programs alone
    (cd "$REPO_ROOT" && NMT_CLI_TESTS=0 BUILD="$TMP/build" bash tests/run_tests.sh "$@")
}
run 1 runner "$TMP/leak_exit1"
check "a leak in a program that exits 1 fails its test, named as a sanitizer report" \
    grep -q "^FAIL leak_exit1 (sanitizer reports, exit 1" "$OUT"
check "the leak report is printed" grep -q "LeakSanitizer: detected memory leaks" "$OUT"
run 1 runner "$TMP/ub_exit"
check "undefined behaviour fails its test as a sanitizer report" grep -q "^FAIL ub_exit (sanitizer reports" "$OUT"
check "the UBSan report is printed" grep -q "runtime error: signed integer overflow" "$OUT"
run 1 runner "$TMP/piped.sh"
check "a heap overflow in a piped program (its exit status lost) fails the test" \
    grep -q "^FAIL piped.sh (sanitizer reports, exit 0" "$OUT"
check "the ASan report is printed" grep -q "AddressSanitizer: heap-buffer-overflow" "$OUT"
run 1 runner "$TMP/clean_exit1"
check "a clean program exiting 1 fails, with no sanitizer report" grep -q "^FAIL clean_exit1 (exit 1," "$OUT"
run 0 runner "$TMP/clean_exit0"
check "a clean program exiting 0 passes" grep -q "^PASS clean_exit0" "$OUT"
check "the closing line counts it" grep -q "^1 passed, 0 failed, 0 skipped" "$OUT"
finish
