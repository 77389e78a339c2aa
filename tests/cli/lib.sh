#!/usr/bin/env bash
# Shared helpers for the CLI tests (tests/cli/*.sh). The other scripts source
# this file; tests/run_tests.sh also runs it on its own, and then it checks
# its own helpers (the synthetic corpus must be byte-identical everywhere,
# since the tests' expectations are built on it).
#
# Environment: NMT_BIN (the nmt binary; default bin/nmt, relative paths are
# taken from the current folder, which the runner sets to the repository root),
# NMT_DATA (corpus folder, see need_corpus), CI.
#
# Conventions: every nmt run goes through `nmt` (nice -n 19, so that the tests
# never slow down a long training running on the same machine); `run RC CMD...`
# runs a command and checks its exit status, leaving its output in $OUT and $ERR;
# a failed check prints "FAIL: ..." and the script goes on, `finish` turns the
# count into the exit status (0 pass, 1 fail).

set -euo pipefail

NMT_BIN=${NMT_BIN:-bin/nmt}
case $NMT_BIN in /*) ;; *) NMT_BIN=$PWD/$NMT_BIN ;; esac
if [ ! -x "$NMT_BIN" ]; then
    echo "FAIL: NMT_BIN=$NMT_BIN is not an executable (run make first)" >&2
    exit 1
fi
export NMT_BIN
# Never let the user's environment choose threads or data folders behind a test's back.
unset OMP_NUM_THREADS NMT_DATA_HOME XDG_DATA_HOME 2>/dev/null || true
# Idle OpenMP workers sleep soon instead of spinning: on a busy machine (the
# tests run niced) spinning threads can make a multi-threaded run 20x slower.
# Results do not depend on it.
export GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-10000}

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$LIB_DIR/../.." && pwd)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/nmt-cli-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
OUT=$TMP/.stdout
ERR=$TMP/.stderr

FAILURES=0
CHECKS=0
TEST_NAME=$(basename "${0%.sh}")

nmt() { nice -n 19 "$NMT_BIN" "$@"; }

fail() {
    FAILURES=$((FAILURES + 1))
    echo "FAIL: $*" >&2
}

# check DESCRIPTION CMD...: CMD must succeed.
check() {
    local what=$1
    shift
    CHECKS=$((CHECKS + 1))
    if ! "$@"; then fail "$what"; fi
}

# run RC CMD...: runs CMD (stdin inherited), stdout to $OUT, stderr to $ERR,
# and checks that it exits with RC. Returns 0 either way (the check counts).
run() {
    local want=$1
    shift
    CHECKS=$((CHECKS + 1))
    local rc=0
    "$@" >"$OUT" 2>"$ERR" || rc=$?
    if [ "$rc" != "$want" ]; then
        fail "exit $rc, expected $want: $*"
        sed 's/^/    stderr: /' "$ERR" | head -n 8 >&2
    fi
    return 0
}

# err_has TEXT [WHAT]: the last run's stderr contains TEXT (fixed string).
err_has() {
    CHECKS=$((CHECKS + 1))
    if ! grep -qF -- "$1" "$ERR"; then
        fail "${2:-stderr} should mention '$1'; got: $(head -c 400 "$ERR" | tr '\n' '|')"
    fi
}

# out_empty: the last run wrote nothing on stdout.
out_empty() {
    CHECKS=$((CHECKS + 1))
    if [ -s "$OUT" ]; then fail "${1:-stdout} should be empty; got: $(head -c 200 "$OUT" | tr '\n' '|')"; fi
}

# same_file A B WHAT: byte-identical files, with a diff on failure.
same_file() {
    CHECKS=$((CHECKS + 1))
    if ! cmp -s "$1" "$2"; then
        fail "$3"
        diff "$1" "$2" | head -n 20 | sed 's/^/    /' >&2 || true
    fi
}

# xfail DESCRIPTION CMD...: a check that fails because of a known, reported
# bug. It does not fail the test (it prints XFAIL), unless NMT_STRICT=1; when
# the bug is fixed it prints XPASS so that the xfail can become a check.
xfail() {
    local what=$1
    shift
    if "$@"; then
        echo "XPASS (known bug fixed? make it a check): $what" >&2
    elif [ "${NMT_STRICT:-0}" = 1 ]; then
        CHECKS=$((CHECKS + 1))
        fail "(known bug) $what"
    else
        echo "XFAIL (known bug): $what" >&2
    fi
}

finish() {
    if [ "$FAILURES" -gt 0 ]; then
        echo "FAIL $TEST_NAME: $FAILURES of $CHECKS checks failed" >&2
        exit 1
    fi
    echo "ok   $TEST_NAME: $CHECKS checks" >&2
    exit 0
}

skip() {
    echo "SKIP $TEST_NAME: $*" >&2
    exit 77
}

# need_corpus: sets DATA_DIR and CORPUS (the book's spa.txt) or skips, with the
# policy of tests/check.h: NMT_DATA set (or CI set) and no corpus is a failure;
# no NMT_DATA, no CI and no ../shared/data is a skip.
need_corpus() {
    if [ -n "${NMT_DATA:-}" ]; then
        DATA_DIR=$NMT_DATA
        if [ ! -f "$DATA_DIR/spa-eng/spa.txt" ]; then
            echo "FAIL $TEST_NAME: NMT_DATA=$NMT_DATA has no spa-eng/spa.txt" >&2
            exit 1
        fi
    elif [ -f "$REPO_ROOT/../shared/data/spa-eng/spa.txt" ]; then
        DATA_DIR=$REPO_ROOT/../shared/data
    elif [ -n "${CI:-}" ]; then
        echo "FAIL $TEST_NAME: CI is set but there is no corpus: set NMT_DATA" >&2
        exit 1
    else
        skip "no corpus (set NMT_DATA to the folder holding spa-eng/spa.txt)"
    fi
    DATA_DIR=$(cd "$DATA_DIR" && pwd)
    CORPUS=$DATA_DIR/spa-eng/spa.txt
}

have_python() { command -v python3 >/dev/null 2>&1; }

# synth_corpus FILE N: N synthetic English<TAB>Spanish pairs, deterministic
# (Park-Miller generator, exact in double precision, so mawk and gawk agree).
# 35 distinct words on each side, accents, ¿?, ¡! and a final period, so that
# a tiny model learns it in a second and translates into real words.
synth_corpus() {
    awk -v n="$2" '
    function r(m) { x = (x * 16807) % 2147483647; return int(x / 2147483647 * m) + 1 }
    BEGIN {
        split("i you he she we they", se, " ")
        split("yo tú él ella nosotros ellos", ss, " ")
        split("see want have like eat read buy find", ve, " ")
        split("ve quiere tiene ama come lee compra busca", vs, " ")
        split("big small red old new green", ae, " ")
        split("grande pequeño rojo viejo nuevo verde", as, " ")
        split("cat dog book house car apple letter tree table chair horse bird", ne, " ")
        split("gato perro libro casa coche manzana carta árbol mesa silla caballo pájaro", ns, " ")
        x = 12345
        for (k = 0; k < n; k++) {
            s = r(6); v = r(8); a = r(6); o = r(12); kind = r(10)
            if (kind == 1) {
                printf "Where is the %s %s?\t¿Dónde está el %s %s?\n", ae[a], ne[o], ns[o], as[a]
            } else {
                E = se[s] " " ve[v] " the " ae[a] " " ne[o]
                S = ss[s] " " vs[v] " el " ns[o] " " as[a]
                E = toupper(substr(E, 1, 1)) substr(E, 2)
                S = toupper(substr(S, 1, 1)) substr(S, 2)
                if (kind == 2) printf "%s!\t¡%s!\n", E, S
                else printf "%s.\t%s.\n", E, S
            }
        }
    }' >"$1"
}
SYNTH_SHA256_2000=4cd7074ead5cccbf0ca98ce760c9635ec0b3a4b60cae2dec31ef549d5c5cac86

# The tiny model of the synthetic corpus: 1800 training and 200 validation
# pairs, vocabularies of 32, about half a second of training.
TINY_TRAIN_FLAGS=(--vocab 32 --embed 16 --units 32 --max-length 8 --n-train 1800 --epochs 4
                  --lr 0.01 --batch-size 32 --seed 1 --quiet)

# tiny_model OUT [extra train flags...]: corpus in $TMP/synth.txt, model in OUT.
tiny_model() {
    local out=$1
    shift
    [ -f "$TMP/synth.txt" ] || synth_corpus "$TMP/synth.txt" 2000
    if ! nmt train --data "$TMP/synth.txt" --out "$out" "${TINY_TRAIN_FLAGS[@]}" --threads 1 "$@" \
        >"$TMP/.train.out" 2>"$TMP/.train.err"; then
        echo "FAIL $TEST_NAME: could not train the tiny model:" >&2
        sed 's/^/    /' "$TMP/.train.err" >&2
        exit 1
    fi
}

# weights_sha MODEL: weights_sha256 from `nmt inspect --json`.
weights_sha() {
    nmt inspect "$1" --json | sed -n 's/.*"weights_sha256": *"\([0-9a-f]\{64\}\)".*/\1/p'
}

# ---- run on its own: check the helpers -------------------------------------
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    synth_corpus "$TMP/a.txt" 2000
    synth_corpus "$TMP/b.txt" 2000
    same_file "$TMP/a.txt" "$TMP/b.txt" "synth_corpus is not deterministic"
    check "synth_corpus: 2000 lines" test "$(wc -l <"$TMP/a.txt")" -eq 2000
    check "synth_corpus: every line is English<TAB>Spanish" \
        test "$(awk -F'\t' 'NF != 2' "$TMP/a.txt" | wc -l)" -eq 0
    got=$(sha256sum "$TMP/a.txt" | cut -d' ' -f1)
    check "synth_corpus: sha256 $got differs from the recorded $SYNTH_SHA256_2000 (awk arithmetic?)" \
        test "$got" = "$SYNTH_SHA256_2000"
    run 0 nmt version
    check "nmt version names the version" grep -qE '^nmt [0-9]+\.[0-9]+\.[0-9]+' "$OUT"
    finish
fi
