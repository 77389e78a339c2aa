#!/usr/bin/env bash
# Model files that cannot be silently wrong (issue 13), end to end: each case
# below loaded before and translated wrongly, forever, or to empty lines with
# exit 0. Now nmt translate, nmt eval and nmt inspect refuse each one with
# exit 1, the file named and what is wrong said, and nothing on stdout.
# The damaged files are rewritten by tests/cli/rewrite_model.py, which
# recomputes both checksums as docs/FORMAT.md defines them, so that each case
# tests one check (except the ones that test the checksum itself).
source "$(dirname "$0")/lib.sh"

if ! have_python; then
    echo "SKIP $TEST_NAME: needs python3 to rewrite model files" >&2
    exit 77
fi
M=$TMP/tiny.nmt
tiny_model "$M"
RW=$REPO_ROOT/tests/cli/rewrite_model.py
echo "i like the red cat" >"$TMP/in.txt"

# refused FILE WHAT TEXT...: translate, eval and inspect exit 1 naming FILE and each TEXT.
refused() {
    local f=$1 what=$2
    shift 2
    run 1 nmt translate --model "$f" <"$TMP/in.txt"
    err_has "$f: " "translate of $what"
    for t in "$@"; do err_has "$t" "translate of $what"; done
    out_empty "translate of $what"
    run 1 nmt eval --model "$f" --data "$TMP/synth.txt" --n-train 1800
    err_has "$f: " "eval of $what"
    for t in "$@"; do err_has "$t" "eval of $what"; done
    out_empty "eval of $what"
    run 1 nmt inspect "$f"
    err_has "$f: " "inspect of $what"
    out_empty "inspect of $what"
}

# The rewriter itself is faithful: a rewrite without changes loads and translates the same.
python3 "$RW" "$M" "$TMP/same.nmt"
run 0 nmt translate --model "$M" <"$TMP/in.txt"
cp "$OUT" "$TMP/want.txt"
run 0 nmt translate --model "$TMP/same.nmt" <"$TMP/in.txt"
same_file "$TMP/want.txt" "$OUT" "an unchanged rewrite translates differently"
run 0 nmt eval --model "$TMP/same.nmt" --data "$TMP/synth.txt" --n-train 1800
check "eval prints JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$OUT"

# One flipped bit in a vocabulary word, "el" -> "em" (was: loaded; the issue's "de" -> "dd"
# gave "mira dd nuevo"), checksums left alone.
python3 "$RW" "$M" "$TMP/flip.nmt" --flip-doc '"el"'
refused "$TMP/flip.nmt" "a flipped bit in a vocabulary word" "checksum mismatch"

# A target vocabulary without endofseq (was: translated forever).
python3 "$RW" "$M" "$TMP/noend.nmt" --doc '"endofseq"' '"endofsez"'
refused "$TMP/noend.nmt" "no endofseq" "lacks 'endofseq'"

# Two tensors of one shape with swapped data_offsets (was: loaded).
python3 "$RW" "$M" "$TMP/swap.nmt" --swap encoder.lstm.kernel decoder.lstm.kernel
refused "$TMP/swap.nmt" "swapped offsets" "out of order"

# NaN, infinite and absurd weights (was: empty translations, exit 0; eval printed nan).
for v in nan inf -inf 3e38; do
    python3 "$RW" "$M" "$TMP/w.nmt" --weight output.bias 3 "$v"
    refused "$TMP/w.nmt" "a weight $v" "tensor 'output.bias' element 3 is"
done
# The same in a file of format 3 (no checksum over its metadata: the other checks still apply).
python3 "$RW" "$M" "$TMP/w3.nmt" --format-version 3 --weight output.bias 3 nan
refused "$TMP/w3.nmt" "a NaN weight in a format-3 file" "element 3 is nan"
python3 "$RW" "$M" "$TMP/v3.nmt" --format-version 3
run 0 nmt translate --model "$TMP/v3.nmt" <"$TMP/in.txt"
same_file "$TMP/want.txt" "$OUT" "the same model as a format-3 file translates differently"

finish
