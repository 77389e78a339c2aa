#!/usr/bin/env bash
# Model files of older format versions keep loading and translate exactly as
# the release that wrote them did. Needs no corpus. None of these files is
# ever regenerated: a later nmt must give these bytes from those bytes.
#
# Format 1: tests/fixtures/models/model_v1_release.nmt was written by nmt 0.1.0
# (commit a0cd42c, the last format-1 release) with
#   nmt train --data <first 3000 lines of spa.txt> --out model_v1_release.nmt \
#     --vocab 200 --embed 32 --units 64 --max-length 12 --n-train 2500 --epochs 6 \
#     --lr 0.01 --batch-size 32 --seed 7
# and tests/golden/v1_release_out.txt is what that release's `nmt translate`
# printed for tests/golden/v1_release_in.txt.
#
# Format 2: tests/fixtures/models/model_v2_release.nmt was written by nmt 0.2.0
# (commit 7585e71, the last format-2 build), an attention model started from a
# basic model's embeddings:
#   nmt train --data <first 3000 lines of spa.txt> --out basic.nmt --vocab 200 \
#     --embed 32 --units 64 --max-length 12 --n-train 2500 --epochs 6 --lr 0.01 \
#     --batch-size 32 --seed 7 --threads 1
#   nmt train <the same flags> --out model_v2_release.nmt --arch attention \
#     --init-from basic.nmt --init-tensors '*.embedding'
# tests/golden/v2_release_out.txt is what that build's `nmt translate` printed
# for tests/golden/v1_release_in.txt, and v2_release_beam.txt what
# `nmt translate --beam 3 --n-best 2` printed for its first 12 lines.
source "$(dirname "$0")/lib.sh"

IN=$REPO_ROOT/tests/golden/v1_release_in.txt

# release_translates VERSION: the greedy translations of the release's model,
# batched at 1 and 2 threads and one sentence at a time.
release_translates() {
    local v=$1 model=$REPO_ROOT/tests/fixtures/models/model_v$1_release.nmt want=$REPO_ROOT/tests/golden/v$1_release_out.txt
    for threads in 1 2; do
        run 0 nmt translate --model "$model" --threads "$threads" <"$IN"
        same_file "$want" "$OUT" "format-$v release model: translations at --threads $threads differ from the recorded ones"
    done
    : >"$TMP/one.txt"
    while IFS= read -r line; do
        nmt translate --model "$model" "$line" >>"$TMP/one.txt" 2>/dev/null || echo "(exit $?)" >>"$TMP/one.txt"
    done < <(head -n 12 "$IN")
    check "format-$v release model: sentences translated one by one differ from the recorded batch" \
        cmp -s "$TMP/one.txt" <(head -n 12 "$want")
    run 0 nmt inspect "$model"
    check "format $v: inspect names the file's format version" grep -q "format version $v" "$OUT"
    check "format $v: inspect says the file has no checksum over its metadata" \
        grep -q "^checksum: *weights only (format $v has no checksum over its metadata)" "$OUT"
}

release_translates 1
check "format 1: inspect names the architecture" grep -q "^model: *basic" "$OUT"

release_translates 2
check "format 2: inspect names the architecture" grep -q "^model: *attention" "$OUT"
check "format 2: inspect shows --init-from" grep -q "^started: *from basic.nmt (2 tensors copied)" "$OUT"
for v in 2 3; do
    run 0 nmt translate --model "$REPO_ROOT/tests/fixtures/models/model_v${v}_release.nmt" --beam 3 --n-best 2 < <(head -n 12 "$IN")
    same_file "$REPO_ROOT/tests/golden/v${v}_release_beam.txt" "$OUT" \
        "format-$v release model: beam search results differ from the recorded ones"
done

release_translates 3
check "format 3: inspect names the architecture" grep -q "^model: *bidirectional" "$OUT"

CHAR=$REPO_ROOT/tests/fixtures/models/model_v3_charrnn.nmt
: >"$TMP/gen.txt"
run 0 nmt generate --model "$CHAR" --prompt "ROMEO:" --length 200 --seed 3
cat "$OUT" >>"$TMP/gen.txt"
run 0 nmt generate --model "$CHAR" --prompt "ROMEO:" --length 60 --temperature 0
cat "$OUT" >>"$TMP/gen.txt"
same_file "$REPO_ROOT/tests/golden/v3_charrnn_gen.txt" "$TMP/gen.txt" \
    "format-3 char-RNN: generated text differs from the recorded one"
run 0 nmt inspect "$CHAR"
check "format 3: inspect names the char-RNN's format version" grep -q "format version 3" "$OUT"
finish
