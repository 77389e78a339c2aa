#!/usr/bin/env bash
# The benchmark tools of `make bench` (tools/bench_gemm.c, tools/bench.sh), in
# their quick modes, so that they cannot rot between benchmark runs:
#  - bench_gemm measures every backend this build knows on every shape, names
#    the unknown ones as skipped, skips the pre-packed kernel (pmat) on the one
#    shape with a transposed A, and reports the FMA peak for each thread count;
#    its Markdown table has as many cells in every row as in its header;
#  - bad flags exit 2;
#  - bench.sh without a corpus, PyTorch or TensorFlow still measures the matrix
#    products and writes a report whose rows say "skipped (reason)", never a
#    number, with the same cell count as their header, to BENCH_REPORT only;
#    the char-RNN part too (no text), and BENCH_CHAR_BATCHES=0 leaves it out.
# The rates themselves are not checked (they depend on the machine's load);
# only that every measured one is a positive number.
source "$(dirname "$0")/lib.sh"

GEMM_BIN=${BENCH_GEMM_BIN:-${BUILD:-build}/tools/bench_gemm}
case $GEMM_BIN in /*) ;; *) GEMM_BIN=$PWD/$GEMM_BIN ;; esac
if [ ! -x "$GEMM_BIN" ]; then
    echo "FAIL: $GEMM_BIN is not built (make test builds it)" >&2
    exit 1
fi

# Every Markdown table in FILE: each row has the cell count of the table's header.
tables_even() {
    awk -F'|' '/^\|/ { if (!intable) { n = NF; intable = 1 } else if (NF != n) { print "row with " NF - 2 " cells, header " n - 2 ": " $0; bad = 1 } ; next }
               { intable = 0 }
               END { exit bad }' "$1" >&2
}

# --max-gflop 1 leaves out the 2048³ square (17 GFLOP): under the sanitizers the
# pre-packed kernel runs its scalar reference, and one such call takes a minute.
run 0 nice -n 19 "$GEMM_BIN" --backends naive,cblas,dnnl,pmat,nonesuch --threads 2,1 --quick \
    --naive-max-gflop 0.1 --max-gflop 1 --tsv "$TMP/gemm.tsv"
cp "$OUT" "$TMP/gemm.md"
check "bench_gemm: Markdown tables are even" tables_even "$TMP/gemm.md"
check "bench_gemm: 6 shape rows" test "$(grep -c '^| [0-9]' "$TMP/gemm.md")" = 6
check "bench_gemm: a column per known backend and thread count" \
    grep -qF '| naive 2T | naive 1T | cblas 2T | cblas 1T | dnnl 2T | dnnl 1T | pmat 2T | pmat 1T |' "$TMP/gemm.md"
check "bench_gemm: the unknown backend is named as skipped" \
    grep -qF 'backend `nonesuch`: skipped (not in this build)' "$TMP/gemm.md"
check "bench_gemm: the TSV has a line per backend, thread count and shape, and the FMA peaks" \
    test "$(wc -l <"$TMP/gemm.tsv")" = $((5 * 2 * 6 + 2))
check "bench_gemm: every backend skips the square, above --max-gflop" awk -F'\t' '
    $1 != "nonesuch" && $1 != "fma-peak" && ($3 == "square") != ($10 == "skipped: above --max-gflop") { print "    " $0 > "/dev/stderr"; bad = 1 }
    END { exit bad }' "$TMP/gemm.tsv"
check "bench_gemm: pmat skips the transposed-A shape" awk -F'\t' '
    $1 == "pmat" && $3 != "square" && ($3 == "w_grad") != ($10 ~ /^skipped: the pre-packed kernel takes A untransposed/) { print "    " $0 > "/dev/stderr"; bad = 1 }
    END { exit bad }' "$TMP/gemm.tsv"
check "bench_gemm: cblas, dnnl and pmat measure every other shape, at a positive rate" awk -F'\t' '
    ($1 == "cblas" || $1 == "dnnl" || ($1 == "pmat" && $3 != "w_grad")) && $3 != "square" && !($10 == "ok" && $9 + 0 > 0) { print "    " $0 > "/dev/stderr"; bad = 1 }
    END { exit bad }' "$TMP/gemm.tsv"
check "bench_gemm: naive skips the shapes above --naive-max-gflop" awk -F'\t' '
    $1 == "naive" && $3 != "square" { big = 2 * $4 * $5 * $6 * 1e-9 > 0.1; if (big != ($10 ~ /^skipped: naive/)) { print "    " $0 > "/dev/stderr"; bad = 1 } }
    END { exit bad }' "$TMP/gemm.tsv"
if grep -q 'fma-peak.*skipped: no AVX2/AVX-512' "$TMP/gemm.tsv"; then
    check "bench_gemm: no FMA peak in this build, and the report says so" grep -qF 'FMA peak: not measured' "$TMP/gemm.md"
else
    check "bench_gemm: a positive FMA peak at 2 and 1 threads" awk -F'\t' '
        $1 == "fma-peak" && $10 == "ok" && $9 + 0 > 0 { n++ } END { exit n != 2 }' "$TMP/gemm.tsv"
    check "bench_gemm: the FMA peak line" grep -qE '^FMA peak \(the arithmetic limit.*GFLOP/s at 2 threads; [0-9.]+ GFLOP/s at 1 thread$' "$TMP/gemm.md"
fi

run 2 "$GEMM_BIN" --threads 0
err_has "usage: bench_gemm"
run 2 "$GEMM_BIN" --bogus
err_has "usage: bench_gemm"

# bench.sh with nothing to compare against: the products only, every other row
# skipped. OpenBLAS alone (not instrumented by the sanitizers) keeps it fast.
run 0 env NMT_BIN="$NMT_BIN" BENCH_GEMM_BIN="$GEMM_BIN" NMT_DATA="$TMP/no-data" BENCH_QUICK=1 BENCH_INSTALL=0 \
    BENCH_APPEND=1 BENCH_REPORT="$TMP/perf.md" BENCH_PYTHON="$TMP/no-python" NMT_BENCH_VENV="$TMP/no-venv" \
    BENCH_BACKENDS=cblas nice -n 19 bash tools/bench.sh
check "bench.sh: the report is written to BENCH_REPORT" test -s "$TMP/perf.md"
check "bench.sh: its tables are even" tables_even "$TMP/perf.md"
check "bench.sh: the products and the FMA peak are in it" grep -qE '^\| 32×2048×512 \| NN \| recurrent step' "$TMP/perf.md"
check "bench.sh: the 6 training, PyTorch, Keras and translation rows say why they were skipped" \
    test "$(grep -c "^| [^|]* | skipped (no corpus at $TMP/no-data/spa-eng/spa.txt) | | | | | | |$" "$TMP/perf.md")" = 6
check "bench.sh: the nmt and PyTorch char-RNN rows say why they were skipped" \
    test "$(grep -c "^| [^|]* charrnn[^|]* | skipped (no text at $TMP/no-data/tinyshakespeare/input.txt) | | | | | | |$" "$TMP/perf.md")" = 2
check "bench.sh: the char-RNN paragraph is in the report" grep -qF '**(e) Char-RNN**: ' "$TMP/perf.md"
check "bench.sh: no other row in the main table (header + 6 + 2)" test "$(sed -n '/^| benchmark |/,$p' "$TMP/perf.md" | grep -c '^| ')" = 9

# ... and with the three architectures: 3 more skipped rows for each variant (nmt,
# PyTorch, time per batch against basic); no char-RNN part
run 0 env NMT_BIN="$NMT_BIN" BENCH_GEMM_BIN="$GEMM_BIN" NMT_DATA="$TMP/no-data" BENCH_QUICK=1 BENCH_INSTALL=0 \
    BENCH_APPEND=1 BENCH_REPORT="$TMP/perf3.md" BENCH_PYTHON="$TMP/no-python" NMT_BENCH_VENV="$TMP/no-venv" \
    BENCH_BACKENDS=cblas BENCH_ARCHS="basic bidirectional attention" BENCH_CHAR_BATCHES=0 nice -n 19 bash tools/bench.sh
check "bench.sh, BENCH_CHAR_BATCHES=0: no char-RNN paragraph" test "$(grep -c 'Char-RNN' "$TMP/perf3.md")" = 0
check "bench.sh, three architectures: its tables are even" tables_even "$TMP/perf3.md"
check "bench.sh, three architectures: 12 rows say why they were skipped" \
    test "$(grep -c "^| [^|]* | skipped (no corpus at $TMP/no-data/spa-eng/spa.txt) | | | | | | |$" "$TMP/perf3.md")" = 12
check "bench.sh, three architectures: no other row in the main table (header + 12)" \
    test "$(sed -n '/^| benchmark |/,$p' "$TMP/perf3.md" | grep -c '^| ')" = 13
run 2 env NMT_BIN="$NMT_BIN" BENCH_GEMM_BIN="$GEMM_BIN" BENCH_ARCHS="basic nonesuch" bash tools/bench.sh
err_has "nonesuch" "BENCH_ARCHS with an unknown architecture"
run 2 env NMT_BIN="$NMT_BIN" BENCH_GEMM_BIN="$GEMM_BIN" BENCH_CHAR_BATCHES=ten bash tools/bench.sh
err_has "BENCH_CHAR_BATCHES" "BENCH_CHAR_BATCHES not a number"

finish
