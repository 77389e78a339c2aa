#!/usr/bin/env bash
# Model files of format version 1 keep loading and translate exactly as the
# release that wrote them did. tests/fixtures/model_v1_release.nmt was written
# by nmt 0.1.0 (commit a0cd42c, the last format-1 release) with
#   nmt train --data <first 3000 lines of spa.txt> --out model_v1_release.nmt \
#     --vocab 200 --embed 32 --units 64 --max-length 12 --n-train 2500 --epochs 6 \
#     --lr 0.01 --batch-size 32 --seed 7
# and tests/golden/v1_release_out.txt is what that release's `nmt translate`
# printed for tests/golden/v1_release_in.txt. Neither file is ever regenerated:
# a later nmt must give these bytes from those bytes. Needs no corpus.
source "$(dirname "$0")/lib.sh"

MODEL=$REPO_ROOT/tests/fixtures/model_v1_release.nmt
IN=$REPO_ROOT/tests/golden/v1_release_in.txt
WANT=$REPO_ROOT/tests/golden/v1_release_out.txt

for threads in 1 2; do
    run 0 nmt translate --model "$MODEL" --threads "$threads" <"$IN"
    same_file "$WANT" "$OUT" "format-1 release model: translations at --threads $threads differ from what nmt 0.1.0 printed"
done
# one sentence at a time gives the same lines as the batch
: >"$TMP/one.txt"
while IFS= read -r line; do
    nmt translate --model "$MODEL" "$line" >>"$TMP/one.txt" 2>/dev/null || echo "(exit $?)" >>"$TMP/one.txt"
done < <(head -n 12 "$IN")
check "format-1 release model: sentences translated one by one differ from the recorded batch" \
    cmp -s "$TMP/one.txt" <(head -n 12 "$WANT")
run 0 nmt inspect "$MODEL"
check "inspect names the architecture" grep -q "^model: *basic" "$OUT"
check "inspect names the file's format version" grep -q "format version 1" "$OUT"
finish
