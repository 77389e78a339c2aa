#!/usr/bin/env bash
# One binary for every x86-64 CPU (src/core/cpu.h): `nmt version` names the
# kernels in use and the CPU's vector features; NMT_ISA forces a lower level
# and refuses an unknown one or one the CPU lacks; and every level this CPU
# has trains byte-identical model files (a translator and a char-RNN), at 1
# and 2 threads. Needs no corpus.
source "$(dirname "$0")/lib.sh"

run 0 nmt version --json
max=$(sed -n 's/.*"cpu_max_kernels": *"\([a-z0-9]*\)".*/\1/p' "$OUT")
check "version --json names the highest level this CPU has (got '$max')" grep -qE '"cpu_max_kernels": "(scalar|avx2|avx512)"' "$OUT"
check "version --json: the kernels in use are that level" grep -q "\"kernels\": \"$max\"" "$OUT"
run 0 nmt version
check "version names the kernels and the CPU's features" grep -qE "; kernels $max \\(CPU: (avx2 fma|no avx2)" "$OUT"

levels=(scalar)
case $max in avx2) levels+=(avx2) ;; avx512) levels+=(avx2 avx512) ;; esac
for l in "${levels[@]}"; do
    run 0 env NMT_ISA="$l" "$NMT_BIN" version
    check "NMT_ISA=$l: version says kernels $l" grep -q "; kernels $l " "$OUT"
done
run 2 env NMT_ISA=sse9 "$NMT_BIN" version
err_has "NMT_ISA=sse9: unknown level (scalar, avx2 or avx512)"
if [ "$max" != avx512 ]; then
    run 2 env NMT_ISA=avx512 "$NMT_BIN" version
    err_has "NMT_ISA=avx512: this CPU allows at most $max"
fi

# the same model files at every level and thread count
synth_corpus "$TMP/synth.txt" 800
cut -f1 "$TMP/synth.txt" >"$TMP/text.txt"
tr_flags=(--data "$TMP/synth.txt" --vocab 30 --embed 8 --units 16 --max-length 8 --n-train 500 --epochs 1
          --batch-size 16 --seed 3 --quiet)
ch_flags=(--arch charrnn --data "$TMP/text.txt" --embed 4 --units 16 --max-length 20 --train-chars 6000
          --valid-chars 1000 --epochs 1 --max-batches 10 --quiet)
for l in "${levels[@]}"; do
    for t in 1 2; do
        run 0 env NMT_ISA="$l" nice -n 19 "$NMT_BIN" train "${tr_flags[@]}" --threads "$t" --out "$TMP/tr-$l-$t.nmt"
        run 0 env NMT_ISA="$l" nice -n 19 "$NMT_BIN" train "${ch_flags[@]}" --threads "$t" --out "$TMP/ch-$l-$t.nmt"
        check "translator: NMT_ISA=$l, $t threads: not the scalar 1-thread file" cmp -s "$TMP/tr-scalar-1.nmt" "$TMP/tr-$l-$t.nmt"
        check "char-RNN: NMT_ISA=$l, $t threads: not the scalar 1-thread file" cmp -s "$TMP/ch-scalar-1.nmt" "$TMP/ch-$l-$t.nmt"
    done
done
finish isa
