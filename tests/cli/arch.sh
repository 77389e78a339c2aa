#!/usr/bin/env bash
# The architectures from the command line (docs/ARCHITECTURE.md): each trains
# on the synthetic corpus, is named by nmt inspect, translates, and `nmt eval`
# gives its last epoch's validation numbers; files are byte-identical on 1 and
# 2 threads; --init-from copies the tensors of equal name and shape and says
# so, in the file too; bad --arch / --init-* flags are refused before any work.
# Needs no corpus.
source "$(dirname "$0")/lib.sh"

synth_corpus "$TMP/synth.txt" 2000
for arch in basic bidirectional attention; do
    tiny_model "$TMP/$arch.nmt" --arch "$arch" --log "$TMP/$arch.jsonl"
    tiny_model "$TMP/$arch-2t.nmt" --arch "$arch" --threads 2
    check "$arch: --threads 1 and 2 give different model files" cmp -s "$TMP/$arch.nmt" "$TMP/$arch-2t.nmt"
    run 0 nmt inspect "$TMP/$arch.nmt"
    check "$arch: inspect names the architecture" grep -q "^model: *$arch: src_vocab 32, tgt_vocab 32, embed 16, units 32" "$OUT"
    run 0 nmt inspect "$TMP/$arch.nmt" --json
    check "$arch: inspect --json has config.arch" grep -q "\"arch\": \"$arch\"" "$OUT"
    run 0 nmt translate --model "$TMP/$arch.nmt" "I see the big cat." "Where is the red car?"
    check "$arch: two translations" test "$(wc -l <"$OUT")" -eq 2
    check "$arch: the translation is Spanish words of the corpus ($(head -c 80 "$OUT" | tr '\n' '|'))" \
        grep -qE '^yo (ve|quiere|tiene|ama|come|lee|compra|busca) el gato' "$OUT"
    run 0 nmt eval --model "$TMP/$arch.nmt" --data "$TMP/synth.txt" --n-train 1800
    for key in val_loss val_accuracy; do
        want=$(tail -n 1 "$TMP/$arch.jsonl" | sed -n "s/.*\"$key\":\([-0-9.e]*\).*/\1/p")
        got=$(sed -n "s/.*\"$key\": *\([-0-9.e]*\).*/\1/p" "$OUT")
        check "$arch: nmt eval $key $got differs from the log's $want" \
            awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d < 5e-7) }'
    done
done
# the three give three different models
sha_b=$(weights_sha "$TMP/basic.nmt") sha_i=$(weights_sha "$TMP/bidirectional.nmt") sha_a=$(weights_sha "$TMP/attention.nmt")
check "the architectures give distinct weights" test "$sha_b" != "$sha_i" -a "$sha_i" != "$sha_a" -a "$sha_b" != "$sha_a"

# --init-from: the book's chain (embeddings only), and every matching tensor
tiny_model "$TMP/chain.nmt" --arch attention --init-from "$TMP/basic.nmt" --init-tensors '*.embedding'
check "--init-from lists the copied tensors" grep -q "encoder.embedding copied" "$TMP/.train.err"
check "--init-tensors copies only what it names" test "$(grep -c ' copied$' "$TMP/.train.err")" -eq 2
run 0 nmt inspect "$TMP/chain.nmt" --json
check "init_from is recorded with the tensors copied" \
    grep -qE '"tensors": \[' "$OUT"
check "init_from names the file" grep -q '"file": "basic.nmt"' "$OUT"
run 0 nmt inspect "$TMP/chain.nmt"
check "inspect says where the model started" grep -q "^started: *from basic.nmt (2 tensors copied)" "$OUT"
tiny_model "$TMP/all.nmt" --arch bidirectional --init-from "$TMP/basic.nmt"
check "--init-from without patterns copies the decoder and the output layer too (7 of equal name and shape)" \
    test "$(grep -c ' copied$' "$TMP/.train.err")" -eq 7

# refused before any work
run 2 nmt train --data "$TMP/synth.txt" --out "$TMP/x.nmt" --arch transformer
err_has "unknown architecture 'transformer'" "--arch transformer"
err_has "basic, bidirectional, attention" "--arch transformer names the known ones"
run 2 nmt train --data "$TMP/synth.txt" --out "$TMP/x.nmt" --arch bidirectional --units 33
err_has "must be even" "--units 33 for a bidirectional encoder"
run 2 nmt train --data "$TMP/synth.txt" --out "$TMP/x.nmt" --init-tensors '*'
err_has "--init-tensors needs --init-from"
run 1 nmt train --data "$TMP/synth.txt" --out "$TMP/x.nmt" "${TINY_TRAIN_FLAGS[@]}" --init-from "$TMP/nonesuch.nmt"
err_has "nonesuch.nmt" "--init-from a missing file"
run 1 nmt train --data "$TMP/synth.txt" --out "$TMP/x.nmt" "${TINY_TRAIN_FLAGS[@]}" --vocab 30 --init-from "$TMP/basic.nmt"
err_has "vocabulary" "--init-from a model with other vocabularies"
run 1 nmt train --data "$TMP/synth.txt" --out "$TMP/x.nmt" "${TINY_TRAIN_FLAGS[@]}" --init-from "$TMP/basic.nmt" --init-tensors 'nothing.*'
err_has "no tensor" "--init-tensors matching nothing"
check "no model file after a refused --init-from" test ! -e "$TMP/x.nmt"
finish
